//! The simulator: processes, batches, steps, faults, restarts, drain (semantics §§1–8).
//!
//! One [`Sim`] holds everything that exists outside a process, plus the clock. Each
//! component owns and documents its state, in its own file:
//!
//! | file | state | what it does |
//! |---|---|---|
//! | `mod.rs` | `Sim`: clock, restarts, the saved zombie, placement points | the run loop: `run_all` → `run_instance` → `do_step` |
//! | `narration.rs` | `Narration`: the events | `txt!`, events, the sentence helpers |
//! | `process.rs` | `Inst` (a process's memory), `Ctx` (one batch attempt) | |
//! | `plan.rs` | `Batches`: batch numbers, attempts, the attempt budget | what runs next: re-run, new batch, idle, drained |
//! | `faults.rs` | `Faults`: which fired | pauses, crashes and zombies after a step |
//! | `recovery.rs` | | a process starts (§3); restart, delete_checkpoint |
//! | `source.rs` | `SourceState`: entries, leases, acks, what a socket sent | the read step, acks |
//! | `dedup.rs` | `Dedup`: the dedup state's undo log, late drops | Spark and Beam dedup |
//! | `progress.rs` | `Progress`: group offsets, Spark checkpoint, Flink checkpoints, Beam bundles | offset_log, commit_log, checkpoint, source_commit |
//! | `sink.rs` | `SinkTable`: rows with two visibility bits, markers | sink_write, sink_commit |
//! | `kafka.rs` | `Kafka`: transactions, fencing | the producer |
//! | `bigquery.rs` | `Bigquery`: write streams | AppendRows, flush, finalize, commit |
//! | `outcome.rs` | `Findings`: errors, a broken timeout | the outcome (§9) |
//!
//! A process is an `Inst` (its memory dies with it). A batch attempt is a `Ctx`. Each step
//! is one method; after a step the faults placed at (batch, attempt, step) apply: every
//! pause, then a crash or zombie.

// `txt!` is defined in narration.rs: it must come first.
#[macro_use]
mod narration;

mod bigquery;
mod dedup;
mod faults;
mod kafka;
mod outcome;
mod plan;
mod process;
mod progress;
mod recovery;
mod sink;
mod source;

pub use source::{source_entries, SourceEntry};

use self::bigquery::Bigquery;
use self::dedup::Dedup;
use self::faults::Faults;
use self::kafka::Kafka;
use self::narration::Narration;
use self::outcome::Findings;
use self::plan::{Batches, Next};
use self::process::{Ctx, Inst, ProcessEnd, StepRes, Zombie};
use self::progress::Progress;
use self::sink::SinkTable;
use self::source::{Entry, SourceState};
use super::scenario::{steps_for, Engine, Scenario, SinkCfg, Step};
use super::trace::EventKind;
use super::Run;

/// Everything that exists outside a process, plus the clock.
struct Sim<'a> {
    /// The validated scenario.
    scenario: &'a Scenario,
    /// The sink's options with every default resolved.
    sink_cfg: SinkCfg,
    /// The steps of every batch attempt, in order.
    steps: Vec<Step>,
    /// Records in the workload: r0 … r{records − 1}.
    records: usize,
    /// Simulated time in ticks: idling, pauses and downtime advance it; steps take none.
    now: u64,
    /// Processes that died or were cut off so far; the live process is number restarts + 1.
    restarts: u32,
    /// A cut-off process: it finishes its batch after the live one drains.
    zombie: Option<Box<Zombie>>,
    /// Where faults could go in this run (for the explorer).
    points: Points,
    /// How the run ended (known once `run_all` returns).
    end: RunEnd,
    narration: Narration,
    batches: Batches,
    faults: Faults,
    source: SourceState,
    dedup: Dedup,
    progress: Progress,
    table: SinkTable,
    kafka: Kafka,
    bigquery: Bigquery,
    findings: Findings,
}

/// Run a scenario. `trace_on = false` skips building events (same outcome).
pub fn simulate(sc: &Scenario, trace_on: bool) -> Run {
    simulate_points(sc, trace_on).0
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The last process drained, or its query failed, which ends the run as a drain
    /// does (semantics §1.4).
    Drained,
    /// The safety limit on batch attempts stopped the run: the outcome is that of a
    /// truncated run. No valid scenario needs that many attempts, so this is a rule bug
    /// (the property tests assert it never happens).
    AttemptLimit,
}

/// Run a scenario untraced and say how it ended.
pub fn simulate_end(sc: &Scenario) -> RunEnd {
    let mut sim = Sim::new(sc, false);
    sim.run_all();
    sim.end
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
    (
        Run {
            trace: sim.narration.events,
            outcome,
        },
        sim.points,
    )
}

