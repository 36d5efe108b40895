//! The sink table: every row any process wrote, with what each reader sees of it, and
//! the sink-side markers (`_spark_metadata`, Delta `txn`, the control table); the
//! sink_write and sink_commit steps (semantics §5, §6). Kafka's producer and BigQuery's
//! write streams are in `kafka.rs` and `bigquery.rs`.

use super::narration::list_ids;
use super::outcome::reads_raw;
use super::process::{Ctx, Inst, StepRes};
use super::Sim;
use crate::engine::scenario::{
    record_id, Fault, FbOrder, FbTransaction, SinkCfg, Step, TxnAppId, UpsertKey,
};
use crate::engine::trace::{Change, Event, EventKind, RowStatus};
use crate::engine::vecmap::{VecMap, VecSet};

/// One row written to the sink. Invariant: a row the strict reader sees, the raw reader
/// sees too (`strict` implies `raw`).
#[derive(Clone, Debug)]
pub(super) struct Row {
    pub(super) record: usize,
    /// Visible to the strict reader (table, metadata_log, delta_log, read_committed …).
    pub(super) strict: bool,
    /// Present for the raw reader (raw_listing, read_uncommitted).
    pub(super) raw: bool,
}

impl Row {
    fn check(&self) {
        debug_assert!(
            !self.strict || self.raw,
            "a row of r{} is visible to the strict reader but not to the raw one",
            self.record
        );
    }
}

/// An upsert key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum RowKey {
    Record(usize),
    Position(u64),
    Uuid(u64),
}

/// The sink's durable state.
#[derive(Default)]
pub(super) struct SinkTable {
    /// Every row written, in write order; a row's index is stable for the whole run.
    pub(super) rows: Vec<Row>,
    /// upsert: key → its row.
    pub(super) upsert_keys: VecMap<RowKey, usize>,
    /// upsert by `uuid_per_attempt`: the last uuid issued.
    pub(super) last_uuid: u64,
    /// file: `_spark_metadata/N` entries.
    pub(super) metadata_log: VecSet<u64>,
    /// delta: the `txn` actions, appId → version.
    pub(super) delta_txn: VecMap<String, u64>,
    /// foreach_batch: batch ids in the control table.
    pub(super) control_table: VecSet<u64>,
}

/// How one row's write ended.
pub(super) enum RowRes {
    Ok,
    /// A fenced zombie stopped.
    Stop,
}

/// A crash_mid_write (fault index, k, downtime) and lost_acks by request.
type MidAndLost = (Option<(usize, u64, u64)>, VecMap<u64, usize>);

