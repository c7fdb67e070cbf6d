//! Every rule, just inside and just outside its threshold. The distances
//! and energies are worked out by hand in the comments.

mod common;

use backstop_model::layout::*;
use common::*;

use backstop_layout::default_rule_set;

/// Battery cabinets 600 mm wide (x) × 1000 mm deep (y) in a 20 m × 20 m
/// room; cabinet A is centred at (5000, 10000), so it spans x 4700–5300.
/// Cabinet B is centred at 5600 + gap, so the gap between them is `gap`.
fn two_cabinets(gap: i64, kwh_a: f64, kwh_b: f64) -> (Layout, Vec<EquipmentSpec>) {
    let l = layout(
        vec![rect_room("R1", 0, 0, 20_000, 20_000)],
        vec![equip("BC-01", "A", "R1", 5000, 10_000, Rotation::R0), equip("BC-02", "B", "R1", 5600 + gap, 10_000, Rotation::R0)],
    );
    (l, vec![battery("A", 600, 1000, kwh_a), battery("B", 600, 1000, kwh_b)])
}

#[test]
fn array_energy_at_the_limit_and_above() {
    // 25 + 25 = 50 kWh in one array (gap 913 < 914): exactly the limit.
    let (l, s) = two_cabinets(913, 25.0, 25.0);
    let r = run(&l, &s);
    no_errors(&r);
    assert_eq!(r.arrays.len(), 1);
    assert_eq!(r.arrays[0].members, ["BC-01", "BC-02"]);
    assert_eq!(r.arrays[0].energy_kwh, 50.0);
    assert!(of(&r, RuleId::ArrayEnergy).is_empty());

    // 25 + 25.1 = 50.1 kWh > 50.
    let (l, s) = two_cabinets(913, 25.0, 25.1);
    let r = run(&l, &s);
    let v = of(&r, RuleId::ArrayEnergy);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].measure.measured, 50.1);
    assert_eq!(v[0].measure.required, 50.0);
    assert_eq!(v[0].measure.bound, Bound::AtMost);
    assert_eq!(v[0].reference, "IFC 2018 §1206.2.8.3 / NFPA 855-2023 §9.4.1.1");
    let tags: Vec<&str> = v[0].objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(tags, ["BC-01", "BC-02"]);
    // The 913 mm gap that joins them is highlighted: (5300, 10000)–(6213, 10000).
    assert_eq!(v[0].highlights, [Highlight::Segment { a: Point::new(5300, 10_000), b: Point::new(6213, 10_000) }]);
}

#[test]
fn spacing_between_arrays() {
    // Two 30 kWh cabinets 914 mm apart are two arrays of 30 kWh: fine.
    let (l, s) = two_cabinets(914, 30.0, 30.0);
    let r = run(&l, &s);
    assert_eq!(r.arrays.len(), 2);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    // 913 mm apart they form one array of 60 kWh.
    let (l, s) = two_cabinets(913, 30.0, 30.0);
    let r = run(&l, &s);
    assert_eq!(r.arrays.len(), 1);
    let v = of(&r, RuleId::ArrayEnergy);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].measure.measured, 60.0);
    assert!(v[0].message.contains("914 mm apart"), "{}", v[0].message);
}

#[test]
fn threshold_quantity_switches_the_array_rules_on() {
    // Two touching cabinets 100 mm from the west wall: A spans x 100–700,
    // B 700–1300. 10 + 10 = 20 kWh is not above the Li-ion threshold (20).
    let mk = |kwh_b: f64| {
        let l = layout(
            vec![rect_room("R1", 0, 0, 20_000, 20_000)],
            vec![equip("BC-01", "A", "R1", 400, 10_000, Rotation::R0), equip("BC-02", "B", "R1", 1000, 10_000, Rotation::R0)],
        );
        (l, vec![battery("A", 600, 1000, 10.0), battery("B", 600, 1000, kwh_b)])
    };
    let (l, s) = mk(10.0);
    let r = run(&l, &s);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    assert!(r.arrays.is_empty());
    // 10 + 10.1 = 20.1 kWh > 20: both are too close to the west wall.
    let (l, s) = mk(10.1);
    let r = run(&l, &s);
    let v = of(&r, RuleId::ArrayWallSpacing);
    let got: Vec<(&str, f64)> = v.iter().map(|v| (v.objects[0].key.as_str(), v.measure.measured)).collect();
    assert_eq!(got, [("BC-01", 100.0), ("BC-02", 700.0)]);
}

#[test]
fn spacing_from_walls() {
    // A 30 kWh cabinet 600 wide centred at x = 1214 spans x 914–1514:
    // 914 mm from the west wall.
    let mk = |x: i64| layout(vec![rect_room("R1", 0, 0, 20_000, 20_000)], vec![equip("BC-01", "A", "R1", x, 10_000, Rotation::R0)]);
    let s = [battery("A", 600, 1000, 30.0)];
    assert!(run(&mk(1214), &s).violations.is_empty());
    let r = run(&mk(1213), &s);
    let v = of(&r, RuleId::ArrayWallSpacing);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (913.0, 914.0));
    assert_eq!(v[0].highlights, [Highlight::Segment { a: Point::new(913, 10_000), b: Point::new(0, 10_000) }]);
}

