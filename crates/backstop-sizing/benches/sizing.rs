//! Benchmarks of the sizing engine, side by side with PySAM in the same run.
//!
//! Workloads (targets from issue 4):
//! - a 10-minute constant-power discharge at 1 s steps (< 2 ms);
//! - a year of 15-minute peak shaving with aging (< 10 ms);
//! - an optimizer run over ≥ 10,000 candidate configurations (< 1 s).
//!
//! After criterion's runs, the same workloads are timed with PySAM's
//! BatteryStateful (`crosscheck/pysam_bench.py` via `<repo>/.venv/bin/python`)
//! and a markdown table for BENCHMARKS.md is printed. Without PySAM the
//! table says so. Run: `cargo bench -p backstop-sizing --bench sizing`.

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backstop_model::sizing::{AgingModel, DcBus, EcmOptions, LoadSpec, Objective, OptimizeOptions, PeakCase, Redundancy, UpsCase};
use backstop_sizing::battery::EcmCell;
use backstop_sizing::ecm::{RunOptions, discharge};
use backstop_sizing::{default_catalog, optimize_ups, parse_profile, size_peak, size_ups};
use criterion::Criterion;

const OCV_SOC: [f64; 8] = [0.0, 0.05, 0.10, 0.20, 0.50, 0.80, 0.90, 1.0];
const OCV_V: [f64; 8] = [2.60, 2.845, 3.002, 3.170, 3.265, 3.308, 3.312, 3.598];

/// LF280K-like cell: 280 Ah, R0 0.25 mΩ, no RC (PySAM's table model has none).
fn cell() -> EcmCell {
    EcmCell { q_ah: 280.0, r0: 0.00025, r1: 0.0, tau_s: 1.0, ocv: OCV_SOC.iter().zip(OCV_V).map(|(s, v)| [*s, v]).collect(), v_cut: 2.8 }
}

/// A 16S pack at 1C (14.3 kW): per cell 896 W for 600 s of 1 s steps.
const PACK_KW: f64 = 14.336;
const CELLS: f64 = 16.0;

fn year_profile() -> backstop_sizing::LoadProfile {
    let mut s = String::from("timestamp,load_kW\n");
    let days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (m, &n) in days.iter().enumerate() {
        for d in 1..=n {
            for q in 0..96 {
                let h = q / 4;
                let kw = if (17..19).contains(&h) { 1300.0 } else { 1000.0 } + 20.0 * ((d * 96 + q) as f64 * 0.37).sin();
                s.push_str(&format!("2025-{:02}-{:02} {:02}:{:02},{kw:.2}\n", m + 1, d, h, (q % 4) * 15));
            }
        }
    }
    parse_profile(&s).unwrap_or_else(|e| panic!("bench profile: {:?}", e.first()))
}

fn peak_case() -> PeakCase {
    PeakCase {
        name: "bench".into(),
        threshold_kw: Some(1150.0),
        sweep: None,
        pcs_efficiency: 1.0,
        charge_efficiency: 1.0,
        discharge_efficiency: 1.0,
        soc_min: 0.05,
        soc_max: 0.95,
        eol_soh: 0.8,
        max_charge_kw: None,
        project_years: 1,
        battery_temp_c: 25.0,
        battery_key: None,
        pcs_key: None,
        aging: AgingModel::default(),
    }
}

fn ups_case() -> UpsCase {
    UpsCase {
        name: "bench".into(),
        load: LoadSpec::PerRack { kw_per_rack: 40.0, racks: 10 },
        growth_margin: 0.1,
        ups_efficiency: 0.96,
        ups_key: None,
        runtime_min: 10.0,
        dc_bus: DcBus { v_max: 600.0, v_min: 400.0, cells_in_series: None, float_v_cell: None },
        ambient_c: 20.0,
        design_margin: 1.1,
        aging_factor: 1.25,
        temperature_factor: None,
        redundancy: Redundancy::NPlus1,
        battery_key: String::new(),
        methods: vec![],
        duty_cycle: None,
        ecm: EcmOptions::default(),
        curve_load_fractions: vec![],
    }
}

fn opt_options() -> OptimizeOptions {
    OptimizeOptions { objective: Objective::Cost, keep: 5, max_strings: 256, ..OptimizeOptions::default() }
}

fn median_time(n: usize, mut f: impl FnMut()) -> Duration {
    let mut v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[n / 2]
}

