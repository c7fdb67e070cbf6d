//! FC03 reads of 125 registers over a socat PTY pair against the simulator,
//! side by side in one run:
//! 1. Backstop's link, polling a device whose SunSpec models 802–805 span
//!    exactly 4 × 125 registers, decoding every model and logging every
//!    sample into a real project file on disk the way the app does (each
//!    sample staged as it arrives by a task on the decoder's runtime,
//!    written every 250 ms on the blocking pool through
//!    `backstop_store::TelemetryLogger`), once as configured by default and
//!    once with the serial reader's reply polling off;
//! 2. a raw tokio-modbus client; and the reference from the issue and
//!    `notes/modbus.md`: a raw tokio-modbus client against a tokio-modbus
//!    RTU server on a PTY pair of its own (no decoding, no logging; 19,448
//!    reads/s where the 15,000 target was set), which calibrates this
//!    machine against that one;
//! 3. the full path and the raw client again against the same simulated
//!    pack served on a thread of this process, as the reference's server
//!    is, and against the reference's own tokio-modbus server answering
//!    from that pack's registers (only the master differs from the
//!    reference pair);
//! 4. the pymodbus client (Python venv);
//! 5. mbpoll;
//! 6. Backstop's link again with the simulator emulating a 115200-baud wire,
//!    against the theoretical frame rate.
//!
//! Run: `cargo bench -p backstop-sim --bench fc03` (BENCH_SECONDS=N per
//! measurement, default 5; BENCH_ROUNDS=N interleaved rounds, default 5,
//! 0 for the wire emulation alone). Prints a markdown table.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use backstop_link::{Link, PollConfig, PollSource, PollTarget};
use backstop_model::link::{LinkConfig, LinkEvent, LinkTarget, SerialSettings};
use backstop_sim::server::theoretical_rate;

mod support;
use support::{Guard, pty, start_sim};

fn sim(b: &Path, extra: &[&str]) -> Guard {
    let mut args = vec!["--serial", b.to_str().unwrap(), "--units", "1", "--freeze", "--strings", "1", "--modules", "2", "--cells", "26"];
    args.extend_from_slice(extra);
    start_sim(&args)
}

fn seconds() -> f64 {
    std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5.0)
}

/// Reads/s of the reference pair (tokio-modbus client → tokio-modbus RTU
/// server) on the machine where the 15,000 reads/s target was set.
const REFERENCE_RATE: f64 = 19_448.0;

/// How often the logger writes staged telemetry. The app writes every
/// 2 s (`link_hub::FLUSH_EVERY`); a shorter period here is the harder case
/// (more transactions per second of polling).
const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// The app's telemetry logging (`link_hub::LinkHub::start_logger`): a task
/// on the runtime where the link's decoder runs stages each sample as it
/// arrives (so the decoded sample is dropped at once) and every
/// [`FLUSH_EVERY`] hands the logger to the blocking pool to write what was
/// staged into the project file. Returns the number of values stored once
/// `rx` closes.
fn logger(
    rt: &tokio::runtime::Handle,
    project: &Path,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<backstop_model::link::TelemetrySample>,
) -> tokio::task::JoinHandle<u64> {
    let info = backstop_model::project::ProjectInfo { name: "fc03 bench".into(), ..Default::default() };
    let p = backstop_store::Project::create(project, &info, &backstop_store::CreateOptions::default()).expect("create the bench project");
    rt.spawn(async move {
        let mut state = Some((backstop_store::TelemetryLogger::new(), p));
        let mut stored = 0u64;
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        loop {
            let closed = tokio::select! {
                s = rx.recv() => match s {
                    Some(s) => {
                        if let Some((log, _)) = state.as_mut() {
                            log.stage(&s);
                        }
                        continue;
                    }
                    None => true,
                },
                _ = tick.tick() => false,
            };
            let (mut log, mut p) = state.take().expect("logger state");
            let (n, back) = tokio::task::spawn_blocking(move || {
                let n = log.flush(&mut p).expect("log telemetry");
                (n, (log, p))
            })
            .await
            .expect("flush task");
            stored += n as u64;
            state = Some(back);
            if closed {
                return stored;
            }
        }
    })
}

