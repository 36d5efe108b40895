//! The stage: one picture of the pipeline, drawn from the folded trace at the cursor.
//!
//! Source as a tape (read and committed positions are markers that slide), the process as a
//! box holding the records it has read, durable progress as entries that slide in, and the
//! sink's rows as record chips in the places the engine names. Everything comes from the
//! [`View`] fold, the trace and the outcome: the stage decides nothing about delivery.
//!
//! Motion (one step forward only; a step back or a seek jumps): a token is drawn where it
//! lands and flies in from where it came. After the render, [`settle`] measures the token and
//! its origin (`data-from` names a `data-slot`), writes the offset into `--dx`/`--dy` and sets
//! `data-go`, which starts a CSS animation from that offset to nothing (FLIP). Tokens are
//! keyed by step, so each step's animation starts afresh. Markers slide with a CSS transition
//! on `left`. `prefers-reduced-motion` turns every animation and transition off: the same end
//! states, no motion.

use gloo::events::EventListener;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::super::engine::outcome::Outcome;
use super::super::engine::scenario::{record_id, Engine, SinkCfg, Source, Step};
use super::super::engine::{Change, Event, EventKind, RowStatus, Scenario};
use super::pipeline::{source_entries, SourceEntry};
use super::{chip, plural};
use crate::state::playback::{
    animates, copy_numbers, downtime, memory, motion_ms, proc_state, resume_position, window,
    Memory, Playback, ProcState, RowView, View, SHOWN, SHOWN_LOG,
};

/// Tape cells per lane at most (a longer source shows a window around the read position).
const TAPE: usize = 16;

#[wasm_bindgen]
extern "C" {
    /// A `DOMRect` (only the fields the stage reads).
    type Rect;
    #[wasm_bindgen(method, getter)]
    fn left(this: &Rect) -> f64;
    #[wasm_bindgen(method, getter)]
    fn top(this: &Rect) -> f64;
    #[wasm_bindgen(method, getter)]
    fn width(this: &Rect) -> f64;
    #[wasm_bindgen(method, getter)]
    fn height(this: &Rect) -> f64;
    /// Any element, to ask for its box.
    type Boxed;
    #[wasm_bindgen(method, js_name = getBoundingClientRect)]
    fn rect(this: &Boxed) -> Rect;
}

fn bounds(el: &web_sys::Element) -> Rect {
    el.unchecked_ref::<Boxed>().rect()
}

fn find(root: &web_sys::Element, selector: &str) -> Option<web_sys::Element> {
    root.query_selector(selector).ok().flatten()
}

/// After a render: start the flights (when this render is a step forward) and draw the
/// restart arrow. One layout read for all of it.
fn settle(root: &web_sys::Element, motion: bool) {
    if motion {
        let mut flights = Vec::new();
        for i in 0.. {
            let Some(token) = find(root, &format!("[data-fly=\"{i}\"]")) else {
                break;
            };
            let from = token
                .get_attribute("data-from")
                .and_then(|f| find(root, &format!("[data-slot=\"{f}\"]")));
            flights.push((token, from));
        }
        // Read every box first, then write: one layout pass.
        let moves: Vec<(web_sys::Element, Option<(f64, f64)>)> = flights
            .into_iter()
            .map(|(token, from)| {
                let d = from.map(|f| {
                    let (a, b) = (bounds(&f), bounds(&token));
                    (
                        a.left() + a.width() / 2.0 - b.left() - b.width() / 2.0,
                        a.top() + a.height() / 2.0 - b.top() - b.height() / 2.0,
                    )
                });
                (token, d)
            })
            .collect();
        for (token, d) in moves {
            if let Some((dx, dy)) = d {
                // Whole pixels: no float formatting in the wasm.
                let (dx, dy) = (dx.round() as i32, dy.round() as i32);
                let _ = token.set_attribute("style", &format!("--dx:{dx}px;--dy:{dy}px"));
                let _ = token.set_attribute("data-go", "fly");
            } else {
                let _ = token.set_attribute("data-go", "fade");
            }
        }
    }
    arrow(root);
}

/// The restart arrow: from the durable entry that decides where the new process resumes
/// (`data-resume-from`) to that position on the tape (`data-resume-to`).
fn arrow(root: &web_sys::Element) {
    let Some(path) = find(root, "[data-arrow]") else {
        return;
    };
    let ends = (
        find(root, "[data-resume-from]"),
        find(root, "[data-resume-to]"),
    );
    let (Some(from), Some(to)) = ends else {
        let _ = path.set_attribute("d", "");
        return;
    };
    let (o, a, b) = (bounds(root), bounds(&from), bounds(&to));
    let (x1, y1) = (a.left() - o.left() + a.width() / 2.0, a.top() - o.top());
    let (x2, y2) = (
        b.left() - o.left() + 2.0,
        b.top() - o.top() + b.height() + 2.0,
    );
    let lift = ((y1 - y2).abs() / 2.0).max(30.0);
    let [x1, y1, x2, y2, c1, c2] = [x1, y1, x2, y2, y1 - lift, y2 + lift].map(|f| f.round() as i32);
    let d = format!("M{x1},{y1} C{x1},{c1} {x2},{c2} {x2},{y2}");
    let _ = path.set_attribute("d", &d);
}

