//! Share and export: a one-click share link (scenario, faults and position); import of
//! scenario and trace JSON by file picker or by dropping a file on the page; downloads of
//! scenario.json and trace.json; and for slides, a Mermaid sequence diagram of the run and an
//! SVG snapshot of the pipeline at this step.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::super::embed;
use super::super::io;
use super::import::Importer;
use super::{Handle, Latest, Live, Loaded};
use crate::state::session::Session;

#[derive(Clone, Copy, PartialEq)]
enum Shown {
    Nothing,
    Mermaid,
    Svg,
    Embed,
}

/// What an embedded frame shows.
#[derive(Clone, Copy, PartialEq)]
enum FrameView {
    /// `embed=1`: stage, timeline, narration and ledger under a slim bar.
    Simulator,
    /// `embed=1&present=1`: the presenter's stage, for a slide.
    Presenter,
    /// The whole app, optionally with panels hidden.
    FullApp,
}

/// The page's own address (without query and fragment), which links point at.
fn page_url() -> String {
    let href = gloo::utils::window().location().href().unwrap_or_default();
    href.split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Stands for the app's address in the embed code of a page that is not hosted.
const YOUR_SITE: &str = "https://YOUR-SITE/crashcourse/";
const HOST_NOTE: &str = "This copy has no web address a course page could frame: host dist/ \
    (see README › Host it) to embed it, and copy the embed code there (or replace \
    https://YOUR-SITE/crashcourse/ below). A single-file copy can also go on a page as it is.";

/// The address a frame on a course page can load: this page's, when a web server serves
/// it. A `file://` page or a single-file copy has none (README › Host it).
fn hosted_url() -> Option<String> {
    let url = page_url();
    let served = url.starts_with("https://") || url.starts_with("http://");
    (served && !super::super::content::standalone()).then_some(url)
}

/// The address that reopens this scenario, its faults and this step.
fn share_url(s: &Session) -> String {
    format!("{}#{}", page_url(), s.fragment(true))
}

/// What an embed frame shows, lock, autoplay and the panels it hides.
type Frame = (FrameView, bool, bool, Vec<&'static str>);

/// The `<iframe>` that opens this scenario at this step, as `frame` says.
fn snippet(s: &Session, frame: &Frame) -> String {
    let (view, lock, autoplay, hide) = frame;
    let o = embed::Options {
        embed: *view != FrameView::FullApp,
        present: *view == FrameView::Presenter,
        lock: *lock,
        autoplay: *autoplay,
        hide: if *view == FrameView::FullApp {
            hide.iter().map(|p| p.to_string()).collect()
        } else {
            Vec::new()
        },
        ..embed::Options::default()
    };
    let url = hosted_url().unwrap_or_else(|| YOUR_SITE.into());
    embed::iframe_snippet(&url, &s.fragment(true), &s.title(), &o)
}

/// The last copy of an export: (what, whether the clipboard took it).
type Copied = UseStateHandle<Option<(&'static str, bool)>>;

/// An export's text (`what`: embed, mermaid, svg) under `intro`, with Copy, Download (as
/// `name`) and what the clipboard said.
fn export_out(
    what: &'static str,
    (name, mime): (String, &'static str),
    text: String,
    intro: Html,
    copied: &Copied,
) -> Html {
    let copy = {
        let (copied, text) = (copied.clone(), text.clone());
        Callback::from(move |_: MouseEvent| {
            let copied = copied.clone();
            io::copy(
                &text,
                Callback::from(move |ok| copied.set(Some((what, ok)))),
            );
        })
    };
    let save = {
        let text = text.clone();
        Callback::from(move |_: MouseEvent| io::download(&name, mime, &text))
    };
    let status = match **copied {
        Some((w, true)) if w == what => "✓ Copied",
        Some((w, false)) if w == what => {
            "The browser refused the clipboard: select the text below and press Ctrl+C."
        }
        _ => "",
    };
    html! {
        <div class="export-out">
            { intro }
            <div class="form-actions">
                <button class="btn" onclick={copy}>{ "Copy" }</button>
                <button class="btn" onclick={save}>{ "Download" }</button>
                <span class="copy-note" role="status">{ status }</span>
            </div>
            <textarea class="code" rows="8" readonly=true spellcheck="false" value={text}
                aria-label="Export text" data-testid={format!("{what}-text")} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ExportProps {
    pub loaded: Loaded,
    /// The session at the moment of a click: the link and the embed code carry its step.
    pub latest: Latest,
}

/// Share and export. It renders when the scenario changes, not at each step: what shows the
/// step (the hint, the embed code, the SVG snapshot) is [`Live`].
#[function_component(Export)]
pub fn export(p: &ExportProps) -> Html {
    crate::ui::count_render("export");
    let loaded = &p.loaded;
    let shown = use_state(|| Shown::Nothing);
    // The link last copied, and whether the clipboard took it (None: still trying).
    let link = use_state(|| None::<(String, Option<bool>)>);
    let copied: Copied = use_state(|| None);
    let field = use_node_ref();
    // The embed code's choices: what the frame shows, lock, autoplay, hidden panels.
    let frame = use_state(|| (FrameView::Simulator, true, false, Vec::new()));
    let locked = embed::options().lock;
    // The picker hands its file to the page's importer (views::import), as a drop does.
    let read = use_context::<Importer>().map(|i| i.0).unwrap_or_default();

    // A refused clipboard: select the link so that Ctrl+C copies it.
    {
        let field = field.clone();
        use_effect_with((*link).clone(), move |l| {
            if let (Some((_, Some(false))), Some(i)) = (l, field.cast::<HtmlInputElement>()) {
                let _ = i.focus();
                i.select();
            }
        });
    }

    let copy_link = {
        let (latest, link) = (p.latest.clone(), link.clone());
        Callback::from(move |_: MouseEvent| {
            let url = share_url(&latest.get());
            link.set(Some((url.clone(), None)));
            let link = link.clone();
            io::copy(
                &url.clone(),
                Callback::from(move |ok| link.set(Some((url.clone(), Some(ok))))),
            );
        })
    };
    let on_pick = Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        if let Some(f) = input.files().and_then(|l| l.get(0)) {
            read.emit(f);
        }
        input.set_value("");
    });
    let show = |what: Shown| {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| {
            shown.set(if *shown == what { Shown::Nothing } else { what })
        })
    };
    let save = |name: String, mime: &'static str, text: String| {
        Callback::from(move |_: MouseEvent| io::download(&name, mime, &text))
    };
    // Built at click time: serializing the whole trace on every render cost ~4 ms per
    // cursor move while scrubbing.
    let save_trace = {
        let loaded = loaded.clone();
        Callback::from(move |_: MouseEvent| {
            io::download(
                "trace.json",
                "application/json",
                &io::trace_json(&loaded.scenario, &loaded.run),
            )
        })
    };
    let expanded = |what: Shown| if *shown == what { "true" } else { "false" };
    let copy_embed = {
        let (shown, copied, frame, latest) = (
            shown.clone(),
            copied.clone(),
            frame.clone(),
            p.latest.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            shown.set(Shown::Embed);
            let copied = copied.clone();
            io::copy(
                &snippet(&latest.get(), &frame),
                Callback::from(move |ok| copied.set(Some(("embed", ok)))),
            );
        })
    };
    let step_hint = Callback::from(|s: Handle| {
        let step = s.playback.cursor + 1;
        html! { { format!("to this scenario, its faults and step {step}") } }
    });
    let body = match *shown {
        Shown::Nothing => html! {},
        Shown::Embed => {
            let (frame, copied) = (frame.clone(), copied.clone());
            let render = Callback::from(move |s: Handle| {
                let step = s.playback.cursor + 1;
                let file = ("crashcourse-embed.html".to_string(), "text/html");
                let text = snippet(&s, &frame);
                export_out(
                    "embed",
                    file,
                    text,
                    html! { <>{ host_note() }{ frame_form(&frame, step) }</> },
                    &copied,
                )
            });
            html! { <Live {render} /> }
        }
        Shown::Mermaid => export_out(
            "mermaid",
            ("crashcourse-run.mmd".to_string(), "text/plain"),
            crate::export::mermaid(&loaded.scenario, &loaded.run),
            html! { <p class="hint">{ "A Mermaid sequence diagram of the whole run: paste it into a Markdown slide (Marp, Slidev, reveal.js, GitHub) or mermaid.live." }</p> },
            &copied,
        ),
        Shown::Svg => {
            let copied = copied.clone();
            let render = Callback::from(move |s: Handle| {
                let step = s.playback.cursor + 1;
                let svg = io::svg(&s);
                let file = (format!("crashcourse-step-{step}.svg"), "image/svg+xml");
                let intro = html! {
                    <>
                        <p class="hint">{ format!("The pipeline at step {step} as a 960×540 SVG; it follows the playback.") }</p>
                        <div class="svg-preview" data-testid="svg-preview">{ Html::from_html_unchecked(AttrValue::from(svg.clone())) }</div>
                    </>
                };
                export_out("svg", file, svg, intro, &copied)
            });
            html! { <Live {render} /> }
        }
    };
    let link_view = match &*link {
        None => html! {},
        Some((url, state)) => html! {
            <>
                <label class="field wide">
                    <span>{ "Link to this scenario, its faults and the step it was copied at" }</span>
                    <input type="text" readonly=true value={url.clone()} ref={field} data-testid="share-link"
                        onfocus={Callback::from(|e: FocusEvent| e.target_unchecked_into::<HtmlInputElement>().select())} />
                </label>
                <p class="hint" role="status" data-testid="copy-status">{ match state {
                    None => "Copying…",
                    Some(true) => "✓ Copied to the clipboard. Opening it restores this scenario at this step.",
                    Some(false) => "The browser refused the clipboard: the link is selected above, press Ctrl+C (⌘C on a Mac).",
                } }</p>
            </>
        },
    };
    html! {
        <section class="export card" aria-labelledby="export-title">
            <h2 id="export-title">{ "Share and export" }</h2>
            <div class="form-actions">
                <button class="btn btn-primary" onclick={copy_link} data-testid="copy-link">{ "Copy link" }</button>
                <span class="hint"><Live render={step_hint} /></span>
            </div>
            { link_view }
            <div class="form-actions">
                <button class={classes!("btn", (*shown == Shown::Embed).then_some("on"))} onclick={copy_embed}
                    aria-expanded={expanded(Shown::Embed)} data-testid="copy-embed">{ "Copy embed code" }</button>
                <span class="hint">{ "an <iframe> for a course page or slide, opening at this step" }</span>
            </div>
            if *shown == Shown::Embed { { body.clone() } }
            <h3>{ "Files" }</h3>
            <div class="form-actions">
                if !locked {
                    <label class="btn file-btn">{ "Import JSON…" }
                        <input type="file" class="sr-only" accept=".json,.jsonl,.ndjson,application/json"
                            onchange={on_pick} data-testid="import-file" />
                    </label>
                }
                <button class="btn" onclick={save("scenario.json".into(), "application/json", io::scenario_json(&loaded.scenario))}
                    data-testid="export-scenario">{ "⤓ scenario.json" }</button>
                <button class="btn" onclick={save_trace}
                    data-testid="export-trace">{ "⤓ trace.json" }</button>
            </div>
            if !locked {
                <p class="hint">{ "Import a scenario (spec format) or a trace (trace.json, or the lines of " }
                    <code>{ "crashcourse run --trace" }</code>{ "), or drop the file anywhere on the page." }</p>
            }
            <h3>{ "For slides" }</h3>
            <div class="form-actions">
                <button class={classes!("btn", (*shown == Shown::Mermaid).then_some("on"))} onclick={show(Shown::Mermaid)}
                    aria-expanded={expanded(Shown::Mermaid)} data-testid="export-mermaid">{ "Mermaid diagram" }</button>
                <button class={classes!("btn", (*shown == Shown::Svg).then_some("on"))} onclick={show(Shown::Svg)}
                    aria-expanded={expanded(Shown::Svg)} data-testid="export-svg">{ "SVG snapshot" }</button>
            </div>
            if matches!(*shown, Shown::Mermaid | Shown::Svg) { { body } }
        </section>
    }
}

/// On a page no web server serves, how to get an address a frame can load.
fn host_note() -> Html {
    if hosted_url().is_some() {
        return html! {};
    }
    html! {
        <p class="hint" role="note" data-testid="embed-host-note">
            { HOST_NOTE }
        </p>
    }
}

/// The embed code's choices: what the frame shows, lock, autoplay and (for the whole app)
/// panels to hide. Each change rewrites the code below it; Copy copies it again.
fn frame_form(frame: &UseStateHandle<Frame>, step: usize) -> Html {
    let (view, lock, autoplay, hide) = (**frame).clone();
    let pick = |v: FrameView| {
        let frame = frame.clone();
        Callback::from(move |_: Event| {
            let mut f = (*frame).clone();
            f.0 = v;
            frame.set(f);
        })
    };
    let flip = |which: u8| {
        let frame = frame.clone();
        Callback::from(move |_: Event| {
            let mut f = (*frame).clone();
            match which {
                0 => f.1 = !f.1,
                _ => f.2 = !f.2,
            }
            frame.set(f);
        })
    };
    let flip_panel = |panel: &'static str| {
        let frame = frame.clone();
        Callback::from(move |_: Event| {
            let mut f = (*frame).clone();
            match f.3.iter().position(|p| *p == panel) {
                Some(i) => {
                    f.3.remove(i);
                }
                None => f.3.push(panel),
            }
            frame.set(f);
        })
    };
    let radio = |v: FrameView, label: &str, id: &str| {
        html! {
            <label class="check">
                <input type="radio" name="frame-view" checked={view == v} onchange={pick(v)}
                    data-testid={format!("embed-view-{id}")} />
                { label.to_string() }
            </label>
        }
    };
    html! {
        <>
            <p class="hint">{ format!("Paste it into a course page, an LMS or a slide (reveal.js, Slidev): the frame opens this scenario and its faults at step {step}, laid out for 800×450.") }</p>
            <fieldset class="embed-choices">
                <legend>{ "The frame shows" }</legend>
                { radio(FrameView::Simulator, "the simulator (stage, timeline, narration)", "simulator") }
                { radio(FrameView::Presenter, "the presenter's stage (large, for slides)", "presenter") }
                { radio(FrameView::FullApp, "the whole app", "full") }
            </fieldset>
            <fieldset class="embed-choices">
                <legend>{ "Options" }</legend>
                <label class="check">
                    <input type="checkbox" checked={lock} onchange={flip(0)} data-testid="embed-lock" />
                    { "lock: viewers cannot change the scenario or add faults" }
                </label>
                <label class="check">
                    <input type="checkbox" checked={autoplay} onchange={flip(1)} data-testid="embed-autoplay" />
                    { "autoplay" }
                </label>
            </fieldset>
            if view == FrameView::FullApp {
                <fieldset class="embed-choices">
                    <legend>{ "Hide panels" }</legend>
                    { for embed::PANELS.iter().map(|p| html! {
                        <label class="check">
                            <input type="checkbox" checked={hide.contains(p)} onchange={flip_panel(p)}
                                data-testid={format!("embed-hide-{p}")} />
                            { *p }
                        </label>
                    }) }
                </fieldset>
            }
        </>
    }
}
