//! The marks "checked against real Spark/Flink": `assets/fidelity.json` (written by
//! `fidelity/run`) as the app reads it (`crashcourse::fidelity`), which presets, lessons
//! and quiz questions it marks, and whether the report still describes this engine.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use crashcourse::{content, engine, fidelity, presets};
use serde_json::Value;

const REPORT: &str = include_str!("../assets/fidelity.json");

fn raw() -> Value {
    serde_json::from_str(REPORT).expect("assets/fidelity.json is JSON")
}

/// The rows the suite compared with the engine (the ones the app may mark).
fn compared(raw: &Value) -> Vec<&Value> {
    raw["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter(|r| {
            r["compared_with"] == "engine"
                && matches!(r["verdict"].as_str(), Some("match" | "MISMATCH"))
        })
        .collect()
}

#[test]
fn the_report_keeps_every_scenario_compared_with_the_engine() {
    let raw = raw();
    let checks = fidelity::parse(REPORT).expect("the committed report parses");
    let rows = compared(&raw);
    assert_eq!(checks.checked.len(), rows.len());
    assert!(
        checks.checked.len() >= 50,
        "{} checked",
        checks.checked.len()
    );
    for (c, r) in checks.checked.iter().zip(&rows) {
        assert_eq!(c.title, r["title"].as_str().unwrap());
        assert_eq!(c.agrees, r["verdict"] == "match", "{}", c.file);
        assert_eq!(c.real.readers[0].name, c.real.primary_reader, "{}", c.file);
        assert_eq!(
            c.engine.readers[0].name, c.engine.primary_reader,
            "{}",
            c.file
        );
        assert!(!c.log.is_empty(), "{}: no log lines", c.file);
    }
    assert_eq!(checks.system_label(fidelity::System::Spark), "Spark 4.3");
    assert_eq!(checks.system_label(fidelity::System::Flink), "Flink 2.3");
}

#[test]
fn the_recorded_predictions_are_this_engines() {
    // The panel shows the prediction the suite recorded beside the real result: it must be
    // what this engine answers now, or the report is stale (run fidelity/run again).
    let raw = raw();
    let mut stale = Vec::new();
    for r in compared(&raw) {
        let sc = engine::parse_value(&r["scenario"]).expect("a fidelity scenario is valid");
        let now = serde_json::to_value(engine::run_outcome(&sc)).unwrap();
        // The Flink part adds what it compares beyond the outcome (restored_positions).
        let now = now.as_object().unwrap();
        if now.iter().any(|(k, v)| r["engine"][k] != *v) {
            stale.push(r["file"].as_str().unwrap().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "assets/fidelity.json records another prediction than this engine's for {stale:?}: run fidelity/run"
    );
}

/// What the app marks: each preset, lesson and quiz question whose scenario a checked
/// scenario ran, with the file of the first such scenario (the one the mark opens).
fn marks(checks: &fidelity::Checks) -> BTreeSet<(String, &'static str)> {
    let course = fidelity::course();
    let text = content::builtin();
    assert_eq!(
        course.len(),
        presets::presets().len() + text.lessons.len() + text.quiz.len(),
        "every preset, lesson and question parses"
    );
    course
        .into_iter()
        .filter_map(|(name, sc)| checks.find(&sc).map(|c| (name, c.file)))
        .collect()
}

#[test]
fn the_app_marks_what_the_suite_says_each_scenario_backs() {
    // The suite writes into each row's "backs" what `crashcourse backs` answers for its
    // scenario (fidelity/suite.py course_backs); the app finds a row for each course
    // scenario with `Checks::find`. Both must name the same presets, lessons and questions.
    let raw = raw();
    let checks = fidelity::parse(REPORT).unwrap();
    let app: BTreeSet<String> = marks(&checks).into_iter().map(|(n, _)| n).collect();
    let suite: BTreeSet<String> = compared(&raw)
        .iter()
        .flat_map(|r| r["backs"].as_array().unwrap().iter())
        .filter_map(Value::as_str)
        .filter(|b| {
            ["preset ", "lesson ", "quiz "]
                .iter()
                .any(|k| b.starts_with(k))
        })
        .map(str::to_string)
        .collect();
    assert_eq!(
        app, suite,
        "left: marked by the app; right: backed in fidelity.json"
    );
    // And the row a mark opens backs it in the report.
    for (name, file) in marks(&checks) {
        let row = compared(&raw)
            .into_iter()
            .find(|r| r["file"] == file)
            .unwrap();
        assert!(
            row["backs"].as_array().unwrap().iter().any(|b| *b == *name),
            "{name} opens {file}, whose backs do not name it"
        );
    }
    for kind in ["preset", "lesson", "quiz"] {
        assert!(
            app.iter().any(|n| n.starts_with(kind)),
            "no {kind} is marked"
        );
    }
}

#[test]
fn both_systems_have_marked_presets() {
    let checks = fidelity::parse(REPORT).unwrap();
    let m = marks(&checks);
    for sys in [fidelity::System::Spark, fidelity::System::Flink] {
        let n = m
            .iter()
            .filter(|(name, file)| {
                name.starts_with("preset ")
                    && checks
                        .checked
                        .iter()
                        .any(|c| c.file == *file && c.system == sys)
            })
            .count();
        assert!(n > 0, "no {} preset is marked", sys.name());
    }
}

#[test]
fn a_damaged_report_gets_an_error_that_names_the_problem() {
    let e = fidelity::parse("{\"scenarios\": [").unwrap_err();
    assert!(e.starts_with("fidelity.json is not valid JSON"), "{e}");
    let mut raw = raw();
    let first = compared(&raw)[0]["file"].clone();
    let at = raw["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["file"] == first)
        .unwrap();
    raw["scenarios"][at].as_object_mut().unwrap().remove("real");
    let e = fidelity::parse(&raw.to_string()).unwrap_err();
    assert_eq!(e, format!("fidelity.json: scenarios[{at}].real: required"));
    raw["scenarios"][at]["real"] = Value::Null;
    raw["scenarios"][at]["system"] = "storm".into();
    let e = fidelity::parse(&raw.to_string()).unwrap_err();
    assert_eq!(
        e,
        format!("fidelity.json: scenarios[{at}].system: unknown system \"storm\"")
    );
}

#[test]
fn an_agreeing_run_shows_the_same_readers_restarts_and_progress_on_both_sides() {
    // The panel marks a row ≠ where the engine's and the real value differ; the suite
    // compares readers, restarts and the progress the real run reports (where it says it
    // does), so a run it calls agreeing must show no ≠ at all.
    let checks = fidelity::parse(REPORT).unwrap();
    for c in checks.checked.iter().filter(|c| c.agrees) {
        for r in c.real.readers {
            let e = c.engine.readers.iter().find(|e| e.name == r.name);
            assert_eq!(e, Some(r), "{}: reader {}", c.file, r.name);
        }
        assert_eq!(c.engine.restarts, c.real.restarts, "{}", c.file);
        if !c.progress_compared {
            continue;
        }
        for (what, v) in c.real.progress {
            let e = c.engine.progress.iter().find(|(w, _)| w == what);
            assert_eq!(e.map(|(_, v)| v), Some(v), "{}: {what}", c.file);
        }
    }
}
