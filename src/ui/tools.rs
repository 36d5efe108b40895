//! The tools module's root (`crashcourse-tools`, mounted in `#tools`): Learn and Quiz,
//! and the simulator's modelling notes, crash matrix, compare, code samples and export.
//!
//! It keeps its own copy of the simulator's session, rebuilt from the [`bridge::State`]
//! the simulator sends (the engine is deterministic, so the same fragment gives the same
//! run), and sends back what should change the simulator's session ([`bridge::Request`]).

use yew::prelude::*;

use super::bridge::{self, Request, State};
use super::content::ContentGate;
use super::playback::PlayAction;
use super::session::{Act, Session};
use super::views::learn::{Course, Mode};
use super::views::{code::code, compare::Compare, export::Export, matrix::Matrix, notes::notes};

/// Where the tools send what they would do to the session: to the simulator.
#[derive(Clone, PartialEq)]
pub struct Remote(pub Callback<Request>);

/// Run `act` on the simulator's session: across the bridge inside the tools module,
/// directly where there is no bridge (the views mounted on their own, in tests).
pub fn dispatch(remote: &Option<Remote>, s: &super::app::Handle, act: Act) {
    match remote {
        Some(Remote(cb)) => cb.emit(Request::Act(act)),
        None => s.dispatch(act),
    }
}

#[function_component(ToolsApp)]
pub fn tools_app() -> Html {
    let session = use_reducer(|| Session::new(None));
    // The simulator's mode (None until it first said): all the state that renders here.
    let mode = use_state_eq(|| None::<Mode>);
    // The state last applied, so that a cursor move does not re-run the engine.
    let applied = use_mut_ref(|| None::<State>);
    {
        let (mode, dispatcher) = (mode.clone(), session.dispatcher());
        let applied = applied.clone();
        use_effect_with((), move |_| {
            let listener = bridge::listen(bridge::STATE, move |text| {
                let Some(new) = State::parse(&text) else {
                    return;
                };
                let old = applied.borrow_mut().replace(new.clone());
                if old.as_ref().map(|o| &o.fragment) != Some(&new.fragment) {
                    dispatcher.dispatch(Act::OpenLink(new.fragment.clone()));
                }
                if old.as_ref().map(|o| o.cursor) != Some(new.cursor) {
                    dispatcher.dispatch(Act::Play(PlayAction::Seek(new.cursor)));
                }
                mode.set(Some(new.mode));
            });
            bridge::send(bridge::READY, "");
            move || drop(listener)
        });
    }
    let remote = {
        let session = session.clone();
        Remote(Callback::from(move |r: Request| {
            if let Some(text) = bridge::request_text(&r, session.scenario()) {
                bridge::send(bridge::ACT, &text);
            }
        }))
    };
    let Some(mode) = *mode else {
        return html! {};
    };
    let to_sandbox = {
        let remote = remote.clone();
        Callback::from(move |_| remote.0.emit(Request::Mode(Mode::Sandbox)))
    };
    let body = if mode != Mode::Sandbox {
        html! {
            <ContentGate what={if mode == Mode::Quiz { "quiz" } else { "lessons" }}>
                <Course {mode} on_sandbox={to_sandbox} />
            </ContentGate>
        }
    } else {
        html! {
            <section class="workbench" aria-label="Explore, compare and export">
                { notes(&session) }
                <Matrix s={session.clone()} />
                <Compare s={session.clone()} />
                { code(&session) }
                <Export s={session.clone()} />
            </section>
        }
    };
    html! {
        <ContextProvider<Option<Remote>> context={Some(remote)}>
            <div class="app tools" data-testid="tools">{ body }</div>
        </ContextProvider<Option<Remote>>>
    }
}

/// The tools module's entry: mount [`ToolsApp`] in `#tools`.
pub fn start() {
    super::install_panic_hook();
    let document = gloo::utils::document();
    let root = match document.get_element_by_id("tools") {
        Some(el) => el,
        None => {
            let el = document
                .create_element("div")
                .expect("create the tools' root");
            el.set_id("tools");
            let _ = gloo::utils::body().append_child(&el);
            el
        }
    };
    yew::Renderer::<ToolsApp>::with_root(root).render();
}
