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

    /// The band's filters started as [`Band::stream`] starts them on a
    /// series whose first input is `x0`.
    pub fn filters(&self, fs: f64, x0: f64) -> BandFilter {
        let mut hp = Biquad::highpass(self.f_low, fs);
        let mut lp = self.f_high.map(|f| Biquad::lowpass(f, fs));
        hp.settle(x0);
        if let Some(l) = &mut lp {
            l.settle(0.0);
        }
        BandFilter { hp, lp }
    }
}

/// A band's filters in their running state (the same arithmetic as
/// [`Band::stream`], over slices).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandFilter {
    hp: Biquad,
    lp: Option<Biquad>,
}

impl BandFilter {
    /// Filters `x` into `out` (same length).
    pub fn run(&mut self, x: &[f64], out: &mut [f64]) {
        debug_assert_eq!(x.len(), out.len());
        let hp = &mut self.hp;
        match &mut self.lp {
            Some(lp) => {
                for (o, &v) in out.iter_mut().zip(x) {
                    *o = lp.step(hp.step(v));
                }
            }
            None => {
                for (o, &v) in out.iter_mut().zip(x) {
                    *o = hp.step(v);
                }
            }
        }
    }

    /// Two filters of the same band over two series in one pass (their
    /// recursions are independent, so they run side by side).
    pub fn run2(a: &mut BandFilter, b: &mut BandFilter, xa: &[f64], xb: &[f64], oa: &mut [f64], ob: &mut [f64]) {
        debug_assert!(xa.len() == xb.len() && oa.len() == xa.len() && ob.len() == xa.len());
        let mut h2 = Biquad2::new(&a.hp, &b.hp);
        match (&mut a.lp, &mut b.lp) {
            (Some(la), Some(lb)) => {
                let mut l2 = Biquad2::new(la, lb);
                for (((oa, ob), &va), &vb) in oa.iter_mut().zip(ob.iter_mut()).zip(xa).zip(xb) {
                    let o = l2.step(h2.step([va, vb]));
                    (*oa, *ob) = (o[0], o[1]);
                }
                l2.store(la, lb);
                h2.store(&mut a.hp, &mut b.hp);
            }
            (None, None) => {
                for (((oa, ob), &va), &vb) in oa.iter_mut().zip(ob.iter_mut()).zip(xa).zip(xb) {
                    let o = h2.step([va, vb]);
                    (*oa, *ob) = (o[0], o[1]);
                }
                h2.store(&mut a.hp, &mut b.hp);
            }
            _ => {
                a.run(xa, oa);
                b.run(xb, ob);
            }
        }
    }
}

/// Two biquads side by side, one per lane (laid out for the compiler to
/// pack into one register): each lane does exactly the scalar
/// [`Biquad::step`] arithmetic (multiply, add, subtract in the same order).
#[derive(Clone, Copy)]
struct Biquad2 {
    b0: [f64; 2],
    b1: [f64; 2],
    b2: [f64; 2],
    a1: [f64; 2],
    a2: [f64; 2],
    s1: [f64; 2],
    s2: [f64; 2],
}

impl Biquad2 {
    fn new(a: &Biquad, b: &Biquad) -> Self {
        Biquad2 {
            b0: [a.b0, b.b0],
            b1: [a.b1, b.b1],
            b2: [a.b2, b.b2],
            a1: [a.a1, b.a1],
            a2: [a.a2, b.a2],
            s1: [a.s1, b.s1],
            s2: [a.s2, b.s2],
        }
    }

    /// Puts the lanes' states back into `a` and `b`.
    fn store(&self, a: &mut Biquad, b: &mut Biquad) {
        (a.s1, a.s2, b.s1, b.s2) = (self.s1[0], self.s2[0], self.s1[1], self.s2[1]);
    }

    #[inline(always)]
    fn step(&mut self, x: [f64; 2]) -> [f64; 2] {
        let y = [self.b0[0] * x[0] + self.s1[0], self.b0[1] * x[1] + self.s1[1]];
        self.s1 = [self.b1[0] * x[0] - self.a1[0] * y[0] + self.s2[0], self.b1[1] * x[1] - self.a1[1] * y[1] + self.s2[1]];
        self.s2 = [self.b2[0] * x[0] - self.a2[0] * y[0], self.b2[1] * x[1] - self.a2[1] * y[1]];
        y
    }
}

