//! The task that owns one port. Requests arrive on a queue and are served
//! one at a time, each with a timeout, retries, the inter-request gap and an
//! input flush; polling interleaves with queued requests (queued requests
//! win). When the port disappears the actor reconnects with backoff,
//! finding a USB adapter again by its serial number.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backstop_model::link::{EchoLine, FrameDirection, LinkConfig, LinkEvent, LinkState, LinkTarget, Parity, StopBits};
use backstop_sunspec::regmap::Table;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_modbus::Slave;
use tokio_modbus::client::{Client as _, Context, Reader as _, Writer as _};
use tokio_modbus::prelude::SlaveContext as _;

use crate::frame::{Role, describe_rtu, describe_tcp, exception_name};
use crate::monitor::Monitor;
use crate::poll::{DecodeMsg, PollConfig, PollPlan, PollSource, RawSpan, header_mismatches};
use crate::tap::{Exchange, Heard, SharedIo, Tap, TapShared, now_us, wait_quiet};
use crate::{EventSink, LinkError};

/// Per-request overrides of the link's timeout and retries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestOptions {
    pub timeout: Option<Duration>,
    pub retries: Option<u8>,
}

/// A Modbus operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Read { table: Table, address: u16, count: u16 },
    WriteSingle { address: u16, value: u16 },
    WriteMultiple { address: u16, values: Vec<u16> },
}

impl Op {
    fn describe(&self) -> String {
        match self {
            Op::Read { table: Table::Holding, address, count } => format!("a read of holding registers {address} ×{count}"),
            Op::Read { table: Table::Input, address, count } => format!("a read of input registers {address} ×{count}"),
            Op::WriteSingle { address, value } => format!("a write of {value} to register {address}"),
            Op::WriteMultiple { address, values } => format!("a write of {} registers at {address}", values.len()),
        }
    }
}

pub(crate) type Reply = oneshot::Sender<Result<Vec<u16>, LinkError>>;

/// Longest time polls wait in the actor before they go to the decoder
/// while polling runs back to back. Handing over every poll at once costs a
/// thread wake-up per poll (a context switch on each side, the dearest
/// thing on the bus path of a small machine); in batches it is one per
/// 20 ms. Polls with a pause after them (any configured interval) are
/// handed over at once, so values are never held back at normal rates.
pub const HAND_OVER: Duration = Duration::from_millis(20);

pub(crate) enum Command {
    Request { unit: u8, op: Op, opts: RequestOptions, reply: Reply },
    Poll(Option<PollConfig>),
    Close(oneshot::Sender<()>),
}

type Rebuild = Box<dyn Fn() -> Context + Send>;

struct Conn {
    ctx: Context,
    tap: Arc<TapShared>,
    /// The port itself, for waiting on a quiet line.
    io: SharedIo,
    rebuild: Rebuild,
    path: String,
}

/// What the link knows about RS-485 echo on its line, shared with the
/// [`crate::Link`] handles.
#[derive(Debug, Default)]
pub(crate) struct EchoStatus {
    /// [`EchoLine`] as a number (0 unknown, 1 echoes, 2 silent).
    line: AtomicU8,
    /// An echo came back although nothing was stripping it.
    seen_unstripped: AtomicBool,
}

impl EchoStatus {
    pub(crate) fn line(&self) -> EchoLine {
        match self.line.load(Ordering::Relaxed) {
            1 => EchoLine::Echoes,
            2 => EchoLine::Silent,
            _ => EchoLine::Unknown,
        }
    }

    fn set_line(&self, line: EchoLine) {
        let n = match line {
            EchoLine::Unknown => 0,
            EchoLine::Echoes => 1,
            EchoLine::Silent => 2,
        };
        self.line.store(n, Ordering::Relaxed);
    }

    /// True when the line echoes, as checked at open or seen since.
    pub(crate) fn detected(&self) -> bool {
        self.line() == EchoLine::Echoes || self.seen_unstripped.load(Ordering::Relaxed)
    }
}

/// Unit id of the echo check: 248–255 are reserved, so no device answers
/// and only our own bytes can come back.
pub const ECHO_PROBE_UNIT: u8 = 248;

struct Reconnect {
    attempt: u32,
    at: Instant,
    reason: String,
}

/// A unit kept alive ([`LinkConfig::keep_alive_ms`]): a register it has
/// answered a read of, and when it was last sent anything it answered.
#[derive(Debug, Clone, Copy)]
struct Kept {
    table: Table,
    address: u16,
    last: Instant,
    /// Keep-alive reads in a row it did not answer.
    misses: u8,
}

/// A unit that misses this many keep-alive reads in a row is no longer
/// kept alive (until it answers again): a unit that is gone must not cost
/// the bus a timeout every period.
pub const KEEP_ALIVE_MISSES: u8 = 3;

struct PollRun {
    plan: PollPlan,
    next: usize,
    due: Instant,
    cycle_start: Instant,
}

