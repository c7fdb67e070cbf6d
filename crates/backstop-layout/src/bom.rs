//! Bill of materials: one line per catalog item (equipment and UPS/PCS
//! units share a line when they are the same catalog entry), one per IT
//! rack size, one per kind of door (width, swing, fire rating, panic
//! hardware), with per-line amounts (energy, power, mass, heat, cost) and
//! totals, and its CSV form. Columns are the building's structure, not
//! materials; the plan and the report's room notes show them.

use std::collections::BTreeMap;

use backstop_model::layout::{
    Bom, BomAmounts, BomLine, Diagnostic, DoorSwing, EquipmentSpec, Layout, ObjectKind, ObjectRef, RackSpec, Severity,
};

use crate::check::fmt_num;
use crate::resolve::{rack_spec_problems, spec_problems};

#[derive(Default)]
struct Acc {
    description: String,
    count: u64,
    tags: Vec<String>,
    amounts: BomAmounts,
    notes: String,
}

fn add(a: &mut BomAmounts, b: &BomAmounts) {
    a.energy_kwh += b.energy_kwh;
    a.power_kw += b.power_kw;
    a.mass_kg += b.mass_kg;
    a.heat_kw += b.heat_kw;
    a.cost += b.cost;
}

fn per_unit(s: &EquipmentSpec) -> BomAmounts {
    BomAmounts { energy_kwh: s.energy_kwh, power_kw: s.power_kw, mass_kg: s.mass_kg, heat_kw: s.heat_kw, cost: s.unit_cost }
}

fn spec_note(s: &EquipmentSpec) -> String {
    let mut parts = Vec::new();
    if s.energy_kwh > 0.0 {
        parts.push(format!("{} kWh{}", fmt_num(s.energy_kwh), s.chemistry.map_or(String::new(), |c| format!(" {}", c.label()))));
    }
    if s.power_kw > 0.0 {
        parts.push(format!("{} kW", fmt_num(s.power_kw)));
    }
    parts.push(format!("{} × {} × {} mm", s.width_mm, s.depth_mm, s.height_mm));
    if s.mass_kg > 0.0 {
        parts.push(format!("{} kg", fmt_num(s.mass_kg)));
    }
    if s.listed_pre_engineered {
        parts.push("listed pre-engineered".into());
    }
    if let Some(ft) = &s.fire_test {
        parts.push(format!("UL 9540A: {}", ft.report));
    }
    format!("each: {}", parts.join(", "))
}

