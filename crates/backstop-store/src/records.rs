//! Records of what happened on site: commissioning sessions and their step
//! results, sign-offs, and the audit log of writes to packs.
//!
//! Keys, times, who and outcomes are typed columns; the evidence and details
//! whose shape belongs to the commissioning and link work are JSON. Records
//! are appended, each in its own transaction, and are not part of the undo
//! history. The audit log and sign-offs are append-only: triggers in the
//! schema refuse to change or delete them.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::history::map_write_error;
use crate::limits;
use crate::project::Project;

/// Outcome of a commissioning session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionOutcome {
    /// Still running.
    InProgress,
    /// All steps passed.
    Passed,
    /// At least one step failed.
    Failed,
    /// Stopped before the end.
    Aborted,
}

/// Outcome of one commissioning step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOutcome {
    /// Within tolerance.
    Pass,
    /// Out of tolerance or not as expected.
    Fail,
    /// Deliberately not done.
    Skipped,
    /// Does not apply to this installation.
    NotApplicable,
}

/// Outcome of a sign-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignoffOutcome {
    /// Accepted.
    Accepted,
    /// Accepted with remarks in the statement.
    AcceptedWithRemarks,
    /// Rejected.
    Rejected,
}

/// Outcome of an audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditOutcome {
    /// Carried out.
    Done,
    /// Refused before anything was sent.
    Refused,
    /// Attempted and failed.
    Failed,
}

macro_rules! text_enum {
    ($t:ty { $($v:ident = $s:literal),* $(,)? }) => {
        impl $t {
            /// The stable name stored in the file.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)* _ => None }
            }
        }
    };
}

text_enum!(SessionOutcome { InProgress = "in-progress", Passed = "passed", Failed = "failed", Aborted = "aborted" });
text_enum!(StepOutcome { Pass = "pass", Fail = "fail", Skipped = "skipped", NotApplicable = "not-applicable" });
text_enum!(SignoffOutcome { Accepted = "accepted", AcceptedWithRemarks = "accepted-with-remarks", Rejected = "rejected" });
text_enum!(AuditOutcome { Done = "done", Refused = "refused", Failed = "failed" });

/// A commissioning session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Row id (assigned by the store; ignored on insert).
    pub id: i64,
    /// Checklist template the session follows.
    pub template_key: String,
    /// Device (pack controller) commissioned.
    pub device: String,
    /// Engineer running it.
    pub engineer: String,
    /// Start, ms since the Unix epoch.
    pub started_at_ms: i64,
    /// End, if finished.
    pub ended_at_ms: Option<i64>,
    /// Outcome so far.
    pub outcome: SessionOutcome,
    /// Details owned by the commissioning engine.
    pub details: serde_json::Value,
}

/// The result of one checklist step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    /// Row id (assigned by the store; ignored on insert).
    pub id: i64,
    /// Session it belongs to.
    pub session_id: i64,
    /// Step of the template.
    pub step_key: String,
    /// When it was recorded, ms since the Unix epoch.
    pub at_ms: i64,
    /// Who recorded it.
    pub who: String,
    /// Outcome.
    pub outcome: StepOutcome,
    /// Readings, photos' names, remarks: owned by the commissioning engine.
    pub evidence: serde_json::Value,
}

/// A sign-off of a session (or of the project when `session_id` is `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signoff {
    /// Row id (assigned by the store; ignored on insert).
    pub id: i64,
    /// Session signed off, if any.
    pub session_id: Option<i64>,
    /// When, ms since the Unix epoch.
    pub at_ms: i64,
    /// Who signed.
    pub who: String,
    /// In what role (e.g. "commissioning engineer", "client representative").
    pub role: String,
    /// Outcome.
    pub outcome: SignoffOutcome,
    /// The statement signed.
    pub statement: String,
    /// Further details.
    pub details: serde_json::Value,
}

