//! Sizing commands: the case list, cases (create, open, rename, delete,
//! save with their result), computing UPS and peak-shaving cases with
//! charts, load-profile import, the optimizer, the catalog (browse, add or
//! edit project entries) and the calculation sheet as text. The work is in
//! `backstop-sizing`; [`crate::sizing_cases`] holds the glue to the file.

use backstop_model::AppError;
use backstop_model::catalog::CatalogEntry;
use backstop_model::sizing::{OptimizeResult, PeakCase, UpsCase};
use backstop_model::sizing_view::{
    CaseKind, CatalogPutOutcome, CatalogView, OptimizeRequest, PeakComputed, ProfileImport, SaveCaseRequest, SizingCase, SizingOverview,
    StoredCase,
};
use tauri::AppHandle;

use super::raw_json;
use crate::AppState;
use crate::dialogs::{self, Dialog};
use crate::session::store_error;
use crate::sizing_cases as glue;
use crate::state::{blocking, edit_project, read_project};

/// The catalog to size with: built-in merged with the open project's entries
/// (built-in only when no project is open). The session is held only while
/// reading.
fn catalog(state: &AppState) -> Result<Vec<CatalogEntry>, AppError> {
    let session = state.session()?;
    match session.project() {
        Ok(p) => Ok(glue::catalog_of(Some(&p.design().map_err(store_error)?))),
        Err(_) => Ok(glue::catalog_of(None)),
    }
}

/// Cases of the open project with what their stored results say, and what
/// the layout offers (racks, UPS units, battery cabinets).
#[tauri::command]
pub async fn sizing_overview(app: AppHandle) -> Result<SizingOverview, AppError> {
    read_project(&app, glue::overview).await
}

/// The catalog with every value's source, and each entry's validation.
#[tauri::command]
pub async fn sizing_catalog(app: AppHandle) -> Result<CatalogView, AppError> {
    blocking(&app, move |state, _| {
        let session = state.session()?;
        match session.project() {
            Ok(p) => Ok(glue::catalog_view(Some(&p.design().map_err(store_error)?))),
            Err(_) => Ok(glue::catalog_view(None)),
        }
    })
    .await
}

/// Adds or replaces a project catalog entry (JSON); field errors come back
/// in the outcome and nothing is saved.
#[tauri::command]
pub async fn sizing_catalog_put(app: AppHandle, entry_json: String) -> Result<CatalogPutOutcome, AppError> {
    edit_project(&app, move |p| glue::put_catalog_entry(p, &entry_json)).await
}

/// Removes a project catalog entry (the built-in one, if any, applies again).
#[tauri::command]
pub async fn sizing_catalog_delete(app: AppHandle, key: String) -> Result<(), AppError> {
    edit_project(&app, move |p| glue::delete_catalog_entry(p, &key)).await
}

/// Adds a case prefilled from the layout; returns its key.
#[tauri::command]
pub async fn sizing_case_create(app: AppHandle, kind: CaseKind, name: String) -> Result<String, AppError> {
    edit_project(&app, move |p| glue::create_case(p, kind, &name)).await
}

/// A stored case (for peak shaving with its saved profile loaded).
#[tauri::command]
pub async fn sizing_case_get(app: AppHandle, key: String) -> Result<StoredCase, AppError> {
    blocking(&app, move |state, _| glue::get_case(state.session()?.project()?, &state.inputs, &key)).await
}

#[tauri::command]
pub async fn sizing_case_rename(app: AppHandle, key: String, name: String) -> Result<(), AppError> {
    edit_project(&app, move |p| glue::rename_case(p, &key, &name)).await
}

/// Deletes a case with its result and profile (one undoable edit).
#[tauri::command]
pub async fn sizing_case_delete(app: AppHandle, key: String) -> Result<(), AppError> {
    edit_project(&app, move |p| glue::delete_case(p, &key)).await
}

/// Saves a case with its result computed afresh; returns a confirmation.
#[tauri::command]
pub async fn sizing_case_save(app: AppHandle, request: SaveCaseRequest) -> Result<String, AppError> {
    blocking(&app, move |state, app| state.with_session(app, |s| glue::save_case(s.project_mut()?, &state.inputs, &request))).await
}

/// Sizes a UPS case as edited (nothing is saved), with its charts: an
/// [`UpsComputed`](backstop_model::sizing_view::UpsComputed) as JSON bytes.
#[tauri::command]
pub async fn sizing_ups_compute(app: AppHandle, case: UpsCase) -> Result<tauri::ipc::Response, AppError> {
    blocking(&app, move |state, _| raw_json(&glue::compute_ups(&case, &catalog(state)?))).await
}

