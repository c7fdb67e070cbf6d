//! Test fixtures shared by the integration tests and the test-child binary
//! (which includes this file with `#[path]`): a realistic design, a
//! populated project, and a deterministic sequence of edits.
#![allow(dead_code)]

use backstop_model::layout::{
    Clearances, Door, DoorLeadsTo, DoorSwing, EgressPath, Environment, ItRack, PlacedEquipment, Placement, Point, PowerUnit, PowerUnitKind,
    Room, RoomShape, Rotation,
};
use backstop_model::project::{Design, ProjectInfo, Record, Revision, Settings, SizingResultRecord, Tolerances};
use backstop_store::{
    AuditEntry, AuditOutcome, Project, Sample, Session, SessionOutcome, Signoff, SignoffOutcome, StepOutcome, StepResult, TelemetryWriter,
    WriterConfig,
};

/// SplitMix64: a tiny deterministic generator.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub fn info(name: &str) -> ProjectInfo {
    ProjectInfo {
        name: name.to_owned(),
        client: "Northwind Data Centers".to_owned(),
        site: "DC-7, Hall B".to_owned(),
        address: "12 Foundry Road\nSpringfield".to_owned(),
        engineer: "A. Engineer".to_owned(),
        notes: "Battery backstop for 4 MW IT load.".to_owned(),
        created_at_ms: 1_767_225_600_000,
    }
}

pub fn room(id: &str, x: i64) -> Room {
    Room {
        id: id.to_owned(),
        name: format!("Battery room {id}"),
        shape: RoomShape::Rectangle { origin: Point::new(x, 0), width_mm: 12_000, depth_mm: 8_000 },
        height_mm: 4_200,
        floor_load_kg_m2: 1_200.0,
        fire_area: Some("FA-2".to_owned()),
        environment: Environment::Indoor,
        doors: vec![Door::new(Point::new(x + 6_000, 0), 1_200, DoorSwing::Outward, DoorLeadsTo::Outside)],
        columns: Vec::new(),
        serves_case: None,
    }
}

pub fn cabinet(tag: &str, room_id: &str, x: i64) -> PlacedEquipment {
    PlacedEquipment {
        tag: tag.to_owned(),
        catalog_key: "cab-372".to_owned(),
        placement: Placement { room_id: room_id.to_owned(), position: Point::new(x, 2_000), rotation: Rotation::R90 },
        clearances: Clearances { front_mm: 1_200, rear_mm: 100, left_mm: 0, right_mm: 0 },
        voltage_to_ground_v: 1_500.0,
        ampacity_a: 250.0,
        serves_case: None,
    }
}

pub fn catalog_record() -> Record {
    Record {
        key: "cab-372".to_owned(),
        kind: "cabinet".to_owned(),
        name: "ESS cabinet 372 kWh".to_owned(),
        body: r#"{"energy_kwh":372.7,"mass_kg":3200,"footprint_mm":[1300,1400],"source":"datasheet rev C"}"#.to_owned(),
    }
}

