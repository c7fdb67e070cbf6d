//! Typed calls to the Layout area's backend commands (`src-tauri/src/commands/layout.rs`).
//!
//! A child of [`crate::ipc`], so every call goes through the same `call`
//! helper and error mapping as the rest of the IPC boundary.