/// What the engine calls its process.
fn process_name(s: &Scenario) -> &'static str {
    match s.engine {
        Engine::Consumer { .. } => "Consumer",
        Engine::MicroBatch => "Spark driver",
        Engine::Flink => "Flink job",
        Engine::Beam { .. } => "Beam worker",
    }
}

#[derive(Properties, PartialEq)]
pub struct StageProps {
    pub pb: Playback,
}

#[function_component(Stage)]
pub fn stage(props: &StageProps) -> Html {
    crate::ui::count_render("stage");
    let pb = &props.pb;
    let root = use_node_ref();

    // Motion only for one step forward within the same run; a re-render at the same cursor
    // keeps what it had.
    let run_key = pb.rev;
    let last = use_mut_ref(|| (0u64, None::<usize>, false));
    let motion = {
        let mut l = last.borrow_mut();
        if l.0 == run_key && l.1 == Some(pb.cursor) {
            l.2
        } else {
            let m = l.0 == run_key && animates(l.1, pb.cursor);
            *l = (run_key, Some(pb.cursor), m);
            m
        }
    };

    let entries = {
        let sc = pb.scenario.clone();
        use_memo(pb.rev, move |_| source_entries(&sc))
    };

    {
        let root = root.clone();
        use_effect_with((run_key, pb.cursor, motion), move |&(_, _, motion)| {
            if let Some(el) = root.cast::<web_sys::Element>() {
                settle(&el, motion);
            }
        });
    }
    // The arrow follows the layout when the window changes size.
    {
        let root = root.clone();
        use_effect_with((), move |_| {
            let resize = EventListener::new(&gloo::utils::window(), "resize", move |_| {
                if let Some(el) = root.cast::<web_sys::Element>() {
                    arrow(&el);
                }
            });
            move || drop(resize)
        });
    }

    let scenario: &Scenario = &pb.scenario;
    let trace = &pb.run.trace;
    let view = pb.view();
    let event = pb.event();
    let state = proc_state(scenario, trace, pb.cursor);
    let mem = memory(trace, pb.cursor);
    let ctx = Ctx {
        s: scenario,
        o: &pb.run.outcome,
        v: &view,
        e: event,
        cursor: pb.cursor,
        motion,
    };

    // The durable entry a restart resumes from, and the position it points at.
    let resume = event
        .filter(|e| e.kind == EventKind::Start && !e.zombie && e.instance > 1)
        .and_then(|_| resume_position(trace, pb.cursor));
    let resume_from = resume.and_then(|p| resume_entry(scenario, &view, p));

    // A deleted checkpoint: the entries it deleted slide out (only when stepping onto it).
    let deleted = (motion
        && event.is_some_and(|e| {
            e.changes
                .iter()
                .any(|c| matches!(c, Change::CheckpointDeleted))
        }))
    .then(|| pb.view_at(pb.cursor.saturating_sub(1)));

    let dur = motion_ms(pb.speed);
    let style = format!("--stg-dur:{dur}ms");
    html! {
        <section class={classes!("stg", format!("stg-{}", state.name()))} ref={root}
            data-testid="stage" data-motion={if motion { "1" } else { "0" }} style={style}
            aria-label="The pipeline as a picture">
            <h2 class="sr-only">{ "The pipeline" }</h2>
            { tape(&ctx, &entries, resume) }
            { process(&ctx, state, &mem, trace, resume, resume_from.as_ref()) }
            { progress(&ctx, resume_from.as_deref(), deleted.as_ref()) }
            { sink(&ctx, &mem, pb.at_end(), &pb.run.outcome.missing.0) }
            <svg class="stg-arrow" aria-hidden="true"><defs>
                <marker id="stg-head" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" />
                </marker></defs>
                <path data-arrow="1" d="" marker-end="url(#stg-head)" />
            </svg>
        </section>
    }
}

/// What every part of the stage reads.
struct Ctx<'a> {
    s: &'a Scenario,
    o: &'a Outcome,
    v: &'a View,
    e: Option<&'a Event>,
    cursor: usize,
    motion: bool,
}

impl Ctx<'_> {
    fn tick(&self) -> u64 {
        self.e.map(|e| e.tick).unwrap_or(0)
    }
    fn instance(&self) -> u32 {
        self.e.map(|e| e.instance).unwrap_or(1)
    }
    /// Was this change made by the current event (and are we stepping onto it)?
    fn now(&self, f: impl Fn(&Change) -> bool) -> bool {
        self.motion && self.e.is_some_and(|e| e.changes.iter().any(f))
    }
}

