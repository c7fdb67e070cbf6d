//! The commissioning report: session facts, pack controllers found, the
//! checklist with its evidence, the as-left configuration against the
//! design, deviations, trends and the sign-off.

use serde::{Deserialize, Serialize};

use crate::ReportMeta;
use crate::charts::LineChart;
use crate::design::KeyValue;
use crate::typeset::{self, Job, Rendered, ReportError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSection {
    /// Started, finished, engineer, link settings, checklist template …
    pub facts: Vec<KeyValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRow {
    pub unit: u8,
    pub serial: String,
    pub model: String,
    pub firmware: String,
    /// Cabinet tag it was mapped to, or "—".
    pub cabinet: String,
    /// "as designed", "missing", "extra", "wrong model", …
    pub status: String,
    pub ok: bool,
}

/// Outcome words printed on a step: "pass", "fail", "not run", "skipped".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRow {
    pub title: String,
    pub criterion: String,
    pub outcome: String,
    pub evidence: Vec<KeyValue>,
    pub notes: String,
    pub who: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetpointRow {
    pub device: String,
    pub point: String,
    pub design: String,
    pub as_left: String,
    pub matches: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignoffSection {
    pub name: String,
    pub role: String,
    pub date: String,
    pub statement: String,
}

/// Everything the commissioning report shows; empty parts print as "not yet
/// recorded".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommissioningReport {
    pub meta: ReportMeta,
    pub session: Option<SessionSection>,
    pub devices: Vec<DeviceRow>,
    pub steps: Vec<StepRow>,
    pub as_left: Vec<SetpointRow>,
    pub deviations: Vec<String>,
    pub trends: Vec<LineChart>,
    pub signoff: Option<SignoffSection>,
}

const TEMPLATE: &str = include_str!("../templates/commissioning.typ");

impl CommissioningReport {
    /// Typesets the report. `date` is the report date (y, m, d).
    pub fn render(&self, date: (i32, u8, u8)) -> Result<Rendered, ReportError> {
        let mut files = vec![("/logo.svg".to_string(), crate::LOGO.to_vec())];
        let mut trends = Vec::new();
        for (i, c) in self.trends.iter().enumerate() {
            let file = format!("/trends/{i}.svg");
            files.push((file.clone(), c.to_svg()?.into_bytes()));
            trends.push(serde_json::json!({ "file": file, "caption": c.title }));
        }
        let passed = self.steps.iter().filter(|s| s.outcome == "pass").count();
        let failed = self.steps.iter().filter(|s| s.outcome == "fail").count();
        let pending = self.steps.len() - passed - failed;
        let data = serde_json::json!({
            "meta": self.meta,
            "session": self.session,
            "summary": { "total": self.steps.len(), "passed": passed, "failed": failed, "pending": pending },
            "devices": self.devices,
            "steps": self.steps,
            "as_left": self.as_left,
            "deviations": self.deviations,
            "trends": trends,
            "signoff": self.signoff,
        });
        typeset::typeset(Job { template: TEMPLATE, data, files, date, ident: format!("backstop-commissioning:{}", self.meta.source_file) })
    }
}
