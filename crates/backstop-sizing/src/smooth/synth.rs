//! A deterministic synthetic AI training load (same seed, same trace).
//!
//! The shape follows what the operators and vendors describe for
//! synchronous data-parallel training (arXiv 2508.14318, Microsoft, OpenAI
//! and NVIDIA, 2025; the Ko & Zhu generator, MIT licence, companion of
//! arXiv 2508.16457): every iteration the whole job swings between a
//! compute phase (GPUs at TDP) and a communication phase (near idle);
//! checkpoints hold the job at its low level; the job starts and stops as a
//! step or a ramp; failures drop it to idle until it restarts. Two GPU-side
//! mitigations can be applied: a power floor (the job never draws less
//! than a fraction of TDP while it runs, burning energy) and rack energy
//! storage (J per GPU, as in the GB300 NVL72 power shelves), which serves
//! the job's deviation from its running mean within its energy.
//!
//! Each sample is the average power over its interval: a phase switch
//! inside an interval counts in proportion to the time on each side, so a
//! square swing sampled at any interval keeps its energy.

use std::sync::{Arc, Mutex, PoisonError};

use backstop_model::sizing_smooth::{SyntheticProfile, SyntheticSummary};

use super::trace::PowerTrace;

/// SplitMix64 (Steele, Lea and Flood 2014): small, fast, and the same on
/// every platform.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
    spare: Option<f64>,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng { state: seed ^ 0x5851_f42d_4c95_7f2d, spare: None }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let (u1, u2) = (self.uniform(), self.uniform());
        let r = (-2.0 * u1.ln()).sqrt();
        let a = std::f64::consts::TAU * u2;
        self.spare = Some(r * a.sin());
        r * a.cos()
    }

    /// Exponential with mean `mean`.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.uniform().ln()
    }
}

/// How a run of the job ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum RunEnd {
    /// The planned stop (with its ramp).
    Stop,
    /// A failure (a step to idle).
    Failure,
    /// The end of the trace.
    TraceEnd,
}

/// One uninterrupted run of the job: [start, end).
#[derive(Debug, Clone, Copy)]
struct Run {
    start: f64,
    end: f64,
    how: RunEnd,
}

/// The runs of the job: start, failures (Poisson) with restarts, stop.
fn runs(p: &SyntheticProfile, rng: &mut Rng) -> Vec<Run> {
    let duration = p.duration_s;
    let stop = p.job_stop_s.map_or(f64::INFINITY, |s| s + p.stop_ramp_s);
    let mut out = Vec::new();
    let mut t = p.job_start_s;
    let mean_gap = if p.failures_per_day > 0.0 { 86_400.0 / p.failures_per_day } else { f64::INFINITY };
    while t < duration && t < stop {
        let fail = if mean_gap.is_finite() { t + rng.exponential(mean_gap) } else { f64::INFINITY };
        let failure_first = fail < stop.min(duration) && p.job_stop_s.is_none_or(|s| fail < s);
        if failure_first {
            out.push(Run { start: t, end: fail, how: RunEnd::Failure });
            t = fail + p.restart_s.max(0.0);
        } else if stop <= duration {
            out.push(Run { start: t, end: stop, how: RunEnd::Stop });
            break;
        } else {
            out.push(Run { start: t, end: duration, how: RunEnd::TraceEnd });
            break;
        }
        if out.len() > 1_000_000 {
            break;
        }
    }
    out
}

/// A synthetic trace and what went into it.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// The site power, MW.
    pub trace: PowerTrace,
    /// Counts and the mitigations' cost.
    pub summary: SyntheticSummary,
}

/// The longest synthetic trace a [`ProfileCache`] keeps, samples (16 MB
/// for the trace and as much for its shape): a day at 100 ms or a week at
/// 1 s; longer ones are generated each time.
pub const MAX_CACHED_SAMPLES: usize = 2_000_000;

