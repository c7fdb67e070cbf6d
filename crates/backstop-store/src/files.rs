//! Files Backstop writes and reads besides the project itself: every file it
//! creates or replaces (new project, import, demo, export, report, plan,
//! BOM, calculation sheet, backup copy, recent list) appears complete or
//! not at all, and every file it is asked to read is checked to be a
//! regular file before a byte is read.
//!
//! Writing: the content goes to a temporary file with a unique name in the
//! target's folder (`.<name>.<16 hex digits>.tmp`, created exclusively, so
//! it never follows a symlink or reuses another file), is synced, then
//! renamed into place (or hard-linked, when an existing file must not be
//! replaced), and the folder is synced. A kill at any moment leaves either
//! the old state or the complete new file, plus at most a temporary file.
//! The writer holds an advisory lock on its temporary file while it works;
//! the next write beside the same target removes temporaries whose lock is
//! free (their writer is gone) and that are older than a few seconds.
//!
//! Reading: [`read_regular`] opens without blocking and refuses named pipes,
//! devices and sockets (a FIFO would hang the reader; `/dev/zero` never
//! ends) and files over a size limit, with a sentence saying what to do.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Result, StoreError, is_disk_full};

/// Suffix of temporary files (before an optional `-journal`).
const TEMP_SUFFIX: &str = ".tmp";
/// Temporaries younger than this are never swept (their writer may not
/// have locked them yet).
const SWEEP_MIN_AGE: Duration = Duration::from_secs(10);
/// Longest file-name part kept in a temporary name (NAME_MAX is 255 bytes).
const MAX_NAME_PART: usize = 200;

/// A temporary file beside a target, removed on drop unless committed.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    file: Option<File>,
    target: PathBuf,
}

/// The folder holding `path` (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The file-name part of temporaries of `target`: `.<name>.`.
fn temp_prefix(target: &Path) -> String {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let mut cut = name.len().min(MAX_NAME_PART);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(".{}.", &name[..cut])
}

/// 64 bits that differ between processes, calls and moments.
fn random_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_u128(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.finish()
}

impl TempFile {
    /// Creates a new, empty, exclusively created and locked temporary file
    /// in the folder of `target`, after sweeping abandoned temporaries of
    /// the same target.
    pub fn beside(target: &Path) -> Result<TempFile> {
        if target.file_name().is_none() {
            return Err(StoreError::Invalid(format!("\"{}\" does not name a file; choose a file name", target.display())));
        }
        sweep(target);
        let prefix = temp_prefix(target);
        for _ in 0..16 {
            let path = target.with_file_name(format!("{prefix}{:016x}{TEMP_SUFFIX}", random_u64()));
            match OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
                Ok(file) => {
                    // Marks it as in use for `sweep` in other processes.
                    let _ = file.try_lock();
                    return Ok(TempFile { path, file: Some(file), target: target.to_owned() });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(write_io_error(target, e)),
            }
        }
        Err(StoreError::Io {
            action: "create a temporary file beside",
            path: target.to_owned(),
            source: std::io::Error::other("every name tried was taken"),
        })
    }

