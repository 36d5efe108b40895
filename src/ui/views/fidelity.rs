//! The mark "✓ Checked against real Spark 4.3" on a scenario that the fidelity suite ran
//! (same configuration and faults), and, when opened, the real run beside the engine's:
//! each reader's lost and duplicated records, restarts, the durable progress, how the
//! real run stood in for the scenario and its log. The report (`fidelity.json`) is
//! fetched when the first mark mounts; a scenario no check ran shows nothing.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::Scenario;
use crate::fidelity::{self, Check};
use crate::ui::content::{use_resource, FidelityReport, Status};

#[derive(Properties, PartialEq)]
pub struct MarkProps {
    pub scenario: Rc<Scenario>,
    /// Show the real result when opened (false before a lesson's or question's answer,
    /// which the real result would give away).
    #[prop_or(true)]
    pub reveal: bool,
}

#[function_component(FidelityMark)]
pub fn fidelity_mark(p: &MarkProps) -> Html {
    let status = use_resource::<FidelityReport>(NodeRef::default(), false);
    let checks = match (status, fidelity::get()) {
        (Status::Ready, Some(c)) => c,
        _ => return html! {},
    };
    let Some(check) = checks.find(&p.scenario) else {
        return html! {};
    };
    let system = checks.system_label(check.system);
    let (class, label) = if check.agrees {
        ("fid", format!("✓ Checked against real {system}"))
    } else {
        ("fid fid-differs", format!("≠ Real {system} differs"))
    };
    // A native disclosure: a button with its expanded state for keyboards and screen readers.
    html! {
        <details {class}>
            <summary class="fid-mark" title="The fidelity suite ran this scenario on the real system"
                data-testid="fidelity-mark">{ label }</summary>
            { panel(checks, check, &system, p.reveal) }
        </details>
    }
}

fn panel(checks: &fidelity::Checks, c: &Check, system: &str, reveal: bool) -> Html {
    let date = checks.generated_at.split('T').next().unwrap_or("");
    let verdict = if c.agrees {
        "It agreed with the engine on every reader, the restarts and the durable progress."
    } else {
        "It did not agree with the engine: the differences are marked ≠."
    };
    html! {
        <section class="fid-panel card" aria-label={format!("The real {system} run")} data-testid="fidelity-panel">
            <p>
                { format!("This scenario, with these faults, ran on real {system} with a real process death at each fault's step (the fidelity suite, {date}: ") }
                <code>{ c.file }</code>{ "). " }
                if reveal { { verdict } }
            </p>
            if reveal {
                { table(c, system) }
                if !c.differences.is_empty() {
                    <ul class="fid-diffs">{ for c.differences.iter().map(|d| html! { <li>{ *d }</li> }) }</ul>
                }
                <div class="fid-how">
                    <div>
                        <h4>{ "How it ran (the suite's notes)" }</h4>
                        <ul>{ for c.how.iter().map(|n| html! { <li>{ *n }</li> }) }</ul>
                    </div>
                    <div>
                        <h4>{ format!("The real {system} log") }</h4>
                        <pre class="fid-log" tabindex="0">{ c.log.join("\n") }</pre>
                    </div>
                </div>
            } else {
                <p class="hint">{ "The real run's result shows once you have answered." }</p>
            }
        </section>
    }
}

/// The engine's prediction and the real result, row by row; a row present in only one
/// of them shows a dash on the other side.
fn table(c: &Check, system: &str) -> Html {
    let (engine, real) = (&c.engine, &c.real);
    // (what, engine, real, compared)
    let mut rows: Vec<(String, String, String, bool)> = Vec::new();
    for r in real.readers {
        let e = engine.readers.iter().find(|x| x.name == r.name);
        let name = r.name.replace('_', " ");
        let lost = |x: &fidelity::Reader| list(x.missing.iter().map(|s| s.to_string()));
        let dup =
            |x: &fidelity::Reader| list(x.duplicated.iter().map(|(id, n)| format!("{id} ×{n}")));
        rows.push((
            format!("{name}: lost"),
            e.map_or(dash(), lost),
            lost(r),
            true,
        ));
        rows.push((
            format!("{name}: duplicated"),
            e.map_or(dash(), dup),
            dup(r),
            true,
        ));
    }
    rows.push((
        "restarts".into(),
        engine.restarts.to_string(),
        real.restarts.to_string(),
        true,
    ));
    for (what, v) in real.progress {
        let e = engine.progress.iter().find(|(w, _)| w == what);
        let what = if c.progress_compared {
            what.to_string()
        } else {
            format!("{what} (not compared)")
        };
        let e = e.map_or(dash(), |(_, v)| v.clone());
        rows.push((what, e, v.clone(), c.progress_compared));
    }
    html! {
        <table class="fid-table">
            <thead><tr>
                <th scope="col">{ "" }</th>
                <th scope="col">{ "crashcourse engine" }</th>
                <th scope="col">{ format!("real {system}") }</th>
            </tr></thead>
            <tbody>
                { for rows.into_iter().map(|(what, e, r, compared)| {
                    let differs = compared && e != r;
                    html! {
                        <tr class={classes!(differs.then_some("fid-differs"))}>
                            <th scope="row">{ what }</th>
                            <td>{ e }</td>
                            <td>if differs { <span aria-label="differs">{ "≠ " }</span> }{ r }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

fn dash() -> String {
    "—".into()
}

fn list(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
