//! The design report: project data, layout drawing, bill of materials,
//! sizing calculation sheets with charts, and rule-check results.

use serde::{Deserialize, Serialize};

use crate::ReportMeta;
use crate::charts::LineChart;
use crate::typeset::{self, Job, Rendered, ReportError};

/// A key and a value, printed as a table row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

impl KeyValue {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        KeyValue { key: key.into(), value: value.into() }
    }
}

/// One issued revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionRow {
    pub rev: String,
    pub date: String,
    pub author: String,
    pub description: String,
}

/// The floor plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayoutSection {
    /// Self-contained SVG of the plan.
    pub plan_svg: String,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BomRow {
    pub item: String,
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub tags: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BomSection {
    pub rows: Vec<BomRow>,
    pub totals: Vec<KeyValue>,
}

/// One line of a calculation sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalcStep {
    pub quantity: String,
    pub formula: String,
    pub values: String,
    pub result: String,
    pub source: String,
}

/// A sizing case with its calculation sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizingSection {
    pub title: String,
    pub method: String,
    pub summary: Vec<KeyValue>,
    pub inputs: Vec<KeyValue>,
    pub steps: Vec<CalcStep>,
    pub diagnostics: Vec<String>,
    pub charts: Vec<LineChart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRow {
    pub rule: String,
    pub reference: String,
    pub measured: String,
    pub required: String,
    pub objects: String,
}

/// One quantity of the layout held against a sizing result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyLineRow {
    pub quantity: String,
    pub installed: String,
    pub required: String,
    pub ok: bool,
}

/// The layout held against one sizing case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyRow {
    /// `"ups-1 — Hall B ride-through"`.
    pub case: String,
    /// `CONSISTENT`, `SHORT`, `NOT CHECKED`.
    pub status: String,
    pub ok: bool,
    pub summary: String,
    pub lines: Vec<ConsistencyLineRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSection {
    pub rule_set: String,
    pub checked: usize,
    pub violations: Vec<ViolationRow>,
    /// The layout against each sizing case (empty: the project has none).
    #[serde(default)]
    pub consistency: Vec<ConsistencyRow>,
}

/// Everything the design report shows. `None`/empty sections print as "not
/// yet designed" rather than failing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DesignReport {
    pub meta: ReportMeta,
    /// Extra facts for the project-data table.
    pub project_facts: Vec<KeyValue>,
    pub revisions: Vec<RevisionRow>,
    pub layout: Option<LayoutSection>,
    pub bom: Option<BomSection>,
    pub sizing: Vec<SizingSection>,
    pub rules: Option<RuleSection>,
}

const TEMPLATE: &str = include_str!("../templates/design.typ");

impl DesignReport {
    /// Typesets the report. `date` is the report date (y, m, d).
    pub fn render(&self, date: (i32, u8, u8)) -> Result<Rendered, ReportError> {
        let mut files = vec![("/logo.svg".to_string(), crate::LOGO.to_vec())];
        let layout = match &self.layout {
            Some(l) => {
                files.push(("/plan.svg".into(), l.plan_svg.clone().into_bytes()));
                serde_json::json!({ "plan": "/plan.svg", "notes": l.notes })
            }
            None => serde_json::Value::Null,
        };
        let mut sizing = Vec::new();
        for (i, s) in self.sizing.iter().enumerate() {
            let mut charts = Vec::new();
            for (j, c) in s.charts.iter().enumerate() {
                let file = format!("/charts/{i}-{j}.svg");
                files.push((file.clone(), c.to_svg()?.into_bytes()));
                charts.push(serde_json::json!({ "file": file, "caption": c.title }));
            }
            sizing.push(serde_json::json!({
                "title": s.title, "method": s.method, "summary": s.summary, "inputs": s.inputs,
                "steps": s.steps, "diagnostics": s.diagnostics, "charts": charts,
            }));
        }
        let data = serde_json::json!({
            "meta": self.meta,
            "project_facts": self.project_facts,
            "revisions": self.revisions,
            "layout": layout,
            "bom": self.bom,
            "sizing": sizing,
            "rules": self.rules,
        });
        typeset::typeset(Job { template: TEMPLATE, data, files, date, ident: format!("backstop-design:{}", self.meta.source_file) })
    }
}