/// Backstop's link polling back to back, logging into a project file in
/// `dir`; returns (FC03 reads/s, samples/s).
async fn ours(a: &Path, dir: &Path, gap_us: Option<u32>, spin_us: Option<u32>, secs: f64) -> (f64, f64) {
    let mut cfg = LinkConfig::new(LinkTarget::Serial(SerialSettings::new(a.to_string_lossy(), 115200)));
    cfg.gap_us = gap_us;
    cfg.reply_spin_us = spin_us;
    cfg.timeout_ms = 1000;
    let samples = Arc::new(AtomicU64::new(0));
    let points = Arc::new(AtomicU64::new(0));
    let (s2, p2) = (samples.clone(), points.clone());
    static RUN: AtomicU64 = AtomicU64::new(0);
    let project = dir.join(format!("log {}.backstop", RUN.fetch_add(1, Ordering::Relaxed)));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let writer = logger(&tokio::runtime::Handle::current(), &project, rx);
    // The link may hold its sink past `close`: the sender is taken out of it
    // to end the logger.
    let tx = Arc::new(std::sync::Mutex::new(Some(tx)));
    let tx_sink = tx.clone();
    // The sink the app installs: fresh samples go to the logger.
    let sink = move |e: LinkEvent| {
        if let LinkEvent::Sample(s) = e
            && !s.stale
        {
            let n: usize = s.models.iter().map(|m| m.all_points().len()).sum();
            p2.fetch_add(n as u64, Ordering::Relaxed);
            s2.fetch_add(1, Ordering::Relaxed);
            if let Some(tx) = tx_sink.lock().ok().and_then(|g| g.clone()) {
                let _ = tx.send(s);
            }
        }
    };
    let link = Link::open(cfg, Arc::new(sink)).await.expect("open link");
    let dev = link.discover(1).await.expect("discover");
    let models: Vec<_> = dev.models.iter().filter(|m| m.id != 1).cloned().collect();
    let span: u32 = models.iter().map(|m| u32::from(m.length) + 2).sum();
    assert_eq!(span, 500, "bench device must span 4 × 125 registers");
    // The requests one sample takes, as the link plans them.
    let headers: Vec<u16> = models.iter().map(|m| m.address).collect();
    let per_sample: usize =
        backstop_link::poll::sunspec_spans(&models).iter().map(|s| backstop_link::poll::header_checked_requests(s, &headers).len()).sum();
    assert_eq!(per_sample, 4, "the link reads the bench device's 500 registers in 4 requests");
    link.start_polling(PollConfig::new(vec![PollTarget { unit: 1, source: PollSource::SunSpec(models) }], Duration::ZERO)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await; // warm up
    let s0 = samples.load(Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let n = samples.load(Ordering::Relaxed) - s0;
    let dt = t0.elapsed().as_secs_f64();
    link.stop_polling().await.unwrap();
    link.close().await;
    assert!(points.load(Ordering::Relaxed) > 0);
    // Close the logger's channel, let it write the rest, and check the file
    // holds what was logged.
    if let Ok(mut g) = tx.lock() {
        g.take();
    }
    let stored = writer.await.expect("logger task");
    assert!(stored > 0, "nothing was logged to {}", project.display());
    let check = backstop_store::Project::open(&project, &backstop_store::OpenOptions::view()).expect("reopen the bench project");
    let series = check.find_telemetry_point("unit 1", "802.1.SoC").expect("query").expect("802.1.SoC logged");
    assert!(!check.read_telemetry(series, 0, i64::MAX).expect("read back").is_empty());
    (n as f64 * 4.0 / dt, n as f64 / dt)
}

/// The simulated pack of [`sim`] (one unit, frozen values), as a library
/// value.
fn bench_pack() -> backstop_sim::Sim {
    let mut unit = backstop_sim::UnitConfig::new(1);
    unit.spec = backstop_sim::PackSpec { strings: 1, modules: 2, cells: 26, ..backstop_sim::PackSpec::default() };
    let config = backstop_sim::SimConfig { units: vec![unit], faults: backstop_sim::Faults::default(), wire_baud: None, frozen: true };
    backstop_sim::Sim::new(config).expect("the bench's simulated pack")
}

/// The same simulated pack as [`sim`], served by the simulator's library
/// on a thread of this process with a current-thread runtime — the way the
/// reference pair's tokio-modbus server runs. Beside the out-of-process
/// simulator it shows how much of the gap to the reference is the device
/// living in another process rather than the master.
fn sim_in_process(b: &Path) -> std::thread::JoinHandle<()> {
    let sim = bench_pack();
    let path = b.to_string_lossy().into_owned();
    std::thread::Builder::new()
        .name("sim-in-process".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            // Ends with an error when the bench drops the PTY pair.
            let _ = rt.block_on(backstop_sim::server::serve_serial(sim, path, 115200));
        })
        .expect("the simulator's thread")
}

/// A tokio-modbus RTU server on its own thread and current-thread runtime:
/// the calibration peer, answering FC03 with fixed values when `pack` is
/// `None`; with a pack, the reference's own server answering from that
/// simulated pack's register map (every read a register-for-register copy
/// of what the simulator would answer), so the full path can be measured
/// against the very device program the reference pair uses.
fn tokio_modbus_server(b: &Path, pack: Option<backstop_sim::Sim>) -> std::thread::JoinHandle<()> {
    use tokio_modbus::prelude::*;
    struct Regs(Option<backstop_sim::Sim>);
    impl tokio_modbus::server::Service for Regs {
        type Request = Request<'static>;
        type Response = Response;
        type Exception = ExceptionCode;
        type Future = std::future::Ready<Result<Response, ExceptionCode>>;
        fn call(&self, req: Request<'static>) -> Self::Future {
            std::future::ready(match (req, &self.0) {
                (Request::ReadHoldingRegisters(a, n), None) => {
                    Ok(Response::ReadHoldingRegisters((0..n).map(|i| a.wrapping_add(i)).collect()))
                }
                (Request::ReadHoldingRegisters(a, n), Some(sim)) => match sim.lock().units.get(&1).map(|u| u.read(a, n)) {
                    Some(Ok(regs)) => Ok(Response::ReadHoldingRegisters(regs.to_vec())),
                    Some(Err(backstop_sim::device::exc::ILLEGAL_ADDRESS)) => Err(ExceptionCode::IllegalDataAddress),
                    _ => Err(ExceptionCode::IllegalDataValue),
                },
                _ => Err(ExceptionCode::IllegalFunction),
            })
        }
    }
    let path = b.to_string_lossy().into_owned();
    std::thread::Builder::new()
        .name("ref-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let server = tokio_modbus::server::rtu::Server::new_from_path(path, 115200).expect("open the server's PTY");
                // Ends with an error when the bench drops the PTY pair.
                let _ = server.serve_forever(Regs(pack)).await;
            });
        })
        .expect("the reference server's thread")
}

