//! The commissioning report renders for a project with no session and for a
//! signed-off session with failures and deviations.

mod support;

use backstop_report::ReportMeta;
use backstop_report::charts::{LineChart, Series};
use backstop_report::commissioning::*;
use backstop_report::design::KeyValue;

fn meta() -> ReportMeta {
    ReportMeta {
        title: "Commissioning report".into(),
        project: "Hall B battery backstop".into(),
        client: "Northwind Data Centers".into(),
        site: "Ashburn campus".into(),
        date: "2026-11-28".into(),
        source_file: "/projects/hall-b.backstop".into(),
        generator: "0.1.0".into(),
        ..ReportMeta::default()
    }
}

#[test]
fn empty_project_renders_not_yet_recorded_sections() {
    let r = CommissioningReport { meta: meta(), ..Default::default() };
    let text = support::pdf_text(&r.render((2026, 11, 28)).unwrap().pdf().unwrap(), "commissioning-empty");
    for needle in [
        "1 Session",
        "2 Pack controllers found",
        "3 Checklist",
        "4 As-left configuration",
        "5 Deviations",
        "6 Trends",
        "7 Sign-off",
        "Not yet recorded: no commissioning session",
        "Not signed off",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn signed_session_prints_evidence_failures_and_sign_off() {
    let r = CommissioningReport {
        meta: meta(),
        session: Some(SessionSection { facts: vec![KeyValue::new("Link", "/dev/ttyUSB0, 115200 8N1")] }),
        devices: vec![
            DeviceRow {
                unit: 1,
                serial: "SIM-0001".into(),
                model: "BMS-X".into(),
                firmware: "2.4.1".into(),
                cabinet: "BC-01".into(),
                status: "as designed".into(),
                ok: true,
            },
            DeviceRow {
                unit: 3,
                serial: "SIM-0003".into(),
                model: "BMS-X".into(),
                firmware: "2.3.9".into(),
                cabinet: "BC-03".into(),
                status: "wrong firmware".into(),
                ok: false,
            },
        ],
        steps: vec![
            StepRow {
                title: "Cell-voltage spread".into(),
                criterion: "max − min ≤ 30 mV per string".into(),
                outcome: "fail".into(),
                evidence: vec![KeyValue::new("Unit 2 string 1", "max 3.341 V (M3 C7), min 3.288 V (M1 C2): 53 mV")],
                notes: "Balance before energising.".into(),
                who: "R. Okafor".into(),
                at: "2026-11-28 10:42:05".into(),
            },
            StepRow {
                title: "Communications".into(),
                criterion: "Every planned unit id answers; ids unique".into(),
                outcome: "pass".into(),
                evidence: vec![KeyValue::new("Answered", "1, 2, 3")],
                notes: String::new(),
                who: "R. Okafor".into(),
                at: "2026-11-28 10:30:00".into(),
            },
        ],
        as_left: vec![SetpointRow {
            device: "Unit 2".into(),
            point: "802.WChaRteMax".into(),
            design: "40000 W".into(),
            as_left: "20000 W".into(),
            matches: false,
        }],
        deviations: vec!["Unit 3 firmware 2.3.9, specified 2.4.1.".into()],
        trends: vec![LineChart {
            title: "String voltage, unit 1".into(),
            x_label: "Time (s)".into(),
            y_label: "V".into(),
            series: vec![Series { name: "V".into(), points: vec![(0.0, 812.0), (60.0, 811.5), (120.0, 811.9)], reference: false }],
            size: (640, 320),
        }],
        signoff: Some(SignoffSection {
            name: "R. Okafor".into(),
            role: "Commissioning engineer".into(),
            date: "2026-11-28".into(),
            statement: "I confirm that the results above were recorded on site.".into(),
        }),
    };
    let rendered = r.render((2026, 11, 28)).unwrap();
    let text = support::pdf_text(&rendered.pdf().unwrap(), "commissioning-full");
    for needle in [
        "1 FAILED",
        "1 of 2 steps passed",
        "53 mV",
        "wrong firmware",
        "SIM-0003",
        "20000 W",
        "DIFFERS",
        "Unit 3 firmware 2.3.9",
        "String voltage, unit 1",
        "Commissioning engineer",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}
