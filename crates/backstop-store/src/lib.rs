//! The project store: one SQLite file (`.backstop`) per client site holding
//! design, catalog entries, sizing cases, layout, commissioning sessions,
//! telemetry, audit log and sign-offs. Crash-safe, defensive when opening
//! files from elsewhere, one writer at a time.
