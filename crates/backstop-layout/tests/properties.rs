//! Property tests: invariants of the rule check over generated layouts.

mod common;

use std::collections::BTreeMap;

use backstop_layout::editor::{Turn, apply_moves, rotate_selection};
use backstop_layout::{CheckInput, CheckOptions, IndexKind, check, check_with, default_rule_set};
use backstop_model::layout::*;
use common::*;
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Moving two arrays apart never creates a spacing violation.
// ---------------------------------------------------------------------------

/// Two groups of touching 600 × 1000 cabinets in a 60 m × 30 m room: group
/// A from x = 5000, group B `gap` mm after A's end and `dy` mm north.
fn two_groups(a: &[f64], b: &[f64], gap: i64, dy: i64) -> (Layout, Vec<EquipmentSpec>) {
    let mut eq = Vec::new();
    let mut specs = Vec::new();
    let mut x = 5300;
    for (i, kwh) in a.iter().enumerate() {
        let key = format!("A{i}");
        specs.push(battery(&key, 600, 1000, *kwh));
        eq.push(equip(&format!("A-{i:02}"), &key, "R1", x, 10_000, Rotation::R0));
        x += 600;
    }
    x += gap;
    for (i, kwh) in b.iter().enumerate() {
        let key = format!("B{i}");
        specs.push(battery(&key, 600, 1000, *kwh));
        eq.push(equip(&format!("B-{i:02}"), &key, "R1", x, 10_000 + dy, Rotation::R0));
        x += 600;
    }
    (layout(vec![rect_room("R1", 0, 0, 60_000, 30_000)], eq), specs)
}

fn spacing_violations(r: &CheckReport) -> Vec<Vec<String>> {
    r.violations
        .iter()
        .filter(|v| matches!(v.rule, RuleId::ArrayEnergy | RuleId::ArrayWallSpacing))
        .map(|v| v.objects.iter().map(|o| o.key.clone()).collect())
        .collect()
}

