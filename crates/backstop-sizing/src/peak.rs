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
    ChartSeries, LineKind, PeakCase, PeakResult, PeakSizing, SizingDiagnostic, ThresholdPoint, YearCapacity,
};

use crate::catalog::{find, validate_entry};
use crate::diag::{self, check_range, has_error};
use crate::num::{ceil_u32, or_zero};
use crate::profile::LoadProfile;
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
            let inn = p_chg.min(p.threshold_kw - l) * dt_h * p.eta_chg;
            d = (d - inn).max(0.0);
        }
    }
    (d, d_max, events, not_full)
}

/// Walks the profile for one threshold.
pub fn walk(kw: &[f64], dt_h: f64, p: &WalkParams) -> Walk {
    let peak = kw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let power = (peak - p.threshold_kw).max(0.0);
    let shaved: f64 = kw.iter().map(|&l| (l - p.threshold_kw).max(0.0) * dt_h).sum();
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
        d.push(diag::error("threshold_kw", "input", "give threshold_kw (kW to shave to), a sweep, or both"));
    }
    if let Some(t) = case.threshold_kw {
        check_range(&mut d, "threshold_kw", t, 1e-6, 1e9, "kW");
    }
    if let Some(s) = &case.sweep {
        let a = check_range(&mut d, "sweep.from_kw", s.from_kw, 1e-6, 1e9, "kW");
        let b = check_range(&mut d, "sweep.to_kw", s.to_kw, 1e-6, 1e9, "kW");
        if a && b && s.from_kw >= s.to_kw {
            d.push(diag::error("sweep.to_kw", "input", format!("sweep.to_kw {} must exceed sweep.from_kw {}", s.to_kw, s.from_kw)));
        }
        if !(2..=1000).contains(&s.steps) {
            d.push(diag::error("sweep.steps", "input", format!("sweep.steps must be 2–1000 (found {})", s.steps)));
        }
    }
    check_range(&mut d, "pcs_efficiency", case.pcs_efficiency, 0.5, 1.0, "");
    check_range(&mut d, "charge_efficiency", case.charge_efficiency, 0.5, 1.0, "");
    check_range(&mut d, "discharge_efficiency", case.discharge_efficiency, 0.5, 1.0, "");
    let a = check_range(&mut d, "soc_min", case.soc_min, 0.0, 0.9, "");
    let b = check_range(&mut d, "soc_max", case.soc_max, 0.1, 1.0, "");
    if a && b && case.soc_max - case.soc_min < 0.05 {
        d.push(diag::error("soc_max", "input", format!("the SOC window {}–{} is narrower than 5 %", case.soc_min, case.soc_max)));
    }
    check_range(&mut d, "eol_soh", case.eol_soh, 0.3, 1.0, "");
    if let Some(c) = case.max_charge_kw {
        check_range(&mut d, "max_charge_kw", c, 0.0, 1e9, "kW");
    }
    if !(1..=50).contains(&case.project_years) {
        d.push(diag::error("project_years", "input", format!("project_years must be 1–50 (found {})", case.project_years)));
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

/// Dispatches one year (threshold control) and returns the SOC history.
pub fn dispatch_year(kw: &[f64], dt_h: f64, p: &WalkParams, bat: &Dispatch, soc0: f64) -> YearRun {
    let cap = bat.capacity_kwh.max(1e-9);
    let e_min = bat.soc_min * cap;
    let e_max = bat.soc_max * cap;
    let mut e = (soc0 * cap).clamp(e_min, e_max);
    let mut soc = Vec::with_capacity(kw.len());
    let mut unserved = 0.0;
    let mut sum = 0.0;
    for &l in kw {
        if l > p.threshold_kw {
            let want_ac = (l - p.threshold_kw).min(bat.power_kw);
            let short_power = (l - p.threshold_kw) - want_ac;
            let need_dc = want_ac * dt_h / p.eta_dis;
            let got_dc = need_dc.min(e - e_min).max(0.0);
            e -= got_dc;
            unserved += short_power * dt_h + (need_dc - got_dc) * p.eta_dis;
        } else {
            let inn = bat.charge_kw.min(p.threshold_kw - l) * dt_h * p.eta_chg;
            e = (e + inn).min(e_max);
        }
        let s = e / cap;
        sum += s;
        soc.push(s);
    }
    let mean = if soc.is_empty() { soc0 } else { sum / soc.len() as f64 };
    YearRun { soc, unserved_kwh: unserved, mean_soc: mean }
}

/// Runs the degradation model year by year and returns the capacity table.
pub fn life(kw: &[f64], dt_h: f64, p: &WalkParams, bat: &Dispatch, aging: &Aging<'_>, years: u32) -> (Vec<YearCapacity>, Option<YearRun>) {
    let profile_days = kw.len() as f64 * dt_h / 24.0;
    let scale = if profile_days > 0.0 { 365.0 / profile_days } else { 1.0 };
    let mut out = Vec::with_capacity(years as usize);
    let mut soh = 1.0_f64;
    let mut dq_cal = 0.0_f64;
    let mut cyc_loss = 0.0_f64;
    let mut first: Option<YearRun> = None;
    let q0 = aging.model.calendar_q0;
    for y in 1..=years {
        let b = Dispatch { capacity_kwh: bat.capacity_kwh * soh.max(0.0), ..*bat };
        let run = dispatch_year(kw, dt_h, p, &b, bat.soc_max);
        let cycles = rainflow::count_cycles(&run.soc);
        // SOC is relative to the current capacity; depth in nameplate terms
        // scales with SOH, but the cycle-life rating is per current capacity too.
        let damage: f64 = cycles.iter().map(|c| c.count * aging.loss_per_cycle(c.range)).sum::<f64>() * scale;
        let efc = rainflow::equivalent_full_cycles(&cycles) * scale;
        cyc_loss += damage;
        let k = aging.k_cal(run.mean_soc);
        dq_cal = (dq_cal * dq_cal + k * k * 365.0).sqrt();
        let soh_end = ((q0.min(1.0) - dq_cal) - cyc_loss).max(0.0);
        out.push(YearCapacity {
            year: y,
            soh_start: or_zero(soh),
            soh_end: or_zero(soh_end),
            full_cycles: or_zero(efc),
            calendar_loss: or_zero(1.0 - q0.min(1.0) + dq_cal),
            cycle_loss: or_zero(cyc_loss),
            unserved_kwh: or_zero(run.unserved_kwh * scale),
        });
        soh = soh_end;
        if first.is_none() {
            first = Some(run);
        }
    }
    (out, first)
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
    let point_for = |t: f64| -> (ThresholdPoint, Walk) {
        let p = WalkParams { threshold_kw: t, eta_dis, eta_chg, max_charge_kw: case.max_charge_kw };
        let w = walk(kw, dt_h, &p);
        let mut nameplate = w.usable_kwh / (window * case.eol_soh);
        if let Some(c) = c_max {
            let p_dc = w.power_kw / case.pcs_efficiency;
            let p_chg_dc = case.max_charge_kw.unwrap_or(w.power_kw) * case.pcs_efficiency;
            nameplate = nameplate.max(p_dc.max(p_chg_dc) / c);
        }
        (
            ThresholdPoint {
                threshold_kw: t,
                power_kw: or_zero(w.power_kw),
                usable_kwh: or_zero(w.usable_kwh),
                nameplate_kwh: or_zero(nameplate),
                events: w.events,
                events_not_full: w.events_not_full,
                feasible: w.deficit_growth_kwh == 0.0,
            },
            w,
        )
    };

    // Sweep.
    if let Some(s) = &case.sweep {
        let n = s.steps.max(2);
        for i in 0..n {
            let t = s.from_kw + (s.to_kw - s.from_kw) * f64::from(i) / f64::from(n - 1);
            out.sweep.push(point_for(t).0);
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
    if let Some(t) = case.threshold_kw {
        let (pt, w) = point_for(t);
        sb.section(
            "Power",
            "P = max_t (L_t − T) at the PCS (AC); P_dc = P ÷ η_PCS.",
        );
        sb.result("PCS power", "P", &format!("{} − {}", fmt_num(profile.summary.peak_kw), fmt_num(t)), pt.power_kw, "kW");
        sb.calc("Battery DC power", "P_dc", "P ÷ η_PCS", pt.power_kw / case.pcs_efficiency, "kW");
        sb.section(
            "Energy",
            "Deficit walk from full: above T, D += (L − T)·Δt ÷ (η_PCS·η_dis); below T, D −= min(P_chg, T − L)·Δt·η_PCS·η_chg (D ≥ 0). Usable = max D.",
        );
        sb.calc("Energy above the threshold", "E_shave", "Σ (L − T)⁺·Δt", w.shaved_kwh, "kWh");
        sb.calc("Grid charging limit", "P_chg", if case.max_charge_kw.is_some() { "case input" } else { "P (default)" }, case.max_charge_kw.unwrap_or(pt.power_kw), "kW");
        sb.result("Usable energy", "E_use", "max D", pt.usable_kwh, "kWh");
        sb.calc(
            "Nameplate for the SOC window and EOL",
            "E_np",
            &format!("E_use ÷ (window × SOH_EOL) = {} ÷ ({} × {})", fmt_num(pt.usable_kwh), fmt_num(window), case.eol_soh),
            pt.usable_kwh / (window * case.eol_soh),
            "kWh",
        );
        if let Some(c) = c_max {
            sb.calc("Nameplate for the C-rate", "E_C", &format!("max(P_dc, P_chg,dc) ÷ {c} C"), (pt.power_kw / case.pcs_efficiency) / c, "kWh");
        }
        sb.result("Nameplate energy needed", "E", "", pt.nameplate_kwh, "kWh");
        sb.section("Recharge", "");
        sb.calc("Shaving events", "", "runs of intervals above T", f64::from(pt.events), "");
        sb.calc("Events starting before the battery refilled", "", "", f64::from(pt.events_not_full), "");
        sb.check(
            "Threshold sustainable year over year",
            &format!("deficit growth when the year repeats = {} kWh", fmt_num(w.deficit_growth_kwh)),
            pt.feasible,
        );
        if !pt.feasible {
            diags.push(diag::unmet(
                "threshold_kw",
                "recharge",
                format!(
                    "the threshold {t} kW cannot be held: below it there is not enough headroom to recharge, and the deficit grows by {:.0} kWh each year; raise the threshold or the charging power",
                    w.deficit_growth_kwh
                ),
                0.0,
                w.deficit_growth_kwh,
                "kWh/year",
            ));
        } else if pt.events_not_full > 0 {
            diags.push(diag::info(
                "threshold_kw",
                "recharge",
                format!("{} of {} events start before the battery has refilled; the energy walk accounts for it", pt.events_not_full, pt.events),
            ));
        }
        if pt.power_kw <= 0.0 {
            diags.push(diag::info("threshold_kw", "threshold", format!("the threshold {t} kW is at or above the peak {} kW: no battery is needed", profile.summary.peak_kw)));
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
                sb.data("Energy per unit", "E_u", unit_kwh, "kWh", &e.battery.as_ref().map_or(String::new(), |b| b.energy_wh.source.clone()));
                sb.result("Units", "n", &format!("⌈{} ÷ {}⌉", fmt_num(pt.nameplate_kwh), fmt_num(unit_kwh)), f64::from(n), "");
                sb.result("Installed energy", "", "", sizing.installed_kwh, "kWh");
            }
            if let Some((e, c)) = pcs {
                let n = ceil_u32(pt.power_kw / c.rated_kw.value).unwrap_or(0).max(1);
                sizing.pcs_units = Some(n);
                sizing.cost += f64::from(n) * e.cost.value;
                sb.result("PCS units", "", &format!("⌈{} ÷ {}⌉", fmt_num(pt.power_kw), c.rated_kw.value), f64::from(n), "");
            }
            sizing.c_rate = or_zero(pt.power_kw / case.pcs_efficiency / sizing.installed_kwh);
            sb.result("C-rate at peak power", "", "P_dc ÷ E_installed", sizing.c_rate, "1/h");
            if let Some(c) = c_max {
                sb.check("C-rate within the continuous rating", &format!("{:.3} ≤ {c}", sizing.c_rate), sizing.c_rate <= c + 1e-9);
            }

            // Degradation.
            let params = WalkParams { threshold_kw: t, eta_dis, eta_chg, max_charge_kw: case.max_charge_kw };
            let bat = Dispatch {
                capacity_kwh: sizing.installed_kwh,
                soc_min: case.soc_min,
                soc_max: case.soc_max,
                power_kw: pt.power_kw,
                charge_kw: case.max_charge_kw.unwrap_or(pt.power_kw),
            };
            let aging = Aging { model: &case.aging, temp_c: case.battery_temp_c };
            let (years, first) = life(kw, dt_h, &params, &bat, &aging, case.project_years);
            sb.section(
                "Degradation",
                format!(
                    "Calendar: q = q0 − k·√days, k = a·exp(b·(1/T − 1/296))·exp(c·(SOC/T − 1/296)) with a = {}, b = {}, c = {}, q0 = {}; cycles: rainflow (ASTM E1049) on the SOC history, loss per cycle = (1 − {}) ÷ ({} × (DoD/{})^−{}). Source: {}",
                    case.aging.calendar_a, case.aging.calendar_b, case.aging.calendar_c, case.aging.calendar_q0, case.aging.cycle_eol_soh, case.aging.cycles_to_eol, case.aging.cycle_ref_dod, case.aging.dod_exponent, case.aging.source
                ),
            );
            for y in &years {
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
            if let Some(y) = years.iter().find(|y| y.soh_end < case.eol_soh) {
                diags.push(diag::unmet(
                    "eol_soh",
                    "end-of-life",
                    format!(
                        "the modelled state of health falls to {:.3} in year {}, below the {} the battery was sized for; plan augmentation before year {} or size for a lower end-of-life SOH",
                        y.soh_end, y.year, case.eol_soh, y.year
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
            out.charts.push(ChartSeries {
                id: "soh-by-year".into(),
                label: "State of health at year end".into(),
                x_label: "Year".into(),
                x_unit: "".into(),
                y_label: "SOH".into(),
                y_unit: "%".into(),
                points: std::iter::once([0.0, 100.0]).chain(years.iter().map(|y| [f64::from(y.year), y.soh_end * 100.0])).collect(),
            });
            if let Some(run) = first {
                let per_day = ((24.0 / dt_h).round() as usize).max(1);
                let mut mins = Vec::new();
                let mut maxs = Vec::new();
                for (d, chunk) in run.soc.chunks(per_day).enumerate() {
                    let lo = chunk.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = chunk.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    mins.push([d as f64 + 1.0, or_zero(lo) * 100.0]);
                    maxs.push([d as f64 + 1.0, or_zero(hi) * 100.0]);
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
            out.sizing = Some(sizing);
        }
    }
    sb.diagnostics(&diags);
    out.diagnostics = diags;
    out.sheet = sb.finish();
    out
}
