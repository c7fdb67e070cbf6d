//! Report data read from an open project file (the app and the CLI both
//! make their reports this way, so a report from the command line equals the
//! one exported from the app).

use backstop_model::commissioning::{AsBuiltRow, CommissioningSession};
use backstop_store::{Project, StoreError};

use crate::build::{self, CommissioningInput, DesignInput, Trend};
use crate::commissioning::CommissioningReport;
use crate::design::DesignReport;

/// The design report of `project` dated `date` (`YYYY-MM-DD`).
pub fn design(project: &Project, date: &str) -> Result<DesignReport, StoreError> {
    let design = project.design()?;
    let source = project.path().display().to_string();
    Ok(build::design(DesignInput { design: &design, source_file: &source, date }))
}

/// Headline series logged during a session (string voltage, SOC, highest
/// cell voltage per unit), from `from_ms` on.
pub fn trends(project: &Project, from_ms: i64) -> Result<Vec<Trend>, StoreError> {
    let mut out = Vec::new();
    for p in project.telemetry_points()? {
        let wanted = match p.point.as_str() {
            "802.1.V" => "string voltage",
            "802.1.SoC" => "state of charge",
            "802.1.CellVMax" => "highest cell voltage",
            _ => continue,
        };
        let Some((_, last)) = p.span_ms else { continue };
        let samples = project.read_telemetry(p.id, from_ms, last)?;
        out.push(Trend {
            title: format!("{}, {wanted}", p.device),
            unit: p.unit.clone(),
            samples: samples.iter().map(|s| (s.t_ms, s.value)).collect(),
        });
    }
    Ok(out)
}

/// The commissioning report of `project`. `live` overrides what the file
/// recorded (the app passes the session in memory, the link and the as-built
/// comparison of the moment); without it the latest recorded session is used.
pub fn commissioning(
    project: &Project,
    date: &str,
    live: Option<(&CommissioningSession, &str, &[AsBuiltRow])>,
) -> Result<CommissioningReport, StoreError> {
    let design = project.design()?;
    let source = project.path().display().to_string();
    let stored = if live.is_none() { project.latest_commissioning()? } else { None };
    let (session, link, as_built) = match (&live, &stored) {
        (Some((s, l, a)), _) => (Some(*s), l.to_string(), a.to_vec()),
        (None, Some(st)) => (Some(&st.session), st.link.clone(), st.as_built.clone()),
        (None, None) => (None, String::new(), Vec::new()),
    };
    let trends = match session {
        Some(s) => trends(project, s.started_at_ms)?,
        None => Vec::new(),
    };
    Ok(build::commissioning(CommissioningInput {
        info: &design.project,
        revisions: &design.revisions,
        source_file: &source,
        date,
        session,
        link: &link,
        as_built: &as_built,
        trends,
    }))
}
