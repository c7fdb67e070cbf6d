//! Polling: which registers to read per device, and the decoder task that
//! turns raw register spans into telemetry samples, tracks each device's
//! health and marks values stale.
//!
//! The port actor only moves bytes; decoding runs in this separate task so
//! that it overlaps with the next request on the wire.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use backstop_model::link::{DecodedModel, DeviceHealth, DeviceInfo, LinkEvent, ModelInfo, TelemetrySample, UndecodedModel};
use backstop_sunspec::regmap::{RegisterMap, Table};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::{EventSink, LinkError};

/// Most registers one FC03/FC04 request may ask for.
pub const MAX_READ: u16 = 125;

/// What to read from one device.
#[derive(Debug, Clone)]
pub enum PollSource {
    /// SunSpec models from discovery (usually all but model 1, which is static).
    SunSpec(Vec<ModelInfo>),
    /// A run-time register map.
    Map(Arc<RegisterMap>),
}

/// One device to poll.
#[derive(Debug, Clone)]
pub struct PollTarget {
    pub unit: u8,
    pub source: PollSource,
}

impl PollTarget {
    /// What the app and the CLI poll on a discovered device: every model
    /// Backstop knows but the common model (identity does not change).
    pub fn for_device(device: &DeviceInfo) -> PollTarget {
        PollTarget { unit: device.unit, source: PollSource::SunSpec(device.models.iter().filter(|m| m.id != 1 && m.known).cloned().collect()) }
    }
}

/// Polling settings.
#[derive(Debug, Clone)]
pub struct PollConfig {
    pub targets: Vec<PollTarget>,
    /// Time from the start of one cycle over all targets to the next
    /// (zero: back to back).
    pub interval: Duration,
    /// After this long without good data a device's values are stale and the
    /// device is offline (default 10 s).
    pub stale_after: Duration,
}

impl PollConfig {
    /// Polls `targets` every `interval`, stale after 10 s.
    pub fn new(targets: Vec<PollTarget>, interval: Duration) -> PollConfig {
        PollConfig { targets, interval, stale_after: Duration::from_secs(10) }
    }
}

/// A contiguous register span, read in chunks of at most [`MAX_READ`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub table: Table,
    pub address: u16,
    pub count: u16,
}

impl Span {
    /// (address, count) of each request covering the span.
    pub fn chunks(&self) -> Vec<(u16, u16)> {
        let mut out = Vec::new();
        let mut at = u32::from(self.address);
        let end = at + u32::from(self.count);
        while at < end {
            let n = (end - at).min(u32::from(MAX_READ));
            out.push((at as u16, n as u16));
            at += n;
        }
        out
    }
}

/// Groups model ranges into the spans one request each reads: whole,
/// adjacent models packed while they fit in [`MAX_READ`] registers, so that
/// every request starts at a model header the poller can check against
/// discovery (a reply to some other read then shows as a wrong header). A
/// model longer than one request gets a span of its own, read in several
/// requests of which only the first carries its header. Overlapping models
/// (a confused device) share one span.
pub fn sunspec_spans(models: &[ModelInfo]) -> Vec<Span> {
    let mut ranges: Vec<(u32, u32)> = models
        .iter()
        .map(|m| (u32::from(m.address), (u32::from(m.address) + 2 + u32::from(m.length)).min(0x1_0000)))
        .collect();
    ranges.sort_unstable();
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for (s, e) in ranges {
        match spans.last_mut() {
            // Overlap: one span, whatever its length.
            Some((_, le)) if s < *le => *le = (*le).max(e),
            // Adjacent and still one request.
            Some((ls, le)) if s == *le && e - *ls <= u32::from(MAX_READ) => *le = e,
            _ => spans.push((s, e)),
        }
    }
    spans
        .into_iter()
        .map(|(s, e)| Span { table: Table::Holding, address: s as u16, count: (e - s).min(0xFFFF) as u16 })
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) struct PlannedTarget {
    pub unit: u8,
    pub spans: Vec<Span>,
    /// Model headers the device must still show where discovery found
    /// them: (address, model id, length). Empty for register maps.
    pub headers: Vec<(u16, u16, u16)>,
    /// The SunSpec models polled (kept for re-discovery).
    pub models: Option<Vec<ModelInfo>>,
}

