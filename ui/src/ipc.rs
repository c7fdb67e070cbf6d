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
