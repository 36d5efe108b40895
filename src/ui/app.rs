//! The root component: owns the session reducer, the play timer, the keyboard and the URL,
//! and hands each view what it reads.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::content::ContentGate;
use super::views::import::FileImport;
use super::views::learn::{mode_bar, Course, Mode};
use super::views::matrix::{crash_matrix, matrix_card, pick_bar};
use super::views::{
    builder::Builder, caption::captions, code::code, compare::Compare, export::Export,
    faults::Faults, header::Header, help::Help, ledger::ledger, narration::narration, notes::Notes,
    present::presenter, stage::Stage, timeline::Timeline, use_latest, Dispatch, Latest,
};
use crate::state::playback::{interval_ms, PlayAction, Playback};
use crate::state::session::{Act, Message, Session};

impl Reducible for Session {
    type Action = Act;
    fn reduce(self: Rc<Self>, act: Act) -> Rc<Self> {
        Rc::new(self.apply(act))
    }
}

/// What every view gets: the session, and a way to change it.
pub type Handle = UseReducerHandle<Session>;

/// The page URL's fragment (`#preset=…` or a share link `#v1=…`), or "".
fn url_fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Keep the URL in step with the scenario's `fragment`, replacing the history entry; not
/// on first load, so a plain URL stays plain. `written` is the fragment the app last wrote.
#[hook]
fn use_url(fragment: &str, written: &Rc<RefCell<String>>) {
    let written = written.clone();
    let first = use_mut_ref(|| true);
    use_effect_with(fragment.to_string(), move |fragment| {
        if std::mem::take(&mut *first.borrow_mut()) {
            return;
        }
        let fragment = format!("#{fragment}");
        if *written.borrow() != fragment {
            if let Some(w) = web_sys::window() {
                let _ = w.location().replace(&fragment);
            }
            *written.borrow_mut() = fragment;
        }
    });
}

/// The page's listeners, for the app's lifetime (one effect: each costs wasm): a link pasted
/// into the tab, the keyboard (`mode`: the page's mode when a key is pressed), and in an
/// embed, files dragged over it.
#[hook]
fn use_page_listeners(
    dispatcher: &Dispatch,
    mode: &Rc<RefCell<Mode>>,
    written: &Rc<RefCell<String>>,
    set_mode: &Callback<Mode>,
) {
    let (dispatcher, keys, written) = (dispatcher.clone(), mode.clone(), written.clone());
    let to_sandbox = set_mode.reform(|_: ()| Mode::Sandbox);
    use_effect_with((), move |_| {
        // A link pasted into this tab (only the fragment changes: no reload) opens at once.
        let d = dispatcher.clone();
        let hash = EventListener::new(&gloo::utils::window(), "hashchange", move |_| {
            let now = url_fragment();
            if *written.borrow() != now {
                *written.borrow_mut() = now.clone();
                to_sandbox.emit(());
                d.dispatch(Act::OpenLink(now));
            }
        });
        // Keyboard shortcuts for the whole page.
        let d = dispatcher;
        let options = EventListenerOptions::enable_prevent_default();
        let doc = gloo::utils::document();
        let embed = super::embed::options().embed;
        let keydown = EventListener::new_with_options(&doc, "keydown", options, move |e| {
            let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                return;
            };
            // Outside the sandbox only help and Escape (and undo/redo on the crash
            // matrix, which changes the sandbox's faults); a lesson handles its playback.
            let mode = *keys.borrow();
            let act = key_action(e)
                .filter(super::embed::allowed)
                .filter(|a| {
                    mode == Mode::Sandbox
                        || matches!(a, Act::ToggleHelp | Act::Escape)
                        || (mode == Mode::Matrix && matches!(a, Act::Undo | Act::Redo))
                })
                // An embed that is not presenting stays as it was embedded.
                .filter(|a| !matches!(a, Act::TogglePresent) || !embed);
            if let Some(act) = act {
                e.prevent_default();
                d.dispatch(act);
            }
        });
        // An embed ignores files dragged over it (no import, no overlay, no request),
        // but the browser must not open a dropped file in place of the simulator either.
        let ignore = |name: &'static str| {
            EventListener::new_with_options(&doc, name, options, |e| e.prevent_default())
        };
        let ignored = embed.then(|| (ignore("dragover"), ignore("drop")));
        move || drop((hash, keydown, ignored))
    });
}

