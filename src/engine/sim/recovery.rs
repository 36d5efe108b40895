//! Recovery: a process starts and decides where to resume (semantics §3); a restart
//! applies downtime, releases leases, rolls dedup back and deletes checkpoints.

use super::process::{Inst, Zombie};
use super::progress::SparkCkpt;
use super::Sim;
use crate::engine::scenario::{Engine, Fault, SinkCfg, StartingPosition};
use crate::engine::trace::{Change, EventKind};

impl Sim<'_> {
    /// The process died (or was cut off, leaving `zombie`): the next one starts after
    /// `downtime`; faults placed before this restart strike.
    pub(super) fn restart(&mut self, downtime: u64, zombie: Option<Box<Zombie>>) {
        self.restarts += 1;
        self.now += downtime;
        if zombie.is_some() {
            self.zombie = zombie;
        }
        // Leases of the dead instance are released.
        if self.is_queue() {
            let source = &mut self.source;
            for i in 0..source.lease_until.len() {
                if !source.acked[i] {
                    source.lease_until[i] = None;
                }
            }
        }
        // Dedup state rolls back to the last committed batch.
        self.rollback_dedup();
        for (i, f) in self.scenario.faults.iter().enumerate() {
            if let Fault::DeleteCheckpoint { before_restart } = f {
                if *before_restart == self.restarts && !self.faults.fired(i) {
                    self.faults.fire(i);
                    self.delete_checkpoint(i);
                }
            }
        }
    }

    /// delete_checkpoint: every durable engine progress is lost; the sink keeps its state.
    fn delete_checkpoint(&mut self, idx: usize) {
        let what = match self.scenario.engine {
            Engine::Consumer { .. } => {
                self.progress.group_committed = None;
                "the consumer group's committed offsets are deleted"
            }
            Engine::MicroBatch => {
                self.progress.spark = SparkCkpt::default();
                "the whole Spark checkpoint (offset log, commit log, query id, state) is deleted"
            }
            Engine::Flink => {
                self.progress.flink.checkpoints.clear();
                "every completed Flink checkpoint is deleted"
            }
            Engine::Beam { .. } => "the runner state is deleted",
        };
        let changes = if self.narration.on {
            vec![Change::CheckpointDeleted]
        } else {
            Vec::new()
        };
        self.emit(
            None,
            EventKind::DeleteCheckpoint,
            None,
            None,
            Vec::new(),
            changes,
            txt!(
                self,
                "Before restart {}, {what}; sink-side state survives. Every guarantee assumes this never happens.",
                self.restarts
            ),
        );
        self.narration.mark_fault(idx);
    }

    /// A process starts: where it resumes, what recovery commits or aborts.
    pub(super) fn start_instance(&mut self, inst: &mut Inst) {
        let restart = inst.number > 1;
        let mut changes = Vec::new();
        let text = match self.scenario.engine {
            Engine::Consumer { .. } => self.start_consumer(inst, restart, &mut changes),
            Engine::MicroBatch => self.start_micro_batch(inst, restart, &mut changes),
            Engine::Flink => self.start_flink(inst, restart, &mut changes),
            Engine::Beam { .. } => {
                if !self.is_queue() {
                    inst.position = self.progress.beam.position.unwrap_or(0);
                    changes.push(Change::Position {
                        position: inst.position,
                    });
                }
                if restart {
                    txt!(
                        self,
                        "The runner retries on a new worker from the last committed bundle."
                    )
                } else {
                    txt!(self, "The Beam pipeline starts.")
                }
            }
        };
        self.emit(
            Some(inst),
            EventKind::Start,
            None,
            None,
            Vec::new(),
            changes,
            text,
        );
        // A transactional Kafka producer calls initTransactions: abort open, fence older.
        if matches!(
            self.sink_cfg,
            SinkCfg::Kafka {
                transactions: true,
                ..
            }
        ) {
            self.init_transactions(inst);
        }
    }

    fn start_consumer(
        &mut self,
        inst: &mut Inst,
        restart: bool,
        changes: &mut Vec<Change>,
    ) -> String {
        if self.is_queue() {
            if restart {
                txt!(
                    self,
                    "A new consumer starts; every unacked message will be delivered again."
                )
            } else {
                txt!(self, "The consumer starts pulling from the subscription.")
            }
        } else if let Some(p) = self.progress.group_committed {
            inst.position = p;
            changes.push(Change::Position { position: p });
            txt!(
                self,
                "A new consumer starts at the group's committed position {p}."
            )
        } else {
            let p = self.resolve_start();
            inst.position = p;
            changes.push(Change::Position { position: p });
            match self.scenario.source.starting_position() {
                StartingPosition::Earliest => txt!(
                    self,
                    "The consumer starts with no committed offset, so auto.offset.reset=earliest puts it at position {p}."
                ),
                StartingPosition::Latest => txt!(
                    self,
                    "The consumer starts with no committed offset, so auto.offset.reset=latest puts it at the end of the log (position {p}); earlier records are skipped."
                ),
            }
        }
    }

    fn start_micro_batch(
        &mut self,
        inst: &mut Inst,
        restart: bool,
        changes: &mut Vec<Change>,
    ) -> String {
        inst.socket_query_fails = false;
        let memory_new_query = self.sink_cfg == SinkCfg::Memory && restart;
        if memory_new_query {
            self.progress.spark = SparkCkpt::default();
            for r in &mut self.table.rows {
                r.strict = false;
                r.raw = false;
            }
            changes.push(Change::TableReset);
        }
        if self.progress.spark.query.is_none() {
            self.progress.queries_started += 1;
            let query = self.progress.queries_started;
            self.progress.spark.query = Some(query);
            self.progress.spark.start_position = self.resolve_start();
            self.narration.query = Some(query);
            let start = self.progress.spark.start_position;
            changes.push(Change::Position { position: start });
            if memory_new_query {
                txt!(
                    self,
                    "Without a checkpointLocation Spark gives every start a new temporary checkpoint, so the restart is a new query q{query} with an empty checkpoint and an empty table, starting at position {start}."
                )
            } else {
                txt!(
                    self,
                    "A new streaming query q{query} starts with an empty checkpoint at position {start} and records that start durably."
                )
            }
        } else {
            let spark = &self.progress.spark;
            self.narration.query = spark.query;
            let last = spark.offset_log.keys().next_back().copied();
            let last_committed = last.is_some_and(|l| spark.commit_log.contains(&l));
            // Spark's socket source keeps no state: a query restarted on a checkpoint
            // that logged a batch re-runs its open batch with nothing in it, then fails
            // (TextSocketMicroBatchStream.commit: "Offsets committed out of order";
            // semantics §2.3, v1.1; measured in fidelity scenarios 28 and 29).
            inst.socket_query_fails = restart && self.is_socket() && last.is_some();
            match last {
                Some(l) if !last_committed => txt!(
                    self,
                    "The query restarts from its checkpoint: offsets/{l} exists but commits/{l} does not, so batch {l} is re-run with the logged range."
                ),
                Some(l) => txt!(
                    self,
                    "The query restarts from its checkpoint: commits/{l} exists, so it continues with batch {}.",
                    l + 1
                ),
                None => txt!(self, "The query restarts from its checkpoint: no batch was logged yet."),
            }
        }
    }

    fn start_flink(&mut self, inst: &mut Inst, restart: bool, changes: &mut Vec<Change>) -> String {
        let latest = self
            .progress
            .flink
            .checkpoints
            .iter()
            .next_back()
            .map(|(e, c)| (*e, c.clone()));
        let mut parts = Vec::new();
        if let Some((epoch, ck)) = latest {
            inst.position = ck.position;
            inst.next_epoch = epoch + 1;
            if self.progress.flink.highest_begun.is_some_and(|b| b > epoch) {
                inst.restored_epoch = Some(epoch + 1);
            }
            if let Some(ti) = ck.txn {
                if let Some(part) = self.recover_pre_committed(inst, epoch, ti, changes) {
                    parts.push(part);
                }
            }
            parts.insert(
                0,
                if self.is_socket() {
                    txt!(
                        self,
                        "Flink restores checkpoint {epoch}; the socket source keeps no position, so its reads go on with lines the socket never sent"
                    )
                } else {
                    txt!(
                        self,
                        "Flink restores checkpoint {epoch} (position {})",
                        ck.position
                    )
                },
            );
        } else {
            inst.position = 0;
            inst.next_epoch = 0;
            parts.push(if restart && self.is_socket() {
                txt!(self, "Flink has no completed checkpoint and starts fresh; the socket source keeps no position, so it reads lines the socket never sent")
            } else if restart {
                txt!(self, "Flink has no completed checkpoint and starts fresh at position 0")
            } else {
                txt!(self, "The Flink job starts at position 0")
            });
        }
        changes.push(Change::Position {
            position: inst.position,
        });
        txt!(self, "{}.", parts.join(", "))
    }
}
