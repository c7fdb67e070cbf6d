//! Editor helpers on a real layout, and the editing story the UI tells:
//! drag a cabinet closer than 914 mm to another array and the violation
//! appears; drag it back and it clears.

mod common;

use backstop_layout::editor::*;
use backstop_model::layout::*;
use common::*;

fn eq_ref(tag: &str) -> ObjectRef {
    ObjectRef { kind: ObjectKind::Equipment, key: tag.into() }
}

fn pos(l: &Layout, tag: &str) -> (i64, i64) {
    let e = l.equipment.iter().find(|e| e.tag == tag).unwrap();
    (e.placement.position.x_mm, e.placement.position.y_mm)
}

#[test]
fn dragging_a_cabinet_too_close_and_back() {
    // Two 30 kWh cabinets 1000 mm apart: two arrays, no violation.
    let mut l = layout(
        vec![rect_room("B1", 0, 0, 20_000, 10_000)],
        vec![equip("BC-01", "C30", "B1", 5000, 5000, Rotation::R0), equip("BC-02", "C30", "B1", 6600, 5000, Rotation::R0)],
    );
    let specs = [battery("C30", 600, 1000, 30.0)];
    assert!(run(&l, &specs).violations.is_empty());
    // Drag BC-02 100 mm west: the gap is 900 mm < 914, one 60 kWh array.
    let m = nudge(&l, &[eq_ref("BC-02")], -100, 0).unwrap();
    apply_moves(&mut l, &m);
    let r = run(&l, &specs);
    assert_eq!(r.violations.len(), 1);
    assert_eq!(r.violations[0].rule, RuleId::ArrayEnergy);
    // The drag dimension shows the 900 mm gap to BC-01.
    let dims = dimensions(&l, &specs, &eq_ref("BC-02")).unwrap();
    let west = dims.iter().find(|d| d.direction == Direction::West).unwrap();
    assert_eq!((west.mm, west.obstacle.clone()), (900, Some(eq_ref("BC-01"))));
    // Drag it back: clear again.
    let m = nudge(&l, &[eq_ref("BC-02")], 100, 0).unwrap();
    apply_moves(&mut l, &m);
    assert!(run(&l, &specs).violations.is_empty());
}

#[test]
fn align_and_distribute() {
    // Cabinets 600 wide (x) at different heights and irregular spacing.
    let l = layout(
        vec![rect_room("B1", 0, 0, 20_000, 10_000)],
        vec![
            equip("A", "C", "B1", 1000, 5000, Rotation::R0),
            equip("B", "C", "B1", 2000, 5200, Rotation::R0),
            equip("C", "C", "B1", 6000, 4900, Rotation::R90),
        ],
    );
    let specs = [battery("C", 600, 1000, 1.0)];
    let sel = [eq_ref("A"), eq_ref("B"), eq_ref("C")];
    // North edges: A 5500, B 5700, C (rotated: 1000 × 600) 5200 → all to 5700.
    let m = align(&l, &specs, &sel, Align::North).unwrap();
    let ys: Vec<i64> = m.iter().map(|m| m.placement.position.y_mm).collect();
    assert_eq!(ys, [5200, 5200, 5400]);
    // Distribute along x: footprints A 700–1300, B 1700–2300, C 5500–6500.
    // Span 700–6500 = 5800, footprints 600 + 600 + 1000 = 2200, two gaps of
    // 1800: A stays, B starts at 1300 + 1800 = 3100 (centre 3400), C stays.
    let m = distribute(&l, &specs, &sel, Axis::X).unwrap();
    let xs: Vec<(String, i64)> = m.iter().map(|m| (m.object.key.clone(), m.placement.position.x_mm)).collect();
    assert_eq!(xs, [("A".into(), 1000), ("B".into(), 3400), ("C".into(), 6000)]);
    // Unknown objects are reported, not ignored.
    assert_eq!(align(&l, &specs, &[eq_ref("Z")], Align::West), Err(EditError::NotFound("Z".into())));
}

