//! Measured power traces (CSV, 1 ms to 1 s per sample) for power
//! smoothing: text or a reader in, equally spaced MW out. No I/O.
//!
//! The rules are those of the load-profile CSV ([`crate::profile`]): a
//! header line, then one row per sample with a time column and a power
//! column whose header names the unit (`W`, `kW`, `MW`, `GW`, or `Wh`,
//! `kWh`, `MWh` per interval); comma, semicolon (then a decimal comma is
//! accepted) or tab separated; `#` comments and blank lines skipped; every
//! problem reported with its line number. Differences: the time column is
//! either elapsed time with its unit in the header (`time_s`, `t (ms)`) or an
//! ISO 8601 timestamp with fractional seconds (`2025-06-01T14:00:00.100Z`);
//! the interval, taken from the first two rows, must be 1 ms to 1 s, and
//! every later step must equal it within 1 % (resample a jittery log first).
//!
//! The reader is streamed: lines are read one at a time and only the power
//! values are kept (8 bytes a sample), so a day at 1 ms is refused at the
//! row limit without reading the rest, and a day at 100 ms (864,000 rows)
//! costs 7 MB.

use backstop_model::sizing_smooth::TraceSummary;
use backstop_model::sizing_view::StoredTrace;

use crate::num::show;
use crate::profile::{
    CsvHeader, CsvWords, ProfileError, ReaderLines, Unit, content_lines, days_from_civil, days_in_month, header_columns, header_line, num,
    parse_value, push_error, split_fields,
};

/// An equally spaced power trace.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerTrace {
    /// Sample interval, s.
    pub dt_s: f64,
    /// Power of each sample (average over its interval), MW.
    pub mw: Vec<f64>,
    /// Where it came from (file name, "synthetic, seed 1").
    pub source: String,
    /// First time as written in the file ("0", "2025-06-01T14:00:00Z").
    pub start: String,
    /// Unit of the file's power column.
    pub unit: String,
    /// Things worth knowing that are not errors.
    pub warnings: Vec<String>,
}

impl PowerTrace {
    /// A trace from samples (synthetic profiles, tests).
    pub fn from_samples(dt_s: f64, mw: Vec<f64>, source: impl Into<String>) -> Self {
        PowerTrace { dt_s, mw, source: source.into(), start: "0".into(), unit: "MW".into(), warnings: Vec::new() }
    }

    /// Length, s.
    pub fn duration_s(&self) -> f64 {
        self.mw.len() as f64 * self.dt_s
    }

    /// Peak, minimum, mean and energy.
    pub fn summary(&self) -> TraceSummary {
        let (mut lo, mut hi, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for &v in &self.mw {
            lo = lo.min(v);
            hi = hi.max(v);
            sum += v;
        }
        let n = self.mw.len();
        let mean = if n > 0 { sum / n as f64 } else { 0.0 };
        TraceSummary {
            source: self.source.clone(),
            samples: n,
            dt_s: self.dt_s,
            duration_s: self.duration_s(),
            peak_mw: if n > 0 { hi } else { 0.0 },
            min_mw: if n > 0 { lo } else { 0.0 },
            mean_mw: mean,
            energy_mwh: sum * self.dt_s / 3600.0,
        }
    }
}

/// The form a trace is kept in a project file ([`StoredTrace`]): the samples
/// one per line in the shortest decimal form that reads back to the same
/// number, so [`from_stored`] gives back exactly this trace.
pub fn to_stored(trace: &PowerTrace, case_key: &str, file_name: &str) -> StoredTrace {
    use std::fmt::Write as _;
    let mut csv = String::with_capacity(trace.mw.len() * 10);
    for (i, v) in trace.mw.iter().enumerate() {
        if i > 0 {
            csv.push('\n');
        }
        // `{}` of an f64 is its shortest round-trip form.
        let _ = write!(csv, "{v}");
    }
    StoredTrace {
        case_key: case_key.to_owned(),
        file_name: file_name.to_owned(),
        dt_s: trace.dt_s,
        start: trace.start.clone(),
        unit: trace.unit.clone(),
        warnings: trace.warnings.clone(),
        csv,
    }
}

/// The trace of a [`StoredTrace`], checked as an import is: at least two
/// samples 1 ms to 1 s apart, at most [`MAX_SAMPLES`], every one a finite
/// number within the plausible bound. `Err` says what is wrong with the
/// stored record (a damaged or foreign file).
pub fn from_stored(s: &StoredTrace) -> Result<PowerTrace, String> {
    if !(0.001..=1.0).contains(&s.dt_s) {
        return Err(format!("its interval is {} s; a trace is 1 ms to 1 s", show(s.dt_s)));
    }
    let bound = TraceOptions::default().max_abs_mw;
    let mut mw = Vec::with_capacity(s.csv.len() / 8 + 1);
    for (i, line) in s.csv.split('\n').enumerate() {
        if mw.len() >= MAX_SAMPLES {
            return Err(format!("it has more than {MAX_SAMPLES} samples"));
        }
        match line.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() <= bound => mw.push(v),
            _ => {
                return Err(format!(
                    "sample {} is “{}”, not a power within ±{} MW",
                    i + 1,
                    line.chars().take(40).collect::<String>(),
                    show(bound)
                ));
            }
        }
    }
    if mw.len() < 2 {
        return Err("it has fewer than 2 samples".into());
    }
    Ok(PowerTrace {
        dt_s: s.dt_s,
        mw,
        source: s.file_name.clone(),
        start: s.start.clone(),
        unit: s.unit.clone(),
        warnings: s.warnings.clone(),
    })
}

