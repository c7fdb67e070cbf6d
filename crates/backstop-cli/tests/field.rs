//! The field commands (`ports`, `scan`, `read`, `monitor`, `log`, `write`)
//! against the pack-controller simulator, over a real socat PTY pair and
//! over Modbus TCP, with real project files.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backstop_store::{AuditOutcome, OpenOptions, Project};

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn backstop(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backstop")).args(args).stdin(Stdio::null()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// `backstop-sim`, built beside `backstop` (cargo builds every binary of
/// the workspace for `cargo test --workspace`; scripts/test builds it first).
fn sim_binary() -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_backstop")).with_file_name("backstop-sim");
    assert!(p.is_file(), "{} is missing: build it first (cargo build -p backstop-sim)", p.display());
    p
}

/// A running simulator and its control address (and TCP address).
struct Sim {
    _guard: Guard,
    control: String,
    tcp: Option<String>,
}

impl Sim {
    fn start(args: &[&str]) -> Sim {
        let mut child = Command::new(sim_binary())
            .args(args)
            .args(["--control", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start backstop-sim");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        });
        assert!(line.starts_with("ready"), "{line}");
        let field = |k: &str| line.split_whitespace().find_map(|w| w.strip_prefix(&format!("{k}=")).map(str::to_string));
        Sim { control: field("control").unwrap(), tcp: field("tcp"), _guard: Guard(child) }
    }

    fn ctl(&self, cmd: &str) -> String {
        let mut s = std::net::TcpStream::connect(&self.control).unwrap();
        s.write_all(format!("{cmd}\n").as_bytes()).unwrap();
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line).unwrap();
        assert!(line.starts_with("ok"), "{cmd}: {line}");
        line.trim_start_matches("ok").trim().to_string()
    }
}

/// A socat PTY pair: (socat, our end, the simulator's end).
fn pty(dir: &Path) -> (Guard, PathBuf, PathBuf) {
    let (a, b) = (dir.join("ttyA"), dir.join("ttyB"));
    let child = Command::new("socat")
        .arg(format!("pty,raw,echo=0,link={}", a.display()))
        .arg(format!("pty,raw,echo=0,link={}", b.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("socat is needed (scripts/setup installs it)");
    let start = Instant::now();
    while !(a.exists() && b.exists()) {
        assert!(start.elapsed() < Duration::from_secs(5), "socat did not create its PTYs");
        std::thread::sleep(Duration::from_millis(10));
    }
    (Guard(child), a, b)
}

fn demo(dir: &Path) -> PathBuf {
    let file = dir.join("site.backstop");
    let (code, _, err) = backstop(&["demo", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    file
}

#[test]
fn ports_lists_what_the_computer_has() {
    let (code, out, err) = backstop(&["ports"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("device") || out.starts_with("no serial ports"), "{out}");
    let (code, out, _) = backstop(&["ports", "--json"]);
    assert_eq!(code, 0);
    assert!(serde_json::from_str::<serde_json::Value>(&out).unwrap().is_array());
}

/// Scan, read, monitor, log and write over one transport: `link` is the
/// port (or `--tcp`, `HOST:PORT`).
fn exercise(link: &[&str], sim: &Sim, dir: &Path) {
    let with = |args: &[&str]| -> Vec<String> { args.iter().chain(link).map(|s| s.to_string()).collect() };
    let run = |args: Vec<String>| backstop(&args.iter().map(String::as_str).collect::<Vec<_>>());

    // scan: exactly the simulated ids, progress on stderr.
    let (code, out, err) = run(with(&["scan", "--units", "1-4", "--id-timeout-ms", "250"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("unit   1  SunSpec at 40000") && out.contains("unit   3  SunSpec at 40000"), "{out}");
    assert!(!out.contains("unit   2") && !out.contains("unit   4"), "{out}");
    assert!(err.contains("scanning"), "progress goes to stderr: {err}");
    let (code, out, _) = run(with(&["scan", "--units", "5-6", "--id-timeout-ms", "100"]));
    assert_eq!(code, 1, "nothing answered: {out}");

    // read: every point with its unit; "not implemented" shown as such;
    // the JSON agrees with the simulator.
    let (code, out, err) = run(with(&["read", "--unit", "1", "--model", "802"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("model 802 Battery Base Model at 40070"), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("ReqW") && l.contains("not implemented")), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("V ") && l.trim_end().ends_with(" V")), "{out}");
    let (code, json, _) = run(with(&["read", "--unit", "3", "--json"]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let b = v["models"].as_array().unwrap().iter().find(|m| m["id"] == 802).unwrap();
    let soc = b["points"].as_array().unwrap().iter().find(|p| p["name"] == "SoC").unwrap()["value"]["value"].as_f64().unwrap();
    assert_eq!(format!("{soc}"), sim.ctl("get 3 802 SoC"));
    assert_eq!(v["models"].as_array().unwrap().len(), v["device"]["models"].as_array().unwrap().len());
    let (code, _, err) = run(with(&["read", "--unit", "4"]));
    assert_eq!(code, 1, "an absent unit: {err}");
    assert!(err.contains("did not answer"), "{err}");

    // monitor: live values, then stale once the unit stops answering.
    let args = with(&["monitor", "--unit", "1", "--interval-ms", "200", "--stale-after-s", "1", "--duration-s", "3"]);
    let child = Command::new(env!("CARGO_BIN_EXE_backstop")).args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    sim.ctl("fault no-reply on");
    let out = child.wait_with_output().unwrap();
    sim.ctl("fault clear");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("unit 1: online") && text.contains("SoC"), "{text}");
    assert!(text.contains("OFFLINE — values are STALE"), "stale is flagged: {text}");

    // log: telemetry into the project, as the app logs it.
    let project = demo(dir);
    let p = project.to_str().unwrap();
    let (code, out, err) = run(with(&["log", "--units", "1,3", "--project", p, "--interval-ms", "200", "--duration-s", "2.5"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("value(s) stored"), "{out}");
    {
        let pr = Project::open(&project, &OpenOptions::view()).unwrap();
        for unit in [1, 3] {
            let id = pr.find_telemetry_point(&format!("unit {unit}"), "802.1.SoC").unwrap().expect("a SoC series per unit");
            let values = pr.read_telemetry(id, 0, i64::MAX).unwrap();
            assert!(values.len() >= 5, "unit {unit}: {} values", values.len());
            assert!(values.iter().all(|s| format!("{}", s.value) == sim.ctl(&format!("get {unit} 802 SoC"))), "{values:?}");
        }
    }

    // write: outside the project's design setpoint (10 ± 0.5 %) refused with
    // nothing on the wire; inside verified; both in the audit log.
    let traffic = dir.join("refused.txt");
    let (code, _, err) = run(with(&[
        "write",
        "--unit",
        "1",
        "--point",
        "802.SoCRsvMin",
        "--value",
        "40",
        "--project",
        p,
        "--engineer",
        "J. Tester",
        "--traffic",
        traffic.to_str().unwrap(),
    ]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("design setpoint 802.SoCRsvMin = 10 ± 0.5 %"), "{err}");
    let frames = std::fs::read_to_string(&traffic).unwrap();
    assert!(!frames.contains("write register"), "nothing was written: {frames}");
    assert_eq!(sim.ctl("get 1 802 SoCRsvMin"), "10");
    let (code, out, err) =
        run(with(&["write", "--unit", "1", "--point", "802.SoCRsvMin", "--value", "10.3", "--project", p, "--engineer", "J. Tester"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verified by read-back"), "{out}");
    assert_eq!(sim.ctl("get 1 802 SoCRsvMin"), "10.3");
    let (code, _, err) =
        run(with(&["write", "--unit", "1", "--point", "802.SetOp", "--value", "NO_SUCH", "--project", p, "--engineer", "J. Tester"]));
    assert_eq!(code, 4, "an unknown symbol is refused: {err}");
    let pr = Project::open(&project, &OpenOptions::view()).unwrap();
    let audit = pr.audit_log(0, i64::MAX).unwrap();
    let outcomes: Vec<AuditOutcome> = audit.iter().map(|a| a.outcome).collect();
    assert_eq!(outcomes, vec![AuditOutcome::Refused, AuditOutcome::Done, AuditOutcome::Refused], "{audit:?}");
    assert!(audit.iter().all(|a| a.who == "J. Tester" && a.target.starts_with("802 ")));
}

#[test]
fn field_commands_over_a_pty() {
    let dir = tempfile::tempdir().unwrap();
    let (_socat, a, b) = pty(dir.path());
    let sim = Sim::start(&["--serial", b.to_str().unwrap(), "--units", "1,3", "--freeze"]);
    exercise(&[a.to_str().unwrap(), "--timeout-ms", "200"], &sim, dir.path());
}

#[test]
fn field_commands_over_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(&["--tcp", "127.0.0.1:0", "--units", "1,3", "--freeze"]);
    let tcp = sim.tcp.clone().unwrap();
    // A gateway answers absent units with exception 0B rather than silence.
    let (code, out, _) = backstop(&["scan", "--tcp", &tcp, "--units", "2", "--id-timeout-ms", "100"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("exception 11"), "{out}");
    exercise_tcp(&tcp, &sim, dir.path());
}

/// Over TCP the gateway answers every id, so the scan and absent-unit
/// checks differ; everything else is the same as over a PTY.
fn exercise_tcp(tcp: &str, sim: &Sim, dir: &Path) {
    let project = demo(dir);
    let p = project.to_str().unwrap();
    let (code, out, err) = backstop(&["read", "--tcp", tcp, "--unit", "1", "--model", "802"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("SoCRsvMin"), "{out}");
    let (code, out, err) = backstop(&["log", "--tcp", tcp, "--units", "1", "--project", p, "--interval-ms", "200", "--duration-s", "1.5"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("value(s) stored"), "{out}");
    let (code, out, err) = backstop(&["monitor", "--tcp", tcp, "--unit", "3", "--duration-s", "1", "--interval-ms", "200"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("unit 3: online"), "{out}");
    let (code, _, err) = backstop(&[
        "write",
        "--tcp",
        tcp,
        "--unit",
        "3",
        "--point",
        "802.SoCRsvMin",
        "--value",
        "9.8",
        "--project",
        p,
        "--engineer",
        "J. Tester",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sim.ctl("get 3 802 SoCRsvMin"), "9.8");
}

#[test]
fn a_write_under_echo_with_nobody_listening_is_not_verified_and_says_so_in_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let (_socat, a, b) = pty(dir.path());
    let sim = Sim::start(&["--serial", b.to_str().unwrap(), "--units", "1", "--freeze"]);
    let project = demo(dir.path());
    // The adapter echoes and the device has gone quiet (or was never there).
    sim.ctl("fault echo on");
    sim.ctl("fault no-reply on");
    let (code, _, err) = backstop(&[
        "write",
        a.to_str().unwrap(),
        "--timeout-ms",
        "150",
        "--retries",
        "0",
        "--unit",
        "1",
        "--point",
        "802.SoCRsvMin",
        "--value",
        "10.2",
        "--project",
        project.to_str().unwrap(),
        "--engineer",
        "J. Tester",
    ]);
    assert_ne!(code, 0, "never verified: {err}");
    assert_eq!(code, 3, "no answer: {err}");
    let pr = Project::open(&project, &OpenOptions::view()).unwrap();
    let audit = pr.audit_log(0, i64::MAX).unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].outcome, AuditOutcome::Failed);
    let details = audit[0].details.to_string();
    assert!(details.contains("did not answer") || details.contains("NOT verified"), "{details}");
    assert_eq!(sim.ctl("get 1 802 SoCRsvMin"), "10", "the device never changed");
}
