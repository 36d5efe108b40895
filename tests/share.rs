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

    /// Any bytes, random or repetitive, come back from a standard inflater unchanged.
    #[test]
    fn deflate_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..3000), alphabet in 1u8..20, reps in 0usize..4000) {
        let repetitive: Vec<u8> = bytes.iter().map(|b| b % alphabet).chain(std::iter::repeat_n(b'x', reps)).collect();
        for data in [&bytes, &repetitive] {
            let packed = crashcourse::deflate::compress(data);
            prop_assert_eq!(&miniz_oxide::inflate::decompress_to_vec(&packed).unwrap(), data);
        }
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

/// Links stay short: the small fixed-Huffman encoder is within a few bytes of a full
/// DEFLATE compressor (miniz level 10) on every preset and on random scenarios, and a
/// standard inflater (the one that also reads links of earlier versions) reads it.
#[test]
fn links_are_as_short_as_full_deflate() {
    use base64::Engine as _;
    let mut scenarios: Vec<_> = crashcourse::presets::presets()
        .into_iter()
        .map(|p| engine::parse_scenario(p.scenario_json).unwrap())
        .collect();
    scenarios.extend((0..300).map(|seed| gen::random_scenario(seed, &gen::GenLimits::default())));
    let (mut ours, mut full) = (0, 0);
    for sc in &scenarios {
        let link = share::encode(sc, Some(12));
        let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&link[3..])
            .unwrap();
        let json = miniz_oxide::inflate::decompress_to_vec(&packed).unwrap();
        let reference = miniz_oxide::deflate::compress_to_vec(&json, 10);
        assert!(
            packed.len() <= reference.len() + 4,
            "{} bytes against {} for {}",
            packed.len(),
            reference.len(),
            String::from_utf8_lossy(&json)
        );
        ours += packed.len();
        full += reference.len();
    }
    assert!(
        ours * 100 <= full * 101,
        "{ours} bytes in all against {full}"
    );
    eprintln!(
        "{} scenarios: {ours} bytes deflated here, {full} by miniz level 10",
        scenarios.len()
    );
}
