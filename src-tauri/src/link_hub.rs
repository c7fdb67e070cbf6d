//! The live link as the app holds it: at most one open [`Link`] (one port
//! or gateway), the latest discovery and telemetry per unit (what the
//! checklist is evaluated against and what the UI asks for with
//! [`LinkHub::samples_after`]), the UI's event channel for everything but
//! samples, and the task that logs telemetry and write audits into the open
//! project.
//!
//! The link crate owns the port; this module only routes what it reports.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use backstop_link::{CancelToken, EventSink, Link, PollConfig, PollTarget};
use backstop_model::link::{DeviceInfo, LinkConfig, LinkEvent, LiveSamples, LogStatus, WriteOutcome};
use backstop_model::{AppError, ErrorCode};
use backstop_store::{AuditEntry, TelemetryLogger};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};
use tokio::sync::{mpsc, watch};

use crate::AppState;

/// How often buffered telemetry is written to the project file.
const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// What the link's tasks update and the commands read (as a copy, see
/// [`LinkHub::live`]); the core computes the checklist and reports from it.
pub use backstop_core::live::Live;

/// The app's link: one at a time.
pub struct LinkHub {
    link: tokio::sync::Mutex<Option<Link>>,
    scan: Mutex<Option<CancelToken>>,
    live: Arc<Mutex<Live>>,
    /// The sequence number of the latest sample (see [`backstop_link::LatestSamples`]).
    seq: Arc<watch::Sender<u64>>,
    ui: Arc<Mutex<Option<Channel<LinkEvent>>>>,
    log_tx: mpsc::UnboundedSender<LinkEvent>,
    log_rx: Mutex<Option<mpsc::UnboundedReceiver<LinkEvent>>>,
}

