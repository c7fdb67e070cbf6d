//! Built-in rule sets and validation of edited ones.
//!
//! Every threshold the checks use lives in a [`RuleSet`] (model type), so an
//! engineer copies the default, edits it for the jurisdiction and stores it
//! in the project. [`validate_rule_set`] names every field that is wrong.

use backstop_model::layout::{
    ArrayRules, Chemistry, ChemistryLimits, EgressRules, FieldError, FloorRules, OutdoorRules, RuleEntry, RuleId, RuleSet, VoltageBand,
    WorkingSpaceRules,
};

/// Id of the default rule set.
pub const DEFAULT_RULE_SET_ID: &str = "ifc2018-nfpa855-2023-nec2017";

/// Default title and code reference of each rule.
fn default_entry(rule: RuleId) -> (&'static str, &'static str) {
    match rule {
        RuleId::ArrayEnergy => ("Battery array energy", "IFC 2018 §1206.2.8.3 / NFPA 855-2023 §9.4.1.1"),
        RuleId::ArrayWallSpacing => ("Battery array spacing from walls", "IFC 2018 §1206.2.8.3 / NFPA 855-2023 §9.4.1.1"),
        RuleId::ListedSystemEnergy => {
            ("Listed pre-engineered / prepackaged system energy", "IFC 2018 §1206.2.8.3 exception / NFPA 855-2023 §9.4.1.1")
        }
        RuleId::FireAreaEnergy => ("Maximum energy per fire area", "IFC 2018 §1206.2.9, Table 1206.2.9"),
        RuleId::FireAreaMixed => ("Mixed battery technologies in one fire area", "IFC 2018 §1206.2.9.1"),
        RuleId::WorkingSpaceDepth => ("Working-space depth", "NEC 2017 §110.26(A)(1), Table 110.26(A)(1)"),
        RuleId::WorkingSpaceWidth => ("Working-space width", "NEC 2017 §110.26(A)(2)"),
        RuleId::WorkingSpaceDoorOpening => ("Equipment doors open 90°", "NEC 2017 §110.26(A)(2)"),
        RuleId::WorkingSpaceHeadroom => ("Working-space headroom", "NEC 2017 §110.26(A)(3)"),
        RuleId::WorkingSpaceEntrance => ("Entrance at each end of large equipment", "NEC 2017 §110.26(C)(2)"),
        RuleId::PersonnelDoor => ("Personnel doors open in the direction of egress", "NEC 2017 §110.26(C)(3)"),
        RuleId::Clearance => ("Manufacturer-required clearances", "NEC 2017 §110.3(B) (listing and instructions)"),
        RuleId::FloorLoadFootprint => ("Floor load under an item", "Allowable floor load from the building engineer (IBC 2018 §1607)"),
        RuleId::FloorLoadRoom => ("Distributed floor load of a room", "Allowable floor load from the building engineer (IBC 2018 §1607)"),
        RuleId::Overlap => ("Items overlap", "Drawing consistency"),
        RuleId::OutsideRoom => ("Item outside its room", "Drawing consistency"),
        RuleId::EgressWidth => ("Egress path width", "IFC 2018 §1020.2 / §1018"),
        RuleId::EgressObstructed => ("Egress path kept clear", "IFC 2018 §1031.3"),
        RuleId::EgressDoorWidth => ("Width of doors on an egress path", "IFC 2018 §1010.1.1"),
        RuleId::DoorSwing => ("Door swing kept clear", "IFC 2018 §1031.3"),
        RuleId::OutdoorBuildingSeparation => {
            ("Outdoor battery separation from buildings", "IFC 2018 §1206.2.8.6.1 / NFPA 855-2023 §9.5.2.1")
        }
        RuleId::OutdoorEgressSeparation => {
            ("Outdoor battery separation from means of egress", "IFC 2018 §1206.2.8.6.1 / NFPA 855-2023 §9.5.2.1")
        }
        RuleId::DesignBatteryUnits => (
            "Battery units installed for the sizing case",
            "Design consistency: the governing result of the sizing case the room or item serves",
        ),
        RuleId::DesignBatteryEnergy => (
            "Battery energy installed for the sizing case",
            "Design consistency: the governing result of the sizing case the room or item serves",
        ),
        RuleId::DesignStrings => (
            "Battery strings installed for the sizing case",
            "Design consistency: the governing result of the sizing case the room or item serves",
        ),
        RuleId::DesignConverterPower => {
            ("UPS/PCS power installed for the sizing case", "Design consistency: the result of the sizing case the room or unit serves")
        }
    }
}