/// The slot name of the durable entry a restart at `position` resumes from: an `offsets/N`
/// without `commits/N` starting there, the `commits/N` whose range ends there, the checkpoint
/// at that position, or the committed offset. A lookup by equality in the fold, nothing more.
fn resume_entry(s: &Scenario, v: &View, position: u64) -> Option<String> {
    match s.engine {
        Engine::MicroBatch => {
            let open = v
                .offset_log
                .iter()
                .rev()
                .find(|(b, o)| !v.commit_log.contains(b) && o.start == position);
            if let Some((b, _)) = open {
                return Some(format!("o{b}"));
            }
            v.commit_log
                .iter()
                .rev()
                .find(|b| v.offset_log.get(b).is_some_and(|o| o.end == position))
                .map(|b| format!("c{b}"))
        }
        Engine::Flink | Engine::Beam { .. } => v
            .checkpoints
            .iter()
            .rev()
            .find(|(_, p)| **p == position)
            .map(|(e, _)| format!("k{e}")),
        Engine::Consumer { .. } => (v.committed == Some(position)).then(|| "committed".into()),
    }
}

// ---------- source ----------

fn tape(c: &Ctx, entries: &[SourceEntry], resume: Option<u64>) -> Html {
    let s = c.s;
    let v = c.v;
    let tick = c.tick();
    let log = matches!(s.source, Source::Log { .. });
    let queue = matches!(s.source, Source::Queue { .. });
    let socket = matches!(s.source, Source::Socket);
    let parts = if log {
        s.workload.partitions.max(1) as usize
    } else {
        1
    };
    let read_to = v.positions.get(&c.instance()).copied();
    let anchor = resume.or(read_to).or(v.committed).unwrap_or(0) as usize;
    let shown = window(entries.len(), anchor, TAPE * parts, (TAPE / 2) * parts);
    let hot: &[String] = c.e.map(|e| e.records.as_slice()).unwrap_or(&[]);
    let per_lane = shown.len().div_ceil(parts).max(1);

    let cell = |p: usize, e: &SourceEntry| {
        let pos = p as u64;
        let arrived = e.arrival <= tick;
        let read = read_to.is_some_and(|r| pos < r);
        let committed = log && v.committed.is_some_and(|x| pos < x);
        let lease = v.leased.get(&pos).copied().filter(|u| *u > tick);
        let acked = v.acked.contains(&pos);
        let gone = socket && read;
        let label = if parts > 1 {
            format!("{}", p / parts)
        } else {
            format!("{p}")
        };
        let state = if gone {
            "delivered: gone from the socket"
        } else if acked {
            "acked"
        } else if committed {
            "committed"
        } else if lease.is_some() {
            "leased"
        } else if read {
            "read"
        } else if !arrived {
            "not arrived yet"
        } else {
            "waiting"
        };
        let cls = classes!(
            "stg-cell",
            (!arrived).then_some("is-future"),
            read.then_some("is-read"),
            (committed || acked).then_some("is-done"),
            lease.is_some().then_some("is-leased"),
            e.copy.then_some("is-copy"),
            gone.then_some("is-gone"),
            hot.contains(&e.record).then_some("is-hot"),
        );
        let mark = if acked {
            "✓".to_string()
        } else if let Some(u) = lease {
            if u == u64::MAX {
                "◷".into()
            } else {
                format!("◷{u}")
            }
        } else if committed {
            "✓".into()
        } else {
            String::new()
        };
        html! {
            <li key={p} class={cls} data-slot={format!("t{p}")}
                data-resume-to={(resume == Some(pos)).then_some("1")}
                title={format!("{} at position {p}{}: {state}", e.record, if e.copy { " (republished copy)" } else { "" })}>
                if gone {
                    <span class="stg-hole" aria-label={state}>{ "·" }</span>
                } else {
                    { chip(&e.record, "") }
                }
                <span class="stg-pos">{ label }</span>
                <span class="stg-mark">{ mark }</span>
            </li>
        }
    };
    // The end of the tape is a slot too, so a marker or an arrow can point past the last entry.
    let end_slot = |lane: usize| {
        let p = shown.end;
        (shown.end == entries.len() && lane == p % parts).then(|| {
            html! { <li key="end" class="stg-cell stg-end" data-slot={format!("t{p}")}
                data-resume-to={(resume == Some(p as u64)).then_some("1")}><span class="stg-hole">{ "∎" }</span></li> }
        })
    };
    let lanes: Html = (0..parts)
        .map(|lane| {
            let cells: Html = shown
                .clone()
                .filter(|p| p % parts == lane)
                .map(|p| cell(p, &entries[p]))
                .collect();
            // Where a boundary position falls in this lane: the number of its shown cells
            // before it.
            let at = |b: u64| {
                let k = shown
                    .clone()
                    .filter(|p| p % parts == lane && (*p as u64) < b)
                    .count();
                format!("--k:{k}")
            };
            // A marker in the right half puts its label on the left of its line.
            let flip = |b: u64| {
                let k = shown
                    .clone()
                    .filter(|p| p % parts == lane && (*p as u64) < b)
                    .count();
                (2 * k > per_lane + 1).then_some("is-flip")
            };
            let in_view = |b: u64| {
                (b as usize) >= shown.start && (b as usize) <= shown.end
            };
            let read_marker = read_to.filter(|r| in_view(*r) && !queue).map(|r| {
                html! { <span class={classes!("stg-marker", "stg-read", flip(r))} style={at(r)} title={format!("read position {r} (in memory)")}>{ "read" }</span> }
            });
            let commit_marker = v.committed.filter(|x| log && in_view(*x)).map(|x| {
                html! { <span class={classes!("stg-marker", "stg-committed", flip(x))} style={at(x)} title={format!("committed position {x} (durable)")}>{ "committed" }</span> }
            });
            html! {
                <div class={classes!("stg-lane", queue.then_some("no-markers"))} style={format!("--n:{}", per_lane + 1)}>
                    if parts > 1 { <span class="stg-lane-name">{ format!("p{lane}") }</span> }
                    <ol class="stg-cells">{ cells }{ end_slot(lane).unwrap_or_default() }</ol>
                    <div class="stg-markers" aria-hidden="true">{ read_marker }{ commit_marker }</div>
                </div>
            }
        })
        .collect();
    let title = match s.source {
        Source::Log { .. } => "Source: log",
        Source::Queue { .. } => "Source: queue",
        Source::Socket => "Source: socket",
    };
    let more = (shown.len() < entries.len()).then(|| {
        format!(
            "positions {}–{} of {}",
            shown.start,
            shown.end - 1,
            entries.len()
        )
    });
    html! {
        <div class="stg-tape" data-testid="stage-source">
            <div class="stg-head">
                <h3>{ title }</h3>
                if let Some(m) = more { <span class="stg-note">{ m }</span> }
                if queue { <span class="stg-note">{ format!("{} of {} acked", v.acked.len(), entries.len()) }</span> }
                if socket { <span class="stg-note">{ "a delivered entry is gone" }</span> }
            </div>
            { lanes }
        </div>
    }
}

