//! Crash safety: a child process edits a real project file and is killed
//! with SIGKILL at a random moment 50–2,000 ms in. After each kill the file
//! opens, passes the integrity check, and holds every edit whose
//! transaction committed. `BACKSTOP_KILL_TRIALS` sets the number of trials
//! (default 12, for CI; `scripts/kill-trials` runs 100).
//!
//! The child is this test binary itself, started with `BACKSTOP_CRASH_CHILD`
//! set: it applies the deterministic edit sequence of `support::apply_op`
//! and prints `done N` only after edit N returned successfully (i.e.
//! committed); an edit that fails ends the child with status 3 and the
//! error on stderr, which fails the trial. The parent
//! replays the same sequence on a copy of the starting file: the crashed
//! file must equal the state after the last reported edit, or after one
//! more (killed between the commit and the print).
//!
//! Unix-only: the trials kill the child with SIGKILL.
#![cfg(unix)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use backstop_store::{CreateOptions, OpenOptions, Project, TelemetryWriter, WriterConfig};
use support::fixtures::{Rng, apply_op, digest, info, populate};

const CHILD_ENV: &str = "BACKSTOP_CRASH_CHILD";

/// The child side: runs only when started by `crash_trials`.
#[test]
fn crash_child_entry() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let mut parts = spec.split('|');
    let (path, seed) = (parts.next().unwrap(), parts.next().unwrap().parse::<u64>().unwrap());
    let mut project = Project::open(Path::new(path), &OpenOptions::edit()).unwrap();
    let mut writer = TelemetryWriter::new(WriterConfig::default());
    println!("open");
    for i in 0.. {
        match apply_op(&mut project, &mut writer, seed, i) {
            Ok(_) => println!("done {i}"),
            Err(e) => {
                eprintln!("edit {i} failed: {e}");
                std::process::exit(3);
            }
        }
    }
}

fn base_project(dir: &Path) -> std::path::PathBuf {
    // The populated design, in a project whose undo history starts empty:
    // undoing the sequence's edits never reaches back past the catalog
    // entries and rooms its edits rely on, so every edit must succeed.
    let scratch = dir.join("populated.backstop");
    let mut p = Project::create(&scratch, &info("Crash trials"), &CreateOptions::default()).unwrap();
    populate(&mut p);
    let design = p.design().unwrap();
    drop(p);
    let path = dir.join("base site.backstop");
    drop(Project::create_from_design(&path, &design, &CreateOptions::default()).unwrap());
    assert_eq!(Project::open(&path, &OpenOptions::view()).unwrap().undo_state().unwrap().undo_depth, 0);
    path
}

/// The state after edits `0..n` of `seed`, replayed in this process.
fn replay(base: &Path, dir: &Path, seed: u64, n: u64) -> String {
    let path = dir.join(format!("replay-{seed}-{n}.backstop"));
    std::fs::copy(base, &path).unwrap();
    let mut p = Project::open(&path, &OpenOptions::edit()).unwrap();
    let mut writer = TelemetryWriter::new(WriterConfig::default());
    for i in 0..n {
        apply_op(&mut p, &mut writer, seed, i).unwrap_or_else(|e| panic!("replaying edit {i} of seed {seed}: {e}"));
    }
    let d = digest(&p);
    drop(p);
    let _ = std::fs::remove_file(&path);
    d
}

#[test]
fn crash_trials() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = base_project(dir.path());
    let exe = std::env::current_exe().unwrap();
    let trials: u64 = std::env::var("BACKSTOP_KILL_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let mut rng = Rng(0xC0FFEE);
    let mut killed_mid_sequence = 0;
    for trial in 0..trials {
        let file = dir.path().join(format!("trial {trial} é.backstop"));
        std::fs::copy(&base, &file).unwrap();
        let seed = 1_000 + trial;
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child_entry", "--nocapture", "--test-threads", "1"])
            .env(CHILD_ENV, format!("{}|{seed}", file.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let errors = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
        let reader = std::thread::spawn(move || {
            let mut done: Option<u64> = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("done ") {
                    done = n.parse().ok();
                }
            }
            done
        });
        // Let it run 50–2,000 ms: from the first edits to some thousands in.
        std::thread::sleep(Duration::from_millis(50 + rng.below(1_951)));
        // The child never ends by itself; if it did, an edit failed.
        if let Some(status) = child.try_wait().unwrap() {
            panic!("trial {trial}: the editing child ended by itself ({status}): {}", errors.join().unwrap());
        }
        // On Unix, Child::kill sends SIGKILL.
        let _ = child.kill();
        let status = child.wait().unwrap();
        let last_done = reader.join().unwrap();
        let stderr = errors.join().unwrap();
        assert!(
            std::os::unix::process::ExitStatusExt::signal(&status) == Some(9),
            "trial {trial}: the child was not the one killed ({status}): {stderr}"
        );
        let committed = last_done.map_or(0, |n| n + 1);
        if committed > 0 {
            killed_mid_sequence += 1;
        }

        // The file opens for editing (the dead child's lock is recognised as
        // stale and an interrupted transaction is rolled back), then the
        // integrity and schema checks pass.
        let crashed = Project::open(&file, &OpenOptions::edit()).unwrap_or_else(|e| panic!("trial {trial}: {e}"));
        let got = digest(&crashed);
        drop(crashed);
        Project::check(&file).unwrap_or_else(|e| panic!("trial {trial}: check failed: {e}"));

        let expected = replay(&base, dir.path(), seed, committed);
        if got != expected {
            let one_more = replay(&base, dir.path(), seed, committed + 1);
            assert!(
                got == one_more,
                "trial {trial}: after {committed} reported edits the file matches neither {committed} nor {} replayed edits",
                committed + 1
            );
        }
        let _ = std::fs::remove_file(&file);
    }
    // The kills must really land in the middle of editing most of the time.
    assert!(killed_mid_sequence >= trials / 2, "only {killed_mid_sequence} of {trials} kills came after an edit");
    eprintln!("edit loop: {trials} kills, {killed_mid_sequence} after at least one committed edit");
}
