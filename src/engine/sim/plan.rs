//! Choosing what runs next: a re-run, a new batch, idling, drained (semantics §1, §2).

use super::process::{Ctx, Inst, StepRes};
use super::Sim;
use crate::engine::scenario::{Engine, Source, Step};

/// Hard limit on batch attempts, far above anything a valid scenario needs; a guard
/// against a rule bug turning into an endless loop (TigerBeetle-style named limit).
const MAX_ATTEMPTS_PER_ENTRY: u64 = 8;

/// Batch numbers and attempts.
pub(super) struct Batches {
    /// Entries per batch at most (`workload.batch_size`).
    pub(super) size: u64,
    /// Starts per batch number (dense: batch numbers count up from 0).
    attempts: Vec<u32>,
    /// consumer/beam: the batch number of the batch that starts at each position.
    number_at_position: Vec<Option<u64>>,
    /// consumer/beam: the number the next new batch gets.
    next_number: u64,
    /// Batch attempts left before the safety limit stops the run.
    pub(super) attempts_left: u64,
}

impl Batches {
    /// Batches of at most `size` entries over a source of `positions` entries.
    pub(super) fn new(size: u64, positions: usize) -> Self {
        Batches {
            size,
            attempts: Vec::new(),
            number_at_position: vec![None; positions],
            next_number: 0,
            attempts_left: (positions as u64 + 4) * MAX_ATTEMPTS_PER_ENTRY + 64,
        }
    }

    /// consumer/beam: the number of the batch that starts at `first` (the same batch
    /// again when it is re-read, else a new number).
    fn number_for_first_position(&mut self, first: u64) -> u64 {
        if let Some(b) = self.number_at_position[first as usize] {
            return b;
        }
        let b = self.next_number;
        self.next_number += 1;
        self.number_at_position[first as usize] = Some(b);
        b
    }

    /// A new attempt of `batch`: its attempt number (1 for the first).
    fn new_attempt(&mut self, batch: u64) -> u32 {
        let i = batch as usize;
        if self.attempts.len() <= i {
            self.attempts.resize(i + 1, 0);
        }
        self.attempts[i] += 1;
        self.attempts[i]
    }
}

/// What a process does next.
pub(super) enum Next {
    Batch(Box<Ctx>),
    /// Nothing to read until this tick.
    Idle(u64),
    Drained,
    /// The query fails instead of planning batch `n` (a Spark socket query restarted on
    /// its checkpoint, semantics §2.3): the run ends as a drain does (§1.4).
    Failed(u64),
}

