//! Telemetry storage benchmark: Backstop's chunked, compressed series versus
//! the naive peer (one SQLite row per sample, same file settings), in the
//! same run, on realistic commissioning data: 20 packs × 40 points at 1 Hz.
//!
//! Run: `cargo bench -p backstop-store --bench telemetry` (one hour of data,
//! about a minute), or with `-- --hours 24 --peer-hours 1` for the full day
//! (the row-per-sample peer would need about 1.7 GB and a quarter of an
//! hour for a full day, so it may run on fewer hours; rates and bytes per
//! sample are compared per sample).
//! Prints a Markdown table for BENCHMARKS.md.

use std::path::Path;
use std::time::{Duration, Instant};

use backstop_model::project::ProjectInfo;
use backstop_store::{CreateOptions, PointId, Project, Sample, TelemetryWriter, WriterConfig};
use rusqlite::{Connection, params};

const PACKS: usize = 20;
const POINTS: usize = 40;
const T0: i64 = 1_790_000_000_000;

/// A deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn noise(&mut self, steps: i64) -> i64 {
        (self.next() % (2 * steps as u64 + 1)) as i64 - steps
    }
}

/// What a pack controller reports, with each point's resolution:
/// 24 cell voltages (1 mV), 8 module temperatures (0.1 °C), string voltage
/// (0.1 V), current (0.1 A), SOC and SOH (0.1 %), state, alarm bits,
/// power (1 W) and cycle count.
struct Pack {
    cells: [i64; 24],
    temps: [i64; 8],
    current: i64,
    soc: i64,
}

impl Pack {
    fn new(rng: &mut Rng) -> Self {
        Pack {
            cells: std::array::from_fn(|_| 3_300 + rng.noise(8)),
            temps: std::array::from_fn(|_| 250 + rng.noise(10)),
            current: 0,
            soc: 800,
        }
    }

    /// One second later; writes the 40 values (engineering units).
    fn step(&mut self, rng: &mut Rng, t: i64, out: &mut [f64; POINTS]) {
        // Current follows a slow random walk around a duty cycle.
        self.current = (self.current + rng.noise(20)).clamp(-2_000, 2_000);
        if t % 600 == 0 {
            self.soc = (self.soc - self.current / 200).clamp(100, 1_000);
        }
        for c in &mut self.cells {
            *c += rng.noise(1) - (self.current / 1_000).signum() * i64::from(t % 60 == 0);
            *c = (*c).clamp(3_100, 3_450);
        }
        if t % 10 == 0 {
            for m in &mut self.temps {
                *m = (*m + rng.noise(1)).clamp(180, 400);
            }
        }
        for (i, c) in self.cells.iter().enumerate() {
            out[i] = *c as f64 / 1_000.0;
        }
        for (i, m) in self.temps.iter().enumerate() {
            out[24 + i] = *m as f64 / 10.0;
        }
        let v: i64 = self.cells.iter().sum::<i64>() * 10 / 1_000; // 24s string, 0.1 V
        out[32] = v as f64 / 10.0;
        out[33] = self.current as f64 / 10.0;
        out[34] = self.soc as f64 / 10.0;
        out[35] = 97.0;
        out[36] = 3.0; // state: CONNECTED
        out[37] = if t % 3_600 < 5 { 4.0 } else { 0.0 }; // a short warning each hour
        out[38] = (v * self.current / 100) as f64;
        out[39] = 412.0;
    }
}

fn generate(hours: i64, mut sink: impl FnMut(usize, i64, &[f64; POINTS])) {
    let mut rng = Rng(0x5EED);
    let mut packs: Vec<Pack> = (0..PACKS).map(|_| Pack::new(&mut rng)).collect();
    let mut row = [0.0; POINTS];
    for s in 0..hours * 3_600 {
        for (p, pack) in packs.iter_mut().enumerate() {
            pack.step(&mut rng, s, &mut row);
            sink(p, T0 + s * 1_000, &row);
        }
    }
}

struct Run {
    samples: u64,
    insert: Duration,
    bytes: u64,
    read_hour: Duration,
    read_samples: usize,
}

fn ours(path: &Path, hours: i64) -> Run {
    let mut project =
        Project::create(path, &ProjectInfo { name: "bench".into(), ..ProjectInfo::default() }, &CreateOptions::default()).unwrap();
    let base = std::fs::metadata(path).unwrap().len();
    let ids: Vec<Vec<PointId>> = (0..PACKS)
        .map(|p| (0..POINTS).map(|i| project.telemetry_point(&format!("pack-{p:02}"), &format!("p{i:02}"), "").unwrap()).collect())
        .collect();
    let mut writer = TelemetryWriter::new(WriterConfig::default());
    let mut samples = 0u64;
    let start = Instant::now();
    let mut last_flush = T0;
    generate(hours, |p, t, row| {
        for (i, v) in row.iter().enumerate() {
            writer.append(&project, ids[p][i], Sample { t_ms: t, value: *v }).unwrap();
        }
        samples += POINTS as u64;
        // The app flushes every 10 s of data: one transaction per flush.
        if p == PACKS - 1 && t - last_flush >= 10_000 {
            writer.flush(&mut project).unwrap();
            last_flush = t;
        }
    });
    writer.flush(&mut project).unwrap();
    let insert = start.elapsed();
    drop(project);
    let bytes = std::fs::metadata(path).unwrap().len() - base;
    let project = Project::open(path, &backstop_store::OpenOptions::view()).unwrap();
    let point = project.find_telemetry_point("pack-07", "p03").unwrap().unwrap();
    let start = Instant::now();
    let mut n = 0;
    for _ in 0..20 {
        n = project.read_telemetry_tail(point, 3_600_000).unwrap().len();
    }
    let read_hour = start.elapsed() / 20;
    Run { samples, insert, bytes, read_hour, read_samples: n }
}

