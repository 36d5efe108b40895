//! The outcome caption that ends a run's playback (`engine::outcome_caption`), and the
//! narration of a write that adds second copies.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use crashcourse::engine;
use serde_json::Value;

fn scenario(json: &str) -> engine::Scenario {
    engine::parse_scenario(json).expect("valid scenario")
}

const COMMIT_BEFORE: &str = r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "before"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "source_commit"}]}"#;
const APPEND_DUP: &str = r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#;

#[test]
fn a_loss_names_the_records_the_commit_the_crash_and_the_restart() {
    let run = engine::run(&scenario(COMMIT_BEFORE));
    assert_eq!(
        engine::outcome_caption(&run),
        "r2, r3 lost: offset 4 was committed (step 6) before the crash (step 7); the restart read from 4 (step 8)."
    );
    // The step numbers point at those events (step n = event n - 1).
    assert_eq!(run.trace[6].kind, engine::EventKind::Fault);
    assert_eq!(run.trace[7].kind, engine::EventKind::Start);
}

#[test]
fn a_duplicate_names_both_writes_and_the_crash_between() {
    let run = engine::run(&scenario(APPEND_DUP));
    let c = engine::outcome_caption(&run);
    assert_eq!(
        c,
        "r2, r3 twice: written in batch 1, attempt 1 (step 10); the crash (step 11) came before that batch was committed, and batch 1, attempt 2 wrote them again (step 16)."
    );
}

#[test]
fn a_clean_run_says_so() {
    let mut s = scenario(APPEND_DUP);
    s.faults.clear();
    let run = engine::run(&s);
    assert_eq!(
        engine::outcome_caption(&run),
        "Every record arrived exactly once (table)."
    );
}

#[test]
fn the_spark_socket_failure_is_the_cause_of_the_later_losses() {
    let s = scenario(
        r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "socket"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
    );
    let run = engine::run(&s);
    let c = engine::outcome_caption(&run);
    assert!(
        c.starts_with("r4, r5, r6, r7, r8, r9 lost: never read, the query failed (step "),
        "{c}"
    );
    let last = run.trace.last().expect("a trace");
    assert!(
        last.text.contains("Offsets committed out of order"),
        "{}",
        last.text
    );
}

#[test]
fn every_shared_case_caption_names_each_lost_and_duplicated_record() {
    let dir = support::shared_cases_dir();
    let own = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files = support::case_files(&dir);
    files.extend(support::case_files(&own));
    assert!(files.len() > 80);
    for f in files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let s = engine::parse_value(&case["scenario"]).expect("case scenario is valid");
        let run = engine::run(&s);
        let c = engine::outcome_caption(&run);
        let o = &run.outcome;
        let id = case["id"].as_str().unwrap_or("?");
        assert!(c.ends_with('.'), "{id}: {c}");
        let effects = o.missing.0.len() + o.duplicated.0.len();
        if effects == 0 {
            assert!(
                c.starts_with("Every record arrived exactly once"),
                "{id}: {c}"
            );
            continue;
        }
        assert!(!c.contains("Every record"), "{id}: {c}");
        let mut named: Vec<usize> = o.missing.0.clone();
        named.extend(o.duplicated.0.iter().map(|d| d.0));
        if named.len() <= 6 {
            for r in named {
                let rid = format!("r{r}");
                assert!(
                    c.split(|ch: char| !ch.is_alphanumeric()).any(|w| w == rid),
                    "{id}: {rid} not named in: {c}"
                );
            }
        }
        // Every cause names at least one step, except effects of the configuration itself.
        let only_excluded = o
            .missing
            .0
            .iter()
            .all(|r| o.before_start.0.contains(r) || o.dropped_late.0.contains(r))
            && o.duplicated.0.is_empty();
        if !only_excluded {
            assert!(c.contains("(step"), "{id}: no step in: {c}");
        }
    }
}

#[test]
fn a_duplicating_write_names_the_copies_already_there() {
    let run = engine::run(&scenario(APPEND_DUP));
    let texts: Vec<&str> = run.trace.iter().map(|e| e.text.as_str()).collect();
    assert!(texts.contains(
        &"The sink inserts r2, r3. r2, r3 are already in the table (batch 1, attempt 1): this INSERT adds them again."
    ));
    // The first write of a record says nothing of the kind.
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("are already in the table"))
            .count(),
        1
    );
    // An idempotent upsert does not claim a second copy.
    let upsert = scenario(&APPEND_DUP.replace(
        r#""sink": {"kind": "append"}"#,
        r#""sink": {"kind": "upsert", "key": "record_id"}"#,
    ));
    let run = engine::run(&upsert);
    assert!(run
        .trace
        .iter()
        .all(|e| !e.text.contains("adds them again")));
}