pub(crate) struct Actor {
    config: LinkConfig,
    label: String,
    sink: Arc<dyn EventSink>,
    monitor: Option<Monitor>,
    conn: Option<Conn>,
    reconnect: Option<Reconnect>,
    last_end: Instant,
    gap: Duration,
    poll: Option<PollRun>,
    decoder: Option<mpsc::Sender<Vec<DecodeMsg>>>,
    /// Polls read but not yet handed to the decoder (see [`HAND_OVER`]).
    pending: Vec<DecodeMsg>,
    pending_since: Option<Instant>,
    echo: Arc<EchoStatus>,
    /// The line may still carry a reply to an earlier request: wait for it
    /// to be silent this long before the next request goes out.
    resync: Option<Duration>,
    /// Something went wrong and no reply has been confirmed since: the
    /// next reply counts only if the line stays silent after it.
    suspect: bool,
    /// Runtime of the caller, where decoding and the sink run.
    spawner: tokio::runtime::Handle,
    /// Units that answered on this link, by id (see [`Kept`]).
    kept: std::collections::BTreeMap<u8, Kept>,
}

/// The inter-request gap for a link: configured, or 3.5 characters (fixed
/// 1.75 ms above 19200 baud as the Modbus serial-line guide says).
pub fn gap_for(config: &LinkConfig) -> Duration {
    if let Some(us) = config.gap_us {
        return Duration::from_micros(u64::from(us));
    }
    match &config.target {
        LinkTarget::Tcp { .. } => Duration::ZERO,
        LinkTarget::Serial(s) => {
            if s.baud > 19200 || s.baud == 0 {
                Duration::from_micros(1750)
            } else {
                Duration::from_secs_f64(3.5 * f64::from(s.bits_per_char()) / f64::from(s.baud))
            }
        }
    }
}

/// How long the serial reader polls for a reply before it sleeps.
fn reply_spin(config: &LinkConfig) -> Duration {
    config.reply_spin_us.map_or(crate::serial_io::REPLY_SPIN, |us| Duration::from_micros(u64::from(us)))
}

fn is_disconnect(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), BrokenPipe | UnexpectedEof | NotConnected | ConnectionReset | ConnectionAborted | NotFound)
        || matches!(e.raw_os_error(), Some(5) | Some(6) | Some(19))
}

