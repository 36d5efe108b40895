//! Durable engine progress: what a new process resumes from (semantics §3) — consumer
//! group offsets, Spark's checkpoint (offset log, commit log, dedup state), Flink's
//! checkpoints, Beam's committed bundles — and the steps that write it.

use super::dedup::DedupState;
use super::process::{Ctx, Inst, StepRes};
use super::Sim;
use crate::engine::scenario::{CommitMode, DedupBy, Engine, Source, Step};
use crate::engine::trace::{Change, EventKind};
use crate::engine::vecmap::{VecMap, VecSet};

/// A batch in Spark's offset log: its range and watermark.
#[derive(Clone, Copy, Debug)]
pub(super) struct LoggedBatch {
    pub(super) start: u64,
    pub(super) end: u64,
    pub(super) watermark: Option<i64>,
}

/// Spark's checkpoint directory.
#[derive(Default, Clone, Debug)]
pub(super) struct SparkCkpt {
    /// The query id recorded in the checkpoint (none before the first start).
    pub(super) query: Option<u32>,
    /// The position the query started at (recorded durably at its first start).
    pub(super) start_position: u64,
    /// `offsets/N`: batch → its range and watermark.
    pub(super) offset_log: VecMap<u64, LoggedBatch>,
    /// `commits/N`.
    pub(super) commit_log: VecSet<u64>,
    /// The highest event time of a committed batch (the watermark is this minus the delay).
    pub(super) max_event_time: Option<u64>,
    /// The dedup state store (state version N after batch N).
    pub(super) dedup_state: DedupState,
}

/// A completed Flink checkpoint.
#[derive(Clone, Debug)]
pub(super) struct FlinkCkpt {
    /// The source position it restores.
    pub(super) position: u64,
    /// kafka transactions: the pre-committed transaction it holds.
    pub(super) txn: Option<usize>,
}

/// Flink's durable progress.
#[derive(Default)]
pub(super) struct FlinkProgress {
    /// Completed checkpoints by epoch.
    pub(super) checkpoints: VecMap<u64, FlinkCkpt>,
    /// The highest epoch any process began.
    pub(super) highest_begun: Option<u64>,
}

/// Beam's runner state.
#[derive(Default)]
pub(super) struct BeamProgress {
    /// log: the position after the last committed bundle.
    pub(super) position: Option<u64>,
    /// queue: the ids (message id or record id attribute) of committed messages.
    pub(super) seen_ids: VecSet<u64>,
    /// Committed bundles.
    pub(super) bundles: VecSet<u64>,
    /// bigquery `offsets: state`: the stream offset after the last committed bundle.
    pub(super) next_stream_offset: u64,
}

/// Durable engine progress of every engine (only the scenario's engine's part is used).
#[derive(Default)]
pub(super) struct Progress {
    /// consumer on a log: the group's committed position.
    pub(super) group_committed: Option<u64>,
    /// micro_batch: the checkpoint.
    pub(super) spark: SparkCkpt,
    /// micro_batch: query ids issued so far (q1, q2, …); a deleted checkpoint or a new
    /// memory-sink query gets the next one.
    pub(super) queries_started: u32,
    pub(super) flink: FlinkProgress,
    pub(super) beam: BeamProgress,
}

