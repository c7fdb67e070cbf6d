//! Layout commands: the plan view (layout, footprints, rule set in force,
//! full check, BOM), editor operations (each one undoable edit), auto-place,
//! rule-set choice/copy/edit, and exports (BOM CSV, plan SVG and PNG). The
//! work is in `backstop-layout`; [`crate::layout_edit`] is the glue.

use backstop_model::AppError;
use backstop_model::layout::RuleSet;
use backstop_model::layout_view::{AutoPlaceCall, AutoPlaceOutcome, EditOutcome, LayoutEdit, LayoutExport, LayoutView, RuleSetSaveOutcome};
use tauri::AppHandle;

use super::write_file;
use crate::dialogs::{self, Dialog};
use crate::layout_edit as glue;
use crate::state::{blocking, edit_project, read_project};

/// The plan with its check report and bill of materials.
#[tauri::command]
pub async fn layout_view(app: AppHandle) -> Result<LayoutView, AppError> {
    read_project(&app, glue::view).await
}

/// One editor operation, saved as one undoable edit.
#[tauri::command]
pub async fn layout_edit(app: AppHandle, edit: LayoutEdit) -> Result<EditOutcome, AppError> {
    edit_project(&app, move |p| glue::apply(p, &edit)).await
}

/// Auto-places cabinets into a room (preview, or saved as one edit).
#[tauri::command]
pub async fn layout_auto_place(app: AppHandle, call: AutoPlaceCall) -> Result<AutoPlaceOutcome, AppError> {
    edit_project(&app, move |p| glue::auto_place(p, &call)).await
}

/// Checks the project against another rule set.
#[tauri::command]
pub async fn layout_rule_set_use(app: AppHandle, id: String) -> Result<LayoutView, AppError> {
    edit_project(&app, move |p| glue::use_rule_set(p, &id)).await
}

/// Copies a rule set into the project (editable) and puts it in force.
#[tauri::command]
pub async fn layout_rule_set_copy(app: AppHandle, id: String) -> Result<LayoutView, AppError> {
    edit_project(&app, move |p| glue::copy_rule_set(p, &id)).await
}

/// Saves an edited project rule set (field errors: nothing saved).
#[tauri::command]
pub async fn layout_rule_set_save(app: AppHandle, rule_set: RuleSet) -> Result<RuleSetSaveOutcome, AppError> {
    edit_project(&app, move |p| glue::save_rule_set(p, &rule_set)).await
}

/// Deletes a project rule set.
#[tauri::command]
pub async fn layout_rule_set_delete(app: AppHandle, id: String) -> Result<LayoutView, AppError> {
    edit_project(&app, move |p| glue::delete_rule_set(p, &id)).await
}

/// Exports the BOM (CSV) or the plan (SVG, PNG) where the engineer chooses
/// in the native save dialog; returns the path written. The webview never
/// names the file.
#[tauri::command]
pub async fn layout_export(app: AppHandle, kind: LayoutExport) -> Result<String, AppError> {
    let (name, bytes) = blocking(&app, move |state, _| {
        let session = state.session()?;
        let project = session.project()?;
        let name = project.info().map(|i| i.name).unwrap_or_default();
        let bytes = match kind {
            LayoutExport::BomCsv => glue::bom_csv(project)?.into_bytes(),
            LayoutExport::PlanSvg => glue::plan_svg(project)?.into_bytes(),
            LayoutExport::PlanPng => glue::svg_to_png(&glue::plan_svg(project)?)?,
        };
        Ok((name, bytes))
    })
    .await?;
    let (suffix, filter) = match kind {
        LayoutExport::BomCsv => ("bill of materials.csv", ("CSV", "csv")),
        LayoutExport::PlanSvg => ("plan.svg", ("SVG image", "svg")),
        LayoutExport::PlanPng => ("plan.png", ("PNG image", "png")),
    };
    let stem = if name.trim().is_empty() { "layout".to_string() } else { name.replace(['/', '\\'], "-") };
    let target = dialogs::ask(&app, Dialog::SaveAs { suggested_name: format!("{stem} — {suffix}"), filter }).await?;
    write_file(&app, target, bytes).await
}
