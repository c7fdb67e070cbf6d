//! `backstop project …` on real files: new, info, check (passing and
//! failing), export and import round trip.

use std::process::Command;

fn backstop(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backstop")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn new_info_check_export_import() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Hall B é.backstop");
    let f = file.to_str().unwrap();
    let (code, out, err) = backstop(&["project", "new", f, "--name", "Hall B backstop", "--client", "Northwind"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created"));

    let (code, out, _) = backstop(&["project", "info", f]);
    assert_eq!(code, 0);
    assert!(out.contains("project   Hall B backstop") && out.contains("client    Northwind"), "{out}");
    let (_, json, _) = backstop(&["project", "info", f, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["info"]["name"], "Hall B backstop");

    let (code, out, _) = backstop(&["project", "check", f]);
    assert_eq!(code, 0);
    assert!(out.starts_with("ok:"), "{out}");

    let design = dir.path().join("design.json");
    let (code, _, err) = backstop(&["project", "export", f, "-o", design.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let copy = dir.path().join("copy.backstop");
    let (code, _, err) = backstop(&["project", "import", design.to_str().unwrap(), "-o", copy.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (_, a, _) = backstop(&["project", "export", f]);
    let (_, b, _) = backstop(&["project", "export", copy.to_str().unwrap()]);
    assert_eq!(a, b, "export → import → export is exact");
}

#[test]
fn check_fails_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.backstop");
    std::fs::write(&bad, b"SQLite format 3\0 but then nothing useful").unwrap();
    let (code, _, err) = backstop(&["project", "check", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("check failed") && err.contains("bad.backstop"), "{err}");
    let (code, _, err) = backstop(&["project", "info", dir.path().join("missing.backstop").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn demo_project_is_a_valid_designed_site() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.backstop");
    let (code, _, err) = backstop(&["demo", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = backstop(&["project", "check", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let (_, out, _) = backstop(&["project", "info", file.to_str().unwrap()]);
    assert!(out.contains("layout    2 rooms, 9 equipment, 10 racks, 3 UPS/PCS, 1 egress paths"), "{out}");
    // The demo site passes the rule check out of the box, its layout held
    // against its own UPS case: the nine cabinets and three UPS modules the
    // governing result installs.
    let (code, out, _) = backstop(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("case ups-1 (\"Hall B ride-through\"): consistent"), "{out}");
    assert!(out.contains("Battery cabinets (lfp-ups-cabinet-512v100): installed 9 ea, needed 9 ea"), "{out}");
    assert!(out.contains("PASS: no violations; 0 input errors, 0 warnings."), "{out}");
    let (code, _, err) = backstop(&["demo", file.to_str().unwrap()]);
    assert_ne!(code, 0, "an existing file is never overwritten");
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn export_telemetry_as_csv() {
    use backstop_store::{CreateOptions, Project, Sample, TelemetryWriter, WriterConfig};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("logged site.backstop");
    {
        let info = backstop_model::project::ProjectInfo { name: "Logged".into(), ..Default::default() };
        let mut p = Project::create(&file, &info, &CreateOptions::default()).unwrap();
        let soc = p.telemetry_point("pack-03", "soc", "%").unwrap();
        let mut w = TelemetryWriter::new(WriterConfig::default());
        for s in 0..10 {
            w.append(&p, soc, Sample { t_ms: 1_767_225_600_000 + s * 1_000, value: 90.0 - s as f64 * 0.5 }).unwrap();
        }
        w.flush(&mut p).unwrap();
    }
    let f = file.to_str().unwrap();
    let (code, out, err) =
        backstop(&["project", "export", f, "--telemetry", "pack-03/soc", "--from-ms", "1767225602000", "--to-ms", "1767225603000"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "time_utc,unix_ms,device,point,unit,value\n\
         2026-01-01T00:00:02.000Z,1767225602000,pack-03,soc,%,89\n\
         2026-01-01T00:00:03.000Z,1767225603000,pack-03,soc,%,88.5\n"
    );
    let (code, _, err) = backstop(&["project", "export", f, "--telemetry", "pack-03/nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no telemetry point pack-03/nope"), "{err}");
}

fn demo(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let file = dir.join(name);
    let (code, _, err) = backstop(&["demo", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    file
}

fn journal(p: &std::path::Path) -> std::path::PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push("-journal");
    s.into()
}

/// Leaves `into` (and its journal) as a kill in the middle of a large edit
/// of `path` would: pages written into the file, the journal beside it.
fn interrupted_copy(path: &std::path::Path, into: &std::path::Path) {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "cache_size", 1).unwrap();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).unwrap();
    backstop_store::journal::advance(&tx).unwrap();
    tx.execute("UPDATE it_racks SET load_kw = 999, body = json_set(body, '$.load_kw', 999.0)", []).unwrap();
    tx.execute("UPDATE catalog_entries SET body = json_set(body, '$.padding', hex(zeroblob(20000)))", []).unwrap();
    std::fs::copy(path, into).unwrap();
    std::fs::copy(journal(path), journal(into)).unwrap();
    tx.rollback().unwrap();
}

#[test]
fn a_crashed_file_is_checked_as_it_will_be_and_recover_rolls_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = demo(dir.path(), "hall b.backstop");
    let crashed = dir.path().join("crashed.backstop");
    interrupted_copy(&file, &crashed);
    let c = crashed.to_str().unwrap();
    let before = (std::fs::read(&crashed).unwrap(), std::fs::read(journal(&crashed)).unwrap());
    let (code, out, err) = backstop(&["project", "check", c]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ok:") && out.contains("left in the middle of an edit") && out.contains("backstop project recover"), "{out}");
    assert_eq!((std::fs::read(&crashed).unwrap(), std::fs::read(journal(&crashed)).unwrap()), before, "check changes nothing");
    let (code, out, err) = backstop(&["project", "recover", c]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rolled back an edit that was interrupted") && out.contains("ok:"), "{out}");
    assert!(!journal(&crashed).exists());
    let (_, a, _) = backstop(&["project", "export", file.to_str().unwrap()]);
    let (_, b, _) = backstop(&["project", "export", c]);
    assert_eq!(a, b, "the rolled-back file holds the design as it was before the interrupted edit");
    let (code, out, _) = backstop(&["project", "recover", c]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to recover"), "{out}");

    // A journal that is not the file's own: refused, both files untouched.
    let other = demo(dir.path(), "other.backstop");
    interrupted_copy(&other, &dir.path().join("other crashed.backstop"));
    std::fs::copy(journal(&dir.path().join("other crashed.backstop")), journal(&file)).unwrap();
    let before = (std::fs::read(&file).unwrap(), std::fs::read(journal(&file)).unwrap());
    for cmd in ["check", "recover", "info"] {
        let (code, out, err) = backstop(&["project", cmd, file.to_str().unwrap()]);
        assert_ne!(code, 0, "{cmd}: {out}");
        assert!(err.contains("does not belong to it") && err.contains("left both files exactly as they were"), "{cmd}: {err}");
    }
    assert_eq!((std::fs::read(&file).unwrap(), std::fs::read(journal(&file)).unwrap()), before);
}

#[test]
fn damaged_records_are_a_sentence_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let file = demo(dir.path(), "bad text.backstop");
    {
        let c = rusqlite::Connection::open(&file).unwrap();
        c.execute("UPDATE rooms SET name = CAST(X'48616c6cff' AS TEXT) WHERE id = 'ESS-B'", []).unwrap();
    }
    let f = file.to_str().unwrap();
    let (code, _, err) = backstop(&["project", "check", f]);
    assert_eq!(code, 1);
    assert!(err.contains("is damaged: a record cannot be read") && err.contains("not valid UTF-8"), "{err}");
    assert_eq!(err.matches("UTF-8").count(), 1, "said once: {err}");
    assert!(!err.contains("database error"), "{err}");
    assert!(err.contains(&format!("backstop project recover {f} -o NEW.backstop")), "{err}");
    let copy = dir.path().join("saved.backstop");
    let (code, out, err) = backstop(&["project", "recover", f, "-o", copy.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("records recovered") && out.contains("lost: some rows of rooms could not be read"), "{out}");
    let (code, out, _) = backstop(&["project", "check", copy.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
}

#[cfg(unix)] // FIFOs and /dev
#[test]
fn named_pipes_and_devices_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("design.json");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let out = dir.path().join("x.backstop");
    let (code, _, err) = backstop(&["project", "import", fifo.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("is a named pipe (FIFO), not a file") && err.contains("choose a regular file"), "{err}");
    for cmd in ["check", "info"] {
        let (code, _, err) = backstop(&["project", cmd, fifo.to_str().unwrap()]);
        assert_ne!(code, 0);
        assert!(err.contains("named pipe"), "{cmd}: {err}");
        let (_, _, err) = backstop(&["project", cmd, "/dev/zero"]);
        assert!(err.contains("\"/dev/zero\" is a device, not a file"), "{cmd}: {err}");
    }
    assert!(!out.exists());
}

#[cfg(unix)] // SIGPIPE
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let file = demo(dir.path(), "piped.backstop");
    // `backstop project export F | head -c 10`: the design JSON (far larger
    // than a pipe's buffer) goes to a reader that stops after 10 bytes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(["project", "export", file.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(&head, b"{\n  \"forma");
    assert!(status.success() || status.signal() == Some(libc::SIGPIPE), "{status:?}: {err}");
    assert!(!err.contains("panicked") && err.is_empty(), "{err}");
}
