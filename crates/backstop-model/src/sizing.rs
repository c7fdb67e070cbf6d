//! Sizing cases (UPS ride-through, peak shaving), results, optimizer
//! requests, calculation sheets, diagnostics and chart series.
//!
//! Design choices:
//! - Cases are what the engineer types (and what the project file stores);
//!   every optional input has a documented default via `#[serde(default)]`,
//!   so older files keep loading as fields are added.
//! - Results are plain data: every number is finite (the engine replaces
//!   what it cannot compute with a diagnostic, never NaN), every result
//!   carries its [`CalcSheet`], and problems are [`SizingDiagnostic`]s that
//!   name the failing constraint and by how much.

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// Diagnostics, calculation sheets, charts.
// ---------------------------------------------------------------------------

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagSeverity {
    /// The input is invalid or the case cannot be met; no (or no complete) result.
    Error,
    /// A result was produced, but an assumption was made or a margin is thin.
    Warning,
    /// For the record (e.g. which table was used).
    Info,
}

/// The engineer's name for a sizing input field path, as the forms label it
/// (with the engine's convention where it differs from the form's, e.g. a
/// fraction where the form shows percent); `None` for paths that are not
/// input fields (profile lines, catalog entries).
pub fn field_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "load.kw_per_rack" => "Load per rack (kW)",
        "load.racks" => "Racks",
        "load.kw" => "IT load (kW)",
        "load.kva" => "Load (kVA)",
        "load.power_factor" => "Load power factor",
        "growth_margin" => "Growth margin (fraction of the load)",
        "ups_efficiency" => "UPS efficiency, battery → load (fraction)",
        "runtime_min" => "Required runtime (min)",
        "dc_bus.v_max" => "DC bus maximum, float (V)",
        "dc_bus.v_min" => "DC bus minimum, end of discharge (V)",
        "dc_bus.cells_in_series" => "Cells in series",
        "dc_bus.float_v_cell" => "Float voltage (V/cell)",
        "ambient_c" => "Lowest battery temperature (°C)",
        "temperature_factor" => "Temperature factor",
        "design_margin" => "Design margin",
        "aging_factor" => "Aging factor (end of life)",
        "ecm.step_s" => "Simulation time step (s)",
        "ecm.eol_resistance_factor" => "Resistance at end of life ÷ new",
        "ecm.initial_soc" => "SOC when the outage starts (fraction)",
        "threshold_kw" => "Demand threshold (kW)",
        "sweep.from_kw" => "Threshold sweep from (kW)",
        "sweep.to_kw" => "Threshold sweep to (kW)",
        "sweep.steps" => "Threshold sweep steps",
        "pcs_efficiency" => "PCS efficiency, one way (fraction)",
        "charge_efficiency" => "Battery charge efficiency (fraction)",
        "discharge_efficiency" => "Battery discharge efficiency (fraction)",
        "soc_min" => "Lowest SOC used (fraction)",
        "soc_max" => "Highest SOC used (fraction)",
        "eol_soh" => "State of health at end of life (fraction)",
        "max_charge_kw" => "Grid charging limit (kW)",
        "project_years" => "Project life (years)",
        "battery_temp_c" => "Battery temperature (°C)",
        "aging.model" => "Ageing model",
        "aging.cycles_to_eol" => "Cycles to end of life",
        "aging.cycle_ref_dod" => "Depth of discharge of the cycle rating (fraction)",
        "aging.cycle_eol_soh" => "State of health ending the cycle rating (fraction)",
        "aging.dod_exponent" => "DoD exponent",
        "aging.calendar_a" => "Calendar aging a",
        "aging.calendar_b" => "Calendar aging b (K)",
        "aging.calendar_c" => "Calendar aging c (K)",
        "aging.calendar_q0" => "Calendar aging q0",
        _ => return crate::sizing_smooth::field_label(field),
    })
}