proptest! {
    #[test]
    fn moving_arrays_apart_never_creates_a_spacing_violation(
        a in prop::collection::vec(1.0f64..40.0, 1..4),
        b in prop::collection::vec(1.0f64..40.0, 1..4),
        gap in 0i64..3000,
        dy in -2000i64..2000,
        more in 1i64..6000,
        vertical in any::<bool>(),
    ) {
        let (l0, specs) = two_groups(&a, &b, gap, dy);
        let (l1, _) = if vertical {
            two_groups(&a, &b, gap, if dy >= 0 { dy + more } else { dy - more })
        } else {
            two_groups(&a, &b, gap + more, dy)
        };
        let before = spacing_violations(&run(&l0, &specs));
        let after = spacing_violations(&run(&l1, &specs));
        for v in &after {
            prop_assert!(
                before.iter().any(|w| v.iter().all(|t| w.contains(t))),
                "moving apart created {v:?}; before: {before:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Adding equipment never lowers a fire area's energy total.
// ---------------------------------------------------------------------------

fn catalog() -> Vec<EquipmentSpec> {
    let mut v = vec![battery("LI", 600, 1000, 42.0), battery("BIG", 1200, 1000, 180.0)];
    let mut la = battery("LA", 800, 700, 65.0);
    la.chemistry = Some(Chemistry::LeadAcid);
    let mut na = battery("NA", 600, 900, 30.5);
    na.chemistry = Some(Chemistry::Sodium);
    v.push(la);
    v.push(na);
    v.push(panel("SB", 1000, 600));
    v
}

fn rooms3() -> Vec<Room> {
    let mut r2 = rect_room("R2", 20_000, 0, 10_000, 10_000);
    r2.fire_area = Some("FA-2".into());
    let mut r3 = rect_room("R3", 0, 20_000, 10_000, 10_000);
    r3.fire_area = None;
    vec![rect_room("R1", 0, 0, 20_000, 20_000), r2, r3]
}

fn item() -> impl Strategy<Value = (usize, usize, i64, i64, u16)> {
    (0usize..5, 0usize..3, -2000i64..32_000, -2000i64..32_000, 0u16..4)
}

fn build(items: &[(usize, usize, i64, i64, u16)]) -> Layout {
    let keys = ["LI", "BIG", "LA", "NA", "SB"];
    let rooms = ["R1", "R2", "R3"];
    let mut l = Layout { rooms: rooms3(), ..Layout::default() };
    for (n, &(k, r, x, y, rot)) in items.iter().enumerate() {
        let mut e = equip(&format!("E-{n:03}"), keys[k], rooms[r], x, y, Rotation::from_degrees(rot * 90).unwrap_or_default());
        e.voltage_to_ground_v = if keys[k] == "SB" { 480.0 } else { 0.0 };
        l.equipment.push(e);
    }
    l
}

fn totals(r: &CheckReport) -> BTreeMap<(String, Chemistry), f64> {
    r.fire_areas.iter().flat_map(|f| f.energy_kwh.iter().map(move |(c, e)| ((f.fire_area.clone(), *c), *e))).collect()
}

proptest! {
    #[test]
    fn adding_equipment_never_lowers_a_fire_area_total(
        items in prop::collection::vec(item(), 0..30),
        extra in item(),
    ) {
        let specs = catalog();
        let l0 = build(&items);
        let mut with = items.clone();
        with.push(extra);
        let l1 = build(&with);
        let before = totals(&run(&l0, &specs));
        let after = totals(&run(&l1, &specs));
        for (k, e) in &before {
            let a = after.get(k).copied().unwrap_or(0.0);
            prop_assert!(a >= *e, "{k:?}: {e} → {a}");
        }
    }

    #[test]
    fn four_quarter_turns_restore_the_same_violations(
        items in prop::collection::vec(item(), 1..25),
        pick in any::<prop::sample::Index>(),
        cw in any::<bool>(),
        with_neighbour in any::<bool>(),
    ) {
        let specs = catalog();
        let l0 = build(&items);
        let i = pick.index(l0.equipment.len());
        let mut sel = vec![ObjectRef { kind: ObjectKind::Equipment, key: l0.equipment[i].tag.clone() }];
        if with_neighbour && l0.equipment.len() > 1 {
            sel.push(ObjectRef { kind: ObjectKind::Equipment, key: l0.equipment[(i + 1) % l0.equipment.len()].tag.clone() });
        }
        let before = run(&l0, &specs);
        let t = if cw { Turn::Cw } else { Turn::Ccw };
        let mut l = l0.clone();
        for _ in 0..4 {
            let moves = rotate_selection(&l, &specs, &sel, t).unwrap();
            apply_moves(&mut l, &moves);
            // Every intermediate layout checks without trouble.
            let _ = run(&l, &specs);
        }
        prop_assert_eq!(&l, &l0);
        prop_assert_eq!(run(&l, &specs), before);
    }

    #[test]
    fn grid_index_and_all_pairs_agree(items in prop::collection::vec(item(), 0..60), racks in 0usize..20) {
        let specs = catalog();
        let mut l = build(&items);
        for k in 0..racks {
            l.racks.push(rack(&format!("R-{k:02}"), "R1", 1000 + (k as i64 % 7) * 650, 3000 + (k as i64 / 7) * 1400, 600, 1200));
        }
        let rules = default_rule_set();
        let input = CheckInput { layout: &l, specs: &specs, rack_spec: None, rules: &rules };
        let g = check_with(&input, &CheckOptions { index: IndexKind::Grid });
        let a = check_with(&input, &CheckOptions { index: IndexKind::AllPairs });
        prop_assert_eq!(g, a);
    }
}

// ---------------------------------------------------------------------------
// No panic on arbitrary input; invalid numbers become diagnostics.
// ---------------------------------------------------------------------------

fn wild_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -10.0f64..5000.0,
        1 => Just(0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => any::<f64>(),
    ]
}

fn wild_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => -30_000i64..30_000,
        1 => any::<i64>(),
        1 => Just(i64::MAX),
        1 => Just(i64::MIN),
        1 => -2_000_000_000i64..2_000_000_000,
    ]
}

fn wild_u32() -> impl Strategy<Value = u32> {
    prop_oneof![6 => 0u32..12_000, 1 => Just(0u32), 1 => any::<u32>()]
}

fn wild_point() -> impl Strategy<Value = Point> {
    (wild_i64(), wild_i64()).prop_map(|(x, y)| Point::new(x, y))
}

fn wild_rot() -> impl Strategy<Value = Rotation> {
    (0u16..4).prop_map(|r| Rotation::from_degrees(r * 90).unwrap_or_default())
}

fn wild_room() -> impl Strategy<Value = Room> {
    let shape = prop_oneof![
        (wild_point(), wild_u32(), wild_u32()).prop_map(|(origin, width_mm, depth_mm)| RoomShape::Rectangle { origin, width_mm, depth_mm }),
        prop::collection::vec(wild_point(), 0..8).prop_map(|vertices| RoomShape::Polygon { vertices }),
    ];
    let door = (wild_point(), wild_u32(), 0u8..3, prop::option::of(0usize..3), any::<bool>(), any::<bool>()).prop_map(
        |(position, width_mm, s, id, left, panic_hardware)| Door {
            id: id.map(|i| format!("D{i}")).unwrap_or_default(),
            hinge: if left { DoorHinge::Left } else { DoorHinge::Right },
            panic_hardware,
            ..Door::new(
                position,
                width_mm,
                [DoorSwing::Inward, DoorSwing::Outward, DoorSwing::Sliding][usize::from(s)],
                DoorLeadsTo::Corridor,
            )
        },
    );
    let column = (0usize..3, wild_point(), wild_u32(), wild_u32()).prop_map(|(id, position, width_mm, depth_mm)| Column {
        id: format!("C{id}"),
        position,
        width_mm,
        depth_mm,
    });
    (
        0usize..3,
        shape,
        wild_u32(),
        wild_f64(),
        prop::option::of(0usize..2),
        any::<bool>(),
        prop::collection::vec(door, 0..3),
        prop::collection::vec(column, 0..3),
    )
        .prop_map(|(id, shape, height_mm, floor, fa, outdoor, doors, columns)| Room {
            id: format!("R{id}"),
            name: String::new(),
            shape,
            height_mm,
            floor_load_kg_m2: floor,
            fire_area: fa.map(|f| format!("FA{f}")),
            environment: if outdoor { Environment::Outdoor } else { Environment::Indoor },
            doors,
            columns,
            serves_case: None,
        })
}

fn wild_spec() -> impl Strategy<Value = EquipmentSpec> {
    (
        0usize..4,
        (wild_u32(), wild_u32(), wild_u32()),
        (wild_f64(), wild_f64(), wild_f64(), wild_f64(), wild_f64()),
        prop::option::of(0usize..6),
        (any::<bool>(), any::<bool>(), wild_u32()),
        prop::option::of((prop::option::of(wild_f64()), prop::option::of(wild_u32()), prop::option::of(wild_u32()))),
    )
        .prop_map(|(k, (w, d, h), (m, e, p, q, c), chem, (listed, ws, leaf), ft)| EquipmentSpec {
            key: format!("K{k}"),
            description: String::new(),
            width_mm: w,
            depth_mm: d,
            height_mm: h,
            mass_kg: m,
            energy_kwh: e,
            chemistry: chem.map(|i| Chemistry::ALL[i]),
            power_kw: p,
            heat_kw: q,
            unit_cost: c,
            listed_pre_engineered: listed,
            fire_test: ft.map(|(a, s, w)| FireTestData { report: "r".into(), max_array_kwh: a, min_spacing_mm: s, min_wall_spacing_mm: w }),
            needs_working_space: ws,
            front_door_leaf_mm: leaf,
        })
}

fn wild_layout() -> impl Strategy<Value = Layout> {
    fn placement() -> impl Strategy<Value = Placement> {
        (0usize..4, wild_point(), wild_rot()).prop_map(|(r, position, rotation)| Placement { room_id: format!("R{r}"), position, rotation })
    }
    let clear = (wild_u32(), wild_u32(), wild_u32(), wild_u32()).prop_map(|(front_mm, rear_mm, left_mm, right_mm)| Clearances {
        front_mm,
        rear_mm,
        left_mm,
        right_mm,
    });
    let eq = (0usize..8, 0usize..5, placement(), clear, wild_f64(), wild_f64()).prop_map(|(t, k, placement, clearances, v, a)| {
        PlacedEquipment {
            tag: format!("E{t}"),
            catalog_key: format!("K{k}"),
            placement,
            clearances,
            voltage_to_ground_v: v,
            ampacity_a: a,
            serves_case: None,
        }
    });
    let rk = (0usize..5, placement(), wild_u32(), wild_u32(), wild_f64()).prop_map(|(t, placement, width_mm, depth_mm, load_kw)| ItRack {
        tag: format!("R{t}"),
        placement,
        width_mm,
        depth_mm,
        load_kw,
    });
    let pu = (0usize..3, prop::option::of(0usize..5), placement(), wild_f64(), wild_f64()).prop_map(|(t, k, placement, v, a)| PowerUnit {
        tag: format!("U{t}"),
        kind: PowerUnitKind::Ups,
        catalog_key: k.map(|k| format!("K{k}")),
        placement,
        clearances: Clearances::default(),
        rated_kw: v,
        voltage_to_ground_v: v,
        ampacity_a: a,
        serves: Vec::new(),
        serves_case: None,
    });
    let eg = (prop::collection::vec(wild_point(), 0..5), wild_u32()).prop_map(|(route, width_mm)| EgressPath {
        id: "P".into(),
        name: String::new(),
        route,
        width_mm,
    });
    (
        prop::collection::vec(wild_room(), 0..4),
        prop::collection::vec(eq, 0..12),
        prop::collection::vec(rk, 0..5),
        prop::collection::vec(pu, 0..3),
        prop::collection::vec(eg, 0..2),
    )
        .prop_map(|(rooms, equipment, racks, power_units, egress_paths)| Layout { rooms, equipment, racks, power_units, egress_paths })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_panic_on_arbitrary_layouts(
        l in wild_layout(),
        specs in prop::collection::vec(wild_spec(), 0..6),
        rack_mass in prop::option::of(wild_f64()),
    ) {
        let rack_spec = rack_mass.map(|mass_kg| RackSpec { mass_kg, height_mm: 2200, unit_cost: 0.0 });
        let rules = default_rule_set();
        let r = check(&CheckInput { layout: &l, specs: &specs, rack_spec: rack_spec.as_ref(), rules: &rules });
        for v in &r.violations {
            prop_assert!(v.measure.measured.is_finite() && v.measure.required.is_finite(), "{v:#?}");
            prop_assert!(!v.message.contains("NaN") && !v.message.contains("inf"), "{}", v.message);
        }
        // A spec with a non-finite number is always reported.
        for s in &specs {
            let bad = [s.mass_kg, s.energy_kwh, s.power_kw, s.heat_kw, s.unit_cost].iter().any(|v| !v.is_finite());
            if bad {
                let prefix = format!("specs[{}]", s.key);
                prop_assert!(r.diagnostics.iter().any(|d| d.field.starts_with(&prefix)));
            }
        }
        for room in &l.rooms {
            if !room.floor_load_kg_m2.is_finite() {
                let field = format!("rooms[{}].floor_load_kg_m2", room.id);
                prop_assert!(r.diagnostics.iter().any(|d| d.field == field));
            }
        }
    }
}

#[test]
fn degenerate_input_gives_diagnostics_not_panics() {
    let mut bow = rect_room("BOW", 0, 0, 1, 1);
    bow.shape = RoomShape::Polygon { vertices: vec![Point::new(0, 0), Point::new(2000, 2000), Point::new(2000, 0), Point::new(0, 1000)] };
    let mut line = rect_room("LINE", 0, 0, 1, 1);
    line.shape = RoomShape::Polygon { vertices: vec![Point::new(0, 0), Point::new(1000, 0), Point::new(2000, 0)] };
    let mut flat = rect_room("FLAT", 0, 0, 0, 5000);
    flat.floor_load_kg_m2 = f64::NAN;
    let mut far = rect_room("FAR", i64::MAX - 5, 0, 10, 10);
    far.fire_area = None;
    let mut e = equip("E-1", "ZERO", "BOW", 100, 100, Rotation::R0);
    e.voltage_to_ground_v = f64::INFINITY;
    let mut zero = battery("ZERO", 0, 600, 10.0);
    zero.mass_kg = f64::NAN;
    let l = Layout {
        rooms: vec![bow, line, flat, far],
        equipment: vec![e, equip("E-2", "MISSING", "NOWHERE", 0, 0, Rotation::R90)],
        egress_paths: vec![EgressPath { id: "P1".into(), name: String::new(), route: vec![Point::new(0, 0)], width_mm: 900 }],
        ..Layout::default()
    };
    let r = run(&l, &[zero]);
    let fields: Vec<&str> = r.diagnostics.iter().map(|d| d.field.as_str()).collect();
    for expected in [
        "rooms[BOW].shape",
        "rooms[LINE].shape",
        "rooms[FLAT].shape",
        "rooms[FLAT].floor_load_kg_m2",
        "rooms[FAR].shape",
        "specs[ZERO].width_mm",
        "specs[ZERO].mass_kg",
        "equipment[E-1].catalog_key",
        "equipment[E-2].catalog_key",
        "egress_paths[P1].route",
    ] {
        assert!(fields.contains(&expected), "missing {expected} in {fields:#?}");
    }
    assert!(r.diagnostics.iter().find(|d| d.field == "rooms[BOW].shape").unwrap().message.contains("crosses itself"));
}
