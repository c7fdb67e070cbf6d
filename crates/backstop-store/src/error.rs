//! The store's error type. Each case is a situation the engineer can act on;
//! the `Display` text says what went wrong and what to do.

use std::path::{Path, PathBuf};

use backstop_model::{AppError, ErrorCode};

use crate::lock::LockOwner;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The path does not exist.
    #[error("{} does not exist. Check the path, or create a new project there.", show(.path))]
    NotFound {
        /// The path asked for.
        path: PathBuf,
    },

    /// The path is a directory, not a project file.
    #[error("{} is a folder, not a project file. Choose a .backstop file inside it.", show(.path))]
    IsDirectory {
        /// The path asked for.
        path: PathBuf,
    },

    /// The file is empty (zero bytes).
    #[error(
        "{} is empty (0 bytes): it is not a project, or its copy was interrupted. \
         Copy the project again from its source.",
        show(.path)
    )]
    EmptyFile {
        /// The path asked for.
        path: PathBuf,
    },

    /// The path names a named pipe, a device or a socket, not a file.
    #[error(
        "{} is {kind}, not a file. Nothing was read or written; choose a regular file.",
        show(.path)
    )]
    SpecialFile {
        /// The path asked for.
        path: PathBuf,
        /// What it is, in words ("a named pipe (FIFO)", "a device").
        kind: &'static str,
    },

    /// A file to read is larger than anything Backstop reads of its kind.
    #[error(
        "{} is {} bytes, more than the {limit} bytes Backstop reads from such a file. \
         Check that you chose the right file.",
        show(.path), .bytes
    )]
    TooLarge {
        /// The path asked for.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },

    /// A text file that is not UTF-8.
    #[error(
        "{} is not UTF-8 text (the first invalid byte is at offset {at}). \
         Save it as UTF-8 and try again.",
        show(.path)
    )]
    NotText {
        /// The path asked for.
        path: PathBuf,
        /// Byte offset of the first invalid byte.
        at: usize,
    },

    /// The file is not an SQLite database at all.
    #[error(
        "{} is not a Backstop project (it is not an SQLite database). \
         Check that you chose the right file.",
        show(.path)
    )]
    NotSqlite {
        /// The path asked for.
        path: PathBuf,
    },

    /// The file is an SQLite database of another application.
    #[error(
        "{} is an SQLite database of another application (application id {application_id:#010x}), \
         not a Backstop project. Check that you chose the right file.",
        show(.path)
    )]
    ForeignSqlite {
        /// The path asked for.
        path: PathBuf,
        /// The file's `PRAGMA application_id`.
        application_id: i32,
    },

    /// The file was written by a newer Backstop with a newer schema.
    #[error(
        "{} was made by Backstop {made_by} (file format {file_schema}); this is Backstop {this_version}, \
         which reads formats up to {supported_schema}. Update Backstop to open it.",
        show(.path)
    )]
    TooNew {
        /// The path asked for.
        path: PathBuf,
        /// Version of the Backstop that wrote the file, or "a newer version".
        made_by: String,
        /// The file's schema version.
        file_schema: u32,
        /// The newest schema version this build reads.
        supported_schema: u32,
        /// This build's version.
        this_version: String,
    },

    /// The file is an older format; it can be migrated after the engineer
    /// confirms (see [`crate::Migration`]).
    #[error(
        "{} uses an older file format ({file_schema}; this version uses {current_schema}). \
         Backstop can upgrade it after writing a backup copy next to it; confirm to upgrade.",
        show(.path)
    )]
    NeedsMigration {
        /// The path asked for.
        path: PathBuf,
        /// The file's schema version.
        file_schema: u32,
        /// The schema version this build writes.
        current_schema: u32,
    },

    /// The file is damaged: truncated, corrupted pages, unreadable records.
    #[error(
        "{} is damaged: {reason}. {}",
        show(.path),
        if *.recoverable {
            "Backstop can open a read-only recovered copy with the records that are still readable."
        } else {
            "Restore it from a backup or ask the sender for another copy."
        }
    )]
    Damaged {
        /// The path asked for.
        path: PathBuf,
        /// What is wrong, in words.
        reason: String,
        /// Whether [`crate::Project::recover`] may be able to save records.
        recoverable: bool,
    },

    /// The file's schema contains objects Backstop did not create (for
    /// example a trigger or a view), or lacks ones it needs. Such a file is
    /// refused before any statement can fire them.
    #[error(
        "{} was refused: its structure is not what Backstop writes ({detail}). \
         It may have been edited with another tool or crafted to run code; \
         do not open it with other SQLite tools either. Ask the sender for the original.",
        show(.path)
    )]
    UnexpectedSchema {
        /// The path asked for.
        path: PathBuf,
        /// The first difference found.
        detail: String,
    },

    /// A text, list or table in the file is larger than Backstop keeps (see
    /// [`crate::limits`]); the file was not written by Backstop.
    #[error(
        "{} was refused: {detail}. Backstop never writes such a file; it was made or changed by another tool. \
         Ask the sender for the original, or for the design as JSON with that field shortened.",
        show(.path)
    )]
    OverLimit {
        /// The path asked for.
        path: PathBuf,
        /// Which field and by how much, in words.
        detail: String,
    },

    /// The file was left in the middle of an edit (its journal is still next
    /// to it) and the edit could not be rolled back in a private copy to
    /// show it; opening it for editing rolls it back in place.
    #[error(
        "{} was closed in the middle of an edit, and Backstop could not roll that edit back in a private \
         copy to show it (the temporary folder may be full). Open it for editing to roll the edit back in \
         place — in the app, or with `backstop project recover FILE`. On a read-only drive, first copy the \
         file together with the \"-journal\" file beside it to a writable folder.",
        show(.path)
    )]
    InterruptedEdit {
        /// The path asked for.
        path: PathBuf,
    },

    /// A rollback journal lies beside the project that cannot be shown to
    /// be its own (see [`crate::journal`]); it was not applied.
    #[error(
        "{} has a journal file beside it, \"{}\", that does not belong to it: {reason}. \
         Backstop applied nothing and left both files exactly as they were. Move \"{}\" out of this folder \
         (keep it if it may belong to another copy of this project) and open the project again.",
        show(.path), file_name(.journal), file_name(.journal)
    )]
    ForeignJournal {
        /// The project.
        path: PathBuf,
        /// The journal beside it.
        journal: PathBuf,
        /// Why it does not belong, in words.
        reason: String,
    },

    /// Another Backstop instance has the project open for editing.
    #[error("{} is already open for editing by {owner}. Close it there first, or open it for viewing.", show(.path))]
    Locked {
        /// The path asked for.
        path: PathBuf,
        /// Who holds it, as recorded in the lock.
        owner: LockOwner,
    },

    /// Another program is writing the file at this very moment.
    #[error(
        "{} is being written by another program right now (another Backstop instance saving an edit, \
         or a backup or sync tool). Nothing was changed; try again in a moment.",
        show(.path)
    )]
    Busy {
        /// The path asked for.
        path: PathBuf,
    },

    /// The file or its folder cannot be written.
    #[error(
        "{} cannot be edited because the file or its folder is read-only. \
         Open it for viewing, or use Save As to keep a copy somewhere writable.",
        show(.path)
    )]
    ReadOnlyLocation {
        /// The path asked for.
        path: PathBuf,
    },

    /// The operating system refused access.
    #[error("permission denied for {}. Check the file's permissions.", show(.path))]
    PermissionDenied {
        /// The path asked for.
        path: PathBuf,
    },

    /// The disk (or quota) is full.
    #[error(
        "the disk is full while writing {}. Nothing was lost; free some space and try again.",
        show(.path)
    )]
    DiskFull {
        /// The file being written.
        path: PathBuf,
    },

    /// The disk filled up during an edit or a record; it was not saved.
    #[error(
        "the disk holding the project is full, so {action} failed; nothing was saved and the project is as \
         it was before. Free some space on that drive and try again."
    )]
    DiskFullDuring {
        /// What was being saved ("saving the edit").
        action: String,
    },

    /// The project file stopped being writable during an edit (drive
    /// removed, remounted read-only, permissions changed).
    #[error(
        "the project file can no longer be written, so {action} failed; nothing was saved and the project is \
         as it was before. The drive may have been removed or made read-only: reconnect it, or use Save As \
         to keep a copy on another drive."
    )]
    ReadOnlyDuring {
        /// What was being saved.
        action: String,
    },

    /// A record of an open project cannot be decoded (text that is not
    /// UTF-8, a value of the wrong type): the file was damaged or changed
    /// outside Backstop after it was checked.
    #[error(
        "a record of the project cannot be read while {context} ({detail}); the file was damaged or changed \
         outside Backstop. Run `backstop project check` on it, and open a read-only recovered copy to save \
         what is readable."
    )]
    UnreadableRecord {
        /// What was being read.
        context: String,
        /// What is wrong with the value.
        detail: String,
    },

    /// A new project or Save As target already exists.
    #[error("{} already exists. Choose another name, or allow replacing it.", show(.path))]
    AlreadyExists {
        /// The path asked for.
        path: PathBuf,
    },

    /// The path cannot be handed to SQLite (not valid UTF-8).
    #[error("{} cannot be used: the path is not valid Unicode. Rename the file or folder.", show(.path))]
    UnsupportedPath {
        /// The path asked for.
        path: PathBuf,
    },

    /// The project was opened for viewing and cannot be changed.
    #[error("the project is open for viewing only. Open it for editing to change it.")]
    ReadOnlyProject,

    /// Input from the caller is invalid; the message names the field.
    #[error("{0}")]
    Invalid(String),

    /// A design item with this key does not exist.
    #[error("there is no {kind} \"{key}\" in this project.")]
    NoSuchItem {
        /// Kind of item (room, equipment, …).
        kind: &'static str,
        /// The key asked for.
        key: String,
    },

    /// The edit would leave a reference dangling (equipment in a room that
    /// does not exist, a room that still holds equipment, …).
    #[error("{0}")]
    BrokenReference(String),

    /// The undo history does not match the design (the file was changed
    /// outside Backstop); undo/redo is not possible.
    #[error(
        "the undo history does not match the design ({0}); the file was probably changed \
         outside Backstop. Undo is not available for older edits."
    )]
    HistoryMismatch(String),

    /// Telemetry samples came out of time order.
    #[error(
        "telemetry for {point} went back in time ({t_ms} ms after {last_ms} ms); \
         samples of one point must be appended in time order."
    )]
    TelemetryOutOfOrder {
        /// `device/point`.
        point: String,
        /// The rejected sample's time.
        t_ms: i64,
        /// The last stored time of that point.
        last_ms: i64,
    },

    /// A file-system operation failed.
    #[error(
        "could not {action} {}: {source}. Check that the drive is connected and that you may write there, \
         then try again.",
        show(.path)
    )]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// An unexpected database error.
    #[error(
        "Backstop hit an unexpected database error while {context} ({source}); the failed step saved \
         nothing. Try again, and if it happens again run `backstop project check` on the file."
    )]
    Sqlite {
        /// What was being done.
        context: String,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },

    /// A JSON document could not be read or written.
    #[error("{context}: {source}")]
    Json {
        /// What was being read or written.
        context: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },

    /// A CSV file could not be written.
    #[error("could not write CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// The last part of a path, for naming a file beside another.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The path as the engineer would read it, quoted.
