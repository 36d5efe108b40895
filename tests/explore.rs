//! The explorer: placement counts, replayability, and the classifier checked against
//! every placement of many scenarios.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use crashcourse::engine::{self, explore, gen, ExploreOptions, Scenario};

fn parse(s: &str) -> Scenario {
    engine::parse_scenario(s).expect("valid scenario")
}

fn lost(o: &engine::Outcome) -> usize {
    o.missing
        .0
        .iter()
        .filter(|r| !o.before_start.0.contains(r) && !o.dropped_late.0.contains(r))
        .count()
}

/// Every run of the matrix that broke no assumption stays within the classified guarantee.
fn assert_consistent(sc: &Scenario, what: &str) -> usize {
    let m = engine::explore(sc, ExploreOptions::default());
    for r in &m.runs {
        let o = &r.outcome;
        if !o.assumptions_broken.is_empty() {
            continue;
        }
        let g = o.guarantee;
        assert!(
            g.may_lose() || lost(o) == 0,
            "{what}: {} but '{}' loses {:?}",
            g.name(),
            r.label,
            o.missing
        );
        assert!(
            g.may_duplicate() || o.duplicated.0.is_empty(),
            "{what}: {} but '{}' duplicates {:?}",
            g.name(),
            r.label,
            o.duplicated
        );
    }
    m.runs.len()
}

#[test]
fn classifier_holds_for_every_placement_of_the_shared_cases() {
    let dir = support::shared_cases_dir();
    let mut runs = 0;
    for f in support::case_files(&dir) {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).expect("readable")).expect("json");
        let sc = engine::parse_value(&v["scenario"]).expect("valid");
        runs += assert_consistent(&sc, v["id"].as_str().unwrap_or("?"));
    }
    assert!(runs > 3000, "only {runs} runs");
}

#[test]
fn classifier_holds_for_every_placement_of_random_scenarios() {
    let lim = gen::GenLimits {
        max_records: 8,
        max_batch_size: 3,
        max_faults: 1,
    };
    for seed in 0..400 {
        let sc = gen::random_scenario(seed, &lim);
        assert_consistent(&sc, &format!("seed {seed}"));
    }
}

#[test]
fn every_placement_is_valid_and_replays_to_its_outcome() {
    for seed in 0..60 {
        let sc = gen::random_scenario(seed, &gen::GenLimits::default());
        let m = engine::explore(&sc, ExploreOptions { pairs: 20 });
        for r in &m.runs {
            let mut s = sc.clone();
            s.faults = r.faults.clone();
            engine::validate(&s).unwrap_or_else(|e| panic!("seed {seed} '{}': {e}", r.label));
            assert_eq!(
                engine::run_outcome(&s),
                r.outcome,
                "seed {seed} '{}'",
                r.label
            );
        }
        let grouped: usize = m.summary.iter().map(|g| g.runs.len()).sum();
        assert_eq!(grouped, m.runs.len(), "every run is in exactly one group");
    }
}

#[test]
fn placement_counts_match_the_step_vocabulary() {
    // micro_batch, append, 10 records, batch size 2: 5 batches × 5 steps (plan,
    // offset_log, read, sink_write, commit_log) = 25 crashes and 25 zombies; 5 data
    // writes of 2 rows: 5 mid-write crashes (k = 1) and 10 lost acks; no restart, so no
    // checkpoint deletion; no clock-sensitive part, so no pause; republish each record
    // right after itself (10) and after r9 (9) = 19. Total 84.
    let spark = parse(
        r#"{"version":1,"source":{"kind":"log"},"engine":{"kind":"micro_batch"},"sink":{"kind":"append"}}"#,
    );
    assert_eq!(explore::placements(&spark).len(), 84);

    // consumer after, queue, append, 4 records: 2 batches × 3 steps = 6 crashes; no zombie
    // (queue); 2 mid-write; 4 lost acks; no deletion (queue); 6 pauses (leases); 4 + 3
    // republishes. Total 25.
    let queue = parse(
        r#"{"version":1,"workload":{"records":4},"source":{"kind":"queue"},"engine":{"kind":"consumer"},"sink":{"kind":"append"}}"#,
    );
    assert_eq!(explore::placements(&queue).len(), 25);

    // flink + transactional kafka, 4 records: 2 epochs × 4 steps = 8 crashes, 8 zombies,
    // 8 pauses (transaction timeout); 2 mid-write; 4 lost acks; 7 republishes. Total 37.
    let flink = parse(
        r#"{"version":1,"workload":{"records":4},"source":{"kind":"log"},"engine":{"kind":"flink"},"sink":{"kind":"kafka","transactions":true,"isolation":"read_committed"}}"#,
    );
    assert_eq!(explore::placements(&flink).len(), 37);

    // With a crash in the base, attempt 2 of batch 1 exists and a deletion before
    // restart 1 becomes possible.
    let crashed = parse(
        r#"{"version":1,"workload":{"records":4},"source":{"kind":"log"},"engine":{"kind":"micro_batch"},"sink":{"kind":"file"},
           "faults":[{"kind":"crash","batch":1,"after":"sink_write"}]}"#,
    );
    let p = explore::placements(&crashed);
    assert!(p.contains(&engine::Fault::DeleteCheckpoint { before_restart: 1 }));
    assert!(p.contains(&engine::Fault::Crash {
        batch: 1,
        attempt: 2,
        after: engine::Step::CommitLog,
        downtime: 1
    }));
}

