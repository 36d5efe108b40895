//! Scenario parsing and validation (scenario-format.md §8): every public case is accepted and
//! round-trips, and every invalid scenario gets its exact `PATH: PROBLEM` message.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use crashcourse::engine::scenario::{
    CommitMode, Engine, Sink, Source, StartingPosition, Step, Workload,
};
use crashcourse::engine::{parse_scenario, parse_value, validate, Fault, Scenario, ScenarioError};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Helpers.

/// `$CARGO_MANIFEST_DIR/../shared/spec/cases/*.json` as (file name, scenario), sorted. A
/// missing spec fails the test (see `support::shared_cases_dir`).
fn shared_cases() -> Vec<(String, Value)> {
    let dir = support::shared_cases_dir();
    let entries = std::fs::read_dir(&dir).expect("readable shared cases directory");
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable case file");
        let case: Value = serde_json::from_str(&text).expect("case file is JSON");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let scenario = case.get("scenario").cloned().expect("case has a scenario");
        out.push((name, scenario));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The smallest valid scenario: log → consumer (after) → append.
fn base() -> Value {
    json!({
        "version": 1,
        "source": {"kind": "log"},
        "engine": {"kind": "consumer"},
        "sink": {"kind": "append"}
    })
}

/// `base()` with the top-level fields of `patch` replaced.
fn with(patch: Value) -> Value {
    let mut v = base();
    for (k, x) in patch.as_object().expect("patch is an object") {
        v[k.as_str()] = x.clone();
    }
    v
}

/// `base()` without a top-level field.
fn without(field: &str) -> Value {
    let mut v = base();
    v.as_object_mut().unwrap().remove(field);
    v
}

fn message(v: &Value) -> String {
    match parse_value(v) {
        Ok(_) => "(accepted)".to_string(),
        Err(e) => e.to_string(),
    }
}

fn check_table(table: &[(Value, &str)]) {
    let mut failures = Vec::new();
    for (i, (v, expected)) in table.iter().enumerate() {
        let got = message(v);
        if got != *expected {
            failures.push(format!(
                "#{i}: {v}\n  expected: {expected}\n       got: {got}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} wrong:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The public cases.

#[test]
fn every_shared_case_scenario_is_accepted() {
    let cases = shared_cases();
    assert!(
        cases.len() >= 73,
        "expected at least 73 cases, found {}",
        cases.len()
    );
    for (name, scenario) in &cases {
        let text = serde_json::to_string(scenario).unwrap();
        if let Err(e) = parse_scenario(&text) {
            panic!("{name}: rejected: {e}");
        }
    }
}

#[test]
fn shared_case_round_trip_is_identity() {
    let cases = shared_cases();
    for (name, scenario) in &cases {
        let s = parse_value(scenario).unwrap_or_else(|e| panic!("{name}: {e}"));
        let v = serde_json::to_value(&s).unwrap();
        let again = parse_value(&v).unwrap_or_else(|e| panic!("{name}: re-parse: {e}\n{v}"));
        assert_eq!(s, again, "{name}: round trip changed the scenario");
        assert_eq!(serde_json::to_value(&again).unwrap(), v, "{name}");
        validate(&s).unwrap_or_else(|e| panic!("{name}: validate: {e}"));
    }
}

/// Replacing any one value of a case by an odd one never panics; whatever is accepted is
/// valid under `validate` and round-trips.
#[test]
fn mutated_shared_cases_never_panic() {
    let cases = shared_cases();
    let odd = [
        Value::Null,
        json!(-1),
        json!(0),
        json!(1.5),
        json!(18446744073709551615u64),
        json!(1e20),
        json!("x"),
        json!("r3"),
        json!("sink_commit"),
        json!(true),
        json!([]),
        json!({}),
    ];
    fn paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
        out.push(prefix.to_string());
        match v {
            Value::Object(m) => m
                .iter()
                .for_each(|(k, x)| paths(x, &format!("{prefix}/{k}"), out)),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| paths(x, &format!("{prefix}/{i}"), out)),
            _ => {}
        }
    }
    let mut checked = 0;
    for (name, scenario) in &cases {
        let mut ps = Vec::new();
        paths(scenario, "", &mut ps);
        for p in ps.iter().filter(|p| !p.is_empty()) {
            for x in &odd {
                let mut v = scenario.clone();
                *v.pointer_mut(p).unwrap() = x.clone();
                checked += 1;
                match parse_value(&v) {
                    Ok(s) => {
                        validate(&s).unwrap_or_else(|e| panic!("{name} {p}={x}: {e}"));
                        let back = parse_value(&serde_json::to_value(&s).unwrap()).unwrap();
                        assert_eq!(back, s, "{name} {p}={x}");
                    }
                    Err(e) => {
                        assert!(
                            !e.path.is_empty() && !e.problem.is_empty(),
                            "{name} {p}={x}"
                        );
                        assert!(!e.problem.contains('\n'), "{name} {p}={x}: {e}");
                    }
                }
            }
        }
    }
    assert!(checked > 1000);
}

// ---------------------------------------------------------------------------------------------
// The example messages of scenario-format.md §8, verbatim.

#[test]
fn spec_example_messages() {
    let mb_file = |faults: Value| {
        with(json!({"engine": {"kind": "micro_batch"}, "sink": {"kind": "file"}, "faults": faults}))
    };
    let table: Vec<(Value, &str)> = vec![
        (json!([1, 2]), "(root): expected a JSON object"),
        (json!("scenario"), "(root): expected a JSON object"),
        (with(json!({"version": 2})), "version: must be 1"),
        (without("version"), "version: must be 1"),
        (with(json!({"version": "1"})), "version: must be 1"),
        (with(json!({"sink": {}})), "sink.kind: required"),
        (
            with(json!({"workload": {"batchsize": 3}})),
            "workload.batchsize: unknown field (expected one of: records, batch_size, partitions, event_times, arrival_ticks)",
        ),
        (
            with(json!({"workload": {"records": "10"}})),
            "workload.records: expected an integer",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "comitted"}})),
            "sink.stream_type: unknown value \"comitted\" (expected one of: default, committed, pending, buffered)",
        ),
        (
            with(json!({"workload": {"records": 0}})),
            "workload.records: must be between 1 and 1000000",
        ),
        (
            with(json!({"workload": {"records": 1000001}})),
            "workload.records: must be between 1 and 1000000",
        ),
        (
            with(json!({"workload": {"event_times": [0, 1, 2, 3, 4, 5, 6, 7, 8]}})),
            "workload.event_times: expected 10 values, got 9",
        ),
        (
            with(json!({"workload": {"arrival_ticks": [0, 0, 0, 0, 5, 4, 5, 5, 5, 5]}})),
            "workload.arrival_ticks: must be non-decreasing",
        ),
        (
            with(json!({"source": {"kind": "log", "ack_deadline": 5}})),
            "source.ack_deadline: only allowed when source.kind is \"queue\"",
        ),
        (
            with(json!({"source": {"kind": "queue"}, "engine": {"kind": "flink"}})),
            "engine.kind: \"flink\" does not support source.kind \"queue\" (supported: log, socket)",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "sink": {"kind": "kafka", "transactions": true}})),
            "sink.transactions: Spark's Kafka sink has no transactions; not allowed with engine.kind \"micro_batch\"",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "offsets": "writer"}})),
            "sink.offsets: the _default stream takes no offsets",
        ),
        (
            with(json!({"sink": {"kind": "bigquery", "stream_type": "default", "offsets": "source"}})),
            "sink.offsets: the _default stream takes no offsets",
        ),
        (
            with(json!({"engine": {"kind": "consumer", "commit_mode": "after"},
                        "faults": [{"kind": "crash", "batch": 1, "after": "commit_log"}]})),
            "faults[0].after: step \"commit_log\" does not exist for engine \"consumer\" with commit_mode \"after\" (steps: read, sink_write, source_commit)",
        ),
        (
            with(json!({"faults": [{"kind": "crash", "batch": 1, "after": "commit_log"}]})),
            "faults[0].after: step \"commit_log\" does not exist for engine \"consumer\" with commit_mode \"after\" (steps: read, sink_write, source_commit)",
        ),
        (
            mb_file(json!([
                {"kind": "crash", "batch": 1, "after": "sink_commit"},
                {"kind": "lost_ack", "batch": 2, "request": 0}
            ])),
            "faults[1].kind: lost_ack is not supported for sink.kind \"file\"",
        ),
        (
            with(json!({"source": {"kind": "queue"},
                        "faults": [{"kind": "delete_checkpoint", "before_restart": 1}]})),
            "faults[0].kind: delete_checkpoint is not supported for source.kind \"queue\"",
        ),
        (
            with(json!({"faults": [
                {"kind": "crash", "batch": 1, "after": "read"},
                {"kind": "pause", "batch": 2, "after": "read", "ticks": 3},
                {"kind": "republish", "record": "r1"},
                {"kind": "republish", "record": "r12"}
            ]})),
            "faults[3].record: unknown record \"r12\"",
        ),
        (
            with(json!({"faults": [
                {"kind": "crash", "batch": 1, "after": "read"},
                {"kind": "pause", "batch": 2, "after": "read", "ticks": 3},
                {"kind": "republish", "record": "r1"},
                {"kind": "republish", "record": "r5", "after": "r4"}
            ]})),
            "faults[3].after: must not precede \"r5\"",
        ),
        (
            with(json!({"faults": [
                {"kind": "crash", "batch": 1, "after": "read"},
                {"kind": "pause", "batch": 1, "after": "read", "ticks": 3},
                {"kind": "zombie", "batch": 1, "attempt": 1, "after": "sink_write"}
            ]})),
            "faults[2]: a crash, crash_mid_write or zombie is already placed at batch 1 attempt 1 (faults[0])",
        ),
        (
            with(json!({"sink": {"kind": "kafka", "acks": "all"}})),
            "sink.acks: unknown field (expected one of: kind, idempotence, transactions, isolation, transaction_timeout)",
        ),
    ];
    check_table(&table);
}

