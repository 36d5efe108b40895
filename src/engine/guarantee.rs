//! The guarantee a configuration provides in general (semantics §9), independent of
//! any particular run's faults, with the one-sentence reason the UI shows.

use super::outcome::Guarantee;
use super::scenario::{
    CommitMode, Engine, Isolation, Offsets, Scenario, SinkCfg, Source, StartingPosition,
    StreamScope, StreamType, UpsertKey,
};

/// Why a configuration can lose, or re-write, records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    pub guarantee: Guarantee,
    pub can_lose: Option<&'static str>,
    pub can_dup: Option<&'static str>,
    pub reason: String,
}

/// Semantics §9: `can_lose`, `replays`, `rewrite_dups`, `can_dup`.
pub fn classify(s: &Scenario) -> Classification {
    let sink = s.sink.cfg();
    let socket = matches!(s.source, Source::Socket);
    let queue = matches!(s.source, Source::Queue { .. });
    let log = matches!(s.source, Source::Log { .. });
    let latest = s.source.starting_position() == StartingPosition::Latest;
    let consumer = matches!(s.engine, Engine::Consumer { .. });
    let mode = s.engine.commit_mode();
    let before = consumer && mode == CommitMode::Before;
    let has_wm_dedup = s
        .dedup
        .as_ref()
        .is_some_and(|d| d.watermark_delay.is_some());

    // can_lose: L1..L7
    let can_lose: Option<&'static str> = if socket {
        Some("a socket source cannot replay what a crashed process had read")
    } else if before {
        Some("the offset is committed before the write, so a crash in between skips the batch")
    } else if consumer && log && latest {
        Some("a consumer without a committed offset starts again at the end of the log (latest) and skips what it had read")
    } else if sink == SinkCfg::Memory && latest {
        Some("every restart of a memory-sink query is a new query that starts at the end of the log (latest)")
    } else if matches!(
        sink,
        SinkCfg::ForeachBatch {
            control_table: true,
            transaction: super::scenario::FbTransaction::Separate,
            order: super::scenario::FbOrder::MarkerFirst,
        }
    ) {
        Some("the batchId marker is committed before the data, so a crash in between makes the re-run skip the batch")
    } else if let SinkCfg::Bigquery {
        offsets, stream, ..
    } = sink
    {
        if offsets == Offsets::Writer && stream == StreamScope::Shared {
            Some("an in-memory offset counter restarts at 0 after a crash, so new rows get ALREADY_EXISTS and are silently dropped")
        } else if offsets == Offsets::Source && (has_wm_dedup || latest) {
            Some("source positions with gaps (late rows dropped or a latest start) make every later append OUT_OF_RANGE")
        } else {
            None
        }
    } else {
        None
    };

    let replays = !(socket || (before && log));

    let rewrite_dups: Option<&'static str> = match sink {
        SinkCfg::Append => Some("an append sink inserts a re-run batch again"),
        SinkCfg::Console => Some("the console prints a re-run batch again"),
        SinkCfg::Upsert(UpsertKey::UuidPerAttempt) => {
            Some("a uuid generated per attempt gives a re-run row a new key, so the upsert inserts it again")
        }
        SinkCfg::Upsert(_) => None,
        SinkCfg::ForeachBatch {
            control_table: false,
            ..
        } => Some("foreachBatch without a batchId control table writes a re-run batch again"),
        SinkCfg::ForeachBatch {
            transaction: super::scenario::FbTransaction::Separate,
            order: super::scenario::FbOrder::DataFirst,
            ..
        } => Some("data and batchId marker are two transactions, so a crash between them re-writes the batch"),
        SinkCfg::ForeachBatch { .. } => None,
        SinkCfg::Delta(super::scenario::TxnAppId::None) => {
            Some("a plain Delta append has no txnAppId/txnVersion check, so a re-run batch is appended again")
        }
        SinkCfg::Delta(_) | SinkCfg::File | SinkCfg::Memory => None,
        SinkCfg::Kafka {
            transactions: false,
            ..
        } => Some("a non-transactional Kafka producer appends a re-run batch again"),
        SinkCfg::Kafka {
            transactions: true,
            isolation,
            ..
        } => {
            if isolation == Isolation::ReadUncommitted {
                Some("a read_uncommitted reader also sees aborted transactions, so it sees a re-run batch twice")
            } else if consumer && mode != CommitMode::Transaction {
                Some("the consumer commits its offsets outside the Kafka transaction, so a crash between them replays a committed transaction")
            } else {
                None
            }
        }
        SinkCfg::Bigquery {
            stream_type,
            offsets,
            stream,
            ..
        } => {
            if stream_type == StreamType::Default {
                Some("the _default stream takes no offsets, so a re-run batch is appended again")
            } else if offsets == Offsets::None {
                Some("appends without offsets cannot be recognised as repeats, so a re-run batch is appended again")
            } else if stream == StreamScope::PerBatch {
                Some("each attempt writes a new stream, so offsets cannot stop a re-run batch from being appended again")
            } else if offsets == Offsets::Writer && consumer && queue {
                Some("a redelivered message gets the next counter value, so it is appended again")
            } else {
                None
            }
        }
    };

    let d2: Option<&'static str> = match sink {
        SinkCfg::Kafka {
            idempotence: false,
            ..
        } => Some("without producer idempotence a retried send after a lost acknowledgement is written twice"),
        SinkCfg::Bigquery {
            offsets: Offsets::None,
            ..
        } => Some("without offsets a retried AppendRows after a lost acknowledgement is appended twice"),
        _ => None,
    };

    let can_dup = if replays { rewrite_dups.or(d2) } else { d2 };

    let guarantee = match (can_lose.is_some(), can_dup.is_some()) {
        (false, false) => Guarantee::ExactlyOnce,
        (false, true) => Guarantee::AtLeastOnce,
        (true, false) => Guarantee::AtMostOnce,
        (true, true) => Guarantee::None,
    };
    let reason = match (can_lose, can_dup) {
        (None, None) => exactly_once_reason(s, sink),
        (None, Some(d)) => {
            format!("Nothing is lost because the batch is replayed after a crash, but {d}.")
        }
        (Some(l), None) => format!("Records can be lost: {l}; nothing is written twice."),
        (Some(l), Some(d)) => format!("Records can be lost ({l}) and duplicated ({d})."),
    };
    Classification {
        guarantee,
        can_lose,
        can_dup,
        reason,
    }
}

