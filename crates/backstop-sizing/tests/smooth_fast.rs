//! The fast paths of the smoothing checks against the plain ones on random
//! and synthetic traces: load and grid filtered side by side, the checks
//! and the sweep shared among threads, the band amplitudes fused — all must
//! give exactly the results of one requirement, one series, one rate at a time.

use backstop_model::sizing_smooth::{Requirement, SmoothBattery, SmoothCase, SmoothController, SmoothStart, SyntheticProfile};
use backstop_sizing::smooth::checks::{Band, peak_abs};
use backstop_sizing::smooth::synth::{self, Rng};
use backstop_sizing::smooth::{band_amplitudes, check_all, check_one, evaluate, evaluate_pair, presets, ramp_point, ramp_sweep, resolve};

fn all_requirements() -> Vec<Requirement> {
    presets::presets().into_iter().flat_map(|p| p.requirements).collect()
}

/// A load and a smoother "grid" with steps, plateaus and noise.
fn traces(seed: u64, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let (mut v, mut g) = (50.0, 50.0);
    let mut load = Vec::with_capacity(n);
    let mut grid = Vec::with_capacity(n);
    for _ in 0..n {
        let u = rng.uniform();
        if u < 0.05 {
            v = 20.0 + 80.0 * rng.uniform();
        } else if u < 0.7 {
            v += rng.normal();
        }
        g += (v - g) * 0.05;
        load.push(v);
        grid.push(if u < 0.01 { g + 3.0 * rng.normal() } else { g });
    }
    (load, grid)
}

#[test]
fn paired_and_threaded_checks_equal_one_series_at_a_time() {
    let reqs = all_requirements();
    for (seed, n, dt) in [(1u64, 20_000usize, 0.1), (2, 3_000, 0.01), (3, 7_000, 1.0), (4, 40, 0.1)] {
        let (load, grid) = traces(seed, n);
        let peak = load.iter().cloned().fold(f64::MIN, f64::max);
        for periodic in [false, true] {
            for r in &reqs {
                if let Ok((res, _)) = resolve(r, dt, n, peak) {
                    let want = (evaluate(&res, &load, dt, periodic), evaluate(&res, &grid, dt, periodic));
                    assert_eq!(evaluate_pair(&res, &load, &grid, dt, periodic), want, "{} seed {seed} periodic {periodic}", r.id);
                }
            }
            let one: Vec<_> = reqs.iter().map(|r| check_one(r, &load, &grid, dt, peak, periodic)).collect();
            assert_eq!(check_all(&reqs, &load, &grid, dt, peak, periodic), one, "seed {seed}");
        }
        // Band amplitudes: the fused filters against each series streamed alone.
        let fs = 1.0 / dt;
        let (a, b) = band_amplitudes(&load, &grid, dt);
        assert_eq!(a.len(), b.len());
        for band in [Band { f_low: 0.01, f_high: Some(0.1) }, Band { f_low: 0.2, f_high: None }] {
            if Band::at(band.f_low, band.f_high.unwrap_or(1e9), fs).is_none() {
                continue;
            }
            let want = (peak_abs(band.stream(&load, fs, &[]), 17), peak_abs(band.stream(&grid, fs, &[]), 17));
            assert_eq!(backstop_sizing::smooth::checks::band_peak2(&band, fs, &load, &grid, 17), want);
        }
        // Every band in one pass against each band and series streamed alone.
        let bands: Vec<(Band, usize)> = [[0.001, 0.01], [0.01, 0.1], [0.1, 1.0], [1.0, 10.0], [10.0, 100.0]]
            .iter()
            .enumerate()
            .filter_map(|(k, &[lo, hi])| Band::at(lo, hi, fs).map(|b| (b, (k * 37) % 500)))
            .collect();
        let want: Vec<(f64, f64)> = bands
            .iter()
            .map(|(band, skip)| (peak_abs(band.stream(&load, fs, &[]), *skip), peak_abs(band.stream(&grid, fs, &[]), *skip)))
            .collect();
        assert_eq!(backstop_sizing::smooth::checks::band_peaks2(&bands, fs, &load, &grid), want, "seed {seed}");
        assert!(a.iter().zip(&b).all(|(x, y)| x[0] == y[0]));
    }
}

#[test]
fn the_threaded_sweep_equals_one_rate_at_a_time() {
    let p = SyntheticProfile { duration_s: 3_600.0, dt_s: 0.1, failures_per_day: 24.0, ..SyntheticProfile::default() };
    let load = synth::generate(&p).trace.mw;
    for start in [SmoothStart::Steady, SmoothStart::Periodic] {
        let case = SmoothCase {
            name: "sweep".into(),
            controller: SmoothController::RampLimiter { ramp_mw_per_min: Some(17.0) },
            start,
            battery: Some(SmoothBattery { restore_s: 900.0, ..SmoothBattery::default() }),
            ..SmoothCase::default()
        };
        let rates: Vec<f64> = (0..7).map(|k| 3.0 + 7.5 * k as f64).collect();
        let one: Vec<_> = rates.iter().map(|&r| ramp_point(&case, &load, 0.1, r)).collect();
        assert_eq!(ramp_sweep(&case, &load, 0.1, &rates), one);
    }
}
