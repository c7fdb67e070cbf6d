//! One writer per project: an OS lock on the project file itself, and a
//! sidecar lock file saying who holds it.
//!
//! Opening a project for editing
//! 1. resolves the path to its canonical form (symlinks, `..`), so every
//!    name of one file in one folder finds the same sidecar;
//! 2. creates `.<file name>.lock` beside the canonical path, holds an OS
//!    advisory lock on it (`flock`/`LockFileEx` through
//!    [`std::fs::File::try_lock`]) and writes who holds it (user, host,
//!    process id, Backstop version, since when) into it as JSON;
//! 3. holds an exclusive advisory lock (`flock`) on the project file itself
//!    for as long as the project is open. The lock belongs to the file, not
//!    to a name: a hard link, a symlink from another folder, or a deleted
//!    sidecar cannot produce a second editor. `flock` locks are independent
//!    of the POSIX record locks SQLite takes on the same file.
//!
//! Closing removes the sidecar and releases both locks; the kernel releases
//! them when the process dies.
//!
//! Why the sidecar at all: it names the holder for the "already open by"
//! message, it keeps a file that does not exist yet (a new project, a Save
//! As target) reserved, and it is what remains on file systems without
//! advisory locks. Why not a lock row inside the project: the project file
//! must not change when it is merely opened (engineers copy and email it,
//! and sync tools would see a change), a lock row left behind by a crash
//! would travel inside an emailed copy, and SQLite's own locks in
//! rollback-journal mode last only for the duration of a transaction, so
//! they cannot keep a second instance out between edits.
//!
//! Within one process the project file is never opened a second time while
//! it is held (closing any descriptor of a file drops the POSIX locks the
//! process holds on it, SQLite's included): held files are remembered by
//! device and inode and refused before they are opened.
//!
//! Stale locks: the OS releases the advisory locks when their process dies,
//! so a lock file whose lock can be taken was left by a crash and is taken
//! over (the previous owner is reported). On file systems without advisory
//! locks the recorded host and process id decide: a lock from this host
//! whose process is gone is stale; anything else counts as held unless the
//! caller chose [`LockPolicy::Break`]. (On Windows, where a lock on the
//! file itself would block SQLite's own reads and writes, only the sidecar
//! is used.)

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::time::{format_utc, now_ms};

/// Who holds (or held) a project's writer lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockOwner {
    /// Login name of the user.
    pub user: String,
    /// Host name of the machine.
    pub host: String,
    /// Process id of the Backstop instance.
    pub pid: u32,
    /// Backstop version of that instance.
    pub app_version: String,
    /// When the lock was taken, ms since the Unix epoch.
    pub since_ms: i64,
}

impl LockOwner {
    /// The owner record for this process.
    pub fn current() -> Self {
        LockOwner {
            user: current_user(),
            host: current_host(),
            pid: std::process::id(),
            app_version: crate::schema::APP_VERSION.to_owned(),
            since_ms: now_ms(),
        }
    }

    /// An owner about whom nothing is known (the lock file was unreadable).
    fn unknown() -> Self {
        LockOwner { user: String::new(), host: String::new(), pid: 0, app_version: String::new(), since_ms: 0 }
    }
}

impl fmt::Display for LockOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.is_empty() && self.user.is_empty() {
            return write!(f, "another Backstop instance");
        }
        write!(
            f,
            "{} on {} (Backstop {}, process {}) since {}",
            if self.user.is_empty() { "someone" } else { &self.user },
            if self.host.is_empty() { "an unknown computer" } else { &self.host },
            self.app_version,
            self.pid,
            format_utc(self.since_ms)
        )
    }
}

/// What to do about a lock that looks held but cannot be verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockPolicy {
    /// Refuse to open when another instance may hold the project.
    #[default]
    Respect,
    /// Take the lock over even though its owner may still be alive; for the
    /// engineer who confirmed that the other instance is gone (e.g. a crash
    /// on another machine sharing the folder).
    Break,
}

/// A held writer lock; released (and its sidecar removed) on drop.
#[derive(Debug)]
pub struct WriterLock {
    file: Option<File>,
    path: PathBuf,
    /// The project file itself, locked (once it exists).
    db: Option<File>,
    /// Device and inode of the locked project file, in [`HELD`].
    db_id: Option<(u64, u64)>,
    /// The owner whose stale lock was taken over, if any.
    pub took_over: Option<LockOwner>,
}

/// Project files this process holds locked, by device and inode.
static HELD: std::sync::Mutex<Vec<(u64, u64)>> = std::sync::Mutex::new(Vec::new());

fn held() -> std::sync::MutexGuard<'static, Vec<(u64, u64)>> {
    HELD.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Device and inode of the file at `path` (following symlinks).
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// `path` made absolute with symlinks and `..` resolved; for a file that
/// does not exist yet, its folder resolved and its name kept.
pub fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            dir.canonicalize().map(|d| d.join(name)).unwrap_or_else(|_| path.to_owned())
        }
        _ => path.to_owned(),
    }
}

