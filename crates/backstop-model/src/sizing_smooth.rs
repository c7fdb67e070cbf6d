//! Power smoothing of AI training loads: the case (load source,
//! requirements, controller, battery and/or supercapacitor bank), and the
//! result (device sizes, requirement checks, cycling and life, trade-off
//! curve, charts, calculation sheet).
//!
//! Units: power in MW, energy in MWh (supercapacitor energy in kWh), time in
//! seconds, frequencies in Hz. Sign convention: storage power is positive
//! when the device discharges (supplies the load); the grid carries
//! G = L − P_battery − P_supercap.
//!
//! Every optional input has a default through `#[serde(default)]`, so case
//! files and project records written before a field existed keep loading.

use serde::{Deserialize, Serialize};

use crate::sizing::{AgingModel, AgingOutcome, CalcSheet, ChartSeries, SizingDiagnostic};

/// A smoothing editor names each computation it asks for by a ticket: its
/// own number (drawn at random) in the bits above these, the edit's
/// sequence number in these. The backend orders one editor's computations
/// by their tickets, not by when their requests arrive.
pub const TICKET_EDIT_BITS: u32 = 20;

// ---------------------------------------------------------------------------
// Requirements.
// ---------------------------------------------------------------------------

/// How a variation requirement measures the (band-filtered) grid power in
/// its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VariationMeasure {
    /// max − min within the window.
    #[default]
    PeakToPeak,
    /// (max − min) ÷ 2 within the window (the amplitude of a sinusoid).
    Amplitude,
}

impl VariationMeasure {
    /// "peak-to-peak" / "amplitude".
    pub const fn label(self) -> &'static str {
        match self {
            VariationMeasure::PeakToPeak => "peak-to-peak",
            VariationMeasure::Amplitude => "amplitude",
        }
    }
}

/// What a requirement limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RequirementKind {
    /// Ramp averaged over a window: |G(t) − G(t − W)| ≤ R·W for every t.
    Ramp {
        /// Limit R, MW/min.
        limit_mw_per_min: f64,
        /// Window W, s (60 for "MW per minute"; 600 for "averaged over 10 min").
        #[serde(default = "default_ramp_window")]
        window_s: f64,
    },
    /// Ramp as a percentage of a reference power per minute (the PV rule,
    /// e.g. 10 %/min of nameplate): R = pct ÷ 100 × reference.
    RampPercent {
        /// Limit, % of the reference per minute.
        percent_per_min: f64,
        /// Reference power, MW (default: the highest load of the trace).
        #[serde(default)]
        reference_mw: Option<f64>,
        /// Window W, s.
        #[serde(default = "default_ramp_window")]
        window_s: f64,
    },
    /// Variation in any rolling window, optionally after a band-pass filter:
    /// the measure of the (filtered) grid power within every window of
    /// length W is at most the limit.
    Variation {
        /// Limit, MW.
        max_mw: f64,
        /// Window W, s.
        window_s: f64,
        /// Pass band `[f_low, f_high]`, Hz (2nd-order Butterworth high-pass
        /// and low-pass); none: the power itself.
        #[serde(default)]
        band_hz: Option<[f64; 2]>,
        /// Peak-to-peak (default) or amplitude.
        #[serde(default)]
        measure: VariationMeasure,
    },
}

fn default_ramp_window() -> f64 {
    60.0
}

fn yes() -> bool {
    true
}

/// One requirement the grid power must meet, with the document it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    /// Stable id ("ercot-variation").
    #[serde(default)]
    pub id: String,
    /// What it is ("ERCOT: ≤ 10 MW peak-to-peak in any 5 s, 0.1–55 Hz").
    #[serde(default)]
    pub label: String,
    /// The limit.
    #[serde(flatten)]
    pub kind: RequirementKind,
    /// The document (and its status: published, proposed, quoted).
    #[serde(default)]
    pub source: String,
    /// Switched off requirements are listed but not checked.
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// Result of holding the grid power against one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    /// Met, with the margin shown.
    Pass,
    /// Not met, by the margin shown.
    Fail,
    /// Could not be evaluated on this trace (e.g. a band above the trace's
    /// Nyquist frequency, a window longer than the trace); never a pass.
    #[default]
    NotEvaluated,
    /// Switched off in the case.
    Disabled,
}

