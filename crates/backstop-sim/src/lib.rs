//! A simulated SunSpec pack controller (models 1, 802, 803, 804, 805) served
//! over Modbus RTU (a serial device such as one end of a socat pair) and TCP,
//! with fault injection. Used by the demo and by the link tests.
//!
//! Why it exists: commissioning software must be exercised against packs
//! that misbehave on demand, and the demo needs a live pack without
//! hardware. Key design choices:
//! - Register maps are built with `backstop-sunspec` images from SunSpec's
//!   JSON definitions, never hand-typed; values come from a small physics
//!   model ([`pack`]) so they move plausibly.
//! - The simulator frames Modbus itself ([`server`]) because fault
//!   injection (CRC errors, garbage, echo, late replies, wire-speed pacing)
//!   needs the raw bytes; third-party masters verify that framing in the
//!   interoperability tests.
//! - Faults and per-unit changes can be switched live over a line-based
//!   control socket ([`Sim::command`]).

pub mod device;
pub mod faults;
pub mod pack;
pub mod server;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

pub use device::{Unit, UnitConfig};
pub use faults::{Faults, parse_units};
pub use pack::PackSpec;

/// Everything the serving tasks share.
#[derive(Debug)]
pub struct SimState {
    pub units: BTreeMap<u8, Unit>,
    pub faults: Faults,
    /// How long a requested disconnect lasts.
    pub disconnect_ms: u32,
    /// Requests addressed to one of our units, and replies sent.
    pub requests: u64,
    pub replies: u64,
    /// Physics paused (values stay put; tests compare exact values).
    pub frozen: bool,
    pub(crate) fault_seq: u64,
    /// Replies that were sent late, held back or from a shifted range, as
    /// sent (newest last, at most [`FAULTED_KEEP`]); drained by `faulted`.
    pub faulted: std::collections::VecDeque<(&'static str, Vec<u8>)>,
    /// Communication-loss watchdog: a unit that hears no request for this
    /// long (after the first one) opens its contactors and reports
    /// DISCONNECTED until a master writes SetOp = CONNECT, like a real BMS.
    pub comm_timeout: Option<std::time::Duration>,
    /// When each unit last heard a request addressed to it.
    pub(crate) last_heard: BTreeMap<u8, std::time::Instant>,
}

impl SimState {
    /// Notes a request to `unit` at `now`, first applying the watchdog for
    /// the silence before it.
    pub(crate) fn heard(&mut self, unit: u8, now: std::time::Instant) {
        self.watchdog(now, Some(unit));
        self.last_heard.insert(unit, now);
    }

    /// Puts units whose master went silent for longer than the timeout into
    /// their safe state (all units, or just `only`).
    pub(crate) fn watchdog(&mut self, now: std::time::Instant, only: Option<u8>) {
        let Some(limit) = self.comm_timeout else { return };
        let lost: Vec<u8> = self
            .last_heard
            .iter()
            .filter(|(u, at)| only.is_none_or(|o| o == **u) && now.duration_since(**at) > limit)
            .map(|(u, _)| *u)
            .collect();
        for u in lost {
            self.last_heard.remove(&u);
            if let Some(unit) = self.units.get_mut(&u) {
                unit.enter_safe_state();
            }
        }
    }
}

struct SimInner {
    state: Mutex<SimState>,
    disconnect: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
    wire_baud: Option<u32>,
}

/// How to build a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub units: Vec<UnitConfig>,
    pub faults: Faults,
    /// Pace replies as on a real wire at this baud rate (11-bit characters,
    /// 3.5-character gaps).
    pub wire_baud: Option<u32>,
    pub frozen: bool,
}

/// A running simulator (cheap to clone; all clones share state).
#[derive(Clone)]
pub struct Sim {
    inner: Arc<SimInner>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").finish_non_exhaustive()
    }
}

