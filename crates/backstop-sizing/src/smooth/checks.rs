//! Holding a power series against the requirements: ramps over a window,
//! and the variation (peak-to-peak or amplitude) within every rolling
//! window, optionally after a band-pass filter.
//!
//! - **Ramp over W:** max_t |x(t) − x(t − W)|, against R·W.
//! - **Variation in W:** max_t (max − min of x over [t − W, t]), by a
//!   monotonic-queue running maximum and minimum (each sample enters and
//!   leaves each queue once: linear in the samples whatever W).
//! - **Band:** a 2nd-order Butterworth high-pass at f_low cascaded with a
//!   2nd-order Butterworth low-pass at f_high (bilinear transform with
//!   pre-warping, R. Bristow-Johnson's audio-EQ cookbook coefficients,
//!   Q = 1/√2), started in their steady state on the first sample (or run
//!   over the end of the trace first when the trace repeats). A band edge at
//!   or above 0.45 × the sampling rate cannot be filtered: the low-pass is
//!   left out and the check says the band was cut at the trace's Nyquist
//!   frequency; a band whose low edge is there is not evaluated at all.

/// A biquad section (transposed direct form II).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Biquad {
    b0: f64,
    b1: f64,
    b2: f64,
    a1: f64,
    a2: f64,
    s1: f64,
    s2: f64,
}

impl Biquad {
    fn from_cookbook(b: [f64; 3], a: [f64; 3]) -> Self {
        Biquad { b0: b[0] / a[0], b1: b[1] / a[0], b2: b[2] / a[0], a1: a[1] / a[0], a2: a[2] / a[0], s1: 0.0, s2: 0.0 }
    }

    /// 2nd-order Butterworth low-pass at `fc` Hz for sampling rate `fs` Hz.
    pub fn lowpass(fc: f64, fs: f64) -> Self {
        let w = std::f64::consts::TAU * fc / fs;
        let (c, alpha) = (w.cos(), w.sin() / std::f64::consts::SQRT_2);
        Self::from_cookbook([(1.0 - c) / 2.0, 1.0 - c, (1.0 - c) / 2.0], [1.0 + alpha, -2.0 * c, 1.0 - alpha])
    }

    /// 2nd-order Butterworth high-pass at `fc` Hz for sampling rate `fs` Hz.
    pub fn highpass(fc: f64, fs: f64) -> Self {
        let w = std::f64::consts::TAU * fc / fs;
        let (c, alpha) = (w.cos(), w.sin() / std::f64::consts::SQRT_2);
        Self::from_cookbook([(1.0 + c) / 2.0, -(1.0 + c), (1.0 + c) / 2.0], [1.0 + alpha, -2.0 * c, 1.0 - alpha])
    }

    /// Sets the state to the steady response to a constant input `x0`.
    pub fn settle(&mut self, x0: f64) {
        let den = 1.0 + self.a1 + self.a2;
        let y = if den.abs() > 1e-300 { (self.b0 + self.b1 + self.b2) / den * x0 } else { 0.0 };
        self.s2 = self.b2 * x0 - self.a2 * y;
        self.s1 = self.b1 * x0 - self.a1 * y + self.s2;
    }

    /// Filters one sample.
    #[inline(always)]
    pub fn step(&mut self, x: f64) -> f64 {
        let y = self.b0 * x + self.s1;
        self.s1 = self.b1 * x - self.a1 * y + self.s2;
        self.s2 = self.b2 * x - self.a2 * y;
        y
    }
}

/// The band actually filtered for a requested band on a trace sampled at `fs`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// High-pass edge, Hz.
    pub f_low: f64,
    /// Low-pass edge, Hz (none: cut at the Nyquist frequency).
    pub f_high: Option<f64>,
}

/// Highest frequency a biquad edge is placed at, as a fraction of the sampling rate.
pub const EDGE_LIMIT: f64 = 0.45;

impl Band {
    /// The filterable part of `[f_low, f_high]` at sampling rate `fs`;
    /// `None` when f_low is at or above the limit (nothing to check).
    pub fn at(f_low: f64, f_high: f64, fs: f64) -> Option<Band> {
        let top = EDGE_LIMIT * fs;
        if !(f_low < top) {
            return None;
        }
        Some(Band { f_low, f_high: (f_high < top).then_some(f_high) })
    }

