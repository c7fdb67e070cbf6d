//! Load-profile CSV parsing for peak-shaving sizing (text in, no I/O).
//!
//! Accepted files: a header line, then one row per interval with a
//! timestamp column and a load column. The interval is taken from the
//! first two rows and must be 1, 5, 10, 15, 30 or 60 minutes (a year of
//! 15-minute data is 35,040 rows). The load column's header must name its
//! unit — `W`, `kW`, `MW` (power) or `Wh`, `kWh`, `MWh` per interval
//! (energy, converted to average kW) — as in `load_kw`, `Load (kW)` or
//! `demand [MW]`. Comma, semicolon (then a decimal comma is accepted) or tab
//! separated; `#` comment lines and blank lines are skipped; a UTF-8 BOM is
//! ignored.
//!
//! Timestamps: ISO 8601 `2025-01-01 00:15`, `2025-01-01T00:15:00`,
//! optionally with `Z` or an offset (`+01:00`, converted to UTC so
//! daylight-saving changes are not gaps), `2025/01/01 00:15`, or
//! `01.01.2025 00:15`. `24:00` means midnight of the next day.
//!
//! Every problem is reported with its line number (1-based, as an editor
//! shows it); parsing goes on after an error so one run lists up to
//! [`ProfileOptions::max_errors`] problems.

use std::fmt;

use backstop_model::sizing::ProfileSummary;

/// A parsed load profile: equally spaced average demand in kW.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadProfile {
    /// First timestamp, minutes since 1970-01-01 00:00 (UTC when the file gave offsets, else as written).
    pub start_min: i64,
    /// Interval, minutes.
    pub interval_min: u32,
    /// Average demand of each interval, kW.
    pub kw: Vec<f64>,
    /// Summary for the result and the sheet.
    pub summary: ProfileSummary,
    /// Things worth knowing that are not errors (negative values, short profile).
    pub warnings: Vec<String>,
}

impl LoadProfile {
    /// Interval length, hours.
    pub fn dt_h(&self) -> f64 {
        self.interval_min as f64 / 60.0
    }

    /// Timestamp of row `i` (0-based) as `YYYY-MM-DD HH:MM`.
    pub fn timestamp(&self, i: usize) -> String {
        format_minutes(self.start_min + i as i64 * self.interval_min as i64)
    }
}

/// One problem in a profile file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    /// 1-based line number (0 = the file as a whole).
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 { write!(f, "{}", self.message) } else { write!(f, "line {}: {}", self.line, self.message) }
    }
}

/// The highest load magnitude accepted for one site, kW (10 GW: several
/// times the largest AI campus). Larger values are typos or a wrong unit in
/// the header, and would overflow the energy walk.
pub const MAX_SITE_KW: f64 = 1e7;

/// Longest line accepted, bytes (a timestamp and a few numbers need < 100).
pub const MAX_LINE_BYTES: usize = 4096;

/// Parser options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileOptions {
    /// Stop collecting after this many errors.
    pub max_errors: usize,
    /// Refuse files with more data rows than this (guards memory); the
    /// streaming reader stops reading at the first row over the limit.
    pub max_rows: usize,
    /// Refuse loads whose magnitude exceeds this, kW (after the unit).
    pub max_abs_kw: f64,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions { max_errors: 20, max_rows: 2_000_000, max_abs_kw: MAX_SITE_KW }
    }
}

/// Parses with default options.
pub fn parse_profile(text: &str) -> Result<LoadProfile, Vec<ProfileError>> {
    parse_profile_with(text, &ProfileOptions::default())
}

/// Lines of a reader, numbered from 1, read one at a time (never the whole
/// input): a line longer than [`MAX_LINE_BYTES`] or a read error ends the
/// input with an error; text that is not UTF-8 is read lossily (the value
/// check then names the line).
pub(crate) struct ReaderLines<R> {
    pub(crate) r: R,
    pub(crate) line_no: usize,
    pub(crate) buf: Vec<u8>,
    pub(crate) done: bool,
}

