//! Field commands: the live link on the command line (`ports`, `scan`,
//! `read`, `monitor`, `log`, `write`).
//!
//! They drive the same link crate and the same code paths as the app: the
//! same discovery, the same poll targets ([`PollTarget::for_device`]), the
//! same telemetry logger into the project file, the same project write
//! limits ([`backstop_commission::limits::write_limits`]) and the same audit
//! records ([`AuditEntry::for_write`]). Nothing here frames Modbus or
//! decides a limit.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use backstop_link::{CancelToken, Link, LinkError, PollConfig, PollTarget, channel_sink};
use backstop_model::link::{
    DecodedModel, DeviceHealth, DeviceInfo, EchoMode, LinkConfig, LinkEvent, LinkTarget, Parity, PointValue, ScanRequest, SerialSettings,
    StopBits, TelemetrySample, WriteOutcomeKind, WriteRequest, WriteValue,
};
use backstop_store::{AuditEntry, OpenOptions, Project, TelemetryLogger};
use clap::{Args, ValueEnum};
use tokio::sync::mpsc::UnboundedReceiver;

/// How often `log` writes what it staged (the app's own period).
const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// Exit codes of `backstop write`.
pub mod write_exit {
    /// Written and verified by read-back.
    pub const VERIFIED: u8 = 0;
    /// The device answered, but the read-back differs.
    pub const MISMATCH: u8 = 1;
    /// No usable answer: the result is unknown.
    pub const NO_ANSWER: u8 = 3;
    /// Refused before anything was sent (limits, not armed, unknown point).
    pub const REFUSED: u8 = 4;
    /// The device refused the write with a Modbus exception.
    pub const REJECTED: u8 = 5;
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ParityArg {
    None,
    Even,
    Odd,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum EchoArg {
    /// The adapter does not echo (what the line does when the port opens decides in the end).
    Off,
    /// Strip our own request when it comes back first.
    Suppress,
}

/// Where the packs are and how to talk to them.
#[derive(Args)]
pub struct LinkArgs {
    /// Serial device (e.g. /dev/ttyUSB0, COM7).
    #[arg(value_name = "PORT", required_unless_present = "tcp", conflicts_with = "tcp")]
    pub port: Option<String>,
    /// A Modbus TCP gateway instead of a serial port, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    pub tcp: Option<String>,
    #[arg(long, default_value_t = 115200)]
    pub baud: u32,
    #[arg(long, value_enum, default_value = "none")]
    pub parity: ParityArg,
    #[arg(long = "stop-bits", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub stop_bits: u8,
    /// Per-request timeout in milliseconds.
    #[arg(long = "timeout-ms", default_value_t = 1000)]
    pub timeout_ms: u32,
    /// Extra attempts after a timeout or a damaged reply.
    #[arg(long, default_value_t = 2)]
    pub retries: u8,
    /// RS-485 echo suppression.
    #[arg(long, value_enum, default_value = "off")]
    pub echo: EchoArg,
    /// Save the raw frames (the traffic monitor) to this file when done; `.csv` for CSV, else text.
    #[arg(long, value_name = "FILE")]
    pub traffic: Option<PathBuf>,
}

impl LinkArgs {
    fn config(&self) -> Result<LinkConfig> {
        let target = match (&self.port, &self.tcp) {
            (_, Some(tcp)) => {
                let (host, port) = tcp.rsplit_once(':').context("--tcp wants HOST:PORT, e.g. 192.168.1.20:502")?;
                let port: u16 = port.parse().with_context(|| format!("--tcp: {port} is not a port number"))?;
                LinkTarget::Tcp { host: host.to_string(), port }
            }
            (Some(path), None) => {
                let mut s = SerialSettings::new(path.clone(), self.baud);
                s.parity = match self.parity {
                    ParityArg::None => Parity::None,
                    ParityArg::Even => Parity::Even,
                    ParityArg::Odd => Parity::Odd,
                };
                s.stop_bits = if self.stop_bits == 2 { StopBits::Two } else { StopBits::One };
                LinkTarget::Serial(s)
            }
            (None, None) => bail!("name the serial port (e.g. /dev/ttyUSB0) or a gateway with --tcp HOST:PORT"),
        };
        let mut c = LinkConfig::new(target);
        c.timeout_ms = self.timeout_ms.max(1);
        c.retries = self.retries;
        c.echo = match self.echo {
            EchoArg::Off => EchoMode::Off,
            EchoArg::Suppress => EchoMode::Suppress,
        };
        c.monitor = true;
        Ok(c)
    }
}

/// An open link with its event stream; saves the traffic when dropped
/// through [`Session::finish`].
struct Session {
    link: Link,
    events: UnboundedReceiver<LinkEvent>,
    traffic: Option<PathBuf>,
}

impl Session {
    async fn open(args: &LinkArgs) -> Result<Session> {
        let config = args.config()?;
        let (sink, events) = channel_sink();
        let link = Link::open(config, sink).await?;
        Ok(Session { link, events, traffic: args.traffic.clone() })
    }

    /// Closes the link and writes the traffic file, if asked for.
    async fn finish(self) -> Result<()> {
        self.link.close().await;
        if let Some(path) = &self.traffic {
            let frames = self.link.traffic(0);
            let text = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
                backstop_link::export_csv(&frames)
            } else {
                backstop_link::export_text(&frames)
            };
            std::fs::write(path, text).with_context(|| format!("cannot write the traffic file {}", path.display()))?;
            eprintln!("traffic: {} frame(s) written to {}", frames.len(), path.display());
        }
        Ok(())
    }

    /// The echo note of the line as the link found it, if the setting disagrees.
    fn echo_note(&mut self) -> Option<String> {
        while let Ok(ev) = self.events.try_recv() {
            if let LinkEvent::Link(backstop_model::link::LinkState::Connected { echo_note: Some(n), .. }) = ev {
                return Some(n);
            }
        }
        None
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("cannot start the async runtime")
}

/// `backstop ports`.
pub fn run_ports(json: bool) -> Result<ExitCode> {
    let ports = backstop_link::list_ports()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&ports)?);
        return Ok(ExitCode::SUCCESS);
    }
    if ports.is_empty() {
        println!("no serial ports found (is the USB adapter plugged in? on Linux, is this user in the dialout group?)");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<24} {:<8} {:<10} {:<20} product", "device", "kind", "VID:PID", "serial number");
    for p in ports {
        let id = match (p.vid, p.pid) {
            (Some(v), Some(d)) => format!("{v:04x}:{d:04x}"),
            _ => "—".into(),
        };
        let product = [p.manufacturer.as_deref(), p.product.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        println!(
            "{:<24} {:<8} {:<10} {:<20} {}",
            p.path,
            p.kind,
            id,
            p.serial_number.as_deref().unwrap_or("—"),
            if product.is_empty() { "—" } else { &product }
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub link: LinkArgs,
    /// Unit ids to probe, e.g. 1-247 or 1,2,10-20.
    #[arg(long, default_value = "1-247")]
    pub units: String,
    /// Time to wait for each id, in milliseconds (most ids are silent).
    #[arg(long = "id-timeout-ms", default_value_t = 100)]
    pub id_timeout_ms: u32,
    #[arg(long)]
    pub json: bool,
}

/// Parses `1,2,5-7` into unit ids (1–247), in order.
fn parse_units(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let a: u8 = a.trim().parse().with_context(|| format!("{a} is not a unit id"))?;
        let b: u8 = b.trim().parse().with_context(|| format!("{b} is not a unit id"))?;
        if a == 0 || b > 247 || a > b {
            bail!("unit ids run from 1 to 247: {part}");
        }
        out.extend(a..=b);
    }
    out.sort_unstable();
    out.dedup();
    if out.is_empty() {
        bail!("no unit ids given");
    }
    Ok(out)
}

/// `backstop scan`: progress on stderr, what answered on stdout. Exit 1
/// when nothing answered.
pub fn run_scan(args: &ScanArgs) -> Result<ExitCode> {
    let units = parse_units(&args.units)?;
    runtime()?.block_on(async {
        let mut s = Session::open(&args.link).await?;
        let tty = std::io::stderr().is_terminal();
        let mut hits = Vec::new();
        // Contiguous ranges go to the link's scan (progress per id); the
        // link's own events feed the progress line.
        let mut ranges: Vec<(u8, u8)> = Vec::new();
        for &u in &units {
            match ranges.last_mut() {
                Some((_, b)) if *b + 1 == u => *b = u,
                _ => ranges.push((u, u)),
            }
        }
        let total = units.len();
        let mut done_before = 0;
        for (first, last) in ranges {
            let req = ScanRequest { first, last, timeout_ms: args.id_timeout_ms };
            let cancel = CancelToken::new();
            let link = s.link.clone();
            let task = tokio::spawn(async move { link.scan(&req, &cancel).await });
            let mut done_here = 0;
            while !task.is_finished() {
                match tokio::time::timeout(Duration::from_millis(50), s.events.recv()).await {
                    Ok(Some(LinkEvent::Scan(p))) => {
                        done_here = usize::from(p.done);
                        let line = format!(
                            "scanning: unit {} ({}/{total}), {} found",
                            p.current,
                            done_before + done_here,
                            hits.len() + p.found.len()
                        );
                        if tty {
                            eprint!("\r{line}   ");
                        } else if p.finished || p.done % 16 == 0 {
                            eprintln!("{line}");
                        }
                    }
                    Ok(Some(_)) | Err(_) => {}
                    Ok(None) => break,
                }
            }
            let found = task.await.context("the scan stopped")??;
            done_before += done_here.max(usize::from(last - first) + 1);
            hits.extend(found);
        }
        if tty {
            eprintln!();
        }
        let note = s.echo_note();
        if args.json {
            println!("{}", serde_json::to_string_pretty(&hits)?);
        } else if hits.is_empty() {
            println!("no unit answered on {} (check wiring A/B, termination, baud rate and parity)", s.link.label());
        } else {
            for h in &hits {
                println!("unit {:>3}  {}", h.unit, h.note);
            }
        }
        if let Some(n) = note {
            eprintln!("note: {n}");
        }
        let code = if hits.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS };
        s.finish().await?;
        Ok(code)
    })
}

