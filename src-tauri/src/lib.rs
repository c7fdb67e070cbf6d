//! The Backstop desktop app: the Tauri shell around the domain crates.
//!
//! This crate owns the window, the IPC commands and the app state, and
//! nothing else. Each command in [`commands`] is a few lines that take the
//! state, call a domain crate and map its error into
//! [`backstop_model::AppError`] — the one error type the UI sees.
//!
//! **Architecture invariant:** this is the only crate that knows Tauri. No
//! domain logic lives here; if a command grows beyond delegation, the logic
//! belongs in a domain crate.

pub mod commands;
pub mod display;
mod options;
pub mod state;

use std::process::ExitCode;
use std::time::Instant;

pub use options::Options;
pub use state::AppState;

/// Builds the app and runs it until the window is closed. `started` is when
/// the process started, for the start-up time shown in the about panel.
pub fn run(options: Options, started: Instant) -> ExitCode {
    let state = AppState::new(&options, started);
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .invoke_handler(tauri::generate_handler![commands::about::about, commands::about::ui_ready])
        .run(tauri::generate_context!("../tauri.conf.json"));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("backstop-app: the window could not be started: {err}");
            ExitCode::FAILURE
        }
    }
}
