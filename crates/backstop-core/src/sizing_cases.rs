//! Glue between the Sizing commands, the sizing engine and the project
//! file: cases and results as records, the catalog the project sizes with,
//! load profiles and power traces held for computing, and charts drawn as SVG.
//!
//! How a case lives in the file (kinds in [`backstop_model::sizing_view`]):
//! a `ups-case` / `peak-case` / `smooth-case` record in `sizing_cases` (body
//! = the case), for a peak case its CSV as a `load-profile` record
//! `<key>-profile`, for a smoothing case sized over a measured trace its
//! samples as a `power-trace` record under the same key, and
//! its result as `ups-result` / `peak-result` `<key>-result` in
//! `sizing_results` (body = the engine's result, which the design report
//! prints). Catalog entries a saved case uses are copied into the project
//! (`Edit::use_catalog_entry`), so the project reopens identically when the
//! built-in catalog changes. Every user action is one undoable edit.
//!
//! Nothing here sizes anything: the numbers come from `backstop-sizing`,
//! the charts from `backstop-report`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use backstop_model::catalog::{CatalogEntry, FieldError};
use backstop_model::project::{Design, Record};
use backstop_model::record::{Body, RecordKind};
use backstop_model::sizing::{ChartSeries, DiagSeverity, OptimizeResult, PeakCase, PeakResult, SizingDiagnostic, UpsCase, UpsResult};
use backstop_model::sizing_smooth::{SmoothCase, SmoothResult};
use backstop_model::sizing_view::{
    CaseKind, CaseListItem, CatalogItem, CatalogPutOutcome, CatalogView, ChartSvg, EntryOrigin, LOAD_PROFILE_KIND, OptimizeRequest,
    PEAK_CASE_KIND, PEAK_RESULT_KIND, POWER_TRACE_KIND, PeakComputed, ProfileImport, ProfileInfo, ProfileLineError, SMOOTH_CASE_KIND,
    SMOOTH_RESULT_KIND, SaveCaseRequest, SizingCase, SizingOverview, SmoothComputed, SmoothPresetChoice, StoredCase, StoredProfile,
    TraceImport, TraceInfo, UPS_CASE_KIND, UPS_RESULT_KIND, UpsComputed, is_case_data_kind, profile_key, result_key,
};
use backstop_model::{AppError, ErrorCode};
use backstop_report::charts::{LineChart, Series};
use backstop_sizing::smooth::PowerTrace;
use backstop_sizing::{LoadProfile, defaults};
use backstop_store::{Access, Project};

use crate::session::store_error;

// ---------------------------------------------------------------------------
// Catalog.
// ---------------------------------------------------------------------------

/// The project's catalog records split into sizing entries and the rest
/// (e.g. IT-rack records, listed as "key (kind)").
pub fn project_entries(design: &Design) -> (Vec<CatalogEntry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut other = Vec::new();
    for rec in &design.catalog {
        match rec.catalog_entry() {
            Some(e) => entries.push(e),
            None => other.push(format!("{} ({})", rec.key, rec.kind)),
        }
    }
    (entries, other)
}

/// The catalog a project sizes with: built-in entries, replaced and extended
/// by the project's own.
pub fn catalog_of(design: Option<&Design>) -> Vec<CatalogEntry> {
    let extra = design.map(|d| project_entries(d).0).unwrap_or_default();
    backstop_sizing::merged(backstop_sizing::default_catalog(), &extra)
}

/// The catalog browser's view.
pub fn catalog_view(design: Option<&Design>) -> CatalogView {
    let (extra, other_records) = design.map(project_entries).unwrap_or_default();
    let builtin = backstop_sizing::default_catalog();
    let mut entries: Vec<CatalogItem> = backstop_sizing::merged(builtin, &extra)
        .into_iter()
        .map(|entry| {
            let origin = match (extra.iter().any(|e| e.key == entry.key), builtin.iter().find(|b| b.key == entry.key)) {
                (false, _) => EntryOrigin::Builtin,
                (true, Some(b)) if *b == entry => EntryOrigin::ProjectCopy,
                (true, Some(_)) => EntryOrigin::ProjectOverride,
                (true, None) => EntryOrigin::Project,
            };
            let problems = backstop_sizing::validate_entry(&entry);
            CatalogItem { entry, origin, problems }
        })
        .collect();
    entries.sort_by(|a, b| a.entry.key.cmp(&b.entry.key));
    CatalogView { entries, other_records }
}

/// Adds or replaces a project catalog entry given as JSON (one edit). An
/// entry with errors is not saved; warnings (missing sources) do not block.
pub fn put_catalog_entry(project: &mut Project, json: &str) -> Result<CatalogPutOutcome, AppError> {
    let mut entry = match serde_json::from_str::<CatalogEntry>(json) {
        Ok(e) => e,
        Err(e) => {
            return Ok(CatalogPutOutcome {
                saved: false,
                problems: vec![FieldError {
                    field: "json".into(),
                    message: format!(
                        "the entry could not be read at line {}, column {}: {e}; correct the JSON (every value is a number or {{\"value\": …, \"source\": \"…\"}})",
                        e.line(),
                        e.column()
                    ),
                    warning: false,
                }],
            });
        }
    };
    entry.builtin = false;
    let problems = backstop_sizing::validate_entry(&entry);
    if problems.iter().any(|p| !p.warning) {
        return Ok(CatalogPutOutcome { saved: false, problems });
    }
    let design = project.design().map_err(store_error)?;
    let exists = design.catalog.iter().any(|r| r.key == entry.key);
    let label = if exists { format!("Edit catalog entry {}", entry.key) } else { format!("Add catalog entry {}", entry.key) };
    project.edit(&label, |e| e.use_catalog_entry(&entry)).map_err(store_error)?;
    Ok(CatalogPutOutcome { saved: true, problems })
}

/// Removes a project catalog entry (one edit). Refused by the store while
/// placed equipment refers to it.
pub fn delete_catalog_entry(project: &mut Project, key: &str) -> Result<(), AppError> {
    project.edit(&format!("Remove catalog entry {key}"), |e| e.delete_catalog_entry(key)).map_err(store_error)
}

// ---------------------------------------------------------------------------
// Layout facts and the case list.
// ---------------------------------------------------------------------------

fn num(v: f64) -> String {
    backstop_sizing::sheet::fmt_num(v)
}

/// The case-list line of a result that sized nothing: its first error, or
/// `otherwise`.
fn not_feasible<'a>(mut diags: impl Iterator<Item = &'a SizingDiagnostic>, otherwise: &str) -> (String, bool) {
    let why = diags.find(|d| d.severity == DiagSeverity::Error).map_or_else(|| otherwise.to_string(), |d| d.message.clone());
    (format!("not feasible: {why}"), false)
}

/// One line saying what a stored UPS result found.
pub fn ups_summary(r: &UpsResult) -> (String, bool) {
    let governing = r.governing.and_then(|g| r.methods.iter().find(|m| m.method == g));
    match governing.and_then(|m| m.config.as_ref().map(|c| (m, c))) {
        Some((m, c)) => (
            format!(
                "{} × {} ({} strings, {} needed), {} kWh; EOL runtime {} min — {} governs",
                c.units,
                c.battery_key,
                c.strings,
                c.strings_needed,
                num(c.energy_kwh),
                m.runtime_eol_min.map_or("–".into(), num),
                m.method.label()
            ),
            true,
        ),
        None => not_feasible(r.diagnostics.iter().chain(r.methods.iter().flat_map(|m| m.diagnostics.iter())), "no feasible configuration"),
    }
}

/// One line saying what a stored peak result found.
pub fn peak_summary(r: &PeakResult) -> (String, bool) {
    match &r.sizing {
        Some(s) => (
            format!(
                "{} kW threshold: {} kW, {} kWh nameplate ({} kWh installed){}",
                num(s.point.threshold_kw),
                num(s.point.power_kw),
                num(s.point.nameplate_kwh),
                num(s.installed_kwh),
                s.battery_units.map_or(String::new(), |n| format!(", {n} battery units"))
            ),
            r.feasible(),
        ),
        None if !r.sweep.is_empty() => (format!("threshold sweep of {} points", r.sweep.len()), true),
        None => not_feasible(r.diagnostics.iter(), "no sizing"),
    }
}

/// One line for the case list: the storage sized and how the requirements fare.
pub fn smooth_summary(r: &SmoothResult) -> (String, bool) {
    let met = r.checks.iter().filter(|c| c.status == backstop_model::sizing_smooth::CheckStatus::Pass).count();
    let failed = r.checks.iter().filter(|c| c.status == backstop_model::sizing_smooth::CheckStatus::Fail).count();
    let storage = match (&r.battery, &r.supercap) {
        (Some(b), Some(s)) => {
            format!("battery {} MW / {} MWh, supercapacitors {} kWh", num(b.discharge_mw), num(b.usable_mwh), num(s.usable_kwh))
        }
        (Some(b), None) => format!("battery {} MW / {} MWh usable", num(b.discharge_mw), num(b.usable_mwh)),
        (None, Some(s)) => format!("supercapacitors {} kWh usable", num(s.usable_kwh)),
        (None, None) => "no storage".into(),
    };
    let ok = r.feasible();
    if failed > 0 {
        (format!("{storage}; {failed} requirement(s) not met"), false)
    } else if ok {
        (format!("{storage}; {met} requirement(s) met"), true)
    } else {
        not_feasible(r.diagnostics.iter(), "no sizing")
    }
}

fn case_kind(rec: &Record) -> Option<CaseKind> {
    match rec.record_kind() {
        RecordKind::Case(k) => Some(k),
        _ => None,
    }
}