impl<R: std::io::BufRead> Iterator for ReaderLines<R> {
    type Item = Result<(usize, std::borrow::Cow<'static, str>), ProfileError>;

    fn next(&mut self) -> Option<Self::Item> {
        use std::io::{BufRead, Read};
        if self.done {
            return None;
        }
        self.buf.clear();
        self.line_no += 1;
        let limit = MAX_LINE_BYTES as u64 + 1;
        match (&mut self.r).take(limit).read_until(b'\n', &mut self.buf) {
            Ok(0) => {
                self.done = true;
                None
            }
            Ok(n) => {
                if n as u64 >= limit && self.buf.last() != Some(&b'\n') {
                    self.done = true;
                    return Some(Err(ProfileError {
                        line: self.line_no,
                        message: format!(
                            "the line is longer than {MAX_LINE_BYTES} bytes; is this a load-profile CSV (one row per interval)?"
                        ),
                    }));
                }
                while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                    self.buf.pop();
                }
                let mut text = String::from_utf8_lossy(&self.buf).into_owned();
                if self.line_no == 1
                    && let Some(t) = text.strip_prefix('\u{feff}')
                {
                    text = t.to_owned();
                }
                Some(Ok((self.line_no, std::borrow::Cow::Owned(text))))
            }
            Err(e) => {
                self.done = true;
                Some(Err(ProfileError { line: 0, message: format!("the file could not be read after line {}: {e}", self.line_no - 1) }))
            }
        }
    }
}

/// Parses a load profile from a reader line by line, without holding the
/// file: a file with more rows than [`ProfileOptions::max_rows`] is refused
/// at the first row over the limit, having read only that far.
pub fn parse_profile_reader<R: std::io::BufRead>(reader: R, opts: &ProfileOptions) -> Result<LoadProfile, Vec<ProfileError>> {
    parse_lines(ReaderLines { r: reader, line_no: 0, buf: Vec::new(), done: false }, opts)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Unit {
    Power(f64),  // factor to kW
    Energy(f64), // factor to kWh per interval
}

pub(crate) fn unit_of(header: &str) -> Result<(Unit, &'static str), String> {
    let lower = header.to_lowercase();
    let tokens: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    let table: [(&str, Unit, &str); 8] = [
        ("w", Unit::Power(0.001), "W"),
        ("kw", Unit::Power(1.0), "kW"),
        ("mw", Unit::Power(1000.0), "MW"),
        ("gw", Unit::Power(1e6), "GW"),
        ("wh", Unit::Energy(0.001), "Wh per interval"),
        ("kwh", Unit::Energy(1.0), "kWh per interval"),
        ("mwh", Unit::Energy(1000.0), "MWh per interval"),
        ("gwh", Unit::Energy(1e6), "GWh per interval"),
    ];
    let mut found: Vec<(Unit, &'static str)> = Vec::new();
    for t in &tokens {
        if let Some((_, u, name)) = table.iter().find(|(k, _, _)| k == t) {
            found.push((*u, *name));
        } else if t.len() > 3 {
            // Glued suffixes like "demandkw" or "loadmwh" (not bare "w": "shadow").
            for suffix in ["kwh", "mwh", "kw", "mw"] {
                if t.ends_with(suffix) && t.len() > suffix.len() {
                    if let Some((_, u, name)) = table.iter().find(|(k, _, _)| *k == suffix) {
                        found.push((*u, *name));
                    }
                    break;
                }
            }
        }
    }
    found.dedup_by(|a, b| a.1 == b.1);
    if found.is_empty()
        && let Some(t) = tokens.iter().find(|t| matches!(**t, "kva" | "mva" | "va" | "kvar" | "mvar" | "a" | "amps"))
    {
        return Err(format!(
            "the load column \"{header}\" is in {t}; Backstop needs active power (W, kW, MW) or energy per interval (kWh): convert the column first"
        ));
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("the load column header \"{header}\" names no unit; write e.g. \"load_kw\", \"Load (kW)\" or \"demand [MW]\"")),
        _ => Err(format!("the load column header \"{header}\" names more than one unit; keep exactly one (W, kW, MW, Wh, kWh or MWh)")),
    }
}

pub(crate) use backstop_model::time::{civil_from_days, days_from_civil, days_in_month};

/// Formats minutes since the epoch as `YYYY-MM-DD HH:MM`.
pub fn format_minutes(m: i64) -> String {
    let days = m.div_euclid(1440);
    let rem = m.rem_euclid(1440);
    let (y, mo, d) = civil_from_days(days);
    format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}", rem / 60, rem % 60)
}

