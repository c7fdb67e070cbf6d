//! [`Project`]: one open project file. New, open, Save As, close, and the
//! read side of the design.

use std::path::{Path, PathBuf};

use rusqlite::backup::Backup;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use backstop_model::project::{Design, ProjectInfo, Settings};

use crate::error::{Result, StoreError};
use crate::journal::{self, Verdict};
use crate::lock::{LockOwner, LockPolicy, WriterLock, current_user, lock_holder};
use crate::open::{self, Mode};
use crate::schema::{self, APP_VERSION, SCHEMA_VERSION};

/// Whether a project is opened to edit it or only to look at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Take the writer lock; every edit is saved at once.
    #[default]
    Edit,
    /// Read only. The file's bytes never change and no lock is taken.
    View,
}

/// What to do with a file of an older schema version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Migration {
    /// Refuse with [`StoreError::NeedsMigration`] so the caller can ask the
    /// engineer. (Viewing an older file never needs this: it is upgraded in
    /// memory and the file stays as it is.)
    #[default]
    Refuse,
    /// The engineer confirmed: write a backup copy next to the file, then
    /// upgrade the file in one transaction.
    BackupThenMigrate,
}

/// How to open a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenOptions {
    /// Edit or view.
    pub access: Access,
    /// Older files: refuse or migrate after a backup.
    pub migration: Migration,
    /// Locks of other instances: respect or break.
    pub lock: LockPolicy,
}

impl OpenOptions {
    /// Open for editing; refuse older files and held locks.
    pub fn edit() -> Self {
        OpenOptions::default()
    }

    /// Open for viewing only.
    pub fn view() -> Self {
        OpenOptions { access: Access::View, ..OpenOptions::default() }
    }
}

/// How to create a new file (new project, Save As).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CreateOptions {
    /// Replace an existing file at the target path (after the engineer
    /// confirmed in the save dialog). A file open in another instance is
    /// never replaced.
    pub replace_existing: bool,
}

/// A migration that was carried out while opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationReport {
    /// Schema version of the file before.
    pub from: u32,
    /// Schema version after.
    pub to: u32,
    /// The untouched copy of the file as it was, next to it.
    pub backup: PathBuf,
}

/// What happened while opening, for the engineer to know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OpenReport {
    /// A lock left behind by a crashed instance was taken over.
    pub took_over_lock: Option<LockOwner>,
    /// The file had been left in the middle of an edit; that unfinished
    /// edit was rolled back (every completed edit is kept).
    pub rolled_back_interrupted_edit: bool,
    /// The file was upgraded to the current schema.
    pub migrated: Option<MigrationReport>,
    /// The file is older and is shown upgraded in memory; the file itself
    /// is unchanged.
    pub viewing_upgraded_copy: bool,
    /// The file was left in the middle of an edit; what is shown is a
    /// private copy with that edit rolled back. The file itself is
    /// unchanged until it is opened for editing.
    pub interrupted_edit_rolled_back_in_copy: bool,
    /// This is a recovered copy of a damaged file (see [`Project::recover`]).
    pub recovered: Option<crate::recover::RecoveryReport>,
}

/// Counts and facts about a project, for `backstop project info` and the
/// about panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectSummary {
    /// The file.
    pub path: PathBuf,
    /// Size of the file, bytes.
    pub file_bytes: u64,
    /// Project metadata.
    pub info: ProjectInfo,
    /// Schema version of the file.
    pub schema_version: u32,
    /// Backstop version that created the file.
    pub created_by: Option<String>,
    /// Backstop version that last wrote it.
    pub written_by: Option<String>,
    /// Rooms, equipment, racks, UPS/PCS units, egress paths.
    pub layout_counts: [u64; 5],
    /// Catalog entries copied into the project.
    pub catalog_entries: u64,
    /// Sizing cases and results.
    pub sizing: [u64; 2],
    /// Commissioning sessions, step results, sign-offs.
    pub commissioning: [u64; 3],
    /// Audit log entries.
    pub audit_entries: u64,
    /// Telemetry points, chunks, samples.
    pub telemetry: [u64; 3],
    /// Undo steps available / redo steps available.
    pub history: [u64; 2],
    /// Who has the project open for editing, if anyone.
    pub locked_by: Option<LockOwner>,
    /// The file was left in the middle of an edit; these facts (and a
    /// check) describe it with that edit rolled back, as opening it for
    /// editing will leave it.
    pub interrupted_edit_pending: bool,
}

