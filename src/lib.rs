//! crashcourse: a deterministic simulator of delivery guarantees in streaming pipelines.
//!
//! `engine` is pure and runs everywhere; `ui` (wasm32 only) plays the engine's traces.
#![forbid(unsafe_code)]

pub mod base64url;
pub mod content;
pub mod engine;
pub mod export;
pub mod lessons;
pub mod presets;
pub mod share;
pub mod snippets;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
pub mod ui;