/// The job's part of a synthetic profile, per MW of job power: the site
/// power is the base load plus the job power times this shape. Everything
/// the generator does to the job — its phases, checkpoints, ramps, failures
/// and noise, the floor at zero, the rack storage sized per GPU (so in
/// proportion to the job) — scales with the job's power, so profiles that
/// differ only in their base load or job power share one shape.
#[derive(Debug)]
pub struct Shape {
    /// Job power per MW of job power, per sample.
    per_mw: Vec<f64>,
    dt: f64,
    seed: u64,
    /// Counts; the floor's energy and the rack storage per MW of job power.
    summary: SyntheticSummary,
}

impl Shape {
    /// The shape of `p` (its base load and job power aside).
    pub fn of(p: &SyntheticProfile) -> Self {
        shape(p)
    }

    /// The site power of `p`, whose shape this is: base + job × shape.
    pub fn scaled(&self, p: &SyntheticProfile) -> Synthetic {
        let mw = self.per_mw.iter().map(|u| p.base_mw + p.job_mw * u).collect();
        let mut summary = self.summary.clone();
        summary.floor_energy_mwh *= p.job_mw;
        summary.rack_storage_mj *= p.job_mw;
        let mut trace = PowerTrace::from_samples(self.dt, mw, format!("synthetic training profile, seed {}", self.seed));
        trace.start = "0 s".into();
        Synthetic { trace, summary }
    }
}

/// What decides a profile's shape: the profile without its base load and job power.
fn shape_key(p: &SyntheticProfile) -> SyntheticProfile {
    SyntheticProfile { base_mw: 0.0, job_mw: 0.0, ..p.clone() }
}

/// What a [`ProfileCache`] keeps.
#[derive(Debug, Default)]
struct Kept {
    /// The last profile's trace.
    trace: Option<(SyntheticProfile, Arc<Synthetic>)>,
    /// Its shape, by [`shape_key`].
    shape: Option<(SyntheticProfile, Arc<Shape>)>,
}

/// The last synthetic trace generated and its shape, kept for the next
/// computation: an editor recomputes on every edit, and most edits (the
/// battery, the controller, the requirements) leave the profile as it was,
/// and an edit of its base load or job power leaves its shape. A trace is
/// reused only for a profile equal to the one it was generated from, a
/// shape only for a profile that differs at most in those two powers, so
/// what comes out is what [`generate`] would give.
#[derive(Debug, Default)]
pub struct ProfileCache {
    kept: Mutex<Kept>,
    /// Shapes generated (the costly part) since the cache was made.
    shapes: std::sync::atomic::AtomicU64,
}

impl ProfileCache {
    /// The trace of `p`: the kept one when `p` is the profile it came from,
    /// else scaled from the kept shape when `p` has it, else generated (and
    /// kept, when not longer than [`MAX_CACHED_SAMPLES`]).
    pub fn get(&self, p: &SyntheticProfile) -> Arc<Synthetic> {
        let key = shape_key(p);
        let same_shape = {
            let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((q, s)) = &kept.trace
                && q == p
            {
                return Arc::clone(s);
            }
            kept.shape.as_ref().filter(|(k, _)| *k == key).map(|(_, s)| Arc::clone(s))
        };
        // Generated outside the lock: a computation of another profile
        // never waits for this one.
        let shape = same_shape.unwrap_or_else(|| {
            self.shapes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Arc::new(Shape::of(p))
        });
        let s = Arc::new(shape.scaled(p));
        if s.trace.mw.len() <= MAX_CACHED_SAMPLES {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            kept.trace = Some((p.clone(), Arc::clone(&s)));
            kept.shape = Some((key, shape));
        }
        s
    }