impl CheckStatus {
    /// "met" / "NOT MET" / "not evaluated" / "off".
    pub const fn label(self) -> &'static str {
        match self {
            CheckStatus::Pass => "met",
            CheckStatus::Fail => "NOT MET",
            CheckStatus::NotEvaluated => "not evaluated",
            CheckStatus::Disabled => "off",
        }
    }
}

/// One requirement held against the load alone and the grid with storage.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RequirementOutcome {
    /// Requirement id.
    pub id: String,
    /// Requirement label.
    pub label: String,
    /// Its source.
    pub source: String,
    /// The limit in the unit below (MW for variation, MW per window for ramps).
    pub limit: f64,
    /// The worst value of the load without storage.
    pub load_value: f64,
    /// The worst value of the grid power with storage.
    pub grid_value: f64,
    /// limit − grid value (negative: violated by that much).
    pub margin: f64,
    /// Unit of limit, values and margin.
    pub unit: String,
    /// Verdict.
    pub status: CheckStatus,
    /// Time of the worst window's end, s from the trace start.
    pub worst_at_s: f64,
    /// How it was measured, and anything limiting the check (band cut at
    /// the Nyquist frequency, window rounded to samples).
    #[serde(default)]
    pub note: String,
}

// ---------------------------------------------------------------------------
// Load source: synthetic training profile (a measured trace comes separately).
// ---------------------------------------------------------------------------

/// A deterministic synthetic AI training load: a site base load plus one
/// synchronous training job that alternates compute and communication
/// phases every iteration, with checkpoints, start/stop and failures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyntheticProfile {
    /// Seed of the random draws (same seed, same trace).
    pub seed: u64,
    /// Length, s.
    pub duration_s: f64,
    /// Sample interval, s (0.001–1).
    pub dt_s: f64,
    /// Steady site load besides the job (cooling, storage, other IT), MW.
    pub base_mw: f64,
    /// Job power in the compute phase (GPUs at TDP), MW.
    pub job_mw: f64,
    /// Iteration period, s (one compute + one communication phase).
    pub iteration_s: f64,
    /// Fraction of each iteration in the compute phase.
    pub compute_duty: f64,
    /// Job power in the communication phase, fraction of `job_mw`.
    pub low_level: f64,
    /// Standard deviation of each iteration's length, fraction of the period.
    pub jitter: f64,
    /// Standard deviation of per-sample noise, fraction of `job_mw`.
    pub noise: f64,
    /// Interval between checkpoints, s (0: none).
    pub checkpoint_interval_s: f64,
    /// Length of a checkpoint (job at its low level), s.
    pub checkpoint_s: f64,
    /// When the job starts, s.
    pub job_start_s: f64,
    /// When the job stops, s (none: it runs to the end).
    pub job_stop_s: Option<f64>,
    /// Start as a ramp of this length, s (0: a step).
    pub start_ramp_s: f64,
    /// Stop as a ramp of this length, s (0: a step).
    pub stop_ramp_s: f64,
    /// Job failures per day (Poisson, each drops the job to idle until it restarts).
    pub failures_per_day: f64,
    /// Time from a failure to the restart, s.
    pub restart_s: f64,
    /// GPU power floor (mitigation), fraction of TDP (0: off). The job
    /// never draws less than this while it runs.
    pub power_floor: f64,
    /// Rack energy storage (mitigation), J per GPU (0: none).
    pub rack_storage_j_per_gpu: f64,
    /// Power per GPU at TDP including its share of the server, W (to count
    /// GPUs for the rack storage).
    pub gpu_w: f64,
}

