//! Recovery of a damaged project: copy every row that can still be read into
//! a fresh project in a temporary file and open that copy read-only.
//!
//! The damaged file is only read (read-only connection, every defence on,
//! triggers and views off) and never changed. Rows are copied table by
//! table in rowid order; when a read fails (a corrupted page), recovery seeks
//! past the damage with growing steps and carries on, so one bad page costs
//! the rows on it, not the rest of the table. Design rows that no longer
//! decode, references left dangling by lost rows, and undecodable telemetry
//! chunks are left out and listed. The undo history is not carried over.

use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::open::{self, Mode};
use crate::project::{OpenOptions, Project};
use crate::schema::{self, SCHEMA_VERSION};

/// What a recovery saved and what it could not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecoveryReport {
    /// The damaged file.
    pub source: PathBuf,
    /// Rows copied per table (tables with rows only).
    pub rows_recovered: Vec<(String, u64)>,
    /// Tables in which some rows could not be read.
    pub tables_with_losses: Vec<String>,
    /// Items left out, in words.
    pub left_out: Vec<String>,
}

impl RecoveryReport {
    /// True when every row was read and nothing had to be left out.
    pub fn is_complete(&self) -> bool {
        self.tables_with_losses.is_empty() && self.left_out.is_empty()
    }
}

/// Most read attempts spent seeking past damage in one table.
const MAX_SEEKS_PER_TABLE: u32 = 4096;
const BATCH: i64 = 512;

/// A fresh path in the temporary folder for a private copy (`tag` says what for).
pub(crate) fn temp_copy_path(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "backstop-{tag}-{}-{}-{}.backstop",
        std::process::id(),
        crate::time::now_ms(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

impl Project {
    /// Opens a read-only recovered copy of the damaged project at `path`
    /// (see the module docs). The copy lives in a temporary file that is
    /// deleted when the project is closed; use [`Project::save_as`] to keep
    /// it. [`Project::open_report`] lists what was saved and what was lost.
    pub fn recover(path: &Path) -> Result<Project> {
        let version = match open::probe(path) {
            Ok(h) => h.user_version,
            // Truncated files are worth a try; the header is intact.
            Err(StoreError::Damaged { recoverable: true, .. }) => read_version(path)?,
            Err(e) => return Err(e),
        };
        if version == 0 || version > SCHEMA_VERSION {
            return Err(open::too_new(path, version, None));
        }
        let src = open::connect(path, Mode::ReadOnly).map_err(|e| open::classify(path, e, "opening"))?;
        // The structure must be ours (and readable) to copy anything.
        let found = schema::read_schema(&src).map_err(|_| StoreError::Damaged {
            path: path.to_owned(),
            reason: "its table of contents (schema) is unreadable, so nothing can be recovered".into(),
            recoverable: false,
        })?;
        let expected = schema::expected_schema(version).map_err(|e| StoreError::sqlite("building the schema", e))?;
        let found: Vec<_> = found.into_iter().filter(|o| !schema::is_stat_table(o)).collect();
        if let Some(extra) = found.iter().find(|o| !expected.contains(o)) {
            return Err(StoreError::UnexpectedSchema {
                path: path.to_owned(),
                detail: format!("{} \"{}\" is not what Backstop writes", extra.0, extra.1),
            });
        }
        let target = temp_copy_path("recovered");
        let result = copy_into(&src, version, &target, path);
        drop(src);
        let mut report = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&target);
                return Err(e);
            }
        };
        report.source = path.to_owned();
        match Project::open(&target, &OpenOptions::view()) {
            Ok(mut p) => {
                p.mark_recovered(report, target);
                Ok(p)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&target);
                Err(e)
            }
        }
    }
}

/// The schema version from the raw header (for truncated files).
fn read_version(path: &Path) -> Result<u32> {
    use std::io::Read;
    let mut head = [0u8; 100];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).map_err(|e| StoreError::io("read", path, e))?;
    Ok(u32::from_be_bytes([head[60], head[61], head[62], head[63]]))
}