/// A problem with a sizing input or an unmet constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizingDiagnostic {
    /// Error, warning or info.
    pub severity: DiagSeverity,
    /// Input field path (e.g. `"dc_bus.v_min"`, `"profile:line 12"`).
    pub field: String,
    /// Stable id of the constraint (e.g. `"dc-window"`, `"runtime"`, `"c-rate"`).
    pub constraint: String,
    /// Complete sentence: what is wrong, by how much, and what to do.
    pub message: String,
    /// The value the constraint requires, if numeric.
    #[serde(default)]
    pub required: Option<f64>,
    /// The value found, if numeric.
    #[serde(default)]
    pub actual: Option<f64>,
    /// Unit of `required` / `actual`.
    #[serde(default)]
    pub unit: String,
}

/// What a calculation-sheet line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineKind {
    /// A value the engineer entered (or its default).
    Input,
    /// A factor (temperature, aging, design margin, efficiency).
    Factor,
    /// A value from the catalog (datasheet).
    Data,
    /// An intermediate value computed from the lines above.
    Intermediate,
    /// A result.
    Result,
    /// A check (constraint met or not).
    Check,
}

/// One line of a calculation sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalcLine {
    /// What the line is.
    pub kind: LineKind,
    /// Short description ("Battery power").
    pub label: String,
    /// Symbol used in formulas ("P_batt").
    #[serde(default)]
    pub symbol: String,
    /// The formula as text, with the numbers substituted where useful.
    #[serde(default)]
    pub formula: String,
    /// Numeric value, if any.
    #[serde(default)]
    pub value: Option<f64>,
    /// Text value (for non-numeric lines, or a check verdict).
    #[serde(default)]
    pub text: String,
    /// Unit of the value.
    #[serde(default)]
    pub unit: String,
    /// Where the value or the formula comes from.
    #[serde(default)]
    pub source: String,
}

/// A titled group of calculation-sheet lines.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CalcSection {
    /// Section title.
    pub title: String,
    /// Free explanation printed under the title.
    #[serde(default)]
    pub note: String,
    /// Lines, in calculation order.
    pub lines: Vec<CalcLine>,
}

/// The calculation sheet of a result: inputs, formulas, factors,
/// intermediate values and sources, in the order of the calculation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CalcSheet {
    /// Title ("UPS battery sizing — Hall A").
    pub title: String,
    /// Sections in order.
    pub sections: Vec<CalcSection>,
}

/// One chart series (`[x, y]` points).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChartSeries {
    /// Stable id ("runtime-vs-load-eol").
    pub id: String,
    /// Legend text.
    pub label: String,
    /// X axis label.
    pub x_label: String,
    /// X unit.
    pub x_unit: String,
    /// Y axis label.
    pub y_label: String,
    /// Y unit.
    pub y_unit: String,
    /// Points, sorted by x.
    pub points: Vec<[f64; 2]>,
}

// ---------------------------------------------------------------------------
// UPS / ride-through.
// ---------------------------------------------------------------------------

/// The critical load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LoadSpec {
    /// Total active power, kW.
    Total {
        /// kW.
        kw: f64,
    },
    /// Racks × kW per rack.
    PerRack {
        /// kW per rack.
        kw_per_rack: f64,
        /// Number of racks.
        racks: u32,
    },
    /// Apparent power and power factor (kVA × PF → kW).
    Apparent {
        /// kVA.
        kva: f64,
        /// Load power factor.
        power_factor: f64,
    },
}

/// Redundancy of battery strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Redundancy {
    /// Exactly what the load needs.
    #[default]
    N,
    /// One string more.
    NPlus1,
    /// Twice what the load needs (two independent systems).
    TwoN,
}

impl Redundancy {
    /// Strings installed for `n` strings needed.
    pub const fn apply(self, n: u32) -> u32 {
        match self {
            Redundancy::N => n,
            Redundancy::NPlus1 => n.saturating_add(1),
            Redundancy::TwoN => n.saturating_mul(2),
        }
    }

    /// "N", "N+1", "2N".
    pub const fn label(self) -> &'static str {
        match self {
            Redundancy::N => "N",
            Redundancy::NPlus1 => "N+1",
            Redundancy::TwoN => "2N",
        }
    }
}