/// An open project file.
///
/// Every edit is one SQLite transaction in rollback-journal mode with full
/// sync: when an edit method returns `Ok`, the change is on disk. There is
/// no save step and no unsaved state.
pub struct Project {
    pub(crate) conn: Connection,
    path: PathBuf,
    access: Access,
    _lock: Option<WriterLock>,
    report: OpenReport,
    stamped: bool,
    pub(crate) who: String,
    /// A file to delete on close (recovered copies live in a temp file).
    remove_on_close: Option<PathBuf>,
}

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Project").field("path", &self.path).field("access", &self.access).finish()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        if let Some(p) = self.remove_on_close.take() {
            let _ = std::fs::remove_file(&p);
            let _ = std::fs::remove_file(open::journal_path(&p));
        }
    }
}

/// Checks that a file may be written at `target`.
fn check_target(target: &Path, options: &CreateOptions) -> Result<()> {
    if target.to_str().is_none() {
        return Err(StoreError::UnsupportedPath { path: target.to_owned() });
    }
    crate::files::check_writable_target(target)?;
    match std::fs::metadata(target) {
        // An empty file (an interrupted copy, a `touch`) holds nothing to
        // keep; it never blocks creating a project.
        Ok(m) if m.len() > 0 && !options.replace_existing => {
            return Err(StoreError::AlreadyExists { path: target.to_owned() });
        }
        _ => {}
    }
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    match std::fs::metadata(parent) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(StoreError::NotFound { path: parent.to_owned() }),
        Err(e) => Err(StoreError::io("use the folder", parent, e)),
    }
}

/// Maps an error met while writing `path` (new file, copy).
fn write_error(path: &Path, e: rusqlite::Error, context: &str) -> StoreError {
    if let Some(code) = e.sqlite_error_code() {
        match code {
            rusqlite::ErrorCode::DiskFull => return StoreError::DiskFull { path: path.to_owned() },
            rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen => {
                return StoreError::ReadOnlyLocation { path: path.to_owned() };
            }
            // A failed write or sync (a full disk or file-size limit shows
            // up this way too): the engineer can act on it.
            rusqlite::ErrorCode::SystemIoFailure => {
                return StoreError::Io {
                    action: "write",
                    path: path.to_owned(),
                    source: std::io::Error::other(format!(
                        "{e}; the disk may be full or the file too large for the drive — free some space or choose another drive (the open project is unchanged)"
                    )),
                };
            }
            _ => {}
        }
    }
    StoreError::sqlite(context, e)
}

impl Project {
    /// Creates a new project file at `path` for `info` and opens it for
    /// editing. The file appears complete or not at all: it is built under a
    /// temporary name beside the target and renamed into place.
    pub fn create(path: &Path, info: &ProjectInfo, options: &CreateOptions) -> Result<Project> {
        Project::create_with(path, info, options, |_| Ok(()))
    }

    /// Like [`Project::create`], with `fill` run on the new project before
    /// it appears at `path` (an import writes the whole design there): a
    /// kill at any moment leaves no file, or the complete one.
    pub fn create_with(
        path: &Path,
        info: &ProjectInfo,
        options: &CreateOptions,
        fill: impl FnOnce(&mut Project) -> Result<()>,
    ) -> Result<Project> {
        let lock = Project::build(path, info, options, SCHEMA_VERSION, fill)?;
        Project::open_with(path, &OpenOptions::edit(), Some(lock))
    }

