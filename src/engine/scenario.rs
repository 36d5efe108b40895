//! Scenario format v1 (../shared/spec/scenario-format.md) as Rust types.
//!
//! These types are the *validated* form: `validate::parse_scenario` builds them from
//! JSON text and rejects anything the spec does not allow. Fields whose presence is only
//! allowed for some kinds are `Option`s, so that serializing a parsed scenario gives back
//! a valid scenario (round trip); the `*_or_default` getters resolve the spec defaults.

use serde::{Deserialize, Serialize};

/// A name table: a fieldless enum of the format and the one spelling of each variant on the
/// wire. Generates the enum (serde reads and writes exactly these names), `ALL` and `NAMES`
/// in declaration order (the order of validation's "expected one of" lists), `name()` and
/// `from_name()`. Every such table is listed in [`WIRE_TABLES`].
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)+
        }
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every wire name, in the order of `ALL`.
            pub const NAMES: &'static [&'static str] = &[$($wire),+];
            /// The variant's name in the scenario format.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }
            /// The variant spelled `s` in the scenario format.
            pub fn from_name(s: &str) -> Option<$name> {
                Self::NAMES.iter().position(|n| *n == s).map(|i| Self::ALL[i])
            }
        }
        impl WireName for $name {
            const ALL: &'static [$name] = $name::ALL;
            const NAMES: &'static [&'static str] = $name::NAMES;
        }
    };
}

/// A name table's enum (see `wire_enum!`), for code generic over the tables.
pub trait WireName: Copy + 'static {
    const ALL: &'static [Self];
    const NAMES: &'static [&'static str];
}

/// Every name table (`wire_enum!`) of the format: (the enum, its names).
pub const WIRE_TABLES: &[(&str, &[&str])] = &[
    ("SourceKind", SourceKind::NAMES),
    ("StartingPosition", StartingPosition::NAMES),
    ("EngineKind", EngineKind::NAMES),
    ("CommitMode", CommitMode::NAMES),
    ("DedupBy", DedupBy::NAMES),
    ("DedupMode", DedupMode::NAMES),
    ("SinkKind", SinkKind::NAMES),
    ("UpsertKey", UpsertKey::NAMES),
    ("FbTransaction", FbTransaction::NAMES),
    ("FbOrder", FbOrder::NAMES),
    ("TxnAppId", TxnAppId::NAMES),
    ("Isolation", Isolation::NAMES),
    ("StreamType", StreamType::NAMES),
    ("Offsets", Offsets::NAMES),
    ("StreamScope", StreamScope::NAMES),
    ("Step", Step::NAMES),
    ("FaultKind", FaultKind::NAMES),
];

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

wire_enum! {
    pub enum StartingPosition {
        Earliest = "earliest",
        Latest = "latest",
    }
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

wire_enum! {
    /// `source.kind` (scenario-format.md §3).
    pub enum SourceKind {
        Log = "log",
        Queue = "queue",
        Socket = "socket",
    }
}

impl Source {
    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Log { .. } => SourceKind::Log,
            Source::Queue { .. } => SourceKind::Queue,
            Source::Socket => SourceKind::Socket,
        }
    }
    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
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

wire_enum! {
    pub enum CommitMode {
        After = "after",
        Before = "before",
        Auto = "auto",
        Transaction = "transaction",
    }
}

