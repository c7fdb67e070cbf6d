//! Edits, and their undo/redo history kept inside the project file.
//!
//! Every design edit is one transaction. While it runs, the first time a
//! design row is touched its previous image is kept; at the end the new
//! images are read back and the pair of images of each changed row is
//! written to `history_changes` in the same transaction. Undo writes the
//! "before" images back, redo the "after" images, each as one transaction,
//! after checking that the rows still hold what the history expects.
//!
//! Images are JSON arrays of column values, never SQL: replaying history from
//! a file cannot run anything. Table and column names come from
//! [`crate::schema::DESIGN_TABLES`], not from the file.
//!
//! Only the design is undoable. Commissioning records, the audit log,
//! sign-offs and telemetry record what happened on site and are never undone.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;

use backstop_model::layout::{EgressPath, ItRack, PlacedEquipment, PowerUnit, Room};
use backstop_model::project::{Design, ProjectInfo, Record, Revision, Settings, SizingResultRecord};

use crate::design::{self, CatalogRow, DesignItem, Row, SizingCaseRow, table_of};
use crate::error::{Result, StoreError};
use crate::project::Project;
use crate::schema::{DesignTable, design_table};
use crate::time::now_ms;

/// How many undo steps a project keeps (older ones are dropped).
pub const HISTORY_LIMIT: i64 = 1000;

/// One step of the undo history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryStep {
    /// Sequence number, increasing with each edit.
    pub seq: i64,
    /// What the edit did, as shown in "Undo <label>".
    pub label: String,
    /// When it was made, ms since the Unix epoch.
    pub at_ms: i64,
    /// Who made it.
    pub who: String,
    /// Whether it is currently undone (available to redo).
    pub undone: bool,
}

/// What Undo and Redo would do now, for menus and buttons.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct UndoState {
    /// The step Undo would revert.
    pub undo: Option<HistoryStep>,
    /// The step Redo would reapply.
    pub redo: Option<HistoryStep>,
    /// How many steps can be undone.
    pub undo_depth: u64,
    /// How many steps can be redone.
    pub redo_depth: u64,
}

/// A design edit in progress: one transaction. Obtained from
/// [`Project::edit`]; every change made through it is saved, and undone,
/// together.
pub struct Edit<'a> {
    tx: &'a Transaction<'a>,
    touched: Vec<(&'static DesignTable, String, Option<Row>)>,
}

fn sql_err(context: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| map_write_error(e, context)
}

/// Maps an SQLite error during an edit.
pub(crate) fn map_write_error(e: rusqlite::Error, context: &str) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFullDuring { action: context.into() },
        Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnlyDuring { action: context.into() },
        Some(rusqlite::ErrorCode::ConstraintViolation) => {
            StoreError::Invalid(format!("{context}: the project file refused the value ({e})"))
        }
        _ => StoreError::sqlite(context, e),
    }
}

