//! `backstop check FILE`, `backstop bom FILE` and `backstop plan FILE`: the
//! layout rules, the bill of materials and the floor plan (SVG) of a project
//! file, for design-review scripts; `backstop rules` prints or validates a
//! rule set.
//!
//! Both open the project read-only through the store, turn the project's
//! catalog entries into the equipment specs the layout crate takes, and
//! print what it returns. `check` (and the plan's highlights) also hold the
//! layout against the project's sizing results: the battery units, energy,
//! strings and UPS/PCS power installed for the case a room or item serves
//! (`backstop_layout::consistency`). Exit codes of `check`:
//! - `0` — everything was checked and nothing is violated;
//! - `1` — at least one rule is violated (listed with its code reference,
//!   measured and required values and the objects), including a layout
//!   that installs less than the sizing case it serves needs;
//! - `2` — the check could not be run (unreadable file, unknown or invalid
//!   rule set), or parts of the layout could not be checked because their
//!   data is invalid or missing (listed as input errors).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use backstop_layout::{LoadedDesign, bom, bom_csv, builtin_rule_sets, fmt_num, validate_rule_set};
use backstop_model::layout::{Bom, CheckReport, ConsistencyStatus, ObjectKind, ObjectRef, RuleSet, Severity, Unit};
use backstop_model::project::Design;
use backstop_store::{OpenOptions, Project};
use clap::Args;

/// Arguments of `backstop check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The project file (`.backstop`).
    file: PathBuf,
    /// Check against this rule set (JSON; `backstop rules` prints the
    /// default to start from) instead of the one the project names.
    #[arg(long, value_name = "RULES.json")]
    rules: Option<PathBuf>,
    /// Print the full check report as JSON (same exit codes).
    #[arg(long)]
    json: bool,
}

/// Arguments of `backstop bom`.
#[derive(Args)]
pub struct BomArgs {
    /// The project file (`.backstop`).
    file: PathBuf,
    /// Write CSV (one row per line, a TOTAL row) instead of a table.
    #[arg(long)]
    csv: bool,
    /// Write to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Arguments of `backstop plan`.
#[derive(Args)]
pub struct PlanArgs {
    /// The project file (`.backstop`).
    file: PathBuf,
    /// Write the SVG here (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Width of the drawing, px.
    #[arg(long, default_value_t = 1600)]
    width: u32,
    /// Draw the plan without the rule check's violations.
    #[arg(long)]
    no_violations: bool,
}

/// Arguments of `backstop rules`.
#[derive(Args)]
pub struct RulesArgs {
    /// Id of the built-in rule set (default: the IFC 2018 / NFPA 855-2023 / NEC 2017 set).
    #[arg(long)]
    id: Option<String>,
    /// Check this edited rule set (JSON) instead of printing one: lists every field that is wrong, exit 1 if any.
    #[arg(long, value_name = "RULES.json")]
    validate: Option<PathBuf>,
}

/// Exit code for "violations found".
/// Largest rule-set, case or catalog file the command line reads.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

const VIOLATIONS: u8 = 1;
/// Exit code for "could not check (all of) it".
const NOT_CHECKED: u8 = 2;

fn load(file: &Path) -> Result<LoadedDesign> {
    let project = Project::open(file, &OpenOptions::view())?;
    let design = project.design().with_context(|| format!("reading the design of {}", file.display()))?;
    Ok(LoadedDesign::new(design))
}

/// `backstop check`.
pub fn run_check(args: &CheckArgs) -> Result<ExitCode> {
    let loaded = load(&args.file)?;
    let rules = match rule_set(&loaded.design, args.rules.as_deref()) {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("backstop: {msg}");
            return Ok(ExitCode::from(NOT_CHECKED));
        }
    };
    let report = loaded.check(&rules);

    let errors = report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let code = if !report.violations.is_empty() {
        VIOLATIONS
    } else if errors > 0 {
        NOT_CHECKED
    } else {
        0
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", check_text(&loaded.design, &rules, &report));
    }
    Ok(ExitCode::from(code))
}

