//! Report data from the open project (the report crate typesets it).

use backstop_model::AppError;
use backstop_model::workspace::ReportKind;
use backstop_report::{Rendered, ReportError};
use backstop_store::Project;

use crate::commissioning::Commissioning;
use crate::link_hub::Live;
use crate::session::store_error;

/// Today's date (UTC) as `YYYY-MM-DD` and as numbers.
pub fn today() -> (String, (i32, u8, u8)) {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let date = backstop_model::time::civil_date(ms);
    (format!("{:04}-{:02}-{:02}", date.0, date.1, date.2), date)
}

fn report_error(e: ReportError) -> AppError {
    eprintln!("backstop-app: report failed: {e}");
    match e {
        // Over the typesetting budget: the message says what to shorten.
        ReportError::TooLarge(msg) => AppError::invalid(msg),
        e => AppError::internal(format!("The report could not be produced: {e}")),
    }
}

/// Typesets the report of `kind` for the open project.
pub fn render(kind: ReportKind, project: &Project, comm: &mut Commissioning, live: &Live) -> Result<Rendered, AppError> {
    let (date, ymd) = today();
    match kind {
        ReportKind::Commissioning => {
            let view = comm.view(project, live)?;
            // An open session is reported as it stands now; a signed-off one
            // exactly as recorded at its sign-off.
            let report = match &view.session {
                Some(s) if s.signoff.is_none() => {
                    backstop_report::project::commissioning(project, &date, Some((s, &live.link_label, &view.as_built)))
                }
                _ => backstop_report::project::commissioning(project, &date, None),
            }
            .map_err(store_error)?;
            report.render(ymd).map_err(report_error)
        }
        ReportKind::Design => backstop_report::project::design(project, &date).map_err(store_error)?.render(ymd).map_err(report_error),
    }
}
