//! The open project and the files around it (recent list), as the commands
//! see them. This is glue between the store crate and IPC types: it owns the
//! `Project` handle, turns store results into [`ProjectView`]s and store
//! errors into [`AppError`]s, and remembers recent files.

use std::path::{Path, PathBuf};

use backstop_model::error::capitalise;
use backstop_model::project::{ProjectInfo, Revision};
use backstop_model::time::now_ms;
use backstop_model::workspace::{
    NewProjectRequest, OpenFailure, OpenMode, PendingOpen, ProjectCounts, ProjectState, ProjectView, RecentProject,
};
use backstop_model::{AppError, ErrorCode};
use backstop_store::{Access, CreateOptions, Migration, OpenOptions, Project, RecentList, StoreError};

/// File extension of project files.
pub const EXTENSION: &str = "backstop";

/// The open project (if any), the recent-projects list and the last failure.
pub struct Session {
    project: Option<Project>,
    recent_file: PathBuf,
    failure: Option<OpenFailure>,
    /// Where the next new project goes, as chosen in the save dialog.
    new_location: Option<PathBuf>,
    /// A file handed over by a second launch while a project was open.
    pending_open: Option<PathBuf>,
}

/// Maps a store error to the IPC error. Two cases get their own codes so
/// that the UI can offer the next step: upgrading an older file (after
/// confirmation) and opening a recovered copy of a damaged one.
pub fn store_error(err: StoreError) -> AppError {
    let code = match &err {
        StoreError::NeedsMigration { .. } => ErrorCode::NeedsMigration,
        e if e.is_recoverable() => ErrorCode::DamagedRecoverable,
        e => e.code(),
    };
    let message = match code {
        // Database internals are not actionable; say what to do instead.
        ErrorCode::Internal => {
            eprintln!("backstop-app: internal store error: {err}");
            format!(
                "Backstop hit an internal error while using the project file ({err}). The last edit was not saved; try it again, and if it fails again, use Save As to keep a copy."
            )
        }
        _ => capitalise(&err.to_string()),
    };
    AppError::new(code, message)
}

fn no_project() -> AppError {
    AppError::new(ErrorCode::NoProject, "No project is open. Create a new project (Ctrl+N) or open one (Ctrl+O).")
}

/// `path` with the `.backstop` extension added when it has none.
pub fn with_extension(path: &Path) -> PathBuf {
    match path.extension() {
        Some(ext) if ext == EXTENSION => path.to_owned(),
        _ => {
            let mut p = path.as_os_str().to_owned();
            p.push(".");
            p.push(EXTENSION);
            PathBuf::from(p)
        }
    }
}

impl Session {
    /// A session remembering recent files in `config_dir/recent.json`.
    pub fn new(config_dir: &Path) -> Self {
        Session { project: None, recent_file: config_dir.join("recent.json"), failure: None, new_location: None, pending_open: None }
    }

    /// The open project, or the "no project" error.
    pub fn project(&self) -> Result<&Project, AppError> {
        self.project.as_ref().ok_or_else(no_project)
    }

    /// The open project for editing, or an error when none is open or it is
    /// read-only.
    pub fn project_mut(&mut self) -> Result<&mut Project, AppError> {
        let project = self.project.as_mut().ok_or_else(no_project)?;
        if project.access() == Access::View {
            return Err(store_error(StoreError::ReadOnlyProject));
        }
        Ok(project)
    }

    pub fn path(&self) -> Option<&Path> {
        self.project.as_ref().map(|p| p.path())
    }

    /// Window title for the current state.
    pub fn title(&self) -> String {
        match self.project.as_ref().and_then(|p| p.title().ok()) {
            Some(t) => format!("{t} — Backstop"),
            None => "Backstop".to_string(),
        }
    }