fn main() {
    let profile = year_profile();
    let kw = profile.kw.clone();
    let cell = cell();
    let p_cell = PACK_KW * 1000.0 / CELLS;
    let opts = RunOptions { dt_s: 1.0, t_max_s: 600.0, soc0: 1.0, window_s: 600.0, trace_every: 0 };
    let case = peak_case();
    let ups = ups_case();
    let oo = opt_options();
    let evaluated = optimize_ups(&ups, default_catalog(), &oo).candidates_evaluated;

    let mut c = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4)).configure_from_args();
    c.bench_function("ecm_discharge_10min_1s_steps", |b| b.iter(|| discharge(black_box(&cell), black_box(p_cell), opts)));
    c.bench_function("peak_shaving_year_15min_with_aging", |b| {
        b.iter(|| size_peak(black_box(&case), black_box(&profile), default_catalog()))
    });
    let mut ui_case = ups.clone();
    ui_case.battery_key = "lfp-ups-cabinet-512v100".into();
    c.bench_function("ups_case_three_methods_with_curves", |b| b.iter(|| size_ups(black_box(&ui_case), default_catalog())));
    c.bench_function(&format!("optimizer_{evaluated}_candidates"), |b| b.iter(|| optimize_ups(black_box(&ups), default_catalog(), &oo)));
    c.final_summary();

    // Side by side, same process, same parameters.
    let t_dis = median_time(200, || {
        black_box(discharge(&cell, p_cell, opts));
    });
    let t_peak = median_time(30, || {
        black_box(size_peak(&case, &profile, default_catalog()));
    });
    let t_opt = median_time(10, || {
        black_box(optimize_ups(&ups, default_catalog(), &oo));
    });
    let t_ups = median_time(30, || {
        black_box(size_ups(&ui_case, default_catalog()));
    });
    let pysam = run_pysam(&kw);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("\n## Sizing engine (backstop-sizing)\n");
    println!(
        "Command: `cargo bench -p backstop-sizing --bench sizing` (release, criterion; medians below from the same run). PySAM: `nrel-pysam` BatteryStateful in `<repo>/.venv`, timed by `crates/backstop-sizing/crosscheck/pysam_bench.py` on the same parameters.\n"
    );
    println!("| workload | Backstop (median) | target | PySAM BatteryStateful (median, stepping only) | PySAM incl. set-up |");
    println!("|---|---|---|---|---|");
    let (pd, pds, pp, pps) = match &pysam {
        Ok(v) => (
            format!("{:.1} ms", v["discharge"]["median_s"].as_f64().unwrap_or(f64::NAN) * 1e3),
            format!("{:.1} ms", v["discharge"]["median_with_setup_s"].as_f64().unwrap_or(f64::NAN) * 1e3),
            format!("{:.1} ms", v["peak"]["median_s"].as_f64().unwrap_or(f64::NAN) * 1e3),
            format!("{:.1} ms", v["peak"]["median_with_setup_s"].as_f64().unwrap_or(f64::NAN) * 1e3),
        ),
        Err(e) => (format!("n/a ({e})"), "n/a".into(), "n/a".into(), "n/a".into()),
    };
    println!("| 10-min constant-power discharge, 1 s steps (600 steps, 16S LFP, 1C) | {:.3} ms | < 2 ms | {pd} | {pds} |", ms(t_dis));
    println!(
        "| a year of 15-min peak shaving with aging (35,040 steps: walk + dispatch + rainflow + calendar/cycle fade + sheet) | {:.2} ms | < 10 ms | {pp} (dispatch + life model) | {pps} |",
        ms(t_peak)
    );
    println!(
        "| a UPS case recomputed: 3 methods, ECM sizing search + BOL/EOL runs + 2 × 16-point runtime-vs-load curves + sheet (LFP cabinet, 458 kW, 10 min) | {:.2} ms | < 100 ms (keystroke to chart, engine share) | — | — |",
        ms(t_ups)
    );
    println!("| optimizer, {evaluated} candidate configurations (default catalog, ≤ 256 strings) | {:.1} ms | < 1 s | — | — |", ms(t_opt));
    if let Ok(v) = &pysam {
        println!("\nPySAM version: {}", v["pysam_version"].as_str().unwrap_or("?"));
    }
}

fn run_pysam(kw: &[f64]) -> Result<serde_json::Value, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let py = root.join(".venv/bin/python");
    if !py.exists() {
        return Err("PySAM not installed: no <repo>/.venv/bin/python".into());
    }
    let battery = serde_json::json!({
        "ocv_soc": OCV_SOC, "ocv_v": OCV_V, "capacity_ah": 280.0, "r0_ohm": 0.00025, "nominal_v": 3.2,
        "cells_series": 16, "temp_c": 25.0,
    });
    let mut dis = battery.clone();
    dis["power_kw"] = PACK_KW.into();
    dis["v_cut"] = 2.8.into();
    dis["dt_s"] = 1.0.into();
    dis["t_max_s"] = 600.0.into();
    let mut peak = battery;
    // 416S5P of 280 Ah (1,864 kWh) for a 1,150 kW threshold.
    peak["cells_series"] = 416.into();
    peak["strings"] = 5.into();
    peak["soc_min"] = 0.05.into();
    peak["soc_max"] = 0.95.into();
    peak["dt_hr"] = 0.25.into();
    peak["threshold_kw"] = 1150.0.into();
    peak["p_max_kw"] = 800.0.into();
    peak["p_charge_kw"] = 500.0.into();
    peak["load_kw"] = kw.into();
    peak["calendar"] = serde_json::json!({"q0": 0.999, "a": 0.0033143, "b": -3191.0, "c": 389.7});
    let input = serde_json::json!({ "discharge": dis, "peak": peak, "repeats": 5 });
    let mut child = Command::new(&py)
        .arg(root.join("crates/backstop-sizing/crosscheck/pysam_bench.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start python: {e}"))?;
    child.stdin.take().ok_or("no stdin")?.write_all(input.to_string().as_bytes()).map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("PySAM bench failed: {}", err.lines().last().unwrap_or("")));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("PySAM output: {e}"))
}
