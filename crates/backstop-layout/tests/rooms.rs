//! Real rooms (issue 18): polygon outlines, columns and doors in every
//! wall-based rule. The expected results are worked out by hand in the
//! comments.

mod common;

use backstop_layout::{CheckInput, SvgOptions, auto_place, check, default_rule_set, plan_svg};
use backstop_model::layout::*;
use common::*;
use proptest::prelude::*;

/// The L-shaped room used below: 12 m × 6 m along the south, with a 6 m ×
/// 4 m wing to the north on the west side. Vertices counter-clockwise; its
/// walls (edges) are
///   0: (0, 0)–(12,000, 0)            south
///   1: (12,000, 0)–(12,000, 6,000)   east
///   2: (12,000, 6,000)–(6,000, 6,000) north (inner)
///   3: (6,000, 6,000)–(6,000, 10,000) east (inner)
///   4: (6,000, 10,000)–(0, 10,000)   north
///   5: (0, 10,000)–(0, 0)            west
/// Area 12 × 6 + 6 × 4 = 96 m².
fn l_vertices() -> Vec<Point> {
    vec![
        Point::new(0, 0),
        Point::new(12_000, 0),
        Point::new(12_000, 6_000),
        Point::new(6_000, 6_000),
        Point::new(6_000, 10_000),
        Point::new(0, 10_000),
    ]
}

fn l_room(vertices: Vec<Point>) -> Room {
    let mut room = rect_room("L", 0, 0, 1, 1);
    room.shape = RoomShape::Polygon { vertices };
    room
}

fn door(id: &str, x: i64, y: i64, width: u32, swing: DoorSwing) -> Door {
    Door { id: id.into(), ..Door::new(Point::new(x, y), width, swing, DoorLeadsTo::Corridor) }
}

fn column(id: &str, x: i64, y: i64, w: u32, d: u32) -> Column {
    Column { id: id.into(), position: Point::new(x, y), width_mm: w, depth_mm: d }
}

/// The L-shaped room with a column and two doors, a 1,200 A switchboard,
/// two battery cabinets, two racks and two egress paths.
fn l_site() -> (Layout, Vec<EquipmentSpec>) {
    let mut room = l_room(l_vertices());
    // C-1, 600 × 600 centred at (3,000, 3,100): x 2,700–3,300, y 2,800–3,400.
    room.columns.push(column("C-1", 3_000, 3_100, 600, 600));
    // D-1 in the south wall, 1,000 mm (x 8,500–9,500), outward, 90 min
    // rated, no panic hardware; D-2 in the inner north wall (edge 2),
    // 900 mm (x 6,550–7,450), swinging in (south), hinged on the left.
    let mut d1 = door("D-1", 9_000, 0, 1_000, DoorSwing::Outward);
    d1.fire_rating_min = 90;
    d1.leads_to = DoorLeadsTo::Outside;
    let mut d2 = door("D-2", 7_000, 6_000, 900, DoorSwing::Inward);
    d2.hinge = DoorHinge::Left;
    room.doors = vec![d1, d2];

    // SWGR-1: 2,000 × 800, 480 V, 1,200 A, facing south, centred at
    // (3,000, 4,700): x 2,000–4,000, y 4,300–5,100, front at y 4,300.
    let mut sw = equip("SWGR-1", "SWGR", "L", 3_000, 4_700, Rotation::R0);
    sw.voltage_to_ground_v = 480.0;
    sw.ampacity_a = 1_200.0;
    // BC-01, BC-02: 30 kWh, 600 × 1,000, in the east part: x 9,700–10,300
    // and 10,700–11,300, y 2,500–3,500 (a 400 mm gap).
    let mut l = layout(
        vec![room],
        vec![sw, equip("BC-01", "C30", "L", 10_000, 3_000, Rotation::R0), equip("BC-02", "C30", "L", 11_000, 3_000, Rotation::R0)],
    );
    // R-01 600 × 1,200 at (7,000, 4,900): y 4,300–5,500, in D-2's swing.
    l.racks.push(rack("R-01", "L", 7_000, 4_900, 600, 1_200));
    // R-02 600 × 600 at (3,000, 2,700): y 2,400–3,000, on the column.
    l.racks.push(rack("R-02", "L", 3_000, 2_700, 600, 600));
    l.egress_paths = vec![
        // From the north wing down the west side, east along y 1,500 and
        // out through D-1 (ends on it): nothing within 550 mm of it.
        EgressPath {
            id: "E-1".into(),
            name: "Wing to D-1".into(),
            route: vec![Point::new(1_000, 8_000), Point::new(1_000, 1_500), Point::new(9_000, 1_500), Point::new(9_000, 0)],
            width_mm: 1_100,
        },
        // Straight through the north wall (edge 4) at (3,000, 10,000),
        // where there is no door.
        EgressPath {
            id: "E-2".into(),
            name: "Through the north wall".into(),
            route: vec![Point::new(3_000, 9_000), Point::new(3_000, 11_000)],
            width_mm: 1_100,
        },
    ];
    (l, vec![panel("SWGR", 2_000, 800), battery("C30", 600, 1_000, 30.0)])
}

