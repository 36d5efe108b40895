//! Honest simplifications: the modelling conventions of semantics.md §10, in plain words,
//! for the scenarios they affect. Pure (no Yew), so it is tested natively too.

use super::engine::scenario::{Engine, Sink, Source};
use super::engine::{Fault, Outcome, Scenario};

/// One convention the learner should know about for this scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// semantics.md §10 reference tag, e.g. "26".
    pub tag: &'static str,
    /// What it is about, in three words.
    pub topic: &'static str,
    pub text: String,
}

fn note(tag: &'static str, topic: &'static str, text: &str) -> Note {
    Note {
        tag,
        topic,
        text: text.to_string(),
    }
}

/// Words for an `assumptions_broken` entry: `checkpoint_deleted` → "checkpoint deleted".
pub fn assumption_words(a: &str) -> String {
    a.replace('_', " ")
}

/// The guarantee as the header shows it: "exactly-once (void: checkpoint deleted)" when the
/// run broke an assumption the guarantee rests on (§10 (31)).
pub fn guarantee_label(o: &Outcome) -> String {
    let name = o.guarantee.name();
    if o.assumptions_broken.is_empty() {
        name.to_string()
    } else {
        let why: Vec<String> = o
            .assumptions_broken
            .iter()
            .map(|a| assumption_words(a))
            .collect();
        format!("{name} (void: {})", why.join(", "))
    }
}

/// The conventions that apply to this scenario and its outcome, in §10 order.
pub fn conventions(s: &Scenario, o: &Outcome) -> Vec<Note> {
    let mut v = Vec::new();
    if s.dedup.is_some() {
        v.push(note(
            "6",
            "Dedup watermark",
            "Spark 3.4 and later judges lateness against the previous batch's watermark by \
             default, so it drops fewer rows as late than this simulator, which models the \
             single-watermark setting (statefulOperator.allowMultiple = false).",
        ));
    }
    if matches!(s.sink, Sink::Bigquery { .. }) && !o.errors.is_empty() {
        let mut t = String::from(
            "ALREADY_EXISTS and OUT_OF_RANGE are gRPC statuses of AppendRows; STREAM_FINALIZED \
             and INVALID_STREAM_TYPE are storage error codes.",
        );
        if o.errors.iter().any(|e| e == "INVALID_STREAM_TYPE") {
            t.push_str(
                " BatchCommitWriteStreams reports INVALID_STREAM_TYPE per stream (in \
                 stream_errors, with no commit_time). Code that raises on this response \
                 fails the job after every batch's rows are already visible.",
            );
        }
        v.push(note("23", "BigQuery errors", &t));
    }
    if let Engine::Consumer { .. } = s.engine {
        if s.engine.commit_mode() == super::engine::scenario::CommitMode::Auto {
            v.push(note(
                "24",
                "Auto-commit",
                "This models the Java consumer: “every N polls” stands for \
                 auto.commit.interval.ms. librdkafka-based clients can commit records that \
                 were not processed yet.",
            ));
        }
    }
    let queue = matches!(s.source, Source::Queue { .. });
    if queue && matches!(s.engine, Engine::Beam { .. }) {
        v.push(note(
            "25",
            "Dataflow dedup",
            "This models Dataflow's exactly-once streaming mode. Its dedup window is \
             time-bounded in reality and unbounded here.",
        ));
    }
    if queue {
        v.push(note(
            "26",
            "Queue redelivery",
            "Releasing leases at a restart and delivering the lowest positions first are \
             simulator conventions: after a real crash redelivery waits for the ack deadline, \
             and delivery order is not guaranteed.",
        ));
    }
    if matches!(s.engine, Engine::Flink) {
        v.push(note(
            "27",
            "Flink epochs",
            "Epochs are numbered from 0 and reused on replay here; Flink numbers checkpoints \
             from 1 and never reuses them.",
        ));
        if let Sink::Kafka {
            transactions: Some(true),
            ..
        } = s.sink
        {
            v.push(note(
                "27",
                "Transaction timeout",
                "Flink's KafkaSink defaults to a 1 h transaction timeout, above the broker's \
                 default transaction.max.timeout.ms (15 min). Kafka two-phase commit support \
                 (KIP-939) removes this loss.",
            ));
        }
    }
    if matches!(s.sink, Sink::Console | Sink::ForeachBatch { .. }) {
        v.push(note(
            "28",
            "Checkpoint location",
            "This assumes an explicit checkpointLocation. Without one Spark uses a temporary \
             checkpoint, and a restart starts a new query.",
        ));
    }
    if o.readers.contains_key("raw_listing") {
        v.push(note(
            "29",
            "Raw listing",
            "The raw_listing reader assumes a row format; a half-written parquet file is \
             unreadable. Spark itself ignores _spark_metadata when you read a subdirectory or \
             a glob of the output.",
        ));
    }
    let log_consumer =
        matches!(s.engine, Engine::Consumer { .. }) && matches!(s.source, Source::Log { .. });
    if log_consumer && s.faults.iter().any(|f| matches!(f, Fault::Pause { .. })) {
        v.push(note(
            "30",
            "Stalled consumer",
            "A pause here does not trigger a rebalance. To model a consumer that stalls past \
             max.poll.interval.ms, use the zombie fault.",
        ));
    }
    if !o.assumptions_broken.is_empty() {
        let why: Vec<String> = o
            .assumptions_broken
            .iter()
            .map(|a| assumption_words(a))
            .collect();
        v.push(Note {
            tag: "31",
            topic: "Guarantee void",
            text: format!(
                "The configuration's guarantee assumes none of these happen, and this run had: \
                 {}. Its counts show what that costs.",
                why.join(", ")
            ),
        });
    }
    if s.workload.partitions > 1 {
        v.push(note(
            "32",
            "Partitions",
            "Partitions are interleaved in a fixed round-robin order here.",
        ));
    }
    v
}