/// The raw client on a current-thread runtime of its own thread, as a
/// minimal tokio-modbus program runs (on a multi-thread runtime every reply
/// would cross threads, which costs a third of its rate on this machine).
fn raw_tokio_modbus_thread(a: &Path, secs: f64) -> f64 {
    let a = a.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(raw_tokio_modbus(&a, secs))
    })
    .join()
    .expect("raw client thread")
}

async fn raw_tokio_modbus(a: &Path, secs: f64) -> f64 {
    use tokio_modbus::prelude::*;
    let port = tokio_serial::SerialStream::open(&tokio_serial::new(a.to_string_lossy(), 115200)).unwrap();
    let mut ctx = tokio_modbus::client::rtu::attach_slave(port, Slave(1));
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed().as_secs_f64() < secs {
        let r = tokio::time::timeout(Duration::from_secs(1), ctx.read_holding_registers(40070, 125)).await;
        assert_eq!(r.unwrap().unwrap().unwrap().len(), 125);
        n += 1;
    }
    let _ = ctx.disconnect().await;
    n as f64 / t0.elapsed().as_secs_f64()
}

fn python() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = std::env::var_os("BACKSTOP_VENV").map(PathBuf::from).unwrap_or_else(|| root.join(".venv"));
    let py = venv.join("bin/python");
    py.exists().then_some(py)
}

