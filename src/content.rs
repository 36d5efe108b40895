//! The course text (lessons, quiz questions, code snippets) as one JSON document.
//!
//! The text is written once, as Rust data, in `lessons.rs` and `snippets.rs`. Natively
//! (CLI, tests) it is compiled in. The browser build leaves it out — it is over a third
//! of a megabyte of prose the simulator does not need to start — and fetches
//! `content.json` (this module's [`to_json`] of the built-in text, committed as
//! `assets/content.json` and checked by `tests/content.rs`) the first time Learn, Quiz
//! or a code panel opens, then `install`s it. Until then [`get`] is `None` and the
//! lists in `lessons`/`snippets` are empty.
//!
//! The document is versioned by [`FORMAT`]; [`parse`] names the first thing wrong
//! (`lessons[3].title: expected a string`), so a stale or damaged file gets a clear
//! message instead of a broken page.

use serde_json::Value;

use crate::jsondoc::{self, leak, Item, Obj};
use crate::lessons::{Expect, Lesson, QuizQuestion};
use crate::snippets::Snippet;

/// Version of the content document; [`parse`] refuses any other.
pub const FORMAT: u64 = 1;

/// The file name the browser build fetches (relative to the page).
pub const FILE: &str = "content.json";

/// All course text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Content {
    pub lessons: &'static [Lesson],
    pub quiz: &'static [QuizQuestion],
    pub snippets: &'static [Snippet],
}

/// The course text compiled into this build (native only).
#[cfg(not(target_arch = "wasm32"))]
pub fn builtin() -> Content {
    Content {
        lessons: crate::lessons::LESSONS,
        quiz: crate::lessons::QUIZ,
        snippets: crate::snippets::SNIPPETS,
    }
}

/// The course text, if this build has it: always natively, in the browser once
/// `install`ed.
#[cfg(not(target_arch = "wasm32"))]
pub fn get() -> Option<Content> {
    Some(builtin())
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    static INSTALLED: std::cell::Cell<Option<Content>> = const { std::cell::Cell::new(None) };
}

/// The course text, if this build has it: always natively, in the browser once
/// [`install`]ed.
#[cfg(target_arch = "wasm32")]
pub fn get() -> Option<Content> {
    INSTALLED.with(|c| c.get())
}

/// Parse `text` (a content document) and make it the course text of this page. The
/// first successful install wins; installing again is a no-op.
#[cfg(target_arch = "wasm32")]
pub fn install(text: &str) -> Result<(), String> {
    if get().is_some() {
        return Ok(());
    }
    let c = parse(text)?;
    INSTALLED.with(|i| i.set(Some(c)));
    Ok(())
}

/// The content document of `c`, pretty-printed, ending with a newline.
#[cfg(not(target_arch = "wasm32"))]
pub fn to_json(c: &Content) -> String {
    use serde_json::json;
    let expect = |e: Expect| match e {
        Expect::Guarantee => "guarantee",
        Expect::Missing => "missing",
        Expect::Duplicated => "duplicated",
        Expect::Errors => "errors",
        Expect::Effect => "effect",
    };
    let doc = json!({
        "format": FORMAT,
        "lessons": c.lessons.iter().map(|l| json!({
            "id": l.id,
            "title": l.title,
            "intro": l.intro,
            "scenario": l.scenario,
            "steps": l.steps,
            "question": l.question,
            "rule": l.rule,
            "misconception": l.misconception,
            "snippet": l.snippet,
        })).collect::<Vec<_>>(),
        "quiz": c.quiz.iter().map(|q| json!({
            "id": q.id,
            "prompt": q.prompt,
            "scenario": q.scenario,
            "choices": q.choices,
            "expect": expect(q.expect),
            "explain": q.explain,
        })).collect::<Vec<_>>(),
        "snippets": c.snippets.iter().map(|s| json!({
            "id": s.id,
            "title": s.title,
            "language": s.language,
            "code": s.code,
            "note": s.note,
        })).collect::<Vec<_>>(),
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// Parse a content document. The strings are leaked: a page installs its content once,
/// and the course text lives as long as the page.
pub fn parse(text: &str) -> Result<Content, String> {
    let v = jsondoc::parse(FILE, text)?;
    let root = Obj::root(&v, FILE)?;
    match root.get("format").and_then(Value::as_u64) {
        Some(FORMAT) => {}
        Some(n) => {
            return Err(format!(
                "{FILE} has format {n}, this page reads format {FORMAT}: reload the page"
            ))
        }
        None => return Err(format!("{FILE}: \"format\": expected an integer")),
    }
    let lessons = root.objects("lessons", |o| {
        Ok(Lesson {
            id: o.str("id")?,
            title: o.str("title")?,
            intro: o.str("intro")?,
            scenario: o.str("scenario")?,
            steps: leak(o.list("steps", Item::str)?),
            question: o.str("question")?,
            rule: o.str("rule")?,
            misconception: o.opt_str("misconception")?,
            snippet: o.str("snippet")?,
        })
    })?;
    let quiz = root.objects("quiz", |o| {
        let expect = match o.str("expect")? {
            "guarantee" => Expect::Guarantee,
            "missing" => Expect::Missing,
            "duplicated" => Expect::Duplicated,
            "errors" => Expect::Errors,
            "effect" => Expect::Effect,
            other => return Err(o.problem("expect", &format!("unknown kind \"{other}\""))),
        };
        Ok(QuizQuestion {
            id: o.str("id")?,
            prompt: o.str("prompt")?,
            scenario: o.str("scenario")?,
            choices: leak(o.list("choices", Item::str)?),
            expect,
            explain: o.str("explain")?,
        })
    })?;
    let snippets = root.objects("snippets", |o| {
        Ok(Snippet {
            id: o.str("id")?,
            title: o.str("title")?,
            language: o.str("language")?,
            code: o.str("code")?,
            note: o.opt_str("note")?,
        })
    })?;
    Ok(Content {
        lessons: leak(lessons),
        quiz: leak(quiz),
        snippets: leak(snippets),
    })
}