    /// The temporary file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut File {
        match self.file.as_mut() {
            Some(f) => f,
            None => unreachable_closed(),
        }
    }

    /// Syncs the temporary file and puts it in place of the target: renamed
    /// over it when `replace`, otherwise linked so that an existing file is
    /// never replaced (an empty one, left by an interrupted copy, is).
    /// Then syncs the folder.
    pub fn commit(mut self, replace: bool) -> Result<()> {
        let target = self.target.clone();
        let file = self.file.take().map_or_else(|| File::open(&self.path), Ok).map_err(|e| write_io_error(&target, e))?;
        file.sync_all().map_err(|e| write_io_error(&target, e))?;
        if replace {
            std::fs::rename(&self.path, &target).map_err(|e| write_io_error(&target, e))?;
        } else {
            match std::fs::hard_link(&self.path, &target) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&self.path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if is_empty_regular(&target) {
                        std::fs::rename(&self.path, &target).map_err(|e| write_io_error(&target, e))?;
                    } else {
                        return Err(StoreError::AlreadyExists { path: target });
                    }
                }
                // No hard links here (FAT, some network shares): check, then
                // rename. Not atomic against another writer, but a crash
                // still leaves the old state or the complete file.
                Err(_) => {
                    if std::fs::symlink_metadata(&target).is_ok() && !is_empty_regular(&target) {
                        return Err(StoreError::AlreadyExists { path: target });
                    }
                    std::fs::rename(&self.path, &target).map_err(|e| write_io_error(&target, e))?;
                }
            }
        }
        // Committed: nothing left to remove.
        self.path = PathBuf::new();
        // Unlocked by hand, not by closing: a child process started by
        // another thread holds a copy of this descriptor from its fork
        // until its exec, and the lock belongs to the open file, so a
        // close here would leave the placed file locked in that window and
        // the editor's lock on it (taken next) would be refused.
        let _ = file.unlock();
        drop(file);
        sync_folder(&target);
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_file(journal_of(&self.path));
        }
    }
}

#[cold]
fn unreachable_closed() -> ! {
    // `file` is only taken by `commit`, which consumes the TempFile.
    panic!("TempFile used after commit")
}

fn journal_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-journal");
    PathBuf::from(name)
}

fn is_empty_regular(path: &Path) -> bool {
    std::fs::symlink_metadata(path).map(|m| m.is_file() && m.len() == 0).unwrap_or(false)
}

/// Maps an error met while writing `target`.
pub(crate) fn write_io_error(target: &Path, e: std::io::Error) -> StoreError {
    if is_disk_full(&e) {
        return StoreError::DiskFull { path: target.to_owned() };
    }
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            StoreError::ReadOnlyLocation { path: target.to_owned() }
        }
        std::io::ErrorKind::NotFound => StoreError::NotFound { path: folder_of(target).to_owned() },
        _ => StoreError::Io { action: "write", path: target.to_owned(), source: e },
    }
}

