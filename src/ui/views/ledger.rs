//! Record ledger: every record, how many copies each reader sees, and where each copy came
//! from (its provenance, from the trace's Row changes).

use yew::prelude::*;

use super::super::engine::outcome::{Outcome, ReaderView};
use super::super::engine::scenario::record_id;
use super::super::engine::Scenario;
use super::{chip, plural, status_class, status_words, unit_words, Dispatch};
use crate::state::playback::{record_index, window, PlayAction, Playback, View, SHOWN};
use crate::state::session::Act;

/// The final verdict for record i under the primary reader: (css class, icon, words).
pub fn verdict(o: &Outcome, i: usize) -> (&'static str, &'static str, String) {
    let c = o.visible.get(i);
    if o.missing.0.contains(&i) || c == 0 {
        if o.before_start.0.contains(&i) {
            (
                "v-excluded",
                "⤼",
                "not read: before the start position".into(),
            )
        } else if o.dropped_late.0.contains(&i) {
            ("v-excluded", "⤼", "dropped as late by the watermark".into())
        } else {
            ("v-missing", "✕", "missing".into())
        }
    } else if c >= 2 {
        ("v-dup", "❐", format!("duplicated ×{c}"))
    } else {
        ("v-ok", "✓", "once".into())
    }
}

fn reader_cell(r: &ReaderView, i: usize) -> Html {
    let c = r.visible.get(i);
    let (cls, icon) = match c {
        0 => ("v-missing", "✕"),
        1 => ("v-ok", "✓"),
        _ => ("v-dup", "❐"),
    };
    html! { <td class={classes!("num", cls)}><span aria-hidden="true">{ icon }</span>{ format!(" {c}") }</td> }
}

fn dots(c: u64) -> Html {
    let shown = c.min(4) as usize;
    let dots: String = "●".repeat(shown);
    html! {
        <span class="dots" aria-label={plural(c as usize, "copy").replace("copys", "copies")}>
            <span aria-hidden="true">{ dots }{ if c > 4 { "+" } else { "" } }</span>
            <span class="dots-n">{ c }</span>
        </span>
    }
}

/// The records at the cursor; `selected` shows the provenance of one.
pub fn ledger(pb: &Playback, selected: Option<usize>, d: &Dispatch) -> Html {
    crate::ui::count_render("ledger");
    let o = &pb.run.outcome;
    let n = pb.scenario.workload.records as usize;
    let view = pb.view();
    let now = view.counts(n);
    let primary = o.primary_reader.clone();
    let others: Vec<(&String, &ReaderView)> =
        o.readers.iter().filter(|(k, _)| **k != primary).collect();
    let at_end = pb.at_end();

    let head_others: Html = others
        .iter()
        .map(|(name, _)| html! { <th scope="col" class="num" title={format!("Copies the reader “{name}” sees at the end")}>{ name.replace('_', " ") }</th> })
        .collect();

    // One memoised component per record: a step re-renders only the rows it changes.
    let touched: Vec<usize> = pb
        .event()
        .map(|e| e.records.iter().filter_map(|r| record_index(r)).collect())
        .unwrap_or_default();
    // A long workload draws a window of records: the selected one, else those of this
    // step (or of the last step that touched records).
    let anchor = selected.or_else(|| {
        pb.run
            .trace
            .iter()
            .take(pb.cursor + 1)
            .rev()
            .find_map(|e| e.records.first())
            .and_then(|r| record_index(r))
    });
    let shown = window(n, anchor.unwrap_or(0), SHOWN, 8);
    let rows: Html = shown
        .clone()
        .map(|i| {
            let id = record_id(i);
            let (vcls, icon, words) = verdict(o, i);
            let selected = selected == Some(i);
            let onclick = {
                let d = d.clone();
                Callback::from(move |_: MouseEvent| {
                    d.dispatch(Act::Select(if selected { None } else { Some(i) }))
                })
            };
            let touched = touched.contains(&i);
            let other_cells: Html = others.iter().map(|(_, r)| reader_cell(r, i)).collect();
            html! {
                <tr data-testid="ledger-row" class={classes!(vcls, selected.then_some("is-selected"), touched.then_some("is-touched"))}>
                    <th scope="row">
                        <button class="rec-btn" {onclick} aria-expanded={if selected { "true" } else { "false" }}
                            aria-controls="provenance" title={format!("Where did the copies of {id} come from?")}>
                            { chip(&id, if touched { "is-hot" } else { "" }) }
                        </button>
                    </th>
                    <td class="num now">{ dots(now[i]) }</td>
                    <td class="num">{ o.visible.get(i) }</td>
                    <td class={classes!("verdict-cell", vcls)} data-testid="ledger-verdict">
                        <span class="v-icon" aria-hidden="true">{ icon }</span>{ " " }{ words }
                    </td>
                    { other_cells }
                </tr>
            }
        })
        .collect();

    let provenance = selected
        .filter(|i| *i < n)
        .map(|i| provenance(&pb.scenario, d, &pb.view_at(pb.last()), &view, i))
        .unwrap_or_default();

    html! {
        <section class="ledger card" aria-labelledby="ledger-title">
            <h2 id="ledger-title">{ "Records" }</h2>
            <p class="hint">
                { "What the reader " }<b>{ primary.replace('_', " ") }</b>{ " sees: copies " }
                <b>{ "now" }</b>{ if at_end { " (end of the run)" } else { " (at this step)" } }
                { " and at the " }<b>{ "end" }</b>{ ". Click a record to see where each copy came from." }
            </p>
            if shown.len() < n {
                <p class="box-more">{ format!("Records r{}–r{} of {n}, around this step (the header counts them all).", shown.start, shown.end - 1) }</p>
            }
            <div class="table-wrap">
                <table data-testid="ledger">
                    <thead>
                        <tr>
                            <th scope="col">{ "record" }</th>
                            <th scope="col" class="num">{ "now" }</th>
                            <th scope="col" class="num">{ "end" }</th>
                            <th scope="col">{ "verdict" }</th>
                            { head_others }
                        </tr>
                    </thead>
                    <tbody>{ rows }</tbody>
                </table>
            </div>
            { provenance }
        </section>
    }
}