impl Edit<'_> {
    fn touch(&mut self, t: &'static DesignTable, key: &str) -> Result<Option<Row>> {
        let current = design::read_row(self.tx, t, key).map_err(sql_err("reading the current value"))?;
        if !self.touched.iter().any(|(tt, k, _)| tt.name == t.name && k == key) {
            self.touched.push((t, key.to_owned(), current.clone()));
        }
        Ok(current)
    }

    fn put<T: DesignItem>(&mut self, item: &T) -> Result<()> {
        item.check()?;
        let row = item.to_row()?;
        let t = table_of::<T>();
        self.touch(t, &item.key())?;
        design::write_row(self.tx, t, &row).map_err(sql_err("saving the change"))
    }

    fn delete<T: DesignItem>(&mut self, key: &str) -> Result<()> {
        let t = table_of::<T>();
        if self.touch(t, key)?.is_none() {
            return Err(StoreError::NoSuchItem { kind: T::KIND, key: key.to_owned() });
        }
        design::delete_row(self.tx, t, key).map_err(sql_err("saving the change"))
    }

    /// Replaces the project metadata.
    pub fn set_project_info(&mut self, info: &ProjectInfo) -> Result<()> {
        self.put(info)
    }

    /// Replaces the settings.
    pub fn set_settings(&mut self, settings: &Settings) -> Result<()> {
        self.put(settings)
    }

    /// Adds or replaces a revision (by `rev`).
    pub fn put_revision(&mut self, rev: &Revision) -> Result<()> {
        self.put(rev)
    }

    /// Removes a revision.
    pub fn delete_revision(&mut self, rev: &str) -> Result<()> {
        self.delete::<Revision>(rev)
    }

    /// Adds or replaces a room (by `id`).
    pub fn put_room(&mut self, room: &Room) -> Result<()> {
        self.put(room)
    }

    /// Removes a room. Fails at the end of the edit if anything still
    /// stands in it; see [`Edit::delete_room_with_contents`].
    pub fn delete_room(&mut self, id: &str) -> Result<()> {
        self.delete::<Room>(id)
    }

    /// Removes a room together with the equipment, racks and UPS/PCS units
    /// standing in it.
    pub fn delete_room_with_contents(&mut self, id: &str) -> Result<()> {
        for (table, col) in [("equipment", "tag"), ("it_racks", "tag"), ("power_units", "tag")] {
            let keys: Vec<String> = self
                .tx
                .prepare(&format!("SELECT {col} FROM {table} WHERE room_id = ?1 ORDER BY {col}"))
                .and_then(|mut s| s.query_map([id], |r| r.get(0))?.collect())
                .map_err(sql_err("finding the room's contents"))?;
            for key in keys {
                match table {
                    "equipment" => self.delete::<PlacedEquipment>(&key)?,
                    "it_racks" => self.delete::<ItRack>(&key)?,
                    _ => self.delete::<PowerUnit>(&key)?,
                }
            }
        }
        self.delete::<Room>(id)
    }

    /// Adds or replaces placed equipment (by `tag`).
    pub fn put_equipment(&mut self, item: &PlacedEquipment) -> Result<()> {
        self.put(item)
    }

    /// Removes placed equipment.
    pub fn delete_equipment(&mut self, tag: &str) -> Result<()> {
        self.delete::<PlacedEquipment>(tag)
    }

    /// Adds or replaces an IT rack (by `tag`).
    pub fn put_rack(&mut self, rack: &ItRack) -> Result<()> {
        self.put(rack)
    }

    /// Removes an IT rack.
    pub fn delete_rack(&mut self, tag: &str) -> Result<()> {
        self.delete::<ItRack>(tag)
    }

    /// Adds or replaces a UPS/PCS unit (by `tag`).
    pub fn put_power_unit(&mut self, unit: &PowerUnit) -> Result<()> {
        self.put(unit)
    }

    /// Removes a UPS/PCS unit.
    pub fn delete_power_unit(&mut self, tag: &str) -> Result<()> {
        self.delete::<PowerUnit>(tag)
    }

    /// Adds or replaces an egress path (by `id`).
    pub fn put_egress_path(&mut self, path: &EgressPath) -> Result<()> {
        self.put(path)
    }

    /// Removes an egress path.
    pub fn delete_egress_path(&mut self, id: &str) -> Result<()> {
        self.delete::<EgressPath>(id)
    }

    /// Copies a catalog entry into the project (or replaces it, by key).
    pub fn put_catalog_record(&mut self, entry: &Record) -> Result<()> {
        self.put(&CatalogRow(entry.clone()))
    }

    /// Copies a typed catalog entry into the project as `key`/`kind`/`name`
    /// plus its JSON.
    pub fn put_catalog_entry<T: Serialize + serde::de::DeserializeOwned>(
        &mut self,
        key: &str,
        kind: &str,
        name: &str,
        entry: &T,
    ) -> Result<()> {
        let body = design::to_json(entry, "the catalog entry")?;
        self.put_catalog_record(&Record { key: key.into(), kind: kind.into(), name: name.into(), body })
    }

    /// Copies a built-in or user catalog entry into the project under its
    /// own key, with its kind and "manufacturer model" as name.
    pub fn use_catalog_entry(&mut self, entry: &backstop_model::catalog::CatalogEntry) -> Result<()> {
        let kind = match serde_json::to_value(entry.kind) {
            Ok(serde_json::Value::String(s)) => s,
            _ => format!("{:?}", entry.kind),
        };
        let name = format!("{} {}", entry.manufacturer, entry.model).trim().to_owned();
        self.put_catalog_entry(&entry.key, &kind, &name, entry)
    }

    /// Removes a catalog entry (fails at the end of the edit if still used).
    pub fn delete_catalog_entry(&mut self, key: &str) -> Result<()> {
        self.delete::<CatalogRow>(key)
    }

    /// Adds or replaces a sizing case (by key).
    pub fn put_sizing_case_record(&mut self, case: &Record) -> Result<()> {
        self.put(&SizingCaseRow(case.clone()))
    }

    /// Adds or replaces a typed sizing case.
    pub fn put_sizing_case<T: Serialize + serde::de::DeserializeOwned>(
        &mut self,
        key: &str,
        kind: &str,
        name: &str,
        case: &T,
    ) -> Result<()> {
        let body = design::to_json(case, "the sizing case")?;
        self.put_sizing_case_record(&Record { key: key.into(), kind: kind.into(), name: name.into(), body })
    }

    /// Removes a sizing case (fails at the end of the edit if results
    /// still refer to it).
    pub fn delete_sizing_case(&mut self, key: &str) -> Result<()> {
        self.delete::<SizingCaseRow>(key)
    }

    /// Adds or replaces a sizing result (by key).
    pub fn put_sizing_result_record(&mut self, result: &SizingResultRecord) -> Result<()> {
        self.put(result)
    }

    /// Adds or replaces a typed sizing result of case `case_key`.
    pub fn put_sizing_result<T: Serialize + serde::de::DeserializeOwned>(
        &mut self,
        case_key: &str,
        key: &str,
        kind: &str,
        name: &str,
        result: &T,
    ) -> Result<()> {
        let body = design::to_json(result, "the sizing result")?;
        self.put_sizing_result_record(&SizingResultRecord {
            case_key: case_key.into(),
            record: Record { key: key.into(), kind: kind.into(), name: name.into(), body },
        })
    }

    /// Removes a sizing result.
    pub fn delete_sizing_result(&mut self, key: &str) -> Result<()> {
        self.delete::<SizingResultRecord>(key)
    }

    /// Makes the design equal to `design`: every item not in it is removed,
    /// every item in it is written. Fails on duplicate keys.
    pub fn replace_design(&mut self, design: &Design) -> Result<()> {
        check_unique(design)?;
        fn keep<T: DesignItem>(edit: &mut Edit<'_>, items: &[T]) -> Result<()> {
            let t = table_of::<T>();
            let keys: Vec<String> = edit
                .tx
                .prepare(&format!("SELECT CAST({} AS TEXT) FROM {}", t.key, t.name))
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .map_err(sql_err("reading the design"))?;
            for key in keys {
                if !items.iter().any(|i| i.key() == key) {
                    edit.delete::<T>(&key)?;
                }
            }
            items.iter().try_for_each(|i| edit.put(i))
        }
        let l = &design.layout;
        self.put(&design.project)?;
        self.put(&design.settings)?;
        keep(self, &design.revisions)?;
        keep(self, &design.catalog.iter().cloned().map(CatalogRow).collect::<Vec<_>>())?;
        keep(self, &l.rooms)?;
        keep(self, &l.equipment)?;
        keep(self, &l.racks)?;
        keep(self, &l.power_units)?;
        keep(self, &l.egress_paths)?;
        keep(self, &design.sizing_cases.iter().cloned().map(SizingCaseRow).collect::<Vec<_>>())?;
        keep(self, &design.sizing_results)
    }
}