#[derive(Args)]
pub struct ReadArgs {
    #[command(flatten)]
    pub link: LinkArgs,
    #[arg(long)]
    pub unit: u8,
    /// Only this SunSpec model (every instance of it), e.g. 802.
    #[arg(long)]
    pub model: Option<u16>,
    #[arg(long)]
    pub json: bool,
}

fn show_value(v: &PointValue) -> String {
    match v {
        PointValue::NotImplemented => "not implemented".into(),
        other => other.display(),
    }
}

fn print_models(models: &[DecodedModel]) {
    for m in models {
        println!("model {} {} at {} (length {})", m.id, m.label, m.address, m.length);
        for p in m.all_points() {
            let unit = p.unit.as_deref().map(|u| if u == "C" { "°C" } else { u }).unwrap_or("");
            println!("  {:<44} {} {}", p.path, show_value(&p.value), unit);
        }
        for n in &m.notes {
            println!("  note: {n}");
        }
    }
}

/// `backstop read`: discovery, then every (or one) model, every point with its unit.
pub fn run_read(args: &ReadArgs) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let s = Session::open(&args.link).await?;
        let result = async {
            let dev = s.link.discover(args.unit).await?;
            let mut models = Vec::new();
            for m in dev.models.iter().filter(|m| m.known && args.model.is_none_or(|id| id == m.id)) {
                models.push(s.link.read_model(args.unit, m).await?);
            }
            Ok::<_, LinkError>((dev, models))
        }
        .await;
        let code = match result {
            Ok((dev, models)) => {
                if let Some(id) = args.model
                    && models.is_empty()
                {
                    eprintln!(
                        "unit {} has no model {id}; it has {}",
                        args.unit,
                        dev.models.iter().map(|m| m.id.to_string()).collect::<Vec<_>>().join(", ")
                    );
                    ExitCode::from(1)
                } else {
                    if args.json {
                        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "device": dev, "models": models }))?);
                    } else {
                        describe_device(&dev);
                        print_models(&models);
                    }
                    ExitCode::SUCCESS
                }
            }
            Err(e) => {
                eprintln!("backstop: {e}");
                ExitCode::from(1)
            }
        };
        s.finish().await?;
        Ok(code)
    })
}

