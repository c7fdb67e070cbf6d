//! The traffic monitor: a ring of the newest raw frames with timestamps.
//! Frames are stored as bytes (cheap at thousands of requests per second)
//! and turned into hex and a decoded meaning only when looked at.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use backstop_model::link::{FrameDirection, TrafficFrame};

use crate::frame::{Role, describe_rtu, describe_tcp, hex};

/// Frames kept per link.
pub const DEFAULT_CAPACITY: usize = 5000;

/// A captured frame, before formatting.
#[derive(Debug, Clone)]
pub struct RawFrame {
    pub seq: u64,
    pub time_us: u64,
    pub direction: FrameDirection,
    pub bytes: Vec<u8>,
}

#[derive(Debug)]
struct Ring {
    frames: VecDeque<RawFrame>,
    capacity: usize,
    next_seq: u64,
}

/// Shared handle to a link's frame ring (cheap to clone).
#[derive(Debug, Clone)]
pub struct Monitor {
    ring: Arc<Mutex<Ring>>,
    tcp: bool,
}

impl Monitor {
    /// A ring of `capacity` frames; `tcp` selects how frames are decoded.
    pub fn new(capacity: usize, tcp: bool) -> Monitor {
        Monitor {
            ring: Arc::new(Mutex::new(Ring {
                frames: VecDeque::with_capacity(capacity.min(1024)),
                capacity: capacity.max(1),
                next_seq: 0,
            })),
            tcp,
        }
    }

    /// Records a frame; returns its sequence number.
    pub fn push(&self, direction: FrameDirection, time_us: u64, bytes: Vec<u8>) -> Option<u64> {
        if bytes.is_empty() {
            return None;
        }
        let Ok(mut r) = self.ring.lock() else { return None };
        let seq = r.next_seq;
        r.next_seq += 1;
        if r.frames.len() >= r.capacity {
            r.frames.pop_front();
        }
        r.frames.push_back(RawFrame { seq, time_us, direction, bytes });
        Some(seq)
    }

    /// Marks a received frame as discarded after the fact (a reply that
    /// turned out not to be trustworthy once more bytes followed it).
    pub fn mark_discarded(&self, seq: u64) {
        let Ok(mut r) = self.ring.lock() else { return };
        if let Some(f) = r.frames.iter_mut().rev().find(|f| f.seq == seq) {
            f.direction = FrameDirection::Discarded;
        }
    }

    /// Frames with `seq >= since`, oldest first, formatted for display.
    pub fn frames_since(&self, since: u64) -> Vec<TrafficFrame> {
        let raw: Vec<RawFrame> = match self.ring.lock() {
            Ok(r) => r.frames.iter().filter(|f| f.seq >= since).cloned().collect(),
            Err(_) => Vec::new(),
        };
        raw.iter().map(|f| format_frame(f, self.tcp)).collect()
    }

    /// Forgets all frames (sequence numbers keep counting).
    pub fn clear(&self) {
        if let Ok(mut r) = self.ring.lock() {
            r.frames.clear();
        }
    }
}

/// Formats a raw frame: hex and decoded meaning.
pub fn format_frame(f: &RawFrame, tcp: bool) -> TrafficFrame {
    let role = match f.direction {
        FrameDirection::Tx | FrameDirection::Echo => Role::Request,
        FrameDirection::Rx | FrameDirection::Discarded => Role::Reply,
    };
    let decoded = if tcp { describe_tcp(&f.bytes, role) } else { describe_rtu(&f.bytes, role) };
    let meaning = match f.direction {
        FrameDirection::Echo => format!("echo of our request: {decoded}"),
        FrameDirection::Discarded => format!("discarded, late or not the answer to its request: {decoded}"),
        _ => decoded,
    };
    TrafficFrame { seq: f.seq, time_us: f.time_us, direction: f.direction, hex: hex(&f.bytes), meaning }
}

fn dir_name(d: FrameDirection) -> &'static str {
    match d {
        FrameDirection::Tx => "TX",
        FrameDirection::Rx => "RX",
        FrameDirection::Echo => "ECHO",
        FrameDirection::Discarded => "DISCARDED",
    }
}

/// `HH:MM:SS.mmmmmm` (UTC) of a Unix time in microseconds.
pub fn clock(time_us: u64) -> String {
    let secs = time_us / 1_000_000;
    let us = time_us % 1_000_000;
    format!("{:02}:{:02}:{:02}.{us:06}", (secs / 3600) % 24, (secs / 60) % 60, secs % 60)
}

/// Plain-text export, one frame per line: time, direction, hex, meaning.
pub fn export_text(frames: &[TrafficFrame]) -> String {
    let mut out = String::from("# Backstop traffic monitor (times UTC)\n");
    for f in frames {
        out.push_str(&format!("{} {:<9} {}  | {}\n", clock(f.time_us), dir_name(f.direction), f.hex, f.meaning));
    }
    out
}

/// CSV export with a header row (RFC 4180 quoting).
pub fn export_csv(frames: &[TrafficFrame]) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("seq,time_us,time_utc,direction,hex,meaning\n");
    for f in frames {
        out.push_str(&format!("{},{},{},{},{},{}\n", f.seq, f.time_us, clock(f.time_us), dir_name(f.direction), q(&f.hex), q(&f.meaning)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::with_crc;

    #[test]
    fn ring_keeps_the_newest_and_exports() {
        let m = Monitor::new(2, false);
        for i in 0..3u8 {
            m.push(FrameDirection::Tx, 1_000_000 + u64::from(i), with_crc(vec![1, 3, 0, i, 0, 1]));
        }
        let f = m.frames_since(0);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].seq, 1);
        assert_eq!(f[0].meaning, "unit 1 read holding 1 ×1");
        let csv = export_csv(&f);
        assert!(csv.starts_with("seq,time_us"));
        assert_eq!(csv.lines().count(), 3);
        let text = export_text(&f);
        assert!(text.contains("00:00:01.000001 TX"));
        assert_eq!(m.frames_since(2).len(), 1);
    }
}
