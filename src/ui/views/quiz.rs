//! The quiz: one question at a time, each answered by running its scenario (the correct
//! choice is the one the engine's outcome selects), a score, and a review.

use std::rc::Rc;

use yew::prelude::*;

use super::super::engine;
use super::fidelity::FidelityMark;
use super::learn::sandbox_link;
use crate::lessons::{self, Answer};

#[derive(Properties, PartialEq)]
pub struct QuizProps {
    /// Best score so far: (right, out of).
    #[prop_or_default]
    pub best: Option<(u32, u32)>,
    /// The last question was answered: (right, out of).
    #[prop_or_default]
    pub on_finish: Callback<(u32, u32)>,
    #[prop_or_default]
    pub on_sandbox: Callback<()>,
}

/// One answered question.
#[derive(Clone, PartialEq)]
struct Answered {
    picked: usize,
    /// The engine's choice (None only if no choice matches its outcome).
    correct: Option<usize>,
    /// The engine's answer in the question's terms, and the run in one line.
    key: String,
    run: String,
}

impl Answered {
    fn right(&self) -> bool {
        self.correct == Some(self.picked)
    }
}

/// The run in one line: what the reader lost and saw twice, the guarantee, the errors.
fn run_line(a: &Answer) -> String {
    let or_none = |v: Vec<String>| {
        if v.is_empty() {
            "none".into()
        } else {
            v.join(", ")
        }
    };
    let dup = a
        .duplicated_ids()
        .into_iter()
        .map(|(id, c)| format!("{id}×{c}"))
        .collect();
    let mut s = format!(
        "lost {} · duplicated {} · guarantee {}",
        or_none(a.missing_ids()),
        or_none(dup),
        a.guarantee_name()
    );
    if !a.errors.is_empty() {
        s.push_str(&format!(" · errors {}", a.errors.join(", ")));
    }
    s
}

