//! Power smoothing (issue 15): validation against published and derived
//! known answers, and the diagnostics of bad input.
//!
//! Known answers (tolerance 0.1 % unless noted):
//! - **M1**, PV ramp-rate control (Marcos, Storkel, Marroyo, García,
//!   Lorenzo, "Storage requirements for PV power ramp-rate control", Solar
//!   Energy 99 (2014) 28–35): the worst case, output falling 90 % as
//!   P*·(0.1 + 0.9·e^(−t/τ)), for P* = 1 MW, 10 %/min, τ = 30 s needs
//!   E = P*·(0.9²/(2r) − 0.9·τ) = 60.000 kWh and P = P*·(0.9 − rτ(1 +
//!   ln(0.9/(rτ)))) = 0.7055 MW — by the closed forms and by simulating
//!   the fall at 0.05 s.
//! - **S1**, job start: a 100 MW step held to 20 MW/min needs ΔP²/(2r) =
//!   4.167 MWh over 300 s at 100 MW.
//! - **W1**, square swing fully smoothed: 100 MW peak to peak, 2 s period,
//!   50 % duty: E = A·D·(1 − D)·T = 13.89 kWh, ±50 MW, 43,200 cycles a day.
//! - **L1**, first-order filter on that swing: the grid keeps A·tanh(T/(4τ_f))
//!   = 76.16 / 24.49 / 5.00 MW peak to peak for τ_f = 0.5 / 2 / 10 s, and the
//!   storage τ_f times that, 10.6 / 13.6 / 13.9 kWh (1 %).
//! - Micro-cycling life (note §6): that swing on a 10 MWh battery is 21,900
//!   equivalent full cycles a year: 0.274 years against 6,000 rated cycles.
//!
//! The numbers come from `power-smoothing.md` §7–8 of the project's
//! research notes (derived there and checked numerically); the formulas are
//! in `backstop_sizing::smooth::closed` with their sources.

use backstop_model::sizing::{AgingModel, DiagSeverity};
use backstop_model::sizing_smooth::{
    BankLimit, CheckStatus, LifeBasis, RampSweep, Requirement, RequirementKind, SmoothBattery, SmoothCase, SmoothController, SmoothResult,
    SmoothStart, SmoothSupercap, SyntheticProfile, VariationMeasure,
};
use backstop_sizing::smooth::sim::{Ctrl, Device, GridOnly, Plant, State, run};
use backstop_sizing::smooth::{PowerTrace, closed};
use backstop_sizing::{default_catalog, render_text, size_smooth};

fn within(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs()
}

/// An ideal battery: no lag, no loss, no restore, the whole SOC window, no ageing margin.
fn ideal_battery() -> SmoothBattery {
    SmoothBattery {
        response_s: 0.0,
        rte: 1.0,
        soc_min: 0.0,
        soc_max: 1.0,
        eol_soh: 1.0,
        restore_s: 0.0,
        c_rate: Some(100.0),
        ..SmoothBattery::default()
    }
}

fn case(controller: SmoothController, start: SmoothStart, requirements: Vec<Requirement>) -> SmoothCase {
    SmoothCase {
        name: "validation".into(),
        synthetic: None,
        requirements,
        controller,
        start,
        battery: Some(ideal_battery()),
        sweep: Some(RampSweep { from_mw_per_min: 10.0, to_mw_per_min: 20.0, steps: 2 }),
        ..SmoothCase::default()
    }
}

fn ramp_req(limit: f64) -> Requirement {
    Requirement {
        id: "ramp".into(),
        label: "ramp".into(),
        kind: RequirementKind::Ramp { limit_mw_per_min: limit, window_s: 60.0 },
        source: "test".into(),
        enabled: true,
    }
}

fn pp_req(max: f64, window: f64) -> Requirement {
    Requirement {
        id: "pp".into(),
        label: "peak to peak".into(),
        kind: RequirementKind::Variation { max_mw: max, window_s: window, band_hz: None, measure: VariationMeasure::PeakToPeak },
        source: "test".into(),
        enabled: true,
    }
}

fn no_errors(r: &SmoothResult) {
    let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == DiagSeverity::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{}", render_text(&r.sheet));
}

