//! Bill of materials: counts, per-line amounts and totals worked out by hand.

mod common;

use backstop_layout::{bom, bom_csv};
use backstop_model::layout::*;
use common::*;

fn project() -> (Layout, Vec<EquipmentSpec>, RackSpec) {
    let mut bc = battery("CAB-50", 600, 1000, 50.0);
    bc.description = "Vendor X 50 kWh LFP cabinet".into();
    bc.power_kw = 25.0;
    bc.mass_kg = 600.0;
    bc.heat_kw = 1.2;
    bc.unit_cost = 20_000.0;
    let mut ups = panel("UPS-500", 1800, 900);
    ups.description = "Vendor Y 500 kW UPS".into();
    ups.power_kw = 500.0;
    ups.mass_kg = 1500.0;
    ups.heat_kw = 20.0;
    ups.unit_cost = 80_000.0;
    let mut l = layout(
        vec![rect_room("R1", 0, 0, 20_000, 20_000)],
        vec![
            equip("BC-03", "CAB-50", "R1", 3000, 5000, Rotation::R0),
            equip("BC-01", "CAB-50", "R1", 5000, 5000, Rotation::R0),
            equip("BC-02", "CAB-50", "R1", 7000, 5000, Rotation::R0),
        ],
    );
    l.power_units.push(PowerUnit {
        tag: "UPS-1".into(),
        kind: PowerUnitKind::Ups,
        catalog_key: Some("UPS-500".into()),
        placement: place("R1", 10_000, 10_000, Rotation::R0),
        clearances: Clearances::default(),
        rated_kw: 500.0,
        voltage_to_ground_v: 277.0,
        ampacity_a: 800.0,
        serves: vec!["R-A01".into(), "R-A02".into()],
        serves_case: None,
    });
    l.racks.push(rack("R-A01", "R1", 14_000, 15_000, 600, 1200));
    l.racks.push(rack("R-A02", "R1", 14_600, 15_000, 600, 1200));
    for r in &mut l.racks {
        r.load_kw = 40.0;
    }
    (l, vec![bc, ups], RackSpec { mass_kg: 1200.0, height_mm: 2200, unit_cost: 3000.0 })
}

#[test]
fn counts_amounts_and_totals() {
    let (l, specs, rs) = project();
    let b = bom(&l, &specs, Some(&rs));
    assert!(b.diagnostics.is_empty(), "{:#?}", b.diagnostics);
    let items: Vec<(&str, f64, Vec<&str>)> =
        b.lines.iter().map(|l| (l.item.as_str(), l.quantity, l.tags.iter().map(String::as_str).collect())).collect();
    assert_eq!(
        items,
        [
            ("CAB-50", 3.0, vec!["BC-01", "BC-02", "BC-03"]),
            ("UPS-500", 1.0, vec!["UPS-1"]),
            ("it-rack-600x1200", 2.0, vec!["R-A01", "R-A02"]),
        ]
    );
    // Cabinets: 3 × (50 kWh, 25 kW, 600 kg, 1.2 kW, 20 000).
    let a = b.amounts[0];
    assert_eq!((a.energy_kwh, a.power_kw, a.mass_kg, a.cost), (150.0, 75.0, 1800.0, 60_000.0));
    assert!((a.heat_kw - 3.6).abs() < 1e-9);
    // Racks: 2 × 1200 kg, 2 × 3000, heat = IT load 2 × 40 kW.
    assert_eq!(b.amounts[2], BomAmounts { energy_kwh: 0.0, power_kw: 0.0, mass_kg: 2400.0, heat_kw: 80.0, cost: 6000.0 });
    // Totals: 150 kWh; 75 + 500 = 575 kW; 1800 + 1500 + 2400 = 5700 kg;
    // 3.6 + 20 + 80 = 103.6 kW; 60 000 + 80 000 + 6 000 = 146 000.
    assert_eq!(b.totals.energy_kwh, 150.0);
    assert_eq!(b.totals.power_kw, 575.0);
    assert_eq!(b.totals.mass_kg, 5700.0);
    assert!((b.totals.heat_kw - 103.6).abs() < 1e-9);
    assert_eq!(b.totals.cost, 146_000.0);
    assert_eq!(b.it_load_kw, 80.0);
    assert_eq!(b.lines[0].description, "Vendor X 50 kWh LFP cabinet");
    assert!(b.lines[0].notes.contains("50 kWh Li-ion"), "{}", b.lines[0].notes);
}

