//! The built-in catalog and validation of (user-edited) catalog entries.

use std::sync::OnceLock;

use backstop_model::catalog::{BatteryData, CatalogEntry, ConverterData, EntryKind, FieldError, Sourced, TableBasis};
use serde::Deserialize;

const DEFAULT_TOML: &str = include_str!("../catalog/default.toml");

#[derive(Deserialize)]
struct CatalogFile {
    entry: Vec<CatalogEntry>,
}

/// Parses a catalog file (TOML with `[[entry]]` tables, or JSON: an array
/// of entries or `{"entry": [...]}`).
pub fn parse_catalog(text: &str) -> Result<Vec<CatalogEntry>, String> {
    let t = text.trim_start();
    if t.starts_with('[') && !t.starts_with("[[") {
        return serde_json::from_str::<Vec<CatalogEntry>>(t).map_err(|e| format!("catalog JSON: {e}"));
    }
    if t.starts_with('{') {
        return serde_json::from_str::<CatalogFile>(t).map(|f| f.entry).map_err(|e| format!("catalog JSON: {e}"));
    }
    toml::from_str::<CatalogFile>(text).map(|f| f.entry).map_err(|e| format!("catalog TOML: {e}"))
}

/// The built-in catalog (parsed once). It is tested to parse and validate
/// without errors; were it ever not to, this returns an empty list rather
/// than panicking.
pub fn default_catalog() -> &'static [CatalogEntry] {
    static CAT: OnceLock<Vec<CatalogEntry>> = OnceLock::new();
    CAT.get_or_init(|| parse_catalog(DEFAULT_TOML).unwrap_or_default())
}

/// The entry with `key` in `catalog`.
pub fn find<'a>(catalog: &'a [CatalogEntry], key: &str) -> Option<&'a CatalogEntry> {
    catalog.iter().find(|e| e.key == key)
}

/// `base` with `extra` entries added; an extra entry with the key of a base
/// entry replaces it (project entries override the built-in catalog).
pub fn merged(base: &[CatalogEntry], extra: &[CatalogEntry]) -> Vec<CatalogEntry> {
    let mut out: Vec<CatalogEntry> = base.iter().filter(|b| !extra.iter().any(|e| e.key == b.key)).cloned().collect();
    out.extend(extra.iter().cloned());
    out
}

struct V<'a> {
    errs: &'a mut Vec<FieldError>,
}

impl V<'_> {
    fn err(&mut self, field: &str, msg: String) {
        self.errs.push(FieldError { field: field.to_owned(), message: msg, warning: false });
    }
    fn warn(&mut self, field: &str, msg: String) {
        self.errs.push(FieldError { field: field.to_owned(), message: msg, warning: true });
    }
    fn source(&mut self, field: &str, s: &str) {
        if s.trim().is_empty() {
            self.warn(
                field,
                format!("{field} has no source; name the datasheet and page, or write \"typical value, verify against vendor datasheet\""),
            );
        }
    }
    fn pos(&mut self, field: &str, v: &Sourced<f64>, unit: &str) -> bool {
        self.source(field, &v.source);
        if !v.value.is_finite() || v.value <= 0.0 {
            self.err(field, format!("{field} must be a positive number of {unit} (found {})", v.value));
            return false;
        }
        true
    }
    fn range(&mut self, field: &str, v: &Sourced<f64>, lo: f64, hi: f64, unit: &str) -> bool {
        self.source(field, &v.source);
        if !v.value.is_finite() || v.value < lo || v.value > hi {
            self.err(field, format!("{field} must be between {lo} and {hi} {unit} (found {})", v.value));
            return false;
        }
        true
    }
}

