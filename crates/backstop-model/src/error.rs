//! The single error type that crosses the IPC boundary.
//!
//! On the wire it is `{"code": "...", "message": "..."}`. `code` is a stable,
//! machine-readable kebab-case word the UI may branch on; `message` is a
//! complete sentence for the engineer: what went wrong and what to do.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable error categories. Add new variants at the end; never rename one,
/// the UI and saved logs rely on the spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The input is malformed or out of range; the message names the field.
    InvalidInput,
    /// No project is open but the operation needs one.
    NoProject,
    /// The file is not a Backstop project, is damaged, or is too new.
    BadProjectFile,
    /// The project is open in another Backstop instance.
    ProjectLocked,
    /// A file-system operation failed (permissions, disk full, missing file).
    Io,
    /// A serial port or Modbus device did not answer or answered wrongly.
    Link,
    /// A write to a pack was refused before anything went on the wire.
    WriteRefused,
    /// The engineer cancelled the operation.
    Cancelled,
    /// Something unexpected; details are in the log, not in the message.
    Internal,
    /// The requested item does not exist.
    NotFound,
    /// A sizing or layout computation could not produce a result.
    Infeasible,
    /// The project file uses an older format; it can be upgraded after the
    /// engineer confirms (a backup copy is written first).
    NeedsMigration,
    /// The project file is damaged, and a read-only recovered copy can be
    /// opened.
    DamagedRecoverable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid-input",
            ErrorCode::NoProject => "no-project",
            ErrorCode::BadProjectFile => "bad-project-file",
            ErrorCode::ProjectLocked => "project-locked",
            ErrorCode::Io => "io",
            ErrorCode::Link => "link",
            ErrorCode::WriteRefused => "write-refused",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Internal => "internal",
            ErrorCode::NotFound => "not-found",
            ErrorCode::Infeasible => "infeasible",
            ErrorCode::NeedsMigration => "needs-migration",
            ErrorCode::DamagedRecoverable => "damaged-recoverable",
        }
    }
}

/// `{code, message}`: what the UI receives when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError { code, message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code.as_str())
    }
}

impl std::error::Error for AppError {}

/// `s` with its first letter upper-case: a message that starts with a
/// lower-case engine phrase, made a sentence.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalise_makes_a_sentence_start() {
        assert_eq!(capitalise("room R-1 is too small."), "Room R-1 is too small.");
        assert_eq!(capitalise("über"), "Über");
        assert_eq!(capitalise("ßa"), "SSa");
        assert_eq!(capitalise(""), "");
    }

    #[test]
    fn crosses_ipc_as_code_and_message() {
        let err = AppError::new(ErrorCode::NeedsMigration, "upgrade?");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json, serde_json::json!({"code": "needs-migration", "message": "upgrade?"}));
        let back: AppError = serde_json::from_value(json).unwrap();
        assert_eq!(back, err);
    }

    #[test]
    fn as_str_matches_the_wire_spelling() {
        for code in [
            ErrorCode::InvalidInput,
            ErrorCode::NoProject,
            ErrorCode::BadProjectFile,
            ErrorCode::ProjectLocked,
            ErrorCode::Io,
            ErrorCode::Link,
            ErrorCode::WriteRefused,
            ErrorCode::Cancelled,
            ErrorCode::Internal,
            ErrorCode::NotFound,
            ErrorCode::Infeasible,
            ErrorCode::NeedsMigration,
            ErrorCode::DamagedRecoverable,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(code.as_str()));
        }
    }
}
