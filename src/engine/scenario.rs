//! Scenario format v1 (../shared/spec/scenario-format.md) as Rust types.
//!
//! These types are the *validated* form: `validate::parse_scenario` builds them from
//! JSON text and rejects anything the spec does not allow. Fields whose presence is only
//! allowed for some kinds are `Option`s, so that serializing a parsed scenario gives back
//! a valid scenario (round trip); the `*_or_default` getters resolve the spec defaults.

use serde::{Deserialize, Serialize};

/// A whole scenario: workload, source, engine, optional dedup, sink and faults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub version: u32,
    #[serde(default)]
    pub seed: u64,
    pub workload: Workload,
    pub source: Source,
    pub engine: Engine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup: Option<Dedup>,
    pub sink: Sink,
    #[serde(default)]
    pub faults: Vec<Fault>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub records: u32,
    pub batch_size: u32,
    pub partitions: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_times: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival_ticks: Option<Vec<u64>>,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            records: 10,
            batch_size: 2,
            partitions: 1,
            event_times: None,
            arrival_ticks: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartingPosition {
    Earliest,
    Latest,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    Log {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        starting_position: Option<StartingPosition>,
    },
    Queue {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ack_deadline: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exactly_once_delivery: Option<bool>,
    },
    Socket,
}

