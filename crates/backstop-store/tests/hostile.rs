//! Files we did not make: every case of the "bad input" list, and
//! more than a thousand mutated copies of a real project. Never a panic;
//! always a clear error or a correct open; a failed open (and any open for
//! viewing) leaves the file's bytes exactly as they were.

mod support;

use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::process::Command;

use backstop_store::{CreateOptions, OpenOptions, Project, StoreError};
use rusqlite::Connection;
use support::fixtures::{Rng, info, populate};

fn hash(path: &Path) -> Vec<u8> {
    // The bytes themselves: exact, and small enough at these sizes.
    std::fs::read(path).unwrap_or_default()
}

fn real_project(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut p = Project::create(&path, &info("Hostile"), &CreateOptions::default()).unwrap();
    populate(&mut p);
    drop(p);
    path
}

/// Opens for editing, then (if that failed) for viewing; returns the error
/// of the edit attempt. Asserts the bytes are unchanged after any failure.
fn open_expect_err(path: &Path) -> StoreError {
    let before = hash(path);
    let err = match Project::open(path, &OpenOptions::edit()) {
        Ok(_) => panic!("{} opened, but it should have been refused", path.display()),
        Err(e) => e,
    };
    assert_eq!(hash(path), before, "a refused file must not change: {}", path.display());
    let _ = Project::open(path, &OpenOptions::view());
    assert_eq!(hash(path), before, "a refused file must not change on a view attempt either");
    let message = err.to_string();
    assert!(
        message.len() > 30 && message.contains(&path.display().to_string()) || matches!(err, StoreError::Invalid(_)),
        "unclear message: {message}"
    );
    err
}

#[test]
fn zero_length_directory_not_sqlite_and_foreign_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.backstop");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(open_expect_err(&empty), StoreError::EmptyFile { .. }));

    let folder = dir.path().join("a folder.backstop");
    std::fs::create_dir(&folder).unwrap();
    let e = Project::open(&folder, &OpenOptions::edit()).unwrap_err();
    assert!(matches!(e, StoreError::IsDirectory { .. }), "{e}");
    assert!(e.to_string().contains("is a folder"));

    let text = dir.path().join("notes.backstop");
    std::fs::write(&text, "site notes, not a database\n".repeat(100)).unwrap();
    let e = open_expect_err(&text);
    assert!(matches!(e, StoreError::NotSqlite { .. }), "{e}");

    let other = dir.path().join("other app.backstop");
    {
        let c = Connection::open(&other).unwrap();
        c.execute_batch("PRAGMA application_id = 1234; CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    }
    let e = open_expect_err(&other);
    assert!(matches!(e, StoreError::ForeignSqlite { application_id: 1234, .. }), "{e}");
    assert!(e.to_string().contains("another application"));
}

#[test]
fn newer_version_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = real_project(dir.path(), "from the future.backstop");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA user_version = 99;").unwrap();
        let n = c.execute("UPDATE meta SET value = '9.1.0' WHERE key = 'written_by'", []).unwrap();
        assert_eq!(n, 1);
    }
    let e = open_expect_err(&path);
    assert!(matches!(e, StoreError::TooNew { file_schema: 99, .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("was made by Backstop 9.1.0 (file format 99)")
            && text.contains(&format!("this is Backstop {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
}

#[test]
fn malicious_triggers_and_views_are_refused_before_they_can_fire() {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql) in [
        ("trigger", "CREATE TRIGGER evil AFTER UPDATE ON project BEGIN DELETE FROM audit_log; END;"),
        ("view", "CREATE VIEW sneaky AS SELECT * FROM project;"),
        ("temp-looking trigger", "CREATE TRIGGER audit_log_no_update2 BEFORE INSERT ON rooms BEGIN SELECT 1; END;"),
        ("extra table", "CREATE TABLE smuggled(x BLOB);"),
    ] {
        let path = real_project(dir.path(), &format!("{name}.backstop"));
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(sql).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let e = open_expect_err(&path);
        assert!(matches!(e, StoreError::UnexpectedSchema { .. }), "{name}: {e}");
        assert!(e.to_string().contains("crafted to run code") || e.to_string().contains("not what Backstop writes"), "{e}");
    }
}

#[test]
fn truncated_and_flipped_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = real_project(dir.path(), "good.backstop");
    let bytes = std::fs::read(&good).unwrap();
    let page = page_size(&bytes);
    for cut in [10, 99, 100, page - 1, page, bytes.len() / 2, bytes.len() - 1] {
        let path = dir.path().join(format!("cut {cut}.backstop"));
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let e = open_expect_err(&path);
        assert!(matches!(e, StoreError::NotSqlite { .. } | StoreError::Damaged { .. }), "truncated at {cut}: {e:?}");
    }
    // Flipped: the header's magic, its page size, and the root page of
    // `sqlite_schema` (page 1, past the header) made unreadable.
    for what in ["magic", "page size", "schema page"] {
        let mut m = bytes.clone();
        match what {
            "magic" => m[0] ^= 0x20,
            "page size" => m[16] ^= 0x7F,
            _ => m[100..page].iter_mut().for_each(|b| *b ^= 0xA5),
        }
        let path = dir.path().join(format!("flipped {what}.backstop"));
        std::fs::write(&path, &m).unwrap();
        let e = open_expect_err(&path);
        assert!(
            matches!(e, StoreError::NotSqlite { .. } | StoreError::Damaged { .. } | StoreError::UnexpectedSchema { .. }),
            "flipped {what}: {e:?}"
        );
        assert!(Project::check(&path).is_err(), "flipped {what}: the check passed");
    }
}

/// The page size a SQLite file's header declares (bytes 16–17, big-endian;
/// 1 means 65,536).
fn page_size(bytes: &[u8]) -> usize {
    match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65_536,
        n => n as usize,
    }
}

#[cfg(unix)] // permissions by mode bits, chattr
#[test]
fn read_only_location_is_reported_and_viewing_works() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("archive (read-only)");
    std::fs::create_dir(&sub).unwrap();
    let path = real_project(&sub, "archived site.backstop");
    let guard = ReadOnly::make(&sub, &path);
    let before = hash(&path);
    let e = Project::open(&path, &OpenOptions::edit()).unwrap_err();
    assert!(matches!(e, StoreError::ReadOnlyLocation { .. }), "{e}");
    assert!(e.to_string().contains("read-only"));
    let view = Project::open(&path, &OpenOptions::view()).unwrap();
    assert_eq!(view.info().unwrap().name, "DC-7 battery backstop");
    drop(view);
    assert_eq!(hash(&path), before);
    drop(guard);
}