fn naive(path: &Path, hours: i64) -> Run {
    let mut conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA page_size = 4096;
         CREATE TABLE samples (point_id INTEGER NOT NULL, t_ms INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (point_id, t_ms)) WITHOUT ROWID;",
    )
    .unwrap();
    let base = std::fs::metadata(path).unwrap().len();
    let mut samples = 0u64;
    let start = Instant::now();
    let mut pending: Vec<(i64, i64, f64)> = Vec::new();
    let mut last_flush = T0;
    let flush = |conn: &mut Connection, pending: &mut Vec<(i64, i64, f64)>| {
        let tx = conn.transaction().unwrap();
        {
            let mut st = tx.prepare_cached("INSERT INTO samples VALUES (?1, ?2, ?3)").unwrap();
            for (p, t, v) in pending.drain(..) {
                st.execute(params![p, t, v]).unwrap();
            }
        }
        tx.commit().unwrap();
    };
    generate(hours, |p, t, row| {
        for (i, v) in row.iter().enumerate() {
            pending.push(((p * POINTS + i) as i64, t, *v));
        }
        samples += POINTS as u64;
        if p == PACKS - 1 && t - last_flush >= 10_000 {
            flush(&mut conn, &mut pending);
            last_flush = t;
        }
    });
    flush(&mut conn, &mut pending);
    let insert = start.elapsed();
    drop(conn);
    let bytes = std::fs::metadata(path).unwrap().len() - base;
    let conn = Connection::open(path).unwrap();
    let point = (7 * POINTS + 3) as i64;
    let start = Instant::now();
    let mut n = 0;
    for _ in 0..20 {
        let last: i64 = conn.query_row("SELECT max(t_ms) FROM samples WHERE point_id = ?1", [point], |r| r.get(0)).unwrap();
        let mut st = conn.prepare_cached("SELECT t_ms, value FROM samples WHERE point_id = ?1 AND t_ms >= ?2 ORDER BY t_ms").unwrap();
        n = st.query_map(params![point, last - 3_600_000], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?))).unwrap().count();
    }
    let read_hour = start.elapsed() / 20;
    Run { samples, insert, bytes, read_hour, read_samples: n }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let hours = args.iter().position(|a| a == "--hours").and_then(|i| args.get(i + 1)).and_then(|h| h.parse().ok()).unwrap_or(1i64);
    let peer_hours =
        args.iter().position(|a| a == "--peer-hours").and_then(|i| args.get(i + 1)).and_then(|h| h.parse().ok()).unwrap_or(hours);
    let dir = std::env::temp_dir().join(format!("backstop-telemetry-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let start = Instant::now();
    let mut checksum = 0.0;
    generate(hours, |_, _, row| checksum += row[0]);
    let gen_time = start.elapsed();
    eprintln!("generating the data alone: {:.2} s (checksum {checksum:.0}); subtracted from neither store's time", gen_time.as_secs_f64());
    let a = ours(&dir.join("ours.backstop"), hours);
    let b = naive(&dir.join("naive.sqlite"), peer_hours);
    let _ = std::fs::remove_dir_all(&dir);
    let rate = |r: &Run| r.samples as f64 / r.insert.as_secs_f64();
    let per = |r: &Run| r.bytes as f64 / r.samples as f64;
    println!(
        "{PACKS} packs × {POINTS} points at 1 Hz for {hours} h = {} samples (peer: {peer_hours} h = {} samples)",
        a.samples, b.samples
    );
    println!();
    println!("| store | insert rate (samples/s) | bytes per sample | one point's last hour ({} samples) |", a.read_samples);
    println!("|---|---|---|---|");
    for (name, r) in [("Backstop chunked series", &a), ("naive row per sample (peer)", &b)] {
        println!("| {name} | {:.0} | {:.2} | {:.2} ms |", rate(r), per(r), r.read_hour.as_secs_f64() * 1_000.0);
    }
    println!();
    println!(
        "A full day ({} samples) would take {:.1} MB as chunked series and {:.0} MB as rows.",
        PACKS * POINTS * 86_400,
        per(&a) * (PACKS * POINTS * 86_400) as f64 / 1e6,
        per(&b) * (PACKS * POINTS * 86_400) as f64 / 1e6
    );
}
