//! What the Sizing area shows and sends: the case list, stored cases, the
//! computed results with their charts drawn by the backend, load-profile
//! imports, the catalog browser and catalog edits.
//!
//! Design choices:
//! - The engine's own types ([`crate::sizing`], [`crate::catalog`]) cross
//!   IPC unchanged; this module only adds the envelopes around them.
//! - Charts arrive as finished SVG documents (drawn by the report crate,
//!   the same as in the PDF report), so the UI draws nothing that matters.
//! - How cases live in the project file is fixed here by the record kinds
//!   below, so the app, the CLI's demo and the reports agree.

use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogEntry, FieldError};
use crate::sizing::{PeakCase, PeakResult, ProfileSummary, UpsCase, UpsResult};
use crate::sizing_smooth::{SmoothCase, SmoothResult};

/// Record kind of a UPS ride-through case (`sizing_cases`, body = [`UpsCase`]).
pub const UPS_CASE_KIND: &str = "ups-case";
/// Record kind of a peak-shaving case (`sizing_cases`, body = [`PeakCase`]).
pub const PEAK_CASE_KIND: &str = "peak-case";
/// Record kind of a peak case's load profile (`sizing_cases`, body =
/// [`StoredProfile`]), keyed `<case key>-profile`.
pub const LOAD_PROFILE_KIND: &str = "load-profile";
/// Record kind of a smoothing case's measured power trace (`sizing_cases`,
/// body = [`StoredTrace`]), keyed like a profile, `<case key>-profile`.
pub const POWER_TRACE_KIND: &str = "power-trace";
/// Record kind of a UPS result (`sizing_results`, body = [`UpsResult`]).
pub const UPS_RESULT_KIND: &str = "ups-result";
/// Record kind of a peak-shaving result (`sizing_results`, body = [`PeakResult`]).
pub const PEAK_RESULT_KIND: &str = "peak-result";
/// Record kind of a power-smoothing case.
pub const SMOOTH_CASE_KIND: &str = "smooth-case";
/// Record kind of a power-smoothing result.
pub const SMOOTH_RESULT_KIND: &str = "smooth-result";

/// Whether records of `kind` are a case's input data (a load profile, a
/// power trace) rather than a case: listed and edited with their case.
pub fn is_case_data_kind(kind: &str) -> bool {
    kind == LOAD_PROFILE_KIND || kind == POWER_TRACE_KIND
}

/// Key of the profile record of peak case `case_key` (and of the power
/// trace record of a smoothing case).
pub fn profile_key(case_key: &str) -> String {
    format!("{case_key}-profile")
}

/// Key of the stored result of case `case_key`.
pub fn result_key(case_key: &str) -> String {
    format!("{case_key}-result")
}

/// A load profile kept in the project with its peak case: the CSV exactly
/// as imported, so the result can be recomputed and audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProfile {
    /// Key of the peak case it belongs to.
    pub case_key: String,
    /// File name it was imported from (for the record; the path is not kept).
    pub file_name: String,
    /// The CSV text.
    pub csv: String,
}

/// A measured power trace kept in the project with its smoothing case: the
/// samples as sized (equally spaced, in MW, one per line in the shortest
/// decimal form that reads back to the same number), so the result can be
/// recomputed and audited. The file's own layout is not kept: a day at
/// 100 ms is about a third of its CSV's size this way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTrace {
    /// Key of the smoothing case it belongs to.
    pub case_key: String,
    /// File name it was imported from (the path is not kept).
    pub file_name: String,
    /// Sample interval, s.
    pub dt_s: f64,
    /// First time as written in the file.
    #[serde(default)]
    pub start: String,
    /// Unit of the file's power column.
    #[serde(default)]
    pub unit: String,
    /// What the import noted (gaps filled, resampling).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The samples in MW, one per line (a one-column CSV without header;
    /// named `csv` as the stored profiles' text is, the one long text a
    /// project file allows).
    pub csv: String,
}

/// A measured power trace held for computing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceInfo {
    /// Handle to pass back when computing or saving.
    pub token: String,
    /// File name it came from.
    pub file_name: String,
    /// Samples, interval, length, peak, mean, energy.
    pub summary: crate::sizing_smooth::TraceSummary,
    /// First time as written in the file, and the unit of its power column.
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub unit: String,
    /// Things worth knowing that are not errors.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The answer to a trace import: the trace, or every problem with its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceImport {
    /// File name that was read.
    pub file_name: String,
    /// The trace, when the file is usable.
    #[serde(default)]
    pub trace: Option<TraceInfo>,
    /// Problems with their line numbers (empty when usable).
    #[serde(default)]
    pub errors: Vec<ProfileLineError>,
}

