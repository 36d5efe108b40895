//! The `crashcourse` binary: exit codes, stdin, outcome and trace output, bad input.
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use proptest::prelude::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crashcourse"))
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("binary finishes")
}

const CRASH: &str = r#"{"version":1,"source":{"kind":"log"},"engine":{"kind":"micro_batch"},
  "sink":{"kind":"append"},"faults":[{"kind":"crash","batch":1,"after":"sink_write"}]}"#;

#[test]
fn run_prints_the_outcome_from_stdin() {
    let out = run_stdin(&["run", "-"], CRASH.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("outcome JSON");
    assert_eq!(v["duplicated"], serde_json::json!({"r2": 2, "r3": 2}));
    assert_eq!(v["guarantee"], "at-least-once");
    assert_eq!(v["version"], 1);
}

#[test]
fn run_reads_a_file_and_trace_prints_json_lines() {
    let dir = std::env::temp_dir().join(format!("crashcourse-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let f = dir.join("s.json");
    std::fs::write(&f, CRASH).expect("write scenario");
    let out = bin()
        .args(["run", f.to_str().expect("utf8 path"), "--trace"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf8");
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON event"))
        .collect();
    assert!(events.len() > 20, "a 10-record run has many events");
    assert!(events.iter().any(|e| e["kind"] == "fault"
        && e["batch"] == 1
        && e["text"].as_str().is_some_and(|t| t.contains("CRASH"))));
    assert!(events
        .iter()
        .all(|e| e["text"].as_str().is_some_and(|t| !t.is_empty())));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_scenario_exits_2_and_names_the_field() {
    let bad = CRASH.replace("\"append\"", "\"apend\"");
    let out = run_stdin(&["run", "-"], bad.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sink.kind: unknown value \"apend\""), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn explore_prints_replayable_runs_and_a_summary() {
    let clean = CRASH.replace(r#"{"kind":"crash","batch":1,"after":"sink_write"}"#, "");
    let out = run_stdin(&["explore", "-"], clean.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("matrix JSON");
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 85);
    assert!(runs
        .iter()
        .all(|r| r["faults"].is_array() && r["outcome"]["guarantee"].is_string()));
    assert!(v["summary"].as_array().is_some_and(|s| !s.is_empty()));
    let table = run_stdin(&["explore", "-", "--summary"], clean.as_bytes());
    let t = String::from_utf8_lossy(&table.stdout);
    assert!(t.contains("duplicate r2, r3"), "{t}");
}

#[test]
fn link_round_trips_and_bad_links_exit_2() {
    let out = run_stdin(&["link", "-"], CRASH.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let frag = String::from_utf8(out.stdout).expect("utf8");
    assert!(frag.starts_with("v1="));
    let back = bin()
        .args(["link", "--decode", frag.trim()])
        .output()
        .expect("runs");
    assert_eq!(back.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&back.stdout).expect("scenario JSON");
    assert_eq!(v["faults"][0]["after"], "sink_write");
    let bad = bin()
        .args(["link", "--decode", "v1=garbage!!"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad link"));
    let m = run_stdin(&["export", "--mermaid", "-"], CRASH.as_bytes());
    assert_eq!(m.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&m.stdout).starts_with("sequenceDiagram"));
}

#[test]
fn lessons_print_scenarios_with_engine_answers() {
    let out = bin().arg("lessons").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON array");
    let list = v.as_array().expect("array");
    assert!(list.len() >= 15);
    for l in list {
        let sc =
            crashcourse::engine::parse_value(&l["scenario"]).expect("lesson scenario is valid");
        let o = serde_json::to_value(crashcourse::engine::run_outcome(&sc)).expect("outcome");
        for k in ["missing", "duplicated", "guarantee"] {
            assert_eq!(l["answer"][k], o[k], "lesson {} field {k}", l["id"]);
        }
        assert!(l["question"].as_str().is_some_and(|q| !q.is_empty()));
    }
}

#[test]
fn missing_file_exits_1() {
    let out = bin()
        .args(["run", "/nonexistent/crashcourse.json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn help_and_version() {
    let h = bin().arg("--help").output().expect("runs");
    assert_eq!(h.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&h.stdout).contains("run"));
    let v = bin().arg("--version").output().expect("runs");
    assert_eq!(v.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
    let u = bin().arg("frobnicate").output().expect("runs");
    assert_eq!(u.status.code(), Some(2));
}

#[test]
fn garbage_through_the_binary_exits_2_never_panics() {
    for input in [
        &b""[..],
        b"null",
        b"[]",
        b"{",
        b"\xff\xfe",
        b"{\"version\":2}",
        b"1e999",
    ] {
        let out = run_stdin(&["run", "-"], input);
        assert_eq!(
            out.status.code(),
            Some(2),
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random bytes never panic the parser and always give an error with a path.
    #[test]
    fn random_bytes_are_rejected_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = crashcourse::engine::parse_scenario(&text) {
            prop_assert!(!e.path.is_empty() && !e.problem.is_empty());
        }
    }

    /// Mutating one byte of a valid scenario gives either a valid scenario that runs, or a
    /// clear error; never a panic.
    #[test]
    fn mutated_scenarios_never_panic(seed in any::<u64>(), at in any::<usize>(), byte in any::<u8>()) {
        let s = crashcourse::engine::gen::random_scenario(seed, &Default::default());
        let mut json = serde_json::to_string(&s).expect("serializes").into_bytes();
        let i = at % json.len();
        json[i] = byte;
        let text = String::from_utf8_lossy(&json);
        match crashcourse::engine::parse_scenario(&text) {
            Ok(sc) => { let _ = crashcourse::engine::run_outcome(&sc); }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