impl Default for SyntheticProfile {
    fn default() -> Self {
        SyntheticProfile {
            seed: 1,
            duration_s: 86_400.0,
            dt_s: 0.1,
            base_mw: 20.0,
            job_mw: 80.0,
            iteration_s: 2.0,
            compute_duty: 0.6,
            low_level: 0.3,
            jitter: 0.02,
            noise: 0.01,
            checkpoint_interval_s: 3600.0,
            checkpoint_s: 30.0,
            job_start_s: 300.0,
            job_stop_s: None,
            start_ramp_s: 0.0,
            stop_ramp_s: 0.0,
            failures_per_day: 0.0,
            restart_s: 600.0,
            power_floor: 0.0,
            rack_storage_j_per_gpu: 0.0,
            gpu_w: 1400.0,
        }
    }
}

// ---------------------------------------------------------------------------
// Controller and storage.
// ---------------------------------------------------------------------------

/// How the grid power target is made from the load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SmoothController {
    /// The grid follows the load at most at this rate.
    RampLimiter {
        /// Rate, MW/min (none: 95 % of the tightest ramp requirement).
        #[serde(default)]
        ramp_mw_per_min: Option<f64>,
    },
    /// First-order low-pass filter of the load: τ·dG/dt = L − G.
    FirstOrder {
        /// Time constant τ_f, s.
        tau_s: f64,
    },
    /// Moving average of the load over a window.
    MovingAverage {
        /// Window, s.
        window_s: f64,
    },
}

impl Default for SmoothController {
    fn default() -> Self {
        SmoothController::RampLimiter { ramp_mw_per_min: None }
    }
}

/// How the controllers start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmoothStart {
    /// The site ran at the trace's first value before it began: the grid
    /// starts there, storage idle at its rest SOC.
    #[default]
    Steady,
    /// The trace repeats: a first pass sets the controllers' state, the
    /// second pass is the result (periodic steady state).
    Periodic,
}

/// Which life view governs the battery's replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LifeBasis {
    /// The shorter of the two (conservative).
    #[default]
    Shorter,
    /// Equivalent full cycles against the rated cycle life.
    Throughput,
    /// Rainflow cycles weighted by depth of discharge (Wöhler curve).
    DodWeighted,
}

/// The battery of a smoothing case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmoothBattery {
    /// Installed power, MW (none: sized).
    pub power_mw: Option<f64>,
    /// Installed nameplate energy, MWh (none: sized).
    pub energy_mwh: Option<f64>,
    /// Highest continuous C-rate, 1/h (none: the catalog entry's, else 1).
    pub c_rate: Option<f64>,
    /// Response time constant (first-order lag of the power), s.
    pub response_s: f64,
    /// Round-trip efficiency, AC to AC.
    pub rte: f64,
    /// Lowest SOC used.
    pub soc_min: f64,
    /// Highest SOC used.
    pub soc_max: f64,
    /// State of health at end of life the battery is sized for.
    pub eol_soh: f64,
    /// SOC restore time constant, s (0: off): the grid adds (E_rest − E) ÷ T_r.
    pub restore_s: f64,
    /// Catalog key of the battery unit, to count units.
    pub battery_key: Option<String>,
    /// Catalog key of the PCS, to count units.
    pub pcs_key: Option<String>,
    /// Cell temperature for the ageing models, °C.
    pub temp_c: f64,
    /// Ageing model (shared with peak shaving).
    pub aging: AgingModel,
}

impl Default for SmoothBattery {
    fn default() -> Self {
        SmoothBattery {
            power_mw: None,
            energy_mwh: None,
            c_rate: None,
            response_s: 0.25,
            rte: 0.90,
            soc_min: 0.10,
            soc_max: 0.90,
            eol_soh: 0.80,
            restore_s: 600.0,
            battery_key: None,
            pcs_key: None,
            temp_c: 25.0,
            aging: AgingModel::default(),
        }
    }
}

/// The supercapacitor bank of a smoothing case (cells in series and
/// parallel; sized in cells).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmoothSupercap {
    /// Installed cells (none: sized).
    pub cells: Option<u32>,
    /// Cell capacitance, F.
    pub cell_f: f64,
    /// Rated cell voltage, V.
    pub cell_v: f64,
    /// Cell ESR, mΩ.
    pub cell_esr_mohm: f64,
    /// Usable power per cell, W (none: 0.12·V² ÷ ESR, the manufacturer's
    /// usable-power formula).
    pub cell_power_w: Option<f64>,
    /// Cell mass, kg.
    pub cell_mass_kg: f64,
    /// Lowest voltage used, fraction of rated (usable energy 1 − v² of the full).
    pub v_min_frac: f64,
    /// Capacitance at end of life, fraction of new.
    pub eol_capacitance: f64,
    /// Response time constant, s.
    pub response_s: f64,
    /// Restore time constant of the bank's charge (the battery tops it up), s.
    pub restore_s: f64,
    /// Where the cell data come from.
    pub source: String,
}

