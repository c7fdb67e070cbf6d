//! The example cases of `examples/sizing/` size without errors through the
//! same entry points the CLI uses (the CLI's own tests run the binary).

use std::path::PathBuf;

use backstop_model::sizing::DiagSeverity;
use backstop_sizing::profile::ProfileOptions;
use backstop_sizing::{default_catalog, merged, parse_peak_case, parse_profile_reader, parse_ups_case, render_text, size_peak, size_ups};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/sizing").join(name)
}

#[test]
fn ups_examples_size_without_errors() {
    for f in ["ups-constant-power-yuasa.toml", "ups-duty-cycle.toml", "ups-ecm-lfp.toml"] {
        let file = parse_ups_case(&std::fs::read_to_string(example(f)).unwrap()).unwrap_or_else(|d| panic!("{f}: {d:#?}"));
        assert!(file.warnings.is_empty(), "{f}: {:#?}", file.warnings);
        let r = size_ups(&file.case, &merged(default_catalog(), &file.catalog));
        let errors: Vec<_> = r
            .diagnostics
            .iter()
            .chain(r.methods.iter().flat_map(|m| &m.diagnostics))
            .filter(|d| d.severity == DiagSeverity::Error)
            .collect();
        assert!(errors.is_empty(), "{f}: {errors:#?}\n{}", render_text(&r.sheet));
        assert!(r.governing.is_some(), "{f}");
    }
}

#[test]
fn peak_example_sizes_and_shows_the_ageing_models() {
    let file = parse_peak_case(&std::fs::read_to_string(example("peak-shaving.toml")).unwrap()).unwrap();
    assert!(file.warnings.is_empty(), "{:#?}", file.warnings);
    let csv = std::fs::File::open(example("profile-15min-january.csv")).unwrap();
    let p = parse_profile_reader(std::io::BufReader::new(csv), &ProfileOptions::default()).unwrap();
    let r = size_peak(&file.case, &p, default_catalog());
    let text = render_text(&r.sheet);
    assert!(!r.diagnostics.iter().any(|d| d.severity == DiagSeverity::Error), "{:#?}", r.diagnostics);
    let s = r.sizing.as_ref().expect("sized");
    assert_eq!(s.aging_spread.len(), 3);
    assert!(text.contains("Year 15") && text.contains("Degradation models side by side"), "{text}");
}

#[test]
fn smoothing_example_sizes_and_meets_its_requirements() {
    use backstop_sizing::{parse_smooth_case, size_smooth};
    let file = parse_smooth_case(&std::fs::read_to_string(example("smoothing-training.toml")).unwrap()).unwrap();
    assert!(file.warnings.is_empty(), "{:#?}", file.warnings);
    let r = size_smooth(&file.case, None, &merged(default_catalog(), &file.catalog));
    let text = render_text(&r.sheet);
    let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == DiagSeverity::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
    assert!(r.feasible());
    let b = r.battery.as_ref().expect("battery sized");
    assert!(b.units.is_some() && b.pcs_units.is_some());
    assert!(r.supercap.is_some() && r.life.is_some());
    assert_eq!(r.checks.len(), 3);
    assert!(
        text.contains("Life by throughput") && text.contains("Ageing models side by side") && text.contains("Closed-form estimates"),
        "{text}"
    );
}
