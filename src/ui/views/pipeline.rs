//! Pipeline: source → engine → sink, drawn from the folded trace at the cursor.

use yew::prelude::*;

use super::super::engine::scenario::{
    record_id, CommitMode, DedupMode, Engine, FbOrder, FbTransaction, Isolation, Offsets, SinkCfg,
    Source, StreamScope, StreamType, TxnAppId, UpsertKey,
};
use super::super::engine::Scenario;
use super::super::playback::{window, View, SHOWN, SHOWN_LOG};
use super::{chip, plural, status_class, status_words, Handle};

/// One entry of the source, in position order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceEntry {
    pub record: String,
    /// A republished copy (a new message / log entry with the same record id).
    pub copy: bool,
    pub arrival: u64,
}

/// The source's entries in position order, as the engine defines them (semantics §1.2).
pub fn source_entries(s: &Scenario) -> Vec<SourceEntry> {
    super::super::engine::source_entries(s)
        .into_iter()
        .map(|e| SourceEntry {
            record: record_id(e.record),
            copy: e.copy,
            arrival: e.arrival,
        })
        .collect()
}

pub fn source_title(s: &Scenario) -> (String, String) {
    match &s.source {
        Source::Log { .. } => {
            let p = s.workload.partitions;
            (
                "Source: log".into(),
                format!(
                    "Kafka-like topic, {}, replayable from any offset; starts at {}",
                    plural(p as usize, "partition"),
                    match s.source.starting_position() {
                        super::super::engine::scenario::StartingPosition::Earliest => "earliest",
                        super::super::engine::scenario::StartingPosition::Latest => "latest",
                    }
                ),
            )
        }
        Source::Queue { .. } => (
            "Source: queue".into(),
            format!(
                "Pub/Sub-like subscription, ack deadline {} ticks{}",
                s.source.ack_deadline(),
                if s.source.exactly_once_delivery() {
                    ", exactly-once delivery on"
                } else {
                    ""
                }
            ),
        ),
        Source::Socket => (
            "Source: socket".into(),
            "Each entry is delivered once; nothing can be re-read".into(),
        ),
    }
}

pub fn engine_title(s: &Scenario) -> (String, String) {
    match &s.engine {
        Engine::Consumer { .. } => {
            let mode = match s.engine.commit_mode() {
                CommitMode::After => "commits after the write".to_string(),
                CommitMode::Before => "commits before the write".to_string(),
                CommitMode::Auto => format!(
                    "auto-commits every {}",
                    plural(s.engine.auto_commit_every() as usize, "poll")
                ),
                CommitMode::Transaction => {
                    "commits offsets inside the sink's transaction".to_string()
                }
            };
            ("Consumer".into(), format!("Poll loop that {mode}"))
        }
        Engine::MicroBatch => (
            "Spark micro-batch".into(),
            "Checkpoint: offsets/N before the batch, commits/N after it".into(),
        ),
        Engine::Flink => (
            "Flink".into(),
            "Checkpoint barriers; the sink commits after a checkpoint completes".into(),
        ),
        Engine::Beam { .. } => (
            "Beam / Dataflow".into(),
            format!(
                "The runner commits each bundle; dedup by {}",
                match s.engine.dedup_by() {
                    super::super::engine::scenario::DedupBy::MessageId => "message id",
                    super::super::engine::scenario::DedupBy::IdAttribute => "id attribute",
                }
            ),
        ),
    }
}