/// The case list, the layout facts and whether the project is read-only.
pub fn overview(project: &Project) -> Result<SizingOverview, AppError> {
    let design = project.design().map_err(store_error)?;
    let catalog = catalog_of(Some(&design));
    let mut cases = Vec::new();
    for rec in design.sizing_cases.iter().filter(|r| !is_case_data_kind(&r.kind)) {
        let kind = case_kind(rec);
        let result = design.sizing_results.iter().find(|r| r.case_key == rec.key);
        let mut item = CaseListItem {
            key: rec.key.clone(),
            kind,
            name: rec.name.clone(),
            summary: "not computed yet".into(),
            has_result: result.is_some(),
            feasible: None,
            problem: None,
        };
        match (kind, rec.read()) {
            (None, _) => item.problem = Some(format!("a \"{}\" case, which this version cannot edit", rec.kind)),
            (Some(_), Body::Unreadable { reason, .. }) => {
                item.problem = Some(format!("the stored case cannot be read ({reason}); recreate it"));
            }
            (Some(_), _) => {}
        }
        if let Some(res) = result {
            let parsed = match res.record.read() {
                Body::UpsResult(r) => Some(ups_summary(&r)),
                Body::PeakResult(r) => Some(peak_summary(&r)),
                Body::SmoothResult(r) => Some(smooth_summary(&r)),
                _ => None,
            };
            match parsed {
                Some((s, ok)) => {
                    item.summary = s;
                    item.feasible = Some(ok);
                }
                None => item.summary = format!("a stored {} this version cannot read; save the case again", res.record.kind),
            }
        }
        cases.push(item);
    }
    Ok(SizingOverview { cases, read_only: project.access() == Access::View, layout: defaults::layout_facts(&design, &catalog) })
}

// ---------------------------------------------------------------------------
// Cases: create, read, rename, delete, save.
// ---------------------------------------------------------------------------

fn record<'a>(design: &'a Design, key: &str) -> Result<&'a Record, AppError> {
    design.sizing_cases.iter().find(|r| r.key == key && !is_case_data_kind(&r.kind)).ok_or_else(|| {
        AppError::new(ErrorCode::NotFound, format!("There is no sizing case \"{key}\" in the project; it may have been undone or deleted."))
    })
}

fn next_key(design: &Design, prefix: &str) -> String {
    (1u32..)
        .map(|n| format!("{prefix}-{n}"))
        .find(|k| !design.sizing_cases.iter().any(|r| &r.key == k) && !design.sizing_results.iter().any(|r| r.case_key == *k))
        .unwrap_or_else(|| format!("{prefix}-x"))
}

fn clean_name(name: &str) -> Result<String, AppError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(AppError::invalid("Give the case a name (it heads its calculation sheet and the report section)."));
    }
    if n.chars().count() > 120 {
        return Err(AppError::invalid("Keep the case name under 120 characters."));
    }
    Ok(n.to_owned())
}

/// Adds a new case (one edit "Add sizing case NAME"); returns its key.
pub fn create_case(project: &mut Project, kind: CaseKind, name: &str) -> Result<String, AppError> {
    let name = clean_name(name)?;
    let design = project.design().map_err(store_error)?;
    let catalog = catalog_of(Some(&design));
    let (key, rec_kind, body) = match kind {
        CaseKind::Ups => {
            let facts = defaults::layout_facts(&design, &catalog);
            (next_key(&design, "ups"), UPS_CASE_KIND, to_json(&defaults::ups_case(&name, &facts, &catalog))?)
        }
        CaseKind::Peak => {
            (next_key(&design, "peak"), PEAK_CASE_KIND, to_json(&defaults::peak_case(&name, &catalog).map_err(AppError::internal)?)?)
        }
        CaseKind::Smooth => (next_key(&design, "smooth"), SMOOTH_CASE_KIND, to_json(&defaults::smooth_case(&name, &catalog))?),
    };
    let rec = Record { key: key.clone(), kind: rec_kind.into(), name: name.clone(), body };
    project.edit(&format!("Add sizing case {name}"), |e| e.put_sizing_case_record(&rec)).map_err(store_error)?;
    Ok(key)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::internal(format!("the sizing data could not be encoded: {e}")))
}

/// A stored case, its profile loaded for computing (peak cases).
pub fn get_case(project: &Project, inputs: &Inputs, key: &str) -> Result<StoredCase, AppError> {
    let design = project.design().map_err(store_error)?;
    let rec = record(&design, key)?;
    let case = match (case_kind(rec), rec.read()) {
        (Some(_), Body::Case(c)) => *c,
        (Some(_), Body::Unreadable { reason, .. }) => {
            return Err(AppError::new(
                ErrorCode::BadProjectFile,
                format!("The sizing case \"{}\" cannot be read by this version ({reason}); delete it and create it again.", rec.name),
            ));
        }
        _ => return Err(AppError::invalid(format!("\"{}\" is a {} case, which this version cannot edit.", rec.name, rec.kind))),
    };
    let profile = match case.kind() {
        CaseKind::Peak => stored_profile(&design, key).map(|p| load_profile(inputs, &p.file_name, p.csv)).and_then(|i| i.profile),
        CaseKind::Ups | CaseKind::Smooth => None,
    };
    let trace = match case.kind() {
        CaseKind::Smooth => stored_trace(&design, key)?.map(|t| {
            let file_name = design.sizing_cases.iter().find(|r| r.key == profile_key(key)).map(|r| r.name.clone()).unwrap_or_default();
            hold_trace(inputs, &file_name, t)
        }),
        CaseKind::Ups | CaseKind::Peak => None,
    };
    let has_result = design.sizing_results.iter().any(|r| r.case_key == key);
    Ok(StoredCase { key: key.to_owned(), name: rec.name.clone(), case, profile, trace, has_result })
}

fn stored_profile(design: &Design, case_key: &str) -> Option<StoredProfile> {
    let pk = profile_key(case_key);
    design.sizing_cases.iter().find(|r| r.key == pk).and_then(|r| match r.read() {
        Body::LoadProfile(p) => Some(*p),
        _ => None,
    })
}

/// Renames a case (record and the name inside it, and its stored result's
/// name) as one edit.
pub fn rename_case(project: &mut Project, key: &str, name: &str) -> Result<(), AppError> {
    let name = clean_name(name)?;
    let design = project.design().map_err(store_error)?;
    let rec = record(&design, key)?.clone();
    if rec.name == name {
        return Ok(());
    }
    let mut body: serde_json::Value = serde_json::from_str(&rec.body)
        .map_err(|e| AppError::new(ErrorCode::BadProjectFile, format!("The sizing case \"{}\" cannot be read ({e}).", rec.name)))?;
    if let Some(obj) = body.as_object_mut() {
        obj.insert("name".into(), serde_json::Value::String(name.clone()));
    }
    let new = Record { name: name.clone(), body: to_json(&body)?, ..rec.clone() };
    let mut results: Vec<_> = design.sizing_results.iter().filter(|r| r.case_key == key).cloned().collect();
    for r in &mut results {
        r.record.name = name.clone();
        if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&r.record.body) {
            if let Some(obj) = v.as_object_mut() {
                obj.insert("case_name".into(), serde_json::Value::String(name.clone()));
            }
            r.record.body = to_json(&v)?;
        }
    }
    project
        .edit(&format!("Rename sizing case {} to {name}", rec.name), |e| {
            e.put_sizing_case_record(&new)?;
            results.iter().try_for_each(|r| e.put_sizing_result_record(r))
        })
        .map_err(store_error)
}

/// Deletes a case with its results and profile (one edit).
pub fn delete_case(project: &mut Project, key: &str) -> Result<(), AppError> {
    let design = project.design().map_err(store_error)?;
    let rec = record(&design, key)?.clone();
    let results: Vec<String> = design.sizing_results.iter().filter(|r| r.case_key == key).map(|r| r.record.key.clone()).collect();
    let has_profile = design.sizing_cases.iter().any(|r| r.key == profile_key(key));
    project
        .edit(&format!("Delete sizing case {}", rec.name), |e| {
            for r in &results {
                e.delete_sizing_result(r)?;
            }
            if has_profile {
                e.delete_sizing_case(&profile_key(key))?;
            }
            e.delete_sizing_case(key)
        })
        .map_err(store_error)
}

