//! Equipment specs from the catalog entries a project carries: the one
//! place that turns catalog records (typed catalog entries, stored specs, or
//! datasheet-style JSON) into the [`EquipmentSpec`]s the rules and the bill
//! of materials take. Used by the app, the CLI and the reports alike.

use std::collections::BTreeSet;

use backstop_model::layout::{Chemistry, Diagnostic, EquipmentSpec, FireTestData, ObjectKind, ObjectRef, RackSpec, Severity};
use backstop_model::project::{Design, Record};
use backstop_model::record::{Body, RecordKind};
use serde_json::{Map, Value};

/// Specs of the catalog entries the layout refers to, the IT rack spec (from
/// an `it-rack` entry, if any) and problems found while reading them.
///
/// An entry's body is read by [`Record::read`]: a catalog entry gives its
/// equipment spec, a stored [`EquipmentSpec`] is taken as it is, otherwise
/// the body is read field by field from the usual datasheet
/// names (`width_mm`, `depth_mm`, `height_mm`, `mass_kg`, `energy_kwh`,
/// `chemistry`, `power_kw`/`rated_kw`, `heat_kw`, `unit_cost`/`cost`,
/// `listed_pre_engineered`, `fire_test`, `needs_working_space`,
/// `front_door_leaf_mm`). Missing footprints are left at 0 so the rule check
/// reports them for the items that use the entry.
pub fn catalog_specs(design: &Design) -> (Vec<EquipmentSpec>, Option<RackSpec>, Vec<Diagnostic>) {
    let layout = &design.layout;
    let used: BTreeSet<&str> = layout
        .equipment
        .iter()
        .map(|e| e.catalog_key.as_str())
        .chain(layout.power_units.iter().filter_map(|u| u.catalog_key.as_deref()))
        .collect();
    let mut specs = Vec::new();
    let mut notes = Vec::new();
    let mut rack_spec = None;
    for rec in &design.catalog {
        // IT racks: their mass and price feed floor loading and the bill of materials.
        let is_rack = rec.record_kind() == RecordKind::ItRack;
        let wanted = used.contains(rec.key.as_str()) || (is_rack && rack_spec.is_none());
        if !wanted {
            continue;
        }
        let body = match serde_json::from_str::<Value>(&rec.body) {
            Ok(Value::Object(m)) => m,
            Ok(_) | Err(_) => {
                notes.push(note(
                    Severity::Error,
                    rec,
                    "body",
                    format!("catalog entry {} is not a JSON object; re-import it from the catalog", rec.key),
                ));
                continue;
            }
        };
        if is_rack && !used.contains(rec.key.as_str()) {
            rack_spec = Some(RackSpec {
                mass_kg: num(&body, &["mass_kg", "loaded_mass_kg"]).unwrap_or(0.0),
                height_mm: int(&body, &["height_mm"]),
                unit_cost: num(&body, &["unit_cost", "cost", "price"]).unwrap_or(0.0),
            });
            continue;
        }
        specs.push(spec_from_record(rec, &body, &mut notes));
    }
    (specs, rack_spec, notes)
}

fn note(severity: Severity, rec: &Record, field: &str, message: String) -> Diagnostic {
    Diagnostic {
        severity,
        field: format!("catalog[{}].{field}", rec.key),
        message,
        objects: vec![ObjectRef { kind: ObjectKind::Spec, key: rec.key.clone() }],
    }
}

fn num(m: &Map<String, Value>, names: &[&str]) -> Option<f64> {
    names.iter().find_map(|n| m.get(*n).and_then(Value::as_f64))
}

fn int(m: &Map<String, Value>, names: &[&str]) -> u32 {
    num(m, names).filter(|v| v.is_finite() && *v >= 0.0).map_or(0, |v| v.round().min(f64::from(u32::MAX)) as u32)
}

fn flag(m: &Map<String, Value>, names: &[&str]) -> Option<bool> {
    names.iter().find_map(|n| m.get(*n).and_then(Value::as_bool))
}

