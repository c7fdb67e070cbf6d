//! Capacity-fade models for the peak-shaving life calculation.
//!
//! Three models, chosen by [`AgingModelKind`]; all run on the same SOC
//! history so the sheet can show the spread between them:
//!
//! - **SAM-form parametric** (the case's [`AgingModel`] parameters):
//!   calendar q = q0 − k(T, SOC)·√days in the form of NREL SAM's lithium-ion
//!   life model (LFP defaults), plus a Wöhler cycle curve from the cell
//!   datasheet applied to rainflow-counted cycles (ASTM E1049).
//! - **BLAST-Lite LFP/Gr 250 Ah prismatic** and **BLAST-Lite NMC111/Gr
//!   75 Ah (Kokam)**: the equations and fitted coefficients of NREL's
//!   BLAST-Lite models `lfp_gr_250AhPrismatic_2019` and
//!   `nmc111_gr_Kokam75Ah_2017` (BLAST-Lite 1.1, Paul Gasper et al., NREL;
//!   LFP data: Gasper et al., J. Energy Storage 2023,
//!   doi:10.1016/j.est.2023.109042; NMC: Smith et al., American Control
//!   Conference 2017). BLAST-Lite is Copyright (c) 2023, Alliance for
//!   Sustainable Energy, LLC, distributed under the BSD 3-Clause licence;
//!   the equations below are re-implemented from its published model
//!   definitions, with its coefficients.
//!
//! BLAST-Lite's stressors are taken per day (its default breakpoint: one
//! day or one equivalent full cycle): time, equivalent full cycles
//! (Σ|ΔSOC| ÷ 2, in nameplate terms), depth of discharge (max − min SOC),
//! mean C-rate (|ΔSOC| per hour, ignoring rates below 0.01 h⁻¹), mean SOC,
//! and the time-average of the calendar rate's anode-potential term. The
//! states integrate the models' trajectories exactly between breakpoints:
//! a power-law state y = k·x^p advances as y ← k·((y ÷ k)^(1/p) + Δx)^p, a
//! sigmoid state y = y∞·tanh((k·x)^p ÷ 2) likewise through its inverse —
//! the continuous form of BLAST-Lite's state equations.

use backstop_model::sizing::{AgingModel, AgingModelKind};

use crate::rainflow::Cycle;

/// Coefficients of BLAST-Lite `lfp_gr_250AhPrismatic_2019` (capacity fade).
mod lfp {
    pub const P1: f64 = 8.37e4;
    pub const P2: f64 = -5.21e3;
    pub const P3: f64 = -3.56e3;
    pub const PCAL: f64 = 0.526;
    pub const P4: f64 = 4.38e-8;
    pub const P5: f64 = 1.55e-8;
    pub const P6: f64 = 1.68e-7;
    pub const P7: f64 = 2.19e3;
    pub const P8: f64 = 1.55e5;
    pub const PCYC: f64 = 0.828;
}

/// Coefficients of BLAST-Lite `nmc111_gr_Kokam75Ah_2017` (capacity fade).
mod nmc {
    pub const Q1_0: f64 = 2.66e7;
    pub const Q1_1: f64 = -17.8;
    pub const Q1_2: f64 = -5.21;
    pub const Q2: f64 = 0.357;
    pub const Q3_0: f64 = 3.80e3;
    pub const Q3_1: f64 = -18.4;
    pub const Q3_2: f64 = 1.04;
    pub const Q4: f64 = 0.778;
    pub const Q5_0: f64 = 1e4;
    pub const Q5_1: f64 = 153.0;
    pub const P_LAM: f64 = 10.0;
    /// Initial loss of active material (BLAST-Lite's state initialisation).
    pub const LAM0: f64 = 1e-8;
}

/// Cycling temperatures each BLAST-Lite fit was tested over, °C (outside
/// them its authors expect poor extrapolation of the cycle fade).
pub fn tested_temperatures(kind: AgingModelKind) -> Option<(f64, f64)> {
    match kind {
        AgingModelKind::BlastLiteLfp => Some((10.0, 45.0)),
        AgingModelKind::BlastLiteNmc => Some((0.0, 45.0)),
        AgingModelKind::SamParametric => None,
    }
}

