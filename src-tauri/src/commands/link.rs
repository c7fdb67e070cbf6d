//! Live link commands: ports, connect, scan, discovery, polling, armed
//! writes and the traffic monitor. Events (health, scan progress, write
//! outcomes) reach the UI through the channel given to `link_subscribe`;
//! live samples it asks for with `link_samples` when it is ready for them.

use std::time::Duration;

use backstop_link::LinkError;
use backstop_model::link::{
    DecodedModel, DeviceInfo, LinkConfig, LinkEvent, LinkStatus, PortInfo, ScanHit, ScanRequest, TrafficFrame, WriteOutcome, WriteRequest,
};
use backstop_model::time::now_ms;
use backstop_model::{AppError, ErrorCode};
use backstop_store::AuditEntry;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::AppState;
use crate::dialogs::{self, Dialog};
use crate::state::blocking;

#[tauri::command]
pub async fn link_ports(app: AppHandle) -> Result<Vec<PortInfo>, AppError> {
    blocking(&app, move |_, _| Ok(backstop_link::list_ports()?)).await
}

#[tauri::command]
pub fn link_subscribe(state: State<'_, AppState>, on_event: Channel<LinkEvent>) -> Result<(), AppError> {
    state.link.subscribe(on_event);
    Ok(())
}

/// How long `link_samples` waits for a new sample before answering with none.
const SAMPLES_WAIT: Duration = Duration::from_secs(10);

/// The latest sample of every unit that changed after `after` (the `seq`
/// of the previous answer; 0 at first), waiting up to ten seconds for one.
/// The UI asks again when it has shown the answer, so it never falls
/// behind the link by more than one answer.
#[tauri::command]
pub async fn link_samples(state: State<'_, AppState>, after: u64) -> Result<tauri::ipc::Response, AppError> {
    super::raw_json(&state.link.samples_after(after, SAMPLES_WAIT).await)
}

#[tauri::command]
pub async fn link_status(state: State<'_, AppState>) -> Result<LinkStatus, AppError> {
    let link = state.link.link().await.ok();
    let live = state.link.live();
    let armed = link.as_ref().and_then(|l| l.armed());
    Ok(LinkStatus {
        label: link.as_ref().map(|l| l.label().to_string()),
        devices: live.devices.values().cloned().collect(),
        armed_by: armed.as_ref().map(|a| a.engineer.clone()),
        armed_seconds_left: armed.map(|a| a.until.saturating_duration_since(std::time::Instant::now()).as_secs()),
        echo_detected: link.map(|l| l.echo_detected()).unwrap_or(false),
    })
}

#[tauri::command]
pub async fn link_connect(state: State<'_, AppState>, config: LinkConfig) -> Result<String, AppError> {
    state.link.connect(config).await
}

#[tauri::command]
pub async fn link_disconnect(state: State<'_, AppState>) -> Result<(), AppError> {
    state.link.disconnect().await;
    Ok(())
}

/// Scans unit ids; progress arrives as `scan` events; cancellable.
#[tauri::command]
pub async fn link_scan(state: State<'_, AppState>, request: ScanRequest) -> Result<Vec<ScanHit>, AppError> {
    let link = state.link.link().await?;
    let cancel = state.link.begin_scan();
    Ok(link.scan(&request, &cancel).await?)
}

#[tauri::command]
pub fn link_scan_cancel(state: State<'_, AppState>) -> Result<(), AppError> {
    state.link.cancel_scan();
    Ok(())
}

#[tauri::command]
pub async fn link_discover(state: State<'_, AppState>, unit: u8) -> Result<DeviceInfo, AppError> {
    state.link.discover(unit).await
}

/// Reads and decodes every model of a discovered unit once.
#[tauri::command]
pub async fn link_read_device(state: State<'_, AppState>, unit: u8) -> Result<Vec<DecodedModel>, AppError> {
    let device = state.link.live().devices.get(&unit).cloned().ok_or_else(|| {
        AppError::new(ErrorCode::NotFound, format!("Unit {unit} has not been discovered on this link; scan or discover it first."))
    })?;
    Ok(state.link.link().await?.read_device(&device).await?)
}

