//! The about/status panel: facts about the running build, filled in by the
//! backend (never by the UI) so that the panel proves the IPC round trip.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AboutInfo {
    /// `CARGO_PKG_VERSION` of the app crate.
    pub version: String,
    /// Short git commit the app was built from, or "unknown" outside git.
    pub build: String,
    /// `debug` or `release`.
    pub profile: String,
    /// `rustc --version` of the compiler that built the backend.
    pub rustc: String,
    /// Tauri runtime version.
    pub tauri: String,
    /// Target triple of the backend.
    pub target: String,
    /// Path of the open project file, if any.
    pub project_path: Option<String>,
    /// Where the demo pack simulator listens, if the app was started on the demo.
    pub demo_link: Option<String>,
    /// Milliseconds from process start to the UI's first paint, once known.
    pub first_paint_ms: Option<f64>,
}
