//! As-built versus design: which installed pack controller sits in which
//! cabinet, and how it differs from the design.

use std::collections::BTreeMap;

use backstop_model::commissioning::{AsBuiltRow, AsBuiltStatus, Assignment, PlannedUnit, UnitObservation};
use backstop_model::link::PointValue;

/// Relative tolerance when comparing rated energy (802 WHRtg) with design.
pub const CAPACITY_TOLERANCE: f64 = 0.02;

/// Compares what answered on the bus with the address plan. An explicit
/// assignment (cabinet ← serial) overrides the address plan for that
/// cabinet. Rows: one per planned cabinet, then one per extra unit.
pub fn as_built(planned: &[PlannedUnit], observed: &[UnitObservation], assignments: &[Assignment]) -> Vec<AsBuiltRow> {
    let serial_of = |u: &UnitObservation| u.info.as_ref().and_then(|i| i.common.as_ref()).map(|c| c.serial_number.clone());
    let mut by_serial: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for u in observed {
        if let Some(s) = serial_of(u) {
            by_serial.entry(s).or_default().push(u.unit);
        }
    }
    let mut used: Vec<u8> = Vec::new();
    let mut rows = Vec::new();
    for p in planned {
        let chosen = match assignments.iter().find(|a| a.cabinet == p.cabinet) {
            Some(a) => observed.iter().find(|u| serial_of(u).as_deref() == Some(a.serial.as_str())),
            None => observed.iter().find(|u| u.unit == p.unit && u.info.is_some()),
        };
        let Some(u) = chosen else {
            rows.push(AsBuiltRow {
                cabinet: p.cabinet.clone(),
                unit: Some(p.unit),
                serial: None,
                model: None,
                firmware: None,
                status: vec![AsBuiltStatus::Missing],
            });
            continue;
        };
        used.push(u.unit);
        rows.push(row(&p.cabinet, Some(p), u, &by_serial));
    }
    for u in observed {
        if u.info.is_some() && !used.contains(&u.unit) {
            let mut r = row("", None, u, &by_serial);
            r.status.retain(|s| *s != AsBuiltStatus::AsDesigned);
            r.status.insert(0, AsBuiltStatus::Extra);
            rows.push(r);
        }
    }
    rows
}

fn row(cabinet: &str, plan: Option<&PlannedUnit>, u: &UnitObservation, by_serial: &BTreeMap<String, Vec<u8>>) -> AsBuiltRow {
    let common = u.info.as_ref().and_then(|i| i.common.clone()).unwrap_or_default();
    let mut status = Vec::new();
    if let Some(p) = plan {
        if let Some(want) = &p.model
            && !want.trim().eq_ignore_ascii_case(common.model.trim())
        {
            status.push(AsBuiltStatus::WrongModel { expected: want.clone(), found: common.model.clone() });
        }
        if let Some(want) = &p.firmware
            && want.trim() != common.version.trim()
        {
            status.push(AsBuiltStatus::WrongFirmware { expected: want.clone(), found: common.version.clone() });
        }
        if let Some(want) = p.energy_wh {
            let found = u.sample.as_ref().and_then(|s| s.models.iter().find(|m| m.id == 802)).and_then(|m| m.point("WHRtg")).and_then(
                |pt| match pt.value {
                    PointValue::Number { value } => Some(value),
                    _ => None,
                },
            );
            if let Some(found) = found
                && (found - want).abs() > want.abs() * CAPACITY_TOLERANCE
            {
                status.push(AsBuiltStatus::WrongCapacity { expected_wh: want, found_wh: found });
            }
        }
    }
    if let Some(units) = by_serial.get(&common.serial_number)
        && units.len() > 1
    {
        status.push(AsBuiltStatus::DuplicateSerial { units: units.clone() });
    }
    if status.is_empty() {
        status.push(AsBuiltStatus::AsDesigned);
    }
    AsBuiltRow {
        cabinet: cabinet.to_string(),
        unit: Some(u.unit),
        serial: Some(common.serial_number),
        model: Some(common.model),
        firmware: Some(common.version),
        status,
    }
}
