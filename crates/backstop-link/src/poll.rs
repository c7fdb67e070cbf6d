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
        PollTarget {
            unit: device.unit,
            source: PollSource::SunSpec(device.models.iter().filter(|m| m.id != 1 && m.known).cloned().collect()),
        }
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

/// The shortest polling cycle the field tools (the app's live view, the
/// CLI's `monitor` and `log`) ask of a bus: other masters and the packs'
/// own traffic share it, and a poll of a whole pack takes tens of
/// milliseconds at 9600 baud. (Benchmarks poll back to back through
/// [`PollConfig::new`].)
pub const FIELD_MIN_INTERVAL: Duration = Duration::from_millis(50);

/// The shortest time without good data after which the field tools call a
/// unit's values stale: below a second, one retried request on a slow link
/// would already flag a healthy pack.
pub const FIELD_MIN_STALE_AFTER: Duration = Duration::from_secs(1);

impl PollConfig {
    /// Polls `targets` every `interval`, stale after 10 s.
    pub fn new(targets: Vec<PollTarget>, interval: Duration) -> PollConfig {
        PollConfig { targets, interval, stale_after: Duration::from_secs(10) }
    }

    /// A poll as the field tools run it: every `interval`, no faster than
    /// [`FIELD_MIN_INTERVAL`], stale after `stale_after`, no sooner than
    /// [`FIELD_MIN_STALE_AFTER`]; refused with the reason otherwise.
    pub fn field(targets: Vec<PollTarget>, interval: Duration, stale_after: Duration) -> Result<PollConfig, LinkError> {
        if interval < FIELD_MIN_INTERVAL || stale_after < FIELD_MIN_STALE_AFTER {
            return Err(LinkError::Invalid(format!(
                "poll at most every {} ms, and mark data stale after at least {} s without an answer (asked: every {} ms, stale after {} ms)",
                FIELD_MIN_INTERVAL.as_millis(),
                FIELD_MIN_STALE_AFTER.as_secs(),
                interval.as_millis(),
                stale_after.as_millis()
            )));
        }
        Ok(PollConfig { targets, interval, stale_after })
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

/// Groups model ranges into contiguous spans: adjacent models join one span
/// (read in as few requests as its length allows, see [`header_checked_requests`]),
/// models with a gap between them are separate spans, and overlapping models
/// (a confused device) share one span.
pub fn sunspec_spans(models: &[ModelInfo]) -> Vec<Span> {
    let mut ranges: Vec<(u32, u32)> =
        models.iter().map(|m| (u32::from(m.address), (u32::from(m.address) + 2 + u32::from(m.length)).min(0x1_0000))).collect();
    ranges.sort_unstable();
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for (s, e) in ranges {
        match spans.last_mut() {
            // Overlapping or adjacent: one span.
            Some((_, le)) if s <= *le => *le = (*le).max(e),
            _ => spans.push((s, e)),
        }
    }
    spans.into_iter().map(|(s, e)| Span { table: Table::Holding, address: s as u16, count: (e - s).min(0xFFFF) as u16 }).collect()
}

/// The requests that read `span`: the fewest requests of at most
/// [`MAX_READ`] registers, and among those the cut where the most requests
/// carry a whole model header (both its registers) that the poller checks
/// against discovery, so that a reply to some other read shows as a wrong
/// header. `headers` are the model addresses; the first request is the
/// longest one where it does not cost a check.
pub fn header_checked_requests(span: &Span, headers: &[u16]) -> Vec<(u16, u16)> {
    let len = usize::from(span.count);
    let max = usize::from(MAX_READ);
    if len == 0 {
        return Vec::new();
    }
    // next_header[p]: the first header offset at or after p whose two
    // registers lie inside the span (usize::MAX: none).
    let mut is_header = vec![false; len];
    for &h in headers {
        if let Some(o) = h.checked_sub(span.address).map(usize::from)
            && o + 2 <= len
        {
            is_header[o] = true;
        }
    }
    let mut next_header = vec![usize::MAX; len + 1];
    for p in (0..len).rev() {
        next_header[p] = if is_header[p] { p } else { next_header[p + 1] };
    }
    // best[q]: (requests, checked requests) covering [0, q), and where the
    // last request starts.
    let mut best: Vec<(usize, usize, usize)> = vec![(usize::MAX, 0, 0); len + 1];
    best[0] = (0, 0, 0);
    for q in 1..=len {
        // Latest start first: on a tie the earlier requests stay full.
        for p in (q.saturating_sub(max)..q).rev() {
            let (n, checked, _) = best[p];
            if n == usize::MAX {
                continue;
            }
            let h = next_header[p];
            let c = checked + usize::from(h != usize::MAX && h + 2 <= q);
            let (bn, bc, _) = best[q];
            if n + 1 < bn || (n + 1 == bn && c > bc) {
                best[q] = (n + 1, c, p);
            }
        }
    }
    let mut out = Vec::with_capacity(best[len].0);
    let mut q = len;
    while q > 0 {
        let p = best[q].2;
        out.push((span.address + p as u16, (q - p) as u16));
        q = p;
    }
    out.reverse();
    out
}

/// A span and the requests that read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedSpan {
    pub span: Span,
    pub requests: Vec<(u16, u16)>,
}

#[derive(Debug, Clone)]
pub(crate) struct PlannedTarget {
    pub unit: u8,
    pub spans: Vec<PlannedSpan>,
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
                spans: {
                    let headers: Vec<u16> = models.iter().map(|m| m.address).collect();
                    sunspec_spans(models)
                        .into_iter()
                        .map(|span| PlannedSpan { requests: header_checked_requests(&span, &headers), span })
                        .collect()
                },
                headers: models.iter().map(|m| (m.address, m.id, m.length)).collect(),
                models: Some(models.clone()),
            },
            PollSource::Map(map) => PlannedTarget {
                unit: t.unit,
                spans: map
                    .read_plan(MAX_READ)
                    .into_iter()
                    .map(|(table, address, count)| {
                        let span = Span { table, address, count };
                        PlannedSpan { requests: span.chunks(), span }
                    })
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
        let Some(span) = spans
            .iter()
            .find(|s| s.table == Table::Holding && address >= s.address && usize::from(address - s.address) + 2 <= s.regs.len())
        else {
            continue;
        };
        let at = usize::from(address - span.address);
        let (got_id, got_len) = (span.regs[at], span.regs[at + 1]);
        if (got_id, got_len) != (id, length) {
            out.push(format!("the model header at {address} reads {got_id}/{got_len} where discovery found model {id} of length {length}"));
        }
    }
    out
}

