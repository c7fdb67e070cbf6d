//! The layout held against the sizing (`backstop_layout::consistency`),
//! data-driven: one base design — a battery room serving a UPS case whose
//! stored result installs 9 cabinets of 51.2 kWh (one string each, 8 + N+1)
//! and 3 UPS modules of 500 kW — and a table of variations, each with the
//! exact violations (rule, measured, required), the case's status and the
//! input problems it must give.

mod common;

use backstop_layout::consistency::{check_consistency, check_design, sized_cases};
use backstop_layout::{CheckInput, default_rule_set};
use backstop_model::layout::*;
use backstop_model::project::{Design, ProjectInfo, Record, SizingResultRecord};
use backstop_model::sizing::*;
use backstop_model::sizing_view::{PEAK_CASE_KIND, PEAK_RESULT_KIND, UPS_CASE_KIND, UPS_RESULT_KIND, result_key};
use common::*;

const CAB: &str = "lfp-cab-51";
const CAB_60: &str = "lfp-cab-60";
const UPS: &str = "ups-500";
const MODULE: &str = "lfp-module-5";
const CONTAINER: &str = "lfp-container";
const PCS: &str = "pcs-2500";

fn record(key: &str, kind: &str, body: serde_json::Value) -> Record {
    Record { key: key.into(), kind: kind.into(), name: key.into(), body: body.to_string() }
}

fn cabinet_entry(key: &str, wh: f64) -> Record {
    record(
        key,
        "cabinet",
        serde_json::json!({
            "key": key, "kind": "cabinet", "manufacturer": "Test", "model": key,
            "physical": { "width_mm": 600, "depth_mm": 900, "height_mm": 2000, "mass_kg": 620 },
            "cost": 26000,
            "battery": { "chemistry": "lfp", "cells_series": 160, "nominal_v_cell": 3.2, "min_v_cell": 2.5, "max_v_cell": 3.65,
                         "capacity_ah": wh / 512.0, "energy_wh": wh, "continuous_c": 3 },
            "listing": { "pre_engineered": true }
        }),
    )
}

fn converter_entry(key: &str, kind: &str, kw: f64) -> Record {
    record(
        key,
        kind,
        serde_json::json!({
            "key": key, "kind": kind, "manufacturer": "Test", "model": key,
            "physical": { "width_mm": 1400, "depth_mm": 950, "height_mm": 2000, "mass_kg": 1400 },
            "cost": 150000,
            "converter": { "rated_kva": kw, "rated_kw": kw, "efficiency": 0.96, "dc_v_min": 396, "dc_v_max": 1500 }
        }),
    )
}

/// 5 kWh modules mounted 17 to a cabinet; each string of 20 modules takes
/// two cabinets of its own (`strings_per_enclosure = 1`).
fn module_entry() -> Record {
    record(
        MODULE,
        "module",
        serde_json::json!({
            "key": MODULE, "kind": "module", "manufacturer": "Test", "model": "module",
            "physical": { "width_mm": 442, "depth_mm": 600, "height_mm": 133, "mass_kg": 28 },
            "cost": 1500,
            "battery": { "chemistry": "lfp", "cells_series": 16, "nominal_v_cell": 3.2, "min_v_cell": 2.5, "max_v_cell": 3.65,
                         "capacity_ah": 100, "energy_wh": 5120, "continuous_c": 1 },
            "enclosure": { "name": "rack", "units_max": 17, "strings_per_enclosure": 1, "width_mm": 600, "depth_mm": 850,
                           "height_mm": 2000, "empty_mass_kg": 220, "cost": 6500 }
        }),
    )
}

fn container_entry() -> Record {
    record(
        CONTAINER,
        "container",
        serde_json::json!({
            "key": CONTAINER, "kind": "container", "manufacturer": "Test", "model": "container",
            "physical": { "width_mm": 6058, "depth_mm": 2438, "height_mm": 2896, "mass_kg": 36000 },
            "cost": 800000,
            "battery": { "chemistry": "lfp", "cells_series": 416, "nominal_v_cell": 3.2, "min_v_cell": 2.8, "max_v_cell": 3.6,
                         "capacity_ah": 2800, "energy_wh": 3727360, "continuous_c": 0.5 }
        }),
    )
}

