//! Tidiness rules that the compiler does not check:
//!
//! * the engine knows nothing of the UI nor of its state: no file under `src/engine` names
//!   `crate::ui`, `super::ui`, `super::super::ui`, `crashcourse::ui` (also inside `use`
//!   groups), the crate's `state` module (`crate::state`, or as many `super::` as lead to the
//!   crate's root), or includes a file under `ui/` or `state/` with `#[path]`;
//! * every wire name is written once, in `src/engine/scenario.rs`'s name tables
//!   (`wire_enum!`): no string literal in `src/engine` or `src/ui` *is* one of them — every
//!   kind name (source, engine, sink, fault) and every name with an underscore (a step, a
//!   commit mode, `micro_batch`, `read_committed`…), in `src/engine`, `src/state` and `src/ui`. Plain words that are also the format's
//!   values (`"after"`, `"none"`, `"committed"`, `"read"`…) are not checked: they are field
//!   names, prose and CSS classes as often. Words inside a longer literal (narration,
//!   messages) are prose and not checked; neither are comments, test modules (`#[cfg(test)]`)
//!   and the `wire_enum!` tables themselves. The few remaining uses are listed in [`ALLOWED`],
//!   each with its reason, and an allowance nothing needs any more fails too;
//! * serde reads and writes exactly the tables' names.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::{Path, PathBuf};

use crashcourse::engine::scenario::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// A fieldless table's names are serde's: each variant serializes to its name and back.
fn serde_agrees<T>()
where
    T: WireName + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    assert_eq!(T::ALL.len(), T::NAMES.len());
    for (v, name) in T::ALL.iter().zip(T::NAMES) {
        assert_eq!(serde_json::to_value(v).unwrap(), json!(name), "{v:?}");
        assert_eq!(serde_json::from_value::<T>(json!(name)).unwrap(), *v);
    }
}

/// The `kind` a tagged value serializes with.
fn kind_tag(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap()["kind"].clone()
}

#[test]
fn every_name_table_is_what_serde_writes() {
    serde_agrees::<SourceKind>();
    serde_agrees::<StartingPosition>();
    serde_agrees::<EngineKind>();
    serde_agrees::<CommitMode>();
    serde_agrees::<DedupBy>();
    serde_agrees::<DedupMode>();
    serde_agrees::<SinkKind>();
    serde_agrees::<UpsertKey>();
    serde_agrees::<FbTransaction>();
    serde_agrees::<FbOrder>();
    serde_agrees::<TxnAppId>();
    serde_agrees::<Isolation>();
    serde_agrees::<StreamType>();
    serde_agrees::<Offsets>();
    serde_agrees::<StreamScope>();
    serde_agrees::<Step>();
    serde_agrees::<FaultKind>();
    assert_eq!(
        WIRE_TABLES.len(),
        17,
        "a table was added: check it above too"
    );
}

/// Every `wire_enum!` of scenario.rs is in `WIRE_TABLES` (which the tidy rules below read).
#[test]
fn every_name_table_is_listed() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/engine/scenario.rs"
    ))
    .unwrap();
    let mut declared: Vec<&str> = text
        .split("wire_enum! {")
        .skip(1)
        .filter_map(|t| t.split("pub enum ").nth(1)?.split_whitespace().next())
        .collect();
    let mut listed: Vec<&str> = WIRE_TABLES.iter().map(|(n, _)| *n).collect();
    declared.sort_unstable();
    listed.sort_unstable();
    assert_eq!(declared, listed);
}