/// A realistic design touching every kind of item.
pub fn sample_design() -> Design {
    let mut d = Design::new(info("DC-7 battery backstop"));
    d.revisions = vec![
        Revision { rev: "A".into(), date: "2026-01-10".into(), author: "AE".into(), description: "Issued for review".into() },
        Revision { rev: "B".into(), date: "2026-02-02".into(), author: "AE".into(), description: "Client comments".into() },
    ];
    d.settings = Settings {
        rule_set: Some("nfpa855-2026".into()),
        tolerances: Tolerances { voltage_pct: 0.5, ..Tolerances::default() },
        ..Settings::default()
    };
    d.catalog = vec![
        catalog_record(),
        Record {
            key: "ups-1000".into(),
            kind: "ups".into(),
            name: "UPS 1000 kVA".into(),
            body: r#"{"efficiency":0.965,"rated_kva":1000}"#.into(),
        },
    ];
    d.layout.rooms = vec![
        room("B1", 0),
        Room {
            id: "YARD".into(),
            name: "Outdoor yard".into(),
            shape: RoomShape::Polygon {
                vertices: vec![Point::new(20_000, 0), Point::new(40_000, 0), Point::new(40_000, 15_000), Point::new(25_000, 18_000)],
            },
            height_mm: 0,
            floor_load_kg_m2: 5_000.0,
            fire_area: None,
            environment: Environment::Outdoor,
            doors: vec![],
            columns: Vec::new(),
            serves_case: None,
        },
    ];
    d.layout.equipment = (1..=4).map(|i| cabinet(&format!("BC-{i:02}"), "B1", i * 1_500)).collect();
    d.layout.racks = (1..=3)
        .map(|i| ItRack {
            tag: format!("R-A{i:02}"),
            placement: Placement { room_id: "B1".into(), position: Point::new(i * 700, 6_000), rotation: Rotation::R0 },
            width_mm: 600,
            depth_mm: 1_200,
            load_kw: 40.0 + i as f64 * 2.5,
        })
        .collect();
    d.layout.power_units = vec![PowerUnit {
        tag: "UPS-1".into(),
        kind: PowerUnitKind::Ups,
        catalog_key: Some("ups-1000".into()),
        placement: Placement { room_id: "B1".into(), position: Point::new(10_000, 6_000), rotation: Rotation::R180 },
        clearances: Clearances { front_mm: 1_000, rear_mm: 600, left_mm: 0, right_mm: 0 },
        rated_kw: 900.0,
        voltage_to_ground_v: 480.0,
        ampacity_a: 1_600.0,
        serves: vec!["R-A01".into(), "R-A02".into(), "R-A03".into()],
        serves_case: None,
    }];
    d.layout.egress_paths = vec![EgressPath {
        id: "E1".into(),
        name: "Main aisle to D1".into(),
        route: vec![Point::new(11_000, 7_000), Point::new(6_000, 4_000), Point::new(6_000, 0)],
        width_mm: 1_100,
    }];
    d.sizing_cases = vec![Record {
        key: "ride-5min".into(),
        kind: "ups-ride-through".into(),
        name: "5 minute ride-through".into(),
        body: r#"{"duration_s":300,"load_kw":127.5}"#.into(),
    }];
    d.sizing_results = vec![SizingResultRecord {
        case_key: "ride-5min".into(),
        record: Record {
            key: "ride-5min/1".into(),
            kind: "ups-ride-through".into(),
            name: "Result 1".into(),
            body: r#"{"cabinets":4,"margin_pct":18.2}"#.into(),
        },
    }];
    d.sort_canonical();
    d
}

/// Fills a project with the sample design, commissioning records, audit
/// entries and an hour of telemetry of 4 points.
pub fn populate(project: &mut Project) {
    project.replace_design(&sample_design()).unwrap();
    let session = project
        .start_session(&Session {
            id: 0,
            template_key: "pack-acceptance".into(),
            device: "pack-01".into(),
            engineer: "A. Engineer".into(),
            started_at_ms: 1_767_300_000_000,
            ended_at_ms: None,
            outcome: SessionOutcome::InProgress,
            details: serde_json::json!({"firmware": "2.4.1"}),
        })
        .unwrap();
    project
        .record_step(&StepResult {
            id: 0,
            session_id: session,
            step_key: "insulation".into(),
            at_ms: 1_767_300_060_000,
            who: "A. Engineer".into(),
            outcome: StepOutcome::Pass,
            evidence: serde_json::json!({"megohm": 550.0}),
        })
        .unwrap();
    project.finish_session(session, 1_767_303_600_000, SessionOutcome::Passed).unwrap();
    project
        .add_signoff(&Signoff {
            id: 0,
            session_id: Some(session),
            at_ms: 1_767_303_700_000,
            who: "C. Client".into(),
            role: "client representative".into(),
            outcome: SignoffOutcome::Accepted,
            statement: "Pack 01 accepted.".into(),
            details: serde_json::json!({}),
        })
        .unwrap();
    project
        .append_audit(&AuditEntry {
            id: 0,
            at_ms: 1_767_300_100_000,
            who: "A. Engineer".into(),
            device: "pack-01".into(),
            action: "write-register".into(),
            target: "charge_limit_a".into(),
            outcome: AuditOutcome::Done,
            details: serde_json::json!({"before": 100, "after": 80}),
        })
        .unwrap();
    let mut writer = TelemetryWriter::new(WriterConfig::default());
    let points = [("pack-01", "cell_v_max", "V"), ("pack-01", "temp_max", "degC"), ("pack-01", "current", "A"), ("pack-01", "soc", "%")];
    let ids: Vec<_> = points.iter().map(|(d, p, u)| project.telemetry_point(d, p, u).unwrap()).collect();
    let mut rng = Rng(7);
    for s in 0..3_600i64 {
        let t = 1_767_300_000_000 + s * 1_000;
        let values = [
            (3_310 + rng.below(5) as i64) as f64 / 1_000.0,
            (251 + rng.below(3) as i64) as f64 / 10.0,
            (1_200 + rng.below(40) as i64 - 20) as f64 / 10.0,
            80.0 - s as f64 / 360.0,
        ];
        for (id, v) in ids.iter().zip(values) {
            writer.append(project, *id, Sample { t_ms: t, value: v }).unwrap();
        }
    }
    writer.flush(project).unwrap();
}