/// Battery chemistry from the names datasheets use.
fn chemistry(s: &str) -> Option<Chemistry> {
    let s = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    if let Some(c) = Chemistry::parse(&s) {
        return Some(c);
    }
    Some(match s.as_str() {
        "lfp" | "lifepo4" | "nmc" | "nca" | "lto" | "lmo" | "li-ion" | "lithium" | "li" | "lithium-iron-phosphate" => Chemistry::LithiumIon,
        "vrla" | "agm" | "gel" | "flooded" | "vla" | "pb" | "lead" | "lead-acid-vrla" => Chemistry::LeadAcid,
        "nicd" | "ni-cd" => Chemistry::NickelCadmium,
        "vrfb" | "vanadium" | "vanadium-redox" | "zinc-bromine" | "znbr" => Chemistry::Flow,
        "na-ion" | "sodium-ion" | "nas" | "sodium-sulfur" | "nanicl" | "sodium-nickel-chloride" => Chemistry::Sodium,
        _ => return None,
    })
}

fn spec_from_record(rec: &Record, body: &Map<String, Value>, notes: &mut Vec<Diagnostic>) -> EquipmentSpec {
    match rec.read() {
        Body::Entry(entry) => {
            let mut s = entry.equipment_spec();
            s.key.clone_from(&rec.key);
            return s;
        }
        Body::Spec(mut s) => {
            s.key.clone_from(&rec.key);
            return *s;
        }
        // A datasheet's own fields, read one by one below.
        _ => {}
    }
    let energy_kwh = num(body, &["energy_kwh", "nominal_energy_kwh", "rated_energy_kwh"]).unwrap_or(0.0);
    let chem = match body.get("chemistry").and_then(Value::as_str) {
        Some(c) => match chemistry(c) {
            Some(c) => Some(c),
            None => {
                notes.push(note(
                    Severity::Warning,
                    rec,
                    "chemistry",
                    format!(
                        "catalog entry {}: chemistry \"{c}\" is not one the fire code names; it is checked as \"other\" (the strictest limits)",
                        rec.key
                    ),
                ));
                Some(Chemistry::Other)
            }
        },
        None => None,
    };
    let mass_kg = num(body, &["mass_kg", "weight_kg"]);
    if mass_kg.is_none() {
        notes.push(note(
            Severity::Warning,
            rec,
            "mass_kg",
            format!("catalog entry {} gives no mass; floor loading leaves its items out. Enter mass_kg from the datasheet.", rec.key),
        ));
    }
    let fire_test = body.get("fire_test").and_then(|v| serde_json::from_value::<FireTestData>(v.clone()).ok());
    EquipmentSpec {
        key: rec.key.clone(),
        description: body.get("description").and_then(Value::as_str).map_or_else(|| rec.name.clone(), str::to_owned),
        width_mm: int(body, &["width_mm"]),
        depth_mm: int(body, &["depth_mm"]),
        height_mm: int(body, &["height_mm"]),
        mass_kg: mass_kg.unwrap_or(0.0),
        energy_kwh,
        chemistry: chem,
        power_kw: num(body, &["power_kw", "rated_kw", "rated_power_kw", "max_discharge_kw"]).unwrap_or(0.0),
        heat_kw: num(body, &["heat_kw", "heat_rejection_kw", "heat_loss_kw"]).unwrap_or(0.0),
        unit_cost: num(body, &["unit_cost", "cost", "price"]).unwrap_or(0.0),
        listed_pre_engineered: flag(body, &["listed_pre_engineered", "listed"]).unwrap_or(false),
        fire_test,
        // Electrical equipment needs working space unless its entry says
        // otherwise (the check still needs a voltage to ground above 0 V).
        needs_working_space: flag(body, &["needs_working_space"]).unwrap_or(true),
        front_door_leaf_mm: int(body, &["front_door_leaf_mm", "door_leaf_mm"]),
    }
}
