//! Parsing and validation of scenario format v1 (scenario-format.md §8).
//!
//! The JSON value is walked by hand, so every rejection is one exact `PATH: PROBLEM` message.
//! Every constraint of §§1–7 is a rule here; the first violation in document order wins:
//!
//! * top-level fields in the spec's order: `version`, `seed`, `workload`, `source`, `engine`,
//!   `dedup`, `sink`, `faults` (then each fault in array order);
//! * inside an object: its `kind` first (required, known, compatible with the parts above it),
//!   then its keys (a key of no kind is an unknown field; a key of another kind is "only allowed
//!   when … kind is …"), then its fields in the spec's table order;
//! * a rule that ties two fields is reported at the field the spec states it on; where that
//!   field comes first (`workload.partitions` vs `source.kind`, `source.starting_position` vs
//!   `engine.kind`, `engine.commit_mode` vs `sink`), the later part is peeked at and the rule
//!   only applies once that part's `kind` (and the option the rule needs) is itself valid —
//!   otherwise the later part's own error is the one reported.
//!
//! Serde's derived `Deserialize` of the scenario types is not used here: its messages neither
//! follow §8 nor reject options of another kind.

use std::fmt;

use serde_json::{Map, Value};

use super::scenario::{
    parse_record_id, steps_for, CommitMode, Dedup, DedupBy, DedupMode, Engine, EngineKind, Fault,
    FaultKind, FbTransaction, Offsets, Scenario, Sink, SinkKind, Source, SourceKind,
    StartingPosition, Step, StreamScope, StreamType, WireName, Workload,
};

/// A validation error: `PATH: PROBLEM`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub path: String,
    pub problem: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

impl std::error::Error for ScenarioError {}

/// Parse and validate scenario JSON text.
pub fn parse_scenario(text: &str) -> Result<Scenario, ScenarioError> {
    let v: Value = serde_json::from_str(text).map_err(|e| ScenarioError {
        path: ROOT.into(),
        problem: format!("not valid JSON ({e})"),
    })?;
    parse_value(&v)
}

/// Validate a JSON value and build the scenario.
pub fn parse_value(v: &Value) -> Result<Scenario, ScenarioError> {
    let Value::Object(map) = v else {
        return fail(ROOT, "expected a JSON object");
    };
    let root = Obj {
        path: String::new(),
        map,
    };
    check_keys(&root, TOP_FIELDS, &[])?;
    match root.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        _ => return fail("version", "must be 1"),
    }
    let seed = match root.get("seed") {
        Some(v) => int("seed", v, 0, u64::MAX)?,
        None => 0,
    };
    let workload = parse_workload(&root)?;
    let source = parse_source(&root)?;
    let engine = parse_engine(&root, &source)?;
    let dedup = parse_dedup(&root, &engine)?;
    let sink = parse_sink(&root, &workload, &source, &engine)?;
    let faults = parse_faults(&root, &workload, &source, &engine, &sink)?;
    Ok(Scenario {
        version: 1,
        seed,
        workload,
        source,
        engine,
        dedup,
        sink,
        faults,
    })
}

/// Check an already-built scenario against every rule (used for generated scenarios).
pub fn validate(s: &Scenario) -> Result<(), ScenarioError> {
    let v = serde_json::to_value(s).map_err(|e| ScenarioError {
        path: ROOT.into(),
        problem: format!("cannot be represented as JSON ({e})"),
    })?;
    parse_value(&v).map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Field tables (scenario-format.md §§1–7), each in the spec's order.

const ROOT: &str = "(root)";
const MAX_1E6: u64 = 1_000_000;
const MAX_1E9: u64 = 1_000_000_000;

const TOP_FIELDS: &[&str] = &[
    "version", "seed", "workload", "source", "engine", "dedup", "sink", "faults",
];
const WORKLOAD_FIELDS: &[&str] = &[
    "records",
    "batch_size",
    "partitions",
    "event_times",
    "arrival_ticks",
];
const DEDUP_FIELDS: &[&str] = &["mode", "watermark_delay"];

/// `(kind, fields allowed for that kind)`, the kinds in their name table's order (checked at
/// compile time below).
type KindTable = &'static [(&'static str, &'static [&'static str])];