impl Source {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Source::Log { .. } => "log",
            Source::Queue { .. } => "queue",
            Source::Socket => "socket",
        }
    }
    pub fn starting_position(&self) -> StartingPosition {
        match self {
            Source::Log {
                starting_position: Some(p),
            } => *p,
            _ => StartingPosition::Earliest,
        }
    }
    pub fn ack_deadline(&self) -> u64 {
        match self {
            Source::Queue {
                ack_deadline: Some(d),
                ..
            } => *d,
            _ => 10,
        }
    }
    pub fn exactly_once_delivery(&self) -> bool {
        matches!(
            self,
            Source::Queue {
                exactly_once_delivery: Some(true),
                ..
            }
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    After,
    Before,
    Auto,
    Transaction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupBy {
    MessageId,
    IdAttribute,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Engine {
    Consumer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit_mode: Option<CommitMode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        auto_commit_every: Option<u32>,
    },
    MicroBatch,
    Flink,
    Beam {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dedup_by: Option<DedupBy>,
    },
}

impl Engine {
    /// The engine's own word for a unit of work, in narration and labels: Flink epochs
    /// (sealed by checkpoints), Beam bundles, Spark and consumer batches.
    pub fn unit(&self) -> &'static str {
        match self {
            Engine::Flink => "epoch",
            Engine::Beam { .. } => "bundle",
            Engine::Consumer { .. } | Engine::MicroBatch => "batch",
        }
    }
    pub fn kind_name(&self) -> &'static str {
        match self {
            Engine::Consumer { .. } => "consumer",
            Engine::MicroBatch => "micro_batch",
            Engine::Flink => "flink",
            Engine::Beam { .. } => "beam",
        }
    }
    pub fn commit_mode(&self) -> CommitMode {
        match self {
            Engine::Consumer {
                commit_mode: Some(m),
                ..
            } => *m,
            _ => CommitMode::After,
        }
    }
    pub fn auto_commit_every(&self) -> u32 {
        match self {
            Engine::Consumer {
                auto_commit_every: Some(n),
                ..
            } => *n,
            _ => 1,
        }
    }
    pub fn dedup_by(&self) -> DedupBy {
        match self {
            Engine::Beam { dedup_by: Some(d) } => *d,
            _ => DedupBy::MessageId,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupMode {
    DropDuplicates,
    WithinWatermark,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dedup {
    pub mode: DedupMode,
    #[serde(default)]
    pub watermark_delay: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpsertKey {
    RecordId,
    SourcePosition,
    UuidPerAttempt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FbTransaction {
    Same,
    Separate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FbOrder {
    DataFirst,
    MarkerFirst,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnAppId {
    QueryId,
    Fixed,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    ReadUncommitted,
    ReadCommitted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamType {
    Default,
    Committed,
    Pending,
    Buffered,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Offsets {
    None,
    Source,
    Writer,
    State,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamScope {
    Shared,
    PerBatch,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sink {
    Append,
    Upsert {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<UpsertKey>,
    },
    File,
    ForeachBatch {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        control_table: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<FbTransaction>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order: Option<FbOrder>,
    },
    Delta {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        txn_app_id: Option<TxnAppId>,
    },
    Kafka {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idempotence: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transactions: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        isolation: Option<Isolation>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction_timeout: Option<u64>,
    },
    Bigquery {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream_type: Option<StreamType>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offsets: Option<Offsets>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream: Option<StreamScope>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        batch_commit: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        finalize_on_drain: Option<bool>,
    },
    Console,
    Memory,
}

/// The sink's options with every spec default resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkCfg {
    Append,
    Upsert(UpsertKey),
    File,
    ForeachBatch {
        control_table: bool,
        transaction: FbTransaction,
        order: FbOrder,
    },
    Delta(TxnAppId),
    Kafka {
        idempotence: bool,
        transactions: bool,
        isolation: Isolation,
        transaction_timeout: u64,
    },
    Bigquery {
        stream_type: StreamType,
        offsets: Offsets,
        stream: StreamScope,
        batch_commit: bool,
        finalize_on_drain: bool,
    },
    Console,
    Memory,
}

impl Sink {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Sink::Append => "append",
            Sink::Upsert { .. } => "upsert",
            Sink::File => "file",
            Sink::ForeachBatch { .. } => "foreach_batch",
            Sink::Delta { .. } => "delta",
            Sink::Kafka { .. } => "kafka",
            Sink::Bigquery { .. } => "bigquery",
            Sink::Console => "console",
            Sink::Memory => "memory",
        }
    }

    /// Resolve every default of scenario-format.md §6.
    pub fn cfg(&self) -> SinkCfg {
        match self {
            Sink::Append => SinkCfg::Append,
            Sink::Upsert { key } => SinkCfg::Upsert(key.unwrap_or(UpsertKey::RecordId)),
            Sink::File => SinkCfg::File,
            Sink::ForeachBatch {
                control_table,
                transaction,
                order,
            } => SinkCfg::ForeachBatch {
                control_table: control_table.unwrap_or(true),
                transaction: transaction.unwrap_or(FbTransaction::Same),
                order: order.unwrap_or(FbOrder::DataFirst),
            },
            Sink::Delta { txn_app_id } => SinkCfg::Delta(txn_app_id.unwrap_or(TxnAppId::QueryId)),
            Sink::Kafka {
                idempotence,
                transactions,
                isolation,
                transaction_timeout,
            } => SinkCfg::Kafka {
                idempotence: idempotence.unwrap_or(true),
                transactions: transactions.unwrap_or(false),
                isolation: isolation.unwrap_or(Isolation::ReadUncommitted),
                transaction_timeout: transaction_timeout.unwrap_or(60),
            },
            Sink::Bigquery {
                stream_type,
                offsets,
                stream,
                batch_commit,
                finalize_on_drain,
            } => {
                let st = stream_type.unwrap_or(StreamType::Default);
                let scope = stream.unwrap_or(match st {
                    StreamType::Pending => StreamScope::PerBatch,
                    _ => StreamScope::Shared,
                });
                SinkCfg::Bigquery {
                    stream_type: st,
                    offsets: offsets.unwrap_or(Offsets::None),
                    stream: scope,
                    batch_commit: batch_commit.unwrap_or(st == StreamType::Pending),
                    finalize_on_drain: finalize_on_drain.unwrap_or(false),
                }
            }
            Sink::Console => SinkCfg::Console,
            Sink::Memory => SinkCfg::Memory,
        }
    }
}

impl SinkCfg {
    /// Does the sink have a `sink_commit` step (scenario-format.md §6, column "commit")?
    pub fn has_commit(&self) -> bool {
        match *self {
            SinkCfg::File | SinkCfg::Delta(_) => true,
            SinkCfg::ForeachBatch { control_table, .. } => control_table,
            SinkCfg::Kafka { transactions, .. } => transactions,
            SinkCfg::Bigquery {
                stream_type,
                stream,
                ..
            } => match stream_type {
                StreamType::Default => false,
                StreamType::Committed => stream == StreamScope::PerBatch,
                StreamType::Pending | StreamType::Buffered => true,
            },
            _ => false,
        }
    }
}

/// The step vocabulary of scenario-format.md §4.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Plan,
    OffsetLog,
    Read,
    SinkWrite,
    SinkCommit,
    Checkpoint,
    CommitLog,
    SourceCommit,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Plan,
        Step::OffsetLog,
        Step::Read,
        Step::SinkWrite,
        Step::SinkCommit,
        Step::Checkpoint,
        Step::CommitLog,
        Step::SourceCommit,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Step::Plan => "plan",
            Step::OffsetLog => "offset_log",
            Step::Read => "read",
            Step::SinkWrite => "sink_write",
            Step::SinkCommit => "sink_commit",
            Step::Checkpoint => "checkpoint",
            Step::CommitLog => "commit_log",
            Step::SourceCommit => "source_commit",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    Crash {
        batch: u64,
        #[serde(default = "one")]
        attempt: u32,
        after: Step,
        #[serde(default = "one64")]
        downtime: u64,
    },
    CrashMidWrite {
        batch: u64,
        #[serde(default = "one")]
        attempt: u32,
        after_records: u64,
        #[serde(default = "one64")]
        downtime: u64,
    },
    LostAck {
        batch: u64,
        #[serde(default = "one")]
        attempt: u32,
        request: u64,
    },
    DeleteCheckpoint {
        #[serde(default = "one")]
        before_restart: u32,
    },
    Zombie {
        batch: u64,
        #[serde(default = "one")]
        attempt: u32,
        after: Step,
        #[serde(default = "one64")]
        downtime: u64,
    },
    Pause {
        batch: u64,
        #[serde(default = "one")]
        attempt: u32,
        after: Step,
        ticks: u64,
    },
    Republish {
        record: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
        #[serde(default)]
        event_time: Option<u64>,
    },
}

fn one() -> u32 {
    1
}
fn one64() -> u64 {
    1
}

impl Fault {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Fault::Crash { .. } => "crash",
            Fault::CrashMidWrite { .. } => "crash_mid_write",
            Fault::LostAck { .. } => "lost_ack",
            Fault::DeleteCheckpoint { .. } => "delete_checkpoint",
            Fault::Zombie { .. } => "zombie",
            Fault::Pause { .. } => "pause",
            Fault::Republish { .. } => "republish",
        }
    }
    /// The (batch, attempt) a batch-point fault strikes at.
    pub fn point(&self) -> Option<(u64, u32)> {
        match *self {
            Fault::Crash { batch, attempt, .. }
            | Fault::CrashMidWrite { batch, attempt, .. }
            | Fault::LostAck { batch, attempt, .. }
            | Fault::Zombie { batch, attempt, .. }
            | Fault::Pause { batch, attempt, .. } => Some((batch, attempt)),
            _ => None,
        }
    }
}

/// Record id `r<i>`.
pub fn record_id(i: usize) -> String {
    format!("r{i}")
}

/// Parse `r<i>` with `i < n`.
pub fn parse_record_id(s: &str, n: usize) -> Option<usize> {
    let digits = s.strip_prefix('r')?;
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let i: usize = digits.parse().ok()?;
    (i < n).then_some(i)
}

impl Scenario {
    /// The steps every batch attempt runs, in order (scenario-format.md §4.1).
    pub fn steps(&self) -> Vec<Step> {
        steps_for(&self.engine, &self.source, self.sink.cfg())
    }
}

pub fn steps_for(engine: &Engine, source: &Source, sink: SinkCfg) -> Vec<Step> {
    let commit = sink.has_commit();
    let mut v = Vec::new();
    match engine {
        Engine::Consumer { .. } => match engine.commit_mode() {
            CommitMode::Before => {
                v.extend([Step::Read, Step::SourceCommit, Step::SinkWrite]);
                if commit {
                    v.push(Step::SinkCommit);
                }
            }
            CommitMode::After | CommitMode::Auto => {
                v.extend([Step::Read, Step::SinkWrite]);
                if commit {
                    v.push(Step::SinkCommit);
                }
                v.push(Step::SourceCommit);
            }
            CommitMode::Transaction => v.extend([Step::Read, Step::SinkWrite, Step::SinkCommit]),
        },
        Engine::MicroBatch => {
            v.extend([Step::Plan, Step::OffsetLog, Step::Read, Step::SinkWrite]);
            if commit {
                v.push(Step::SinkCommit);
            }
            v.push(Step::CommitLog);
        }
        Engine::Flink => {
            v.extend([Step::Read, Step::SinkWrite, Step::Checkpoint]);
            if commit {
                v.push(Step::SinkCommit);
            }
        }
        Engine::Beam { .. } => {
            v.extend([Step::Read, Step::SinkWrite]);
            if commit {
                v.push(Step::SinkCommit);
            }
            v.push(Step::Checkpoint);
            if matches!(source, Source::Queue { .. }) {
                v.push(Step::SourceCommit);
            }
        }
    }
    v
}
