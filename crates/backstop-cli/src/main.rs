//! `backstop`: the command line for design-review scripts and CI.
//!
//! Each subcommand lives in its own module and returns an exit code; `main`
//! only parses arguments and prints errors. Subcommands are added to
//! [`Command`] as the crates behind them land.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod demo;
mod field;
mod layout;
mod project;
mod report;
mod size;

#[derive(Parser)]
#[command(name = "backstop", version, about = "Backstop: design and commission battery backstop systems")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create, inspect, check, export and import project files.
    #[command(subcommand)]
    Project(project::ProjectCmd),
    /// Write a report as PDF.
    #[command(subcommand)]
    Report(report::ReportCmd),
    /// Write the sample project (a data hall, its UPS and three battery cabinets).
    Demo {
        /// Where to write it (must not exist).
        file: std::path::PathBuf,
    },
    /// Check the layout against its rule set; exit 1 on violations, 2 when it could not be (fully) checked.
    Check(layout::CheckArgs),
    /// Print the bill of materials (counts per catalog item, energy, power, mass, heat, cost).
    Bom(layout::BomArgs),
    /// Write the floor plan as SVG (rooms, doors, equipment with tags, clearance zones, violations in red).
    Plan(layout::PlanArgs),
    /// Print a built-in layout rule set as JSON, to copy and edit for a jurisdiction (use it with `check --rules`).
    Rules(layout::RulesArgs),
    /// Size batteries: UPS ride-through, peak shaving or power smoothing from a case file; list the catalog.
    #[command(subcommand)]
    Size(size::SizeCmd),
    /// List the serial ports of this computer (device, USB VID:PID, serial number, product).
    Ports {
        #[arg(long)]
        json: bool,
    },
    /// Probe unit ids on a bus (serial or --tcp); progress on stderr; exit 1 when nothing answers.
    Scan(field::ScanArgs),
    /// Discover one unit and print every point of its SunSpec models with units.
    Read(field::ReadArgs),
    /// Poll one unit and show its headline values live, stale values flagged.
    Monitor(field::MonitorArgs),
    /// Poll units and log their telemetry into a project file, as the app does.
    Log(field::LogArgs),
    /// Write one setpoint: checked against the model's range and the project's limits, read back, audited in the project.
    /// Exit 0 verified, 1 mismatch, 3 no answer, 4 refused (nothing sent), 5 rejected by the device.
    Write(field::WriteArgs),
}

/// The error and its causes as one line, leaving out a cause whose text the
/// message before it already contains (many errors quote their source).
fn describe(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Restores the default action of SIGPIPE (Rust ignores it, which turns a
/// closed pipe into a panic in `println!`): `backstop project export F |
/// head -c 10` then ends quietly, as other command-line tools do, with the
/// conventional status of a process ended by SIGPIPE.
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists;
    // installing the default disposition has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    default_sigpipe();
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Project(cmd) => project::run(cmd),
        Command::Demo { file } => demo::run(&file),
        Command::Report(cmd) => report::run(cmd),
        Command::Check(args) => layout::run_check(&args),
        Command::Bom(args) => layout::run_bom(&args),
        Command::Plan(args) => layout::run_plan(&args),
        Command::Rules(args) => layout::run_rules(&args),
        Command::Size(cmd) => size::run(cmd),
        Command::Ports { json } => field::run_ports(json),
        Command::Scan(args) => field::run_scan(&args),
        Command::Read(args) => field::run_read(&args),
        Command::Monitor(args) => field::run_monitor(&args),
        Command::Log(args) => field::run_log(&args),
        Command::Write(args) => field::run_write(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("backstop: {}", describe(&err));
            ExitCode::from(2)
        }
    }
}
