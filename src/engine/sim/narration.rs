//! Narration: the trace of events, one plain-English sentence each.
//!
//! Every sentence goes through [`txt!`], which builds nothing when the trace is off
//! (`engine::run_outcome`, the explorer's base runs); no rule reads narration, so the
//! traced and untraced outcomes are equal. Narration helpers (`describe`, `coord`, the
//! sink's `place`, `write_verb`, `second_copies` …) are called only inside a `txt!` or
//! after a trace-off early return, and assert so in debug builds.

use super::process::{Ctx, Inst, StepRes};
use super::Sim;
use crate::engine::outcome::ErrorEntry;
use crate::engine::scenario::{record_id, Step};
use crate::engine::trace::{Change, Event, EventKind};

/// A sentence of narration: `txt!(sim, "…", args)` is `format!("…", args)` when the
/// trace is recorded and an empty string otherwise, without evaluating the arguments;
/// `txt!(sim => expr)` is `expr` (a narration helper's sentence) or an empty string.
macro_rules! txt {
    ($sim:expr => $text:expr) => {
        if $sim.narration.on { $text } else { String::new() }
    };
    ($sim:expr, $($arg:tt)*) => {
        if $sim.narration.on { format!($($arg)*) } else { String::new() }
    };
}

/// The trace being recorded.
pub(super) struct Narration {
    /// Events are recorded (`engine::run`); when off, nothing is built.
    pub(super) on: bool,
    /// Every event so far, in order.
    pub(super) events: Vec<Event>,
    /// micro_batch: the number of the live Spark query, stamped on each event as `q<n>`.
    pub(super) query: Option<u32>,
}

impl Narration {
    pub(super) fn new(on: bool) -> Self {
        Narration {
            on,
            events: Vec::new(),
            query: None,
        }
    }

    /// The last event recorded is the one fault `idx` caused.
    pub(super) fn mark_fault(&mut self, idx: usize) {
        if let Some(e) = self.events.last_mut() {
            e.fault = Some(idx);
        }
    }
}

/// Record ids for a sentence: all of them up to six, else the first three and the last.
pub(super) fn list_ids(ids: &[usize]) -> String {
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

impl Sim<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn emit(
        &mut self,
        inst: Option<&Inst>,
        kind: EventKind,
        step: Option<Step>,
        ctx: Option<(u64, Option<u32>)>,
        records: Vec<String>,
        changes: Vec<Change>,
        text: String,
    ) {
        if !self.narration.on {
            return;
        }
        let event = Event {
            tick: self.now,
            instance: inst.map_or(self.restarts + 1, |i| i.number),
            zombie: inst.is_some_and(|i| i.zombie),
            query: self.narration.query.map(|q| format!("q{q}")),
            kind,
            step,
            batch: ctx.map(|c| c.0),
            attempt: ctx.and_then(|c| c.1),
            records,
            changes,
            error: None,
            fault: None,
            text,
        };
        self.narration.events.push(event);
    }

    pub(super) fn emit_fault(&mut self, inst: &Inst, ctx: &Ctx, idx: usize, text: String) {
        if !self.narration.on {
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
        self.narration.mark_fault(idx);
    }

    pub(super) fn step_event(
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

    pub(super) fn skip_event(&mut self, inst: &Inst, ctx: &Ctx, step: Step, text: String) {
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

    /// A server error at `step` of this batch attempt (the common case of [`Sim::log_error`]).
    pub(super) fn step_error(
        &mut self,
        inst: &Inst,
        ctx: &Ctx,
        step: Step,
        error: &str,
        record: Option<usize>,
        text: String,
    ) {
        let at = (ctx.batch, Some(ctx.attempt));
        self.log_error(Some(inst), at.0, at.1, step.name(), error, record, text);
    }

    /// A server error: recorded for the outcome's error log, and narrated.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn log_error(
        &mut self,
        inst: Option<&Inst>,
        batch: u64,
        attempt: Option<u32>,
        step: &str,
        error: &str,
        record: Option<usize>,
        text: String,
    ) {
        self.findings.error_log.push(ErrorEntry {
            batch,
            attempt,
            step: step.to_string(),
            error: error.to_string(),
            record: record.map(record_id),
        });
        if self.narration.on {
            self.emit(
                inst,
                EventKind::Error,
                Step::ALL.iter().copied().find(|s| s.name() == step),
                Some((batch, attempt)),
                record.map(record_id).into_iter().collect(),
                Vec::new(),
                text,
            );
            if let Some(e) = self.narration.events.last_mut() {
                e.error = Some(error.to_string());
            }
        }
    }

    /// A zombie's write of durable engine progress is rejected: it stops.
    pub(super) fn zombie_rejected(
        &mut self,
        inst: &Inst,
        ctx: &Ctx,
        step: Step,
        what: String,
    ) -> StepRes {
        self.emit(
            Some(inst),
            EventKind::Stop,
            Some(step),
            Some((ctx.batch, Some(ctx.attempt))),
            Vec::new(),
            Vec::new(),
            txt!(self, "The zombie's write of {what} is rejected (the new process already owns it), so the zombie stops."),
        );
        StepRes::Stop
    }

    /// The record ids at `positions`, for an event's `records` (empty when not traced).
    pub(super) fn rec_names(&self, positions: &[u64]) -> Vec<String> {
        if !self.narration.on {
            return Vec::new();
        }
        positions.iter().map(|p| record_id(self.rec(*p))).collect()
    }

    /// The records at `positions`, for a sentence.
    pub(super) fn describe(&self, positions: &[u64]) -> String {
        debug_assert!(self.narration.on, "narration built with the trace off");
        list_ids(&self.recs(positions))
    }

    /// Where a position is, for a sentence: `m3`, `offset 3`, `partition 1 offset 1`.
    pub(super) fn coord(&self, pos: u64) -> String {
        debug_assert!(self.narration.on, "narration built with the trace off");
        let partitions = self.source.partitions;
        if self.is_queue() {
            format!("m{pos}")
        } else if partitions > 1 {
            format!("partition {} offset {}", pos % partitions, pos / partitions)
        } else {
            format!("offset {pos}")
        }
    }
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
