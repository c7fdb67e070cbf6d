//! Sizing cases (UPS ride-through, peak shaving, optimizer), their results,
//! diagnostics, chart series and calculation sheets.
//!
//! Inputs use SI-style units named in the field (`_kw`, `_min`, `_v`, `_c`);
//! fractions are 0–1 unless the name says `_pct`. Every input field that a
//! reasonable engineer could leave out has a serde default, documented on
//! the field, so short case files and older project files load. The engine
//! (`backstop-sizing`) validates values and reports problems as
//! [`Diagnostic`]s naming the field; these types hold data only.

use serde::{Deserialize, Serialize};

use crate::catalog::CatalogEntry;

// ---------------------------------------------------------------- diagnostics

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// For information (an assumption the engine made, a method not run).
    Info,
    /// The result stands but deserves a look.
    Warning,
    /// The input is invalid or the case is infeasible; no result for this part.
    Error,
}

/// A finding about a case: what constraint, which field, by how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Severity.
    pub severity: Severity,
    /// Stable machine code, e.g. `"runtime-short"`, `"dc-window"`, `"invalid-input"`.
    pub code: String,
    /// Input field path the finding is about (`"dc_bus.min_v"`), or empty.
    #[serde(default)]
    pub field: String,
    /// What is wrong and what to do, in one or two sentences.
    pub message: String,
    /// The required value of the failing constraint, when numeric.
    #[serde(default)]
    pub required: Option<f64>,
    /// The value the design achieves, when numeric.
    #[serde(default)]
    pub actual: Option<f64>,
    /// Unit of `required` and `actual`.
    #[serde(default)]
    pub unit: String,
}

impl Diagnostic {
    /// How far `actual` misses `required` (`required − actual`), when both are given.
    pub fn shortfall(&self) -> Option<f64> {
        Some(self.required? - self.actual?)
    }
}

// ---------------------------------------------------------------- calculation sheet

/// What a sheet line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LineKind {
    /// A value the user entered.
    Input,
    /// A value taken from the catalog or a standard (with its source).
    Data,
    /// A factor (temperature, design margin, aging).
    Factor,
    /// An intermediate value computed by a formula.
    Step,
    /// A result.
    Result,
    /// A check against a limit (text says pass/fail).
    Check,
    /// A note or assumption.
    Note,
}

/// One line of a calculation sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetLine {
    /// What the line is.
    pub kind: LineKind,
    /// Symbol, e.g. `"P_batt"`.
    #[serde(default)]
    pub symbol: String,
    /// Plain-language label.
    pub label: String,
    /// Formula as text, e.g. `"P_load × (1 + g) / η_UPS"`.
    #[serde(default)]
    pub formula: String,
    /// The formula with numbers substituted.
    #[serde(default)]
    pub substituted: String,
    /// Numeric value (None for text-only lines).
    #[serde(default)]
    pub value: Option<f64>,
    /// Text value (a chosen model, "pass", a note).
    #[serde(default)]
    pub text: String,
    /// Unit of `value`.
    #[serde(default)]
    pub unit: String,
    /// Source of the value (datasheet, standard, "input", "derived").
    #[serde(default)]
    pub source: String,
}

/// A titled group of sheet lines.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SheetSection {
    /// Section title.
    pub title: String,
    /// Lines in order.
    pub lines: Vec<SheetLine>,
}

/// The calculation sheet of a result: inputs, formulas, factors,
/// intermediate values and sources, in the order an engineer reads them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CalcSheet {
    /// Title.
    pub title: String,
    /// Engine version that produced it.
    #[serde(default)]
    pub engine: String,
    /// Sections.
    pub sections: Vec<SheetSection>,
}

// ---------------------------------------------------------------- charts

/// One chart series: `points` are (x, y) pairs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// X axis label with unit.
    pub x_label: String,
    /// Y axis label with unit.
    pub y_label: String,
    /// Points.
    pub points: Vec<[f64; 2]>,
}

// ---------------------------------------------------------------- UPS case

/// How the protected load is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum UpsLoad {
    /// IT load as kW per rack × racks.
    PerRack {
        /// kW per rack.
        kw_per_rack: f64,
        /// Number of racks.
        racks: u32,
    },
    /// Total active power at the UPS output, kW.
    Total {
        /// kW.
        kw: f64,
    },
    /// Apparent power and power factor at the UPS output.
    Kva {
        /// kVA.
        kva: f64,
        /// Load power factor.
        power_factor: f64,
    },
    /// Power drawn from the battery directly (DC), kW — as in battery
    /// manufacturers' examples, where the inverter is already accounted for.
    BatteryKw {
        /// kW at the battery terminals.
        kw: f64,
    },
}

