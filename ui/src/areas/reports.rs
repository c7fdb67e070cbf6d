//! Reports area: the design report and the commissioning report, previewed
//! page by page and exported as PDF (typeset by the backend).

use backstop_model::workspace::ReportKind;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ipc;
use crate::state::use_project;

#[component]
pub fn ReportsArea() -> impl IntoView {
    let project = use_project();
    let kind = RwSignal::new(ReportKind::Design);
    let pages = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let preview = move |k: ReportKind| {
        kind.set(k);
        spawn_local(async move {
            busy.set(true);
            match ipc::report_preview(k).await {
                Ok(p) => pages.set(p),
                Err(e) => project.report(e),
            }
            busy.set(false);
        });
    };
    let export = move |k: ReportKind| {
        spawn_local(async move {
            match ipc::report_export(k).await {
                Ok(path) => project.notify(format!("Report saved to {path}.")),
                Err(e) => project.report(e),
            }
        });
    };
    view! {
        <section data-testid="area-reports">
            <h1>"Reports"</h1>
            <p class="lede">"The design report and the signed commissioning report, previewed and exported as PDF."</p>
            <div class="grid2">
                <div class="card">
                    <h2>"Design report"</h2>
                    <p class="muted">"Project data, the floor plan, bill of materials, sizing calculation sheets with charts, and the rule-check results."</p>
                    <div class="toolbar">
                        <button class="btn" data-testid="preview-design" on:click=move |_| preview(ReportKind::Design)>"Preview"</button>
                        <button class="btn primary" on:click=move |_| export(ReportKind::Design)>"Export PDF…"</button>
                    </div>
                </div>
                <div class="card">
                    <h2>"Commissioning report"</h2>
                    <p class="muted">"The checklist with its evidence, pack controllers against the design, the as-left configuration, deviations, trends and the sign-off."</p>
                    <div class="toolbar">
                        <button class="btn" data-testid="preview-commissioning" on:click=move |_| preview(ReportKind::Commissioning)>"Preview"</button>
                        <button class="btn primary" on:click=move |_| export(ReportKind::Commissioning)>"Export PDF…"</button>
                    </div>
                </div>
            </div>
            <Show when=move || busy.get()>
                <p class="muted">"Typesetting…"</p>
            </Show>
            <div class="pages" data-testid="report-pages">
                {move || pages.get().into_iter().enumerate().map(|(i, svg)| view! {
                    <div class="page" data-testid="report-page" title=format!("page {}", i + 1) inner_html=svg></div>
                }).collect_view()}
            </div>
        </section>
    }
}