/// The Marcos et al. fall (or its mirror, a rise), sampled as interval
/// averages of the exponential: 10 s at the start level, then 1,200 s.
fn marcos_trace(dt: f64, fall: bool) -> PowerTrace {
    let tau = 30.0;
    let mut mw = vec![if fall { 1.0 } else { 0.1 }; (10.0 / dt) as usize];
    for k in 0..(1200.0 / dt) as usize {
        let t = k as f64 * dt;
        // Mean of 0.9·e^(−t/τ) over [t, t + dt].
        let decay = 0.9 * tau / dt * ((-t / tau).exp() - (-(t + dt) / tau).exp());
        mw.push(if fall { 0.1 + decay } else { 1.0 - decay });
    }
    PowerTrace::from_samples(dt, mw, "Marcos et al. worst case")
}

#[test]
fn m1_marcos_pv_ramp_closed_forms() {
    let r = 0.1 / 60.0; // 10 %/min of 1 MW, in pu/s
    assert!(within(closed::marcos_energy_mj(1.0, r, 30.0) / 3.6, 60.000, 1e-6), "{}", closed::marcos_energy_mj(1.0, r, 30.0) / 3.6);
    assert!(within(closed::marcos_power_mw(1.0, r, 30.0), 0.7055, 1e-3), "{}", closed::marcos_power_mw(1.0, r, 30.0));
}

#[test]
fn m1_marcos_pv_ramp_by_simulation() {
    let pv = Requirement {
        id: "pv".into(),
        label: "PV 10 %/min".into(),
        kind: RequirementKind::RampPercent { percent_per_min: 10.0, reference_mw: Some(1.0), window_s: 60.0 },
        source: "PREPA".into(),
        enabled: true,
    };
    for fall in [true, false] {
        let c = case(SmoothController::RampLimiter { ramp_mw_per_min: Some(0.1) }, SmoothStart::Steady, vec![pv.clone()]);
        let r = size_smooth(&c, Some(&marcos_trace(0.05, fall)), default_catalog());
        no_errors(&r);
        let b = r.battery.as_ref().expect("battery sized");
        let kwh = b.usable_mwh * 1000.0;
        // A fall is absorbed (charge), a rise supplied (discharge).
        let p = if fall { b.charge_mw } else { b.discharge_mw };
        assert!(within(kwh, 60.000, 1e-3), "fall {fall}: {kwh} kWh");
        assert!(within(p, 0.7055, 1e-3), "fall {fall}: {p} MW");
        assert_eq!(r.checks[0].status, CheckStatus::Pass, "{:#?}", r.checks);
        // The load alone ramps far faster than the limit.
        assert!(r.checks[0].load_value > 5.0 * r.checks[0].limit);
    }
}

#[test]
fn s1_job_start_held_to_20_mw_per_min() {
    let (e, p, t) = closed::step_held(100.0, 20.0 / 60.0, 0.0);
    assert!(within(e / 3600.0, 4.167, 1e-3) && p == 100.0 && within(t, 300.0, 1e-12), "{e} {p} {t}");
    // Simulated: 60 s at 0, then 100 MW.
    let dt = 0.1;
    let mut mw = vec![0.0; 600];
    mw.extend(std::iter::repeat_n(100.0, 9000));
    let trace = PowerTrace::from_samples(dt, mw.clone(), "step");
    let c = case(SmoothController::RampLimiter { ramp_mw_per_min: Some(20.0) }, SmoothStart::Steady, vec![ramp_req(20.0)]);
    let r = size_smooth(&c, Some(&trace), default_catalog());
    no_errors(&r);
    let b = r.battery.as_ref().unwrap();
    assert!(within(b.usable_mwh, 4.167, 1e-3), "{}", b.usable_mwh);
    assert!(within(b.discharge_mw, 100.0, 1e-3), "{}", b.discharge_mw);
    assert_eq!(r.checks[0].status, CheckStatus::Pass);
    // The storage supports the load for 300 s: the grid reaches 100 MW then.
    let plant = Plant {
        dt,
        ctrl: Ctrl::Ramp { step: 20.0 / 60.0 * dt },
        bat: Some(Device { gamma: 1.0, eta: 1.0, rc_s: 0.0, restore: 0.0, e_rest: 0.0, ff: 0.0, limits: None }),
        sc: None,
        split: 0.0,
    };
    let mut st = State::steady(&plant, 0.0);
    let mut g = GridOnly::default();
    run(&plant, &mut st, &mw, &mut g);
    let reached = g.g.iter().position(|v| *v >= 100.0 - 1e-9).unwrap();
    assert!(within((reached - 600 + 1) as f64 * dt, 300.0, 1e-3), "{}", (reached - 600 + 1) as f64 * dt);
}

