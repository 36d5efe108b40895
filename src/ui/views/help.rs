//! The `?` overlay: keyboard shortcuts and how to read the screen.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

use super::Dispatch;
use crate::state::session::Act;

const KEYS: [(&str, &str); 14] = [
    ("Space or K", "play / pause"),
    ("→ or L", "step forward"),
    ("← or J", "step back"),
    ("Shift+→ or N", "jump to the next fault"),
    ("Shift+← or P", "jump to the previous fault"),
    ("Home / End", "first / last step"),
    ("[ and ]", "slower / faster"),
    ("C", "crash right after the current step"),
    ("Ctrl+Z or U", "undo the last change"),
    ("Ctrl+Shift+Z or Shift+U", "redo"),
    ("Tab", "move between controls; Enter or Space presses one"),
    ("Click a record", "where each of its copies came from"),
    ("?", "show / hide this help"),
    ("Esc", "close"),
];

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub dispatch: Dispatch,
}

#[function_component(Help)]
pub fn help(p: &HelpProps) -> Html {
    let close = {
        let s = p.dispatch.clone();
        Callback::from(move |_: MouseEvent| s.dispatch(Act::SetHelp(false)))
    };
    let backdrop = {
        let s = p.dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            // Only a click on the dimmed backdrop itself, not inside the dialog.
            if e.target() == e.current_target() {
                s.dispatch(Act::SetHelp(false));
            }
        })
    };
    let close_ref = use_node_ref();
    let dialog_ref = use_node_ref();
    // Modal: the focus moves in on opening and goes back to what had it (the help button,
    // or wherever `?` was pressed) on closing, however it closes.
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            let opener = gloo::utils::document()
                .active_element()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            if let Some(b) = close_ref.cast::<HtmlElement>() {
                let _ = b.focus();
            }
            move || {
                if let Some(o) = opener.filter(|o| o.is_connected()) {
                    let _ = o.focus();
                }
            }
        });
    }
    // Tab and Shift+Tab cycle through the dialog's controls and never leave it.
    let trap = {
        let dialog_ref = dialog_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Tab" {
                return;
            }
            let Some(dialog) = dialog_ref.cast::<Element>() else {
                return;
            };
            let Ok(list) = dialog.query_selector_all("button, [href], input, select, textarea")
            else {
                return;
            };
            let item = |i: u32| list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok());
            let (Some(first), Some(last)) = (item(0), item(list.length().saturating_sub(1))) else {
                return;
            };
            let active = gloo::utils::document().active_element();
            let at = |el: &HtmlElement| active.as_ref() == Some(el.as_ref());
            let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
            let to = match (e.shift_key(), inside) {
                (true, true) if at(&first) => Some(last),
                (false, true) if at(&last) => Some(first),
                (_, true) => None,
                (true, false) => Some(last),
                (false, false) => Some(first),
            };
            if let Some(to) = to {
                e.prevent_default();
                let _ = to.focus();
            }
        })
    };
    let rows: Html = KEYS
        .iter()
        .map(
            |(k, what)| html! { <tr><th scope="row"><kbd>{ *k }</kbd></th><td>{ *what }</td></tr> },
        )
        .collect();
    html! {
        <div class="overlay" onclick={backdrop} onkeydown={trap} role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help">
            <div class="dialog card" ref={dialog_ref} tabindex="-1">
                <div class="prov-head">
                    <h2 id="help-title">{ "How to use crashcourse" }</h2>
                    <button class="icon-btn" onclick={close} ref={close_ref} aria-label="Close the help">{ "✕" }</button>
                </div>
                <p>{ "Pick a scenario, then step through its run: the pipeline shows what is durable at each step, the records table what the reader sees. Crash the pipeline after any step to see what it costs: the engine re-runs the whole scenario with the new fault." }</p>
                <table class="keys"><tbody>{ rows }</tbody></table>
                <p class="hint">{ "Guarantee = what the configuration promises under any crash. This run = what happened with these faults." }</p>
            </div>
        </div>
    }
}