    /// `pre` then `x` band-filtered, one output per input (`pre`, the end
    /// of a repeating trace, warms the filters up); the filters start
    /// settled on the first input.
    pub fn filter(&self, x: &[f64], fs: f64, pre: &[f64]) -> Vec<f64> {
        self.stream(x, fs, pre).collect()
    }

    /// [`Band::filter`] as an iterator (nothing is held).
    pub fn stream<'a>(&self, x: &'a [f64], fs: f64, pre: &'a [f64]) -> impl Iterator<Item = f64> + 'a {
        let mut hp = Biquad::highpass(self.f_low, fs);
        let mut lp = self.f_high.map(|f| Biquad::lowpass(f, fs));
        let x0 = pre.first().or(x.first()).copied().unwrap_or(0.0);
        hp.settle(x0);
        if let Some(l) = &mut lp {
            l.settle(0.0);
        }
        pre.iter().chain(x).map(move |&v| {
            let h = hp.step(v);
            match &mut lp {
                Some(l) => l.step(h),
                None => h,
            }
        })
    }

}

/// The largest |x[i] − x[i − w]| and the index i where it occurs; before
/// index w the earlier samples come from the end of `pre` (the history
/// before the trace: its first value held, or the trace's end when it
/// repeats), and are not compared when `pre` is shorter.
pub fn worst_change(pre: &[f64], x: &[f64], w: usize) -> (f64, usize) {
    let (mut worst, mut at) = (0.0_f64, 0usize);
    if w == 0 {
        return (0.0, 0);
    }
    let head = w.min(x.len());
    if pre.len() >= w {
        let before = &pre[pre.len() - w..];
        for (i, (a, b)) in x[..head].iter().zip(before).enumerate() {
            let d = (a - b).abs();
            if d > worst {
                worst = d;
                at = i;
            }
        }
    }
    if w < x.len() {
        for (i, (a, b)) in x[w..].iter().zip(x).enumerate() {
            let d = (a - b).abs();
            if d > worst {
                worst = d;
                at = i + w;
            }
        }
    }
    (worst, at)
}

/// The largest (max − min) of the samples `xs` over windows of w + 1
/// samples (spanning w intervals) that end at i ≥ `from` (the samples
/// before `from` are history: they fill windows but do not end one), and
/// the index i of the worst window's end. Until a window is complete, the
/// samples so far count (a shorter window's range never exceeds the full
/// window's).
///
/// Van Herk / Gil-Werman: the series is cut into blocks of m = w + 1
/// samples; a window ending at offset j of a block is the previous block's
/// suffix from j + 1 plus the current block's prefix to j, so each window's
/// maximum and minimum cost two comparisons each, whatever m, with O(m) memory.
pub fn worst_range_of(xs: impl Iterator<Item = f64>, w: usize, from: usize, len_hint: usize) -> (f64, usize) {
    let m = w.saturating_add(1);
    let cap = m.min(len_hint.max(1)).min(1 << 24);
    let mut block: Vec<f64> = Vec::with_capacity(cap);
    let mut suf_hi: Vec<f64> = Vec::with_capacity(cap);
    let mut suf_lo: Vec<f64> = Vec::with_capacity(cap);
    let (mut run_hi, mut run_lo) = (f64::NEG_INFINITY, f64::INFINITY);
    let (mut worst, mut at) = (0.0_f64, from);
    let mut j = 0usize;
    for (i, v) in xs.enumerate() {
        if j == m {
            // The block is complete: its suffix extremes serve the next block.
            suf_hi.clear();
            suf_lo.clear();
            suf_hi.resize(m, 0.0);
            suf_lo.resize(m, 0.0);
            let (mut h, mut l) = (f64::NEG_INFINITY, f64::INFINITY);
            for k in (0..m).rev() {
                let b = block[k];
                h = h.max(b);
                l = l.min(b);
                suf_hi[k] = h;
                suf_lo[k] = l;
            }
            block.clear();
            run_hi = f64::NEG_INFINITY;
            run_lo = f64::INFINITY;
            j = 0;
        }
        block.push(v);
        run_hi = run_hi.max(v);
        run_lo = run_lo.min(v);
        let (hi, lo) = match (suf_hi.get(j + 1), suf_lo.get(j + 1)) {
            (Some(&h), Some(&l)) => (run_hi.max(h), run_lo.min(l)),
            _ => (run_hi, run_lo),
        };
        j += 1;
        let d = hi - lo;
        if i >= from && d > worst {
            worst = d;
            at = i;
        }
    }
    (worst, at)
}

