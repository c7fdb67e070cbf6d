//! Every built-in step, just inside and just outside its criterion, on
//! observations built from the decoded types the link produces.

use backstop_commission::builtin::bess_acceptance;
use backstop_commission::*;
use backstop_model::link::*;
use backstop_model::project::Tolerances;

fn num(name: &str, path: &str, value: f64) -> PointReading {
    PointReading {
        path: path.to_string().into(),
        name: name.to_string().into(),
        label: name.to_string().into(),
        value: PointValue::Number { value },
        unit: None,
        address: 0,
        raw: Default::default(),
        writable: None,
    }
}

fn val(name: &str, value: PointValue) -> PointReading {
    PointReading { value, ..num(name, name, 0.0) }
}

fn model(id: u16, points: Vec<PointReading>) -> DecodedModel {
    DecodedModel { id, name: Default::default(), label: Default::default(), address: 0, length: 0, points, groups: vec![], notes: vec![] }
}

/// One string's state: (V, SoC %, cell max V, cell min V, module temp max, min).
#[derive(Clone, Copy)]
struct Str(f64, f64, f64, f64, f64, f64);

const GOOD: Str = Str(812.0, 80.0, 3.330, 3.310, 27.0, 25.0);

struct Pack {
    unit: u8,
    serial: String,
    version: String,
    strings: Vec<Str>,
    evt1: Vec<&'static str>,
    state: &'static str,
    stale: bool,
    extra: Vec<PointReading>,
}

fn pack(unit: u8) -> Pack {
    Pack {
        unit,
        serial: format!("SIM-{unit:04}"),
        version: "2.4.1".into(),
        strings: vec![GOOD],
        evt1: vec![],
        state: "CONNECTED",
        stale: false,
        extra: vec![],
    }
}

impl Pack {
    fn observe(&self) -> UnitObservation {
        let mut m802 = model(
            802,
            vec![
                num("WHRtg", "WHRtg", 160_000.0),
                val("State", PointValue::Enum { raw: 2, name: Some(self.state.into()) }),
                val(
                    "Evt1",
                    PointValue::Bits { raw: self.evt1.len() as u32, names: self.evt1.iter().map(|s| s.to_string().into()).collect() },
                ),
                val("Evt2", PointValue::NotImplemented),
            ],
        );
        m802.points.extend(self.extra.clone());
        let mut models = vec![m802];
        for (i, s) in self.strings.iter().enumerate() {
            models.push(model(
                804,
                vec![
                    num("Idx", "Idx", (i + 1) as f64),
                    num("V", "V", s.0),
                    num("SoC", "SoC", s.1),
                    num("CellVMax", "CellVMax", s.2),
                    num("CellVMaxMod", "CellVMaxMod", 3.0),
                    num("CellVMin", "CellVMin", s.3),
                    num("CellVMinMod", "CellVMinMod", 1.0),
                    num("ModTmpMax", "ModTmpMax", s.4),
                    num("ModTmpMin", "ModTmpMin", s.5),
                    val("Evt1", PointValue::Bits { raw: 0, names: vec![] }),
                ],
            ));
        }
        UnitObservation {
            unit: self.unit,
            info: Some(DeviceInfo {
                unit: self.unit,
                base_address: 40000,
                common: Some(CommonInfo {
                    manufacturer: "Backstop".into(),
                    model: "SIM-PACK".into(),
                    options: String::new(),
                    version: self.version.clone(),
                    serial_number: self.serial.clone(),
                    device_address: Some(self.unit as u16),
                }),
                models: vec![],
                notes: vec![],
            }),
            sample: Some(TelemetrySample {
                link: "/dev/ttyA".into(),
                unit: self.unit,
                time_ms: 1,
                stale: self.stale,
                health: DeviceHealth::Online,
                models,
                undecoded: vec![],
            }),
        }
    }
}

fn observation(packs: &[Pack]) -> Observation {
    Observation {
        at_ms: 1_790_000_000_000,
        engineer: "R. Okafor".into(),
        link: "/dev/ttyA 115200 8N1".into(),
        planned: packs
            .iter()
            .map(|p| PlannedUnit {
                unit: p.unit,
                cabinet: format!("BC-{:02}", p.unit),
                model: Some("SIM-PACK".into()),
                firmware: Some("2.4.1".into()),
                energy_wh: Some(160_000.0),
            })
            .collect(),
        units: packs.iter().map(Pack::observe).collect(),
        design_setpoints: vec![],
        tolerances: Tolerances { cell_spread_mv: 30.0, ..Tolerances::default() },
    }
}

