//! Equivalent-circuit model of a cell under constant-power discharge:
//! V = OCV(SOC, T) − I·R0(T) − V_RC, dV_RC/dt = −V_RC/(R1·C1) + I/C1.
//!
//! The current for a power P solves P = I·(V′ − I·R0) with V′ = OCV − V_RC:
//! I = (V′ − √(V′² − 4·R0·P)) / (2·R0); when V′² < 4·R0·P the cell cannot
//! deliver P at all (power limit). The RC pair is integrated exactly over a
//! step with I held constant.

use backstop_model::catalog::CellResistance;

use crate::catalog::BatteryView;
use crate::num::interp_clamped;

/// Reference temperature of R0, K (25 °C).
pub const T_REF_K: f64 = 298.15;

/// A cell ready to simulate: curves shifted to the temperature, capacity
/// and resistance scaled for age.
#[derive(Debug, Clone, PartialEq)]
pub struct CellModel {
    /// SOC points, ascending 0…1.
    pub soc: Vec<f64>,
    /// OCV at each SOC point, V (already at the simulation temperature).
    pub ocv_v: Vec<f64>,
    /// Available capacity, Ah.
    pub capacity_ah: f64,
    /// Ohmic resistance, Ω.
    pub r0_ohm: f64,
    /// RC-pair resistance, Ω.
    pub r1_ohm: f64,
    /// RC-pair time constant, s.
    pub tau_s: f64,
}

/// Age and temperature the model is built for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellCondition {
    /// Cell temperature, °C.
    pub temp_c: f64,
    /// Capacity as a fraction of rated (temperature and state of health together).
    pub capacity_fraction: f64,
    /// Resistance growth factor (1 at beginning of life).
    pub resistance_factor: f64,
}

/// R0 at `temp_c` by the Arrhenius relation of the entry.
pub fn r0_at(r: &CellResistance, temp_c: f64) -> f64 {
    let t_k = (temp_c + 273.15).max(150.0);
    let f = (r.activation_k * (1.0 / t_k - 1.0 / T_REF_K)).exp();
    let f = if f.is_finite() { f.clamp(0.01, 100.0) } else { 1.0 };
    r.r0_mohm / 1000.0 * f
}

impl CellModel {
    /// Builds the model from a catalog entry (None without OCV/resistance data).
    pub fn from_view(view: &BatteryView<'_>, cond: CellCondition) -> Option<Self> {
        let ocv = view.b.ocv.as_ref()?;
        let r = view.b.resistance.as_ref()?;
        let shift = ocv.docv_dt_mv_per_k / 1000.0 * (cond.temp_c - 25.0);
        let rf = cond.resistance_factor.max(0.0);
        let r0 = r0_at(r, cond.temp_c) * rf;
        let scale = if r.r0_mohm > 0.0 { r0 / (r.r0_mohm / 1000.0) } else { rf };
        Some(CellModel {
            soc: ocv.soc.clone(),
            ocv_v: ocv.ocv_v.iter().map(|v| v + shift).collect(),
            capacity_ah: view.b.capacity_ah.value * cond.capacity_fraction.max(0.0),
            r0_ohm: r0,
            r1_ohm: r.r1_mohm / 1000.0 * scale,
            tau_s: r.tau_s,
        })
    }

    /// OCV at `soc` (clamped to the curve).
    pub fn ocv(&self, soc: f64) -> f64 {
        interp_clamped(&self.soc, &self.ocv_v, soc).unwrap_or(0.0)
    }
}

/// Why a simulated discharge ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Terminal voltage reached the cut-off.
    Cutoff,
    /// The cell could no longer deliver the power (V′² < 4·R0·P).
    PowerLimit,
    /// SOC reached zero.
    Empty,
    /// The time limit was reached first (runtime is at least that long).
    TimeLimit,
}

/// Options of one constant-power discharge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DischargeOptions {
    /// Power per cell, W.
    pub p_cell_w: f64,
    /// Cut-off voltage per cell, V.
    pub v_cut: f64,
    /// Time step, s.
    pub dt_s: f64,
    /// Stop after this long, s.
    pub t_max_s: f64,
    /// Record the terminal voltage when this time is reached, s.
    pub probe_s: Option<f64>,
    /// Keep a trace point every this many steps (0 = no trace).
    pub trace_every: usize,
    /// Initial SOC, fraction.
    pub soc0: f64,
}

