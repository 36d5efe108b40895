//! Faults beyond their format: which pipelines a kind of fault may strike
//! ([`FaultKind::applies_to`], scenario-format.md §7's table: validation, the explorer, the
//! generator and the UI's fault menu all ask it), and how a fault is told
//! ([`Fault::describe`]: the explorer's labels and the UI's fault list and undo labels).

use std::fmt;

use super::scenario::{
    Engine, EngineKind, Fault, FaultKind, Sink, SinkKind, Source, SourceKind, Step,
};

/// Why a kind of fault cannot strike a pipeline: the first part (source, engine, sink, in
/// document order) whose kind it does not support. Displayed as validation reports it at
/// `faults[i].kind`: `zombie is not supported for source.kind "queue"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub kind: FaultKind,
    /// `source.kind`, `engine.kind` or `sink.kind`.
    pub field: &'static str,
    /// That part's kind.
    pub value: &'static str,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not supported for {} \"{}\"",
            self.kind.name(),
            self.field,
            self.value
        )
    }
}

/// The parts a kind of fault may strike (§7 table); `None`: every kind of that part.
struct Strikes {
    sources: Option<&'static [SourceKind]>,
    engines: Option<&'static [EngineKind]>,
    sinks: Option<&'static [SinkKind]>,
}

const ANY: Strikes = Strikes {
    sources: None,
    engines: None,
    sinks: None,
};

impl FaultKind {
    /// scenario-format.md §7's table, column "meaning" (`delete_checkpoint`: no queue, because
    /// acks cannot be undone).
    fn strikes(self) -> Strikes {
        use EngineKind::{Consumer, Flink, MicroBatch};
        use SinkKind::{Append, Bigquery, Console, Kafka, Upsert};
        match self {
            FaultKind::Crash | FaultKind::CrashMidWrite | FaultKind::Pause => ANY,
            FaultKind::LostAck => Strikes {
                sinks: Some(&[Append, Upsert, Kafka, Bigquery]),
                ..ANY
            },
            FaultKind::DeleteCheckpoint => Strikes {
                sources: Some(&[SourceKind::Log, SourceKind::Socket]),
                engines: Some(&[Consumer, MicroBatch, Flink]),
                sinks: None,
            },
            FaultKind::Zombie => Strikes {
                sources: Some(&[SourceKind::Log]),
                engines: Some(&[Consumer, MicroBatch, Flink]),
                sinks: Some(&[Append, Upsert, Kafka, Bigquery, Console]),
            },
            FaultKind::Republish => Strikes {
                sources: Some(&[SourceKind::Log, SourceKind::Queue]),
                ..ANY
            },
        }
    }

    /// May a fault of this kind be placed in a pipeline of these parts? (Where in the run it
    /// is placed is validation's other rules.)
    pub fn applies_to(self, source: &Source, engine: &Engine, sink: &Sink) -> Result<(), Refusal> {
        let s = self.strikes();
        let refuse = |field, value| {
            Err(Refusal {
                kind: self,
                field,
                value,
            })
        };
        if s.sources.is_some_and(|k| !k.contains(&source.kind())) {
            return refuse("source.kind", source.kind_name());
        }
        if s.engines.is_some_and(|k| !k.contains(&engine.kind())) {
            return refuse("engine.kind", engine.kind_name());
        }
        if s.sinks.is_some_and(|k| !k.contains(&sink.kind())) {
            return refuse("sink.kind", sink.kind_name());
        }
        Ok(())
    }
}

/// A fault told in parts ([`Fault::describe`]): the one description of a fault, which
/// [`Description::label`] (the explorer's labels) and [`Description::text`] (the UI's fault
/// list and undo labels) render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    pub kind: FaultKind,
    /// What happens, with the kind's own argument: "crash", "crash mid-write after 2 rows",
    /// "lost ack of request 0", "checkpoint deleted before restart 1", "zombie",
    /// "pause 15 ticks", "republish r2 after r9".
    pub what: String,
    /// Where it strikes (batch-point faults).
    pub at: Option<Where>,
    /// The options a placement leaves at their defaults, when set otherwise: "down 5 ticks",
    /// "event time 3".
    pub extra: Vec<String>,
}

/// A batch point: the step a fault follows (if it names one) of a batch attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Where {
    pub step: Option<Step>,
    pub batch: u64,
    pub attempt: u32,
}

impl Description {
    /// The explorer's label, in the engine's word for a batch (`Engine::unit`): "crash after
    /// sink_write · epoch 2 (attempt 2)". Without `extra`.
    pub fn label(&self, unit: &str) -> String {
        let mut s = self.what.clone();
        if let Some(w) = self.at {
            if let Some(step) = w.step {
                s.push_str(" after ");
                s.push_str(step.name());
            }
            s.push_str(&format!(" · {unit} {}", w.batch));
            if w.attempt != 1 {
                s.push_str(&format!(" (attempt {})", w.attempt));
            }
        }
        s
    }

    /// The label and every extra: "crash after sink_write · batch 1, down 5 ticks".
    pub fn text(&self, unit: &str) -> String {
        let mut s = self.label(unit);
        for e in &self.extra {
            s.push_str(", ");
            s.push_str(e);
        }
        s
    }
}

impl Fault {
    /// The fault in parts (see [`Description`]).
    pub fn describe(&self) -> Description {
        let at = |step: Option<Step>, batch: u64, attempt: u32| {
            Some(Where {
                step,
                batch,
                attempt,
            })
        };
        let down = |d: u64| {
            if d == 1 {
                Vec::new()
            } else {
                vec![format!("down {d} ticks")]
            }
        };
        let (what, at, extra) = match self {
            Fault::Crash {
                batch,
                attempt,
                after,
                downtime,
            } => (
                "crash".to_string(),
                at(Some(*after), *batch, *attempt),
                down(*downtime),
            ),
            Fault::CrashMidWrite {
                batch,
                attempt,
                after_records,
                downtime,
            } => (
                format!(
                    "crash mid-write after {after_records} row{}",
                    if *after_records == 1 { "" } else { "s" }
                ),
                at(None, *batch, *attempt),
                down(*downtime),
            ),
            Fault::LostAck {
                batch,
                attempt,
                request,
            } => (
                format!("lost ack of request {request}"),
                at(None, *batch, *attempt),
                Vec::new(),
            ),
            Fault::DeleteCheckpoint { before_restart } => (
                format!("checkpoint deleted before restart {before_restart}"),
                None,
                Vec::new(),
            ),
            Fault::Zombie {
                batch,
                attempt,
                after,
                downtime,
            } => (
                "zombie".to_string(),
                at(Some(*after), *batch, *attempt),
                down(*downtime),
            ),
            Fault::Pause {
                batch,
                attempt,
                after,
                ticks,
            } => (
                format!("pause {ticks} ticks"),
                at(Some(*after), *batch, *attempt),
                Vec::new(),
            ),
            Fault::Republish {
                record,
                after,
                event_time,
            } => (
                match after {
                    Some(a) if a != record => format!("republish {record} after {a}"),
                    _ => format!("republish {record}"),
                },
                None,
                event_time
                    .map(|t| format!("event time {t}"))
                    .into_iter()
                    .collect(),
            ),
        };
        Description {
            kind: self.kind(),
            what,
            at,
            extra,
        }
    }
}
