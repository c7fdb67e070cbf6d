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

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use backstop_model::link::{PointReading, TelemetrySample};

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
/// file changes. A device reports the same points in the same order poll
/// after poll, so the ids of a model instance are remembered as a list in
/// that order: logging a value is a string comparison and an append, with
/// no hashing or allocation per value (a poll of four 125-register models
/// carries about 500 of them).
#[derive(Default)]
pub struct TelemetryLogger {
    writer: Option<TelemetryWriter>,
    file: Option<PathBuf>,
    /// Series ids of each (unit, model, instance), in point order.
    ids: HashMap<(u8, u16, usize), ModelIds>,
}

/// The series ids of one model instance, aligned with its points.
struct ModelIds {
    paths: Vec<String>,
    /// `None` for a point that had no numeric value when the list was made.
    ids: Vec<Option<PointId>>,
}

impl ModelIds {
    /// Whether this list still describes `points` (same paths in the same
    /// order, and an id for every numeric value).
    fn fits(&self, points: &[&PointReading]) -> bool {
        self.paths.len() == points.len()
            && points
                .iter()
                .zip(self.paths.iter().zip(&self.ids))
                .all(|(p, (path, id))| *path == p.path && (id.is_some() || p.value.as_f64().is_none()))
    }

    /// Finds or creates the series of every numeric point of a model instance.
    fn resolve(project: &mut Project, (unit, model, instance): (u8, u16, usize), points: &[&PointReading]) -> Result<ModelIds> {
        let device = device_name(unit);
        let numeric: Vec<(usize, String, &str)> = points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.value.as_f64().is_some())
            .map(|(i, p)| (i, series_name(model, instance, &p.path), p.unit.as_deref().unwrap_or_default()))
            .collect();
        let items: Vec<(&str, &str, &str)> = numeric.iter().map(|(_, s, u)| (device.as_str(), s.as_str(), *u)).collect();
        let found = project.telemetry_points_ensure(&items)?;
        let mut ids = vec![None; points.len()];
        for ((i, _, _), id) in numeric.iter().zip(found) {
            ids[*i] = Some(id);
        }
        Ok(ModelIds { paths: points.iter().map(|p| p.path.clone()).collect(), ids })
    }
}

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
        if self.file.as_deref() != Some(project.path()) {
            // Another project is open now: its series have other ids.
            self.ids.clear();
            self.writer = None;
            self.file = Some(project.path().to_owned());
        }
        let result = self.write(project, samples);
        if result.is_err() {
            self.writer = None;
            self.ids.clear();
        }
        result
    }

    fn write(&mut self, project: &mut Project, samples: &[TelemetrySample]) -> Result<usize> {
        let TelemetryLogger { writer, ids, .. } = self;
        let writer = writer.get_or_insert_with(|| TelemetryWriter::new(WriterConfig::default()));
        let mut stored = 0;
        for s in samples.iter().filter(|s| !s.stale) {
            let t_ms = i64::try_from(s.time_ms).unwrap_or(i64::MAX);
            let mut instances: BTreeMap<u16, usize> = BTreeMap::new();
            for m in &s.models {
                let n = instances.entry(m.id).or_insert(0);
                *n += 1;
                let key = (s.unit, m.id, *n);
                let points = m.all_points();
                if !ids.get(&key).is_some_and(|known| known.fits(&points)) {
                    ids.insert(key, ModelIds::resolve(project, key, &points)?);
                }
                let Some(known) = ids.get(&key) else { continue };
                for (p, id) in points.iter().zip(&known.ids) {
                    if let (Some(value), Some(id)) = (p.value.as_f64(), id) {
                        writer.append(project, *id, Sample { t_ms, value })?;
                        stored += 1;
                    }
                }
            }
        }
        if stored > 0 {
            writer.flush(project)?;
        }
        Ok(stored)
    }
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
