//! End-to-end tests of the real app in a real webview. See `support/lib.rs`
//! for the harness; run through `scripts/test` (which builds the UI and the
//! app binary first) or `cargo test -p backstop-e2e` after building both.

mod commissioning;
mod layout;
mod project;
mod shell;
mod sizing;