#[test]
fn listed_pre_engineered_systems() {
    let mk = |kwh: f64, listed: bool| {
        let mut s = battery("L", 1200, 1000, kwh);
        s.listed_pre_engineered = listed;
        (layout(vec![rect_room("R1", 0, 0, 20_000, 20_000)], vec![equip("ESS-1", "L", "R1", 10_000, 10_000, Rotation::R0)]), vec![s])
    };
    // Listed, 250 kWh: at the listed limit, and an all-listed array may hold 250.
    let (l, s) = mk(250.0, true);
    let r = run(&l, &s);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    assert_eq!(r.arrays[0].limit_kwh, 250.0);
    // Listed, 250.5 kWh: over both.
    let (l, s) = mk(250.5, true);
    let r = run(&l, &s);
    let v = of(&r, RuleId::ListedSystemEnergy);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (250.5, 250.0));
    assert_eq!(of(&r, RuleId::ArrayEnergy).len(), 1);
    // Not listed, 250 kWh: the 50 kWh array limit applies.
    let (l, s) = mk(250.0, false);
    let r = run(&l, &s);
    assert_eq!(of(&r, RuleId::ArrayEnergy)[0].measure.required, 50.0);
    assert!(of(&r, RuleId::ListedSystemEnergy).is_empty());
}

#[test]
fn fire_test_data_changes_array_limits() {
    // Three 70 kWh cabinets 600 wide in a row; UL 9540A data allows arrays
    // of 200 kWh spaced 300 mm. Centres at 5000, 5900 and 6800 leave gaps of
    // 300 mm: three arrays of 70 kWh.
    let mut s = battery("FT", 600, 1000, 70.0);
    s.fire_test = Some(FireTestData {
        report: "Lab X report 123 (2024)".into(),
        max_array_kwh: Some(200.0),
        min_spacing_mm: Some(300),
        min_wall_spacing_mm: Some(500),
    });
    let specs = vec![s];
    let mk = |gap: i64| {
        layout(
            vec![rect_room("R1", 0, 0, 20_000, 20_000)],
            (0..3).map(|i| equip(&format!("BC-0{}", i + 1), "FT", "R1", 5000 + i * (600 + gap), 10_000, Rotation::R0)).collect(),
        )
    };
    let r = run(&mk(300), &specs);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    assert_eq!(r.arrays.len(), 3);
    // Gaps of 299 mm join them: 3 × 70 = 210 kWh > 200.
    let r = run(&mk(299), &specs);
    let v = of(&r, RuleId::ArrayEnergy);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (210.0, 200.0));
    assert!(v[0].message.contains("UL 9540A"), "{}", v[0].message);
    // Without fire-test credit each 70 kWh cabinet alone is over 50 kWh.
    let mut rules = default_rule_set();
    rules.arrays.allow_fire_test_data = false;
    let r = run_with(&mk(2000), &specs, &rules);
    assert_eq!(of(&r, RuleId::ArrayEnergy).len(), 3);

    // Wall spacing from the test data: 500 mm. Centre 800 → 500 mm from the west wall.
    let one = |x: i64| layout(vec![rect_room("R1", 0, 0, 20_000, 20_000)], vec![equip("BC-01", "FT", "R1", x, 10_000, Rotation::R0)]);
    assert!(run(&one(800), &specs).violations.is_empty());
    let r = run(&one(799), &specs);
    assert_eq!(of(&r, RuleId::ArrayWallSpacing)[0].measure.required, 500.0);
}

#[test]
fn aggregate_energy_per_fire_area() {
    // Listed 200 kWh cabinets (each its own array under 250), two in R1 and
    // one in R2, both rooms in fire area FA-1: 200 + 200 + 200 = 600 kWh.
    let mk = |third: f64| {
        let mut a = battery("L200", 1200, 1000, 200.0);
        a.listed_pre_engineered = true;
        let mut b = battery("Lx", 1200, 1000, third);
        b.listed_pre_engineered = true;
        let l = layout(
            vec![rect_room("R1", 0, 0, 20_000, 20_000), rect_room("R2", 20_000, 0, 10_000, 10_000)],
            vec![
                equip("ESS-1", "L200", "R1", 5000, 10_000, Rotation::R0),
                equip("ESS-2", "L200", "R1", 10_000, 10_000, Rotation::R0),
                equip("ESS-3", "Lx", "R2", 25_000, 5_000, Rotation::R0),
            ],
        );
        (l, vec![a, b])
    };
    let (l, s) = mk(200.0);
    let r = run(&l, &s);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    assert_eq!(r.fire_areas.len(), 1);
    assert_eq!(r.fire_areas[0].energy_kwh, [(Chemistry::LithiumIon, 600.0)]);
    assert_eq!(r.fire_areas[0].rooms, ["R1", "R2"]);
    // 200 + 200 + 200.5 = 600.5 kWh > 600.
    let (l, s) = mk(200.5);
    let r = run(&l, &s);
    let v = of(&r, RuleId::FireAreaEnergy);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (600.5, 600.0));
    assert_eq!(v[0].objects[0], ObjectRef { kind: ObjectKind::FireArea, key: "FA-1".into() });
    assert!(v[0].message.contains("Group H-2"));
}

#[test]
fn mixed_technologies_in_a_fire_area() {
    // Li-ion 2 × 150 = 300 kWh (300/600 = 50 %) + "other" 100 kWh
    // (100/200 = 50 %) = 100 %: allowed. With 100.5 kWh: 50.25 % → 100.25 %.
    let mk = |other: f64| {
        let mut li = battery("LI", 1200, 1000, 150.0);
        li.listed_pre_engineered = true;
        let mut ot = battery("OT", 1200, 1000, other);
        ot.chemistry = Some(Chemistry::Other);
        ot.listed_pre_engineered = true;
        let l = layout(
            vec![rect_room("R1", 0, 0, 20_000, 20_000)],
            vec![
                equip("ESS-1", "LI", "R1", 4000, 10_000, Rotation::R0),
                equip("ESS-2", "LI", "R1", 8000, 10_000, Rotation::R0),
                equip("ESS-3", "OT", "R1", 12_000, 10_000, Rotation::R0),
            ],
        );
        (l, vec![li, ot])
    };
    let (l, s) = mk(100.0);
    assert!(of(&run(&l, &s), RuleId::FireAreaMixed).is_empty());
    let (l, s) = mk(100.5);
    let r = run(&l, &s);
    let v = of(&r, RuleId::FireAreaMixed);
    assert_eq!(v.len(), 1);
    assert!((v[0].measure.measured - 100.25).abs() < 1e-9);
    assert_eq!(v[0].measure.unit, Unit::Percent);
    // Neither chemistry alone is over its limit.
    assert!(of(&r, RuleId::FireAreaEnergy).is_empty());
}