#[test]
fn l_shaped_room_with_a_column_and_two_doors() {
    let (l, specs) = l_site();
    let r = run(&l, &specs);
    no_errors(&r);
    let got: Vec<(&str, f64, f64)> = r.violations.iter().map(|v| (v.key.as_str(), v.measure.measured, v.measure.required)).collect();
    // D-1: nearest points (8,500, 0) and the working space's corner
    // (4,000, 3,300): √(4,500² + 3,300²). D-2: (6,550, 6,000) and
    // (4,000, 4,300): √(2,550² + 1,700²).
    let d1 = 4_500f64.hypot(3_300.0);
    let d2 = 2_550f64.hypot(1_700.0);
    assert_eq!(
        got,
        [
            // 30 + 30 kWh, 400 mm apart: one 60 kWh array over 50.
            ("array-energy:BC-01", 60.0, 50.0),
            // BC-02's east side at 11,300 is 700 mm from the east wall.
            ("array-wall-spacing:BC-02", 700.0, 914.0),
            // The column's north face (3,400) is 4,300 − 3,400 = 900 mm in
            // front of the board: condition 2 (a wall) at 480 V needs 1,000.
            ("working-space-depth:SWGR-1", 900.0, 1_000.0),
            // 1,200 A ≥ 800 A: both doors are within 7.6 m of the working
            // space (x 2,000–4,000, y 3,300–4,300). D-1 opens outward but
            // has no panic hardware; D-2 swings in.
            ("personnel-door:SWGR-1:D-1", d1, 7_600.0),
            ("personnel-door:SWGR-1:D-2", d2, 7_600.0),
            // R-02 (y 2,400–3,000) on C-1 (y 2,800–3,400): 200 mm.
            ("overlap:R-02|C-1", 200.0, 0.0),
            // E-2 crosses the north wall (edge 4) at (3,000, 10,000) without
            // a door.
            ("egress-obstructed:E-2:L@3,000,10,000", 0.0, 1_100.0),
            // D-2's swing reaches 900 mm south of y 6,000; R-01's north
            // edge (5,500) is 500 mm from the door line.
            ("door-swing:L:2", 500.0, 900.0),
        ]
    );
    let msg = |key: &str| r.violations.iter().find(|v| v.key == key).map(|v| v.message.clone()).unwrap_or_default();
    // Two walls face east: the one meant is named by its ends.
    assert!(msg("array-wall-spacing:BC-02").contains("the east wall from (12,000, 0) to (12,000, 6,000) of room L"));
    assert!(msg("working-space-depth:SWGR-1").contains("column C-1 is opposite (condition 2)"));
    assert!(msg("personnel-door:SWGR-1:D-1").contains("Door D-1 of room L"));
    assert!(msg("personnel-door:SWGR-1:D-1").contains("no listed panic hardware"));
    assert!(msg("personnel-door:SWGR-1:D-2").contains("swings into the room"));
    assert!(msg("overlap:R-02|C-1").contains("R-02 stands on column C-1 of room L"));
    assert!(msg("egress-obstructed:E-2:L@3,000,10,000").contains("the north wall from (6,000, 10,000) to (0, 10,000)"));
    assert!(msg("egress-obstructed:E-2:L@3,000,10,000").contains("at (3,000, 10,000) where there is no door"));
    assert!(msg("door-swing:L:2").contains("Door D-2 of room L"));
    let objects = |key: &str| r.violations.iter().find(|v| v.key == key).map(|v| v.objects.clone()).unwrap_or_default();
    let column_ref = ObjectRef { kind: ObjectKind::Column, key: "C-1".into() };
    assert!(objects("working-space-depth:SWGR-1").contains(&column_ref));
    assert_eq!(objects("door-swing:L:2")[0], ObjectRef { kind: ObjectKind::Door, key: "D-2".into() });
    // Equipment, racks: five objects checked (the column is the room's).
    assert_eq!(r.objects_checked, 5);
    assert_eq!(r.fire_areas[0].energy_kwh, [(Chemistry::LithiumIon, 60.0)]);

    // Fixing each: panic hardware on D-1, D-2 swinging out with panic
    // hardware, BC-02 914 mm from the east wall and 914 mm from BC-01 (two
    // arrays), the column clear of the board (1,000 mm), R-01 out of the
    // swing, R-02 off the column, E-2 removed: no violations left.
    let (mut l, specs) = l_site();
    l.rooms[0].doors[0].panic_hardware = true;
    l.rooms[0].doors[1].swing = DoorSwing::Outward;
    l.rooms[0].doors[1].panic_hardware = true;
    // BC-02 east edge at 12,000 − 914 = 11,086 (centre 10,786); BC-01 914
    // further west (east edge 9,572, centre 9,272).
    l.equipment[2].placement.position.x_mm = 10_786;
    l.equipment[1].placement.position.x_mm = 9_272;
    l.rooms[0].columns[0].position.y_mm = 3_000;
    l.racks[0].placement.position = Point::new(7_000, 3_000);
    l.racks[1].placement.position = Point::new(4_500, 2_700);
    l.egress_paths.pop();
    let r = run(&l, &specs);
    assert!(r.violations.is_empty(), "{:#?}", r.violations);
}

