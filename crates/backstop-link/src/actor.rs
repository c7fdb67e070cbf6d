//! The task that owns one port. Requests arrive on a queue and are served
//! one at a time, each with a timeout, retries, the inter-request gap and an
//! input flush; polling interleaves with queued requests (queued requests
//! win). When the port disappears the actor reconnects with backoff,
//! finding a USB adapter again by its serial number.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backstop_model::link::{EchoMode, FrameDirection, LinkConfig, LinkEvent, LinkState, LinkTarget, Parity, StopBits};
use backstop_sunspec::regmap::Table;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_modbus::client::{Client as _, Context, Reader as _, Writer as _};
use tokio_modbus::prelude::SlaveContext as _;
use tokio_modbus::Slave;

use crate::frame::{Role, describe_rtu, describe_tcp, exception_name};
use crate::monitor::Monitor;
use crate::poll::{DecodeMsg, PollConfig, PollPlan, RawSpan};
use crate::tap::{Exchange, Tap, TapShared, now_us};
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
    rebuild: Rebuild,
    path: String,
}

struct Reconnect {
    attempt: u32,
    at: Instant,
    reason: String,
}

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
    echo_seen: Arc<AtomicBool>,
    /// Runtime of the caller, where decoding and the sink run.
    spawner: tokio::runtime::Handle,
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

fn is_disconnect(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), BrokenPipe | UnexpectedEof | NotConnected | ConnectionReset | ConnectionAborted | NotFound)
        || matches!(e.raw_os_error(), Some(5) | Some(6) | Some(19))
}