/// Rules added after rule sets were first stored in projects: a stored set
/// that does not list one of them was saved before it existed, so it is
/// checked (enabled, default title and reference) rather than refused.
pub const ADDED_RULES: [RuleId; 5] =
    [RuleId::DesignBatteryUnits, RuleId::DesignBatteryEnergy, RuleId::DesignStrings, RuleId::DesignConverterPower, RuleId::EgressDoorWidth];

/// The default entry (enabled, default title and reference) of `rule`.
pub fn default_rule_entry(rule: RuleId) -> RuleEntry {
    let (title, reference) = default_entry(rule);
    RuleEntry { rule, enabled: true, title: title.to_owned(), reference: reference.to_owned() }
}

/// Brings a rule set saved before [`ADDED_RULES`] existed up to date: each
/// added rule it does not list is appended with its default entry. Rules it
/// lists (enabled or not) are left as they are.
pub fn upgrade_rule_set(rs: &mut RuleSet) {
    for rule in ADDED_RULES {
        if !rs.rules.iter().any(|e| e.rule == rule) {
            rs.rules.push(default_rule_entry(rule));
        }
    }
}

/// The default rule set: IFC 2018 §1206 / NFPA 855-2023 / NEC 2017 §110.26
/// figures.
pub fn default_rule_set() -> RuleSet {
    let chem = |chemistry, threshold_kwh, array_rules_apply, max: Option<f64>| ChemistryLimits {
        chemistry,
        threshold_kwh,
        array_rules_apply,
        max_per_fire_area_kwh: max,
    };
    RuleSet {
        id: DEFAULT_RULE_SET_ID.to_owned(),
        name: "IFC 2018 / NFPA 855-2023 / NEC 2017".to_owned(),
        description: "Figures of IFC 2018 §1206 (stationary storage battery systems), NFPA 855 (2023) and NEC 2017 \
            §110.26 as commonly summarised. Authorities having jurisdiction amend these: copy this rule set, edit \
            it for the jurisdiction and verify the section numbers against the adopted editions."
            .to_owned(),
        rules: RuleId::ALL.into_iter().map(default_rule_entry).collect(),
        chemistries: vec![
            chem(Chemistry::LithiumIon, 20.0, true, Some(600.0)),
            chem(Chemistry::LeadAcid, 70.0, false, None),
            chem(Chemistry::NickelCadmium, 70.0, false, None),
            chem(Chemistry::Flow, 20.0, true, Some(600.0)),
            chem(Chemistry::Sodium, 20.0, true, Some(600.0)),
            chem(Chemistry::Other, 10.0, true, Some(200.0)),
        ],
        arrays: ArrayRules {
            max_array_kwh: 50.0,
            listed_system_max_kwh: 250.0,
            min_spacing_mm: 914,
            min_wall_spacing_mm: 914,
            apply_outdoors: false,
            allow_fire_test_data: true,
        },
        working_space: WorkingSpaceRules {
            bands: vec![
                VoltageBand { max_v: 150.0, depth_mm: [900, 900, 900] },
                VoltageBand { max_v: 600.0, depth_mm: [900, 1000, 1200] },
                VoltageBand { max_v: 1000.0, depth_mm: [900, 1200, 1500] },
            ],
            min_width_mm: 762,
            headroom_mm: 2000,
            wall_condition: 2,
            large_equipment_min_a: 1200.0,
            large_equipment_min_width_mm: 1800,
            entrance_width_mm: 610,
            personnel_door_min_a: 800.0,
            personnel_door_distance_mm: 7600,
        },
        floor: FloorRules { footprint_factor: 1.0 },
        egress: EgressRules { min_width_mm: 914, min_door_width_mm: 813 },
        outdoor: OutdoorRules { building_separation_mm: 1524, egress_separation_mm: 3048 },
    }
}

