//! The engine in the browser (wasm32, headless Chromium): the same scenario gives the
//! same trace byte for byte as natively (the golden files were written by the native
//! build), and the explorer's full matrix is timed with `performance.now()` (a figure,
//! printed; not an assertion on time).
#![cfg(target_arch = "wasm32")]

use crashcourse::engine;
use wasm_bindgen_test::*;

// The golden files' format, shared with the native golden_traces test.
#[path = "support/golden.rs"]
#[allow(dead_code)]
mod golden;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! golden {
    ($name:literal) => {
        (
            include_str!(concat!("golden/", $name, ".scenario.json")),
            include_str!(concat!("golden/", $name, ".trace.jsonl")),
        )
    };
}

#[wasm_bindgen_test]
fn traces_in_wasm_match_the_native_golden_files_byte_for_byte() {
    for (scenario, want) in [
        golden!("021-spark-append-crash-after-write-duplicates"),
        golden!("012-consumer-kafka-zombie-fenced"),
        golden!("062-flink-transaction-timeout-lost"),
        golden!("050-bq-writer-offsets-stale-restart-silent-loss"),
        golden!("068-beam-redelivery-after-commit-deduped"),
        golden!("028-spark-foreachbatch-marker-first-loses"),
    ] {
        assert_eq!(golden::trace_lines(scenario), want);
    }
}

#[wasm_bindgen_test]
fn explore_matrix_timing_in_the_browser() {
    let sc = engine::parse_scenario(
        r#"{"version":1,"source":{"kind":"log"},"engine":{"kind":"micro_batch"},"sink":{"kind":"append"}}"#,
    )
    .expect("valid");
    let perf = web_sys::window()
        .expect("window")
        .performance()
        .expect("performance");
    // Warm up once, then time several full matrices.
    let m = engine::explore(&sc, engine::ExploreOptions::default());
    assert_eq!(m.runs.len(), 85);
    const N: u32 = 20;
    let t0 = perf.now();
    for _ in 0..N {
        let m = engine::explore(&sc, engine::ExploreOptions::default());
        assert_eq!(m.runs.len(), 85);
    }
    let ms = (perf.now() - t0) / f64::from(N);
    console_log!("BENCH explore 10 records batch size 2 (85 runs) in wasm: {ms:.2} ms per matrix");
    let t1 = perf.now();
    for _ in 0..N {
        let _ = engine::run(&sc);
    }
    let us = (perf.now() - t1) * 1000.0 / f64::from(N);
    console_log!("BENCH one traced 10-record run in wasm: {us:.0} µs");
}