/// One entry of the audit log of actions on devices (writes to packs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Row id (assigned by the store; ignored on insert).
    pub id: i64,
    /// When, ms since the Unix epoch.
    pub at_ms: i64,
    /// Who did it.
    pub who: String,
    /// Device acted on.
    pub device: String,
    /// Action (e.g. "write-register").
    pub action: String,
    /// What was acted on (e.g. a point name).
    pub target: String,
    /// Outcome.
    pub outcome: AuditOutcome,
    /// Values before/after, reasons: owned by the link work.
    pub details: serde_json::Value,
}

impl AuditEntry {
    /// The audit record of a write that went to the device: verified only
    /// when the read-back equals what was written, failed otherwise.
    pub fn for_write(w: &backstop_model::link::WriteOutcome) -> AuditEntry {
        AuditEntry {
            id: 0,
            at_ms: w.time_ms as i64,
            who: w.engineer.clone(),
            device: format!("{} unit {}", w.link, w.unit),
            action: "write".into(),
            target: format!("{} {}", w.model_id, w.point),
            outcome: match w.kind {
                backstop_model::link::WriteOutcomeKind::Verified => AuditOutcome::Done,
                _ => AuditOutcome::Failed,
            },
            details: serde_json::to_value(w).unwrap_or_default(),
        }
    }

    /// The audit record of a write that ended before an outcome: `refused`
    /// when nothing was sent (limits, not armed), failed otherwise.
    pub fn for_unsent_write(
        link: &str,
        request: &backstop_model::link::WriteRequest,
        limits: &[backstop_model::link::ProjectLimit],
        error: &str,
        refused: bool,
        at_ms: i64,
    ) -> AuditEntry {
        AuditEntry {
            id: 0,
            at_ms,
            who: request.engineer.clone(),
            device: format!("{link} unit {}", request.unit),
            action: "write".into(),
            target: format!("{} {}", request.model_id, request.point),
            outcome: if refused { AuditOutcome::Refused } else { AuditOutcome::Failed },
            details: serde_json::json!({ "request": request, "limits": limits, "error": error }),
        }
    }
}

fn json(v: &serde_json::Value) -> Result<String> {
    serde_json::to_string(v).map_err(|source| StoreError::Json { context: "writing record details".into(), source })
}

/// Checks texts against their limits: (what, value, most characters).
fn check_texts(fields: &[(&str, &str, usize)]) -> Result<()> {
    fields.iter().try_for_each(|(what, value, max)| limits::text(what, value, *max))
}

/// A details/evidence value as JSON text, within the limits.
fn checked_json(what: &str, v: &serde_json::Value) -> Result<String> {
    let text = json(v)?;
    limits::body(what, &text, limits::BODY_BYTES)?;
    Ok(text)
}

fn parse_json(s: &str) -> rusqlite::Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn parse_enum<T>(s: &str, f: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    f(s).ok_or_else(|| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("unknown outcome \"{s}\"").into()))
}

fn read_err(e: rusqlite::Error) -> StoreError {
    StoreError::sqlite("reading commissioning records", e)
}

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        template_key: r.get(1)?,
        device: r.get(2)?,
        engineer: r.get(3)?,
        started_at_ms: r.get(4)?,
        ended_at_ms: r.get(5)?,
        outcome: parse_enum(&r.get::<_, String>(6)?, SessionOutcome::parse)?,
        details: parse_json(&r.get::<_, String>(7)?)?,
    })
}

fn step_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StepResult> {
    Ok(StepResult {
        id: r.get(0)?,
        session_id: r.get(1)?,
        step_key: r.get(2)?,
        at_ms: r.get(3)?,
        who: r.get(4)?,
        outcome: parse_enum(&r.get::<_, String>(5)?, StepOutcome::parse)?,
        evidence: parse_json(&r.get::<_, String>(6)?)?,
    })
}

fn signoff_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Signoff> {
    Ok(Signoff {
        id: r.get(0)?,
        session_id: r.get(1)?,
        at_ms: r.get(2)?,
        who: r.get(3)?,
        role: r.get(4)?,
        outcome: parse_enum(&r.get::<_, String>(5)?, SignoffOutcome::parse)?,
        statement: r.get(6)?,
        details: parse_json(&r.get::<_, String>(7)?)?,
    })
}

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at_ms: r.get(1)?,
        who: r.get(2)?,
        device: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        outcome: parse_enum(&r.get::<_, String>(6)?, AuditOutcome::parse)?,
        details: parse_json(&r.get::<_, String>(7)?)?,
    })
}

