//! Auto-placement: rows with the required clearances and array limits, what
//! stops it, and the result always passes the rule check.

mod common;

use backstop_layout::{CheckInput, auto_place, check, default_rule_set};
use backstop_model::layout::*;
use common::*;

fn request(room: &str, key: &str, count: u32) -> AutoPlaceRequest {
    AutoPlaceRequest {
        room_id: room.into(),
        catalog_key: key.into(),
        count,
        tag_prefix: "BC-".into(),
        rotation: Rotation::R0,
        clearances: Clearances::default(),
        voltage_to_ground_v: 0.0,
        ampacity_a: 0.0,
        search_step_mm: 0,
    }
}

/// Runs auto-placement and checks that the layout with the new cabinets has
/// no violation the original did not have.
fn place_and_verify(l: &Layout, specs: &[EquipmentSpec], req: &AutoPlaceRequest) -> (AutoPlaceResult, CheckReport) {
    let rules = default_rule_set();
    let input = CheckInput { layout: l, specs, rack_spec: None, rules: &rules };
    let before = check(&input);
    let res = auto_place(&input, req);
    let mut after = l.clone();
    after.equipment.extend(res.placed.iter().cloned());
    let report = check(&CheckInput { layout: &after, ..input });
    let old: Vec<&str> = before.violations.iter().map(|v| v.key.as_str()).collect();
    let new: Vec<_> = report.violations.iter().filter(|v| !old.contains(&v.key.as_str())).collect();
    assert!(new.is_empty(), "auto-placement created violations: {new:#?}");
    (res, report)
}

#[test]
fn fills_a_row_in_arrays_of_50_kwh() {
    // 10 m × 6 m room; 600 × 1000 cabinets of 12.5 kWh, 4 per 50 kWh array.
    // Facing south, the row's backs stand 914 mm from the north wall
    // (centre y = 6000 − 914 − 500 = 4586); the first cabinet 914 mm from
    // the west wall (centre x = 914 + 300 = 1214); four touching cabinets,
    // then 914 mm to the next array: 1214, 1814, 2414, 3014, then 3014 + 600
    // + 914 = 4528, 5128, 5728, 6328.
    let l = layout(vec![rect_room("B1", 0, 0, 10_000, 6_000)], vec![]);
    let specs = [battery("C12", 600, 1000, 12.5)];
    let (res, report) = place_and_verify(&l, &specs, &request("B1", "C12", 8));
    assert_eq!(res.limit, None, "{}", res.summary);
    let xy: Vec<(i64, i64)> = res.placed.iter().map(|e| (e.placement.position.x_mm, e.placement.position.y_mm)).collect();
    assert_eq!(xy, [(1214, 4586), (1814, 4586), (2414, 4586), (3014, 4586), (4528, 4586), (5128, 4586), (5728, 4586), (6328, 4586)]);
    let tags: Vec<&str> = res.placed.iter().map(|e| e.tag.as_str()).collect();
    assert_eq!(tags, ["BC-01", "BC-02", "BC-03", "BC-04", "BC-05", "BC-06", "BC-07", "BC-08"]);
    assert_eq!(report.arrays.len(), 2);
    assert!(report.arrays.iter().all(|a| a.energy_kwh == 50.0));
    assert!(res.summary.starts_with("Placed 8 of 8"));
}

#[test]
fn stops_at_the_fire_area_limit() {
    // 50 kWh cabinets, each its own array; Li-ion is limited to 600 kWh per
    // fire area: 12 fit, the 13th would make 650.
    let l = layout(vec![rect_room("B1", 0, 0, 30_000, 20_000)], vec![]);
    let specs = [battery("C50", 600, 1000, 50.0)];
    let (res, report) = place_and_verify(&l, &specs, &request("B1", "C50", 20));
    assert_eq!(res.placed.len(), 12);
    assert_eq!(res.limit, Some(PlaceLimit::FireAreaEnergy { fire_area: "FA-1".into(), energy_kwh: 600.0, limit_kwh: 600.0 }));
    assert_eq!(report.fire_areas[0].energy_kwh, [(Chemistry::LithiumIon, 600.0)]);
    assert!(res.summary.contains("aggregate limit of 600 kWh"), "{}", res.summary);
}

#[test]
fn a_cabinet_over_the_array_limit_is_refused() {
    let l = layout(vec![rect_room("B1", 0, 0, 30_000, 20_000)], vec![]);
    let specs = [battery("C60", 600, 1000, 60.0)];
    let (res, _) = place_and_verify(&l, &specs, &request("B1", "C60", 2));
    assert!(res.placed.is_empty());
    assert!(matches!(res.limit, Some(PlaceLimit::Cabinet { rule: RuleId::ArrayEnergy, .. })), "{:?}", res.limit);
    // With UL 9540A data allowing 200 kWh arrays they are placed.
    let mut s = battery("C60", 600, 1000, 60.0);
    s.fire_test =
        Some(FireTestData { report: "LSFT 1".into(), max_array_kwh: Some(200.0), min_spacing_mm: None, min_wall_spacing_mm: None });
    let (res, report) = place_and_verify(&l, &[s], &request("B1", "C60", 4));
    assert_eq!(res.placed.len(), 4);
    // Three per 200 kWh array: 180 + 60.
    let mut e: Vec<f64> = report.arrays.iter().map(|a| a.energy_kwh).collect();
    e.sort_by(f64::total_cmp);
    assert_eq!(e, [60.0, 180.0]);
}