/// Saves a case with a freshly computed result, and copies the catalog
/// entries it uses into the project (one edit "Save sizing case NAME").
/// Returns a confirmation for the engineer.
pub fn save_case(project: &mut Project, inputs: &Inputs, req: &SaveCaseRequest) -> Result<String, AppError> {
    let design = project.design().map_err(store_error)?;
    let rec = record(&design, &req.key)?.clone();
    let catalog = catalog_of(Some(&design));
    let mut case = req.case.clone();
    let name = match case.name().trim() {
        "" => rec.name.clone(),
        n => clean_name(n)?,
    };
    match &mut case {
        SizingCase::Ups(c) => c.name = name.clone(),
        SizingCase::Peak(c) => c.name = name.clone(),
        SizingCase::Smooth(c) => c.name = name.clone(),
    }
    if rec.record_kind() != RecordKind::Case(case.kind()) {
        return Err(AppError::invalid(format!(
            "\"{}\" is a {} record; it cannot be saved as a {} case.",
            rec.name,
            rec.kind,
            case.kind().label()
        )));
    }
    let mut used: Vec<&str> = Vec::new();
    let mut profile_rec: Option<Record> = None;
    // A smoothing case saved on its synthetic profile loses its stored trace.
    let mut drop_trace = false;
    let result: Option<(String, &str)> = match &case {
        SizingCase::Ups(c) => {
            let r = backstop_sizing::size_ups(c, &catalog);
            let bad = backstop_sizing::diag::input_errors(&r.diagnostics);
            if !bad.is_empty() {
                return Err(AppError::invalid(format!("The case was not saved; correct these inputs first: {}.", bad.join("; "))));
            }
            used.push(c.battery_key.as_str());
            used.extend(c.ups_key.as_deref());
            Some((to_json(&r)?, UPS_RESULT_KIND))
        }
        SizingCase::Peak(c) => {
            used.extend(c.battery_key.as_deref());
            used.extend(c.pcs_key.as_deref());
            let held = match &req.profile_token {
                Some(t) => Some(inputs.profiles().get(t)?),
                None => stored_profile(&design, &req.key)
                    .map(|p| load_profile(inputs, &p.file_name, p.csv))
                    .and_then(|i| i.profile)
                    .and_then(|p| inputs.profiles().get(&p.token).ok()),
            };
            match held {
                Some(h) => {
                    if req.profile_token.is_some() {
                        let sp = StoredProfile { case_key: req.key.clone(), file_name: h.file_name.clone(), csv: h.csv.to_string() };
                        profile_rec = Some(Record {
                            key: profile_key(&req.key),
                            kind: LOAD_PROFILE_KIND.into(),
                            name: h.file_name.clone(),
                            body: to_json(&sp)?,
                        });
                    }
                    let r = backstop_sizing::size_peak(c, &h.profile, &catalog);
                    let bad = backstop_sizing::diag::input_errors(&r.diagnostics);
                    if !bad.is_empty() {
                        return Err(AppError::invalid(format!("The case was not saved; correct these inputs first: {}.", bad.join("; "))));
                    }
                    Some((to_json(&r)?, PEAK_RESULT_KIND))
                }
                None => None,
            }
        }
        SizingCase::Smooth(c) => {
            if let Some(b) = &c.battery {
                used.extend(b.battery_key.as_deref());
                used.extend(b.pcs_key.as_deref());
            }
            let held = trace_for(inputs, req.profile_token.as_deref())?;
            let r = backstop_sizing::size_smooth(c, held.as_ref().map(|h| &h.trace), &catalog);
            let bad = backstop_sizing::diag::input_errors(&r.diagnostics);
            if !bad.is_empty() {
                return Err(AppError::invalid(format!("The case was not saved; correct these inputs first: {}.", bad.join("; "))));
            }
            // The trace is written only when it is not the one stored (a
            // day at 100 ms is megabytes, and every write is an undo step's image).
            let stored = stored_trace(&design, &req.key).ok().flatten();
            match &held {
                Some(h) if stored.as_ref() != Some(&h.trace) => {
                    let st = backstop_sizing::smooth::to_stored(&h.trace, &req.key, &h.file_name);
                    let body = to_json(&st)?;
                    if body.len() > backstop_store::limits::PROFILE_BODY_BYTES {
                        return Err(AppError::invalid(format!(
                            "The case was not saved: its trace takes {} MB in the project, which keeps at most {} MB per trace. Size a shorter stretch, or the same at a longer interval (a week at 1 s, a day at 100 ms).",
                            body.len() / 1_000_000,
                            backstop_store::limits::PROFILE_BODY_BYTES / 1_000_000
                        )));
                    }
                    profile_rec =
                        Some(Record { key: profile_key(&req.key), kind: POWER_TRACE_KIND.into(), name: h.file_name.clone(), body });
                }
                Some(_) => {}
                None => {
                    drop_trace =
                        design.sizing_cases.iter().any(|r| r.key == profile_key(&req.key) && r.record_kind() == RecordKind::PowerTrace);
                }
            }
            Some((to_json(&r)?, SMOOTH_RESULT_KIND))
        }
    };
    let to_copy: Vec<CatalogEntry> = used
        .iter()
        .filter(|k| !k.is_empty() && !design.catalog.iter().any(|r| r.key == **k))
        .filter_map(|k| backstop_sizing::find(&catalog, k).cloned())
        .collect();
    let case_rec = Record { key: req.key.clone(), kind: rec.kind.clone(), name: name.clone(), body: to_json(&case_body(&case))? };
    let old_results: Vec<String> = design.sizing_results.iter().filter(|r| r.case_key == req.key).map(|r| r.record.key.clone()).collect();
    let rkey = result_key(&req.key);
    project
        .edit(&format!("Save sizing case {name}"), |e| {
            for entry in &to_copy {
                e.use_catalog_entry(entry)?;
            }
            e.put_sizing_case_record(&case_rec)?;
            if let Some(p) = &profile_rec {
                e.put_sizing_case_record(p)?;
            }
            if drop_trace {
                e.delete_sizing_case(&profile_key(&req.key))?;
            }
            match &result {
                Some((body, kind)) => {
                    for k in old_results.iter().filter(|k| **k != rkey) {
                        e.delete_sizing_result(k)?;
                    }
                    e.put_sizing_result_record(&backstop_model::project::SizingResultRecord {
                        case_key: req.key.clone(),
                        record: Record { key: rkey.clone(), kind: (*kind).into(), name: name.clone(), body: body.clone() },
                    })
                }
                None => old_results.iter().try_for_each(|k| e.delete_sizing_result(k)),
            }
        })
        .map_err(store_error)?;
    Ok(match result {
        Some(_) => format!("Saved “{name}” with its result; the design report prints its calculation sheet."),
        None => format!("Saved “{name}” without a result: import a load profile to compute it."),
    })
}

fn case_body(case: &SizingCase) -> serde_json::Value {
    match case {
        SizingCase::Ups(c) => serde_json::to_value(c).unwrap_or_default(),
        SizingCase::Peak(c) => serde_json::to_value(c).unwrap_or_default(),
        SizingCase::Smooth(c) => serde_json::to_value(c).unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------
// Load profiles held for computing.
// ---------------------------------------------------------------------------

/// A parsed profile with the text it came from.
pub struct HeldProfile {
    /// File name it came from.
    pub file_name: String,
    /// The CSV as read (kept to store with the case).
    pub csv: Arc<str>,
    /// The parsed profile.
    pub profile: Arc<LoadProfile>,
}

/// Inputs (load profiles, power traces) imported or loaded in this
/// session, by token. Bounded: the oldest are forgotten first.
pub struct Held<T> {
    next: u64,
    held: Vec<(String, Arc<T>)>,
}

impl<T> Default for Held<T> {
    fn default() -> Self {
        Held { next: 0, held: Vec::new() }
    }
}

/// How many profiles are held at once (a year of 15-minute data is ~1 MB).
pub const PROFILES_HELD: usize = 6;
/// How many power traces are held at once (a day at 100 ms is 7 MB, a year
/// at 1 s 250 MB).
pub const TRACES_HELD: usize = 2;

/// Load profiles and power traces imported for computing, held by token
/// (a bounded number of each, the oldest dropped first). The app keeps one
/// in its state for as long as it runs; a test or a command-line run makes
/// its own, so nothing is shared through a process-wide static.
///
/// It also numbers the smoothing computations run on them: an editor asks
/// again on every keystroke, and a newer computation stops the runs of the
/// one it supersedes (see [`compute_smooth`]); an editor can stop the one
/// it started by its ticket ([`cancel_smooth`]).
#[derive(Default)]
pub struct Inputs {
    profiles: Mutex<Held<HeldProfile>>,
    traces: Mutex<Held<HeldTrace>>,
    smooth_runs: std::sync::atomic::AtomicU64,
    /// The smoothing computations started with a ticket: those running,
    /// each with its stop flag, and the tickets stopped before their
    /// computation started (the stop can overtake the request it stops).
    smooth_tickets: Mutex<Tickets>,
    /// The synthetic profile's trace last sized, for the next edit that
    /// leaves the profile as it is.
    smooth_profile: backstop_sizing::smooth::synth::ProfileCache,
}

impl Inputs {
    fn profiles(&self) -> HeldSlot<'_, HeldProfile> {
        HeldSlot {
            slot: &self.profiles,
            prefix: "profile",
            keep: PROFILES_HELD,
            gone: "The load profile is no longer held in memory; import it again (or reopen the saved case).",
        }
    }

    fn traces(&self) -> HeldSlot<'_, HeldTrace> {
        HeldSlot {
            slot: &self.traces,
            prefix: "trace",
            keep: TRACES_HELD,
            gone: "The power trace is no longer held in memory; import it again (or reopen the saved case).",
        }
    }
}

/// One kind of held input: its list, token prefix, bound and what to say
/// when a token is no longer held.
struct HeldSlot<'a, T> {
    slot: &'a Mutex<Held<T>>,
    prefix: &'static str,
    keep: usize,
    gone: &'static str,
}

impl<T> HeldSlot<'_, T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Held<T>> {
        // A panic while holding it can only leave a consistent list behind.
        self.slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Holds `value` (or finds a held one that is `same(held, value)`) and
    /// returns its token.
    fn insert(&self, value: T, same: impl Fn(&T, &T) -> bool) -> String {
        let mut p = self.lock();
        if let Some((t, _)) = p.held.iter().find(|(_, h)| same(h, &value)) {
            return t.clone();
        }
        p.next += 1;
        let token = format!("{}-{}", self.prefix, p.next);
        p.held.push((token.clone(), Arc::new(value)));
        if p.held.len() > self.keep {
            p.held.remove(0);
        }
        token
    }

    fn get(&self, token: &str) -> Result<Arc<T>, AppError> {
        self.lock()
            .held
            .iter()
            .find(|(t, _)| t == token)
            .map(|(_, h)| h.clone())
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, self.gone))
    }
}

/// Parses a profile's text; a usable one is held for computing.
pub fn load_profile(inputs: &Inputs, file_name: &str, csv: String) -> ProfileImport {
    match backstop_sizing::parse_profile(&csv) {
        Ok(profile) => {
            let summary = profile.summary.clone();
            let warnings = profile.warnings.clone();
            let csv: Arc<str> = Arc::from(csv);
            // The same text from the same file keeps its token.
            let token =
                inputs.profiles().insert(HeldProfile { file_name: file_name.to_owned(), csv, profile: Arc::new(profile) }, |a, b| {
                    a.file_name == b.file_name && a.csv == b.csv
                });
            ProfileImport {
                file_name: file_name.to_owned(),
                profile: Some(ProfileInfo { token, file_name: file_name.to_owned(), summary, warnings }),
                errors: Vec::new(),
            }
        }
        Err(errors) => ProfileImport {
            file_name: file_name.to_owned(),
            profile: None,
            errors: errors.into_iter().map(|e| ProfileLineError { line: e.line, message: e.message }).collect(),
        },
    }
}

/// Reads a profile file (at most [`MAX_PROFILE_BYTES`]) and parses it.
pub fn import_profile_file(inputs: &Inputs, path: &std::path::Path) -> Result<ProfileImport, AppError> {
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
    // A named pipe or a device is refused before a byte is read (a FIFO
    // would block this worker; /dev/zero never ends).
    let bytes = backstop_store::files::read_regular(path, MAX_PROFILE_BYTES).map_err(|e| match e {
        backstop_store::StoreError::TooLarge { bytes, .. } => AppError::invalid(format!(
            "{file_name} is {} MB; a load profile of a year at 1-minute intervals is under {} MB. Export the interval data only (timestamp and load columns).",
            bytes / 1_000_000,
            MAX_PROFILE_BYTES / 1_000_000
        )),
        other => crate::session::store_error(other),
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            // Spreadsheet exports in Windows-1252/Latin-1: bytes above 0x7F
            // are the same code points in Latin-1, which is close enough for
            // headers such as "Leistung [kW]" and never touches digits.
            let bytes = e.into_bytes();
            bytes.iter().map(|&b| char::from(b)).collect()
        }
    };
    Ok(load_profile(inputs, &file_name, text))
}

