//! The course text the browser fetches (`assets/content.json`) is exactly the text compiled
//! into the CLI, reads back to the same lessons, quiz and snippets, and a damaged or stale
//! file is refused with a message that names the problem.
#![cfg(not(target_arch = "wasm32"))]

use crashcourse::content::{self, builtin, parse, to_json, FORMAT};
use crashcourse::engine::gen::{random_scenario, GenLimits};
use crashcourse::engine::{self, Scenario};
use crashcourse::{lessons, presets, snippets};

const ASSET: &str = include_str!("../assets/content.json");

#[test]
fn the_committed_asset_is_the_built_in_text() {
    assert!(
        ASSET == to_json(&builtin()),
        "assets/content.json is stale: regenerate it with \
         `cargo run -- content > assets/content.json`"
    );
}

#[test]
fn the_asset_reads_back_to_the_built_in_text() {
    let c = parse(ASSET).expect("the asset parses");
    assert_eq!(c, builtin());
    assert_eq!(c.lessons.len(), lessons::lessons().len());
    assert_eq!(c.quiz.len(), lessons::quiz().len());
    assert_eq!(c.snippets.len(), snippets::snippets().len());
    assert!(c.lessons.len() >= 30 && c.quiz.len() >= 10 && c.snippets.len() >= 40);
}

#[test]
fn every_snippet_id_a_configuration_can_ask_for_exists() {
    let mut scenarios: Vec<Scenario> = presets::presets()
        .iter()
        .map(|p| engine::parse_scenario(p.scenario_json).expect("preset parses"))
        .collect();
    scenarios.extend(lessons::lessons().iter().map(lessons::scenario));
    scenarios.extend(lessons::quiz().iter().map(|q| q.scenario()));
    scenarios.extend((0..2_000).map(|seed| random_scenario(seed, &GenLimits::default())));
    for s in &scenarios {
        let ids = snippets::snippet_ids_for(s);
        assert!(!ids.is_empty(), "no snippet for {s:?}");
        for id in ids {
            assert!(snippets::snippet(id).is_some(), "unknown snippet id {id}");
        }
    }
    for l in lessons::lessons() {
        assert!(
            snippets::snippet(l.snippet).is_some(),
            "lesson {}: unknown snippet {}",
            l.id,
            l.snippet
        );
    }
}

/// The asset with one textual replacement, which must happen exactly once.
fn damaged(from: &str, to: &str) -> String {
    assert_eq!(ASSET.matches(from).count(), 1, "{from:?} must occur once");
    ASSET.replacen(from, to, 1)
}

#[test]
fn a_damaged_or_stale_file_is_refused_with_the_problem_named() {
    let cases: Vec<(String, String)> = vec![
        (
            ASSET[..ASSET.len() / 2].to_string(),
            "content.json is not valid JSON (EOF while parsing".into(),
        ),
        (
            "[]".into(),
            "content.json: the document: expected an object".into(),
        ),
        (
            damaged(&format!("\"format\": {FORMAT},"), "\"format\": 2,"),
            "content.json has format 2, this page reads format 1: reload the page".into(),
        ),
        (
            damaged(&format!("\"format\": {FORMAT},"), ""),
            "content.json: \"format\": expected an integer".into(),
        ),
        (
            damaged(
                "\"title\": \"At-most-once: commit the offset, then write\"",
                "\"title\": 7",
            ),
            "content.json: lessons[0].title: expected a string".into(),
        ),
        (
            damaged("\"id\": \"commit-before-write\",", ""),
            "content.json: lessons[0].id: required".into(),
        ),
        (
            damaged("\"quiz\": [", "\"quiz\": 5, \"unused\": ["),
            "content.json: quiz: expected an array".into(),
        ),
        (
            damaged("\"expect\": \"effect\"", "\"expect\": \"vibes\""),
            "unknown kind \"vibes\"".into(),
        ),
    ];
    for (text, want) in cases {
        let err = parse(&text).expect_err("a damaged document is refused");
        assert!(
            err.contains(&want),
            "got {err:?}, want it to contain {want:?}"
        );
    }
}

#[test]
fn native_builds_always_have_the_text() {
    assert_eq!(content::get(), Some(builtin()));
}