impl Sim {
    /// Builds the units.
    pub fn new(config: SimConfig) -> Result<Sim, String> {
        if config.units.is_empty() {
            return Err("the simulator needs at least one unit id".into());
        }
        let mut units = BTreeMap::new();
        for u in config.units {
            let id = u.unit;
            if id == 0 || id > 247 {
                return Err(format!("unit id {id} is outside 1–247"));
            }
            if units.insert(id, Unit::new(u)?).is_some() {
                return Err(format!("unit id {id} is given twice"));
            }
        }
        let (disconnect, _) = watch::channel(0u64);
        let (shutdown, _) = watch::channel(false);
        Ok(Sim {
            inner: Arc::new(SimInner {
                state: Mutex::new(SimState {
                    units,
                    faults: config.faults,
                    disconnect_ms: 0,
                    requests: 0,
                    replies: 0,
                    frozen: config.frozen,
                    fault_seq: 0,
                    faulted: std::collections::VecDeque::new(),
                    comm_timeout: None,
                    last_heard: BTreeMap::new(),
                }),
                disconnect,
                shutdown,
                wire_baud: config.wire_baud.filter(|b| *b > 0),
            }),
        })
    }

    /// Locks the shared state.
    pub fn lock(&self) -> MutexGuard<'_, SimState> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The emulated wire speed, if any.
    pub fn wire_baud(&self) -> Option<u32> {
        self.inner.wire_baud
    }

    pub(crate) fn disconnect_rx(&self) -> watch::Receiver<u64> {
        self.inner.disconnect.subscribe()
    }

