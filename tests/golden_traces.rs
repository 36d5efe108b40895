//! Golden traces: the full trace of a few teaching scenarios, byte for byte.
//! A change in narration or event order shows up as a diff here; regenerate on purpose
//! with `UPDATE_GOLDEN=1 cargo test --test golden_traces` and review the diff.
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;

use crashcourse::engine;

fn trace_lines(scenario_text: &str) -> String {
    let sc = engine::parse_scenario(scenario_text).expect("golden scenario is valid");
    let run = engine::run(&sc);
    let mut out = engine::trace_jsonl(&run.trace);
    out.push_str(&serde_json::to_string(&run.outcome).expect("outcome serializes"));
    out.push('\n');
    out
}

#[test]
fn golden_traces_match() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".scenario.json"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let mut failures = Vec::new();
    for p in names {
        let text = std::fs::read_to_string(&p).expect("readable");
        let got = trace_lines(&text);
        let golden = PathBuf::from(
            p.to_string_lossy()
                .replace(".scenario.json", ".trace.jsonl"),
        );
        if update {
            std::fs::write(&golden, &got).expect("write golden");
            continue;
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_default();
        if want != got {
            let first = want
                .lines()
                .zip(got.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(want.lines().count().min(got.lines().count()));
            failures.push(format!(
                "{}: differs at line {}\n  want: {}\n  got:  {}",
                p.display(),
                first + 1,
                want.lines().nth(first).unwrap_or("<end>"),
                got.lines().nth(first).unwrap_or("<end>")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