/// The governing configuration of the base UPS result.
fn config(battery_key: &str, strings: u32, needed: u32, units_in_series: u32, enclosures: u32, unit_kwh: f64) -> BatteryConfig {
    let units = strings * units_in_series;
    BatteryConfig {
        battery_key: battery_key.into(),
        units_in_series,
        cells_in_series: 160,
        strings_needed: needed,
        strings,
        units,
        enclosures,
        end_v_cell: 2.5,
        energy_kwh: f64::from(units) * unit_kwh,
        power_kw: 687.5,
        ..BatteryConfig::default()
    }
}

fn ups_result(c: Option<BatteryConfig>, ups: Option<(u32, u32)>) -> UpsResult {
    let method = |m: UpsMethod, c: Option<BatteryConfig>| UpsMethodResult {
        method: m,
        feasible: c.is_some(),
        config: c,
        required_ah: None,
        ah_form: None,
        runtime_bol_min: None,
        runtime_eol_min: None,
        voltage_margin_v: None,
        max_current_a: None,
        charts: vec![],
        diagnostics: vec![],
    };
    UpsResult {
        case_name: "Hall ride-through".into(),
        load: LoadSummary { it_kw: 600.0, design_kw: 660.0, battery_kw: 687.5 },
        // A smaller, non-governing method: the comparison uses the governing one.
        methods: vec![method(UpsMethod::ConstantPower, Some(config(CAB, 7, 6, 1, 7, 51.2))), method(UpsMethod::DutyCycle, c.clone())],
        governing: c.map(|_| UpsMethod::DutyCycle),
        ups_units: ups.map(|(needed, installed)| UpsUnits { ups_key: UPS.into(), needed, installed, heat_kw: 27.5 }),
        ..UpsResult::default()
    }
}

fn ups_case_record(battery_key: &str) -> Record {
    let case = UpsCase {
        name: "Hall ride-through".into(),
        load: LoadSpec::PerRack { kw_per_rack: 60.0, racks: 10 },
        growth_margin: 0.10,
        ups_efficiency: 0.96,
        ups_key: Some(UPS.into()),
        runtime_min: 5.0,
        dc_bus: DcBus { v_max: 552.0, v_min: 400.0, cells_in_series: None, float_v_cell: None },
        ambient_c: 20.0,
        design_margin: 1.10,
        aging_factor: 1.25,
        temperature_factor: None,
        redundancy: Redundancy::NPlus1,
        battery_key: battery_key.into(),
        methods: vec![],
        duty_cycle: None,
        ecm: EcmOptions::default(),
        curve_load_fractions: vec![],
    };
    Record { key: "ups-1".into(), kind: UPS_CASE_KIND.into(), name: case.name.clone(), body: serde_json::to_string(&case).unwrap() }
}

fn set_result(d: &mut Design, case_key: &str, kind: &str, body: String) {
    d.sizing_results.retain(|r| r.case_key != case_key);
    d.sizing_results.push(SizingResultRecord {
        case_key: case_key.into(),
        record: Record { key: result_key(case_key), kind: kind.into(), name: case_key.into(), body },
    });
}

fn cabinet(i: usize) -> PlacedEquipment {
    equip(&format!("BC-{:02}", i + 1), CAB, "ESS", 1_000 + i as i64 * 1_800, 5_000, Rotation::R0)
}

fn ups(i: usize, room: &str) -> PowerUnit {
    PowerUnit {
        tag: format!("UPS-{}", i + 1),
        kind: PowerUnitKind::Ups,
        catalog_key: Some(UPS.into()),
        placement: place(room, 20_000, 1_000 + i as i64 * 2_000, Rotation::R270),
        clearances: Clearances::default(),
        rated_kw: 500.0,
        voltage_to_ground_v: 277.0,
        ampacity_a: 800.0,
        serves: vec![],
        serves_case: None,
    }
}

