//! "In real code": what the configuration on screen looks like in the real system
//! (snippets chosen by `crate::snippets::snippet_for`). Versions of one snippet in
//! several languages share a card with language tabs; "What not to do" ones are marked.

use crate::engine::VecMap;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use super::super::content::ContentGate;
use super::{Loaded, LoadedProps};
use crate::snippets::{snippet_for, Snippet};

/// The sandbox's panel, for the current scenario. The snippets' text is fetched when
/// the panel comes near the viewport (see `ui::content`).
pub fn code(loaded: &Loaded) -> Html {
    html! {
        <ContentGate what="code samples" lazy=true>
            <CodePanel loaded={loaded.clone()} />
        </ContentGate>
    }
}

/// A snippet's id without its language suffix: the versions of one snippet share it.
fn stem(id: &str) -> &str {
    ["-py", "-scala", "-java"]
        .iter()
        .find_map(|s| id.strip_suffix(s))
        .unwrap_or(id)
}

fn language_name(l: &str) -> &str {
    match l {
        "python" => "Python",
        "scala" => "Scala",
        "java" => "Java",
        other => other,
    }
}

/// Copy `text` to the clipboard. False if the browser offers no clipboard here (then the
/// caller selects the code so that Ctrl+C copies it).
fn copy_text(text: &str) -> bool {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else {
        return false;
    };
    let has = web_sys::js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if has {
        // A refusal (no focus, no permission) must not surface as an unhandled rejection.
        let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
        let _ = nav.clipboard().write_text(text).catch(&ignore);
        ignore.forget();
    }
    has
}

fn select_contents(el: &web_sys::Element) {
    if let Some(sel) = web_sys::window().and_then(|w| w.get_selection().ok().flatten()) {
        let _ = sel.select_all_children(el);
    }
}

#[function_component(CodePanel)]
pub fn code_panel(p: &LoadedProps) -> Html {
    crate::ui::count_render("code");
    // The chosen tab of each multi-language card, by stem.
    let tabs = use_state(VecMap::<&'static str, usize>::new);
    // The snippet just copied (or selected for copying), and whether it was copied.
    let copied = use_state(|| None::<(&'static str, bool)>);
    let list = snippet_for(&p.loaded.scenario);
    let mut groups: Vec<Vec<&'static Snippet>> = Vec::new();
    for sn in list {
        match groups.iter_mut().find(|g| stem(g[0].id) == stem(sn.id)) {
            Some(g) => g.push(sn),
            None => groups.push(vec![sn]),
        }
    }
    let cards: Html = groups
        .iter()
        .map(|g| {
            let key = stem(g[0].id);
            let at = tabs.get(key).copied().unwrap_or(0).min(g.len() - 1);
            let sn = g[at];
            let tab_bar = (g.len() > 1).then(|| {
                let buttons: Html = g
                    .iter()
                    .enumerate()
                    .map(|(k, t)| {
                        let onclick = {
                            let tabs = tabs.clone();
                            Callback::from(move |_: MouseEvent| {
                                let mut m = (*tabs).clone();
                                m.insert(key, k);
                                tabs.set(m);
                            })
                        };
                        html! {
                            <button role="tab" class="lang-tab" aria-selected={(k == at).to_string()} {onclick}>
                                { language_name(t.language) }
                            </button>
                        }
                    })
                    .collect();
                html! { <div class="lang-tabs" role="tablist" aria-label="Language">{ buttons }</div> }
            });
            let code_ref = NodeRef::default();
            let on_copy = {
                let copied = copied.clone();
                let code_ref = code_ref.clone();
                let id = sn.id;
                let text = sn.code;
                Callback::from(move |_: MouseEvent| {
                    let ok = copy_text(text);
                    if !ok {
                        if let Some(el) = code_ref.cast::<web_sys::Element>() {
                            select_contents(&el);
                        }
                    }
                    copied.set(Some((id, ok)));
                })
            };
            let copy_label = match *copied {
                Some((id, true)) if id == sn.id => "✓ Copied",
                Some((id, false)) if id == sn.id => "Selected: press Ctrl+C",
                _ => "Copy",
            };
            let title = sn.title.strip_prefix("What not to do: ").unwrap_or(sn.title);
            html! {
                <article class={if sn.is_unsafe() { "snippet is-unsafe" } else { "snippet" }} key={key}>
                    <header class="snippet-head">
                        if sn.is_unsafe() {
                            <span class="unsafe-tag">{ "✕ What not to do" }</span>
                        }
                        <h3>{ title }</h3>
                    </header>
                    <div class="snippet-bar">
                        { tab_bar.unwrap_or_else(|| html! { <span class="lang-one">{ language_name(sn.language) }</span> }) }
                        <button class="btn copy-btn" onclick={on_copy} aria-label={format!("Copy the {} code", language_name(sn.language))}>
                            { copy_label }
                        </button>
                    </div>
                    <pre tabindex="0" aria-label={format!("{} code", sn.title)}><code ref={code_ref}>{ sn.code }</code></pre>
                    if let Some(n) = sn.note {
                        <p class={if sn.is_unsafe() { "snippet-note is-unsafe" } else { "snippet-note" }}>{ n }</p>
                    }
                </article>
            }
        })
        .collect();
    html! {
        <section class="code card" aria-labelledby="code-title" data-testid="code-panel">
            <h2 id="code-title">{ "In real code" }</h2>
            <p class="hint">{ "This configuration in the real system." }</p>
            { cards }
        </section>
    }
}
