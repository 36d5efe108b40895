//! The explorer: every single-fault placement of a scenario (optionally bounded pairs),
//! each run to its outcome, grouped into a plain-English summary; and `compare`, the
//! same workload and faults under several configurations, aligned step by step.
//!
//! Placements come from the *base run's* own points (the steps each batch attempt
//! completed and the rows each data write requested), so every placement is reachable.

use serde::{Deserialize, Serialize};

use super::outcome::Outcome;
use super::scenario::{
    record_id, CommitMode, Dedup, Engine, Fault, FaultKind, Scenario, Sink, SinkCfg, Source, Step,
};
use super::sim::simulate_points;
use super::vecmap::{VecMap, VecSet};
use super::{run, Event};

/// One run of the matrix: the faults added to the base scenario, and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRun {
    /// The complete fault list of this run (the base scenario's faults, then the added ones),
    /// exactly as in the scenario format: add them to the scenario to replay it.
    pub faults: Vec<Fault>,
    /// A short label of the added fault(s), e.g. "crash after sink_write, batch 2".
    pub label: String,
    pub outcome: Outcome,
}

/// A group of placements with the same effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryGroup {
    /// `ok`, `lost`, `duplicated` or `lost_and_duplicated`.
    pub effect: String,
    /// e.g. "duplicates r4, r5".
    pub what: String,
    /// Indexes into `runs`.
    pub runs: Vec<usize>,
    /// The sentence the UI and the CLI show.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    pub runs: Vec<MatrixRun>,
    pub summary: Vec<SummaryGroup>,
}

/// Options of `explore`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExploreOptions {
    /// Also run pairs of placements, at most this many pair runs (0 = no pairs).
    pub pairs: usize,
}

/// A placement's label in the engine's words ("crash after checkpoint · epoch 1").
fn label_in(sc: &Scenario, f: &Fault) -> String {
    f.describe().label(sc.engine.unit())
}

/// Every single fault that can be added to `sc` (semantics §7's applicability rules),
/// placed at the points its base run reaches.
pub fn placements(sc: &Scenario) -> Vec<Fault> {
    let (base, pts) = simulate_points(sc, false);
    let cfg = sc.sink.cfg();
    let queue = matches!(sc.source, Source::Queue { .. });
    let applies = |k: FaultKind| k.applies_to(&sc.source, &sc.engine, &sc.sink).is_ok();
    let taken: VecSet<(u64, u32)> = sc
        .faults
        .iter()
        .filter(|f| {
            matches!(
                f,
                Fault::Crash { .. } | Fault::CrashMidWrite { .. } | Fault::Zombie { .. }
            )
        })
        .filter_map(|f| f.point())
        .collect();
    let zombie_ok =
        applies(FaultKind::Zombie) && !sc.faults.iter().any(|f| matches!(f, Fault::Zombie { .. }));
    let lost_ok = applies(FaultKind::LostAck);
    let delete_ok = applies(FaultKind::DeleteCheckpoint);
    // A pause matters where time does: leases (queue, not Beam) or Kafka transactions.
    let mut pause_ticks: Option<u64> = None;
    if queue && !matches!(sc.engine, Engine::Beam { .. }) {
        pause_ticks = Some(sc.source.ack_deadline());
    }
    if let SinkCfg::Kafka {
        transactions: true,
        transaction_timeout,
        ..
    } = cfg
    {
        pause_ticks = Some(pause_ticks.unwrap_or(0).max(transaction_timeout));
    }

    let mut out = Vec::new();
    let mut seen_steps = VecSet::new();
    for &(batch, attempt, step) in &pts.steps {
        if !seen_steps.insert((batch, attempt, step)) {
            continue;
        }
        if !taken.contains(&(batch, attempt)) {
            out.push(Fault::Crash {
                batch,
                attempt,
                after: step,
                downtime: 1,
            });
        }
    }
    let mut seen_writes = VecSet::new();
    for &(batch, attempt, rows) in &pts.writes {
        if !seen_writes.insert((batch, attempt)) {
            continue;
        }
        if !taken.contains(&(batch, attempt)) {
            for k in 1..rows as u64 {
                out.push(Fault::CrashMidWrite {
                    batch,
                    attempt,
                    after_records: k,
                    downtime: 1,
                });
            }
        }
        if lost_ok {
            let already: VecSet<u64> = sc
                .faults
                .iter()
                .filter_map(|f| match f {
                    Fault::LostAck {
                        batch: b,
                        attempt: a,
                        request,
                    } if (*b, *a) == (batch, attempt) => Some(*request),
                    _ => None,
                })
                .collect();
            for request in 0..rows as u64 {
                if !already.contains(&request) {
                    out.push(Fault::LostAck {
                        batch,
                        attempt,
                        request,
                    });
                }
            }
        }
    }
    if delete_ok {
        let deleted: VecSet<u32> = sc
            .faults
            .iter()
            .filter_map(|f| match f {
                Fault::DeleteCheckpoint { before_restart } => Some(*before_restart),
                _ => None,
            })
            .collect();
        for r in 1..=base.outcome.restarts {
            if !deleted.contains(&r) {
                out.push(Fault::DeleteCheckpoint { before_restart: r });
            }
        }
    }
    if zombie_ok {
        let mut seen = VecSet::new();
        for &(batch, attempt, step) in &pts.steps {
            if seen.insert((batch, attempt, step)) && !taken.contains(&(batch, attempt)) {
                out.push(Fault::Zombie {
                    batch,
                    attempt,
                    after: step,
                    downtime: 1,
                });
            }
        }
    }
    if let Some(ticks) = pause_ticks {
        let mut seen = VecSet::new();
        for &(batch, attempt, step) in &pts.steps {
            if seen.insert((batch, attempt, step)) {
                out.push(Fault::Pause {
                    batch,
                    attempt,
                    after: step,
                    ticks,
                });
            }
        }
    }
    if applies(FaultKind::Republish) {
        let n = sc.workload.records as usize;
        for r in 0..n {
            out.push(Fault::Republish {
                record: record_id(r),
                after: Some(record_id(r)),
                event_time: None,
            });
            if r + 1 < n {
                out.push(Fault::Republish {
                    record: record_id(r),
                    after: Some(record_id(n - 1)),
                    event_time: None,
                });
            }
        }
    }
    out
}

