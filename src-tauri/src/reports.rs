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

/// A report's data, gathered from the project; typesetting it (seconds
/// for a large design) needs no project, session or live state.
pub enum Prepared {
    /// The design report.
    Design(Box<backstop_report::design::DesignReport>),
    /// The commissioning report.
    Commissioning(Box<backstop_report::commissioning::CommissioningReport>),
}

impl Prepared {
    /// Typesets it, dated `ymd`.
    pub fn render(&self, ymd: (i32, u8, u8)) -> Result<Rendered, AppError> {
        match self {
            Prepared::Design(r) => r.render(ymd),
            Prepared::Commissioning(r) => r.render(ymd),
        }
        .map_err(report_error)
    }
}

/// Gathers the report of `kind` for the open project, and today's date.
pub fn prepare(kind: ReportKind, project: &Project, comm: &mut Commissioning, live: &Live) -> Result<(Prepared, (i32, u8, u8)), AppError> {
    let (date, ymd) = today();
    let prepared = match kind {
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
            Prepared::Commissioning(Box::new(report))
        }
        ReportKind::Design => Prepared::Design(Box::new(backstop_report::project::design(project, &date).map_err(store_error)?)),
    };
    Ok((prepared, ymd))
}
