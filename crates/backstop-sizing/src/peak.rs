//! Grid / peak-shaving sizing over a load profile.
//!
//! - **Power:** P = max_t (L_t − T) (AC, at the PCS); P_dc = P ÷ η_PCS.
//! - **Energy:** walk the deficit below full through the profile (start
//!   full): above T the battery gives (L − T)·Δt ÷ (η_PCS·η_dis); below T
//!   it recharges min(P_chg, T − L)·Δt·η_PCS·η_chg. Usable energy = the
//!   deepest deficit; nameplate = usable ÷ (DoD window × EOL SOH), raised if
//!   the C-rate would exceed the battery's continuous rating.
//! - **Recharge:** events that start before the battery refilled are
//!   counted; a second pass starting from the first pass's end shows
//!   whether the deficit grows year over year (threshold not sustainable).
//! - **Degradation:** year by year with the installed battery: dispatch with
//!   the current capacity, rainflow-count the SOC history (ASTM E1049) for
//!   cycle fade (cycles to EOL ∝ DoD^−k), plus calendar fade
//!   q = q0 − k(T, SOC)·√days (NREL SAM form), capacity year by year.

use backstop_model::catalog::CatalogEntry;
use backstop_model::sizing::{
    AgingModelKind, AgingOutcome, ChartSeries, LineKind, PeakCase, PeakResult, PeakSizing, SizingDiagnostic, ThresholdPoint, YearCapacity,
};

use crate::aging::{CalendarTerms, DayAcc, DayStress, ModelState, YearStress};

use crate::catalog::{find, validate_entry};
use crate::diag::{self, check_range, has_error};
use crate::num::{ceil_u32, show};
use crate::profile::{LoadProfile, MAX_SITE_KW};
use crate::rainflow;
use crate::sheet::{SheetBuilder, fmt_num};

/// Efficiencies and limits of the walk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkParams {
    /// Demand threshold, kW.
    pub threshold_kw: f64,
    /// η_PCS × η_discharge.
    pub eta_dis: f64,
    /// η_PCS × η_charge.
    pub eta_chg: f64,
    /// Grid charging limit, AC kW (`None`: the shaving power).
    pub max_charge_kw: Option<f64>,
}

/// The result of the sizing walk for one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Walk {
    /// Shaving power, AC kW.
    pub power_kw: f64,
    /// Deepest deficit, DC kWh.
    pub usable_kwh: f64,
    /// Events (runs of intervals above the threshold).
    pub events: u32,
    /// Events that began before the battery had refilled.
    pub events_not_full: u32,
    /// Growth of the deepest deficit when the year repeats, kWh (0 when sustainable).
    pub deficit_growth_kwh: f64,
    /// Energy above the threshold, AC kWh.
    pub shaved_kwh: f64,
}