#[tauri::command]
pub async fn link_poll_start(
    state: State<'_, AppState>,
    units: Vec<u8>,
    interval_ms: u32,
    stale_after_ms: u32,
) -> Result<Vec<u8>, AppError> {
    state.link.start_polling(&units, Duration::from_millis(u64::from(interval_ms)), Duration::from_millis(u64::from(stale_after_ms))).await
}

#[tauri::command]
pub async fn link_poll_stop(state: State<'_, AppState>) -> Result<(), AppError> {
    Ok(state.link.link().await?.stop_polling().await?)
}

/// Enters armed commissioning mode (writes possible) for `minutes`.
#[tauri::command]
pub async fn link_arm(state: State<'_, AppState>, engineer: String, minutes: u32) -> Result<(), AppError> {
    Ok(state.link.link().await?.arm(&engineer, Duration::from_secs(u64::from(minutes) * 60))?)
}

#[tauri::command]
pub async fn link_disarm(state: State<'_, AppState>) -> Result<(), AppError> {
    state.link.link().await?.disarm();
    Ok(())
}

/// Writes one point (validated before the wire, read back after). The
/// limits come from the open project, never from the request; refusals are
/// recorded in the audit log too; outcomes are logged by the hub.
#[tauri::command]
pub async fn link_write(app: AppHandle, state: State<'_, AppState>, request: WriteRequest) -> Result<WriteOutcome, AppError> {
    let link = state.link.link().await?;
    let (unit, model_id, point) = (request.unit, request.model_id, request.point.clone());
    let limits = blocking(&app, move |state, _| {
        let session = state.session()?;
        let project = session.project().map_err(|_| {
            AppError::new(
                ErrorCode::WriteRefused,
                "Open the project before writing to a pack: every write is checked against the project's limits and recorded in its audit log.",
            )
        })?;
        let settings = project.settings().map_err(crate::session::store_error)?;
        Ok(backstop_commission::limits::write_limits(&settings.commissioning, unit, model_id, &point))
    })
    .await?;
    match link.write_point(&request, &limits).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            let refused = matches!(e, LinkError::Refused(_) | LinkError::NotArmed | LinkError::Invalid(_));
            let entry = AuditEntry::for_unsent_write(link.label(), &request, &limits, &e.to_string(), refused, now_ms());
            let recorded = blocking(&app, move |state, _| {
                if let Ok(mut session) = state.session()
                    && let Ok(project) = session.project_mut()
                    && let Err(err) = project.append_audit(&entry)
                {
                    eprintln!("backstop-app: the refused write could not be recorded in the audit log: {err}");
                }
                Ok(())
            })
            .await;
            if let Err(err) = recorded {
                eprintln!("backstop-app: the refused write could not be recorded in the audit log: {}", err.message);
            }
            Err(e.into())
        }
    }
}

#[tauri::command]
pub async fn link_traffic(state: State<'_, AppState>, since: u64) -> Result<Vec<TrafficFrame>, AppError> {
    Ok(state.link.link().await?.traffic(since))
}

/// Saves the traffic monitor as text or CSV; returns the file written.
#[tauri::command]
pub async fn link_traffic_export(app: AppHandle, state: State<'_, AppState>, csv: bool) -> Result<String, AppError> {
    let frames = state.link.link().await?.traffic(0);
    if frames.is_empty() {
        return Err(AppError::invalid("The traffic monitor is empty; nothing to export."));
    }
    let (name, text) = if csv {
        ("modbus-traffic.csv", backstop_link::export_csv(&frames))
    } else {
        ("modbus-traffic.txt", backstop_link::export_text(&frames))
    };
    let target =
        dialogs::ask(&app, Dialog::SaveAs { suggested_name: name.into(), filter: ("Traffic log", if csv { "csv" } else { "txt" }) })
            .await?;
    super::write_file(&app, target, text.into_bytes()).await
}