fn run(step_id: &str, obs: &Observation) -> StepResult {
    let t = bess_acceptance();
    let step = t.steps.iter().find(|s| s.id == step_id).unwrap();
    evaluate(step, obs)
}

#[test]
fn cell_spread_at_and_above_tolerance() {
    let mut p = pack(1);
    p.strings = vec![Str(812.0, 80.0, 3.340, 3.310, 27.0, 25.0)]; // 30 mV: inside
    let r = run("cell-spread", &observation(&[p]));
    assert_eq!(r.outcome, Outcome::Pass, "{r:#?}");
    assert!(r.criterion.contains("≤ 30 mV (project setting cell_spread_mv)"), "{}", r.criterion);

    let mut p = pack(2);
    p.strings = vec![GOOD, Str(812.0, 80.0, 3.341, 3.310, 27.0, 25.0)]; // 31 mV on string 2
    let r = run("cell-spread", &observation(&[pack(1), p]));
    assert_eq!(r.outcome, Outcome::Fail);
    let bad: Vec<&Evidence> = r.evidence.iter().filter(|e| e.bad).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].label, "Unit 2, string 2");
    assert_eq!(bad[0].value, "31 mV (max 3.341 V at module 3, min 3.310 V at module 1)");
}

#[test]
fn firmware_mismatch_is_caught_against_the_plan() {
    let mut p3 = pack(3);
    p3.version = "2.3.9".into();
    let r = run("firmware", &observation(&[pack(1), pack(2), p3]));
    assert_eq!(r.outcome, Outcome::Fail);
    let bad: Vec<String> = r.evidence.iter().filter(|e| e.bad).map(|e| format!("{}: {}", e.label, e.value)).collect();
    assert_eq!(bad, vec!["Unit 3: firmware 2.3.9, expected 2.4.1"]);
    assert_eq!(run("firmware", &observation(&[pack(1), pack(2)])).outcome, Outcome::Pass);
}

#[test]
fn stale_or_missing_data_never_passes() {
    let mut p = pack(1);
    p.stale = true;
    for step in ["cell-spread", "temperature", "alarms", "string-alignment"] {
        let r = run(step, &observation(&[p.clone_pack()]));
        assert_eq!(r.outcome, Outcome::Incomplete, "{step}: {r:#?}");
    }
    let mut obs = observation(&[pack(1)]);
    obs.units.clear();
    assert_eq!(run("cell-spread", &obs).outcome, Outcome::Incomplete);
    assert_eq!(run("comms", &obs).outcome, Outcome::Fail, "a planned unit that does not answer fails communications");
}

#[test]
fn temperature_range_and_spread() {
    let mut hot = pack(1);
    hot.strings = vec![Str(812.0, 80.0, 3.33, 3.31, 40.0, 38.5)];
    assert_eq!(run("temperature", &observation(&[hot])).outcome, Outcome::Pass, "40 °C is inside 0…40");
    let mut hotter = pack(1);
    hotter.strings = vec![Str(812.0, 80.0, 3.33, 3.31, 40.1, 38.5)];
    assert_eq!(run("temperature", &observation(&[hotter])).outcome, Outcome::Fail);
    let mut wide = pack(1);
    wide.strings = vec![Str(812.0, 80.0, 3.33, 3.31, 27.1, 25.0)]; // 2.1 K > 2 K project tolerance
    assert_eq!(run("temperature", &observation(&[wide])).outcome, Outcome::Fail);
}

#[test]
fn string_alignment_before_paralleling() {
    let mut p = pack(1);
    p.strings = vec![Str(812.0, 80.0, 3.33, 3.31, 27.0, 25.0), Str(814.0, 83.0, 3.33, 3.31, 27.0, 25.0)];
    assert_eq!(run("string-alignment", &observation(&[p])).outcome, Outcome::Pass, "2.0 V and 3 points are at the limits");
    let mut p = pack(1);
    p.strings = vec![Str(812.0, 80.0, 3.33, 3.31, 27.0, 25.0), Str(814.1, 80.0, 3.33, 3.31, 27.0, 25.0)];
    let r = run("string-alignment", &observation(&[p]));
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(r.evidence[0].value.starts_with("ΔV 2.10 V, ΔSOC 0.0 points"), "{:?}", r.evidence);
    assert_eq!(run("string-alignment", &observation(&[pack(1)])).outcome, Outcome::NotApplicable);
}