/// The rule sets built into Backstop (engineers copy one to start their own).
pub fn builtin_rule_sets() -> Vec<RuleSet> {
    vec![default_rule_set()]
}

/// Checks an edited rule set. An empty result means it can be used; each
/// error names the field and says what to enter.
pub fn validate_rule_set(rs: &RuleSet) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut bad = |field: String, message: String| errs.push(FieldError { field, message });
    if rs.id.trim().is_empty() || rs.id.trim() != rs.id || rs.id.chars().any(char::is_control) {
        bad("id".into(), "give the rule set an id without leading/trailing spaces (e.g. \"city-of-x-2024\")".into());
    }
    if rs.name.trim().is_empty() {
        bad("name".into(), "give the rule set a name".into());
    }
    for rule in RuleId::ALL {
        let n = rs.rules.iter().filter(|e| e.rule == rule).count();
        // A set saved before a rule was added does not list it (see
        // `upgrade_rule_set`); it is checked with its default entry.
        if n != 1 && !(n == 0 && ADDED_RULES.contains(&rule)) {
            bad(
                "rules".into(),
                format!("rule {} is listed {n} times; list every rule exactly once (disable it instead of removing it)", rule.as_str()),
            );
        }
    }
    for (i, e) in rs.rules.iter().enumerate() {
        if e.title.trim().is_empty() {
            bad(format!("rules[{i}].title"), format!("rule {} needs a title", e.rule.as_str()));
        }
        if e.enabled && e.reference.trim().is_empty() {
            bad(
                format!("rules[{i}].reference"),
                format!("rule {} is enabled but cites no code section; enter the reference", e.rule.as_str()),
            );
        }
    }
    for c in Chemistry::ALL {
        let n = rs.chemistries.iter().filter(|l| l.chemistry == c).count();
        if n != 1 {
            bad("chemistries".into(), format!("chemistry {} is listed {n} times; list every chemistry exactly once", c.as_str()));
        }
    }
    for (i, l) in rs.chemistries.iter().enumerate() {
        if !(l.threshold_kwh.is_finite() && l.threshold_kwh >= 0.0) {
            bad(
                format!("chemistries[{i}].threshold_kwh"),
                format!("the threshold of {} is {}; enter a number ≥ 0 kWh", l.chemistry.label(), l.threshold_kwh),
            );
        }
        if let Some(m) = l.max_per_fire_area_kwh
            && !(m.is_finite() && m > 0.0)
        {
            bad(
                format!("chemistries[{i}].max_per_fire_area_kwh"),
                format!("the fire-area maximum of {} is {m}; enter a number > 0 kWh, or leave it empty for no limit", l.chemistry.label()),
            );
        }
    }
    let a = &rs.arrays;
    for (field, v) in [("arrays.max_array_kwh", a.max_array_kwh), ("arrays.listed_system_max_kwh", a.listed_system_max_kwh)] {
        if !(v.is_finite() && v > 0.0) {
            bad(field.into(), format!("{field} is {v}; enter a number > 0 kWh"));
        }
    }
    let ws = &rs.working_space;
    if ws.bands.is_empty() {
        bad("working_space.bands".into(), "the working-space table needs at least one voltage band".into());
    }
    let mut prev = 0.0;
    for (i, b) in ws.bands.iter().enumerate() {
        if !(b.max_v.is_finite() && b.max_v > prev) {
            bad(
                format!("working_space.bands[{i}].max_v"),
                format!("band {} ends at {} V; bands must end above 0 V and above the previous band ({prev} V)", i + 1, b.max_v),
            );
        }
        if b.max_v.is_finite() {
            prev = b.max_v;
        }
        if b.depth_mm.contains(&0) {
            bad(format!("working_space.bands[{i}].depth_mm"), format!("band {} has a zero depth; enter depths in mm", i + 1));
        }
        if b.depth_mm[0] > b.depth_mm[1] || b.depth_mm[1] > b.depth_mm[2] {
            bad(
                format!("working_space.bands[{i}].depth_mm"),
                format!(
                    "band {} depths {:?} decrease from condition 1 to 3; condition 2 needs at least the depth of 1, and 3 at least that of 2",
                    i + 1,
                    b.depth_mm
                ),
            );
        }
    }
    if !(1..=3).contains(&ws.wall_condition) {
        bad(
            "working_space.wall_condition".into(),
            format!("the wall condition is {}; enter 1, 2 or 3 (grounded walls are condition 2)", ws.wall_condition),
        );
    }
    for (field, v) in
        [("working_space.large_equipment_min_a", ws.large_equipment_min_a), ("working_space.personnel_door_min_a", ws.personnel_door_min_a)]
    {
        if !(v.is_finite() && v >= 0.0) {
            bad(field.into(), format!("{field} is {v}; enter a number ≥ 0 A"));
        }
    }
    if ws.entrance_width_mm == 0 {
        bad("working_space.entrance_width_mm".into(), "the entrance width is 0; enter it in mm (610 in NEC 2017)".into());
    }
    if rs.egress.min_door_width_mm == 0 {
        bad("egress.min_door_width_mm".into(), "the door width is 0; enter it in mm (813 in IFC 2018)".into());
    }
    let f = rs.floor.footprint_factor;
    if !(f.is_finite() && f > 0.0) {
        bad("floor.footprint_factor".into(), format!("the footprint factor is {f}; enter a number > 0 (1.0 compares directly)"));
    }
    errs
}

