//! UPS sizing and optimizer behaviour on data-center cases.

use backstop_model::sizing::{DcBus, DiagSeverity, EcmOptions, LoadSpec, Objective, OptimizeOptions, Redundancy, UpsCase, UpsMethod};
use backstop_sizing::{default_catalog, optimize_ups, render_text, size_ups};

pub fn dc_case(key: &str) -> UpsCase {
    UpsCase {
        name: "Hall A".into(),
        load: LoadSpec::PerRack { kw_per_rack: 40.0, racks: 10 },
        growth_margin: 0.1,
        ups_efficiency: 0.96,
        ups_key: Some("ups-500kva-dc".into()),
        runtime_min: 10.0,
        dc_bus: DcBus { v_max: 600.0, v_min: 400.0, cells_in_series: None, float_v_cell: None },
        ambient_c: 20.0,
        design_margin: 1.1,
        aging_factor: 1.25,
        temperature_factor: None,
        redundancy: Redundancy::NPlus1,
        battery_key: key.into(),
        methods: vec![],
        duty_cycle: None,
        ecm: EcmOptions::default(),
        curve_load_fractions: vec![],
    }
}

#[test]
fn three_methods_side_by_side_on_an_lfp_cabinet() {
    let r = size_ups(&dc_case("lfp-ups-cabinet-512v100"), default_catalog());
    let text = render_text(&r.sheet);
    assert_eq!(r.methods.len(), 3, "{text}");
    for m in &r.methods {
        let c = m.config.as_ref().unwrap_or_else(|| panic!("{:?} {:#?}", m.method, m.diagnostics));
        assert!(m.feasible, "{:?}: {:#?}", m.method, m.diagnostics);
        assert_eq!(c.cells_in_series, 160);
        assert_eq!(c.strings, c.strings_needed + 1, "N+1");
        assert!(c.energy_kwh > 0.0 && c.footprint_m2 > 0.0 && c.mass_kg > 0.0 && c.cost > 0.0);
    }
    let ecm = r.methods.iter().find(|m| m.method == UpsMethod::Ecm).unwrap();
    assert!(ecm.runtime_eol_min.unwrap() >= 10.0 / 1.1 * 0.99, "EOL runtime at the design load");
    assert!(ecm.runtime_bol_min.unwrap() > ecm.runtime_eol_min.unwrap());
    assert!(ecm.voltage_margin_v.unwrap() >= 0.0);
    assert!(ecm.max_current_a.unwrap() > 0.0);
    assert!(ecm.charts.iter().any(|c| c.id == "ecm-voltage" && c.points.len() > 10));
    assert!(r.governing.is_some());
    let u = r.ups_units.as_ref().unwrap();
    assert_eq!((u.needed, u.installed), (1, 2));
    assert!(text.contains("Method c"), "{text}");
}

#[test]
fn colder_room_and_2n_need_more() {
    let base = size_ups(&dc_case("nmc-ups-rack-136s"), default_catalog());
    let mut cold = dc_case("nmc-ups-rack-136s");
    cold.ambient_c = -5.0;
    let cold = size_ups(&cold, default_catalog());
    for (a, b) in base.methods.iter().zip(&cold.methods) {
        let (ca, cb) = (a.config.as_ref().unwrap(), b.config.as_ref().unwrap());
        assert!(cb.strings_needed >= ca.strings_needed, "{:?}", a.method);
    }
    let mut two = dc_case("nmc-ups-rack-136s");
    two.redundancy = Redundancy::TwoN;
    let two = size_ups(&two, default_catalog());
    let c = two.methods[0].config.as_ref().unwrap();
    assert_eq!(c.strings, 2 * c.strings_needed);
}

#[test]
fn dc_window_misfit_is_explained_with_the_amount() {
    let mut c = dc_case("lfp-container-20ft-3727");
    c.ups_key = None;
    let r = size_ups(&c, default_catalog());
    let d = r.diagnostics.iter().find(|d| d.constraint == "dc-window").expect("dc-window diagnostic");
    assert_eq!(d.severity, DiagSeverity::Error);
    assert!(d.actual.unwrap() > d.required.unwrap());
    assert!(d.message.contains("exceeds V_max 600 V by"), "{}", d.message);
    assert!(r.methods.is_empty());
}

#[test]
fn unknown_key_and_bad_numbers_are_reported() {
    let mut c = dc_case("no-such-battery");
    let r = size_ups(&c, default_catalog());
    assert!(r.diagnostics.iter().any(|d| d.field == "battery_key" && d.message.contains("lfp-eve-lf280k")));
    c.battery_key = "lfp-eve-lf280k".into();
    c.runtime_min = f64::NAN;
    c.ups_efficiency = 1.5;
    let r = size_ups(&c, default_catalog());
    let f: Vec<&str> = r.diagnostics.iter().map(|d| d.field.as_str()).collect();
    assert!(f.contains(&"runtime_min") && f.contains(&"ups_efficiency"), "{f:?}");
    assert!(serde_json::to_string(&r).is_ok(), "a result always serialises (no NaN)");
}

#[test]
fn optimizer_returns_best_and_reasons() {
    let mut c = dc_case("lfp-ups-cabinet-512v100");
    c.ups_key = None;
    let opts = OptimizeOptions { objective: Objective::Cost, keep: 5, ..OptimizeOptions::default() };
    let r = optimize_ups(&c, default_catalog(), &opts);
    assert!(!r.best.is_empty(), "{:#?}", r);
    assert!(r.candidates_evaluated > 100);
    for w in r.best.windows(2) {
        assert!(w[0].objective_value <= w[1].objective_value);
    }
    // Every candidate is what a direct sizing of its configuration gives.
    let best = &r.best[0];
    let mut direct = c.clone();
    direct.battery_key = best.config.battery_key.clone();
    direct.dc_bus.cells_in_series = Some(best.config.cells_in_series);
    let d = size_ups(&direct, default_catalog());
    let need = d.methods.iter().filter_map(|m| m.config.as_ref()).map(|c| c.strings_needed).max().unwrap();
    assert_eq!(need, best.config.strings_needed);
    // The container does not fit a 600 V UPS; the reason says so.
    let rej = r.rejected.iter().find(|x| x.battery_key == "lfp-container-20ft-3727").expect("container rejected");
    assert_eq!(rej.constraint, "dc-window");
    let fp = optimize_ups(&c, default_catalog(), &OptimizeOptions { objective: Objective::Footprint, ..opts });
    assert!(fp.best[0].config.footprint_m2 <= r.best[0].config.footprint_m2 + 1e-9);
    println!("{}", serde_json::to_string_pretty(&r).unwrap());
}
