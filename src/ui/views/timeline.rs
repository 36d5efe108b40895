//! Timeline: every event a tick, grouped by batch attempt; playback controls; crash here.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::prelude::*;

use super::super::engine::{Run, Scenario};
use super::{batch_words, event_glyph, kind_words, step_words, unit_words, Dispatch};
use crate::state::playback::{groups, PlayAction, Playback, SPEEDS};
use crate::state::session::{crash_point, crash_point_of, Act, Message};

#[derive(Properties)]
struct TicksProps {
    run: Rc<Run>,
    scenario: Rc<Scenario>,
    /// Their revision ([`Playback::rev`]): the props compare by it, not by the run.
    rev: u64,
    crash_mode: bool,
    dispatch: Dispatch,
    strip: NodeRef,
}

impl PartialEq for TicksProps {
    fn eq(&self, other: &Self) -> bool {
        self.rev == other.rev
            && self.crash_mode == other.crash_mode
            && self.dispatch == other.dispatch
            && self.strip == other.strip
    }
}

/// The tick strip. It re-renders only when the run or the click mode changes: the cursor
/// marks (`data-at`, `aria-current`, `tabindex`) are set on the DOM by [`mark_cursor`], so
/// stepping through a 1,000-event run touches two or a few buttons, not a thousand.
///
/// The strip is one Tab stop (a roving tabindex): the current step has `tabindex=0`, every
/// other step `-1`. The app's playback keys (←, →, Home, End…) move the cursor and the focus
/// follows it; the strip handles no key itself, so none fires twice.
#[function_component(Ticks)]
fn ticks(p: &TicksProps) -> Html {
    crate::ui::count_render("ticks");
    let trace = &p.run.trace;
    let scenario = &*p.scenario;
    let crash_mode = p.crash_mode;
    // One delegated click handler for every tick.
    let onclick = {
        let d = p.dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            let tick = e
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.closest("[data-i]").ok().flatten());
            if let Some(i) = tick
                .and_then(|t| t.get_attribute("data-i"))
                .and_then(|i| i.parse::<usize>().ok())
            {
                d.dispatch(if crash_mode {
                    Act::CrashAt(i)
                } else {
                    Act::Play(PlayAction::Seek(i))
                });
            }
        })
    };
    let ticks: Html = groups(trace)
        .into_iter()
        .map(|g| {
            let label = unit_words(scenario, g.batch, g.attempt).unwrap_or_default();
            let inner: Html = (g.start..g.end)
                .map(|i| {
                    let e = &trace[i];
                    let crashable = crash_point_of(e).is_ok();
                    let mut desc = format!("{}: {}", i + 1, kind_words(e, scenario));
                    if let Some(b) = batch_words(e, scenario) {
                        desc.push_str(&format!(", {b}"));
                    }
                    if e.zombie {
                        desc.push_str(", zombie");
                    }
                    let cls = classes!(
                        "tick",
                        format!("k-{:?}", e.kind).to_ascii_lowercase(),
                        e.zombie.then_some("is-zombie"),
                        (crash_mode && crashable).then_some("can-crash"),
                        (crash_mode && !crashable).then_some("no-crash"),
                    );
                    let title = if crash_mode && crashable {
                        format!("Crash after this step. {}", e.text)
                    } else {
                        e.text.clone()
                    };
                    html! {
                        <button key={i} class={cls} data-testid="tick" data-i={i.to_string()}
                            aria-label={desc} title={title} tabindex="-1">
                            { event_glyph(e, scenario) }
                        </button>
                    }
                })
                .collect();
            let gcls = classes!(
                "tl-group",
                g.zombie.then_some("is-zombie"),
                g.batch.is_none().then_some("is-solo"),
            );
            html! {
                <div class={gcls} key={g.start} data-start={g.start.to_string()} data-end={g.end.to_string()}>
                    <span class="tl-glabel" aria-hidden="true">{ label }</span>
                    <div class="tl-ticks">{ inner }</div>
                </div>
            }
        })
        .collect();
    html! {
        <div class={classes!("tl-strip", crash_mode.then_some("crash-mode"))} ref={p.strip.clone()}
            data-testid="timeline" {onclick}>
            { ticks }
        </div>
    }
}

