//! Round trips: JSON export → import gives the same design (property test
//! over generated designs); Save As gives an identical project; a file of
//! the first schema version is migrated forward only when asked, after a
//! backup copy is written, and opening it for viewing changes nothing.

mod support;

use backstop_model::layout::{
    Clearances, Column, Door, DoorHinge, DoorLeadsTo, DoorSwing, EgressPath, EgressRules, Environment, ItRack, PlacedEquipment, Placement,
    Point, PowerUnit, PowerUnitKind, Room, RoomShape, Rotation,
};
use backstop_model::project::{Design, ProjectInfo, Record, Revision, Settings, SizingResultRecord, Tolerances};
use backstop_store::{CreateOptions, Migration, OpenOptions, Project, SCHEMA_VERSION, StoreError, design_from_json, design_to_json};
use proptest::prelude::*;
use support::fixtures::{digest, info, populate, sample_design};

#[test]
fn sample_design_round_trips_through_json_and_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let design = sample_design();
    let json = design_to_json(&design).unwrap();
    // Import normalises (e.g. record bodies get sorted keys); the normal
    // form exports to exactly the same text, so diffs stay minimal.
    let design = design_from_json(&json).unwrap();
    assert_eq!(design_to_json(&design).unwrap(), json);
    // Stable: exporting the import gives the same text (diffable in git).
    let imported = Project::import_design_json(&dir.path().join("imported.backstop"), &json, &CreateOptions::default()).unwrap();
    assert_eq!(imported.export_design_json().unwrap(), json);
    assert_eq!(imported.design().unwrap(), design);
}

#[test]
fn save_as_produces_an_identical_project() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.backstop");
    let mut p = Project::create(&path, &info("Save as"), &CreateOptions::default()).unwrap();
    populate(&mut p);
    let before = digest(&p);
    let summary = p.summary().unwrap();
    let copy = dir.path().join("site (copy).backstop");
    p.save_as(&copy, &CreateOptions::default()).unwrap();
    assert_eq!(p.path(), copy.as_path());
    assert_eq!(digest(&p), before);
    let s2 = p.summary().unwrap();
    assert_eq!(
        (s2.layout_counts, s2.catalog_entries, s2.sizing, s2.commissioning, s2.audit_entries, s2.telemetry, s2.history),
        (
            summary.layout_counts,
            summary.catalog_entries,
            summary.sizing,
            summary.commissioning,
            summary.audit_entries,
            summary.telemetry,
            summary.history
        )
    );
    // Writing to the same file, or over an existing one without asking, is refused.
    assert!(p.save_as(&copy, &CreateOptions::default()).is_err());
    assert!(matches!(p.save_as(&path, &CreateOptions::default()), Err(StoreError::AlreadyExists { .. })));
}

#[test]
fn first_schema_version_migrates_forward_only_when_confirmed_with_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("made by 0.0.9.backstop");
    Project::create_in_old_format(&path, &info("Old file"), 1).unwrap();
    let original = std::fs::read(&path).unwrap();

    // Viewing an old file works through an upgraded copy in memory; the file is untouched.
    let view = Project::open(&path, &OpenOptions::view()).unwrap();
    assert!(view.open_report().viewing_upgraded_copy);
    assert_eq!(view.info().unwrap().name, "Old file");
    drop(view);
    assert_eq!(std::fs::read(&path).unwrap(), original);

    // Editing needs confirmation.
    let e = Project::open(&path, &OpenOptions::edit()).unwrap_err();
    assert!(matches!(e, StoreError::NeedsMigration { file_schema: 1, current_schema, .. } if current_schema == SCHEMA_VERSION), "{e}");
    assert!(e.to_string().contains("backup copy"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), original);

    // Confirmed: a backup next to it, then the upgrade; edits and undo work.
    let mut p = Project::open(&path, &OpenOptions { migration: Migration::BackupThenMigrate, ..OpenOptions::edit() }).unwrap();
    let report = p.open_report().migrated.clone().unwrap();
    assert_eq!((report.from, report.to), (1, SCHEMA_VERSION));
    assert_eq!(std::fs::read(&report.backup).unwrap(), original, "the backup is the old file, byte for byte");
    assert_eq!(report.backup.parent(), path.parent());
    let mut i = p.info().unwrap();
    i.client = "Upgraded client".into();
    p.set_project_info(&i).unwrap();
    p.undo().unwrap();
    assert_eq!(p.info().unwrap().client, info("x").client);
    drop(p);
    Project::check(&path).unwrap();
}

