//! `backstop project new|info|check|export|import`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use backstop_model::project::ProjectInfo;
use backstop_store::{CreateOptions, Migration, OpenOptions, Project, StoreError, files};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum ProjectCmd {
    /// Create a new, empty project file.
    New {
        file: PathBuf,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        client: String,
        #[arg(long, default_value = "")]
        site: String,
        #[arg(long, default_value = "")]
        engineer: String,
    },
    /// Print what a project holds (opens it read-only; the file is not changed).
    Info {
        file: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Run the integrity and schema checks; exit 1 with the reason when they fail.
    Check { file: PathBuf },
    /// Do what opening for editing does in the app: roll back an edit that a
    /// crash interrupted, take over the lock of an editor that is gone, then
    /// check the file. With -o, save what is readable of a damaged file into
    /// a new project file instead (the damaged file is not changed).
    Recover {
        file: PathBuf,
        /// Write a recovered copy of a damaged file here (must not exist).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Upgrade a file of an older format (a backup copy is written next to it first).
        #[arg(long)]
        upgrade: bool,
    },
    /// Write the design as stable, pretty JSON (to stdout, or -o FILE); with
    /// --telemetry, write those points' samples as CSV instead.
    Export {
        file: PathBuf,
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// A telemetry point as DEVICE/POINT (repeat for several); exports CSV.
        #[arg(long, value_name = "DEVICE/POINT")]
        telemetry: Vec<String>,
        /// Start of the time range, ms since the Unix epoch (default: all).
        #[arg(long, default_value_t = i64::MIN, allow_negative_numbers = true)]
        from_ms: i64,
        /// End of the time range, ms since the Unix epoch (default: all).
        #[arg(long, default_value_t = i64::MAX, allow_negative_numbers = true)]
        to_ms: i64,
    },
    /// Create a new project file from a design JSON file.
    Import {
        json: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
}

pub fn run(cmd: ProjectCmd) -> Result<ExitCode> {
    match cmd {
        ProjectCmd::New { file, name, client, site, engineer } => {
            let info =
                ProjectInfo { name, client, site, engineer, created_at_ms: backstop_store::time::now_ms(), ..ProjectInfo::default() };
            Project::create(&file, &info, &CreateOptions::default())?;
            println!("created {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        ProjectCmd::Info { file, json } => {
            let p = Project::open(&file, &OpenOptions::view())?;
            let s = p.summary()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(ExitCode::SUCCESS);
            }
            let [rooms, equipment, racks, units, egress] = s.layout_counts;
            println!("project   {}", s.info.name);
            println!("client    {}", s.info.client);
            println!("site      {}", s.info.site);
            println!("engineer  {}", s.info.engineer);
            println!("file      {} ({} bytes, format {})", s.path.display(), s.file_bytes, s.schema_version);
            println!(
                "made by   Backstop {}; last written by {}",
                s.created_by.as_deref().unwrap_or("?"),
                s.written_by.as_deref().unwrap_or("?")
            );
            println!("layout    {rooms} rooms, {equipment} equipment, {racks} racks, {units} UPS/PCS, {egress} egress paths");
            println!("catalog   {} entries; sizing {} cases, {} results", s.catalog_entries, s.sizing[0], s.sizing[1]);
            println!(
                "records   {} sessions, {} step results, {} sign-offs, {} audit entries",
                s.commissioning[0], s.commissioning[1], s.commissioning[2], s.audit_entries
            );
            println!("telemetry {} points, {} samples in {} chunks", s.telemetry[0], s.telemetry[2], s.telemetry[1]);
            if let Some(owner) = &s.locked_by {
                println!("open for editing by {owner}");
            }
            if s.interrupted_edit_pending {
                println!("{}", pending_note(&file));
            }
            Ok(ExitCode::SUCCESS)
        }
        ProjectCmd::Check { file } => match Project::check(&file) {
            Ok(s) => {
                println!("ok: {} passes the integrity, schema and record checks (format {})", file.display(), s.schema_version);
                if s.interrupted_edit_pending {
                    println!("{}", pending_note(&file));
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("backstop: check failed: {e}");
                if e.is_recoverable() {
                    eprintln!(
                        "backstop: `backstop project recover {} -o NEW.backstop` saves what is readable into a new file.",
                        file.display()
                    );
                }
                Ok(ExitCode::from(1))
            }
        },
        ProjectCmd::Recover { file, output: Some(output), .. } => {
            let recovered = Project::recover(&file)?;
            recovered.save_copy(&output, &CreateOptions::default())?;
            let report = recovered.open_report().recovered.clone().unwrap_or_default();
            let rows: u64 = report.rows_recovered.iter().map(|(_, n)| n).sum();
            println!("wrote {} with {rows} records recovered from {}", output.display(), file.display());
            for t in &report.tables_with_losses {
                println!("lost: some rows of {t} could not be read");
            }
            for item in &report.left_out {
                println!("left out: {item}");
            }
            if report.is_complete() {
                println!("every record was readable");
            }
            Ok(ExitCode::SUCCESS)
        }
        ProjectCmd::Recover { file, output: None, upgrade } => {
            let options =
                OpenOptions { migration: if upgrade { Migration::BackupThenMigrate } else { Migration::Refuse }, ..OpenOptions::edit() };
            let project = match Project::open(&file, &options) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("backstop: {e}");
                    if e.is_recoverable() {
                        eprintln!(
                            "backstop: `backstop project recover {} -o NEW.backstop` saves what is readable into a new file.",
                            file.display()
                        );
                    } else if matches!(e, StoreError::NeedsMigration { .. }) {
                        eprintln!("backstop: run `backstop project recover {} --upgrade` to upgrade it.", file.display());
                    }
                    return Ok(ExitCode::from(1));
                }
            };
            let report = project.open_report().clone();
            drop(project);
            let mut did = Vec::new();
            if report.rolled_back_interrupted_edit {
                did.push("rolled back an edit that was interrupted (every completed edit is kept)".to_owned());
            }
            if let Some(owner) = &report.took_over_lock {
                did.push(format!("took over the lock left by {owner}, which is no longer running"));
            }
            if let Some(m) = &report.migrated {
                did.push(format!("upgraded it from format {} to {} (the original is kept as {})", m.from, m.to, m.backup.display()));
            }
            if did.is_empty() {
                println!("{}: nothing to recover", file.display());
            }
            for d in did {
                println!("{}: {d}", file.display());
            }
            let s = Project::check(&file)?;
            println!("ok: {} passes the integrity, schema and record checks (format {})", file.display(), s.schema_version);
            Ok(ExitCode::SUCCESS)
        }
        ProjectCmd::Export { file, output, telemetry, from_ms, to_ms } => {
            let project = Project::open(&file, &OpenOptions::view())?;
            if !telemetry.is_empty() {
                let mut points = Vec::new();
                for name in &telemetry {
                    let (device, point) = name.split_once('/').with_context(|| format!("--telemetry {name}: write it as DEVICE/POINT"))?;
                    let id = project
                        .find_telemetry_point(device, point)?
                        .with_context(|| format!("{} has no telemetry point {name} (see `backstop project info`)", file.display()))?;
                    points.push(id);
                }
                match &output {
                    Some(out) => {
                        // Complete or not at all: a full disk leaves no truncated CSV.
                        let mut rows = 0;
                        files::write_atomically(out, true, |w| {
                            rows = project.export_telemetry_csv(w, &points, from_ms, to_ms).map_err(std::io::Error::other)?;
                            Ok(())
                        })?;
                        println!("wrote {rows} samples to {}", out.display());
                    }
                    None => {
                        project.export_telemetry_csv(std::io::stdout().lock(), &points, from_ms, to_ms)?;
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            let json = project.export_design_json()?;
            match output {
                Some(out) => {
                    files::write_bytes(&out, json.as_bytes(), true)?;
                    println!("wrote {}", out.display());
                }
                None => print!("{json}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        ProjectCmd::Import { json, output } => {
            let text = files::read_text(&json, backstop_store::interchange::MAX_DESIGN_JSON_BYTES)?;
            Project::import_design_json(&output, &text, &CreateOptions::default())?;
            println!("created {} from {}", output.display(), json.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What `info` and `check` say about a file left in the middle of an edit.
fn pending_note(file: &std::path::Path) -> String {
    format!(
        "note: {0} was left in the middle of an edit; the figures above are for the file with that edit rolled back, \
         as Backstop leaves it when it next opens the file for editing. `backstop project recover {0}` does that now.",
        file.display()
    )
}
