//! `backstop demo FILE`: writes the sample project the README's run command
//! opens — a data hall with ten 60 kW racks, its UPS and a battery room with
//! three LFP UPS cabinets whose pack controllers answer as unit ids 1, 2 and
//! 3 (the simulator started by `scripts/demo`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use backstop_model::commissioning::{CommissioningPlan, DesignSetpoint, PlannedUnit, PointRef};
use backstop_model::layout::{
    Clearances, Door, DoorLeadsTo, DoorSwing, EgressPath, Environment, ItRack, PlacedEquipment, Placement, Point,
    PowerUnit, PowerUnitKind, Room, RoomShape, Rotation,
};
use backstop_model::project::{Design, ProjectInfo, Record, Revision, Settings, Tolerances};
use backstop_store::{CreateOptions, Project};

/// Catalog key of the demo's battery cabinet.
pub const CABINET_KEY: &str = "demo-lfp-ups-cabinet";

/// Firmware the demo's address plan specifies (the simulator's default).
pub const DEMO_FIRMWARE: &str = "2.3.1";

/// The demo design.
pub fn design(now_ms: i64) -> Design {
    let mut d = Design::new(ProjectInfo {
        name: "Hall B battery backstop".into(),
        client: "Northwind AI Campus".into(),
        site: "Building 2, Data Hall B".into(),
        address: "400 Example Parkway\nAshburn, VA".into(),
        engineer: "Demo Engineer".into(),
        notes: "Sample project shipped with Backstop: ten 60 kW racks on one UPS with a 5-minute LFP battery backstop.".into(),
        created_at_ms: now_ms,
    });
    d.revisions = vec![Revision {
        rev: "A".into(),
        date: "2026-11-02".into(),
        author: "Demo Engineer".into(),
        description: "Issued for review".into(),
    }];
    d.settings = Settings {
        rule_set: None,
        tolerances: Tolerances::default(),
        commissioning: CommissioningPlan {
            units: (1..=3)
                .map(|u| PlannedUnit {
                    unit: u,
                    cabinet: format!("BC-{u:02}"),
                    model: None,
                    firmware: Some(DEMO_FIRMWARE.into()),
                    energy_wh: None,
                })
                .collect(),
            firmware: DEMO_FIRMWARE.into(),
            model: String::new(),
            design_setpoints: vec![DesignSetpoint {
                unit: None,
                point: PointRef::new(802, "SoCRsvMin"),
                value: 10.0,
                tolerance: 0.5,
                unit_label: "%".into(),
            }],
            template: None,
            assignments: vec![],
        },
        rule_sets: vec![],
    };
    d.catalog = vec![Record {
        key: CABINET_KEY.into(),
        kind: "battery-cabinet".into(),
        name: "LFP UPS battery cabinet, 40 kWh (demo entry)".into(),
        body: serde_json::json!({
            "note": "Demo catalog entry with typical figures for a 40 kWh LFP UPS cabinet; not a vendor datasheet.",
            "energy_kwh": 40.0,
            "width_mm": 650, "depth_mm": 850, "height_mm": 2000,
            "mass_kg": 640.0,
            "chemistry": "lfp",
            "ul9540a": true,
        })
        .to_string(),
    }];
    let room = |id: &str, name: &str, x: i64, w: u32, dpt: u32, door_x: i64| Room {
        id: id.into(),
        name: name.into(),
        shape: RoomShape::Rectangle { origin: Point::new(x, 0), width_mm: w, depth_mm: dpt },
        height_mm: 4_000,
        floor_load_kg_m2: 1_500.0,
        fire_area: Some("FA-B".into()),
        environment: Environment::Indoor,
        doors: vec![Door { position: Point::new(door_x, 0), width_mm: 1_200, swing: DoorSwing::Outward, leads_to: DoorLeadsTo::Corridor }],
    };
    d.layout.rooms = vec![
        room("HALL-B", "Data hall B", 0, 16_000, 10_000, 8_000),
        room("ESS-B", "Battery room B", 17_000, 9_000, 7_000, 21_500),
    ];
    d.layout.racks = (0..10)
        .map(|i| ItRack {
            tag: format!("R-B{:02}", i + 1),
            placement: Placement { room_id: "HALL-B".into(), position: Point::new(2_300 + i * 1_200, 6_000), rotation: Rotation::R0 },
            width_mm: 600,
            depth_mm: 1_200,
            load_kw: 60.0,
        })
        .collect();
    d.layout.power_units = vec![PowerUnit {
        tag: "UPS-B1".into(),
        kind: PowerUnitKind::Ups,
        catalog_key: None,
        placement: Placement { room_id: "ESS-B".into(), position: Point::new(24_500, 5_000), rotation: Rotation::R90 },
        clearances: Clearances { front_mm: 1_200, rear_mm: 300, left_mm: 0, right_mm: 0 },
        rated_kw: 750.0,
        voltage_to_ground_v: 277.0,
        ampacity_a: 1_200.0,
        serves: (1..=10).map(|i| format!("R-B{i:02}")).collect(),
    }];
    d.layout.equipment = (0..3)
        .map(|i| PlacedEquipment {
            tag: format!("BC-{:02}", i + 1),
            catalog_key: CABINET_KEY.into(),
            placement: Placement { room_id: "ESS-B".into(), position: Point::new(19_000 + i * 1_800, 5_500), rotation: Rotation::R0 },
            clearances: Clearances { front_mm: 1_000, rear_mm: 100, left_mm: 0, right_mm: 0 },
            voltage_to_ground_v: 480.0,
            ampacity_a: 400.0,
        })
        .collect();
    d.layout.egress_paths = vec![EgressPath {
        id: "EG-1".into(),
        name: "Battery room aisle to door".into(),
        route: vec![Point::new(18_500, 3_500), Point::new(21_500, 3_500), Point::new(21_500, 0)],
        width_mm: 1_100,
    }];
    d.sort_canonical();
    d
}

/// Writes the demo project to `path` (which must not exist yet).
pub fn run(path: &Path) -> Result<ExitCode> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    Project::create_from_design(path, &design(now), &CreateOptions::default())?;
    println!("wrote the demo project to {}", path.display());
    Ok(ExitCode::SUCCESS)
}