/// The largest |band-filtered| sample of `a` and of `b` (same length) in
/// each band, after that band's first `skip` samples, the filters started
/// on the series' first samples: [`band_peak2`] of every band in one pass
/// (load and grid in two lanes, the bands' recursions side by side).
pub fn band_peaks2(bands: &[(Band, usize)], fs: f64, a: &[f64], b: &[f64]) -> Vec<(f64, f64)> {
    if a.len() != b.len() {
        return bands.iter().map(|(band, skip)| band_peak2(band, fs, a, b, *skip)).collect();
    }
    struct Lane {
        hp: Biquad2,
        lp: Option<Biquad2>,
        skip: usize,
        peak: [f64; 2],
    }
    let (a0, b0) = (a.first().copied().unwrap_or(0.0), b.first().copied().unwrap_or(0.0));
    let mut lanes: Vec<Lane> = bands
        .iter()
        .map(|(band, skip)| {
            let (fa, fb) = (band.filters(fs, a0), band.filters(fs, b0));
            let lp = match (&fa.lp, &fb.lp) {
                (Some(x), Some(y)) => Some(Biquad2::new(x, y)),
                _ => None,
            };
            Lane { hp: Biquad2::new(&fa.hp, &fb.hp), lp, skip: *skip, peak: [0.0; 2] }
        })
        .collect();
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        for l in lanes.iter_mut() {
            let h = l.hp.step([x, y]);
            let o = match &mut l.lp {
                Some(lp) => lp.step(h),
                None => h,
            };
            if i >= l.skip {
                l.peak = [l.peak[0].max(o[0].abs()), l.peak[1].max(o[1].abs())];
            }
        }
    }
    lanes.iter().map(|l| (l.peak[0], l.peak[1])).collect()
}

/// Up to two pieces of `pre` followed by `x` covering positions `pos..pos + len`.
fn pieces<'a>(pre: &'a [f64], x: &'a [f64], pos: usize, len: usize) -> (&'a [f64], &'a [f64]) {
    let end = pos + len;
    let p = pre.len();
    if end <= p {
        (&pre[pos..end], &[])
    } else if pos >= p {
        (&x[pos - p..end - p], &[])
    } else {
        (&pre[pos..], &x[..end - p])
    }
}

/// [`worst_range_of`] the band-filtered `pre` then `x` (windows ending in
/// `x` only; `pre` warms the filters up and fills the first windows), in
/// blocks, without holding the filtered series. Index into `pre` ++ `x`.
pub fn band_range(band: &Band, fs: f64, pre: &[f64], x: &[f64], w: usize) -> (f64, usize) {
    let n = pre.len() + x.len();
    let x0 = pre.first().or(x.first()).copied().unwrap_or(0.0);
    let mut f = band.filters(fs, x0);
    let mut scan = RangeScan::new(w, pre.len(), n);
    let mut buf = vec![0.0; scan.block_cap(n)];
    let mut pos = 0;
    while pos < n {
        let len = buf.len().min(n - pos);
        let (s1, s2) = pieces(pre, x, pos, len);
        let (o1, o2) = buf[..len].split_at_mut(s1.len());
        f.run(s1, o1);
        f.run(s2, o2);
        scan.block(&buf[..len]);
        pos += len;
    }
    scan.result()
}

/// [`band_range`] of two series of the same length with histories of the
/// same length (load and grid), side by side in one pass.
pub fn band_range2(
    band: &Band,
    fs: f64,
    (pre_a, a): (&[f64], &[f64]),
    (pre_b, b): (&[f64], &[f64]),
    w: usize,
) -> ((f64, usize), (f64, usize)) {
    if pre_a.len() != pre_b.len() || a.len() != b.len() {
        return (band_range(band, fs, pre_a, a, w), band_range(band, fs, pre_b, b, w));
    }
    let n = pre_a.len() + a.len();
    let first = |p: &[f64], x: &[f64]| p.first().or(x.first()).copied().unwrap_or(0.0);
    let (mut fa, mut fb) = (band.filters(fs, first(pre_a, a)), band.filters(fs, first(pre_b, b)));
    let (mut sa, mut sb) = (RangeScan::new(w, pre_a.len(), n), RangeScan::new(w, pre_b.len(), n));
    let cap = sa.block_cap(n);
    let (mut ba, mut bb) = (vec![0.0; cap], vec![0.0; cap]);
    let mut pos = 0;
    while pos < n {
        let len = cap.min(n - pos);
        let (a1, a2) = pieces(pre_a, a, pos, len);
        let (b1, b2) = pieces(pre_b, b, pos, len);
        let (oa1, oa2) = ba[..len].split_at_mut(a1.len());
        let (ob1, ob2) = bb[..len].split_at_mut(b1.len());
        BandFilter::run2(&mut fa, &mut fb, a1, b1, oa1, ob1);
        BandFilter::run2(&mut fa, &mut fb, a2, b2, oa2, ob2);
        sa.block(&ba[..len]);
        sb.block(&bb[..len]);
        pos += len;
    }
    (sa.result(), sb.result())
}

