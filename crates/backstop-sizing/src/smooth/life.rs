//! Battery cycling under smoothing, counted as the samples come: rainflow
//! (ASTM E1049-85, the same three-point rule and residue as
//! [`crate::rainflow::count_cycles`], without holding the history), the
//! histogram, and the two life views.
//!
//! - **Throughput:** equivalent full cycles per year EFC = Σ n·DoD (the
//!   rainflow sum, equal to half the SOC travel) against the rated
//!   throughput N_ref·DoD_ref: L = N_ref·DoD_ref ÷ EFC.
//! - **DoD-weighted cycles:** Miner's rule on the Wöhler curve
//!   N(DoD) = N_ref·(DoD/DoD_ref)^(−k): damage per year
//!   Σ n ÷ N(DoD) = Σ n·DoD^k ÷ (N_ref·DoD_ref^k), L = 1 ÷ damage.
//!
//! Under micro-cycling the two differ by orders of magnitude (a 0.14 %
//! cycle every 2 s: throughput says months, the Wöhler curve centuries);
//! the experiment closest to this duty (Soto et al., J. Energy Storage 2022:
//! micro-cycles < 2 % DoD had a negligible effect) sides with the
//! DoD-weighted view, but no LFP data at 0.1–3 Hz and 10⁴–10⁵ cycles a day
//! exist, so the sheet shows both and says which governs.

use crate::rainflow::Cycle;

/// Upper edges of the histogram's depth-of-discharge bins (fractions).
pub const BIN_EDGES: [f64; 8] = [1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.2, 0.5, 1.0];

/// Rainflow counting fed one sample at a time.
#[derive(Debug, Clone)]
pub struct Rainflow {
    /// Wöhler exponent k (for Σ n·DoD^k).
    k: f64,
    started: bool,
    last: f64,
    tail: Option<f64>,
    dir: f64,
    stack: Vec<f64>,
    base: usize,
    /// Σ n (cycles, half cycles ½).
    pub cycles: f64,
    /// Σ n·range.
    pub sum_range: f64,
    /// Σ n·range^k.
    pub sum_pow: f64,
    /// Cycles per bin of [`BIN_EDGES`] (ranges above 1 counted in the last).
    pub bins: [f64; BIN_EDGES.len()],
}

impl Rainflow {
    /// A counter accumulating Σ n·range^`k`.
    pub fn new(k: f64) -> Self {
        Rainflow {
            k,
            started: false,
            last: 0.0,
            tail: None,
            dir: 0.0,
            stack: Vec::with_capacity(256),
            base: 0,
            cycles: 0.0,
            sum_range: 0.0,
            sum_pow: 0.0,
            bins: [0.0; BIN_EDGES.len()],
        }
    }

    #[inline]
    fn count(&mut self, range: f64, n: f64) {
        self.cycles += n;
        self.sum_range += n * range;
        if range > 0.0 {
            self.sum_pow += n * (self.k * range.ln()).exp();
        }
        let i = BIN_EDGES.iter().position(|e| range <= *e).unwrap_or(BIN_EDGES.len() - 1);
        self.bins[i] += n;
    }

    /// A confirmed reversal enters the three-point rule.
    ///
    /// The new point `p` is pushed only once the rule is done with it: read
    /// back from the stack straight after its store, it cost a failed
    /// store-to-load forward on every reversal (half of this function's
    /// time on a year at 1 s, where nearly every sample is a reversal).
    fn reversal(&mut self, p: f64) {
        loop {
            // Points in the window, `p` included.
            let n = self.stack.len() + 1 - self.base;
            if n < 3 {
                break;
            }
            let top = self.stack.len();
            let a = self.stack[top - 1];
            let x = (p - a).abs();
            let y = (a - self.stack[top - 2]).abs();
            if x < y {
                break;
            }
            if n == 3 {
                // Y contains the starting point: half cycle, drop S.
                self.count(y, 0.5);
                self.base += 1;
            } else {
                self.count(y, 1.0);
                self.stack.truncate(top - 2);
            }
        }
        self.stack.push(p);
        if self.base > 1024 && self.base * 2 > self.stack.len() {
            self.stack.drain(..self.base);
            self.base = 0;
        }
    }

