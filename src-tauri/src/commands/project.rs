//! Project file commands: new, open, save as, close, recent, details,
//! revisions, undo/redo, JSON interchange. Native file dialogs are opened
//! here, in the backend, so the webview needs no file-system permission.

use std::path::PathBuf;

use backstop_model::project::{ProjectInfo, Revision};
use backstop_model::workspace::{NewProjectRequest, OpenMode, OpenRequest, ProjectEvent, ProjectState, ProjectView};
use backstop_model::{AppError, ErrorCode};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use crate::AppState;
use crate::dialogs::{self, Dialog};

/// The open project, recent files and the last failed open.
#[tauri::command(async)]
pub fn project_state(state: State<'_, AppState>) -> Result<ProjectState, AppError> {
    state.session()?.state()
}

/// Shows the native "save" dialog for a new project's location and keeps
/// the answer for `project_new`; returns it for display.
#[tauri::command]
pub async fn project_choose_location(app: AppHandle, state: State<'_, AppState>, suggested_name: String) -> Result<String, AppError> {
    let path = dialogs::ask(&app, Dialog::SaveProject { suggested_name }).await?;
    Ok(state.session()?.choose_new_location(&path).display().to_string())
}

#[tauri::command(async)]
pub fn project_new(app: AppHandle, state: State<'_, AppState>, request: NewProjectRequest) -> Result<ProjectView, AppError> {
    state.with_session(&app, |s| s.create(&request))
}

/// Opens a project; without a path, asks with the native dialog first.
#[tauri::command]
pub async fn project_open(app: AppHandle, state: State<'_, AppState>, request: OpenRequest) -> Result<ProjectView, AppError> {
    match request.path {
        Some(p) if !p.trim().is_empty() => state.with_session(&app, |s| s.open_offered(std::path::Path::new(&p), request.mode)),
        _ => {
            let path = dialogs::ask(&app, Dialog::OpenProject).await?;
            state.with_session(&app, |s| s.open(&path, request.mode))
        }
    }
}

#[tauri::command]
pub async fn project_save_as(app: AppHandle, state: State<'_, AppState>) -> Result<ProjectView, AppError> {
    let suggested_name = state.session()?.project()?.info().map(|i| i.name).unwrap_or_default();
    let target = dialogs::ask(&app, Dialog::SaveProject { suggested_name }).await?;
    state.with_session(&app, |s| s.save_as(&target))
}

#[tauri::command(async)]
pub fn project_close(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    state.with_session(&app, |s| {
        s.close();
        Ok(())
    })
}

#[tauri::command(async)]
pub fn project_dismiss_failure(state: State<'_, AppState>) -> Result<(), AppError> {
    state.session()?.dismiss_failure();
    Ok(())
}

#[tauri::command(async)]
pub fn project_forget_recent(state: State<'_, AppState>, path: String) -> Result<(), AppError> {
    state.session()?.forget(std::path::Path::new(&path))
}

#[tauri::command(async)]
pub fn project_update_info(app: AppHandle, state: State<'_, AppState>, info: ProjectInfo) -> Result<ProjectView, AppError> {
    state.with_session(&app, |s| s.update_info(&info))
}

#[tauri::command(async)]
pub fn project_put_revision(app: AppHandle, state: State<'_, AppState>, revision: Revision) -> Result<ProjectView, AppError> {
    state.with_session(&app, |s| s.put_revision(&revision))
}

#[tauri::command(async)]
pub fn project_undo(app: AppHandle, state: State<'_, AppState>) -> Result<ProjectView, AppError> {
    state.with_session(&app, |s| s.undo())
}

#[tauri::command(async)]
pub fn project_redo(app: AppHandle, state: State<'_, AppState>) -> Result<ProjectView, AppError> {
    state.with_session(&app, |s| s.redo())
}

/// Exports the design as JSON to a file the engineer picks; returns its path.
#[tauri::command]
pub async fn project_export_json(app: AppHandle, state: State<'_, AppState>) -> Result<String, AppError> {
    let name = state.session()?.project()?.info().map(|i| i.name).unwrap_or_default();
    let target = dialogs::ask(&app, Dialog::SaveJson { suggested_name: name }).await?;
    state.session()?.export_json(&target)?;
    Ok(target.display().to_string())
}

/// Creates a new project from a design JSON file (both picked by dialog).
#[tauri::command]
pub async fn project_import_json(app: AppHandle, state: State<'_, AppState>) -> Result<ProjectView, AppError> {
    let source = dialogs::ask(&app, Dialog::OpenJson).await?;
    let name = source.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let target = dialogs::ask(&app, Dialog::SaveProject { suggested_name: name }).await?;
    if target.exists() {
        return Err(AppError::new(ErrorCode::Io, format!("{} already exists; import into a new file name.", target.display())));
    }
    state.with_session(&app, |s| s.import_json(&source, &target))
}

/// The UI's channel for what happens to the project without it asking
/// (a file handed over by a second launch); replaces an earlier one.
#[tauri::command]
pub fn project_subscribe(state: State<'_, AppState>, on_event: Channel<ProjectEvent>) -> Result<(), AppError> {
    state.subscribe_project(on_event);
    Ok(())
}

/// Opens the file a second launch handed over, closing the open project.
#[tauri::command(async)]
pub fn project_accept_handed(app: AppHandle, state: State<'_, AppState>) -> Result<ProjectView, AppError> {
    state.with_session(&app, |s| s.accept_handed())
}

/// Keeps the open project; the handed-over file is not opened.
#[tauri::command(async)]
pub fn project_decline_handed(state: State<'_, AppState>) -> Result<(), AppError> {
    state.session()?.decline_handed();
    Ok(())
}

/// A later launch handed over `file` (or only asked for the window): the
/// file opens at once when no project is open, otherwise it waits for the
/// engineer; the window comes forward and the UI is told.
pub fn handed(app: &AppHandle, file: Option<PathBuf>) {
    let state = app.state::<AppState>();
    if let Some(path) = file
        && let Err(err) = state.with_session(app, |s| {
            s.hand_over(&path);
            Ok(())
        })
    {
        eprintln!("backstop-app: {}: {}", path.display(), err.message);
    }
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    state.tell_project(ProjectEvent::Handed);
}

/// Opens `mode` for a path, used at start-up for the file on the command line.
pub fn open_at_start(app: &AppHandle, state: &AppState, path: PathBuf) {
    if let Err(err) = state.with_session(app, |s| s.open(&path, OpenMode::Edit)) {
        eprintln!("backstop-app: {}: {}", path.display(), err.message);
    }
}