/// Refuses a design with two items of one kind sharing a key.
fn check_unique(d: &Design) -> Result<()> {
    fn dup<'a>(kind: &str, keys: impl Iterator<Item = &'a str>) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for k in keys {
            if !seen.insert(k) {
                return Err(StoreError::Invalid(format!("the design lists {kind} \"{k}\" twice")));
            }
        }
        Ok(())
    }
    let l = &d.layout;
    dup("revision", d.revisions.iter().map(|r| r.rev.as_str()))?;
    dup("room", l.rooms.iter().map(|r| r.id.as_str()))?;
    dup("equipment", l.equipment.iter().map(|r| r.tag.as_str()))?;
    dup("IT rack", l.racks.iter().map(|r| r.tag.as_str()))?;
    dup("UPS/PCS unit", l.power_units.iter().map(|r| r.tag.as_str()))?;
    dup("egress path", l.egress_paths.iter().map(|r| r.id.as_str()))?;
    dup("catalog entry", d.catalog.iter().map(|r| r.key.as_str()))?;
    dup("sizing case", d.sizing_cases.iter().map(|r| r.key.as_str()))?;
    dup("sizing result", d.sizing_results.iter().map(|r| r.record.key.as_str()))
}

/// A row image as JSON text (an array of column values).
fn image_json(row: &Option<Row>) -> Result<Option<String>> {
    let Some(row) = row else { return Ok(None) };
    let mut out = Vec::with_capacity(row.len());
    for v in row {
        out.push(match v {
            Value::Null => serde_json::Value::Null,
            Value::Integer(i) => serde_json::Value::from(*i),
            Value::Real(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .ok_or_else(|| StoreError::Invalid("a stored number is not finite".into()))?,
            Value::Text(s) => serde_json::Value::String(s.clone()),
            Value::Blob(_) => return Err(StoreError::Invalid("design rows hold no binary data".into())),
        });
    }
    serde_json::to_string(&out).map(Some).map_err(|source| StoreError::Json { context: "writing the undo history".into(), source })
}

/// A row image from the history, checked against the table's columns.
fn image_row(t: &DesignTable, text: Option<&str>) -> Result<Option<Row>> {
    let Some(text) = text else { return Ok(None) };
    let bad = |why: &str| StoreError::HistoryMismatch(format!("a recorded {} row {why}", t.name));
    let values: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|_| bad("is not readable"))?;
    if values.len() != t.columns.len() {
        return Err(bad("has the wrong number of columns"));
    }
    values
        .into_iter()
        .map(|v| match v {
            serde_json::Value::Null => Ok(Value::Null),
            serde_json::Value::String(s) => Ok(Value::Text(s)),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Ok(Value::Integer(i)),
                (None, Some(f)) if !n.is_u64() => Ok(Value::Real(f)),
                _ => Err(bad("holds a number out of range")),
            },
            _ => Err(bad("holds a value of the wrong type")),
        })
        .collect::<Result<Row>>()
        .map(Some)
}