fn copy_into(src: &Connection, version: u32, target: &Path, source: &Path) -> Result<RecoveryReport> {
    let mut report = RecoveryReport::default();
    let mut dst = open::connect(target, Mode::Create).map_err(|e| StoreError::sqlite("creating the recovered copy", e))?;
    dst.pragma_update(None, "page_size", crate::project::PAGE_SIZE)
        .and_then(|()| open::writer_settings(&dst))
        .map_err(|e| StoreError::sqlite("creating the recovered copy", e))?;
    schema::migrations()
        .to_version(&mut dst, version as usize)
        .map_err(|e| StoreError::Invalid(format!("creating the recovered copy: {e}")))?;
    dst.pragma_update(None, "foreign_keys", false).map_err(|e| StoreError::sqlite("creating the recovered copy", e))?;
    let tables: Vec<(String, bool)> = dst
        .prepare(
            "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(|e| StoreError::sqlite("creating the recovered copy", e))?;
    let tx = dst.transaction().map_err(|e| StoreError::sqlite("writing the recovered copy", e))?;
    for (table, without_rowid) in &tables {
        if table == "history" || table == "history_changes" {
            continue;
        }
        let cols: Vec<String> = tx
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| StoreError::sqlite("reading the table layout", e))?;
        let (copied, lossy) = copy_table(src, &tx, table, &cols, *without_rowid)?;
        if copied > 0 {
            report.rows_recovered.push((table.clone(), copied));
        }
        if lossy {
            report.tables_with_losses.push(table.clone());
        }
    }
    prune(&tx, &mut report)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('recovered_from', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [source.to_string_lossy()],
    )
    .map_err(|e| StoreError::sqlite("writing the recovered copy", e))?;
    let has_project: bool = tx
        .query_row("SELECT count(*) FROM project", [], |r| r.get::<_, i64>(0))
        .map(|n| n > 0)
        .map_err(|e| StoreError::sqlite("writing the recovered copy", e))?;
    if !has_project {
        tx.execute(
            "INSERT INTO project (id, name, client, site, engineer, created_at_ms, body) VALUES (1, ?1, '', '', '', 0, ?2)",
            rusqlite::params![
                "Recovered project",
                serde_json::json!({"name": "Recovered project", "client": "", "site": "", "address": "", "engineer": "",
                    "notes": "The project information could not be read from the damaged file.", "created_at_ms": 0})
                .to_string()
            ],
        )
        .map_err(|e| StoreError::sqlite("writing the recovered copy", e))?;
        report.left_out.push("the project information (name, client, site) was unreadable".into());
    }
    tx.commit().map_err(|e| StoreError::sqlite("writing the recovered copy", e))?;
    if version < SCHEMA_VERSION {
        schema::migrations().to_latest(&mut dst).map_err(|e| StoreError::Invalid(format!("upgrading the recovered copy: {e}")))?;
    }
    Ok(report)
}

