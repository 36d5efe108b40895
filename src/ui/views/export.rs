//! Take it with you: a share link (scenario, faults and position) and a Mermaid sequence
//! diagram of the run for slides.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::Props;

#[derive(Clone, Copy, PartialEq)]
enum Shown {
    Nothing,
    Link,
    Mermaid,
}

#[function_component(Export)]
pub fn export(p: &Props) -> Html {
    let s = &p.s;
    let shown = use_state(|| Shown::Nothing);
    let show = |what: Shown| {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| {
            shown.set(if *shown == what { Shown::Nothing } else { what })
        })
    };
    let select_all = Callback::from(|e: FocusEvent| {
        e.target_unchecked_into::<HtmlInputElement>().select();
    });
    let body = match *shown {
        Shown::Nothing => html! {},
        Shown::Link => {
            let location = gloo::utils::window().location();
            let base = format!(
                "{}{}",
                location.origin().unwrap_or_default(),
                location.pathname().unwrap_or_default()
            );
            let url = format!("{base}#{}", s.fragment(true));
            html! {
                <label class="field wide">
                    <span>{ "Link to this scenario, its faults and this step (select, then copy)" }</span>
                    <input type="text" readonly=true value={url} onfocus={select_all} data-testid="share-link" />
                </label>
            }
        }
        Shown::Mermaid => {
            let text = crate::export::mermaid(s.scenario(), s.run());
            html! {
                <label class="field wide">
                    <span>{ "Mermaid sequence diagram of the whole run (paste into a Markdown slide)" }</span>
                    <textarea class="code" rows="10" readonly=true spellcheck="false" value={text} />
                </label>
            }
        }
    };
    html! {
        <section class="export card" aria-labelledby="export-title">
            <h2 id="export-title">{ "Share and export" }</h2>
            <p class="hint">{ "The page address always holds the current scenario, so a bookmark reopens it." }</p>
            <div class="form-actions">
                <button class={classes!("btn", (*shown == Shown::Link).then_some("on"))} onclick={show(Shown::Link)}
                    aria-expanded={if *shown == Shown::Link { "true" } else { "false" }} data-testid="share">{ "Share link" }</button>
                <button class={classes!("btn", (*shown == Shown::Mermaid).then_some("on"))} onclick={show(Shown::Mermaid)}
                    aria-expanded={if *shown == Shown::Mermaid { "true" } else { "false" }}>{ "Mermaid diagram for slides" }</button>
            </div>
            { body }
        </section>
    }
}