    /// Everything the Project area shows.
    pub fn state(&self) -> Result<ProjectState, AppError> {
        let project = match &self.project {
            Some(p) => Some(view(p)?),
            None => None,
        };
        let open_request = self.pending_open.as_ref().map(|p| PendingOpen {
            path: p.display().to_string(),
            replaces: self.project.as_ref().and_then(|pr| pr.title().ok()).unwrap_or_default(),
        });
        Ok(ProjectState { project, recent: self.recent(), failure: self.failure.clone(), open_request })
    }

    /// Recent projects, most recent first; unreadable list → empty (the
    /// list is a convenience, never a reason to fail).
    pub fn recent(&self) -> Vec<RecentProject> {
        let list = RecentList::load(&self.recent_file).unwrap_or_else(|err| {
            eprintln!("backstop-app: ignoring the recent-projects list: {err}");
            RecentList::default()
        });
        list.entries
            .into_iter()
            .map(|e| RecentProject {
                exists: e.path.is_file(),
                path: e.path.display().to_string(),
                name: e.name,
                opened_at_ms: e.opened_at_ms,
            })
            .collect()
    }

    fn remember(&self, project: &Project) {
        let mut list = RecentList::load(&self.recent_file).unwrap_or_default();
        let name = project.info().map(|i| i.name).unwrap_or_default();
        list.touch(project.path(), &name, now_ms());
        if let Err(err) = list.save(&self.recent_file) {
            eprintln!("backstop-app: could not update the recent-projects list: {err}");
        }
    }

    /// Removes a file from the recent list (e.g. one that no longer exists).
    pub fn forget(&mut self, path: &Path) -> Result<(), AppError> {
        let mut list = RecentList::load(&self.recent_file).unwrap_or_default();
        list.remove(path);
        list.save(&self.recent_file).map_err(store_error)
    }

    fn install(&mut self, mut project: Project) -> Result<ProjectView, AppError> {
        project.set_user(&backstop_store::lock::current_user());
        self.remember(&project);
        self.failure = None;
        // Closing the previous project releases its lock.
        self.project = Some(project);
        view(self.project()?)
    }

    /// Remembers where the engineer chose, in the native save dialog, to
    /// create the next new project; returns it with the extension added.
    pub fn choose_new_location(&mut self, chosen: &Path) -> PathBuf {
        let path = with_extension(chosen);
        self.new_location = Some(path.clone());
        path
    }