const SOURCE_KINDS: KindTable = &[
    (SourceKind::Log.name(), &["kind", "starting_position"]),
    (
        SourceKind::Queue.name(),
        &["kind", "ack_deadline", "exactly_once_delivery"],
    ),
    (SourceKind::Socket.name(), &["kind"]),
];
const ENGINE_KINDS: KindTable = &[
    (
        EngineKind::Consumer.name(),
        &["kind", "commit_mode", "auto_commit_every"],
    ),
    (EngineKind::MicroBatch.name(), &["kind"]),
    (EngineKind::Flink.name(), &["kind"]),
    (EngineKind::Beam.name(), &["kind", "dedup_by"]),
];
const SINK_KINDS: KindTable = &[
    (SinkKind::Append.name(), &["kind"]),
    (SinkKind::Upsert.name(), &["kind", "key"]),
    (SinkKind::File.name(), &["kind"]),
    (
        SinkKind::ForeachBatch.name(),
        &["kind", "control_table", "transaction", "order"],
    ),
    (SinkKind::Delta.name(), &["kind", "txn_app_id"]),
    (
        SinkKind::Kafka.name(),
        &[
            "kind",
            "idempotence",
            "transactions",
            "isolation",
            "transaction_timeout",
        ],
    ),
    (
        SinkKind::Bigquery.name(),
        &[
            "kind",
            "stream_type",
            "offsets",
            "stream",
            "batch_commit",
            "finalize_on_drain",
        ],
    ),
    (SinkKind::Console.name(), &["kind"]),
    (SinkKind::Memory.name(), &["kind"]),
];
const FAULT_KINDS: KindTable = &[
    (
        FaultKind::Crash.name(),
        &["kind", "batch", "attempt", "after", "downtime"],
    ),
    (
        FaultKind::CrashMidWrite.name(),
        &["kind", "batch", "attempt", "after_records", "downtime"],
    ),
    (
        FaultKind::LostAck.name(),
        &["kind", "batch", "attempt", "request"],
    ),
    (
        FaultKind::DeleteCheckpoint.name(),
        &["kind", "before_restart"],
    ),
    (
        FaultKind::Zombie.name(),
        &["kind", "batch", "attempt", "after", "downtime"],
    ),
    (
        FaultKind::Pause.name(),
        &["kind", "batch", "attempt", "after", "ticks"],
    ),
    (
        FaultKind::Republish.name(),
        &["kind", "record", "after", "event_time"],
    ),
];

/// Does `table` list exactly `names`, in that order?
const fn same_kinds(table: KindTable, names: &[&str]) -> bool {
    if table.len() != names.len() {
        return false;
    }
    let mut i = 0;
    while i < names.len() {
        let (a, b) = (table[i].0.as_bytes(), names[i].as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut j = 0;
        while j < a.len() {
            if a[j] != b[j] {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}
const _: () = assert!(same_kinds(SOURCE_KINDS, SourceKind::NAMES));
const _: () = assert!(same_kinds(ENGINE_KINDS, EngineKind::NAMES));
const _: () = assert!(same_kinds(SINK_KINDS, SinkKind::NAMES));
const _: () = assert!(same_kinds(FAULT_KINDS, FaultKind::NAMES));

// ---------------------------------------------------------------------------------------------
// Generic helpers.

type R<T> = Result<T, ScenarioError>;

fn fail<T>(path: &str, problem: impl Into<String>) -> R<T> {
    Err(error(path, problem.into()))
}

/// The body of `fail`, not generic and never inlined: `fail` is instantiated for every result
/// type and message type, and only this one copy builds the error.
#[inline(never)]
fn error(path: &str, problem: String) -> ScenarioError {
    ScenarioError {
        path: path.to_string(),
        problem,
    }
}

/// A JSON string literal, as the value is quoted in messages.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
fn quoted_or(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| quoted(n)).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        n => format!("{} or {}", q[..n - 1].join(", "), q[n - 1]),
    }
}

/// A JSON object at a path (`""` for the root).
struct Obj<'a> {
    path: String,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    fn at(&self, field: &str) -> String {
        if self.path.is_empty() {
            field.to_string()
        } else {
            format!("{}.{}", self.path, field)
        }
    }
    fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field)
    }
}

fn object<'a>(path: &str, v: &'a Value) -> R<Obj<'a>> {
    match v {
        Value::Object(map) => Ok(Obj {
            path: path.to_string(),
            map,
        }),
        _ => fail(path, "expected an object"),
    }
}

/// A required top-level object.
fn required_object<'a>(root: &Obj<'a>, field: &str) -> R<Obj<'a>> {
    match root.get(field) {
        Some(v) => object(field, v),
        None => fail(field, "required"),
    }
}