    /// The next sample (non-finite samples are skipped, runs and plateaus
    /// collapse to their reversals, as [`crate::rainflow::reversals`]).
    #[inline]
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if !self.started {
            self.started = true;
            self.last = x;
            self.reversal(x);
            return;
        }
        let d = x - self.last;
        if d == 0.0 {
            return;
        }
        let s = d.signum();
        match self.tail {
            Some(t) if s != self.dir => {
                self.reversal(t);
            }
            _ => {}
        }
        self.tail = Some(x);
        self.dir = s;
        self.last = x;
    }

    /// Ends the history: the last point, and the residue as half cycles.
    pub fn finish(&mut self) {
        if let Some(t) = self.tail.take() {
            self.reversal(t);
        }
        let rest: Vec<f64> = self.stack[self.base..].to_vec();
        for w in rest.windows(2) {
            self.count((w[1] - w[0]).abs(), 0.5);
        }
        self.stack.clear();
        self.base = 0;
    }

    /// One cycle with the same count and the same Σ n·range^k (what a
    /// Wöhler-curve model needs of the whole history).
    pub fn equivalent_cycle(&self) -> Option<Cycle> {
        if !(self.cycles > 0.0) || !(self.sum_pow > 0.0) || !(self.k > 0.0) {
            return None;
        }
        Some(Cycle { range: (self.sum_pow / self.cycles).powf(1.0 / self.k), mean: 0.5, count: self.cycles })
    }
}

/// Rated throughput N_ref·DoD_ref ÷ EFC per year, years.
pub fn throughput_life(cycles_to_eol: f64, ref_dod: f64, efc_per_year: f64) -> f64 {
    if efc_per_year > 0.0 { cycles_to_eol * ref_dod / efc_per_year } else { f64::INFINITY }
}

/// 1 ÷ (Σ n·DoD^k per year ÷ (N_ref·DoD_ref^k)), years.
pub fn dod_weighted_life(cycles_to_eol: f64, ref_dod: f64, k: f64, sum_pow_per_year: f64) -> f64 {
    let damage = sum_pow_per_year / (cycles_to_eol * ref_dod.powf(k));
    if damage > 0.0 { 1.0 / damage } else { f64::INFINITY }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rainflow::count_cycles;

    fn batch(series: &[f64], k: f64) -> (f64, f64, f64) {
        let c = count_cycles(series);
        (c.iter().map(|x| x.count).sum(), c.iter().map(|x| x.count * x.range).sum(), c.iter().map(|x| x.count * x.range.powf(k)).sum())
    }

    #[test]
    fn streaming_count_equals_the_batch_count() {
        let mut rng = super::super::synth::Rng::new(11);
        for len in [0usize, 1, 2, 3, 10, 1000, 20_000] {
            let mut x = 0.5;
            let series: Vec<f64> = (0..len)
                .map(|i| {
                    x += 0.01 * rng.normal();
                    if i % 97 == 0 { x } else { (x * 1000.0).round() / 1000.0 }
                })
                .collect();
            let mut rf = Rainflow::new(1.7);
            for &s in &series {
                rf.push(s);
            }
            rf.finish();
            let (n, r, p) = batch(&series, 1.7);
            assert!((rf.cycles - n).abs() < 1e-9, "len {len}: {} vs {n}", rf.cycles);
            assert!((rf.sum_range - r).abs() < 1e-9 * (1.0 + r), "len {len}");
            assert!((rf.sum_pow - p).abs() < 1e-9 * (1.0 + p), "len {len}");
            assert!((rf.bins.iter().sum::<f64>() - n).abs() < 1e-9);
        }
    }

    #[test]
    fn astm_example_and_equivalent_cycle() {
        let mut rf = Rainflow::new(2.0);
        for v in [-2.0, 1.0, -3.0, 5.0, -1.0, 3.0, -4.0, 4.0, -2.0] {
            rf.push(v);
        }
        rf.finish();
        // Ranges 3 (½), 4 (1½), 6 (½), 8 (1), 9 (½): 4 cycles, Σ n·r = 1.5+6+3+8+4.5.
        assert_eq!(rf.cycles, 4.0);
        assert_eq!(rf.sum_range, 23.0);
        let c = rf.equivalent_cycle().unwrap();
        assert!((c.count * c.range * c.range - rf.sum_pow).abs() < 1e-9);
    }

    #[test]
    fn the_two_views_on_micro_cycles() {
        // 43,200 cycles a day of 0.1389 % DoD (the 2 s swing on 10 MWh):
        // 21,900 EFC a year; 6,000 cycles at 100 % → 0.274 years by
        // throughput; with k = 2.03, centuries by the Wöhler curve.
        let per_year: f64 = 43_200.0 * 365.0;
        let dod: f64 = 13.888_9e-3 / 10.0;
        let efc = per_year * dod;
        assert!((efc - 21_900.0).abs() < 1.0, "{efc}");
        assert!((throughput_life(6000.0, 1.0, efc) - 0.274).abs() < 1e-3);
        let l = dod_weighted_life(6000.0, 1.0, 2.03, per_year * dod.powf(2.03));
        assert!(l > 200.0 && l < 300.0, "{l}");
    }
}