/// Makes a folder and file read-only even for root (immutable attribute),
/// or with permissions for other users; restores on drop.
#[cfg(unix)]
struct ReadOnly(Vec<PathBuf>, bool);

#[cfg(unix)]
impl ReadOnly {
    fn make(dir: &Path, file: &Path) -> ReadOnly {
        let root = is_root();
        let paths = vec![file.to_owned(), dir.to_owned()];
        for p in &paths {
            if root {
                let ok = Command::new("chattr").arg("+i").arg(p).status().map(|s| s.success()).unwrap_or(false);
                assert!(ok, "running as root: could not make {} immutable with chattr (needed for a read-only location)", p.display());
            } else {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(if p.is_dir() { 0o555 } else { 0o444 })).unwrap();
            }
        }
        assert!(std::fs::write(dir.join("probe"), b"x").is_err(), "the folder is still writable");
        ReadOnly(paths, root)
    }
}

#[cfg(unix)]
impl Drop for ReadOnly {
    fn drop(&mut self) {
        for p in &self.0 {
            if self.1 {
                let _ = Command::new("chattr").arg("-i").arg(p).status();
            } else {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755));
            }
        }
    }
}

#[test]
fn unicode_and_spaces_in_paths() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("Prüfung Standort 3 — Halle B");
    std::fs::create_dir(&sub).unwrap();
    let path = real_project(&sub, "Rechenzentrum Süd é 東京.backstop");
    let mut p = Project::open(&path, &OpenOptions::edit()).unwrap();
    let copy = sub.join("copie de sûreté.backstop");
    p.save_as(&copy, &CreateOptions::default()).unwrap();
    assert_eq!(p.path(), copy.as_path());
    assert_eq!(p.info().unwrap().name, "DC-7 battery backstop");
    drop(p);
    Project::check(&copy).unwrap();
}

/// Whether this process runs as root (effective uid 0), from /proc.
#[cfg(unix)]
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