// ---------- process ----------

fn process(
    c: &Ctx,
    state: ProcState,
    mem: &Memory,
    trace: &[Event],
    resume: Option<u64>,
    resume_from: Option<&String>,
) -> Html {
    let e = c.e;
    let instance = c.instance();
    let read_step = e.is_some_and(|e| e.kind == EventKind::Step && e.step == Some(Step::Read));
    let dead = state == ProcState::Dead;
    let mut fly = 0usize;
    let items: Html = mem
        .held
        .iter()
        .map(|h| {
            let slot = match h.position {
                Some(p) => format!("m{p}"),
                None => format!("m-{}", h.record),
            };
            if dead {
                // Memory lost: the records drop out of the box.
                return html! {
                    <li key={format!("drop-{slot}")} class="stg-held is-dropped" title={format!("{}: lost with the process's memory", h.record)}>
                        { chip(&h.record, "") }
                    </li>
                };
            }
            if h.written {
                // Written to the sink; the process still holds it until its progress is
                // durable, then it fades out of the box.
                let done = mem.progressed;
                let tip = if done {
                    "written, and its progress is durable"
                } else {
                    "written to the sink, still in memory"
                };
                return html! {
                    <li key={format!("w-{slot}")} class={classes!("stg-held", "is-written", done.then_some("is-durable"))}
                        data-slot={slot.clone()} title={format!("{}: {tip}", h.record)}>
                        { chip(&h.record, "") }<span class="stg-tick" aria-hidden="true">{ "✓" }</span>
                    </li>
                };
            }
            // Read and not yet written: a token. It flies in from the tape on the read step.
            let flying = c.motion && read_step;
            let key = if flying {
                format!("f{}-{slot}", c.cursor)
            } else {
                format!("h-{slot}")
            };
            let from = h.position.map(|p| format!("t{p}"));
            let i = flying.then(|| {
                fly += 1;
                (fly - 1).to_string()
            });
            html! {
                <li key={key} class="stg-held" data-slot={slot.clone()}>
                    <b class="stg-token" data-testid="stage-token" data-record={h.record.clone()}
                        data-fly={i} data-from={flying.then_some(from).flatten()}>
                        { chip(&h.record, "") }
                    </b>
                </li>
            }
        })
        .collect();
    let name = process_name(c.s);
    let (label, detail): (String, Option<String>) = match state {
        ProcState::Dead => {
            let down = e.and_then(|_| downtime(trace, c.cursor));
            (
                "process dead: memory lost".into(),
                Some(match down {
                    Some(0) => "restarts at once".into(),
                    Some(d) => format!("down for {}", plural(d as usize, "tick")),
                    None => "does not restart".into(),
                }),
            )
        }
        ProcState::Zombie => (
            format!("zombie: instance {instance}, cut off"),
            Some(match e.and_then(|e| e.error.clone()) {
                Some(x) => format!("fenced: {x}"),
                None => "still working from its own memory".into(),
            }),
        ),
        ProcState::Stopped => (
            format!("zombie stopped (instance {instance})"),
            e.and_then(|e| e.error.clone())
                .map(|x| format!("rejected: {x}")),
        ),
        ProcState::Running => {
            let detail = match e.map(|e| e.kind) {
                Some(EventKind::Start) if instance > 1 => Some(match (resume, resume_from) {
                    (Some(p), Some(f)) => {
                        format!("restarted: resumes at {p}, from {}", slot_words(c.s, f))
                    }
                    (Some(p), None) => format!("restarted: resumes at {p}"),
                    _ => "restarted".into(),
                }),
                Some(EventKind::Start) => Some("started".into()),
                Some(EventKind::Drain) => Some("drained: nothing left to read".into()),
                Some(EventKind::Idle) => Some("idle: waiting".into()),
                Some(EventKind::Fault) => Some(
                    c.s.faults
                        .get(e.and_then(|e| e.fault).unwrap_or(usize::MAX))
                        .map(|f| f.kind_name().replace('_', " "))
                        .unwrap_or_else(|| "fault".into()),
                ),
                _ => mem.progressed.then(|| "progress durable".into()),
            };
            (format!("{name} · instance {instance}"), detail)
        }
    };
    let restarted = e.is_some_and(|e| e.kind == EventKind::Start && e.instance > 1 && !e.zombie);
    let empty = mem.held.is_empty();
    html! {
        <div class={classes!("stg-proc", format!("is-{}", state.name()), (restarted && c.motion).then_some("is-back"))}
            data-testid="stage-process" data-state={state.name()} data-slot="proc">
            <div class="stg-head">
                <h3>{ label }</h3>
                if let Some(d) = detail { <span class="stg-note">{ d }</span> }
            </div>
            if dead && c.motion { <div class="stg-countdown" aria-hidden="true"></div> }
            <ul class="stg-mem" aria-label="in memory">
                { items }
                if empty && !dead { <li class="stg-empty">{ "memory: empty" }</li> }
            </ul>
        </div>
    }
}

