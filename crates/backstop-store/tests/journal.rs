//! Journals beside a project: the file's own interrupted edit is rolled
//! back; a journal from another copy of the project, from another project
//! or from another program is never applied, and both files stay
//! byte-identical.
//!
//! An interrupted transaction is made by hand on a raw connection with a
//! one-page cache: the edit spills pages into the file before it commits,
//! and a snapshot of the file and its journal taken then is exactly what a
//! kill at that moment leaves behind.

mod support;

use std::path::{Path, PathBuf};

use backstop_store::{CreateOptions, OpenOptions, Project, StoreError};
use rusqlite::Connection;
use support::fixtures::{info, populate};

fn journal(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push("-journal");
    PathBuf::from(s)
}

fn base(dir: &Path) -> PathBuf {
    let path = dir.join("base.backstop");
    let mut p = Project::create(&path, &info("Journal trials"), &CreateOptions::default()).unwrap();
    populate(&mut p);
    drop(p);
    path
}

fn copy(from: &Path, to: &Path) -> PathBuf {
    std::fs::copy(from, to).unwrap();
    to.to_owned()
}

/// Sets every rack's load to `kw` (one undoable edit each, like the app).
fn set_rack_loads(path: &Path, kw: f64) {
    let mut p = Project::open(path, &OpenOptions::edit()).unwrap();
    for mut rack in p.design().unwrap().layout.racks {
        rack.load_kw = kw;
        p.put_rack(&rack).unwrap();
    }
}

fn rack_loads(p: &Project) -> Vec<f64> {
    p.design().unwrap().layout.racks.iter().map(|r| r.load_kw).collect()
}

/// Starts a large transaction on `path` (guard advanced first when
/// `guarded`, as Backstop does), lets it spill pages into the file, and
/// copies the file and its journal to `into` as a kill would leave them.
/// Then rolls the transaction back, leaving `path` as it was.
fn interrupted_snapshot(path: &Path, into: &Path, guarded: bool) {
    let mut conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    conn.pragma_update(None, "cache_size", 1).unwrap();
    let before = std::fs::read(path).unwrap();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).unwrap();
    if guarded {
        backstop_store::journal::advance(&tx).unwrap();
    }
    tx.execute("UPDATE it_racks SET load_kw = 999, body = json_set(body, '$.load_kw', 999.0)", []).unwrap();
    tx.execute("UPDATE telemetry_chunks SET data = zeroblob(length(data))", []).unwrap();
    let during = std::fs::read(path).unwrap();
    assert_ne!(before, during, "the transaction must have written pages into the file before its commit");
    std::fs::copy(path, into).unwrap();
    std::fs::copy(journal(path), journal(into)).unwrap();
    tx.rollback().unwrap();
}

#[test]
fn a_projects_own_interrupted_edit_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let b = copy(&base(dir.path()), &dir.path().join("b.backstop"));
    set_rack_loads(&b, 90.0);
    let crashed = dir.path().join("crashed.backstop");
    interrupted_snapshot(&b, &crashed, true);

    // Viewing shows the file as before the edit without changing a byte.
    let (db, j) = (std::fs::read(&crashed).unwrap(), std::fs::read(journal(&crashed)).unwrap());
    let view = Project::open(&crashed, &OpenOptions::view()).unwrap();
    assert!(view.open_report().interrupted_edit_rolled_back_in_copy);
    assert_eq!(rack_loads(&view), [90.0; 3]);
    drop(view);
    assert_eq!(std::fs::read(&crashed).unwrap(), db);
    assert_eq!(std::fs::read(journal(&crashed)).unwrap(), j);
    let checked = Project::check(&crashed).unwrap();
    assert_eq!(checked.path, crashed);

    // Editing rolls it back in place.
    let p = Project::open(&crashed, &OpenOptions::edit()).unwrap();
    assert!(p.open_report().rolled_back_interrupted_edit);
    assert_eq!(rack_loads(&p), [90.0; 3]);
    drop(p);
    assert!(!journal(&crashed).exists());
    Project::check(&crashed).unwrap();
}