/// A UPS sizing method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpsMethod {
    /// Constant-power table (W/cell or W/cell/Ah to an end voltage).
    ConstantPower,
    /// IEEE 485 / IEEE 1115 duty cycle.
    DutyCycle,
    /// Li-ion equivalent-circuit simulation of a constant-power discharge.
    Ecm,
}

impl UpsMethod {
    /// Display name.
    pub const fn label(self) -> &'static str {
        match self {
            UpsMethod::ConstantPower => "constant-power table",
            UpsMethod::DutyCycle => "IEEE 485/1115 duty cycle",
            UpsMethod::Ecm => "equivalent-circuit simulation",
        }
    }
}

/// The DC bus voltage window of the UPS.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DcBus {
    /// Highest DC voltage the UPS accepts (float/charge), V.
    pub v_max: f64,
    /// Lowest DC voltage at which the UPS still runs (end of discharge), V.
    pub v_min: f64,
    /// Force this many cells in series (else chosen from the window).
    #[serde(default)]
    pub cells_in_series: Option<u32>,
    /// Float voltage per cell set on the charger, V (else the entry's float voltage).
    #[serde(default)]
    pub float_v_cell: Option<f64>,
}

/// One period of a duty cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyPeriod {
    /// What the period is ("UPS inverter", "switchgear closing").
    #[serde(default)]
    pub label: String,
    /// Current, A (give this or `kw`).
    #[serde(default)]
    pub amps: Option<f64>,
    /// Constant power, kW at the battery terminals (converted to amps at the
    /// end-of-discharge voltage, which is conservative).
    #[serde(default)]
    pub kw: Option<f64>,
    /// Duration, minutes.
    pub minutes: f64,
}

/// An IEEE 485 / 1115 duty cycle: consecutive periods, and an optional
/// random (non-continuous) load of known duration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DutyCycle {
    /// Consecutive periods from the start of the outage.
    pub periods: Vec<DutyPeriod>,
    /// Random load (added to the worst section).
    #[serde(default)]
    pub random: Option<DutyPeriod>,
    /// Temperature derating per discharge time, `[up to minutes, T_t]`
    /// sorted by minutes (IEEE 1115 style: T_t depends on the rate). The
    /// first row whose minutes ≥ t applies; beyond the last row, the last.
    /// Empty: one factor for every t (the case's temperature factor).
    #[serde(default)]
    pub temperature_factors: Vec<[f64; 2]>,
}

/// Options of the equivalent-circuit simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EcmOptions {
    /// Time step, s.
    pub step_s: f64,
    /// R0 and R1 at end of life relative to new.
    pub eol_resistance_factor: f64,
    /// State of charge at the start of the outage (fraction).
    pub initial_soc: f64,
}

impl Default for EcmOptions {
    fn default() -> Self {
        EcmOptions { step_s: 1.0, eol_resistance_factor: 1.5, initial_soc: 1.0 }
    }
}

/// A UPS ride-through sizing case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsCase {
    /// Case name.
    #[serde(default)]
    pub name: String,
    /// The critical load.
    pub load: LoadSpec,
    /// Growth margin (fraction added to the load, e.g. 0.2 = +20 %).
    #[serde(default)]
    pub growth_margin: f64,
    /// UPS inverter efficiency, battery DC to load AC (fraction).
    #[serde(default = "default_ups_eff")]
    pub ups_efficiency: f64,
    /// Catalog key of the UPS (optional: module count and DC window check).
    #[serde(default)]
    pub ups_key: Option<String>,
    /// Required ride-through, minutes.
    pub runtime_min: f64,
    /// DC bus window.
    pub dc_bus: DcBus,
    /// Lowest expected battery temperature, °C.
    #[serde(default = "default_ambient")]
    pub ambient_c: f64,
    /// Design margin (≥ 1, 1.10–1.15 typical).
    #[serde(default = "default_design_margin")]
    pub design_margin: f64,
    /// Aging factor (≥ 1; 1.25 = replace at 80 % capacity).
    #[serde(default = "default_aging")]
    pub aging_factor: f64,
    /// Override of the temperature correction factor (else from the
    /// IEEE 485 table or the entry's capacity-vs-temperature curve).
    #[serde(default)]
    pub temperature_factor: Option<f64>,
    /// Redundancy of battery strings.
    #[serde(default)]
    pub redundancy: Redundancy,
    /// Catalog key of the battery to size.
    pub battery_key: String,
    /// Methods to run (empty: every method the entry has data for).
    #[serde(default)]
    pub methods: Vec<UpsMethod>,
    /// Duty cycle for the IEEE 485/1115 method (default: one period of the
    /// battery power for the runtime).
    #[serde(default)]
    pub duty_cycle: Option<DutyCycle>,
    /// Equivalent-circuit options.
    #[serde(default)]
    pub ecm: EcmOptions,
    /// Loads for the runtime-vs-load curve, as fractions of the design load
    /// (empty: 0.25 to 1.5).
    #[serde(default)]
    pub curve_load_fractions: Vec<f64>,
}

