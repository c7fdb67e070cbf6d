//! `backstop size ups|peak|smooth|catalog`: run the sizing engine on a case
//! file and print the calculation sheet (or, with `--json`, the full result).
//!
//! Exit codes: 0 sized; 1 the case is infeasible (the sheet and the reasons
//! are printed; for `smooth`, a requirement the installed storage does not
//! hold or an installed device that is too small); 2 the input could not be
//! read or is invalid.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use backstop_model::catalog::CatalogEntry;
use backstop_model::sizing::{DiagSeverity, Objective, OptimizeOptions, OptimizeResult, SizingDiagnostic};
use backstop_sizing::profile::ProfileOptions;
use backstop_sizing::smooth::TraceOptions;
use backstop_sizing::{
    default_catalog, merged, optimize_peak, optimize_ups, parse_catalog, parse_peak_case, parse_profile_reader, parse_smooth_case,
    parse_trace_reader, parse_ups_case, render_text, size_peak, size_smooth, size_ups, validate_entry,
};
use clap::{Args, Subcommand, ValueEnum};

/// `backstop size …`
#[derive(Subcommand)]
pub enum SizeCmd {
    /// Size a UPS battery (ride-through) from a TOML or JSON case file.
    Ups(UpsArgs),
    /// Size a peak-shaving battery from a case file and a load-profile CSV.
    Peak(PeakArgs),
    /// Size the battery and/or supercapacitor bank that keeps an AI training
    /// load's power swings inside ramp and oscillation limits (power smoothing).
    Smooth(SmoothArgs),
    /// List the built-in catalog (keys to use in case files), or print it whole with --json.
    Catalog(CatalogArgs),
}

/// What to minimise with `--optimize`.
#[derive(Clone, Copy, ValueEnum)]
pub enum ObjectiveArg {
    /// Lowest total cost.
    Cost,
    /// Smallest floor area.
    Footprint,
}

/// Arguments of `size ups`.
#[derive(Args)]
pub struct UpsArgs {
    /// The case file (.toml or .json); see docs/sizing-input.md.
    pub file: PathBuf,
    /// Print the machine-readable result (JSON) instead of the calculation sheet.
    #[arg(long)]
    pub json: bool,
    /// Also search the catalog for the best configurations.
    #[arg(long)]
    pub optimize: bool,
    /// What the search minimises.
    #[arg(long, value_enum, default_value = "cost")]
    pub objective: ObjectiveArg,
    /// How many configurations the search returns.
    #[arg(long, default_value_t = 5)]
    pub keep: usize,
    /// Extra catalog files (TOML `[[entry]]` or JSON) added to the built-in catalog.
    #[arg(long)]
    pub catalog: Vec<PathBuf>,
}

/// Arguments of `size peak`.
#[derive(Args)]
pub struct PeakArgs {
    /// The case file (.toml or .json).
    pub file: PathBuf,
    /// The load profile CSV (timestamp, load with its unit in the header).
    #[arg(long)]
    pub profile: PathBuf,
    /// Print the machine-readable result (JSON).
    #[arg(long)]
    pub json: bool,
    /// Also search catalog batteries × PCS units for the best configurations at the threshold.
    #[arg(long)]
    pub optimize: bool,
    /// What the search minimises.
    #[arg(long, value_enum, default_value = "cost")]
    pub objective: ObjectiveArg,
    /// How many configurations the search returns.
    #[arg(long, default_value_t = 5)]
    pub keep: usize,
    /// Extra catalog files added to the built-in catalog.
    #[arg(long)]
    pub catalog: Vec<PathBuf>,
}

/// Arguments of `size smooth`.
#[derive(Args)]
pub struct SmoothArgs {
    /// The case file (.toml or .json); see docs/sizing-input.md.
    pub file: PathBuf,
    /// A measured power trace CSV (elapsed time or timestamp, power with its
    /// unit in the header, 1 ms to 1 s apart); without it the case's
    /// `[synthetic]` profile is used.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Print the machine-readable result (JSON).
    #[arg(long)]
    pub json: bool,
    /// Extra catalog files added to the built-in catalog.
    #[arg(long)]
    pub catalog: Vec<PathBuf>,
}

