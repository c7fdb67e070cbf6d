//! Rainflow cycle counting per ASTM E1049-85 (reapproved 2017), §5.4.4,
//! for battery state-of-charge histories.
//!
//! The history is first reduced to its reversals (peaks and valleys); the
//! three-point rule then extracts closed cycles, and what remains at the end
//! (the residue) is counted as half cycles, exactly as the standard's
//! steps 1–6 prescribe. For a SOC trace in fractions, a cycle's `range` is
//! its depth of discharge.

/// One counted cycle (or half cycle).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cycle {
    /// Range (peak − valley), in the unit of the history.
    pub range: f64,
    /// Mean of the peak and the valley.
    pub mean: f64,
    /// 1.0 for a full cycle, 0.5 for a half cycle.
    pub count: f64,
}

/// The peaks and valleys of `series` (first and last points included;
/// plateaus collapsed; non-finite values skipped).
pub fn reversals(series: &[f64]) -> Vec<f64> {
    // The end of the current run is held in `cur` and written out only when
    // the run turns (or the series ends), into a buffer that cannot need to
    // grow: the loop makes no call, so its state stays in registers (a year
    // of steps has a few reversals per day).
    let mut out = vec![0.0_f64; series.len()];
    let mut cur = 0.0_f64; // end of the current run (the last point so far)
    let mut len = 0_usize; // points so far, `cur` included
    let mut up = false; // direction of the current run
    for &x in series {
        if !x.is_finite() {
            continue;
        }
        if len == 0 {
            (cur, len) = (x, 1);
            continue;
        }
        let d = x - cur;
        if d == 0.0 {
            continue;
        }
        let rising = d > 0.0;
        if len == 1 || rising != up {
            // The first move, or a turn: `cur` is a reversal.
            out[len - 1] = cur;
            len += 1;
        }
        // Otherwise still going the same way: `x` replaces the run's end.
        cur = x;
        up = rising;
    }
    if len > 0 {
        out[len - 1] = cur;
    }
    out.truncate(len);
    out
}

/// Counts cycles in `series` by the ASTM E1049 rainflow method.
pub fn count_cycles(series: &[f64]) -> Vec<Cycle> {
    let rev = reversals(series);
    let mut cycles = Vec::new();
    // The stack holds the points not yet discarded; index 0 is the current
    // starting point S.
    let mut stack: Vec<f64> = Vec::with_capacity(rev.len().min(1024));
    for &p in &rev {
        stack.push(p);
        while stack.len() >= 3 {
            let n = stack.len();
            let x = (stack[n - 1] - stack[n - 2]).abs();
            let y = (stack[n - 2] - stack[n - 3]).abs();
            if x < y {
                break;
            }
            let (a, b) = (stack[n - 3], stack[n - 2]);
            if n == 3 {
                // Y contains the starting point: half cycle, drop S.
                cycles.push(Cycle { range: y, mean: 0.5 * (a + b), count: 0.5 });
                stack.remove(0);
            } else {
                cycles.push(Cycle { range: y, mean: 0.5 * (a + b), count: 1.0 });
                let last = stack[n - 1];
                stack.truncate(n - 3);
                stack.push(last);
            }
        }
    }
    for w in stack.windows(2) {
        cycles.push(Cycle { range: (w[1] - w[0]).abs(), mean: 0.5 * (w[0] + w[1]), count: 0.5 });
    }
    cycles
}

/// Σ count × range: equivalent full cycles when the history is SOC in fractions.
pub fn equivalent_full_cycles(cycles: &[Cycle]) -> f64 {
    cycles.iter().map(|c| c.count * c.range).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of ASTM E1049-85 Fig. 6 / Table 4 (rainflow counting):
    /// loads −2, 1, −3, 5, −1, 3, −4, 4, −2 give ranges 3 (½), 4 (1½),
    /// 6 (½), 8 (1) and 9 (½).
    #[test]
    fn astm_e1049_example() {
        let c = count_cycles(&[-2.0, 1.0, -3.0, 5.0, -1.0, 3.0, -4.0, 4.0, -2.0]);
        let mut by_range: Vec<(f64, f64)> = Vec::new();
        for x in &c {
            match by_range.iter_mut().find(|(r, _)| (*r - x.range).abs() < 1e-12) {
                Some(e) => e.1 += x.count,
                None => by_range.push((x.range, x.count)),
            }
        }
        by_range.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        assert_eq!(by_range, vec![(3.0, 0.5), (4.0, 1.5), (6.0, 0.5), (8.0, 1.0), (9.0, 0.5)]);
    }

    #[test]
    fn reversals_collapse_runs_and_plateaus() {
        assert_eq!(reversals(&[0.0, 1.0, 2.0, 2.0, 1.0, 0.0, 0.5, f64::NAN, 1.0]), vec![0.0, 2.0, 0.0, 1.0]);
        assert!(reversals(&[]).is_empty());
        assert_eq!(reversals(&[3.0, 3.0]), vec![3.0]);
    }

    #[test]
    fn daily_full_cycles_count_once_per_day() {
        // 30 days of 0.95 → 0.30 → 0.95.
        let mut soc = Vec::new();
        for _ in 0..30 {
            soc.extend([0.95, 0.6, 0.30, 0.6]);
        }
        soc.push(0.95);
        let c = count_cycles(&soc);
        let efc = equivalent_full_cycles(&c);
        assert!((efc - 30.0 * 0.65).abs() < 1e-9, "{efc}");
        assert!(c.iter().all(|x| (x.range - 0.65).abs() < 1e-12));
    }

    #[test]
    fn half_cycles_sum_to_the_total_travel() {
        // Every rainflow count preserves Σ count·range·2 = total absolute travel
        // when the history is monotone between reversals and ends where the residue ends.
        let h = [0.0, 5.0, 1.0, 4.0, 2.0, 6.0, 0.0];
        let travel: f64 = reversals(&h).windows(2).map(|w| (w[1] - w[0]).abs()).sum();
        let counted: f64 = count_cycles(&h).iter().map(|c| 2.0 * c.count * c.range).sum();
        assert!((travel - counted).abs() < 1e-9, "{travel} vs {counted}");
    }
}
