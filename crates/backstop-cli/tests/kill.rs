//! Kill trials for every command that creates or replaces a file: `demo`,
//! `project import`, `project export -o` and `report design -o` are killed
//! with SIGKILL at a random moment: 50–2,000 ms after they start, or, for a
//! command that finishes sooner, anywhere within its own undisturbed run
//! time (measured first), so that kills land while it writes. After each
//! kill the output is absent or complete — never half-made: a project
//! passes `project check` and exports exactly what an undisturbed run
//! exports; a JSON export or a PDF report is byte-identical to an
//! undisturbed run's. Whatever a kill leaves, running the command again
//! succeeds (a leftover temporary never blocks a retry).
//!
//! `BACKSTOP_KILL_TRIALS` sets the number of trials per command (default 4,
//! for CI; `scripts/kill-trials` runs 100 on release builds).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_backstop")
}

fn run(args: &[&str]) -> Output {
    Command::new(exe()).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> Vec<u8> {
    let out = run(args);
    assert!(out.status.success(), "backstop {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
}

fn trials() -> u64 {
    std::env::var("BACKSTOP_KILL_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(4)
}

/// What a command makes and how a complete result is recognised.
enum Made {
    /// A project file: passes the check and exports this design JSON.
    Project { design_json: Vec<u8> },
    /// A plain file with exactly these bytes.
    Bytes(Vec<u8>),
}

/// Runs `args` (with `out` as the file it makes) `trials()` times, killing
/// each run at a random moment; returns how many runs were killed before
/// they finished.
fn kill_trials(what: &str, dir: &Path, args: &dyn Fn(&Path) -> Vec<String>, expect: &Made, seed: u64) -> u64 {
    let mut rng = Rng(seed);
    let mut killed_while_running = 0;
    let window = kill_window(what, dir, args);
    for trial in 0..trials() {
        let sub = dir.join(format!("{what}-{trial}"));
        std::fs::create_dir(&sub).unwrap();
        let out = sub.join(match expect {
            Made::Project { .. } => "out site.backstop",
            Made::Bytes(_) => "out file",
        });
        let argv = args(&out);
        let mut child = Command::new(exe()).args(&argv).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(window.0 + rng.below(window.1 - window.0 + 1)));
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        }
        // On Unix, Child::kill sends SIGKILL.
        let _ = child.kill();
        let _ = child.wait();

        if out.exists() {
            assert_complete(what, trial, &out, expect);
        }
        // Anything else the kill left is a temporary (which every reader
        // ignores) or the lock of a dead editor. Aged past the sweep's grace
        // period, temporaries are removed by the next write beside them.
        let out_name = out.file_name().unwrap().to_string_lossy().into_owned();
        for e in std::fs::read_dir(&sub).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name == out_name || name == format!(".{out_name}.lock") {
                continue;
            }
            assert!(is_temporary(&name, &out_name), "{what} trial {trial}: the kill left {name:?}, which is not a temporary");
            let f = std::fs::File::options().write(true).open(e.path()).unwrap();
            f.set_modified(std::time::SystemTime::now() - Duration::from_secs(60)).unwrap();
        }
        // Whatever the kill left, the command runs again to completion, and
        // leaves nothing beside its output.
        if out.exists() {
            std::fs::remove_file(&out).unwrap();
        }
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        ok(&argv);
        assert_complete(what, trial, &out, expect);
        let left: Vec<_> = std::fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| *n != out_name && *n != format!(".{out_name}.lock"))
            .collect();
        assert!(left.is_empty(), "{what} trial {trial}: a rerun left {left:?} beside the output");
        std::fs::remove_dir_all(&sub).unwrap();
    }
    eprintln!("{what}: {} kills, {killed_while_running} while the command was still running", trials());
    killed_while_running
}

/// When to kill, in µs after the start: 50–2,000 ms, as long as the command
/// runs that long undisturbed; a quicker command is killed anywhere within
/// its own run time (the slowest of three undisturbed runs, plus 10 %).
fn kill_window(what: &str, dir: &Path, args: &dyn Fn(&Path) -> Vec<String>) -> (u64, u64) {
    let sub = dir.join(format!("{what}-timing"));
    std::fs::create_dir(&sub).unwrap();
    let mut slowest = Duration::ZERO;
    for k in 0..3 {
        let argv = args(&sub.join(format!("out {k}")));
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let t = Instant::now();
        ok(&argv);
        slowest = slowest.max(t.elapsed());
    }
    std::fs::remove_dir_all(&sub).unwrap();
    let run_us = slowest.as_micros() as u64;
    let window = if run_us >= 2_000_000 { (50_000, 2_000_000) } else { (0, (run_us + run_us / 10).min(2_000_000)) };
    eprintln!(
        "{what}: an undisturbed run takes {:.1} ms; kills land {:.1}–{:.1} ms after the start",
        run_us as f64 / 1e3,
        window.0 as f64 / 1e3,
        window.1 as f64 / 1e3
    );
    window
}

