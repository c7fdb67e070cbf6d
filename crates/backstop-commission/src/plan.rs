//! The address plan commissioning expects on site: the project's own, or
//! by default one Modbus unit per battery cabinet, in tag order from unit 1;
//! and what makes a plan unfit to save.

use backstop_model::catalog::EntryKind;
use backstop_model::commissioning::{CommissioningPlan, PlannedUnit};
use backstop_model::project::{Design, Record, Tolerances};
use backstop_model::record::RecordKind;

/// The highest Modbus serial address a pack can have.
pub const MAX_UNIT: u8 = 247;

/// Whether a catalog record is a battery cabinet with a pack controller of
/// its own (one Modbus unit each): a catalog cabinet, or a record of a kind
/// this version does not know whose name says battery or cabinet (a
/// datasheet's own word, e.g. `battery-cabinet`).
pub fn has_pack_controller(rec: &Record) -> bool {
    match rec.record_kind() {
        RecordKind::Equipment(k) => k == EntryKind::Cabinet,
        RecordKind::Other(k) => k.contains("battery") || k.contains("cabinet"),
        RecordKind::Case(_) | RecordKind::Result(_) | RecordKind::LoadProfile | RecordKind::PowerTrace | RecordKind::ItRack => false,
    }
}

/// The tags of the placed battery cabinets with a pack controller
/// ([`has_pack_controller`]), in tag order: what the layout has, whatever
/// the plan says.
pub fn controlled_cabinets(design: &Design) -> Vec<&str> {
    let battery_keys: Vec<&str> = design.catalog.iter().filter(|r| has_pack_controller(r)).map(|r| r.key.as_str()).collect();
    let mut tags: Vec<&str> =
        design.layout.equipment.iter().filter(|e| battery_keys.contains(&e.catalog_key.as_str())).map(|e| e.tag.as_str()).collect();
    tags.sort_unstable();
    tags
}

/// The address plan in force: the project's, or one unit per placed
/// battery cabinet ([`has_pack_controller`]) in tag order from unit 1,
/// each expecting the plan's model and firmware when the plan names them.
pub fn planned_units(design: &Design) -> Vec<PlannedUnit> {
    let plan = &design.settings.commissioning;
    if !plan.units.is_empty() {
        return plan.units.clone();
    }
    // Serial Modbus addresses run 1–247: cabinets past the 247th get no
    // default unit (a plan of the project's own spreads them over links).
    controlled_cabinets(design)
        .iter()
        .take(usize::from(MAX_UNIT))
        .enumerate()
        .map(|(i, tag)| PlannedUnit {
            unit: u8::try_from(i + 1).unwrap_or(MAX_UNIT),
            cabinet: (*tag).to_string(),
            model: (!plan.model.is_empty()).then(|| plan.model.clone()),
            firmware: (!plan.firmware.is_empty()).then(|| plan.firmware.clone()),
            energy_wh: None,
        })
        .collect()
}