/// Opens the port or socket and builds a tokio-modbus context on the tap.
async fn connect(config: &LinkConfig) -> Result<Conn, LinkError> {
    let tap = TapShared::new(config.echo);
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
            let port = crate::serial_io::SerialIo::open(&builder).map(|p| p.with_reply_spin(crate::serial_io::REPLY_SPIN)).map_err(|e| LinkError::Open {
                path: path.clone(),
                reason: format!("{e} (is another program using it, is the adapter plugged in, may this user open it?)"),
            })?;
            let io = Arc::new(Mutex::new(port));
            let (io2, tap2) = (io.clone(), tap.clone());
            let rebuild: Rebuild =
                Box::new(move || tokio_modbus::client::rtu::attach_slave(Tap::new(io2.clone(), tap2.clone()), Slave(1)));
            Ok(Conn { ctx: rebuild(), tap, rebuild, path })
        }
        LinkTarget::Tcp { host, port } => {
            let addr = format!("{host}:{port}");
            let stream = tokio::time::timeout(
                Duration::from_millis(u64::from(config.timeout_ms.max(500))),
                tokio::net::TcpStream::connect(&addr),
            )
            .await
            .map_err(|_| LinkError::Open { path: addr.clone(), reason: "no answer to the TCP connection attempt".into() })?
            .map_err(|e| LinkError::Open { path: addr.clone(), reason: e.to_string() })?;
            let _ = stream.set_nodelay(true);
            let io = Arc::new(Mutex::new(stream));
            let (io2, tap2) = (io.clone(), tap.clone());
            let rebuild: Rebuild =
                Box::new(move || tokio_modbus::client::tcp::attach_slave(Tap::new(io2.clone(), tap2.clone()), Slave(1)));
            Ok(Conn { ctx: rebuild(), tap, rebuild, path: addr })
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
        echo_seen: Arc<AtomicBool>,
        spawner: tokio::runtime::Handle,
    ) -> Result<Actor, LinkError> {
        let conn = connect(&config).await?;
        let label = config.target.label();
        sink.emit(LinkEvent::Link(LinkState::Connected { path: conn.path.clone() }));
        Ok(Actor {
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
            echo_seen,
            spawner,
        })
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
            if self.poll.as_ref().is_some_and(|p| p.due <= now) {
                self.poll_next().await;
                continue;
            }
            // About to wait: nothing read may be held back meanwhile.
            self.hand_over();
            let poll_due = self.poll.as_ref().map(|p| p.due);
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
        'spans: for span in &target.spans {
            let mut regs = Vec::with_capacity(usize::from(span.count));
            for (address, count) in span.chunks() {
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
        let msg = match failure {
            None => DecodeMsg::Data { unit: target.unit, time_ms: now_us() / 1000, spans },
            Some(error) => DecodeMsg::Failed { unit: target.unit, error },
        };
        self.pending.push(msg);
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
        let r = Reconnect { attempt: 0, at: Instant::now() + backoff(0), reason: reason.clone() };
        self.sink.emit(LinkEvent::Link(LinkState::Reconnecting {
            attempt: 0,
            retry_in_ms: backoff(0).as_millis() as u64,
            reason,
        }));
        self.reconnect = Some(r);
    }

    async fn try_reconnect(&mut self) {
        let Some(mut r) = self.reconnect.take() else { return };
        match connect(&self.config).await {
            Ok(conn) => {
                self.sink.emit(LinkEvent::Link(LinkState::Connected { path: conn.path.clone() }));
                self.conn = Some(conn);
                self.last_end = Instant::now();
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

fn record(monitor: Option<&Monitor>, ex: &Exchange) {
        let Some(m) = monitor else { return };
        if !ex.discarded.is_empty() {
            m.push(FrameDirection::Discarded, ex.discarded_time_us, ex.discarded.clone());
        }
        m.push(FrameDirection::Tx, ex.tx_time_us, ex.tx.clone());
        if !ex.echoed.is_empty() {
            m.push(FrameDirection::Echo, ex.echo_time_us, ex.echoed.clone());
        }
        if !ex.rx.is_empty() {
            m.push(FrameDirection::Rx, ex.rx_time_us, ex.rx.clone());
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

    /// One request with timeout, gap, flush and retries.
    pub(crate) async fn exchange(&mut self, unit: u8, op: &Op, opts: RequestOptions) -> Result<Vec<u16>, LinkError> {
        let timeout = opts.timeout.unwrap_or(Duration::from_millis(u64::from(self.config.timeout_ms.max(1))));
        let attempts = 1 + u32::from(opts.retries.unwrap_or(self.config.retries));
        let what = op.describe();
        let mut last: Option<LinkError> = None;
        // A read that times out because the adapter echoed our request (and
        // suppression is off) is retried once with the echo stripped, on top
        // of the configured retries. Writes never are: an FC06 echo looks
        // like an acknowledgement, and only the read-back may judge a write.
        let mut echo_retry = false;
        let mut attempt = 0;
        while attempt < attempts + u32::from(echo_retry) {
            attempt += 1;
            let Some(conn) = self.conn.as_mut() else {
                let detail = self.reconnect.as_ref().map(|r| r.reason.clone()).unwrap_or_else(|| "not connected".into());
                return Err(LinkError::Disconnected { link: self.label.clone(), detail });
            };
            precise_sleep_until(self.last_end + self.gap).await;
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
            let mut retry_for_echo = false;
            let ex = conn.tap.finish();
            if self.config.echo == EchoMode::Off && matches!(op, Op::Read { .. }) && ex.looks_like_echo() {
                self.echo_seen.store(true, Ordering::Relaxed);
            }
            Self::record(self.monitor.as_ref(), &ex);
            let err = match res {
                Ok(Ok(Ok(v))) => {
                    if let Op::Read { count, .. } = op {
                        if v.len() != usize::from(*count) {
                            LinkError::Protocol {
                                unit,
                                what: what.clone(),
                                detail: format!("{} registers instead of {count}", v.len()),
                            }
                        } else {
                            return Ok(v);
                        }
                    } else {
                        return Ok(v);
                    }
                }
                Ok(Ok(Err(code))) => {
                    let code = u8::from(code);
                    return Err(LinkError::Exception { unit, what, code, name: exception_name(code).into() });
                }
                Err(_elapsed)
                    if !echo_retry
                        && self.config.echo == EchoMode::Off
                        && matches!(op, Op::Read { .. })
                        && ex.looks_like_echo() =>
                {
                    echo_retry = true;
                    retry_for_echo = true;
                    conn.ctx = (conn.rebuild)();
                    conn.tap.strip_echo_once();
                    LinkError::Damaged {
                        unit,
                        what: what.clone(),
                        detail: format!("the adapter echoed the request; {}", Self::describe_rx(&self.config.target, &ex.rx)),
                    }
                }
                Err(_elapsed) => {
                    if ex.rx.is_empty() {
                        LinkError::NoAnswer { unit, what: what.clone(), timeout_ms: timeout.as_millis() as u32, attempts: attempt }
                    } else {
                        LinkError::Damaged { unit, what: what.clone(), detail: Self::describe_rx(&self.config.target, &ex.rx) }
                    }
                }
                Ok(Err(tokio_modbus::Error::Transport(e))) if is_disconnect(&e) => {
                    let reason = format!("{}: {e}", conn.path);
                    self.lose(reason.clone());
                    return Err(LinkError::Disconnected { link: self.label.clone(), detail: reason });
                }
                Ok(Err(tokio_modbus::Error::Transport(e))) => {
                    // A decode error leaves tokio-util's Framed yielding one
                    // spurious end-of-stream: start from a fresh context.
                    conn.ctx = (conn.rebuild)();
                    LinkError::Damaged { unit, what: what.clone(), detail: format!("{e}; {}", Self::describe_rx(&self.config.target, &ex.rx)) }
                }
                Ok(Err(tokio_modbus::Error::Protocol(p))) => {
                    conn.ctx = (conn.rebuild)();
                    LinkError::Protocol { unit, what: what.clone(), detail: p.to_string() }
                }
            };
            // The echo retry is taken whatever the error kind (it is the
            // same request, which will now decode).
            if !err.is_retryable() && !retry_for_echo {
                return Err(err);
            }
            last = Some(err);
        }
        Err(last.unwrap_or(LinkError::Closed))
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
