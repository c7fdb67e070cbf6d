//! Cross-checks of the sizing engine against NREL's PySAM BatteryStateful
//! (PyPI `nrel-pysam`) on identical parameters — optional: they run when
//! PySAM is importable and print "skipped: PySAM not installed" otherwise.
//!
//! The Python side lives in `crosscheck/` (JSON in, JSON out). The
//! interpreter is `$BACKSTOP_PYTHON`, else `<repo>/.venv/bin/python`, else
//! `python3`. Each test prints the agreement it measured; the numbers are
//! recorded in BENCHMARKS.md.
//!
//! What is compared:
//! 1. Constant-power discharge runtime of a 280 Ah LFP cell string (16S) to
//!    the cut-off, at 0.5C, 1C and 2C, with R0 = 0 (pure OCV/SOC
//!    bookkeeping) and R0 = 0.25 mΩ (PySAM driven at the exact
//!    constant-power current, since its own power mode sets I = P/OCV and
//!    delivers less than P when R0 > 0 — that mode is reported too).
//! 2. One year of 15-minute peak shaving: the SOC history of threshold
//!    dispatch, unserved energy, rainflow cycle count, and the first-year
//!    calendar and cycle fade, with PySAM's cycle table built from the same
//!    Wöhler curve and its calendar model given the same coefficients.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use backstop_model::sizing::{AgingModel, AgingModelKind};
use backstop_sizing::battery::EcmCell;
use backstop_sizing::ecm::{RunOptions, discharge};
use backstop_sizing::peak::{Aging, Dispatch, WalkParams, dispatch_year, life};
use backstop_sizing::rainflow;
use serde_json::{Value, json};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Python interpreter with PySAM, or None (with the skip message printed).
fn python() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("BACKSTOP_PYTHON") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(crate_dir().join("../../.venv/bin/python"));
    candidates.push(PathBuf::from("python3"));
    for c in candidates {
        let ok = Command::new(&c)
            .args(["-c", "import PySAM.BatteryStateful"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            return Some(c);
        }
    }
    eprintln!("skipped: PySAM not installed (pip install nrel-pysam into <repo>/.venv, or set BACKSTOP_PYTHON)");
    None
}