/// Graphite anode potential against lithium, V, versus SOC (Safari and
/// Delacourt, J. Electrochem. Soc. 158(5) A562, 2011; lithiation fraction
/// 0.0085 + SOC × (0.78 − 0.0085) after Schimpe et al. 2018), as BLAST-Lite
/// estimates it for any cell.
pub fn anode_potential(soc: f64) -> f64 {
    let xa = 8.5e-3 + soc * (0.78 - 8.5e-3);
    0.6379 + 0.5416 * (-305.5309 * xa).exp() + 0.044 * (-(xa - 0.1958) / 0.1088).tanh()
        - 0.1978 * ((xa - 1.0571) / 0.0854).tanh()
        - 0.6875 * ((xa + 0.0117) / 0.0529).tanh()
        - 0.0175 * ((xa - 0.5692) / 0.0875).tanh()
}

const GRID: usize = 128;

/// [`anode_potential`] on the SOC grid (computed once; it does not depend
/// on temperature).
fn anode_grid() -> &'static [f64; GRID + 1] {
    static UA: std::sync::OnceLock<[f64; GRID + 1]> = std::sync::OnceLock::new();
    UA.get_or_init(|| std::array::from_fn(|i| anode_potential(i as f64 / GRID as f64)))
}

/// The SOC-dependent calendar terms of both BLAST-Lite models at one
/// temperature, tabulated on a SOC grid (linear interpolation between
/// points: the day averages cost an interpolation per sample, not an exp).
#[derive(Debug, Clone)]
pub struct CalendarTerms {
    lfp: Vec<f64>,
    nmc: Vec<f64>,
}

impl CalendarTerms {
    /// The terms at `temp_c`: exp(p3·Ua ÷ T) (LFP) and exp(q1_2·(Ua ÷ 0.123) ÷ (T ÷ 308.15)) (NMC).
    pub fn at(temp_c: f64) -> Self {
        let tk = temp_c + 273.15;
        let tn = tk / 308.15;
        let (mut l, mut n) = (Vec::with_capacity(GRID + 1), Vec::with_capacity(GRID + 1));
        for &ua in anode_grid() {
            l.push((lfp::P3 * ua / tk).exp());
            n.push((nmc::Q1_2 * (ua / 0.123) / tn).exp());
        }
        CalendarTerms { lfp: l, nmc: n }
    }

    #[inline]
    fn both(&self, soc: f64) -> (f64, f64) {
        let x = if soc.is_finite() { soc.clamp(0.0, 1.0) * GRID as f64 } else { 0.0 };
        let i = (x as usize).min(GRID - 1);
        let f = x - i as f64;
        let (l0, l1, n0, n1) = (self.lfp[i], self.lfp[i + 1], self.nmc[i], self.nmc[i + 1]);
        (l0 + (l1 - l0) * f, n0 + (n1 - n0) * f)
    }
}

/// The stressors of one day of SOC history (a breakpoint of BLAST-Lite).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DayStress {
    /// Length, days (the last chunk of a profile may be shorter).
    pub days: f64,
    /// Σ|ΔSOC| ÷ 2 (SOC of the capacity the dispatch saw).
    pub efc: f64,
    /// max − min SOC.
    pub dod: f64,
    /// Mean |ΔSOC| per hour, steps slower than 0.01 h⁻¹ counted as rest.
    pub c_rate: f64,
    /// Mean SOC.
    pub mean_soc: f64,
    /// Time-average of exp(p3·Ua ÷ T) (BLAST-Lite LFP calendar term).
    pub ua_lfp: f64,
    /// Time-average of exp(q1_2·UaN ÷ TN) (BLAST-Lite NMC calendar term).
    pub ua_nmc: f64,
}

/// Accumulates the stressors of consecutive days from SOC samples as they
/// are made (the dispatch feeds it in its own loop). Runs of equal SOC (an
/// idle battery) cost a comparison each and are folded in at the next change.
#[derive(Debug, Clone)]
pub struct DayAcc {
    per_day: usize,
    dt_h: f64,
    rest: f64,
    prev: f64,
    g: (f64, f64),
    same: usize,
    travel: f64,
    moving: f64,
    sum: f64,
    lo: f64,
    hi: f64,
    gl: f64,
    gn: f64,
    /// The days measured so far.
    pub days: Vec<DayStress>,
}

impl DayAcc {
    /// Days of `dt_h`-hour steps starting from SOC `soc0`; `len` samples expected.
    pub fn new(dt_h: f64, soc0: f64, terms: &CalendarTerms, len: usize) -> Self {
        let per_day = if dt_h > 0.0 { ((24.0 / dt_h).round() as usize).max(1) } else { 1 };
        DayAcc {
            per_day,
            dt_h,
            rest: 0.01 * dt_h,
            prev: soc0,
            g: terms.both(soc0),
            same: 0,
            travel: 0.0,
            moving: 0.0,
            sum: 0.0,
            lo: soc0,
            hi: soc0,
            gl: 0.0,
            gn: 0.0,
            days: Vec::with_capacity(len / per_day + 1),
        }
    }

