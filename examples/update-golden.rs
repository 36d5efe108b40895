//! `cargo run --example update-golden`: rewrite tests/golden/*.trace.jsonl from the
//! current engine, the one way to accept a change in a golden trace (the golden_traces
//! test only compares). Refused under CI, where a golden file must never be rewritten.
//! Prints each file it changed; review them with `git diff tests/golden`.

#[path = "../tests/support/golden.rs"]
mod golden;

use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::var_os("CI").is_some() {
        eprintln!("update-golden: refused under CI (golden traces are only rewritten by hand)");
        return ExitCode::from(2);
    }
    let mut changed = 0;
    for (scenario, trace) in golden::pairs(&golden::dir()) {
        let text = match std::fs::read_to_string(&scenario) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("update-golden: {}: {e}", scenario.display());
                return ExitCode::FAILURE;
            }
        };
        let got = golden::trace_lines(&text);
        if std::fs::read_to_string(&trace).ok().as_deref() == Some(got.as_str()) {
            continue;
        }
        if let Err(e) = std::fs::write(&trace, &got) {
            eprintln!("update-golden: {}: {e}", trace.display());
            return ExitCode::FAILURE;
        }
        println!("rewrote {}", trace.display());
        changed += 1;
    }
    println!("update-golden: {changed} file(s) changed; review with `git diff tests/golden`");
    ExitCode::SUCCESS
}
