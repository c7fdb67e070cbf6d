//! A synthetic but realistic site for benchmarks, demos and end-to-end
//! tests: blocks of 100 objects (a 30 m × 20 m data hall with three rows of
//! 20 IT racks, eight 50 kWh arrays of UPS battery cabinets, four
//! switchboards and four UPS units, an egress path to an exit door). Odd
//! blocks have two arrays only 500 mm apart, so the check has real
//! violations to report.

use backstop_model::layout::{
    Chemistry, Clearances, Column, Door, DoorLeadsTo, DoorSwing, EgressPath, Environment, EquipmentSpec, ItRack, Layout, PlacedEquipment,
    Placement, Point, PowerUnit, PowerUnitKind, RackSpec, Room, RoomShape, Rotation,
};

/// Objects per block.
pub const OBJECTS_PER_BLOCK: usize = 100;

/// The equipment specs the sample site uses.
pub fn sample_specs() -> Vec<EquipmentSpec> {
    let base = EquipmentSpec {
        key: String::new(),
        description: String::new(),
        width_mm: 600,
        depth_mm: 1000,
        height_mm: 2000,
        mass_kg: 0.0,
        energy_kwh: 0.0,
        chemistry: None,
        power_kw: 0.0,
        heat_kw: 0.0,
        unit_cost: 0.0,
        listed_pre_engineered: false,
        fire_test: None,
        needs_working_space: true,
        front_door_leaf_mm: 0,
    };
    vec![
        EquipmentSpec {
            key: "sample-lfp-12".into(),
            description: "Sample 12.5 kWh LFP UPS battery cabinet".into(),
            mass_kg: 420.0,
            energy_kwh: 12.5,
            chemistry: Some(Chemistry::LithiumIon),
            power_kw: 50.0,
            heat_kw: 0.3,
            unit_cost: 9_000.0,
            front_door_leaf_mm: 600,
            ..base.clone()
        },
        EquipmentSpec {
            key: "sample-swbd".into(),
            description: "Sample 480 V switchboard".into(),
            width_mm: 1000,
            depth_mm: 600,
            mass_kg: 500.0,
            heat_kw: 0.4,
            unit_cost: 25_000.0,
            ..base.clone()
        },
        EquipmentSpec {
            key: "sample-ups-500".into(),
            description: "Sample 500 kW UPS".into(),
            width_mm: 1800,
            depth_mm: 900,
            mass_kg: 1_600.0,
            power_kw: 500.0,
            heat_kw: 20.0,
            unit_cost: 120_000.0,
            ..base
        },
    ]
}

/// The rack data of the sample site.
pub fn sample_rack_spec() -> RackSpec {
    RackSpec { mass_kg: 800.0, height_mm: 2_200, unit_cost: 4_000.0 }
}

