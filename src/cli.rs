//! The native command-line interface (`crashcourse run`, …). Never panics on input:
//! exit 0 on success, 2 on an invalid scenario (message on stderr), 1 on I/O errors.

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::engine;

#[derive(Parser, Debug)]
#[command(
    name = "crashcourse",
    version,
    about = "Crash a streaming pipeline anywhere and see what it loses or duplicates",
    long_about = "crashcourse simulates delivery guarantees (at-most-once, at-least-once, exactly-once) \
of streaming pipelines: Kafka-like logs, Pub/Sub queues and sockets; Spark, Flink, Beam and plain \
consumers; append, upsert, file, foreachBatch, Delta, Kafka, BigQuery, console and memory sinks. \
Scenarios use the JSON format of the crashcourse spec (version 1)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario and print its outcome JSON (or its trace as JSON lines with --trace).
    Run {
        /// Scenario JSON file, or - for standard input.
        file: String,
        /// Print the trace (one JSON event per line) instead of the outcome.
        #[arg(long)]
        trace: bool,
        /// Print the outcome caption (effect, records, cause with step numbers) instead of
        /// the outcome.
        #[arg(long, conflicts_with = "trace")]
        caption: bool,
    },
    /// Run every single-fault placement of a scenario and print the matrix as JSON
    /// ({"runs": [{"faults", "label", "outcome"}], "summary": [...]}).
    Explore {
        /// Scenario JSON file, or - for standard input.
        file: String,
        /// Print the grouped summary as a readable table instead of JSON.
        #[arg(long)]
        summary: bool,
        /// Also run up to N pairs of placements.
        #[arg(long, value_name = "N", default_value_t = 0)]
        pairs: usize,
    },
    /// Run the first file's workload and faults under every file's configuration
    /// (source, engine, dedup, sink) and print the aligned outcomes as JSON.
    Compare {
        /// Two to four scenario JSON files (- for standard input, once).
        #[arg(num_args = 2..=4, required = true)]
        files: Vec<String>,
        /// Also print the traces and the step-by-step alignment.
        #[arg(long)]
        trace: bool,
    },
    /// Print the share-link fragment (v1=…) of a scenario, or decode one with --decode.
    Link {
        /// Scenario JSON file (- for stdin); with --decode, the fragment or whole URL.
        input: String,
        /// Decode a fragment (or a URL containing #v1=…) and print its scenario JSON.
        #[arg(long)]
        decode: bool,
        /// Playback position (event index) to pin in the link.
        #[arg(long, value_name = "EVENT")]
        position: Option<usize>,
    },
    /// Print the lessons as a JSON array: id, title, scenario, question and the answer
    /// (missing, duplicated, guarantee) computed by running each scenario.
    Lessons,
    /// Print the presets as a JSON array: id, title, what it teaches and its scenario (as
    /// written, defaults left out).
    Presets,
    /// For each scenario of a JSON array (file, or - for standard input), list the presets,
    /// lessons and quiz questions that run exactly it (defaults resolved): a JSON array of
    /// arrays of names ("preset spark-upsert"). The fidelity suite's `backs` column.
    Backs {
        /// A JSON array of scenarios; an entry that is not a valid scenario backs nothing.
        file: String,
    },
    /// Print the course text (lessons, quiz, snippets) as the content document the browser
    /// build fetches; `crashcourse content > assets/content.json` regenerates the asset.
    Content,
    /// Export a run for slides.
    Export {
        /// Scenario JSON file, or - for standard input.
        file: String,
        /// A Mermaid sequenceDiagram of the run (the default and only format for now).
        #[arg(long, default_value_t = true)]
        mermaid: bool,
    },
}

/// Read a FILE argument (`-` = stdin) as bytes.
pub fn read_input(file: &str) -> Result<Vec<u8>, String> {
    if file == "-" {
        let mut s = Vec::new();
        std::io::stdin()
            .read_to_end(&mut s)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(s)
    } else {
        std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))
    }
}

enum Failure {
    Invalid(String),
    BadLink(String),
    Io(String),
}

fn load(file: &str) -> Result<engine::Scenario, Failure> {
    let bytes = read_input(file).map_err(Failure::Io)?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Failure::Invalid(format!("(root): not valid UTF-8 text ({e})")))?;
    engine::parse_scenario(&text).map_err(|e| Failure::Invalid(e.to_string()))
}

