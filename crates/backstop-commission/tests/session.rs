//! Sessions lock at sign-off; as-built comparison flags missing, extra,
//! wrong model/firmware/capacity and duplicate serials; evaluation never
//! panics on arbitrary observations.

use backstop_commission::builtin::bess_acceptance;
use backstop_commission::session::{self, SessionError};
use backstop_commission::*;
use backstop_model::link::*;
use backstop_model::project::Tolerances;
use proptest::prelude::*;

fn result(step: &str, outcome: Outcome) -> StepResult {
    StepResult {
        step_id: step.into(),
        title: step.into(),
        outcome,
        summary: String::new(),
        criterion: String::new(),
        evidence: vec![],
        at_ms: 1,
        who: "me".into(),
        notes: String::new(),
    }
}

#[test]
fn rerun_keeps_history_and_notes_and_signoff_locks() {
    let mut s = session::start(bess_acceptance(), 1, "R. Okafor", 0);
    session::record(&mut s, result("cell-spread", Outcome::Fail)).unwrap();
    session::set_note(&mut s, "cell-spread", "balanced overnight").unwrap();
    session::record(&mut s, result("cell-spread", Outcome::Pass)).unwrap();
    assert_eq!(s.history.len(), 2, "the failed run stays in the record");
    assert_eq!(session::latest(&s, "cell-spread").unwrap().notes, "balanced overnight");
    let sum = summary(&s);
    assert_eq!((sum.steps, sum.passed, sum.failed, sum.not_run), (9, 1, 0, 8));
    assert!(!session::is_clean(&sum), "steps not run");
    let done = SessionSummary { steps: 9, passed: 7, not_applicable: 2, ..SessionSummary::default() };
    assert!(session::is_clean(&done), "not applicable counts as done");
    assert!(!session::is_clean(&SessionSummary { failed: 1, ..done }));
    assert!(!session::is_clean(&SessionSummary { incomplete: 1, ..done }));
    assert_eq!(session::record(&mut s, result("nope", Outcome::Pass)), Err(SessionError::NoSuchStep("nope".into())));
    assert_eq!(
        session::sign_off(&mut s, SignOff { name: " ".into(), role: String::new(), date: "2026-11-28".into(), at_ms: 2 }),
        Err(SessionError::IncompleteSignOff)
    );
    session::sign_off(&mut s, SignOff { name: "A. Client".into(), role: "Owner".into(), date: "2026-11-28".into(), at_ms: 2 }).unwrap();
    let err = session::record(&mut s, result("comms", Outcome::Pass)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the session was signed off by A. Client on 2026-11-28; it can no longer change. Start a new session (revision 2) to record new results."
    );
    assert!(session::set_note(&mut s, "cell-spread", "x").is_err());
}

fn unit(id: u8, serial: &str, model: &str, version: &str, wh: Option<f64>) -> UnitObservation {
    UnitObservation {
        unit: id,
        info: Some(DeviceInfo {
            unit: id,
            base_address: 40000,
            common: Some(CommonInfo {
                model: model.into(),
                version: version.into(),
                serial_number: serial.into(),
                ..CommonInfo::default()
            }),
            models: vec![],
            notes: vec![],
        }),
        sample: wh.map(|wh| TelemetrySample {
            link: String::new(),
            unit: id,
            time_ms: 0,
            stale: false,
            health: DeviceHealth::Online,
            models: vec![DecodedModel {
                id: 802,
                name: Default::default(),
                label: Default::default(),
                address: 0,
                length: 0,
                groups: vec![],
                notes: vec![],
                points: vec![PointReading {
                    path: "WHRtg".into(),
                    name: "WHRtg".into(),
                    label: Default::default(),
                    value: PointValue::Number { value: wh },
                    unit: None,
                    address: 0,
                    raw: Default::default(),
                    writable: None,
                }],
            }],
            undecoded: vec![],
        }),
    }
}

fn plan(id: u8) -> PlannedUnit {
    PlannedUnit {
        unit: id,
        cabinet: format!("BC-{id:02}"),
        model: Some("SIM-PACK".into()),
        firmware: Some("2.4.1".into()),
        energy_wh: Some(160_000.0),
    }
}

