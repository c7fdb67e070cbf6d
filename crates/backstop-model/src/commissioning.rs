//! Commissioning: checklist templates (steps as data), what was observed on
//! site, step results with their evidence, sessions with sign-off, and the
//! as-built versus design comparison.

use serde::{Deserialize, Serialize};

use crate::link::{DeviceInfo, TelemetrySample};
use crate::project::Tolerances;

/// A checklist: an ordered list of steps. Built-in templates can be copied
/// and edited per project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistTemplate {
    /// Stable key, e.g. `"bess-acceptance"`.
    pub id: String,
    pub name: String,
    /// Template revision, bumped when a copy is edited.
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    pub description: String,
    pub steps: Vec<StepDef>,
}

/// One step of a checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDef {
    /// Unique within the template, e.g. `"cell-spread"`.
    pub id: String,
    pub title: String,
    /// What is read and how it is judged.
    pub check: Check,
    /// What the engineer must do before the step can be evaluated, if
    /// anything (e.g. "Pull the RS-485 connector at the gateway").
    #[serde(default)]
    pub operator_action: Option<String>,
    /// Why the step exists / where its criterion comes from.
    #[serde(default)]
    pub reference: String,
}

/// A point of a SunSpec model, by model id and point path (indices of
/// repeating groups as `[n]`, 1-based; `*` matches every index, e.g.
/// `module[*].ModCellVMax`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointRef {
    pub model: u16,
    pub path: String,
}

impl PointRef {
    pub fn new(model: u16, path: impl Into<String>) -> Self {
        PointRef { model, path: path.into() }
    }
}

/// Where a tolerance comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum Tolerance {
    /// A value written in the template.
    Value { value: f64 },
    /// A project setting, by name: `voltage_pct`, `current_pct`,
    /// `temperature_k`, `soc_points`, `cell_spread_mv`.
    Project { name: String },
    /// A value from the vendor's specification, with its source.
    Vendor { value: f64, source: String },
}

/// What a step reads and its pass criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Check {
    /// Every planned unit id answers and identifies itself; serial numbers
    /// are unique; no unplanned unit answers.
    Communications,
    /// Every pack controller reports the specified firmware version
    /// (model 1 `Vr`). `expected` empty → the version of the planned unit,
    /// else all units must agree with each other.
    FirmwareInventory {
        #[serde(default)]
        expected: String,
    },
    /// Cell-voltage spread (max − min) of every string ≤ tolerance (mV).
    CellVoltageSpread { tolerance_mv: Tolerance },
    /// Every module/cell temperature within `[min_c, max_c]`, and the spread
    /// within a string ≤ tolerance (K).
    Temperature { min_c: f64, max_c: f64, spread_k: Tolerance },
    /// Strings of a pack agree before they are paralleled: voltage
    /// difference ≤ `max_voltage_diff_v` and SOC difference ≤ tolerance
    /// (percentage points).
    StringAlignment { max_voltage_diff_v: Tolerance, soc_points: Tolerance },
    /// Insulation resistance ≥ the warning and alarm thresholds (kΩ), when
    /// the device has such a point; not applicable otherwise.
    InsulationResistance { point: PointRef, warning_kohm: f64, alarm_kohm: f64 },
    /// The listed alarm/event bitfields have no bit set.
    AlarmsClear { points: Vec<PointRef> },
    /// Communication-loss test: while the link is pulled, Backstop marks the
    /// data stale; after reconnection the pack reports a safe state
    /// (`state_point` in `safe_states`).
    CommunicationLoss { state_point: PointRef, safe_states: Vec<String> },
    /// As-left setpoints equal the design values (the observation carries
    /// the design setpoints).
    SetpointBaseline,
    /// A generic range check of one point on every unit.
    PointRange { point: PointRef, min: f64, max: f64 },
}

/// A unit the design expects on the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedUnit {
    pub unit: u8,
    /// Cabinet tag on the layout, e.g. `"BC-01"`.
    pub cabinet: String,
    /// Expected model text (model 1 `Md`), if specified.
    #[serde(default)]
    pub model: Option<String>,
    /// Expected firmware (model 1 `Vr`), if specified.
    #[serde(default)]
    pub firmware: Option<String>,
    /// Expected rated energy, Wh (model 802 `WHRtg`), if specified.
    #[serde(default)]
    pub energy_wh: Option<f64>,
}

/// A design value a setpoint must be left at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignSetpoint {
    /// `None` = every unit.
    pub unit: Option<u8>,
    pub point: PointRef,
    pub value: f64,
    /// Allowed absolute difference.
    pub tolerance: f64,
    #[serde(default)]
    pub unit_label: String,
}

/// One unit as observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitObservation {
    pub unit: u8,
    /// What discovery found (common model, model list); `None` when the
    /// unit did not answer.
    pub info: Option<DeviceInfo>,
    /// The latest telemetry; `stale` marks data the device no longer confirms.
    pub sample: Option<TelemetrySample>,
}

/// Everything a step is evaluated against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// When it was taken, ms since the Unix epoch.
    pub at_ms: i64,
    /// Who is recording.
    pub engineer: String,
    /// Link description (port, baud, parity), recorded as evidence.
    pub link: String,
    pub planned: Vec<PlannedUnit>,
    pub units: Vec<UnitObservation>,
    #[serde(default)]
    pub design_setpoints: Vec<DesignSetpoint>,
    pub tolerances: Tolerances,
}

/// The three moments of a communication-loss test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommLossPhases {
    pub before: Observation,
    pub during: Observation,
    pub after: Observation,
}

/// How a step came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The check does not apply to these devices (e.g. no insulation point).
    NotApplicable,
    /// Data was missing, stale or not implemented: no verdict is possible.
    Incomplete,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "not applicable",
            Outcome::Incomplete => "incomplete",
        }
    }
}