fn default_ups_eff() -> f64 {
    0.95
}
fn default_ambient() -> f64 {
    25.0
}
fn default_design_margin() -> f64 {
    1.10
}
fn default_aging() -> f64 {
    1.25
}

/// The battery configuration one method arrives at.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BatteryConfig {
    /// Catalog key of the unit.
    pub battery_key: String,
    /// Units in series per string.
    pub units_in_series: u32,
    /// Cells in series per string.
    pub cells_in_series: u32,
    /// Strings the load needs (before redundancy).
    pub strings_needed: u32,
    /// Strings installed (after redundancy).
    pub strings: u32,
    /// Units installed.
    pub units: u32,
    /// Enclosures (cabinets/racks) installed; equals `units` for
    /// floor-standing cabinets and containers.
    pub enclosures: u32,
    /// End-of-discharge voltage, V per cell.
    pub end_v_cell: f64,
    /// Installed nominal energy, kWh.
    pub energy_kwh: f64,
    /// Battery power at the design load, kW.
    pub power_kw: f64,
    /// Discharge rate of the strings needed, C (1/h): P_batt ÷ (strings
    /// needed × string kWh) at the design load; for the duty-cycle method the
    /// duty cycle's highest current ÷ (strings needed × rated Ah).
    pub c_rate: f64,
    /// Footprint, m².
    pub footprint_m2: f64,
    /// Mass, kg.
    pub mass_kg: f64,
    /// Heat released at the design load on all installed strings, kW
    /// (battery only; 0 when the entry has neither resistance nor rated heat
    /// data — the sheet then says "not computed").
    pub heat_kw: f64,
    /// Cost.
    pub cost: f64,
}

impl BatteryConfig {
    /// The string's cut-off voltage: the end voltage per cell × the cells
    /// in series, V.
    pub fn end_v_string(&self) -> f64 {
        self.end_v_cell * f64::from(self.cells_in_series)
    }
}

/// What one method found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsMethodResult {
    /// The method.
    pub method: UpsMethod,
    /// Whether the configuration meets every constraint.
    pub feasible: bool,
    /// The configuration, when one was found.
    #[serde(default)]
    pub config: Option<BatteryConfig>,
    /// Required capacity per string (Ah), for Ah-based methods (W/cell/Ah
    /// tables, duty cycle).
    #[serde(default)]
    pub required_ah: Option<f64>,
    /// Constant-current approximation of the capacity needed, Ah
    /// (Ah = P_batt / (V_end · N) · h · TC · AF · DF), for comparison.
    #[serde(default)]
    pub ah_form: Option<f64>,
    /// Runtime of the installed strings needed at the design load, new, min.
    #[serde(default)]
    pub runtime_bol_min: Option<f64>,
    /// Runtime at end of life, min.
    #[serde(default)]
    pub runtime_eol_min: Option<f64>,
    /// Lowest terminal voltage above cut-off during the required runtime
    /// at end of life, V per string (ECM).
    #[serde(default)]
    pub voltage_margin_v: Option<f64>,
    /// Highest string current during the required runtime, A.
    #[serde(default)]
    pub max_current_a: Option<f64>,
    /// Chart series (runtime vs load, discharge voltage and SOC).
    #[serde(default)]
    pub charts: Vec<ChartSeries>,
    /// Problems met by this method.
    #[serde(default)]
    pub diagnostics: Vec<SizingDiagnostic>,
}