#[test]
fn csv_has_a_row_per_line_and_totals() {
    let (l, specs, rs) = project();
    let csv = bom_csv(&bom(&l, &specs, Some(&rs)));
    let rows: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows[0], "item,description,quantity,unit,tags,energy_kwh,power_kw,mass_kg,heat_kw,cost,notes");
    assert!(rows[1].starts_with("CAB-50,Vendor X 50 kWh LFP cabinet,3,ea,BC-01 BC-02 BC-03,150,75,1800,3.6,60000,"), "{}", rows[1]);
    assert_eq!(rows[4], "TOTAL,IT load 80 kW,6,ea,,150,575,5700,103.6,146000,");
    assert_eq!(rows.len(), 5);
}

#[test]
fn missing_specs_are_counted_and_reported() {
    let (mut l, specs, _) = project();
    l.equipment.push(equip("X-1", "NOT-IN-PROJECT", "R1", 1000, 1000, Rotation::R0));
    l.power_units[0].catalog_key = None;
    l.racks[0].load_kw = f64::NAN;
    let b = bom(&l, &specs, None);
    let fields: Vec<&str> = b.diagnostics.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["equipment[X-1].catalog_key", "power_units[UPS-1].catalog_key", "racks[R-A01].load_kw", "rack_spec"]);
    let x = b.lines.iter().find(|l| l.item == "NOT-IN-PROJECT").unwrap();
    assert_eq!(x.quantity, 1.0);
    let ups = b.lines.iter().find(|l| l.item == "ups:no-catalog-entry").unwrap();
    assert_eq!(ups.quantity, 1.0);
    // Heat: cabinets 3 × 1.2 + one rack 40 kW (the NaN rack and the
    // unpriced UPS add none).
    assert!((b.totals.heat_kw - 43.6).abs() < 1e-9, "{}", b.totals.heat_kw);
    assert_eq!(b.totals.power_kw, 75.0 + 500.0);
}

/// Doors are listed one line per kind (width, swing, rating, panic
/// hardware) with their keys; columns are not materials.
#[test]
fn doors_are_listed_by_kind_and_columns_are_not() {
    let (mut l, specs, rs) = project();
    let before = bom(&l, &specs, Some(&rs));
    let mut exit = Door::new(Point::new(0, 5_000), 915, DoorSwing::Outward, DoorLeadsTo::Outside);
    exit.id = "D-1".into();
    exit.fire_rating_min = 90;
    exit.panic_hardware = true;
    let mut exit2 = exit.clone();
    exit2.id = "D-2".into();
    exit2.position = Point::new(0, 9_000);
    // A door without an id is named by its room and number.
    let inner = Door::new(Point::new(20_000, 5_000), 1_200, DoorSwing::Sliding, DoorLeadsTo::Corridor);
    l.rooms[0].doors = vec![exit, inner, exit2];
    l.rooms[0].columns.push(Column { id: "C-1".into(), position: Point::new(10_000, 3_000), width_mm: 600, depth_mm: 600 });
    let b = bom(&l, &specs, Some(&rs));
    let doors: Vec<(&str, &str, f64, String)> = b
        .lines
        .iter()
        .filter(|x| x.item.starts_with("door-"))
        .map(|x| (x.item.as_str(), x.description.as_str(), x.quantity, x.tags.join(" ")))
        .collect();
    assert_eq!(
        doors,
        [
            ("door-1200mm-sliding", "Door 1200 mm clear, sliding", 1.0, "R1/door-2".to_string()),
            (
                "door-915mm-outward-90min-panic",
                "Door 915 mm clear, outward swing, 90 min fire-rated, panic hardware",
                2.0,
                "D-1 D-2".to_string()
            ),
        ]
    );
    assert_eq!(b.lines.len(), before.lines.len() + 2, "no line for the column");
    assert_eq!(b.totals, before.totals, "doors are not priced or weighed");
    let csv = bom_csv(&b);
    assert!(csv.contains("\r\ndoor-915mm-outward-90min-panic,\"Door 915 mm clear, outward swing, 90 min fire-rated, panic hardware\",2,ea,D-1 D-2,0,0,0,0,0,"), "{csv}");
}
