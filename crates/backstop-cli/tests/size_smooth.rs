//! `backstop size smooth …` (issue 15) on real files: the example case, a
//! measured trace, JSON output, and the exit codes of the other `backstop
//! size` methods — 0 sized, 1 infeasible (a requirement or an installed
//! device not held), 2 invalid input (case field, trace row, catalog).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn backstop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_backstop")).args(args).current_dir(repo()).output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// The job start of the validation (S1): 60 s at 0, then a 100 MW
/// step held for 540 s, every 100 ms, as a CSV trace in kW (unit from the header).
fn step_trace(dir: &Path) -> PathBuf {
    let mut s = String::from("time (s),site power (kW)\n");
    for k in 0..6000 {
        let kw = if k < 600 { 0.0 } else { 100_000.0 };
        s.push_str(&format!("{:.1},{kw}\n", k as f64 * 0.1));
    }
    let p = dir.join("step.csv");
    std::fs::write(&p, s).unwrap();
    p
}

/// A case for the step: ramp limiter at 20 MW/min, an ideal battery (no
/// lag, no loss, whole SOC window), IESO's ramp requirement only. `extra`
/// is appended to the [battery] table.
fn step_case(dir: &Path, extra: &str) -> PathBuf {
    let p = dir.join("case.toml");
    std::fs::write(
        &p,
        format!(
            "name = \"job start\"\n\
             [[requirements]]\nid = \"ramp\"\nlabel = \"20 MW/min\"\nsource = \"IESO TRLCL v3.0\"\nkind = \"ramp\"\nlimit_mw_per_min = 20\nwindow_s = 60\n\
             [controller]\nkind = \"ramp-limiter\"\nramp_mw_per_min = 20\n\
             [battery]\nrte = 1.0\nresponse_s = 0\nsoc_min = 0\nsoc_max = 1\neol_soh = 1\nrestore_s = 0\nc_rate = 100\n{extra}\n"
        ),
    )
    .unwrap();
    p
}

#[test]
fn the_example_prints_the_sheet_and_exits_0() {
    let o = backstop(&["size", "smooth", "examples/sizing/smoothing-training.toml"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    for want in [
        "Requirements held",
        "IESO: ≤ 5 MW change in any 15 s — grid",
        "Nameplate for the SOC window and EOL",
        "Battery units",
        "What sizes the bank",
        "Life by throughput",
        "Life by DoD-weighted cycles",
        "Governing life view",
        "Ramp-limit trade-off",
        "[IESO, Technical Requirements for Large Computational Loads",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    assert!(!err.contains("error"), "{err}");
}

#[test]
fn a_measured_trace_gives_the_job_start_answer_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let trace = step_trace(dir.path());
    let case = step_case(dir.path(), "");
    let o = backstop(&["size", "smooth", case.to_str().unwrap(), "--trace", trace.to_str().unwrap(), "--json"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let b = &v["result"]["battery"];
    // ΔP² ÷ (2r) = 100² ÷ (2 × 20/60) MJ = 4.1667 MWh at 100 MW.
    let mwh = b["usable_mwh"].as_f64().unwrap();
    assert!((mwh - 100.0 * 100.0 / (2.0 * 20.0 / 60.0) / 3600.0).abs() < 4.167e-3, "{mwh}");
    assert!((b["discharge_mw"].as_f64().unwrap() - 100.0).abs() < 0.1, "{b}");
    assert_eq!(v["result"]["checks"][0]["status"], "pass", "{}", v["result"]["checks"]);
    assert!(v["result"]["sheet"]["sections"].as_array().unwrap().len() > 4);
    assert!(v["result"]["charts"].as_array().unwrap().iter().any(|c| c["id"] == "grid-window"));
}

#[test]
fn an_installed_battery_too_small_exits_1_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let trace = step_trace(dir.path());
    // 1 MWh installed against the 4.17 the step needs: the grid takes the rest.
    let case = step_case(dir.path(), "energy_mwh = 1.0\npower_mw = 100");
    let o = backstop(&["size", "smooth", case.to_str().unwrap(), "--trace", trace.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("infeasible"), "{err}");
    assert!(err.contains("[requirement:ramp]"), "{err}");
    assert!(out.contains("NOT MET"), "{out}");
}

#[test]
fn invalid_case_fields_exit_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let trace = step_trace(dir.path());
    let case = step_case(dir.path(), "battery_key = \"no-such-battery\"");
    let o = backstop(&["size", "smooth", case.to_str().unwrap(), "--trace", trace.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("[battery.battery_key]"), "{err}");

    let bad = dir.path().join("bad.toml");
    let example = std::fs::read_to_string(repo().join("examples/sizing/smoothing-training.toml")).unwrap();
    std::fs::write(&bad, example.replace("rte = 0.90", "rte = 1.5")).unwrap();
    let o = backstop(&["size", "smooth", bad.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("[battery.rte]"), "{err}");

    // Neither a trace nor a [synthetic] profile.
    let o = backstop(&["size", "smooth", step_case(dir.path(), "").to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("[synthetic]"), "{err}");

    // Syntax.
    std::fs::write(&bad, "name = \n").unwrap();
    let o = backstop(&["size", "smooth", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_trace_rows_exit_2_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "time (s),power (MW)\n0,10\n0.1,abc\n0.2,12\n0.2,13\n0.4,10\n").unwrap();
    let case = step_case(dir.path(), "");
    let o = backstop(&["size", "smooth", case.to_str().unwrap(), "--trace", csv.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("problem(s)"), "{err}");
}
