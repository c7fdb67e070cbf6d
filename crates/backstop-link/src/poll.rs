//! Polling: which registers to read per device, and the decoder task that
//! turns raw register spans into telemetry samples, tracks each device's
//! health and marks values stale.
//!
//! The port actor only moves bytes; decoding runs in this separate task so
//! that it overlaps with the next request on the wire.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use backstop_model::link::{DecodedModel, DeviceHealth, LinkEvent, ModelInfo, TelemetrySample};
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

/// Merges model ranges into contiguous spans.
pub fn sunspec_spans(models: &[ModelInfo]) -> Vec<Span> {
    let mut ranges: Vec<(u32, u32)> = models
        .iter()
        .map(|m| (u32::from(m.address), (u32::from(m.address) + 2 + u32::from(m.length)).min(0x1_0000)))
        .collect();
    ranges.sort_unstable();
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for (s, e) in ranges {
        match spans.last_mut() {
            Some((_, le)) if s <= *le => *le = (*le).max(e),
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
}

/// The read plan of a poll configuration.
#[derive(Debug, Clone)]
pub(crate) struct PollPlan {
    pub targets: Vec<PlannedTarget>,
    pub interval: Duration,
}

impl PollPlan {
    pub fn new(cfg: &PollConfig) -> PollPlan {
        let targets = cfg
            .targets
            .iter()
            .map(|t| PlannedTarget {
                unit: t.unit,
                spans: match &t.source {
                    PollSource::SunSpec(models) => sunspec_spans(models),
                    PollSource::Map(map) => map
                        .read_plan(MAX_READ)
                        .into_iter()
                        .map(|(table, address, count)| Span { table, address, count })
                        .collect(),
                },
            })
            .collect();
        PollPlan { targets, interval: cfg.interval }
    }
}

/// Registers read for one span.
#[derive(Debug, Clone)]
pub(crate) struct RawSpan {
    pub table: Table,
    pub address: u16,
    pub regs: Vec<u16>,
}

pub(crate) enum DecodeMsg {
    Data { unit: u8, time_ms: u64, spans: Vec<RawSpan> },
    Failed { unit: u8, error: LinkError },
}

/// Decodes the registers of one poll into models.
pub(crate) fn decode_spans(source: &PollSource, spans: &[RawSpan]) -> Vec<DecodedModel> {
    match source {
        PollSource::SunSpec(models) => models
            .iter()
            .filter_map(|m| {
                let span = spans.iter().find(|s| {
                    s.table == Table::Holding
                        && m.address >= s.address
                        && usize::from(m.address - s.address) + 2 + usize::from(m.length) <= s.regs.len()
                })?;
                let start = usize::from(m.address - span.address);
                let regs = &span.regs[start..start + 2 + usize::from(m.length)];
                backstop_sunspec::decode_model(regs, m.address).ok()
            })
            .collect(),
        PollSource::Map(map) => {
            let points = spans.iter().flat_map(|s| map.decode_block(s.table, s.address, &s.regs)).collect();
            vec![DecodedModel {
                id: 0,
                name: "register-map".into(),
                label: map.name.clone().into(),
                address: 0,
                length: 0,
                points,
                groups: Vec::new(),
                notes: Vec::new(),
            }]
        }
    }
}

struct Track {
    source: PollSource,
    health: DeviceHealth,
    last_ok: Instant,
    /// Registers of the last good poll (decoded again for the stale sample;
    /// cheaper than keeping a copy of every decoded sample).
    last_spans: Vec<RawSpan>,
    last_time_ms: u64,
}

/// Decodes poll results, emits samples and health changes, and marks
/// values stale after `stale_after` without good data.
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
            })
        })
        .collect();
    while let Some(batch) = rx.recv().await {
        for msg in batch {
            match msg {
                DecodeMsg::Data { unit, time_ms, spans } => {
                    let Some(t) = tracks.get_mut(&unit) else { continue };
                    let models = decode_spans(&t.source, &spans);
                    t.last_ok = Instant::now();
                    if t.health != DeviceHealth::Online {
                        t.health = DeviceHealth::Online;
                        sink.emit(LinkEvent::Health { unit, health: DeviceHealth::Online, message: format!("unit {unit} answers again") });
                    }
                    t.last_time_ms = time_ms;
                    t.last_spans = spans;
                    sink.emit(LinkEvent::Sample(TelemetrySample {
                        link: link.clone(),
                        unit,
                        time_ms,
                        stale: false,
                        health: DeviceHealth::Online,
                        models,
                    }));
                }
                DecodeMsg::Failed { unit, error } => {
                    let Some(t) = tracks.get_mut(&unit) else { continue };
                    let silent_for = t.last_ok.elapsed();
                    if silent_for >= cfg.stale_after {
                        if t.health != DeviceHealth::Offline {
                            t.health = DeviceHealth::Offline;
                            sink.emit(LinkEvent::Health {
                                unit,
                                health: DeviceHealth::Offline,
                                message: format!(
                                    "unit {unit} is offline: no good data for {:.1} s; its values are stale. Last error: {error}",
                                    silent_for.as_secs_f64()
                                ),
                            });
                            // Repeat the last data once, flagged stale, so every
                            // view greys it out.
                            sink.emit(LinkEvent::Sample(TelemetrySample {
                                link: link.clone(),
                                unit,
                                time_ms: t.last_time_ms,
                                stale: true,
                                health: DeviceHealth::Offline,
                                models: decode_spans(&t.source, &t.last_spans),
                            }));
                        }
                    } else if t.health == DeviceHealth::Online {
                        t.health = DeviceHealth::Degraded;
                        sink.emit(LinkEvent::Health { unit, health: DeviceHealth::Degraded, message: error.to_string() });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: u16, address: u16, length: u16) -> ModelInfo {
        ModelInfo { id, name: String::new(), label: String::new(), address, length, known: true }
    }

    #[test]
    fn spans_merge_adjacent_models_and_chunk_at_125() {
        let spans = sunspec_spans(&[info(802, 40070, 62), info(803, 40134, 58), info(1, 40002, 66)]);
        assert_eq!(spans, vec![Span { table: Table::Holding, address: 40002, count: 68 + 64 + 60 }]);
        assert_eq!(spans[0].chunks(), vec![(40002, 125), (40127, 67)]);
        let apart = sunspec_spans(&[info(802, 100, 62), info(803, 1000, 26)]);
        assert_eq!(apart.len(), 2);
    }
}
