//! The deterministic engine: scenario → trace of events → outcome.
//!
//! Pure: no IO, no clocks, no OS randomness, no hash-map iteration order, no floats.
//! Start reading at [`run`]; the rules live in `sim/` (one component per file, one
//! method per step) and `guarantee.rs` (the configuration's guarantee, semantics §9).

pub mod caption;
pub mod explore;
pub mod fault;
pub mod gen;
pub mod guarantee;
pub mod outcome;
pub mod scenario;
mod sim;
pub mod trace;
pub mod validate;
pub mod vecmap;

pub use caption::outcome_caption;
pub use explore::{compare, explore, Comparison, Config, ExploreOptions, Matrix};
pub use fault::{Description, Refusal, Where};
pub use outcome::{Guarantee, Outcome};
pub use scenario::{Fault, FaultKind, Scenario, Step};
pub use sim::{source_entries, RunEnd, SourceEntry};
pub use trace::{Change, Event, EventKind, RowStatus};
pub use validate::{parse_scenario, parse_value, validate, ScenarioError};
pub use vecmap::{VecMap, VecSet};

/// A finished run: every event in order, and the outcome.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Run {
    pub trace: Vec<Event>,
    pub outcome: Outcome,
}

/// Run a *validated* scenario to its trace and outcome.
pub fn run(scenario: &Scenario) -> Run {
    sim::simulate(scenario, true)
}

/// Run a validated scenario without building the trace (faster; same outcome).
pub fn run_outcome(scenario: &Scenario) -> Outcome {
    sim::simulate(scenario, false).outcome
}

/// How a run of a validated scenario ends: drained, or stopped by the safety limit on
/// batch attempts (a rule bug; the trace's last event says so, the outcome does not).
pub fn run_end(scenario: &Scenario) -> RunEnd {
    sim::simulate_end(scenario)
}

/// The trace as JSON lines, one event per line (what `crashcourse run --trace` prints).
pub fn trace_jsonl(trace: &[Event]) -> String {
    let mut out = String::new();
    for e in trace {
        // An Event holds only strings, integers, enums and options: it always serializes.
        out.push_str(&serde_json::to_string(e).unwrap_or_default());
        out.push('\n');
    }
    out
}