impl Default for SmoothSupercap {
    fn default() -> Self {
        SmoothSupercap {
            cells: None,
            cell_f: 3000.0,
            cell_v: 2.7,
            cell_esr_mohm: 0.29,
            cell_power_w: None,
            cell_mass_kg: 0.51,
            v_min_frac: 0.5,
            eol_capacitance: 0.8,
            response_s: 0.02,
            restore_s: 60.0,
            source: "Maxwell K2 BCAP3000 P270 K04 datasheet (3,000 F, 2.7 V, 0.29 mΩ, 0.51 kg)".into(),
        }
    }
}

/// How the storage power is shared when both devices are present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmoothSplit {
    /// Cut-off of the first-order high-pass that gives the supercapacitor
    /// the fast part, Hz (the battery takes the rest).
    pub cutoff_hz: f64,
}

impl Default for SmoothSplit {
    fn default() -> Self {
        SmoothSplit { cutoff_hz: 0.2 }
    }
}

/// Ramp limits for the trade-off curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RampSweep {
    /// Lowest ramp limit, MW/min.
    pub from_mw_per_min: f64,
    /// Highest ramp limit, MW/min.
    pub to_mw_per_min: f64,
    /// Points (2–1,000).
    pub steps: u32,
}

/// The part of the trace the load-vs-grid chart shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChartWindow {
    /// Start, s from the trace start.
    pub start_s: f64,
    /// Length, s.
    pub length_s: f64,
}

impl Default for ChartWindow {
    fn default() -> Self {
        ChartWindow { start_s: 0.0, length_s: 900.0 }
    }
}

/// A power-smoothing sizing case (a measured trace comes separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmoothCase {
    /// Case name.
    #[serde(default)]
    pub name: String,
    /// Synthetic training profile (used when no trace is given).
    #[serde(default)]
    pub synthetic: Option<SyntheticProfile>,
    /// Requirement presets to copy in by key (`ercot`, `caiso`, `ieso`,
    /// `aeso`, `lipa`, `pv-10`).
    #[serde(default)]
    pub presets: Vec<String>,
    /// The case's own requirements (copies of presets, edited, or new).
    #[serde(default)]
    pub requirements: Vec<Requirement>,
    /// Grid controller.
    #[serde(default)]
    pub controller: SmoothController,
    /// How the controllers start.
    #[serde(default)]
    pub start: SmoothStart,
    /// Battery (give it, the supercapacitor bank, or both).
    #[serde(default)]
    pub battery: Option<SmoothBattery>,
    /// Supercapacitor bank.
    #[serde(default)]
    pub supercap: Option<SmoothSupercap>,
    /// Sharing between the two devices.
    #[serde(default)]
    pub split: SmoothSplit,
    /// Project life for the ageing models, years.
    #[serde(default = "default_years")]
    pub project_years: u32,
    /// Which life view governs.
    #[serde(default)]
    pub life_basis: LifeBasis,
    /// Ramp limits for the trade-off curve (none: 12 points around the tightest ramp requirement).
    #[serde(default)]
    pub sweep: Option<RampSweep>,
    /// Part of the trace shown in the load-vs-grid chart.
    #[serde(default)]
    pub chart_window: ChartWindow,
}

fn default_years() -> u32 {
    15
}

impl Default for SmoothCase {
    fn default() -> Self {
        SmoothCase {
            name: String::new(),
            synthetic: Some(SyntheticProfile::default()),
            presets: Vec::new(),
            requirements: Vec::new(),
            controller: SmoothController::default(),
            start: SmoothStart::default(),
            battery: Some(SmoothBattery::default()),
            supercap: None,
            split: SmoothSplit::default(),
            project_years: default_years(),
            life_basis: LifeBasis::default(),
            sweep: None,
            chart_window: ChartWindow::default(),
        }
    }
}

