//! Loading what the first page load leaves out, on first need: the course text
//! (`content.json`, see [`crate::content`]) and the fidelity report (`fidelity.json`, see
//! [`crate::fidelity`]).
//!
//! A [`Gate`] shows its children once its [`Resource`] is there; until then it shows
//! "Loading the lessons…", or the reason it could not be loaded with a Retry button. One
//! load serves every gate of a resource on the page. A `lazy` gate (below the fold)
//! starts loading only when it comes near the viewport, so opening the simulator
//! downloads neither the course text nor the tools.

use std::cell::RefCell;
use std::thread::LocalKey;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::{content, fidelity};

/// Where a resource is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Nobody asked for it yet.
    Idle,
    Loading,
    Ready,
    /// Why the last attempt failed, in plain words.
    Failed(String),
}

/// The state of one resource, shared by its gates.
pub struct Shared {
    status: Status,
    /// Every mounted gate's state setter, by gate id.
    gates: Vec<(u32, UseStateSetter<Status>)>,
    next_id: u32,
    attempts: u32,
}

impl Shared {
    pub const fn idle() -> Shared {
        Shared {
            status: Status::Idle,
            gates: Vec::new(),
            next_id: 0,
            attempts: 0,
        }
    }
}

/// Something a gate waits for. Each resource is its own type, so a module that never
/// mounts a gate of one does not carry its loader.
pub trait Resource: 'static {
    /// Its gates' shared state.
    fn shared() -> &'static LocalKey<RefCell<Shared>>;
    /// Already there (say, installed by a test)?
    fn present() -> bool {
        false
    }
    /// Load it; `attempt` counts from 0.
    fn load(attempt: u32) -> impl std::future::Future<Output = Result<(), String>>;
}

/// The course text, `content.json`.
pub struct CourseText;

thread_local! {
    static COURSE_TEXT: RefCell<Shared> = const { RefCell::new(Shared::idle()) };
}

impl Resource for CourseText {
    fn shared() -> &'static LocalKey<RefCell<Shared>> {
        &COURSE_TEXT
    }
    fn present() -> bool {
        content::get().is_some()
    }
    async fn load(_: u32) -> Result<(), String> {
        content::install(&inlined_or_fetched(INLINE_ID, content::FILE).await?)
    }
}

/// What the fidelity suite found (`fidelity.json`, see [`crate::fidelity`]).
pub struct FidelityReport;

thread_local! {
    static FIDELITY: RefCell<Shared> = const { RefCell::new(Shared::idle()) };
}

impl Resource for FidelityReport {
    fn shared() -> &'static LocalKey<RefCell<Shared>> {
        &FIDELITY
    }
    fn present() -> bool {
        fidelity::get().is_some()
    }
    async fn load(_: u32) -> Result<(), String> {
        fidelity::install(&inlined_or_fetched(FIDELITY_ID, fidelity::FILE).await?)
    }
}

/// The id of the `<script type="application/json">` in which a single-file copy of the
/// app (`scripts/standalone.mjs`) carries the course text, read instead of fetching
/// `content.json` (a `file://` page or a sandboxed frame has nothing to fetch from).
pub const INLINE_ID: &str = "crashcourse-content";

/// Is this page a single-file copy (the course text inlined, no server behind it)?
pub fn standalone() -> bool {
    gloo::utils::document()
        .get_element_by_id(INLINE_ID)
        .is_some()
}

/// The id of the element in which a single-file copy carries the fidelity report.
pub const FIDELITY_ID: &str = "crashcourse-fidelity";

/// The document a single-file copy inlined under `id`, or else the file `url` fetched.
async fn inlined_or_fetched(id: &str, url: &str) -> Result<String, String> {
    let inlined = gloo::utils::document()
        .get_element_by_id(id)
        .and_then(|e| e.text_content());
    match inlined {
        Some(text) => Ok(text),
        None => fetch_text(url).await,
    }
}

fn status<R: Resource>() -> Status {
    if R::present() {
        return Status::Ready;
    }
    R::shared().with(|s| s.borrow().status.clone())
}

fn set_status<R: Resource>(st: Status) {
    let gates: Vec<UseStateSetter<Status>> = R::shared().with(|s| {
        let mut s = s.borrow_mut();
        s.status = st.clone();
        s.gates.iter().map(|(_, g)| g.clone()).collect()
    });
    for g in gates {
        g.set(st.clone());
    }
}

/// Is it there?
pub fn ready<R: Resource>() -> bool {
    status::<R>() == Status::Ready
}

