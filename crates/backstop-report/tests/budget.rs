//! No report typesets without bound: a job over the budget (one over-long
//! text, too much data) is refused before Typst runs, naming what is too
//! large; a report at the store's field limits is within the budget and
//! renders.

use backstop_report::design::{DesignReport, KeyValue, RevisionRow};
use backstop_report::{BUDGET, ReportError, ReportMeta};

fn meta(project: String) -> ReportMeta {
    ReportMeta { title: "Design report".into(), project, date: "2026-11-28".into(), ..ReportMeta::default() }
}

fn refused(report: &DesignReport) -> String {
    match report.render((2026, 11, 28)) {
        Err(ReportError::TooLarge(msg)) => msg,
        Err(e) => panic!("expected a budget refusal, got {e}"),
        Ok(r) => panic!("typeset {} pages over budget", r.page_count()),
    }
}

#[test]
fn an_over_long_text_is_refused_before_typesetting() {
    // The hostile project of the issue: a 1 MB project name.
    let report = DesignReport { meta: meta("N".repeat(1_000_000)), ..DesignReport::default() };
    let msg = refused(&report);
    assert!(msg.contains("one text (meta.project) is 1000000 characters long"), "{msg}");
    assert!(msg.contains(&format!("up to {} characters", BUDGET.text_chars)) && msg.contains("Shorten that text"), "{msg}");
}

#[test]
fn too_much_data_is_refused_before_typesetting() {
    let row =
        |i: usize| RevisionRow { rev: format!("R{i}"), date: "2026-01-01".into(), author: "A".into(), description: "d".repeat(10_000) };
    let report = DesignReport { meta: meta("Site".into()), revisions: (0..150).map(row).collect(), ..DesignReport::default() };
    let msg = refused(&report);
    assert!(msg.contains("its data is 1.4 MB; a report typesets at most 1.0 MB"), "{msg}");
}

#[test]
fn a_report_at_the_stores_field_limits_renders() {
    use backstop_store::limits::{NAME_CHARS, TEXT_CHARS};
    // The longest text a project keeps must fit a report.
    const { assert!(TEXT_CHARS <= BUDGET.text_chars) };
    let report = DesignReport {
        meta: meta("P".repeat(NAME_CHARS)),
        project_facts: vec![KeyValue::new("Notes", "word ".repeat(TEXT_CHARS / 5).trim_end())],
        ..DesignReport::default()
    };
    let rendered = report.render((2026, 11, 28)).unwrap();
    assert!(rendered.page_count() >= 2, "20,000 characters of notes take more than a page");
}
