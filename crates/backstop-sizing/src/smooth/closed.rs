//! Closed forms for smoothing storage, used beside the simulation (on the
//! calculation sheet) and as its validation.
//!
//! - **Worst-case exponential fall** (Marcos, Storkel, Marroyo, García,
//!   Lorenzo, "Storage requirements for PV power ramp-rate control", Solar
//!   Energy 99 (2014) 28–35): output falls 90 % of P* as
//!   P*·(0.1 + 0.9·e^(−t/τ)) while the grid may fall at r (pu/s):
//!   E_min = P*·(0.9²/(2r) − 0.9·τ) (valid when 0.9/(r·τ) ≫ 1) and
//!   P_max = P*·(0.9 − r·τ·(1 + ln(0.9/(r·τ)))) (where d/dt of the fall
//!   equals −r).
//! - **Load step held to a ramp** (the same triangle, the load's own rise
//!   linear over t_r): E = ΔP²/(2r) − ΔP·t_r/2, P = ΔP − r·t_r, for
//!   r·t_r < ΔP.
//! - **Square swing, full smoothing** (peak-to-peak A, period T, compute
//!   duty D): the storage gives A·(1 − D) for D·T and takes A·D for
//!   (1 − D)·T: E = A·D·(1 − D)·T, one cycle per period.
//! - **First-order filter on a square swing** (time constant τ_f): in the
//!   periodic steady state the grid swings by
//!   ΔG = A·(1 − e^(−DT/τ))·(1 − e^(−(1−D)T/τ)) ÷ (1 − e^(−T/τ)),
//!   which is A·tanh(T/(4τ)) at D = ½; the storage's energy range is τ·ΔG
//!   (the high phase's ∫(L − G) = τ·(G_end − G_start)), and the grid's
//!   steepest slope (L − G)/τ at a switch.
//! - **Supercapacitor cells** for power and energy ([`supercap_cells`]).

/// Marcos et al. (2014): minimum energy, MW·s (MJ), for plant power `p_mw`,
/// ramp limit `r` in pu/s and fall time constant `tau_s`.
pub fn marcos_energy_mj(p_mw: f64, r: f64, tau_s: f64) -> f64 {
    p_mw * (0.9 * 0.9 / (2.0 * r) - 0.9 * tau_s)
}

/// Marcos et al. (2014): highest battery power, MW.
pub fn marcos_power_mw(p_mw: f64, r: f64, tau_s: f64) -> f64 {
    let rt = r * tau_s;
    if !(rt > 0.0) || rt >= 0.9 {
        return 0.0;
    }
    p_mw * (0.9 - rt * (1.0 + (0.9 / rt).ln()))
}

/// A load step `dp_mw` (rising linearly over `t_ramp_s`) held to `r_mw_per_s`:
/// (energy MJ, highest power MW, duration s of the storage's support).
pub fn step_held(dp_mw: f64, r_mw_per_s: f64, t_ramp_s: f64) -> (f64, f64, f64) {
    let dp = dp_mw.abs();
    if !(r_mw_per_s > 0.0) || r_mw_per_s * t_ramp_s >= dp {
        return (0.0, 0.0, 0.0);
    }
    (dp * dp / (2.0 * r_mw_per_s) - dp * t_ramp_s / 2.0, dp - r_mw_per_s * t_ramp_s, dp / r_mw_per_s)
}

/// Square swing of peak-to-peak `a_mw`, period `t_s`, high-phase share
/// `d`, fully smoothed: (energy MJ, discharge MW, charge MW).
pub fn square_full(a_mw: f64, t_s: f64, d: f64) -> (f64, f64, f64) {
    (a_mw * d * (1.0 - d) * t_s, a_mw * (1.0 - d), a_mw * d)
}