    /// Creates a project file where [`Session::choose_new_location`] said
    /// and opens it. An existing file is never replaced.
    pub fn create(&mut self, request: &NewProjectRequest) -> Result<ProjectView, AppError> {
        let name = request.info.name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("Give the project a name (it appears in the title bar and on every report)."));
        }
        let Some(path) = self.new_location.clone() else {
            return Err(AppError::invalid("Choose where to save the project file (Browse…)."));
        };
        if let Some(current) = self.path()
            && current == path
        {
            return Err(AppError::invalid(format!("{} is the project that is open now; choose another file name.", path.display())));
        }
        let mut info = request.info.clone();
        info.name = name.to_string();
        if info.created_at_ms == 0 {
            info.created_at_ms = now_ms();
        }
        let project = Project::create(&path, &info, &CreateOptions { replace_existing: false }).map_err(store_error)?;
        self.new_location = None;
        self.install(project)
    }

    /// Opens a file the UI names: only one the backend offered it (a recent
    /// project, the file of the last failed open, the project open now),
    /// so the webview cannot make Backstop open files of its choosing.
    pub fn open_offered(&mut self, path: &Path, mode: OpenMode) -> Result<ProjectView, AppError> {
        let offered = self.path() == Some(path)
            || self.failure.as_ref().is_some_and(|f| Path::new(&f.path) == path)
            || RecentList::load(&self.recent_file).is_ok_and(|l| l.entries.iter().any(|e| e.path == path));
        if !offered {
            return Err(AppError::invalid(format!("{} is not among the recent projects; open it with Open… (Ctrl+O).", path.display())));
        }
        self.open(path, mode)
    }

    /// Opens a project file; on failure keeps the failure for the UI.
    pub fn open(&mut self, path: &Path, mode: OpenMode) -> Result<ProjectView, AppError> {
        if self.path() == Some(path) && mode == OpenMode::Edit {
            return view(self.project()?);
        }
        // Release our own lock first if the same file is reopened in another mode.
        if self.path() == Some(path) {
            self.project = None;
        }
        let result = match mode {
            OpenMode::Edit => Project::open(path, &OpenOptions::edit()),
            OpenMode::View => Project::open(path, &OpenOptions::view()),
            OpenMode::Migrate => Project::open(path, &OpenOptions { migration: Migration::BackupThenMigrate, ..OpenOptions::edit() }),
            OpenMode::Recovered => Project::recover(path),
        };
        match result {
            Ok(project) => self.install(project),
            Err(err) => {
                let error = store_error(err);
                self.failure = Some(OpenFailure { path: path.display().to_string(), error: error.clone() });
                Err(error)
            }
        }
    }

    /// Forgets the last failed open.
    pub fn dismiss_failure(&mut self) {
        self.failure = None;
    }

    /// A file handed over by a second launch: opened at once when no
    /// project is open (a failure shows like any failed open), otherwise
    /// kept for the engineer to accept or decline. The same file again
    /// changes nothing.
    pub fn hand_over(&mut self, path: &Path) {
        if self.path() == Some(path) {
            self.pending_open = None;
            return;
        }
        if self.project.is_none() {
            self.pending_open = None;
            let _ = self.open(path, OpenMode::Edit);
        } else {
            self.pending_open = Some(path.to_owned());
        }
    }

    /// Opens the handed-over file in place of the open project.
    pub fn accept_handed(&mut self) -> Result<ProjectView, AppError> {
        let path = self
            .pending_open
            .take()
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "No project file is waiting to be opened; open one with File → Open."))?;
        self.close();
        self.open(&path, OpenMode::Edit)
    }

    /// Keeps the open project; forgets the handed-over file.
    pub fn decline_handed(&mut self) {
        self.pending_open = None;
    }

    /// Closes the open project (releasing its lock).
    pub fn close(&mut self) {
        if let Some(project) = self.project.take() {
            project.close();
        }
    }

    /// Writes the project to `target` and continues there.
    pub fn save_as(&mut self, target: &Path) -> Result<ProjectView, AppError> {
        let target = with_extension(target);
        let project = self.project.as_mut().ok_or_else(no_project)?;
        project.save_as(&target, &CreateOptions { replace_existing: true }).map_err(store_error)?;
        let project = self.project.take().ok_or_else(no_project)?;
        self.install(project)
    }

    /// Changes the project details (one undoable edit).
    pub fn update_info(&mut self, info: &ProjectInfo) -> Result<ProjectView, AppError> {
        if info.name.trim().is_empty() {
            return Err(AppError::invalid("The project name cannot be empty."));
        }
        let project = self.project_mut()?;
        let current = project.info().map_err(store_error)?;
        let mut next = info.clone();
        next.name = next.name.trim().to_string();
        // The creation time is a fact of the file, not an editable field.
        next.created_at_ms = current.created_at_ms;
        if next != current {
            let label = info_edit_label(&current, &next);
            project.edit(&label, |e| e.set_project_info(&next)).map_err(store_error)?;
        }
        view(self.project()?)
    }

    /// Adds or replaces an issued revision (one undoable edit).
    pub fn put_revision(&mut self, revision: &Revision) -> Result<ProjectView, AppError> {
        if revision.rev.trim().is_empty() {
            return Err(AppError::invalid("A revision needs a label such as A, B or 0."));
        }
        if !revision.date_is_valid() {
            return Err(AppError::invalid(format!("\"{}\" is not a date; write the issue date as YYYY-MM-DD.", revision.date)));
        }
        let project = self.project_mut()?;
        project.edit(&format!("Issue revision {}", revision.rev), |e| e.put_revision(revision)).map_err(store_error)?;
        view(self.project()?)
    }

    pub fn undo(&mut self) -> Result<ProjectView, AppError> {
        self.project_mut()?.undo().map_err(store_error)?;
        view(self.project()?)
    }

    pub fn redo(&mut self) -> Result<ProjectView, AppError> {
        self.project_mut()?.redo().map_err(store_error)?;
        view(self.project()?)
    }

    /// Writes the design as JSON to `target`.
    pub fn export_json(&self, target: &Path) -> Result<(), AppError> {
        let json = self.project()?.export_design_json().map_err(store_error)?;
        write_file_atomically(target, json.as_bytes())
    }

    /// Creates a new project at `target` from a design JSON file and opens it.
    pub fn import_json(&mut self, source: &Path, target: &Path) -> Result<ProjectView, AppError> {
        let json = backstop_store::files::read_text(source, backstop_store::interchange::MAX_DESIGN_JSON_BYTES).map_err(store_error)?;
        let target = with_extension(target);
        let project = Project::import_design_json(&target, &json, &CreateOptions { replace_existing: false }).map_err(store_error)?;
        self.install(project)
    }
}