impl Default for LinkHub {
    fn default() -> Self {
        let (log_tx, log_rx) = mpsc::unbounded_channel();
        LinkHub {
            link: tokio::sync::Mutex::new(None),
            scan: Mutex::new(None),
            live: Arc::new(Mutex::new(Live::default())),
            seq: Arc::new(watch::Sender::new(0)),
            ui: Arc::new(Mutex::new(None)),
            log_tx,
            log_rx: Mutex::new(Some(log_rx)),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn no_link() -> AppError {
    AppError::new(ErrorCode::Link, "No link is open. Choose the serial adapter (or gateway) and press Connect first.")
}

/// Routes link events: live state, the UI channel, the project log.
/// Samples do not go through the UI channel: the UI asks for the latest
/// ones when it is ready ([`LinkHub::samples_after`]).
struct Sink {
    live: Arc<Mutex<Live>>,
    seq: Arc<watch::Sender<u64>>,
    ui: Arc<Mutex<Option<Channel<LinkEvent>>>>,
    log: mpsc::UnboundedSender<LinkEvent>,
}

impl EventSink for Sink {
    fn emit(&self, event: LinkEvent) {
        match &event {
            LinkEvent::Sample(s) => {
                let seq = lock(&self.live).latest.push(s.clone());
                advance(&self.seq, seq);
            }
            LinkEvent::Link(state) => lock(&self.live).link_state = Some(state.clone()),
            LinkEvent::Discovered(info) => {
                lock(&self.live).devices.insert(info.unit, info.clone());
            }
            _ => {}
        }
        if matches!(event, LinkEvent::Sample(_) | LinkEvent::Write(_)) {
            let _ = self.log.send(event.clone());
        }
        if matches!(event, LinkEvent::Sample(_)) {
            return;
        }
        if let Some(ch) = lock(&self.ui).as_ref() {
            // A closed UI channel (reloaded page) is replaced on the next subscribe.
            let _ = ch.send(event);
        }
    }
}

impl LinkHub {
    /// Starts the task that writes telemetry and audits to the project.
    /// Each sample is staged as it arrives (the decoded sample is dropped
    /// at once) and what was staged is written every [`FLUSH_EVERY`]. The
    /// database work runs on the blocking pool, so a slow disk never stalls
    /// the link's own tasks (a stalled poll would trip the packs'
    /// communication-loss watchdogs). When storing starts or stops working
    /// the UI is told ([`LinkEvent::Log`]), so a gap in the log never goes
    /// unnoticed.
    pub fn start_logger(&self, app: AppHandle) {
        let Some(mut rx) = lock(&self.log_rx).take() else { return };
        let ui = self.ui.clone();
        tauri::async_runtime::spawn(async move {
            let mut logger = Some(Logger::default());
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            loop {
                tokio::select! {
                    ev = rx.recv() => match ev {
                        None => break,
                        Some(LinkEvent::Sample(s)) => {
                            if let Some(l) = logger.as_mut() {
                                l.log.stage(&s);
                            }
                        }
                        Some(LinkEvent::Write(w)) => {
                            let app = app.clone();
                            let _ = tauri::async_runtime::spawn_blocking(move || log_write(&app, &w)).await;
                        }
                        Some(_) => {}
                    },
                    _ = tick.tick() => {
                        let Some(mut l) = logger.take() else { break };
                        if l.log.staged_values() == 0 {
                            logger = Some(l);
                            continue;
                        }
                        let app = app.clone();
                        let Ok((l, changed)) = tauri::async_runtime::spawn_blocking(move || {
                            let changed = l.flush(&app);
                            (l, changed)
                        })
                        .await
                        else {
                            // The write panicked: say so rather than stop quietly.
                            let status = LogStatus {
                                logging: false,
                                message: "Live values are no longer stored: the telemetry log stopped after an internal error. Save your work and restart Backstop to resume logging.".into(),
                            };
                            tell_log_status(&ui, status);
                            break;
                        };
                        logger = Some(l);
                        if let Some(status) = changed {
                            tell_log_status(&ui, status);
                        }
                    }
                }
            }
        });
    }

    /// The UI's event channel (replaces an earlier one).
    pub fn subscribe(&self, channel: Channel<LinkEvent>) {
        *lock(&self.ui) = Some(channel);
    }

    /// A copy of the live state. Never a guard: a command holds what it
    /// read for as long as it works (the commissioning report is typeset
    /// from it, for seconds), and the link's tasks must never wait for a
    /// command to record a sample — a stalled poll trips the packs'
    /// communication-loss watchdogs.
    pub fn live(&self) -> Live {
        lock(&self.live).clone()
    }

    /// The latest sample of every unit that changed after `after`, waiting
    /// up to `wait` for one (an empty answer after that). The UI asks again
    /// only once it has shown the previous answer, so however slowly it
    /// runs it is at most one answer behind the link, and replies to its
    /// other requests never queue behind old samples.
    pub async fn samples_after(&self, after: u64, wait: Duration) -> LiveSamples {
        let mut seq = self.seq.subscribe();
        let _ = tokio::time::timeout(wait, seq.wait_for(|s| *s != after)).await;
        lock(&self.live).latest.since(after)
    }

    /// Opens a link (closing the previous one).
    pub async fn connect(&self, config: LinkConfig) -> Result<String, AppError> {
        let mut slot = self.link.lock().await;
        if let Some(old) = slot.take() {
            old.close().await;
        }
        {
            let mut live = lock(&self.live);
            let latest = std::mem::take(&mut live.latest);
            *live = Live { latest, ..Live::default() };
            advance(&self.seq, live.latest.restart());
        }
        let sink = Arc::new(Sink { live: self.live.clone(), seq: self.seq.clone(), ui: self.ui.clone(), log: self.log_tx.clone() });
        let link = Link::open(config, sink).await?;
        let label = link.label().to_string();
        lock(&self.live).link_label = label.clone();
        *slot = Some(link);
        Ok(label)
    }

    pub async fn disconnect(&self) {
        if let Some(link) = self.link.lock().await.take() {
            link.close().await;
        }
        let mut live = lock(&self.live);
        live.link_state = Some(backstop_model::link::LinkState::Closed);
    }

    /// A clone of the open link handle.
    pub async fn link(&self) -> Result<Link, AppError> {
        self.link.lock().await.clone().ok_or_else(no_link)
    }

    /// A fresh cancel token for a scan (cancelling any running one).
    pub fn begin_scan(&self) -> CancelToken {
        let token = CancelToken::new();
        if let Some(old) = lock(&self.scan).replace(token.clone()) {
            old.cancel();
        }
        token
    }

    pub fn cancel_scan(&self) {
        if let Some(t) = lock(&self.scan).take() {
            t.cancel();
        }
    }

    /// Discovers a unit and remembers it.
    pub async fn discover(&self, unit: u8) -> Result<DeviceInfo, AppError> {
        let info = self.link().await?.discover(unit).await?;
        lock(&self.live).devices.insert(unit, info.clone());
        Ok(info)
    }

    /// Polls the discovered units (all of them when `units` is empty).
    pub async fn start_polling(&self, units: &[u8], interval: Duration, stale_after: Duration) -> Result<Vec<u8>, AppError> {
        let link = self.link().await?;
        let targets: Vec<PollTarget> = {
            let live = lock(&self.live);
            live.devices.values().filter(|d| units.is_empty() || units.contains(&d.unit)).map(PollTarget::for_device).collect()
        };
        if targets.is_empty() {
            return Err(AppError::new(
                ErrorCode::Link,
                "No discovered unit to poll: scan the bus and discover the pack controllers first.",
            ));
        }
        let polled: Vec<u8> = targets.iter().map(|t| t.unit).collect();
        link.start_polling(PollConfig::field(targets, interval, stale_after)?).await?;
        Ok(polled)
    }
}

/// Moves the published sequence number forward to `seq`, never back: two
/// link tasks emitting at once may publish out of order, and a number going
/// back would wake a waiting reader for nothing.
fn advance(published: &watch::Sender<u64>, seq: u64) {
    published.send_if_modified(|current| {
        let newer = seq > *current;
        if newer {
            *current = seq;
        }
        newer
    });
}

/// Tells the UI (and, for a failure, stderr) that logging started or stopped.
fn tell_log_status(ui: &Mutex<Option<Channel<LinkEvent>>>, status: LogStatus) {
    if !status.logging {
        eprintln!("backstop-app: {}", status.message);
    }
    if let Some(ch) = lock(ui).as_ref() {
        let _ = ch.send(LinkEvent::Log(status));
    }
}

/// Writes telemetry into the open project (whichever it is at the time)
/// and remembers whether that worked.
#[derive(Default)]
struct Logger {
    log: TelemetryLogger,
    status: Option<LogStatus>,
}

impl Logger {
    /// Writes what was staged; returns the status when it changed.
    fn flush(&mut self, app: &AppHandle) -> Option<LogStatus> {
        let state = app.state::<AppState>();
        let outcome = match state.session() {
            Err(e) => Err(e.message),
            Ok(mut session) => flush_into(&mut self.log, session.project_mut()),
        };
        self.update(log_status(outcome))
    }

    fn update(&mut self, status: LogStatus) -> Option<LogStatus> {
        if self.status.as_ref() == Some(&status) {
            return None;
        }
        self.status = Some(status.clone());
        Some(status)
    }
}

/// Writes what `log` staged into `project`; the file's name when that
/// worked, or what went wrong. Without a project open for editing the
/// staged values are dropped (they would otherwise pile up).
fn flush_into(log: &mut TelemetryLogger, project: Result<&mut backstop_store::Project, AppError>) -> Result<String, String> {
    let file = |p: &backstop_store::Project| p.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match project {
        Err(e) => {
            log.discard();
            Err(format!("Live values are not being stored: {} Open the site's project for editing to log them.", e.message))
        }
        Ok(p) => match log.flush(p) {
            Ok(_) => Ok(file(p)),
            Err(e) => Err(format!(
                "Live values could not be stored in {}: {e}. They are still shown; the log has a gap until this is fixed.",
                file(p)
            )),
        },
    }
}

fn log_status(outcome: Result<String, String>) -> LogStatus {
    match outcome {
        Ok(file) => LogStatus { logging: true, message: format!("Live values are logged to {file}") },
        Err(message) => LogStatus { logging: false, message },
    }
}

fn log_write(app: &AppHandle, w: &WriteOutcome) {
    let state = app.state::<AppState>();
    let Ok(mut session) = state.session() else { return };
    let Ok(project) = session.project_mut() else {
        eprintln!("backstop-app: a write to unit {} was made with no project open for editing; it is not in any audit log", w.unit);
        return;
    };
    let entry = AuditEntry::for_write(w);
    if let Err(e) = project.append_audit(&entry) {
        eprintln!("backstop-app: the write audit could not be stored: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_model::link::{DecodedModel, DeviceHealth, PointReading, PointValue, TelemetrySample};
    use backstop_model::project::ProjectInfo;
    use backstop_store::{CreateOptions, OpenOptions, Project};

    fn sample(t: u64) -> TelemetrySample {
        let soc = PointReading {
            path: "SoC".into(),
            name: "SoC".into(),
            label: "State of charge".into(),
            value: PointValue::Number { value: 55.0 },
            unit: Some("%".into()),
            address: 40_080,
            raw: Default::default(),
            writable: None,
        };
        let model = DecodedModel {
            id: 802,
            name: "battery".into(),
            label: "Battery".into(),
            address: 40_070,
            length: 62,
            points: vec![soc],
            groups: vec![],
            notes: vec![],
        };
        TelemetrySample {
            link: "pty".into(),
            unit: 1,
            time_ms: t,
            stale: false,
            health: DeviceHealth::Online,
            models: vec![model],
            undecoded: vec![],
        }
    }

    /// The UI's request for samples waits for the next one and then gets
    /// the latest of each unit, not every sample that arrived meanwhile
    /// (the samples once went to the window one by one, and a busy window
    /// fell tens of seconds behind: arming took 43 s).
    #[tokio::test]
    async fn a_waiting_reader_is_woken_by_the_next_sample_and_gets_only_the_latest() {
        let hub = LinkHub::default();
        let sink = Sink { live: hub.live.clone(), seq: hub.seq.clone(), ui: hub.ui.clone(), log: hub.log_tx.clone() };
        let nothing = hub.samples_after(0, Duration::ZERO).await;
        assert!(nothing.samples.is_empty());

        let mut reader = std::pin::pin!(hub.samples_after(nothing.seq, Duration::from_secs(3_600)));
        assert!(tokio::time::timeout(Duration::ZERO, &mut reader).await.is_err(), "with no new sample the reader waits");
        for t in 1..=100 {
            sink.emit(LinkEvent::Sample(sample(t)));
        }
        let got = tokio::time::timeout(Duration::ZERO, &mut reader).await.expect("the samples wake the reader");
        assert_eq!(got.samples.iter().map(|s| (s.unit, s.time_ms)).collect::<Vec<_>>(), vec![(1, 100)]);
        // The project's log still receives every sample.
        let mut rx = lock(&hub.log_rx).take().expect("log receiver");
        let mut logged = 0;
        while let Ok(LinkEvent::Sample(_)) = rx.try_recv() {
            logged += 1;
        }
        assert_eq!(logged, 100);
    }

    /// A report is typeset from the live state for seconds; meanwhile the
    /// link's tasks go on recording samples (the state used to be handed
    /// out as a lock guard, held through the typesetting).
    #[test]
    fn the_link_never_waits_for_a_command_reading_the_live_state() {
        let hub = LinkHub::default();
        let sink = Sink { live: hub.live.clone(), seq: hub.seq.clone(), ui: hub.ui.clone(), log: hub.log_tx.clone() };
        let read = hub.live();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            sink.emit(LinkEvent::Sample(sample(1)));
            let _ = done.send(());
        });
        finished.recv_timeout(Duration::from_secs(30)).expect("the sample is recorded while a command holds what it read");
        assert!(read.latest.get(1).is_none(), "what the command read stays as it was");
        assert_eq!(hub.live().latest.get(1).map(|s| s.time_ms), Some(1));
    }

    #[test]
    fn the_published_sequence_number_never_goes_back() {
        let (tx, rx) = watch::channel(0);
        advance(&tx, 6);
        advance(&tx, 5);
        assert_eq!(*rx.borrow(), 6);
        advance(&tx, 7);
        assert_eq!(*rx.borrow(), 7);
    }

    #[test]
    fn the_ui_hears_when_logging_stops_and_starts_again_and_nothing_piles_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Site A.backstop");
        Project::create(&path, &ProjectInfo { name: "a".into(), ..Default::default() }, &CreateOptions::default()).unwrap();
        let mut logger = Logger::default();

        // No project open: the values are dropped and the engineer is told what to do.
        logger.log.stage(&sample(1_000));
        let none = flush_into(&mut logger.log, Err(AppError::new(ErrorCode::NoProject, "No project is open.")));
        let status = logger.update(log_status(none)).expect("first status is reported");
        assert!(!status.logging);
        assert!(status.message.contains("not being stored") && status.message.contains("Open the site's project"), "{}", status.message);
        assert_eq!(logger.log.staged_values(), 0, "dropped, not piled up");
        // The same problem again is not repeated.
        logger.log.stage(&sample(2_000));
        let again = flush_into(&mut logger.log, Err(AppError::new(ErrorCode::NoProject, "No project is open.")));
        assert_eq!(logger.update(log_status(again)), None);

        // Opened for viewing only: the store refuses, and the message says where.
        let mut view = Project::open(&path, &OpenOptions::view()).unwrap();
        logger.log.stage(&sample(3_000));
        let refused = flush_into(&mut logger.log, Ok(&mut view));
        let status = logger.update(log_status(refused)).expect("a different problem is reported");
        assert!(!status.logging && status.message.contains("Site A.backstop"), "{}", status.message);
        drop(view);

        // Opened for editing: values are stored and the UI hears it works again.
        let mut edit = Project::open(&path, &OpenOptions::default()).unwrap();
        logger.log.stage(&sample(4_000));
        let ok = flush_into(&mut logger.log, Ok(&mut edit));
        let status = logger.update(log_status(ok)).expect("recovery is reported");
        assert!(status.logging && status.message.contains("Site A.backstop"), "{}", status.message);
        let id = edit.find_telemetry_point("unit 1", "802.1.SoC").unwrap().expect("series");
        let stored: Vec<i64> = edit.read_telemetry(id, 0, i64::MAX).unwrap().iter().map(|s| s.t_ms).collect();
        assert_eq!(stored, vec![4_000]);
    }
}
