//! Learn and Quiz modes: the lesson list, a lesson (watch to the crash, predict, reveal),
//! and the quiz. A lesson plays its scenario in its own session through the simulator's
//! views; every answer comes from the engine. Progress lives in localStorage, read and
//! written only in effects and event handlers, and the course works without it.

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::super::app::{key_action, use_play_timer};
use super::super::content::{start, CourseText};
use super::super::engine;
use super::code::CodePanel;
use super::fidelity::FidelityMark;
use super::header::guarantee_class;
use super::quiz::Quiz;
use super::{chip, ledger::ledger, narration::narration, notes::Notes, stage::Stage};
use super::{timeline::Timeline, Handle};
use crate::lessons::{self, Answer, Lesson};
use crate::state::learn::{
    pause_point, score, steps_before_prediction, Attempt, Effect, Prediction, Progress, Score,
    MAX_POINTS, STORAGE_KEY,
};
use crate::state::notes::guarantee_label;
use crate::state::playback::{PlayAction, DEFAULT_SPEED};
use crate::state::session::{Act, Message, Session};

/// What the page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sandbox,
    /// The crash matrix of the sandbox's pipeline (views/matrix.rs).
    Matrix,
    Learn,
    Quiz,
}

/// The top bar: the brand, the "Sandbox | Crash matrix | Learn | Quiz" switch, and on the
/// right `extra` (the crash matrix's pick) or the tagline.
pub fn mode_bar(mode: Mode, set: &Callback<Mode>, extra: Option<Html>) -> Html {
    // Learn and Quiz read the course text: a pointer on their tab starts fetching it.
    let warm = Callback::from(|_: MouseEvent| start::<CourseText>());
    let tab = |m: Mode, label: &'static str, id: &'static str, title: &'static str| {
        html! {
            <button class={if m == mode { "mode-tab on" } else { "mode-tab" }} aria-pressed={(m == mode).to_string()}
                onclick={set.reform(move |_: MouseEvent| m)} data-testid={id} {title}
                onmouseenter={matches!(m, Mode::Learn | Mode::Quiz).then(|| warm.clone())}>{ label }</button>
        }
    };
    html! {
        <nav class="modebar" aria-label="Mode">
            <span class="modebar-brand"><span class="logo" aria-hidden="true">{ "✕" }</span>{ "crashcourse" }</span>
            <div class="modes">
                { tab(Mode::Sandbox, "Sandbox", "mode-sandbox", "Build any pipeline and crash it anywhere") }
                { tab(Mode::Matrix, "Crash matrix", "mode-matrix", "What one crash does at every step of this pipeline, in one table") }
                { tab(Mode::Learn, "Learn", "mode-learn", "Short lessons: predict what a crash does, then watch") }
                { tab(Mode::Quiz, "Quiz", "mode-quiz", "Test yourself against the engine") }
            </div>
            if let Some(extra) = extra {
                { extra }
            } else {
                <span class="modebar-tag">{ "Crash a streaming pipeline anywhere; see what it loses or duplicates." }</span>
            }
        </nav>
    }
}

// ------------------------------------------------------------------------ storage

/// The page's localStorage, if this browser (or a sandboxed frame) allows it.
pub(super) fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Stored progress, and whether storage works here (a sandboxed iframe may refuse it).
fn load() -> (Progress, bool) {
    match storage() {
        Some(st) => (
            st.get_item(STORAGE_KEY)
                .ok()
                .flatten()
                .map(|t| Progress::parse(&t))
                .unwrap_or_default(),
            true,
        ),
        None => (Progress::default(), false),
    }
}

fn save(p: &Progress) -> bool {
    storage().is_some_and(|st| st.set_item(STORAGE_KEY, &p.to_text()).is_ok())
}

