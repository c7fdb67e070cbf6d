//! The typed IPC boundary: one function per backend command.
//!
//! All calls go through [`call`], which serialises the arguments, awaits
//! Tauri's `invoke` (with `catch`, so a rejected promise becomes an `Err`)
//! and turns whatever the backend rejected with into an [`AppError`]. A
//! rejection that is not our `{code, message}` shape (Tauri refusing an
//! unknown or ungranted command, or the page running outside Tauri) becomes
//! an `internal` error carrying the original text.

use backstop_model::about::AboutInfo;
use backstop_model::{AppError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Arguments of a command that takes none.
#[derive(Serialize)]
struct NoArgs {}

async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, AppError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args.serialize(&serializer).map_err(|e| {
        AppError::internal(format!("could not encode the arguments of `{cmd}`: {e}"))
    })?;
    let tauri_present = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__TAURI__"))
        .map(|v| !v.is_undefined())
        .unwrap_or(false);
    if !tauri_present {
        return Err(AppError::new(
            ErrorCode::Internal,
            "This page is running outside the Backstop application, so it cannot reach the backend. Start Backstop with scripts/demo.",
        ));
    }
    match invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|e| {
            AppError::internal(format!("the reply to `{cmd}` had an unexpected shape: {e}"))
        }),
        Err(rejection) => Err(to_app_error(cmd, rejection)),
    }
}

fn to_app_error(cmd: &str, rejection: JsValue) -> AppError {
    if let Ok(err) = serde_wasm_bindgen::from_value::<AppError>(rejection.clone()) {
        return err;
    }
    let text = rejection
        .as_string()
        .or_else(|| {
            js_sys::JSON::stringify(&rejection).ok().and_then(|s| s.as_string())
        })
        .unwrap_or_else(|| "no details".into());
    AppError::internal(format!("the backend refused `{cmd}`: {text}"))
}

/// Build and run-time facts for the about panel.
pub async fn about() -> Result<AboutInfo, AppError> {
    call("about", &NoArgs {}).await
}

/// Tells the backend the UI has painted (start-up time measurement).
pub async fn ui_ready() -> Result<(), AppError> {
    call("ui_ready", &NoArgs {}).await
}

// ---- project files -------------------------------------------------------

use backstop_model::project::{ProjectInfo, Revision};
use backstop_model::workspace::{NewProjectRequest, OpenMode, OpenRequest, ProjectState, ProjectView};

#[derive(Serialize)]
struct RequestArg<'a, T> {
    request: &'a T,
}

pub async fn project_state() -> Result<ProjectState, AppError> {
    call("project_state", &NoArgs {}).await
}

/// Native save dialog for a new project's location.
pub async fn project_choose_location(suggested_name: &str) -> Result<String, AppError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        suggested_name: &'a str,
    }
    call("project_choose_location", &Args { suggested_name }).await
}

pub async fn project_new(request: &NewProjectRequest) -> Result<ProjectView, AppError> {
    call("project_new", &RequestArg { request }).await
}

/// Opens `path`, or asks with the native dialog when `path` is `None`.
pub async fn project_open(path: Option<String>, mode: OpenMode) -> Result<ProjectView, AppError> {
    call("project_open", &RequestArg { request: &OpenRequest { path, mode } }).await
}

pub async fn project_save_as() -> Result<ProjectView, AppError> {
    call("project_save_as", &NoArgs {}).await
}

pub async fn project_close() -> Result<(), AppError> {
    call("project_close", &NoArgs {}).await
}

pub async fn project_dismiss_failure() -> Result<(), AppError> {
    call("project_dismiss_failure", &NoArgs {}).await
}

pub async fn project_forget_recent(path: &str) -> Result<(), AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        path: &'a str,
    }
    call("project_forget_recent", &Args { path }).await
}

pub async fn project_update_info(info: &ProjectInfo) -> Result<ProjectView, AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        info: &'a ProjectInfo,
    }
    call("project_update_info", &Args { info }).await
}

pub async fn project_put_revision(revision: &Revision) -> Result<ProjectView, AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        revision: &'a Revision,
    }
    call("project_put_revision", &Args { revision }).await
}

pub async fn project_undo() -> Result<ProjectView, AppError> {
    call("project_undo", &NoArgs {}).await
}

pub async fn project_redo() -> Result<ProjectView, AppError> {
    call("project_redo", &NoArgs {}).await
}

/// Exports the design as JSON; returns the file written.
pub async fn project_export_json() -> Result<String, AppError> {
    call("project_export_json", &NoArgs {}).await
}

pub async fn project_import_json() -> Result<ProjectView, AppError> {
    call("project_import_json", &NoArgs {}).await
}