/// `.<name>.<16 hex digits>.tmp`, or its SQLite journal.
fn is_temporary(name: &str, out_name: &str) -> bool {
    let Some(rest) = name.strip_prefix(&format!(".{out_name}.")) else { return false };
    let rest = rest.strip_suffix("-journal").unwrap_or(rest);
    rest.strip_suffix(".tmp").is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A design JSON without the project's creation time (a demo made now
/// differs from one made a moment ago in that alone).
fn timeless(json: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    if let Some(p) = v.get_mut("project").and_then(|p| p.as_object_mut()) {
        p.remove("created_at_ms");
    }
    v
}

fn assert_complete(what: &str, trial: u64, out: &Path, expect: &Made) {
    let o = out.to_str().unwrap();
    match expect {
        Made::Project { design_json } => {
            let check = run(&["project", "check", o]);
            assert!(
                check.status.success(),
                "{what} trial {trial}: the file left is not a sound project: {}",
                String::from_utf8_lossy(&check.stderr)
            );
            let (got, want) = (timeless(&ok(&["project", "export", o])), timeless(design_json));
            if got != want {
                let differing: Vec<&String> =
                    want.as_object().unwrap().iter().filter(|(k, v)| got.get(k.as_str()) != Some(v)).map(|(k, _)| k).collect();
                panic!("{what} trial {trial}: the project left is incomplete: {differing:?} differ");
            }
        }
        Made::Bytes(bytes) => {
            assert!(&std::fs::read(out).unwrap() == bytes, "{what} trial {trial}: the file left differs from a complete run's");
        }
    }
}

/// The demo site, its design JSON, the JSON export and the report of an
/// undisturbed run.
struct Reference {
    site: PathBuf,
    json_file: PathBuf,
    json: Vec<u8>,
    pdf: Vec<u8>,
}

fn reference(dir: &Path) -> Reference {
    let site = dir.join("demo site.backstop");
    ok(&["demo", site.to_str().unwrap()]);
    let json_file = dir.join("design.json");
    ok(&["project", "export", site.to_str().unwrap(), "-o", json_file.to_str().unwrap()]);
    let json = std::fs::read(&json_file).unwrap();
    let pdf_file = dir.join("report.pdf");
    ok(&["report", "design", site.to_str().unwrap(), "-o", pdf_file.to_str().unwrap(), "--date", "2026-01-15"]);
    let pdf = std::fs::read(&pdf_file).unwrap();
    Reference { site, json_file, json, pdf }
}

#[test]
fn a_killed_demo_leaves_no_project_or_a_complete_one() {
    let dir = tempfile::tempdir().unwrap();
    let r = reference(dir.path());
    kill_trials("demo", dir.path(), &|out| vec!["demo".into(), out.display().to_string()], &Made::Project { design_json: r.json }, 1);
}

#[test]
fn a_killed_import_leaves_no_project_or_a_complete_one() {
    let dir = tempfile::tempdir().unwrap();
    let r = reference(dir.path());
    let json = r.json_file.display().to_string();
    kill_trials(
        "import",
        dir.path(),
        &|out| vec!["project".into(), "import".into(), json.clone(), "-o".into(), out.display().to_string()],
        &Made::Project { design_json: r.json.clone() },
        2,
    );
}

#[test]
fn a_killed_export_leaves_no_file_or_a_complete_one() {
    let dir = tempfile::tempdir().unwrap();
    let r = reference(dir.path());
    let site = r.site.display().to_string();
    kill_trials(
        "export",
        dir.path(),
        &|out| vec!["project".into(), "export".into(), site.clone(), "-o".into(), out.display().to_string()],
        &Made::Bytes(r.json.clone()),
        3,
    );
}

#[test]
fn a_killed_report_leaves_no_file_or_a_complete_one() {
    let dir = tempfile::tempdir().unwrap();
    let r = reference(dir.path());
    let site = r.site.display().to_string();
    kill_trials(
        "report",
        dir.path(),
        &|out| {
            vec![
                "report".into(),
                "design".into(),
                site.clone(),
                "-o".into(),
                out.display().to_string(),
                "--date".into(),
                "2026-01-15".into(),
            ]
        },
        &Made::Bytes(r.pdf.clone()),
        4,
    );
}
