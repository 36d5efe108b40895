//! The source outside any process: a log, a queue or a socket (semantics §1, §2); the
//! read step and the queue's acks.

use super::process::{Ctx, Inst, StepRes};
use super::Sim;
use crate::engine::scenario::{
    parse_record_id, Engine, Fault, Scenario, Source, StartingPosition, Step,
};
use crate::engine::trace::Change;
use crate::engine::vecmap::VecMap;

/// One entry of the source, in position order (semantics §1.2).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SourceEntry {
    pub position: u64,
    /// Record index (`r<record>`).
    pub record: usize,
    /// A republished copy (a new log entry / message with the same record id).
    pub copy: bool,
    pub event_time: u64,
    pub arrival: u64,
    /// Log partition and offset (`position mod P`, `position div P`).
    pub partition: u64,
    pub offset: u64,
}

/// The source's entries in position order: the records in id order, each republished
/// copy right after the entry of its `after` record (after earlier copies placed there),
/// with the fault's event time (or the original's) and the arrival tick of `after`.
pub fn source_entries(sc: &Scenario) -> Vec<SourceEntry> {
    let records = sc.workload.records as usize;
    let event_time = |i: usize| {
        sc.workload
            .event_times
            .as_ref()
            .and_then(|v| v.get(i).copied())
            .unwrap_or(i as u64)
    };
    let arrival = |i: usize| {
        sc.workload
            .arrival_ticks
            .as_ref()
            .and_then(|v| v.get(i).copied())
            .unwrap_or(0)
    };
    let mut copies_after: VecMap<usize, Vec<(usize, u64)>> = VecMap::new();
    for f in &sc.faults {
        if let Fault::Republish {
            record,
            after,
            event_time: copy_time,
        } = f
        {
            let Some(r) = parse_record_id(record, records) else {
                continue;
            };
            let a = after
                .as_deref()
                .and_then(|a| parse_record_id(a, records))
                .unwrap_or(r);
            copies_after
                .get_or_insert_with(a, Vec::new)
                .push((r, copy_time.unwrap_or_else(|| event_time(r))));
        }
    }
    let partitions = u64::from(sc.workload.partitions.max(1));
    let mut out = Vec::with_capacity(records + copies_after.len());
    let mut push = |record: usize, copy: bool, event_time: u64, arrival: u64| {
        let position = out.len() as u64;
        out.push(SourceEntry {
            position,
            record,
            copy,
            event_time,
            arrival,
            partition: position % partitions,
            offset: position / partitions,
        });
    };
    for i in 0..records {
        push(i, false, event_time(i), arrival(i));
        if let Some(cs) = copies_after.get(&i) {
            for &(r, t) in cs {
                push(r, true, t, arrival(i));
            }
        }
    }
    out
}

/// What the simulator keeps of an entry.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) record: usize,
    pub(super) event_time: u64,
    /// The tick it arrives at the source (non-decreasing with the position).
    pub(super) arrival: u64,
}

/// The source: its entries and what processes did to them. Survives every restart.
pub(super) struct SourceState {
    /// The entries in position order (records and republished copies).
    pub(super) entries: Vec<Entry>,
    /// log: partitions (an entry is at partition `position mod P`, offset `position div P`).
    pub(super) partitions: u64,
    /// Per position: some process read it (entries never read below the first start are
    /// `before_start` in the outcome).
    pub(super) ever_read: Vec<bool>,
    /// The position the first process started at.
    pub(super) first_start: Option<u64>,
    /// queue: per position, acked for good.
    pub(super) acked: Vec<bool>,
    /// queue: per position, the tick its lease expires (exclusive); none when released.
    pub(super) lease_until: Vec<Option<u64>>,
    /// queue: every message below this position is acked (scan start: keeps reads linear).
    pub(super) first_unacked: usize,
    /// socket: per position, already sent to some process (a socket never sends twice).
    pub(super) sent: Vec<bool>,
    /// socket: one past the highest position ever sent.
    pub(super) socket_frontier: u64,
}

impl SourceState {
    pub(super) fn new(entries: Vec<Entry>, partitions: u64) -> Self {
        let positions = entries.len();
        SourceState {
            entries,
            partitions,
            ever_read: vec![false; positions],
            first_start: None,
            acked: vec![false; positions],
            lease_until: vec![None; positions],
            first_unacked: 0,
            sent: vec![false; positions],
            socket_frontier: 0,
        }
    }

    /// Entries in the source (records and republished copies).
    pub(super) fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Number of entries that have arrived by `now` (arrivals are non-decreasing).
    pub(super) fn available(&self, now: u64) -> u64 {
        self.entries.partition_point(|e| e.arrival <= now) as u64
    }
}

