//! Telemetry logged during commissioning: one series per `(device, point)`,
//! stored as compressed chunks (see [`crate::codec`]) of up to a few
//! thousand samples or one hour, one row per chunk.
//!
//! Writing goes through a [`TelemetryWriter`] that buffers samples per point
//! in memory and writes them with [`TelemetryWriter::flush`], one
//! transaction per flush. A chunk still filling up is rewritten in place on
//! each flush, so flushing every few seconds loses at most the samples since
//! the last flush on a crash, and costs no compression.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

pub use crate::codec::Sample;
use crate::codec::{self, MAX_CHUNK_SAMPLES};
use crate::error::{Result, StoreError};
use crate::history::map_write_error;
use crate::project::Project;

/// Identifies one telemetry series of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PointId(pub i64);

/// A telemetry series and what is stored of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TelemetryPoint {
    /// Its id.
    pub id: PointId,
    /// Device it was read from (e.g. `"pack-07"` or a Modbus unit address).
    pub device: String,
    /// Point name (e.g. `"cell_v_max"`).
    pub point: String,
    /// Unit of the values (e.g. `"V"`).
    pub unit: String,
    /// Samples stored.
    pub samples: u64,
    /// Time of the first and last stored sample, ms since the Unix epoch.
    pub span_ms: Option<(i64, i64)>,
}

/// When the writer closes a chunk and starts the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// Most samples in one chunk.
    pub max_samples: usize,
    /// Longest time span of one chunk, ms.
    pub max_span_ms: i64,
}

/// Chunks of 10 minutes / 600 samples: an open chunk is re-encoded and
/// rewritten at every flush, so smaller chunks keep sustained inserts fast
/// (1.4 M samples/s with a flush every 10 s, see BENCHMARKS.md), while 600
/// samples still compress to well under a byte each.
impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig { max_samples: 600, max_span_ms: 600_000 }
    }
}

#[derive(Debug, Default)]
struct OpenChunk {
    samples: Vec<Sample>,
    /// Row of this chunk in `telemetry_chunks` once written.
    row: Option<i64>,
    /// Samples not yet written.
    dirty: bool,
}

#[derive(Debug, Default)]
struct Series {
    open: OpenChunk,
    /// Full chunks waiting for the next flush.
    sealed: Vec<OpenChunk>,
    /// Last time appended (or stored before this writer started).
    last_ms: Option<i64>,
    decimals: u8,
    /// Samples appended since the last successful flush.
    unwritten: usize,
}

/// Buffers samples and writes them as compressed chunks.
#[derive(Debug, Default)]
pub struct TelemetryWriter {
    config: WriterConfig,
    series: HashMap<PointId, Series>,
    scratch: Vec<u8>,
}

/// What a flush wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct FlushReport {
    /// Chunk rows inserted or rewritten.
    pub chunks_written: u64,
    /// Bytes of compressed data written.
    pub bytes_written: u64,
}

impl TelemetryWriter {
    /// A writer closing chunks as `config` says.
    pub fn new(config: WriterConfig) -> Self {
        TelemetryWriter {
            config: WriterConfig { max_samples: config.max_samples.clamp(1, MAX_CHUNK_SAMPLES), max_span_ms: config.max_span_ms.max(1) },
            ..TelemetryWriter::default()
        }
    }

    /// Buffers one sample of `point`. Samples of one point must come in
    /// time order (equal times are allowed); values must be finite.
    pub fn append(&mut self, project: &Project, point: PointId, sample: Sample) -> Result<()> {
        self.append_many(project, point, std::slice::from_ref(&sample))
    }

    /// Buffers samples of `point` (time-ordered).
    pub fn append_many(&mut self, project: &Project, point: PointId, samples: &[Sample]) -> Result<()> {
        let config = self.config;
        let series = match self.series.get_mut(&point) {
            Some(s) => s,
            None => {
                let last = last_stored_ms(&project.conn, point)?;
                self.series.entry(point).or_insert(Series { last_ms: last, ..Series::default() })
            }
        };
        for s in samples {
            if !s.value.is_finite() {
                return Err(StoreError::Invalid(format!("telemetry value {} at {} ms is not a finite number", s.value, s.t_ms)));
            }
            if let Some(last) = series.last_ms
                && s.t_ms < last
            {
                return Err(StoreError::TelemetryOutOfOrder { point: point_name(&project.conn, point), t_ms: s.t_ms, last_ms: last });
            }
            let open = &mut series.open;
            if let Some(first) = open.samples.first()
                && (open.samples.len() >= config.max_samples || s.t_ms.saturating_sub(first.t_ms) >= config.max_span_ms)
            {
                let full = std::mem::take(&mut series.open);
                series.sealed.push(full);
            }
            series.open.samples.push(*s);
            series.open.dirty = true;
            series.unwritten += 1;
            series.last_ms = Some(s.t_ms);
        }
        Ok(())
    }

