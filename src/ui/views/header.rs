//! Header: name, tagline, preset picker, the guarantee badge and this run's result.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::super::engine::Guarantee;
use super::super::engine::Scenario;
use super::super::presets::presets;
use super::fidelity::FidelityMark;
use super::pipeline::{engine_title, sink_title, source_title};
use super::{Dispatch, Loaded};
use crate::state::notes::guarantee_label;
use crate::state::session::{Act, EDITED};

/// Menu groups: (title, id prefixes).
const GROUPS: [(&str, &[&str]); 8] = [
    ("Start here", &["spark-append"]),
    ("Kafka consumer", &["consumer-"]),
    (
        "Spark Structured Streaming",
        &["spark-", "fb-", "delta-", "dedup-"],
    ),
    ("Kafka sink", &["kafka-"]),
    ("Flink", &["flink-"]),
    ("BigQuery Storage Write API", &["bq-"]),
    ("Beam / Dataflow", &["beam-"]),
    ("Pub/Sub", &["pubsub-"]),
];

fn group_of(id: &str) -> usize {
    GROUPS
        .iter()
        .position(|(_, prefixes)| {
            prefixes
                .iter()
                .any(|p| id == *p || (p.ends_with('-') && id.starts_with(p)))
        })
        .unwrap_or(GROUPS.len() - 1)
}

pub fn guarantee_class(g: Guarantee) -> &'static str {
    match g {
        Guarantee::ExactlyOnce => "g-exactly",
        Guarantee::AtLeastOnce => "g-least",
        Guarantee::AtMostOnce => "g-most",
        Guarantee::None => "g-none",
    }
}

/// The configuration in words (what an edited scenario now is): source, engine and sink.
fn configuration(sc: &Scenario) -> String {
    let (src, src_d) = source_title(sc);
    let (eng, eng_d) = engine_title(sc);
    let (sink, sink_d) = sink_title(sc);
    let strip = |t: String| t.split_once(": ").map(|(_, k)| k.to_string()).unwrap_or(t);
    format!(
        "{} ({src_d}) → {} ({eng_d}) → {} ({sink_d}).",
        strip(src),
        strip(eng),
        strip(sink)
    )
}

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub loaded: Loaded,
    /// The undo and redo buttons' labels, when there is something to undo or redo.
    pub undo: Option<String>,
    pub redo: Option<String>,
    /// A link or preset that could not be opened ([`crate::state::session::Message::Info`]).
    pub info: Option<String>,
    pub dispatch: Dispatch,
}

#[function_component(Header)]
pub fn header(p: &HeaderProps) -> Html {
    crate::ui::count_render("header");
    let (loaded, d) = (&p.loaded, &p.dispatch);
    let o = &loaded.run.outcome;
    let current = loaded.preset.unwrap_or("");
    let pristine = loaded.is_pristine();
    let on_preset = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let id = e.target_unchecked_into::<HtmlInputElement>().value();
            d.dispatch(Act::LoadPreset(id));
        })
    };
    let all = presets();
    let menu: Html = GROUPS
        .iter()
        .enumerate()
        .map(|(g, (title, _))| {
            let items: Html = all
                .iter()
                .filter(|p| group_of(p.id) == g)
                .map(|p| {
                    html! {
                        <option value={p.id} selected={p.id == current}>{ p.title }</option>
                    }
                })
                .collect();
            html! { <optgroup label={*title}>{ items }</optgroup> }
        })
        .collect();

    let n = loaded.scenario.workload.records as usize;
    let dup = o.duplicated.0.len();
    let missing = o.missing.0.len();
    let once = n.saturating_sub(dup + missing);
    let lesson = loaded.preset();
    let undo = {
        let d = d.clone();
        Callback::from(move |_| d.dispatch(Act::Undo))
    };
    let redo = {
        let d = d.clone();
        Callback::from(move |_| d.dispatch(Act::Redo))
    };
    let dismiss = {
        let d = d.clone();
        Callback::from(move |_| d.dispatch(Act::DismissMessage))
    };
    let help = {
        let d = d.clone();
        Callback::from(move |_| d.dispatch(Act::SetHelp(true)))
    };

    html! {
        <header class="top">
            <div class="brand">
                <h1><span class="logo" aria-hidden="true">{ "✕" }</span>{ "crashcourse" }</h1>
                <p class="tagline">{ "Crash a streaming pipeline anywhere; see what it loses or duplicates." }</p>
            </div>
            <div class="picker">
                <label for="preset">{ "Scenario" }</label>
                <select id="preset" onchange={on_preset} data-testid="preset">
                    if !pristine {
                        <option value={current.to_string()} selected=true>{ format!("✎ {EDITED}") }</option>
                    }
                    { menu }
                </select>
            </div>
            <div class="verdict">
                <div class="verdict-line">
                    <span class="verdict-label" title="The worst case over every crash point of this configuration">{ "Guarantee" }</span>
                    <span class={classes!("badge", guarantee_class(o.guarantee))} data-testid="guarantee">
                        { guarantee_label(o) }
                    </span>
                </div>
                <p class="reason" data-testid="guarantee-reason">{ &o.guarantee_reason }</p>
                <p class="verdict-note" data-testid="guarantee-note">{ "Guarantee: the worst case over every crash point of this configuration. This run: what happened with the faults placed here." }</p>
            </div>
            <div class="run-result" role="status" aria-label="This run's result">
                <span class="rr-title">{ "This run" }</span>
                <span class={classes!("rr", (once == n).then_some("rr-good"))}>{ format!("✓ {once} once") }</span>
                <span class={classes!("rr", (dup > 0).then_some("rr-dup"))} data-testid="run-duplicated">{ format!("❐ {dup} duplicated") }</span>
                <span class={classes!("rr", (missing > 0).then_some("rr-missing"))} data-testid="run-missing">{ format!("✕ {missing} missing") }</span>
            </div>
            <div class="tools">
                <button class="icon-btn" onclick={undo} disabled={p.undo.is_none()}
                    title={p.undo.as_ref().map(|l| format!("Undo: {l} (Ctrl+Z)")).unwrap_or_else(|| "Nothing to undo".into())}
                    aria-label="Undo">{ "↶" }</button>
                <button class="icon-btn" onclick={redo} disabled={p.redo.is_none()}
                    title={p.redo.as_ref().map(|l| format!("Redo: {l} (Ctrl+Shift+Z)")).unwrap_or_else(|| "Nothing to redo".into())}
                    aria-label="Redo">{ "↷" }</button>
                <button class="icon-btn" onclick={help} aria-label="Keyboard shortcuts and help" title="Help (?)">{ "?" }</button>
            </div>
            <div class="lesson-row">
                if let Some(l) = lesson.filter(|_| pristine) {
                    <p class="lesson" data-testid="what-this-shows">
                        <strong>{ "What this shows: " }</strong>{ l.teaches }
                    </p>
                } else {
                    <p class="lesson" data-testid="what-this-shows">
                        <strong>{ "This scenario: " }</strong>
                        if let Some(l) = lesson { { "edited from " }<em>{ l.title }</em>{ ". " } }
                        { configuration(&loaded.scenario) }
                    </p>
                }
                <FidelityMark scenario={loaded.scenario.clone()} />
            </div>
            if let Some(m) = &p.info {
                <p class="msg msg-refused banner" role="alert" data-testid="link-error">
                    { m.clone() }{ " " }
                    <button class="link-btn" onclick={dismiss}>{ "Dismiss" }</button>
                </p>
            }
        </header>
    }
}