pub fn sink_title(s: &Scenario) -> (String, String) {
    let cfg = s.sink.cfg();
    let (t, d): (&str, String) = match cfg {
        SinkCfg::Append => (
            "Sink: plain INSERT",
            "Every write adds rows; nothing is deduplicated".into(),
        ),
        SinkCfg::Upsert(k) => (
            "Sink: upsert",
            format!(
                "MERGE on {}",
                match k {
                    UpsertKey::RecordId => "the record id",
                    UpsertKey::SourcePosition => "the source position",
                    UpsertKey::UuidPerAttempt => "a uuid generated per attempt",
                }
            ),
        ),
        SinkCfg::File => (
            "Sink: files",
            "Data files plus the _spark_metadata log".into(),
        ),
        SinkCfg::ForeachBatch {
            control_table,
            transaction,
            order,
        } => (
            "Sink: foreachBatch",
            if !control_table {
                "Data table, no batchId check".into()
            } else {
                match (transaction, order) {
                    (FbTransaction::Same, _) => {
                        "Data + control-table marker in one transaction".into()
                    }
                    (FbTransaction::Separate, FbOrder::DataFirst) => {
                        "Data, then the marker, in two transactions".into()
                    }
                    (FbTransaction::Separate, FbOrder::MarkerFirst) => {
                        "Marker, then the data, in two transactions".into()
                    }
                }
            },
        ),
        SinkCfg::Delta(app) => (
            "Sink: Delta table",
            match app {
                TxnAppId::QueryId => "txn(appId = query id, version = batch id)".into(),
                TxnAppId::Fixed => "txn(appId = fixed, version = batch id)".into(),
                TxnAppId::None => "Plain append, no txn check".into(),
            },
        ),
        SinkCfg::Kafka {
            idempotence,
            transactions,
            isolation,
            ..
        } => (
            "Sink: Kafka topic",
            format!(
                "{}, idempotence {}; read with {}",
                if transactions {
                    "Transactional producer"
                } else {
                    "Producer"
                },
                if idempotence { "on" } else { "off" },
                match isolation {
                    Isolation::ReadCommitted => "read_committed",
                    Isolation::ReadUncommitted => "read_uncommitted",
                }
            ),
        ),
        SinkCfg::Bigquery {
            stream_type,
            offsets,
            stream,
            ..
        } => {
            let st = match stream_type {
                StreamType::Default => "_default",
                StreamType::Committed => "COMMITTED",
                StreamType::Pending => "PENDING",
                StreamType::Buffered => "BUFFERED",
            };
            let scope = match (stream_type, stream) {
                (StreamType::Default, _) => "",
                (_, StreamScope::Shared) => " (one shared)",
                (_, StreamScope::PerBatch) => " (one per batch)",
            };
            let off = match offsets {
                Offsets::None => "no offsets",
                Offsets::Source => "offsets = source positions",
                Offsets::Writer => "offsets from an in-memory counter",
                Offsets::State => "offsets kept in runner state",
            };
            ("Sink: BigQuery", format!("{st} stream{scope}, {off}"))
        }
        SinkCfg::Console => ("Sink: console", "Prints each row".into()),
        SinkCfg::Memory => (
            "Sink: memory table",
            "In-memory table of the running query".into(),
        ),
    };
    (t.to_string(), d)
}

pub fn pipeline(s: &Handle) -> Html {
    let pb = &s.playback;
    let scenario = s.scenario();
    let view = pb.view();
    let event = pb.event();
    let tick = event.map(|e| e.tick).unwrap_or(0);
    let instance = event.map(|e| e.instance).unwrap_or(1);
    let hot: Vec<String> = event.map(|e| e.records.clone()).unwrap_or_default();

    html! {
        <section class="pipeline card" aria-label="Pipeline">
            { source_box(scenario, &view, tick, instance, &hot) }
            <div class="arrow" aria-hidden="true">{ "→" }</div>
            { engine_box(scenario, &view, event.and_then(|e| e.query.clone())) }
            <div class="arrow" aria-hidden="true">{ "→" }</div>
            { sink_box(scenario, &view, pb.cursor) }
        </section>
    }
}

