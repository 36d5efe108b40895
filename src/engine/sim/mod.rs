//! The step loop: instances, batches, steps, faults, restarts, drain (semantics §§1–8).
//!
//! One `Sim` holds everything that exists outside a process (the source, the durable
//! progress of the engine, the sink) plus the clock. A process is an `Inst` (its memory
//! dies with it). A batch attempt is a `Ctx`. Each step is one method; after a step the
//! faults placed at (batch, attempt, step) apply: every pause, then a crash or zombie.

use super::guarantee::classify;
use super::outcome::{ErrorEntry, FinalState, Ids, Outcome, ReaderView, SinkState, StreamState};
use super::scenario::{
    record_id, steps_for, CommitMode, DedupBy, DedupMode, Engine, Fault, FbOrder, FbTransaction,
    Isolation, Offsets, Scenario, SinkCfg, Source, StartingPosition, Step, StreamScope, StreamType,
    TxnAppId, UpsertKey,
};
use super::trace::{Change, Event, EventKind, RowStatus};
use super::vecmap::{VecMap, VecSet};
use super::Run;

/// Narration is built only when a trace is being recorded.
macro_rules! txt {
    ($sim:expr, $($arg:tt)*) => {
        if $sim.trace_on { format!($($arg)*) } else { String::new() }
    };
}

/// Hard limit on batch attempts, far above anything a valid scenario needs; a guard
/// against a rule bug turning into an endless loop (TigerBeetle-style named limit).
const MAX_ATTEMPTS_PER_ENTRY: u64 = 8;

#[derive(Clone, Debug)]
struct Entry {
    record: usize,
    event_time: u64,
    arrival: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TxnState {
    Open,
    Committed,
    Aborted,
}

#[derive(Clone, Debug)]
struct Txn {
    name: String,
    rows: Vec<usize>,
    state: TxnState,
    begun: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StreamSt {
    Active,
    Finalized,
    Committed,
}

#[derive(Clone, Debug)]
struct BqStream {
    name: String,
    stype: StreamType,
    state: StreamSt,
    rows: Vec<usize>,
    flushed: u64,
}

#[derive(Clone, Debug)]
struct Row {
    record: usize,
    /// Visible to the strict reader (table, metadata_log, delta_log, read_committed …).
    strict: bool,
    /// Present for the raw reader (raw_listing, read_uncommitted).
    raw: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum UKey {
    Record(usize),
    Position(u64),
    Uuid(u64),
}

#[derive(Default, Clone, Debug)]
struct DedupState {
    /// drop_duplicates: (record, event_time)
    keys: VecSet<(usize, u64)>,
    /// within_watermark: record → expires
    expires: VecMap<usize, u64>,
}

#[derive(Clone, Debug)]
enum Undo {
    InsertedKey((usize, u64)),
    RemovedKey((usize, u64)),
    SetExpires(usize, Option<u64>),
}

/// Spark's checkpoint directory.
#[derive(Default, Clone, Debug)]
struct SparkCkpt {
    query: Option<u32>,
    initial: u64,
    /// batch → (start, end, watermark)
    offsets: VecMap<u64, (u64, u64, Option<i64>)>,
    commits: VecSet<u64>,
    max_et: Option<u64>,
    state: DedupState,
}

#[derive(Clone, Debug)]
struct FlinkCkpt {
    position: u64,
    txn: Option<usize>,
}

/// A process's memory.
#[derive(Clone, Debug)]
struct Inst {
    no: u32,
    zombie: bool,
    pos: u64,
    batches_run: u64,
    next_epoch: u64,
    /// flink: the epoch after the restored checkpoint, if it had begun before the failure:
    /// it runs all its steps even with nothing left to read (semantics §1.4, §2.3).
    restored_epoch: Option<u64>,
    counters: VecMap<usize, u64>,
}

/// One batch attempt.
#[derive(Clone, Debug, Default)]
struct Ctx {
    batch: u64,
    attempt: u32,
    rerun: bool,
    /// Positions this attempt will read / did read.
    planned: Vec<u64>,
    range: (u64, u64),
    watermark: Option<i64>,
    /// Positions delivered by the read (socket: fewer on a re-run).
    read: Vec<u64>,
    /// Positions to write after dedup.
    rows: Vec<u64>,
    end: u64,
    read_done: bool,
    /// The sink found this batch already written (metadata log, txn version, control table).
    skip_sink: bool,
    written: Vec<usize>,
    txn: Option<usize>,
    stream: Option<usize>,
    /// Beam BigQuery state offset for this bundle.
    state_offset: Option<u64>,
    /// Foreach_batch rows in an open database transaction.
    open_db_txn: Vec<usize>,
    marker_written: bool,
    /// A micro_batch zombie's own dedup state: the state after batch N−1 it loaded when
    /// the batch began (real Spark loads state version N for batch N; §8.5, §4).
    own_state: Option<DedupState>,
}

enum StepRes {
    Ok,
    /// The process died (downtime).
    Died(u64),
    /// A zombie stopped at a rejected write.
    Stop,
}

enum InstEnd {
    Drained,
    Died(u64),
    Cut(u64, Box<(Inst, Ctx, usize)>),
}

enum Next {
    Batch(Box<Ctx>),
    Idle(u64),
    Drained,
    /// The query fails instead of planning batch `n` (a Spark socket query restarted on
    /// its checkpoint, semantics §2.3): the run ends as a drain does (§1.4).
    Failed(u64),
}

struct Sim<'a> {
    sc: &'a Scenario,
    cfg: SinkCfg,
    steps: Vec<Step>,
    trace_on: bool,
    trace: Vec<Event>,
    entries: Vec<Entry>,
    n: usize,
    bs: u64,
    parts: u64,
    t: u64,
    restarts: u32,
    fired: Vec<bool>,
    error_log: Vec<ErrorEntry>,
    timeout_broken: bool,
    /// Starts per batch number (dense: batch numbers count up from 0).
    attempts: Vec<u32>,
    /// consumer/beam: batch number of the batch that starts at each position.
    batch_by_pos: Vec<Option<u64>>,
    next_batch_no: u64,
    first_start: Option<u64>,
    read_flag: Vec<bool>,
    late_flag: Vec<bool>,
    // source
    acked: Vec<bool>,
    lease: Vec<Option<u64>>,
    delivered: Vec<bool>,
    socket_frontier: u64,
    /// micro_batch on a socket: the live query was restarted on a checkpoint with a logged
    /// batch, so it re-runs its open batch with nothing in it and then fails (§2.3).
    socket_query_fails: bool,
    /// Every queue message below this position is acked (scan start: keeps reads linear).
    queue_low: usize,
    // engines
    group_committed: Option<u64>,
    spark: SparkCkpt,
    queries: u32,
    undo: Vec<Undo>,
    flink: VecMap<u64, FlinkCkpt>,
    /// flink: the highest epoch any instance began.
    flink_begun: Option<u64>,
    beam_pos: Option<u64>,
    beam_ids: VecSet<u64>,
    beam_bundles: VecSet<u64>,
    beam_bq_next: u64,
    // sink
    rows: Vec<Row>,
    ukeys: VecMap<UKey, usize>,
    uuid_next: u64,
    metadata_log: VecSet<u64>,
    delta_txn: VecMap<String, u64>,
    control_table: VecSet<u64>,
    txns: Vec<Txn>,
    committed_txns: u64,
    aborted_txns: u64,
    fenced_below: u32,
    streams: Vec<BqStream>,
    default_stream: Option<usize>,
    shared_stream: Option<usize>,
    zombie: Option<Box<(Inst, Ctx, usize)>>,
    cur_query: Option<String>,
    budget: u64,
    /// Every completed step of a live process: where a crash, zombie or pause could go.
    points: Vec<(u64, u32, Step)>,
    /// Every data write of a live process: (batch, attempt, rows).
    writes: Vec<(u64, u32, usize)>,
}

/// Run a scenario. `trace_on = false` skips building events (same outcome).
pub fn simulate(sc: &Scenario, trace_on: bool) -> Run {
    simulate_points(sc, trace_on).0
}

/// Where faults could be placed in a run (for the explorer).
#[derive(Clone, Debug, Default)]
pub struct Points {
    /// Completed steps of live processes, in order: (batch, attempt, step).
    pub steps: Vec<(u64, u32, Step)>,
    /// Data writes of live processes: (batch, attempt, rows requested).
    pub writes: Vec<(u64, u32, usize)>,
}

/// Run a scenario and also return its fault placement points.
pub fn simulate_points(sc: &Scenario, trace_on: bool) -> (Run, Points) {
    let mut sim = Sim::new(sc, trace_on);
    sim.run_all();
    let outcome = sim.outcome();
    let points = Points {
        steps: std::mem::take(&mut sim.points),
        writes: std::mem::take(&mut sim.writes),
    };
    (
        Run {
            trace: sim.trace,
            outcome,
        },
        points,
    )
}

fn list_ids(ids: &[usize]) -> String {
    const SHOW: usize = 6;
    if ids.is_empty() {
        return "no records".to_string();
    }
    if ids.len() <= SHOW {
        return ids
            .iter()
            .map(|i| record_id(*i))
            .collect::<Vec<_>>()
            .join(", ");
    }
    let head: Vec<String> = ids[..3].iter().map(|i| record_id(*i)).collect();
    format!(
        "{}, … {} ({} records)",
        head.join(", "),
        record_id(ids[ids.len() - 1]),
        ids.len()
    )
}

/// One entry of the source, in position order (semantics §1.2).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SourceEntry {
    pub position: u64,
    /// Record index (`r<record>`).
    pub record: usize,
    /// A republished copy (a new log entry / message with the same record id).
    pub copy: bool,
    pub event_time: u64,
    pub arrival: u64,
    /// Log partition and offset (`position mod P`, `position div P`).
    pub partition: u64,
    pub offset: u64,
}

/// The source's entries in position order: the records in id order, each republished
/// copy right after the entry of its `after` record (after earlier copies placed there),
/// with the fault's event time (or the original's) and the arrival tick of `after`.
pub fn source_entries(sc: &Scenario) -> Vec<SourceEntry> {
    let n = sc.workload.records as usize;
    let et = |i: usize| {
        sc.workload
            .event_times
            .as_ref()
            .and_then(|v| v.get(i).copied())
            .unwrap_or(i as u64)
    };
    let arr = |i: usize| {
        sc.workload
            .arrival_ticks
            .as_ref()
            .and_then(|v| v.get(i).copied())
            .unwrap_or(0)
    };
    let mut copies_after: VecMap<usize, Vec<(usize, u64)>> = VecMap::new();
    for f in &sc.faults {
        if let Fault::Republish {
            record,
            after,
            event_time,
        } = f
        {
            let Some(r) = super::scenario::parse_record_id(record, n) else {
                continue;
            };
            let a = after
                .as_deref()
                .and_then(|a| super::scenario::parse_record_id(a, n))
                .unwrap_or(r);
            copies_after
                .get_or_insert_with(a, Vec::new)
                .push((r, event_time.unwrap_or_else(|| et(r))));
        }
    }
    let parts = u64::from(sc.workload.partitions.max(1));
    let mut out = Vec::with_capacity(n + copies_after.len());
    let mut push = |record: usize, copy: bool, event_time: u64, arrival: u64| {
        let position = out.len() as u64;
        out.push(SourceEntry {
            position,
            record,
            copy,
            event_time,
            arrival,
            partition: position % parts,
            offset: position / parts,
        });
    };
    for i in 0..n {
        push(i, false, et(i), arr(i));
        if let Some(cs) = copies_after.get(&i) {
            for &(r, t) in cs {
                push(r, true, t, arr(i));
            }
        }
    }
    out
}

impl<'a> Sim<'a> {
    fn new(sc: &'a Scenario, trace_on: bool) -> Self {
        let n = sc.workload.records as usize;
        let entries: Vec<Entry> = source_entries(sc)
            .into_iter()
            .map(|e| Entry {
                record: e.record,
                event_time: e.event_time,
                arrival: e.arrival,
            })
            .collect();
        let m = entries.len();
        let cfg = sc.sink.cfg();
        let fired = sc
            .faults
            .iter()
            .map(|f| matches!(f, Fault::Republish { .. }))
            .collect();
        Sim {
            sc,
            cfg,
            steps: steps_for(&sc.engine, &sc.source, cfg),
            trace_on,
            trace: Vec::new(),
            entries,
            n,
            bs: sc.workload.batch_size as u64,
            parts: sc.workload.partitions as u64,
            t: 0,
            restarts: 0,
            fired,
            error_log: Vec::new(),
            timeout_broken: false,
            attempts: Vec::new(),
            batch_by_pos: vec![None; m],
            next_batch_no: 0,
            first_start: None,
            read_flag: vec![false; m],
            late_flag: vec![false; m],
            acked: vec![false; m],
            lease: vec![None; m],
            delivered: vec![false; m],
            socket_frontier: 0,
            socket_query_fails: false,
            queue_low: 0,
            group_committed: None,
            spark: SparkCkpt::default(),
            queries: 0,
            undo: Vec::new(),
            flink: VecMap::new(),
            flink_begun: None,
            beam_pos: None,
            beam_ids: VecSet::new(),
            beam_bundles: VecSet::new(),
            beam_bq_next: 0,
            rows: Vec::new(),
            ukeys: VecMap::new(),
            uuid_next: 0,
            metadata_log: VecSet::new(),
            delta_txn: VecMap::new(),
            control_table: VecSet::new(),
            txns: Vec::new(),
            committed_txns: 0,
            aborted_txns: 0,
            fenced_below: 0,
            streams: Vec::new(),
            default_stream: None,
            shared_stream: None,
            zombie: None,
            cur_query: None,
            budget: (m as u64 + 4) * MAX_ATTEMPTS_PER_ENTRY + 64,
            points: Vec::new(),
            writes: Vec::new(),
        }
    }