    /// Samples buffered and not yet written.
    pub fn pending_samples(&self) -> usize {
        self.series.values().map(|s| s.unwritten).sum()
    }

    /// Writes everything buffered in one transaction. After it returns `Ok`,
    /// every appended sample is on disk.
    pub fn flush(&mut self, project: &mut Project) -> Result<FlushReport> {
        project.ensure_writable()?;
        let mut report = FlushReport::default();
        // Rows inserted for chunks that stay open, to rewrite them next time.
        let mut open_rows: Vec<(PointId, i64)> = Vec::new();
        let tx = crate::journal::begin(&mut project.conn).map_err(|e| map_write_error(e, "writing telemetry"))?;
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO telemetry_chunks (point_id, t_start_ms, t_end_ms, samples, data) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(|e| map_write_error(e, "writing telemetry"))?;
            let mut update = tx
                .prepare_cached("UPDATE telemetry_chunks SET t_end_ms = ?2, samples = ?3, data = ?4 WHERE id = ?1")
                .map_err(|e| map_write_error(e, "writing telemetry"))?;
            let mut points: Vec<PointId> = self.series.keys().copied().collect();
            points.sort();
            for point in points {
                let Some(series) = self.series.get_mut(&point) else { continue };
                let sealed = series.sealed.len();
                for (i, chunk) in series.sealed.iter().chain(std::iter::once(&series.open)).enumerate() {
                    if !chunk.dirty || chunk.samples.is_empty() {
                        continue;
                    }
                    series.decimals = codec::encode(&chunk.samples, series.decimals, &mut self.scratch);
                    let (first, last) = (chunk.samples[0].t_ms, chunk.samples[chunk.samples.len() - 1].t_ms);
                    let n = chunk.samples.len() as i64;
                    match chunk.row {
                        Some(row) => update.execute(params![row, last, n, self.scratch]),
                        None => insert.execute(params![point.0, first, last, n, self.scratch]),
                    }
                    .map_err(|e| map_write_error(e, "writing telemetry"))?;
                    if i == sealed && chunk.row.is_none() {
                        open_rows.push((point, tx.last_insert_rowid()));
                    }
                    report.chunks_written += 1;
                    report.bytes_written += self.scratch.len() as u64;
                }
            }
        }
        tx.commit().map_err(|e| map_write_error(e, "writing telemetry"))?;
        // Committed: drop sealed chunks, remember the rows of open ones.
        for series in self.series.values_mut() {
            series.sealed.clear();
            series.unwritten = 0;
            series.open.dirty = false;
        }
        for (point, row) in open_rows {
            if let Some(series) = self.series.get_mut(&point) {
                series.open.row = Some(row);
            }
        }
        Ok(report)
    }
}

/// The names of a telemetry point within their limits.
fn point_limits(device: &str, point: &str, unit: &str) -> Result<()> {
    crate::limits::text("a telemetry device name", device, crate::limits::NAME_CHARS)?;
    crate::limits::text("a telemetry point name", point, crate::limits::NAME_CHARS)?;
    crate::limits::text("a telemetry unit", unit, crate::limits::NAME_CHARS)
}

fn last_stored_ms(conn: &Connection, point: PointId) -> Result<Option<i64>> {
    conn.query_row("SELECT max(t_end_ms) FROM telemetry_chunks WHERE point_id = ?1", [point.0], |r| r.get(0))
        .map_err(|e| StoreError::sqlite("reading telemetry", e))
}

fn point_name(conn: &Connection, point: PointId) -> String {
    conn.query_row("SELECT device || '/' || point FROM telemetry_points WHERE id = ?1", [point.0], |r| r.get(0))
        .unwrap_or_else(|_| format!("point {}", point.0))
}

