//! Pinned answers: every quiz key and every lesson's outcome, written by hand from
//! `../shared/spec/semantics.md` (and `scenario-format.md` for defaults and readers), never
//! copied from a run. The engine's answer must equal the table; a row missing from the table
//! or a row for an id that no longer exists fails.
//!
//! Each row's comment is the derivation (defaults: 10 records r0..r9, batch_size 2, every
//! record arrived at tick 0, event time = index). Sections are those of semantics.md.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use crashcourse::engine::{self, Outcome};
use crashcourse::lessons::{self, Answer};

// ---------------------------------------------------------------------------- quiz

/// Quiz question id → the text of its correct choice.
const QUIZ_KEYS: &[(&str, &str)] = &[
    // consumer `before` on a log: L2 can_lose; no replay (§9 `replays`) → lose only.
    ("q-commit-before-no-loss-this-run", "at-most-once"),
    // consumer `before` on a queue: L2 can_lose; a queue replays under every commit mode and
    // append rewrites → can_dup. Both → none (§9 table: append, consumer `before`, queue).
    ("q-pubsub-ack-first", "none"),
    // §5.1: the re-run of batch 2 (not in _spark_metadata) writes new files and lists only
    // those; the orphans are seen by raw_listing only. metadata_log is primary: no duplicate.
    ("q-file-sink-spark-reader", "none"),
    // §8.4 + §5.3: new query q2 from earliest re-reads r0..; txn[q2] is absent, so batches
    // 0-2 (r0..r5) are appended a second time; r6..r9 once.
    ("q-delta-new-query-earliest", "r0, r1, r2, r3, r4, r5"),
    // §3.1 `after` + §7.2: T1 (r2, r3) is committed, the offset 2 is not; batch 1 is consumed
    // again and committed in a second transaction → read_committed sees r2, r3 twice.
    ("q-kafka-txn-offsets-outside", "r2, r3"),
    // §8.3: batch 1's request 1 is r3; idempotence off → the retry appends a second copy.
    ("q-kafka-lost-ack-no-idempotence", "r3"),
    // §3.3: recovery at tick 1 restores checkpoint 1 and commits its pre-committed T1
    // (age 1 < 60, §7.3), resumes at position 4: nothing replayed, nothing lost.
    (
        "q-flink-crash-after-checkpoint",
        "nothing lost or duplicated",
    ),
    // §8.5 + §6: the new driver re-runs batch 1, drains and finalizes the shared stream
    // (`finalize_on_drain`); the zombie's appends of r2, r3 hit a finalized stream, which is
    // checked first → STREAM_FINALIZED (not retried, batch goes on); its commit-log write is
    // rejected silently.
    ("q-bq-zombie-finalized", "STREAM_FINALIZED"),
    // §2.1: latest at T=0 resolves to 4 (r0..r3 before_start); §6: r4 is sent at offset 4
    // to a stream whose end is 0 → OUT_OF_RANGE, the end never moves, every row fails.
    ("q-bq-latest-start", "OUT_OF_RANGE"),
    // §4: WM_2 = max(0,1,2,3) - 2 = 1; r5 (event time 0) ≤ 1 → dropped as late; the re-run
    // uses the logged WM_2. Everything else is emitted once (file sink, §5.1).
    ("q-dedup-late-row", "r5"),
    // §4 within_watermark, delay 2: r2 expires at 4; WM_4 = 7 - 2 = 5 evicts it after batch
    // 4; the copy (event time 9, position 10) is read in batch 5 with WM_5 = 9 - 2 = 7:
    // not late, key absent → emitted. r2 twice.
    ("q-dedup-within-watermark-evicted", "r2"),
    // L1 socket → can_lose; socket does not replay → no dup: at-most-once.
    ("q-socket-crash-after-write", "at-most-once"),
    // L4 memory sink with `latest` → can_lose; memory is not in `rewrite_dups`: at-most-once.
    ("q-memory-sink-latest", "at-most-once"),
];

