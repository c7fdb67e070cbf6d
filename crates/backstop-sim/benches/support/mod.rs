//! What the link benchmarks share: socat PTY pairs and the simulator
//! binary, each stopped when its guard drops.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed and reaped when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A socat PTY pair in `dir`: (socat, master side, simulator side).
pub fn pty(dir: &Path, tag: &str) -> (Guard, PathBuf, PathBuf) {
    let a = dir.join(format!("{tag}A"));
    let b = dir.join(format!("{tag}B"));
    let child = Command::new("socat")
        .arg(format!("pty,raw,echo=0,link={}", a.display()))
        .arg(format!("pty,raw,echo=0,link={}", b.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("socat is needed (apt-get install socat)");
    let start = Instant::now();
    while !(a.exists() && b.exists()) {
        assert!(start.elapsed() < Duration::from_secs(5), "socat did not create its PTYs");
        std::thread::sleep(Duration::from_millis(10));
    }
    (Guard(child), a, b)
}

/// Starts `backstop-sim` with `args` and waits for its ready line; returns
/// the guard and the line (which names the control and TCP addresses).
pub fn start_sim_line(args: &[&str]) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_backstop-sim")).args(args).stdout(Stdio::piped()).spawn().expect("start backstop-sim");
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("ready"), "{line}");
    // Keep draining so the simulator never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut sink);
    });
    (Guard(child), line)
}

/// Starts `backstop-sim` with `args` and waits until it is ready.
pub fn start_sim(args: &[&str]) -> Guard {
    start_sim_line(args).0
}