/// Largest profile file read, bytes.
pub const MAX_PROFILE_BYTES: u64 = 64_000_000;

fn held_for(inputs: &Inputs, token: Option<&str>) -> Result<Arc<HeldProfile>, AppError> {
    match token {
        Some(t) => inputs.profiles().get(t),
        None => Err(AppError::invalid("Import a load profile (CSV) first: peak shaving is sized over the site's measured demand.")),
    }
}

/// A measured power trace held for a smoothing case.
pub struct HeldTrace {
    /// File name it came from.
    pub file_name: String,
    /// The trace as sized.
    pub trace: PowerTrace,
}

/// Holds a parsed trace for computing (the same samples from the same file
/// keep their token).
fn hold_trace(inputs: &Inputs, file_name: &str, trace: PowerTrace) -> TraceInfo {
    // Described before the samples move into the list (a year at 1 s is
    // 250 MB; it is never copied).
    let (summary, start, unit, warnings) = (trace.summary(), trace.start.clone(), trace.unit.clone(), trace.warnings.clone());
    let token = inputs
        .traces()
        .insert(HeldTrace { file_name: file_name.to_owned(), trace }, |a, b| a.file_name == b.file_name && a.trace == b.trace);
    TraceInfo { token, file_name: file_name.to_owned(), summary, start, unit, warnings }
}

/// Reads a power-trace CSV line by line (never holding the file; a named
/// pipe or a device is refused before a byte is read) and parses it with
/// the engine's reader: the trace held for computing, or every problem with
/// its line.
pub fn import_trace_file(inputs: &Inputs, path: &std::path::Path) -> Result<TraceImport, AppError> {
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
    let (file, _) = backstop_store::files::open_regular(path).map_err(crate::session::store_error)?;
    let parsed =
        backstop_sizing::smooth::parse_trace_reader(std::io::BufReader::new(file), &backstop_sizing::smooth::TraceOptions::default());
    Ok(match parsed {
        Ok(mut trace) => {
            trace.source = file_name.clone();
            TraceImport { file_name: file_name.clone(), trace: Some(hold_trace(inputs, &file_name, trace)), errors: Vec::new() }
        }
        Err(errors) => TraceImport {
            file_name,
            trace: None,
            errors: errors.into_iter().map(|e| ProfileLineError { line: e.line, message: e.message }).collect(),
        },
    })
}

/// The stored trace of smoothing case `case_key`: `None` without one, an
/// error naming the record when it cannot be read.
fn stored_trace(design: &Design, case_key: &str) -> Result<Option<PowerTrace>, AppError> {
    let pk = profile_key(case_key);
    let Some(rec) = design.sizing_cases.iter().find(|r| r.key == pk && r.record_kind() == RecordKind::PowerTrace) else {
        return Ok(None);
    };
    let bad = |why: String| {
        AppError::new(
            ErrorCode::BadProjectFile,
            format!(
                "The measured trace stored with sizing case \"{case_key}\" cannot be read: {why}. Import the trace again and save the case."
            ),
        )
    };
    match rec.read() {
        Body::PowerTrace(st) => backstop_sizing::smooth::from_stored(&st).map(Some).map_err(bad),
        Body::Unreadable { reason, .. } => Err(bad(reason)),
        // A power-trace record reads as a trace or not at all.
        _ => Err(bad("it is not a stored trace".into())),
    }
}

/// The held trace of `token` (`None`: the case's synthetic profile).
fn trace_for(inputs: &Inputs, token: Option<&str>) -> Result<Option<Arc<HeldTrace>>, AppError> {
    token.map(|t| inputs.traces().get(t)).transpose()
}

// ---------------------------------------------------------------------------
// Computing, with charts.
// ---------------------------------------------------------------------------

/// Which chart a group of series is, from the ids of its series.
fn chart_id(first_series_id: &str) -> String {
    if first_series_id.contains("runtime-vs-load") {
        return "runtime-vs-load".into();
    }
    for suffix in ["-bol", "-eol", "-min", "-max"] {
        if let Some(s) = first_series_id.strip_suffix(suffix) {
            return s.to_owned();
        }
    }
    first_series_id.to_owned()
}

fn x_range(c: &LineChart) -> Option<(f64, f64)> {
    let xs = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|x| x.is_finite());
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    (lo <= hi).then_some((lo, hi))
}

fn y_range(c: &LineChart) -> Option<(f64, f64)> {
    let ys = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|y| y.is_finite());
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
    (lo <= hi).then_some((lo, hi))
}

fn reference(name: String, points: Vec<(f64, f64)>) -> Series {
    Series { name, points, reference: true }
}

/// Draws the series as the report does, with reference lines the engineer
/// reads margins against. `refs` adds them per chart id.
fn draw(series: &[ChartSeries], refs: impl Fn(&str, &mut LineChart)) -> Vec<ChartSvg> {
    let mut out = Vec::new();
    for mut chart in backstop_report::build::charts(series) {
        let first = series.iter().find(|s| chart.series.first().is_some_and(|c| c.name == s.label));
        let id = first.map_or_else(|| "chart".to_string(), |s| chart_id(&s.id));
        if chart.series.len() == 1 {
            chart.title = chart.series[0].name.clone();
        }
        refs(&id, &mut chart);
        match chart.to_svg() {
            Ok(svg) => out.push(ChartSvg { id, title: chart.title.clone(), svg }),
            Err(e) => eprintln!("backstop-app: sizing chart skipped: {e}"),
        }
    }
    out
}

/// Charts of a UPS result: runtime vs load (every method, BOL and EOL, with
/// the required runtime and the design load), discharge voltage (with the
/// cut-off) and SOC over time.
pub fn ups_charts(case: &UpsCase, r: &UpsResult) -> Vec<ChartSvg> {
    let series: Vec<ChartSeries> = r.methods.iter().flat_map(|m| m.charts.iter().cloned()).collect();
    let cutoff = r
        .methods
        .iter()
        .find(|m| m.method == backstop_model::sizing::UpsMethod::Ecm)
        .and_then(|m| m.config.as_ref())
        .map(backstop_model::sizing::BatteryConfig::end_v_string);
    draw(&series, |id, chart| match id {
        "runtime-vs-load" => {
            if let (Some((x0, x1)), Some((_, y1))) = (x_range(chart), y_range(chart)) {
                let t = case.runtime_min;
                chart.series.push(reference(format!("required runtime {} min", num(t)), vec![(x0, t), (x1, t)]));
                let p = r.load.design_kw;
                if p > 0.0 && p.is_finite() {
                    chart.series.push(reference(format!("design load {} kW", num(p)), vec![(p, 0.0), (p, y1.max(t))]));
                }
            }
        }
        "ecm-voltage" => {
            if let (Some(v), Some((x0, x1))) = (cutoff, x_range(chart))
                && v.is_finite()
                && v > 0.0
            {
                chart.series.push(reference(format!("cut-off {} V", num(v)), vec![(x0, v), (x1, v)]));
            }
        }
        _ => {}
    })
}

/// Charts of a peak result: kW and kWh versus threshold, SOC over the first
/// year (daily min/max), capacity fade year by year.
pub fn peak_charts(case: &PeakCase, r: &PeakResult) -> Vec<ChartSvg> {
    draw(&r.charts, |id, chart| {
        if id == "soh-by-year"
            && let Some((x0, x1)) = x_range(chart)
        {
            let y = case.eol_soh * 100.0;
            // Only when the chart is in percent, like the engine's series.
            if chart.y_label.contains('%') {
                chart.series.push(reference(format!("sized for {} % at end of life", num(y)), vec![(x0, y), (x1, y)]));
            }
        }
    })
}

fn elapsed_ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Sizes a UPS case (not saved) and draws its charts.
pub fn compute_ups(case: &UpsCase, catalog: &[CatalogEntry]) -> UpsComputed {
    let t = Instant::now();
    let result = backstop_sizing::size_ups(case, catalog);
    let charts = ups_charts(case, &result);
    UpsComputed { result, charts, compute_ms: elapsed_ms(t) }
}

/// Sizes a peak case over a held profile (not saved) and draws its charts.
pub fn compute_peak(inputs: &Inputs, case: &PeakCase, token: Option<&str>, catalog: &[CatalogEntry]) -> Result<PeakComputed, AppError> {
    let t = Instant::now();
    let held = held_for(inputs, token)?;
    let result = backstop_sizing::size_peak(case, &held.profile, catalog);
    let charts = peak_charts(case, &result);
    Ok(PeakComputed { result, charts, compute_ms: elapsed_ms(t) })
}

/// Sizes a smoothing case over the held measured trace of `token`, or its
/// synthetic profile without one (not saved), and draws its charts; the
/// presets come along for the form. `first` gets the result without the
/// ramp-limit trade-off curve as soon as it is known (its `sweep_pending`
/// set), and the curve's runs follow; the complete result is returned —
/// or `None` when a newer computation on the same inputs started meanwhile
/// and stopped this one (it asks before each of its runs and every 65,536
/// samples within one; its caller wants the newer result, not this one).
pub fn compute_smooth(
    inputs: &Inputs,
    case: &SmoothCase,
    token: Option<&str>,
    catalog: &[CatalogEntry],
    first: impl FnOnce(SmoothComputed),
) -> Result<Option<SmoothComputed>, AppError> {
    compute_smooth_ticketed(inputs, None, case, token, catalog, first)
}

