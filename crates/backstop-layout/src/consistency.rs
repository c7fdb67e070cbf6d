//! Design consistency: the layout held against the sizing. A room, a
//! battery item or a UPS/PCS unit names the sizing case it serves
//! (`serves_case`; an item or unit follows its room unless it names its
//! own); the battery items and converters serving a case are compared with
//! the case's stored result:
//!
//! - **battery units** — items of the sized catalog entry (cabinets,
//!   containers, enclosures of modules) against the governing
//!   configuration's enclosures (UPS) or the units the peak sizing counts;
//! - **battery energy** — nameplate kWh of every battery item serving the
//!   case against the energy the result installs;
//! - **strings** (UPS cases) — strings the items hold against the result's
//!   installed strings, compared separately only where items and strings
//!   are not one to one (otherwise the unit count is the string count);
//! - **converter power** — rated kW of the UPS (UPS case) or PCS (peak
//!   case) units serving the case against the units the result installs
//!   times their catalog rating (or, without a rating in the project's
//!   catalog, the power the result needs).
//!
//! A shortfall is a [`Violation`] of one of the `design-…` rules, with the
//! numbers and what to do. A case nothing names is reported as "not
//! checked" (and, when nothing in the layout names any case, a warning
//! says so) — never as a pass. A name that leads nowhere, or a named case
//! without a usable result, is an input error: that part was not checked.
//!
//! Pure: [`sized_cases`] reads the project's case and result records (and
//! the catalog records for item words and converter ratings) as values;
//! [`check_consistency`] compares them with the layout.

use std::collections::{BTreeMap, BTreeSet};

use backstop_model::catalog::{CatalogEntry, EntryKind};
use backstop_model::layout::{
    Bound, CaseConsistency, CheckReport, ConsistencyLine, ConsistencyStatus, Diagnostic, EquipmentSpec, Layout, Measure, ObjectKind,
    ObjectRef, PowerUnitKind, RuleId, RuleSet, Severity, Unit, Violation,
};
use backstop_model::project::Design;
use backstop_model::record::{Body, RecordKind};
use backstop_model::sizing::{PeakCase, PeakResult, UpsCase, UpsResult};
use backstop_model::sizing_view::{CaseKind, SizingCase};

use crate::check::{CheckInput, exceeds, fmt_num};
use crate::rules;

/// What one sizing case's stored result asks the layout to install.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// Where the figures come from (`"governing method: IEEE 485/1115 duty
    /// cycle"`, `"threshold 1,200 kW"`).
    pub basis: String,
    /// Catalog key of the battery the result sizes, when it names one.
    pub battery_key: Option<String>,
    /// Battery items (floor-standing units, or enclosures of units) the
    /// result installs, when it counts them.
    pub items: Option<u32>,
    /// What one item is (`"cabinet"`, `"container"`, `"enclosure"`).
    pub item_word: String,
    /// Nameplate energy the result installs, kWh.
    pub energy_kwh: f64,
    /// Strings (UPS results).
    pub strings: Option<StringNeed>,
    /// UPS or PCS.
    pub converter_kind: PowerUnitKind,
    /// Converter power the layout must install, kW.
    pub converter_kw: f64,
    /// How `converter_kw` follows from the result.
    pub converter_basis: String,
    /// Converter units the result installs, when it counts them.
    pub converter_units: Option<u32>,
}

/// Strings a UPS result installs and how the layout's items hold them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringNeed {
    /// Strings installed (with redundancy).
    pub strings: u32,
    /// Strings the load needs (before redundancy).
    pub needed: u32,
    /// Redundancy of the case (`"N+1"`), or `"redundancy"` when the case
    /// cannot be read.
    pub redundancy: String,
    /// How many items one string takes (≥ 1), or how many strings one item
    /// holds; `None` when strings are packed across items and cannot be
    /// counted from the items.
    pub per_item: Option<ItemsPerString>,
}

