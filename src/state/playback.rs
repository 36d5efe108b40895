//! The playback reducer: a finished run, a cursor, and the state folded up to it.
//!
//! Pure Rust, no Yew and no web-sys (`crate::state`), so it is tested natively
//! (tests/playback.rs) as well as in the browser. The UI never re-implements an engine rule: [`View`] is the fold of the
//! trace's [`Change`]s, in order, and nothing else.
//!
//! Scrubbing stays cheap on long traces: [`Frames`] keeps a copy of the folded state every
//! [`KEYFRAME_EVERY`] events, so [`Playback::view`] replays at most that many events.

use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::{Change, Event, EventKind, RowStatus, Run, Scenario, VecMap, VecSet};

/// A keyframe every this many events.
pub const KEYFRAME_EVERY: usize = 32;

/// Playback speeds (events per second = 2 × speed).
pub const SPEEDS: [(u32, &str); 5] = [
    (250, "¼×"),
    (500, "½×"),
    (1000, "1×"),
    (2000, "2×"),
    (4000, "4×"),
];
/// Index of 1× in [`SPEEDS`].
pub const DEFAULT_SPEED: usize = 2;
/// Presenter mode's speed: index of ½× in [`SPEEDS`].
pub const PRESENT_SPEED: usize = 1;

/// Milliseconds between two events while playing at speed index `speed`.
pub fn interval_ms(speed: usize) -> u32 {
    let (milli, _) = SPEEDS[speed.min(SPEEDS.len() - 1)];
    // 1× = 2 events per second.
    500_000 / milli
}

/// One `offsets/N` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetEntry {
    pub start: u64,
    pub end: u64,
    pub watermark: Option<i64>,
}

/// One sink row as of the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowView {
    pub row: u64,
    pub record: String,
    pub position: u64,
    pub batch: Option<u64>,
    pub attempt: Option<u32>,
    pub instance: u32,
    pub status: RowStatus,
    pub place: String,
    /// Index of the event that wrote it.
    pub event: usize,
    /// Written by a cut-off (zombie) process.
    pub zombie: bool,
    /// The memory-sink table generation it was written to (see [`View::table_resets`]).
    pub table: u32,
}

impl RowView {
    /// Does the primary reader count this row at the cursor?
    pub fn counted(&self, table_resets: u32) -> bool {
        self.status == RowStatus::Visible && self.table == table_resets
    }
}

/// A BigQuery write stream as of the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamView {
    pub name: String,
    pub state: String,
    pub end: u64,
    pub flushed: Option<u64>,
}

/// Everything the trace says, folded up to (and including) one event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// Number of events folded in.
    pub events: usize,
    /// Highest process instance seen so far (restarts so far = `instances - 1`).
    pub instances: u32,
    /// In-memory read position per instance.
    pub positions: VecMap<u32, u64>,
    /// Durable source progress (next position), if any.
    pub committed: Option<u64>,
    /// Queue leases: position → expiry tick (exclusive).
    pub leased: VecMap<u64, u64>,
    /// Queue positions acked for good.
    pub acked: VecSet<u64>,
    /// Spark `offsets/N`.
    pub offset_log: VecMap<u64, OffsetEntry>,
    /// Spark `commits/N`.
    pub commit_log: VecSet<u64>,
    /// Flink checkpoints (epoch → source position) or Beam committed bundles.
    pub checkpoints: VecMap<u64, u64>,
    /// How many times durable engine progress was deleted.
    pub deletions: u32,
    /// Sink rows by row index.
    pub rows: VecMap<u64, RowView>,
    /// Batch-id markers by name (control table, `_spark_metadata`, Delta txn), values in
    /// the order they were written.
    pub markers: Vec<(String, Vec<u64>)>,
    /// Transactions in order of first appearance, with their latest state.
    pub transactions: Vec<(String, String)>,
    /// BigQuery write streams in order of creation.
    pub streams: Vec<StreamView>,
    /// Memory sink: how many times the table was replaced by a new empty one.
    pub table_resets: u32,
}

