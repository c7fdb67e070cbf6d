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
//! The app stages each sample as it arrives and flushes every few seconds;
//! the link benchmark does the same, so the figure it reports includes
//! this cost.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use backstop_model::link::{DecodedModel, Name, PointReading, TelemetrySample};

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
/// Samples are taken in two steps. [`TelemetryLogger::stage`] runs as each
/// sample arrives, needs no database and keeps only what will be stored (a
/// series reference, a time and a value per numeric point), so the decoded
/// sample can be dropped at once instead of piling up until the next write;
/// [`TelemetryLogger::flush`] writes everything staged in one transaction.
/// [`TelemetryLogger::log`] does both.
///
/// A device reports the same points in the same order poll after poll, so
/// the series of a model instance are remembered as a list in that order:
/// staging a value is an append, with no hashing, string building or
/// allocation per value (a poll of four 125-register models carries about
/// 500 of them). A model instance seen for the first time, or whose points
/// changed, waits whole until the next flush, which finds or creates its
/// series; later samples of it wait too, so every series stays in time
/// order.
///
/// One logger may serve several projects in turn (the user opens another
/// file). Series ids belong to one file: on a flush into another file the
/// logger finds or creates the same series there first, so values staged
/// before the switch land in the file open when they are written.
#[derive(Default)]
pub struct TelemetryLogger {
    writer: Option<TelemetryWriter>,
    file: Option<PathBuf>,
    /// Series of each model instance seen, and where each is in `models`.
    models: Vec<(Key, ModelIds)>,
    index: HashMap<Key, usize>,
    /// Values of known series: (model instance, point index, sample).
    staged: Vec<(u32, u32, Sample)>,
    /// Model instances whose series must be resolved first, with their time.
    unresolved: Vec<(Key, i64, DecodedModel)>,
    waiting: HashSet<Key>,
}

/// (unit, model id, instance of that model on the unit, from 1).
type Key = (u8, u16, usize);

/// The series ids of one model instance, aligned with its points.
struct ModelIds {
    /// Usually borrowed from the decoder's interned paths (no copy).
    paths: Vec<Name>,
    units: Vec<Option<Name>>,
    /// `None` for a point that had no numeric value when the list was made.
    ids: Vec<Option<PointId>>,
}