#[test]
fn s1_the_synthetic_job_start_agrees_with_its_closed_form() {
    // A job that does not swing (low level = 1): its start is the S1 step.
    let p = SyntheticProfile {
        duration_s: 1200.0,
        dt_s: 0.1,
        base_mw: 0.0,
        job_mw: 100.0,
        low_level: 1.0,
        jitter: 0.0,
        noise: 0.0,
        checkpoint_interval_s: 0.0,
        job_start_s: 60.0,
        ..SyntheticProfile::default()
    };
    let mut c = case(SmoothController::RampLimiter { ramp_mw_per_min: Some(20.0) }, SmoothStart::Steady, vec![ramp_req(20.0)]);
    c.synthetic = Some(p);
    let r = size_smooth(&c, None, default_catalog());
    no_errors(&r);
    let cf = r.closed_form.iter().find(|x| x.label == "Job start held to the ramp: energy").expect("closed form");
    assert!(within(cf.value, 4.167, 1e-3), "{}", cf.value);
    assert!(within(r.battery.as_ref().unwrap().usable_mwh, cf.value, 1e-3), "{} vs {}", r.battery.as_ref().unwrap().usable_mwh, cf.value);
}

/// A square swing between 100 MW (first half) and 0, period 2 s.
fn square(dt: f64, seconds: f64) -> PowerTrace {
    let per_half = (1.0 / dt).round() as usize;
    let n = (seconds / dt).round() as usize;
    PowerTrace::from_samples(dt, (0..n).map(|k| if (k / per_half).is_multiple_of(2) { 100.0 } else { 0.0 }).collect(), "square swing")
}

#[test]
fn w1_square_swing_fully_smoothed() {
    let (e, dis, chg) = closed::square_full(100.0, 2.0, 0.5);
    assert!(within(e / 3.6, 13.89, 1e-3) && dis == 50.0 && chg == 50.0);
    // One day at 100 ms; a moving average over the period holds the grid at the mean.
    let c = case(SmoothController::MovingAverage { window_s: 2.0 }, SmoothStart::Periodic, vec![pp_req(1.0, 15.0)]);
    let r = size_smooth(&c, Some(&square(0.1, 86_400.0)), default_catalog());
    no_errors(&r);
    let b = r.battery.as_ref().unwrap();
    assert!(within(b.usable_mwh * 1000.0, 13.89, 1e-3), "{} kWh", b.usable_mwh * 1000.0);
    assert!(within(b.discharge_mw, 50.0, 1e-3) && within(b.charge_mw, 50.0, 1e-3), "{} {}", b.discharge_mw, b.charge_mw);
    let life = r.life.as_ref().unwrap();
    assert!(within(life.cycles_per_day, 43_200.0, 1e-3), "{}", life.cycles_per_day);
    assert!(r.checks[0].grid_value < 1e-6 && r.checks[0].load_value == 100.0, "{:?}", r.checks[0]);
}

#[test]
fn l1_first_order_filter_on_the_square_swing() {
    for (tau, pp, kwh) in [(0.5, 76.16, 10.58), (2.0, 24.49, 13.60), (10.0, 5.00, 13.88)] {
        let (g, e, _) = closed::square_first_order(100.0, 2.0, 0.5, tau);
        assert!(within(g, 100.0 * (2.0 / (4.0 * tau)).tanh(), 1e-12) && within(g, pp, 1e-3), "{tau}: {g}");
        assert!(within(e / 3.6, kwh, 1e-3), "{tau}: {}", e / 3.6);
        // Simulated, 10 minutes at 5 ms, periodic steady state (the grid's
        // samples are interval averages: its peaks are a little lower than the
        // continuous filter's, by about the slope at the end of a phase × Δt).
        let c = case(SmoothController::FirstOrder { tau_s: tau }, SmoothStart::Periodic, vec![pp_req(100.0, 10.0)]);
        let r = size_smooth(&c, Some(&square(0.005, 600.0)), default_catalog());
        no_errors(&r);
        let got = r.checks[0].grid_value;
        assert!(within(got, pp, 0.01), "τ_f = {tau}: grid {got} MW p-p, want {pp}");
        let kwh_sim = r.battery.as_ref().unwrap().usable_mwh * 1000.0;
        assert!(within(kwh_sim, kwh, 0.01), "τ_f = {tau}: storage {kwh_sim} kWh, want {kwh}");
    }
}

