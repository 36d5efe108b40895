//! Narration: the current event's sentence, in a live region.

use yew::prelude::*;

use super::{batch_words, kind_words, Handle};

pub fn narration(s: &Handle) -> Html {
    let pb = &s.playback;
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
    if let Some(b) = batch_words(e, s.scenario()) {
        meta.push(b);
    }
    let kind = kind_words(e, s.scenario());
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
            <p class="narr-text" data-testid="narration" aria-live="polite">{ &e.text }</p>
        </section>
    }
}