/// Redundancy of battery strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Redundancy {
    /// Exactly the strings needed.
    #[default]
    N,
    /// One more string than needed (runtime met with any one string out).
    NPlus1,
    /// Two complete, independent battery systems.
    #[serde(rename = "2n")]
    TwoN,
}

/// The UPS sizing methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpsMethod {
    /// Constant-power table method (W/cell, W/cell/Ah or kW/unit to an end voltage).
    ConstantPower,
    /// IEEE 485 / IEEE 1115 duty-cycle method.
    DutyCycle,
    /// Li-ion equivalent-circuit simulation of the constant-power discharge.
    Ecm,
}

/// DC voltage window of the UPS (battery bus).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DcWindow {
    /// Highest bus voltage (float/charge), V.
    pub max_v: f64,
    /// Lowest bus voltage (UPS low-voltage cut-off), V.
    pub min_v: f64,
}

/// One period of a duty cycle. Give the load either in `amps` (DC, whole
/// battery) or in `kw` (at the battery terminals).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DutyPeriod {
    /// What the load is.
    #[serde(default)]
    pub label: String,
    /// Duration, minutes.
    pub minutes: f64,
    /// Current, A.
    #[serde(default)]
    pub amps: Option<f64>,
    /// Power at the battery terminals, kW.
    #[serde(default)]
    pub kw: Option<f64>,
}

/// A capability factor given directly (IEEE 485 worksheet column 6/7),
/// overriding the catalog's discharge data at time `t`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KtPoint {
    /// Time from the start of the period to the end of the section, minutes.
    pub minutes: f64,
    /// Capacity rating factor K_t (rated Ah per ampere), h.
    pub kt: f64,
    /// Temperature derating factor T_t at this time (1 when absent).
    #[serde(default)]
    pub tt: Option<f64>,
}

/// Options of the IEEE 485 / 1115 duty-cycle method.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DutyCycleSpec {
    /// Periods in order. Empty: one period at the battery load for the runtime.
    #[serde(default)]
    pub periods: Vec<DutyPeriod>,
    /// A random (momentary) load placed at the most critical time, usually 1 min.
    #[serde(default)]
    pub random: Option<DutyPeriod>,
    /// K_t/T_t factors taken from a published worksheet instead of the catalog data.
    #[serde(default)]
    pub kt_points: Vec<KtPoint>,
}

/// A UPS ride-through sizing case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsCase {
    /// Case name.
    #[serde(default)]
    pub name: String,
    /// Protected load.
    pub load: UpsLoad,
    /// Load growth margin, fraction (0.2 = +20 %). Default 0.
    #[serde(default)]
    pub growth_margin: f64,
    /// UPS inverter efficiency (battery → output), fraction. Default 1 (ignored for `battery-kw`).
    #[serde(default = "one")]
    pub ups_efficiency: f64,
    /// Required runtime at full load, minutes.
    pub runtime_min: f64,
    /// DC bus window.
    pub dc_bus: DcWindow,
    /// Lowest expected battery temperature, °C. Default 25.
    #[serde(default = "twenty_five")]
    pub ambient_c: f64,
    /// Design margin, factor ≥ 1. Default 1.
    #[serde(default = "one")]
    pub design_margin: f64,
    /// Aging factor, ≥ 1 (1.25 = replace at 80 % capacity). Default 1.25.
    #[serde(default = "aging_default")]
    pub aging_factor: f64,
    /// Resistance growth at end of life for the equivalent-circuit method. Default 1.5.
    #[serde(default = "r_growth_default")]
    pub eol_resistance_factor: f64,
    /// Temperature correction factor to use instead of the engine's table, when given.
    #[serde(default)]
    pub temperature_factor: Option<f64>,
    /// Redundancy of strings.
    #[serde(default)]
    pub redundancy: Redundancy,
    /// Catalog key of the battery (cell, block, module or cabinet).
    pub battery: String,
    /// Catalog key of the UPS (optional; its DC window and efficiency are checked).
    #[serde(default)]
    pub ups: Option<String>,
    /// Cells (or units) in series, overriding the engine's choice.
    #[serde(default)]
    pub series_override: Option<u32>,
    /// Methods to run; empty = all three.
    #[serde(default)]
    pub methods: Vec<UpsMethod>,
    /// Duty-cycle method options.
    #[serde(default)]
    pub duty_cycle: DutyCycleSpec,
    /// Loads for the runtime-vs-load curve, % of design load. Default 25…150 %.
    #[serde(default)]
    pub curve_loads_pct: Vec<f64>,
    /// Time step of the equivalent-circuit simulation, s. Default 1.
    #[serde(default = "one")]
    pub ecm_step_s: f64,
    /// Extra catalog entries (user entries; override built-ins by key).
    #[serde(default)]
    pub catalog: Vec<CatalogEntry>,
}

