//! `backstop-package ROOT`: the Debian package of Backstop, made by Tauri's
//! bundler from the release binaries in `ROOT/target/release` and the
//! bundle section of `ROOT/tauri.conf.json` (icons, category, description,
//! file association, package dependencies). The version is the workspace's.
//! The package installs the app with its desktop entry and the
//! `application/x-backstop-project` MIME type, plus the `backstop` CLI and
//! `backstop-sim` on the PATH. Prints the path of the `.deb`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tauri_bundler::bundle::{BundleBinary, BundleSettings, DebianSettings, PackageSettings, PackageType, SettingsBuilder};
use tauri_utils::config::Config;

fn workspace_version(root: &Path) -> Result<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).context("reading the workspace Cargo.toml")?;
    let doc: toml::Table = toml::from_str(&text).context("parsing the workspace Cargo.toml")?;
    doc.get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .context("the workspace Cargo.toml has no [workspace.package] version")
}

fn main() -> Result<()> {
    let root = PathBuf::from(std::env::args().nth(1).context("usage: backstop-package REPOSITORY_ROOT")?).canonicalize()?;
    let config: Config =
        serde_json::from_str(&std::fs::read_to_string(root.join("tauri.conf.json"))?).context("parsing tauri.conf.json")?;
    let out = root.join("target/release");
    for bin in ["backstop-app", "backstop", "backstop-sim"] {
        if !out.join(bin).is_file() {
            bail!("{} is missing: build the release binaries first (scripts/package does)", out.join(bin).display());
        }
    }
    let bundle = &config.bundle;
    let icons: Vec<String> = match &bundle.icon {
        v if !v.is_empty() => v.iter().map(|i| root.join(i).display().to_string()).collect(),
        _ => bail!("tauri.conf.json names no icons"),
    };
    let depends = bundle.linux.deb.depends.clone();
    let mut files = HashMap::new();
    files.insert(PathBuf::from("/usr/share/mime/packages/backstop.xml"), root.join("packaging/backstop-mime.xml"));
    let settings = SettingsBuilder::new()
        .project_out_directory(&out)
        .package_types(vec![PackageType::Deb])
        .package_settings(PackageSettings {
            product_name: config.product_name.clone().context("tauri.conf.json has no productName")?,
            version: workspace_version(&root)?,
            description: bundle.short_description.clone().unwrap_or_default(),
            homepage: None,
            authors: Some(vec!["Backstop".into()]),
            default_run: Some("backstop-app".into()),
        })
        .bundle_settings(BundleSettings {
            identifier: Some(config.identifier.clone()),
            icon: Some(icons),
            category: bundle.category.as_deref().map(str::parse).transpose().map_err(|e| {
                anyhow::anyhow!("tauri.conf.json bundle.category is not a category the bundler knows (did you mean {e:?}?)")
            })?,
            short_description: bundle.short_description.clone(),
            long_description: bundle.long_description.clone(),
            file_associations: bundle.file_associations.clone(),
            deb: DebianSettings {
                depends,
                files,
                desktop_template: Some(root.join("packaging/backstop.desktop")),
                section: Some("electronics".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .binaries(vec![
            BundleBinary::new("backstop-app".into(), true),
            BundleBinary::new("backstop".into(), false),
            BundleBinary::new("backstop-sim".into(), false),
        ])
        .log_level(log::Level::Warn)
        .build()
        .context("the bundler's settings")?;
    let bundles = tauri_bundler::bundle_project(&settings).context("bundling")?;
    for b in bundles {
        for p in b.bundle_paths {
            println!("{}", p.display());
        }
    }
    Ok(())
}