/// The tagged enums keep serde's `rename_all`: one value of every kind (the matches are
/// exhaustive both ways) must carry its table name as `kind`, and `kind()` must give it back.
#[test]
fn every_kind_table_is_the_tag_serde_writes() {
    for &k in SourceKind::ALL {
        let v = match k {
            SourceKind::Log => Source::Log {
                starting_position: None,
            },
            SourceKind::Queue => Source::Queue {
                ack_deadline: None,
                exactly_once_delivery: None,
            },
            SourceKind::Socket => Source::Socket,
        };
        assert_eq!(v.kind(), k);
        assert_eq!(kind_tag(&v), json!(k.name()));
    }
    for &k in EngineKind::ALL {
        let v = match k {
            EngineKind::Consumer => Engine::Consumer {
                commit_mode: None,
                auto_commit_every: None,
            },
            EngineKind::MicroBatch => Engine::MicroBatch,
            EngineKind::Flink => Engine::Flink,
            EngineKind::Beam => Engine::Beam { dedup_by: None },
        };
        assert_eq!(v.kind(), k);
        assert_eq!(kind_tag(&v), json!(k.name()));
    }
    for &k in SinkKind::ALL {
        let v = match k {
            SinkKind::Append => Sink::Append,
            SinkKind::Upsert => Sink::Upsert { key: None },
            SinkKind::File => Sink::File,
            SinkKind::ForeachBatch => Sink::ForeachBatch {
                control_table: None,
                transaction: None,
                order: None,
            },
            SinkKind::Delta => Sink::Delta { txn_app_id: None },
            SinkKind::Kafka => Sink::Kafka {
                idempotence: None,
                transactions: None,
                isolation: None,
                transaction_timeout: None,
            },
            SinkKind::Bigquery => Sink::Bigquery {
                stream_type: None,
                offsets: None,
                stream: None,
                batch_commit: None,
                finalize_on_drain: None,
            },
            SinkKind::Console => Sink::Console,
            SinkKind::Memory => Sink::Memory,
        };
        assert_eq!(v.kind(), k);
        assert_eq!(kind_tag(&v), json!(k.name()));
    }
    for &k in FaultKind::ALL {
        let v = support::sample_fault(k);
        assert_eq!(v.kind(), k);
        assert_eq!(kind_tag(&v), json!(k.name()));
    }
}

// ---------------------------------------------------------------------------------------------
// A small Rust lexer: enough to tell code from comments and string literals.

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    /// A string literal's text (escapes left as written) and its line; `bytes` for `b"…"`.
    Str {
        text: String,
        line: usize,
        bytes: bool,
    },
}