/// Opens the port or socket and builds a tokio-modbus context on the tap.
async fn connect(config: &LinkConfig) -> Result<Conn, LinkError> {
    let rtu = matches!(config.target, LinkTarget::Serial(_));
    // Stripping starts as configured; the echo check right after opening decides.
    let tap = TapShared::new(config.echo == backstop_model::link::EchoMode::Suppress, rtu);
    match &config.target {
        LinkTarget::Serial(s) => {
            let path = match &s.usb_serial {
                Some(serial) => {
                    let ports = crate::ports::list_ports()?;
                    crate::ports::find_by_serial(&ports, serial).ok_or_else(|| LinkError::Open {
                        path: s.path.clone(),
                        reason: format!("no USB adapter with serial number {serial} is plugged in"),
                    })?
                }
                None => s.path.clone(),
            };
            let builder = tokio_serial::new(&path, s.baud)
                .data_bits(tokio_serial::DataBits::Eight)
                .parity(match s.parity {
                    Parity::None => tokio_serial::Parity::None,
                    Parity::Even => tokio_serial::Parity::Even,
                    Parity::Odd => tokio_serial::Parity::Odd,
                })
                .stop_bits(match s.stop_bits {
                    StopBits::One => tokio_serial::StopBits::One,
                    StopBits::Two => tokio_serial::StopBits::Two,
                })
                .flow_control(tokio_serial::FlowControl::None);
            let port =
                crate::serial_io::SerialIo::open(&builder).map(|p| p.with_reply_spin(reply_spin(config))).map_err(|e| LinkError::Open {
                    path: path.clone(),
                    reason: format!("{e} (is another program using it, is the adapter plugged in, may this user open it?)"),
                })?;
            let io: SharedIo = Arc::new(Mutex::new(port));
            let (io2, tap2) = (io.clone(), tap.clone());
            let rebuild: Rebuild = Box::new(move || tokio_modbus::client::rtu::attach_slave(Tap::new(io2.clone(), tap2.clone()), Slave(1)));
            Ok(Conn { ctx: rebuild(), tap, io, rebuild, path })
        }
        LinkTarget::Tcp { host, port } => {
            let addr = format!("{host}:{port}");
            let stream =
                tokio::time::timeout(Duration::from_millis(u64::from(config.timeout_ms.max(500))), tokio::net::TcpStream::connect(&addr))
                    .await
                    .map_err(|_| LinkError::Open { path: addr.clone(), reason: "no answer to the TCP connection attempt".into() })?
                    .map_err(|e| LinkError::Open { path: addr.clone(), reason: e.to_string() })?;
            let _ = stream.set_nodelay(true);
            let io: SharedIo = Arc::new(Mutex::new(stream));
            let (io2, tap2) = (io.clone(), tap.clone());
            let rebuild: Rebuild = Box::new(move || tokio_modbus::client::tcp::attach_slave(Tap::new(io2.clone(), tap2.clone()), Slave(1)));
            Ok(Conn { ctx: rebuild(), tap, io, rebuild, path: addr })
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((250u64 << attempt.min(5)).min(5000))
}

impl Actor {
    /// Opens the link; the caller then spawns [`Actor::run`].
    pub(crate) async fn open(
        config: LinkConfig,
        sink: Arc<dyn EventSink>,
        monitor: Option<Monitor>,
        echo: Arc<EchoStatus>,
        spawner: tokio::runtime::Handle,
    ) -> Result<Actor, LinkError> {
        let conn = connect(&config).await?;
        let label = config.target.label();
        let mut actor = Actor {
            gap: gap_for(&config),
            config,
            label,
            sink,
            monitor,
            conn: Some(conn),
            reconnect: None,
            last_end: Instant::now(),
            poll: None,
            decoder: None,
            pending: Vec::new(),
            pending_since: None,
            echo,
            resync: None,
            suspect: false,
            spawner,
            kept: std::collections::BTreeMap::new(),
        };
        actor.connected().await;
        Ok(actor)
    }

    /// A port was (re)opened: check for an echo and say so.
    async fn connected(&mut self) {
        let line = self.check_echo().await;
        let Some(conn) = self.conn.as_ref() else { return };
        let path = conn.path.clone();
        self.sink.emit(LinkEvent::Link(LinkState::Connected { path, echo: line, echo_note: line.disagreement(self.config.echo) }));
    }

    /// Sends one harmless read to reserved unit [`ECHO_PROBE_UNIT`] and
    /// looks at what comes back: our own request means the adapter echoes.
    /// What was heard decides whether echoes are stripped (the setting only
    /// decides when the check cannot tell, e.g. on TCP).
    async fn check_echo(&mut self) -> EchoLine {
        let line = if matches!(self.config.target, LinkTarget::Serial(_)) {
            // An echo comes back while the request is still being sent: twice
            // its time on the wire plus 30 ms is enough even on a USB adapter
            // with the usual 16 ms latency timer.
            let wire = match &self.config.target {
                LinkTarget::Serial(sr) if sr.baud > 0 => Duration::from_secs_f64(16.0 * f64::from(sr.bits_per_char()) / f64::from(sr.baud)),
                _ => Duration::ZERO,
            };
            let wait = (wire + Duration::from_millis(30)).min(self.timeout().max(Duration::from_millis(30)));
            let Some(conn) = self.conn.as_mut() else { return EchoLine::Unknown };
            conn.tap.set_strip(false);
            conn.tap.begin();
            conn.ctx.set_slave(Slave(ECHO_PROBE_UNIT));
            let res = tokio::time::timeout(wait, conn.ctx.read_holding_registers(0, 1)).await;
            let ex = conn.tap.finish();
            if !matches!(res, Err(_) | Ok(Ok(Ok(_)))) || ex.refused.is_some() {
                conn.ctx = (conn.rebuild)();
            }
            Self::record(self.monitor.as_ref(), &ex, FrameDirection::Rx);
            self.last_end = Instant::now();
            let echoes = ex.looks_like_echo();
            // Nobody answers unit 248; anything beyond our own echo (a device
            // that does, noise) must be gone before the first real request.
            let extra = ex.rx.len() > if echoes { ex.tx.len() } else { 0 };
            if extra {
                self.resync = Some(self.quiet_time(wait));
            }
            if echoes { EchoLine::Echoes } else { EchoLine::Silent }
        } else {
            EchoLine::Unknown
        };
        self.echo.set_line(line);
        if let Some(conn) = self.conn.as_ref() {
            conn.tap.set_strip(line.strips(self.config.echo));
        }
        line
    }

    pub(crate) async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        loop {
            // Queued commands first, then whatever is due now. Work that is
            // already due never goes through the timer: tokio rounds timer
            // deadlines up to the next millisecond, which would cap
            // back-to-back polling at one poll per millisecond.
            let cmd = match rx.try_recv() {
                Ok(cmd) => Some(cmd),
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => None,
            };
            if let Some(cmd) = cmd {
                if self.handle(cmd).await.is_break() {
                    return;
                }
                continue;
            }
            let now = Instant::now();
            if self.reconnect.as_ref().is_some_and(|r| r.at <= now) {
                self.try_reconnect().await;
                continue;
            }
            // A keep-alive before a poll: back-to-back polling of some units
            // must not starve the others' keep-alive.
            let keep = self.keep_alive_due();
            if let Some((unit, at)) = keep
                && at <= now
            {
                self.keep_alive(unit).await;
                continue;
            }
            if self.poll.as_ref().is_some_and(|p| p.due <= now) {
                self.poll_next().await;
                continue;
            }
            // About to wait: nothing read may be held back meanwhile.
            self.hand_over();
            let poll_due = self.poll.as_ref().map(|p| p.due);
            let keep_due = keep.map(|(_, at)| at);
            let reconnect_due = self.reconnect.as_ref().map(|r| r.at);
            tokio::select! {
                biased;
                cmd = rx.recv() => match cmd {
                    None => break,
                    Some(cmd) => {
                        if self.handle(cmd).await.is_break() {
                            return;
                        }
                    }
                },
                () = sleep_until_opt(reconnect_due), if reconnect_due.is_some() => self.try_reconnect().await,
                () = sleep_until_opt(poll_due), if poll_due.is_some() => self.poll_next().await,
                () = sleep_until_opt(keep_due), if keep_due.is_some() => {
                    if let Some((unit, _)) = keep {
                        self.keep_alive(unit).await;
                    }
                }
            }
        }
        self.shutdown().await;
    }

    async fn handle(&mut self, cmd: Command) -> std::ops::ControlFlow<()> {
        match cmd {
            Command::Close(done) => {
                self.shutdown().await;
                let _ = done.send(());
                return std::ops::ControlFlow::Break(());
            }
            Command::Poll(cfg) => self.set_poll(cfg),
            Command::Request { unit, op, opts, reply } => {
                // A caller that gave up (e.g. a cancelled scan) gets nothing sent.
                if !reply.is_closed() {
                    let r = self.exchange(unit, &op, opts).await;
                    let _ = reply.send(r);
                }
            }
        }
        std::ops::ControlFlow::Continue(())
    }

    async fn shutdown(&mut self) {
        if let Some(mut c) = self.conn.take() {
            let _ = c.ctx.disconnect().await;
        }
        self.sink.emit(LinkEvent::Link(LinkState::Closed));
    }

    fn set_poll(&mut self, cfg: Option<PollConfig>) {
        self.hand_over();
        self.poll = None;
        self.decoder = None; // ends the previous decoder task
        if let Some(cfg) = cfg {
            let plan = PollPlan::new(&cfg);
            let (tx, rx) = mpsc::channel(64);
            self.spawner.spawn(crate::poll::decoder_task(cfg, self.label.clone(), self.sink.clone(), rx));
            self.decoder = Some(tx);
            let now = Instant::now();
            self.poll = Some(PollRun { plan, next: 0, due: now, cycle_start: now });
        }
    }

    async fn poll_next(&mut self) {
        let Some(run) = self.poll.as_mut() else { return };
        if run.plan.targets.is_empty() {
            self.poll = None;
            return;
        }
        let idx = run.next;
        if idx == 0 {
            run.cycle_start = Instant::now();
        }
        let target = run.plan.targets[idx].clone();
        let interval = run.plan.interval;
        let mut spans = Vec::with_capacity(target.spans.len());
        let mut failure = None;
        'spans: for planned in &target.spans {
            let span = &planned.span;
            let mut regs = Vec::with_capacity(usize::from(span.count));
            for &(address, count) in &planned.requests {
                match self.exchange(target.unit, &Op::Read { table: span.table, address, count }, RequestOptions::default()).await {
                    Ok(mut v) => regs.append(&mut v),
                    Err(e) => {
                        failure = Some(e);
                        break 'spans;
                    }
                }
            }
            spans.push(RawSpan { table: span.table, address: span.address, regs });
        }
        let time_ms = now_us() / 1000;
        let mut rediscover = false;
        let msg = match failure {
            None => {
                let wrong = header_mismatches(&target.headers, &spans);
                if wrong.is_empty() {
                    DecodeMsg::Data { unit: target.unit, time_ms, read_at: Instant::now(), spans }
                } else {
                    // Registers that are not the model they are taken for:
                    // throw the whole poll away, resynchronise the line and
                    // find the device's models again.
                    self.line_suspect(self.quiet_time(self.timeout()));
                    rediscover = target.models.is_some();
                    DecodeMsg::Discarded {
                        unit: target.unit,
                        time_ms,
                        reason: format!("{}; this poll was discarded and the unit is being discovered again", wrong.join("; ")),
                    }
                }
            }
            Some(error) => DecodeMsg::Failed { unit: target.unit, error },
        };
        self.pending.push(msg);
        if rediscover {
            self.hand_over();
            self.rediscover(idx).await;
        }
        let since = *self.pending_since.get_or_insert_with(Instant::now);
        let mut back_to_back = false;
        if let Some(run) = self.poll.as_mut() {
            run.next = (idx + 1) % run.plan.targets.len();
            let now = Instant::now();
            run.due = if run.next == 0 { (run.cycle_start + interval).max(now) } else { now };
            back_to_back = run.due <= now;
        }
        if !back_to_back || since.elapsed() >= HAND_OVER {
            self.hand_over();
        }
    }

    /// A unit answered `op`: it is kept alive from now on, by a read of the
    /// register it last answered a read of (a write alone names no register
    /// known to be readable).
    fn answered(&mut self, unit: u8, op: &Op) {
        if unit == 0 || unit >= ECHO_PROBE_UNIT {
            return;
        }
        let now = Instant::now();
        match (self.kept.get_mut(&unit), op) {
            (Some(k), Op::Read { table, address, .. }) => *k = Kept { table: *table, address: *address, last: now, misses: 0 },
            (Some(k), _) => {
                k.last = now;
                k.misses = 0;
            }
            (None, Op::Read { table, address, .. }) => {
                self.kept.insert(unit, Kept { table: *table, address: *address, last: now, misses: 0 });
            }
            (None, _) => {}
        }
    }

    /// The unit whose keep-alive is due first, and when: units in the
    /// running poll are left to it (each cycle talks to them).
    fn keep_alive_due(&self) -> Option<(u8, Instant)> {
        let every = self.config.keep_alive()?;
        // Nothing while the port is being reopened.
        self.conn.as_ref()?;
        let polled = |u: u8| self.poll.as_ref().is_some_and(|p| p.plan.targets.iter().any(|t| t.unit == u));
        self.kept.iter().filter(|(u, _)| !polled(**u)).map(|(u, k)| (*u, k.last + every)).min_by_key(|(_, at)| *at)
    }

    /// One keep-alive read of `unit` (no retry; an answer renews it through
    /// [`Actor::answered`]). Shown in the traffic monitor like any request.
    async fn keep_alive(&mut self, unit: u8) {
        let Some(k) = self.kept.get(&unit).copied() else { return };
        let op = Op::Read { table: k.table, address: k.address, count: 1 };
        let result = self.exchange(unit, &op, RequestOptions { timeout: None, retries: Some(0) }).await;
        if let Err(e) = result
            && let Some(k) = self.kept.get_mut(&unit)
        {
            k.last = Instant::now();
            // No port (it is being reopened) or an exception (an answer) is no miss.
            if !matches!(e, LinkError::Disconnected { .. } | LinkError::Exception { .. }) {
                k.misses += 1;
                if k.misses >= KEEP_ALIVE_MISSES {
                    self.kept.remove(&unit);
                }
            }
        }
    }

    /// Discovers the device of poll target `idx` again and polls what it
    /// now shows (the same model ids as before).
    async fn rediscover(&mut self, idx: usize) {
        let Some(target) = self.poll.as_ref().and_then(|p| p.plan.targets.get(idx)).cloned() else { return };
        let Some(old) = target.models.as_ref() else { return };
        let wanted: Vec<u16> = old.iter().map(|m| m.id).collect();
        // The line just misbehaved: a model list is believed only when two
        // walks of the chain in a row agree.
        let mut walks = Vec::with_capacity(2);
        for _ in 0..2 {
            match crate::discover::discover(&mut ActorReader(self), target.unit).await {
                Ok(info) => walks.push(info),
                Err(e) => {
                    self.pending.push(DecodeMsg::Failed { unit: target.unit, error: e });
                    return;
                }
            }
        }
        let shape = |d: &backstop_model::link::DeviceInfo| d.models.iter().map(|m| (m.address, m.id, m.length)).collect::<Vec<_>>();
        if shape(&walks[0]) != shape(&walks[1]) {
            let error = LinkError::Protocol {
                unit: target.unit,
                what: "discovery".into(),
                detail: "two walks of the SunSpec model chain in a row disagreed; polling keeps the model list it had and discovers again after the next disagreement".into(),
            };
            self.pending.push(DecodeMsg::Failed { unit: target.unit, error });
            return;
        }
        let Some(info) = walks.pop() else { return };
        let models: Vec<_> = info.models.iter().filter(|m| m.known && wanted.contains(&m.id)).cloned().collect();
        let source = PollSource::SunSpec(models);
        let planned = crate::poll::PlannedTarget::new(&crate::poll::PollTarget { unit: target.unit, source: source.clone() });
        if let Some(slot) = self.poll.as_mut().and_then(|p| p.plan.targets.get_mut(idx)) {
            *slot = planned;
        }
        self.pending.push(DecodeMsg::Retarget { unit: target.unit, source });
        self.hand_over();
        self.sink.emit(LinkEvent::Discovered(info));
    }

    /// Sends the polls read so far to the decoder.
    fn hand_over(&mut self) {
        self.pending_since = None;
        if self.pending.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.pending);
        if let Some(d) = &self.decoder {
            // Never let a slow sink (e.g. a stalled project-file logger)
            // stall the bus: when 64 batches are already waiting to be
            // decoded, this one is dropped; newer data follows.
            let _ = d.try_send(batch);
        }
    }

    fn lose(&mut self, reason: String) {
        if let Some(c) = self.conn.take() {
            drop(c);
        }
        self.resync = None;
        self.suspect = false;
        let r = Reconnect { attempt: 0, at: Instant::now() + backoff(0), reason: reason.clone() };
        self.sink.emit(LinkEvent::Link(LinkState::Reconnecting { attempt: 0, retry_in_ms: backoff(0).as_millis() as u64, reason }));
        self.reconnect = Some(r);
    }

    async fn try_reconnect(&mut self) {
        let Some(mut r) = self.reconnect.take() else { return };
        match connect(&self.config).await {
            Ok(conn) => {
                self.conn = Some(conn);
                self.last_end = Instant::now();
                self.connected().await;
            }
            Err(e) => {
                r.attempt += 1;
                let wait = backoff(r.attempt);
                r.at = Instant::now() + wait;
                self.sink.emit(LinkEvent::Link(LinkState::Reconnecting {
                    attempt: r.attempt,
                    retry_in_ms: wait.as_millis() as u64,
                    reason: format!("{} (last attempt: {e})", r.reason),
                }));
                self.reconnect = Some(r);
            }
        }
    }

    /// Records an exchange in the traffic monitor; what was received goes in
    /// as `rx` (received, or discarded when it was not accepted). Returns the
    /// received frame's sequence number.
    fn record(monitor: Option<&Monitor>, ex: &Exchange, rx: FrameDirection) -> Option<u64> {
        let m = monitor?;
        if !ex.discarded.is_empty() {
            m.push(FrameDirection::Discarded, ex.discarded_time_us, ex.discarded.clone());
        }
        m.push(FrameDirection::Tx, ex.tx_time_us, ex.tx.clone());
        if !ex.echoed.is_empty() {
            m.push(FrameDirection::Echo, ex.echo_time_us, ex.echoed.clone());
        }
        if ex.rx.is_empty() { None } else { m.push(rx, ex.rx_time_us, ex.rx.clone()) }
    }

    /// A reply recorded as received turned out not to be trustworthy.
    fn discard_recorded(&self, seq: Option<u64>) {
        if let (Some(m), Some(seq)) = (self.monitor.as_ref(), seq) {
            m.mark_discarded(seq);
        }
    }

    fn describe_rx(target: &LinkTarget, bytes: &[u8]) -> String {
        let what = match target {
            LinkTarget::Tcp { .. } => describe_tcp(bytes, Role::Reply),
            LinkTarget::Serial(_) => describe_rtu(bytes, Role::Reply),
        };
        let shown: Vec<String> = bytes.iter().take(16).map(|b| format!("{b:02X}")).collect();
        let more = if bytes.len() > 16 { " …" } else { "" };
        format!("{} byte(s) received [{}{more}]: {what}", bytes.len(), shown.join(" "))
    }

    /// The link's own request timeout.
    fn timeout(&self) -> Duration {
        Duration::from_millis(u64::from(self.config.timeout_ms.max(1)))
    }

    /// How long the line must be silent before a request may follow a
    /// failed one: configured, or the failed request's timeout plus the
    /// time of a longest frame (256 bytes) at the baud rate. A reply that
    /// had not begun by then is taken to be lost. Zero on TCP, where
    /// transaction ids match replies to requests.
    pub(crate) fn quiet_time(&self, timeout: Duration) -> Duration {
        if let Some(ms) = self.config.quiet_ms {
            return Duration::from_millis(u64::from(ms));
        }
        match &self.config.target {
            LinkTarget::Tcp { .. } => Duration::ZERO,
            LinkTarget::Serial(s) => {
                let frame = if s.baud == 0 {
                    Duration::ZERO
                } else {
                    Duration::from_secs_f64(256.0 * f64::from(s.bits_per_char()) / f64::from(s.baud))
                };
                timeout + frame
            }
        }
    }

    /// Something went wrong on the line: before the next request it must be
    /// silent for `quiet`, and the next reply counts only if silence follows it.
    fn line_suspect(&mut self, quiet: Duration) {
        if quiet.is_zero() {
            return;
        }
        self.resync = Some(self.resync.map_or(quiet, |q| q.max(quiet)));
        self.suspect = true;
    }

    /// Waits until the line has been silent for `quiet`, keeping whatever
    /// arrives meanwhile in the traffic monitor as discarded. A line that
    /// never goes quiet (noise, another master) is an error.
    async fn settle(&mut self, unit: u8, what: &str, quiet: Duration) -> Result<Heard, LinkError> {
        let Some(conn) = self.conn.as_ref() else {
            return Err(LinkError::Disconnected { link: self.label.clone(), detail: "not connected".into() });
        };
        let limit = (quiet * 10).max(Duration::from_secs(2));
        let burst_gap = self.gap.max(Duration::from_millis(2));
        match wait_quiet(&conn.io, quiet, limit, burst_gap).await {
            Ok(heard) => {
                if let Some(m) = self.monitor.as_ref() {
                    for (t, bytes) in &heard.bursts {
                        m.push(FrameDirection::Discarded, *t, bytes.clone());
                    }
                }
                self.last_end = Instant::now();
                if heard.never_quiet {
                    return Err(LinkError::Damaged {
                        unit,
                        what: what.to_string(),
                        detail: format!(
                            "the line never stayed silent for {} ms within {:.1} s, so no request could be sent safely (noise, a babbling device or a second master on the bus)",
                            quiet.as_millis(),
                            limit.as_secs_f64()
                        ),
                    });
                }
                Ok(heard)
            }
            Err(e) => {
                let reason = format!("{}: {e}", conn.path);
                self.lose(reason.clone());
                Err(LinkError::Disconnected { link: self.label.clone(), detail: reason })
            }
        }
    }

    /// One request with timeout, gap, flush, resynchronisation and retries.
    pub(crate) async fn exchange(&mut self, unit: u8, op: &Op, opts: RequestOptions) -> Result<Vec<u16>, LinkError> {
        let timeout = opts.timeout.unwrap_or_else(|| self.timeout());
        let attempts = 1 + u32::from(opts.retries.unwrap_or(self.config.retries));
        let what = op.describe();
        let mut last: Option<LinkError> = None;
        // A read that fails because the adapter echoed our request (and
        // nothing strips it) is retried once with the echo stripped, on top
        // of the configured retries. Writes never are: an FC06 echo looks
        // like an acknowledgement, and only the read-back may judge a write.
        let mut echo_retry = false;
        let mut attempt = 0;
        while attempt < attempts + u32::from(echo_retry) {
            attempt += 1;
            if self.conn.is_none() {
                let detail = self.reconnect.as_ref().map(|r| r.reason.clone()).unwrap_or_else(|| "not connected".into());
                return Err(LinkError::Disconnected { link: self.label.clone(), detail });
            }
            // RTU has no transaction id: after anything went wrong, nothing
            // is sent until no reply to an earlier request can still arrive.
            if let Some(quiet) = self.resync.take()
                && let Err(e) = self.settle(unit, &what, quiet).await
            {
                if matches!(e, LinkError::Disconnected { .. }) {
                    return Err(e);
                }
                self.resync = Some(quiet);
                last = Some(e);
                continue;
            }
            precise_sleep_until(self.last_end + self.gap).await;
            let Some(conn) = self.conn.as_mut() else { continue };
            conn.tap.begin();
            conn.ctx.set_slave(Slave(unit));
            let call = async {
                match op {
                    Op::Read { table: Table::Holding, address, count } => conn.ctx.read_holding_registers(*address, *count).await,
                    Op::Read { table: Table::Input, address, count } => conn.ctx.read_input_registers(*address, *count).await,
                    Op::WriteSingle { address, value } => {
                        conn.ctx.write_single_register(*address, *value).await.map(|r| r.map(|()| Vec::new()))
                    }
                    Op::WriteMultiple { address, values } => {
                        conn.ctx.write_multiple_registers(*address, values).await.map(|r| r.map(|()| Vec::new()))
                    }
                }
            };
            let res = tokio::time::timeout(timeout, call).await;
            self.last_end = Instant::now();
            let ex = conn.tap.finish();
            let echoed = matches!(ex.refused, Some(crate::tap::ReplyFault::Echo)) || (ex.echoed.is_empty() && ex.looks_like_echo());
            if echoed {
                self.echo.seen_unstripped.store(true, Ordering::Relaxed);
            }
            let complete = matches!(&res, Ok(Ok(Ok(v))) if !matches!(op, Op::Read { count, .. } if v.len() != usize::from(*count)))
                || matches!(&res, Ok(Ok(Err(_))));
            let rx_seq = Self::record(self.monitor.as_ref(), &ex, if complete { FrameDirection::Rx } else { FrameDirection::Discarded });
            let mut retry_for_echo = false;
            let err = match res {
                Ok(Ok(Ok(v))) => match op {
                    Op::Read { count, .. } if v.len() != usize::from(*count) => {
                        LinkError::Protocol { unit, what: what.clone(), detail: format!("{} registers instead of {count}", v.len()) }
                    }
                    _ => match self.confirm(unit, &what, timeout).await {
                        Ok(()) => {
                            self.answered(unit, op);
                            return Ok(v);
                        }
                        Err(e) => {
                            self.discard_recorded(rx_seq);
                            e
                        }
                    },
                },
                Ok(Ok(Err(code))) => {
                    let code = u8::from(code);
                    match self.confirm(unit, &what, timeout).await {
                        Ok(()) => {
                            // An exception is an answer: the unit heard us.
                            self.answered(unit, op);
                            return Err(LinkError::Exception { unit, what, code, name: exception_name(code).into() });
                        }
                        Err(e) => {
                            self.discard_recorded(rx_seq);
                            e
                        }
                    }
                }
                _ if echoed && !echo_retry && matches!(op, Op::Read { .. }) => {
                    echo_retry = true;
                    retry_for_echo = true;
                    if let Some(conn) = self.conn.as_mut() {
                        conn.ctx = (conn.rebuild)();
                        conn.tap.strip_echo_once();
                    }
                    LinkError::Damaged { unit, what: what.clone(), detail: self.echo_detail(&ex) }
                }
                Err(_elapsed) => {
                    if ex.rx.is_empty() {
                        LinkError::NoAnswer {
                            unit,
                            what: what.clone(),
                            timeout_ms: timeout.as_millis() as u32,
                            attempts: attempt,
                            note: String::new(),
                        }
                    } else {
                        LinkError::Damaged { unit, what: what.clone(), detail: Self::describe_rx(&self.config.target, &ex.rx) }
                    }
                }
                Ok(Err(tokio_modbus::Error::Transport(e))) if ex.refused.is_none() && is_disconnect(&e) => {
                    let reason = format!("{}: {e}", self.conn.as_ref().map(|c| c.path.as_str()).unwrap_or("the port"));
                    self.lose(reason.clone());
                    return Err(LinkError::Disconnected { link: self.label.clone(), detail: reason });
                }
                Ok(Err(tokio_modbus::Error::Transport(e))) => {
                    // A decode error leaves tokio-util's Framed yielding one
                    // spurious end-of-stream: start from a fresh context.
                    if let Some(conn) = self.conn.as_mut() {
                        conn.ctx = (conn.rebuild)();
                    }
                    let why = match &ex.refused {
                        Some(fault) => fault.to_string(),
                        None => e.to_string(),
                    };
                    LinkError::Damaged {
                        unit,
                        what: what.clone(),
                        detail: format!("{why}; {}", Self::describe_rx(&self.config.target, &ex.rx)),
                    }
                }
                Ok(Err(tokio_modbus::Error::Protocol(p))) => {
                    if let Some(conn) = self.conn.as_mut() {
                        conn.ctx = (conn.rebuild)();
                    }
                    LinkError::Protocol { unit, what: what.clone(), detail: p.to_string() }
                }
            };
            if matches!(err, LinkError::Disconnected { .. }) {
                return Err(err);
            }
            // Whatever went wrong, a reply to this request may still be on its way.
            self.line_suspect(self.quiet_time(timeout));
            let err = self.with_echo_note(err);
            // The echo retry is taken whatever the error kind (it is the
            // same request, which will now decode).
            if !err.is_retryable() && !retry_for_echo {
                return Err(err);
            }
            last = Some(err);
        }
        Err(last.unwrap_or(LinkError::Closed))
    }

    /// After a failure, a reply counts only when the line stays silent
    /// after it: a second frame right behind it means the first may have
    /// been the late answer to an earlier request, and both are discarded.
    async fn confirm(&mut self, unit: u8, what: &str, timeout: Duration) -> Result<(), LinkError> {
        if !self.suspect {
            return Ok(());
        }
        let quiet = self.quiet_time(timeout);
        let heard = self.settle(unit, what, quiet).await?;
        if heard.is_empty() {
            self.suspect = false;
            return Ok(());
        }
        let bytes: Vec<u8> = heard.bursts.iter().flat_map(|(_, b)| b.iter().copied()).collect();
        Err(LinkError::Damaged {
            unit,
            what: what.to_string(),
            detail: format!(
                "another frame followed the reply ({}), so the reply may have been the late answer to an earlier request; both were discarded",
                Self::describe_rx(&self.config.target, &bytes)
            ),
        })
    }

    /// What to say about an echo nothing stripped.
    fn echo_detail(&self, ex: &Exchange) -> String {
        let line = self.echo.line();
        let why = match line {
            EchoLine::Silent => {
                "our own request came back, although the adapter did not echo when the port was opened (another adapter, or the line changed?); the read is repeated with the echo stripped"
            }
            _ => {
                "our own request came back (an RS-485 adapter that hears itself) and nothing strips it; the read is repeated with the echo stripped — turn \"Echo suppression\" on"
            }
        };
        format!("{why}; {}", Self::describe_rx(&self.config.target, &ex.rx))
    }

    /// Adds the echo setting's disagreement with the line to an error about
    /// a reply, so the engineer looks at the right setting.
    fn with_echo_note(&self, err: LinkError) -> LinkError {
        let Some(note) = self.echo.line().disagreement(self.config.echo) else { return err };
        match err {
            LinkError::NoAnswer { unit, what, timeout_ms, attempts, .. } => {
                LinkError::NoAnswer { unit, what, timeout_ms, attempts, note: format!("; note: {note}") }
            }
            LinkError::Damaged { unit, what, detail } => LinkError::Damaged { unit, what, detail: format!("{detail}; note: {note}") },
            other => other,
        }
    }
}