/// Writes `image` as the row `key` of `t` (or deletes the row).
fn apply(tx: &Transaction<'_>, t: &DesignTable, key: &str, image: &Option<Row>) -> Result<()> {
    match image {
        Some(row) => design::write_row(tx, t, row),
        None => design::delete_row(tx, t, key),
    }
    .map_err(sql_err("applying the undo history"))
}

fn step_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HistoryStep> {
    Ok(HistoryStep { seq: r.get(0)?, label: r.get(1)?, at_ms: r.get(2)?, who: r.get(3)?, undone: r.get::<_, i64>(4)? != 0 })
}

const STEP_COLUMNS: &str = "seq, label, at_ms, who, undone";

/// Undo steps available and redo steps available.
pub(crate) fn counts(conn: &Connection) -> Result<[u64; 2]> {
    conn.query_row("SELECT coalesce(sum(undone = 0), 0), coalesce(sum(undone = 1), 0) FROM history", [], |r| {
        Ok([r.get::<_, i64>(0)?.max(0) as u64, r.get::<_, i64>(1)?.max(0) as u64])
    })
    .map_err(|e| StoreError::sqlite("reading the undo history", e))
}

/// Commits `tx`, mapping a deferred foreign-key failure to a clear message.
fn commit(tx: Transaction<'_>) -> Result<()> {
    tx.commit().map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => {
            StoreError::BrokenReference("the edit would leave a reference to a missing item".into())
        }
        _ => map_write_error(e, "saving the edit"),
    })
}