/// A link that opens `scenario` in the sandbox (the app opens `#v1=…` links).
pub(super) fn sandbox_link(
    scenario: &engine::Scenario,
    on_click: &Callback<()>,
    label: &str,
) -> Html {
    let href = format!("#{}", crate::share::encode(scenario, None));
    let cb = on_click.reform(|_: MouseEvent| ());
    html! { <a class="btn" {href} onclick={cb} data-testid="open-sandbox">{ label.to_string() }{ " ↗" }</a> }
}

fn id_list(ids: &[usize]) -> Html {
    if ids.is_empty() {
        return html! { <span class="muted">{ "no records" }</span> };
    }
    ids.iter().map(|&i| chip(&format!("r{i}"), "")).collect()
}

// ------------------------------------------------------------------------ the course

/// Lesson groups: (title, id prefixes); the rest is "Putting it together".
const GROUPS: [(&str, &[&str]); 9] = [
    (
        "Kafka consumer: when to commit",
        &["commit-", "auto-commit"],
    ),
    (
        "Spark: checkpoint and sinks",
        &["spark-offset", "spark-file", "upsert-"],
    ),
    ("Spark foreachBatch", &["foreachbatch-"]),
    ("Delta Lake", &["delta-"]),
    ("Kafka transactions and sinks", &["kafka-", "spark-kafka"]),
    ("Flink", &["flink-"]),
    ("BigQuery Storage Write API", &["bq-"]),
    ("Beam, Dataflow and Pub/Sub", &["beam-", "pubsub-"]),
    ("Deduplication", &["dedup-"]),
];

fn group_of(id: &str) -> &'static str {
    GROUPS
        .iter()
        .find(|(_, ps)| ps.iter().any(|p| id.starts_with(p)))
        .map_or("Putting it together", |(t, _)| *t)
}

#[derive(Properties, PartialEq)]
pub struct CourseProps {
    pub mode: Mode,
    /// The learner follows a link into the sandbox.
    #[prop_or_default]
    pub on_sandbox: Callback<()>,
}

/// Learn or Quiz mode, with the progress both keep.
#[function_component(Course)]
pub fn course(p: &CourseProps) -> Html {
    let progress = use_state(Progress::default);
    let saved = use_state(|| true);
    let open = use_state(|| None::<usize>);
    // The progress before "Reset progress", for its undo.
    let undo = use_state(|| None::<Progress>);
    {
        let (progress, saved, open) = (progress.clone(), saved.clone(), open.clone());
        use_effect_with((), move |_| {
            let (pr, ok) = load();
            let all = lessons::lessons();
            open.set(
                pr.open
                    .as_deref()
                    .and_then(|id| all.iter().position(|l| l.id == id)),
            );
            progress.set(pr);
            saved.set(ok);
        });
    }
    let commit = {
        let (progress, saved) = (progress.clone(), saved.clone());
        move |next: Progress| {
            saved.set(save(&next));
            progress.set(next);
        }
    };
    let nav = {
        let (progress, open, commit) = (progress.clone(), open.clone(), commit.clone());
        Callback::from(move |to: Option<usize>| {
            let mut next = (*progress).clone();
            next.open = to.map(|i| lessons::lessons()[i].id.to_string());
            commit(next);
            open.set(to);
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        })
    };

    match p.mode {
        Mode::Quiz => {
            let on_finish = {
                let (progress, commit) = (progress.clone(), commit.clone());
                Callback::from(move |(right, total): (u32, u32)| {
                    let mut next = (*progress).clone();
                    next.record_quiz(right, total);
                    commit(next);
                })
            };
            html! {
                <div class="course">
                    <Quiz best={progress.quiz_best} {on_finish} on_sandbox={p.on_sandbox.clone()} />
                    { storage_note(*saved) }
                </div>
            }
        }
        _ => match *open {
            Some(i) => {
                let l = &lessons::lessons()[i];
                let on_scored = {
                    let (progress, commit) = (progress.clone(), commit.clone());
                    Callback::from(move |(id, pred, sc): (&'static str, Prediction, Score)| {
                        let mut next = (*progress).clone();
                        next.record(id, &pred, &sc);
                        commit(next);
                    })
                };
                html! {
                    <div class="course">
                        <LessonView key={l.id} index={i} attempt={progress.lessons.get(l.id).cloned()}
                            on_nav={nav} {on_scored} on_sandbox={p.on_sandbox.clone()} />
                        { storage_note(*saved) }
                    </div>
                }
            }
            None => {
                let on_reset = {
                    let (progress, undo, commit) = (progress.clone(), undo.clone(), commit.clone());
                    Callback::from(move |_: MouseEvent| {
                        undo.set(Some((*progress).clone()));
                        commit(Progress::default());
                    })
                };
                let on_undo = {
                    let (undo, commit) = (undo.clone(), commit.clone());
                    Callback::from(move |_: MouseEvent| {
                        if let Some(old) = (*undo).clone() {
                            commit(old);
                        }
                        undo.set(None);
                    })
                };
                html! {
                    <div class="course">
                        { lesson_list(&progress, &nav, on_reset, undo.is_some().then_some(on_undo)) }
                        { storage_note(*saved) }
                    </div>
                }
            }
        },
    }
}

