//! Scenario builder: every option of scenario format v1. Each change is validated by the
//! engine; a refused change stays visible with the engine's message and is not applied.

use serde_json::Value;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::super::engine::scenario::{
    CommitMode, DedupBy, DedupMode, EngineKind, FbOrder, FbTransaction, Isolation, Offsets,
    SinkKind, SourceKind, StartingPosition, StreamScope, StreamType, TxnAppId, UpsertKey,
};
use super::{Dispatch, Loaded};
use crate::state::session::{scenario_value, shown_value, Act, Draft, Part};

/// (value, label) choices for a select.
type Choices = &'static [(&'static str, &'static str)];

// The values are the engine's name tables (`engine::scenario`); the labels are the builder's.
const SOURCES: Choices = &[
    (SourceKind::Log.name(), "log (Kafka topic)"),
    (SourceKind::Queue.name(), "queue (Pub/Sub subscription)"),
    (SourceKind::Socket.name(), "socket (not replayable)"),
];
const ENGINES: Choices = &[
    (EngineKind::Consumer.name(), "consumer (poll loop)"),
    (EngineKind::MicroBatch.name(), "Spark micro-batch"),
    (EngineKind::Flink.name(), "Flink checkpoints"),
    (EngineKind::Beam.name(), "Beam / Dataflow"),
];
const DEDUPS: Choices = &[
    ("none", "no dedup stage"),
    (DedupMode::DropDuplicates.name(), "dropDuplicates"),
    (
        DedupMode::WithinWatermark.name(),
        "dropDuplicatesWithinWatermark",
    ),
];
const SINKS: Choices = &[
    (SinkKind::Append.name(), "append (plain INSERT)"),
    (SinkKind::Upsert.name(), "upsert (MERGE)"),
    (SinkKind::File.name(), "file (+ _spark_metadata)"),
    (SinkKind::ForeachBatch.name(), "foreachBatch"),
    (SinkKind::Delta.name(), "Delta"),
    (SinkKind::Kafka.name(), "Kafka"),
    (SinkKind::Bigquery.name(), "BigQuery Storage Write API"),
    (SinkKind::Console.name(), SinkKind::Console.name()),
    (SinkKind::Memory.name(), SinkKind::Memory.name()),
];
const STARTING_POSITIONS: Choices = &[
    (StartingPosition::Earliest.name(), "earliest"),
    (StartingPosition::Latest.name(), "latest"),
];
const COMMIT_MODES: Choices = &[
    (CommitMode::After.name(), "after the write"),
    (CommitMode::Before.name(), "before the write"),
    (CommitMode::Auto.name(), "auto-commit"),
    (CommitMode::Transaction.name(), "in the sink's transaction"),
];
const DEDUP_BYS: Choices = &[
    (DedupBy::MessageId.name(), "message id"),
    (DedupBy::IdAttribute.name(), "id attribute"),
];
const UPSERT_KEYS: Choices = &[
    (UpsertKey::RecordId.name(), "record id"),
    (UpsertKey::SourcePosition.name(), "source position"),
    (UpsertKey::UuidPerAttempt.name(), "uuid per attempt"),
];
const FB_TRANSACTIONS: Choices = &[
    (FbTransaction::Same.name(), "data + marker in one"),
    (FbTransaction::Separate.name(), "separate"),
];
const FB_ORDERS: Choices = &[
    (FbOrder::DataFirst.name(), "data first"),
    (FbOrder::MarkerFirst.name(), "marker first"),
];
const TXN_APP_IDS: Choices = &[
    (TxnAppId::QueryId.name(), "query id"),
    (TxnAppId::Fixed.name(), "fixed"),
    (TxnAppId::None.name(), "none (plain append)"),
];
const ISOLATIONS: Choices = &[
    (
        Isolation::ReadUncommitted.name(),
        Isolation::ReadUncommitted.name(),
    ),
    (
        Isolation::ReadCommitted.name(),
        Isolation::ReadCommitted.name(),
    ),
];
const STREAM_TYPES: Choices = &[
    (StreamType::Default.name(), "_default"),
    (StreamType::Committed.name(), "committed"),
    (StreamType::Pending.name(), "pending"),
    (StreamType::Buffered.name(), "buffered"),
];
const OFFSETS: Choices = &[
    (Offsets::None.name(), "none"),
    (Offsets::Source.name(), "source position"),
    (Offsets::Writer.name(), "writer counter"),
    (Offsets::State.name(), "runner state (Beam)"),
];
const STREAM_SCOPES: Choices = &[
    (StreamScope::Shared.name(), "one shared"),
    (StreamScope::PerBatch.name(), "one per batch"),
];

