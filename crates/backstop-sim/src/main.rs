//! `backstop-sim`: a simulated SunSpec pack controller bus for the demo, the
//! tests and the benchmarks. See `backstop-sim --help`.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use backstop_sim::{Faults, PackSpec, Sim, SimConfig, UnitConfig, parse_units, server};
use clap::Parser;

/// Simulated SunSpec pack controllers (models 1, 802, 803, 804, 805) on a
/// serial device and/or Modbus TCP, with fault injection.
///
/// Demo: socat -d -d pty,raw,echo=0,link=/tmp/bsA pty,raw,echo=0,link=/tmp/bsB &
///       backstop-sim --serial /tmp/bsB --units 1,2,3
/// then connect Backstop to /tmp/bsA at 115200 baud, 8N1.
///
/// When everything is listening, one line "ready serial=… tcp=… control=…"
/// is printed on standard output (ports bound to 0 show the real port).
#[derive(Parser, Debug)]
#[command(name = "backstop-sim", version, verbatim_doc_comment)]
struct Args {
    /// Serial device to serve Modbus RTU on (e.g. one end of a socat PTY pair).
    #[arg(long)]
    serial: Option<String>,
    /// Baud rate for --serial (a PTY ignores it; see --wire-baud).
    #[arg(long, default_value_t = 115200)]
    baud: u32,
    /// Serve Modbus TCP on this address, e.g. 127.0.0.1:5020 (port 0 = any free port).
    #[arg(long)]
    tcp: Option<String>,
    /// Line-based control socket (fault injection, per-unit changes), e.g. 127.0.0.1:0.
    /// Send "help" for the commands.
    #[arg(long)]
    control: Option<String>,
    /// Unit ids to simulate, e.g. 1,2,3 or 1-5.
    #[arg(long, default_value = "1")]
    units: String,
    /// Strings per pack.
    #[arg(long, default_value_t = 1)]
    strings: usize,
    /// Modules per string.
    #[arg(long, default_value_t = 4)]
    modules: usize,
    /// Cells in series per module.
    #[arg(long, default_value_t = 16)]
    cells: usize,
    /// Where "SunS" lives: 40000, 0 or 50000.
    #[arg(long, default_value_t = 40000)]
    base: u16,
    /// Seed for the physics (runs are reproducible).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Physics time step in milliseconds.
    #[arg(long, default_value_t = 500)]
    tick_ms: u64,
    /// Start with physics paused (values do not change until "freeze off").
    #[arg(long)]
    freeze: bool,
    /// Communication-loss watchdog: after this many seconds without a
    /// request (once a master has spoken), a unit opens its contactors and
    /// reports DISCONNECTED until SetOp = CONNECT is written. 0 = off.
    #[arg(long, default_value_t = 30.0)]
    comm_timeout_s: f64,
    /// Emulate wire timing at this baud rate (11-bit characters, 3.5-character gaps).
    #[arg(long)]
    wire_baud: Option<u32>,
    /// Cell voltage spread (max − min) in mV for all units.
    #[arg(long, default_value_t = 8.0)]
    spread_mv: f64,
    /// Per-unit spread, e.g. --unit-spread 3=45 (repeatable).
    #[arg(long, value_name = "UNIT=MV")]
    unit_spread: Vec<String>,
    /// Per-unit firmware version (model 1 Vr), e.g. --unit-firmware 2=2.2.9 (repeatable).
    #[arg(long, value_name = "UNIT=TEXT")]
    unit_firmware: Vec<String>,
    /// Firmware version (model 1 Vr) for all units.
    #[arg(long, default_value = "2.3.1")]
    firmware: String,
    /// Report model 1 with length 65 like older devices.
    #[arg(long)]
    legacy_common_length: bool,
    /// Fault: never answer.
    #[arg(long)]
    no_reply: bool,
    /// Fault: answer this many milliseconds late.
    #[arg(long, default_value_t = 0)]
    late_ms: u32,
    /// Fault: corrupt the CRC of replies.
    #[arg(long)]
    crc_error: bool,
    /// Fault: send random bytes instead of replies.
    #[arg(long)]
    garbage: bool,
    /// Fault: answer every request with this exception code (1–11).
    #[arg(long)]
    exception: Option<u8>,
    /// Fault: echo every request back (an RS-485 adapter hearing itself).
    #[arg(long)]
    echo: bool,
    /// Faults apply only to these units (default all).
    #[arg(long)]
    fault_units: Option<String>,
    /// Faults apply only to writes.
    #[arg(long)]
    writes_only: bool,
    /// Fault: hold each faulted reply until the next request arrives (RTU).
    #[arg(long)]
    hold: bool,
    /// Fault: answer reads with the registers this many addresses further on.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    shift: i32,
    /// Faults hit one reply in this many (default: every reply).
    #[arg(long, default_value_t = 0)]
    fault_every: u32,
}

fn per_unit(items: &[String], what: &str) -> Result<Vec<(u8, String)>, String> {
    items
        .iter()
        .map(|s| {
            let (u, v) = s.split_once('=').ok_or(format!("--{what} wants UNIT=VALUE, got {s}"))?;
            let u: u8 = u.trim().parse().map_err(|_| format!("--{what}: bad unit id {u}"))?;
            Ok((u, v.trim().to_string()))
        })
        .collect()
}

