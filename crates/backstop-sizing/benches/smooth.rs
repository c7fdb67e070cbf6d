//! Benchmark of power smoothing (issue 15), side by side with a plain
//! Python/numpy loop of the same controller in the same run.
//!
//! Workloads and targets (issue 15, Performance):
//! - closed-form sizing (the known-answer formulas: Marcos et al. PV ramp,
//!   job start, square swing full and first-order, supercapacitor cells) < 1 ms;
//! - one day at 100 ms (864,000 steps) simulated with rainflow and all
//!   requirement checks (every preset's requirements) < 50 ms;
//! - the band-amplitude check of that day < 30 ms;
//! - a year at 1 s (31,536,000 steps) simulated with rainflow and all checks < 2 s;
//! - a 100-point ramp-limit sweep on the one-day trace < 5 s.
//!
//! Also timed: the whole `size_smooth` of the one-day case (sizing run,
//! verification at end of life, checks, life, band amplitudes, sweep, sheet),
//! the engine's share of a chart redraw in the app.
//!
//! The Python peer (`crosscheck/smooth_bench.py`, `<repo>/.venv/bin/python`
//! with numpy, installed by `scripts/setup --test`) runs the same ramp
//! limiter on the same one-day load, sent over stdin, as a Python loop over
//! a numpy array, and the ramp check with numpy; both report the storage's
//! power and energy, which must agree. Without the peer the table says so.
//!
//! Run: `cargo bench -p backstop-sizing --bench smooth`.

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backstop_model::sizing_smooth::{RampSweep, Requirement, SmoothBattery, SmoothCase, SmoothController, SmoothStart, SyntheticProfile};
use backstop_sizing::smooth::sim::{Ctrl, Device, Extremes, Plant, Sample, Sink, State, run};
use backstop_sizing::smooth::{band_amplitudes, check_all, check_one, closed, life, presets, ramp_sweep, synth};
use backstop_sizing::{default_catalog, size_smooth};

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

/// The site of the example case: 20 MW base + an 80 MW job swinging every
/// 2 s (60 % compute, low phase at 30 %), hourly checkpoints, four failures a day.
fn profile(duration_s: f64, dt_s: f64) -> SyntheticProfile {
    SyntheticProfile { duration_s, dt_s, failures_per_day: 4.0, ..SyntheticProfile::default() }
}

/// Every preset's requirements (ERCOT, CAISO, IESO, AESO, LIPA, PV 10 %/min).
fn all_requirements() -> Vec<Requirement> {
    presets::presets().into_iter().flat_map(|p| p.requirements).collect()
}

/// The verification sink: grid power kept for the checks, rainflow on the battery's SOC.
struct Collect {
    grid: Vec<f64>,
    rf: life::Rainflow,
    cap_mj: f64,
}

impl Sink for Collect {
    #[inline(always)]
    fn push(&mut self, _: usize, s: &Sample) {
        self.grid.push(s.g);
        self.rf.push(s.eb / self.cap_mj);
    }
}

/// A 90 % round-trip battery of 20 MWh (72,000 MJ) with a 0.2 s response
/// and a 900 s SOC restore under a ramp limiter at 19 MW/min.
fn plant(dt: f64) -> Plant {
    let bat = Device {
        gamma: Device::lag(0.2, dt),
        eta: 0.9_f64.sqrt(),
        rc_s: 0.0,
        restore: 1.0 / 900.0,
        e_rest: 36_000.0,
        ff: 1.0,
        limits: None,
    };
    Plant { dt, ctrl: Ctrl::Ramp { step: 19.0 / 60.0 * dt }, bat: Some(bat), sc: None, split: 0.0 }
}

