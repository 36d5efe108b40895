//! Faults: which have fired, and what the faults placed after a step do (semantics §7).
//!
//! Data-write faults (crash_mid_write, lost_ack) strike inside the write
//! (`sink.rs`); delete_checkpoint strikes at a restart (`recovery.rs`); republish shapes
//! the source before the run (`source.rs`).

use super::process::{Ctx, Inst, ProcessEnd, Zombie};
use super::Sim;
use crate::engine::scenario::{Engine, Fault, Scenario, Step};

/// Which of the scenario's faults have fired.
pub(super) struct Faults {
    /// Per fault of the scenario, in order: it fired. Republish faults shape the source
    /// and count as fired from the start.
    fired: Vec<bool>,
}

impl Faults {
    pub(super) fn new(scenario: &Scenario) -> Self {
        Faults {
            fired: scenario
                .faults
                .iter()
                .map(|f| matches!(f, Fault::Republish { .. }))
                .collect(),
        }
    }

    pub(super) fn fired(&self, idx: usize) -> bool {
        self.fired[idx]
    }

    /// Fault `idx` strikes now. A fault fires at most once.
    pub(super) fn fire(&mut self, idx: usize) {
        debug_assert!(!self.fired[idx], "fault {idx} fired twice");
        self.fired[idx] = true;
    }

    /// The faults that never fired, by index.
    pub(super) fn unfired(&self) -> Vec<usize> {
        (0..self.fired.len()).filter(|i| !self.fired[*i]).collect()
    }
}

impl Sim<'_> {
    /// Faults placed at this attempt that have not fired, by index.
    pub(super) fn faults_at(&self, batch: u64, attempt: u32) -> Vec<usize> {
        self.scenario
            .faults
            .iter()
            .enumerate()
            .filter(|(i, f)| !self.faults.fired(*i) && f.point() == Some((batch, attempt)))
            .map(|(i, _)| i)
            .collect()
    }

    /// `step` of `ctx` completed (it is `steps[next_step − 1]`): every pause placed there,
    /// then a crash or a zombie, which ends the process.
    pub(super) fn faults_after_step(
        &mut self,
        inst: &Inst,
        ctx: &Ctx,
        step: Step,
        next_step: usize,
    ) -> Option<ProcessEnd> {
        let here = self.faults_at(ctx.batch, ctx.attempt);
        for &i in &here {
            if let Fault::Pause { after, ticks, .. } = self.scenario.faults[i] {
                if after == step {
                    self.faults.fire(i);
                    self.now += ticks;
                    let text = txt!(
                        self,
                        "The process stalls for {ticks} ticks after {} (now tick {}): leases expire and transactions age.",
                        step.name(),
                        self.now
                    );
                    self.emit_fault(inst, ctx, i, text);
                }
            }
        }
        for &i in &here {
            match self.scenario.faults[i] {
                Fault::Crash {
                    after, downtime, ..
                } if after == step => {
                    self.faults.fire(i);
                    let text = txt!(
                        self,
                        "CRASH after {} of {} {} (attempt {}): the process dies and loses its memory; it restarts after {downtime} tick{}.",
                        step.name(),
                        self.unit(),
                        ctx.batch,
                        ctx.attempt,
                        if downtime == 1 { "" } else { "s" }
                    );
                    self.emit_fault(inst, ctx, i, text);
                    self.on_death(inst, ctx);
                    return Some(ProcessEnd::Died(downtime));
                }
                Fault::Zombie {
                    after, downtime, ..
                } if after == step => {
                    self.faults.fire(i);
                    let text = txt!(
                        self,
                        "Process {} is cut off after {} of {} {} but keeps running as a zombie; a new process takes over after {downtime} tick{}.",
                        inst.number,
                        step.name(),
                        self.unit(),
                        ctx.batch,
                        if downtime == 1 { "" } else { "s" }
                    );
                    self.emit_fault(inst, ctx, i, text);
                    // The zombie's dedup changes are its own: the durable state rolls back.
                    self.rollback_dedup();
                    let mut attempt = ctx.clone();
                    if matches!(self.scenario.engine, Engine::MicroBatch)
                        && self.scenario.dedup.is_some()
                        && !ctx.read_done
                    {
                        // It will deduplicate with the state it loaded for
                        // this batch, not what the new driver writes later.
                        attempt.own_state = Some(self.progress.spark.dedup_state.clone());
                    }
                    return Some(ProcessEnd::Cut(
                        downtime,
                        Box::new(Zombie {
                            process: inst.clone(),
                            attempt,
                            next_step,
                        }),
                    ));
                }
                _ => {}
            }
        }
        None
    }
}
