//! Test fixtures: real PTY pairs (socat), the simulator binary, Python
//! peers. Every child process is killed by pid when its guard drops, so a
//! failing test leaves nothing running.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backstop_link::{Link, channel_sink};
use backstop_model::link::{LinkConfig, LinkEvent, LinkTarget, SerialSettings};
use tokio::sync::mpsc::UnboundedReceiver;

/// A child process killed (by pid) and reaped when dropped.
pub struct Proc {
    pub child: Child,
    pub name: String,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    /// Kills the process now and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A socat PTY pair: `a` for the master (Backstop), `b` for the simulator.
pub struct Pty {
    pub socat: Proc,
    pub a: PathBuf,
    pub b: PathBuf,
}

pub fn require_socat() {
    let ok = Command::new("socat").arg("-V").stdout(Stdio::null()).stderr(Stdio::null()).status().map(|s| s.success()).unwrap_or(false);
    assert!(ok, "socat is missing: these tests need real PTY pairs. Install it with `apt-get install socat` (scripts/setup does this).");
}

/// Starts `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B` in `dir`.
pub fn pty_pair(dir: &Path, tag: &str) -> Pty {
    require_socat();
    let a = dir.join(format!("{tag}A"));
    let b = dir.join(format!("{tag}B"));
    let _ = std::fs::remove_file(&a);
    let _ = std::fs::remove_file(&b);
    let child = Command::new("socat")
        .arg(format!("pty,raw,echo=0,link={}", a.display()))
        .arg(format!("pty,raw,echo=0,link={}", b.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start socat");
    let socat = Proc { child, name: "socat".into() };
    wait_for("socat's PTY links", Duration::from_secs(5), || a.exists() && b.exists());
    Pty { socat, a, b }
}

/// A running `backstop-sim` with its control address.
pub struct SimProc {
    pub proc_: Proc,
    pub control: Option<String>,
    pub tcp: Option<String>,
}

/// Starts the simulator with `args` (plus `--control 127.0.0.1:0`) and
/// waits for its "ready" line.
pub fn start_sim(args: &[&str]) -> SimProc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_backstop-sim"))
        .args(args)
        .args(["--control", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start backstop-sim");
    let stdout = child.stdout.take().expect("stdout");
    let proc_ = Proc { child, name: "backstop-sim".into() };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let mut r = BufReader::new(stdout);
        let _ = r.read_line(&mut line);
        let _ = tx.send(line);
        // Keep draining so the simulator never blocks on a full pipe.
        let mut sink = Vec::new();
        let _ = r.read_to_end(&mut sink);
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).expect("backstop-sim did not print its ready line");
    assert!(line.starts_with("ready"), "unexpected first line from backstop-sim: {line}");
    let field = |k: &str| line.split_whitespace().find_map(|w| w.strip_prefix(&format!("{k}=")).map(str::to_string));
    SimProc { proc_, control: field("control"), tcp: field("tcp") }
}

impl SimProc {
    /// Sends one control command; returns the reply (panics on `error`).
    pub fn ctl(&self, cmd: &str) -> String {
        let addr = self.control.as_deref().expect("control socket");
        let mut s = TcpStream::connect(addr).expect("connect control");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(format!("{cmd}\n").as_bytes()).unwrap();
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line).unwrap();
        let line = line.trim().to_string();
        assert!(line.starts_with("ok"), "control command `{cmd}` failed: {line}");
        line.trim_start_matches("ok").trim().to_string()
    }

    /// The simulator's registers of `unit` from its base address.
    pub fn regs(&self, unit: u8) -> (u16, Vec<u16>) {
        let v: serde_json::Value = serde_json::from_str(&self.ctl(&format!("regs {unit}"))).unwrap();
        let base = v["base"].as_u64().unwrap() as u16;
        let regs = v["regs"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u16).collect();
        (base, regs)
    }
}

/// Link settings for a PTY at 115200 8N1 with a short timeout.
pub fn serial_config(path: &Path, timeout_ms: u32) -> LinkConfig {
    let mut c = LinkConfig::new(LinkTarget::Serial(SerialSettings::new(path.to_string_lossy(), 115200)));
    c.timeout_ms = timeout_ms;
    c.retries = 0;
    c
}

pub async fn open_link(config: LinkConfig) -> (Link, UnboundedReceiver<LinkEvent>) {
    let (sink, rx) = channel_sink();
    let link = Link::open(config, sink).await.expect("open link");
    (link, rx)
}

/// The Python interpreter of the test venv, or `None` (skip) when absent
/// outside CI. In CI (`CI` set) a missing venv is a failure.
pub fn python() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = std::env::var_os("BACKSTOP_VENV").map(PathBuf::from).unwrap_or_else(|| root.join(".venv"));
    let py = venv.join("bin/python");
    let ok = py.exists()
        && Command::new(&py)
            .args(["-c", "import pymodbus, sunspec2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    if ok {
        return Some(py);
    }
    let msg = format!(
        "the Python test peers (pymodbus, pysunspec2) are not installed in {}; run the set-up script: scripts/setup --test (or set BACKSTOP_VENV)",
        venv.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    None
}

/// mbpoll, or `None` (skip) outside CI when it is not installed.
pub fn mbpoll() -> Option<PathBuf> {
    let ok = Command::new("mbpoll").arg("-h").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if ok {
        return Some(PathBuf::from("mbpoll"));
    }
    let msg = "mbpoll is not installed; run the set-up script: scripts/setup --test (apt package mbpoll)";
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    None
}

/// Path of a peer script shipped with the tests.
pub fn peer_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers").join(name)
}

/// Runs a process to completion with a time limit, killing it on timeout.
pub fn run_with_timeout(mut cmd: Command, limit: Duration) -> (bool, String, String) {
    let mut child = Proc { child: cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn peer"), name: "peer".into() };
    let mut out = child.child.stdout.take().unwrap();
    let mut err = child.child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > limit {
            child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let o = t_out.join().unwrap_or_default();
    let e = t_err.join().unwrap_or_default();
    (status.map(|s| s.success()).unwrap_or(false), o, e)
}

/// Waits until `f` finds an event or the time runs out.
pub async fn wait_event<T>(rx: &mut UnboundedReceiver<LinkEvent>, limit: Duration, mut f: impl FnMut(&LinkEvent) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let ev = tokio::time::timeout_at(deadline, rx.recv()).await.expect("timed out waiting for a link event").expect("link closed");
        if let Some(t) = f(&ev) {
            return t;
        }
    }
}