#[test]
fn lead_acid_is_exempt_from_array_limits() {
    let mut s = battery("VRLA", 600, 1000, 100.0);
    s.chemistry = Some(Chemistry::LeadAcid);
    let l = layout(
        vec![rect_room("R1", 0, 0, 20_000, 20_000)],
        vec![equip("B-1", "VRLA", "R1", 400, 10_000, Rotation::R0), equip("B-2", "VRLA", "R1", 1000, 10_000, Rotation::R0)],
    );
    let r = run(&l, &[s]);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    assert_eq!(r.fire_areas[0].energy_kwh, [(Chemistry::LeadAcid, 200.0)]);
}

/// A 480 V switchboard 1000 wide × 600 deep facing south (front face at
/// y − 300) in a 10 m × 10 m room.
fn board_at(y: i64, volts: f64) -> (Layout, Vec<EquipmentSpec>) {
    let mut e = equip("SB-1", "SB", "R1", 5000, y, Rotation::R0);
    e.voltage_to_ground_v = volts;
    (layout(vec![rect_room("R1", 0, 0, 10_000, 10_000)], vec![e]), vec![panel("SB", 1000, 600)])
}

#[test]
fn working_space_depth_to_a_wall() {
    // Front face at 1300 − 300 = 1000 mm from the south wall: condition 2
    // at 151–600 V needs 1000 mm.
    let (l, s) = board_at(1300, 480.0);
    let r = run(&l, &s);
    no_errors(&r);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    let (l, s) = board_at(1299, 480.0);
    let r = run(&l, &s);
    let v = of(&r, RuleId::WorkingSpaceDepth);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (999.0, 1000.0));
    assert!(v[0].message.contains("condition 2"), "{}", v[0].message);
    // Highlight: the required space 1000 wide × 1000 deep in front.
    assert_eq!(v[0].highlights[0], Highlight::Rect { min: Point::new(4500, -1), max: Point::new(5500, 999) });
}

#[test]
fn working_space_voltage_band_edge() {
    // 950 mm to the wall: enough at 150 V (900 mm in every condition), not
    // at 150.5 V (the 151–600 V band, condition 2: 1000 mm).
    let (l, s) = board_at(1250, 150.0);
    assert!(run(&l, &s).violations.is_empty());
    let (l, s) = board_at(1250, 150.5);
    let r = run(&l, &s);
    let v = of(&r, RuleId::WorkingSpaceDepth);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (950.0, 1000.0));
}

#[test]
fn working_space_condition_3_between_facing_boards() {
    // SB-1 faces south, front at 6000 − 300 = 5700; SB-2 faces north, front
    // at y2 + 300. Exposed live parts on both sides: condition 3, 1200 mm.
    let mk = |y2: i64| {
        let mut a = equip("SB-1", "SB", "R1", 5000, 6000, Rotation::R0);
        let mut b = equip("SB-2", "SB", "R1", 5000, y2, Rotation::R180);
        a.voltage_to_ground_v = 277.0;
        b.voltage_to_ground_v = 277.0;
        layout(vec![rect_room("R1", 0, 0, 10_000, 10_000)], vec![a, b])
    };
    let s = [panel("SB", 1000, 600)];
    assert!(run(&mk(4200), &s).violations.is_empty());
    let r = run(&mk(4201), &s);
    let v = of(&r, RuleId::WorkingSpaceDepth);
    assert_eq!(v.len(), 2);
    for v in v {
        assert_eq!((v.measure.measured, v.measure.required), (1199.0, 1200.0));
        assert!(v.message.contains("condition 3"));
    }
}

#[test]
fn working_space_depth_to_a_grounded_enclosure() {
    // A rack (not live) 1000 mm in front: condition 2, 1000 mm needed.
    // Board front at 5700; rack 600 deep centred at y → its north edge y+300.
    let mk = |rack_y: i64| {
        let mut l = board_at(6000, 480.0).0;
        l.racks.push(rack("R-01", "R1", 5000, rack_y, 600, 600));
        l
    };
    let s = [panel("SB", 1000, 600)];
    assert!(run(&mk(4400), &s).violations.is_empty());
    let r = run(&mk(4401), &s);
    let v = of(&r, RuleId::WorkingSpaceDepth);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (999.0, 1000.0));
    assert_eq!(v[0].objects[1], ObjectRef { kind: ObjectKind::Rack, key: "R-01".into() });
}

#[test]
fn working_space_width() {
    // A 500 mm board needs a 762 mm wide space. Racks in front, beside the
    // space: the left one ends at u = −250 − 131 = −381, the right one
    // starts at 250 + b. Free width 762 (b = 131) passes, 761 (b = 130) fails.
    let mk = |b: i64| {
        let mut e = equip("SB-1", "SB5", "R1", 5000, 5000, Rotation::R0);
        e.voltage_to_ground_v = 480.0;
        let mut l = layout(vec![rect_room("R1", 0, 0, 10_000, 10_000)], vec![e]);
        // Board front at y 4800; racks span y 4200–4800.
        l.racks.push(rack("R-L", "R1", 5000 - 250 - 131 - 300, 4500, 600, 600));
        l.racks.push(rack("R-R", "R1", 5000 + 250 + b + 300, 4500, 600, 600));
        l
    };
    let s = [panel("SB5", 500, 400)];
    let r = run(&mk(131), &s);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    let r = run(&mk(130), &s);
    let v = of(&r, RuleId::WorkingSpaceWidth);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (761.0, 762.0));
    assert!(of(&r, RuleId::WorkingSpaceDepth).is_empty());
}

