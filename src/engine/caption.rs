//! The outcome caption: one or a few sentences that end the playback of a run, naming the
//! effect, the records and the cause with the steps that caused it, e.g. "r2, r3 lost:
//! offset 4 was committed (step 6) before the crash (step 7); the restart read from 4."
//!
//! Pure: derived from a traced [`Run`] (its events and its outcome) only. Steps are
//! numbered as the player numbers them: event index + 1. The outcome JSON is unchanged;
//! this is an extra view of the same run for the UI.

use super::outcome::Outcome;
use super::scenario::{record_id, Step};
use super::trace::{Change, Event, EventKind, RowStatus};
use super::vecmap::VecMap;
use super::Run;

/// The caption shown when playback reaches the end of `run`. It needs the trace: for a run
/// built without one (`run_outcome`) it names the effect without the steps.
pub fn outcome_caption(run: &Run) -> String {
    let o = &run.outcome;
    let t = &run.trace;
    let mut parts: Vec<String> = Vec::new();

    let lost: Vec<usize> = o
        .missing
        .0
        .iter()
        .copied()
        .filter(|r| !o.before_start.0.contains(r) && !o.dropped_late.0.contains(r))
        .collect();
    // Group records by the cause sentence, in record order of first appearance.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let add = |groups: &mut Vec<(String, Vec<usize>)>, cause: String, r: usize| match groups
        .iter_mut()
        .find(|g| g.0 == cause)
    {
        Some(g) => g.1.push(r),
        None => groups.push((cause, vec![r])),
    };
    // Records lost to a server error, by error code, with the steps of those errors.
    let mut by_error: Vec<(String, Vec<usize>, Vec<usize>)> = Vec::new();
    for &r in &lost {
        if let Some(i) = t
            .iter()
            .rposition(|e| e.kind == EventKind::Error && has(e, r))
        {
            let err = t[i].error.clone().unwrap_or_default();
            match by_error.iter_mut().find(|g| g.0 == err) {
                Some(g) => {
                    g.1.push(r);
                    g.2.push(step_no(i));
                }
                None => by_error.push((err, vec![r], vec![step_no(i)])),
            }
            continue;
        }
        add(&mut groups, lost_cause(t, r), r);
    }
    for (err, recs, steps) in by_error {
        let shown: Vec<String> = steps.iter().take(3).map(|s| s.to_string()).collect();
        let more = if steps.len() > 3 { ", …" } else { "" };
        let (their, them) = if recs.len() == 1 {
            ("its append", "it")
        } else {
            ("their appends", "them")
        };
        parts.push(format!(
            "{} lost: {their} got {err} (step{} {}{more}) and the writer went on without {them}",
            names(&recs),
            if steps.len() == 1 { "" } else { "s" },
            shown.join(", ")
        ));
    }
    for (cause, recs) in groups.drain(..) {
        parts.push(format!("{} lost{cause}", names(&recs)));
    }
    for &(r, _) in &o.duplicated.0 {
        add(&mut groups, dup_cause(t, r), r);
    }
    for (cause, recs) in groups.drain(..) {
        let times = counts(o, &recs);
        parts.push(format!("{} {times}{cause}", names(&recs)));
    }
    if !o.before_start.0.is_empty() {
        parts.push(format!(
            "{} {} not read: before the position the first start resolved (excluded by configuration, not lost)",
            names(&o.before_start.0),
            were(o.before_start.0.len())
        ));
    }
    if !o.dropped_late.0.is_empty() {
        parts.push(format!(
            "{} dropped as late by the watermark (excluded by configuration, not lost)",
            names(&o.dropped_late.0)
        ));
    }
    let reader = o.primary_reader.replace('_', " ");
    let mut text = if parts.is_empty() {
        format!("Every record arrived exactly once ({reader}).")
    } else {
        let mut s = if o.readers.len() > 1 {
            format!("As the {reader} reader sees it: ")
        } else {
            String::new()
        };
        s.push_str(&parts.join(". "));
        s.push('.');
        s
    };
    if !o.assumptions_broken.is_empty() {
        text.push_str(&format!(
            " The run broke an assumption of every guarantee: {}.",
            o.assumptions_broken.join(", ").replace('_', " ")
        ));
    }
    text
}

fn names(recs: &[usize]) -> String {
    const SHOW: usize = 6;
    let ids: Vec<String> = recs.iter().map(|r| record_id(*r)).collect();
    if ids.len() <= SHOW {
        ids.join(", ")
    } else {
        format!(
            "{}, … {} ({} records)",
            ids[..3].join(", "),
            ids[ids.len() - 1],
            ids.len()
        )
    }
}

fn were(n: usize) -> &'static str {
    if n == 1 {
        "was"
    } else {
        "were"
    }
}

fn counts(o: &Outcome, recs: &[usize]) -> String {
    let mut ns: Vec<u64> = recs
        .iter()
        .filter_map(|r| o.duplicated.0.iter().find(|d| d.0 == *r).map(|d| d.1))
        .collect();
    ns.sort_unstable();
    ns.dedup();
    match ns.as_slice() {
        [2] => "twice".to_string(),
        [n] => format!("{n} times"),
        _ => "more than once".to_string(),
    }
}

