//! How much a project file may carry: the length of every text, the number
//! of items in every list, the size of every JSON body and the number of
//! rows of every table. Far above what any real site needs, and low enough
//! that no file can make opening, checking or reporting take minutes and
//! gigabytes (a 1 MB project name once took 5.5 s and 1.15 GB to report).
//!
//! Checked on every edit and append ([`StoreError::Invalid`] naming the
//! field) and on every open ([`StoreError::OverLimit`], the file is refused
//! naming the field). Typed fields that identify things (keys, names) have
//! their own limits; every other text anywhere in an item, a record body or
//! a JSON details column falls under [`TEXT_CHARS`], every list under
//! [`LIST_ITEMS`].

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

use backstop_model::project::Design;

use crate::error::{Result, StoreError};

/// Keys, tags, ids and references (`B1`, `BC-01`, `cab-372`).
pub const KEY_CHARS: usize = 100;
/// Names and one-line fields (project, client, site, engineer, room name).
pub const NAME_CHARS: usize = 200;
/// An address.
pub const ADDRESS_CHARS: usize = 1_000;
/// Any other text: notes, descriptions, statements, text inside records.
pub const TEXT_CHARS: usize = 20_000;
/// Items in any one list inside an item or record (vertices, doors, points
/// of a chart, lines of a calculation sheet).
pub const LIST_ITEMS: usize = 100_000;
/// Nesting depth of any JSON body.
pub const NESTING: usize = 32;
/// JSON of one design item or record, bytes.
pub const BODY_BYTES: usize = 4 * 1024 * 1024;
/// JSON of a stored load profile (its CSV text inside) or power trace (its
/// samples as text), bytes.
pub const PROFILE_BODY_BYTES: usize = 80 * 1024 * 1024;
/// The record kind of stored load profiles (their CSV is one long text).
pub const LOAD_PROFILE_KIND: &str = backstop_model::sizing_view::LOAD_PROFILE_KIND;

/// Most rows per table, with what the rows are called.
pub const TABLE_ROWS: &[(&str, &str, u64)] = &[
    ("revisions", "revisions", 1_000),
    ("rooms", "rooms", 1_000),
    ("equipment", "pieces of equipment", 10_000),
    ("it_racks", "IT racks", 10_000),
    ("power_units", "UPS/PCS units", 2_000),
    ("egress_paths", "egress paths", 1_000),
    ("catalog_entries", "catalog entries", 5_000),
    ("sizing_cases", "sizing cases and profiles", 2_000),
    ("sizing_results", "sizing results", 2_000),
    ("commissioning_sessions", "commissioning sessions", 10_000),
    ("step_results", "step results", 1_000_000),
    ("signoffs", "sign-offs", 10_000),
    ("audit_log", "audit log entries", 1_000_000),
    ("telemetry_points", "telemetry points", 100_000),
];

/// Text and JSON columns checked in SQL on open, before anything is
/// decoded: (table, column, what, most characters or bytes).
const RECORD_COLUMNS: &[(&str, &str, &str, usize)] = &[
    ("project", "body", "the project information", BODY_BYTES),
    ("revisions", "body", "a revision", BODY_BYTES),
    ("settings", "body", "the settings", BODY_BYTES),
    ("rooms", "body", "a room", BODY_BYTES),
    ("equipment", "body", "a piece of equipment", BODY_BYTES),
    ("it_racks", "body", "an IT rack", BODY_BYTES),
    ("power_units", "body", "a UPS/PCS unit", BODY_BYTES),
    ("egress_paths", "body", "an egress path", BODY_BYTES),
    ("catalog_entries", "body", "a catalog entry", BODY_BYTES),
    ("sizing_cases", "body", "a sizing case or profile", PROFILE_BODY_BYTES),
    ("sizing_results", "body", "a sizing result", BODY_BYTES),
    ("meta", "value", "a file property", 8_192),
    ("commissioning_sessions", "template_key", "a session's checklist", KEY_CHARS),
    ("commissioning_sessions", "device", "a session's device", NAME_CHARS),
    ("commissioning_sessions", "engineer", "a session's engineer", NAME_CHARS),
    ("commissioning_sessions", "details", "a session's details", BODY_BYTES),
    ("step_results", "step_key", "a step's key", KEY_CHARS),
    ("step_results", "who", "who recorded a step", NAME_CHARS),
    ("step_results", "evidence", "a step's evidence", BODY_BYTES),
    ("signoffs", "who", "who signed off", NAME_CHARS),
    ("signoffs", "role", "a sign-off's role", NAME_CHARS),
    ("signoffs", "statement", "a sign-off statement", TEXT_CHARS),
    ("signoffs", "details", "a sign-off's details", BODY_BYTES),
    ("audit_log", "who", "who wrote to a pack", NAME_CHARS),
    ("audit_log", "device", "an audited device", NAME_CHARS),
    ("audit_log", "action", "an audited action", NAME_CHARS),
    ("audit_log", "target", "an audited target", NAME_CHARS),
    ("audit_log", "details", "an audit entry's details", BODY_BYTES),
    ("telemetry_points", "device", "a telemetry device", NAME_CHARS),
    ("telemetry_points", "point", "a telemetry point", NAME_CHARS),
    ("telemetry_points", "unit", "a telemetry unit", NAME_CHARS),
    ("telemetry_chunks", "data", "a telemetry chunk", 1024 * 1024),
    ("history", "label", "an undo step's label", NAME_CHARS),
    ("history", "who", "who made an undo step", NAME_CHARS),
    ("history_changes", "before", "an undo image", PROFILE_BODY_BYTES + BODY_BYTES),
    ("history_changes", "after", "an undo image", PROFILE_BODY_BYTES + BODY_BYTES),
];

