//! `backstop report …` writes PDFs whose text (pdftotext, poppler-utils)
//! holds the expected headings and values; an empty project still gets a
//! report with "not yet" sections.

use std::process::Command;

fn backstop(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backstop")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn pdf_text(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed: run scripts/setup --test");
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
        "Design report", "Hall B battery backstop", "Northwind AI Campus", "1 Project data", "2 Layout",
        "3 Bill of materials", "lfp-ups-cabinet-512v100", "ups-500kva-dc", "154 kWh", "600 kW in 10 racks",
        "5 Rule checks", "IFC 2018 / NFPA 855-2023 / NEC 2017", "NO VIOLATIONS", "2026-11-28",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // The same project and date give the same bytes.
    let again = dir.path().join("again.pdf");
    backstop(&["report", "design", file.to_str().unwrap(), "-o", again.to_str().unwrap(), "--date", "2026-11-28"]);
    assert!(std::fs::read(&pdf).unwrap() == std::fs::read(&again).unwrap(), "reports are reproducible");
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
