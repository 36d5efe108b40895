//! Scenario builder: every option of scenario format v1. Each change is validated by the
//! engine; a refused change stays visible with the engine's message and is not applied.

use serde_json::Value;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::super::session::{Act, Message, Part};
use super::{Handle, Props};

/// (value, label) choices for a select.
type Choices = &'static [(&'static str, &'static str)];

const SOURCES: Choices = &[
    ("log", "log (Kafka topic)"),
    ("queue", "queue (Pub/Sub subscription)"),
    ("socket", "socket (not replayable)"),
];
const ENGINES: Choices = &[
    ("consumer", "consumer (poll loop)"),
    ("micro_batch", "Spark micro-batch"),
    ("flink", "Flink checkpoints"),
    ("beam", "Beam / Dataflow"),
];
const DEDUPS: Choices = &[
    ("none", "no dedup stage"),
    ("drop_duplicates", "dropDuplicates"),
    ("within_watermark", "dropDuplicatesWithinWatermark"),
];
const SINKS: Choices = &[
    ("append", "append (plain INSERT)"),
    ("upsert", "upsert (MERGE)"),
    ("file", "file (+ _spark_metadata)"),
    ("foreach_batch", "foreachBatch"),
    ("delta", "Delta"),
    ("kafka", "Kafka"),
    ("bigquery", "BigQuery Storage Write API"),
    ("console", "console"),
    ("memory", "memory"),
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

fn choice(s: &Handle, o: Opt, value: String) -> Html {
    let Opt {
        part,
        opt,
        label,
        choices,
        default,
        bools,
    } = o;
    let onchange = {
        let s = s.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            match opt {
                None => s.dispatch(Act::SetKind(part, v)),
                Some(k) => {
                    let value = if v.is_empty() {
                        None
                    } else if bools {
                        Some(Value::Bool(v == "true"))
                    } else {
                        Some(Value::String(v))
                    };
                    s.dispatch(Act::SetOption(part, k.to_string(), value))
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
    s: &Handle,
    part: Part,
    opt: &'static str,
    label: &'static str,
    value: String,
    placeholder: Option<&'static str>,
    min: u64,
) -> Html {
    let onchange = {
        let s = s.clone();
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
            s.dispatch(Act::SetOption(part, opt.to_string(), value))
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

#[function_component(Builder)]
pub fn builder(p: &Props) -> Html {
    let s = &p.s;
    let v = s.shown_value();
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
    let h = s.clone();

    let source_opts = match src.as_str() {
        "log" => html! {
            { choice(&h, Opt { part: Part::Source, opt: Some("starting_position"), label: "starting position", choices: &[("earliest", "earliest"), ("latest", "latest")][..], default: Some("earliest"), bools: false }, o("source", "starting_position")) }
        },
        "queue" => html! {
            <>
                { number(&h, Part::Source, "ack_deadline", "ack deadline (ticks)", o("source", "ack_deadline"), Some("10"), 1) }
                { choice(&h, Opt { part: Part::Source, opt: Some("exactly_once_delivery"), label: "exactly-once delivery", choices: BOOLS, default: Some("no"), bools: true }, o("source", "exactly_once_delivery")) }
            </>
        },
        _ => html! {},
    };
    let engine_opts = match eng.as_str() {
        "consumer" => html! {
            <>
                { choice(&h, Opt { part: Part::Engine, opt: Some("commit_mode"), label: "commit mode", choices: &[("after", "after the write"), ("before", "before the write"), ("auto", "auto-commit"), ("transaction", "in the sink's transaction")][..], default: Some("after"), bools: false }, o("engine", "commit_mode")) }
                if o("engine", "commit_mode") == "auto" {
                    { number(&h, Part::Engine, "auto_commit_every", "auto-commit every N polls", o("engine", "auto_commit_every"), Some("1"), 1) }
                }
            </>
        },
        "beam" => html! {
            { choice(&h, Opt { part: Part::Engine, opt: Some("dedup_by"), label: "dedup by", choices: &[("message_id", "message id"), ("id_attribute", "id attribute")][..], default: Some("message id"), bools: false }, o("engine", "dedup_by")) }
        },
        _ => html! {},
    };
    let sink_opts = match sink.as_str() {
        "upsert" => html! {
            { choice(&h, Opt { part: Part::Sink, opt: Some("key"), label: "key", choices: &[("record_id", "record id"), ("source_position", "source position"), ("uuid_per_attempt", "uuid per attempt")][..], default: Some("record id"), bools: false }, o("sink", "key")) }
        },
        "foreach_batch" => html! {
            <>
                { choice(&h, Opt { part: Part::Sink, opt: Some("control_table"), label: "control table (batchId check)", choices: BOOLS, default: Some("yes"), bools: true }, o("sink", "control_table")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("transaction"), label: "transactions", choices: &[("same", "data + marker in one"), ("separate", "separate")][..], default: Some("one"), bools: false }, o("sink", "transaction")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("order"), label: "order (separate only)", choices: &[("data_first", "data first"), ("marker_first", "marker first")][..], default: Some("data first"), bools: false }, o("sink", "order")) }
            </>
        },
        "delta" => html! {
            { choice(&h, Opt { part: Part::Sink, opt: Some("txn_app_id"), label: "txn appId", choices: &[("query_id", "query id"), ("fixed", "fixed"), ("none", "none (plain append)")][..], default: Some("query id"), bools: false }, o("sink", "txn_app_id")) }
        },
        "kafka" => html! {
            <>
                { choice(&h, Opt { part: Part::Sink, opt: Some("idempotence"), label: "idempotence", choices: BOOLS, default: Some("yes"), bools: true }, o("sink", "idempotence")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("transactions"), label: "transactions", choices: BOOLS, default: Some("no"), bools: true }, o("sink", "transactions")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("isolation"), label: "reader isolation", choices: &[("read_uncommitted", "read_uncommitted"), ("read_committed", "read_committed")][..], default: Some("read_uncommitted"), bools: false }, o("sink", "isolation")) }
                { number(&h, Part::Sink, "transaction_timeout", "transaction timeout (ticks)", o("sink", "transaction_timeout"), Some("60"), 1) }
            </>
        },
        "bigquery" => html! {
            <>
                { choice(&h, Opt { part: Part::Sink, opt: Some("stream_type"), label: "stream type", choices: &[("default", "_default"), ("committed", "committed"), ("pending", "pending"), ("buffered", "buffered")][..], default: Some("_default"), bools: false }, o("sink", "stream_type")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("offsets"), label: "offsets", choices: &[("none", "none"), ("source", "source position"), ("writer", "writer counter"), ("state", "runner state (Beam)")][..], default: Some("none"), bools: false }, o("sink", "offsets")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("stream"), label: "stream", choices: &[("shared", "one shared"), ("per_batch", "one per batch")][..], default: Some("by type"), bools: false }, o("sink", "stream")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("batch_commit"), label: "BatchCommit", choices: BOOLS, default: Some("by type"), bools: true }, o("sink", "batch_commit")) }
                { choice(&h, Opt { part: Part::Sink, opt: Some("finalize_on_drain"), label: "finalize on drain", choices: BOOLS, default: Some("no"), bools: true }, o("sink", "finalize_on_drain")) }
            </>
        },
        _ => html! {},
    };

    let draft = s.draft.clone();
    let discard = {
        let s = s.clone();
        Callback::from(move |_: MouseEvent| s.dispatch(Act::DiscardDraft))
    };
    let without_faults = {
        let s = s.clone();
        Callback::from(move |_: MouseEvent| s.dispatch(Act::DraftWithoutFaults))
    };

    // The JSON editor keeps its own text until "Apply".
    let json_now = serde_json::to_string_pretty(&s.scenario_value()).unwrap_or_default();
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
        let s = s.clone();
        let text = text.clone();
        let json_now = json_now.clone();
        Callback::from(move |_: MouseEvent| {
            let t = (*text).clone().unwrap_or_else(|| json_now.clone());
            s.dispatch(Act::LoadJson(t));
            text.set(None);
        })
    };
    let reset_json = {
        let text = text.clone();
        Callback::from(move |_: MouseEvent| text.set(None))
    };
    let json_error = match &s.message {
        Some(Message::JsonRefused(e)) => {
            html! { <p class="msg msg-refused" role="alert"><strong>{ "Not applied: " }</strong>{ e }</p> }
        }
        _ => html! {},
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
