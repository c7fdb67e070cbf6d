//! Commissioning checklist commands: each takes the session, the live link
//! state and the open project, and records results as they happen.

use backstop_model::AppError;
use backstop_model::commissioning::{CommLossPhase, CommissionView, CommissioningPlan, PlanView, StepResult};
use backstop_model::project::Tolerances;
use tauri::AppHandle;

use crate::AppState;
use crate::state::{blocking, read_project};

fn with<T>(
    state: &AppState,
    f: impl FnOnce(&mut crate::commissioning::Commissioning, &mut backstop_store::Project, &crate::link_hub::Live) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut comm = state.commissioning()?;
    let mut session = state.session()?;
    let project = session.project_mut()?;
    let live = state.link.live();
    f(&mut comm, project, &live)
}

#[tauri::command]
pub async fn commission_view(app: AppHandle) -> Result<CommissionView, AppError> {
    blocking(&app, move |state, _| {
        let mut comm = state.commissioning()?;
        let session = state.session()?;
        let project = session.project()?;
        let live = state.link.live();
        comm.view(project, &live)
    })
    .await
}

#[tauri::command]
pub async fn commission_start(app: AppHandle, engineer: String) -> Result<(), AppError> {
    blocking(&app, move |state, _| with(state, |c, p, live| c.start(p, &engineer, &live.link_label))).await
}

#[tauri::command]
pub async fn commission_run(app: AppHandle, step_id: String) -> Result<StepResult, AppError> {
    blocking(&app, move |state, _| with(state, |c, p, live| c.run_step(p, live, &step_id))).await
}

#[tauri::command]
pub async fn commission_comm_loss(app: AppHandle, phase: CommLossPhase) -> Result<Option<StepResult>, AppError> {
    blocking(&app, move |state, _| with(state, |c, p, live| c.comm_loss(p, live, phase))).await
}

#[tauri::command]
pub async fn commission_note(app: AppHandle, step_id: String, note: String) -> Result<(), AppError> {
    blocking(&app, move |state, _| with(state, |c, p, _| c.note(p, &step_id, &note))).await
}

#[tauri::command]
pub async fn commission_sign_off(app: AppHandle, name: String, role: String, date: String) -> Result<(), AppError> {
    blocking(&app, move |state, _| with(state, |c, p, live| c.sign_off(p, live, &name, &role, &date))).await
}

#[tauri::command]
pub async fn commission_plan(app: AppHandle) -> Result<PlanView, AppError> {
    read_project(&app, crate::commissioning::plan_view).await
}

#[tauri::command]
pub async fn commission_save_plan(app: AppHandle, plan: CommissioningPlan, tolerances: Tolerances) -> Result<(), AppError> {
    blocking(&app, move |state, _| crate::commissioning::save_plan(state.session()?.project_mut()?, &plan, &tolerances)).await
}

#[tauri::command]
pub async fn commission_assign(app: AppHandle, cabinet: String, serial: String) -> Result<(), AppError> {
    blocking(&app, move |state, _| crate::commissioning::assign(state.session()?.project_mut()?, &cabinet, &serial)).await
}