    /// Samples per day.
    pub fn per_day(&self) -> usize {
        self.per_day
    }

    /// `xs` in days (the caller pushes each chunk's samples, then closes it).
    pub fn chunks<'x, T>(&self, xs: &'x [T]) -> std::slice::Chunks<'x, T> {
        xs.chunks(self.per_day)
    }

    /// The next sample of the current day.
    #[inline(always)]
    pub fn push(&mut self, s: f64, terms: &CalendarTerms) {
        if s == self.prev {
            self.same += 1;
            return;
        }
        self.fold();
        let d = (s - self.prev).abs();
        self.travel += d;
        if d >= self.rest {
            self.moving += d;
        }
        self.prev = s;
        self.sum += s;
        self.lo = self.lo.min(s);
        self.hi = self.hi.max(s);
        self.g = terms.both(s);
        self.gl += self.g.0;
        self.gn += self.g.1;
    }

    #[inline(always)]
    fn fold(&mut self) {
        let k = self.same as f64;
        self.sum += self.prev * k;
        self.gl += self.g.0 * k;
        self.gn += self.g.1 * k;
        self.same = 0;
    }

    /// Ends the current day of `len` samples.
    pub fn close(&mut self, len: usize) {
        if len == 0 {
            return;
        }
        self.fold();
        let n = len as f64;
        let hours = n * self.dt_h;
        self.days.push(DayStress {
            days: hours / 24.0,
            efc: self.travel / 2.0,
            dod: self.hi - self.lo,
            c_rate: if hours > 0.0 { self.moving / hours } else { 0.0 },
            mean_soc: self.sum / n,
            ua_lfp: self.gl / n,
            ua_nmc: self.gn / n,
        });
        self.travel = 0.0;
        self.moving = 0.0;
        self.sum = 0.0;
        self.lo = self.prev;
        self.hi = self.prev;
        self.gl = 0.0;
        self.gn = 0.0;
    }
}

/// Splits a SOC history of `dt_h`-hour steps into days and measures each
/// day's stressors; `soc0` is the SOC before the first step.
pub fn day_stresses(soc: &[f64], dt_h: f64, soc0: f64, terms: &CalendarTerms) -> Vec<DayStress> {
    let mut acc = DayAcc::new(dt_h, soc0, terms, soc.len());
    for chunk in acc.chunks(soc) {
        for &s in chunk {
            acc.push(s, terms);
        }
        acc.close(chunk.len());
    }
    acc.days
}

/// One year of use, as the models read it.
#[derive(Debug, Clone, Copy)]
pub struct YearStress<'a> {
    /// The profile's days (repeated to fill a year when shorter).
    pub days: &'a [DayStress],
    /// Rainflow cycles of the profile's SOC history (SAM-form model).
    pub cycles: &'a [Cycle],
    /// Mean SOC of the profile.
    pub mean_soc: f64,
    /// Years of use per pass of the profile (365 ÷ profile days).
    pub scale: f64,
    /// Capacity the dispatch saw, as a fraction of nameplate: converts the
    /// SOC travel into nameplate equivalent full cycles and C-rate.
    pub throughput_soh: f64,
}

/// The state of one degradation model.
///
/// BLAST-Lite's power-law states y = k·x^p are held as Y = y^(1/p), which
/// grows by k^(1/p)·Δx whatever k does between breakpoints (the exact
/// solution of its state equation dy = k·p·(y ÷ k)^((p−1)/p)·dx); its
/// sigmoid state y = y∞·tanh((k·x)^p ÷ 2) is held as W = (2·atanh(y ÷ y∞))^(1/p),
/// which grows by k·Δx.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelState {
    /// The model.
    pub kind: AgingModelKind,
    /// Time-dependent loss (SAM: the √t term; BLAST: Y of the calendar / LLI_t state).
    cal: f64,
    /// Throughput-dependent loss (SAM: cycle damage; BLAST: Y of qLoss_EFC / LLI_EFC).
    cyc: f64,
    /// W of the loss of active material (BLAST NMC).
    lam: f64,
}

/// x^c for x > 0 (0 otherwise), as exp(c·ln x).
#[inline]
fn pow_pos(x: f64, c: f64) -> f64 {
    if x > 0.0 { (c * x.ln()).exp() } else { 0.0 }
}