pub(crate) fn num(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a timestamp to minutes since the epoch (UTC when an offset is given).
pub fn parse_timestamp(raw: &str) -> Result<i64, String> {
    let s = raw.trim().trim_matches('"').trim();
    let bad = || format!("\"{raw}\" is not a timestamp; write ISO 8601 like 2025-01-01 00:15 (or 2025-01-01T00:15:00+01:00)");
    let (date, rest) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => return Err(bad()),
    };
    let (y, mo, d) = if date.contains('.') {
        let p: Vec<&str> = date.split('.').collect();
        if p.len() != 3 {
            return Err(bad());
        }
        (num(p[2]).ok_or_else(bad)?, num(p[1]).ok_or_else(bad)?, num(p[0]).ok_or_else(bad)?)
    } else {
        let p: Vec<&str> = date.split(['-', '/']).collect();
        if p.len() != 3 || p[0].len() != 4 {
            return Err(bad());
        }
        (num(p[0]).ok_or_else(bad)?, num(p[1]).ok_or_else(bad)?, num(p[2]).ok_or_else(bad)?)
    };
    // Offset: Z or ±HH:MM / ±HHMM at the end of the time part.
    let (time, offset_min) = if let Some(t) = rest.strip_suffix('Z').or_else(|| rest.strip_suffix('z')) {
        (t, 0i64)
    } else if let Some(i) = rest.rfind(['+', '-']).filter(|&i| i >= 4) {
        let (t, off) = (&rest[..i], &rest[i..]);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 {
            return Err(bad());
        }
        let oh = num(&digits[..2]).ok_or_else(bad)?;
        let om = num(&digits[2..]).ok_or_else(bad)?;
        (t.trim(), sign * (oh * 60 + om))
    } else {
        (rest, 0)
    };
    let tp: Vec<&str> = time.split(':').collect();
    if tp.len() < 2 || tp.len() > 3 {
        return Err(bad());
    }
    let hh = num(tp[0]).ok_or_else(bad)?;
    let mm = num(tp[1]).ok_or_else(bad)?;
    let ss: f64 = match tp.get(2) {
        Some(s) => s.parse::<f64>().ok().filter(|v| v.is_finite() && (0.0..60.0).contains(v)).ok_or_else(bad)?,
        None => 0.0,
    };
    if !(1..=12).contains(&mo) {
        return Err(format!("\"{raw}\": month {mo} does not exist"));
    }
    let dim = days_in_month(y, mo as u32);
    if d < 1 || d as u32 > dim {
        return Err(format!("\"{raw}\": day {d} does not exist in {y:04}-{mo:02} ({dim} days)"));
    }
    if !(hh <= 23 || (hh == 24 && mm == 0 && ss == 0.0)) || mm > 59 {
        return Err(format!("\"{raw}\": time {hh:02}:{mm:02} does not exist"));
    }
    if ss != 0.0 {
        return Err(format!("\"{raw}\": seconds must be 0 (intervals start on whole minutes)"));
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    Ok(days * 1440 + hh * 60 + mm - offset_min)
}

/// The words a CSV reader's messages use (load profile, power trace).
pub(crate) struct CsvWords {
    /// A header to copy, e.g. `timestamp,load_kw`.
    pub example: &'static str,
    /// What one row is, e.g. `interval`.
    pub row: &'static str,
    /// The columns expected, e.g. `a timestamp column and a load column`.
    pub columns: &'static str,
    /// What the header must name, e.g. `the unit`.
    pub names: &'static str,
    /// The value column's word, e.g. `load`.
    pub value: &'static str,
}

/// What a CSV's header says: the field separator, the column names, the
/// time column and the value column with its unit.
pub(crate) struct CsvHeader<'h> {
    pub delim: char,
    pub names: Vec<&'h str>,
    pub time_col: usize,
    pub value_col: usize,
    pub unit: Unit,
    pub unit_name: &'static str,
}