impl PlannedTarget {
    pub fn new(t: &PollTarget) -> PlannedTarget {
        match &t.source {
            PollSource::SunSpec(models) => PlannedTarget {
                unit: t.unit,
                spans: sunspec_spans(models),
                headers: models.iter().map(|m| (m.address, m.id, m.length)).collect(),
                models: Some(models.clone()),
            },
            PollSource::Map(map) => PlannedTarget {
                unit: t.unit,
                spans: map
                    .read_plan(MAX_READ)
                    .into_iter()
                    .map(|(table, address, count)| Span { table, address, count })
                    .collect(),
                headers: Vec::new(),
                models: None,
            },
        }
    }
}

/// The read plan of a poll configuration.
#[derive(Debug, Clone)]
pub(crate) struct PollPlan {
    pub targets: Vec<PlannedTarget>,
    pub interval: Duration,
}

impl PollPlan {
    pub fn new(cfg: &PollConfig) -> PollPlan {
        PollPlan { targets: cfg.targets.iter().map(PlannedTarget::new).collect(), interval: cfg.interval }
    }
}

/// Registers read for one span.
#[derive(Debug, Clone)]
pub(crate) struct RawSpan {
    pub table: Table,
    pub address: u16,
    pub regs: Vec<u16>,
}

/// Compares the model headers inside the spans read with what discovery
/// found: every disagreement, as a sentence. A header that disagrees means
/// the registers are not the model they are taken for (a reply to another
/// read, or a device whose model map changed).
pub(crate) fn header_mismatches(headers: &[(u16, u16, u16)], spans: &[RawSpan]) -> Vec<String> {
    let mut out = Vec::new();
    for &(address, id, length) in headers {
        let Some(span) = spans.iter().find(|s| {
            s.table == Table::Holding && address >= s.address && usize::from(address - s.address) + 2 <= s.regs.len()
        }) else {
            continue;
        };
        let at = usize::from(address - span.address);
        let (got_id, got_len) = (span.regs[at], span.regs[at + 1]);
        if (got_id, got_len) != (id, length) {
            out.push(format!(
                "the model header at {address} reads {got_id}/{got_len} where discovery found model {id} of length {length}"
            ));
        }
    }
    out
}

pub(crate) enum DecodeMsg {
    /// A poll's registers, read at `read_at`.
    Data { unit: u8, time_ms: u64, read_at: Instant, spans: Vec<RawSpan> },
    /// A poll whose registers were thrown away (why, in a sentence).
    Discarded { unit: u8, time_ms: u64, reason: String },
    Failed { unit: u8, error: LinkError },
    /// The device was discovered again: decode its polls with this source.
    Retarget { unit: u8, source: PollSource },
}

/// Decodes the registers of one poll into models; every polled model that
/// cannot be shown is listed with the reason.
pub(crate) fn decode_spans(source: &PollSource, spans: &[RawSpan]) -> (Vec<DecodedModel>, Vec<UndecodedModel>) {
    match source {
        PollSource::SunSpec(models) => {
            let mut decoded = Vec::with_capacity(models.len());
            let mut missing = Vec::new();
            for m in models {
                let span = spans.iter().find(|s| {
                    s.table == Table::Holding
                        && m.address >= s.address
                        && usize::from(m.address - s.address) + 2 + usize::from(m.length) <= s.regs.len()
                });
                let Some(span) = span else {
                    missing.push(UndecodedModel { id: m.id, address: m.address, reason: "not decoded: its registers were not read".into() });
                    continue;
                };
                let start = usize::from(m.address - span.address);
                let regs = &span.regs[start..start + 2 + usize::from(m.length)];
                match backstop_sunspec::decode_model(regs, m.address) {
                    Ok(d) => decoded.push(d),
                    Err(e) => missing.push(UndecodedModel { id: m.id, address: m.address, reason: format!("not decoded: {e}") }),
                }
            }
            (decoded, missing)
        }
        PollSource::Map(map) => {
            let points = spans.iter().flat_map(|s| map.decode_block(s.table, s.address, &s.regs)).collect();
            (
                vec![DecodedModel {
                    id: 0,
                    name: "register-map".into(),
                    label: map.name.clone().into(),
                    address: 0,
                    length: 0,
                    points,
                    groups: Vec::new(),
                    notes: Vec::new(),
                }],
                Vec::new(),
            )
        }
    }
}

