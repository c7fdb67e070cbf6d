//! Reports area: design and commissioning reports as PDF.

use leptos::prelude::*;

#[component]
pub fn ReportsArea() -> impl IntoView {
    view! {
        <section data-testid="area-reports">
            <h1>"Reports"</h1>
            <p class="lede">"The design report and the signed commissioning report, previewed and exported as PDF."</p>
        </section>
    }
}