/// The load as the sizing sees it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LoadSummary {
    /// IT (critical) load, kW.
    pub it_kw: f64,
    /// Design load with growth margin, kW.
    pub design_kw: f64,
    /// Battery power at the design load (÷ UPS efficiency), kW.
    pub battery_kw: f64,
}

/// UPS units needed (when the case names a UPS entry).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpsUnits {
    /// Catalog key of the UPS.
    pub ups_key: String,
    /// Units the load needs.
    pub needed: u32,
    /// Units installed with redundancy.
    pub installed: u32,
    /// UPS losses at the design load, kW.
    pub heat_kw: f64,
}

/// The result of a UPS sizing case: each method side by side.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpsResult {
    /// Case name.
    pub case_name: String,
    /// Load summary.
    pub load: LoadSummary,
    /// One result per method run.
    pub methods: Vec<UpsMethodResult>,
    /// The method whose configuration governs (most strings), if any is feasible.
    #[serde(default)]
    pub governing: Option<UpsMethod>,
    /// UPS units.
    #[serde(default)]
    pub ups_units: Option<UpsUnits>,
    /// Problems with the case as a whole.
    pub diagnostics: Vec<SizingDiagnostic>,
    /// The calculation sheet.
    pub sheet: CalcSheet,
}

// ---------------------------------------------------------------------------
// Peak shaving.
// ---------------------------------------------------------------------------

/// A sweep of demand thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdSweep {
    /// Lowest threshold, kW.
    pub from_kw: f64,
    /// Highest threshold, kW.
    pub to_kw: f64,
    /// Number of thresholds (≥ 2).
    pub steps: u32,
}

/// Which degradation model the life calculation uses.
///
/// Every model is run on the same dispatch and shown side by side on the
/// calculation sheet (the spread is the model uncertainty); this one sets
/// the capacity the dispatch sees year by year and is checked against the
/// end-of-life state of health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgingModelKind {
    /// NREL BLAST-Lite `lfp_gr_250AhPrismatic_2019`: large-format (> 250 Ah)
    /// prismatic LFP/graphite cell, calendar fade by temperature and SOC
    /// (anode potential), cycle fade by equivalent full cycles with DoD and
    /// C-rate (Gasper et al., J. Energy Storage 2023,
    /// doi:10.1016/j.est.2023.109042). The default: fitted to the cell class
    /// of grid LFP containers (280 Ah-class prismatic cells).
    #[default]
    BlastLiteLfp,
    /// NREL BLAST-Lite `nmc111_gr_Kokam75Ah_2017`: 75 Ah NMC111/graphite
    /// pouch cell, calendar and cycle loss of lithium inventory plus
    /// loss of active material (Smith et al., ACC 2017).
    BlastLiteNmc,
    /// The parameters of [`AgingModel`]: calendar q = q0 − k·√days in the
    /// NREL SAM form (LFP defaults of SAM) plus a Wöhler cycle curve from the
    /// cell datasheet, rainflow-counted.
    SamParametric,
}

impl AgingModelKind {
    /// Every model, in the order the sheet lists them.
    pub const ALL: [AgingModelKind; 3] = [AgingModelKind::BlastLiteLfp, AgingModelKind::BlastLiteNmc, AgingModelKind::SamParametric];

