//! What the fidelity suite found: which scenarios ran against real Spark and real Flink,
//! and what the real systems did, read from `fidelity.json` (written by `fidelity/run`,
//! committed as `assets/fidelity.json`).
//!
//! The browser build fetches the file the first time a view asks whether its scenario
//! was checked, and shows a mark on presets, lessons and quiz questions whose scenario
//! (configuration and faults) a fidelity scenario ran, opening the real result beside
//! the engine's. Only scenarios the suite compared with the engine count: a "note
//! check" ran under another setting than the course's, and a scenario that could not be
//! reproduced has no real result.

use serde_json::Value;

use crate::engine::{self, Scenario};
use crate::jsondoc::{self, leak, leak_str, Item, Obj};

/// The file name the browser build fetches (relative to the page).
pub const FILE: &str = "fidelity.json";

/// The real system a scenario ran on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    Spark,
    Flink,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            System::Spark => "Spark",
            System::Flink => "Flink",
        }
    }
}

/// Everything the suite's last run found that the app shows.
#[derive(Debug, PartialEq)]
pub struct Checks {
    /// `4.3.0`, `2.3.0`.
    pub spark_version: &'static str,
    pub flink_version: &'static str,
    /// When the suite ran (UTC, ISO 8601).
    pub generated_at: &'static str,
    /// The scenarios the suite compared with the engine, in the report's order.
    pub checked: &'static [Check],
}

/// One scenario that ran on a real system and was compared with the engine.
#[derive(Debug, PartialEq)]
pub struct Check {
    pub system: System,
    /// The scenario's file, from the repository root (`fidelity/scenarios/08-append-crash-after-write.json`).
    pub file: &'static str,
    pub title: &'static str,
    pub scenario: Scenario,
    /// The real run agreed with the engine on everything the suite compares.
    pub agrees: bool,
    /// The engine's prediction when the suite ran (`crashcourse run` of this tree).
    pub engine: Observed,
    /// What the real system did.
    pub real: Observed,
    /// The suite compared the durable progress (false where the real ids are shifted, as
    /// with Spark's socket source, which runs an empty batch 0 first).
    pub progress_compared: bool,
    /// The suite's notes: how the real run stood in for the scenario (sources, sinks) and
    /// what happened on the way, in its words.
    pub how: &'static [&'static str],
    /// The real run's log: each process run, where it died and what it restored.
    pub log: &'static [&'static str],
    /// What the suite found different, when it did not agree.
    pub differences: &'static [&'static str],
}

/// The outcome of one run, engine or real, as the suite compares it.
#[derive(Debug, PartialEq, Eq)]
pub struct Observed {
    /// The reader the headline counts are for; listed first in `readers`.
    pub primary_reader: &'static str,
    pub readers: &'static [Reader],
    pub restarts: u64,
    /// The durable progress at the end: (what, value), such as ("offset log", "0–4").
    pub progress: &'static [(&'static str, String)],
}

/// What one reader saw: records never seen, records seen more than once (with counts).
#[derive(Debug, PartialEq, Eq)]
pub struct Reader {
    pub name: &'static str,
    pub missing: &'static [&'static str],
    pub duplicated: &'static [(&'static str, u64)],
}

impl Checks {
    /// The check whose scenario is `sc`: the same configuration and faults, defaults
    /// filled in.
    pub fn find(&self, sc: &Scenario) -> Option<&'static Check> {
        let sc = sc.resolved();
        self.checked.iter().find(|c| c.scenario.resolved() == sc)
    }

    /// "Spark 4.3", "Flink 2.3": the system and its minor version.
    pub fn system_label(&self, s: System) -> String {
        let v = match s {
            System::Spark => self.spark_version,
            System::Flink => self.flink_version,
        };
        let minor: Vec<&str> = v.split('.').take(2).collect();
        format!("{} {}", s.name(), minor.join("."))
    }
}

/// Every preset, lesson and quiz question with its scenario, named `preset spark-upsert`,
/// `lesson …`, `quiz …` (natively, where the course text is compiled in). One that does
/// not parse is left out (tests/lessons.rs checks that every one parses).
#[cfg(not(target_arch = "wasm32"))]
pub fn course() -> Vec<(String, Scenario)> {
    let text = crate::content::builtin();
    let presets = crate::presets::presets();
    presets
        .iter()
        .map(|p| ("preset", p.id, p.scenario_json))
        .chain(text.lessons.iter().map(|l| ("lesson", l.id, l.scenario)))
        .chain(text.quiz.iter().map(|q| ("quiz", q.id, q.scenario)))
        .filter_map(|(kind, id, json)| {
            let sc = engine::parse_scenario(json).ok()?;
            Some((format!("{kind} {id}"), sc))
        })
        .collect()
}

/// The names of `course` ([`course`]) that run exactly `sc` (defaults resolved, as
/// [`Checks::find`] compares): what the app marks when a check ran `sc`. `crashcourse
/// backs` prints it for the fidelity suite's report, so the suite and the app decide "the
/// same scenario" in one place.
pub fn course_running(course: &[(String, Scenario)], sc: &Scenario) -> Vec<String> {
    let sc = sc.resolved();
    course
        .iter()
        .filter(|(_, c)| c.resolved() == sc)
        .map(|(name, _)| name.clone())
        .collect()
}

