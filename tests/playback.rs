//! Native tests of the UI's pure state (`crashcourse::state`): the playback reducer, the
//! session reducer and the modelling notes.
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use crashcourse::engine;
use crashcourse::presets;
use crashcourse::share;
use crashcourse::state::{notes, playback, session};

use engine::{EventKind, Fault, Scenario, Step};
use playback::{fold, PlayAction, Playback};
use session::{Act, Message, Part, Session};

fn scenario(json: &str) -> Scenario {
    engine::parse_scenario(json).expect("valid scenario")
}

fn playback_of(s: Scenario) -> Playback {
    let run = engine::run(&s);
    Playback::new(Rc::new(s), Rc::new(run))
}

const APPEND: &str = r#"{"version":1,"workload":{"records":10,"batch_size":2},"source":{"kind":"log"},
    "engine":{"kind":"micro_batch"},"sink":{"kind":"append"},
    "faults":[{"kind":"crash","batch":1,"after":"sink_write"}]}"#;

/// A long trace: 200 records one per batch, a crash in the middle.
fn long_playback() -> Playback {
    let s = scenario(
        r#"{"version":1,"workload":{"records":200,"batch_size":1},"source":{"kind":"log"},
        "engine":{"kind":"micro_batch"},"sink":{"kind":"append"},
        "faults":[{"kind":"crash","batch":100,"after":"sink_write"}]}"#,
    );
    playback_of(s)
}

#[test]
fn keyframed_views_equal_a_fold_from_scratch() {
    for p in presets::presets() {
        let pb = playback_of(scenario(p.scenario_json));
        assert!(!pb.is_empty(), "{}: empty trace", p.id);
        for i in 0..pb.len() {
            assert_eq!(pb.view_at(i), fold(&pb.run.trace, i + 1), "{} at {i}", p.id);
        }
    }
    let pb = long_playback();
    assert!(pb.len() > 1000, "long trace has {} events", pb.len());
    for i in (0..pb.len()).step_by(7).chain([pb.last()]) {
        assert_eq!(pb.view_at(i), fold(&pb.run.trace, i + 1), "long at {i}");
    }
}

#[test]
fn step_back_restores_the_exact_previous_state() {
    let pb = playback_of(scenario(APPEND));
    let mut p = pb.clone();
    let mut states = vec![(p.cursor, p.view())];
    while !p.at_end() {
        p = p.apply(PlayAction::StepForward);
        states.push((p.cursor, p.view()));
    }
    // Forward then back, one step at a time, gives back every state exactly.
    for expected in states.iter().rev().skip(1) {
        p = p.apply(PlayAction::StepBack);
        assert_eq!(&(p.cursor, p.view()), expected);
    }
    assert_eq!(p.cursor, 0);
    // Stepping back at the start stays there.
    assert_eq!(p.apply(PlayAction::StepBack).cursor, 0);
}

#[test]
fn scrubbing_forward_then_back_is_consistent() {
    let pb = long_playback();
    let mut p = pb.clone();
    let marks = [0, 500, 1000, 37, pb.last(), 999, 1, 640];
    let first: Vec<_> = marks
        .iter()
        .map(|&i| {
            p = p.apply(PlayAction::Seek(i));
            p.view()
        })
        .collect();
    for (k, &i) in marks.iter().enumerate().rev() {
        p = p.apply(PlayAction::Seek(i));
        assert_eq!(p.view(), first[k], "seek {i}");
    }
}

#[test]
fn the_fold_agrees_with_the_engine_on_what_the_primary_reader_sees() {
    for p in presets::presets() {
        let pb = playback_of(scenario(p.scenario_json));
        let n = pb.scenario.workload.records as usize;
        let counts = pb.view_at(pb.last()).counts(n);
        let expected: Vec<u64> = (0..n).map(|i| pb.run.outcome.visible.get(i)).collect();
        assert_eq!(counts, expected, "preset {}", p.id);
    }
}

#[test]
fn play_runs_to_the_end_and_stops_and_restarts_from_the_start() {
    // Pacing off: nothing holds on the way.
    let mut p = playback_of(scenario(APPEND))
        .apply(PlayAction::SetPacing(false))
        .apply(PlayAction::Play);
    assert!(p.playing);
    let mut ticks = 0;
    while p.playing {
        p = p.apply(PlayAction::Tick);
        ticks += 1;
        assert!(ticks <= p.len(), "playback must stop");
    }
    assert!(p.at_end());
    let again = p.apply(PlayAction::TogglePlay);
    assert!(again.playing);
    assert_eq!(again.cursor, 0);
    // A manual step pauses.
    assert!(!again.apply(PlayAction::StepForward).playing);
}

