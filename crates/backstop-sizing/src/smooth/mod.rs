//! Power smoothing of AI training loads: the battery and/or
//! supercapacitor bank that keeps a cluster's power swings inside the
//! utility's ramp and variation limits.
//!
//! The method, in the order of [`size_smooth`]:
//!
//! 1. **Load:** a measured trace ([`trace`]) or a deterministic synthetic
//!    training profile ([`synth`]).
//! 2. **Requirements:** the case's own list plus copies of the presets it
//!    names ([`presets`]), each citing its document.
//! 3. **Sizing run:** the controller and ideal devices (their response lag
//!    and losses, no limits) over the trace ([`sim`]): the highest charge
//!    and discharge power of each device and its stored energy's reach
//!    below (D) and above (C) its rest level. Usable energy = D + C; the
//!    battery's nameplate = usable ÷ (SOC window × SOH at end of life),
//!    raised for its C-rate; it rests at SOC_min + window·D ÷ (D + C). The
//!    supercapacitor bank is counted in cells, for power and for energy,
//!    and sized again with its ESR losses on that bank.
//! 4. **Verification run:** the installed devices at end of life (capacity
//!    × SOH_EOL, capacitance × its EOL factor), held to their power and
//!    energy limits: the residual grid power, SOC traces, losses, rainflow
//!    cycles; every requirement is held against the load alone and against
//!    the grid ([`checks`]), with its margin.
//! 5. **Life:** rainflow histogram, cycles per day, equivalent full cycles
//!    per year, life by throughput and by DoD-weighted cycles ([`life`]),
//!    and every ageing model of the crate on the same duty.
//! 6. **Trade-off:** usable energy and power against the grid ramp limit.
//!
//! Closed forms ([`closed`]) are printed beside the simulation for the
//! synthetic profile's job start and swing.

pub mod checks;
pub mod closed;
pub mod life;
pub mod presets;
pub mod sim;
pub mod synth;
pub mod trace;

use backstop_model::catalog::CatalogEntry;
use backstop_model::sizing::{AgingModelKind, AgingOutcome, ChartSeries, DiagSeverity, LineKind, SizingDiagnostic};
use backstop_model::sizing_smooth::{
    BankLimit, BatteryLife, CheckStatus, ClosedForm, CycleBin, LifeBasis, RampPoint, Requirement, RequirementKind, RequirementOutcome,
    SmoothBattery, SmoothBatterySizing, SmoothCase, SmoothController, SmoothLosses, SmoothResult, SmoothStart, SmoothSupercap,
    SupercapSizing, SyntheticProfile, VariationMeasure,
};

use crate::aging::{CalendarTerms, DayAcc, DayStress, ModelState, YearStress};
use crate::catalog::{find, validate_entry};
use crate::diag::{self, check_range, has_error};
use crate::num::{ceil_u32, show};
use crate::sheet::{SheetBuilder, fmt_num};
use sim::{Ctrl, Device, Extremes, Limits, Plant, Sample, Sink, State};
pub use trace::{PowerTrace, TraceOptions, from_stored, parse_trace, parse_trace_reader, to_stored};

/// Factor on the tightest ramp requirement when the ramp limiter's rate is not given.
pub const DEFAULT_RAMP_FACTOR: f64 = 0.95;

/// Usable power of a supercapacitor cell, W: 0.12·V² ÷ ESR (Maxwell
/// Technologies' usable specific power, the figure of its datasheets; the
/// matched-impedance maximum is 0.25·V² ÷ ESR).
pub fn supercap_cell_power_w(s: &SmoothSupercap) -> f64 {
    s.cell_power_w.unwrap_or(0.12 * s.cell_v * s.cell_v / (s.cell_esr_mohm / 1000.0))
}

/// The requirements of a case: copies of the presets it names, then its own.
pub fn requirements(case: &SmoothCase) -> (Vec<Requirement>, Vec<SizingDiagnostic>) {
    let mut out = Vec::new();
    let mut d = Vec::new();
    for key in &case.presets {
        match presets::preset(key) {
            Some(p) => out.extend(p.requirements),
            None => {
                let keys: Vec<&str> = presets::presets().iter().map(|p| p.key).collect();
                d.push(diag::error(
                    "presets",
                    diag::INPUT,
                    format!("unknown requirement preset \"{key}\"; the presets are {}", keys.join(", ")),
                ));
            }
        }
    }
    out.extend(case.requirements.iter().cloned());
    (out, d)
}

pub(crate) fn check_req(d: &mut Vec<SizingDiagnostic>, i: usize, r: &Requirement) {
    let name = if r.label.is_empty() { format!("requirement {}", i + 1) } else { format!("requirement {} ({})", i + 1, r.label) };
    let mut bad =
        |field: &str, what: String| d.push(diag::error(&format!("requirements[{i}].{field}"), diag::INPUT, format!("{name}: {what}")));
    let positive = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo && v <= hi;
    match &r.kind {
        RequirementKind::Ramp { limit_mw_per_min, window_s } => {
            if !positive(*limit_mw_per_min, 1e-6, 1e6) {
                bad("limit_mw_per_min", format!("the ramp limit {} MW/min must be between 1e-6 and 1,000,000", show(*limit_mw_per_min)));
            }
            if !positive(*window_s, 1e-3, 1e6) {
                bad("window_s", format!("the window {} s must be between 0.001 and 1,000,000 s", show(*window_s)));
            }
        }
        RequirementKind::RampPercent { percent_per_min, reference_mw, window_s } => {
            if !positive(*percent_per_min, 1e-6, 1000.0) {
                bad("percent_per_min", format!("the ramp limit {} %/min must be between 1e-6 and 1,000", show(*percent_per_min)));
            }
            if let Some(p) = reference_mw
                && !positive(*p, 1e-6, 1e4)
            {
                bad("reference_mw", format!("the reference power {} MW must be between 1e-6 and 10,000", show(*p)));
            }
            if !positive(*window_s, 1e-3, 1e6) {
                bad("window_s", format!("the window {} s must be between 0.001 and 1,000,000 s", show(*window_s)));
            }
        }
        RequirementKind::Variation { max_mw, window_s, band_hz, .. } => {
            if !positive(*max_mw, 1e-6, 1e5) {
                bad("max_mw", format!("the limit {} MW must be between 1e-6 and 100,000", show(*max_mw)));
            }
            if !positive(*window_s, 1e-3, 1e6) {
                bad("window_s", format!("the window {} s must be between 0.001 and 1,000,000 s", show(*window_s)));
            }
            if let Some([lo, hi]) = band_hz
                && !(positive(*lo, 1e-6, 1e5) && positive(*hi, 1e-6, 1e5) && lo < hi)
            {
                bad("band_hz", format!("the band [{}, {}] Hz must have 0 < low < high ≤ 100,000", show(*lo), show(*hi)));
            }
        }
    }
}

/// Checks the case's numbers (the synthetic profile only when it is used).
pub fn validate_case(case: &SmoothCase, synthetic_used: bool) -> Vec<SizingDiagnostic> {
    let mut d = Vec::new();
    if synthetic_used {
        match &case.synthetic {
            Some(p) => validate_synthetic(&mut d, p),
            None => d.push(diag::error(
                "synthetic",
                "profile",
                "no load: give a measured trace (--trace CSV, or import one) or a [synthetic] training profile",
            )),
        }
    }
    match &case.controller {
        SmoothController::RampLimiter { ramp_mw_per_min: Some(r) } => {
            check_range(&mut d, "controller.ramp_mw_per_min", *r, 1e-6, 1e6, "MW/min");
        }
        SmoothController::RampLimiter { ramp_mw_per_min: None } => {}
        SmoothController::FirstOrder { tau_s } => {
            check_range(&mut d, "controller.tau_s", *tau_s, 1e-3, 1e6, "s");
        }
        SmoothController::MovingAverage { window_s } => {
            check_range(&mut d, "controller.window_s", *window_s, 1e-3, 1e6, "s");
        }
    }
    if case.battery.is_none() && case.supercap.is_none() {
        d.push(diag::error("battery", diag::INPUT, "give a [battery], a [supercap] bank, or both"));
    }
    if let Some(b) = &case.battery {
        if let Some(p) = b.power_mw {
            check_range(&mut d, "battery.power_mw", p, 1e-6, 1e5, "MW");
        }
        if let Some(e) = b.energy_mwh {
            check_range(&mut d, "battery.energy_mwh", e, 1e-6, 1e6, "MWh");
        }
        if let Some(c) = b.c_rate {
            check_range(&mut d, "battery.c_rate", c, 0.01, 100.0, "1/h");
        }
        check_range(&mut d, "battery.response_s", b.response_s, 0.0, 3600.0, "s");
        check_range(&mut d, "battery.rte", b.rte, 0.5, 1.0, "");
        let a = check_range(&mut d, "battery.soc_min", b.soc_min, 0.0, 0.9, "");
        let c = check_range(&mut d, "battery.soc_max", b.soc_max, 0.1, 1.0, "");
        if a && c && b.soc_max - b.soc_min < 0.05 {
            d.push(diag::error(
                "battery.soc_max",
                diag::INPUT,
                format!(
                    "{} {} with the lowest {}: the SOC window is narrower than 5 %",
                    backstop_model::sizing::field_label("battery.soc_max").unwrap_or("battery.soc_max"),
                    show(b.soc_max),
                    show(b.soc_min)
                ),
            ));
        }
        check_range(&mut d, "battery.eol_soh", b.eol_soh, 0.3, 1.0, "");
        check_range(&mut d, "battery.restore_s", b.restore_s, 0.0, 1e7, "s");
        check_range(&mut d, "battery.temp_c", b.temp_c, -30.0, 60.0, "°C");
        let ag = &b.aging;
        check_range(&mut d, "battery.aging.cycles_to_eol", ag.cycles_to_eol, 1.0, 1e7, "cycles");
        check_range(&mut d, "battery.aging.cycle_ref_dod", ag.cycle_ref_dod, 0.01, 1.0, "");
        check_range(&mut d, "battery.aging.cycle_eol_soh", ag.cycle_eol_soh, 0.1, 0.999, "");
        check_range(&mut d, "battery.aging.dod_exponent", ag.dod_exponent, 0.1, 5.0, "");
    }
    if let Some(s) = &case.supercap {
        if let Some(n) = s.cells
            && n == 0
        {
            d.push(diag::error("supercap.cells", diag::INPUT, "supercap.cells must be at least 1 (or leave it out to size the bank)"));
        }
        check_range(&mut d, "supercap.cell_f", s.cell_f, 0.1, 1e5, "F");
        check_range(&mut d, "supercap.cell_v", s.cell_v, 0.5, 10.0, "V");
        check_range(&mut d, "supercap.cell_esr_mohm", s.cell_esr_mohm, 1e-3, 1e4, "mΩ");
        if let Some(p) = s.cell_power_w {
            check_range(&mut d, "supercap.cell_power_w", p, 1.0, 1e6, "W");
        }
        check_range(&mut d, "supercap.cell_mass_kg", s.cell_mass_kg, 1e-3, 100.0, "kg");
        check_range(&mut d, "supercap.v_min_frac", s.v_min_frac, 0.0, 0.95, "");
        check_range(&mut d, "supercap.eol_capacitance", s.eol_capacitance, 0.3, 1.0, "");
        check_range(&mut d, "supercap.response_s", s.response_s, 0.0, 60.0, "s");
        check_range(&mut d, "supercap.restore_s", s.restore_s, 0.0, 1e6, "s");
    }
    if case.battery.is_some() && case.supercap.is_some() {
        check_range(&mut d, "split.cutoff_hz", case.split.cutoff_hz, 1e-4, 100.0, "Hz");
    }
    if !(1..=50).contains(&case.project_years) {
        d.push(diag::error("project_years", diag::INPUT, format!("project_years must be 1–50 (found {})", case.project_years)));
    }
    if let Some(s) = &case.sweep {
        let a = check_range(&mut d, "sweep.from_mw_per_min", s.from_mw_per_min, 1e-6, 1e6, "MW/min");
        let b = check_range(&mut d, "sweep.to_mw_per_min", s.to_mw_per_min, 1e-6, 1e6, "MW/min");
        if a && b && s.from_mw_per_min >= s.to_mw_per_min {
            d.push(diag::error(
                "sweep.to_mw_per_min",
                diag::INPUT,
                format!("sweep.to_mw_per_min {} must exceed sweep.from_mw_per_min {}", show(s.to_mw_per_min), show(s.from_mw_per_min)),
            ));
        }
        if !(2..=1000).contains(&s.steps) {
            d.push(diag::error("sweep.steps", diag::INPUT, format!("sweep.steps must be 2–1000 (found {})", s.steps)));
        }
    }
    check_range(&mut d, "chart_window.start_s", case.chart_window.start_s, 0.0, 1e9, "s");
    check_range(&mut d, "chart_window.length_s", case.chart_window.length_s, 1e-3, 1e9, "s");
    d
}

fn validate_synthetic(d: &mut Vec<SizingDiagnostic>, p: &SyntheticProfile) {
    let a = check_range(d, "synthetic.duration_s", p.duration_s, 1.0, 3.2e7, "s");
    let b = check_range(d, "synthetic.dt_s", p.dt_s, 0.001, 1.0, "s");
    if a && b && p.duration_s / p.dt_s > trace::MAX_SAMPLES as f64 {
        d.push(diag::error(
            "synthetic.dt_s",
            diag::INPUT,
            format!(
                "{} s at {} s makes more than {} samples; lengthen the time step or shorten the profile",
                show(p.duration_s),
                show(p.dt_s),
                trace::MAX_SAMPLES
            ),
        ));
    }
    check_range(d, "synthetic.base_mw", p.base_mw, 0.0, 1e4, "MW");
    check_range(d, "synthetic.job_mw", p.job_mw, 0.0, 1e4, "MW");
    let c = check_range(d, "synthetic.iteration_s", p.iteration_s, 0.01, 3600.0, "s");
    if a && c && p.duration_s / p.iteration_s > 1e8 {
        d.push(diag::error(
            "synthetic.iteration_s",
            diag::INPUT,
            "the profile would have more than 100 million iterations; lengthen the iteration period",
        ));
    }
    check_range(d, "synthetic.compute_duty", p.compute_duty, 0.01, 0.99, "");
    check_range(d, "synthetic.low_level", p.low_level, 0.0, 1.0, "");
    check_range(d, "synthetic.jitter", p.jitter, 0.0, 0.5, "");
    check_range(d, "synthetic.noise", p.noise, 0.0, 0.5, "");
    check_range(d, "synthetic.checkpoint_interval_s", p.checkpoint_interval_s, 0.0, 1e8, "s");
    check_range(d, "synthetic.checkpoint_s", p.checkpoint_s, 0.0, 1e6, "s");
    check_range(d, "synthetic.job_start_s", p.job_start_s, 0.0, 1e8, "s");
    if let Some(s) = p.job_stop_s {
        check_range(d, "synthetic.job_stop_s", s, p.job_start_s.max(0.0), 1e8, "s");
    }
    check_range(d, "synthetic.start_ramp_s", p.start_ramp_s, 0.0, 1e6, "s");
    check_range(d, "synthetic.stop_ramp_s", p.stop_ramp_s, 0.0, 1e6, "s");
    check_range(d, "synthetic.failures_per_day", p.failures_per_day, 0.0, 1000.0, "per day");
    check_range(d, "synthetic.restart_s", p.restart_s, 0.0, 1e6, "s");
    check_range(d, "synthetic.power_floor", p.power_floor, 0.0, 1.0, "");
    check_range(d, "synthetic.rack_storage_j_per_gpu", p.rack_storage_j_per_gpu, 0.0, 1e6, "J");
    check_range(d, "synthetic.gpu_w", p.gpu_w, 10.0, 1e5, "W");
}