#[test]
fn equipment_doors_open_90_degrees() {
    // 1100 mm door leaf; the wall 1050 mm away satisfies the depth (1000)
    // but not the door; at 1100 mm both pass.
    let mk = |y: i64| {
        let (l, mut s) = board_at(y, 480.0);
        s[0].front_door_leaf_mm = 1100;
        (l, s)
    };
    let (l, s) = mk(1400);
    assert!(run(&l, &s).violations.is_empty());
    let (l, s) = mk(1350);
    let r = run(&l, &s);
    assert!(of(&r, RuleId::WorkingSpaceDepth).is_empty());
    let v = of(&r, RuleId::WorkingSpaceDoorOpening);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (1050.0, 1100.0));
}

#[test]
fn working_space_headroom() {
    let mk = |room_h: u32, equip_h: u32| {
        let (mut l, mut s) = board_at(3000, 480.0);
        l.rooms[0].height_mm = room_h;
        s[0].height_mm = equip_h;
        (l, s)
    };
    // 2000 mm room, 1900 mm board: headroom 2000 needed, 2000 there.
    let (l, s) = mk(2000, 1900);
    assert!(run(&l, &s).violations.is_empty());
    let (l, s) = mk(1999, 1900);
    let r = run(&l, &s);
    let v = of(&r, RuleId::WorkingSpaceHeadroom);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (1999.0, 2000.0));
    // A 2100 mm board needs 2100 mm.
    let (l, s) = mk(2100, 2100);
    assert!(run(&l, &s).violations.is_empty());
    let (l, s) = mk(2099, 2100);
    let r = run(&l, &s);
    assert_eq!(of(&r, RuleId::WorkingSpaceHeadroom)[0].measure.required, 2100.0);
    assert_eq!(of(&r, RuleId::OutsideRoom)[0].key, "outside-room:SB-1:height");
}

#[test]
fn entrance_at_each_end_of_large_equipment() {
    // A 2000 mm, 1200 A board facing south with its front at 3000 − 400 =
    // 2600 mm, nothing within reach: condition 1, working space 900 deep.
    // A rack at the left end (x 8400–9000) blocks part of the 900 mm: from
    // the face to 290 mm leaves 610 mm (enough), 1–291 mm leaves 609.
    let mk = |amps: f64, rack_y: i64, rack_d: u32| {
        let mut e = equip("SWGR-1", "BIG", "R1", 10_000, 3000, Rotation::R0);
        e.voltage_to_ground_v = 480.0;
        e.ampacity_a = amps;
        let mut l = layout(vec![rect_room("R1", 0, 0, 20_000, 10_000)], vec![e]);
        l.racks.push(rack("R-01", "R1", 8700, rack_y, 600, rack_d));
        l
    };
    let s = [panel("BIG", 2000, 800)];
    // Rack y 2310–2600: v 0–290.
    let r = run(&mk(1200.0, 2455, 290), &s);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
    // Rack y 2309–2599: v 1–291; free 609.
    let r = run(&mk(1200.0, 2454, 290), &s);
    let v = of(&r, RuleId::WorkingSpaceEntrance);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].key, "working-space-entrance:SWGR-1:left");
    assert_eq!((v[0].measure.measured, v[0].measure.required), (609.0, 610.0));
    // Below 1200 A the rule does not apply.
    assert!(run(&mk(1199.0, 2454, 290), &s).violations.is_empty());
}

#[test]
fn personnel_doors_near_large_equipment() {
    // Board 1000 wide, front at 4700, nothing in front: working space
    // x 4500–5500, y 3800–4700. Door on the east wall at (W, 4000):
    // distance W − 5500.
    let mk_with = |w: u32, amps: f64, swing: DoorSwing, panic: bool| {
        let mut e = equip("SB-1", "SB", "R1", 5000, 5000, Rotation::R0);
        e.voltage_to_ground_v = 480.0;
        e.ampacity_a = amps;
        let mut room = rect_room("R1", 0, 0, w, 10_000);
        let mut door = Door::new(Point::new(i64::from(w), 4000), 900, swing, DoorLeadsTo::Corridor);
        door.panic_hardware = panic;
        room.doors.push(door);
        layout(vec![room], vec![e])
    };
    let mk = |w: u32, amps: f64, swing: DoorSwing| mk_with(w, amps, swing, true);
    let s = [panel("SB", 1000, 600)];
    assert!(run(&mk(13_100, 800.0, DoorSwing::Inward), &s).violations.is_empty());
    let r = run(&mk(13_099, 800.0, DoorSwing::Inward), &s);
    let v = of(&r, RuleId::PersonnelDoor);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (7599.0, 7600.0));
    assert_eq!(v[0].objects[1], ObjectRef { kind: ObjectKind::Door, key: "R1/door-1".into() });
    assert!(run(&mk(13_099, 800.0, DoorSwing::Outward), &s).violations.is_empty());
    assert!(run(&mk(13_099, 799.0, DoorSwing::Inward), &s).violations.is_empty());
    assert_eq!(of(&run(&mk(13_099, 800.0, DoorSwing::Sliding), &s), RuleId::PersonnelDoor).len(), 1);
    // Opening outward is not enough: NEC 110.26(C)(3) asks for listed
    // panic hardware as well.
    let r = run(&mk_with(13_099, 800.0, DoorSwing::Outward, false), &s);
    let v = of(&r, RuleId::PersonnelDoor);
    assert_eq!(v.len(), 1);
    assert!(v[0].message.contains("opens outward but has no listed panic hardware"), "{}", v[0].message);
    assert!(run(&mk_with(13_100, 800.0, DoorSwing::Outward, false), &s).violations.is_empty());
}

