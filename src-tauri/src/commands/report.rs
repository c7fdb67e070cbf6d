//! Reports: a preview (one SVG per page) and the PDF export.

use backstop_model::AppError;
use backstop_model::workspace::ReportKind;
use tauri::AppHandle;

use crate::AppState;
use crate::dialogs::{self, Dialog};
use crate::state::blocking;

fn rendered(state: &AppState, kind: ReportKind) -> Result<backstop_report::Rendered, AppError> {
    let mut comm = state.commissioning()?;
    let session = state.session()?;
    let project = session.project()?;
    let live = state.link.live();
    crate::reports::render(kind, project, &mut comm, &live)
}

/// The report's pages as SVG documents, for the preview.
#[tauri::command]
pub async fn report_preview(app: AppHandle, kind: ReportKind) -> Result<Vec<String>, AppError> {
    blocking(&app, move |state, _| Ok(rendered(state, kind)?.svg_pages())).await
}

/// Writes the report as PDF where the engineer chooses; returns the path.
#[tauri::command]
pub async fn report_export(app: AppHandle, kind: ReportKind) -> Result<String, AppError> {
    let name = blocking(&app, move |state, _| {
        let session = state.session()?;
        let info = session.project()?.info().map_err(crate::session::store_error)?;
        let what = match kind {
            ReportKind::Design => "design report",
            ReportKind::Commissioning => "commissioning report",
        };
        Ok(format!("{} — {what}", info.name))
    })
    .await?;
    let target = dialogs::ask(&app, Dialog::SaveAs { suggested_name: format!("{name}.pdf"), filter: ("PDF document", "pdf") }).await?;
    blocking(&app, move |state, _| {
        let pdf = rendered(state, kind)?.pdf().map_err(|e| AppError::internal(format!("The PDF could not be written: {e}")))?;
        crate::session::write_file_atomically(&target, &pdf)?;
        Ok(target.display().to_string())
    })
    .await
}