/// Reject every key not in `allowed`; a key some other kind of `kinds` allows gets "only
/// allowed when … kind is …", any other key "unknown field".
fn check_keys(obj: &Obj, allowed: &[&str], kinds: KindTable) -> R<()> {
    for key in obj.map.keys() {
        if allowed.contains(&key.as_str()) {
            continue;
        }
        let owners: Vec<&str> = kinds
            .iter()
            .filter(|(_, fields)| fields.contains(&key.as_str()))
            .map(|(k, _)| *k)
            .collect();
        if owners.is_empty() {
            return fail(
                &obj.at(key),
                format!("unknown field (expected one of: {})", allowed.join(", ")),
            );
        }
        return fail(
            &obj.at(key),
            format!(
                "only allowed when {} is {}",
                obj.at("kind"),
                quoted_or(&owners)
            ),
        );
    }
    Ok(())
}

/// The object's `kind`: required, a string, one of `K`'s names.
fn kind_of<K: WireName>(obj: &Obj) -> R<K> {
    let path = obj.at("kind");
    let Some(v) = obj.get("kind") else {
        return fail(&path, "required");
    };
    pick(&path, v)
}

fn fields_of(kinds: KindTable, kind: &str) -> &'static [&'static str] {
    kinds
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, f)| *f)
        .unwrap_or(&[])
}

/// The valid `kind` of a later top-level part, if it has one (for rules stated on an earlier
/// field that depend on a later part).
fn peek_kind<K: WireName>(root: &Obj, field: &str) -> Option<K> {
    let Some(Value::Object(m)) = root.get(field) else {
        return None;
    };
    let Some(Value::String(s)) = m.get("kind") else {
        return None;
    };
    let i = K::NAMES.iter().position(|k| k == s)?;
    Some(K::ALL[i])
}

/// A JSON integer in `min..=max` ("must be between min and max").
fn int(path: &str, v: &Value, min: u64, max: u64) -> R<u64> {
    int_in(path, v, min, max, || {
        format!("must be between {min} and {max}")
    })
}

/// A JSON integer `>= min` whose only upper bound is the type's (`max`).
fn int_min(path: &str, v: &Value, min: u64, max: u64) -> R<u64> {
    int_in(path, v, min, max, || {
        if int_value(v).is_some_and(|i| i > i128::from(max)) {
            format!("must be at most {max}")
        } else {
            format!("must be at least {min}")
        }
    })
}

/// The value of a JSON integer (`None` for anything else); a float that is integral but
/// beyond the i64/u64 range is an integer literal serde_json could not hold exactly.
fn int_value(v: &Value) -> Option<i128> {
    let Value::Number(n) = v else { return None };
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    let f = n.as_f64()?;
    if f.is_finite() && f.fract() == 0.0 && f.abs() >= 9.0e18 {
        // Saturating cast: only the sign and "out of range" matter.
        return Some(if f > 0.0 { i128::MAX } else { i128::MIN });
    }
    None
}

fn int_in(path: &str, v: &Value, min: u64, max: u64, range: impl Fn() -> String) -> R<u64> {
    let Some(i) = int_value(v) else {
        return fail(path, "expected an integer");
    };
    if i < i128::from(min) || i > i128::from(max) {
        return fail(path, range());
    }
    Ok(i as u64)
}

fn opt_int(obj: &Obj, field: &str, min: u64, max: u64) -> R<Option<u64>> {
    obj.get(field)
        .map(|v| int(&obj.at(field), v, min, max))
        .transpose()
}

fn boolean(path: &str, v: &Value) -> R<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => fail(path, "expected a boolean"),
    }
}

fn opt_bool(obj: &Obj, field: &str) -> R<Option<bool>> {
    obj.get(field)
        .map(|v| boolean(&obj.at(field), v))
        .transpose()
}

/// The value of a string naming one of `T`'s variants.
fn pick<T: WireName>(path: &str, v: &Value) -> R<T> {
    Ok(T::ALL[pick_index(path, v, T::NAMES)?])
}