/// A plain 600 × 600 box (no working space, no energy).
fn boxy(key: &str) -> EquipmentSpec {
    let mut s = panel(key, 600, 600);
    s.needs_working_space = false;
    s
}

#[test]
fn manufacturer_clearances() {
    // Front clearance 1000: box front at 5000 − 300 = 4700; a rack whose
    // north edge is at 3700 leaves 1000 mm, at 3701 leaves 999.
    let mk = |rack_y: i64| {
        let mut e = equip("X-1", "BOX", "R1", 5000, 5000, Rotation::R0);
        e.clearances.front_mm = 1000;
        let mut l = layout(vec![rect_room("R1", 0, 0, 10_000, 10_000)], vec![e]);
        l.racks.push(rack("R-01", "R1", 5000, rack_y, 600, 600));
        l
    };
    let s = [boxy("BOX")];
    assert!(run(&mk(3400), &s).violations.is_empty());
    let r = run(&mk(3401), &s);
    let v = of(&r, RuleId::Clearance);
    assert_eq!(v[0].key, "clearance:X-1:front");
    assert_eq!((v[0].measure.measured, v[0].measure.required), (999.0, 1000.0));

    // Rear clearance 100 against the north wall: back at y + 300, wall at 10 000.
    let rear = |y: i64| {
        let mut e = equip("X-1", "BOX", "R1", 5000, y, Rotation::R0);
        e.clearances.rear_mm = 100;
        layout(vec![rect_room("R1", 0, 0, 10_000, 10_000)], vec![e])
    };
    assert!(run(&rear(9600), &s).violations.is_empty());
    let r = run(&rear(9601), &s);
    let v = of(&r, RuleId::Clearance);
    assert_eq!(v[0].key, "clearance:X-1:rear");
    assert_eq!(v[0].measure.measured, 99.0);

    // Left clearance 50 (west at 0°, seen facing the front): a rack whose
    // east edge is at 5000 − 300 − 50 = 4650 leaves 50 mm.
    let left = |rack_x: i64| {
        let mut e = equip("X-1", "BOX", "R1", 5000, 5000, Rotation::R0);
        e.clearances.left_mm = 50;
        let mut l = layout(vec![rect_room("R1", 0, 0, 10_000, 10_000)], vec![e]);
        l.racks.push(rack("R-01", "R1", rack_x, 5000, 600, 600));
        l
    };
    assert!(run(&left(4350), &s).violations.is_empty());
    let r = run(&left(4351), &s);
    let v = of(&r, RuleId::Clearance);
    assert_eq!(v[0].key, "clearance:X-1:left");
    assert_eq!(v[0].measure.measured, 49.0);
    // Rotated 180° the same side is east.
    let mut l = left(4351);
    l.equipment[0].placement.rotation = Rotation::R180;
    assert!(run(&l, &s).violations.is_empty());
}

#[test]
fn floor_load_under_a_footprint() {
    // 1200 kg on 1.0 m × 1.0 m = 1200 kg/m² against 1200 allowed.
    let mk = |mass: f64| {
        let mut s = boxy("HEAVY");
        s.width_mm = 1000;
        s.depth_mm = 1000;
        s.mass_kg = mass;
        let mut room = rect_room("R1", 0, 0, 10_000, 10_000);
        room.floor_load_kg_m2 = 1200.0;
        (layout(vec![room], vec![equip("H-1", "HEAVY", "R1", 5000, 5000, Rotation::R0)]), vec![s])
    };
    let (l, s) = mk(1200.0);
    assert!(run(&l, &s).violations.is_empty());
    let (l, s) = mk(1200.5);
    let r = run(&l, &s);
    let v = of(&r, RuleId::FloorLoadFootprint);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (1200.5, 1200.0));
    assert_eq!(v[0].measure.unit, Unit::KgPerM2);
}

#[test]
fn floor_load_distributed_over_the_room() {
    // Room 2 m × 2 m = 4 m², 500 kg/m² allowed: 2 × 1000 kg = 500 kg/m².
    let mk = |mass: f64| {
        let mut s = boxy("M");
        s.width_mm = 1000;
        s.depth_mm = 1000;
        s.mass_kg = mass;
        let mut room = rect_room("R1", 0, 0, 2000, 2000);
        room.floor_load_kg_m2 = 500.0;
        let l =
            layout(vec![room], vec![equip("M-1", "M", "R1", 500, 500, Rotation::R0), equip("M-2", "M", "R1", 1500, 1500, Rotation::R0)]);
        (l, vec![s])
    };
    let (l, s) = mk(1000.0);
    assert!(of(&run(&l, &s), RuleId::FloorLoadRoom).is_empty());
    let (l, s) = mk(1000.5);
    let r = run(&l, &s);
    let v = of(&r, RuleId::FloorLoadRoom);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (500.25, 500.0));
    assert_eq!(v[0].objects.len(), 3);
}

#[test]
fn overlaps() {
    // Racks 600 wide at x 1000 and 1600 touch; at 1599 they overlap by 1 mm.
    let mk = |x2: i64| Layout {
        rooms: vec![rect_room("R1", 0, 0, 10_000, 10_000)],
        racks: vec![rack("R-01", "R1", 1000, 5000, 600, 600), rack("R-02", "R1", x2, 5000, 600, 600)],
        ..Layout::default()
    };
    assert!(run(&mk(1600), &[]).violations.is_empty());
    let r = run(&mk(1599), &[]);
    let v = of(&r, RuleId::Overlap);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].key, "overlap:R-01|R-02");
    assert_eq!(v[0].measure.measured, 1.0);
}

