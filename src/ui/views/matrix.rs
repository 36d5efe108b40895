//! The crash matrix, the class overview (its own tab, "Crash matrix"): the engine's
//! explorer on the *clean* pipeline, the current scenario without its faults. Each cell is
//! one of the explorer's runs, that pipeline plus a crash right after one step of one batch
//! attempt, labelled with what it does to the records ("ok", "dup r2 r3", "lost r2 r3") in
//! words, an icon and a colour. A click replaces the faults with that crash
//! ([`Act::MatrixPick`]) and shows the simulator, paused on the crash; the pick bar
//! ([`pick_bar`]) says what was picked and undoes it.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::super::engine::outcome::Outcome;
use super::super::engine::{self, Matrix as EngineMatrix, Scenario};
use super::{plural, step_letter, step_words, unit_words, Dispatch, Loaded};
use crate::state::session::{crash_cells, describe_fault, effect_words, Act, Effect};

thread_local! {
    /// The last clean pipeline explored and its matrix: coming back to the tab after a
    /// pick (the clean pipeline is unchanged) costs nothing.
    static LAST: RefCell<Option<(Scenario, Rc<EngineMatrix>)>> = const { RefCell::new(None) };
}

/// The explorer's matrix of `clean`, from the cache if it is the last one asked for.
fn matrix_of(clean: Scenario) -> Rc<EngineMatrix> {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((s, m)) if *s == clean => m.clone(),
            _ => {
                let m = Rc::new(engine::explore(&clean, engine::ExploreOptions::default()));
                *last = Some((clean, m.clone()));
                m
            }
        }
    })
}

/// The colour class of an effect (also the legend's and the pick bar's).
fn cell_class(e: Effect) -> &'static str {
    match e {
        Effect::Ok => "cm-ok",
        Effect::Dup => "cm-dup",
        Effect::Lost => "cm-lost",
        Effect::Both => "cm-both",
    }
}

/// A fault list in words: "crash after sink_write of batch 2", or "no fault".
fn faults_words(faults: &[engine::Fault]) -> String {
    if faults.is_empty() {
        "no fault".into()
    } else {
        faults
            .iter()
            .map(describe_fault)
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// The crash matrix page; `on_pick` shows the simulator after a cell was picked. (A plain
/// function, not a component: it has no state of its own, and every component type costs
/// wasm.)
pub fn crash_matrix(loaded: &Loaded, d: &Dispatch, on_pick: &Callback<()>) -> Html {
    let clean = loaded.clean_scenario();
    let m = matrix_of(clean.clone());
    let cells = crash_cells(&clean, &m);
    let current = &loaded.scenario.faults;

    // One handler for every cell and "try" button: `data-run` is the index of its run.
    let onclick = {
        let (d, m, on_pick) = (d.clone(), m.clone(), on_pick.clone());
        Callback::from(move |e: MouseEvent| {
            let run = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest("[data-run]").ok().flatten())
                .and_then(|t| t.get_attribute("data-run"))
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| m.runs.get(i));
            if let Some(r) = run {
                d.dispatch(Act::MatrixPick(r.faults.clone(), faults_words(&r.faults)));
                on_pick.emit(());
            }
        })
    };

    // Rows: batch attempts in the order the clean run reaches them; columns: the steps
    // that can take a crash, in the pipeline's order.
    let mut rows: Vec<(u64, u32)> = Vec::new();
    for c in &cells {
        if !rows.contains(&(c.batch, c.attempt)) {
            rows.push((c.batch, c.attempt));
        }
    }
    let steps: Vec<_> = clean
        .steps()
        .into_iter()
        .filter(|st| cells.iter().any(|c| c.step == *st))
        .collect();
    let head: Html = steps
        .iter()
        .map(|st| {
            html! {
                <th scope="col">
                    <span class="cm-letter" aria-hidden="true">{ step_letter(*st) }</span>
                    { format!("after {}", step_words(*st)) }
                </th>
            }
        })
        .collect();
    let body: Html = rows
        .iter()
        .map(|&(b, a)| {
            let tds: Html = steps
                .iter()
                .map(|st| match cells.iter().find(|c| c.batch == b && c.attempt == a && c.step == *st) {
                    None => html! { <td class="cm-none">{ "—" }<span class="sr-only">{ "not reached" }</span></td> },
                    Some(c) => {
                        let effect = c.effect();
                        let words = c.words();
                        let now = m.runs[c.run].faults == *current;
                        let unit = unit_words(&clean, Some(b), (a != 1).then_some(a)).unwrap_or_default();
                        let label = format!(
                            "Crash after {} of {unit}: {words}. {}",
                            step_words(*st),
                            if now { "In the simulator now." } else { "Show this run in the simulator." }
                        );
                        html! {
                            <td class={cell_class(effect)}>
                                <button class="cm-btn" data-run={c.run.to_string()} data-testid="matrix-cell"
                                    data-effect={effect.name()} aria-label={label}
                                    aria-current={now.then_some("true")}>
                                    <span class="cm-icon" aria-hidden="true">{ effect.icon() }</span>
                                    <span class="cm-words">{ words }</span>
                                    if now { <span class="cm-now" aria-hidden="true">{ "▶ in the simulator" }</span> }
                                </button>
                            </td>
                        }
                    }
                })
                .collect();
            let name = unit_words(&clean, Some(b), (a != 1).then_some(a)).unwrap_or_default();
            html! { <tr><th scope="row">{ name }</th>{ tds }</tr> }
        })
        .collect();

    // How many cells of each effect: the legend, with the colours and icons of the cells.
    let counts: Html = [Effect::Ok, Effect::Dup, Effect::Lost, Effect::Both]
        .into_iter()
        .map(|e| (e, cells.iter().filter(|c| c.effect() == e).count()))
        .filter(|&(e, n)| n > 0 || e != Effect::Both)
        .map(|(e, n)| {
            let word = match e {
                Effect::Ok => "ok: every record once",
                Effect::Dup => "dup: records written twice",
                Effect::Lost => "lost: records never written",
                Effect::Both => "lost and dup",
            };
            html! {
                <li class={cell_class(e)} data-zero={(n == 0).then_some("1")}>
                    <span aria-hidden="true">{ e.icon() }</span>{ format!(" {n} {word}") }
                </li>
            }
        })
        .collect();

    let base = &m.runs[0].outcome;
    let no_crash = effect_words(&base.missing.0, &base.duplicated.0);
    let own = (!current.is_empty()).then(|| {
        html! {
            <p class="cm-own">
                { format!("This scenario's own {} ({}) {} left out here: each cell is the clean pipeline plus its one crash. ",
                    if current.len() == 1 { "fault" } else { "faults" },
                    faults_words(current),
                    if current.len() == 1 { "is" } else { "are" }) }
            </p>
        }
    });
    let summary: Html = m
        .summary
        .iter()
        .map(|g| {
            let cls = match g.effect.as_str() {
                "ok" => "mx-ok",
                "lost" => "mx-missing",
                "duplicated" => "mx-dup",
                _ => "mx-both",
            };
            html! {
                <li class={cls}>
                    { &g.text }
                    if let Some(r) = g.runs.first() {
                        { " " }<button class="link-btn" data-run={r.to_string()}>{ format!("try: {}", m.runs[*r].label) }</button>
                    }
                </li>
            }
        })
        .collect();

    html! {
        <section class="cm" aria-labelledby="cm-title" data-testid="matrix" {onclick}>
            <div class="cm-head">
                <h2 id="cm-title">{ "Crash matrix: one crash, at every step" }</h2>
                <p class="cm-lead">
                    { "Each cell is a run of this pipeline with a single crash right after that step. Click a cell to watch its run in the simulator, paused at the crash." }
                </p>
                { own }
                <p class="cm-base" data-testid="matrix-base">
                    { "Without a crash: " }<strong>{ no_crash }</strong>{ format!(". The {}:", plural(cells.len(), "crash point")) }
                </p>
                <ul class="cm-keys">{ counts }</ul>
            </div>
            if rows.is_empty() {
                <p class="muted">{ "No step of this pipeline can take a crash." }</p>
            } else {
                <div class="cm-wrap">
                    <table class="cm-table">
                        <thead><tr><th scope="col" class="cm-corner">{ "crash in" }</th>{ head }</tr></thead>
                        <tbody>{ body }</tbody>
                    </table>
                </div>
            }
            <details class="mx-all">
                <summary>{ format!("Every fault the engine can place here, grouped by effect ({})", plural(m.runs.len(), "run")) }</summary>
                <ul class="mx-summary">{ summary }</ul>
            </details>
        </section>
    }
}