/// A requirement made concrete for a trace: limit, window in samples, band.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// |x(t) − x(t − W)| ≤ limit (MW over the window).
    Change {
        /// MW over the window.
        limit: f64,
        /// Window, samples.
        w: usize,
    },
    /// (max − min) or its half over [t − W, t], after the band filter.
    Range {
        /// MW.
        limit: f64,
        /// Window, samples.
        w: usize,
        /// The band actually filtered.
        band: Option<checks::Band>,
        /// Peak-to-peak or amplitude.
        measure: VariationMeasure,
    },
}

/// Turns a requirement into a check on samples of `dt` s (`reference_mw`
/// for percentages: the trace's peak by default). `Err(note)`: not evaluated.
pub fn resolve(r: &Requirement, dt: f64, n: usize, peak_mw: f64) -> Result<(Resolved, String), String> {
    let duration = n as f64 * dt;
    let samples = |w_s: f64| -> Result<(usize, String), String> {
        if w_s > duration {
            return Err(format!("the trace ({} s) is shorter than the window ({} s)", fmt_num(duration), fmt_num(w_s)));
        }
        let w = (w_s / dt).round().max(1.0) as usize;
        let note = if ((w as f64) * dt - w_s).abs() > 1e-9 * w_s.max(1.0) {
            format!("window {} s taken as {} samples ({} s)", fmt_num(w_s), w, fmt_num(w as f64 * dt))
        } else {
            String::new()
        };
        Ok((w, note))
    };
    match &r.kind {
        RequirementKind::Ramp { limit_mw_per_min, window_s } => {
            let (w, note) = samples(*window_s)?;
            Ok((Resolved::Change { limit: limit_mw_per_min / 60.0 * w as f64 * dt, w }, note))
        }
        RequirementKind::RampPercent { percent_per_min, reference_mw, window_s } => {
            let (w, note) = samples(*window_s)?;
            let reference = reference_mw.unwrap_or(peak_mw);
            let per_min = percent_per_min / 100.0 * reference;
            let note = format!(
                "{} %/min of {} MW = {} MW/min{}",
                fmt_num(*percent_per_min),
                fmt_num(reference),
                fmt_num(per_min),
                if note.is_empty() { String::new() } else { format!("; {note}") }
            );
            Ok((Resolved::Change { limit: per_min / 60.0 * w as f64 * dt, w }, note))
        }
        RequirementKind::Variation { max_mw, window_s, band_hz, measure } => {
            let (w, mut note) = samples(*window_s)?;
            let fs = 1.0 / dt;
            let band = match band_hz {
                None => None,
                Some([lo, hi]) => match checks::Band::at(*lo, *hi, fs) {
                    None => {
                        return Err(format!(
                            "the band starts at {} Hz, at or above what a trace sampled every {} s can show ({} Hz); a trace of at most {} s per sample is needed",
                            fmt_num(*lo),
                            fmt_num(dt),
                            fmt_num(checks::EDGE_LIMIT * fs),
                            fmt_num(checks::EDGE_LIMIT / (lo * 1.1))
                        ));
                    }
                    Some(b) => {
                        if b.f_high.is_none() {
                            let cut = format!(
                                "band {}–{} Hz checked up to the trace's Nyquist frequency {} Hz (content above it is not in a trace sampled every {} s)",
                                fmt_num(*lo),
                                fmt_num(*hi),
                                fmt_num(fs / 2.0),
                                fmt_num(dt)
                            );
                            note = if note.is_empty() { cut } else { format!("{cut}; {note}") };
                        }
                        Some(b)
                    }
                },
            };
            Ok((Resolved::Range { limit: *max_mw, w, band, measure: *measure }, note))
        }
    }
}

/// The worst value of `x` for a resolved requirement and where it ends
/// (sample index); `periodic`: the trace's end precedes its start.
pub fn evaluate(res: &Resolved, x: &[f64], dt: f64, periodic: bool) -> (f64, usize) {
    let n = x.len();
    match res {
        Resolved::Change { w, .. } => {
            let w = *w;
            if periodic && w <= n {
                checks::worst_change(&x[n - w..], x, w)
            } else {
                let held = vec![x.first().copied().unwrap_or(0.0); w.min(n)];
                checks::worst_change(&held, x, w)
            }
        }
        Resolved::Range { w, band, measure, .. } => {
            let scale = if *measure == VariationMeasure::Amplitude { 0.5 } else { 1.0 };
            let (v, at) = match band {
                None => {
                    if periodic && *w <= n {
                        let mut y = Vec::with_capacity(n + w);
                        y.extend_from_slice(&x[n - w..]);
                        y.extend_from_slice(x);
                        let (v, at) = checks::worst_range(&y, *w, *w);
                        (v, at.saturating_sub(*w))
                    } else {
                        checks::worst_range(x, *w, 0)
                    }
                }
                Some(b) => {
                    let fs = 1.0 / dt;
                    let pre_len = band_warmup(b, *w, n, dt, periodic);
                    let (v, at) = checks::band_range(b, fs, &x[n - pre_len..], x, *w);
                    (v, at.saturating_sub(pre_len).min(n.saturating_sub(1)))
                }
            };
            (v * scale, at)
        }
    }
}

/// Warm-up of a band filter over ten periods of the low edge (the trace's
/// end, when it repeats), samples.
fn band_warmup(b: &checks::Band, w: usize, n: usize, dt: f64, periodic: bool) -> usize {
    if periodic { ((10.0 / (b.f_low * dt)).ceil() as usize).max(w).min(n) } else { 0 }
}

/// [`evaluate`] of two series of the same length (load and grid): the
/// band-filtered checks run both series side by side in one pass.
pub fn evaluate_pair(res: &Resolved, a: &[f64], b: &[f64], dt: f64, periodic: bool) -> ((f64, usize), (f64, usize)) {
    let n = a.len();
    match res {
        Resolved::Range { w, band: Some(band), measure, .. } if b.len() == n => {
            let scale = if *measure == VariationMeasure::Amplitude { 0.5 } else { 1.0 };
            let pre_len = band_warmup(band, *w, n, dt, periodic);
            let (ra, rb) = checks::band_range2(band, 1.0 / dt, (&a[n - pre_len..], a), (&b[n - pre_len..], b), *w);
            let fix = |(v, at): (f64, usize)| (v * scale, at.saturating_sub(pre_len).min(n.saturating_sub(1)));
            (fix(ra), fix(rb))
        }
        _ => (evaluate(res, a, dt, periodic), evaluate(res, b, dt, periodic)),
    }
}

impl Resolved {
    /// The limit (MW, or MW over the window for ramps).
    pub fn limit(&self) -> f64 {
        match self {
            Resolved::Change { limit, .. } | Resolved::Range { limit, .. } => *limit,
        }
    }
}

/// The grid controller for the trace, and the ramp limiter's rate (MW/min).
fn controller(
    case: &SmoothCase,
    reqs: &[Requirement],
    dt: f64,
    peak: f64,
    diags: &mut Vec<SizingDiagnostic>,
) -> Option<(Ctrl, Option<f64>, String)> {
    match &case.controller {
        SmoothController::RampLimiter { ramp_mw_per_min } => {
            let r = match ramp_mw_per_min {
                Some(r) => (*r, "case input".to_owned()),
                None => match tightest_ramp(reqs, peak) {
                    Some((r, id)) => (
                        DEFAULT_RAMP_FACTOR * r,
                        format!("{} × the tightest ramp requirement ({id}, {} MW/min)", fmt_num(DEFAULT_RAMP_FACTOR), fmt_num(r)),
                    ),
                    None => {
                        diags.push(diag::error(
                            "controller.ramp_mw_per_min",
                            diag::INPUT,
                            "the ramp limiter needs a rate: give controller.ramp_mw_per_min, or a ramp requirement (e.g. presets = [\"ieso\"]) to take 95 % of it",
                        ));
                        return None;
                    }
                },
            };
            Some((Ctrl::Ramp { step: r.0 / 60.0 * dt }, Some(r.0), r.1))
        }
        SmoothController::FirstOrder { tau_s } => {
            let alpha = Device::lag(*tau_s, dt);
            Some((Ctrl::First { alpha, beta: alpha * tau_s / dt }, None, "case input".into()))
        }
        SmoothController::MovingAverage { window_s } => {
            Some((Ctrl::Average { n: ((window_s / dt).round() as usize).max(1) }, None, "case input".into()))
        }
    }
}

/// The lowest ramp limit among the enabled ramp requirements, MW/min, and its id.
pub fn tightest_ramp(reqs: &[Requirement], peak_mw: f64) -> Option<(f64, String)> {
    reqs.iter()
        .filter(|r| r.enabled)
        .filter_map(|r| match &r.kind {
            RequirementKind::Ramp { limit_mw_per_min, .. } => Some((*limit_mw_per_min, r.id.clone())),
            RequirementKind::RampPercent { percent_per_min, reference_mw, .. } => {
                Some((percent_per_min / 100.0 * reference_mw.unwrap_or(peak_mw), r.id.clone()))
            }
            RequirementKind::Variation { .. } => None,
        })
        .filter(|(r, _)| r.is_finite() && *r > 0.0)
        .min_by(|a, b| a.0.total_cmp(&b.0))
}

/// Runs the plant over the trace (twice when it repeats: the first pass
/// sets the state) and returns the final state; `sink` is made from the
/// state the recorded pass starts from.
fn run_plant<S: Sink + Send>(plant: &Plant, load: &[f64], start: SmoothStart, sink: impl FnOnce(&State) -> S) -> (State, S) {
    run_plant_while(plant, load, start, &|| true, Feed::Here, sink).expect("never told to stop")
}

/// Where a run's sink is fed.
#[derive(Clone, Copy, PartialEq)]
enum Feed {
    /// In the simulation loop ([`sim::run_while`]).
    Here,
    /// On a second thread as the run goes ([`sim::run_beside`]), for a
    /// sink with costly bookkeeping: the same samples, in the same order.
    Beside,
}

/// [`run_plant`], asking `keep_going` as it runs: `None` when it said stop.
fn run_plant_while<S: Sink + Send>(
    plant: &Plant,
    load: &[f64],
    start: SmoothStart,
    keep_going: &dyn Fn() -> bool,
    feed: Feed,
    sink: impl FnOnce(&State) -> S,
) -> Option<(State, S)> {
    let mut st = started(plant, load, start, keep_going)?;
    let mut s = sink(&st);
    match feed {
        Feed::Here => sim::run_while(plant, &mut st, load, &mut s, keep_going).then_some((st, s)),
        Feed::Beside => sim::run_beside(plant, &mut st, load, s, keep_going).map(|s| (st, s)),
    }
}

/// The state a recorded run starts from: at rest on the first sample, or
/// (periodic) where a first pass over the trace leaves the controllers
/// (`None`: told to stop during that pass).
fn started(plant: &Plant, load: &[f64], start: SmoothStart, keep_going: &dyn Fn() -> bool) -> Option<State> {
    let l0 = load.first().copied().unwrap_or(0.0);
    let mut st = State::steady(plant, l0);
    if start == SmoothStart::Periodic {
        if !sim::run_while(plant, &mut st, load, &mut sim::Discard, keep_going) {
            return None;
        }
        st.reset_counters();
    }
    Some(st)
}

/// The extremes of a run, from the energies it starts at.
fn extremes(st: &State) -> Extremes {
    Extremes::new(st.eb, st.es)
}

/// What one device needs: highest discharge and charge power (MW), reach
/// below and above its rest energy (MJ).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Need {
    /// Highest discharge power, MW.
    pub dis: f64,
    /// Highest charge power, MW.
    pub chg: f64,
    /// Deepest reach below the rest energy, MJ.
    pub below: f64,
    /// Highest reach above it, MJ.
    pub above: f64,
}

impl Need {
    fn of(p: (f64, f64), e: (f64, f64), rest: f64) -> Self {
        Need { dis: p.0.max(0.0), chg: (-p.1).max(0.0), below: (rest - e.1).max(0.0), above: (e.0 - rest).max(0.0) }
    }
    /// Usable energy, MJ.
    pub fn usable(&self) -> f64 {
        self.below + self.above
    }
    /// Position of the rest energy in the usable range (0 = empty).
    pub fn rest_fraction(&self) -> f64 {
        let u = self.usable();
        if u > 0.0 { self.below / u } else { 0.5 }
    }
}

/// Ideal devices of the case (lag, efficiency, restore; no limits), energies relative to rest.
fn ideal_plant(case: &SmoothCase, ctrl: Ctrl, dt: f64) -> Plant {
    let bat = case.battery.as_ref().map(|b| Device {
        gamma: Device::lag(b.response_s, dt),
        eta: b.rte.sqrt(),
        rc_s: 0.0,
        restore: if b.restore_s > 0.0 { 1.0 / b.restore_s } else { 0.0 },
        e_rest: 0.0,
        ff: if b.restore_s > 0.0 { 1.0 } else { 0.0 },
        limits: None,
    });
    let sc = case.supercap.as_ref().map(|s| Device {
        gamma: Device::lag(s.response_s, dt),
        eta: 1.0,
        rc_s: 0.0,
        restore: if s.restore_s > 0.0 { 1.0 / s.restore_s } else { 0.0 },
        e_rest: 0.0,
        ff: if s.restore_s > 0.0 { 1.0 } else { 0.0 },
        limits: None,
    });
    Plant { dt, ctrl, bat, sc, split: 1.0 - (-std::f64::consts::TAU * case.split.cutoff_hz * dt).exp() }
}