#[test]
fn summary_names_the_dangerous_window() {
    let sc = parse(
        r#"{"version":1,"source":{"kind":"log"},"engine":{"kind":"micro_batch"},"sink":{"kind":"foreach_batch","transaction":"separate","order":"data_first"}}"#,
    );
    let m = engine::explore(&sc, ExploreOptions::default());
    let g = m
        .summary
        .iter()
        .find(|g| g.what == "duplicate r4, r5")
        .expect("a group duplicates batch 2");
    assert!(
        g.text.contains("crash after sink_write in batch 2"),
        "{}",
        g.text
    );
    let ok = m
        .summary
        .iter()
        .find(|g| g.effect == "ok")
        .expect("ok group");
    assert!(ok.text.contains("crash after commit_log"));
}

#[test]
fn compare_aligns_three_guarantees_step_by_step() {
    let base = parse(
        r#"{"version":1,"source":{"kind":"log"},"engine":{"kind":"consumer","commit_mode":"before"},"sink":{"kind":"append"},
           "faults":[{"kind":"crash","batch":1,"after":"sink_write"}]}"#,
    );
    let mut after = base.clone();
    after.engine = engine::scenario::Engine::Consumer {
        commit_mode: Some(engine::scenario::CommitMode::After),
        auto_commit_every: None,
    };
    let mut spark = base.clone();
    spark.engine = engine::scenario::Engine::MicroBatch;
    spark.sink = engine::scenario::Sink::File;
    let configs: Vec<engine::Config> = [&base, &after, &spark]
        .iter()
        .map(|s| engine::Config::of(s))
        .collect();
    let c = engine::compare(&base, &configs);
    assert_eq!(c.columns.len(), 3);
    // at-most-once, at-least-once, exactly-once side by side
    assert_eq!(
        c.columns[0].outcome.guarantee,
        engine::Guarantee::AtMostOnce
    );
    assert_eq!(
        c.columns[1].outcome.guarantee,
        engine::Guarantee::AtLeastOnce
    );
    assert_eq!(
        c.columns[2].outcome.guarantee,
        engine::Guarantee::ExactlyOnce
    );
    // every event of every column appears once, in order
    for (ci, col) in c.columns.iter().enumerate() {
        let idx: Vec<usize> = c.rows.iter().filter_map(|r| r[ci]).collect();
        assert_eq!(idx, (0..col.trace.len()).collect::<Vec<_>>());
    }
    // the crash events of the three columns share a row
    let crash_row = c.rows.iter().find(|r| {
        r.iter().enumerate().all(|(ci, e)| {
            e.is_some_and(|i| c.columns[ci].trace[i].kind == engine::EventKind::Fault)
        })
    });
    assert!(crash_row.is_some(), "the crashes are aligned");
}

/// Compare's "three guarantees" (src/ui/views/compare.rs) bring two crashes of their own: no
/// single crash makes committing first lose *and* writing first duplicate, and the two
/// chosen ones show the three effects (at-most-once loses, at-least-once duplicates,
/// exactly-once neither).
#[test]
fn the_three_guarantees_need_two_crashes() {
    let consumer = |mode: &str| {
        parse(&format!(
            r#"{{"version":1,"workload":{{"records":10,"batch_size":2}},"source":{{"kind":"log"}},
            "engine":{{"kind":"consumer","commit_mode":"{mode}"}},"sink":{{"kind":"append"}},"faults":[]}}"#
        ))
    };
    let (before, after) = (consumer("before"), consumer("after"));
    let crashes = |sc: &Scenario| {
        explore(sc, ExploreOptions::default())
            .runs
            .into_iter()
            .filter(|r| matches!(r.faults.as_slice(), [engine::Fault::Crash { .. }]))
            .map(|r| (r.faults, r.outcome))
            .collect::<Vec<_>>()
    };
    let (b, a) = (crashes(&before), crashes(&after));
    assert!(b.iter().any(|(_, o)| !o.missing.0.is_empty()));
    assert!(a.iter().any(|(_, o)| !o.duplicated.0.is_empty()));
    for (f, o) in &b {
        let dup_after = a.iter().any(|(g, p)| g == f && !p.duplicated.0.is_empty());
        assert!(
            o.missing.0.is_empty() || !dup_after,
            "one crash both loses (commit first) and duplicates (write first): {f:?}"
        );
    }

    let two = r#"[{"kind":"crash","batch":1,"after":"source_commit"},{"kind":"crash","batch":2,"after":"sink_write"}]"#;
    let with_two = |sc: &Scenario| {
        let mut v = serde_json::to_value(sc).unwrap();
        v["faults"] = serde_json::from_str(two).unwrap();
        engine::parse_value(&v).unwrap()
    };
    let txn = parse(
        r#"{"version":1,"workload":{"records":10,"batch_size":2},"source":{"kind":"log"},
        "engine":{"kind":"consumer","commit_mode":"transaction"},
        "sink":{"kind":"kafka","transactions":true,"isolation":"read_committed"},"faults":[]}"#,
    );
    let configs: Vec<engine::Config> = [&before, &after, &txn]
        .iter()
        .map(|s| engine::Config::of(s))
        .collect();
    let cmp = engine::compare(&with_two(&before), &configs);
    let missing: Vec<&[usize]> = cmp
        .columns
        .iter()
        .map(|c| &c.outcome.missing.0[..])
        .collect();
    let duplicated: Vec<&[(usize, u64)]> = cmp
        .columns
        .iter()
        .map(|c| &c.outcome.duplicated.0[..])
        .collect();
    assert_eq!(missing, [&[2, 3][..], &[], &[]]);
    assert_eq!(duplicated, [&[][..], &[(4, 2), (5, 2)], &[]]);
    // The transaction has no source_commit step: the engine skips that crash and says why.
    assert_eq!(cmp.columns[2].skipped_faults, vec![0]);
}
