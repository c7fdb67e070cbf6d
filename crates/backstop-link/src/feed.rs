//! The latest sample of every polled unit, kept for readers that may be
//! slower than the link.
//!
//! A stream of samples pushed to a reader that cannot keep up queues
//! without bound: on a busy laptop the window fell behind by tens of
//! seconds, and every reply it waited for (arming, a write's outcome) queued
//! behind old samples. [`LatestSamples`] keeps one sample per unit instead;
//! a reader asks for what changed after the sequence number it last saw and
//! gets the latest sample of each such unit, so it is behind by at most one
//! request. The project's telemetry log does not read from here: it stores
//! every sample.

use std::collections::BTreeMap;

use backstop_model::link::{LiveSamples, TelemetrySample};

/// One sample per unit, each with the sequence number of its arrival.
#[derive(Debug, Clone, Default)]
pub struct LatestSamples {
    epoch: u64,
    seq: u64,
    latest: BTreeMap<u8, (u64, TelemetrySample)>,
}

impl LatestSamples {
    /// Records `sample` as its unit's latest; returns the new sequence number.
    pub fn push(&mut self, sample: TelemetrySample) -> u64 {
        self.seq += 1;
        self.latest.insert(sample.unit, (self.seq, sample));
        self.seq
    }

    /// Forgets every sample (a new link opened): readers see a new epoch.
    /// The sequence number still moves on, so a waiting reader wakes up.
    pub fn restart(&mut self) -> u64 {
        self.epoch += 1;
        self.seq += 1;
        self.latest.clear();
        self.seq
    }

    /// The sequence number of the last change.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The latest sample of `unit`.
    pub fn get(&self, unit: u8) -> Option<&TelemetrySample> {
        self.latest.get(&unit).map(|(_, s)| s)
    }

    /// The latest sample of every unit that changed after `after`. A
    /// reader whose `after` is ahead of this feed (it read another run of
    /// the app) gets everything.
    pub fn since(&self, after: u64) -> LiveSamples {
        let everything = after > self.seq;
        LiveSamples {
            epoch: self.epoch,
            seq: self.seq,
            samples: self.latest.values().filter(|(seq, _)| everything || *seq > after).map(|(_, s)| s.clone()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_model::link::DeviceHealth;

    fn sample(unit: u8, time_ms: u64) -> TelemetrySample {
        TelemetrySample { link: "pty".into(), unit, time_ms, stale: false, health: DeviceHealth::Online, models: vec![], undecoded: vec![] }
    }

    fn units_and_times(l: &LiveSamples) -> Vec<(u8, u64)> {
        l.samples.iter().map(|s| (s.unit, s.time_ms)).collect()
    }

    #[test]
    fn a_slow_reader_gets_the_latest_sample_of_each_unit_not_every_sample() {
        let mut feed = LatestSamples::default();
        // Nine units polled 1,000 times while the reader was busy.
        for round in 0..1_000u64 {
            for unit in 1..=9 {
                feed.push(sample(unit, round * 300 + u64::from(unit)));
            }
        }
        let got = feed.since(0);
        assert_eq!(got.seq, 9_000);
        assert_eq!(units_and_times(&got), (1..=9).map(|u| (u, 999 * 300 + u64::from(u))).collect::<Vec<_>>());
        // Nothing new: nothing again.
        assert!(feed.since(got.seq).samples.is_empty());
    }

    #[test]
    fn a_reader_gets_only_the_units_that_changed_after_what_it_saw() {
        let mut feed = LatestSamples::default();
        feed.push(sample(1, 10));
        feed.push(sample(2, 20));
        let seen = feed.since(0).seq;
        feed.push(sample(2, 30));
        feed.push(sample(2, 40));
        let got = feed.since(seen);
        assert_eq!(units_and_times(&got), vec![(2, 40)]);
        assert_eq!(feed.get(1).map(|s| s.time_ms), Some(10));
    }

    #[test]
    fn a_new_link_starts_a_new_epoch_without_the_old_units() {
        let mut feed = LatestSamples::default();
        feed.push(sample(1, 10));
        feed.push(sample(7, 10));
        let before = feed.since(0);
        let seq = feed.restart();
        assert!(seq > before.seq, "a waiting reader is woken by the restart");
        let after = feed.since(before.seq);
        assert_ne!(after.epoch, before.epoch);
        assert!(after.samples.is_empty(), "the old link's units are gone");
        feed.push(sample(3, 50));
        assert_eq!(units_and_times(&feed.since(before.seq)), vec![(3, 50)]);
        assert!(feed.get(1).is_none());
    }

    #[test]
    fn a_reader_from_another_run_gets_everything() {
        let mut feed = LatestSamples::default();
        feed.push(sample(1, 10));
        feed.push(sample(2, 10));
        assert_eq!(units_and_times(&feed.since(1_000)), vec![(1, 10), (2, 10)]);
    }
}