/// The largest |band-filtered| sample of `a` and of `b` (same length) after
/// the first `skip` samples, the filters started on their first samples
/// (as [`peak_abs`] of [`Band::stream`] with no history), side by side in one pass.
pub fn band_peak2(band: &Band, fs: f64, a: &[f64], b: &[f64], skip: usize) -> (f64, f64) {
    const CHUNK: usize = 4096;
    if a.len() != b.len() {
        return (peak_abs(band.stream(a, fs, &[]), skip), peak_abs(band.stream(b, fs, &[]), skip));
    }
    let n = a.len();
    let mut fa = band.filters(fs, a.first().copied().unwrap_or(0.0));
    let mut fb = band.filters(fs, b.first().copied().unwrap_or(0.0));
    let (mut oa, mut ob) = ([0.0; CHUNK], [0.0; CHUNK]);
    let (mut pa, mut pb) = (0.0_f64, 0.0_f64);
    let mut pos = 0;
    while pos < n {
        let len = CHUNK.min(n - pos);
        BandFilter::run2(&mut fa, &mut fb, &a[pos..pos + len], &b[pos..pos + len], &mut oa[..len], &mut ob[..len]);
        let from = skip.saturating_sub(pos).min(len);
        pa = oa[from..len].iter().fold(pa, |m, v| m.max(v.abs()));
        pb = ob[from..len].iter().fold(pb, |m, v| m.max(v.abs()));
        pos += len;
    }
    (pa, pb)
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
        scan_change(&x[..head], before, 0, &mut worst, &mut at);
    }
    if w < x.len() {
        scan_change(&x[w..], x, w, &mut worst, &mut at);
    }
    (worst, at)
}

/// The first largest |a[i] − b[i]| above `worst`, at `offset` + i: a chunk's
/// largest is found without tracking where (four lanes), and only a chunk
/// that beats `worst` is scanned again in order, so the result is the
/// sample-by-sample scan's.
fn scan_change(a: &[f64], b: &[f64], offset: usize, worst: &mut f64, at: &mut usize) {
    const CHUNK: usize = 256;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    for (c, (ca, cb)) in a.chunks(CHUNK).zip(b.chunks(CHUNK)).enumerate() {
        let mut lane = [0.0_f64; 4];
        let (qa, ra) = (ca.chunks_exact(4), ca.chunks_exact(4).remainder());
        let (qb, rb) = (cb.chunks_exact(4), cb.chunks_exact(4).remainder());
        for (xa, xb) in qa.zip(qb) {
            for k in 0..4 {
                let d = (xa[k] - xb[k]).abs();
                lane[k] = if d > lane[k] { d } else { lane[k] };
            }
        }
        let mut big = lane.iter().any(|&l| l > *worst);
        for (p, q) in ra.iter().zip(rb) {
            big |= (p - q).abs() > *worst;
        }
        if big {
            for (i, (p, q)) in ca.iter().zip(cb).enumerate() {
                let d = (p - q).abs();
                if d > *worst {
                    *worst = d;
                    *at = offset + c * CHUNK + i;
                }
            }
        }
    }
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
    let mut scan = RangeScan::new(w, from, len_hint);
    let mut buf: Vec<f64> = Vec::with_capacity(scan.block_cap(len_hint));
    for v in xs {
        buf.push(v);
        if buf.len() == scan.m {
            scan.block(&buf);
            buf.clear();
        }
    }
    if !buf.is_empty() {
        scan.block(&buf);
    }
    scan.result()
}

/// The state of [`worst_range_of`] between blocks of m = w + 1 samples.
///
/// Every window ending in a block lies within that block and the previous
/// one, so its range is at most the range of the two blocks together: a
/// block where that bound does not beat the worst so far is passed over
/// with a look at its extremes only (the result is the same: only a window
/// strictly above the worst so far changes it).
#[derive(Debug, Clone)]
pub struct RangeScan {
    m: usize,
    /// The previous full block (empty before the first) and its extremes.
    prev: Vec<f64>,
    prev_hi: f64,
    prev_lo: f64,
    /// Suffix maxima and minima of `prev`, with a neutral element at index m.
    suf_hi: Vec<f64>,
    suf_lo: Vec<f64>,
    i: usize,
    from: usize,
    worst: f64,
    at: usize,
}