/// Checks whether a key is well formed: 3–64 characters of `a-z`, `0-9`, `-`,
/// starting with a letter.
pub fn key_is_valid(key: &str) -> bool {
    let ok_chars = key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    ok_chars && (3..=64).contains(&key.len()) && key.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Validates one entry; every problem names its field. Errors make the
/// entry unusable for sizing; warnings (missing sources, implausible but
/// possible values) do not.
pub fn validate_entry(e: &CatalogEntry) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut v = V { errs: &mut errs };
    if !key_is_valid(&e.key) {
        v.err(
            "key",
            format!("key \"{}\" must be 3–64 characters of a–z, 0–9 and '-', starting with a letter (e.g. \"vrla-yuasa-np24-12\")", e.key),
        );
    }
    if e.manufacturer.trim().is_empty() {
        v.err("manufacturer", "manufacturer is empty".into());
    }
    if e.model.trim().is_empty() {
        v.err("model", "model is empty".into());
    }
    v.pos("physical.width_mm", &e.physical.width_mm, "mm");
    v.pos("physical.depth_mm", &e.physical.depth_mm, "mm");
    v.pos("physical.height_mm", &e.physical.height_mm, "mm");
    v.pos("physical.mass_kg", &e.physical.mass_kg, "kg");
    v.source("cost", &e.cost.source);
    if !e.cost.value.is_finite() || e.cost.value < 0.0 {
        v.err("cost", format!("cost must be zero or positive (found {})", e.cost.value));
    }
    if e.kind.is_battery() {
        match &e.battery {
            Some(b) => validate_battery(&mut v, b),
            None => v.err("battery", format!("a {} entry needs battery data", e.kind.as_str())),
        }
        if e.converter.is_some() {
            v.warn("converter", "converter data on a battery entry is ignored".into());
        }
    } else {
        match &e.converter {
            Some(c) => validate_converter(&mut v, c),
            None => v.err("converter", format!("a {} entry needs converter data", e.kind.as_str())),
        }
    }
    if let Some(enc) = &e.enclosure {
        if enc.units_max == 0 {
            v.err("enclosure.units_max", "enclosure.units_max must be at least 1".into());
        }
        if enc.strings_per_enclosure == Some(0) {
            v.err(
                "enclosure.strings_per_enclosure",
                "enclosure.strings_per_enclosure must be at least 1 when given (1: one string per enclosure; omit it when units are packed regardless of strings)".into(),
            );
        }
        for (f, x) in [("enclosure.width_mm", enc.width_mm), ("enclosure.depth_mm", enc.depth_mm), ("enclosure.height_mm", enc.height_mm)] {
            if !x.is_finite() || x <= 0.0 {
                v.err(f, format!("{f} must be a positive number of mm (found {x})"));
            }
        }
        if !enc.empty_mass_kg.is_finite() || enc.empty_mass_kg < 0.0 {
            v.err("enclosure.empty_mass_kg", "enclosure.empty_mass_kg must be zero or positive".into());
        }
        if !enc.cost.is_finite() || enc.cost < 0.0 {
            v.err("enclosure.cost", "enclosure.cost must be zero or positive".into());
        }
        v.source("enclosure.source", &enc.source);
    }
    if let Some(ft) = &e.listing.fire_test {
        if let Some(k) = ft.max_array_kwh
            && (!k.is_finite() || k <= 0.0)
        {
            v.err("listing.fire_test.max_array_kwh", "max_array_kwh must be positive".into());
        }
        if ft.report.trim().is_empty() {
            v.warn("listing.fire_test.report", "fire-test data without a report reference".into());
        }
    }
    if matches!(e.kind, EntryKind::Cell | EntryKind::Block | EntryKind::Module) && e.enclosure.is_none() {
        v.warn("enclosure", "no enclosure: footprint, mass and cost of sized systems count the bare units only".into());
    }
    errs
}

