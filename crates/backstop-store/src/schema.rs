//! The file format: application id, schema versions and their migrations,
//! and the static description of the design tables that undo/redo and the
//! JSON import work on.
//!
//! **Format invariant:** once released, a migration's SQL never changes. A
//! file's schema must match, object for object and byte for byte, what these
//! migrations create for its `user_version`; anything else (an extra trigger
//! or view, an altered table) is refused before a statement touches it.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

/// `PRAGMA application_id` of every Backstop project: `0x42535450`, the
/// ASCII bytes `BSTP`.
pub const APPLICATION_ID: i32 = 0x4253_5450;

/// The schema version (`PRAGMA user_version`) this build writes.
pub const SCHEMA_VERSION: u32 = 2;

/// The version of the Backstop build, written into files it writes so that
/// a too-new file can say which version made it.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Schema version 1: the first released format. Everything a site needs:
/// metadata and revisions, settings, layout, catalog entries, sizing cases
/// and results, commissioning sessions and step results, sign-offs, the
/// audit log and telemetry.
const V1: &str = r#"
PRAGMA application_id = 1112757328;

CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE project (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    client TEXT NOT NULL,
    site TEXT NOT NULL,
    engineer TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;

CREATE TABLE revisions (
    rev TEXT PRIMARY KEY NOT NULL CHECK (length(rev) > 0),
    issued_on TEXT NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;

CREATE TABLE settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rule_set TEXT,
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;

CREATE TABLE rooms (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
    name TEXT NOT NULL,
    environment TEXT NOT NULL CHECK (environment IN ('indoor', 'outdoor')),
    fire_area TEXT,
    floor_load_kg_m2 REAL NOT NULL,
    height_mm INTEGER NOT NULL CHECK (height_mm >= 0),
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;

CREATE TABLE catalog_entries (
    key TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;

CREATE TABLE equipment (
    tag TEXT PRIMARY KEY NOT NULL CHECK (length(tag) > 0),
    catalog_key TEXT NOT NULL
        REFERENCES catalog_entries (key) DEFERRABLE INITIALLY DEFERRED,
    room_id TEXT NOT NULL
        REFERENCES rooms (id) DEFERRABLE INITIALLY DEFERRED,
    x_mm INTEGER NOT NULL,
    y_mm INTEGER NOT NULL,
    rotation INTEGER NOT NULL CHECK (rotation IN (0, 90, 180, 270)),
    voltage_to_ground_v REAL NOT NULL,
    ampacity_a REAL NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;
CREATE INDEX equipment_room ON equipment (room_id);
CREATE INDEX equipment_catalog ON equipment (catalog_key);

CREATE TABLE it_racks (
    tag TEXT PRIMARY KEY NOT NULL CHECK (length(tag) > 0),
    room_id TEXT NOT NULL
        REFERENCES rooms (id) DEFERRABLE INITIALLY DEFERRED,
    x_mm INTEGER NOT NULL,
    y_mm INTEGER NOT NULL,
    rotation INTEGER NOT NULL CHECK (rotation IN (0, 90, 180, 270)),
    load_kw REAL NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;
CREATE INDEX it_racks_room ON it_racks (room_id);

CREATE TABLE power_units (
    tag TEXT PRIMARY KEY NOT NULL CHECK (length(tag) > 0),
    kind TEXT NOT NULL CHECK (kind IN ('ups', 'pcs')),
    catalog_key TEXT
        REFERENCES catalog_entries (key) DEFERRABLE INITIALLY DEFERRED,
    room_id TEXT NOT NULL
        REFERENCES rooms (id) DEFERRABLE INITIALLY DEFERRED,
    x_mm INTEGER NOT NULL,
    y_mm INTEGER NOT NULL,
    rotation INTEGER NOT NULL CHECK (rotation IN (0, 90, 180, 270)),
    rated_kw REAL NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;
CREATE INDEX power_units_room ON power_units (room_id);
CREATE INDEX power_units_catalog ON power_units (catalog_key);

CREATE TABLE egress_paths (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
    name TEXT NOT NULL,
    width_mm INTEGER NOT NULL CHECK (width_mm >= 0),
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;

CREATE TABLE sizing_cases (
    key TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;

CREATE TABLE sizing_results (
    key TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),
    case_key TEXT NOT NULL
        REFERENCES sizing_cases (key) DEFERRABLE INITIALLY DEFERRED,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body))
) STRICT;
CREATE INDEX sizing_results_case ON sizing_results (case_key);

CREATE TABLE commissioning_sessions (
    id INTEGER PRIMARY KEY,
    template_key TEXT NOT NULL,
    device TEXT NOT NULL,
    engineer TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL,
    ended_at_ms INTEGER,
    outcome TEXT NOT NULL
        CHECK (outcome IN ('in-progress', 'passed', 'failed', 'aborted')),
    details TEXT NOT NULL CHECK (json_valid(details))
) STRICT;

CREATE TABLE step_results (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES commissioning_sessions (id),
    step_key TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    outcome TEXT NOT NULL
        CHECK (outcome IN ('pass', 'fail', 'skipped', 'not-applicable')),
    evidence TEXT NOT NULL CHECK (json_valid(evidence))
) STRICT;
CREATE INDEX step_results_session ON step_results (session_id, step_key);

CREATE TABLE signoffs (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES commissioning_sessions (id),
    at_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    role TEXT NOT NULL,
    outcome TEXT NOT NULL
        CHECK (outcome IN ('accepted', 'accepted-with-remarks', 'rejected')),
    statement TEXT NOT NULL,
    details TEXT NOT NULL CHECK (json_valid(details))
) STRICT;
CREATE INDEX signoffs_session ON signoffs (session_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    device TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('done', 'refused', 'failed')),
    details TEXT NOT NULL CHECK (json_valid(details))
) STRICT;
CREATE INDEX audit_log_time ON audit_log (at_ms);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER signoffs_no_update BEFORE UPDATE ON signoffs
BEGIN SELECT RAISE(ABORT, 'sign-offs cannot be changed'); END;
CREATE TRIGGER signoffs_no_delete BEFORE DELETE ON signoffs
BEGIN SELECT RAISE(ABORT, 'sign-offs cannot be changed'); END;

CREATE TABLE telemetry_points (
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    point TEXT NOT NULL,
    unit TEXT NOT NULL,
    UNIQUE (device, point)
) STRICT;

CREATE TABLE telemetry_chunks (
    id INTEGER PRIMARY KEY,
    point_id INTEGER NOT NULL REFERENCES telemetry_points (id),
    t_start_ms INTEGER NOT NULL,
    t_end_ms INTEGER NOT NULL CHECK (t_end_ms >= t_start_ms),
    samples INTEGER NOT NULL CHECK (samples > 0),
    data BLOB NOT NULL
) STRICT;
CREATE INDEX telemetry_chunks_range ON telemetry_chunks (point_id, t_end_ms);
"#;

/// Schema version 2: the undo/redo history is kept in the file so that it
/// survives closing and reopening the project.
const V2: &str = r#"
CREATE TABLE history (
    seq INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    undone INTEGER NOT NULL CHECK (undone IN (0, 1))
) STRICT;

CREATE TABLE history_changes (
    seq INTEGER NOT NULL REFERENCES history (seq) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    before TEXT CHECK (before IS NULL OR json_valid(before)),
    after TEXT CHECK (after IS NULL OR json_valid(after)),
    PRIMARY KEY (seq, ord)
) STRICT, WITHOUT ROWID;
"#;

/// The SQL of each schema version, oldest first (index 0 is version 1).
const VERSIONS: &[&str] = &[V1, V2];

/// The migrations from an empty file to [`SCHEMA_VERSION`].
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(VERSIONS.iter().map(|sql| M::up(sql)).collect())
}

/// Upgrades a project file from schema `from` to [`SCHEMA_VERSION`], one
/// version per transaction, each starting with the journal guard (so that
/// an interrupted upgrade is rolled back like any interrupted edit), and
/// records this build as the last writer in the last one.
pub(crate) fn upgrade(conn: &mut Connection, from: u32) -> rusqlite::Result<()> {
    for (i, sql) in VERSIONS.iter().enumerate().skip(from as usize) {
        let tx = crate::journal::begin(conn)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        if i + 1 == VERSIONS.len() {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('written_by', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [APP_VERSION],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// One object of a schema: `(type, name, tbl_name, sql)` from `sqlite_schema`.
pub(crate) type SchemaObject = (String, String, String, Option<String>);

/// The statement listing a file's schema objects in a stable order.
pub(crate) const LIST_SCHEMA: &str = "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name";

/// Reads the schema objects of `conn`'s main database.
pub(crate) fn read_schema(conn: &Connection) -> rusqlite::Result<Vec<SchemaObject>> {
    let mut stmt = conn.prepare(LIST_SCHEMA)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    rows.collect()
}

/// The schema objects a genuine file of `version` holds, built by running the
/// migrations on an empty in-memory database (once per version and process).
pub(crate) fn expected_schema(version: u32) -> rusqlite::Result<Vec<SchemaObject>> {
    use std::sync::{Mutex, OnceLock};
    type Cache = Mutex<Vec<(u32, Vec<SchemaObject>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    if let Ok(c) = cache.lock()
        && let Some((_, objs)) = c.iter().find(|(v, _)| *v == version)
    {
        return Ok(objs.clone());
    }
    let mut conn = Connection::open_in_memory()?;
    migrations().to_version(&mut conn, version as usize).map_err(|e| match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => err,
        other => rusqlite::Error::ToSqlConversionFailure(Box::new(other)),
    })?;
    let objs = read_schema(&conn)?;
    if let Ok(mut c) = cache.lock() {
        c.push((version, objs.clone()));
    }
    Ok(objs)
}

/// Statistics tables SQLite's `ANALYZE` may add to any file; they only steer
/// the query planner and are accepted when they have SQLite's own definition.
pub(crate) fn is_stat_table(obj: &SchemaObject) -> bool {
    matches!(
        (obj.0.as_str(), obj.1.as_str(), obj.3.as_deref()),
        ("table", "sqlite_stat1", Some("CREATE TABLE sqlite_stat1(tbl,idx,stat)"))
            | ("table", "sqlite_stat4", Some("CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)"))
    )
}

/// How the key of a design table is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    /// An integer key (the singleton tables use `id = 1`).
    Integer,
    /// A text key.
    Text,
}

/// A table whose rows are part of the design: edits to it go through the
/// undo history and it is written by JSON import.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DesignTable {
    /// Table name.
    pub name: &'static str,
    /// Primary-key column.
    pub key: &'static str,
    /// How the key is typed.
    pub key_type: KeyType,
    /// All columns, key first.
    pub columns: &'static [&'static str],
}

/// The design tables, parents before children.
pub(crate) const DESIGN_TABLES: &[DesignTable] = &[
    DesignTable {
        name: "project",
        key: "id",
        key_type: KeyType::Integer,
        columns: &["id", "name", "client", "site", "engineer", "created_at_ms", "body"],
    },
    DesignTable { name: "revisions", key: "rev", key_type: KeyType::Text, columns: &["rev", "issued_on", "body"] },
    DesignTable { name: "settings", key: "id", key_type: KeyType::Integer, columns: &["id", "rule_set", "body"] },
    DesignTable {
        name: "rooms",
        key: "id",
        key_type: KeyType::Text,
        columns: &["id", "name", "environment", "fire_area", "floor_load_kg_m2", "height_mm", "body"],
    },
    DesignTable { name: "catalog_entries", key: "key", key_type: KeyType::Text, columns: &["key", "kind", "name", "body"] },
    DesignTable {
        name: "equipment",
        key: "tag",
        key_type: KeyType::Text,
        columns: &["tag", "catalog_key", "room_id", "x_mm", "y_mm", "rotation", "voltage_to_ground_v", "ampacity_a", "body"],
    },
    DesignTable {
        name: "it_racks",
        key: "tag",
        key_type: KeyType::Text,
        columns: &["tag", "room_id", "x_mm", "y_mm", "rotation", "load_kw", "body"],
    },
    DesignTable {
        name: "power_units",
        key: "tag",
        key_type: KeyType::Text,
        columns: &["tag", "kind", "catalog_key", "room_id", "x_mm", "y_mm", "rotation", "rated_kw", "body"],
    },
    DesignTable { name: "egress_paths", key: "id", key_type: KeyType::Text, columns: &["id", "name", "width_mm", "body"] },
    DesignTable { name: "sizing_cases", key: "key", key_type: KeyType::Text, columns: &["key", "kind", "name", "body"] },
    DesignTable { name: "sizing_results", key: "key", key_type: KeyType::Text, columns: &["key", "case_key", "kind", "name", "body"] },
];

/// The design table called `name`, if there is one.
pub(crate) fn design_table(name: &str) -> Option<&'static DesignTable> {
    DESIGN_TABLES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid_and_reach_the_current_version() {
        migrations().validate().unwrap();
        assert_eq!(VERSIONS.len(), SCHEMA_VERSION as usize);
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
        assert_eq!(app_id, APPLICATION_ID);
        let v: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn design_tables_match_the_schema() {
        let conn = Connection::open_in_memory().unwrap();
        let mut conn = conn;
        migrations().to_latest(&mut conn).unwrap();
        for t in DESIGN_TABLES {
            let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", t.name)).unwrap();
            let cols: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(1)).unwrap().map(|c| c.unwrap()).collect();
            assert_eq!(cols, t.columns, "columns of {}", t.name);
            assert_eq!(t.columns[0], t.key);
        }
    }

    #[test]
    fn application_id_constant_matches_the_sql() {
        assert!(V1.contains(&format!("PRAGMA application_id = {APPLICATION_ID};")));
        assert_eq!(&APPLICATION_ID.to_be_bytes(), b"BSTP");
    }
}