/// `pinned` lists each of `ids` exactly once, and nothing else.
fn assert_exactly(table: &str, ids: &[&str], pinned: &[&str]) {
    let ids: BTreeSet<&str> = ids.iter().copied().collect();
    let set: BTreeSet<&str> = pinned.iter().copied().collect();
    assert_eq!(set.len(), pinned.len(), "{table}: an id is pinned twice");
    let missing: Vec<_> = ids.difference(&set).collect();
    let extra: Vec<_> = set.difference(&ids).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{table} must list exactly the ids: not pinned {missing:?}, unknown {extra:?}"
    );
}

#[test]
fn quiz_keys_are_pinned_for_exactly_the_quiz_ids() {
    let quiz: Vec<&str> = lessons::quiz().iter().map(|q| q.id).collect();
    let pinned: Vec<&str> = QUIZ_KEYS.iter().map(|(id, _)| *id).collect();
    assert_exactly("QUIZ_KEYS", &quiz, &pinned);
}

#[test]
fn quiz_keys_equal_the_pinned_choice() {
    for q in lessons::quiz() {
        let Some(&(_, text)) = QUIZ_KEYS.iter().find(|(id, _)| *id == q.id) else {
            continue; // reported by quiz_keys_are_pinned_for_exactly_the_quiz_ids
        };
        let idx = q
            .choices
            .iter()
            .position(|c| *c == text)
            .unwrap_or_else(|| {
                panic!(
                    "quiz {}: pinned answer {text:?} is not one of its choices {:?}",
                    q.id, q.choices
                )
            });
        let o = engine::run_outcome(&q.scenario());
        assert_eq!(
            q.correct_for(&o).map(|i| q.choices[i]),
            Some(text),
            "quiz {}: the engine's outcome selects {:?}, the spec says {text:?}",
            q.id,
            q.key_for(&o)
        );
        assert_eq!(q.correct(), Some(idx), "quiz {}: correct()", q.id);
    }
}

// ------------------------------------------------------------------------- lessons

/// A reader's view: name, missing ids, duplicated ids with their copy counts.
type View = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, u64)],
);

/// What a lesson's run shows (scenario-format.md §9), written by hand.
struct Pinned {
    id: &'static str,
    /// The configuration's guarantee (§9).
    guarantee: &'static str,
    /// The primary reader (scenario-format.md §9 "Readers per sink").
    reader: &'static str,
    /// Ids the primary reader never sees.
    missing: &'static [&'static str],
    /// Ids the primary reader sees more than once, with the number of copies.
    duplicated: &'static [(&'static str, u64)],
    /// Distinct server errors, sorted.
    errors: &'static [&'static str],
    assumptions_broken: &'static [&'static str],
    before_start: &'static [&'static str],
    dropped_late: &'static [&'static str],
    restarts: u32,
    /// Every other reader of the sink, by name (none for a one-reader sink).
    others: &'static [View],
}

/// A run that loses and duplicates nothing, with no error, on a one-reader sink.
const CLEAN: Pinned = Pinned {
    id: "",
    guarantee: "",
    reader: "table",
    missing: &[],
    duplicated: &[],
    errors: &[],
    assumptions_broken: &[],
    before_start: &[],
    dropped_late: &[],
    restarts: 0,
    others: &[],
};

const R2_R3_TWICE: &[(&str, u64)] = &[("r2", 2), ("r3", 2)];
const CLEAN_VIEW_RAW: View = ("raw_listing", &[], &[]);