/// The string/unit configuration a method arrived at.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Configuration {
    /// Catalog key of the battery unit used (the chosen family member).
    pub battery: String,
    /// Cells in series per string.
    pub cells_series: u32,
    /// Catalog units in series per string (blocks/modules; 1 for cabinets).
    pub units_series: u32,
    /// Strings needed without redundancy.
    pub strings_needed: u32,
    /// Strings installed (with redundancy).
    pub strings: u32,
    /// Catalog units installed (cells/blocks/modules/cabinets/containers).
    pub units: u32,
    /// Which constraint set the string count.
    #[serde(default)]
    pub governed_by: String,
}

/// Headline figures of a configuration.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Outputs {
    /// Nameplate energy installed, kWh.
    pub energy_kwh: f64,
    /// Battery power at design load, kW.
    pub power_kw: f64,
    /// Discharge C-rate at design load (per installed strings, BOL).
    pub c_rate: f64,
    /// String current at the end of discharge, A (per string, N strings carrying the load).
    pub string_current_a: f64,
    /// Floor area of the battery units, m² (units only, no aisles).
    pub footprint_m2: f64,
    /// Weight of the battery units, kg.
    pub weight_kg: f64,
    /// Heat released during the discharge at design load, kW (battery losses).
    pub discharge_heat_kw: f64,
    /// Heat released in standby, W.
    pub standby_heat_w: f64,
    /// Budget cost of the battery units, USD (None if the catalog has no price).
    pub cost_usd: Option<f64>,
}

/// The result of one UPS method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsMethodResult {
    /// Method.
    pub method: UpsMethod,
    /// True when the method ran and found a configuration meeting every constraint.
    pub feasible: bool,
    /// Configuration (None when the method could not run).
    pub configuration: Option<Configuration>,
    /// Headline figures.
    pub outputs: Option<Outputs>,
    /// Required capacity in the method's own unit (Ah, W/cell, strings), for the comparison table.
    pub required: Option<f64>,
    /// Unit of `required`.
    #[serde(default)]
    pub required_unit: String,
    /// Runtime at design load at beginning of life, minutes (where the method predicts it).
    pub runtime_bol_min: Option<f64>,
    /// Runtime at design load at end of life, minutes.
    pub runtime_eol_min: Option<f64>,
    /// Terminal voltage margin above cut-off at the required runtime (EOL), V per cell.
    pub voltage_margin_v: Option<f64>,
    /// Findings of this method.
    pub diagnostics: Vec<Diagnostic>,
    /// Calculation sheet of this method.
    pub sheet: CalcSheet,
}

/// Result of a UPS case: the three methods side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsResult {
    /// Case name.
    pub case_name: String,
    /// Load at the UPS output incl. growth, kW.
    pub load_kw: f64,
    /// Power drawn from the battery, kW.
    pub battery_kw: f64,
    /// Results per method, in the order requested.
    pub methods: Vec<UpsMethodResult>,
    /// The method whose configuration is recommended (the most conservative feasible one).
    pub recommended: Option<UpsMethod>,
    /// Runtime vs load at BOL and EOL (equivalent-circuit method) for the recommended configuration.
    pub runtime_curves: Vec<Series>,
    /// Terminal voltage and SOC against time at design load (EOL), for the chart.
    pub discharge_traces: Vec<Series>,
    /// Case-level findings (input validation, catalog).
    pub diagnostics: Vec<Diagnostic>,
    /// Calculation sheet of the case (inputs, load, series count) followed by the methods' sheets.
    pub sheet: CalcSheet,
}

// ---------------------------------------------------------------- peak shaving