/// `o3` → "offsets/3" (the names [`resume_entry`] gives).
fn slot_words(s: &Scenario, slot: &str) -> String {
    if slot == "committed" {
        return "the committed offset".into();
    }
    let (k, n) = slot.split_at(1);
    match k {
        "o" => format!("offsets/{n} (no commits/{n})"),
        "c" => format!("commits/{n}"),
        _ if matches!(s.engine, Engine::Beam { .. }) => format!("bundle {n}"),
        _ => format!("checkpoint {n}"),
    }
}

// ---------- durable progress ----------

/// One durable entry; `name` is what [`resume_entry`] calls it (its key may also hold a value,
/// so that a new value slides in as a new entry).
fn entry(
    key: String,
    name: &str,
    cls: &'static str,
    is_new: bool,
    resume: Option<&str>,
    body: Html,
) -> Html {
    html! {
        <li key={key.clone()} class={classes!("stg-entry", cls, is_new.then_some("is-new"))}
            data-testid="stage-progress-entry" data-slot={format!("p-{key}")}
            data-resume-from={(resume == Some(name)).then_some("1")}>
            { body }
        </li>
    }
}

fn progress_entries(c: &Ctx, v: &View, resume: Option<&str>) -> Vec<Html> {
    let s = c.s;
    let mut out = Vec::new();
    match s.engine {
        Engine::MicroBatch => {
            let ids = v.checkpoint_batches();
            let skip = ids.len().saturating_sub(SHOWN_LOG / 2);
            for b in ids.iter().skip(skip) {
                let done = v.commit_log.contains(b);
                if let Some(o) = v.offset_log.get(b) {
                    let new = c.now(|x| matches!(x, Change::OffsetLog { batch, .. } if batch == b));
                    out.push(entry(
                        format!("o{b}"),
                        &format!("o{b}"),
                        if done { "is-offsets" } else { "is-offsets is-open" },
                        new,
                        resume,
                        html! { <><code>{ format!("offsets/{b}") }</code><span class="stg-val">{ format!("[{}, {})", o.start, o.end) }</span></> },
                    ));
                }
                if v.offset_log.get(b).is_none() {
                    out.push(
                        html! { <li key={format!("no{b}")} class="stg-slot-empty">{ "—" }</li> },
                    );
                }
                if done {
                    let new = c.now(|x| matches!(x, Change::CommitLog { batch } if batch == b));
                    out.push(entry(
                        format!("c{b}"),
                        &format!("c{b}"),
                        "is-commits",
                        new,
                        resume,
                        html! { <code>{ format!("commits/{b}") }</code> },
                    ));
                } else {
                    out.push(html! { <li key={format!("nc{b}")} class="stg-slot-empty is-open">{ format!("no commits/{b}") }</li> });
                }
            }
        }
        Engine::Flink | Engine::Beam { .. } => {
            let what = if matches!(s.engine, Engine::Flink) {
                "checkpoint"
            } else {
                "bundle"
            };
            let skip = v.checkpoints.len().saturating_sub(SHOWN_LOG / 2);
            for (k, p) in v.checkpoints.iter().skip(skip) {
                let new = c.now(|x| matches!(x, Change::Checkpoint { epoch, .. } if epoch == k));
                out.push(entry(
                    format!("k{k}"),
                    &format!("k{k}"),
                    "is-ckpt",
                    new,
                    resume,
                    html! { <><code>{ format!("{what} {k}") }</code><span class="stg-val">{ format!("→ {p}") }</span></> },
                ));
            }
        }
        Engine::Consumer { .. } => {}
    }
    // Committed source position (consumer group offsets; Spark and Flink show it too).
    if matches!(s.engine, Engine::Consumer { .. }) && !matches!(s.source, Source::Queue { .. }) {
        if let Some(x) = v.committed {
            let parts = s.workload.partitions.max(1) as u64;
            let val = if parts > 1 {
                (0..parts)
                    .map(|p| format!("p{p}:{}", x.saturating_sub(p).div_ceil(parts)))
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                x.to_string()
            };
            let new = c.now(|ch| matches!(ch, Change::Committed { .. }));
            out.push(entry(
                format!("committed-{x}"),
                "committed",
                "is-committed",
                new,
                resume,
                html! { <><code>{ "committed offset" }</code><span class="stg-val">{ val }</span></> },
            ));
        }
    }
    out
}

