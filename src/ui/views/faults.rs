//! Faults: the scenario's faults (removable), and a menu to add any kind the engine accepts.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::super::engine::scenario::{record_id, Step};
use super::super::engine::{self, Fault, FaultKind, Scenario};
use super::{step_words, Dispatch, Latest, Loaded};
use crate::state::playback::PlayAction;
use crate::state::session::{fault_label, Act, Message};

/// The menu's words for each kind, in the name table's order.
fn kind_label(k: FaultKind) -> &'static str {
    match k {
        FaultKind::Crash => "Crash after a step",
        FaultKind::CrashMidWrite => "Crash in the middle of the write",
        FaultKind::LostAck => "Lost ack (the server applied it, the client saw an error)",
        FaultKind::DeleteCheckpoint => "Delete the checkpoint before a restart",
        FaultKind::Zombie => {
            "Zombie: cut off, a new process takes over, the old one finishes later"
        }
        FaultKind::Pause => "Pause: the process stalls, the clock runs",
        FaultKind::Republish => "Republish: the publisher sends a record twice",
    }
}

/// The fault form's values (as typed; turned into a fault on submit).
#[derive(Clone, Debug, PartialEq)]
struct Form {
    kind: FaultKind,
    batch: u64,
    attempt: u32,
    step: Step,
    after_records: u64,
    request: u64,
    before_restart: u32,
    downtime: u64,
    ticks: u64,
    record: usize,
    after: usize,
    event_time: Option<u64>,
}

impl Form {
    fn new(s: &Scenario, at: Option<&engine::Event>) -> Form {
        let steps = s.steps();
        Form {
            kind: FaultKind::Crash,
            batch: at.and_then(|e| e.batch).unwrap_or(1),
            attempt: at.and_then(|e| e.attempt).unwrap_or(1),
            step: at
                .and_then(|e| e.step)
                .filter(|st| steps.contains(st))
                .or_else(|| steps.iter().copied().find(|st| *st == Step::SinkWrite))
                .unwrap_or(steps[0]),
            after_records: 1,
            request: 0,
            before_restart: 1,
            downtime: 1,
            ticks: 15,
            record: 2,
            after: 2,
            event_time: None,
        }
    }

    fn fault(&self) -> Fault {
        let (batch, attempt) = (self.batch, self.attempt.max(1));
        match self.kind {
            FaultKind::CrashMidWrite => Fault::CrashMidWrite {
                batch,
                attempt,
                after_records: self.after_records.max(1),
                downtime: self.downtime,
            },
            FaultKind::LostAck => Fault::LostAck {
                batch,
                attempt,
                request: self.request,
            },
            FaultKind::DeleteCheckpoint => Fault::DeleteCheckpoint {
                before_restart: self.before_restart.max(1),
            },
            FaultKind::Zombie => Fault::Zombie {
                batch,
                attempt,
                after: self.step,
                downtime: self.downtime,
            },
            FaultKind::Pause => Fault::Pause {
                batch,
                attempt,
                after: self.step,
                ticks: self.ticks.max(1),
            },
            FaultKind::Republish => Fault::Republish {
                record: record_id(self.record),
                after: Some(record_id(self.after.max(self.record))),
                event_time: self.event_time,
            },
            FaultKind::Crash => Fault::Crash {
                batch,
                attempt,
                after: self.step,
                downtime: self.downtime,
            },
        }
    }
}

fn num<T: std::str::FromStr>(e: &Event) -> Option<T> {
    e.target_unchecked_into::<HtmlInputElement>()
        .value()
        .trim()
        .parse()
        .ok()
}

#[derive(Properties, PartialEq)]
pub struct FaultsProps {
    pub loaded: Loaded,
    /// What the last fault or crash asked for did ([`Message::is_fault`]).
    pub message: Option<Message>,
    pub dispatch: Dispatch,
    /// For the step at the cursor, read when the form opens and on "Use the current step".
    pub latest: Latest,
}