    // ----- small helpers -------------------------------------------------------------

    fn m(&self) -> u64 {
        self.entries.len() as u64
    }

    fn is_queue(&self) -> bool {
        matches!(self.sc.source, Source::Queue { .. })
    }
    fn unit(&self) -> &'static str {
        self.sc.engine.unit()
    }

    fn is_socket(&self) -> bool {
        matches!(self.sc.source, Source::Socket)
    }

    /// Number of entries that have arrived by now (arrivals are non-decreasing).
    fn available(&self) -> u64 {
        let t = self.t;
        self.entries.partition_point(|e| e.arrival <= t) as u64
    }

    fn next_arrival(&self) -> Option<u64> {
        let a = self.available() as usize;
        self.entries.get(a).map(|e| e.arrival)
    }

    fn rec(&self, pos: u64) -> usize {
        self.entries[pos as usize].record
    }

    fn recs(&self, positions: &[u64]) -> Vec<usize> {
        positions.iter().map(|p| self.rec(*p)).collect()
    }

    fn rec_names(&self, positions: &[u64]) -> Vec<String> {
        if !self.trace_on {
            return Vec::new();
        }
        positions.iter().map(|p| record_id(self.rec(*p))).collect()
    }

    fn describe(&self, positions: &[u64]) -> String {
        list_ids(&self.recs(positions))
    }

    fn coord(&self, pos: u64) -> String {
        if self.is_queue() {
            format!("m{pos}")
        } else if self.parts > 1 {
            format!("partition {} offset {}", pos % self.parts, pos / self.parts)
        } else {
            format!("offset {pos}")
        }
    }

    fn primary_strict(&self) -> bool {
        !matches!(
            self.cfg,
            SinkCfg::Kafka {
                isolation: Isolation::ReadUncommitted,
                ..
            }
        )
    }

