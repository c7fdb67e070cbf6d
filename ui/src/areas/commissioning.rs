//! Commissioning area: live link to pack controllers and the checklist.

use leptos::prelude::*;

#[component]
pub fn CommissioningArea() -> impl IntoView {
    view! {
        <section data-testid="area-commissioning">
            <h1>"Commissioning"</h1>
            <p class="lede">"Connect to the installed pack controllers over RS-485 or TCP, watch them live and walk the acceptance checklist."</p>
        </section>
    }
}
