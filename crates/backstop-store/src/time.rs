//! The wall clock: timestamps are stored as integer milliseconds since the
//! Unix epoch (UTC). Formatting them is pure and lives in
//! `backstop_model::time`, shared with the UI and the reports.

use std::time::{SystemTime, UNIX_EPOCH};

pub use backstop_model::time::{format_rfc3339_ms, format_utc};

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_after_2023() {
        assert!(now_ms() > 1_700_000_000_000);
    }
}
