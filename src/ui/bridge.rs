//! The bridge between the simulator page and its tools module.
//!
//! The page is two wasm modules, so that the first load stays small: the simulator
//! (`crashcourse`, mounted in `#root`) and the tools (`crashcourse-tools`: Learn, Quiz,
//! the modelling notes, crash matrix, compare, code samples and export, mounted in
//! `#tools`), which the simulator loads only when the learner opens Learn or Quiz or
//! scrolls to the tools.
//!
//! They talk through `CustomEvent`s on `window`, whose `detail` is a short text of
//! lines (fragments are URL-safe and labels are one line, so no line needs escaping):
//! - [`STATE`] (simulator → tools): `cursor`, `mode` (`sandbox`, `learn`, `quiz`) and the
//!   fragment that the URL carries (`v1=…` or `preset=…`: it reopens the same scenario),
//!   after every change and when the tools say [`READY`].
//! - [`ACT`] (tools → simulator): `open` + fragment (an imported file), `faults` + label +
//!   fragment (a run of the crash matrix: the faults of that scenario), or `mode` +
//!   `sandbox` (a lesson's link into the sandbox).
//!
//! One more thing crosses, outside the events: a file dropped on the page before the tools
//! were there waits on `window` ([`hold_file`]) until the tools' import takes it
//! ([`take_held_file`]).
//!
//! Both modules are built from this crate, so both sides of every message are here.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::session::{link_target, Act};
use super::views::learn::Mode;
use crate::engine::Scenario;
use crate::share;

/// Simulator → tools: the current scenario, cursor and mode.
pub const STATE: &str = "crashcourse:state";
/// Tools → simulator: mounted, send the state.
pub const READY: &str = "crashcourse:tools-ready";
/// Tools → simulator: an act on the simulator's session.
pub const ACT: &str = "crashcourse:act";

/// What the simulator tells the tools.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub fragment: String,
    pub cursor: usize,
    pub mode: Mode,
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Sandbox => "sandbox",
        Mode::Learn => "learn",
        Mode::Quiz => "quiz",
    }
}

fn mode_of(name: &str) -> Option<Mode> {
    match name {
        "sandbox" => Some(Mode::Sandbox),
        "learn" => Some(Mode::Learn),
        "quiz" => Some(Mode::Quiz),
        _ => None,
    }
}

impl State {
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.cursor,
            mode_name(self.mode),
            self.fragment
        )
    }

    pub fn parse(text: &str) -> Option<State> {
        let mut lines = text.splitn(3, '\n');
        Some(State {
            cursor: lines.next()?.parse().ok()?,
            mode: mode_of(lines.next()?)?,
            fragment: lines.next()?.to_string(),
        })
    }
}

/// What the tools ask of the simulator.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Run this act on the simulator's session.
    Act(Act),
    /// Switch the simulator to this mode.
    Mode(Mode),
}

/// The message for a request. Only the acts the tools use cross the bridge: opening a
/// scenario and replacing the faults; any other act is refused with `None`.
pub fn request_text(r: &Request, current: &Scenario) -> Option<String> {
    Some(match r {
        Request::Mode(m) => format!("mode\n{}", mode_name(*m)),
        Request::Act(Act::OpenLink(fragment)) => format!("open\n{fragment}"),
        Request::Act(Act::SetFaults(faults, label)) => {
            let mut sc = current.clone();
            sc.faults = faults.clone();
            format!(
                "faults\n{}\n{}",
                label.replace('\n', " "),
                share::encode(&sc, None)
            )
        }
        Request::Act(_) => return None,
    })
}

/// Read a request; `None` if it is not one this build knows.
pub fn parse_request(text: &str) -> Option<Request> {
    let (kind, rest) = text.split_once('\n')?;
    match kind {
        "mode" => mode_of(rest).map(Request::Mode),
        "open" => Some(Request::Act(Act::OpenLink(rest.to_string()))),
        "faults" => {
            let (label, link) = rest.split_once('\n')?;
            let (sc, _, _) = link_target(link).ok()??;
            Some(Request::Act(Act::SetFaults(sc.faults, label.to_string())))
        }
        _ => None,
    }
}