/// The sidecar lock path of the project at `project` (beside its
/// canonical path).
pub fn lock_path(project: &Path) -> PathBuf {
    let project = canonical(project);
    let name = project.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "project".to_owned());
    project.with_file_name(format!(".{name}.lock"))
}

/// Who holds the writer lock of `project`, if anyone does. Never creates or
/// changes a file.
pub fn lock_holder(project: &Path) -> Option<LockOwner> {
    let path = lock_path(project);
    let sidecar = OpenOptions::new().read(true).write(true).open(&path).ok().and_then(|file| match file.try_lock() {
        Ok(()) => {
            // Nobody holds it: a stale file.
            let _ = file.unlock();
            None
        }
        Err(std::fs::TryLockError::WouldBlock) => Some(read_owner(&path).unwrap_or_else(LockOwner::unknown)),
        Err(std::fs::TryLockError::Error(_)) => {
            let owner = read_owner(&path)?;
            process_alive(&owner).then_some(owner)
        }
    });
    sidecar.or_else(|| db_holder(project))
}

/// Whether the project file itself is locked by an editor (held here, or
/// by another process under any name of the file).
#[cfg(unix)]
fn db_holder(project: &Path) -> Option<LockOwner> {
    let id = file_id(project)?;
    if held().contains(&id) {
        return Some(LockOwner::current());
    }
    let file = File::open(project).ok()?;
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(std::fs::TryLockError::WouldBlock) => Some(LockOwner::unknown()),
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

#[cfg(not(unix))]
fn db_holder(_project: &Path) -> Option<LockOwner> {
    None
}

/// Refuses `project` when this process holds it for editing under any name.
pub(crate) fn refuse_if_held_here(project: &Path) -> Result<()> {
    match file_id(project) {
        Some(id) if held().contains(&id) => Err(StoreError::Locked { path: project.to_owned(), owner: LockOwner::current() }),
        _ => Ok(()),
    }
}

impl WriterLock {
    /// Takes the writer lock of `project` or reports who holds it.
    pub fn acquire(project: &Path, policy: LockPolicy) -> Result<Self> {
        let canonical = canonical(project);
        // Another name of a file this process already holds: refused before
        // the file is opened (see the module docs).
        refuse_if_held_here(project)?;
        let mut lock = WriterLock::acquire_sidecar(project, &canonical, policy)?;
        lock.attach(&canonical).map_err(|e| match e {
            StoreError::Locked { owner, .. } => StoreError::Locked { path: project.to_owned(), owner },
            other => other,
        })?;
        Ok(lock)
    }

    fn acquire_sidecar(project: &Path, canonical: &Path, policy: LockPolicy) -> Result<Self> {
        let path = lock_path(canonical);
        // A few rounds in case the lock file is removed by its owner between
        // our open and our lock.
        for _ in 0..5 {
            let mut file = match OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path) {
                Ok(f) => f,
                Err(e) => return Err(lock_io_error(project, e)),
            };
            let previous = read_owner_from(&mut file);
            let new = |file, took_over| WriterLock { file: Some(file), path: path.clone(), db: None, db_id: None, took_over };
            match file.try_lock() {
                Ok(()) => {
                    if !same_file(&file, &path) {
                        continue;
                    }
                    return Ok(new(file, previous));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked { path: project.to_owned(), owner: previous.unwrap_or_else(LockOwner::unknown) });
                }
                Err(std::fs::TryLockError::Error(_)) => {
                    // No advisory locks here (some network file systems):
                    // decide from the recorded owner.
                    if let Some(owner) = &previous
                        && process_alive(owner)
                        && owner.pid != std::process::id()
                        && policy == LockPolicy::Respect
                    {
                        return Err(StoreError::Locked { path: project.to_owned(), owner: owner.clone() });
                    }
                    return Ok(new(file, previous));
                }
            }
        }
        Err(StoreError::Locked { path: project.to_owned(), owner: LockOwner::unknown() })
    }

    /// Locks the project file itself (once it exists; a new project is
    /// attached after it was put in place) and records the owner in the
    /// sidecar. Refuses when another editor holds the file under any name.
    pub(crate) fn attach(&mut self, project: &Path) -> Result<()> {
        let id = file_id(project);
        if self.db.is_some() && self.db_id == id {
            return Ok(());
        }
        // The file at `project` was replaced (Save As over an existing
        // file): let go of the old one.
        self.release_db();
        #[cfg(unix)]
        if let Some(id) = id {
            if held().contains(&id) {
                return Err(StoreError::Locked { path: project.to_owned(), owner: LockOwner::current() });
            }
            let file = File::open(project).map_err(|e| lock_io_error(project, e))?;
            match file.try_lock() {
                Ok(()) => {
                    held().push(id);
                    self.db = Some(file);
                    self.db_id = Some(id);
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    // Held under another name (a hard link, another folder
                    // through a symlink) or with its sidecar deleted.
                    self.release_unused_sidecar();
                    return Err(StoreError::Locked { path: project.to_owned(), owner: LockOwner::unknown() });
                }
                // No advisory locks on this file system: the sidecar decides.
                Err(std::fs::TryLockError::Error(_)) => {}
            }
        }
        self.write_owner(project)
    }

    fn release_db(&mut self) {
        if let Some(db) = self.db.take() {
            let _ = db.unlock();
        }
        if let Some(id) = self.db_id.take() {
            held().retain(|h| *h != id);
        }
    }

    /// Gives up a sidecar taken for nothing: removes it when it says
    /// nothing (this attempt created it), unlocks it either way.
    #[cfg(unix)]
    fn release_unused_sidecar(&mut self) {
        if let Some(mut file) = self.file.take() {
            if read_owner_from(&mut file).is_none() && file.metadata().is_ok_and(|m| m.len() == 0) {
                let _ = std::fs::remove_file(&self.path);
            }
            let _ = file.unlock();
        }
    }

    fn write_owner(&mut self, project: &Path) -> Result<()> {
        let Some(file) = self.file.as_mut() else { return Ok(()) };
        let json = serde_json::to_vec_pretty(&LockOwner::current())
            .map_err(|source| StoreError::Json { context: "writing the lock file".into(), source })?;
        let res = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(&json))
            .and_then(|()| file.sync_data());
        res.map_err(|e| lock_io_error(project, e))
    }

    /// Path of the lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // The project file first: whoever gets the sidecar next finds the
        // file free. (Closed here, after the project's own connection.)
        self.release_db();
        if let Some(file) = self.file.take() {
            // Remove while still holding the lock: whoever opened the old
            // file meanwhile finds it unlinked and retries (see `acquire`).
            let _ = std::fs::remove_file(&self.path);
            let _ = file.unlock();
        }
    }
}

