//! The browser UI (Yew, wasm32 only): it draws the pure state of [`crate::state`] (the
//! playback and session reducers) and turns clicks and keys into its acts.
//!
//! Map:
//! - `app`: the root component (the session reducer, the play timer, the keyboard, the URL).
//! - `views/*`: Yew components; each takes what it reads (the loaded scenario and run,
//!   compared by revision; the playback; a message) and dispatches
//!   [`crate::state::session::Act`]s, so a step of the playback renders only the views that
//!   show the cursor.
//! - [`content`]: the course text, fetched on first need.
//! - [`embed`]: `?embed=1` and the postMessage protocol; [`io`]: files in and out.

use crate::engine;
use crate::presets;
use crate::share;

pub mod content;
pub mod embed;
pub mod io;

mod app;
mod views;

pub use app::App;
pub use views::learn::{Course, CourseProps, LessonProps, LessonView, Mode};

/// Browser entry point: install the panic hooks, then mount [`App`] in place of `#boot`.
pub fn start() {
    install_panic_hook();
    let document = gloo::utils::document();
    let root = document
        .create_element("div")
        .expect("create the app's root element");
    root.set_id("root");
    match document.get_element_by_id("boot") {
        Some(boot) => {
            let _ = boot.replace_with_with_node_1(&root);
        }
        None => {
            let _ = gloo::utils::body().append_child(&root);
        }
    }
    // An embedded simulator has no page footer.
    if embed::options().embed {
        if let Some(el) = document.get_element_by_id("foot") {
            el.remove();
        }
    }
    yew::Renderer::<App>::with_root(root).render();
}

/// Count a render of the view `name` in `window.crashcourseRenders` (with the feature
/// `render-count`, for e2e/perf.test.mjs; otherwise nothing, and nothing in the wasm).
#[inline(always)]
pub(crate) fn count_render(name: &'static str) {
    #[cfg(feature = "render-count")]
    {
        use wasm_bindgen::JsValue;
        use web_sys::js_sys::{Object, Reflect};
        let w = gloo::utils::window();
        let key = JsValue::from_str("crashcourseRenders");
        let counts = match Reflect::get(&w, &key) {
            Ok(o) if o.is_object() => o,
            _ => {
                let o: JsValue = Object::new().into();
                let _ = Reflect::set(&w, &key, &o);
                o
            }
        };
        let name = JsValue::from_str(name);
        let n = Reflect::get(&counts, &name)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        let _ = Reflect::set(&counts, &name, &JsValue::from_f64(n + 1.0));
    }
    #[cfg(not(feature = "render-count"))]
    let _ = name;
}

/// The panic hook: the console's report, and [`show_panic`] in the page.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_panic(&info.to_string());
    }));
}

/// Show a panic in the page (never a blank page): a fixed panel with the message.
pub fn show_panic(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(panel) = document.create_element("div") else {
        return;
    };
    panel.set_class_name("panic");
    let _ = panel.set_attribute("role", "alert");
    let _ = panel.set_attribute("data-testid", "panic");
    let text = format!(
        "crashcourse stopped because of a bug in the simulator. Reload the page to start \
         again; if it happens again, please report this message:\n\n{message}"
    );
    panel.set_text_content(Some(&text));
    if let Some(body) = document.body() {
        let _ = body.append_child(&panel);
    }
}
