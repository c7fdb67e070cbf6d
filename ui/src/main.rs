//! Backstop's user interface: a Leptos 0.8 client-side app compiled to wasm32
//! and loaded by the Tauri window.
//!
//! The UI holds view state only. Everything durable lives in the project
//! file and every computation runs in the backend; the UI reaches both
//! through [`ipc`], the one typed module that calls Tauri. Components never
//! call `invoke` directly and never unwrap a command's result: failures reach
//! the engineer through [`components::notices`].

mod app;
mod areas;
mod bench;
mod components;
mod ipc;
mod link_state;
mod number;
mod state;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