/// Which kind of sizing case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    /// UPS ride-through.
    Ups,
    /// Grid / peak shaving.
    Peak,
    /// Power smoothing of an AI training load.
    Smooth,
}

impl CaseKind {
    /// "UPS ride-through" / "Peak shaving".
    pub const fn label(self) -> &'static str {
        match self {
            CaseKind::Ups => "UPS ride-through",
            CaseKind::Peak => "Peak shaving",
            CaseKind::Smooth => "Power smoothing",
        }
    }
}

/// A sizing case of any kind, as edited in the UI and stored in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "case", rename_all = "kebab-case")]
// One case at a time is edited or sent; boxing the largest would only add
// an indirection to every match.
#[allow(clippy::large_enum_variant)]
pub enum SizingCase {
    /// UPS ride-through.
    Ups(UpsCase),
    /// Peak shaving (the profile is referenced separately).
    Peak(PeakCase),
    /// Power smoothing of an AI training load.
    Smooth(SmoothCase),
}

impl SizingCase {
    /// The kind.
    pub const fn kind(&self) -> CaseKind {
        match self {
            SizingCase::Ups(_) => CaseKind::Ups,
            SizingCase::Peak(_) => CaseKind::Peak,
            SizingCase::Smooth(_) => CaseKind::Smooth,
        }
    }

    /// The case's name.
    pub fn name(&self) -> &str {
        match self {
            SizingCase::Ups(c) => &c.name,
            SizingCase::Peak(c) => &c.name,
            SizingCase::Smooth(c) => &c.name,
        }
    }
}

/// One line of the case list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseListItem {
    /// Record key.
    pub key: String,
    /// Kind, when this version can read it.
    pub kind: Option<CaseKind>,
    /// Display name.
    pub name: String,
    /// What the stored result says, in one line ("not computed yet" without one).
    pub summary: String,
    /// Whether a result is stored.
    pub has_result: bool,
    /// Whether the stored result meets every constraint.
    #[serde(default)]
    pub feasible: Option<bool>,
    /// Why the case cannot be opened by this version, if so.
    #[serde(default)]
    pub problem: Option<String>,
}

/// Equipment of one catalog key in the layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCount {
    /// Catalog key.
    pub key: String,
    /// How many are placed.
    pub count: u32,
}

/// What the layout says that a sizing case can use.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LayoutFacts {
    /// IT racks placed.
    pub racks: u32,
    /// Their total load, kW.
    pub it_kw: f64,
    /// The load of each rack when all racks carry the same load, kW.
    #[serde(default)]
    pub kw_per_rack: Option<f64>,
    /// UPS units by catalog key.
    pub ups: Vec<KeyCount>,
    /// Battery equipment (cabinets, racks, containers) by catalog key.
    pub batteries: Vec<KeyCount>,
}

/// Everything the Sizing area's case list needs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SizingOverview {
    /// Cases, in key order.
    pub cases: Vec<CaseListItem>,
    /// The project is open read-only.
    pub read_only: bool,
    /// Facts from the layout.
    pub layout: LayoutFacts,
}

/// A load profile the backend holds for computing (imported, or loaded from
/// a saved case), referred to by `token`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileInfo {
    /// Handle to pass back when computing or saving.
    pub token: String,
    /// File name it came from.
    pub file_name: String,
    /// Rows, interval, span, unit, peak, mean, energy.
    pub summary: ProfileSummary,
    /// Things worth knowing that are not errors.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One problem in a load-profile file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileLineError {
    /// 1-based line number (0: the file as a whole).
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// The answer to a profile import: the profile, or every problem with its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileImport {
    /// File name that was read.
    pub file_name: String,
    /// The profile, when the file is usable.
    #[serde(default)]
    pub profile: Option<ProfileInfo>,
    /// Problems with their line numbers (empty when usable).
    #[serde(default)]
    pub errors: Vec<ProfileLineError>,
}

