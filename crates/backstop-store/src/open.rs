//! Opening files Backstop may not have made: header probe, defensive
//! connection settings, schema verification and SQLite error classification.
//!
//! Order of checks, cheapest and safest first:
//! 1. the file system (missing, directory, empty, unreadable);
//! 2. the 100-byte SQLite header read by plain file I/O, before SQLite sees
//!    the file (magic, application id, schema version, page size, truncation);
//! 3. a connection with `SQLITE_DBCONFIG_DEFENSIVE`, `trusted_schema=OFF`,
//!    triggers and views disabled, `cell_size_check=ON`, `mmap_size=0`;
//! 4. the schema compared object by object with what our migrations create;
//! 5. `PRAGMA quick_check`;
//! 6. only then triggers are enabled (they are now known to be ours).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::error::{Result, StoreError};
use crate::schema::{self, APPLICATION_ID, SCHEMA_VERSION};

/// The SQLite header fields the store looks at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    /// `PRAGMA user_version`.
    pub user_version: u32,
}

/// Size of the SQLite database header.
const HEADER_LEN: usize = 100;
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The rollback journal SQLite keeps next to `path` during a transaction.
pub(crate) fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-journal");
    PathBuf::from(name)
}

/// True when a rollback journal that SQLite would take for hot lies next
/// to `path`: it exists and its first byte is not zero. (With full sync,
/// SQLite writes a journal's header zeroed and fills it in when it syncs;
/// a journal whose header is still zero was never synced, the file was not
/// written yet, and SQLite ignores it.)
pub(crate) fn has_journal(path: &Path) -> bool {
    let mut first = [0u8; 1];
    File::open(journal_path(path)).and_then(|mut f| f.read_exact(&mut first)).is_ok() && first[0] != 0
}

/// Steps 1 and 2: classifies the file from the file system and its header,
/// without SQLite. Never writes.
pub(crate) fn probe(path: &Path) -> Result<Header> {
    // A folder, a named pipe or a device is named as such (a FIFO would
    // block the reader; /dev/zero looks like an empty file).
    let (mut file, meta) = crate::files::open_regular(path)?;
    if meta.len() == 0 {
        return Err(StoreError::EmptyFile { path: path.to_owned() });
    }
    let mut head = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(StoreError::io("read", path, e)),
        }
    }
    let magic_len = got.min(MAGIC.len());
    if head[..magic_len] != MAGIC[..magic_len] {
        return Err(StoreError::NotSqlite { path: path.to_owned() });
    }
    let damaged = |reason: String, recoverable: bool| StoreError::Damaged { path: path.to_owned(), reason, recoverable };
    if got < HEADER_LEN {
        return Err(damaged(format!("it is cut off after {got} bytes, inside the file header"), false));
    }
    let be32 = |o: usize| u32::from_be_bytes([head[o], head[o + 1], head[o + 2], head[o + 3]]);
    let application_id = be32(68) as i32;
    if application_id != APPLICATION_ID {
        return Err(StoreError::ForeignSqlite { path: path.to_owned(), application_id });
    }
    let raw_page_size = u32::from(u16::from_be_bytes([head[16], head[17]]));
    let page_size = if raw_page_size == 1 { 65_536 } else { raw_page_size };
    if !(512..=65_536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(damaged(format!("its header gives an impossible page size ({raw_page_size})"), false));
    }
    if head[18] != 1 || head[19] != 1 {
        return Err(StoreError::UnexpectedSchema {
            path: path.to_owned(),
            detail: "it uses write-ahead logging; Backstop projects use a rollback journal".into(),
        });
    }
    let user_version = be32(60);
    if user_version == 0 {
        return Err(damaged("its creation never finished (no schema version)".into(), false));
    }
    let page_count = be32(28);
    let counter_valid = be32(24) == be32(92);
    if counter_valid && page_count > 0 && !has_journal(path) {
        let needed = u64::from(page_count) * u64::from(page_size);
        if meta.len() < needed {
            return Err(damaged(format!("it is truncated: {} bytes of {needed} are present", meta.len()), true));
        }
    }
    Ok(Header { user_version })
}

/// How a connection may touch its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `SQLITE_OPEN_READ_ONLY`: never writes the file or creates a journal.
    ReadOnly,
    /// Read-write on an existing file (never creates it).
    ReadWrite,
    /// Read-write, creating the file.
    Create,
}

/// Step 3: a connection with the defensive settings, triggers and views off.
pub(crate) fn connect(path: &Path, mode: Mode) -> rusqlite::Result<Connection> {
    let flags = match mode {
        Mode::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY,
        Mode::ReadWrite => OpenFlags::SQLITE_OPEN_READ_WRITE,
        Mode::Create => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    harden(&conn)?;
    Ok(conn)
}

/// The defensive settings for any connection to a project file.
pub(crate) fn harden(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_ATTACH_CREATE, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_ATTACH_WRITE, false)?;
    conn.pragma_update(None, "trusted_schema", false)?;
    conn.pragma_update(None, "cell_size_check", true)?;
    conn.pragma_update(None, "mmap_size", 0)?;
    conn.busy_timeout(Duration::from_secs(3))?;
    Ok(())
}

