//! What the UI knows about the open project file and the files around it:
//! the project view shown in the Project area and title bar, recent
//! projects, and the requests that create and open files.

use serde::{Deserialize, Serialize};

use crate::project::{ProjectInfo, Revision};

/// The open project as the UI shows it. Rebuilt by the backend after every
/// change, so the UI never keeps its own copy of project state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectView {
    /// Absolute path of the file.
    pub path: String,
    /// File name only (`site.backstop`).
    pub file_name: String,
    /// Window title: project name, file name, app name.
    pub title: String,
    /// Opened for viewing only (read-only location, recovered copy, locked
    /// elsewhere and opened for viewing).
    pub read_only: bool,
    pub info: ProjectInfo,
    pub revisions: Vec<Revision>,
    pub counts: ProjectCounts,
    /// Size of the file on disk, bytes.
    pub file_bytes: u64,
    /// Schema version of the file.
    pub schema_version: u32,
    /// Backstop version that created / last wrote the file.
    pub created_by: Option<String>,
    pub written_by: Option<String>,
    /// Label of the edit Undo would revert, if any.
    pub undo: Option<String>,
    /// Label of the edit Redo would reapply, if any.
    pub redo: Option<String>,
    pub undo_depth: u64,
    pub redo_depth: u64,
    /// Things the engineer should know about how the file was opened
    /// (migrated with a backup at …, stale lock taken over, recovered copy).
    pub notices: Vec<String>,
}

/// How much is in the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProjectCounts {
    pub rooms: u64,
    pub equipment: u64,
    pub racks: u64,
    pub power_units: u64,
    pub egress_paths: u64,
    pub catalog_entries: u64,
    pub sizing_cases: u64,
    pub sizing_results: u64,
    pub sessions: u64,
    pub step_results: u64,
    pub signoffs: u64,
    pub audit_entries: u64,
    pub telemetry_points: u64,
    pub telemetry_samples: u64,
}

/// A recently opened project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentProject {
    pub path: String,
    pub name: String,
    pub opened_at_ms: i64,
    /// False when the file is no longer there (moved, deleted, unplugged drive).
    pub exists: bool,
}

/// Create a new project file where the engineer chose in the native save
/// dialog (`project_choose_location`); the UI never sends a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProjectRequest {
    pub info: ProjectInfo,
}

/// How to open a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpenMode {
    /// For editing (takes the one-writer lock).
    #[default]
    Edit,
    /// For viewing only; the file's bytes are never changed.
    View,
    /// For editing, upgrading an older file format after writing a backup
    /// copy next to it (only after the engineer confirmed).
    Migrate,
    /// A read-only copy recovered from a damaged file.
    Recovered,
}

/// Open a project file. `path: None` asks the backend to show the native
/// file dialog; a path must be one the backend offered (a recent project,
/// the file of the last failed open, the project open now).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OpenRequest {
    pub path: Option<String>,
    pub mode: OpenMode,
}

/// A file that could not be opened, kept so the UI can offer what to do
/// (upgrade it, open a recovered copy, open it for viewing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenFailure {
    pub path: String,
    pub error: crate::AppError,
}

/// Everything the Project area and the title bar need at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectState {
    pub project: Option<ProjectView>,
    pub recent: Vec<RecentProject>,
    /// The last open that failed (e.g. the file given on the command line),
    /// until the engineer dismisses it or opens something else.
    pub failure: Option<OpenFailure>,
    /// A project file handed over by a second launch (a double-click in the
    /// file manager) while another project is open: the engineer decides.
    #[serde(default)]
    pub open_request: Option<PendingOpen>,
}

/// A file waiting to be opened in place of the open project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOpen {
    /// The file, as it will be opened.
    pub path: String,
    /// The project that would be closed (its title).
    pub replaces: String,
}

/// What the backend tells the UI about the project without being asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ProjectEvent {
    /// A second launch handed a file (or just asked for the window): reload
    /// the project state and show the Project area.
    Handed,
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    Design,
    Commissioning,
}
