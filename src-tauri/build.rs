//! Build script of the app crate: Tauri's code generation (config at the
//! repository root, every app command needing an explicit capability grant)
//! plus the build facts shown in the about panel.

use std::process::Command;

include!("src/command_list.rs");

fn main() {
    emit_build_facts();
    let attributes =
        tauri_build::Attributes::new().config_path("../tauri.conf.json").app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(err) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {err:#}");
    }
}

fn emit_build_facts() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=BACKSTOP_RUSTC_VERSION={rustc_version}");

    let commit = Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=BACKSTOP_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=BACKSTOP_TARGET={}", std::env::var("TARGET").unwrap_or_default());
    println!("cargo:rustc-env=BACKSTOP_PROFILE={}", std::env::var("PROFILE").unwrap_or_default());
    // Re-run when HEAD moves so the about panel names the right commit.
    if let Ok(out) = Command::new("git").args(["rev-parse", "--git-dir"]).output()
        && let Ok(dir) = String::from_utf8(out.stdout)
        && !dir.trim().is_empty()
    {
        let dir = dir.trim();
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/refs/heads");
    }
}
