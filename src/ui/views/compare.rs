//! Compare: the current scenario's workload and faults under 2–3 configurations, side by
//! side on one synchronized cursor. The engine runs and aligns them
//! ([`engine::compare`](super::super::engine::compare)); this view only plays the result.

use std::rc::Rc;

use gloo::timers::callback::Timeout;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::super::engine::scenario::{
    record_id, CommitMode, Engine, FbTransaction, Isolation, Sink, Source,
};
use super::super::engine::{compare, Config, Run, Scenario};
use super::super::notes::guarantee_label;
use super::super::playback::{interval_ms, is_fault, window, Playback, DEFAULT_SPEED, SHOWN};
use super::super::session::describe_fault;
use super::header::guarantee_class;
use super::{batch_words, chip, event_glyph, kind_words, Props};

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

/// One column, ready to play.
struct Col {
    title: String,
    this: bool,
    name: String,
    /// Base faults that do not apply here: (the fault, the engine's reason).
    skipped: Vec<(String, String)>,
    pb: Playback,
}

/// A comparison ready to play: columns, and for each row and column the column's latest
/// event at or before that row and whether it is exactly at that row.
struct Built {
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
    let cmp = compare(base, &configs);
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
            this: config == current,
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
    Built { cols, at }
}

#[function_component(Compare)]
pub fn compare_panel(p: &Props) -> Html {
    let s = &p.s;
    let open = use_state(|| false);
    let choice = use_state(|| 0usize);
    let picks = use_state(|| (3usize, None::<usize>));
    let cursor = use_state(|| 0usize);
    let playing = use_state(|| false);
    let built: Rc<Option<Built>> = {
        let scenario = s.playback.scenario.clone();
        let key = (Rc::as_ptr(&scenario) as usize, *open, *choice, *picks);
        use_memo(key, move |&(_, open, choice, picks)| {
            open.then(|| build(&scenario, choice, picks))
        })
    };
    let rows = (*built).as_ref().map_or(0, |b| b.at.len());
    let last = rows.saturating_sub(1);
    let at = (*cursor).min(last);

    // Play: one row every interval (1×), stopping at the last row.
    {
        let (cursor, playing) = (cursor.clone(), playing.clone());
        use_effect_with((*playing, at, last), move |&(on, at, last)| {
            let timer = on.then(|| {
                Timeout::new(interval_ms(DEFAULT_SPEED), move || {
                    if at >= last {
                        playing.set(false);
                    } else {
                        cursor.set(at + 1);
                        if at + 1 >= last {
                            playing.set(false);
                        }
                    }
                })
            });
            move || drop(timer)
        });
    }

    // Opening the comparison brings it into view (it sits below the workbench fold).
    let panel = use_node_ref();
    {
        let panel = panel.clone();
        use_effect_with(*open, move |&open| {
            if let Some(el) = panel.cast::<web_sys::Element>().filter(|_| open) {
                el.scroll_into_view();
            }
        });
    }
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let head = html! {
        <>
            <h2 id="compare-title">{ "Compare configurations" }</h2>
            <p class="hint">{ "The same records and the same faults under other configurations, on one timeline: step through them together and watch where they part ways." }</p>
            <button class="btn" onclick={toggle} aria-expanded={if *open { "true" } else { "false" }} data-testid="compare-toggle">
                { if *open { "Hide the comparison" } else { "Compare configurations" } }
            </button>
        </>
    };
    let Some(b) = (*built).as_ref() else {
        return html! { <section class="compare card" aria-labelledby="compare-title" data-testid="compare">{ head }</section> };
    };

    let seek = |to: usize| {
        let (cursor, playing) = (cursor.clone(), playing.clone());
        Callback::from(move |_: MouseEvent| {
            playing.set(false);
            cursor.set(to.min(last));
        })
    };
    let play = {
        let (cursor, playing) = (cursor.clone(), playing.clone());
        Callback::from(move |_: MouseEvent| {
            if !*playing && at >= last {
                cursor.set(0);
            }
            playing.set(!*playing);
        })
    };
    let on_scrub = {
        let (cursor, playing) = (cursor.clone(), playing.clone());
        Callback::from(move |e: InputEvent| {
            if let Ok(i) = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
            {
                playing.set(false);
                cursor.set(i);
            }
        })
    };
    let choose = |i: usize| {
        let choice = choice.clone();
        Callback::from(move |_: MouseEvent| choice.set(i))
    };
    let choices: Html = CHOICES
        .iter()
        .enumerate()
        .map(|(i, (t, _))| {
            let on = i == *choice;
            html! {
                <button class={classes!("btn", on.then_some("on"))} aria-pressed={if on { "true" } else { "false" }}
                    onclick={choose(i)} data-testid="compare-choice">{ *t }</button>
            }
        })
        .collect();
    let custom = (*choice == CUSTOM).then(|| {
        let names = catalog();
        let options = |sel: Option<usize>, none: bool| -> Html {
            let mut o: Vec<Html> = Vec::new();
            if none {
                o.push(html! { <option value="" selected={sel.is_none()}>{ "—" }</option> });
            }
            o.extend(names.iter().enumerate().map(|(i, (t, _))| {
                html! { <option value={i.to_string()} selected={sel == Some(i)}>{ *t }</option> }
            }));
            o.into_iter().collect()
        };
        let pick = |second: bool| {
            let picks = picks.clone();
            Callback::from(move |e: Event| {
                let v = e.target_unchecked_into::<HtmlInputElement>().value().parse().ok();
                let (a, b) = *picks;
                picks.set(match (second, v) {
                    (false, Some(v)) => (v, b),
                    (false, None) => (a, b),
                    (true, v) => (a, v),
                });
            })
        };
        html! {
            <p class="cmp-picks">
                <label>{ "with " }<select onchange={pick(false)}>{ options(Some(picks.0), false) }</select></label>
                <label>{ " and " }<select onchange={pick(true)}>{ options(picks.1, true) }</select></label>
            </p>
        }
    });

    let cols: Html = b
        .cols
        .iter()
        .enumerate()
        .map(|(c, col)| column(col, &b.at, at, c))
        .collect();

    html! {
        <section class="compare card is-open" aria-labelledby="compare-title" data-testid="compare" ref={panel}>
            { head }
            <div class="cmp-choices" role="group" aria-label="Configurations to compare">{ choices }</div>
            { custom }
            <div class="cmp-controls" role="group" aria-label="Playback of the comparison">
                <button class="ctl" onclick={seek(0)} aria-label="First step" title="First step">{ "⇤" }</button>
                <button class="ctl" onclick={seek(at.saturating_sub(1))} disabled={at == 0}
                    aria-label="Step back" title="Step back" data-testid="compare-step-back">{ "◀" }</button>
                <button class="ctl ctl-play" onclick={play} aria-label={if *playing { "Pause" } else { "Play" }}>
                    { if *playing { "❚❚" } else { "▶" } }</button>
                <button class="ctl" onclick={seek(at + 1)} disabled={at >= last}
                    aria-label="Step forward" title="Step forward" data-testid="compare-step-forward">{ "▶❘" }</button>
                <button class="ctl" onclick={seek(last)} aria-label="Last step" title="Last step">{ "⇥" }</button>
                <input class="scrub" type="range" min="0" max={last.to_string()} value={at.to_string()}
                    oninput={on_scrub} aria-label="Scrub through the comparison" />
                <span class="tl-pos" data-testid="compare-pos">{ format!("{} / {}", at + 1, rows) }</span>
            </div>
            <div class="cmp-cols">{ cols }</div>
        </section>
    }
}

