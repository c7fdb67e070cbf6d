//! One editor per project file, whatever its name: a second editor is
//! refused when it comes through a symlink, a hard link, or after the
//! sidecar lock file was deleted — from another process (the OS lock on
//! the file itself) and from this one. A killed editor's lock is taken over.
//!
//! The other editor is this test binary, started with `BACKSTOP_LOCK_CHILD`
//! set: it opens the project for editing, prints `child-holds-it`, and holds it until
//! its standard input closes or it is killed.
//!
//! Unix-only: the lock on the file itself is `flock` (see `backstop_store::lock`),
//! and the other names are symlinks.
#![cfg(unix)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use backstop_store::{CreateOptions, LockPolicy, OpenOptions, Project, StoreError};
use support::fixtures::info;

const CHILD_ENV: &str = "BACKSTOP_LOCK_CHILD";

#[test]
fn lock_child_entry() {
    let Ok(path) = std::env::var(CHILD_ENV) else { return };
    let p = Project::open(Path::new(&path), &OpenOptions::edit()).unwrap();
    // (libtest may have printed "test lock_child_entry ... " on this line.)
    println!(" child-holds-it");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    drop(p);
}

/// Starts an editor of `path` in another process; returns once it holds it.
fn other_editor(path: &Path) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "lock_child_entry", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let opened = BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.ends_with(" child-holds-it"));
    assert!(opened, "the other editor did not open {}", path.display());
    child
}

fn project(dir: &Path) -> PathBuf {
    let path = dir.join("site.backstop");
    drop(Project::create(&path, &info("Lock trials"), &CreateOptions::default()).unwrap());
    path
}

fn sidecar(path: &Path) -> PathBuf {
    backstop_store::lock::lock_path(path)
}

fn assert_locked(path: &Path, what: &str) {
    match Project::open(path, &OpenOptions::edit()) {
        Err(e @ StoreError::Locked { .. }) => {
            assert!(e.to_string().contains("already open for editing"), "{what}: {e}");
        }
        Err(e) => panic!("{what}: expected a refusal because the file is being edited, got {e}"),
        Ok(_) => panic!("{what}: a second editor was let in"),
    }
    // Breaking the lock does not override the OS lock on the file itself.
    let broken = Project::open(path, &OpenOptions { lock: LockPolicy::Break, ..OpenOptions::edit() });
    assert!(matches!(broken, Err(StoreError::Locked { .. })), "{what}: Break let a second editor in");
    // Viewing stays possible.
    Project::open(path, &OpenOptions::view()).unwrap_or_else(|e| panic!("{what}: viewing: {e}"));
}

#[test]
fn a_second_editor_in_another_process_is_refused_under_any_name() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = project(dir.path());
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let symlink = elsewhere.join("link to site.backstop");
    std::os::unix::fs::symlink(&path, &symlink).unwrap();
    let hard = elsewhere.join("hard link.backstop");
    std::fs::hard_link(&path, &hard).unwrap();

    let mut child = other_editor(&path);
    assert_locked(&path, "the same name");
    assert_locked(&symlink, "a symlink from another folder");
    assert_locked(&hard, "a hard link");
    std::fs::remove_file(sidecar(&path)).unwrap();
    assert_locked(&path, "the same name after deleting the lock file");
    assert_locked(&hard, "a hard link after deleting the lock file");
    // The refusals left no lock files of their own behind.
    assert!(!sidecar(&path).exists() && !sidecar(&hard).exists());
    let _ = child.kill();
    let _ = child.wait();

    // The killed editor's lock is released by the OS and taken over.
    let p = Project::open(&hard, &OpenOptions::edit()).unwrap();
    drop(p);
    // An editor that crashed with its lock file in place: taken over, and
    // the previous owner is reported.
    let mut child = other_editor(&symlink);
    let _ = child.kill();
    let _ = child.wait();
    let p = Project::open(&path, &OpenOptions::edit()).unwrap();
    assert_eq!(p.open_report().took_over_lock.as_ref().map(|o| o.pid), Some(child.id()));
}

#[test]
fn a_second_editor_in_this_process_is_refused_under_any_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = project(dir.path());
    let symlink = dir.path().join("link.backstop");
    std::os::unix::fs::symlink(&path, &symlink).unwrap();
    let hard = dir.path().join("hard.backstop");
    std::fs::hard_link(&path, &hard).unwrap();
    let first = Project::open(&path, &OpenOptions::edit()).unwrap();
    for (name, p) in [("same name", &path), ("symlink", &symlink), ("hard link", &hard)] {
        let e = Project::open(p, &OpenOptions::edit()).unwrap_err();
        assert!(matches!(e, StoreError::Locked { .. }), "{name}: {e}");
    }
    std::fs::remove_file(sidecar(&path)).unwrap();
    let e = Project::open(&hard, &OpenOptions::edit()).unwrap_err();
    assert!(matches!(e, StoreError::Locked { .. }), "after deleting the lock file: {e}");
    assert!(backstop_store::lock_holder(&hard).is_some(), "the holder of a hard link is known to be someone");
    drop(first);
    assert!(backstop_store::lock_holder(&hard).is_none());
    drop(Project::open(&hard, &OpenOptions::edit()).unwrap());
}

#[test]
fn save_as_over_an_existing_file_locks_the_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = project(dir.path());
    let target = dir.path().join("copy.backstop");
    drop(Project::create(&target, &info("Old copy"), &CreateOptions::default()).unwrap());
    let mut p = Project::open(&path, &OpenOptions::edit()).unwrap();
    p.save_as(&target, &CreateOptions { replace_existing: true }).unwrap();
    assert_eq!(p.info().unwrap().name, "Lock trials");
    let e = Project::open(&target, &OpenOptions::edit()).unwrap_err();
    assert!(matches!(e, StoreError::Locked { .. }), "{e}");
    drop(p);
    drop(Project::open(&target, &OpenOptions::edit()).unwrap());
}