fn progress(c: &Ctx, resume: Option<&str>, deleted: Option<&View>) -> Html {
    let s = c.s;
    let v = c.v;
    let title = match (&s.engine, &s.source) {
        (Engine::Consumer { .. }, Source::Queue { .. }) => "Durable progress: acks",
        (Engine::Consumer { .. }, _) => "Durable progress: group offsets",
        (Engine::MicroBatch, _) => "Durable progress: checkpoint",
        (Engine::Flink, _) => "Durable progress: checkpoints",
        (Engine::Beam { .. }, _) => "Durable progress: bundles",
    };
    let items = progress_entries(c, v, resume);
    // What a deleted checkpoint took away, struck through, sliding out.
    let gone: Html = deleted
        .map(|old| {
            let mut names: Vec<String> = old
                .offset_log
                .keys()
                .map(|b| format!("offsets/{b}"))
                .collect();
            names.extend(old.commit_log.iter().map(|b| format!("commits/{b}")));
            names.extend(old.checkpoints.keys().map(|k| format!("checkpoint {k}")));
            if let Some(x) = old.committed {
                names.push(format!("committed {x}"));
            }
            if names.is_empty() {
                return Html::default();
            }
            html! { <p class="stg-gone">{ names.join(", ") }</p> }
        })
        .unwrap_or_default();
    let queue_note = matches!(s.source, Source::Queue { .. }).then(|| {
        let n = v.acked.len();
        let new = c.now(|x| matches!(x, Change::Acked { .. }));
        entry(
            format!("acked-{n}"),
            "acked",
            "is-acks",
            new,
            None,
            html! { <><code>{ "acked" }</code><span class="stg-val">{ plural(n, "message") }</span></> },
        )
    });
    let deletions = (v.deletions > 0).then(|| {
        html! { <p class={classes!("stg-warn", c.now(|x| matches!(x, Change::CheckpointDeleted)).then_some("is-new"))}>
            { format!("⌫ checkpoint deleted {}×: the entries below are new", v.deletions) }</p> }
    });
    let empty = items.is_empty() && queue_note.is_none();
    html! {
        <div class="stg-durable">
            <div class="stg-head"><h3>{ title }</h3>
                if let Some(q) = c.e.and_then(|e| e.query.clone()) { <span class="stg-note">{ format!("query {q}") }</span> }
            </div>
            { deletions.unwrap_or_default() }
            { gone }
            <ul class={classes!("stg-log", matches!(s.engine, Engine::MicroBatch).then_some("is-pairs"))}>
                { for items }
                { queue_note.unwrap_or_default() }
                if empty { <li class="stg-empty">{ "nothing durable yet" }</li> }
            </ul>
        </div>
    }
}

// ---------- sink ----------

fn sink_family(s: &Scenario) -> (&'static str, &'static str) {
    match s.sink.cfg() {
        SinkCfg::Append => ("Sink: table (plain INSERT)", "aborted"),
        SinkCfg::Upsert(_) => ("Sink: table (upsert)", "aborted"),
        SinkCfg::File => ("Sink: files + _spark_metadata", "orphan file"),
        SinkCfg::ForeachBatch { .. } => ("Sink: foreachBatch table", "rolled back"),
        SinkCfg::Delta(_) => ("Sink: Delta table", "not in the log"),
        SinkCfg::Kafka { .. } => ("Sink: Kafka topic", "aborted"),
        SinkCfg::Bigquery { .. } => ("Sink: BigQuery", "not visible"),
        SinkCfg::Console => ("Sink: console", "aborted"),
        SinkCfg::Memory => ("Sink: memory table", "aborted"),
    }
}