/// The same room given from another vertex and in the other winding.
fn reordered(vertices: &[Point], start: usize, reverse: bool) -> Vec<Point> {
    let n = vertices.len();
    let mut v: Vec<Point> = (0..n).map(|i| vertices[(start + i) % n]).collect();
    if reverse {
        v.reverse();
    }
    v
}

#[test]
fn an_l_room_is_the_same_room_from_any_vertex_and_winding() {
    let (l0, specs) = l_site();
    let r0 = run(&l0, &specs);
    for start in 0..6 {
        for reverse in [false, true] {
            let mut l = l0.clone();
            l.rooms[0].shape = RoomShape::Polygon { vertices: reordered(&l_vertices(), start, reverse) };
            assert_eq!(run(&l, &specs), r0, "start {start}, reversed {reverse}");
        }
    }
}

#[test]
fn columns_take_floor_and_block_clearances() {
    // A 4 m × 4 m room (16 m²) with a 1 m × 1 m column: 15 m² of floor.
    // Two 3,000 kg boxes: 6,000 / 15 = 400 kg/m² against 400 allowed; two
    // of 3,000.5 kg tip it over (6,001 / 15 = 400.07). (Point loads under
    // the boxes are allowed here: footprint factor 100.)
    let mk = |mass: f64, clear_front: u32| {
        let mut room = rect_room("R", 0, 0, 4_000, 4_000);
        room.floor_load_kg_m2 = 400.0;
        room.columns.push(column("C-1", 2_000, 2_000, 1_000, 1_000));
        let a = equip("A", "BOX", "R", 700, 700, Rotation::R0);
        let mut box_spec = panel("BOX", 1_000, 1_000);
        box_spec.needs_working_space = false;
        box_spec.mass_kg = mass;
        // B faces south with its front at y 3,000: the column's top (2,500)
        // is 500 mm in front of it.
        let mut b = equip("B", "BOX", "R", 2_000, 3_500, Rotation::R0);
        b.clearances.front_mm = clear_front;
        (layout(vec![room], vec![a, b]), vec![box_spec])
    };
    let mut rules = default_rule_set();
    rules.floor.footprint_factor = 100.0;
    let run = |l: &Layout, s: &[EquipmentSpec]| run_with(l, s, &rules);
    let (l, s) = mk(3_000.0, 0);
    assert!(run(&l, &s).violations.is_empty(), "{:#?}", run(&l, &s).violations);
    let (l, s) = mk(3_000.5, 0);
    let r = run(&l, &s);
    let v = of(&r, RuleId::FloorLoadRoom);
    assert_eq!(v.len(), 1);
    assert!((v[0].measure.measured - 6_001.0 / 15.0).abs() < 1e-9);
    assert!(v[0].message.contains("over 15 m²"), "{}", v[0].message);
    // A 500 mm front clearance ends exactly at the column; 501 does not fit.
    let (l, s) = mk(3_000.0, 500);
    assert!(run(&l, &s).violations.is_empty());
    let (l, s) = mk(3_000.0, 501);
    let r = run(&l, &s);
    let v = of(&r, RuleId::Clearance);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].key, "clearance:B:front");
    assert_eq!(v[0].measure.measured, 500.0);
    assert!(v[0].message.contains("column C-1 is in the way"), "{}", v[0].message);
}