/// What is wrong with a commissioning plan and its acceptance tolerances,
/// one phrase each (empty: the plan can be saved): unit ids outside 1–247
/// or planned twice, units without a cabinet, design setpoints without a
/// number or with a negative tolerance, checklist template errors, and
/// tolerances that are not numbers ≥ 0.
pub fn plan_problems(plan: &CommissioningPlan, tolerances: &Tolerances) -> Vec<String> {
    let mut problems: Vec<String> = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for p in &plan.units {
        if p.unit == 0 || p.unit > MAX_UNIT {
            problems.push(format!("unit id {} is outside 1–{MAX_UNIT}", p.unit));
        }
        if !ids.insert(p.unit) {
            problems.push(format!("unit id {} is planned twice", p.unit));
        }
        if p.cabinet.trim().is_empty() {
            problems.push(format!("unit {} has no cabinet", p.unit));
        }
    }
    for d in &plan.design_setpoints {
        if !(d.value.is_finite() && d.tolerance.is_finite() && d.tolerance >= 0.0) {
            problems.push(format!("design setpoint {} {}: the value and a tolerance ≥ 0 must be numbers", d.point.model, d.point.path));
        }
    }
    if let Some(t) = &plan.template
        && let Err(errors) = crate::validate(t)
    {
        problems.extend(errors.iter().map(|e| format!("checklist: {e}")));
    }
    for (name, v) in [
        ("voltage tolerance", tolerances.voltage_pct),
        ("current tolerance", tolerances.current_pct),
        ("temperature tolerance", tolerances.temperature_k),
        ("SOC tolerance", tolerances.soc_points),
        ("cell-spread tolerance", tolerances.cell_spread_mv),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            problems.push(format!("the {name} must be a number ≥ 0"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use backstop_model::layout::{Clearances, PlacedEquipment, Placement, Point, Rotation};
    use backstop_model::project::ProjectInfo;

    use super::*;

    fn rec(key: &str, kind: &str) -> Record {
        Record { key: key.into(), kind: kind.into(), name: key.into(), body: "{}".into() }
    }

    fn placed(tag: &str, catalog_key: &str) -> PlacedEquipment {
        PlacedEquipment {
            tag: tag.into(),
            catalog_key: catalog_key.into(),
            placement: Placement { room_id: "R1".into(), position: Point::default(), rotation: Rotation::default() },
            clearances: Clearances::default(),
            voltage_to_ground_v: 0.0,
            ampacity_a: 0.0,
            serves_case: None,
        }
    }

    fn design(cabinets: usize) -> Design {
        let mut d = Design::new(ProjectInfo::default());
        d.catalog =
            vec![rec("cab", "cabinet"), rec("ups", "ups"), rec("rack", "it-rack"), rec("ds", "battery-rack"), rec("box", "container")];
        d.layout.equipment = vec![placed("UPS-01", "ups"), placed("BC-10", "cab"), placed("BR-01", "ds"), placed("BESS-01", "box")];
        d.layout.equipment.extend((0..cabinets).map(|i| placed(&format!("BC-{:03}", i + 100), "cab")));
        d
    }

    #[test]
    fn by_default_each_battery_cabinet_gets_a_unit_in_tag_order() {
        let mut d = design(0);
        d.settings.commissioning.firmware = "2.4.1".into();
        let units = planned_units(&d);
        let got: Vec<(u8, &str)> = units.iter().map(|u| (u.unit, u.cabinet.as_str())).collect();
        // The UPS, the rack and the container (no pack controller of its own) get none;
        // a datasheet kind that says battery does.
        assert_eq!(got, vec![(1, "BC-10"), (2, "BR-01")]);
        assert!(units.iter().all(|u| u.firmware.as_deref() == Some("2.4.1") && u.model.is_none()));
    }

    #[test]
    fn the_projects_own_plan_wins_and_addresses_stop_at_247() {
        let many = planned_units(&design(300));
        assert_eq!(many.len(), 247);
        assert_eq!(many.last().map(|u| u.unit), Some(247));
        let mut d = design(0);
        d.settings.commissioning.units =
            vec![PlannedUnit { unit: 9, cabinet: "BC-10".into(), model: None, firmware: None, energy_wh: None }];
        assert_eq!(planned_units(&d), d.settings.commissioning.units);
        // The layout's cabinets stay what the layout has.
        assert_eq!(controlled_cabinets(&d), vec!["BC-10", "BR-01"]);
    }

    #[test]
    fn a_plan_is_refused_with_every_problem_named() {
        use backstop_model::commissioning::{CommissioningPlan, DesignSetpoint, PointRef};
        use backstop_model::project::Tolerances;
        let unit = |unit: u8, cabinet: &str| PlannedUnit { unit, cabinet: cabinet.into(), model: None, firmware: None, energy_wh: None };
        let good = CommissioningPlan { units: vec![unit(1, "BC-01"), unit(247, "BC-02")], ..CommissioningPlan::default() };
        assert_eq!(plan_problems(&good, &Tolerances::default()), Vec::<String>::new());

        let mut bad = CommissioningPlan { units: vec![unit(0, "BC-01"), unit(248, " "), unit(5, "BC-03"), unit(5, "BC-04")], ..good };
        let point = PointRef { model: 802, path: "SoC".into() };
        bad.design_setpoints = vec![DesignSetpoint { unit: None, point, value: f64::NAN, tolerance: 1.0, unit_label: String::new() }];
        let tolerances = Tolerances { current_pct: -1.0, ..Tolerances::default() };
        let problems = plan_problems(&bad, &tolerances);
        for expected in [
            "unit id 0 is outside 1–247",
            "unit id 248 is outside 1–247",
            "unit 248 has no cabinet",
            "unit id 5 is planned twice",
            "must be numbers",
            "the current tolerance must be a number ≥ 0",
        ] {
            assert!(problems.iter().any(|p| p.contains(expected)), "{expected} not in {problems:?}");
        }
        assert_eq!(problems.len(), 6, "{problems:?}");
    }
}