/// Every model of a source, as not decoded for `reason`.
fn all_undecoded(source: &PollSource, reason: &str) -> Vec<UndecodedModel> {
    match source {
        PollSource::SunSpec(models) => {
            models.iter().map(|m| UndecodedModel { id: m.id, address: m.address, reason: format!("not decoded: {reason}") }).collect()
        }
        PollSource::Map(map) => vec![UndecodedModel { id: 0, address: 0, reason: format!("{}: not decoded: {reason}", map.name) }],
    }
}

struct Track {
    source: PollSource,
    health: DeviceHealth,
    /// When the last good data was read (or polling started).
    last_ok: Instant,
    /// Registers of the last good poll (decoded again for the stale sample;
    /// cheaper than keeping a copy of every decoded sample).
    last_spans: Vec<RawSpan>,
    last_time_ms: u64,
    /// The last failure since the last good data.
    last_error: Option<String>,
}

/// Decodes poll results, emits samples and health changes, and marks
/// values stale on a timer: a device is offline `stale_after` after the
/// last good data was read, whatever the link is doing meanwhile (a run of
/// timeouts and retries delivers nothing to wait for).
pub(crate) async fn decoder_task(
    cfg: PollConfig,
    link: String,
    sink: Arc<dyn EventSink>,
    mut rx: mpsc::Receiver<Vec<DecodeMsg>>,
) {
    let start = Instant::now();
    let mut tracks: HashMap<u8, Track> = cfg
        .targets
        .iter()
        .map(|t| {
            (t.unit, Track {
                source: t.source.clone(),
                health: DeviceHealth::Online,
                last_ok: start,
                last_spans: Vec::new(),
                last_time_ms: 0,
                last_error: None,
            })
        })
        .collect();
    loop {
        // The next moment a device turns stale, if any is still fresh.
        let next_stale = tracks
            .values()
            .filter(|t| t.health != DeviceHealth::Offline)
            .map(|t| t.last_ok + cfg.stale_after)
            .min();
        let batch = tokio::select! {
            biased;
            b = rx.recv() => match b {
                Some(b) => b,
                None => break,
            },
            () = async {
                match next_stale {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            } => {
                mark_stale(&mut tracks, &cfg, &link, &*sink);
                continue;
            }
        };
        // Whatever arrived, a device whose good data is too old is stale first.
        mark_stale(&mut tracks, &cfg, &link, &*sink);
        for msg in batch {
            match msg {
                DecodeMsg::Data { unit, time_ms, read_at, spans } => {
                    let Some(t) = tracks.get_mut(&unit) else { continue };
                    if read_at.elapsed() >= cfg.stale_after {
                        // Held up so long it is already stale: never shown as fresh.
                        continue;
                    }
                    let (models, undecoded) = decode_spans(&t.source, &spans);
                    t.last_ok = t.last_ok.max(read_at);
                    if t.health != DeviceHealth::Online {
                        t.health = DeviceHealth::Online;
                        sink.emit(LinkEvent::Health { unit, health: DeviceHealth::Online, message: format!("unit {unit} answers again") });
                    }
                    t.last_time_ms = time_ms;
                    t.last_spans = spans;
                    t.last_error = None;
                    sink.emit(LinkEvent::Sample(TelemetrySample {
                        link: link.clone(),
                        unit,
                        time_ms,
                        stale: false,
                        health: DeviceHealth::Online,
                        models,
                        undecoded,
                    }));
                }
                DecodeMsg::Discarded { unit, time_ms, reason } => {
                    let Some(t) = tracks.get_mut(&unit) else { continue };
                    if t.health == DeviceHealth::Online {
                        t.health = DeviceHealth::Degraded;
                    }
                    t.last_error = Some(reason.clone());
                    sink.emit(LinkEvent::Health { unit, health: t.health, message: format!("unit {unit}: {reason}") });
                    sink.emit(LinkEvent::Sample(TelemetrySample {
                        link: link.clone(),
                        unit,
                        time_ms,
                        stale: false,
                        health: t.health,
                        models: Vec::new(),
                        undecoded: all_undecoded(&t.source, &reason),
                    }));
                }
                DecodeMsg::Failed { unit, error } => {
                    let Some(t) = tracks.get_mut(&unit) else { continue };
                    t.last_error = Some(error.to_string());
                    if t.health == DeviceHealth::Online {
                        t.health = DeviceHealth::Degraded;
                        sink.emit(LinkEvent::Health { unit, health: DeviceHealth::Degraded, message: error.to_string() });
                    }
                }
                DecodeMsg::Retarget { unit, source } => {
                    if let Some(t) = tracks.get_mut(&unit) {
                        t.source = source;
                        // The old registers belong to the old map.
                        t.last_spans.clear();
                    }
                }
            }
        }
    }
}

/// Marks every device whose last good data is `stale_after` old as offline,
/// repeating its last data once, flagged stale, so every view greys it out.
fn mark_stale(tracks: &mut HashMap<u8, Track>, cfg: &PollConfig, link: &str, sink: &dyn EventSink) {
    let now = Instant::now();
    for (&unit, t) in tracks.iter_mut() {
        if t.health == DeviceHealth::Offline || now < t.last_ok + cfg.stale_after {
            continue;
        }
        t.health = DeviceHealth::Offline;
        let silent_for = now.duration_since(t.last_ok);
        sink.emit(LinkEvent::Health {
            unit,
            health: DeviceHealth::Offline,
            message: match &t.last_error {
                Some(e) => format!(
                    "unit {unit} is offline: no good data for {:.1} s; its values are stale. Last error: {e}",
                    silent_for.as_secs_f64()
                ),
                None => format!("unit {unit} is offline: no good data for {:.1} s; its values are stale", silent_for.as_secs_f64()),
            },
        });
        let (models, undecoded) = decode_spans(&t.source, &t.last_spans);
        sink.emit(LinkEvent::Sample(TelemetrySample {
            link: link.to_string(),
            unit,
            time_ms: t.last_time_ms,
            stale: true,
            health: DeviceHealth::Offline,
            models,
            undecoded: if t.last_spans.is_empty() { all_undecoded(&t.source, "no good data since polling started") } else { undecoded },
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: u16, address: u16, length: u16) -> ModelInfo {
        ModelInfo { id, name: String::new(), label: String::new(), address, length, known: true }
    }

    #[test]
    fn every_request_starts_at_a_model_header() {
        // 1 (68 registers with its header), 802 (64), 803 (60), 804 (112), 805 (108).
        let models = [info(802, 40070, 62), info(803, 40134, 58), info(1, 40002, 66), info(804, 40194, 110), info(805, 40306, 106)];
        let spans = sunspec_spans(&models);
        assert_eq!(spans, vec![
            Span { table: Table::Holding, address: 40002, count: 68 },
            Span { table: Table::Holding, address: 40070, count: 124 },
            Span { table: Table::Holding, address: 40194, count: 112 },
            Span { table: Table::Holding, address: 40306, count: 108 },
        ]);
        for s in &spans {
            assert_eq!(s.chunks().len(), 1, "one request per span: {s:?}");
            assert!(models.iter().any(|m| m.address == s.address), "{s:?} starts at a header");
        }
        // A model longer than one request: its own span, read in two requests.
        let long = sunspec_spans(&[info(805, 100, 198)]);
        assert_eq!(long[0].chunks(), vec![(100, 125), (225, 75)]);
        let apart = sunspec_spans(&[info(802, 100, 62), info(803, 1000, 26)]);
        assert_eq!(apart.len(), 2);
    }

    #[test]
    fn a_header_that_disagrees_with_discovery_is_named() {
        let spans = [RawSpan { table: Table::Holding, address: 40070, regs: { let mut r = vec![0u16; 124]; r[0] = 802; r[1] = 62; r[64] = 17; r[65] = 58; r } }];
        let wrong = header_mismatches(&[(40070, 802, 62), (40134, 803, 58)], &spans);
        assert_eq!(wrong, vec!["the model header at 40134 reads 17/58 where discovery found model 803 of length 58".to_string()]);
        assert!(header_mismatches(&[(40070, 802, 62)], &spans).is_empty());
    }

    /// Stale on a timer: whatever the timeouts, retries and interval, a
    /// device goes offline exactly `stale_after` after its last good data
    /// was read, even while nothing reaches the decoder (the link is busy
    /// timing out and retrying) or failures trickle in.
    #[tokio::test(start_paused = true)]
    async fn offline_exactly_stale_after_the_last_good_data_however_failures_arrive() {
        let models = vec![info(802, 40070, 62)];
        // (timeout, retries, interval) as the link would produce failures.
        for (timeout_ms, retries, interval_ms) in [(1000u64, 2u64, 200u64), (300, 0, 1000), (50, 5, 0), (5000, 3, 100)] {
            let (sink, mut events) = crate::channel_sink();
            let (tx, rx) = mpsc::channel(64);
            let mut cfg = PollConfig::new(vec![PollTarget { unit: 1, source: PollSource::SunSpec(models.clone()) }], Duration::from_millis(interval_ms));
            cfg.stale_after = Duration::from_secs(10);
            let task = tokio::spawn(decoder_task(cfg, "pty".into(), sink, rx));
            let regs = { let mut r = vec![0u16; 64]; r[0] = 802; r[1] = 62; r };
            let good_at = Instant::now();
            tx.send(vec![DecodeMsg::Data { unit: 1, time_ms: 1, read_at: good_at, spans: vec![RawSpan { table: Table::Holding, address: 40070, regs }] }]).await.unwrap();
            // Then the device goes silent: one failed poll per full round of attempts.
            let per_poll = Duration::from_millis(timeout_ms * (retries + 1) + interval_ms);
            let feeder = {
                let tx = tx.clone();
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(per_poll).await;
                        let error = LinkError::NoAnswer { unit: 1, what: "a read".into(), timeout_ms: timeout_ms as u32, attempts: 1, note: String::new() };
                        if tx.send(vec![DecodeMsg::Failed { unit: 1, error }]).await.is_err() {
                            return;
                        }
                    }
                })
            };
            let offline_at = loop {
                match events.recv().await.unwrap() {
                    LinkEvent::Health { health: DeviceHealth::Offline, message, .. } => {
                        assert!(message.contains("no good data for 10.0 s"), "{message}");
                        break Instant::now();
                    }
                    _ => continue,
                }
            };
            assert_eq!(offline_at - good_at, Duration::from_secs(10), "timeout {timeout_ms} ms, retries {retries}, interval {interval_ms} ms");
            // The stale sample repeats the last data, flagged.
            let stale = loop {
                if let LinkEvent::Sample(s) = events.recv().await.unwrap() {
                    break s;
                }
            };
            assert!(stale.stale && stale.health == DeviceHealth::Offline && stale.models.len() == 1);
            feeder.abort();
            drop(tx);
            let _ = task.await;
        }
    }

    /// Good data that reaches the decoder already older than the stale time
    /// is never shown as fresh.
    #[tokio::test(start_paused = true)]
    async fn data_held_up_past_the_stale_time_is_not_fresh() {
        let (sink, mut events) = crate::channel_sink();
        let (tx, rx) = mpsc::channel(64);
        let mut cfg = PollConfig::new(vec![PollTarget { unit: 1, source: PollSource::SunSpec(vec![info(802, 40070, 62)]) }], Duration::ZERO);
        cfg.stale_after = Duration::from_secs(2);
        let task = tokio::spawn(decoder_task(cfg, "pty".into(), sink, rx));
        let read_at = Instant::now();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let regs = { let mut r = vec![0u16; 64]; r[0] = 802; r[1] = 62; r };
        tx.send(vec![DecodeMsg::Data { unit: 1, time_ms: 1, read_at, spans: vec![RawSpan { table: Table::Holding, address: 40070, regs }] }]).await.unwrap();
        drop(tx);
        task.await.unwrap();
        while let Ok(ev) = events.try_recv() {
            if let LinkEvent::Sample(s) = ev {
                assert!(s.stale, "a sample older than the stale time came out fresh");
            }
        }
    }
}
