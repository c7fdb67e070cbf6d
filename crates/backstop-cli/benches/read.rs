//! `backstop read` of a whole pack (discovery of models 1, 802, 803, 804,
//! 805 and every point of each) over a socat PTY pair against the
//! simulator, side by side with pysunspec2 reading the same device (scan
//! plus every model, the tool an integrator would otherwise use). Each
//! run is a fresh process, as the engineer types it: start-up, opening
//! the port, the echo check, discovery and the reads.
//!
//! Run: `cargo build --release -p backstop-sim && cargo bench -p backstop-cli --bench read`
//! (READ_RUNS=N, default 15). Prints a markdown table.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sibling(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_backstop")).with_file_name(name);
    assert!(p.is_file(), "{} is missing: cargo build --release -p backstop-sim", p.display());
    p
}

fn time_runs(runs: usize, mut cmd: impl FnMut() -> Command) -> Vec<f64> {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            let out = cmd().stdout(Stdio::null()).stderr(Stdio::piped()).output().unwrap();
            let took = t.elapsed().as_secs_f64() * 1000.0;
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            took
        })
        .collect()
}

fn median(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let runs: usize = std::env::var("READ_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("A"), dir.path().join("B"));
    let _socat = Guard(
        Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", a.display()))
            .arg(format!("pty,raw,echo=0,link={}", b.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat"),
    );
    let start = Instant::now();
    while !(a.exists() && b.exists()) {
        assert!(start.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut sim = Command::new(sibling("backstop-sim"))
        .args(["--serial", b.to_str().unwrap(), "--units", "1", "--freeze"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(sim.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _sim = Guard(sim);

    let mut ours = time_runs(runs, || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_backstop"));
        c.arg("read").arg(&a).args(["--unit", "1"]);
        c
    });
    let (m, lo, hi) = median(&mut ours);
    println!("| reader | median | min | max |");
    println!("|---|---:|---:|---:|");
    println!("| `backstop read PORT --unit 1` (all five models, {runs} runs) | {m:.0} ms | {lo:.0} ms | {hi:.0} ms |");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let py = root.join(".venv/bin/python");
    if py.is_file() {
        let script = root.join("crates/backstop-sim/tests/peers/sunspec_client.py");
        let mut theirs = time_runs(runs, || {
            let mut c = Command::new(&py);
            c.arg(&script).arg(&a).args(["115200", "1"]);
            c
        });
        let (m, lo, hi) = median(&mut theirs);
        println!("| pysunspec2 scan + read of the same device ({runs} runs) | {m:.0} ms | {lo:.0} ms | {hi:.0} ms |");
    } else {
        println!("| pysunspec2 | not installed (scripts/setup --test) | | |");
    }
}
