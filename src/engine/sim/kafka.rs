//! The Kafka sink's producer side: idempotence, transactions, fencing, the transaction
//! timeout (semantics §6, §7.3).

use super::narration::list_ids;
use super::process::{Ctx, Inst, StepRes};
use super::sink::RowRes;
use super::Sim;
use crate::engine::scenario::{record_id, CommitMode, Engine, SinkCfg, Step};
use crate::engine::trace::{Change, EventKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TxnState {
    Open,
    Committed,
    Aborted,
}

/// A Kafka transaction.
#[derive(Clone, Debug)]
pub(super) struct Txn {
    /// `T1`, `T2`, … in the order they were begun.
    pub(super) name: String,
    /// Its rows (indices into the sink table).
    pub(super) rows: Vec<usize>,
    pub(super) state: TxnState,
    /// The tick it was begun (the broker aborts it `transaction_timeout` ticks later).
    pub(super) begun: u64,
}

/// The broker's transaction state for the sink's transactional.id.
#[derive(Default)]
pub(super) struct Kafka {
    /// Every transaction begun, in order.
    pub(super) txns: Vec<Txn>,
    /// Transactions committed / aborted so far (`final_state.sink`).
    pub(super) committed: u64,
    pub(super) aborted: u64,
    /// Producers of processes numbered below this are fenced (a newer one called
    /// initTransactions).
    pub(super) fenced_below: u32,
}

impl Sim<'_> {
    /// The broker has aborted transaction `ti` by now (it outlived the timeout).
    fn txn_expired(&self, ti: usize) -> bool {
        let SinkCfg::Kafka {
            transaction_timeout,
            ..
        } = self.sink_cfg
        else {
            return false;
        };
        self.now.saturating_sub(self.kafka.txns[ti].begun) >= transaction_timeout
    }

    fn abort_txn(&mut self, ti: usize, changes: &mut Vec<Change>) {
        if self.kafka.txns[ti].state != TxnState::Open {
            return;
        }
        self.kafka.txns[ti].state = TxnState::Aborted;
        self.kafka.aborted += 1;
        if self.narration.on {
            changes.push(Change::Transaction {
                name: self.kafka.txns[ti].name.clone(),
                state: "aborted".into(),
            });
            let rows = self.kafka.txns[ti].rows.clone();
            if !rows.is_empty() && self.primary_strict() {
                changes.push(Change::RowStatus {
                    rows: rows.iter().map(|r| *r as u64).collect(),
                    status: crate::engine::trace::RowStatus::Aborted,
                });
            }
        }
    }

    fn commit_txn(&mut self, ti: usize, changes: &mut Vec<Change>) {
        debug_assert_eq!(
            self.kafka.txns[ti].state,
            TxnState::Open,
            "only an open transaction commits"
        );
        self.kafka.txns[ti].state = TxnState::Committed;
        self.kafka.committed += 1;
        let rows = self.kafka.txns[ti].rows.clone();
        let status = self.commit_rows(&rows);
        if self.narration.on {
            changes.push(Change::Transaction {
                name: self.kafka.txns[ti].name.clone(),
                state: "committed".into(),
            });
            changes.extend(status);
        }
    }

    /// A new transactional producer calls initTransactions: it aborts every open
    /// transaction and fences older producers.
    pub(super) fn init_transactions(&mut self, inst: &Inst) {
        self.kafka.fenced_below = inst.number;
        let open: Vec<usize> = (0..self.kafka.txns.len())
            .filter(|i| self.kafka.txns[*i].state == TxnState::Open)
            .collect();
        for ti in open {
            let mut ch = Vec::new();
            self.abort_txn(ti, &mut ch);
            let name = self.kafka.txns[ti].name.clone();
            let recs: Vec<usize> = self.kafka.txns[ti]
                .rows
                .iter()
                .map(|r| self.table.rows[*r].record)
                .collect();
            self.emit(
                Some(inst),
                EventKind::Abort,
                None,
                None,
                Vec::new(),
                ch,
                txt!(
                    self,
                    "initTransactions aborts the open transaction {name} ({}) and fences the previous producer; read_uncommitted readers still see its records.",
                    list_ids(&recs)
                ),
            );
        }
    }

    /// flink recovery: the restored checkpoint `epoch` holds pre-committed transaction
    /// `ti`; recovery commits it, unless the broker already aborted it. The clause for
    /// the start sentence, if the transaction was still open.
    pub(super) fn recover_pre_committed(
        &mut self,
        inst: &Inst,
        epoch: u64,
        ti: usize,
        changes: &mut Vec<Change>,
    ) -> Option<String> {
        if self.kafka.txns[ti].state != TxnState::Open {
            return None;
        }
        if self.txn_expired(ti) {
            self.abort_txn(ti, changes);
            self.findings.transaction_timeout_exceeded = true;
            self.log_error(
                Some(inst),
                epoch,
                None,
                "recovery",
                "PRODUCER_FENCED",
                None,
                txt!(
                    self,
                    "Recovery tries to commit the pre-committed transaction of checkpoint {epoch}, but the broker already aborted it (transaction timeout): PRODUCER_FENCED. Its records are lost."
                ),
            );
            Some(txt!(
                self,
                "its transaction {} had timed out",
                self.kafka.txns[ti].name
            ))
        } else {
            self.commit_txn(ti, changes);
            Some(txt!(
                self,
                "commits the pre-committed transaction {}",
                self.kafka.txns[ti].name
            ))
        }
    }

    /// The producer sends the record at `pos` (one request); with `lost_ack` the
    /// acknowledgement is lost and the producer retries.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn kafka_send(
        &mut self,
        inst: &Inst,
        ctx: &mut Ctx,
        pos: u64,
        lost_ack: bool,
        changes: &mut Vec<Change>,
        notes: &mut Vec<String>,
    ) -> RowRes {
        let SinkCfg::Kafka {
            idempotence,
            transactions,
            ..
        } = self.sink_cfg
        else {
            return RowRes::Ok;
        };
        if transactions {
            if inst.number < self.kafka.fenced_below {
                self.step_error(
                inst,
                ctx,
                Step::SinkWrite,
                "PRODUCER_FENCED",
                    Some(self.rec(pos)),
                    txt!(
                        self,
                        "The zombie's send of {} fails with PRODUCER_FENCED: a newer producer with the same transactional.id exists. The zombie stops.",
                        record_id(self.rec(pos))
                    ),
                );
                return RowRes::Stop;
            }
            if ctx.txn.is_none() {
                let name = format!("T{}", self.kafka.txns.len() + 1);
                self.kafka.txns.push(Txn {
                    name: name.clone(),
                    rows: Vec::new(),
                    state: TxnState::Open,
                    begun: self.now,
                });
                ctx.txn = Some(self.kafka.txns.len() - 1);
                if self.narration.on {
                    changes.push(Change::Transaction {
                        name,
                        state: "open".into(),
                    });
                }
            }
            let r = self.add_row(pos, false, true);
            let ti = ctx.txn.unwrap_or(0);
            self.kafka.txns[ti].rows.push(r);
            ctx.written.push(r);
            if self.narration.on {
                changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
            }
        } else {
            let r = self.add_row(pos, true, true);
            ctx.written.push(r);
            if self.narration.on {
                changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
            }
        }
        if lost_ack {
            if idempotence {
                if self.narration.on {
                    notes.push(txt!(
                        self,
                        "The acknowledgement of {} is lost; the producer retries and the broker drops the retry by producer id and sequence number.",
                        record_id(self.rec(pos))
                    ));
                }
            } else {
                let strict = !transactions;
                let r = self.add_row(pos, strict, true);
                ctx.written.push(r);
                if let Some(ti) = ctx.txn {
                    self.kafka.txns[ti].rows.push(r);
                }
                if self.narration.on {
                    changes.push(self.row_change(r, pos, inst, ctx, self.place(ctx)));
                    notes.push(txt!(
                        self,
                        "The acknowledgement of {} is lost; without idempotence the retry is written as a second copy.",
                        record_id(self.rec(pos))
                    ));
                }
            }
        }
        RowRes::Ok
    }

    /// The sink_commit step of a transactional producer: commitTransaction (consumer:
    /// with the offsets; flink: notifyCheckpointComplete).
    pub(super) fn kafka_commit(&mut self, inst: &Inst, ctx: &Ctx) -> StepRes {
        let step = Step::SinkCommit;
        let consumer_txn = matches!(self.scenario.engine, Engine::Consumer { .. })
            && self.scenario.engine.commit_mode() == CommitMode::Transaction;
        let flink = matches!(self.scenario.engine, Engine::Flink);
        let Some(ti) = ctx.txn else {
            let text = txt!(
                self,
                "No records were sent, so no transaction was begun: nothing to commit."
            );
            self.skip_event(inst, ctx, step, text);
            return StepRes::Ok;
        };
        if inst.number < self.kafka.fenced_below {
            self.step_error(
                inst,
                ctx,
                Step::SinkCommit,
                "PRODUCER_FENCED",
                None,
                txt!(self, "The zombie's commitTransaction fails with PRODUCER_FENCED: a newer producer aborted its transaction. The zombie stops."),
            );
            return StepRes::Stop;
        }
        if self.kafka.txns[ti].state == TxnState::Committed {
            let text = txt!(self, "{} is already committed.", self.kafka.txns[ti].name);
            self.skip_event(inst, ctx, step, text);
            return StepRes::Ok;
        }
        if self.kafka.txns[ti].state == TxnState::Aborted || self.txn_expired(ti) {
            return self.commit_refused(inst, ctx, ti, flink);
        }
        let mut ch = Vec::new();
        self.commit_txn(ti, &mut ch);
        let name = self.kafka.txns[ti].name.clone();
        let text = if consumer_txn {
            self.commit_group(ctx.end);
            ch.push(Change::Committed { position: ctx.end });
            txt!(
                self,
                "commitTransaction: {name} commits the records and the consumer offsets ({}) atomically (sendOffsetsToTransaction).",
                ctx.end
            )
        } else if flink {
            txt!(
                self,
                "notifyCheckpointComplete({}): the sink commits {name}; read_committed readers now see its records.",
                ctx.batch
            )
        } else {
            txt!(self, "commitTransaction: {name} is committed; read_committed readers now see its records.")
        };
        self.step_event(inst, ctx, step, Vec::new(), ch, text);
        StepRes::Ok
    }

    /// commitTransaction of `ti` after the broker aborted it (transaction timeout).
    fn commit_refused(&mut self, inst: &Inst, ctx: &Ctx, ti: usize, flink: bool) -> StepRes {
        let step = Step::SinkCommit;
        let mut ch = Vec::new();
        self.abort_txn(ti, &mut ch);
        // Only Flink loses an epoch this way; a consumer's failed commit crashes it and
        // it replays from the committed offsets, which its guarantee covers (§7.3, §9).
        if flink {
            self.findings.transaction_timeout_exceeded = true;
        }
        let name = self.kafka.txns[ti].name.clone();
        self.emit(
            Some(inst),
            EventKind::Abort,
            Some(step),
            Some((ctx.batch, Some(ctx.attempt))),
            Vec::new(),
            ch,
            txt!(
                self,
                "The broker has aborted {name}: it outlived transaction.timeout.ms."
            ),
        );
        if flink {
            self.step_error(
                inst,
                ctx,
                Step::SinkCommit,
                "PRODUCER_FENCED",
                None,
                txt!(
                    self,
                    "notifyCheckpointComplete({}) tries to commit {name}: PRODUCER_FENCED. Flink logs it and goes on; checkpoint {} already covers these records, so they are lost.",
                    ctx.batch, ctx.batch
                ),
            );
            return StepRes::Ok;
        }
        self.step_error(
                inst,
                ctx,
                Step::SinkCommit,
                "PRODUCER_FENCED",
            None,
            txt!(self, "commitTransaction of {name} fails with PRODUCER_FENCED; the consumer crashes and replays from its committed offsets."),
        );
        StepRes::Died(1)
    }
}
