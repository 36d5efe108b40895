//! A process and one batch attempt: the state that dies with a crash (semantics §3).

use super::dedup::DedupState;
use crate::engine::vecmap::VecMap;

/// A process's memory: everything here is lost when it dies.
#[derive(Clone, Debug)]
pub(super) struct Inst {
    /// 1 for the first process, n for the n-th (restarts + 1).
    pub(super) number: u32,
    /// Cut off: it finishes its batch after the new process drained (semantics §8.5).
    pub(super) zombie: bool,
    /// The in-memory read position: entries below it were consumed.
    pub(super) position: u64,
    /// Batches this process began (auto-commit counts polls with it).
    pub(super) batches_run: u64,
    /// flink: the epoch its next batch gets.
    pub(super) next_epoch: u64,
    /// flink: the epoch after the restored checkpoint, if it had begun before the failure:
    /// it runs all its steps even with nothing left to read (semantics §1.4, §2.3).
    pub(super) restored_epoch: Option<u64>,
    /// micro_batch on a socket: this query was restarted on a checkpoint with a logged
    /// batch, so it re-runs its open batch with nothing in it and then fails (§2.3).
    pub(super) socket_query_fails: bool,
    /// bigquery `offsets: writer`: the next offset this writer appends at, per stream.
    pub(super) stream_offsets: VecMap<usize, u64>,
}

impl Inst {
    /// A new process, before recovery sets its position.
    pub(super) fn new(number: u32) -> Self {
        Inst {
            number,
            zombie: false,
            position: 0,
            batches_run: 0,
            next_epoch: 0,
            restored_epoch: None,
            socket_query_fails: false,
            stream_offsets: VecMap::new(),
        }
    }
}

/// One batch attempt (a micro-batch, poll, epoch or bundle).
#[derive(Clone, Debug, Default)]
pub(super) struct Ctx {
    pub(super) batch: u64,
    pub(super) attempt: u32,
    /// micro_batch: a re-run of a batch logged in the offset log but not committed.
    pub(super) rerun: bool,
    /// Positions this attempt will read / did read.
    pub(super) planned: Vec<u64>,
    /// The positions planned, as a half-open range (first, one past the last).
    pub(super) range: (u64, u64),
    /// micro_batch: the watermark logged with the batch.
    pub(super) watermark: Option<i64>,
    /// Positions delivered by the read (socket: fewer on a re-run).
    pub(super) read: Vec<u64>,
    /// Positions to write after dedup.
    pub(super) rows: Vec<u64>,
    /// The position after this attempt's range: what committing it makes durable.
    pub(super) end: u64,
    /// The read step ran.
    pub(super) read_done: bool,
    /// The sink found this batch already written (metadata log, txn version, control table).
    pub(super) skip_sink: bool,
    /// Sink rows this attempt wrote (indices into the sink table).
    pub(super) written: Vec<usize>,
    /// kafka: the transaction this attempt opened (index into the transactions).
    pub(super) txn: Option<usize>,
    /// bigquery: the write stream this attempt appends to (index into the streams).
    pub(super) stream: Option<usize>,
    /// Beam BigQuery state offset for this bundle.
    pub(super) state_offset: Option<u64>,
    /// Foreach_batch rows in an open database transaction.
    pub(super) open_db_txn: Vec<usize>,
    /// A micro_batch zombie's own dedup state: the state after batch N−1 it loaded when
    /// the batch began (real Spark loads state version N for batch N; §8.5, §4).
    pub(super) own_state: Option<DedupState>,
}

/// A cut-off process saved to finish its batch after the live one drains.
pub(super) struct Zombie {
    pub(super) process: Inst,
    pub(super) attempt: Ctx,
    /// Index into the steps: the first step it has not run.
    pub(super) next_step: usize,
}

/// How a step ended.
pub(super) enum StepRes {
    Ok,
    /// The process died (downtime).
    Died(u64),
    /// A zombie stopped at a rejected write.
    Stop,
}

/// How a process ended.
pub(super) enum ProcessEnd {
    /// Nothing left to read (or its query failed, which ends the run as a drain does).
    Drained,
    /// It died; a new process starts after the downtime.
    Died(u64),
    /// It was cut off; a new process starts after the downtime and the zombie is saved.
    Cut(u64, Box<Zombie>),
    /// The attempt budget ran out before its next batch.
    AttemptLimit,
}