fn pymodbus(a: &Path, secs: f64) -> Option<f64> {
    let py = python()?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/pymodbus_client.py");
    let out = Command::new(py).arg(script).arg("bench").arg(a).args(["115200", "1", "40070", "125", &secs.to_string()]).output().ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some(v["reads"].as_f64()? / v["seconds"].as_f64()?)
}

fn mbpoll(a: &Path, secs: f64) -> Option<f64> {
    let mut child = Command::new("stdbuf")
        .args([
            "-oL", "mbpoll", "-m", "rtu", "-b", "115200", "-P", "none", "-a", "1", "-t", "4", "-0", "-r", "40070", "-c", "125", "-l", "10",
            "-o", "1",
        ])
        .arg(a)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut out = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    std::thread::sleep(Duration::from_secs_f64(secs));
    let _ = child.kill();
    let _ = child.wait();
    let text = reader.join().ok()?;
    let polls = text.matches("-- Polling slave").count();
    let errors = text.matches("failed").count();
    (polls > 0 && errors == 0).then(|| polls as f64 / secs)
}

fn stats(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[v.len() - 1])
}

fn main() {
    let secs = seconds();
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (_socat, a, b) = pty(dir.path(), "bench");
    let sim_guard = sim(&b, &[]);
    let (_socat_ref, ref_a, ref_b) = pty(dir.path(), "ref");
    let _ref_server = tokio_modbus_server(&ref_b, None);
    let (_socat_tm, tm_a, tm_b) = pty(dir.path(), "tm-pack");
    let _tm_server = tokio_modbus_server(&tm_b, Some(bench_pack()));
    let (_socat_in, in_a, in_b) = pty(dir.path(), "inproc");
    let _in_sim = sim_in_process(&in_b);
    // Interleaved rounds: load from other processes hits every master alike.
    let (mut ours_r, mut samples_r, mut raw_r, mut py_r, mut mb_r) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut ref_r, mut nospin_r, mut in_r, mut in_nospin_r, mut in_raw_r) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut tm_r, mut tm_nospin_r, mut tm_raw_r) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (r, s) = rt.block_on(ours(&a, dir.path(), Some(0), None, secs));
        ours_r.push(r);
        samples_r.push(s);
        // The same path with the serial reader's reply polling off: whether
        // polling pays depends on how many CPUs the machine gives the two ends.
        nospin_r.push(rt.block_on(ours(&a, dir.path(), Some(0), Some(0), secs)).0);
        raw_r.push(raw_tokio_modbus_thread(&a, secs));
        ref_r.push(raw_tokio_modbus_thread(&ref_a, secs));
        in_r.push(rt.block_on(ours(&in_a, dir.path(), Some(0), None, secs)).0);
        in_nospin_r.push(rt.block_on(ours(&in_a, dir.path(), Some(0), Some(0), secs)).0);
        in_raw_r.push(raw_tokio_modbus_thread(&in_a, secs));
        tm_r.push(rt.block_on(ours(&tm_a, dir.path(), Some(0), None, secs)).0);
        tm_nospin_r.push(rt.block_on(ours(&tm_a, dir.path(), Some(0), Some(0), secs)).0);
        tm_raw_r.push(raw_tokio_modbus_thread(&tm_a, secs));
        if let Some(p) = pymodbus(&a, secs) {
            py_r.push(p);
        }
        if let Some(m) = mbpoll(&a, secs) {
            mb_r.push(m);
        }
    }
    drop(sim_guard);
    let _sim_wire = sim(&b, &["--wire-baud", "115200"]);
    // A window of 30 s or more: one sample is 4 reads (114 ms of wire), so
    // the sample cut off at either end of a 10 s window cost up to 1 %.
    let (wire_reads, _) = rt.block_on(ours(&a, dir.path(), None, None, (secs * 6.0).max(30.0)));
    let theory = theoretical_rate(125, 115200);
    let row = |name: &str, v: &[f64]| {
        if v.is_empty() {
            println!("| {name} | not run (peer missing) | |");
        } else {
            let (med, best) = stats(v);
            println!("| {name} | {med:.0} | {best:.0} |");
        }
    };
    println!("\n| Master (FC03 of 125 registers over a PTY pair, backstop-sim) | reads/s median | best round |");
    println!("|---|---:|---:|");
    row(
        &format!(
            "Backstop link: polling, SunSpec decoding of 802–805, logging to the project file ({:.0} samples/s median)",
            stats(&samples_r).0
        ),
        &ours_r,
    );
    row("… the same, the serial reader's reply polling off (`reply_spin_us = 0`)", &nospin_r);
    row("raw tokio-modbus 0.17 client", &raw_r);
    row(&format!("reference: raw tokio-modbus client → tokio-modbus RTU server ({REFERENCE_RATE:.0} where the target was set)"), &ref_r);
    row("Backstop link, full path as above, simulator served on a thread of the bench process (as the reference's server is)", &in_r);
    row("… the same, reply polling off", &in_nospin_r);
    row("raw tokio-modbus 0.17 client, simulator on a thread of the bench process", &in_raw_r);
    row("Backstop link, full path as above, against the reference's tokio-modbus RTU server serving the same simulated pack", &tm_r);
    row("… the same, reply polling off", &tm_nospin_r);
    row("raw tokio-modbus 0.17 client against that server (the reference pair on the pack's registers)", &tm_raw_r);
    row("pymodbus 3.16 client", &py_r);
    row("mbpoll (10 ms poll floor)", &mb_r);
    println!(
        "| Backstop link, simulator emulating a 115200-baud wire (theory {theory:.2}/s) | {wire_reads:.2} ({:.1} % of theory) | |",
        100.0 * wire_reads / theory
    );
    if rounds == 0 {
        // `BENCH_ROUNDS=0`: the wire emulation alone.
        return;
    }
    let (ours_med, ref_med, nospin_med) = (stats(&ours_r).0, stats(&ref_r).0, stats(&nospin_r).0);
    let (in_med, in_nospin_med, in_raw_med) = (stats(&in_r).0, stats(&in_nospin_r).0, stats(&in_raw_r).0);
    println!(
        "\n{rounds} interleaved rounds of {secs} s per master; targets: ≥ 15000 reads/s, ≥ 95 % of the wire limit.\n\
         This machine runs the reference pair at {ref_med:.0} reads/s ({:.0} % of {REFERENCE_RATE:.0}); Backstop's full path runs at {:.0} % of the reference, \
         i.e. {:.0} reads/s scaled to the machine where the target was set ({:.0} % with the reply polling off).",
        100.0 * ref_med / REFERENCE_RATE,
        100.0 * ours_med / ref_med,
        ours_med / ref_med * REFERENCE_RATE,
        100.0 * nospin_med / ref_med
    );
    println!(
        "With the simulator on a thread of this process, as the reference's server: Backstop's full path runs at {:.0} % of the reference \
         ({:.0} % with the reply polling off) and {:.0} % of a raw client reading that simulator; the raw client reads it at {:.0} % of the reference.",
        100.0 * in_med / ref_med,
        100.0 * in_nospin_med / ref_med,
        100.0 * in_med.max(in_nospin_med) / in_raw_med,
        100.0 * in_raw_med / ref_med
    );
    let (tm_med, tm_nospin_med, tm_raw_med) = (stats(&tm_r).0, stats(&tm_nospin_r).0, stats(&tm_raw_r).0);
    println!(
        "Against the reference's own server serving the same pack (only the master differs): Backstop's full path runs at {:.0} % of the \
         reference ({:.0} % with the reply polling off), {:.0} % of the raw client on that server; the raw client on it runs at {:.0} % of the reference.",
        100.0 * tm_med / ref_med,
        100.0 * tm_nospin_med / ref_med,
        100.0 * tm_med.max(tm_nospin_med) / tm_raw_med,
        100.0 * tm_raw_med / ref_med
    );
}