/// Steps 4 and 5 on an open connection: schema identical to what the
/// migrations create for `version`, then `quick_check`.
pub(crate) fn verify(conn: &Connection, path: &Path, version: u32) -> Result<()> {
    let found = schema::read_schema(conn).map_err(|e| classify(path, e, "reading the schema"))?;
    let expected = schema::expected_schema(version).map_err(|e| StoreError::sqlite("building the expected schema", e))?;
    let found: Vec<_> = found.into_iter().filter(|o| !schema::is_stat_table(o)).collect();
    for obj in &found {
        match expected.iter().find(|e| e.0 == obj.0 && e.1 == obj.1) {
            None => {
                return Err(StoreError::UnexpectedSchema {
                    path: path.to_owned(),
                    detail: format!("it contains a {} named \"{}\" that Backstop never creates", obj.0, obj.1),
                });
            }
            Some(e) if e != obj => {
                return Err(StoreError::UnexpectedSchema {
                    path: path.to_owned(),
                    detail: format!("the definition of {} \"{}\" was changed", obj.0, obj.1),
                });
            }
            Some(_) => {}
        }
    }
    if let Some(missing) = expected.iter().find(|e| !found.contains(e)) {
        return Err(StoreError::UnexpectedSchema { path: path.to_owned(), detail: format!("{} \"{}\" is missing", missing.0, missing.1) });
    }
    let mut stmt = conn.prepare("PRAGMA quick_check(20)").map_err(|e| classify(path, e, "checking the file"))?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| classify(path, e, "checking the file"))?;
    if problems != ["ok"] {
        return Err(StoreError::Damaged { path: path.to_owned(), reason: integrity_reason(&problems), recoverable: true });
    }
    Ok(())
}

/// The outcome of SQLite's integrity check as a reason in words: how many
/// problems and the first few, without SQLite's banner lines.
pub(crate) fn integrity_reason(problems: &[String]) -> String {
    let found: Vec<&str> = problems.iter().map(|p| p.trim()).filter(|p| !p.is_empty() && !p.starts_with("***")).collect();
    let first: Vec<String> = found
        .iter()
        .take(3)
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
        })
        .collect();
    let n = found.len();
    format!(
        "SQLite's integrity check found {n} problem{} in its internal structure ({}{})",
        if n == 1 { "" } else { "s" },
        first.join("; "),
        if n > first.len() { "; …" } else { "" }
    )
}

/// Step 6: after [`verify`], the triggers in the file are ours.
pub(crate) fn enable_own_triggers(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Settings for a connection that writes: rollback journal, full sync.
pub(crate) fn writer_settings(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(rusqlite::Error::InvalidQuery);
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Freed cell content is zeroed, so a page never holds a stale copy of
    // the journal guard (see `journal`).
    conn.pragma_update(None, "secure_delete", "FAST")?;
    Ok(())
}

/// The schema version SQLite reports for `conn` (same bytes as the header).
pub(crate) fn user_version(conn: &Connection, path: &Path) -> Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map_err(|e| classify(path, e, "reading the schema version"))
        .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
}

/// Best effort: the version of Backstop that last wrote a file, read with
/// triggers and views off, only when `meta` is a plain table.
pub(crate) fn written_by(conn: &Connection) -> Option<String> {
    let kind: String = conn.query_row("SELECT type FROM sqlite_schema WHERE name = 'meta'", [], |r| r.get(0)).ok()?;
    if kind != "table" {
        return None;
    }
    conn.query_row("SELECT value FROM meta WHERE key = 'written_by'", [], |r| r.get::<_, String>(0))
        .ok()
        .filter(|v| v.len() < 64 && v.chars().all(|c| c.is_ascii_graphic()))
}

/// The error for a file whose schema is newer than this build.
pub(crate) fn too_new(path: &Path, file_schema: u32, made_by: Option<String>) -> StoreError {
    StoreError::TooNew {
        path: path.to_owned(),
        made_by: made_by.unwrap_or_else(|| "a newer version".to_owned()),
        file_schema,
        supported_schema: SCHEMA_VERSION,
        this_version: crate::schema::APP_VERSION.to_owned(),
    }
}

/// Maps an SQLite error met while opening or reading `path` to the case the
/// engineer can act on.
pub(crate) fn classify(path: &Path, err: rusqlite::Error, context: &str) -> StoreError {
    use rusqlite::ErrorCode as C;
    let Some(e) = err.sqlite_error() else {
        if let Some(detail) = crate::error::decoding_problem(&err) {
            return StoreError::Damaged {
                path: path.to_owned(),
                reason: format!("a record cannot be read while {context}: {detail}"),
                recoverable: true,
            };
        }
        return StoreError::sqlite(context, err);
    };
    let path = path.to_owned();
    match e.code {
        C::NotADatabase => StoreError::Damaged { path, reason: "SQLite does not recognise its contents".into(), recoverable: false },
        C::DatabaseCorrupt => {
            StoreError::Damaged { path, reason: format!("SQLite found corrupted data while {context}"), recoverable: true }
        }
        // SQLITE_READONLY_ROLLBACK: a hot journal on a read-only connection.
        C::ReadOnly if e.extended_code == 776 => StoreError::InterruptedEdit { path },
        C::ReadOnly => StoreError::ReadOnlyLocation { path },
        C::DiskFull => StoreError::DiskFull { path },
        C::PermissionDenied => StoreError::PermissionDenied { path },
        C::CannotOpen => {
            if std::fs::metadata(&path).is_ok() {
                StoreError::PermissionDenied { path }
            } else {
                StoreError::NotFound { path }
            }
        }
        C::DatabaseBusy | C::DatabaseLocked => StoreError::Busy { path },
        _ => StoreError::sqlite(context, err),
    }
}
