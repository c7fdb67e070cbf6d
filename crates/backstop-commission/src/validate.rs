//! Validation of a (user-edited) checklist template. Every error names the
//! step it is about.

use std::collections::HashSet;

use backstop_model::commissioning::{Check, ChecklistTemplate, PointRef, Tolerance};

/// What is wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the checklist has no id; give it a short key such as \"site-acceptance\"")]
    NoId,
    #[error("the checklist \"{0}\" has no steps")]
    NoSteps(String),
    #[error("step {index} has no id")]
    EmptyStepId { index: usize },
    #[error("step \"{step}\": the id is used by more than one step")]
    DuplicateStep { step: String },
    #[error("step \"{step}\": {problem}")]
    Step { step: String, problem: String },
}

/// Project tolerance names a template may refer to.
pub const PROJECT_TOLERANCES: [&str; 5] = ["voltage_pct", "current_pct", "temperature_k", "soc_points", "cell_spread_mv"];

/// Checks a template; all problems are returned, not just the first.
pub fn validate(t: &ChecklistTemplate) -> Result<(), Vec<TemplateError>> {
    let mut errors = Vec::new();
    if t.id.trim().is_empty() {
        errors.push(TemplateError::NoId);
    }
    if t.steps.is_empty() {
        errors.push(TemplateError::NoSteps(t.name.clone()));
    }
    let mut seen = HashSet::new();
    for (i, s) in t.steps.iter().enumerate() {
        if s.id.trim().is_empty() {
            errors.push(TemplateError::EmptyStepId { index: i + 1 });
            continue;
        }
        if !seen.insert(s.id.as_str()) {
            errors.push(TemplateError::DuplicateStep { step: s.id.clone() });
        }
        let mut problem = |p: String| errors.push(TemplateError::Step { step: s.id.clone(), problem: p });
        if s.title.trim().is_empty() {
            problem("the step has no title".into());
        }
        for tol in tolerances(&s.check) {
            if let Some(p) = tolerance_problem(tol) {
                problem(p);
            }
        }
        for p in points(&s.check) {
            if let Some(msg) = point_problem(p) {
                problem(msg);
            }
        }
        match &s.check {
            Check::Temperature { min_c, max_c, .. } if !(min_c.is_finite() && max_c.is_finite() && min_c < max_c) => {
                problem(format!("the temperature range {min_c}…{max_c} °C is not a range"));
            }
            Check::InsulationResistance { warning_kohm, alarm_kohm, .. }
                if !(warning_kohm.is_finite() && alarm_kohm.is_finite() && *alarm_kohm > 0.0 && warning_kohm >= alarm_kohm) =>
            {
                problem(format!(
                    "insulation thresholds must be positive with warning ≥ alarm (got warning {warning_kohm} kΩ, alarm {alarm_kohm} kΩ)"
                ));
            }
            Check::PointRange { min, max, .. } if !(min.is_finite() && max.is_finite() && min <= max) => {
                problem(format!("the range {min}…{max} is not a range"));
            }
            Check::AlarmsClear { points } if points.is_empty() => problem("no alarm points are listed".into()),
            Check::CommunicationLoss { safe_states, .. } if safe_states.is_empty() => problem("no safe state is listed".into()),
            _ => {}
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn tolerances(c: &Check) -> Vec<&Tolerance> {
    match c {
        Check::CellVoltageSpread { tolerance_mv } => vec![tolerance_mv],
        Check::Temperature { spread_k, .. } => vec![spread_k],
        Check::StringAlignment { max_voltage_diff_v, soc_points } => vec![max_voltage_diff_v, soc_points],
        _ => Vec::new(),
    }
}

fn points(c: &Check) -> Vec<&PointRef> {
    match c {
        Check::InsulationResistance { point, .. } | Check::PointRange { point, .. } => vec![point],
        Check::AlarmsClear { points } => points.iter().collect(),
        Check::CommunicationLoss { state_point, .. } => vec![state_point],
        _ => Vec::new(),
    }
}

fn tolerance_problem(t: &Tolerance) -> Option<String> {
    match t {
        Tolerance::Value { value } | Tolerance::Vendor { value, .. } if !(value.is_finite() && *value >= 0.0) => {
            Some(format!("the tolerance {value} is not a non-negative number"))
        }
        Tolerance::Vendor { source, .. } if source.trim().is_empty() => {
            Some("a vendor tolerance needs its source (document and page)".into())
        }
        Tolerance::Project { name } if !PROJECT_TOLERANCES.contains(&name.as_str()) => {
            Some(format!("\"{name}\" is not a project tolerance (use one of {})", PROJECT_TOLERANCES.join(", ")))
        }
        _ => None,
    }
}

/// Model 0 names a point of a vendor register map (checked when the map is
/// loaded); SunSpec points are checked against the model definitions.
fn point_problem(p: &PointRef) -> Option<String> {
    if p.path.trim().is_empty() {
        return Some(format!("a point of model {} has no path", p.model));
    }
    if p.model == 0 {
        return None;
    }
    let Some(def) = backstop_sunspec::model_def(p.model) else {
        return Some(format!("SunSpec model {} is not known to Backstop", p.model));
    };
    let segments: Vec<&str> = p.path.split('.').collect();
    let mut group = &def.group;
    for (i, seg) in segments.iter().enumerate() {
        let name = seg.split('[').next().unwrap_or(seg);
        if i + 1 == segments.len() {
            if seg.contains('[') || group.point(name).is_none() {
                return Some(format!("model {} ({}) has no point \"{}\"", p.model, def.name, p.path));
            }
        } else {
            match group.groups.iter().find(|g| g.name == name) {
                Some(g) => group = g,
                None => {
                    return Some(format!("model {} ({}) has no group \"{name}\" (in \"{}\")", p.model, def.name, p.path));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::bess_acceptance;

    #[test]
    fn builtin_templates_are_valid() {
        for t in crate::builtin_templates() {
            assert_eq!(validate(&t), Ok(()), "{}", t.id);
        }
    }

    #[test]
    fn errors_name_the_step() {
        let mut t = bess_acceptance();
        t.steps[6].check = Check::AlarmsClear { points: vec![PointRef::new(802, "Evt9")] };
        t.steps[2].check = Check::CellVoltageSpread { tolerance_mv: Tolerance::Project { name: "cell_sprad_mv".into() } };
        t.steps[4].check = Check::StringAlignment {
            max_voltage_diff_v: Tolerance::Value { value: f64::NAN },
            soc_points: Tolerance::Vendor { value: 3.0, source: " ".into() },
        };
        t.steps.push(t.steps[0].clone());
        let errors = validate(&t).unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(text, vec![
            "step \"cell-spread\": \"cell_sprad_mv\" is not a project tolerance (use one of voltage_pct, current_pct, temperature_k, soc_points, cell_spread_mv)".to_string(),
            "step \"string-alignment\": the tolerance NaN is not a non-negative number".to_string(),
            "step \"string-alignment\": a vendor tolerance needs its source (document and page)".to_string(),
            "step \"alarms\": model 802 (battery) has no point \"Evt9\"".to_string(),
            "step \"comms\": the id is used by more than one step".to_string(),
        ]);
    }

    #[test]
    fn group_paths_are_checked() {
        assert_eq!(point_problem(&PointRef::new(804, "lithium_ion_string_module[*].ModCellVMax")), None);
        assert_eq!(
            point_problem(&PointRef::new(804, "module[*].ModCellVMax")),
            Some("model 804 (lithium_ion_string) has no group \"module\" (in \"module[*].ModCellVMax\")".into())
        );
        assert_eq!(point_problem(&PointRef::new(9999, "X")), Some("SunSpec model 9999 is not known to Backstop".into()));
        assert_eq!(point_problem(&PointRef::new(0, "InsulationResistance")), None);
    }
}