fn validate_battery(v: &mut V<'_>, b: &BatteryData) {
    if b.cells_series == 0 {
        v.err("battery.cells_series", "battery.cells_series must be at least 1".into());
    }
    if b.cells_parallel == 0 {
        v.err("battery.cells_parallel", "battery.cells_parallel must be at least 1".into());
    }
    let nom = v.range("battery.nominal_v_cell", &b.nominal_v_cell, 0.5, 5.0, "V/cell");
    let min = v.range("battery.min_v_cell", &b.min_v_cell, 0.5, 5.0, "V/cell");
    let max = v.range("battery.max_v_cell", &b.max_v_cell, 0.5, 5.0, "V/cell");
    if nom && min && max && !(b.min_v_cell.value < b.nominal_v_cell.value && b.nominal_v_cell.value < b.max_v_cell.value) {
        v.err(
            "battery.nominal_v_cell",
            format!(
                "voltages must satisfy min < nominal < max (found {} < {} < {} V/cell)",
                b.min_v_cell.value, b.nominal_v_cell.value, b.max_v_cell.value
            ),
        );
    }
    if let Some(f) = &b.float_v_cell
        && v.range("battery.float_v_cell", f, 0.5, 5.0, "V/cell")
        && min
        && max
        && (f.value <= b.min_v_cell.value || f.value > b.max_v_cell.value)
    {
        v.err("battery.float_v_cell", format!("float voltage {} V/cell must lie above min and at most max voltage", f.value));
    }
    let ah = v.pos("battery.capacity_ah", &b.capacity_ah, "Ah");
    if !b.capacity_rate_h.is_finite() || b.capacity_rate_h <= 0.0 {
        v.err("battery.capacity_rate_h", "battery.capacity_rate_h must be a positive number of hours".into());
    }
    let wh = v.pos("battery.energy_wh", &b.energy_wh, "Wh");
    if ah && wh && nom && b.cells_series > 0 {
        let expect = b.capacity_ah.value * b.nominal_v_cell.value * f64::from(b.cells_series);
        let ratio = b.energy_wh.value / expect;
        if !(0.85..=1.15).contains(&ratio) {
            v.warn(
                "battery.energy_wh",
                format!(
                    "energy {} Wh differs from cells × nominal V × Ah = {:.0} Wh by {:.0} %; check cells_series, capacity_ah and energy_wh",
                    b.energy_wh.value,
                    expect,
                    (ratio - 1.0) * 100.0
                ),
            );
        }
    }
    v.range("battery.continuous_c", &b.continuous_c, 0.01, 100.0, "C");
    if let Some(p) = &b.peak_c {
        v.range("battery.peak_c", p, 0.01, 200.0, "C");
    }
    if let Some(i) = &b.max_string_current_a {
        v.pos("battery.max_string_current_a", i, "A");
    }
    if b.series_options.contains(&0) {
        v.err("battery.series_options", "series_options must not contain 0".into());
    }
    if b.max_parallel_strings == Some(0) {
        v.err("battery.max_parallel_strings", "max_parallel_strings must be at least 1 when given".into());
    }
    for (i, t) in b.discharge_tables.iter().enumerate() {
        let f = format!("battery.discharge_tables[{i}]");
        if t.source.trim().is_empty() {
            v.warn(&f, format!("{f} has no source"));
        }
        if !t.end_v_cell.is_finite() || t.end_v_cell <= 0.0 || t.end_v_cell > 5.0 {
            v.err(&format!("{f}.end_v_cell"), format!("end voltage must be between 0 and 5 V/cell (found {})", t.end_v_cell));
        }
        if t.points.is_empty() {
            v.err(&format!("{f}.points"), "a discharge table needs at least one [minutes, value] point".into());
        }
        let mut prev: Option<[f64; 2]> = None;
        for (j, p) in t.points.iter().enumerate() {
            if !(p[0].is_finite() && p[1].is_finite() && p[0] > 0.0 && p[1] > 0.0) {
                v.err(
                    &format!("{f}.points[{j}]"),
                    format!("[{}, {}] must be positive minutes and a positive {}", p[0], p[1], t.basis.unit()),
                );
                continue;
            }
            if let Some(q) = prev {
                if p[0] <= q[0] {
                    v.err(&format!("{f}.points[{j}]"), format!("durations must increase ({} min after {} min)", p[0], q[0]));
                } else if p[1] > q[1] {
                    v.err(
                        &format!("{f}.points[{j}]"),
                        format!(
                            "a longer discharge cannot deliver more: {} {} at {} min exceeds {} at {} min",
                            p[1],
                            t.basis.unit(),
                            p[0],
                            q[1],
                            q[0]
                        ),
                    );
                }
            }
            prev = Some(*p);
        }
        if t.basis == TableBasis::WattsPerCellPerAh && t.points.iter().any(|p| p[1] > 50.0) {
            v.warn(&f, "W/cell/Ah above 50 is implausible; is the basis W/cell?".into());
        }
    }
    for (i, c) in b.ocv.iter().enumerate() {
        let f = format!("battery.ocv[{i}]");
        if c.source.trim().is_empty() {
            v.warn(&f, format!("{f} has no source"));
        }
        if c.points.len() < 2 {
            v.err(&format!("{f}.points"), "an OCV curve needs at least two [SOC, V] points".into());
        }
        let mut prev: Option<[f64; 2]> = None;
        for (j, p) in c.points.iter().enumerate() {
            let ok = p[0].is_finite() && p[1].is_finite() && (0.0..=1.0).contains(&p[0]) && p[1] > 0.0 && p[1] <= 5.0;
            if !ok {
                v.err(&format!("{f}.points[{j}]"), format!("[{}, {}]: SOC must be 0–1 and voltage 0–5 V", p[0], p[1]));
                continue;
            }
            if let Some(q) = prev
                && (p[0] <= q[0] || p[1] < q[1])
            {
                v.err(&format!("{f}.points[{j}]"), "SOC must increase and OCV must not fall as SOC rises".into());
            }
            prev = Some(*p);
        }
        if !c.temperature_c.is_finite() {
            v.err(&format!("{f}.temperature_c"), "temperature must be a number".into());
        }
    }
    if let Some(r) = &b.r0_mohm {
        v.pos("battery.r0_mohm", r, "mΩ");
    }
    if let Some(k) = &b.r0_activation_k {
        v.range("battery.r0_activation_k", k, 0.0, 20000.0, "K");
    }
    if let Some(rc) = &b.rc {
        if !(rc.r1_mohm.is_finite() && rc.r1_mohm >= 0.0) {
            v.err("battery.rc.r1_mohm", "r1_mohm must be zero or positive".into());
        }
        if !(rc.tau_s.is_finite() && rc.tau_s > 0.0) {
            v.err("battery.rc.tau_s", "tau_s must be positive".into());
        }
        v.source("battery.rc.source", &rc.source);
    }
    if let Some(c) = &b.capacity_vs_temperature {
        v.source("battery.capacity_vs_temperature.source", &c.source);
        let mut prev: Option<[f64; 2]> = None;
        for (j, p) in c.points.iter().enumerate() {
            if !(p[0].is_finite() && p[1].is_finite() && p[1] > 0.0 && p[1] < 2.0) {
                v.err(&format!("battery.capacity_vs_temperature.points[{j}]"), "factors must be between 0 and 2".into());
            } else if let Some(q) = prev
                && p[0] <= q[0]
            {
                v.err(&format!("battery.capacity_vs_temperature.points[{j}]"), "temperatures must increase".into());
            }
            prev = Some(*p);
        }
    }
    if let Some(h) = &b.heat_loss_w {
        v.source("battery.heat_loss_w", &h.source);
        if !h.value.is_finite() || h.value < 0.0 {
            v.err("battery.heat_loss_w", "heat loss must be zero or positive".into());
        }
    }
    if let Some(c) = &b.cycle_life
        && !(c.cycles.is_finite() && c.cycles > 0.0 && c.dod > 0.0 && c.dod <= 1.0 && c.eol_soh > 0.0 && c.eol_soh < 1.0)
    {
        v.err("battery.cycle_life", "cycle_life needs cycles > 0, 0 < dod ≤ 1 and 0 < eol_soh < 1".into());
    }
}

