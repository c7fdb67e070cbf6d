//! The design report of the open project.

use backstop_model::AppError;
use backstop_model::project::Design;
use backstop_report::Rendered;
use backstop_report::design::{DesignReport, KeyValue};

pub fn render(design: &Design, source: &str, date: &str, ymd: (i32, u8, u8)) -> Result<Rendered, AppError> {
    let l = &design.layout;
    let mut report = DesignReport {
        meta: backstop_report::build::meta("Design report", &design.project, &design.revisions, date, source),
        revisions: backstop_report::build::revision_rows(&design.revisions),
        ..DesignReport::default()
    };
    report.project_facts.push(KeyValue::new(
        "IT load",
        format!("{:.0} kW in {} racks", l.it_load_kw(), l.racks.len()),
    ));
    report.render(ymd).map_err(|e| AppError::internal(format!("The report could not be produced: {e}")))
}