impl Sim<'_> {
    pub(super) fn is_queue(&self) -> bool {
        matches!(self.scenario.source, Source::Queue { .. })
    }

    pub(super) fn is_socket(&self) -> bool {
        matches!(self.scenario.source, Source::Socket)
    }

    /// Number of entries that have arrived by now.
    pub(super) fn available(&self) -> u64 {
        self.source.available(self.now)
    }

    /// The arrival tick of the first entry that has not arrived yet.
    pub(super) fn next_arrival(&self) -> Option<u64> {
        let a = self.available() as usize;
        self.source.entries.get(a).map(|e| e.arrival)
    }

    /// The record at `pos`.
    pub(super) fn rec(&self, pos: u64) -> usize {
        self.source.entries[pos as usize].record
    }

    pub(super) fn recs(&self, positions: &[u64]) -> Vec<usize> {
        positions.iter().map(|p| self.rec(*p)).collect()
    }

    /// A process without durable progress starts at the starting position.
    pub(super) fn resolve_start(&mut self) -> u64 {
        let p = match self.scenario.source.starting_position() {
            StartingPosition::Earliest => 0,
            StartingPosition::Latest => self.available(),
        };
        if self.source.first_start.is_none() {
            self.source.first_start = Some(p);
        }
        p
    }

    /// The read step, then the engine's filtering stages (dedup).
    pub(super) fn read(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> StepRes {
        let (changes, text) = match self.scenario.source {
            Source::Queue { .. } => self.read_queue(ctx),
            Source::Socket => self.read_socket(inst, ctx),
            Source::Log { .. } => self.read_log(inst, ctx),
        };
        ctx.read_done = true;
        // Filtering stages.
        ctx.rows = ctx.read.clone();
        let mut extra = String::new();
        if matches!(self.scenario.engine, Engine::MicroBatch) && self.scenario.dedup.is_some() {
            extra = self.apply_dedup(inst, ctx);
        }
        if let Engine::Beam { .. } = self.scenario.engine {
            if self.is_queue() {
                extra = self.beam_dedup(ctx);
            }
        }
        let recs = self.rec_names(&ctx.read);
        let text = if extra.is_empty() {
            text
        } else {
            txt!(self, "{text} {extra}")
        };
        self.step_event(inst, ctx, Step::Read, recs, changes, text);
        StepRes::Ok
    }

    /// queue: pull the planned messages and lease them.
    fn read_queue(&mut self, ctx: &mut Ctx) -> (Vec<Change>, String) {
        let mut changes = Vec::new();
        let beam = matches!(self.scenario.engine, Engine::Beam { .. });
        let until = if beam {
            u64::MAX
        } else {
            self.now + self.scenario.source.ack_deadline()
        };
        for &p in &ctx.planned {
            debug_assert!(
                !self.source.acked[p as usize],
                "m{p} is pulled after its ack"
            );
            self.source.lease_until[p as usize] = Some(until);
            self.source.ever_read[p as usize] = true;
        }
        ctx.read = ctx.planned.clone();
        if self.narration.on {
            changes.push(Change::Leased {
                positions: ctx.read.clone(),
                until,
            });
        }
        let text = if beam {
            txt!(
                self,
                "The runner pulls {} ({}); Dataflow keeps extending their leases while the bundle runs.",
                self.message_ids(&ctx.read),
                self.describe(&ctx.read)
            )
        } else {
            txt!(
                self,
                "The subscriber pulls {} ({}); their leases expire at tick {until} unless acked before.",
                self.message_ids(&ctx.read),
                self.describe(&ctx.read)
            )
        };
        (changes, text)
    }

    /// socket: receive what the socket never sent before.
    fn read_socket(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> (Vec<Change>, String) {
        let mut changes = Vec::new();
        // A micro_batch re-run reads from a new connection whose line offsets start at
        // −1 again: nothing of the logged range (semantics §2.3).
        let rerun_reads_nothing = ctx.rerun && matches!(self.scenario.engine, Engine::MicroBatch);
        let got: Vec<u64> = if rerun_reads_nothing {
            Vec::new()
        } else {
            ctx.planned
                .iter()
                .copied()
                .filter(|p| !self.source.sent[*p as usize])
                .collect()
        };
        for &p in &got {
            self.source.sent[p as usize] = true;
            self.source.ever_read[p as usize] = true;
            self.source.socket_frontier = self.source.socket_frontier.max(p + 1);
        }
        inst.position = ctx.end;
        changes.push(Change::Position { position: ctx.end });
        let text = txt!(self => self.socket_read_text(ctx, &got, rerun_reads_nothing));
        ctx.read = got;
        (changes, text)
    }

    /// The read sentence of a socket read that got `got` of the planned positions.
    fn socket_read_text(&self, ctx: &Ctx, got: &[u64], rerun_reads_nothing: bool) -> String {
        debug_assert!(self.narration.on, "narration built with the trace off");
        if rerun_reads_nothing {
            let gone: Vec<u64> = ctx
                .planned
                .iter()
                .copied()
                .filter(|p| self.source.sent[*p as usize])
                .collect();
            format!(
                "The restarted query opened a new socket connection, whose lines are numbered from offset −1 again: the logged range of batch {} matches none of them, so the re-run reads nothing.{}",
                ctx.batch,
                if gone.is_empty() {
                    String::new()
                } else {
                    format!(
                        " {} were delivered to the dead process; the socket never sends them again.",
                        self.describe(&gone)
                    )
                }
            )
        } else if ctx.planned.is_empty() {
            format!(
                "Nothing is left on the socket: restored epoch {} reads no records, but it still runs all its steps.",
                ctx.batch
            )
        } else if got.len() < ctx.planned.len() {
            let gone: Vec<u64> = ctx
                .planned
                .iter()
                .copied()
                .filter(|p| !got.contains(p))
                .collect();
            format!(
                "The socket delivers only what it never sent before: {}. {} were delivered to the dead process and are gone.",
                self.describe(got),
                self.describe(&gone)
            )
        } else {
            format!(
                "The socket delivers {}; it keeps no copy.",
                self.describe(got)
            )
        }
    }

    /// log: read the planned range; the in-memory position moves past it.
    fn read_log(&mut self, inst: &mut Inst, ctx: &mut Ctx) -> (Vec<Change>, String) {
        let mut changes = Vec::new();
        for &p in &ctx.planned {
            self.source.ever_read[p as usize] = true;
        }
        ctx.read = ctx.planned.clone();
        inst.position = ctx.end;
        if self.narration.on {
            changes.push(Change::Position { position: ctx.end });
        }
        let text = txt!(
            self,
            "{} reads {} ({}); its in-memory position is now {}.",
            self.reader_name(),
            self.describe(&ctx.read),
            self.coords(&ctx.read),
            ctx.end
        );
        (changes, text)
    }

    /// Where a contiguous read is, for a sentence: `offset 3`, `offsets 2–3`,
    /// `partition 0 offset 1 to partition 1 offset 1`.
    fn coords(&self, read: &[u64]) -> String {
        debug_assert!(self.narration.on, "narration built with the trace off");
        match (read.first(), read.last()) {
            (Some(a), Some(b)) if a == b => self.coord(*a),
            (Some(a), Some(b)) if self.source.partitions == 1 => format!("offsets {a}–{b}"),
            (Some(a), Some(b)) => format!("{} to {}", self.coord(*a), self.coord(*b)),
            _ => String::new(),
        }
    }

    /// Queue message ids, for a sentence: `m0, m1`.
    fn message_ids(&self, positions: &[u64]) -> String {
        debug_assert!(self.narration.on, "narration built with the trace off");
        positions
            .iter()
            .map(|p| format!("m{p}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The engine's reader, for a sentence.
    fn reader_name(&self) -> &'static str {
        match self.scenario.engine {
            Engine::Consumer { .. } => "The consumer",
            Engine::MicroBatch => "Spark",
            Engine::Flink => "The Flink source",
            Engine::Beam { .. } => "The runner",
        }
    }

    /// queue: the source_commit step acks what this attempt read (semantics §2.2).
    pub(super) fn ack(&mut self, inst: &Inst, ctx: &Ctx) -> StepRes {
        let step = Step::SourceCommit;
        let eod = self.scenario.source.exactly_once_delivery();
        let now = self.now;
        let mut ok = Vec::new();
        let mut late = Vec::new();
        for &p in &ctx.read {
            let i = p as usize;
            if self.source.acked[i] {
                continue;
            }
            match self.source.lease_until[i] {
                Some(until) if now < until => {
                    debug_assert!(self.source.ever_read[i], "m{p} is acked unread");
                    self.source.acked[i] = true;
                    ok.push(p);
                }
                _ => late.push(p),
            }
        }
        let mut ch = Vec::new();
        if self.narration.on && !ok.is_empty() {
            ch.push(Change::Acked {
                positions: ok.clone(),
            });
        }
        let mut text = if ok.is_empty() {
            String::new()
        } else if eod {
            txt!(
                self,
                "The subscriber acks {} in time: with exactly-once delivery they are never delivered again.",
                self.describe(&ok)
            )
        } else {
            // Pub/Sub without exactly-once delivery: even a timely ack can occasionally
            // be followed by a redelivery; the simulator never redelivers (§10 (26)).
            txt!(
                self,
                "The subscriber acks {} in time: the simulator never redelivers them after that (real Pub/Sub rarely may).",
                self.describe(&ok)
            )
        };
        if !late.is_empty() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&if eod {
                txt!(
                    self,
                    "The ack of {} comes after the lease expired (tick {now}), so it has no effect and they will be delivered again.",
                    self.describe(&late)
                )
            } else {
                // Pubsub acknowledge reference: a late ack "may succeed"; the simulator
                // takes the redelivery branch (§2.2, §10 (26)).
                txt!(
                    self,
                    "The ack of {} comes after the lease expired (tick {now}); such an ack may or may not stick, and the simulator takes the redelivery branch: they will be delivered again.",
                    self.describe(&late)
                )
            });
        }
        let recs = self.rec_names(&ctx.read);
        self.step_event(inst, ctx, step, recs, ch, text);
        if eod {
            for p in late {
                let rec = self.rec(p);
                self.step_error(
                inst,
                ctx,
                Step::SourceCommit,
                "INVALID_ACK_ID",
                    Some(rec),
                    txt!(
                        self,
                        "With exactly-once delivery the late ack of m{p} ({}) fails with INVALID_ACK_ID: only the latest ack id is valid.",
                        crate::engine::scenario::record_id(rec)
                    ),
                );
            }
        }
        StepRes::Ok
    }
}
