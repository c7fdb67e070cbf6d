//! The plan SVG: well-formed, self-contained, rendered by a real SVG
//! renderer (resvg, as the app rasterises it to PNG) with violations in red.

mod common;

use backstop_layout::{CheckInput, SvgOptions, check, default_rule_set, plan_svg};
use backstop_model::layout::*;
use common::*;
use resvg::{tiny_skia, usvg};

fn render(svg: &str) -> tiny_skia::Pixmap {
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).expect("valid SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).expect("non-empty");
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
}

fn plan() -> (Layout, Vec<EquipmentSpec>) {
    // Two 30 kWh cabinets 500 mm apart (one 60 kWh array: a violation) and a
    // switchboard with an inward door in the south wall.
    let mut room = rect_room("B1", 0, 0, 10_000, 6_000);
    room.name = "Battery room <1> & \"A\"".into();
    room.doors.push(Door::new(Point::new(8000, 0), 900, DoorSwing::Inward, DoorLeadsTo::Outside));
    let mut sb = equip("SB-1", "SB", "B1", 5000, 5000, Rotation::R0);
    sb.voltage_to_ground_v = 480.0;
    sb.clearances.rear_mm = 100;
    let mut l = layout(
        vec![room],
        vec![equip("BC-01", "C30", "B1", 2000, 3000, Rotation::R0), equip("BC-02", "C30", "B1", 3100, 3000, Rotation::R0), sb],
    );
    l.egress_paths.push(EgressPath {
        id: "E1".into(),
        name: "to door".into(),
        route: vec![Point::new(2000, 1200), Point::new(8000, 1200), Point::new(8000, 0)],
        width_mm: 1000,
    });
    (l, vec![battery("C30", 600, 1000, 30.0), panel("SB", 1000, 600)])
}

#[test]
fn svg_is_self_contained_and_renders_with_violations_in_red() {
    let (l, specs) = plan();
    let rules = default_rule_set();
    let input = CheckInput { layout: &l, specs: &specs, rack_spec: None, rules: &rules };
    let report = check(&input);
    assert!(!report.violations.is_empty());
    let svg = plan_svg(&input, Some(&report), &SvgOptions { width_px: 1000, title: "DC-7 & B1".into(), ..SvgOptions::default() });
    assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""));
    assert!(!svg.contains("href") && !svg.contains("<script") && !svg.contains("<style"));
    assert!(svg.contains("Battery room &lt;1&gt; &amp; &quot;A&quot;"));
    assert!(svg.contains("<title>DC-7 &amp; B1</title>"));
    for tag in ["BC-01", "BC-02", "SB-1", "egress E1", ">N<", "5 m"] {
        assert!(svg.contains(tag), "missing {tag}");
    }
    // The door swing arc.
    assert!(svg.contains(" A "), "no arc");

    let px = render(&svg);
    assert_eq!(px.width(), 1000);
    // For looking at it: BACKSTOP_PLAN_OUT=/tmp/plan writes plan.svg and plan.png.
    if let Some(dir) = std::env::var_os("BACKSTOP_PLAN_OUT") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("plan.svg"), &svg).unwrap();
        std::fs::write(dir.join("plan.png"), px.encode_png().unwrap()).unwrap();
    }
    // Plan extent x −500…10 500 mm over 952 px: s = 952 / 11 000 px/mm.
    let s = 952.0 / 11_000.0;
    let to_px = |x: f64, y: f64| ((24.0 + (x + 500.0) * s) as u32, (24.0 + (6_500.0 - y) * s) as u32);
    // The left edge of BC-01 (x = 1700) is stroked red (violating array).
    let (x, y) = to_px(1700.0, 3000.0);
    let red = (x.saturating_sub(1)..=x + 1).any(|xx| px.pixel(xx, y).is_some_and(|c| c.red() > 180 && c.green() < 90 && c.blue() < 90));
    assert!(red, "BC-01 not drawn red at ({x}, {y})");
    // The room floor away from everything is the light grey fill.
    let (x, y) = to_px(9000.0, 4000.0);
    let c = px.pixel(x, y).unwrap();
    assert_eq!((c.red(), c.green(), c.blue()), (0xf5, 0xf5, 0xf5));
}

#[test]
fn svg_of_empty_and_degenerate_layouts_still_renders() {
    let rules = default_rule_set();
    for l in [
        Layout::default(),
        Layout {
            rooms: vec![rect_room("Z", i64::MIN, i64::MAX, 0, u32::MAX)],
            racks: vec![rack("R", "Z", i64::MAX, 0, 0, 600)],
            ..Layout::default()
        },
    ] {
        let input = CheckInput { layout: &l, specs: &[], rack_spec: None, rules: &rules };
        let report = check(&input);
        let svg = plan_svg(&input, Some(&report), &SvgOptions::default());
        let px = render(&svg);
        assert_eq!(px.width(), 1600);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
