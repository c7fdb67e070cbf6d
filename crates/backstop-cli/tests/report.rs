//! `backstop report …` writes PDFs whose text (pdftotext, poppler-utils)
//! holds the expected headings and values; an empty project still gets a
//! report with "not yet" sections.

use std::process::Command;

fn backstop(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backstop")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn pdf_text(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext").arg(path).arg("-").output().expect("pdftotext (poppler-utils) is needed: run scripts/setup --test");
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn design_report_of_the_demo_site() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.backstop");
    assert_eq!(backstop(&["demo", file.to_str().unwrap()]).0, 0);
    let pdf = dir.path().join("design.pdf");
    let (code, out, err) = backstop(&["report", "design", file.to_str().unwrap(), "-o", pdf.to_str().unwrap(), "--date", "2026-11-28"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pages"), "{out}");
    let text = pdf_text(&pdf);
    for needle in [
        "Design report",
        "Hall B battery backstop",
        "Northwind AI Campus",
        "1 Project data",
        "2 Layout",
        "3 Bill of materials",
        "lfp-ups-cabinet-512v100",
        "ups-500kva-dc",
        "461 kWh",
        "600 kW in 10 racks",
        "5 Rule checks",
        "IFC 2018 / NFPA 855-2023 / NEC 2017",
        "NO VIOLATIONS",
        "2026-11-28",
        // The layout held against the demo's UPS case.
        "Layout against the sizing",
        "CONSISTENT",
        "ups-1 — Hall B ride-through",
        "installed for 9 needed (460.8 kWh)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // The same project and date give the same bytes.
    let again = dir.path().join("again.pdf");
    backstop(&["report", "design", file.to_str().unwrap(), "-o", again.to_str().unwrap(), "--date", "2026-11-28"]);
    assert!(std::fs::read(&pdf).unwrap() == std::fs::read(&again).unwrap(), "reports are reproducible");
}

/// The app's "Export report" (the core's `reports::prepare_dated`, with the
/// checklist session and live link state of an app that has just opened the
/// file) and `backstop report` give the same bytes, for both reports.
#[test]
fn reports_are_the_bytes_the_app_exports() {
    use backstop_model::workspace::ReportKind;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.backstop");
    assert_eq!(backstop(&["demo", file.to_str().unwrap()]).0, 0);
    let project = backstop_store::Project::open(&file, &backstop_store::OpenOptions::view()).unwrap();
    for (kind, word) in [(ReportKind::Design, "design"), (ReportKind::Commissioning, "commissioning")] {
        let mut session = backstop_core::commissioning::Commissioning::default();
        let live = backstop_core::live::Live::default();
        let app = backstop_core::reports::prepare_dated(kind, &project, &mut session, &live, "2026-11-28")
            .and_then(|p| p.render((2026, 11, 28)))
            .unwrap()
            .pdf()
            .unwrap();
        let out = dir.path().join(format!("{word}.pdf"));
        let (code, _, err) = backstop(&["report", word, file.to_str().unwrap(), "-o", out.to_str().unwrap(), "--date", "2026-11-28"]);
        assert_eq!(code, 0, "{err}");
        assert!(app.len() > 1000, "{word}: a real PDF");
        assert!(std::fs::read(&out).unwrap() == app, "backstop report {word} differs from the app's export");
    }
}

/// The inconsistent fixture (the demo before its battery room was sized:
/// 3 cabinets and 2 UPS modules for a case that installs 9 and 3): the
/// design report lists the shortfalls with the other violations.
#[test]
fn design_report_of_an_inconsistent_design_shows_the_shortfall() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("inconsistent.backstop");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/inconsistent-demo.json");
    let (code, _, err) = backstop(&["project", "import", fixture, "-o", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let pdf = dir.path().join("design.pdf");
    let (code, _, err) = backstop(&["report", "design", file.to_str().unwrap(), "-o", pdf.to_str().unwrap(), "--date", "2026-11-28"]);
    assert_eq!(code, 0, "{err}");
    let text = pdf_text(&pdf);
    for needle in [
        "3 VIOLATIONS",
        "Battery units installed for the sizing case",
        "Battery energy installed for the sizing case",
        "UPS/PCS power installed for the sizing case",
        "3 ea",
        "≥ 9 ea",
        "≥ 461 kWh",
        "1,000 kW",
        "≥ 1,500 kW",
        "SHORT",
        "6 cabinets, 307.2 kWh, 500 kW of UPS (1 UPS unit) missing",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn empty_project_reports_say_not_yet() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.backstop");
    assert_eq!(backstop(&["project", "new", file.to_str().unwrap(), "--name", "Empty site"]).0, 0);
    for (kind, needles) in [
        ("design", ["Not yet designed: the project has no rooms", "Not yet designed: no sizing case"]),
        ("commissioning", ["Not yet recorded: no commissioning session", "Not signed off"]),
    ] {
        let pdf = dir.path().join(format!("{kind}.pdf"));
        let (code, _, err) = backstop(&["report", kind, file.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
        assert_eq!(code, 0, "{kind}: {err}");
        let text = pdf_text(&pdf);
        for n in needles {
            assert!(text.contains(n), "{kind}: missing {n:?} in:\n{text}");
        }
    }
    let (code, _, err) = backstop(&["report", "design", file.to_str().unwrap(), "-o", "/tmp/x.pdf", "--date", "2026-13-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a date"), "{err}");
}