/// A site of `blocks` blocks (100 objects each).
pub fn sample_site(blocks: usize) -> Layout {
    let mut l = Layout::default();
    for k in 0..blocks {
        let ox = (k % 4) as i64 * 31_000;
        let oy = (k / 4) as i64 * 21_000;
        let id = format!("H{:02}", k + 1);
        l.rooms.push(Room {
            id: id.clone(),
            name: format!("Data hall {}", k + 1),
            shape: RoomShape::Rectangle { origin: Point::new(ox, oy), width_mm: 30_000, depth_mm: 20_000 },
            height_mm: 4_000,
            floor_load_kg_m2: 1_200.0,
            fire_area: Some(format!("FA-{:02}", k + 1)),
            environment: Environment::Indoor,
            doors: vec![Door {
                id: format!("{id}-D1"),
                panic_hardware: true,
                fire_rating_min: 90,
                ..Door::new(Point::new(ox + 30_000, oy + 8_000), 1_000, DoorSwing::Outward, DoorLeadsTo::Corridor)
            }],
            columns: Vec::new(),
            serves_case: None,
        });
        let at = |x: i64, y: i64, rotation: Rotation| Placement { room_id: id.clone(), position: Point::new(ox + x, oy + y), rotation };
        for (row, y) in [15_000i64, 12_600, 10_200].into_iter().enumerate() {
            for i in 0..20i64 {
                l.racks.push(ItRack {
                    tag: format!("{id}-R{}{:02}", (b'A' + row as u8) as char, i + 1),
                    placement: at(3_000 + i * 600, y, Rotation::R0),
                    width_mm: 600,
                    depth_mm: 1_200,
                    load_kw: 40.0,
                });
            }
        }
        for a in 0..8i64 {
            // Arrays of four touching cabinets 914 mm apart (500 mm between
            // arrays 4 and 5 in odd blocks).
            let squeeze = if k % 2 == 1 && a >= 4 { 414 } else { 0 };
            for c in 0..4i64 {
                let mut e = PlacedEquipment {
                    tag: format!("{id}-BC{:02}", a * 4 + c + 1),
                    catalog_key: "sample-lfp-12".into(),
                    placement: at(1_500 + a * (2_400 + 914) - squeeze + c * 600, 3_000, Rotation::R180),
                    clearances: Clearances::default(),
                    voltage_to_ground_v: 480.0,
                    ampacity_a: 100.0,
                    serves_case: None,
                };
                e.clearances.rear_mm = 100;
                l.equipment.push(e);
            }
        }
        for (i, x) in [5_000i64, 10_000, 15_000, 20_000].into_iter().enumerate() {
            l.equipment.push(PlacedEquipment {
                tag: format!("{id}-SB{}", i + 1),
                catalog_key: "sample-swbd".into(),
                placement: at(x, 19_000, Rotation::R0),
                clearances: Clearances::default(),
                voltage_to_ground_v: 277.0,
                ampacity_a: 1_000.0,
                serves_case: None,
            });
        }
        for (i, x) in [4_000i64, 10_000, 16_000, 22_000].into_iter().enumerate() {
            l.power_units.push(PowerUnit {
                tag: format!("{id}-UPS{}", i + 1),
                kind: PowerUnitKind::Ups,
                catalog_key: Some("sample-ups-500".into()),
                placement: at(x, 6_500, Rotation::R180),
                clearances: Clearances { front_mm: 1_000, ..Clearances::default() },
                rated_kw: 500.0,
                voltage_to_ground_v: 277.0,
                ampacity_a: 600.0,
                serves: Vec::new(),
                serves_case: None,
            });
        }
        l.egress_paths.push(EgressPath {
            id: format!("{id}-E1"),
            name: format!("{id} main aisle to exit"),
            route: vec![Point::new(ox + 500, oy + 8_500), Point::new(ox + 29_000, oy + 8_500), Point::new(ox + 30_000, oy + 8_000)],
            width_mm: 1_100,
        });
    }
    l
}

/// The sample site with every hall drawn as a polygon: the 30 m × 20 m
/// outline with its south-east corner (2 m × 2 m) and north-east corner
/// (3 m × 2 m) cut out, eight walls; four 600 mm columns standing clear of
/// the equipment, its working space and the egress aisle; and a second exit
/// door in the west wall at the start of the aisle. The same objects as
/// [`sample_site`] (100 per block) and the same violations.
pub fn sample_site_polygons(blocks: usize) -> Layout {
    let mut l = sample_site(blocks);
    for r in &mut l.rooms {
        let RoomShape::Rectangle { origin, .. } = r.shape else { continue };
        let (ox, oy) = (origin.x_mm, origin.y_mm);
        let p = |x: i64, y: i64| Point::new(ox + x, oy + y);
        r.shape = RoomShape::Polygon {
            vertices: vec![
                p(0, 0),
                p(28_000, 0),
                p(28_000, 2_000),
                p(30_000, 2_000),
                p(30_000, 18_000),
                p(27_000, 18_000),
                p(27_000, 20_000),
                p(0, 20_000),
            ],
        };
        r.columns = [(17_000, 12_000), (23_000, 12_000), (17_000, 15_000), (23_000, 15_000)]
            .into_iter()
            .enumerate()
            .map(|(i, (x, y))| Column { id: format!("{}-C{}", r.id, i + 1), position: p(x, y), width_mm: 600, depth_mm: 600 })
            .collect();
        r.doors.push(Door {
            id: format!("{}-D2", r.id),
            panic_hardware: true,
            ..Door::new(p(0, 8_500), 1_000, DoorSwing::Outward, DoorLeadsTo::Corridor)
        });
    }
    l
}