impl Project {
    /// Runs `f` as one edit labelled `label` (shown as "Undo <label>"): one
    /// transaction, saved when this returns `Ok`, undoable as one step. If
    /// `f` fails, or the edit would leave a dangling reference, nothing is
    /// changed. An edit that changes nothing adds no undo step.
    pub fn edit<R>(&mut self, label: &str, f: impl FnOnce(&mut Edit<'_>) -> Result<R>) -> Result<R> {
        self.run_edit(label, true, f)
    }

    pub(crate) fn run_edit<R>(&mut self, label: &str, record: bool, f: impl FnOnce(&mut Edit<'_>) -> Result<R>) -> Result<R> {
        self.ensure_writable()?;
        crate::limits::text("the undo label", label, crate::limits::NAME_CHARS)?;
        let who = self.who.clone();
        let pending = self.stamp_pending();
        let out = {
            let tx = crate::journal::begin(&mut self.conn).map_err(sql_err("starting the edit"))?;
            let mut edit = Edit { tx: &tx, touched: Vec::new() };
            let out = f(&mut edit)?;
            let mut changes = Vec::new();
            for (t, key, before) in edit.touched {
                let after = design::read_row(&tx, t, &key).map_err(sql_err("reading the change"))?;
                if before != after {
                    changes.push((t, key, before, after));
                }
            }
            if changes.is_empty() {
                return Ok(out);
            }
            // Tables that gained rows stay within their row limits.
            let mut grown: Vec<&str> = changes.iter().filter(|c| c.2.is_none()).map(|c| c.0.name).collect();
            grown.sort_unstable();
            grown.dedup();
            for table in grown {
                crate::limits::table_rows(&tx, table)?;
            }
            if let Some(msg) = design::dangling_reference(&tx).map_err(sql_err("checking references"))? {
                return Err(StoreError::BrokenReference(format!("{msg}; the edit was not made")));
            }
            if record {
                tx.execute("DELETE FROM history WHERE undone = 1", []).map_err(sql_err("saving the undo step"))?;
                tx.execute("INSERT INTO history (label, at_ms, who, undone) VALUES (?1, ?2, ?3, 0)", params![label, now_ms(), who])
                    .map_err(sql_err("saving the undo step"))?;
                let seq = tx.last_insert_rowid();
                let mut ins = tx
                    .prepare_cached("INSERT INTO history_changes (seq, ord, tbl, key, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                    .map_err(sql_err("saving the undo step"))?;
                for (ord, (t, key, before, after)) in changes.iter().enumerate() {
                    ins.execute(params![seq, ord as i64, t.name, key, image_json(before)?, image_json(after)?])
                        .map_err(sql_err("saving the undo step"))?;
                }
                drop(ins);
                tx.execute("DELETE FROM history WHERE seq <= ?1", [seq - HISTORY_LIMIT]).map_err(sql_err("trimming the undo history"))?;
            } else {
                tx.execute("DELETE FROM history", []).map_err(sql_err("clearing the undo history"))?;
            }
            stamp(&tx, pending)?;
            commit(tx)?;
            out
        };
        self.stamped();
        Ok(out)
    }

    /// What Undo and Redo would do now.
    pub fn undo_state(&self) -> Result<UndoState> {
        let q = |sql: &str| -> Result<Option<HistoryStep>> {
            self.conn.query_row(sql, [], step_from_row).optional().map_err(|e| StoreError::sqlite("reading the undo history", e))
        };
        let [undo_depth, redo_depth] = counts(&self.conn)?;
        Ok(UndoState {
            undo: q(&format!("SELECT {STEP_COLUMNS} FROM history WHERE undone = 0 ORDER BY seq DESC LIMIT 1"))?,
            redo: q(&format!("SELECT {STEP_COLUMNS} FROM history WHERE undone = 1 ORDER BY seq ASC LIMIT 1"))?,
            undo_depth,
            redo_depth,
        })
    }

    /// The most recent `limit` history steps, newest first.
    pub fn history(&self, limit: u32) -> Result<Vec<HistoryStep>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {STEP_COLUMNS} FROM history ORDER BY seq DESC LIMIT ?1"))
            .map_err(|e| StoreError::sqlite("reading the undo history", e))?;
        stmt.query_map([limit], step_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| StoreError::sqlite("reading the undo history", e))
    }

    /// Reverts the most recent edit that is not undone, as one transaction.
    /// Returns the step undone, or `None` when there is nothing to undo.
    pub fn undo(&mut self) -> Result<Option<HistoryStep>> {
        self.step(true)
    }

    /// Reapplies the earliest undone edit, as one transaction. Returns the
    /// step redone, or `None` when there is nothing to redo.
    pub fn redo(&mut self) -> Result<Option<HistoryStep>> {
        self.step(false)
    }

    /// Forgets the undo history (e.g. after [`StoreError::HistoryMismatch`]).
    pub fn clear_history(&mut self) -> Result<()> {
        self.ensure_writable()?;
        let pending = self.stamp_pending();
        let tx = crate::journal::begin(&mut self.conn).map_err(sql_err("clearing the undo history"))?;
        tx.execute("DELETE FROM history", []).map_err(sql_err("clearing the undo history"))?;
        stamp(&tx, pending)?;
        commit(tx)?;
        self.stamped();
        Ok(())
    }

    fn step(&mut self, undo: bool) -> Result<Option<HistoryStep>> {
        self.ensure_writable()?;
        let pending = self.stamp_pending();
        let tx = crate::journal::begin(&mut self.conn).map_err(sql_err("starting undo"))?;
        let pick = if undo {
            format!("SELECT {STEP_COLUMNS} FROM history WHERE undone = 0 ORDER BY seq DESC LIMIT 1")
        } else {
            format!("SELECT {STEP_COLUMNS} FROM history WHERE undone = 1 ORDER BY seq ASC LIMIT 1")
        };
        let Some(mut step) = tx.query_row(&pick, [], step_from_row).optional().map_err(sql_err("reading the undo history"))? else {
            return Ok(None);
        };
        let order = if undo { "DESC" } else { "ASC" };
        let changes: Vec<(String, String, Option<String>, Option<String>)> = tx
            .prepare(&format!("SELECT tbl, key, before, after FROM history_changes WHERE seq = ?1 ORDER BY ord {order}"))
            .and_then(|mut s| s.query_map([step.seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect())
            .map_err(sql_err("reading the undo history"))?;
        for (tbl, key, before, after) in &changes {
            let t =
                design_table(tbl).ok_or_else(|| StoreError::HistoryMismatch(format!("the history names an unknown table \"{tbl}\"")))?;
            let before = image_row(t, before.as_deref())?;
            let after = image_row(t, after.as_deref())?;
            let (expected, target) = if undo { (&after, &before) } else { (&before, &after) };
            let current = design::read_row(&tx, t, key).map_err(sql_err("reading the design"))?;
            if &current != expected {
                return Err(StoreError::HistoryMismatch(format!("{} \"{key}\" is not as the history recorded it", t.name)));
            }
            apply(&tx, t, key, target)?;
        }
        if let Some(msg) = design::dangling_reference(&tx).map_err(sql_err("checking references"))? {
            return Err(StoreError::HistoryMismatch(msg));
        }
        tx.execute("UPDATE history SET undone = ?2 WHERE seq = ?1", params![step.seq, undo]).map_err(sql_err("saving the undo step"))?;
        stamp(&tx, pending)?;
        commit(tx)?;
        self.stamped();
        step.undone = undo;
        Ok(Some(step))
    }

    /// Makes the design equal to `design` as one undoable edit.
    pub fn replace_design(&mut self, design: &Design) -> Result<()> {
        self.edit("Replace the design", |e| e.replace_design(design))
    }

    // Convenience single-item edits, labelled for the Undo menu.

    /// Edits the project metadata.
    pub fn set_project_info(&mut self, info: &ProjectInfo) -> Result<()> {
        self.edit("Edit project information", |e| e.set_project_info(info))
    }

    /// Edits the settings.
    pub fn set_settings(&mut self, settings: &Settings) -> Result<()> {
        self.edit("Edit settings", |e| e.set_settings(settings))
    }

    /// Adds or replaces a revision.
    pub fn put_revision(&mut self, rev: &Revision) -> Result<()> {
        self.edit(&format!("Revision {}", rev.rev), |e| e.put_revision(rev))
    }

    /// Adds or replaces a room.
    pub fn put_room(&mut self, room: &Room) -> Result<()> {
        self.edit(&format!("Edit room {}", room.id), |e| e.put_room(room))
    }

    /// Removes a room (must be empty).
    pub fn delete_room(&mut self, id: &str) -> Result<()> {
        self.edit(&format!("Delete room {id}"), |e| e.delete_room(id))
    }

    /// Adds or replaces placed equipment.
    pub fn put_equipment(&mut self, item: &PlacedEquipment) -> Result<()> {
        self.edit(&format!("Edit {}", item.tag), |e| e.put_equipment(item))
    }

    /// Removes placed equipment.
    pub fn delete_equipment(&mut self, tag: &str) -> Result<()> {
        self.edit(&format!("Delete {tag}"), |e| e.delete_equipment(tag))
    }

    /// Adds or replaces an IT rack.
    pub fn put_rack(&mut self, rack: &ItRack) -> Result<()> {
        self.edit(&format!("Edit rack {}", rack.tag), |e| e.put_rack(rack))
    }

    /// Adds or replaces a UPS/PCS unit.
    pub fn put_power_unit(&mut self, unit: &PowerUnit) -> Result<()> {
        self.edit(&format!("Edit {}", unit.tag), |e| e.put_power_unit(unit))
    }

    /// Adds or replaces an egress path.
    pub fn put_egress_path(&mut self, path: &EgressPath) -> Result<()> {
        self.edit(&format!("Edit egress path {}", path.id), |e| e.put_egress_path(path))
    }

    /// Copies a catalog entry into the project.
    pub fn put_catalog_record(&mut self, entry: &Record) -> Result<()> {
        self.edit(&format!("Use catalog entry {}", entry.key), |e| e.put_catalog_record(entry))
    }

    /// A catalog entry of the project, decoded as `T`.
    pub fn catalog_entry<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.record_body("catalog_entries", key)
    }

    /// A sizing case of the project, decoded as `T`.
    pub fn sizing_case<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.record_body("sizing_cases", key)
    }

    /// A sizing result of the project, decoded as `T`.
    pub fn sizing_result<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.record_body("sizing_results", key)
    }

    fn record_body<T: serde::de::DeserializeOwned>(&self, table: &str, key: &str) -> Result<Option<T>> {
        let body: Option<String> = self
            .conn
            .query_row(&format!("SELECT body FROM {table} WHERE key = ?1"), [key], |r| r.get(0))
            .optional()
            .map_err(|e| StoreError::sqlite(format!("reading {table}"), e))?;
        body.map(|b| serde_json::from_str(&b).map_err(|source| StoreError::Json { context: format!("reading {table} \"{key}\""), source }))
            .transpose()
    }
}

/// Records this build as the last writer, once per session.
fn stamp(tx: &Transaction<'_>, pending: bool) -> Result<()> {
    if pending {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('written_by', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value <> excluded.value",
            [crate::schema::APP_VERSION],
        )
        .map_err(sql_err("saving the edit"))?;
    }
    Ok(())
}
