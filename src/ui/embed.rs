//! Embed mode (`?embed=1`) and the postMessage API for pages that put crashcourse in an
//! iframe (docs/embedding.md).
//!
//! The query options are read from the page address by [`Options::parse`]. Every message
//! from the parent window goes through the pure checks [`origin_allowed`] and
//! [`parse_message`], then [`act_for`] turns it into a session [`Act`] (the engine validates
//! scenarios and faults: its `PATH: PROBLEM` message is posted back as an `error` event).
//! The pure parts are tested in tests/web_embed.rs; [`use_parent_api`] wires them to the
//! page.

use std::rc::Rc;

use gloo::events::EventListener;
use gloo::utils::format::JsValueSerdeExt;
use serde_json::{json, Map, Value};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::MessageEvent;
use yew::prelude::*;

use super::engine::{self, Scenario};
use super::presets;
use super::share;
use super::views::header::guarantee_class;
use super::views::{
    caption::captions, ledger::ledger, narration::narration, stage::Stage, timeline::Timeline,
    Dispatch, Handle, Latest,
};
use crate::state::notes::guarantee_label;
use crate::state::playback::{PlayAction, SPEEDS};
use crate::state::session::{preset_scenario, Act, Message, Session, MAX_UI_RECORDS};

/// The version of the message protocol (`{"crashcourse": 1, …}`).
pub const PROTOCOL: u64 = 1;

/// Panels `hide=` may name (each becomes a `hide-NAME` class on the page).
pub const PANELS: [&str; 6] = ["builder", "faults", "matrix", "notes", "code", "export"];

/// The page's query options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `embed=1`: only the stage, timeline, ledger and narration.
    pub embed: bool,
    /// `hide=builder,faults`: panels to hide, also outside embed mode.
    pub hide: Vec<String>,
    /// `lock=1`: the viewer cannot change the scenario or inject faults.
    pub lock: bool,
    /// `present=1`: presenter mode (stage, narration, compact timeline; 16:9, ½× speed).
    pub present: bool,
    /// `autoplay=1`: start playing at once.
    pub autoplay: bool,
    /// `step=N`: start at event N (0-based).
    pub step: Option<usize>,
    /// `speed=2`: index into [`SPEEDS`].
    pub speed: Option<usize>,
    /// `origin=https://a.example,https://b.example`: other parent origins allowed to send
    /// messages (the page's own origin always is); `*` allows any.
    pub origins: Vec<String>,
    /// Options that were given but not understood (logged as console warnings).
    pub warnings: Vec<String>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn flag(key: &str, v: &str, warnings: &mut Vec<String>) -> bool {
    match v {
        "" | "1" | "true" | "yes" | "on" => true,
        "0" | "false" | "no" | "off" => false,
        _ => {
            warnings.push(format!("{key}={v}: expected 1 or 0"));
            false
        }
    }
}

/// A speed like `2`, `0.5` or `4x` as thousandths.
fn milli(v: &str) -> Option<u32> {
    let v = v.trim_end_matches(['x', 'X', '×']);
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let int: u32 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac: u32 = format!("{frac:0<3}").parse().ok()?;
    int.checked_mul(1000)?.checked_add(frac)
}

/// `https://a.example:8080/path` → `https://a.example:8080` (None if it is not http(s)).
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    (!host.is_empty()).then(|| format!("{scheme}://{host}").to_ascii_lowercase())
}

impl Options {
    /// Parse a query string (`?embed=1&lock=1`, with or without the `?`).
    pub fn parse(query: &str) -> Options {
        let mut o = Options::default();
        for pair in query.trim_start_matches('?').split('&') {
            if pair.is_empty() {
                continue;
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k), percent_decode(v));
            let w = &mut o.warnings;
            match k.as_str() {
                "embed" => o.embed = flag(&k, &v, w),
                "lock" => o.lock = flag(&k, &v, w),
                "present" => o.present = flag(&k, &v, w),
                "autoplay" => o.autoplay = flag(&k, &v, w),
                "step" => match v.parse() {
                    Ok(n) => o.step = Some(n),
                    Err(_) => w.push(format!("step={v}: expected an event index (0, 1, 2, …)")),
                },
                "speed" => match milli(&v).and_then(|m| SPEEDS.iter().position(|s| s.0 == m)) {
                    Some(i) => o.speed = Some(i),
                    None => w.push(format!("speed={v}: expected 0.25, 0.5, 1, 2 or 4")),
                },
                "hide" => {
                    for p in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        if PANELS.contains(&p) {
                            o.hide.push(p.to_string());
                        } else {
                            w.push(format!("hide={p}: expected one of {}", PANELS.join(", ")));
                        }
                    }
                }
                "origin" => {
                    for p in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        match origin_of(p) {
                            _ if p == "*" => o.origins.push("*".into()),
                            Some(origin)
                                if origin == p.trim_end_matches('/').to_ascii_lowercase() =>
                            {
                                o.origins.push(origin)
                            }
                            _ => w.push(format!(
                                "origin={p}: expected an origin such as https://example.com"
                            )),
                        }
                    }
                }
                _ => {}
            }
        }
        o
    }
}