/// Start loading, unless it is there or on its way.
pub fn start<R: Resource>() {
    if matches!(status::<R>(), Status::Ready | Status::Loading) {
        return;
    }
    set_status::<R>(Status::Loading);
    let attempt = R::shared().with(|s| {
        let mut s = s.borrow_mut();
        s.attempts += 1;
        s.attempts - 1
    });
    yew::platform::spawn_local(async move {
        set_status::<R>(match R::load(attempt).await {
            Ok(()) => Status::Ready,
            Err(e) => Status::Failed(e),
        });
    });
}

async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen_futures::JsFuture;
    let failed = |e: JsValue| {
        let why = e
            .dyn_ref::<web_sys::js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "no answer".into());
        format!("the request for {url} failed ({why})")
    };
    let window = web_sys::window().ok_or_else(|| "there is no window".to_string())?;
    // Revalidate with the server every time (a 304 when unchanged): the file name has
    // no content hash, and a stale copy must not outlive a deploy.
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoCache);
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(failed)?
        .unchecked_into();
    if !resp.ok() {
        return Err(format!(
            "the server answered {} {} for {url}",
            resp.status(),
            resp.status_text()
        ));
    }
    let text = JsFuture::from(resp.text().map_err(failed)?)
        .await
        .map_err(failed)?;
    text.as_string().ok_or_else(|| format!("{url} is not text"))
}

#[derive(Properties, PartialEq)]
pub struct GateProps {
    /// What is loading, for the messages: "lessons", "code samples".
    pub what: AttrValue,
    /// Wait until the gate is near the viewport before loading.
    #[prop_or_default]
    pub lazy: bool,
    #[prop_or_default]
    pub children: Html,
}

/// The status of the resource `R` for a component, kept up to date, and a start of its
/// loading once mounted: at once, or (`lazy`) when `node` comes near the viewport.
#[hook]
pub fn use_resource<R: Resource>(node: NodeRef, lazy: bool) -> Status {
    let st = use_state(status::<R>);
    {
        let setter = st.setter();
        let rendered = (*st).clone();
        use_effect_with((), move |_| {
            let id = R::shared().with(|s| {
                let mut s = s.borrow_mut();
                let id = s.next_id;
                s.next_id += 1;
                s.gates.push((id, setter.clone()));
                id
            });
            // Catch up with a change between the first render and now (only if there was
            // one: setting a state always renders again).
            let now = status::<R>();
            if now != rendered {
                setter.set(now);
            }
            let observer = if lazy {
                observe(&node, start::<R>)
            } else {
                None
            };
            if observer.is_none() {
                start::<R>();
            }
            move || {
                if let Some((o, _cb)) = observer {
                    o.disconnect();
                }
                R::shared().with(|s| s.borrow_mut().gates.retain(|(g, _)| *g != id));
            }
        });
    }
    (*st).clone()
}

/// Its children once the resource is there; a loading or error message until then.
#[function_component(Gate)]
pub fn gate<R: Resource>(p: &GateProps) -> Html {
    let node = use_node_ref();
    let st = use_resource::<R>(node.clone(), p.lazy);
    let what = &p.what;
    match &st {
        Status::Ready => p.children.clone(),
        Status::Failed(e) => {
            let retry = Callback::from(|_: MouseEvent| start::<R>());
            html! {
                <div class="content-status card msg msg-refused" role="alert" data-testid="content-error">
                    <p><strong>{ format!("Could not load the {what}: ") }</strong>{ format!("{e}. The simulator itself is unaffected.") }</p>
                    <button class="btn" onclick={retry}>{ "Retry" }</button>
                </div>
            }
        }
        _ => html! {
            <p class="content-status card hint" role="status" ref={node} data-testid="content-loading">{ format!("Loading the {what}…") }</p>
        },
    }
}

/// The gate for the course text.
pub type ContentGate = Gate<CourseText>;

type Observed = (
    web_sys::IntersectionObserver,
    Closure<dyn FnMut(web_sys::js_sys::Array)>,
);

/// Call `start` when `node` comes within 200 px of the viewport. None (and the caller
/// starts at once) where the browser has no IntersectionObserver.
fn observe(node: &NodeRef, start: fn()) -> Option<Observed> {
    let el = node.cast::<web_sys::Element>()?;
    let cb = Closure::<dyn FnMut(web_sys::js_sys::Array)>::new(
        move |entries: web_sys::js_sys::Array| {
            let near = entries.iter().any(|e| {
                e.dyn_into::<web_sys::IntersectionObserverEntry>()
                    .is_ok_and(|e| e.is_intersecting())
            });
            if near {
                start();
            }
        },
    );
    let init = web_sys::IntersectionObserverInit::new();
    init.set_root_margin("200px 0px");
    let o =
        web_sys::IntersectionObserver::new_with_options(cb.as_ref().unchecked_ref(), &init).ok()?;
    o.observe(&el);
    Some((o, cb))
}
