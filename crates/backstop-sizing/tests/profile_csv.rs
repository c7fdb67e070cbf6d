//! Load-profile CSV import: every malformed file is rejected with the line
//! number an editor shows, valid files in every accepted dialect read back
//! exactly, and no input — however hostile — panics.

use backstop_sizing::profile::{ProfileOptions, format_minutes, parse_profile, parse_profile_with, parse_timestamp};
use proptest::prelude::*;

const T0: &str = "2025-01-01 00:00";

fn t0() -> i64 {
    parse_timestamp(T0).unwrap()
}

fn file(header: &str, rows: &[(i64, String)]) -> String {
    let mut s = format!("{header}\n");
    for (t, v) in rows {
        s.push_str(&format!("{},{v}\n", format_minutes(*t)));
    }
    s
}

#[test]
fn dialects_read_back_exactly() {
    // CRLF line ends, BOM, quotes, comments and blank lines.
    let text = "\u{feff}# exported by the site historian\r\n\"Timestamp\",\"Site demand (kW)\"\r\n\r\n\"2025-06-01 00:00\",\"512.5\"\r\n\"2025-06-01 01:00\",\"498\"\r\n";
    let p = parse_profile(text).unwrap();
    assert_eq!(p.kw, vec![512.5, 498.0]);
    assert_eq!(p.interval_min, 60);
    assert_eq!(p.summary.start, "2025-06-01 00:00");
    // Tab separated, MW, ISO with T and seconds.
    let p = parse_profile("time\tload_MW\n2025-06-01T00:00:00\t1.25\n2025-06-01T00:05:00\t1.5\n").unwrap();
    assert_eq!(p.kw, vec![1250.0, 1500.0]);
    assert_eq!(p.interval_min, 5);
    // Semicolons with decimal commas, European dates, W.
    let p = parse_profile("Zeit;Leistung [W]\n01.06.2025 00:00;250000,5\n01.06.2025 00:30;260000\n").unwrap();
    assert!((p.kw[0] - 250.0005).abs() < 1e-9 && p.kw[1] == 260.0, "{:?}", p.kw);
    // A trailing separator on every row is tolerated.
    let p = parse_profile("timestamp,load_kw,\n2025-06-01 00:00,1,\n2025-06-01 00:15,2,\n").unwrap();
    assert_eq!(p.kw, vec![1.0, 2.0]);
    // The load column need not be second.
    let p = parse_profile("load_kw,timestamp,comment\n10,2025-06-01 00:00,a\n11,2025-06-01 00:15,b\n").unwrap();
    assert_eq!(p.kw, vec![10.0, 11.0]);
}

#[test]
fn every_kind_of_error_names_its_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:15,x\n", 3, "is not a number"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:15,NaN\n", 3, "is not a number"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:15,inf\n", 3, "is not a number"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:15\n", 3, "expected 2 fields"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:15,12,5\n", 3, "decimal comma"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\nyesterday,5\n", 3, "is not a timestamp"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 25:00,5\n", 3, "does not exist"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:15,1\n2025-01-01 00:15,1\n", 4, "duplicate timestamp"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:15,1\n2025-01-01 00:00,1\n", 4, "before the previous row"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:15,1\n2025-01-01 02:00,1\n", 4, "gap: 6 row(s) missing"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:15,1\n2025-01-01 00:20,1\n", 4, "irregular interval"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:20,1\n", 3, "20 min apart"),
        ("timestamp,load\n2025-01-01 00:00,1\n", 1, "names no unit"),
        ("timestamp,load_kvar\n2025-01-01 00:00,1\n", 1, "kvar"),
        ("timestamp\n2025-01-01 00:00\n", 1, "one column"),
        ("timestamp,load_kw\n2025-01-01 00:00,1\n", 0, "at least two"),
        ("", 0, "empty"),
    ];
    for (text, line, needle) in cases {
        let e = parse_profile(text).unwrap_err();
        assert!(
            e.iter().any(|e| e.line == *line && e.message.contains(needle)),
            "expected line {line} with \"{needle}\" for {text:?}, got {e:#?}"
        );
        // Display carries the line for the CLI.
        if *line > 0 {
            assert!(e[0].to_string().starts_with(&format!("line {}", e[0].line)));
        }
    }
}