impl Project {
    /// The id of the series `device`/`point`, created (with `unit`) if new.
    pub fn telemetry_point(&mut self, device: &str, point: &str, unit: &str) -> Result<PointId> {
        if let Some(id) = self.find_telemetry_point(device, point)? {
            return Ok(id);
        }
        self.ensure_writable()?;
        if device.is_empty() || point.is_empty() {
            return Err(StoreError::Invalid("a telemetry point needs a device and a point name".into()));
        }
        point_limits(device, point, unit)?;
        let tx = crate::journal::begin(&mut self.conn).map_err(|e| map_write_error(e, "adding a telemetry point"))?;
        tx.execute("INSERT INTO telemetry_points (device, point, unit) VALUES (?1, ?2, ?3)", params![device, point, unit])
            .map_err(|e| map_write_error(e, "adding a telemetry point"))?;
        let id = PointId(tx.last_insert_rowid());
        crate::limits::table_rows(&tx, "telemetry_points")?;
        tx.commit().map_err(|e| map_write_error(e, "adding a telemetry point"))?;
        Ok(id)
    }

    /// The ids of many series at once, creating the missing ones in one
    /// transaction (a live link brings hundreds of new points at once; one
    /// synced transaction each would stall logging for seconds).
    pub fn telemetry_points_ensure(&mut self, items: &[(&str, &str, &str)]) -> Result<Vec<PointId>> {
        let mut ids = Vec::with_capacity(items.len());
        let mut missing = Vec::new();
        for (i, (device, point, _)) in items.iter().enumerate() {
            match self.find_telemetry_point(device, point)? {
                Some(id) => ids.push(Some(id)),
                None => {
                    if device.is_empty() || point.is_empty() {
                        return Err(StoreError::Invalid("a telemetry point needs a device and a point name".into()));
                    }
                    point_limits(device, point, items[i].2)?;
                    ids.push(None);
                    missing.push(i);
                }
            }
        }
        if !missing.is_empty() {
            self.ensure_writable()?;
            let tx = crate::journal::begin(&mut self.conn).map_err(|e| map_write_error(e, "adding telemetry points"))?;
            {
                let mut insert = tx
                    .prepare_cached("INSERT INTO telemetry_points (device, point, unit) VALUES (?1, ?2, ?3)")
                    .map_err(|e| map_write_error(e, "adding telemetry points"))?;
                for &i in &missing {
                    let (device, point, unit) = items[i];
                    insert.execute(params![device, point, unit]).map_err(|e| map_write_error(e, "adding telemetry points"))?;
                    ids[i] = Some(PointId(tx.last_insert_rowid()));
                }
            }
            crate::limits::table_rows(&tx, "telemetry_points")?;
            tx.commit().map_err(|e| map_write_error(e, "adding telemetry points"))?;
        }
        Ok(ids.into_iter().flatten().collect())
    }

    /// The id of the series `device`/`point`, if it exists.
    pub fn find_telemetry_point(&self, device: &str, point: &str) -> Result<Option<PointId>> {
        self.conn
            .query_row("SELECT id FROM telemetry_points WHERE device = ?1 AND point = ?2", [device, point], |r| r.get(0).map(PointId))
            .optional()
            .map_err(|e| StoreError::sqlite("reading telemetry points", e))
    }