wire_enum! {
    pub enum DedupBy {
        MessageId = "message_id",
        IdAttribute = "id_attribute",
    }
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

wire_enum! {
    /// `engine.kind` (scenario-format.md §4).
    pub enum EngineKind {
        Consumer = "consumer",
        MicroBatch = "micro_batch",
        Flink = "flink",
        Beam = "beam",
    }
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
    pub fn kind(&self) -> EngineKind {
        match self {
            Engine::Consumer { .. } => EngineKind::Consumer,
            Engine::MicroBatch => EngineKind::MicroBatch,
            Engine::Flink => EngineKind::Flink,
            Engine::Beam { .. } => EngineKind::Beam,
        }
    }
    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
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

wire_enum! {
    pub enum DedupMode {
        DropDuplicates = "drop_duplicates",
        WithinWatermark = "within_watermark",
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dedup {
    pub mode: DedupMode,
    #[serde(default)]
    pub watermark_delay: Option<u64>,
}

wire_enum! {
    pub enum UpsertKey {
        RecordId = "record_id",
        SourcePosition = "source_position",
        UuidPerAttempt = "uuid_per_attempt",
    }
}

wire_enum! {
    pub enum FbTransaction {
        Same = "same",
        Separate = "separate",
    }
}

wire_enum! {
    pub enum FbOrder {
        DataFirst = "data_first",
        MarkerFirst = "marker_first",
    }
}

wire_enum! {
    pub enum TxnAppId {
        QueryId = "query_id",
        Fixed = "fixed",
        None = "none",
    }
}

wire_enum! {
    pub enum Isolation {
        ReadUncommitted = "read_uncommitted",
        ReadCommitted = "read_committed",
    }
}

wire_enum! {
    pub enum StreamType {
        Default = "default",
        Committed = "committed",
        Pending = "pending",
        Buffered = "buffered",
    }
}

wire_enum! {
    pub enum Offsets {
        None = "none",
        Source = "source",
        Writer = "writer",
        State = "state",
    }
}

wire_enum! {
    pub enum StreamScope {
        Shared = "shared",
        PerBatch = "per_batch",
    }
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

wire_enum! {
    /// `sink.kind` (scenario-format.md §6).
    pub enum SinkKind {
        Append = "append",
        Upsert = "upsert",
        File = "file",
        ForeachBatch = "foreach_batch",
        Delta = "delta",
        Kafka = "kafka",
        Bigquery = "bigquery",
        Console = "console",
        Memory = "memory",
    }
}

impl Sink {
    pub fn kind(&self) -> SinkKind {
        match self {
            Sink::Append => SinkKind::Append,
            Sink::Upsert { .. } => SinkKind::Upsert,
            Sink::File => SinkKind::File,
            Sink::ForeachBatch { .. } => SinkKind::ForeachBatch,
            Sink::Delta { .. } => SinkKind::Delta,
            Sink::Kafka { .. } => SinkKind::Kafka,
            Sink::Bigquery { .. } => SinkKind::Bigquery,
            Sink::Console => SinkKind::Console,
            Sink::Memory => SinkKind::Memory,
        }
    }
    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
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

// ---------------------------------------------------------------------------------------------
// Compatibility: which parts go together (scenario-format.md §4 and §6 tables). Validation
// enforces it; the generator builds only what it allows.

impl EngineKind {
    /// The sources the engine reads (§4 table, column "sources").
    pub fn sources(self) -> &'static [SourceKind] {
        match self {
            EngineKind::Consumer | EngineKind::Beam => &[SourceKind::Log, SourceKind::Queue],
            EngineKind::MicroBatch | EngineKind::Flink => &[SourceKind::Log, SourceKind::Socket],
        }
    }
}

impl SinkKind {
    /// The engines that write to the sink (§6 table, column "engines").
    pub fn engines(self) -> &'static [EngineKind] {
        use EngineKind::*;
        match self {
            SinkKind::File | SinkKind::ForeachBatch | SinkKind::Delta | SinkKind::Memory => {
                &[MicroBatch]
            }
            SinkKind::Kafka => &[Consumer, MicroBatch, Flink],
            SinkKind::Bigquery => &[Consumer, MicroBatch, Beam],
            SinkKind::Append | SinkKind::Upsert | SinkKind::Console => {
                &[Consumer, MicroBatch, Flink, Beam]
            }
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
            SinkCfg::Append | SinkCfg::Upsert(_) | SinkCfg::Console | SinkCfg::Memory => false,
        }
    }
}

wire_enum! {
    /// The step vocabulary of scenario-format.md §4.1.
    #[derive(PartialOrd, Ord, Hash)]
    pub enum Step {
        Plan = "plan",
        OffsetLog = "offset_log",
        Read = "read",
        SinkWrite = "sink_write",
        SinkCommit = "sink_commit",
        Checkpoint = "checkpoint",
        CommitLog = "commit_log",
        SourceCommit = "source_commit",
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

wire_enum! {
    /// `faults[i].kind` (scenario-format.md §7): one variant per [`Fault`] variant.
    pub enum FaultKind {
        Crash = "crash",
        CrashMidWrite = "crash_mid_write",
        LostAck = "lost_ack",
        DeleteCheckpoint = "delete_checkpoint",
        Zombie = "zombie",
        Pause = "pause",
        Republish = "republish",
    }
}

impl Fault {
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::Crash { .. } => FaultKind::Crash,
            Fault::CrashMidWrite { .. } => FaultKind::CrashMidWrite,
            Fault::LostAck { .. } => FaultKind::LostAck,
            Fault::DeleteCheckpoint { .. } => FaultKind::DeleteCheckpoint,
            Fault::Zombie { .. } => FaultKind::Zombie,
            Fault::Pause { .. } => FaultKind::Pause,
            Fault::Republish { .. } => FaultKind::Republish,
        }
    }
    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
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

    /// The scenario with every default of scenario-format.md resolved, through the same
    /// accessors the simulator reads: two scenarios that differ only in writing a default
    /// out (`"key": "record_id"` or nothing) have equal `resolved()`. The fidelity marks
    /// find a course scenario's real run by it.
    pub fn resolved(&self) -> Resolved<'_> {
        let n = self.workload.records as usize;
        let w = &self.workload;
        Resolved {
            seed: self.seed,
            workload: (w.records, w.batch_size, w.partitions),
            event_times: w
                .event_times
                .clone()
                .unwrap_or_else(|| (0..n as u64).collect()),
            arrival_ticks: w.arrival_ticks.clone().unwrap_or_else(|| vec![0; n]),
            source: (
                self.source.kind(),
                self.source.starting_position(),
                self.source.ack_deadline(),
                self.source.exactly_once_delivery(),
            ),
            engine: (
                self.engine.kind(),
                self.engine.commit_mode(),
                self.engine.auto_commit_every(),
                self.engine.dedup_by(),
            ),
            dedup: self.dedup.as_ref(),
            sink: self.sink.cfg(),
            faults: &self.faults,
        }
    }
}

/// A [`Scenario`] with its defaults resolved ([`Scenario::resolved`]), for comparing.
#[derive(Debug, PartialEq, Eq)]
pub struct Resolved<'a> {
    seed: u64,
    workload: (u32, u32, u32),
    event_times: Vec<u64>,
    arrival_ticks: Vec<u64>,
    source: (SourceKind, StartingPosition, u64, bool),
    engine: (EngineKind, CommitMode, u32, DedupBy),
    dedup: Option<&'a Dedup>,
    sink: SinkCfg,
    faults: &'a [Fault],
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