/// The rule set's entry for `rule` (validated sets have exactly one, or
/// none for a rule added after the set was saved).
pub fn entry(rs: &RuleSet, rule: RuleId) -> Option<&RuleEntry> {
    rs.rules.iter().find(|e| e.rule == rule)
}

/// The entry the checks use for `rule`: the set's own, or for a rule added
/// after the set was saved ([`ADDED_RULES`]) its default entry.
pub fn effective_entry(rs: &RuleSet, rule: RuleId) -> Option<std::borrow::Cow<'_, RuleEntry>> {
    match entry(rs, rule) {
        Some(e) => Some(std::borrow::Cow::Borrowed(e)),
        None if ADDED_RULES.contains(&rule) => Some(std::borrow::Cow::Owned(default_rule_entry(rule))),
        None => None,
    }
}

/// The rule set's limits for `chemistry`.
pub fn chemistry_limits(rs: &RuleSet, chemistry: Chemistry) -> Option<&ChemistryLimits> {
    rs.chemistries.iter().find(|l| l.chemistry == chemistry)
}

/// The rule set a project is checked against: the one `settings.rule_set`
/// names — a copy kept in the project first, then a built-in one — or the
/// default, with the rules added since it was saved ([`upgrade_rule_set`]). An unknown name or an invalid rule set is an error saying what
/// to do; nothing must be checked against the wrong figures.
pub fn project_rule_set(settings: &backstop_model::project::Settings) -> Result<RuleSet, String> {
    let rs = match settings.rule_set.as_deref() {
        None => default_rule_set(),
        Some(id) => match settings.rule_sets.iter().find(|r| r.id == id) {
            Some(r) => r.clone(),
            None => builtin_rule_sets().into_iter().find(|r| r.id == id).ok_or_else(|| {
                let mut known: Vec<String> = settings.rule_sets.iter().map(|r| r.id.clone()).collect();
                known.extend(builtin_rule_sets().into_iter().map(|r| r.id));
                format!(
                    "the project names rule set \"{id}\", which is neither in the project nor built in (available: {})",
                    known.join(", ")
                )
            })?,
        },
    };
    usable_rule_set(rs).map_err(|e| e.to_string())
}

