//! Captions over the stage: where paced playback holds (a fault, a restart, the first
//! duplicate) and, at the end of every run, the engine's outcome caption (the effect, the
//! records and the cause). They are not live regions: the narration's announces them
//! (`narration::announcement`).

use yew::prelude::*;

use super::super::engine;
use super::Dispatch;
use crate::state::playback::{PauseKind, PlayAction, Playback};
use crate::state::session::Act;

/// The headline of a held moment.
pub fn headline(kind: &PauseKind) -> String {
    match kind {
        PauseKind::Fault => "A fault strikes here".into(),
        PauseKind::Deleted => "The durable progress is deleted".into(),
        PauseKind::Restart => "A new process starts: where does it resume?".into(),
        PauseKind::Duplicate(r) => format!("{r} is now in the sink twice"),
    }
}

/// The outcome caption's class and headline.
pub fn outcome_head(o: &engine::Outcome) -> (&'static str, &'static str) {
    if !o.missing.0.is_empty() && !o.duplicated.0.is_empty() {
        ("caption cap-both", "Lost and duplicated")
    } else if !o.missing.0.is_empty() {
        ("caption cap-lost", "Records lost")
    } else if !o.duplicated.0.is_empty() {
        ("caption cap-dup", "Records duplicated")
    } else {
        ("caption cap-ok", "Every record exactly once")
    }
}

/// The pause caption (while held) or the outcome caption (at the end), else nothing.
pub fn captions(pb: &Playback, d: &Dispatch) -> Html {
    if let (Some(p), Some(e)) = (pb.holding(), pb.event()) {
        let go = {
            let d = d.clone();
            Callback::from(move |_: MouseEvent| d.dispatch(Act::Play(PlayAction::Play)))
        };
        let class = match p.kind {
            PauseKind::Fault | PauseKind::Deleted => "caption cap-fault",
            PauseKind::Restart => "caption cap-restart",
            PauseKind::Duplicate(_) => "caption cap-dup",
        };
        return html! {
            <div class={class} data-testid="pause-caption">
                <p class="cap-head">{ headline(&p.kind) }</p>
                <p class="cap-text">{ e.text.clone() }</p>
                <button class="btn btn-primary cap-go" onclick={go}>{ "Space to continue ▶" }</button>
            </div>
        };
    }
    if pb.at_end() && !pb.is_empty() && pb.len() > 1 {
        let (class, head) = outcome_head(&pb.run.outcome);
        return html! {
            <div {class} data-testid="outcome-caption">
                <p class="cap-head">{ head }</p>
                <p class="cap-text">{ engine::outcome_caption(&pb.run) }</p>
            </div>
        };
    }
    html! {}
}