/// [`worst_range_of`] a slice.
pub fn worst_range(x: &[f64], w: usize, from: usize) -> (f64, usize) {
    let (v, at) = worst_range_of(x.iter().copied(), w, from, x.len());
    (v, at.min(x.len().saturating_sub(1)))
}

/// The largest |x| after the first `skip` samples (the amplitude of a band-filtered series).
pub fn peak_abs(x: impl Iterator<Item = f64>, skip: usize) -> f64 {
    x.skip(skip).fold(0.0_f64, |m, v| m.max(v.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_range(x: &[f64], w: usize) -> f64 {
        let m = w + 1;
        if x.len() < m {
            let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
            return hi - lo;
        }
        x.windows(m)
            .map(|s| {
                let (lo, hi) = s.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
                hi - lo
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn rolling_range_matches_the_naive_scan() {
        let mut rng = super::super::synth::Rng::new(3);
        for len in [1usize, 2, 5, 50, 500] {
            let x: Vec<f64> = (0..len).map(|_| rng.normal()).collect();
            for w in [0usize, 1, 3, 10, 49, 700] {
                let (r, at) = worst_range(&x, w, 0);
                assert!((r - naive_range(&x, w)).abs() < 1e-12, "len {len} w {w}");
                assert!(at < len.max(1));
                // History before `from` fills windows but ends none.
                if len > 20 && w < 10 {
                    let (r2, at2) = worst_range(&x, w, 10);
                    let want = naive_range(&x[10 - w..], w);
                    assert!((r2 - want).abs() < 1e-12 && at2 >= 10, "len {len} w {w}");
                }
            }
        }
    }

    #[test]
    fn change_over_a_window() {
        let x = [0.0, 1.0, 3.0, 2.0, 7.0, 7.0];
        assert_eq!(worst_change(&[], &x, 2), (5.0, 5));
        assert_eq!(worst_change(&[], &x, 6), (0.0, 0));
        // Held history before the trace: the first samples compare with it.
        assert_eq!(worst_change(&[-6.0; 2], &x, 2), (7.0, 1));
        // The trace's own end as history (it repeats).
        assert_eq!(worst_change(&x[4..], &x, 2), (7.0, 0));
    }

    #[test]
    fn butterworth_gains() {
        // At the corner the magnitude is 1/√2; far in the pass band, 1.
        let fs = 100.0;
        let gain = |f: f64, mut q: Biquad| {
            let n = 20_000;
            let x: Vec<f64> = (0..n).map(|k| (std::f64::consts::TAU * f * k as f64 / fs).sin()).collect();
            q.settle(0.0);
            let y: Vec<f64> = x.iter().map(|&v| q.step(v)).collect();
            peak_abs(y.into_iter(), n / 2)
        };
        assert!((gain(1.0, Biquad::lowpass(1.0, fs)) - std::f64::consts::FRAC_1_SQRT_2).abs() < 2e-3);
        assert!((gain(1.0, Biquad::highpass(1.0, fs)) - std::f64::consts::FRAC_1_SQRT_2).abs() < 2e-3);
        assert!((gain(0.05, Biquad::lowpass(5.0, fs)) - 1.0).abs() < 2e-3);
        assert!(gain(20.0, Biquad::lowpass(1.0, fs)) < 0.01);
        // Settled on a constant, the high-pass gives 0 and the low-pass the constant.
        let mut h = Biquad::highpass(0.1, fs);
        h.settle(50.0);
        assert!(h.step(50.0).abs() < 1e-9);
        let mut l = Biquad::lowpass(0.1, fs);
        l.settle(50.0);
        assert!((l.step(50.0) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn a_band_above_the_sampling_is_not_filterable() {
        assert_eq!(Band::at(5.0, 55.0, 10.0), None);
        assert_eq!(Band::at(0.1, 55.0, 10.0), Some(Band { f_low: 0.1, f_high: None }));
        assert_eq!(Band::at(0.1, 3.0, 10.0), Some(Band { f_low: 0.1, f_high: Some(3.0) }));
    }
}