/// A rule set that cannot be checked with, and why (each problem as
/// "field: message").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusableRuleSet {
    /// The rule set's id.
    pub id: String,
    /// Its problems.
    pub problems: Vec<String>,
}

impl std::fmt::Display for UnusableRuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule set \"{}\" cannot be used; nothing was checked: {}", self.id, self.problems.join("; "))
    }
}

/// `rs` ready to check with: upgraded (a copy saved before a rule was
/// added gets that rule's default entry, [`upgrade_rule_set`]) and
/// validated; otherwise why it cannot be used.
pub fn usable_rule_set(mut rs: RuleSet) -> Result<RuleSet, UnusableRuleSet> {
    upgrade_rule_set(&mut rs);
    let errors = validate_rule_set(&rs);
    if errors.is_empty() {
        return Ok(rs);
    }
    Err(UnusableRuleSet { id: rs.id, problems: errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_complete() {
        let rs = default_rule_set();
        assert_eq!(validate_rule_set(&rs), Vec::new());
        assert_eq!(rs.rules.len(), RuleId::ALL.len());
    }

    #[test]
    fn a_set_saved_before_the_design_rules_is_checked_with_them() {
        let mut old = default_rule_set();
        old.rules.retain(|e| !ADDED_RULES.contains(&e.rule));
        assert_eq!(validate_rule_set(&old), Vec::new(), "missing added rules are not an error");
        assert_eq!(effective_entry(&old, RuleId::DesignBatteryUnits).map(|e| e.enabled), Some(true));
        let mut no_overlap = old.clone();
        no_overlap.rules.retain(|e| e.rule != RuleId::Overlap);
        assert!(effective_entry(&no_overlap, RuleId::Overlap).is_none(), "only added rules get a default");
        let mut up = old.clone();
        upgrade_rule_set(&mut up);
        assert_eq!(up.rules.len(), RuleId::ALL.len());
        // A rule the engineer switched off stays off.
        let mut off = default_rule_set();
        off.rules.iter_mut().filter(|e| e.rule == RuleId::DesignStrings).for_each(|e| e.enabled = false);
        upgrade_rule_set(&mut off);
        assert_eq!(effective_entry(&off, RuleId::DesignStrings).map(|e| e.enabled), Some(false));
        assert_eq!(off.rules.len(), RuleId::ALL.len());
        // A duplicate of an added rule is still refused.
        let mut dup = default_rule_set();
        dup.rules.push(default_rule_entry(RuleId::DesignStrings));
        assert_eq!(validate_rule_set(&dup).len(), 1);
    }

    #[test]
    fn a_rule_set_is_usable_only_when_it_validates() {
        assert_eq!(usable_rule_set(default_rule_set()), Ok(default_rule_set()));
        let broken = RuleSet { id: " spaced ".into(), ..default_rule_set() };
        let e = usable_rule_set(broken).unwrap_err();
        assert_eq!(e.id, " spaced ");
        assert!(e.problems.iter().any(|p| p.starts_with("id: give the rule set an id")), "{e:?}");
        assert!(e.to_string().starts_with("rule set \" spaced \" cannot be used; nothing was checked: id: "), "{e}");
    }

    #[test]
    fn edited_fields_are_named() {
        let mut rs = default_rule_set();
        rs.arrays.max_array_kwh = f64::NAN;
        rs.working_space.bands[1].max_v = 100.0;
        rs.working_space.bands[2].depth_mm = [900, 1200, 1000];
        rs.working_space.wall_condition = 4;
        rs.rules.retain(|e| e.rule != RuleId::Overlap);
        rs.chemistries[0].max_per_fire_area_kwh = Some(-1.0);
        let fields: Vec<String> = validate_rule_set(&rs).into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "rules",
                "chemistries[0].max_per_fire_area_kwh",
                "arrays.max_array_kwh",
                "working_space.bands[1].max_v",
                "working_space.bands[2].depth_mm",
                "working_space.wall_condition",
            ]
        );
    }
}