impl Options {
    /// The query string that `parse` reads back to these view options (`embed`, `present`,
    /// `lock`, `autoplay`, `hide`; the position travels in the fragment): `?embed=1&lock=1`,
    /// or "" when all are off.
    pub fn query(&self) -> String {
        let mut q: Vec<String> = [
            ("embed", self.embed),
            ("present", self.present),
            ("lock", self.lock),
            ("autoplay", self.autoplay),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(k, _)| format!("{k}=1"))
        .collect();
        if !self.hide.is_empty() {
            q.push(format!("hide={}", self.hide.join(",")));
        }
        if q.is_empty() {
            String::new()
        } else {
            format!("?{}", q.join("&"))
        }
    }
}

/// `text` safe inside a double-quoted HTML attribute.
fn attr_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The `<iframe>` a course page pastes to show `page` (origin and path of the app) with
/// these view options at `fragment` (`v1=…`: the scenario, its faults and the step). 800×450:
/// the size embed mode is laid out for (docs/embedding.md).
pub fn iframe_snippet(page: &str, fragment: &str, title: &str, o: &Options) -> String {
    format!(
        "<iframe\n  src=\"{}{}#{}\"\n  width=\"800\" height=\"450\" style=\"border:0\" loading=\"lazy\"\n  title=\"{}\">\n</iframe>\n",
        attr_escape(page),
        attr_escape(&o.query()),
        attr_escape(fragment),
        attr_escape(&format!("crashcourse: {title}"))
    )
}

/// The options of this page (its query string).
pub fn options() -> Options {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    Options::parse(&search)
}

/// Classes for the page's root element: `locked`, `hide-builder`, ….
pub fn page_class() -> Classes {
    let o = options();
    let mut c = Classes::new();
    if o.lock {
        c.push("locked");
    }
    for p in o.hide {
        c.push(format!("hide-{p}"));
    }
    c
}

/// May the viewer do this (keyboard shortcuts)? Under `lock=1`, nothing that changes the
/// scenario or its faults.
pub fn allowed(act: &Act) -> bool {
    !matches!(
        act,
        Act::CrashHere | Act::CrashAt(_) | Act::AddFault(_) | Act::Undo | Act::Redo
    ) || !options().lock
}

/// The first session: the fragment's scenario, then `step`, `speed` and `autoplay`.
pub fn start(mut s: Session) -> Session {
    let o = options();
    for w in &o.warnings {
        warn(&format!("crashcourse: ignored the page option {w}"));
    }
    if o.present {
        s = s.apply(Act::TogglePresent);
    }
    let acts = [
        o.step.map(PlayAction::Seek),
        o.speed.map(PlayAction::SetSpeed),
        o.autoplay.then_some(PlayAction::Play),
    ];
    for a in acts.into_iter().flatten() {
        s = s.apply(Act::Play(a));
    }
    s
}

pub fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}

// ---------------------------------------------------------------------------------------
// The message protocol.

/// A valid message from the parent.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Load a scenario (spec format) or a preset, at event `step` (default 0).
    Load {
        scenario: Option<Value>,
        preset: Option<String>,
        step: Option<usize>,
    },
    Play,
    Pause,
    /// One event forward, or back.
    Step {
        back: bool,
    },
    /// Go to event `index` (0-based).
    Seek(usize),
    /// Add a fault (spec format) to the current scenario.
    Inject(Value),
}

impl Msg {
    pub fn name(&self) -> &'static str {
        match self {
            Msg::Load { .. } => "load",
            Msg::Play => "play",
            Msg::Pause => "pause",
            Msg::Step { .. } => "step",
            Msg::Seek(_) => "seek",
            Msg::Inject(_) => "inject",
        }
    }
}

const TYPES: &str = "load, play, pause, step, seek, inject";

