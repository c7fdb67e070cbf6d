//! Numbers as an engineer types them into a field: one rule for every
//! form of the app (sizing, layout, commissioning), so "1,5" means the same
//! everywhere and "1,200" is never silently read as 1.2.
//!
//! Accepted: `1.5`, `1,5` (a decimal comma), `1 200` (spaces, thin or
//! no-break spaces as grouping), `2e3`, a sign. Refused with a reason: a
//! comma followed by exactly three digits and no decimal point (`1,200`
//! could be 1.2 or 1200), anything else that is not a finite number.

/// What a number field holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TypedNumber {
    /// Nothing typed.
    Empty,
    /// Being typed ("-", "1.", "2e"): one more digit completes it.
    Incomplete,
    /// Not a number.
    Invalid,
    /// A comma that may group thousands or mark decimals ("1,200").
    Ambiguous,
    /// A finite number.
    Value(f64),
}

/// Reads a field's text (see the module's rules).
pub fn parse_typed(text: &str) -> TypedNumber {
    let t: String = text.trim().chars().filter(|c| !matches!(c, ' ' | '\u{202f}' | '\u{a0}' | '\u{2009}')).collect();
    if t.is_empty() {
        return TypedNumber::Empty;
    }
    let t = if t.contains(',') && !t.contains('.') {
        let (whole, fraction) = t.rsplit_once(',').unwrap_or((&t, ""));
        let digits = whole.trim_start_matches(['-', '+']);
        if t.matches(',').count() == 1
            && fraction.len() == 3
            && fraction.bytes().all(|b| b.is_ascii_digit())
            && (1..=3).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            return TypedNumber::Ambiguous;
        }
        t.replace(',', ".")
    } else {
        t
    };
    // "1.", "2e", "2e-" and "-" are numbers being typed.
    let last = t.chars().last().unwrap_or(' ');
    if matches!(last, '.' | 'e' | 'E' | '-' | '+') && format!("{t}0").parse::<f64>().is_ok() {
        return TypedNumber::Incomplete;
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => TypedNumber::Value(v),
        _ => TypedNumber::Invalid,
    }
}

/// Why `text` (typed for `what`) is not a number, or the number.
pub fn read_number(text: &str, what: &str) -> Result<f64, String> {
    let t = text.trim();
    match parse_typed(t) {
        TypedNumber::Value(v) => Ok(v),
        TypedNumber::Empty => Err(format!("{what} is empty; type a number.")),
        TypedNumber::Ambiguous => {
            let (a, b) = t.rsplit_once(',').unwrap_or((t, ""));
            Err(format!("{what}: “{t}” could be {a}.{b} or {a}{b}; type it with a decimal point, or without the comma."))
        }
        TypedNumber::Incomplete | TypedNumber::Invalid => Err(format!("{what} must be a number; “{t}” is not.")),
    }
}

/// Like [`read_number`], for a whole number within `min..=max`.
pub fn read_whole(text: &str, what: &str, min: i64, max: i64) -> Result<i64, String> {
    let v = read_number(text, what)?;
    // Every i64 bound used here is exact in f64 up to 2^53.
    if v.fract() != 0.0 || v < min as f64 || v > max as f64 {
        let t = text.trim();
        return Err(match (min, max) {
            (i64::MIN, i64::MAX) => format!("{what} must be a whole number; “{t}” is not."),
            (_, i64::MAX) => format!("{what} must be a whole number from {min}; “{t}” is not."),
            _ => format!("{what} must be a whole number from {min} to {max}; “{t}” is not."),
        });
    }
    Ok(v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_engineers_type_them() {
        for (text, want) in [
            ("1.5", 1.5),
            ("1,5", 1.5),
            ("  12,25 ", 12.25),
            ("1 200", 1200.0),
            ("1\u{202f}200,5", 1200.5),
            ("2e3", 2000.0),
            ("-0,5", -0.5),
            ("1200", 1200.0),
            ("0,1234", 0.1234),
            ("12345,678", 12345.678),
        ] {
            assert_eq!(parse_typed(text), TypedNumber::Value(want), "{text}");
        }
    }

    #[test]
    fn a_grouping_comma_is_refused_not_guessed() {
        for text in ["1,200", "12,000", "-100,000", "+1,500"] {
            assert_eq!(parse_typed(text), TypedNumber::Ambiguous, "{text}");
        }
        let message = read_number("1,200", "The load").unwrap_err();
        assert!(message.contains("could be 1.200 or 1200"), "{message}");
    }

    #[test]
    fn half_typed_empty_and_junk() {
        assert_eq!(parse_typed(""), TypedNumber::Empty);
        assert_eq!(parse_typed("   "), TypedNumber::Empty);
        for text in ["-", "1.", "1,", "2e", "2e-"] {
            assert_eq!(parse_typed(text), TypedNumber::Incomplete, "{text}");
        }
        for text in ["abc", "1.2.3", "1,2,3", "1,200.5", "inf", "NaN", "1e999", "12 kW"] {
            assert_eq!(parse_typed(text), TypedNumber::Invalid, "{text}");
        }
        assert!(read_number("", "The interval").unwrap_err().contains("is empty"));
        assert!(read_number("abc", "The interval").unwrap_err().contains("“abc” is not"));
    }

    #[test]
    fn whole_numbers_within_bounds() {
        assert_eq!(read_whole("300", "Poll interval", 1, 60_000), Ok(300));
        assert_eq!(read_whole("1 200", "Width", 0, i64::MAX), Ok(1200));
        assert_eq!(read_whole("-250", "x", i64::MIN, i64::MAX), Ok(-250));
        assert_eq!(read_whole("2,5", "x", i64::MIN, i64::MAX), Err("x must be a whole number; “2,5” is not.".to_string()));
        let e = read_whole("2.5", "Units", 0, 10).unwrap_err();
        assert!(e.contains("whole number from 0 to 10") && e.contains("“2.5”"), "{e}");
        assert!(read_whole("0", "Count", 1, i64::MAX).unwrap_err().contains("from 1;"));
        assert!(read_whole("300", "Unit id", 1, 247).is_err());
    }
}