#[test]
fn says_why_when_the_room_is_full() {
    // 4 m × 3 m: with 914 mm from every wall only 4000 − 1828 = 2172 mm of
    // row length and 3000 − 1828 = 1172 mm of depth are usable: one row of
    // three 600 mm cabinets (1800 mm).
    let l = layout(vec![rect_room("B1", 0, 0, 4000, 3000)], vec![]);
    let specs = [battery("C12", 600, 1000, 12.5)];
    let (res, _) = place_and_verify(&l, &specs, &request("B1", "C12", 6));
    assert_eq!(res.placed.len(), 3, "{}", res.summary);
    let Some(PlaceLimit::NoSpace { rejected_by }) = &res.limit else { panic!("{:?}", res.limit) };
    assert_eq!(rejected_by[0].0, RuleId::ArrayWallSpacing);
    assert!(res.summary.contains("array-wall-spacing"), "{}", res.summary);
}

#[test]
fn respects_existing_items_doors_and_working_space() {
    // A room with a rack, an inward door and a switchboard; the cabinets need
    // NEC working space (480 V) and 100 mm rear clearance, in two rows.
    let mut room = rect_room("B1", 0, 0, 9_000, 9_000);
    room.doors.push(Door::new(Point::new(4500, 9000), 1000, DoorSwing::Inward, DoorLeadsTo::Corridor));
    let mut sb = equip("SB-1", "SB", "B1", 7500, 1500, Rotation::R90);
    sb.voltage_to_ground_v = 480.0;
    let mut l = layout(vec![room], vec![sb]);
    l.racks.push(rack("R-01", "B1", 2000, 6500, 600, 1200));
    let mut cab = battery("UPSB", 600, 800, 10.0);
    cab.needs_working_space = true;
    cab.front_door_leaf_mm = 600;
    let specs = [cab, panel("SB", 1000, 600)];
    let mut req = request("B1", "UPSB", 14);
    req.voltage_to_ground_v = 480.0;
    req.clearances.rear_mm = 100;
    let (res, report) = place_and_verify(&l, &specs, &req);
    assert!(res.placed.len() >= 8, "{}", res.summary);
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
    // At least two rows (distinct y).
    let mut ys: Vec<i64> = res.placed.iter().map(|e| e.placement.position.y_mm).collect();
    ys.sort();
    ys.dedup();
    assert!(ys.len() >= 2, "{ys:?}");
}

#[test]
fn faces_the_requested_way() {
    let l = layout(vec![rect_room("B1", 0, 0, 6_000, 10_000)], vec![]);
    let specs = [battery("C12", 600, 1000, 12.5)];
    let mut req = request("B1", "C12", 4);
    req.rotation = Rotation::R90;
    let (res, _) = place_and_verify(&l, &specs, &req);
    assert_eq!(res.placed.len(), 4);
    // Facing east, the backs are 914 mm from the west wall: centre x = 914 + 500.
    assert!(res.placed.iter().all(|e| e.placement.position.x_mm == 1414 && e.placement.rotation == Rotation::R90));
}

#[test]
fn invalid_requests_are_explained() {
    let l = layout(vec![rect_room("B1", 0, 0, 6_000, 10_000)], vec![]);
    let specs = [battery("C12", 600, 1000, 12.5)];
    let rules = default_rule_set();
    let input = CheckInput { layout: &l, specs: &specs, rack_spec: None, rules: &rules };
    for (req, needle) in [
        (request("NOPE", "C12", 1), "room \"NOPE\" does not exist"),
        (request("B1", "NOPE", 1), "catalog entry \"NOPE\""),
        (AutoPlaceRequest { voltage_to_ground_v: f64::NAN, ..request("B1", "C12", 1) }, "voltage to ground is NaN"),
        (AutoPlaceRequest { tag_prefix: " ".into(), ..request("B1", "C12", 1) }, "tag prefix"),
    ] {
        let res = auto_place(&input, &req);
        assert!(res.placed.is_empty());
        let Some(PlaceLimit::InvalidRequest { message }) = &res.limit else { panic!("{:?}", res.limit) };
        assert!(message.contains(needle), "{message}");
    }
    assert_eq!(auto_place(&input, &request("B1", "C12", 0)).limit, None);
}
