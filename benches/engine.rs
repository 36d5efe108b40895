//! Engine benchmarks (criterion): `cargo bench --bench engine`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use crashcourse::engine::{self, Scenario};

fn scenario(records: u32, batch_size: u32, sink: &str, faults: &str) -> Scenario {
    let text = format!(
        r#"{{"version":1,"workload":{{"records":{records},"batch_size":{batch_size}}},
        "source":{{"kind":"log"}},"engine":{{"kind":"micro_batch"}},
        "sink":{sink},"faults":{faults}}}"#
    );
    engine::parse_scenario(&text).expect("bench scenario is valid")
}

fn small(c: &mut Criterion) {
    let s = scenario(
        10,
        2,
        r#"{"kind":"append"}"#,
        r#"[{"kind":"crash","batch":1,"after":"sink_write"}]"#,
    );
    c.bench_function("run 10 records with trace", |b| b.iter(|| engine::run(&s)));
    c.bench_function("run 10 records outcome only", |b| {
        b.iter(|| engine::run_outcome(&s))
    });
    let clean = scenario(10, 2, r#"{"kind":"append"}"#, "[]");
    c.bench_function(
        "explore 10 records, batch size 2 (full single-fault matrix)",
        |b| b.iter(|| engine::explore(&clean, engine::ExploreOptions::default())),
    );
}

fn growth(c: &mut Criterion) {
    let mut g = c.benchmark_group("clean run, outcome only");
    g.sample_size(10);
    for n in [10_000u32, 100_000, 1_000_000] {
        let s = scenario(n, 1000, r#"{"kind":"append"}"#, "[]");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &s, |b, s| {
            b.iter(|| engine::run_outcome(s))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("clean run, 1M records, batch size 2");
    g.sample_size(10);
    let s = scenario(1_000_000, 2, r#"{"kind":"append"}"#, "[]");
    g.bench_function("micro_batch append", |b| b.iter(|| engine::run_outcome(&s)));
    let q = engine::parse_scenario(
        r#"{"version":1,"workload":{"records":1000000,"batch_size":2},"source":{"kind":"queue"},
            "engine":{"kind":"consumer"},"sink":{"kind":"upsert"}}"#,
    )
    .expect("valid");
    g.bench_function("queue consumer upsert", |b| {
        b.iter(|| engine::run_outcome(&q))
    });
    g.finish();
}

criterion_group!(benches, small, growth);
criterion_main!(benches);