/// How to choose the demand threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Threshold {
    /// A fixed demand threshold, kW.
    Fixed {
        /// kW.
        kw: f64,
    },
    /// Sweep thresholds from `from_kw` down to `to_kw` in `steps` steps; the
    /// design point is `design_kw` (or the lowest feasible threshold when absent).
    Sweep {
        /// Highest threshold, kW.
        from_kw: f64,
        /// Lowest threshold, kW.
        to_kw: f64,
        /// Number of thresholds (≥ 2).
        steps: u32,
        /// Design threshold, kW (optional).
        #[serde(default)]
        design_kw: Option<f64>,
    },
}

/// A peak-shaving sizing case (the load profile is passed separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakCase {
    /// Case name.
    #[serde(default)]
    pub name: String,
    /// Threshold or sweep.
    pub threshold: Threshold,
    /// PCS efficiency, one way, fraction. Default 0.98.
    #[serde(default = "pcs_eff_default")]
    pub pcs_efficiency: f64,
    /// Battery (DC) charge efficiency, fraction. Default 0.96.
    #[serde(default = "cell_eff_default")]
    pub charge_efficiency: f64,
    /// Battery (DC) discharge efficiency, fraction. Default 0.96.
    #[serde(default = "cell_eff_default")]
    pub discharge_efficiency: f64,
    /// Lowest allowed SOC, fraction. Default 0.05.
    #[serde(default = "soc_min_default")]
    pub soc_min: f64,
    /// Highest allowed SOC, fraction. Default 0.95.
    #[serde(default = "soc_max_default")]
    pub soc_max: f64,
    /// State of health at end of life the energy is sized for, fraction. Default 0.8.
    #[serde(default = "eol_default")]
    pub eol_soh: f64,
    /// Charging power limit at the grid side, kW (None = PCS rating).
    #[serde(default)]
    pub max_charge_kw: Option<f64>,
    /// Project life, years. Default 15.
    #[serde(default = "life_default")]
    pub project_years: u32,
    /// Battery temperature, °C. Default 25.
    #[serde(default = "twenty_five")]
    pub battery_temp_c: f64,
    /// Catalog key of the battery unit (container/cabinet) to count units; optional.
    #[serde(default)]
    pub battery: Option<String>,
    /// Catalog key of the PCS; optional.
    #[serde(default)]
    pub pcs: Option<String>,
    /// Installed nameplate energy to simulate instead of the sized one, kWh (checking an existing design).
    #[serde(default)]
    pub installed_kwh: Option<f64>,
    /// Installed PCS power to simulate instead of the sized one, kW.
    #[serde(default)]
    pub installed_kw: Option<f64>,
    /// Extra catalog entries.
    #[serde(default)]
    pub catalog: Vec<CatalogEntry>,
}

/// Summary of a parsed load profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProfileSummary {
    /// Rows read.
    pub rows: usize,
    /// Interval, minutes.
    pub interval_min: f64,
    /// First timestamp as written.
    pub first: String,
    /// Last timestamp as written.
    pub last: String,
    /// Unit found in the header.
    pub unit: String,
    /// Peak demand, kW.
    pub peak_kw: f64,
    /// Mean demand, kW.
    pub mean_kw: f64,
    /// Energy over the profile, MWh.
    pub energy_mwh: f64,
}

/// One threshold of a sweep.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Threshold, kW.
    pub threshold_kw: f64,
    /// PCS power needed, kW (AC).
    pub power_kw: f64,
    /// Usable energy needed (deepest depletion, DC), kWh.
    pub usable_kwh: f64,
    /// Nameplate energy needed, kWh.
    pub nameplate_kwh: f64,
    /// True when the threshold can be held (the battery refills between events).
    pub feasible: bool,
    /// Why not, when infeasible.
    #[serde(default)]
    pub reason: String,
}

/// Capacity and use in one year of the project.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct YearResult {
    /// Year (1-based).
    pub year: u32,
    /// State of health at the start of the year, fraction of nameplate.
    pub soh_start: f64,
    /// State of health at the end of the year.
    pub soh_end: f64,
    /// Calendar fade part of the loss at year end, fraction.
    pub calendar_loss: f64,
    /// Cycle fade part of the loss at year end, fraction.
    pub cycle_loss: f64,
    /// Equivalent full cycles this year (rainflow, Σ count × depth).
    pub equivalent_cycles: f64,
    /// Energy discharged this year (DC), MWh.
    pub discharged_mwh: f64,
    /// Energy above the threshold that could not be shaved, kWh.
    pub unserved_kwh: f64,
    /// Highest grid demand in the year with the battery, kW.
    pub max_grid_kw: f64,
}