/// Paced play (the default) holds at the crash, at the restart and where the first
/// duplicate shows, each once, in that order; Space (TogglePlay) goes on from there.
/// Expected points are found in the trace by what they are (spec case 021: the re-run of
/// batch 1 writes r2 and r3 again), not by the pause finder.
#[test]
fn paced_play_holds_at_the_crash_the_restart_and_the_first_duplicate() {
    use playback::PauseKind;
    let pb = playback_of(scenario(APPEND));
    assert!(pb.pacing, "pacing is on by default");
    let trace = &pb.run.trace;
    let fault = trace
        .iter()
        .position(|e| e.kind == EventKind::Fault)
        .unwrap();
    let restart = trace
        .iter()
        .position(|e| e.kind == EventKind::Start && e.instance == 2)
        .unwrap();
    let dup = trace
        .iter()
        .position(|e| e.batch == Some(1) && e.attempt == Some(2) && e.step == Some(Step::SinkWrite))
        .unwrap();
    assert!(fault < restart && restart < dup);
    // The duplicate shows at that step, not before and not later.
    let n = pb.scenario.workload.records as usize;
    assert!(pb.view_at(dup - 1).counts(n).iter().all(|&c| c <= 1));
    assert_eq!(pb.view_at(dup).counts(n)[2], 2);

    let mut p = pb.apply(PlayAction::Play);
    let mut holds = Vec::new();
    loop {
        let mut ticks = 0;
        while p.playing {
            p = p.apply(PlayAction::Tick);
            ticks += 1;
            assert!(ticks <= p.len(), "playback must stop");
        }
        if p.at_end() {
            assert!(p.holding().is_none());
            break;
        }
        let held = p
            .holding()
            .expect("stopped before the end: holding a pause");
        holds.push((p.cursor, held.kind.clone()));
        p = p.apply(PlayAction::TogglePlay);
        assert!(
            p.playing && p.holding().is_none(),
            "Space goes on from the pause"
        );
        assert_eq!(p.cursor, holds.last().unwrap().0, "and does not rewind");
    }
    assert_eq!(
        holds,
        vec![
            (fault, PauseKind::Fault),
            (restart, PauseKind::Restart),
            (dup, PauseKind::Duplicate("r2".into())),
        ]
    );
    // Stepping onto a pause by hand does not hold (no caption), and pacing off never holds.
    let stepped = pb
        .apply(PlayAction::Seek(fault - 1))
        .apply(PlayAction::StepForward);
    assert_eq!(stepped.cursor, fault);
    assert!(stepped.holding().is_none());
    let mut off = pb
        .apply(PlayAction::SetPacing(false))
        .apply(PlayAction::Play);
    while off.playing {
        off = off.apply(PlayAction::Tick);
    }
    assert!(off.at_end());
}

#[test]
fn speed_is_clamped_and_next_fault_finds_the_crash() {
    let p = playback_of(scenario(APPEND));
    let fast = (0..10).fold(p.clone(), |p, _| p.apply(PlayAction::Faster));
    assert_eq!(fast.speed, playback::SPEEDS.len() - 1);
    let slow = (0..10).fold(p.clone(), |p, _| p.apply(PlayAction::Slower));
    assert_eq!(slow.speed, 0);
    assert!(playback::interval_ms(0) > playback::interval_ms(4));
    let at = p.apply(PlayAction::NextFault);
    let e = at.event().unwrap();
    assert_eq!(e.kind, EventKind::Fault);
    assert_eq!(e.fault, Some(0));
    // No further fault: the cursor stays.
    assert_eq!(at.apply(PlayAction::NextFault).cursor, at.cursor);
    assert_eq!(at.apply(PlayAction::PrevFault).cursor, at.cursor);
}

fn step_event(s: &Session, batch: u64, attempt: u32, step: Step) -> usize {
    s.run()
        .trace
        .iter()
        .position(|e| {
            e.kind == EventKind::Step
                && e.batch == Some(batch)
                && e.attempt == Some(attempt)
                && e.step == Some(step)
        })
        .expect("step event")
}

#[test]
fn default_session_is_the_clean_append_preset_with_room_to_step() {
    let s = Session::new(None);
    assert_eq!(s.scenario().workload.records, 10);
    assert!(s.scenario().faults.is_empty());
    assert_eq!(s.playback.cursor, 0);
    assert!(s.playback.len() > 1);
    assert_ne!(s.run().trace[0].text, s.run().trace[1].text);
    assert!(s.is_pristine_preset());
}

#[test]
fn crash_after_sink_write_duplicates_the_batch_and_undo_redo_work() {
    let s = Session::new(Some("spark-append"));
    let i = step_event(&s, 1, 1, Step::SinkWrite);
    let s2 = s.apply(Act::CrashAt(i));
    let o = &s2.run().outcome;
    assert_eq!(o.duplicated.0, vec![(2, 2), (3, 2)]);
    assert!(matches!(s2.message, Some(Message::FaultAdded(_))));
    // The cursor is on the crash, right where it was clicked.
    let e = s2.playback.event().unwrap();
    assert_eq!(e.kind, EventKind::Fault);
    assert_eq!(s2.playback.cursor, i + 1);
    assert!(!s2.is_pristine_preset());

    let undone = s2.apply(Act::Undo);
    assert!(undone.scenario().faults.is_empty());
    assert!(undone.run().outcome.duplicated.0.is_empty());
    assert!(undone.can_redo());
    let redone = undone.apply(Act::Redo);
    assert_eq!(redone.scenario(), s2.scenario());
}