/// String equality that first checks for the very same (interned) text.
fn same_text(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

impl ModelIds {
    /// Whether this list still describes `points` (same paths in the same
    /// order, and an id for every numeric value).
    fn fits(&self, points: &[&PointReading]) -> bool {
        self.paths.len() == points.len()
            && points
                .iter()
                .zip(self.paths.iter().zip(&self.ids))
                .all(|(p, (path, id))| same_text(path, &p.path) && (id.is_some() || p.value.as_f64().is_none()))
    }

    fn of_points(points: &[&PointReading]) -> ModelIds {
        ModelIds {
            paths: points.iter().map(|p| p.path.clone()).collect(),
            units: points.iter().map(|p| p.unit.clone()).collect(),
            ids: points.iter().map(|_| None).collect(),
        }
    }

    /// Finds or creates the series of the points marked numeric.
    fn resolve(mut self, project: &mut Project, (unit, model, instance): Key, numeric: &[bool]) -> Result<ModelIds> {
        let device = device_name(unit);
        let wanted: Vec<(usize, String)> =
            numeric.iter().enumerate().filter(|(_, n)| **n).map(|(i, _)| (i, series_name(model, instance, &self.paths[i]))).collect();
        let items: Vec<(&str, &str, &str)> =
            wanted.iter().map(|(i, s)| (device.as_str(), s.as_str(), self.units[*i].as_deref().unwrap_or_default())).collect();
        let found = project.telemetry_points_ensure(&items)?;
        self.ids = vec![None; self.paths.len()];
        for ((i, _), id) in wanted.iter().zip(found) {
            self.ids[*i] = Some(id);
        }
        Ok(self)
    }
}

impl TelemetryLogger {
    /// A logger with nothing remembered yet.
    pub fn new() -> Self {
        TelemetryLogger::default()
    }

    /// Stages and flushes `samples` into `project`; returns how many values
    /// were stored (see [`TelemetryLogger::flush`]).
    pub fn log(&mut self, project: &mut Project, samples: &[TelemetrySample]) -> Result<usize> {
        for s in samples {
            self.stage(s);
        }
        self.flush(project)
    }

    /// Takes the numeric values of a fresh sample for the next flush (a
    /// stale sample is ignored).
    pub fn stage(&mut self, sample: &TelemetrySample) {
        if sample.stale {
            return;
        }
        let t_ms = i64::try_from(sample.time_ms).unwrap_or(i64::MAX);
        // Instances of each model id on this unit so far (a unit has a
        // handful of models; a short list beats a map).
        let mut seen: Vec<(u16, usize)> = Vec::with_capacity(sample.models.len());
        for m in &sample.models {
            let instance = match seen.iter_mut().find(|(id, _)| *id == m.id) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((m.id, 1));
                    1
                }
            };
            let key = (sample.unit, m.id, instance);
            let points = m.all_points();
            let known = self.index.get(&key).copied().filter(|i| !self.waiting.contains(&key) && self.models[*i].1.fits(&points));
            match known {
                Some(i) => {
                    let ids = &self.models[i].1.ids;
                    for (j, (p, id)) in points.iter().zip(ids).enumerate() {
                        if let (Some(value), Some(_)) = (p.value.as_f64(), id) {
                            self.staged.push((i as u32, j as u32, Sample { t_ms, value }));
                        }
                    }
                }
                None => {
                    self.waiting.insert(key);
                    self.unresolved.push((key, t_ms, m.clone()));
                }
            }
        }
    }

    /// Readings staged and not yet written (for a model instance still
    /// waiting for its series, every point counts, numeric or not).
    pub fn staged_values(&self) -> usize {
        self.staged.len() + self.unresolved.iter().map(|(_, _, m)| m.all_points().len()).sum::<usize>()
    }

    /// Drops everything staged (there is no file to write it to); returns
    /// how many values that was.
    pub fn discard(&mut self) -> usize {
        let n = self.staged_values();
        self.staged.clear();
        self.unresolved.clear();
        self.waiting.clear();
        n
    }

    /// Writes everything staged into `project` in one transaction, creating
    /// series as needed; returns how many values were stored.
    ///
    /// On an error nothing of this call is kept half-written and the
    /// logger starts clean (what was staged is dropped), so one rejected
    /// batch never blocks the next ones.
    pub fn flush(&mut self, project: &mut Project) -> Result<usize> {
        let result = self.write(project);
        self.staged.clear();
        self.unresolved.clear();
        self.waiting.clear();
        if result.is_err() {
            self.writer = None;
            self.file = None;
            self.models.clear();
            self.index.clear();
        }
        result
    }

    fn write(&mut self, project: &mut Project) -> Result<usize> {
        if self.staged.is_empty() && self.unresolved.is_empty() {
            return Ok(0);
        }
        if self.file.as_deref() != Some(project.path()) {
            // Another file is open now: its series have other ids.
            self.writer = None;
            for (key, ids) in &mut self.models {
                let numeric: Vec<bool> = ids.ids.iter().map(Option::is_some).collect();
                let fresh = ModelIds { paths: std::mem::take(&mut ids.paths), units: std::mem::take(&mut ids.units), ids: Vec::new() };
                *ids = fresh.resolve(project, *key, &numeric)?;
            }
            self.file = Some(project.path().to_owned());
        }
        let writer = self.writer.get_or_insert_with(|| TelemetryWriter::new(WriterConfig::default()));
        let mut stored = 0;
        for &(i, j, sample) in &self.staged {
            if let Some(Some(id)) = self.models.get(i as usize).and_then(|(_, m)| m.ids.get(j as usize)) {
                writer.append(project, *id, sample)?;
                stored += 1;
            }
        }
        for (key, t_ms, model) in &self.unresolved {
            let points = model.all_points();
            let i = match self.index.get(key) {
                Some(&i) if self.models[i].1.fits(&points) => i,
                found => {
                    let numeric: Vec<bool> = points.iter().map(|p| p.value.as_f64().is_some()).collect();
                    let ids = ModelIds::of_points(&points).resolve(project, *key, &numeric)?;
                    match found {
                        Some(&i) => {
                            self.models[i].1 = ids;
                            i
                        }
                        None => {
                            self.models.push((*key, ids));
                            self.index.insert(*key, self.models.len() - 1);
                            self.models.len() - 1
                        }
                    }
                }
            };
            for (p, id) in points.iter().zip(&self.models[i].1.ids) {
                if let (Some(value), Some(id)) = (p.value.as_f64(), id) {
                    writer.append(project, *id, Sample { t_ms: *t_ms, value })?;
                    stored += 1;
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