/// Arguments of `size catalog`.
#[derive(Args)]
pub struct CatalogArgs {
    /// Print every entry with all its data and sources as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `size` subcommand.
pub fn run(cmd: SizeCmd) -> Result<ExitCode> {
    match cmd {
        SizeCmd::Ups(a) => run_ups(&a),
        SizeCmd::Peak(a) => run_peak(&a),
        SizeCmd::Smooth(a) => run_smooth(&a),
        SizeCmd::Catalog(a) => run_catalog(&a),
    }
}

fn read(path: &Path, what: &str) -> Result<String> {
    backstop_store::files::read_text(path, crate::layout::MAX_INPUT_BYTES).with_context(|| format!("cannot read the {what}"))
}

fn print_diags(prefix: &str, diags: &[SizingDiagnostic]) {
    for d in diags {
        let sev = match d.severity {
            DiagSeverity::Error => "error",
            DiagSeverity::Warning => "warning",
            DiagSeverity::Info => continue,
        };
        let field = if d.field.is_empty() { String::new() } else { format!(" [{}]", d.field) };
        eprintln!("{prefix}: {sev}{field}: {}", d.message);
    }
}

fn has_errors(d: &[SizingDiagnostic]) -> bool {
    d.iter().any(|d| d.severity == DiagSeverity::Error)
}

/// The built-in catalog plus `--catalog` files plus the case's own entries;
/// invalid added entries are errors (exit 2).
fn catalog_for(files: &[PathBuf], from_case: &[CatalogEntry], prefix: &str) -> Result<Option<Vec<CatalogEntry>>> {
    let mut extra = Vec::new();
    for f in files {
        let text = read(f, "catalog file")?;
        match parse_catalog(&text) {
            Ok(mut v) => extra.append(&mut v),
            Err(e) => {
                eprintln!("{prefix}: error: {}: {e}", f.display());
                return Ok(None);
            }
        }
    }
    extra.extend(from_case.iter().cloned());
    let mut bad = false;
    for e in &extra {
        for f in validate_entry(e) {
            let sev = if f.warning { "warning" } else { "error" };
            eprintln!("{prefix}: {sev} [catalog {}.{}]: {}", e.key, f.field, f.message);
            bad |= !f.warning;
        }
    }
    if bad {
        return Ok(None);
    }
    Ok(Some(merged(default_catalog(), &extra)))
}

fn run_ups(a: &UpsArgs) -> Result<ExitCode> {
    let prefix = format!("backstop size ups {}", a.file.display());
    let text = read(&a.file, "case file")?;
    let file = match parse_ups_case(&text) {
        Ok(f) => f,
        Err(d) => {
            print_diags(&prefix, &d);
            return Ok(ExitCode::from(2));
        }
    };
    print_diags(&prefix, &file.warnings);
    let Some(catalog) = catalog_for(&a.catalog, &file.catalog, &prefix)? else {
        return Ok(ExitCode::from(2));
    };
    let result = size_ups(&file.case, &catalog);
    let opt = a.optimize.then(|| optimize_ups(&file.case, &catalog, &options(a.objective, a.keep)));
    let input_error = has_errors(&result.diagnostics)
        && result.methods.is_empty()
        && result.diagnostics.iter().any(|d| d.constraint == "input" || d.constraint == "catalog" || d.constraint == "syntax");
    let feasible = result.methods.iter().any(|m| m.feasible);
    if a.json {
        let v = serde_json::json!({ "result": result, "optimize": opt, "warnings": file.warnings });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", render_text(&result.sheet));
        if let Some(o) = &opt {
            print_optimizer(o, "strings");
        }
    }
    let mut all = result.diagnostics.clone();
    for m in &result.methods {
        all.extend(m.diagnostics.iter().cloned());
    }
    print_diags(&prefix, &all);
    if input_error {
        return Ok(ExitCode::from(2));
    }
    if !feasible {
        eprintln!("{prefix}: infeasible: no method found a configuration that meets the case (reasons above)");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn options(objective: ObjectiveArg, keep: usize) -> OptimizeOptions {
    OptimizeOptions {
        objective: match objective {
            ObjectiveArg::Cost => Objective::Cost,
            ObjectiveArg::Footprint => Objective::Footprint,
        },
        keep: keep.max(1),
        ..OptimizeOptions::default()
    }
}

fn print_optimizer(o: &OptimizeResult, counted: &str) {
    println!(
        "\nOptimizer ({} candidate configurations evaluated, minimum {})",
        o.candidates_evaluated,
        match o.objective {
            Objective::Cost => "cost",
            Objective::Footprint => "footprint",
        }
    );
    for (i, c) in o.best.iter().enumerate() {
        let k = &c.config;
        println!(
            "  {}. {}: {} cells in series ({} units), {} {counted} needed / {} installed, {} enclosures, {:.1} kWh, {:.2} m², {:.0} kg, cost {:.0}, EOL runtime {:.1} min",
            i + 1,
            k.battery_key,
            k.cells_in_series,
            k.units_in_series,
            k.strings_needed,
            k.strings,
            k.enclosures,
            k.energy_kwh,
            k.footprint_m2,
            k.mass_kg,
            k.cost,
            c.runtime_eol_min
        );
    }
    for r in &o.rejected {
        println!("  rejected {} ({}): {}", r.battery_key, r.constraint, r.reason);
    }
    print_diags("optimizer", &o.diagnostics);
}

fn run_peak(a: &PeakArgs) -> Result<ExitCode> {
    let prefix = format!("backstop size peak {}", a.file.display());
    let text = read(&a.file, "case file")?;
    let file = match parse_peak_case(&text) {
        Ok(f) => f,
        Err(d) => {
            print_diags(&prefix, &d);
            return Ok(ExitCode::from(2));
        }
    };
    print_diags(&prefix, &file.warnings);
    // Streamed: a file over the row limit is refused without reading it whole.
    let (csv, _) = backstop_store::files::open_regular(&a.profile).context("cannot read the load profile")?;
    let profile = match parse_profile_reader(std::io::BufReader::new(csv), &ProfileOptions::default()) {
        Ok(p) => p,
        Err(errs) => {
            for e in &errs {
                eprintln!("{}: {e}", a.profile.display());
            }
            eprintln!("{prefix}: the load profile has {} problem(s); fix them and run again", errs.len());
            return Ok(ExitCode::from(2));
        }
    };
    let Some(catalog) = catalog_for(&a.catalog, &file.catalog, &prefix)? else {
        return Ok(ExitCode::from(2));
    };
    let result = size_peak(&file.case, &profile, &catalog);
    let opt = a.optimize.then(|| optimize_peak(&file.case, &profile, &catalog, &options(a.objective, a.keep)));
    if a.json {
        let v = serde_json::json!({ "result": result, "optimize": opt, "warnings": file.warnings });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", render_text(&result.sheet));
        if let Some(o) = &opt {
            print_optimizer(o, "strings");
        }
    }
    print_diags(&prefix, &result.diagnostics);
    let input_error =
        result.diagnostics.iter().any(|d| d.severity == DiagSeverity::Error && (d.constraint == "input" || d.constraint == "catalog"));
    if input_error {
        return Ok(ExitCode::from(2));
    }
    let needed = file.case.threshold_kw.is_some_and(|t| t < profile.summary.peak_kw);
    if has_errors(&result.diagnostics) || (needed && result.sizing.is_none()) {
        eprintln!("{prefix}: infeasible: the threshold cannot be held (reasons above)");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_smooth(a: &SmoothArgs) -> Result<ExitCode> {
    let prefix = format!("backstop size smooth {}", a.file.display());
    let text = read(&a.file, "case file")?;
    let file = match parse_smooth_case(&text) {
        Ok(f) => f,
        Err(d) => {
            print_diags(&prefix, &d);
            return Ok(ExitCode::from(2));
        }
    };
    print_diags(&prefix, &file.warnings);
    // Streamed: a day at 100 ms is 864,000 rows; a file over the row limit
    // is refused without reading it whole.
    let trace = match &a.trace {
        None => None,
        Some(path) => {
            let csv = std::fs::File::open(path).with_context(|| format!("cannot read the power trace {}", path.display()))?;
            match parse_trace_reader(std::io::BufReader::new(csv), &TraceOptions::default()) {
                Ok(t) => Some(t),
                Err(errs) => {
                    for e in &errs {
                        eprintln!("{}: {e}", path.display());
                    }
                    eprintln!("{prefix}: the power trace has {} problem(s); fix them and run again", errs.len());
                    return Ok(ExitCode::from(2));
                }
            }
        }
    };
    let Some(catalog) = catalog_for(&a.catalog, &file.catalog, &prefix)? else {
        return Ok(ExitCode::from(2));
    };
    let result = size_smooth(&file.case, trace.as_ref(), &catalog);
    if a.json {
        let v = serde_json::json!({ "result": result, "warnings": file.warnings });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", render_text(&result.sheet));
    }
    print_diags(&prefix, &result.diagnostics);
    // Bad input (the case, the catalog, the trace): nothing was sized.
    let input_error = result.diagnostics.iter().any(|d| {
        d.severity == DiagSeverity::Error && matches!(d.constraint.as_str(), "input" | "catalog" | "syntax" | "profile" | "non-finite")
    });
    if input_error {
        return Ok(ExitCode::from(2));
    }
    if !result.feasible() {
        eprintln!("{prefix}: infeasible: the installed storage does not hold every requirement (reasons above)");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_catalog(a: &CatalogArgs) -> Result<ExitCode> {
    let cat = default_catalog();
    if a.json {
        println!("{}", serde_json::to_string_pretty(cat)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<28} {:<10} {:>10} {:>9}  model", "key", "kind", "kWh/unit", "kW/unit");
    for e in cat {
        println!("{:<28} {:<10} {:>10.2} {:>9.1}  {}", e.key, e.kind.as_str(), e.energy_kwh(), e.power_kw(), e.display_name());
    }
    Ok(ExitCode::SUCCESS)
}
