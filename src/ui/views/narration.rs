//! Narration: the current event's sentence, and a live region that announces it when the
//! learner steps, and while playing only at key moments (see [`announcement`]).

use yew::prelude::*;

use super::super::engine;
use super::caption::{headline, outcome_head};
use super::{batch_words, kind_words};
use crate::state::playback::Playback;

/// What the live region says at the cursor. Paused or stepping by hand: the step's sentence.
/// Playing: nothing (a screen reader would speak every step, two a second), except at a key
/// moment (a fault, a deletion, a restart, the first duplicate: the pauses of paced play,
/// also when pacing is off) and at the end, which adds the run's outcome.
pub fn announcement(pb: &Playback) -> String {
    let Some(e) = pb.event() else {
        return String::new();
    };
    let pause = pb.pause_at(pb.cursor);
    if pb.playing && pause.is_none() && !pb.at_end() {
        return String::new();
    }
    let mut text = match pause {
        Some(p) => format!("{}. {}", headline(&p.kind), e.text),
        None => e.text.clone(),
    };
    if pb.at_end() && pb.len() > 1 {
        let (_, head) = outcome_head(&pb.run.outcome);
        text.push_str(&format!(" {head}: {}", engine::outcome_caption(&pb.run)));
    }
    text
}

pub fn narration(pb: &Playback) -> Html {
    crate::ui::count_render("narration");
    let Some(e) = pb.event() else {
        return html! {
            <section class="narration card">
                <p class="narr-text" data-testid="narration">{ "The engine produced no events for this scenario." }</p>
            </section>
        };
    };
    let mut meta = vec![
        format!("Step {} of {}", pb.cursor + 1, pb.len()),
        format!("tick {}", e.tick),
        format!("instance {}", e.instance),
    ];
    if let Some(q) = &e.query {
        meta.push(format!("query {q}"));
    }
    if let Some(b) = batch_words(e, &pb.scenario) {
        meta.push(b);
    }
    let kind = kind_words(e, &pb.scenario);
    let cls = classes!(
        "narration",
        "card",
        format!("nk-{:?}", e.kind).to_ascii_lowercase(),
        e.zombie.then_some("is-zombie")
    );
    html! {
        <section class={cls} aria-label="What happens at this step">
            <p class="narr-meta">
                <span class="narr-kind">{ kind }</span>
                if e.zombie { <span class="zombie-tag">{ "zombie" }</span> }
                { meta.join(" · ") }
            </p>
            <p class="narr-text" data-testid="narration">{ &e.text }</p>
            <p class="sr-only" aria-live="polite" aria-atomic="true" data-testid="announce">{ announcement(pb) }</p>
        </section>
    }
}
