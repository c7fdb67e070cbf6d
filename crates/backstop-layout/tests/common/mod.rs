//! Builders shared by the integration tests.
#![allow(dead_code)]

use backstop_layout::{CheckInput, check, default_rule_set};
use backstop_model::layout::*;

pub fn rect_room(id: &str, x: i64, y: i64, w: u32, d: u32) -> Room {
    Room {
        id: id.into(),
        name: format!("Room {id}"),
        shape: RoomShape::Rectangle { origin: Point::new(x, y), width_mm: w, depth_mm: d },
        height_mm: 3000,
        floor_load_kg_m2: 5000.0,
        fire_area: Some("FA-1".into()),
        environment: Environment::Indoor,
        doors: Vec::new(),
        serves_case: None,
    }
}

pub fn place(room: &str, x: i64, y: i64, rot: Rotation) -> Placement {
    Placement { room_id: room.into(), position: Point::new(x, y), rotation: rot }
}

pub fn equip(tag: &str, key: &str, room: &str, x: i64, y: i64, rot: Rotation) -> PlacedEquipment {
    PlacedEquipment {
        tag: tag.into(),
        catalog_key: key.into(),
        placement: place(room, x, y, rot),
        clearances: Clearances::default(),
        voltage_to_ground_v: 0.0,
        ampacity_a: 0.0,
        serves_case: None,
    }
}

pub fn rack(tag: &str, room: &str, x: i64, y: i64, w: u32, d: u32) -> ItRack {
    ItRack { tag: tag.into(), placement: place(room, x, y, Rotation::R0), width_mm: w, depth_mm: d, load_kw: 10.0 }
}

/// A Li-ion battery cabinet spec (no working space needed).
pub fn battery(key: &str, w: u32, d: u32, kwh: f64) -> EquipmentSpec {
    EquipmentSpec {
        key: key.into(),
        description: format!("{key} battery cabinet"),
        width_mm: w,
        depth_mm: d,
        height_mm: 1800,
        mass_kg: 100.0,
        energy_kwh: kwh,
        chemistry: Some(Chemistry::LithiumIon),
        power_kw: 10.0,
        heat_kw: 0.5,
        unit_cost: 1000.0,
        listed_pre_engineered: false,
        fire_test: None,
        needs_working_space: false,
        front_door_leaf_mm: 0,
    }
}

/// Electrical equipment needing NEC working space (no stored energy).
pub fn panel(key: &str, w: u32, d: u32) -> EquipmentSpec {
    EquipmentSpec {
        key: key.into(),
        description: format!("{key} switchboard"),
        width_mm: w,
        depth_mm: d,
        height_mm: 1900,
        mass_kg: 300.0,
        energy_kwh: 0.0,
        chemistry: None,
        power_kw: 0.0,
        heat_kw: 0.2,
        unit_cost: 5000.0,
        listed_pre_engineered: false,
        fire_test: None,
        needs_working_space: true,
        front_door_leaf_mm: 0,
    }
}

pub fn layout(rooms: Vec<Room>, equipment: Vec<PlacedEquipment>) -> Layout {
    Layout { rooms, equipment, ..Layout::default() }
}

pub fn run(l: &Layout, specs: &[EquipmentSpec]) -> CheckReport {
    run_with(l, specs, &default_rule_set())
}

pub fn run_with(l: &Layout, specs: &[EquipmentSpec], rules: &RuleSet) -> CheckReport {
    check(&CheckInput { layout: l, specs, rack_spec: None, rules })
}

/// Violations of `rule`.
pub fn of(r: &CheckReport, rule: RuleId) -> Vec<&Violation> {
    r.violations.iter().filter(|v| v.rule == rule).collect()
}

/// Asserts there are no input errors.
pub fn no_errors(r: &CheckReport) {
    let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "unexpected input errors: {errors:#?}");
}