    /// Display name.
    pub const fn label(self) -> &'static str {
        match self {
            AgingModelKind::BlastLiteLfp => "NREL BLAST-Lite LFP/Gr 250 Ah prismatic",
            AgingModelKind::BlastLiteNmc => "NREL BLAST-Lite NMC111/Gr 75 Ah pouch",
            AgingModelKind::SamParametric => "SAM-form calendar + datasheet cycle curve (parameters of the case)",
        }
    }

    /// The kebab-case key used in case files.
    pub const fn key(self) -> &'static str {
        match self {
            AgingModelKind::BlastLiteLfp => "blast-lite-lfp",
            AgingModelKind::BlastLiteNmc => "blast-lite-nmc",
            AgingModelKind::SamParametric => "sam-parametric",
        }
    }
}

/// Degradation model: which model governs, and the parameters of the
/// SAM-form model (calendar √t fade plus rainflow cycle fade).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgingModel {
    /// The model that governs (default: BLAST-Lite LFP; files written before
    /// the choice existed load with the default).
    pub model: AgingModelKind,
    /// Calendar: q = q0 − k·√(days), k = a·exp(b·(1/T − 1/296))·exp(c·(SOC/T − 1/296)).
    pub calendar_a: f64,
    /// Calendar b, K.
    pub calendar_b: f64,
    /// Calendar c, K.
    pub calendar_c: f64,
    /// Calendar q0.
    pub calendar_q0: f64,
    /// Full cycles to `cycle_eol_soh` at `cycle_ref_dod`.
    pub cycles_to_eol: f64,
    /// Depth of discharge of the rated cycle life.
    pub cycle_ref_dod: f64,
    /// State of health at the rated cycle life.
    pub cycle_eol_soh: f64,
    /// Wöhler exponent: cycles to EOL ∝ DoD^(−exponent).
    pub dod_exponent: f64,
    /// Where these parameters come from.
    pub source: String,
}

impl Default for AgingModel {
    fn default() -> Self {
        AgingModel {
            model: AgingModelKind::default(),
            calendar_a: 0.0033143,
            calendar_b: -3191.0,
            calendar_c: 389.7,
            calendar_q0: 0.999,
            cycles_to_eol: 6000.0,
            cycle_ref_dod: 1.0,
            cycle_eol_soh: 0.8,
            dod_exponent: 1.3,
            source: "calendar: LFP defaults of a public life model (NREL SAM form); cycle: 280 Ah-class LFP datasheet 6,000 cycles to 80 % (EVE LF280K); DoD exponent typical value, verify against vendor data".into(),
        }
    }
}

fn default_pcs_eff() -> f64 {
    0.98
}
fn default_cell_eff() -> f64 {
    0.975
}
fn default_soc_min() -> f64 {
    0.05
}
fn default_soc_max() -> f64 {
    0.95
}
fn default_eol_soh() -> f64 {
    0.8
}
fn default_years() -> u32 {
    15
}

/// A peak-shaving sizing case (the load profile comes separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakCase {
    /// Case name.
    #[serde(default)]
    pub name: String,
    /// Demand threshold to shave to, kW (give this and/or `sweep`).
    #[serde(default)]
    pub threshold_kw: Option<f64>,
    /// Thresholds to sweep for the kW/kWh-vs-threshold curve.
    #[serde(default)]
    pub sweep: Option<ThresholdSweep>,
    /// PCS efficiency (one way), fraction.
    #[serde(default = "default_pcs_eff")]
    pub pcs_efficiency: f64,
    /// Battery charge efficiency (DC, one way), fraction.
    #[serde(default = "default_cell_eff")]
    pub charge_efficiency: f64,
    /// Battery discharge efficiency (DC, one way), fraction.
    #[serde(default = "default_cell_eff")]
    pub discharge_efficiency: f64,
    /// Lowest state of charge used (fraction).
    #[serde(default = "default_soc_min")]
    pub soc_min: f64,
    /// Highest state of charge used (fraction).
    #[serde(default = "default_soc_max")]
    pub soc_max: f64,
    /// State of health at end of life the battery is sized for (fraction).
    #[serde(default = "default_eol_soh")]
    pub eol_soh: f64,
    /// Highest grid charging power, AC kW (default: the discharge power).
    #[serde(default)]
    pub max_charge_kw: Option<f64>,
    /// Project life, years.
    #[serde(default = "default_years")]
    pub project_years: u32,
    /// Battery temperature for the aging model, °C.
    #[serde(default = "default_ambient")]
    pub battery_temp_c: f64,
    /// Catalog key of the battery (container/cabinet) to count, C-rate check.
    #[serde(default)]
    pub battery_key: Option<String>,
    /// Catalog key of the PCS, to count units.
    #[serde(default)]
    pub pcs_key: Option<String>,
    /// Degradation model.
    #[serde(default)]
    pub aging: AgingModel,
}

