//! Conformance: every case of ../shared/spec/cases and of tests/cases must give the
#![cfg(not(target_arch = "wasm32"))]
//! expected outcome. A failure prints the case id, the expected and the actual outcome.

mod support;

use crashcourse::engine;
use serde_json::Value;

fn run_dir(dir: &std::path::Path) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let files = support::case_files(dir);
    for f in &files {
        let text = std::fs::read_to_string(f).expect("case file is readable");
        let case: Value = serde_json::from_str(&text).expect("case file is JSON");
        let id = case["id"].as_str().unwrap_or("?").to_string();
        let sc = match engine::parse_value(&case["scenario"]) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{id}: scenario rejected: {e}"));
                continue;
            }
        };
        let outcome = serde_json::to_value(engine::run_outcome(&sc)).expect("outcome serializes");
        if let Err(why) = support::matches(&case["expect"], &outcome, "expect") {
            failures.push(format!(
                "{id}: {why}\n  expected: {}\n  actual:   {}",
                case["expect"], outcome
            ));
        }
        // The traced run must agree with the untraced one.
        let traced = engine::run(&sc);
        if serde_json::to_value(&traced.outcome).expect("serializes") != outcome {
            failures.push(format!("{id}: traced and untraced outcomes differ"));
        }
    }
    (files.len(), failures)
}

#[test]
fn shared_spec_cases() {
    let dir = support::shared_cases_dir();
    let (n, failures) = run_dir(&dir);
    assert!(n >= 73, "expected the 73 shared cases, found {n}");
    assert!(
        failures.is_empty(),
        "{} of {n} shared cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn own_cases() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let (n, failures) = run_dir(&dir);
    assert!(n > 0, "tests/cases holds no case");
    assert!(
        failures.is_empty(),
        "{} of {n} own cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