/// Y of BLAST-Lite NMC's initial active-material loss (1e-8).
fn lam0_w() -> f64 {
    pow_pos(2.0 * nmc::LAM0.atanh(), 1.0 / nmc::P_LAM)
}

impl ModelState {
    /// A new battery.
    pub fn new(kind: AgingModelKind) -> Self {
        ModelState { kind, cal: 0.0, cyc: 0.0, lam: if kind == AgingModelKind::BlastLiteNmc { lam0_w() } else { 0.0 } }
    }

    /// (time-dependent loss, throughput-dependent loss, active-material loss).
    fn losses(&self) -> (f64, f64, f64) {
        match self.kind {
            AgingModelKind::SamParametric => (self.cal, self.cyc, 0.0),
            AgingModelKind::BlastLiteLfp => (pow_pos(self.cal, lfp::PCAL), pow_pos(self.cyc, lfp::PCYC), 0.0),
            AgingModelKind::BlastLiteNmc => {
                (pow_pos(self.cal, nmc::Q2), pow_pos(self.cyc, nmc::Q4), (pow_pos(self.lam, nmc::P_LAM) / 2.0).tanh())
            }
        }
    }

    /// State of health (capacity ÷ nameplate).
    pub fn soh(&self, m: &AgingModel) -> f64 {
        let (cal, cyc, lam) = self.losses();
        match self.kind {
            AgingModelKind::SamParametric => m.calendar_q0.min(1.0) - cal - cyc,
            AgingModelKind::BlastLiteLfp => 1.0 - cal - cyc,
            AgingModelKind::BlastLiteNmc => (1.0 - cal - cyc).min(1.01 - lam),
        }
    }

    /// Cumulative calendar (time-dependent) loss.
    pub fn calendar_loss(&self, m: &AgingModel) -> f64 {
        let (cal, _, _) = self.losses();
        match self.kind {
            AgingModelKind::SamParametric => 1.0 - m.calendar_q0.min(1.0) + cal,
            _ => cal,
        }
    }

    /// Cumulative loss that is not calendar loss (cycling; for NMC also the
    /// loss of active material when it governs).
    pub fn cycle_loss(&self, m: &AgingModel) -> f64 {
        1.0 - self.soh(m) - self.calendar_loss(m)
    }

    /// Advances the state by one year of `y` at `temp_c`.
    pub fn advance_year(&mut self, m: &AgingModel, temp_c: f64, y: &YearStress<'_>) {
        let tk = temp_c + 273.15;
        match self.kind {
            AgingModelKind::SamParametric => {
                let a = crate::peak::Aging { model: m, temp_c };
                let damage: f64 = y.cycles.iter().map(|c| c.count * a.loss_per_cycle(c.range)).sum::<f64>() * y.scale;
                self.cyc += damage;
                let k = a.k_cal(y.mean_soc);
                self.cal = (self.cal * self.cal + k * k * 365.0).sqrt();
            }
            AgingModelKind::BlastLiteLfp => {
                // k^(1/p) = (constant part)^(1/p) × (day part)^(1/p).
                let cal_c = pow_pos(lfp::P1.abs() * (lfp::P2 / tk).exp(), 1.0 / lfp::PCAL);
                let cyc_t = (lfp::P7 / tk).exp() + (-lfp::P8 / tk).exp();
                let cyc_c = pow_pos(cyc_t, 1.0 / lfp::PCYC);
                let soh = y.throughput_soh;
                for_year(y.days, |d, f| {
                    self.cal += cal_c * pow_pos(d.ua_lfp, 1.0 / lfp::PCAL) * d.days * f;
                    let lin = lfp::P4 + lfp::P5 * d.dod + lfp::P6 * d.c_rate * soh;
                    self.cyc += cyc_c * pow_pos(lin, 1.0 / lfp::PCYC) * d.efc * f * soh;
                });
            }
            AgingModelKind::BlastLiteNmc => {
                let tn = tk / 308.15;
                let cal_c = pow_pos(nmc::Q1_0 * (nmc::Q1_1 / tn).exp(), 1.0 / nmc::Q2);
                let cyc_c = pow_pos(nmc::Q3_0 * (nmc::Q3_1 / tn).exp(), 1.0 / nmc::Q4);
                let soh = y.throughput_soh;
                for_year(y.days, |d, f| {
                    let efc = d.efc * f * soh;
                    self.cal += cal_c * pow_pos(d.ua_nmc, 1.0 / nmc::Q2) * d.days * f;
                    self.cyc += cyc_c * (nmc::Q3_2 * (d.dod * d.dod).exp() / nmc::Q4).exp() * efc;
                    // Below about 0 °C at deep cycles the fit's LAM half-life
                    // q5 is not positive: no active-material loss is accrued.
                    let q5 = nmc::Q5_0 + nmc::Q5_1 * (temp_c - 55.0) * d.dod * (d.mean_soc / 0.6);
                    if q5 > 0.0 {
                        self.lam += efc / q5;
                    }
                });
            }
        }
    }
}