/// Reader options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceOptions {
    /// Stop collecting after this many errors.
    pub max_errors: usize,
    /// Refuse files with more data rows (the reader stops at the first row over it).
    pub max_rows: usize,
    /// Refuse powers whose magnitude exceeds this, MW.
    pub max_abs_mw: f64,
}

/// Most samples a trace may have: a year at 1 s (31,622,400 in a leap year).
pub const MAX_SAMPLES: usize = 32_000_000;

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions { max_errors: 20, max_rows: MAX_SAMPLES, max_abs_mw: crate::profile::MAX_SITE_KW / 1000.0 }
    }
}

/// Parses a trace from text with default options.
pub fn parse_trace(text: &str) -> Result<PowerTrace, Vec<ProfileError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    parse_trace_lines(
        text.lines().enumerate().map(|(i, l)| Ok((i + 1, std::borrow::Cow::Borrowed(l.trim_end_matches('\r'))))),
        &TraceOptions::default(),
    )
}

/// Parses a trace from a reader line by line (never holding the file).
pub fn parse_trace_reader<R: std::io::BufRead>(reader: R, opts: &TraceOptions) -> Result<PowerTrace, Vec<ProfileError>> {
    parse_trace_lines(ReaderLines { r: reader, line_no: 0, buf: Vec::new(), done: false }, opts)
}

/// The unit of an elapsed-time column header, in µs per unit.
fn time_unit(header: &str) -> Option<(f64, &'static str)> {
    let lower = header.to_lowercase();
    let tokens: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    for t in tokens.iter().rev() {
        match *t {
            "s" | "sec" | "secs" | "second" | "seconds" => return Some((1e6, "s")),
            "ms" | "msec" | "millisecond" | "milliseconds" => return Some((1e3, "ms")),
            "us" | "µs" | "microsecond" | "microseconds" => return Some((1.0, "µs")),
            "min" | "minute" | "minutes" | "h" | "hour" | "hours" => return None,
            _ => {}
        }
    }
    None
}