/// The crash matrix's pick, while it is what the simulator runs: what it is, what it does,
/// an undo and the way back to the matrix (in the mode bar, so it takes no room).
/// `label` is [`crate::state::session::Session::matrix_pick`], `o` the outcome of its run.
pub fn pick_bar(
    label: Option<&str>,
    o: &Outcome,
    d: &Dispatch,
    back: &Callback<()>,
) -> Option<Html> {
    let label = label?.to_string();
    let effect = Effect::of(&o.missing.0, &o.duplicated.0);
    let undo = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Act::Undo))
    };
    let back = back.reform(|_: MouseEvent| ());
    Some(html! {
        <div class="cm-pick" role="status" data-testid="matrix-pick">
            <span class="cm-pick-what" title={format!("Picked in the crash matrix: {label}")}>
                <span aria-hidden="true">{ "▦ " }</span><span class="sr-only">{ "Picked in the crash matrix: " }</span>
                <strong>{ label }</strong>
            </span>
            <span class={cell_class(effect)}>
                <span aria-hidden="true">{ effect.icon() }</span>{ " " }{ effect_words(&o.missing.0, &o.duplicated.0) }
            </span>
            <button class="btn" onclick={undo} data-testid="matrix-undo" title="Undo (Ctrl+Z): back to the faults before">{ "↶ Undo" }</button>
            <button class="btn btn-quiet" onclick={back} data-testid="matrix-back">{ "Back to the matrix" }</button>
        </div>
    })
}

/// The workbench's pointer to the crash matrix tab.
pub fn matrix_card(on_open: &Callback<()>) -> Html {
    let open = on_open.reform(|_: MouseEvent| ());
    html! {
        <section class="matrix card" aria-labelledby="matrix-title">
            <h2 id="matrix-title">{ "Crash matrix" }</h2>
            <p class="hint">{ "What would one crash do, right after each step of each batch? The engine runs them all on this pipeline without its faults; click a cell to watch that run." }</p>
            <button class="btn" onclick={open} data-testid="matrix-open">{ "Open the crash matrix" }</button>
        </section>
    }
}