/// Result of a peak-shaving case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakResult {
    /// Case name.
    pub case_name: String,
    /// Load profile summary.
    pub profile: ProfileSummary,
    /// Design threshold, kW.
    pub threshold_kw: f64,
    /// Design point.
    pub design: Option<SweepPoint>,
    /// kW/kWh against threshold.
    pub sweep: Vec<SweepPoint>,
    /// Nameplate energy simulated over the project life, kWh.
    pub installed_kwh: f64,
    /// PCS power simulated, kW.
    pub installed_kw: f64,
    /// C-rate of discharge at the PCS power (DC power / nameplate).
    pub c_rate: f64,
    /// Battery units and PCS units when catalog entries were given.
    pub battery_units: Option<u32>,
    /// PCS units.
    pub pcs_units: Option<u32>,
    /// Capacity and use year by year.
    pub years: Vec<YearResult>,
    /// First year in which the threshold is no longer held (None = held through the project life).
    pub first_short_year: Option<u32>,
    /// Chart series: SOC over year 1 (daily min/max), capacity fade, sweep curves.
    pub charts: Vec<Series>,
    /// Findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Calculation sheet.
    pub sheet: CalcSheet,
}

// ---------------------------------------------------------------- optimizer

/// What the optimizer minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Budget cost of the battery units.
    #[default]
    Cost,
    /// Floor area of the battery units.
    Footprint,
}

/// An optimizer run over the catalog for a UPS case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizeRequest {
    /// The case (its `battery` is ignored: every battery entry is tried).
    pub case: UpsCase,
    /// What to minimise.
    #[serde(default)]
    pub objective: Objective,
    /// How many of the best configurations to return. Default 5.
    #[serde(default = "five")]
    pub keep: u32,
    /// Largest string count to consider per configuration. Default 64.
    #[serde(default = "max_strings_default")]
    pub max_strings: u32,
    /// Restrict to these catalog keys (empty = all battery entries).
    #[serde(default)]
    pub only: Vec<String>,
}

/// One candidate the optimizer kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Configuration.
    pub configuration: Configuration,
    /// Headline figures.
    pub outputs: Outputs,
    /// Runtime at design load at end of life, minutes (equivalent circuit or table).
    pub runtime_eol_min: f64,
    /// Objective value (USD or m²).
    pub objective_value: f64,
}

/// Why a catalog family produced no feasible candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// Catalog key.
    pub battery: String,
    /// The constraint that failed for the closest candidate, with the numbers.
    pub reason: String,
    /// Candidates evaluated for this entry.
    pub evaluated: u32,
}

/// Optimizer result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizeResult {
    /// Best candidates, best first.
    pub best: Vec<Candidate>,
    /// Families with no feasible candidate and why.
    pub rejected: Vec<Rejection>,
    /// Candidate configurations evaluated.
    pub evaluated: u64,
    /// Findings.
    pub diagnostics: Vec<Diagnostic>,
}

fn one() -> f64 {
    1.0
}
fn twenty_five() -> f64 {
    25.0
}
fn aging_default() -> f64 {
    1.25
}
fn r_growth_default() -> f64 {
    1.5
}
fn pcs_eff_default() -> f64 {
    0.98
}
fn cell_eff_default() -> f64 {
    0.96
}
fn soc_min_default() -> f64 {
    0.05
}
fn soc_max_default() -> f64 {
    0.95
}
fn eol_default() -> f64 {
    0.8
}
fn life_default() -> u32 {
    15
}
fn five() -> u32 {
    5
}
fn max_strings_default() -> u32 {
    64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ups_case_takes_defaults() {
        let json = r#"{"load":{"kind":"total","kw":500},"runtime_min":5,
            "dc_bus":{"max_v":600,"min_v":450},"battery":"x"}"#;
        let c: UpsCase = serde_json::from_str(json).unwrap();
        assert_eq!(c.aging_factor, 1.25);
        assert_eq!(c.redundancy, Redundancy::N);
        assert_eq!(c.ambient_c, 25.0);
        let r: Redundancy = serde_json::from_str("\"2n\"").unwrap();
        assert_eq!(r, Redundancy::TwoN);
    }

    #[test]
    fn shortfall_is_required_minus_actual() {
        let d = Diagnostic {
            severity: Severity::Error,
            code: "runtime-short".into(),
            field: String::new(),
            message: String::new(),
            required: Some(5.0),
            actual: Some(4.2),
            unit: "min".into(),
        };
        assert!((d.shortfall().unwrap() - 0.8).abs() < 1e-12);
    }
}