impl View {
    /// Apply one event (its index is `index`) to the view.
    pub fn apply(&mut self, index: usize, event: &Event) {
        self.events = index + 1;
        self.instances = self.instances.max(event.instance);
        for change in &event.changes {
            self.apply_change(index, event, change);
        }
    }

    fn apply_change(&mut self, index: usize, event: &Event, change: &Change) {
        match change {
            Change::Position { position } => {
                self.positions.insert(event.instance, *position);
            }
            Change::Committed { position } => self.committed = Some(*position),
            Change::Leased { positions, until } => {
                for p in positions {
                    self.leased.insert(*p, *until);
                }
            }
            Change::Acked { positions } => {
                for p in positions {
                    self.leased.remove(p);
                    self.acked.insert(*p);
                }
            }
            Change::OffsetLog {
                batch,
                start,
                end,
                watermark,
            } => {
                self.offset_log.insert(
                    *batch,
                    OffsetEntry {
                        start: *start,
                        end: *end,
                        watermark: *watermark,
                    },
                );
            }
            Change::CommitLog { batch } => {
                self.commit_log.insert(*batch);
            }
            Change::Checkpoint { epoch, position } => {
                self.checkpoints.insert(*epoch, *position);
            }
            Change::CheckpointDeleted => {
                self.deletions += 1;
                self.committed = None;
                self.offset_log.clear();
                self.commit_log.clear();
                self.checkpoints.clear();
            }
            Change::Row {
                row,
                record,
                position,
                batch,
                attempt,
                instance,
                status,
                place,
            } => {
                self.rows.insert(
                    *row,
                    RowView {
                        row: *row,
                        record: record.clone(),
                        position: *position,
                        batch: *batch,
                        attempt: *attempt,
                        instance: *instance,
                        status: *status,
                        place: place.clone(),
                        event: index,
                        zombie: event.zombie,
                        table: self.table_resets,
                    },
                );
            }
            Change::RowStatus { rows, status } => {
                for r in rows {
                    if let Some(row) = self.rows.get_mut(r) {
                        row.status = *status;
                    }
                }
            }
            Change::Marker { name, value } => {
                match self.markers.iter_mut().find(|(n, _)| n == name) {
                    Some((_, values)) => values.push(*value),
                    None => self.markers.push((name.clone(), vec![*value])),
                }
            }
            Change::Transaction { name, state } => {
                match self.transactions.iter_mut().find(|(n, _)| n == name) {
                    Some((_, s)) => s.clone_from(state),
                    None => self.transactions.push((name.clone(), state.clone())),
                }
            }
            Change::Stream {
                name,
                state,
                end,
                flushed,
            } => {
                let new = StreamView {
                    name: name.clone(),
                    state: state.clone(),
                    end: *end,
                    flushed: *flushed,
                };
                match self.streams.iter_mut().find(|s| &s.name == name) {
                    Some(s) => *s = new,
                    None => self.streams.push(new),
                }
            }
            Change::TableReset => self.table_resets += 1,
        }
    }

    /// Copies of each record the primary reader sees at this point (`n` records).
    pub fn counts(&self, n: usize) -> Vec<u64> {
        let mut counts = vec![0; n];
        for row in self.rows.values() {
            if row.counted(self.table_resets) {
                if let Some(i) = record_index(&row.record) {
                    if i < n {
                        counts[i] += 1;
                    }
                }
            }
        }
        counts
    }

    /// Every row of record `i`, in row order (its provenance).
    pub fn copies_of(&self, i: usize) -> Vec<&RowView> {
        self.rows
            .values()
            .filter(|r| record_index(&r.record) == Some(i))
            .collect()
    }
}

/// Long lists (source entries, sink rows) are drawn in part: at most this many items, the
/// rest summed up in a line. Presets stay far below it; a 200-record run would otherwise
/// redraw hundreds of chips on every step.
pub const SHOWN: usize = 40;

/// Short logs (checkpoint entries, markers, streams) show at most this many latest items.
pub const SHOWN_LOG: usize = 8;

/// The window of at most `size` of `len` items that keeps `anchor` in view, its start
/// rounded down to a multiple of `step` so that it moves in jumps, not on every step.
pub fn window(len: usize, anchor: usize, size: usize, step: usize) -> std::ops::Range<usize> {
    let step = step.max(1);
    let start = (anchor.saturating_sub(size / 2) / step * step).min(len.saturating_sub(size));
    start..(start + size).min(len)
}