#[test]
fn crashes_are_refused_where_they_cannot_go() {
    let s = Session::new(Some("spark-append"));
    // The start event is not a step.
    let refused = s.apply(Act::CrashAt(0));
    assert!(matches!(refused.message, Some(Message::FaultRefused(_))));
    assert_eq!(refused.scenario(), s.scenario());

    // A second crash at the same batch attempt: the engine's own message.
    let i = step_event(&s, 1, 1, Step::SinkWrite);
    let s2 = s.apply(Act::CrashAt(i));
    let j = step_event(&s2, 1, 1, Step::Read);
    let clash = s2.apply(Act::CrashAt(j));
    match &clash.message {
        Some(Message::FaultRefused(m)) => assert!(m.starts_with("faults[1]"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(clash.scenario(), s2.scenario());
}

#[test]
fn builder_applies_valid_changes_and_keeps_refused_ones_as_drafts() {
    let s = Session::new(Some("spark-append"));
    // Upsert: valid, applied, exactly-once.
    let up = s.apply(Act::SetKind(Part::Sink, "upsert".into()));
    assert!(up.draft.is_none());
    assert_eq!(up.scenario().sink.kind_name(), "upsert");
    assert_eq!(up.run().outcome.guarantee, engine::Guarantee::ExactlyOnce);

    // A queue under Spark is refused with the engine's message; the scenario keeps running.
    let q = up.apply(Act::SetKind(Part::Source, "queue".into()));
    let d = q.draft.as_ref().expect("a refused draft");
    assert!(d.error.contains("queue"), "{}", d.error);
    assert_eq!(q.scenario(), up.scenario());
    // Fixing it with another option applies the whole draft.
    let fixed = q.apply(Act::SetKind(Part::Engine, "beam".into()));
    assert!(fixed.draft.is_none(), "{:?}", fixed.draft);
    assert_eq!(fixed.scenario().source.kind_name(), "queue");
    assert_eq!(fixed.scenario().engine.kind_name(), "beam");

    // Options: a bad value is refused too.
    let bad = s.apply(Act::SetOption(
        Part::Workload,
        "batch_size".into(),
        Some(0.into()),
    ));
    assert!(bad.draft.is_some());
    let discarded = bad.apply(Act::DiscardDraft);
    assert!(discarded.draft.is_none());
    // Too many records for the browser view.
    let big = s.apply(Act::SetOption(
        Part::Workload,
        "records".into(),
        Some(5000.into()),
    ));
    assert!(big.draft.as_ref().unwrap().error.contains("at most"));
}

/// Every way the scenario changes goes through one checked commit: a refusal adds no history
/// entry and is said where the change was asked for (the JSON editor, the fault list, the
/// header's banner, the builder's draft); an accepted change says what it should.
#[test]
fn every_change_is_checked_once_and_refusals_are_said_where_they_were_asked() {
    let s = Session::new(Some("spark-append"));
    let unchanged = |n: &Session| {
        assert_eq!(n.scenario(), s.scenario());
        assert_eq!(n.history.len(), s.history.len());
        assert_eq!(n.at, s.at);
    };
    let json = s.apply(Act::LoadJson("{\"version\": 1}".into()));
    unchanged(&json);
    assert_eq!(
        json.message,
        Some(Message::JsonRefused("source: required".into()))
    );
    let not_json = s.apply(Act::LoadJson("{".into()));
    unchanged(&not_json);
    assert!(matches!(not_json.message, Some(Message::JsonRefused(_))));
    let preset = s.apply(Act::LoadPreset("nope".into()));
    unchanged(&preset);
    assert_eq!(
        preset.message,
        Some(Message::Info("no preset named “nope”".into()))
    );
    let link = s.apply(Act::OpenLink("#v1=garbage".into()));
    unchanged(&link);
    assert!(
        matches!(&link.message, Some(Message::Info(m)) if m.starts_with("This link could not be opened:"))
    );
    let fault = s.apply(Act::AddFault(Fault::DeleteCheckpoint { before_restart: 0 }));
    unchanged(&fault);
    assert!(matches!(fault.message, Some(Message::FaultRefused(_))));
    let pick = s.apply(Act::MatrixPick(
        vec![Fault::DeleteCheckpoint { before_restart: 0 }],
        "bad".into(),
    ));
    unchanged(&pick);
    assert!(matches!(pick.message, Some(Message::FaultRefused(_))));
    assert_eq!(pick.matrix_pick(), None);
    unchanged(&s.apply(Act::RemoveFault(3)));
    unchanged(&s.apply(Act::ClearFaults));
    unchanged(&s.apply(Act::Undo));

    // Accepted: a fault says it was added; a builder edit keeps the message (its refusals
    // speak through the draft); the fault list, the JSON editor and a preset clear it.
    let i = step_event(&s, 1, 1, Step::SinkWrite);
    let added = s.apply(Act::CrashAt(i));
    assert_eq!(added.history.len(), 2);
    assert!(matches!(added.message, Some(Message::FaultAdded(_))));
    assert_eq!(added.undo_label(), Some("crash after sink_write · batch 1"));
    let edited = added.apply(Act::SetOption(
        Part::Workload,
        "records".into(),
        Some(12.into()),
    ));
    assert_eq!(edited.history.len(), 3);
    assert_eq!(edited.message, added.message);
    assert_eq!(edited.undo_label(), Some("workload.records → 12"));
    let same = edited.apply(Act::SetOption(
        Part::Workload,
        "records".into(),
        Some(12.into()),
    ));
    assert_eq!(
        same.history.len(),
        3,
        "an edit that changes nothing is no entry"
    );
    let removed = added.apply(Act::RemoveFault(0));
    assert_eq!(removed.message, None);
    assert_eq!(
        removed.undo_label(),
        Some("remove crash after sink_write · batch 1")
    );
    assert!(removed.scenario().faults.is_empty());
    let cleared = added.apply(Act::ClearFaults);
    assert_eq!(cleared.message, None);
    assert_eq!(cleared.undo_label(), Some("remove every fault"));
    let text = serde_json::to_string(s.scenario()).unwrap();
    let reloaded = added.apply(Act::LoadJson(text));
    assert_eq!(reloaded.message, None);
    assert_eq!(reloaded.undo_label(), Some("JSON edit"));
    assert_eq!(reloaded.scenario(), s.scenario());
    let preset = added.apply(Act::LoadPreset("spark-append".into()));
    assert_eq!(preset.message, None);
    assert!(preset.is_pristine_preset());
    assert_eq!(preset.playback.cursor, 0);
}

#[test]
fn every_fault_kind_goes_through_the_engine() {
    let s = Session::new(Some("consumer-commit-after"));
    let faults = [
        Fault::CrashMidWrite {
            batch: 2,
            attempt: 1,
            after_records: 1,
            downtime: 1,
        },
        Fault::LostAck {
            batch: 3,
            attempt: 1,
            request: 0,
        },
        Fault::DeleteCheckpoint { before_restart: 1 },
        Fault::Zombie {
            batch: 4,
            attempt: 1,
            after: Step::Read,
            downtime: 1,
        },
        Fault::Pause {
            batch: 0,
            attempt: 1,
            after: Step::Read,
            ticks: 3,
        },
        Fault::Republish {
            record: "r5".into(),
            after: Some("r6".into()),
            event_time: None,
        },
    ];
    let mut cur = s;
    for f in faults {
        let next = cur.apply(Act::AddFault(f.clone()));
        match &next.message {
            Some(Message::FaultAdded(_)) => assert_eq!(next.scenario().faults.last(), Some(&f)),
            Some(Message::FaultRefused(m)) => panic!("{f:?} refused: {m}"),
            other => panic!("{other:?}"),
        }
        cur = next;
    }
    let n = cur.scenario().faults.len();
    let removed = cur.apply(Act::RemoveFault(0));
    assert_eq!(removed.scenario().faults.len(), n - 1);
    assert!(removed.apply(Act::ClearFaults).scenario().faults.is_empty());

    // Not applicable: lost_ack on a file sink.
    let file = Session::new(Some("spark-file-sink"));
    let r = file.apply(Act::AddFault(Fault::LostAck {
        batch: 0,
        attempt: 1,
        request: 0,
    }));
    assert!(matches!(r.message, Some(Message::FaultRefused(_))));
}

#[test]
fn json_editor_round_trips_and_refuses_bad_text() {
    let s = Session::new(None);
    let text = serde_json::to_string(&s.scenario_value()).unwrap();
    let same = s.apply(Act::LoadJson(text.replace("\"append\"", "\"console\"")));
    assert_eq!(same.scenario().sink.kind_name(), "console");
    let bad = s.apply(Act::LoadJson("{".into()));
    assert!(matches!(bad.message, Some(Message::JsonRefused(_))));
    assert_eq!(bad.scenario(), s.scenario());
}

#[test]
fn guarantee_label_says_when_the_guarantee_is_void() {
    let s = Session::new(Some("delta-deleted-checkpoint-new-id"));
    assert_eq!(
        notes::guarantee_label(&s.run().outcome),
        "exactly-once (void: checkpoint deleted)"
    );
    let clean = Session::new(None);
    assert_eq!(
        notes::guarantee_label(&clean.run().outcome),
        "at-least-once"
    );
}

#[test]
fn conventions_are_shown_for_the_scenarios_they_affect() {
    let tags = |id: &str| {
        let s = Session::new(Some(id));
        notes::conventions(s.scenario(), &s.run().outcome)
            .into_iter()
            .map(|n| n.tag)
            .collect::<Vec<_>>()
    };
    assert!(tags("dedup-watermark").contains(&"6"));
    assert!(tags("pubsub-redelivery").contains(&"26"));
    assert!(tags("flink-2pc").contains(&"27"));
    assert!(tags("fb-same").contains(&"28"));
    assert!(tags("spark-file-sink").contains(&"29"));
    assert!(tags("beam-id-attribute").contains(&"25"));
    assert!(tags("consumer-auto-commit").contains(&"24"));
    assert!(tags("delta-deleted-checkpoint-new-id").contains(&"31"));
    assert!(tags("spark-append").is_empty());
    assert!(tags("spark-socket").contains(&"33"));
    assert!(!tags("spark-append").contains(&"33"));
}

#[test]
fn memory_sink_restart_note_and_v1_1_wordings() {
    let memory = engine::parse_scenario(
        r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "memory"}, "faults": [{"kind": "crash", "batch": 1, "after": "commit_log"}]}"#,
    )
    .unwrap();
    let o = engine::run_outcome(&memory);
    let notes = notes::conventions(&memory, &o);
    assert!(notes.iter().any(|n| n.tag == "34"));
    let mut clean = memory.clone();
    clean.faults.clear();
    let o = engine::run_outcome(&clean);
    assert!(notes::conventions(&clean, &o).iter().all(|n| n.tag != "34"));
    // §10 (27), v1.1: KIP-939 is not in a released client yet.
    let s = Session::new(Some("flink-txn-timeout"));
    let text: Vec<String> = notes::conventions(s.scenario(), &s.run().outcome)
        .into_iter()
        .map(|n| n.text)
        .collect();
    assert!(text
        .iter()
        .any(|t| t.contains("not yet in a released Kafka client")));
}

#[test]
fn crash_matrix_covers_every_step_of_the_clean_run() {
    let s = Session::new(None);
    let m = s.explore_clean();
    let cells = session::crash_cells(&s.clean_scenario(), &m);
    // 5 batches × 5 micro-batch steps for an append sink (no sink_commit).
    assert_eq!(cells.len(), 25);
    let after_write = cells
        .iter()
        .find(|c| c.batch == 1 && c.step == Step::SinkWrite)
        .unwrap();
    assert_eq!(after_write.missing, Vec::<usize>::new());
    assert_eq!(after_write.duplicated, vec![(2, 2), (3, 2)]);
    assert_eq!(after_write.words(), "dup r2 r3");
    let after_commit_log = cells
        .iter()
        .find(|c| c.batch == 1 && c.step == Step::CommitLog)
        .unwrap();
    assert_eq!(after_commit_log.effect(), session::Effect::Ok);
    assert_eq!(after_commit_log.words(), "ok");
    // Picking a cell's run gives exactly that run.
    let run = &m.runs[after_write.run];
    let applied = s.apply(Act::MatrixPick(run.faults.clone(), run.label.clone()));
    assert_eq!(applied.run().outcome, run.outcome);
    assert_eq!(applied.playback.event().unwrap().kind, EventKind::Fault);
    assert!(!m.summary.is_empty());
}

/// The clean-pipeline cell of a crash after `step` of `batch` (attempt 1).
fn clean_cell(s: &Session, batch: u64, step: Step) -> (session::CrashCell, Vec<Fault>) {
    let m = s.explore_clean();
    let cell = session::crash_cells(&s.clean_scenario(), &m)
        .into_iter()
        .find(|c| c.batch == batch && c.attempt == 1 && c.step == step)
        .expect("a cell");
    let faults = m.runs[cell.run].faults.clone();
    (cell, faults)
}

#[test]
fn a_matrix_pick_replaces_the_faults_and_pauses_on_the_crash() {
    // A preset that already crashes (after sink_write of batch 1: r2, r3 twice), playing.
    let s = Session::new(Some("consumer-commit-after"))
        .apply(Act::Play(PlayAction::Play))
        .apply(Act::Play(PlayAction::Tick));
    assert_eq!(s.scenario().faults.len(), 1);
    assert!(s.playback.playing);
    let before = s.scenario().faults.clone();

    let (cell, faults) = clean_cell(&s, 2, Step::SinkWrite);
    assert_eq!(
        cell.words(),
        "dup r4 r5",
        "the clean pipeline's cell, not on top of the preset's crash"
    );
    let picked = s.apply(Act::MatrixPick(faults.clone(), "pick".into()));
    // Replaced, not added: exactly the one crash of the cell.
    assert_eq!(picked.scenario().faults, faults);
    assert_eq!(
        picked.scenario().faults,
        vec![Fault::Crash {
            batch: 2,
            attempt: 1,
            after: Step::SinkWrite,
            downtime: 1
        }]
    );
    assert_eq!(picked.run().outcome.duplicated.0, vec![(4, 2), (5, 2)]);
    assert!(picked.run().outcome.missing.0.is_empty());
    // Paused, on the crash event.
    assert!(!picked.playback.playing);
    let e = picked.playback.event().unwrap();
    assert_eq!((e.kind, e.fault), (EventKind::Fault, Some(0)));
    assert_eq!(picked.matrix_pick(), Some("pick"));
    assert!(picked.message.is_none());

    // Undo restores the faults before (and the pick is no longer current); redo brings it back.
    let undone = picked.apply(Act::Undo);
    assert_eq!(undone.scenario().faults, before);
    assert_eq!(undone.matrix_pick(), None);
    let redone = undone.apply(Act::Redo);
    assert_eq!(redone.scenario().faults, faults);
    assert_eq!(redone.matrix_pick(), Some("pick"));
    // A new change after an undo is not the pick, even at the pick's old place in history.
    let other = undone.apply(Act::ClearFaults);
    assert_eq!(other.at, picked.at);
    assert_eq!(other.matrix_pick(), None);

    // A second pick replaces the first.
    let s = Session::new(Some("consumer-commit-before"));
    let first = clean_cell(&s, 1, Step::SinkWrite).1;
    let (cell, lost) = clean_cell(&s, 3, Step::SourceCommit);
    assert_eq!(cell.words(), "lost r6 r7");
    let again = s
        .apply(Act::MatrixPick(first, "a".into()))
        .apply(Act::MatrixPick(lost.clone(), "b".into()));
    assert_eq!(again.scenario().faults, lost);
    assert_eq!(again.run().outcome.missing.0, vec![6, 7]);
    assert_eq!(again.matrix_pick(), Some("b"));
    // Picking what already runs only moves to its crash, paused: nothing to undo.
    let moved = again
        .apply(Act::Play(PlayAction::First))
        .apply(Act::Play(PlayAction::Play))
        .apply(Act::MatrixPick(lost, "b".into()));
    assert_eq!(moved.at, again.at);
    assert!(!moved.playback.playing);
    assert_eq!(moved.playback.event().unwrap().kind, EventKind::Fault);
}

#[test]
fn the_matrix_of_a_preset_that_crashes_still_shows_every_effect() {
    // Every crash of the at-most-once preset explored on top of its own crash loses r2, r3;
    // the clean pipeline's matrix tells the cells apart.
    let s = Session::new(Some("consumer-commit-before"));
    let on_top = session::crash_cells(s.scenario(), &s.explore());
    assert!(on_top.iter().all(|c| c.missing.contains(&2)));
    let cells = session::crash_cells(&s.clean_scenario(), &s.explore_clean());
    let effects: std::collections::BTreeSet<&str> =
        cells.iter().map(|c| c.effect().name()).collect();
    assert_eq!(effects, ["lost", "ok"].into_iter().collect());
    let words: Vec<String> = cells.iter().map(|c| c.words()).collect();
    assert!(words.contains(&"lost r0 r1".to_string()), "{words:?}");
    assert!(words.contains(&"ok".to_string()));
}

#[test]
fn effect_words_name_the_records() {
    use session::{effect_words, id_words};
    assert_eq!(effect_words(&[], &[]), "ok");
    assert_eq!(effect_words(&[2, 3], &[]), "lost r2 r3");
    assert_eq!(effect_words(&[], &[(2, 2), (3, 2)]), "dup r2 r3");
    assert_eq!(
        effect_words(&[4, 5], &[(2, 2), (3, 2)]),
        "lost r4 r5 · dup r2 r3"
    );
    assert_eq!(id_words((0..10).map(|i| (i, 2))), "r0–r9");
    assert_eq!(
        id_words([(1, 2), (2, 3), (4, 2), (5, 2), (9, 2)]),
        "r1 r2×3 r4 r5 r9"
    );
}

#[test]
fn links_reopen_the_scenario_and_bad_links_say_why() {
    // An unedited preset is a short, readable fragment.
    let s = Session::from_fragment("#preset=flink-2pc");
    assert_eq!(s.entry().preset, Some("flink-2pc"));
    assert_eq!(s.fragment(false), "preset=flink-2pc");

    // An edited scenario travels as a share link, with its position.
    let d = Session::new(None);
    let i = step_event(&d, 1, 1, Step::SinkWrite);
    let crashed = d
        .apply(Act::CrashAt(i))
        .apply(Act::Play(PlayAction::Seek(5)));
    let link = crashed.fragment(true);
    assert!(link.starts_with("v1="), "{link}");
    let opened = Session::from_fragment(&format!("#{link}"));
    assert_eq!(opened.scenario(), crashed.scenario());
    assert_eq!(opened.playback.cursor, 5);
    assert!(opened.message.is_none());
    // ...also in a running session (a link pasted into the same tab).
    let reopened = Session::new(None).apply(Act::OpenLink(format!("#{link}")));
    assert_eq!(reopened.scenario(), crashed.scenario());
    assert!(reopened.can_undo());

    // Broken links fall back to the default preset, with the reason.
    for bad in ["#preset=nope", "#v1=%%%", "#v9=abc", "#hello"] {
        let s = Session::from_fragment(bad);
        assert_eq!(s.entry().preset, Some("spark-append"), "{bad}");
        assert!(matches!(s.message, Some(Message::Info(_))), "{bad}");
    }
    assert!(Session::from_fragment("").message.is_none());
    let _ = share::LINK_VERSION;
}

#[test]
fn long_lists_draw_a_window_and_sum_up_the_rest() {
    use playback::{window, SHOWN};
    // Short lists are drawn whole; long ones keep the anchor in view, in steps of 8.
    assert_eq!(window(10, 9, SHOWN, 8), 0..10);
    assert_eq!(window(200, 0, SHOWN, 8), 0..SHOWN);
    assert_eq!(window(200, 100, SHOWN, 8), 80..80 + SHOWN);
    assert_eq!(window(200, 103, SHOWN, 8), 80..80 + SHOWN);
    assert_eq!(window(200, 199, SHOWN, 8), 160..200);
    for anchor in 0..200 {
        let w = window(200, anchor, SHOWN, 8);
        assert!(w.contains(&anchor) && w.len() == SHOWN, "{anchor}: {w:?}");
    }
    // The sink's latest rows, and the earlier ones counted by status.
    let pb = long_playback();
    let v = pb.view_at(pb.last());
    let (recent, hidden) = v.recent_rows(SHOWN);
    assert_eq!(recent.len(), SHOWN);
    assert_eq!(recent.last().map(|r| r.row), v.rows.keys().last().copied());
    assert_eq!(hidden.iter().sum::<usize>() + SHOWN, v.rows.len());
    let (all, none) = v.recent_rows(v.rows.len() + 5);
    assert_eq!((all.len(), none), (v.rows.len(), [0, 0, 0]));
}

// ---------- the stage's helpers ----------

fn preset_playback(id: &str) -> Playback {
    playback_of(scenario(presets::preset(id).expect("preset").scenario_json))
}

/// The first event of `kind` (and step, if given) at or after `from`.
fn find_event(pb: &Playback, from: usize, kind: EventKind, step: Option<Step>) -> usize {
    (from..pb.len())
        .find(|&i| {
            let e = &pb.run.trace[i];
            e.kind == kind && (step.is_none() || e.step == step)
        })
        .expect("event")
}

fn held_ids(m: &playback::Memory) -> Vec<(String, Option<u64>, bool)> {
    m.held
        .iter()
        .map(|h| (h.record.clone(), h.position, h.written))
        .collect()
}

#[test]
fn memory_holds_the_attempts_reads_until_the_process_dies() {
    // Commit, then write: the crash after the commit kills a process holding r2, r3 unwritten.
    let pb = preset_playback("consumer-commit-before");
    let trace = &pb.run.trace;
    let crash = find_event(&pb, 0, EventKind::Fault, None);
    let m = playback::memory(trace, crash);
    assert_eq!(
        held_ids(&m),
        vec![("r2".into(), Some(2), false), ("r3".into(), Some(3), false)]
    );
    assert!(m.progressed, "the offset was committed before the crash");
    assert_eq!(
        playback::proc_state(&pb.scenario, trace, crash),
        playback::ProcState::Dead
    );
    assert_eq!(playback::downtime(trace, crash), Some(1));
    // The restart holds nothing; the first read of the new process holds its records.
    let start = find_event(&pb, crash, EventKind::Start, None);
    assert!(playback::memory(trace, start).held.is_empty());
    assert_eq!(
        playback::proc_state(&pb.scenario, trace, start),
        playback::ProcState::Running
    );

    // Write, then commit: the crash kills a process whose records are written, not committed.
    let pb = preset_playback("consumer-commit-after");
    let trace = &pb.run.trace;
    let crash = find_event(&pb, 0, EventKind::Fault, None);
    let m = playback::memory(trace, crash);
    assert_eq!(
        held_ids(&m),
        vec![("r2".into(), Some(2), true), ("r3".into(), Some(3), true)]
    );
    assert!(!m.progressed);
    // Before the write the same records are held unwritten.
    let read = find_event(&pb, 0, EventKind::Step, Some(Step::Read));
    assert_eq!(
        held_ids(&playback::memory(trace, read)),
        vec![("r0".into(), Some(0), false), ("r1".into(), Some(1), false)]
    );
}

#[test]
fn memory_reads_queue_positions_from_leases_and_follows_a_zombie() {
    let pb = preset_playback("pubsub-redelivery");
    let trace = &pb.run.trace;
    let read = find_event(&pb, 1, EventKind::Step, Some(Step::Read));
    let read = find_event(&pb, read + 1, EventKind::Step, Some(Step::Read));
    let m = playback::memory(trace, read);
    assert_eq!(
        held_ids(&m),
        vec![("r2".into(), Some(2), false), ("r3".into(), Some(3), false)]
    );

    // A zombie finishes its batch after the new process drained, from its own memory.
    let s = scenario(
        r#"{"version":1,"workload":{"records":10,"batch_size":2},"source":{"kind":"log"},
        "engine":{"kind":"consumer","commit_mode":"transaction"},
        "sink":{"kind":"kafka","transactions":true,"isolation":"read_committed"},
        "faults":[{"kind":"zombie","batch":1,"after":"sink_write"}]}"#,
    );
    let pb = playback_of(s);
    let trace = &pb.run.trace;
    let cut = find_event(&pb, 0, EventKind::Fault, None);
    assert_eq!(
        playback::proc_state(&pb.scenario, trace, cut),
        playback::ProcState::Zombie
    );
    let wake = (0..pb.len())
        .find(|&i| trace[i].zombie && trace[i].kind == EventKind::Start)
        .expect("the zombie wakes up");
    assert_eq!(
        playback::proc_state(&pb.scenario, trace, wake),
        playback::ProcState::Zombie
    );
    let held = held_ids(&playback::memory(trace, wake));
    assert_eq!(
        held,
        vec![("r2".into(), Some(2), true), ("r3".into(), Some(3), true)]
    );
    let last = pb.last();
    if trace[last].kind == EventKind::Stop {
        assert_eq!(
            playback::proc_state(&pb.scenario, trace, last),
            playback::ProcState::Stopped
        );
    }
}

