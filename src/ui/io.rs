//! Import and export: scenario and trace JSON files, an SVG snapshot of the pipeline for
//! slides, and the browser's clipboard and downloads.
//!
//! [`import`], [`scenario_json`], [`trace_json`] and [`svg`] are pure (tests/web_embed.rs);
//! [`copy`], [`download`] and [`read_file`] talk to the browser.

use std::fmt::Write as _;

use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

use super::engine::{self, RowStatus, Scenario};
use super::presets;
use super::views::pipeline::{engine_title, sink_title, source_entries, source_title};
use super::views::{batch_words, kind_words};
use crate::state::notes::guarantee_label;
use crate::state::playback::record_index;
use crate::state::session::{preset_scenario, Session, MAX_UI_RECORDS};

/// The scenario in the spec's JSON format (what the CLI reads).
pub fn scenario_json(s: &Scenario) -> String {
    pretty(serde_json::to_value(s))
}

/// One pretty-printer for every export (the JSON value's, not one per exported type).
fn pretty(v: serde_json::Result<Value>) -> String {
    v.and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_default()
        + "\n"
}

/// `{"scenario": …, "trace": […], "outcome": …}`, in that order.
pub fn trace_json(s: &Scenario, run: &engine::Run) -> String {
    let part = |v| pretty(v).trim_end().replace('\n', "\n  ");
    format!(
        "{{\n  \"scenario\": {},\n  \"trace\": {},\n  \"outcome\": {}\n}}\n",
        part(serde_json::to_value(s)),
        part(serde_json::to_value(&run.trace)),
        part(serde_json::to_value(&run.outcome))
    )
}

fn checked(s: Scenario) -> Result<Scenario, String> {
    engine::validate(&s).map_err(|e| e.to_string())?;
    if s.workload.records > MAX_UI_RECORDS {
        return Err(format!(
            "workload.records: the browser view shows at most {MAX_UI_RECORDS} records \
             (the engine and CLI accept up to 1000000)"
        ));
    }
    Ok(s)
}

/// Where the engine's run of `s` departs from `trace` (None: identical).
fn differs(s: &Scenario, trace: &[Value]) -> Option<usize> {
    let ours = serde_json::to_value(engine::run(s).trace).ok()?;
    let ours = ours.as_array()?;
    let same = ours.iter().zip(trace).take_while(|(a, b)| a == b).count();
    (same != ours.len() || same != trace.len()).then_some(same)
}