/// The consistent base: room ESS serves ups-1 with 9 cabinets and 3 UPS.
fn base() -> Design {
    let mut d = Design::new(ProjectInfo { name: "Consistency".into(), ..ProjectInfo::default() });
    d.catalog = vec![
        cabinet_entry(CAB, 51_200.0),
        cabinet_entry(CAB_60, 60_000.0),
        converter_entry(UPS, "ups", 500.0),
        converter_entry(PCS, "pcs", 2_500.0),
        module_entry(),
        container_entry(),
    ];
    let mut room = rect_room("ESS", 0, 0, 22_000, 9_000);
    room.serves_case = Some("ups-1".into());
    d.layout.rooms = vec![room, rect_room("YARD", 30_000, 0, 30_000, 20_000), rect_room("ELEC", 0, 20_000, 10_000, 10_000)];
    d.layout.equipment = (0..9).map(cabinet).collect();
    d.layout.power_units = (0..3).map(|i| ups(i, "ESS")).collect();
    d.sizing_cases.push(ups_case_record(CAB));
    set_result(
        &mut d,
        "ups-1",
        UPS_RESULT_KIND,
        serde_json::to_string(&ups_result(Some(config(CAB, 9, 8, 1, 9, 51.2)), Some((2, 3)))).unwrap(),
    );
    d
}

/// A peak-shaving case in the yard: 2 containers and 1 PCS of 2,500 kW.
fn with_peak(d: &mut Design, containers: usize, pcs: usize) {
    let case = PeakCase {
        name: "Yard peak shaving".into(),
        threshold_kw: Some(4_000.0),
        sweep: None,
        pcs_efficiency: 0.98,
        charge_efficiency: 0.975,
        discharge_efficiency: 0.975,
        soc_min: 0.05,
        soc_max: 0.95,
        eol_soh: 0.8,
        max_charge_kw: Some(2_200.0),
        project_years: 15,
        battery_temp_c: 25.0,
        battery_key: Some(CONTAINER.into()),
        pcs_key: Some(PCS.into()),
        aging: AgingModel::default(),
    };
    d.sizing_cases.push(Record {
        key: "peak-1".into(),
        kind: PEAK_CASE_KIND.into(),
        name: case.name.clone(),
        body: serde_json::to_string(&case).unwrap(),
    });
    let result = PeakResult {
        case_name: case.name.clone(),
        sizing: Some(PeakSizing {
            point: ThresholdPoint {
                threshold_kw: 4_000.0,
                power_kw: 2_100.0,
                usable_kwh: 5_000.0,
                nameplate_kwh: 6_900.0,
                events: 200,
                events_not_full: 0,
                feasible: true,
            },
            battery_units: Some(2),
            pcs_units: Some(1),
            installed_kwh: 2.0 * 3_727.36,
            ..PeakSizing::default()
        }),
        ..PeakResult::default()
    };
    set_result(d, "peak-1", PEAK_RESULT_KIND, serde_json::to_string(&result).unwrap());
    let yard = d.layout.rooms.iter().position(|r| r.id == "YARD").unwrap();
    d.layout.rooms[yard].serves_case = Some("peak-1".into());
    for i in 0..containers {
        d.layout.equipment.push(equip(&format!("CT-{}", i + 1), CONTAINER, "YARD", 35_000 + i as i64 * 9_000, 5_000, Rotation::R0));
    }
    for i in 0..pcs {
        d.layout.power_units.push(PowerUnit {
            tag: format!("PCS-{}", i + 1),
            kind: PowerUnitKind::Pcs,
            catalog_key: Some(PCS.into()),
            placement: place("YARD", 40_000, 15_000, Rotation::R0),
            clearances: Clearances::default(),
            rated_kw: 2_500.0,
            voltage_to_ground_v: 690.0,
            ampacity_a: 2_000.0,
            serves: vec![],
            serves_case: None,
        });
    }
}