// ---------------------------------------------------------------------------
// Results.
// ---------------------------------------------------------------------------

/// The load trace as sized.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TraceSummary {
    /// Where it came from ("synthetic, seed 1", "trace.csv").
    pub source: String,
    /// Samples.
    pub samples: usize,
    /// Interval, s.
    pub dt_s: f64,
    /// Length, s.
    pub duration_s: f64,
    /// Highest load, MW.
    pub peak_mw: f64,
    /// Lowest load, MW.
    pub min_mw: f64,
    /// Mean load, MW.
    pub mean_mw: f64,
    /// Energy, MWh.
    pub energy_mwh: f64,
}

/// What the synthetic generator made (and what its mitigations cost).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyntheticSummary {
    /// Iterations generated.
    pub iterations: u64,
    /// Checkpoints.
    pub checkpoints: u32,
    /// Failures drawn.
    pub failures: u32,
    /// Extra energy the GPU power floor burns, MWh over the trace.
    pub floor_energy_mwh: f64,
    /// Rack energy storage of the job, MJ.
    pub rack_storage_mj: f64,
}

/// The battery's size.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SmoothBatterySizing {
    /// Highest discharge power needed, MW (AC).
    pub discharge_mw: f64,
    /// Highest charge power needed, MW (AC).
    pub charge_mw: f64,
    /// Usable energy needed: the range of the stored energy (DC), MWh.
    pub usable_mwh: f64,
    /// Nameplate for the SOC window and end of life, MWh.
    pub nameplate_window_mwh: f64,
    /// Nameplate for the C-rate, MWh.
    pub nameplate_c_rate_mwh: f64,
    /// Nameplate needed: the larger, MWh.
    pub nameplate_mwh: f64,
    /// SOC the controller restores to (fits the deepest discharge and the
    /// largest charge at end of life).
    pub rest_soc: f64,
    /// Battery units (when an entry is named).
    #[serde(default)]
    pub units: Option<u32>,
    /// PCS units (when an entry is named).
    #[serde(default)]
    pub pcs_units: Option<u32>,
    /// Installed nameplate energy, MWh.
    pub installed_mwh: f64,
    /// Installed power, MW.
    pub installed_mw: f64,
    /// Highest C-rate on the installed energy, 1/h.
    pub c_rate: f64,
    /// Whether power and energy were given in the case (checked, not sized).
    pub fixed: bool,
}

/// What limits the supercapacitor bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BankLimit {
    /// More cells are needed for the power than for the energy.
    #[default]
    PowerLimited,
    /// More cells are needed for the energy.
    EnergyLimited,
}

impl BankLimit {
    /// `power-limited` / `energy-limited`.
    pub const fn label(self) -> &'static str {
        match self {
            BankLimit::PowerLimited => "power-limited",
            BankLimit::EnergyLimited => "energy-limited",
        }
    }
}

/// The supercapacitor bank's size.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SupercapSizing {
    /// Highest discharge power needed, MW.
    pub discharge_mw: f64,
    /// Highest charge power needed, MW.
    pub charge_mw: f64,
    /// Usable energy needed, kWh.
    pub usable_kwh: f64,
    /// Usable power per cell, W.
    pub cell_power_w: f64,
    /// Usable energy per cell at end of life, Wh.
    pub cell_usable_wh: f64,
    /// Cells for the power.
    pub cells_for_power: u32,
    /// Cells for the energy.
    pub cells_for_energy: u32,
    /// Cells installed.
    pub cells: u32,
    /// Which governs.
    pub limit: BankLimit,
    /// Stored energy of the installed bank at rated voltage, kWh.
    pub bank_kwh: f64,
    /// Mass of the cells, kg.
    pub mass_kg: f64,
    /// Whether the cell count was given in the case.
    pub fixed: bool,
    /// Rainflow cycles per day of the bank's usable energy.
    #[serde(default)]
    pub cycles_per_day: f64,
    /// Equivalent full cycles of the usable window per year.
    #[serde(default)]
    pub efc_per_year: f64,
}