/// Parse a fidelity report (`fidelity.json`). Scenarios the suite did not compare with
/// the engine (not reachable, note checks) are left out.
pub fn parse(text: &str) -> Result<Checks, String> {
    let v = jsondoc::parse(FILE, text)?;
    let root = Obj::root(&v, FILE)?;
    let checked = root.objects("scenarios", |o| {
        if o.opt_str("compared_with")? != Some("engine") {
            return Ok(None);
        }
        let agrees = match o.str("verdict")? {
            "match" => true,
            "MISMATCH" => false,
            _ => return Ok(None),
        };
        let system = match o.str("system")? {
            "spark" => System::Spark,
            "flink" => System::Flink,
            other => return Err(o.problem("system", &format!("unknown system \"{other}\""))),
        };
        let scenario = engine::parse_value(o.item("scenario")?.value())
            .map_err(|e| o.problem("scenario", &e.to_string()))?;
        let real = o.obj("real")?;
        let log = match system {
            System::Flink => real.list("log_excerpt", Item::str)?,
            System::Spark => real.objects("runs", spark_run)?,
        };
        Ok(Some(Check {
            system,
            file: o.str("file")?,
            title: o.str("title")?,
            scenario,
            agrees,
            engine: observed(&o.obj("engine")?)?,
            real: observed(&real)?,
            progress_compared: real.get("final_state_compared") != Some(&Value::Bool(false)),
            how: leak(o.list("notes", Item::str)?),
            log: leak(log),
            differences: leak(o.list("differences", Item::str)?),
        }))
    })?;
    let checked: Vec<Check> = checked.into_iter().flatten().collect();
    Ok(Checks {
        spark_version: root.str("spark_version")?,
        flink_version: root.str("flink_version")?,
        generated_at: root.str("generated_at")?,
        checked: leak(checked),
    })
}

/// One process run of a Spark scenario, in a line: the batches it started and how it ended.
fn spark_run(o: Obj) -> Result<&'static str, String> {
    let run = o.item("run")?.u64()?;
    let started = o.list("batches_started", Item::u64)?;
    let fired = !o.list("fired", Item::u64)?.is_empty();
    let rc = o.item("rc")?.value().as_i64().unwrap_or(-1);
    let ended = if fired {
        format!("the driver died at the armed crash point (exit {rc})")
    } else if o.get("drained") == Some(&Value::Bool(true)) {
        format!("drained every record and stopped (exit {rc})")
    } else {
        format!("stopped (exit {rc})")
    };
    Ok(leak_str(&format!(
        "run {run}: batches {} started; {ended}",
        ids(&started)
    )))
}

fn observed(o: &Obj) -> Result<Observed, String> {
    let primary_reader = o.str("primary_reader")?;
    let readers_obj = o.obj("readers")?;
    // The primary reader first, the others in the document's (name) order.
    let mut readers = Vec::new();
    let mut others = Vec::new();
    for (name, item) in readers_obj.entries() {
        let r = item.obj()?;
        let duplicated = r
            .obj("duplicated")?
            .entries()
            .map(|(id, n)| Ok((leak_str(id), n.u64()?)))
            .collect::<Result<Vec<_>, String>>()?;
        let reader = Reader {
            name: leak_str(name),
            missing: leak(r.list("missing", Item::str)?),
            duplicated: leak(duplicated),
        };
        if name == primary_reader {
            readers.push(reader);
        } else {
            others.push(reader);
        }
    }
    readers.append(&mut others);
    let mut progress = Vec::new();
    if let Some(fs) = o.opt("final_state") {
        let fs = fs.obj()?;
        // The logs in the order they are written (offsets, then commits), then the rest.
        const FIRST: [&str; 2] = ["offset_log", "commit_log"];
        for key in FIRST {
            if let Some(v) = fs.get(key) {
                push_progress(&mut progress, key, v);
            }
        }
        for (key, item) in fs.entries().filter(|(k, _)| !FIRST.contains(k)) {
            if key == "sink" {
                if let Ok(sink) = item.obj() {
                    for (k, v) in sink.entries() {
                        push_progress(&mut progress, k, v.value());
                    }
                }
            } else {
                push_progress(&mut progress, key, item.value());
            }
        }
    }
    Ok(Observed {
        primary_reader,
        readers: leak(readers),
        restarts: o.item("restarts")?.u64()?,
        progress: leak(progress),
    })
}

/// One entry of the final state in words: `offset_log: [0,1,2]` is ("offset log", "0–2").
fn push_progress(out: &mut Vec<(&'static str, String)>, key: &str, v: &Value) {
    let value = match v {
        Value::Null => return,
        Value::Array(a) => {
            let n: Vec<u64> = a.iter().filter_map(Value::as_u64).collect();
            if n.len() != a.len() {
                return;
            }
            ids(&n)
        }
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return,
    };
    let label = match key {
        "committed_offsets" => "committed position".to_string(),
        k => k.replace('_', " "),
    };
    out.push((leak_str(&label), value));
}

/// Ids in words: `none`, `3`, `0, 2`, `0–4`.
fn ids(n: &[u64]) -> String {
    match n {
        [] => "none".into(),
        [a] => a.to_string(),
        [a, .., z] if n.len() > 2 && n.windows(2).all(|w| w[1] == w[0] + 1) => {
            format!("{a}–{z}")
        }
        _ => n.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
    }
}

thread_local! {
    static INSTALLED: std::cell::Cell<Option<&'static Checks>> = const { std::cell::Cell::new(None) };
}

/// The fidelity report of this page, once [`install`]ed.
pub fn get() -> Option<&'static Checks> {
    INSTALLED.with(|c| c.get())
}

/// Parse `text` (a fidelity report) and make it this page's. The first successful
/// install wins; installing again is a no-op.
pub fn install(text: &str) -> Result<(), String> {
    if get().is_none() {
        let c: &'static Checks = Box::leak(Box::new(parse(text)?));
        INSTALLED.with(|i| i.set(Some(c)));
    }
    Ok(())
}
