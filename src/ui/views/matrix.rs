//! Crash matrix: the engine's explorer on the current scenario. A grid of "crash right
//! after this step of this batch attempt" with what each costs, and the explorer's
//! summary of every other fault placement. Computed on demand; a click applies that run.

use std::rc::Rc;

use yew::prelude::*;

use super::super::engine::Matrix as EngineMatrix;
use super::super::session::{crash_cells, Act};
use super::{step_letter, step_words, unit_words, Props};

#[function_component(Matrix)]
pub fn matrix(p: &Props) -> Html {
    let s = &p.s;
    let open = use_state(|| false);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let matrix: Rc<Option<EngineMatrix>> = {
        let session = (**s).clone();
        let key = (Rc::as_ptr(&s.playback.run) as usize, *open);
        use_memo(key, move |&(_, open)| open.then(|| session.explore()))
    };
    let body = match matrix.as_ref() {
        None => html! {},
        Some(m) => grid(s, m),
    };
    html! {
        <section class="matrix card" aria-labelledby="matrix-title">
            <h2 id="matrix-title">{ "Crash matrix" }</h2>
            <p class="hint">{ "What if the process crashed right after each step? The engine runs every placement of every fault this scenario allows, on top of its current faults. Click a cell to add that crash." }</p>
            <button class="btn" onclick={toggle} aria-expanded={if *open { "true" } else { "false" }} data-testid="matrix-toggle">
                { if *open { "Hide the crash matrix" } else { "Show the crash matrix" } }
            </button>
            { body }
        </section>
    }
}

fn grid(s: &super::Handle, m: &EngineMatrix) -> Html {
    let scenario = s.scenario();
    let cells = crash_cells(scenario, m);
    let steps = scenario.steps();
    let mut rows: Vec<(u64, u32)> = Vec::new();
    for c in &cells {
        if !rows.contains(&(c.batch, c.attempt)) {
            rows.push((c.batch, c.attempt));
        }
    }
    let apply = |run: usize| {
        let s = s.clone();
        let r = &m.runs[run];
        let (faults, label) = (r.faults.clone(), r.label.clone());
        Callback::from(move |_: MouseEvent| {
            s.dispatch(Act::SetFaults(faults.clone(), label.clone()))
        })
    };
    let head: Html = steps
        .iter()
        .map(|st| html! { <th scope="col"><abbr title={step_words(*st)}>{ step_letter(*st) }</abbr></th> })
        .collect();
    let body: Html = rows
        .iter()
        .map(|&(b, a)| {
            let tds: Html = steps
                .iter()
                .map(|st| match cells.iter().find(|c| c.batch == b && c.attempt == a && c.step == *st) {
                    None => html! { <td class="mx-none"><span class="sr-only">{ "not reached" }</span></td> },
                    Some(c) => {
                        let (cls, text, words) = match (c.missing, c.duplicated) {
                            (0, 0) => ("mx-ok", "✓".to_string(), "no loss, no duplicate".to_string()),
                            (m, 0) => ("mx-missing", format!("✕{m}"), format!("{m} missing")),
                            (0, d) => ("mx-dup", format!("❐{d}"), format!("{d} duplicated")),
                            (m, d) => ("mx-both", format!("✕{m}❐{d}"), format!("{m} missing, {d} duplicated")),
                        };
                        let label = format!("Crash after {} of batch {b} attempt {a}: {words}", step_words(*st));
                        html! {
                            <td class={cls}>
                                <button class="mx-btn" onclick={apply(c.run)} aria-label={label.clone()} title={label}>{ text }</button>
                            </td>
                        }
                    }
                })
                .collect();
            let name = unit_words(scenario, Some(b), (a != 1).then_some(a)).unwrap_or_default();
            html! { <tr><th scope="row">{ name }</th>{ tds }</tr> }
        })
        .collect();
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
            let first = g.runs.first().copied();
            html! {
                <li class={cls}>
                    { &g.text }
                    if let Some(r) = first {
                        { " " }<button class="link-btn" onclick={apply(r)}>{ format!("try: {}", m.runs[r].label) }</button>
                    }
                </li>
            }
        })
        .collect();
    html! {
        <>
            if rows.is_empty() {
                <p class="muted">{ "No step of this run can take another crash." }</p>
            } else {
                <div class="table-wrap">
                    <table class="mx" data-testid="matrix">
                        <thead><tr><th scope="col">{ "crash after" }</th>{ head }</tr></thead>
                        <tbody>{ body }</tbody>
                    </table>
                </div>
                <p class="box-legend"><span class="lg mx-ok">{ "✓ clean" }</span><span class="lg mx-dup">{ "❐ duplicated records" }</span><span class="lg mx-missing">{ "✕ missing records" }</span></p>
            }
            <details class="mx-all">
                <summary>{ format!("Every fault placement, grouped by effect ({} runs)", m.runs.len()) }</summary>
                <ul class="mx-summary">{ summary }</ul>
            </details>
        </>
    }
}