#[test]
fn micro_cycling_life_views_differ_by_orders_of_magnitude() {
    // The W1 swing on a 10 MWh battery (note §6): 0.139 % cycles, 43,200 a
    // day → 21,900 EFC a year; 6,000 rated cycles → 0.274 years by
    // throughput; the Wöhler curve with k = 2.03 gives centuries.
    let mut c = case(SmoothController::MovingAverage { window_s: 2.0 }, SmoothStart::Periodic, vec![]);
    c.battery = Some(SmoothBattery {
        energy_mwh: Some(10.0),
        power_mw: Some(60.0),
        aging: AgingModel { cycles_to_eol: 6000.0, cycle_ref_dod: 1.0, dod_exponent: 2.03, ..AgingModel::default() },
        ..ideal_battery()
    });
    let r = size_smooth(&c, Some(&square(0.1, 86_400.0)), default_catalog());
    let life = r.life.as_ref().expect("life");
    assert!(within(life.efc_per_year, 21_900.0, 2e-3), "{}", life.efc_per_year);
    assert!(within(life.life_throughput_years, 0.274, 5e-3), "{}", life.life_throughput_years);
    assert!(life.life_dod_years > 100.0 * life.life_throughput_years, "{}", life.life_dod_years);
    assert_eq!(life.governing, LifeBasis::Throughput);
    // Every ageing model ran on the duty.
    assert_eq!(life.aging_spread.len(), 3);
    assert!(r.diagnostics.iter().any(|d| d.constraint == "life"), "{:#?}", r.diagnostics);
    // All cycles are in the 0.1–1 % bin.
    let bin = life.histogram.iter().find(|h| h.dod_from <= 0.0014 && h.dod_to >= 0.0014).unwrap();
    assert!(within(bin.cycles_per_day, life.cycles_per_day, 1e-6));
}

#[test]
fn a_supercapacitor_bank_on_the_square_swing_is_power_limited() {
    let mut c = case(SmoothController::MovingAverage { window_s: 2.0 }, SmoothStart::Periodic, vec![pp_req(5.0, 15.0)]);
    c.battery = None;
    c.supercap = Some(SmoothSupercap { response_s: 0.0, ..SmoothSupercap::default() });
    let r = size_smooth(&c, Some(&square(0.1, 3600.0)), default_catalog());
    no_errors(&r);
    let s = r.supercap.as_ref().unwrap();
    assert_eq!(s.limit, BankLimit::PowerLimited);
    // ±50 MW at 3,016.6 W a cell plus the swing's energy over e_full:
    // at least 16,575 cells; ESR losses add a few per cent.
    assert!(s.cells_for_power >= 16_575 + 5_000 && s.cells_for_power < 26_000, "{}", s.cells_for_power);
    assert!(s.cells_for_energy < s.cells_for_power);
    assert_eq!(r.checks[0].status, CheckStatus::Pass, "{:#?}", r.checks);
    assert!(r.losses.supercap_mwh_per_day > 0.0);
}

// ---------------------------------------------------------------------------
// Bad input: every diagnostic names its field.
// ---------------------------------------------------------------------------

fn error_fields(r: &SmoothResult) -> Vec<String> {
    r.diagnostics.iter().filter(|d| d.severity == DiagSeverity::Error).map(|d| d.field.clone()).collect()
}

fn synthetic_case() -> SmoothCase {
    SmoothCase {
        synthetic: Some(SyntheticProfile { duration_s: 600.0, ..SyntheticProfile::default() }),
        presets: vec!["ieso".into()],
        sweep: Some(RampSweep { from_mw_per_min: 10.0, to_mw_per_min: 20.0, steps: 2 }),
        ..SmoothCase::default()
    }
}

/// An edit that breaks one field of a case.
type Edit = Box<dyn Fn(&mut SmoothCase)>;