/// Facts about the imported load profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProfileSummary {
    /// Number of intervals.
    pub rows: usize,
    /// Interval, minutes.
    pub interval_min: f64,
    /// First timestamp (as written).
    pub start: String,
    /// Last timestamp (as written).
    pub end: String,
    /// Unit of the file ("kW", "MW", "W").
    pub unit: String,
    /// Peak load, kW.
    pub peak_kw: f64,
    /// Mean load, kW.
    pub mean_kw: f64,
    /// Energy over the profile, kWh.
    pub energy_kwh: f64,
}

/// Size needed for one threshold.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ThresholdPoint {
    /// Demand threshold, kW.
    pub threshold_kw: f64,
    /// PCS power (AC) needed, kW.
    pub power_kw: f64,
    /// Usable energy needed (DC, deepest depletion), kWh.
    pub usable_kwh: f64,
    /// Nameplate energy needed (÷ DoD window ÷ EOL SOH, and raised for the
    /// C-rate when a battery is named), kWh.
    pub nameplate_kwh: f64,
    /// Number of shaving events (intervals above the threshold, merged).
    pub events: u32,
    /// Events that began before the battery had refilled.
    pub events_not_full: u32,
    /// Whether the threshold can be held year after year (recharge suffices).
    pub feasible: bool,
}

/// Capacity in one project year.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct YearCapacity {
    /// Project year (1-based).
    pub year: u32,
    /// State of health at the start of the year (fraction of nameplate).
    pub soh_start: f64,
    /// State of health at the end of the year.
    pub soh_end: f64,
    /// Equivalent full cycles in the year (rainflow).
    pub full_cycles: f64,
    /// Cumulative calendar loss at year end (fraction).
    pub calendar_loss: f64,
    /// Cumulative cycle loss at year end (fraction).
    pub cycle_loss: f64,
    /// Energy above the threshold the battery could not serve, kWh.
    pub unserved_kwh: f64,
}

/// What one degradation model gives on the dispatch of the sizing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgingOutcome {
    /// The model.
    pub model: AgingModelKind,
    /// Whether this model governs the sizing.
    pub governing: bool,
    /// State of health at the end of each project year.
    pub soh_by_year: Vec<f64>,
    /// First year whose end-of-year SOH is below the case's end-of-life SOH.
    #[serde(default)]
    pub year_below_eol: Option<u32>,
}

/// The sizing for the chosen threshold.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PeakSizing {
    /// Threshold point.
    pub point: ThresholdPoint,
    /// Battery units (when a battery entry was named).
    #[serde(default)]
    pub battery_units: Option<u32>,
    /// PCS units (when a PCS entry was named).
    #[serde(default)]
    pub pcs_units: Option<u32>,
    /// Installed nameplate energy, kWh (units × unit energy, or the need).
    pub installed_kwh: f64,
    /// Highest C-rate on the installed energy: max(discharge P_dc, charge
    /// P_chg,dc) ÷ E_installed.
    pub c_rate: f64,
    /// Capacity year by year (governing degradation model).
    pub years: Vec<YearCapacity>,
    /// Every degradation model on the same dispatch (the spread between
    /// them is the model uncertainty).
    #[serde(default)]
    pub aging_spread: Vec<AgingOutcome>,
    /// Footprint of the battery units, m².
    #[serde(default)]
    pub footprint_m2: f64,
    /// Cost of battery and PCS units.
    #[serde(default)]
    pub cost: f64,
}