/// One recorded point of a discharge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TracePoint {
    /// Time, s.
    pub t_s: f64,
    /// Terminal voltage per cell, V.
    pub v: f64,
    /// State of charge, fraction.
    pub soc: f64,
    /// Current per cell, A.
    pub i: f64,
}

/// Result of a discharge.
#[derive(Debug, Clone, PartialEq)]
pub struct Discharge {
    /// Time until the stop, s.
    pub runtime_s: f64,
    /// Why it stopped.
    pub reason: StopReason,
    /// Terminal voltage at `probe_s` (None if the discharge ended earlier).
    pub v_at_probe: Option<f64>,
    /// Highest current, A per cell.
    pub i_max: f64,
    /// Energy delivered, Wh per cell.
    pub energy_wh: f64,
    /// Heat in R0 and R1, Wh per cell.
    pub heat_wh: f64,
    /// SOC at the stop.
    pub soc_end: f64,
    /// Trace (if requested).
    pub trace: Vec<TracePoint>,
}

/// Simulates a constant-power discharge of one cell.
pub fn discharge(m: &CellModel, o: &DischargeOptions) -> Discharge {
    let dt = if o.dt_s.is_finite() && o.dt_s > 0.0 { o.dt_s } else { 1.0 };
    let t_max = if o.t_max_s.is_finite() && o.t_max_s > 0.0 { o.t_max_s.min(1e8) } else { 3600.0 };
    let p = if o.p_cell_w.is_finite() { o.p_cell_w.max(0.0) } else { 0.0 };
    let q_as = m.capacity_ah.max(0.0) * 3600.0;
    let decay = if m.tau_s > 0.0 && m.r1_ohm > 0.0 { (-dt / m.tau_s).exp() } else { 0.0 };
    let n = m.soc.len();
    let mut soc = o.soc0.clamp(0.0, 1.0);
    let mut v_rc = 0.0_f64;
    let mut t = 0.0_f64;
    let mut i_max = 0.0_f64;
    let mut energy = 0.0;
    let mut heat = 0.0;
    let mut v_at_probe = None;
    let mut trace = Vec::new();
    let mut prev_v: Option<f64> = None;
    // Cursor into the OCV table: SOC only falls, so the segment index only moves down.
    let mut k = if n >= 2 { m.soc.partition_point(|&s| s <= soc).clamp(1, n - 1) } else { 1 };
    let mut step = 0usize;
    let ocv_at = |k: &mut usize, soc: f64| -> f64 {
        if n < 2 {
            return m.ocv_v.first().copied().unwrap_or(0.0);
        }
        while *k > 1 && soc < m.soc[*k - 1] {
            *k -= 1;
        }
        let (s0, s1) = (m.soc[*k - 1], m.soc[*k]);
        let (v0, v1) = (m.ocv_v[*k - 1], m.ocv_v[*k]);
        if soc <= s0 {
            return v0;
        }
        if soc >= s1 {
            return v1;
        }
        v0 + (v1 - v0) * (soc - s0) / (s1 - s0)
    };
    if q_as <= 0.0 {
        return Discharge { runtime_s: 0.0, reason: StopReason::Empty, v_at_probe: None, i_max: 0.0, energy_wh: 0.0, heat_wh: 0.0, soc_end: soc, trace };
    }
    let reason = loop {
        if t >= t_max {
            break StopReason::TimeLimit;
        }
        let vp = ocv_at(&mut k, soc) - v_rc;
        let i = if p == 0.0 {
            0.0
        } else if m.r0_ohm > 1e-12 {
            let disc = vp * vp - 4.0 * m.r0_ohm * p;
            if disc < 0.0 || vp <= 0.0 {
                break StopReason::PowerLimit;
            }
            // Numerically stable root: I = 2P / (V′ + √disc).
            2.0 * p / (vp + disc.sqrt())
        } else {
            if vp <= 0.0 {
                break StopReason::PowerLimit;
            }
            p / vp
        };
        let v = vp - i * m.r0_ohm;
        if v < o.v_cut {
            // Interpolate the crossing inside the last step.
            if let Some(pv) = prev_v {
                if pv > v {
                    let frac = ((pv - o.v_cut) / (pv - v)).clamp(0.0, 1.0);
                    t = (t - dt + frac * dt).max(0.0);
                }
            }
            break StopReason::Cutoff;
        }
        if let Some(pr) = o.probe_s {
            if v_at_probe.is_none() && t >= pr {
                v_at_probe = Some(v);
            }
        }
        if o.trace_every > 0 && step % o.trace_every == 0 {
            trace.push(TracePoint { t_s: t, v, soc, i });
        }
        i_max = i_max.max(i);
        let dsoc = i * dt / q_as;
        if dsoc > soc {
            let frac = if dsoc > 0.0 { soc / dsoc } else { 0.0 };
            t += frac * dt;
            energy += v * i * frac * dt / 3600.0;
            soc = 0.0;
            break StopReason::Empty;
        }
        soc -= dsoc;
        energy += v * i * dt / 3600.0;
        heat += (i * i * m.r0_ohm + if m.r1_ohm > 0.0 { v_rc * v_rc / m.r1_ohm } else { 0.0 }) * dt / 3600.0;
        v_rc = v_rc * decay + i * m.r1_ohm * (1.0 - decay);
        prev_v = Some(v);
        t += dt;
        step += 1;
    };
    if o.trace_every > 0 {
        let v = ocv_at(&mut k, soc) - v_rc;
        trace.push(TracePoint { t_s: t, v: v.max(o.v_cut.min(v)), soc, i: 0.0 });
    }
    Discharge { runtime_s: t, reason, v_at_probe, i_max, energy_wh: energy, heat_wh: heat, soc_end: soc, trace }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(r0: f64) -> CellModel {
        CellModel { soc: vec![0.0, 1.0], ocv_v: vec![3.2, 3.2], capacity_ah: 100.0, r0_ohm: r0, r1_ohm: 0.0, tau_s: 0.0 }
    }

    #[test]
    fn ideal_cell_runs_for_energy_over_power() {
        // 3.2 V × 100 Ah = 320 Wh at 320 W → one hour.
        let d = discharge(&flat(0.0), &DischargeOptions { p_cell_w: 320.0, v_cut: 2.0, dt_s: 1.0, t_max_s: 10_000.0, probe_s: None, trace_every: 0, soc0: 1.0 });
        assert_eq!(d.reason, StopReason::Empty);
        assert!((d.runtime_s - 3600.0).abs() < 1.0, "{}", d.runtime_s);
        assert!((d.energy_wh - 320.0).abs() < 0.5);
    }

    #[test]
    fn resistance_gives_quadratic_current_and_power_limit() {
        let m = flat(0.01);
        let d = discharge(&m, &DischargeOptions { p_cell_w: 100.0, v_cut: 0.0, dt_s: 1.0, t_max_s: 2.0, probe_s: Some(0.0), trace_every: 1, soc0: 1.0 });
        let i = d.trace[0].i;
        assert!((i * (3.2 - i * 0.01) - 100.0).abs() < 1e-9);
        // V′²/(4R0) = 256 W is the most this cell can deliver.
        let d = discharge(&m, &DischargeOptions { p_cell_w: 257.0, v_cut: 0.0, dt_s: 1.0, t_max_s: 10.0, probe_s: None, trace_every: 0, soc0: 1.0 });
        assert_eq!(d.reason, StopReason::PowerLimit);
        assert_eq!(d.runtime_s, 0.0);
    }

    #[test]
    fn cutoff_is_interpolated_inside_the_step() {
        let m = CellModel { soc: vec![0.0, 1.0], ocv_v: vec![2.0, 4.0], capacity_ah: 1.0, r0_ohm: 0.0, r1_ohm: 0.0, tau_s: 0.0 };
        let coarse = discharge(&m, &DischargeOptions { p_cell_w: 3.0, v_cut: 3.0, dt_s: 10.0, t_max_s: 1e5, probe_s: None, trace_every: 0, soc0: 1.0 });
        let fine = discharge(&m, &DischargeOptions { p_cell_w: 3.0, v_cut: 3.0, dt_s: 0.1, t_max_s: 1e5, probe_s: None, trace_every: 0, soc0: 1.0 });
        assert_eq!(coarse.reason, StopReason::Cutoff);
        assert!((coarse.runtime_s - fine.runtime_s).abs() < 2.0, "{} vs {}", coarse.runtime_s, fine.runtime_s);
    }
}
