//! Property tests: monotonicity of the sizing, no NaN/inf ever, and every
//! infeasible case explained.

use backstop_model::sizing::{
    DcBus, DiagSeverity, EcmOptions, LoadSpec, PeakCase, PeakResult, Redundancy, UpsCase, UpsMethod, UpsResult,
};
use backstop_sizing::{default_catalog, parse_profile, size_peak, size_ups};
use proptest::prelude::*;

const KEYS: [&str; 4] = ["lfp-ups-cabinet-512v100", "nmc-ups-rack-136s", "lfp-ups-module-16s50", "vrla-yuasa-np38-12"];

fn case(key: &str, kw: f64, minutes: f64, temp: f64) -> UpsCase {
    UpsCase {
        name: "prop".into(),
        load: LoadSpec::Total { kw },
        growth_margin: 0.0,
        ups_efficiency: 0.95,
        ups_key: None,
        runtime_min: minutes,
        dc_bus: DcBus { v_max: 600.0, v_min: 400.0, cells_in_series: None, float_v_cell: None },
        ambient_c: temp,
        design_margin: 1.1,
        aging_factor: 1.25,
        temperature_factor: None,
        redundancy: Redundancy::N,
        battery_key: key.into(),
        methods: vec![],
        duty_cycle: None,
        ecm: EcmOptions { step_s: 2.0, ..EcmOptions::default() },
        curve_load_fractions: vec![0.5, 1.0],
    }
}

fn strings(r: &UpsResult, m: UpsMethod) -> Option<u32> {
    r.methods.iter().find(|x| x.method == m).and_then(|x| x.config.as_ref()).map(|c| c.strings_needed)
}

fn energy(r: &UpsResult, m: UpsMethod) -> Option<f64> {
    r.methods.iter().find(|x| x.method == m).and_then(|x| x.config.as_ref()).map(|c| c.energy_kwh)
}

fn finite(v: f64) -> bool {
    v.is_finite()
}

/// Every number in a UPS result is finite.
fn ups_all_finite(r: &UpsResult) -> Result<(), String> {
    let l = &r.load;
    for v in [l.it_kw, l.design_kw, l.battery_kw] {
        if !finite(v) {
            return Err("load".into());
        }
    }
    for m in &r.methods {
        for v in [m.required_ah, m.ah_form, m.runtime_bol_min, m.runtime_eol_min, m.voltage_margin_v, m.max_current_a].into_iter().flatten() {
            if !finite(v) {
                return Err(format!("{:?} value", m.method));
            }
        }
        if let Some(c) = &m.config {
            for v in [c.end_v_cell, c.energy_kwh, c.power_kw, c.c_rate, c.footprint_m2, c.mass_kg, c.heat_kw, c.cost] {
                if !finite(v) {
                    return Err(format!("{:?} config", m.method));
                }
            }
        }
        for s in &m.charts {
            if s.points.iter().any(|p| !finite(p[0]) || !finite(p[1])) {
                return Err(format!("chart {}", s.id));
            }
        }
        for d in &m.diagnostics {
            if d.required.is_some_and(|v| !finite(v)) || d.actual.is_some_and(|v| !finite(v)) {
                return Err("diagnostic".into());
            }
        }
    }
    for s in &r.sheet.sections {
        for line in &s.lines {
            if line.value.is_some_and(|v| !finite(v)) {
                return Err(format!("sheet line {}", line.label));
            }
        }
    }
    Ok(())
}

fn peak_all_finite(r: &PeakResult) -> Result<(), String> {
    for p in r.sweep.iter().chain(r.sizing.iter().map(|s| &s.point)) {
        for v in [p.threshold_kw, p.power_kw, p.usable_kwh, p.nameplate_kwh] {
            if !finite(v) {
                return Err("point".into());
            }
        }
    }
    if let Some(s) = &r.sizing {
        for y in &s.years {
            for v in [y.soh_start, y.soh_end, y.full_cycles, y.calendar_loss, y.cycle_loss, y.unserved_kwh] {
                if !finite(v) {
                    return Err(format!("year {}", y.year));
                }
            }
        }
        for v in [s.installed_kwh, s.c_rate, s.footprint_m2, s.cost] {
            if !finite(v) {
                return Err("sizing".into());
            }
        }
    }
    for c in &r.charts {
        if c.points.iter().any(|p| !finite(p[0]) || !finite(p[1])) {
            return Err(format!("chart {}", c.id));
        }
    }
    for s in &r.sheet.sections {
        for line in &s.lines {
            if line.value.is_some_and(|v| !finite(v)) {
                return Err(format!("sheet line {}", line.label));
            }
        }
    }
    Ok(())
}

