//! The link to pack controllers: Modbus RTU over tokio-serial and Modbus TCP
//! via tokio-modbus, one actor task per port, bus scan, SunSpec discovery,
//! polling, verified writes and a traffic monitor.
//!
//! **Invariant:** the only crate that opens serial ports or sockets to devices.
//!
//! Key design choices:
//! - One task owns each port ([`actor`]); callers hold a cheap [`Link`]
//!   handle and queue requests. Nothing locks a port in shared state.
//! - Modbus framing is tokio-modbus's. A thin wrapper transport ([`tap`])
//!   under it flushes stale input before every request, records raw frames
//!   for the monitor and can strip an RS-485 echo (see ARCHITECTURE.md, "Where we work around tokio-modbus").
//! - Every request has a timeout, retries and an inter-request gap.
//! - Writes are refused unless the link is armed and the value passes the
//!   model's range and the project's limit; every write is read back and
//!   only a read-back equal to the written registers counts as verified.
//! - The crate does not store anything: samples, health changes and write
//!   audit records go to an [`EventSink`] as [`LinkEvent`] values.

pub mod actor;
mod discover;
pub mod error;
pub mod feed;
pub mod frame;
pub mod monitor;
pub mod poll;
pub mod ports;
#[cfg(unix)]
pub mod serial_io;
// Windows has no `AsyncFd`: tokio-serial's own stream behind the same interface.
#[cfg(not(unix))]
#[path = "serial_io_other.rs"]
pub mod serial_io;
pub mod tap;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backstop_model::link::{
    DecodedModel, DeviceInfo, EchoLine, LinkConfig, LinkEvent, LinkTarget, ModelInfo, PointReading, PointValue, ProjectLimit, ScanHit,
    ScanProgress, ScanRequest, TrafficFrame, WriteOutcome, WriteOutcomeKind, WriteRequest, WriteValue,
};
use backstop_sunspec::decode::{decode_point, scale_of};
use backstop_sunspec::layout::layout_from_registers;
use backstop_sunspec::regmap::{RegisterMap, Table};
use backstop_sunspec::{BASE_ADDRESSES, SUNS_MARKER, model_def};
use tokio::sync::{mpsc, oneshot};

pub use actor::{Op, RequestOptions, gap_for};
pub use error::LinkError;
pub use feed::LatestSamples;
pub use monitor::{Monitor, export_csv, export_text};
pub use poll::{FIELD_MIN_INTERVAL, FIELD_MIN_STALE_AFTER, PollConfig, PollSource, PollTarget};

/// The shortest arming: writes need a minute's window at least.
pub const ARM_MIN: Duration = Duration::from_secs(60);
/// The longest arming: a link left armed by mistake disarms itself within
/// two hours, the length of a commissioning session.
pub const ARM_MAX: Duration = Duration::from_secs(120 * 60);
pub use ports::list_ports;

use actor::{Actor, Command};
use tap::now_us;

/// Receiver of everything the link reports: samples, health, link state,
/// scan progress and write audit records. The app forwards them to the UI
/// (a Tauri channel) and stores samples and audit records in the project.
/// Called from the link's tasks: keep it quick and never block.
pub trait EventSink: Send + Sync + 'static {
    fn emit(&self, event: LinkEvent);
}

impl<F: Fn(LinkEvent) + Send + Sync + 'static> EventSink for F {
    fn emit(&self, event: LinkEvent) {
        self(event)
    }
}

/// A sink that drops everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&self, _event: LinkEvent) {}
}

/// A sink that forwards to an unbounded tokio channel (tests, simple apps).
pub fn channel_sink() -> (Arc<dyn EventSink>, mpsc::UnboundedReceiver<LinkEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let sink = move |e: LinkEvent| {
        let _ = tx.send(e);
    };
    (Arc::new(sink), rx)
}

/// A cancellation flag for long operations (scans).
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Armed commissioning mode: who armed it and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arming {
    pub engineer: String,
    pub until: std::time::Instant,
}