impl Sim<'_> {
    /// consumer on a log: the group commits `position`. Committed offsets never go
    /// backwards (only a deleted checkpoint resets them).
    pub(super) fn commit_group(&mut self, position: u64) {
        debug_assert!(
            self.progress
                .group_committed
                .is_none_or(|committed| position >= committed),
            "the group's committed offset goes back to {position}"
        );
        self.progress.group_committed = Some(position);
    }

    /// micro_batch: Spark writes `offsets/N` before reading (the write-ahead log).
    pub(super) fn offset_log(&mut self, inst: &Inst, ctx: &Ctx) -> StepRes {
        let step = Step::OffsetLog;
        if inst.zombie {
            return self.zombie_rejected(inst, ctx, step, txt!(self, "offsets/{}", ctx.batch));
        }
        if ctx.rerun {
            let text = txt!(
                self,
                "offsets/{} is already in the checkpoint; the re-run keeps its range and watermark.",
                ctx.batch
            );
            self.step_event(inst, ctx, step, Vec::new(), Vec::new(), text);
        } else {
            // The offset log is contiguous: batch N+1 starts where batch N ended.
            debug_assert!(
                self.progress
                    .spark
                    .offset_log
                    .iter()
                    .next_back()
                    .is_none_or(|(last, logged)| ctx.batch == last + 1
                        && ctx.range.0 == logged.end),
                "offsets/{} does not continue the offset log",
                ctx.batch
            );
            debug_assert!(ctx.range.0 <= ctx.range.1);
            self.progress.spark.offset_log.insert(
                ctx.batch,
                LoggedBatch {
                    start: ctx.range.0,
                    end: ctx.range.1,
                    watermark: ctx.watermark,
                },
            );
            let ch = vec![Change::OffsetLog {
                batch: ctx.batch,
                start: ctx.range.0,
                end: ctx.range.1,
                watermark: ctx.watermark,
            }];
            let text = txt!(
                self,
                "Spark writes offsets/{} (positions {}..{}{}) before reading: the write-ahead log.",
                ctx.batch,
                ctx.range.0,
                ctx.range.1,
                ctx.watermark
                    .map_or(String::new(), |w| format!(" and watermark {w}"))
            );
            self.step_event(inst, ctx, step, Vec::new(), ch, text);
        }
        StepRes::Ok
    }

    /// micro_batch: Spark writes `commits/N`; the batch never runs again.
    pub(super) fn commit_log(&mut self, inst: &Inst, ctx: &Ctx) -> StepRes {
        let step = Step::CommitLog;
        if inst.zombie {
            return self.zombie_rejected(inst, ctx, step, txt!(self, "commits/{}", ctx.batch));
        }
        // A batch commits after its offset log entry, and after every earlier batch.
        debug_assert!(
            self.progress.spark.offset_log.contains_key(&ctx.batch)
                && self
                    .progress
                    .spark
                    .commit_log
                    .iter()
                    .next_back()
                    .is_none_or(|last| ctx.batch > *last),
            "commits/{} out of order",
            ctx.batch
        );
        self.progress.spark.commit_log.insert(ctx.batch);
        if let Some(mx) = ctx
            .read
            .iter()
            .map(|p| self.source.entries[*p as usize].event_time)
            .max()
        {
            let spark = &mut self.progress.spark;
            spark.max_event_time = Some(spark.max_event_time.map_or(mx, |m| m.max(mx)));
        }
        self.dedup.undo.clear();
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

    /// flink: the checkpoint barrier completes a checkpoint; beam: the bundle commits.
    pub(super) fn checkpoint(&mut self, inst: &Inst, ctx: &Ctx) -> StepRes {
        if inst.zombie {
            let what = txt!(self, "checkpoint {}", ctx.batch);
            return self.zombie_rejected(inst, ctx, Step::Checkpoint, what);
        }
        match self.scenario.engine {
            Engine::Flink => self.complete_checkpoint(inst, ctx),
            Engine::Beam { .. } => self.commit_bundle(inst, ctx),
            // No checkpoint step (scenario-format.md §4.1).
            Engine::Consumer { .. } | Engine::MicroBatch => {}
        }
        StepRes::Ok
    }

    /// flink: checkpoint `ctx.batch` completes at `ctx.end` (with its pre-committed
    /// transaction).
    fn complete_checkpoint(&mut self, inst: &Inst, ctx: &Ctx) {
        let step = Step::Checkpoint;
        // Checkpoints complete in epoch order and never move the position back.
        debug_assert!(
            self.progress
                .flink
                .checkpoints
                .iter()
                .next_back()
                .is_none_or(|(epoch, ck)| ctx.batch > *epoch && ctx.end >= ck.position),
            "checkpoint {} goes back",
            ctx.batch
        );
        self.progress.flink.checkpoints.insert(
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
        let pre_committed = match ctx.txn {
            Some(t) => txt!(
                self,
                " with {} pre-committed (flushed, not yet visible to read_committed)",
                self.kafka.txns[t].name
            ),
            None => String::new(),
        };
        let text = txt!(
            self,
            "Barrier {}: checkpoint {} completes at position {}{pre_committed}.",
            ctx.batch,
            ctx.batch,
            ctx.end
        );
        self.step_event(inst, ctx, step, Vec::new(), ch, text);
    }

    /// beam: the runner commits bundle `ctx.batch`.
    fn commit_bundle(&mut self, inst: &Inst, ctx: &Ctx) {
        let step = Step::Checkpoint;
        let mut ch = Vec::new();
        if self.is_queue() {
            let by_id = self.scenario.engine.dedup_by() == DedupBy::IdAttribute;
            for &p in &ctx.read {
                let key = if by_id { self.rec(p) as u64 } else { p };
                self.progress.beam.seen_ids.insert(key);
            }
        } else {
            debug_assert!(
                self.progress.beam.position.is_none_or(|p| ctx.end >= p),
                "bundle {} moves the committed position back",
                ctx.batch
            );
            self.progress.beam.position = Some(ctx.end);
            ch.push(Change::Committed { position: ctx.end });
        }
        if let Some(o) = ctx.state_offset {
            self.progress.beam.next_stream_offset = o;
        }
        self.progress.beam.bundles.insert(ctx.batch);
        ch.insert(
            0,
            Change::Checkpoint {
                epoch: ctx.batch,
                position: ctx.end,
            },
        );
        let text = if self.is_queue() {
            txt!(
                self,
                "The runner commits bundle {}: the ids of {} are remembered, so redeliveries will be dropped.",
                ctx.batch,
                self.describe(&ctx.read)
            )
        } else {
            txt!(
                self,
                "The runner commits bundle {}: position {} is durable.",
                ctx.batch,
                ctx.end
            )
        };
        self.step_event(inst, ctx, step, Vec::new(), ch, text);
    }

    /// The source_commit step: a queue acks; a log consumer commits its position.
    pub(super) fn source_commit(&mut self, inst: &Inst, ctx: &Ctx) -> StepRes {
        match self.scenario.source {
            Source::Queue { .. } => return self.ack(inst, ctx),
            Source::Log { .. } | Source::Socket => {}
        }
        let step = Step::SourceCommit;
        if inst.zombie {
            self.step_error(
                inst,
                ctx,
                Step::SourceCommit,
                "COMMIT_FAILED",
                None,
                txt!(self, "The zombie's offset commit fails with COMMIT_FAILED: the group has rebalanced to the new consumer. The zombie stops."),
            );
            return StepRes::Stop;
        }
        let mode = self.scenario.engine.commit_mode();
        if mode == CommitMode::Auto {
            let every = self.scenario.engine.auto_commit_every() as u64;
            if !inst.batches_run.is_multiple_of(every) {
                let text = txt!(
                    self,
                    "No auto-commit this time (it happens every {every} polls; this is poll {}).",
                    inst.batches_run
                );
                self.skip_event(inst, ctx, step, text);
                return StepRes::Ok;
            }
        }
        self.commit_group(inst.position);
        let ch = vec![Change::Committed {
            position: inst.position,
        }];
        let text = match mode {
            CommitMode::Before => txt!(
                self,
                "The consumer commits offset {} BEFORE writing {}: from now on a crash skips them.",
                inst.position,
                self.describe(&ctx.read)
            ),
            CommitMode::Auto => txt!(self, "Auto-commit stores offset {}.", inst.position),
            CommitMode::After | CommitMode::Transaction => txt!(
                self,
                "The consumer commits offset {} after the write: batch {} is done.",
                inst.position,
                ctx.batch
            ),
        };
        self.step_event(inst, ctx, step, Vec::new(), ch, text);
        StepRes::Ok
    }

    /// consumer with auto-commit on a log: it commits once more when it closes.
    pub(super) fn commit_on_close(&mut self, inst: &Inst) {
        if matches!(self.scenario.engine, Engine::Consumer { .. })
            && self.scenario.engine.commit_mode() == CommitMode::Auto
            && !self.is_queue()
            && self.progress.group_committed != Some(inst.position)
        {
            self.commit_group(inst.position);
            let changes = vec![Change::Committed {
                position: inst.position,
            }];
            self.emit(
                Some(inst),
                EventKind::Step,
                Some(Step::SourceCommit),
                None,
                Vec::new(),
                changes,
                txt!(
                    self,
                    "The consumer closes and auto-commits its position {}.",
                    inst.position
                ),
            );
        }
    }

    /// The durable source position the engine resumes from (none for a queue or socket).
    pub(super) fn committed_position(&self) -> Option<u64> {
        match self.scenario.source {
            Source::Queue { .. } | Source::Socket => return None,
            Source::Log { .. } => {}
        }
        match self.scenario.engine {
            Engine::Consumer { .. } => self.progress.group_committed,
            Engine::MicroBatch => {
                let spark = &self.progress.spark;
                spark
                    .commit_log
                    .iter()
                    .next_back()
                    .and_then(|b| spark.offset_log.get(b))
                    .map(|o| o.end)
            }
            Engine::Flink => self
                .progress
                .flink
                .checkpoints
                .values()
                .next_back()
                .map(|c| c.position),
            Engine::Beam { .. } => self.progress.beam.position,
        }
    }
}
