//! Commissioning glue: the checklist session of the open project, kept in
//! memory for the UI and recorded in the project file as it happens
//! (session, every step result with its evidence, the sign-off).

use backstop_commission::session as cs;
use backstop_model::commissioning::{
    CommLossPhases, CommLossProgress, CommissionView, CommissioningSession, Observation, SignOff, StepResult, UnitObservation,
};
use backstop_model::error::capitalise;
use backstop_model::project::Design;
use backstop_model::time::now_ms;
use backstop_model::{AppError, ErrorCode};
use backstop_store::Project;

use crate::live::Live;
use crate::session::store_error;

/// The session in memory plus the moments of a running comm-loss test.
#[derive(Default)]
pub struct Commissioning {
    /// (row id in the project file, session)
    current: Option<(i64, CommissioningSession)>,
    /// The project the session belongs to (reloaded when another opens).
    project_path: Option<std::path::PathBuf>,
    comm_before: Option<Observation>,
    comm_during: Option<Observation>,
}

fn session_error(e: cs::SessionError) -> AppError {
    AppError::new(ErrorCode::InvalidInput, capitalise(&e.to_string()))
}

pub use backstop_commission::planned_units;

fn template(design: &Design) -> backstop_model::commissioning::ChecklistTemplate {
    design.settings.commissioning.template.clone().unwrap_or_else(backstop_commission::builtin::bess_acceptance)
}

/// What is on the bus now, against the plan.
pub fn observe(design: &Design, live: &Live, engineer: &str) -> Observation {
    let planned = planned_units(design);
    let mut ids: Vec<u8> = planned.iter().map(|p| p.unit).collect();
    ids.extend(live.devices.keys().copied());
    ids.sort();
    ids.dedup();
    Observation {
        at_ms: now_ms(),
        engineer: engineer.to_string(),
        link: live.link_label.clone(),
        planned,
        units: ids
            .into_iter()
            .map(|u| UnitObservation { unit: u, info: live.devices.get(&u).cloned(), sample: live.latest.get(u).cloned() })
            .collect(),
        design_setpoints: design.settings.commissioning.design_setpoints.clone(),
        tolerances: design.settings.tolerances,
    }
}

impl Commissioning {
    /// Loads the latest session of `project` (if any) when the project changed.
    fn sync(&mut self, project: &Project) -> Result<(), AppError> {
        if self.project_path.as_deref() == Some(project.path()) {
            return Ok(());
        }
        *self = Commissioning { project_path: Some(project.path().to_owned()), ..Commissioning::default() };
        self.current = project.latest_commissioning().map_err(store_error)?.map(|s| (s.id, s.session));
        Ok(())
    }

    /// Everything the Commissioning area shows.
    pub fn view(&mut self, project: &Project, live: &Live) -> Result<CommissionView, AppError> {
        self.sync(project)?;
        let design = project.design().map_err(store_error)?;
        let planned = planned_units(&design);
        let observed = observe(&design, live, "").units;
        let as_built = backstop_commission::as_built(&planned, &observed, &design.settings.commissioning.assignments);
        let template = self.current.as_ref().map(|(_, s)| s.template.clone()).unwrap_or_else(|| template(&design));
        let session = self.current.as_ref().map(|(_, s)| s.clone());
        let summary = session.as_ref().map(cs::summary).unwrap_or_default();
        Ok(CommissionView {
            planned,
            template,
            session,
            summary,
            as_built,
            comm_loss: CommLossProgress { before: self.comm_before.is_some(), during: self.comm_during.is_some() },
        })
    }

    /// Starts a session (a new revision when the last one was signed off).
    pub fn start(&mut self, project: &mut Project, engineer: &str, link: &str) -> Result<(), AppError> {
        self.sync(project)?;
        if engineer.trim().is_empty() {
            return Err(AppError::invalid("Enter the commissioning engineer's name; it is recorded with every result."));
        }
        if let Some((_, s)) = &self.current
            && s.signoff.is_none()
        {
            return Err(AppError::invalid("A session is already open; finish and sign it off first."));
        }
        let revision = self.current.as_ref().map(|(_, s)| s.revision + 1).unwrap_or(1);
        let design = project.design().map_err(store_error)?;
        let tpl = template(&design);
        let session = cs::start(tpl.clone(), revision, engineer.trim(), now_ms());
        let id = project.start_commissioning(&session, link).map_err(store_error)?;
        self.current = Some((id, session));
        self.comm_before = None;
        self.comm_during = None;
        Ok(())
    }

    fn open_session(&mut self, project: &Project) -> Result<&mut (i64, CommissioningSession), AppError> {
        self.sync(project)?;
        self.current.as_mut().ok_or_else(|| AppError::invalid("Start a commissioning session first (enter your name and press Start)."))
    }

    fn record(&mut self, project: &mut Project, result: StepResult) -> Result<StepResult, AppError> {
        let (id, session) = self.open_session(project)?;
        let id = *id;
        cs::record(session, result.clone()).map_err(session_error)?;
        let stored = cs::latest(session, &result.step_id).cloned().unwrap_or(result);
        project.record_commissioning_step(id, &stored).map_err(store_error)?;
        Ok(stored)
    }

