//! Pipeline: source → engine → sink, drawn from the folded trace at the cursor.

use std::fmt::{self, Write};

use yew::prelude::*;

use super::super::engine::scenario::{
    record_id, CommitMode, DedupMode, Engine, FbOrder, FbTransaction, Isolation, Offsets, SinkCfg,
    Source, StreamScope, StreamType, TxnAppId, UpsertKey,
};
use super::super::engine::Scenario;
use super::super::playback::{record_index, window, RowView, View, SHOWN, SHOWN_LOG};
use super::super::session::Session;
use super::{plural, status_class, status_words, Handle};

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
    Html::from_html_unchecked(pipeline_markup(s).into())
}

/// The pipeline's markup. It has no event handlers, so it is written as text: a string
/// costs about a quarter of the wasm that an `html!` element does. Every value from the
/// scenario or the trace goes through [`Esc`]. When the markup changes, the whole section
/// is replaced; a new sink row's pop (`.row.is-new`) is a CSS animation, so it still runs.
pub fn pipeline_markup(s: &Session) -> String {
    let pb = &s.playback;
    let scenario = s.scenario();
    let view = pb.view();
    let event = pb.event();
    let tick = event.map(|e| e.tick).unwrap_or(0);
    let instance = event.map(|e| e.instance).unwrap_or(1);
    let hot: Vec<String> = event.map(|e| e.records.clone()).unwrap_or_default();

    let mut o = String::new();
    o.push_str(r#"<section class="pipeline card" aria-label="Pipeline">"#);
    source_box(&mut o, scenario, &view, tick, instance, &hot);
    o.push_str(ARROW);
    engine_box(
        &mut o,
        scenario,
        &view,
        event.and_then(|e| e.query.as_deref()),
    );
    o.push_str(ARROW);
    sink_box(&mut o, scenario, &view, pb.cursor);
    o.push_str("</section>");
    o
}

const ARROW: &str = r#"<div class="arrow" aria-hidden="true">→</div>"#;

/// Text escaped for element content and double-quoted attribute values. A carriage return
/// is written as a reference too: the HTML parser would turn a raw one into a line feed.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\r']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#13;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// ` class="…"` as `classes!` writes it: the words of `parts` in order, each once, and no
/// attribute at all when there are none.
fn class_attr(o: &mut String, parts: &[&str]) {
    let mut words: Vec<&str> = Vec::new();
    for w in parts.iter().flat_map(|p| p.split_whitespace()) {
        if !words.contains(&w) {
            words.push(w);
        }
    }
    if !words.is_empty() {
        let _ = write!(o, r#" class="{}""#, Esc(&words.join(" ")));
    }
}

/// `<tag class="…">`.
fn open(o: &mut String, tag: &str, parts: &[&str]) {
    o.push('<');
    o.push_str(tag);
    class_attr(o, parts);
    o.push('>');
}

/// A record chip, as [`super::chip`] draws it.
fn chip(o: &mut String, record: &str, class: &str) {
    let hue = record_index(record).map(|i| i % 8).unwrap_or(7);
    open(o, "span", &["chip", &format!("hue{hue}"), class]);
    let _ = write!(o, "{}</span>", Esc(record));
}

/// One line of a box's facts: a key and its value.
fn fact(o: &mut String, class: &str, k: &str, v: &dyn fmt::Display) {
    open(o, "li", &[class]);
    let _ = write!(
        o,
        r#"<span class="k">{}</span><span class="v">{}</span></li>"#,
        Esc(k),
        Esc(&v.to_string())
    );
}

/// `<h3>title</h3><p class="box-desc">desc</p>`.
fn box_head(o: &mut String, (title, desc): (String, String)) {
    let _ = write!(
        o,
        r#"<h3>{}</h3><p class="box-desc">{}</p>"#,
        Esc(&title),
        Esc(&desc)
    );
}

fn source_box(o: &mut String, s: &Scenario, v: &View, tick: u64, instance: u32, hot: &[String]) {
    let entries = source_entries(s);
    let parts = s.workload.partitions.max(1) as u64;
    let read_to = v.positions.get(&instance).copied();
    let queue = matches!(s.source, Source::Queue { .. });
    let log = matches!(s.source, Source::Log { .. });
    let anchor = read_to.or(v.committed).unwrap_or(0) as usize;
    let shown = window(entries.len(), anchor, SHOWN, 8 * parts as usize);
    let entry_chip = |o: &mut String, pos: usize, e: &SourceEntry| {
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
        let on = |b: bool, class: &'static str| if b { class } else { "" };
        o.push_str("<li");
        class_attr(
            o,
            &[
                "entry",
                on(!arrived, "is-future"),
                on(read, "is-read"),
                on(committed || acked, "is-committed"),
                on(leased, "is-leased"),
                on(e.copy, "is-copy"),
            ],
        );
        let title = format!(
            "{} at position {p}{}: {state}",
            e.record,
            if e.copy { " (republished copy)" } else { "" }
        );
        let _ = write!(o, r#" title="{}">"#, Esc(&title));
        chip(o, &e.record, on(hot.contains(&e.record), "is-hot"));
        let _ = write!(
            o,
            r#"<span class="entry-pos">{label}</span><span class="entry-mark" aria-label="{state}">{marks}</span></li>"#
        );
    };
    box_open(o, "box-source", source_title(s));
    let lane_entries = |o: &mut String, part: Option<u64>| {
        o.push_str(r#"<ul class="entries">"#);
        for (e, i) in entries[shown.clone()].iter().zip(shown.clone()) {
            if part.is_none_or(|part| i as u64 % parts == part) {
                entry_chip(o, i, e);
            }
        }
        o.push_str("</ul>");
    };
    if parts > 1 && log {
        for part in 0..parts {
            let _ = write!(
                o,
                r#"<div class="lane"><span class="lane-name">p{part}</span>"#
            );
            lane_entries(o, Some(part));
            o.push_str("</div>");
        }
    } else {
        lane_entries(o, None);
    }
    // A long source shows a window around the read position.
    if shown.len() < entries.len() {
        let _ = write!(
            o,
            r#"<p class="box-more">Positions {}–{} of {}, around the read position.</p>"#,
            shown.start,
            shown.end - 1,
            entries.len()
        );
    }

    o.push_str(r#"<ul class="facts">"#);
    if let Some(r) = read_to {
        fact(o, "", &format!("read position (instance {instance})"), &r);
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
        let k = if parts > 1 {
            "committed offsets"
        } else {
            "committed position"
        };
        fact(o, "", k, &committed);
    }
    if queue {
        let leased = v.leased.values().filter(|u| **u > tick).count();
        let acked = format!("{} of {}", v.acked.len(), entries.len());
        fact(o, "", "acked", &acked);
        fact(o, "", "leased now", &leased);
    }
    fact(o, "", "tick", &tick);
    o.push_str(
        r#"</ul><p class="box-legend" aria-hidden="true"><span class="lg lg-read">read</span>"#,
    );
    if log {
        o.push_str(r#"<span class="lg lg-committed">✓ committed</span>"#);
    }
    if queue {
        o.push_str(r#"<span class="lg lg-committed">✓ acked</span><span class="lg lg-leased">◷ leased</span>"#);
    }
    o.push_str("</p></div>");
}

/// `<div class="box box-…">` and its head.
fn box_open(o: &mut String, class: &str, head: (String, String)) {
    open(o, "div", &["box", class]);
    box_head(o, head);
}

fn engine_box(o: &mut String, s: &Scenario, v: &View, query: Option<&str>) {
    box_open(o, "box-engine", engine_title(s));
    match &s.engine {
        Engine::MicroBatch => {
            let ids = v.checkpoint_batches();
            // The latest batches; earlier ones in one line.
            let earlier = ids.len().saturating_sub(SHOWN_LOG);
            let _ = write!(
                o,
                r#"<p class="ckpt-path">checkpoint/ · query {}</p>"#,
                Esc(query.unwrap_or("—"))
            );
            if ids.is_empty() {
                o.push_str(r#"<p class="muted">empty checkpoint</p>"#);
            } else {
                o.push_str(r#"<table class="ckpt"><thead><tr><th>offset log</th><th>commit log</th></tr></thead><tbody>"#);
                if earlier > 0 {
                    let _ = write!(
                        o,
                        r#"<tr class="more"><td colspan="2">… {earlier} earlier</td></tr>"#
                    );
                }
                for b in ids.iter().skip(earlier) {
                    let off = v.offset_log.get(b);
                    let done = v.commit_log.contains(b);
                    open(
                        o,
                        "tr",
                        &[if off.is_some() && !done {
                            "is-open"
                        } else {
                            ""
                        }],
                    );
                    o.push_str("<td>");
                    match off {
                        Some(off) => {
                            let _ =
                                write!(o, "<code>offsets/{b}</code> [{}, {})", off.start, off.end);
                            if let Some(w) = off.watermark {
                                let _ = write!(o, " wm {w}");
                            }
                        }
                        None => o.push_str(r#"<span class="muted">—</span>"#),
                    }
                    o.push_str("</td><td>");
                    if done {
                        let _ = write!(o, "<code>commits/{b}</code>");
                    } else {
                        o.push_str(r#"<span class="open-note">no commit yet</span>"#);
                    }
                    o.push_str("</td></tr>");
                }
                o.push_str("</tbody></table>");
            }
        }
        Engine::Flink | Engine::Beam { .. } => {
            let flink = matches!(s.engine, Engine::Flink);
            let what = if flink { "checkpoint" } else { "bundle" };
            let earlier = v.checkpoints.len().saturating_sub(SHOWN_LOG);
            let _ = write!(
                o,
                r#"<p class="ckpt-path">{}</p>"#,
                if flink {
                    "completed checkpoints"
                } else {
                    "committed bundles"
                }
            );
            if v.checkpoints.is_empty() {
                o.push_str(r#"<p class="muted">none yet</p>"#);
            } else {
                o.push_str(r#"<ul class="plain">"#);
                if earlier > 0 {
                    let _ = write!(o, r#"<li class="more">… {earlier} earlier</li>"#);
                }
                for (e, p) in v.checkpoints.iter().skip(earlier) {
                    let _ = write!(o, "<li><code>{what} {e}</code> → resume at {p}</li>");
                }
                o.push_str("</ul>");
            }
        }
        Engine::Consumer { .. } => {
            let progress = match (&s.source, v.committed) {
                (Source::Queue { .. }, _) => format!("{} acked", plural(v.acked.len(), "message")),
                (_, Some(c)) => format!("committed: {c}"),
                (_, None) => "nothing committed yet".into(),
            };
            let _ = write!(
                o,
                r#"<p class="ckpt-path">consumer group progress</p><p class="big-fact">{progress}</p>"#
            );
        }
    }
    if let Some(d) = &s.dedup {
        let mode = match d.mode {
            DedupMode::DropDuplicates => "dropDuplicates(id, event time)",
            DedupMode::WithinWatermark => "dropDuplicatesWithinWatermark(id)",
        };
        let wm = match d.watermark_delay {
            Some(w) => format!("watermark delay {w}"),
            None => "no watermark: state kept forever".into(),
        };
        let _ = write!(o, r#"<p class="dedup-tag">{mode} · {wm}</p>"#);
    }
    o.push_str(r#"<ul class="facts">"#);
    if v.deletions > 0 {
        fact(
            o,
            "warn",
            "checkpoint deleted",
            &format!("{}×", v.deletions),
        );
    }
    fact(o, "", "restarts so far", &v.instances.saturating_sub(1));
    o.push_str("</ul></div>");
}

fn sink_box(o: &mut String, s: &Scenario, v: &View, cursor: usize) {
    box_open(o, "box-sink", sink_title(s));
    if v.rows.is_empty() {
        o.push_str(r#"<p class="muted">no rows yet</p>"#);
    } else {
        // The latest rows grouped by place, places in order of first appearance; earlier
        // rows of a long run are summed up in one line.
        let (recent, hidden) = v.recent_rows(SHOWN);
        let mut places: Vec<(&str, Vec<&RowView>)> = Vec::new();
        for r in recent {
            match places.iter_mut().find(|(p, _)| *p == r.place) {
                Some((_, rows)) => rows.push(r),
                None => places.push((r.place.as_str(), vec![r])),
            }
        }
        if hidden.iter().sum::<usize>() > 0 {
            let _ = write!(o, r#"<p class="box-more">{}</p>"#, earlier_rows(hidden));
        }
        o.push_str(r#"<div class="places">"#);
        for (place, rows) in &places {
            // A place that is a stream or a transaction shows its state next to its name.
            let state = v
                .streams
                .iter()
                .find(|st| st.name == *place)
                .map(|st| st.state.as_str())
                .or_else(|| {
                    v.transactions
                        .iter()
                        .find(|(n, _)| n == place)
                        .map(|(_, st)| st.as_str())
                });
            let _ = write!(
                o,
                r#"<div class="place"><span class="place-name"><code>{}</code>"#,
                Esc(place)
            );
            if let Some(st) = state {
                open(o, "span", &["place-state", &format!("ps-{st}")]);
                let _ = write!(o, "{}</span>", Esc(st));
            }
            o.push_str(r#"</span><ul class="rows">"#);
            for r in rows {
                let stale = r.table != v.table_resets;
                let (icon, word) = status_words(r.status);
                let word = if stale { "in a replaced table" } else { word };
                let on = |b: bool, class: &'static str| if b { class } else { "" };
                o.push_str("<li");
                class_attr(
                    o,
                    &[
                        "row",
                        status_class(r.status),
                        on(stale, "is-stale"),
                        on(r.zombie, "is-zombie"),
                        on(r.event == cursor, "is-new"),
                    ],
                );
                let tip = format!(
                    "row {} · {} · {}{} · {}",
                    r.row,
                    r.record,
                    r.batch
                        .map(|b| format!("batch {b}"))
                        .unwrap_or_else(|| "no batch".into()),
                    r.attempt
                        .map(|a| format!(" attempt {a}"))
                        .unwrap_or_default(),
                    word
                );
                let _ = write!(o, r#" title="{0}" aria-label="{0}">"#, Esc(&tip));
                chip(o, &r.record, "");
                let _ = write!(
                    o,
                    r#"<span class="row-st" aria-hidden="true">{}</span></li>"#,
                    if stale { "⌀" } else { icon }
                );
            }
            o.push_str("</ul></div>");
        }
        o.push_str("</div>");
    }
    let counted = v
        .rows
        .values()
        .filter(|r| r.counted(v.table_resets))
        .count();
    o.push_str(r#"<ul class="facts">"#);
    fact(o, "", "rows written", &v.rows.len());
    fact(o, "", "seen by the reader", &counted);
    o.push_str("</ul>");
    if !v.markers.is_empty() {
        o.push_str(r#"<div class="sub"><h4>batch markers</h4><ul class="plain">"#);
        for (name, values) in &v.markers {
            let skip = values.len().saturating_sub(2 * SHOWN_LOG);
            let mut vals: Vec<String> = values.iter().skip(skip).map(|x| x.to_string()).collect();
            if skip > 0 {
                vals.insert(0, "…".into());
            }
            let _ = write!(
                o,
                "<li><code>{}</code>: {}</li>",
                Esc(name),
                vals.join(", ")
            );
        }
        o.push_str("</ul></div>");
    }
    // Transactions that hold rows show their state on their place; list the others.
    let lone_txns: Vec<&(String, String)> = v
        .transactions
        .iter()
        .filter(|(name, _)| !v.rows.values().any(|r| &r.place == name))
        .collect();
    if !lone_txns.is_empty() {
        o.push_str(r#"<div class="sub"><h4>transactions</h4><ul class="plain txns">"#);
        for (name, state) in lone_txns
            .iter()
            .skip(lone_txns.len().saturating_sub(SHOWN_LOG))
        {
            open(
                o,
                "li",
                &["txn", &format!("txn-{}", state.replace(' ', "-"))],
            );
            let _ = write!(o, "<code>{}</code> {}</li>", Esc(name), Esc(state));
        }
        o.push_str("</ul></div>");
    }
    if !v.streams.is_empty() {
        o.push_str(r#"<div class="sub"><h4>write streams</h4><table class="streams"><thead><tr><th>stream</th><th>state</th><th class="num">end</th><th class="num">flushed</th></tr></thead><tbody>"#);
        for st in v
            .streams
            .iter()
            .skip(v.streams.len().saturating_sub(SHOWN_LOG))
        {
            let _ = write!(
                o,
                r#"<tr><td><code>{}</code></td><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                Esc(&st.name),
                Esc(&st.state),
                st.end,
                st.flushed
                    .map(|f| f.to_string())
                    .unwrap_or_else(|| "—".into())
            );
        }
        o.push_str("</tbody></table></div>");
    }
    o.push_str(r#"<p class="box-legend" aria-hidden="true"><span class="lg st-visible">✓ committed</span><span class="lg st-pending">◌ pending</span><span class="lg st-aborted">✕ aborted</span></p></div>"#);
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