/// The larger of `a` and `b` (`b` when `a` is NaN): `f64::max` for numbers, one instruction.
#[inline(always)]
fn hi(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

/// The smaller of `a` and `b` (`b` when `a` is NaN).
#[inline(always)]
fn lo(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// Largest and smallest of `b` (NaN skipped), in four lanes.
fn extremes(b: &[f64]) -> (f64, f64) {
    let (mut h, mut l) = ([f64::NEG_INFINITY; 4], [f64::INFINITY; 4]);
    let q = b.chunks_exact(4);
    let rest = q.remainder();
    for c in q {
        for k in 0..4 {
            h[k] = hi(c[k], h[k]);
            l[k] = lo(c[k], l[k]);
        }
    }
    let (mut h, mut l) = (hi(hi(h[0], h[1]), hi(h[2], h[3])), lo(lo(l[0], l[1]), lo(l[2], l[3])));
    for &v in rest {
        h = hi(v, h);
        l = lo(v, l);
    }
    (h, l)
}

impl RangeScan {
    /// For windows of w + 1 samples ending at i ≥ `from`.
    pub fn new(w: usize, from: usize, len_hint: usize) -> Self {
        let m = w.saturating_add(1);
        let cap = m.min(len_hint.max(1)).min(1 << 24);
        RangeScan {
            m,
            prev: Vec::with_capacity(cap),
            prev_hi: f64::NEG_INFINITY,
            prev_lo: f64::INFINITY,
            suf_hi: Vec::new(),
            suf_lo: Vec::new(),
            i: 0,
            from,
            worst: 0.0,
            at: from,
        }
    }

    /// Samples per block.
    pub fn m(&self) -> usize {
        self.m
    }

    fn block_cap(&self, len_hint: usize) -> usize {
        self.m.min(len_hint.max(1)).min(1 << 24)
    }

    /// The next block: m samples (fewer only for the last).
    #[inline]
    pub fn block(&mut self, b: &[f64]) {
        debug_assert!(b.len() <= self.m);
        let (bh, bl) = extremes(b);
        let has_prev = !self.prev.is_empty();
        let bound = if has_prev { hi(bh, self.prev_hi) - lo(bl, self.prev_lo) } else { bh - bl };
        let base = self.i;
        if base + b.len() > self.from && bound > self.worst {
            self.scan(b, has_prev);
        }
        self.i += b.len();
        if b.len() == self.m {
            self.prev.clear();
            self.prev.extend_from_slice(b);
            self.prev_hi = bh;
            self.prev_lo = bl;
        }
    }

    /// Every window ending in block `b`.
    fn scan(&mut self, b: &[f64], has_prev: bool) {
        let (mut run_hi, mut run_lo) = (f64::NEG_INFINITY, f64::INFINITY);
        let (mut worst, mut at) = (self.worst, self.at);
        let base = self.i;
        let from = self.from;
        if !has_prev {
            // No previous block: the samples so far.
            for (j, &v) in b.iter().enumerate() {
                run_hi = hi(v, run_hi);
                run_lo = lo(v, run_lo);
                let d = run_hi - run_lo;
                if d > worst && base + j >= from {
                    worst = d;
                    at = base + j;
                }
            }
        } else {
            // The previous block's suffix extremes (a neutral element at m).
            let m = self.m;
            self.suf_hi.resize(m + 1, f64::NEG_INFINITY);
            self.suf_lo.resize(m + 1, f64::INFINITY);
            self.suf_hi[m] = f64::NEG_INFINITY;
            self.suf_lo[m] = f64::INFINITY;
            let (mut h, mut l) = (f64::NEG_INFINITY, f64::INFINITY);
            for ((&v, sh), sl) in self.prev.iter().zip(&mut self.suf_hi[..m]).zip(&mut self.suf_lo[..m]).rev() {
                h = hi(v, h);
                l = lo(v, l);
                *sh = h;
                *sl = l;
            }
            let sh = &self.suf_hi[1..=b.len()];
            let sl = &self.suf_lo[1..=b.len()];
            for (j, ((&v, &h), &l)) in b.iter().zip(sh).zip(sl).enumerate() {
                run_hi = hi(v, run_hi);
                run_lo = lo(v, run_lo);
                let d = hi(run_hi, h) - lo(run_lo, l);
                if d > worst && base + j >= from {
                    worst = d;
                    at = base + j;
                }
            }
        }
        self.worst = worst;
        self.at = at;
    }

    /// The largest range and the index of its window's end.
    pub fn result(&self) -> (f64, usize) {
        (self.worst, self.at)
    }
}

/// [`worst_range_of`] a slice.
pub fn worst_range(x: &[f64], w: usize, from: usize) -> (f64, usize) {
    let mut scan = RangeScan::new(w, from, x.len());
    for b in x.chunks(scan.m()) {
        scan.block(b);
    }
    let (v, at) = scan.result();
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

    /// Random traces with steps and plateaus (ties in the extremes and the changes).
    fn random_trace(rng: &mut super::super::synth::Rng, len: usize) -> Vec<f64> {
        let mut v = 0.0;
        (0..len)
            .map(|_| {
                let u = rng.uniform();
                if u < 0.3 {
                    v = (rng.normal() * 4.0).round();
                } else if u < 0.8 {
                    v += rng.normal();
                }
                v
            })
            .collect()
    }

    /// The reference: every window ending at i ≥ from scanned in full.
    fn naive_range_from(y: &[f64], w: usize, from: usize) -> (f64, usize) {
        let (mut worst, mut at) = (0.0_f64, from);
        for i in from..y.len() {
            let s = &y[i.saturating_sub(w)..=i];
            let (lo, hi) = s.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
            if hi - lo > worst {
                worst = hi - lo;
                at = i;
            }
        }
        (worst, at)
    }

    #[test]
    fn blocked_band_range_matches_the_filtered_series_scanned_in_full() {
        let mut rng = super::super::synth::Rng::new(11);
        let fs = 10.0;
        for len in [1usize, 7, 60, 333, 2000] {
            let x = random_trace(&mut rng, len);
            let g = random_trace(&mut rng, len);
            for band in [Band { f_low: 0.1, f_high: Some(3.0) }, Band { f_low: 0.5, f_high: None }] {
                for w in [0usize, 1, 4, 50, 3000] {
                    for pre_len in [0usize, 1, 9, len] {
                        let pre_len = pre_len.min(len);
                        let (px, pg) = (&x[len - pre_len..], &g[len - pre_len..]);
                        let want_x = naive_range_from(&band.filter(&x, fs, px), w, pre_len);
                        let want_g = naive_range_from(&band.filter(&g, fs, pg), w, pre_len);
                        assert_eq!(band_range(&band, fs, px, &x, w), want_x, "len {len} w {w} pre {pre_len}");
                        assert_eq!(band_range2(&band, fs, (px, &x), (pg, &g), w), (want_x, want_g), "len {len} w {w} pre {pre_len}");
                        let it = worst_range_of(band.stream(&x, fs, px), w, pre_len, len);
                        assert_eq!(it, want_x, "len {len} w {w} pre {pre_len}");
                    }
                }
                for skip in [0usize, 5, 4096, 5000] {
                    let want = (peak_abs(band.stream(&x, fs, &[]), skip), peak_abs(band.stream(&g, fs, &[]), skip));
                    assert_eq!(band_peak2(&band, fs, &x, &g, skip), want, "len {len} skip {skip}");
                }
            }
            for w in [0usize, 1, 3, 150, 5000] {
                for from in [0usize, 2, 40] {
                    if from <= len {
                        let (v, at) = naive_range_from(&x, w, from);
                        assert_eq!(worst_range(&x, w, from), (v, at.min(len - 1)), "len {len} w {w} from {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn chunked_change_matches_the_sample_by_sample_scan() {
        let naive = |pre: &[f64], x: &[f64], w: usize| {
            let (mut worst, mut at) = (0.0_f64, 0usize);
            for i in 0..x.len() {
                let before = if i >= w {
                    Some(x[i - w])
                } else if pre.len() >= w && w > 0 {
                    Some(pre[pre.len() - w + i])
                } else {
                    None
                };
                if let Some(b) = before
                    && w > 0
                {
                    let d = (x[i] - b).abs();
                    if d > worst {
                        worst = d;
                        at = i;
                    }
                }
            }
            (worst, at)
        };
        let mut rng = super::super::synth::Rng::new(5);
        for len in [0usize, 1, 3, 255, 256, 257, 1030, 5000] {
            let x = random_trace(&mut rng, len);
            for w in [0usize, 1, 2, 7, 256, 600, 6000] {
                let held = vec![x.first().copied().unwrap_or(0.0); w.min(len)];
                assert_eq!(worst_change(&held, &x, w), naive(&held, &x, w), "len {len} w {w}");
                if w <= len {
                    assert_eq!(worst_change(&x[len - w..], &x, w), naive(&x[len - w..], &x, w), "len {len} w {w} periodic");
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