/// Refuses a text longer than `limit` characters; `what` names the field.
pub(crate) fn text(what: &str, value: &str, limit: usize) -> Result<()> {
    // Bytes first: at most 4 per character, so most texts need no count.
    if value.len() <= limit {
        return Ok(());
    }
    let n = value.chars().count();
    if n > limit {
        return Err(StoreError::Invalid(format!(
            "{what} is {} characters long; a project keeps at most {} — shorten it",
            group(n as u64),
            group(limit as u64)
        )));
    }
    Ok(())
}

/// Thousands separated by commas.
pub(crate) fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Refuses a JSON value with a text longer than [`TEXT_CHARS`] (or
/// `long_text` for fields named `csv`, the CSV of a stored profile), a list
/// longer than [`LIST_ITEMS`] or nesting deeper than [`NESTING`]. The
/// message names `what` and the place inside it.
pub(crate) fn value(what: &str, v: &Value, long_text: usize) -> Result<()> {
    let mut path = String::new();
    match walk(v, &mut path, 0, long_text) {
        None => Ok(()),
        Some(problem) => {
            let at = if path.is_empty() { String::new() } else { format!(" (at {path})") };
            Err(StoreError::Invalid(format!("{what}{at}: {problem}")))
        }
    }
}

fn walk(v: &Value, path: &mut String, depth: usize, long_text: usize) -> Option<String> {
    if depth > NESTING {
        return Some(format!("it is nested more than {NESTING} levels deep"));
    }
    match v {
        Value::String(s) => {
            let limit = if path.ends_with(".csv") { long_text } else { TEXT_CHARS };
            text("a text", s, limit).err().map(|e| match e {
                StoreError::Invalid(m) => m,
                other => other.to_string(),
            })
        }
        Value::Array(items) => {
            if items.len() > LIST_ITEMS {
                return Some(format!(
                    "a list has {} items; a project keeps at most {}",
                    group(items.len() as u64),
                    group(LIST_ITEMS as u64)
                ));
            }
            let len = path.len();
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                if let Some(p) = walk(item, path, depth + 1, long_text) {
                    return Some(p);
                }
                path.truncate(len);
            }
            None
        }
        Value::Object(map) => {
            if map.len() > LIST_ITEMS {
                return Some(format!("an object has {} fields", group(map.len() as u64)));
            }
            let len = path.len();
            for (k, item) in map {
                if let Some(p) = text("a field name", k, NAME_CHARS).err() {
                    return Some(p.to_string());
                }
                path.push('.');
                path.push_str(k);
                if let Some(p) = walk(item, path, depth + 1, long_text) {
                    return Some(p);
                }
                path.truncate(len);
            }
            None
        }
        _ => None,
    }
}

/// Refuses a JSON text body larger than `max_bytes` or whose value breaks
/// the limits of [`value`].
pub(crate) fn body(what: &str, json: &str, max_bytes: usize) -> Result<()> {
    if json.len() > max_bytes {
        return Err(StoreError::Invalid(format!(
            "{what} is {} bytes of JSON; a project keeps at most {} per item",
            group(json.len() as u64),
            group(max_bytes as u64)
        )));
    }
    let v: Value = serde_json::from_str(json).map_err(|source| StoreError::Json { context: format!("{what} is not JSON"), source })?;
    value(what, &v, max_bytes)
}

/// The JSON size limit of a record of `kind`.
pub(crate) fn body_bytes(kind: &str) -> usize {
    if backstop_model::sizing_view::is_case_data_kind(kind) { PROFILE_BODY_BYTES } else { BODY_BYTES }
}

/// Refuses a table that would hold more rows than [`TABLE_ROWS`] allows.
pub(crate) fn rows(table: &str, count: u64) -> Result<()> {
    match TABLE_ROWS.iter().find(|(t, ..)| *t == table) {
        Some((_, what, max)) if count > *max => {
            Err(StoreError::Invalid(format!("the project would hold {} {what}; a project keeps at most {}", group(count), group(*max))))
        }
        _ => Ok(()),
    }
}

