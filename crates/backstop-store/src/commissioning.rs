//! Commissioning sessions in their typed form: the checklist a session
//! followed, every step result with its evidence, and the sign-off with the
//! as-built comparison frozen at that moment — so a report can be made from
//! the file alone, years later.

use backstop_model::commissioning::{AsBuiltRow, CommissioningSession, Outcome, SignOff, StepResult as TypedResult};

use crate::error::Result;
use crate::project::Project;
use crate::records::{Session, SessionOutcome, Signoff, SignoffOutcome, StepOutcome, StepResult};

/// A session as recorded in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    /// Row id of the session.
    pub id: i64,
    pub session: CommissioningSession,
    /// The link the session was started on.
    pub link: String,
    /// As-built comparison recorded at sign-off (empty before).
    pub as_built: Vec<AsBuiltRow>,
}

fn step_outcome(o: Outcome) -> StepOutcome {
    match o {
        Outcome::Pass => StepOutcome::Pass,
        Outcome::Fail => StepOutcome::Fail,
        Outcome::NotApplicable => StepOutcome::NotApplicable,
        // The typed result (with its real outcome) is the evidence column.
        Outcome::Incomplete => StepOutcome::Skipped,
    }
}

impl Project {
    /// Records the start of `session` on `link`; returns its row id.
    pub fn start_commissioning(&mut self, session: &CommissioningSession, link: &str) -> Result<i64> {
        self.start_session(&Session {
            id: 0,
            template_key: session.template.id.clone(),
            device: link.to_string(),
            engineer: session.engineer.clone(),
            started_at_ms: session.started_at_ms,
            ended_at_ms: None,
            outcome: SessionOutcome::InProgress,
            details: serde_json::json!({ "template": session.template, "revision": session.revision }),
        })
    }

    /// Records one step result of session `id`.
    pub fn record_commissioning_step(&mut self, id: i64, result: &TypedResult) -> Result<i64> {
        self.record_step(&StepResult {
            id: 0,
            session_id: id,
            step_key: result.step_id.clone(),
            at_ms: result.at_ms,
            who: result.who.clone(),
            outcome: step_outcome(result.outcome),
            evidence: serde_json::to_value(result).unwrap_or_default(),
        })
    }

    /// Records the sign-off of session `id` (with the as-built comparison
    /// at that moment) and closes the session.
    pub fn sign_off_commissioning(
        &mut self,
        id: i64,
        signoff: &SignOff,
        clean: bool,
        statement: &str,
        as_built: &[AsBuiltRow],
    ) -> Result<()> {
        self.add_signoff(&Signoff {
            id: 0,
            session_id: Some(id),
            at_ms: signoff.at_ms,
            who: signoff.name.clone(),
            role: signoff.role.clone(),
            outcome: if clean { SignoffOutcome::Accepted } else { SignoffOutcome::AcceptedWithRemarks },
            statement: statement.to_string(),
            details: serde_json::json!({ "date": signoff.date, "as_built": as_built }),
        })?;
        self.finish_session(id, signoff.at_ms, if clean { SessionOutcome::Passed } else { SessionOutcome::Failed })
    }

    /// The most recent commissioning session recorded by Backstop, if any.
    /// Sessions written by other tools (without a checklist) are skipped.
    pub fn latest_commissioning(&self) -> Result<Option<StoredSession>> {
        let mut sessions = self.sessions()?;
        sessions.sort_by_key(|s| std::cmp::Reverse(s.id));
        let signoffs = self.signoffs()?;
        for s in sessions {
            let Ok(template) = serde_json::from_value(s.details["template"].clone()) else { continue };
            let mut session = CommissioningSession {
                template,
                revision: s.details["revision"].as_u64().unwrap_or(1) as u32,
                started_at_ms: s.started_at_ms,
                engineer: s.engineer.clone(),
                history: Vec::new(),
                signoff: None,
            };
            for r in self.step_results(s.id)? {
                if let Ok(result) = serde_json::from_value::<TypedResult>(r.evidence) {
                    session.history.push(result);
                }
            }
            let mut as_built = Vec::new();
            if let Some(so) = signoffs.iter().find(|x| x.session_id == Some(s.id)) {
                session.signoff = Some(SignOff {
                    name: so.who.clone(),
                    role: so.role.clone(),
                    date: so.details["date"].as_str().unwrap_or_default().to_string(),
                    at_ms: so.at_ms,
                });
                as_built = serde_json::from_value(so.details["as_built"].clone()).unwrap_or_default();
            }
            return Ok(Some(StoredSession { id: s.id, session, link: s.device, as_built }));
        }
        Ok(None)
    }
}