fn step_no(i: usize) -> usize {
    i + 1
}

fn has(e: &Event, r: usize) -> bool {
    let id = record_id(r);
    e.records.contains(&id)
}

/// (creating event, row, batch, attempt, position, final status).
type RowInfo = (usize, u64, Option<u64>, Option<u32>, u64, RowStatus);

/// Indices of the events that created a row of record `r`, with the row's final status
/// (Row changes, then RowStatus changes applied in order).
fn rows_of(t: &[Event], r: usize) -> Vec<RowInfo> {
    let id = record_id(r);
    let mut rows: Vec<RowInfo> = Vec::new();
    let mut status: VecMap<u64, RowStatus> = VecMap::new();
    for (i, e) in t.iter().enumerate() {
        for c in &e.changes {
            match c {
                Change::Row {
                    row,
                    record,
                    batch,
                    attempt,
                    position,
                    status: st,
                    ..
                } => {
                    status.insert(*row, *st);
                    if *record == id {
                        rows.push((i, *row, *batch, *attempt, *position, *st));
                    }
                }
                Change::RowStatus {
                    rows: rs,
                    status: st,
                } => {
                    for x in rs {
                        status.insert(*x, *st);
                    }
                }
                _ => {}
            }
        }
    }
    for row in &mut rows {
        if let Some(st) = status.get(&row.1) {
            row.5 = *st;
        }
    }
    rows
}

fn first_after(t: &[Event], from: usize, f: impl Fn(&Event) -> bool) -> Option<usize> {
    (from..t.len()).find(|i| f(&t[*i]))
}

/// What durable progress an event recorded, in words ("offset 4", "commits/1", …).
fn progress(e: &Event) -> Option<String> {
    e.changes.iter().find_map(|c| match c {
        Change::Marker { name, value } => Some(format!("{name} {value}")),
        Change::CommitLog { batch } => Some(format!("commits/{batch}")),
        Change::Checkpoint { epoch, .. } => Some(format!("checkpoint {epoch}")),
        Change::Acked { .. } => Some("their ack".to_string()),
        Change::Committed { position } => Some(format!("offset {position}")),
        _ => None,
    })
}

fn fault_words(e: &Event) -> &'static str {
    if e.text.contains("zombie") || e.text.contains("cut off") {
        "the cut-off (step {})"
    } else if e.text.contains("acknowledgement is lost") {
        "the lost acknowledgement (step {})"
    } else if e.text.contains("stalls") {
        "the stall (step {})"
    } else {
        "the crash (step {})"
    }
}

fn fault_at(e: &Event, i: usize) -> String {
    fault_words(e).replace("{}", &step_no(i).to_string())
}

/// The restart after event `from`: its step and where it resumed, if it says.
fn restart_after(t: &[Event], from: usize) -> Option<(usize, Option<u64>)> {
    let s = first_after(t, from, |e| e.kind == EventKind::Start && !e.zombie)?;
    let pos = t[s].changes.iter().find_map(|c| match c {
        Change::Position { position } => Some(*position),
        _ => None,
    });
    Some((s, pos))
}

