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

pub mod layout;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Arguments of a command that takes none.
#[derive(Serialize)]
struct NoArgs {}

/// Encodes the arguments, checks the page runs inside Backstop, and invokes
/// `cmd`: the reply as Tauri gave it, or the rejection as an [`AppError`].
async fn invoke_checked<A: Serialize>(cmd: &str, args: &A) -> Result<JsValue, AppError> {
    invoke_encoded(cmd, encode_args(cmd, args)?).await
}

fn encode_args<A: Serialize>(cmd: &str, args: &A) -> Result<JsValue, AppError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    args.serialize(&serializer).map_err(|e| AppError::internal(format!("could not encode the arguments of `{cmd}`: {e}")))
}

async fn invoke_encoded(cmd: &str, args: JsValue) -> Result<JsValue, AppError> {
    let tauri_present =
        js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__TAURI__")).map(|v| !v.is_undefined()).unwrap_or(false);
    if !tauri_present {
        return Err(AppError::new(
            ErrorCode::Internal,
            "This page is running outside the Backstop application, so it cannot reach the backend. Start Backstop with scripts/demo.",
        ));
    }
    invoke(cmd, args).await.map_err(|rejection| to_app_error(cmd, rejection))
}

fn unexpected_shape(cmd: &str, e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("the reply to `{cmd}` had an unexpected shape: {e}"))
}

async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, AppError> {
    let value = invoke_checked(cmd, args).await?;
    serde_wasm_bindgen::from_value(value).map_err(|e| unexpected_shape(cmd, e))
}

/// Like [`call`], for commands that reply with JSON bytes (a raw
/// `ArrayBuffer`): large results recomputed on every keystroke, decoded
/// with `serde_json` in one pass instead of value by value across the wasm
/// boundary.
async fn call_raw_json<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, AppError> {
    decode_raw_json(cmd, invoke_checked(cmd, args).await?)
}

/// A reply or message of JSON bytes (an `ArrayBuffer`, or over the
/// fallback IPC an array of bytes), or a JSON value.
fn decode_raw_json<R: DeserializeOwned>(cmd: &str, value: JsValue) -> Result<R, AppError> {
    if value.is_instance_of::<js_sys::ArrayBuffer>() || js_sys::Array::is_array(&value) {
        let bytes = js_sys::Uint8Array::new(&value).to_vec();
        serde_json::from_slice(&bytes).map_err(|e| unexpected_shape(cmd, e))
    } else {
        // A JSON value rather than bytes: decode as usual.
        serde_wasm_bindgen::from_value(value).map_err(|e| unexpected_shape(cmd, e))
    }
}

/// Like [`call_raw_json`], for a command that sends the first part of its
/// answer ahead on a channel it takes as `onFirst` (JSON bytes, handed to
/// `on_first` when it arrives) and replies with the whole, or `null` when
/// a newer call superseded it. The channel's one message and the reply
/// travel separately, so the message may come after the reply: the caller
/// decides by its own sequence which to show. The handler frees itself
/// when called (a call that fails before its first part leaves it behind).
async fn call_staged<A: Serialize, R: DeserializeOwned + 'static>(
    cmd: &'static str,
    args: &A,
    on_first: impl FnOnce(R) + 'static,
) -> Result<Option<R>, AppError> {
    let args = encode_args(cmd, args)?;
    let channel = new_channel()?;
    let handler = Closure::once_into_js(move |msg: JsValue| match decode_raw_json::<R>(cmd, msg) {
        Ok(v) => on_first(v),
        Err(e) => web_sys::console::error_1(&JsValue::from_str(&e.message)),
    });
    js_sys::Reflect::set(&channel, &JsValue::from_str("onmessage"), &handler)
        .map_err(|_| AppError::internal("could not attach the result handler"))?;
    js_sys::Reflect::set(&args, &JsValue::from_str("onFirst"), &channel)
        .map_err(|_| AppError::internal("could not pass the result channel"))?;
    decode_raw_json(cmd, invoke_encoded(cmd, args).await?)
}

/// A new Tauri channel object (its `onmessage` still to set).
fn new_channel() -> Result<JsValue, AppError> {
    let core = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__TAURI__"))
        .and_then(|t| js_sys::Reflect::get(&t, &JsValue::from_str("core")))
        .map_err(|_| AppError::internal("the Tauri bridge is not available"))?;
    let ctor: js_sys::Function = js_sys::Reflect::get(&core, &JsValue::from_str("Channel"))
        .map_err(|_| AppError::internal("Tauri channels are not available"))?
        .into();
    js_sys::Reflect::construct(&ctor, &js_sys::Array::new()).map_err(|e| AppError::internal(format!("could not create a channel: {e:?}")))
}

