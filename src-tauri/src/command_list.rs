// Included by build.rs (to generate a permission per command) and by the
// crate (to test that capabilities/main.json grants exactly these).

/// Every Tauri command the UI may call. A command missing here cannot be
/// granted in `capabilities/` and is refused at run time.
pub const COMMANDS: &[&str] = &[
    "about",
    "ui_ready",
    "project_state",
    "project_choose_location",
    "project_new",
    "project_open",
    "project_save_as",
    "project_close",
    "project_dismiss_failure",
    "project_forget_recent",
    "project_update_info",
    "project_put_revision",
    "project_undo",
    "project_redo",
    "project_export_json",
    "project_import_json",
];