/// A CSV's lines less blank lines and `#` comments (read errors kept).
pub(crate) fn content_lines<'a, I>(lines: I) -> impl Iterator<Item = Result<(usize, std::borrow::Cow<'a, str>), ProfileError>>
where
    I: Iterator<Item = Result<(usize, std::borrow::Cow<'a, str>), ProfileError>>,
{
    lines.filter(|x| match x {
        Ok((_, l)) => {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        }
        Err(_) => true,
    })
}

/// The first content line, which must be the header.
pub(crate) fn header_line<'a>(
    lines: &mut impl Iterator<Item = Result<(usize, std::borrow::Cow<'a, str>), ProfileError>>,
    words: &CsvWords,
) -> Result<(usize, std::borrow::Cow<'a, str>), Vec<ProfileError>> {
    match lines.next() {
        None => Err(vec![ProfileError {
            line: 0,
            message: format!("the file is empty: expected a header line (e.g. \"{}\") and one row per {}", words.example, words.row),
        }]),
        Some(Err(e)) => Err(vec![e]),
        Some(Ok(x)) => Ok(x),
    }
}

/// Reads the header of line `line`: the separator (`;`, tab, else `,`), at
/// least two columns, not a data row (`is_data` of every name), the time
/// column (the first name `is_time` accepts, else the first), and exactly
/// one other column whose name gives a unit ([`unit_of`]).
pub(crate) fn header_columns<'h>(
    line: usize,
    header: &'h str,
    words: &CsvWords,
    is_data: impl Fn(&str) -> bool,
    is_time: impl Fn(&str) -> bool,
) -> Result<CsvHeader<'h>, Vec<ProfileError>> {
    let fail = |message: String| Err(vec![ProfileError { line, message }]);
    let delim = if header.contains(';') {
        ';'
    } else if header.contains('\t') {
        '\t'
    } else {
        ','
    };
    let names = split_fields(header, delim);
    if names.len() < 2 {
        return fail(format!("the header \"{header}\" has one column; expected {} such as \"{}\"", words.columns, words.example));
    }
    if names.iter().all(|n| is_data(n)) {
        return fail(format!("the first line is data, not a header: add a header naming {}, e.g. \"{}\"", words.names, words.example));
    }
    let time_col = names.iter().position(|n| is_time(&n.to_lowercase())).unwrap_or(0);
    let candidates: Vec<usize> = (0..names.len()).filter(|&i| i != time_col).collect();
    // The columns whose name gives a unit, each with it.
    let with_unit: Vec<(usize, (Unit, &'static str))> = candidates.iter().filter_map(|&i| Some((i, unit_of(names[i]).ok()?))).collect();
    let (value_col, (unit, unit_name)) = match with_unit.as_slice() {
        [one] => *one,
        [] => {
            let first = candidates.first().copied().unwrap_or(1);
            return fail(unit_of(names[first]).err().unwrap_or_else(|| format!("no {} column", words.value)));
        }
        many => {
            let list: Vec<&str> = many.iter().map(|&(i, _)| names[i]).collect();
            return fail(format!(
                "several {} columns ({}); Backstop reads one: remove the others or export the site total only",
                words.value,
                list.join(", ")
            ));
        }
    };
    Ok(CsvHeader { delim, names, time_col, value_col, unit, unit_name })
}

pub(crate) fn split_fields(line: &str, delim: char) -> Vec<&str> {
    line.split(delim).map(|f| f.trim().trim_matches('"').trim()).collect()
}

pub(crate) fn parse_value(raw: &str, decimal_comma: bool) -> Result<f64, String> {
    if raw.is_empty() {
        return Err("the load value is empty".into());
    }
    let owned;
    let s = if decimal_comma && raw.contains(',') {
        owned = raw.replace(',', ".");
        owned.as_str()
    } else {
        raw
    };
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("the load value \"{raw}\" is not a number")),
    }
}