impl View {
    /// The last `n` sink rows (in row order), and how many earlier rows are left out, by
    /// status: `[visible, pending, aborted]`.
    pub fn recent_rows(&self, n: usize) -> (Vec<&RowView>, [usize; 3]) {
        let skip = self.rows.len().saturating_sub(n);
        let mut hidden = [0; 3];
        for r in self.rows.values().take(skip) {
            hidden[match r.status {
                RowStatus::Visible => 0,
                RowStatus::Pending => 1,
                RowStatus::Aborted => 2,
            }] += 1;
        }
        (self.rows.values().skip(skip).collect(), hidden)
    }

    /// The batches the checkpoint knows, in order: those with an `offsets/N` entry or a
    /// `commits/N` entry (or both).
    pub fn checkpoint_batches(&self) -> VecSet<u64> {
        self.offset_log
            .keys()
            .chain(self.commit_log.iter())
            .copied()
            .collect()
    }
}

/// `r12` → 12.
pub fn record_index(id: &str) -> Option<usize> {
    id.strip_prefix('r')?.parse().ok()
}

/// Fold events `0..end` from scratch (the reference the keyframes must agree with).
pub fn fold(trace: &[Event], end: usize) -> View {
    let mut v = View::default();
    for (i, e) in trace.iter().enumerate().take(end) {
        v.apply(i, e);
    }
    v
}

/// Keyframes of one trace: `frames[k]` = the fold of events `0..k * KEYFRAME_EVERY`.
#[derive(Debug, Default)]
pub struct Frames {
    frames: Vec<View>,
}

impl Frames {
    pub fn build(trace: &[Event]) -> Frames {
        let mut frames = Vec::with_capacity(trace.len() / KEYFRAME_EVERY + 1);
        let mut v = View::default();
        for (i, e) in trace.iter().enumerate() {
            if i.is_multiple_of(KEYFRAME_EVERY) {
                frames.push(v.clone());
            }
            v.apply(i, e);
        }
        if trace.len().is_multiple_of(KEYFRAME_EVERY) {
            frames.push(v);
        }
        Frames { frames }
    }

    /// The fold of events `0..end`.
    pub fn view(&self, trace: &[Event], end: usize) -> View {
        let end = end.min(trace.len());
        let k = (end / KEYFRAME_EVERY).min(self.frames.len().saturating_sub(1));
        let mut v = self.frames.get(k).cloned().unwrap_or_default();
        for (i, e) in trace.iter().enumerate().take(end).skip(k * KEYFRAME_EVERY) {
            v.apply(i, e);
        }
        v
    }
}

/// Is this event a fault the "next crash" control stops at?
pub fn is_fault(e: &Event) -> bool {
    matches!(e.kind, EventKind::Fault | EventKind::DeleteCheckpoint)
}

/// Why playback holds at an event (pacing): the moments a learner must not miss.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PauseKind {
    /// A fault struck (crash, lost ack, zombie cut-off, pause).
    Fault,
    /// Durable progress was deleted.
    Deleted,
    /// A new process starts and decides where to resume.
    Restart,
    /// The first time the primary reader sees a second copy of this record.
    Duplicate(String),
}

/// One moment playback holds at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pause {
    pub at: usize,
    pub kind: PauseKind,
}

/// The moments of a trace that playback holds at, in trace order: every fault, every
/// deletion of progress, every restart, and the event where a duplicate first shows (the
/// fold's counted copies of some record reach 2). Losses show at the crash and the restart
/// that skips them, and by name in the outcome caption at the end.
pub fn pauses(trace: &[Event]) -> Vec<Pause> {
    let mut out = Vec::new();
    let mut v = View::default();
    let mut seen_dup = false;
    for (i, e) in trace.iter().enumerate() {
        v.apply(i, e);
        let kind = match e.kind {
            EventKind::Fault => Some(PauseKind::Fault),
            EventKind::DeleteCheckpoint => Some(PauseKind::Deleted),
            EventKind::Start if e.instance > 1 && !e.zombie => Some(PauseKind::Restart),
            _ => None,
        };
        let rows_changed = e
            .changes
            .iter()
            .any(|c| matches!(c, Change::Row { .. } | Change::RowStatus { .. }));
        let dup = (!seen_dup && rows_changed)
            .then(|| first_duplicate(&v))
            .flatten();
        if let Some(record) = dup {
            seen_dup = true;
            out.push(Pause {
                at: i,
                kind: PauseKind::Duplicate(record),
            });
        } else if let Some(kind) = kind {
            out.push(Pause { at: i, kind });
        }
    }
    out
}

