//! What a measured power trace saved with a smoothing case costs the app:
//! encoding it, the save (one edit with its undo image), reading the
//! project's design (which every command does, trace included), and
//! reading the trace back when the case is opened — for a day and a week
//! of the example training site at 100 ms, beside the same project without
//! a trace, in one run.
//!
//! Run: `cargo bench -p backstop-store --bench stored_trace`. Prints a
//! Markdown table for BENCHMARKS.md.

use std::time::{Duration, Instant};

use backstop_model::project::{ProjectInfo, Record};
use backstop_model::sizing_smooth::SyntheticProfile;
use backstop_model::sizing_view::{POWER_TRACE_KIND, StoredTrace};
use backstop_sizing::smooth::{from_stored, synth, to_stored};
use backstop_store::{CreateOptions, Project};

fn median(n: usize, mut f: impl FnMut()) -> Duration {
    let mut v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[n / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let info = ProjectInfo { name: "Trace bench".into(), ..Default::default() };
    let mut plain = Project::create(&dir.path().join("plain.backstop"), &info, &CreateOptions::default()).expect("a project");
    plain
        .edit("case", |e| {
            e.put_sizing_case_record(&Record { key: "smooth-1".into(), kind: "smooth-case".into(), name: "Site".into(), body: "{}".into() })
        })
        .expect("a case");
    let t_plain = median(21, || {
        std::hint::black_box(plain.design().expect("the design"));
    });
    println!(
        "| stored trace (100 ms) | encode | body | save (one edit) | design read, every command | without a trace | open the case: parse + check |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, days) in [("one day, 864,000 samples", 1.0), ("three days, 2,592,000 samples", 3.0), ("one week, 6,048,000 samples", 7.0)] {
        let trace = synth::generate(&SyntheticProfile {
            duration_s: days * 86_400.0,
            dt_s: 0.1,
            failures_per_day: 4.0,
            ..SyntheticProfile::default()
        })
        .trace;
        let mut body = String::new();
        let t_encode = median(3, || {
            body = serde_json::to_string(&to_stored(&trace, "smooth-1", "site.csv")).expect("JSON");
        });
        let path = dir.path().join(format!("{days}.backstop"));
        let mut p = Project::create(&path, &info, &CreateOptions::default()).expect("a project");
        p.edit("case", |e| {
            e.put_sizing_case_record(&Record { key: "smooth-1".into(), kind: "smooth-case".into(), name: "Site".into(), body: "{}".into() })
        })
        .expect("a case");
        let rec = Record { key: "smooth-1-profile".into(), kind: POWER_TRACE_KIND.into(), name: "site.csv".into(), body: body.clone() };
        if let Err(e) = p.edit("Save sizing case Site", |e| e.put_sizing_case_record(&rec)) {
            println!("| {label} | {} | {:.1} MB | refused: {e} | | | |", ms(t_encode), body.len() as f64 / 1e6);
            continue;
        }
        let t_save = median(3, || {
            p.edit("Save sizing case Site", |e| e.put_sizing_case_record(&rec)).expect("the save");
        });
        let t_design = median(11, || {
            std::hint::black_box(p.design().expect("the design"));
        });
        let mut back = None;
        let t_open = median(3, || {
            let d = p.design().expect("the design");
            let r = d.sizing_cases.iter().find(|r| r.kind == POWER_TRACE_KIND).expect("the trace record");
            let st: StoredTrace = serde_json::from_str(&r.body).expect("JSON");
            back = Some(from_stored(&st).expect("a trace"));
        });
        assert_eq!(back.as_ref().map(|t| &t.mw), Some(&trace.mw), "the trace reads back exactly");
        println!(
            "| {label} | {} | {:.1} MB | {} | {} | {} | {} |",
            ms(t_encode),
            body.len() as f64 / 1e6,
            ms(t_save),
            ms(t_design),
            ms(t_plain),
            ms(t_open)
        );
    }
}