fn to_app_error(cmd: &str, rejection: JsValue) -> AppError {
    if let Ok(err) = serde_wasm_bindgen::from_value::<AppError>(rejection.clone()) {
        return err;
    }
    let text = rejection
        .as_string()
        .or_else(|| js_sys::JSON::stringify(&rejection).ok().and_then(|s| s.as_string()))
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

// ---- live link ---------------------------------------------------------------

use backstop_model::commissioning::{CommLossPhase, CommissionView, StepResult};
pub use backstop_model::link::LinkStatus;
use backstop_model::link::{
    DecodedModel, DeviceInfo, LinkConfig, LinkEvent, LiveSamples, PortInfo, ScanHit, ScanRequest, TrafficFrame, WriteOutcome, WriteRequest,
};

/// Subscribes to a backend event stream: `cmd` receives a Tauri channel as
/// `onEvent`, and `on_event` gets every message decoded. The channel object
/// cannot go through serde, so these calls build their arguments by hand;
/// they still go through the same error mapping.
async fn subscribe<T: DeserializeOwned + 'static>(cmd: &'static str, on_event: impl Fn(T) + 'static) -> Result<(), AppError> {
    let channel = new_channel()?;
    let callback = Closure::<dyn Fn(JsValue)>::new(move |msg: JsValue| match serde_wasm_bindgen::from_value::<T>(msg) {
        Ok(ev) => on_event(ev),
        Err(e) => web_sys::console::error_1(&JsValue::from_str(&format!("unexpected event from {cmd}: {e}"))),
    });
    js_sys::Reflect::set(&channel, &JsValue::from_str("onmessage"), callback.as_ref())
        .map_err(|_| AppError::internal("could not attach the event handler"))?;
    // The channel lives as long as the page; so does its handler.
    callback.forget();
    let args = js_sys::Object::new();
    js_sys::Reflect::set(&args, &JsValue::from_str("onEvent"), &channel)
        .map_err(|_| AppError::internal("could not pass the event channel"))?;
    match invoke(cmd, args.into()).await {
        Ok(_) => Ok(()),
        Err(rejection) => Err(to_app_error(cmd, rejection)),
    }
}

/// Live link events (health, scan progress, write outcomes; not samples).
pub async fn link_subscribe(on_event: impl Fn(LinkEvent) + 'static) -> Result<(), AppError> {
    subscribe("link_subscribe", on_event).await
}

/// Project events the backend sends unasked (a file handed over by a second launch).
pub async fn project_subscribe(on_event: impl Fn(backstop_model::workspace::ProjectEvent) + 'static) -> Result<(), AppError> {
    subscribe("project_subscribe", on_event).await
}

/// Opens the file a second launch handed over, closing the open project.
pub async fn project_accept_handed() -> Result<ProjectView, AppError> {
    call("project_accept_handed", &NoArgs {}).await
}

/// Keeps the open project; the handed-over file is not opened.
pub async fn project_decline_handed() -> Result<(), AppError> {
    call("project_decline_handed", &NoArgs {}).await
}

/// The latest sample of every unit that changed after `after` (the `seq` of
/// the previous answer, 0 at first); the backend waits up to ten seconds for
/// one before answering with none.
pub async fn link_samples(after: u64) -> Result<LiveSamples, AppError> {
    #[derive(Serialize)]
    struct Args {
        after: u64,
    }
    call_raw_json("link_samples", &Args { after }).await
}

pub async fn link_ports() -> Result<Vec<PortInfo>, AppError> {
    call("link_ports", &NoArgs {}).await
}

pub async fn link_status() -> Result<LinkStatus, AppError> {
    call("link_status", &NoArgs {}).await
}

pub async fn link_connect(config: &LinkConfig) -> Result<String, AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        config: &'a LinkConfig,
    }
    call("link_connect", &Args { config }).await
}

pub async fn link_disconnect() -> Result<(), AppError> {
    call("link_disconnect", &NoArgs {}).await
}

pub async fn link_scan(request: &ScanRequest) -> Result<Vec<ScanHit>, AppError> {
    call("link_scan", &RequestArg { request }).await
}

pub async fn link_scan_cancel() -> Result<(), AppError> {
    call("link_scan_cancel", &NoArgs {}).await
}

#[derive(Serialize)]
struct UnitArg {
    unit: u8,
}

pub async fn link_discover(unit: u8) -> Result<DeviceInfo, AppError> {
    call("link_discover", &UnitArg { unit }).await
}