/// The smaller of `a` and `b` in one instruction. `f64::min` also handles
/// NaN, which puts three more instructions on the walk's and the dispatch's
/// dependency chains (a third of their time); the loads are checked finite
/// before they get here, and the results are checked finite after.
#[inline(always)]
fn lesser(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// The larger of `a` and `b` in one instruction (see [`lesser`]).
#[inline(always)]
fn greater(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

/// The smallest and largest of `xs` (±∞ when empty), in four lanes so that
/// no comparison waits for the one before.
fn range_of(xs: &[f64]) -> (f64, f64) {
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    let mut quads = xs.chunks_exact(4);
    for q in &mut quads {
        for k in 0..4 {
            lo[k] = lesser(lo[k], q[k]);
            hi[k] = greater(hi[k], q[k]);
        }
    }
    for &x in quads.remainder() {
        lo[0] = lesser(lo[0], x);
        hi[0] = greater(hi[0], x);
    }
    (lesser(lesser(lo[0], lo[1]), lesser(lo[2], lo[3])), greater(greater(hi[0], hi[1]), greater(hi[2], hi[3])))
}

/// The intervals whose load the walk cannot carry: not a number, or beyond
/// one site ([`MAX_SITE_KW`]). Checked in one branch-free pass first, as
/// almost every profile has none.
pub(crate) fn implausible_loads(kw: &[f64]) -> Vec<usize> {
    if kw.iter().fold(true, |ok, v| ok & (v.abs() <= MAX_SITE_KW)) {
        return Vec::new();
    }
    kw.iter().enumerate().filter(|(_, v)| !(v.abs() <= MAX_SITE_KW)).map(|(i, _)| i).collect()
}

fn one_pass(kw: &[f64], dt_h: f64, p: &WalkParams, p_chg: f64, d0: f64) -> (f64, f64, u32, u32) {
    let mut d = d0;
    let mut d_max = d0;
    let mut events = 0;
    let mut not_full = 0;
    let mut above = false;
    for &l in kw {
        if l > p.threshold_kw {
            if !above {
                events += 1;
                if d > 1e-9 * (1.0 + d_max) {
                    not_full += 1;
                }
            }
            above = true;
            d += (l - p.threshold_kw) * dt_h / p.eta_dis;
            if d > d_max {
                d_max = d;
            }
        } else {
            above = false;
            let inn = lesser(p_chg, p.threshold_kw - l) * dt_h * p.eta_chg;
            d = greater(d - inn, 0.0);
        }
    }
    (d, d_max, events, not_full)
}

/// Walks the profile for one threshold.
pub fn walk(kw: &[f64], dt_h: f64, p: &WalkParams) -> Walk {
    let (mut peak, mut shaved) = (f64::NEG_INFINITY, 0.0);
    for &l in kw {
        peak = greater(peak, l);
        shaved += greater(l - p.threshold_kw, 0.0) * dt_h;
    }
    let power = (peak - p.threshold_kw).max(0.0);
    if power <= 0.0 {
        return Walk { power_kw: 0.0, ..Walk::default() };
    }
    let p_chg = p.max_charge_kw.unwrap_or(power).max(0.0);
    let (d_end, d_max, events, not_full) = one_pass(kw, dt_h, p, p_chg, 0.0);
    let growth = if d_end > 1e-9 {
        let (_, d_max2, _, _) = one_pass(kw, dt_h, p, p_chg, d_end);
        (d_max2 - d_max).max(0.0)
    } else {
        0.0
    };
    Walk {
        power_kw: power,
        usable_kwh: d_max,
        events,
        events_not_full: not_full,
        deficit_growth_kwh: if growth > 1e-6 * (1.0 + d_max) { growth } else { 0.0 },
        shaved_kwh: shaved,
    }
}

/// Checks the case's numbers.
pub fn validate_case(case: &PeakCase) -> Vec<SizingDiagnostic> {
    let mut d = Vec::new();
    if case.threshold_kw.is_none() && case.sweep.is_none() {
        d.push(diag::error("threshold_kw", diag::INPUT, "give threshold_kw (kW to shave to), a sweep, or both"));
    }
    if let Some(t) = case.threshold_kw {
        check_range(&mut d, "threshold_kw", t, 1e-6, 1e9, "kW");
    }
    if let Some(s) = &case.sweep {
        let a = check_range(&mut d, "sweep.from_kw", s.from_kw, 1e-6, 1e9, "kW");
        let b = check_range(&mut d, "sweep.to_kw", s.to_kw, 1e-6, 1e9, "kW");
        if a && b && s.from_kw >= s.to_kw {
            d.push(diag::error("sweep.to_kw", diag::INPUT, format!("sweep.to_kw {} must exceed sweep.from_kw {}", s.to_kw, s.from_kw)));
        }
        if !(2..=1000).contains(&s.steps) {
            d.push(diag::error("sweep.steps", diag::INPUT, format!("sweep.steps must be 2–1000 (found {})", s.steps)));
        }
    }
    check_range(&mut d, "pcs_efficiency", case.pcs_efficiency, 0.5, 1.0, "");
    check_range(&mut d, "charge_efficiency", case.charge_efficiency, 0.5, 1.0, "");
    check_range(&mut d, "discharge_efficiency", case.discharge_efficiency, 0.5, 1.0, "");
    let a = check_range(&mut d, "soc_min", case.soc_min, 0.0, 0.9, "");
    let b = check_range(&mut d, "soc_max", case.soc_max, 0.1, 1.0, "");
    if a && b && case.soc_max - case.soc_min < 0.05 {
        d.push(diag::error("soc_max", diag::INPUT, format!("the SOC window {}–{} is narrower than 5 %", case.soc_min, case.soc_max)));
    }
    check_range(&mut d, "eol_soh", case.eol_soh, 0.3, 1.0, "");
    if let Some(c) = case.max_charge_kw {
        check_range(&mut d, "max_charge_kw", c, 0.0, 1e9, "kW");
    }
    if !(1..=50).contains(&case.project_years) {
        d.push(diag::error("project_years", diag::INPUT, format!("project_years must be 1–50 (found {})", case.project_years)));
    }
    check_range(&mut d, "battery_temp_c", case.battery_temp_c, -30.0, 60.0, "°C");
    let ag = &case.aging;
    check_range(&mut d, "aging.calendar_a", ag.calendar_a, 0.0, 1.0, "");
    check_range(&mut d, "aging.calendar_b", ag.calendar_b, -1e5, 1e5, "K");
    check_range(&mut d, "aging.calendar_c", ag.calendar_c, -1e5, 1e5, "K");
    check_range(&mut d, "aging.calendar_q0", ag.calendar_q0, 0.5, 1.1, "");
    check_range(&mut d, "aging.cycles_to_eol", ag.cycles_to_eol, 1.0, 1e7, "cycles");
    check_range(&mut d, "aging.cycle_ref_dod", ag.cycle_ref_dod, 0.01, 1.0, "");
    check_range(&mut d, "aging.cycle_eol_soh", ag.cycle_eol_soh, 0.1, 0.999, "");
    check_range(&mut d, "aging.dod_exponent", ag.dod_exponent, 0.0, 5.0, "");
    d
}

/// Degradation state and stepping (exposed for benchmarks and cross-checks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aging<'a> {
    /// Model parameters.
    pub model: &'a backstop_model::sizing::AgingModel,
    /// Cell temperature, °C.
    pub temp_c: f64,
}

impl Aging<'_> {
    /// Calendar rate k (per √day) at mean SOC `soc`.
    pub fn k_cal(&self, soc: f64) -> f64 {
        let t = self.temp_c + 273.15;
        let m = self.model;
        m.calendar_a * (m.calendar_b * (1.0 / t - 1.0 / 296.0)).exp() * (m.calendar_c * (soc / t - 1.0 / 296.0)).exp()
    }

    /// Capacity fraction lost per cycle of depth `dod` (count 1).
    pub fn loss_per_cycle(&self, dod: f64) -> f64 {
        let m = self.model;
        if !(dod > 0.0) {
            return 0.0;
        }
        let n = m.cycles_to_eol * (dod / m.cycle_ref_dod).powf(-m.dod_exponent);
        if n > 0.0 { (1.0 - m.cycle_eol_soh) / n } else { 0.0 }
    }
}

/// One year of dispatch with a given battery.
#[derive(Debug, Clone, PartialEq)]
pub struct YearRun {
    /// SOC (fraction of the current capacity) at each interval end.
    pub soc: Vec<f64>,
    /// Energy above the threshold not served, AC kWh.
    pub unserved_kwh: f64,
    /// Mean SOC.
    pub mean_soc: f64,
}

/// Battery used in a year of dispatch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dispatch {
    /// Current capacity, kWh.
    pub capacity_kwh: f64,
    /// SOC window.
    pub soc_min: f64,
    /// SOC window.
    pub soc_max: f64,
    /// Discharge power limit, AC kW.
    pub power_kw: f64,
    /// Charge power limit, AC kW.
    pub charge_kw: f64,
}