/// [`compute_smooth`] for an editor that names it by `ticket` (its own
/// number above [`TICKET_EDIT_BITS`], the edit's below). One editor's
/// computations are ordered by ticket, not by when their requests arrive: a
/// later edit's stops the earlier ones still running, and an earlier edit's
/// that arrives after a later one's gives `None` at once without stopping
/// it. The editor can stop it with [`cancel_smooth`] (an edit that leaves
/// its form not ready starts no computation to supersede it).
pub fn compute_smooth_ticketed(
    inputs: &Inputs,
    ticket: Option<u64>,
    case: &SmoothCase,
    token: Option<&str>,
    catalog: &[CatalogEntry],
    first: impl FnOnce(SmoothComputed),
) -> Result<Option<SmoothComputed>, AppError> {
    use std::sync::atomic::Ordering::SeqCst;
    let t = Instant::now();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // A request that a later edit's overtook is not computed, and does not
    // stop the later one (it comes before `smooth_runs` counts it).
    let _held_ticket = match ticket.map(|n| TicketHeld::new(inputs, n, &stop)) {
        Some(None) => return Ok(None),
        Some(Some(held)) => Some(held),
        None => None,
    };
    let me = inputs.smooth_runs.fetch_add(1, SeqCst) + 1;
    let held = trace_for(inputs, token)?;
    let presets: Vec<SmoothPresetChoice> = backstop_sizing::smooth::presets::presets()
        .into_iter()
        .map(|p| {
            let mut sources: Vec<String> = p.requirements.iter().map(|r| r.source.clone()).collect();
            sources.dedup();
            SmoothPresetChoice { key: p.key.into(), name: p.name.into(), source: sources.join("; ") }
        })
        .collect();
    let computed = |mut result: SmoothResult| {
        let charts = draw(&result.charts, |_, _| {});
        // The form shows the drawn charts; the series (thousands of points)
        // would only lengthen the reply. The saved result keeps them.
        result.charts.clear();
        SmoothComputed { result, charts, compute_ms: elapsed_ms(t), presets: presets.clone() }
    };
    let keep_going = || inputs.smooth_runs.load(SeqCst) == me && !stop.load(SeqCst);
    let result = backstop_sizing::smooth::size_smooth_staged(
        case,
        held.as_ref().map(|h| &h.trace),
        catalog,
        Some(&inputs.smooth_profile),
        |early| first(computed(early)),
        &keep_going,
    );
    // Superseded after its last run: the newer result is the one wanted.
    Ok(result.filter(|_| keep_going()).map(computed))
}

/// Stops the smoothing computation started with `ticket`: it gives
/// nothing, from its next check (before each run and every 65,536 samples
/// within one: a millisecond or two). A stop may arrive before the request it stops (they travel
/// separately): the ticket is then remembered, and its computation stops at
/// its first check. Tickets are the editor's, unique to each computation
/// (it draws them at random), so a stop that comes after its computation
/// ended never stops another.
pub fn cancel_smooth(inputs: &Inputs, ticket: u64) {
    let mut t = inputs.smooth_tickets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut found = false;
    for (n, stop) in t.running.iter() {
        if *n == ticket {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            found = true;
        }
    }
    if !found {
        if t.early.len() == EARLY_STOPS_KEPT {
            t.early.pop_front();
        }
        t.early.push_back(ticket);
    }
}

/// Stops remembered for tickets whose computation had not started, the
/// oldest forgotten first: a stop waits there while its request is on its
/// way (or, when that computation had already ended, until newer stops
/// push it out; it can match no other).
const EARLY_STOPS_KEPT: usize = 32;

/// Editors whose latest ticket is remembered ([`Tickets::latest`]), the
/// one heard from longest ago forgotten first.
const EDITORS_KEPT: usize = 32;

/// The tickets of smoothing computations ([`Inputs`]).
#[derive(Default)]
struct Tickets {
    running: Vec<(u64, Arc<std::sync::atomic::AtomicBool>)>,
    early: std::collections::VecDeque<u64>,
    /// Each editor's latest ticket started, by editor (the ticket's bits
    /// above [`TICKET_EDIT_BITS`]).
    latest: std::collections::VecDeque<(u64, u64)>,
}

use backstop_model::sizing_smooth::TICKET_EDIT_BITS;

/// A running computation's ticket, given back when it ends.
struct TicketHeld<'a> {
    inputs: &'a Inputs,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl<'a> TicketHeld<'a> {
    /// Holds `ticket` for the computation whose flag is `stop` (set at once
    /// when a stop for it came first), and stops its editor's computations
    /// of earlier edits. `None` when a later edit's computation of the same
    /// editor started already: this request was overtaken on its way, and
    /// its result would be stale.
    fn new(inputs: &'a Inputs, ticket: u64, stop: &Arc<std::sync::atomic::AtomicBool>) -> Option<Self> {
        use std::sync::atomic::Ordering::SeqCst;
        let mut t = inputs.smooth_tickets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let editor = ticket >> TICKET_EDIT_BITS;
        let known = t.latest.iter().position(|(e, _)| *e == editor);
        if let Some(i) = known {
            if t.latest[i].1 > ticket {
                // A stop that was waiting for this request is used up too.
                t.early.retain(|n| *n != ticket);
                return None;
            }
            t.latest.remove(i);
        } else if t.latest.len() == EDITORS_KEPT {
            t.latest.pop_front();
        }
        t.latest.push_back((editor, ticket));
        for (n, earlier) in &t.running {
            if *n >> TICKET_EDIT_BITS == editor && *n < ticket {
                earlier.store(true, SeqCst);
            }
        }
        if let Some(i) = t.early.iter().position(|n| *n == ticket) {
            t.early.remove(i);
            stop.store(true, SeqCst);
        }
        t.running.push((ticket, Arc::clone(stop)));
        Some(TicketHeld { inputs, stop: Arc::clone(stop) })
    }
}

impl Drop for TicketHeld<'_> {
    fn drop(&mut self) {
        let mut t = self.inputs.smooth_tickets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        t.running.retain(|(_, s)| !Arc::ptr_eq(s, &self.stop));
    }
}

/// Runs the optimizer for a UPS or peak case.
pub fn optimize(inputs: &Inputs, req: &OptimizeRequest, catalog: &[CatalogEntry]) -> Result<OptimizeResult, AppError> {
    Ok(match &req.case {
        SizingCase::Ups(c) => backstop_sizing::optimize_ups(c, catalog, &req.options),
        SizingCase::Peak(c) => {
            let held = held_for(inputs, req.profile_token.as_deref())?;
            backstop_sizing::optimize_peak(c, &held.profile, catalog, &req.options)
        }
        SizingCase::Smooth(_) => {
            return Err(AppError::invalid(
                "The optimizer compares battery configurations for UPS and peak cases; a smoothing case shows its trade-off in the ramp sweep.",
            ));
        }
    })
}

