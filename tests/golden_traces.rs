//! Golden traces: the full trace of a few teaching scenarios, byte for byte.
//! A change in narration or event order shows up as a diff here. This test only
//! compares; `cargo run --example update-golden` (refused under CI) rewrites the files on
//! purpose, and the diff is reviewed like code.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::golden;

#[test]
fn golden_traces_match() {
    let pairs = golden::pairs(&golden::dir());
    assert!(
        pairs.len() >= 5,
        "expected 5 golden scenarios, found {}",
        pairs.len()
    );
    let mut failures = Vec::new();
    for (p, golden) in pairs {
        let text = std::fs::read_to_string(&p).expect("readable");
        let got = golden::trace_lines(&text);
        let want = std::fs::read_to_string(&golden).unwrap_or_default();
        if want != got {
            let first = want
                .lines()
                .zip(got.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(want.lines().count().min(got.lines().count()));
            failures.push(format!(
                "{}: differs at line {}\n  want: {}\n  got:  {}",
                p.display(),
                first + 1,
                want.lines().nth(first).unwrap_or("<end>"),
                got.lines().nth(first).unwrap_or("<end>")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(if the change is intended: `cargo run --example update-golden`, then review the diff)",
        failures.join("\n")
    );
}
