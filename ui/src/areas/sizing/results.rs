//! Showing what the engine computed: diagnostics, the calculation sheet,
//! charts (SVG drawn by the backend), the methods side by side, and the
//! optimizer.

use backstop_model::sizing::{
    CalcSheet, Candidate, DiagSeverity, LineKind, Objective, OptimizeOptions, OptimizeResult, SizingDiagnostic, UpsMethod, UpsResult,
};
use backstop_model::sizing_view::{ChartSvg, OptimizeRequest, ProfileLineError};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::fields::{TypedNumber, fmt, fmt_opt, parse_typed};
use crate::ipc;
use crate::state::use_project;

fn severity(d: DiagSeverity) -> (&'static str, &'static str) {
    match d {
        DiagSeverity::Error => ("pill bad", "error"),
        DiagSeverity::Warning => ("pill warn", "warning"),
        DiagSeverity::Info => ("pill", "note"),
    }
}

/// An imported file's warnings (things worth knowing that are not errors).
#[component]
pub fn ImportWarnings(warnings: Vec<String>) -> impl IntoView {
    (!warnings.is_empty()).then(|| {
        view! { <ul class="diags">{warnings.into_iter().map(|w| view! { <li><span class="pill warn">"warning"</span>" "{w}</li> }).collect_view()}</ul> }
    })
}