fn describe_device(dev: &DeviceInfo) {
    match &dev.common {
        Some(c) => println!(
            "unit {}: {} {} (serial {}, firmware {}), SunSpec at {}",
            dev.unit, c.manufacturer, c.model, c.serial_number, c.version, dev.base_address
        ),
        None => println!("unit {}: SunSpec at {} (no common model)", dev.unit, dev.base_address),
    }
    for n in &dev.notes {
        println!("note: {n}");
    }
}

#[derive(Args)]
pub struct MonitorArgs {
    #[command(flatten)]
    pub link: LinkArgs,
    #[arg(long)]
    pub unit: u8,
    /// Time from one poll to the next.
    #[arg(long = "interval-ms", default_value_t = 1000)]
    pub interval_ms: u64,
    /// Mark values stale (and the unit offline) after this long without good data.
    #[arg(long = "stale-after-s", default_value_t = 10.0)]
    pub stale_after_s: f64,
    /// Stop after this many seconds (default: until Ctrl+C).
    #[arg(long = "duration-s")]
    pub duration_s: Option<f64>,
}

/// The monitor's table of one sample: the pack's headline values.
fn monitor_table(sample: Option<&TelemetrySample>, health: Option<&(DeviceHealth, String)>, unit: u8) -> String {
    let mut out = String::new();
    let state = match (health, sample) {
        (Some((DeviceHealth::Offline, m)), _) => format!("OFFLINE — values are STALE ({m})"),
        (Some((DeviceHealth::Degraded, m)), _) => format!("no answer to the last poll ({m})"),
        (_, Some(s)) if s.stale => "STALE".into(),
        (_, Some(_)) => "online".into(),
        (_, None) => "waiting for the first poll".into(),
    };
    out.push_str(&format!("unit {unit}: {state}\n"));
    let Some(s) = sample else { return out };
    let stale = if s.stale { " (stale)" } else { "" };
    out.push_str(&format!("read at {}{stale}\n", backstop_model::time::format_utc(s.time_ms as i64)));
    for m in s.models.iter().filter(|m| m.id == 802 || m.id == 804) {
        let instance = if m.id == 804 {
            m.point("Idx").map(|p| format!(" string {}", show_value(&p.value))).unwrap_or_default()
        } else {
            String::new()
        };
        out.push_str(&format!("model {}{instance}\n", m.id));
        for name in ["State", "SoC", "SoH", "V", "A", "W", "CellVMax", "CellVMin", "ModTmpMax", "ModTmpMin", "Evt1"] {
            if let Some(p) = m.point(name) {
                let unit = p.unit.as_deref().map(|u| if u == "C" { "°C" } else { u }).unwrap_or("");
                out.push_str(&format!("  {:<10} {:>14} {}{stale}\n", name, show_value(&p.value), unit));
            }
        }
    }
    for u in &s.undecoded {
        out.push_str(&format!("model {} at {}: {}\n", u.id, u.address, u.reason));
    }
    out
}