/// Is a message from `origin` accepted? The page's own origin always is; others only if
/// listed in `?origin=` (or `*` is).
pub fn origin_allowed(origin: &str, own: &str, allow: &[String]) -> bool {
    origin == own || allow.iter().any(|a| a == "*" || a == origin)
}

fn index(o: &Map<String, Value>, key: &str, required: bool) -> Result<Option<usize>, String> {
    match o.get(key) {
        None if !required => Ok(None),
        None => Err(format!("\"{key}\": required")),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("\"{key}\": expected an event index (0, 1, 2, …), got {v}")),
    }
}

/// Check a message's shape: `{"crashcourse": 1, "type": …, …}` with exactly the fields of
/// its type. `Err` says what is wrong (the message is then ignored with a warning).
pub fn parse_message(data: &Value) -> Result<Msg, String> {
    let Some(o) = data.as_object() else {
        return Err("expected a JSON object".into());
    };
    match o.get("crashcourse") {
        Some(v) if v.as_u64() == Some(PROTOCOL) => {}
        Some(v) => {
            return Err(format!(
            "\"crashcourse\": protocol version {v} is not supported (this frame speaks {PROTOCOL})"
        ))
        }
        None => {
            return Err(format!(
                "\"crashcourse\": required (the protocol version, {PROTOCOL})"
            ))
        }
    }
    let Some(kind) = o.get("type").and_then(Value::as_str) else {
        return Err(format!("\"type\": required, one of {TYPES}"));
    };
    let fields: &[&str] = match kind {
        "load" => &["scenario", "preset", "step"],
        "step" => &["direction"],
        "seek" => &["index"],
        "inject" => &["fault"],
        "play" | "pause" => &[],
        _ => {
            return Err(format!(
                "\"type\": unknown type \"{kind}\" (expected one of {TYPES})"
            ))
        }
    };
    if let Some(k) = o
        .keys()
        .find(|k| !matches!(k.as_str(), "crashcourse" | "type") && !fields.contains(&k.as_str()))
    {
        return Err(format!("\"{k}\": not a field of a \"{kind}\" message"));
    }
    Ok(match kind {
        "load" => {
            let scenario = o.get("scenario").cloned();
            let preset = o.get("preset").map(|p| p.as_str().map(str::to_string));
            match (&scenario, &preset) {
                (Some(s), None) if s.is_object() => {}
                (None, Some(Some(_))) => {}
                (Some(_), None) => return Err("\"scenario\": expected a JSON object".into()),
                (None, Some(None)) => return Err("\"preset\": expected a preset id".into()),
                _ => {
                    return Err(
                        "a \"load\" message needs \"scenario\" or \"preset\" (one of them)".into(),
                    )
                }
            }
            Msg::Load {
                scenario,
                preset: preset.flatten(),
                step: index(o, "step", false)?,
            }
        }
        "play" => Msg::Play,
        "pause" => Msg::Pause,
        "step" => match o.get("direction").map(|d| d.as_str()) {
            None | Some(Some("forward")) => Msg::Step { back: false },
            Some(Some("back")) => Msg::Step { back: true },
            _ => return Err("\"direction\": expected \"forward\" or \"back\"".into()),
        },
        "seek" => Msg::Seek(index(o, "index", true)?.unwrap_or(0)),
        _ => match o.get("fault") {
            Some(f) if f.is_object() => Msg::Inject(f.clone()),
            _ => return Err("\"fault\": required, a fault object (scenario-format §7)".into()),
        },
    })
}

/// A scenario from a `load` message, validated by the engine (its `PATH: PROBLEM` message).
pub fn load_scenario(v: &Value) -> Result<Scenario, String> {
    let s = engine::parse_value(v).map_err(|e| e.to_string())?;
    engine::validate(&s).map_err(|e| e.to_string())?;
    if s.workload.records > MAX_UI_RECORDS {
        return Err(format!(
            "workload.records: the browser view shows at most {MAX_UI_RECORDS} records"
        ));
    }
    Ok(s)
}

/// The fault of an `inject` message, validated by the engine as the current scenario's next
/// fault. Errors name the field as `fault.FIELD`.
pub fn inject_fault(current: &Scenario, fault: &Value) -> Result<engine::Fault, String> {
    let mut v = serde_json::to_value(current).map_err(|e| e.to_string())?;
    let n = current.faults.len();
    if let Some(faults) = v.get_mut("faults").and_then(Value::as_array_mut) {
        faults.push(fault.clone());
    }
    let fix = |e: engine::ScenarioError| e.to_string().replace(&format!("faults[{n}]"), "fault");
    let mut s = engine::parse_value(&v).map_err(fix)?;
    engine::validate(&s).map_err(fix)?;
    s.faults.pop().ok_or_else(|| "fault: required".to_string())
}