#[test]
fn as_built_flags_every_kind_of_difference() {
    let planned = [plan(1), plan(2), plan(3), plan(4)];
    let observed = [
        unit(1, "S1", "SIM-PACK", "2.4.1", Some(160_000.0)),
        unit(2, "S2", "OTHER", "2.4.1", Some(160_000.0)),
        unit(3, "S3", "SIM-PACK", "2.3.9", Some(120_000.0)),
        unit(7, "S1", "SIM-PACK", "2.4.1", None),
    ];
    let rows = as_built(&planned, &observed, &[]);
    let status: Vec<(String, Vec<AsBuiltStatus>)> = rows.iter().map(|r| (r.cabinet.clone(), r.status.clone())).collect();
    assert_eq!(status[0].1, vec![AsBuiltStatus::DuplicateSerial { units: vec![1, 7] }]);
    assert_eq!(status[1].1, vec![AsBuiltStatus::WrongModel { expected: "SIM-PACK".into(), found: "OTHER".into() }]);
    assert_eq!(
        status[2].1,
        vec![
            AsBuiltStatus::WrongFirmware { expected: "2.4.1".into(), found: "2.3.9".into() },
            AsBuiltStatus::WrongCapacity { expected_wh: 160_000.0, found_wh: 120_000.0 },
        ]
    );
    assert_eq!(status[3], ("BC-04".into(), vec![AsBuiltStatus::Missing]));
    assert_eq!(status[4].0, "");
    assert_eq!(status[4].1[0], AsBuiltStatus::Extra);

    // Dragging unit 7 onto BC-04 assigns it there instead.
    let rows = as_built(
        &planned,
        &observed[..3].iter().cloned().chain([unit(7, "S7", "SIM-PACK", "2.4.1", None)]).collect::<Vec<_>>(),
        &[Assignment { cabinet: "BC-04".into(), serial: "S7".into() }],
    );
    assert_eq!(rows[3].unit, Some(7));
    assert!(rows[3].ok(), "{:?}", rows[3]);
    assert_eq!(rows.len(), 4, "no extra row once assigned");
}

fn arb_value() -> impl Strategy<Value = PointValue> {
    prop_oneof![
        any::<f64>().prop_map(|value| PointValue::Number { value }),
        Just(PointValue::NotImplemented),
        (any::<u32>(), proptest::option::of("[A-Z_]{0,8}")).prop_map(|(raw, name)| PointValue::Enum { raw, name: name.map(Into::into) }),
        proptest::collection::vec("[A-Z_]{1,8}", 0..3)
            .prop_map(|names| PointValue::Bits { raw: 1, names: names.into_iter().map(Into::into).collect() }),
        "[a-z ]{0,5}".prop_map(|reason| PointValue::Invalid { reason }),
    ]
}

fn arb_model() -> impl Strategy<Value = DecodedModel> {
    let names = prop_oneof![
        Just("V"),
        Just("SoC"),
        Just("CellVMax"),
        Just("CellVMin"),
        Just("Idx"),
        Just("State"),
        Just("Evt1"),
        Just("ModTmpMax"),
        Just("ModTmpMin"),
        Just("WHRtg"),
        Just("InsulationResistance")
    ];
    (prop_oneof![Just(802u16), Just(803), Just(804), Just(805)], proptest::collection::vec((names, arb_value()), 0..12)).prop_map(
        |(id, pts)| DecodedModel {
            id,
            name: Default::default(),
            label: Default::default(),
            address: 0,
            length: 0,
            groups: vec![],
            notes: vec![],
            points: pts
                .into_iter()
                .map(|(n, value)| PointReading {
                    path: n.into(),
                    name: n.into(),
                    label: Default::default(),
                    value,
                    unit: None,
                    address: 0,
                    raw: Default::default(),
                    writable: None,
                })
                .collect(),
        },
    )
}

proptest! {
    #[test]
    fn evaluation_never_panics(models in proptest::collection::vec(arb_model(), 0..6), stale in any::<bool>(), units in proptest::collection::vec(any::<u8>(), 0..4), spread in any::<f64>()) {
        let obs = Observation {
            at_ms: 0, engineer: String::new(), link: String::new(),
            planned: units.iter().map(|&u| PlannedUnit { unit: u, cabinet: String::new(), model: None, firmware: None, energy_wh: Some(spread) }).collect(),
            units: units.iter().map(|&u| UnitObservation { unit: u, info: None, sample: Some(TelemetrySample { link: String::new(), unit: u, time_ms: 0, stale, health: DeviceHealth::Online, models: models.clone(), undecoded: vec![] }) }).collect(),
            design_setpoints: vec![DesignSetpoint { unit: None, point: PointRef::new(802, "V"), value: spread, tolerance: 1.0, unit_label: Default::default() }],
            tolerances: Tolerances { cell_spread_mv: spread, ..Tolerances::default() },
        };
        for step in bess_acceptance().steps {
            let r = evaluate(&step, &obs);
            prop_assert!(!(stale && r.outcome == Outcome::Pass && !matches!(step.check, Check::Communications | Check::FirmwareInventory { .. })), "stale data passed {}", step.id);
        }
        let _ = as_built(&obs.planned, &obs.units, &[]);
    }
}
