//! `backstop`: the command line for design-review scripts and CI.
//!
//! Each subcommand lives in its own module and returns an exit code; `main`
//! only parses arguments and prints errors. Subcommands are added to
//! [`Command`] as the crates behind them land.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod demo;
mod layout;
mod project;
mod size;
mod report;

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
    /// Size batteries: UPS ride-through or peak shaving from a case file; list the catalog.
    #[command(subcommand)]
    Size(size::SizeCmd),
}

fn main() -> ExitCode {
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
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("backstop: {err:#}");
            ExitCode::from(2)
        }
    }
}