fn with_faults(sc: &Scenario, extra: &[Fault]) -> Scenario {
    let mut s = sc.clone();
    s.faults.extend(extra.iter().cloned());
    s
}

/// Run the base scenario and every single placement (plus up to `opts.pairs` pairs).
pub fn explore(sc: &Scenario, opts: ExploreOptions) -> Matrix {
    let singles = placements(sc);
    let mut runs = Vec::with_capacity(singles.len() + 1 + opts.pairs);
    runs.push(MatrixRun {
        faults: sc.faults.clone(),
        label: if sc.faults.is_empty() {
            "no fault".to_string()
        } else {
            "the scenario as given".to_string()
        },
        outcome: super::run_outcome(sc),
    });
    for f in &singles {
        let s = with_faults(sc, std::slice::from_ref(f));
        runs.push(MatrixRun {
            outcome: super::run_outcome(&s),
            label: label_in(sc, f),
            faults: s.faults,
        });
    }
    if opts.pairs > 0 {
        let mut made = 0;
        'outer: for i in 0..singles.len() {
            for j in (i + 1)..singles.len() {
                if made >= opts.pairs {
                    break 'outer;
                }
                let pair = [singles[i].clone(), singles[j].clone()];
                let s = with_faults(sc, &pair);
                if super::validate(&s).is_err() {
                    continue;
                }
                made += 1;
                runs.push(MatrixRun {
                    outcome: super::run_outcome(&s),
                    label: format!("{} + {}", label_in(sc, &pair[0]), label_in(sc, &pair[1])),
                    faults: s.faults,
                });
            }
        }
    }
    let summary = summarize(&runs);
    Matrix { runs, summary }
}

fn effect_of(o: &Outcome) -> (String, String) {
    let lost: Vec<String> = o
        .missing
        .0
        .iter()
        .filter(|r| !o.before_start.0.contains(r) && !o.dropped_late.0.contains(r))
        .map(|r| record_id(*r))
        .collect();
    let dups: Vec<String> = o
        .duplicated
        .0
        .iter()
        .map(|(r, c)| {
            if *c == 2 {
                record_id(*r)
            } else {
                format!("{}×{c}", record_id(*r))
            }
        })
        .collect();
    let short = |v: &[String]| {
        if v.len() <= 6 {
            v.join(", ")
        } else {
            format!("{}, … ({} records)", v[..4].join(", "), v.len())
        }
    };
    let void = if o.assumptions_broken.is_empty() {
        String::new()
    } else {
        format!(
            " (outside every guarantee: {})",
            o.assumptions_broken.join(", ").replace('_', " ")
        )
    };
    let (effect, what): (String, String) = match (lost.is_empty(), dups.is_empty()) {
        (true, true) => ("ok".into(), "nothing lost or duplicated".into()),
        (false, true) => ("lost".into(), format!("lose {}", short(&lost))),
        (true, false) => ("duplicated".into(), format!("duplicate {}", short(&dups))),
        (false, false) => (
            "lost_and_duplicated".into(),
            format!("lose {} and duplicate {}", short(&lost), short(&dups)),
        ),
    };
    (effect, what + &void)
}

