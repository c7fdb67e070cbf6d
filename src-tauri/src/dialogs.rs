//! Native file dialogs (tauri-plugin-dialog, which wraps rfd), awaited
//! without blocking the UI thread. Cancelling a dialog is an `AppError` with
//! code `cancelled`, which the UI treats as "nothing happened".

use std::path::PathBuf;

use backstop_model::{AppError, ErrorCode};
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::DialogExt;

/// The dialogs the app shows.
pub enum Dialog {
    OpenProject,
    SaveProject {
        suggested_name: String,
    },
    OpenJson,
    SaveJson {
        suggested_name: String,
    },
    /// Any other export: file name and one filter (label, extension).
    SaveAs {
        suggested_name: String,
        filter: (&'static str, &'static str),
    },
    /// Any other import: title and one filter (label, extensions).
    Open {
        title: &'static str,
        filter: (&'static str, &'static [&'static str]),
    },
}

fn file_name(stem: &str, ext: &str) -> String {
    let clean: String = stem.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '-' } else { c }).collect();
    let clean = clean.trim();
    format!("{}.{ext}", if clean.is_empty() { "project" } else { clean })
}

/// Shows `dialog` and waits for the engineer's answer.
pub async fn ask(app: &AppHandle, dialog: Dialog) -> Result<PathBuf, AppError> {
    if let Some(file) = app.try_state::<crate::AppState>().and_then(|s| s.dialog_answers.clone()) {
        return answer_from(&file);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let builder = app.dialog().file();
    let send = move |answer: Option<tauri_plugin_dialog::FilePath>| {
        let _ = tx.send(answer);
    };
    match dialog {
        Dialog::OpenProject => builder.set_title("Open a Backstop project").add_filter("Backstop project", &["backstop"]).pick_file(send),
        Dialog::SaveProject { suggested_name } => builder
            .set_title("Save the Backstop project as")
            .add_filter("Backstop project", &["backstop"])
            .set_file_name(file_name(&suggested_name, "backstop"))
            .save_file(send),
        Dialog::OpenJson => builder.set_title("Import a design (JSON)").add_filter("Backstop design JSON", &["json"]).pick_file(send),
        Dialog::SaveJson { suggested_name } => builder
            .set_title("Export the design as JSON")
            .add_filter("JSON", &["json"])
            .set_file_name(file_name(&suggested_name, "json"))
            .save_file(send),
        Dialog::SaveAs { suggested_name, filter } => {
            builder.set_title("Export").add_filter(filter.0, &[filter.1]).set_file_name(suggested_name).save_file(send)
        }
        Dialog::Open { title, filter } => builder.set_title(title).add_filter(filter.0, filter.1).pick_file(send),
    }
    let answer = rx.await.map_err(|_| AppError::internal("the file dialog closed without an answer"))?;
    match answer {
        None => Err(AppError::new(ErrorCode::Cancelled, "Cancelled.")),
        Some(path) => {
            path.into_path().map_err(|e| AppError::new(ErrorCode::Io, format!("The chosen location cannot be used as a local file ({e}).")))
        }
    }
}

/// `--dialog-answers`: takes the first line of `file` as the answer (an
/// empty line, or no line left, cancels) and keeps the rest for the next
/// dialog.
fn answer_from(file: &std::path::Path) -> Result<PathBuf, AppError> {
    let text = backstop_store::files::read_text(file, 1024 * 1024).unwrap_or_default();
    let (first, rest) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    backstop_store::files::write_bytes(file, rest.as_bytes(), true).map_err(crate::session::store_error)?;
    match first.trim_end_matches('\r') {
        "" => Err(AppError::new(ErrorCode::Cancelled, "Cancelled.")),
        path => Ok(PathBuf::from(path)),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{answer_from, file_name};

    #[test]
    fn prepared_answers_are_taken_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("answers");
        std::fs::write(&file, "/tmp/a b.csv\n\n/tmp/c.backstop\n").unwrap();
        assert_eq!(answer_from(&file).unwrap(), PathBuf::from("/tmp/a b.csv"));
        assert_eq!(answer_from(&file).unwrap_err().code, backstop_model::ErrorCode::Cancelled);
        assert_eq!(answer_from(&file).unwrap(), PathBuf::from("/tmp/c.backstop"));
        assert_eq!(answer_from(&file).unwrap_err().code, backstop_model::ErrorCode::Cancelled, "nothing left");
    }

    #[test]
    fn suggested_names_are_safe_file_names() {
        assert_eq!(file_name("Hall B / phase 2", "backstop"), "Hall B - phase 2.backstop");
        assert_eq!(file_name("  ", "json"), "project.json");
    }
}