/// The first record (in record order) the primary reader sees more than once.
fn first_duplicate(v: &View) -> Option<String> {
    let mut counts: Vec<u32> = Vec::new();
    for row in v.rows.values().filter(|r| r.counted(v.table_resets)) {
        if let Some(i) = record_index(&row.record) {
            if counts.len() <= i {
                counts.resize(i + 1, 0);
            }
            counts[i] += 1;
        }
    }
    counts.iter().position(|&n| n > 1).map(|i| format!("r{i}"))
}

/// A new revision: each run a [`Playback`] loads gets its own, unique in the process (the
/// sandbox's session and a lesson's never share one). Views and memos tell runs apart by it:
/// never by comparing runs (thousands of events) nor by address (a new run can reuse a freed
/// one's).
pub fn next_revision() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Playback of one run.
#[derive(Clone, Debug)]
pub struct Playback {
    pub scenario: Rc<Scenario>,
    pub run: Rc<Run>,
    /// The revision of `scenario` and `run` ([`next_revision`]): a new one whenever they are
    /// replaced, the same while only the cursor, speed or pacing change.
    pub rev: u64,
    frames: Rc<Frames>,
    /// Index of the current event (the view includes it). 0 on an empty trace.
    pub cursor: usize,
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// The moments playback holds at (see [`pauses`]).
    pub pauses: Rc<Vec<Pause>>,
    /// Pacing on: playing holds at every pause.
    pub pacing: bool,
    /// The pause playback is holding at (its caption shows), if any.
    pub held: Option<usize>,
}

impl PartialEq for Playback {
    fn eq(&self, other: &Self) -> bool {
        self.rev == other.rev
            && self.cursor == other.cursor
            && self.playing == other.playing
            && self.speed == other.speed
            && self.pacing == other.pacing
            && self.held == other.held
    }
}

/// What the playback can be asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlayAction {
    StepForward,
    StepBack,
    Seek(usize),
    First,
    Last,
    Play,
    Pause,
    TogglePlay,
    SetSpeed(usize),
    Faster,
    Slower,
    NextFault,
    PrevFault,
    /// The play timer fired: advance one event, hold at a pause (pacing on), stop at the end.
    Tick,
    /// Turn pacing on or off.
    SetPacing(bool),
}

impl Playback {
    pub fn new(scenario: Rc<Scenario>, run: Rc<Run>) -> Playback {
        let frames = Rc::new(Frames::build(&run.trace));
        let pauses = Rc::new(pauses(&run.trace));
        Playback {
            scenario,
            run,
            rev: next_revision(),
            frames,
            cursor: 0,
            playing: false,
            speed: DEFAULT_SPEED,
            pauses,
            pacing: true,
            held: None,
        }
    }

    /// Same speed and pacing, paused, cursor at `cursor` (clamped), for a new run.
    pub fn replace(&self, scenario: Rc<Scenario>, run: Rc<Run>, cursor: usize) -> Playback {
        let mut p = Playback::new(scenario, run);
        p.speed = self.speed;
        p.pacing = self.pacing;
        p.cursor = p.clamp(cursor);
        p
    }

    pub fn len(&self) -> usize {
        self.run.trace.len()
    }

    pub fn is_empty(&self) -> bool {
        self.run.trace.is_empty()
    }

    pub fn last(&self) -> usize {
        self.len().saturating_sub(1)
    }

    fn clamp(&self, i: usize) -> usize {
        i.min(self.last())
    }

    pub fn at_end(&self) -> bool {
        self.cursor >= self.last()
    }

