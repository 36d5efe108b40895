//! The Yew views. Each takes what it reads — the loaded scenario and run ([`Loaded`],
//! compared by revision), the playback, a message, the [`Dispatch`] — and dispatches acts,
//! so a step of the playback renders only the views that show the cursor.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

pub use super::app::Handle;
use super::engine::scenario::Step;
use super::engine::{Event, EventKind, Fault, RowStatus, Scenario};
use crate::state::playback::record_index;
pub use crate::state::session::Loaded;
use crate::state::session::Session;

pub mod builder;
pub mod caption;
pub mod code;
pub mod compare;
pub mod export;
pub mod faults;
pub mod fidelity;
pub mod header;
pub mod help;
pub mod import;
pub mod learn;
pub mod ledger;
pub mod matrix;
pub mod narration;
pub mod notes;
pub mod pipeline;
pub mod present;
pub mod quiz;
pub mod stage;
pub mod timeline;

/// The props of the views that read only the loaded scenario and run (notes, code, compare):
/// one type for them all, as each props type costs wasm.
#[derive(Properties, PartialEq)]
pub struct LoadedProps {
    pub loaded: Loaded,
}

/// Sends acts to the session; the same for the app's lifetime (a prop that never changes).
pub type Dispatch = UseReducerDispatcher<Session>;

/// The session as of the app's last render, read at the moment of a click (the link to this
/// step, the fault form's "Use the current step") rather than rendered with: equal to itself
/// forever, so a view that holds it does not render again at every step.
#[derive(Clone)]
pub struct Latest(Rc<RefCell<Handle>>);

impl PartialEq for Latest {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Latest {
    pub fn get(&self) -> Handle {
        self.0.borrow().clone()
    }
}

/// The [`Latest`] of `session`, brought up to date at each render of the caller.
#[hook]
pub fn use_latest(session: &Handle) -> Latest {
    let latest = use_mut_ref(|| session.clone());
    *latest.borrow_mut() = session.clone();
    Latest(latest)
}

#[derive(Properties, PartialEq)]
pub struct LiveProps {
    pub render: Callback<Handle, Html>,
}

/// A leaf that follows the playback inside a view that does not (Export's step number, its
/// embed code and SVG snapshot): it reads the session from the app's context and renders
/// alone at each step.
#[function_component(Live)]
pub fn live(p: &LiveProps) -> Html {
    crate::ui::count_render("live");
    use_context::<Handle>()
        .map(|s| p.render.emit(s))
        .unwrap_or_default()
}

/// A record chip: its id on the record's identity colour (a stripe, never the only cue).
pub fn chip(record: &str, class: &str) -> Html {
    let hue = record_index(record).map(|i| i % 8).unwrap_or(7);
    html! {
        <span class={classes!("chip", format!("hue{hue}"), class.to_string())}>{ record }</span>
    }
}

/// One-letter step labels for the timeline (the legend spells them out).
pub fn step_letter(step: Step) -> &'static str {
    match step {
        Step::Plan => "P",
        Step::OffsetLog => "O",
        Step::Read => "R",
        Step::SinkWrite => "W",
        Step::SinkCommit => "C",
        Step::Checkpoint => "K",
        Step::CommitLog => "L",
        Step::SourceCommit => "S",
    }
}

/// A step name in words: `sink_write` → "sink write".
pub fn step_words(step: Step) -> String {
    step.name().replace('_', " ")
}

/// The glyph of an event on the timeline.
pub fn event_glyph(e: &Event, s: &Scenario) -> &'static str {
    match e.kind {
        EventKind::Step => e.step.map(step_letter).unwrap_or("·"),
        EventKind::Skip => e.step.map(step_letter).unwrap_or("·"),
        EventKind::Start => {
            if e.instance <= 1 {
                "▶"
            } else {
                "↻"
            }
        }
        EventKind::Error => "!",
        EventKind::Fault => match e.fault.and_then(|i| s.faults.get(i)) {
            Some(Fault::Pause { .. }) => "‖",
            Some(Fault::Zombie { .. }) => "☠",
            Some(Fault::LostAck { .. }) => "↯",
            _ => "✕",
        },
        EventKind::DeleteCheckpoint => "⌫",
        EventKind::Idle => "…",
        EventKind::Abort => "⊘",
        EventKind::Stop => "■",
        EventKind::Drain => "∎",
    }
}

/// A kind of event in words.
pub fn kind_words(e: &Event, s: &Scenario) -> String {
    match e.kind {
        EventKind::Step => e.step.map(step_words).unwrap_or_else(|| "step".into()),
        EventKind::Skip => format!(
            "{} skipped",
            e.step.map(step_words).unwrap_or_else(|| "step".into())
        ),
        EventKind::Start => {
            if e.instance <= 1 {
                "start".into()
            } else {
                format!("restart (instance {})", e.instance)
            }
        }
        EventKind::Error => format!("error {}", e.error.as_deref().unwrap_or("")),
        EventKind::Fault => match e.fault.and_then(|i| s.faults.get(i)) {
            Some(f) => f.kind_name().replace('_', " "),
            None => "fault".into(),
        },
        EventKind::DeleteCheckpoint => "checkpoint deleted".into(),
        EventKind::Idle => "idle".into(),
        EventKind::Abort => "transaction aborted".into(),
        EventKind::Stop => "zombie stopped".into(),
        EventKind::Drain => "drained".into(),
    }
}

/// "batch 1 · attempt 2", in the engine's own word ("epoch 1" for Flink, "bundle 1" for
/// Beam), or nothing.
pub fn unit_words(s: &Scenario, batch: Option<u64>, attempt: Option<u32>) -> Option<String> {
    let unit = s.engine.unit();
    batch.map(|b| match attempt {
        Some(a) => format!("{unit} {b} · attempt {a}"),
        None => format!("{unit} {b}"),
    })
}

/// [`unit_words`] of an event.
pub fn batch_words(e: &Event, s: &Scenario) -> Option<String> {
    unit_words(s, e.batch, e.attempt)
}

/// Row status: icon + word, for people and screen readers alike.
pub fn status_words(st: RowStatus) -> (&'static str, &'static str) {
    match st {
        RowStatus::Visible => ("✓", "committed"),
        RowStatus::Pending => ("◌", "pending"),
        RowStatus::Aborted => ("✕", "aborted"),
    }
}

pub fn status_class(st: RowStatus) -> &'static str {
    match st {
        RowStatus::Visible => "st-visible",
        RowStatus::Pending => "st-pending",
        RowStatus::Aborted => "st-aborted",
    }
}

/// Plural helper: `plural(2, "row")` → "2 rows".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