/// Changing between the crash matrix and the sandbox shows the top of the new page: the
/// matrix from its title, the simulator with its stage in view (a pick lands on its crash).
#[hook]
fn use_mode_scroll(mode: Mode, main_ref: &NodeRef) {
    let main = main_ref.clone();
    let prev = use_mut_ref(|| mode);
    use_effect_with(mode, move |&m| {
        let was = std::mem::replace(&mut *prev.borrow_mut(), m);
        if was != Mode::Matrix && m != Mode::Matrix {
            return;
        }
        let w = gloo::utils::window();
        let half = w
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0)
            / 2.0;
        match main.cast::<web_sys::HtmlElement>() {
            // The stage is far down the page (a phone): bring it to the top.
            Some(el) if m == Mode::Sandbox && f64::from(el.offset_top()) > half => {
                el.scroll_into_view()
            }
            _ => w.scroll_to_with_x_and_y(0.0, 0.0),
        }
    });
}

/// The sandbox: the simulator (stage, timeline, narration, ledger), which renders at each
/// step, then the workbench, which renders when the scenario changes.
fn sandbox(session: &Handle, latest: &Latest, main: &NodeRef, to_matrix: &Callback<()>) -> Html {
    let (pb, loaded, d) = (&session.playback, session.loaded(), session.dispatcher());
    let fault_message = session.message.clone().filter(Message::is_fault);
    let json_error = match &session.message {
        Some(Message::JsonRefused(m)) => Some(m.clone()),
        _ => None,
    };
    html! {
        <>
            <main class="layout" ref={main.clone()}>
                <div class="stage">
                    <Stage pb={pb.clone()} />
                    { captions(pb, &d) }
                    <Timeline pb={pb.clone()} crash_mode={session.crash_mode}
                        message={fault_message.clone()} dispatch={d.clone()} />
                </div>
                <aside class="side">
                    { narration(pb) }
                    { ledger(pb, session.selected, &d) }
                </aside>
            </main>
            // Export's few words that follow the cursor read the session from this context.
            <ContextProvider<Handle> context={session.clone()}>
                <section class="workbench" aria-label="Change the scenario">
                    <Faults loaded={loaded.clone()} message={fault_message} dispatch={d.clone()}
                        latest={latest.clone()} />
                    <Builder loaded={loaded.clone()} draft={session.draft.clone()} {json_error}
                        dispatch={d.clone()} />
                    <Notes loaded={loaded.clone()} />
                    { matrix_card(to_matrix) }
                    <Compare loaded={loaded.clone()} />
                    { code(&loaded) }
                    <Export {loaded} latest={latest.clone()} />
                </section>
            </ContextProvider<Handle>>
        </>
    }
}

/// Keys the app handles anywhere on the page, unless a form field has the focus.
pub(crate) fn key_action(e: &KeyboardEvent) -> Option<Act> {
    let target = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let tag = target.as_ref().map(|t| t.tag_name().to_ascii_lowercase());
    let in_field = matches!(tag.as_deref(), Some("input" | "select" | "textarea"));
    let on_button = matches!(tag.as_deref(), Some("button" | "a" | "summary"));
    if e.key() == "Escape" {
        return Some(Act::Escape);
    }
    if in_field || e.alt_key() || e.meta_key() {
        return None;
    }
    if e.ctrl_key() {
        return match e.key().as_str() {
            "z" => Some(Act::Undo),
            "Z" | "y" => Some(Act::Redo),
            _ => None,
        };
    }
    let play = |a| Some(Act::Play(a));
    match e.key().as_str() {
        // Space on a focused button presses that button, as everywhere else.
        " " if !on_button => play(PlayAction::TogglePlay),
        "k" => play(PlayAction::TogglePlay),
        "ArrowRight" if e.shift_key() => play(PlayAction::NextFault),
        "ArrowLeft" if e.shift_key() => play(PlayAction::PrevFault),
        // A presentation clicker sends PageDown / PageUp.
        "ArrowRight" | "l" | "PageDown" => play(PlayAction::StepForward),
        "ArrowLeft" | "j" | "PageUp" => play(PlayAction::StepBack),
        "Home" => play(PlayAction::First),
        "End" => play(PlayAction::Last),
        "n" => play(PlayAction::NextFault),
        "p" => play(PlayAction::PrevFault),
        "]" | "+" => play(PlayAction::Faster),
        "[" | "-" => play(PlayAction::Slower),
        "c" => Some(Act::CrashHere),
        "?" => Some(Act::ToggleHelp),
        "f" | "F" => Some(Act::TogglePresent),
        "u" => Some(Act::Undo),
        "U" => Some(Act::Redo),
        _ => None,
    }
}