#[test]
fn not_json_names_line_and_column() {
    let e = parse_scenario("{\"version\": 1,\n  \"source\": }").unwrap_err();
    assert_eq!(e.path, "(root)");
    assert!(e.problem.starts_with("not valid JSON ("), "{e}");
    assert!(e.problem.contains("line 2 column"), "{e}");
    let e = parse_scenario("").unwrap_err();
    assert!(e.to_string().starts_with("(root): not valid JSON ("), "{e}");
    let e = parse_scenario("{} trailing").unwrap_err();
    assert!(e.to_string().starts_with("(root): not valid JSON ("), "{e}");
    assert_eq!(
        parse_scenario("[]").unwrap_err().to_string(),
        "(root): expected a JSON object"
    );
    assert_eq!(
        parse_scenario("null").unwrap_err().to_string(),
        "(root): expected a JSON object"
    );
}

#[test]
fn error_display_is_path_colon_problem() {
    let e = ScenarioError {
        path: "sink.kind".into(),
        problem: "required".into(),
    };
    assert_eq!(e.to_string(), "sink.kind: required");
}

// ---------------------------------------------------------------------------------------------
// Every other rule of §§1–7.

#[test]
fn top_level_workload_and_source_rules() {
    let table: Vec<(Value, &str)> = vec![
        (
            with(json!({"versoin": 1})),
            "versoin: unknown field (expected one of: version, seed, workload, source, engine, dedup, sink, faults)",
        ),
        (with(json!({"version": 1.0})), "version: must be 1"),
        (with(json!({"seed": 1.5})), "seed: expected an integer"),
        (with(json!({"seed": "7"})), "seed: expected an integer"),
        (with(json!({"seed": null})), "seed: expected an integer"),
        (
            with(json!({"seed": -1})),
            "seed: must be between 0 and 18446744073709551615",
        ),
        (
            serde_json::from_str(
                r#"{"version":1,"seed":18446744073709551616,"source":{"kind":"log"},"engine":{"kind":"consumer"},"sink":{"kind":"append"}}"#,
            )
            .unwrap(),
            "seed: must be between 0 and 18446744073709551615",
        ),
        (without("source"), "source: required"),
        (without("engine"), "engine: required"),
        (without("sink"), "sink: required"),
        (with(json!({"engine": "consumer"})), "engine: expected an object"),
        (with(json!({"workload": null})), "workload: expected an object"),
        (with(json!({"workload": {"batch_size": 2.0}})), "workload.batch_size: expected an integer"),
        (with(json!({"workload": {"batch_size": -2}})), "workload.batch_size: must be between 1 and 1000000"),
        (with(json!({"workload": {"partitions": 65}})), "workload.partitions: must be between 1 and 64"),
        (
            with(json!({"workload": {"partitions": 2}, "source": {"kind": "queue"}})),
            "workload.partitions: must be 1 unless source.kind is \"log\"",
        ),
        (
            with(json!({"workload": {"records": 3, "event_times": [0, 1000000001, 2]}})),
            "workload.event_times[1]: must be between 0 and 1000000000",
        ),
        (
            with(json!({"workload": {"records": 3, "event_times": [0, "1", 2]}})),
            "workload.event_times[1]: expected an integer",
        ),
        (
            with(json!({"workload": {"records": 3, "arrival_ticks": [0, 0, 0, 0]}})),
            "workload.arrival_ticks: expected 3 values, got 4",
        ),
        (
            with(json!({"workload": {"arrival_ticks": "0"}})),
            "workload.arrival_ticks: expected an array of integers or null",
        ),
        (with(json!({"source": {}})), "source.kind: required"),
        (with(json!({"source": {"kind": 1}})), "source.kind: expected a string"),
        (
            with(json!({"source": {"kind": "kafka"}})),
            "source.kind: unknown value \"kafka\" (expected one of: log, queue, socket)",
        ),
        (
            with(json!({"source": {"kind": "log", "starting_position": "newest"}})),
            "source.starting_position: unknown value \"newest\" (expected one of: earliest, latest)",
        ),
        (
            with(json!({"source": {"kind": "log", "starting_position": "latest"}, "engine": {"kind": "flink"}})),
            "source.starting_position: \"latest\" is only allowed when engine.kind is \"consumer\" or \"micro_batch\"",
        ),
        (
            with(json!({"source": {"kind": "queue", "starting_position": "latest"}})),
            "source.starting_position: only allowed when source.kind is \"log\"",
        ),
        (
            with(json!({"source": {"kind": "queue", "ack_deadline": 0}})),
            "source.ack_deadline: must be between 1 and 1000000000",
        ),
        (
            with(json!({"source": {"kind": "queue", "exactly_once_delivery": "true"}})),
            "source.exactly_once_delivery: expected a boolean",
        ),
        (
            with(json!({"source": {"kind": "socket", "exactly_once_delivery": true}, "engine": {"kind": "micro_batch"}})),
            "source.exactly_once_delivery: only allowed when source.kind is \"queue\"",
        ),
        (
            with(json!({"source": {"kind": "log", "host": "x"}})),
            "source.host: unknown field (expected one of: kind, starting_position)",
        ),
    ];
    check_table(&table);
}

