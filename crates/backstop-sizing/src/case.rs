//! Reading sizing cases from text (TOML or JSON), with the catalog entries
//! a case file may carry (`[[catalog]]`), and warnings for keys the engine
//! does not know (a misspelt optional key would otherwise silently fall
//! back to its default).

use backstop_model::catalog::CatalogEntry;
use backstop_model::sizing::{PeakCase, SizingDiagnostic, UpsCase};
use backstop_model::sizing_smooth::SmoothCase;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diag;

/// A parsed case file.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFile<C> {
    /// The case.
    pub case: C,
    /// Catalog entries carried by the file (they override built-in entries
    /// with the same key).
    pub catalog: Vec<CatalogEntry>,
    /// Warnings (unknown keys).
    pub warnings: Vec<SizingDiagnostic>,
}

/// Reads a UPS case.
pub fn parse_ups_case(text: &str) -> Result<CaseFile<UpsCase>, Vec<SizingDiagnostic>> {
    parse_case(text)
}

/// Reads a peak-shaving case.
pub fn parse_peak_case(text: &str) -> Result<CaseFile<PeakCase>, Vec<SizingDiagnostic>> {
    parse_case(text)
}

/// Reads a power-smoothing case.
pub fn parse_smooth_case(text: &str) -> Result<CaseFile<SmoothCase>, Vec<SizingDiagnostic>> {
    parse_case(text)
}

fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').trim_start().starts_with('{')
}

fn parse_case<C: DeserializeOwned + Serialize>(text: &str) -> Result<CaseFile<C>, Vec<SizingDiagnostic>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut root: Value = if looks_like_json(text) {
        serde_json::from_str(text).map_err(|e| vec![diag::error("", "syntax", format!("JSON syntax: {e}"))])?
    } else {
        let t: toml::Table =
            toml::from_str(text).map_err(|e| vec![diag::error("", "syntax", format!("TOML syntax: {}", e.to_string().trim()))])?;
        // TOML has nan and inf; JSON (and so the case) has not: name them
        // here, or they arrive as a nameless "invalid type: null".
        let mut bad = Vec::new();
        for (k, v) in &t {
            non_finite(v, k, &mut bad);
        }
        if !bad.is_empty() {
            return Err(bad);
        }
        serde_json::to_value(t).map_err(|e| vec![diag::error("", "syntax", format!("TOML value: {e}"))])?
    };
    let Some(obj) = root.as_object_mut() else {
        return Err(vec![diag::error("", "syntax", "a case file must be a table of keys (TOML) or an object (JSON)")]);
    };
    let mut errors = Vec::new();
    let mut catalog = Vec::new();
    if let Some(cat) = obj.remove("catalog") {
        match cat {
            Value::Array(items) => {
                for (i, it) in items.into_iter().enumerate() {
                    match serde_json::from_value::<CatalogEntry>(it) {
                        Ok(e) => catalog.push(e),
                        Err(e) => errors.push(diag::error(&format!("catalog[{i}]"), "catalog", format!("catalog entry {}: {e}", i + 1))),
                    }
                }
            }
            _ => errors.push(diag::error("catalog", "catalog", "catalog must be a list of entries ([[catalog]] in TOML)")),
        }
    }
    let input = Value::Object(obj.clone());
    let case: C = match serde_json::from_value(input.clone()) {
        Ok(c) => c,
        Err(e) => {
            errors.push(diag::error("", diag::INPUT, format!("case: {e}")));
            return Err(errors);
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut warnings = Vec::new();
    if let Ok(back) = serde_json::to_value(&case) {
        unknown_keys(&input, &back, "", &mut warnings);
    }
    Ok(CaseFile { case, catalog, warnings })
}

/// Reports every nan or ±inf float under `v`, by its path.
fn non_finite(v: &toml::Value, path: &str, out: &mut Vec<SizingDiagnostic>) {
    match v {
        toml::Value::Float(f) if !f.is_finite() => {
            let name = backstop_model::sizing::field_label(path).unwrap_or(path);
            out.push(diag::error(path, diag::INPUT, format!("{name} = {f} is not a number; enter a finite value for `{path}`")));
        }
        toml::Value::Table(t) => {
            for (k, x) in t {
                non_finite(x, &format!("{path}.{k}"), out);
            }
        }
        toml::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                non_finite(x, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn unknown_keys(input: &Value, known: &Value, path: &str, out: &mut Vec<SizingDiagnostic>) {
    match (input, known) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match b.get(k) {
                    Some(kv) => unknown_keys(v, kv, &p, out),
                    None => out.push(diag::warning(
                        &p,
                        "unknown-key",
                        format!("unknown key `{p}` ignored; check its spelling against docs/sizing-input.md"),
                    )),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                unknown_keys(x, y, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_case_with_catalog_and_typo() {
        let t = r#"
name = "x"
runtime_min = 10
battery_key = "my-cab"
design_margn = 1.2
[load]
kind = "total"
kw = 100
[dc_bus]
v_max = 600
v_min = 400
[[catalog]]
key = "my-cab"
kind = "cabinet"
manufacturer = "A"
model = "B"
cost = 1
[catalog.physical]
width_mm = 1
depth_mm = 1
height_mm = 1
mass_kg = 1
"#;
        let f = parse_ups_case(t).unwrap();
        assert_eq!(f.case.runtime_min, 10.0);
        assert_eq!(f.catalog.len(), 1);
        assert_eq!(f.warnings.len(), 1);
        assert_eq!(f.warnings[0].field, "design_margn");
    }

    #[test]
    fn errors_name_the_problem() {
        let e = parse_ups_case("runtime_min = ").unwrap_err();
        assert!(e[0].message.contains("TOML syntax"), "{e:?}");
        let e = parse_ups_case("{\"runtime_min\": 5}").unwrap_err();
        assert!(e[0].message.contains("missing field"), "{e:?}");
    }
}
