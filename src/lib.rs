//! crashcourse: a deterministic simulator of delivery guarantees in streaming pipelines.
//!
//! `engine` is pure and runs everywhere; `state` (the UI's reducers, also everywhere) plays
//! and edits its runs; `ui` (wasm32 only) draws that state with Yew.
#![forbid(unsafe_code)]

pub mod base64url;
pub mod content;
pub mod engine;
pub mod export;
pub mod fidelity;
pub mod jsondoc;
pub mod lessons;
pub mod presets;
pub mod share;
pub mod snippets;
pub mod state;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
pub mod ui;
