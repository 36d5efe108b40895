//! Every course snippet is at least syntactically sound: each Python snippet passes
//! `python3 -m py_compile`, and every other snippet (Java, Scala) has balanced brackets,
//! closed string literals and closed comments. The checks are run on known-bad samples
//! too, so they can fail.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};
use std::process::Command;

use crashcourse::snippets;

/// `Err(message)` when `python3 -m py_compile` rejects the file.
fn py_compile(path: &Path) -> Result<(), String> {
    let out = Command::new("python3")
        .arg("-m")
        .arg("py_compile")
        .arg(path)
        .output()
        .expect("python3 is needed to check the Python snippets");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn tmp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Brackets balance and every string, char literal and comment is closed (C-family
/// lexing: `//` and `/* */` comments, `"…"` and `"""…"""` strings, `'c'` literals).
fn balanced(code: &str) -> Result<(), String> {
    let c: Vec<char> = code.chars().collect();
    let mut stack: Vec<(char, usize)> = Vec::new();
    let line_of = |i: usize| c[..i].iter().filter(|ch| **ch == '\n').count() + 1;
    let mut i = 0;
    while i < c.len() {
        let rest = &c[i..];
        if rest.starts_with(&['/', '/']) {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if rest.starts_with(&['/', '*']) {
            let start = i;
            i += 2;
            while i + 1 < c.len() && !(c[i] == '*' && c[i + 1] == '/') {
                i += 1;
            }
            if i + 1 >= c.len() {
                return Err(format!(
                    "comment opened on line {} is not closed",
                    line_of(start)
                ));
            }
            i += 2;
            continue;
        }
        if rest.starts_with(&['"', '"', '"']) {
            let start = i;
            i += 3;
            while i + 2 < c.len() && !(c[i] == '"' && c[i + 1] == '"' && c[i + 2] == '"') {
                i += 1;
            }
            if i + 2 >= c.len() {
                return Err(format!(
                    "text block opened on line {} is not closed",
                    line_of(start)
                ));
            }
            i += 3;
            continue;
        }
        if c[i] == '"' || c[i] == '\'' {
            let (q, start) = (c[i], i);
            i += 1;
            while i < c.len() && c[i] != q && c[i] != '\n' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            if i >= c.len() || c[i] != q {
                return Err(format!(
                    "literal opened on line {} is not closed",
                    line_of(start)
                ));
            }
            i += 1;
            continue;
        }
        match c[i] {
            '(' | '[' | '{' => stack.push((c[i], i)),
            ')' | ']' | '}' => {
                let want = match c[i] {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        return Err(format!(
                            "'{}' on line {} closes '{open}' of line {}",
                            c[i],
                            line_of(i),
                            line_of(at)
                        ))
                    }
                    None => {
                        return Err(format!("'{}' on line {} closes nothing", c[i], line_of(i)))
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    match stack.pop() {
        Some((open, at)) => Err(format!("'{open}' of line {} is never closed", line_of(at))),
        None => Ok(()),
    }
}

#[test]
fn every_python_snippet_compiles() {
    let dir = tmp_dir("snippets_py");
    let mut failures = Vec::new();
    let mut n = 0;
    for s in snippets::snippets()
        .iter()
        .filter(|s| s.language == "python")
    {
        n += 1;
        let path = dir.join(format!("{}.py", s.id.replace('-', "_")));
        std::fs::write(&path, s.code).expect("write snippet");
        if let Err(e) = py_compile(&path) {
            failures.push(format!("{}: {e}", s.id));
        }
    }
    assert!(n >= 20, "expected the Python snippets, found {n}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_other_snippet_is_balanced() {
    let mut failures = Vec::new();
    let mut n = 0;
    for s in snippets::snippets()
        .iter()
        .filter(|s| s.language != "python")
    {
        assert!(
            matches!(s.language, "java" | "scala"),
            "{}: no syntax check for language {}",
            s.id,
            s.language
        );
        n += 1;
        if let Err(e) = balanced(s.code) {
            failures.push(format!("{}: {e}", s.id));
        }
    }
    assert!(n >= 15, "expected the Java and Scala snippets, found {n}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_checks_reject_broken_code() {
    assert!(balanced("f(a, g(b);").is_err());
    assert!(balanced("if (x) { y(); ").is_err());
    assert!(balanced("s = \"unclosed;\n").is_err());
    assert!(balanced("a[0) ;").is_err());
    assert!(balanced("/* open").is_err());
    assert!(balanced("String s = \")\"; // (\nchar c = '{'; f(s);").is_ok());
    let dir = tmp_dir("snippets_py_bad");
    let bad = dir.join("bad.py");
    std::fs::write(&bad, "def f(:\n    pass\n").expect("write");
    assert!(py_compile(&bad).is_err());
    let good = dir.join("good.py");
    std::fs::write(&good, "def f():\n    pass\n").expect("write");
    assert!(py_compile(&good).is_ok());
}