pub async fn link_read_device(unit: u8) -> Result<Vec<DecodedModel>, AppError> {
    call("link_read_device", &UnitArg { unit }).await
}

pub async fn link_poll_start(units: &[u8], interval_ms: u32, stale_after_ms: u32) -> Result<Vec<u8>, AppError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        units: &'a [u8],
        interval_ms: u32,
        stale_after_ms: u32,
    }
    call("link_poll_start", &Args { units, interval_ms, stale_after_ms }).await
}

pub async fn link_poll_stop() -> Result<(), AppError> {
    call("link_poll_stop", &NoArgs {}).await
}

pub async fn link_arm(engineer: &str, minutes: u32) -> Result<(), AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        engineer: &'a str,
        minutes: u32,
    }
    call("link_arm", &Args { engineer, minutes }).await
}

pub async fn link_disarm() -> Result<(), AppError> {
    call("link_disarm", &NoArgs {}).await
}

pub async fn link_write(request: &WriteRequest) -> Result<WriteOutcome, AppError> {
    call("link_write", &RequestArg { request }).await
}

pub async fn link_traffic(since: u64) -> Result<Vec<TrafficFrame>, AppError> {
    #[derive(Serialize)]
    struct Args {
        since: u64,
    }
    call("link_traffic", &Args { since }).await
}

pub async fn link_traffic_export(csv: bool) -> Result<String, AppError> {
    #[derive(Serialize)]
    struct Args {
        csv: bool,
    }
    call("link_traffic_export", &Args { csv }).await
}

// ---- commissioning -------------------------------------------------------------

pub async fn commission_view() -> Result<CommissionView, AppError> {
    call("commission_view", &NoArgs {}).await
}

pub async fn commission_start(engineer: &str) -> Result<(), AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        engineer: &'a str,
    }
    call("commission_start", &Args { engineer }).await
}

pub async fn commission_run(step_id: &str) -> Result<StepResult, AppError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        step_id: &'a str,
    }
    call("commission_run", &Args { step_id }).await
}

pub async fn commission_comm_loss(phase: CommLossPhase) -> Result<Option<StepResult>, AppError> {
    #[derive(Serialize)]
    struct Args {
        phase: CommLossPhase,
    }
    call("commission_comm_loss", &Args { phase }).await
}

pub async fn commission_note(step_id: &str, note: &str) -> Result<(), AppError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        step_id: &'a str,
        note: &'a str,
    }
    call("commission_note", &Args { step_id, note }).await
}

pub async fn commission_sign_off(name: &str, role: &str, date: &str) -> Result<(), AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        name: &'a str,
        role: &'a str,
        date: &'a str,
    }
    call("commission_sign_off", &Args { name, role, date }).await
}

// ---- reports -------------------------------------------------------------------

use backstop_model::workspace::ReportKind;

#[derive(Serialize)]
struct KindArg {
    kind: ReportKind,
}

/// The report's pages as SVG documents.
pub async fn report_preview(kind: ReportKind) -> Result<Vec<String>, AppError> {
    call("report_preview", &KindArg { kind }).await
}

/// Exports the report as PDF; returns the file written.
pub async fn report_export(kind: ReportKind) -> Result<String, AppError> {
    call("report_export", &KindArg { kind }).await
}

// ---- sizing --------------------------------------------------------------------

use backstop_model::sizing::{OptimizeResult, PeakCase, UpsCase};
use backstop_model::sizing_view::{
    CaseKind, CatalogPutOutcome, CatalogView, OptimizeRequest, PeakComputed, ProfileImport, SaveCaseRequest, SizingCase, SizingOverview,
    SmoothComputed, StoredCase, UpsComputed,
};

#[derive(Serialize)]
struct KeyArg<'a> {
    key: &'a str,
}

pub async fn sizing_overview() -> Result<SizingOverview, AppError> {
    call("sizing_overview", &NoArgs {}).await
}

pub async fn sizing_catalog() -> Result<CatalogView, AppError> {
    call("sizing_catalog", &NoArgs {}).await
}

/// Adds or replaces a project catalog entry given as JSON text.
pub async fn sizing_catalog_put(entry_json: &str) -> Result<CatalogPutOutcome, AppError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        entry_json: &'a str,
    }
    call("sizing_catalog_put", &Args { entry_json }).await
}

pub async fn sizing_catalog_delete(key: &str) -> Result<(), AppError> {
    call("sizing_catalog_delete", &KeyArg { key }).await
}