/// Rooms without columns and doors without id, hinge side, fire rating or
/// panic hardware are written exactly as before issue 18, and text written
/// then (a door as the earlier versions saved it, a rule set without the
/// door width) is read with the defaults: old files and exports load.
#[test]
fn a_design_saved_before_doors_and_columns_loads_with_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let json = design_to_json(&sample_design()).unwrap();
    for new_key in ["\"columns\"", "\"hinge\"", "\"fire_rating_min\"", "\"panic_hardware\"", "\"min_door_width_mm\""] {
        assert!(!json.contains(new_key), "{new_key} written for a design that has none");
    }
    let old_door = r#"{"position":{"x_mm":6000,"y_mm":0},"width_mm":1200,"swing":"outward","leads_to":{"to":"outside"}}"#;
    let door: Door = serde_json::from_str(old_door).unwrap();
    assert_eq!(door, Door::new(Point::new(6_000, 0), 1_200, DoorSwing::Outward, DoorLeadsTo::Outside));
    assert_eq!((door.id.as_str(), door.hinge, door.fire_rating_min, door.panic_hardware), ("", DoorHinge::Right, 0, false));
    let egress: EgressRules = serde_json::from_str(r#"{"min_width_mm":914}"#).unwrap();
    assert_eq!((egress.min_width_mm, egress.min_door_width_mm), (914, 813));

    // Through a project file: the imported old text opens with its doors
    // named by room and number and no columns.
    let p = Project::import_design_json(&dir.path().join("old.backstop"), &json, &CreateOptions::default()).unwrap();
    let design = p.design().unwrap();
    assert!(!design.layout.rooms.is_empty());
    for r in &design.layout.rooms {
        assert!(r.columns.is_empty());
        for (i, d) in r.doors.iter().enumerate() {
            assert_eq!(d.key(&r.id, i), format!("{}/door-{}", r.id, i + 1));
        }
    }
    assert_eq!(p.export_design_json().unwrap(), json);
}

fn arb_text() -> impl Strategy<Value = String> {
    // Unicode, quotes, newlines, JSON and SQL metacharacters.
    proptest::string::string_regex("[a-zA-Z0-9 éü東\"'\\\\\n{}\\[\\];,-]{0,24}").unwrap()
}