fn show(path: &Path) -> String {
    format!("\"{}\"", path.display())
}

/// Shorthand for results of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// The stable IPC error category of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::NotFound { .. } | StoreError::IsDirectory { .. } | StoreError::SpecialFile { .. } | StoreError::TooLarge { .. } => {
                ErrorCode::Io
            }
            StoreError::NotText { .. } => ErrorCode::InvalidInput,
            StoreError::EmptyFile { .. }
            | StoreError::NotSqlite { .. }
            | StoreError::ForeignSqlite { .. }
            | StoreError::TooNew { .. }
            | StoreError::NeedsMigration { .. }
            | StoreError::Damaged { .. }
            | StoreError::UnexpectedSchema { .. }
            | StoreError::InterruptedEdit { .. }
            | StoreError::ForeignJournal { .. }
            | StoreError::OverLimit { .. }
            | StoreError::HistoryMismatch(_) => ErrorCode::BadProjectFile,
            StoreError::Locked { .. } => ErrorCode::ProjectLocked,
            StoreError::Busy { .. } | StoreError::DiskFullDuring { .. } | StoreError::ReadOnlyDuring { .. } => ErrorCode::Io,
            StoreError::UnreadableRecord { .. } => ErrorCode::BadProjectFile,
            StoreError::ReadOnlyLocation { .. }
            | StoreError::PermissionDenied { .. }
            | StoreError::DiskFull { .. }
            | StoreError::AlreadyExists { .. }
            | StoreError::UnsupportedPath { .. }
            | StoreError::Io { .. }
            | StoreError::Csv(_) => ErrorCode::Io,
            StoreError::ReadOnlyProject
            | StoreError::Invalid(_)
            | StoreError::BrokenReference(_)
            | StoreError::TelemetryOutOfOrder { .. }
            | StoreError::Json { .. } => ErrorCode::InvalidInput,
            StoreError::NoSuchItem { .. } => ErrorCode::NotFound,
            StoreError::Sqlite { .. } => ErrorCode::Internal,
        }
    }

    /// True when the file is damaged and [`crate::Project::recover`] may save
    /// some of it.
    pub fn is_recoverable(&self) -> bool {
        matches!(self, StoreError::Damaged { recoverable: true, .. })
    }

    /// The same error naming `to` where it named `from` (errors met on a
    /// private copy are reported against the engineer's file).
    pub(crate) fn renamed(mut self, from: &Path, to: &Path) -> Self {
        let path = match &mut self {
            StoreError::NotFound { path }
            | StoreError::IsDirectory { path }
            | StoreError::SpecialFile { path, .. }
            | StoreError::TooLarge { path, .. }
            | StoreError::NotText { path, .. }
            | StoreError::EmptyFile { path }
            | StoreError::NotSqlite { path }
            | StoreError::ForeignSqlite { path, .. }
            | StoreError::TooNew { path, .. }
            | StoreError::NeedsMigration { path, .. }
            | StoreError::Damaged { path, .. }
            | StoreError::UnexpectedSchema { path, .. }
            | StoreError::InterruptedEdit { path }
            | StoreError::ForeignJournal { path, .. }
            | StoreError::OverLimit { path, .. }
            | StoreError::Locked { path, .. }
            | StoreError::Busy { path }
            | StoreError::ReadOnlyLocation { path }
            | StoreError::PermissionDenied { path }
            | StoreError::DiskFull { path }
            | StoreError::AlreadyExists { path }
            | StoreError::UnsupportedPath { path }
            | StoreError::Io { path, .. } => path,
            _ => return self,
        };
        if path == from {
            *path = to.to_owned();
        }
        self
    }

    pub(crate) fn sqlite(context: impl Into<String>, source: rusqlite::Error) -> Self {
        match decoding_problem(&source) {
            Some(detail) => StoreError::UnreadableRecord { context: context.into(), detail },
            None => StoreError::Sqlite { context: context.into(), source },
        }
    }

    pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        if is_disk_full(&source) {
            return StoreError::DiskFull { path: path.to_owned() };
        }
        match source.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound { path: path.to_owned() },
            std::io::ErrorKind::PermissionDenied => StoreError::PermissionDenied { path: path.to_owned() },
            std::io::ErrorKind::ReadOnlyFilesystem => StoreError::ReadOnlyLocation { path: path.to_owned() },
            _ => StoreError::Io { action, path: path.to_owned(), source },
        }
    }
}