#[test]
fn columns_count_as_walls_for_array_spacing_and_obstruct_egress() {
    // A 30 kWh cabinet (x 4,700–5,300) with a 500 mm column whose west face
    // is 913 mm east of it (x 6,213–6,713), in a 20 m room.
    let mk = |col_x: i64| {
        let mut room = rect_room("R", 0, 0, 20_000, 20_000);
        room.columns.push(column("C-7", col_x, 10_000, 500, 500));
        let mut l = layout(vec![room], vec![equip("BC-01", "A", "R", 5_000, 10_000, Rotation::R0)]);
        // An egress path along y 12,000, 1,000 wide: the column (y 9,750–
        // 10,250) is 1,750 mm from its centre line — clear.
        l.egress_paths.push(EgressPath {
            id: "E".into(),
            name: String::new(),
            route: vec![Point::new(1_000, 12_000), Point::new(19_000, 12_000)],
            width_mm: 1_000,
        });
        l
    };
    let s = [battery("A", 600, 1_000, 30.0)];
    assert!(run(&mk(6_464), &s).violations.is_empty());
    let r = run(&mk(6_463), &s);
    let v = of(&r, RuleId::ArrayWallSpacing);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].measure.measured, 913.0);
    assert!(v[0].message.contains("913 mm from column C-7 of room R"), "{}", v[0].message);
    // On the path's centre line, the column leaves nothing clear.
    let mut l = mk(6_463);
    l.rooms[0].columns[0].position.y_mm = 12_000;
    let r = run(&l, &s);
    let v = of(&r, RuleId::EgressObstructed);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].measure.measured, 0.0);
    assert!(v[0].message.starts_with("Column C-7 intrudes into egress path E"), "{}", v[0].message);
}

#[test]
fn doors_on_egress_paths_and_door_swings_into_walls() {
    // A 6 m × 4 m room with a door in the east wall at (6,000, 2,000); the
    // path runs out through it.
    let mk = |door_w: u32| {
        let mut room = rect_room("R", 0, 0, 6_000, 4_000);
        room.doors.push(door("D-9", 6_000, 2_000, door_w, DoorSwing::Outward));
        Layout {
            rooms: vec![room],
            egress_paths: vec![EgressPath {
                id: "E".into(),
                name: String::new(),
                route: vec![Point::new(1_000, 2_000), Point::new(7_000, 2_000)],
                width_mm: 1_000,
            }],
            ..Layout::default()
        }
    };
    // 813 mm is the IFC 2018 §1010.1.1 minimum.
    assert!(run(&mk(813), &[]).violations.is_empty());
    let r = run(&mk(812), &[]);
    let v = of(&r, RuleId::EgressDoorWidth);
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (812.0, 813.0));
    assert_eq!(v[0].reference, "IFC 2018 §1010.1.1");
    // The same path through the wall 1,500 mm south of the door: no door
    // there.
    let mut l = mk(900);
    l.egress_paths[0].route = vec![Point::new(1_000, 500), Point::new(7_000, 500)];
    let r = run(&l, &[]);
    let v = of(&r, RuleId::EgressObstructed);
    assert_eq!(v.len(), 1);
    assert!(v[0].message.contains("crosses the east wall (x = 6,000 mm) of room R at (6,000, 500)"), "{}", v[0].message);
    // A 900 mm door 500 mm from the north-east corner (opening y 3,050–
    // 3,950) swinging in: the north wall is outside its sweep. Centred
    // 400 mm from the corner it reaches past the end of its wall.
    let mut room = rect_room("R", 0, 0, 6_000, 4_000);
    room.doors.push(door("D-1", 6_000, 3_500, 900, DoorSwing::Inward));
    let r = run(&Layout { rooms: vec![room.clone()], ..Layout::default() }, &[]);
    assert!(r.violations.is_empty() && r.diagnostics.is_empty(), "{r:#?}");
    room.doors[0].position.y_mm = 3_600;
    let r = run(&Layout { rooms: vec![room], ..Layout::default() }, &[]);
    assert!(r.diagnostics.iter().any(|d| d.message.contains("reaches past the end of the east wall")), "{:#?}", r.diagnostics);
    // A store 800 mm deep with a 900 mm door in its south wall swinging
    // in: the leaf meets the north wall 800 mm from the door line.
    let mut store = rect_room("S", 0, 0, 3_000, 800);
    store.doors.push(door("D-2", 1_500, 0, 900, DoorSwing::Inward));
    let r = run(&Layout { rooms: vec![store.clone()], ..Layout::default() }, &[]);
    let v = of(&r, RuleId::DoorSwing);
    assert_eq!(v.len(), 1, "{:#?}", r.violations);
    assert_eq!((v[0].measure.measured, v[0].measure.required), (800.0, 900.0));
    assert!(v[0].message.contains("the north wall (y = 800 mm) stands 800 mm from the door line"), "{}", v[0].message);
    // Swinging out, it clears.
    store.doors[0].swing = DoorSwing::Outward;
    assert!(run(&Layout { rooms: vec![store], ..Layout::default() }, &[]).violations.is_empty());
}