    /// All series with their sample counts and time spans.
    pub fn telemetry_points(&self) -> Result<Vec<TelemetryPoint>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.id, p.device, p.point, p.unit, coalesce(sum(c.samples), 0), min(c.t_start_ms), max(c.t_end_ms) \
                 FROM telemetry_points p LEFT JOIN telemetry_chunks c ON c.point_id = p.id \
                 GROUP BY p.id ORDER BY p.device, p.point",
            )
            .map_err(|e| StoreError::sqlite("reading telemetry points", e))?;
        stmt.query_map([], |r| {
            let first: Option<i64> = r.get(5)?;
            let last: Option<i64> = r.get(6)?;
            Ok(TelemetryPoint {
                id: PointId(r.get(0)?),
                device: r.get(1)?,
                point: r.get(2)?,
                unit: r.get(3)?,
                samples: r.get::<_, i64>(4)?.max(0) as u64,
                span_ms: first.zip(last),
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| StoreError::sqlite("reading telemetry points", e))
    }

    /// The stored samples of `point` with `from_ms ≤ t ≤ to_ms`, in time
    /// order. (Samples still buffered in a writer are not included.)
    pub fn read_telemetry(&self, point: PointId, from_ms: i64, to_ms: i64) -> Result<Vec<Sample>> {
        let mut out = Vec::new();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT data FROM telemetry_chunks WHERE point_id = ?1 AND t_end_ms >= ?2 AND t_start_ms <= ?3 \
                 ORDER BY t_start_ms, id",
            )
            .map_err(|e| StoreError::sqlite("reading telemetry", e))?;
        let mut rows = stmt.query(params![point.0, from_ms, to_ms]).map_err(|e| StoreError::sqlite("reading telemetry", e))?;
        let mut buf = Vec::new();
        while let Some(row) = rows.next().map_err(|e| StoreError::sqlite("reading telemetry", e))? {
            let data = row.get_ref(0).and_then(|v| v.as_blob().map_err(Into::into));
            let data = data.map_err(|e| StoreError::sqlite("reading telemetry", e))?;
            buf.clear();
            codec::decode(data, &mut buf).map_err(|e| StoreError::Invalid(e.to_string()))?;
            out.extend(buf.iter().filter(|s| s.t_ms >= from_ms && s.t_ms <= to_ms));
        }
        Ok(out)
    }

    /// The last `window_ms` of `point` up to its newest stored sample (for a
    /// live chart).
    pub fn read_telemetry_tail(&self, point: PointId, window_ms: i64) -> Result<Vec<Sample>> {
        let Some(last) = last_stored_ms(&self.conn, point)? else { return Ok(Vec::new()) };
        self.read_telemetry(point, last.saturating_sub(window_ms), last)
    }
}

/// Decodes every chunk and checks it against its row (for `check`).
pub(crate) fn check_all(conn: &Connection) -> Result<()> {
    let mut stmt = conn
        .prepare("SELECT id, t_start_ms, t_end_ms, samples, data FROM telemetry_chunks ORDER BY id")
        .map_err(|e| StoreError::sqlite("reading telemetry", e))?;
    let mut rows = stmt.query([]).map_err(|e| StoreError::sqlite("reading telemetry", e))?;
    let mut buf = Vec::new();
    while let Some(row) = rows.next().map_err(|e| StoreError::sqlite("reading telemetry", e))? {
        let id: i64 = row.get(0).map_err(|e| StoreError::sqlite("reading telemetry", e))?;
        let (start, end, n): (i64, i64, i64) = (|| Ok::<_, rusqlite::Error>((row.get(1)?, row.get(2)?, row.get(3)?)))()
            .map_err(|e| StoreError::sqlite("reading telemetry", e))?;
        let data = row.get_ref(4).and_then(|v| v.as_blob().map_err(Into::into)).map_err(|e| StoreError::sqlite("reading telemetry", e))?;
        buf.clear();
        codec::decode(data, &mut buf).map_err(|e| StoreError::Invalid(format!("telemetry chunk {id}: {e}")))?;
        let ok = buf.len() as i64 == n
            && buf.first().map(|s| s.t_ms) == Some(start)
            && buf.last().map(|s| s.t_ms) == Some(end)
            && buf.windows(2).all(|w| w[0].t_ms <= w[1].t_ms);
        if !ok {
            return Err(StoreError::Invalid(format!("telemetry chunk {id} does not match its index entry")));
        }
    }
    Ok(())
}

/// Reads chunk ids of a point in a range, for streaming readers.
pub(crate) fn chunk_ids(conn: &Connection, point: PointId, from_ms: i64, to_ms: i64) -> Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT id FROM telemetry_chunks WHERE point_id = ?1 AND t_end_ms >= ?2 AND t_start_ms <= ?3 ORDER BY t_start_ms, id",
    )
    .and_then(|mut s| s.query_map(params![point.0, from_ms, to_ms], |r| r.get(0))?.collect())
    .map_err(|e| StoreError::sqlite("reading telemetry", e))
}

/// Decodes the chunk `id` into `out` (cleared first).
pub(crate) fn read_chunk(conn: &Connection, id: i64, out: &mut Vec<Sample>) -> Result<()> {
    out.clear();
    let data: Vec<u8> = conn
        .prepare_cached("SELECT data FROM telemetry_chunks WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)))
        .map_err(|e| StoreError::sqlite("reading telemetry", e))?;
    codec::decode(&data, out).map_err(|e| StoreError::Invalid(e.to_string()))
}