/// The constants of one year's dispatch.
#[derive(Debug, Clone, Copy)]
struct Step {
    threshold: f64,
    power: f64,
    charge: f64,
    dt_h: f64,
    eta_dis: f64,
    eta_chg: f64,
    /// Δt ÷ η_dis (a division per sample was most of the loop's cost).
    to_dc: f64,
    e_min: f64,
    e_max: f64,
    inv_cap: f64,
}

impl Step {
    fn new(dt_h: f64, p: &WalkParams, bat: &Dispatch) -> (Self, f64) {
        let cap = bat.capacity_kwh.max(1e-9);
        let st = Step {
            threshold: p.threshold_kw,
            power: bat.power_kw,
            charge: bat.charge_kw,
            dt_h,
            eta_dis: p.eta_dis,
            eta_chg: p.eta_chg,
            to_dc: dt_h / p.eta_dis,
            e_min: bat.soc_min * cap,
            e_max: bat.soc_max * cap,
            inv_cap: 1.0 / cap,
        };
        (st, cap)
    }

    /// One interval of load `l`: updates the stored energy and the unserved
    /// energy, returns the SOC at its end.
    #[inline(always)]
    fn step(&self, l: f64, e: &mut f64, unserved: &mut f64) -> f64 {
        if l > self.threshold {
            let want_ac = lesser(l - self.threshold, self.power);
            let short_power = (l - self.threshold) - want_ac;
            let need_dc = want_ac * self.to_dc;
            let got_dc = greater(lesser(need_dc, *e - self.e_min), 0.0);
            *e -= got_dc;
            *unserved += short_power * self.dt_h + (need_dc - got_dc) * self.eta_dis;
        } else {
            let inn = lesser(self.charge, self.threshold - l) * self.dt_h * self.eta_chg;
            *e = lesser(*e + inn, self.e_max);
        }
        *e * self.inv_cap
    }
}

/// Dispatches one year (threshold control) and returns the SOC history.
pub fn dispatch_year(kw: &[f64], dt_h: f64, p: &WalkParams, bat: &Dispatch, soc0: f64) -> YearRun {
    let (st, cap) = Step::new(dt_h, p, bat);
    let mut e = (soc0 * cap).clamp(st.e_min, st.e_max);
    let mut unserved = 0.0;
    let mut sum = 0.0;
    // A loop without calls (no push that may grow the vector, no closure), so
    // that the energy, the unserved energy and the sum stay in registers: a
    // call in the loop sent them through memory on every step.
    let mut soc = vec![0.0; kw.len()];
    for (o, &l) in soc.iter_mut().zip(kw) {
        let s = st.step(l, &mut e, &mut unserved);
        sum += s;
        *o = s;
    }
    let mean = if soc.is_empty() { soc0 } else { sum / soc.len() as f64 };
    YearRun { soc, unserved_kwh: unserved, mean_soc: mean }
}

/// [`dispatch_year`] measuring each day's ageing stressors in the same pass
/// (what [`crate::aging::day_stresses`] gives on the history).
pub fn dispatch_year_days(
    kw: &[f64],
    dt_h: f64,
    p: &WalkParams,
    bat: &Dispatch,
    soc0: f64,
    terms: &CalendarTerms,
) -> (YearRun, Vec<DayStress>) {
    let (st, cap) = Step::new(dt_h, p, bat);
    let mut e = (soc0 * cap).clamp(st.e_min, st.e_max);
    let mut unserved = 0.0;
    let mut total = 0.0;
    let mut soc = vec![0.0; kw.len()];
    let mut acc = DayAcc::new(dt_h, soc0, terms, kw.len());
    // No call inside a day (see `dispatch_year`).
    for (chunk, out) in acc.chunks(kw).zip(soc.chunks_mut(acc.per_day())) {
        for (o, &l) in out.iter_mut().zip(chunk) {
            let s = st.step(l, &mut e, &mut unserved);
            total += s;
            *o = s;
            acc.push(s, terms);
        }
        acc.close(chunk.len());
    }
    let mean = if soc.is_empty() { soc0 } else { total / soc.len() as f64 };
    (YearRun { soc, unserved_kwh: unserved, mean_soc: mean }, acc.days)
}

/// Capacity year by year under every degradation model.
#[derive(Debug, Clone, PartialEq)]
pub struct LifeRun {
    /// Capacity table of the governing model (the case's `aging.model`).
    pub years: Vec<YearCapacity>,
    /// SOC history of year 1.
    pub first: Option<YearRun>,
    /// End-of-year SOH of every model ([`AgingModelKind::ALL`] order), each
    /// evaluated on the dispatch of the governing model (same duty, different
    /// ageing model).
    pub spread: Vec<(AgingModelKind, Vec<f64>)>,
}