#[test]
fn copy_numbers_count_what_the_reader_sees_at_the_step_it_sees_it() {
    // Spark append, crash after sink_write: the re-run's write adds copy 2 of r2 and r3.
    let pb = playback_of(scenario(APPEND));
    let n = pb.scenario.workload.records as usize;
    let mut first_dup = None;
    for i in 0..pb.len() {
        let v = pb.view_at(i);
        let copies = playback::copy_numbers(&v);
        assert_eq!(copies.len(), v.rows.len());
        // The highest copy number of each record is the reader's count.
        let counts = v.counts(n);
        for (r, c) in v.rows.values().zip(&copies) {
            let k = playback::record_index(&r.record).unwrap();
            assert!(u64::from(*c) <= counts[k]);
        }
        if first_dup.is_none() && copies.contains(&2) {
            first_dup = Some(i);
        }
    }
    let at = first_dup.expect("a second copy");
    let e = &pb.run.trace[at];
    assert_eq!(
        (e.step, e.batch, e.attempt),
        (Some(Step::SinkWrite), Some(1), Some(2))
    );
    let end = pb.view_at(pb.last());
    let dup: Vec<&str> = end
        .rows
        .values()
        .zip(playback::copy_numbers(&end))
        .filter(|(_, c)| *c == 2)
        .map(|(r, _)| r.record.as_str())
        .collect();
    assert_eq!(dup, ["r2", "r3"]);

    // Flink two-phase commit: the aborted transaction's rows are never counted.
    let pb = preset_playback("flink-2pc");
    let end = pb.view_at(pb.last());
    let copies = playback::copy_numbers(&end);
    assert!(!copies.contains(&2));
    for (r, c) in end.rows.values().zip(copies) {
        assert_eq!(
            c == 0,
            r.status != engine::RowStatus::Visible,
            "row {}",
            r.row
        );
    }
}