/// Fsyncs the folder holding `path` so that a rename in it is durable.
pub(crate) fn sync_folder(path: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(folder_of(path)) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Removes temporaries of `target` abandoned by writers that are gone:
/// those whose advisory lock is free and that are older than a few
/// seconds, with their journals. Also removes the fixed-name temporaries
/// of earlier Backstop versions (`.<name>.new-<pid>` and the like) whose
/// process is no longer running. Best effort; errors are ignored.
pub fn sweep(target: &Path) {
    let prefix = temp_prefix(target);
    let Ok(entries) = std::fs::read_dir(folder_of(target)) else { return };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix(&prefix) else { continue };
        let base = rest.strip_suffix("-journal").unwrap_or(rest);
        let ours = base.strip_suffix(TEMP_SUFFIX).is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        let legacy_pid =
            ["new-", "saving-", "copying-"].iter().find_map(|tag| base.strip_prefix(tag)).and_then(|pid| pid.parse::<u32>().ok());
        if !ours && legacy_pid.is_none() {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if !meta.is_file() {
            continue;
        }
        let age = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).unwrap_or_default();
        if age < SWEEP_MIN_AGE {
            continue;
        }
        if let Some(pid) = legacy_pid {
            if process_running(pid) {
                continue;
            }
            let _ = std::fs::remove_file(&path);
            continue;
        }
        // A journal goes with its temporary; the temporary's lock decides.
        let main = if rest.ends_with("-journal") { target.with_file_name(format!("{prefix}{base}")) } else { path.clone() };
        let free = match OpenOptions::new().read(true).open(&main) {
            Ok(f) => f.try_lock().is_ok(),
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
        if free {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn process_running(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new("/proc").join(pid.to_string()).exists() } else { true }
}

/// Writes a file at `target` completely or not at all (see the module
/// docs): `write` fills a buffered temporary file. With `replace` false an
/// existing file is never replaced ([`StoreError::AlreadyExists`]).
pub fn write_atomically(target: &Path, replace: bool, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    check_writable_target(target)?;
    let mut temp = TempFile::beside(target)?;
    {
        let mut out = std::io::BufWriter::new(temp.file());
        write(&mut out).map_err(|e| write_io_error(target, e))?;
        out.flush().map_err(|e| write_io_error(target, e))?;
    }
    temp.commit(replace)
}

/// [`write_atomically`] of a byte string.
pub fn write_bytes(target: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    write_atomically(target, replace, |w| w.write_all(bytes))
}

/// Refuses a target that is a folder or a special file (writing "into" a
/// FIFO or a device is never what the engineer meant).
pub fn check_writable_target(target: &Path) -> Result<()> {
    match std::fs::metadata(target) {
        Ok(m) if m.is_dir() => Err(StoreError::IsDirectory { path: target.to_owned() }),
        Ok(m) if !m.is_file() => Err(StoreError::SpecialFile { path: target.to_owned(), kind: special_kind(&m) }),
        _ => Ok(()),
    }
}

/// What kind of special file `meta` describes, in words.
pub(crate) fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() { "a folder" } else { "not a regular file" }
}

/// Opens `path` for reading without blocking (a FIFO would wait for a
/// writer) and checks that what was opened is a regular file.
pub fn open_regular(path: &Path) -> Result<(File, std::fs::Metadata)> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    // The path first: a directory or a special file is named as such.
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(StoreError::IsDirectory { path: path.to_owned() }),
        Ok(m) if !m.is_file() => return Err(StoreError::SpecialFile { path: path.to_owned(), kind: special_kind(&m) }),
        Ok(_) => {}
        Err(e) => return Err(StoreError::io("read", path, e)),
    }
    let file = options.open(path).map_err(|e| StoreError::io("read", path, e))?;
    // Then what was really opened (the path may have changed meanwhile).
    let meta = file.metadata().map_err(|e| StoreError::io("read", path, e))?;
    if meta.is_dir() {
        return Err(StoreError::IsDirectory { path: path.to_owned() });
    }
    if !meta.is_file() {
        return Err(StoreError::SpecialFile { path: path.to_owned(), kind: special_kind(&meta) });
    }
    Ok((file, meta))
}

