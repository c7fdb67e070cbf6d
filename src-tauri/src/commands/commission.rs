//! Commissioning checklist commands: each takes the session, the live link
//! state and the open project, and records results as they happen.

use backstop_model::AppError;
use backstop_model::commissioning::{CommLossPhase, CommissionView, CommissioningPlan, PlanView, StepResult};
use backstop_model::project::Tolerances;
use tauri::State;

use crate::AppState;

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

#[tauri::command(async)]
pub fn commission_view(state: State<'_, AppState>) -> Result<CommissionView, AppError> {
    let mut comm = state.commissioning()?;
    let session = state.session()?;
    let project = session.project()?;
    let live = state.link.live();
    comm.view(project, &live)
}

#[tauri::command(async)]
pub fn commission_start(state: State<'_, AppState>, engineer: String) -> Result<(), AppError> {
    with(&state, |c, p, live| c.start(p, &engineer, &live.link_label))
}

#[tauri::command(async)]
pub fn commission_run(state: State<'_, AppState>, step_id: String) -> Result<StepResult, AppError> {
    with(&state, |c, p, live| c.run_step(p, live, &step_id))
}

#[tauri::command(async)]
pub fn commission_comm_loss(state: State<'_, AppState>, phase: CommLossPhase) -> Result<Option<StepResult>, AppError> {
    with(&state, |c, p, live| c.comm_loss(p, live, phase))
}

#[tauri::command(async)]
pub fn commission_note(state: State<'_, AppState>, step_id: String, note: String) -> Result<(), AppError> {
    with(&state, |c, p, _| c.note(p, &step_id, &note))
}

#[tauri::command(async)]
pub fn commission_sign_off(state: State<'_, AppState>, name: String, role: String, date: String) -> Result<(), AppError> {
    with(&state, |c, p, live| c.sign_off(p, live, &name, &role, &date))
}

#[tauri::command(async)]
pub fn commission_plan(state: State<'_, AppState>) -> Result<PlanView, AppError> {
    crate::commissioning::plan_view(state.session()?.project()?)
}

#[tauri::command(async)]
pub fn commission_save_plan(state: State<'_, AppState>, plan: CommissioningPlan, tolerances: Tolerances) -> Result<(), AppError> {
    crate::commissioning::save_plan(state.session()?.project_mut()?, &plan, &tolerances)
}

#[tauri::command(async)]
pub fn commission_assign(state: State<'_, AppState>, cabinet: String, serial: String) -> Result<(), AppError> {
    crate::commissioning::assign(state.session()?.project_mut()?, &cabinet, &serial)
}
