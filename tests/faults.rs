//! `FaultKind::applies_to` against scenario-format.md §7's table, written out here by hand
//! from the spec's text, and against validation's verdict, over every pipeline the format
//! allows (every source, engine and sink kind with default options).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use crashcourse::engine::scenario::*;
use crashcourse::engine::validate;

/// §7, column "meaning", as the spec words it.
fn spec_allows(k: FaultKind, source: &str, engine: &str, sink: &str) -> bool {
    match k.name() {
        "lost_ack" => ["append", "upsert", "kafka", "bigquery"].contains(&sink),
        "delete_checkpoint" => {
            ["consumer", "micro_batch", "flink"].contains(&engine)
                && ["log", "socket"].contains(&source)
        }
        "zombie" => {
            source == "log"
                && ["consumer", "micro_batch", "flink"].contains(&engine)
                && ["append", "upsert", "kafka", "bigquery", "console"].contains(&sink)
        }
        "republish" => ["log", "queue"].contains(&source),
        _ => true,
    }
}

fn pipelines() -> Vec<Scenario> {
    let mut out = Vec::new();
    for source in ["log", "queue", "socket"] {
        for engine in ["consumer", "micro_batch", "flink", "beam"] {
            for sink in [
                "append",
                "upsert",
                "file",
                "foreach_batch",
                "delta",
                "kafka",
                "bigquery",
                "console",
                "memory",
            ] {
                let v = serde_json::json!({
                    "version": 1,
                    "source": {"kind": source},
                    "engine": {"kind": engine},
                    "sink": {"kind": sink},
                });
                if let Ok(s) = crashcourse::engine::parse_value(&v) {
                    out.push(s);
                }
            }
        }
    }
    out
}

#[test]
fn applies_to_is_the_spec_table_and_validation_agrees() {
    let all = pipelines();
    assert!(all.len() >= 20, "{} pipelines", all.len());
    let mut refused = 0;
    for base in &all {
        let (so, en, si) = (
            base.source.kind_name(),
            base.engine.kind_name(),
            base.sink.kind_name(),
        );
        for &k in FaultKind::ALL {
            let verdict = k.applies_to(&base.source, &base.engine, &base.sink);
            assert_eq!(
                verdict.is_ok(),
                spec_allows(k, so, en, si),
                "{k:?} {so} {en} {si}"
            );
            let mut s = base.clone();
            s.faults.push(support::sample_fault(k));
            match (verdict, validate(&s)) {
                (Ok(()), Err(e)) => assert_ne!(e.path, "faults[0].kind", "{e}"),
                (Err(r), Err(e)) => {
                    refused += 1;
                    assert_eq!(e.path, "faults[0].kind");
                    assert_eq!(e.problem, r.to_string());
                }
                (Err(r), Ok(())) => panic!("validation accepts what applies_to refuses: {r}"),
                (Ok(()), Ok(())) => {}
            }
        }
    }
    assert!(refused > 20, "{refused} refusals");
}

/// One description, two renderings: the explorer's label (in the engine's word for a batch)
/// and the UI's text (the label and the options a placement leaves at their defaults).
#[test]
fn describe_renders_labels_and_texts() {
    let cases: Vec<(Fault, &str, &str)> = vec![
        (
            Fault::Crash {
                batch: 1,
                attempt: 1,
                after: Step::SinkWrite,
                downtime: 1,
            },
            "crash after sink_write · epoch 1",
            "crash after sink_write · epoch 1",
        ),
        (
            Fault::Crash {
                batch: 2,
                attempt: 3,
                after: Step::Checkpoint,
                downtime: 5,
            },
            "crash after checkpoint · epoch 2 (attempt 3)",
            "crash after checkpoint · epoch 2 (attempt 3), down 5 ticks",
        ),
        (
            Fault::CrashMidWrite {
                batch: 0,
                attempt: 1,
                after_records: 1,
                downtime: 0,
            },
            "crash mid-write after 1 row · epoch 0",
            "crash mid-write after 1 row · epoch 0, down 0 ticks",
        ),
        (
            Fault::CrashMidWrite {
                batch: 0,
                attempt: 2,
                after_records: 2,
                downtime: 1,
            },
            "crash mid-write after 2 rows · epoch 0 (attempt 2)",
            "crash mid-write after 2 rows · epoch 0 (attempt 2)",
        ),
        (
            Fault::LostAck {
                batch: 4,
                attempt: 1,
                request: 0,
            },
            "lost ack of request 0 · epoch 4",
            "lost ack of request 0 · epoch 4",
        ),
        (
            Fault::DeleteCheckpoint { before_restart: 2 },
            "checkpoint deleted before restart 2",
            "checkpoint deleted before restart 2",
        ),
        (
            Fault::Zombie {
                batch: 1,
                attempt: 1,
                after: Step::Read,
                downtime: 3,
            },
            "zombie after read · epoch 1",
            "zombie after read · epoch 1, down 3 ticks",
        ),
        (
            Fault::Pause {
                batch: 1,
                attempt: 2,
                after: Step::Read,
                ticks: 15,
            },
            "pause 15 ticks after read · epoch 1 (attempt 2)",
            "pause 15 ticks after read · epoch 1 (attempt 2)",
        ),
        (
            Fault::Republish {
                record: "r2".into(),
                after: Some("r2".into()),
                event_time: None,
            },
            "republish r2",
            "republish r2",
        ),
        (
            Fault::Republish {
                record: "r2".into(),
                after: Some("r9".into()),
                event_time: Some(3),
            },
            "republish r2 after r9",
            "republish r2 after r9, event time 3",
        ),
    ];
    for (f, label, text) in cases {
        let d = f.describe();
        assert_eq!(d.kind, f.kind());
        assert_eq!(d.label("epoch"), label);
        assert_eq!(d.text("epoch"), text);
        assert_eq!(d.label("batch"), label.replace("epoch", "batch"));
    }
}
