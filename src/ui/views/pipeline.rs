//! The pipeline's parts in words (source, engine, sink titles) and the source's entries in
//! position order: what the stage (`views::stage`) and the SVG export draw.

use super::super::engine::scenario::{
    record_id, CommitMode, Engine, FbOrder, FbTransaction, Isolation, Offsets, SinkCfg, Source,
    StreamScope, StreamType, TxnAppId, UpsertKey,
};
use super::super::engine::Scenario;
use super::plural;

/// One entry of the source, in position order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceEntry {
    pub record: String,
    /// A republished copy (a new message / log entry with the same record id).
    pub copy: bool,
    pub arrival: u64,
}

/// The source's entries in position order, as the engine defines them (semantics §1.2).
pub fn source_entries(s: &Scenario) -> Vec<SourceEntry> {
    super::super::engine::source_entries(s)
        .into_iter()
        .map(|e| SourceEntry {
            record: record_id(e.record),
            copy: e.copy,
            arrival: e.arrival,
        })
        .collect()
}

pub fn source_title(s: &Scenario) -> (String, String) {
    match &s.source {
        Source::Log { .. } => {
            let p = s.workload.partitions;
            (
                "Source: log".into(),
                format!(
                    "Kafka-like topic, {}, replayable from any offset; starts at {}",
                    plural(p as usize, "partition"),
                    match s.source.starting_position() {
                        super::super::engine::scenario::StartingPosition::Earliest => "earliest",
                        super::super::engine::scenario::StartingPosition::Latest => "latest",
                    }
                ),
            )
        }
        Source::Queue { .. } => (
            "Source: queue".into(),
            format!(
                "Pub/Sub-like subscription, ack deadline {} ticks{}",
                s.source.ack_deadline(),
                if s.source.exactly_once_delivery() {
                    ", exactly-once delivery on"
                } else {
                    ""
                }
            ),
        ),
        Source::Socket => (
            "Source: socket".into(),
            "Each entry is delivered once; nothing can be re-read".into(),
        ),
    }
}

pub fn engine_title(s: &Scenario) -> (String, String) {
    match &s.engine {
        Engine::Consumer { .. } => {
            let mode = match s.engine.commit_mode() {
                CommitMode::After => "commits after the write".to_string(),
                CommitMode::Before => "commits before the write".to_string(),
                CommitMode::Auto => format!(
                    "auto-commits every {}",
                    plural(s.engine.auto_commit_every() as usize, "poll")
                ),
                CommitMode::Transaction => {
                    "commits offsets inside the sink's transaction".to_string()
                }
            };
            ("Consumer".into(), format!("Poll loop that {mode}"))
        }
        Engine::MicroBatch => (
            "Spark micro-batch".into(),
            "Checkpoint: offsets/N before the batch, commits/N after it".into(),
        ),
        Engine::Flink => (
            "Flink".into(),
            "Checkpoint barriers; the sink commits after a checkpoint completes".into(),
        ),
        Engine::Beam { .. } => (
            "Beam / Dataflow".into(),
            format!(
                "The runner commits each bundle; dedup by {}",
                match s.engine.dedup_by() {
                    super::super::engine::scenario::DedupBy::MessageId => "message id",
                    super::super::engine::scenario::DedupBy::IdAttribute => "id attribute",
                }
            ),
        ),
    }
}

pub fn sink_title(s: &Scenario) -> (String, String) {
    let cfg = s.sink.cfg();
    let (t, d): (&str, String) = match cfg {
        SinkCfg::Append => (
            "Sink: plain INSERT",
            "Every write adds rows; nothing is deduplicated".into(),
        ),
        SinkCfg::Upsert(k) => (
            "Sink: upsert",
            format!(
                "MERGE on {}",
                match k {
                    UpsertKey::RecordId => "the record id",
                    UpsertKey::SourcePosition => "the source position",
                    UpsertKey::UuidPerAttempt => "a uuid generated per attempt",
                }
            ),
        ),
        SinkCfg::File => (
            "Sink: files",
            "Data files plus the _spark_metadata log".into(),
        ),
        SinkCfg::ForeachBatch {
            control_table,
            transaction,
            order,
        } => (
            "Sink: foreachBatch",
            if !control_table {
                "Data table, no batchId check".into()
            } else {
                match (transaction, order) {
                    (FbTransaction::Same, _) => {
                        "Data + control-table marker in one transaction".into()
                    }
                    (FbTransaction::Separate, FbOrder::DataFirst) => {
                        "Data, then the marker, in two transactions".into()
                    }
                    (FbTransaction::Separate, FbOrder::MarkerFirst) => {
                        "Marker, then the data, in two transactions".into()
                    }
                }
            },
        ),
        SinkCfg::Delta(app) => (
            "Sink: Delta table",
            match app {
                TxnAppId::QueryId => "txn(appId = query id, version = batch id)".into(),
                TxnAppId::Fixed => "txn(appId = fixed, version = batch id)".into(),
                TxnAppId::None => "Plain append, no txn check".into(),
            },
        ),
        SinkCfg::Kafka {
            idempotence,
            transactions,
            isolation,
            ..
        } => (
            "Sink: Kafka topic",
            format!(
                "{}, idempotence {}; read with {}",
                if transactions {
                    "Transactional producer"
                } else {
                    "Producer"
                },
                if idempotence { "on" } else { "off" },
                match isolation {
                    Isolation::ReadCommitted => "read_committed",
                    Isolation::ReadUncommitted => "read_uncommitted",
                }
            ),
        ),
        SinkCfg::Bigquery {
            stream_type,
            offsets,
            stream,
            ..
        } => {
            let st = match stream_type {
                StreamType::Default => "_default",
                StreamType::Committed => "COMMITTED",
                StreamType::Pending => "PENDING",
                StreamType::Buffered => "BUFFERED",
            };
            let scope = match (stream_type, stream) {
                (StreamType::Default, _) => "",
                (_, StreamScope::Shared) => " (one shared)",
                (_, StreamScope::PerBatch) => " (one per batch)",
            };
            let off = match offsets {
                Offsets::None => "no offsets",
                Offsets::Source => "offsets = source positions",
                Offsets::Writer => "offsets from an in-memory counter",
                Offsets::State => "offsets kept in runner state",
            };
            ("Sink: BigQuery", format!("{st} stream{scope}, {off}"))
        }
        SinkCfg::Console => ("Sink: console", "Prints each row".into()),
        SinkCfg::Memory => (
            "Sink: memory table",
            "In-memory table of the running query".into(),
        ),
    };
    (t.to_string(), d)
}