/// Storage power and usable energy needed for a ramp limit (the trade-off
/// curve): ideal devices of the case under a ramp limiter at `r` MW/min.
pub fn ramp_point(case: &SmoothCase, load: &[f64], dt: f64, r_mw_per_min: f64) -> RampPoint {
    let plant = ideal_plant(case, Ctrl::Ramp { step: r_mw_per_min / 60.0 * dt }, dt);
    let (_, ex) = run_plant(&plant, load, case.start, extremes);
    let rest = |d: Option<Device>, start: f64| d.filter(|d| d.restore > 0.0).map_or(start, |d| d.e_rest);
    let b = Need::of(ex.pb, ex.eb, rest(plant.bat, ex.start.0));
    let s = Need::of(ex.ps, ex.es, rest(plant.sc, ex.start.1));
    RampPoint { ramp_mw_per_min: r_mw_per_min, power_mw: ex.total, usable_mwh: (b.usable() + s.usable()) / 3600.0 }
}

/// `f` of each item, in order, shared among up to two threads (items
/// alternate between them; one thread when no other can be started).
/// The items are independent, so the results are those of a plain loop.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(2);
    if threads < 2 || items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let f = &f;
    let odd_of = move || items.iter().skip(1).step_by(2).map(f).collect::<Vec<R>>();
    std::thread::scope(|sc| {
        let other = std::thread::Builder::new().spawn_scoped(sc, odd_of);
        let even: Vec<R> = items.iter().step_by(2).map(f).collect();
        let odd = match other {
            Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            Err(_) => odd_of(),
        };
        let mut out = Vec::with_capacity(items.len());
        let (mut e, mut o) = (even.into_iter(), odd.into_iter());
        for i in 0..items.len() {
            out.extend(if i % 2 == 0 { e.next() } else { o.next() });
        }
        out
    })
}

/// `a()` on a second thread (where one can be started) while `b()` runs
/// here: `(b(), a())`.
fn beside<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (B, A) {
    // `a` waits here for its thread (and is run here when none can be started).
    let slot = std::sync::Mutex::new(Some(a));
    let take = || slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    std::thread::scope(|sc| {
        let other = std::thread::Builder::new().spawn_scoped(sc, || take().map(|a| a()));
        let rb = b();
        let ra = match other {
            Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            Err(_) => None,
        };
        (rb, ra.unwrap_or_else(|| take().expect("not taken by a thread that did not start")()))
    })
}

/// [`ramp_point`] at each rate, in order (the runs are independent: on up
/// to two threads, through the same [`SweepPool`] the staged sizing uses).
pub fn ramp_sweep(case: &SmoothCase, load: &[f64], dt: f64, rates: &[f64]) -> Vec<RampPoint> {
    let pool = SweepPool::new(case, load, dt, rates, &|| true);
    // Never stopped, so every point is there.
    std::thread::scope(|sc| pool.finish(pool.helper(sc))).unwrap_or_default()
}

/// Supercapacitor cell figures: (energy at rated voltage J, the same at end
/// of life J, usable power at rated voltage W, R·C s).
fn cell_figures(s: &SmoothSupercap) -> (f64, f64, f64, f64) {
    let full_j = 0.5 * s.cell_f * s.cell_v * s.cell_v;
    (full_j, full_j * s.eol_capacitance, supercap_cell_power_w(s), s.cell_esr_mohm / 1000.0 * s.cell_f)
}

/// The supercapacitor bank of `cells` at end of life as a device. It rests
/// so that the top of its swing (`need.above` MJ over rest) reaches rated
/// voltage: the bank's lowest voltage, where its usable power is least, is
/// then as high as the duty allows (the cells for power are counted for
/// that bottom; resting lower would leave the bank short of power there,
/// and a bank held to its power limit while charging drains).
fn bank_device(s: &SmoothSupercap, cells: u32, dt: f64, need: &Need, limited: bool) -> Device {
    let (_, full_eol_j, cell_w, rc) = cell_figures(s);
    let e_full = f64::from(cells) * full_eol_j / 1e6;
    let e_min = s.v_min_frac * s.v_min_frac * e_full;
    let above = need.above;
    let p = f64::from(cells) * cell_w / 1e6;
    Device {
        gamma: Device::lag(s.response_s, dt),
        eta: 1.0,
        rc_s: rc,
        restore: if s.restore_s > 0.0 { 1.0 / s.restore_s } else { 0.0 },
        ff: if s.restore_s > 0.0 { 1.0 } else { 0.0 },
        e_rest: (e_full - above).max(e_min),
        limits: limited.then_some(Limits {
            p_dis: p,
            p_chg: p,
            e_min,
            e_max: e_full,
            p_per_e: if e_full > 0.0 { p / e_full } else { 0.0 },
        }),
    }
}

/// Cells for power and for energy. Power: at the lowest voltage of the
/// swing the usable power 0.12·V²/ESR has fallen to p_cell·(1 − E_use ÷
/// (n·e_full)), so n·p_cell − E_use·p_cell ÷ e_full ≥ P, n_P = P ÷ p_cell +
/// E_use ÷ e_full. Energy: the swing within the window, n_E = E_use ÷
/// (e_full·(1 − v_min²)). e_full: a cell's energy at rated voltage at end of life.
fn bank_cells(s: &SmoothSupercap, need: &Need) -> (u32, u32) {
    let (_, full_eol_j, cell_w, _) = cell_figures(s);
    let p = need.dis.max(need.chg);
    let (cp, ce) = closed::supercap_cells(p, need.usable(), cell_w, full_eol_j, s.v_min_frac);
    (ceil_u32(cp).unwrap_or(u32::MAX), ceil_u32(ce).unwrap_or(u32::MAX))
}

/// Collects the verification run: grid, SOC traces, rainflow, day stresses, chart points.
struct Verify<'a> {
    grid: Vec<f64>,
    // Battery SOC: fraction of the capacity seen (EOL) and of nameplate.
    bat: Option<(f64, f64)>,
    rf: life::Rainflow,
    day: Option<(DayAcc, usize, usize)>,
    terms: Option<&'a CalendarTerms>,
    soc_sum: f64,
    // Supercapacitor: (e_min, usable), rainflow on its usable window.
    sc: Option<(f64, f64)>,
    rf_sc: life::Rainflow,
    soc_env: Envelope,
    sc_env: Envelope,
    load_win: Envelope,
    grid_win: Envelope,
}

impl Sink for Verify<'_> {
    #[inline(always)]
    fn push(&mut self, k: usize, s: &Sample) {
        self.grid.push(s.g);
        self.load_win.push(k, s.l);
        self.grid_win.push(k, s.g);
        if let Some((cap, np)) = self.bat {
            let soc = s.eb / cap;
            self.rf.push(s.eb / np);
            self.soc_sum += soc;
            self.soc_env.push(k, soc * 100.0);
            if let (Some((acc, per_day, count)), Some(terms)) = (&mut self.day, self.terms) {
                acc.push(soc, terms);
                *count += 1;
                if *count == *per_day {
                    acc.close(*per_day);
                    *count = 0;
                }
            }
        }
        if let Some((e_min, usable)) = self.sc {
            let f = (s.es - e_min) / usable;
            self.rf_sc.push(f);
            self.sc_env.push(k, f * 100.0);
        }
    }
}

/// Min/max envelope of a series over a range of samples, at most about
/// `points` points (each bucket's minimum and maximum in time order).
#[derive(Debug, Clone)]
struct Envelope {
    start: usize,
    end: usize,
    per: usize,
    dt: f64,
    x_scale: f64,
    pts: Vec<[f64; 2]>,
    lo: (usize, f64),
    hi: (usize, f64),
    count: usize,
}

impl Envelope {
    fn new(start: usize, end: usize, points: usize, dt: f64, x_scale: f64) -> Self {
        let len = end.saturating_sub(start);
        let per = if len <= points { 1 } else { len.div_ceil(points / 2).max(1) };
        Envelope { start, end, per, dt, x_scale, pts: Vec::new(), lo: (0, f64::INFINITY), hi: (0, f64::NEG_INFINITY), count: 0 }
    }

    #[inline(always)]
    fn push(&mut self, k: usize, v: f64) {
        if k < self.start || k >= self.end {
            return;
        }
        if self.per == 1 {
            self.pts.push([k as f64 * self.dt * self.x_scale, v]);
            return;
        }
        if v < self.lo.1 {
            self.lo = (k, v);
        }
        if v > self.hi.1 {
            self.hi = (k, v);
        }
        self.count += 1;
        if self.count == self.per {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.count == 0 {
            return;
        }
        let (a, b) = if self.lo.0 <= self.hi.0 { (self.lo, self.hi) } else { (self.hi, self.lo) };
        for (k, v) in [a, b] {
            if v.is_finite() {
                self.pts.push([k as f64 * self.dt * self.x_scale, v]);
            }
        }
        self.lo = (0, f64::INFINITY);
        self.hi = (0, f64::NEG_INFINITY);
        self.count = 0;
    }

    fn finish(mut self) -> Vec<[f64; 2]> {
        self.flush();
        self.pts
    }
}

fn series(id: &str, label: &str, x: (&str, &str), y: (&str, &str), points: Vec<[f64; 2]>) -> ChartSeries {
    ChartSeries {
        id: id.into(),
        label: label.into(),
        x_label: x.0.into(),
        x_unit: x.1.into(),
        y_label: y.0.into(),
        y_unit: y.1.into(),
        points: points.into_iter().filter(|p| p[0].is_finite() && p[1].is_finite()).collect(),
    }
}

/// Points of a time chart at most: each bucket's lowest and highest value,
/// two per pixel column of the 720-pixel-wide charts, so every peak and
/// trough of the trace is drawn and nothing more is sent or rendered.
const CHART_POINTS: usize = 1440;

/// Decade bands for the band-amplitude chart (and the requirement bands).
const CHART_BANDS: [[f64; 2]; 5] = [[0.001, 0.01], [0.01, 0.1], [0.1, 1.0], [1.0, 10.0], [10.0, 100.0]];

/// Sizes a smoothing case on `trace` (a measured trace; `None`: the case's
/// synthetic profile).
pub fn size_smooth(case: &SmoothCase, trace: Option<&PowerTrace>, catalog: &[CatalogEntry]) -> SmoothResult {
    staged(case, trace, catalog, None, None, &|| true).0
}

/// [`size_smooth`] in two steps: `first` gets the result without the
/// ramp-limit trade-off curve (`sweep_pending` set, its sheet section says
/// so) as soon as that is known, and the curve's runs follow it (on this
/// thread alone, so a second core is free for the first part's bookkeeping
/// and then for whoever draws it); the complete result — equal to
/// [`size_smooth`]'s — is returned. `keep_going` is asked before each of
/// the first part's three simulation runs and every 65,536 samples within
/// them, then before each of the curve's rates; when it says no (a newer
/// edit supersedes this one) the computation stops there and gives `None`
/// — `first` may have been called, if the first part was out by then.
/// With `profiles`, a synthetic profile's trace is taken from (and kept in)
/// that cache instead of generated afresh; the result is the same.
pub fn size_smooth_staged(
    case: &SmoothCase,
    trace: Option<&PowerTrace>,
    catalog: &[CatalogEntry],
    profiles: Option<&synth::ProfileCache>,
    first: impl FnOnce(SmoothResult),
    keep_going: &(dyn Fn() -> bool + Sync),
) -> Option<SmoothResult> {
    let mut first = Some(first);
    let mut once = |r: SmoothResult| {
        if let Some(f) = first.take() {
            f(r);
        }
    };
    let (r, complete) = staged(case, trace, catalog, profiles, Some(&mut once), keep_going);
    complete.then_some(r)
}

/// The trade-off curve's runs, shared by whichever threads call
/// [`SweepPool::work`]: each takes the next rate until none is left (or
/// `keep_going` says stop). Each point is [`ramp_point`], so the curve is
/// that of [`ramp_sweep`] whatever thread ran it.
struct SweepPool<'a> {
    case: &'a SmoothCase,
    load: &'a [f64],
    dt: f64,
    rates: &'a [f64],
    next: std::sync::atomic::AtomicUsize,
    stopped: std::sync::atomic::AtomicBool,
    points: Vec<std::sync::OnceLock<RampPoint>>,
    keep_going: &'a (dyn Fn() -> bool + Sync),
}

impl<'a> SweepPool<'a> {
    fn new(case: &'a SmoothCase, load: &'a [f64], dt: f64, rates: &'a [f64], keep_going: &'a (dyn Fn() -> bool + Sync)) -> Self {
        SweepPool {
            case,
            load,
            dt,
            rates,
            next: 0.into(),
            stopped: false.into(),
            points: rates.iter().map(|_| std::sync::OnceLock::new()).collect(),
            keep_going,
        }
    }

    fn work(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        loop {
            if self.stopped.load(Relaxed) || !(self.keep_going)() {
                self.stop();
                return;
            }
            let i = self.next.fetch_add(1, Relaxed);
            let Some(&r) = self.rates.get(i) else { return };
            let _ = self.points[i].set(ramp_point(self.case, self.load, self.dt, r));
        }
    }

