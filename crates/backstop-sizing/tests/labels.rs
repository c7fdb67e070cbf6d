//! Every input field the engine range-checks, and every field the Sizing
//! forms edit, has an engineer's name (`backstop_model::sizing::field_label`),
//! so no diagnostic shows an engine key such as `ups_efficiency` alone.

use std::path::Path;

/// The string literals that follow `marker` in the Rust files of `dir`.
fn literals_after(dir: &Path, marker: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (_, rest) in text.match_indices(marker).map(|(i, _)| ((), &text[i + marker.len()..])) {
                if let Some(end) = rest.find('"') {
                    out.push(rest[..end].to_string());
                }
            }
        }
    }
    out
}

#[test]
fn every_checked_or_edited_field_has_a_label() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let checked = literals_after(&root.join("src"), "check_range(&mut d, \"");
    assert!(checked.len() > 20, "the scan found the range checks: {checked:?}");
    let forms = root.join("../../ui/src/areas/sizing");
    let edited = if forms.exists() { literals_after(&forms, " path=\"") } else { Vec::new() };
    assert!(!forms.exists() || edited.len() > 20, "the scan found the form fields: {edited:?}");
    let missing: Vec<&String> = checked.iter().chain(&edited).filter(|f| backstop_model::sizing::field_label(f).is_none()).collect();
    assert!(missing.is_empty(), "fields without a label in backstop_model::sizing::field_label: {missing:?}");
}

#[test]
fn a_range_error_names_the_field_as_the_form_does() {
    let mut d = Vec::new();
    assert!(!backstop_sizing::diag::check_range(&mut d, "ups_efficiency", 1.2, 0.5, 1.0, ""));
    assert!(d[0].message.starts_with("UPS efficiency, battery → load (fraction) = 1.2"), "{}", d[0].message);
    assert_eq!(d[0].field, "ups_efficiency", "the key still travels with the diagnostic");
}