/// One bin of the rainflow histogram.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CycleBin {
    /// Lowest depth of discharge in the bin (fraction).
    pub dod_from: f64,
    /// Highest depth of discharge (fraction).
    pub dod_to: f64,
    /// Cycles per day (half cycles count ½).
    pub cycles_per_day: f64,
}

/// Cycling of the battery and its life in two views.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BatteryLife {
    /// Rainflow histogram (ASTM E1049) of the SOC history.
    pub histogram: Vec<CycleBin>,
    /// Rainflow cycles per day.
    pub cycles_per_day: f64,
    /// Equivalent full cycles per year (Σ count × DoD, scaled to a year).
    pub efc_per_year: f64,
    /// Life from throughput: rated cycles ÷ EFC per year, years.
    pub life_throughput_years: f64,
    /// Life from DoD-weighted cycles: 1 ÷ Σ n_i ÷ N(DoD_i) per year, years.
    pub life_dod_years: f64,
    /// The view that governs.
    pub governing: LifeBasis,
    /// Every ageing model (calendar and cycling) on the same duty.
    #[serde(default)]
    pub aging_spread: Vec<AgingOutcome>,
}

/// Energy lost, over the trace and per day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SmoothLosses {
    /// Battery conversion losses, MWh per day.
    pub battery_mwh_per_day: f64,
    /// Supercapacitor ESR losses, MWh per day.
    pub supercap_mwh_per_day: f64,
    /// Energy the GPU power floor burns, MWh per day (synthetic profile).
    pub floor_mwh_per_day: f64,
    /// All losses as a percentage of the load's energy.
    pub percent_of_load: f64,
}

/// A point of the ramp-limit trade-off curve.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RampPoint {
    /// Ramp limit, MW/min.
    pub ramp_mw_per_min: f64,
    /// Storage power needed (larger of charge and discharge), MW.
    pub power_mw: f64,
    /// Usable storage energy needed, MWh.
    pub usable_mwh: f64,
}

/// A closed-form estimate shown beside the simulation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClosedForm {
    /// What it estimates.
    pub label: String,
    /// Formula with the numbers.
    pub formula: String,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: String,
    /// Where the formula comes from.
    pub source: String,
}

/// The result of a smoothing case.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SmoothResult {
    /// Case name.
    pub case_name: String,
    /// The load trace.
    pub trace: TraceSummary,
    /// The synthetic generator's record, when the trace is synthetic.
    #[serde(default)]
    pub synthetic: Option<SyntheticSummary>,
    /// The requirements used (presets expanded).
    pub requirements: Vec<Requirement>,
    /// Grid ramp rate of the ramp limiter, MW/min (when it is the controller).
    #[serde(default)]
    pub ramp_mw_per_min: Option<f64>,
    /// Battery size.
    #[serde(default)]
    pub battery: Option<SmoothBatterySizing>,
    /// Supercapacitor bank size.
    #[serde(default)]
    pub supercap: Option<SupercapSizing>,
    /// Every requirement held against the load and the grid.
    pub checks: Vec<RequirementOutcome>,
    /// Battery cycling and life.
    #[serde(default)]
    pub life: Option<BatteryLife>,
    /// Losses.
    pub losses: SmoothLosses,
    /// Ramp-limit trade-off curve.
    pub sweep: Vec<RampPoint>,
    /// The trade-off curve is still being computed: this is the first part
    /// of a result sent ahead of it (`size_smooth_staged`). Never stored:
    /// a saved result is always complete.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sweep_pending: bool,
    /// Closed-form estimates beside the simulation.
    pub closed_form: Vec<ClosedForm>,
    /// Chart series (load vs grid, SOC, band amplitudes, trade-off, rainflow).
    pub charts: Vec<ChartSeries>,
    /// Problems.
    pub diagnostics: Vec<SizingDiagnostic>,
    /// The calculation sheet.
    pub sheet: CalcSheet,
}