fn build(args: &Args) -> Result<SimConfig, String> {
    let ids = parse_units(&args.units)?;
    let spreads = per_unit(&args.unit_spread, "unit-spread")?;
    let versions = per_unit(&args.unit_firmware, "unit-firmware")?;
    if !(0.0..=2000.0).contains(&args.spread_mv) {
        return Err("--spread-mv must be 0–2000".into());
    }
    if ![0, 40000, 50000].contains(&args.base) {
        return Err("--base must be 40000, 0 or 50000".into());
    }
    let mut units = Vec::new();
    for id in &ids {
        let mut u = UnitConfig::new(*id);
        u.spec = PackSpec { strings: args.strings, modules: args.modules, cells: args.cells, ..PackSpec::default() };
        u.spread_v = args.spread_mv / 1000.0;
        u.version = args.firmware.clone();
        u.seed = args.seed.wrapping_mul(1000) + u64::from(*id);
        u.base = args.base;
        u.legacy_common_length = args.legacy_common_length;
        if let Some((_, mv)) = spreads.iter().find(|(x, _)| x == id) {
            let mv: f64 = mv.parse().map_err(|_| format!("--unit-spread: bad millivolts {mv}"))?;
            u.spread_v = mv / 1000.0;
        }
        if let Some((_, v)) = versions.iter().find(|(x, _)| x == id) {
            u.version = v.clone();
        }
        units.push(u);
    }
    for (u, _) in spreads.iter().chain(versions.iter()) {
        if !ids.contains(u) {
            return Err(format!("a per-unit option names unit {u}, which is not in --units"));
        }
    }
    let mut faults = Faults {
        no_reply: args.no_reply,
        late_ms: args.late_ms,
        crc: args.crc_error,
        garbage: args.garbage,
        exception: args.exception,
        echo: args.echo,
        units: Vec::new(),
        writes_only: args.writes_only,
        hold: args.hold,
        shift: args.shift,
        every: args.fault_every,
    };
    if let Some(c) = args.exception
        && !(1..=11).contains(&c)
    {
        return Err("--exception must be 1–11".into());
    }
    if let Some(list) = &args.fault_units {
        faults.units = parse_units(list)?;
    }
    Ok(SimConfig { units, faults, wire_baud: args.wire_baud, frozen: args.freeze })
}

async fn run(args: Args) -> Result<(), String> {
    if args.serial.is_none() && args.tcp.is_none() {
        return Err("nothing to serve: give --serial PATH and/or --tcp ADDR".into());
    }
    let sim = Sim::new(build(&args)?)?;
    sim.command(&format!("comm-timeout {}", args.comm_timeout_s));
    let mut tasks = Vec::new();
    tasks.push(sim.spawn_physics(Duration::from_millis(args.tick_ms)));
    let mut ready = Vec::new();
    if let Some(path) = &args.serial {
        // Open once here so a wrong path fails at start, not in the background.
        tokio_serial::SerialStream::open(&tokio_serial::new(path, args.baud)).map_err(|e| format!("cannot open {path}: {e}"))?;
        let (sim2, path2, baud) = (sim.clone(), path.clone(), args.baud);
        tasks.push(tokio::spawn(async move {
            if let Err(e) = server::serve_serial(sim2, path2, baud).await {
                eprintln!("backstop-sim: serial: {e}");
            }
        }));
        ready.push(format!("serial={path}"));
    }
    if let Some(addr) = &args.tcp {
        let l = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        ready.push(format!("tcp={}", l.local_addr().map_err(|e| e.to_string())?));
        let sim2 = sim.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(e) = server::serve_tcp(sim2, l).await {
                eprintln!("backstop-sim: tcp: {e}");
            }
        }));
    }
    if let Some(addr) = &args.control {
        let l = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        ready.push(format!("control={}", l.local_addr().map_err(|e| e.to_string())?));
        tasks.push(tokio::spawn(sim.clone().serve_control(l)));
    }
    let ids: Vec<String> = sim.lock().units.keys().map(u8::to_string).collect();
    println!("ready {} units={}", ready.join(" "), ids.join(","));
    let _ = std::io::stdout().flush();
    // Ctrl-C everywhere; SIGTERM too where there is one (Unix).
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(|e| e.to_string())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown();
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("backstop-sim: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("backstop-sim: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Args::command().debug_assert();
        let a =
            Args::parse_from(["backstop-sim", "--serial", "/x", "--units", "1-3", "--unit-firmware", "2=2.2.9", "--unit-spread", "3=45"]);
        let c = build(&a).unwrap();
        assert_eq!(c.units.len(), 3);
        assert_eq!(c.units[1].version, "2.2.9");
        assert!((c.units[2].spread_v - 0.045).abs() < 1e-12);
        let bad = Args::parse_from(["backstop-sim", "--units", "1", "--unit-spread", "4=45"]);
        assert!(build(&bad).is_err());
    }
}
