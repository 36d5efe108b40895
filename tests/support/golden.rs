//! The golden trace files (tests/golden): each `NAME.scenario.json` beside the
//! `NAME.trace.jsonl` its run must print, byte for byte. Read by the golden_traces test,
//! which only compares, and by `cargo run --example update-golden`, the one command that
//! rewrites them.

use std::path::{Path, PathBuf};

use crashcourse::engine;

/// tests/golden in this repository.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Every (scenario file, golden trace file) pair in `dir`, sorted by name.
pub fn pairs(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/golden exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".scenario.json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let golden = PathBuf::from(
                p.to_string_lossy()
                    .replace(".scenario.json", ".trace.jsonl"),
            );
            (p, golden)
        })
        .collect()
}

/// The run's trace as JSON lines, then its outcome on one line.
pub fn trace_lines(scenario_text: &str) -> String {
    let sc = engine::parse_scenario(scenario_text).expect("golden scenario is valid");
    let run = engine::run(&sc);
    let mut out = engine::trace_jsonl(&run.trace);
    out.push_str(&serde_json::to_string(&run.outcome).expect("outcome serializes"));
    out.push('\n');
    out
}