/// The result of a peak-shaving case.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PeakResult {
    /// Case name.
    pub case_name: String,
    /// The profile.
    pub profile: ProfileSummary,
    /// The sweep (kW/kWh vs threshold), if requested.
    pub sweep: Vec<ThresholdPoint>,
    /// The sizing for `threshold_kw`, if given and feasible.
    #[serde(default)]
    pub sizing: Option<PeakSizing>,
    /// Chart series (kW/kWh vs threshold, SOC over the year, capacity fade).
    pub charts: Vec<ChartSeries>,
    /// Problems.
    pub diagnostics: Vec<SizingDiagnostic>,
    /// The calculation sheet.
    pub sheet: CalcSheet,
}

impl PeakResult {
    /// Whether the threshold asked for was sized and met, and the case has
    /// no error (a sweep alone sizes nothing: `false`).
    pub fn feasible(&self) -> bool {
        self.sizing.as_ref().is_some_and(|s| s.point.feasible) && !self.diagnostics.iter().any(|d| d.severity == DiagSeverity::Error)
    }
}

// ---------------------------------------------------------------------------
// Optimizer.
// ---------------------------------------------------------------------------

/// What the optimizer minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Total cost.
    #[default]
    Cost,
    /// Floor area.
    Footprint,
}

/// Optimizer options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimizeOptions {
    /// What to minimise.
    pub objective: Objective,
    /// How many of the best configurations to return.
    pub keep: usize,
    /// Catalog keys to consider (empty: every battery entry).
    pub battery_keys: Vec<String>,
    /// Only entries listed to UL 9540.
    pub require_ul9540: bool,
    /// Most strings in parallel the site accepts.
    pub max_strings: u32,
    /// Most footprint available, m² (0: no limit).
    pub max_footprint_m2: f64,
}

impl Default for OptimizeOptions {
    fn default() -> Self {
        OptimizeOptions {
            objective: Objective::Cost,
            keep: 5,
            battery_keys: Vec::new(),
            require_ul9540: false,
            max_strings: 64,
            max_footprint_m2: 0.0,
        }
    }
}

/// One candidate that meets every constraint.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Candidate {
    /// The configuration.
    pub config: BatteryConfig,
    /// Runtime at end of life at the design load, minutes.
    pub runtime_eol_min: f64,
    /// Objective value (cost or m²).
    pub objective_value: f64,
}

/// Why a catalog entry ("family") gave no feasible configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// Catalog key.
    pub battery_key: String,
    /// The constraint that failed for its closest configuration.
    pub constraint: String,
    /// What failed, and by how much.
    pub reason: String,
}

/// Optimizer result.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OptimizeResult {
    /// What was minimised.
    pub objective: Objective,
    /// Candidate configurations evaluated.
    pub candidates_evaluated: u64,
    /// The best configurations, best first.
    pub best: Vec<Candidate>,
    /// Entries with no feasible configuration, and why.
    pub rejected: Vec<Rejection>,
    /// Problems with the case.
    pub diagnostics: Vec<SizingDiagnostic>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The case list and the editor's verdict read feasibility the same way.
    #[test]
    fn a_peak_result_is_feasible_when_its_threshold_is_met_without_errors() {
        let met = PeakSizing { point: ThresholdPoint { feasible: true, ..ThresholdPoint::default() }, ..PeakSizing::default() };
        let r = PeakResult { sizing: Some(met.clone()), ..PeakResult::default() };
        assert!(r.feasible());
        let error = SizingDiagnostic {
            severity: DiagSeverity::Error,
            field: "battery_key".into(),
            constraint: "catalog".into(),
            message: "no such battery".into(),
            required: None,
            actual: None,
            unit: String::new(),
        };
        assert!(!PeakResult { diagnostics: vec![error], ..r.clone() }.feasible());
        let unmet = PeakSizing { point: ThresholdPoint { feasible: false, ..met.point }, ..met };
        assert!(!PeakResult { sizing: Some(unmet), ..r }.feasible());
        assert!(!PeakResult { sweep: vec![ThresholdPoint::default()], ..PeakResult::default() }.feasible(), "a sweep sizes nothing");
    }
}