/// An ISO 8601 instant with optional fractional seconds, in µs since the
/// epoch (UTC when an offset is given).
pub fn parse_instant_us(raw: &str) -> Result<i64, String> {
    let s = raw.trim().trim_matches('"').trim();
    let bad = || {
        format!(
            "\"{raw}\" is not a time; write elapsed seconds (with the unit in the header, e.g. \"time_s\") or ISO 8601 like 2025-06-01T14:00:00.100Z"
        )
    };
    let (date, rest) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => return Err(bad()),
    };
    let p: Vec<&str> = date.split(['-', '/']).collect();
    if p.len() != 3 || p[0].len() != 4 {
        return Err(bad());
    }
    let (y, mo, d) = (num(p[0]).ok_or_else(bad)?, num(p[1]).ok_or_else(bad)?, num(p[2]).ok_or_else(bad)?);
    let (time, offset_min) = if let Some(t) = rest.strip_suffix('Z').or_else(|| rest.strip_suffix('z')) {
        (t, 0i64)
    } else if let Some(i) = rest.rfind(['+', '-']).filter(|&i| i >= 4) {
        let (t, off) = (&rest[..i], &rest[i..]);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 {
            return Err(bad());
        }
        (t.trim(), sign * (num(&digits[..2]).ok_or_else(bad)? * 60 + num(&digits[2..]).ok_or_else(bad)?))
    } else {
        (rest, 0)
    };
    let tp: Vec<&str> = time.split(':').collect();
    if tp.len() != 3 {
        return Err(bad());
    }
    let hh = num(tp[0]).ok_or_else(bad)?;
    let mm = num(tp[1]).ok_or_else(bad)?;
    let (whole, frac) = tp[2].split_once(['.', ',']).unwrap_or((tp[2], ""));
    let ss = num(whole).ok_or_else(bad)?;
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // Fraction to µs (rounded at the 7th digit).
    let mut us = 0i64;
    for (i, b) in frac.bytes().take(7).enumerate() {
        let digit = i64::from(b - b'0');
        if i < 6 {
            us = us * 10 + digit;
        } else if digit >= 5 {
            us += 1;
        }
    }
    for _ in frac.len()..6 {
        us *= 10;
    }
    if !(1..=12).contains(&mo) {
        return Err(format!("\"{raw}\": month {mo} does not exist"));
    }
    let dim = days_in_month(y, mo as u32);
    if d < 1 || d as u32 > dim {
        return Err(format!("\"{raw}\": day {d} does not exist in {y:04}-{mo:02} ({dim} days)"));
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return Err(format!("\"{raw}\": time {hh:02}:{mm:02}:{ss:02} does not exist"));
    }
    let minutes = days_from_civil(y, mo as u32, d as u32) * 1440 + hh * 60 + mm - offset_min;
    Ok(minutes * 60_000_000 + ss * 1_000_000 + us)
}

/// Elapsed time `raw` in the column's unit (µs per unit) → µs.
fn parse_elapsed_us(raw: &str, us_per_unit: f64, decimal_comma: bool) -> Result<i64, String> {
    let owned;
    let s = if decimal_comma && raw.contains(',') {
        owned = raw.replace(',', ".");
        owned.as_str()
    } else {
        raw
    };
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() * us_per_unit < 9e15 => Ok((v * us_per_unit).round() as i64),
        _ => Err(format!("the time \"{raw}\" is not a number")),
    }
}

fn show_us(us: i64) -> String {
    let s = us as f64 / 1e6;
    format!("{} s", show(s))
}

#[derive(Debug, Clone, Copy)]
enum TimeKind {
    Elapsed(f64),
    Instant,
}