fn validate_converter(v: &mut V<'_>, c: &ConverterData) {
    v.pos("converter.rated_kva", &c.rated_kva, "kVA");
    v.pos("converter.rated_kw", &c.rated_kw, "kW");
    if c.rated_kw.value > c.rated_kva.value * 1.0001 {
        v.err("converter.rated_kw", format!("rated kW {} exceeds rated kVA {}", c.rated_kw.value, c.rated_kva.value));
    }
    v.range("converter.efficiency", &c.efficiency, 0.5, 1.0, "");
    let a = v.pos("converter.dc_v_min", &c.dc_v_min, "V");
    let b = v.pos("converter.dc_v_max", &c.dc_v_max, "V");
    if a && b && c.dc_v_min.value >= c.dc_v_max.value {
        v.err("converter.dc_v_min", format!("DC window {}–{} V is empty", c.dc_v_min.value, c.dc_v_max.value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_catalog_parses_and_validates() {
        let cat = parse_catalog(DEFAULT_TOML).unwrap();
        assert!(cat.len() >= 8);
        let mut keys: Vec<&str> = cat.iter().map(|e| e.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), cat.len(), "duplicate keys");
        for e in &cat {
            let errs: Vec<_> = validate_entry(e).into_iter().filter(|f| !f.warning).collect();
            assert!(errs.is_empty(), "{}: {errs:?}", e.key);
            assert!(e.builtin);
        }
        assert_eq!(default_catalog().len(), cat.len());
    }

    #[test]
    fn every_builtin_value_has_a_source() {
        for e in default_catalog() {
            let missing: Vec<_> = validate_entry(e).into_iter().filter(|f| f.message.contains("no source")).collect();
            assert!(missing.is_empty(), "{}: {missing:?}", e.key);
        }
    }

    #[test]
    fn validation_names_fields() {
        let mut e = find(default_catalog(), "vrla-yuasa-np24-12").unwrap().clone();
        e.key = "Bad Key".into();
        let b = e.battery.as_mut().unwrap();
        b.capacity_ah.value = -1.0;
        b.min_v_cell.value = 2.1;
        b.discharge_tables[0].points[2] = [15.0, 9.0];
        e.physical.mass_kg.value = f64::NAN;
        let errs = validate_entry(&e);
        let fields: Vec<&str> = errs.iter().filter(|f| !f.warning).map(|f| f.field.as_str()).collect();
        for want in ["key", "battery.capacity_ah", "battery.nominal_v_cell", "battery.discharge_tables[0].points[2]", "physical.mass_kg"] {
            assert!(fields.contains(&want), "missing {want} in {fields:?}");
        }
    }

    #[test]
    fn equipment_spec_of_a_block_is_a_full_cabinet() {
        let e = find(default_catalog(), "vrla-yuasa-np24-12").unwrap();
        let s = e.equipment_spec();
        assert_eq!((s.width_mm, s.depth_mm), (800, 800));
        assert!((s.energy_kwh - 40.0 * 0.288).abs() < 1e-9);
        assert!((s.mass_kg - (160.0 + 40.0 * 8.9)).abs() < 1e-9);
        let c = find(default_catalog(), "lfp-container-20ft-3727").unwrap().equipment_spec();
        assert!(c.listed_pre_engineered && (c.energy_kwh - 3727.36).abs() < 1e-6);
    }
}