impl SmoothResult {
    /// Whether every enabled requirement that could be evaluated is met and
    /// the case has no error.
    pub fn feasible(&self) -> bool {
        !self.diagnostics.iter().any(|d| d.severity == crate::sizing::DiagSeverity::Error)
            && !self.checks.iter().any(|c| c.status == CheckStatus::Fail)
    }
}

/// The engineer's name for a smoothing input field path (see
/// [`crate::sizing::field_label`]).
pub fn field_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "synthetic.seed" => "Seed of the synthetic profile",
        "synthetic.duration_s" => "Profile length (s)",
        "synthetic.dt_s" => "Profile time step (s)",
        "synthetic.base_mw" => "Site base load (MW)",
        "synthetic.job_mw" => "Training job power (MW)",
        "synthetic.iteration_s" => "Iteration period (s)",
        "synthetic.compute_duty" => "Compute share of an iteration (fraction)",
        "synthetic.low_level" => "Communication-phase power (fraction of job power)",
        "synthetic.jitter" => "Iteration jitter (fraction of the period)",
        "synthetic.noise" => "Sample noise (fraction of job power)",
        "synthetic.checkpoint_interval_s" => "Checkpoint interval (s)",
        "synthetic.checkpoint_s" => "Checkpoint length (s)",
        "synthetic.job_start_s" => "Job start (s)",
        "synthetic.job_stop_s" => "Job stop (s)",
        "synthetic.start_ramp_s" => "Job start ramp (s)",
        "synthetic.stop_ramp_s" => "Job stop ramp (s)",
        "synthetic.failures_per_day" => "Job failures per day",
        "synthetic.restart_s" => "Restart after a failure (s)",
        "synthetic.power_floor" => "GPU power floor (fraction of TDP)",
        "synthetic.rack_storage_j_per_gpu" => "Rack storage (J per GPU)",
        "synthetic.gpu_w" => "Power per GPU (W)",
        "controller.ramp_mw_per_min" => "Grid ramp limit (MW/min)",
        "controller.tau_s" => "Filter time constant (s)",
        "controller.window_s" => "Moving-average window (s)",
        "battery.power_mw" => "Battery power installed (MW)",
        "battery.energy_mwh" => "Battery energy installed (MWh)",
        "battery.c_rate" => "Battery C-rate limit (1/h)",
        "battery.response_s" => "Battery response time constant (s)",
        "battery.rte" => "Battery round-trip efficiency (fraction)",
        "battery.soc_min" => "Lowest SOC used (fraction)",
        "battery.soc_max" => "Highest SOC used (fraction)",
        "battery.eol_soh" => "State of health at end of life (fraction)",
        "battery.restore_s" => "Battery SOC restore time (s)",
        "battery.temp_c" => "Battery temperature (°C)",
        "battery.aging.cycles_to_eol" => "Cycles to end of life",
        "battery.aging.cycle_ref_dod" => "Depth of discharge of the cycle rating (fraction)",
        "battery.aging.cycle_eol_soh" => "State of health ending the cycle rating (fraction)",
        "battery.aging.dod_exponent" => "DoD exponent",
        "supercap.cells" => "Supercapacitor cells installed",
        "supercap.cell_f" => "Cell capacitance (F)",
        "supercap.cell_v" => "Cell rated voltage (V)",
        "supercap.cell_esr_mohm" => "Cell ESR (mΩ)",
        "supercap.cell_power_w" => "Usable power per cell (W)",
        "supercap.cell_mass_kg" => "Cell mass (kg)",
        "supercap.v_min_frac" => "Lowest voltage used (fraction of rated)",
        "supercap.eol_capacitance" => "Capacitance at end of life (fraction)",
        "supercap.response_s" => "Supercapacitor response time constant (s)",
        "supercap.restore_s" => "Supercapacitor restore time (s)",
        "split.cutoff_hz" => "High-pass split cut-off (Hz)",
        "project_years" => "Project life (years)",
        "sweep.from_mw_per_min" => "Ramp sweep from (MW/min)",
        "sweep.to_mw_per_min" => "Ramp sweep to (MW/min)",
        "sweep.steps" => "Ramp sweep points",
        "chart_window.start_s" => "Chart window start (s)",
        "chart_window.length_s" => "Chart window length (s)",
        _ => return None,
    })
}