/// The child side of the full-disk test: Save As onto a full disk, then
/// report the outcome, what the target folder holds, and whether the open
/// project can still be edited.
#[cfg(unix)] // tmpfs in a mount namespace, or a file-size limit
#[test]
fn full_disk_child_entry() {
    let Ok(spec) = std::env::var("BACKSTOP_FULL_DISK_CHILD") else { return };
    let (src, dst) = spec.split_once('|').unwrap();
    let mut p = Project::open(Path::new(src), &OpenOptions::edit()).unwrap();
    match p.save_as(Path::new(dst), &CreateOptions::default()) {
        Ok(()) => println!("RESULT saved"),
        Err(e) => println!("RESULT error {e}"),
    }
    let folder = Path::new(dst).parent().unwrap();
    let names: Vec<String> = std::fs::read_dir(folder).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    println!("LEFTOVER [{}]", names.join("|"));
    let mut i = p.info().unwrap();
    i.notes = "edited after the failed Save As".into();
    println!("EDIT_AFTER {}", p.set_project_info(&i).is_ok() && p.path() == Path::new(src));
}

#[cfg(unix)] // tmpfs in a mount namespace, or a file-size limit
#[test]
fn full_disk_during_save_as_keeps_the_original_and_leaves_no_partial_copy() {
    if std::env::var_os("BACKSTOP_FULL_DISK_CHILD").is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = real_project(dir.path(), "original.backstop");
    let size = std::fs::metadata(&src).unwrap().len();
    assert!(size > 160 * 1024, "the fixture ({size} bytes) must not fit on the small disk");
    let disk = dir.path().join("small disk");
    std::fs::create_dir(&disk).unwrap();
    let dst = disk.join("copy.backstop");
    let exe = std::env::current_exe().unwrap();
    let child_args = ["--exact", "full_disk_child_entry", "--nocapture", "--test-threads", "1"];
    let spec = format!("{}|{}", src.display(), dst.display());
    // A real full disk: a 128 KiB tmpfs mounted over the target folder in a
    // private mount namespace (vanishes with the child). Without the rights
    // for that, a 128 KiB file-size limit makes the write fail the same way.
    let real_disk = is_root() && Command::new("unshare").args(["-m", "true"]).status().is_ok_and(|s| s.success());
    let out = if real_disk {
        Command::new("unshare")
            .args(["-m", "sh", "-c", "mount -t tmpfs -o size=128k backstop-full \"$1\" && shift && exec \"$@\"", "sh"])
            .arg(&disk)
            .arg(&exe)
            .args(child_args)
            .env("BACKSTOP_FULL_DISK_CHILD", &spec)
            .output()
            .unwrap()
    } else {
        Command::new("sh")
            .args(["-c", "trap '' XFSZ; exec prlimit --fsize=131072 \"$@\"", "sh"])
            .arg(&exe)
            .args(child_args)
            .env("BACKSTOP_FULL_DISK_CHILD", &spec)
            .output()
            .unwrap()
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let field = |tag: &str| -> String {
        stdout
            .lines()
            .find_map(|l| l.find(tag).map(|at| l[at + tag.len()..].trim().to_owned()))
            .unwrap_or_else(|| panic!("child printed no {tag}: {stdout} {}", String::from_utf8_lossy(&out.stderr)))
    };
    let result = field("RESULT");
    assert!(result.starts_with("error"), "Save As onto a full disk must fail: {result}");
    assert!(result.contains("copy.backstop"), "the message names the target: {result}");
    if real_disk {
        assert!(result.contains("the disk is full"), "the message says what happened: {result}");
    } else {
        assert!(result.contains("disk may be full"), "the message says what to do: {result}");
    }
    assert!(result.contains("free some space"), "the message says what to do: {result}");
    assert_eq!(field("LEFTOVER"), "[]", "no partial copy, temporary file or lock is left on the full disk");
    assert!(!dst.exists());
    if real_disk {
        // (Under the file-size limit the original cannot grow either.)
        assert_eq!(field("EDIT_AFTER"), "true", "the open project stays the original and keeps working");
        let p = Project::open(&src, &OpenOptions::view()).unwrap();
        assert_eq!(p.info().unwrap().notes, "edited after the failed Save As");
    }
    Project::check(&src).unwrap();
}

#[test]
fn a_thousand_mutated_copies_never_panic_and_failed_opens_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = real_project(dir.path(), "seed.backstop");
    let bytes = std::fs::read(&good).unwrap();
    // Pages are mutated at the file's real page size (Backstop writes
    // 8,192-byte pages; mutating 4,096-byte halves would miss whole-page
    // damage such as a copied or zeroed page).
    let page = page_size(&bytes);
    assert!(page >= 4_096 && bytes.len().is_multiple_of(page), "page size {page}, file {} bytes", bytes.len());
    let mut rng = Rng(0xBAD5EED);
    let (mut opened, mut refused, mut checked) = (0, 0, 0);
    let path = dir.path().join("mutant.backstop");
    for i in 0..1_000u64 {
        let mut m = bytes.clone();
        match rng.below(5) {
            0 => {
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(m.len() as u64) as usize;
                    m[at] ^= 1 << rng.below(8);
                }
            }
            1 => m.truncate(rng.below(m.len() as u64) as usize),
            2 => {
                let p = rng.below((m.len() / page) as u64) as usize;
                for b in &mut m[p * page..((p + 1) * page).min(bytes.len())] {
                    *b = rng.next() as u8;
                }
            }
            3 => {
                let at = rng.below(100) as usize;
                m[at] = rng.next() as u8;
            }
            _ => {
                let (a, b) = (rng.below((m.len() / page) as u64) as usize, rng.below((m.len() / page) as u64) as usize);
                let src = m[a * page..(a + 1) * page].to_vec();
                m[b * page..(b + 1) * page].copy_from_slice(&src);
            }
        }
        std::fs::write(&path, &m).unwrap();
        // Viewing never changes the bytes, whatever the outcome.
        match Project::open(&path, &OpenOptions::view()) {
            Ok(p) => {
                let _ = p.design();
                let _ = p.summary();
                opened += 1;
            }
            Err(e) => {
                assert!(!e.to_string().is_empty(), "mutant {i}: empty message");
                refused += 1;
            }
        }
        assert_eq!(hash(&path), m, "mutant {i}: viewing changed the file");
        // The full check (integrity, foreign keys, every record) never
        // panics, never changes the file, and never passes a file whose
        // records cannot all be read.
        match Project::check(&path) {
            Ok(_) => {
                checked += 1;
                let p =
                    Project::open(&path, &OpenOptions::view()).unwrap_or_else(|e| panic!("mutant {i}: checked ok but does not open: {e}"));
                p.design().unwrap_or_else(|e| panic!("mutant {i}: checked ok but its design cannot be read: {e}"));
                p.summary().unwrap_or_else(|e| panic!("mutant {i}: checked ok but its summary cannot be read: {e}"));
            }
            Err(e) => assert!(!e.to_string().is_empty(), "mutant {i}: empty message"),
        }
        assert_eq!(hash(&path), m, "mutant {i}: the check changed the file");
        // Editing: a refusal changes nothing either.
        if let Err(e) = Project::open(&path, &OpenOptions::edit()) {
            assert_eq!(hash(&path), m, "mutant {i}: a refused edit-open changed the file ({e})");
        }
        let _ = std::fs::remove_file(dir.path().join(".mutant.backstop.lock"));
    }
    eprintln!("mutants: {opened} opened, {refused} refused, {checked} passed the full check");
    assert!(refused > 100 && opened > 0, "the mutator should produce both outcomes ({opened} opened, {refused} refused)");
}

