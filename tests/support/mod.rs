//! Shared helpers for the native test suites.
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

pub mod golden;

use crashcourse::engine::scenario::{Fault, FaultKind, Step};

/// `../shared/spec/cases` beside the repository (CI clones with shared/ beside it).
///
/// A missing spec fails the test that needs it, with a message saying where it was looked
/// for: a suite that checked nothing must not count as passed. Every test that needs the
/// shared spec has `shared` in its name, so `cargo test -- --skip shared` leaves them out
/// on purpose (cargo then reports them as filtered out, not passed).
pub fn shared_cases_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/cases");
    assert!(
        d.is_dir(),
        "the shared spec's cases are not at {}: check out shared/ beside the repository \
         (or leave these tests out on purpose with `cargo test -- --skip shared`)",
        d.display()
    );
    d
}

/// Every `*.json` case file in a folder, sorted by name.
pub fn case_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Compare an `expect` object with an outcome the way spec/README.md says: every key of
/// `expect` must match; lists of scalars compare sorted, `duplicated`/`visible` exactly,
/// nested objects on the keys given. Returns the first mismatch's path.
pub fn matches(expect: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match expect {
        Value::Object(m) => {
            let exact = path.ends_with("duplicated") || path.ends_with("visible");
            let Value::Object(a) = actual else {
                return Err(format!("{path}: expected an object, got {actual}"));
            };
            if exact && m.len() != a.len() {
                return Err(format!("{path}: expected {expect}, got {actual}"));
            }
            for (k, v) in m {
                let sub = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => matches(v, av, &sub)?,
                    None => return Err(format!("{sub}: missing in the outcome")),
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            let Value::Array(a) = actual else {
                return Err(format!("{path}: expected a list, got {actual}"));
            };
            let scalar = items
                .iter()
                .chain(a.iter())
                .all(|v| !v.is_object() && !v.is_array());
            if scalar {
                let mut e: Vec<String> = items.iter().map(|v| v.to_string()).collect();
                let mut g: Vec<String> = a.iter().map(|v| v.to_string()).collect();
                e.sort();
                g.sort();
                if e != g {
                    return Err(format!("{path}: expected {expect}, got {actual}"));
                }
                return Ok(());
            }
            if items.len() != a.len() {
                return Err(format!("{path}: expected {expect}, got {actual}"));
            }
            for (i, (x, y)) in items.iter().zip(a).enumerate() {
                matches(x, y, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        _ => {
            if expect == actual {
                Ok(())
            } else {
                Err(format!("{path}: expected {expect}, got {actual}"))
            }
        }
    }
}

/// One fault of each kind, at batch 0 attempt 1 (after sink_write where a step is needed).
pub fn sample_fault(k: FaultKind) -> Fault {
    match k {
        FaultKind::Crash => Fault::Crash {
            batch: 0,
            attempt: 1,
            after: Step::SinkWrite,
            downtime: 1,
        },
        FaultKind::CrashMidWrite => Fault::CrashMidWrite {
            batch: 0,
            attempt: 1,
            after_records: 1,
            downtime: 1,
        },
        FaultKind::LostAck => Fault::LostAck {
            batch: 0,
            attempt: 1,
            request: 0,
        },
        FaultKind::DeleteCheckpoint => Fault::DeleteCheckpoint { before_restart: 1 },
        FaultKind::Zombie => Fault::Zombie {
            batch: 0,
            attempt: 1,
            after: Step::SinkWrite,
            downtime: 1,
        },
        FaultKind::Pause => Fault::Pause {
            batch: 0,
            attempt: 1,
            after: Step::SinkWrite,
            ticks: 1,
        },
        FaultKind::Republish => Fault::Republish {
            record: "r0".into(),
            after: None,
            event_time: None,
        },
    }
}