#[test]
fn local_time_daylight_saving_is_explained() {
    // Spring forward in local time without offsets: 02:00–02:45 are missing.
    let mut rows = Vec::new();
    for q in 0..8 {
        rows.push((parse_timestamp("2025-03-30 00:00").unwrap() + q * 15, "1".to_string()));
    }
    for q in 0..4 {
        rows.push((parse_timestamp("2025-03-30 03:00").unwrap() + q * 15, "1".to_string()));
    }
    let e = parse_profile(&file("timestamp,load_kw", &rows)).unwrap_err();
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].message.contains("daylight saving") && e[0].message.contains("4 row(s) missing"), "{}", e[0]);
    assert_eq!(e[0].line, 10);
}

#[test]
fn errors_are_capped_and_sorted() {
    let mut s = String::from("timestamp,load_kw\n");
    for i in 0..100 {
        s.push_str(&format!("{},bad\n", format_minutes(t0() + i * 15)));
    }
    let e = parse_profile_with(&s, &ProfileOptions { max_errors: 7, ..ProfileOptions::default() }).unwrap_err();
    assert_eq!(e.len(), 7);
    assert!(e.windows(2).all(|w| w[0].line < w[1].line));
    assert_eq!(e[0].line, 2);
    let e = parse_profile_with(&s, &ProfileOptions { max_rows: 10, ..ProfileOptions::default() }).unwrap_err();
    assert!(e[0].message.contains("more than 10 rows"), "{e:?}");
}