/// A case as stored in the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCase {
    /// Record key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// The case.
    pub case: SizingCase,
    /// For peak cases with a saved profile: the profile, ready to compute.
    #[serde(default)]
    pub profile: Option<ProfileInfo>,
    /// For smoothing cases with a saved measured trace: the trace, ready to
    /// compute (without one the case's synthetic profile is sized).
    #[serde(default)]
    pub trace: Option<TraceInfo>,
    /// Whether a result is stored.
    pub has_result: bool,
}

/// A chart drawn by the backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSvg {
    /// Stable id (`runtime-vs-load`, `ecm-voltage`, `ecm-soc`,
    /// `power-vs-threshold`, `energy-vs-threshold`, `soc-year1-daily`,
    /// `soh-by-year`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Self-contained SVG document.
    pub svg: String,
}

/// A computed UPS case (not saved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsComputed {
    /// The engine's result.
    pub result: UpsResult,
    /// Charts.
    pub charts: Vec<ChartSvg>,
    /// Time the backend spent (sizing and charts), ms.
    pub compute_ms: f64,
}

/// A computed peak-shaving case (not saved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakComputed {
    /// The engine's result.
    pub result: PeakResult,
    /// Charts.
    pub charts: Vec<ChartSvg>,
    /// Time the backend spent (sizing and charts), ms.
    pub compute_ms: f64,
}

/// A requirement preset the engineer can choose for a smoothing case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmoothPresetChoice {
    /// Key used in the case (`"ercot"`).
    pub key: String,
    /// Display name with the limit.
    pub name: String,
    /// The document(s) it cites.
    pub source: String,
}

/// A power-smoothing result computed (not saved), with its charts and the
/// presets that can be chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmoothComputed {
    /// The engine's result.
    pub result: SmoothResult,
    /// Its charts, drawn.
    pub charts: Vec<ChartSvg>,
    /// Backend time, ms.
    pub compute_ms: f64,
    /// Every requirement preset.
    pub presets: Vec<SmoothPresetChoice>,
}

/// Save a case and its freshly computed result (one undoable edit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveCaseRequest {
    /// Key of the case to replace.
    pub key: String,
    /// The case as edited.
    pub case: SizingCase,
    /// For peak cases: the profile to compute with and keep. For smoothing
    /// cases: the measured trace to compute with and keep (`None`: the
    /// synthetic profile, and a stored trace is removed).
    #[serde(default)]
    pub profile_token: Option<String>,
}

/// Where a catalog entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryOrigin {
    /// The built-in catalog, not copied into the project.
    Builtin,
    /// Copied into the project, identical to the built-in entry.
    ProjectCopy,
    /// The project's own version of a built-in key (edited).
    ProjectOverride,
    /// A project entry with no built-in counterpart.
    Project,
}

impl EntryOrigin {
    /// Short label.
    pub const fn label(self) -> &'static str {
        match self {
            EntryOrigin::Builtin => "built-in",
            EntryOrigin::ProjectCopy => "in project (built-in copy)",
            EntryOrigin::ProjectOverride => "in project (edited)",
            EntryOrigin::Project => "in project",
        }
    }
}

/// One entry of the catalog browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogItem {
    /// The entry (every value with its source).
    pub entry: CatalogEntry,
    /// Where it comes from.
    pub origin: EntryOrigin,
    /// Validation problems (errors and warnings) by field.
    pub problems: Vec<FieldError>,
}

/// The catalog the project sizes with: built-in merged with the project's entries.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CatalogView {
    /// Entries, in key order.
    pub entries: Vec<CatalogItem>,
    /// Project catalog records that are not sizing entries (e.g. IT racks),
    /// as "key (kind)".
    pub other_records: Vec<String>,
}

/// The answer to adding or editing a project catalog entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CatalogPutOutcome {
    /// Whether the entry was saved (no errors; warnings do not block).
    pub saved: bool,
    /// Problems by field (`"json"` when the text could not be read).
    pub problems: Vec<FieldError>,
}

/// Run the optimizer for a case as edited (not saved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizeRequest {
    /// The case (for peak shaving, its threshold is held).
    pub case: SizingCase,
    /// For peak cases: the profile to compute with.
    #[serde(default)]
    pub profile_token: Option<String>,
    /// Objective, how many to keep, limits.
    pub options: crate::sizing::OptimizeOptions,
}