#[test]
fn auto_place_in_an_l_room_keeps_columns_and_door_swings_clear() {
    let mut room = l_room(l_vertices());
    room.columns.push(column("C-1", 3_000, 3_000, 600, 600));
    room.doors.push(door("D-1", 9_000, 0, 1_000, DoorSwing::Inward));
    room.doors.push(door("D-2", 3_000, 10_000, 1_000, DoorSwing::Inward));
    let l = layout(vec![room], vec![]);
    let specs = [battery("C12", 600, 1_000, 12.5)];
    // The door-swing rule switched off: auto-place keeps swings clear anyway.
    let mut rules = default_rule_set();
    rules.rules.iter_mut().filter(|e| e.rule == RuleId::DoorSwing).for_each(|e| e.enabled = false);
    let input = CheckInput { layout: &l, specs: &specs, rack_spec: None, rules: &rules };
    let req = AutoPlaceRequest {
        room_id: "L".into(),
        catalog_key: "C12".into(),
        count: 40,
        tag_prefix: "BC-".into(),
        rotation: Rotation::R0,
        clearances: Clearances::default(),
        voltage_to_ground_v: 0.0,
        ampacity_a: 0.0,
        search_step_mm: 100,
    };
    let res = auto_place(&input, &req);
    assert!(res.placed.len() >= 10, "{}", res.summary);
    // Swings: D-1 x 8,500–9,500, y 0–1,000; D-2 x 2,500–3,500, y 9,000–10,000.
    let swings = [(8_500, 0, 9_500, 1_000), (2_500, 9_000, 3_500, 10_000), (2_700, 2_700, 3_300, 3_300)];
    for e in &res.placed {
        let (x, y) = (e.placement.position.x_mm, e.placement.position.y_mm);
        let (x0, y0, x1, y1) = (x - 300, y - 500, x + 300, y + 500);
        for (a0, b0, a1, b1) in swings {
            assert!(x1 <= a0 || x0 >= a1 || y1 <= b0 || y0 >= b1, "{} at ({x}, {y}) is in a door swing or on the column", e.tag);
        }
    }
    let mut placed = l.clone();
    placed.equipment.extend(res.placed.iter().cloned());
    let report = check(&CheckInput { layout: &placed, specs: &specs, rack_spec: None, rules: &default_rule_set() });
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
}

