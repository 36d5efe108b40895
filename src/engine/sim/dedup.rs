//! Deduplication inside the engine: Spark's dropDuplicates / dropDuplicatesWithinWatermark
//! with a watermark (semantics §4), and Beam's Pub/Sub id dedup (§2.2).
//!
//! Spark's dedup state is part of its checkpoint (`progress.rs`, `SparkCkpt::dedup_state`);
//! this component keeps the undo log that rolls the live batch's changes back when the
//! process dies, so that no per-batch copy of the state is needed.

use super::process::{Ctx, Inst};
use super::Sim;
use crate::engine::scenario::{DedupBy, DedupMode};
use crate::engine::vecmap::{VecMap, VecSet};

/// Spark's dedup state store.
#[derive(Default, Clone, Debug)]
pub(super) struct DedupState {
    /// drop_duplicates: the (record, event time) keys seen and not evicted.
    pub(super) seen: VecSet<(usize, u64)>,
    /// within_watermark: record → the event time at which its key expires.
    pub(super) expires: VecMap<usize, u64>,
}

/// One change to the dedup state, as the undo log records it.
#[derive(Clone, Debug)]
pub(super) enum Undo {
    InsertedKey((usize, u64)),
    RemovedKey((usize, u64)),
    SetExpires(usize, Option<u64>),
}

/// The undo log and what dedup dropped.
pub(super) struct Dedup {
    /// Changes to the durable dedup state since the last committed batch, oldest first.
    pub(super) undo: Vec<Undo>,
    /// Per position: dropped as late by the watermark (`dropped_late` in the outcome).
    pub(super) dropped_late: Vec<bool>,
}

impl Dedup {
    pub(super) fn new(positions: usize) -> Self {
        Dedup {
            undo: Vec::new(),
            dropped_late: vec![false; positions],
        }
    }

    /// Evict the state the watermark `w` passed (recorded in the undo log if `record_undo`).
    pub(super) fn evict(
        &mut self,
        state: &mut DedupState,
        mode: DedupMode,
        w: i64,
        record_undo: bool,
    ) {
        match mode {
            DedupMode::DropDuplicates => {
                let evict: Vec<(usize, u64)> = state
                    .seen
                    .iter()
                    .filter(|(_, et)| (*et as i64) <= w)
                    .copied()
                    .collect();
                for k in evict {
                    state.seen.remove(&k);
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
}

impl Sim<'_> {
    /// The dedup state rolls back to the last committed batch.
    pub(super) fn rollback_dedup(&mut self) {
        let state = &mut self.progress.spark.dedup_state;
        while let Some(u) = self.dedup.undo.pop() {
            match u {
                Undo::InsertedKey(k) => {
                    state.seen.remove(&k);
                }
                Undo::RemovedKey(k) => {
                    state.seen.insert(k);
                }
                Undo::SetExpires(r, prev) => match prev {
                    Some(v) => {
                        state.expires.insert(r, v);
                    }
                    None => {
                        state.expires.remove(&r);
                    }
                },
            }
        }
    }

    /// beam on a queue: drop messages whose id a committed bundle (or this one) has.
    pub(super) fn beam_dedup(&mut self, ctx: &mut Ctx) -> String {
        let by_id = self.scenario.engine.dedup_by() == DedupBy::IdAttribute;
        let mut seen = VecSet::new();
        let mut keep = Vec::new();
        let mut dropped = Vec::new();
        for &p in &ctx.read {
            let key = if by_id { self.rec(p) as u64 } else { p };
            if self.progress.beam.seen_ids.contains(&key) || !seen.insert(key) {
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
            txt!(
                self,
                "The runner drops {} as already seen (same {what}); it will still ack them.",
                self.describe(&dropped)
            )
        }
    }

    /// micro_batch: drop late rows (event time ≤ watermark) and duplicates, then evict
    /// state below the watermark.
    pub(super) fn apply_dedup(&mut self, inst: &Inst, ctx: &mut Ctx) -> String {
        let Some(d) = self.scenario.dedup.clone() else {
            return String::new();
        };
        let wm = ctx.watermark;
        let record_undo = !inst.zombie;
        let mut state = if inst.zombie {
            ctx.own_state
                .take()
                .unwrap_or_else(|| self.progress.spark.dedup_state.clone())
        } else {
            std::mem::take(&mut self.progress.spark.dedup_state)
        };
        let mut keep = Vec::new();
        let mut late = Vec::new();
        let mut dups = Vec::new();
        for &p in &ctx.read {
            let e = &self.source.entries[p as usize];
            let (r, et) = (e.record, e.event_time);
            if wm.is_some_and(|w| (et as i64) <= w) {
                late.push(p);
                continue;
            }
            match d.mode {
                DedupMode::DropDuplicates => {
                    if state.seen.contains(&(r, et)) {
                        dups.push(p);
                    } else {
                        state.seen.insert((r, et));
                        if record_undo {
                            self.dedup.undo.push(Undo::InsertedKey((r, et)));
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
                            self.dedup.undo.push(Undo::SetExpires(r, None));
                        }
                        keep.push(p);
                    }
                }
            }
        }
        if let Some(w) = wm {
            self.dedup.evict(&mut state, d.mode, w, record_undo);
        }
        if !inst.zombie {
            self.progress.spark.dedup_state = state;
        }
        for &p in &late {
            self.dedup.dropped_late[p as usize] = true;
        }
        ctx.rows = keep;
        let mut parts = Vec::new();
        if !late.is_empty() {
            parts.push(txt!(
                self,
                "dropDuplicates drops {} as late (event time ≤ watermark {})",
                self.describe(&late),
                wm.unwrap_or(0)
            ));
        }
        if !dups.is_empty() {
            parts.push(txt!(
                self,
                "drops {} as duplicates already in its state",
                self.describe(&dups)
            ));
        }
        if parts.is_empty() {
            String::new()
        } else {
            txt!(self, "{}.", parts.join("; "))
        }
    }
}
