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
use crate::state::{blocking, edit_session, read_project};

/// The open project, recent files and the last failed open.
#[tauri::command]
pub async fn project_state(app: AppHandle) -> Result<ProjectState, AppError> {
    blocking(&app, move |state, _| state.session()?.state()).await
}

/// Shows the native "save" dialog for a new project's location and keeps
/// the answer for `project_new`; returns it for display.
#[tauri::command]
pub async fn project_choose_location(app: AppHandle, suggested_name: String) -> Result<String, AppError> {
    let path = dialogs::ask(&app, Dialog::SaveProject { suggested_name }).await?;
    blocking(&app, move |state, _| Ok(state.session()?.choose_new_location(&path).display().to_string())).await
}

#[tauri::command]
pub async fn project_new(app: AppHandle, request: NewProjectRequest) -> Result<ProjectView, AppError> {
    edit_session(&app, move |s| s.create(&request)).await
}

/// Opens a project; without a path, asks with the native dialog first.
#[tauri::command]
pub async fn project_open(app: AppHandle, request: OpenRequest) -> Result<ProjectView, AppError> {
    let mode = request.mode;
    match request.path {
        Some(p) if !p.trim().is_empty() => edit_session(&app, move |s| s.open_offered(std::path::Path::new(&p), mode)).await,
        _ => {
            let path = dialogs::ask(&app, Dialog::OpenProject).await?;
            edit_session(&app, move |s| s.open(&path, mode)).await
        }
    }
}

#[tauri::command]
pub async fn project_save_as(app: AppHandle) -> Result<ProjectView, AppError> {
    let suggested_name = read_project(&app, |p| Ok(p.info().map(|i| i.name).unwrap_or_default())).await?;
    let target = dialogs::ask(&app, Dialog::SaveProject { suggested_name }).await?;
    edit_session(&app, move |s| s.save_as(&target)).await
}

#[tauri::command]
pub async fn project_close(app: AppHandle) -> Result<(), AppError> {
    edit_session(&app, |s| {
        s.close();
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn project_dismiss_failure(app: AppHandle) -> Result<(), AppError> {
    blocking(&app, move |state, _| {
        state.session()?.dismiss_failure();
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn project_forget_recent(app: AppHandle, path: String) -> Result<(), AppError> {
    blocking(&app, move |state, _| state.session()?.forget(std::path::Path::new(&path))).await
}

#[tauri::command]
pub async fn project_update_info(app: AppHandle, info: ProjectInfo) -> Result<ProjectView, AppError> {
    edit_session(&app, move |s| s.update_info(&info)).await
}

#[tauri::command]
pub async fn project_put_revision(app: AppHandle, revision: Revision) -> Result<ProjectView, AppError> {
    edit_session(&app, move |s| s.put_revision(&revision)).await
}

#[tauri::command]
pub async fn project_undo(app: AppHandle) -> Result<ProjectView, AppError> {
    edit_session(&app, move |s| s.undo()).await
}

#[tauri::command]
pub async fn project_redo(app: AppHandle) -> Result<ProjectView, AppError> {
    edit_session(&app, move |s| s.redo()).await
}

/// Exports the design as JSON to a file the engineer picks; returns its path.
#[tauri::command]
pub async fn project_export_json(app: AppHandle) -> Result<String, AppError> {
    let name = read_project(&app, |p| Ok(p.info().map(|i| i.name).unwrap_or_default())).await?;
    let target = dialogs::ask(&app, Dialog::SaveJson { suggested_name: name }).await?;
    blocking(&app, move |state, _| {
        state.session()?.export_json(&target)?;
        Ok(target.display().to_string())
    })
    .await
}

/// Creates a new project from a design JSON file (both picked by dialog).
#[tauri::command]
pub async fn project_import_json(app: AppHandle) -> Result<ProjectView, AppError> {
    let source = dialogs::ask(&app, Dialog::OpenJson).await?;
    let name = source.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let target = dialogs::ask(&app, Dialog::SaveProject { suggested_name: name }).await?;
    if target.exists() {
        return Err(AppError::new(ErrorCode::Io, format!("{} already exists; import into a new file name.", target.display())));
    }
    edit_session(&app, move |s| s.import_json(&source, &target)).await
}

/// The UI's channel for what happens to the project without it asking
/// (a file handed over by a second launch); replaces an earlier one.
#[tauri::command]
pub fn project_subscribe(state: State<'_, AppState>, on_event: Channel<ProjectEvent>) -> Result<(), AppError> {
    state.subscribe_project(on_event);
    Ok(())
}

/// Opens the file a second launch handed over, closing the open project.
#[tauri::command]
pub async fn project_accept_handed(app: AppHandle) -> Result<ProjectView, AppError> {
    edit_session(&app, move |s| s.accept_handed()).await
}

/// Keeps the open project; the handed-over file is not opened.
#[tauri::command]
pub async fn project_decline_handed(app: AppHandle) -> Result<(), AppError> {
    blocking(&app, move |state, _| {
        state.session()?.decline_handed();
        Ok(())
    })
    .await
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
