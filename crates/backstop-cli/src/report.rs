//! `backstop report design|commissioning FILE -o out.pdf`: the same reports
//! the app exports, from the project file alone.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use backstop_store::{OpenOptions, Project};
use clap::{Subcommand, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    Design,
    Commissioning,
}

#[derive(Subcommand)]
pub enum ReportCmd {
    /// The design report: project data, plan, BOM, sizing sheets, rule check.
    Design(ReportArgs),
    /// The commissioning report of the latest recorded session.
    Commissioning(ReportArgs),
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The project file (opened read-only; it is not changed).
    file: PathBuf,
    /// Where to write the PDF.
    #[arg(short, long)]
    output: PathBuf,
    /// Report date (YYYY-MM-DD); default today (UTC). Fix it for reproducible output.
    #[arg(long)]
    date: Option<String>,
}

pub fn run(cmd: ReportCmd) -> Result<ExitCode> {
    let (kind, args) = match cmd {
        ReportCmd::Design(a) => (Kind::Design, a),
        ReportCmd::Commissioning(a) => (Kind::Commissioning, a),
    };
    let date = match args.date {
        Some(d) if backstop_model::project::is_iso_date(&d) => d,
        Some(d) => anyhow::bail!("--date {d} is not a date; write it as YYYY-MM-DD"),
        // Today, as the app dates its reports.
        None => backstop_core::reports::today().0,
    };
    let ymd = (date[0..4].parse()?, date[5..7].parse()?, date[8..10].parse()?);
    let project = Project::open(&args.file, &OpenOptions::view())?;
    let kind = match kind {
        Kind::Design => backstop_model::workspace::ReportKind::Design,
        Kind::Commissioning => backstop_model::workspace::ReportKind::Commissioning,
    };
    // The app's report of the same file (with no checklist session open in
    // it), from the same core call.
    let err = |e: backstop_model::AppError| anyhow::anyhow!("{}", e.message);
    let rendered = backstop_core::reports::from_file(kind, &project, &date).and_then(|p| p.render(ymd)).map_err(err)?;
    let pdf = rendered.pdf()?;
    // Complete or not at all; a failure leaves no partial PDF behind.
    backstop_store::files::write_bytes(&args.output, &pdf, true)?;
    println!("wrote {} ({} pages, {} bytes)", args.output.display(), rendered.page_count(), pdf.len());
    Ok(ExitCode::SUCCESS)
}
