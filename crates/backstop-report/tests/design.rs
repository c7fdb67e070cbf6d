//! The design report renders for an empty project and for a designed one,
//! with the expected headings and values in the PDF's text, and the same
//! bytes every time.

mod support;

use backstop_report::ReportMeta;
use backstop_report::charts::{LineChart, Series};
use backstop_report::design::*;

fn meta() -> ReportMeta {
    ReportMeta {
        title: "Design report".into(),
        project: "Hall B battery backstop".into(),
        client: "Northwind Data Centers #import \"evil.typ\" *not bold*".into(),
        site: "Ashburn campus, Hall B".into(),
        address: "21 Example Way, Ashburn VA".into(),
        engineer: "R. Okafor".into(),
        revision: "B".into(),
        date: "2026-11-28".into(),
        source_file: "/projects/hall-b.backstop".into(),
        generator: "0.1.0".into(),
    }
}

#[test]
fn empty_project_renders_not_yet_designed_sections() {
    let report = DesignReport { meta: meta(), ..DesignReport::default() };
    let rendered = report.render((2026, 11, 28)).unwrap();
    let text = support::pdf_text(&rendered.pdf().unwrap(), "design-empty");
    for heading in ["1 Project data", "2 Layout", "3 Bill of materials", "4 Sizing", "5 Rule checks"] {
        assert!(text.contains(heading), "missing heading {heading:?} in:\n{text}");
    }
    assert!(text.contains("Not yet designed: the project has no rooms"));
    assert!(text.contains("Not yet designed: no sizing case"));
    // Data is printed literally, never interpreted as markup.
    assert!(text.contains("#import \"evil.typ\" *not bold*"), "{text}");
}

#[test]
fn designed_project_prints_tables_charts_and_violations_identically_each_time() {
    let report = DesignReport {
        meta: meta(),
        project_facts: vec![KeyValue::new("IT load", "600 kW (10 racks × 60 kW)")],
        revisions: vec![RevisionRow { rev: "A".into(), date: "2026-10-01".into(), author: "R. Okafor".into(), description: "Issued for review".into() }],
        layout: Some(LayoutSection {
            plan_svg: r##"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200"><rect x="10" y="10" width="380" height="180" fill="none" stroke="#1d3557" stroke-width="3"/><text x="40" y="100" font-family="sans-serif" font-size="14">BC-01</text></svg>"##.into(),
            notes: vec!["Room B1-ESS, 12.0 × 8.0 m".into()],
        }),
        bom: Some(BomSection {
            rows: vec![BomRow { item: "lfp-ups-cab-40".into(), description: "LFP UPS battery cabinet 40 kWh".into(), quantity: "6".into(), unit: "ea".into(), tags: "BC-01…BC-06".into() }],
            totals: vec![KeyValue::new("Energy", "240.0 kWh"), KeyValue::new("Weight", "5,400 kg")],
        }),
        sizing: vec![SizingSection {
            title: "Ride-through, constant-power method".into(),
            method: "IEEE 485-style constant power per cell".into(),
            summary: vec![KeyValue::new("Cells in series", "120")],
            inputs: vec![KeyValue::new("Load", "5.3 kW")],
            steps: vec![CalcStep { quantity: "Watts per cell".into(), formula: "P / N".into(), values: "5300 / 120".into(), result: "44.17 W".into(), source: "Yuasa NP manual p.7".into() }],
            diagnostics: vec![],
            charts: vec![LineChart {
                title: "Runtime versus load".into(),
                x_label: "Load (kW)".into(),
                y_label: "Runtime (min)".into(),
                series: vec![Series { name: "BOL".into(), points: vec![(1.0, 90.0), (3.0, 45.0), (5.3, 30.0)], reference: false }],
                size: (640, 360),
            }],
        }],
        rules: Some(RuleSection {
            rule_set: "IFC 2018 / NFPA 855-2023 / NEC 2017".into(),
            checked: 12,
            violations: vec![ViolationRow { rule: "Array spacing".into(), reference: "IFC 2018 §1206.2.8.3".into(), measured: "610 mm".into(), required: "≥ 914 mm".into(), objects: "BC-02, BC-03".into() }],
            consistency: vec![ConsistencyRow {
                case: "ups-1 — Hall B ride-through".into(),
                status: "SHORT".into(),
                ok: false,
                summary: "Short of sizing case \"Hall B ride-through\" (ups-1): 6 cabinets, 307.2 kWh missing.".into(),
                lines: vec![ConsistencyLineRow { quantity: "Battery cabinets (lfp-ups-cabinet-512v100)".into(), installed: "3 ea".into(), required: "9 ea".into(), ok: false }],
            }],
        }),
    };
    let first = report.render((2026, 11, 28)).unwrap();
    let pdf = first.pdf().unwrap();
    let text = support::pdf_text(&pdf, "design-full");
    for needle in [
        "44.17 W",
        "Yuasa NP manual p.7",
        "lfp-ups-cab-40",
        "240.0 kWh",
        "IFC 2018 §1206.2.8.3",
        "610 mm",
        "1 VIOLATION",
        "Issued for review",
        "Runtime versus load",
        "Layout against the sizing",
        "ups-1 — Hall B ride-through",
        "6 cabinets, 307.2 kWh missing",
        "9 ea",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(!text.contains("Not yet designed"), "{text}");
    let again = report.render((2026, 11, 28)).unwrap().pdf().unwrap();
    assert!(again == pdf, "same data must give the same PDF bytes");
    assert!(first.page_count() >= 2);
    assert_eq!(first.svg_pages().len(), first.page_count());
}