    /// No more rates are taken (a run under way finishes).
    fn stop(&self) {
        self.stopped.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// A second thread working on the rates, where there is a second core.
    fn helper<'s>(&'s self, sc: &'s std::thread::Scope<'s, '_>) -> Option<std::thread::ScopedJoinHandle<'s, ()>> {
        (std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2)
            .then(|| std::thread::Builder::new().spawn_scoped(sc, || self.work()).ok())
            .flatten()
    }

    /// Works on the rates left, joins `helper`, and gives every point in
    /// the order of the rates; `None` if stopped short.
    fn finish(&self, helper: Option<std::thread::ScopedJoinHandle<'_, ()>>) -> Option<Vec<RampPoint>> {
        self.work();
        if let Some(h) = helper
            && let Err(e) = h.join()
        {
            std::panic::resume_unwind(e);
        }
        self.points.iter().map(|p| p.get().cloned()).collect()
    }
}

fn staged(
    case: &SmoothCase,
    trace: Option<&PowerTrace>,
    catalog: &[CatalogEntry],
    profiles: Option<&synth::ProfileCache>,
    mut first: Option<&mut dyn FnMut(SmoothResult)>,
    keep_going: &(dyn Fn() -> bool + Sync),
) -> (SmoothResult, bool) {
    let name = if case.name.is_empty() { "Power smoothing case".to_owned() } else { case.name.clone() };
    let mut sb = SheetBuilder::new(format!("Power smoothing — {name}"));
    let mut diags = validate_case(case, trace.is_none());
    let (reqs, rd) = requirements(case);
    diags.extend(rd);
    // The case's own requirements, by their index in the case (presets are checked by their tests).
    for (i, r) in case.requirements.iter().enumerate() {
        check_req(&mut diags, i, r);
    }
    let mut out = SmoothResult { case_name: name, requirements: reqs.clone(), ..SmoothResult::default() };
    // The load.
    let generated;
    let tr: &PowerTrace = match (trace, &case.synthetic) {
        (Some(t), _) => {
            if case.synthetic.is_some() {
                diags.push(diag::info("synthetic", "profile", "a measured trace is given: the synthetic profile of the case is not used"));
            }
            t
        }
        (None, Some(p)) if !has_error(&diags) => {
            generated = profiles.map_or_else(|| std::sync::Arc::new(synth::generate(p)), |c| c.get(p));
            out.synthetic = Some(generated.summary.clone());
            &generated.trace
        }
        _ => {
            sb.diagnostics(&diags);
            out.diagnostics = diags;
            out.sheet = sb.finish();
            return (out, true);
        }
    };
    let load = &tr.mw;
    let dt = tr.dt_s;
    out.trace = tr.summary();
    if tr.source.is_empty() {
        out.trace.source = "measured trace".into();
    }
    for w in &tr.warnings {
        diags.push(diag::warning("trace", "trace", w.clone()));
    }
    if load.len() < 2 || !(0.0009..=1.0001).contains(&dt) {
        diags.push(diag::error(
            "trace",
            "profile",
            format!("the trace needs at least 2 samples 1 ms to 1 s apart (found {} at {} s)", load.len(), show(dt)),
        ));
    }
    if let Some(i) = load.iter().position(|v| !(v.abs() <= 1e4)) {
        diags.push(diag::unmet(
            "trace",
            "profile",
            format!("sample {} is {} MW, beyond the plausible bound for one site (±10,000 MW); check the trace", i + 1, show(load[i])),
            1e4,
            load[i],
            "MW",
        ));
    }
    let summary = out.trace.clone();
    sb.section("Load", "");
    sb.text(LineKind::Input, "Source", &summary.source, if trace.is_some() { "measured trace" } else { "case: [synthetic]" });
    sb.input("Samples", "n", summary.samples as f64, "", "trace");
    sb.input("Interval", "Δt", dt, "s", "trace");
    sb.calc("Length", "t_end", &format!("n × Δt = {} × {}", summary.samples, fmt_num(dt)), summary.duration_s, "s");
    sb.input("Highest load", "L_max", summary.peak_mw, "MW", "trace");
    sb.input("Lowest load", "L_min", summary.min_mw, "MW", "trace");
    sb.input("Mean load", "L_mean", summary.mean_mw, "MW", "trace");
    sb.input("Energy", "", summary.energy_mwh, "MWh", "trace");
    if trace.is_none()
        && let (Some(p), Some(s)) = (&case.synthetic, &out.synthetic)
    {
        synthetic_sheet(&mut sb, p, s);
    }
    sb.section("Requirements", "Each requirement as copied into the case (presets expanded), with its document.");
    for r in &reqs {
        let what = match &r.kind {
            RequirementKind::Ramp { limit_mw_per_min, window_s } => {
                format!("|G(t) − G(t − {} s)| ≤ {} MW/min × {} s", fmt_num(*window_s), fmt_num(*limit_mw_per_min), fmt_num(*window_s))
            }
            RequirementKind::RampPercent { percent_per_min, reference_mw, window_s } => format!(
                "|G(t) − G(t − {} s)| ≤ {} %/min of {} × {} s",
                fmt_num(*window_s),
                fmt_num(*percent_per_min),
                reference_mw.map_or("the highest load".to_owned(), |p| format!("{} MW", fmt_num(p))),
                fmt_num(*window_s)
            ),
            RequirementKind::Variation { max_mw, window_s, band_hz, measure } => format!(
                "{} of G{} in any {} s ≤ {} MW",
                measure.label(),
                band_hz.map_or(String::new(), |[a, b]| format!(" in {}–{} Hz", fmt_num(a), fmt_num(b))),
                fmt_num(*window_s),
                fmt_num(*max_mw)
            ),
        };
        let label = if r.enabled { r.label.clone() } else { format!("{} (off)", r.label) };
        sb.text(LineKind::Input, &label, &what, &r.source);
    }
    if reqs.iter().all(|r| !r.enabled) {
        diags.push(diag::warning("requirements", "requirements", "no requirement is switched on: the storage is sized for the controller alone and nothing is checked; add a preset (e.g. presets = [\"ieso\"])"));
    }
    // The controller.
    let resolved_ctrl = if has_error(&diags) { None } else { controller(case, &reqs, dt, summary.peak_mw, &mut diags) };
    let Some((ctrl, ramp, ramp_src)) = resolved_ctrl else {
        sb.diagnostics(&diags);
        out.diagnostics = diags;
        out.sheet = sb.finish();
        return (out, true);
    };
    out.ramp_mw_per_min = ramp;
    controller_sheet(&mut sb, case, ctrl, ramp, &ramp_src, &reqs, summary.peak_mw, dt);

    // Closed forms (synthetic profile).
    if trace.is_none()
        && let Some(p) = &case.synthetic
    {
        out.closed_form = closed_forms(case, p, ramp);
        if !out.closed_form.is_empty() {
            sb.section("Closed-form estimates", "For the synthetic profile's job start and swing, beside the simulation below (same inputs, no lag, no losses, no restore).");
            for c in &out.closed_form {
                sb.num(LineKind::Intermediate, &c.label, "", &c.formula, c.value, &c.unit, &c.source);
            }
        }
    }

    // The trade-off curve's rates. Its runs need only the load and the
    // controller. Computed whole, they start now beside the sizing (on a
    // second thread where there is one). In two parts, the second core
    // serves the first part (the verification run's bookkeeping, the band
    // amplitudes) and the curve's runs follow it on this thread alone, so
    // the first part is out sooner and the core left free draws it.
    let (from, to, steps) = match &case.sweep {
        Some(s) => (s.from_mw_per_min, s.to_mw_per_min, s.steps.max(2)),
        None => {
            let r0 = ramp.or_else(|| tightest_ramp(&reqs, summary.peak_mw).map(|x| x.0)).unwrap_or(20.0);
            (0.25 * r0, 3.0 * r0, 12)
        }
    };
    let rates: Vec<f64> = (0..steps).map(|i| from + (to - from) * f64::from(i) / f64::from(steps - 1)).collect();
    let pool = SweepPool::new(case, load, dt, &rates, keep_going);
    // A newer edit supersedes this computation: it stops within a
    // millisecond or two of its runs (they ask every few tens of thousands
    // of samples), before or after its first part, and gives nothing.
    if !keep_going() {
        return (out, false);
    }
    std::thread::scope(|sc| {
        let helper = if first.is_none() { pool.helper(sc) } else { None };
        // Sizing run.
        let mut plant = ideal_plant(case, ctrl, dt);
        let Some((_, ex)) = run_plant_while(&plant, load, case.start, keep_going, Feed::Here, extremes) else {
            pool.stop();
            return (out, false);
        };
        // The rest level: the restore's target, or without a restore where the
        // recorded pass starts (with the trace repeating, where the first pass left it).
        let rest = |d: Option<Device>, start: f64| d.filter(|d| d.restore > 0.0).map_or(start, |d| d.e_rest);
        let mut bat_need = Need::of(ex.pb, ex.eb, rest(plant.bat, ex.start.0));
        let mut sc_need = Need::of(ex.ps, ex.es, rest(plant.sc, ex.start.1));
        // The bank again, with its ESR losses on the bank just counted.
        let mut sc_cells_first = None;
        if let Some(s) = &case.supercap {
            let cells = s.cells.unwrap_or_else(|| {
                let (p, e) = bank_cells(s, &sc_need);
                p.max(e).max(1)
            });
            sc_cells_first = Some(cells);
            let dev = bank_device(s, cells, dt, &sc_need, false);
            plant.sc = Some(dev);
            let Some((_, ex2)) = run_plant_while(&plant, load, case.start, keep_going, Feed::Here, extremes) else {
                pool.stop();
                return (out, false);
            };
            let all = [ex2.pb.0, ex2.pb.1, ex2.eb.0, ex2.eb.1, ex2.ps.0, ex2.ps.1, ex2.es.0, ex2.es.1];
            if all.iter().all(|v| v.is_finite()) && ex2.es.1 > 0.0 {
                bat_need = Need::of(ex2.pb, ex2.eb, rest(plant.bat, ex2.start.0));
                sc_need = Need::of(ex2.ps, ex2.es, rest(plant.sc, ex2.start.1));
            } else {
                diags.push(diag::error(
                "supercap.cells",
                "supercap",
                format!(
                    "the bank of {cells} cells is drained by its own ESR losses (the power asked of it exceeds what it can deliver at its voltage); {}",
                    if s.cells.is_some() { "install more cells or leave supercap.cells out to size the bank" } else { "raise supercap.v_min_frac or the split cut-off" }
                ),
            ));
            }
        }
        sb.section(
        "Simulation",
        "Sizing run: the controller and ideal devices (response lag, losses, SOC restore; no power or energy limit). Storage power + = discharge; G = L − P_battery − P_supercap. The devices' needs are their highest charge and discharge power and their stored energy's reach below (D) and above (C) the rest level.",
    );
        sb.text(
            LineKind::Input,
            "Start",
            match case.start {
                SmoothStart::Steady => "steady: the site ran at the trace's first value before it began",
                SmoothStart::Periodic => "periodic: the trace repeats (a first pass sets the controllers' state)",
            },
            "case input",
        );

        // Battery.
        let battery = case.battery.as_ref().and_then(|b| size_battery(b, &bat_need, catalog, &mut sb, &mut diags));
        // Supercapacitor bank.
        let supercap = case.supercap.as_ref().map(|s| size_bank(s, &sc_need, sc_cells_first, &mut sb, &mut diags));
        if has_error(&diags) {
            sb.diagnostics(&diags);
            out.diagnostics = diags;
            out.sheet = sb.finish();
            pool.stop();
            return (out, true);
        }

        // Verification run at end of life.
        let b_caps = case.battery.as_ref().zip(battery.as_ref()).map(|(b, z)| {
            let np = z.installed_mwh * 3600.0;
            (b, z, np * b.eol_soh, np)
        });
        let mut vplant = ideal_plant(case, ctrl, dt);
        if let (Some(dev), Some((b, z, cap, _))) = (&mut vplant.bat, &b_caps) {
            dev.e_rest = z.rest_soc * cap;
            dev.limits =
                Some(Limits { p_dis: z.installed_mw, p_chg: z.installed_mw, e_min: b.soc_min * cap, e_max: b.soc_max * cap, p_per_e: 0.0 });
        }
        let sc_dev = case.supercap.as_ref().zip(supercap.as_ref()).map(|(s, z)| bank_device(s, z.cells, dt, &sc_need, true));
        vplant.sc = sc_dev;
        let terms = case.battery.as_ref().map(|b| CalendarTerms::at(b.temp_c));
        let n = load.len();
        let dt_h = dt / 3600.0;
        let per_day = ((24.0 / dt_h).round() as usize).max(1);
        let win_start = ((case.chart_window.start_s / dt).floor() as usize).min(n.saturating_sub(1));
        let win_end = (win_start + ((case.chart_window.length_s / dt).ceil() as usize).max(2)).min(n);
        let k_exp = case.battery.as_ref().map_or(1.0, |b| b.aging.dod_exponent);
        let v = Verify {
            grid: Vec::with_capacity(n),
            bat: b_caps.map(|(_, _, cap, np)| (cap.max(1e-12), np.max(1e-12))),
            rf: life::Rainflow::new(k_exp),
            day: terms.as_ref().map(|t| {
                let soc0 = battery.as_ref().map_or(0.5, |z| z.rest_soc);
                (DayAcc::new(dt_h, soc0, t, n), per_day, 0)
            }),
            terms: terms.as_ref(),
            soc_sum: 0.0,
            sc: sc_dev.and_then(|d| d.limits.map(|l| (l.e_min, (l.e_max - l.e_min).max(1e-12)))),
            rf_sc: life::Rainflow::new(1.0),
            soc_env: Envelope::new(0, n, CHART_POINTS, dt, 1.0 / 3600.0),
            sc_env: Envelope::new(0, n, CHART_POINTS, dt, 1.0 / 3600.0),
            load_win: Envelope::new(win_start, win_end, CHART_POINTS, dt, 1.0),
            grid_win: Envelope::new(win_start, win_end, CHART_POINTS, dt, 1.0),
        };
        let Some((st, mut v)) = run_plant_while(&vplant, load, case.start, keep_going, Feed::Beside, |_| v) else {
            pool.stop();
            return (out, false);
        };
        if let Some((acc, _, count)) = &mut v.day {
            acc.close(*count);
        }
        v.rf.finish();
        v.rf_sc.finish();
        let days = summary.duration_s / 86_400.0;
        let per_day_f = if days > 0.0 { 1.0 / days } else { 0.0 };
        let scale_year = 365.0 * per_day_f;

        verification_sheet(&mut sb, &st, n, dt, battery.as_ref(), supercap.as_ref(), &mut diags);

        // Requirement checks.
        let periodic = case.start == SmoothStart::Periodic;
        sb.section(
        "Requirements held",
        "Each requirement on the load alone and on the grid with the installed storage at end of life. Ramps: the largest |G(t) − G(t − W)| against R·W; variation: the largest measure within any window W (after the band-pass filter).",
    );
        // The band amplitudes (for the charts) beside the checks.
        let (outcomes, (bl, bg)) =
            beside(|| band_amplitudes(load, &v.grid, dt), || check_all(&reqs, load, &v.grid, dt, summary.peak_mw, periodic));
        for (r, oc) in reqs.iter().zip(outcomes) {
            match oc.status {
                CheckStatus::Pass | CheckStatus::Fail => {
                    sb.text(
                        LineKind::Intermediate,
                        &format!("{} — load alone", r.label),
                        &format!("{} {}", fmt_num(oc.load_value), oc.unit),
                        &oc.note,
                    );
                    sb.check(
                        &format!("{} — grid", r.label),
                        &format!("{} {} ≤ {} {}", fmt_num(oc.grid_value), oc.unit, fmt_num(oc.limit), oc.unit),
                        oc.status == CheckStatus::Pass,
                    );
                    sb.calc(
                        &format!("{} — margin", r.label),
                        "",
                        &format!("limit − grid = {} − {}", fmt_num(oc.limit), fmt_num(oc.grid_value)),
                        oc.margin,
                        &oc.unit,
                    );
                    if oc.status == CheckStatus::Fail {
                        diags.push(diag::unmet(
                            &format!("requirement:{}", r.id),
                            "requirement",
                            format!(
                                "{}: the grid reaches {} {} against {} {} (over by {}) at t = {} s; {}",
                                r.label,
                                fmt_num(oc.grid_value),
                                oc.unit,
                                fmt_num(oc.limit),
                                oc.unit,
                                fmt_num(-oc.margin),
                                fmt_num(oc.worst_at_s),
                                fix_hint(case, r)
                            ),
                            oc.limit,
                            oc.grid_value,
                            &oc.unit,
                        ));
                    } else if oc.note.contains("Nyquist") {
                        diags.push(diag::warning(
                            &format!("requirement:{}", r.id),
                            "requirement",
                            format!("{}: {} — met on what the trace shows", r.label, oc.note),
                        ));
                    }
                }
                CheckStatus::NotEvaluated => {
                    sb.text(LineKind::Check, &r.label, &format!("not evaluated: {}", oc.note), &r.source);
                    diags.push(diag::warning(
                        &format!("requirement:{}", r.id),
                        "requirement",
                        format!("{} is not evaluated: {}", r.label, oc.note),
                    ));
                }
                CheckStatus::Disabled => {
                    sb.text(LineKind::Check, &r.label, "off (switched off in the case)", &r.source);
                }
            }
            out.checks.push(oc);
        }

        // Losses.
        let load_mwh_day = summary.energy_mwh * per_day_f;
        let floor_day = out.synthetic.as_ref().map_or(0.0, |s| s.floor_energy_mwh * per_day_f);
        out.losses = SmoothLosses {
            battery_mwh_per_day: st.loss_b / 3600.0 * per_day_f,
            supercap_mwh_per_day: st.loss_s / 3600.0 * per_day_f,
            floor_mwh_per_day: floor_day,
            percent_of_load: 0.0,
        };
        let l = &out.losses;
        let total_day = l.battery_mwh_per_day + l.supercap_mwh_per_day + l.floor_mwh_per_day;
        out.losses.percent_of_load = if load_mwh_day > 0.0 { 100.0 * total_day / load_mwh_day } else { 0.0 };
        sb.section("Losses", "At end of life, per day of the trace (the trace scaled to 24 h).");
        let l = out.losses.clone();
        sb.calc(
            "Battery conversion losses",
            "",
            &format!("loss ÷ days = {} ÷ {}", fmt_num(st.loss_b / 3600.0), fmt_num(days)),
            l.battery_mwh_per_day,
            "MWh/day",
        );
        if case.supercap.is_some() {
            sb.calc(
                "Supercapacitor ESR losses",
                "",
                &format!("loss ÷ days = {} ÷ {}", fmt_num(st.loss_s / 3600.0), fmt_num(days)),
                l.supercap_mwh_per_day,
                "MWh/day",
            );
        }
        if floor_day > 0.0 {
            sb.calc("GPU power floor", "", "synthetic profile", l.floor_mwh_per_day, "MWh/day");
        }
        sb.result(
            "Losses as a share of the load's energy",
            "",
            &format!(
                "100 × ({} + {} + {}) ÷ {}",
                fmt_num(l.battery_mwh_per_day),
                fmt_num(l.supercap_mwh_per_day),
                fmt_num(l.floor_mwh_per_day),
                fmt_num(load_mwh_day)
            ),
            l.percent_of_load,
            "%",
        );

        // Cycling and life.
        if let (Some(b), Some(z)) = (&case.battery, &battery) {
            let soh_meas = b.eol_soh;
            let mean_soc = if n > 0 { v.soc_sum / n as f64 } else { z.rest_soc };
            let days_v = v.day.take().map(|(a, _, _)| a.days).unwrap_or_default();
            let lf = life_of(b, case, &v.rf, scale_year, per_day_f, &days_v, soh_meas, mean_soc);
            life_sheet(&mut sb, b, case, &lf, &v.rf, scale_year, &mut diags);
            out.charts.push(series(
                "rainflow",
                "Rainflow cycles per day by depth of discharge",
                ("Depth of discharge up to", "%"),
                ("Cycles", "per day"),
                lf.histogram.iter().map(|h| [h.dod_to * 100.0, h.cycles_per_day]).collect(),
            ));
            out.life = Some(lf);
        }
        let mut supercap = supercap;
        if let Some(z) = &mut supercap {
            z.cycles_per_day = v.rf_sc.cycles * per_day_f;
            z.efc_per_year = v.rf_sc.sum_range * scale_year;
            sb.section("Supercapacitor cycling", "Rainflow on the bank's usable energy (0 = V_min, 1 = V_rated at end of life).");
            sb.calc(
                "Cycles per day",
                "",
                &format!("Σ n ÷ days = {} ÷ {}", fmt_num(v.rf_sc.cycles), fmt_num(days)),
                z.cycles_per_day,
                "per day",
            );
            sb.calc(
                "Equivalent full cycles per year",
                "",
                &format!("Σ n × ΔE ÷ E_use × 365 ÷ days = {} × 365 ÷ {}", fmt_num(v.rf_sc.sum_range), fmt_num(days)),
                z.efc_per_year,
                "per year",
            );
        }
        out.battery = battery;
        out.supercap = supercap;

        // Charts.
        out.charts.push(series("load-window", "Load", ("Time", "s"), ("Power", "MW"), v.load_win.finish()));
        out.charts.push(series("grid-window", "Grid", ("Time", "s"), ("Power", "MW"), v.grid_win.finish()));
        if out.battery.is_some() {
            out.charts.push(series(
                "battery-soc",
                "Battery SOC (of the capacity at end of life)",
                ("Time", "h"),
                ("SOC", "%"),
                v.soc_env.finish(),
            ));
        }
        if out.supercap.is_some() {
            out.charts.push(series("supercap-soc", "Supercapacitor usable energy", ("Time", "h"), ("Energy", "%"), v.sc_env.finish()));
        }
        out.charts.push(series("band-load", "Load, largest amplitude per band", ("Band centre", "Hz"), ("Amplitude", "MW"), bl));
        out.charts.push(series("band-grid", "Grid, largest amplitude per band", ("Band centre", "Hz"), ("Amplitude", "MW"), bg));

        // Nothing non-finite leaves the engine (the trade-off points are
        // filtered as they are taken).
        if let Some(what) = non_finite(&out) {
            diags.push(diag::error(
                "trace",
                "non-finite",
                format!("the {what} is not a finite number; check the trace and the case's values"),
            ));
            out.battery = None;
            out.supercap = None;
            out.life = None;
        }

        // Everything but the trade-off curve goes ahead of it.
        if let Some(first) = first.as_mut() {
            let mut early = out.clone();
            let mut esb = sb.clone();
            esb.section("Ramp-limit trade-off", "");
            esb.text(LineKind::Result, "Trade-off curve", "being computed; shown when ready", "");
            esb.diagnostics(&diags);
            early.diagnostics = diags.clone();
            early.sheet = esb.finish();
            early.sweep_pending = true;
            first(early);
        }

        // Trade-off curve.
        let Some(points) = pool.finish(helper) else {
            // Stopped: a newer computation supersedes this one.
            out.sweep_pending = true;
            return (out, false);
        };
        for p in points {
            if p.power_mw.is_finite() && p.usable_mwh.is_finite() {
                out.sweep.push(p);
            }
        }
        sb.section(
            "Ramp-limit trade-off",
            "Storage power and usable energy (battery + supercapacitor) for a ramp limiter at each rate, same devices, ideal (sizing run).",
        );
        for p in &out.sweep {
            sb.text(
                LineKind::Result,
                &format!("r = {} MW/min", fmt_num(p.ramp_mw_per_min)),
                &format!("P = {} MW, usable {} MWh", fmt_num(p.power_mw), fmt_num(p.usable_mwh)),
                "",
            );
        }
        out.charts.push(series(
            "tradeoff-energy",
            "Usable energy vs ramp limit",
            ("Ramp limit", "MW/min"),
            ("Energy", "MWh"),
            out.sweep.iter().map(|p| [p.ramp_mw_per_min, p.usable_mwh]).collect(),
        ));
        out.charts.push(series(
            "tradeoff-power",
            "Storage power vs ramp limit",
            ("Ramp limit", "MW/min"),
            ("Power", "MW"),
            out.sweep.iter().map(|p| [p.ramp_mw_per_min, p.power_mw]).collect(),
        ));

        sb.diagnostics(&diags);
        out.diagnostics = diags;
        out.sheet = sb.finish();
        (out, true)
    })
}

fn fix_hint(case: &SmoothCase, r: &Requirement) -> String {
    match (&case.controller, &r.kind) {
        (SmoothController::RampLimiter { .. }, RequirementKind::Ramp { .. } | RequirementKind::RampPercent { .. }) => {
            "lower the ramp limiter's rate below the requirement, or check that the storage is not held to its limits".into()
        }
        (SmoothController::FirstOrder { .. }, _) => "lengthen the filter time constant, or use the ramp limiter".into(),
        (SmoothController::MovingAverage { .. }, _) => "lengthen the moving-average window, or use the ramp limiter".into(),
        _ => "lower the ramp limiter's rate, or add a supercapacitor bank for the fast part".into(),
    }
}

/// One requirement against the load and the grid.
pub fn check_one(r: &Requirement, load: &[f64], grid: &[f64], dt: f64, peak_mw: f64, periodic: bool) -> RequirementOutcome {
    let mut oc = RequirementOutcome {
        id: r.id.clone(),
        label: r.label.clone(),
        source: r.source.clone(),
        unit: "MW".into(),
        ..RequirementOutcome::default()
    };
    if !r.enabled {
        oc.status = CheckStatus::Disabled;
        return oc;
    }
    match resolve(r, dt, load.len(), peak_mw) {
        Err(note) => {
            oc.status = CheckStatus::NotEvaluated;
            oc.note = note;
        }
        Ok((res, note)) => {
            let ((lv, _), (gv, at)) = evaluate_pair(&res, load, grid, dt, periodic);
            oc.limit = res.limit();
            oc.load_value = lv;
            oc.grid_value = gv;
            oc.margin = oc.limit - gv;
            oc.worst_at_s = at as f64 * dt;
            oc.note = note;
            if let Resolved::Change { w, .. } = res {
                let change = format!("change over {} s", fmt_num(w as f64 * dt));
                oc.note = if oc.note.is_empty() { change } else { format!("{change}; {}", oc.note) };
            }
            // Met within floating-point noise (a ramp limiter at exactly the limit).
            oc.status = if gv <= oc.limit + 1e-9 * oc.limit.abs().max(1.0) { CheckStatus::Pass } else { CheckStatus::Fail };
        }
    }
    oc
}

/// [`check_one`] of each requirement, in order (on up to two threads).
pub fn check_all(reqs: &[Requirement], load: &[f64], grid: &[f64], dt: f64, peak_mw: f64, periodic: bool) -> Vec<RequirementOutcome> {
    // The costliest first, so that the two threads end together.
    let cost = |r: &Requirement| match &r.kind {
        RequirementKind::Variation { band_hz: Some(_), .. } => 0,
        RequirementKind::Variation { .. } => 1,
        _ => 2,
    };
    let mut order: Vec<usize> = (0..reqs.len()).collect();
    order.sort_by_key(|&i| cost(&reqs[i]));
    let done = par_map(&order, |&i| check_one(&reqs[i], load, grid, dt, peak_mw, periodic));
    let mut out: Vec<Option<RequirementOutcome>> = vec![None; reqs.len()];
    for (i, oc) in order.into_iter().zip(done) {
        out[i] = Some(oc);
    }
    out.into_iter().map(|o| o.expect("every requirement checked")).collect()
}

/// Largest amplitude (max |band-filtered|) of load and grid per decade band
/// below the trace's Nyquist frequency, at the band's geometric centre.
pub fn band_amplitudes(load: &[f64], grid: &[f64], dt: f64) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let fs = 1.0 / dt;
    let duration = load.len() as f64 * dt;
    // At least ten periods of the low edge, and a filterable band.
    let bands: Vec<(f64, checks::Band)> = CHART_BANDS
        .iter()
        .filter(|[lo, _]| duration >= 10.0 / lo)
        .filter_map(|&[lo, hi]| checks::Band::at(lo, hi, fs).map(|b| (lo, b)))
        .collect();
    let skips: Vec<(checks::Band, usize)> =
        bands.iter().map(|(lo, band)| (*band, ((2.0 / (lo * dt)).ceil() as usize).min(load.len()))).collect();
    let peaks = checks::band_peaks2(&skips, fs, load, grid);
    bands
        .iter()
        .zip(peaks)
        .map(|((lo, band), (pl, pg))| {
            let c = (lo * band.f_high.unwrap_or(fs / 2.0)).sqrt();
            ([c, pl], [c, pg])
        })
        .unzip()
}