/// The calculation sheet of a case as plain text (computed afresh).
pub fn sheet_text(inputs: &Inputs, case: &SizingCase, token: Option<&str>, catalog: &[CatalogEntry]) -> Result<String, AppError> {
    let sheet = match case {
        SizingCase::Ups(c) => backstop_sizing::size_ups(c, catalog).sheet,
        SizingCase::Peak(c) => backstop_sizing::size_peak(c, &held_for(inputs, token)?.profile, catalog).sheet,
        SizingCase::Smooth(c) => backstop_sizing::size_smooth(c, trace_for(inputs, token)?.as_ref().map(|h| &h.trace), catalog).sheet,
    };
    Ok(backstop_sizing::render_text(&sheet))
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_model::project::ProjectInfo;
    use backstop_store::CreateOptions;

    fn project() -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        let p = Project::create(
            &dir.path().join("s.backstop"),
            &ProjectInfo { name: "Sizing".into(), ..Default::default() },
            &CreateOptions::default(),
        )
        .unwrap();
        (dir, p)
    }

    fn undo_label(p: &Project) -> String {
        p.undo_state().unwrap().undo.map(|s| s.label).unwrap_or_default()
    }

    const PROFILE: &str = "timestamp,load_kW\n2025-01-01 00:00,900\n2025-01-01 00:15,1200\n2025-01-01 00:30,1300\n2025-01-01 00:45,800\n2025-01-01 01:00,700\n2025-01-01 01:15,1250\n2025-01-01 01:30,900\n2025-01-01 01:45,600\n";

    #[test]
    fn held_profiles_are_bounded_and_belong_to_their_holder() {
        let (inputs, other) = (Inputs::default(), Inputs::default());
        let token = |i: &Inputs, name: &str| load_profile(i, name, PROFILE.to_string()).profile.expect("a usable profile").token;
        let first = token(&inputs, "a.csv");
        // The same text from the same file keeps its token; another holder
        // knows nothing of it (no process-wide state).
        assert_eq!(token(&inputs, "a.csv"), first);
        assert!(held_for(&inputs, Some(&first)).is_ok());
        assert_eq!(held_for(&other, Some(&first)).map(|_| ()).unwrap_err().code, ErrorCode::NotFound);
        // The oldest goes when more than PROFILES_HELD are held.
        let later: Vec<String> = (0..PROFILES_HELD).map(|n| token(&inputs, &format!("{n}.csv"))).collect();
        let gone = held_for(&inputs, Some(&first)).map(|_| ()).unwrap_err();
        assert!(gone.message.contains("import it again"), "{}", gone.message);
        assert!(later.iter().all(|t| held_for(&inputs, Some(t)).is_ok()));
    }

    #[test]
    fn ups_case_lifecycle_is_one_undoable_edit_per_action() {
        let inputs = Inputs::default();
        let (_d, mut p) = project();
        let key = create_case(&mut p, CaseKind::Ups, "  Hall A  ").unwrap();
        assert_eq!(key, "ups-1");
        assert_eq!(undo_label(&p), "Add sizing case Hall A");
        let ov = overview(&p).unwrap();
        assert_eq!(ov.cases.len(), 1);
        assert_eq!(ov.cases[0].summary, "not computed yet");
        assert!(!ov.cases[0].has_result);

        let stored = get_case(&p, &inputs, &key).unwrap();
        let SizingCase::Ups(mut case) = stored.case else { panic!("a UPS case") };
        assert_eq!(case.name, "Hall A");
        assert!(!case.battery_key.is_empty(), "a battery from the catalog is preselected");
        case.runtime_min = 10.0;
        let computed = compute_ups(&case, &catalog_of(None));
        assert!(computed.result.governing.is_some(), "{:?}", computed.result.diagnostics);
        let ids: Vec<&str> = computed.charts.iter().map(|c| c.id.as_str()).collect();
        assert!(ids.contains(&"runtime-vs-load") && ids.contains(&"ecm-voltage") && ids.contains(&"ecm-soc"), "{ids:?}");
        assert!(computed.charts.iter().all(|c| c.svg.starts_with("<svg")));
        let rt = computed.charts.iter().find(|c| c.id == "runtime-vs-load").unwrap();
        assert!(rt.svg.contains("required runtime 10 min"), "the reference line is labelled");

        let msg =
            save_case(&mut p, &inputs, &SaveCaseRequest { key: key.clone(), case: SizingCase::Ups(case.clone()), profile_token: None })
                .unwrap();
        assert!(msg.contains("with its result"), "{msg}");
        assert_eq!(undo_label(&p), "Save sizing case Hall A");
        let d = p.design().unwrap();
        assert_eq!(d.sizing_results.len(), 1);
        assert_eq!(d.sizing_results[0].record.kind, UPS_RESULT_KIND);
        assert_eq!(d.sizing_results[0].record.key, "ups-1-result");
        let stored: UpsResult = serde_json::from_str(&d.sizing_results[0].record.body).unwrap();
        assert_eq!(stored, computed.result, "the stored result is the one the UI showed");
        for k in [case.battery_key.as_str(), case.ups_key.as_deref().unwrap()] {
            assert!(d.catalog.iter().any(|r| r.key == k), "{k} copied into the project");
        }
        let ov = overview(&p).unwrap();
        assert_eq!(ov.cases[0].feasible, Some(true));
        assert!(ov.cases[0].summary.contains("governs"), "{}", ov.cases[0].summary);

        rename_case(&mut p, &key, "Hall A north").unwrap();
        assert_eq!(undo_label(&p), "Rename sizing case Hall A to Hall A north");
        let d = p.design().unwrap();
        assert_eq!(d.sizing_results[0].record.name, "Hall A north");
        assert!(d.sizing_cases[0].body.contains("Hall A north"));

        delete_case(&mut p, &key).unwrap();
        assert_eq!(undo_label(&p), "Delete sizing case Hall A north");
        assert!(p.design().unwrap().sizing_results.is_empty());
        p.undo().unwrap();
        assert_eq!(overview(&p).unwrap().cases.len(), 1, "undo brings the case back");
        assert_eq!(p.design().unwrap().sizing_results.len(), 1, "…with its result");
    }

    /// Records this version cannot read — a newer version's case and
    /// result, a kind it does not know, a datasheet's own catalog record —
    /// are listed with the reason, refused for editing with it, and kept
    /// exactly as they were through other edits and a reopen.
    #[test]
    fn records_this_version_cannot_read_are_explained_and_kept_through_edits() {
        let (dir, mut p) = project();
        let newer_case = Record {
            key: "ups-7".into(),
            kind: UPS_CASE_KIND.into(),
            name: "Hall C".into(),
            body: r#"{"name":"Hall C","load":{"it_kw":{"per_rack":"dynamic"}}}"#.into(),
        };
        let newer_result = backstop_model::project::SizingResultRecord {
            case_key: "ups-7".into(),
            record: Record {
                key: "ups-7-result".into(),
                kind: UPS_RESULT_KIND.into(),
                name: "Hall C".into(),
                body: r#"{"methods":7}"#.into(),
            },
        };
        let future =
            Record { key: "hydrogen-1".into(), kind: "fuel-cell-case".into(), name: "H2".into(), body: r#"{"stack_kw":250}"#.into() };
        let datasheet = Record { key: "fw-1".into(), kind: "flywheel".into(), name: "Flywheel".into(), body: r#"{"mass_kg":1200}"#.into() };
        p.edit("Records from a newer version", |e| {
            e.put_sizing_case_record(&newer_case)?;
            e.put_sizing_result_record(&newer_result)?;
            e.put_sizing_case_record(&future)?;
            e.put_catalog_record(&datasheet)
        })
        .unwrap();
        let before = p.design().unwrap();

        let list = overview(&p).unwrap();
        let item = |key: &str| list.cases.iter().find(|c| c.key == key).unwrap_or_else(|| panic!("{key} is listed")).clone();
        let newer = item("ups-7");
        assert!(newer.problem.as_deref().is_some_and(|m| m.starts_with("the stored case cannot be read (")), "{newer:?}");
        assert!(newer.summary.contains("cannot read"), "{}", newer.summary);
        assert!(item("hydrogen-1").problem.as_deref().is_some_and(|m| m.contains("\"fuel-cell-case\" case")));
        let refused = get_case(&p, &Inputs::default(), "ups-7").unwrap_err();
        assert_eq!(refused.code, ErrorCode::BadProjectFile);
        assert!(refused.message.contains("cannot be read by this version ("), "{}", refused.message);
        assert_eq!(get_case(&p, &Inputs::default(), "hydrogen-1").unwrap_err().code, ErrorCode::InvalidInput);
        assert!(catalog_view(Some(&before)).other_records.contains(&"fw-1 (flywheel)".to_owned()));

        // Other edits, then the file closed and opened again.
        create_case(&mut p, CaseKind::Smooth, "Hall B").unwrap();
        put_catalog_entry(&mut p, &serde_json::to_string(&backstop_sizing::default_catalog()[0]).unwrap()).unwrap();
        let path = p.path().to_path_buf();
        p.close();
        let p = Project::open(&path, &backstop_store::OpenOptions::edit()).unwrap();
        let after = p.design().unwrap();
        let kept = |list: &[Record], key: &str| list.iter().find(|r| r.key == key).cloned();
        for key in ["ups-7", "hydrogen-1"] {
            assert_eq!(kept(&after.sizing_cases, key), kept(&before.sizing_cases, key), "{key}");
        }
        assert_eq!(kept(&after.catalog, "fw-1"), kept(&before.catalog, "fw-1"));
        assert_eq!(after.sizing_results.iter().find(|r| r.case_key == "ups-7"), Some(&newer_result));
        assert_eq!(after.sizing_cases.len(), before.sizing_cases.len() + 1);
        drop(dir);
    }

    #[test]
    fn invalid_inputs_are_not_saved_and_name_the_field() {
        let inputs = Inputs::default();
        let (_d, mut p) = project();
        let key = create_case(&mut p, CaseKind::Ups, "Bad").unwrap();
        let SizingCase::Ups(mut case) = get_case(&p, &inputs, &key).unwrap().case else { panic!() };
        case.runtime_min = -3.0;
        let err = save_case(&mut p, &inputs, &SaveCaseRequest { key, case: SizingCase::Ups(case), profile_token: None }).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.contains("Required runtime (min) = -3"), "{}", err.message);
        assert!(p.design().unwrap().sizing_results.is_empty());
        assert!(create_case(&mut p, CaseKind::Ups, "   ").is_err());
        assert_eq!(get_case(&p, &inputs, "nope").unwrap_err().code, ErrorCode::NotFound);
    }

    #[test]
    fn peak_case_keeps_its_profile_with_the_case() {
        let inputs = Inputs::default();
        let (_d, mut p) = project();
        let key = create_case(&mut p, CaseKind::Peak, "Demand charge").unwrap();
        let imported = load_profile(&inputs, "jan.csv", PROFILE.to_string());
        let info = imported.profile.expect("a valid profile");
        assert_eq!(info.summary.rows, 8);
        let SizingCase::Peak(mut case) = get_case(&p, &inputs, &key).unwrap().case else { panic!() };
        assert!(compute_peak(&inputs, &case, None, &catalog_of(None)).is_err(), "no profile → a clear error");
        case.threshold_kw = Some(1000.0);
        case.battery_key = None;
        case.pcs_key = None;
        let c = compute_peak(&inputs, &case, Some(&info.token), &catalog_of(None)).unwrap();
        assert!(c.result.sizing.is_some(), "{:?}", c.result.diagnostics);
        save_case(&mut p, &inputs, &SaveCaseRequest { key: key.clone(), case: SizingCase::Peak(case), profile_token: Some(info.token) })
            .unwrap();
        let d = p.design().unwrap();
        let prof = d.sizing_cases.iter().find(|r| r.key == "peak-1-profile").unwrap();
        assert_eq!(prof.kind, LOAD_PROFILE_KIND);
        let sp: StoredProfile = serde_json::from_str(&prof.body).unwrap();
        assert_eq!(sp.csv, PROFILE);
        assert_eq!(d.sizing_results[0].record.kind, PEAK_RESULT_KIND);
        assert_eq!(overview(&p).unwrap().cases.len(), 1, "the profile record is not listed as a case");
        let again = get_case(&p, &inputs, &key).unwrap();
        assert_eq!(again.profile.unwrap().summary.rows, 8, "the saved profile is loaded with the case");
        delete_case(&mut p, &key).unwrap();
        assert!(p.design().unwrap().sizing_cases.is_empty(), "case and profile deleted together");
    }

    /// A power-smoothing case in the app: created with the training-job
    /// defaults, computed (checks, a sized battery, charts, the presets to
    /// choose from), refused with the field named when an input is out of
    /// range, saved with its result as one edit, listed with its summary,
    /// its sheet the engine's.
    #[test]
    fn smoothing_case_computes_saves_and_lists_its_summary() {
        let inputs = Inputs::default();
        use backstop_model::sizing_smooth::CheckStatus;
        let (_d, mut p) = project();
        let key = create_case(&mut p, CaseKind::Smooth, "Hall B training").unwrap();
        assert_eq!(key, "smooth-1");
        assert_eq!(undo_label(&p), "Add sizing case Hall B training");
        let SizingCase::Smooth(mut case) = get_case(&p, &inputs, &key).unwrap().case else { panic!("a smoothing case") };
        assert_eq!(case.presets, ["ieso", "ercot"]);
        let c = compute_smooth(&inputs, &case, None, &catalog_of(None), |_| {}).unwrap().expect("not superseded");
        assert!(c.presets.iter().any(|x| x.key == "ercot" && x.source.contains("ERCOT")), "{:?}", c.presets);
        assert_eq!(c.result.checks.len(), c.result.requirements.len());
        assert!(c.result.checks.iter().all(|x| x.status != CheckStatus::NotEvaluated), "{:?}", c.result.checks);
        // The defaults meet every requirement (with a supercapacitor bank for the swing).
        assert!(c.result.checks.iter().all(|x| x.status == CheckStatus::Pass), "{:?}", c.result.checks);
        assert!(c.result.supercap.is_some());
        let b = c.result.battery.as_ref().expect("a battery sized");
        assert!(b.discharge_mw > 0.0 && b.usable_mwh > 0.0, "{b:?}");
        assert!(!c.charts.is_empty() && c.charts.iter().all(|ch| ch.svg.starts_with("<svg")));
        assert!(c.result.charts.is_empty(), "the series are not sent twice");
        assert_eq!(
            sheet_text(&inputs, &SizingCase::Smooth(case.clone()), None, &catalog_of(None)).unwrap(),
            backstop_sizing::render_text(&c.result.sheet)
        );
        let e = optimize(
            &inputs,
            &OptimizeRequest { case: SizingCase::Smooth(case.clone()), profile_token: None, options: Default::default() },
            &catalog_of(None),
        )
        .unwrap_err();
        assert!(e.message.contains("ramp sweep"), "{}", e.message);

        // An out-of-range input is refused and nothing is saved.
        let mut bad = case.clone();
        if let Some(b) = bad.battery.as_mut() {
            b.rte = 1.5;
        }
        let e = save_case(&mut p, &inputs, &SaveCaseRequest { key: key.clone(), case: SizingCase::Smooth(bad), profile_token: None })
            .unwrap_err();
        assert!(e.message.contains("not saved"), "{}", e.message);
        assert!(p.design().unwrap().sizing_results.is_empty());

        case.name = "Hall B training job".into();
        save_case(&mut p, &inputs, &SaveCaseRequest { key: key.clone(), case: SizingCase::Smooth(case.clone()), profile_token: None })
            .unwrap();
        assert_eq!(undo_label(&p), "Save sizing case Hall B training job");
        let d = p.design().unwrap();
        assert_eq!(d.sizing_results[0].record.kind, SMOOTH_RESULT_KIND);
        let item = overview(&p).unwrap().cases.into_iter().next().unwrap();
        assert_eq!(item.kind, Some(CaseKind::Smooth));
        let (summary, ok) = smooth_summary(&serde_json::from_str(&d.sizing_results[0].record.body).unwrap());
        assert_eq!((item.summary.as_str(), item.feasible), (summary.as_str(), Some(ok)));
        assert!(item.summary.starts_with("battery ") && item.summary.contains("requirement"), "{}", item.summary);
        assert!(
            d.catalog.iter().any(|r| Some(&r.key) == case.battery.as_ref().and_then(|b| b.battery_key.as_ref())),
            "the battery entry is copied"
        );
    }

    #[test]
    fn profile_errors_carry_line_numbers() {
        let inputs = Inputs::default();
        let bad = "timestamp,load_kW\n2025-01-01 00:00,900\n2025-01-01 00:15,abc\n2025-01-01 00:15,1000\n";
        let r = load_profile(&inputs, "bad.csv", bad.to_string());
        assert!(r.profile.is_none());
        assert!(r.errors.iter().any(|e| e.line == 3), "{:?}", r.errors);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("latin1.csv");
        std::fs::write(&f, b"Zeit;Leistung [kW] \xb0\n2025-01-01 00:00;900\n2025-01-01 00:15;950\n").unwrap();
        let r = import_profile_file(&inputs, &f).unwrap();
        assert!(r.profile.is_some(), "a Latin-1 header is read: {:?}", r.errors);
        assert_eq!(import_profile_file(&inputs, &dir.path().join("missing.csv")).unwrap_err().code, ErrorCode::Io);
    }

    /// Ten minutes at 100 ms of a 40 MW swing every 2 s on a 20 MW base, as
    /// a measured trace CSV with elapsed seconds.
    fn trace_csv() -> String {
        let mut s = String::from("elapsed_s,power_MW\n");
        for i in 0..6000 {
            let on = (i / 10) % 2 == 0;
            s.push_str(&format!("{:.1},{}\n", f64::from(i) * 0.1, if on { 60.25 } else { 20.0 }));
        }
        s
    }

    /// A measured trace in the app: imported (line-numbered errors for a bad
    /// file, nothing held), sized instead of the synthetic profile, saved
    /// with the case as one edit (not listed as a case), reopened with the
    /// same samples, dropped when the case goes back to its synthetic
    /// profile, deleted with the case; a damaged stored trace is named.
    #[test]
    fn a_measured_trace_is_imported_sized_saved_and_reopened() {
        let inputs = Inputs::default();
        use backstop_model::sizing_smooth::CheckStatus;
        let (d, mut p) = project();
        let key = create_case(&mut p, CaseKind::Smooth, "Measured").unwrap();
        let SizingCase::Smooth(case) = get_case(&p, &inputs, &key).unwrap().case else { panic!("a smoothing case") };
        assert!(get_case(&p, &inputs, &key).unwrap().trace.is_none());

        let bad = d.path().join("bad.csv");
        std::fs::write(&bad, "elapsed_s,power_MW\n0,10\n0.1,abc\n0.2,12\n").unwrap();
        let r = import_trace_file(&inputs, &bad).unwrap();
        assert!(r.trace.is_none());
        assert!(r.errors.iter().any(|e| e.line == 3), "{:?}", r.errors);

        let path = d.path().join("hall-b.csv");
        std::fs::write(&path, trace_csv()).unwrap();
        let r = import_trace_file(&inputs, &path).unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let info = r.trace.expect("a trace");
        assert_eq!((info.file_name.as_str(), info.summary.samples), ("hall-b.csv", 6000));
        assert!((info.summary.dt_s - 0.1).abs() < 1e-12 && (info.summary.peak_mw - 60.25).abs() < 1e-12);

        // Sized over the trace, exactly as the engine sizes the parsed file.
        let c = compute_smooth(&inputs, &case, Some(&info.token), &catalog_of(None), |_| {}).unwrap().expect("not superseded");
        let mut parsed = backstop_sizing::smooth::parse_trace(&trace_csv()).unwrap();
        parsed.source = "hall-b.csv".into();
        let direct = backstop_sizing::size_smooth(&case, Some(&parsed), &catalog_of(None));
        let text = |s: &backstop_model::sizing::CalcSheet| backstop_sizing::render_text(s);
        assert_eq!(text(&c.result.sheet), text(&direct.sheet));
        assert!(text(&c.result.sheet).contains("hall-b.csv"), "the sheet names the trace");
        assert_eq!(c.result.trace.samples, 6000);
        assert!(c.result.synthetic.is_none(), "the synthetic profile is not used");
        assert!(c.result.checks.iter().all(|x| x.status != CheckStatus::NotEvaluated), "{:?}", c.result.checks);
        let synthetic = compute_smooth(&inputs, &case, None, &catalog_of(None), |_| {}).unwrap().expect("not superseded");
        assert_ne!(synthetic.result.trace.samples, 6000);
        assert_eq!(
            sheet_text(&inputs, &SizingCase::Smooth(case.clone()), Some(&info.token), &catalog_of(None)).unwrap(),
            backstop_sizing::render_text(&direct.sheet)
        );

        // Saved with the case: one edit, the trace a data record, not a case.
        let save = |p: &mut Project, token: Option<&str>| {
            save_case(
                p,
                &inputs,
                &SaveCaseRequest { key: key.clone(), case: SizingCase::Smooth(case.clone()), profile_token: token.map(str::to_owned) },
            )
        };
        save(&mut p, Some(&info.token)).unwrap();
        assert_eq!(undo_label(&p), "Save sizing case Measured");
        let design = p.design().unwrap();
        let rec = design.sizing_cases.iter().find(|r| r.kind == POWER_TRACE_KIND).expect("the trace is stored");
        assert_eq!((rec.key.as_str(), rec.name.as_str()), ("smooth-1-profile", "hall-b.csv"));
        assert_eq!(overview(&p).unwrap().cases.len(), 1, "the trace is not listed as a case");
        let stored_result: SmoothResult = serde_json::from_str(&design.sizing_results[0].record.body).unwrap();
        assert_eq!(stored_result.trace.samples, 6000);

        // Reopened: the same samples, a token that computes the same result.
        let again = get_case(&p, &inputs, &key).unwrap().trace.expect("the stored trace");
        assert_eq!(again.summary, info.summary);
        assert_eq!(
            text(
                &compute_smooth(&inputs, &case, Some(&again.token), &catalog_of(None), |_| {})
                    .unwrap()
                    .expect("not superseded")
                    .result
                    .sheet
            ),
            text(&direct.sheet)
        );
        // Saving again with the same trace writes no second copy of it.
        save(&mut p, Some(&again.token)).unwrap();
        assert_eq!(p.design().unwrap().sizing_cases.iter().filter(|r| r.kind == POWER_TRACE_KIND).count(), 1);

        // A damaged stored trace is named, not silently replaced.
        let damaged = Record { body: rec.body.replacen("60.25", "x", 1), ..rec.clone() };
        p.edit("damage", |e| e.put_sizing_case_record(&damaged)).unwrap();
        let e = get_case(&p, &inputs, &key).unwrap_err();
        assert!(e.message.contains("measured trace stored with sizing case") && e.message.contains("sample"), "{}", e.message);
        p.undo().unwrap();

        // Back to the synthetic profile: the stored trace goes, in the same edit.
        save(&mut p, None).unwrap();
        assert!(!p.design().unwrap().sizing_cases.iter().any(|r| r.kind == POWER_TRACE_KIND));
        assert!(get_case(&p, &inputs, &key).unwrap().trace.is_none());
        p.undo().unwrap();
        assert!(get_case(&p, &inputs, &key).unwrap().trace.is_some(), "one undo brings the trace back");
        delete_case(&mut p, &key).unwrap();
        assert!(p.design().unwrap().sizing_cases.is_empty(), "case and trace deleted together");
    }

    #[test]
    fn named_pipes_and_devices_are_refused_as_profiles() {
        let inputs = Inputs::default();
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("profile.csv");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        // Something writes a valid profile into the pipe: a reader that
        // opened it would get a profile, so only refusing the pipe itself
        // (before reading) passes. The writer is left blocked if nobody
        // reads; it ends with the test process.
        let writer_path = fifo.clone();
        std::thread::spawn(move || {
            if let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(writer_path) {
                let _ = std::io::Write::write_all(&mut w, b"timestamp,load_kW\n2025-01-01 00:00,900\n2025-01-01 00:15,950\n");
            }
        });
        let err = import_profile_file(&inputs, &fifo).unwrap_err();
        assert!(err.message.contains("named pipe"), "{}", err.message);
        // A device never ends; it is refused before a byte is read.
        let err = import_profile_file(&inputs, std::path::Path::new("/dev/zero")).unwrap_err();
        assert!(err.message.contains("device"), "{}", err.message);
    }

    #[test]
    fn catalog_edits_validate_per_field_and_are_undoable() {
        let (_d, mut p) = project();
        let builtin = backstop_sizing::find(backstop_sizing::default_catalog(), "lfp-ups-cabinet-512v100").unwrap().clone();
        let mut e = builtin.clone();
        e.key = "my-cabinet".into();
        e.battery.as_mut().unwrap().capacity_ah.value = -5.0;
        let out = put_catalog_entry(&mut p, &serde_json::to_string(&e).unwrap()).unwrap();
        assert!(!out.saved);
        assert!(out.problems.iter().any(|f| f.field == "battery.capacity_ah" && !f.warning), "{:?}", out.problems);
        let out = put_catalog_entry(&mut p, "{\"key\": 3").unwrap();
        assert!(!out.saved && out.problems[0].field == "json" && out.problems[0].message.contains("line 1"), "{:?}", out.problems);

        e.battery.as_mut().unwrap().capacity_ah.value = 105.0;
        let out = put_catalog_entry(&mut p, &serde_json::to_string(&e).unwrap()).unwrap();
        assert!(out.saved, "{:?}", out.problems);
        assert_eq!(undo_label(&p), "Add catalog entry my-cabinet");
        let view = catalog_view(Some(&p.design().unwrap()));
        let mine = view.entries.iter().find(|i| i.entry.key == "my-cabinet").unwrap();
        assert_eq!(mine.origin, EntryOrigin::Project);
        assert!(!mine.entry.builtin);

        let mut over = builtin.clone();
        over.cost.value = 30000.0;
        put_catalog_entry(&mut p, &serde_json::to_string(&over).unwrap()).unwrap();
        let view = catalog_view(Some(&p.design().unwrap()));
        let o = view.entries.iter().find(|i| i.entry.key == builtin.key).unwrap();
        assert_eq!(o.origin, EntryOrigin::ProjectOverride);
        assert_eq!(o.entry.cost.value, 30000.0, "the project's version is the one sized with");
        assert_eq!(catalog_of(Some(&p.design().unwrap())).iter().filter(|e| e.key == builtin.key).count(), 1);

        delete_catalog_entry(&mut p, "my-cabinet").unwrap();
        assert_eq!(undo_label(&p), "Remove catalog entry my-cabinet");
        p.undo().unwrap();
        assert!(catalog_view(Some(&p.design().unwrap())).entries.iter().any(|i| i.entry.key == "my-cabinet"));
    }

    #[test]
    fn optimizer_and_sheet_text() {
        let inputs = Inputs::default();
        let facts = backstop_model::sizing_view::LayoutFacts { racks: 10, it_kw: 600.0, kw_per_rack: Some(60.0), ..Default::default() };
        let cat = catalog_of(None);
        let case = backstop_sizing::defaults::ups_case("Opt", &facts, &cat);
        assert_eq!(case.load, backstop_model::sizing::LoadSpec::PerRack { kw_per_rack: 60.0, racks: 10 });
        let r = optimize(
            &inputs,
            &OptimizeRequest { case: SizingCase::Ups(case.clone()), profile_token: None, options: Default::default() },
            &cat,
        )
        .unwrap();
        assert!(!r.best.is_empty() && r.candidates_evaluated > 0, "{:?}", r.diagnostics);
        let text = sheet_text(&inputs, &SizingCase::Ups(case), None, &cat).unwrap();
        assert!(text.contains("UPS battery sizing — Opt") && text.contains("Battery power"), "{text}");
    }

    /// The editor gets the result without the trade-off curve first, then
    /// the whole; a computation started meanwhile on the same inputs (the
    /// next keystroke) supersedes it: the older one answers `None` and the
    /// newer one is complete.
    #[test]
    fn a_smoothing_result_comes_first_without_its_curve_and_a_newer_edit_supersedes_it() {
        let inputs = Inputs::default();
        let cat = catalog_of(None);
        let case = defaults::smooth_case("Hall B training", &cat);
        let mut first = None;
        let whole = compute_smooth(&inputs, &case, None, &cat, |c| first = Some(c)).unwrap().expect("not superseded");
        let first = first.expect("the first part");
        assert!(first.result.sweep_pending && first.result.sweep.is_empty());
        assert!(!whole.result.sweep_pending && whole.result.sweep.len() >= 2);
        assert_eq!(first.result.checks, whole.result.checks);
        let ids = |c: &SmoothComputed| c.charts.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&first)[..], ids(&whole)[..ids(&first).len()], "the first part's charts come first, unchanged in order");
        assert_eq!(ids(&whole).len(), ids(&first).len() + 2, "then the two trade-off charts: {:?}", ids(&whole));
        let direct = backstop_sizing::size_smooth(&case, None, &cat);
        assert_eq!(whole.result.sheet, direct.sheet, "the complete sheet is the engine's");

        let mut newer = None;
        let older = compute_smooth(&inputs, &case, None, &cat, |_| {
            newer = Some(compute_smooth(&inputs, &case, None, &cat, |_| {}).unwrap());
        })
        .unwrap();
        assert!(older.is_none(), "superseded by the computation its first part started");
        let newer = newer.expect("the newer computation ran").expect("the newer one is complete");
        assert_eq!(newer.result.sheet, direct.sheet);
    }

    #[test]
    fn an_editor_stops_its_own_smoothing_computation_by_ticket_even_before_it_starts() {
        let inputs = Inputs::default();
        let cat = catalog_of(None);
        let case = defaults::smooth_case("Hall B training", &cat);
        // Stopped by its ticket once its first part is out: nothing more.
        let mut first = false;
        let stopped = compute_smooth_ticketed(&inputs, Some(7), &case, None, &cat, |_| {
            first = true;
            cancel_smooth(&inputs, 7);
        })
        .unwrap();
        assert!(first && stopped.is_none(), "the ticket's computation stops");
        assert!(inputs.smooth_tickets.lock().unwrap().running.is_empty(), "its ticket is given back");
        // A stop for another ticket stops nothing (it is remembered for that ticket).
        let mut first = false;
        let whole = compute_smooth_ticketed(&inputs, Some(8), &case, None, &cat, |_| {
            first = true;
            cancel_smooth(&inputs, 9);
        })
        .unwrap();
        assert!(first);
        let whole = whole.expect("not stopped by another ticket's stop");
        assert_eq!(whole.result.sheet, backstop_sizing::size_smooth(&case, None, &cat).sheet);
        // The stop that came before its request: that computation stops at
        // its first check, before its first part, and the stop is used up.
        let mut first = false;
        assert!(compute_smooth_ticketed(&inputs, Some(9), &case, None, &cat, |_| first = true).unwrap().is_none());
        assert!(!first, "stopped before its first part");
        assert!(inputs.smooth_tickets.lock().unwrap().early.is_empty());
        // Remembered stops are bounded.
        for n in 100..200 {
            cancel_smooth(&inputs, n);
        }
        assert_eq!(inputs.smooth_tickets.lock().unwrap().early.len(), EARLY_STOPS_KEPT);
    }

    /// An editor starts the next edit's computation without waiting for
    /// the previous one to end; the requests may reach the backend in
    /// either order. The later edit's wins either way: an earlier edit's
    /// request that arrives after it is not computed and does not stop it,
    /// while another editor's lower ticket is computed as usual.
    #[test]
    fn a_later_edit_wins_whichever_request_arrives_first() {
        let inputs = Inputs::default();
        let cat = catalog_of(None);
        let case = defaults::smooth_case("Hall B training", &cat);
        let editor = 5u64 << TICKET_EDIT_BITS;
        let direct = backstop_sizing::size_smooth(&case, None, &cat).sheet;
        let (mut late_first, mut late) = (false, None);
        let whole = compute_smooth_ticketed(&inputs, Some(editor + 8), &case, None, &cat, |_| {
            // Edit 7's request arrives while edit 8's computation runs.
            late = Some(compute_smooth_ticketed(&inputs, Some(editor + 7), &case, None, &cat, |_| late_first = true).unwrap());
        })
        .unwrap();
        assert_eq!(late.map(|l| l.is_none()), Some(true), "the earlier edit's late request gives nothing");
        assert!(!late_first, "… not even a first part");
        let whole = whole.expect("the later edit's computation was not stopped by the earlier one's");
        assert_eq!(whole.result.sheet, direct);
        // Edit 9 arriving while edit 8 runs stops it: the usual order.
        let mut newer = None;
        let older = compute_smooth_ticketed(&inputs, Some(editor + 10), &case, None, &cat, |_| {
            newer = Some(compute_smooth_ticketed(&inputs, Some(editor + 11), &case, None, &cat, |_| {}).unwrap());
        })
        .unwrap();
        assert!(older.is_none() && newer.is_some_and(|n| n.is_some()), "the later edit's computation supersedes the earlier one");
        // Another editor's lower ticket is its own business.
        let other = 3u64 << TICKET_EDIT_BITS;
        assert!(compute_smooth_ticketed(&inputs, Some(other + 1), &case, None, &cat, |_| {}).unwrap().is_some());
        let t = inputs.smooth_tickets.lock().unwrap();
        assert!(t.running.is_empty() && t.early.is_empty());
        assert_eq!(t.latest.iter().copied().collect::<Vec<_>>(), [(5, editor + 11), (3, other + 1)]);
    }
}