    /// The current event.
    pub fn event(&self) -> Option<&Event> {
        self.run.trace.get(self.cursor)
    }

    /// The state after the current event.
    pub fn view(&self) -> View {
        self.view_at(self.cursor)
    }

    /// The state after event `i` (events `0..=i` folded).
    pub fn view_at(&self, i: usize) -> View {
        if self.is_empty() {
            return View::default();
        }
        self.frames.view(&self.run.trace, self.clamp(i) + 1)
    }

    pub fn next_fault(&self) -> Option<usize> {
        self.run
            .trace
            .iter()
            .enumerate()
            .skip(self.cursor + 1)
            .find(|(_, e)| is_fault(e))
            .map(|(i, _)| i)
    }

    pub fn prev_fault(&self) -> Option<usize> {
        self.run.trace[..self.cursor.min(self.len())]
            .iter()
            .rposition(is_fault)
    }

    /// The pause at event `i`, if playback holds there.
    pub fn pause_at(&self, i: usize) -> Option<&Pause> {
        self.pauses
            .binary_search_by_key(&i, |p| p.at)
            .ok()
            .map(|k| &self.pauses[k])
    }

    /// The pause playback is holding at (its caption is shown).
    pub fn holding(&self) -> Option<&Pause> {
        self.held
            .filter(|&h| h == self.cursor && !self.playing)
            .and_then(|h| self.pause_at(h))
    }

    /// The next playback state.
    pub fn apply(&self, action: PlayAction) -> Playback {
        let mut p = self.clone();
        if !matches!(action, PlayAction::Tick | PlayAction::SetPacing(_)) {
            p.held = None;
        }
        match action {
            PlayAction::StepForward => {
                p.playing = false;
                p.cursor = p.clamp(p.cursor + 1);
            }
            PlayAction::StepBack => {
                p.playing = false;
                p.cursor = p.cursor.saturating_sub(1);
            }
            PlayAction::Seek(i) => {
                p.playing = false;
                p.cursor = p.clamp(i);
            }
            PlayAction::First => {
                p.playing = false;
                p.cursor = 0;
            }
            PlayAction::Last => {
                p.playing = false;
                p.cursor = p.last();
            }
            PlayAction::Play => p.start_playing(),
            PlayAction::Pause => p.playing = false,
            PlayAction::TogglePlay => {
                if p.playing {
                    p.playing = false;
                } else {
                    p.start_playing();
                }
            }
            PlayAction::SetSpeed(s) => p.speed = s.min(SPEEDS.len() - 1),
            PlayAction::Faster => p.speed = (p.speed + 1).min(SPEEDS.len() - 1),
            PlayAction::Slower => p.speed = p.speed.saturating_sub(1),
            PlayAction::NextFault => {
                if let Some(i) = p.next_fault() {
                    p.playing = false;
                    p.cursor = i;
                }
            }
            PlayAction::PrevFault => {
                if let Some(i) = p.prev_fault() {
                    p.playing = false;
                    p.cursor = i;
                }
            }
            PlayAction::Tick => {
                if p.playing {
                    if p.at_end() {
                        p.playing = false;
                    } else {
                        p.cursor += 1;
                        if p.at_end() {
                            p.playing = false;
                        }
                        if p.pacing && p.pause_at(p.cursor).is_some() {
                            p.playing = false;
                            p.held = Some(p.cursor);
                        }
                    }
                }
            }
            PlayAction::SetPacing(on) => {
                p.pacing = on;
                if !on {
                    p.held = None;
                }
            }
        }
        p
    }

    fn start_playing(&mut self) {
        if self.is_empty() {
            return;
        }
        if self.at_end() {
            self.cursor = 0;
        }
        self.playing = true;
    }
}