/// Send an event with a text detail to the other module.
pub fn send(name: &str, detail: &str) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&JsValue::from_str(detail));
    if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = gloo::utils::window().dispatch_event(&e);
    }
}

/// Listen for events of the other module; the listener lives as long as the returned value.
pub fn listen(name: &'static str, f: impl Fn(String) + 'static) -> gloo::events::EventListener {
    gloo::events::EventListener::new(&gloo::utils::window(), name, move |e| {
        let detail = e
            .dyn_ref::<web_sys::CustomEvent>()
            .and_then(|c| c.detail().as_string());
        if let Some(d) = detail {
            f(d);
        }
    })
}

// Addresses are resolved against the page, not this snippet's own module. The styles and
// the module load side by side; the module starts once both are there.
#[wasm_bindgen(inline_js = "export function import_module(js, css) {
    const at = (u) => new URL(u, document.baseURI).href;
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = at(css);
    const styled = new Promise((ok, fail) => {
        link.onload = ok;
        link.onerror = () => fail(new Error('the request for ' + css + ' failed'));
    });
    document.head.append(link);
    return Promise.all([styled, import(at(js))]).then(([, m]) => m['default']());
}")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn import_module(js: &str, css: &str) -> Result<web_sys::js_sys::Promise, JsValue>;
}

/// The tools module's directory, as the build wrote it into the page
/// (`<meta name="crashcourse-tools" content="tools-HASH/">`).
pub fn tools_dir() -> Option<String> {
    gloo::utils::document()
        .query_selector("meta[name=crashcourse-tools]")
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .filter(|u| !u.is_empty() && u != "TOOLS_MODULE")
}

/// Load and start the tools module and its styles. `attempt` > 0 adds `?retry=N`: a
/// browser keeps a failed module import for the page's life, so a retry needs another
/// address.
pub async fn load_tools(attempt: u32) -> Result<(), String> {
    let Some(dir) = tools_dir() else {
        return Err("this page has no tools module (the build did not add it)".into());
    };
    let retry = if attempt > 0 {
        format!("?retry={attempt}")
    } else {
        String::new()
    };
    let promise = import_module(
        &format!("{dir}tools.js{retry}"),
        &format!("{dir}tools.css{retry}"),
    )
    .map_err(describe)?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(describe)
}

fn describe(e: JsValue) -> String {
    e.dyn_ref::<web_sys::js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Where a file dropped before the tools were there waits for their import.
const HELD_FILE: &str = "__crashcourseHeldFile";

/// Keep a file dropped on the simulator before the tools (and their import) were there.
pub fn hold_file(file: &web_sys::File) {
    let _ = web_sys::js_sys::Reflect::set(&gloo::utils::window(), &HELD_FILE.into(), file);
}

/// The held file, if there is one (taken: it is imported once).
pub fn take_held_file() -> Option<web_sys::File> {
    let window = gloo::utils::window();
    let v = web_sys::js_sys::Reflect::get(&window, &HELD_FILE.into()).ok()?;
    let _ = web_sys::js_sys::Reflect::delete_property(&window, &HELD_FILE.into());
    v.dyn_into().ok()
}

/// The tools module, as a resource the simulator's gates wait for.
pub struct ToolsModule;

thread_local! {
    static TOOLS: std::cell::RefCell<super::content::Shared> =
        const { std::cell::RefCell::new(super::content::Shared::idle()) };
}

impl super::content::Resource for ToolsModule {
    fn shared() -> &'static std::thread::LocalKey<std::cell::RefCell<super::content::Shared>> {
        &TOOLS
    }
    async fn load(attempt: u32) -> Result<(), String> {
        load_tools(attempt).await
    }
}