/// Mark the cursor on the strip's DOM: `data-at` = `past` / `current` on ticks,
/// `aria-current` and `tabindex=0` on the current one (`-1` on the others), `data-at=current`
/// on its group; scroll it into view, and move the focus to it if a step had the focus.
/// `from` is the previously marked cursor, if the strip was not re-rendered since.
fn mark_cursor(strip: &HtmlElement, from: Option<usize>, to: usize) {
    let Ok(list) = strip.query_selector_all("[data-i]") else {
        return;
    };
    let focused = gloo::utils::document()
        .active_element()
        .is_some_and(|a| strip.contains(Some(&a)));
    let n = list.length() as usize;
    let tick = |i: usize| {
        list.item(i as u32)
            .and_then(|x| x.dyn_into::<Element>().ok())
    };
    let (lo, hi) = match from {
        Some(f) => (f.min(to), f.max(to)),
        None => (0, n.saturating_sub(1)),
    };
    // Only the ticks between the old and the new cursor change state (one DOM write
    // each, so a long jump stays cheap).
    for i in lo..=hi.min(n.saturating_sub(1)) {
        let Some(el) = tick(i) else {
            continue;
        };
        let _ = match i.cmp(&to) {
            std::cmp::Ordering::Less => el.set_attribute("data-at", "past"),
            std::cmp::Ordering::Equal => el.set_attribute("data-at", "current"),
            std::cmp::Ordering::Greater => el.remove_attribute("data-at"),
        };
        let _ = el.set_attribute("tabindex", if i == to { "0" } else { "-1" });
    }
    // `aria-current` and the group's mark move from the old current tick to the new one
    // (after a re-render of the strip, from wherever they are).
    let unmark = |el: &Element, attr: &str| {
        let _ = el.remove_attribute(attr);
    };
    let group = |el: &Element| el.closest(".tl-group").ok().flatten();
    match from.and_then(tick) {
        Some(old) => {
            unmark(&old, "aria-current");
            if let Some(g) = group(&old) {
                unmark(&g, "data-at");
            }
        }
        None => {
            for (sel, attr) in [
                ("[aria-current]", "aria-current"),
                (".tl-group[data-at]", "data-at"),
            ] {
                if let Ok(marked) = strip.query_selector_all(sel) {
                    for k in 0..marked.length() {
                        if let Some(el) = marked.item(k).and_then(|x| x.dyn_into::<Element>().ok())
                        {
                            unmark(&el, attr);
                        }
                    }
                }
            }
        }
    }
    if let Some(now) = tick(to) {
        let _ = now.set_attribute("aria-current", "step");
        if let Some(g) = group(&now) {
            let _ = g.set_attribute("data-at", "current");
        }
    }
    if let Some(tick) = list
        .item(to as u32)
        .and_then(|x| x.dyn_into::<HtmlElement>().ok())
    {
        if focused {
            let _ = tick.focus();
        }
        let left = tick.offset_left();
        let width = strip.client_width();
        let scroll = strip.scroll_left();
        if left < scroll + 24 || left > scroll + width - 48 {
            strip.set_scroll_left((left - width / 2).max(0));
        }
    }
}

/// localStorage: set once the learner has added a fault; then the first-visit hint is gone.
const CRASHED_KEY: &str = "crashcourse.crashed";

fn crashed_before() -> bool {
    super::learn::storage().is_some_and(|st| st.get_item(CRASHED_KEY).ok().flatten().is_some())
}

