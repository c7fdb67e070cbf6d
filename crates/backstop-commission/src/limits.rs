//! The limits a setpoint write must respect, resolved from the project.
//!
//! Limits that matter for safety come from the project file, never from the
//! screen: the app and the CLI both call [`write_limits`] with the open
//! project's commissioning plan and hand the result to the link, which
//! refuses anything outside it before a byte is sent. A request cannot
//! widen or skip them because it carries no limit at all.

use backstop_model::commissioning::CommissioningPlan;
use backstop_model::link::ProjectLimit;

use crate::read::path_matches;

/// Every project limit on writing `path` of model `model` to `unit`:
/// - a design setpoint for the point (for this unit or every unit) allows
///   only its value ± its tolerance (the value the pack must be left at);
/// - a write limit the project sets for the point allows its range.
///
/// The model's own range is checked by the link on top of these. Each
/// limit names where it is set, so a refusal can say so.
pub fn write_limits(plan: &CommissioningPlan, unit: u8, model: u16, path: &str) -> Vec<ProjectLimit> {
    let applies = |u: Option<u8>| u.is_none_or(|u| u == unit);
    let mut out = Vec::new();
    for s in plan.design_setpoints.iter().filter(|s| s.point.model == model && applies(s.unit) && path_matches(&s.point.path, path)) {
        let units = if s.unit_label.is_empty() { String::new() } else { format!(" {}", s.unit_label) };
        let whom = s.unit.map(|u| format!(" for unit {u}")).unwrap_or_default();
        out.push(ProjectLimit {
            min: s.value - s.tolerance.abs(),
            max: s.value + s.tolerance.abs(),
            source: format!(
                "the project's design setpoint {model}.{} = {} ± {}{units}{whom} (Commissioning plan → design setpoints)",
                s.point.path,
                s.value,
                s.tolerance.abs()
            ),
        });
    }
    for l in plan.write_limits.iter().filter(|l| l.point.model == model && applies(l.unit) && path_matches(&l.point.path, path)) {
        let from = if l.source.trim().is_empty() { String::new() } else { format!(", from {}", l.source.trim()) };
        let whom = l.unit.map(|u| format!(" for unit {u}")).unwrap_or_default();
        // A limit with min above max (or a NaN) allows nothing: refused, never ignored.
        out.push(ProjectLimit {
            min: l.min,
            max: l.max,
            source: format!("the project's write limit for {model}.{}{whom} (Commissioning plan → write limits{from})", l.point.path),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use backstop_model::commissioning::{DesignSetpoint, PointLimit, PointRef};

    fn plan() -> CommissioningPlan {
        CommissioningPlan {
            design_setpoints: vec![
                DesignSetpoint { unit: None, point: PointRef::new(802, "SoCRsvMin"), value: 10.0, tolerance: 0.5, unit_label: "%".into() },
                DesignSetpoint {
                    unit: Some(2),
                    point: PointRef::new(802, "SoCRsvMax"),
                    value: 95.0,
                    tolerance: 1.0,
                    unit_label: "%".into(),
                },
            ],
            write_limits: vec![PointLimit {
                unit: None,
                point: PointRef::new(804, "SetEna"),
                min: 0.0,
                max: 1.0,
                source: "vendor manual rev C §4".into(),
            }],
            ..CommissioningPlan::default()
        }
    }

    #[test]
    fn design_setpoints_and_project_limits_apply_to_their_points_and_units() {
        let p = plan();
        let l = write_limits(&p, 1, 802, "SoCRsvMin");
        assert_eq!(l.len(), 1);
        assert_eq!((l[0].min, l[0].max), (9.5, 10.5));
        assert!(l[0].source.contains("design setpoint 802.SoCRsvMin = 10 ± 0.5 %"), "{}", l[0].source);
        // A unit-specific setpoint binds only that unit.
        assert!(write_limits(&p, 1, 802, "SoCRsvMax").is_empty());
        assert_eq!(write_limits(&p, 2, 802, "SoCRsvMax")[0].max, 96.0);
        // Another model or point is not limited by the project.
        assert!(write_limits(&p, 1, 803, "SoCRsvMin").is_empty());
        let ena = write_limits(&p, 7, 804, "SetEna");
        assert_eq!((ena[0].min, ena[0].max), (0.0, 1.0));
        assert!(ena[0].source.contains("vendor manual rev C §4"));
    }
}
