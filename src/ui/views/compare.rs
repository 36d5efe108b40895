//! Compare: the current scenario's workload and faults under 2–3 configurations, side by
//! side on one synchronized cursor. The engine runs and aligns them
//! ([`engine::compare`](super::super::engine::compare)); this view only plays the result.

use std::rc::Rc;

use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::super::engine::scenario::{
    record_id, CommitMode, Engine, FbTransaction, Isolation, Sink, Source, Step,
};
use super::super::engine::{compare, Config, Fault, Run, Scenario};
use super::header::guarantee_class;
use super::{batch_words, chip, event_glyph, kind_words, LoadedProps};
use crate::state::notes::guarantee_label;
use crate::state::playback::{interval_ms, is_fault, window, Playback, DEFAULT_SPEED, SHOWN};
use crate::state::session::describe_fault;

/// A configuration worth comparing: a name a learner recognises, and the configuration.
fn catalog() -> Vec<(&'static str, Config)> {
    let log = || Source::Log {
        starting_position: None,
    };
    let consumer = |m| Engine::Consumer {
        commit_mode: Some(m),
        auto_commit_every: None,
    };
    let kafka_txn = || Sink::Kafka {
        idempotence: None,
        transactions: Some(true),
        isolation: Some(Isolation::ReadCommitted),
        transaction_timeout: None,
    };
    let c = |engine, sink| Config {
        source: log(),
        engine,
        dedup: None,
        sink,
    };
    let spark = |sink| c(Engine::MicroBatch, sink);
    vec![
        (
            "Commit, then write",
            c(consumer(CommitMode::Before), Sink::Append),
        ),
        (
            "Write, then commit",
            c(consumer(CommitMode::After), Sink::Append),
        ),
        (
            "Kafka transaction (offsets in the transaction)",
            c(consumer(CommitMode::Transaction), kafka_txn()),
        ),
        ("Spark → plain INSERT", spark(Sink::Append)),
        (
            "Spark → upsert on the record id",
            spark(Sink::Upsert { key: None }),
        ),
        (
            "Spark → foreachBatch, data + batchId in one transaction",
            spark(Sink::ForeachBatch {
                control_table: None,
                transaction: Some(FbTransaction::Same),
                order: None,
            }),
        ),
        ("Spark → file sink", spark(Sink::File)),
        (
            "Spark → Delta table",
            spark(Sink::Delta { txn_app_id: None }),
        ),
        ("Spark → console", spark(Sink::Console)),
        (
            "Flink → Kafka, two-phase commit",
            c(Engine::Flink, kafka_txn()),
        ),
    ]
}

/// Quick choices: a title and catalog entries. The last choice is "this scenario vs …".
const CHOICES: [(&str, &[usize]); 4] = [
    ("The three guarantees", &[0, 1, 2]),
    ("INSERT · upsert · foreachBatch", &[3, 4, 5]),
    ("File · Delta · console", &[6, 7, 8]),
    ("This scenario vs …", &[]),
];
const CUSTOM: usize = CHOICES.len() - 1;

/// The faults a quick choice brings instead of the scenario's own, if any.
///
/// "The three guarantees" needs two crashes: no single one shows all three effects. Committing
/// first loses a batch only to a crash between its source_commit and its sink_write, and
/// writing first duplicates one only to a crash between its sink_write and its
/// source_commit (the engine's runs of every crash of both, one batch at a time, agree).
/// So: a crash after source_commit of batch 1 (commit-then-write loses r2, r3) and one after
/// sink_write of batch 2 (write-then-commit writes r4, r5 twice). The Kafka transaction has
/// no source_commit step (the engine skips that crash and says why) and aborts at the second.
fn own_faults(choice: usize) -> Option<Vec<Fault>> {
    let crash = |batch, after| Fault::Crash {
        batch,
        attempt: 1,
        after,
        downtime: 1,
    };
    (choice == 0).then(|| vec![crash(1, Step::SourceCommit), crash(2, Step::SinkWrite)])
}

