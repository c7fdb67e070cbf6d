//! Rainflow counting (ASTM E1049) properties on arbitrary histories: what
//! the cycle-fade model relies on.

use backstop_sizing::rainflow::{count_cycles, equivalent_full_cycles, reversals};
use proptest::prelude::*;

fn history() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(0.0f64..1.0, 0..400)
}

/// The reversals as the definition reads, one point at a time on the output
/// (the form the library had before its loop was made to keep its state in
/// registers).
fn reversals_by_definition(series: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    let mut dir = 0.0_f64;
    for &x in series.iter().filter(|x| x.is_finite()) {
        let Some(&last) = out.last() else {
            out.push(x);
            continue;
        };
        let d = x - last;
        if d == 0.0 {
            continue;
        }
        if out.len() > 1 && d.signum() == dir {
            out.pop();
        }
        out.push(x);
        dir = d.signum();
    }
    out
}

/// Histories with plateaus, runs and holes (NaN, ±∞), as a dispatch gives.
fn stepped_history() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![6 => (0u8..8).prop_map(|k| f64::from(k) / 8.0), 1 => Just(f64::NAN), 1 => Just(f64::INFINITY), 4 => 0.0f64..1.0],
        0..300,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The reversals are exactly those of the definition.
    #[test]
    fn reversals_follow_the_definition(h in stepped_history()) {
        prop_assert_eq!(reversals(&h), reversals_by_definition(&h));
    }

    /// Counts are ½ or 1, ranges are within the history's span, means within its bounds.
    #[test]
    fn cycles_are_well_formed(h in history()) {
        let c = count_cycles(&h);
        let lo = h.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = h.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for x in &c {
            prop_assert!(x.count == 0.5 || x.count == 1.0);
            prop_assert!(x.range > 0.0 && x.range <= hi - lo + 1e-12);
            prop_assert!(x.mean >= lo - 1e-12 && x.mean <= hi + 1e-12);
        }
    }

    /// Every reversal-to-reversal excursion is counted exactly once:
    /// Σ 2·count·range equals the total travel of the reversal sequence.
    #[test]
    fn travel_is_conserved(h in history()) {
        let travel: f64 = reversals(&h).windows(2).map(|w| (w[1] - w[0]).abs()).sum();
        let counted: f64 = count_cycles(&h).iter().map(|c| 2.0 * c.count * c.range).sum();
        prop_assert!((travel - counted).abs() <= 1e-9 * (1.0 + travel), "{} vs {}", travel, counted);
    }

    /// The largest cycle is the history's full span (ASTM: the overall
    /// range is always counted, at least as a half cycle).
    #[test]
    fn the_overall_range_is_counted(h in prop::collection::vec(0.0f64..1.0, 2..300)) {
        let lo = h.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = h.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let c = count_cycles(&h);
        let biggest = c.iter().map(|x| x.range).fold(0.0, f64::max);
        prop_assert!((biggest - (hi - lo)).abs() < 1e-12);
    }

    /// Repeating a history n times gives about n times the equivalent full
    /// cycles (within one extra span for the seams).
    #[test]
    fn repetition_scales_cycles(h in prop::collection::vec(0.0f64..1.0, 2..100), n in 1usize..8) {
        let once = equivalent_full_cycles(&count_cycles(&h));
        let rep: Vec<f64> = std::iter::repeat_n(h.iter().copied(), n).flatten().collect();
        let many = equivalent_full_cycles(&count_cycles(&rep));
        let span = h.iter().copied().fold(f64::NEG_INFINITY, f64::max) - h.iter().copied().fold(f64::INFINITY, f64::min);
        prop_assert!((many - n as f64 * once).abs() <= n as f64 * span + 1e-9, "{} vs {} × {}", many, n, once);
    }

    /// Plateaus and non-finite samples change nothing.
    #[test]
    fn plateaus_and_gaps_are_ignored(h in prop::collection::vec(0.0f64..1.0, 0..100)) {
        let mut noisy = Vec::new();
        for &x in &h {
            noisy.push(x);
            noisy.push(x);
            noisy.push(f64::NAN);
        }
        prop_assert_eq!(count_cycles(&h), count_cycles(&noisy));
    }
}

#[test]
fn a_year_of_daily_cycles() {
    // 365 days of 15-minute SOC: 0.95 → 0.30 in the afternoon, back at night.
    let mut soc = Vec::with_capacity(35_040);
    for _ in 0..365 {
        for q in 0..96 {
            let h = q as f64 / 4.0;
            let s = if (14.0..18.0).contains(&h) {
                0.95 - 0.65 * (h - 14.0) / 4.0
            } else if (18.0..22.0).contains(&h) {
                0.30 + 0.65 * (h - 18.0) / 4.0
            } else {
                0.95
            };
            soc.push(s);
        }
    }
    let c = count_cycles(&soc);
    let efc = equivalent_full_cycles(&c);
    // The last step before each return to 0.95 stops at 0.30 + 0.65·15/16.
    assert!((efc - 365.0 * 0.65).abs() < 365.0 * 0.65 * 0.01, "{efc}");
    // Equal-amplitude cycles each contain the moving starting point, so
    // ASTM step 5 counts them as pairs of half cycles: Σ count ≈ 365.
    let cycles: f64 = c.iter().map(|x| x.count).sum();
    assert!((cycles - 365.0).abs() <= 1.0, "{cycles} cycles");
}
