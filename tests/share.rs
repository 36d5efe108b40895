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

    /// The link alphabet's codec agrees with the `base64` crate's `URL_SAFE_NO_PAD`: the
    /// same text, the same bytes back, and the same error for anything else.
    #[test]
    fn base64url_matches_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..40), text in "[A-Za-z0-9_=*+/-]{0,12}") {
        use base64::Engine as _;
        let reference = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        prop_assert_eq!(crashcourse::base64url::encode(&bytes), reference.encode(&bytes));
        let coded = reference.encode(&bytes);
        prop_assert_eq!(crashcourse::base64url::decode(&coded), Ok(bytes));
        prop_assert_eq!(
            crashcourse::base64url::decode(&text),
            reference.decode(text.trim_end_matches('=')).map_err(|e| e.to_string())
        );
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

/// Links are a public format: the same scenario gives the same link in every version,
/// byte for byte (raw DEFLATE at miniz level 10, URL-safe base64). These two were written
/// by the hand-written encoder this crate had before it used miniz_oxide, and are still
/// what `encode` gives, so links made since then open in older versions and the other
/// way round.
#[test]
fn links_are_pinned_byte_for_byte() {
    let default = engine::parse_scenario(crashcourse::presets::presets()[0].scenario_json).unwrap();
    let three_faults = engine::parse_scenario(
        r#"{"version":1,"workload":{"records":12,"batch_size":3},"source":{"kind":"log"},
        "engine":{"kind":"consumer","commit_mode":"after"},"sink":{"kind":"append"},
        "faults":[{"kind":"crash","batch":1,"after":"sink_write"},{"kind":"crash","batch":2,"after":"sink_write"},
        {"kind":"crash","batch":3,"after":"read"}]}"#,
    )
    .unwrap();
    let cases = [
        (
            &default,
            None,
            "v1=TYuxDoAgDAX_5c0urvyMQWywQVsC6kL4d-nGdrnLNVS4BpLIQkaJ5YDDzaHotvsnnOgLKkuaqs-ZBljQt4R5vDSa_6hUVoFbe_8B",
        ),
        (
            &three_faults,
            Some(12),
            concat!(
                "v1=jZBLDoMwDETv4jWb0h1XqSqUJgYiSBw5pkhF3L0molIXVcVu_Jk3iVfI0KyAsfcRd2UpBC9tIKclmE6QoYLRR6el",
                "pZjnoJ2tgs7Mk6j5th5bDWQfx3ZhL6gWI4IhCTSXCh5G7FCUoyWKD1iKD5VNHhR5HlSfBTEa9xtx_Yu4V-UN-0GOgUkJVej",
                "HM81s8Ws0Ub_3n8jZUyy0hXicSLN1qwS22b-wpDJaYqeHu9SbulIRbw",
            ),
        ),
    ];
    for (sc, position, link) in cases {
        assert_eq!(share::encode(sc, position), link);
        let back = share::decode(link).unwrap();
        assert_eq!(&back.scenario, sc);
        assert_eq!(back.position, position);
    }
}