#[test]
fn bad_fields_are_named() {
    let cases: Vec<(&str, Edit)> = vec![
        ("battery.rte", Box::new(|c| c.battery.as_mut().unwrap().rte = 1.5)),
        ("battery.soc_max", Box::new(|c| c.battery.as_mut().unwrap().soc_max = 0.12)),
        ("battery.eol_soh", Box::new(|c| c.battery.as_mut().unwrap().eol_soh = f64::NAN)),
        ("synthetic.dt_s", Box::new(|c| c.synthetic.as_mut().unwrap().dt_s = 5.0)),
        ("synthetic.compute_duty", Box::new(|c| c.synthetic.as_mut().unwrap().compute_duty = 1.0)),
        ("synthetic.job_mw", Box::new(|c| c.synthetic.as_mut().unwrap().job_mw = -1.0)),
        ("supercap.v_min_frac", Box::new(|c| c.supercap = Some(SmoothSupercap { v_min_frac: 0.99, ..SmoothSupercap::default() }))),
        ("supercap.cells", Box::new(|c| c.supercap = Some(SmoothSupercap { cells: Some(0), ..SmoothSupercap::default() }))),
        ("controller.tau_s", Box::new(|c| c.controller = SmoothController::FirstOrder { tau_s: 0.0 })),
        ("controller.ramp_mw_per_min", Box::new(|c| c.presets.clear())),
        ("presets", Box::new(|c| c.presets = vec!["nerc".into()])),
        ("requirements[1].window_s", Box::new(|c| c.requirements = vec![ramp_req(20.0), pp_req(5.0, -1.0)])),
        (
            "requirements[0].band_hz",
            Box::new(|c| {
                c.requirements = vec![Requirement {
                    kind: RequirementKind::Variation {
                        max_mw: 5.0,
                        window_s: 5.0,
                        band_hz: Some([5.0, 1.0]),
                        measure: VariationMeasure::PeakToPeak,
                    },
                    ..pp_req(5.0, 5.0)
                }]
            }),
        ),
        ("battery", Box::new(|c| c.battery = None)),
        (
            "split.cutoff_hz",
            Box::new(|c| {
                c.supercap = Some(SmoothSupercap::default());
                c.split.cutoff_hz = 0.0;
            }),
        ),
        ("battery.battery_key", Box::new(|c| c.battery.as_mut().unwrap().battery_key = Some("no-such-entry".into()))),
        ("project_years", Box::new(|c| c.project_years = 0)),
        ("sweep.steps", Box::new(|c| c.sweep = Some(RampSweep { from_mw_per_min: 1.0, to_mw_per_min: 2.0, steps: 1 }))),
    ];
    for (field, edit) in cases {
        let mut c = synthetic_case();
        edit(&mut c);
        let r = size_smooth(&c, None, default_catalog());
        let fields = error_fields(&r);
        assert!(fields.iter().any(|f| f == field), "{field}: {fields:?}");
        assert!(r.battery.is_none() && r.checks.is_empty(), "{field}: no result on bad input");
        let d = r.diagnostics.iter().find(|d| d.field == field).unwrap();
        if let Some(label) = backstop_model::sizing::field_label(field) {
            assert!(d.message.contains(label) || d.message.contains(field), "{field}: {}", d.message);
        }
    }
}

#[test]
fn no_load_and_implausible_traces_are_refused() {
    let mut c = synthetic_case();
    c.synthetic = None;
    let r = size_smooth(&c, None, default_catalog());
    assert_eq!(error_fields(&r), vec!["synthetic"]);
    let c = synthetic_case();
    let t = PowerTrace::from_samples(0.1, vec![10.0, 2e4, 10.0], "typo");
    let r = size_smooth(&c, Some(&t), default_catalog());
    assert!(error_fields(&r).contains(&"trace".to_string()), "{:?}", r.diagnostics);
    let t = PowerTrace::from_samples(2.0, vec![10.0; 100], "too slow");
    let r = size_smooth(&c, Some(&t), default_catalog());
    assert!(error_fields(&r).contains(&"trace".to_string()), "{:?}", r.diagnostics);
}

#[test]
fn a_band_above_the_trace_is_not_evaluated_and_never_passes() {
    let mut c = synthetic_case();
    c.presets = vec!["ieso".into(), "lipa".into()];
    let r = size_smooth(&c, None, default_catalog());
    let high = r.checks.iter().find(|x| x.id == "lipa-5-55hz").unwrap();
    assert_eq!(high.status, CheckStatus::NotEvaluated);
    assert!(high.note.contains("Hz"), "{}", high.note);
    assert!(r.diagnostics.iter().any(|d| d.field == "requirement:lipa-5-55hz" && d.severity == DiagSeverity::Warning));
    let low = r.checks.iter().find(|x| x.id == "lipa-0.1-5hz").unwrap();
    assert!(matches!(low.status, CheckStatus::Pass | CheckStatus::Fail), "{low:?}");
    assert!(low.note.contains("Nyquist"), "{}", low.note);
}

