//! Small SVG charts drawn in the UI (live trends). Report-quality charts
//! come from the backend (plotters); these must redraw on every sample.

use leptos::prelude::*;

/// A line over time with its min/max and latest value labelled.
#[component]
pub fn Sparkline(#[prop(into)] points: Signal<Vec<(f64, f64)>>, width: u32, height: u32) -> impl IntoView {
    let path = move || {
        let pts = points.get();
        if pts.len() < 2 {
            return (String::new(), String::new(), String::new(), String::new());
        }
        let (x0, x1) = (pts[0].0, pts[pts.len() - 1].0);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &(_, y) in &pts {
            lo = lo.min(y);
            hi = hi.max(y);
        }
        let span_y = if hi - lo < 1e-9 { 1.0 } else { hi - lo };
        let span_x = if x1 - x0 < 1e-9 { 1.0 } else { x1 - x0 };
        let (w, h) = (width as f64 - 60.0, height as f64 - 20.0);
        let d: Vec<String> =
            pts.iter().map(|&(x, y)| format!("{:.1},{:.1}", 50.0 + (x - x0) / span_x * w, 10.0 + (hi - y) / span_y * h)).collect();
        let last = pts[pts.len() - 1].1;
        (format!("M{}", d.join(" L")), crate::link_state::trim(hi), crate::link_state::trim(lo), crate::link_state::trim(last))
    };
    view! {
        <svg class="sparkline" width=width height=height viewBox=format!("0 0 {width} {height}") data-testid="trend">
            <rect x="50" y="10" width=width - 60 height=height - 20 fill="#fafbfd" stroke="#d5dde7"/>
            <path d=move || path().0 fill="none" stroke="#1d3557" stroke-width="2"/>
            <text x="4" y="16" font-size="11" fill="#5b6b80">{move || path().1}</text>
            <text x="4" y=height - 6 font-size="11" fill="#5b6b80">{move || path().2}</text>
            <text x=width - 8 y="24" font-size="12" text-anchor="end" fill="#1d3557">{move || {
                let p = path();
                if p.0.is_empty() { "waiting for samples…".to_string() } else { format!("now {}", p.3) }
            }}</text>
        </svg>
    }
}
