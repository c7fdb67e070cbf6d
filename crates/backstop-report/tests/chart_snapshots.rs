//! Chart SVGs are compared with committed snapshots, so a change in how
//! charts look is always a reviewed change. Regenerate after an intended
//! change with `UPDATE_SNAPSHOTS=1 cargo test -p backstop-report --test chart_snapshots`
//! and look at the new files before committing them.

use std::path::PathBuf;

use backstop_report::charts::{LineChart, Series};

fn check(name: &str, svg: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(format!("{name}.svg"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, svg).unwrap();
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("no snapshot {}; create it with UPDATE_SNAPSHOTS=1", path.display()));
    assert!(expected == svg, "chart {name} differs from {}; if intended, regenerate with UPDATE_SNAPSHOTS=1", path.display());
}

#[test]
fn discharge_chart_with_a_cut_off_reference_line() {
    let voltage: Vec<(f64, f64)> =
        (0..=60).map(|m| (m as f64, 832.0 - 0.9 * m as f64 - if m > 50 { (m - 50) as f64 * 6.0 } else { 0.0 })).collect();
    let chart = LineChart {
        title: "Terminal voltage during a 60 min discharge".into(),
        x_label: "Time (min)".into(),
        y_label: "Voltage (V)".into(),
        series: vec![
            Series { name: "BOL".into(), points: voltage.clone(), reference: false },
            Series { name: "EOL (80 % SOH)".into(), points: voltage.iter().map(|&(t, v)| (t * 0.8, v - 8.0)).collect(), reference: false },
            Series { name: "Cut-off 720 V".into(), points: vec![(0.0, 720.0), (60.0, 720.0)], reference: true },
        ],
        size: (720, 400),
    };
    check("discharge", &chart.to_svg().unwrap());
}

#[test]
fn single_series_chart_has_no_legend() {
    let chart = LineChart {
        title: "Capacity over project life".into(),
        x_label: "Year".into(),
        y_label: "Capacity (% of nameplate)".into(),
        series: vec![Series {
            name: "capacity".into(),
            points: (0..=15).map(|y| (y as f64, 100.0 - 1.1 * y as f64)).collect(),
            reference: false,
        }],
        size: (600, 320),
    };
    let svg = chart.to_svg().unwrap();
    assert!(!svg.contains(">capacity<"), "a single series needs no legend");
    check("capacity", &svg);
}