const LESSONS: &[Pinned] = &[
    // §3.1 `before`: batch 1 commits offset 4, dies before the insert; the restart resumes at
    // 4. L2, no replay on a log → at-most-once.
    Pinned {
        id: "commit-before-write",
        guarantee: "at-most-once",
        missing: &["r2", "r3"],
        restarts: 1,
        ..CLEAN
    },
    // §3.1 `after`: r2, r3 inserted, offset 2 still committed → batch 1 re-delivered and
    // inserted again. Replays + append → at-least-once.
    Pinned {
        id: "commit-after-write",
        guarantee: "at-least-once",
        duplicated: R2_R3_TWICE,
        restarts: 1,
        ..CLEAN
    },
    // §3.1 `auto`, every 2nd batch of the instance: commits after batches 1 (offset 4) and
    // 3; the crash after batch 3's write precedes its commit → resume at 4, r4..r7 again.
    Pinned {
        id: "auto-commit-interval",
        guarantee: "at-least-once",
        duplicated: &[("r4", 2), ("r5", 2), ("r6", 2), ("r7", 2)],
        restarts: 1,
        ..CLEAN
    },
    // §3.2: offsets/1 without commits/1 → batch 1 re-run with its range; append inserts
    // again (§5).
    Pinned {
        id: "spark-offset-and-commit-log",
        guarantee: "at-least-once",
        duplicated: R2_R3_TWICE,
        restarts: 1,
        ..CLEAN
    },
    // §5.1: batch 2 re-run writes new files, _spark_metadata/2 lists only them; the first
    // attempt's files (r4, r5) are orphans seen by raw_listing. file → exactly-once.
    Pinned {
        id: "spark-file-sink-metadata-log",
        guarantee: "exactly-once",
        reader: "metadata_log",
        restarts: 1,
        others: &[("raw_listing", &[], &[("r4", 2), ("r5", 2)])],
        ..CLEAN
    },
    // §5 upsert `record_id`: the re-run of batch 1 hits the same keys, no new row.
    Pinned {
        id: "upsert-vs-append",
        guarantee: "exactly-once",
        restarts: 1,
        ..CLEAN
    },
    // §5.2 `same`: the crash before COMMIT rolls data and marker back; the re-run writes once.
    Pinned {
        id: "foreachbatch-one-transaction",
        guarantee: "exactly-once",
        restarts: 1,
        ..CLEAN
    },
    // §5.2 `separate` + `data_first`: data committed, no marker → the re-run writes again.
    Pinned {
        id: "foreachbatch-data-first",
        guarantee: "at-least-once",
        duplicated: R2_R3_TWICE,
        restarts: 1,
        ..CLEAN
    },
    // §5.2 `separate` + `marker_first`: marker 1 committed, no data → the re-run skips. L5.
    Pinned {
        id: "foreachbatch-marker-first",
        guarantee: "at-most-once",
        missing: &["r2", "r3"],
        restarts: 1,
        ..CLEAN
    },
    // §5.3: txn[q1] = 2 committed with the data; the re-run of batch 2 is skipped (no new
    // files either, so raw_listing sees one copy too).
    Pinned {
        id: "delta-txn-skips-rerun",
        guarantee: "exactly-once",
        reader: "delta_log",
        restarts: 1,
        others: &[CLEAN_VIEW_RAW],
        ..CLEAN
    },
    // §2.1: the first start (T=0, nothing arrived) resolves latest to 0 → batches 0-2 read
    // r0..r5 at T=1, txn[app] = 2. §8.4: the checkpoint is deleted; the restart at T=2 is a
    // new query resolving latest to 6; r6..r9 arrive at 10 as new batches 0, 1, which
    // §5.3 skips (2 ≥ 0, 2 ≥ 1): lost, no data files. Nothing is before the *first* start.
    Pinned {
        id: "delta-deleted-checkpoint",
        guarantee: "exactly-once",
        reader: "delta_log",
        missing: &["r6", "r7", "r8", "r9"],
        assumptions_broken: &["checkpoint_deleted"],
        restarts: 1,
        others: &[("raw_listing", &["r6", "r7", "r8", "r9"], &[])],
        ..CLEAN
    },
    // §3.1 `transaction` + §7.2: the open T1 (r2, r3) is aborted by initTransactions; the
    // offsets committed with T0 replay batch 1 into a committed transaction.
    // read_uncommitted also sees the aborted copies.
    Pinned {
        id: "kafka-transactions-read-committed",
        guarantee: "exactly-once",
        reader: "read_committed",
        restarts: 1,
        others: &[("read_uncommitted", &[], R2_R3_TWICE)],
        ..CLEAN
    },
    // Same run; primary read_uncommitted: transactional read by read_uncommitted is in
    // `rewrite_dups` → at-least-once.
    Pinned {
        id: "kafka-transactions-read-uncommitted",
        guarantee: "at-least-once",
        reader: "read_uncommitted",
        duplicated: R2_R3_TWICE,
        restarts: 1,
        others: &[("read_committed", &[], &[])],
        ..CLEAN
    },
    // §8.5 + §7.2: the new instance aborts the zombie's open T1 and replays batch 1; the
    // zombie's sink_commit fails with PRODUCER_FENCED.
    Pinned {
        id: "kafka-zombie-fencing",
        guarantee: "exactly-once",
        reader: "read_committed",
        errors: &["PRODUCER_FENCED"],
        restarts: 1,
        others: &[("read_uncommitted", &[], R2_R3_TWICE)],
        ..CLEAN
    },
    // §7.1: non-transactional, the re-run of batch 1 appends r2, r3 again; both readers see
    // them twice. Primary = isolation default read_uncommitted.
    Pinned {
        id: "spark-kafka-sink-at-least-once",
        guarantee: "at-least-once",
        reader: "read_uncommitted",
        duplicated: R2_R3_TWICE,
        restarts: 1,
        others: &[("read_committed", &[], R2_R3_TWICE)],
        ..CLEAN
    },
    // §3.3: crash before checkpoint 1; restore checkpoint 0, abort T1, replay epoch 1.
    Pinned {
        id: "flink-two-phase-commit",
        guarantee: "exactly-once",
        reader: "read_committed",
        restarts: 1,
        others: &[("read_uncommitted", &[], R2_R3_TWICE)],
        ..CLEAN
    },
    // §7.3: T1 begun at tick 0, recovery at tick 70 ≥ 60 → its commit fails
    // PRODUCER_FENCED; checkpoint 1's position is past r3 → r2, r3 lost for read_committed;
    // read_uncommitted sees the aborted records once.
    Pinned {
        id: "flink-transaction-timeout",
        guarantee: "exactly-once",
        reader: "read_committed",
        missing: &["r2", "r3"],
        errors: &["PRODUCER_FENCED"],
        assumptions_broken: &["transaction_timeout_exceeded"],
        restarts: 1,
        others: &[("read_uncommitted", &[], &[])],
        ..CLEAN
    },
    // §6 `_default`: no offset, the re-run appends r2, r3 again; no error possible.
    Pinned {
        id: "bq-default-stream",
        guarantee: "at-least-once",
        duplicated: R2_R3_TWICE,
        restarts: 1,
        ..CLEAN
    },
    // §8.3 bigquery: the retry of r2 at offset 2 (end 3) → ALREADY_EXISTS, success. Not a
    // restart.
    Pinned {
        id: "bq-already-exists-lost-response",
        guarantee: "exactly-once",
        errors: &["ALREADY_EXISTS"],
        ..CLEAN
    },
    // §6 `source`: the re-run sends r4, r5 at 4, 5 below the end 6 → ALREADY_EXISTS.
    Pinned {
        id: "bq-already-exists-rerun",
        guarantee: "exactly-once",
        errors: &["ALREADY_EXISTS"],
        restarts: 1,
        ..CLEAN
    },
    // §8.5: the new driver writes offsets 0..9; the zombie's r2@2, r3@3 → ALREADY_EXISTS;
    // its commit-log write is rejected (not logged).
    Pinned {
        id: "bq-already-exists-two-writers",
        guarantee: "exactly-once",
        errors: &["ALREADY_EXISTS"],
        restarts: 1,
        ..CLEAN
    },
    // §6 `writer`: end 6 after r0..r5; the new process counts from 0: r4..r9 at 0..5 all
    // ALREADY_EXISTS → r6..r9 silently lost. L6; not in `rewrite_dups` (log) → at-most-once.
    Pinned {
        id: "bq-writer-counter-silent-loss",
        guarantee: "at-most-once",
        missing: &["r6", "r7", "r8", "r9"],
        errors: &["ALREADY_EXISTS"],
        restarts: 1,
        ..CLEAN
    },
    // §1.2: the copy of r2 is position 4, r4..r9 positions 5..10. §4: WM_2 = 3 - 4 = -1, the
    // copy's key (r2, 2) is in state → dropped; r4 is sent at offset 5, end 4 → OUT_OF_RANGE,
    // and so every later row. No row is late (WM stays below each row's event time). L7.
    Pinned {
        id: "bq-out-of-range-gap",
        guarantee: "at-most-once",
        missing: &["r4", "r5", "r6", "r7", "r8", "r9"],
        errors: &["OUT_OF_RANGE"],
        assumptions_broken: &["publisher_republished"],
        ..CLEAN
    },
    // §6 pending: s2 holds r2 uncommitted forever; the re-run's s3 commits r2, r3 once.
    // `offsets: none` → at-least-once (D2, and per_batch re-appends).
    Pinned {
        id: "bq-pending-batch-commit",
        guarantee: "at-least-once",
        restarts: 1,
        ..CLEAN
    },
    // §6: COMMITTED per_batch rows are visible at append; the re-run's new stream appends r2,
    // r3 again; every BatchCommit on a COMMITTED stream → INVALID_STREAM_TYPE.
    Pinned {
        id: "bq-batch-commit-committed-stream",
        guarantee: "at-least-once",
        duplicated: R2_R3_TWICE,
        errors: &["INVALID_STREAM_TYPE"],
        restarts: 1,
        ..CLEAN
    },
    // §6 buffered: the re-run's r4@4, r5@5 → ALREADY_EXISTS; FlushRows(5) shows them once.
    // shared + `source` → exactly-once.
    Pinned {
        id: "bq-buffered-flush",
        guarantee: "exactly-once",
        errors: &["ALREADY_EXISTS"],
        restarts: 1,
        ..CLEAN
    },
    // §3.4: the retried bundle upserts the same keys.
    Pinned {
        id: "beam-stable-id-upsert",
        guarantee: "exactly-once",
        restarts: 1,
        ..CLEAN
    },
    // §5 upsert `uuid_per_attempt`: new uuids on the retry → two rows each.
    Pinned {
        id: "beam-uuid4-defeats-dedup",
        guarantee: "at-least-once",
        duplicated: R2_R3_TWICE,
        restarts: 1,
        ..CLEAN
    },
    // §3.4 `id_attribute`: the copy of r4 (position 7) carries the committed dedup id r4 →
    // dropped. Beam on a queue + append → at-least-once (§9).
    Pinned {
        id: "beam-id-attribute",
        guarantee: "at-least-once",
        assumptions_broken: &["publisher_republished"],
        ..CLEAN
    },
    // §2.2: m2, m3 leased at 0 (deadline 10), written, ack at 15 → INVALID_ACK_ID, no effect;
    // redelivered (batch 1 attempt 2) and inserted again. No restart.
    Pinned {
        id: "pubsub-ack-deadline",
        guarantee: "at-least-once",
        duplicated: R2_R3_TWICE,
        errors: &["INVALID_ACK_ID"],
        ..CLEAN
    },
    // §4: WM_2 = -1; the copy's key (r2, 2) is still in state → dropped. file → exactly-once.
    Pinned {
        id: "dedup-with-watermark",
        guarantee: "exactly-once",
        reader: "metadata_log",
        assumptions_broken: &["publisher_republished"],
        others: &[CLEAN_VIEW_RAW],
        ..CLEAN
    },
    // §4: the re-run of batch 1 starts from the state after batch 0 → r2, r3 pass and are
    // inserted again.
    Pinned {
        id: "dedup-does-not-stop-rerun",
        guarantee: "at-least-once",
        duplicated: R2_R3_TWICE,
        restarts: 1,
        ..CLEAN
    },
    // §2.3 micro_batch socket: r2, r3 were delivered to the dead process; the re-run of batch
    // 1 reads nothing, then the query fails: r2..r9 never written. L1 → at-most-once.
    Pinned {
        id: "sink-decision-table",
        guarantee: "at-most-once",
        reader: "metadata_log",
        missing: &["r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"],
        restarts: 1,
        others: &[(
            "raw_listing",
            &["r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"],
            &[],
        )],
        ..CLEAN
    },
];