fn get<'a>(v: &'a Value, part: &str, key: &str) -> Option<&'a Value> {
    v.get(part)
        .and_then(|p| p.get(key))
        .filter(|x| !x.is_null())
}

fn get_str(v: &Value, part: &str, key: &str) -> String {
    get(v, part, key)
        .map(|x| match x {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// A select for a kind (`opt: None`) or one option of a part.
struct Opt {
    part: Part,
    opt: Option<&'static str>,
    label: &'static str,
    choices: Choices,
    /// Offer "default (…)", which removes the option.
    default: Option<&'static str>,
    /// The option is a boolean.
    bools: bool,
}

fn choice(d: &Dispatch, o: Opt, value: String) -> Html {
    let Opt {
        part,
        opt,
        label,
        choices,
        default,
        bools,
    } = o;
    let onchange = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            match opt {
                None => d.dispatch(Act::SetKind(part, v)),
                Some(k) => {
                    let value = if v.is_empty() {
                        None
                    } else if bools {
                        Some(Value::Bool(v == "true"))
                    } else {
                        Some(Value::String(v))
                    };
                    d.dispatch(Act::SetOption(part, k.to_string(), value))
                }
            }
        })
    };
    let opts: Html = choices
        .iter()
        .map(|(v, l)| html! { <option value={*v} selected={value == *v}>{ *l }</option> })
        .collect();
    let id = format!("b-{}-{}", part.key(), opt.unwrap_or("kind"));
    html! {
        <label class="field" for={id.clone()}>
            <span>{ label }</span>
            <select id={id} {onchange} data-testid={format!("builder-{}-{}", part.key(), opt.unwrap_or("kind"))}>
                if let Some(d) = default {
                    <option value="" selected={value.is_empty()}>{ format!("default ({d})") }</option>
                }
                { opts }
            </select>
        </label>
    }
}

fn number(
    d: &Dispatch,
    part: Part,
    opt: &'static str,
    label: &'static str,
    value: String,
    placeholder: Option<&'static str>,
    min: u64,
) -> Html {
    let onchange = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            let v = v.trim();
            let value = if v.is_empty() {
                None
            } else {
                Some(
                    v.parse::<u64>()
                        .map(|n| Value::Number(n.into()))
                        .unwrap_or_else(|_| Value::String(v.to_string())),
                )
            };
            d.dispatch(Act::SetOption(part, opt.to_string(), value))
        })
    };
    let id = format!("b-{}-{}", part.key(), opt);
    html! {
        <label class="field" for={id.clone()}>
            <span>{ label }</span>
            <input id={id} type="number" min={min.to_string()} value={value} {onchange}
                placeholder={placeholder.unwrap_or("")} data-testid={format!("builder-{}-{}", part.key(), opt)} />
        </label>
    }
}

const BOOLS: Choices = &[("true", "yes"), ("false", "no")];

#[derive(Properties, PartialEq)]
pub struct BuilderProps {
    pub loaded: Loaded,
    /// The refused edit, shown in place of the scenario.
    pub draft: Option<Draft>,
    /// Why the JSON editor's text was refused.
    pub json_error: Option<String>,
    pub dispatch: Dispatch,
}