/// The play timer of a session's playback (the sandbox's, a lesson's): it runs only while
/// playing, and a new speed restarts it.
#[hook]
pub(crate) fn use_play_timer(pb: &Playback, d: &Dispatch) {
    let d = d.clone();
    use_effect_with((pb.playing, pb.speed), move |&(playing, speed)| {
        let timer = playing.then(|| {
            Interval::new(interval_ms(speed), move || {
                d.dispatch(Act::Play(PlayAction::Tick))
            })
        });
        move || drop(timer)
    });
}

#[function_component(App)]
pub fn app() -> Html {
    crate::ui::count_render("app");
    let session = use_reducer(|| super::embed::start(Session::from_fragment(&url_fragment())));
    // What the views read: the loaded run (compared by revision), the playback, the messages.
    let loaded = session.loaded();
    let d = session.dispatcher();
    let latest = use_latest(&session);
    super::embed::use_parent_api(&session, &latest);
    // The fragment this app last wrote, so that its own writes are not read back.
    let written = use_mut_ref(url_fragment);
    // Sandbox, crash matrix, Learn or Quiz; the sandbox keeps its session (paused) while away.
    let mode = use_state(|| Mode::Sandbox);
    let sandbox_keys = use_mut_ref(|| Mode::Sandbox);
    *sandbox_keys.borrow_mut() = *mode;
    let main_ref = use_node_ref();
    let set_mode = {
        let (mode, d) = (mode.clone(), session.dispatcher());
        Callback::from(move |m: Mode| {
            d.dispatch(Act::Play(PlayAction::Pause));
            mode.set(m);
        })
    };

    // The page fragment of the scenario (a preset id, or a share link once edited) and its
    // title. Both parse the preset (is it edited?) and the fragment deflates the scenario:
    // once per loaded run, not at every step.
    let named = {
        let loaded = loaded.clone();
        use_memo(loaded.rev, move |_| (loaded.fragment(None), loaded.title()))
    };
    let title = &named.1;

    use_url(&named.0, &written);
    use_play_timer(&session.playback, &d);
    use_page_listeners(&d, &sandbox_keys, &written, &set_mode);
    use_mode_scroll(*mode, &main_ref);

    if session.present {
        return presenter(&session.playback, title, &d);
    }
    if super::embed::options().embed {
        return super::embed::layout(&session, title, &d);
    }
    let info = match &session.message {
        Some(Message::Info(m)) => Some(m.clone()),
        _ => None,
    };
    let header = html! {
        <Header loaded={loaded.clone()} undo={session.undo_label().map(str::to_string)}
            redo={session.redo_label().map(str::to_string)} {info} dispatch={d.clone()} />
    };
    let to_matrix = set_mode.reform(|_| Mode::Matrix);
    let picked = pick_bar(
        session.matrix_pick(),
        &session.run().outcome,
        &d,
        &to_matrix,
    );
    html! {
        <div class={classes!("app", super::embed::page_class())} data-testid="app">
            if *mode == Mode::Sandbox {
                <a class="skip-link" href="#timeline">{ "Skip to the timeline" }</a>
            } else {
                <a class="skip-link" href="#course">{ "Skip to the content" }</a>
            }
            { mode_bar(*mode, &set_mode, picked.filter(|_| *mode == Mode::Sandbox)) }
            <FileImport loaded={loaded.clone()} dispatch={d.clone()} mode={*mode} set_mode={set_mode.clone()}>
            if *mode == Mode::Matrix {
                { header }
                <main id="course" class="cm-page" tabindex="-1">
                    { crash_matrix(&loaded, &d, &set_mode.reform(|_| Mode::Sandbox)) }
                </main>
            } else if *mode != Mode::Sandbox {
                <main id="course" class="course-main" tabindex="-1">
                    <h1 class="sr-only">{ if *mode == Mode::Quiz { "crashcourse: quiz" } else { "crashcourse: lessons" } }</h1>
                    <ContentGate what={if *mode == Mode::Quiz { "quiz" } else { "lessons" }}>
                        <Course mode={*mode} on_sandbox={set_mode.reform(|_| Mode::Sandbox)} />
                    </ContentGate>
                </main>
            } else {
                { header }
                { sandbox(&session, &latest, &main_ref, &to_matrix) }
            }
            </FileImport>
            if session.help {
                <Help dispatch={d.clone()} />
            }
        </div>
    }
}
