//! Reports: a preview (one SVG per page) and the PDF export.

use backstop_model::AppError;
use backstop_model::workspace::ReportKind;
use tauri::AppHandle;

use crate::AppState;
use crate::dialogs::{self, Dialog};
use crate::state::blocking;

fn rendered(state: &AppState, kind: ReportKind) -> Result<backstop_report::Rendered, AppError> {
    with_report(state, kind, |report, ymd| report.render(ymd))
}

/// Gathers the report of `kind` under the commissioning and session locks,
/// lets them go, then hands it to `typeset`: typesetting takes seconds, and
/// meanwhile the engineer's edits and the commissioning checklist (which
/// records live readings) must not wait for it.
fn with_report<R>(
    state: &AppState,
    kind: ReportKind,
    typeset: impl FnOnce(crate::reports::Prepared, (i32, u8, u8)) -> Result<R, AppError>,
) -> Result<R, AppError> {
    let (report, ymd) = {
        let mut comm = state.commissioning()?;
        let session = state.session()?;
        let project = session.project()?;
        let live = state.link.live();
        crate::reports::prepare(kind, project, &mut comm, &live)?
    };
    typeset(report, ymd)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report is typeset with the session and the commissioning state
    /// free (it used to hold both through seconds of typesetting).
    #[test]
    fn a_report_is_typeset_without_holding_the_session_or_the_checklist() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::Options { config_dir: Some(dir.path().join("config")), ..crate::Options::default() };
        let state = AppState::new(&options, std::time::Instant::now());
        let path = dir.path().join("r.backstop");
        let info = backstop_model::project::ProjectInfo { name: "R".into(), ..Default::default() };
        drop(backstop_store::Project::create(&path, &info, &backstop_store::CreateOptions::default()).unwrap());
        state.session().unwrap().open(&path, backstop_model::workspace::OpenMode::Edit).unwrap();
        for kind in [ReportKind::Design, ReportKind::Commissioning] {
            let pages = with_report(&state, kind, |report, ymd| {
                assert!(state.session_is_free() && state.commissioning_is_free(), "{kind:?}: a lock is held while typesetting");
                Ok(report.render(ymd)?.page_count())
            })
            .unwrap();
            assert!(pages > 0);
        }
    }
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