fn source_box(s: &Scenario, v: &View, tick: u64, instance: u32, hot: &[String]) -> Html {
    let (title, desc) = source_title(s);
    let entries = source_entries(s);
    let parts = s.workload.partitions.max(1) as u64;
    let read_to = v.positions.get(&instance).copied();
    let queue = matches!(s.source, Source::Queue { .. });
    let log = matches!(s.source, Source::Log { .. });
    let anchor = read_to.or(v.committed).unwrap_or(0) as usize;
    let shown = window(entries.len(), anchor, SHOWN, 8 * parts as usize);
    let entry_chip = |pos: usize, e: &SourceEntry| {
        let p = pos as u64;
        let arrived = e.arrival <= tick;
        let read = read_to.is_some_and(|r| p < r);
        let committed = log && v.committed.is_some_and(|c| p < c);
        let leased = v.leased.get(&p).is_some_and(|until| *until > tick);
        let acked = v.acked.contains(&p);
        let mut marks = String::new();
        if committed || acked {
            marks.push('✓');
        }
        if leased {
            marks.push('◷');
        }
        let label = if parts > 1 {
            format!("p{} · {}", p % parts, p / parts)
        } else {
            format!("{p}")
        };
        let state = if acked {
            "acked"
        } else if committed {
            "committed"
        } else if leased {
            "leased"
        } else if read {
            "read"
        } else if !arrived {
            "not arrived yet"
        } else {
            "waiting"
        };
        let cls = classes!(
            "entry",
            (!arrived).then_some("is-future"),
            read.then_some("is-read"),
            (committed || acked).then_some("is-committed"),
            leased.then_some("is-leased"),
            e.copy.then_some("is-copy"),
        );
        let hot = hot.contains(&e.record);
        html! {
            <li class={cls} title={format!("{} at position {p}{}: {state}", e.record, if e.copy { " (republished copy)" } else { "" })}>
                { chip(&e.record, if hot { "is-hot" } else { "" }) }
                <span class="entry-pos">{ label }</span>
                <span class="entry-mark" aria-label={state}>{ marks }</span>
            </li>
        }
    };
    let lanes: Html = if parts > 1 && log {
        (0..parts)
            .map(|part| {
                let items: Html = entries[shown.clone()]
                    .iter()
                    .zip(shown.clone())
                    .filter(|(_, i)| *i as u64 % parts == part)
                    .map(|(e, i)| entry_chip(i, e))
                    .collect();
                html! { <div class="lane"><span class="lane-name">{ format!("p{part}") }</span><ul class="entries">{ items }</ul></div> }
            })
            .collect()
    } else {
        let items: Html = entries[shown.clone()]
            .iter()
            .zip(shown.clone())
            .map(|(e, i)| entry_chip(i, e))
            .collect();
        html! { <ul class="entries">{ items }</ul> }
    };
    // A long source shows a window around the read position.
    let more = (shown.len() < entries.len()).then(|| {
        html! { <p class="box-more">{ format!("Positions {}–{} of {}, around the read position.", shown.start, shown.end - 1, entries.len()) }</p> }
    });

    let mut facts: Vec<Html> = Vec::new();
    if let Some(r) = read_to {
        facts.push(html! { <li><span class="k">{ format!("read position (instance {instance})") }</span><span class="v">{ r }</span></li> });
    }
    if log {
        let committed = match v.committed {
            Some(c) if parts > 1 => (0..parts)
                .map(|p| format!("p{p}: {}", c.saturating_sub(p).div_ceil(parts)))
                .collect::<Vec<_>>()
                .join(" · "),
            Some(c) => c.to_string(),
            None => "none yet".into(),
        };
        facts.push(html! { <li><span class="k">{ if parts > 1 { "committed offsets" } else { "committed position" } }</span><span class="v">{ committed }</span></li> });
    }
    if queue {
        let leased = v.leased.values().filter(|u| **u > tick).count();
        facts.push(html! { <li><span class="k">{ "acked" }</span><span class="v">{ format!("{} of {}", v.acked.len(), entries.len()) }</span></li> });
        facts.push(html! { <li><span class="k">{ "leased now" }</span><span class="v">{ leased }</span></li> });
    }
    facts.push(html! { <li><span class="k">{ "tick" }</span><span class="v">{ tick }</span></li> });

    html! {
        <div class="box box-source">
            <h3>{ title }</h3>
            <p class="box-desc">{ desc }</p>
            { lanes }
            { more }
            <ul class="facts">{ facts }</ul>
            <p class="box-legend" aria-hidden="true">
                <span class="lg lg-read">{ "read" }</span>
                if log { <span class="lg lg-committed">{ "✓ committed" }</span> }
                if queue { <span class="lg lg-committed">{ "✓ acked" }</span><span class="lg lg-leased">{ "◷ leased" }</span> }
            </p>
        </div>
    }
}

