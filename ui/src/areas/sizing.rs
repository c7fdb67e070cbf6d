//! Sizing area: UPS ride-through and peak-shaving cases with calculation sheets.

use leptos::prelude::*;

#[component]
pub fn SizingArea() -> impl IntoView {
    view! {
        <section data-testid="area-sizing">
            <h1>"Sizing"</h1>
            <p class="lede">"UPS ride-through and peak-shaving cases, compared side by side, each with the calculation sheet behind every number."</p>
        </section>
    }
}