pub(crate) enum DecodeMsg {
    /// A poll's registers, read at `read_at`.
    Data {
        unit: u8,
        time_ms: u64,
        read_at: Instant,
        spans: Vec<RawSpan>,
    },
    /// A poll whose registers were thrown away (why, in a sentence).
    Discarded {
        unit: u8,
        time_ms: u64,
        reason: String,
    },
    Failed {
        unit: u8,
        error: LinkError,
    },
    /// The device was discovered again: decode its polls with this source.
    Retarget {
        unit: u8,
        source: PollSource,
    },
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
                    missing.push(UndecodedModel {
                        id: m.id,
                        address: m.address,
                        reason: "not decoded: its registers were not read".into(),
                    });
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
pub(crate) async fn decoder_task(cfg: PollConfig, link: String, sink: Arc<dyn EventSink>, mut rx: mpsc::Receiver<Vec<DecodeMsg>>) {
    let start = Instant::now();
    let mut tracks: HashMap<u8, Track> = cfg
        .targets
        .iter()
        .map(|t| {
            (
                t.unit,
                Track {
                    source: t.source.clone(),
                    health: DeviceHealth::Online,
                    last_ok: start,
                    last_spans: Vec::new(),
                    last_time_ms: 0,
                    last_error: None,
                },
            )
        })
        .collect();
    loop {
        // The next moment a device turns stale, if any is still fresh.
        let next_stale = tracks.values().filter(|t| t.health != DeviceHealth::Offline).map(|t| t.last_ok + cfg.stale_after).min();
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

    #[test]
    fn the_field_tools_poll_no_faster_than_50_ms_and_call_data_stale_after_a_second_at_least() {
        let ok = |i: u64, s: u64| PollConfig::field(Vec::new(), Duration::from_millis(i), Duration::from_millis(s));
        let c = ok(50, 1000).expect("the limits themselves are allowed");
        assert_eq!((c.interval, c.stale_after), (Duration::from_millis(50), Duration::from_secs(1)));
        for (i, s) in [(49, 1000), (50, 999), (0, 10_000)] {
            let e = ok(i, s).unwrap_err().to_string();
            assert!(e.contains("poll at most every 50 ms") && e.contains(&format!("every {i} ms, stale after {s} ms")), "{e}");
        }
        // Benchmarks still poll back to back.
        assert_eq!(PollConfig::new(Vec::new(), Duration::ZERO).interval, Duration::ZERO);
    }

    fn info(id: u16, address: u16, length: u16) -> ModelInfo {
        ModelInfo { id, name: String::new(), label: String::new(), address, length, known: true }
    }

    fn requests(models: &[ModelInfo]) -> Vec<Vec<(u16, u16)>> {
        let headers: Vec<u16> = models.iter().map(|m| m.address).collect();
        sunspec_spans(models).iter().map(|s| header_checked_requests(s, &headers)).collect()
    }

    /// How many of `requests` carry a whole model header.
    fn checked(requests: &[(u16, u16)], models: &[ModelInfo]) -> usize {
        requests
            .iter()
            .filter(|&&(a, n)| models.iter().any(|m| m.address >= a && u32::from(m.address) + 2 <= u32::from(a) + u32::from(n)))
            .count()
    }

    #[test]
    fn adjacent_models_are_read_in_the_fewest_requests_with_the_most_headers_checked() {
        // 1 (68 registers with its header), 802 (64), 803 (60), 804 (112), 805 (108) × 4:
        // the simulator's default pack; 736 registers need 6 requests, and
        // all 6 can carry a header.
        let mut models = vec![info(802, 40070, 62), info(803, 40134, 58), info(1, 40002, 66), info(804, 40194, 110)];
        for k in 0..4 {
            models.push(info(805, 40306 + 108 * k, 106));
        }
        let spans = sunspec_spans(&models);
        assert_eq!(spans, vec![Span { table: Table::Holding, address: 40002, count: 736 }]);
        let reqs = &requests(&models)[0];
        assert_eq!(reqs.len(), 6, "{reqs:?}");
        assert_eq!(checked(reqs, &models), 6, "every request carries a header: {reqs:?}");
        // Contiguous, no gaps, none longer than one request.
        let mut at = 40002u32;
        for &(a, n) in reqs {
            assert_eq!(u32::from(a), at);
            assert!((1..=MAX_READ).contains(&n));
            at += u32::from(n);
        }
        assert_eq!(at, 40002 + 736);

        // The bench's device: 802 (64), 803 (60), 804 (80), 805 (148) × 2 =
        // 500 registers, exactly 4 full requests; the fourth lies inside the
        // last module and cannot carry a header (header-aligned requests
        // needed 6 here).
        let bench = [info(802, 40070, 62), info(803, 40134, 58), info(804, 40194, 78), info(805, 40274, 146), info(805, 40422, 146)];
        let reqs = &requests(&bench)[0];
        assert_eq!(reqs, &vec![(40070, 125), (40195, 125), (40320, 125), (40445, 125)]);
        assert_eq!(checked(reqs, &bench), 3);

        // A model longer than one request: the first request is the full one.
        assert_eq!(requests(&[info(805, 100, 198)]), vec![vec![(100, 125), (225, 75)]]);
        // Models apart are separate spans.
        assert_eq!(requests(&[info(802, 100, 62), info(803, 1000, 26)]), vec![vec![(100, 64)], vec![(1000, 28)]]);
    }

    #[test]
    fn a_cut_is_moved_so_that_a_request_carries_a_header() {
        // 100 + 100 registers: two requests either way; [0,125)+[125,200)
        // leaves the second without a header, [0,100)+[100,200) checks both.
        let models = [info(802, 1000, 98), info(803, 1100, 98)];
        let reqs = &requests(&models)[0];
        assert_eq!(reqs, &vec![(1000, 100), (1100, 100)]);
        assert_eq!(checked(reqs, &models), 2);
    }

    #[test]
    fn a_header_that_disagrees_with_discovery_is_named() {
        let spans = [RawSpan {
            table: Table::Holding,
            address: 40070,
            regs: {
                let mut r = vec![0u16; 124];
                r[0] = 802;
                r[1] = 62;
                r[64] = 17;
                r[65] = 58;
                r
            },
        }];
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
            let mut cfg = PollConfig::new(
                vec![PollTarget { unit: 1, source: PollSource::SunSpec(models.clone()) }],
                Duration::from_millis(interval_ms),
            );
            cfg.stale_after = Duration::from_secs(10);
            let task = tokio::spawn(decoder_task(cfg, "pty".into(), sink, rx));
            let regs = {
                let mut r = vec![0u16; 64];
                r[0] = 802;
                r[1] = 62;
                r
            };
            let good_at = Instant::now();
            tx.send(vec![DecodeMsg::Data {
                unit: 1,
                time_ms: 1,
                read_at: good_at,
                spans: vec![RawSpan { table: Table::Holding, address: 40070, regs }],
            }])
            .await
            .unwrap();
            // Then the device goes silent: one failed poll per full round of attempts.
            let per_poll = Duration::from_millis(timeout_ms * (retries + 1) + interval_ms);
            let feeder = {
                let tx = tx.clone();
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(per_poll).await;
                        let error = LinkError::NoAnswer {
                            unit: 1,
                            what: "a read".into(),
                            timeout_ms: timeout_ms as u32,
                            attempts: 1,
                            note: String::new(),
                        };
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
            assert_eq!(
                offline_at - good_at,
                Duration::from_secs(10),
                "timeout {timeout_ms} ms, retries {retries}, interval {interval_ms} ms"
            );
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
        let mut cfg =
            PollConfig::new(vec![PollTarget { unit: 1, source: PollSource::SunSpec(vec![info(802, 40070, 62)]) }], Duration::ZERO);
        cfg.stale_after = Duration::from_secs(2);
        let task = tokio::spawn(decoder_task(cfg, "pty".into(), sink, rx));
        let read_at = Instant::now();
        tokio::time::sleep(Duration::from_secs(3)).await;
        let regs = {
            let mut r = vec![0u16; 64];
            r[0] = 802;
            r[1] = 62;
            r
        };
        tx.send(vec![DecodeMsg::Data {
            unit: 1,
            time_ms: 1,
            read_at,
            spans: vec![RawSpan { table: Table::Holding, address: 40070, regs }],
        }])
        .await
        .unwrap();
        drop(tx);
        task.await.unwrap();
        while let Ok(ev) = events.try_recv() {
            if let LinkEvent::Sample(s) = ev {
                assert!(s.stale, "a sample older than the stale time came out fresh");
            }
        }
    }
}
