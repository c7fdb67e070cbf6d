//! Small numeric helpers: interpolation on sorted tables and finite guards.

/// Linear interpolation on `[x, y]` points sorted by x; clamps outside.
/// Returns `None` for an empty table.
pub fn interp_clamped(points: &[[f64; 2]], x: f64) -> Option<f64> {
    let first = points.first()?;
    let last = points.last()?;
    if x <= first[0] {
        return Some(first[1]);
    }
    if x >= last[0] {
        return Some(last[1]);
    }
    let i = points.partition_point(|p| p[0] <= x);
    let (a, b) = (points[i - 1], points[i]);
    let span = b[0] - a[0];
    if span <= 0.0 {
        return Some(a[1]);
    }
    Some(a[1] + (b[1] - a[1]) * (x - a[0]) / span)
}

/// Where `x` falls in a log-log table: inside, below the first or above the last point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reach {
    /// Within the table.
    Inside,
    /// Below the shortest duration (value held at the first point).
    Below,
    /// Beyond the longest duration (extrapolated).
    Beyond,
}

/// Log-log interpolation of `y(x)` on points with positive x and y, sorted
/// by x. Below the table the first value is held (for discharge tables this
/// under-states short-time capability: conservative); beyond it the last
/// segment's slope is extended.
pub fn interp_loglog(points: &[[f64; 2]], x: f64) -> Option<(f64, Reach)> {
    let first = points.first()?;
    let last = points.last()?;
    if !(x > 0.0) {
        return None;
    }
    if x <= first[0] {
        return Some((first[1], if x < first[0] { Reach::Below } else { Reach::Inside }));
    }
    let (a, b, reach) = if x > last[0] {
        if points.len() < 2 {
            return Some((last[1], Reach::Beyond));
        }
        (points[points.len() - 2], *last, Reach::Beyond)
    } else {
        let i = points.partition_point(|p| p[0] < x).max(1);
        (points[i - 1], points[i], Reach::Inside)
    };
    let (lx0, lx1, ly0, ly1) = (a[0].ln(), b[0].ln(), a[1].ln(), b[1].ln());
    if lx1 - lx0 <= 0.0 {
        return Some((a[1], reach));
    }
    let y = (ly0 + (ly1 - ly0) * (x.ln() - lx0) / (lx1 - lx0)).exp();
    finite(y).map(|y| (y, reach))
}

/// Inverse of [`interp_loglog`] for a decreasing `y(x)`: the x at which the
/// table reaches `y`. Above the first value (more than the shortest
/// duration delivers) returns `None`; below the last value extrapolates.
pub fn invert_loglog_decreasing(points: &[[f64; 2]], y: f64) -> Option<(f64, Reach)> {
    let first = points.first()?;
    let last = points.last()?;
    if !(y > 0.0) {
        return None;
    }
    if y > first[1] {
        return None;
    }
    if y == first[1] {
        return Some((first[0], Reach::Inside));
    }
    let (a, b, reach) = if y < last[1] {
        if points.len() < 2 {
            return None;
        }
        (points[points.len() - 2], *last, Reach::Beyond)
    } else {
        let i = points.partition_point(|p| p[1] > y).clamp(1, points.len() - 1);
        (points[i - 1], points[i], Reach::Inside)
    };
    let (lx0, lx1, ly0, ly1) = (a[0].ln(), b[0].ln(), a[1].ln(), b[1].ln());
    if ly1 - ly0 >= 0.0 {
        return None;
    }
    let x = (lx0 + (lx1 - lx0) * (y.ln() - ly0) / (ly1 - ly0)).exp();
    finite(x).map(|x| (x, reach))
}

/// `Some(v)` when `v` is finite.
pub fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// `v` when finite, else 0 (for summary values that must never be NaN).
pub fn or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// Ceiling of a positive finite ratio as u32, saturating; `None` when not finite.
pub fn ceil_u32(v: f64) -> Option<u32> {
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    // Tolerate floating noise just above an integer (23.000000001 → 23).
    let r = v.round();
    let c = if (v - r).abs() < 1e-9 { r } else { v.ceil() };
    if c > f64::from(u32::MAX) { None } else { Some(c as u32) }
}

/// An input value as text: the shortest exact decimal, in exponent form
/// when it is huge or tiny (1e308 is written `1e308`, never 309 digits).
pub fn show(v: f64) -> String {
    let a = v.abs();
    if v.is_finite() && a != 0.0 && !(1e-6..1e15).contains(&a) { format!("{v:e}") } else { format!("{v}") }
}

/// Rounds to `d` decimals (for text).
pub fn round_to(v: f64, d: i32) -> f64 {
    let m = 10f64.powi(d);
    (v * m).round() / m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loglog_round_trip() {
        let t = [[5.0, 100.0], [10.0, 70.0], [30.0, 30.0], [60.0, 17.0]];
        for x in [5.0, 7.0, 10.0, 20.0, 45.0, 60.0, 90.0] {
            let (y, _) = interp_loglog(&t, x).unwrap();
            let (x2, _) = invert_loglog_decreasing(&t, y).unwrap();
            assert!((x - x2).abs() < 1e-9, "{x} {x2}");
        }
        assert_eq!(interp_loglog(&t, 2.0).unwrap(), (100.0, Reach::Below));
        assert!(invert_loglog_decreasing(&t, 101.0).is_none());
    }

    #[test]
    fn show_is_compact() {
        assert_eq!(show(1e308), "1e308");
        assert_eq!(show(-2.5e-9), "-2.5e-9");
        assert_eq!(show(0.96), "0.96");
        assert_eq!(show(1e7), "10000000");
        assert_eq!(show(f64::NAN), "NaN");
    }

    #[test]
    fn ceil_tolerates_noise() {
        assert_eq!(ceil_u32(2.0000000000001), Some(2));
        assert_eq!(ceil_u32(2.01), Some(3));
        assert_eq!(ceil_u32(f64::NAN), None);
    }
}
