//! Tauri commands, one module per area. Every command returns
//! `Result<T, AppError>`; every command name is listed in `build.rs` and
//! granted in `capabilities/main.json`.

pub mod about;
pub mod commission;
pub mod layout;
pub mod link;
pub mod project;
pub mod report;
pub mod sizing;