/// Read an imported file: a scenario (spec format), a trace file
/// (`{"scenario", "trace", "outcome"}`) or the CLI's trace lines (`crashcourse run --trace`).
/// Returns the scenario to open and a sentence about it, or the engine's `PATH: PROBLEM`.
pub fn import(text: &str, current: &Scenario) -> Result<(Scenario, String), String> {
    let text = text.trim_start_matches('\u{feff}');
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) if o.contains_key("trace") => {
            let sc = o
                .get("scenario")
                .ok_or("scenario: required (a trace file holds the scenario it ran)")?;
            let s = engine::parse_value(sc)
                .map_err(|e| format!("scenario.{e}").replace("scenario.(root)", "scenario"))
                .and_then(checked)?;
            let Some(trace) = o.get("trace").and_then(Value::as_array) else {
                return Err("trace: expected an array of events".into());
            };
            let note = match differs(&s, trace) {
                None => format!(
                    "Opened the trace's scenario; the engine's run matches its {} events.",
                    trace.len()
                ),
                Some(i) => format!(
                    "Opened the trace's scenario. Its trace departs from this engine's run at \
                     event {i} (made by another version?): showing this engine's run."
                ),
            };
            Ok((s, note))
        }
        Ok(v) => {
            let s = engine::parse_value(&v)
                .map_err(|e| e.to_string())
                .and_then(checked)?;
            Ok((s, "Opened the scenario.".into()))
        }
        Err(e) => {
            // The CLI's trace: one JSON event per line.
            let lines: Vec<Value> = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map_while(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|v| v.get("kind").is_some() && v.get("tick").is_some())
                .collect();
            let n = text.lines().filter(|l| !l.trim().is_empty()).count();
            if lines.len() < 2 || lines.len() != n {
                return Err(format!("(root): not valid JSON ({e})"));
            }
            let all = presets::presets();
            let candidates = std::iter::once(current.clone())
                .chain(all.iter().filter_map(|p| preset_scenario(p).ok()));
            for s in candidates {
                if differs(&s, &lines).is_none() {
                    return Ok((
                        s,
                        format!(
                            "The {} trace lines are the run of this scenario.",
                            lines.len()
                        ),
                    ));
                }
            }
            Err(format!(
                "(root): these {} trace lines carry no scenario, and they are not the run of \
                 the current scenario or of a preset; import the scenario file (or a trace.json \
                 exported by crashcourse, which holds both)",
                lines.len()
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// SVG snapshot.

const W: u32 = 960;
const H: u32 = 540;
const HUES: [&str; 8] = [
    "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#999999",
];
const INK: &str = "#1b2130";
const MUTED: &str = "#596275";
const LINE: &str = "#d9dde5";
const OK: &str = "#00654a";
const DUP: &str = "#7d5200";
const MISSING: &str = "#a33f00";
const PENDING: &str = "#145f8c";
const ACCENT: &str = "#0072b2";

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c if (c as u32) < 0x20 => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Break `s` into lines of at most `width` characters (at most `max` lines, the last one
/// ending in … if cut).
fn wrap(s: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in s.split_whitespace() {
        let last = lines.last_mut().expect("one line");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    if lines.len() > max {
        lines.truncate(max);
        lines[max - 1].push('…');
    }
    lines
}

/// SVG text: `x y size fill` then optional extra attributes.
fn text(o: &mut String, x: u32, y: u32, size: &str, fill: &str, extra: &str, s: &str) {
    let _ = writeln!(
        o,
        r#"<text x="{x}" y="{y}" font-size="{size}" fill="{fill}"{extra}>{}</text>"#,
        esc(s)
    );
}

/// A record chip at (x, y), 40×22: the id on its identity colour, a stripe on the left.
fn chip(o: &mut String, x: u32, y: u32, record: &str, style: &str) {
    let hue = HUES[record_index(record).map(|i| i % 8).unwrap_or(7)];
    let (fill, dash, opacity) = match style {
        "filled" => (format!(r#"{hue}" fill-opacity="0.25"#), "", "1"),
        "dashed" => ("#ffffff".to_string(), r#" stroke-dasharray="3 2""#, "0.45"),
        "faint" => ("#ffffff".to_string(), "", "0.55"),
        _ => ("#ffffff".to_string(), r#" stroke-dasharray="3 2""#, "1"),
    };
    let _ = writeln!(
        o,
        r##"<g opacity="{opacity}"><rect x="{x}" y="{y}" width="40" height="22" rx="5" fill="#ffffff"/><rect x="{x}" y="{y}" width="40" height="22" rx="5" fill="{fill}" stroke="{hue}"{dash}/><rect x="{x}" y="{y}" width="4" height="22" fill="{hue}"/>"##
    );
    text(
        o,
        x + 22,
        y + 15,
        "12",
        INK,
        r#" text-anchor="middle" font-family="monospace" font-weight="700""#,
        record,
    );
    o.push_str("</g>\n");
}

/// One box: frame, title and description; returns the y where its body starts.
fn frame(o: &mut String, x: u32, (title, desc): (String, String)) -> u32 {
    let _ = writeln!(
        o,
        r##"<rect x="{x}" y="76" width="280" height="300" rx="10" fill="#f7f8fa" stroke="{LINE}"/>"##
    );
    text(o, x + 12, 100, "14", INK, r#" font-weight="700""#, &title);
    let mut y = 100;
    for l in wrap(&desc, 44, 2) {
        y += 15;
        text(o, x + 12, y, "11", MUTED, "", &l);
    }
    y + 22
}

/// `key … value` lines at the bottom of a box.
fn facts(o: &mut String, x: u32, facts: &[(String, String, &str)]) {
    let mut y = 372 - 16 * facts.len() as u32;
    for (k, v, color) in facts {
        y += 16;
        let _ = writeln!(
            o,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{LINE}" stroke-dasharray="2 2"/>"#,
            x + 12,
            y - 12,
            x + 268,
            y - 12
        );
        text(o, x + 12, y, "11", color, "", k);
        text(
            o,
            x + 268,
            y,
            "11",
            color,
            r#" text-anchor="end" font-family="monospace" font-weight="700""#,
            v,
        );
    }
}

/// A standalone SVG (960×540, 16:9) of the pipeline at the playback cursor: source,
/// engine/checkpoint and sink with their record chips and statuses, the narration, and the
/// run's guarantee and result.
pub fn svg(s: &Session) -> String {
    let sc = s.scenario();
    let pb = &s.playback;
    let v = pb.view();
    let e = pb.event();
    let o = &s.run().outcome;
    let tick = e.map(|e| e.tick).unwrap_or(0);
    let instance = e.map(|e| e.instance).unwrap_or(1);
    let mut out = String::with_capacity(16 * 1024);
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif">"##
    );
    let title = s.title();
    let _ = writeln!(
        out,
        r##"<title>crashcourse: {}</title>
<rect width="{W}" height="{H}" fill="#ffffff"/>
<rect x="24" y="18" width="24" height="24" rx="6" fill="#d55e00"/>"##,
        esc(&title)
    );
    text(
        &mut out,
        36,
        35,
        "14",
        "#ffffff",
        r#" text-anchor="middle" font-weight="700""#,
        "✕",
    );
    text(&mut out, 58, 36, "19", INK, r#" font-weight="700""#, &title);
    let mut sub = format!("Step {} of {}", pb.cursor + 1, pb.len());
    if let Some(e) = e {
        let _ = write!(sub, " · tick {tick} · instance {instance}");
        if let Some(b) = batch_words(e, s.scenario()) {
            let _ = write!(sub, " · {b}");
        }
    }
    text(&mut out, 58, 56, "12", MUTED, "", &sub);
    // The guarantee badge, top right.
    let (g_fill, g_ink) = match o.guarantee.name() {
        "exactly-once" => ("#009e73", OK),
        "at-least-once" => ("#e69f00", DUP),
        "at-most-once" => ("#d55e00", MISSING),
        _ => ("#cc79a7", "#8a3b66"),
    };
    let label = guarantee_label(o);
    let bw = 24 + 8 * label.chars().count() as u32;
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="18" width="{bw}" height="28" rx="14" fill="{g_fill}" fill-opacity="0.14" stroke="{g_ink}" stroke-width="2"/>"#,
        W - 24 - bw
    );
    text(
        &mut out,
        W - 24 - bw / 2,
        37,
        "14",
        g_ink,
        r#" text-anchor="middle" font-weight="700""#,
        &label,
    );
    text(
        &mut out,
        W - 30 - bw,
        37,
        "11",
        MUTED,
        r#" text-anchor="end""#,
        "GUARANTEE",
    );
    for x in [322, 638] {
        text(
            &mut out,
            x,
            232,
            "24",
            MUTED,
            r#" text-anchor="middle""#,
            "→",
        );
    }

    // Source.
    let mut y = frame(&mut out, 24, source_title(sc));
    let entries = source_entries(sc);
    let read_to = v.positions.get(&instance).copied();
    let log = matches!(sc.source, engine::scenario::Source::Log { .. });
    let shown = entries.len().min(20);
    for (i, en) in entries.iter().take(shown).enumerate() {
        let p = i as u64;
        let (x, yy) = (38 + (i as u32 % 5) * 52, y + (i as u32 / 5) * 38);
        let committed = (log && v.committed.is_some_and(|c| p < c)) || v.acked.contains(&p);
        let leased = v.leased.get(&p).is_some_and(|u| *u > tick);
        let read = read_to.is_some_and(|r| p < r);
        let style = if en.arrival > tick {
            "dashed"
        } else if read || committed || leased {
            "filled"
        } else {
            "faint"
        };
        chip(&mut out, x, yy, &en.record, style);
        let mark = if committed {
            " ✓"
        } else if leased {
            " ◷"
        } else {
            ""
        };
        text(
            &mut out,
            x + 20,
            yy + 33,
            "9",
            if committed { OK } else { MUTED },
            r#" text-anchor="middle""#,
            &format!("{p}{mark}"),
        );
    }
    if entries.len() > shown {
        text(
            &mut out,
            36,
            y + 4 * 38 + 12,
            "11",
            MUTED,
            "",
            &format!("+ {} more", entries.len() - shown),
        );
    }
    let mut f = vec![];
    if let Some(r) = read_to {
        f.push((
            format!("read position (instance {instance})"),
            r.to_string(),
            MUTED,
        ));
    }
    if log {
        let c = v
            .committed
            .map(|c| c.to_string())
            .unwrap_or("none yet".into());
        f.push(("committed position".into(), c, OK));
    }
    if !log && !matches!(sc.source, engine::scenario::Source::Socket) {
        f.push((
            "acked".into(),
            format!("{} of {}", v.acked.len(), entries.len()),
            OK,
        ));
    }
    f.push(("tick".into(), tick.to_string(), MUTED));
    facts(&mut out, 24, &f);

    // Engine / checkpoint.
    y = frame(&mut out, 340, engine_title(sc));
    let mut lines: Vec<(String, &str)> = Vec::new();
    match &sc.engine {
        engine::scenario::Engine::MicroBatch => {
            let ids = v.checkpoint_batches();
            for b in ids {
                let off = v.offset_log.get(&b).map_or("—".to_string(), |o| {
                    format!("offsets/{b} [{}, {})", o.start, o.end)
                });
                let done = v.commit_log.contains(&b);
                let c = if done {
                    format!("commits/{b}")
                } else {
                    "no commit yet".into()
                };
                lines.push((format!("{off:<18} {c}"), if done { INK } else { DUP }));
            }
        }
        engine::scenario::Engine::Flink | engine::scenario::Engine::Beam { .. } => {
            let what = if matches!(sc.engine, engine::scenario::Engine::Flink) {
                "checkpoint"
            } else {
                "bundle"
            };
            for (ep, p) in &v.checkpoints {
                lines.push((format!("{what} {ep} → resume at {p}"), INK));
            }
        }
        engine::scenario::Engine::Consumer { .. } => lines.push((
            match v.committed {
                Some(c) => format!("committed: {c}"),
                None => format!("{} acked", v.acked.len()),
            },
            INK,
        )),
    }
    text(
        &mut out,
        352,
        y,
        "11",
        MUTED,
        "",
        "checkpoint / durable progress",
    );
    if lines.is_empty() {
        lines.push(("empty".into(), MUTED));
    }
    let skip = lines.len().saturating_sub(9);
    for (i, (l, c)) in lines.iter().skip(skip).enumerate() {
        text(
            &mut out,
            352,
            y + 18 + 17 * i as u32,
            "11.5",
            c,
            r#" font-family="monospace" xml:space="preserve""#,
            l,
        );
    }
    let mut f = vec![];
    if v.deletions > 0 {
        f.push((
            "checkpoint deleted".into(),
            format!("{}×", v.deletions),
            MISSING,
        ));
    }
    f.push((
        "restarts so far".into(),
        v.instances.saturating_sub(1).to_string(),
        MUTED,
    ));
    facts(&mut out, 340, &f);

    // Sink.
    y = frame(&mut out, 656, sink_title(sc));
    let rows: Vec<_> = v.rows.values().collect();
    let shown = rows.len().min(24);
    for (i, r) in rows.iter().take(shown).enumerate() {
        let (x, yy) = (670 + (i as u32 % 4) * 64, y + (i as u32 / 4) * 30);
        let stale = r.table != v.table_resets;
        let (style, icon, color) = match r.status {
            _ if stale => ("dashed", "⌀", MUTED),
            RowStatus::Visible => ("filled", "✓", OK),
            RowStatus::Pending => ("pending", "◌", PENDING),
            RowStatus::Aborted => ("dashed", "✕", MUTED),
        };
        if r.event == pb.cursor {
            let _ = writeln!(
                out,
                r#"<rect x="{}" y="{}" width="44" height="26" rx="7" fill="none" stroke="{ACCENT}" stroke-width="2"/>"#,
                x - 2,
                yy - 2
            );
        }
        chip(&mut out, x, yy, &r.record, style);
        text(
            &mut out,
            x + 46,
            yy + 16,
            "13",
            color,
            r#" font-weight="700""#,
            icon,
        );
    }
    if rows.is_empty() {
        text(&mut out, 668, y + 12, "11", MUTED, "", "no rows yet");
    } else if rows.len() > shown {
        text(
            &mut out,
            668,
            y + 6 * 30 + 12,
            "11",
            MUTED,
            "",
            &format!("+ {} more rows", rows.len() - shown),
        );
    }
    let counted = rows.iter().filter(|r| r.counted(v.table_resets)).count();
    facts(
        &mut out,
        656,
        &[
            ("rows written".into(), rows.len().to_string(), MUTED),
            ("seen by the reader".into(), counted.to_string(), OK),
        ],
    );

    // Narration.
    let fault = e.is_some_and(|e| {
        matches!(
            e.kind,
            engine::EventKind::Fault | engine::EventKind::DeleteCheckpoint
        )
    });
    let _ = writeln!(
        out,
        r##"<rect x="24" y="392" width="912" height="96" rx="10" fill="#ffffff" stroke="{LINE}"/>
<rect x="24" y="392" width="6" height="96" fill="{}"/>"##,
        if fault { "#d55e00" } else { ACCENT }
    );
    if let Some(e) = e {
        text(
            &mut out,
            44,
            412,
            "11",
            INK,
            r#" font-weight="700" letter-spacing="0.5""#,
            &kind_words(e, sc).to_ascii_uppercase(),
        );
        for (i, l) in wrap(&e.text, 104, 3).iter().enumerate() {
            text(&mut out, 44, 434 + 20 * i as u32, "15", INK, "", l);
        }
    }

    // The run's result.
    let n = sc.workload.records as usize;
    let (dup, missing) = (o.duplicated.0.len(), o.missing.0.len());
    let ids = |v: &mut dyn Iterator<Item = usize>| {
        let all: Vec<String> = v.map(engine::scenario::record_id).collect();
        if all.is_empty() {
            String::new()
        } else if all.len() > 6 {
            format!(" ({} …)", all[..6].join(", "))
        } else {
            format!(" ({})", all.join(", "))
        }
    };
    let parts = [
        (format!("✓ {} once", n.saturating_sub(dup + missing)), OK),
        (
            format!(
                "❐ {dup} duplicated{}",
                ids(&mut o.duplicated.0.iter().map(|(i, _)| *i))
            ),
            if dup > 0 { DUP } else { MUTED },
        ),
        (
            format!(
                "✕ {missing} missing{}",
                ids(&mut o.missing.0.iter().copied())
            ),
            if missing > 0 { MISSING } else { MUTED },
        ),
    ];
    text(
        &mut out,
        24,
        512,
        "12",
        MUTED,
        r#" font-weight="700""#,
        "THIS RUN",
    );
    let mut x = 92;
    for (t, c) in parts {
        text(&mut out, x, 512, "14", c, r#" font-weight="700""#, &t);
        x += 24 + 8 * t.chars().count() as u32;
    }
    let reason = wrap(&o.guarantee_reason, 150, 1);
    text(&mut out, 24, 531, "11", MUTED, "", &reason[0]);
    out.push_str("</svg>\n");
    out
}

// ---------------------------------------------------------------------------------------
// Browser side.

/// Run `ok` or `err` when `promise` settles.
fn settle(
    promise: &web_sys::js_sys::Promise,
    ok: impl FnOnce(JsValue) + 'static,
    err: impl FnOnce(JsValue) + 'static,
) {
    let (ok, err) = (Closure::once(ok), Closure::once(err));
    let _ = promise.then2(&ok, &err);
    // One of them never runs: both are left to the JS garbage collector.
    ok.forget();
    err.forget();
}

/// Copy `text` to the clipboard; `done(false)` if the browser refuses.
pub fn copy(text: &str, done: Callback<bool>) {
    match web_sys::window().map(|w| w.navigator().clipboard()) {
        Some(c) if !c.is_undefined() => {
            let d = done.clone();
            settle(
                &c.write_text(text),
                move |_| d.emit(true),
                move |_| done.emit(false),
            );
        }
        _ => done.emit(false),
    }
}

/// Offer `text` as a file download named `name`.
pub fn download(name: &str, mime: &str, text: &str) {
    let blob = gloo::file::Blob::new_with_options(text, Some(mime));
    let url = gloo::file::ObjectUrl::from(blob);
    let document = gloo::utils::document();
    if let Some(a) = document
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", name);
        let _ = gloo::utils::body().append_child(&a);
        a.click();
        a.remove();
    }
    // Keep the object URL until the download has surely started.
    gloo::timers::callback::Timeout::new(60_000, move || drop(url)).forget();
}

/// Read a file as text; `Err` with a sentence if it cannot be read.
pub fn read_file(file: &web_sys::File, done: Callback<Result<String, String>>) {
    let d = done.clone();
    settle(
        &file.text(),
        move |v| d.emit(v.as_string().ok_or_else(|| "the file is not text".into())),
        move |_| done.emit(Err("the browser could not read the file".into())),
    );
}