/// Parses a load-profile CSV text.
pub fn parse_profile_with(text: &str, opts: &ProfileOptions) -> Result<LoadProfile, Vec<ProfileError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    parse_lines(text.lines().enumerate().map(|(i, l)| Ok((i + 1, std::borrow::Cow::Borrowed(l.trim_end_matches('\r'))))), opts)
}

/// A row's timestamp as read: minutes, line, and whether the data row
/// before it was dropped for an unreadable timestamp (then the step to this
/// row says nothing about gaps).
#[derive(Debug, Clone, Copy)]
struct Stamp {
    t: i64,
    line: usize,
    after_dropped: bool,
}

/// Lists a line's problem unless `max` are listed already (a file full of
/// bad lines is described by its first ones).
pub(crate) fn push_error(errors: &mut Vec<ProfileError>, max: usize, line: usize, message: String) {
    if errors.len() < max {
        errors.push(ProfileError { line, message });
    }
}

fn parse_lines<'a, I>(lines: I, opts: &ProfileOptions) -> Result<LoadProfile, Vec<ProfileError>>
where
    I: Iterator<Item = Result<(usize, std::borrow::Cow<'a, str>), ProfileError>>,
{
    let mut errors: Vec<ProfileError> = Vec::new();
    let max_errors = opts.max_errors.max(1);
    let push = |errors: &mut Vec<ProfileError>, line: usize, message: String| push_error(errors, max_errors, line, message);
    let words = CsvWords {
        example: "timestamp,load_kw",
        row: "interval",
        columns: "a timestamp column and a load column",
        names: "the unit",
        value: "load",
    };
    let mut lines = content_lines(lines);
    let (header_line, header) = header_line(&mut lines, &words)?;
    let CsvHeader { delim, names, time_col, value_col: load_col, unit, unit_name } = header_columns(
        header_line,
        &header,
        &words,
        |n| parse_timestamp(n).is_ok() || n.parse::<f64>().is_ok(),
        |l| l.contains("time") || l.contains("date") || l == "ts" || l.contains("interval"),
    )?;
    let decimal_comma = delim == ';';
    let needed = time_col.max(load_col) + 1;

    let mut times: Vec<Stamp> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    let mut raw_first = String::new();
    let mut raw_last = String::new();
    let mut negative: Option<(usize, usize)> = None; // (first line, count)
    let mut data_rows = 0usize;
    // The previous data row gave no timestamp (so the next step is no gap).
    let mut dropped = false;
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
                message: format!("more than {} rows: split the file or use a coarser interval", opts.max_rows),
            }]);
        }
        let fields = split_fields(line, delim);
        // A row that is wrong but has a readable timestamp keeps its place in
        // time, so its neighbours are not reported as gaps.
        let stamp = |fields: &[&str]| fields.get(time_col).and_then(|f| parse_timestamp(f).ok());
        let keep_time = |t: Option<i64>, times: &mut Vec<Stamp>, values: &mut Vec<f64>, dropped: &mut bool| match t {
            Some(t) => {
                times.push(Stamp { t, line: line_no, after_dropped: *dropped });
                values.push(f64::NAN);
                *dropped = false;
            }
            None => *dropped = true,
        };
        if fields.len() > names.len() && fields[names.len()..].iter().any(|f| !f.is_empty()) {
            let hint = if delim == ',' {
                " (a decimal comma in a comma-separated file? write 12.5, or separate the columns with ';')"
            } else {
                ""
            };
            push(
                &mut errors,
                line_no,
                format!("expected {} fields as in the header, found {}{hint}: \"{line}\"", names.len(), fields.len()),
            );
            keep_time(stamp(&fields), &mut times, &mut values, &mut dropped);
            continue;
        }
        if fields.len() < needed {
            push(
                &mut errors,
                line_no,
                format!(
                    "expected {} fields separated by '{}', found {}: \"{line}\"",
                    names.len(),
                    if delim == '\t' { "tab".to_string() } else { delim.to_string() },
                    fields.len()
                ),
            );
            keep_time(stamp(&fields), &mut times, &mut values, &mut dropped);
            continue;
        }
        let t = match parse_timestamp(fields[time_col]) {
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
                push(&mut errors, line_no, m);
                keep_time(Some(t), &mut times, &mut values, &mut dropped);
                continue;
            }
        };
        if v < 0.0 {
            negative = Some(match negative {
                None => (line_no, 1),
                Some((l, n)) => (l, n + 1),
            });
        }
        if raw_first.is_empty() {
            raw_first = fields[time_col].to_string();
        }
        raw_last = fields[time_col].to_string();
        times.push(Stamp { t, line: line_no, after_dropped: dropped });
        values.push(v);
        dropped = false;
    }
    if times.len() < 2 && errors.is_empty() {
        return Err(vec![ProfileError {
            line: 0,
            message: format!("the profile has {} data row(s); at least two are needed to know the interval", times.len()),
        }]);
    }
    // Interval from the first two rows (the first two whose step is known).
    let mut interval = 0i64;
    if let Some(w) = times.windows(2).find(|w| !w[1].after_dropped) {
        let (first, second) = (w[0], w[1]);
        let d = second.t - first.t;
        if [1, 5, 10, 15, 30, 60].contains(&d) {
            interval = d;
        } else {
            let msg = if d == 0 {
                format!("duplicate timestamp {} (also on line {})", format_minutes(second.t), first.line)
            } else if d < 0 {
                format!(
                    "timestamps go backwards from {} (line {}) to {}; sort the file by time",
                    format_minutes(first.t),
                    first.line,
                    format_minutes(second.t)
                )
            } else {
                format!("the first two rows are {d} min apart; the interval must be 1, 5, 10, 15, 30 or 60 min (hourly or 15-minute data)")
            };
            push(&mut errors, second.line, msg);
        }
    }
    if interval > 0 {
        let dst_hint = " (if the file is in local time with daylight saving, export it in UTC, standard time, or with offsets like +01:00)";
        for w in times.windows(2) {
            if w[1].after_dropped {
                continue;
            }
            let ((a, la), (b, lb)) = ((w[0].t, w[0].line), (w[1].t, w[1].line));
            let d = b - a;
            if d == interval {
                continue;
            }
            let msg = if d == 0 {
                format!("duplicate timestamp {} (also on line {la}){}", format_minutes(b), if interval < 60 { "" } else { dst_hint })
            } else if d < 0 {
                format!(
                    "timestamp {} is before the previous row's {} (line {la}): rows must be sorted by time with no duplicates{}",
                    format_minutes(b),
                    format_minutes(a),
                    if d == -(60 - interval) { dst_hint } else { "" }
                )
            } else if d % interval == 0 {
                let missing = d / interval - 1;
                format!(
                    "gap: {missing} row(s) missing between {} (line {la}) and {}{}",
                    format_minutes(a),
                    format_minutes(b),
                    if d == 60 + interval { dst_hint } else { "" }
                )
            } else {
                format!("irregular interval: {d} min after {} (line {la}); the file's interval is {interval} min", format_minutes(a))
            };
            push(&mut errors, lb, msg);
            if errors.len() >= max_errors {
                break;
            }
        }
    }
    let dt_h = interval as f64 / 60.0;
    let kw: Vec<f64> = values
        .iter()
        .map(|v| match unit {
            Unit::Power(f) => v * f,
            Unit::Energy(f) => v * f / dt_h,
        })
        .collect();
    if interval > 0 {
        // Loads beyond what one site draws (a typo, or MW in a kW column).
        for (k, (v, st)) in kw.iter().zip(&times).enumerate() {
            if v.is_finite() && v.abs() > opts.max_abs_kw {
                push(
                    &mut errors,
                    st.line,
                    format!(
                        "the load {} {unit_name} ({} kW) is beyond the plausible bound for one site (±{} kW); check the value and the unit in the header",
                        crate::num::show(values[k]),
                        crate::num::show(*v),
                        crate::num::show(opts.max_abs_kw)
                    ),
                );
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    let mut warnings = Vec::new();
    if let Some((l, n)) = negative {
        warnings.push(format!("{n} negative load value(s), first on line {l}: treated as export (the battery may charge from it)"));
    }
    let days = kw.len() as f64 * dt_h / 24.0;
    if (days - 365.0).abs() > 1.01 && (days - 366.0).abs() > 0.01 {
        warnings.push(format!("the profile covers {:.1} days, not a year: annual figures are scaled from it", days));
    }
    let peak = kw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = kw.iter().sum();
    let summary = ProfileSummary {
        rows: kw.len(),
        interval_min: interval as f64,
        start: raw_first,
        end: raw_last,
        unit: unit_name.to_string(),
        peak_kw: peak,
        mean_kw: sum / kw.len() as f64,
        energy_kwh: sum * dt_h,
    };
    Ok(LoadProfile { start_min: times[0].t, interval_min: interval as u32, kw, summary, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(e: &[ProfileError]) -> Vec<usize> {
        e.iter().map(|e| e.line).collect()
    }

    #[test]
    fn reads_units_and_interval() {
        let p = parse_profile("timestamp,Load (MW)\n2025-01-01 00:00,1.5\n2025-01-01 00:15,2\n2025-01-01 00:30,1\n").unwrap();
        assert_eq!(p.interval_min, 15);
        assert_eq!(p.kw, vec![1500.0, 2000.0, 1000.0]);
        assert_eq!(p.summary.peak_kw, 2000.0);
        assert!((p.summary.energy_kwh - 1125.0).abs() < 1e-9);
        assert_eq!(p.summary.unit, "MW");
        let p = parse_profile("time;demand_kWh\n01.01.2025 00:00;250,5\n01.01.2025 01:00;100\n").unwrap();
        assert_eq!(p.interval_min, 60);
        assert_eq!(p.kw, vec![250.5, 100.0]);
        let p = parse_profile("ts,power_w\n2025-01-01T00:00Z,5000\n2025-01-01T00:05:00Z,4000\n").unwrap();
        assert_eq!(p.kw, vec![5.0, 4.0]);
        // kWh per 15-minute interval → average kW × 4.
        let p = parse_profile("timestamp,energy_kwh\n2025-01-01 00:00,25\n2025-01-01 00:15,50\n").unwrap();
        assert_eq!(p.kw, vec![100.0, 200.0]);
    }

    #[test]
    fn offsets_make_daylight_saving_continuous() {
        // 2025-03-30 in central Europe: 01:45+01:00 is followed by 03:00+02:00.
        let p = parse_profile("timestamp,load_kw\n2025-03-30T01:45+01:00,1\n2025-03-30T03:00+02:00,2\n2025-03-30T03:15+02:00,3\n").unwrap();
        assert_eq!(p.interval_min, 15);
        assert_eq!(p.timestamp(0), "2025-03-30 00:45");
    }

    #[test]
    fn header_problems() {
        let e = parse_profile("timestamp,load\n2025-01-01 00:00,1\n").unwrap_err();
        assert_eq!(lines_of(&e), vec![1]);
        assert!(e[0].message.contains("names no unit"), "{}", e[0]);
        let e = parse_profile("timestamp,load_kva\n2025-01-01 00:00,1\n").unwrap_err();
        assert!(e[0].message.contains("kva"), "{}", e[0]);
        let e = parse_profile("# site A\n\n2025-01-01 00:00,1\n2025-01-01 00:15,1\n").unwrap_err();
        assert_eq!(e[0].line, 3);
        assert!(e[0].message.contains("not a header"));
        let e = parse_profile("").unwrap_err();
        assert_eq!(e[0].line, 0);
        let e = parse_profile("timestamp,a_kw,b_kw\n").unwrap_err();
        assert!(e[0].message.contains("several load columns"));
    }

    #[test]
    fn row_errors_carry_line_numbers() {
        let text = "timestamp,load_kw\n\
                    2025-01-01 00:00,10\n\
                    2025-01-01 00:15,abc\n\
                    2025-01-01 00:30\n\
                    2025-13-01 00:45,10\n\
                    2025-01-01 01:00,\n\
                    2025-02-30 01:15,1\n";
        let e = parse_profile(text).unwrap_err();
        assert_eq!(lines_of(&e), vec![3, 4, 5, 6, 7], "{e:#?}");
        assert!(e[0].message.contains("\"abc\" is not a number"));
        assert!(e[1].message.contains("expected 2 fields"));
        assert!(e[2].message.contains("month 13"));
        assert!(e[3].message.contains("empty"));
        assert!(e[4].message.contains("day 30 does not exist"));
    }

    #[test]
    fn gaps_duplicates_and_order() {
        let text = "timestamp,load_kw\n\
                    2025-01-01 00:00,1\n\
                    2025-01-01 00:15,1\n\
                    2025-01-01 01:00,1\n\
                    2025-01-01 01:00,1\n\
                    2025-01-01 00:45,1\n\
                    2025-01-01 00:50,1\n";
        let e = parse_profile(text).unwrap_err();
        assert_eq!(lines_of(&e), vec![4, 5, 6, 7], "{e:#?}");
        assert!(e[0].message.contains("gap: 2 row(s) missing between 2025-01-01 00:15 (line 3) and 2025-01-01 01:00"), "{}", e[0]);
        assert!(e[1].message.contains("duplicate timestamp 2025-01-01 01:00 (also on line 4)"), "{}", e[1]);
        assert!(e[2].message.contains("is before the previous row"), "{}", e[2]);
        assert!(e[3].message.contains("irregular interval"), "{}", e[3]);
        let e = parse_profile("timestamp,load_kw\n2025-01-01 00:00,1\n2025-01-01 00:07,1\n").unwrap_err();
        assert_eq!(e[0].line, 3);
        assert!(e[0].message.contains("7 min apart"));
    }

    #[test]
    fn a_full_year_of_15_minute_data() {
        let mut s = String::from("timestamp,load_kw\n");
        for i in 0..35_040i64 {
            let kw = 1000.0 + 500.0 * ((i % 96) as f64 / 96.0 * std::f64::consts::TAU).sin();
            s.push_str(&format!("{},{kw:.3}\n", format_minutes(days_from_civil(2025, 1, 1) * 1440 + i * 15)));
        }
        let p = parse_profile(&s).unwrap();
        assert_eq!(p.kw.len(), 35_040);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.summary.end, "2025-12-31 23:45");
        assert!((p.summary.peak_kw - 1500.0).abs() < 1.0);
    }

    #[test]
    fn civil_round_trip() {
        for &(y, m, d) in &[(1970, 1, 1), (2000, 2, 29), (2024, 12, 31), (2100, 3, 1)] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
        assert_eq!(parse_timestamp("2025-01-01 24:00").unwrap(), parse_timestamp("2025-01-02 00:00").unwrap());
        assert!(parse_timestamp("45658.5").is_err());
        assert!(parse_timestamp("2025-01-01 00:00:30").unwrap_err().contains("seconds"));
    }
}