/// The index of the string `v` among `names` ("expected a string", "unknown value … (expected
/// one of: …)"). Not generic and never inlined, for size: `pick` and `kind_of` are used with a
/// dozen tables at twenty places, and a generic body was compiled (inlined) at each of them.
#[inline(never)]
fn pick_index(path: &str, v: &Value, names: &[&str]) -> R<usize> {
    let Value::String(s) = v else {
        return fail(path, "expected a string");
    };
    match names.iter().position(|n| n == s) {
        Some(i) => Ok(i),
        None => fail(
            path,
            format!(
                "unknown value {} (expected one of: {})",
                quoted(s),
                names.join(", ")
            ),
        ),
    }
}

fn opt_pick<T: WireName>(obj: &Obj, field: &str) -> R<Option<T>> {
    obj.get(field).map(|v| pick(&obj.at(field), v)).transpose()
}

fn string<'a>(path: &str, v: &'a Value) -> R<&'a str> {
    match v {
        Value::String(s) => Ok(s),
        _ => fail(path, "expected a string"),
    }
}

// ---------------------------------------------------------------------------------------------
// §2 workload.

fn parse_workload(root: &Obj) -> R<Workload> {
    let mut w = Workload::default();
    let Some(v) = root.get("workload") else {
        return Ok(w);
    };
    let o = object("workload", v)?;
    check_keys(&o, WORKLOAD_FIELDS, &[])?;
    if let Some(n) = opt_int(&o, "records", 1, MAX_1E6)? {
        w.records = n as u32;
    }
    if let Some(n) = opt_int(&o, "batch_size", 1, MAX_1E6)? {
        w.batch_size = n as u32;
    }
    if let Some(n) = opt_int(&o, "partitions", 1, 64)? {
        w.partitions = n as u32;
        if n > 1 {
            // Stated on `partitions`; `source` comes later and is checked only if its kind is valid.
            if let Some(k) = peek_kind::<SourceKind>(root, "source") {
                if k != SourceKind::Log {
                    return fail(
                        &o.at("partitions"),
                        "must be 1 unless source.kind is \"log\"",
                    );
                }
            }
        }
    }
    let n = w.records as usize;
    w.event_times = int_list(&o, "event_times", n, false)?;
    w.arrival_ticks = int_list(&o, "arrival_ticks", n, true)?;
    Ok(w)
}

/// `n` integers 0..10^9, or null / absent.
fn int_list(o: &Obj, field: &str, n: usize, non_decreasing: bool) -> R<Option<Vec<u64>>> {
    let path = o.at(field);
    let items = match o.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(_) => return fail(&path, "expected an array of integers or null"),
    };
    if items.len() != n {
        return fail(&path, format!("expected {n} values, got {}", items.len()));
    }
    let mut out = Vec::with_capacity(n);
    for (i, v) in items.iter().enumerate() {
        out.push(int(&format!("{path}[{i}]"), v, 0, MAX_1E9)?);
    }
    if non_decreasing && out.windows(2).any(|w| w[0] > w[1]) {
        return fail(&path, "must be non-decreasing");
    }
    Ok(Some(out))
}

// ---------------------------------------------------------------------------------------------
// §3 source.

fn parse_source(root: &Obj) -> R<Source> {
    let o = required_object(root, "source")?;
    let kind: SourceKind = kind_of(&o)?;
    check_keys(&o, fields_of(SOURCE_KINDS, kind.name()), SOURCE_KINDS)?;
    Ok(match kind {
        SourceKind::Log => {
            let starting_position = opt_pick(&o, "starting_position")?;
            if starting_position == Some(StartingPosition::Latest) {
                // Stated on `starting_position`; `engine` comes later (checked if its kind is valid).
                if let Some(e) = peek_kind(root, "engine") {
                    if !matches!(e, EngineKind::Consumer | EngineKind::MicroBatch) {
                        return fail(
                            &o.at("starting_position"),
                            "\"latest\" is only allowed when engine.kind is \"consumer\" or \"micro_batch\"",
                        );
                    }
                }
            }
            Source::Log { starting_position }
        }
        SourceKind::Queue => Source::Queue {
            ack_deadline: opt_int(&o, "ack_deadline", 1, MAX_1E9)?,
            exactly_once_delivery: opt_bool(&o, "exactly_once_delivery")?,
        },
        SourceKind::Socket => Source::Socket,
    })
}

// ---------------------------------------------------------------------------------------------
// §4 engine.