    fn row_status(&self, r: usize) -> RowStatus {
        let row = &self.rows[r];
        let vis = if self.primary_strict() {
            row.strict
        } else {
            row.raw
        };
        if vis {
            RowStatus::Visible
        } else {
            RowStatus::Pending
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        inst: Option<&Inst>,
        kind: EventKind,
        step: Option<Step>,
        ctx: Option<(u64, Option<u32>)>,
        records: Vec<String>,
        changes: Vec<Change>,
        text: String,
    ) {
        if !self.trace_on {
            return;
        }
        self.trace.push(Event {
            tick: self.t,
            instance: inst.map_or(self.restarts + 1, |i| i.no),
            zombie: inst.is_some_and(|i| i.zombie),
            query: self.cur_query.clone(),
            kind,
            step,
            batch: ctx.map(|c| c.0),
            attempt: ctx.and_then(|c| c.1),
            records,
            changes,
            error: None,
            fault: None,
            text,
        });
    }

    fn emit_fault(&mut self, inst: &Inst, ctx: &Ctx, idx: usize, text: String) {
        if !self.trace_on {
            return;
        }
        self.emit(
            Some(inst),
            EventKind::Fault,
            None,
            Some((ctx.batch, Some(ctx.attempt))),
            Vec::new(),
            Vec::new(),
            text,
        );
        if let Some(e) = self.trace.last_mut() {
            e.fault = Some(idx);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn log_error(
        &mut self,
        inst: Option<&Inst>,
        batch: u64,
        attempt: Option<u32>,
        step: &str,
        error: &str,
        record: Option<usize>,
        text: String,
    ) {
        self.error_log.push(ErrorEntry {
            batch,
            attempt,
            step: step.to_string(),
            error: error.to_string(),
            record: record.map(record_id),
        });
        if self.trace_on {
            self.emit(
                inst,
                EventKind::Error,
                Step::ALL.iter().copied().find(|s| s.name() == step),
                Some((batch, attempt)),
                record.map(record_id).into_iter().collect(),
                Vec::new(),
                text,
            );
            if let Some(e) = self.trace.last_mut() {
                e.error = Some(error.to_string());
            }
        }
    }

    /// Faults placed at this point of this attempt, by index.
    fn faults_at(&self, batch: u64, attempt: u32) -> Vec<usize> {
        self.sc
            .faults
            .iter()
            .enumerate()
            .filter(|(i, f)| !self.fired[*i] && f.point() == Some((batch, attempt)))
            .map(|(i, _)| i)
            .collect()
    }

    fn batch_no_for_first_position(&mut self, first: u64) -> u64 {
        if let Some(b) = self.batch_by_pos[first as usize] {
            return b;
        }
        let b = self.next_batch_no;
        self.next_batch_no += 1;
        self.batch_by_pos[first as usize] = Some(b);
        b
    }

    fn new_attempt(&mut self, batch: u64) -> u32 {
        let i = batch as usize;
        if self.attempts.len() <= i {
            self.attempts.resize(i + 1, 0);
        }
        self.attempts[i] += 1;
        self.attempts[i]
    }

    fn resolve_start(&mut self) -> u64 {
        let p = match self.sc.source.starting_position() {
            StartingPosition::Earliest => 0,
            StartingPosition::Latest => self.available(),
        };
        if self.first_start.is_none() {
            self.first_start = Some(p);
        }
        p
    }

    fn add_row(&mut self, pos: u64, strict: bool, raw: bool) -> usize {
        let record = self.rec(pos);
        self.rows.push(Row {
            record,
            strict,
            raw,
        });
        self.rows.len() - 1
    }

    fn row_change(&self, r: usize, pos: u64, inst: &Inst, ctx: &Ctx, place: String) -> Change {
        Change::Row {
            row: r as u64,
            record: record_id(self.rows[r].record),
            position: pos,
            batch: Some(ctx.batch),
            attempt: Some(ctx.attempt),
            instance: inst.no,
            status: self.row_status(r),
            place,
        }
    }

    fn set_strict(&mut self, rows: &[usize], v: bool) -> Option<Change> {
        for &r in rows {
            self.rows[r].strict = v;
        }
        self.status_change(rows)
    }

    fn status_change(&self, rows: &[usize]) -> Option<Change> {
        if !self.trace_on || rows.is_empty() {
            return None;
        }
        Some(Change::RowStatus {
            rows: rows.iter().map(|r| *r as u64).collect(),
            status: self.row_status(rows[0]),
        })
    }

    // ----- the run ----------------------------------------------------------------------

    fn run_all(&mut self) {
        loop {
            match self.run_instance() {
                InstEnd::Drained => break,
                InstEnd::Died(downtime) => self.restart(downtime, None),
                InstEnd::Cut(downtime, z) => {
                    self.restart(downtime, Some(z));
                }
            }
            if self.budget == 0 {
                break;
            }
        }
        if let Some(z) = self.zombie.take() {
            let (mut inst, mut ctx, from) = *z;
            inst.zombie = true;
            self.emit(
                Some(&inst),
                EventKind::Start,
                None,
                Some((ctx.batch, Some(ctx.attempt))),
                Vec::new(),
                Vec::new(),
                format!(
                    "The cut-off process {} wakes up and finishes {} {} attempt {} with its own memory.",
                    inst.no, self.unit(), ctx.batch, ctx.attempt
                ),
            );
            let steps = self.steps.clone();
            for &step in &steps[from..] {
                match self.do_step(&mut inst, &mut ctx, step) {
                    StepRes::Ok => {}
                    StepRes::Died(_) | StepRes::Stop => break,
                }
            }
        }
    }

    fn restart(&mut self, downtime: u64, zombie: Option<Box<(Inst, Ctx, usize)>>) {
        self.restarts += 1;
        self.t += downtime;
        if zombie.is_some() {
            self.zombie = zombie;
        }
        // Leases of the dead instance are released.
        if self.is_queue() {
            for i in 0..self.lease.len() {
                if !self.acked[i] {
                    self.lease[i] = None;
                }
            }
        }
        // Dedup state rolls back to the last committed batch.
        self.rollback_dedup();
        for (i, f) in self.sc.faults.iter().enumerate() {
            if let Fault::DeleteCheckpoint { before_restart } = f {
                if *before_restart == self.restarts && !self.fired[i] {
                    self.fired[i] = true;
                    self.delete_checkpoint(i);
                }
            }
        }
    }

    fn delete_checkpoint(&mut self, idx: usize) {
        let what = match self.sc.engine {
            Engine::Consumer { .. } => {
                self.group_committed = None;
                "the consumer group's committed offsets are deleted"
            }
            Engine::MicroBatch => {
                self.spark = SparkCkpt::default();
                "the whole Spark checkpoint (offset log, commit log, query id, state) is deleted"
            }
            Engine::Flink => {
                self.flink.clear();
                "every completed Flink checkpoint is deleted"
            }
            Engine::Beam { .. } => "the runner state is deleted",
        };
        let changes = if self.trace_on {
            vec![Change::CheckpointDeleted]
        } else {
            Vec::new()
        };
        self.emit(
            None,
            EventKind::DeleteCheckpoint,
            None,
            None,
            Vec::new(),
            changes,
            format!(
                "Before restart {}, {what}; sink-side state survives. Every guarantee assumes this never happens.",
                self.restarts
            ),
        );
        if let Some(e) = self.trace.last_mut() {
            e.fault = Some(idx);
        }
    }

    fn rollback_dedup(&mut self) {
        while let Some(u) = self.undo.pop() {
            match u {
                Undo::InsertedKey(k) => {
                    self.spark.state.keys.remove(&k);
                }
                Undo::RemovedKey(k) => {
                    self.spark.state.keys.insert(k);
                }
                Undo::SetExpires(r, prev) => match prev {
                    Some(v) => {
                        self.spark.state.expires.insert(r, v);
                    }
                    None => {
                        self.spark.state.expires.remove(&r);
                    }
                },
            }
        }
    }

    fn run_instance(&mut self) -> InstEnd {
        let mut inst = Inst {
            no: self.restarts + 1,
            zombie: false,
            pos: 0,
            batches_run: 0,
            next_epoch: 0,
            restored_epoch: None,
            counters: VecMap::new(),
        };
        self.start_instance(&mut inst);
        loop {
            if self.budget == 0 {
                self.emit(
                    Some(&inst),
                    EventKind::Drain,
                    None,
                    None,
                    Vec::new(),
                    Vec::new(),
                    "The simulation stopped: too many batch attempts (a safety limit).".into(),
                );
                return InstEnd::Drained;
            }
            match self.next_batch(&mut inst) {
                Next::Drained => {
                    self.on_drain(&mut inst, None);
                    return InstEnd::Drained;
                }
                Next::Failed(n) => {
                    self.on_drain(&mut inst, Some(n));
                    return InstEnd::Drained;
                }
                Next::Idle(t) => {
                    let from = self.t;
                    self.t = t;
                    self.emit(
                        Some(&inst),
                        EventKind::Idle,
                        None,
                        None,
                        Vec::new(),
                        Vec::new(),
                        format!("Nothing to read at tick {from}; waiting until tick {t}."),
                    );
                }
                Next::Batch(ctx) => {
                    self.budget -= 1;
                    let mut ctx = *ctx;
                    inst.batches_run += 1;
                    for si in 0..self.steps.len() {
                        let step = self.steps[si];
                        match self.do_step(&mut inst, &mut ctx, step) {
                            StepRes::Ok => {}
                            StepRes::Died(d) => {
                                self.on_death(&inst, &ctx);
                                return InstEnd::Died(d);
                            }
                            StepRes::Stop => return InstEnd::Died(1),
                        }
                        self.points.push((ctx.batch, ctx.attempt, step));
                        // Faults at this point: every pause, then a crash or zombie.
                        let here = self.faults_at(ctx.batch, ctx.attempt);
                        for &i in &here {
                            if let Fault::Pause { after, ticks, .. } = self.sc.faults[i] {
                                if after == step {
                                    self.fired[i] = true;
                                    self.t += ticks;
                                    self.emit_fault(
                                        &inst,
                                        &ctx,
                                        i,
                                        format!(
                                            "The process stalls for {ticks} ticks after {} (now tick {}): leases expire and transactions age.",
                                            step.name(),
                                            self.t
                                        ),
                                    );
                                }
                            }
                        }
                        for &i in &here {
                            match self.sc.faults[i] {
                                Fault::Crash {
                                    after, downtime, ..
                                } if after == step => {
                                    self.fired[i] = true;
                                    self.emit_fault(
                                        &inst,
                                        &ctx,
                                        i,
                                        format!(
                                            "CRASH after {} of {} {} (attempt {}): the process dies and loses its memory; it restarts after {downtime} tick{}.",
                                            step.name(),
                                            self.unit(),
                                            ctx.batch,
                                            ctx.attempt,
                                            if downtime == 1 { "" } else { "s" }
                                        ),
                                    );
                                    self.on_death(&inst, &ctx);
                                    return InstEnd::Died(downtime);
                                }
                                Fault::Zombie {
                                    after, downtime, ..
                                } if after == step => {
                                    self.fired[i] = true;
                                    self.emit_fault(
                                        &inst,
                                        &ctx,
                                        i,
                                        format!(
                                            "Process {} is cut off after {} of {} {} but keeps running as a zombie; a new process takes over after {downtime} tick{}.",
                                            inst.no,
                                            step.name(),
                                            self.unit(),
                                            ctx.batch,
                                            if downtime == 1 { "" } else { "s" }
                                        ),
                                    );
                                    // The zombie's dedup changes are its own: the durable state rolls back.
                                    self.rollback_dedup();
                                    let mut zctx = ctx.clone();
                                    if matches!(self.sc.engine, Engine::MicroBatch)
                                        && self.sc.dedup.is_some()
                                        && !ctx.read_done
                                    {
                                        // It will deduplicate with the state it loaded for
                                        // this batch, not what the new driver writes later.
                                        zctx.own_state = Some(self.spark.state.clone());
                                    }
                                    return InstEnd::Cut(
                                        downtime,
                                        Box::new((inst.clone(), zctx, si + 1)),
                                    );
                                }
                                _ => {}
                            }
                        }
                    }
                    // A finished batch's dedup changes are durable with its commit (micro_batch)
                    // or irrelevant (other engines).
                    if !matches!(self.sc.engine, Engine::MicroBatch) {
                        self.undo.clear();
                    }
                }
            }
        }
    }

    /// A process died in the middle of `ctx`: what the death does to open work.
    fn on_death(&mut self, inst: &Inst, ctx: &Ctx) {
        // foreachBatch: an open database transaction rolls back.
        if !ctx.open_db_txn.is_empty() {
            let rows = ctx.open_db_txn.clone();
            for &r in &rows {
                self.rows[r].strict = false;
                self.rows[r].raw = false;
            }
            let mut changes = Vec::new();
            if self.trace_on {
                changes.push(Change::RowStatus {
                    rows: rows.iter().map(|r| *r as u64).collect(),
                    status: RowStatus::Aborted,
                });
            }
            let recs: Vec<usize> = rows.iter().map(|r| self.rows[*r].record).collect();
            self.emit(
                Some(inst),
                EventKind::Abort,
                None,
                Some((ctx.batch, Some(ctx.attempt))),
                Vec::new(),
                changes,
                format!(
                    "The database rolls back the open transaction: {} never become visible.",
                    list_ids(&recs)
                ),
            );
        }
        // Files / Delta data files / pending streams of this attempt stay uncommitted.
        if matches!(self.cfg, SinkCfg::File | SinkCfg::Delta(_)) && !ctx.written.is_empty() {
            let uncommitted: Vec<usize> = ctx
                .written
                .iter()
                .copied()
                .filter(|r| !self.rows[*r].strict)
                .collect();
            if !uncommitted.is_empty() && self.trace_on {
                let recs: Vec<usize> = uncommitted.iter().map(|r| self.rows[*r].record).collect();
                let what = if self.cfg == SinkCfg::File {
                    "orphan files: not in _spark_metadata, so Spark readers ignore them, but a raw listing sees them"
                } else {
                    "orphan data files: not in the Delta log, so Delta readers ignore them"
                };
                self.emit(
                    Some(inst),
                    EventKind::Abort,
                    None,
                    Some((ctx.batch, Some(ctx.attempt))),
                    Vec::new(),
                    vec![Change::RowStatus {
                        rows: uncommitted.iter().map(|r| *r as u64).collect(),
                        status: RowStatus::Aborted,
                    }],
                    format!("{} stay as {what}.", list_ids(&recs)),
                );
            }
        }
    }

    // ----- instance start (recovery) -----------------------------------------------------

    fn start_instance(&mut self, inst: &mut Inst) {
        let restart = inst.no > 1;
        let mut changes = Vec::new();
        let text: String;
        match self.sc.engine {
            Engine::Consumer { .. } => {
                if self.is_queue() {
                    text = if restart {
                        "A new consumer starts; every unacked message will be delivered again."
                            .into()
                    } else {
                        "The consumer starts pulling from the subscription.".into()
                    };
                } else if let Some(p) = self.group_committed {
                    inst.pos = p;
                    changes.push(Change::Position { position: p });
                    text = txt!(
                        self,
                        "A new consumer starts at the group's committed position {p}."
                    );
                } else {
                    let p = self.resolve_start();
                    inst.pos = p;
                    changes.push(Change::Position { position: p });
                    text = match self.sc.source.starting_position() {
                        StartingPosition::Earliest => format!(
                            "The consumer starts with no committed offset, so auto.offset.reset=earliest puts it at position {p}."
                        ),
                        StartingPosition::Latest => format!(
                            "The consumer starts with no committed offset, so auto.offset.reset=latest puts it at the end of the log (position {p}); earlier records are skipped."
                        ),
                    };
                }
            }
            Engine::MicroBatch => {
                self.socket_query_fails = false;
                let memory_new_query = self.cfg == SinkCfg::Memory && restart;
                if memory_new_query {
                    self.spark = SparkCkpt::default();
                    for r in &mut self.rows {
                        r.strict = false;
                        r.raw = false;
                    }
                    changes.push(Change::TableReset);
                }
                if self.spark.query.is_none() {
                    self.queries += 1;
                    self.spark.query = Some(self.queries);
                    self.spark.initial = self.resolve_start();
                    self.cur_query = Some(format!("q{}", self.queries));
                    changes.push(Change::Position {
                        position: self.spark.initial,
                    });
                    text = if memory_new_query {
                        format!(
                            "Without a checkpointLocation Spark gives every start a new temporary checkpoint, so the restart is a new query q{} with an empty checkpoint and an empty table, starting at position {}.",
                            self.queries, self.spark.initial
                        )
                    } else {
                        format!(
                            "A new streaming query q{} starts with an empty checkpoint at position {} and records that start durably.",
                            self.queries, self.spark.initial
                        )
                    };
                } else {
                    self.cur_query = self.spark.query.map(|q| format!("q{q}"));
                    let last = self.spark.offsets.keys().next_back().copied();
                    // Spark's socket source keeps no state: a query restarted on a checkpoint
                    // that logged a batch re-runs its open batch with nothing in it, then fails
                    // (TextSocketMicroBatchStream.commit: "Offsets committed out of order";
                    // semantics §2.3, v1.1; measured in fidelity scenarios 28 and 29).
                    self.socket_query_fails = restart && self.is_socket() && last.is_some();
                    text = match last {
                        Some(l) if !self.spark.commits.contains(&l) => format!(
                            "The query restarts from its checkpoint: offsets/{l} exists but commits/{l} does not, so batch {l} is re-run with the logged range."
                        ),
                        Some(l) => format!(
                            "The query restarts from its checkpoint: commits/{l} exists, so it continues with batch {}.",
                            l + 1
                        ),
                        None => "The query restarts from its checkpoint: no batch was logged yet.".to_string(),
                    };
                }
            }
            Engine::Flink => {
                let latest = self.flink.iter().next_back().map(|(e, c)| (*e, c.clone()));
                let mut parts = Vec::new();
                if let Some((epoch, ck)) = latest {
                    inst.pos = ck.position;
                    inst.next_epoch = epoch + 1;
                    if self.flink_begun.is_some_and(|b| b > epoch) {
                        inst.restored_epoch = Some(epoch + 1);
                    }
                    if let Some(ti) = ck.txn {
                        if self.txns[ti].state == TxnState::Open {
                            if self.txn_expired(ti) {
                                self.abort_txn(ti, &mut changes);
                                self.timeout_broken = true;
                                self.log_error(
                                    Some(inst),
                                    epoch,
                                    None,
                                    "recovery",
                                    "PRODUCER_FENCED",
                                    None,
                                    format!(
                                        "Recovery tries to commit the pre-committed transaction of checkpoint {epoch}, but the broker already aborted it (transaction timeout): PRODUCER_FENCED. Its records are lost."
                                    ),
                                );
                                parts.push(format!(
                                    "its transaction {} had timed out",
                                    self.txns[ti].name
                                ));
                            } else {
                                self.commit_txn(ti, &mut changes);
                                parts.push(format!(
                                    "commits the pre-committed transaction {}",
                                    self.txns[ti].name
                                ));
                            }
                        }
                    }
                    parts.insert(
                        0,
                        if self.is_socket() {
                            format!(
                                "Flink restores checkpoint {epoch}; the socket source keeps no position, so its reads go on with lines the socket never sent"
                            )
                        } else {
                            format!(
                                "Flink restores checkpoint {epoch} (position {})",
                                ck.position
                            )
                        },
                    );
                } else {
                    inst.pos = 0;
                    inst.next_epoch = 0;
                    parts.push(if restart && self.is_socket() {
                        "Flink has no completed checkpoint and starts fresh; the socket source keeps no position, so it reads lines the socket never sent"
                            .to_string()
                    } else if restart {
                        "Flink has no completed checkpoint and starts fresh at position 0"
                            .to_string()
                    } else {
                        "The Flink job starts at position 0".to_string()
                    });
                }
                changes.push(Change::Position { position: inst.pos });
                text = txt!(self, "{}.", parts.join(", "));
            }
            Engine::Beam { .. } => {
                if !self.is_queue() {
                    inst.pos = self.beam_pos.unwrap_or(0);
                    changes.push(Change::Position { position: inst.pos });
                }
                text = if restart {
                    "The runner retries on a new worker from the last committed bundle.".into()
                } else {
                    "The Beam pipeline starts.".into()
                };
            }
        }
        self.emit(
            Some(inst),
            EventKind::Start,
            None,
            None,
            Vec::new(),
            changes,
            text,
        );
        // A transactional Kafka producer calls initTransactions: abort open, fence older.
        if matches!(
            self.cfg,
            SinkCfg::Kafka {
                transactions: true,
                ..
            }
        ) {
            self.fenced_below = inst.no;
            let open: Vec<usize> = (0..self.txns.len())
                .filter(|i| self.txns[*i].state == TxnState::Open)
                .collect();
            for ti in open {
                let mut ch = Vec::new();
                self.abort_txn(ti, &mut ch);
                let name = self.txns[ti].name.clone();
                let recs: Vec<usize> = self.txns[ti]
                    .rows
                    .iter()
                    .map(|r| self.rows[*r].record)
                    .collect();
                self.emit(
                    Some(inst),
                    EventKind::Abort,
                    None,
                    None,
                    Vec::new(),
                    ch,
                    format!(
                        "initTransactions aborts the open transaction {name} ({}) and fences the previous producer; read_uncommitted readers still see its records.",
                        list_ids(&recs)
                    ),
                );
            }
        }
    }

    fn txn_expired(&self, ti: usize) -> bool {
        let timeout = match self.cfg {
            SinkCfg::Kafka {
                transaction_timeout,
                ..
            } => transaction_timeout,
            _ => u64::MAX,
        };
        self.t.saturating_sub(self.txns[ti].begun) >= timeout
    }

    fn abort_txn(&mut self, ti: usize, changes: &mut Vec<Change>) {
        if self.txns[ti].state != TxnState::Open {
            return;
        }
        self.txns[ti].state = TxnState::Aborted;
        self.aborted_txns += 1;
        if self.trace_on {
            changes.push(Change::Transaction {
                name: self.txns[ti].name.clone(),
                state: "aborted".into(),
            });
            let rows = self.txns[ti].rows.clone();
            if !rows.is_empty() && self.primary_strict() {
                changes.push(Change::RowStatus {
                    rows: rows.iter().map(|r| *r as u64).collect(),
                    status: RowStatus::Aborted,
                });
            }
        }
    }

    fn commit_txn(&mut self, ti: usize, changes: &mut Vec<Change>) {
        self.txns[ti].state = TxnState::Committed;
        self.committed_txns += 1;
        let rows = self.txns[ti].rows.clone();
        for &r in &rows {
            self.rows[r].strict = true;
        }
        if self.trace_on {
            changes.push(Change::Transaction {
                name: self.txns[ti].name.clone(),
                state: "committed".into(),
            });
            if let Some(c) = self.status_change(&rows) {
                changes.push(c);
            }
        }
    }

    // ----- choosing the next batch -------------------------------------------------------

    fn next_batch(&mut self, inst: &mut Inst) -> Next {
        match self.sc.engine {
            Engine::MicroBatch => self.next_micro_batch(),
            Engine::Flink => {
                let start = if self.is_socket() {
                    inst.pos.max(self.socket_frontier)
                } else {
                    inst.pos
                };
                let range = match self.range_from(start) {
                    Ok(r) => Some(r),
                    // The restored epoch had begun before the failure: it runs all its
                    // steps with no entries (its checkpoint completes, its faults fire).
                    Err(Next::Drained) if inst.restored_epoch.is_some() => Some((start, start)),
                    Err(n) => return n,
                };
                match range {
                    Some((s, e)) => {
                        inst.restored_epoch = None;
                        let batch = inst.next_epoch;
                        inst.next_epoch += 1;
                        self.flink_begun = Some(self.flink_begun.map_or(batch, |b| b.max(batch)));
                        self.range_batch(batch, s, e)
                    }
                    None => Next::Drained,
                }
            }
            Engine::Consumer { .. } | Engine::Beam { .. } => {
                if self.is_queue() {
                    self.next_queue_batch()
                } else {
                    match self.range_from(inst.pos) {
                        Ok((s, e)) => {
                            let batch = self.batch_no_for_first_position(s);
                            self.range_batch(batch, s, e)
                        }
                        Err(n) => n,
                    }
                }
            }
        }
    }

    /// A new attempt of `batch` reading positions `s..e`.
    fn range_batch(&mut self, batch: u64, s: u64, e: u64) -> Next {
        let attempt = self.new_attempt(batch);
        Next::Batch(Box::new(Ctx {
            batch,
            attempt,
            planned: (s..e).collect(),
            range: (s, e),
            end: e,
            ..Ctx::default()
        }))
    }

    /// The next range from `start`, or why there is none (idle / drained).
    fn range_from(&self, start: u64) -> Result<(u64, u64), Next> {
        let avail = self.available();
        if start < avail {
            Ok((start, (start + self.bs).min(avail)))
        } else if avail >= self.m() {
            Err(Next::Drained)
        } else {
            Err(Next::Idle(self.next_arrival().unwrap_or(self.t)))
        }
    }

    fn next_queue_batch(&mut self) -> Next {
        let avail = self.available() as usize;
        let t = self.t;
        let mut picked = Vec::new();
        let mut min_lease: Option<u64> = None;
        while self.queue_low < self.acked.len() && self.acked[self.queue_low] {
            self.queue_low += 1;
        }
        for i in self.queue_low..avail {
            if picked.len() as u64 >= self.bs {
                break;
            }
            if self.acked[i] {
                continue;
            }
            match self.lease[i] {
                Some(until) if until > t => {
                    min_lease = Some(min_lease.map_or(until, |m: u64| m.min(until)));
                }
                _ => {
                    if (picked.len() as u64) < self.bs {
                        picked.push(i as u64);
                    }
                }
            }
        }
        if !picked.is_empty() {
            let batch = self.batch_no_for_first_position(picked[0]);
            let attempt = self.new_attempt(batch);
            let end = picked[picked.len() - 1] + 1;
            return Next::Batch(Box::new(Ctx {
                batch,
                attempt,
                range: (picked[0], end),
                planned: picked,
                end,
                ..Ctx::default()
            }));
        }
        let next = match (self.next_arrival(), min_lease) {
            (Some(a), Some(l)) => Some(a.min(l)),
            (a, l) => a.or(l),
        };
        match next {
            Some(t) => Next::Idle(t.max(self.t)),
            None => Next::Drained,
        }
    }

    fn next_micro_batch(&mut self) -> Next {
        let last = self.spark.offsets.iter().next_back().map(|(k, v)| (*k, *v));
        if let Some((l, (s, e, wm))) = last {
            if !self.spark.commits.contains(&l) {
                let attempt = self.new_attempt(l);
                return Next::Batch(Box::new(Ctx {
                    batch: l,
                    attempt,
                    rerun: true,
                    planned: (s..e).collect(),
                    range: (s, e),
                    watermark: wm,
                    end: e,
                    ..Ctx::default()
                }));
            }
        }
        let (n, start) = match last {
            Some((l, (_, e, _))) => (l + 1, e),
            None => (0, self.spark.initial),
        };
        if self.socket_query_fails {
            return Next::Failed(n);
        }
        match self.range_from(start) {
            Ok((s, e)) => {
                let attempt = self.new_attempt(n);
                let watermark = match (&self.sc.dedup, self.spark.max_et) {
                    (Some(d), Some(mx)) => d.watermark_delay.map(|delay| mx as i64 - delay as i64),
                    _ => None,
                };
                Next::Batch(Box::new(Ctx {
                    batch: n,
                    attempt,
                    planned: (s..e).collect(),
                    range: (s, e),
                    watermark,
                    end: e,
                    ..Ctx::default()
                }))
            }
            Err(x) => x,
        }
    }

    /// The run ends: the instance drained, or its query failed before planning batch
    /// `failed` (semantics §1.4: a failure ends the run as a drain does).
    fn on_drain(&mut self, inst: &mut Inst, failed: Option<u64>) {
        // Consumer auto-commit: once more when the consumer closes.
        if matches!(self.sc.engine, Engine::Consumer { .. })
            && self.sc.engine.commit_mode() == CommitMode::Auto
            && !self.is_queue()
            && self.group_committed != Some(inst.pos)
        {
            self.group_committed = Some(inst.pos);
            let changes = vec![Change::Committed { position: inst.pos }];
            self.emit(
                Some(inst),
                EventKind::Step,
                Some(Step::SourceCommit),
                None,
                Vec::new(),
                changes,
                format!(
                    "The consumer closes and auto-commits its position {}.",
                    inst.pos
                ),
            );
        }
        if let SinkCfg::Bigquery {
            finalize_on_drain: true,
            ..
        } = self.cfg
        {
            if let Some(si) = self.shared_stream {
                if self.streams[si].state == StreamSt::Active {
                    self.streams[si].state = StreamSt::Finalized;
                    let ch = self.stream_change(si);
                    let name = self.streams[si].name.clone();
                    self.emit(
                        Some(inst),
                        EventKind::Step,
                        None,
                        None,
                        Vec::new(),
                        ch,
                        format!(
                            "The pipeline drains and calls FinalizeWriteStream on {name}: no more appends are accepted."
                        ),
                    );
                }
            }
        }
        if let Some(n) = failed {
            let never: Vec<u64> = (0..self.m())
                .filter(|p| !self.read_flag[*p as usize])
                .collect();
            let text = txt!(
                self,
                "Instead of planning batch {n}, the query fails: IllegalStateException: Offsets committed out of order (the new socket connection counts its lines from offset −1 again, below the offsets in the checkpoint). The run ends{}.",
                if never.is_empty() {
                    String::new()
                } else {
                    format!("; {} are never read", self.describe(&never))
                }
            );
            let recs = self.rec_names(&never);
            self.emit(
                Some(inst),
                EventKind::Drain,
                Some(Step::Plan),
                Some((n, None)),
                recs,
                Vec::new(),
                text,
            );
            return;
        }
        self.emit(
            Some(inst),
            EventKind::Drain,
            None,
            None,
            Vec::new(),
            Vec::new(),
            format!(
                "Drained at tick {}: every entry has arrived at the source and nothing is left to read.",
                self.t
            ),
        );
    }

    // ----- steps --------------------------------------------------------------------------

    fn do_step(&mut self, inst: &mut Inst, ctx: &mut Ctx, step: Step) -> StepRes {
        match step {
            Step::Plan => {
                let text = if !self.trace_on {
                    String::new()
                } else if ctx.rerun {
                    format!(
                        "Batch {} is re-run with the range logged in offsets/{} ({}).",
                        ctx.batch,
                        ctx.batch,
                        self.describe(&ctx.planned)
                    )
                } else {
                    format!(
                        "Spark plans batch {}: positions {}..{} ({}). Nothing is durable yet.",
                        ctx.batch,
                        ctx.range.0,
                        ctx.range.1,
                        self.describe(&ctx.planned)
                    )
                };
                let recs = self.rec_names(&ctx.planned);
                self.step_event(inst, ctx, step, recs, Vec::new(), text);
                StepRes::Ok
            }
            Step::OffsetLog => {
                if inst.zombie {
                    return self.zombie_rejected(inst, ctx, step, format!("offsets/{}", ctx.batch));
                }
                if ctx.rerun {
                    let text = txt!(self,
                        "offsets/{} is already in the checkpoint; the re-run keeps its range and watermark.",
                        ctx.batch
                    );
                    self.step_event(inst, ctx, step, Vec::new(), Vec::new(), text);
                } else {
                    self.spark
                        .offsets
                        .insert(ctx.batch, (ctx.range.0, ctx.range.1, ctx.watermark));
                    let ch = vec![Change::OffsetLog {
                        batch: ctx.batch,
                        start: ctx.range.0,
                        end: ctx.range.1,
                        watermark: ctx.watermark,
                    }];
                    let wm = ctx
                        .watermark
                        .map_or(String::new(), |w| format!(" and watermark {w}"));
                    let text = txt!(self,
                        "Spark writes offsets/{} (positions {}..{}{wm}) before reading: the write-ahead log.",
                        ctx.batch, ctx.range.0, ctx.range.1
                    );
                    self.step_event(inst, ctx, step, Vec::new(), ch, text);
                }
                StepRes::Ok
            }
            Step::Read => {
                self.do_read(inst, ctx);
                StepRes::Ok
            }
            Step::SinkWrite => self.sink_write(inst, ctx),
            Step::SinkCommit => self.sink_commit(inst, ctx),
            Step::CommitLog => {
                if inst.zombie {
                    return self.zombie_rejected(inst, ctx, step, format!("commits/{}", ctx.batch));
                }
                self.spark.commits.insert(ctx.batch);
                if let Some(mx) = ctx
                    .read
                    .iter()
                    .map(|p| self.entries[*p as usize].event_time)
                    .max()
                {
                    self.spark.max_et = Some(self.spark.max_et.map_or(mx, |m| m.max(mx)));
                }
                self.undo.clear();
                let ch = vec![
                    Change::CommitLog { batch: ctx.batch },
                    Change::Committed { position: ctx.end },
                ];
                let text = txt!(
                    self,
                    "Spark writes commits/{}: batch {} is done and will never run again.",
                    ctx.batch,
                    ctx.batch
                );
                self.step_event(inst, ctx, step, Vec::new(), ch, text);
                StepRes::Ok
            }
            Step::Checkpoint => self.checkpoint(inst, ctx),
            Step::SourceCommit => self.source_commit(inst, ctx),
        }
    }

    fn step_event(
        &mut self,
        inst: &Inst,
        ctx: &Ctx,
        step: Step,
        records: Vec<String>,
        changes: Vec<Change>,
        text: String,
    ) {
        self.emit(
            Some(inst),
            EventKind::Step,
            Some(step),
            Some((ctx.batch, Some(ctx.attempt))),
            records,
            changes,
            text,
        );
    }

    fn skip_event(&mut self, inst: &Inst, ctx: &Ctx, step: Step, text: String) {
        self.emit(
            Some(inst),
            EventKind::Skip,
            Some(step),
            Some((ctx.batch, Some(ctx.attempt))),
            Vec::new(),
            Vec::new(),
            text,
        );
    }

    fn zombie_rejected(&mut self, inst: &Inst, ctx: &Ctx, step: Step, what: String) -> StepRes {
        self.emit(
            Some(inst),
            EventKind::Stop,
            Some(step),
            Some((ctx.batch, Some(ctx.attempt))),
            Vec::new(),
            Vec::new(),
            format!("The zombie's write of {what} is rejected (the new process already owns it), so the zombie stops."),
        );
        StepRes::Stop
    }

    fn do_read(&mut self, inst: &mut Inst, ctx: &mut Ctx) {
        let mut changes = Vec::new();
        let text;
        if self.is_queue() {
            let beam = matches!(self.sc.engine, Engine::Beam { .. });
            let until = if beam {
                u64::MAX
            } else {
                self.t + self.sc.source.ack_deadline()
            };
            for &p in &ctx.planned {
                self.lease[p as usize] = Some(until);
                self.read_flag[p as usize] = true;
            }
            ctx.read = ctx.planned.clone();
            if self.trace_on {
                changes.push(Change::Leased {
                    positions: ctx.read.clone(),
                    until,
                });
            }
            let ids: Vec<String> = if self.trace_on {
                ctx.read.iter().map(|p| format!("m{p}")).collect()
            } else {
                Vec::new()
            };
            text = if !self.trace_on {
                String::new()
            } else if beam {
                format!(
                    "The runner pulls {} ({}); Dataflow keeps extending their leases while the bundle runs.",
                    ids.join(", "),
                    self.describe(&ctx.read)
                )
            } else {
                format!(
                    "The subscriber pulls {} ({}); their leases expire at tick {until} unless acked before.",
                    ids.join(", "),
                    self.describe(&ctx.read)
                )
            };
        } else if self.is_socket() {
            // A micro_batch re-run reads from a new connection whose line offsets start at
            // −1 again: nothing of the logged range (semantics §2.3).
            let rerun_reads_nothing = ctx.rerun && matches!(self.sc.engine, Engine::MicroBatch);
            let got: Vec<u64> = if rerun_reads_nothing {
                Vec::new()
            } else {
                ctx.planned
                    .iter()
                    .copied()
                    .filter(|p| !self.delivered[*p as usize])
                    .collect()
            };
            for &p in &got {
                self.delivered[p as usize] = true;
                self.read_flag[p as usize] = true;
                self.socket_frontier = self.socket_frontier.max(p + 1);
            }
            inst.pos = ctx.end;
            changes.push(Change::Position { position: ctx.end });
            text = if !self.trace_on {
                String::new()
            } else if rerun_reads_nothing {
                let gone: Vec<u64> = ctx
                    .planned
                    .iter()
                    .copied()
                    .filter(|p| self.delivered[*p as usize])
                    .collect();
                format!(
                    "The restarted query opened a new socket connection, whose lines are numbered from offset −1 again: the logged range of batch {} matches none of them, so the re-run reads nothing.{}",
                    ctx.batch,
                    if gone.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " {} were delivered to the dead process; the socket never sends them again.",
                            self.describe(&gone)
                        )
                    }
                )
            } else if ctx.planned.is_empty() {
                format!(
                    "Nothing is left on the socket: restored epoch {} reads no records, but it still runs all its steps.",
                    ctx.batch
                )
            } else if got.len() < ctx.planned.len() {
                let gone: Vec<u64> = ctx
                    .planned
                    .iter()
                    .copied()
                    .filter(|p| !got.contains(p))
                    .collect();
                format!(
                    "The socket delivers only what it never sent before: {}. {} were delivered to the dead process and are gone.",
                    self.describe(&got),
                    self.describe(&gone)
                )
            } else {
                format!(
                    "The socket delivers {}; it keeps no copy.",
                    self.describe(&got)
                )
            };
            ctx.read = got;
        } else {
            for &p in &ctx.planned {
                self.read_flag[p as usize] = true;
            }
            ctx.read = ctx.planned.clone();
            inst.pos = ctx.end;
            if self.trace_on {
                changes.push(Change::Position { position: ctx.end });
            }
            let coords = match (ctx.read.first(), ctx.read.last()) {
                _ if !self.trace_on => String::new(),
                (Some(a), Some(b)) if a == b => self.coord(*a),
                (Some(a), Some(b)) if self.parts == 1 => format!("offsets {a}–{b}"),
                (Some(a), Some(b)) => format!("{} to {}", self.coord(*a), self.coord(*b)),
                _ => String::new(),
            };
            text = txt!(
                self,
                "{} reads {} ({coords}); its in-memory position is now {}.",
                self.reader_name(),
                self.describe(&ctx.read),
                ctx.end
            );
        }
        ctx.read_done = true;
        // Filtering stages.
        ctx.rows = ctx.read.clone();
        let mut extra = String::new();
        if matches!(self.sc.engine, Engine::MicroBatch) && self.sc.dedup.is_some() {
            extra = self.apply_dedup(inst, ctx);
        }
        if let Engine::Beam { .. } = self.sc.engine {
            if self.is_queue() {
                extra = self.beam_dedup(ctx);
            }
        }
        let recs = self.rec_names(&ctx.read);
        let text = if extra.is_empty() {
            text
        } else {
            format!("{text} {extra}")
        };
        self.step_event(inst, ctx, Step::Read, recs, changes, text);
    }

    fn reader_name(&self) -> &'static str {
        match self.sc.engine {
            Engine::Consumer { .. } => "The consumer",
            Engine::MicroBatch => "Spark",
            Engine::Flink => "The Flink source",
            Engine::Beam { .. } => "The runner",
        }
    }