/// What is wrong with a value SQLite returned that could not be decoded
/// (as opposed to an SQLite failure), in words.
pub(crate) fn decoding_problem(e: &rusqlite::Error) -> Option<String> {
    use rusqlite::Error as E;
    match e {
        E::Utf8Error(..) => Some("it holds text that is not valid UTF-8".into()),
        E::FromSqlConversionFailure(_, ty, inner) => {
            if inner.downcast_ref::<std::str::Utf8Error>().is_some() || inner.downcast_ref::<std::string::FromUtf8Error>().is_some() {
                Some("it holds text that is not valid UTF-8".into())
            } else {
                Some(format!("a {ty} value cannot be decoded: {inner}"))
            }
        }
        E::InvalidColumnType(_, name, ty) => Some(format!("the column {name} holds a {ty} value where Backstop expects another type")),
        E::IntegralValueOutOfRange(_, v) => Some(format!("a number ({v}) is out of range")),
        _ => None,
    }
}

/// True for "no space left on device", "quota exceeded" and "file too large".
pub(crate) fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded | std::io::ErrorKind::FileTooLarge)
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = e.code();
        let message = match code {
            // Internal errors do not leak SQL details into the UI.
            ErrorCode::Internal => "Backstop hit an unexpected database error; details are in the log.".to_owned(),
            _ => e.to_string(),
        };
        AppError::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A UTF-8 error as SQLite text that is not UTF-8 gives.
    fn utf8_error() -> std::str::Utf8Error {
        let bytes: Vec<u8> = vec![0x48, 0xff, 0xfe];
        std::str::from_utf8(&bytes).unwrap_err()
    }

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn every_message_is_a_sentence_saying_what_to_do() {
        let path = Path::new("/site/hall b.backstop");
        // A full disk during an edit names what failed, not a made-up path.
        let e = crate::history::map_write_error(sqlite(rusqlite::ffi::SQLITE_FULL), "saving the edit");
        assert_eq!(
            e.to_string(),
            "the disk holding the project is full, so saving the edit failed; nothing was saved and the project is as it was before. Free some space on that drive and try again."
        );
        let e = crate::history::map_write_error(sqlite(rusqlite::ffi::SQLITE_READONLY), "writing telemetry");
        assert!(e.to_string().contains("so writing telemetry failed") && e.to_string().contains("reconnect it"), "{e}");
        // A busy file is not "open for editing".
        let e = crate::open::classify(path, sqlite(rusqlite::ffi::SQLITE_BUSY), "opening");
        assert!(matches!(e, StoreError::Busy { .. }), "{e:?}");
        assert!(e.to_string().contains("being written by another program right now") && e.to_string().contains("try again"), "{e}");
        // A value that does not decode is a damaged file, once, in words.
        let bad_utf8 = rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(utf8_error()));
        let e = crate::open::classify(path, bad_utf8, "reading rooms");
        assert!(e.is_recoverable(), "{e:?}");
        assert_eq!(
            e.to_string(),
            "\"/site/hall b.backstop\" is damaged: a record cannot be read while reading rooms: it holds text that is not valid UTF-8. Backstop can open a read-only recovered copy with the records that are still readable."
        );
        let e = StoreError::sqlite("reading the audit log", rusqlite::Error::Utf8Error(7, utf8_error()));
        assert!(matches!(e, StoreError::UnreadableRecord { .. }) && e.code() == ErrorCode::BadProjectFile, "{e:?}");
        // SQLite's integrity report becomes a reason in words.
        let reason = crate::open::integrity_reason(&[
            "*** in database main ***".into(),
            "Page 5: never used".into(),
            "Page 6: never used".into(),
            "On tree page 3 cell 0: invalid page number 99".into(),
            "Page 7: never used".into(),
        ]);
        assert_eq!(
            reason,
            "SQLite's integrity check found 4 problems in its internal structure (page 5: never used; page 6: never used; on tree page 3 cell 0: invalid page number 99; …)"
        );
    }
}
