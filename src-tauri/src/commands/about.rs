use backstop_model::{AppError, about::AboutInfo};
use tauri::State;

use crate::AppState;

/// Facts for the about/status panel.
#[tauri::command]
pub fn about(state: State<'_, AppState>) -> Result<AboutInfo, AppError> {
    Ok(state.about())
}
