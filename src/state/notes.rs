//! Honest simplifications: the modelling conventions of semantics.md §10, in plain words,
//! for the scenarios they affect. Pure (no Yew), so it is tested natively too.

use crate::engine::scenario::{Engine, Sink, Source};
use crate::engine::{Fault, Outcome, Scenario};

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
            // SPARK-40925 (Spark 3.4): with allowMultiple = true (the default) stateful
            // operators filter late rows with the previous batch's watermark.
            "This assumes spark.sql.streaming.statefulOperator.allowMultiple = false. Default \
             Spark (3.4 and later, allowMultiple = true, SPARK-40925) judges lateness against \
             the previous batch's watermark, so it drops fewer rows as late than shown here: \
             a row at or below this batch's watermark but above the previous batch's is kept.",
        ));
    }
    if matches!(s.sink, Sink::Bigquery { .. }) && !o.errors.is_empty() {
        let mut t = String::from(
            "ALREADY_EXISTS and OUT_OF_RANGE are the status codes of an AppendRows response \
             error (storage error codes OFFSET_ALREADY_EXISTS / OFFSET_OUT_OF_RANGE); \
             STREAM_FINALIZED and INVALID_STREAM_TYPE are storage error codes. All of them \
             arrive in AppendRowsResponse.error.",
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
        if s.engine.commit_mode() == crate::engine::scenario::CommitMode::Auto {
            v.push(note(
                "24",
                "Auto-commit",
                // KAFKA-18641: the new consumer protocol (group.protocol=consumer) commits
                // from a background thread and could lose records.
                "This models the classic Java consumer (group.protocol=classic): “every N \
                 polls” stands for auto.commit.interval.ms. The new consumer protocol \
                 (group.protocol=consumer) commits in the background and had a record-loss \
                 bug (KAFKA-18641); librdkafka-based clients can commit records that were not \
                 processed yet.",
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
             and delivery order is not guaranteed. Without exactly-once delivery a late ack \
             may or may not stick, and even a timely ack can occasionally be followed by a \
             redelivery; the simulator always redelivers after a late ack and never after a \
             timely one.",
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
                // KIP-939's client APIs were pulled from Kafka 4.2 until finished
                // (KAFKA-19414); Flink's KafkaSink must also adopt them.
                "Flink's KafkaSink defaults to a 1 h transaction timeout, above the broker's \
                 default transaction.max.timeout.ms (15 min). Kafka two-phase commit (KIP-939: \
                 accepted, not yet in a released Kafka client; Flink's KafkaSink must also \
                 adopt it) is designed to remove this loss.",
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
    let micro_batch = matches!(s.engine, Engine::MicroBatch);
    if micro_batch && matches!(s.source, Source::Socket) && !matches!(s.sink, Sink::Memory) {
        // Measured with Spark 4.3 (fidelity scenarios 28, 29): TextSocketMicroBatchStream
        // keeps no state across restarts.
        v.push(note(
            "33",
            "Socket restart",
            "Spark's socket source cannot resume from a checkpoint: a restarted query re-runs \
             the open batch with nothing in it, then fails with IllegalStateException: Offsets \
             committed out of order (if the checkpoint's last offset is −1 it never \
             reconnects). This assumes the server sends one batch at a time; a server that \
             sends faster makes Spark silently drop as many lines of the new connection as \
             the checkpoint had consumed, and go on.",
        ));
    }
    if micro_batch && matches!(s.sink, Sink::Memory) && o.restarts > 0 {
        v.push(note(
            "34",
            "Memory sink",
            "This assumes no checkpointLocation (and no spark.sql.streaming.checkpointLocation): \
             Spark then uses a new temporary checkpoint per start, so a restart is a new query \
             with an empty table. With a fixed checkpoint Spark refuses to restart an \
             append-mode memory-sink query (AnalysisException: This query does not support \
             recovering from checkpoint location) and nothing more is written until the \
             checkpoint is deleted.",
        ));
    }
    v
}