/// One piece of evidence: a labelled value, where it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// e.g. `"Unit 2, string 1, cell spread"`.
    pub label: String,
    /// e.g. `"53 mV (max 3.341 V at module 3 cell 7, min 3.288 V at module 1 cell 2)"`.
    pub value: String,
    /// True when this item breaks the criterion.
    pub bad: bool,
    /// For comparisons with a design value: (measured, design), as text
    /// with units (the as-left configuration table of the report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<(String, String)>,
}

/// The result of evaluating one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    pub step_id: String,
    pub title: String,
    pub outcome: Outcome,
    /// One sentence: the verdict and why.
    pub summary: String,
    /// The criterion as text, with the tolerance that was applied.
    pub criterion: String,
    pub evidence: Vec<Evidence>,
    pub at_ms: i64,
    pub who: String,
    #[serde(default)]
    pub notes: String,
}

/// A sign-off: locks the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    pub name: String,
    pub role: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub at_ms: i64,
}

/// A commissioning session: the template it follows, every result recorded
/// (re-runs append; the latest per step counts), notes, and the sign-off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommissioningSession {
    pub template: ChecklistTemplate,
    /// Revision of the session: 1 for the first, +1 for each session
    /// started after a sign-off.
    pub revision: u32,
    pub started_at_ms: i64,
    pub engineer: String,
    pub history: Vec<StepResult>,
    pub signoff: Option<SignOff>,
}

/// Counts of a session's latest results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionSummary {
    pub steps: usize,
    pub passed: usize,
    pub failed: usize,
    pub not_applicable: usize,
    pub incomplete: usize,
    pub not_run: usize,
}

/// How a cabinet's installed controller compares with the design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum AsBuiltStatus {
    AsDesigned,
    /// Planned, but no unit answered at its address.
    Missing,
    /// A unit answered that the design does not plan.
    Extra,
    WrongModel {
        expected: String,
        found: String,
    },
    WrongCapacity {
        expected_wh: f64,
        found_wh: f64,
    },
    WrongFirmware {
        expected: String,
        found: String,
    },
    /// The same serial number answered at several unit ids.
    DuplicateSerial {
        units: Vec<u8>,
    },
}

/// One row of the as-built comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsBuiltRow {
    /// Cabinet tag, empty for an extra unit.
    pub cabinet: String,
    pub unit: Option<u8>,
    pub serial: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub status: Vec<AsBuiltStatus>,
}

impl AsBuiltRow {
    pub fn ok(&self) -> bool {
        self.status.iter().all(|s| *s == AsBuiltStatus::AsDesigned)
    }
}

/// An explicit assignment of a discovered controller to a cabinet (the
/// engineer dragged the unit onto the cabinet on the plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub cabinet: String,
    pub serial: String,
}

/// What commissioning expects to find on site, kept in the project settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CommissioningPlan {
    /// The address plan: which unit id sits in which cabinet. Empty: one
    /// unit per battery cabinet, in tag order from unit 1.
    #[serde(default)]
    pub units: Vec<PlannedUnit>,
    /// Firmware every pack controller must run (model 1 `Vr`); empty: not specified.
    #[serde(default)]
    pub firmware: String,
    /// Pack-controller model (model 1 `Md`); empty: not specified.
    #[serde(default)]
    pub model: String,
    /// Setpoints the packs must be left at.
    #[serde(default)]
    pub design_setpoints: Vec<DesignSetpoint>,
    /// The project's copy of the checklist; `None`: the built-in one.
    #[serde(default)]
    pub template: Option<ChecklistTemplate>,
    /// Explicit placements of discovered controllers (drag onto a cabinet).
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    /// Limits on what may be written to a point, from the specification
    /// (e.g. the vendor's allowed range for a protection setpoint). Checked
    /// by the backend on every write, with the design setpoints.
    #[serde(default)]
    pub write_limits: Vec<PointLimit>,
}

/// The range a point may be written to, and where that range comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointLimit {
    /// `None` = every unit.
    #[serde(default)]
    pub unit: Option<u8>,
    pub point: PointRef,
    pub min: f64,
    pub max: f64,
    /// The document the limit comes from, e.g. "vendor spec rev C, table 4".
    #[serde(default)]
    pub source: String,
}

/// The Commissioning area's view of the checklist, built by the backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommissionView {
    /// The address plan in force (the project's, or one unit per battery
    /// cabinet in tag order when the project has none).
    pub planned: Vec<PlannedUnit>,
    pub template: ChecklistTemplate,
    /// The open (or last) session, with every result recorded.
    pub session: Option<CommissioningSession>,
    pub summary: SessionSummary,
    /// Installed controllers against the design.
    pub as_built: Vec<AsBuiltRow>,
    /// The communication-loss test in progress: which moments are captured.
    pub comm_loss: CommLossProgress,
}

/// How far the communication-loss test has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CommLossProgress {
    pub before: bool,
    pub during: bool,
}

/// Which moment of the communication-loss test to capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommLossPhase {
    /// Data is fresh; the operator is about to pull the link.
    Before,
    /// The link is pulled and the data shows stale.
    During,
    /// The link is back; evaluates the step.
    After,
}

/// The commissioning plan as the Plan tab edits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub plan: CommissioningPlan,
    pub tolerances: crate::project::Tolerances,
    /// The address plan in force (the plan's, or derived from the layout).
    pub planned: Vec<PlannedUnit>,
    /// Battery cabinets on the layout, by tag.
    pub cabinets: Vec<String>,
    /// The built-in checklist, to copy into the project and edit.
    pub builtin_template: ChecklistTemplate,
}