fn lost_cause(t: &[Event], r: usize) -> String {
    if t.is_empty() {
        return String::new();
    }
    let read = t
        .iter()
        .rposition(|e| e.kind == EventKind::Step && e.step == Some(Step::Read) && has(e, r));
    let Some(a) = read else {
        // Never read: the query failed first, or a restart resumed past it.
        if let Some(d) = t
            .iter()
            .position(|e| e.kind == EventKind::Drain && e.step.is_some() && has(e, r))
        {
            return format!(": never read, the query failed (step {}) first", step_no(d));
        }
        if let Some(s) = t
            .iter()
            .rposition(|e| e.kind == EventKind::Start && !e.zombie && e.instance > 1)
        {
            let pos = t[s].changes.iter().find_map(|c| match c {
                Change::Position { position } => Some(*position),
                _ => None,
            });
            return match pos {
                Some(p) => format!(
                    ": never read, the restart (step {}) began at position {p}, past them",
                    step_no(s)
                ),
                None => format!(
                    ": never read, the restart (step {}) began past them",
                    step_no(s)
                ),
            };
        }
        return ": never read".to_string();
    };
    let rows = rows_of(t, r);
    // Written after the last read, but never visible: what hid it.
    if let Some(w) = rows.iter().rfind(|x| x.0 >= a) {
        let row = w.1;
        let aborted = first_after(t, w.0 + 1, |e| {
            e.changes.iter().any(|c| {
                matches!(c, Change::RowStatus { rows, status: RowStatus::Aborted } if rows.contains(&row))
            })
        });
        let err = first_after(t, w.0 + 1, |e| e.kind == EventKind::Error)
            .filter(|e| aborted.is_none_or(|h| *e <= h));
        let fault = first_after(t, w.0 + 1, |e| e.kind == EventKind::Fault && !e.zombie);
        return match (err, aborted, fault) {
            (Some(e), _, _) => format!(
                ": written (step {}) but never made visible: {}: {} (step {})",
                step_no(w.0),
                first_words(&t[e].text),
                t[e].error.as_deref().unwrap_or(""),
                step_no(e)
            ),
            (None, Some(h), _) => format!(
                ": written (step {}) but never made visible: {} (step {})",
                step_no(w.0),
                first_words(&t[h].text),
                step_no(h)
            ),
            (None, None, Some(f)) => format!(
                ": written (step {}) but not committed before {}",
                step_no(w.0),
                fault_at(&t[f], f)
            ),
            _ => format!(": written (step {}) but never made visible", step_no(w.0)),
        };
    }
    // Read again, but the sink skipped the batch (a marker or txn version written earlier).
    if let Some(k) = first_after(t, a, |e| {
        e.kind == EventKind::Skip && matches!(e.step, Some(Step::SinkWrite | Step::SinkCommit))
    })
    .filter(|k| t[*k].batch == t[a].batch)
    {
        let earlier = t[..a]
            .iter()
            .rposition(|e| e.kind == EventKind::Step && e.step == Some(Step::Read) && has(e, r));
        let before = earlier.and_then(|a0| {
            let f = first_after(t, a0, |e| e.kind == EventKind::Fault && !e.zombie)?;
            let (j, what) = (a0..f)
                .rev()
                .find_map(|i| progress(&t[i]).map(|p| (i, p)))?;
            Some(format!(
                "{what} was committed (step {}) before {}; ",
                step_no(j),
                fault_at(&t[f], f)
            ))
        });
        return format!(
            ": {}the re-run read them again (step {}) but skipped the write: {} (step {})",
            before.unwrap_or_default(),
            step_no(a),
            first_words(&t[k].text),
            step_no(k)
        );
    }
    // Read, never written: the process died first.
    let Some(f) = first_after(t, a, |e| e.kind == EventKind::Fault && !e.zombie) else {
        return format!(": read (step {}) but never written", step_no(a));
    };
    let commit = (a..f).rev().find_map(|i| progress(&t[i]).map(|p| (i, p)));
    let resume = match restart_after(t, f) {
        Some((s, Some(p))) => format!("; the restart read from {p} (step {})", step_no(s)),
        Some((s, None)) => format!(
            "; the restart (step {}) did not read them again",
            step_no(s)
        ),
        None => String::new(),
    };
    match commit {
        Some((j, what)) => format!(
            ": {what} was committed (step {}) before {}{resume}",
            step_no(j),
            fault_at(&t[f], f)
        ),
        None => format!(
            ": read (step {}) by the process that died in {}, and the source does not deliver them again{resume}",
            step_no(a),
            fault_at(&t[f], f)
        ),
    }
}

/// The first clause of a narration sentence (up to the first colon or period).
fn first_words(text: &str) -> String {
    let end = text.find([':', '.']).unwrap_or(text.len());
    let s = text[..end].trim();
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn dup_cause(t: &[Event], r: usize) -> String {
    let rows = rows_of(t, r);
    let mut vis: Vec<_> = rows
        .iter()
        .filter(|x| x.5 == RowStatus::Visible)
        .cloned()
        .collect();
    if vis.len() < 2 {
        vis = rows.clone();
    }
    if vis.len() < 2 {
        return String::new();
    }
    let (a, b) = (&vis[0], &vis[1]);
    if a.4 != b.4 {
        return format!(
            ": the source holds two copies (positions {} and {}), written (steps {} and {})",
            a.4,
            b.4,
            step_no(a.0),
            step_no(b.0)
        );
    }
    let batch = |x: &RowInfo| match (x.2, x.3) {
        (Some(b), Some(at)) => format!("batch {b}, attempt {at}"),
        _ => "a batch".to_string(),
    };
    if a.0 == b.0 {
        return format!(
            ": the acknowledgement of the write (step {}) was lost and the retry wrote a second copy",
            step_no(a.0)
        );
    }
    if t[b.0].zombie {
        return format!(
            ": written in {} (step {}), and again by the cut-off process still running {} (step {})",
            batch(a),
            step_no(a.0),
            batch(b),
            step_no(b.0)
        );
    }
    let between = (a.0 + 1..b.0)
        .find(|i| matches!(t[*i].kind, EventKind::Fault | EventKind::Error) && !t[*i].zombie);
    let why = match between {
        Some(f) if t[f].kind == EventKind::Fault => format!(
            "{} came before that batch was committed",
            fault_at(&t[f], f)
        ),
        Some(f) => format!(
            "the error {} (step {}) failed that batch",
            t[f].error.as_deref().unwrap_or(""),
            step_no(f)
        ),
        None => match t[..b.0]
            .iter()
            .rposition(|e| e.kind == EventKind::Fault && !e.zombie)
        {
            Some(f) => format!("they were delivered again after {}", fault_at(&t[f], f)),
            None => "they were delivered again".to_string(),
        },
    };
    format!(
        ": written in {} (step {}); {why}, and {} wrote them again (step {})",
        batch(a),
        step_no(a.0),
        batch(b),
        step_no(b.0)
    )
}