/// First index where two traces differ (their common prefix length).
pub fn divergence(a: &[Event], b: &[Event]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Events grouped for the timeline: consecutive events of one batch attempt (same
/// instance, zombie flag, batch and attempt) form a group; other events stand alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub start: usize,
    pub end: usize,
    pub batch: Option<u64>,
    pub attempt: Option<u32>,
    pub instance: u32,
    pub zombie: bool,
}

pub fn groups(trace: &[Event]) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for (i, e) in trace.iter().enumerate() {
        let same = out.last().is_some_and(|g| {
            g.end == i
                && e.batch.is_some()
                && g.batch == e.batch
                && g.attempt == e.attempt
                && g.instance == e.instance
                && g.zombie == e.zombie
        });
        if same {
            if let Some(g) = out.last_mut() {
                g.end = i + 1;
            }
        } else {
            out.push(Group {
                start: i,
                end: i + 1,
                batch: e.batch,
                attempt: e.attempt,
                instance: e.instance,
                zombie: e.zombie,
            });
        }
    }
    out
}

// ---------- the stage (views/stage.rs): what the picture needs, read from the trace ----------

/// A record a process holds in memory: read by its current batch attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub record: String,
    /// Its source position (log/socket offset or queue message), when the read says.
    pub position: Option<u64>,
    /// A sink write of this attempt has covered it (a row, a skip or an error of a write).
    pub written: bool,
}

/// The memory of the process that did one event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Memory {
    pub held: Vec<Held>,
    /// The attempt has written durable source progress since its read (a commit, a
    /// checkpoint, a committed bundle, an ack).
    pub progressed: bool,
}

/// Does this change write durable source progress?
fn is_progress(c: &Change) -> bool {
    matches!(
        c,
        Change::Committed { .. }
            | Change::CommitLog { .. }
            | Change::Checkpoint { .. }
            | Change::Acked { .. }
    )
}

/// What the process that did event `cursor` holds in memory: the records its current batch
/// attempt (same instance, batch and attempt) has read up to and including that event, each
/// marked once a sink write of the attempt covered it. Events without a batch (start, idle,
/// drain, a deleted checkpoint) hold nothing. Read from the trace only: positions come from
/// the read's `Position` change (the `n` records just before it) or its `Leased` positions.
pub fn memory(trace: &[Event], cursor: usize) -> Memory {
    let Some(now) = trace.get(cursor) else {
        return Memory::default();
    };
    if now.batch.is_none() {
        return Memory::default();
    }
    // The attempt's events, oldest first. Other processes' events may sit in between (a
    // zombie finishes its batch after the new process drained); the same process working on
    // another batch, or starting afresh, ends the search.
    let mut events: Vec<&Event> = Vec::new();
    for e in trace[..=cursor].iter().rev() {
        if e.instance != now.instance {
            continue;
        }
        if e.batch != now.batch || e.attempt != now.attempt {
            break;
        }
        events.push(e);
    }
    events.reverse();
    let mut m = Memory::default();
    for e in events {
        let read = e.kind == EventKind::Step && e.step == Some(crate::engine::scenario::Step::Read);
        if read {
            let leased: Vec<u64> = e
                .changes
                .iter()
                .filter_map(|c| match c {
                    Change::Leased { positions, .. } => Some(positions.clone()),
                    _ => None,
                })
                .flatten()
                .collect();
            let end = e.changes.iter().find_map(|c| match c {
                Change::Position { position } => Some(*position),
                _ => None,
            });
            let n = e.records.len() as u64;
            for (i, r) in e.records.iter().enumerate() {
                let position = if !leased.is_empty() {
                    leased.get(i).copied()
                } else {
                    end.and_then(|p| p.checked_sub(n)).map(|s| s + i as u64)
                };
                m.held.push(Held {
                    record: r.clone(),
                    position,
                    written: false,
                });
            }
            continue;
        }
        if m.held.is_empty() {
            continue;
        }
        let write =
            e.step == Some(crate::engine::scenario::Step::SinkWrite) || e.kind == EventKind::Fault;
        for c in &e.changes {
            if let Change::Row {
                record, position, ..
            } = c
            {
                for h in m.held.iter_mut() {
                    if &h.record == record && h.position.is_none_or(|p| p == *position) {
                        h.written = true;
                    }
                }
            }
            if is_progress(c) {
                m.progressed = true;
            }
        }
        if write && e.kind != EventKind::Fault {
            for h in m.held.iter_mut() {
                if e.records.contains(&h.record) {
                    h.written = true;
                }
            }
        }
    }
    m
}