/// Simulation with rainflow, then every requirement checked: (grid, cycles counted).
fn simulate_and_check(load: &[f64], dt: f64, reqs: &[Requirement], peak: f64) -> (usize, f64) {
    let p = plant(dt);
    let mut st = State::steady(&p, load[0]);
    let mut c = Collect { grid: Vec::with_capacity(load.len()), rf: life::Rainflow::new(2.03), cap_mj: 72_000.0 };
    run(&p, &mut st, load, &mut c);
    c.rf.finish();
    let evaluated = black_box(check_all(reqs, load, &c.grid, dt, peak, false)).len();
    (evaluated, c.rf.cycles)
}

fn day_case() -> SmoothCase {
    SmoothCase {
        name: "bench".into(),
        synthetic: Some(profile(86_400.0, 0.1)),
        presets: vec!["ieso".into(), "ercot".into()],
        controller: SmoothController::RampLimiter { ramp_mw_per_min: Some(17.0) },
        start: SmoothStart::Steady,
        battery: Some(SmoothBattery { restore_s: 900.0, ..SmoothBattery::default() }),
        sweep: Some(RampSweep { from_mw_per_min: 5.0, to_mw_per_min: 60.0, steps: 12 }),
        ..SmoothCase::default()
    }
}

fn main() {
    let day = synth::generate(&profile(86_400.0, 0.1)).trace;
    let load = day.mw.clone();
    let dt = day.dt_s;
    let peak = load.iter().cloned().fold(f64::MIN, f64::max);
    let reqs = all_requirements();

    // Closed forms: the eight known-answer formulas.
    let t_closed = median_time(2001, || {
        for _ in 0..1000 {
            let r = black_box(0.1 / 60.0);
            black_box(closed::marcos_energy_mj(black_box(1.0), r, 30.0));
            black_box(closed::marcos_power_mw(black_box(1.0), r, 30.0));
            black_box(closed::step_held(black_box(100.0), 20.0 / 60.0, 0.0));
            black_box(closed::square_full(black_box(100.0), 2.0, 0.5));
            for tau in [0.5, 2.0, 10.0] {
                black_box(closed::square_first_order(black_box(100.0), 2.0, 0.5, tau));
            }
            black_box(closed::supercap_cells(black_box(50.0), 50.0, 3016.6, 8748.0, 0.5));
        }
    }) / 1000;

    let mut counted = (0, 0.0);
    let t_day = median_time(11, || counted = black_box(simulate_and_check(&load, dt, &reqs, peak)));
    let p = plant(dt);
    let mut c = Collect { grid: Vec::new(), rf: life::Rainflow::new(2.03), cap_mj: 72_000.0 };
    let t_sim = median_time(11, || {
        let mut st = State::steady(&p, load[0]);
        c = Collect { grid: Vec::with_capacity(load.len()), rf: life::Rainflow::new(2.03), cap_mj: 72_000.0 };
        run(&p, &mut st, &load, &mut c);
        c.rf.finish();
    });
    let t_checks: Vec<(String, Duration)> = reqs
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                median_time(5, || {
                    black_box(check_one(r, &load, &c.grid, dt, peak, false));
                }),
            )
        })
        .collect();
    let t_bands = median_time(11, || {
        black_box(band_amplitudes(&load, &c.grid, dt));
    });
    let case = day_case();
    let t_sweep = median_time(3, || {
        let rates: Vec<f64> = (0..100).map(|k| 2.0 + k as f64).collect();
        black_box(ramp_sweep(&case, &load, dt, &rates));
    });
    let t_case = median_time(5, || {
        black_box(size_smooth(&case, None, default_catalog()));
    });
    // The app's new case over a day (battery + supercapacitor bank), staged
    // as the editor asks for it: the first part, and the whole.
    let mut app_case = backstop_sizing::defaults::smooth_case("bench", default_catalog());
    if let Some(p) = app_case.synthetic.as_mut() {
        p.duration_s = 86_400.0;
    }
    let mut firsts = Vec::new();
    let t_app = median_time(5, || {
        let t0 = Instant::now();
        black_box(backstop_sizing::smooth::size_smooth_staged(
            &app_case,
            None,
            default_catalog(),
            None,
            |r| {
                black_box(r);
                firsts.push(t0.elapsed());
            },
            &|| true,
        ));
    });
    firsts.sort();
    let t_app_first = firsts[firsts.len() / 2];
    // The same, after an edit that leaves the profile as it was (the app
    // keeps the last profile's trace).
    let kept = backstop_sizing::smooth::synth::ProfileCache::default();
    let mut kept_firsts = Vec::new();
    median_time(5, || {
        let t0 = Instant::now();
        black_box(backstop_sizing::smooth::size_smooth_staged(
            &app_case,
            None,
            default_catalog(),
            Some(&kept),
            |r| {
                black_box(r);
                kept_firsts.push(t0.elapsed());
            },
            &|| true,
        ));
    });
    // The first run generated the trace; the others reused it.
    kept_firsts.remove(0);
    kept_firsts.sort();
    let t_app_kept = kept_firsts[kept_firsts.len() / 2];
    // The same, each run after an edit of the job's power (as the e2e test
    // types it): the kept shape is scaled instead of the day generated.
    let mut scaled_firsts = Vec::new();
    let mut job = 0;
    median_time(6, || {
        let mut c = app_case.clone();
        if let Some(p) = c.synthetic.as_mut() {
            p.job_mw = [70.0, 75.0, 80.0, 85.0, 90.0, 95.0][job % 6];
        }
        job += 1;
        let t0 = Instant::now();
        black_box(backstop_sizing::smooth::size_smooth_staged(
            &c,
            None,
            default_catalog(),
            Some(&kept),
            |r| {
                black_box(r);
                scaled_firsts.push(t0.elapsed());
            },
            &|| true,
        ));
    });
    scaled_firsts.sort();
    let t_app_scaled = scaled_firsts[scaled_firsts.len() / 2];
    let year = synth::generate(&profile(365.0 * 86_400.0, 1.0)).trace.mw;
    let peak_y = year.iter().cloned().fold(f64::MIN, f64::max);
    let t_year = median_time(3, || {
        black_box(simulate_and_check(&year, 1.0, &reqs, peak_y));
    });
    drop(year);

    // The peer's controller in Rust: the ramp limiter with an ideal battery, no restore.
    let ideal = Plant {
        dt,
        ctrl: Ctrl::Ramp { step: 19.0 / 60.0 * dt },
        bat: Some(Device { gamma: 1.0, eta: 1.0, rc_s: 0.0, restore: 0.0, e_rest: 0.0, ff: 0.0, limits: None }),
        sc: None,
        split: 0.0,
    };
    let mut ex = Extremes::new(0.0, 0.0);
    let t_loop = median_time(11, || {
        let mut st = State::steady(&ideal, load[0]);
        ex = Extremes::new(0.0, 0.0);
        run(&ideal, &mut st, &load, &mut ex);
        black_box(&ex);
    });
    let rust_mwh = (ex.eb.0 - ex.eb.1) / 3600.0;
    let py = run_python(&load, dt, 19.0);

    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1e3);
    println!("\n## Power smoothing (issue 15), side by side with a Python/numpy loop\n");
    println!(
        "Command: `cargo bench -p backstop-sizing --bench smooth` (release; medians of repeated runs in one process). Load: the synthetic training site of `examples/sizing/smoothing-training.toml` (20 MW base + 80 MW job, 2 s iterations, hourly checkpoints, 4 failures a day, seed 1), {} samples at {} s. Checks: all {} preset requirements ({} evaluated). Rainflow cycles counted in the day: {:.0}.\n",
        load.len(),
        dt,
        reqs.len(),
        counted.0,
        counted.1
    );
    println!("| workload | Backstop (Rust) | target | Python/numpy peer |");
    println!("|---|---|---|---|");
    let (py_loop, py_check) = match &py {
        Ok(v) => (
            format!(
                "{:.0} ms (Python {}, numpy {})",
                v["loop_s"].as_f64().unwrap_or(f64::NAN) * 1e3,
                v["python"].as_str().unwrap_or("?"),
                v["numpy"].as_str().unwrap_or("?")
            ),
            format!("{:.1} ms", v["ramp_check_s"].as_f64().unwrap_or(f64::NAN) * 1e3),
        ),
        Err(e) => (format!("not run: {e}"), "—".into()),
    };
    println!("| closed-form sizing (8 formulas) | {:.3} µs | < 1 ms | — |", t_closed.as_secs_f64() * 1e6);
    println!("| ramp limiter + ideal battery, one day at 100 ms (the peer's loop) | {} | — | {py_loop} |", ms(t_loop));
    println!(
        "| one day at 100 ms: simulation (0.2 s lag, 90 % RTE, SOC restore) + rainflow + all requirement checks | {} | < 50 ms | ramp check alone with numpy: {py_check} |",
        ms(t_day)
    );
    println!("| … of which simulation + rainflow | {} | — | — |", ms(t_sim));
    for (id, t) in &t_checks {
        println!("| … of which check `{id}` (load and grid) | {} | — | — |", ms(*t));
    }
    println!("| band-amplitude check of that day (load and grid) | {} | < 30 ms | — |", ms(t_bands));
    println!("| a year at 1 s (31,536,000 steps): simulation + rainflow + all checks | {} | < 2 s | — |", ms(t_year));
    println!("| 100-point ramp-limit sweep on the one-day trace | {} | < 5 s | — |", ms(t_sweep));
    println!(
        "| whole case (`size_smooth`, one day at 100 ms, 12-point sweep, sheet) | {} | engine share of < 150 ms redraw | — |",
        ms(t_case)
    );
    println!(
        "| the app's new case over a day (battery + supercapacitor bank, 12-point sweep), first part: all but the trade-off curve | {} | engine share of < 150 ms redraw | — |",
        ms(t_app_first)
    );
    println!("| … the whole, trade-off curve included (its runs after the first part, on one thread) | {} | — | — |", ms(t_app));
    println!(
        "| … first part after an edit that leaves the profile as it was (battery, controller, requirements; the trace kept) | {} | — | — |",
        ms(t_app_kept)
    );
    println!("| … first part after an edit of the job's power (the profile's shape kept and scaled) | {} | — | — |", ms(t_app_scaled));
    match &py {
        Ok(v) => {
            let pm = v["usable_mwh"].as_f64().unwrap_or(f64::NAN);
            let pd = v["discharge_mw"].as_f64().unwrap_or(f64::NAN);
            println!(
                "\nAgreement on the peer's loop: usable energy Rust {rust_mwh:.6} MWh, Python {pm:.6} MWh; highest discharge Rust {:.6} MW, Python {pd:.6} MW.",
                ex.pb.0
            );
            assert!((rust_mwh - pm).abs() <= 1e-6 * rust_mwh.abs().max(1.0), "the peer disagrees on energy");
            assert!((ex.pb.0 - pd).abs() <= 1e-6 * pd.abs().max(1.0), "the peer disagrees on power");
        }
        Err(e) => println!("\nPython peer not run: {e}"),
    }
}

fn run_python(load: &[f64], dt: f64, r: f64) -> Result<serde_json::Value, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let py = root.join(".venv/bin/python");
    if !py.exists() {
        return Err("no <repo>/.venv/bin/python (scripts/setup --test installs numpy there)".into());
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crosscheck/smooth_bench.py");
    let mut child = Command::new(&py)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start python: {e}"))?;
    {
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let head = serde_json::json!({ "n": load.len(), "dt_s": dt, "ramp_mw_per_min": r, "check_window_s": 60.0 });
        let mut bytes = format!("{head}\n").into_bytes();
        for v in load {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        stdin.write_all(&bytes).map_err(|e| format!("writing to python: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("python: {e}"))?;
    if !out.status.success() {
        return Err(format!("python failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("python output: {e}"))
}
