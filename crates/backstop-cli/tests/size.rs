//! `backstop size …` on real files: the example cases, JSON output, and
//! the exit codes and messages for infeasible and invalid input.

use std::path::PathBuf;
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

#[test]
fn yuasa_example_prints_the_sheet() {
    let o = backstop(&["size", "ups", "examples/sizing/ups-constant-power-yuasa.toml"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("N = 20 × 6 = 120"), "{out}");
    assert!(out.contains("W_cell = P_batt ÷ N = 5300 ÷ 120 = 44.167 W/cell"), "{out}");
    assert!(out.contains("C_req = W_req ÷ k = 44.167 ÷ 1.872 = 23.593 Ah"), "{out}");
    assert!(out.contains("[30 min 1.872 W/cell/Ah: Yuasa NP manual p.7"), "sources are printed: {out}");
}

#[test]
fn json_output_is_machine_readable() {
    let o = backstop(&["size", "ups", "examples/sizing/ups-constant-power-yuasa.toml", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let m = &v["result"]["methods"][0];
    assert_eq!(m["method"], "constant-power");
    assert_eq!(m["config"]["cells_in_series"], 120);
    assert_eq!(m["config"]["units"], 20);
    assert!((m["required_ah"].as_f64().unwrap() - 23.593).abs() < 1e-3);
    assert!(v["result"]["sheet"]["sections"].as_array().unwrap().len() > 3);
}

#[test]
fn every_example_runs() {
    for f in ["ups-constant-power-yuasa.toml", "ups-duty-cycle.toml", "ups-ecm-lfp.toml"] {
        let o = backstop(&["size", "ups", &format!("examples/sizing/{f}")]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{f}\n{out}\n{err}");
        assert!(!err.contains("unknown key"), "{f}: {err}");
    }
    let o = backstop(&["size", "peak", "examples/sizing/peak-shaving.toml", "--profile", "examples/sizing/profile-15min-january.csv"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("Threshold sweep") && out.contains("Year 15"), "{out}");
    assert!(!err.contains("unknown key"), "{err}");
}

#[test]
fn optimize_lists_best_and_rejections() {
    let o = backstop(&["size", "ups", "examples/sizing/ups-ecm-lfp.toml", "--optimize", "--keep", "3"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("Optimizer ("), "{out}");
    assert!(out.contains("  1. ") && out.contains("  3. "), "{out}");
    assert!(out.contains("rejected lfp-container-20ft-3727 (dc-window)"), "{out}");
}

#[test]
fn infeasible_case_exits_1_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("case.toml");
    std::fs::write(
        &f,
        "battery_key = \"lfp-container-20ft-3727\"\nruntime_min = 10\n[load]\nkind = \"total\"\nkw = 300\n[dc_bus]\nv_max = 600\nv_min = 400\n",
    )
    .unwrap();
    let o = backstop(&["size", "ups", f.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("exceeds V_max 600 V by"), "{err}");
    assert!(err.contains("infeasible"), "{err}");
}

#[test]
fn invalid_input_exits_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("case.toml");
    std::fs::write(&f, "battery_key = \"lfp-eve-lf280k\"\n[load]\nkind = \"total\"\nkw = 300\n[dc_bus]\nv_max = 600\nv_min = 400\n")
        .unwrap();
    let o = backstop(&["size", "ups", f.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("missing field `runtime_min`"), "{err}");

    std::fs::write(
        &f,
        "battery_key = \"lfp-eve-lf280k\"\nruntime_min = -3\n[load]\nkind = \"total\"\nkw = 300\n[dc_bus]\nv_max = 600\nv_min = 400\n",
    )
    .unwrap();
    let o = backstop(&["size", "ups", f.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Required runtime (min) = -3") && err.contains("[runtime_min]") && err.contains("below the lowest accepted value"),
        "{err}"
    );

    let o = backstop(&["size", "ups", "no/such/file.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("cannot read the case file"));
}

#[test]
fn bad_profile_rows_are_reported_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("p.csv");
    std::fs::write(
        &csv,
        "timestamp,load_kW\n2025-01-01 00:00,100\n2025-01-01 00:15,abc\n2025-01-01 00:30,120\n2025-01-01 00:30,130\n2025-01-01 01:30,90\n",
    )
    .unwrap();
    let o = backstop(&["size", "peak", "examples/sizing/peak-shaving.toml", "--profile", csv.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("line 6"), "{err}");
}

#[test]
fn catalog_lists_keys() {
    let o = backstop(&["size", "catalog"]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    for k in ["vrla-yuasa-np24-12", "lfp-eve-lf280k", "lfp-container-20ft-3727", "ups-500kva-dc", "pcs-2500kw-1500v"] {
        assert!(out.contains(k), "{out}");
    }
    let o = backstop(&["size", "catalog", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 8);
}

#[test]
fn peak_optimize_lists_candidates() {
    let o = backstop(&[
        "size",
        "peak",
        "examples/sizing/peak-shaving.toml",
        "--profile",
        "examples/sizing/profile-15min-january.csv",
        "--optimize",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!v["optimize"]["best"].as_array().unwrap().is_empty());
    assert!(v["optimize"]["rejected"].as_array().unwrap().iter().any(|r| r["constraint"] == "dc-window"));
}

/// `backstop size` prints the calculation sheet the app exports for the same
/// case ("Export sheet": the core's `sizing_cases::sheet_text` with the
/// built-in catalog of a project that has not copied any entry).
#[test]
fn sheets_are_the_bytes_the_app_exports() {
    use backstop_core::sizing_cases::{catalog_of, sheet_text};
    use backstop_model::sizing_view::SizingCase;
    let dir = tempfile::tempdir().unwrap();
    // The training site over an hour (the example is a day).
    let day = std::fs::read_to_string(repo().join("examples/sizing/smoothing-training.toml")).unwrap();
    assert!(day.contains("duration_s = 86400"), "the example changed; adjust this test");
    let hour = dir.path().join("smoothing-hour.toml");
    std::fs::write(&hour, day.replace("duration_s = 86400", "duration_s = 3600")).unwrap();
    let ups = ["examples/sizing/ups-duty-cycle.toml", "examples/sizing/ups-ecm-lfp.toml"].map(|f| repo().join(f));
    for (method, file) in [("ups", &ups[0]), ("ups", &ups[1]), ("smooth", &hour)] {
        let case_text = std::fs::read_to_string(file).unwrap();
        let case = match method {
            "ups" => SizingCase::Ups(backstop_sizing::parse_ups_case(&case_text).unwrap().case),
            _ => SizingCase::Smooth(backstop_sizing::parse_smooth_case(&case_text).unwrap().case),
        };
        let app = sheet_text(&backstop_core::sizing_cases::Inputs::default(), &case, None, &catalog_of(None)).unwrap();
        let o = backstop(&["size", method, file.to_str().unwrap()]);
        let (out, err) = text(&o);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}: {err}", file.display());
        assert!(app.lines().count() > 20, "{}: a real sheet:\n{app}", file.display());
        assert!(out == app, "{}: backstop size differs from the app's sheet export:\n{out}\n---\n{app}", file.display());
    }
}
