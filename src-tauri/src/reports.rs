//! Report data from the open project (the report crate typesets it).

use backstop_model::AppError;
use backstop_model::workspace::ReportKind;
use backstop_report::build::{self, CommissioningInput, Trend};
use backstop_report::{ReportError, Rendered};
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
    AppError::internal(format!("The report could not be produced: {e}"))
}

/// Headline series logged during the session, for the trends section.
fn trends(project: &Project, from_ms: i64) -> Result<Vec<Trend>, AppError> {
    let mut out = Vec::new();
    for p in project.telemetry_points().map_err(store_error)? {
        let wanted = match p.point.as_str() {
            "802.1.V" => "string voltage",
            "802.1.SoC" => "state of charge",
            "802.1.CellVMax" => "highest cell voltage",
            _ => continue,
        };
        let Some((_, last)) = p.span_ms else { continue };
        let samples = project.read_telemetry(p.id, from_ms, last).map_err(store_error)?;
        out.push(Trend {
            title: format!("{}, {wanted}", p.device),
            unit: p.unit.clone(),
            samples: samples.iter().map(|s| (s.t_ms, s.value)).collect(),
        });
    }
    Ok(out)
}

/// Typesets the report of `kind` for the open project.
pub fn render(kind: ReportKind, project: &Project, comm: &mut Commissioning, live: &Live) -> Result<Rendered, AppError> {
    let design = project.design().map_err(store_error)?;
    let (date, ymd) = today();
    let source = project.path().display().to_string();
    match kind {
        ReportKind::Commissioning => {
            let view = comm.view(project, live)?;
            let from = view.session.as_ref().map(|s| s.started_at_ms).unwrap_or(0);
            let report = build::commissioning(CommissioningInput {
                info: &design.project,
                revisions: &design.revisions,
                source_file: &source,
                date: &date,
                session: view.session.as_ref(),
                link: &live.link_label,
                as_built: &view.as_built,
                trends: if view.session.is_some() { trends(project, from)? } else { Vec::new() },
            });
            report.render(ymd).map_err(report_error)
        }
        ReportKind::Design => crate::design_report::render(&design, &source, &date, ymd),
    }
}
