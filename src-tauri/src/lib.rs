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
include!("command_list.rs");
mod dialogs;
pub mod display;
pub mod instance;
pub mod link_hub;
pub mod navigation;
mod options;
pub mod state;

// The application core the commands adapt (shared with the CLI).
pub use backstop_core::{commissioning, layout_edit, reports, session, sizing_cases};

use std::process::ExitCode;
use std::time::Instant;

use tauri::Manager;

pub use options::Options;
pub use state::AppState;

/// Builds the app and runs it until the window is closed. `started` is when
/// the process started, for the start-up time shown in the about panel.
///
/// `listener` serves files handed over by later launches (see [`instance`]).
pub fn run(options: Options, started: Instant, listener: Option<instance::Listener>) -> ExitCode {
    let state = AppState::new(&options, started);
    let open_at_start = options.project.clone();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(navigation::guard())
        .manage(state)
        .setup(move |app| {
            app.state::<AppState>().link.start_logger(app.handle().clone());
            if let Some(path) = open_at_start {
                let state = app.state::<AppState>();
                commands::project::open_at_start(app.handle(), &state, path);
            }
            if let Some(listener) = listener {
                let handle = app.handle().clone();
                listener.serve(move |file| commands::project::handed(&handle, file));
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::about::about,
            commands::about::ui_ready,
            commands::project::project_state,
            commands::project::project_choose_location,
            commands::project::project_new,
            commands::project::project_open,
            commands::project::project_save_as,
            commands::project::project_close,
            commands::project::project_dismiss_failure,
            commands::project::project_forget_recent,
            commands::project::project_update_info,
            commands::project::project_put_revision,
            commands::project::project_undo,
            commands::project::project_redo,
            commands::project::project_export_json,
            commands::project::project_import_json,
            commands::project::project_subscribe,
            commands::project::project_accept_handed,
            commands::project::project_decline_handed,
            commands::link::link_ports,
            commands::link::link_subscribe,
            commands::link::link_samples,
            commands::link::link_status,
            commands::link::link_connect,
            commands::link::link_disconnect,
            commands::link::link_scan,
            commands::link::link_scan_cancel,
            commands::link::link_discover,
            commands::link::link_read_device,
            commands::link::link_poll_start,
            commands::link::link_poll_stop,
            commands::link::link_arm,
            commands::link::link_disarm,
            commands::link::link_write,
            commands::link::link_traffic,
            commands::link::link_traffic_export,
            commands::commission::commission_view,
            commands::commission::commission_start,
            commands::commission::commission_run,
            commands::commission::commission_comm_loss,
            commands::commission::commission_note,
            commands::commission::commission_sign_off,
            commands::commission::commission_plan,
            commands::commission::commission_save_plan,
            commands::commission::commission_assign,
            commands::report::report_preview,
            commands::report::report_export,
            commands::sizing::sizing_overview,
            commands::sizing::sizing_catalog,
            commands::sizing::sizing_catalog_put,
            commands::sizing::sizing_catalog_delete,
            commands::sizing::sizing_case_create,
            commands::sizing::sizing_case_get,
            commands::sizing::sizing_case_rename,
            commands::sizing::sizing_case_delete,
            commands::sizing::sizing_case_save,
            commands::sizing::sizing_ups_compute,
            commands::sizing::sizing_peak_compute,
            commands::sizing::sizing_smooth_compute,
            commands::sizing::sizing_smooth_cancel,
            commands::sizing::sizing_profile_import,
            commands::sizing::sizing_trace_import,
            commands::sizing::sizing_optimize,
            commands::sizing::sizing_export_sheet,
            commands::layout::layout_view,
            commands::layout::layout_edit,
            commands::layout::layout_auto_place,
            commands::layout::layout_rule_set_use,
            commands::layout::layout_rule_set_copy,
            commands::layout::layout_rule_set_save,
            commands::layout::layout_rule_set_delete,
            commands::layout::layout_export,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("backstop-app: the window could not be started: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn capabilities_grant_exactly_the_registered_commands() {
        let text = include_str!("../capabilities/main.json");
        let caps: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut granted: Vec<String> = caps["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
        let mut expected: Vec<String> = super::COMMANDS.iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
        granted.sort();
        expected.sort();
        assert_eq!(granted, expected, "capabilities/main.json must grant each command once, and nothing else");
    }
}