/// Runs the degradation models year by year: the governing model sets the
/// capacity each year's dispatch sees; every model is evaluated on that
/// dispatch. Values are as computed (the caller checks they are finite).
pub fn life_models(kw: &[f64], dt_h: f64, p: &WalkParams, bat: &Dispatch, aging: &Aging<'_>, years: u32) -> LifeRun {
    let profile_days = kw.len() as f64 * dt_h / 24.0;
    let scale = if profile_days > 0.0 { 365.0 / profile_days } else { 1.0 };
    let model = aging.model;
    let terms = CalendarTerms::at(aging.temp_c);
    let mut states: Vec<ModelState> = AgingModelKind::ALL.iter().map(|k| ModelState::new(*k)).collect();
    let gi = AgingModelKind::ALL.iter().position(|k| *k == model.model).unwrap_or(0);
    let mut spread: Vec<(AgingModelKind, Vec<f64>)> =
        AgingModelKind::ALL.iter().map(|k| (*k, Vec::with_capacity(years as usize))).collect();
    let mut out = Vec::with_capacity(years as usize);
    let mut soh = 1.0_f64;
    let mut first: Option<YearRun> = None;
    for y in 1..=years {
        let b = Dispatch { capacity_kwh: bat.capacity_kwh * soh.max(0.0), ..*bat };
        let (run, days) = dispatch_year_days(kw, dt_h, p, &b, bat.soc_max, &terms);
        let cycles = rainflow::count_cycles(&run.soc);
        let efc = rainflow::equivalent_full_cycles(&cycles) * scale;
        let ys = YearStress { days: &days, cycles: &cycles, mean_soc: run.mean_soc, scale, throughput_soh: soh.max(0.0) };
        for (st, sp) in states.iter_mut().zip(spread.iter_mut()) {
            st.advance_year(model, aging.temp_c, &ys);
            sp.1.push(st.soh(model).max(0.0));
        }
        let g = &states[gi];
        let soh_end = g.soh(model).max(0.0);
        out.push(YearCapacity {
            year: y,
            soh_start: soh,
            soh_end,
            full_cycles: efc,
            calendar_loss: g.calendar_loss(model),
            cycle_loss: g.cycle_loss(model),
            unserved_kwh: run.unserved_kwh * scale,
        });
        soh = soh_end;
        if first.is_none() {
            first = Some(run);
        }
    }
    LifeRun { years: out, first, spread }
}

/// Runs the governing degradation model year by year and returns the
/// capacity table (see [`life_models`]).
pub fn life(kw: &[f64], dt_h: f64, p: &WalkParams, bat: &Dispatch, aging: &Aging<'_>, years: u32) -> (Vec<YearCapacity>, Option<YearRun>) {
    let r = life_models(kw, dt_h, p, bat, aging, years);
    (r.years, r.first)
}

/// Why the governing ageing model is used, and its equations with source.
fn model_note(m: &backstop_model::sizing::AgingModel) -> String {
    let (why, eqs) = match m.model {
        AgingModelKind::BlastLiteLfp => (
            "the default, fitted to calendar and cycle ageing tests of a large-format (> 250 Ah) LFP/graphite prismatic cell — the cell class of grid LFP containers — with temperature, SOC, depth-of-discharge and C-rate dependence",
            "Per day: calendar q_t = k_cal·t^0.526 with k_cal = 8.37e4·exp(−5210 ÷ T)·⟨exp(−3560·Ua(SOC) ÷ T)⟩ (Ua: graphite potential, Safari & Delacourt 2011); cycling q_EFC = k_cyc·EFC^0.828 with k_cyc = (4.38e-8 + 1.55e-8·DoD + 1.68e-7·C-rate)·(exp(2190 ÷ T) + exp(−1.55e5 ÷ T)); SOH = 1 − q_t − q_EFC. Source: NREL BLAST-Lite, lfp_gr_250AhPrismatic_2019 (Gasper et al., J. Energy Storage 2023, doi:10.1016/j.est.2023.109042; BSD-3-Clause).",
        ),
        AgingModelKind::BlastLiteNmc => (
            "chosen in the case (aging.model), for NMC cells",
            "Per day: lithium loss q_t = q1·t^0.357, q1 = 2.66e7·exp(−17.8 ÷ T_N)·⟨exp(−5.21·Ua_N ÷ T_N)⟩, and q_EFC = q3·EFC^0.778, q3 = 3.80e3·exp(−18.4 ÷ T_N)·exp(1.04·exp(DoD²)); active-material loss LAM = tanh((EFC ÷ q5)^10 ÷ 2), q5 = 1e4 + 153·(T − 55 °C)·DoD·(SOC_mean ÷ 0.6); SOH = min(1 − q_t − q_EFC, 1.01 − LAM) (T_N = T ÷ 308.15 K, Ua_N = Ua ÷ 0.123 V). Source: NREL BLAST-Lite, nmc111_gr_Kokam75Ah_2017 (Smith et al., ACC 2017; BSD-3-Clause).",
        ),
        AgingModelKind::SamParametric => ("chosen in the case (aging.model): the parameters below", ""),
    };
    let sam = format!(
        "Calendar: q = q0 − k·√days, k = a·exp(b·(1/T − 1/296))·exp(c·(SOC/T − 1/296)) with a = {}, b = {}, c = {}, q0 = {}; cycles: rainflow (ASTM E1049) on the SOC history, loss per cycle = (1 − {}) ÷ ({} × (DoD/{})^−{}). Source: {}",
        show(m.calendar_a),
        show(m.calendar_b),
        show(m.calendar_c),
        show(m.calendar_q0),
        show(m.cycle_eol_soh),
        show(m.cycles_to_eol),
        show(m.cycle_ref_dod),
        show(m.dod_exponent),
        m.source
    );
    let eqs = if m.model == AgingModelKind::SamParametric { sam } else { eqs.to_owned() };
    format!("Model: {} — {why}. {eqs}", m.model.label())
}

