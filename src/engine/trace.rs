//! The trace: the only thing the UI consumes.
//!
//! A run is a list of [`Event`]s in the order they happened. Each event says which
//! process (instance) did what at which tick, which records it touched, the durable
//! state it changed ([`Change`]), and one plain-English sentence for the learner.
//! Replaying the changes of events `0..=i` in order gives the state after event `i`;
//! the UI's playback reducer does exactly that and nothing else.

use serde::{Deserialize, Serialize};

use super::scenario::Step;

/// What kind of thing an event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A process starts and decides where to resume (recovery).
    Start,
    /// One step of a batch attempt completed.
    Step,
    /// A step did nothing because the sink or the engine already had it (idempotent skip).
    Skip,
    /// A server error (ALREADY_EXISTS, PRODUCER_FENCED, …) was returned.
    Error,
    /// A fault struck: crash, crash mid-write, lost ack, zombie cut-off, pause.
    Fault,
    /// Durable progress was deleted before a restart.
    DeleteCheckpoint,
    /// Time passed with nothing to read (waiting for arrivals or lease expiry).
    Idle,
    /// A transaction was aborted (by a new producer, a broker timeout or a rollback).
    Abort,
    /// A zombie process was stopped by a rejected write.
    Stop,
    /// The pipeline drained: nothing left to read.
    Drain,
}

/// The visibility of one sink row to one reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Visible to the primary reader.
    Visible,
    /// Written but not yet visible (open transaction, pending stream, unflushed, uncommitted file).
    Pending,
    /// Will never become visible to the primary reader (aborted, rolled back, orphan file).
    Aborted,
}

/// One change to durable (or reader-visible) state. Applying the changes of a trace in
/// order rebuilds every view the UI shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// The process's in-memory read position moved (entries `0..position` consumed).
    Position { position: u64 },
    /// Durable source progress: next position committed (consumer group offsets,
    /// end of the last committed micro-batch, completed checkpoint, committed bundle).
    Committed { position: u64 },
    /// A queue message got a lease until `until` (exclusive tick).
    Leased { positions: Vec<u64>, until: u64 },
    /// Queue messages were acked for good.
    Acked { positions: Vec<u64> },
    /// Spark offset log entry `offsets/N` written, with its range and watermark.
    OffsetLog {
        batch: u64,
        start: u64,
        end: u64,
        watermark: Option<i64>,
    },
    /// Spark commit log entry `commits/N` written.
    CommitLog { batch: u64 },
    /// Flink checkpoint `epoch` completed (or Beam bundle `batch` committed).
    Checkpoint { epoch: u64, position: u64 },
    /// All durable engine progress deleted; a new query id / generation begins.
    CheckpointDeleted,
    /// A new sink row: `row` is its index in the sink (stable for the whole run).
    Row {
        row: u64,
        record: String,
        position: u64,
        batch: Option<u64>,
        attempt: Option<u32>,
        instance: u32,
        status: RowStatus,
        /// Where the row lives: a file, a transaction, a stream, a table.
        place: String,
    },
    /// Rows changed status for the primary reader.
    RowStatus { rows: Vec<u64>, status: RowStatus },
    /// A batch id marker (control table, `_spark_metadata/N`, Delta `txn`).
    Marker { name: String, value: u64 },
    /// A transaction changed state (begun, committed, aborted).
    Transaction { name: String, state: String },
    /// A BigQuery write stream changed (created, appended, flushed, finalized, committed).
    Stream {
        name: String,
        state: String,
        end: u64,
        flushed: Option<u64>,
    },
    /// The memory sink's table was replaced by a new empty one (new query).
    TableReset,
}

/// One step of the run, as the learner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub tick: u64,
    /// 1 for the first process, n for the n-th (restarts + 1).
    pub instance: u32,
    /// This event was done by a cut-off (zombie) process.
    pub zombie: bool,
    /// Spark query id (`q1`, `q2`, …) where there is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub query: Option<String>,
    pub kind: EventKind,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub step: Option<Step>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub batch: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub attempt: Option<u32>,
    /// Record ids this event touched (read, wrote, lost, acked …).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub records: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub changes: Vec<Change>,
    /// Server error code, for `kind: error`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// Index into `scenario.faults` for `kind: fault` / `delete_checkpoint`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fault: Option<usize>,
    /// One plain-English sentence for the learner.
    pub text: String,
}
