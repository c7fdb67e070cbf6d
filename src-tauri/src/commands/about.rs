use backstop_model::{AppError, about::AboutInfo};
use tauri::{AppHandle, State};

use crate::AppState;

/// Facts for the about/status panel (they name the open project, so they
/// wait for the session like any command that reads the file).
#[tauri::command]
pub async fn about(app: AppHandle) -> Result<AboutInfo, AppError> {
    crate::state::blocking(&app, |state, _| Ok(state.about())).await
}

/// The UI reports its first paint; the start-up time is shown in the about
/// panel, and printed (then the app exits) under `--exit-after-first-paint`.
#[tauri::command]
pub fn ui_ready(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    let elapsed = state.mark_first_paint();
    if state.exit_after_first_paint {
        println!("first-paint-ms={:.1}", elapsed.as_secs_f64() * 1000.0);
        app.exit(0);
    }
    Ok(())
}