fn non_finite(r: &SmoothResult) -> Option<&'static str> {
    let bad = |v: f64| !v.is_finite();
    if let Some(b) = &r.battery
        && [b.discharge_mw, b.charge_mw, b.usable_mwh, b.nameplate_mwh, b.installed_mwh, b.installed_mw, b.c_rate, b.rest_soc]
            .into_iter()
            .any(bad)
    {
        return Some("battery size");
    }
    if let Some(s) = &r.supercap
        && [s.discharge_mw, s.charge_mw, s.usable_kwh, s.bank_kwh, s.mass_kg, s.cycles_per_day, s.efc_per_year].into_iter().any(bad)
    {
        return Some("supercapacitor bank size");
    }
    if r.checks.iter().any(|c| [c.limit, c.load_value, c.grid_value, c.margin, c.worst_at_s].into_iter().any(bad)) {
        return Some("requirement check");
    }
    if let Some(l) = &r.life
        && ([l.cycles_per_day, l.efc_per_year, l.life_throughput_years, l.life_dod_years].into_iter().any(bad)
            || l.histogram.iter().any(|h| bad(h.cycles_per_day)))
    {
        return Some("battery life");
    }
    let l = &r.losses;
    if [l.battery_mwh_per_day, l.supercap_mwh_per_day, l.floor_mwh_per_day, l.percent_of_load].into_iter().any(bad) {
        return Some("loss");
    }
    if r.charts.iter().any(|c| c.points.iter().any(|p| bad(p[0]) || bad(p[1]))) {
        return Some("chart");
    }
    None
}