fn storage_note(saved: bool) -> Html {
    if saved {
        return html! {};
    }
    html! {
        <p class="hint course-note" role="note">
            { "This browser does not let the page store anything here, so your progress lasts only until you leave the page." }
        </p>
    }
}

fn lesson_list(
    progress: &Progress,
    nav: &Callback<Option<usize>>,
    on_reset: Callback<MouseEvent>,
    on_undo: Option<Callback<MouseEvent>>,
) -> Html {
    let all = lessons::lessons();
    let (done, points) = progress.totals();
    let max = all.len() as u32 * MAX_POINTS as u32;
    let next = all.iter().position(|l| {
        progress
            .lessons
            .get(l.id)
            .is_none_or(|a| a.best < MAX_POINTS)
    });
    let mut items: Vec<Html> = Vec::new();
    let mut last_group = "";
    for (i, l) in all.iter().enumerate() {
        let g = group_of(l.id);
        if g != last_group {
            items.push(html! { <li class="group-title" role="presentation"><h3>{ g }</h3></li> });
            last_group = g;
        }
        let a = progress.lessons.get(l.id);
        let (mark, cls, words) = match a.map(|a| a.best) {
            Some(b) if b >= MAX_POINTS => ("✓", "is-perfect", "predicted right".to_string()),
            Some(b) => ("◐", "is-tried", format!("best {b} of {MAX_POINTS}")),
            None => ("", "is-new", "not started".to_string()),
        };
        let onclick = nav.reform(move |_: MouseEvent| Some(i));
        items.push(html! {
            <li>
                <button class={format!("lesson-item {cls}")} {onclick} data-testid="lesson-item" data-mark={cls}>
                    <span class="li-num" aria-hidden="true">{ if mark.is_empty() { (i + 1).to_string() } else { mark.to_string() } }</span>
                    <span class="li-title">{ l.title }</span>
                    <span class="li-state">{ words }</span>
                </button>
            </li>
        });
    }
    let pct = (points * 100).checked_div(max).unwrap_or(0);
    html! {
        <section class="lessons" data-testid="lesson-list" aria-labelledby="lessons-title">
            <div class="course-head card">
                <div class="course-intro">
                    <h2 id="lessons-title">{ "Delivery guarantees, one crash at a time" }</h2>
                    <p>{ "Each lesson sets up a real pipeline and one fault. Watch it run up to the crash, predict what the reader ends up with, then watch the engine play it out." }</p>
                </div>
                <div class="course-stats">
                    <div class="meter" role="progressbar" aria-label="Course points" aria-valuemin="0"
                        aria-valuemax={max.to_string()} aria-valuenow={points.to_string()}>
                        <span style={format!("width: {pct}%")}></span>
                    </div>
                    <p data-testid="course-progress">
                        { format!("{done} of {} lessons tried · {points} of {max} points", all.len()) }
                        if let Some((r, t)) = progress.quiz_best { { format!(" · quiz best {r}/{t}") } }
                    </p>
                    <div class="form-actions">
                        if let Some(k) = next {
                            <button class="btn btn-primary" onclick={nav.reform(move |_: MouseEvent| Some(k))}>
                                { if done == 0 { "Start the first lesson ▶".to_string() } else { format!("Continue: lesson {} ▶", k + 1) } }
                            </button>
                        }
                        <button class="btn btn-quiet" onclick={on_reset} data-testid="reset-progress"
                            disabled={progress.is_empty()}>{ "Reset progress" }</button>
                    </div>
                    if let Some(u) = on_undo {
                        <p class="msg msg-ok" role="status">{ "Progress cleared. " }
                            <button class="link-btn" onclick={u}>{ "Undo" }</button></p>
                    }
                </div>
            </div>
            <ol class="lesson-index">{ for items }</ol>
        </section>
    }
}

