//! The outcome of a run (semantics §9): what each reader sees, what is missing or
//! duplicated and why, the errors, the broken assumptions and the final durable state.

use super::Sim;
use crate::engine::guarantee::classify;
use crate::engine::outcome::{ErrorEntry, FinalState, Ids, Outcome, ReaderView, SinkState};
use crate::engine::scenario::{Engine, FaultKind, Isolation, SinkCfg};
use crate::engine::vecmap::{VecMap, VecSet};

/// What the run found that only the outcome reports.
#[derive(Default)]
pub(super) struct Findings {
    /// Every server error, in order.
    pub(super) error_log: Vec<ErrorEntry>,
    /// A Kafka transaction outlived `transaction_timeout` and lost records (flink).
    pub(super) transaction_timeout_exceeded: bool,
}

/// Does the reader `name` see the raw rows (every row written and not rolled back),
/// rather than the strict ones (committed)?
pub(super) fn reads_raw(name: &str) -> bool {
    matches!(name, "raw_listing" | "read_uncommitted")
}

impl Sim<'_> {
    /// The readers of the sink, and the primary one.
    pub(super) fn reader_names(&self) -> (&'static [&'static str], &'static str) {
        match self.sink_cfg {
            SinkCfg::File => (&["metadata_log", "raw_listing"], "metadata_log"),
            SinkCfg::Delta(_) => (&["delta_log", "raw_listing"], "delta_log"),
            SinkCfg::Kafka { isolation, .. } => (
                &["read_committed", "read_uncommitted"],
                match isolation {
                    Isolation::ReadCommitted => "read_committed",
                    Isolation::ReadUncommitted => "read_uncommitted",
                },
            ),
            SinkCfg::Console => (&["console_output"], "console_output"),
            SinkCfg::Memory => (&["memory_table"], "memory_table"),
            SinkCfg::Append
            | SinkCfg::Upsert(_)
            | SinkCfg::ForeachBatch { .. }
            | SinkCfg::Bigquery { .. } => (&["table"], "table"),
        }
    }

    pub(super) fn outcome(&self) -> Outcome {
        let cls = classify(self.scenario);
        let mut strict = vec![0u64; self.records];
        let mut raw = vec![0u64; self.records];
        for r in &self.table.rows {
            if r.strict {
                strict[r.record] += 1;
            }
            if r.raw {
                raw[r.record] += 1;
            }
        }
        let (names, primary) = self.reader_names();
        let mut readers = VecMap::new();
        for &name in names {
            let counts = if reads_raw(name) { &raw } else { &strict };
            readers.insert(name.to_string(), ReaderView::from_counts(counts));
        }
        let pv = readers.get(primary).cloned().unwrap_or_default();
        let missing_set: VecSet<usize> = pv.missing.0.iter().copied().collect();
        let before = self.before_start(&missing_set);
        let dropped_late = self.dropped_late(&missing_set);
        let errors: VecSet<String> = self
            .findings
            .error_log
            .iter()
            .map(|e| e.error.clone())
            .collect();
        let mut assumptions = Vec::new();
        let fired_kind = |k: FaultKind| {
            self.scenario
                .faults
                .iter()
                .enumerate()
                .any(|(i, f)| self.faults.fired(i) && f.kind() == k)
        };
        if fired_kind(FaultKind::DeleteCheckpoint) {
            assumptions.push("checkpoint_deleted".to_string());
        }
        if fired_kind(FaultKind::Republish) {
            assumptions.push("publisher_republished".to_string());
        }
        if self.findings.transaction_timeout_exceeded {
            assumptions.push("transaction_timeout_exceeded".to_string());
        }
        Outcome {
            version: 1,
            guarantee: cls.guarantee,
            guarantee_reason: cls.reason,
            primary_reader: primary.to_string(),
            visible: pv.visible.clone(),
            missing: pv.missing.clone(),
            duplicated: pv.duplicated.clone(),
            readers,
            before_start: Ids(before.into_iter().collect()),
            dropped_late: Ids(dropped_late),
            errors: errors.into_iter().collect(),
            error_log: self.findings.error_log.clone(),
            assumptions_broken: assumptions,
            unfired_faults: self.faults.unfired(),
            restarts: self.restarts,
            final_state: self.final_state(),
        }
    }

    /// before_start: missing records with an entry below the first start's position that
    /// no process read.
    fn before_start(&self, missing_set: &VecSet<usize>) -> VecSet<usize> {
        let entries = &self.source.entries;
        let mut before = VecSet::new();
        if let Some(fs) = self.source.first_start {
            let below = entries.iter().zip(&self.source.ever_read).take(fs as usize);
            for (entry, &read) in below {
                if !read && missing_set.contains(&entry.record) {
                    before.insert(entry.record);
                }
            }
        }
        before
    }

    /// dropped_late: missing records whose every entry was dropped as late.
    fn dropped_late(&self, missing_set: &VecSet<usize>) -> Vec<usize> {
        let entries = &self.source.entries;
        let mut all_late = vec![true; self.records];
        let mut any = vec![false; self.records];
        for (p, e) in entries.iter().enumerate() {
            any[e.record] = true;
            if !self.dedup.dropped_late[p] {
                all_late[e.record] = false;
            }
        }
        missing_set
            .iter()
            .copied()
            .filter(|r| any[*r] && all_late[*r])
            .collect()
    }

    /// Per partition, the committed offset of a durable position `p` (the number of its
    /// entries below `p`).
    fn partition_offsets(&self, p: u64) -> Vec<u64> {
        let partitions = self.source.partitions;
        (0..partitions)
            .map(|k| {
                if p > k {
                    (p - k).div_ceil(partitions)
                } else {
                    0
                }
            })
            .collect()
    }

    fn final_state(&self) -> FinalState {
        let micro = matches!(self.scenario.engine, Engine::MicroBatch);
        let table = &self.table;
        let sink = match self.sink_cfg {
            SinkCfg::Delta(_) => SinkState::Delta {
                txn: table.delta_txn.clone(),
            },
            SinkCfg::File => SinkState::File {
                metadata_log: table.metadata_log.iter().copied().collect(),
            },
            SinkCfg::ForeachBatch { .. } => SinkState::ForeachBatch {
                control_table: table.control_table.iter().copied().collect(),
            },
            SinkCfg::Kafka { .. } => SinkState::Kafka {
                committed_transactions: self.kafka.committed,
                aborted_transactions: self.kafka.aborted,
            },
            SinkCfg::Bigquery { .. } => SinkState::Bigquery {
                streams: self.bigquery.final_streams(),
            },
            SinkCfg::Append | SinkCfg::Upsert(_) | SinkCfg::Console | SinkCfg::Memory => {
                SinkState::Empty {}
            }
        };
        let spark = &self.progress.spark;
        FinalState {
            committed_offsets: self.committed_position().map(|p| self.partition_offsets(p)),
            acked: self
                .is_queue()
                .then(|| self.source.acked.iter().filter(|a| **a).count() as u64),
            offset_log: micro.then(|| spark.offset_log.keys().copied().collect()),
            commit_log: micro.then(|| spark.commit_log.iter().copied().collect()),
            checkpoints: match self.scenario.engine {
                Engine::Flink => Some(self.progress.flink.checkpoints.keys().copied().collect()),
                Engine::Beam { .. } => Some(self.progress.beam.bundles.iter().copied().collect()),
                Engine::Consumer { .. } | Engine::MicroBatch => None,
            },
            sink,
        }
    }
}