/// Group runs by effect (lost ids, duplicated ids), most harmful first.
pub fn summarize(runs: &[MatrixRun]) -> Vec<SummaryGroup> {
    let mut groups: VecMap<(u8, String), (String, Vec<usize>)> = VecMap::new();
    for (i, r) in runs.iter().enumerate() {
        let (effect, what) = effect_of(&r.outcome);
        let rank = match effect.as_str() {
            "lost_and_duplicated" => 0,
            "lost" => 1,
            "duplicated" => 2,
            _ => 3,
        };
        groups
            .get_or_insert_with((rank, what), || (effect, Vec::new()))
            .1
            .push(i);
    }
    let total = runs.len();
    groups
        .into_iter()
        .map(|((_, what), (effect, idx))| {
            let labels = compress_labels(idx.iter().map(|i| runs[*i].label.as_str()));
            let text = format!("{} of {total} runs {what}: {labels}.", idx.len());
            SummaryGroup {
                effect,
                what,
                runs: idx,
                text,
            }
        })
        .collect()
}

/// "crash after sink_write · batch 1", "crash after sink_write · batch 2" →
/// "crash after sink_write · batches 1, 2".
fn compress_labels<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    let mut by_head: Vec<(String, Vec<String>)> = Vec::new();
    let mut word = "batch";
    for l in labels {
        let split = ["batch", "epoch", "bundle"].iter().find_map(|u| {
            l.split_once(&format!(" · {u} "))
                .map(|(h, t)| (*u, h.to_string(), t.to_string()))
        });
        let (head, tail) = match split {
            Some((u, h, t)) => {
                word = u;
                (h, Some(t))
            }
            None => (l.to_string(), None),
        };
        match by_head.iter_mut().find(|(h, _)| *h == head) {
            Some((_, v)) => {
                if let Some(t) = tail {
                    v.push(t)
                }
            }
            None => by_head.push((head, tail.into_iter().collect())),
        }
    }
    const SHOW: usize = 8;
    let parts: Vec<String> = by_head
        .iter()
        .map(|(h, v)| match v.len() {
            0 => h.clone(),
            1 => format!("{h} in {word} {}", v[0]),
            _ => format!(
                "{h} in {word}{} {}",
                if word == "batch" { "es" } else { "s" },
                v.join(", ")
            ),
        })
        .collect();
    if parts.len() > SHOW {
        format!(
            "{}; and {} more",
            parts[..SHOW].join("; "),
            parts.len() - SHOW
        )
    } else {
        parts.join("; ")
    }
}

/// A configuration to compare: everything of a scenario but its workload and faults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub source: Source,
    pub engine: Engine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup: Option<Dedup>,
    pub sink: Sink,
}

impl Config {
    pub fn of(sc: &Scenario) -> Config {
        Config {
            source: sc.source.clone(),
            engine: sc.engine.clone(),
            dedup: sc.dedup.clone(),
            sink: sc.sink.clone(),
        }
    }
    /// A short name, e.g. "micro_batch · log → foreach_batch".
    pub fn name(&self) -> String {
        let mode = match &self.engine {
            Engine::Consumer { .. } => match self.engine.commit_mode() {
                CommitMode::After => " (commit after)",
                CommitMode::Before => " (commit before)",
                CommitMode::Auto => " (auto-commit)",
                CommitMode::Transaction => " (transaction)",
            },
            _ => "",
        };
        format!(
            "{}{mode} · {} → {}",
            self.engine.kind_name(),
            self.source.kind_name(),
            self.sink.kind_name()
        )
    }
}

