//! Report data from the open project (the report crate typesets it).

use backstop_model::AppError;
use backstop_model::workspace::ReportKind;
use backstop_report::{Rendered, ReportError};
use backstop_store::Project;

use crate::commissioning::Commissioning;
use crate::live::Live;
use crate::session::store_error;

/// Today's date (UTC) as `YYYY-MM-DD` and as numbers.
pub fn today() -> (String, (i32, u8, u8)) {
    let date = backstop_model::time::civil_date(backstop_model::time::now_ms());
    (format!("{:04}-{:02}-{:02}", date.0, date.1, date.2), date)
}

fn report_error(e: ReportError) -> AppError {
    eprintln!("backstop: report failed: {e}");
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
    Ok((prepare_dated(kind, project, comm, live, &date)?, ymd))
}

/// Gathers the report of `kind` for the open project, dated `date`
/// (`YYYY-MM-DD`). A commissioning session still open is reported as it
/// stands now (with the live link's label and as-built readings); a
/// signed-off one, or none, exactly as the file records it.
pub fn prepare_dated(kind: ReportKind, project: &Project, comm: &mut Commissioning, live: &Live, date: &str) -> Result<Prepared, AppError> {
    if kind == ReportKind::Commissioning {
        let view = comm.view(project, live)?;
        if let Some(s) = view.session.as_ref().filter(|s| s.signoff.is_none()) {
            let report =
                backstop_report::project::commissioning(project, date, Some((s, &live.link_label, &view.as_built))).map_err(store_error)?;
            return Ok(Prepared::Commissioning(Box::new(report)));
        }
    }
    from_file(kind, project, date)
}

/// The report of `kind` from the project file alone, dated `date`: the
/// design, or the latest recorded commissioning session as recorded. This
/// is what `backstop report` prints, and what the app prints when no
/// session is open.
pub fn from_file(kind: ReportKind, project: &Project, date: &str) -> Result<Prepared, AppError> {
    Ok(match kind {
        ReportKind::Commissioning => {
            Prepared::Commissioning(Box::new(backstop_report::project::commissioning(project, date, None).map_err(store_error)?))
        }
        ReportKind::Design => Prepared::Design(Box::new(backstop_report::project::design(project, date).map_err(store_error)?)),
    })
}