    /// Runs one step against what is on the bus now.
    pub fn run_step(&mut self, project: &mut Project, live: &Live, step_id: &str) -> Result<StepResult, AppError> {
        let (_, session) = self.open_session(project)?;
        let step = session
            .template
            .steps
            .iter()
            .find(|s| s.id == step_id)
            .cloned()
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, format!("The checklist has no step \"{step_id}\".")))?;
        if matches!(step.check, backstop_model::commissioning::Check::CommunicationLoss { .. }) {
            return Err(AppError::invalid(
                "The communication-loss test runs in three moments: use its Before / Pulled / Reconnected buttons.",
            ));
        }
        let engineer = session.engineer.clone();
        let design = project.design().map_err(store_error)?;
        let result = backstop_commission::evaluate(&step, &observe(&design, live, &engineer));
        self.record(project, result)
    }

    /// Captures one moment of the communication-loss test; the last one
    /// evaluates and records the step.
    pub fn comm_loss(
        &mut self,
        project: &mut Project,
        live: &Live,
        phase: backstop_model::commissioning::CommLossPhase,
    ) -> Result<Option<StepResult>, AppError> {
        use backstop_model::commissioning::CommLossPhase::*;
        let (_, session) = self.open_session(project)?;
        let engineer = session.engineer.clone();
        let step = session
            .template
            .steps
            .iter()
            .find(|s| matches!(s.check, backstop_model::commissioning::Check::CommunicationLoss { .. }))
            .cloned()
            .ok_or_else(|| AppError::invalid("This checklist has no communication-loss step."))?;
        let design = project.design().map_err(store_error)?;
        let obs = observe(&design, live, &engineer);
        match phase {
            Before => {
                self.comm_before = Some(obs);
                self.comm_during = None;
                Ok(None)
            }
            During => {
                if self.comm_before.is_none() {
                    return Err(AppError::invalid("Capture the 'before' moment first, while the link is still connected."));
                }
                self.comm_during = Some(obs);
                Ok(None)
            }
            After => {
                let (Some(before), Some(during)) = (self.comm_before.take(), self.comm_during.take()) else {
                    return Err(AppError::invalid("Capture 'before' and 'pulled' first."));
                };
                let result = backstop_commission::evaluate_comm_loss(&step, &CommLossPhases { before, during, after: obs });
                self.record(project, result).map(Some)
            }
        }
    }

    pub fn note(&mut self, project: &mut Project, step_id: &str, note: &str) -> Result<(), AppError> {
        let (_, session) = self.open_session(project)?;
        let mut latest =
            cs::latest(session, step_id).cloned().ok_or_else(|| AppError::invalid("Run the step before adding a note to its result."))?;
        latest.notes = note.to_string();
        // Recorded as a new entry: the history shows when the note was added.
        latest.at_ms = now_ms();
        self.record(project, latest).map(drop)
    }

    pub fn sign_off(&mut self, project: &mut Project, live: &Live, name: &str, role: &str, date: &str) -> Result<(), AppError> {
        // The as-built comparison at this moment goes into the record.
        let design = project.design().map_err(store_error)?;
        let as_built = backstop_commission::as_built(
            &planned_units(&design),
            &observe(&design, live, "").units,
            &design.settings.commissioning.assignments,
        );
        let (id, session) = self.open_session(project)?;
        let id = *id;
        let signoff = SignOff { name: name.trim().into(), role: role.trim().into(), date: date.trim().into(), at_ms: now_ms() };
        cs::sign_off(session, signoff.clone()).map_err(session_error)?;
        let summary = cs::summary(session);
        let clean = cs::is_clean(&summary);
        let statement = format!(
            "Commissioning session revision {} signed off: {} passed, {} failed, {} not applicable, {} incomplete, {} not run.",
            session.revision, summary.passed, summary.failed, summary.not_applicable, summary.incomplete, summary.not_run
        );
        project.sign_off_commissioning(id, &signoff, clean, &statement, &as_built).map_err(store_error)
    }
}

/// The Plan tab's view of the open project.
pub fn plan_view(project: &Project) -> Result<backstop_model::commissioning::PlanView, AppError> {
    let design = project.design().map_err(store_error)?;
    let cabinets: Vec<String> = backstop_commission::plan::controlled_cabinets(&design).into_iter().map(str::to_owned).collect();
    Ok(backstop_model::commissioning::PlanView {
        planned: planned_units(&design),
        plan: design.settings.commissioning.clone(),
        tolerances: design.settings.tolerances,
        cabinets,
        builtin_template: backstop_commission::builtin::bess_acceptance(),
    })
}

/// Saves the commissioning plan and tolerances (one undoable edit) after
/// checking them: a unit id at most once, every unit in a cabinet, a valid
/// checklist (errors name the step), tolerances that are numbers ≥ 0.
pub fn save_plan(
    project: &mut Project,
    plan: &backstop_model::commissioning::CommissioningPlan,
    tolerances: &backstop_model::project::Tolerances,
) -> Result<(), AppError> {
    let problems = backstop_commission::plan_problems(plan, tolerances);
    if !problems.is_empty() {
        return Err(AppError::invalid(format!("The commissioning plan was not saved: {}.", problems.join("; "))));
    }
    let mut settings = project.settings().map_err(store_error)?;
    settings.commissioning = plan.clone();
    settings.tolerances = *tolerances;
    project.edit("Edit commissioning plan", |e| e.set_settings(&settings)).map_err(store_error)
}

/// Places a discovered controller (by serial number) in a cabinet, or
/// clears the cabinet's placement when `serial` is empty (one undoable edit).
pub fn assign(project: &mut Project, cabinet: &str, serial: &str) -> Result<(), AppError> {
    let mut settings = project.settings().map_err(store_error)?;
    let a = &mut settings.commissioning.assignments;
    a.retain(|x| x.cabinet != cabinet && (serial.is_empty() || x.serial != serial));
    let label = if serial.is_empty() {
        format!("Clear the controller of {cabinet}")
    } else {
        a.push(backstop_model::commissioning::Assignment { cabinet: cabinet.into(), serial: serial.into() });
        format!("Place {serial} in {cabinet}")
    };
    project.edit(&label, |e| e.set_settings(&settings)).map_err(store_error)
}