fn remember_crash() {
    if let Some(st) = super::learn::storage() {
        let _ = st.set_item(CRASHED_KEY, "1");
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub pb: Playback,
    /// Clicking a tick crashes after it.
    pub crash_mode: bool,
    /// What the last fault or crash asked for did ([`Message::is_fault`]).
    pub message: Option<Message>,
    pub dispatch: Dispatch,
}

#[function_component(Timeline)]
pub fn timeline(p: &TimelineProps) -> Html {
    crate::ui::count_render("timeline");
    let (pb, d) = (&p.pb, &p.dispatch);
    let strip = use_node_ref();

    // The first-visit hint (how to crash), until the learner has added a fault once.
    let hint = use_state(|| !crashed_before());
    {
        let hint = hint.clone();
        let added = matches!(p.message, Some(Message::FaultAdded(_)));
        use_effect_with(added, move |&added| {
            if added && *hint {
                remember_crash();
                hint.set(false);
            }
        });
    }

    // Mark the cursor on the strip (and keep it in view). A new run or click mode
    // re-renders the strip: then every tick is re-marked.
    {
        let strip = strip.clone();
        let marked = use_mut_ref(|| None::<(usize, u64, bool)>);
        let deps = (pb.cursor, pb.rev, p.crash_mode);
        use_effect_with(deps, move |&(cursor, run, mode)| {
            if let Some(el) = strip.cast::<HtmlElement>() {
                let from = match *marked.borrow() {
                    Some((c, r, m)) if r == run && m == mode => Some(c),
                    _ => None,
                };
                mark_cursor(&el, from, cursor);
                *marked.borrow_mut() = Some((cursor, run, mode));
            }
        });
    }

    let play = |a: PlayAction| play_on(d, a);
    let on_speed = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(i) = v.parse::<usize>() {
                d.dispatch(Act::Play(PlayAction::SetSpeed(i)));
            }
        })
    };
    let on_scrub = scrub_on(d);
    let crash_mode = p.crash_mode;
    let toggle_mode = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Act::SetCrashMode(!crash_mode)))
    };
    let crash_here = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Act::CrashHere))
    };

    let speeds: Html = SPEEDS
        .iter()
        .enumerate()
        .map(|(i, (_, name))| html! { <option value={i.to_string()} selected={i == pb.speed}>{ *name }</option> })
        .collect();

    let here = crash_point(&pb.run, pb.cursor);
    let here_label = match (&here, pb.event()) {
        (Ok(_), Some(e)) => format!(
            "✕ Crash after {} of {} {}{}",
            e.step.map(step_words).unwrap_or_default(),
            pb.scenario.engine.unit(),
            e.batch.unwrap_or(0),
            match e.attempt {
                Some(a) if a > 1 => format!(" (attempt {a})"),
                _ => String::new(),
            }
        ),
        _ => "✕ Crash here".to_string(),
    };
    let message = match &p.message {
        Some(Message::FaultAdded(d)) => html! {
            <p class="msg msg-ok" role="status">{ format!("Added: {d}. The engine re-ran the scenario; ") }
                <span>{ "the timeline now shows what follows." }</span></p>
        },
        Some(Message::FaultRefused(e)) => html! {
            <p class="msg msg-refused" role="alert" data-testid="fault-refused"><strong>{ "Not applied: " }</strong>{ e }</p>
        },
        _ => html! {},
    };
    let has_next = pb.next_fault().is_some();
    let has_prev = pb.prev_fault().is_some();

    html! {
        <section id="timeline" class="timeline card" aria-label="Timeline" tabindex="-1">
            <div class="tl-head">
                <h2>{ "Timeline" }</h2>
                <div class="tl-controls" role="group" aria-label="Playback">
                    <button class="ctl" onclick={play(PlayAction::First)} aria-label="First step (Home)" title="First step (Home)">{ "⇤" }</button>
                    <button class="ctl" onclick={play(PlayAction::StepBack)} data-testid="step-back"
                        aria-label="Step back (←)" title="Step back (←)" disabled={pb.cursor == 0}>{ "◀" }</button>
                    <button class="ctl ctl-play" onclick={play(PlayAction::TogglePlay)} data-testid="play"
                        aria-label={if pb.playing { "Pause (space)" } else { "Play (space)" }}
                        title={if pb.playing { "Pause (space)" } else { "Play (space)" }}>
                        { if pb.playing { "❚❚" } else { "▶" } }
                    </button>
                    <button class="ctl" onclick={play(PlayAction::StepForward)} data-testid="step-forward"
                        aria-label="Step forward (→)" title="Step forward (→)">{ "▶❘" }</button>
                    <button class="ctl" onclick={play(PlayAction::Last)} aria-label="Last step (End)" title="Last step (End)">{ "⇥" }</button>
                    <label class="speed">
                        <span class="sr-only">{ "Speed" }</span>
                        <select onchange={on_speed} aria-label="Playback speed" title="Speed ([ and ])">{ speeds }</select>
                    </label>
                    { pacing_toggle(pb, d, "Hold at key moments") }
                    <button class="ctl ctl-text" onclick={play(PlayAction::PrevFault)} disabled={!has_prev}
                        aria-label="Previous fault (Shift+←)" title="Previous fault (Shift+←)">{ "◀ fault" }</button>
                    <button class="ctl ctl-text" onclick={play(PlayAction::NextFault)} disabled={!has_next}
                        data-testid="next-fault" aria-label="Next fault (Shift+→)" title="Next fault (Shift+→)">{ "fault ▶" }</button>
                </div>
                <span class="tl-pos" aria-hidden="true">{ format!("{} / {}", pb.cursor + 1, pb.len()) }</span>
            </div>
            <input class="scrub" type="range" min="0" max={pb.last().to_string()} value={pb.cursor.to_string()}
                oninput={on_scrub} aria-label="Scrub through the run" />
            <Ticks run={pb.run.clone()} scenario={pb.scenario.clone()} rev={pb.rev} crash_mode={crash_mode}
                dispatch={d.clone()} strip={strip.clone()} />
            <div class="tl-actions">
                <button class="btn btn-crash" onclick={crash_here} disabled={here.is_err()} data-testid="crash-here"
                    title={match &here { Ok(_) => "Add a crash right after this step (C)".to_string(), Err(e) => format!("Not here: {e}") }}>
                    { here_label }
                </button>
                <button class={classes!("btn", "btn-toggle", crash_mode.then_some("on"))} onclick={toggle_mode}
                    aria-pressed={if crash_mode { "true" } else { "false" }} data-testid="crash-mode">
                    { if crash_mode { "Click-to-crash on: click any step" } else { "Click-to-crash: off" } }
                </button>
                if *hint {
                    <p class="crash-hint" data-testid="crash-hint">
                        { "Pick a step, then press " }<strong>{ "✕ Crash here" }</strong>{ " (or " }<kbd>{ "C" }</kbd>
                        { ") — or turn on " }<strong>{ "Click-to-crash" }</strong>{ " and click any step." }
                    </p>
                }
                { message }
            </div>
            <p class="tl-legend">
                <span><b>{ "P" }</b>{ " plan" }</span><span><b>{ "O" }</b>{ " offset log" }</span>
                <span><b>{ "R" }</b>{ " read" }</span><span><b>{ "W" }</b>{ " sink write" }</span>
                <span><b>{ "C" }</b>{ " sink commit" }</span><span><b>{ "K" }</b>{ " checkpoint" }</span>
                <span><b>{ "L" }</b>{ " commit log" }</span><span><b>{ "S" }</b>{ " source commit" }</span>
                <span><b class="lg-fault">{ "✕" }</b>{ " fault" }</span><span><b>{ "↻" }</b>{ " restart" }</span>
                <span><b>{ "!" }</b>{ " server error" }</span>
            </p>
        </section>
    }
}

/// A click that does playback action `a`.
pub fn play_on(d: &Dispatch, a: PlayAction) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |_: MouseEvent| d.dispatch(Act::Play(a.clone())))
}

/// The scrubber's input: seek to its value.
pub fn scrub_on(d: &Dispatch) -> Callback<InputEvent> {
    let d = d.clone();
    Callback::from(move |e: InputEvent| {
        let v = e.target_unchecked_into::<HtmlInputElement>().value();
        if let Ok(i) = v.parse::<usize>() {
            d.dispatch(Act::Play(PlayAction::Seek(i)));
        }
    })
}

/// The pacing toggle (timeline and presenter mode).
pub fn pacing_toggle(pb: &Playback, d: &Dispatch, label: &'static str) -> Html {
    let on = pb.pacing;
    html! {
        <button class={classes!("ctl", "ctl-text", on.then_some("on"))} onclick={play_on(d, PlayAction::SetPacing(!on))}
            aria-pressed={if on { "true" } else { "false" }} data-testid="pacing-toggle"
            title="Hold at every fault, restart and first duplicate while playing">{ label }</button>
    }
}
