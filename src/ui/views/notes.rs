//! "How this model simplifies": semantics §10's conventions for the current scenario.

use yew::prelude::*;

use super::LoadedProps;
use crate::state::notes::conventions;

#[function_component(Notes)]
pub fn notes(p: &LoadedProps) -> Html {
    crate::ui::count_render("notes");
    let list = conventions(&p.loaded.scenario, &p.loaded.run.outcome);
    let items: Html = list
        .iter()
        .map(|n| html! { <li><b>{ n.topic }</b>{ ": " }{ &n.text }</li> })
        .collect();
    html! {
        <section class="notes card" aria-labelledby="notes-title" data-testid="notes">
            <h2 id="notes-title">{ "How this model simplifies" }</h2>
            if list.is_empty() {
                <p class="muted">{ "No simplification of the model matters for this scenario beyond those of every run: steps take no time, and the clock moves only by pauses, downtime and waiting for arrivals." }</p>
            } else {
                <ul class="note-list">{ items }</ul>
            }
        </section>
    }
}