#[test]
fn the_plan_draws_columns_doors_and_their_marks() {
    let (l, specs) = l_site();
    let rules = default_rule_set();
    let input = CheckInput { layout: &l, specs: &specs, rack_spec: None, rules: &rules };
    let report = check(&input);
    let svg = plan_svg(&input, Some(&report), &SvgOptions::default());
    assert!(svg.contains("<g id=\"columns\">"));
    assert!(svg.contains(">C-1</text>"));
    assert!(svg.contains(">D-1 · 90 min</text>"), "door mark");
    assert!(svg.contains(">D-2</text>"));
    // Six vertices of the L in the room polygon.
    let poly = svg.lines().find(|l| l.starts_with("<polygon points=")).unwrap_or_default();
    assert_eq!(poly.split("points=\"").nth(1).and_then(|p| p.split('"').next()).map(|p| p.split(' ').count()), Some(6));
}

// ---------------------------------------------------------------------------
// A rectangle drawn as a four-vertex polygon is the rectangle.
// ---------------------------------------------------------------------------

fn specs() -> Vec<EquipmentSpec> {
    let mut sb = panel("SB", 2_000, 800);
    sb.front_door_leaf_mm = 700;
    let mut listed = battery("BIG", 1_200, 1_000, 180.0);
    listed.listed_pre_engineered = true;
    vec![battery("LI", 600, 1_000, 26.0), listed, sb, panel("P", 800, 500)]
}

/// Rooms: R1 (0, 0) 12 m × 9 m, R2 (12,000, 0) 6 m × 9 m (another fire
/// area). Items, columns, doors and egress are drawn from the strategy.
#[derive(Debug, Clone)]
struct Site {
    items: Vec<(usize, usize, i64, i64, u16, f64)>,
    columns: Vec<(usize, i64, i64, u32)>,
    doors: Vec<(usize, usize, i64, u32, u8, bool)>,
    paths: Vec<Vec<(i64, i64)>>,
}

fn site() -> impl Strategy<Value = Site> {
    (
        prop::collection::vec(
            (0usize..4, 0usize..2, -500i64..18_500, -500i64..9_500, 0u16..4, prop_oneof![Just(0.0), Just(800.0), Just(1_200.0)]),
            0..14,
        ),
        prop::collection::vec((0usize..2, 0i64..18_000, 0i64..9_000, 300u32..900), 0..3),
        prop::collection::vec((0usize..2, 0usize..4, 0i64..1_000, 700u32..1_300, 0u8..3, any::<bool>()), 0..3),
        prop::collection::vec(prop::collection::vec((-1_000i64..19_000, -1_000i64..10_000), 2..4), 0..2),
    )
        .prop_map(|(items, columns, doors, paths)| Site { items, columns, doors, paths })
}

const ROOMS: [(&str, i64, u32); 2] = [("R1", 0, 12_000), ("R2", 12_000, 6_000)];