    /// How many shapes it has generated: the rest of its traces were kept
    /// or scaled from a kept shape.
    pub fn shapes_generated(&self) -> u64 {
        self.shapes.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Generates the site power of `p` (validated by the caller; degenerate
/// values give a flat or empty trace, never a panic): its base load plus
/// its job power times its [`Shape`].
pub fn generate(p: &SyntheticProfile) -> Synthetic {
    shape(p).scaled(p)
}

/// The job power per MW of job power of `p`, sample by sample.
fn shape(p: &SyntheticProfile) -> Shape {
    let dt = p.dt_s;
    let n = if dt > 0.0 && p.duration_s > 0.0 { ((p.duration_s / dt).round() as usize).min(super::trace::MAX_SAMPLES) } else { 0 };
    let mut rng = Rng::new(p.seed);
    let runs = runs(p, &mut rng);
    let low = p.low_level.max(p.power_floor).clamp(0.0, 1.0);
    let raw_low = p.low_level.clamp(0.0, 1.0);
    let period = p.iteration_s.max(1e-3);
    let duty = p.compute_duty.clamp(0.0, 1.0);
    let mut summary = SyntheticSummary::default();
    // GPUs per MW of job power.
    let gpus = if p.gpu_w > 0.0 { 1e6 / p.gpu_w } else { 0.0 };
    let rack_mj = p.rack_storage_j_per_gpu.max(0.0) * gpus / 1e6;
    summary.rack_storage_mj = rack_mj;
    summary.failures = runs.iter().filter(|r| r.how == RunEnd::Failure).count() as u32;

    let mut mw = Vec::with_capacity(n);
    let mut run_i = 0usize;
    // Iteration clock of the current run.
    let mut next_switch = f64::INFINITY;
    let mut compute = true;
    let mut clock_run = usize::MAX;
    let mut last_checkpoint: Option<(usize, u64)> = None;
    let mut floor_mj = 0.0;
    // Rack storage: state (MJ), running mean of the job power (MW).
    let mut rack_e = rack_mj / 2.0;
    let mut rack_mean = 0.0;
    let mean_a = 1.0 - (-dt / (2.0 * period)).exp();
    let restore_tau = 10.0 * period;
    let jitter = p.jitter.max(0.0);
    let draw_len = |rng: &mut Rng, frac: f64| -> f64 {
        let f = if jitter > 0.0 { (1.0 + jitter * rng.normal()).clamp(0.2, 5.0) } else { 1.0 };
        period * frac * f
    };
    for k in 0..n {
        let t0 = k as f64 * dt;
        let t1 = t0 + dt;
        while run_i < runs.len() && runs[run_i].end <= t0 {
            run_i += 1;
        }
        let run = runs.get(run_i).copied().filter(|r| r.start < t1);
        let mut job = 0.0;
        if let Some(r) = run {
            if clock_run != run_i {
                clock_run = run_i;
                compute = true;
                next_switch = r.start + draw_len(&mut rng, duty);
                summary.iterations += 1;
            }
            // Fraction of the interval the job runs, and the phase average.
            let a = t0.max(r.start);
            let b = t1.min(r.end);
            let mut cur = a;
            let mut level_time = 0.0;
            let mut comm_time = 0.0;
            while cur < b {
                // Phases of length zero (duty 0 or 1) are skipped.
                let seg_end = b.min(next_switch);
                let len = (seg_end - cur).max(0.0);
                if compute {
                    level_time += len;
                } else {
                    level_time += low * len;
                    comm_time += len;
                }
                cur = seg_end;
                if next_switch < b {
                    if compute {
                        compute = false;
                        next_switch += draw_len(&mut rng, 1.0 - duty);
                    } else {
                        compute = true;
                        next_switch += draw_len(&mut rng, duty);
                        summary.iterations += 1;
                    }
                }
            }
            let tm = 0.5 * (a + b) - r.start;
            let mut env = if p.start_ramp_s > 0.0 { (tm / p.start_ramp_s).clamp(0.0, 1.0) } else { 1.0 };
            if r.how == RunEnd::Stop && p.stop_ramp_s > 0.0 {
                env = env.min(((r.end - (0.5 * (a + b))) / p.stop_ramp_s).clamp(0.0, 1.0));
            }
            let in_checkpoint = if p.checkpoint_interval_s > 0.0 && p.checkpoint_s > 0.0 && tm >= p.checkpoint_interval_s {
                let idx = (tm / p.checkpoint_interval_s).floor();
                let since = tm - idx * p.checkpoint_interval_s;
                if since < p.checkpoint_s {
                    let key = (run_i, idx as u64);
                    if last_checkpoint != Some(key) {
                        last_checkpoint = Some(key);
                        summary.checkpoints += 1;
                    }
                    true
                } else {
                    false
                }
            } else {
                false
            };
            let (level, comm) = if in_checkpoint { (low * (b - a), b - a) } else { (level_time, comm_time) };
            job = env * level / dt;
            floor_mj += env * (low - raw_low) * comm;
            if p.noise > 0.0 {
                job += p.noise * rng.normal() * ((b - a) / dt);
            }
            job = job.max(0.0);
        }
        if rack_mj > 0.0 {
            rack_mean += (job - rack_mean) * mean_a;
            let want = job - rack_mean + (rack_e - rack_mj / 2.0) / restore_tau;
            let u = want.clamp(-(rack_mj - rack_e) / dt, rack_e / dt);
            rack_e -= u * dt;
            job -= u;
        }
        mw.push(job);
    }
    summary.floor_energy_mwh = floor_mj / 3600.0;
    Shape { per_mw: mw, dt, seed: p.seed, summary }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> SyntheticProfile {
        SyntheticProfile {
            duration_s: 600.0,
            dt_s: 0.1,
            base_mw: 10.0,
            job_mw: 100.0,
            iteration_s: 2.0,
            compute_duty: 0.5,
            low_level: 0.2,
            jitter: 0.0,
            noise: 0.0,
            checkpoint_interval_s: 0.0,
            job_start_s: 0.0,
            ..SyntheticProfile::default()
        }
    }

    #[test]
    fn same_seed_same_trace_other_seed_other_trace() {
        let p = SyntheticProfile { duration_s: 3600.0, failures_per_day: 24.0, ..SyntheticProfile::default() };
        let a = generate(&p);
        let b = generate(&p);
        assert_eq!(a.trace.mw, b.trace.mw);
        let c = generate(&SyntheticProfile { seed: 2, ..p });
        assert_ne!(a.trace.mw, c.trace.mw);
    }

    #[test]
    fn a_square_swing_is_exact() {
        let s = generate(&square());
        assert_eq!(s.trace.mw.len(), 6000);
        // 1 s at 110 MW, 1 s at 30 MW.
        for (k, v) in s.trace.mw.iter().enumerate() {
            let want = if (k / 10) % 2 == 0 { 110.0 } else { 30.0 };
            assert!((v - want).abs() < 1e-9, "sample {k}: {v}");
        }
        assert_eq!(s.summary.iterations, 300);
    }

    #[test]
    fn switches_inside_a_sample_are_averaged() {
        // 0.25 s samples of a 1.4 s period (0.7 s phases), 420 periods: the
        // energy is kept, and a sample across a switch gets its share of each.
        let p = SyntheticProfile { dt_s: 0.25, iteration_s: 1.4, duration_s: 588.0, ..square() };
        let s = generate(&p);
        let mean = s.trace.mw.iter().sum::<f64>() / s.trace.mw.len() as f64;
        assert!((mean - (10.0 + 100.0 * 0.6)).abs() < 1e-9, "{mean}");
        // [0.5, 0.75): 0.2 s compute, 0.05 s communication.
        assert!((s.trace.mw[2] - (10.0 + 100.0 * (0.8 + 0.2 * 0.2))).abs() < 1e-9, "{}", s.trace.mw[2]);
    }

    #[test]
    fn floor_checkpoints_start_ramp_and_stop() {
        let p = SyntheticProfile {
            power_floor: 0.5,
            checkpoint_interval_s: 100.0,
            checkpoint_s: 10.0,
            job_start_s: 50.0,
            start_ramp_s: 20.0,
            job_stop_s: Some(500.0),
            ..square()
        };
        let s = generate(&p);
        let mw = &s.trace.mw;
        assert!(mw[..500].iter().all(|v| (*v - 10.0).abs() < 1e-12), "idle before the start");
        assert!(mw[5000..].iter().all(|v| (*v - 10.0).abs() < 1e-12), "idle after the stop");
        // The ramp's first sample is small, and rises.
        assert!(
            mw[500] < 15.0 && mw[680] > 100.0 && mw[680] < 110.0 && (mw[700] - 110.0).abs() < 1e-9,
            "{} {} {}",
            mw[500],
            mw[680],
            mw[700]
        );
        // Checkpoints at 100, 200, 300, 400 s after the start (150–160 s …).
        assert_eq!(s.summary.checkpoints, 4);
        assert!(mw[1505..1595].iter().all(|v| (*v - 60.0).abs() < 1e-9), "checkpoint at the floored low level");
        // Floor energy: the low phase raised from 0.2 to 0.5 of 100 MW for
        // half of the running time outside checkpoints, and all of it inside.
        let running = 450.0 - 10.0; // ramp counts at its mean envelope (10 s lost)
        let want = 100.0 * 0.3 * (0.5 * (running - 40.0) + 40.0) / 3600.0;
        assert!((s.summary.floor_energy_mwh - want).abs() < 0.02 * want, "{} vs {want}", s.summary.floor_energy_mwh);
    }

    #[test]
    fn rack_storage_trims_the_swing_within_its_energy() {
        // 1,000 J per GPU, 1 kW GPUs, 100 MW job: 100,000 GPUs → 100 MJ; the
        // swing needs 0.25 × 2 s × 80 MW = 40 MJ: flattened after the start.
        let p = SyntheticProfile { duration_s: 300.0, rack_storage_j_per_gpu: 1000.0, gpu_w: 1000.0, ..square() };
        let s = generate(&p);
        assert!((s.summary.rack_storage_mj - 100.0).abs() < 1e-9);
        let tail = &s.trace.mw[2000..];
        let (lo, hi) = tail.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
        assert!(hi - lo < 45.0, "swing {lo}–{hi} not trimmed (80 MW without storage)");
        // A small store (65 J per GPU, as in the GB300 power shelves) trims
        // only the first part of each phase: less deviation from the mean
        // than without storage, more than with the large store.
        let mad = |x: &[f64]| {
            let m = x.iter().sum::<f64>() / x.len() as f64;
            x.iter().map(|v| (v - m).abs()).sum::<f64>() / x.len() as f64
        };
        let small = generate(&SyntheticProfile { rack_storage_j_per_gpu: 65.0, ..p.clone() });
        let none = generate(&SyntheticProfile { rack_storage_j_per_gpu: 0.0, ..p });
        let (a, b, c) = (mad(&s.trace.mw[2000..]), mad(&small.trace.mw[2000..]), mad(&none.trace.mw[2000..]));
        assert!((c - 40.0).abs() < 1e-9 && b < c - 5.0 && a < b, "{a} {b} {c}");
    }

    #[test]
    fn failures_are_poisson_and_drop_to_idle() {
        let p = SyntheticProfile {
            duration_s: 86_400.0,
            dt_s: 1.0,
            failures_per_day: 8.0,
            restart_s: 600.0,
            checkpoint_interval_s: 0.0,
            ..SyntheticProfile::default()
        };
        let s = generate(&p);
        assert!((2..=20).contains(&s.summary.failures), "{}", s.summary.failures);
        let idle = s.trace.mw.iter().filter(|v| (**v - p.base_mw).abs() < 1e-9).count();
        // At least the start delay and 600 s per failure at the base load (the last restart may fall past the end).
        assert!(idle as f64 >= 300.0 + 600.0 * (f64::from(s.summary.failures) - 1.0), "{idle}");
    }
}