#[test]
fn engine_and_dedup_rules() {
    let table: Vec<(Value, &str)> = vec![
        (
            with(json!({"engine": {"kind": "spark"}})),
            "engine.kind: unknown value \"spark\" (expected one of: consumer, micro_batch, flink, beam)",
        ),
        (
            with(json!({"source": {"kind": "queue"}, "engine": {"kind": "micro_batch"}})),
            "engine.kind: \"micro_batch\" does not support source.kind \"queue\" (supported: log, socket)",
        ),
        (
            with(json!({"source": {"kind": "socket"}, "engine": {"kind": "beam"}})),
            "engine.kind: \"beam\" does not support source.kind \"socket\" (supported: log, queue)",
        ),
        (
            with(json!({"source": {"kind": "socket"}})),
            "engine.kind: \"consumer\" does not support source.kind \"socket\" (supported: log, queue)",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch", "commit_mode": "after"}})),
            "engine.commit_mode: only allowed when engine.kind is \"consumer\"",
        ),
        (
            with(json!({"engine": {"kind": "flink", "dedup_by": "message_id"}})),
            "engine.dedup_by: only allowed when engine.kind is \"beam\"",
        ),
        (
            with(json!({"engine": {"kind": "consumer", "group": "g"}})),
            "engine.group: unknown field (expected one of: kind, commit_mode, auto_commit_every)",
        ),
        (
            with(json!({"engine": {"kind": "consumer", "commit_mode": "manual"}})),
            "engine.commit_mode: unknown value \"manual\" (expected one of: after, before, auto, transaction)",
        ),
        (
            with(json!({"source": {"kind": "queue"}, "engine": {"kind": "consumer", "commit_mode": "auto"}})),
            "engine.commit_mode: \"auto\" needs source.kind \"log\"",
        ),
        (
            with(json!({"source": {"kind": "queue"}, "engine": {"kind": "consumer", "commit_mode": "transaction"},
                        "sink": {"kind": "kafka", "transactions": true}})),
            "engine.commit_mode: \"transaction\" needs source.kind \"log\"",
        ),
        (
            with(json!({"engine": {"kind": "consumer", "commit_mode": "transaction"}})),
            "engine.commit_mode: \"transaction\" needs sink.kind \"kafka\" with sink.transactions true",
        ),
        (
            with(json!({"engine": {"kind": "consumer", "commit_mode": "transaction"}, "sink": {"kind": "kafka"}})),
            "engine.commit_mode: \"transaction\" needs sink.kind \"kafka\" with sink.transactions true",
        ),
        (
            with(json!({"engine": {"kind": "consumer", "auto_commit_every": 2}})),
            "engine.auto_commit_every: only allowed when engine.commit_mode is \"auto\"",
        ),
        (
            with(json!({"engine": {"kind": "consumer", "commit_mode": "auto", "auto_commit_every": 0}})),
            "engine.auto_commit_every: must be between 1 and 1000000",
        ),
        (
            with(json!({"engine": {"kind": "beam", "dedup_by": "id_attribute"}})),
            "engine.dedup_by: \"id_attribute\" is only allowed when source.kind is \"queue\"",
        ),
        (
            with(json!({"dedup": {"mode": "drop_duplicates"}})),
            "dedup: only allowed when engine.kind is \"micro_batch\"",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "dedup": []})),
            "dedup: expected an object or null",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "dedup": {"mode": "within_watermark"}})),
            "dedup.watermark_delay: required when dedup.mode is \"within_watermark\"",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "dedup": {"mode": "within_watermark", "watermark_delay": null}})),
            "dedup.watermark_delay: required when dedup.mode is \"within_watermark\"",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "dedup": {"watermark_delay": -1}})),
            "dedup.watermark_delay: must be between 0 and 1000000000",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "dedup": {"window": 3}})),
            "dedup.window: unknown field (expected one of: mode, watermark_delay)",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "dedup": {"mode": "drop"}})),
            "dedup.mode: unknown value \"drop\" (expected one of: drop_duplicates, within_watermark)",
        ),
    ];
    check_table(&table);
}

