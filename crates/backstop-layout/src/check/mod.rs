//! The full rule check: [`check`] resolves the layout, builds the spatial
//! index once and runs every enabled rule of the rule set over it.

mod arrays;
mod egress;
mod placement;
mod working_space;

use std::collections::HashMap;

use backstop_model::layout::{
    Bound, CheckReport, Diagnostic, EquipmentSpec, Highlight, Layout, Measure, ObjectRef, RackSpec, RuleId, RuleSet, Severity, Unit,
    Violation,
};

use crate::geom::{P, Rect};
use crate::index::{Index, IndexKind};
use crate::resolve::{Scene, resolve};
use crate::rules;

/// What to check: the layout, the equipment data it refers to and the rule
/// set.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    /// The layout.
    pub layout: &'a Layout,
    /// Specs of the catalog entries the layout uses, by key.
    pub specs: &'a [EquipmentSpec],
    /// Data of the IT racks (mass for floor loading); `None` when unknown.
    pub rack_spec: Option<&'a RackSpec>,
    /// The rule set.
    pub rules: &'a RuleSet,
}

/// How to check.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Spatial index (the grid unless comparing with the naive scan).
    pub index: IndexKind,
}

/// Checks `input` against its rule set.
pub fn check(input: &CheckInput<'_>) -> CheckReport {
    check_with(input, &CheckOptions::default())
}

/// [`check`] with options.
pub fn check_with(input: &CheckInput<'_>, options: &CheckOptions) -> CheckReport {
    let errors = rules::validate_rule_set(input.rules);
    if !errors.is_empty() {
        return CheckReport {
            rule_set_id: input.rules.id.clone(),
            diagnostics: errors
                .into_iter()
                .map(|e| Diagnostic {
                    severity: Severity::Error,
                    field: format!("rule_set.{}", e.field),
                    message: format!("rule set {}: {} — nothing was checked", input.rules.id, e.message),
                    objects: Vec::new(),
                })
                .collect(),
            ..CheckReport::default()
        };
    }
    let scene = resolve(input.layout, input.specs, input.rack_spec);
    let index = Index::new(scene.objs.iter().map(|o| o.rect).collect(), options.index);
    let mut ctx = Ctx { scene, index, rules: input.rules, layout: input.layout, out: Vec::new() };
    let (arrays, fire_areas) = arrays::run(&mut ctx);
    working_space::run(&mut ctx);
    placement::run(&mut ctx);
    egress::run(&mut ctx);

    let order: HashMap<RuleId, usize> = RuleId::ALL.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    let mut violations = std::mem::take(&mut ctx.out);
    violations.sort_by(|a, b| (order.get(&a.rule), &a.key).cmp(&(order.get(&b.rule), &b.key)));
    // Keys are unique per check (duplicate tags could collide).
    let mut seen: HashMap<String, u32> = HashMap::new();
    for v in &mut violations {
        let n = seen.entry(v.key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            v.key = format!("{}#{n}", v.key);
        }
    }
    CheckReport {
        rule_set_id: input.rules.id.clone(),
        violations,
        diagnostics: ctx.scene.diagnostics,
        arrays,
        fire_areas,
        objects_checked: ctx.scene.items,
        consistency: Vec::new(),
    }
}

/// Shared state of one check.
pub(crate) struct Ctx<'a> {
    pub scene: Scene<'a>,
    pub index: Index,
    pub rules: &'a RuleSet,
    pub layout: &'a Layout,
    pub out: Vec<Violation>,
}

/// A violation under construction.
pub(crate) struct Found {
    pub key: String,
    pub message: String,
    pub measure: Measure,
    pub objects: Vec<ObjectRef>,
    pub highlights: Vec<Highlight>,
}

impl Ctx<'_> {
    /// True when `rule` is enabled in the rule set.
    pub fn enabled(&self, rule: RuleId) -> bool {
        rules::effective_entry(self.rules, rule).is_some_and(|e| e.enabled)
    }

    /// Objects (indices) whose footprint touches `r`.
    pub fn near(&self, r: &Rect) -> Vec<usize> {
        let mut v = Vec::new();
        self.index.query(r, &mut v);
        v
    }

    /// Records a violation of `rule`.
    pub fn emit(&mut self, rule: RuleId, f: Found) {
        let (title, reference) = match rules::effective_entry(self.rules, rule) {
            Some(e) => (e.title.clone(), e.reference.clone()),
            None => (rule.as_str().to_owned(), String::new()),
        };
        self.out.push(Violation {
            key: format!("{}:{}", rule.as_str(), f.key),
            rule,
            title,
            reference,
            message: f.message,
            measure: f.measure,
            objects: f.objects,
            highlights: f.highlights,
        });
    }
}

/// `measured ≥ required` in `unit`.
pub(crate) fn at_least(measured: f64, required: f64, unit: Unit) -> Measure {
    Measure { measured, required, bound: Bound::AtLeast, unit }
}

/// `measured ≤ required` in `unit`.
pub(crate) fn at_most(measured: f64, required: f64, unit: Unit) -> Measure {
    Measure { measured, required, bound: Bound::AtMost, unit }
}

/// True when `value` exceeds `limit` beyond floating-point noise of sums.
pub(crate) fn exceeds(value: f64, limit: f64) -> bool {
    value > limit + 1e-9 * limit.abs().max(1.0)
}

/// Highlight rectangle.
pub(crate) fn hl_rect(r: &Rect) -> Highlight {
    let (min, max) = r.to_points();
    Highlight::Rect { min, max }
}

/// Highlight segment.
pub(crate) fn hl_seg(a: P, b: P) -> Highlight {
    Highlight::Segment { a: a.to_point(), b: b.to_point() }
}

/// A number for messages: no decimals at or above 100, otherwise up to
/// two, trailing zeros dropped; thousands separated by commas.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let decimals = if v.abs() >= 100.0 { 0 } else { 2 };
    let s = format!("{:.*}", decimals, v);
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    let (sign, rest) = if let Some(r) = s.strip_prefix('-') { ("-", r) } else { ("", s.as_str()) };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let out = match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    };
    if out == "-0" { "0".to_owned() } else { out }
}

/// `"BC-01, BC-02 and 3 more"`.
pub(crate) fn list_tags(tags: &[&str]) -> String {
    const SHOWN: usize = 6;
    if tags.len() <= SHOWN { tags.join(", ") } else { format!("{} and {} more", tags[..SHOWN - 1].join(", "), tags.len() - (SHOWN - 1)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_messages() {
        assert_eq!(fmt_num(914.0), "914");
        assert_eq!(fmt_num(1524.4), "1,524");
        assert_eq!(fmt_num(50.5), "50.5");
        assert_eq!(fmt_num(0.126), "0.13");
        assert_eq!(fmt_num(-0.001), "0");
        assert_eq!(fmt_num(1_234_567.0), "1,234,567");
        assert_eq!(fmt_num(f64::NAN), "NaN");
    }
}
