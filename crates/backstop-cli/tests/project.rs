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