/// One column, ready to play.
struct Col {
    title: String,
    /// The column of the scenario's configuration: how to mark it.
    this: Option<&'static str>,
    name: String,
    /// Base faults that do not apply here: (the fault, the engine's reason).
    skipped: Vec<(String, String)>,
    pb: Playback,
}

/// A comparison ready to play: columns, and for each row and column the column's latest
/// event at or before that row and whether it is exactly at that row.
struct Built {
    /// The choice's own faults, in words, when it does not use the scenario's.
    own: Option<String>,
    cols: Vec<Col>,
    at: Vec<Vec<Option<(usize, bool)>>>,
}

fn build(base: &Scenario, choice: usize, picks: (usize, Option<usize>)) -> Built {
    let all = catalog();
    let current = Config::of(base);
    let mut chosen: Vec<(String, Config)> = Vec::new();
    let ids: Vec<usize> = if choice == CUSTOM {
        chosen.push(("This scenario".into(), current.clone()));
        std::iter::once(picks.0).chain(picks.1).collect()
    } else {
        CHOICES[choice].1.to_vec()
    };
    for i in ids {
        if let Some((t, c)) = all.get(i) {
            chosen.push((t.to_string(), c.clone()));
        }
    }
    let configs: Vec<Config> = chosen.iter().map(|(_, c)| c.clone()).collect();
    let own = own_faults(choice);
    let mut base = base.clone();
    if let Some(f) = &own {
        base.faults = f.clone();
    }
    let cmp = compare(&base, &configs);
    let mut last = vec![None; cmp.columns.len()];
    let at = cmp
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(last.iter_mut())
                .map(|(e, l)| {
                    if let Some(i) = e {
                        *l = Some(*i);
                    }
                    l.map(|i| (i, e.is_some()))
                })
                .collect()
        })
        .collect();
    let cols = cmp
        .columns
        .into_iter()
        .zip(chosen)
        .map(|(col, (title, config))| Col {
            this: (config == current).then_some(if own.is_some() {
                "this configuration"
            } else {
                "this scenario"
            }),
            title,
            name: col.name,
            skipped: col
                .skipped_faults
                .iter()
                .zip(col.skipped_why)
                .map(|(&f, why)| {
                    (
                        base.faults.get(f).map(describe_fault).unwrap_or_default(),
                        why,
                    )
                })
                .collect(),
            pb: Playback::new(
                Rc::new(col.scenario),
                Rc::new(Run {
                    trace: col.trace,
                    outcome: col.outcome,
                }),
            ),
        })
        .collect();
    Built {
        own: own.map(|f| {
            f.iter()
                .map(describe_fault)
                .collect::<Vec<_>>()
                .join(" and ")
        }),
        cols,
        at,
    }
}

/// The panel's own state (one `Copy` value: one hook, one setter).
#[derive(Clone, Copy, PartialEq)]
struct St {
    open: bool,
    choice: usize,
    /// "This scenario vs …": the catalog entries picked (the second is optional).
    pick: (usize, Option<usize>),
    /// The shared cursor: a row of the alignment.
    cursor: usize,
    playing: bool,
}

/// The `data-*` attribute `name` of the closest element that has one, from an event.
fn data_of(e: &web_sys::Event, name: &str) -> Option<String> {
    let t = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    t.closest(&format!("[data-{name}]"))
        .ok()??
        .get_attribute(&format!("data-{name}"))
}