    /// Writes a new file in an older schema version, exactly as that
    /// version of Backstop created it. Used by the migration tests (a file
    /// of every past version must open and upgrade); not for the app.
    #[doc(hidden)]
    pub fn create_in_old_format(path: &Path, info: &ProjectInfo, version: u32) -> Result<()> {
        if version == 0 || version > SCHEMA_VERSION {
            return Err(StoreError::Invalid(format!("there is no schema version {version}")));
        }
        Project::build(path, info, &CreateOptions::default(), version, |_| Ok(())).map(drop)
    }

    /// Builds the file under a temporary name (schema, project information,
    /// then `fill`), syncs it and puts it in place; returns the writer lock
    /// on it.
    fn build(
        path: &Path,
        info: &ProjectInfo,
        options: &CreateOptions,
        version: u32,
        fill: impl FnOnce(&mut Project) -> Result<()>,
    ) -> Result<WriterLock> {
        use crate::design::DesignItem;
        info.check()?;
        check_target(path, options)?;
        let lock = WriterLock::acquire(path, LockPolicy::Respect)?;
        let temp = crate::files::TempFile::beside(path)?;
        let at = temp.path().to_owned();
        // Errors name the target: the temporary file is an implementation detail.
        let mut conn = open::connect(&at, Mode::ReadWrite).map_err(|e| write_error(path, e, "creating the file"))?;
        conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(|e| write_error(path, e, "creating the file"))?;
        open::writer_settings(&conn).map_err(|e| write_error(path, e, "creating the file"))?;
        schema::migrations().to_version(&mut conn, version as usize).map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => write_error(path, err, "creating the schema"),
            other => StoreError::Invalid(format!("creating the schema: {other}")),
        })?;
        let tx = conn.transaction().map_err(|e| write_error(path, e, "creating the file"))?;
        let design_tx = |e| write_error(path, e, "writing the project information");
        crate::design::write_row(&tx, crate::design::table_of::<ProjectInfo>(), &info.to_row()?).map_err(design_tx)?;
        crate::design::write_row(&tx, crate::design::table_of::<Settings>(), &Settings::default().to_row()?).map_err(design_tx)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('created_by', ?1), ('written_by', ?1), ('format', 'backstop-project')",
            [APP_VERSION],
        )
        .map_err(design_tx)?;
        crate::journal::advance(&tx).map_err(design_tx)?;
        tx.commit().map_err(design_tx)?;
        open::enable_own_triggers(&conn).map_err(|e| write_error(path, e, "creating the file"))?;
        let mut project = Project {
            conn,
            path: at,
            access: Access::Edit,
            _lock: None,
            report: OpenReport::default(),
            stamped: true,
            who: current_user(),
            remove_on_close: None,
        };
        fill(&mut project)?;
        // Closed before the file moves: SQLite's handle goes first.
        drop(project);
        temp.commit(options.replace_existing)?;
        Ok(lock)
    }

    /// Opens the project at `path`.
    ///
    /// A file that is not a healthy Backstop project of a version this build
    /// can read is refused with the matching [`StoreError`]. A failed open
    /// leaves the file's bytes exactly as they were.
    pub fn open(path: &Path, options: &OpenOptions) -> Result<Project> {
        Project::open_with(path, options, None)
    }

    fn open_with(path: &Path, options: &OpenOptions, lock: Option<WriterLock>) -> Result<Project> {
        if options.access == Access::Edit && lock.is_none() {
            // This process holds the file already (under this or another
            // name): refused before the file is even read (see `lock`).
            crate::lock::refuse_if_held_here(path)?;
        }
        let header = open::probe(path)?;
        if header.user_version > SCHEMA_VERSION {
            // Read who made it, with every defence on; best effort.
            let made_by = open::connect(path, Mode::ReadOnly).ok().and_then(|c| open::written_by(&c));
            return Err(open::too_new(path, header.user_version, made_by));
        }
        match options.access {
            Access::View => Project::open_view(path, header.user_version),
            Access::Edit => Project::open_edit(path, header.user_version, options, lock),
        }
    }

    fn open_view(path: &Path, version: u32) -> Result<Project> {
        // A journal nobody is writing: an interrupted edit (the file cannot
        // be read as it is, and viewing must not change it).
        if open::has_journal(path) && lock_holder(path).is_none() {
            return Project::open_view_rolled_back(path);
        }
        let conn = open::connect(path, Mode::ReadOnly).map_err(|e| open::classify(path, e, "opening"))?;
        open::verify(&conn, path, version)?;
        let mut report = OpenReport::default();
        let conn = if version < SCHEMA_VERSION {
            // Upgrade a copy in memory; the file stays as it is.
            let mut mem = Connection::open_in_memory().map_err(|e| StoreError::sqlite("opening a memory copy", e))?;
            Backup::new(&conn, &mut mem)
                .and_then(|b| b.run_to_completion(1024, std::time::Duration::ZERO, None))
                .map_err(|e| open::classify(path, e, "reading the file"))?;
            drop(conn);
            open::harden(&mem).map_err(|e| StoreError::sqlite("opening a memory copy", e))?;
            schema::migrations().to_latest(&mut mem).map_err(|e| StoreError::Invalid(format!("upgrading the copy in memory: {e}")))?;
            report.viewing_upgraded_copy = true;
            mem
        } else {
            conn
        };
        open::enable_own_triggers(&conn).map_err(|e| StoreError::sqlite("opening", e))?;
        let project = Project {
            conn,
            path: path.to_owned(),
            access: Access::View,
            _lock: None,
            report,
            stamped: true,
            who: current_user(),
            remove_on_close: None,
        };
        project.validate_design(path)?;
        Ok(project)
    }

    /// Views a file left in the middle of an edit: the file and its journal
    /// (once shown to be the file's own) are copied to a private temporary
    /// file, the unfinished edit is rolled back there, and the copy is
    /// shown read-only and deleted on close. The file itself is unchanged
    /// (it may be on read-only media); opening it for editing rolls the
    /// edit back in place.
    fn open_view_rolled_back(path: &Path) -> Result<Project> {
        let journal = open::journal_path(path);
        if let Verdict::Foreign(reason) = journal::examine(path).map_err(|e| StoreError::io("read", path, e))? {
            return Err(StoreError::ForeignJournal { path: path.to_owned(), journal, reason });
        }
        let copy = crate::recover::temp_copy_path("interrupted");
        let remove = |p: &Path| {
            let _ = std::fs::remove_file(p);
            let _ = std::fs::remove_file(open::journal_path(p));
        };
        // The file first, then the journal: a journal only grows while its
        // edit runs, so it covers every page already written to the file.
        let copied = std::fs::copy(path, &copy).and_then(|_| std::fs::copy(&journal, open::journal_path(&copy)));
        if let Err(e) = copied {
            remove(&copy);
            eprintln!("backstop-store: could not copy {} to roll it back privately: {e}", path.display());
            return Err(StoreError::InterruptedEdit { path: path.to_owned() });
        }
        let opened = (|| -> Result<Project> {
            {
                let conn = open::connect(&copy, Mode::ReadWrite).map_err(|e| open::classify(path, e, "rolling back"))?;
                conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))
                    .map_err(|e| open::classify(path, e, "rolling back the interrupted edit"))?;
            }
            if open::has_journal(&copy) {
                return Err(StoreError::InterruptedEdit { path: path.to_owned() });
            }
            let header = open::probe(&copy).map_err(|e| e.renamed(&copy, path))?;
            if header.user_version > SCHEMA_VERSION {
                return Err(open::too_new(path, header.user_version, None));
            }
            let mut project = Project::open_view(&copy, header.user_version).map_err(|e| e.renamed(&copy, path))?;
            project.path = path.to_owned();
            project.report.interrupted_edit_rolled_back_in_copy = true;
            project.remove_on_close = Some(copy.clone());
            Ok(project)
        })();
        if opened.is_err() {
            remove(&copy);
        }
        opened
    }

    fn open_edit(path: &Path, version: u32, options: &OpenOptions, lock: Option<WriterLock>) -> Result<Project> {
        if version < SCHEMA_VERSION && options.migration == Migration::Refuse {
            return Err(StoreError::NeedsMigration { path: path.to_owned(), file_schema: version, current_schema: SCHEMA_VERSION });
        }
        let meta = std::fs::metadata(path).map_err(|e| StoreError::io("open", path, e))?;
        if meta.permissions().readonly() {
            return Err(StoreError::ReadOnlyLocation { path: path.to_owned() });
        }
        let lock = match lock {
            Some(mut l) => {
                l.attach(path)?;
                l
            }
            None => WriterLock::acquire(path, options.lock)?,
        };
        // We hold the writer lock, so a journal beside the file was left by
        // an interrupted edit — of this file, or of another one (a synced or
        // copied journal). SQLite rolls back whatever it finds on first
        // read, so it must first be shown to be this file's own.
        let interrupted = match journal::examine(path).map_err(|e| StoreError::io("read", path, e))? {
            Verdict::None => false,
            Verdict::Harmless | Verdict::Own => true,
            Verdict::Foreign(reason) => {
                return Err(StoreError::ForeignJournal { path: path.to_owned(), journal: open::journal_path(path), reason });
            }
        };
        let mut conn = open::connect(path, Mode::ReadWrite).map_err(|e| open::classify(path, e, "opening"))?;
        // The header may have been read mid-edit; re-read it now that any
        // interrupted edit is rolled back.
        let version = open::user_version(&conn, path)?;
        if version > SCHEMA_VERSION {
            return Err(open::too_new(path, version, open::written_by(&conn)));
        }
        open::verify(&conn, path, version)?;
        let mut report = OpenReport {
            took_over_lock: lock.took_over.clone(),
            rolled_back_interrupted_edit: interrupted && !open::has_journal(path),
            ..OpenReport::default()
        };
        open::enable_own_triggers(&conn).map_err(|e| StoreError::sqlite("opening", e))?;
        if version < SCHEMA_VERSION {
            if options.migration == Migration::Refuse {
                return Err(StoreError::NeedsMigration { path: path.to_owned(), file_schema: version, current_schema: SCHEMA_VERSION });
            }
            let backup = backup_copy(path, version)?;
            open::writer_settings(&conn).map_err(|e| open::classify(path, e, "preparing the upgrade"))?;
            schema::upgrade(&mut conn, version).map_err(|e| write_error(path, e, "upgrading the file"))?;
            report.migrated = Some(MigrationReport { from: version, to: SCHEMA_VERSION, backup });
        } else {
            open::writer_settings(&conn).map_err(|e| open::classify(path, e, "opening"))?;
        }
        let project = Project {
            conn,
            path: path.to_owned(),
            access: Access::Edit,
            _lock: Some(lock),
            report,
            stamped: false,
            who: current_user(),
            remove_on_close: None,
        };
        project.validate_design(path)?;
        Ok(project)
    }

    /// Reads the whole design once, so that a file whose records cannot be
    /// read is reported at open rather than at some later click.
    /// Then checks the limits of every field and table (see [`crate::limits`]):
    /// sizes in SQL first, before anything is decoded.
    fn validate_design(&self, path: &Path) -> Result<()> {
        let over = |e: StoreError| match e {
            StoreError::Invalid(detail) => StoreError::OverLimit { path: path.to_owned(), detail },
            StoreError::Sqlite { source, context } => open::classify(path, source, &context),
            StoreError::UnreadableRecord { context, detail } => StoreError::Damaged {
                path: path.to_owned(),
                reason: format!("a record cannot be read while {context}: {detail}"),
                recoverable: true,
            },
            other => other,
        };
        crate::limits::records(&self.conn).map_err(over)?;
        let design = crate::design::read_design(&self.conn).map_err(|e| match e {
            StoreError::Sqlite { source, context } => open::classify(path, source, &context),
            StoreError::UnreadableRecord { context, detail } => StoreError::Damaged {
                path: path.to_owned(),
                reason: format!("a record cannot be read while {context}: {detail}"),
                recoverable: true,
            },
            other => StoreError::Damaged {
                path: path.to_owned(),
                reason: format!("a design record cannot be read ({other})"),
                recoverable: true,
            },
        })?;
        crate::limits::design(&design).map_err(over)
    }

    /// Marks this (view-only) project as the recovered copy `temp`, deleted
    /// on close.
    pub(crate) fn mark_recovered(&mut self, report: crate::recover::RecoveryReport, temp: PathBuf) {
        self.report.recovered = Some(report);
        self.remove_on_close = Some(temp);
    }

    /// The file this project lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Edit or view.
    pub fn access(&self) -> Access {
        self.access
    }

    /// What happened while opening.
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// Sets the name recorded with edits, commissioning records and audit
    /// entries made from now on (defaults to the OS login name).
    pub fn set_user(&mut self, who: &str) {
        // A name, kept within its limit (it comes from the environment).
        self.who = who.chars().take(crate::limits::NAME_CHARS).collect();
    }

    /// The name recorded with edits.
    pub fn user(&self) -> &str {
        &self.who
    }

    /// Text for the window title: `"<project name> — <file name>"`.
    pub fn title(&self) -> Result<String> {
        let name: String = self
            .conn
            .query_row("SELECT name FROM project WHERE id = 1", [], |r| r.get(0))
            .map_err(|e| StoreError::sqlite("reading the project name", e))?;
        let file = self.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let suffix = if self.access == Access::View { " (read-only)" } else { "" };
        Ok(format!("{name} — {file}{suffix}"))
    }

    /// The whole design.
    pub fn design(&self) -> Result<Design> {
        crate::design::read_design(&self.conn)
    }

    /// Project metadata.
    pub fn info(&self) -> Result<ProjectInfo> {
        crate::design::read_all::<ProjectInfo>(&self.conn, "")?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Invalid("the project information row is missing".into()))
    }

    /// Project settings.
    pub fn settings(&self) -> Result<Settings> {
        Ok(crate::design::read_all::<Settings>(&self.conn, "")?.into_iter().next().unwrap_or_default())
    }

    /// Fails unless the project is open for editing.
    pub(crate) fn ensure_writable(&self) -> Result<()> {
        match self.access {
            Access::Edit => Ok(()),
            Access::View => Err(StoreError::ReadOnlyProject),
        }
    }

    /// Whether this session has not yet recorded itself as the last
    /// writer (done inside the first write transaction, so that opening
    /// alone never changes the file).
    pub(crate) fn stamp_pending(&self) -> bool {
        !self.stamped
    }

    /// Marks the stamp done once its transaction committed.
    pub(crate) fn stamped(&mut self) {
        self.stamped = true;
    }

    /// Writes a compact, verified copy of the project to `target` without
    /// switching to it ("Save a Copy"). Uses `VACUUM INTO` a temporary file
    /// beside the target, checks it, and renames it into place; on any
    /// failure (a full disk included) the temporary file is removed and
    /// neither this project nor an existing target is touched.
    pub fn save_copy(&self, target: &Path, options: &CreateOptions) -> Result<()> {
        check_target(target, options)?;
        if same_path(target, &self.path) {
            return Err(StoreError::Invalid("choose a different file than the one that is open".into()));
        }
        if let Some(owner) = lock_holder(target) {
            return Err(StoreError::Locked { path: target.to_owned(), owner });
        }
        self.copy_to(target, options.replace_existing)
    }

    /// The copy of [`Project::save_copy`], after its checks: `VACUUM INTO`
    /// an empty temporary file beside the target, verified, then put in
    /// place (the temporary file is removed on any failure).
    fn copy_to(&self, target: &Path, replace: bool) -> Result<()> {
        let temp = crate::files::TempFile::beside(target)?;
        let temp_str = temp.path().to_str().ok_or_else(|| StoreError::UnsupportedPath { path: target.to_owned() })?;
        self.conn.execute("VACUUM INTO ?1", [temp_str]).map_err(|e| write_error(target, e, "writing the copy"))?;
        {
            // The copy must be a healthy project before it replaces anything.
            let check = open::connect(temp.path(), Mode::ReadOnly).map_err(|e| write_error(target, e, "checking the copy"))?;
            let version = open::user_version(&check, temp.path())?;
            open::verify(&check, temp.path(), version).map_err(|e| match e {
                StoreError::Damaged { reason, .. } => {
                    StoreError::Io { action: "verify the copy written to", path: target.to_owned(), source: std::io::Error::other(reason) }
                }
                other => other,
            })?;
        }
        temp.commit(replace)
    }

    /// Save As: writes a copy to `target` (see [`Project::save_copy`]) and
    /// continues with the copy, open for editing; the original is closed
    /// unchanged. Works from a read-only view too (e.g. to keep a recovered
    /// copy). On failure this project stays open as it was.
    pub fn save_as(&mut self, target: &Path, options: &CreateOptions) -> Result<()> {
        check_target(target, options)?;
        if same_path(target, &self.path) {
            return Err(StoreError::Invalid("choose a different file than the one that is open".into()));
        }
        let lock = WriterLock::acquire(target, LockPolicy::Respect)?;
        self.copy_to(target, options.replace_existing)?;
        let mut next = Project::open_with(target, &OpenOptions::edit(), Some(lock))?;
        next.who = self.who.clone();
        *self = next;
        Ok(())
    }

    /// Closes the project (same as dropping it): releases the writer lock.
    pub fn close(self) {}

    /// Facts and counts about the project.
    pub fn summary(&self) -> Result<ProjectSummary> {
        let q = |sql: &str| -> Result<u64> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
                .map(|v| v.unwrap_or(0).max(0) as u64)
                .map_err(|e| StoreError::sqlite("counting", e))
        };
        let meta = |key: &str| -> Result<Option<String>> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| StoreError::sqlite("reading meta", e))
        };
        let history = crate::history::counts(&self.conn)?;
        Ok(ProjectSummary {
            path: self.path.clone(),
            file_bytes: std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
            info: self.info()?,
            schema_version: open::user_version(&self.conn, &self.path)?,
            created_by: meta("created_by")?,
            written_by: meta("written_by")?,
            layout_counts: [
                q("SELECT count(*) FROM rooms")?,
                q("SELECT count(*) FROM equipment")?,
                q("SELECT count(*) FROM it_racks")?,
                q("SELECT count(*) FROM power_units")?,
                q("SELECT count(*) FROM egress_paths")?,
            ],
            catalog_entries: q("SELECT count(*) FROM catalog_entries")?,
            sizing: [q("SELECT count(*) FROM sizing_cases")?, q("SELECT count(*) FROM sizing_results")?],
            commissioning: [
                q("SELECT count(*) FROM commissioning_sessions")?,
                q("SELECT count(*) FROM step_results")?,
                q("SELECT count(*) FROM signoffs")?,
            ],
            audit_entries: q("SELECT count(*) FROM audit_log")?,
            telemetry: [
                q("SELECT count(*) FROM telemetry_points")?,
                q("SELECT count(*) FROM telemetry_chunks")?,
                q("SELECT sum(samples) FROM telemetry_chunks")?,
            ],
            history,
            locked_by: if self.access == Access::View { lock_holder(&self.path) } else { None },
            interrupted_edit_pending: self.report.interrupted_edit_rolled_back_in_copy,
        })
    }

    /// Full check for `backstop project check`: opens `path` for viewing
    /// (every check of [`Project::open`]), then runs the complete
    /// `integrity_check`, the foreign-key check and reads every record.
    /// Never changes the file.
    pub fn check(path: &Path) -> Result<ProjectSummary> {
        let project = Project::open(path, &OpenOptions::view())?;
        let conn = &project.conn;
        let damaged = |reason: String| StoreError::Damaged { path: path.to_owned(), reason, recoverable: true };
        let mut stmt = conn.prepare("PRAGMA integrity_check(20)").map_err(|e| open::classify(path, e, "checking"))?;
        let problems: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| open::classify(path, e, "checking"))?;
        if problems != ["ok"] {
            return Err(damaged(open::integrity_reason(&problems)));
        }
        let mut stmt = conn.prepare("PRAGMA foreign_key_check").map_err(|e| open::classify(path, e, "checking"))?;
        let broken: Vec<(String, Option<i64>, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| open::classify(path, e, "checking"))?;
        if let Some((table, rowid, parent)) = broken.first() {
            return Err(damaged(format!(
                "{} broken reference(s), first: row {} of {table} points to a missing {parent} row",
                broken.len(),
                rowid.map_or("?".to_owned(), |r| r.to_string())
            )));
        }
        if let Some(msg) = crate::design::dangling_reference(conn).map_err(|e| open::classify(path, e, "checking"))? {
            return Err(damaged(msg));
        }
        crate::records::check_all(conn).map_err(|e| match e {
            StoreError::Sqlite { source, context } => open::classify(path, source, &context),
            StoreError::UnreadableRecord { context, detail } => StoreError::Damaged {
                path: path.to_owned(),
                reason: format!("a record cannot be read while {context}: {detail}"),
                recoverable: true,
            },
            other => damaged(other.to_string()),
        })?;
        crate::telemetry::check_all(conn).map_err(|e| match e {
            StoreError::Sqlite { source, context } => open::classify(path, source, &context),
            StoreError::UnreadableRecord { context, detail } => StoreError::Damaged {
                path: path.to_owned(),
                reason: format!("a record cannot be read while {context}: {detail}"),
                recoverable: true,
            },
            other => damaged(other.to_string()),
        })?;
        project.summary()
    }
}