/// The tokens and the line each starts on.
fn lex(src: &str) -> (Vec<Tok>, Vec<usize>) {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut lines = Vec::new();
    let (mut i, mut line) = (0, 1);
    let newlines = |a: &[char]| a.iter().filter(|&&x| x == '\n').count();
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let (start, mut depth) = (i, 0);
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += newlines(&c[start..i]);
        } else if ch == '"' {
            let start = i + 1;
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            let text: String = c[start..i.min(c.len())].iter().collect();
            lines.push(line);
            out.push(Tok::Str {
                text,
                line,
                bytes: false,
            });
            line += newlines(&c[start..i.min(c.len())]);
            i += 1;
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{..}', '"') or a lifetime / label ('a).
            if c.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let id: String = c[start..i].iter().collect();
            let raw = matches!(id.as_str(), "r" | "br") && matches!(c.get(i), Some('"' | '#'));
            if raw {
                let mut hashes = 0;
                while c.get(i) == Some(&'#') {
                    hashes += 1;
                    i += 1;
                }
                i += 1; // the opening quote
                let body = i;
                let closing: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                while i < c.len() && !c[i..].starts_with(&closing) {
                    i += 1;
                }
                lines.push(line);
                out.push(Tok::Str {
                    text: c[body..i].iter().collect(),
                    line,
                    bytes: id == "br",
                });
                line += newlines(&c[body..i]);
                i += closing.len();
            } else if id == "b" && c.get(i) == Some(&'"') {
                let start = i + 1;
                i += 1;
                while i < c.len() && c[i] != '"' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                lines.push(line);
                out.push(Tok::Str {
                    text: c[start..i.min(c.len())].iter().collect(),
                    line,
                    bytes: true,
                });
                line += newlines(&c[start..i.min(c.len())]);
                i += 1;
            } else if id == "b" && c.get(i) == Some(&'\'') {
                // b'x': the char literal is skipped by the next turn.
            } else {
                lines.push(line);
                out.push(Tok::Ident(id));
            }
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else {
            lines.push(line);
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    (out, lines)
}

fn is_ident(t: Option<&Tok>, s: &str) -> bool {
    matches!(t, Some(Tok::Ident(x)) if x == s)
}

fn is_punct(t: Option<&Tok>, p: char) -> bool {
    t == Some(&Tok::Punct(p))
}

/// The index just past the `}` matching the first `{` at or after `i` (or past a `;` that
/// comes first: an item without a body).
fn skip_block(toks: &[Tok], mut i: usize) -> usize {
    while i < toks.len() && !is_punct(toks.get(i), '{') {
        if is_punct(toks.get(i), ';') {
            return i + 1;
        }
        i += 1;
    }
    let mut depth = 0;
    while i < toks.len() {
        if is_punct(toks.get(i), '{') {
            depth += 1;
        } else if is_punct(toks.get(i), '}') {
            depth -= 1;
            if depth == 0 {
                return i + 1;
            }
        }
        i += 1;
    }
    i
}

/// Token ranges exempt from the literal rule: `#[cfg(test)]` items and `wire_enum! { … }`.
fn exempt_ranges(toks: &[Tok]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..toks.len() {
        let cfg_test = is_punct(toks.get(i), '#')
            && is_punct(toks.get(i + 1), '[')
            && is_ident(toks.get(i + 2), "cfg")
            && is_punct(toks.get(i + 3), '(')
            && is_ident(toks.get(i + 4), "test")
            && is_punct(toks.get(i + 5), ')');
        let table = is_ident(toks.get(i), "wire_enum") && is_punct(toks.get(i + 1), '!');
        if cfg_test || table {
            out.push((i, skip_block(toks, i)));
        }
    }
    out
}

/// `::` at `i`?
fn path_sep(toks: &[Tok], i: usize) -> bool {
    is_punct(toks.get(i), ':') && is_punct(toks.get(i + 1), ':')
}

/// Does the path starting at token `i` (after a `crate`, `crashcourse` or `super` root and
/// its `::`) reach the crate's `ui` module, or its `state` module? Follows `super::` chains
/// and `{…}` use groups. `supers` counts the `super`s so far; `module_depth` is how many lead from
/// the file's module to the crate's root (`src/engine/sim.rs`: 2), so that a module of the
/// engine's own named `state` is not the crate's.
fn path_reaches_ui(
    toks: &[Tok],
    mut i: usize,
    relative: bool,
    mut supers: usize,
    module_depth: usize,
) -> bool {
    loop {
        match toks.get(i) {
            Some(Tok::Ident(x)) if x == "ui" => return true,
            Some(Tok::Ident(x)) if x == "state" => return !relative || supers == module_depth,
            Some(Tok::Ident(x)) if x == "super" && relative && path_sep(toks, i + 1) => {
                supers += 1;
                i += 3
            }
            Some(Tok::Punct('{')) => {
                // Each item of the group starts a path of its own.
                let end = skip_block(toks, i);
                let mut j = i + 1;
                let mut depth = 0;
                let mut item_start = true;
                while j + 1 < end {
                    match &toks[j] {
                        Tok::Punct('{') => depth += 1,
                        Tok::Punct('}') => depth -= 1,
                        Tok::Punct(',') if depth == 0 => {
                            item_start = true;
                            j += 1;
                            continue;
                        }
                        _ => {}
                    }
                    if item_start
                        && depth == 0
                        && path_reaches_ui(toks, j, relative, supers, module_depth)
                    {
                        return true;
                    }
                    item_start = false;
                    j += 1;
                }
                return false;
            }
            _ => return false,
        }
    }
}

/// `(line, what)` of every reference to the UI or its state in an engine file whose module is
/// `module_depth` `super`s below the crate's root.
fn ui_references(src: &str, module_depth: usize) -> Vec<(usize, String)> {
    let (toks, lines) = lex(src);
    let toks = &toks[..];
    let mut out = Vec::new();
    for (i, &line) in lines.iter().enumerate() {
        let root = match toks.get(i) {
            Some(Tok::Ident(x)) if x == "crate" || x == "crashcourse" => Some(false),
            Some(Tok::Ident(x)) if x == "super" => Some(true),
            _ => None,
        };
        // A path's root: not itself a later segment of a path.
        let continues = i >= 2 && path_sep(toks, i - 2);
        if let Some(relative) = root {
            let supers = usize::from(relative);
            if !continues
                && path_sep(toks, i + 1)
                && path_reaches_ui(toks, i + 3, relative, supers, module_depth)
            {
                out.push((line, "a path into the ui or state module".to_string()));
            }
        }
        // #[path = "…ui/…"], #[path = "…state/…"]
        if is_punct(toks.get(i), '#')
            && is_punct(toks.get(i + 1), '[')
            && is_ident(toks.get(i + 2), "path")
        {
            if let Some(Tok::Str { text, line, .. }) = toks.get(i + 4) {
                if text.contains("ui/") || text.contains("state/") {
                    out.push((*line, format!("#[path = \"{text}\"]")));
                }
            }
        }
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `src/engine/x.rs` for a path under the crate.
fn rel(p: &Path) -> String {
    let r = p.strip_prefix(root()).unwrap_or(p);
    r.to_string_lossy().replace('\\', "/")
}

/// How many `super`s lead from a source file's module to the crate's root: `src/engine/mod.rs`
/// 1, `src/engine/sim.rs` and `src/engine/sim/mod.rs` 2, `src/engine/sim/step.rs` 3.
fn module_depth(rel: &str) -> usize {
    let parts: Vec<&str> = rel.trim_start_matches("src/").split('/').collect();
    match parts.last() {
        Some(&"mod.rs") => parts.len() - 1,
        _ => parts.len(),
    }
}

#[test]
fn the_engine_imports_nothing_from_the_ui() {
    let files = rust_files(&root().join("src/engine"));
    assert!(files.len() >= 10, "{files:?}");
    let mut found = Vec::new();
    for f in &files {
        let depth = module_depth(&rel(f));
        for (line, what) in ui_references(&std::fs::read_to_string(f).unwrap(), depth) {
            found.push(format!("{}:{line}: {what}", rel(f)));
        }
    }
    assert!(
        found.is_empty(),
        "src/engine may not depend on src/ui or src/state (ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}

/// Literals that are a checked wire name but are allowed where they are: (path prefix, the
/// literal, why). Each must still be needed: an allowance that matches nothing fails.
const ALLOWED: &[(&str, &str, &str)] = &[
    // Another vocabulary that shares the word.
    (
        "src/engine/sim",
        "read_committed",
        "a reader's name in the outcome (§9), not isolation",
    ),
    (
        "src/engine/sim",
        "read_uncommitted",
        "a reader's name in the outcome (§9), not isolation",
    ),
    (
        "src/engine/sim",
        "console",
        "the console sink's place name on the stage",
    ),
    (
        "src/engine/caption.rs",
        "zombie",
        "searches narration text for the word",
    ),
    (
        "src/engine/fault.rs",
        "crash",
        "describe(): the label's word (\"crash after read\")",
    ),
    (
        "src/engine/fault.rs",
        "zombie",
        "describe(): the label's word (\"zombie after read\")",
    ),
    (
        "src/ui/embed.rs",
        "pause",
        "the embed protocol's message type (play / pause)",
    ),
    ("src/state/playback.rs", "zombie", "a process state's label"),
    ("src/ui/views/export.rs", "file", "an HTML input type"),
    ("src/ui/views/narration.rs", "zombie", "a tag's text"),
    // Debt in a view this branch does not edit: Isolation::….name().
    (
        "src/ui/views/pipeline.rs",
        "read_committed",
        "debt: use Isolation::name()",
    ),
    (
        "src/ui/views/pipeline.rs",
        "read_uncommitted",
        "debt: use Isolation::name()",
    ),
];

/// The names a literal may not be: every kind name and every name with an underscore.
fn checked_names() -> Vec<&'static str> {
    let kinds = ["SourceKind", "EngineKind", "SinkKind", "FaultKind"];
    let mut names: Vec<&str> = WIRE_TABLES
        .iter()
        .flat_map(|(table, names)| {
            names
                .iter()
                .copied()
                .filter(move |n| kinds.contains(table) || n.contains('_'))
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// `(file, line, literal)` of every string literal in `files` that is a checked name, outside
/// test modules and name tables.
fn wire_literals(files: &[PathBuf], names: &[&str]) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    for f in files {
        let (toks, _) = lex(&std::fs::read_to_string(f).unwrap());
        let exempt = exempt_ranges(&toks);
        for (i, t) in toks.iter().enumerate() {
            if let Tok::Str {
                text,
                line,
                bytes: false,
            } = t
            {
                let inside = exempt.iter().any(|&(a, b)| a <= i && i < b);
                if !inside && names.contains(&text.as_str()) {
                    out.push((rel(f), *line, text.clone()));
                }
            }
        }
    }
    out
}

#[test]
fn wire_names_are_spelled_only_in_their_tables() {
    let names = checked_names();
    assert!(names.contains(&"micro_batch") && names.contains(&"bigquery"));
    assert!(!names.contains(&"after") && !names.contains(&"none"));
    let mut files = rust_files(&root().join("src/engine"));
    files.extend(rust_files(&root().join("src/state")));
    files.extend(rust_files(&root().join("src/ui")));
    let found = wire_literals(&files, &names);
    let allowed = |f: &str, lit: &str| {
        ALLOWED
            .iter()
            .any(|(p, l, _)| f.starts_with(p) && *l == lit)
    };
    let bad: Vec<String> = found
        .iter()
        .filter(|(f, _, lit)| !allowed(f, lit))
        .map(|(f, line, lit)| format!("{f}:{line}: \"{lit}\""))
        .collect();
    assert!(
        bad.is_empty(),
        "wire names spelled outside scenario.rs's name tables (use the enum: \
         SinkKind::Bigquery.name(), EngineKind::MicroBatch, Step::SinkWrite…):\n{}",
        bad.join("\n")
    );
    let stale: Vec<String> = ALLOWED
        .iter()
        .filter(|(p, l, _)| !found.iter().any(|(f, _, lit)| f.starts_with(p) && lit == l))
        .map(|(p, l, why)| format!("{p} \"{l}\" ({why})"))
        .collect();
    assert!(
        stale.is_empty(),
        "allowances nothing needs any more (remove them from ALLOWED):\n{}",
        stale.join("\n")
    );
}

/// The lexer and both rules on small samples, so a rule that silently matches nothing fails.
#[test]
fn the_tidy_rules_catch_what_they_are_for() {
    // As in src/engine/x.rs (two `super`s from the crate's root).
    let engine = |src: &str| ui_references(src, 2).len();
    assert_eq!(engine("use crate::ui::session;"), 1);
    assert_eq!(engine("use super::super::ui::views;"), 1);
    assert_eq!(engine("use super::ui;"), 1);
    assert_eq!(engine("use crate::{engine::Fault, ui::Session};"), 1);
    assert_eq!(engine("use crate :: { ui };"), 1);
    assert_eq!(engine("fn f() { crashcourse::ui::start() }"), 1);
    assert_eq!(engine("#[path = \"../ui/session.rs\"] mod s;"), 1);
    assert_eq!(
        engine("use crate::engine::build; // crate::ui is off limits"),
        0
    );
    assert_eq!(
        engine("let s = \"crate::ui\"; let q = super::quiet::ui;"),
        0
    );
    assert_eq!(engine("use super::guide; use crate::engine::ui_free;"), 0);
    assert_eq!(engine("use crate::state::session::Session;"), 1);
    assert_eq!(engine("use crate::{engine::Fault, state::playback};"), 1);
    assert_eq!(
        engine("fn f() { crashcourse::state::playback::fold(t, 1) }"),
        1
    );
    assert_eq!(engine("use super::super::state::notes;"), 1);
    assert_eq!(engine("use super::super::{state};"), 1);
    assert_eq!(engine("#[path = \"../state/session.rs\"] mod s;"), 1);
    // The engine's own modules named `state` are not the crate's.
    assert_eq!(engine("use super::state::Inst;"), 0);
    assert_eq!(
        engine("use self::state::Inst; use crate::engine::sim::state;"),
        0
    );
    assert_eq!(ui_references("use super::state::Inst;", 1).len(), 1);
    assert_eq!(module_depth("src/engine/mod.rs"), 1);
    assert_eq!(module_depth("src/engine/sim.rs"), 2);
    assert_eq!(module_depth("src/engine/sim/mod.rs"), 2);
    assert_eq!(module_depth("src/engine/sim/step.rs"), 3);

    let dir = std::env::temp_dir().join(format!("tidy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("sample.rs");
    std::fs::write(
        &f,
        r##"
        // "bigquery" in a comment; /* "micro_batch" */
        fn a() -> &'static str { if x == "micro_batch" { "x" } else { "bigquery" } }
        fn b() -> String { format!("{} is the micro_batch engine", 1) }
        fn c() -> &'static str { r#"sink_write"# }
        fn d(c: char) -> bool { c == '"' && "after" == "none" }
        fn e() -> &'static [u8] { b"crash" }
        wire_enum! { pub enum X { A = "lost_ack", } }
        #[cfg(test)]
        mod tests { fn t() { let _ = "zombie"; } }
        "##,
    )
    .unwrap();
    let found: Vec<String> = wire_literals(std::slice::from_ref(&f), &checked_names())
        .into_iter()
        .map(|(_, line, lit)| format!("{line}:{lit}"))
        .collect();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(found, ["3:micro_batch", "3:bigquery", "5:sink_write"]);
}