impl Sim<'_> {
    pub(super) fn next_batch(&mut self, inst: &mut Inst) -> Next {
        match self.scenario.engine {
            Engine::MicroBatch => self.next_micro_batch(inst),
            Engine::Flink => {
                let start = if self.is_socket() {
                    inst.position.max(self.source.socket_frontier)
                } else {
                    inst.position
                };
                let range = match self.range_from(start) {
                    Ok(r) => Some(r),
                    // The restored epoch had begun before the failure: it runs all its
                    // steps with no entries (its checkpoint completes, its faults fire).
                    Err(Next::Drained) if inst.restored_epoch.is_some() => Some((start, start)),
                    Err(next) => return next,
                };
                match range {
                    Some((s, e)) => {
                        inst.restored_epoch = None;
                        let batch = inst.next_epoch;
                        inst.next_epoch += 1;
                        let flink = &mut self.progress.flink;
                        flink.highest_begun =
                            Some(flink.highest_begun.map_or(batch, |b| b.max(batch)));
                        self.range_batch(batch, s, e)
                    }
                    None => Next::Drained,
                }
            }
            Engine::Consumer { .. } | Engine::Beam { .. } => match self.scenario.source {
                Source::Queue { .. } => self.next_queue_batch(),
                Source::Log { .. } | Source::Socket => match self.range_from(inst.position) {
                    Ok((s, e)) => {
                        let batch = self.batches.number_for_first_position(s);
                        self.range_batch(batch, s, e)
                    }
                    Err(next) => next,
                },
            },
        }
    }

    /// A new attempt of `batch` reading positions `s..e`.
    fn range_batch(&mut self, batch: u64, s: u64, e: u64) -> Next {
        let attempt = self.batches.new_attempt(batch);
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
            Ok((start, (start + self.batches.size).min(avail)))
        } else if avail >= self.source.len() {
            Err(Next::Drained)
        } else {
            Err(Next::Idle(self.next_arrival().unwrap_or(self.now)))
        }
    }

    /// queue: the next pull, the unacked arrived messages without a live lease.
    fn next_queue_batch(&mut self) -> Next {
        let avail = self.available() as usize;
        let now = self.now;
        let size = self.batches.size;
        let source = &mut self.source;
        let mut picked = Vec::new();
        let mut min_lease: Option<u64> = None;
        while source.first_unacked < source.acked.len() && source.acked[source.first_unacked] {
            source.first_unacked += 1;
        }
        for i in source.first_unacked..avail {
            if picked.len() as u64 >= size {
                break;
            }
            if source.acked[i] {
                continue;
            }
            match source.lease_until[i] {
                Some(until) if until > now => {
                    min_lease = Some(min_lease.map_or(until, |m: u64| m.min(until)));
                }
                _ => {
                    if (picked.len() as u64) < size {
                        picked.push(i as u64);
                    }
                }
            }
        }
        if !picked.is_empty() {
            let batch = self.batches.number_for_first_position(picked[0]);
            let attempt = self.batches.new_attempt(batch);
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
            Some(t) => Next::Idle(t.max(self.now)),
            None => Next::Drained,
        }
    }

    /// micro_batch: re-run the logged, uncommitted batch, else plan the next one.
    fn next_micro_batch(&mut self, inst: &Inst) -> Next {
        let spark = &self.progress.spark;
        let last = spark.offset_log.iter().next_back().map(|(k, v)| (*k, *v));
        let uncommitted = last.filter(|(l, _)| !spark.commit_log.contains(l));
        let start_position = spark.start_position;
        if let Some((l, logged)) = uncommitted {
            let attempt = self.batches.new_attempt(l);
            return Next::Batch(Box::new(Ctx {
                batch: l,
                attempt,
                rerun: true,
                planned: (logged.start..logged.end).collect(),
                range: (logged.start, logged.end),
                watermark: logged.watermark,
                end: logged.end,
                ..Ctx::default()
            }));
        }
        let (batch, start) = match last {
            Some((l, logged)) => (l + 1, logged.end),
            None => (0, start_position),
        };
        if inst.socket_query_fails {
            return Next::Failed(batch);
        }
        match self.range_from(start) {
            Ok((s, e)) => {
                let attempt = self.batches.new_attempt(batch);
                let watermark = match (&self.scenario.dedup, self.progress.spark.max_event_time) {
                    (Some(d), Some(mx)) => d.watermark_delay.map(|delay| mx as i64 - delay as i64),
                    _ => None,
                };
                Next::Batch(Box::new(Ctx {
                    batch,
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

    /// micro_batch: Spark plans the batch (nothing durable yet).
    pub(super) fn plan(&mut self, inst: &Inst, ctx: &Ctx) -> StepRes {
        let text = if ctx.rerun {
            txt!(
                self,
                "Batch {} is re-run with the range logged in offsets/{} ({}).",
                ctx.batch,
                ctx.batch,
                self.describe(&ctx.planned)
            )
        } else {
            txt!(
                self,
                "Spark plans batch {}: positions {}..{} ({}). Nothing is durable yet.",
                ctx.batch,
                ctx.range.0,
                ctx.range.1,
                self.describe(&ctx.planned)
            )
        };
        let recs = self.rec_names(&ctx.planned);
        self.step_event(inst, ctx, Step::Plan, recs, Vec::new(), text);
        StepRes::Ok
    }
}
