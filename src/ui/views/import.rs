//! Importing a file: one home for the file picker (in Export) and for a file dropped
//! anywhere on the page, in every mode.
//!
//! A dropped file is always either imported or refused with a message; the browser never
//! navigates to it. In the sandbox a scenario or trace opens at once; in Learn or Quiz the
//! page stays and the note offers to open it in the sandbox. An embedded simulator
//! (`?embed=1`) does not mount this: it ignores drags and loads nothing.

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DragEvent, File};
use yew::prelude::*;

use super::super::embed;
use super::super::io;
use super::super::share;
use super::learn::Mode;
use super::{Dispatch, Loaded};
use crate::state::session::Act;

/// What the last import said.
#[derive(Clone, PartialEq)]
pub enum Note {
    /// Opened in the sandbox: "NAME: sentence".
    Opened(String),
    /// Read outside the sandbox: the sentence and the link that opens it there.
    Offer(String, String),
    /// Refused: "NAME: PATH: PROBLEM".
    Refused(String),
}

/// Where a file goes to be imported (the picker in Export takes it from the context).
#[derive(Clone, PartialEq)]
pub struct Importer(pub Callback<File>);

fn has_files(e: &DragEvent) -> bool {
    e.data_transfer()
        .is_some_and(|d| d.types().includes(&JsValue::from_str("Files"), 0))
}

#[derive(Properties, PartialEq)]
pub struct DropProps {
    /// The scenario a trace is checked against.
    pub loaded: Loaded,
    pub dispatch: Dispatch,
    pub mode: Mode,
    pub set_mode: Callback<Mode>,
    #[prop_or_default]
    pub children: Html,
}

/// Provides the [`Importer`] to its children, listens for files dropped on the page, and
/// shows the note of the last import.
#[function_component(FileImport)]
pub fn file_import(p: &DropProps) -> Html {
    let note = use_state(|| None::<Note>);
    let dragging = use_state_eq(|| false);
    let locked = embed::options().lock;
    // The current scenario and mode, read when a file has been read.
    let now = use_mut_ref(|| (p.loaded.scenario.clone(), p.mode));
    *now.borrow_mut() = (p.loaded.scenario.clone(), p.mode);

    // Made once: a new callback at each render would be a new context value, and Export,
    // which reads it, would render again at every step of the playback.
    let read = {
        let (d, note) = (p.dispatch.clone(), note.clone());
        use_memo((), move |_| {
            Callback::from(move |file: File| {
                let name = file.name();
                let (d, note, now) = (d.clone(), note.clone(), now.clone());
                io::read_file(
                    &file,
                    Callback::from(move |text: Result<String, String>| {
                        let (current, mode) = now.borrow().clone();
                        note.set(Some(match text.and_then(|t| io::import(&t, &current)) {
                            Err(e) => Note::Refused(format!("{name}: {e}")),
                            Ok(_) if locked => Note::Refused(format!(
                            "{name}: this page is locked (lock=1), so it opens no other scenario"
                        )),
                            Ok((sc, said)) => {
                                let link = share::encode(&sc, Some(0));
                                if mode == Mode::Sandbox {
                                    d.dispatch(Act::OpenLink(link));
                                    Note::Opened(format!("{name}: {said}"))
                                } else {
                                    let what = if said.contains("trace") {
                                        "a trace"
                                    } else {
                                        "a scenario"
                                    };
                                    Note::Offer(
                                        format!("{name} holds {what} (not opened yet)."),
                                        link,
                                    )
                                }
                            }
                        }));
                    }),
                );
            })
        })
    };
    let read = Callback::clone(&read);

    // Files dragged over or dropped anywhere on the page.
    {
        let (read, dragging, note) = (read.clone(), dragging.clone(), note.clone());
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            let opts = EventListenerOptions::enable_prevent_default();
            let over = {
                let dragging = dragging.clone();
                EventListener::new_with_options(&doc, "dragover", opts, move |e| {
                    if let Some(e) = e.dyn_ref::<DragEvent>().filter(|e| has_files(e)) {
                        e.prevent_default();
                        dragging.set(true);
                    }
                })
            };
            let leave = {
                let dragging = dragging.clone();
                EventListener::new(&doc, "dragleave", move |e| {
                    if e.dyn_ref::<DragEvent>()
                        .is_some_and(|e| e.related_target().is_none())
                    {
                        dragging.set(false);
                    }
                })
            };
            let dropped = EventListener::new_with_options(&doc, "drop", opts, move |e| {
                let Some(e) = e.dyn_ref::<DragEvent>() else {
                    return;
                };
                // Whatever was dropped, the browser must not leave the page for it.
                e.prevent_default();
                dragging.set(false);
                let file = e
                    .data_transfer()
                    .and_then(|d| d.files())
                    .and_then(|f| f.get(0));
                match file {
                    Some(f) => read.emit(f),
                    None => note.set(Some(Note::Refused(
                        "Only a file can be imported: drop a scenario or trace JSON file".into(),
                    ))),
                }
            });
            move || drop((over, leave, dropped))
        });
    }

    let close = {
        let note = note.clone();
        Callback::from(move |_: MouseEvent| note.set(None))
    };
    let note_view = match &*note {
        None => html! {},
        Some(Note::Opened(m)) => html! {
            <div class="import-note msg msg-ok" role="status">
                <p data-testid="import-ok">{ m.clone() }</p>
                <button class="btn" onclick={close} aria-label="Close">{ "✕" }</button>
            </div>
        },
        Some(Note::Offer(m, link)) => {
            let open = {
                let (d, set_mode, note) = (p.dispatch.clone(), p.set_mode.clone(), note.clone());
                let link = link.clone();
                Callback::from(move |_: MouseEvent| {
                    set_mode.emit(Mode::Sandbox);
                    d.dispatch(Act::OpenLink(link.clone()));
                    note.set(None);
                })
            };
            html! {
                <div class="import-note msg msg-ok" role="status">
                    <p data-testid="import-offer">{ m.clone() }</p>
                    <button class="btn btn-primary" onclick={open} data-testid="import-open">{ "Open it in the sandbox" }</button>
                    <button class="btn" onclick={close} aria-label="Close">{ "✕" }</button>
                </div>
            }
        }
        Some(Note::Refused(e)) => html! {
            <div class="import-note msg msg-refused" role="alert">
                <p data-testid="import-error">
                    <strong>{ "Not imported: " }</strong><code>{ e.clone() }</code>{ " The current scenario is unchanged." }
                </p>
                <button class="btn" onclick={close} aria-label="Close">{ "✕" }</button>
            </div>
        },
    };
    html! {
        <ContextProvider<Importer> context={Importer(read)}>
            { p.children.clone() }
            { note_view }
            if *dragging {
                <div class="drop-overlay" aria-hidden="true"><p>{
                    if p.mode != Mode::Sandbox { "Drop a scenario or trace JSON file to read it" }
                    else { "Drop a scenario or trace JSON file to open it" }
                }</p></div>
            }
        </ContextProvider<Importer>>
    }
}