#[test]
fn sink_rules() {
    let mb = |sink: Value| with(json!({"engine": {"kind": "micro_batch"}, "sink": sink}));
    let bq = |sink: Value| {
        let mut s = sink;
        s["kind"] = json!("bigquery");
        with(json!({"engine": {"kind": "micro_batch"}, "sink": s}))
    };
    let table: Vec<(Value, &str)> = vec![
        (
            with(json!({"sink": {"kind": "s3"}})),
            "sink.kind: unknown value \"s3\" (expected one of: append, upsert, file, foreach_batch, delta, kafka, bigquery, console, memory)",
        ),
        (
            with(json!({"sink": {"kind": "file"}})),
            "sink.kind: \"file\" does not support engine.kind \"consumer\" (supported: micro_batch)",
        ),
        (
            with(json!({"engine": {"kind": "flink"}, "sink": {"kind": "memory"}})),
            "sink.kind: \"memory\" does not support engine.kind \"flink\" (supported: micro_batch)",
        ),
        (
            with(json!({"engine": {"kind": "beam"}, "sink": {"kind": "kafka"}})),
            "sink.kind: \"kafka\" does not support engine.kind \"beam\" (supported: consumer, micro_batch, flink)",
        ),
        (
            with(json!({"engine": {"kind": "flink"}, "sink": {"kind": "bigquery"}})),
            "sink.kind: \"bigquery\" does not support engine.kind \"flink\" (supported: consumer, micro_batch, beam)",
        ),
        (
            with(json!({"sink": {"kind": "append", "key": "record_id"}})),
            "sink.key: only allowed when sink.kind is \"upsert\"",
        ),
        (
            with(json!({"sink": {"kind": "upsert", "key": "uuid"}})),
            "sink.key: unknown value \"uuid\" (expected one of: record_id, source_position, uuid_per_attempt)",
        ),
        (
            mb(json!({"kind": "delta", "txn_app_id": "random"})),
            "sink.txn_app_id: unknown value \"random\" (expected one of: query_id, fixed, none)",
        ),
        (
            mb(json!({"kind": "foreach_batch", "control_table": false, "transaction": "same"})),
            "sink.transaction: only allowed when sink.control_table is true",
        ),
        (
            mb(json!({"kind": "foreach_batch", "control_table": false, "order": "data_first"})),
            "sink.order: only allowed when sink.control_table is true",
        ),
        (
            mb(json!({"kind": "foreach_batch", "order": "marker_first"})),
            "sink.order: only allowed when sink.transaction is \"separate\"",
        ),
        (
            mb(json!({"kind": "foreach_batch", "control_table": "yes"})),
            "sink.control_table: expected a boolean",
        ),
        (
            with(json!({"sink": {"kind": "kafka", "transaction": "same"}})),
            "sink.transaction: only allowed when sink.kind is \"foreach_batch\"",
        ),
        (
            with(json!({"sink": {"kind": "kafka", "idempotence": 1}})),
            "sink.idempotence: expected a boolean",
        ),
        (
            with(json!({"sink": {"kind": "kafka", "idempotence": false, "transactions": true}})),
            "sink.transactions: true needs sink.idempotence true",
        ),
        (
            with(json!({"sink": {"kind": "kafka", "transaction_timeout": 60}})),
            "sink.transaction_timeout: only allowed when sink.transactions is true",
        ),
        (
            with(json!({"sink": {"kind": "kafka", "transactions": true, "transaction_timeout": 0}})),
            "sink.transaction_timeout: must be between 1 and 1000000000",
        ),
        (
            with(json!({"sink": {"kind": "kafka", "isolation": "serializable"}})),
            "sink.isolation: unknown value \"serializable\" (expected one of: read_uncommitted, read_committed)",
        ),
        (
            with(json!({"sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source", "ordering": 1}})),
            "sink.ordering: unknown field (expected one of: kind, stream_type, offsets, stream, batch_commit, finalize_on_drain)",
        ),
        (
            bq(json!({"stream_type": "committed", "offsets": "source", "batch_commit": true})),
            "sink.batch_commit: only allowed when sink.stream is \"per_batch\"",
        ),
        (
            with(json!({"workload": {"partitions": 2}, "engine": {"kind": "micro_batch"},
                        "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source"}})),
            "sink.offsets: \"source\" is only allowed when workload.partitions is 1",
        ),
        (
            with(json!({"source": {"kind": "queue"},
                        "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source"}})),
            "sink.offsets: \"source\" is only allowed when source.kind is \"log\"",
        ),
        (
            bq(json!({"stream_type": "committed", "offsets": "state"})),
            "sink.offsets: \"state\" is only allowed when engine.kind is \"beam\"",
        ),
        (
            bq(json!({"stream_type": "pending", "offsets": "source"})),
            "sink.offsets: \"source\" is not allowed when sink.stream_type is \"pending\" (allowed: none, writer)",
        ),
        (
            bq(json!({"stream_type": "committed", "offsets": "source", "stream": "per_batch"})),
            "sink.stream: \"per_batch\" is not allowed when sink.offsets is \"source\" (source and state need \"shared\")",
        ),
        (
            with(json!({"source": {"kind": "queue"}, "engine": {"kind": "beam"},
                        "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "state", "stream": "per_batch"}})),
            "sink.stream: \"per_batch\" is not allowed when sink.offsets is \"state\" (source and state need \"shared\")",
        ),
        (
            bq(json!({"stream_type": "pending", "stream": "shared"})),
            "sink.stream: must be \"per_batch\" when sink.stream_type is \"pending\"",
        ),
        (
            bq(json!({"stream_type": "buffered", "stream": "per_batch"})),
            "sink.stream: must be \"shared\" when sink.stream_type is \"buffered\"",
        ),
        (
            bq(json!({"stream": "shared"})),
            "sink.stream: not allowed when sink.stream_type is \"default\"",
        ),
        (
            bq(json!({"stream_type": "committed", "stream": "global"})),
            "sink.stream: unknown value \"global\" (expected one of: shared, per_batch)",
        ),
        (
            bq(json!({"batch_commit": false})),
            "sink.batch_commit: not allowed when sink.stream_type is \"default\"",
        ),
        (
            bq(json!({"stream_type": "buffered", "batch_commit": true})),
            "sink.batch_commit: not allowed when sink.stream_type is \"buffered\"",
        ),
        (
            bq(json!({"stream_type": "pending", "batch_commit": false})),
            "sink.batch_commit: must be true when sink.stream_type is \"pending\"",
        ),
        (
            bq(json!({"stream_type": "pending", "finalize_on_drain": true})),
            "sink.finalize_on_drain: not allowed when sink.stream_type is \"pending\"",
        ),
        (
            bq(json!({"finalize_on_drain": false})),
            "sink.finalize_on_drain: not allowed when sink.stream_type is \"default\"",
        ),
        (
            bq(json!({"stream_type": "committed", "stream": "per_batch", "finalize_on_drain": true})),
            "sink.finalize_on_drain: only allowed when sink.stream is \"shared\"",
        ),
        (
            bq(json!({"stream_type": "buffered", "finalize_on_drain": "no"})),
            "sink.finalize_on_drain: expected a boolean",
        ),
    ];
    check_table(&table);
}

#[test]
fn fault_rules() {
    let f = |faults: Value| with(json!({"faults": faults}));
    let table: Vec<(Value, &str)> = vec![
        (f(json!({})), "faults: expected an array"),
        (f(json!(null)), "faults: expected an array"),
        (f(json!([1])), "faults[0]: expected an object"),
        (f(json!([{"batch": 1}])), "faults[0].kind: required"),
        (
            f(json!([{"kind": "kill"}])),
            "faults[0].kind: unknown value \"kill\" (expected one of: crash, crash_mid_write, lost_ack, delete_checkpoint, zombie, pause, republish)",
        ),
        (f(json!([{"kind": "crash", "after": "read"}])), "faults[0].batch: required"),
        (f(json!([{"kind": "crash", "batch": 1}])), "faults[0].after: required"),
        (
            f(json!([{"kind": "crash", "batch": 1000001, "after": "read"}])),
            "faults[0].batch: must be between 0 and 1000000",
        ),
        (
            f(json!([{"kind": "crash", "batch": "1", "after": "read"}])),
            "faults[0].batch: expected an integer",
        ),
        (
            f(json!([{"kind": "crash", "batch": 1, "attempt": 0, "after": "read"}])),
            "faults[0].attempt: must be between 1 and 1000",
        ),
        (
            f(json!([{"kind": "crash", "batch": 1, "after": "read", "downtime": 1000000001}])),
            "faults[0].downtime: must be between 0 and 1000000000",
        ),
        (
            f(json!([{"kind": "crash", "batch": 1, "after": 3}])),
            "faults[0].after: expected a string",
        ),
        (
            f(json!([{"kind": "crash", "batch": 1, "after": "read", "ticks": 3}])),
            "faults[0].ticks: only allowed when faults[0].kind is \"pause\"",
        ),
        (
            f(json!([{"kind": "pause", "batch": 1, "after": "read", "downtime": 3}])),
            "faults[0].downtime: only allowed when faults[0].kind is \"crash\", \"crash_mid_write\" or \"zombie\"",
        ),
        (
            f(json!([{"kind": "pause", "batch": 1, "after": "read", "seconds": 3}])),
            "faults[0].seconds: unknown field (expected one of: kind, batch, attempt, after, ticks)",
        ),
        (f(json!([{"kind": "pause", "batch": 1, "after": "read"}])), "faults[0].ticks: required"),
        (
            f(json!([{"kind": "pause", "batch": 1, "after": "read", "ticks": 0}])),
            "faults[0].ticks: must be between 1 and 1000000000",
        ),
        (
            f(json!([{"kind": "crash_mid_write", "batch": 1, "after_records": 0}])),
            "faults[0].after_records: must be at least 1",
        ),
        (
            f(json!([{"kind": "crash_mid_write", "batch": 1}])),
            "faults[0].after_records: required",
        ),
        (
            f(json!([{"kind": "lost_ack", "batch": 1, "request": -1}])),
            "faults[0].request: must be at least 0",
        ),
        (
            f(json!([{"kind": "lost_ack", "batch": 1, "request": 1.0}])),
            "faults[0].request: expected an integer",
        ),
        (
            f(json!([{"kind": "delete_checkpoint", "before_restart": 0}])),
            "faults[0].before_restart: must be at least 1",
        ),
        (
            f(json!([{"kind": "delete_checkpoint", "before_restart": 4294967296u64}])),
            "faults[0].before_restart: must be at most 4294967295",
        ),
        (
            with(json!({"engine": {"kind": "beam"}, "faults": [{"kind": "delete_checkpoint"}]})),
            "faults[0].kind: delete_checkpoint is not supported for engine.kind \"beam\"",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "sink": {"kind": "memory"},
                        "faults": [{"kind": "lost_ack", "batch": 1, "request": 0}]})),
            "faults[0].kind: lost_ack is not supported for sink.kind \"memory\"",
        ),
        (
            with(json!({"source": {"kind": "queue"}, "faults": [{"kind": "zombie", "batch": 1, "after": "read"}]})),
            "faults[0].kind: zombie is not supported for source.kind \"queue\"",
        ),
        (
            with(json!({"engine": {"kind": "beam"}, "faults": [{"kind": "zombie", "batch": 1, "after": "read"}]})),
            "faults[0].kind: zombie is not supported for engine.kind \"beam\"",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "sink": {"kind": "delta"},
                        "faults": [{"kind": "zombie", "batch": 1, "after": "read"}]})),
            "faults[0].kind: zombie is not supported for sink.kind \"delta\"",
        ),
        (
            f(json!([
                {"kind": "zombie", "batch": 1, "after": "read"},
                {"kind": "zombie", "batch": 2, "after": "read"}
            ])),
            "faults[1]: only one zombie is allowed per scenario (faults[0])",
        ),
        (
            f(json!([
                {"kind": "crash_mid_write", "batch": 3, "attempt": 2, "after_records": 1},
                {"kind": "crash", "batch": 3, "attempt": 1, "after": "read"},
                {"kind": "crash", "batch": 3, "attempt": 2, "after": "read"}
            ])),
            "faults[2]: a crash, crash_mid_write or zombie is already placed at batch 3 attempt 2 (faults[0])",
        ),
        (
            with(json!({"source": {"kind": "socket"}, "engine": {"kind": "micro_batch"},
                        "faults": [{"kind": "republish", "record": "r1"}]})),
            "faults[0].kind: republish is not supported for source.kind \"socket\"",
        ),
        (f(json!([{"kind": "republish"}])), "faults[0].record: required"),
        (f(json!([{"kind": "republish", "record": 3}])), "faults[0].record: expected a string"),
        (
            f(json!([{"kind": "republish", "record": "r03"}])),
            "faults[0].record: unknown record \"r03\"",
        ),
        (
            f(json!([{"kind": "republish", "record": "r3", "after": "r10"}])),
            "faults[0].after: unknown record \"r10\"",
        ),
        (
            f(json!([{"kind": "republish", "record": "r3", "after": null}])),
            "faults[0].after: expected a string",
        ),
        (
            f(json!([{"kind": "republish", "record": "r3", "event_time": -5}])),
            "faults[0].event_time: must be between 0 and 1000000000",
        ),
        (
            f(json!([{"kind": "republish", "record": "r3", "batch": 1}])),
            "faults[0].batch: only allowed when faults[0].kind is \"crash\", \"crash_mid_write\", \"lost_ack\", \"zombie\" or \"pause\"",
        ),
        (
            with(json!({"engine": {"kind": "micro_batch"}, "faults": [{"kind": "crash", "batch": 0, "after": "sink_commit"}]})),
            "faults[0].after: step \"sink_commit\" does not exist for engine \"micro_batch\" (steps: plan, offset_log, read, sink_write, commit_log); sink.kind \"append\" as configured has no commit step",
        ),
        (
            with(json!({"engine": {"kind": "consumer", "commit_mode": "before"}, "faults": [{"kind": "crash", "batch": 0, "after": "checkpoint"}]})),
            "faults[0].after: step \"checkpoint\" does not exist for engine \"consumer\" with commit_mode \"before\" (steps: read, source_commit, sink_write)",
        ),
        (
            with(json!({"engine": {"kind": "beam"}, "faults": [{"kind": "pause", "batch": 0, "after": "source_commit", "ticks": 1}]})),
            "faults[0].after: step \"source_commit\" does not exist for engine \"beam\" with source.kind \"log\" (steps: read, sink_write, checkpoint)",
        ),
        (
            with(json!({"engine": {"kind": "flink"}, "faults": [{"kind": "crash", "batch": 0, "after": "sink-write"}]})),
            "faults[0].after: step \"sink-write\" does not exist for engine \"flink\" (steps: read, sink_write, checkpoint)",
        ),
    ];
    check_table(&table);
}