fn exactly_once_reason(s: &Scenario, sink: SinkCfg) -> String {
    let how = match sink {
        SinkCfg::File => "the _spark_metadata log lists each batch's files once, so a re-run's files are ignored by Spark readers",
        SinkCfg::Delta(_) => "the Delta log records txnAppId/txnVersion, so a re-run of a committed batch is skipped",
        SinkCfg::ForeachBatch { .. } => "the data and the batchId marker commit in one transaction, so a re-run either finds the marker or writes once",
        SinkCfg::Memory => "every restart is a new query that rebuilds the table from the start of the log",
        SinkCfg::Upsert(_) => "the upsert key is stable across retries, so a re-run batch overwrites the same rows",
        SinkCfg::Kafka { .. } => "the output and the progress commit in one Kafka transaction, and read_committed readers never see aborted ones",
        SinkCfg::Bigquery { .. } => "offsets derived from durable progress make the stream reject a re-sent row with ALREADY_EXISTS",
        _ => "the sink recognises a re-run batch",
    };
    let progress = match s.engine {
        Engine::MicroBatch => "the offset log replays an unfinished batch",
        Engine::Flink => "the last completed checkpoint is restored",
        Engine::Beam { .. } => "the runner retries an uncommitted bundle",
        Engine::Consumer { .. } => "uncommitted records are delivered again",
    };
    format!("Nothing is lost because {progress}, and nothing is duplicated because {how}.")
}