#[test]
fn objects_outside_rooms() {
    // A 600 rack centred at (300, 300) touches the walls; at (299, 300) it
    // is 1 mm outside.
    let mk = |x: i64| Layout {
        rooms: vec![rect_room("R1", 0, 0, 10_000, 10_000)],
        racks: vec![rack("R-01", "R1", x, 300, 600, 600)],
        ..Layout::default()
    };
    assert!(run(&mk(300), &[]).violations.is_empty());
    let r = run(&mk(299), &[]);
    let v = of(&r, RuleId::OutsideRoom);
    assert_eq!(v[0].measure.measured, 1.0);

    // An L-shaped room (10 m square minus its north-east quarter): a rack in
    // the missing quarter is outside; one in the south-east wing is inside.
    let l_room = |x: i64, y: i64| {
        let mut room = rect_room("L", 0, 0, 1, 1);
        room.shape = RoomShape::Polygon {
            vertices: vec![
                Point::new(0, 0),
                Point::new(10_000, 0),
                Point::new(10_000, 5_000),
                Point::new(5_000, 5_000),
                Point::new(5_000, 10_000),
                Point::new(0, 10_000),
            ],
        };
        Layout { rooms: vec![room], racks: vec![rack("R-01", "L", x, y, 600, 600)], ..Layout::default() }
    };
    assert!(run(&l_room(7000, 4700), &[]).violations.is_empty());
    let r = run(&l_room(7000, 4701), &[]);
    assert_eq!(of(&r, RuleId::OutsideRoom)[0].measure.measured, 1.0);
    let r = run(&l_room(7000, 7000), &[]);
    assert_eq!(of(&r, RuleId::OutsideRoom).len(), 1);
}

fn path(id: &str, pts: &[(i64, i64)], w: u32) -> EgressPath {
    EgressPath { id: id.into(), name: id.into(), route: pts.iter().map(|&(x, y)| Point::new(x, y)).collect(), width_mm: w }
}

#[test]
fn egress_width() {
    let mk = |w: u32| Layout {
        rooms: vec![rect_room("R1", 0, 0, 10_000, 10_000)],
        egress_paths: vec![path("E1", &[(0, 5000), (10_000, 5000)], w)],
        ..Layout::default()
    };
    assert!(run(&mk(914), &[]).violations.is_empty());
    let r = run(&mk(913), &[]);
    assert_eq!((of(&r, RuleId::EgressWidth)[0].measure.measured), 913.0);
}

#[test]
fn egress_kept_clear() {
    // Path along y = 5000, 1000 wide (edges at 4500 and 5500). A rack whose
    // south edge is at 5500 keeps clear; at 5499 it leaves 500 + 499 = 999.
    let mk = |rack_y: i64| Layout {
        rooms: vec![rect_room("R1", 0, 0, 10_000, 10_000)],
        racks: vec![rack("R-01", "R1", 5000, rack_y, 600, 600)],
        egress_paths: vec![path("E1", &[(0, 5000), (3000, 5000), (10_000, 5000)], 1000)],
        ..Layout::default()
    };
    assert!(run(&mk(5800), &[]).violations.is_empty());
    let r = run(&mk(5799), &[]);
    let v = of(&r, RuleId::EgressObstructed);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (999.0, 1000.0));
    // On the centre line nothing is left.
    let r = run(&mk(5000), &[]);
    assert_eq!(of(&r, RuleId::EgressObstructed)[0].measure.measured, 0.0);
}

#[test]
fn door_swing_kept_clear() {
    // A 900 mm door in the south wall at x = 3000 swinging in: a rack whose
    // south edge is at 900 clears the swing, at 899 it does not.
    let mk = |rack_y: i64, swing: DoorSwing| {
        let mut room = rect_room("R1", 0, 0, 10_000, 10_000);
        room.doors.push(Door::new(Point::new(3000, 0), 900, swing, DoorLeadsTo::Outside));
        Layout { rooms: vec![room], racks: vec![rack("R-01", "R1", 3000, rack_y, 600, 600)], ..Layout::default() }
    };
    assert!(run(&mk(1200, DoorSwing::Inward), &[]).violations.is_empty());
    let r = run(&mk(1199, DoorSwing::Inward), &[]);
    let v = of(&r, RuleId::DoorSwing);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (899.0, 900.0));
    assert!(run(&mk(1199, DoorSwing::Sliding), &[]).violations.is_empty());
    assert!(run(&mk(1199, DoorSwing::Outward), &[]).violations.is_empty());
}

#[test]
fn outdoor_separations() {
    // Yard (outdoor) y 0–20 000, building (indoor) north of it from y 20 000.
    // A 1 m battery centred at y: north edge y + 500. 1524 mm from the
    // building → y = 17 976. Egress path along y = 5000, 1000 wide: edge at
    // 5500; 3048 mm from it → south edge 8548 → y = 9048.
    let mk = |y: i64| {
        let mut yard = rect_room("Y", 0, 0, 30_000, 20_000);
        yard.environment = Environment::Outdoor;
        yard.fire_area = None;
        let mut bldg = rect_room("B", 0, 20_000, 20_000, 10_000);
        bldg.fire_area = Some("FA-B".into());
        Layout {
            rooms: vec![yard, bldg],
            equipment: vec![equip("ESS-1", "C", "Y", 15_000, y, Rotation::R0)],
            egress_paths: vec![path("E1", &[(0, 5000), (30_000, 5000)], 1000)],
            ..Layout::default()
        }
    };
    let s = [battery("C", 1000, 1000, 500.0)];
    // Outdoors the 50 kWh array rule does not apply by default.
    assert!(run(&mk(17_976), &s).violations.is_empty());
    let r = run(&mk(17_977), &s);
    let v = of(&r, RuleId::OutdoorBuildingSeparation);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (1523.0, 1524.0));
    assert!(run(&mk(9048), &s).violations.is_empty());
    let r = run(&mk(9047), &s);
    let v = of(&r, RuleId::OutdoorEgressSeparation);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (3047.0, 3048.0));
    assert!(r.fire_areas[0].outdoor);
}