/// The first violation in document order is the one reported.
#[test]
fn first_violation_in_document_order() {
    let table: Vec<(Value, &str)> = vec![
        // Several errors at once: version before everything.
        (
            json!({"version": 3, "workload": {"records": 0}, "source": {}, "sink": {"kind": "x"}}),
            "version: must be 1",
        ),
        // workload before source, source before engine, engine before sink, sink before faults.
        (
            json!({"version": 1, "workload": {"records": 0}, "source": {}, "engine": {}, "sink": {}}),
            "workload.records: must be between 1 and 1000000",
        ),
        (
            json!({"version": 1, "source": {}, "engine": {}, "sink": {}}),
            "source.kind: required",
        ),
        (
            json!({"version": 1, "source": {"kind": "log"}, "engine": {}, "sink": {}}),
            "engine.kind: required",
        ),
        (
            with(json!({"sink": {"kind": "kafka", "transactions": "yes"}, "faults": [{"kind": "x"}]})),
            "sink.transactions: expected a boolean",
        ),
        // Inside an object: the spec's field order (records before batch_size).
        (
            with(json!({"workload": {"batch_size": 0, "records": 0}})),
            "workload.records: must be between 1 and 1000000",
        ),
        // Unknown keys are reported before the object's fields.
        (
            with(json!({"workload": {"records": 0, "recs": 1}})),
            "workload.recs: unknown field (expected one of: records, batch_size, partitions, event_times, arrival_ticks)",
        ),
        // A rule stated on an earlier field that needs a later part waits for that part's kind.
        (
            with(json!({"workload": {"partitions": 2}, "source": {"kind": "pipe"}})),
            "source.kind: unknown value \"pipe\" (expected one of: log, queue, socket)",
        ),
        (
            with(json!({"workload": {"partitions": 2}, "source": {"kind": "socket"}, "engine": {"kind": "beam"}})),
            "workload.partitions: must be 1 unless source.kind is \"log\"",
        ),
        (
            with(json!({"engine": {"kind": "consumer", "commit_mode": "transaction"},
                        "sink": {"kind": "kafka", "transactions": 1}})),
            "sink.transactions: expected a boolean",
        ),
        // The fault applicability check precedes the fault's fields.
        (
            with(json!({"source": {"kind": "queue"}, "faults": [{"kind": "delete_checkpoint", "before_restart": 0}]})),
            "faults[0].kind: delete_checkpoint is not supported for source.kind \"queue\"",
        ),
    ];
    check_table(&table);
}

