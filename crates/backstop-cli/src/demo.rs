//! `backstop demo FILE`: writes the sample project the README's run command
//! opens — a data hall with ten 60 kW racks and a battery room with its
//! three 500 kW UPS modules (N+1) and the nine LFP UPS cabinets its UPS
//! sizing case needs (the room names the case, so `backstop check` holds
//! the layout against the case's governing result). The address plan gives
//! each cabinet's pack controller a unit id, BC-01 → 1 … BC-09 → 9 (the
//! simulator started by `scripts/demo` answers as some of them).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use backstop_model::commissioning::{CommissioningPlan, DesignSetpoint, PlannedUnit, PointRef};
use backstop_model::layout::{
    Clearances, Door, DoorLeadsTo, DoorSwing, EgressPath, Environment, ItRack, PlacedEquipment, Placement, Point, PowerUnit, PowerUnitKind,
    Room, RoomShape, Rotation,
};
use backstop_model::project::{Design, ProjectInfo, Record, Revision, Settings, SizingResultRecord, Tolerances};
use backstop_store::{CreateOptions, Project};

/// Built-in catalog entry of the demo's battery cabinets (512 V, 51.2 kWh LFP).
pub const CABINET_KEY: &str = "lfp-ups-cabinet-512v100";
/// Built-in catalog entry of the demo's UPS units.
pub const UPS_KEY: &str = "ups-500kva-dc";
/// The demo's IT rack entry (typical loaded AI rack; not in the built-in catalog).
pub const RACK_KEY: &str = "demo-ai-rack-60kw";

/// A built-in catalog entry as the project keeps it (copied in, so the
/// project reopens identically when the built-in catalog changes).
fn builtin_record(key: &str) -> Record {
    match backstop_sizing::find(backstop_sizing::default_catalog(), key) {
        Some(e) => Record {
            key: e.key.clone(),
            kind: serde_json::to_value(e.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            name: format!("{} {}", e.manufacturer, e.model).trim().to_owned(),
            body: serde_json::to_string(e).unwrap_or_default(),
        },
        // The built-in catalog is tested to contain these keys.
        None => Record { key: key.into(), kind: "missing".into(), name: format!("{key} (not in this build's catalog)"), body: "{}".into() },
    }
}

/// Battery cabinets in the demo's battery room: what the governing result
/// of its UPS case installs (IEEE 485/1115 duty cycle: 8 strings + N+1).
pub const CABINETS: usize = 9;
/// UPS modules: 2 carry the 660 kW design load, N+1 installs 3.
pub const UPS_MODULES: usize = 3;
/// Key of the demo's UPS sizing case, which the battery room serves.
pub const UPS_CASE_KEY: &str = "ups-1";

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
        notes: "Sample project shipped with Backstop: ten 60 kW racks on three 500 kW UPS modules (N+1) with a 5-minute LFP battery backstop of nine cabinets.".into(),
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
            units: (1..=CABINETS as u8)
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
            write_limits: vec![],
        },
        rule_sets: vec![],
    };
    d.catalog = vec![
        builtin_record(CABINET_KEY),
        builtin_record(UPS_KEY),
        Record {
            key: RACK_KEY.into(),
            kind: "it-rack".into(),
            name: "AI rack, 60 kW (demo entry)".into(),
            body: serde_json::json!({
                "description": "Liquid-cooled AI training rack, 60 kW, 600 × 1200 mm",
                "note": "Typical figures for a loaded 48U AI rack; use the client's rack data.",
                "mass_kg": 1360.0,
                "height_mm": 2280,
                "unit_cost": 0.0,
            })
            .to_string(),
        },
    ];
    // Exit doors open outward with panic hardware (the UPS modules are
    // rated 800 A: NEC 110.26(C)(3)); the battery room's is a 90-minute
    // fire door.
    let door = |id: &str, x: i64, rating: u32| Door {
        id: id.into(),
        fire_rating_min: rating,
        panic_hardware: true,
        ..Door::new(Point::new(x, 0), 1_200, DoorSwing::Outward, DoorLeadsTo::Corridor)
    };
    let room = |id: &str, name: &str, x: i64, w: u32, dpt: u32, door: Door, floor: f64, case: Option<&str>| Room {
        id: id.into(),
        name: name.into(),
        shape: RoomShape::Rectangle { origin: Point::new(x, 0), width_mm: w, depth_mm: dpt },
        height_mm: 4_000,
        floor_load_kg_m2: floor,
        fire_area: Some("FA-B".into()),
        environment: Environment::Indoor,
        doors: vec![door],
        columns: Vec::new(),
        serves_case: case.map(str::to_owned),
    };
    d.layout.rooms = vec![
        // An AI-ready slab in the hall; a standard one in the battery room,
        // whose cabinets and UPS modules serve the UPS sizing case.
        room("HALL-B", "Data hall B", 0, 16_000, 10_000, door("D-B1", 8_000, 0), 2_500.0, None),
        room("ESS-B", "Battery room B", 17_000, 12_000, 9_000, door("D-B2", 21_500, 90), 1_500.0, Some(UPS_CASE_KEY)),
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
    // Two 500 kVA modules in parallel carry the 660 kW design load; N+1
    // installs a third, as the sizing case says. Along the east wall,
    // facing west.
    d.layout.power_units = (0..UPS_MODULES as i64)
        .map(|i| PowerUnit {
            tag: format!("UPS-B{}", i + 1),
            kind: PowerUnitKind::Ups,
            catalog_key: Some(UPS_KEY.into()),
            placement: Placement { room_id: "ESS-B".into(), position: Point::new(28_200, 1_800 + i * 2_600), rotation: Rotation::R270 },
            clearances: Clearances { front_mm: 1_200, rear_mm: 300, left_mm: 0, right_mm: 0 },
            rated_kw: 500.0,
            voltage_to_ground_v: 277.0,
            ampacity_a: 800.0,
            serves: (1..=10).map(|r| format!("R-B{r:02}")).collect(),
            serves_case: None,
        })
        .collect();
    // Two rows facing south, 1.2 m between cabinets (each its own array):
    // BC-01…05 along the north wall, BC-06…09 in front of their working
    // space; the aisle between the rows leads to the egress path.
    d.layout.equipment = (0..CABINETS as i64)
        .map(|i| PlacedEquipment {
            tag: format!("BC-{:02}", i + 1),
            catalog_key: CABINET_KEY.into(),
            placement: Placement {
                room_id: "ESS-B".into(),
                position: if i < 5 { Point::new(18_800 + i * 1_800, 7_500) } else { Point::new(18_800 + (i - 5) * 1_800, 4_300) },
                rotation: Rotation::R0,
            },
            clearances: Clearances { front_mm: 1_000, rear_mm: 100, left_mm: 0, right_mm: 0 },
            voltage_to_ground_v: 480.0,
            ampacity_a: 400.0,
            serves_case: None,
        })
        .collect();
    d.layout.egress_paths = vec![EgressPath {
        id: "EG-1".into(),
        name: "Battery room aisles to door".into(),
        route: vec![
            Point::new(25_000, 5_450),
            Point::new(17_700, 5_450),
            Point::new(17_700, 2_000),
            Point::new(21_500, 2_000),
            Point::new(21_500, 0),
        ],
        width_mm: 1_100,
    }];
    if let Some((case, result)) = sizing_records() {
        d.sizing_cases.push(case);
        d.sizing_results.push(result);
    }
    d.sort_canonical();
    d
}

