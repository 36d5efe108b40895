//! Browser tests of the UI (headless Chromium through wasm-bindgen-test):
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web`
#![cfg(target_arch = "wasm32")]

mod web_support;
use web_support::{all, one, text};

use std::rc::Rc;

use wasm_bindgen_test::*;
use web_sys::Element;

use crashcourse::engine::{self, EventKind, Step};
use crashcourse::presets;
use crashcourse::state::playback::{fold, PlayAction, Playback};
use crashcourse::state::session::{Act, Session};
use crashcourse::ui::App;

wasm_bindgen_test_configure!(run_in_browser);

fn default_playback() -> Playback {
    let mut s = engine::parse_scenario(presets::default_preset().scenario_json).unwrap();
    s.faults.push(engine::Fault::Crash {
        batch: 1,
        attempt: 1,
        after: Step::SinkWrite,
        downtime: 1,
    });
    let run = engine::run(&s);
    Playback::new(Rc::new(s), Rc::new(run))
}

#[wasm_bindgen_test]
fn step_back_restores_the_exact_previous_state() {
    let mut p = default_playback();
    let mut seen = vec![(p.cursor, p.view())];
    while !p.at_end() {
        p = p.apply(PlayAction::StepForward);
        seen.push((p.cursor, p.view()));
    }
    for expected in seen.iter().rev().skip(1) {
        p = p.apply(PlayAction::StepBack);
        assert_eq!(&(p.cursor, p.view()), expected);
    }
}

#[wasm_bindgen_test]
fn scrubbing_forward_then_back_is_consistent() {
    let start = default_playback();
    let n = start.len();
    // The reference, built without Seek: one StepForward at a time from the start.
    let mut walk = vec![start.view()];
    let mut q = start.clone();
    while !q.at_end() {
        q = q.apply(PlayAction::StepForward);
        assert_eq!(q.cursor, walk.len());
        walk.push(q.view());
    }
    assert_eq!(walk.len(), n);
    // The run changes what is seen along the way (else every comparison below is vacuous).
    assert_ne!(walk[0], walk[n - 1]);
    // Scrub: forward over every event, back over every event, then long jumps both ways;
    // each seek starts from where the previous one left the playback.
    let jumps = [n - 1, 0, n / 2, 1, n - 2, n / 3];
    let order = (0..n).chain((0..n).rev()).chain(jumps);
    let mut p = start;
    for i in order {
        let from = p.cursor;
        p = p.apply(PlayAction::Seek(i));
        assert_eq!(p.cursor, i, "Seek({i}) from {from}");
        let v = p.view();
        assert_eq!(v, walk[i], "Seek({i}) from {from} vs the step-by-step walk");
        // And the fold of the trace prefix 0..=i from scratch (no keyframes).
        assert_eq!(
            v,
            fold(&p.run.trace, i + 1),
            "Seek({i}) from {from} vs the fold"
        );
    }
}

#[wasm_bindgen_test]
fn session_crash_duplicates_in_the_browser_too() {
    let s = Session::new(None);
    let i = s
        .run()
        .trace
        .iter()
        .position(|e| {
            e.kind == EventKind::Step && e.batch == Some(1) && e.step == Some(Step::SinkWrite)
        })
        .unwrap();
    let s = s.apply(Act::CrashAt(i));
    assert_eq!(s.run().outcome.duplicated.0, vec![(2, 2), (3, 2)]);
}

fn mount() -> Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").unwrap();
    gloo::utils::body().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    root
}

#[wasm_bindgen_test]
async fn app_mounts_with_the_contract_elements() {
    let root = mount();
    yew::scheduler::flush().await;
    assert_eq!(all(&root, "[data-testid=app]").len(), 1);
    assert!(!all(&root, "[data-testid=timeline] [data-testid=tick]").is_empty());
    assert_eq!(
        all(&root, "[data-testid=ledger] [data-testid=ledger-row]").len(),
        10
    );
    assert!(text(&root, "[data-testid=guarantee]").contains("at-least-once"));
    let before = text(&root, "[data-testid=narration]");
    one(&root, "[data-testid=step-forward]").click();
    yew::scheduler::flush().await;
    assert_ne!(text(&root, "[data-testid=narration]"), before);
    one(&root, "[data-testid=step-back]").click();
    yew::scheduler::flush().await;
    assert_eq!(text(&root, "[data-testid=narration]"), before);
    root.remove();
}

#[wasm_bindgen_test]
async fn clicking_a_tick_in_crash_mode_duplicates_the_batch() {
    let root = mount();
    yew::scheduler::flush().await;
    assert!(text(&root, "[data-testid=run-duplicated]").starts_with("❐ 0"));

    one(&root, "[data-testid=crash-mode]").click();
    yew::scheduler::flush().await;
    let tick = all(&root, "[data-testid=tick]")
        .into_iter()
        .find(|t| {
            t.get_attribute("aria-label")
                .is_some_and(|l| l.contains("sink write, batch 1 · attempt 1"))
        })
        .expect("the tick of batch 1's sink write");
    tick.click();
    yew::scheduler::flush().await;

    // The ledger now shows r2 and r3 twice; the others once.
    let verdicts: Vec<String> = all(&root, "[data-testid=ledger-verdict]")
        .iter()
        .map(|v| v.text_content().unwrap_or_default())
        .collect();
    assert_eq!(verdicts.len(), 10);
    for (i, v) in verdicts.iter().enumerate() {
        if i == 2 || i == 3 {
            assert!(v.contains("duplicated ×2"), "r{i}: {v}");
        } else {
            assert!(v.contains("once"), "r{i}: {v}");
        }
    }
    assert!(text(&root, "[data-testid=run-duplicated]").starts_with("❐ 2"));
    // Playback stayed where the crash was added: on the crash itself.
    assert!(text(&root, "[data-testid=narration]").contains("CRASH"));
    // The fault is listed, and can be removed again.
    assert_eq!(all(&root, "[data-testid=fault]").len(), 1);
    one(&root, "[data-testid=fault] .icon-btn").click();
    yew::scheduler::flush().await;
    assert!(all(&root, "[data-testid=fault]").is_empty());
    assert!(text(&root, "[data-testid=run-duplicated]").starts_with("❐ 0"));
    root.remove();
}

#[wasm_bindgen_test]
fn a_panic_shows_a_visible_error_panel() {
    crashcourse::ui::show_panic("boom at src/x.rs:1");
    let panel = gloo::utils::document()
        .query_selector("[data-testid=panic]")
        .unwrap()
        .expect("a panic panel in the page");
    let text = panel.text_content().unwrap_or_default();
    assert!(text.contains("boom at src/x.rs:1"), "{text}");
    assert!(text.contains("Reload"), "{text}");
    assert_eq!(panel.get_attribute("role").as_deref(), Some("alert"));
    panel.remove();
}