/// Copies the readable rows of one table. Returns (rows copied, whether
/// some could not be read).
fn copy_table(src: &Connection, dst: &Connection, table: &str, cols: &[String], without_rowid: bool) -> Result<(u64, bool)> {
    let list = cols.join(", ");
    let marks = (1..=cols.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let mut insert = dst
        .prepare(&format!("INSERT OR IGNORE INTO {table} ({list}) VALUES ({marks})"))
        .map_err(|e| StoreError::sqlite("writing the recovered copy", e))?;
    let n = cols.len();
    let mut copied = 0u64;
    if without_rowid {
        // Small key-value tables: take what a plain scan yields.
        let Ok(mut stmt) = src.prepare(&format!("SELECT {list} FROM {table}")) else { return Ok((0, true)) };
        let Ok(mut rows) = stmt.query([]) else { return Ok((0, true)) };
        loop {
            match rows.next() {
                Ok(Some(row)) => {
                    let Ok(values) = (0..n).map(|i| row.get::<_, Value>(i)).collect::<rusqlite::Result<Vec<_>>>() else {
                        return Ok((copied, true));
                    };
                    if insert.execute(params_from_iter(values.iter())).is_ok() {
                        copied += 1;
                    }
                }
                Ok(None) => return Ok((copied, false)),
                Err(_) => return Ok((copied, true)),
            }
        }
    }
    let Ok(mut stmt) = src.prepare(&format!("SELECT rowid, {list} FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT {BATCH}")) else {
        return Ok((0, true));
    };
    let mut after = i64::MIN;
    let mut lossy = false;
    let mut seeks = 0u32;
    let mut step: i64 = 1;
    loop {
        let mut got = 0;
        let mut failed = false;
        match stmt.query([after]) {
            Ok(mut rows) => loop {
                match rows.next() {
                    Ok(Some(row)) => {
                        let values = (0..=n).map(|i| row.get::<_, Value>(i)).collect::<rusqlite::Result<Vec<_>>>();
                        let Ok(values) = values else {
                            failed = true;
                            break;
                        };
                        if let Value::Integer(rowid) = values[0] {
                            after = rowid;
                        }
                        got += 1;
                        if insert.execute(params_from_iter(values[1..].iter())).is_ok() {
                            copied += 1;
                        }
                    }
                    Ok(None) => break,
                    Err(_) => {
                        failed = true;
                        break;
                    }
                }
            },
            Err(_) => failed = true,
        }
        if failed {
            lossy = true;
            seeks += 1;
            if seeks > MAX_SEEKS_PER_TABLE || after == i64::MAX {
                return Ok((copied, true));
            }
            // Jump past the damage, further each time it persists.
            after = if after == i64::MIN { 0 } else { after.saturating_add(step) };
            step = step.saturating_mul(2);
            continue;
        }
        step = 1;
        if got < BATCH {
            return Ok((copied, lossy));
        }
    }
}

/// Removes rows that would make the copy fail to open or to edit: design
/// rows that do not decode, dangling references, undecodable telemetry.
fn prune(tx: &Connection, report: &mut RecoveryReport) -> Result<()> {
    let err = |e| StoreError::sqlite("checking the recovered copy", e);
    for t in schema::DESIGN_TABLES {
        let rows: Vec<(String, String)> = tx
            .prepare(&format!("SELECT CAST({} AS TEXT), body FROM {}", t.key, t.name))
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .map_err(err)?;
        for (key, body) in rows {
            if serde_json::from_str::<serde_json::Value>(&body).is_err() || !crate::design::body_decodes(t.name, &body) {
                tx.execute(&format!("DELETE FROM {} WHERE {} = ?1", t.name, t.key), [crate::design::key_value(t, &key)]).map_err(err)?;
                report.left_out.push(format!("{} \"{key}\": its record was damaged", t.name));
            }
        }
    }
    // Dangling references: remove the referring item and say so.
    while let Some(msg) = crate::design::dangling_reference(tx).map_err(err)? {
        let removed = remove_first_dangling(tx).map_err(err)?;
        report.left_out.push(format!("{msg} (left out)"));
        if !removed {
            break;
        }
    }
    let chunks: Vec<(i64, Vec<u8>)> = tx
        .prepare("SELECT id, data FROM telemetry_chunks")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(err)?;
    let mut bad = 0;
    let mut buf = Vec::new();
    for (id, data) in chunks {
        buf.clear();
        if crate::codec::decode(&data, &mut buf).is_err() {
            tx.execute("DELETE FROM telemetry_chunks WHERE id = ?1", [id]).map_err(err)?;
            bad += 1;
        }
    }
    if bad > 0 {
        report.left_out.push(format!("{bad} telemetry chunk(s) were damaged"));
    }
    let orphans = tx.execute("DELETE FROM telemetry_chunks WHERE point_id NOT IN (SELECT id FROM telemetry_points)", []).map_err(err)?;
    let orphans = orphans
        + tx.execute("DELETE FROM step_results WHERE session_id NOT IN (SELECT id FROM commissioning_sessions)", []).map_err(err)?;
    if orphans > 0 {
        report.left_out.push(format!("{orphans} record(s) whose session or telemetry point was lost"));
    }
    // Sign-offs are append-only (triggers are off here); a sign-off whose
    // session was lost keeps its text but no longer points at a session.
    let n = tx
        .execute(
            "UPDATE signoffs SET session_id = NULL WHERE session_id IS NOT NULL AND session_id NOT IN (SELECT id FROM commissioning_sessions)",
            [],
        )
        .map_err(err)?;
    if n > 0 {
        report.left_out.push(format!("{n} sign-off(s) lost the link to their session"));
    }
    Ok(())
}

fn remove_first_dangling(tx: &Connection) -> rusqlite::Result<bool> {
    const FIXES: &[&str] = &[
        "DELETE FROM equipment WHERE tag = (SELECT tag FROM equipment WHERE room_id NOT IN (SELECT id FROM rooms) OR catalog_key NOT IN (SELECT key FROM catalog_entries) LIMIT 1)",
        "DELETE FROM it_racks WHERE tag = (SELECT tag FROM it_racks WHERE room_id NOT IN (SELECT id FROM rooms) LIMIT 1)",
        "DELETE FROM power_units WHERE tag = (SELECT tag FROM power_units WHERE room_id NOT IN (SELECT id FROM rooms) OR (catalog_key IS NOT NULL AND catalog_key NOT IN (SELECT key FROM catalog_entries)) LIMIT 1)",
        "DELETE FROM sizing_results WHERE key = (SELECT key FROM sizing_results WHERE case_key NOT IN (SELECT key FROM sizing_cases) LIMIT 1)",
    ];
    for sql in FIXES {
        if tx.execute(sql, [])? > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}