#[derive(Debug, Clone, Copy)]
enum Damage {
    NotANumber,
    MissingField,
    Duplicate,
    Backwards,
    Gap,
    BadDate,
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        Just(Damage::NotANumber),
        Just(Damage::MissingField),
        Just(Damage::Duplicate),
        Just(Damage::Backwards),
        Just(Damage::Gap),
        Just(Damage::BadDate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Any valid profile reads back value for value, in any unit (values
    /// within the plausible bound for a site, ±10 GW, in every unit).
    #[test]
    fn valid_profiles_round_trip(
        interval in prop::sample::select(vec![5i64, 15, 30, 60]),
        values in prop::collection::vec(-1.0e4f64..1.0e4, 2..300),
        unit in prop::sample::select(vec![("W", 1e-3), ("kW", 1.0), ("MW", 1e3)]),
    ) {
        let rows: Vec<(i64, String)> = values.iter().enumerate().map(|(i, v)| (t0() + i as i64 * interval, format!("{v}"))).collect();
        let p = parse_profile(&file(&format!("timestamp,load ({})", unit.0), &rows)).unwrap();
        prop_assert_eq!(p.interval_min as i64, interval);
        prop_assert_eq!(p.kw.len(), values.len());
        for (a, b) in p.kw.iter().zip(&values) {
            prop_assert!((a - b * unit.1).abs() <= 1e-9 * (1.0 + (b * unit.1).abs()));
        }
        prop_assert!(p.summary.peak_kw.is_finite() && p.summary.mean_kw.is_finite() && p.summary.energy_kwh.is_finite());
    }

    /// Damaging one row of a valid file is reported at exactly that row.
    #[test]
    fn one_damaged_row_is_reported_at_its_line(n in 4usize..200, at_frac in 0.0f64..1.0, d in damage()) {
        // Damage rows 3.. (0-based index ≥ 2) so the interval is established.
        let at = 2 + ((n - 2) as f64 * at_frac) as usize % (n - 2);
        let mut rows: Vec<(i64, String)> = (0..n).map(|i| (t0() + i as i64 * 15, "100".to_string())).collect();
        let mut text_override: Option<String> = None;
        match d {
            Damage::NotANumber => rows[at].1 = "12,5x".into(),
            Damage::MissingField => {
                let mut s = file("timestamp,load_kw", &rows);
                let line = format!("{},100\n", format_minutes(rows[at].0));
                s = s.replacen(&line, &format!("{}\n", format_minutes(rows[at].0)), 1);
                text_override = Some(s);
            }
            Damage::Duplicate => rows[at].0 = rows[at - 1].0,
            Damage::Backwards => rows[at].0 = rows[at - 1].0 - 15,
            Damage::Gap => {
                for r in rows.iter_mut().skip(at) {
                    r.0 += 45;
                }
            }
            Damage::BadDate => {
                let mut s = file("timestamp,load_kw", &rows);
                let stamp = format_minutes(rows[at].0);
                s = s.replacen(&format!("{stamp},"), "2025-02-30 10:00,", 1);
                text_override = Some(s);
            }
        }
        let text = text_override.unwrap_or_else(|| file("timestamp,load_kw", &rows));
        let e = parse_profile(&text).unwrap_err();
        let line = at + 2; // header is line 1, row 0 is line 2
        prop_assert!(e.iter().any(|e| e.line == line), "{:?} at line {}: {:#?}", d, line, e);
    }

    /// Arbitrary text never panics; an error always has a message.
    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
        match parse_profile(&s) {
            Ok(p) => prop_assert!(p.kw.iter().all(|v| v.is_finite())),
            Err(e) => prop_assert!(!e.is_empty() && e.iter().all(|e| !e.message.is_empty())),
        }
    }

    /// Line-structured junk after a valid header never panics either.
    #[test]
    fn junk_rows_never_panic(rows in prop::collection::vec("[0-9:. ;,TZ+-]{0,30}", 0..40)) {
        let s = format!("timestamp,load_kw\n{}", rows.join("\n"));
        let _ = parse_profile(&s);
    }
}

/// The load profile and the power trace read their headers the same way
/// (one shared reader), each in its own words, with the header's line.
#[test]
fn both_readers_refuse_a_bad_header_with_its_line_and_their_own_words() {
    type Reader = fn(&str) -> Result<(), Vec<backstop_sizing::profile::ProfileError>>;
    let profile: Reader = |t| backstop_sizing::parse_profile(t).map(|_| ());
    let trace: Reader = |t| backstop_sizing::parse_trace(t).map(|_| ());
    let first = |r: Reader, text: &str| {
        let e = r(text).expect_err("refused");
        (e[0].line, e[0].message.clone())
    };
    // Empty (comments and blank lines do not count).
    assert_eq!(
        first(profile, "# only a comment\n\n"),
        (0, "the file is empty: expected a header line (e.g. \"timestamp,load_kw\") and one row per interval".into())
    );
    assert_eq!(first(trace, ""), (0, "the file is empty: expected a header line (e.g. \"time_s,power_MW\") and one row per sample".into()));
    // One column, on line 3 after a comment and a blank line.
    assert_eq!(
        first(profile, "# site\n\nload_kw\n1\n"),
        (3, "the header \"load_kw\" has one column; expected a timestamp column and a load column such as \"timestamp,load_kw\"".into())
    );
    assert_eq!(
        first(trace, "power_MW\n1\n"),
        (1, "the header \"power_MW\" has one column; expected a time column and a power column such as \"time_s,power_MW\"".into())
    );
    // Data where the header should be.
    let (line, m) = first(profile, "2025-01-01 00:00,5\n");
    assert_eq!((line, m.as_str()), (1, "the first line is data, not a header: add a header naming the unit, e.g. \"timestamp,load_kw\""));
    let (line, m) = first(trace, "0.1;5\n");
    assert_eq!((line, m.as_str()), (1, "the first line is data, not a header: add a header naming the units, e.g. \"time_s,power_MW\""));
    // Two value columns with units.
    let (_, m) = first(profile, "timestamp,load_kw,other_kw\n");
    assert!(m.starts_with("several load columns (load_kw, other_kw)"), "{m}");
    let (_, m) = first(trace, "time_s\tpower_MW\tspare_MW\n");
    assert!(m.starts_with("several power columns (power_MW, spare_MW)"), "{m}");
    // A value column without a unit.
    for r in [profile, trace] {
        let (line, m) = first(r, "time,load\n0,1\n");
        assert_eq!(line, 1);
        assert!(m.contains("names no unit"), "{m}");
    }
}