/// The degradation sections of the sheet (governing model year by year,
/// then every model side by side) and the warnings on the model's fit.
fn degradation_sheet(
    case: &PeakCase,
    battery: Option<&CatalogEntry>,
    life: &LifeRun,
    sb: &mut SheetBuilder,
    diags: &mut Vec<SizingDiagnostic>,
) {
    let m = &case.aging;
    sb.section("Degradation", model_note(m));
    for y in &life.years {
        sb.text(
            LineKind::Result,
            &format!("Year {}", y.year),
            &format!(
                "SOH {:.3} → {:.3}, {:.0} full cycles, calendar loss {:.3}, cycle loss {:.3}, unserved {:.1} kWh",
                y.soh_start, y.soh_end, y.full_cycles, y.calendar_loss, y.cycle_loss, y.unserved_kwh
            ),
            "",
        );
    }
    let n = case.project_years as usize;
    sb.section(
        "Degradation models side by side",
        "Every model on the same dispatch (the governing model's capacity each year); the spread between them is the uncertainty of the ageing model. The SAM-form model uses the [aging] parameters of the case.",
    );
    let mut picks: Vec<usize> = [5, 10, n].into_iter().filter(|&y| y >= 1 && y <= n).collect();
    picks.dedup();
    let mut ends = Vec::new();
    for (k, v) in &life.spread {
        let at: Vec<String> = picks.iter().filter_map(|&y| v.get(y - 1).map(|x| format!("year {y} {x:.3}"))).collect();
        let below = v.iter().position(|x| *x < case.eol_soh).map_or(format!("stays above {} for {n} years", fmt_num(case.eol_soh)), |i| {
            format!("below {} in year {}", fmt_num(case.eol_soh), i + 1)
        });
        let label = if *k == m.model { format!("{} (governing)", k.label()) } else { k.label().to_owned() };
        sb.text(LineKind::Result, &label, &format!("SOH {}; {below}", at.join(", ")), k.key());
        if let Some(x) = v.last().filter(|x| x.is_finite()) {
            ends.push(*x);
        }
    }
    if ends.len() > 1 {
        let hi = ends.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lo = ends.iter().copied().fold(f64::INFINITY, f64::min);
        sb.result(
            &format!("Spread of SOH at year {n} between the models"),
            "ΔSOH",
            &format!("max − min = {} − {}", fmt_num(hi), fmt_num(lo)),
            hi - lo,
            "",
        );
    }
    use backstop_model::catalog::CellChemistry as Ch;
    if let Some(chem) = battery.and_then(|e| e.battery.as_ref()).map(|b| b.chemistry) {
        let mismatch = match m.model {
            AgingModelKind::BlastLiteLfp => matches!(chem, Ch::Nmc | Ch::Nca),
            AgingModelKind::BlastLiteNmc => matches!(chem, Ch::Lfp),
            AgingModelKind::SamParametric => false,
        };
        if mismatch {
            diags.push(diag::warning(
                "aging.model",
                "aging-model",
                format!(
                    "the battery is {} but the ageing model is {}; set aging.model = \"{}\"",
                    chem.label(),
                    m.model.label(),
                    if chem == Ch::Lfp { AgingModelKind::BlastLiteLfp.key() } else { AgingModelKind::BlastLiteNmc.key() }
                ),
            ));
        }
    }
    if let Some((lo, hi)) = crate::aging::tested_temperatures(m.model)
        && !(lo..=hi).contains(&case.battery_temp_c)
    {
        diags.push(diag::warning(
            "battery_temp_c",
            "aging-model",
            format!(
                "{} °C is outside the cycling temperatures the {} model was fitted on ({lo}–{hi} °C): its cycle fade is extrapolated; compare the models side by side",
                show(case.battery_temp_c),
                m.model.label()
            ),
        ));
    }
}

