//! State shared by the commands.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use backstop_model::AppError;
use backstop_model::about::AboutInfo;
use tauri::{AppHandle, Manager};

use crate::Options;
use crate::session::Session;

/// Everything the commands share. Long-lived resources (the open project,
/// port actors) are owned here and handed to domain crates per call.
pub struct AppState {
    demo_link: Option<String>,
    session: Mutex<Session>,
    /// The live link to pack controllers.
    pub link: crate::link_hub::LinkHub,
    commissioning: Mutex<crate::commissioning::Commissioning>,
    /// Load profiles and power traces imported for computing, by token.
    pub inputs: crate::sizing_cases::Inputs,
    started: Instant,
    first_paint: OnceLock<Duration>,
    pub exit_after_first_paint: bool,
    /// `--dialog-answers`: file dialogs are answered from this file.
    pub dialog_answers: Option<PathBuf>,
    /// The UI's channel for project events (see `project_subscribe`).
    project_events: Mutex<Option<tauri::ipc::Channel<backstop_model::workspace::ProjectEvent>>>,
}

impl AppState {
    /// `started` is when the process started (taken first thing in `main`).
    pub fn new(options: &Options, started: Instant) -> Self {
        AppState {
            demo_link: options.demo_link.clone(),
            session: Mutex::new(Session::new(&config_dir(options))),
            link: crate::link_hub::LinkHub::default(),
            commissioning: Mutex::new(crate::commissioning::Commissioning::default()),
            inputs: crate::sizing_cases::Inputs::default(),
            started,
            first_paint: OnceLock::new(),
            exit_after_first_paint: options.exit_after_first_paint,
            dialog_answers: options.dialog_answers.clone(),
            project_events: Mutex::new(None),
        }
    }

    /// The UI's channel for project events (replaces an earlier one).
    pub fn subscribe_project(&self, channel: tauri::ipc::Channel<backstop_model::workspace::ProjectEvent>) {
        *self.project_events.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
    }

    /// Tells the UI, if it listens.
    pub fn tell_project(&self, event: backstop_model::workspace::ProjectEvent) {
        if let Some(ch) = self.project_events.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            let _ = ch.send(event);
        }
    }

    /// Records the UI's first paint (only the first call counts) and returns
    /// the time from process start to it.
    pub fn mark_first_paint(&self) -> Duration {
        *self.first_paint.get_or_init(|| self.started.elapsed())
    }

    /// The project session. A poisoned lock (a command panicked while
    /// holding it) is reported instead of propagating the panic.
    pub fn session(&self) -> Result<MutexGuard<'_, Session>, AppError> {
        self.session
            .lock()
            .map_err(|_| AppError::internal("an earlier operation failed unexpectedly; restart Backstop (every completed edit is saved)"))
    }

    /// Whether the session is unlocked now (tests of lock scope).
    #[cfg(test)]
    pub fn session_is_free(&self) -> bool {
        self.session.try_lock().is_ok()
    }

    /// Whether the commissioning state is unlocked now (tests of lock scope).
    #[cfg(test)]
    pub fn commissioning_is_free(&self) -> bool {
        self.commissioning.try_lock().is_ok()
    }

    /// The commissioning checklist state.
    pub fn commissioning(&self) -> Result<MutexGuard<'_, crate::commissioning::Commissioning>, AppError> {
        self.commissioning
            .lock()
            .map_err(|_| AppError::internal("the commissioning state is unavailable after an earlier failure; restart Backstop"))
    }

    /// Runs `f` on the session, then updates the window title.
    pub fn with_session<T>(&self, app: &AppHandle, f: impl FnOnce(&mut Session) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut session = self.session()?;
        let result = f(&mut session);
        let title = session.title();
        drop(session);
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.set_title(&title);
        }
        result
    }

    /// Build facts plus what is open right now.
    pub fn about(&self) -> AboutInfo {
        let project_path = self.session.lock().ok().and_then(|s| s.path().map(|p| p.display().to_string()));
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

/// Runs `f` with the app's state on the blocking pool and awaits it. Every
/// command that touches the project file (SQLite), typesets a report or
/// sizes a case runs its work here: on the async runtime's few workers it
/// would hold up the tasks that drive the live link (a stalled poll trips
/// the packs' communication-loss watchdogs) and the replies to every other
/// command. `tests/architecture.rs` checks the commands keep to this.
pub async fn blocking<T: Send + 'static>(
    app: &AppHandle,
    f: impl FnOnce(&AppState, &AppHandle) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>(), &app)).await.map_err(|e| {
        AppError::internal(format!(
            "an operation stopped unexpectedly ({e}); every completed edit is saved, restart Backstop if it happens again"
        ))
    })?
}

/// Runs `f` on the session on the blocking pool ([`blocking`]); the window
/// title follows what it did ([`AppState::with_session`]).
pub async fn edit_session<T: Send + 'static>(
    app: &AppHandle,
    f: impl FnOnce(&mut Session) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    blocking(app, move |state, app| state.with_session(app, f)).await
}

/// Runs `f` on the open project, for editing, like [`edit_session`].
pub async fn edit_project<T: Send + 'static>(
    app: &AppHandle,
    f: impl FnOnce(&mut backstop_store::Project) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    edit_session(app, |s| f(s.project_mut()?)).await
}

/// Runs `f` on the open project, reading, on the blocking pool ([`blocking`]).
pub async fn read_project<T: Send + 'static>(
    app: &AppHandle,
    f: impl FnOnce(&backstop_store::Project) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    blocking(app, move |state, _| f(state.session()?.project()?)).await
}

/// Where per-user state (recent projects, the running instance's endpoint)
/// lives: `--config-dir`, else the platform's per-user config directory
/// (`$XDG_CONFIG_HOME` or `~/.config` on Linux, `%APPDATA%` on Windows,
/// `~/Library/Application Support` on macOS) + `backstop`, else a
/// `backstop` folder in the temporary directory.
pub fn config_dir(options: &Options) -> PathBuf {
    if let Some(dir) = &options.config_dir {
        return dir.clone();
    }
    dirs::config_dir().unwrap_or_else(std::env::temp_dir).join("backstop")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_reports_build_facts_and_options() {
        let options = Options {
            demo_link: Some("/tmp/ttyA".into()),
            config_dir: Some(std::env::temp_dir().join("backstop-about-test")),
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
        assert_eq!(about.project_path, None);
        assert_eq!(about.demo_link.as_deref(), Some("/tmp/ttyA"));
        assert!(!about.target.is_empty());
    }
}
