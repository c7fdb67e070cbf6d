//! The about/status panel. Every value shown comes from the backend's
//! `about` command; if the call fails the panel says so instead.

use backstop_model::AppError;
use backstop_model::about::AboutInfo;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;

#[component]
pub fn AboutPanel(on_close: Callback<()>) -> impl IntoView {
    let info: RwSignal<Option<Result<AboutInfo, AppError>>> = RwSignal::new(None);
    spawn_local(async move {
        info.set(Some(ipc::about().await));
    });
    view! {
        <div class="overlay" on:click=move |_| on_close.run(())>
            <div class="dialog" data-testid="about-panel" on:click=|ev| ev.stop_propagation()>
                <header>
                    <img src="./icon.png" alt="" />
                    <div>
                        <h2>"Backstop"</h2>
                        <div class="muted">"Battery backstop design and commissioning"</div>
                    </div>
                </header>
                {move || match info.get() {
                    None => view! { <p class="muted">"Asking the backend…"</p> }.into_any(),
                    Some(Err(err)) => view! {
                        <p class="pill bad" data-testid="about-error">
                            {format!("Build facts unavailable: {} ({})", err.message, err.code.as_str())}
                        </p>
                    }.into_any(),
                    Some(Ok(a)) => view! {
                        <table class="kv">
                            <tr><th>"Version"</th><td data-testid="about-version">{a.version}</td></tr>
                            <tr><th>"Build"</th><td data-testid="about-build">{format!("{} ({})", a.build, a.profile)}</td></tr>
                            <tr><th>"Compiler"</th><td data-testid="about-rustc">{a.rustc}</td></tr>
                            <tr><th>"Tauri"</th><td data-testid="about-tauri">{a.tauri}</td></tr>
                            <tr><th>"Target"</th><td>{a.target}</td></tr>
                            <tr><th>"Start-up"</th><td data-testid="about-startup">
                                {a.first_paint_ms.map(|ms| format!("first paint {ms:.0} ms after launch")).unwrap_or_else(|| "not measured".into())}
                            </td></tr>
                            <tr><th>"Project file"</th><td data-testid="about-project">
                                {a.project_path.unwrap_or_else(|| "none open".into())}
                            </td></tr>
                            <tr><th>"Demo pack link"</th><td data-testid="about-demo-link">
                                {a.demo_link.unwrap_or_else(|| "not started with the demo".into())}
                            </td></tr>
                        </table>
                    }.into_any(),
                }}
                <footer>
                    <button class="btn primary" data-testid="about-close" on:click=move |_| on_close.run(())>"Close"</button>
                </footer>
            </div>
        </div>
    }
}