    fn beam_dedup(&mut self, ctx: &mut Ctx) -> String {
        let by_id = self.sc.engine.dedup_by() == DedupBy::IdAttribute;
        let mut seen = VecSet::new();
        let mut keep = Vec::new();
        let mut dropped = Vec::new();
        for &p in &ctx.read {
            let key = if by_id { self.rec(p) as u64 } else { p };
            if self.beam_ids.contains(&key) || !seen.insert(key) {
                dropped.push(p);
            } else {
                keep.push(p);
            }
        }
        ctx.rows = keep;
        if dropped.is_empty() {
            String::new()
        } else {
            let what = if by_id {
                "record id attribute"
            } else {
                "message id"
            };
            format!(
                "The runner drops {} as already seen (same {what}); it will still ack them.",
                self.describe(&dropped)
            )
        }
    }

    fn apply_dedup(&mut self, inst: &Inst, ctx: &mut Ctx) -> String {
        let Some(d) = self.sc.dedup.clone() else {
            return String::new();
        };
        let wm = ctx.watermark;
        let record_undo = !inst.zombie;
        let mut state = if inst.zombie {
            ctx.own_state
                .take()
                .unwrap_or_else(|| self.spark.state.clone())
        } else {
            std::mem::take(&mut self.spark.state)
        };
        let mut keep = Vec::new();
        let mut late = Vec::new();
        let mut dups = Vec::new();
        for &p in &ctx.read {
            let e = &self.entries[p as usize];
            let (r, et) = (e.record, e.event_time);
            if wm.is_some_and(|w| (et as i64) <= w) {
                late.push(p);
                continue;
            }
            match d.mode {
                DedupMode::DropDuplicates => {
                    if state.keys.contains(&(r, et)) {
                        dups.push(p);
                    } else {
                        state.keys.insert((r, et));
                        if record_undo {
                            self.undo.push(Undo::InsertedKey((r, et)));
                        }
                        keep.push(p);
                    }
                }
                DedupMode::WithinWatermark => {
                    if state.expires.contains_key(&r) {
                        dups.push(p);
                    } else {
                        state.expires.insert(r, et + d.watermark_delay.unwrap_or(0));
                        if record_undo {
                            self.undo.push(Undo::SetExpires(r, None));
                        }
                        keep.push(p);
                    }
                }
            }
        }
        // Eviction.
        if let Some(w) = wm {
            match d.mode {
                DedupMode::DropDuplicates => {
                    let evict: Vec<(usize, u64)> = state
                        .keys
                        .iter()
                        .filter(|(_, et)| (*et as i64) <= w)
                        .copied()
                        .collect();
                    for k in evict {
                        state.keys.remove(&k);
                        if record_undo {
                            self.undo.push(Undo::RemovedKey(k));
                        }
                    }
                }
                DedupMode::WithinWatermark => {
                    let evict: Vec<(usize, u64)> = state
                        .expires
                        .iter()
                        .filter(|(_, exp)| (**exp as i64) <= w)
                        .map(|(r, e)| (*r, *e))
                        .collect();
                    for (r, e) in evict {
                        state.expires.remove(&r);
                        if record_undo {
                            self.undo.push(Undo::SetExpires(r, Some(e)));
                        }
                    }
                }
            }
        }
        if !inst.zombie {
            self.spark.state = state;
        }
        for &p in &late {
            self.late_flag[p as usize] = true;
        }
        ctx.rows = keep;
        let mut parts = Vec::new();
        if !late.is_empty() {
            parts.push(format!(
                "dropDuplicates drops {} as late (event time ≤ watermark {})",
                self.describe(&late),
                wm.unwrap_or(0)
            ));
        }
        if !dups.is_empty() {
            parts.push(format!(
                "drops {} as duplicates already in its state",
                self.describe(&dups)
            ));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("{}.", parts.join("; "))
        }
    }