/// Adds a case; returns its key.
pub async fn sizing_case_create(kind: CaseKind, name: &str) -> Result<String, AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        kind: CaseKind,
        name: &'a str,
    }
    call("sizing_case_create", &Args { kind, name }).await
}

pub async fn sizing_case_get(key: &str) -> Result<StoredCase, AppError> {
    call("sizing_case_get", &KeyArg { key }).await
}

pub async fn sizing_case_rename(key: &str, name: &str) -> Result<(), AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        key: &'a str,
        name: &'a str,
    }
    call("sizing_case_rename", &Args { key, name }).await
}

pub async fn sizing_case_delete(key: &str) -> Result<(), AppError> {
    call("sizing_case_delete", &KeyArg { key }).await
}

/// Saves a case with its result (computed afresh); returns a confirmation.
pub async fn sizing_case_save(request: &SaveCaseRequest) -> Result<String, AppError> {
    call("sizing_case_save", &RequestArg { request }).await
}

pub async fn sizing_ups_compute(case: &UpsCase) -> Result<UpsComputed, AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        case: &'a UpsCase,
    }
    call_raw_json("sizing_ups_compute", &Args { case }).await
}

pub async fn sizing_peak_compute(case: &PeakCase, profile_token: Option<&str>) -> Result<PeakComputed, AppError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        case: &'a PeakCase,
        profile_token: Option<&'a str>,
    }
    call_raw_json("sizing_peak_compute", &Args { case, profile_token }).await
}

/// Sizes a smoothing case over the held measured trace of `trace_token`,
/// or its synthetic profile without one: `on_first` gets the result
/// without the trade-off curve ahead of the reply (see [`call_staged`]);
/// the reply is the whole, or `None` when the next call (or
/// [`sizing_smooth_cancel`] of its `ticket`) superseded it.
pub async fn sizing_smooth_compute(
    case: &backstop_model::sizing_smooth::SmoothCase,
    trace_token: Option<&str>,
    ticket: u64,
    on_first: impl FnOnce(SmoothComputed) + 'static,
) -> Result<Option<SmoothComputed>, AppError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        case: &'a backstop_model::sizing_smooth::SmoothCase,
        trace_token: Option<&'a str>,
        ticket: Option<u64>,
    }
    call_staged("sizing_smooth_compute", &Args { case, trace_token, ticket: Some(ticket) }, on_first).await
}

/// Stops the smoothing computation started with `ticket` (it then replies
/// `None`), even when this overtakes its request; after it ended, this
/// changes nothing.
pub async fn sizing_smooth_cancel(ticket: u64) -> Result<(), AppError> {
    #[derive(Serialize)]
    struct Args {
        ticket: u64,
    }
    call("sizing_smooth_cancel", &Args { ticket }).await
}

/// Imports a measured power trace from the file picked in the native
/// dialog (the backend reads it; the UI never names a file).
pub async fn sizing_trace_import() -> Result<backstop_model::sizing_view::TraceImport, AppError> {
    call("sizing_trace_import", &NoArgs {}).await
}

/// Imports a load profile from the file picked in the native dialog (the
/// backend opens it; the UI never names a file).
pub async fn sizing_profile_import() -> Result<ProfileImport, AppError> {
    call("sizing_profile_import", &NoArgs {}).await
}

pub async fn sizing_optimize(request: &OptimizeRequest) -> Result<OptimizeResult, AppError> {
    call("sizing_optimize", &RequestArg { request }).await
}

/// Writes the calculation sheet as text (save dialog); returns the path.
pub async fn sizing_export_sheet(case: &SizingCase, profile_token: Option<&str>) -> Result<String, AppError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Args<'a> {
        case: &'a SizingCase,
        profile_token: Option<&'a str>,
    }
    call("sizing_export_sheet", &Args { case, profile_token }).await
}

use backstop_model::commissioning::{CommissioningPlan, PlanView};
use backstop_model::project::Tolerances;

pub async fn commission_plan() -> Result<PlanView, AppError> {
    call("commission_plan", &NoArgs {}).await
}

pub async fn commission_save_plan(plan: &CommissioningPlan, tolerances: &Tolerances) -> Result<(), AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        plan: &'a CommissioningPlan,
        tolerances: &'a Tolerances,
    }
    call("commission_save_plan", &Args { plan, tolerances }).await
}

pub async fn commission_assign(cabinet: &str, serial: &str) -> Result<(), AppError> {
    #[derive(Serialize)]
    struct Args<'a> {
        cabinet: &'a str,
        serial: &'a str,
    }
    call("commission_assign", &Args { cabinet, serial }).await
}
