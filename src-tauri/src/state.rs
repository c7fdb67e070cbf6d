//! State shared by the commands.

use std::path::PathBuf;
use std::sync::Mutex;

use backstop_model::about::AboutInfo;

use crate::Options;

/// Everything the commands share. Long-lived resources (the open project,
/// port actors) are owned here and handed to domain crates per call.
pub struct AppState {
    demo_link: Option<String>,
    project_path: Mutex<Option<PathBuf>>,
}

impl AppState {
    pub fn new(options: &Options) -> Self {
        AppState {
            demo_link: options.demo_link.clone(),
            project_path: Mutex::new(options.project.clone()),
        }
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
        let about = AppState::new(&options).about();
        assert_eq!(about.version, env!("CARGO_PKG_VERSION"));
        assert!(about.rustc.starts_with("rustc "), "rustc: {}", about.rustc);
        assert_eq!(about.project_path.as_deref(), Some("/tmp/site é.backstop"));
        assert_eq!(about.demo_link.as_deref(), Some("/tmp/ttyA"));
        assert!(!about.target.is_empty());
    }
}