fn emit(out: &str) -> Result<(), Failure> {
    let mut o = std::io::stdout().lock();
    o.write_all(out.as_bytes())
        .and_then(|_| o.flush())
        .map_err(|e| Failure::Io(format!("cannot write output: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(v).map_err(|e| Failure::Io(format!("cannot encode JSON: {e}")))
}

fn execute(cmd: Command) -> Result<(), Failure> {
    match cmd {
        Command::Run {
            file,
            trace,
            caption,
        } => {
            let sc = load(&file)?;
            if caption {
                let run = engine::run(&sc);
                emit(&(engine::outcome_caption(&run) + "\n"))
            } else if trace {
                let run = engine::run(&sc);
                let out = engine::trace_jsonl(&run.trace);
                emit(&out)
            } else {
                let outcome = engine::run_outcome(&sc);
                emit(&(to_json(&outcome)? + "\n"))
            }
        }
        Command::Explore {
            file,
            summary,
            pairs,
        } => {
            let sc = load(&file)?;
            let m = engine::explore(&sc, engine::ExploreOptions { pairs });
            if summary {
                emit(&engine::explore::summary_table(&m))
            } else {
                emit(&(to_json(&m)? + "\n"))
            }
        }
        Command::Link {
            input,
            decode,
            position,
        } => {
            if decode {
                let text = if input == "-" {
                    String::from_utf8_lossy(&read_input("-").map_err(Failure::Io)?).into_owned()
                } else {
                    input
                };
                let shared =
                    crate::share::decode(&text).map_err(|e| Failure::BadLink(e.to_string()))?;
                if let Some(p) = shared.position {
                    eprintln!("crashcourse: the link pins playback at event {p}");
                }
                emit(&(to_json(&shared.scenario)? + "\n"))
            } else {
                let sc = load(&input)?;
                emit(&(crate::share::encode(&sc, position) + "\n"))
            }
        }
        Command::Lessons => {
            let list: Vec<serde_json::Value> = crate::lessons::lessons()
                .iter()
                .map(|l| {
                    let sc = crate::lessons::scenario(l);
                    let o = engine::run_outcome(&sc);
                    serde_json::json!({
                        "id": l.id,
                        "title": l.title,
                        "scenario": sc,
                        "question": l.question,
                        "answer": {
                            "missing": o.missing,
                            "duplicated": o.duplicated,
                            "guarantee": o.guarantee,
                        },
                    })
                })
                .collect();
            emit(&(to_json(&list)? + "\n"))
        }
        Command::Presets => {
            let list = crate::presets::presets()
                .iter()
                .map(|p| {
                    // As written (like `content`'s scenarios), once checked.
                    let sc: serde_json::Value = serde_json::from_str(p.scenario_json)
                        .map_err(|e| Failure::Invalid(format!("preset {}: {e}", p.id)))?;
                    engine::parse_value(&sc)
                        .map_err(|e| Failure::Invalid(format!("preset {}: {e}", p.id)))?;
                    Ok(serde_json::json!({
                        "id": p.id,
                        "title": p.title,
                        "teaches": p.teaches,
                        "scenario": sc,
                    }))
                })
                .collect::<Result<Vec<_>, Failure>>()?;
            emit(&serde_json::to_string_pretty(&list).unwrap_or_default())
        }
        Command::Backs { file } => {
            let bytes = read_input(&file).map_err(Failure::Io)?;
            let list: Vec<serde_json::Value> = serde_json::from_slice(&bytes).map_err(|e| {
                Failure::Invalid(format!("{file}: expected a JSON array of scenarios ({e})"))
            })?;
            let course = crate::fidelity::course();
            let backs: Vec<Vec<String>> = list
                .iter()
                .map(|v| {
                    engine::parse_value(v)
                        .map(|sc| crate::fidelity::course_running(&course, &sc))
                        .unwrap_or_default()
                })
                .collect();
            emit(&serde_json::to_string(&backs).unwrap_or_default())
        }
        Command::Content => emit(&crate::content::to_json(&crate::content::builtin())),
        Command::Export { file, mermaid: _ } => {
            let sc = load(&file)?;
            let run = engine::run(&sc);
            emit(&crate::export::mermaid(&sc, &run))
        }
        Command::Compare { files, trace } => {
            let scenarios = files
                .iter()
                .map(|f| load(f))
                .collect::<Result<Vec<_>, _>>()?;
            let base = &scenarios[0];
            let configs: Vec<engine::Config> = scenarios.iter().map(engine::Config::of).collect();
            for (f, s) in files.iter().zip(&scenarios).skip(1) {
                if s.workload != base.workload || s.faults != base.faults {
                    eprintln!(
                        "crashcourse: note: {f}: its workload and faults are replaced by those of {}",
                        files[0]
                    );
                }
            }
            let c = engine::compare(base, &configs);
            if trace {
                emit(&(to_json(&c)? + "\n"))
            } else {
                let cols: Vec<serde_json::Value> = c
                    .columns
                    .iter()
                    .map(|col| {
                        serde_json::json!({
                            "name": col.name,
                            "scenario": col.scenario,
                            "skipped_faults": col.skipped_faults,
                            "skipped_why": col.skipped_why,
                            "outcome": col.outcome,
                        })
                    })
                    .collect();
                emit(
                    &(to_json(&serde_json::json!({"columns": cols, "rows": c.rows.len()}))? + "\n"),
                )
            }
        }
    }
}

/// The CLI entry point.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(m)) => {
            eprintln!("crashcourse: invalid scenario: {m}");
            ExitCode::from(2)
        }
        Err(Failure::BadLink(m)) => {
            eprintln!("crashcourse: bad link: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Io(m)) => {
            eprintln!("crashcourse: {m}");
            ExitCode::from(1)
        }
    }
}
