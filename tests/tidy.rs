//! Tidiness rules that the compiler does not check: every wire name is written once, in
//! `src/engine/scenario.rs`'s name tables, and serde reads and writes exactly those names.
#![cfg(not(target_arch = "wasm32"))]

use crashcourse::engine::scenario::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// A fieldless table's names are serde's: each variant serializes to its name and back.
fn serde_agrees<T>()
where
    T: WireName + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    assert_eq!(T::ALL.len(), T::NAMES.len());
    for (v, name) in T::ALL.iter().zip(T::NAMES) {
        assert_eq!(serde_json::to_value(v).unwrap(), json!(name), "{v:?}");
        assert_eq!(serde_json::from_value::<T>(json!(name)).unwrap(), *v);
    }
}

/// The `kind` a tagged value serializes with.
fn kind_tag(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap()["kind"].clone()
}

#[test]
fn every_name_table_is_what_serde_writes() {
    serde_agrees::<SourceKind>();
    serde_agrees::<StartingPosition>();
    serde_agrees::<EngineKind>();
    serde_agrees::<CommitMode>();
    serde_agrees::<DedupBy>();
    serde_agrees::<DedupMode>();
    serde_agrees::<SinkKind>();
    serde_agrees::<UpsertKey>();
    serde_agrees::<FbTransaction>();
    serde_agrees::<FbOrder>();
    serde_agrees::<TxnAppId>();
    serde_agrees::<Isolation>();
    serde_agrees::<StreamType>();
    serde_agrees::<Offsets>();
    serde_agrees::<StreamScope>();
    serde_agrees::<Step>();
    serde_agrees::<FaultKind>();
    assert_eq!(
        WIRE_TABLES.len(),
        17,
        "a table was added: check it above too"
    );
}

/// Every `wire_enum!` of scenario.rs is in `WIRE_TABLES` (which the tidy rules below read).
#[test]
fn every_name_table_is_listed() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/engine/scenario.rs"
    ))
    .unwrap();
    let mut declared: Vec<&str> = text
        .split("wire_enum! {")
        .skip(1)
        .filter_map(|t| t.split("pub enum ").nth(1)?.split_whitespace().next())
        .collect();
    let mut listed: Vec<&str> = WIRE_TABLES.iter().map(|(n, _)| *n).collect();
    declared.sort_unstable();
    listed.sort_unstable();
    assert_eq!(declared, listed);
}

/// The tagged enums keep serde's `rename_all`: one value of every kind (the matches are
/// exhaustive both ways) must carry its table name as `kind`, and `kind()` must give it back.
#[test]
fn every_kind_table_is_the_tag_serde_writes() {
    for &k in SourceKind::ALL {
        let v = match k {
            SourceKind::Log => Source::Log {
                starting_position: None,
            },
            SourceKind::Queue => Source::Queue {
                ack_deadline: None,
                exactly_once_delivery: None,
            },
            SourceKind::Socket => Source::Socket,
        };
        assert_eq!(v.kind(), k);
        assert_eq!(kind_tag(&v), json!(k.name()));
    }
    for &k in EngineKind::ALL {
        let v = match k {
            EngineKind::Consumer => Engine::Consumer {
                commit_mode: None,
                auto_commit_every: None,
            },
            EngineKind::MicroBatch => Engine::MicroBatch,
            EngineKind::Flink => Engine::Flink,
            EngineKind::Beam => Engine::Beam { dedup_by: None },
        };
        assert_eq!(v.kind(), k);
        assert_eq!(kind_tag(&v), json!(k.name()));
    }
    for &k in SinkKind::ALL {
        let v = match k {
            SinkKind::Append => Sink::Append,
            SinkKind::Upsert => Sink::Upsert { key: None },
            SinkKind::File => Sink::File,
            SinkKind::ForeachBatch => Sink::ForeachBatch {
                control_table: None,
                transaction: None,
                order: None,
            },
            SinkKind::Delta => Sink::Delta { txn_app_id: None },
            SinkKind::Kafka => Sink::Kafka {
                idempotence: None,
                transactions: None,
                isolation: None,
                transaction_timeout: None,
            },
            SinkKind::Bigquery => Sink::Bigquery {
                stream_type: None,
                offsets: None,
                stream: None,
                batch_commit: None,
                finalize_on_drain: None,
            },
            SinkKind::Console => Sink::Console,
            SinkKind::Memory => Sink::Memory,
        };
        assert_eq!(v.kind(), k);
        assert_eq!(kind_tag(&v), json!(k.name()));
    }
    for &k in FaultKind::ALL {
        let v = match k {
            FaultKind::Crash => Fault::Crash {
                batch: 0,
                attempt: 1,
                after: Step::Read,
                downtime: 1,
            },
            FaultKind::CrashMidWrite => Fault::CrashMidWrite {
                batch: 0,
                attempt: 1,
                after_records: 1,
                downtime: 1,
            },
            FaultKind::LostAck => Fault::LostAck {
                batch: 0,
                attempt: 1,
                request: 0,
            },
            FaultKind::DeleteCheckpoint => Fault::DeleteCheckpoint { before_restart: 1 },
            FaultKind::Zombie => Fault::Zombie {
                batch: 0,
                attempt: 1,
                after: Step::Read,
                downtime: 1,
            },
            FaultKind::Pause => Fault::Pause {
                batch: 0,
                attempt: 1,
                after: Step::Read,
                ticks: 1,
            },
            FaultKind::Republish => Fault::Republish {
                record: "r0".into(),
                after: None,
                event_time: None,
            },
        };
        assert_eq!(v.kind(), k);
        assert_eq!(kind_tag(&v), json!(k.name()));
    }
}