#[test]
fn an_undersized_battery_fails_the_requirement_it_cannot_hold() {
    // S1 step with 1 MWh installed instead of 4.17: the grid takes the rest.
    let mut mw = vec![0.0; 600];
    mw.extend(std::iter::repeat_n(100.0, 9000));
    let trace = PowerTrace::from_samples(0.1, mw, "step");
    let mut c = case(SmoothController::RampLimiter { ramp_mw_per_min: Some(19.0) }, SmoothStart::Steady, vec![ramp_req(20.0)]);
    c.battery = Some(SmoothBattery { energy_mwh: Some(1.0), power_mw: Some(100.0), ..ideal_battery() });
    let r = size_smooth(&c, Some(&trace), default_catalog());
    assert_eq!(r.checks[0].status, CheckStatus::Fail, "{:#?}", r.checks);
    assert!(r.checks[0].margin < 0.0);
    assert!(r.diagnostics.iter().any(|d| d.constraint == "requirement" && d.severity == DiagSeverity::Error));
    assert!(r.diagnostics.iter().any(|d| d.constraint == "limit"), "held to its energy limit");
    assert!(!r.feasible());
}

// ---------------------------------------------------------------------------
// Build item 4: every output is on the calculation sheet, with the value the
// result carries (the props test re-evaluates each line's formula).
// ---------------------------------------------------------------------------

/// The value of the sheet line `label` in section `section`.
fn line(r: &SmoothResult, section: &str, label: &str) -> f64 {
    let s = r.sheet.sections.iter().find(|s| s.title == section).unwrap_or_else(|| panic!("no section {section}"));
    let l = s.lines.iter().find(|l| l.label == label).unwrap_or_else(|| panic!("no line {label} in {section}"));
    l.value.unwrap_or_else(|| panic!("{label}: no value"))
}

/// The line `label` in `section` shows `want` to the sheet's printed precision.
fn shows(r: &SmoothResult, section: &str, label: &str, want: f64) {
    let got = line(r, section, label);
    assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{section} / {label}: sheet {got}, result {want}");
}