/// The state of the process that did one event, as the stage draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    Running,
    /// Crashed (or its checkpoint is being deleted) and not yet restarted.
    Dead,
    /// Cut off but still working (or the event that cut it off).
    Zombie,
    /// A zombie stopped by a rejected write.
    Stopped,
}

impl ProcState {
    pub fn name(self) -> &'static str {
        match self {
            ProcState::Running => "running",
            ProcState::Dead => "dead",
            ProcState::Zombie => "zombie",
            ProcState::Stopped => "stopped",
        }
    }
}

/// The state of the process at event `cursor`: a crash (or crash mid-write) and a deleted
/// checkpoint leave it dead until the next start; a zombie cut-off and a zombie's own events
/// make it a zombie; a stop stops it.
pub fn proc_state(scenario: &Scenario, trace: &[Event], cursor: usize) -> ProcState {
    use crate::engine::Fault;
    let Some(e) = trace.get(cursor) else {
        return ProcState::Running;
    };
    match e.kind {
        EventKind::Stop => ProcState::Stopped,
        EventKind::DeleteCheckpoint => ProcState::Dead,
        EventKind::Fault => match e.fault.and_then(|i| scenario.faults.get(i)) {
            Some(Fault::Crash { .. } | Fault::CrashMidWrite { .. }) => ProcState::Dead,
            Some(Fault::Zombie { .. }) => ProcState::Zombie,
            _ if e.zombie => ProcState::Zombie,
            _ => ProcState::Running,
        },
        _ if e.zombie => ProcState::Zombie,
        _ => ProcState::Running,
    }
}

/// How long the process at `cursor` stays down: ticks from this event to the next start of
/// a newer instance (none if it never restarts).
pub fn downtime(trace: &[Event], cursor: usize) -> Option<u64> {
    let e = trace.get(cursor)?;
    trace[cursor + 1..]
        .iter()
        .find(|n| n.kind == EventKind::Start && !n.zombie && n.instance >= e.instance)
        .map(|n| n.tick.saturating_sub(e.tick))
}

/// The copy number of every row as the primary reader counts it, in row order (as
/// [`View::rows`]): the `k`-th counted row of a record is copy `k` (1, 2, …); a row the
/// reader does not count (pending, aborted, in a replaced table) is copy 0.
pub fn copy_numbers(v: &View) -> Vec<u32> {
    let mut seen: Vec<u32> = Vec::new();
    v.rows
        .values()
        .map(|r| {
            let Some(i) = record_index(&r.record).filter(|_| r.counted(v.table_resets)) else {
                return 0;
            };
            if seen.len() <= i {
                seen.resize(i + 1, 0);
            }
            seen[i] += 1;
            seen[i]
        })
        .collect()
}

/// Does moving the cursor from `from` to `to` animate? Only one step forward does; a step
/// back, a seek or a new run jumps.
pub fn animates(from: Option<usize>, to: usize) -> bool {
    from.is_some_and(|f| f + 1 == to)
}

/// How long one step's motion lasts at speed index `speed`, in milliseconds: 70 % of the time
/// between two events (350 ms at 1×).
pub fn motion_ms(speed: usize) -> u32 {
    interval_ms(speed) * 7 / 10
}

/// Where the process started by event `cursor` resumes reading: the position its start
/// event sets, else where its first read begins (a Spark restart re-runs the logged range;
/// a queue redelivers from its lowest leased message). `None` if it never reads.
pub fn resume_position(trace: &[Event], cursor: usize) -> Option<u64> {
    let start = trace.get(cursor)?;
    let set = start.changes.iter().find_map(|c| match c {
        Change::Position { position } => Some(*position),
        _ => None,
    });
    if set.is_some() {
        return set;
    }
    let read = (cursor + 1..trace.len()).find(|&i| {
        let e = &trace[i];
        e.instance == start.instance
            && e.zombie == start.zombie
            && e.kind == EventKind::Step
            && e.step == Some(crate::engine::scenario::Step::Read)
    })?;
    memory(trace, read)
        .held
        .iter()
        .filter_map(|h| h.position)
        .min()
}