/// Refuses a table of `conn` holding more rows than allowed. Cheap for
/// append-only tables: the largest row id bounds the count.
pub(crate) fn table_rows(conn: &Connection, table: &str) -> Result<()> {
    let Some((_, _, max)) = TABLE_ROWS.iter().find(|(t, ..)| *t == table) else { return Ok(()) };
    let sql_err = |e| StoreError::sqlite(format!("counting {table}"), e);
    let has_rowid = !matches!(table, "meta" | "history_changes");
    if has_rowid {
        let top: Option<i64> = conn.query_row(&format!("SELECT max(rowid) FROM {table}"), [], |r| r.get(0)).map_err(sql_err)?;
        if top.unwrap_or(0) <= *max as i64 {
            return Ok(());
        }
    }
    let n: i64 =
        conn.query_row(&format!("SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {})", max + 1), [], |r| r.get(0)).map_err(sql_err)?;
    rows(table, n.max(0) as u64)
}

/// Every limit of a whole design: each item's fields and lists (see
/// `DesignItem::limits`) and the number of items per table.
pub(crate) fn design(d: &Design) -> Result<()> {
    use crate::design::{CatalogRow, DesignItem, SizingCaseRow};
    for (table, n) in [
        ("revisions", d.revisions.len()),
        ("rooms", d.layout.rooms.len()),
        ("equipment", d.layout.equipment.len()),
        ("it_racks", d.layout.racks.len()),
        ("power_units", d.layout.power_units.len()),
        ("egress_paths", d.layout.egress_paths.len()),
        ("catalog_entries", d.catalog.len()),
        ("sizing_cases", d.sizing_cases.len()),
        ("sizing_results", d.sizing_results.len()),
    ] {
        rows(table, n as u64)?;
    }
    d.project.limits()?;
    d.settings.limits()?;
    d.revisions.iter().try_for_each(DesignItem::limits)?;
    d.layout.rooms.iter().try_for_each(DesignItem::limits)?;
    d.layout.equipment.iter().try_for_each(DesignItem::limits)?;
    d.layout.racks.iter().try_for_each(DesignItem::limits)?;
    d.layout.power_units.iter().try_for_each(DesignItem::limits)?;
    d.layout.egress_paths.iter().try_for_each(DesignItem::limits)?;
    d.catalog.iter().try_for_each(|r| CatalogRow(r.clone()).limits())?;
    d.sizing_cases.iter().try_for_each(|r| SizingCaseRow(r.clone()).limits())?;
    d.sizing_results.iter().try_for_each(DesignItem::limits)
}

/// The limits of the record tables (commissioning, audit, telemetry,
/// history, file properties), checked in SQL: text and JSON column sizes
/// and row counts.
pub(crate) fn records(conn: &Connection) -> Result<()> {
    for (table, column, what, limit) in RECORD_COLUMNS {
        let sql = format!("SELECT length({column}) FROM {table} WHERE length({column}) > {limit} LIMIT 1");
        let over: Option<i64> =
            conn.query_row(&sql, [], |r| r.get(0)).optional().map_err(|e| StoreError::sqlite(format!("checking {table}"), e))?;
        if let Some(n) = over {
            return Err(StoreError::Invalid(format!(
                "{what} is {} characters long; a project keeps at most {}",
                group(n.max(0) as u64),
                group(*limit as u64)
            )));
        }
    }
    for (table, ..) in TABLE_ROWS {
        table_rows(conn, table)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_and_the_limit() {
        let e = text("the project name", &"x".repeat(201), NAME_CHARS).unwrap_err().to_string();
        assert_eq!(e, "the project name is 201 characters long; a project keeps at most 200 — shorten it");
        // Characters, not bytes.
        text("a name", &"é".repeat(200), NAME_CHARS).unwrap();
        let v = serde_json::json!({"sheet": {"sections": [{"note": "n".repeat(TEXT_CHARS + 1)}]}});
        let e = value("sizing result \"r1\"", &v, TEXT_CHARS).unwrap_err().to_string();
        assert!(e.starts_with("sizing result \"r1\" (at .sheet.sections[0].note): a text is 20,001 characters"), "{e}");
        let v = serde_json::json!({"points": vec![0; LIST_ITEMS + 1]});
        let e = value("a chart", &v, TEXT_CHARS).unwrap_err().to_string();
        assert!(e.contains("(at .points): a list has 100,001 items"), "{e}");
        let mut deep = serde_json::json!(1);
        for _ in 0..40 {
            deep = serde_json::json!([deep]);
        }
        assert!(value("x", &deep, TEXT_CHARS).unwrap_err().to_string().contains("nested more than 32"));
        // A stored profile's CSV may be long; nothing else in it may.
        let v = serde_json::json!({"file_name": "load.csv", "csv": "1\n".repeat(50_000)});
        value("a profile", &v, PROFILE_BODY_BYTES).unwrap();
        assert_eq!(body_bytes(LOAD_PROFILE_KIND), PROFILE_BODY_BYTES);
        assert_eq!(body_bytes(backstop_model::sizing_view::POWER_TRACE_KIND), PROFILE_BODY_BYTES);
        assert_eq!(body_bytes("smooth-case"), BODY_BYTES);
        assert!(rows("rooms", 1_001).unwrap_err().to_string().contains("1,001 rooms; a project keeps at most 1,000"));
        assert_eq!(group(1_234_567), "1,234,567");
    }
}
