//! Faults beyond their format: which pipelines a kind of fault may strike
//! ([`FaultKind::applies_to`], scenario-format.md §7's table: validation, the explorer, the
//! generator and the UI's fault menu all ask it).

use std::fmt;

use super::scenario::{Engine, EngineKind, FaultKind, Sink, SinkKind, Source, SourceKind};

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
