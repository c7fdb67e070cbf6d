//! State shared by the commands.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use backstop_model::about::AboutInfo;

use crate::Options;

/// Everything the commands share. Long-lived resources (the open project,
/// port actors) are owned here and handed to domain crates per call.
pub struct AppState {
    demo_link: Option<String>,
    project_path: Mutex<Option<PathBuf>>,
    started: Instant,
    first_paint: OnceLock<Duration>,
    pub exit_after_first_paint: bool,
}

impl AppState {
    /// `started` is when the process started (taken first thing in `main`).
    pub fn new(options: &Options, started: Instant) -> Self {
        AppState {
            demo_link: options.demo_link.clone(),
            project_path: Mutex::new(options.project.clone()),
            started,
            first_paint: OnceLock::new(),
            exit_after_first_paint: options.exit_after_first_paint,
        }
    }

    /// Records the UI's first paint (only the first call counts) and returns
    /// the time from process start to it.
    pub fn mark_first_paint(&self) -> Duration {
        *self.first_paint.get_or_init(|| self.started.elapsed())
    }

    /// Build facts plus what is open right now.
    pub fn about(&self) -> AboutInfo {
        let project_path = self
            .project_path
            .lock()
            .map(|p| p.as_ref().map(|p| p.display().to_string()))
            .unwrap_or(None);
        AboutInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            build: env!("BACKSTOP_GIT_COMMIT").to_string(),
            profile: env!("BACKSTOP_PROFILE").to_string(),
            rustc: env!("BACKSTOP_RUSTC_VERSION").to_string(),
            tauri: tauri::VERSION.to_string(),
            target: env!("BACKSTOP_TARGET").to_string(),
            project_path,
            demo_link: self.demo_link.clone(),
            first_paint_ms: self.first_paint.get().map(|d| d.as_secs_f64() * 1000.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_reports_build_facts_and_options() {
        let options = Options {
            project: Some(PathBuf::from("/tmp/site é.backstop")),
            demo_link: Some("/tmp/ttyA".into()),
            ..Options::default()
        };
        let state = AppState::new(&options, Instant::now());
        assert_eq!(state.about().first_paint_ms, None);
        let first = state.mark_first_paint();
        assert_eq!(state.mark_first_paint(), first, "only the first paint counts");
        let about = state.about();
        assert!(about.first_paint_ms.is_some());
        assert_eq!(about.version, env!("CARGO_PKG_VERSION"));
        assert!(about.rustc.starts_with("rustc "), "rustc: {}", about.rustc);
        assert_eq!(about.project_path.as_deref(), Some("/tmp/site é.backstop"));
        assert_eq!(about.demo_link.as_deref(), Some("/tmp/ttyA"));
        assert!(!about.target.is_empty());
    }
}
