//! Form fields of the sizing forms: numbers typed as text, checked for
//! completeness here (an incomplete number is never sent), checked for
//! range by the engine (its diagnostics name the field and are shown under
//! it).

use backstop_model::sizing::{DiagSeverity, SizingDiagnostic};
use leptos::prelude::*;

pub use backstop_model::number::{TypedNumber, parse_typed, read_number};

/// A number for display in a field: shortest form, no float noise.
pub fn show(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let r = (v * 1e9).round() / 1e9;
    let s = format!("{r}");
    if s == "-0" { "0".into() } else { s }
}

/// A number for display in results: grouped thousands, sensible decimals.
pub fn fmt(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    let decimals = if a >= 1000.0 || a == 0.0 {
        0
    } else if a >= 100.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    let s = format!("{v:.decimals$}");
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (s.clone(), String::new()),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", int),
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{frac}")
}

/// An optional number: `None` when absent.
pub fn fmt_opt(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(v) => format!("{} {unit}", fmt(v)).trim().to_string(),
        None => "–".into(),
    }
}

/// Diagnostics that belong to the field at `path` (or inside it).
pub fn for_field(diags: &[SizingDiagnostic], path: &str) -> Vec<SizingDiagnostic> {
    diags
        .iter()
        .filter(|d| d.severity != DiagSeverity::Info)
        .filter(|d| d.field == path || d.field.starts_with(&format!("{path}.")) || d.field.starts_with(&format!("{path}[")))
        .cloned()
        .collect()
}

/// A number input with its label, unit, completeness state and the engine's
/// diagnostics for its field. `on_edit` runs on every input event (the
/// caller decides when to compute).
#[component]
pub fn NumField(
    label: &'static str,
    unit: &'static str,
    testid: &'static str,
    text: RwSignal<String>,
    /// Engine field path whose diagnostics are shown here.
    path: &'static str,
    #[prop(into)] diags: Signal<Vec<SizingDiagnostic>>,
    on_edit: Callback<()>,
    /// Empty means "use the default / none".
    #[prop(optional)]
    optional: bool,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] disabled: Signal<bool>,
) -> impl IntoView {
    let state = move || parse_typed(&text.get());
    let problems = move || for_field(&diags.get(), path);
    view! {
        <label class="field num-field" class:bad=move || matches!(state(), TypedNumber::Invalid | TypedNumber::Ambiguous) || (!optional && state() == TypedNumber::Empty) || problems().iter().any(|d| d.severity == DiagSeverity::Error)>
            <span>{label}</span>
            <div class="num-input">
                <input type="text" inputmode="decimal" data-testid=testid prop:value=move || text.get()
                    disabled=move || disabled.get()
                    placeholder=if optional { "default" } else { "" }
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        on_edit.run(());
                    }/>
                <span class="unit">{unit}</span>
            </div>
            {move || match state() {
                TypedNumber::Invalid => Some(view! { <small class="field-error">"not a number"</small> }.into_any()),
                TypedNumber::Ambiguous => Some(view! { <small class="field-error">{read_number(&text.get(), "The value").err()}</small> }.into_any()),
                TypedNumber::Empty if !optional => Some(view! { <small class="field-error">"required"</small> }.into_any()),
                TypedNumber::Incomplete => Some(view! { <small class="muted">"…"</small> }.into_any()),
                _ => None,
            }}
            {move || problems().into_iter().map(|d| view! {
                <small class=if d.severity == DiagSeverity::Error { "field-error" } else { "field-warn" } data-testid=format!("{testid}-problem")>{in_field_units(&d, unit)}</small>
            }).collect_view()}
            {(!hint.is_empty()).then(|| view! { <small class="muted">{hint}</small> })}
        </label>
    }
}

/// The engine's message for a field, in the field's units: the engine
/// checks fractions (0.96) where the form shows percentages (96 %).
fn in_field_units(d: &SizingDiagnostic, unit: &str) -> String {
    match (unit, d.required, d.actual) {
        ("%", Some(r), Some(a)) => {
            let side = if a > r { "above the highest" } else { "below the lowest" };
            format!("{} % is {side} accepted value, {} %.", show(a * 100.0), show(r * 100.0))
        }
        _ => d.message.clone(),
    }
}

/// Why the form cannot be computed yet: the first field that is empty,
/// incomplete or not a number.
#[derive(Debug, Clone, PartialEq)]
pub struct NotReady(pub String);

/// A required number from a field.
pub fn req(text: &RwSignal<String>, what: &str) -> Result<f64, NotReady> {
    num_of(&text.get_untracked(), what)
}

/// A required number from text.
pub fn num_of(text: &str, what: &str) -> Result<f64, NotReady> {
    match parse_typed(text) {
        TypedNumber::Value(v) => Ok(v),
        TypedNumber::Empty => Err(NotReady(format!("{what} is empty"))),
        TypedNumber::Incomplete => Err(NotReady(format!("{what} is being typed"))),
        TypedNumber::Invalid => Err(NotReady(format!("{what} is not a number"))),
        TypedNumber::Ambiguous => Err(NotReady(read_number(text, what).err().unwrap_or_default())),
    }
}

/// An optional number from a field (`None` when empty).
pub fn opt(text: &RwSignal<String>, what: &str) -> Result<Option<f64>, NotReady> {
    match parse_typed(&text.get_untracked()) {
        TypedNumber::Empty => Ok(None),
        TypedNumber::Value(v) => Ok(Some(v)),
        TypedNumber::Incomplete => Err(NotReady(format!("{what} is being typed"))),
        TypedNumber::Invalid => Err(NotReady(format!("{what} is not a number"))),
        TypedNumber::Ambiguous => Err(NotReady(read_number(&text.get_untracked(), what).err().unwrap_or_default())),
    }
}

/// A percentage field as a fraction.
pub fn pct(text: &RwSignal<String>, what: &str) -> Result<f64, NotReady> {
    req(text, what).map(|v| v / 100.0)
}

/// A whole number ≥ 0 from a field.
pub fn whole(text: &RwSignal<String>, what: &str) -> Result<u32, NotReady> {
    let v = req(text, what)?;
    if v < 0.0 || v.fract() != 0.0 || v > f64::from(u32::MAX) {
        return Err(NotReady(format!("{what} must be a whole number")));
    }
    Ok(v as u32)
}

/// A catalog picker: battery entries (`battery`) or PCS units, plus "none"
/// (`none_label`: the case is then sized in power and energy only).
#[allow(clippy::too_many_arguments)]
pub fn catalog_select(
    label: &'static str,
    testid: &'static str,
    sig: RwSignal<String>,
    battery: bool,
    none_label: &'static str,
    catalog: RwSignal<Option<backstop_model::sizing_view::CatalogView>>,
    disabled: Signal<bool>,
    on_edit: Callback<()>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <select data-testid=testid disabled=move || disabled.get() on:change=move |ev| { sig.set(event_target_value(&ev)); on_edit.run(()); }>
                <option value="" selected=move || sig.get().is_empty()>{none_label}</option>
                {move || {
                    let cur = sig.get();
                    catalog.get().map(|c| c.entries.into_iter().filter(|i| if battery { i.entry.battery.is_some() } else { i.entry.kind == backstop_model::catalog::EntryKind::Pcs }).map(|i| {
                        let sel = i.entry.key == cur;
                        view! { <option value=i.entry.key.clone() selected=sel>{format!("{} — {}", i.entry.key, i.entry.display_name())}</option> }
                    }).collect_view())
                }}
            </select>
        </label>
    }
}
