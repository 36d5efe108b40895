//! The outcome JSON of scenario-format.md §9.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use super::scenario::record_id;
use super::vecmap::VecMap;

/// The guarantee a configuration provides in general (semantics §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Guarantee {
    #[serde(rename = "at-most-once")]
    AtMostOnce,
    #[serde(rename = "at-least-once")]
    AtLeastOnce,
    #[serde(rename = "exactly-once")]
    ExactlyOnce,
    #[serde(rename = "none")]
    None,
}

impl Guarantee {
    pub fn name(self) -> &'static str {
        match self {
            Guarantee::AtMostOnce => "at-most-once",
            Guarantee::AtLeastOnce => "at-least-once",
            Guarantee::ExactlyOnce => "exactly-once",
            Guarantee::None => "none",
        }
    }
    pub fn may_lose(self) -> bool {
        matches!(self, Guarantee::AtMostOnce | Guarantee::None)
    }
    pub fn may_duplicate(self) -> bool {
        matches!(self, Guarantee::AtLeastOnce | Guarantee::None)
    }
}

/// Record index → count, serialized as a JSON object in id order (r0, r1, …, r10).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "VecMap<String, u64>")]
pub struct IdCounts(pub Vec<(usize, u64)>);

impl From<VecMap<String, u64>> for IdCounts {
    fn from(m: VecMap<String, u64>) -> Self {
        let mut v: Vec<(usize, u64)> = m
            .into_iter()
            .filter_map(|(k, c)| k.strip_prefix('r')?.parse().ok().map(|i| (i, c)))
            .collect();
        v.sort();
        IdCounts(v)
    }
}

impl Serialize for IdCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (i, c) in &self.0 {
            m.serialize_entry(&record_id(*i), c)?;
        }
        m.end()
    }
}

impl IdCounts {
    pub fn get(&self, i: usize) -> u64 {
        self.0
            .binary_search_by_key(&i, |(k, _)| *k)
            .map(|p| self.0[p].1)
            .unwrap_or(0)
    }
}

/// List of record ids, serialized as strings in id order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "Vec<String>")]
pub struct Ids(pub Vec<usize>);

impl From<Vec<String>> for Ids {
    fn from(v: Vec<String>) -> Self {
        let mut v: Vec<usize> = v
            .into_iter()
            .filter_map(|k| k.strip_prefix('r')?.parse().ok())
            .collect();
        v.sort();
        Ids(v)
    }
}

impl Serialize for Ids {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|i| record_id(*i)))
    }
}

/// What one reader of the sink sees.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderView {
    pub visible: IdCounts,
    pub missing: Ids,
    pub duplicated: IdCounts,
}

impl ReaderView {
    /// Build the view from per-record counts (`counts[i]` copies of record i).
    pub fn from_counts(counts: &[u64]) -> Self {
        let mut visible = Vec::with_capacity(counts.len());
        let mut missing = Vec::new();
        let mut duplicated = Vec::new();
        for (i, &c) in counts.iter().enumerate() {
            visible.push((i, c));
            if c == 0 {
                missing.push(i);
            }
            if c >= 2 {
                duplicated.push((i, c));
            }
        }
        ReaderView {
            visible: IdCounts(visible),
            missing: Ids(missing),
            duplicated: IdCounts(duplicated),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEntry {
    pub batch: u64,
    pub attempt: Option<u32>,
    pub step: String,
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub record: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamState {
    pub name: String,
    #[serde(rename = "type")]
    pub stream_type: String,
    pub state: String,
    pub end: u64,
    pub flushed: Option<u64>,
}

/// `final_state.sink`: one of the per-sink shapes of §9, or `{}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SinkState {
    Delta {
        txn: VecMap<String, u64>,
    },
    File {
        metadata_log: Vec<u64>,
    },
    ForeachBatch {
        control_table: Vec<u64>,
    },
    Kafka {
        committed_transactions: u64,
        aborted_transactions: u64,
    },
    Bigquery {
        streams: Vec<StreamState>,
    },
    Empty {},
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalState {
    pub committed_offsets: Option<Vec<u64>>,
    pub acked: Option<u64>,
    pub offset_log: Option<Vec<u64>>,
    pub commit_log: Option<Vec<u64>>,
    pub checkpoints: Option<Vec<u64>>,
    pub sink: SinkState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub version: u32,
    pub guarantee: Guarantee,
    pub guarantee_reason: String,
    pub primary_reader: String,
    pub visible: IdCounts,
    pub missing: Ids,
    pub duplicated: IdCounts,
    pub readers: VecMap<String, ReaderView>,
    pub before_start: Ids,
    pub dropped_late: Ids,
    pub errors: Vec<String>,
    pub error_log: Vec<ErrorEntry>,
    pub assumptions_broken: Vec<String>,
    pub unfired_faults: Vec<usize>,
    pub restarts: u32,
    pub final_state: FinalState,
}
