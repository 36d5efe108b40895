//! Learn mode's pure logic: a learner's prediction, its score against the engine's answer,
//! and the progress kept in the browser's storage (as JSON).
//!
//! No Yew and no web-sys: the views read storage and call these. The answer a prediction is
//! scored against is always [`crate::lessons::answer`], i.e. the engine's outcome.

use crate::engine::{scenario::Step, Event, EventKind, VecMap, VecSet};
use crate::lessons::{Answer, EFFECTS};

/// The storage key of [`Progress`].
pub const STORAGE_KEY: &str = "crashcourse.progress.1";

/// Points of a perfect prediction: one for the effect, one for the records.
pub const MAX_POINTS: u8 = 2;

/// What a run does to the records (for the primary reader), as the learner predicts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Nothing,
    Lost,
    Duplicated,
    Both,
}

impl Effect {
    pub const ALL: [Effect; 4] = [
        Effect::Nothing,
        Effect::Lost,
        Effect::Duplicated,
        Effect::Both,
    ];

    /// The words of the quiz's effect choices ([`EFFECTS`]), e.g. "records lost".
    pub fn words(self) -> &'static str {
        EFFECTS[self as usize]
    }

    pub fn from_index(i: u8) -> Effect {
        Effect::ALL[(i as usize).min(3)]
    }

    /// The effect of the engine's answer.
    pub fn of(a: &Answer) -> Effect {
        match (!a.missing.0.is_empty(), !a.duplicated.0.is_empty()) {
            (false, false) => Effect::Nothing,
            (true, false) => Effect::Lost,
            (false, true) => Effect::Duplicated,
            (true, true) => Effect::Both,
        }
    }
}

/// A prediction: the effect, and the records (indices) expected to be lost or duplicated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prediction {
    pub effect: Option<Effect>,
    /// Sorted, without repeats.
    pub records: Vec<usize>,
}

impl Prediction {
    /// Pick or unpick record `i`.
    pub fn toggle(&mut self, i: usize) {
        match self.records.binary_search(&i) {
            Ok(k) => {
                self.records.remove(k);
            }
            Err(k) => self.records.insert(k, i),
        }
    }

    /// Choose the effect; "nothing" clears the records.
    pub fn set_effect(&mut self, e: Effect) {
        self.effect = Some(e);
        if e == Effect::Nothing {
            self.records.clear();
        }
    }

    /// Complete enough to submit: an effect, and records unless the effect is "nothing".
    pub fn ready(&self) -> bool {
        match self.effect {
            None => false,
            Some(Effect::Nothing) => true,
            Some(_) => !self.records.is_empty(),
        }
    }
}

/// A prediction scored against the engine's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Score {
    pub effect_right: bool,
    pub records_right: bool,
    pub points: u8,
    /// The engine's effect and affected records (missing ∪ duplicated, sorted).
    pub actual: Effect,
    pub affected: Vec<usize>,
    /// Affected records the learner did not pick.
    pub missed: Vec<usize>,
    /// Picked records the run leaves alone.
    pub extra: Vec<usize>,
}

/// Records the answer loses or duplicates, sorted.
pub fn affected(a: &Answer) -> Vec<usize> {
    // A set, not a sort: one sort instantiation less in the wasm.
    let mut v: VecSet<usize> = a.missing.0.iter().copied().collect();
    v.extend(a.duplicated.0.iter().map(|&(i, _)| i));
    v.into_vec()
}

/// Score a prediction: a point for the effect, a point for exactly the affected records.
pub fn score(p: &Prediction, a: &Answer) -> Score {
    let actual = Effect::of(a);
    let affected = affected(a);
    let missed: Vec<usize> = affected
        .iter()
        .copied()
        .filter(|i| !p.records.contains(i))
        .collect();
    let extra: Vec<usize> = p
        .records
        .iter()
        .copied()
        .filter(|i| !affected.contains(i))
        .collect();
    let effect_right = p.effect == Some(actual);
    let records_right = missed.is_empty() && extra.is_empty();
    Score {
        effect_right,
        records_right,
        points: effect_right as u8 + records_right as u8,
        actual,
        affected,
        missed,
        extra,
    }
}

/// How many of the lesson's steps to show before the prediction: those up to and including
/// the first one that mentions the fault (later steps tell the answer). "crashed" is not a
/// mention: it looks back at a crash the learner has not seen yet.
pub fn steps_before_prediction(steps: &[&str]) -> usize {
    const FAULT_WORDS: [&str; 9] = [
        "crash ", "crash,", "crash:", "crash.", "dies", "cut off", "stalls", "deleted", "copy",
    ];
    steps
        .iter()
        .position(|s| {
            let s = s.to_ascii_lowercase();
            FAULT_WORDS.iter().any(|w| s.contains(w))
        })
        .map_or(0, |i| i + 1)
}