/// The demo's UPS ride-through case for the hall's 600 kW of racks, with its
/// result computed by the engine (so the Sizing area and the design report
/// show a real calculation sheet out of the box). Stored as the app stores
/// cases: kinds and keys from `backstop_model::sizing_view`.
fn sizing_records() -> Option<(Record, SizingResultRecord)> {
    use backstop_model::sizing::{DcBus, LoadSpec, Redundancy, UpsCase};
    use backstop_model::sizing_view::{UPS_CASE_KIND, UPS_RESULT_KIND, result_key};
    let case = UpsCase {
        name: "Hall B ride-through".into(),
        load: LoadSpec::PerRack { kw_per_rack: 60.0, racks: 10 },
        growth_margin: 0.10,
        ups_efficiency: 0.96,
        ups_key: Some(UPS_KEY.into()),
        runtime_min: 5.0,
        dc_bus: DcBus { v_max: 552.0, v_min: 400.0, cells_in_series: None, float_v_cell: None },
        ambient_c: 20.0,
        design_margin: 1.10,
        aging_factor: 1.25,
        temperature_factor: None,
        redundancy: Redundancy::NPlus1,
        battery_key: CABINET_KEY.into(),
        methods: vec![],
        duty_cycle: None,
        ecm: Default::default(),
        curve_load_fractions: vec![],
    };
    let result = backstop_sizing::size_ups(&case, backstop_sizing::default_catalog());
    let key = UPS_CASE_KEY;
    Some((
        Record { key: key.into(), kind: UPS_CASE_KIND.into(), name: case.name.clone(), body: serde_json::to_string(&case).ok()? },
        SizingResultRecord {
            case_key: key.into(),
            record: Record {
                key: result_key(key),
                kind: UPS_RESULT_KIND.into(),
                name: case.name.clone(),
                body: serde_json::to_string(&result).ok()?,
            },
        },
    ))
}

/// Writes the demo project to `path` (which must not exist yet).
pub fn run(path: &Path) -> Result<ExitCode> {
    let now = backstop_model::time::now_ms();
    Project::create_from_design(path, &design(now), &CreateOptions::default())?;
    println!("wrote the demo project to {}", path.display());
    Ok(ExitCode::SUCCESS)
}
