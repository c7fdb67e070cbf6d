//! CPU cost per telemetry sample of the stages after the wire, without any
//! serial I/O in the way: decoding the four SunSpec models of the FC03
//! bench device (802–805, 4 × 125 registers), staging the values for the
//! telemetry log, dropping the decoded sample, and writing what was staged
//! into a real project file in 250 ms-sized batches.
//!
//! Run: `cargo bench -p backstop-sim --bench decode_log` (BENCH_SAMPLES=N,
//! default 20000). Prints µs per sample for each stage.

use std::time::Instant;

use backstop_model::link::{DeviceHealth, TelemetrySample};
use backstop_sim::{PackSpec, Unit, UnitConfig};

fn main() {
    let n: usize = std::env::var("BENCH_SAMPLES").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let mut cfg = UnitConfig::new(1);
    cfg.spec = PackSpec { strings: 1, modules: 2, cells: 26, ..PackSpec::default() };
    let unit = Unit::new(cfg).expect("bench unit");
    let models: Vec<(u16, Vec<u16>)> = unit.models().into_iter().filter(|(_, r)| r[0] != 1).map(|(a, r)| (a, r.to_vec())).collect();
    let span: usize = models.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(span, 500, "the bench device spans 4 × 125 registers");
    let decode = || -> Vec<backstop_model::link::DecodedModel> {
        models.iter().map(|(a, r)| backstop_sunspec::decode_model(r, *a).expect("decode")).collect()
    };
    let points: usize = decode().iter().map(|m| m.all_points().len()).sum();

    // Decode only (the decoded sample dropped at once).
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(decode());
    }
    let decode_drop = t.elapsed().as_secs_f64() * 1e6 / n as f64;

    // The app's path: decode a sample, stage it for logging and drop it at
    // once; write what was staged every 940 samples (250 ms at 15,000
    // reads/s, 3,750 samples/s).
    let dir = tempfile::tempdir().unwrap();
    let info = backstop_model::project::ProjectInfo { name: "decode bench".into(), ..Default::default() };
    let mut project =
        backstop_store::Project::create(&dir.path().join("b.backstop"), &info, &backstop_store::CreateOptions::default()).unwrap();
    let mut logger = backstop_store::TelemetryLogger::new();
    let batch = 940;
    let (mut t_decode, mut t_stage, mut t_drop, mut t_flush) = (0.0, 0.0, 0.0, 0.0);
    let mut stored = 0;
    for i in 0..n {
        let t = Instant::now();
        let sample = TelemetrySample {
            link: "bench".into(),
            unit: 1,
            time_ms: 1_800_000_000_000 + (i as u64) * 2,
            stale: false,
            health: DeviceHealth::Online,
            models: decode(),
            undecoded: vec![],
        };
        let t1 = Instant::now();
        logger.stage(&sample);
        let t2 = Instant::now();
        drop(sample);
        let t3 = Instant::now();
        t_decode += (t1 - t).as_secs_f64();
        t_stage += (t2 - t1).as_secs_f64();
        t_drop += (t3 - t2).as_secs_f64();
        if (i + 1) % batch == 0 || i + 1 == n {
            let t = Instant::now();
            stored += logger.flush(&mut project).expect("log");
            t_flush += t.elapsed().as_secs_f64();
        }
    }
    assert!(stored > 0);
    let us = |s: f64| s * 1e6 / n as f64;
    println!("\n| stage, per sample of {points} points (4 models, 500 registers) | µs |");
    println!("|---|---:|");
    println!("| decode + drop at once | {decode_drop:.1} |");
    println!("| decode | {:.1} |", us(t_decode));
    println!("| stage for logging ({:.0} values per sample) | {:.1} |", stored as f64 / n as f64, us(t_stage));
    println!("| drop the decoded sample | {:.1} |", us(t_drop));
    println!("| write staged values to the project file (per sample, in batches of {batch}) | {:.1} |", us(t_flush));
    println!("| total | {:.1} |", us(t_decode + t_stage + t_drop + t_flush));
    println!("\n{n} samples; at 15,000 reads/s (3,750 samples/s) the budget for all of this is 267 µs per sample on one core");
}