fn arb_design() -> impl Strategy<Value = Design> {
    (
        arb_text(),
        proptest::collection::vec((1u32..99, arb_text()), 0..4),
        proptest::collection::vec((0i64..50_000, 0i64..50_000, 1u32..20_000, 1u32..20_000, arb_text()), 1..4),
        proptest::collection::vec((0i64..10_000, 0i64..10_000, 0u8..4, -1.0e6f64..1.0e6), 0..6),
        proptest::collection::vec((arb_text(), arb_text()), 0..3),
    )
        .prop_map(|(name, revs, rooms, items, records)| {
            let mut d = Design::new(ProjectInfo { name: format!("P{name}"), created_at_ms: 1, ..ProjectInfo::default() });
            d.revisions = revs
                .into_iter()
                .enumerate()
                .map(|(i, (day, text))| Revision {
                    rev: format!("R{i}"),
                    date: format!("2026-01-{:02}", 1 + day % 28),
                    author: text.clone(),
                    description: text,
                })
                .collect();
            d.layout.rooms = rooms
                .iter()
                .enumerate()
                .map(|(i, (x, y, w, h, text))| Room {
                    id: format!("room-{i}"),
                    name: text.clone(),
                    shape: RoomShape::Rectangle { origin: Point::new(*x, *y), width_mm: *w, depth_mm: *h },
                    height_mm: 3_000,
                    floor_load_kg_m2: 1_200.5,
                    fire_area: if i % 2 == 0 { Some(format!("FA-{i}")) } else { None },
                    environment: Environment::Indoor,
                    doors: vec![],
                    columns: Vec::new(),
                    serves_case: None,
                })
                .collect();
            d.catalog = records
                .iter()
                .enumerate()
                .map(|(i, (n, body))| Record {
                    key: format!("cat-{i}"),
                    kind: "cabinet".into(),
                    name: n.clone(),
                    body: serde_json::json!({ "note": body }).to_string(),
                })
                .collect();
            d.layout.equipment = items
                .into_iter()
                .enumerate()
                .filter(|_| !d.catalog.is_empty())
                .map(|(i, (x, y, r, v))| PlacedEquipment {
                    tag: format!("BC-{i:02}"),
                    catalog_key: "cat-0".into(),
                    placement: Placement {
                        room_id: "room-0".into(),
                        position: Point::new(x, y),
                        rotation: [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270][r as usize],
                    },
                    clearances: Clearances { front_mm: 914, rear_mm: 0, left_mm: 10, right_mm: 10 },
                    voltage_to_ground_v: v.abs(),
                    ampacity_a: v.abs() / 10.0,
                    serves_case: None,
                })
                .collect();
            d.sort_canonical();
            d
        })
}

fn arb_point() -> impl Strategy<Value = Point> {
    (any::<i64>(), any::<i64>()).prop_map(|(x, y)| Point::new(x, y))
}

fn arb_rotation() -> impl Strategy<Value = Rotation> {
    prop_oneof![Just(Rotation::R0), Just(Rotation::R90), Just(Rotation::R180), Just(Rotation::R270)]
}

fn finite() -> impl Strategy<Value = f64> {
    // Non-negative finite values of every magnitude, including subnormals.
    prop_oneof![0.0f64..1.0e4, proptest::num::f64::POSITIVE | proptest::num::f64::ZERO | proptest::num::f64::SUBNORMAL]
}