fn parse_engine(root: &Obj, source: &Source) -> R<Engine> {
    let o = required_object(root, "engine")?;
    let kind: EngineKind = kind_of(&o)?;
    let supported = kind.sources();
    if !supported.contains(&source.kind()) {
        let names: Vec<&str> = supported.iter().map(|k| k.name()).collect();
        return fail(
            &o.at("kind"),
            format!(
                "{} does not support source.kind {} (supported: {})",
                quoted(kind.name()),
                quoted(source.kind_name()),
                names.join(", ")
            ),
        );
    }
    check_keys(&o, fields_of(ENGINE_KINDS, kind.name()), ENGINE_KINDS)?;
    Ok(match kind {
        EngineKind::Consumer => {
            let commit_mode = opt_pick(&o, "commit_mode")?;
            let mode = commit_mode.unwrap_or(CommitMode::After);
            let path = o.at("commit_mode");
            if matches!(mode, CommitMode::Auto | CommitMode::Transaction)
                && source.kind() != SourceKind::Log
            {
                let name = mode.name();
                return fail(&path, format!("{} needs source.kind \"log\"", quoted(name)));
            }
            if mode == CommitMode::Transaction {
                // `sink` comes later: checked if its kind (and `transactions`) are valid.
                let transactional = match peek_kind(root, "sink") {
                    None => None,
                    Some(SinkKind::Kafka) => {
                        match root.get("sink").and_then(|s| s.get("transactions")) {
                            None => Some(false),
                            Some(Value::Bool(b)) => Some(*b),
                            Some(_) => None,
                        }
                    }
                    Some(_) => Some(false),
                };
                if transactional == Some(false) {
                    return fail(
                        &path,
                        "\"transaction\" needs sink.kind \"kafka\" with sink.transactions true",
                    );
                }
            }
            let auto_commit_every = match o.get("auto_commit_every") {
                None => None,
                Some(v) => {
                    let path = o.at("auto_commit_every");
                    if mode != CommitMode::Auto {
                        return fail(&path, "only allowed when engine.commit_mode is \"auto\"");
                    }
                    Some(int(&path, v, 1, MAX_1E6)? as u32)
                }
            };
            Engine::Consumer {
                commit_mode,
                auto_commit_every,
            }
        }
        EngineKind::MicroBatch => Engine::MicroBatch,
        EngineKind::Flink => Engine::Flink,
        EngineKind::Beam => {
            let dedup_by = opt_pick(&o, "dedup_by")?;
            if dedup_by == Some(DedupBy::IdAttribute) && source.kind() != SourceKind::Queue {
                return fail(
                    &o.at("dedup_by"),
                    "\"id_attribute\" is only allowed when source.kind is \"queue\"",
                );
            }
            Engine::Beam { dedup_by }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// §5 dedup.

fn parse_dedup(root: &Obj, engine: &Engine) -> R<Option<Dedup>> {
    let v = match root.get("dedup") {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    if !matches!(engine, Engine::MicroBatch) {
        return fail("dedup", "only allowed when engine.kind is \"micro_batch\"");
    }
    let Value::Object(map) = v else {
        return fail("dedup", "expected an object or null");
    };
    let o = Obj {
        path: "dedup".into(),
        map,
    };
    check_keys(&o, DEDUP_FIELDS, &[])?;
    let mode = opt_pick(&o, "mode")?.unwrap_or(DedupMode::DropDuplicates);
    let watermark_delay = match o.get("watermark_delay") {
        None | Some(Value::Null) => None,
        Some(v) => Some(int(&o.at("watermark_delay"), v, 0, MAX_1E9)?),
    };
    if mode == DedupMode::WithinWatermark && watermark_delay.is_none() {
        return fail(
            &o.at("watermark_delay"),
            "required when dedup.mode is \"within_watermark\"",
        );
    }
    Ok(Some(Dedup {
        mode,
        watermark_delay,
    }))
}

// ---------------------------------------------------------------------------------------------
// §6 sink.

fn parse_sink(root: &Obj, workload: &Workload, source: &Source, engine: &Engine) -> R<Sink> {
    let o = required_object(root, "sink")?;
    let kind: SinkKind = kind_of(&o)?;
    let supported = kind.engines();
    if !supported.contains(&engine.kind()) {
        let names: Vec<&str> = supported.iter().map(|k| k.name()).collect();
        return fail(
            &o.at("kind"),
            format!(
                "{} does not support engine.kind {} (supported: {})",
                quoted(kind.name()),
                quoted(engine.kind_name()),
                names.join(", ")
            ),
        );
    }
    check_keys(&o, fields_of(SINK_KINDS, kind.name()), SINK_KINDS)?;
    Ok(match kind {
        SinkKind::Append => Sink::Append,
        SinkKind::Upsert => Sink::Upsert {
            key: opt_pick(&o, "key")?,
        },
        SinkKind::File => Sink::File,
        SinkKind::ForeachBatch => parse_foreach_batch(&o)?,
        SinkKind::Delta => Sink::Delta {
            txn_app_id: opt_pick(&o, "txn_app_id")?,
        },
        SinkKind::Kafka => parse_kafka(&o, engine)?,
        SinkKind::Bigquery => parse_bigquery(&o, workload, source, engine)?,
        SinkKind::Console => Sink::Console,
        SinkKind::Memory => Sink::Memory,
    })
}

fn parse_foreach_batch(o: &Obj) -> R<Sink> {
    let control_table = opt_bool(o, "control_table")?;
    let with_table = control_table.unwrap_or(true);
    let transaction = match o.get("transaction") {
        None => None,
        Some(v) => {
            let path = o.at("transaction");
            if !with_table {
                return fail(&path, "only allowed when sink.control_table is true");
            }
            Some(pick(&path, v)?)
        }
    };
    let order = match o.get("order") {
        None => None,
        Some(v) => {
            let path = o.at("order");
            if !with_table {
                return fail(&path, "only allowed when sink.control_table is true");
            }
            if transaction != Some(FbTransaction::Separate) {
                return fail(&path, "only allowed when sink.transaction is \"separate\"");
            }
            Some(pick(&path, v)?)
        }
    };
    Ok(Sink::ForeachBatch {
        control_table,
        transaction,
        order,
    })
}

fn parse_kafka(o: &Obj, engine: &Engine) -> R<Sink> {
    let idempotence = opt_bool(o, "idempotence")?;
    let transactions = opt_bool(o, "transactions")?;
    if transactions == Some(true) {
        let path = o.at("transactions");
        if matches!(engine, Engine::MicroBatch) {
            return fail(
                &path,
                "Spark's Kafka sink has no transactions; not allowed with engine.kind \"micro_batch\"",
            );
        }
        if idempotence == Some(false) {
            return fail(&path, "true needs sink.idempotence true");
        }
    }
    let isolation = opt_pick(o, "isolation")?;
    let transaction_timeout = match o.get("transaction_timeout") {
        None => None,
        Some(v) => {
            let path = o.at("transaction_timeout");
            if transactions != Some(true) {
                return fail(&path, "only allowed when sink.transactions is true");
            }
            Some(int(&path, v, 1, MAX_1E9)?)
        }
    };
    Ok(Sink::Kafka {
        idempotence,
        transactions,
        isolation,
        transaction_timeout,
    })
}

fn parse_bigquery(o: &Obj, workload: &Workload, source: &Source, engine: &Engine) -> R<Sink> {
    let stream_type = opt_pick(o, "stream_type")?;
    let st = stream_type.unwrap_or(StreamType::Default);
    let st_name = quoted(st.name());

    let offsets = opt_pick(o, "offsets")?;
    let off = offsets.unwrap_or(Offsets::None);
    let off_name = quoted(off.name());
    let path = o.at("offsets");
    match (st, off) {
        (StreamType::Default, o) if o != Offsets::None => {
            return fail(&path, "the _default stream takes no offsets");
        }
        (StreamType::Pending, Offsets::Source | Offsets::State) => {
            return fail(
                &path,
                format!(
                    "{off_name} is not allowed when sink.stream_type is \"pending\" (allowed: none, writer)"
                ),
            );
        }
        _ => {}
    }
    if off == Offsets::Source {
        if !matches!(source, Source::Log { .. }) {
            return fail(
                &path,
                "\"source\" is only allowed when source.kind is \"log\"",
            );
        }
        if workload.partitions != 1 {
            return fail(
                &path,
                "\"source\" is only allowed when workload.partitions is 1",
            );
        }
    }
    if off == Offsets::State && !matches!(engine, Engine::Beam { .. }) {
        return fail(
            &path,
            "\"state\" is only allowed when engine.kind is \"beam\"",
        );
    }

    let stream = match o.get("stream") {
        None => None,
        Some(v) => {
            let path = o.at("stream");
            if st == StreamType::Default {
                return fail(
                    &path,
                    format!("not allowed when sink.stream_type is {st_name}"),
                );
            }
            let scope = pick(&path, v)?;
            match (st, scope) {
                (StreamType::Committed, StreamScope::PerBatch)
                    if matches!(off, Offsets::Source | Offsets::State) =>
                {
                    return fail(
                        &path,
                        format!(
                            "\"per_batch\" is not allowed when sink.offsets is {off_name} (source and state need \"shared\")"
                        ),
                    );
                }
                (StreamType::Pending, StreamScope::Shared) => {
                    return fail(
                        &path,
                        "must be \"per_batch\" when sink.stream_type is \"pending\"",
                    );
                }
                (StreamType::Buffered, StreamScope::PerBatch) => {
                    return fail(
                        &path,
                        "must be \"shared\" when sink.stream_type is \"buffered\"",
                    );
                }
                _ => {}
            }
            Some(scope)
        }
    };
    let scope = stream.unwrap_or(match st {
        StreamType::Pending => StreamScope::PerBatch,
        _ => StreamScope::Shared,
    });

    let batch_commit = match o.get("batch_commit") {
        None => None,
        Some(v) => {
            let path = o.at("batch_commit");
            match st {
                StreamType::Default | StreamType::Buffered => {
                    return fail(
                        &path,
                        format!("not allowed when sink.stream_type is {st_name}"),
                    );
                }
                StreamType::Committed if scope != StreamScope::PerBatch => {
                    return fail(&path, "only allowed when sink.stream is \"per_batch\"");
                }
                _ => {}
            }
            let b = boolean(&path, v)?;
            if st == StreamType::Pending && !b {
                return fail(&path, "must be true when sink.stream_type is \"pending\"");
            }
            Some(b)
        }
    };

    let finalize_on_drain = match o.get("finalize_on_drain") {
        None => None,
        Some(v) => {
            let path = o.at("finalize_on_drain");
            match st {
                StreamType::Default | StreamType::Pending => {
                    return fail(
                        &path,
                        format!("not allowed when sink.stream_type is {st_name}"),
                    );
                }
                StreamType::Committed if scope != StreamScope::Shared => {
                    return fail(&path, "only allowed when sink.stream is \"shared\"");
                }
                _ => {}
            }
            Some(boolean(&path, v)?)
        }
    };

    Ok(Sink::Bigquery {
        stream_type,
        offsets,
        stream,
        batch_commit,
        finalize_on_drain,
    })
}

// ---------------------------------------------------------------------------------------------
// §7 faults.

fn parse_faults(
    root: &Obj,
    workload: &Workload,
    source: &Source,
    engine: &Engine,
    sink: &Sink,
) -> R<Vec<Fault>> {
    let items = match root.get("faults") {
        None => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return fail("faults", "expected an array"),
    };
    let steps = steps_for(engine, source, sink.cfg());
    let mut faults: Vec<Fault> = Vec::with_capacity(items.len());
    // (batch, attempt, index) of every crash, crash_mid_write and zombie so far.
    let mut placed: Vec<(u64, u32, usize)> = Vec::new();
    let mut zombie: Option<usize> = None;
    for (i, v) in items.iter().enumerate() {
        let path = format!("faults[{i}]");
        let o = object(&path, v)?;
        let kind: FaultKind = kind_of(&o)?;
        // §7's table (fault.rs), reported at `faults[i].kind`.
        if let Err(r) = kind.applies_to(source, engine, sink) {
            return fail(&o.at("kind"), r.to_string());
        }
        check_keys(&o, fields_of(FAULT_KINDS, kind.name()), FAULT_KINDS)?;
        let fault = parse_fault(&o, kind, workload, source, engine, sink, &steps)?;
        if kind == FaultKind::Zombie {
            if let Some(j) = zombie {
                return fail(
                    &path,
                    format!("only one zombie is allowed per scenario (faults[{j}])"),
                );
            }
            zombie = Some(i);
        }
        if let Fault::Crash { batch, attempt, .. }
        | Fault::CrashMidWrite { batch, attempt, .. }
        | Fault::Zombie { batch, attempt, .. } = fault
        {
            if let Some(&(_, _, j)) = placed.iter().find(|(b, a, _)| *b == batch && *a == attempt) {
                return fail(
                    &path,
                    format!(
                        "a crash, crash_mid_write or zombie is already placed at batch {batch} attempt {attempt} (faults[{j}])"
                    ),
                );
            }
            placed.push((batch, attempt, i));
        }
        faults.push(fault);
    }
    Ok(faults)
}

fn parse_fault(
    o: &Obj,
    kind: FaultKind,
    workload: &Workload,
    source: &Source,
    engine: &Engine,
    sink: &Sink,
    steps: &[Step],
) -> R<Fault> {
    let required = |field: &str| -> R<&Value> {
        match o.get(field) {
            Some(v) => Ok(v),
            None => fail(&o.at(field), "required"),
        }
    };
    if kind == FaultKind::DeleteCheckpoint {
        let before_restart = match o.get("before_restart") {
            Some(v) => int_min(&o.at("before_restart"), v, 1, u64::from(u32::MAX))? as u32,
            None => 1,
        };
        return Ok(Fault::DeleteCheckpoint { before_restart });
    }
    if kind == FaultKind::Republish {
        let n = workload.records as usize;
        let rpath = o.at("record");
        let record = string(&rpath, required("record")?)?;
        let Some(ri) = parse_record_id(record, n) else {
            return fail(&rpath, format!("unknown record {}", quoted(record)));
        };
        let after = match o.get("after") {
            None => None,
            Some(v) => {
                let apath = o.at("after");
                let after = string(&apath, v)?;
                let Some(ai) = parse_record_id(after, n) else {
                    return fail(&apath, format!("unknown record {}", quoted(after)));
                };
                if ai < ri {
                    return fail(&apath, format!("must not precede {}", quoted(record)));
                }
                Some(after.to_string())
            }
        };
        let event_time = match o.get("event_time") {
            None | Some(Value::Null) => None,
            Some(v) => Some(int(&o.at("event_time"), v, 0, MAX_1E9)?),
        };
        return Ok(Fault::Republish {
            record: record.to_string(),
            after,
            event_time,
        });
    }

    // Batch-point faults: batch, attempt, then the kind's own fields.
    let batch = int(&o.at("batch"), required("batch")?, 0, MAX_1E6)?;
    let attempt = match o.get("attempt") {
        Some(v) => int(&o.at("attempt"), v, 1, 1000)? as u32,
        None => 1,
    };
    let after = || -> R<Step> {
        let path = o.at("after");
        let name = string(&path, required("after")?)?;
        match steps.iter().find(|s| s.name() == name) {
            Some(s) => Ok(*s),
            None => fail(&path, step_problem(name, steps, source, engine, sink)),
        }
    };
    let downtime = || -> R<u64> {
        match o.get("downtime") {
            Some(v) => int(&o.at("downtime"), v, 0, MAX_1E9),
            None => Ok(1),
        }
    };
    Ok(match kind {
        FaultKind::Crash => Fault::Crash {
            batch,
            attempt,
            after: after()?,
            downtime: downtime()?,
        },
        FaultKind::CrashMidWrite => Fault::CrashMidWrite {
            batch,
            attempt,
            after_records: int_min(
                &o.at("after_records"),
                required("after_records")?,
                1,
                u64::MAX,
            )?,
            downtime: downtime()?,
        },
        FaultKind::LostAck => Fault::LostAck {
            batch,
            attempt,
            request: int_min(&o.at("request"), required("request")?, 0, u64::MAX)?,
        },
        FaultKind::Zombie => Fault::Zombie {
            batch,
            attempt,
            after: after()?,
            downtime: downtime()?,
        },
        _ => Fault::Pause {
            batch,
            attempt,
            after: after()?,
            ticks: int(&o.at("ticks"), required("ticks")?, 1, MAX_1E9)?,
        },
    })
}

/// `step "x" does not exist for engine "…" [with …] (steps: …)`.
fn step_problem(
    name: &str,
    steps: &[Step],
    source: &Source,
    engine: &Engine,
    sink: &Sink,
) -> String {
    let which = match engine {
        Engine::Consumer { .. } => format!(
            "engine \"consumer\" with commit_mode {}",
            quoted(engine.commit_mode().name())
        ),
        Engine::Beam { .. } => format!(
            "engine \"beam\" with source.kind {}",
            quoted(source.kind_name())
        ),
        _ => format!("engine {}", quoted(engine.kind_name())),
    };
    let names: Vec<&str> = steps.iter().map(|s| s.name()).collect();
    let mut problem = format!(
        "step {} does not exist for {which} (steps: {})",
        quoted(name),
        names.join(", ")
    );
    if name == Step::SinkCommit.name() && !sink.cfg().has_commit() {
        problem.push_str(&format!(
            "; sink.kind {} as configured has no commit step",
            quoted(sink.kind_name())
        ));
    }
    problem
}