fn names(v: &[usize]) -> Vec<String> {
    v.iter().map(|i| format!("r{i}")).collect()
}

fn counts(v: &[(usize, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(i, c)| (format!("r{i}"), *c)).collect()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn pairs(v: &[(&str, u64)]) -> Vec<(String, u64)> {
    v.iter().map(|(s, c)| (s.to_string(), *c)).collect()
}

/// Every difference between the pinned row and the outcome, one line each.
fn diff(p: &Pinned, o: &Outcome) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, want: String, got: String| {
        if want != got {
            out.push(format!("{what}: spec {want}, engine {got}"));
        }
    };
    check("guarantee", p.guarantee.into(), o.guarantee.name().into());
    check("primary_reader", p.reader.into(), o.primary_reader.clone());
    check(
        "missing",
        format!("{:?}", strs(p.missing)),
        format!("{:?}", names(&o.missing.0)),
    );
    check(
        "duplicated",
        format!("{:?}", pairs(p.duplicated)),
        format!("{:?}", counts(&o.duplicated.0)),
    );
    check(
        "errors",
        format!("{:?}", strs(p.errors)),
        format!("{:?}", o.errors),
    );
    check(
        "assumptions_broken",
        format!("{:?}", strs(p.assumptions_broken)),
        format!("{:?}", o.assumptions_broken),
    );
    check(
        "before_start",
        format!("{:?}", strs(p.before_start)),
        format!("{:?}", names(&o.before_start.0)),
    );
    check(
        "dropped_late",
        format!("{:?}", strs(p.dropped_late)),
        format!("{:?}", names(&o.dropped_late.0)),
    );
    check("restarts", p.restarts.to_string(), o.restarts.to_string());
    check(
        "unfired_faults",
        "[]".into(),
        format!("{:?}", o.unfired_faults),
    );
    // The readers: the primary plus exactly the pinned others, each with its own view.
    let mut want_readers: Vec<&str> = p.others.iter().map(|v| v.0).collect();
    want_readers.push(p.reader);
    want_readers.sort_unstable();
    let got_readers: Vec<&str> = o.readers.keys().map(String::as_str).collect();
    check(
        "readers",
        format!("{want_readers:?}"),
        format!("{got_readers:?}"),
    );
    let primary: View = (p.reader, p.missing, p.duplicated);
    for (name, missing, duplicated) in p.others.iter().chain([&primary]) {
        if let Some(v) = o.readers.get(*name) {
            check(
                &format!("readers.{name}.missing"),
                format!("{:?}", strs(missing)),
                format!("{:?}", names(&v.missing.0)),
            );
            check(
                &format!("readers.{name}.duplicated"),
                format!("{:?}", pairs(duplicated)),
                format!("{:?}", counts(&v.duplicated.0)),
            );
        }
    }
    out
}

#[test]
fn lesson_outcomes_are_pinned_for_exactly_the_lesson_ids() {
    let ids: Vec<&str> = lessons::lessons().iter().map(|l| l.id).collect();
    let pinned: Vec<&str> = LESSONS.iter().map(|p| p.id).collect();
    assert_exactly("LESSONS", &ids, &pinned);
}

#[test]
fn lesson_outcomes_equal_the_pinned_records() {
    let mut failures = Vec::new();
    for p in LESSONS {
        let Some(l) = lessons::lesson(p.id) else {
            continue; // reported by lesson_outcomes_are_pinned_for_exactly_the_lesson_ids
        };
        let o = engine::run_outcome(&lessons::scenario(l));
        // What the lesson reveals is this outcome.
        assert_eq!(
            lessons::answer(l),
            Answer::from_outcome(&o),
            "lesson {}",
            p.id
        );
        for d in diff(p, &o) {
            failures.push(format!("lesson {}: {d}", p.id));
        }
    }
    assert!(
        failures.is_empty(),
        "{} difference(s) between the pinned spec answers and the engine:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