#[test]
fn disabled_rules_and_invalid_rule_sets() {
    let (l, s) = board_at(1299, 480.0);
    let mut rules = default_rule_set();
    for e in &mut rules.rules {
        if e.rule == RuleId::WorkingSpaceDepth {
            e.enabled = false;
        }
    }
    assert!(run_with(&l, &s, &rules).violations.is_empty());
    rules.working_space.bands.clear();
    let r = run_with(&l, &s, &rules);
    assert!(r.violations.is_empty());
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].field, "rule_set.working_space.bands");
    assert_eq!(r.diagnostics[0].severity, Severity::Error);
}

#[test]
fn edited_thresholds_are_used() {
    // A jurisdiction asking 1200 mm from walls: the 914 mm case now fails.
    let mut rules = default_rule_set();
    rules.arrays.min_wall_spacing_mm = 1200;
    for e in &mut rules.rules {
        if e.rule == RuleId::ArrayWallSpacing {
            e.reference = "City of X amendment 12.3".into();
        }
    }
    let l = layout(vec![rect_room("R1", 0, 0, 20_000, 20_000)], vec![equip("BC-01", "A", "R1", 1214, 10_000, Rotation::R0)]);
    let r = run_with(&l, &[battery("A", 600, 1000, 30.0)], &rules);
    let v = of(&r, RuleId::ArrayWallSpacing);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (914.0, 1200.0));
    assert_eq!(v[0].reference, "City of X amendment 12.3");
}

// ---------------------------------------------------------------------------
// Issue 18: the flush-wall entrance miss and messages an engineer can read.
// ---------------------------------------------------------------------------

/// A 1,200 A, 2,000 mm wide, 800 mm deep switchboard facing south with its
/// centre at (x, 3000) in a 20 m × 10 m room: front at y 2600, nothing in
/// front, so its working space (condition 1, 480 V) is 900 mm deep and as
/// wide as the board (x − 1000 to x + 1000). Its left end (seen facing it)
/// is the west end.
fn big_board_at(x: i64) -> (Layout, Vec<EquipmentSpec>) {
    let mut e = equip("SWGR-1", "BIG", "R1", x, 3000, Rotation::R0);
    e.voltage_to_ground_v = 480.0;
    e.ampacity_a = 1200.0;
    (layout(vec![rect_room("R1", 0, 0, 20_000, 10_000)], vec![e]), vec![panel("BIG", 2000, 800)])
}

#[test]
fn entrance_end_flush_on_a_wall_is_blocked() {
    // Centre 1000: the west end of the working space lies on the west wall
    // (x = 0); the 610 mm strip beyond it is outside the room, so there is
    // no entrance at that end at all.
    let (l, s) = big_board_at(1000);
    let r = run(&l, &s);
    no_errors(&r);
    let v = of(&r, RuleId::WorkingSpaceEntrance);
    assert_eq!(v.len(), 1, "{:#?}", r.violations);
    assert_eq!(v[0].key, "working-space-entrance:SWGR-1:left");
    assert_eq!((v[0].measure.measured, v[0].measure.required), (0.0, 610.0));
    assert!(v[0].message.contains("space outside room R1"), "{}", v[0].message);
    // Centre 1610: 610 mm between the end and the wall, the entrance asked for.
    let (l, s) = big_board_at(1610);
    assert!(run(&l, &s).violations.is_empty());
    // Centre 1609: 609 mm.
    let (l, s) = big_board_at(1609);
    let r = run(&l, &s);
    let v = of(&r, RuleId::WorkingSpaceEntrance);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (609.0, 610.0));
}

#[test]
fn entrance_figure_is_the_passage_width() {
    // Centre 1100: a 100 mm gap between the end and the west wall is a
    // 100 mm passage (it read "0 mm clear" before).
    let (l, s) = big_board_at(1100);
    let r = run(&l, &s);
    let v = of(&r, RuleId::WorkingSpaceEntrance);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].measure.measured, 100.0);
    assert!(
        v[0].message.contains("the widest clear passage out of the left end is 100 mm (the walls of room R1 in the way)"),
        "{}",
        v[0].message
    );
    // A rack standing 300 mm beyond the east end (x 11,300–11,900), across
    // the whole working-space depth (y 1,700–2,600): a 300 mm passage on
    // that side; the west end (board at x 9,000–11,000) is open.
    let (mut l, s) = big_board_at(10_000);
    l.racks.push(rack("R-01", "R1", 11_600, 2_150, 600, 900));
    let r = run(&l, &s);
    let v = of(&r, RuleId::WorkingSpaceEntrance);
    assert_eq!(v.len(), 1, "{:#?}", r.violations);
    assert_eq!(v[0].key, "working-space-entrance:SWGR-1:right");
    assert_eq!(v[0].measure.measured, 300.0);
    assert_eq!(v[0].objects[1], ObjectRef { kind: ObjectKind::Rack, key: "R-01".into() });
}