impl<'a> Sim<'a> {
    fn new(scenario: &'a Scenario, trace_on: bool) -> Self {
        let entries: Vec<Entry> = source_entries(scenario)
            .into_iter()
            .map(|e| Entry {
                record: e.record,
                event_time: e.event_time,
                arrival: e.arrival,
            })
            .collect();
        let positions = entries.len();
        let sink_cfg = scenario.sink.cfg();
        Sim {
            scenario,
            sink_cfg,
            steps: steps_for(&scenario.engine, &scenario.source, sink_cfg),
            records: scenario.workload.records as usize,
            now: 0,
            restarts: 0,
            zombie: None,
            points: Points::default(),
            end: RunEnd::Drained,
            narration: Narration::new(trace_on),
            batches: Batches::new(scenario.workload.batch_size as u64, positions),
            faults: Faults::new(scenario),
            source: SourceState::new(entries, scenario.workload.partitions as u64),
            dedup: Dedup::new(positions),
            progress: Progress::default(),
            table: SinkTable::default(),
            kafka: Kafka::default(),
            bigquery: Bigquery::default(),
            findings: Findings::default(),
        }
    }

    /// The engine's unit of work, for a sentence: batch, poll, epoch, bundle.
    fn unit(&self) -> &'static str {
        self.scenario.engine.unit()
    }

    // ----- the run ----------------------------------------------------------------------

    /// Processes run one after another until one drains (or the attempt budget runs
    /// out); then the zombie, if any, finishes its batch.
    fn run_all(&mut self) {
        loop {
            match self.run_instance() {
                ProcessEnd::Drained | ProcessEnd::AttemptLimit => break,
                ProcessEnd::Died(downtime) => self.restart(downtime, None),
                ProcessEnd::Cut(downtime, z) => {
                    self.restart(downtime, Some(z));
                }
            }
            if self.batches.attempts_left == 0 {
                // The last attempt's process died: no new process starts.
                self.stop_at_attempt_limit(None);
                break;
            }
        }
        if let Some(z) = self.zombie.take() {
            let Zombie {
                process: mut inst,
                attempt: mut ctx,
                next_step,
            } = *z;
            inst.zombie = true;
            self.emit(
                Some(&inst),
                EventKind::Start,
                None,
                Some((ctx.batch, Some(ctx.attempt))),
                Vec::new(),
                Vec::new(),
                txt!(
                    self,
                    "The cut-off process {} wakes up and finishes {} {} attempt {} with its own memory.",
                    inst.number, self.unit(), ctx.batch, ctx.attempt
                ),
            );
            let steps = self.steps.clone();
            for &step in &steps[next_step..] {
                match self.do_step(&mut inst, &mut ctx, step) {
                    StepRes::Ok => {}
                    StepRes::Died(_) | StepRes::Stop => break,
                }
            }
        }
    }

    /// One process, from its start to its death, cut-off or drain.
    fn run_instance(&mut self) -> ProcessEnd {
        let mut inst = Inst::new(self.restarts + 1);
        self.start_instance(&mut inst);
        loop {
            if self.batches.attempts_left == 0 {
                self.stop_at_attempt_limit(Some(&inst));
                return ProcessEnd::AttemptLimit;
            }
            match self.next_batch(&mut inst) {
                Next::Drained => {
                    self.on_drain(&inst, None);
                    return ProcessEnd::Drained;
                }
                Next::Failed(batch) => {
                    self.on_drain(&inst, Some(batch));
                    return ProcessEnd::Drained;
                }
                Next::Idle(until) => {
                    // Idling is not counted in the attempt budget: it must move the clock.
                    debug_assert!(
                        until > self.now,
                        "idle until tick {until} at tick {}",
                        self.now
                    );
                    let from = self.now;
                    self.now = until;
                    self.emit(
                        Some(&inst),
                        EventKind::Idle,
                        None,
                        None,
                        Vec::new(),
                        Vec::new(),
                        txt!(
                            self,
                            "Nothing to read at tick {from}; waiting until tick {until}."
                        ),
                    );
                }
                Next::Batch(ctx) => {
                    // Dedup changes are undone or made durable by the end of each batch.
                    debug_assert!(self.dedup.undo.is_empty(), "undo log left from a batch");
                    self.batches.attempts_left -= 1;
                    let mut ctx = *ctx;
                    inst.batches_run += 1;
                    for si in 0..self.steps.len() {
                        let step = self.steps[si];
                        match self.do_step(&mut inst, &mut ctx, step) {
                            StepRes::Ok => {}
                            StepRes::Died(d) => {
                                self.on_death(&inst, &ctx);
                                return ProcessEnd::Died(d);
                            }
                            StepRes::Stop => return ProcessEnd::Died(1),
                        }
                        self.points.steps.push((ctx.batch, ctx.attempt, step));
                        if let Some(end) = self.faults_after_step(&inst, &ctx, step, si + 1) {
                            return end;
                        }
                    }
                    // A finished batch's dedup changes are durable with its commit (micro_batch)
                    // or irrelevant (other engines).
                    if !matches!(self.scenario.engine, Engine::MicroBatch) {
                        self.dedup.undo.clear();
                    }
                }
            }
        }
    }

    /// The attempt budget ran out: the run stops, and says so.
    fn stop_at_attempt_limit(&mut self, inst: Option<&Inst>) {
        self.end = RunEnd::AttemptLimit;
        let text = txt!(
            self,
            "The simulation stopped: too many batch attempts (a safety limit)."
        );
        self.emit(
            inst,
            EventKind::Drain,
            None,
            None,
            Vec::new(),
            Vec::new(),
            text,
        );
    }

    /// One step of a batch attempt.
    fn do_step(&mut self, inst: &mut Inst, ctx: &mut Ctx, step: Step) -> StepRes {
        match step {
            Step::Plan => self.plan(inst, ctx),
            Step::OffsetLog => self.offset_log(inst, ctx),
            Step::Read => self.read(inst, ctx),
            Step::SinkWrite => self.sink_write(inst, ctx),
            Step::SinkCommit => self.sink_commit(inst, ctx),
            Step::CommitLog => self.commit_log(inst, ctx),
            Step::Checkpoint => self.checkpoint(inst, ctx),
            Step::SourceCommit => self.source_commit(inst, ctx),
        }
    }

    /// The run ends: the process drained, or its query failed before planning batch
    /// `failed` (semantics §1.4: a failure ends the run as a drain does).
    fn on_drain(&mut self, inst: &Inst, failed: Option<u64>) {
        self.commit_on_close(inst);
        self.finalize_on_drain(inst);
        if let Some(batch) = failed {
            let never: Vec<u64> = (0..self.source.len())
                .filter(|p| !self.source.ever_read[*p as usize])
                .collect();
            let text = txt!(
                self,
                "Instead of planning batch {batch}, the query fails: IllegalStateException: Offsets committed out of order (the new socket connection counts its lines from offset −1 again, below the offsets in the checkpoint). The run ends{}.",
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
                Some((batch, None)),
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
            txt!(
                self,
                "Drained at tick {}: every entry has arrived at the source and nothing is left to read.",
                self.now
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{parse_scenario, Event};

    const FIVE_BATCHES: &str = r#"{"version": 1, "workload": {"records": 10, "batch_size": 2},
        "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "after"},
        "sink": {"kind": "append"}, "faults": [FAULTS]}"#;

    /// Run `json` with only `attempts` batch attempts allowed.
    fn run_with_budget(json: &str, attempts: u64) -> (RunEnd, Vec<Event>) {
        let sc = parse_scenario(json).expect("valid scenario");
        let mut sim = Sim::new(&sc, true);
        sim.batches.attempts_left = attempts;
        sim.run_all();
        (sim.end, sim.narration.events)
    }

    const STOPPED: &str = "The simulation stopped: too many batch attempts (a safety limit).";

    #[test]
    fn a_run_that_drains_ends_drained() {
        let json = FIVE_BATCHES.replace("FAULTS", "");
        assert_eq!(run_with_budget(&json, 1000).0, RunEnd::Drained);
        let sc = parse_scenario(&json).expect("valid scenario");
        assert_eq!(simulate_end(&sc), RunEnd::Drained);
    }

    #[test]
    fn the_attempt_limit_before_a_batch_is_recorded() {
        let (end, trace) = run_with_budget(&FIVE_BATCHES.replace("FAULTS", ""), 2);
        assert_eq!(end, RunEnd::AttemptLimit);
        let last = trace.last().expect("events");
        assert_eq!((last.kind, last.text.as_str()), (EventKind::Drain, STOPPED));
    }

    #[test]
    fn the_attempt_limit_after_a_crash_is_recorded() {
        // The only attempt crashes: no new process starts, and the run says why.
        let crash = r#"{"kind": "crash", "batch": 0, "after": "sink_write"}"#;
        let (end, trace) = run_with_budget(&FIVE_BATCHES.replace("FAULTS", crash), 1);
        assert_eq!(end, RunEnd::AttemptLimit);
        let last = trace.last().expect("events");
        assert_eq!((last.kind, last.text.as_str()), (EventKind::Drain, STOPPED));
        assert_eq!(last.instance, 2);
    }
}
