//! Layout area: rooms, racks and battery cabinets on a floor plan.

use leptos::prelude::*;

#[component]
pub fn LayoutArea() -> impl IntoView {
    view! {
        <section data-testid="area-layout">
            <h1>"Layout"</h1>
            <p class="lede">"Rooms, IT racks and battery cabinets on the floor plan, with code-compliance checks and the bill of materials."</p>
        </section>
    }
}