    // ----- sink ---------------------------------------------------------------------------

    fn sink_write(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> StepRes {
        // Idempotence checks that skip the whole batch.
        match self.cfg {
            SinkCfg::File => {
                if let Some(&last) = self.metadata_log.iter().next_back() {
                    if ctx.batch <= last {
                        ctx.skip_sink = true;
                        let text = txt!(self,
                            "The file sink sees batch {} ≤ the last _spark_metadata id {last}: it skips the batch.",
                            ctx.batch
                        );
                        self.skip_event(inst, ctx, Step::SinkWrite, text);
                        return StepRes::Ok;
                    }
                }
            }
            SinkCfg::Delta(app) if app != TxnAppId::None => {
                let id = self.delta_app_id();
                if let Some(&v) = self.delta_txn.get(&id) {
                    if v >= ctx.batch {
                        ctx.skip_sink = true;
                        let text = txt!(self,
                            "The Delta log already records txn {id} version {v} ≥ batch {}: the write is skipped.",
                            ctx.batch
                        );
                        self.skip_event(inst, ctx, Step::SinkWrite, text);
                        return StepRes::Ok;
                    }
                }
            }
            SinkCfg::ForeachBatch {
                control_table: true,
                ..
            } if self.control_table.contains(&ctx.batch) => {
                ctx.skip_sink = true;
                let text = txt!(
                    self,
                    "foreachBatch finds batchId {} in the control table: it writes nothing.",
                    ctx.batch
                );
                self.skip_event(inst, ctx, Step::SinkWrite, text);
                return StepRes::Ok;
            }
            _ => {}
        }
        if let SinkCfg::ForeachBatch {
            control_table: true,
            transaction: FbTransaction::Separate,
            order: FbOrder::MarkerFirst,
        } = self.cfg
        {
            self.control_table.insert(ctx.batch);
            ctx.marker_written = true;
            let ch = vec![Change::Marker {
                name: "control_table".into(),
                value: ctx.batch,
            }];
            let text = txt!(self,
                "foreachBatch commits marker {} to the control table first, in its own transaction (the data is not written yet).",
                ctx.batch
            );
            self.step_event(inst, ctx, Step::SinkWrite, Vec::new(), ch, text);
            return StepRes::Ok;
        }
        self.data_write(inst, ctx, Step::SinkWrite)
    }

    fn delta_app_id(&self) -> String {
        match self.cfg {
            SinkCfg::Delta(TxnAppId::Fixed) => "app".into(),
            _ => format!("q{}", self.spark.query.unwrap_or(0)),
        }
    }

    /// The batch's data write: one request per row, with crash_mid_write and lost_ack.
    fn data_write(&mut self, inst: &mut Inst, ctx: &mut Ctx, step: Step) -> StepRes {
        let rows = ctx.rows.clone();
        if !inst.zombie {
            self.writes.push((ctx.batch, ctx.attempt, rows.len()));
        }
        let (mut mid, mut lost): MidAndLost = (None, VecMap::new());
        if !inst.zombie {
            for i in self.faults_at(ctx.batch, ctx.attempt) {
                match self.sc.faults[i] {
                    Fault::CrashMidWrite {
                        after_records,
                        downtime,
                        ..
                    } => mid = Some((i, after_records, downtime)),
                    Fault::LostAck { request, .. } => {
                        lost.insert(request, i);
                    }
                    _ => {}
                }
            }
        }
        let mut changes = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let before = self.trace.len();
        let mut written_recs = Vec::new();
        // foreach_batch: the data transaction opens here.
        let fb = matches!(self.cfg, SinkCfg::ForeachBatch { .. });
        for (i, &pos) in rows.iter().enumerate() {
            let lost_here = lost.get(&(i as u64)).copied();
            if let Some(li) = lost_here {
                self.fired[li] = true;
            }
            let res = self.write_row(
                inst,
                ctx,
                pos,
                lost_here.is_some(),
                &mut changes,
                &mut notes,
            );
            written_recs.push(self.rec(pos));
            match res {
                RowRes::Ok => {}
                RowRes::Stop => {
                    self.flush_step_event(inst, ctx, step, &written_recs, changes, notes, before);
                    return StepRes::Stop;
                }
            }
            if let Some(li) = lost_here {
                if matches!(self.cfg, SinkCfg::Append | SinkCfg::Upsert(_)) {
                    self.flush_step_event(inst, ctx, step, &written_recs, changes, notes, before);
                    self.emit_fault(
                        inst,
                        ctx,
                        li,
                        format!(
                            "The server applied request {i} ({}) but its acknowledgement is lost: the client sees an error and the batch fails, like a crash right after that row.",
                            record_id(self.rec(pos))
                        ),
                    );
                    return StepRes::Died(1);
                }
            }
            if let Some((mi, k, downtime)) = mid {
                if (i as u64) + 1 == k && rows.len() as u64 > k {
                    self.fired[mi] = true;
                    self.flush_step_event(inst, ctx, step, &written_recs, changes, notes, before);
                    self.emit_fault(
                        inst,
                        ctx,
                        mi,
                        format!(
                            "CRASH in the middle of the write after {k} row{}: the rest of {} {} is never written by this attempt.",
                            if k == 1 { "" } else { "s" },
                            self.unit(),
                            ctx.batch
                        ),
                    );
                    return StepRes::Died(downtime);
                }
            }
        }
        // End of the write: transactions that are per step commit now.
        if fb {
            let commit_now = match self.cfg {
                SinkCfg::ForeachBatch {
                    control_table,
                    transaction,
                    order,
                } => {
                    !control_table
                        || transaction == FbTransaction::Separate
                            && (order == FbOrder::DataFirst || step == Step::SinkCommit)
                }
                _ => false,
            };
            if commit_now {
                let open = std::mem::take(&mut ctx.open_db_txn);
                if let Some(c) = self.set_strict(&open, true) {
                    changes.push(c);
                }
                notes.push("The data transaction commits: the rows are visible.".into());
            }
        }
        self.flush_step_event(inst, ctx, step, &written_recs, changes, notes, before);
        StepRes::Ok
    }

    #[allow(clippy::too_many_arguments)]
    fn flush_step_event(
        &mut self,
        inst: &Inst,
        ctx: &Ctx,
        step: Step,
        recs: &[usize],
        changes: Vec<Change>,
        notes: Vec<String>,
        at: usize,
    ) {
        if !self.trace_on {
            return;
        }
        let what = self.write_verb();
        let mut text = if recs.is_empty() {
            let u = self.unit();
            let mut c = u.chars();
            let cap = c.next().map_or(String::new(), |f| {
                f.to_uppercase().collect::<String>() + c.as_str()
            });
            format!("{cap} {} has no rows to write.", ctx.batch)
        } else {
            format!("{what} {}.", list_ids(recs))
        };
        if let Some(again) = self.second_copies(&changes) {
            text.push(' ');
            text.push_str(&again);
        }
        for n in notes {
            text.push(' ');
            text.push_str(&n);
        }
        let ev = Event {
            tick: self.t,
            instance: inst.no,
            zombie: inst.zombie,
            query: self.cur_query.clone(),
            kind: EventKind::Step,
            step: Some(step),
            batch: Some(ctx.batch),
            attempt: Some(ctx.attempt),
            records: recs.iter().map(|r| record_id(*r)).collect(),
            changes,
            error: None,
            fault: None,
            text,
        };
        // The step event goes before the per-row error events it caused.
        self.trace.insert(at, ev);
    }

    /// Narration of a write that adds second copies: the new rows visible to the primary
    /// reader whose record already has a visible row, named with where that copy came from
    /// ("r2, r3 are already in the table (batch 1, attempt 1): this INSERT adds them again.").
    fn second_copies(&self, changes: &[Change]) -> Option<String> {
        let new_rows: Vec<usize> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Row { row, .. } => Some(*row as usize),
                _ => None,
            })
            .collect();
        let first = *new_rows.iter().min()?;
        // Earlier visible copy per record: (record, origin batch, origin attempt).
        let mut again: Vec<(usize, u64, u32)> = Vec::new();
        for &r in &new_rows {
            let rec = self.rows[r].record;
            if !self.rows[r].strict || again.iter().any(|a| a.0 == rec) {
                continue;
            }
            let Some(old) =
                (0..first).find(|e| self.rows[*e].record == rec && self.rows[*e].strict)
            else {
                continue;
            };
            let origin = self.trace.iter().rev().find_map(|ev| {
                ev.changes.iter().find_map(|c| match c {
                    Change::Row {
                        row,
                        batch: Some(b),
                        attempt: Some(a),
                        ..
                    } if *row as usize == old => Some((*b, *a)),
                    _ => None,
                })
            })?;
            again.push((rec, origin.0, origin.1));
        }
        if again.is_empty() {
            return None;
        }
        let mut origins: Vec<(u64, u32)> = again.iter().map(|a| (a.1, a.2)).collect();
        origins.sort_unstable();
        origins.dedup();
        let from: Vec<String> = origins
            .iter()
            .map(|(b, a)| format!("{} {b}, attempt {a}", self.unit()))
            .collect();
        let recs: Vec<usize> = again.iter().map(|a| a.0).collect();
        let one = recs.len() == 1;
        let (is, them) = if one { ("is", "it") } else { ("are", "them") };
        let (place, act) = match self.cfg {
            SinkCfg::Console => ("already printed", format!("this batch prints {them} again")),
            SinkCfg::Memory => (
                "already in the memory table",
                format!("this batch adds {them} again"),
            ),
            SinkCfg::Kafka { .. } => (
                "already in the topic",
                format!("this send appends {them} again"),
            ),
            SinkCfg::Bigquery { .. } => (
                "already in the table",
                format!("this AppendRows adds {them} again"),
            ),
            SinkCfg::Upsert(_) => (
                "already in the table",
                format!("new uuid keys add {them} again"),
            ),
            SinkCfg::ForeachBatch { .. } => (
                "already in the table",
                format!("this transaction adds {them} again"),
            ),
            _ => (
                "already in the table",
                format!("this INSERT adds {them} again"),
            ),
        };
        Some(format!(
            "{} {is} {place} ({}): {act}.",
            list_ids(&recs),
            from.join("; ")
        ))
    }

    fn write_verb(&self) -> String {
        match self.cfg {
            SinkCfg::Append => "The sink inserts".into(),
            SinkCfg::Upsert(k) => match k {
                UpsertKey::RecordId => "The sink upserts by record id".into(),
                UpsertKey::SourcePosition => "The sink upserts by source position".into(),
                UpsertKey::UuidPerAttempt => {
                    "The sink upserts with a fresh uuid key per row".into()
                }
            },
            SinkCfg::Console => "The console prints".into(),
            SinkCfg::Memory => "The memory sink adds".into(),
            SinkCfg::File => "The file sink writes a new part file with".into(),
            SinkCfg::Delta(_) => "Delta writes data files (not yet in the log) with".into(),
            SinkCfg::ForeachBatch {
                control_table,
                transaction,
                ..
            } => {
                if control_table && transaction == FbTransaction::Same {
                    "foreachBatch writes, in one open transaction with marker, the rows".into()
                } else {
                    "foreachBatch writes in a data transaction".into()
                }
            }
            SinkCfg::Kafka { transactions, .. } => {
                if transactions {
                    "The producer sends, inside its open transaction,".into()
                } else {
                    "The producer sends".into()
                }
            }
            SinkCfg::Bigquery { .. } => "AppendRows sends".into(),
        }
    }

    fn place(&self, ctx: &Ctx) -> String {
        match self.cfg {
            SinkCfg::File => format!("part-{}-a{}", ctx.batch, ctx.attempt),
            SinkCfg::Delta(_) => format!("data-{}-a{}", ctx.batch, ctx.attempt),
            SinkCfg::Kafka { .. } => ctx
                .txn
                .map_or("topic".into(), |t| self.txns[t].name.clone()),
            SinkCfg::Bigquery { .. } => ctx
                .stream
                .map_or("stream".into(), |s| self.streams[s].name.clone()),
            SinkCfg::Console => "console".into(),
            SinkCfg::Memory => format!("memory q{}", self.spark.query.unwrap_or(0)),
            _ => "table".into(),
        }
    }

    fn write_row(
        &mut self,
        inst: &mut Inst,
        ctx: &mut Ctx,
        pos: u64,
        lost_ack: bool,
        changes: &mut Vec<Change>,
        notes: &mut Vec<String>,
    ) -> RowRes {
        match self.cfg {
            SinkCfg::Append | SinkCfg::Console | SinkCfg::Memory => {
                let r = self.add_row(pos, true, true);
                ctx.written.push(r);
                if self.trace_on {
                    changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                }
            }
            SinkCfg::Upsert(k) => {
                let key = match k {
                    UpsertKey::RecordId => UKey::Record(self.rec(pos)),
                    UpsertKey::SourcePosition => UKey::Position(pos),
                    UpsertKey::UuidPerAttempt => {
                        self.uuid_next += 1;
                        UKey::Uuid(self.uuid_next)
                    }
                };
                if self.ukeys.contains_key(&key) {
                    if self.trace_on {
                        notes.push(format!(
                            "{} matches an existing key, so it replaces that row instead of adding one.",
                            record_id(self.rec(pos))
                        ));
                    }
                } else {
                    let r = self.add_row(pos, true, true);
                    self.ukeys.insert(key, r);
                    ctx.written.push(r);
                    if self.trace_on {
                        changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                    }
                }
            }
            SinkCfg::File | SinkCfg::Delta(_) => {
                let r = self.add_row(pos, false, true);
                ctx.written.push(r);
                if self.trace_on {
                    changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                }
            }
            SinkCfg::ForeachBatch { .. } => {
                let r = self.add_row(pos, false, false);
                ctx.written.push(r);
                ctx.open_db_txn.push(r);
                if self.trace_on {
                    changes.push(self.row_change(r, pos, inst, ctx, "table".into()));
                }
            }
            SinkCfg::Kafka {
                idempotence,
                transactions,
                ..
            } => {
                if transactions {
                    if inst.no < self.fenced_below {
                        self.log_error(
                            Some(inst),
                            ctx.batch,
                            Some(ctx.attempt),
                            "sink_write",
                            "PRODUCER_FENCED",
                            Some(self.rec(pos)),
                            format!(
                                "The zombie's send of {} fails with PRODUCER_FENCED: a newer producer with the same transactional.id exists. The zombie stops.",
                                record_id(self.rec(pos))
                            ),
                        );
                        return RowRes::Stop;
                    }
                    if ctx.txn.is_none() {
                        let name = format!("T{}", self.txns.len() + 1);
                        self.txns.push(Txn {
                            name: name.clone(),
                            rows: Vec::new(),
                            state: TxnState::Open,
                            begun: self.t,
                        });
                        ctx.txn = Some(self.txns.len() - 1);
                        if self.trace_on {
                            changes.push(Change::Transaction {
                                name,
                                state: "open".into(),
                            });
                        }
                    }
                    let r = self.add_row(pos, false, true);
                    let ti = ctx.txn.unwrap_or(0);
                    self.txns[ti].rows.push(r);
                    ctx.written.push(r);
                    if self.trace_on {
                        changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                    }
                } else {
                    let r = self.add_row(pos, true, true);
                    ctx.written.push(r);
                    if self.trace_on {
                        changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                    }
                }
                if lost_ack {
                    if idempotence {
                        if self.trace_on {
                            notes.push(format!(
                                "The acknowledgement of {} is lost; the producer retries and the broker drops the retry by producer id and sequence number.",
                                record_id(self.rec(pos))
                            ));
                        }
                    } else {
                        let strict = !transactions;
                        let r = self.add_row(pos, strict, true);
                        ctx.written.push(r);
                        if let Some(ti) = ctx.txn {
                            self.txns[ti].rows.push(r);
                        }
                        if self.trace_on {
                            changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                            notes.push(format!(
                                "The acknowledgement of {} is lost; without idempotence the retry is written as a second copy.",
                                record_id(self.rec(pos))
                            ));
                        }
                    }
                }
            }
            SinkCfg::Bigquery { .. } => {
                self.bq_append(inst, ctx, pos, lost_ack, changes, notes);
            }
        }
        RowRes::Ok
    }

    // ----- BigQuery -----------------------------------------------------------------------

    fn new_stream(&mut self, stype: StreamType) -> usize {
        let created = self.streams.iter().filter(|s| s.name != "_default").count();
        self.streams.push(BqStream {
            name: format!("s{}", created + 1),
            stype,
            state: StreamSt::Active,
            rows: Vec::new(),
            flushed: 0,
        });
        self.streams.len() - 1
    }

    fn stream_change(&self, si: usize) -> Vec<Change> {
        if !self.trace_on {
            return Vec::new();
        }
        let s = &self.streams[si];
        vec![Change::Stream {
            name: s.name.clone(),
            state: match s.state {
                StreamSt::Active => "active",
                StreamSt::Finalized => "finalized",
                StreamSt::Committed => "committed",
            }
            .into(),
            end: s.rows.len() as u64,
            flushed: (s.stype == StreamType::Buffered).then_some(s.flushed),
        }]
    }

    fn bq_append(
        &mut self,
        inst: &mut Inst,
        ctx: &mut Ctx,
        pos: u64,
        lost_ack: bool,
        changes: &mut Vec<Change>,
        notes: &mut Vec<String>,
    ) {
        let SinkCfg::Bigquery {
            stream_type,
            offsets,
            stream,
            ..
        } = self.cfg
        else {
            return;
        };
        let si = if stream_type == StreamType::Default {
            match self.default_stream {
                Some(s) => s,
                None => {
                    self.streams.push(BqStream {
                        name: "_default".into(),
                        stype: StreamType::Default,
                        state: StreamSt::Active,
                        rows: Vec::new(),
                        flushed: 0,
                    });
                    let s = self.streams.len() - 1;
                    self.default_stream = Some(s);
                    s
                }
            }
        } else if stream == StreamScope::Shared {
            match self.shared_stream {
                Some(s) => s,
                None => {
                    let s = self.new_stream(stream_type);
                    self.shared_stream = Some(s);
                    if self.trace_on {
                        changes.extend(self.stream_change(s));
                    }
                    s
                }
            }
        } else {
            match ctx.stream {
                Some(s) => s,
                None => {
                    let s = self.new_stream(stream_type);
                    ctx.stream = Some(s);
                    if self.trace_on {
                        changes.extend(self.stream_change(s));
                    }
                    s
                }
            }
        };
        if stream_type != StreamType::Default {
            ctx.stream = Some(si);
        }
        let offset = match offsets {
            Offsets::None => None,
            Offsets::Source => Some(pos),
            Offsets::Writer => Some(*inst.counters.get_or_insert_with(si, || 0)),
            Offsets::State => {
                if ctx.state_offset.is_none() {
                    ctx.state_offset = Some(self.beam_bq_next);
                }
                ctx.state_offset
            }
        };
        let rec = self.rec(pos);
        let name = self.streams[si].name.clone();
        let end = self.streams[si].rows.len() as u64;
        let result: Result<(), &'static str> = if self.streams[si].state != StreamSt::Active {
            Err("STREAM_FINALIZED")
        } else {
            match offset {
                None => Ok(()),
                Some(o) if o == end => Ok(()),
                Some(o) if o < end => Err("ALREADY_EXISTS"),
                Some(_) => Err("OUT_OF_RANGE"),
            }
        };
        let advance = |inst: &mut Inst, ctx: &mut Ctx| match offsets {
            Offsets::Writer => {
                *inst.counters.get_or_insert_with(si, || 0) += 1;
            }
            Offsets::State => {
                if let Some(o) = ctx.state_offset.as_mut() {
                    *o += 1;
                }
            }
            _ => {}
        };
        let off_txt = offset.map_or("without an offset".to_string(), |o| {
            format!("at offset {o}")
        });
        match result {
            Ok(()) => {
                let visible = matches!(stream_type, StreamType::Default | StreamType::Committed);
                let r = self.add_row(pos, visible, true);
                self.streams[si].rows.push(r);
                ctx.written.push(r);
                advance(inst, ctx);
                if self.trace_on {
                    changes.push(self.row_change(r, pos, inst, ctx, name.clone()));
                }
                if lost_ack {
                    match offset {
                        Some(o) => {
                            self.log_error(
                                Some(inst),
                                ctx.batch,
                                Some(ctx.attempt),
                                "sink_write",
                                "ALREADY_EXISTS",
                                Some(rec),
                                format!(
                                    "The response to AppendRows of {} was lost; the client retries it at offset {o}, which now exists: ALREADY_EXISTS, treated as success.",
                                    record_id(rec)
                                ),
                            );
                        }
                        None => {
                            let r2 = self.add_row(pos, visible, true);
                            self.streams[si].rows.push(r2);
                            ctx.written.push(r2);
                            if self.trace_on {
                                changes.push(self.row_change(r2, pos, inst, ctx, name.clone()));
                                notes.push(format!(
                                    "The response to AppendRows of {} was lost; the retry has no offset, so the row is appended a second time.",
                                    record_id(rec)
                                ));
                            }
                        }
                    }
                }
                if self.trace_on {
                    changes.extend(self.stream_change(si));
                    let _ = off_txt;
                }
            }
            Err(code) => {
                if code == "ALREADY_EXISTS" {
                    advance(inst, ctx);
                }
                let text = match code {
                    "ALREADY_EXISTS" => format!(
                        "AppendRows of {} {off_txt} on {name}: ALREADY_EXISTS (the stream already holds {end} rows). The writer treats it as success and moves on.",
                        record_id(rec)
                    ),
                    "OUT_OF_RANGE" => format!(
                        "AppendRows of {} {off_txt} on {name}: OUT_OF_RANGE (the stream ends at {end}); the row is not written.",
                        record_id(rec)
                    ),
                    _ => format!(
                        "AppendRows of {} on {name}: STREAM_FINALIZED; the stream takes no more rows and the row is not written.",
                        record_id(rec)
                    ),
                };
                self.log_error(
                    Some(inst),
                    ctx.batch,
                    Some(ctx.attempt),
                    "sink_write",
                    code,
                    Some(rec),
                    text,
                );
            }
        }
    }

    // ----- sink_commit ----------------------------------------------------------------------

    fn sink_commit(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> StepRes {
        let step = Step::SinkCommit;
        match self.cfg {
            SinkCfg::File => {
                if ctx.skip_sink {
                    let text = txt!(
                        self,
                        "Batch {} was already in _spark_metadata: nothing to commit.",
                        ctx.batch
                    );
                    self.skip_event(inst, ctx, step, text);
                    return StepRes::Ok;
                }
                self.metadata_log.insert(ctx.batch);
                let rows = ctx.written.clone();
                let mut ch = vec![Change::Marker {
                    name: "_spark_metadata".into(),
                    value: ctx.batch,
                }];
                ch.extend(self.set_strict(&rows, true));
                let text = txt!(self,
                    "The file sink writes _spark_metadata/{}, listing this attempt's files: Spark readers now see them.",
                    ctx.batch
                );
                self.step_event(inst, ctx, step, Vec::new(), ch, text);
            }
            SinkCfg::Delta(app) => {
                if ctx.skip_sink {
                    let text = txt!(
                        self,
                        "Batch {} was already committed to the Delta log: nothing to do.",
                        ctx.batch
                    );
                    self.skip_event(inst, ctx, step, text);
                    return StepRes::Ok;
                }
                let rows = ctx.written.clone();
                let mut ch = Vec::new();
                let text = if app == TxnAppId::None {
                    "Delta commits the data files to the log (no txnAppId/txnVersion is recorded)."
                        .to_string()
                } else {
                    let id = self.delta_app_id();
                    self.delta_txn.insert(id.clone(), ctx.batch);
                    ch.push(Change::Marker {
                        name: format!("txn {id}"),
                        value: ctx.batch,
                    });
                    format!(
                        "Delta commits the data files and txn {{appId: {id}, version: {}}} in one atomic log entry.",
                        ctx.batch
                    )
                };
                ch.extend(self.set_strict(&rows, true));
                self.step_event(inst, ctx, step, Vec::new(), ch, text);
            }
            SinkCfg::ForeachBatch {
                transaction, order, ..
            } => {
                if ctx.skip_sink {
                    let text = txt!(
                        self,
                        "batchId {} is already in the control table: nothing to commit.",
                        ctx.batch
                    );
                    self.skip_event(inst, ctx, step, text);
                    return StepRes::Ok;
                }
                match (transaction, order) {
                    (FbTransaction::Same, _) => {
                        self.control_table.insert(ctx.batch);
                        let open = std::mem::take(&mut ctx.open_db_txn);
                        let mut ch = vec![Change::Marker {
                            name: "control_table".into(),
                            value: ctx.batch,
                        }];
                        ch.extend(self.set_strict(&open, true));
                        let text =
                            txt!(self,
                            "COMMIT: the rows and marker {} become visible together, atomically.",
                            ctx.batch
                        );
                        self.step_event(inst, ctx, step, Vec::new(), ch, text);
                    }
                    (FbTransaction::Separate, FbOrder::DataFirst) => {
                        self.control_table.insert(ctx.batch);
                        let ch = vec![Change::Marker {
                            name: "control_table".into(),
                            value: ctx.batch,
                        }];
                        let text = txt!(self,
                            "foreachBatch commits marker {} in a second transaction, after the data.",
                            ctx.batch
                        );
                        self.step_event(inst, ctx, step, Vec::new(), ch, text);
                    }
                    (FbTransaction::Separate, FbOrder::MarkerFirst) => {
                        return self.data_write(inst, ctx, step);
                    }
                }
            }
            SinkCfg::Kafka { .. } => return self.kafka_commit(inst, ctx),
            SinkCfg::Bigquery {
                stream_type,
                batch_commit,
                ..
            } => {
                let Some(si) = ctx.stream else {
                    let text =
                        "No rows were appended, so there is nothing to finalize, commit or flush."
                            .to_string();
                    self.skip_event(inst, ctx, step, text);
                    return StepRes::Ok;
                };
                match stream_type {
                    StreamType::Buffered => {
                        let end = self.streams[si].rows.len() as u64;
                        let s = &self.streams[si];
                        if end == 0 || s.flushed >= end {
                            let text = txt!(
                                self,
                                "FlushRows is skipped: {} has nothing new to flush.",
                                s.name
                            );
                            self.skip_event(inst, ctx, step, text);
                        } else {
                            let from = s.flushed as usize;
                            let rows: Vec<usize> = s.rows[from..].to_vec();
                            self.streams[si].flushed = end;
                            let mut ch =
                                self.set_strict(&rows, true).into_iter().collect::<Vec<_>>();
                            ch.extend(self.stream_change(si));
                            let recs: Vec<usize> =
                                rows.iter().map(|r| self.rows[*r].record).collect();
                            let text = txt!(self,
                                "FlushRows(offset {}) on {} makes every row up to that offset visible: {}.",
                                end - 1,
                                self.streams[si].name,
                                list_ids(&recs)
                            );
                            self.step_event(inst, ctx, step, Vec::new(), ch, text);
                        }
                    }
                    StreamType::Pending => {
                        self.streams[si].state = StreamSt::Committed;
                        let rows = self.streams[si].rows.clone();
                        let mut ch = self.set_strict(&rows, true).into_iter().collect::<Vec<_>>();
                        ch.extend(self.stream_change(si));
                        let text = txt!(self,
                            "FinalizeWriteStream + BatchCommitWriteStreams on {}: its rows become visible atomically.",
                            self.streams[si].name
                        );
                        self.step_event(inst, ctx, step, Vec::new(), ch, text);
                    }
                    _ => {
                        // committed per_batch: finalize, then maybe BatchCommit → INVALID_STREAM_TYPE
                        if self.streams[si].state == StreamSt::Active {
                            self.streams[si].state = StreamSt::Finalized;
                        }
                        let ch = self.stream_change(si);
                        let name = self.streams[si].name.clone();
                        let text = txt!(self, "FinalizeWriteStream on {name}: its rows were visible since their append.");
                        self.step_event(inst, ctx, step, Vec::new(), ch, text);
                        if batch_commit {
                            self.log_error(
                                Some(inst),
                                ctx.batch,
                                Some(ctx.attempt),
                                "sink_commit",
                                "INVALID_STREAM_TYPE",
                                None,
                                format!(
                                    "BatchCommitWriteStreams on {name}: INVALID_STREAM_TYPE — only PENDING streams can be batch-committed; the rows stay visible anyway."
                                ),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
        StepRes::Ok
    }

    fn kafka_commit(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> StepRes {
        let step = Step::SinkCommit;
        let consumer_txn = matches!(self.sc.engine, Engine::Consumer { .. })
            && self.sc.engine.commit_mode() == CommitMode::Transaction;
        let flink = matches!(self.sc.engine, Engine::Flink);
        let Some(ti) = ctx.txn else {
            let text =
                "No records were sent, so no transaction was begun: nothing to commit.".to_string();
            self.skip_event(inst, ctx, step, text);
            return StepRes::Ok;
        };
        if inst.no < self.fenced_below {
            self.log_error(
                Some(inst),
                ctx.batch,
                Some(ctx.attempt),
                "sink_commit",
                "PRODUCER_FENCED",
                None,
                "The zombie's commitTransaction fails with PRODUCER_FENCED: a newer producer aborted its transaction. The zombie stops.".into(),
            );
            return StepRes::Stop;
        }
        if self.txns[ti].state == TxnState::Committed {
            let text = txt!(self, "{} is already committed.", self.txns[ti].name);
            self.skip_event(inst, ctx, step, text);
            return StepRes::Ok;
        }
        if self.txns[ti].state == TxnState::Aborted || self.txn_expired(ti) {
            let mut ch = Vec::new();
            self.abort_txn(ti, &mut ch);
            // Only Flink loses an epoch this way; a consumer's failed commit crashes it and
            // it replays from the committed offsets, which its guarantee covers (§7.3, §9).
            if flink {
                self.timeout_broken = true;
            }
            let name = self.txns[ti].name.clone();
            self.emit(
                Some(inst),
                EventKind::Abort,
                Some(step),
                Some((ctx.batch, Some(ctx.attempt))),
                Vec::new(),
                ch,
                format!("The broker has aborted {name}: it outlived transaction.timeout.ms."),
            );
            if flink {
                self.log_error(
                    Some(inst),
                    ctx.batch,
                    Some(ctx.attempt),
                    "sink_commit",
                    "PRODUCER_FENCED",
                    None,
                    format!(
                        "notifyCheckpointComplete({}) tries to commit {name}: PRODUCER_FENCED. Flink logs it and goes on; checkpoint {} already covers these records, so they are lost.",
                        ctx.batch, ctx.batch
                    ),
                );
                return StepRes::Ok;
            }
            self.log_error(
                Some(inst),
                ctx.batch,
                Some(ctx.attempt),
                "sink_commit",
                "PRODUCER_FENCED",
                None,
                format!("commitTransaction of {name} fails with PRODUCER_FENCED; the consumer crashes and replays from its committed offsets."),
            );
            return StepRes::Died(1);
        }
        let mut ch = Vec::new();
        self.commit_txn(ti, &mut ch);
        let name = self.txns[ti].name.clone();
        let text = if consumer_txn {
            self.group_committed = Some(ctx.end);
            ch.push(Change::Committed { position: ctx.end });
            format!(
                "commitTransaction: {name} commits the records and the consumer offsets ({}) atomically (sendOffsetsToTransaction).",
                ctx.end
            )
        } else if flink {
            format!(
                "notifyCheckpointComplete({}): the sink commits {name}; read_committed readers now see its records.",
                ctx.batch
            )
        } else {
            format!("commitTransaction: {name} is committed; read_committed readers now see its records.")
        };
        self.step_event(inst, ctx, step, Vec::new(), ch, text);
        StepRes::Ok
    }

    // ----- checkpoint / source_commit -----------------------------------------------------

    fn checkpoint(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> StepRes {
        let step = Step::Checkpoint;
        if inst.zombie {
            return self.zombie_rejected(inst, ctx, step, format!("checkpoint {}", ctx.batch));
        }
        match self.sc.engine {
            Engine::Flink => {
                self.flink.insert(
                    ctx.batch,
                    FlinkCkpt {
                        position: ctx.end,
                        txn: ctx.txn,
                    },
                );
                let ch = vec![
                    Change::Checkpoint {
                        epoch: ctx.batch,
                        position: ctx.end,
                    },
                    Change::Committed { position: ctx.end },
                ];
                let txt = match ctx.txn {
                    Some(t) => format!(
                        " with {} pre-committed (flushed, not yet visible to read_committed)",
                        self.txns[t].name
                    ),
                    None => String::new(),
                };
                let text = txt!(
                    self,
                    "Barrier {}: checkpoint {} completes at position {}{txt}.",
                    ctx.batch,
                    ctx.batch,
                    ctx.end
                );
                self.step_event(inst, ctx, step, Vec::new(), ch, text);
            }
            _ => {
                // Beam: commit the bundle.
                let mut ch = Vec::new();
                if self.is_queue() {
                    let by_id = self.sc.engine.dedup_by() == DedupBy::IdAttribute;
                    for &p in &ctx.read {
                        let key = if by_id { self.rec(p) as u64 } else { p };
                        self.beam_ids.insert(key);
                    }
                } else {
                    self.beam_pos = Some(ctx.end);
                    ch.push(Change::Committed { position: ctx.end });
                }
                if let Some(o) = ctx.state_offset {
                    self.beam_bq_next = o;
                }
                self.beam_bundles.insert(ctx.batch);
                ch.insert(
                    0,
                    Change::Checkpoint {
                        epoch: ctx.batch,
                        position: ctx.end,
                    },
                );
                let text = if self.is_queue() {
                    format!(
                        "The runner commits bundle {}: the ids of {} are remembered, so redeliveries will be dropped.",
                        ctx.batch,
                        self.describe(&ctx.read)
                    )
                } else {
                    format!(
                        "The runner commits bundle {}: position {} is durable.",
                        ctx.batch, ctx.end
                    )
                };
                self.step_event(inst, ctx, step, Vec::new(), ch, text);
            }
        }
        StepRes::Ok
    }

    fn source_commit(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> StepRes {
        let step = Step::SourceCommit;
        if self.is_queue() {
            let eod = self.sc.source.exactly_once_delivery();
            let t = self.t;
            let mut ok = Vec::new();
            let mut late = Vec::new();
            for &p in &ctx.read {
                let i = p as usize;
                if self.acked[i] {
                    continue;
                }
                match self.lease[i] {
                    Some(until) if t < until => {
                        self.acked[i] = true;
                        ok.push(p);
                    }
                    _ => late.push(p),
                }
            }
            let mut ch = Vec::new();
            if self.trace_on && !ok.is_empty() {
                ch.push(Change::Acked {
                    positions: ok.clone(),
                });
            }
            let mut text = if ok.is_empty() {
                String::new()
            } else {
                if eod {
                    format!(
                        "The subscriber acks {} in time: with exactly-once delivery they are never delivered again.",
                        self.describe(&ok)
                    )
                } else {
                    // Pub/Sub without exactly-once delivery: even a timely ack can occasionally
                    // be followed by a redelivery; the simulator never redelivers (§10 (26)).
                    format!(
                        "The subscriber acks {} in time: the simulator never redelivers them after that (real Pub/Sub rarely may).",
                        self.describe(&ok)
                    )
                }
            };
            if !late.is_empty() {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&if eod {
                    format!(
                        "The ack of {} comes after the lease expired (tick {t}), so it has no effect and they will be delivered again.",
                        self.describe(&late)
                    )
                } else {
                    // Pubsub acknowledge reference: a late ack "may succeed"; the simulator
                    // takes the redelivery branch (§2.2, §10 (26)).
                    format!(
                        "The ack of {} comes after the lease expired (tick {t}); such an ack may or may not stick, and the simulator takes the redelivery branch: they will be delivered again.",
                        self.describe(&late)
                    )
                });
            }
            let recs = self.rec_names(&ctx.read);
            self.step_event(inst, ctx, step, recs, ch, text);
            if eod {
                for p in late {
                    let rec = self.rec(p);
                    self.log_error(
                        Some(inst),
                        ctx.batch,
                        Some(ctx.attempt),
                        "source_commit",
                        "INVALID_ACK_ID",
                        Some(rec),
                        format!(
                            "With exactly-once delivery the late ack of m{p} ({}) fails with INVALID_ACK_ID: only the latest ack id is valid.",
                            record_id(rec)
                        ),
                    );
                }
            }
            return StepRes::Ok;
        }
        // Log consumer.
        if inst.zombie {
            self.log_error(
                Some(inst),
                ctx.batch,
                Some(ctx.attempt),
                "source_commit",
                "COMMIT_FAILED",
                None,
                "The zombie's offset commit fails with COMMIT_FAILED: the group has rebalanced to the new consumer. The zombie stops.".into(),
            );
            return StepRes::Stop;
        }
        let mode = self.sc.engine.commit_mode();
        if mode == CommitMode::Auto {
            let every = self.sc.engine.auto_commit_every() as u64;
            if !inst.batches_run.is_multiple_of(every) {
                let text =
                    txt!(self,
                    "No auto-commit this time (it happens every {every} polls; this is poll {}).",
                    inst.batches_run
                );
                self.skip_event(inst, ctx, step, text);
                return StepRes::Ok;
            }
        }
        self.group_committed = Some(inst.pos);
        let ch = vec![Change::Committed { position: inst.pos }];
        let text = match mode {
            CommitMode::Before => format!(
                "The consumer commits offset {} BEFORE writing {}: from now on a crash skips them.",
                inst.pos,
                self.describe(&ctx.read)
            ),
            CommitMode::Auto => format!("Auto-commit stores offset {}.", inst.pos),
            _ => format!(
                "The consumer commits offset {} after the write: batch {} is done.",
                inst.pos, ctx.batch
            ),
        };
        self.step_event(inst, ctx, step, Vec::new(), ch, text);
        StepRes::Ok
    }

    // ----- outcome ------------------------------------------------------------------------

    fn reader_names(&self) -> (Vec<&'static str>, &'static str) {
        match self.cfg {
            SinkCfg::File => (vec!["metadata_log", "raw_listing"], "metadata_log"),
            SinkCfg::Delta(_) => (vec!["delta_log", "raw_listing"], "delta_log"),
            SinkCfg::Kafka { isolation, .. } => (
                vec!["read_committed", "read_uncommitted"],
                if isolation == Isolation::ReadCommitted {
                    "read_committed"
                } else {
                    "read_uncommitted"
                },
            ),
            SinkCfg::Console => (vec!["console_output"], "console_output"),
            SinkCfg::Memory => (vec!["memory_table"], "memory_table"),
            _ => (vec!["table"], "table"),
        }
    }

    fn outcome(&self) -> Outcome {
        let cls = classify(self.sc);
        let mut strict = vec![0u64; self.n];
        let mut raw = vec![0u64; self.n];
        for r in &self.rows {
            if r.strict {
                strict[r.record] += 1;
            }
            if r.raw {
                raw[r.record] += 1;
            }
        }
        let (names, primary) = self.reader_names();
        let mut readers = VecMap::new();
        for name in &names {
            let counts = match *name {
                "raw_listing" | "read_uncommitted" => &raw,
                _ => &strict,
            };
            readers.insert(name.to_string(), ReaderView::from_counts(counts));
        }
        let pv = readers.get(primary).cloned().unwrap_or_default();
        let missing_set: VecSet<usize> = pv.missing.0.iter().copied().collect();
        // before_start: entries below the first start's position never read.
        let mut before = VecSet::new();
        if let Some(fs) = self.first_start {
            for p in 0..(fs as usize).min(self.entries.len()) {
                if !self.read_flag[p] {
                    let r = self.entries[p].record;
                    if missing_set.contains(&r) {
                        before.insert(r);
                    }
                }
            }
        }
        // dropped_late: missing ids whose every copy was dropped as late.
        let mut all_late = vec![true; self.n];
        let mut any = vec![false; self.n];
        for (p, e) in self.entries.iter().enumerate() {
            any[e.record] = true;
            if !self.late_flag[p] {
                all_late[e.record] = false;
            }
        }
        let dropped_late: Vec<usize> = missing_set
            .iter()
            .copied()
            .filter(|r| any[*r] && all_late[*r])
            .collect();
        let errors: VecSet<String> = self.error_log.iter().map(|e| e.error.clone()).collect();
        let mut assumptions = Vec::new();
        let fired_kind = |k: &str| {
            self.sc
                .faults
                .iter()
                .enumerate()
                .any(|(i, f)| self.fired[i] && f.kind_name() == k)
        };
        if fired_kind("delete_checkpoint") {
            assumptions.push("checkpoint_deleted".to_string());
        }
        if fired_kind("republish") {
            assumptions.push("publisher_republished".to_string());
        }
        if self.timeout_broken {
            assumptions.push("transaction_timeout_exceeded".to_string());
        }
        let unfired: Vec<usize> = (0..self.sc.faults.len())
            .filter(|i| !self.fired[*i])
            .collect();
        Outcome {
            version: 1,
            guarantee: cls.guarantee,
            guarantee_reason: cls.reason,
            primary_reader: primary.to_string(),
            visible: pv.visible.clone(),
            missing: pv.missing.clone(),
            duplicated: pv.duplicated.clone(),
            readers,
            before_start: Ids(before.into_iter().collect()),
            dropped_late: Ids(dropped_late),
            errors: errors.into_iter().collect(),
            error_log: self.error_log.clone(),
            assumptions_broken: assumptions,
            unfired_faults: unfired,
            restarts: self.restarts,
            final_state: self.final_state(),
        }
    }

    fn partition_offsets(&self, p: u64) -> Vec<u64> {
        (0..self.parts)
            .map(|k| {
                if p > k {
                    (p - k).div_ceil(self.parts)
                } else {
                    0
                }
            })
            .collect()
    }

    fn final_state(&self) -> FinalState {
        let committed = match self.sc.engine {
            _ if self.is_queue() || self.is_socket() => None,
            Engine::Consumer { .. } => self.group_committed,
            Engine::MicroBatch => self
                .spark
                .commits
                .iter()
                .next_back()
                .and_then(|b| self.spark.offsets.get(b))
                .map(|o| o.1),
            Engine::Flink => self.flink.values().next_back().map(|c| c.position),
            Engine::Beam { .. } => self.beam_pos,
        };
        let micro = matches!(self.sc.engine, Engine::MicroBatch);
        let sink = match self.cfg {
            SinkCfg::Delta(_) => SinkState::Delta {
                txn: self.delta_txn.clone(),
            },
            SinkCfg::File => SinkState::File {
                metadata_log: self.metadata_log.iter().copied().collect(),
            },
            SinkCfg::ForeachBatch { .. } => SinkState::ForeachBatch {
                control_table: self.control_table.iter().copied().collect(),
            },
            SinkCfg::Kafka { .. } => SinkState::Kafka {
                committed_transactions: self.committed_txns,
                aborted_transactions: self.aborted_txns,
            },
            SinkCfg::Bigquery { .. } => {
                let mut order: Vec<usize> = Vec::new();
                if let Some(d) = self.default_stream {
                    order.push(d);
                }
                order.extend((0..self.streams.len()).filter(|i| Some(*i) != self.default_stream));
                SinkState::Bigquery {
                    streams: order
                        .into_iter()
                        .map(|i| {
                            let s = &self.streams[i];
                            StreamState {
                                name: s.name.clone(),
                                stream_type: match s.stype {
                                    StreamType::Default => "default",
                                    StreamType::Committed => "committed",
                                    StreamType::Pending => "pending",
                                    StreamType::Buffered => "buffered",
                                }
                                .into(),
                                state: match s.state {
                                    StreamSt::Active => "active",
                                    StreamSt::Finalized => "finalized",
                                    StreamSt::Committed => "committed",
                                }
                                .into(),
                                end: s.rows.len() as u64,
                                flushed: (s.stype == StreamType::Buffered).then_some(s.flushed),
                            }
                        })
                        .collect(),
                }
            }
            _ => SinkState::Empty {},
        };
        FinalState {
            committed_offsets: committed.map(|p| self.partition_offsets(p)),
            acked: self
                .is_queue()
                .then(|| self.acked.iter().filter(|a| **a).count() as u64),
            offset_log: micro.then(|| self.spark.offsets.keys().copied().collect()),
            commit_log: micro.then(|| self.spark.commits.iter().copied().collect()),
            checkpoints: match self.sc.engine {
                Engine::Flink => Some(self.flink.keys().copied().collect()),
                Engine::Beam { .. } => Some(self.beam_bundles.iter().copied().collect()),
                _ => None,
            },
            sink,
        }
    }
}

/// A crash_mid_write (fault index, k, downtime) and lost_acks by request.
type MidAndLost = (Option<(usize, u64, u64)>, VecMap<u64, usize>);

enum RowRes {
    Ok,
    Stop,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_ids_shortens_long_lists() {
        assert_eq!(list_ids(&[2, 3]), "r2, r3");
        assert_eq!(
            list_ids(&(0..10).collect::<Vec<_>>()),
            "r0, r1, r2, … r9 (10 records)"
        );
    }
}