fn assert_refused(project: &Path, what: &str) {
    let (db, j) = (std::fs::read(project).unwrap(), std::fs::read(journal(project)).unwrap());
    for options in [OpenOptions::edit(), OpenOptions::view()] {
        match Project::open(project, &options) {
            Err(e @ StoreError::ForeignJournal { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("does not belong to it") && msg.contains("-journal\" out of this folder"), "{what}: {msg}");
            }
            Err(e) => panic!("{what}: expected a foreign-journal refusal, got {e:?}"),
            Ok(p) => panic!("{what}: opened with racks at {:?}", rack_loads(&p)),
        }
        assert_eq!(std::fs::read(project).unwrap(), db, "{what}: the project changed");
        assert_eq!(std::fs::read(journal(project)).unwrap(), j, "{what}: the journal changed");
    }
    let e = Project::check(project).unwrap_err();
    assert!(matches!(e, StoreError::ForeignJournal { .. }), "{what}: check: {e}");
    assert_eq!(std::fs::read(project).unwrap(), db, "{what}: check changed the project");
    assert_eq!(std::fs::read(journal(project)).unwrap(), j, "{what}: check changed the journal");
    // With the journal moved away, as the message says, the project opens as it was.
    std::fs::rename(journal(project), dir_of(project).join("moved-journal")).unwrap();
    let p = Project::open(project, &OpenOptions::edit()).unwrap();
    assert_eq!(rack_loads(&p), [60.0; 3], "{what}");
    drop(p);
    std::fs::remove_file(dir_of(project).join("moved-journal")).unwrap();
}

fn dir_of(p: &Path) -> &Path {
    p.parent().unwrap()
}

#[test]
fn a_journal_from_another_copy_of_the_project_is_never_applied() {
    let dir = tempfile::tempdir().unwrap();
    let base = base(dir.path());
    // Two copies of one project, edited the same number of times.
    let a = copy(&base, &dir.path().join("a.backstop"));
    let b = copy(&base, &dir.path().join("b.backstop"));
    set_rack_loads(&a, 60.0);
    set_rack_loads(&b, 90.0);
    let crashed_b = dir.path().join("crashed b.backstop");
    interrupted_snapshot(&b, &crashed_b, true);
    std::fs::copy(journal(&crashed_b), journal(&a)).unwrap();
    assert_refused(&a, "a journal of a diverged copy");
}

#[test]
fn a_journal_from_another_project_or_program_is_never_applied() {
    let dir = tempfile::tempdir().unwrap();
    let a = copy(&base(dir.path()), &dir.path().join("a.backstop"));
    set_rack_loads(&a, 60.0);
    // Another project altogether.
    let other_dir = dir.path().join("other");
    std::fs::create_dir(&other_dir).unwrap();
    let other = base(&other_dir);
    set_rack_loads(&other, 90.0);
    let crashed = other_dir.join("crashed.backstop");
    interrupted_snapshot(&other, &crashed, true);
    std::fs::copy(journal(&crashed), journal(&a)).unwrap();
    assert_refused(&a, "another project's journal");
    // A journal written by another program (no edit mark) of the same project.
    let b = copy(&a, &dir.path().join("b.backstop"));
    set_rack_loads(&b, 90.0);
    interrupted_snapshot(&b, &crashed, false);
    std::fs::copy(journal(&crashed), journal(&a)).unwrap();
    assert_refused(&a, "an unmarked journal");
}

#[test]
fn a_journal_that_would_change_nothing_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let a = copy(&base(dir.path()), &dir.path().join("a.backstop"));
    // Garbage: SQLite ignores a journal without a valid header.
    std::fs::write(journal(&a), b"not a journal at all").unwrap();
    let p = Project::open(&a, &OpenOptions::edit()).unwrap();
    assert_eq!(rack_loads(&p).len(), 3);
    drop(p);
    assert!(!journal(&a).exists(), "SQLite deletes a journal it does not play back");
}
