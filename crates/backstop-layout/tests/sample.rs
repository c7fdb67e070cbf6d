//! The sample site used by the benchmark and demos is what it claims:
//! 100 objects per block, and exactly one array violation per odd block.

use backstop_layout::sample::{OBJECTS_PER_BLOCK, sample_rack_spec, sample_site, sample_site_polygons, sample_specs};
use backstop_layout::{CheckInput, CheckOptions, IndexKind, check_with, default_rule_set};
use backstop_model::layout::{RoomShape, RuleId};

#[test]
fn sample_site_has_the_advertised_objects_and_violations() {
    let layout = sample_site(10);
    let specs = sample_specs();
    let rack = sample_rack_spec();
    let rules = default_rule_set();
    let input = CheckInput { layout: &layout, specs: &specs, rack_spec: Some(&rack), rules: &rules };
    let r = check_with(&input, &CheckOptions { index: IndexKind::Grid });
    assert_eq!(r.objects_checked, 10 * OBJECTS_PER_BLOCK);
    assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
    let rules_hit: Vec<(RuleId, f64)> = r.violations.iter().map(|v| (v.rule, v.measure.measured)).collect();
    // Blocks 2, 4, 6, 8, 10: arrays 4 and 5 joined, 8 × 12.5 = 100 kWh.
    assert_eq!(rules_hit, vec![(RuleId::ArrayEnergy, 100.0); 5], "{:#?}", r.violations);
    assert_eq!(r, check_with(&input, &CheckOptions { index: IndexKind::AllPairs }));
}

/// The polygon variant the benchmark checks: eight-walled halls with four
/// columns and two doors each give the same report as the rectangles (the
/// columns, the cut corners and the second door stand clear of everything).
#[test]
fn sample_site_in_polygon_rooms_has_the_same_objects_and_violations() {
    let layout = sample_site_polygons(10);
    assert!(layout.rooms.iter().all(|r| matches!(&r.shape, RoomShape::Polygon { vertices } if vertices.len() == 8)));
    assert!(layout.rooms.iter().all(|r| r.columns.len() == 4 && r.doors.len() == 2));
    let specs = sample_specs();
    let rack = sample_rack_spec();
    let rules = default_rule_set();
    let input = CheckInput { layout: &layout, specs: &specs, rack_spec: Some(&rack), rules: &rules };
    let r = check_with(&input, &CheckOptions { index: IndexKind::Grid });
    assert_eq!(r.objects_checked, 10 * OBJECTS_PER_BLOCK);
    assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
    let rect = sample_site(10);
    let rect_input = CheckInput { layout: &rect, ..input };
    assert_eq!(r.violations, check_with(&rect_input, &CheckOptions::default()).violations);
    assert_eq!(r, check_with(&input, &CheckOptions { index: IndexKind::AllPairs }));
}