#[test]
fn insulation_not_applicable_without_a_point_and_judged_with_one() {
    let r = run("insulation", &observation(&[pack(1)]));
    assert_eq!(r.outcome, Outcome::NotApplicable, "{r:#?}");
    let mut p = pack(1);
    p.extra = vec![num("InsulationResistance", "InsulationResistance", 100.0)];
    assert_eq!(run("insulation", &observation(&[p])).outcome, Outcome::Pass);
    let mut p = pack(1);
    p.extra = vec![num("InsulationResistance", "InsulationResistance", 99.0)];
    let r = run("insulation", &observation(&[p]));
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.evidence.iter().find(|e| e.bad).unwrap().value, "99 kΩ (below the warning threshold)");
}

#[test]
fn active_alarms_are_named() {
    let mut p = pack(2);
    p.evt1 = vec!["OVER_TEMP_WARNING", "VOLTAGE_IMBALANCE_WARNING"];
    let r = run("alarms", &observation(&[pack(1), p]));
    assert_eq!(r.outcome, Outcome::Fail);
    let bad: Vec<String> = r.evidence.iter().filter(|e| e.bad).map(|e| format!("{}: {}", e.label, e.value)).collect();
    assert_eq!(bad, vec!["Unit 2, 802 Evt1: OVER_TEMP_WARNING, VOLTAGE_IMBALANCE_WARNING"]);
    assert_eq!(run("alarms", &observation(&[pack(1)])).outcome, Outcome::Pass);
}

#[test]
fn communications_catches_duplicates_and_unplanned_units() {
    let mut p2 = pack(2);
    p2.serial = "SIM-0001".into();
    let r = run("comms", &observation(&[pack(1), p2]));
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(r.evidence.iter().any(|e| e.bad && e.value == "reported by units 1, 2 (ids or serials not unique)"), "{r:#?}");
    let mut obs = observation(&[pack(1)]);
    obs.units.push(pack(9).observe());
    let r = run("comms", &obs);
    assert!(r.evidence.iter().any(|e| e.bad && e.label == "Unit 9"), "{r:#?}");
    assert_eq!(run("comms", &observation(&[pack(1), pack(2)])).outcome, Outcome::Pass);
}

#[test]
fn communication_loss_needs_stale_then_safe_state() {
    let step = bess_acceptance().steps.into_iter().find(|s| s.id == "comm-loss").unwrap();
    assert_eq!(evaluate(&step, &observation(&[pack(1)])).outcome, Outcome::Incomplete, "one observation is not a test");
    let before = observation(&[pack(1)]);
    let mut pulled = pack(1);
    pulled.stale = true;
    let during = observation(&[pulled]);
    let mut safe = pack(1);
    safe.state = "DISCONNECTED";
    let after = observation(&[safe]);
    let r = evaluate_comm_loss(&step, &CommLossPhases { before: before.clone(), during: during.clone(), after });
    assert_eq!(r.outcome, Outcome::Pass, "{r:#?}");

    let r = evaluate_comm_loss(&step, &CommLossPhases { before: before.clone(), during: during.clone(), after: observation(&[pack(1)]) });
    assert_eq!(r.outcome, Outcome::Fail, "CONNECTED after a link loss is not a safe state");
    let r = evaluate_comm_loss(
        &step,
        &CommLossPhases { before: before.clone(), during: observation(&[pack(1)]), after: observation(&[pack(1)]) },
    );
    assert!(r.evidence.iter().any(|e| e.bad && e.value.contains("NOT marked stale")), "{r:#?}");
}

#[test]
fn setpoint_baseline_highlights_differences() {
    let mut p = pack(1);
    p.extra = vec![num("WChaRteMax", "WChaRteMax", 20_000.0)];
    let mut obs = observation(&[p]);
    assert_eq!(run("setpoints", &obs).outcome, Outcome::Incomplete, "no design values to compare with");
    obs.design_setpoints = vec![DesignSetpoint {
        unit: None,
        point: PointRef::new(802, "WChaRteMax"),
        value: 40_000.0,
        tolerance: 0.0,
        unit_label: "W".into(),
    }];
    let r = run("setpoints", &obs);
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.evidence[0].value, "as left 20000 W, design 40000 W — DIFFERS");
}

#[test]
fn results_round_trip_through_json() {
    let r = run("cell-spread", &observation(&[pack(1)]));
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<StepResult>(&json).unwrap(), r);
}

impl Pack {
    fn clone_pack(&self) -> Pack {
        Pack {
            serial: self.serial.clone(),
            version: self.version.clone(),
            strings: self.strings.clone(),
            evt1: self.evt1.clone(),
            extra: self.extra.clone(),
            ..*self
        }
    }
}
