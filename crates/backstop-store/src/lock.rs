//! One writer per project: an advisory sidecar lock file.
//!
//! Opening a project for editing creates `.<file name>.lock` next to it,
//! holds an OS advisory lock on it (`flock`/`LockFileEx` through
//! [`std::fs::File::try_lock`]) for as long as the project is open, and
//! writes who holds it (user, host, process id, Backstop version, since when)
//! into it as JSON. Closing removes it.
//!
//! Why a sidecar rather than a lock row inside the project: the project file
//! must not change when it is merely opened (engineers copy and email it, and
//! sync tools would see a change), a lock row left behind by a crash would
//! travel inside an emailed copy, and SQLite's own locks in rollback-journal
//! mode last only for the duration of a transaction, so they cannot keep a
//! second instance out between edits.
//!
//! Stale locks: the OS releases the advisory lock when its process dies, so
//! a lock file whose lock can be taken was left by a crash and is taken over
//! (the previous owner is reported). On file systems without advisory locks
//! the recorded host and process id decide: a lock from this host whose
//! process is gone is stale; anything else counts as held unless the caller
//! chose [`LockPolicy::Break`].

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
        LockOwner {
            user: String::new(),
            host: String::new(),
            pid: 0,
            app_version: String::new(),
            since_ms: 0,
        }
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

/// A held writer lock; released (and its file removed) on drop.
#[derive(Debug)]
pub struct WriterLock {
    file: Option<File>,
    path: PathBuf,
    /// The owner whose stale lock was taken over, if any.
    pub took_over: Option<LockOwner>,
}

/// The sidecar lock path of the project at `project`.
pub fn lock_path(project: &Path) -> PathBuf {
    let name = project
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".to_owned());
    project.with_file_name(format!(".{name}.lock"))
}

/// Who holds the writer lock of `project`, if anyone does. Never creates or
/// changes a file.
pub fn lock_holder(project: &Path) -> Option<LockOwner> {
    let path = lock_path(project);
    let file = OpenOptions::new().read(true).write(true).open(&path).ok()?;
    match file.try_lock() {
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
    }
}

impl WriterLock {
    /// Takes the writer lock of `project` or reports who holds it.
    pub fn acquire(project: &Path, policy: LockPolicy) -> Result<Self> {
        let path = lock_path(project);
        // A few rounds in case the lock file is removed by its owner between
        // our open and our lock.
        for _ in 0..5 {
            let mut file = match OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path) {
                Ok(f) => f,
                Err(e) => return Err(lock_io_error(project, e)),
            };
            let previous = read_owner_from(&mut file);
            match file.try_lock() {
                Ok(()) => {
                    if !same_file(&file, &path) {
                        continue;
                    }
                    let mut lock = WriterLock { file: Some(file), path, took_over: previous };
                    lock.write_owner(project)?;
                    return Ok(lock);
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked {
                        path: project.to_owned(),
                        owner: previous.unwrap_or_else(LockOwner::unknown),
                    });
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
                    let mut lock = WriterLock { file: Some(file), path, took_over: previous };
                    lock.write_owner(project)?;
                    return Ok(lock);
                }
            }
        }
        Err(StoreError::Locked { path: project.to_owned(), owner: LockOwner::unknown() })
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
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(owner.pid.to_string()).exists()
    } else {
        true
    }
}

/// Login name of the current user, from the environment.
pub fn current_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
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
