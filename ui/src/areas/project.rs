//! Project area: the open site file — client, site, engineer, revisions.

use leptos::prelude::*;

#[component]
pub fn ProjectArea() -> impl IntoView {
    view! {
        <section data-testid="area-project">
            <h1>"Project"</h1>
            <p class="lede">"Client, site and engineer of the open project file, its revision history and file operations."</p>
        </section>
    }
}