/// The bill of materials of `layout`.
pub fn bom(layout: &Layout, specs: &[EquipmentSpec], rack_spec: Option<&RackSpec>) -> Bom {
    let mut diagnostics = Vec::new();
    let mut valid: BTreeMap<&str, &EquipmentSpec> = BTreeMap::new();
    for s in specs {
        if valid.contains_key(s.key.as_str()) {
            continue;
        }
        if spec_problems(s).is_empty() {
            valid.insert(&s.key, s);
        }
    }
    let rack_spec = rack_spec.filter(|r| rack_spec_problems(r).is_empty());
    let mut lines: BTreeMap<String, Acc> = BTreeMap::new();
    let missing = |key: &str, tag: &str, kind: ObjectKind, diags: &mut Vec<Diagnostic>| {
        diags.push(Diagnostic {
            severity: Severity::Error,
            field: format!("{}[{tag}].catalog_key", crate::resolve::list_name(kind)),
            message: format!(
                "{tag}: catalog entry \"{key}\" is missing from the project or its data is invalid; it is counted but not priced or weighed"
            ),
            objects: vec![ObjectRef { kind, key: tag.to_owned() }],
        });
    };

    let mut count_catalog_item = |key: &str, tag: &str, kind: ObjectKind, diags: &mut Vec<Diagnostic>| {
        let acc = lines.entry(key.to_owned()).or_default();
        acc.count += 1;
        acc.tags.push(tag.to_owned());
        match valid.get(key) {
            Some(s) => {
                if acc.description.is_empty() {
                    acc.description = if s.description.trim().is_empty() { key.to_owned() } else { s.description.clone() };
                    acc.notes = spec_note(s);
                }
                add(&mut acc.amounts, &per_unit(s));
            }
            None => {
                acc.description = format!("{key} (catalog entry missing)");
                missing(key, tag, kind, diags);
            }
        }
    };
    for e in &layout.equipment {
        count_catalog_item(&e.catalog_key, &e.tag, ObjectKind::Equipment, &mut diagnostics);
    }
    let mut unkeyed: BTreeMap<&'static str, Acc> = BTreeMap::new();
    for u in &layout.power_units {
        match u.catalog_key.as_deref() {
            Some(k) => count_catalog_item(k, &u.tag, ObjectKind::PowerUnit, &mut diagnostics),
            None => {
                let acc = unkeyed.entry(u.kind.as_str()).or_default();
                acc.count += 1;
                acc.tags.push(u.tag.clone());
                acc.description = format!("{} without a catalog entry", u.kind.as_str().to_uppercase());
                if u.rated_kw.is_finite() && u.rated_kw >= 0.0 {
                    acc.amounts.power_kw += u.rated_kw;
                }
                acc.notes = "pick a catalog entry to price and weigh it".into();
                diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    field: format!("power_units[{}].catalog_key", u.tag),
                    message: format!("{} has no catalog entry; it is counted with its rated power only", u.tag),
                    objects: vec![ObjectRef { kind: ObjectKind::PowerUnit, key: u.tag.clone() }],
                });
            }
        }
    }
    for (kind, acc) in unkeyed {
        lines.insert(format!("{kind}:no-catalog-entry"), acc);
    }

    let mut it_load_kw = 0.0;
    for r in &layout.racks {
        let key = format!("it-rack-{}x{}", r.width_mm, r.depth_mm);
        let acc = lines.entry(key).or_default();
        acc.count += 1;
        acc.tags.push(r.tag.clone());
        acc.description = format!("IT rack {} × {} mm", r.width_mm, r.depth_mm);
        if r.load_kw.is_finite() && r.load_kw >= 0.0 {
            acc.amounts.heat_kw += r.load_kw;
            it_load_kw += r.load_kw;
        } else {
            diagnostics.push(Diagnostic {
                severity: Severity::Error,
                field: format!("racks[{}].load_kw", r.tag),
                message: format!("rack {} has a load of {}; enter a finite load ≥ 0 kW", r.tag, r.load_kw),
                objects: vec![ObjectRef { kind: ObjectKind::Rack, key: r.tag.clone() }],
            });
        }
        if let Some(rs) = rack_spec {
            acc.amounts.mass_kg += rs.mass_kg;
            acc.amounts.cost += rs.unit_cost;
        }
    }
    if !layout.racks.is_empty() && rack_spec.is_none() {
        diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            field: "rack_spec".into(),
            message: "no IT rack mass or price is given; rack lines are counted without them".into(),
            objects: Vec::new(),
        });
    }
    // Door assemblies (the battery room's fit-out): one line per kind of
    // door. Columns are the building's structure and are not listed.
    for r in &layout.rooms {
        for (i, d) in r.doors.iter().enumerate() {
            let slug = d.swing.as_str();
            let swing = if d.swing == DoorSwing::Sliding { slug.to_owned() } else { format!("{slug} swing") };
            let rating = if d.fire_rating_min > 0 { format!(", {} min fire-rated", d.fire_rating_min) } else { String::new() };
            let panic = if d.panic_hardware { ", panic hardware" } else { "" };
            let key = format!(
                "door-{}mm-{slug}{}{}",
                d.width_mm,
                if d.fire_rating_min > 0 { format!("-{}min", d.fire_rating_min) } else { String::new() },
                if d.panic_hardware { "-panic" } else { "" }
            );
            let acc = lines.entry(key).or_default();
            acc.count += 1;
            acc.tags.push(d.key(&r.id, i));
            acc.description = format!("Door {} mm clear, {swing}{rating}{panic}", d.width_mm);
            acc.notes = "door assembly; not in the catalog, so not priced or weighed".into();
        }
    }

    // Rack notes once the loads are summed.
    for (k, acc) in lines.iter_mut() {
        if k.starts_with("it-rack-") {
            acc.notes = format!("IT load {} kW (all of it heat)", fmt_num(acc.amounts.heat_kw));
        }
    }

    let mut out = Bom { it_load_kw, diagnostics, ..Bom::default() };
    for (item, mut acc) in lines {
        acc.tags.sort();
        add(&mut out.totals, &acc.amounts);
        out.lines.push(BomLine {
            item,
            description: acc.description,
            quantity: acc.count as f64,
            unit: "ea".into(),
            tags: acc.tags,
            notes: acc.notes,
        });
        out.amounts.push(acc.amounts);
    }
    out
}

/// One CSV cell: quoted when needed, and a leading `=`, `+`, `-`, `@`, tab
/// or carriage return neutralised with `'` so spreadsheets do not run it as
/// a formula.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// A number for CSV: plain (no thousands separators), up to three
/// decimals.
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_owned() }
}

/// The bill of materials as CSV: a header, one row per line and a `TOTAL`
/// row. Columns: `item,description,quantity,unit,tags,energy_kwh,power_kw,
/// mass_kg,heat_kw,cost,notes` (tags separated by spaces).
pub fn bom_csv(b: &Bom) -> String {
    let mut out = String::from("item,description,quantity,unit,tags,energy_kwh,power_kw,mass_kg,heat_kw,cost,notes\r\n");
    let row = |out: &mut String, cells: [String; 11]| {
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    for (l, a) in b.lines.iter().zip(&b.amounts) {
        row(
            &mut out,
            [
                cell(&l.item),
                cell(&l.description),
                num(l.quantity),
                cell(&l.unit),
                cell(&l.tags.join(" ")),
                num(a.energy_kwh),
                num(a.power_kw),
                num(a.mass_kg),
                num(a.heat_kw),
                num(a.cost),
                cell(&l.notes),
            ],
        );
    }
    let t = &b.totals;
    let count: f64 = b.lines.iter().map(|l| l.quantity).sum();
    row(
        &mut out,
        [
            "TOTAL".into(),
            cell(&format!("IT load {} kW", num(b.it_load_kw))),
            num(count),
            "ea".into(),
            String::new(),
            num(t.energy_kwh),
            num(t.power_kw),
            num(t.mass_kg),
            num(t.heat_kw),
            num(t.cost),
            String::new(),
        ],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_safe() {
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(num(1200.5), "1200.5");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(-0.0001), "0");
    }
}