#[test]
fn only_one_step_forward_animates() {
    assert!(playback::animates(Some(3), 4));
    assert!(!playback::animates(Some(4), 3));
    assert!(!playback::animates(Some(3), 5));
    assert!(!playback::animates(None, 0));
    assert_eq!(playback::motion_ms(playback::DEFAULT_SPEED), 350);
    assert!(playback::motion_ms(4) < playback::motion_ms(0));
}

#[test]
fn a_restart_resumes_where_its_start_or_first_read_says() {
    // A consumer's start sets its position: the committed offset.
    let pb = preset_playback("consumer-commit-after");
    let start = find_event(&pb, 1, EventKind::Start, None);
    assert_eq!(playback::resume_position(&pb.run.trace, start), Some(2));
    // Spark's restart sets nothing; its re-run reads offsets/1's range from 2.
    let pb = playback_of(scenario(APPEND));
    let start = find_event(&pb, 1, EventKind::Start, None);
    assert!(pb.run.trace[start].changes.is_empty());
    assert_eq!(playback::resume_position(&pb.run.trace, start), Some(2));
    // A Beam worker is redelivered the uncommitted bundle's messages.
    let pb = preset_playback("beam-random-id");
    let start = find_event(&pb, 1, EventKind::Start, None);
    assert_eq!(playback::resume_position(&pb.run.trace, start), Some(2));
}