#[test]
fn duplicate_a_row_at_a_pitch() {
    let mut l = layout(vec![rect_room("B1", 0, 0, 20_000, 10_000)], vec![equip("BC-03", "C", "B1", 1000, 5000, Rotation::R0)]);
    l.equipment.push(equip("BC-05", "C", "B1", 9000, 9000, Rotation::R0));
    let new = duplicate_row(&l, &eq_ref("BC-03"), 3, 600, Direction::East).unwrap();
    let got: Vec<(String, i64)> = new
        .iter()
        .map(|n| match n {
            NewItem::Equipment(e) => (e.tag.clone(), e.placement.position.x_mm),
            other => panic!("{other:?}"),
        })
        .collect();
    // Numbered after the highest BC- tag in use (BC-05).
    assert_eq!(got, [("BC-06".into(), 1600), ("BC-07".into(), 2200), ("BC-08".into(), 2800)]);
    add_items(&mut l, new);
    assert_eq!(l.equipment.len(), 5);
    assert!(duplicate_row(&l, &eq_ref("BC-03"), 2, 0, Direction::East).is_err());
    assert_eq!(duplicate_row(&l, &eq_ref("BC-03"), 1, 2_000_000_000, Direction::West), Err(EditError::OutOfRange));
}

#[test]
fn hit_testing_and_rubber_band_selection() {
    let mut l = layout(vec![rect_room("B1", 0, 0, 20_000, 10_000)], vec![equip("BC-01", "C", "B1", 5000, 5000, Rotation::R0)]);
    l.racks.push(rack("R-01", "B1", 8000, 5000, 600, 1200));
    let specs = [battery("C", 600, 1000, 1.0)];
    assert_eq!(hit_test(&l, &specs, Point::new(5100, 5400), 0), Some(eq_ref("BC-01")));
    // 20 mm east of BC-01's edge (5300): a hit only with tolerance.
    assert_eq!(hit_test(&l, &specs, Point::new(5320, 5000), 25), Some(eq_ref("BC-01")));
    assert_eq!(hit_test(&l, &specs, Point::new(5320, 5000), 10), Some(ObjectRef { kind: ObjectKind::Room, key: "B1".into() }));
    assert_eq!(hit_test(&l, &specs, Point::new(8000, 5500), 0), Some(ObjectRef { kind: ObjectKind::Rack, key: "R-01".into() }));
    assert_eq!(hit_test(&l, &specs, Point::new(-10, 5000), 0), None);
    assert_eq!(hit_test(&l, &specs, Point::new(i64::MIN, i64::MAX), 0), None);
    let sel = select_in_rect(&l, &specs, Point::new(4000, 4000), Point::new(9000, 6000));
    assert_eq!(sel, [ObjectRef { kind: ObjectKind::Rack, key: "R-01".into() }, eq_ref("BC-01")]);
    assert_eq!(select_in_rect(&l, &specs, Point::new(4000, 4000), Point::new(7000, 5400)), []);
}

#[test]
fn rotating_a_selection_about_its_anchor() {
    // B is 1000 mm east of A; a quarter turn counter-clockwise about A puts
    // it 1000 mm north of A, and both items turn to face east.
    let l = layout(
        vec![rect_room("B1", 0, 0, 20_000, 10_000)],
        vec![equip("A", "C", "B1", 5000, 5000, Rotation::R0), equip("B", "C", "B1", 6000, 5000, Rotation::R0)],
    );
    let specs = [battery("C", 600, 1000, 1.0)];
    let m = rotate_selection(&l, &specs, &[eq_ref("A"), eq_ref("B")], Turn::Ccw).unwrap();
    let mut l2 = l.clone();
    apply_moves(&mut l2, &m);
    assert_eq!(pos(&l2, "A"), (5000, 5000));
    assert_eq!(pos(&l2, "B"), (5000, 6000));
    assert!(l2.equipment.iter().all(|e| e.placement.rotation == Rotation::R90));
}

#[test]
fn rule_sets_round_trip_through_json() {
    let rs = backstop_layout::default_rule_set();
    let json = serde_json::to_string_pretty(&rs).unwrap();
    assert!(json.contains("\"rule\": \"array-energy\""));
    assert!(json.contains("\"chemistry\": \"lithium-ion\""));
    let back: RuleSet = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rs);
}