fn provenance(sc: &Scenario, d: &Dispatch, end: &View, now: &View, i: usize) -> Html {
    let id = record_id(i);
    let copies = end.copies_of(i);
    let close = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Act::Select(None)))
    };
    let items: Html = copies
        .iter()
        .map(|r| {
            let written = r.event < now.events;
            let status_now = now.rows.get(&r.row).map(|x| x.status);
            let (icon, word) = status_words(status_now.unwrap_or(r.status));
            let (eicon, eword) = status_words(r.status);
            let goto = {
                let d = d.clone();
                let ev = r.event;
                Callback::from(move |_: MouseEvent| d.dispatch(Act::Play(PlayAction::Seek(ev))))
            };
            let mut who = format!("instance {}", r.instance);
            if r.zombie {
                who.push_str(" (zombie)");
            }
            let batch = unit_words(sc, r.batch, r.attempt)
                .unwrap_or_else(|| format!("no {}", sc.engine.unit()));
            html! {
                <li class={classes!("copy", status_class(r.status), (!written).then_some("is-future"))}>
                    <span class="copy-main">
                        <b>{ format!("row {}", r.row) }</b>{ format!(" · {batch} · {who} · position {} · in ", r.position) }
                        <code>{ &r.place }</code>
                    </span>
                    <span class="copy-status">
                        if written {
                            <span class={status_class(status_now.unwrap_or(r.status))}>{ format!("{icon} {word} now") }</span>
                            { " · " }
                        } else {
                            <span class="later">{ "not written yet" }</span>{ " · " }
                        }
                        <span class={status_class(r.status)}>{ format!("{eicon} {eword} at the end") }</span>
                    </span>
                    <button class="link-btn" onclick={goto}>{ format!("go to step {}", r.event + 1) }</button>
                </li>
            }
        })
        .collect();
    let counted = copies
        .iter()
        .filter(|r| r.counted(end.table_resets))
        .count();
    html! {
        <div id="provenance" class="provenance" aria-live="polite">
            <div class="prov-head">
                <h3>{ chip(&id, "") }{ format!(" — {} written, {} seen by the reader at the end", plural(copies.len(), "row"), counted) }</h3>
                <button class="icon-btn" onclick={close} aria-label="Close the provenance">{ "✕" }</button>
            </div>
            if copies.is_empty() {
                <p>{ format!("No sink row of {id} was ever written.") }</p>
            } else {
                <ul class="copies">{ items }</ul>
            }
        </div>
    }
}