/// What a valid message asks of the session; `Err` is posted back as an `error` event.
pub fn act_for(msg: Msg, s: &Session) -> Result<Act, String> {
    let play = |a| Ok(Act::Play(a));
    match msg {
        Msg::Load {
            scenario,
            preset,
            step,
        } => {
            let sc = match (scenario, preset) {
                (Some(v), _) => load_scenario(&v)?,
                (None, Some(id)) => presets::preset(&id)
                    .and_then(|p| preset_scenario(&p).ok())
                    .ok_or_else(|| format!("preset: there is no preset named \"{id}\""))?,
                (None, None) => return Err("load: nothing to load".into()),
            };
            // Always with a position, so that the engine re-runs and `outcome` follows.
            Ok(Act::OpenLink(share::encode(&sc, Some(step.unwrap_or(0)))))
        }
        Msg::Play => play(PlayAction::Play),
        Msg::Pause => play(PlayAction::Pause),
        Msg::Step { back: false } => play(PlayAction::StepForward),
        Msg::Step { back: true } => play(PlayAction::StepBack),
        Msg::Seek(i) if i < s.playback.len() => play(PlayAction::Seek(i)),
        Msg::Seek(i) => Err(format!(
            "index: {i} is past the last event (this run has {} events, 0 to {})",
            s.playback.len(),
            s.playback.last()
        )),
        Msg::Inject(f) => inject_fault(s.scenario(), &f).map(Act::AddFault),
    }
}

/// An event for the parent.
fn event(kind: &str, mut body: Value) -> Value {
    if let Some(o) = body.as_object_mut() {
        o.insert("crashcourse".into(), json!(PROTOCOL));
        o.insert("type".into(), json!(kind));
    }
    body
}

/// `ready`: the frame listens.
pub fn ready_event(s: &Session) -> Value {
    event(
        "ready",
        json!({ "events": s.playback.len(), "index": s.playback.cursor }),
    )
}

/// `step`: the current event (index, kind, narration).
pub fn step_event(s: &Session) -> Value {
    let pb = &s.playback;
    let e = pb.event();
    event(
        "step",
        json!({
            "index": pb.cursor,
            "events": pb.len(),
            "kind": e.map(|e| e.kind),
            "step": e.and_then(|e| e.step).map(|st| st.name()),
            "batch": e.and_then(|e| e.batch),
            "tick": e.map(|e| e.tick),
            "narration": e.map(|e| e.text.as_str()),
        }),
    )
}

/// `outcome`: the run's result (after each run).
pub fn outcome_event(s: &Session) -> Value {
    let o = &s.run().outcome;
    event(
        "outcome",
        json!({
            "guarantee": o.guarantee.name(),
            "reader": o.primary_reader,
            "missing": o.missing,
            "duplicated": o.duplicated,
            "events": s.playback.len(),
            "faults": s.scenario().faults.len(),
        }),
    )
}

/// `error`: a message the frame could not carry out.
pub fn error_event(request: &str, message: &str) -> Value {
    event("error", json!({ "request": request, "message": message }))
}

// ---------------------------------------------------------------------------------------
// The page side.

/// The parent window, if this page is in a frame.
fn parent() -> Option<web_sys::Window> {
    let w = web_sys::window()?;
    let p = w.parent().ok().flatten()?;
    (JsValue::from(&p) != JsValue::from(&w)).then_some(p)
}

fn own_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Where events go: the parent's origin if allowed (readable when same-origin, else from
/// the referrer), `*` if any origin is allowed, else nobody until a message arrives.
fn first_target(p: &web_sys::Window) -> Option<String> {
    let allow = options().origins;
    let own = own_origin();
    let parent = p
        .location()
        .origin()
        .ok()
        .or_else(|| origin_of(&gloo::utils::document().referrer()));
    match parent {
        Some(o) if origin_allowed(&o, &own, &allow) => Some(o),
        _ => allow.iter().any(|a| a == "*").then(|| "*".into()),
    }
}

fn post(target: &Option<String>, v: &Value) {
    if let (Some(p), Some(t)) = (parent(), target) {
        if let Ok(js) = JsValue::from_serde(v) {
            let _ = p.post_message(&js, t);
        }
    }
}