/// Page size of new files. 8 KiB pages hold the compressed telemetry chunks
/// (a few KiB each) with little slack.
pub(crate) const PAGE_SIZE: i64 = 8192;

/// True when `a` and `b` name the same file (or the same path).
fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Copies `path` byte for byte to a backup next to it before a migration:
/// `<stem>.v<version>-backup.backstop` (numbered if that exists).
fn backup_copy(path: &Path, version: u32) -> Result<PathBuf> {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "project".into());
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_else(|| "backstop".into());
    let mut n = 1;
    let backup = loop {
        let name = if n == 1 { format!("{stem}.v{version}-backup.{ext}") } else { format!("{stem}.v{version}-backup-{n}.{ext}") };
        let candidate = path.with_file_name(name);
        if !candidate.exists() {
            break candidate;
        }
        n += 1;
    };
    let copy = || -> Result<()> {
        let (mut source, _) = crate::files::open_regular(path)?;
        let mut temp = crate::files::TempFile::beside(&backup)?;
        std::io::copy(&mut source, temp.file()).map_err(|e| crate::files::write_io_error(&backup, e))?;
        temp.commit(false)
    };
    copy().map_err(|e| match e {
        e @ (StoreError::DiskFull { .. } | StoreError::ReadOnlyLocation { .. }) => e,
        other => {
            StoreError::Io { action: "write a backup copy of", path: path.to_owned(), source: std::io::Error::other(other.to_string()) }
        }
    })?;
    Ok(backup)
}
