//! Reading decoded SunSpec data: every point of a model instance by path,
//! with `[*]` patterns over repeating groups.

use backstop_model::link::{DecodedModel, PointReading, PointValue, TelemetrySample};

/// Whether `path` matches `pattern`, where `[*]` in the pattern matches
/// any `[n]`.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut rest = path;
    let mut parts = pattern.split("[*]").peekable();
    let mut first = true;
    while let Some(part) = parts.next() {
        if first {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
            first = false;
        } else {
            // Consume "[digits]" then the literal part.
            let Some(r) = rest.strip_prefix('[') else { return false };
            let digits = r.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return false;
            }
            let Some(r) = r[digits..].strip_prefix(']') else { return false };
            match r.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        if parts.peek().is_none() {
            return rest.is_empty();
        }
    }
    rest.is_empty()
}

/// Model instances with this id in a sample (a pack has one 804 per string).
pub fn models(sample: &TelemetrySample, id: u16) -> impl Iterator<Item = &DecodedModel> {
    sample.models.iter().filter(move |m| m.id == id)
}

/// Points of model `id` whose path matches `pattern`, across instances.
pub fn find<'a>(sample: &'a TelemetrySample, id: u16, pattern: &str) -> Vec<(&'a DecodedModel, &'a PointReading)> {
    let mut out = Vec::new();
    for m in models(sample, id) {
        for p in m.all_points() {
            if path_matches(pattern, &p.path) {
                out.push((m, p));
            }
        }
    }
    out
}

/// The numeric value of the top-level point `name` of a model instance.
pub fn number(model: &DecodedModel, name: &str) -> Option<f64> {
    model.point(name).and_then(|p| p.value.as_f64())
}

/// The value of a point as an integer index (locator points such as
/// `CellVMaxMod` are plain numbers).
pub fn index(model: &DecodedModel, name: &str) -> Option<u32> {
    match model.point(name).map(|p| &p.value) {
        Some(PointValue::Number { value }) if value.is_finite() && *value >= 0.0 => Some(value.round() as u32),
        Some(PointValue::Enum { raw, .. }) => Some(*raw),
        _ => None,
    }
}

/// Why a point gave no number, for evidence ("not implemented", "missing").
pub fn why_no_number(p: Option<&PointReading>) -> String {
    match p {
        None => "not reported".into(),
        Some(p) => match &p.value {
            PointValue::NotImplemented => "not implemented by the device".into(),
            PointValue::Invalid { reason } => format!("unreadable ({reason})"),
            other => format!("not a number ({})", other.display()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn patterns_match_indices() {
        assert!(path_matches("SoC", "SoC"));
        assert!(!path_matches("SoC", "SoCMax"));
        assert!(path_matches("string[*].StrSoC", "string[2].StrSoC"));
        assert!(path_matches("a[*].b[*].c", "a[1].b[12].c"));
        assert!(!path_matches("a[*].b", "a[].b"));
        assert!(!path_matches("a[*].b", "a[x].b"));
        assert!(!path_matches("a[*].b", "a[1].bc"));
        assert!(path_matches("a[2].b", "a[2].b"));
        assert!(!path_matches("", "x"));
    }
}
