//! First-order equivalent-circuit (Thevenin) simulation of a constant-power
//! discharge: V = OCV(SOC) − I·R0 − V_RC, dV_RC/dt = −V_RC/(R1·C1) + I/C1.
//! At each step the current for power P solves P = I·(V′ − I·R0) with
//! V′ = OCV − V_RC: I = (V′ − √(V′² − 4·R0·P)) / (2·R0); when V′² < 4·R0·P
//! the cell cannot deliver P (power limit). The RC branch is integrated
//! exactly for a constant current over the step.

use crate::battery::EcmCell;
use crate::num::interp_clamped;

/// Why a discharge ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Terminal voltage reached the cut-off.
    Cutoff,
    /// The cell could not deliver the power (V′² < 4·R0·P).
    PowerLimit,
    /// State of charge reached zero.
    Empty,
    /// Simulated up to the time limit without ending.
    TimeLimit,
}

/// Options of one run.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Time step, s.
    pub dt_s: f64,
    /// Longest time simulated, s.
    pub t_max_s: f64,
    /// Initial state of charge.
    pub soc0: f64,
    /// Window for the minimum voltage / maximum current statistics, s.
    pub window_s: f64,
    /// Keep a trace (every `trace_every` steps).
    pub trace_every: usize,
}

/// One sample of a trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Time, s.
    pub t_s: f64,
    /// Terminal voltage per cell, V.
    pub v: f64,
    /// Current per cell position, A.
    pub i: f64,
    /// State of charge.
    pub soc: f64,
}

/// Result of one constant-power discharge.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Time until the end, s (`t_max_s` on [`Stop::TimeLimit`]).
    pub runtime_s: f64,
    /// Why it ended.
    pub stop: Stop,
    /// Lowest terminal voltage within the window, V/cell.
    pub v_min_window: f64,
    /// Highest current within the window, A.
    pub i_max_window: f64,
    /// Joule heat in R0 and R1 over the window, J per cell.
    pub heat_j_window: f64,
    /// Trace, when requested.
    pub trace: Vec<Sample>,
}

/// Simulates a constant-power discharge of `p_w` watts per cell.
pub fn discharge(cell: &EcmCell, p_w: f64, opt: RunOptions) -> Run {
    let dt = if opt.dt_s.is_finite() && opt.dt_s > 0.0 { opt.dt_s } else { 1.0 };
    let t_max = if opt.t_max_s.is_finite() && opt.t_max_s > 0.0 { opt.t_max_s } else { 3600.0 };
    let p = if p_w.is_finite() { p_w.max(0.0) } else { 0.0 };
    let q_as = cell.q_ah * 3600.0;
    let decay = (-dt / cell.tau_s).exp();
    let mut soc = opt.soc0.clamp(0.0, 1.0);
    let mut v_rc = 0.0;
    let mut t = 0.0;
    let mut prev_v: Option<f64> = None;
    let mut v_min = f64::INFINITY;
    let mut i_max: f64 = 0.0;
    let mut heat = 0.0;
    let mut trace = Vec::new();
    let mut step: usize = 0;
    let ocv_pts = &cell.ocv;
    loop {
        let ocv = interp_clamped(ocv_pts, soc).unwrap_or(0.0);
        let vp = ocv - v_rc;
        let i = if cell.r0 > 1e-12 {
            let disc = vp * vp - 4.0 * cell.r0 * p;
            if disc < 0.0 || vp <= 0.0 {
                return finish(t, Stop::PowerLimit, v_min, i_max, heat, trace);
            }
            (vp - disc.sqrt()) / (2.0 * cell.r0)
        } else if vp > 0.0 {
            p / vp
        } else {
            return finish(t, Stop::PowerLimit, v_min, i_max, heat, trace);
        };
        let v = vp - i * cell.r0;
        if opt.trace_every > 0 && step.is_multiple_of(opt.trace_every) {
            trace.push(Sample { t_s: t, v, i, soc });
        }
        if v < cell.v_cut {
            let rt = match prev_v {
                Some(pv) if pv > v => (t - dt + dt * (pv - cell.v_cut) / (pv - v)).max(0.0),
                _ => t,
            };
            if opt.trace_every > 0 {
                trace.push(Sample { t_s: rt, v: cell.v_cut, i, soc });
            }
            return finish(rt, Stop::Cutoff, v_min, i_max, heat, trace);
        }
        if t < opt.window_s {
            v_min = v_min.min(v);
            i_max = i_max.max(i);
            let p_r1 = if cell.r1 > 1e-12 { v_rc * v_rc / cell.r1 } else { 0.0 };
            heat += (i * i * cell.r0 + p_r1) * dt;
        }
        if t >= t_max {
            return finish(t_max, Stop::TimeLimit, v_min, i_max, heat, trace);
        }
        soc -= i * dt / q_as;
        v_rc = v_rc * decay + cell.r1 * i * (1.0 - decay);
        prev_v = Some(v);
        t += dt;
        step += 1;
        if soc <= 0.0 {
            return finish(t, Stop::Empty, v_min, i_max, heat, trace);
        }
    }
}

fn finish(t: f64, stop: Stop, v_min: f64, i_max: f64, heat: f64, trace: Vec<Sample>) -> Run {
    Run { runtime_s: t, stop, v_min_window: if v_min.is_finite() { v_min } else { 0.0 }, i_max_window: i_max, heat_j_window: heat, trace }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell() -> EcmCell {
        EcmCell {
            q_ah: 100.0,
            r0: 0.001,
            r1: 0.0005,
            tau_s: 30.0,
            ocv: vec![[0.0, 2.6], [0.1, 3.0], [0.2, 3.17], [0.5, 3.265], [0.9, 3.31], [1.0, 3.5]],
            v_cut: 2.5,
        }
    }

    #[test]
    fn energy_balance_at_low_power() {
        // At a low rate, runtime ≈ usable energy / power.
        let c = cell();
        let opt = RunOptions { dt_s: 1.0, t_max_s: 1e7, soc0: 1.0, window_s: 0.0, trace_every: 0 };
        let r = discharge(&c, 32.0, opt);
        assert!(matches!(r.stop, Stop::Cutoff | Stop::Empty));
        // Energy under the OCV curve ≈ 100 Ah × ~3.2 V = 320 Wh → ~10 h at 32 W.
        let h = r.runtime_s / 3600.0;
        assert!(h > 9.0 && h < 10.6, "{h}");
    }

    #[test]
    fn power_limit_is_reported() {
        let c = cell();
        let opt = RunOptions { dt_s: 1.0, t_max_s: 1e5, soc0: 1.0, window_s: 0.0, trace_every: 0 };
        // V′²/(4 R0) = 3.5²/0.004 ≈ 3 kW: 5 kW cannot be delivered.
        let r = discharge(&c, 5000.0, opt);
        assert_eq!(r.stop, Stop::PowerLimit);
        assert_eq!(r.runtime_s, 0.0);
    }

    #[test]
    fn more_power_less_runtime() {
        let c = cell();
        let opt = RunOptions { dt_s: 1.0, t_max_s: 1e6, soc0: 1.0, window_s: 0.0, trace_every: 0 };
        let mut last = f64::INFINITY;
        for p in [50.0, 100.0, 200.0, 400.0, 800.0] {
            let r = discharge(&c, p, opt);
            assert!(r.runtime_s < last);
            last = r.runtime_s;
        }
    }
}