/// One configuration's column at row `k`.
fn column(col: &Col, at: &[Vec<Option<(usize, bool)>>], k: usize, c: usize) -> Html {
    let pb = &col.pb;
    let o = &pb.run.outcome;
    let sc = &*pb.scenario;
    let n = sc.workload.records as usize;
    let ids = |v: &[usize]| {
        let mut s: Vec<String> = v.iter().take(8).map(|&i| record_id(i)).collect();
        if v.len() > 8 {
            s.push("…".into());
        }
        s.join(", ")
    };
    let (dup, miss) = (o.duplicated.0.len(), o.missing.0.len());
    let dup_ids: Vec<usize> = o.duplicated.0.iter().map(|(i, _)| *i).collect();
    let now = at.get(k).and_then(|r| r[c]);
    let story = match now.and_then(|(i, exact)| pb.run.trace.get(i).map(|e| (i, e, exact))) {
        Some((i, e, exact)) => {
            let mut meta = kind_words(e, sc);
            if let Some(b) = batch_words(e) {
                meta.push_str(&format!(" · {b}"));
            }
            html! {
                <div class={classes!("cmp-now", (!exact).then_some("is-dim"))} data-testid="compare-narration">
                    <p class="cmp-meta">{ format!("{} · step {} of {}", meta, i + 1, pb.len()) }
                        if !exact { <span class="cmp-wait">{ " · no such step here; its last step" }</span> }</p>
                    <p class="cmp-text">{ &e.text }</p>
                </div>
            }
        }
        None => html! {
            <div class="cmp-now is-dim" data-testid="compare-narration"><p class="cmp-text">{ "Not started yet." }</p></div>
        },
    };
    // This column's events around the cursor, a cell per row (empty where it has none).
    let cells: Html = window(at.len(), k, 24, 4)
        .map(|r| match at[r][c] {
            Some((i, true)) => {
                let e = &pb.run.trace[i];
                html! {
                    <span class={classes!("cmp-tick", is_fault(e).then_some("is-fault"), (r == k).then_some("is-cur"), (r < k).then_some("is-past"))}>
                        { event_glyph(e, sc) }</span>
                }
            }
            _ => html! { <span class={classes!("cmp-tick", "is-gap", (r == k).then_some("is-cur"))}></span> },
        })
        .collect();
    let records: Html = if n <= SHOWN {
        let counts = now
            .map(|(i, _)| pb.view_at(i).counts(n))
            .unwrap_or_default();
        (0..n)
            .map(|i| {
                let c = counts.get(i).copied().unwrap_or(0);
                let cls = match c {
                    0 => "rc-none",
                    1 => "rc-one",
                    _ => "rc-dup",
                };
                html! { <li class={cls}>{ chip(&record_id(i), "") }<span class="rc-n">{ if c > 1 { format!("×{c}") } else { String::new() } }</span></li> }
            })
            .collect()
    } else {
        html! {}
    };
    let skipped: Html = col
        .skipped
        .iter()
        .map(|(f, why)| html! { <li><b>{ format!("{f}: ") }</b>{ "does not apply here — " }{ why }</li> })
        .collect();
    html! {
        <article class={classes!("cmp-col", col.this.then_some("is-this"))} data-testid="compare-column">
            <header class="cmp-head">
                <h3>{ &col.title }
                    if col.this { <span class="cmp-this">{ "this scenario" }</span> }</h3>
                <p class="cmp-name"><code>{ &col.name }</code></p>
                <span class={classes!("badge", guarantee_class(o.guarantee))} data-testid="compare-guarantee">{ guarantee_label(o) }</span>
            </header>
            <p class="cmp-result">
                <span class={classes!("rr", (dup + miss == 0).then_some("rr-good"))}>{ format!("✓ {} once", n.saturating_sub(dup + miss)) }</span>
                <span class={classes!("rr", (dup > 0).then_some("rr-dup"))}>{ format!("❐ {dup} duplicated") }</span>
                <span class={classes!("rr", (miss > 0).then_some("rr-missing"))}>{ format!("✕ {miss} missing") }</span>
            </p>
            if dup + miss > 0 {
                <p class="cmp-ids">
                    if dup > 0 { { format!("duplicated: {}", ids(&dup_ids)) } }
                    if dup > 0 && miss > 0 { { " · " } }
                    if miss > 0 { { format!("missing: {}", ids(&o.missing.0)) } }
                </p>
            }
            if !col.skipped.is_empty() { <ul class="cmp-skipped">{ skipped }</ul> }
            <div class="cmp-strip" aria-hidden="true">{ cells }</div>
            { story }
            if n <= SHOWN { <ul class="cmp-records" aria-label="Copies of each record the reader sees at this step">{ records }</ul> }
        </article>
    }
}