fn lock_io_error(project: &Path, e: std::io::Error) -> StoreError {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            StoreError::ReadOnlyLocation { path: project.to_owned() }
        }
        _ => StoreError::io("create the lock file next to", project, e),
    }
}

fn read_owner(path: &Path) -> Option<LockOwner> {
    let mut f = File::open(path).ok()?;
    read_owner_from(&mut f)
}

fn read_owner_from(file: &mut File) -> Option<LockOwner> {
    let mut buf = Vec::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(64 * 1024).read_to_end(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Whether the process that wrote `owner` may still be running.
fn process_alive(owner: &LockOwner) -> bool {
    if owner.host != current_host() {
        // Cannot tell for another machine: assume it is alive.
        return true;
    }
    if cfg!(target_os = "linux") { Path::new("/proc").join(owner.pid.to_string()).exists() } else { true }
}

/// Login name of the current user, from the environment.
pub fn current_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .map(|s| s.chars().take(crate::limits::NAME_CHARS).collect())
        .unwrap_or_else(|| "unknown user".to_owned())
}

/// Host name of this machine.
pub fn current_host() -> String {
    if let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname")
        && !name.trim().is_empty()
    {
        return name.trim().to_owned();
    }
    if let Ok(name) = std::fs::read_to_string("/etc/hostname")
        && !name.trim().is_empty()
    {
        return name.trim().to_owned();
    }
    ["COMPUTERNAME", "HOSTNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown host".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_acquire_reports_the_owner_and_drop_releases() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("site.backstop");
        let lock = WriterLock::acquire(&project, LockPolicy::Respect).unwrap();
        assert!(lock.path().exists());
        assert_eq!(lock_holder(&project).unwrap().pid, std::process::id());
        match WriterLock::acquire(&project, LockPolicy::Respect) {
            Err(StoreError::Locked { owner, .. }) => {
                assert_eq!(owner.pid, std::process::id());
                assert_eq!(owner.host, current_host());
                let msg = StoreError::Locked { path: project.clone(), owner }.to_string();
                assert!(msg.contains("already open for editing by"), "{msg}");
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(lock);
        assert!(!lock_path(&project).exists());
        assert!(lock_holder(&project).is_none());
        let again = WriterLock::acquire(&project, LockPolicy::Respect).unwrap();
        assert!(again.took_over.is_none());
    }

    #[test]
    fn a_stale_lock_file_is_taken_over_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("site.backstop");
        let stale = LockOwner { pid: 999_999_999, ..LockOwner::current() };
        std::fs::write(lock_path(&project), serde_json::to_vec(&stale).unwrap()).unwrap();
        assert!(lock_holder(&project).is_none());
        let lock = WriterLock::acquire(&project, LockPolicy::Respect).unwrap();
        assert_eq!(lock.took_over.as_ref().map(|o| o.pid), Some(999_999_999));
    }
}