fn synthetic_sheet(sb: &mut SheetBuilder, p: &SyntheticProfile, s: &backstop_model::sizing_smooth::SyntheticSummary) {
    sb.section(
        "Synthetic training profile",
        "Site = base + job; the job alternates compute (P_job) and communication (low × P_job, raised to the power floor) every iteration, holds its low level during checkpoints, starts and stops as a step or a ramp, and drops to idle at failures (Poisson) until it restarts. Samples average the power over their interval. Shape after arXiv 2508.14318 (Microsoft, OpenAI, NVIDIA 2025) and the Ko & Zhu generator (arXiv 2508.16457).",
    );
    sb.input("Seed", "", p.seed as f64, "", "case input");
    sb.input("Base load", "P_base", p.base_mw, "MW", "case input");
    sb.input("Job power (compute phase)", "P_job", p.job_mw, "MW", "case input");
    sb.input("Iteration period", "T", p.iteration_s, "s", "case input");
    sb.input("Compute share", "D", p.compute_duty, "", "case input");
    sb.input("Communication-phase power", "low", p.low_level, "× P_job", "case input");
    if p.power_floor > 0.0 {
        sb.input(
            "GPU power floor",
            "floor",
            p.power_floor,
            "× TDP",
            "case input (GB200 firmware offers up to 0.9, arXiv 2508.14318 §IV-B)",
        );
    }
    sb.input("Iteration jitter", "σ_T", p.jitter, "× T", "case input");
    sb.input("Sample noise", "σ", p.noise, "× P_job", "case input");
    sb.input("Checkpoint every", "", p.checkpoint_interval_s, "s", "case input");
    sb.input("Checkpoint length", "", p.checkpoint_s, "s", "case input");
    sb.input("Job start", "", p.job_start_s, "s", "case input");
    if let Some(x) = p.job_stop_s {
        sb.input("Job stop", "", x, "s", "case input");
    }
    sb.input("Start ramp", "t_r", p.start_ramp_s, "s", "case input (0: a step)");
    sb.input("Failures per day", "", p.failures_per_day, "", "case input (Llama 3: ~8 interruptions a day, arXiv 2407.21783)");
    sb.calc("Iterations generated", "", "", s.iterations as f64, "");
    sb.calc("Checkpoints", "", "", f64::from(s.checkpoints), "");
    sb.calc("Failures drawn", "", "", f64::from(s.failures), "");
    if p.power_floor > p.low_level {
        sb.calc("Energy burnt by the power floor", "", "Σ P_job × (floor − low) × t_low", s.floor_energy_mwh, "MWh");
    }
    if p.rack_storage_j_per_gpu > 0.0 {
        sb.calc(
            "Rack energy storage",
            "E_rack",
            &format!(
                "J × P_job × 1000000 ÷ P_GPU ÷ 1000000 = {} × {} × 1000000 ÷ {} ÷ 1000000",
                fmt_num(p.rack_storage_j_per_gpu),
                fmt_num(p.job_mw),
                fmt_num(p.gpu_w)
            ),
            s.rack_storage_mj,
            "MJ",
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn controller_sheet(
    sb: &mut SheetBuilder,
    case: &SmoothCase,
    ctrl: Ctrl,
    ramp: Option<f64>,
    src: &str,
    reqs: &[Requirement],
    peak: f64,
    dt: f64,
) {
    sb.section("Controller", "");
    match (&case.controller, ctrl) {
        (SmoothController::RampLimiter { ramp_mw_per_min }, Ctrl::Ramp { step }) => {
            sb.text(LineKind::Input, "Kind", "ramp limiter: G* += clamp(x − G*, ±r·Δt)", "");
            let r = ramp.unwrap_or(0.0);
            if ramp_mw_per_min.is_none()
                && let Some((tight, _)) = tightest_ramp(reqs, peak)
            {
                sb.calc(
                    "Ramp rate",
                    "r",
                    &format!("{} × R_min = {} × {}", fmt_num(DEFAULT_RAMP_FACTOR), fmt_num(DEFAULT_RAMP_FACTOR), fmt_num(tight)),
                    r,
                    "MW/min",
                );
                sb.text(LineKind::Input, "Why", src, "");
            } else {
                sb.input("Ramp rate", "r", r, "MW/min", src);
            }
            sb.calc("Largest change per sample", "r·Δt", &format!("r ÷ 60 × Δt = {} ÷ 60 × {}", fmt_num(r), fmt_num(dt)), step, "MW");
        }
        (SmoothController::FirstOrder { tau_s }, _) => {
            sb.text(LineKind::Input, "Kind", "first-order filter: G* += (x − G*)·(1 − e^(−Δt/τ_f))", "");
            sb.input("Time constant", "τ_f", *tau_s, "s", "case input");
        }
        (SmoothController::MovingAverage { window_s }, Ctrl::Average { n }) => {
            sb.text(LineKind::Input, "Kind", "moving average of x over the window", "");
            sb.input("Window", "W", *window_s, "s", "case input");
            sb.calc(
                "Samples in the window",
                "n_W",
                &format!("max(1, ⌊W ÷ Δt + 0.5⌋) = max(1, ⌊{} ÷ {} + 0.5⌋)", fmt_num(*window_s), fmt_num(dt)),
                n as f64,
                "",
            );
        }
        _ => {}
    }
    if let Some(b) = &case.battery {
        if b.restore_s > 0.0 {
            sb.input(
                "Battery SOC restore time constant",
                "T_r",
                b.restore_s,
                "s",
                "case input: x = L + (E_rest − E) ÷ T_r + the storage's losses",
            );
        } else {
            sb.text(LineKind::Input, "Battery SOC restore", "off", "case input");
        }
    }
    if case.battery.is_some() && case.supercap.is_some() {
        sb.input(
            "Split cut-off (battery below, supercapacitor above)",
            "f_c",
            case.split.cutoff_hz,
            "Hz",
            "case input (0.2 Hz in arXiv 2512.08076)",
        );
    }
}

/// Closed-form estimates for the synthetic profile's job start and swing.
fn closed_forms(case: &SmoothCase, p: &SyntheticProfile, ramp: Option<f64>) -> Vec<ClosedForm> {
    let mut v = Vec::new();
    let low = p.low_level.max(p.power_floor);
    let d = p.compute_duty;
    let mean = p.job_mw * (d + (1.0 - d) * low);
    let marcos = "the worst-case fall of Marcos et al., Solar Energy 99 (2014) 28–35, with the load's own rise";
    v.push(ClosedForm {
        label: "Job power, mean of an iteration".into(),
        formula: format!(
            "P_job × (D + (1 − D) × low) = {} × ({} + (1 − {}) × {})",
            fmt_num(p.job_mw),
            fmt_num(d),
            fmt_num(d),
            fmt_num(low)
        ),
        value: mean,
        unit: "MW".into(),
        source: String::new(),
    });
    if let Some(r) = ramp {
        let rs = r / 60.0;
        let (e, pw, t) = closed::step_held(mean, rs, p.start_ramp_s);
        let tr = fmt_num(p.start_ramp_s);
        if rs * p.start_ramp_s >= mean {
            v.push(ClosedForm {
                label: "Job start within the ramp limit".into(),
                formula: format!("the job's own ramp ({} MW over {} s) is slower than r", fmt_num(mean), tr),
                value: 0.0,
                unit: "MWh".into(),
                source: marcos.into(),
            });
        } else {
            v.push(ClosedForm {
                label: "Job start held to the ramp: energy".into(),
                formula: format!(
                    "(ΔP² ÷ (2 × r) − ΔP × t_r ÷ 2) ÷ 3600 = ({}² ÷ (2 × {}) − {} × {} ÷ 2) ÷ 3600",
                    fmt_num(mean),
                    fmt_num(rs),
                    fmt_num(mean),
                    tr
                ),
                value: e / 3600.0,
                unit: "MWh".into(),
                source: marcos.into(),
            });
            v.push(ClosedForm {
                label: "Job start held to the ramp: power".into(),
                formula: format!("ΔP − r × t_r = {} − {} × {}", fmt_num(mean), fmt_num(rs), tr),
                value: pw,
                unit: "MW".into(),
                source: marcos.into(),
            });
            v.push(ClosedForm {
                label: "Job start held to the ramp: duration".into(),
                formula: format!("ΔP ÷ r = {} ÷ {}", fmt_num(mean), fmt_num(rs)),
                value: t,
                unit: "s".into(),
                source: marcos.into(),
            });
        }
    }
    let a = p.job_mw * (1.0 - low);
    let t = p.iteration_s;
    v.push(ClosedForm {
        label: "Swing, peak to peak".into(),
        formula: format!("P_job × (1 − low) = {} × (1 − {})", fmt_num(p.job_mw), fmt_num(low)),
        value: a,
        unit: "MW".into(),
        source: String::new(),
    });
    let sq = "square swing fully smoothed: the storage gives A·(1 − D) for D·T and takes A·D for (1 − D)·T";
    let (e, dis, chg) = closed::square_full(a, t, d);
    v.push(ClosedForm {
        label: "Swing fully smoothed: energy".into(),
        formula: format!("A × D × (1 − D) × T ÷ 3600 = {} × {} × (1 − {}) × {} ÷ 3600", fmt_num(a), fmt_num(d), fmt_num(d), fmt_num(t)),
        value: e / 3600.0,
        unit: "MWh".into(),
        source: sq.into(),
    });
    v.push(ClosedForm {
        label: "Swing fully smoothed: discharge power".into(),
        formula: format!("A × (1 − D) = {} × (1 − {})", fmt_num(a), fmt_num(d)),
        value: dis,
        unit: "MW".into(),
        source: sq.into(),
    });
    v.push(ClosedForm {
        label: "Swing fully smoothed: charge power".into(),
        formula: format!("A × D = {} × {}", fmt_num(a), fmt_num(d)),
        value: chg,
        unit: "MW".into(),
        source: sq.into(),
    });
    v.push(ClosedForm {
        label: "Swing cycles per day".into(),
        formula: format!("86400 ÷ T = 86400 ÷ {}", fmt_num(t)),
        value: 86_400.0 / t,
        unit: "per day".into(),
        source: sq.into(),
    });
    if let SmoothController::FirstOrder { tau_s } = &case.controller {
        let (pp, e, slope) = closed::square_first_order(a, t, d, *tau_s);
        let (x1, x2, x3) = (fmt_num(d * t / tau_s), fmt_num((1.0 - d) * t / tau_s), fmt_num(t / tau_s));
        let fo = "first-order filter on a square swing, periodic steady state";
        v.push(ClosedForm {
            label: "Filter: grid peak to peak".into(),
            formula: format!("A × (1 − exp(−D·T ÷ τ)) × (1 − exp(−(1 − D)·T ÷ τ)) ÷ (1 − exp(−T ÷ τ)) = {} × (1 − exp(−{x1})) × (1 − exp(−{x2})) ÷ (1 − exp(−{x3}))", fmt_num(a)),
            value: pp,
            unit: "MW".into(),
            source: fo.into(),
        });
        v.push(ClosedForm {
            label: "Filter: storage energy".into(),
            formula: format!("τ × ΔG ÷ 3600 = {} × {} ÷ 3600", fmt_num(*tau_s), fmt_num(pp)),
            value: e / 3600.0,
            unit: "MWh".into(),
            source: fo.into(),
        });
        v.push(ClosedForm {
            label: "Filter: steepest grid slope".into(),
            formula: "(L − G) ÷ τ at a switch".into(),
            value: slope,
            unit: "MW/s".into(),
            source: fo.into(),
        });
    }
    if let Some(s) = &case.supercap {
        let (_, full_j, cell_w, _) = cell_figures(s);
        let p_sw = dis.max(chg);
        let vm = s.v_min_frac;
        let (cp, ce) = closed::supercap_cells(p_sw, e, cell_w, full_j, vm);
        let src = "the swing fully smoothed on the supercapacitor bank alone (cells for power: usable power 0.12·V²/ESR at the swing's lowest voltage)";
        v.push(ClosedForm {
            label: "Swing on supercapacitors: cells for power".into(),
            formula: format!(
                "P × 1000000 ÷ p_cell + E × 1000000 ÷ e_full = {} × 1000000 ÷ {} + {} × 1000000 ÷ {}",
                fmt_num(p_sw),
                fmt_num(cell_w),
                fmt_num(e),
                fmt_num(full_j)
            ),
            value: cp,
            unit: "cells".into(),
            source: src.into(),
        });
        v.push(ClosedForm {
            label: "Swing on supercapacitors: cells for energy".into(),
            formula: format!(
                "E × 1000000 ÷ (e_full × (1 − v_min²)) = {} × 1000000 ÷ ({} × (1 − {}²))",
                fmt_num(e),
                fmt_num(full_j),
                fmt_num(vm)
            ),
            value: ce,
            unit: "cells".into(),
            source: src.into(),
        });
        if vm > 0.0 && e > 0.0 {
            let e_star = p_sw * full_j * (1.0 - vm * vm) / (cell_w * vm * vm);
            v.push(ClosedForm {
                label: "Swing energy above which energy governs the cells".into(),
                formula: format!(
                    "P × e_full × (1 − v_min²) ÷ (p_cell × v_min²) = {} × {} × (1 − {}²) ÷ ({} × {}²)",
                    fmt_num(p_sw),
                    fmt_num(full_j),
                    fmt_num(vm),
                    fmt_num(cell_w),
                    fmt_num(vm)
                ),
                value: e_star,
                unit: "MJ".into(),
                source: src.into(),
            });
            v.push(ClosedForm {
                label: "... the iteration period of that energy".into(),
                formula: format!("T × E* ÷ E = {} × {} ÷ {}", fmt_num(t), fmt_num(e_star), fmt_num(e)),
                value: t * e_star / e,
                unit: "s".into(),
                source: src.into(),
            });
        }
    }
    v.retain(|c| c.value.is_finite());
    v
}

fn size_battery(
    b: &SmoothBattery,
    need: &Need,
    catalog: &[CatalogEntry],
    sb: &mut SheetBuilder,
    diags: &mut Vec<SizingDiagnostic>,
) -> Option<SmoothBatterySizing> {
    let entry = b.battery_key.as_deref().and_then(|k| match find(catalog, k) {
        None => {
            diags.push(diag::error("battery.battery_key", "catalog", format!("no catalog entry \"{k}\"")));
            None
        }
        Some(e) if e.battery.is_none() => {
            diags.push(diag::error("battery.battery_key", "catalog", format!("\"{k}\" is not a battery")));
            None
        }
        Some(e) => {
            let errs: Vec<_> = validate_entry(e).into_iter().filter(|f| !f.warning).collect();
            for f in &errs {
                diags.push(diag::error(&format!("catalog[{k}].{}", f.field), "catalog", f.message.clone()));
            }
            errs.is_empty().then_some(e)
        }
    });
    let pcs = b.pcs_key.as_deref().and_then(|k| match find(catalog, k).and_then(|e| e.converter.as_ref().map(|c| (e, c))) {
        Some(x) => Some(x),
        None => {
            diags.push(diag::error("battery.pcs_key", "catalog", format!("no PCS entry \"{k}\" in the catalog")));
            None
        }
    });
    let (c_max, c_src) = match (b.c_rate, entry.and_then(|e| e.battery.as_ref())) {
        (Some(c), _) => (c, "case input".to_owned()),
        (None, Some(bd)) => (bd.continuous_c.value, bd.continuous_c.source.clone()),
        (None, None) => {
            diags.push(diag::warning("battery.c_rate", "c-rate", "no C-rate limit given and no battery entry named: 1C assumed (typical of LFP containers); set battery.c_rate or battery.battery_key"));
            (1.0, "assumed 1C (typical LFP container), verify against vendor data".to_owned())
        }
    };
    let eta = b.rte.sqrt();
    let window = b.soc_max - b.soc_min;
    let mwh = |mj: f64| mj / 3600.0;
    let (d_mwh, c_mwh) = (mwh(need.below), mwh(need.above));
    let usable = d_mwh + c_mwh;
    sb.section("Battery", "E_use = D + C; nameplate = E_use ÷ (SOC window × SOH_EOL), raised to the C-rate's max(P_dis ÷ η, P_chg × η) ÷ C (η = √RTE); rest SOC = SOC_min + window × D ÷ (D + C), so the deepest discharge and the largest charge both fit at end of life.");
    sb.input("Response time constant", "τ_b", b.response_s, "s", "case input (0.25 s in arXiv 2512.08076 Table I)");
    sb.factor("Round-trip efficiency", "RTE", "", b.rte, "case input");
    sb.factor("One-way efficiency", "η", &format!("√RTE = √{}", fmt_num(b.rte)), eta, "");
    sb.result("Highest discharge power", "P_dis", "max P_b(t)", need.dis, "MW");
    sb.result("Highest charge power", "P_chg", "max −P_b(t)", need.chg, "MW");
    sb.calc("Deepest discharge below the rest level", "D", "rest − min E_b(t)", d_mwh, "MWh");
    sb.calc("Largest charge above the rest level", "C", "max E_b(t) − rest", c_mwh, "MWh");
    sb.result("Usable energy", "E_use", &format!("D + C = {} + {}", fmt_num(d_mwh), fmt_num(c_mwh)), usable, "MWh");
    sb.input("SOC window", "window", window, "", &format!("{}–{} (case input)", show(b.soc_min), show(b.soc_max)));
    sb.factor("State of health at end of life", "SOH_EOL", "", b.eol_soh, "case input");
    let np_window = usable / (window * b.eol_soh);
    sb.calc(
        "Nameplate for the SOC window and EOL",
        "E_np",
        &format!("E_use ÷ (window × SOH_EOL) = {} ÷ ({} × {})", fmt_num(usable), fmt_num(window), fmt_num(b.eol_soh)),
        np_window,
        "MWh",
    );
    sb.data("C-rate limit", "C_max", c_max, "1/h", &c_src);
    let (p_dc_dis, p_dc_chg) = (need.dis / eta, need.chg * eta);
    sb.calc("Battery DC power, discharge", "P_dc,dis", &format!("P_dis ÷ η = {} ÷ {}", fmt_num(need.dis), fmt_num(eta)), p_dc_dis, "MW");
    sb.calc("Battery DC power, charge", "P_dc,chg", &format!("P_chg × η = {} × {}", fmt_num(need.chg), fmt_num(eta)), p_dc_chg, "MW");
    let np_c = p_dc_dis.max(p_dc_chg) / c_max;
    sb.calc(
        "Nameplate for the C-rate",
        "E_C",
        &format!("max(P_dc,dis, P_dc,chg) ÷ C_max = max({}, {}) ÷ {}", fmt_num(p_dc_dis), fmt_num(p_dc_chg), fmt_num(c_max)),
        np_c,
        "MWh",
    );
    let nameplate = np_window.max(np_c);
    sb.result(
        "Nameplate energy needed",
        "E",
        &format!("max(E_np, E_C) = max({}, {})", fmt_num(np_window), fmt_num(np_c)),
        nameplate,
        "MWh",
    );
    if np_c > np_window && nameplate > 0.0 {
        diags.push(diag::info(
            "battery.c_rate",
            "c-rate",
            format!("the C-rate sizes the battery ({} MWh for the power against {} MWh for the energy): power, not energy, is what smoothing asks of a battery", fmt_num(np_c), fmt_num(np_window)),
        ));
    }
    let rest_soc = b.soc_min + window * need.rest_fraction();
    sb.calc(
        "Rest SOC",
        "SOC_rest",
        &format!(
            "SOC_min + window × D ÷ (D + C) = {} + {} × {} ÷ ({} + {})",
            fmt_num(b.soc_min),
            fmt_num(window),
            fmt_num(d_mwh),
            fmt_num(d_mwh),
            fmt_num(c_mwh)
        ),
        rest_soc,
        "",
    );
    let mut z = SmoothBatterySizing {
        discharge_mw: need.dis,
        charge_mw: need.chg,
        usable_mwh: usable,
        nameplate_window_mwh: np_window,
        nameplate_c_rate_mwh: np_c,
        nameplate_mwh: nameplate,
        rest_soc,
        installed_mwh: nameplate,
        installed_mw: need.dis.max(need.chg),
        fixed: b.energy_mwh.is_some() || b.power_mw.is_some(),
        ..SmoothBatterySizing::default()
    };
    if usable <= 0.0 && need.dis.max(need.chg) <= 0.0 {
        diags.push(diag::info(
            "battery",
            "no-storage",
            "the grid controller never asks the battery for power on this trace: no battery is needed",
        ));
    }
    if let Some(e) = b.energy_mwh {
        z.installed_mwh = e;
        sb.input("Installed nameplate energy", "E_inst", e, "MWh", "case input");
    } else if let Some(e) = entry {
        let unit_mwh = e.energy_kwh() / 1000.0;
        let n = ceil_u32(nameplate / unit_mwh).unwrap_or(0).max(1);
        z.units = Some(n);
        z.installed_mwh = f64::from(n) * unit_mwh;
        sb.data("Energy per unit", "E_u", unit_mwh, "MWh", &e.battery.as_ref().map_or(String::new(), |x| x.energy_wh.source.clone()));
        sb.result(
            "Battery units",
            "n",
            &format!("max(1, ⌈E ÷ E_u⌉) = max(1, ⌈{} ÷ {}⌉)", fmt_num(nameplate), fmt_num(unit_mwh)),
            f64::from(n),
            "",
        );
        sb.result("Installed nameplate energy", "E_inst", &format!("n × E_u = {n} × {}", fmt_num(unit_mwh)), z.installed_mwh, "MWh");
    }
    let p_need = need.dis.max(need.chg);
    if let Some(p) = b.power_mw {
        z.installed_mw = p;
        sb.input("Installed power", "P_inst", p, "MW", "case input");
    } else if let Some((_, c)) = pcs {
        let rated = c.rated_kw.value / 1000.0;
        let n = ceil_u32(p_need / rated).unwrap_or(0).max(1);
        z.pcs_units = Some(n);
        z.installed_mw = f64::from(n) * rated;
        sb.data("PCS rated power", "P_PCS", rated, "MW", &c.rated_kw.source);
        sb.result(
            "PCS units",
            "",
            &format!(
                "max(1, ⌈max(P_dis, P_chg) ÷ P_PCS⌉) = max(1, ⌈max({}, {}) ÷ {}⌉)",
                fmt_num(need.dis),
                fmt_num(need.chg),
                fmt_num(rated)
            ),
            f64::from(n),
            "",
        );
        sb.result("Installed power", "P_inst", &format!("n × P_PCS = {n} × {}", fmt_num(rated)), z.installed_mw, "MW");
    } else {
        sb.result(
            "Installed power",
            "P_inst",
            &format!("max(P_dis, P_chg) = max({}, {})", fmt_num(need.dis), fmt_num(need.chg)),
            z.installed_mw,
            "MW",
        );
    }
    z.c_rate = if z.installed_mwh > 0.0 { p_dc_dis.max(p_dc_chg) / z.installed_mwh } else { 0.0 };
    if z.installed_mwh > 0.0 {
        sb.result(
            "Highest C-rate on the installed energy",
            "",
            &format!("max(P_dc,dis, P_dc,chg) ÷ E_inst = max({}, {}) ÷ {}", fmt_num(p_dc_dis), fmt_num(p_dc_chg), fmt_num(z.installed_mwh)),
            z.c_rate,
            "1/h",
        );
        sb.check("C-rate within the limit", &format!("{} ≤ {}", fmt_num(z.c_rate), fmt_num(c_max)), z.c_rate <= c_max * (1.0 + 1e-9));
        if z.c_rate > c_max * (1.0 + 1e-9) {
            diags.push(diag::unmet(
                "battery.energy_mwh",
                "c-rate",
                format!(
                    "the installed {} MWh would run at {} C, above its {} C limit; install at least {} MWh",
                    fmt_num(z.installed_mwh),
                    fmt_num(z.c_rate),
                    fmt_num(c_max),
                    fmt_num(np_c)
                ),
                c_max,
                z.c_rate,
                "1/h",
            ));
        }
    }
    if b.energy_mwh.is_some_and(|e| e < nameplate * (1.0 - 1e-9)) {
        diags.push(diag::warning(
            "battery.energy_mwh",
            "energy",
            format!("the installed {} MWh is below the {} MWh this controller needs at end of life; the verification run shows what the grid sees", fmt_num(z.installed_mwh), fmt_num(nameplate)),
        ));
    }
    if b.power_mw.is_some_and(|p| p < p_need * (1.0 - 1e-9)) {
        diags.push(diag::warning(
            "battery.power_mw",
            "power",
            format!(
                "the installed {} MW is below the {} MW this controller asks for; the verification run shows what the grid sees",
                fmt_num(z.installed_mw),
                fmt_num(p_need)
            ),
        ));
    }
    (!has_error(diags)).then_some(z)
}

fn size_bank(
    s: &SmoothSupercap,
    need: &Need,
    first: Option<u32>,
    sb: &mut SheetBuilder,
    diags: &mut Vec<SizingDiagnostic>,
) -> SupercapSizing {
    let (full_j, full_eol_j, cell_w, rc) = cell_figures(s);
    let cell_wh = full_j / 3600.0;
    let window = 1.0 - s.v_min_frac * s.v_min_frac;
    let usable_wh = full_eol_j / 3600.0 * window;
    let (np, ne) = bank_cells(s, need);
    let cells = s.cells.unwrap_or(np.max(ne).max(1));
    let limit = if np >= ne { BankLimit::PowerLimited } else { BankLimit::EnergyLimited };
    sb.section(
        "Supercapacitor bank",
        "Counted in cells (series and parallel do not change power, energy or R·C). A cell's usable power 0.12·V²/ESR (Maxwell's datasheet figure, 88 % efficient) falls with V², that is with the energy stored; the bank rests so that the top of its swing reaches rated voltage, and at the swing's bottom n cells give n·p_cell·(1 − E_use ÷ (n·e_full)): cells for power n_P = P ÷ p_cell + E_use ÷ e_full. Cells for energy n_E = E_use ÷ (e_full × (1 − v_min²)). e_full = ½·C·V² × C_EOL. Counted on the ideal run, then again with the ESR losses of that bank.",
    );
    sb.text(LineKind::Input, "Cell", &s.source, "case input");
    sb.data("Cell capacitance", "C", s.cell_f, "F", &s.source);
    sb.data("Cell rated voltage", "V", s.cell_v, "V", &s.source);
    sb.data("Cell ESR", "ESR", s.cell_esr_mohm / 1000.0, "Ω", &s.source);
    sb.calc(
        "Cell energy at rated voltage",
        "E_cell",
        &format!("0.5 × C × V² ÷ 3600 = 0.5 × {} × {}² ÷ 3600", fmt_num(s.cell_f), fmt_num(s.cell_v)),
        cell_wh,
        "Wh",
    );
    sb.factor("Capacitance at end of life", "C_EOL", "", s.eol_capacitance, "case input");
    sb.calc(
        "Cell energy at rated voltage, end of life",
        "e_full",
        &format!("0.5 × C × V² × C_EOL = 0.5 × {} × {}² × {}", fmt_num(s.cell_f), fmt_num(s.cell_v), fmt_num(s.eol_capacitance)),
        full_eol_j,
        "J",
    );
    sb.calc("Usable share of e_full", "", &format!("1 − v_min² = 1 − {}²", fmt_num(s.v_min_frac)), window, "");
    match s.cell_power_w {
        Some(p) => sb.input("Usable power per cell at rated voltage", "p_cell", p, "W", "case input"),
        None => sb.calc(
            "Usable power per cell at rated voltage",
            "p_cell",
            &format!("0.12 × V² ÷ ESR = 0.12 × {}² ÷ {}", fmt_num(s.cell_v), fmt_num(s.cell_esr_mohm / 1000.0)),
            cell_w,
            "W",
        ),
    };
    sb.calc("Cell time constant", "R·C", &format!("ESR × C = {} × {}", fmt_num(s.cell_esr_mohm / 1000.0), fmt_num(s.cell_f)), rc, "s");
    let kwh = need.usable() / 3.6;
    let mj = need.usable();
    sb.result("Highest discharge power", "P_dis", "max P_sc(t)", need.dis, "MW");
    sb.result("Highest charge power", "P_chg", "max −P_sc(t)", need.chg, "MW");
    sb.result("Usable energy", "E_use", "reach below + above the rest level", kwh, "kWh");
    sb.calc(
        "Cells for power",
        "n_P",
        &format!(
            "⌈max(P_dis, P_chg) × 1000000 ÷ p_cell + E_use × 1000000 ÷ e_full⌉ = ⌈max({}, {}) × 1000000 ÷ {} + {} × 1000000 ÷ {}⌉",
            fmt_num(need.dis),
            fmt_num(need.chg),
            fmt_num(cell_w),
            fmt_num(mj),
            fmt_num(full_eol_j)
        ),
        f64::from(np),
        "",
    );
    sb.calc(
        "Cells for energy",
        "n_E",
        &format!(
            "⌈E_use × 1000000 ÷ (e_full × (1 − v_min²))⌉ = ⌈{} × 1000000 ÷ ({} × {})⌉",
            fmt_num(mj),
            fmt_num(full_eol_j),
            fmt_num(window)
        ),
        f64::from(ne),
        "",
    );
    if let Some(c) = s.cells {
        sb.input("Cells installed", "n", f64::from(c), "", "case input");
        if c < np.max(ne) {
            diags.push(diag::warning(
                "supercap.cells",
                "energy",
                format!(
                    "the {c} cells installed are fewer than the {} this controller needs; the verification run shows what the grid sees",
                    np.max(ne)
                ),
            ));
        }
    } else {
        sb.result("Cells", "n", &format!("max(n_P, n_E) = max({np}, {ne})"), f64::from(cells), "");
    }
    if let Some(f) = first
        && s.cells.is_none()
        && f != cells
    {
        sb.text(LineKind::Intermediate, "First count (without ESR losses)", &format!("{f} cells"), "");
    }
    sb.text(
        LineKind::Result,
        "What sizes the bank",
        match limit {
            BankLimit::PowerLimited => "power-limited: more cells are needed for the power than for the energy",
            BankLimit::EnergyLimited => "energy-limited: more cells are needed for the energy than for the power",
        },
        "",
    );
    let bank_kwh = f64::from(cells) * cell_wh / 1000.0;
    let mass = f64::from(cells) * s.cell_mass_kg;
    sb.calc("Bank energy at rated voltage", "", &format!("n × E_cell ÷ 1000 = {cells} × {} ÷ 1000", fmt_num(cell_wh)), bank_kwh, "kWh");
    sb.calc("Mass of the cells", "", &format!("n × m_cell = {cells} × {}", fmt_num(s.cell_mass_kg)), mass, "kg");
    SupercapSizing {
        discharge_mw: need.dis,
        charge_mw: need.chg,
        usable_kwh: kwh,
        cell_power_w: cell_w,
        cell_usable_wh: usable_wh,
        cells_for_power: np,
        cells_for_energy: ne,
        cells,
        limit,
        bank_kwh,
        mass_kg: mass,
        fixed: s.cells.is_some(),
        cycles_per_day: 0.0,
        efc_per_year: 0.0,
    }
}

fn verification_sheet(
    sb: &mut SheetBuilder,
    st: &State,
    n: usize,
    dt: f64,
    bat: Option<&SmoothBatterySizing>,
    sc: Option<&SupercapSizing>,
    diags: &mut Vec<SizingDiagnostic>,
) {
    sb.section(
        "Verification at end of life",
        "The same run with the installed devices at end of life (battery capacity × SOH_EOL within its SOC window, bank capacitance × C_EOL between v_min and rated voltage), held to their power and energy limits.",
    );
    if bat.is_some() {
        let s = st.held_b as f64 * dt;
        sb.calc("Battery held to a limit", "", &format!("n_held × Δt = {} × {}", st.held_b, fmt_num(dt)), s, "s");
        if st.held_b > 0 {
            diags.push(diag::warning(
                "battery",
                "limit",
                format!("the installed battery was held to its power or energy limit for {} s of {} s; the grid took the rest (see the requirement checks)", fmt_num(s), fmt_num(n as f64 * dt)),
            ));
        }
    }
    if sc.is_some() {
        let s = st.held_s as f64 * dt;
        sb.calc("Supercapacitor bank held to a limit", "", &format!("n_held × Δt = {} × {}", st.held_s, fmt_num(dt)), s, "s");
        if st.held_s > 0 {
            diags.push(diag::warning(
                "supercap",
                "limit",
                format!(
                    "the supercapacitor bank was held to its power or energy limit for {} s of {} s; the grid took the rest",
                    fmt_num(s),
                    fmt_num(n as f64 * dt)
                ),
            ));
        }
    }
}

/// Cycling and the life views of the battery.
#[allow(clippy::too_many_arguments)]
fn life_of(
    b: &SmoothBattery,
    case: &SmoothCase,
    rf: &life::Rainflow,
    scale_year: f64,
    per_day: f64,
    days: &[DayStress],
    soh_meas: f64,
    mean_soc: f64,
) -> BatteryLife {
    let ag = &b.aging;
    let efc = rf.sum_range * scale_year;
    let lt = life::throughput_life(ag.cycles_to_eol, ag.cycle_ref_dod, efc);
    let ld = life::dod_weighted_life(ag.cycles_to_eol, ag.cycle_ref_dod, ag.dod_exponent, rf.sum_pow * scale_year);
    let governing = match case.life_basis {
        LifeBasis::Shorter => {
            if lt <= ld {
                LifeBasis::Throughput
            } else {
                LifeBasis::DodWeighted
            }
        }
        x => x,
    };
    let mut lo = 0.0;
    let histogram = life::BIN_EDGES
        .iter()
        .zip(rf.bins)
        .map(|(hi, c)| {
            let bin = CycleBin { dod_from: lo, dod_to: *hi, cycles_per_day: c * per_day };
            lo = *hi;
            bin
        })
        .collect();
    // Every ageing model on this duty, year by year: the days were measured
    // at the capacity of the run (SOH_EOL); a battery at SOH s sees the same
    // energy as SOC swings soh_meas ÷ s as deep.
    let eq = rf.equivalent_cycle();
    let years = case.project_years;
    let mut spread = Vec::new();
    for kind in AgingModelKind::ALL {
        let model = backstop_model::sizing::AgingModel { model: kind, ..ag.clone() };
        let mut state = ModelState::new(kind);
        let mut soh = 1.0_f64;
        let mut by_year = Vec::with_capacity(years as usize);
        for _ in 0..years {
            let f = soh_meas / soh.max(0.05);
            let adj: Vec<DayStress> =
                days.iter().map(|d| DayStress { efc: d.efc * f, dod: (d.dod * f).min(1.0), c_rate: d.c_rate * f, ..*d }).collect();
            let cyc: Vec<crate::rainflow::Cycle> =
                eq.iter().map(|c| crate::rainflow::Cycle { range: (c.range / soh.max(0.05)).min(1.0), ..*c }).collect();
            let days_total: f64 = days.iter().map(|d| d.days).sum();
            let ys = YearStress {
                days: &adj,
                cycles: &cyc,
                mean_soc,
                scale: if days_total > 0.0 { 365.0 / days_total } else { scale_year },
                throughput_soh: soh.max(0.05),
            };
            state.advance_year(&model, b.temp_c, &ys);
            soh = state.soh(&model).max(0.0);
            by_year.push(soh);
        }
        if by_year.iter().all(|x| x.is_finite()) {
            spread.push(AgingOutcome {
                model: kind,
                governing: kind == ag.model,
                year_below_eol: by_year.iter().position(|x| *x < b.eol_soh).map(|i| i as u32 + 1),
                soh_by_year: by_year,
            });
        }
    }
    BatteryLife {
        histogram,
        cycles_per_day: rf.cycles * per_day,
        efc_per_year: efc,
        life_throughput_years: lt.min(1e6),
        life_dod_years: ld.min(1e6),
        governing,
        aging_spread: spread,
    }
}

fn life_sheet(
    sb: &mut SheetBuilder,
    b: &SmoothBattery,
    case: &SmoothCase,
    l: &BatteryLife,
    rf: &life::Rainflow,
    scale_year: f64,
    diags: &mut Vec<SizingDiagnostic>,
) {
    let ag = &b.aging;
    sb.section(
        "Battery cycling and life",
        "Rainflow (ASTM E1049-85) on the SOC as a fraction of nameplate. Throughput view: L = N_ref × DoD_ref ÷ EFC per year. DoD-weighted view (Miner's rule on N(DoD) = N_ref × (DoD ÷ DoD_ref)^−k): L = 1 ÷ (S_k ÷ (N_ref × DoD_ref^k)), S_k = Σ n × DoD^k per year. Under micro-cycling the two differ by orders of magnitude; Soto et al. (J. Energy Storage 2022) found micro-cycles below 2 % DoD of negligible effect, but no LFP data at 0.1–3 Hz and 10⁴–10⁵ cycles a day exist.",
    );
    for h in &l.histogram {
        if h.cycles_per_day > 0.0 {
            sb.text(
                LineKind::Intermediate,
                &format!("DoD {}–{} %", fmt_num(h.dod_from * 100.0), fmt_num(h.dod_to * 100.0)),
                &format!("{} cycles per day", fmt_num(h.cycles_per_day)),
                "",
            );
        }
    }
    sb.result("Cycles per day", "", "Σ n per day", l.cycles_per_day, "per day");
    sb.result(
        "Equivalent full cycles per year",
        "EFC",
        &format!("Σ n × DoD × 365 ÷ days = {} × {}", fmt_num(rf.sum_range), fmt_num(scale_year)),
        l.efc_per_year,
        "per year",
    );
    sb.data("Rated cycles", "N_ref", ag.cycles_to_eol, "cycles", &ag.source);
    sb.data("Depth of discharge of the rating", "DoD_ref", ag.cycle_ref_dod, "", &ag.source);
    sb.data("Wöhler exponent", "k", ag.dod_exponent, "", &ag.source);
    let cap = 1e6;
    if l.life_throughput_years < cap {
        sb.result(
            "Life by throughput",
            "L_EFC",
            &format!("N_ref × DoD_ref ÷ EFC = {} × {} ÷ {}", fmt_num(ag.cycles_to_eol), fmt_num(ag.cycle_ref_dod), fmt_num(l.efc_per_year)),
            l.life_throughput_years,
            "years",
        );
    } else {
        sb.text(LineKind::Result, "Life by throughput", "no cycling on this trace", "");
    }
    let s_k = rf.sum_pow * scale_year;
    sb.calc("Σ n × DoD^k per year", "S_k", "rainflow", s_k, "");
    let basis = ag.cycles_to_eol * ag.cycle_ref_dod.powf(ag.dod_exponent);
    sb.calc("Rated damage basis", "N_ref × DoD_ref^k", "", basis, "");
    if l.life_dod_years < cap {
        sb.result(
            "Life by DoD-weighted cycles",
            "L_DoD",
            &format!("1 ÷ (S_k ÷ B) = 1 ÷ ({} ÷ {})", fmt_num(s_k), fmt_num(basis)),
            l.life_dod_years,
            "years",
        );
    } else {
        sb.text(LineKind::Result, "Life by DoD-weighted cycles", "no cycling on this trace", "");
    }
    let (gov, other) = match l.governing {
        LifeBasis::DodWeighted => ("DoD-weighted cycles", l.life_throughput_years),
        _ => ("throughput", l.life_dod_years),
    };
    let gl = if l.governing == LifeBasis::DodWeighted { l.life_dod_years } else { l.life_throughput_years };
    let why = match case.life_basis {
        LifeBasis::Shorter => "the shorter of the two (case: life_basis = \"shorter\")",
        LifeBasis::Throughput => "chosen in the case (life_basis = \"throughput\")",
        LifeBasis::DodWeighted => "chosen in the case (life_basis = \"dod-weighted\")",
    };
    sb.text(
        LineKind::Result,
        "Governing life view",
        &format!(
            "{gov}: {} years — {why}; the other view gives {} years{}",
            fmt_num(gl),
            fmt_num(other),
            if other > 0.0 && gl > 0.0 && (other / gl > 10.0 || gl / other > 10.0) { " (more than tenfold apart)" } else { "" }
        ),
        "",
    );
    let years = f64::from(case.project_years);
    if gl < years {
        diags.push(diag::warning(
            "battery.aging.cycles_to_eol",
            "life",
            format!("the battery's life by {gov} is {} years, shorter than the {} project years: plan replacement or augmentation, or give the fast part to a supercapacitor bank", fmt_num(gl), case.project_years),
        ));
    }
    sb.section("Ageing models side by side", "Calendar and cycle fade of every model of the crate on this duty (the days of the verification run, repeated to a year), SOH at year end.");
    let n = case.project_years as usize;
    let mut picks: Vec<usize> = [1, 5, 10, n].into_iter().filter(|&y| y >= 1 && y <= n).collect();
    picks.dedup();
    for o in &l.aging_spread {
        let at: Vec<String> = picks.iter().filter_map(|&y| o.soh_by_year.get(y - 1).map(|x| format!("year {y} {x:.3}"))).collect();
        let below = o
            .year_below_eol
            .map_or(format!("stays above {} for {n} years", fmt_num(b.eol_soh)), |y| format!("below {} in year {y}", fmt_num(b.eol_soh)));
        let label = if o.governing { format!("{} (chosen model)", o.model.label()) } else { o.model.label().to_owned() };
        sb.text(LineKind::Result, &label, &format!("SOH {}; {below}", at.join(", ")), o.model.key());
    }
}

/// Severity helper for callers: whether any requirement failed.
pub fn any_failed(r: &SmoothResult) -> bool {
    r.checks.iter().any(|c| c.status == CheckStatus::Fail)
        || r.diagnostics.iter().any(|d| d.severity == DiagSeverity::Error && d.constraint == "requirement")
}