#[test]
fn a_deleted_checkpoint_keeps_the_process_dead_until_the_restart() {
    let pb = preset_playback("delta-deleted-checkpoint-new-id");
    let trace = &pb.run.trace;
    let del = find_event(&pb, 0, EventKind::DeleteCheckpoint, None);
    assert_eq!(
        playback::proc_state(&pb.scenario, trace, del),
        playback::ProcState::Dead
    );
    assert_eq!(playback::downtime(trace, del), Some(0));
    let crash = find_event(&pb, 0, EventKind::Fault, None);
    assert_eq!(playback::downtime(trace, crash), Some(1));
}

/// Views and memos tell runs apart by revision: a new one for every run loaded (also when undo
/// reloads an earlier one), the same while only the cursor, speed or pacing move, and never
/// shared by two sessions.
#[test]
fn a_revision_changes_with_the_run_and_only_with_it() {
    let s = Session::new(Some("spark-append"));
    let rev = s.playback.rev;
    let loaded = s.loaded();
    for a in [
        PlayAction::StepForward,
        PlayAction::Play,
        PlayAction::Tick,
        PlayAction::Faster,
        PlayAction::SetPacing(false),
        PlayAction::Last,
    ] {
        let n = s.apply(Act::Play(a.clone()));
        assert_eq!(n.playback.rev, rev, "{a:?}");
        assert!(n.loaded() == loaded, "{a:?}");
    }
    assert_eq!(s.apply(Act::Select(Some(2))).loaded(), loaded);
    assert_eq!(s.apply(Act::ToggleHelp).loaded(), loaded);

    let i = step_event(&s, 1, 1, Step::SinkWrite);
    let crashed = s.apply(Act::CrashAt(i));
    assert_ne!(crashed.playback.rev, rev);
    assert!(crashed.loaded() != loaded);
    assert_eq!(crashed.loaded().preset, Some("spark-append"));
    let undone = crashed.apply(Act::Undo);
    assert_ne!(undone.playback.rev, rev, "undo loads the earlier run again");
    assert_ne!(undone.playback.rev, crashed.playback.rev);
    // Equal by revision alone: the same scenario loaded twice is two revisions.
    assert_eq!(*undone.loaded().scenario, *loaded.scenario);
    assert!(undone.loaded() != loaded);
    assert_ne!(Session::new(Some("spark-append")).playback.rev, rev);
    // A refused change loads nothing.
    let refused = s.apply(Act::CrashAt(0));
    assert_eq!(refused.playback.rev, rev);
}