#[function_component(Quiz)]
pub fn quiz(p: &QuizProps) -> Html {
    let qs = use_memo((), |_| lessons::quiz());
    let answers = use_state(Vec::<Answered>::new);
    let at = use_state(|| 0usize);
    let total = qs.len();
    let right = answers.iter().filter(|a| a.right()).count() as u32;

    if *at >= total {
        let retake = {
            let (answers, at) = (answers.clone(), at.clone());
            Callback::from(move |_: MouseEvent| {
                answers.set(Vec::new());
                at.set(0);
            })
        };
        let review: Html = qs
            .iter()
            .zip(answers.iter())
            .enumerate()
            .map(|(k, (q, a))| {
                let correct = a.correct.map_or(a.key.as_str(), |c| q.choices[c]);
                html! {
                    <li class={if a.right() { "review-item is-right" } else { "review-item is-wrong" }}>
                        <p class="review-q"><span class="review-n">{ format!("{}.", k + 1) }</span>{ q.prompt }</p>
                        <p>
                            <span class="review-mark" aria-hidden="true">{ if a.right() { "✓ " } else { "✕ " } }</span>
                            { "Your answer: " }<b>{ q.choices[a.picked] }</b>
                            if !a.right() { { " · correct: " }<b>{ correct }</b> }
                        </p>
                        <p class="hint">{ q.explain }</p>
                    </li>
                }
            })
            .collect();
        return html! {
            <section class="quiz card quiz-end" aria-labelledby="quiz-title">
                <h2 id="quiz-title">{ "Quiz: your score" }</h2>
                <p class="score-line">
                    <span class="score-big" data-testid="quiz-score">{ format!("{right} / {total}") }</span>
                    <strong>{ match right * 4 / total.max(1) as u32 { 4 => "Perfect.", 3 => "Well done.", 2 => "Good start.", _ => "Worth another go." } }</strong>
                    if let Some((b, t)) = p.best { <span class="hint">{ format!(" Best: {b} / {t}") }</span> }
                </p>
                <div class="form-actions">
                    <button class="btn btn-primary" onclick={retake}>{ "↺ Take the quiz again" }</button>
                </div>
                <h3>{ "Review" }</h3>
                <ol class="review">{ review }</ol>
            </section>
        };
    }

    let q = qs[*at];
    let answered = answers.get(*at).cloned();
    let choices: Html = q
        .choices
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let onclick = {
                let (answers, on_finish, cur) = (answers.clone(), p.on_finish.clone(), *at);
                Callback::from(move |_: MouseEvent| {
                    if answers.len() != cur {
                        return;
                    }
                    // Answer by running the question's scenario.
                    let o = engine::run_outcome(&q.scenario());
                    let mut v = (*answers).clone();
                    v.push(Answered {
                        picked: k,
                        correct: q.correct_for(&o),
                        key: q.key_for(&o),
                        run: run_line(&Answer::from_outcome(&o)),
                    });
                    if v.len() == total {
                        let r = v.iter().filter(|a| a.right()).count() as u32;
                        on_finish.emit((r, total as u32));
                    }
                    answers.set(v);
                })
            };
            let cls = answered.as_ref().map(|a| {
                if a.correct == Some(k) {
                    "is-right"
                } else if a.picked == k {
                    "is-wrong"
                } else {
                    "is-other"
                }
            });
            let icon = match cls {
                Some("is-right") => "✓ ",
                Some("is-wrong") => "✕ ",
                _ => "",
            };
            html! {
                <li>
                    <button class={format!("quiz-choice {}", cls.unwrap_or(""))} {onclick} disabled={answered.is_some()}
                        data-testid="quiz-choice">
                        <span class="qc-icon" aria-hidden="true">{ icon }</span>{ *c }
                    </button>
                </li>
            }
        })
        .collect();
    let next = {
        let at = at.clone();
        Callback::from(move |_: MouseEvent| at.set(*at + 1))
    };
    let pips: Html = (0..total)
        .map(|k| {
            let cls = match answers.get(k) {
                Some(a) if a.right() => "pip is-right",
                Some(_) => "pip is-wrong",
                None if k == *at => "pip is-current",
                None => "pip",
            };
            html! { <span class={cls}></span> }
        })
        .collect();
    let revealed = answered.is_some();
    let feedback = answered.map(|a| {
        let correct = a.correct.map_or(a.key.as_str(), |c| q.choices[c]);
        html! {
            <div class={if a.right() { "quiz-feedback is-right" } else { "quiz-feedback is-wrong" }} role="status">
                <p class="qf-head">
                    if a.right() { <strong>{ "✓ Right." }</strong> }
                    else { <strong>{ "✕ Not quite." }</strong>{ " The engine's run says: " }<b>{ correct }</b> }
                </p>
                <p>{ q.explain }</p>
                <p class="hint qf-run">{ "This run: " }{ &a.run }</p>
                <div class="form-actions">
                    <button class="btn btn-primary" onclick={next} data-testid="quiz-next">
                        { if *at + 1 == total { "See your score ▶" } else { "Next question ▶" } }
                    </button>
                    { sandbox_link(&q.scenario(), &p.on_sandbox, "Watch this run in the sandbox") }
                </div>
            </div>
        }
    });
    html! {
        <section class="quiz card" aria-labelledby="quiz-title">
            <div class="quiz-head">
                <h2 id="quiz-title">{ format!("Quiz · question {} of {total}", *at + 1) }</h2>
                <div class="pips" aria-hidden="true">{ pips }</div>
                <span class="hint" data-testid="quiz-progress">
                    { format!("{right} right so far") }
                    if let Some((b, t)) = p.best { { format!(" · best {b} / {t}") } }
                </span>
            </div>
            <p class="quiz-prompt">{ q.prompt }</p>
            <p class="hint">{ "Pick one. The engine runs this scenario to check your answer." }</p>
            <FidelityMark key={q.id} scenario={Rc::new(q.scenario())} reveal={revealed} />
            <ol class="quiz-choices">{ choices }</ol>
            // Always one node here, answered or not: the nodes above it are kept (Yew matches
            // unkeyed children from the end), and so is an open fidelity panel.
            { feedback.unwrap_or_default() }
        </section>
    }
}
