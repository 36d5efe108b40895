//! Embed mode and the postMessage API, import and export, in headless Chromium:
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web_embed`
#![cfg(target_arch = "wasm32")]

use serde_json::{json, Value};
use wasm_bindgen_test::*;

use crashcourse::engine::{self, Fault, Step};
use crashcourse::presets;
use crashcourse::share;
use crashcourse::state::playback::PlayAction;
use crashcourse::state::session::{Act, Session};
use crashcourse::ui::embed::{
    act_for, iframe_snippet, inject_fault, load_scenario, origin_allowed, origin_of, outcome_event,
    parse_message, step_event, Msg, Options,
};
use crashcourse::ui::io;

wasm_bindgen_test_configure!(run_in_browser);

fn msg(v: Value) -> Result<Msg, String> {
    parse_message(&v)
}

const SPARK: &str = r#"{"version": 1, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}}"#;

#[wasm_bindgen_test]
fn query_options() {
    let o = Options::parse(
        "?embed=1&hide=builder,faults&lock=1&autoplay=true&step=12&speed=2&origin=https%3A%2F%2Fa.example,https://B.example:8443/",
    );
    assert!(o.embed && o.lock && o.autoplay);
    assert_eq!(o.hide, vec!["builder", "faults"]);
    assert_eq!(o.step, Some(12));
    assert_eq!(o.speed, Some(3)); // SPEEDS: ¼×, ½×, 1×, 2×, 4×
    assert_eq!(
        o.origins,
        vec!["https://a.example", "https://b.example:8443"]
    );
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);

    assert_eq!(Options::parse(""), Options::default());
    assert_eq!(
        Options::parse("?utm_source=x").warnings,
        Vec::<String>::new()
    );
    assert_eq!(Options::parse("speed=0.25").speed, Some(0));
    assert_eq!(Options::parse("speed=4x").speed, Some(4));
    assert!(Options::parse("embed").embed);
    assert_eq!(Options::parse("origin=*").origins, vec!["*"]);

    let bad = Options::parse(
        "embed=maybe&step=-1&speed=3&hide=header&origin=ftp://x,https://a.example/path",
    );
    assert!(!bad.embed);
    assert_eq!(bad.step, None);
    assert_eq!(bad.speed, None);
    assert!(bad.hide.is_empty() && bad.origins.is_empty());
    assert_eq!(bad.warnings.len(), 6, "{:?}", bad.warnings);
    assert!(bad.warnings[0].starts_with("embed=maybe"));
}

#[wasm_bindgen_test]
fn origins() {
    let own = "http://127.0.0.1:8080";
    assert!(origin_allowed(own, own, &[]));
    assert!(!origin_allowed("https://evil.example", own, &[]));
    let list = vec!["https://a.example".to_string()];
    assert!(origin_allowed("https://a.example", own, &list));
    assert!(origin_allowed(own, own, &list));
    assert!(!origin_allowed("https://a.example.evil", own, &list));
    assert!(!origin_allowed("null", own, &list));
    assert!(origin_allowed("https://x.example", own, &["*".to_string()]));

    assert_eq!(
        origin_of("https://Course.example:8443/week/1?x#y").as_deref(),
        Some("https://course.example:8443")
    );
    assert_eq!(origin_of("about:blank"), None);
    assert_eq!(origin_of(""), None);
}

#[wasm_bindgen_test]
fn valid_messages() {
    assert_eq!(
        msg(json!({"crashcourse": 1, "type": "play"})),
        Ok(Msg::Play)
    );
    assert_eq!(
        msg(json!({"crashcourse": 1, "type": "pause"})),
        Ok(Msg::Pause)
    );
    assert_eq!(
        msg(json!({"crashcourse": 1, "type": "step"})),
        Ok(Msg::Step { back: false })
    );
    assert_eq!(
        msg(json!({"crashcourse": 1, "type": "step", "direction": "back"})),
        Ok(Msg::Step { back: true })
    );
    assert_eq!(
        msg(json!({"crashcourse": 1, "type": "seek", "index": 7})),
        Ok(Msg::Seek(7))
    );
    let sc = json!({"version": 1});
    assert_eq!(
        msg(json!({"crashcourse": 1, "type": "load", "scenario": sc, "step": 3})),
        Ok(Msg::Load {
            scenario: Some(sc.clone()),
            preset: None,
            step: Some(3)
        })
    );
    assert_eq!(
        msg(json!({"crashcourse": 1, "type": "load", "preset": "spark-upsert"})),
        Ok(Msg::Load {
            scenario: None,
            preset: Some("spark-upsert".into()),
            step: None
        })
    );
    let f = json!({"kind": "crash", "batch": 1, "after": "sink_write"});
    assert_eq!(
        msg(json!({"crashcourse": 1, "type": "inject", "fault": f})),
        Ok(Msg::Inject(f.clone()))
    );
}

#[wasm_bindgen_test]
fn malformed_messages_say_why() {
    let cases = [
        (json!("hello"), "expected a JSON object"),
        (json!(null), "expected a JSON object"),
        (json!({"type": "play"}), "\"crashcourse\": required"),
        (
            json!({"crashcourse": 2, "type": "play"}),
            "protocol version 2",
        ),
        (
            json!({"crashcourse": "1", "type": "play"}),
            "protocol version \"1\"",
        ),
        (json!({"crashcourse": 1}), "\"type\": required"),
        (json!({"crashcourse": 1, "type": 5}), "\"type\": required"),
        (
            json!({"crashcourse": 1, "type": "rewind"}),
            "unknown type \"rewind\"",
        ),
        (
            json!({"crashcourse": 1, "type": "play", "speed": 2}),
            "\"speed\": not a field of a \"play\" message",
        ),
        (
            json!({"crashcourse": 1, "type": "seek"}),
            "\"index\": required",
        ),
        (
            json!({"crashcourse": 1, "type": "seek", "index": -1}),
            "\"index\": expected an event index",
        ),
        (
            json!({"crashcourse": 1, "type": "seek", "index": 1.5}),
            "\"index\": expected an event index",
        ),
        (
            json!({"crashcourse": 1, "type": "seek", "index": "3"}),
            "\"index\": expected an event index",
        ),
        (
            json!({"crashcourse": 1, "type": "step", "direction": "up"}),
            "\"direction\": expected",
        ),
        (
            json!({"crashcourse": 1, "type": "load"}),
            "needs \"scenario\" or \"preset\"",
        ),
        (
            json!({"crashcourse": 1, "type": "load", "scenario": {}, "preset": "x"}),
            "needs \"scenario\" or \"preset\"",
        ),
        (
            json!({"crashcourse": 1, "type": "load", "scenario": "{}"}),
            "\"scenario\": expected a JSON object",
        ),
        (
            json!({"crashcourse": 1, "type": "load", "preset": 3}),
            "\"preset\": expected a preset id",
        ),
        (
            json!({"crashcourse": 1, "type": "load", "preset": "x", "step": "a"}),
            "\"step\": expected an event index",
        ),
        (
            json!({"crashcourse": 1, "type": "inject"}),
            "\"fault\": required",
        ),
        (
            json!({"crashcourse": 1, "type": "inject", "fault": [1]}),
            "\"fault\": required",
        ),
    ];
    for (data, want) in cases {
        match msg(data.clone()) {
            Err(e) => assert!(e.contains(want), "{data}: {e:?} should contain {want:?}"),
            Ok(m) => panic!("{data} was accepted as {m:?}"),
        }
    }
}

#[wasm_bindgen_test]
fn load_uses_the_engines_messages() {
    let bad = json!({"version": 1, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "apend"}});
    let want = engine::parse_value(&bad).unwrap_err().to_string();
    assert!(want.starts_with("sink.kind: "), "{want}");
    assert_eq!(load_scenario(&bad).unwrap_err(), want);
    let big = json!({"version": 1, "workload": {"records": 5000}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}});
    assert!(load_scenario(&big)
        .unwrap_err()
        .starts_with("workload.records:"));
    let ok: Value = serde_json::from_str(SPARK).unwrap();
    assert_eq!(load_scenario(&ok).unwrap().workload.records, 10);
}

#[wasm_bindgen_test]
fn inject_is_validated_as_the_next_fault() {
    let s = engine::parse_scenario(SPARK).unwrap();
    let f = inject_fault(
        &s,
        &json!({"kind": "crash", "batch": 1, "after": "sink_write"}),
    )
    .unwrap();
    assert_eq!(
        f,
        Fault::Crash {
            batch: 1,
            attempt: 1,
            after: Step::SinkWrite,
            downtime: 1
        }
    );
    let e = inject_fault(
        &s,
        &json!({"kind": "crash", "batch": 1, "after": "sinkwrite"}),
    )
    .unwrap_err();
    assert!(e.starts_with("fault.after: "), "{e}");
    let e = inject_fault(&s, &json!({"kind": "explode"})).unwrap_err();
    assert!(e.starts_with("fault.kind: "), "{e}");
    // A step this engine does not have (semantics: consumer steps only).
    let e = inject_fault(
        &s,
        &json!({"kind": "crash", "batch": 0, "after": "source_commit"}),
    )
    .unwrap_err();
    assert!(e.contains("fault"), "{e}");
}

#[wasm_bindgen_test]
fn messages_drive_the_session() {
    let s = Session::new(None);
    // seek: inside the run, or an error naming the range.
    assert_eq!(
        act_for(Msg::Seek(3), &s),
        Ok(Act::Play(PlayAction::Seek(3)))
    );
    let e = act_for(Msg::Seek(10_000), &s).unwrap_err();
    assert!(e.starts_with("index: 10000 is past the last event"), "{e}");
    assert_eq!(act_for(Msg::Play, &s), Ok(Act::Play(PlayAction::Play)));
    assert_eq!(
        act_for(Msg::Step { back: true }, &s),
        Ok(Act::Play(PlayAction::StepBack))
    );

    // inject: a crash after batch 1's sink write duplicates r2 and r3.
    let act = act_for(
        Msg::Inject(json!({"kind": "crash", "batch": 1, "after": "sink_write"})),
        &s,
    )
    .unwrap();
    let s2 = s.apply(act);
    assert_eq!(s2.scenario().faults.len(), 1);
    let o = outcome_event(&s2);
    assert_eq!(o["type"], "outcome");
    assert_eq!(o["crashcourse"], 1);
    assert_eq!(o["guarantee"], "at-least-once");
    assert_eq!(o["duplicated"], json!({"r2": 2, "r3": 2}));
    assert_eq!(o["missing"], json!([]));
    // The cursor sits on the crash, and `step` says so.
    let st = step_event(&s2);
    assert_eq!(st["type"], "step");
    assert_eq!(st["kind"], "fault");
    assert_eq!(st["index"], json!(s2.playback.cursor));
    assert_eq!(st["narration"], json!(s2.playback.event().unwrap().text));

    // load: opens the scenario at the asked step (a re-run even if unchanged).
    let sc: Value = serde_json::from_str(SPARK).unwrap();
    let act = act_for(
        Msg::Load {
            scenario: Some(sc),
            preset: None,
            step: Some(5),
        },
        &s2,
    )
    .unwrap();
    let Act::OpenLink(link) = &act else {
        panic!("{act:?}")
    };
    assert_eq!(share::decode(link).unwrap().position, Some(5));
    let s3 = s2.apply(act);
    assert_eq!(s3.playback.cursor, 5);
    assert!(s3.scenario().faults.is_empty());

    let e = act_for(
        Msg::Load {
            scenario: None,
            preset: Some("nope".into()),
            step: None,
        },
        &s3,
    )
    .unwrap_err();
    assert!(e.contains("no preset named \"nope\""), "{e}");
}

#[wasm_bindgen_test]
fn import_reads_scenarios_and_traces() {
    let current = engine::parse_scenario(SPARK).unwrap();
    // Invalid files get the CLI's messages.
    let e = io::import("{\"version\": 1,", &current).unwrap_err();
    assert_eq!(
        e,
        engine::parse_scenario("{\"version\": 1,")
            .unwrap_err()
            .to_string()
    );
    assert!(e.starts_with("(root): not valid JSON"), "{e}");
    let typo = r#"{"version": 1, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}, "workload": {"batchsize": 2}}"#;
    let e = io::import(typo, &current).unwrap_err();
    assert_eq!(e, engine::parse_scenario(typo).unwrap_err().to_string());
    assert!(e.starts_with("workload.batchsize: unknown field"), "{e}");

    // A scenario file.
    let (s, _) = io::import(SPARK, &current).unwrap();
    assert_eq!(s, current);
    assert_eq!(io::import(&io::scenario_json(&s), &current).unwrap().0, s);

    // trace.json round trip.
    let mut crashed = current.clone();
    crashed.faults.push(Fault::Crash {
        batch: 1,
        attempt: 1,
        after: Step::SinkWrite,
        downtime: 1,
    });
    let run = engine::run(&crashed);
    let (back, note) = io::import(&io::trace_json(&crashed, &run), &current).unwrap();
    assert_eq!(back, crashed);
    assert!(note.contains("matches"), "{note}");
    // A trace file whose scenario is invalid names the field under "scenario.".
    let e = io::import(r#"{"scenario": {"version": 2}, "trace": []}"#, &current).unwrap_err();
    assert_eq!(e, "scenario.version: must be 1");

    // The CLI's trace lines: found among the presets.
    let p = presets::preset("spark-upsert").unwrap();
    let ps = engine::parse_scenario(p.scenario_json).unwrap();
    let lines: String = engine::run(&ps)
        .trace
        .iter()
        .map(|e| serde_json::to_string(e).unwrap() + "\n")
        .collect();
    let (found, _) = io::import(&lines, &current).unwrap();
    assert_eq!(found, ps);
    // … or not: they carry no scenario.
    let odd: String = lines.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let e = io::import(&odd, &current).unwrap_err();
    assert!(e.contains("carry no scenario"), "{e}");
}

#[wasm_bindgen_test]
fn svg_snapshot_is_standalone() {
    // The default session (Spark into a plain INSERT table) at its last step, without and
    // with a crash after event 9: batch 1's sink write of r2, r3.
    let clean = Session::new(None).apply(Act::Play(PlayAction::Last));
    let base = Session::new(None);
    assert_eq!(
        base.crash_point(9),
        Ok(Fault::Crash {
            batch: 1,
            attempt: 1,
            after: Step::SinkWrite,
            downtime: 1
        })
    );
    let crashed = base
        .apply(Act::CrashAt(9))
        .apply(Act::Play(PlayAction::Last));
    assert_eq!(crashed.scenario().faults.len(), 1, "the crash was applied");

    for s in [&clean, &crashed] {
        let svg = io::svg(s);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(">r0<"));
        assert_eq!(svg.matches("<g ").count(), svg.matches("</g>").count());
        assert_eq!(
            svg.matches("<text ").count(),
            svg.matches("</text>").count()
        );
        assert!(!svg.contains("<script"));
        // The guarantee is the configuration's: at-least-once either way (the badge's ink
        // is the duplicate colour), with its reason.
        assert!(
            svg.contains(
                r##"fill="#7d5200" text-anchor="middle" font-weight="700">at-least-once</text>"##
            ),
            "{svg}"
        );
        assert!(svg.contains("an append sink inserts a re-run batch again"));
        assert!(!svg.contains("exactly-once") && !svg.contains("at-most-once"));
    }

    let (a, b) = (io::svg(&clean), io::svg(&crashed));
    assert_ne!(a, b);
    let facts = |svg: &str| -> Vec<String> {
        // A fact's value is the bold `<text>` right after its name.
        ["rows written", "seen by the reader", "restarts so far"]
            .iter()
            .map(|name| {
                let at = svg.find(&format!(">{name}</text>")).expect(name);
                let rest = &svg[at..];
                let v = rest.find(r#"font-weight="700">"#).expect("its value") + 18;
                format!(
                    "{name}: {}",
                    &rest[v..v + rest[v..].find("</text>").unwrap()]
                )
            })
            .collect()
    };
    let run = |svg: &str| -> Vec<String> {
        // The "THIS RUN" line: once, duplicated, missing.
        ["✓ ", "❐ ", "✕ "]
            .iter()
            .map(|m| {
                let at = svg.find(&format!(">{m}")).expect(m) + 1;
                svg[at..at + svg[at..].find("</text>").unwrap()].to_string()
            })
            .collect()
    };

    // Without the crash: ten rows, each record once, nothing restarted.
    assert_eq!(
        facts(&a),
        [
            "rows written: 10",
            "seen by the reader: 10",
            "restarts so far: 0"
        ]
    );
    assert_eq!(
        a.matches(">r2<").count(),
        2,
        "r2: a source chip and one row"
    );
    assert_eq!(run(&a), ["✓ 10 once", "❐ 0 duplicated", "✕ 0 missing"]);
    assert!(a.contains(r##"fill="#596275" font-weight="700">❐ 0 duplicated</text>"##));

    // With it: batch 1 ran again, so r2 and r3 have a second row, marked duplicated.
    assert_eq!(
        facts(&b),
        [
            "rows written: 12",
            "seen by the reader: 12",
            "restarts so far: 1"
        ]
    );
    assert_eq!(
        b.matches(">r2<").count(),
        3,
        "r2: a source chip and two rows"
    );
    assert_eq!(
        b.matches(">r3<").count(),
        3,
        "r3: a source chip and two rows"
    );
    assert_eq!(b.matches(">r4<").count(), 2, "r4: once");
    assert_eq!(
        run(&b),
        ["✓ 8 once", "❐ 2 duplicated (r2, r3)", "✕ 0 missing"]
    );
    assert!(
        b.contains(r##"fill="#7d5200" font-weight="700">❐ 2 duplicated (r2, r3)</text>"##),
        "the duplicates in the duplicate colour"
    );
    let steps = |svg: &str, s: &Session| {
        assert!(svg.contains(&format!(">Step {n} of {n} ·", n = s.playback.len())));
        s.playback.len()
    };
    assert!(
        steps(&b, &crashed) > steps(&a, &clean),
        "the crashed run is longer"
    );
}

#[wasm_bindgen_test]
fn embed_code_reopens_the_chosen_view_options() {
    let o = Options {
        embed: true,
        lock: true,
        autoplay: true,
        hide: vec!["faults".into(), "code".into()],
        ..Options::default()
    };
    assert_eq!(o.query(), "?embed=1&lock=1&autoplay=1&hide=faults,code");
    assert_eq!(Options::parse(&o.query()), o);
    assert_eq!(Options::default().query(), "");
    let present = Options {
        present: true,
        ..Options::default()
    };
    assert_eq!(Options::parse(&present.query()), present);

    let s = Session::new(None).apply(Act::CrashAt(9));
    let snippet = iframe_snippet(
        "https://courses.example/cc/",
        &s.fragment(true),
        "Kafka \"log\" → <append>",
        &o,
    );
    let src = format!(
        "src=\"https://courses.example/cc/?embed=1&amp;lock=1&amp;autoplay=1&amp;hide=faults,code#{}\"",
        s.fragment(true)
    );
    assert!(snippet.starts_with("<iframe\n"), "{snippet}");
    assert!(snippet.contains(&src), "{snippet}");
    assert!(
        snippet.contains("width=\"800\" height=\"450\""),
        "{snippet}"
    );
    assert!(
        snippet.contains("title=\"crashcourse: Kafka &quot;log&quot; → &lt;append&gt;\""),
        "{snippet}"
    );
    // The fragment is the crashed session's: opening it restores the crash.
    let f = s.fragment(true);
    assert_ne!(f, Session::new(None).fragment(true));
}