/// Reads a whole regular file of at most `max_bytes` (see [`open_regular`]).
pub fn read_regular(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let (file, meta) = open_regular(path)?;
    if meta.len() > max_bytes {
        return Err(StoreError::TooLarge { path: path.to_owned(), bytes: meta.len(), limit: max_bytes });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte more than allowed tells a file that grew while being read.
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(|e| StoreError::io("read", path, e))?;
    if bytes.len() as u64 > max_bytes {
        return Err(StoreError::TooLarge { path: path.to_owned(), bytes: bytes.len() as u64, limit: max_bytes });
    }
    Ok(bytes)
}

/// [`read_regular`] of a UTF-8 text file.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String> {
    let bytes = read_regular(path, max_bytes)?;
    String::from_utf8(bytes).map_err(|e| StoreError::NotText { path: path.to_owned(), at: e.utf8_error().valid_up_to() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn writes_replace_or_refuse_and_leave_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("plan.svg");
        write_bytes(&target, b"one", false).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        let e = write_bytes(&target, b"two", false).unwrap_err();
        assert!(matches!(e, StoreError::AlreadyExists { .. }), "{e}");
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        write_bytes(&target, b"three", true).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"three");
        assert_eq!(names(dir.path()), ["plan.svg"]);
        // An empty file (an interrupted copy) does not block a new file.
        let empty = dir.path().join("empty.json");
        std::fs::write(&empty, b"").unwrap();
        write_bytes(&empty, b"{}", false).unwrap();
        assert_eq!(std::fs::read(&empty).unwrap(), b"{}");
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.pdf");
        std::fs::write(&target, b"old").unwrap();
        let e = write_atomically(&target, true, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("typesetting failed"))
        })
        .unwrap_err();
        assert!(e.to_string().contains("typesetting failed"), "{e}");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["report.pdf"]);
    }

    #[cfg(unix)] // symlinks need privileges on Windows
    #[test]
    fn symlinks_at_the_target_are_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        let target = dir.path().join("export.csv");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        write_bytes(&target, b"a,b\n", true).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(std::fs::read(&target).unwrap(), b"a,b\n");
        assert!(!std::fs::symlink_metadata(&target).unwrap().file_type().is_symlink());
    }

    /// The temporary's lock is let go when it is placed even while another
    /// copy of its descriptor is open, as in a child process that another
    /// thread forked and that has not reached its exec yet: the project's
    /// own editor lock on the placed file must not be refused. (CI saw
    /// `Project::create` refused as "locked" when a test beside it started
    /// a process.)
    #[test]
    fn a_placed_temporary_is_unlocked_even_while_a_copy_of_its_descriptor_is_open() {
        let dir = tempfile::tempdir().unwrap();
        for replace in [false, true] {
            let target = dir.path().join(format!("site-{replace}.backstop"));
            let mut temp = TempFile::beside(&target).unwrap();
            temp.file().write_all(b"project").unwrap();
            // What a fork gives the child: the same open file, not a new one.
            let forked_copy = temp.file().try_clone().unwrap();
            temp.commit(replace).unwrap();
            let placed = File::open(&target).unwrap();
            assert!(placed.try_lock().is_ok(), "the placed file is still locked (replace {replace})");
            drop(forked_copy);
        }
    }

    #[test]
    fn abandoned_temporaries_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site.backstop");
        let old = SystemTime::now() - Duration::from_secs(60);
        let abandoned = dir.path().join(".site.backstop.0123456789abcdef.tmp");
        let abandoned_journal = dir.path().join(".site.backstop.0123456789abcdef.tmp-journal");
        let legacy = dir.path().join(".site.backstop.new-999999999");
        for p in [&abandoned, &abandoned_journal, &legacy] {
            std::fs::write(p, b"x").unwrap();
            File::options().write(true).open(p).unwrap().set_modified(old).unwrap();
        }
        // A live writer's temporary: locked.
        let live = dir.path().join(".site.backstop.fedcba9876543210.tmp");
        std::fs::write(&live, b"x").unwrap();
        let held = File::options().read(true).write(true).open(&live).unwrap();
        held.set_modified(old).unwrap();
        held.try_lock().unwrap();
        // Something that merely looks similar is never touched.
        let other = dir.path().join(".site.backstop.notes.tmp");
        std::fs::write(&other, b"x").unwrap();
        File::options().write(true).open(&other).unwrap().set_modified(old).unwrap();
        sweep(&target);
        assert_eq!(names(dir.path()), [".site.backstop.fedcba9876543210.tmp", ".site.backstop.notes.tmp"]);
        drop(held);
    }

    #[cfg(unix)] // FIFOs and /dev
    #[test]
    fn special_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("profile.csv");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_regular(&fifo, 1_000).unwrap_err();
        assert!(matches!(e, StoreError::SpecialFile { .. }), "{e}");
        assert!(e.to_string().contains("named pipe"), "{e}");
        let e = read_regular(Path::new("/dev/zero"), 1_000).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
        let e = write_bytes(&fifo, b"x", true).unwrap_err();
        assert!(matches!(e, StoreError::SpecialFile { .. }), "{e}");
        let big = dir.path().join("big.csv");
        std::fs::write(&big, vec![b'1'; 2_000]).unwrap();
        let e = read_regular(&big, 1_000).unwrap_err();
        assert!(matches!(e, StoreError::TooLarge { bytes: 2_000, limit: 1_000, .. }), "{e}");
        let e = read_text(&dir.path().join("missing.csv"), 10).unwrap_err();
        assert!(matches!(e, StoreError::NotFound { .. }), "{e}");
    }
}
