//! Playback benchmarks (criterion): `cargo bench --bench playback`. The UI's scrub budget is
//! one 60 Hz frame (16 ms) per cursor position; these figures show how far under it the
//! keyframed `view_at` stays on a long trace. A benchmark, not a test: it prints figures
//! and asserts nothing about time.

use std::rc::Rc;

use criterion::{criterion_group, criterion_main, Criterion};

use crashcourse::engine;

use crashcourse::state::playback::{self, Playback};

/// 200 records one per batch, a crash in the middle: over a thousand events.
fn long_playback() -> Playback {
    let s = engine::parse_scenario(
        r#"{"version":1,"workload":{"records":200,"batch_size":1},"source":{"kind":"log"},
        "engine":{"kind":"micro_batch"},"sink":{"kind":"append"},
        "faults":[{"kind":"crash","batch":100,"after":"sink_write"}]}"#,
    )
    .expect("bench scenario is valid");
    let run = engine::run(&s);
    Playback::new(Rc::new(s), Rc::new(run))
}

fn scrub(c: &mut Criterion) {
    let pb = long_playback();
    let n = pb.len();
    let mut g = c.benchmark_group(format!("playback over {n} events"));
    // The position just before the keyframe after the middle: the longest fold.
    let k = playback::KEYFRAME_EVERY;
    let worst = ((n / 2 / k) * k + k - 1).min(n - 1);
    g.bench_function("view_at, worst position (just before a keyframe)", |b| {
        b.iter(|| pb.view_at(worst))
    });
    g.bench_function("view_at, a scrub across every position", |b| {
        b.iter(|| (0..n).rev().map(|i| pb.view_at(i).events).sum::<usize>())
    });
    g.finish();
}

criterion_group!(benches, scrub);
criterion_main!(benches);