/// How strings map to the layout's battery items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemsPerString {
    /// One string takes this many items (1: one string per item).
    ItemsPerString(u32),
    /// One item holds this many strings (> 1).
    StringsPerItem(u32),
}

impl ItemsPerString {
    /// Strings held by `items` items.
    pub fn strings(self, items: u32) -> u32 {
        match self {
            ItemsPerString::ItemsPerString(n) => items / n.max(1),
            ItemsPerString::StringsPerItem(n) => items.saturating_mul(n),
        }
    }

    /// One item per string.
    pub fn one_to_one(self) -> bool {
        matches!(self, ItemsPerString::ItemsPerString(1) | ItemsPerString::StringsPerItem(1))
    }
}

/// A sizing case of the project with what its stored result needs.
#[derive(Debug, Clone, PartialEq)]
pub struct SizedCase {
    /// Case key (what `serves_case` names).
    pub key: String,
    /// Case name.
    pub name: String,
    /// UPS ride-through or peak shaving.
    pub kind: CaseKind,
    /// What the result needs, or why it cannot be compared (no result
    /// stored, unreadable, nothing feasible).
    pub need: Result<Need, String>,
}

/// The sizing cases of `design` with their stored results read as [`Need`]s.
/// Records of other kinds (load profiles, future kinds) are skipped.
pub fn sized_cases(design: &Design) -> Vec<SizedCase> {
    let entry = |key: &str| -> Option<CatalogEntry> {
        match design.catalog.iter().find(|r| r.key == key)?.read() {
            Body::Entry(e) => Some(*e),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for rec in &design.sizing_cases {
        let kind = match rec.record_kind() {
            RecordKind::Case(k @ (CaseKind::Ups | CaseKind::Peak)) => k,
            _ => continue,
        };
        // The case itself only adds detail (its name for the strings); an
        // unreadable case is compared on its result alone.
        let case = match rec.read() {
            Body::Case(c) => Some(*c),
            _ => None,
        };
        let result = design.sizing_results.iter().find(|r| r.case_key == rec.key).map(|r| &r.record);
        let need = match (kind, result.map(|r| (r, r.read()))) {
            (_, None) => Err("it has no stored result; compute and save the case in Sizing".to_owned()),
            (CaseKind::Ups, Some((_, Body::UpsResult(res)))) => {
                let case = match &case {
                    Some(SizingCase::Ups(c)) => Some(c),
                    _ => None,
                };
                ups_need(case, &res, &entry)
            }
            (CaseKind::Peak, Some((_, Body::PeakResult(res)))) => {
                let case = match &case {
                    Some(SizingCase::Peak(c)) => Some(c),
                    _ => None,
                };
                peak_need(case, &res, &entry)
            }
            (_, Some((r, Body::Unreadable { reason, .. }))) if r.record_kind() == RecordKind::Result(kind) => {
                Err(format!("its stored result cannot be read ({reason}); recompute and save the case in Sizing"))
            }
            (_, Some((r, _))) => Err(format!("its stored result is of kind \"{}\", not one this version compares", r.kind)),
        };
        // The engine never stores a negative or non-finite figure; a
        // hand-edited file might.
        let need = need.and_then(|n| {
            if n.energy_kwh.is_finite() && n.energy_kwh >= 0.0 && n.converter_kw.is_finite() && n.converter_kw >= 0.0 {
                Ok(n)
            } else {
                Err(format!(
                    "its stored result gives {} kWh and {} kW, which cannot be compared; recompute and save the case in Sizing",
                    n.energy_kwh, n.converter_kw
                ))
            }
        });
        out.push(SizedCase { key: rec.key.clone(), name: rec.name.clone(), kind, need });
    }
    out
}

/// What a battery item of `entry` is called.
fn item_word(entry: Option<&CatalogEntry>) -> String {
    match entry {
        Some(e) if e.enclosure.as_ref().is_some_and(|x| x.units_max > 0) => "enclosure".into(),
        Some(e) => match e.kind {
            EntryKind::Cabinet => "cabinet".into(),
            EntryKind::Container => "container".into(),
            k => k.as_str().into(),
        },
        None => "battery unit".into(),
    }
}

/// Rated kW of a converter entry, when the project's catalog has it.
fn converter_kw(entry: Option<&CatalogEntry>) -> Option<f64> {
    entry.and_then(|e| e.converter.as_ref()).map(|c| c.rated_kw.value).filter(|v| v.is_finite() && *v > 0.0)
}

fn ups_need(case: Option<&UpsCase>, r: &UpsResult, entry: &dyn Fn(&str) -> Option<CatalogEntry>) -> Result<Need, String> {
    let Some(method) = r.governing else {
        return Err("no method of its result found a feasible configuration; fix the case in Sizing".into());
    };
    let Some(c) = r.methods.iter().find(|m| m.method == method).and_then(|m| m.config.as_ref()) else {
        return Err(format!("its governing method ({}) has no configuration; recompute the case in Sizing", method.label()));
    };
    let battery = entry(&c.battery_key);
    let (items, word) = if c.enclosures > 0 { (c.enclosures, item_word(battery.as_ref())) } else { (c.units, "unit".to_owned()) };
    let per_item = if c.strings == 0 {
        None
    } else if c.enclosures == 0 {
        Some(ItemsPerString::ItemsPerString(c.units_in_series.max(1)))
    } else if c.enclosures % c.strings == 0 {
        Some(ItemsPerString::ItemsPerString(c.enclosures / c.strings))
    } else if c.strings % c.enclosures == 0 {
        Some(ItemsPerString::StringsPerItem(c.strings / c.enclosures))
    } else {
        None
    };
    let redundancy = case.map(|k| k.redundancy.label()).unwrap_or("redundancy");
    let (converter_kw, converter_basis, converter_units) = match &r.ups_units {
        Some(u) => match converter_kw(entry(&u.ups_key).as_ref()) {
            Some(kw) => (
                f64::from(u.installed) * kw,
                format!(
                    "{} × {} of {} kW ({} needed for the load, {} installed with {redundancy})",
                    u.installed,
                    u.ups_key,
                    fmt_num(kw),
                    u.needed,
                    u.installed
                ),
                Some(u.installed),
            ),
            None => {
                (r.load.design_kw, format!("the design load (the project's catalog has no rating for {})", u.ups_key), Some(u.installed))
            }
        },
        None => (r.load.design_kw, "the design load (the case names no UPS entry)".into(), None),
    };
    Ok(Need {
        basis: format!("governing method: {}", method.label()),
        battery_key: Some(c.battery_key.clone()),
        items: Some(items),
        item_word: word,
        energy_kwh: c.energy_kwh,
        strings: Some(StringNeed { strings: c.strings, needed: c.strings_needed, redundancy: redundancy.to_owned(), per_item }),
        converter_kind: PowerUnitKind::Ups,
        converter_kw,
        converter_basis,
        converter_units,
    })
}

fn peak_need(case: Option<&PeakCase>, r: &PeakResult, entry: &dyn Fn(&str) -> Option<CatalogEntry>) -> Result<Need, String> {
    let Some(s) = &r.sizing else {
        return Err("its result has no sizing (no threshold, or the threshold cannot be held); fix the case in Sizing".into());
    };
    let battery_key = case.and_then(|c| c.battery_key.clone());
    let battery = battery_key.as_deref().and_then(entry);
    let units_max = battery.as_ref().and_then(|e| e.enclosure.as_ref()).map_or(0, |x| x.units_max);
    let items = s.battery_units.map(|n| if units_max > 0 { n.div_ceil(units_max) } else { n });
    let need_kw = s.point.power_kw.max(case.and_then(|c| c.max_charge_kw).unwrap_or(0.0));
    let pcs_key = case.and_then(|c| c.pcs_key.clone());
    let rated = pcs_key.as_deref().and_then(entry).and_then(|e| converter_kw(Some(&e)));
    let (converter_kw, converter_basis) = match (s.pcs_units, rated, &pcs_key) {
        (Some(n), Some(kw), Some(k)) => (f64::from(n) * kw, format!("{n} × {k} of {} kW", fmt_num(kw))),
        _ => (need_kw, "the larger of the discharge and the charging power".into()),
    };
    Ok(Need {
        basis: format!("threshold {} kW", fmt_num(s.point.threshold_kw)),
        battery_key,
        items,
        item_word: item_word(battery.as_ref()),
        energy_kwh: s.installed_kwh,
        strings: None,
        converter_kind: PowerUnitKind::Pcs,
        converter_kw,
        converter_basis,
        converter_units: s.pcs_units,
    })
}

/// Violations, input problems and per-case outcomes of the comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Consistency {
    /// Shortfalls, ordered by rule then key.
    pub violations: Vec<Violation>,
    /// Names that lead nowhere, named cases without a usable result, items
    /// the comparison leaves out, and "not checked" when nothing is named.
    pub diagnostics: Vec<Diagnostic>,
    /// One outcome per case, in case order.
    pub cases: Vec<CaseConsistency>,
}

/// The case `own` names (`Some("")`: none), else the one `room` names.
fn effective<'a>(own: Option<&'a str>, room: Option<&'a str>) -> Option<&'a str> {
    match own {
        Some(k) => Some(k.trim()).filter(|k| !k.is_empty()),
        None => room.map(str::trim).filter(|k| !k.is_empty()),
    }
}

/// kWh for messages: to 0.1 kWh (cabinets come in tenths: 51.2 kWh), with
/// thousands separated.
pub fn fmt_kwh(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if !r.is_finite() || r.fract() == 0.0 {
        return fmt_num(r);
    }
    let tenths = ((r.abs().fract() * 10.0).round() as u32).min(9);
    let int = fmt_num(r.trunc());
    let sign = if r < 0.0 && r.trunc() == 0.0 { "-" } else { "" };
    format!("{sign}{int}.{tenths}")
}

fn pl(n: u32, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

fn eq_ref(tag: &str) -> ObjectRef {
    ObjectRef { kind: ObjectKind::Equipment, key: tag.to_owned() }
}

/// Holds `layout` against `cases` (from [`sized_cases`]) with the equipment
/// data `specs` and the enabled `design-…` rules of `rules`.
pub fn check_consistency(layout: &Layout, specs: &[EquipmentSpec], cases: &[SizedCase], rules: &RuleSet) -> Consistency {
    let mut out = Consistency::default();
    let spec = |key: &str| specs.iter().find(|s| s.key == key);
    let room_case: BTreeMap<&str, Option<&str>> = layout.rooms.iter().map(|r| (r.id.as_str(), r.serves_case.as_deref())).collect();
    let known: BTreeSet<&str> = cases.iter().map(|c| c.key.as_str()).collect();
    let known_list = || {
        if cases.is_empty() {
            "the project has no sizing case".to_owned()
        } else {
            format!("its cases are {}", cases.iter().map(|c| format!("{} ({})", c.key, c.name)).collect::<Vec<_>>().join(", "))
        }
    };
    let unknown = |field: String, what: String, key: &str, object: ObjectRef| Diagnostic {
        severity: Severity::Error,
        field,
        message: format!(
            "{what} names sizing case \"{key}\", which the project does not have ({}); it is not checked against the sizing. Name an existing case or clear the field.",
            known_list()
        ),
        objects: vec![object],
    };
    let mut named_any = false;
    for r in &layout.rooms {
        if let Some(k) = effective(r.serves_case.as_deref(), None) {
            named_any = true;
            if !known.contains(k) {
                let d = unknown(
                    format!("rooms[{}].serves_case", r.id),
                    format!("Room {}", r.id),
                    k,
                    ObjectRef { kind: ObjectKind::Room, key: r.id.clone() },
                );
                out.diagnostics.push(d);
            }
        }
    }

    // Battery items and converters by the case they serve.
    let mut batteries: BTreeMap<&str, Vec<(&str, &str, f64)>> = BTreeMap::new(); // case → (tag, catalog key, kWh)
    let mut has_batteries = false;
    for e in &layout.equipment {
        let Some(s) = spec(&e.catalog_key) else { continue };
        if !(s.energy_kwh.is_finite() && s.energy_kwh > 0.0) {
            continue;
        }
        has_batteries = true;
        let room = room_case.get(e.placement.room_id.as_str()).copied().flatten();
        let Some(k) = effective(e.serves_case.as_deref(), room) else { continue };
        named_any = true;
        if !known.contains(k) {
            if e.serves_case.is_some() {
                let d = unknown(format!("equipment[{}].serves_case", e.tag), format!("Battery item {}", e.tag), k, eq_ref(&e.tag));
                out.diagnostics.push(d);
            }
            continue;
        }
        batteries.entry(k).or_default().push((e.tag.as_str(), e.catalog_key.as_str(), s.energy_kwh));
    }
    let mut converters: BTreeMap<&str, Vec<(&str, PowerUnitKind, f64)>> = BTreeMap::new();
    for u in &layout.power_units {
        let room = room_case.get(u.placement.room_id.as_str()).copied().flatten();
        let Some(k) = effective(u.serves_case.as_deref(), room) else { continue };
        named_any = true;
        if !known.contains(k) {
            if u.serves_case.is_some() {
                let d = unknown(
                    format!("power_units[{}].serves_case", u.tag),
                    format!("{} {}", u.kind.as_str().to_uppercase(), u.tag),
                    k,
                    ObjectRef { kind: ObjectKind::PowerUnit, key: u.tag.clone() },
                );
                out.diagnostics.push(d);
            }
            continue;
        }
        converters.entry(k).or_default().push((u.tag.as_str(), u.kind, u.rated_kw));
    }

    if !named_any && (has_batteries || !layout.power_units.is_empty()) {
        out.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            field: "rooms[].serves_case".into(),
            message: if cases.is_empty() {
                "Design consistency not checked: the project has no sizing case, so nothing holds the installed batteries and UPS/PCS units against a sizing. Size the battery in Sizing, then name the case on the battery room (serves case).".into()
            } else {
                format!(
                    "Design consistency not checked: no case named — no room, battery item or UPS/PCS unit names the sizing case it serves ({}). Name the case on the battery room (serves case) so the installed units, energy, strings and converter power are held against its result.",
                    known_list()
                )
            },
            objects: Vec::new(),
        });
    }

    let emit = |out: &mut Consistency, rule: RuleId, key: &str, message: String, measure: Measure, objects: Vec<ObjectRef>| {
        let Some(e) = rules::effective_entry(rules, rule) else { return };
        if !e.enabled {
            return;
        }
        out.violations.push(Violation {
            key: format!("{}:{key}", rule.as_str()),
            rule,
            title: e.title.clone(),
            reference: e.reference.clone(),
            message,
            measure,
            objects,
            highlights: Vec::new(),
        });
    };

    for case in cases {
        let k = case.key.as_str();
        let rooms: Vec<ObjectRef> = layout
            .rooms
            .iter()
            .filter(|r| effective(r.serves_case.as_deref(), None) == Some(k))
            .map(|r| ObjectRef { kind: ObjectKind::Room, key: r.id.clone() })
            .collect();
        let bats = batteries.get(k).map(Vec::as_slice).unwrap_or_default();
        let all_convs = converters.get(k).map(Vec::as_slice).unwrap_or_default();
        let label = format!("sizing case \"{}\" ({k})", case.name);
        let mut objects = rooms.clone();
        objects.extend(bats.iter().map(|b| eq_ref(b.0)));
        objects.extend(all_convs.iter().map(|c| ObjectRef { kind: ObjectKind::PowerUnit, key: c.0.to_owned() }));
        if objects.is_empty() {
            out.cases.push(CaseConsistency {
                case_key: case.key.clone(),
                case_name: case.name.clone(),
                status: ConsistencyStatus::NotChecked,
                summary: format!("Not checked: no case named — no room, battery item or UPS/PCS unit names {label}."),
                lines: Vec::new(),
                objects: Vec::new(),
            });
            continue;
        }
        let need = match &case.need {
            Ok(n) => n,
            Err(why) => {
                out.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    field: format!("sizing_results[{k}]"),
                    message: format!("The layout names {label}, but {why}. The layout is not checked against it."),
                    objects: objects.clone(),
                });
                out.cases.push(CaseConsistency {
                    case_key: case.key.clone(),
                    case_name: case.name.clone(),
                    status: ConsistencyStatus::NotChecked,
                    summary: format!("Not checked: {label} is named in the layout, but {why}."),
                    lines: Vec::new(),
                    objects,
                });
                continue;
            }
        };
        let conv_word = need.converter_kind.as_str().to_uppercase();
        let convs: Vec<&(&str, PowerUnitKind, f64)> = all_convs.iter().filter(|c| c.1 == need.converter_kind).collect();
        for c in all_convs.iter().filter(|c| c.1 != need.converter_kind) {
            out.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                field: format!("power_units[{}].serves_case", c.0),
                message: format!(
                    "{} {} serves {label}, a {} case sized with {conv_word} units; it is not counted. Name the case it belongs to on the unit.",
                    c.1.as_str().to_uppercase(),
                    c.0,
                    case.kind.label().to_lowercase()
                ),
                objects: vec![ObjectRef { kind: ObjectKind::PowerUnit, key: c.0.to_owned() }],
            });
        }
        let bat_objects: Vec<ObjectRef> = rooms.iter().cloned().chain(bats.iter().map(|b| eq_ref(b.0))).collect();
        let installed_kwh: f64 = bats.iter().map(|b| b.2).sum();
        let of_key: Vec<&(&str, &str, f64)> = match &need.battery_key {
            Some(key) => bats.iter().filter(|b| b.1 == key).collect(),
            None => bats.iter().collect(),
        };
        if let Some(key) = &need.battery_key {
            let others: Vec<&str> = bats.iter().filter(|b| b.1 != key).map(|b| b.0).collect();
            if !others.is_empty() {
                out.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    field: format!("sizing_results[{k}]"),
                    message: format!(
                        "{} serve{} {label} but {} not the battery it was sized with ({key}); their energy counts, but not as {key} units.",
                        crate::check::list_tags(&others),
                        if others.len() == 1 { "s" } else { "" },
                        if others.len() == 1 { "is" } else { "are" }
                    ),
                    objects: others.iter().map(|t| eq_ref(t)).collect(),
                });
            }
        }
        let n = of_key.len() as u32;
        let key_word = need.battery_key.as_deref().map_or_else(String::new, |k| format!("{k} "));
        let where_ = {
            let rooms_of: BTreeSet<&str> =
                layout.equipment.iter().filter(|e| bats.iter().any(|b| b.0 == e.tag)).map(|e| e.placement.room_id.as_str()).collect();
            if rooms_of.is_empty() { String::new() } else { format!(" in {}", rooms_of.into_iter().collect::<Vec<_>>().join(", ")) }
        };
        let unit_kwh = need.battery_key.as_deref().and_then(spec).map(|s| s.energy_kwh).filter(|e| *e > 0.0);
        let short_kwh = (need.energy_kwh - installed_kwh).max(0.0);
        let mut lines = Vec::new();
        // What is missing, for the one-line summary.
        let mut missing: Vec<String> = Vec::new();
        let plural = |n: u32| if n == 1 { need.item_word.clone() } else { format!("{}s", need.item_word) };

        if let Some(req) = need.items {
            let ok = n >= req;
            lines.push(ConsistencyLine {
                quantity: format!("Battery {}s ({})", need.item_word, need.battery_key.as_deref().unwrap_or("any entry")),
                installed: f64::from(n),
                required: f64::from(req),
                unit: Unit::Each,
                ok,
            });
            if !ok {
                let short = req - n;
                missing.push(pl(short, &need.item_word));
                let strings = match &need.strings {
                    Some(sn) if sn.per_item.is_some_and(ItemsPerString::one_to_one) => {
                        format!("; one string per {}, {} strings with {}", need.item_word, sn.strings, sn.redundancy)
                    }
                    _ => String::new(),
                };
                emit(
                    &mut out,
                    RuleId::DesignBatteryUnits,
                    k,
                    format!(
                        "The layout has {n} {key_word}{}{where_} ({} kWh) serving {label}, whose result ({}) installs {req} ({} kWh{strings}): {} and {} kWh short. Add {short} {} serving the case, or re-size the case.",
                        plural(n),
                        fmt_kwh(installed_kwh),
                        need.basis,
                        fmt_kwh(need.energy_kwh),
                        pl(short, &need.item_word),
                        fmt_kwh(short_kwh),
                        plural(short),
                    ),
                    Measure { measured: f64::from(n), required: f64::from(req), bound: Bound::AtLeast, unit: Unit::Each },
                    bat_objects.clone(),
                );
            }
        }

        let energy_ok = !exceeds(need.energy_kwh, installed_kwh);
        lines.push(ConsistencyLine {
            quantity: "Battery energy (nameplate)".into(),
            installed: installed_kwh,
            required: need.energy_kwh,
            unit: Unit::Kwh,
            ok: energy_ok,
        });
        if !energy_ok {
            missing.push(format!("{} kWh", fmt_kwh(short_kwh)));
            let more = match unit_kwh {
                Some(u) => {
                    let m = (short_kwh / u - 1e-9).ceil().max(1.0) as u32;
                    format!(" — {m} more {key_word}{} of {} kWh", plural(m), fmt_kwh(u))
                }
                None => String::new(),
            };
            emit(
                &mut out,
                RuleId::DesignBatteryEnergy,
                k,
                format!(
                    "The battery items serving {label}{where_} hold {} kWh; its result ({}) installs {} kWh: {} kWh short{more}. Add battery items serving the case, or re-size the case.",
                    fmt_kwh(installed_kwh),
                    need.basis,
                    fmt_kwh(need.energy_kwh),
                    fmt_kwh(short_kwh)
                ),
                Measure { measured: installed_kwh, required: need.energy_kwh, bound: Bound::AtLeast, unit: Unit::Kwh },
                bat_objects.clone(),
            );
        }

        if let Some(sn) = &need.strings
            && let Some(per) = sn.per_item
        {
            let have = per.strings(n);
            let per_ups = if convs.is_empty() {
                String::new()
            } else {
                format!("; {} per UPS on {}", fmt_num(f64::from(have) / convs.len() as f64), pl(convs.len() as u32, "UPS unit"))
            };
            let ok = have >= sn.strings;
            lines.push(ConsistencyLine {
                quantity: format!("Battery strings ({} needed, {}{per_ups})", sn.needed, sn.redundancy),
                installed: f64::from(have),
                required: f64::from(sn.strings),
                unit: Unit::Each,
                ok,
            });
            // One item per string: the unit count above is the string count.
            if !ok && !per.one_to_one() {
                missing.push(pl(sn.strings - have, "string"));
                let how = match per {
                    ItemsPerString::ItemsPerString(m) => format!("{m} {}s per string", need.item_word),
                    ItemsPerString::StringsPerItem(m) => format!("{m} strings per {}", need.item_word),
                };
                emit(
                    &mut out,
                    RuleId::DesignStrings,
                    k,
                    format!(
                        "The {key_word}{}s serving {label} hold {} ({how}{per_ups}); its result ({}) installs {} ({} needed, {}): {} short. Add {}s serving the case, or re-size the case.",
                        need.item_word,
                        pl(have, "string"),
                        need.basis,
                        sn.strings,
                        sn.needed,
                        sn.redundancy,
                        pl(sn.strings - have, "string"),
                        need.item_word
                    ),
                    Measure { measured: f64::from(have), required: f64::from(sn.strings), bound: Bound::AtLeast, unit: Unit::Each },
                    bat_objects.clone(),
                );
            }
        }

        let conv_kw: f64 = convs.iter().map(|c| if c.2.is_finite() { c.2.max(0.0) } else { 0.0 }).sum();
        let conv_ok = !exceeds(need.converter_kw, conv_kw);
        lines.push(ConsistencyLine {
            quantity: format!("{conv_word} power ({})", need.converter_basis),
            installed: conv_kw,
            required: need.converter_kw,
            unit: Unit::Kw,
            ok: conv_ok,
        });
        if !conv_ok {
            let units_short = need.converter_units.map_or(0, |u| u.saturating_sub(convs.len() as u32));
            let units = if units_short > 0 { format!(": {} short", pl(units_short, &format!("{conv_word} unit"))) } else { String::new() };
            missing.push(format!(
                "{} kW of {conv_word}{}",
                fmt_num(need.converter_kw - conv_kw),
                if units_short > 0 { format!(" ({})", pl(units_short, &format!("{conv_word} unit"))) } else { String::new() }
            ));
            let conv_objects: Vec<ObjectRef> =
                rooms.iter().cloned().chain(convs.iter().map(|c| ObjectRef { kind: ObjectKind::PowerUnit, key: c.0.to_owned() })).collect();
            emit(
                &mut out,
                RuleId::DesignConverterPower,
                k,
                format!(
                    "{} ({} kW rated) serve{} {label}; its result needs {} kW — {}{units}. Add {conv_word} units serving the case (name the case on them if they stand in another room), or re-size the case.",
                    pl(convs.len() as u32, &format!("{conv_word} unit")),
                    fmt_num(conv_kw),
                    if convs.len() == 1 { "s" } else { "" },
                    fmt_num(need.converter_kw),
                    need.converter_basis
                ),
                Measure { measured: conv_kw, required: need.converter_kw, bound: Bound::AtLeast, unit: Unit::Kw },
                conv_objects,
            );
        }

        let (status, summary) = if lines.iter().all(|l| l.ok) {
            (
                ConsistencyStatus::Consistent,
                format!(
                    "Consistent with {label} ({}): {n} {key_word}{} ({} kWh) installed for {} ({} kWh); {} kW of {conv_word} for {} kW.",
                    need.basis,
                    plural(n),
                    fmt_kwh(installed_kwh),
                    need.items.map_or_else(|| "the energy needed".to_owned(), |r| format!("{r} needed")),
                    fmt_kwh(need.energy_kwh),
                    fmt_num(conv_kw),
                    fmt_num(need.converter_kw)
                ),
            )
        } else {
            (ConsistencyStatus::Short, format!("Short of {label} ({}): {} missing.", need.basis, missing.join(", ")))
        };
        out.cases.push(CaseConsistency { case_key: case.key.clone(), case_name: case.name.clone(), status, summary, lines, objects });
    }
    out.violations.sort_by(|a, b| {
        (RuleId::ALL.iter().position(|r| *r == a.rule), &a.key).cmp(&(RuleId::ALL.iter().position(|r| *r == b.rule), &b.key))
    });
    out
}

/// The full check of a design: the layout rules ([`crate::check`]) and the
/// layout held against the sizing cases ([`check_consistency`]), in one
/// report (consistency violations after the layout rules', its problems
/// after theirs, the per-case outcomes in [`CheckReport::consistency`]).
/// Nothing is compared when the rule set itself cannot be used.
pub fn check_design(input: &CheckInput<'_>, cases: &[SizedCase]) -> CheckReport {
    let mut report = crate::check(input);
    if !rules::validate_rule_set(input.rules).is_empty() {
        return report;
    }
    let c = check_consistency(input.layout, input.specs, cases, input.rules);
    report.violations.extend(c.violations);
    report.diagnostics.extend(c.diagnostics);
    report.consistency = c.cases;
    report
}
