//! Builds report data from the project's model types. Pure: the caller
//! (app or CLI) reads the project file and passes what it found.

use backstop_model::commissioning::{AsBuiltRow, AsBuiltStatus, CommissioningSession, Outcome};
use backstop_model::project::{ProjectInfo, Revision};

use crate::ReportMeta;
use crate::charts::{LineChart, Series};
use crate::commissioning::{CommissioningReport, DeviceRow, SessionSection, SetpointRow, SignoffSection, StepRow};
use crate::design::{KeyValue, RevisionRow};

/// Head facts of a report from the project metadata.
pub fn meta(title: &str, info: &ProjectInfo, revisions: &[Revision], date: &str, source_file: &str) -> ReportMeta {
    ReportMeta {
        title: title.into(),
        project: info.name.clone(),
        client: info.client.clone(),
        site: info.site.clone(),
        address: info.address.replace('\n', ", "),
        engineer: info.engineer.clone(),
        revision: revisions.iter().max_by(|a, b| (&a.date, &a.rev).cmp(&(&b.date, &b.rev))).map(|r| r.rev.clone()).unwrap_or_default(),
        date: date.into(),
        source_file: source_file.into(),
        generator: env!("CARGO_PKG_VERSION").into(),
    }
}

pub fn revision_rows(revisions: &[Revision]) -> Vec<RevisionRow> {
    revisions
        .iter()
        .map(|r| RevisionRow { rev: r.rev.clone(), date: r.date.clone(), author: r.author.clone(), description: r.description.clone() })
        .collect()
}

/// One logged telemetry series for the trends section.
#[derive(Debug, Clone)]
pub struct Trend {
    pub title: String,
    pub unit: String,
    /// (Unix ms, value)
    pub samples: Vec<(i64, f64)>,
}

/// Everything the commissioning report is made of.
pub struct CommissioningInput<'a> {
    pub info: &'a ProjectInfo,
    pub revisions: &'a [Revision],
    pub source_file: &'a str,
    /// Report date `YYYY-MM-DD`.
    pub date: &'a str,
    pub session: Option<&'a CommissioningSession>,
    /// The link the session used (port and settings).
    pub link: &'a str,
    pub as_built: &'a [AsBuiltRow],
    pub trends: Vec<Trend>,
}

fn when(ms: i64) -> String {
    backstop_model::time::format_utc(ms)
}

fn status_text(s: &AsBuiltStatus) -> String {
    match s {
        AsBuiltStatus::AsDesigned => "as designed".into(),
        AsBuiltStatus::Missing => "missing".into(),
        AsBuiltStatus::Extra => "extra".into(),
        AsBuiltStatus::WrongModel { expected, found } => format!("wrong model ({found}, expected {expected})"),
        AsBuiltStatus::WrongCapacity { expected_wh, found_wh } => {
            format!("wrong capacity ({:.1} kWh, expected {:.1} kWh)", found_wh / 1000.0, expected_wh / 1000.0)
        }
        AsBuiltStatus::WrongFirmware { expected, found } => format!("wrong firmware ({found}, expected {expected})"),
        AsBuiltStatus::DuplicateSerial { units } => {
            format!("duplicate serial (units {})", units.iter().map(u8::to_string).collect::<Vec<_>>().join(", "))
        }
    }
}

