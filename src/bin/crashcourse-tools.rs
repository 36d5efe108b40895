//! The `crashcourse-tools` binary: the browser's tools module (Learn, Quiz, modelling
//! notes, crash matrix, compare, code samples, export), which the simulator page loads on
//! first need (see `crashcourse::ui::bridge`). `scripts/build-tools.sh` builds it for wasm32.

/// Browser entry: mount the tools in `#tools`.
#[cfg(target_arch = "wasm32")]
fn main() {
    crashcourse::ui::tools::start();
}

/// Natively there is nothing to run: the command line is `crashcourse`.
#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "crashcourse-tools is the browser build's tools module (wasm32 only); \
         the command-line interface is `crashcourse`"
    );
    std::process::ExitCode::from(2)
}