// ---------------------------------------------------------------------------------------------
// What is accepted, and the defaults.

#[test]
fn accepted_edges_and_nulls() {
    let ok = [
        with(json!({"seed": 18446744073709551615u64})),
        with(json!({"seed": 0, "faults": []})),
        with(json!({"workload": {"records": 1000000, "batch_size": 1000000, "partitions": 64}})),
        with(json!({"workload": {"event_times": null, "arrival_ticks": null}})),
        with(
            json!({"workload": {"records": 3, "event_times": [1000000000, 0, 5], "arrival_ticks": [0, 0, 1000000000]}}),
        ),
        with(json!({"workload": {"partitions": 1}, "source": {"kind": "queue"}})),
        with(json!({"dedup": null})),
        with(json!({"engine": {"kind": "micro_batch"}, "dedup": {}})),
        with(
            json!({"engine": {"kind": "micro_batch"}, "dedup": {"mode": "drop_duplicates", "watermark_delay": null}}),
        ),
        with(
            json!({"engine": {"kind": "micro_batch"}, "dedup": {"mode": "within_watermark", "watermark_delay": 0}}),
        ),
        with(
            json!({"engine": {"kind": "consumer", "commit_mode": "auto", "auto_commit_every": 1000000}}),
        ),
        with(
            json!({"source": {"kind": "queue", "ack_deadline": 1000000000, "exactly_once_delivery": false}}),
        ),
        with(
            json!({"source": {"kind": "queue"}, "engine": {"kind": "beam", "dedup_by": "id_attribute"}}),
        ),
        with(
            json!({"engine": {"kind": "micro_batch"}, "sink": {"kind": "kafka", "transactions": false}}),
        ),
        with(
            json!({"engine": {"kind": "flink"}, "sink": {"kind": "kafka", "transactions": true, "transaction_timeout": 1000000000}}),
        ),
        with(
            json!({"engine": {"kind": "micro_batch"}, "sink": {"kind": "foreach_batch", "control_table": false}}),
        ),
        with(
            json!({"engine": {"kind": "micro_batch"}, "sink": {"kind": "foreach_batch", "control_table": true, "transaction": "separate", "order": "marker_first"}}),
        ),
        with(json!({"sink": {"kind": "bigquery", "stream_type": "default", "offsets": "none"}})),
        with(
            json!({"sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "writer", "stream": "per_batch", "batch_commit": false}}),
        ),
        with(
            json!({"sink": {"kind": "bigquery", "stream_type": "pending", "offsets": "writer", "stream": "per_batch", "batch_commit": true}}),
        ),
        with(
            json!({"sink": {"kind": "bigquery", "stream_type": "buffered", "offsets": "source", "stream": "shared", "finalize_on_drain": true}}),
        ),
        with(
            json!({"source": {"kind": "queue"}, "engine": {"kind": "beam"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "state"}}),
        ),
        with(json!({"faults": [
            {"kind": "crash", "batch": 1000000, "attempt": 1000, "after": "source_commit", "downtime": 0},
            {"kind": "crash", "batch": 1000000, "attempt": 999, "after": "read"},
            {"kind": "pause", "batch": 1000000, "attempt": 1000, "after": "read", "ticks": 1000000000},
            {"kind": "lost_ack", "batch": 0, "request": 0},
            {"kind": "delete_checkpoint"},
            {"kind": "republish", "record": "r9", "after": "r9", "event_time": null},
            {"kind": "republish", "record": "r0", "event_time": 1000000000}
        ]})),
        with(
            json!({"source": {"kind": "queue"}, "faults": [{"kind": "republish", "record": "r1", "after": "r2"}]}),
        ),
    ];
    for v in &ok {
        let s = parse_value(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        let back = parse_value(&serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(back, s, "{v}");
    }
}

#[test]
fn defaults_are_resolved() {
    let s = parse_value(&base()).unwrap();
    assert_eq!(s.seed, 0);
    assert_eq!(s.workload, Workload::default());
    assert_eq!(s.workload.records, 10);
    assert_eq!(s.workload.batch_size, 2);
    assert_eq!(s.workload.partitions, 1);
    assert_eq!(s.dedup, None);
    assert!(s.faults.is_empty());
    assert_eq!(s.source.starting_position(), StartingPosition::Earliest);
    assert_eq!(s.engine.commit_mode(), CommitMode::After);

    let s = parse_value(&with(json!({"faults": [
        {"kind": "crash", "batch": 2, "after": "sink_write"},
        {"kind": "delete_checkpoint"},
        {"kind": "republish", "record": "r3"}
    ]})))
    .unwrap();
    assert_eq!(
        s.faults,
        vec![
            Fault::Crash {
                batch: 2,
                attempt: 1,
                after: Step::SinkWrite,
                downtime: 1
            },
            Fault::DeleteCheckpoint { before_restart: 1 },
            Fault::Republish {
                record: "r3".into(),
                after: None,
                event_time: None
            },
        ]
    );
}

#[test]
fn validate_checks_built_scenarios() {
    let mut s = parse_value(&base()).unwrap();
    validate(&s).unwrap();

    s.engine = Engine::Flink;
    s.source = Source::Queue {
        ack_deadline: None,
        exactly_once_delivery: None,
    };
    assert_eq!(
        validate(&s).unwrap_err().to_string(),
        "engine.kind: \"flink\" does not support source.kind \"queue\" (supported: log, socket)"
    );

    let mut s = parse_value(&base()).unwrap();
    s.version = 2;
    assert_eq!(validate(&s).unwrap_err().to_string(), "version: must be 1");

    let mut s = parse_value(&base()).unwrap();
    s.sink = Sink::Kafka {
        idempotence: Some(false),
        transactions: Some(true),
        isolation: None,
        transaction_timeout: None,
    };
    assert_eq!(
        validate(&s).unwrap_err().to_string(),
        "sink.transactions: true needs sink.idempotence true"
    );

    let mut s: Scenario = parse_value(&base()).unwrap();
    s.faults.push(Fault::Pause {
        batch: 0,
        attempt: 1,
        after: Step::Checkpoint,
        ticks: 5,
    });
    assert_eq!(
        validate(&s).unwrap_err().to_string(),
        "faults[0].after: step \"checkpoint\" does not exist for engine \"consumer\" with commit_mode \"after\" (steps: read, sink_write, source_commit)"
    );
}