// ------------------------------------------------------------------------ a lesson

#[derive(Properties, PartialEq)]
pub struct LessonProps {
    /// Index into [`lessons::lessons`].
    pub index: usize,
    /// The stored attempt, if any.
    #[prop_or_default]
    pub attempt: Option<Attempt>,
    /// Go to another lesson (`None`: the list).
    #[prop_or_default]
    pub on_nav: Callback<Option<usize>>,
    #[prop_or_default]
    pub on_scored: Callback<(&'static str, Prediction, Score)>,
    #[prop_or_default]
    pub on_sandbox: Callback<()>,
}

/// A session on the lesson's scenario.
fn lesson_session(l: &Lesson) -> Session {
    // A lesson holds at its own point (the fault, for the prediction), not at every pause.
    Session::new(None)
        .apply(Act::Play(PlayAction::SetPacing(false)))
        .apply(Act::LoadJson(l.scenario.to_string()))
}

/// An effect as a choice: (icon, class, label).
fn effect_choice(e: Effect) -> (&'static str, &'static str, &'static str) {
    match e {
        Effect::Nothing => ("✓", "fx-ok", "Every record once"),
        Effect::Lost => ("✕", "fx-missing", "Records lost"),
        Effect::Duplicated => ("❐", "fx-dup", "Records duplicated"),
        Effect::Both => ("✕❐", "fx-both", "Lost and duplicated"),
    }
}

/// One lesson: the intro, the run (paused at the crash until the learner predicts), the
/// prediction, and the engine's answer with the rule.
#[function_component(LessonView)]
pub fn lesson_view(p: &LessonProps) -> Html {
    let all = lessons::lessons();
    let index = p.index.min(all.len() - 1);
    let l: &'static Lesson = &all[index];
    let s: Handle = use_reducer(|| lesson_session(l));
    let answer = use_memo(index, |&i| lessons::answer(&lessons::lessons()[i]));
    let pred = use_state(Prediction::default);
    let scored = use_state(|| None::<Score>);
    let done = use_state(|| false);

    let pb = &s.playback;
    // The run stops at its fault until the learner has predicted.
    let gate = pause_point(&pb.run.trace);

    use_play_timer(pb, &s.dispatcher());
    // Before the prediction the run never goes past the fault; after it, the result shows
    // once the run has played to the end.
    {
        let (d, done, last) = (s.dispatcher(), done.clone(), pb.last());
        let open = scored.is_none();
        use_effect_with((pb.cursor, pb.playing, open), move |&(c, playing, open)| {
            if open && (c > gate || (c == gate && playing)) {
                d.dispatch(Act::Play(PlayAction::Seek(gate)));
            } else if !open && c >= last {
                done.set(true);
            }
        });
    }
    // The playback keys drive this lesson's run.
    {
        let d = s.dispatcher();
        use_effect_with((), move |_| {
            let options = EventListenerOptions::enable_prevent_default();
            let doc = gloo::utils::document();
            let listener = EventListener::new_with_options(&doc, "keydown", options, move |e| {
                let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if let Some(Act::Play(a)) = key_action(e) {
                    e.prevent_default();
                    d.dispatch(Act::Play(a));
                }
            });
            move || drop(listener)
        });
    }

    let n = all.len();
    let go = |to: Option<usize>| p.on_nav.reform(move |_: MouseEvent| to);
    let play_to_crash = {
        let s = s.clone();
        Callback::from(move |_: MouseEvent| {
            s.dispatch(Act::Play(PlayAction::SetSpeed(DEFAULT_SPEED)));
            s.dispatch(Act::Play(PlayAction::Play));
        })
    };
    let submit = {
        let (pred, scored, s, answer) = (pred.clone(), scored.clone(), s.clone(), answer.clone());
        let on_scored = p.on_scored.clone();
        Callback::from(move |_: MouseEvent| {
            if !pred.ready() {
                return;
            }
            let sc = score(&pred, &answer);
            on_scored.emit((l.id, (*pred).clone(), sc.clone()));
            scored.set(Some(sc));
            if !s.playback.at_end() {
                s.dispatch(Act::Play(PlayAction::SetSpeed(3)));
                s.dispatch(Act::Play(PlayAction::Play));
            }
        })
    };
    let skip = {
        let s = s.clone();
        Callback::from(move |_: MouseEvent| s.dispatch(Act::Play(PlayAction::Last)))
    };
    let retry = {
        let (pred, scored, done, s) = (pred.clone(), scored.clone(), done.clone(), s.clone());
        Callback::from(move |_: MouseEvent| {
            pred.set(Prediction::default());
            scored.set(None);
            done.set(false);
            s.dispatch(Act::Play(PlayAction::SetSpeed(DEFAULT_SPEED)));
            s.dispatch(Act::Play(PlayAction::First));
        })
    };

    let pre = steps_before_prediction(l.steps);
    let shown = if scored.is_some() { l.steps.len() } else { pre };
    let steps: Html = l.steps[..shown]
        .iter()
        .enumerate()
        .map(|(k, t)| html! { <li class={if k >= pre { "is-after" } else { "" }}>{ *t }</li> })
        .collect();
    let at_crash = pb.cursor >= gate;

    let coach = match (&*scored, *done) {
        (None, _) => html! {},
        (Some(_), false) => html! {
            <section class="coach-card card is-revealing" aria-live="polite">
                <h3>{ "Prediction locked in" }</h3>
                <p>{ "The run plays on from the crash. Follow the restart on the timeline; the answer appears at the end." }</p>
                <div class="form-actions">
                    <button class="btn" onclick={skip} data-testid="lesson-skip">{ "Skip to the result ⇥" }</button>
                </div>
            </section>
        },
        (Some(sc), true) => result_card(
            l,
            &s,
            &pred,
            sc,
            &answer,
            retry,
            (index + 1 < n).then(|| go(Some(index + 1))),
            &p.on_sandbox,
        ),
    };
    // Not while the run plays on: it would tell the result before the end.
    let last = p.attempt.as_ref().filter(|_| scored.is_none() || *done).map(|a| {
        html! { <span class="lesson-last">{ format!("Best so far: {} of {MAX_POINTS}", a.best) }</span> }
    });

    html! {
        <div class={if *done { "lesson-page" } else { "lesson-page is-gated" }} data-testid="lesson">
            <header class="lesson-head">
                <p class="lesson-kicker">
                    <button class="link-btn" onclick={go(None)} data-testid="lesson-back">{ "← All lessons" }</button>
                    <span>{ format!("Lesson {} of {n} · {}", index + 1, group_of(l.id)) }</span>
                    { last }
                </p>
                <div class="lesson-title">
                    <h2>{ l.title }</h2>
                    <nav class="lesson-pn" aria-label="Lessons">
                        <button class="btn" onclick={go(index.checked_sub(1))} disabled={index == 0}
                            data-testid="lesson-prev">{ "◀ Previous" }</button>
                        <button class="btn" onclick={go(Some(index + 1))} disabled={index + 1 >= n}
                            data-testid="lesson-next">{ "Next ▶" }</button>
                    </nav>
                </div>
                <p class="lesson-intro">{ l.intro }</p>
                <FidelityMark scenario={s.loaded().scenario} reveal={*done} />
            </header>
            <div class="lesson-grid">
                <div class="lesson-sim">
                    { narration(pb) }
                    <Stage pb={pb.clone()} />
                    <Timeline pb={pb.clone()} crash_mode={s.crash_mode} dispatch={s.dispatcher()}
                        message={s.message.clone().filter(Message::is_fault)} />
                    { ledger(pb, s.selected, &s.dispatcher()) }
                </div>
                <aside class="coach" aria-label="Lesson">
                    <section class="coach-card card">
                        <h3>{ "What to watch" }</h3>
                        if shown > 0 {
                            <ol class="steps">{ steps }</ol>
                        } else {
                            <p class="hint">{ "Play the run up to its fault, then predict how it ends." }</p>
                        }
                        if scored.is_none() {
                            if at_crash {
                                <p class="crash-note" role="status">{ "❚❚ Stopped at the fault. What happens next?" }</p>
                            } else {
                                <button class="btn btn-primary" onclick={play_to_crash} data-testid="lesson-play">
                                    { "▶ Play to the fault" }
                                </button>
                            }
                            <hr class="coach-sep" />
                            { predict_card(l, &s, &pred, submit) }
                        }
                    </section>
                    { coach }
                </aside>
            </div>
            <div class="lesson-more">
                <Notes loaded={s.loaded()} />
                <CodePanel loaded={s.loaded()} />
            </div>
        </div>
    }
}

fn predict_card(
    l: &Lesson,
    s: &Handle,
    pred: &UseStateHandle<Prediction>,
    submit: Callback<MouseEvent>,
) -> Html {
    let options: Html = Effect::ALL
        .iter()
        .map(|&e| {
            let on = pred.effect == Some(e);
            let onclick = {
                let pred = pred.clone();
                Callback::from(move |_: MouseEvent| {
                    let mut p = (*pred).clone();
                    p.set_effect(e);
                    pred.set(p);
                })
            };
            let (icon, cls, label) = effect_choice(e);
            html! {
                <button role="radio" aria-checked={on.to_string()} class={format!("predict-option {cls}{}", if on { " on" } else { "" })}
                    {onclick} data-testid="predict-option">
                    <span class="fx-icon" aria-hidden="true">{ icon }</span>{ label }
                </button>
            }
        })
        .collect();
    let nothing = pred.effect == Some(Effect::Nothing);
    let n = s.scenario().workload.records as usize;
    let records: Html = (0..n)
        .map(|i| {
            let on = pred.records.contains(&i);
            let onclick = {
                let pred = pred.clone();
                Callback::from(move |_: MouseEvent| {
                    let mut p = (*pred).clone();
                    p.toggle(i);
                    pred.set(p);
                })
            };
            html! {
                <button class={if on { "rec-pick on" } else { "rec-pick" }} aria-pressed={on.to_string()}
                    disabled={nothing} {onclick} data-testid="predict-record">
                    { chip(&format!("r{i}"), "") }
                </button>
            }
        })
        .collect();
    let hint = match pred.effect {
        None => "Choose what happens first.",
        Some(Effect::Nothing) => "Every record once: no records to pick.",
        Some(_) if pred.records.is_empty() => "Now pick the records it happens to.",
        Some(_) => "Ready when you are.",
    };
    html! {
        <div class="predict" role="group" aria-labelledby="predict-title">
            <h3 id="predict-title">{ "Your prediction" }</h3>
            <p class="question">{ l.question }</p>
            <div class="predict-options" role="radiogroup" aria-label="What the reader ends up with">{ options }</div>
            <p class="hint">{ "Which records? Pick each one you expect to be lost or duplicated." }</p>
            <div class={if nothing { "predict-records is-off" } else { "predict-records" }} role="group" aria-label="Records">{ records }</div>
            <div class="form-actions">
                <button class="btn btn-primary" onclick={submit} disabled={!pred.ready()} data-testid="predict-submit">
                    { "Lock in and play to the end ▶" }
                </button>
                <span class="hint" aria-live="polite">{ hint }</span>
            </div>
        </div>
    }
}

#[allow(clippy::too_many_arguments)]
fn result_card(
    l: &Lesson,
    s: &Handle,
    pred: &Prediction,
    sc: &Score,
    answer: &Answer,
    retry: Callback<MouseEvent>,
    next: Option<Callback<MouseEvent>>,
    on_sandbox: &Callback<()>,
) -> Html {
    let o = &s.run().outcome;
    let (verdict, cls) = match sc.points {
        MAX_POINTS => ("Spot on.", "is-perfect"),
        0 => ("Not this time.", "is-miss"),
        _ => ("Partly right.", "is-partial"),
    };
    let dups: Html = answer
        .duplicated_ids()
        .iter()
        .map(|(id, c)| html! { <span class="dup-count">{ chip(id, "") }{ format!("×{c}") }</span> })
        .collect();
    let effect_line = if sc.effect_right {
        html! { <li class="pt-ok">{ format!("✓ Right effect: {}.", sc.actual.words()) }</li> }
    } else {
        html! { <li class="pt-miss">{ format!("✕ The engine's run: {}.", sc.actual.words()) }</li> }
    };
    let records_line = if sc.records_right {
        html! { <li class="pt-ok">{ "✓ Right records." }</li> }
    } else {
        html! {
            <li class="pt-miss">{ "✕ Records: " }
                if !sc.missed.is_empty() { { "you missed " }{ id_list(&sc.missed) } }
                if !sc.missed.is_empty() && !sc.extra.is_empty() { { "; " } }
                if !sc.extra.is_empty() { { "the run leaves alone " }{ id_list(&sc.extra) } }
                { "." }
            </li>
        }
    };
    let you = pred.effect.map_or("", |e| effect_choice(e).2);
    html! {
        <section class={format!("coach-card card result {cls}")} data-testid="lesson-score">
            <p class="score-line" role="status">
                <span class="score-big">{ format!("{} / {MAX_POINTS}", sc.points) }</span>
                <strong>{ verdict }</strong>
            </p>
            <ul class="points">{ effect_line }{ records_line }</ul>
            <dl class="compare">
                <dt>{ "You predicted" }</dt>
                <dd>{ you }{ " " }if !pred.records.is_empty() { { id_list(&pred.records) } }</dd>
                <dt>{ "The engine" }</dt>
                <dd>
                    if !answer.missing.0.is_empty() { <span class="lost">{ "lost " }{ id_list(&answer.missing.0) }</span>{ " " } }
                    if !answer.duplicated.0.is_empty() { <span class="dup">{ "duplicated " }{ dups }</span> }
                    if sc.affected.is_empty() { { "every record exactly once" } }
                </dd>
                <dt>{ "Guarantee" }</dt>
                <dd><span class={format!("badge {}", guarantee_class(o.guarantee))}>{ guarantee_label(o) }</span>
                    if !answer.errors.is_empty() { <span class="errors">{ format!(" · errors: {}", answer.errors.join(", ")) }</span> }
                </dd>
            </dl>
            <div class="rule">
                <h4>{ "The rule" }</h4>
                <p>{ l.rule }</p>
            </div>
            if let Some(m) = l.misconception {
                <div class="misconception">
                    <p><strong>{ "Common misconception: " }</strong>{ m }</p>
                </div>
            }
            <div class="form-actions">
                <button class="btn" onclick={retry} data-testid="lesson-retry">{ "↺ Try again" }</button>
                { sandbox_link(s.scenario(), on_sandbox, "Open in the sandbox") }
                if let Some(next) = next {
                    <button class="btn btn-primary" onclick={next} data-testid="result-next">{ "Next lesson ▶" }</button>
                }
            </div>
        </section>
    }
}
