//! Share links and exports: scenario → link → scenario is the identity; any damaged
//! link gives a clear error and never a panic; Mermaid export shape.
#![cfg(not(target_arch = "wasm32"))]

use crashcourse::engine::{self, gen};
use crashcourse::{export, share};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn link_round_trip_is_identity(seed in any::<u64>(), pos in proptest::option::of(0usize..5000)) {
        let sc = gen::random_scenario(seed, &gen::GenLimits::default());
        let link = share::encode(&sc, pos);
        let back = share::decode(&link).expect("own link decodes");
        prop_assert_eq!(back.scenario, sc);
        prop_assert_eq!(back.position, pos);
    }

    #[test]
    fn random_strings_never_panic(s in ".{0,300}") {
        if let Err(e) = share::decode(&s) {
            prop_assert!(!e.0.is_empty());
        }
    }

    #[test]
    fn mutated_links_never_panic(seed in any::<u64>(), at in any::<usize>(), c in proptest::char::range('-', 'z'), cut in any::<bool>()) {
        let sc = gen::random_scenario(seed, &gen::GenLimits::default());
        let link = share::encode(&sc, None);
        let mut chars: Vec<char> = link.chars().collect();
        let i = 3 + at % (chars.len() - 3);
        if cut { chars.truncate(i); } else { chars[i] = c; }
        let bad: String = chars.into_iter().collect();
        match share::decode(&bad) {
            Ok(s) => { let _ = engine::run_outcome(&s.scenario); }
            Err(e) => prop_assert!(!e.0.is_empty()),
        }
    }
}

#[test]
fn every_preset_link_is_at_most_300_characters() {
    let presets = crashcourse::presets::presets();
    assert!(!presets.is_empty());
    for p in presets {
        let sc = engine::parse_scenario(p.scenario_json).expect("preset is valid");
        let link = share::encode(&sc, Some(123));
        assert!(link.len() <= 300, "preset {}: {} chars", p.id, link.len());
    }
}

#[test]
fn future_and_foreign_links_say_what_is_wrong() {
    assert!(share::decode("#v9=abc")
        .unwrap_err()
        .0
        .contains("newer crashcourse"));
    assert!(share::decode("#hello")
        .unwrap_err()
        .0
        .contains("not a crashcourse link"));
    assert!(share::decode("http://x/#")
        .unwrap_err()
        .0
        .contains("no scenario"));
}

#[test]
fn mermaid_marks_crash_restart_and_duplicates() {
    let sc = engine::parse_scenario(
        r#"{"version":1,"source":{"kind":"log"},"engine":{"kind":"micro_batch"},"sink":{"kind":"append"},
           "faults":[{"kind":"crash","batch":1,"after":"sink_write"}]}"#,
    )
    .expect("valid");
    let run = engine::run(&sc);
    let m = export::mermaid(&sc, &run);
    assert!(m.starts_with("sequenceDiagram\n"));
    assert!(m.contains("participant C as Checkpoint"));
    assert!(m.contains("💥 CRASH after sink_write"));
    assert!(m.contains("RESTART (process 2"));
    assert!(m.contains("duplicated r2×2, r3×2"));
    assert!(m.contains("E->>C: write offsets/1"));
    assert!(
        !m.lines().skip(1).any(|l| l.contains(';')),
        "no statement breaks"
    );
}
