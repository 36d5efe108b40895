//! Learn mode in the browser (headless Chromium through wasm-bindgen-test): the pure
//! scoring and progress, and the mounted lesson and course views.
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web_learn`
#![cfg(target_arch = "wasm32")]

mod web_support;
use web_support::{all, one, text};

use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};
use yew::Callback;

use crashcourse::engine;
use crashcourse::lessons::{self, Answer};
use crashcourse::state::learn::{
    affected, pause_point, score, steps_before_prediction, Effect, Prediction, Progress,
    MAX_POINTS, STORAGE_KEY,
};
use crashcourse::ui::{Course, CourseProps, LessonProps, LessonView, Mode};

wasm_bindgen_test_configure!(run_in_browser);

fn lesson_answer(id: &str) -> Answer {
    lessons::answer(lessons::lesson(id).expect("lesson exists"))
}

fn predict(effect: Effect, records: &[usize]) -> Prediction {
    let mut p = Prediction::default();
    p.set_effect(effect);
    for &r in records {
        p.toggle(r);
    }
    p
}

// ------------------------------------------------------------------ scoring (pure)

#[wasm_bindgen_test]
fn a_right_prediction_scores_full_points() {
    web_support::install_content();
    // The engine loses r2 and r3 when the consumer commits before writing.
    let a = lesson_answer("commit-before-write");
    let s = score(&predict(Effect::Lost, &[3, 2]), &a);
    assert!(s.effect_right && s.records_right);
    assert_eq!(s.points, MAX_POINTS);
    assert_eq!(s.affected, vec![2, 3]);
}

#[wasm_bindgen_test]
fn each_half_of_a_prediction_scores_a_point() {
    web_support::install_content();
    let a = lesson_answer("commit-before-write");
    // Right records, wrong effect.
    let s = score(&predict(Effect::Duplicated, &[2, 3]), &a);
    assert_eq!(
        (s.effect_right, s.records_right, s.points),
        (false, true, 1)
    );
    assert_eq!(s.actual, Effect::Lost);
    // Right effect, one missed and one extra record.
    let s = score(&predict(Effect::Lost, &[2, 4]), &a);
    assert_eq!(
        (s.effect_right, s.records_right, s.points),
        (true, false, 1)
    );
    assert_eq!((s.missed.clone(), s.extra.clone()), (vec![3], vec![4]));
    // Nothing right.
    let s = score(&predict(Effect::Nothing, &[]), &a);
    assert_eq!(s.points, 0);
    assert_eq!(s.missed, vec![2, 3]);
}

#[wasm_bindgen_test]
fn nothing_lost_is_right_for_an_exactly_once_run() {
    web_support::install_content();
    let a = lesson_answer("upsert-vs-append");
    let s = score(&predict(Effect::Nothing, &[]), &a);
    assert_eq!(s.points, MAX_POINTS);
    // Choosing "nothing" drops picked records.
    let mut p = predict(Effect::Lost, &[1]);
    p.set_effect(Effect::Nothing);
    assert!(p.records.is_empty() && p.ready());
}

#[wasm_bindgen_test]
fn the_engines_own_answer_scores_full_points_in_every_lesson() {
    web_support::install_content();
    for l in lessons::lessons() {
        let a = lessons::answer(l);
        let p = predict(Effect::of(&a), &affected(&a));
        assert_eq!(score(&p, &a).points, MAX_POINTS, "lesson {}", l.id);
        // Every lesson's question is about records the chips can name.
        assert!(affected(&a).iter().all(|&i| i < 10), "lesson {}", l.id);
    }
}

#[wasm_bindgen_test]
fn a_prediction_needs_records_unless_nothing_happens() {
    web_support::install_content();
    let mut p = Prediction::default();
    assert!(!p.ready());
    p.set_effect(Effect::Duplicated);
    assert!(!p.ready());
    p.toggle(2);
    assert!(p.ready());
    p.toggle(2);
    assert!(!p.ready());
}

#[wasm_bindgen_test]
fn every_lesson_pauses_before_its_end() {
    web_support::install_content();
    for l in lessons::lessons() {
        let run = engine::run(&lessons::scenario(l));
        let at = pause_point(&run.trace);
        assert!(
            at + 1 < run.trace.len(),
            "lesson {} has nothing left to reveal",
            l.id
        );
        let e = &run.trace[at];
        match l.id {
            // A lost response shows as the server's answer to the retry.
            "bq-already-exists-lost-response" => assert!(e.text.contains("ALREADY_EXISTS")),
            "bq-out-of-range-gap" => assert!(e.text.contains("OUT_OF_RANGE")),
            // A republished copy: right before the read that brings it.
            "beam-id-attribute" | "dedup-with-watermark" => {
                let next = &run.trace[at + 1];
                assert!(
                    next.records.iter().any(|r| r == "r4" || r == "r2"),
                    "{}",
                    l.id
                );
            }
            _ => assert!(
                matches!(
                    e.kind,
                    engine::EventKind::Fault | engine::EventKind::DeleteCheckpoint
                ),
                "lesson {} pauses on {:?}",
                l.id,
                e.kind
            ),
        }
    }
}

#[wasm_bindgen_test]
fn steps_up_to_the_fault_come_before_the_prediction() {
    web_support::install_content();
    let steps = lessons::lesson("commit-after-write").unwrap().steps;
    assert_eq!(steps_before_prediction(steps), 2);
    assert!(steps[1].contains("crash"));
    assert_eq!(steps_before_prediction(&["no fault here"]), 0);
    // "the crashed attempt" tells what comes after the crash, not the crash.
    let flush = lessons::lesson("bq-buffered-flush").unwrap().steps;
    assert_eq!(steps_before_prediction(flush), 0);
    let copy = lessons::lesson("beam-id-attribute").unwrap().steps;
    assert_eq!(steps_before_prediction(copy), 1);
}

#[wasm_bindgen_test]
fn progress_keeps_the_best_and_survives_storage() {
    web_support::install_content();
    let a = lesson_answer("commit-before-write");
    let mut pr = Progress::default();
    let right = predict(Effect::Lost, &[2, 3]);
    let wrong = predict(Effect::Duplicated, &[5]);
    pr.record("commit-before-write", &right, &score(&right, &a));
    pr.record("commit-before-write", &wrong, &score(&wrong, &a));
    let at = &pr.lessons["commit-before-write"];
    assert_eq!((at.points, at.best, at.tries), (0, 2, 2));
    pr.record_quiz(9, 13);
    pr.record_quiz(5, 13);
    assert_eq!(pr.quiz_best, Some((9, 13)));
    pr.open = Some("commit-after-write".into());
    assert_eq!(Progress::parse(&pr.to_text()), pr);
    // An attempt with no records ("nothing happens") round-trips too.
    let mut none = Progress::default();
    none.record(
        "upsert-vs-append",
        &predict(Effect::Nothing, &[]),
        &score(&predict(Effect::Nothing, &[]), &a),
    );
    assert_eq!(Progress::parse(&none.to_text()), none);
    // Anything unreadable is skipped, never a panic.
    assert_eq!(Progress::parse("{not json"), Progress::default());
    assert_eq!(
        Progress::parse("l x 1\nq 1 a\nl y 1 2 3 4 5,six,7\n").lessons["y"].records,
        vec![5, 7]
    );
    assert_eq!(pr.totals(), (1, 2));
}

// ------------------------------------------------------------------ mounted views

fn new_root() -> Element {
    let root = gloo::utils::document().create_element("div").unwrap();
    gloo::utils::body().append_child(&root).unwrap();
    root
}

fn disabled(el: &HtmlElement) -> bool {
    el.has_attribute("disabled")
}

#[wasm_bindgen_test]
async fn the_lesson_view_stops_at_the_fault_then_scores_the_prediction() {
    web_support::install_content();
    let l = &lessons::lessons()[0];
    let run = engine::run(&lessons::scenario(l));
    let gate = pause_point(&run.trace);
    assert_eq!(gate, 6, "the crash after source_commit of batch 1");
    let scored = std::rc::Rc::new(std::cell::RefCell::new(None));
    let sink = scored.clone();
    let props = LessonProps {
        index: 0,
        attempt: None,
        on_nav: Callback::noop(),
        on_scored: Callback::from(move |(id, _p, s)| *sink.borrow_mut() = Some((id, s))),
        on_sandbox: Callback::noop(),
    };
    let root = new_root();
    yew::Renderer::<LessonView>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    assert!(text(&root, "[data-testid=lesson]").contains(l.title));
    assert_eq!(all(&root, "[data-testid=predict-option]").len(), 4);
    assert_eq!(all(&root, "[data-testid=predict-record]").len(), 10);
    assert!(disabled(&one(&root, "[data-testid=predict-submit]")));

    // Before the prediction the run cannot go past its fault.
    one(&root, "[aria-label='Last step (End)']").click();
    yew::scheduler::flush().await;
    yew::scheduler::flush().await;
    assert_eq!(
        text(&root, ".tl-pos"),
        format!("{} / {}", gate + 1, run.trace.len())
    );
    assert!(all(&root, "[data-testid=lesson-score]").is_empty());

    // Predict "records lost: r2, r3" and lock it in.
    all(&root, "[data-testid=predict-option]")[1].click();
    yew::scheduler::flush().await;
    let recs = all(&root, "[data-testid=predict-record]");
    recs[2].click();
    yew::scheduler::flush().await;
    all(&root, "[data-testid=predict-record]")[3].click();
    yew::scheduler::flush().await;
    let submit = one(&root, "[data-testid=predict-submit]");
    assert!(!disabled(&submit));
    submit.click();
    yew::scheduler::flush().await;
    let (id, s) = scored.borrow().clone().expect("scored");
    assert_eq!((id, s.points), (l.id, MAX_POINTS));

    // The result shows once the run reaches its end.
    one(&root, "[data-testid=lesson-skip]").click();
    yew::scheduler::flush().await;
    yew::scheduler::flush().await;
    let result = text(&root, "[data-testid=lesson-score]");
    assert!(result.contains("2 / 2"), "{result}");
    assert!(result.contains(&l.rule[..40]), "{result}");
    assert!(result.contains("Common misconception"), "{result}");
    root.remove();
}

#[wasm_bindgen_test]
async fn the_course_lists_lessons_and_stores_progress() {
    web_support::install_content();
    let st = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    st.remove_item(STORAGE_KEY).unwrap();
    let root = new_root();
    let props = CourseProps {
        mode: Mode::Learn,
        on_sandbox: Callback::noop(),
    };
    yew::Renderer::<Course>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    yew::scheduler::flush().await;
    let items = all(&root, "[data-testid=lesson-item]");
    assert_eq!(items.len(), lessons::lessons().len());
    assert!(disabled(&one(&root, "[data-testid=reset-progress]")));

    // Open the first lesson and predict nothing happens (wrong: r2, r3 are lost).
    items[0].click();
    yew::scheduler::flush().await;
    all(&root, "[data-testid=predict-option]")[0].click();
    yew::scheduler::flush().await;
    one(&root, "[data-testid=predict-submit]").click();
    yew::scheduler::flush().await;
    let stored = Progress::parse(&st.get_item(STORAGE_KEY).unwrap().unwrap());
    let at = &stored.lessons["commit-before-write"];
    assert_eq!((at.points, at.tries), (0, 1));
    assert_eq!(stored.open.as_deref(), Some("commit-before-write"));

    // Back to the list: the lesson is marked as tried; reset clears the storage.
    one(&root, "[data-testid=lesson-back]").click();
    yew::scheduler::flush().await;
    let first = &all(&root, "[data-testid=lesson-item]")[0];
    assert_eq!(
        first.get_attribute("data-mark").as_deref(),
        Some("is-tried")
    );
    one(&root, "[data-testid=reset-progress]").click();
    yew::scheduler::flush().await;
    let first = &all(&root, "[data-testid=lesson-item]")[0];
    assert_eq!(first.get_attribute("data-mark").as_deref(), Some("is-new"));
    let cleared = Progress::parse(&st.get_item(STORAGE_KEY).unwrap().unwrap_or_default());
    assert!(cleared.is_empty());
    root.remove();
    st.remove_item(STORAGE_KEY).unwrap();
}

#[wasm_bindgen_test]
async fn the_quiz_checks_an_answer_with_the_engine() {
    web_support::install_content();
    let root = new_root();
    let props = CourseProps {
        mode: Mode::Quiz,
        on_sandbox: Callback::noop(),
    };
    yew::Renderer::<Course>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    let q = &lessons::quiz()[0];
    let correct = q.correct().expect("the engine selects a choice");
    let choices = all(&root, "[data-testid=quiz-choice]");
    assert_eq!(choices.len(), q.choices.len());
    choices[correct].click();
    yew::scheduler::flush().await;
    let after = all(&root, "[data-testid=quiz-choice]");
    assert!(after[correct].class_name().contains("is-right"));
    assert!(after.iter().all(disabled));
    assert!(text(&root, ".quiz-feedback").contains("Right"));
    root.remove();
}
