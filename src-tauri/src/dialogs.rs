//! Native file dialogs (tauri-plugin-dialog, which wraps rfd), awaited
//! without blocking the UI thread. Cancelling a dialog is an `AppError` with
//! code `cancelled`, which the UI treats as "nothing happened".

use std::path::PathBuf;

use backstop_model::{AppError, ErrorCode};
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// The dialogs the app shows.
pub enum Dialog {
    OpenProject,
    SaveProject { suggested_name: String },
    OpenJson,
    SaveJson { suggested_name: String },
    /// Any other export: file name and one filter (label, extension).
    SaveAs { suggested_name: String, filter: (&'static str, &'static str) },
    /// Any other import: title and one filter (label, extensions).
    Open { title: &'static str, filter: (&'static str, &'static [&'static str]) },
}

fn file_name(stem: &str, ext: &str) -> String {
    let clean: String = stem
        .chars()
        .map(|c| if c == '/' || c == '\\' || c.is_control() { '-' } else { c })
        .collect();
    let clean = clean.trim();
    format!("{}.{ext}", if clean.is_empty() { "project" } else { clean })
}

/// Shows `dialog` and waits for the engineer's answer.
pub async fn ask(app: &AppHandle, dialog: Dialog) -> Result<PathBuf, AppError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let builder = app.dialog().file();
    let send = move |answer: Option<tauri_plugin_dialog::FilePath>| {
        let _ = tx.send(answer);
    };
    match dialog {
        Dialog::OpenProject => builder
            .set_title("Open a Backstop project")
            .add_filter("Backstop project", &["backstop"])
            .pick_file(send),
        Dialog::SaveProject { suggested_name } => builder
            .set_title("Save the Backstop project as")
            .add_filter("Backstop project", &["backstop"])
            .set_file_name(file_name(&suggested_name, "backstop"))
            .save_file(send),
        Dialog::OpenJson => builder
            .set_title("Import a design (JSON)")
            .add_filter("Backstop design JSON", &["json"])
            .pick_file(send),
        Dialog::SaveJson { suggested_name } => builder
            .set_title("Export the design as JSON")
            .add_filter("JSON", &["json"])
            .set_file_name(file_name(&suggested_name, "json"))
            .save_file(send),
        Dialog::SaveAs { suggested_name, filter } => builder
            .set_title("Export")
            .add_filter(filter.0, &[filter.1])
            .set_file_name(suggested_name)
            .save_file(send),
        Dialog::Open { title, filter } => builder.set_title(title).add_filter(filter.0, filter.1).pick_file(send),
    }
    let answer = rx
        .await
        .map_err(|_| AppError::internal("the file dialog closed without an answer"))?;
    match answer {
        None => Err(AppError::new(ErrorCode::Cancelled, "Cancelled.")),
        Some(path) => path.into_path().map_err(|e| {
            AppError::new(ErrorCode::Io, format!("The chosen location cannot be used as a local file ({e})."))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn suggested_names_are_safe_file_names() {
        assert_eq!(file_name("Hall B / phase 2", "backstop"), "Hall B - phase 2.backstop");
        assert_eq!(file_name("  ", "json"), "project.json");
    }
}
