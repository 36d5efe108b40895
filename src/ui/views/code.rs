//! "In real code": what this configuration looks like in the real system
//! (snippets chosen by `crate::snippets::snippet_for`).

use yew::prelude::*;

use super::Handle;

pub fn code(s: &Handle) -> Html {
    let list = crate::snippets::snippet_for(s.scenario());
    let items: Html = list
        .iter()
        .enumerate()
        .map(|(i, sn)| {
            html! {
                <details class={classes!("snippet", sn.is_unsafe().then_some("is-unsafe"))} open={i == 0}>
                    <summary>
                        if sn.is_unsafe() { <span class="unsafe-tag">{ "✕ don't" }</span>{ " " } }
                        { sn.title }<span class="lang">{ format!(" · {}", sn.language) }</span>
                    </summary>
                    <pre><code>{ sn.code }</code></pre>
                    if let Some(n) = sn.note { <p class="hint">{ n }</p> }
                </details>
            }
        })
        .collect();
    html! {
        <section class="code card" aria-labelledby="code-title" data-testid="snippets">
            <h2 id="code-title">{ "In real code" }</h2>
            <p class="hint">{ "This configuration in the real system." }</p>
            { items }
        </section>
    }
}