#[test]
fn every_output_is_on_the_sheet_with_the_result_value() {
    let file = backstop_sizing::parse_smooth_case(include_str!("../../../examples/sizing/smoothing-training.toml")).unwrap();
    let r = size_smooth(&file.case, None, default_catalog());
    no_errors(&r);
    let b = r.battery.as_ref().unwrap();
    shows(&r, "Battery", "Highest discharge power", b.discharge_mw);
    shows(&r, "Battery", "Highest charge power", b.charge_mw);
    shows(&r, "Battery", "Usable energy", b.usable_mwh);
    shows(&r, "Battery", "Nameplate for the SOC window and EOL", b.nameplate_window_mwh);
    shows(&r, "Battery", "Nameplate for the C-rate", b.nameplate_c_rate_mwh);
    shows(&r, "Battery", "Nameplate energy needed", b.nameplate_mwh);
    shows(&r, "Battery", "Rest SOC", b.rest_soc);
    shows(&r, "Battery", "Battery units", f64::from(b.units.unwrap()));
    shows(&r, "Battery", "PCS units", f64::from(b.pcs_units.unwrap()));
    shows(&r, "Battery", "Installed nameplate energy", b.installed_mwh);
    shows(&r, "Battery", "Installed power", b.installed_mw);
    let s = r.supercap.as_ref().unwrap();
    shows(&r, "Supercapacitor bank", "Highest discharge power", s.discharge_mw);
    shows(&r, "Supercapacitor bank", "Highest charge power", s.charge_mw);
    shows(&r, "Supercapacitor bank", "Usable energy", s.usable_kwh);
    shows(&r, "Supercapacitor bank", "Cells for power", f64::from(s.cells_for_power));
    shows(&r, "Supercapacitor bank", "Cells for energy", f64::from(s.cells_for_energy));
    shows(&r, "Supercapacitor bank", "Cells", f64::from(s.cells));
    assert_eq!(s.limit, if s.cells_for_power > s.cells_for_energy { BankLimit::PowerLimited } else { BankLimit::EnergyLimited });
    let flag = r.sheet.sections.iter().flat_map(|x| &x.lines).find(|l| l.label == "What sizes the bank").unwrap();
    assert!(flag.text.starts_with(if s.limit == BankLimit::PowerLimited { "power-limited" } else { "energy-limited" }), "{}", flag.text);
    shows(&r, "Supercapacitor cycling", "Cycles per day", s.cycles_per_day);
    shows(&r, "Supercapacitor cycling", "Equivalent full cycles per year", s.efc_per_year);
    // Every requirement with its margin.
    for c in &r.checks {
        let label = &r.requirements.iter().find(|q| q.id == c.id).unwrap().label;
        shows(&r, "Requirements held", &format!("{label} — margin"), c.margin);
        assert!(within(c.margin, c.limit - c.grid_value, 1e-12));
    }
    let l = &r.losses;
    shows(&r, "Losses", "Battery conversion losses", l.battery_mwh_per_day);
    shows(&r, "Losses", "Supercapacitor ESR losses", l.supercap_mwh_per_day);
    shows(&r, "Losses", "Losses as a share of the load's energy", l.percent_of_load);
    let life = r.life.as_ref().unwrap();
    let sec = "Battery cycling and life";
    shows(&r, sec, "Cycles per day", life.cycles_per_day);
    shows(&r, sec, "Equivalent full cycles per year", life.efc_per_year);
    shows(&r, sec, "Life by throughput", life.life_throughput_years);
    shows(&r, sec, "Life by DoD-weighted cycles", life.life_dod_years);
    let hist: f64 = life.histogram.iter().map(|h| h.cycles_per_day).sum();
    assert!(within(hist, life.cycles_per_day, 1e-9), "histogram {hist} vs {}", life.cycles_per_day);
    // The trade-off curve: one line per point, and its charts.
    let t = r.sheet.sections.iter().find(|x| x.title == "Ramp-limit trade-off").unwrap();
    assert_eq!(t.lines.len(), r.sweep.len());
    assert!(r.sweep.len() >= 2);
    for id in [
        "tradeoff-energy",
        "tradeoff-power",
        "load-window",
        "grid-window",
        "battery-soc",
        "supercap-soc",
        "band-load",
        "band-grid",
        "rainflow",
    ] {
        let c = r.charts.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no chart {id}"));
        assert!(c.points.len() >= 2 && c.points.iter().all(|p| p[0].is_finite() && p[1].is_finite()), "{id}");
    }
}

/// The staged run hands over everything but the trade-off curve first (its
/// sheet section says the curve is being computed, no trade-off chart), and
/// then returns exactly what `size_smooth` returns; told to stop, it stops
/// where it asks (before and within its runs) and returns nothing, with the
/// first part handed over only if the stop came after it.
#[test]
fn the_staged_result_goes_ahead_of_its_tradeoff_curve_and_equals_the_whole() {
    use backstop_sizing::smooth::size_smooth_staged;
    let mut c = synthetic_case();
    c.supercap = Some(SmoothSupercap::default());
    let whole = size_smooth(&c, None, default_catalog());
    assert!(whole.sweep.len() >= 2 && !whole.sweep_pending);
    let mut early = None;
    let staged = size_smooth_staged(&c, None, default_catalog(), None, |r| early = Some(r), &|| true).expect("not stopped");
    assert_eq!(staged, whole, "the staged result is the whole result");
    let early = early.expect("the first part was handed over");
    assert!(early.sweep_pending && early.sweep.is_empty());
    assert_eq!(
        (&early.checks, &early.battery, &early.supercap, &early.life),
        (&whole.checks, &whole.battery, &whole.supercap, &whole.life)
    );
    let ids = |r: &SmoothResult| r.charts.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    let mut first_ids = ids(&early);
    first_ids.extend(["tradeoff-energy".to_owned(), "tradeoff-power".to_owned()]);
    assert_eq!(first_ids, ids(&whole), "the first part's charts, then the trade-off curve's");
    let pending = early.sheet.sections.iter().find(|s| s.title == "Ramp-limit trade-off").expect("the section is there");
    assert!(pending.lines.len() == 1 && pending.lines[0].text.contains("being computed"), "{pending:?}");
    // Every other section is the whole result's.
    let others = |r: &SmoothResult| r.sheet.sections.iter().filter(|s| s.title != "Ramp-limit trade-off").cloned().collect::<Vec<_>>();
    assert_eq!(others(&early), others(&whole));

    // Superseded before its first part is out: asked before anything, then
    // as each run starts (the sizing run, the bank's recount, the
    // verification run; within a run every 65,536 samples, more than this
    // case has), it stops at the first "no" and hands nothing over.
    let mut called = false;
    assert_eq!(size_smooth_staged(&c, None, default_catalog(), None, |_| called = true, &|| false), None);
    assert!(!called, "nothing is handed over when superseded from the start");
    for allowed in 0..4 {
        let asked = std::sync::atomic::AtomicUsize::new(0);
        let keep_going = || asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < allowed;
        let mut called = false;
        assert_eq!(size_smooth_staged(&c, None, default_catalog(), None, |_| called = true, &keep_going), None);
        assert!(!called, "stopped before its first part (after {allowed} runs asked)");
        assert_eq!(asked.load(std::sync::atomic::Ordering::Relaxed), allowed + 1, "asked once more, then stopped");
    }
    // Superseded once its first part is out: that part is handed over, the
    // curve is not computed.
    let out = std::sync::atomic::AtomicBool::new(false);
    let mut called = false;
    let first_then_stop = || !out.load(std::sync::atomic::Ordering::Relaxed);
    let r = size_smooth_staged(
        &c,
        None,
        default_catalog(),
        None,
        |_| {
            called = true;
            out.store(true, std::sync::atomic::Ordering::Relaxed);
        },
        &first_then_stop,
    );
    assert_eq!(r, None);
    assert!(called, "the first part is handed over when the stop comes after it");
}

