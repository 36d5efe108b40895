//! Exports for slides: a Mermaid `sequenceDiagram` of a run.

use crate::engine::{Event, EventKind, Run, Scenario, Step};

/// Mermaid-safe text: no `;`, `#` or line breaks (they end or break a message).
fn clean(s: &str) -> String {
    s.replace([';', '#'], ",").replace(['\n', '\r'], " ")
}

fn recs(e: &Event) -> String {
    match e.records.len() {
        0 => String::new(),
        1..=6 => e.records.join(", "),
        n => format!("{} … {} ({n} records)", e.records[0], e.records[n - 1]),
    }
}

fn unit(sc: &Scenario) -> &'static str {
    sc.engine.unit()
}

fn where_(sc: &Scenario, e: &Event) -> String {
    let u = unit(sc);
    match (e.batch, e.attempt) {
        (Some(b), Some(1)) => format!("{u} {b}"),
        (Some(b), Some(a)) => format!("{u} {b} attempt {a}"),
        (Some(b), None) => format!("{u} {b}"),
        _ => String::new(),
    }
}

/// The participants (S, E, C, K) a diagram line refers to.
fn participants_of(line: &str) -> Vec<char> {
    let head = line.split(':').next().unwrap_or("");
    if let Some(over) = head.strip_prefix("Note over ") {
        return over
            .split(',')
            .filter_map(|p| p.trim().chars().next())
            .collect();
    }
    head.split("->>")
        .flat_map(|p| p.split("-->>"))
        .filter_map(|p| p.trim().trim_end_matches('-').chars().next())
        .collect()
}

/// A Mermaid sequence diagram: participants source, engine, checkpoint, sink (only those
/// the run uses: a plain consumer has no checkpoint); crashes and restarts as notes; server
/// errors as replies; the outcome's duplicates and losses last.
pub fn mermaid(sc: &Scenario, run: &Run) -> String {
    let mut out = String::from("sequenceDiagram\n");
    let mut body = String::new();
    let consumer = sc.engine.kind_name() == "consumer";
    let engine_name = match sc.engine.kind_name() {
        "micro_batch" => "Spark",
        "flink" => "Flink",
        "beam" => "Beam",
        _ => "Consumer",
    };
    let source_name = match sc.source.kind_name() {
        "log" => "Log",
        "queue" => "Queue",
        _ => "Socket",
    };
    let declared = [
        (
            'S',
            format!("    participant S as {source_name} (source)\n"),
        ),
        ('E', format!("    participant E as {engine_name}\n")),
        ('C', "    participant C as Checkpoint\n".to_string()),
        (
            'K',
            format!("    participant K as Sink ({})\n", sc.sink.kind_name()),
        ),
    ];
    // A restart reads its position from the checkpoint, or for a consumer from the source
    // (the group's committed offsets).
    let durable = if consumer { "E,S" } else { "E,C" };
    for e in &run.trace {
        let who = if e.zombie { "zombie " } else { "" };
        let line = match (e.kind, e.step) {
            (EventKind::Start, _) => {
                if e.zombie {
                    format!("Note over E: zombie process {} resumes", e.instance)
                } else if e.instance == 1 {
                    format!("Note over E: process 1 starts at tick {}", e.tick)
                } else {
                    format!(
                        "Note over {durable}: RESTART (process {}, tick {}): {}",
                        e.instance,
                        e.tick,
                        clean(&e.text)
                    )
                }
            }
            (EventKind::Fault, _) => {
                format!("Note over E: 💥 {}", clean(&e.text))
            }
            (EventKind::DeleteCheckpoint, _) if consumer => {
                "Note over S: the group's committed offsets are deleted".to_string()
            }
            (EventKind::DeleteCheckpoint, _) => "Note over C: checkpoint deleted".to_string(),
            (EventKind::Error, _) => format!(
                "K-->>E: {} {}{}",
                e.error.as_deref().unwrap_or("error"),
                e.records
                    .first()
                    .map(|r| format!("({r}) "))
                    .unwrap_or_default(),
                where_(sc, e)
            ),
            (EventKind::Abort, _) => format!("Note over K: {}", clean(&e.text)),
            (EventKind::Stop, _) => format!("Note over E: zombie stops: {}", clean(&e.text)),
            (EventKind::Drain, _) => "Note over E: drained".to_string(),
            (EventKind::Idle, _) => format!("Note over S: idle until tick {}", e.tick),
            (EventKind::Skip, Some(step)) => {
                format!(
                    "Note over E,K: {who}{} skipped ({})",
                    step.name(),
                    where_(sc, e)
                )
            }
            (EventKind::Step, Some(step)) => match step {
                Step::Plan => format!("E->>E: {who}plan {}: {}", where_(sc, e), recs(e)),
                Step::OffsetLog => format!("E->>C: {who}write offsets/{}", e.batch.unwrap_or(0)),
                Step::CommitLog => format!("E->>C: {who}write commits/{}", e.batch.unwrap_or(0)),
                Step::Read => format!("S->>E: {who}read {} ({})", recs(e), where_(sc, e)),
                Step::SinkWrite => format!("E->>K: {who}write {} ({})", recs(e), where_(sc, e)),
                Step::SinkCommit => format!("E->>K: {who}commit ({})", where_(sc, e)),
                Step::Checkpoint => format!("E->>C: {who}checkpoint {}", e.batch.unwrap_or(0)),
                Step::SourceCommit => format!("E->>S: {who}commit / ack ({})", where_(sc, e)),
            },
            _ => continue,
        };
        body.push_str("    ");
        body.push_str(&line);
        body.push('\n');
    }
    let o = &run.outcome;
    let dups: Vec<String> = o
        .duplicated
        .0
        .iter()
        .map(|(r, c)| format!("r{r}×{c}"))
        .collect();
    let lost: Vec<String> = o.missing.0.iter().map(|r| format!("r{r}")).collect();
    let mut verdict = format!("{}: ", o.primary_reader);
    if dups.is_empty() && lost.is_empty() {
        verdict.push_str("every record exactly once");
    } else {
        if !lost.is_empty() {
            verdict.push_str(&format!("missing {}", lost.join(", ")));
        }
        if !dups.is_empty() {
            if !lost.is_empty() {
                verdict.push_str(", ");
            }
            verdict.push_str(&format!("duplicated {}", dups.join(", ")));
        }
    }
    body.push_str(&format!("    Note over K: {}\n", clean(&verdict)));
    body.push_str(&format!(
        "    Note over E,K: guarantee {}{}\n",
        o.guarantee.name(),
        if o.assumptions_broken.is_empty() {
            String::new()
        } else {
            format!(
                " (void: {})",
                o.assumptions_broken.join(", ").replace('_', " ")
            )
        }
    ));
    let used: Vec<char> = body
        .lines()
        .flat_map(|l| participants_of(l.trim()))
        .collect();
    for (p, decl) in &declared {
        if used.contains(p) {
            out.push_str(decl);
        }
    }
    out.push_str(&body);
    out
}