struct Inner {
    tx: mpsc::Sender<Command>,
    config: LinkConfig,
    label: String,
    sink: Arc<dyn EventSink>,
    monitor: Option<Monitor>,
    armed: Mutex<Option<Arming>>,
    echo: Arc<actor::EchoStatus>,
}

/// Handle to an open link. Cheap to clone; the port closes when
/// [`Link::close`] is called or the last handle is dropped.
#[derive(Clone)]
pub struct Link {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("label", &self.inner.label).finish()
    }
}

fn now_ms() -> u64 {
    now_us() / 1000
}

impl Link {
    /// Opens the port or socket and starts its actor on the current tokio
    /// runtime. Fails at once if the port cannot be opened.
    pub async fn open(config: LinkConfig, sink: Arc<dyn EventSink>) -> Result<Link, LinkError> {
        if let LinkTarget::Serial(s) = &config.target
            && s.baud == 0
        {
            return Err(LinkError::Invalid("the baud rate must be above zero".into()));
        }
        let monitor = config.monitor.then(|| Monitor::new(monitor::DEFAULT_CAPACITY, matches!(config.target, LinkTarget::Tcp { .. })));
        let echo = Arc::new(actor::EchoStatus::default());
        let (tx, rx) = mpsc::channel(256);
        let (ready_tx, ready_rx) = oneshot::channel();
        let spawner = tokio::runtime::Handle::current();
        let (cfg, sink2, mon2, echo2) = (config.clone(), sink.clone(), monitor.clone(), echo.clone());
        // The port's actor gets a thread with its own single-threaded
        // runtime: a reply wakes exactly the task waiting for it, with no
        // hand-over between worker threads and no interference from UI
        // work. Decoding and the sink run on the caller's runtime.
        std::thread::Builder::new()
            .name(format!("link {}", config.target.label()))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(LinkError::Open {
                            path: cfg.target.label(),
                            reason: format!("cannot start the link's runtime: {e}"),
                        }));
                        return;
                    }
                };
                rt.block_on(async move {
                    match Actor::open(cfg, sink2, mon2, echo2, spawner).await {
                        Ok(actor) => {
                            let _ = ready_tx.send(Ok(()));
                            actor.run(rx).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(|e| LinkError::Open { path: config.target.label(), reason: format!("cannot start the link's thread: {e}") })?;
        ready_rx.await.map_err(|_| LinkError::Closed)??;
        Ok(Link { inner: Arc::new(Inner { tx, label: config.target.label(), config, sink, monitor, armed: Mutex::new(None), echo }) })
    }

    /// Device node or host:port.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// The configuration the link was opened with.
    pub fn config(&self) -> &LinkConfig {
        &self.inner.config
    }

    /// True when the adapter hears itself: the echo check at open heard
    /// our own request, or a copy of one came back since.
    pub fn echo_detected(&self) -> bool {
        self.inner.echo.detected()
    }

    /// What the echo check heard when the port (last) opened.
    pub fn echo_line(&self) -> EchoLine {
        self.inner.echo.line()
    }

    /// Queues one Modbus operation and waits for its result.
    pub async fn request(&self, unit: u8, op: Op, opts: RequestOptions) -> Result<Vec<u16>, LinkError> {
        let (reply, rx) = oneshot::channel();
        self.inner.tx.send(Command::Request { unit, op, opts, reply }).await.map_err(|_| LinkError::Closed)?;
        rx.await.map_err(|_| LinkError::Closed)?
    }

    /// FC03: reads holding registers.
    pub async fn read_holding(&self, unit: u8, address: u16, count: u16) -> Result<Vec<u16>, LinkError> {
        check_count(count)?;
        self.request(unit, Op::Read { table: Table::Holding, address, count }, RequestOptions::default()).await
    }

    /// FC04: reads input registers.
    pub async fn read_input(&self, unit: u8, address: u16, count: u16) -> Result<Vec<u16>, LinkError> {
        check_count(count)?;
        self.request(unit, Op::Read { table: Table::Input, address, count }, RequestOptions::default()).await
    }

    /// Reads any number of holding registers in requests of at most 125.
    pub async fn read_span(&self, unit: u8, address: u16, count: u16) -> Result<Vec<u16>, LinkError> {
        discover::read_span(&mut Reader(self), unit, address, count).await
    }

    /// Probes unit ids `first..=last` with a short timeout, reporting
    /// progress after each id through the sink ([`LinkEvent::Scan`]).
    /// Cancelling returns what was found so far (the last progress event
    /// says `cancelled`).
    pub async fn scan(&self, req: &ScanRequest, cancel: &CancelToken) -> Result<Vec<ScanHit>, LinkError> {
        if req.first == 0 || req.last > 247 || req.first > req.last {
            return Err(LinkError::Invalid(format!(
                "scan range {}–{} is not valid: unit ids run from 1 to 247, first ≤ last",
                req.first, req.last
            )));
        }
        let opts = RequestOptions { timeout: Some(Duration::from_millis(u64::from(req.timeout_ms.max(10)))), retries: Some(0) };
        let total = u16::from(req.last - req.first) + 1;
        let mut found: Vec<ScanHit> = Vec::new();
        let mut progress = ScanProgress {
            first: req.first,
            last: req.last,
            current: req.first,
            done: 0,
            total,
            found: Vec::new(),
            finished: false,
            cancelled: false,
        };
        for unit in req.first..=req.last {
            if cancel.is_cancelled() {
                progress.cancelled = true;
                progress.finished = true;
                progress.found = found.clone();
                self.inner.sink.emit(LinkEvent::Scan(progress));
                return Ok(found);
            }
            let mut hit = None;
            for base in BASE_ADDRESSES {
                match self.request(unit, Op::Read { table: Table::Holding, address: base, count: 2 }, opts).await {
                    Ok(r) if r == SUNS_MARKER => {
                        hit = Some(ScanHit { unit, sunspec_base: Some(base), note: format!("SunSpec at {base}") });
                        break;
                    }
                    Ok(_) => {
                        hit.get_or_insert(ScanHit { unit, sunspec_base: None, note: "answers, no SunSpec marker".into() });
                    }
                    Err(LinkError::Exception { code, name, .. }) => {
                        hit.get_or_insert(ScanHit { unit, sunspec_base: None, note: format!("answers with exception {code:02} ({name})") });
                    }
                    Err(LinkError::Damaged { detail, .. }) => {
                        hit.get_or_insert(ScanHit {
                            unit,
                            sunspec_base: None,
                            note: format!("damaged reply (duplicate unit id or wrong baud/parity?): {detail}"),
                        });
                    }
                    Err(e @ (LinkError::Disconnected { .. } | LinkError::Closed)) => return Err(e),
                    Err(_) => {}
                }
                if hit.is_none() {
                    break; // silent at 40000: nothing at this id, do not wait three timeouts
                }
            }
            if let Some(h) = hit {
                found.push(h);
            }
            progress.current = unit;
            progress.done += 1;
            progress.found = found.clone();
            progress.finished = unit == req.last;
            self.inner.sink.emit(LinkEvent::Scan(progress.clone()));
        }
        Ok(found)
    }

    /// Finds "SunS" (40000, then 0, then 50000), walks the model chain with
    /// the lengths the device reports and reads the common model.
    pub async fn discover(&self, unit: u8) -> Result<DeviceInfo, LinkError> {
        discover::discover(&mut Reader(self), unit).await
    }

    /// Reads and decodes one model instance; refused when its header no
    /// longer shows the model and length discovery found.
    pub async fn read_model(&self, unit: u8, model: &ModelInfo) -> Result<DecodedModel, LinkError> {
        discover::read_model(&mut Reader(self), unit, model).await
    }

    /// Reads and decodes every known model of a discovered device.
    pub async fn read_device(&self, device: &DeviceInfo) -> Result<Vec<DecodedModel>, LinkError> {
        let mut out = Vec::new();
        for m in device.models.iter().filter(|m| m.known) {
            out.push(self.read_model(device.unit, m).await?);
        }
        Ok(out)
    }

    /// Reads every point of a register map.
    pub async fn read_map(&self, unit: u8, map: &RegisterMap) -> Result<Vec<PointReading>, LinkError> {
        let mut out = Vec::new();
        for (table, address, count) in map.read_plan(poll::MAX_READ) {
            let regs = self.request(unit, Op::Read { table, address, count }, RequestOptions::default()).await?;
            out.extend(map.decode_block(table, address, &regs));
        }
        Ok(out)
    }

    /// Starts (or replaces) polling; samples arrive at the sink.
    pub async fn start_polling(&self, config: PollConfig) -> Result<(), LinkError> {
        self.inner.tx.send(Command::Poll(Some(config))).await.map_err(|_| LinkError::Closed)
    }

    /// Stops polling.
    pub async fn stop_polling(&self) -> Result<(), LinkError> {
        self.inner.tx.send(Command::Poll(None)).await.map_err(|_| LinkError::Closed)
    }

    /// Enters armed commissioning mode for `ttl` (writes are refused
    /// otherwise), within [`ARM_MIN`]–[`ARM_MAX`].
    pub fn arm(&self, engineer: &str, ttl: Duration) -> Result<(), LinkError> {
        if engineer.trim().is_empty() {
            return Err(LinkError::Invalid("arming needs the engineer's name for the audit log".into()));
        }
        if !(ARM_MIN..=ARM_MAX).contains(&ttl) {
            return Err(LinkError::Invalid(format!(
                "arm for {} to {} minutes (asked: {} s)",
                ARM_MIN.as_secs() / 60,
                ARM_MAX.as_secs() / 60,
                ttl.as_secs()
            )));
        }
        let mut a = self.inner.armed.lock().unwrap_or_else(|p| p.into_inner());
        *a = Some(Arming { engineer: engineer.trim().to_string(), until: std::time::Instant::now() + ttl });
        Ok(())
    }

    /// Leaves armed mode.
    pub fn disarm(&self) {
        *self.inner.armed.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The current arming, if not expired.
    pub fn armed(&self) -> Option<Arming> {
        let a = self.inner.armed.lock().unwrap_or_else(|p| p.into_inner());
        a.clone().filter(|a| a.until > std::time::Instant::now())
    }

    /// Writes one SunSpec point and reads it back (see [`WriteOutcome`]).
    ///
    /// `limits` are the project's limits for this point, resolved by the
    /// caller from the open project file (never from the request):
    /// `backstop_commission::limits::write_limits`.
    ///
    /// Refused (error, nothing sent) when not armed, when the model at
    /// `model_address` is not `model_id`, when the point is unknown or
    /// read-only, or when the value is outside the model's range or any of
    /// the limits. Otherwise the outcome says verified / mismatch /
    /// no-answer / rejected with old and new values, and it is also sent to
    /// the sink for the audit log.
    pub async fn write_point(&self, req: &WriteRequest, limits: &[ProjectLimit]) -> Result<WriteOutcome, LinkError> {
        if self.armed().is_none() {
            return Err(LinkError::NotArmed);
        }
        if req.engineer.trim().is_empty() {
            return Err(LinkError::Refused("a write needs the engineer's name for the audit log".into()));
        }
        let header = self.read_holding(req.unit, req.model_address, 2).await?;
        if header[0] != req.model_id {
            return Err(LinkError::Refused(format!(
                "the model at {} is {} now, not {}; run discovery again before writing",
                req.model_address, header[0], req.model_id
            )));
        }
        let def =
            model_def(req.model_id).ok_or_else(|| LinkError::Refused(format!("Backstop has no definition of model {}", req.model_id)))?;
        let regs = self.read_span(req.unit, req.model_address, header[1].saturating_add(2)).await?;
        let layout = layout_from_registers(def, &regs);
        let slot = layout
            .slot(&req.point)
            .ok_or_else(|| LinkError::Refused(format!("model {} has no point {} on this device", req.model_id, req.point)))?;
        let scale = scale_of(slot.sf, &regs);
        let (raw, requested) =
            backstop_sunspec::encode_write(slot.point, scale, &req.value, limits).map_err(|e| LinkError::Refused(e.to_string()))?;
        let old_raw = regs.get(slot.offset..slot.offset + slot.point.size).unwrap_or_default();
        let old = decode_point(slot.point, old_raw, scale);
        let address = req.model_address.wrapping_add(slot.offset as u16);
        let point = slot.point;
        let outcome = self
            .write_and_verify(
                req.unit,
                address,
                &raw,
                |r| decode_point(point, r, scale),
                Audit {
                    model_id: req.model_id,
                    point: req.point.clone(),
                    engineer: req.engineer.trim().to_string(),
                    old: Some(old),
                    requested,
                },
            )
            .await?;
        Ok(outcome)
    }

    /// Writes one point of a register map and reads it back; same rules as
    /// [`Link::write_point`].
    pub async fn write_map_point(
        &self,
        unit: u8,
        map: &RegisterMap,
        point: &str,
        value: &WriteValue,
        limits: &[ProjectLimit],
        engineer: &str,
    ) -> Result<WriteOutcome, LinkError> {
        if self.armed().is_none() {
            return Err(LinkError::NotArmed);
        }
        if engineer.trim().is_empty() {
            return Err(LinkError::Refused("a write needs the engineer's name for the audit log".into()));
        }
        let p = map.point(point).ok_or_else(|| LinkError::Refused(format!("the register map has no point {point}")))?;
        let (raw, requested) = map.encode_write(p, value, limits).map_err(|e| LinkError::Refused(e.to_string()))?;
        let old_raw = self.read_holding(unit, p.address, p.size()).await?;
        let old = map.decode_point(p, &old_raw);
        self.write_and_verify(
            unit,
            p.address,
            &raw,
            |r| map.decode_point(p, r),
            Audit { model_id: 0, point: point.to_string(), engineer: engineer.trim().to_string(), old: Some(old), requested },
        )
        .await
    }

    async fn write_and_verify(
        &self,
        unit: u8,
        address: u16,
        raw: &[u16],
        decode: impl Fn(&[u16]) -> PointValue,
        audit: Audit,
    ) -> Result<WriteOutcome, LinkError> {
        let time_ms = now_ms();
        let op =
            if raw.len() == 1 { Op::WriteSingle { address, value: raw[0] } } else { Op::WriteMultiple { address, values: raw.to_vec() } };
        // Never repeat a write blindly: a device may act on each one.
        let written = self.request(unit, op, RequestOptions { timeout: None, retries: Some(0) }).await;
        if let Err(e @ (LinkError::Disconnected { .. } | LinkError::Closed)) = &written {
            // Nothing can be read back; record what we know.
            let outcome = self.outcome(
                WriteOutcomeKind::NoAnswer,
                unit,
                address,
                raw,
                time_ms,
                &audit,
                None,
                format!(
                    "The write of {} may or may not have reached the device: {e}. Read the value again before relying on it.",
                    audit.requested.display()
                ),
            );
            self.inner.sink.emit(LinkEvent::Write(outcome.clone()));
            return Ok(outcome);
        }
        let back = self.read_holding(unit, address, raw.len() as u16).await;
        let echo_note = if self.echo_detected() {
            " The adapter echoes its own transmission: an FC06 echo looks exactly like an acknowledgement, which is why only the read-back counts; consider echo suppression."
        } else {
            ""
        };
        let req_text = audit.requested.display();
        let old_text = audit.old.as_ref().map(PointValue::display).unwrap_or_else(|| "unknown".into());
        let (kind, read_back, message) = match (&written, &back) {
            (Err(LinkError::Exception { code, name, .. }), b) => (
                WriteOutcomeKind::Rejected,
                b.as_ref().ok().map(|r| decode(r)),
                format!("The device rejected {} → {req_text} with exception {code:02} ({name}); the value stays {old_text}.", audit.point),
            ),
            (_, Err(e)) => (
                WriteOutcomeKind::NoAnswer,
                None,
                format!("The write of {req_text} to {} is NOT verified: the read-back failed ({e}).{echo_note}", audit.point),
            ),
            (Err(we), Ok(r)) => (
                WriteOutcomeKind::NoAnswer,
                Some(decode(r)),
                format!(
                    "The write of {req_text} to {} is NOT verified: the device did not acknowledge it ({we}); the read-back shows {}.{echo_note}",
                    audit.point,
                    decode(r).display()
                ),
            ),
            (Ok(_), Ok(r)) if r.as_slice() == raw => {
                (WriteOutcomeKind::Verified, Some(decode(r)), format!("{}: {old_text} → {req_text}, verified by read-back.", audit.point))
            }
            (Ok(_), Ok(r)) => (
                WriteOutcomeKind::Mismatch,
                Some(decode(r)),
                format!(
                    "{}: wrote {req_text} but the read-back shows {}; the device did not take the value (or the acknowledgement was only an echo).{echo_note}",
                    audit.point,
                    decode(r).display()
                ),
            ),
        };
        let outcome = self.outcome(kind, unit, address, raw, time_ms, &audit, read_back, message);
        self.inner.sink.emit(LinkEvent::Write(outcome.clone()));
        Ok(outcome)
    }

    #[allow(clippy::too_many_arguments)]
    fn outcome(
        &self,
        kind: WriteOutcomeKind,
        unit: u8,
        address: u16,
        raw: &[u16],
        time_ms: u64,
        audit: &Audit,
        read_back: Option<PointValue>,
        message: String,
    ) -> WriteOutcome {
        WriteOutcome {
            kind,
            link: self.inner.label.clone(),
            unit,
            model_id: audit.model_id,
            point: audit.point.clone(),
            address,
            engineer: audit.engineer.clone(),
            time_ms,
            old: audit.old.clone(),
            requested: audit.requested.clone(),
            read_back,
            raw_written: raw.to_vec(),
            message,
        }
    }

    /// Traffic frames with sequence number ≥ `since` (oldest first); empty
    /// when the monitor is off.
    pub fn traffic(&self, since: u64) -> Vec<TrafficFrame> {
        self.inner.monitor.as_ref().map(|m| m.frames_since(since)).unwrap_or_default()
    }

    /// Empties the traffic monitor.
    pub fn clear_traffic(&self) {
        if let Some(m) = &self.inner.monitor {
            m.clear();
        }
    }

    /// Closes the port and ends the actor (polling stops).
    pub async fn close(&self) {
        let (done, rx) = oneshot::channel();
        if self.inner.tx.send(Command::Close(done)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// A [`Link`] as a register reader for discovery.
struct Reader<'a>(&'a Link);

impl discover::Registers for Reader<'_> {
    async fn read(&mut self, unit: u8, address: u16, count: u16) -> Result<Vec<u16>, LinkError> {
        self.0.read_holding(unit, address, count).await
    }
}

struct Audit {
    model_id: u16,
    point: String,
    engineer: String,
    old: Option<PointValue>,
    requested: PointValue,
}

fn check_count(count: u16) -> Result<(), LinkError> {
    if count == 0 || count > poll::MAX_READ {
        return Err(LinkError::Invalid(format!("a read asks for 1 to 125 registers, not {count}")));
    }
    Ok(())
}