/// The rest of a design: polygons and doors, racks, UPS/PCS units, egress
/// paths, settings, sizing cases and results.
fn with_everything() -> impl Strategy<Value = Design> {
    (
        arb_design(),
        proptest::collection::vec(arb_point(), 3..7),
        (
            proptest::collection::vec(
                ((arb_point(), any::<u32>(), 0u8..3, 0u8..3), (arb_text(), any::<bool>(), any::<u32>(), any::<bool>())),
                0..3,
            ),
            proptest::collection::vec((arb_text(), arb_point(), any::<u32>(), any::<u32>()), 0..3),
        ),
        proptest::collection::vec((arb_point(), arb_rotation(), any::<u32>(), any::<u32>(), finite()), 0..4),
        proptest::collection::vec((any::<bool>(), arb_point(), arb_rotation(), finite(), finite(), finite()), 0..3),
        proptest::collection::vec((arb_text(), proptest::collection::vec(arb_point(), 0..5), any::<u32>()), 0..3),
        (finite(), finite(), finite(), finite(), finite(), proptest::option::of(arb_text())),
        proptest::collection::vec((arb_text(), any::<i64>(), finite()), 0..3),
    )
        .prop_map(|(mut d, vertices, (doors, columns), racks, units, egress, tol, cases)| {
            let other_room = d.layout.rooms[0].id.clone();
            d.layout.rooms.push(Room {
                id: "yard".into(),
                name: "Yard".into(),
                shape: RoomShape::Polygon { vertices },
                height_mm: 0,
                floor_load_kg_m2: tol.0,
                fire_area: None,
                environment: Environment::Outdoor,
                doors: doors
                    .into_iter()
                    .map(|((position, width_mm, swing, to), (id, left, fire_rating_min, panic_hardware))| Door {
                        id,
                        position,
                        width_mm,
                        swing: [DoorSwing::Inward, DoorSwing::Outward, DoorSwing::Sliding][swing as usize],
                        hinge: if left { DoorHinge::Left } else { DoorHinge::Right },
                        leads_to: match to {
                            0 => DoorLeadsTo::Outside,
                            1 => DoorLeadsTo::Corridor,
                            _ => DoorLeadsTo::Room(other_room.clone()),
                        },
                        fire_rating_min,
                        panic_hardware,
                    })
                    .collect(),
                columns: columns
                    .into_iter()
                    .map(|(id, position, width_mm, depth_mm)| Column { id, position, width_mm, depth_mm })
                    .collect(),
                serves_case: None,
            });
            d.layout.racks = racks
                .into_iter()
                .enumerate()
                .map(|(i, (position, rotation, width_mm, depth_mm, load_kw))| ItRack {
                    tag: format!("R-{i:02}"),
                    placement: Placement { room_id: "yard".into(), position, rotation },
                    width_mm,
                    depth_mm,
                    load_kw,
                })
                .collect();
            let first_catalog = d.catalog.first().map(|c| c.key.clone());
            d.layout.power_units = units
                .into_iter()
                .enumerate()
                .map(|(i, (ups, position, rotation, kw, v, a))| PowerUnit {
                    tag: format!("PU-{i}"),
                    kind: if ups { PowerUnitKind::Ups } else { PowerUnitKind::Pcs },
                    catalog_key: if ups { first_catalog.clone() } else { None },
                    placement: Placement { room_id: other_room.clone(), position, rotation },
                    clearances: Clearances { front_mm: 1_000, rear_mm: 0, left_mm: 5, right_mm: 5 },
                    rated_kw: kw,
                    voltage_to_ground_v: v,
                    ampacity_a: a,
                    serves: vec!["R-00".into()],
                    serves_case: None,
                })
                .collect();
            d.layout.egress_paths = egress
                .into_iter()
                .enumerate()
                .map(|(i, (name, route, width_mm))| EgressPath { id: format!("E{i}"), name, route, width_mm })
                .collect();
            d.settings = Settings {
                rule_set: tol.5,
                tolerances: Tolerances {
                    voltage_pct: tol.0,
                    current_pct: tol.1,
                    temperature_k: tol.2,
                    soc_points: tol.3,
                    cell_spread_mv: tol.4,
                },
                ..Settings::default()
            };
            for (i, (name, n, x)) in cases.into_iter().enumerate() {
                let key = format!("case-{i}");
                d.sizing_cases.push(Record {
                    key: key.clone(),
                    kind: "ups-ride-through".into(),
                    name: name.clone(),
                    body: serde_json::json!({ "n": n, "x": x, "name": name }).to_string(),
                });
                d.sizing_results.push(SizingResultRecord {
                    case_key: key.clone(),
                    record: Record {
                        key: format!("{key}/result"),
                        kind: "ups-ride-through".into(),
                        name: "Result".into(),
                        body: serde_json::json!({ "ok": i % 2 == 0, "list": [n, 1, 2] }).to_string(),
                    },
                });
            }
            d.sort_canonical();
            d
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn json_export_import_is_exact(design in with_everything()) {
        let json = design_to_json(&design).unwrap();
        prop_assert_eq!(&design_from_json(&json).unwrap(), &design);
        let dir = tempfile::tempdir().unwrap();
        let p = Project::import_design_json(&dir.path().join("d.backstop"), &json, &CreateOptions::default()).unwrap();
        prop_assert_eq!(p.design().unwrap(), design);
        prop_assert_eq!(p.export_design_json().unwrap(), json);
    }
}