const SESSION_COLS: &str = "id, template_key, device, engineer, started_at_ms, ended_at_ms, outcome, details";
const STEP_COLS: &str = "id, session_id, step_key, at_ms, who, outcome, evidence";
const SIGNOFF_COLS: &str = "id, session_id, at_ms, who, role, outcome, statement, details";
const AUDIT_COLS: &str = "id, at_ms, who, device, action, target, outcome, details";

impl Project {
    /// Starts a commissioning session; returns its id.
    pub fn start_session(&mut self, session: &Session) -> Result<i64> {
        self.ensure_writable()?;
        check_texts(&[
            ("the session's checklist key", &session.template_key, limits::KEY_CHARS),
            ("the session's device", &session.device, limits::NAME_CHARS),
            ("the session's engineer", &session.engineer, limits::NAME_CHARS),
        ])?;
        let details = checked_json("the session's details", &session.details)?;
        let tx = crate::journal::begin(&mut self.conn).map_err(|e| map_write_error(e, "starting the session"))?;
        tx.execute(
            "INSERT INTO commissioning_sessions (template_key, device, engineer, started_at_ms, ended_at_ms, outcome, details) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                session.template_key,
                session.device,
                session.engineer,
                session.started_at_ms,
                session.ended_at_ms,
                session.outcome.as_str(),
                details
            ],
        )
        .map_err(|e| map_write_error(e, "starting the session"))?;
        limits::table_rows(&tx, "commissioning_sessions")?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(|e| map_write_error(e, "starting the session"))?;
        Ok(id)
    }

    /// Records the end (or a new outcome) of session `id`.
    pub fn finish_session(&mut self, id: i64, ended_at_ms: i64, outcome: SessionOutcome) -> Result<()> {
        self.ensure_writable()?;
        let tx = crate::journal::begin(&mut self.conn).map_err(|e| map_write_error(e, "finishing the session"))?;
        let n = tx
            .execute(
                "UPDATE commissioning_sessions SET ended_at_ms = ?2, outcome = ?3 WHERE id = ?1",
                params![id, ended_at_ms, outcome.as_str()],
            )
            .map_err(|e| map_write_error(e, "finishing the session"))?;
        if n == 0 {
            return Err(StoreError::NoSuchItem { kind: "commissioning session", key: id.to_string() });
        }
        tx.commit().map_err(|e| map_write_error(e, "finishing the session"))
    }

    /// Records a step result; returns its id.
    pub fn record_step(&mut self, step: &StepResult) -> Result<i64> {
        self.ensure_writable()?;
        check_texts(&[("the step key", &step.step_key, limits::KEY_CHARS), ("who recorded the step", &step.who, limits::NAME_CHARS)])?;
        let evidence = checked_json("the step's evidence", &step.evidence)?;
        // A missing session shows as a constraint error, at the insert or
        // (deferred) at the commit.
        let err = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => {
                StoreError::NoSuchItem { kind: "commissioning session", key: step.session_id.to_string() }
            }
            _ => map_write_error(e, "recording the step"),
        };
        let tx = crate::journal::begin(&mut self.conn).map_err(err)?;
        tx.execute(
            "INSERT INTO step_results (session_id, step_key, at_ms, who, outcome, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![step.session_id, step.step_key, step.at_ms, step.who, step.outcome.as_str(), evidence],
        )
        .map_err(err)?;
        limits::table_rows(&tx, "step_results")?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Records a sign-off (append-only); returns its id.
    pub fn add_signoff(&mut self, signoff: &Signoff) -> Result<i64> {
        self.ensure_writable()?;
        check_texts(&[
            ("the name of who signs off", &signoff.who, limits::NAME_CHARS),
            ("the role of who signs off", &signoff.role, limits::NAME_CHARS),
            ("the sign-off statement", &signoff.statement, limits::TEXT_CHARS),
        ])?;
        let details = checked_json("the sign-off's details", &signoff.details)?;
        let tx = crate::journal::begin(&mut self.conn).map_err(|e| map_write_error(e, "recording the sign-off"))?;
        tx.execute(
            "INSERT INTO signoffs (session_id, at_ms, who, role, outcome, statement, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![signoff.session_id, signoff.at_ms, signoff.who, signoff.role, signoff.outcome.as_str(), signoff.statement, details],
        )
        .map_err(|e| map_write_error(e, "recording the sign-off"))?;
        limits::table_rows(&tx, "signoffs")?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(|e| map_write_error(e, "recording the sign-off"))?;
        Ok(id)
    }

    /// Appends an audit log entry; returns its id.
    pub fn append_audit(&mut self, entry: &AuditEntry) -> Result<i64> {
        self.ensure_writable()?;
        check_texts(&[
            ("who wrote to the pack", &entry.who, limits::NAME_CHARS),
            ("the audited device", &entry.device, limits::NAME_CHARS),
            ("the audited action", &entry.action, limits::NAME_CHARS),
            ("the audited target", &entry.target, limits::NAME_CHARS),
        ])?;
        let details = checked_json("the audit entry's details", &entry.details)?;
        let tx = crate::journal::begin(&mut self.conn).map_err(|e| map_write_error(e, "writing the audit log"))?;
        tx.execute(
            "INSERT INTO audit_log (at_ms, who, device, action, target, outcome, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![entry.at_ms, entry.who, entry.device, entry.action, entry.target, entry.outcome.as_str(), details],
        )
        .map_err(|e| map_write_error(e, "writing the audit log"))?;
        limits::table_rows(&tx, "audit_log")?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(|e| map_write_error(e, "writing the audit log"))?;
        Ok(id)
    }

    /// All commissioning sessions, oldest first.
    pub fn sessions(&self) -> Result<Vec<Session>> {
        query(&self.conn, &format!("SELECT {SESSION_COLS} FROM commissioning_sessions ORDER BY started_at_ms, id"), [], session_row)
    }

    /// One session.
    pub fn session(&self, id: i64) -> Result<Option<Session>> {
        self.conn
            .query_row(&format!("SELECT {SESSION_COLS} FROM commissioning_sessions WHERE id = ?1"), [id], session_row)
            .optional()
            .map_err(read_err)
    }

    /// The step results of a session, in recording order.
    pub fn step_results(&self, session_id: i64) -> Result<Vec<StepResult>> {
        query(&self.conn, &format!("SELECT {STEP_COLS} FROM step_results WHERE session_id = ?1 ORDER BY at_ms, id"), [session_id], step_row)
    }

    /// All sign-offs, oldest first.
    pub fn signoffs(&self) -> Result<Vec<Signoff>> {
        query(&self.conn, &format!("SELECT {SIGNOFF_COLS} FROM signoffs ORDER BY at_ms, id"), [], signoff_row)
    }

    /// Audit entries with `from_ms ≤ at ≤ to_ms`, oldest first.
    pub fn audit_log(&self, from_ms: i64, to_ms: i64) -> Result<Vec<AuditEntry>> {
        query(
            &self.conn,
            &format!("SELECT {AUDIT_COLS} FROM audit_log WHERE at_ms BETWEEN ?1 AND ?2 ORDER BY at_ms, id"),
            [from_ms, to_ms],
            audit_row,
        )
    }
}

fn query<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql).map_err(read_err)?;
    stmt.query_map(params, f).and_then(|rows| rows.collect()).map_err(read_err)
}

/// Reads every record (for `check`): each must decode.
pub(crate) fn check_all(conn: &Connection) -> Result<()> {
    query(conn, &format!("SELECT {SESSION_COLS} FROM commissioning_sessions"), [], session_row)?;
    query(conn, &format!("SELECT {STEP_COLS} FROM step_results"), [], step_row)?;
    query(conn, &format!("SELECT {SIGNOFF_COLS} FROM signoffs"), [], signoff_row)?;
    query(conn, &format!("SELECT {AUDIT_COLS} FROM audit_log"), [], audit_row)?;
    Ok(())
}
