//! The project store: one SQLite file (`.backstop`) per client site holding
//! the design (metadata and revisions, settings, layout, the catalog entries
//! it uses, sizing cases and results), commissioning sessions and step
//! results, sign-offs, the audit log of writes to packs, and telemetry.
//! Engineers copy, email and archive these files for years, and open files
//! other people send them.
//!
//! Key design choices:
//! - **Every edit is a transaction** (rollback journal, `synchronous=FULL`):
//!   there is no save step and no unsaved state. A file is exactly one file:
//!   DELETE journal mode, never WAL. Undo/redo history is kept *in the file*
//!   (row images, never SQL), so it survives closing and reopening.
//! - **Distrust every file.** Before SQLite interprets a file, its header is
//!   checked by plain reads; then a connection with `SQLITE_DBCONFIG_DEFENSIVE`,
//!   `trusted_schema=OFF`, triggers and views disabled, `cell_size_check=ON`
//!   and `mmap_size=0` compares the schema object by object with what our
//!   migrations create, and runs `quick_check`. Only then are our own
//!   triggers (append-only audit log) enabled. A file with an extra trigger
//!   or view is refused before anything could fire it. Opening for viewing
//!   uses a read-only connection: the file's bytes never change.
//! - **One writer**: an OS advisory lock on the project file itself (so no
//!   other name of the file gets a second editor) plus a sidecar lock file
//!   naming the holder (see [`lock`]).
//! - **A journal is applied only when it is the file's own** ([`journal`]):
//!   every transaction advances a guard whose journaled image must match.
//! - **Files appear complete or not at all** ([`files`]): new projects,
//!   imports and every export are built under a temporary name and renamed.
//! - **Telemetry is chunked and compressed** ([`codec`]): delta-of-delta
//!   timestamps and scaled-decimal deltas, bit-packed, about a byte per
//!   sample for pack data, exact for any `f64`.
//! - **Typed errors** ([`StoreError`]) whose messages say what went wrong
//!   and what to do; [`StoreError::code`] maps them to the IPC error codes.
//!
//! **Architecture invariant:** the store knows nothing about Tauri or the UI;
//! it takes paths and model types and returns model types.

pub mod codec;
pub mod commissioning;
pub mod design;
pub mod error;
pub mod files;
pub mod history;
pub mod interchange;
pub mod journal;
pub mod limits;
pub mod lock;
mod open;
pub mod project;
pub mod recent;
pub mod records;
pub mod recover;
pub mod schema;
pub mod telemetry;
pub mod telemetry_log;
pub mod time;

pub use commissioning::StoredSession;
pub use error::{Result, StoreError};
pub use history::{Edit, HISTORY_LIMIT, HistoryStep, UndoState};
pub use interchange::{design_from_json, design_to_json, write_bom_csv};
pub use lock::{LockOwner, LockPolicy, lock_holder};
pub use project::{Access, CreateOptions, Migration, MigrationReport, OpenOptions, OpenReport, Project, ProjectSummary};
pub use recent::{RecentEntry, RecentList};
pub use records::{AuditEntry, AuditOutcome, Session, SessionOutcome, Signoff, SignoffOutcome, StepOutcome, StepResult};
pub use recover::RecoveryReport;
pub use schema::{APP_VERSION, APPLICATION_ID, SCHEMA_VERSION};
pub use telemetry::{FlushReport, PointId, Sample, TelemetryPoint, TelemetryWriter, WriterConfig};
pub use telemetry_log::TelemetryLogger;