/// Expected outcome of one variation.
struct Expect {
    /// (rule, measured, required) of each violation, in order.
    violations: Vec<(&'static str, f64, f64)>,
    /// Status of each case, in case order.
    statuses: Vec<ConsistencyStatus>,
    /// (severity, field) of each diagnostic, in order.
    diagnostics: Vec<(Severity, &'static str)>,
    /// Text every violation message or case summary of the first case must hold.
    texts: Vec<&'static str>,
}

fn expect(violations: Vec<(&'static str, f64, f64)>, statuses: Vec<ConsistencyStatus>) -> Expect {
    Expect { violations, statuses, diagnostics: vec![], texts: vec![] }
}

use ConsistencyStatus::{Consistent, NotChecked, Short};

/// A named change to the base design and what it must give.
type Variation = (&'static str, Box<dyn Fn(&mut Design)>, Expect);

fn cases() -> Vec<Variation> {
    vec![
        (
            "consistent base",
            Box::new(|_: &mut Design| {}),
            Expect {
                texts: vec![
                    "Consistent with sizing case \"Hall ride-through\" (ups-1) (governing method: IEEE 485/1115 duty cycle): 9 lfp-cab-51 cabinets (460.8 kWh) installed for 9 needed (460.8 kWh); 1,500 kW of UPS for 1,500 kW.",
                ],
                ..expect(vec![], vec![Consistent])
            },
        ),
        (
            "the old demo: 3 cabinets and 2 UPS for a case that installs 9 and 3",
            Box::new(|d: &mut Design| {
                d.layout.equipment.truncate(3);
                d.layout.power_units.truncate(2);
            }),
            Expect {
                texts: vec![
                    "The layout has 3 lfp-cab-51 cabinets in ESS (153.6 kWh) serving sizing case \"Hall ride-through\" (ups-1), whose result (governing method: IEEE 485/1115 duty cycle) installs 9 (460.8 kWh; one string per cabinet, 9 strings with N+1): 6 cabinets and 307.2 kWh short. Add 6 cabinets serving the case, or re-size the case.",
                    "hold 153.6 kWh; its result (governing method: IEEE 485/1115 duty cycle) installs 460.8 kWh: 307.2 kWh short — 6 more lfp-cab-51 cabinets of 51.2 kWh.",
                    "2 UPS units (1,000 kW rated) serve sizing case \"Hall ride-through\" (ups-1); its result needs 1,500 kW — 3 × ups-500 of 500 kW (2 needed for the load, 3 installed with N+1): 1 UPS unit short.",
                    "Short of sizing case \"Hall ride-through\" (ups-1) (governing method: IEEE 485/1115 duty cycle): 6 cabinets, 307.2 kWh, 500 kW of UPS (1 UPS unit) missing.",
                ],
                ..expect(
                    vec![
                        ("design-battery-units", 3.0, 9.0),
                        ("design-battery-energy", 153.6, 460.8),
                        ("design-converter-power", 1000.0, 1500.0),
                    ],
                    vec![Short],
                )
            },
        ),
        (
            "more than the result installs is consistent",
            Box::new(|d: &mut Design| {
                d.layout.equipment.push(cabinet(9));
                d.layout.power_units.push(ups(3, "ESS"));
            }),
            expect(vec![], vec![Consistent]),
        ),
        (
            "nothing names the case: not checked, and a warning says so",
            Box::new(|d: &mut Design| d.layout.rooms[0].serves_case = None),
            Expect {
                diagnostics: vec![(Severity::Warning, "rooms[].serves_case")],
                texts: vec![
                    "Not checked: no case named — no room, battery item or UPS/PCS unit names sizing case \"Hall ride-through\" (ups-1).",
                ],
                ..expect(vec![], vec![NotChecked])
            },
        ),
        (
            "items and units name the case themselves",
            Box::new(|d: &mut Design| {
                d.layout.rooms[0].serves_case = None;
                d.layout.equipment.iter_mut().for_each(|e| e.serves_case = Some("ups-1".into()));
                d.layout.power_units.iter_mut().for_each(|u| u.serves_case = Some("ups-1".into()));
            }),
            expect(vec![], vec![Consistent]),
        ),
        (
            "a cabinet opting out of its room's case is not counted",
            Box::new(|d: &mut Design| d.layout.equipment[8].serves_case = Some(String::new())),
            expect(vec![("design-battery-units", 8.0, 9.0), ("design-battery-energy", 409.6, 460.8)], vec![Short]),
        ),
        (
            "UPS units in another room count when they name the case",
            Box::new(|d: &mut Design| {
                d.layout.power_units = (0..3).map(|i| ups(i, "ELEC")).collect();
                d.layout.power_units[0].serves_case = Some("ups-1".into());
                d.layout.power_units[1].serves_case = Some("ups-1".into());
            }),
            expect(vec![("design-converter-power", 1000.0, 1500.0)], vec![Short]),
        ),
        (
            "a room naming a case the project does not have is an input error",
            Box::new(|d: &mut Design| d.layout.rooms[1].serves_case = Some("ups-9".into())),
            Expect { diagnostics: vec![(Severity::Error, "rooms[YARD].serves_case")], ..expect(vec![], vec![Consistent]) },
        ),
        (
            "an item naming a case the project does not have is an input error and is not counted",
            Box::new(|d: &mut Design| d.layout.equipment[0].serves_case = Some("ups-9".into())),
            Expect {
                diagnostics: vec![(Severity::Error, "equipment[BC-01].serves_case")],
                ..expect(vec![("design-battery-units", 8.0, 9.0), ("design-battery-energy", 409.6, 460.8)], vec![Short])
            },
        ),
        (
            "a named case without a stored result cannot be checked",
            Box::new(|d: &mut Design| d.sizing_results.clear()),
            Expect {
                diagnostics: vec![(Severity::Error, "sizing_results[ups-1]")],
                texts: vec![
                    "Not checked: sizing case \"Hall ride-through\" (ups-1) is named in the layout, but it has no stored result; compute and save the case in Sizing.",
                ],
                ..expect(vec![], vec![NotChecked])
            },
        ),
        (
            "a named case whose result has no feasible method cannot be checked",
            Box::new(|d: &mut Design| {
                set_result(d, "ups-1", UPS_RESULT_KIND, serde_json::to_string(&ups_result(None, Some((2, 3)))).unwrap())
            }),
            Expect { diagnostics: vec![(Severity::Error, "sizing_results[ups-1]")], ..expect(vec![], vec![NotChecked]) },
        ),
        (
            "a hand-edited result with a negative energy cannot be checked (never a pass)",
            Box::new(|d: &mut Design| {
                let mut c = config(CAB, 9, 8, 1, 9, 51.2);
                c.energy_kwh = -1.0;
                set_result(d, "ups-1", UPS_RESULT_KIND, serde_json::to_string(&ups_result(Some(c), Some((2, 3)))).unwrap());
            }),
            Expect {
                diagnostics: vec![(Severity::Error, "sizing_results[ups-1]")],
                texts: vec!["gives -1 kWh and 1500 kW, which cannot be compared"],
                ..expect(vec![], vec![NotChecked])
            },
        ),
        (
            "a cabinet of another entry counts in energy, not as a unit, and is named",
            Box::new(|d: &mut Design| d.layout.equipment[8].catalog_key = CAB_60.into()),
            Expect {
                diagnostics: vec![(Severity::Warning, "sizing_results[ups-1]")],
                ..expect(vec![("design-battery-units", 8.0, 9.0)], vec![Short])
            },
        ),
        (
            "without a UPS entry in the project's catalog the UPS must carry the design load",
            Box::new(|d: &mut Design| {
                d.catalog.retain(|r| r.key != UPS);
                d.layout.power_units.truncate(1);
            }),
            expect(vec![("design-converter-power", 500.0, 660.0)], vec![Short]),
        ),
        (
            "modules in cabinets, two cabinets per string: 7 cabinets hold 3 of 4 strings",
            Box::new(|d: &mut Design| {
                d.sizing_cases[0] = ups_case_record(MODULE);
                let c = config(MODULE, 4, 3, 20, 8, 5.12);
                set_result(d, "ups-1", UPS_RESULT_KIND, serde_json::to_string(&ups_result(Some(c), Some((2, 3)))).unwrap());
                d.layout.equipment = (0..7).map(|i| PlacedEquipment { catalog_key: MODULE.into(), ..cabinet(i) }).collect();
            }),
            Expect {
                texts: vec![
                    "The lfp-module-5 enclosures serving sizing case \"Hall ride-through\" (ups-1) hold 3 strings (2 enclosures per string; 1 per UPS on 3 UPS units); its result (governing method: IEEE 485/1115 duty cycle) installs 4 (3 needed, N+1): 1 string short.",
                ],
                // 7 enclosures of 17 × 5.12 kWh = 609.28 kWh ≥ 80 × 5.12 = 409.6 kWh.
                ..expect(vec![("design-battery-units", 7.0, 8.0), ("design-strings", 3.0, 4.0)], vec![Short])
            },
        ),
        (
            "a peak-shaving case in the yard: containers and PCS against its sizing",
            Box::new(|d: &mut Design| with_peak(d, 1, 0)),
            Expect {
                texts: vec![],
                ..expect(
                    vec![
                        ("design-battery-units", 1.0, 2.0),
                        ("design-battery-energy", 3_727.36, 7_454.72),
                        ("design-converter-power", 0.0, 2_500.0),
                    ],
                    vec![Consistent, Short],
                )
            },
        ),
        ("a consistent peak-shaving case", Box::new(|d: &mut Design| with_peak(d, 2, 1)), expect(vec![], vec![Consistent, Consistent])),
        (
            "a PCS serving a UPS case is not counted, and is named",
            Box::new(|d: &mut Design| {
                with_peak(d, 2, 1);
                d.layout.power_units.iter_mut().filter(|u| u.kind == PowerUnitKind::Pcs).for_each(|u| u.serves_case = Some("ups-1".into()));
            }),
            Expect {
                diagnostics: vec![(Severity::Warning, "power_units[PCS-1].serves_case")],
                ..expect(vec![("design-converter-power", 0.0, 2_500.0)], vec![Consistent, Short])
            },
        ),
    ]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn the_layout_is_held_against_the_case_it_serves() {
    let rules = default_rule_set();
    for (name, change, want) in cases() {
        let mut d = base();
        change(&mut d);
        let (specs, _, notes) = backstop_layout::catalog::catalog_specs(&d);
        assert!(notes.is_empty(), "{name}: {notes:?}");
        let c = check_consistency(&d.layout, &specs, &sized_cases(&d), &rules);
        let got: Vec<(&str, f64, f64)> = c.violations.iter().map(|v| (v.rule.as_str(), v.measure.measured, v.measure.required)).collect();
        assert_eq!(got.len(), want.violations.len(), "{name}: {got:?}\n{:#?}", c.violations);
        for ((rule, m, r), (wr, wm, wq)) in got.iter().zip(&want.violations) {
            assert!(rule == wr && close(*m, *wm) && close(*r, *wq), "{name}: got {got:?}, want {:?}", want.violations);
        }
        assert!(c.violations.iter().all(|v| v.measure.bound == Bound::AtLeast && !v.objects.is_empty()), "{name}");
        let statuses: Vec<ConsistencyStatus> = c.cases.iter().map(|x| x.status).collect();
        assert_eq!(statuses, want.statuses, "{name}: {:#?}", c.cases);
        let diags: Vec<(Severity, &str)> = c.diagnostics.iter().map(|x| (x.severity, x.field.as_str())).collect();
        assert_eq!(diags, want.diagnostics, "{name}: {:#?}", c.diagnostics);
        let texts: Vec<&str> = c.violations.iter().map(|v| v.message.as_str()).chain(c.cases.iter().map(|x| x.summary.as_str())).collect();
        for t in &want.texts {
            assert!(texts.iter().any(|x| x.contains(t)), "{name}: no message holds {t:?}:\n{texts:#?}");
        }
        // A case's lines agree with its status.
        for x in &c.cases {
            assert_eq!(x.status == Short, x.lines.iter().any(|l| !l.ok), "{name}: {x:#?}");
            assert_eq!(x.status == NotChecked, x.lines.is_empty(), "{name}: {x:#?}");
        }
    }
}

#[test]
fn disabled_design_rules_report_no_violation_but_the_case_stays_short() {
    let mut d = base();
    d.layout.equipment.truncate(3);
    let mut rules = default_rule_set();
    for e in rules.rules.iter_mut().filter(|e| e.rule == RuleId::DesignBatteryUnits) {
        e.enabled = false;
    }
    let (specs, _, _) = backstop_layout::catalog::catalog_specs(&d);
    let c = check_consistency(&d.layout, &specs, &sized_cases(&d), &rules);
    let rules_hit: Vec<RuleId> = c.violations.iter().map(|v| v.rule).collect();
    assert_eq!(rules_hit, [RuleId::DesignBatteryEnergy]);
    assert_eq!(c.cases[0].status, Short);
}

#[test]
fn a_rule_set_saved_before_the_design_rules_still_checks_them() {
    let mut d = base();
    d.layout.equipment.truncate(3);
    let mut old = default_rule_set();
    old.rules.retain(|e| !backstop_layout::rules::ADDED_RULES.contains(&e.rule));
    let (specs, _, _) = backstop_layout::catalog::catalog_specs(&d);
    let c = check_consistency(&d.layout, &specs, &sized_cases(&d), &old);
    assert_eq!(c.violations.len(), 2);
    assert_eq!(c.violations[0].title, "Battery units installed for the sizing case");
    assert!(c.violations[0].reference.starts_with("Design consistency"));
}

#[test]
fn check_design_adds_the_comparison_to_the_layout_rules() {
    let mut d = base();
    d.layout.equipment.truncate(3);
    let (specs, rack, _) = backstop_layout::catalog::catalog_specs(&d);
    let rules = default_rule_set();
    let input = CheckInput { layout: &d.layout, specs: &specs, rack_spec: rack.as_ref(), rules: &rules };
    let plain = backstop_layout::check(&input);
    let full = check_design(&input, &sized_cases(&d));
    assert!(plain.consistency.is_empty());
    assert_eq!(full.violations.len(), plain.violations.len() + 2, "{:#?}", full.violations);
    assert_eq!(&full.violations[..plain.violations.len()], &plain.violations[..], "layout rules first, unchanged");
    assert_eq!(full.consistency.len(), 1);
    assert_eq!(full.consistency[0].status, Short);
    let keys: std::collections::BTreeSet<&str> = full.violations.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(keys.len(), full.violations.len(), "violation keys are unique");

    // An unusable rule set: nothing is compared either.
    let mut broken = default_rule_set();
    broken.arrays.max_array_kwh = -1.0;
    let input = CheckInput { rules: &broken, ..input };
    let r = check_design(&input, &sized_cases(&d));
    assert!(r.violations.is_empty() && r.consistency.is_empty());
    assert!(!r.diagnostics.is_empty());
}

#[test]
fn records_of_other_kinds_and_unreadable_results_are_told_apart() {
    let mut d = base();
    d.sizing_cases.push(Record { key: "ups-1-profile".into(), kind: "load-profile".into(), name: "p".into(), body: "{}".into() });
    d.sizing_cases.push(Record { key: "ups-2".into(), kind: UPS_CASE_KIND.into(), name: "Broken".into(), body: "{}".into() });
    set_result(&mut d, "ups-2", UPS_RESULT_KIND, "{\"not\": \"a result\"}".into());
    let cases = sized_cases(&d);
    assert_eq!(cases.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(), ["ups-1", "ups-2"]);
    let need = cases[0].need.as_ref().unwrap();
    assert_eq!((need.items, need.energy_kwh, need.converter_kw, need.converter_units), (Some(9), 51.2 * 9.0, 1_500.0, Some(3)));
    assert_eq!(need.item_word, "cabinet");
    assert!(cases[1].need.as_ref().unwrap_err().contains("cannot be read"), "{:?}", cases[1].need);
}

/// The app's Layout area and `backstop check` both check through
/// `LoadedDesign`: its check is the full check, with the catalog's problems
/// first.
#[test]
fn a_loaded_design_checks_like_check_design_with_the_catalog_problems_first() {
    let mut d = base();
    d.layout.equipment.truncate(3);
    // An entry with no footprint: a catalog problem the check lists first.
    d.catalog.push(record("broken-cab", "battery-cabinet", serde_json::json!({ "name": "no footprint" })));
    d.layout.equipment.push(equip("BC-99", "broken-cab", "ESS", 10_000, 5_000, Rotation::R0));
    let loaded = backstop_layout::LoadedDesign::new(d.clone());
    let rules = default_rule_set();
    let (specs, rack, notes) = backstop_layout::catalog::catalog_specs(&d);
    assert!(!notes.is_empty(), "the broken entry is reported");
    assert_eq!((&loaded.specs, &loaded.rack_spec, &loaded.notes), (&specs, &rack, &notes));
    let input = CheckInput { layout: &d.layout, specs: &specs, rack_spec: rack.as_ref(), rules: &rules };
    let direct = check_design(&input, &sized_cases(&d));
    let report = loaded.check(&rules);
    assert_eq!(report.violations, direct.violations);
    assert_eq!(report.consistency, direct.consistency);
    assert_eq!(report.diagnostics[..notes.len()], notes[..], "catalog problems first");
    assert_eq!(report.diagnostics[notes.len()..], direct.diagnostics[..]);
}