fn sink(c: &Ctx, mem: &Memory, at_end: bool, missing: &[usize]) -> Html {
    let s = c.s;
    let v = c.v;
    let e = c.e;
    let (title, aborted_word) = sink_family(s);
    let copies = copy_numbers(v);
    let skip = v.rows.len().saturating_sub(SHOWN);
    // Rows (re)counted at this step: new rows, and rows whose status changed now.
    let changed: Vec<u64> = e
        .map(|e| {
            e.changes
                .iter()
                .filter_map(|ch| match ch {
                    Change::RowStatus { rows, .. } => Some(rows.clone()),
                    _ => None,
                })
                .flatten()
                .collect()
        })
        .unwrap_or_default();
    // An upsert that replaced: a write of records that added no row.
    let upsert = matches!(s.sink.cfg(), SinkCfg::Upsert(_));
    let replaced: Vec<&String> = e
        .filter(|e| upsert && e.kind == EventKind::Step && e.step == Some(Step::SinkWrite))
        .map(|e| {
            e.records
                .iter()
                .filter(|r| {
                    !e.changes
                        .iter()
                        .any(|ch| matches!(ch, Change::Row { record, .. } if record == *r))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut fly = 0usize;
    let mut places: Vec<(&str, Vec<Html>)> = Vec::new();
    let mut replaced_done: Vec<&String> = Vec::new();
    let rows: Vec<(&RowView, u32)> = v.rows.values().zip(copies).skip(skip).collect();
    // The latest counted row of each replaced record is the one the MERGE replaced.
    let replaced_row = |rec: &String| {
        rows.iter()
            .rev()
            .find(|(r, _)| &r.record == rec && r.counted(v.table_resets))
            .map(|(r, _)| r.row)
    };
    let replaced_rows: Vec<(u64, &String)> = replaced
        .iter()
        .filter_map(|r| replaced_row(r).map(|row| (row, *r)))
        .collect();
    for (r, copy) in &rows {
        let new = r.event == c.cursor;
        let stale = r.table != v.table_resets;
        let counted = *copy > 0;
        let arriving = c.motion && (new || (changed.contains(&r.row) && counted));
        let repl = replaced_rows
            .iter()
            .find(|(row, _)| *row == r.row)
            .map(|(_, rec)| *rec);
        if let Some(rec) = repl {
            replaced_done.push(rec);
        }
        let flying = c.motion && (new || repl.is_some());
        let from = if mem.held.iter().any(|h| h.position == Some(r.position)) {
            format!("m{}", r.position)
        } else {
            "proc".into()
        };
        let (icon, word) = match r.status {
            _ if stale => ("⌀", "in a replaced table"),
            RowStatus::Visible => ("✓", "seen by the reader"),
            RowStatus::Pending => ("◌", "pending: not yet visible"),
            RowStatus::Aborted => ("✕", aborted_word),
        };
        let cls = classes!(
            "stg-row",
            match r.status {
                RowStatus::Visible => "st-visible",
                RowStatus::Pending => "st-pending",
                RowStatus::Aborted => "st-aborted",
            },
            stale.then_some("is-stale"),
            r.zombie.then_some("is-zombie"),
            (*copy >= 2).then_some("is-dup"),
            arriving.then_some("is-new"),
            repl.is_some().then_some("is-replaced"),
        );
        let tip = format!(
            "row {} · {} · {}{} · {}{}",
            r.row,
            r.record,
            r.batch
                .map(|b| format!("batch {b}"))
                .unwrap_or_else(|| "no batch".into()),
            r.attempt
                .map(|a| format!(" attempt {a}"))
                .unwrap_or_default(),
            word,
            if *copy >= 2 {
                format!(" · copy {copy}")
            } else {
                String::new()
            }
        );
        let i = flying.then(|| {
            fly += 1;
            (fly - 1).to_string()
        });
        let body = if flying {
            html! {
                // A different element than the plain chip: never patched into one.
                <b class="stg-token" data-testid="stage-token" data-record={r.record.clone()}
                    data-fly={i} data-from={from}>{ chip(&r.record, "") }</b>
            }
        } else {
            chip(&r.record, "")
        };
        let html = html! {
            <li key={r.row} class={cls} title={tip.clone()} aria-label={tip}
                data-testid="stage-row" data-record={r.record.clone()} data-copy={copy.to_string()}>
                { body }
                <span class="stg-st" aria-hidden="true">{ icon }</span>
                if *copy >= 2 { <span class="stg-badge">{ format!("×{copy}") }</span> }
                if repl.is_some() { <span class="stg-badge is-repl">{ "↻ replaced" }</span> }
            </li>
        };
        match places.iter_mut().find(|(p, _)| *p == r.place) {
            Some((_, items)) => items.push(html),
            None => places.push((r.place.as_str(), vec![html])),
        }
    }
    let groups: Html = places
        .into_iter()
        .map(|(place, items)| {
            let state = v
                .streams
                .iter()
                .find(|st| st.name == place)
                .map(|st| {
                    format!(
                        "{} · end {}{}",
                        st.state,
                        st.end,
                        st.flushed
                            .map(|f| format!(" · flushed {f}"))
                            .unwrap_or_default()
                    )
                })
                .or_else(|| {
                    v.transactions
                        .iter()
                        .find(|(n, _)| n == place)
                        .map(|(_, st)| st.clone())
                });
            let st_cls = v
                .transactions
                .iter()
                .find(|(n, _)| n == place)
                .map(|(_, st)| format!("stg-ps-{}", st.replace(' ', "-")));
            html! {
                <div key={place.to_string()} class={classes!("stg-place", st_cls)}>
                    <span class="stg-place-name"><code>{ place }</code>
                        if let Some(st) = state { <span class="stg-place-state">{ st }</span> }
                    </span>
                    <ul class="stg-rows">{ for items }</ul>
                </div>
            }
        })
        .collect();
    // Sink-side durable markers: the control table, _spark_metadata, Delta's txn.
    let markers: Html = v
        .markers
        .iter()
        .flat_map(|(name, values)| {
            let skip = values.len().saturating_sub(SHOWN_LOG / 2);
            values.iter().enumerate().skip(skip).map(move |(i, x)| {
                let key = format!("mk-{name}-{i}");
                let new = c.now(
                    |ch| matches!(ch, Change::Marker { name: n, value } if n == name && value == x),
                ) && i + 1 == values.len();
                let label = if name.starts_with("txn") {
                    format!("{name} v{x}")
                } else if name.starts_with('_') {
                    format!("{name}/{x}")
                } else {
                    format!("{name}: batch {x}")
                };
                entry(
                    key.clone(),
                    &key,
                    "is-marker",
                    new,
                    None,
                    html! { <code>{ label }</code> },
                )
            })
        })
        .collect();
    let lone_txns: Html = v
        .transactions
        .iter()
        .filter(|(name, _)| !v.rows.values().any(|r| &r.place == name))
        .map(|(name, st)| html! { <span class={classes!("stg-txn", format!("stg-ps-{}", st.replace(' ', "-")))}><code>{ name }</code>{ format!(" {st}") }</span> })
        .collect();
    // The readers: the primary one now (the fold's count), every other at the end (the outcome).
    let readers = readers(c, at_end);
    let lost: Html = if at_end {
        missing
            .iter()
            .map(|i| {
                let r = record_id(*i);
                html! { <li key={r.clone()} class="stg-lost" data-testid="stage-lost" data-record={r.clone()}
                    title={format!("{r} is missing: no copy reached the reader")}>
                    <span class="stg-lost-chip">{ r }</span><span class="stg-lost-word">{ "lost" }</span></li> }
            })
            .collect()
    } else {
        Html::default()
    };
    let upsert_note = (replaced.len() > replaced_done.len()).then(|| {
        html! { <p class="stg-note">{ "upsert: existing rows replaced, none added" }</p> }
    });
    let reset = c.now(|ch| matches!(ch, Change::TableReset));
    html! {
        <div class="stg-sink" data-testid="stage-sink">
            <div class="stg-head"><h3>{ title }</h3>
                if skip > 0 { <span class="stg-note">{ format!("{} earlier not drawn", plural(skip, "row")) }</span> }
                if v.table_resets > 0 { <span class={classes!("stg-note", "stg-warn", reset.then_some("is-new"))}>{ format!("table replaced {}×", v.table_resets) }</span> }
            </div>
            if v.rows.is_empty() && v.markers.is_empty() { <p class="stg-empty">{ "no rows yet" }</p> }
            <div class="stg-places">{ groups }</div>
            { upsert_note.unwrap_or_default() }
            if !v.markers.is_empty() { <ul class="stg-log stg-markers-log" aria-label="sink-side batch markers">{ markers }</ul> }
            <div class="stg-txns">{ lone_txns }</div>
            { readers }
            if at_end && !missing.is_empty() {
                <div class="stg-place is-missing"><span class="stg-place-name">{ "missing at the end" }</span>
                    <ul class="stg-rows">{ lost }</ul></div>
            }
        </div>
    }
}

/// The readers of a sink that has two (Kafka's isolation levels; a file sink's
/// `_spark_metadata` reader and raw listing; …): the primary reader as of the cursor, the
/// others as the outcome reports them at the end.
fn readers(c: &Ctx, at_end: bool) -> Html {
    let o = c.o;
    if o.readers.len() < 2 {
        return Html::default();
    }
    let n = c.s.workload.records as usize;
    let summary = |seen: usize, dup: usize, missing: Option<usize>| {
        let mut parts = vec![format!("sees {}", plural(seen, "record"))];
        if dup > 0 {
            parts.push(format!("{dup} more than once"));
        }
        if let Some(m) = missing.filter(|m| *m > 0) {
            parts.push(format!("{m} missing"));
        }
        parts.join(" · ")
    };
    let items: Html = o
        .readers
        .iter()
        .map(|(name, rv)| {
            let primary = *name == o.primary_reader;
            let text = if primary && !at_end {
                let counts = c.v.counts(n);
                let seen = counts.iter().filter(|k| **k > 0).count();
                let dup = counts.iter().filter(|k| **k > 1).count();
                format!("{} (now)", summary(seen, dup, None))
            } else if at_end {
                summary(
                    rv.visible.0.iter().filter(|(_, k)| *k > 0).count(),
                    rv.duplicated.0.len(),
                    Some(rv.missing.0.len()),
                )
            } else {
                "shown at the end".into()
            };
            html! {
                <li class={classes!("stg-reader", primary.then_some("is-primary"))}>
                    <code>{ name }</code>{ if primary { " (primary)" } else { "" } }
                    <span class="stg-val">{ text }</span>
                </li>
            }
        })
        .collect();
    html! { <ul class="stg-readers" aria-label="readers">{ items }</ul> }
}