/// Waits for Ctrl+C (or never, when it cannot be hooked).
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

/// `--stale-after-s` as a duration (a negative or unreadable number is 0,
/// which the poll refuses with the reason; a huge one is "never").
fn stale_after(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::MAX)
}

/// `backstop monitor`: a live table that updates in place; stale flagged.
pub fn run_monitor(args: &MonitorArgs) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let mut s = Session::open(&args.link).await?;
        let dev = match s.link.discover(args.unit).await {
            Ok(d) => d,
            Err(e) => {
                eprintln!("backstop: {e}");
                s.finish().await?;
                return Ok(ExitCode::from(1));
            }
        };
        let cfg =
            PollConfig::field(vec![PollTarget::for_device(&dev)], Duration::from_millis(args.interval_ms), stale_after(args.stale_after_s));
        s.link.start_polling(cfg?).await?;
        let tty = std::io::stdout().is_terminal();
        let deadline = args.duration_s.map(|d| Instant::now() + Duration::from_secs_f64(d.max(0.0)));
        let (mut latest, mut health) = (None, None);
        let mut out = std::io::stdout().lock();
        loop {
            let ev = tokio::select! {
                ev = s.events.recv() => ev,
                () = until(deadline) => break,
                () = ctrl_c() => break,
            };
            let Some(ev) = ev else { break };
            match ev {
                LinkEvent::Sample(x) if x.unit == args.unit => latest = Some(x),
                LinkEvent::Health { unit, health: h, message } if unit == args.unit => health = Some((h, message)),
                _ => continue,
            }
            let table = monitor_table(latest.as_ref(), health.as_ref(), args.unit);
            let written = if tty {
                // Home the cursor and clear the screen: the table updates in place.
                write!(out, "\x1b[H\x1b[2J{table}").and_then(|()| out.flush())
            } else {
                writeln!(out, "{table}")
            };
            if written.is_err() {
                break; // the reader went away (a closed pipe): stop quietly
            }
        }
        drop(out);
        let _ = s.link.stop_polling().await;
        s.finish().await?;
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Args)]
pub struct LogArgs {
    #[command(flatten)]
    pub link: LinkArgs,
    /// Units to log, e.g. 1,2,3 or 1-8.
    #[arg(long)]
    pub units: String,
    /// The project file the values go into (opened for editing).
    #[arg(long)]
    pub project: PathBuf,
    #[arg(long = "interval-ms", default_value_t = 1000)]
    pub interval_ms: u64,
    #[arg(long = "stale-after-s", default_value_t = 10.0)]
    pub stale_after_s: f64,
    /// Stop after this many seconds (default: until Ctrl+C).
    #[arg(long = "duration-s")]
    pub duration_s: Option<f64>,
}