/// The commissioning report of the latest session.
pub fn commissioning(input: CommissioningInput<'_>) -> CommissioningReport {
    let meta = meta("Commissioning report", input.info, input.revisions, input.date, input.source_file);
    let devices = input
        .as_built
        .iter()
        .map(|r| DeviceRow {
            unit: r.unit.unwrap_or(0),
            serial: r.serial.clone().unwrap_or_else(|| "—".into()),
            model: r.model.clone().unwrap_or_else(|| "—".into()),
            firmware: r.firmware.clone().unwrap_or_else(|| "—".into()),
            cabinet: if r.cabinet.is_empty() { "—".into() } else { r.cabinet.clone() },
            status: r.status.iter().map(status_text).collect::<Vec<_>>().join("; "),
            ok: r.ok(),
        })
        .collect();
    let mut report = CommissioningReport { meta, devices, ..CommissioningReport::default() };
    for t in input.trends {
        if t.samples.len() < 2 {
            continue;
        }
        let t0 = t.samples[0].0;
        report.trends.push(LineChart {
            title: t.title.clone(),
            x_label: format!("Minutes from {}", when(t0)),
            y_label: t.unit.clone(),
            series: vec![Series {
                name: t.title,
                points: t.samples.iter().map(|(ms, v)| ((ms - t0) as f64 / 60_000.0, *v)).collect(),
                reference: false,
            }],
            size: (720, 300),
        });
    }
    let Some(session) = input.session else { return report };
    report.session = Some(SessionSection {
        facts: vec![
            KeyValue::new("Checklist", format!("{} (template {} v{})", session.template.name, session.template.id, session.template.version)),
            KeyValue::new("Session revision", session.revision.to_string()),
            KeyValue::new("Engineer", session.engineer.clone()),
            KeyValue::new("Started", when(session.started_at_ms)),
            KeyValue::new("Link", if input.link.is_empty() { "not recorded".into() } else { input.link.to_string() }),
        ],
    });
    for step in &session.template.steps {
        let latest = session.history.iter().rev().find(|r| r.step_id == step.id);
        let runs = session.history.iter().filter(|r| r.step_id == step.id).count();
        report.steps.push(match latest {
            None => StepRow {
                title: step.title.clone(),
                criterion: step.reference.clone(),
                outcome: "not run".into(),
                evidence: vec![],
                notes: String::new(),
                who: "—".into(),
                at: "—".into(),
            },
            Some(r) => {
                if r.outcome == Outcome::Fail {
                    report.deviations.push(format!("{}: {}", r.title, r.summary));
                    for e in r.evidence.iter().filter(|e| e.bad) {
                        report.deviations.push(format!("  {} — {}", e.label, e.value));
                    }
                }
                let mut evidence: Vec<KeyValue> = r.evidence.iter().map(|e| KeyValue::new(&e.label, if e.bad { format!("✗ {}", e.value) } else { e.value.clone() })).collect();
                evidence.insert(0, KeyValue::new("Result", r.summary.clone()));
                if runs > 1 {
                    evidence.push(KeyValue::new("Runs", format!("{runs} (the latest is shown; all are kept in the project file)")));
                }
                StepRow {
                    title: r.title.clone(),
                    criterion: r.criterion.clone(),
                    outcome: match r.outcome {
                        Outcome::Pass => "pass",
                        Outcome::Fail => "fail",
                        Outcome::NotApplicable => "not applicable",
                        Outcome::Incomplete => "incomplete",
                    }
                    .into(),
                    evidence,
                    notes: r.notes.clone(),
                    who: r.who.clone(),
                    at: when(r.at_ms),
                }
            }
        });
        // The as-left table comes from the setpoint baseline step.
        if matches!(step.check, backstop_model::commissioning::Check::SetpointBaseline) {
            if let Some(r) = latest {
                for e in &r.evidence {
                    let Some((left, design)) = &e.compare else { continue };
                    let (device, point) = e.label.split_once(", ").unwrap_or((&e.label, ""));
                    report.as_left.push(SetpointRow {
                        device: device.to_string(),
                        point: point.to_string(),
                        design: design.clone(),
                        as_left: left.clone(),
                        matches: !e.bad,
                    });
                }
            }
        }
    }
    for r in input.as_built.iter().filter(|r| !r.ok()) {
        report.deviations.push(format!(
            "Cabinet {}: {}",
            if r.cabinet.is_empty() { "(none)" } else { &r.cabinet },
            r.status.iter().map(status_text).collect::<Vec<_>>().join("; ")
        ));
    }
    report.signoff = session.signoff.as_ref().map(|s| SignoffSection {
        name: s.name.clone(),
        role: s.role.clone(),
        date: s.date.clone(),
        statement: format!(
            "The commissioning results above were recorded on site with Backstop during session revision {} and are accepted as listed, including the deviations noted.",
            session.revision
        ),
    });
    report
}