/// Sizes a peak-shaving case on `profile`.
pub fn size_peak(case: &PeakCase, profile: &LoadProfile, catalog: &[CatalogEntry]) -> PeakResult {
    let name = if case.name.is_empty() { "Peak-shaving case".to_owned() } else { case.name.clone() };
    let mut sb = SheetBuilder::new(format!("Peak-shaving sizing — {name}"));
    let mut diags = validate_case(case);
    let mut out = PeakResult { case_name: name, profile: profile.summary.clone(), ..PeakResult::default() };
    let dt_h = profile.dt_h();
    let kw = &profile.kw;
    sb.section("Load profile", "");
    sb.input("Intervals", "n", kw.len() as f64, "", "profile");
    sb.input("Interval", "Δt", f64::from(profile.interval_min), "min", "profile");
    sb.text(LineKind::Input, "Period", &format!("{} to {}", profile.summary.start, profile.summary.end), "profile");
    sb.input("Peak load", "L_max", profile.summary.peak_kw, "kW", "profile");
    sb.input("Mean load", "L_mean", profile.summary.mean_kw, "kW", "profile");
    sb.input("Energy", "", profile.summary.energy_kwh, "kWh", "profile");
    for w in &profile.warnings {
        diags.push(diag::warning("profile", "profile", w.clone()));
    }
    if kw.is_empty() || !(dt_h > 0.0) {
        diags.push(diag::error("profile", "profile", "the load profile is empty"));
    }
    // Loads the energy walk cannot carry: not finite, or beyond one site
    // (they would overflow the sums rather than give a size).
    let bad = implausible_loads(kw);
    if let Some(&i) = bad.first() {
        diags.push(diag::unmet(
            "profile",
            "profile",
            format!(
                "the load of interval {} ({}) is {} kW, {} the plausible bound for one site (±{} kW){}; the profile cannot be sized — check the values and the unit of the load column",
                i + 1,
                profile.timestamp(i),
                show(kw[i]),
                if kw[i].is_finite() { "beyond" } else { "not a number within" },
                show(MAX_SITE_KW),
                if bad.len() > 1 { format!(", and so are {} more interval(s)", bad.len() - 1) } else { String::new() }
            ),
            MAX_SITE_KW,
            kw[i],
            "kW",
        ));
    }
    sb.section("Inputs", "");
    if let Some(t) = case.threshold_kw {
        sb.input("Demand threshold", "T", t, "kW", "case input");
    }
    sb.factor("PCS efficiency", "η_PCS", "", case.pcs_efficiency, "case input");
    sb.factor("Battery charge efficiency", "η_chg", "", case.charge_efficiency, "case input");
    sb.factor("Battery discharge efficiency", "η_dis", "", case.discharge_efficiency, "case input");
    sb.input("SOC window", "SOC_min…SOC_max", case.soc_max - case.soc_min, "", &format!("{}–{} (case input)", case.soc_min, case.soc_max));
    sb.factor("End-of-life state of health", "SOH_EOL", "", case.eol_soh, "case input");
    sb.input("Project life", "", f64::from(case.project_years), "years", "case input");
    sb.input("Battery temperature", "T_cell", case.battery_temp_c, "°C", "case input");
    if has_error(&diags) {
        sb.diagnostics(&diags);
        out.diagnostics = diags;
        out.sheet = sb.finish();
        return out;
    }

    let eta_dis = case.pcs_efficiency * case.discharge_efficiency;
    let eta_chg = case.pcs_efficiency * case.charge_efficiency;
    let window = case.soc_max - case.soc_min;
    let battery = case.battery_key.as_deref().and_then(|k| {
        let e = find(catalog, k);
        match e {
            None => {
                diags.push(diag::error("battery_key", "catalog", format!("no catalog entry \"{k}\"")));
                None
            }
            Some(e) if e.battery.is_none() => {
                diags.push(diag::error("battery_key", "catalog", format!("\"{k}\" is not a battery")));
                None
            }
            Some(e) => {
                let errs: Vec<_> = validate_entry(e).into_iter().filter(|f| !f.warning).collect();
                for f in &errs {
                    diags.push(diag::error(&format!("catalog[{k}].{}", f.field), "catalog", f.message.clone()));
                }
                errs.is_empty().then_some(e)
            }
        }
    });
    let pcs = case.pcs_key.as_deref().and_then(|k| match find(catalog, k).and_then(|e| e.converter.as_ref().map(|c| (e, c))) {
        Some(x) => Some(x),
        None => {
            diags.push(diag::error("pcs_key", "catalog", format!("no PCS entry \"{k}\" in the catalog")));
            None
        }
    });
    let c_max = battery.and_then(|e| e.battery.as_ref()).map(|b| b.continuous_c.value);
    let profile_days = kw.len() as f64 * dt_h / 24.0;
    let repeat = if profile_days >= 1.0 { format!("{profile_days:.0}-day") } else { format!("{}-day", fmt_num(profile_days)) };
    let peak_kw = profile.summary.peak_kw;
    // Charging power at the battery (DC): the grid limit, or the shaving power.
    let chg_ac = |power: f64| case.max_charge_kw.unwrap_or(power);
    let point_for = |t: f64| -> Result<(ThresholdPoint, Walk), String> {
        let p = WalkParams { threshold_kw: t, eta_dis, eta_chg, max_charge_kw: case.max_charge_kw };
        let w = walk(kw, dt_h, &p);
        let mut nameplate = w.usable_kwh / (window * case.eol_soh);
        if let Some(c) = c_max {
            let p_dc = w.power_kw / case.pcs_efficiency;
            let p_chg_dc = chg_ac(w.power_kw) * case.pcs_efficiency;
            nameplate = nameplate.max(p_dc.max(p_chg_dc) / c);
        }
        for (what, v) in [
            ("power", w.power_kw),
            ("usable energy", w.usable_kwh),
            ("nameplate energy", nameplate),
            ("deficit growth", w.deficit_growth_kwh),
        ] {
            if !v.is_finite() {
                return Err(format!(
                    "at the threshold {} kW the {what} is not a finite number: the profile's loads (peak {} kW, {} intervals) overflow the energy walk; check the load profile",
                    show(t),
                    show(peak_kw),
                    kw.len()
                ));
            }
        }
        Ok((
            ThresholdPoint {
                threshold_kw: t,
                power_kw: w.power_kw,
                usable_kwh: w.usable_kwh,
                nameplate_kwh: nameplate,
                events: w.events,
                events_not_full: w.events_not_full,
                feasible: w.deficit_growth_kwh == 0.0,
            },
            w,
        ))
    };

    // Sweep.
    if let Some(s) = &case.sweep {
        let n = s.steps.max(2);
        for i in 0..n {
            let t = s.from_kw + (s.to_kw - s.from_kw) * f64::from(i) / f64::from(n - 1);
            match point_for(t) {
                Ok((p, _)) => out.sweep.push(p),
                Err(m) => {
                    diags.push(diag::error("profile", "non-finite", m));
                    break;
                }
            }
        }
        sb.section("Threshold sweep", "Power and nameplate energy needed per threshold (nameplate = usable ÷ (SOC window × SOH_EOL), raised for the C-rate when a battery is named).");
        for p in &out.sweep {
            sb.text(
                LineKind::Result,
                &format!("T = {} kW", fmt_num(p.threshold_kw)),
                &format!(
                    "P = {} kW, usable {} kWh, nameplate {} kWh, {} events{}",
                    fmt_num(p.power_kw),
                    fmt_num(p.usable_kwh),
                    fmt_num(p.nameplate_kwh),
                    p.events,
                    if p.feasible { "" } else { ", NOT sustainable (recharge falls short)" }
                ),
                "",
            );
        }
        let mk = |id: &str, label: &str, y: &str, f: &dyn Fn(&ThresholdPoint) -> f64| ChartSeries {
            id: id.into(),
            label: label.into(),
            x_label: "Threshold".into(),
            x_unit: "kW".into(),
            y_label: y.into(),
            y_unit: if y == "Power" { "kW".into() } else { "kWh".into() },
            points: out.sweep.iter().filter(|p| p.feasible).map(|p| [p.threshold_kw, f(p)]).collect(),
        };
        let c1 = mk("power-vs-threshold", "PCS power vs threshold", "Power", &|p| p.power_kw);
        let c2 = mk("energy-vs-threshold", "Nameplate energy vs threshold", "Energy", &|p| p.nameplate_kwh);
        out.charts.push(c1);
        out.charts.push(c2);
    }

    // The chosen threshold.
    let chosen = match case.threshold_kw.map(|t| (t, point_for(t))) {
        Some((_, Err(m))) => {
            diags.push(diag::error("profile", "non-finite", m));
            None
        }
        Some((t, Ok((pt, w)))) => Some((t, pt, w)),
        None => None,
    };
    if let Some((t, pt, w)) = chosen {
        let p_dc = pt.power_kw / case.pcs_efficiency;
        let p_chg = chg_ac(pt.power_kw);
        let p_chg_dc = p_chg * case.pcs_efficiency;
        sb.section(
            "Power",
            "P = max_t (L_t − T) at the PCS (AC); P_dc = P ÷ η_PCS. Charging: P_chg (AC, the grid limit or P), P_chg,dc = P_chg × η_PCS.",
        );
        sb.result("PCS power", "P", &format!("max(0, L_max − T) = max(0, {} − {})", fmt_num(peak_kw), fmt_num(t)), pt.power_kw, "kW");
        sb.calc(
            "Battery DC power",
            "P_dc",
            &format!("P ÷ η_PCS = {} ÷ {}", fmt_num(pt.power_kw), fmt_num(case.pcs_efficiency)),
            p_dc,
            "kW",
        );
        sb.calc("Grid charging limit", "P_chg", if case.max_charge_kw.is_some() { "case input" } else { "P (default)" }, p_chg, "kW");
        sb.calc(
            "Battery DC charging power",
            "P_chg,dc",
            &format!("P_chg × η_PCS = {} × {}", fmt_num(p_chg), fmt_num(case.pcs_efficiency)),
            p_chg_dc,
            "kW",
        );
        sb.section(
            "Energy",
            "Deficit walk from full: above T, D += (L − T)·Δt ÷ (η_PCS·η_dis); below T, D −= min(P_chg, T − L)·Δt·η_PCS·η_chg (D ≥ 0). Usable = max D.",
        );
        sb.calc("Energy above the threshold", "E_shave", "Σ (L − T)⁺·Δt", w.shaved_kwh, "kWh");
        sb.result("Usable energy", "E_use", "max D", pt.usable_kwh, "kWh");
        let e_np = pt.usable_kwh / (window * case.eol_soh);
        sb.calc(
            "Nameplate for the SOC window and EOL",
            "E_np",
            &format!("E_use ÷ (window × SOH_EOL) = {} ÷ ({} × {})", fmt_num(pt.usable_kwh), fmt_num(window), fmt_num(case.eol_soh)),
            e_np,
            "kWh",
        );
        if let Some(c) = c_max {
            let e_c = p_dc.max(p_chg_dc) / c;
            sb.calc(
                "Nameplate for the C-rate",
                "E_C",
                &format!("max(P_dc, P_chg,dc) ÷ C = max({}, {}) ÷ {}", fmt_num(p_dc), fmt_num(p_chg_dc), fmt_num(c)),
                e_c,
                "kWh",
            );
            sb.result(
                "Nameplate energy needed",
                "E",
                &format!("max(E_np, E_C) = max({}, {})", fmt_num(e_np), fmt_num(e_c)),
                pt.nameplate_kwh,
                "kWh",
            );
        } else {
            sb.result("Nameplate energy needed", "E", "E_np", pt.nameplate_kwh, "kWh");
        }
        sb.section("Recharge", "");
        sb.calc("Shaving events", "", "runs of intervals above T", f64::from(pt.events), "");
        sb.calc("Events starting before the battery refilled", "", "", f64::from(pt.events_not_full), "");
        sb.check(
            "Threshold sustainable when the profile repeats",
            &format!("deficit growth per repeat of the {repeat} profile = {} kWh", fmt_num(w.deficit_growth_kwh)),
            pt.feasible,
        );
        if !pt.feasible {
            diags.push(diag::unmet(
                "threshold_kw",
                "recharge",
                format!(
                    "the threshold {} kW cannot be held: below it there is not enough headroom to recharge, and the deficit grows by {:.0} kWh each time the {repeat} profile repeats; raise the threshold or the charging power",
                    show(t),
                    w.deficit_growth_kwh
                ),
                0.0,
                w.deficit_growth_kwh,
                "kWh per repeat",
            ));
        } else if pt.events_not_full > 0 {
            diags.push(diag::info(
                "threshold_kw",
                "recharge",
                format!(
                    "{} of {} events start before the battery has refilled; the energy walk accounts for it",
                    pt.events_not_full, pt.events
                ),
            ));
        }
        if pt.power_kw <= 0.0 {
            diags.push(diag::info(
                "threshold_kw",
                "threshold",
                format!("the threshold {} kW is at or above the peak {} kW: no battery is needed", show(t), show(peak_kw)),
            ));
        }
        if pt.feasible && pt.power_kw > 0.0 {
            let mut sizing = PeakSizing { point: pt.clone(), installed_kwh: pt.nameplate_kwh, ..PeakSizing::default() };
            if let Some(e) = battery {
                let unit_kwh = e.energy_kwh();
                let n = ceil_u32(pt.nameplate_kwh / unit_kwh).unwrap_or(0).max(1);
                sizing.battery_units = Some(n);
                sizing.installed_kwh = f64::from(n) * unit_kwh;
                let (w_mm, d_mm, _) = e.dimensions_mm();
                sizing.footprint_m2 = f64::from(n) * w_mm * d_mm / 1e6;
                sizing.cost += f64::from(n) * e.cost.value;
                sb.section("Battery units", e.display_name());
                sb.data(
                    "Energy per unit",
                    "E_u",
                    unit_kwh,
                    "kWh",
                    &e.battery.as_ref().map_or(String::new(), |b| b.energy_wh.source.clone()),
                );
                sb.result("Units", "n", &format!("⌈E ÷ E_u⌉ = ⌈{} ÷ {}⌉", fmt_num(pt.nameplate_kwh), fmt_num(unit_kwh)), f64::from(n), "");
                sb.result("Installed energy", "E_inst", &format!("n × E_u = {n} × {}", fmt_num(unit_kwh)), sizing.installed_kwh, "kWh");
            }
            if let Some((e, c)) = pcs {
                // The PCS carries the discharge and the charging power.
                let rated = c.rated_kw.value;
                let n = ceil_u32(pt.power_kw.max(p_chg) / rated).unwrap_or(0).max(1);
                sizing.pcs_units = Some(n);
                sizing.cost += f64::from(n) * e.cost.value;
                sb.data("PCS rated power", "P_PCS", rated, "kW", &c.rated_kw.source);
                sb.result(
                    "PCS units",
                    "",
                    &format!("⌈max(P, P_chg) ÷ P_PCS⌉ = ⌈max({}, {}) ÷ {}⌉", fmt_num(pt.power_kw), fmt_num(p_chg), fmt_num(rated)),
                    f64::from(n),
                    "",
                );
            }
            sizing.c_rate = p_dc.max(p_chg_dc) / sizing.installed_kwh;
            sb.result(
                "Highest C-rate on the installed energy",
                "",
                &format!(
                    "max(P_dc, P_chg,dc) ÷ E_inst = max({}, {}) ÷ {}",
                    fmt_num(p_dc),
                    fmt_num(p_chg_dc),
                    fmt_num(sizing.installed_kwh)
                ),
                sizing.c_rate,
                "1/h",
            );
            if let Some(c) = c_max {
                sb.check(
                    "C-rate within the continuous rating",
                    &format!("{} ≤ {}", fmt_num(sizing.c_rate), fmt_num(c)),
                    sizing.c_rate <= c + 1e-9,
                );
            }

            // Degradation.
            let params = WalkParams { threshold_kw: t, eta_dis, eta_chg, max_charge_kw: case.max_charge_kw };
            let bat = Dispatch {
                capacity_kwh: sizing.installed_kwh,
                soc_min: case.soc_min,
                soc_max: case.soc_max,
                power_kw: pt.power_kw,
                charge_kw: p_chg,
            };
            let aging = Aging { model: &case.aging, temp_c: case.battery_temp_c };
            let life = life_models(kw, dt_h, &params, &bat, &aging, case.project_years);
            degradation_sheet(case, battery, &life, &mut sb, &mut diags);
            let non_finite = life.years.iter().find(|y| {
                ![y.soh_start, y.soh_end, y.full_cycles, y.calendar_loss, y.cycle_loss, y.unserved_kwh].iter().all(|v| v.is_finite())
            });
            let years = if let Some(y) = non_finite {
                diags.push(diag::error(
                    "aging.model",
                    "non-finite",
                    format!(
                        "the ageing model ({}) gave no finite capacity in year {} at {} °C; check battery_temp_c and the [aging] parameters",
                        case.aging.model.label(),
                        y.year,
                        show(case.battery_temp_c)
                    ),
                ));
                Vec::new()
            } else {
                life.years.clone()
            };
            sizing.aging_spread = life
                .spread
                .iter()
                .filter(|(_, v)| v.iter().all(|x| x.is_finite()))
                .map(|(k, v)| AgingOutcome {
                    model: *k,
                    governing: *k == case.aging.model,
                    soh_by_year: v.clone(),
                    year_below_eol: v.iter().position(|x| *x < case.eol_soh).map(|i| i as u32 + 1),
                })
                .collect();
            if let Some(y) = years.iter().find(|y| y.soh_end < case.eol_soh) {
                diags.push(diag::unmet(
                    "eol_soh",
                    "end-of-life",
                    format!(
                        "the modelled state of health ({}) falls to {:.3} in year {}, below the {} the battery was sized for; plan augmentation before year {} or size for a lower end-of-life SOH",
                        case.aging.model.label(),
                        y.soh_end,
                        y.year,
                        case.eol_soh,
                        y.year
                    ),
                    case.eol_soh,
                    y.soh_end,
                    "",
                ));
                if let Some(d) = diags.last_mut() {
                    d.severity = backstop_model::sizing::DiagSeverity::Warning;
                }
            }
            if let Some(y) = years.iter().find(|y| y.unserved_kwh > 1e-6) {
                diags.push(diag::warning(
                    "threshold_kw",
                    "unserved",
                    format!("in year {} the aged battery leaves {:.1} kWh above the threshold unserved", y.year, y.unserved_kwh),
                ));
            }
            if !years.is_empty() {
                out.charts.push(ChartSeries {
                    id: "soh-by-year".into(),
                    label: "State of health at year end".into(),
                    x_label: "Year".into(),
                    x_unit: "".into(),
                    y_label: "SOH".into(),
                    y_unit: "%".into(),
                    points: std::iter::once([0.0, 100.0]).chain(years.iter().map(|y| [f64::from(y.year), y.soh_end * 100.0])).collect(),
                });
            }
            if let Some(run) = &life.first {
                let per_day = ((24.0 / dt_h).round() as usize).max(1);
                let mut mins = Vec::new();
                let mut maxs = Vec::new();
                for (d, chunk) in run.soc.chunks(per_day).enumerate() {
                    let (lo, hi) = range_of(chunk);
                    if lo.is_finite() && hi.is_finite() {
                        mins.push([d as f64 + 1.0, lo * 100.0]);
                        maxs.push([d as f64 + 1.0, hi * 100.0]);
                    }
                }
                let soc_series = |id: &str, label: &str, pts: Vec<[f64; 2]>| ChartSeries {
                    id: id.into(),
                    label: label.into(),
                    x_label: "Day".into(),
                    x_unit: "".into(),
                    y_label: "SOC".into(),
                    y_unit: "%".into(),
                    points: pts,
                };
                out.charts.push(soc_series("soc-year1-daily-min", "SOC, year 1, daily minimum", mins));
                out.charts.push(soc_series("soc-year1-daily-max", "SOC, year 1, daily maximum", maxs));
            }
            sizing.years = years;
            if sizing.c_rate.is_finite() {
                out.sizing = Some(sizing);
            } else {
                diags.push(diag::error(
                    "profile",
                    "non-finite",
                    "the C-rate on the installed energy is not a finite number; check the load profile",
                ));
            }
        }
    }
    sb.diagnostics(&diags);
    out.diagnostics = diags;
    out.sheet = sb.finish();
    out
}
