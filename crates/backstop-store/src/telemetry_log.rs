//! Logging what the live link reads into a project's telemetry.
//!
//! The link reports whole decoded samples ([`TelemetrySample`]: every
//! SunSpec model of one unit at one instant). [`TelemetryLogger`] flattens
//! them into one series per numeric point — device `unit <id>`, series
//! `<model>.<instance>.<path>` (see [`series_name`]) — remembers the series
//! ids it has created, and writes the values through a [`TelemetryWriter`]
//! in one transaction per call. Stale samples (the link repeating old data
//! because the device stopped answering) are never logged: a log shows what
//! was read, not what was last known.
//!
//! The app calls [`TelemetryLogger::log`] a few times a second with what
//! arrived since the last call; the link benchmark does the same, so the
//! figure it reports includes this cost.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use backstop_model::link::TelemetrySample;

use crate::error::Result;
use crate::project::Project;
use crate::telemetry::{PointId, Sample, TelemetryWriter, WriterConfig};

/// Telemetry series name of a point: `<model>.<instance>.<path>`, where
/// `instance` counts repeated instances of one model on a device from 1.
pub fn series_name(model: u16, instance: usize, path: &str) -> String {
    format!("{model}.{instance}.{path}")
}

/// Telemetry device name of a Modbus unit.
pub fn device_name(unit: u8) -> String {
    format!("unit {unit}")
}

/// Writes link samples into a project's telemetry, remembering series ids.
///
/// One logger may serve several projects in turn (the user opens another
/// file): the ids it remembers belong to one file and are forgotten when the
/// file changes.
#[derive(Default)]
pub struct TelemetryLogger {
    writer: Option<TelemetryWriter>,
    file: Option<PathBuf>,
    /// Series ids by (device, series).
    ids: HashMap<(String, String), PointId>,
}

/// One numeric value to log: (device, series, unit of measure, time, value).
type Row = (String, String, String, i64, f64);

impl TelemetryLogger {
    /// A logger with nothing remembered yet.
    pub fn new() -> Self {
        TelemetryLogger::default()
    }

    /// Logs the numeric values of every fresh sample into `project`, creating
    /// series as needed; returns how many values were stored.
    ///
    /// On an error nothing of this call is kept half-written (the writer's
    /// flush is one transaction) and the logger starts clean, so one
    /// rejected batch never blocks the next ones.
    pub fn log(&mut self, project: &mut Project, samples: &[TelemetrySample]) -> Result<usize> {
        let rows = flatten(samples);
        if rows.is_empty() {
            return Ok(0);
        }
        if self.file.as_deref() != Some(project.path()) {
            // Another project is open now: its series have other ids.
            self.ids.clear();
            self.writer = None;
            self.file = Some(project.path().to_owned());
        }
        let result = self.write(project, &rows);
        if result.is_err() {
            self.writer = None;
            self.ids.clear();
        }
        result
    }

    fn write(&mut self, project: &mut Project, rows: &[Row]) -> Result<usize> {
        let missing: Vec<(&str, &str, &str)> = {
            let mut seen = HashSet::new();
            rows.iter()
                .filter(|r| !self.ids.contains_key(&(r.0.clone(), r.1.clone())) && seen.insert((&r.0, &r.1)))
                .map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str()))
                .collect()
        };
        if !missing.is_empty() {
            let ids = project.telemetry_points_ensure(&missing)?;
            for ((device, series, _), id) in missing.iter().zip(ids) {
                self.ids.insert(((*device).to_string(), (*series).to_string()), id);
            }
        }
        let writer = self.writer.get_or_insert_with(|| TelemetryWriter::new(WriterConfig::default()));
        let mut stored = 0;
        for (device, series, _, t_ms, value) in rows {
            if let Some(id) = self.ids.get(&(device.clone(), series.clone())) {
                writer.append(project, *id, Sample { t_ms: *t_ms, value: *value })?;
                stored += 1;
            }
        }
        writer.flush(project)?;
        Ok(stored)
    }
}

/// The numeric values of the fresh samples, one row each.
fn flatten(samples: &[TelemetrySample]) -> Vec<Row> {
    let mut rows = Vec::new();
    for s in samples.iter().filter(|s| !s.stale) {
        let device = device_name(s.unit);
        let t_ms = i64::try_from(s.time_ms).unwrap_or(i64::MAX);
        let mut instances: BTreeMap<u16, usize> = BTreeMap::new();
        for m in &s.models {
            let n = instances.entry(m.id).or_insert(0);
            *n += 1;
            for p in m.all_points() {
                if let Some(v) = p.value.as_f64() {
                    rows.push((device.clone(), series_name(m.id, *n, &p.path), p.unit.clone().unwrap_or_default(), t_ms, v));
                }
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_names_keep_instances_apart() {
        assert_eq!(series_name(804, 2, "CellVMax"), "804.2.CellVMax");
        assert_eq!(device_name(3), "unit 3");
    }
}