/// A kept synthetic trace is reused only for the profile it came from, its
/// shape only for a profile that differs in its base load or job power,
/// and sizing with them gives what sizing without them gives.
#[test]
fn a_kept_synthetic_trace_serves_only_its_own_profile() {
    use backstop_sizing::smooth::size_smooth_staged;
    use backstop_sizing::smooth::synth::ProfileCache;
    use std::sync::Arc;
    let cache = ProfileCache::default();
    let mut c = synthetic_case();
    let p = c.synthetic.clone().expect("a synthetic case");
    let kept = cache.get(&p);
    assert!(Arc::ptr_eq(&kept, &cache.get(&p)), "the same profile is served from the cache");
    assert_eq!(kept.trace.mw, backstop_sizing::smooth::synth::generate(&p).trace.mw);
    let sized = |c: &SmoothCase| size_smooth_staged(c, None, default_catalog(), Some(&cache), |_| {}, &|| true).expect("not stopped");
    // An edit elsewhere (the project life) keeps the profile and its trace …
    c.project_years += 5;
    assert_eq!(sized(&c), size_smooth(&c, None, default_catalog()));
    assert!(Arc::ptr_eq(&kept, &cache.get(&p)));
    assert_eq!(cache.shapes_generated(), 1);
    // … an edit of the job's power does not keep the trace, but its shape:
    // the new trace is scaled from it, and is what generating it gives …
    c.synthetic.as_mut().expect("a synthetic case").job_mw += 1.0;
    assert_eq!(sized(&c), size_smooth(&c, None, default_catalog()));
    let p2 = c.synthetic.clone().expect("a synthetic case");
    let other = cache.get(&p2);
    assert!(!Arc::ptr_eq(&kept, &other));
    assert_ne!(other.trace.mw, kept.trace.mw);
    assert_eq!(other.trace.mw, backstop_sizing::smooth::synth::generate(&p2).trace.mw);
    assert_eq!(other.summary, backstop_sizing::smooth::synth::generate(&p2).summary);
    // … so does an edit of the base load …
    c.synthetic.as_mut().expect("a synthetic case").base_mw += 2.5;
    assert_eq!(sized(&c), size_smooth(&c, None, default_catalog()));
    assert_eq!(cache.shapes_generated(), 1, "the job's and the base's power scale the kept shape");
    // … and an edit of anything else in the profile makes a new shape.
    c.synthetic.as_mut().expect("a synthetic case").iteration_s *= 1.5;
    assert_eq!(sized(&c), size_smooth(&c, None, default_catalog()));
    assert_eq!(cache.shapes_generated(), 2);
    c.synthetic.as_mut().expect("a synthetic case").seed += 1;
    assert_eq!(sized(&c), size_smooth(&c, None, default_catalog()));
    assert_eq!(cache.shapes_generated(), 3);
}