fn run(py: &Path, script: &str, input: &Value) -> Value {
    let mut child = Command::new(py)
        .arg(crate_dir().join("crosscheck").join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{script} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{script} printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// LFP OCV (PyBaMM Prada2013 points, 0 % at the 2.5 V cut-off) — the
/// same curve as the built-in 280 Ah cell entry.
const OCV_SOC: [f64; 8] = [0.0, 0.05, 0.10, 0.20, 0.50, 0.80, 0.90, 1.0];
const OCV_V: [f64; 8] = [2.50, 2.845, 3.002, 3.170, 3.265, 3.308, 3.312, 3.598];

#[test]
fn constant_power_runtime_agrees_with_pysam() {
    let Some(py) = python() else { return };
    let (q_ah, n_series, v_cut) = (280.0, 16u32, 2.8);
    let nominal_kw_1c = 3.2 * q_ah * n_series as f64 / 1000.0; // 14.336 kW
    println!("constant-power discharge, 280 Ah LFP 16S to {v_cut} V/cell, dt 1 s");
    println!("{:>6} {:>8} {:>12} {:>12} {:>9} {:>14} {:>9}", "C", "R0 mΩ", "Backstop s", "PySAM CP s", "Δ %", "PySAM P-mode s", "P ratio");
    for r0_mohm in [0.0, 0.25] {
        for c in [0.5, 1.0, 2.0] {
            let p_kw = nominal_kw_1c * c;
            let cell = EcmCell {
                q_ah,
                r0: r0_mohm / 1000.0,
                r1: 0.0,
                tau_s: 1.0,
                ocv: OCV_SOC.iter().zip(OCV_V.iter()).map(|(s, v)| [*s, *v]).collect(),
                v_cut,
            };
            let ours = discharge(
                &cell,
                p_kw * 1000.0 / n_series as f64,
                RunOptions { dt_s: 1.0, t_max_s: 4.0 * 3600.0, soc0: 1.0, window_s: 0.0, trace_every: 0 },
            );
            let mut input = json!({
                "ocv_soc": OCV_SOC, "ocv_v": OCV_V, "capacity_ah": q_ah, "r0_ohm": r0_mohm / 1000.0,
                "nominal_v": 3.2, "cells_series": n_series, "power_kw": p_kw, "v_cut": v_cut,
                "dt_s": 1.0, "t_max_s": 4.0 * 3600.0, "mode": "cp-current",
            });
            let cp = run(&py, "pysam_discharge.py", &input);
            input["mode"] = json!("power");
            let pm = run(&py, "pysam_discharge.py", &input);
            let theirs = cp["runtime_s"].as_f64().unwrap();
            let delta = (ours.runtime_s - theirs) / theirs * 100.0;
            println!(
                "{c:>6} {r0_mohm:>8} {:>12.1} {theirs:>12.1} {delta:>9.3} {:>14.1} {:>9.4}",
                ours.runtime_s,
                pm["runtime_s"].as_f64().unwrap(),
                pm["power_ratio"].as_f64().unwrap()
            );
            // Both interpolate the cut-off crossing inside the last 1 s step.
            assert!(
                delta.abs() < 0.05,
                "runtime differs by {delta:.3} % at {c}C, R0 {r0_mohm} mΩ: ours {} s, PySAM {theirs} s",
                ours.runtime_s
            );
            assert!((cp["power_ratio"].as_f64().unwrap() - 1.0).abs() < 2e-3, "PySAM did not hold constant power: {cp}");
            if r0_mohm == 0.0 {
                // With no resistance PySAM's own power mode is exact too.
                let pm_rt = pm["runtime_s"].as_f64().unwrap();
                assert!(((pm_rt - ours.runtime_s) / ours.runtime_s).abs() < 0.0025, "power mode {pm_rt} vs {}", ours.runtime_s);
            }
        }
    }
}

fn synthetic_year() -> Vec<f64> {
    // 15-minute data: seasonal base 800 ± 150 kW and an afternoon hump of
    // up to 500 kW (10:00–18:00) every day.
    (0..35_040)
        .map(|k| {
            let h = (k % 96) as f64 / 4.0;
            let day = (k / 96) as f64;
            let base = 800.0 + 150.0 * (2.0 * std::f64::consts::PI * day / 365.0).sin();
            let hump = if (10.0..=18.0).contains(&h) { 500.0 * (std::f64::consts::PI * (h - 10.0) / 8.0).sin().max(0.0) } else { 0.0 };
            base + hump
        })
        .collect()
}

#[test]
fn a_year_of_peak_shaving_agrees_with_pysam() {
    let Some(py) = python() else { return };
    let load = synthetic_year();
    let (threshold, p_max, p_chg) = (1150.0, 800.0, 500.0);
    let (n_series, strings, q_ah) = (416u32, 5u32, 280.0);
    let capacity_kwh = 3.2 * q_ah * (n_series * strings) as f64 / 1000.0;
    // PySAM's life model is the SAM form: compare that model (the default
    // governing model is BLAST-Lite LFP).
    let aging = AgingModel { model: AgingModelKind::SamParametric, ..AgingModel::default() };
    // PySAM's cycle table from the same Wöhler curve: capacity falls
    // linearly to SOH_rated at N(DoD) = N_ref·(DoD/DoD_ref)^−m.
    let mut matrix = Vec::new();
    for dod in [10.0f64, 20.0, 40.0, 60.0, 80.0, 100.0] {
        let n = aging.cycles_to_eol * (dod / 100.0 / aging.cycle_ref_dod).powf(-aging.dod_exponent);
        for (cycles, cap) in [(0.0, 100.0), (n, 100.0 * aging.cycle_eol_soh), (2.0 * n, 100.0 * (2.0 * aging.cycle_eol_soh - 1.0))] {
            matrix.push(json!([dod, cycles, cap]));
        }
    }
    let input = json!({
        // (Almost) flat OCV and no resistance: charge and energy states
        // coincide (to 3e-5; PySAM refuses two identical table voltages),
        // so both tools walk the same energy balance.
        "ocv_soc": [0.0, 1.0], "ocv_v": [3.1999, 3.2001], "capacity_ah": q_ah, "r0_ohm": 0.0,
        "nominal_v": 3.2, "cells_series": n_series, "strings": strings, "temp_c": 25.0,
        "soc_min": 0.05, "soc_max": 0.95, "initial_soc": 0.95,
        "calendar": {"q0": aging.calendar_q0, "a": aging.calendar_a, "b": aging.calendar_b, "c": aging.calendar_c},
        "cycling_matrix": matrix,
        "load_kw": load, "dt_hr": 0.25, "threshold_kw": threshold, "p_max_kw": p_max, "p_charge_kw": p_chg,
        "return_soc": true,
    });
    // Run A without degradation: the dispatch bookkeeping must match step
    // by step. Run B with PySAM's life model: its capacity fades within the
    // year (ours is held for the year and updated at year end), so SOC then
    // drifts apart by design; only the fade is compared.
    let mut no_aging = input.clone();
    no_aging["calendar"] = Value::Null;
    no_aging["cycling_matrix"] = Value::Null;
    let plain = run(&py, "pysam_peak.py", &no_aging);
    let theirs = run(&py, "pysam_peak.py", &input);
    let walk = WalkParams { threshold_kw: threshold, eta_dis: 1.0, eta_chg: 1.0, max_charge_kw: Some(p_chg) };
    let bat = Dispatch { capacity_kwh, soc_min: 0.05, soc_max: 0.95, power_kw: p_max, charge_kw: p_chg };
    let ours = dispatch_year(&load, 0.25, &walk, &bat, 0.95);
    let their_soc: Vec<f64> = plain["soc"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() / 100.0).collect();
    assert_eq!(their_soc.len(), ours.soc.len());
    let max_dev = ours.soc.iter().zip(&their_soc).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    let our_min = ours.soc.iter().copied().fold(f64::INFINITY, f64::min);
    let their_min = plain["soc_min"].as_f64().unwrap() / 100.0;
    let our_cycles: f64 = rainflow::count_cycles(&ours.soc).iter().map(|c| c.count).sum();
    let their_cycles = plain["n_cycles"].as_f64().unwrap();
    let (years, _) = life(&load, 0.25, &walk, &bat, &Aging { model: &aging, temp_c: 25.0 }, 1);
    let y1 = &years[0];
    let their_cal = 1.0 - theirs["q_relative_calendar"].as_f64().unwrap() / 100.0;
    let their_cyc = 1.0 - theirs["q_relative_cycle"].as_f64().unwrap() / 100.0;
    let their_soh = theirs["q_relative"].as_f64().unwrap() / 100.0;
    println!("one year of peak shaving, 35,040 × 15 min, {capacity_kwh:.1} kWh, T {threshold} kW");
    println!("  SOC history: max |Δ| {:.2e} (fraction); min SOC ours {our_min:.4}, PySAM {their_min:.4}", max_dev);
    println!("  unserved kWh: ours {:.3}, PySAM {:.3}", ours.unserved_kwh, plain["unserved_kwh"].as_f64().unwrap());
    println!("  rainflow cycles: ours {our_cycles:.1}, PySAM {their_cycles:.0}");
    println!("  calendar loss year 1: ours {:.5}, PySAM {their_cal:.5}", y1.calendar_loss);
    println!("  cycle loss year 1: ours {:.5}, PySAM {their_cyc:.5}", y1.cycle_loss);
    println!("  SOH end of year 1: ours {:.5}, PySAM {their_soh:.5}", y1.soh_end);
    println!("  PySAM wall time {:.3} s (with life model)", theirs["wall_s"].as_f64().unwrap());
    assert!(max_dev < 1e-4, "SOC histories differ by {max_dev}");
    assert!((our_min - their_min).abs() < 1e-4);
    assert!((ours.unserved_kwh - plain["unserved_kwh"].as_f64().unwrap()).abs() < 1.0);
    assert!((our_cycles - their_cycles).abs() <= 2.0, "cycles {our_cycles} vs {their_cycles}");
    // Calendar: same coefficients; PySAM integrates k(SOC) step by step,
    // we use the year's mean SOC — convexity of exp(c·SOC/T) makes ours a
    // little smaller. Cycle: same Wöhler curve, PySAM reads its table at the
    // mean cycle depth.
    assert!((y1.calendar_loss - their_cal).abs() < 0.005, "calendar {} vs {their_cal}", y1.calendar_loss);
    assert!((y1.cycle_loss - their_cyc).abs() < 0.002, "cycle {} vs {their_cyc}", y1.cycle_loss);
    assert!((y1.soh_end - their_soh).abs() < 0.006, "SOH {} vs {their_soh}", y1.soh_end);
}
