//! The UI's pure state, compiled on every target: no Yew, no web-sys, so it is tested
//! natively (`tests/playback.rs`) as well as in the browser, and `src/ui` only draws it.
//!
//! - [`playback`]: the playback reducer (cursor, speed, pacing, keyframed fold of the trace).
//! - [`session`]: the session reducer (scenario history, faults, builder drafts, links).
//! - [`learn`]: Learn mode's logic (scoring a prediction, where a lesson pauses, stored
//!   progress).
//! - [`notes`]: semantics §10's modelling conventions for a scenario.

pub mod learn;
pub mod notes;
pub mod playback;
pub mod session;
