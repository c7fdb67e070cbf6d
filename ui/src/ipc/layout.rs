//! Typed calls to the Layout area's backend commands (`src-tauri/src/commands/layout.rs`).
//!
//! A child of [`crate::ipc`], so every call goes through the same `call`
//! helper and error mapping as the rest of the IPC boundary.

use backstop_model::AppError;
use backstop_model::layout::RuleSet;
use backstop_model::layout_view::{AutoPlaceCall, AutoPlaceOutcome, EditOutcome, LayoutEdit, LayoutExport, LayoutView, RuleSetSaveOutcome};
use serde::Serialize;

use super::{NoArgs, call};

#[derive(Serialize)]
struct EditArg<'a> {
    edit: &'a LayoutEdit,
}

#[derive(Serialize)]
struct CallArg<'a> {
    call: &'a AutoPlaceCall,
}

#[derive(Serialize)]
struct IdArg<'a> {
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleSetArg<'a> {
    rule_set: &'a RuleSet,
}

#[derive(Serialize)]
struct ExportArg {
    kind: LayoutExport,
}

/// The plan with its footprints, check report, rule sets and bill of materials.
pub async fn layout_view() -> Result<LayoutView, AppError> {
    call("layout_view", &NoArgs {}).await
}

/// One editor operation, saved by the backend as one undoable edit.
pub async fn layout_edit(edit: &LayoutEdit) -> Result<EditOutcome, AppError> {
    call("layout_edit", &EditArg { edit }).await
}

/// Auto-places cabinets (preview, or applied as one edit).
pub async fn layout_auto_place(auto: &AutoPlaceCall) -> Result<AutoPlaceOutcome, AppError> {
    call("layout_auto_place", &CallArg { call: auto }).await
}

/// Checks the project against another rule set.
pub async fn layout_rule_set_use(id: &str) -> Result<LayoutView, AppError> {
    call("layout_rule_set_use", &IdArg { id }).await
}

/// Copies a rule set into the project (editable) and puts it in force.
pub async fn layout_rule_set_copy(id: &str) -> Result<LayoutView, AppError> {
    call("layout_rule_set_copy", &IdArg { id }).await
}

/// Saves an edited project rule set (field errors: nothing saved).
pub async fn layout_rule_set_save(rule_set: &RuleSet) -> Result<RuleSetSaveOutcome, AppError> {
    call("layout_rule_set_save", &RuleSetArg { rule_set }).await
}

/// Deletes a project rule set.
pub async fn layout_rule_set_delete(id: &str) -> Result<LayoutView, AppError> {
    call("layout_rule_set_delete", &IdArg { id }).await
}

/// Exports the BOM or the plan through the native save dialog; returns the path written.
pub async fn layout_export(kind: LayoutExport) -> Result<String, AppError> {
    call("layout_export", &ExportArg { kind }).await
}
