//! Mermaid export: only the participants the run uses, in the engine's own words.
#![cfg(not(target_arch = "wasm32"))]

use crashcourse::{engine, export};

fn mermaid(json: &str) -> String {
    let sc = engine::parse_scenario(json).expect("valid scenario");
    let run = engine::run(&sc);
    export::mermaid(&sc, &run)
}

#[test]
fn a_consumer_diagram_declares_no_checkpoint() {
    let m = mermaid(
        r#"{"version": 1, "workload": {"records": 4, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "after"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
    );
    assert!(!m.contains("participant C"), "{m}");
    assert!(
        !m.contains("over C") && !m.contains(",C:") && !m.contains("->>C"),
        "{m}"
    );
    assert!(m.contains("participant S as Log (source)"));
    assert!(m.contains("participant K as Sink (append)"));
}

#[test]
fn a_spark_diagram_keeps_its_checkpoint() {
    let m = mermaid(
        r#"{"version": 1, "workload": {"records": 4, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}, "faults": []}"#,
    );
    assert!(m.contains("participant C as Checkpoint"), "{m}");
    assert!(m.contains("E->>C: write offsets/0"), "{m}");
}

#[test]
fn a_flink_diagram_speaks_of_epochs() {
    let m = mermaid(
        r#"{"version": 1, "workload": {"records": 4, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "flink"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
    );
    assert!(m.contains("read r2, r3 (epoch 1)"), "{m}");
    assert!(m.contains("CRASH after sink_write of epoch 1"), "{m}");
    assert!(!m.contains("(batch "), "{m}");
}