/// `backstop bom`.
pub fn run_bom(args: &BomArgs) -> Result<ExitCode> {
    let loaded = load(&args.file)?;
    let b = bom(&loaded.design.layout, &loaded.specs, loaded.rack_spec.as_ref());
    for d in loaded.notes.iter().chain(&b.diagnostics) {
        eprintln!("{}: {}: {}", severity_word(d.severity), d.field, d.message);
    }
    // The CSV is the layout crate's, which the app's BOM export (the core's
    // `layout_edit::bom_csv`) writes too: the design is read once, the BOM
    // made once (a test compares the bytes with the core's export).
    let text = if args.csv { bom_csv(&b) } else { bom_text(&loaded.design, &b) };
    match &args.output {
        Some(out) => {
            backstop_store::files::write_bytes(out, text.as_bytes(), true)?;
            eprintln!("wrote {}", out.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `backstop plan`: the floor plan as a self-contained SVG 1.1 document,
/// violations of the project's rule set in red (the app's plan export).
pub fn run_plan(args: &PlanArgs) -> Result<ExitCode> {
    let project = Project::open(&args.file, &OpenOptions::view())?;
    let (svg, n) = match backstop_core::layout_edit::plan_svg_with(&project, !args.no_violations, args.width) {
        Ok(r) => r,
        Err(e) if e.code == backstop_model::ErrorCode::InvalidInput => {
            eprintln!("backstop: {} Or draw it without the check: --no-violations.", e.message);
            return Ok(ExitCode::from(NOT_CHECKED));
        }
        Err(e) => anyhow::bail!("{}", e.message),
    };
    match &args.output {
        Some(out) => {
            backstop_store::files::write_bytes(out, svg.as_bytes(), true)?;
            eprintln!("wrote {} ({} shown)", out.display(), plural(n, "violation", "violations"));
        }
        None => print!("{svg}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `backstop rules`.
pub fn run_rules(args: &RulesArgs) -> Result<ExitCode> {
    if let Some(p) = &args.validate {
        let text = backstop_store::files::read_text(p, MAX_INPUT_BYTES)?;
        let rs: RuleSet = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a rule set (start from `backstop rules` and edit its values)", p.display()))?;
        let errors = validate_rule_set(&rs);
        if errors.is_empty() {
            println!("ok: rule set \"{}\" ({}) can be used", rs.id, rs.name);
            return Ok(ExitCode::SUCCESS);
        }
        for e in &errors {
            println!("{}: {}", e.field, e.message);
        }
        return Ok(ExitCode::from(1));
    }
    let id = args.id.as_deref().unwrap_or(backstop_layout::DEFAULT_RULE_SET_ID);
    let Some(rs) = builtin_rule_sets().into_iter().find(|r| r.id == id) else {
        let known: Vec<String> = builtin_rule_sets().into_iter().map(|r| r.id).collect();
        anyhow::bail!("no built-in rule set \"{id}\" (built in: {})", known.join(", "));
    };
    println!("{}", serde_json::to_string_pretty(&rs)?);
    Ok(ExitCode::SUCCESS)
}

/// The rule set to check against: `--rules FILE`, else the built-in set the
/// project names, else the default. Errors say what to do.
fn rule_set(design: &Design, path: Option<&Path>) -> std::result::Result<RuleSet, String> {
    let rs = match path {
        Some(p) => {
            let text = backstop_store::files::read_text(p, MAX_INPUT_BYTES).map_err(|e| format!("cannot read the rule set: {e}"))?;
            serde_json::from_str::<RuleSet>(&text).map_err(|e| {
                format!("{} is not a rule set: {e}. Start from a copy of the default rule set and edit its values.", p.display())
            })?
        }
        None => {
            return backstop_layout::rules::project_rule_set(&design.settings)
                .map_err(|e| format!("{e}; or pass a rule set with --rules FILE"));
        }
    };
    // A rule set saved before the design-consistency rules checks them too.
    backstop_layout::rules::usable_rule_set(rs).map_err(|e| {
        let mut msg = format!("rule set \"{}\" cannot be used; nothing was checked:", e.id);
        for p in &e.problems {
            let _ = write!(msg, "\n  {p}");
        }
        msg
    })
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn kind_word(k: ObjectKind) -> &'static str {
    match k {
        ObjectKind::Room => "room",
        ObjectKind::Equipment => "equipment",
        ObjectKind::Rack => "rack",
        ObjectKind::PowerUnit => "UPS/PCS",
        ObjectKind::EgressPath => "egress path",
        ObjectKind::FireArea => "fire area",
        ObjectKind::Spec => "catalog entry",
        ObjectKind::Door => "door",
        ObjectKind::Column => "column",
    }
}

fn objects_text(objects: &[ObjectRef]) -> String {
    objects.iter().map(|o| format!("{} {}", kind_word(o.kind), o.key)).collect::<Vec<_>>().join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The check report as text: one block per violation, then input problems,
/// arrays and fire-area totals, then a one-line result.
fn check_text(design: &Design, rules: &RuleSet, r: &CheckReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Layout check of \"{}\" against {} ({})", design.project.name, rules.name, rules.id);
    let _ = writeln!(
        s,
        "{} checked in {}.",
        plural(r.objects_checked, "object", "objects"),
        plural(design.layout.rooms.len(), "room", "rooms")
    );
    for (n, v) in r.violations.iter().enumerate() {
        let m = &v.measure;
        let unit = m.unit.symbol();
        let _ = writeln!(s, "\n{}. {} — {}", n + 1, v.rule.as_str(), v.title);
        let _ = writeln!(s, "   code:     {}", v.reference);
        let _ = writeln!(s, "   measured: {} {unit}; required {} {} {unit}", fmt_num(m.measured), m.bound.symbol(), fmt_num(m.required));
        let _ = writeln!(s, "   objects:  {}", objects_text(&v.objects));
        let _ = writeln!(s, "   {}", v.message);
    }
    if !r.diagnostics.is_empty() {
        let _ = writeln!(s, "\nInput problems:");
        for d in &r.diagnostics {
            let _ = writeln!(s, "   {:<7} {}: {}", severity_word(d.severity), d.field, d.message);
        }
    }
    if !r.arrays.is_empty() {
        let _ = writeln!(s, "\nBattery arrays:");
        for a in &r.arrays {
            let _ = writeln!(
                s,
                "   room {}: {} — {} kWh of {} kWh allowed ({})",
                a.room_id,
                a.members.join(", "),
                fmt_num(a.energy_kwh),
                fmt_num(a.limit_kwh),
                a.limit_basis
            );
        }
    }
    if !r.fire_areas.is_empty() {
        let _ = writeln!(s, "\nEnergy per fire area:");
        for f in &r.fire_areas {
            let by: Vec<String> = f.energy_kwh.iter().map(|(c, e)| format!("{} {} kWh", c.label(), fmt_num(*e))).collect();
            let _ = writeln!(
                s,
                "   {}{} (rooms {}): {}",
                f.fire_area,
                if f.outdoor { ", outdoor" } else { "" },
                f.rooms.join(", "),
                by.join(", ")
            );
        }
    }
    if !r.consistency.is_empty() {
        let _ = writeln!(s, "\nLayout against the sizing:");
        for c in &r.consistency {
            let status = match c.status {
                ConsistencyStatus::Consistent => "consistent",
                ConsistencyStatus::Short => "SHORT",
                ConsistencyStatus::NotChecked => "not checked",
            };
            let _ = writeln!(s, "   case {} (\"{}\"): {status} — {}", c.case_key, c.case_name, c.summary);
            for l in &c.lines {
                let unit = l.unit.symbol();
                let value = |v: f64| if l.unit == Unit::Kwh { backstop_layout::consistency::fmt_kwh(v) } else { fmt_num(v) };
                let _ = writeln!(
                    s,
                    "      {} {}: installed {} {unit}, needed {} {unit}",
                    if l.ok { "ok   " } else { "SHORT" },
                    l.quantity,
                    value(l.installed),
                    value(l.required)
                );
            }
        }
    }
    let errors = r.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = r.diagnostics.len() - errors;
    let verdict = if !r.violations.is_empty() {
        format!("FAIL: {}", plural(r.violations.len(), "violation", "violations"))
    } else if errors > 0 {
        "INCOMPLETE: no violations found, but parts of the layout were not checked".to_owned()
    } else {
        "PASS: no violations".to_owned()
    };
    let _ = writeln!(s, "\n{verdict}; {}, {}.", plural(errors, "input error", "input errors"), plural(warnings, "warning", "warnings"));
    s
}

/// Pads `s` to `w` characters (left-aligned, or right-aligned for numbers).
fn pad(s: &str, w: usize, right: bool) -> String {
    let n = s.chars().count();
    let fill = " ".repeat(w.saturating_sub(n));
    if right { format!("{fill}{s}") } else { format!("{s}{fill}") }
}

/// The bill of materials as an aligned table with a totals row.
fn bom_text(design: &Design, b: &Bom) -> String {
    let header = ["item", "qty", "description", "energy kWh", "power kW", "mass kg", "heat kW", "cost", "tags"];
    let right = [false, true, false, true, true, true, true, true, false];
    let mut rows: Vec<[String; 9]> = Vec::new();
    for (l, a) in b.lines.iter().zip(&b.amounts) {
        rows.push([
            l.item.clone(),
            fmt_num(l.quantity),
            l.description.clone(),
            fmt_num(a.energy_kwh),
            fmt_num(a.power_kw),
            fmt_num(a.mass_kg),
            fmt_num(a.heat_kw),
            fmt_num(a.cost),
            l.tags.join(" "),
        ]);
    }
    let t = &b.totals;
    let count: f64 = b.lines.iter().map(|l| l.quantity).sum();
    rows.push([
        "TOTAL".into(),
        fmt_num(count),
        String::new(),
        fmt_num(t.energy_kwh),
        fmt_num(t.power_kw),
        fmt_num(t.mass_kg),
        fmt_num(t.heat_kw),
        fmt_num(t.cost),
        String::new(),
    ]);
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells.iter().enumerate().map(|(i, c)| pad(c, widths[i], right[i])).collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    let mut s = format!("Bill of materials of \"{}\"\n\n", design.project.name);
    s.push_str(&line(&header.map(str::to_owned)));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    s.push_str(&line(&rule));
    let n = rows.len();
    for (i, r) in rows.iter().enumerate() {
        if i + 1 == n {
            s.push_str(&line(&rule));
        }
        s.push_str(&line(r));
    }
    let _ = writeln!(s, "\nIT load of the racks: {} kW (counted as heat).", fmt_num(b.it_load_kw));
    if !b.diagnostics.is_empty() {
        let _ = writeln!(s, "{} — see the messages above.", plural(b.diagnostics.len(), "problem", "problems"));
    }
    s
}

// ---------------------------------------------------------------------------
// Catalog entries → equipment specs.
// ---------------------------------------------------------------------------