fn parse_trace_lines<'a, I>(lines: I, opts: &TraceOptions) -> Result<PowerTrace, Vec<ProfileError>>
where
    I: Iterator<Item = Result<(usize, std::borrow::Cow<'a, str>), ProfileError>>,
{
    let mut errors: Vec<ProfileError> = Vec::new();
    let max_errors = opts.max_errors.max(1);
    let push = |errors: &mut Vec<ProfileError>, line: usize, message: String| push_error(errors, max_errors, line, message);
    let words = CsvWords {
        example: "time_s,power_MW",
        row: "sample",
        columns: "a time column and a power column",
        names: "the units",
        value: "power",
    };
    let mut lines = content_lines(lines);
    let (header_line, header) = header_line(&mut lines, &words)?;
    let CsvHeader { delim, names, time_col, value_col: load_col, unit, unit_name } = header_columns(
        header_line,
        &header,
        &words,
        |n| n.parse::<f64>().is_ok() || parse_instant_us(n).is_ok(),
        |l| {
            l.contains("time")
                || l.contains("date")
                || l.contains("elapsed")
                || l == "t"
                || l == "ts"
                || l.starts_with("t ")
                || l.starts_with("t_")
                || l.starts_with("t(")
                || l.starts_with("t[")
        },
    )?;
    let decimal_comma = delim == ';';
    let needed = time_col.max(load_col) + 1;
    let header_time_unit = time_unit(names[time_col]);

    let mut values: Vec<f64> = Vec::new();
    let mut kind: Option<TimeKind> = None;
    let mut first_raw = String::new();
    // (time µs, line) of the previous row with a readable time, and whether
    // a row without one came between.
    let mut prev: Option<(i64, usize)> = None;
    let mut dropped = false;
    let mut interval: Option<i64> = None;
    let mut negative: Option<(usize, usize)> = None;
    let mut big: Option<(usize, f64, usize)> = None; // (line, value, count)
    let mut data_rows = 0usize;
    for item in lines {
        let (line_no, line) = match item {
            Ok(x) => x,
            Err(e) => {
                push(&mut errors, e.line, e.message);
                break;
            }
        };
        let line: &str = &line;
        data_rows += 1;
        if data_rows > opts.max_rows {
            return Err(vec![ProfileError {
                line: line_no,
                message: format!(
                    "more than {} rows: split the trace or use a longer interval (a day at 100 ms is 864,000 rows)",
                    opts.max_rows
                ),
            }]);
        }
        let fields = split_fields(line, delim);
        if fields.len() < needed || (fields.len() > names.len() && fields[names.len()..].iter().any(|f| !f.is_empty())) {
            let hint = if delim == ',' && fields.len() > names.len() {
                " (a decimal comma in a comma-separated file? write 12.5, or separate the columns with ';')"
            } else {
                ""
            };
            push(
                &mut errors,
                line_no,
                format!("expected {} fields as in the header, found {}{hint}: \"{line}\"", names.len(), fields.len()),
            );
            dropped = true;
            continue;
        }
        let raw_t = fields[time_col];
        let k = match kind {
            Some(k) => k,
            None => {
                let k = if raw_t.replace(',', ".").parse::<f64>().is_ok() {
                    match header_time_unit {
                        Some((u, _)) => TimeKind::Elapsed(u),
                        None => {
                            return Err(vec![ProfileError {
                                line: header_line,
                                message: format!(
                                    "the time column \"{}\" holds numbers but names no unit; write e.g. \"time_s\", \"t (ms)\" or use ISO 8601 timestamps",
                                    names[time_col]
                                ),
                            }]);
                        }
                    }
                } else {
                    TimeKind::Instant
                };
                kind = Some(k);
                k
            }
        };
        let t = match k {
            TimeKind::Elapsed(u) => parse_elapsed_us(raw_t, u, decimal_comma),
            TimeKind::Instant => parse_instant_us(raw_t),
        };
        let t = match t {
            Ok(t) => t,
            Err(m) => {
                push(&mut errors, line_no, m);
                dropped = true;
                continue;
            }
        };
        let v = match parse_value(fields[load_col], decimal_comma) {
            Ok(v) => v,
            Err(m) => {
                push(&mut errors, line_no, m.replace("load value", "power value"));
                f64::NAN
            }
        };
        if first_raw.is_empty() {
            first_raw = raw_t.to_string();
        }
        // The step from the previous row (unknown after a dropped row).
        if let Some((pt, pl)) = prev
            && !dropped
        {
            let d = t - pt;
            match interval {
                None => {
                    if (1_000..=1_000_000).contains(&d) {
                        interval = Some(d);
                    } else if d == 0 {
                        push(&mut errors, line_no, format!("duplicate time {} (also on line {pl})", raw_t));
                    } else if d < 0 {
                        push(&mut errors, line_no, format!("times go backwards from line {pl} to {raw_t}; sort the file by time"));
                    } else {
                        push(
                            &mut errors,
                            line_no,
                            format!(
                                "the first two rows are {} apart; the interval must be 1 ms to 1 s (use the load-profile CSV with `backstop size peak` for 1-minute data and longer)",
                                show_us(d)
                            ),
                        );
                    }
                }
                Some(iv) => {
                    let tol = (iv / 100).max(1);
                    if (d - iv).abs() > tol {
                        let msg = if d == 0 {
                            format!("duplicate time {raw_t} (also on line {pl})")
                        } else if d < 0 {
                            format!("time {raw_t} is before the previous row's (line {pl}): rows must be sorted by time")
                        } else if d > iv && (d % iv <= tol || iv - d % iv <= tol) {
                            let missing = (d + iv / 2) / iv - 1;
                            format!("gap: {missing} sample(s) missing after line {pl} (interval {})", show_us(iv))
                        } else {
                            format!(
                                "irregular interval: {} after line {pl}; the file's interval is {} (resample to a fixed interval first)",
                                show_us(d),
                                show_us(iv)
                            )
                        };
                        push(&mut errors, line_no, msg);
                    }
                }
            }
        }
        prev = Some((t, line_no));
        dropped = false;
        if v.is_finite() {
            if v < 0.0 {
                negative = Some(match negative {
                    None => (line_no, 1),
                    Some((l, n)) => (l, n + 1),
                });
            }
            if let Unit::Power(f) = unit
                && (v * f / 1000.0).abs() > opts.max_abs_mw
            {
                big = Some(match big {
                    None => (line_no, v, 1),
                    Some((l, x, n)) => (l, x, n + 1),
                });
            }
        }
        values.push(match unit {
            Unit::Power(f) => v * f / 1000.0,
            Unit::Energy(_) => v,
        });
        if errors.len() >= max_errors {
            break;
        }
    }
    if let Some((l, v, n)) = big {
        push(
            &mut errors,
            l,
            format!(
                "the power {} {unit_name} is beyond the plausible bound for one site (±{} MW){}; check the value and the unit in the header",
                show(v),
                show(opts.max_abs_mw),
                if n > 1 { format!(", and so are {} more row(s)", n - 1) } else { String::new() }
            ),
        );
    }
    if values.len() < 2 && errors.is_empty() {
        return Err(vec![ProfileError {
            line: 0,
            message: format!("the trace has {} data row(s); at least two are needed to know the interval", values.len()),
        }]);
    }
    let iv = match interval {
        Some(iv) => iv,
        None => {
            if errors.is_empty() {
                errors.push(ProfileError { line: 0, message: "no two consecutive rows give the interval".into() });
            }
            errors.sort_by_key(|e| e.line);
            return Err(errors);
        }
    };
    let dt_s = iv as f64 / 1e6;
    // Energy per interval → average power.
    if let Unit::Energy(f) = unit {
        let dt_h = dt_s / 3600.0;
        let mut first_big: Option<(usize, f64)> = None;
        for (i, v) in values.iter_mut().enumerate() {
            *v = *v * f / 1000.0 / dt_h;
            if v.is_finite() && v.abs() > opts.max_abs_mw && first_big.is_none() {
                first_big = Some((i, *v));
            }
        }
        if let Some((i, v)) = first_big {
            push(
                &mut errors,
                0,
                format!(
                    "sample {} is {} MW as average power, beyond the plausible bound for one site (±{} MW); check the unit in the header",
                    i + 1,
                    show(v),
                    show(opts.max_abs_mw)
                ),
            );
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    let mut warnings = Vec::new();
    if let Some((l, n)) = negative {
        warnings.push(format!("{n} negative power value(s), first on line {l}: treated as export"));
    }
    Ok(PowerTrace { dt_s, mw: values, source: String::new(), start: first_raw, unit: unit_name.to_string(), warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(e: &[ProfileError]) -> Vec<usize> {
        e.iter().map(|e| e.line).collect()
    }

    #[test]
    fn reads_elapsed_seconds_and_units() {
        let t = parse_trace("time_s,power_MW\n0,10\n0.1,20\n0.2,30\n").unwrap();
        assert_eq!(t.dt_s, 0.1);
        assert_eq!(t.mw, vec![10.0, 20.0, 30.0]);
        let t = parse_trace("t (ms);Load [kW]\n0;1000,5\n10;2000\n").unwrap();
        assert_eq!(t.dt_s, 0.01);
        assert_eq!(t.mw, vec![1.0005, 2.0]);
        // kWh per 1 s interval → average MW × 3.6.
        let t = parse_trace("time_s,energy_kWh\n0,1\n1,2\n").unwrap();
        assert!((t.mw[0] - 3.6).abs() < 1e-12 && (t.mw[1] - 7.2).abs() < 1e-12, "{:?}", t.mw);
    }

    #[test]
    fn reads_iso_timestamps_with_fractions() {
        let t =
            parse_trace("timestamp,site_MW\n2025-06-01T14:00:00.000Z,5\n2025-06-01T14:00:00.100Z,6\n2025-06-01T14:00:00.200Z,7\n").unwrap();
        assert_eq!(t.dt_s, 0.1);
        assert_eq!(t.start, "2025-06-01T14:00:00.000Z");
        assert_eq!(parse_instant_us("2025-06-01 14:00:01.5+01:00").unwrap() - parse_instant_us("2025-06-01T13:00:00Z").unwrap(), 1_500_000);
        assert_eq!(parse_instant_us("1970-01-01T00:00:00.000001Z").unwrap(), 1);
    }

    #[test]
    fn errors_carry_line_numbers() {
        let text = "time_s,power_MW\n0,1\n0.1,abc\n0.2\n0.4,1\n0.4,1\n0.3,1\n0.45,1\n";
        let e = parse_trace(text).unwrap_err();
        assert_eq!(lines_of(&e), vec![3, 4, 6, 7, 8], "{e:#?}");
        assert!(e[0].message.contains("\"abc\" is not a number"), "{}", e[0]);
        assert!(e[1].message.contains("expected 2 fields"), "{}", e[1]);
        // Line 4 was dropped: the step to line 5 is unknown, so no gap is
        // reported there; line 6 duplicates line 5.
        assert!(e[2].message.contains("duplicate time 0.4 (also on line 5)"), "{}", e[2]);
        assert!(e[3].message.contains("before the previous"), "{}", e[3]);
        assert!(e[4].message.contains("irregular interval: 0.15 s after line 7"), "{}", e[4]);
    }

    #[test]
    fn interval_and_header_rules() {
        let e = parse_trace("time_s,power_MW\n0,1\n2,1\n").unwrap_err();
        assert_eq!(e[0].line, 3);
        assert!(e[0].message.contains("1 ms to 1 s"), "{}", e[0]);
        let e = parse_trace("time,power_MW\n0,1\n0.1,1\n").unwrap_err();
        assert_eq!(e[0].line, 1);
        assert!(e[0].message.contains("names no unit"), "{}", e[0]);
        let e = parse_trace("time_s,power\n0,1\n0.1,1\n").unwrap_err();
        assert!(e[0].message.contains("names no unit"), "{}", e[0]);
        let e = parse_trace("time_s,power_MW\n0,1\n0.1,1\n0.3,1\n").unwrap_err();
        assert!(e[0].message.contains("gap: 1 sample(s) missing after line 3"), "{}", e[0]);
        let e = parse_trace("time_s,power_MW\n0,20000\n0.1,1\n").unwrap_err();
        assert_eq!(e[0].line, 2);
        assert!(e[0].message.contains("plausible bound"), "{}", e[0]);
        let e = parse_trace("").unwrap_err();
        assert_eq!(e[0].line, 0);
    }

    #[test]
    fn row_limit_stops_reading() {
        let mut s = String::from("time_s,power_MW\n");
        for i in 0..100 {
            s.push_str(&format!("{},{}\n", i as f64 * 0.01, 1));
        }
        let opts = TraceOptions { max_rows: 50, ..TraceOptions::default() };
        let e = parse_trace_reader(std::io::Cursor::new(s), &opts).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 52);
    }

    #[test]
    fn a_stored_trace_reads_back_exactly_and_damage_is_named() {
        let mut rng = crate::smooth::synth::Rng::new(7);
        let mw: Vec<f64> = (0..5_000).map(|i| 40.0 + 30.0 * rng.normal() + if i % 7 == 0 { 1e-9 } else { 0.0 }).collect();
        let mut t = PowerTrace::from_samples(0.1, mw, "site.csv");
        t.warnings.push("2 gaps filled".into());
        t.start = "2025-06-01T14:00:00Z".into();
        let s = to_stored(&t, "smooth-1", "site.csv");
        assert_eq!(s.case_key, "smooth-1");
        let back = from_stored(&s).unwrap();
        assert_eq!(back, t, "every sample bit for bit, interval, start, unit and warnings");
        // Through JSON, as the project file keeps it.
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(from_stored(&serde_json::from_str(&json).unwrap()).unwrap(), t);
        // A damaged record is refused, naming what is wrong.
        let bad = StoredTrace { csv: "1.5\nabc\n2".into(), ..s.clone() };
        assert!(from_stored(&bad).unwrap_err().contains("sample 2 is “abc”"));
        let inf = StoredTrace { csv: "1.5\ninf".into(), ..s.clone() };
        assert!(from_stored(&inf).unwrap_err().contains("sample 2"));
        let dt = StoredTrace { dt_s: 5.0, ..s.clone() };
        assert!(from_stored(&dt).unwrap_err().contains("interval is 5 s"));
        let one = StoredTrace { csv: "1".into(), ..s };
        assert!(from_stored(&one).unwrap_err().contains("fewer than 2"));
    }
}
