//! The wall clock: timestamps are stored as integer milliseconds since the
//! Unix epoch (UTC). Formatting them is pure and lives in
//! `backstop_model::time`, shared with the UI and the reports.

pub use backstop_model::time::{format_rfc3339_ms, format_utc, now_ms};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_after_2023() {
        assert!(now_ms() > 1_700_000_000_000);
    }
}