fn engine_box(s: &Scenario, v: &View, query: Option<String>) -> Html {
    let restarts = v.instances.saturating_sub(1);
    let (title, desc) = engine_title(s);
    let body = match &s.engine {
        Engine::MicroBatch => {
            let ids = v.checkpoint_batches();
            // The latest batches; earlier ones in one line.
            let earlier = ids.len().saturating_sub(SHOWN_LOG);
            let rows: Html = ids
                .iter()
                .skip(earlier)
                .map(|b| {
                    let off = v.offset_log.get(b);
                    let done = v.commit_log.contains(b);
                    html! {
                        <tr class={classes!((off.is_some() && !done).then_some("is-open"))}>
                            <td>{ match off {
                                Some(o) => html! { <><code>{ format!("offsets/{b}") }</code>{ format!(" [{}, {})", o.start, o.end) }
                                    { o.watermark.map(|w| format!(" wm {w}")).unwrap_or_default() }</> },
                                None => html! { <span class="muted">{ "—" }</span> },
                            } }</td>
                            <td>{ if done { html! { <code>{ format!("commits/{b}") }</code> } }
                                  else { html! { <span class="open-note">{ "no commit yet" }</span> } } }</td>
                        </tr>
                    }
                })
                .collect();
            html! {
                <>
                    <p class="ckpt-path">{ format!("checkpoint/ · query {}", query.unwrap_or_else(|| "—".into())) }</p>
                    if ids.is_empty() {
                        <p class="muted">{ "empty checkpoint" }</p>
                    } else {
                        <table class="ckpt"><thead><tr><th>{ "offset log" }</th><th>{ "commit log" }</th></tr></thead><tbody>
                            if earlier > 0 { <tr class="more"><td colspan="2">{ format!("… {earlier} earlier") }</td></tr> }
                            { rows }</tbody></table>
                    }
                </>
            }
        }
        Engine::Flink | Engine::Beam { .. } => {
            let what = if matches!(s.engine, Engine::Flink) {
                "checkpoint"
            } else {
                "bundle"
            };
            let earlier = v.checkpoints.len().saturating_sub(SHOWN_LOG);
            let rows: Html = v
                .checkpoints
                .iter()
                .skip(earlier)
                .map(|(e, p)| html! { <li><code>{ format!("{what} {e}") }</code>{ format!(" → resume at {p}") }</li> })
                .collect();
            html! {
                <>
                    <p class="ckpt-path">{ if matches!(s.engine, Engine::Flink) { "completed checkpoints" } else { "committed bundles" } }</p>
                    if v.checkpoints.is_empty() { <p class="muted">{ "none yet" }</p> } else { <ul class="plain">
                        if earlier > 0 { <li class="more">{ format!("… {earlier} earlier") }</li> }
                        { rows }</ul> }
                </>
            }
        }
        Engine::Consumer { .. } => html! {
            <>
                <p class="ckpt-path">{ "consumer group progress" }</p>
                <p class="big-fact">{ match (&s.source, v.committed) {
                    (Source::Queue { .. }, _) => format!("{} acked", plural(v.acked.len(), "message")),
                    (_, Some(c)) => format!("committed: {c}"),
                    (_, None) => "nothing committed yet".into(),
                } }</p>
            </>
        },
    };
    let dedup = s.dedup.as_ref().map(|d| {
        let mode = match d.mode {
            DedupMode::DropDuplicates => "dropDuplicates(id, event time)",
            DedupMode::WithinWatermark => "dropDuplicatesWithinWatermark(id)",
        };
        let wm = match d.watermark_delay {
            Some(w) => format!("watermark delay {w}"),
            None => "no watermark: state kept forever".into(),
        };
        html! { <p class="dedup-tag">{ format!("{mode} · {wm}") }</p> }
    });
    html! {
        <div class="box box-engine">
            <h3>{ title }</h3>
            <p class="box-desc">{ desc }</p>
            { body }
            { dedup.unwrap_or_default() }
            <ul class="facts">
                if v.deletions > 0 {
                    <li class="warn"><span class="k">{ "checkpoint deleted" }</span><span class="v">{ format!("{}×", v.deletions) }</span></li>
                }
                <li><span class="k">{ "restarts so far" }</span><span class="v">{ restarts }</span></li>
            </ul>
        </div>
    }
}