/// Where a lesson's run pauses for the prediction: on its first fault (crash, zombie,
/// pause, deleted checkpoint); else on its first server error (a lost ack shows as one);
/// else right before a record is read a second time (a republished copy); else at the end.
pub fn pause_point(trace: &[Event]) -> usize {
    let first = |k: &[EventKind]| trace.iter().position(|e| k.contains(&e.kind));
    if let Some(i) = first(&[EventKind::Fault, EventKind::DeleteCheckpoint]) {
        return i;
    }
    if let Some(i) = first(&[EventKind::Error]) {
        return i;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, e) in trace.iter().enumerate() {
        if e.kind == EventKind::Step && e.step == Some(Step::Read) {
            if e.records.iter().any(|r| seen.contains(&r.as_str())) {
                return i.saturating_sub(1);
            }
            seen.extend(e.records.iter().map(String::as_str));
        }
    }
    trace.len().saturating_sub(1)
}

/// The learner's last prediction for a lesson and the best score so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Points of the last prediction, and the best ever.
    pub points: u8,
    pub best: u8,
    /// The last prediction: effect index (into [`Effect::ALL`]) and records.
    pub effect: u8,
    pub records: Vec<usize>,
    pub tries: u32,
}

/// Everything Learn and Quiz remember between visits.
///
/// Stored as lines of words (no JSON machinery in the wasm for it):
/// `l ID POINTS BEST EFFECT TRIES R,R,…` per lesson, `q RIGHT TOTAL`, `o ID`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// By lesson id.
    pub lessons: VecMap<String, Attempt>,
    /// Best quiz score (right answers) and the number of questions it was out of.
    pub quiz_best: Option<(u32, u32)>,
    /// The lesson open when the learner left Learn mode.
    pub open: Option<String>,
}

impl Progress {
    /// Read stored progress; a line that cannot be read is skipped.
    pub fn parse(text: &str) -> Progress {
        let mut p = Progress::default();
        for line in text.lines() {
            let w: Vec<&str> = line.split(' ').collect();
            let n = |i: usize| w.get(i).and_then(|x| x.parse::<u32>().ok());
            match (w.first(), w.len()) {
                (Some(&"l"), 6 | 7) => {
                    let (Some(points), Some(best), Some(effect), Some(tries)) =
                        (n(2), n(3), n(4), n(5))
                    else {
                        continue;
                    };
                    let records = w
                        .get(6)
                        .map(|r| r.split(',').filter_map(|x| x.parse().ok()).collect())
                        .unwrap_or_default();
                    let a = Attempt {
                        points: points.min(MAX_POINTS as u32) as u8,
                        best: best.min(MAX_POINTS as u32) as u8,
                        effect: effect.min(3) as u8,
                        records,
                        tries,
                    };
                    p.lessons.insert(w[1].to_string(), a);
                }
                (Some(&"q"), 3) => p.quiz_best = n(1).zip(n(2)),
                (Some(&"o"), 2) => p.open = Some(w[1].to_string()),
                _ => {}
            }
        }
        p
    }

    /// The text [`Progress::parse`] reads back.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for (id, a) in &self.lessons {
            let r: Vec<String> = a.records.iter().map(|i| i.to_string()).collect();
            s += &format!(
                "l {id} {} {} {} {} {}\n",
                a.points,
                a.best,
                a.effect,
                a.tries,
                r.join(",")
            );
        }
        if let Some((r, t)) = self.quiz_best {
            s += &format!("q {r} {t}\n");
        }
        if let Some(o) = &self.open {
            s += &format!("o {o}\n");
        }
        s
    }

    /// Remember a scored prediction for lesson `id`.
    pub fn record(&mut self, id: &str, p: &Prediction, s: &Score) {
        let e = p.effect.unwrap_or(Effect::Nothing) as u8;
        let a = self.lessons.get_or_insert_with(id.to_string(), || Attempt {
            points: 0,
            best: 0,
            effect: e,
            records: Vec::new(),
            tries: 0,
        });
        a.points = s.points;
        a.best = a.best.max(s.points);
        a.effect = e;
        a.records = p.records.clone();
        a.tries += 1;
    }

    /// Remember a finished quiz; keeps the best score.
    pub fn record_quiz(&mut self, right: u32, total: u32) {
        if self.quiz_best.is_none_or(|(b, _)| right >= b) {
            self.quiz_best = Some((right, total));
        }
    }

    /// Lessons with a prediction, and their points out of the maximum.
    pub fn totals(&self) -> (usize, u32) {
        let pts = self.lessons.values().map(|a| a.best as u32).sum();
        (self.lessons.len(), pts)
    }

    pub fn is_empty(&self) -> bool {
        self.lessons.is_empty() && self.quiz_best.is_none()
    }
}