/// A refused import: the file and every problem with its line.
#[component]
pub fn ImportErrors(file_name: String, errors: Vec<ProfileLineError>, testid: &'static str) -> impl IntoView {
    view! {
        <div class="profile-errors" data-testid=testid>
            <p><span class="pill bad">"not imported"</span>{format!(" {} has {} problem(s); nothing was changed:", file_name, errors.len())}</p>
            <ul>
                {errors.into_iter().map(|e| view! {
                    <li><span class="mono">{if e.line == 0 { "file".to_string() } else { format!("line {}", e.line) }}</span>" "{e.message}</li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// Diagnostics: which constraint, what is wrong, required versus found.
#[component]
pub fn Diagnostics(diags: Vec<SizingDiagnostic>, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let testid = if testid.is_empty() { "diagnostics" } else { testid };
    if diags.is_empty() {
        return view! { <p class="muted" data-testid=testid>"No problems: every constraint is met."</p> }.into_any();
    }
    let mut diags = diags;
    diags.sort_by_key(|d| d.severity);
    view! {
        <ul class="diags" data-testid=testid>
            {diags.into_iter().map(|d| {
                let (class, word) = severity(d.severity);
                let numbers = match (d.required, d.actual) {
                    (Some(r), Some(a)) => Some(format!("required {} {u}, found {} {u} (off by {} {u})", fmt(r), fmt(a), fmt((a - r).abs()), u = d.unit)),
                    _ => None,
                };
                view! {
                    <li class="diag">
                        <span class=class>{word}</span>
                        <span class="mono constraint">{d.constraint.clone()}</span>
                        <span>{d.message.clone()}</span>
                        {numbers.map(|n| view! { <span class="muted mono">{n}</span> })}
                        {(!d.field.is_empty()).then(|| {
                            let name = backstop_model::sizing::field_label(&d.field).unwrap_or(&d.field).to_string();
                            view! { <span class="muted small" title=d.field.clone()>{format!("field: {name}")}</span> }
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

fn kind_label(k: LineKind) -> (&'static str, &'static str) {
    match k {
        LineKind::Input => ("input", "k-input"),
        LineKind::Factor => ("factor", "k-factor"),
        LineKind::Data => ("data", "k-data"),
        LineKind::Intermediate => ("calc", "k-calc"),
        LineKind::Result => ("result", "k-result"),
        LineKind::Check => ("check", "k-check"),
    }
}

/// Text for HTML: `&`, `<`, `>` and quotes escaped.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The sheet as HTML (every text escaped). Built as one string and set in
/// one DOM operation: a UPS sheet is about 800 elements and is redrawn on
/// every keystroke, which node by node across the wasm boundary costs more
/// than the engine's computation.
fn sheet_html(sheet: &CalcSheet) -> String {
    use std::fmt::Write;
    let mut h = String::with_capacity(32 * 1024);
    let _ = write!(h, "<h3>{}</h3>", esc(&sheet.title));
    for sec in &sheet.sections {
        let _ = write!(h, "<h4>{}</h4>", esc(&sec.title));
        if !sec.note.is_empty() {
            let _ = write!(h, "<p class=\"muted small\">{}</p>", esc(&sec.note));
        }
        h.push_str("<table class=\"data sheet-table\"><thead><tr><th></th><th>Quantity</th><th>Formula</th><th class=\"num\">Value</th><th>Source</th></tr></thead><tbody>");
        for l in &sec.lines {
            let (word, class) = kind_label(l.kind);
            let value = match l.value {
                Some(v) => format!("{} {}", fmt(v), l.unit).trim().to_string(),
                None => format!("{} {}", l.text, l.unit).trim().to_string(),
            };
            let quantity = if l.symbol.is_empty() { l.label.clone() } else { format!("{} ({})", l.label, l.symbol) };
            let extra = if l.value.is_some() && !l.text.is_empty() {
                format!("<div class=\"muted\">{}</div>", esc(&l.text))
            } else {
                String::new()
            };
            let _ = write!(
                h,
                "<tr class=\"{class}\" data-testid=\"sheet-line\"><td><span class=\"kind\">{word}</span></td><td>{}</td><td class=\"mono formula\">{}{extra}</td><td class=\"num mono\">{}</td><td class=\"source\" data-testid=\"sheet-source\">{}</td></tr>",
                esc(&quantity),
                esc(&l.formula),
                esc(&value),
                esc(&l.source),
            );
        }
        h.push_str("</tbody></table>");
    }
    h
}

/// The calculation sheet: every line with its formula, value and source.
#[component]
pub fn Sheet(sheet: CalcSheet) -> impl IntoView {
    let html = sheet_html(&sheet);
    view! { <div class="sheet" data-testid="calc-sheet" inner_html=html></div> }
}

/// Charts as drawn by the backend (the same as in the PDF report).
#[component]
pub fn Charts(
    charts: Vec<ChartSvg>,
    seq: u64,
    /// The result is whole (a smoothing case's first part lacks its trade-off curve).
    #[prop(default = true)]
    complete: bool,
) -> impl IntoView {
    if charts.is_empty() {
        return view! { <p class="muted">"No charts: the case has no result to plot yet."</p> }.into_any();
    }
    view! {
        <div class="charts" data-testid="charts" data-seq=seq.to_string() data-complete=complete.to_string()>
            {charts.into_iter().map(|c| view! {
                <figure class="chart" data-testid=format!("chart-{}", c.id) data-seq=seq.to_string() title=c.title.clone() inner_html=c.svg></figure>
            }).collect_view()}
            {(!complete).then(|| view! {
                <figure class="chart-pending" data-testid="chart-pending"><p class="muted">"Ramp-limit trade-off: computing…"</p></figure>
            })}
        </div>
    }
    .into_any()
}

fn method_short(m: UpsMethod) -> &'static str {
    match m {
        UpsMethod::ConstantPower => "Constant-power table",
        UpsMethod::DutyCycle => "IEEE 485/1115 duty cycle",
        UpsMethod::Ecm => "Equivalent circuit (ECM)",
    }
}

/// The methods of a UPS result side by side.
#[component]
pub fn UpsComparison(result: UpsResult) -> impl IntoView {
    let methods = result.methods.clone();
    let governing = result.governing;
    type Row = (&'static str, Box<dyn Fn(&backstop_model::sizing::UpsMethodResult) -> String>);
    let cfg = |f: fn(&backstop_model::sizing::BatteryConfig) -> String| -> Box<dyn Fn(&backstop_model::sizing::UpsMethodResult) -> String> {
        Box::new(move |m| m.config.as_ref().map_or("–".into(), f))
    };
    let rows: Vec<Row> = vec![
        ("Verdict", Box::new(|m| if m.feasible { "feasible".into() } else { "NOT feasible".into() })),
        ("Battery unit", cfg(|c| c.battery_key.clone())),
        ("Units in series per string", cfg(|c| c.units_in_series.to_string())),
        ("Cells in series", cfg(|c| c.cells_in_series.to_string())),
        ("End voltage", cfg(|c| format!("{} V/cell", fmt(c.end_v_cell)))),
        ("Strings needed / installed", cfg(|c| format!("{} / {}", c.strings_needed, c.strings))),
        ("Units installed", cfg(|c| c.units.to_string())),
        ("Cabinets / enclosures", cfg(|c| c.enclosures.to_string())),
        ("Installed energy", cfg(|c| format!("{} kWh", fmt(c.energy_kwh)))),
        ("Battery power", cfg(|c| format!("{} kW", fmt(c.power_kw)))),
        ("C-rate (strings needed)", cfg(|c| format!("{} C", fmt(c.c_rate)))),
        ("Runtime, new (BOL)", Box::new(|m| fmt_opt(m.runtime_bol_min, "min"))),
        ("Runtime, end of life (EOL)", Box::new(|m| fmt_opt(m.runtime_eol_min, "min"))),
        ("Voltage margin to cut-off (EOL)", Box::new(|m| fmt_opt(m.voltage_margin_v, "V"))),
        ("Highest string current", Box::new(|m| fmt_opt(m.max_current_a, "A"))),
        ("Capacity required per string", Box::new(|m| fmt_opt(m.required_ah, "Ah"))),
        ("Ah form (constant-current check)", Box::new(|m| fmt_opt(m.ah_form, "Ah"))),
        ("Footprint", cfg(|c| format!("{} m²", fmt(c.footprint_m2)))),
        ("Weight", cfg(|c| format!("{} kg", fmt(c.mass_kg)))),
        ("Heat at design load", cfg(|c| format!("{} kW", fmt(c.heat_kw)))),
        ("Cost", cfg(|c| fmt(c.cost))),
    ];
    view! {
        <table class="data compare" data-testid="method-compare">
            <thead>
                <tr>
                    <th></th>
                    {methods.iter().map(|m| {
                        let gov = governing == Some(m.method);
                        view! { <th class:governs=gov>{method_short(m.method)}{gov.then(|| view! { <span class="pill ok">"governs"</span> })}</th> }
                    }).collect_view()}
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|(label, f)| view! {
                    <tr>
                        <th>{label}</th>
                        {methods.iter().map(|m| {
                            let text = f(m);
                            let bad = text == "NOT feasible";
                            view! { <td class="num" class:bad=bad class:governs=governing == Some(m.method) data-testid=format!("cmp-{}-{}", method_id(m.method), slug(label))>{text}</td> }
                        }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Stable id of a method for test ids.
pub fn method_id(m: UpsMethod) -> &'static str {
    match m {
        UpsMethod::ConstantPower => "table",
        UpsMethod::DutyCycle => "duty",
        UpsMethod::Ecm => "ecm",
    }
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The optimizer: objective and limits, the best configurations and why
/// each rejected family failed. `request` builds the request from the form
/// (an error when the form is not complete); `on_use` applies a candidate.
#[component]
pub fn Optimizer(request: Callback<OptimizeOptions, Result<OptimizeRequest, String>>, on_use: Callback<Candidate>) -> impl IntoView {
    let project = use_project();
    let objective = RwSignal::new("cost".to_string());
    let keep = RwSignal::new("5".to_string());
    let max_strings = RwSignal::new("64".to_string());
    let max_area = RwSignal::new(String::new());
    let ul = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let out = RwSignal::new(None::<OptimizeResult>);
    let run = move |_| {
        let n = |s: RwSignal<String>, d: f64| match parse_typed(&s.get_untracked()) {
            TypedNumber::Value(v) if v >= 0.0 => v,
            _ => d,
        };
        let options = OptimizeOptions {
            objective: if objective.get_untracked() == "footprint" { Objective::Footprint } else { Objective::Cost },
            keep: n(keep, 5.0).clamp(1.0, 50.0) as usize,
            battery_keys: vec![],
            require_ul9540: ul.get_untracked(),
            max_strings: n(max_strings, 64.0).clamp(1.0, 1000.0) as u32,
            max_footprint_m2: n(max_area, 0.0),
        };
        match request.run(options) {
            Err(why) => project.report(backstop_model::AppError::invalid(format!("The optimizer needs a complete case: {why}."))),
            Ok(req) => spawn_local(async move {
                busy.set(true);
                match ipc::sizing_optimize(&req).await {
                    Ok(r) => out.set(Some(r)),
                    Err(e) => project.report(e),
                }
                busy.set(false);
            }),
        }
    };
    view! {
        <div class="card" data-testid="optimizer">
            <h2>"Optimizer"</h2>
            <p class="muted">"Searches every battery in the catalog × series count × strings for the configurations that meet every constraint of this case, cheapest or smallest first."</p>
            <div class="inline-form">
                <label>"Minimise " <select data-testid="opt-objective" on:change=move |ev| objective.set(event_target_value(&ev))>
                    <option value="cost" selected=true>"cost"</option>
                    <option value="footprint">"footprint"</option>
                </select></label>
                <label>"keep " <input class="short" type="text" prop:value=move || keep.get() on:input=move |ev| keep.set(event_target_value(&ev))/></label>
                <label>"max strings " <input class="short" type="text" prop:value=move || max_strings.get() on:input=move |ev| max_strings.set(event_target_value(&ev))/></label>
                <label>"max area m² " <input class="short" type="text" placeholder="none" prop:value=move || max_area.get() on:input=move |ev| max_area.set(event_target_value(&ev))/></label>
                <label><input type="checkbox" prop:checked=move || ul.get() on:change=move |ev| ul.set(event_target_checked(&ev))/>" UL 9540 listed only"</label>
                <button class="btn primary" data-testid="opt-run" disabled=move || busy.get() on:click=run>{move || if busy.get() { "Searching…" } else { "Run optimizer" }}</button>
            </div>
            {move || out.get().map(|r| {
                let objective_unit = match r.objective { Objective::Cost => "cost", Objective::Footprint => "m²" };
                view! {
                    <p class="muted" data-testid="opt-summary">{format!("{} candidate configurations evaluated; {} meet every constraint shown; {} families rejected.", fmt(r.candidates_evaluated as f64), r.best.len(), r.rejected.len())}</p>
                    {(!r.diagnostics.is_empty()).then(|| view! { <Diagnostics diags=r.diagnostics.clone() testid="opt-diagnostics"/> })}
                    <div class="table-scroll"><table class="data" data-testid="opt-best">
                        <thead><tr><th>"#"</th><th>"Battery"</th><th class="num">"Cells in series"</th><th class="num">"Strings"</th><th class="num">"Units"</th><th class="num">"Cabinets"</th><th class="num">"Energy kWh"</th><th class="num">"EOL runtime min"</th><th class="num">"Footprint m²"</th><th class="num">"Cost"</th><th class="num">{format!("Objective ({objective_unit})")}</th><th></th></tr></thead>
                        <tbody>
                            {r.best.iter().enumerate().map(|(i, c)| {
                                let cand = c.clone();
                                view! {
                                    <tr>
                                        <td>{i + 1}</td>
                                        <td class="mono">{c.config.battery_key.clone()}</td>
                                        <td class="num">{c.config.cells_in_series}</td>
                                        <td class="num">{format!("{} ({} needed)", c.config.strings, c.config.strings_needed)}</td>
                                        <td class="num">{c.config.units}</td>
                                        <td class="num">{c.config.enclosures}</td>
                                        <td class="num">{fmt(c.config.energy_kwh)}</td>
                                        <td class="num">{fmt(c.runtime_eol_min)}</td>
                                        <td class="num">{fmt(c.config.footprint_m2)}</td>
                                        <td class="num">{fmt(c.config.cost)}</td>
                                        <td class="num">{fmt(c.objective_value)}</td>
                                        <td><button class="btn small" data-testid="opt-use" on:click=move |_| on_use.run(cand.clone())>"Use"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                    {(!r.rejected.is_empty()).then(|| view! {
                        <h3>"Rejected families"</h3>
                        <table class="data" data-testid="opt-rejected">
                            <thead><tr><th>"Battery"</th><th>"Constraint"</th><th>"Why"</th></tr></thead>
                            <tbody>
                                {r.rejected.iter().map(|x| view! {
                                    <tr><td class="mono">{x.battery_key.clone()}</td><td class="mono">{x.constraint.clone()}</td><td>{x.reason.clone()}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                }
            })}
        </div>
    }
}