    pub(crate) fn shutdown_rx(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Closes the serial port (and TCP connections) for `ms` milliseconds.
    pub fn disconnect(&self, ms: u32) {
        self.lock().disconnect_ms = ms;
        self.inner.disconnect.send_modify(|n| *n += 1);
    }

    /// Stops all serving tasks.
    pub fn shutdown(&self) {
        let _ = self.inner.shutdown.send(true);
    }

    /// Advances the physics every `tick` until shutdown (skipped while frozen).
    pub fn spawn_physics(&self, tick: Duration) -> tokio::task::JoinHandle<()> {
        let sim = self.clone();
        let mut shutdown = self.shutdown_rx();
        tokio::spawn(async move {
            let mut iv = tokio::time::interval(tick.max(Duration::from_millis(10)));
            iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = iv.tick() => {
                        let mut s = sim.lock();
                        s.watchdog(std::time::Instant::now(), None);
                        if !s.frozen {
                            for u in s.units.values_mut() {
                                u.step(tick.as_secs_f64());
                            }
                        }
                    }
                    r = shutdown.changed() => if r.is_err() || *shutdown.borrow() { return; },
                }
            }
        })
    }

    /// Runs one control command and returns the reply line(s), starting
    /// with `ok` or `error`. See [`CONTROL_HELP`].
    pub fn command(&self, line: &str) -> String {
        match self.command_inner(line) {
            Ok(s) if s.is_empty() => "ok".into(),
            Ok(s) => format!("ok {s}"),
            Err(e) => format!("error {e}"),
        }
    }

    fn command_inner(&self, line: &str) -> Result<String, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let unit_arg = |i: usize| -> Result<u8, String> {
            let w = words.get(i).ok_or("missing unit id")?;
            w.parse::<u8>().map_err(|_| format!("bad unit id {w}"))
        };
        let with_unit = |id: u8, f: &mut dyn FnMut(&mut Unit) -> Result<String, String>| -> Result<String, String> {
            let mut s = self.lock();
            let u = s.units.get_mut(&id).ok_or(format!("no unit {id}"))?;
            f(u)
        };
        match words.first().copied() {
            None | Some("help") => Ok(CONTROL_HELP.replace('\n', " | ")),
            Some("status") => {
                let s = self.lock();
                let ids: Vec<String> = s.units.keys().map(u8::to_string).collect();
                Ok(format!(
                    "units={} faults=[{}] requests={} replies={} frozen={} wire={}",
                    ids.join(","),
                    s.faults.summary(),
                    s.requests,
                    s.replies,
                    s.frozen,
                    self.wire_baud().map(|b| b.to_string()).unwrap_or_else(|| "off".into())
                ))
            }
            Some("fault") => {
                let mut s = self.lock();
                s.faults.apply(&words[1..])?;
                Ok(format!("faults=[{}]", s.faults.summary()))
            }
            Some("faulted") => {
                // The faulted replies since the last call, as kind:hex, ';'-separated.
                let mut s = self.lock();
                let list: Vec<String> = s.faulted.drain(..).map(|(k, b)| format!("{k}:{}", backstop_link::frame::hex(&b))).collect();
                Ok(format!("count={} {}", list.len(), list.join(";")))
            }
            Some("disconnect") => {
                let ms: u32 = words.get(1).ok_or("disconnect needs milliseconds")?.parse().map_err(|_| "bad milliseconds")?;
                self.disconnect(ms);
                Ok(String::new())
            }
            Some("comm-timeout") => {
                let secs: f64 = words.get(1).ok_or("comm-timeout needs seconds (0 = off)")?.parse().map_err(|_| "bad seconds")?;
                self.lock().comm_timeout = (secs > 0.0).then(|| Duration::from_secs_f64(secs));
                Ok(String::new())
            }
            Some("freeze") => {
                let on = !matches!(words.get(1).copied(), Some("off"));
                self.lock().frozen = on;
                Ok(String::new())
            }
            Some("spread") => {
                let id = unit_arg(1)?;
                let mv: f64 = words.get(2).ok_or("spread needs millivolts")?.parse().map_err(|_| "bad millivolts")?;
                if !(0.0..=2000.0).contains(&mv) {
                    return Err("spread must be 0–2000 mV".into());
                }
                with_unit(id, &mut |u| {
                    u.set_spread(mv / 1000.0);
                    Ok(String::new())
                })
            }
            Some("version") => {
                let id = unit_arg(1)?;
                let v = words.get(2).ok_or("version needs text")?.to_string();
                if v.len() > 16 {
                    return Err("versions hold at most 16 characters".into());
                }
                with_unit(id, &mut |u| {
                    u.set_version(&v);
                    Ok(String::new())
                })
            }
            Some("soc") => {
                let id = unit_arg(1)?;
                let pct: f64 = words.get(2).ok_or("soc needs percent")?.parse().map_err(|_| "bad percent")?;
                if !(0.0..=100.0).contains(&pct) {
                    return Err("soc must be 0–100".into());
                }
                with_unit(id, &mut |u| {
                    u.pack.soc = pct / 100.0;
                    for s in &mut u.pack.strings {
                        s.soc = pct / 100.0;
                    }
                    u.pack.update_events();
                    u.refresh();
                    Ok(String::new())
                })
            }
            Some("ambient") => {
                let id = unit_arg(1)?;
                let c: f64 = words.get(2).ok_or("ambient needs °C")?.parse().map_err(|_| "bad temperature")?;
                with_unit(id, &mut |u| {
                    u.pack.ambient = c;
                    for s in &mut u.pack.strings {
                        for m in &mut s.modules {
                            m.temp = c;
                        }
                    }
                    u.pack.update_events();
                    u.refresh();
                    Ok(String::new())
                })
            }
            Some("get") => {
                let id = unit_arg(1)?;
                let model: u16 = words.get(2).ok_or("get needs a model id")?.parse().map_err(|_| "bad model id")?;
                let path = words.get(3).ok_or("get needs a point path")?.to_string();
                with_unit(id, &mut |u| u.truth(model, &path).map(|v| v.display()).ok_or(format!("no point {path} in model {model}")))
            }
            Some("regs") => {
                let id = unit_arg(1)?;
                with_unit(id, &mut |u| {
                    let regs: Vec<String> = u.flat().iter().map(u16::to_string).collect();
                    Ok(format!("{{\"base\":{},\"regs\":[{}]}}", u.config.base, regs.join(",")))
                })
            }
            Some(other) => Err(format!("unknown command {other}; try help")),
        }
    }

    /// Answers control commands, one per line, on a TCP listener.
    pub async fn serve_control(self, listener: tokio::net::TcpListener) {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let mut shutdown = self.shutdown_rx();
        loop {
            let accepted = tokio::select! {
                r = listener.accept() => r,
                _ = shutdown.changed() => return,
            };
            let Ok((sock, _)) = accepted else { continue };
            let sim = self.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply = sim.command(&line);
                    if w.write_all(format!("{reply}\n").as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    }
}

/// Faulted replies kept for `faulted`.
pub const FAULTED_KEEP: usize = 100_000;

/// The control protocol, one command per line.
pub const CONTROL_HELP: &str = "status
fault no-reply|crc|garbage|echo|writes-only on|off
fault late <ms>|off
fault exception <1-11>|off
fault units <1,2,5-7>|all
fault hold on|off
fault shift <registers>|off
fault every <n>|off
fault clear
faulted
disconnect <ms>
comm-timeout SECONDS          (0 = off) safe state after this long without a request
freeze on|off
spread <unit> <mV>
version <unit> <text>
soc <unit> <percent>
ambient <unit> <°C>
get <unit> <model> <path>
regs <unit>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_commands() {
        let sim = Sim::new(SimConfig {
            units: vec![UnitConfig::new(1), UnitConfig::new(2)],
            faults: Faults::default(),
            wire_baud: None,
            frozen: true,
        })
        .unwrap();
        assert!(sim.command("status").starts_with("ok units=1,2"));
        assert_eq!(sim.command("fault late 200"), "ok faults=[late=200ms]");
        assert_eq!(sim.command("version 2 9.9.9"), "ok");
        assert_eq!(sim.command("get 2 1 Vr"), "ok 9.9.9");
        assert!(sim.command("spread 1 60").starts_with("ok"));
        assert!(sim.command("get 1 802 Evt1").contains("VOLTAGE_IMBALANCE_WARNING"));
        assert!(sim.command("get 9 1 Vr").starts_with("error"));
        assert!(sim.command("nonsense").starts_with("error"));
        assert!(sim.command("regs 1").starts_with("ok {\"base\":40000"));
    }

    #[test]
    fn communication_loss_puts_a_unit_in_its_safe_state_until_connected_again() {
        let sim = Sim::new(SimConfig {
            units: vec![UnitConfig::new(1), UnitConfig::new(2)],
            faults: Faults::default(),
            wire_baud: None,
            frozen: true,
        })
        .unwrap();
        assert_eq!(sim.command("comm-timeout 2"), "ok");
        let t0 = std::time::Instant::now();
        {
            let mut s = sim.lock();
            s.heard(1, t0);
            s.heard(2, t0);
            // Inside the timeout nothing happens.
            s.watchdog(t0 + Duration::from_millis(1_900), None);
        }
        assert_eq!(sim.command("get 1 802 State"), "ok CONNECTED");
        // The next request after a long silence finds the pack already safe.
        sim.lock().heard(1, t0 + Duration::from_millis(2_500));
        assert_eq!(sim.command("get 1 802 State"), "ok DISCONNECTED");
        assert_eq!(sim.command("get 1 802 SetOp"), "ok DISCONNECT");
        assert_eq!(sim.command("get 2 802 State"), "ok CONNECTED", "only the silent unit is affected");
        // The periodic check catches unit 2 without any request.
        sim.lock().watchdog(t0 + Duration::from_millis(2_600), None);
        assert_eq!(sim.command("get 2 802 State"), "ok DISCONNECTED");
        assert_eq!(sim.command("comm-timeout 0"), "ok");
        assert!(sim.lock().comm_timeout.is_none());
    }
}
