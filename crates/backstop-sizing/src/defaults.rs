//! The cases a new sizing case starts from: the engine's defaults, filled
//! from what the project's layout and catalog hold. The app's "New case"
//! writes them; every figure here is one the engineer sees and edits in the
//! case's form before anything is saved.

use std::collections::BTreeMap;

use backstop_model::catalog::{CatalogEntry, EntryKind};
use backstop_model::layout::PowerUnitKind;
use backstop_model::project::Design;
use backstop_model::sizing::{DcBus, LoadSpec, PeakCase, Redundancy, UpsCase};
use backstop_model::sizing_smooth::SmoothCase;
use backstop_model::sizing_view::{KeyCount, LayoutFacts};

fn counts(keys: impl Iterator<Item = String>) -> Vec<KeyCount> {
    let mut m: BTreeMap<String, u32> = BTreeMap::new();
    for k in keys {
        *m.entry(k).or_default() += 1;
    }
    let mut v: Vec<KeyCount> = m.into_iter().map(|(key, count)| KeyCount { key, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    v
}

/// What the layout offers a new sizing case: the IT load of its racks (and
/// the load per rack when all racks draw the same, to within 1e-9), the
/// placed UPS units and the placed battery equipment by catalog entry, most
/// used first.
pub fn layout_facts(design: &Design, catalog: &[CatalogEntry]) -> LayoutFacts {
    let racks = &design.layout.racks;
    let it_kw: f64 = racks.iter().map(|r| r.load_kw).filter(|v| v.is_finite()).sum();
    let kw_per_rack = racks.first().map(|r| r.load_kw).filter(|first| {
        first.is_finite() && *first > 0.0 && racks.iter().all(|r| (r.load_kw - first).abs() <= 1e-9 * first.abs().max(1.0))
    });
    let is_battery = |k: &str| crate::find(catalog, k).is_some_and(|e| e.kind.is_battery());
    LayoutFacts {
        racks: u32::try_from(racks.len()).unwrap_or(u32::MAX),
        it_kw,
        kw_per_rack,
        ups: counts(design.layout.power_units.iter().filter(|u| u.kind == PowerUnitKind::Ups).filter_map(|u| u.catalog_key.clone())),
        batteries: counts(design.layout.equipment.iter().filter(|e| is_battery(&e.catalog_key)).map(|e| e.catalog_key.clone())),
    }
}

/// A new UPS case for the project: the layout's racks, UPS and battery
/// cabinets when there are any, the engine's defaults otherwise.
pub fn ups_case(name: &str, facts: &LayoutFacts, catalog: &[CatalogEntry]) -> UpsCase {
    let load = match (facts.racks, facts.kw_per_rack) {
        (n, Some(kw)) if n > 0 => LoadSpec::PerRack { kw_per_rack: kw, racks: n },
        (n, None) if n > 0 && facts.it_kw > 0.0 => LoadSpec::Total { kw: facts.it_kw },
        _ => LoadSpec::Total { kw: 500.0 },
    };
    let ups = facts
        .ups
        .iter()
        .find_map(|k| crate::find(catalog, &k.key).filter(|e| e.kind == EntryKind::Ups))
        .or_else(|| catalog.iter().find(|e| e.kind == EntryKind::Ups));
    let conv = ups.and_then(|u| u.converter.as_ref());
    let mut case = UpsCase {
        name: name.to_owned(),
        load,
        growth_margin: 0.0,
        ups_efficiency: conv.map_or(0.95, |c| c.efficiency.value),
        ups_key: ups.map(|u| u.key.clone()),
        runtime_min: 5.0,
        dc_bus: DcBus {
            v_max: conv.map_or(552.0, |c| c.dc_v_max.value),
            v_min: conv.map_or(400.0, |c| c.dc_v_min.value),
            cells_in_series: None,
            float_v_cell: None,
        },
        ambient_c: 20.0,
        // IEEE 485 §6.2.2 (design margin, 10–15 % recommended) and §6.2.3
        // (ageing factor 1.25: replace at 80 % of rated capacity).
        design_margin: 1.10,
        aging_factor: 1.25,
        temperature_factor: None,
        redundancy: Redundancy::N,
        battery_key: String::new(),
        methods: Vec::new(),
        duty_cycle: None,
        ecm: Default::default(),
        curve_load_fractions: Vec::new(),
    };
    // The layout's battery if it has one; else a Li-ion UPS cabinet, then
    // any battery, whose string fits the DC window (asked of the engine).
    let fits = |e: &CatalogEntry| crate::battery::Unit::of(e).is_some_and(|u| crate::ups::series_for(&case, u).is_ok());
    let li_cabinet = |e: &&CatalogEntry| e.kind == EntryKind::Cabinet && e.battery.as_ref().is_some_and(|b| !b.chemistry.is_aqueous());
    let battery = facts
        .batteries
        .iter()
        .find_map(|k| crate::find(catalog, &k.key))
        .or_else(|| catalog.iter().filter(li_cabinet).find(|e| fits(e)))
        .or_else(|| catalog.iter().filter(|e| e.kind.is_battery()).find(|e| fits(e)))
        .or_else(|| catalog.iter().find(|e| e.kind.is_battery()));
    case.battery_key = battery.map(|b| b.key.clone()).unwrap_or_default();
    case
}

/// A new peak-shaving case: the engine's defaults, a grid-scale container
/// and PCS from the catalog when there are any; threshold set after the
/// profile is imported.
pub fn peak_case(name: &str, catalog: &[CatalogEntry]) -> Result<PeakCase, String> {
    let mut case: PeakCase = serde_json::from_value(serde_json::json!({ "name": name }))
        .map_err(|e| format!("the default peak case could not be built: {e}"))?;
    case.battery_key = catalog.iter().find(|e| e.kind == EntryKind::Container).map(|e| e.key.clone());
    case.pcs_key = catalog.iter().find(|e| e.kind == EntryKind::Pcs).map(|e| e.key.clone());
    Ok(case)
}

/// A new smoothing case, as the documented example
/// (`examples/sizing/smoothing-training.toml`) but one hour long so edits
/// redraw at once (set 86,400 s for a day): a 20 MW base plus an 80 MW
/// training job swinging every 2 s, started over a minute, four failures a
/// day; held to the IESO limits and checked against ERCOT's proposal; a
/// ramp limiter at 17 MW/min (under IESO's 20 with room for the devices'
/// lag at a failure); a battery for the slow part and a supercapacitor bank
/// for the swing (a battery's 0.25 s response alone lets each 56 MW step of
/// the swing through to the grid), from the catalog's first container and
/// PCS.
pub fn smooth_case(name: &str, catalog: &[CatalogEntry]) -> SmoothCase {
    use backstop_model::sizing_smooth::{ChartWindow, SmoothController, SmoothSupercap};
    let mut case = SmoothCase {
        name: name.to_owned(),
        presets: vec!["ieso".into(), "ercot".into()],
        controller: SmoothController::RampLimiter { ramp_mw_per_min: Some(17.0) },
        supercap: Some(SmoothSupercap::default()),
        chart_window: ChartWindow { start_s: 240.0, length_s: 600.0 },
        ..SmoothCase::default()
    };
    if let Some(p) = case.synthetic.as_mut() {
        p.seed = 7;
        p.duration_s = 3_600.0;
        p.start_ramp_s = 60.0;
        p.failures_per_day = 4.0;
        p.restart_s = 900.0;
    }
    if let Some(b) = case.battery.as_mut() {
        b.battery_key = catalog.iter().find(|e| e.kind == EntryKind::Container).map(|e| e.key.clone());
        b.pcs_key = catalog.iter().find(|e| e.kind == EntryKind::Pcs).map(|e| e.key.clone());
    }
    case
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_offers_its_rack_load_ups_units_and_batteries() {
        use backstop_model::layout::{Clearances, ItRack, PlacedEquipment, Placement, Point, PowerUnit, Rotation};
        use backstop_model::project::ProjectInfo;
        let cat = crate::default_catalog();
        let ups = cat.iter().find(|e| e.kind == EntryKind::Ups).unwrap();
        let battery = cat.iter().find(|e| e.kind.is_battery()).unwrap();
        let at = Placement { room_id: "R1".into(), position: Point::default(), rotation: Rotation::R0 };
        let rack = |tag: &str, load_kw: f64| ItRack { tag: tag.into(), placement: at.clone(), width_mm: 600, depth_mm: 1200, load_kw };
        let placed = |tag: &str, key: &str| PlacedEquipment {
            tag: tag.into(),
            catalog_key: key.into(),
            placement: at.clone(),
            clearances: Clearances::default(),
            voltage_to_ground_v: 0.0,
            ampacity_a: 0.0,
            serves_case: None,
        };
        let unit = |tag: &str, kind: PowerUnitKind| PowerUnit {
            tag: tag.into(),
            kind,
            catalog_key: Some(ups.key.clone()),
            placement: at.clone(),
            clearances: Clearances::default(),
            rated_kw: 500.0,
            voltage_to_ground_v: 277.0,
            ampacity_a: 0.0,
            serves: Vec::new(),
            serves_case: None,
        };
        let mut d = Design::new(ProjectInfo::default());
        d.layout.racks = vec![rack("R-01", 60.0), rack("R-02", 60.0), rack("R-03", f64::NAN)];
        d.layout.power_units =
            vec![unit("UPS-01", PowerUnitKind::Ups), unit("UPS-02", PowerUnitKind::Ups), unit("PCS-01", PowerUnitKind::Pcs)];
        d.layout.equipment = vec![placed("BC-01", &battery.key), placed("BC-02", &battery.key), placed("X-01", &ups.key)];
        let f = layout_facts(&d, cat);
        // An unreadable rack load counts for nothing and breaks the uniform load.
        assert_eq!((f.racks, f.it_kw, f.kw_per_rack), (3, 120.0, None));
        assert_eq!(f.ups, vec![KeyCount { key: ups.key.clone(), count: 2 }], "UPS units only, not the PCS");
        assert_eq!(f.batteries, vec![KeyCount { key: battery.key.clone(), count: 2 }], "battery equipment only");
        d.layout.racks.pop();
        assert_eq!(layout_facts(&d, cat).kw_per_rack, Some(60.0));
    }

    #[test]
    fn a_ups_case_takes_the_layouts_racks_ups_and_battery() {
        let cat = crate::default_catalog();
        let ups = cat.iter().find(|e| e.kind == EntryKind::Ups).unwrap();
        let battery = cat.iter().find(|e| e.kind.is_battery()).unwrap();
        let facts = LayoutFacts {
            racks: 10,
            it_kw: 600.0,
            kw_per_rack: Some(60.0),
            ups: vec![KeyCount { key: ups.key.clone(), count: 2 }],
            batteries: vec![KeyCount { key: battery.key.clone(), count: 4 }],
        };
        let c = ups_case("Hall B", &facts, cat);
        assert_eq!(c.name, "Hall B");
        assert_eq!(c.load, LoadSpec::PerRack { kw_per_rack: 60.0, racks: 10 });
        assert_eq!(c.ups_key.as_deref(), Some(ups.key.as_str()));
        assert_eq!(c.battery_key, battery.key);
        let conv = ups.converter.as_ref().unwrap();
        assert_eq!((c.dc_bus.v_max, c.dc_bus.v_min, c.ups_efficiency), (conv.dc_v_max.value, conv.dc_v_min.value, conv.efficiency.value));
        // Racks of different loads: the total.
        let mixed = LayoutFacts { kw_per_rack: None, ..facts };
        assert_eq!(ups_case("x", &mixed, cat).load, LoadSpec::Total { kw: 600.0 });
    }

    #[test]
    fn an_empty_layout_gets_the_engines_defaults_and_a_battery_that_fits() {
        let cat = crate::default_catalog();
        let c = ups_case("New", &LayoutFacts::default(), cat);
        assert_eq!(c.load, LoadSpec::Total { kw: 500.0 });
        assert_eq!((c.runtime_min, c.design_margin, c.aging_factor), (5.0, 1.10, 1.25));
        let b = crate::find(cat, &c.battery_key).expect("a battery from the catalog");
        let unit = crate::battery::Unit::of(b).unwrap();
        assert!(crate::ups::series_for(&c, unit).is_ok(), "{} fits the DC window", b.key);
        // The new case sizes without input errors.
        let r = crate::size_ups(&c, cat);
        assert!(r.methods.iter().any(|m| m.feasible), "{:?}", r.diagnostics);
    }

    #[test]
    fn peak_and_smooth_cases_take_a_container_and_pcs() {
        let cat = crate::default_catalog();
        let container = cat.iter().find(|e| e.kind == EntryKind::Container).map(|e| e.key.clone());
        let pcs = cat.iter().find(|e| e.kind == EntryKind::Pcs).map(|e| e.key.clone());
        let p = peak_case("Peak", cat).unwrap();
        assert_eq!((p.name.as_str(), &p.battery_key, &p.pcs_key), ("Peak", &container, &pcs));
        let s = smooth_case("Smooth", cat);
        let b = s.battery.as_ref().unwrap();
        assert_eq!((&b.battery_key, &b.pcs_key), (&container, &pcs));
        assert_eq!(s.synthetic.as_ref().unwrap().duration_s, 3_600.0);
        // With an empty catalog: no keys, no panic.
        assert_eq!(peak_case("P", &[]).unwrap().battery_key, None);
        assert_eq!(ups_case("U", &LayoutFacts::default(), &[]).battery_key, "");
    }
}
