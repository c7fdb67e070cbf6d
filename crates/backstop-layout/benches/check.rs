//! Full rule check of the sample site (100 objects per block) with the
//! uniform-grid index and, side by side in the same run, the naive scan of
//! all pairs; the same site in polygon rooms (eight walls, four columns and
//! two doors per hall); plus the plan SVG export and auto-placement next to
//! 1,000 objects.
//!
//! Run: `cargo bench -p backstop-layout --bench check`

use std::hint::black_box;
use std::time::Duration;

use backstop_layout::sample::{sample_rack_spec, sample_site, sample_site_polygons, sample_specs};
use backstop_layout::{CheckInput, CheckOptions, IndexKind, SvgOptions, auto_place, check_with, default_rule_set, plan_svg};
use backstop_model::layout::{AutoPlaceRequest, Clearances, Environment, Point, Room, RoomShape, Rotation};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn full_check(c: &mut Criterion) {
    let specs = sample_specs();
    let rack = sample_rack_spec();
    let rules = default_rule_set();
    let mut g = c.benchmark_group("full_check");
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    for blocks in [2usize, 10, 40] {
        let layout = sample_site(blocks);
        let input = CheckInput { layout: &layout, specs: &specs, rack_spec: Some(&rack), rules: &rules };
        let objects = blocks * 100;
        for (name, index) in [("grid", IndexKind::Grid), ("all_pairs", IndexKind::AllPairs)] {
            g.bench_with_input(BenchmarkId::new(name, objects), &objects, |b, _| {
                b.iter(|| black_box(check_with(black_box(&input), &CheckOptions { index })))
            });
        }
    }
    g.finish();
}

fn polygon_check(c: &mut Criterion) {
    let specs = sample_specs();
    let rack = sample_rack_spec();
    let rules = default_rule_set();
    let mut g = c.benchmark_group("full_check_polygons");
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    for blocks in [2usize, 10, 40] {
        let layout = sample_site_polygons(blocks);
        let input = CheckInput { layout: &layout, specs: &specs, rack_spec: Some(&rack), rules: &rules };
        let objects = blocks * 100;
        g.bench_with_input(BenchmarkId::new("grid", objects), &objects, |b, _| {
            b.iter(|| black_box(check_with(black_box(&input), &CheckOptions { index: IndexKind::Grid })))
        });
    }
    g.finish();
}

fn export_and_place(c: &mut Criterion) {
    let specs = sample_specs();
    let rack = sample_rack_spec();
    let rules = default_rule_set();
    let mut layout = sample_site(10);
    let input = CheckInput { layout: &layout, specs: &specs, rack_spec: Some(&rack), rules: &rules };
    let report = check_with(&input, &CheckOptions::default());
    let mut g = c.benchmark_group("site_1000");
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    g.bench_function("plan_svg", |b| b.iter(|| black_box(plan_svg(&input, Some(&report), &SvgOptions::default()))));
    // An empty 20 m × 12 m battery room beside the 1,000 objects: place 24
    // cabinets (each position verified by a full check).
    layout.rooms.push(Room {
        id: "B-NEW".into(),
        name: "New battery room".into(),
        shape: RoomShape::Rectangle { origin: Point::new(0, -20_000), width_mm: 20_000, depth_mm: 12_000 },
        height_mm: 3_500,
        floor_load_kg_m2: 1_500.0,
        fire_area: Some("FA-NEW".into()),
        environment: Environment::Indoor,
        doors: Vec::new(),
        columns: Vec::new(),
        serves_case: None,
    });
    let input = CheckInput { layout: &layout, specs: &specs, rack_spec: Some(&rack), rules: &rules };
    let req = AutoPlaceRequest {
        room_id: "B-NEW".into(),
        catalog_key: "sample-lfp-12".into(),
        count: 24,
        tag_prefix: "NEW-BC-".into(),
        rotation: Rotation::R0,
        clearances: Clearances { rear_mm: 100, ..Clearances::default() },
        voltage_to_ground_v: 480.0,
        ampacity_a: 100.0,
        search_step_mm: 0,
    };
    g.bench_function("auto_place_24", |b| b.iter(|| black_box(auto_place(&input, &req))));
    g.finish();
}

criterion_group!(benches, full_check, polygon_check, export_and_place);
criterion_main!(benches);
