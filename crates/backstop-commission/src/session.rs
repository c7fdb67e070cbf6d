//! Sessions: results are appended (a re-run adds a newer result; the latest
//! per step counts), notes are kept per step, and a sign-off locks the
//! session — later changes need a new session (a new revision).

use backstop_model::commissioning::{CommissioningSession, Outcome, SessionSummary, SignOff, StepResult};

/// Why a session refused a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error(
        "the session was signed off by {name} on {date}; it can no longer change. Start a new session (revision {next}) to record new results."
    )]
    Locked { name: String, date: String, next: u32 },
    #[error("the checklist has no step \"{0}\"")]
    NoSuchStep(String),
    #[error("a sign-off needs the name of the person signing and a date (YYYY-MM-DD)")]
    IncompleteSignOff,
}

fn ensure_open(s: &CommissioningSession) -> Result<(), SessionError> {
    match &s.signoff {
        Some(so) => Err(SessionError::Locked { name: so.name.clone(), date: so.date.clone(), next: s.revision + 1 }),
        None => Ok(()),
    }
}

/// Starts a session following `template`.
pub fn start(
    template: backstop_model::commissioning::ChecklistTemplate,
    revision: u32,
    engineer: &str,
    at_ms: i64,
) -> CommissioningSession {
    CommissioningSession { template, revision, started_at_ms: at_ms, engineer: engineer.into(), history: Vec::new(), signoff: None }
}

/// Records a result (a first run or a re-run).
pub fn record(s: &mut CommissioningSession, result: StepResult) -> Result<(), SessionError> {
    ensure_open(s)?;
    if !s.template.steps.iter().any(|st| st.id == result.step_id) {
        return Err(SessionError::NoSuchStep(result.step_id));
    }
    // Notes written on an earlier run carry over to the re-run.
    let mut result = result;
    if result.notes.is_empty()
        && let Some(prev) = latest(s, &result.step_id)
    {
        result.notes = prev.notes.clone();
    }
    s.history.push(result);
    Ok(())
}

/// Sets the note of a step's latest result.
pub fn set_note(s: &mut CommissioningSession, step_id: &str, note: &str) -> Result<(), SessionError> {
    ensure_open(s)?;
    let last = s.history.iter_mut().rev().find(|r| r.step_id == step_id).ok_or_else(|| SessionError::NoSuchStep(step_id.to_string()))?;
    last.notes = note.to_string();
    Ok(())
}

/// Signs the session off; from then on it is read-only.
pub fn sign_off(s: &mut CommissioningSession, signoff: SignOff) -> Result<(), SessionError> {
    ensure_open(s)?;
    if signoff.name.trim().is_empty() || !backstop_model::project::is_iso_date(&signoff.date) {
        return Err(SessionError::IncompleteSignOff);
    }
    s.signoff = Some(signoff);
    Ok(())
}

/// The latest result of a step.
pub fn latest<'s>(s: &'s CommissioningSession, step_id: &str) -> Option<&'s StepResult> {
    s.history.iter().rev().find(|r| r.step_id == step_id)
}

/// Whether a sign-off on `summary` is clean: no step failed, none is
/// incomplete and none was left unrun (a step that does not apply counts as
/// done). A sign-off that is not clean is still recorded, marked so.
pub fn is_clean(summary: &SessionSummary) -> bool {
    summary.failed == 0 && summary.incomplete == 0 && summary.not_run == 0
}

/// Counts over the latest results.
pub fn summary(s: &CommissioningSession) -> SessionSummary {
    let mut sum = SessionSummary { steps: s.template.steps.len(), ..SessionSummary::default() };
    for step in &s.template.steps {
        match latest(s, &step.id).map(|r| r.outcome) {
            Some(Outcome::Pass) => sum.passed += 1,
            Some(Outcome::Fail) => sum.failed += 1,
            Some(Outcome::NotApplicable) => sum.not_applicable += 1,
            Some(Outcome::Incomplete) => sum.incomplete += 1,
            None => sum.not_run += 1,
        }
    }
    sum
}
