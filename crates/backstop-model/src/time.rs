//! Calendar dates from Unix time, without a time library (the UI and the
//! reports both need them; UTC only, as recorded in project files).

/// (year, month, day) in UTC of Unix milliseconds.
pub fn civil_date(ms: i64) -> (i32, u8, u8) {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    (y as i32, m as u8, d as u8)
}

/// The civil date (proleptic Gregorian) of a day number counted from
/// 1970-01-01 (Howard Hinnant's days-to-civil algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days in month `m` (1–12) of year `y`, proleptic Gregorian (0 for a
/// month that does not exist).
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian; the
/// inverse of [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD hh:mm:ss UTC` of Unix milliseconds.
pub fn format_utc(ms: i64) -> String {
    let (y, m, d) = civil_date(ms);
    let sod = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", sod / 3600, (sod / 60) % 60, sod % 60)
}

/// `YYYY-MM-DDThh:mm:ss.mmmZ` of Unix milliseconds: RFC 3339 with
/// milliseconds, for CSV files and interchange.
pub fn format_rfc3339_ms(ms: i64) -> String {
    let (y, m, d) = civil_date(ms);
    let msod = ms.rem_euclid(86_400_000);
    let (h, mi, s, milli) = (msod / 3_600_000, msod / 60_000 % 60, msod / 1000 % 60, msod % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// Now, in milliseconds since the Unix epoch (native only: the wasm UI asks
/// the backend for times).
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    // A clock set before 1970 gives a negative time rather than 0.
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_have_their_days_and_leap_years_follow_the_gregorian_rule() {
        let feb = |y| days_in_month(y, 2);
        assert_eq!((feb(2024), feb(2023), feb(2000), feb(2100), feb(1600)), (29, 28, 29, 28, 29));
        assert_eq!((days_in_month(2026, 4), days_in_month(2026, 12), days_in_month(2026, 0), days_in_month(2026, 13)), (30, 31, 0, 0));
        // Project dates are checked by the same rule.
        assert!(crate::project::is_iso_date("2024-02-29") && !crate::project::is_iso_date("2100-02-29"));
        assert!(!crate::project::is_iso_date("2026-13-01") && !crate::project::is_iso_date("2026-04-31"));
    }

    #[test]
    fn known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_795_000_000_000), "2026-11-18 11:06:40 UTC");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_utc(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(civil_date(4_102_444_800_000), (2100, 1, 1));
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
        // Both ways over 1600–2400, leap days and the century rules included.
        for days in days_from_civil(1600, 1, 1)..days_from_civil(2400, 12, 31) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_rfc3339_ms(1_777_631_525_123), "2026-05-01T10:32:05.123Z");
        assert_eq!(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
    }
}
