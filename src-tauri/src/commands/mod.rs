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

use backstop_model::AppError;

/// A computed result as JSON bytes: sent to the webview as a raw
/// `ArrayBuffer` and decoded in the UI with `serde_json`, which is several
/// times faster than Tauri's JSON reply decoded value by value across the
/// wasm boundary (a UPS result with its charts is about 170 kB, and it is
/// recomputed on every keystroke; live samples arrive several times a second).
pub(crate) fn raw_json<T: serde::Serialize>(value: &T) -> Result<tauri::ipc::Response, AppError> {
    serde_json::to_vec(value)
        .map(tauri::ipc::Response::new)
        .map_err(|e| AppError::internal(format!("the result could not be encoded: {e}")))
}

/// Writes `bytes` to `target` (atomically, on the blocking pool); returns
/// the path for the confirmation.
async fn write_file(app: &tauri::AppHandle, target: std::path::PathBuf, bytes: Vec<u8>) -> Result<String, AppError> {
    crate::state::blocking(app, move |_, _| {
        crate::session::write_file_atomically(&target, &bytes)?;
        Ok(target.display().to_string())
    })
    .await
}