fn sink_box(s: &Scenario, v: &View, cursor: usize) -> Html {
    let (title, desc) = sink_title(s);
    // The latest rows grouped by place, places in order of first appearance; earlier
    // rows of a long run are summed up in one line.
    let (recent, hidden) = v.recent_rows(SHOWN);
    let mut places: Vec<(&str, Vec<&super::super::playback::RowView>)> = Vec::new();
    for r in recent {
        match places.iter_mut().find(|(p, _)| *p == r.place) {
            Some((_, rows)) => rows.push(r),
            None => places.push((r.place.as_str(), vec![r])),
        }
    }
    let groups: Html = places
        .iter()
        .map(|(place, rows)| {
            let chips: Html = rows
                .iter()
                .map(|r| {
                    let stale = r.table != v.table_resets;
                    let (icon, word) = status_words(r.status);
                    let word = if stale { "in a replaced table" } else { word };
                    let cls = classes!(
                        "row",
                        status_class(r.status),
                        stale.then_some("is-stale"),
                        r.zombie.then_some("is-zombie"),
                        (r.event == cursor).then_some("is-new"),
                    );
                    let tip = format!(
                        "row {} · {} · {}{} · {}",
                        r.row,
                        r.record,
                        r.batch.map(|b| format!("batch {b}")).unwrap_or_else(|| "no batch".into()),
                        r.attempt.map(|a| format!(" attempt {a}")).unwrap_or_default(),
                        word
                    );
                    html! {
                        <li class={cls} title={tip.clone()} aria-label={tip}>
                            { chip(&r.record, "") }
                            <span class="row-st" aria-hidden="true">{ if stale { "⌀" } else { icon } }</span>
                        </li>
                    }
                })
                .collect();
            // A place that is a stream or a transaction shows its state next to its name.
            let state = v
                .streams
                .iter()
                .find(|st| st.name == *place)
                .map(|st| st.state.clone())
                .or_else(|| {
                    v.transactions
                        .iter()
                        .find(|(n, _)| n == place)
                        .map(|(_, st)| st.clone())
                });
            html! {
                <div class="place">
                    <span class="place-name"><code>{ *place }</code>
                        if let Some(st) = state { <span class={classes!("place-state", format!("ps-{st}"))}>{ st }</span> }
                    </span>
                    <ul class="rows">{ chips }</ul>
                </div>
            }
        })
        .collect();
    let counted = v
        .rows
        .values()
        .filter(|r| r.counted(v.table_resets))
        .count();
    let markers: Html = v
        .markers
        .iter()
        .map(|(name, values)| {
            let skip = values.len().saturating_sub(2 * SHOWN_LOG);
            let mut vals: Vec<String> = values.iter().skip(skip).map(|x| x.to_string()).collect();
            if skip > 0 {
                vals.insert(0, "…".into());
            }
            html! { <li><code>{ name }</code>{ format!(": {}", vals.join(", ")) }</li> }
        })
        .collect();
    // Transactions that hold rows show their state on their place; list the others.
    let lone_txns: Vec<&(String, String)> = v
        .transactions
        .iter()
        .filter(|(name, _)| !v.rows.values().any(|r| &r.place == name))
        .collect();
    let txns: Html = lone_txns
        .iter()
        .skip(lone_txns.len().saturating_sub(SHOWN_LOG))
        .map(|(name, state)| {
            html! { <li class={classes!("txn", format!("txn-{}", state.replace(' ', "-")))}><code>{ name }</code>{ format!(" {state}") }</li> }
        })
        .collect();
    let streams: Html = v
        .streams
        .iter()
        .skip(v.streams.len().saturating_sub(SHOWN_LOG))
        .map(|st| {
            html! {
                <tr>
                    <td><code>{ &st.name }</code></td>
                    <td>{ &st.state }</td>
                    <td class="num">{ st.end }</td>
                    <td class="num">{ st.flushed.map(|f| f.to_string()).unwrap_or_else(|| "—".into()) }</td>
                </tr>
            }
        })
        .collect();
    html! {
        <div class="box box-sink">
            <h3>{ title }</h3>
            <p class="box-desc">{ desc }</p>
            if v.rows.is_empty() {
                <p class="muted">{ "no rows yet" }</p>
            } else {
                if hidden.iter().sum::<usize>() > 0 {
                    <p class="box-more">{ earlier_rows(hidden) }</p>
                }
                <div class="places">{ groups }</div>
            }
            <ul class="facts">
                <li><span class="k">{ "rows written" }</span><span class="v">{ v.rows.len() }</span></li>
                <li><span class="k">{ "seen by the reader" }</span><span class="v">{ counted }</span></li>
            </ul>
            if !v.markers.is_empty() {
                <div class="sub"><h4>{ "batch markers" }</h4><ul class="plain">{ markers }</ul></div>
            }
            if !lone_txns.is_empty() {
                <div class="sub"><h4>{ "transactions" }</h4><ul class="plain txns">{ txns }</ul></div>
            }
            if !v.streams.is_empty() {
                <div class="sub"><h4>{ "write streams" }</h4>
                    <table class="streams"><thead><tr><th>{ "stream" }</th><th>{ "state" }</th><th class="num">{ "end" }</th><th class="num">{ "flushed" }</th></tr></thead>
                    <tbody>{ streams }</tbody></table>
                </div>
            }
            <p class="box-legend" aria-hidden="true">
                <span class="lg st-visible">{ "✓ committed" }</span>
                <span class="lg st-pending">{ "◌ pending" }</span>
                <span class="lg st-aborted">{ "✕ aborted" }</span>
            </p>
        </div>
    }
}

/// "160 earlier rows not drawn: 158 ✓ committed · 2 ✕ aborted." (what a long sink leaves out)
fn earlier_rows(hidden: [usize; 3]) -> String {
    let total: usize = hidden.iter().sum();
    let parts: Vec<String> = [
        super::super::engine::RowStatus::Visible,
        super::super::engine::RowStatus::Pending,
        super::super::engine::RowStatus::Aborted,
    ]
    .iter()
    .zip(hidden)
    .filter(|(_, n)| *n > 0)
    .map(|(st, n)| {
        let (icon, word) = status_words(*st);
        format!("{n} {icon} {word}")
    })
    .collect();
    format!(
        "{} not drawn: {}.",
        plural(total, "earlier row"),
        parts.join(" · ")
    )
}
