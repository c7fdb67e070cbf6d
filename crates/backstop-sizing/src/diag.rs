//! Diagnostic constructors.

use backstop_model::sizing::{DiagSeverity, SizingDiagnostic};

use crate::num::show;

/// The constraint of a diagnostic about the case's own values (out of
/// range, missing, not a number): a case with such an error is not saved.
pub const INPUT: &str = "input";

/// The messages of the input errors among `diags` ([`INPUT`]).
pub fn input_errors<'a>(diags: impl IntoIterator<Item = &'a SizingDiagnostic>) -> Vec<String> {
    diags.into_iter().filter(|d| d.severity == DiagSeverity::Error && d.constraint == INPUT).map(|d| d.message.clone()).collect()
}

/// An error diagnostic without numbers.
pub fn error(field: &str, constraint: &str, message: impl Into<String>) -> SizingDiagnostic {
    SizingDiagnostic {
        severity: DiagSeverity::Error,
        field: field.to_owned(),
        constraint: constraint.to_owned(),
        message: message.into(),
        required: None,
        actual: None,
        unit: String::new(),
    }
}

/// A warning diagnostic without numbers.
pub fn warning(field: &str, constraint: &str, message: impl Into<String>) -> SizingDiagnostic {
    SizingDiagnostic { severity: DiagSeverity::Warning, ..error(field, constraint, message) }
}

/// An info diagnostic.
pub fn info(field: &str, constraint: &str, message: impl Into<String>) -> SizingDiagnostic {
    SizingDiagnostic { severity: DiagSeverity::Info, ..error(field, constraint, message) }
}

/// An unmet constraint with the required and actual values.
pub fn unmet(field: &str, constraint: &str, message: impl Into<String>, required: f64, actual: f64, unit: &str) -> SizingDiagnostic {
    SizingDiagnostic {
        required: required.is_finite().then_some(required),
        actual: actual.is_finite().then_some(actual),
        unit: unit.to_owned(),
        ..error(field, constraint, message)
    }
}

/// Whether any diagnostic is an error.
pub fn has_error(diags: &[SizingDiagnostic]) -> bool {
    diags.iter().any(|d| d.severity == DiagSeverity::Error)
}

/// Checks that `v` is finite and within `[lo, hi]`; pushes an error naming
/// the field and the allowed range otherwise. Returns whether it is valid.
pub fn check_range(diags: &mut Vec<SizingDiagnostic>, field: &str, v: f64, lo: f64, hi: f64, unit: &str) -> bool {
    // The engineer's name for the field (the key travels in `field`).
    let name = backstop_model::sizing::field_label(field).unwrap_or(field);
    let (lo_s, hi_s) = (show(lo), show(hi));
    if !v.is_finite() {
        diags.push(error(field, INPUT, format!("{name} is not a number; enter a value between {lo_s} and {hi_s} {unit}")));
        return false;
    }
    if v < lo || v > hi {
        let (req, msg) = if v < lo {
            (lo, format!("{name} = {} {unit} is below the lowest accepted value {lo_s} {unit} (by {})", show(v), show(lo - v)))
        } else {
            (hi, format!("{name} = {} {unit} is above the highest accepted value {hi_s} {unit} (by {})", show(v), show(v - hi)))
        };
        diags.push(unmet(field, INPUT, msg, req, v, unit));
        return false;
    }
    true
}