/// The deterministic edit number `i` of sequence `seed`; applied to the
/// same starting file, the same `(seed, i)` sequence yields the same state.
/// Returns a description; errors are part of the sequence.
/// Applies edit `i` of the deterministic sequence `seed`; an error is
/// returned, never swallowed (every edit of the sequence must succeed).
pub fn apply_op(project: &mut Project, writer: &mut TelemetryWriter, seed: u64, i: u64) -> Result<String, backstop_store::StoreError> {
    let mut rng = Rng(seed ^ (i.wrapping_mul(0x2545_F491_4F6C_DD1D)));
    let kind = rng.below(10);
    let rooms: Vec<String> = project.design().unwrap().layout.rooms.iter().map(|r| r.id.clone()).collect();
    let equipment: Vec<String> = project.design().unwrap().layout.equipment.iter().map(|e| e.tag.clone()).collect();
    let res: Result<(), backstop_store::StoreError> = match kind {
        1 | 2 if !rooms.is_empty() => {
            let room_id = &rooms[rng.below(rooms.len() as u64) as usize];
            project.put_equipment(&cabinet(&format!("E-{:02}", rng.below(12)), room_id, rng.below(10_000) as i64))
        }
        // Undo can remove every room: equipment needs one first.
        0..=2 => project.put_room(&room(&format!("R{}", rng.below(6)), rng.below(50) as i64 * 1_000)),
        3 if !equipment.is_empty() => project.delete_equipment(&equipment[rng.below(equipment.len() as u64) as usize]),
        3 | 4 => project.undo().map(|_| ()),
        5 => project.redo().map(|_| ()),
        6 => {
            let mut info = project.info().unwrap();
            info.notes = format!("note {i}");
            project.set_project_info(&info)
        }
        7 => project
            .append_audit(&AuditEntry {
                id: 0,
                at_ms: 1_767_400_000_000 + i as i64,
                who: "child".into(),
                device: "pack-02".into(),
                action: "write-register".into(),
                target: format!("reg {i}"),
                outcome: AuditOutcome::Refused,
                details: serde_json::json!({"op": i}),
            })
            .map(|_| ()),
        8 => {
            let point = project.telemetry_point("pack-02", "cell_v_min", "V").unwrap();
            let samples: Vec<Sample> = (0..50)
                .map(|j| Sample { t_ms: 1_767_500_000_000 + i as i64 * 100_000 + j * 1_000, value: (3_200 + j) as f64 / 1_000.0 })
                .collect();
            writer.append_many(project, point, &samples).and_then(|()| writer.flush(project)).map(|_| ())
        }
        _ => project.edit("Move all equipment", |e| {
            let design = e_design_snapshot(&equipment);
            for tag in design {
                let mut item = cabinet(&tag, "B1", 0);
                item.placement.position.x_mm = (i as i64 % 20) * 500;
                e.put_equipment(&item)?;
            }
            Ok(())
        }),
    };
    res.map(|()| format!("op {i} kind {kind}: ok"))
}

fn e_design_snapshot(tags: &[String]) -> Vec<String> {
    tags.to_vec()
}

/// Everything that an edit or record can change, as one comparable text.
pub fn digest(project: &Project) -> String {
    let design = project.export_design_json().unwrap();
    let s = project.summary().unwrap();
    let undo = project.undo_state().unwrap();
    format!(
        "{design}\naudit={} telemetry={:?} undo={:?}/{:?} depth={}/{}",
        s.audit_entries,
        s.telemetry[2],
        undo.undo.map(|u| u.label),
        undo.redo.map(|u| u.label),
        undo.undo_depth,
        undo.redo_depth
    )
}
