//! Presenter mode (key `F`, or `?present=1` with or without `embed=1`): only the stage, the
//! narration and a compact timeline, laid out 16:9 and scaled to the viewport so it reads
//! from the back of a room. A presentation clicker works: → / PageDown step, ← / PageUp
//! back, Space play (the page's keyboard handler, `app::key_action`).

use yew::prelude::*;

use super::caption::captions;
use super::narration::narration;
use super::stage::Stage;
use super::timeline::{pacing_toggle, play_on, scrub_on};
use super::Dispatch;
use crate::state::playback::{PlayAction, Playback};
use crate::state::session::Act;

/// Play controls, the scrubber and the position: the timeline without its tick strip.
fn compact_timeline(pb: &Playback, d: &Dispatch) -> Html {
    let play = |a: PlayAction| play_on(d, a);
    let act = |a: Act| {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(a.clone()))
    };
    let on_scrub = scrub_on(d);
    let speed = crate::state::playback::SPEEDS[pb.speed].1;
    html! {
        <div class="pt" role="group" aria-label="Playback" data-testid="present-timeline">
            <button class="ctl" onclick={play(PlayAction::StepBack)} data-testid="step-back"
                aria-label="Step back (← or PageUp)" disabled={pb.cursor == 0}>{ "◀" }</button>
            <button class="ctl ctl-play" onclick={play(PlayAction::TogglePlay)} data-testid="play"
                aria-label={if pb.playing { "Pause (space)" } else { "Play (space)" }}>
                { if pb.playing { "❚❚" } else { "▶" } }
            </button>
            <button class="ctl" onclick={play(PlayAction::StepForward)} data-testid="step-forward"
                aria-label="Step forward (→ or PageDown)">{ "▶❘" }</button>
            <input class="scrub" type="range" min="0" max={pb.last().to_string()} value={pb.cursor.to_string()}
                oninput={on_scrub} aria-label="Scrub through the run" />
            <span class="pt-pos">{ format!("{} / {}", pb.cursor + 1, pb.len()) }</span>
            <button class="ctl ctl-text" onclick={play(PlayAction::Slower)} aria-label="Slower ([)">{ "−" }</button>
            <span class="pt-speed" aria-label="Speed">{ speed }</span>
            <button class="ctl ctl-text" onclick={play(PlayAction::Faster)} aria-label="Faster (])">{ "+" }</button>
            { pacing_toggle(pb, d, "Hold") }
            if !super::super::embed::options().embed {
                <button class="ctl ctl-text" onclick={act(Act::TogglePresent)} data-testid="present-exit"
                    title="Leave presenter mode (F)">{ "✕ F" }</button>
            }
        </div>
    }
}

/// The presenter layout, with the scenario's title.
pub fn presenter(pb: &Playback, title: &str, d: &Dispatch) -> Html {
    html! {
        <div class="app present" data-present="1" data-testid="app">
            <main class="present-frame">
                <h1 class="sr-only">{ title.to_string() }</h1>
                <div class="present-stage"><Stage pb={pb.clone()} /></div>
                <div class="present-side">
                    { captions(pb, d) }
                    { narration(pb) }
                </div>
                { compact_timeline(pb, d) }
            </main>
        </div>
    }
}