#[function_component(Compare)]
pub fn compare_panel(p: &LoadedProps) -> Html {
    crate::ui::count_render("compare");
    let st = use_state(|| St {
        open: false,
        choice: 0,
        pick: (3, None),
        cursor: 0,
        playing: false,
    });
    let v = *st;
    let built: Rc<Option<Built>> = {
        let scenario = p.loaded.scenario.clone();
        let key = (p.loaded.rev, v.open, v.choice, v.pick);
        use_memo(key, move |&(_, open, choice, pick)| {
            open.then(|| build(&scenario, choice, pick))
        })
    };
    let rows = (*built).as_ref().map_or(0, |b| b.at.len());
    let last = rows.saturating_sub(1);
    let at = v.cursor.min(last);

    // Play: one row every interval (1×), stopping at the last row.
    {
        let st = st.clone();
        // Re-armed on every state change, so that the tick never writes back stale state.
        use_effect_with((v, last), move |&(v, last)| {
            let timer = v.playing.then(|| {
                Timeout::new(interval_ms(DEFAULT_SPEED), move || {
                    let cursor = (v.cursor + 1).min(last);
                    st.set(St {
                        cursor,
                        playing: cursor < last,
                        ..v
                    });
                })
            });
            move || drop(timer)
        });
    }
    // Opening the comparison brings it into view (it sits below the workbench fold).
    let panel = use_node_ref();
    {
        let panel = panel.clone();
        use_effect_with(v.open, move |&open| {
            if let Some(el) = panel.cast::<web_sys::Element>().filter(|_| open) {
                el.scroll_into_view();
            }
        });
    }
    // Every button of the panel says what it does in a data attribute: one handler.
    let onclick = {
        let st = st.clone();
        Callback::from(move |e: MouseEvent| {
            let mut n = *st;
            if let Some(to) = data_of(&e, "seek").and_then(|x| x.parse::<usize>().ok()) {
                n.cursor = to.min(last);
                n.playing = false;
            } else if let Some(c) = data_of(&e, "choice").and_then(|x| x.parse().ok()) {
                n.choice = c;
            } else {
                match data_of(&e, "go").as_deref() {
                    Some("open") => n.open = !n.open,
                    Some("play") => {
                        if !n.playing && at >= last {
                            n.cursor = 0;
                        }
                        n.playing = !n.playing;
                    }
                    _ => return,
                }
            }
            st.set(n);
        })
    };
    let onchange = {
        let st = st.clone();
        Callback::from(move |e: Event| {
            let t = e.target_unchecked_into::<HtmlInputElement>();
            let x = t.value().parse::<usize>().ok();
            let mut n = *st;
            match (t.get_attribute("data-pick").as_deref(), x) {
                (Some("0"), Some(x)) => n.pick.0 = x,
                (Some("1"), x) => n.pick.1 = x,
                _ => return,
            }
            st.set(n);
        })
    };
    let oninput = {
        let st = st.clone();
        Callback::from(move |e: InputEvent| {
            if let Ok(i) = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
            {
                st.set(St {
                    cursor: i,
                    playing: false,
                    ..*st
                });
            }
        })
    };

    let head = html! {
        <>
            <h2 id="compare-title">{ "Compare configurations" }</h2>
            <p class="hint">{ "The same records under other configurations, with this scenario's faults (the three guarantees bring two crashes of their own), on one timeline: step through them together and watch where they part ways." }</p>
            <button class="btn" data-go="open" aria-expanded={if v.open { "true" } else { "false" }} data-testid="compare-toggle">
                { if v.open { "Hide the comparison" } else { "Compare configurations" } }
            </button>
        </>
    };
    let Some(b) = (*built).as_ref() else {
        return html! { <section class="cmp-panel card" aria-labelledby="compare-title" data-testid="compare" {onclick}>{ head }</section> };
    };

    let choices: Html = CHOICES
        .iter()
        .enumerate()
        .map(|(i, (t, _))| {
            let on = i == v.choice;
            html! {
                <button class={classes!("btn", on.then_some("on"))} aria-pressed={if on { "true" } else { "false" }}
                    data-choice={i.to_string()} data-testid="compare-choice">{ *t }</button>
            }
        })
        .collect();
    let custom = (v.choice == CUSTOM).then(|| {
        let names = catalog();
        let options = |sel: Option<usize>| -> Html {
            names
                .iter()
                .enumerate()
                .map(|(i, (t, _))| html! { <option value={i.to_string()} selected={sel == Some(i)}>{ *t }</option> })
                .collect()
        };
        html! {
            <p class="cmp-picks">
                <label>{ "with " }<select data-pick="0">{ options(Some(v.pick.0)) }</select></label>
                <label>{ " and " }<select data-pick="1">
                    <option value="" selected={v.pick.1.is_none()}>{ "—" }</option>{ options(v.pick.1) }</select></label>
            </p>
        }
    });
    let cols: Html = b
        .cols
        .iter()
        .enumerate()
        .map(|(c, col)| column(col, &b.at, at, c))
        .collect();
    let seek = |to: usize| to.to_string();

    html! {
        <section class="cmp-panel card is-open" aria-labelledby="compare-title" data-testid="compare" ref={panel} {onclick} {onchange}>
            { head }
            <div class="cmp-choices" role="group" aria-label="Configurations to compare">{ choices }</div>
            { custom }
            if let Some(f) = &b.own {
                <p class="cmp-own" data-testid="compare-faults">
                    <strong>{ "Faults for this comparison: " }</strong>{ f }{ ". " }
                    { "Not this scenario's own: they are placed so that each guarantee shows its effect, the first between a commit and its write, the second between a write and its commit." }
                </p>
            }
            <div class="cmp-controls" role="group" aria-label="Playback of the comparison">
                <button class="ctl" data-seek="0" aria-label="First step" title="First step">{ "⇤" }</button>
                <button class="ctl" data-seek={seek(at.saturating_sub(1))} disabled={at == 0}
                    aria-label="Step back" title="Step back" data-testid="compare-step-back">{ "◀" }</button>
                <button class="ctl ctl-play" data-go="play" aria-label={if v.playing { "Pause" } else { "Play" }}>
                    { if v.playing { "❚❚" } else { "▶" } }</button>
                <button class="ctl" data-seek={seek(at + 1)} disabled={at >= last}
                    aria-label="Step forward" title="Step forward" data-testid="compare-step-forward">{ "▶❘" }</button>
                <button class="ctl" data-seek={seek(last)} aria-label="Last step" title="Last step">{ "⇥" }</button>
                <input class="scrub" type="range" min="0" max={last.to_string()} value={at.to_string()}
                    {oninput} aria-label="Scrub through the comparison" />
                <span class="tl-pos" data-testid="compare-pos">{ format!("{} / {}", at + 1, rows) }</span>
            </div>
            <div class="cmp-cols">{ cols }</div>
        </section>
    }
}