/// "Edit project details" or, for a single field, e.g. "Change client".
fn info_edit_label(a: &ProjectInfo, b: &ProjectInfo) -> String {
    let mut changed = Vec::new();
    for (field, x, y) in [
        ("name", &a.name, &b.name),
        ("client", &a.client, &b.client),
        ("site", &a.site, &b.site),
        ("address", &a.address, &b.address),
        ("engineer", &a.engineer, &b.engineer),
        ("notes", &a.notes, &b.notes),
    ] {
        if x != y {
            changed.push(field);
        }
    }
    match changed.as_slice() {
        [one] => format!("Change {one}"),
        _ => "Edit project details".to_string(),
    }
}

/// Writes `bytes` to `target` completely or not at all (the store's
/// [`backstop_store::files::write_bytes`]: a unique temporary file in the
/// same folder, synced, then renamed into place), replacing an existing file
/// the engineer chose in the save dialog.
pub fn write_file_atomically(target: &Path, bytes: &[u8]) -> Result<(), AppError> {
    backstop_store::files::write_bytes(target, bytes, true).map_err(store_error)
}

fn view(project: &Project) -> Result<ProjectView, AppError> {
    let summary = project.summary().map_err(store_error)?;
    let undo = project.undo_state().map_err(store_error)?;
    let design = project.design().map_err(store_error)?;
    let title = project.title().map_err(store_error)?;
    let report = project.open_report();
    let mut notices = Vec::new();
    if let Some(owner) = &report.took_over_lock {
        notices.push(format!("The file was still marked as open by {owner}, which is no longer running; Backstop took it over."));
    }
    if report.rolled_back_interrupted_edit {
        notices.push("An edit that was interrupted (crash or power loss) was rolled back; every completed edit is intact.".into());
    }
    if let Some(m) = &report.migrated {
        notices.push(format!("The file was upgraded from format {} to {}; the original was kept as {}.", m.from, m.to, m.backup.display()));
    }
    if report.interrupted_edit_rolled_back_in_copy {
        notices.push("The file was left in the middle of an edit (a crash or power loss). It is shown as it was before that edit; the file itself is unchanged until you open it for editing, which rolls the unfinished edit back.".into());
    }
    if report.viewing_upgraded_copy {
        notices.push("This older file is shown through an upgraded copy in memory; the file itself is unchanged.".into());
    }
    if let Some(r) = &report.recovered {
        let rows: u64 = r.rows_recovered.iter().map(|(_, n)| n).sum();
        let losses = if r.is_complete() {
            "every record was readable".to_string()
        } else {
            let mut lost = r.tables_with_losses.clone();
            lost.extend(r.left_out.iter().cloned());
            format!("some records could not be read ({})", lost.join("; "))
        };
        notices.push(format!(
            "This is a read-only copy recovered from the damaged file {}: {rows} records recovered, {losses}. Use Save As to keep it.",
            r.source.display()
        ));
    }
    let [rooms, equipment, racks, power_units, egress_paths] = summary.layout_counts;
    let [sizing_cases, sizing_results] = summary.sizing;
    let [sessions, step_results, signoffs] = summary.commissioning;
    let [telemetry_points, _chunks, telemetry_samples] = summary.telemetry;
    Ok(ProjectView {
        path: summary.path.display().to_string(),
        file_name: summary.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        title,
        read_only: project.access() == Access::View,
        info: summary.info,
        revisions: design.revisions,
        counts: ProjectCounts {
            rooms,
            equipment,
            racks,
            power_units,
            egress_paths,
            catalog_entries: summary.catalog_entries,
            sizing_cases,
            sizing_results,
            sessions,
            step_results,
            signoffs,
            audit_entries: summary.audit_entries,
            telemetry_points,
            telemetry_samples,
        },
        file_bytes: summary.file_bytes,
        schema_version: summary.schema_version,
        created_by: summary.created_by,
        written_by: summary.written_by,
        undo: undo.undo.map(|s| s.label),
        redo: undo.redo.map(|s| s.label),
        undo_depth: undo.undo_depth,
        redo_depth: undo.redo_depth,
        notices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        tempfile::Builder::new().prefix("backstop-app-session-").tempdir().unwrap().keep()
    }

    fn request() -> NewProjectRequest {
        NewProjectRequest { info: ProjectInfo { name: "Hall B backstop".into(), client: "Northwind".into(), ..Default::default() } }
    }

    /// A new project at `dir/name`, chosen as the save dialog would.
    fn create(s: &mut Session, dir: &Path, name: &str) -> Result<ProjectView, AppError> {
        s.choose_new_location(&dir.join(name));
        s.create(&request())
    }

    #[test]
    fn a_handed_over_file_opens_at_once_or_waits_for_the_engineer() {
        let dir = scratch();
        let mut s = Session::new(&dir.join("config"));
        let a = PathBuf::from(create(&mut s, &dir, "site a").unwrap().path);
        let b = PathBuf::from(create(&mut s, &dir, "site b").unwrap().path);
        s.close();
        // Nothing open: opened at once.
        s.hand_over(&a);
        assert_eq!(s.path(), Some(a.as_path()));
        assert_eq!(s.state().unwrap().open_request, None);
        // The same file again: nothing to ask.
        s.hand_over(&a);
        assert_eq!(s.state().unwrap().open_request, None);
        // Another file while one is open: it waits, naming what it would replace.
        s.hand_over(&b);
        let req = s.state().unwrap().open_request.expect("a pending request");
        assert_eq!(req.path, b.display().to_string());
        assert_eq!(req.replaces, "Hall B backstop — site a.backstop");
        assert_eq!(s.path(), Some(a.as_path()), "nothing changes until the engineer decides");
        s.decline_handed();
        assert_eq!(s.state().unwrap().open_request, None);
        assert_eq!(s.path(), Some(a.as_path()));
        s.hand_over(&b);
        let v = s.accept_handed().unwrap();
        assert_eq!(PathBuf::from(v.path), b);
        assert!(matches!(s.accept_handed(), Err(e) if e.code == ErrorCode::NotFound));
        // A file that cannot be opened shows like any failed open.
        s.close();
        let bad = dir.join("not a project.backstop");
        std::fs::write(&bad, b"hello").unwrap();
        s.hand_over(&bad);
        assert_eq!(s.state().unwrap().failure.expect("the failure is kept").path, bad.display().to_string());
    }

    #[test]
    fn create_edit_undo_close_and_reopen_from_recent() {
        let dir = scratch();
        let mut s = Session::new(&dir.join("config"));
        let v = create(&mut s, &dir, "site one").unwrap();
        assert!(v.path.ends_with("site one.backstop"), "extension added: {}", v.path);
        assert_eq!(s.title(), "Hall B backstop — site one.backstop — Backstop");

        let mut info = v.info.clone();
        info.client = "Northwind Data".into();
        let v = s.update_info(&info).unwrap();
        assert_eq!(v.info.client, "Northwind Data");
        assert_eq!(v.undo.as_deref(), Some("Change client"));

        let v = s.undo().unwrap();
        assert_eq!(v.info.client, "Northwind");
        assert_eq!(v.redo.as_deref(), Some("Change client"));
        let v = s.redo().unwrap();
        assert_eq!(v.info.client, "Northwind Data");

        let path = PathBuf::from(&v.path);
        s.close();
        assert_eq!(s.title(), "Backstop");
        assert!(matches!(s.update_info(&info), Err(e) if e.code == ErrorCode::NoProject));

        let recent = s.recent();
        assert_eq!(recent.len(), 1);
        assert!(recent[0].exists);
        assert_eq!(recent[0].name, "Hall B backstop");
        let v = s.open_offered(Path::new(&recent[0].path), OpenMode::Edit).unwrap();
        assert_eq!(v.path, path.display().to_string());
        assert_eq!(v.info.client, "Northwind Data", "the edit survived closing");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn failed_open_is_kept_for_the_ui_and_names_the_problem() {
        let dir = scratch();
        let mut s = Session::new(&dir.join("config"));
        let bad = dir.join("notes.backstop");
        std::fs::write(&bad, b"this is not a database at all, just text").unwrap();
        let before = std::fs::read(&bad).unwrap();
        let err = s.open(&bad, OpenMode::Edit).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadProjectFile);
        assert!(err.message.contains("not a Backstop project"), "{}", err.message);
        assert_eq!(s.state().unwrap().failure.unwrap().error, err);
        assert_eq!(std::fs::read(&bad).unwrap(), before, "a failed open changes nothing");
        // The failed file may be opened again by name (e.g. for viewing);
        // any other path the UI names is refused without being touched.
        let err = s.open_offered(&bad, OpenMode::View).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadProjectFile);
        s.dismiss_failure();
        assert!(s.state().unwrap().failure.is_none());
        let err = s.open_offered(&bad, OpenMode::View).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.contains("not among the recent projects"), "{}", err.message);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn invalid_requests_are_refused_before_touching_files() {
        let dir = scratch();
        let mut s = Session::new(&dir.join("config"));
        let mut r = request();
        s.choose_new_location(&dir.join("x"));
        r.info.name = "  ".into();
        assert_eq!(s.create(&r).unwrap_err().code, ErrorCode::InvalidInput);
        assert!(!dir.join("x.backstop").exists());
        create(&mut s, &dir, "y").unwrap();
        // The location is used once; another project needs another choice.
        let e = s.create(&request()).unwrap_err();
        assert!(e.message.contains("Choose where to save the project file"), "{}", e.message);
        let bad_rev = Revision { rev: "A".into(), date: "2026-02-30".into(), author: "me".into(), description: String::new() };
        let err = s.put_revision(&bad_rev).unwrap_err();
        assert!(err.message.contains("YYYY-MM-DD"), "{}", err.message);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn json_export_then_import_gives_the_same_design() {
        let dir = scratch();
        let mut s = Session::new(&dir.join("config"));
        create(&mut s, &dir, "a").unwrap();
        let json = dir.join("a.json");
        s.export_json(&json).unwrap();
        let v = s.import_json(&json, &dir.join("b")).unwrap();
        assert!(v.path.ends_with("b.backstop"));
        assert_eq!(v.info.client, "Northwind");
        let _ = std::fs::remove_dir_all(dir);
    }
}