fn open_for_editing(path: &Path) -> Result<Project> {
    Project::open(path, &OpenOptions::edit()).map_err(|e| anyhow::anyhow!("{e}"))
}

/// `backstop log`: telemetry into the project file exactly as the app logs
/// it (one series per numeric point, stale samples never logged, written
/// every 2 s in one transaction).
pub fn run_log(args: &LogArgs) -> Result<ExitCode> {
    let units = parse_units(&args.units)?;
    let mut project = open_for_editing(&args.project)?;
    runtime()?.block_on(async {
        let mut s = Session::open(&args.link).await?;
        let mut targets = Vec::new();
        for &u in &units {
            match s.link.discover(u).await {
                Ok(dev) => targets.push(PollTarget::for_device(&dev)),
                Err(e) => eprintln!("unit {u} is not logged: {e}"),
            }
        }
        if targets.is_empty() {
            s.finish().await?;
            bail!("none of the units {} answered discovery; nothing to log", args.units);
        }
        let cfg = PollConfig::field(targets, Duration::from_millis(args.interval_ms), stale_after(args.stale_after_s));
        s.link.start_polling(cfg?).await?;
        let deadline = args.duration_s.map(|d| Instant::now() + Duration::from_secs_f64(d.max(0.0)));
        let mut logger = TelemetryLogger::new();
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        let (mut samples, mut stored) = (0u64, 0usize);
        loop {
            tokio::select! {
                ev = s.events.recv() => match ev {
                    Some(LinkEvent::Sample(x)) => {
                        samples += 1;
                        logger.stage(&x);
                    }
                    Some(LinkEvent::Health { unit, health, message }) if health != DeviceHealth::Online => eprintln!("unit {unit}: {message}"),
                    Some(_) => {}
                    None => break,
                },
                _ = tick.tick() => {
                    let (l, p, r) = flush(logger, project).await?;
                    logger = l;
                    project = p;
                    stored += r.with_context(|| format!("live values could not be stored in {}", args.project.display()))?;
                }
                () = until(deadline) => break,
                () = ctrl_c() => break,
            }
        }
        let _ = s.link.stop_polling().await;
        let (_, _, r) = flush(logger, project).await?;
        stored += r.with_context(|| format!("live values could not be stored in {}", args.project.display()))?;
        println!("{samples} sample(s) polled, {stored} value(s) stored in {}", args.project.display());
        s.finish().await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Writes what the logger staged on the blocking pool (SQLite with
/// `synchronous=FULL` never runs on the workers that drive the link).
async fn flush(mut logger: TelemetryLogger, mut project: Project) -> Result<(TelemetryLogger, Project, Result<usize>)> {
    let out = tokio::task::spawn_blocking(move || {
        let r = logger.flush(&mut project).map_err(|e| anyhow::anyhow!("{e}"));
        (logger, project, r)
    })
    .await
    .context("the telemetry writer stopped")?;
    Ok(out)
}

#[derive(Args)]
pub struct WriteArgs {
    #[command(flatten)]
    pub link: LinkArgs,
    #[arg(long)]
    pub unit: u8,
    /// MODEL.PATH, e.g. 802.SoCRsvMin or 803.string[1].StrSetCon.
    #[arg(long)]
    pub point: String,
    /// Which instance of the model (1 = the first), for models a device has several of (804, 805).
    #[arg(long, default_value_t = 1)]
    pub instance: usize,
    /// The value: a number in engineering units, or an enumeration symbol (e.g. DISCONNECT).
    #[arg(long, allow_hyphen_values = true)]
    pub value: String,
    /// The project file: its limits apply and the write is recorded in its audit log.
    #[arg(long)]
    pub project: PathBuf,
    /// Who writes (goes into the audit log).
    #[arg(long)]
    pub engineer: String,
}

fn parse_point(text: &str) -> Result<(u16, String)> {
    let (model, path) = text.split_once('.').context("--point wants MODEL.PATH, e.g. 802.SoCRsvMin")?;
    let model: u16 = model.parse().with_context(|| format!("--point: {model} is not a SunSpec model id"))?;
    if path.is_empty() {
        bail!("--point wants MODEL.PATH, e.g. 802.SoCRsvMin");
    }
    Ok((model, path.to_string()))
}

/// `backstop write`: checked against the model's range and the project's
/// limits before anything is sent, read back, recorded in the project's
/// audit log. Exit 0 verified, 1 mismatch, 3 no answer, 4 refused, 5
/// rejected by the device (see [`write_exit`]).
pub fn run_write(args: &WriteArgs) -> Result<ExitCode> {
    let (model_id, path) = parse_point(&args.point)?;
    if args.engineer.trim().is_empty() {
        bail!("--engineer names who writes; it goes into the audit log");
    }
    let value = match args.value.trim().parse::<f64>() {
        Ok(v) => WriteValue::Number { value: v },
        Err(_) => WriteValue::Symbol { name: args.value.trim().to_string() },
    };
    let mut project = open_for_editing(&args.project)?;
    let settings = project.settings().map_err(|e| anyhow::anyhow!("{e}"))?;
    let limits = backstop_commission::limits::write_limits(&settings.commissioning, args.unit, model_id, &path);
    runtime()?.block_on(async {
        let s = Session::open(&args.link).await?;
        let label = s.link.label().to_string();
        let mut request = WriteRequest {
            unit: args.unit,
            model_id,
            model_address: 0,
            point: path.clone(),
            value,
            engineer: args.engineer.trim().to_string(),
        };
        let found = async {
            let dev = s.link.discover(args.unit).await?;
            let m = dev.models.iter().filter(|m| m.id == model_id).nth(args.instance.saturating_sub(1)).cloned();
            Ok::<_, LinkError>(m)
        }
        .await;
        let outcome = match found {
            Ok(Some(m)) => {
                request.model_address = m.address;
                s.link.arm(&request.engineer, Duration::from_secs(300))?;
                let r = s.link.write_point(&request, &limits).await;
                s.link.disarm();
                r
            }
            Ok(None) => Err(LinkError::Refused(format!(
                "unit {} has no instance {} of model {model_id}; nothing was written",
                args.unit, args.instance
            ))),
            Err(e) => Err(e),
        };
        let (entry, code, message) = match &outcome {
            Ok(o) => {
                let code = match o.kind {
                    WriteOutcomeKind::Verified => write_exit::VERIFIED,
                    WriteOutcomeKind::Mismatch => write_exit::MISMATCH,
                    WriteOutcomeKind::NoAnswer => write_exit::NO_ANSWER,
                    WriteOutcomeKind::Rejected => write_exit::REJECTED,
                };
                (AuditEntry::for_write(o), code, o.message.clone())
            }
            Err(e) => {
                let refused = matches!(e, LinkError::Refused(_) | LinkError::NotArmed | LinkError::Invalid(_));
                let code = if refused { write_exit::REFUSED } else { write_exit::NO_ANSWER };
                let at = backstop_model::time::now_ms();
                (AuditEntry::for_unsent_write(&label, &request, &limits, &e.to_string(), refused, at), code, format!("not written: {e}"))
            }
        };
        let recorded = project.append_audit(&entry);
        if code == write_exit::VERIFIED {
            println!("{message}");
        } else {
            eprintln!("{message}");
        }
        s.finish().await?;
        recorded.map_err(|e| anyhow::anyhow!("the write is NOT in the audit log of {}: {e}", args.project.display()))?;
        Ok(ExitCode::from(code))
    })
}