impl Sim<'_> {
    /// The primary reader reads only committed rows (every primary reader but
    /// read_uncommitted).
    pub(super) fn primary_strict(&self) -> bool {
        !reads_raw(self.reader_names().1)
    }

    /// Row `r` as the primary reader sees it now.
    fn row_status(&self, r: usize) -> RowStatus {
        let row = &self.table.rows[r];
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

    /// A new row for the record at `pos`; its index.
    pub(super) fn add_row(&mut self, pos: u64, strict: bool, raw: bool) -> usize {
        let record = self.rec(pos);
        let row = Row {
            record,
            strict,
            raw,
        };
        row.check();
        self.table.rows.push(row);
        self.table.rows.len() - 1
    }

    pub(super) fn row_change(
        &self,
        r: usize,
        pos: u64,
        inst: &Inst,
        ctx: &Ctx,
        place: String,
    ) -> Change {
        Change::Row {
            row: r as u64,
            record: record_id(self.table.rows[r].record),
            position: pos,
            batch: Some(ctx.batch),
            attempt: Some(ctx.attempt),
            instance: inst.number,
            status: self.row_status(r),
            place,
        }
    }

    /// `rows` are committed: every reader sees them now (a committed foreach_batch row,
    /// written in an open database transaction, becomes visible to the raw reader too).
    /// The status change to trace.
    pub(super) fn commit_rows(&mut self, rows: &[usize]) -> Option<Change> {
        for &r in rows {
            let row = &mut self.table.rows[r];
            row.strict = true;
            row.raw = true;
            row.check();
        }
        self.status_change(rows)
    }

    pub(super) fn status_change(&self, rows: &[usize]) -> Option<Change> {
        if !self.narration.on || rows.is_empty() {
            return None;
        }
        Some(Change::RowStatus {
            rows: rows.iter().map(|r| *r as u64).collect(),
            status: self.row_status(rows[0]),
        })
    }

    /// A process died in the middle of `ctx`: what the death does to open sink work.
    pub(super) fn on_death(&mut self, inst: &Inst, ctx: &Ctx) {
        // foreachBatch: an open database transaction rolls back.
        if !ctx.open_db_txn.is_empty() {
            let rows = ctx.open_db_txn.clone();
            for &r in &rows {
                self.table.rows[r].strict = false;
                self.table.rows[r].raw = false;
            }
            let mut changes = Vec::new();
            if self.narration.on {
                changes.push(Change::RowStatus {
                    rows: rows.iter().map(|r| *r as u64).collect(),
                    status: RowStatus::Aborted,
                });
            }
            let recs: Vec<usize> = rows.iter().map(|r| self.table.rows[*r].record).collect();
            self.emit(
                Some(inst),
                EventKind::Abort,
                None,
                Some((ctx.batch, Some(ctx.attempt))),
                Vec::new(),
                changes,
                txt!(
                    self,
                    "The database rolls back the open transaction: {} never become visible.",
                    list_ids(&recs)
                ),
            );
        }
        // Files / Delta data files of this attempt stay uncommitted.
        if let Some(what) = self.orphans().filter(|_| !ctx.written.is_empty()) {
            let uncommitted: Vec<usize> = ctx
                .written
                .iter()
                .copied()
                .filter(|r| !self.table.rows[*r].strict)
                .collect();
            if !uncommitted.is_empty() && self.narration.on {
                let recs: Vec<usize> = uncommitted
                    .iter()
                    .map(|r| self.table.rows[*r].record)
                    .collect();
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
                    txt!(self, "{} stay as {what}.", list_ids(&recs)),
                );
            }
        }
    }

    /// What a dead attempt's uncommitted rows stay as, for sinks that write them before
    /// committing them (a file or data file readers ignore until it is committed).
    fn orphans(&self) -> Option<&'static str> {
        match self.sink_cfg {
            SinkCfg::File => Some(
                "orphan files: not in _spark_metadata, so Spark readers ignore them, but a raw listing sees them",
            ),
            SinkCfg::Delta(_) => {
                Some("orphan data files: not in the Delta log, so Delta readers ignore them")
            }
            // Rows visible when written (append, upsert, console, memory), rolled back
            // with their database transaction (foreach_batch, above), or left in an open
            // Kafka transaction or an uncommitted BigQuery stream.
            SinkCfg::Append
            | SinkCfg::Upsert(_)
            | SinkCfg::ForeachBatch { .. }
            | SinkCfg::Kafka { .. }
            | SinkCfg::Bigquery { .. }
            | SinkCfg::Console
            | SinkCfg::Memory => None,
        }
    }

    /// A lost acknowledgement fails the batch (the client sees an error), rather than
    /// being retried by the sink's own protocol (kafka, bigquery).
    fn lost_ack_fails_batch(&self) -> bool {
        match self.sink_cfg {
            SinkCfg::Append | SinkCfg::Upsert(_) => true,
            SinkCfg::Kafka { .. } | SinkCfg::Bigquery { .. } => false,
            // No lost_ack applies to these sinks (semantics §7).
            SinkCfg::File
            | SinkCfg::Delta(_)
            | SinkCfg::ForeachBatch { .. }
            | SinkCfg::Console
            | SinkCfg::Memory => false,
        }
    }

    /// The sink_write step: skip a batch the sink already has, or write it.
    pub(super) fn sink_write(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> StepRes {
        // Idempotence checks that skip the whole batch.
        match self.sink_cfg {
            SinkCfg::File => {
                if let Some(&last) = self.table.metadata_log.iter().next_back() {
                    if ctx.batch <= last {
                        ctx.skip_sink = true;
                        let text = txt!(
                            self,
                            "The file sink sees batch {} ≤ the last _spark_metadata id {last}: it skips the batch.",
                            ctx.batch
                        );
                        self.skip_event(inst, ctx, Step::SinkWrite, text);
                        return StepRes::Ok;
                    }
                }
            }
            SinkCfg::Delta(app) if app != TxnAppId::None => {
                let id = self.delta_app_id(app);
                if let Some(&v) = self.table.delta_txn.get(&id) {
                    if v >= ctx.batch {
                        ctx.skip_sink = true;
                        let text = txt!(
                            self,
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
            } if self.table.control_table.contains(&ctx.batch) => {
                ctx.skip_sink = true;
                let text = txt!(
                    self,
                    "foreachBatch finds batchId {} in the control table: it writes nothing.",
                    ctx.batch
                );
                self.skip_event(inst, ctx, Step::SinkWrite, text);
                return StepRes::Ok;
            }
            SinkCfg::Delta(_)
            | SinkCfg::ForeachBatch { .. }
            | SinkCfg::Append
            | SinkCfg::Upsert(_)
            | SinkCfg::Kafka { .. }
            | SinkCfg::Bigquery { .. }
            | SinkCfg::Console
            | SinkCfg::Memory => {}
        }
        if let SinkCfg::ForeachBatch {
            control_table: true,
            transaction: FbTransaction::Separate,
            order: FbOrder::MarkerFirst,
        } = self.sink_cfg
        {
            self.table.control_table.insert(ctx.batch);
            let ch = vec![Change::Marker {
                name: "control_table".into(),
                value: ctx.batch,
            }];
            let text = txt!(
                self,
                "foreachBatch commits marker {} to the control table first, in its own transaction (the data is not written yet).",
                ctx.batch
            );
            self.step_event(inst, ctx, Step::SinkWrite, Vec::new(), ch, text);
            return StepRes::Ok;
        }
        self.data_write(inst, ctx, Step::SinkWrite)
    }

    /// delta: the txnAppId this query writes with (`app` is not `TxnAppId::None`).
    fn delta_app_id(&self, app: TxnAppId) -> String {
        match app {
            TxnAppId::Fixed => "app".into(),
            TxnAppId::QueryId | TxnAppId::None => {
                format!("q{}", self.progress.spark.query.unwrap_or(0))
            }
        }
    }

    /// The data-write faults placed at this attempt: a crash_mid_write and the lost_acks
    /// by request (a zombie's write gets none).
    fn write_faults(&self, inst: &Inst, ctx: &Ctx) -> MidAndLost {
        let (mut mid, mut lost): MidAndLost = (None, VecMap::new());
        if !inst.zombie {
            for i in self.faults_at(ctx.batch, ctx.attempt) {
                match self.scenario.faults[i] {
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
        (mid, lost)
    }

    /// The batch's data write: one request per row, with crash_mid_write and lost_ack.
    fn data_write(&mut self, inst: &mut Inst, ctx: &mut Ctx, step: Step) -> StepRes {
        let rows = ctx.rows.clone();
        if !inst.zombie {
            self.points
                .writes
                .push((ctx.batch, ctx.attempt, rows.len()));
        }
        let (mid, lost) = self.write_faults(inst, ctx);
        let mut changes = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let before = self.narration.events.len();
        let mut written_recs = Vec::new();
        for (i, &pos) in rows.iter().enumerate() {
            let lost_here = lost.get(&(i as u64)).copied();
            if let Some(li) = lost_here {
                self.faults.fire(li);
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
                if self.lost_ack_fails_batch() {
                    self.flush_step_event(inst, ctx, step, &written_recs, changes, notes, before);
                    self.emit_fault(
                        inst,
                        ctx,
                        li,
                        txt!(
                            self,
                            "The server applied request {i} ({}) but its acknowledgement is lost: the client sees an error and the batch fails, like a crash right after that row.",
                            record_id(self.rec(pos))
                        ),
                    );
                    return StepRes::Died(1);
                }
            }
            if let Some((mi, k, downtime)) = mid {
                if (i as u64) + 1 == k && rows.len() as u64 > k {
                    self.faults.fire(mi);
                    self.flush_step_event(inst, ctx, step, &written_recs, changes, notes, before);
                    self.emit_fault(
                        inst,
                        ctx,
                        mi,
                        txt!(
                            self,
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
        // End of the write: foreach_batch data transactions that are per step commit now.
        if let SinkCfg::ForeachBatch {
            control_table,
            transaction,
            order,
        } = self.sink_cfg
        {
            let commit_now = !control_table
                || transaction == FbTransaction::Separate
                    && (order == FbOrder::DataFirst || step == Step::SinkCommit);
            if commit_now {
                let open = std::mem::take(&mut ctx.open_db_txn);
                if let Some(c) = self.commit_rows(&open) {
                    changes.push(c);
                }
                notes.push(txt!(
                    self,
                    "The data transaction commits: the rows are visible."
                ));
            }
        }
        self.flush_step_event(inst, ctx, step, &written_recs, changes, notes, before);
        StepRes::Ok
    }

    /// The write step's event, inserted at `at`: before the per-row error events it caused.
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
        if !self.narration.on {
            return;
        }
        let what = self.write_verb();
        let mut text = if recs.is_empty() {
            let u = self.unit();
            let mut c = u.chars();
            let cap = c.next().map_or(String::new(), |f| {
                f.to_uppercase().collect::<String>() + c.as_str()
            });
            txt!(self, "{cap} {} has no rows to write.", ctx.batch)
        } else {
            txt!(self, "{what} {}.", list_ids(recs))
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
            tick: self.now,
            instance: inst.number,
            zombie: inst.zombie,
            query: self.narration.query.map(|q| format!("q{q}")),
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
        self.narration.events.insert(at, ev);
    }

    /// Narration of a write that adds second copies: the new rows visible to the primary
    /// reader whose record already has a visible row, named with where that copy came from
    /// ("r2, r3 are already in the table (batch 1, attempt 1): this INSERT adds them again.").
    fn second_copies(&self, changes: &[Change]) -> Option<String> {
        debug_assert!(self.narration.on, "narration built with the trace off");
        let rows = &self.table.rows;
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
            let rec = rows[r].record;
            if !rows[r].strict || again.iter().any(|a| a.0 == rec) {
                continue;
            }
            let Some(old) = (0..first).find(|e| rows[*e].record == rec && rows[*e].strict) else {
                continue;
            };
            let origin = self.narration.events.iter().rev().find_map(|ev| {
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
        let (place, act) = match self.sink_cfg {
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
            SinkCfg::Append | SinkCfg::File | SinkCfg::Delta(_) => (
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

    /// The start of the write sentence: what the sink does with the rows.
    fn write_verb(&self) -> String {
        debug_assert!(self.narration.on, "narration built with the trace off");
        match self.sink_cfg {
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

    /// Where a new row of `ctx` lives: a file, a transaction, a stream, a table.
    pub(super) fn place(&self, ctx: &Ctx) -> String {
        debug_assert!(self.narration.on, "narration built with the trace off");
        match self.sink_cfg {
            SinkCfg::File => format!("part-{}-a{}", ctx.batch, ctx.attempt),
            SinkCfg::Delta(_) => format!("data-{}-a{}", ctx.batch, ctx.attempt),
            SinkCfg::Kafka { .. } => ctx
                .txn
                .map_or("topic".into(), |t| self.kafka.txns[t].name.clone()),
            SinkCfg::Bigquery { .. } => ctx
                .stream
                .map_or("stream".into(), |s| self.bigquery.streams[s].name.clone()),
            SinkCfg::Console => "console".into(),
            SinkCfg::Memory => format!("memory q{}", self.progress.spark.query.unwrap_or(0)),
            SinkCfg::Append | SinkCfg::Upsert(_) | SinkCfg::ForeachBatch { .. } => "table".into(),
        }
    }

    /// One row's write request.
    fn write_row(
        &mut self,
        inst: &mut Inst,
        ctx: &mut Ctx,
        pos: u64,
        lost_ack: bool,
        changes: &mut Vec<Change>,
        notes: &mut Vec<String>,
    ) -> RowRes {
        match self.sink_cfg {
            SinkCfg::Append | SinkCfg::Console | SinkCfg::Memory => {
                let r = self.add_row(pos, true, true);
                ctx.written.push(r);
                if self.narration.on {
                    changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                }
            }
            SinkCfg::Upsert(k) => {
                let key = match k {
                    UpsertKey::RecordId => RowKey::Record(self.rec(pos)),
                    UpsertKey::SourcePosition => RowKey::Position(pos),
                    UpsertKey::UuidPerAttempt => {
                        self.table.last_uuid += 1;
                        RowKey::Uuid(self.table.last_uuid)
                    }
                };
                if self.table.upsert_keys.contains_key(&key) {
                    if self.narration.on {
                        notes.push(txt!(
                            self,
                            "{} matches an existing key, so it replaces that row instead of adding one.",
                            record_id(self.rec(pos))
                        ));
                    }
                } else {
                    let r = self.add_row(pos, true, true);
                    self.table.upsert_keys.insert(key, r);
                    ctx.written.push(r);
                    if self.narration.on {
                        changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                    }
                }
            }
            SinkCfg::File | SinkCfg::Delta(_) => {
                let r = self.add_row(pos, false, true);
                ctx.written.push(r);
                if self.narration.on {
                    changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                }
            }
            SinkCfg::ForeachBatch { .. } => {
                let r = self.add_row(pos, false, false);
                ctx.written.push(r);
                ctx.open_db_txn.push(r);
                if self.narration.on {
                    changes.push(self.row_change(r, pos, inst, ctx, "table".into()));
                }
            }
            SinkCfg::Kafka { .. } => {
                return self.kafka_send(inst, ctx, pos, lost_ack, changes, notes);
            }
            SinkCfg::Bigquery { .. } => {
                self.bq_append(inst, ctx, pos, lost_ack, changes, notes);
            }
        }
        RowRes::Ok
    }

    /// The sink_commit step.
    pub(super) fn sink_commit(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> StepRes {
        match self.sink_cfg {
            SinkCfg::File => self.file_commit(inst, ctx),
            SinkCfg::Delta(app) => self.delta_commit(inst, ctx, app),
            SinkCfg::ForeachBatch {
                transaction, order, ..
            } => self.foreach_commit(inst, ctx, transaction, order),
            SinkCfg::Kafka { .. } => self.kafka_commit(inst, ctx),
            SinkCfg::Bigquery { .. } => self.bq_commit(inst, ctx),
            // No sink_commit step (scenario-format.md §6).
            SinkCfg::Append | SinkCfg::Upsert(_) | SinkCfg::Console | SinkCfg::Memory => {
                StepRes::Ok
            }
        }
    }

    /// file: `_spark_metadata/N` lists the attempt's files.
    fn file_commit(&mut self, inst: &Inst, ctx: &Ctx) -> StepRes {
        let step = Step::SinkCommit;
        if ctx.skip_sink {
            let text = txt!(
                self,
                "Batch {} was already in _spark_metadata: nothing to commit.",
                ctx.batch
            );
            self.skip_event(inst, ctx, step, text);
            return StepRes::Ok;
        }
        self.table.metadata_log.insert(ctx.batch);
        let rows = ctx.written.clone();
        let mut ch = vec![Change::Marker {
            name: "_spark_metadata".into(),
            value: ctx.batch,
        }];
        ch.extend(self.commit_rows(&rows));
        let text = txt!(
            self,
            "The file sink writes _spark_metadata/{}, listing this attempt's files: Spark readers now see them.",
            ctx.batch
        );
        self.step_event(inst, ctx, step, Vec::new(), ch, text);
        StepRes::Ok
    }

    /// delta: one atomic log entry with the data files (and the txn version).
    fn delta_commit(&mut self, inst: &Inst, ctx: &Ctx, app: TxnAppId) -> StepRes {
        let step = Step::SinkCommit;
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
            txt!(
                self,
                "Delta commits the data files to the log (no txnAppId/txnVersion is recorded)."
            )
        } else {
            let id = self.delta_app_id(app);
            self.table.delta_txn.insert(id.clone(), ctx.batch);
            ch.push(Change::Marker {
                name: format!("txn {id}"),
                value: ctx.batch,
            });
            txt!(
                self,
                "Delta commits the data files and txn {{appId: {id}, version: {}}} in one atomic log entry.",
                ctx.batch
            )
        };
        ch.extend(self.commit_rows(&rows));
        self.step_event(inst, ctx, step, Vec::new(), ch, text);
        StepRes::Ok
    }

    /// foreach_batch: the marker and, in one transaction, the data.
    fn foreach_commit(
        &mut self,
        inst: &mut Inst,
        ctx: &mut Ctx,
        transaction: FbTransaction,
        order: FbOrder,
    ) -> StepRes {
        let step = Step::SinkCommit;
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
                self.table.control_table.insert(ctx.batch);
                let open = std::mem::take(&mut ctx.open_db_txn);
                let mut ch = vec![Change::Marker {
                    name: "control_table".into(),
                    value: ctx.batch,
                }];
                ch.extend(self.commit_rows(&open));
                let text = txt!(
                    self,
                    "COMMIT: the rows and marker {} become visible together, atomically.",
                    ctx.batch
                );
                self.step_event(inst, ctx, step, Vec::new(), ch, text);
            }
            (FbTransaction::Separate, FbOrder::DataFirst) => {
                self.table.control_table.insert(ctx.batch);
                let ch = vec![Change::Marker {
                    name: "control_table".into(),
                    value: ctx.batch,
                }];
                let text = txt!(
                    self,
                    "foreachBatch commits marker {} in a second transaction, after the data.",
                    ctx.batch
                );
                self.step_event(inst, ctx, step, Vec::new(), ch, text);
            }
            (FbTransaction::Separate, FbOrder::MarkerFirst) => {
                return self.data_write(inst, ctx, step);
            }
        }
        StepRes::Ok
    }
}