/// Sets the project name in both the typed column and the record, as a
/// tool other than Backstop could.
fn set_name_raw(path: &Path, name: &str) {
    let c = Connection::open(path).unwrap();
    let n = c.execute("UPDATE project SET name = ?1, body = json_set(body, '$.name', ?1) WHERE id = 1", [name]).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn over_long_fields_and_oversized_tables_are_refused_on_open_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    // The case: a 1 MB project name.
    let path = real_project(dir.path(), "long name.backstop");
    set_name_raw(&path, &"N".repeat(1_000_000));
    let e = open_expect_err(&path);
    assert!(matches!(e, StoreError::OverLimit { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("the project name is 1,000,000 characters long; a project keeps at most 200"), "{msg}");
    assert!(matches!(Project::check(&path), Err(StoreError::OverLimit { .. })));
    // At the limit it opens.
    set_name_raw(&path, &"N".repeat(backstop_store::limits::NAME_CHARS));
    Project::check(&path).unwrap();

    // A record column (audit log) and a table's row count.
    let path = real_project(dir.path(), "long audit.backstop");
    {
        let c = Connection::open(&path).unwrap();
        c.execute(
            "INSERT INTO audit_log (at_ms, who, device, action, target, outcome, details) VALUES (1, ?1, 'd', 'a', 't', 'done', '{}')",
            ["w".repeat(300)],
        )
        .unwrap();
    }
    let e = open_expect_err(&path);
    assert!(e.to_string().contains("who wrote to a pack is 300 characters long; a project keeps at most 200"), "{e}");

    let path = real_project(dir.path(), "many points.backstop");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100001)
             INSERT INTO telemetry_points (device, point, unit) SELECT 'd', 'p' || i, 'V' FROM n;",
        )
        .unwrap();
    }
    let e = open_expect_err(&path);
    assert!(e.to_string().contains("telemetry points; a project keeps at most 100,000"), "{e}");
}