/// One column of a comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub scenario: Scenario,
    /// Faults of the base that this configuration does not allow (indexes into the base's faults).
    pub skipped_faults: Vec<usize>,
    /// Why each skipped fault does not apply.
    pub skipped_why: Vec<String>,
    pub trace: Vec<Event>,
    pub outcome: Outcome,
}

/// Rows of aligned event indexes: `rows[k][c]` is column c's event at row k, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Option<usize>>>,
}

/// Run the base's workload and faults under each configuration, aligned step by step.
pub fn compare(base: &Scenario, configs: &[Config]) -> Comparison {
    let mut columns = Vec::new();
    for c in configs {
        let mut s = base.clone();
        s.source = c.source.clone();
        s.engine = c.engine.clone();
        s.dedup = c.dedup.clone();
        s.sink = c.sink.clone();
        s.faults.clear();
        let mut skipped = Vec::new();
        let mut why = Vec::new();
        for (i, f) in base.faults.iter().enumerate() {
            let mut t = s.clone();
            t.faults.push(f.clone());
            match super::validate(&t) {
                Ok(()) => s.faults.push(f.clone()),
                Err(e) => {
                    skipped.push(i);
                    why.push(e.problem);
                }
            }
        }
        if super::validate(&s).is_err() {
            // The configuration itself is not valid with this workload (e.g. partitions):
            // fall back to the base configuration's validity rules by dropping the workload
            // options it does not allow.
            s.workload.partitions = 1;
        }
        let r = run(&s);
        columns.push(Column {
            name: c.name(),
            scenario: s,
            skipped_faults: skipped,
            skipped_why: why,
            trace: r.trace,
            outcome: r.outcome,
        });
    }
    let rows = align(&columns.iter().map(|c| &c.trace[..]).collect::<Vec<_>>());
    Comparison { columns, rows }
}

/// The alignment key of an event: which process did which step of which batch attempt.
type Key = (
    bool,
    u32,
    Option<u64>,
    Option<u32>,
    super::EventKind,
    Option<Step>,
);

fn key(e: &Event) -> Key {
    (e.zombie, e.instance, e.batch, e.attempt, e.kind, e.step)
}

/// Align several event sequences so that events with the same key share a row, keeping
/// each sequence's order: progressive pairwise alignment by longest common subsequence.
pub fn align(traces: &[&[Event]]) -> Vec<Vec<Option<usize>>> {
    let k = traces.len();
    let Some(first) = traces.first() else {
        return Vec::new();
    };
    let mut rows: Vec<Vec<Option<usize>>> = (0..first.len())
        .map(|i| {
            let mut r = vec![None; k];
            r[0] = Some(i);
            r
        })
        .collect();
    let mut keys: Vec<Key> = first.iter().map(key).collect();
    for (c, t) in traces.iter().enumerate().skip(1) {
        let tk: Vec<Key> = t.iter().map(key).collect();
        let (n, m) = (keys.len(), tk.len());
        // lcs[i][j] = LCS length of keys[i..] and tk[j..]
        let mut lcs = vec![vec![0u32; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i][j] = if keys[i] == tk[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        let mut new_rows = Vec::with_capacity(n.max(m));
        let mut new_keys = Vec::with_capacity(n.max(m));
        while i < n || j < m {
            if i < n && j < m && keys[i] == tk[j] {
                let mut r = rows[i].clone();
                r[c] = Some(j);
                new_rows.push(r);
                new_keys.push(keys[i]);
                i += 1;
                j += 1;
            } else if j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
                new_rows.push(rows[i].clone());
                new_keys.push(keys[i]);
                i += 1;
            } else {
                let mut r = vec![None; k];
                r[c] = Some(j);
                new_rows.push(r);
                new_keys.push(tk[j]);
                j += 1;
            }
        }
        rows = new_rows;
        keys = new_keys;
    }
    rows
}

/// A readable table of the summary (for `crashcourse explore --summary`).
pub fn summary_table(m: &Matrix) -> String {
    let mut out = String::new();
    let w = m.runs.len().to_string().len();
    out.push_str(&format!(
        "{} runs ({} placements + the base run)\n\n",
        m.runs.len(),
        m.runs.len() - 1
    ));
    for g in &m.summary {
        let mark = match g.effect.as_str() {
            "ok" => "ok  ",
            "lost" => "LOST",
            "duplicated" => "DUP ",
            _ => "BOTH",
        };
        out.push_str(&format!("{mark} {:>w$}  {}\n", g.runs.len(), g.text));
    }
    out
}