/// The postMessage API: listen to the parent, post `ready`, `step`, `outcome`, `error`;
/// `latest` is the session as the app last rendered it, read when a message arrives.
#[hook]
pub fn use_parent_api(session: &Handle, latest: &Latest) {
    let target = use_mut_ref(|| None::<String>);
    {
        let (latest, target, d) = (latest.clone(), target.clone(), session.dispatcher());
        use_effect_with((), move |_| {
            let listener = parent().map(|p| {
                *target.borrow_mut() = first_target(&p);
                let greeted = Rc::new(std::cell::Cell::new(target.borrow().is_some()));
                post(&target.borrow(), &ready_event(&latest.get()));
                let window = gloo::utils::window();
                EventListener::new(&window, "message", move |e| {
                    let Some(e) = e.dyn_ref::<MessageEvent>() else {
                        return;
                    };
                    if e.source().map(JsValue::from) != Some(JsValue::from(&p)) {
                        return; // not from the parent: not for us
                    }
                    let origin = e.origin();
                    if !origin_allowed(&origin, &own_origin(), &options().origins) {
                        warn(&format!(
                            "crashcourse: ignored a message from {origin}: not an allowed origin (add it with ?origin=)"
                        ));
                        return;
                    }
                    let data = e.data();
                    let data: Value = match data.as_string() {
                        Some(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
                        None => data.into_serde().unwrap_or(Value::Null),
                    };
                    match parse_message(&data) {
                        Err(why) => warn(&format!("crashcourse: ignored a malformed message: {why}")),
                        Ok(msg) => {
                            *target.borrow_mut() = Some(origin);
                            if !greeted.replace(true) {
                                post(&target.borrow(), &ready_event(&latest.get()));
                            }
                            let name = msg.name();
                            let result = act_for(msg, &latest.get());
                            match result {
                                Ok(act) => d.dispatch(act),
                                Err(m) => post(&target.borrow(), &error_event(name, &m)),
                            }
                        }
                    }
                })
            });
            move || drop(listener)
        });
    }
    // After each run `outcome`, then at each position `step`.
    let posted = use_mut_ref(|| 0u64);
    let latest = latest.clone();
    let deps = (session.playback.rev, session.playback.cursor);
    use_effect_with(deps, move |&(run, _)| {
        let (s, target) = (latest.get(), target.borrow());
        if std::mem::replace(&mut *posted.borrow_mut(), run) != run {
            post(&target, &outcome_event(&s));
        }
        post(&target, &step_event(&s));
    });
}

/// The embed page: a slim bar (`title`: the scenario's), then stage + timeline and
/// narration + ledger.
pub fn layout(s: &Session, title: &str, d: &Dispatch) -> Html {
    let o = &s.run().outcome;
    let (dup, missing) = (o.duplicated.0.len(), o.missing.0.len());
    let title = title.to_string();
    let location = gloo::utils::window().location();
    let open = format!(
        "{}{}#{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default(),
        s.fragment(true)
    );
    html! {
        <div class={classes!("app", "embed", page_class())} data-testid="app">
            <header class="embed-bar">
                <span class="embed-logo" aria-hidden="true">{ "✕" }</span>
                <h1 class="embed-title" title={title.clone()}>{ title }</h1>
                <span class={classes!("badge", guarantee_class(o.guarantee))} data-testid="guarantee">
                    { guarantee_label(o) }
                </span>
                <span class="embed-result" role="status">
                    <span class={classes!((dup > 0).then_some("rr-dup"))}>{ format!("❐ {dup} duplicated") }</span>
                    <span class={classes!((missing > 0).then_some("rr-missing"))}>{ format!("✕ {missing} missing") }</span>
                </span>
                <a class="embed-open" href={open} target="_blank" rel="noopener" data-testid="embed-open">
                    { "open in crashcourse ↗" }
                </a>
            </header>
            if let Some(Message::Info(m)) = &s.message {
                <p class="msg msg-refused embed-msg" role="alert" data-testid="link-error">{ m.clone() }</p>
            }
            <main class="embed-main">
                // The stage first, the controls under it; the captions beside them (with the
                // narration), so that the stage keeps the frame's height.
                <div class="stage">
                    <Stage pb={s.playback.clone()} />
                    <Timeline pb={s.playback.clone()} crash_mode={s.crash_mode} dispatch={d.clone()}
                        message={s.message.clone().filter(Message::is_fault)} />
                </div>
                <aside class="side">
                    { narration(&s.playback) }
                    { captions(&s.playback, d) }
                    { ledger(&s.playback, s.selected, d) }
                </aside>
            </main>
        </div>
    }
}
