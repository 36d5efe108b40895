//! The `crashcourse` binary: a thin entry point.
//!
//! - wasm32 (the browser build made by Trunk): mount the Yew app (`crashcourse::ui`).
//! - native: the command-line interface (`crashcourse::cli`, owned by the engine side).

/// Browser entry: install the panic hooks and mount the app in place of `#boot`.
#[cfg(target_arch = "wasm32")]
fn main() {
    crashcourse::ui::start();
}

/// Native entry: the command-line interface.
#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    crashcourse::cli::main()
}