#[function_component(Faults)]
pub fn faults(p: &FaultsProps) -> Html {
    crate::ui::count_render("faults");
    let (d, scenario) = (&p.dispatch, &*p.loaded.scenario);
    let form = {
        let scenario = scenario.clone();
        let latest = p.latest.clone();
        use_state(move || Form::new(&scenario, latest.get().playback.event()))
    };
    let o = &p.loaded.run.outcome;
    let trace = &p.loaded.run.trace;

    let list: Html = scenario
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let fired = !o.unfired_faults.contains(&i);
            let at = trace.iter().position(|e| e.fault == Some(i));
            let remove = {
                let d = d.clone();
                Callback::from(move |_: MouseEvent| d.dispatch(Act::RemoveFault(i)))
            };
            let goto = at.map(|ev| {
                let d = d.clone();
                Callback::from(move |_: MouseEvent| d.dispatch(Act::Play(PlayAction::Seek(ev))))
            });
            html! {
                <li class={classes!("fault", (!fired).then_some("is-unfired"))} data-testid="fault">
                    <span class="fault-kind">{ f.kind_name().replace('_', " ") }</span>
                    <span class="fault-desc">{ fault_label(scenario, f) }</span>
                    <span class="fault-state">{ if fired { "fired" } else { "did not fire: its point was never reached" } }</span>
                    <span class="fault-actions">
                        if let Some(goto) = goto {
                            <button class="link-btn" onclick={goto}>{ format!("go to step {}", at.unwrap_or(0) + 1) }</button>
                        }
                        <button class="icon-btn" onclick={remove} aria-label={format!("Remove fault: {}", fault_label(scenario, f))} title="Remove">{ "✕" }</button>
                    </span>
                </li>
            }
        })
        .collect();

    let f = (*form).clone();
    let kinds: Html = FaultKind::ALL
        .iter()
        .map(|&k| {
            // Why the engine refuses this kind for the scenario at all (not just this placement).
            let refusal = k
                .applies_to(&scenario.source, &scenario.engine, &scenario.sink)
                .err();
            let label = kind_label(k);
            let text = match &refusal {
                Some(r) => format!("{label} — not for this scenario: {r}"),
                None => label.to_string(),
            };
            html! { <option value={k.name()} selected={f.kind == k} disabled={refusal.is_some()}>{ text }</option> }
        })
        .collect();

    let set = |g: fn(&mut Form, &Event)| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut f = (*form).clone();
            g(&mut f, &e);
            form.set(f);
        })
    };
    let on_kind = set(|f, e| {
        let v = e.target_unchecked_into::<HtmlInputElement>().value();
        if let Some(k) = FaultKind::from_name(&v) {
            f.kind = k;
        }
    });
    let on_batch = set(|f, e| f.batch = num(e).unwrap_or(f.batch));
    let on_attempt = set(|f, e| f.attempt = num(e).unwrap_or(f.attempt));
    let on_step = set(|f, e| {
        let v = e.target_unchecked_into::<HtmlInputElement>().value();
        if let Some(st) = Step::from_name(&v) {
            f.step = st;
        }
    });
    let on_k = set(|f, e| f.after_records = num(e).unwrap_or(f.after_records));
    let on_req = set(|f, e| f.request = num(e).unwrap_or(f.request));
    let on_restart = set(|f, e| f.before_restart = num(e).unwrap_or(f.before_restart));
    let on_down = set(|f, e| f.downtime = num(e).unwrap_or(f.downtime));
    let on_ticks = set(|f, e| f.ticks = num(e).unwrap_or(f.ticks));
    let on_record = set(|f, e| f.record = num(e).unwrap_or(f.record));
    let on_after = set(|f, e| f.after = num(e).unwrap_or(f.after));
    let on_et = set(|f, e| f.event_time = num(e));
    let from_cursor = {
        let (form, latest) = (form.clone(), p.latest.clone());
        Callback::from(move |_: MouseEvent| {
            let mut f = (*form).clone();
            if let Some(e) = latest.get().playback.event() {
                if let Some(b) = e.batch {
                    f.batch = b;
                }
                if let Some(a) = e.attempt {
                    f.attempt = a;
                }
                if let Some(st) = e.step {
                    f.step = st;
                }
            }
            form.set(f);
        })
    };
    let add = {
        let d = d.clone();
        let form = form.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            d.dispatch(Act::AddFault(form.fault()));
        })
    };
    let clear = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Act::ClearFaults))
    };

    let n = scenario.workload.records as usize;
    let steps: Html = scenario
        .steps()
        .into_iter()
        .map(|st| html! { <option value={st.name()} selected={st == f.step}>{ step_words(st) }</option> })
        .collect();
    let record_opts = |sel: usize, min: usize| -> Html {
        (min..n)
            .map(|i| html! { <option value={i.to_string()} selected={i == sel}>{ record_id(i) }</option> })
            .collect()
    };
    let point = f.fault().point().is_some();
    let with_step = matches!(
        f.kind,
        FaultKind::Crash | FaultKind::Zombie | FaultKind::Pause
    );
    let with_down = matches!(
        f.kind,
        FaultKind::Crash | FaultKind::CrashMidWrite | FaultKind::Zombie
    );

    let message = match &p.message {
        Some(Message::FaultRefused(e)) => {
            html! { <p class="msg msg-refused" role="alert"><strong>{ "The engine refused it: " }</strong>{ e }</p> }
        }
        Some(Message::FaultAdded(d)) => {
            html! { <p class="msg msg-ok" role="status">{ format!("Added: {d}.") }</p> }
        }
        _ => html! {},
    };

    html! {
        <section class="faults card" aria-labelledby="faults-title">
            <h2 id="faults-title">{ "Faults" }</h2>
            if scenario.faults.is_empty() {
                <p class="muted">{ "No faults: the run is clean. Add one below, or press C on a step of the timeline." }</p>
            } else {
                <ul class="fault-list">{ list }</ul>
                <button class="btn btn-quiet" onclick={clear}>{ "Remove every fault" }</button>
            }
            <form class="fault-form" onsubmit={add}>
                <label class="field wide">
                    <span>{ "Add a fault" }</span>
                    <select onchange={on_kind} data-testid="fault-kind">{ kinds }</select>
                </label>
                if point {
                    <label class="field"><span>{ "batch" }</span>
                        <input type="number" min="0" value={f.batch.to_string()} onchange={on_batch} /></label>
                    <label class="field"><span>{ "attempt" }</span>
                        <input type="number" min="1" value={f.attempt.to_string()} onchange={on_attempt} /></label>
                }
                if with_step {
                    <label class="field"><span>{ "after step" }</span>
                        <select onchange={on_step}>{ steps }</select></label>
                }
                if f.kind == FaultKind::CrashMidWrite {
                    <label class="field"><span>{ "after k rows" }</span>
                        <input type="number" min="1" value={f.after_records.to_string()} onchange={on_k} /></label>
                }
                if f.kind == FaultKind::LostAck {
                    <label class="field"><span>{ "request (0-based)" }</span>
                        <input type="number" min="0" value={f.request.to_string()} onchange={on_req} /></label>
                }
                if f.kind == FaultKind::DeleteCheckpoint {
                    <label class="field"><span>{ "before restart" }</span>
                        <input type="number" min="1" value={f.before_restart.to_string()} onchange={on_restart} /></label>
                }
                if with_down {
                    <label class="field"><span>{ "downtime (ticks)" }</span>
                        <input type="number" min="0" value={f.downtime.to_string()} onchange={on_down} /></label>
                }
                if f.kind == FaultKind::Pause {
                    <label class="field"><span>{ "ticks" }</span>
                        <input type="number" min="1" value={f.ticks.to_string()} onchange={on_ticks} /></label>
                }
                if f.kind == FaultKind::Republish {
                    <label class="field"><span>{ "record" }</span>
                        <select onchange={on_record}>{ record_opts(f.record, 0) }</select></label>
                    <label class="field"><span>{ "inserted after" }</span>
                        <select onchange={on_after}>{ record_opts(f.after.max(f.record), f.record) }</select></label>
                    <label class="field"><span>{ "event time (empty = same)" }</span>
                        <input type="number" min="0" value={f.event_time.map(|t| t.to_string()).unwrap_or_default()} onchange={on_et} /></label>
                }
                <div class="form-actions">
                    if point {
                        <button type="button" class="btn btn-quiet" onclick={from_cursor}>{ "Use the current step" }</button>
                    }
                    <button type="submit" class="btn btn-primary" data-testid="add-fault">{ "Add fault" }</button>
                </div>
            </form>
            { message }
        </section>
    }
}