/// First-order filter (τ_f = `tau_s`) on that swing, periodic steady
/// state: (grid peak-to-peak MW, storage energy range MJ, steepest grid
/// slope MW/s).
pub fn square_first_order(a_mw: f64, t_s: f64, d: f64, tau_s: f64) -> (f64, f64, f64) {
    if !(tau_s > 0.0) {
        return (a_mw, 0.0, f64::INFINITY);
    }
    let e_hi = (-d * t_s / tau_s).exp();
    let e_lo = (-(1.0 - d) * t_s / tau_s).exp();
    let den = 1.0 - e_hi * e_lo;
    if !(den > 0.0) {
        return (0.0, 0.0, 0.0);
    }
    // Grid at the end of the high phase (g2) and of the low phase (g1), relative to the low level.
    let g2 = a_mw * (1.0 - e_hi) / den;
    let g1 = g2 * e_lo;
    let pp = g2 - g1;
    (pp, tau_s * pp, ((a_mw - g1).max(g2)) / tau_s)
}

/// Supercapacitor cells for power `p_mw` and usable energy `e_mj`: (for
/// power, for energy). `cell_w`: usable power of a cell at rated voltage
/// (0.12·V²/ESR), W; `cell_full_j`: its energy at rated voltage (end of
/// life), J; `v_min`: lowest voltage used, fraction of rated.
///
/// The usable power falls with V², that is with the energy stored; resting
/// so that the swing's top reaches rated voltage, its bottom is at
/// 1 − E ÷ (n·e_full) of full energy, and n cells give
/// n·p_cell·(1 − E ÷ (n·e_full)) there: n_P = P ÷ p_cell + E ÷ e_full.
/// The swing fits the window when n_E = E ÷ (e_full·(1 − v_min²)).
pub fn supercap_cells(p_mw: f64, e_mj: f64, cell_w: f64, cell_full_j: f64, v_min: f64) -> (f64, f64) {
    let e_j = e_mj * 1e6;
    (p_mw * 1e6 / cell_w + e_j / cell_full_j, e_j / (cell_full_j * (1.0 - v_min * v_min)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known answers of `../shared/notes/power-smoothing.md` §8 (copied into
    /// tests/smoothing.rs with their sources).
    #[test]
    fn closed_forms_give_the_known_answers() {
        // M1: 1 MW, 10 %/min, τ = 30 s → 60.000 kWh, 0.7055 MW.
        let r = 0.1 / 60.0;
        assert!((marcos_energy_mj(1.0, r, 30.0) / 3.6 - 60.0).abs() < 1e-9);
        assert!((marcos_power_mw(1.0, r, 30.0) - 0.7055).abs() < 5e-5, "{}", marcos_power_mw(1.0, r, 30.0));
        // S1: 100 MW step at 20 MW/min → 4.167 MWh over 300 s.
        let (e, p, t) = step_held(100.0, 20.0 / 60.0, 0.0);
        assert!((e / 3600.0 - 4.16667).abs() < 1e-5 && p == 100.0 && (t - 300.0).abs() < 1e-9);
        // W1: 100 MW p-p, 2 s, D = ½ → 13.89 kWh, ±50 MW.
        let (e, dis, chg) = square_full(100.0, 2.0, 0.5);
        assert!((e / 3.6 - 13.8889).abs() < 1e-4 && dis == 50.0 && chg == 50.0);
        // L1: 76.16 / 24.49 / 5.00 MW; 10.6 / 13.6 / 13.9 kWh; 176 / 31 / 5.2 MW/s.
        for (tau, pp, kwh, slope) in [(0.5, 76.16, 10.58, 176.2), (2.0, 24.49, 13.60, 31.1), (10.0, 5.00, 13.88, 5.25)] {
            let (g, e, s) = square_first_order(100.0, 2.0, 0.5, tau);
            assert!((g - pp).abs() < 0.01, "{tau}: {g}");
            assert!((g - 100.0 * (2.0 / (4.0 * tau)).tanh()).abs() < 1e-9);
            assert!((e / 3.6 - kwh).abs() < 0.01, "{tau}: {}", e / 3.6);
            assert!((s - slope).abs() < 0.1, "{tau}: {s}");
        }
    }

    #[test]
    fn degenerate_inputs_give_zero_not_nan() {
        assert_eq!(marcos_power_mw(1.0, 0.0, 30.0), 0.0);
        assert_eq!(step_held(10.0, 1.0, 20.0), (0.0, 0.0, 0.0));
        assert!(square_first_order(100.0, 2.0, 0.5, 0.0).1 == 0.0);
    }
}