/// The actor as a register reader for re-discovery (requests go straight
/// to the port, with the link's timeout and retries).
struct ActorReader<'a>(&'a mut Actor);

impl crate::discover::Registers for ActorReader<'_> {
    async fn read(&mut self, unit: u8, address: u16, count: u16) -> Result<Vec<u16>, LinkError> {
        self.0.exchange(unit, &Op::Read { table: Table::Holding, address, count }, RequestOptions::default()).await
    }
}

/// Sleeps until `at` with sub-millisecond precision: the timer (which has
/// 1 ms resolution) for the bulk, then a short blocking sleep for the rest.
/// Blocking is fine here: the port's actor has its own thread and nothing
/// else to do before the gap has passed. Inter-request gaps are 1.75 ms at
/// 115200 baud, so a millisecond of rounding would cost 3 % of the wire.
pub(crate) async fn precise_sleep_until(at: Instant) {
    let now = Instant::now();
    if at <= now {
        return;
    }
    if at - now > Duration::from_micros(2500) {
        tokio::time::sleep_until(at - Duration::from_micros(1500)).await;
    }
    let now = Instant::now();
    if at > now {
        std::thread::sleep(at - now);
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_model::link::SerialSettings;

    #[test]
    fn gaps_follow_the_serial_line_guide() {
        let mut c = LinkConfig::new(LinkTarget::Serial(SerialSettings::new("/dev/x", 9600)));
        let g = gap_for(&c).as_secs_f64();
        assert!((g - 3.5 * 10.0 / 9600.0).abs() < 1e-9);
        if let LinkTarget::Serial(s) = &mut c.target {
            s.baud = 115200;
        }
        assert_eq!(gap_for(&c), Duration::from_micros(1750));
        c.gap_us = Some(25_000);
        assert_eq!(gap_for(&c), Duration::from_millis(25));
        assert_eq!(backoff(0), Duration::from_millis(250));
        assert_eq!(backoff(10), Duration::from_millis(5000));
    }
}