/// "r2, r3" (at most 8, then "…").
fn ids(v: impl Iterator<Item = usize>) -> String {
    let mut s: Vec<String> = v.take(9).map(record_id).collect();
    if s.len() > 8 {
        s[8] = "…".into();
    }
    s.join(", ")
}

/// One configuration's column at row `k`.
fn column(col: &Col, at: &[Vec<Option<(usize, bool)>>], k: usize, c: usize) -> Html {
    let pb = &col.pb;
    let o = &pb.run.outcome;
    let sc = &*pb.scenario;
    let n = sc.workload.records as usize;
    let (dup, miss) = (o.duplicated.0.len(), o.missing.0.len());
    let mut result = format!(
        "✓ {} once · ❐ {dup} duplicated · ✕ {miss} missing",
        n.saturating_sub(dup + miss)
    );
    if dup > 0 {
        result += &format!(" — duplicated: {}", ids(o.duplicated.0.iter().map(|d| d.0)));
    }
    if miss > 0 {
        result += &format!(" — missing: {}", ids(o.missing.0.iter().copied()));
    }
    let result_cls = match (dup, miss) {
        (0, 0) => "cmp-result rr-good",
        (_, 0) => "cmp-result rr-dup",
        _ => "cmp-result rr-missing",
    };
    let now = at.get(k).and_then(|r| r[c]);
    // The column's event at this row, or (dimmed) its last one before it.
    let (story_cls, meta, text) = match now.and_then(|(i, x)| Some((i, pb.run.trace.get(i)?, x))) {
        Some((i, e, exact)) => {
            let mut meta = format!("{} · step {} of {}", kind_words(e, sc), i + 1, pb.len());
            if let Some(b) = batch_words(e, sc) {
                meta = format!("{meta} · {b}");
            }
            if !exact {
                meta.push_str(" · no matching step in this run: its last one so far");
            }
            let cls = if exact { "cmp-now" } else { "cmp-now is-dim" };
            (cls, meta, e.text.as_str())
        }
        None => ("cmp-now is-dim", String::new(), "Not started yet."),
    };
    // This column's events around the cursor, a cell per row (empty where it has none).
    let cells: Html = window(at.len(), k, 24, 4)
        .map(|r| {
            let (cls, glyph) = match at[r][c] {
                Some((i, true)) => {
                    let e = &pb.run.trace[i];
                    let cls = match (is_fault(e), r.cmp(&k)) {
                        (true, std::cmp::Ordering::Equal) => "cmp-tick is-fault is-cur",
                        (_, std::cmp::Ordering::Equal) => "cmp-tick is-cur",
                        (true, _) => "cmp-tick is-fault",
                        (_, std::cmp::Ordering::Less) => "cmp-tick is-past",
                        _ => "cmp-tick",
                    };
                    (cls, event_glyph(e, sc))
                }
                _ if r == k => ("cmp-tick is-gap is-cur", ""),
                _ => ("cmp-tick is-gap", ""),
            };
            html! { <span class={cls}>{ glyph }</span> }
        })
        .collect();
    // Copies of each record the reader sees at this row.
    let counts = match now {
        Some((i, _)) if n <= SHOWN => pb.view_at(i).counts(n),
        _ => Vec::new(),
    };
    let records: Html = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let (cls, mark, said) = match c {
                0 => ("rc-none", String::new(), ": not seen"),
                1 => ("rc-one", String::new(), ": seen once"),
                _ => ("rc-dup", format!("×{c}"), ": seen"),
            };
            html! {
                <li class={cls}>{ chip(&record_id(i), "") }<span class="rc-n">{ mark }</span>
                    <span class="sr-only">{ if c > 1 { format!("{said} {c} times") } else { said.to_string() } }</span></li>
            }
        })
        .collect();
    // Faults that do not apply to this configuration, and those whose point it never reached.
    let skipped: Html = col
        .skipped
        .iter()
        .map(|(f, why)| html! { <li>{ format!("{f}: does not apply here — {why}") }</li> })
        .chain(o.unfired_faults.iter().filter_map(|&i| sc.faults.get(i)).map(|f| {
            html! { <li>{ format!("{}: did not fire — this run never reached its point", describe_fault(f)) }</li> }
        }))
        .collect();
    html! {
        <article class={if col.this.is_some() { "cmp-col is-this" } else { "cmp-col" }} data-testid="compare-column">
            <h3>{ &col.title }<span class="cmp-this">{ col.this.unwrap_or_default() }</span></h3>
            <p class="cmp-name"><code>{ &col.name }</code></p>
            <p><span class={classes!("badge", guarantee_class(o.guarantee))} data-testid="compare-guarantee">{ guarantee_label(o) }</span></p>
            <p class="cmp-why">{ &o.guarantee_reason }</p>
            <p class={result_cls}>{ result }</p>
            <ul class="cmp-skipped">{ skipped }</ul>
            <div class="cmp-strip" aria-hidden="true">{ cells }</div>
            <div class={story_cls} data-testid="compare-narration">
                <p class="cmp-meta">{ meta }</p>
                <p class="cmp-text">{ text }</p>
            </div>
            <ul class="cmp-records" aria-label="Copies of each record the reader sees at this step">{ records }</ul>
        </article>
    }
}