#[function_component(Builder)]
pub fn builder(p: &BuilderProps) -> Html {
    crate::ui::count_render("builder");
    let d = &p.dispatch;
    let v = shown_value(&p.loaded.scenario, p.draft.as_ref());
    let src = get_str(&v, "source", "kind");
    let eng = get_str(&v, "engine", "kind");
    let sink = get_str(&v, "sink", "kind");
    let dedup = v
        .get("dedup")
        .and_then(|d| d.get("mode"))
        .and_then(Value::as_str)
        .unwrap_or("none")
        .to_string();
    let o = |part: &str, key: &str| get_str(&v, part, key);
    let h = d.clone();

    let source_opts = match SourceKind::from_name(&src) {
        Some(SourceKind::Log) => html! {
            { choice(&h, Opt { part: Part::Source, opt: Some("starting_position"), label: "starting position", choices: STARTING_POSITIONS, default: Some("earliest"), bools: false }, o("source", "starting_position")) }
        },
        Some(SourceKind::Queue) => html! {
            <>
                { number(&h, Part::Source, "ack_deadline", "ack deadline (ticks)", o("source", "ack_deadline"), Some("10"), 1) }
                { choice(&h, Opt { part: Part::Source, opt: Some("exactly_once_delivery"), label: "exactly-once delivery", choices: BOOLS, default: Some("no"), bools: true }, o("source", "exactly_once_delivery")) }
            </>
        },
        _ => html! {},
    };
    let engine_opts = match EngineKind::from_name(&eng) {
        Some(EngineKind::Consumer) => html! {
            <>
                { choice(&h, Opt { part: Part::Engine, opt: Some("commit_mode"), label: "commit mode", choices: COMMIT_MODES, default: Some("after"), bools: false }, o("engine", "commit_mode")) }
                if o("engine", "commit_mode") == CommitMode::Auto.name() {
                    { number(&h, Part::Engine, "auto_commit_every", "auto-commit every N polls", o("engine", "auto_commit_every"), Some("1"), 1) }
                }
            </>
        },
        Some(EngineKind::Beam) => html! {
            { choice(&h, Opt { part: Part::Engine, opt: Some("dedup_by"), label: "dedup by", choices: DEDUP_BYS, default: Some("message id"), bools: false }, o("engine", "dedup_by")) }
        },
        _ => html! {},
    };
    let sink_opts = match SinkKind::from_name(&sink) {
        Some(SinkKind::Upsert) => html! {
            { choice(&h, Opt { part: Part::Sink, opt: Some("key"), label: "key", choices: UPSERT_KEYS, default: Some("record id"), bools: false }, o("sink", "key")) }
        },
        Some(SinkKind::ForeachBatch) => html! {
            <>
                { choice(&h, Opt { part: Part::Sink, opt: Some("control_table"), label: "control table (batchId check)", choices: BOOLS, default: Some("yes"), bools: true }, o("sink", "control_table")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("transaction"), label: "transactions", choices: FB_TRANSACTIONS, default: Some("one"), bools: false }, o("sink", "transaction")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("order"), label: "order (separate only)", choices: FB_ORDERS, default: Some("data first"), bools: false }, o("sink", "order")) }
            </>
        },
        Some(SinkKind::Delta) => html! {
            { choice(&h, Opt { part: Part::Sink, opt: Some("txn_app_id"), label: "txn appId", choices: TXN_APP_IDS, default: Some("query id"), bools: false }, o("sink", "txn_app_id")) }
        },
        Some(SinkKind::Kafka) => html! {
            <>
                { choice(&h, Opt { part: Part::Sink, opt: Some("idempotence"), label: "idempotence", choices: BOOLS, default: Some("yes"), bools: true }, o("sink", "idempotence")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("transactions"), label: "transactions", choices: BOOLS, default: Some("no"), bools: true }, o("sink", "transactions")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("isolation"), label: "reader isolation", choices: ISOLATIONS, default: Some(Isolation::ReadUncommitted.name()), bools: false }, o("sink", "isolation")) }
                { number(&h, Part::Sink, "transaction_timeout", "transaction timeout (ticks)", o("sink", "transaction_timeout"), Some("60"), 1) }
            </>
        },
        Some(SinkKind::Bigquery) => html! {
            <>
                { choice(&h, Opt { part: Part::Sink, opt: Some("stream_type"), label: "stream type", choices: STREAM_TYPES, default: Some("_default"), bools: false }, o("sink", "stream_type")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("offsets"), label: "offsets", choices: OFFSETS, default: Some("none"), bools: false }, o("sink", "offsets")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("stream"), label: "stream", choices: STREAM_SCOPES, default: Some("by type"), bools: false }, o("sink", "stream")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("batch_commit"), label: "BatchCommit", choices: BOOLS, default: Some("by type"), bools: true }, o("sink", "batch_commit")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("finalize_on_drain"), label: "finalize on drain", choices: BOOLS, default: Some("no"), bools: true }, o("sink", "finalize_on_drain")) }
            </>
        },
        _ => html! {},
    };

    let draft = p.draft.clone();
    let discard = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Act::DiscardDraft))
    };
    let without_faults = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Act::DraftWithoutFaults))
    };

    // The JSON editor keeps its own text until "Apply".
    let json_now =
        serde_json::to_string_pretty(&scenario_value(&p.loaded.scenario)).unwrap_or_default();
    let text = use_state(|| None::<String>);
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(Some(
                e.target_unchecked_into::<HtmlTextAreaElement>().value(),
            ))
        })
    };
    let apply_json = {
        let d = d.clone();
        let text = text.clone();
        let json_now = json_now.clone();
        Callback::from(move |_: MouseEvent| {
            let t = (*text).clone().unwrap_or_else(|| json_now.clone());
            d.dispatch(Act::LoadJson(t));
            text.set(None);
        })
    };
    let reset_json = {
        let text = text.clone();
        Callback::from(move |_: MouseEvent| text.set(None))
    };
    let json_error = match &p.json_error {
        Some(e) => {
            html! { <p class="msg msg-refused" role="alert"><strong>{ "Not applied: " }</strong>{ e }</p> }
        }
        None => html! {},
    };

    html! {
        <section class="builder card" aria-labelledby="builder-title">
            <h2 id="builder-title">{ "Build a scenario" }</h2>
            <p class="hint">{ "Every change re-runs the engine at once. A combination the engine refuses is explained here and not applied: the last valid scenario keeps running." }</p>
            if let Some(d) = draft {
                <div class="msg msg-refused draft" role="alert" data-testid="builder-error">
                    <p><strong>{ "Not applied — the engine says: " }</strong><code>{ &d.error }</code></p>
                    <p>{ "Change another option to make it valid, or:" }</p>
                    <div class="form-actions">
                        <button class="btn" onclick={discard}>{ "Go back to the running scenario" }</button>
                        if d.error.starts_with("faults") {
                            <button class="btn" onclick={without_faults}>{ "Apply it without the faults" }</button>
                        }
                    </div>
                </div>
            }
            <div class="builder-grid">
                <fieldset>
                    <legend>{ "Workload" }</legend>
                    { number(&h, Part::Workload, "records", "records", o("workload", "records"), None, 1) }
                    { number(&h, Part::Workload, "batch_size", "batch size", o("workload", "batch_size"), None, 1) }
                    { number(&h, Part::Workload, "partitions", "partitions", o("workload", "partitions"), None, 1) }
                </fieldset>
                <fieldset>
                    <legend>{ "Source" }</legend>
                    { choice(&h, Opt { part: Part::Source, opt: None, label: "kind", choices: SOURCES, default: None, bools: false }, src) }
                    { source_opts }
                </fieldset>
                <fieldset>
                    <legend>{ "Engine" }</legend>
                    { choice(&h, Opt { part: Part::Engine, opt: None, label: "kind", choices: ENGINES, default: None, bools: false }, eng) }
                    { engine_opts }
                    { choice(&h, Opt { part: Part::Dedup, opt: None, label: "dedup stage (Spark)", choices: DEDUPS, default: None, bools: false }, dedup.clone()) }
                    if dedup != "none" {
                        { number(&h, Part::Dedup, "watermark_delay", "watermark delay (empty = none)", o("dedup", "watermark_delay"), None, 0) }
                    }
                </fieldset>
                <fieldset class="wide-set">
                    <legend>{ "Sink" }</legend>
                    { choice(&h, Opt { part: Part::Sink, opt: None, label: "kind", choices: SINKS, default: None, bools: false }, sink) }
                    { sink_opts }
                </fieldset>
            </div>
            <details class="json">
                <summary>{ "Edit the scenario as JSON" }</summary>
                <textarea rows="14" spellcheck="false" aria-label="Scenario JSON" value={(*text).clone().unwrap_or(json_now)} oninput={on_text} />
                <div class="form-actions">
                    <button class="btn btn-primary" onclick={apply_json}>{ "Apply JSON" }</button>
                    <button class="btn btn-quiet" onclick={reset_json}>{ "Reset to the running scenario" }</button>
                </div>
                { json_error }
            </details>
        </section>
    }
}