#[test]
fn wall_spacing_names_the_wall() {
    // 913 mm from the west wall (x = 0) of a rectangular room.
    let l = layout(vec![rect_room("R1", 0, 0, 20_000, 20_000)], vec![equip("BC-01", "A", "R1", 1213, 10_000, Rotation::R0)]);
    let r = run(&l, &[battery("A", 600, 1000, 30.0)]);
    let v = of(&r, RuleId::ArrayWallSpacing);
    assert_eq!(v.len(), 1);
    assert!(v[0].message.contains("913 mm from the west wall (x = 0 mm) of room R1"), "{}", v[0].message);
    // The L-shaped room has two walls facing north: the inner one (y = 5,000
    // from x 10,000 to 5,000) is named by its ends. A cabinet 600 × 1000
    // centred at (7,000, 4,000) spans y 3,500–4,500: 500 mm from it.
    let mut room = rect_room("L", 0, 0, 1, 1);
    room.shape = RoomShape::Polygon {
        vertices: vec![
            Point::new(0, 0),
            Point::new(10_000, 0),
            Point::new(10_000, 5_000),
            Point::new(5_000, 5_000),
            Point::new(5_000, 10_000),
            Point::new(0, 10_000),
        ],
    };
    let l = layout(vec![room], vec![equip("BC-01", "A", "L", 7_000, 4_000, Rotation::R0)]);
    let r = run(&l, &[battery("A", 600, 1000, 30.0)]);
    let v = of(&r, RuleId::ArrayWallSpacing);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].measure.measured, 500.0);
    assert!(v[0].message.contains("500 mm from the north wall from (10,000, 5,000) to (5,000, 5,000) of room L"), "{}", v[0].message);
}

#[test]
fn array_energy_names_the_gap_sizes() {
    // Two 30 kWh cabinets 400 mm apart: one array of 60 kWh.
    let (l, s) = two_cabinets(400, 30.0, 30.0);
    let r = run(&l, &s);
    let v = of(&r, RuleId::ArrayEnergy);
    assert_eq!(v.len(), 1);
    assert!(v[0].message.contains("the marked gap of 400 mm between BC-01 and BC-02 is closer than that"), "{}", v[0].message);
    // Three 20 kWh cabinets, gaps 400 mm (BC-01–BC-02) and 300 mm
    // (BC-02–BC-03): listed smallest first.
    let l = layout(
        vec![rect_room("R1", 0, 0, 20_000, 20_000)],
        vec![
            equip("BC-01", "A", "R1", 5000, 10_000, Rotation::R0),
            equip("BC-02", "A", "R1", 6000, 10_000, Rotation::R0),
            equip("BC-03", "A", "R1", 6900, 10_000, Rotation::R0),
        ],
    );
    let r = run(&l, &[battery("A", 600, 1000, 20.0)]);
    let v = of(&r, RuleId::ArrayEnergy);
    assert!(
        v[0].message.contains("the marked gaps of 300 mm (BC-02–BC-03) and 400 mm (BC-01–BC-02) are closer than that"),
        "{}",
        v[0].message
    );
}

#[test]
fn fire_area_energy_names_the_ways_out() {
    // Four listed 150.5 kWh cabinets, each its own array: 602 kWh > 600.
    let mut s = battery("L", 1200, 1000, 150.5);
    s.listed_pre_engineered = true;
    let l = layout(
        vec![rect_room("R1", 0, 0, 20_000, 20_000)],
        (0..4).map(|i| equip(&format!("ESS-{i}"), "L", "R1", 3000 + i * 4000, 10_000, Rotation::R0)).collect(),
    );
    let r = run(&l, &[s]);
    let v = of(&r, RuleId::FireAreaEnergy);
    assert_eq!(v.len(), 1);
    for way in ["split it into more fire areas", "move energy to another fire area", "large-scale fire testing (UL 9540A)"] {
        assert!(v[0].message.contains(way), "{way}: {}", v[0].message);
    }
}

/// A 480 V switchboard 1000 × 600 with an 800 mm door leaf facing south at
/// (x, 5000) in a 10 m × 10 m room; front at y 4700.
fn board_with_door(x: i64) -> (Layout, Vec<EquipmentSpec>) {
    let mut e = equip("SB-1", "SB", "R1", x, 5000, Rotation::R0);
    e.voltage_to_ground_v = 480.0;
    let mut sb = panel("SB", 1000, 600);
    sb.front_door_leaf_mm = 800;
    let mut ups = panel("UPS", 1800, 900);
    ups.description = "UPS".into();
    (layout(vec![rect_room("R1", 0, 0, 10_000, 10_000)], vec![e]), vec![sb, ups])
}

fn rules_of(r: &CheckReport) -> Vec<(RuleId, String)> {
    r.violations.iter().map(|v| (v.rule, v.key.clone())).collect()
}

#[test]
fn an_item_overlapping_a_ups_is_reported_once() {
    // UPS-1 (1800 × 900) centred at (5000, 4400) spans y 3950–4850: it
    // overlaps the board (y 4700–5300) by 150 mm. That is the one problem;
    // the board's working space beyond it is clear to the south wall.
    let (mut l, s) = board_with_door(5000);
    l.power_units.push(PowerUnit {
        tag: "UPS-1".into(),
        kind: PowerUnitKind::Ups,
        catalog_key: Some("UPS".into()),
        placement: place("R1", 5000, 4400, Rotation::R0),
        clearances: Clearances::default(),
        rated_kw: 500.0,
        voltage_to_ground_v: 277.0,
        ampacity_a: 600.0,
        serves: Vec::new(),
        serves_case: None,
    });
    let r = run(&l, &s);
    assert_eq!(rules_of(&r), [(RuleId::Overlap, "overlap:SB-1|UPS-1".to_owned())]);
    assert_eq!(r.violations[0].measure.measured, 150.0);
    // With the overlap rule off, the working space reports what it finds.
    let mut rules = default_rule_set();
    rules.rules.iter_mut().filter(|e| e.rule == RuleId::Overlap).for_each(|e| e.enabled = false);
    let r = run_with(&l, &s, &rules);
    assert_eq!(of(&r, RuleId::WorkingSpaceDepth).len(), 1);
}

#[test]
fn an_item_straddling_a_wall_is_reported_once() {
    // Centre x = 100: the board spans x −400…600 across the west wall.
    let (l, s) = board_with_door(100);
    let r = run(&l, &s);
    assert_eq!(rules_of(&r), [(RuleId::OutsideRoom, "outside-room:SB-1".to_owned())]);
    assert_eq!(r.violations[0].measure.measured, 400.0);
}
