//! Crash safety: a child process edits a real project file and is killed
//! with SIGKILL at a random moment, 100 times. After each kill the file
//! opens, passes the integrity check, and holds every edit whose
//! transaction committed.
//!
//! The child is this test binary itself, started with `BACKSTOP_CRASH_CHILD`
//! set: it applies the deterministic edit sequence of `support::apply_op`
//! and prints `done N` after edit N returned (i.e. committed). The parent
//! replays the same sequence on a copy of the starting file: the crashed
//! file must equal the state after the last reported edit, or after one
//! more (killed between the commit and the print).

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use backstop_store::{CreateOptions, OpenOptions, Project, TelemetryWriter, WriterConfig};
use support::fixtures::{Rng, apply_op, digest, info, populate};

const TRIALS: u64 = 100;
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
        apply_op(&mut project, &mut writer, seed, i);
        println!("done {i}");
    }
}

fn base_project(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("base site.backstop");
    let mut p = Project::create(&path, &info("Crash trials"), &CreateOptions::default()).unwrap();
    populate(&mut p);
    drop(p);
    path
}

/// The state after edits `0..n` of `seed`, replayed in this process.
fn replay(base: &Path, dir: &Path, seed: u64, n: u64) -> String {
    let path = dir.join(format!("replay-{seed}-{n}.backstop"));
    std::fs::copy(base, &path).unwrap();
    let mut p = Project::open(&path, &OpenOptions::edit()).unwrap();
    let mut writer = TelemetryWriter::new(WriterConfig::default());
    for i in 0..n {
        apply_op(&mut p, &mut writer, seed, i);
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
    let mut rng = Rng(0xC0FFEE);
    let mut killed_mid_sequence = 0;
    for trial in 0..TRIALS {
        let file = dir.path().join(format!("trial {trial} é.backstop"));
        std::fs::copy(&base, &file).unwrap();
        let seed = 1_000 + trial;
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child_entry", "--nocapture", "--test-threads", "1"])
            .env(CHILD_ENV, format!("{}|{seed}", file.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut done: Option<u64> = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("done ") {
                    done = n.parse().ok();
                }
            }
            done
        });
        // Let it run 20–120 ms: from "still opening" to a dozen edits in.
        std::thread::sleep(Duration::from_millis(20 + rng.below(100)));
        // On Unix, Child::kill sends SIGKILL.
        let _ = child.kill();
        let _ = child.wait();
        let last_done = reader.join().unwrap();
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
    assert!(killed_mid_sequence >= TRIALS / 2, "only {killed_mid_sequence} of {TRIALS} kills came after an edit");
}
