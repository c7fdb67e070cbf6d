//! Project metadata, revision history, project settings and the [`Design`]
//! document: the whole design of one client site as one serde value, used for
//! JSON interchange (export for review and version control, import back).
//!
//! The project *file* (SQLite, see the store crate) holds more than the
//! design: commissioning sessions, telemetry, the audit log and sign-offs are
//! records of what happened on site and are not part of the [`Design`].

use serde::{Deserialize, Serialize};

use crate::layout::Layout;

/// Who the project is for and who designs it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProjectInfo {
    /// Project name, shown in the title bar (e.g. `"DC-7 battery backstop"`).
    pub name: String,
    /// Client (owner/operator) name.
    pub client: String,
    /// Site name.
    pub site: String,
    /// Site postal address (may span several lines).
    pub address: String,
    /// Responsible design engineer.
    pub engineer: String,
    /// Free notes.
    pub notes: String,
    /// When the project was created, milliseconds since the Unix epoch (UTC).
    pub created_at_ms: i64,
}

/// One issued revision of the design documents (e.g. "A — issued for
/// review"). This is the engineering revision history, not the undo history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// Revision label, unique within the project (`"A"`, `"B"`, `"0"`, …).
    pub rev: String,
    /// Issue date, ISO 8601 calendar date `YYYY-MM-DD`.
    pub date: String,
    /// Who issued it.
    pub author: String,
    /// What changed / why it was issued.
    pub description: String,
}

impl Revision {
    /// True when `date` has the form `YYYY-MM-DD` with a valid month and a
    /// day that exists in that month.
    pub fn date_is_valid(&self) -> bool {
        is_iso_date(&self.date)
    }
}

/// True when `s` is a calendar date `YYYY-MM-DD` that exists.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    (1..=crate::time::days_in_month(i64::from(y), m)).contains(&d)
}

/// Acceptance tolerances used when commissioning results are compared with
/// expected values. Each is a plus/minus band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerances {
    /// Voltage readings, ± percent of the expected value.
    pub voltage_pct: f64,
    /// Current readings, ± percent of the expected value.
    pub current_pct: f64,
    /// Temperature readings, ± kelvin.
    pub temperature_k: f64,
    /// State of charge, ± percentage points.
    pub soc_points: f64,
    /// Cell-to-cell voltage spread accepted within one pack, mV.
    pub cell_spread_mv: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances { voltage_pct: 1.0, current_pct: 2.0, temperature_k: 2.0, soc_points: 3.0, cell_spread_mv: 30.0 }
    }
}

/// Per-project settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Settings {
    /// Identifier of the layout rule set the design is checked against
    /// (e.g. `"nfpa855-2026"`); `None` until the engineer picks one.
    pub rule_set: Option<String>,
    /// Commissioning acceptance tolerances.
    pub tolerances: Tolerances,
    /// What commissioning expects to find on site: the address plan, the
    /// specified firmware and the design setpoints.
    #[serde(default)]
    pub commissioning: crate::commissioning::CommissioningPlan,
    /// Rule sets copied into the project and edited for its jurisdiction;
    /// `rule_set` may name one of these or a built-in one.
    #[serde(default)]
    pub rule_sets: Vec<crate::layout::RuleSet>,
}

/// A record whose shape is owned by another module (catalog entries and
/// sizing cases/results) carried through the design document as its JSON
/// text, so this crate does not need a JSON library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Stable key, unique within its list.
    pub key: String,
    /// Kind of record (e.g. `"cabinet"`, `"ups-ride-through"`).
    pub kind: String,
    /// Display name.
    pub name: String,
    /// The record itself, as compact JSON text.
    pub body: String,
}

/// The identifier written in [`Design::format`].
pub const DESIGN_FORMAT: &str = "backstop-design";

/// The version of the [`Design`] document layout written by this build.
pub const DESIGN_VERSION: u32 = 1;

/// The whole design of a site: everything an engineer reviews and puts
/// under version control. Lists are in canonical order (sorted by key, see
/// [`Design::sort_canonical`]) so that exports are stable and diffable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// Always [`DESIGN_FORMAT`]; identifies the document.
    pub format: String,
    /// Document layout version, [`DESIGN_VERSION`] when written by this build.
    pub version: u32,
    /// Project metadata.
    pub project: ProjectInfo,
    /// Issued revisions, oldest first.
    pub revisions: Vec<Revision>,
    /// Project settings.
    pub settings: Settings,
    /// Site layout.
    pub layout: Layout,
    /// Catalog entries used by the project (copied in from the catalog).
    pub catalog: Vec<Record>,
    /// Sizing cases.
    pub sizing_cases: Vec<Record>,
    /// Sizing results; each names its case by key in `kind`-specific body.
    pub sizing_results: Vec<SizingResultRecord>,
}

/// A stored sizing result, linked to the case it was computed for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizingResultRecord {
    /// Key of the [`Design::sizing_cases`] entry it answers.
    pub case_key: String,
    /// The result itself.
    pub record: Record,
}

impl Design {
    /// An empty design for `project`.
    pub fn new(project: ProjectInfo) -> Self {
        Design {
            format: DESIGN_FORMAT.to_owned(),
            version: DESIGN_VERSION,
            project,
            revisions: Vec::new(),
            settings: Settings::default(),
            layout: Layout::default(),
            catalog: Vec::new(),
            sizing_cases: Vec::new(),
            sizing_results: Vec::new(),
        }
    }

    /// Sorts every list into the canonical order a project file returns:
    /// revisions by (date, rev), everything else by key.
    pub fn sort_canonical(&mut self) {
        self.revisions.sort_by(|a, b| (&a.date, &a.rev).cmp(&(&b.date, &b.rev)));
        self.layout.sort_canonical();
        self.catalog.sort_by(|a, b| a.key.cmp(&b.key));
        self.sizing_cases.sort_by(|a, b| a.key.cmp(&b.key));
        self.sizing_results.sort_by(|a, b| a.record.key.cmp(&b.record.key));
    }
}