fn build_site(s: &Site, as_polygon: Option<(usize, bool)>) -> Layout {
    let keys = ["LI", "BIG", "SB", "P"];
    let mut rooms: Vec<Room> = ROOMS
        .iter()
        .map(|&(id, x, w)| {
            let mut r = rect_room(id, x, 0, w, 9_000);
            if id == "R2" {
                r.fire_area = Some("FA-2".into());
            }
            r
        })
        .collect();
    for (k, &(room, x, y, size)) in s.columns.iter().enumerate() {
        rooms[room].columns.push(column(&format!("C-{k}"), x, y, size, size));
    }
    for (k, &(room, wall, at, width, swing, panic)) in s.doors.iter().enumerate() {
        let (x0, w) = (ROOMS[room].1, i64::from(ROOMS[room].2));
        // A point along wall `wall` (south, east, north, west), `at` per
        // mille of its length.
        let p = match wall {
            0 => Point::new(x0 + w * at / 1_000, 0),
            1 => Point::new(x0 + w, 9_000 * at / 1_000),
            2 => Point::new(x0 + w * at / 1_000, 9_000),
            _ => Point::new(x0, 9_000 * at / 1_000),
        };
        let mut d =
            door(&format!("D-{k}"), p.x_mm, p.y_mm, width, [DoorSwing::Inward, DoorSwing::Outward, DoorSwing::Sliding][usize::from(swing)]);
        d.panic_hardware = panic;
        rooms[room].doors.push(d);
    }
    if let Some((start, reverse)) = as_polygon {
        for r in &mut rooms {
            r.shape = RoomShape::Polygon { vertices: reordered(&r.shape.vertices(), start, reverse) };
        }
    }
    let mut l = Layout { rooms, ..Layout::default() };
    for (n, &(k, room, x, y, rot, amps)) in s.items.iter().enumerate() {
        let mut e = equip(&format!("E-{n:02}"), keys[k], ROOMS[room].0, x, y, Rotation::from_degrees(rot * 90).unwrap_or_default());
        if keys[k] == "SB" || keys[k] == "P" {
            e.voltage_to_ground_v = 480.0;
            e.ampacity_a = amps;
        }
        e.clearances.rear_mm = 100;
        l.equipment.push(e);
    }
    for (n, p) in s.paths.iter().enumerate() {
        l.egress_paths.push(EgressPath {
            id: format!("P{n}"),
            name: String::new(),
            route: p.iter().map(|&(x, y)| Point::new(x, y)).collect(),
            width_mm: 1_000,
        });
    }
    l
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_rectangle_as_a_four_vertex_polygon_checks_the_same(s in site(), start in 0usize..4, reverse in any::<bool>()) {
        let specs = specs();
        let rules = default_rule_set();
        let rect = build_site(&s, None);
        let poly = build_site(&s, Some((start, reverse)));
        let is_polygon = matches!(poly.rooms[0].shape, RoomShape::Polygon { .. });
        prop_assert!(is_polygon);
        let a = check(&CheckInput { layout: &rect, specs: &specs, rack_spec: None, rules: &rules });
        let b = check(&CheckInput { layout: &poly, specs: &specs, rack_spec: None, rules: &rules });
        prop_assert_eq!(&a, &b);
        // And the plan drawn from it.
        let sa = plan_svg(&CheckInput { layout: &rect, specs: &specs, rack_spec: None, rules: &rules }, Some(&a), &SvgOptions::default());
        let sb = plan_svg(&CheckInput { layout: &poly, specs: &specs, rack_spec: None, rules: &rules }, Some(&b), &SvgOptions::default());
        prop_assert_eq!(sa, sb);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn a_rectangle_as_a_four_vertex_polygon_auto_places_the_same(s in site(), start in 0usize..4, reverse in any::<bool>()) {
        let specs = specs();
        let rules = default_rule_set();
        let rect = build_site(&s, None);
        let poly = build_site(&s, Some((start, reverse)));
        let req = AutoPlaceRequest {
            room_id: "R1".into(),
            catalog_key: "LI".into(),
            count: 3,
            tag_prefix: "BC-".into(),
            rotation: Rotation::R0,
            clearances: Clearances::default(),
            voltage_to_ground_v: 0.0,
            ampacity_a: 0.0,
            search_step_mm: 250,
        };
        let a = auto_place(&CheckInput { layout: &rect, specs: &specs, rack_spec: None, rules: &rules }, &req);
        let b = auto_place(&CheckInput { layout: &poly, specs: &specs, rack_spec: None, rules: &rules }, &req);
        prop_assert_eq!(a, b);
    }
}

/// Found by the arbitrary-layout property test: columns covering a room's
/// whole floor left 0 m² for the distributed load, and the rule reported
/// "inf kg/m²" as a measured value. Now the input is named instead.
#[test]
fn columns_covering_the_whole_floor_are_an_input_error_not_an_infinite_load() {
    // A 1 × 1 m room; a 2 × 2 m column over it; one rack of 2,927 kg.
    let mut room = rect_room("R2", 0, 0, 1_000, 1_000);
    room.floor_load_kg_m2 = 3_682.0;
    room.columns.push(column("C0", 500, 500, 2_000, 2_000));
    let l = Layout { rooms: vec![room], racks: vec![rack("R0", "R2", 500, 500, 100, 100)], ..Layout::default() };
    let rules = default_rule_set();
    let rack_spec = RackSpec { mass_kg: 2_927.0, height_mm: 2_000, unit_cost: 0.0 };
    let r = check(&CheckInput { layout: &l, specs: &[], rack_spec: Some(&rack_spec), rules: &rules });
    assert!(of(&r, RuleId::FloorLoadRoom).is_empty(), "{:?}", of(&r, RuleId::FloorLoadRoom));
    assert!(r.violations.iter().all(|v| v.measure.measured.is_finite()), "{:?}", r.violations);
    let d = r.diagnostics.iter().find(|d| d.field == "rooms[R2].columns").expect("the columns named");
    assert!(d.message.contains("cover all of its 1 m²") && d.message.contains("2,927 kg"), "{}", d.message);
}