/// No method feasible ⇒ an error diagnostic says why.
fn explained(r: &UpsResult) -> bool {
    let any_feasible = r.methods.iter().any(|m| m.feasible);
    any_feasible
        || r.diagnostics.iter().any(|d| d.severity == DiagSeverity::Error)
        || r.methods.iter().flat_map(|m| &m.diagnostics).any(|d| d.severity == DiagSeverity::Error)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn more_load_never_fewer_strings(k in 0usize..4, kw in 20.0f64..1500.0, f in 1.0f64..3.0, t in 5.0f64..30.0) {
        let a = size_ups(&case(KEYS[k], kw, t, 25.0), default_catalog());
        let b = size_ups(&case(KEYS[k], kw * f, t, 25.0), default_catalog());
        for m in [UpsMethod::ConstantPower, UpsMethod::DutyCycle, UpsMethod::Ecm] {
            if let (Some(x), Some(y)) = (strings(&a, m), strings(&b, m)) {
                prop_assert!(y >= x, "{m:?}: {kw} kW → {x}, {} kW → {y}", kw * f);
            }
        }
    }

    #[test]
    fn longer_runtime_never_less_energy(k in 0usize..4, kw in 20.0f64..1500.0, t in 2.0f64..40.0, f in 1.0f64..3.0) {
        let a = size_ups(&case(KEYS[k], kw, t, 25.0), default_catalog());
        let b = size_ups(&case(KEYS[k], kw, t * f, 25.0), default_catalog());
        for m in [UpsMethod::ConstantPower, UpsMethod::DutyCycle, UpsMethod::Ecm] {
            if let (Some(x), Some(y)) = (energy(&a, m), energy(&b, m)) {
                prop_assert!(y >= x - 1e-9, "{m:?}: {t} min → {x} kWh, {} min → {y} kWh", t * f);
            }
        }
    }

    #[test]
    fn lower_temperature_never_less_capacity(k in 0usize..4, kw in 20.0f64..1500.0, t in 5.0f64..30.0, temp in -20.0f64..40.0, d in 0.0f64..30.0) {
        let warm = size_ups(&case(KEYS[k], kw, t, temp), default_catalog());
        let cold = size_ups(&case(KEYS[k], kw, t, temp - d), default_catalog());
        for m in [UpsMethod::ConstantPower, UpsMethod::DutyCycle, UpsMethod::Ecm] {
            if let (Some(x), Some(y)) = (strings(&warm, m), strings(&cold, m)) {
                prop_assert!(y >= x, "{m:?}: {temp} °C → {x}, {} °C → {y}", temp - d);
            }
            let ah = |r: &UpsResult| r.methods.iter().find(|x| x.method == m).and_then(|x| x.required_ah);
            if let (Some(x), Some(y)) = (ah(&warm), ah(&cold)) {
                prop_assert!(y >= x - 1e-9);
            }
        }
    }

    #[test]
    fn ups_outputs_finite_and_infeasible_explained(
        k in 0usize..4,
        kw in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-5.0), Just(0.0), 0.001f64..1e6],
        t in prop_oneof![Just(f64::NAN), Just(0.0), 0.05f64..600.0],
        temp in prop_oneof![Just(f64::NAN), -60.0f64..80.0],
        vmax in prop_oneof![Just(f64::NAN), 10.0f64..2500.0],
        vmin in 5.0f64..2000.0,
        eff in prop_oneof![Just(0.0), 0.3f64..1.2],
    ) {
        let mut c = case(KEYS[k], kw, t, temp);
        c.dc_bus.v_max = vmax;
        c.dc_bus.v_min = vmin;
        c.ups_efficiency = eff;
        let r = size_ups(&c, default_catalog());
        prop_assert!(ups_all_finite(&r).is_ok(), "{:?}", ups_all_finite(&r));
        prop_assert!(explained(&r), "{:#?}", r.diagnostics);
    }

    #[test]
    fn peak_outputs_finite_and_monotone(
        loads in proptest::collection::vec(prop_oneof![0.0f64..2000.0, Just(-50.0)], 48..200),
        t_frac in 0.0f64..1.3,
        years in 1u32..4,
    ) {
        let mut csv = String::from("time,load (kW)\n");
        for (i, l) in loads.iter().enumerate() {
            csv.push_str(&format!("2025-01-{:02} {:02}:00,{l}\n", 1 + i / 24, i % 24));
        }
        let p = parse_profile(&csv).unwrap();
        let peak = loads.iter().copied().fold(f64::MIN, f64::max).max(1.0);
        let t = (peak * t_frac).max(1.0);
        let c = PeakCase {
            name: String::new(), threshold_kw: Some(t), sweep: Some(backstop_model::sizing::ThresholdSweep { from_kw: (t * 0.5).max(0.5), to_kw: peak + 1.0, steps: 5 }),
            pcs_efficiency: 0.98, charge_efficiency: 0.97, discharge_efficiency: 0.97, soc_min: 0.1, soc_max: 0.9, eol_soh: 0.8,
            max_charge_kw: None, project_years: years, battery_temp_c: 25.0, battery_key: Some("lfp-container-20ft-3727".into()), pcs_key: None,
            aging: Default::default(),
        };
        let r = size_peak(&c, &p, default_catalog());
        prop_assert!(peak_all_finite(&r).is_ok(), "{:?}", peak_all_finite(&r));
        for w in r.sweep.windows(2) {
            prop_assert!(w[1].power_kw <= w[0].power_kw + 1e-9);
            prop_assert!(w[1].usable_kwh <= w[0].usable_kwh + 1e-6);
        }
        // Not sized although a battery is needed ⇒ an error explains it.
        let needs = loads.iter().any(|&l| l > t);
        if needs && r.sizing.is_none() {
            prop_assert!(r.diagnostics.iter().any(|d| d.severity == DiagSeverity::Error), "{:#?}", r.diagnostics);
        }
    }
}

/// The properties above compare real configurations (not vacuous `None`s).
#[test]
fn property_cases_produce_configurations() {
    for k in KEYS {
        let r = size_ups(&case(k, 500.0, 10.0, 25.0), default_catalog());
        for m in [UpsMethod::ConstantPower, UpsMethod::DutyCycle] {
            assert!(strings(&r, m).is_some(), "{k} {m:?}: {:#?}", r.methods);
        }
        if k != "vrla-yuasa-np38-12" {
            assert!(strings(&r, UpsMethod::Ecm).is_some(), "{k}");
        }
    }
}