/// Calls `step(day, fraction)` for the profile's days, repeated (and the
/// last one cut) to make 365 days.
fn for_year(days: &[DayStress], mut step: impl FnMut(&DayStress, f64)) {
    let total: f64 = days.iter().map(|d| d.days).sum();
    if !(total > 0.0) {
        return;
    }
    let mut left = 365.0_f64;
    while left > 1e-9 {
        for d in days {
            if !(d.days > 0.0) {
                continue;
            }
            let f = (left / d.days).min(1.0);
            step(d, f);
            left -= d.days * f;
            if left <= 1e-9 {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> AgingModel {
        AgingModel { model: AgingModelKind::BlastLiteLfp, ..AgingModel::default() }
    }

    /// Constant stressors: the held states give BLAST-Lite's closed-form
    /// trajectories y = k·t^p, whatever the breakpoints.
    #[test]
    fn states_follow_their_trajectories() {
        let terms = CalendarTerms::at(25.0);
        let day = DayStress { days: 1.0, efc: 0.5, dod: 0.5, c_rate: 0.05, mean_soc: 0.7, ua_lfp: 0.3, ua_nmc: 0.2 };
        let days = vec![day; 365];
        let y = YearStress { days: &days, cycles: &[], mean_soc: 0.7, scale: 1.0, throughput_soh: 1.0 };
        let mut st = ModelState::new(AgingModelKind::BlastLiteLfp);
        for _ in 0..10 {
            st.advance_year(&model(), 25.0, &y);
        }
        let tk = 298.15;
        let kcal = lfp::P1 * (lfp::P2 / tk).exp() * 0.3;
        let kcyc = (lfp::P4 + lfp::P5 * 0.5 + lfp::P6 * 0.05) * ((lfp::P7 / tk).exp() + (-lfp::P8 / tk).exp());
        let want = 1.0 - kcal * 3650f64.powf(lfp::PCAL) - kcyc * 1825f64.powf(lfp::PCYC);
        assert!((st.soh(&model()) - want).abs() < 1e-12, "{} {want}", st.soh(&model()));
        let _ = terms;
        // NMC's active-material sigmoid: y = tanh((k·x)^p ÷ 2) from its initial state.
        let mut n = ModelState::new(AgingModelKind::BlastLiteNmc);
        for _ in 0..10 {
            n.advance_year(&model(), 25.0, &y);
        }
        let q5 = nmc::Q5_0 + nmc::Q5_1 * (25.0 - 55.0) * 0.5 * (0.7 / 0.6);
        let w = (2.0 * nmc::LAM0.atanh()).powf(1.0 / nmc::P_LAM) + 1825.0 / q5;
        assert!((n.losses().2 - (w.powf(nmc::P_LAM) / 2.0).tanh()).abs() < 1e-15);
    }

    #[test]
    fn anode_potential_is_the_published_curve() {
        // Graphite: about 0.1 V near full, rising steeply towards empty.
        let full = anode_potential(1.0);
        let half = anode_potential(0.5);
        let empty = anode_potential(0.0);
        assert!(full > 0.05 && full < 0.12, "{full}");
        assert!(half > full && half < 0.2, "{half}");
        assert!(empty > 0.5, "{empty}");
    }

    #[test]
    fn days_are_measured() {
        let terms = CalendarTerms::at(25.0);
        // 24 hourly samples: 0.95 → 0.30 over 2 h, back over 4 h, idle.
        let mut soc = vec![0.95; 17];
        soc.extend([0.625, 0.30, 0.4625, 0.625, 0.7875, 0.95, 0.95]);
        let d = day_stresses(&soc, 1.0, 0.95, &terms);
        assert_eq!(d.len(), 1);
        assert!((d[0].efc - 0.65).abs() < 1e-12 && (d[0].dod - 0.65).abs() < 1e-12);
        assert!((d[0].c_rate - 1.3 / 24.0).abs() < 1e-12);
        assert!((d[0].days - 1.0).abs() < 1e-12);
    }
}