/// Sizes a peak-shaving case over a held profile (nothing is saved): a
/// [`PeakComputed`] as JSON bytes.
#[tauri::command]
pub async fn sizing_peak_compute(app: AppHandle, case: PeakCase, profile_token: Option<String>) -> Result<tauri::ipc::Response, AppError> {
    blocking(&app, move |state, _| {
        let computed: PeakComputed = glue::compute_peak(&state.inputs, &case, profile_token.as_deref(), &catalog(state)?)?;
        raw_json(&computed)
    })
    .await
}

/// Sizes a power-smoothing case over a held measured trace, or its
/// synthetic training profile without one (nothing is saved), in two
/// parts: the result without the ramp-limit trade-off curve goes ahead on
/// `on_first` as soon as it is known, and the reply is the complete
/// [`SmoothComputed`](backstop_model::sizing_view::SmoothComputed) (with
/// the requirement presets) — or `null` when the next edit's computation
/// superseded this one. Both as JSON bytes.
#[tauri::command]
pub async fn sizing_smooth_compute(
    app: AppHandle,
    case: backstop_model::sizing_smooth::SmoothCase,
    trace_token: Option<String>,
    ticket: Option<u64>,
    on_first: tauri::ipc::Channel<tauri::ipc::Response>,
) -> Result<tauri::ipc::Response, AppError> {
    blocking(&app, move |state, _| {
        let whole = glue::compute_smooth_ticketed(&state.inputs, ticket, &case, trace_token.as_deref(), &catalog(state)?, |first| {
            // A webview that is gone cannot be told; the reply fails the same way.
            if let Ok(bytes) = raw_json(&first) {
                let _ = on_first.send(bytes);
            }
        })?;
        raw_json(&whole)
    })
    .await
}

/// Stops the smoothing computation the editor started with `ticket` (an
/// edit came meanwhile that left the form not ready, so no newer
/// computation supersedes it): it replies `null` from its next check (a
/// millisecond or two; at its first if this overtook its request).
#[tauri::command]
pub async fn sizing_smooth_cancel(app: AppHandle, ticket: u64) -> Result<(), AppError> {
    blocking(&app, move |state, _| {
        glue::cancel_smooth(&state.inputs, ticket);
        Ok(())
    })
    .await
}

/// Imports a measured power trace (CSV of time and power) picked in the
/// native dialog for a smoothing case; read line by line, a named pipe or
/// device refused before reading.
#[tauri::command]
pub async fn sizing_trace_import(app: AppHandle) -> Result<backstop_model::sizing_view::TraceImport, AppError> {
    let path =
        dialogs::ask(&app, Dialog::Open { title: "Import a measured power trace (CSV)", filter: ("Power trace CSV", &["csv", "txt"]) })
            .await?;
    blocking(&app, move |state, _| glue::import_trace_file(&state.inputs, &path)).await
}

/// Imports a load-profile CSV picked in the native dialog (the webview never
/// names the file; a named pipe or device is refused before reading).
#[tauri::command]
pub async fn sizing_profile_import(app: AppHandle) -> Result<ProfileImport, AppError> {
    let path =
        dialogs::ask(&app, Dialog::Open { title: "Import a load profile (CSV)", filter: ("Load profile CSV", &["csv", "txt"]) }).await?;
    blocking(&app, move |state, _| glue::import_profile_file(&state.inputs, &path)).await
}

/// Searches the catalog for the cheapest or smallest configurations.
#[tauri::command]
pub async fn sizing_optimize(app: AppHandle, request: OptimizeRequest) -> Result<OptimizeResult, AppError> {
    blocking(&app, move |state, _| glue::optimize(&state.inputs, &request, &catalog(state)?)).await
}

/// Writes the calculation sheet of a case as text where the engineer
/// chooses; returns the path.
#[tauri::command]
pub async fn sizing_export_sheet(app: AppHandle, case: SizingCase, profile_token: Option<String>) -> Result<String, AppError> {
    let name = match case.name().trim() {
        "" => "sizing case".to_string(),
        n => n.replace(['/', '\\'], "-"),
    };
    // The sheet first: a case that cannot be sized is refused before the
    // engineer is asked where to save it.
    let text = blocking(&app, move |state, _| glue::sheet_text(&state.inputs, &case, profile_token.as_deref(), &catalog(state)?)).await?;
    let target =
        dialogs::ask(&app, Dialog::SaveAs { suggested_name: format!("{name} — calculation sheet.txt"), filter: ("Text", "txt") }).await?;
    super::write_file(&app, target, text.into_bytes()).await
}
