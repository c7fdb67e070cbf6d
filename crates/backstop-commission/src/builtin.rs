//! The built-in checklist: an acceptance test of a Li-ion BESS with SunSpec
//! pack controllers, as commonly required by vendors and owners. Engineers
//! copy it into the project and edit it per site.

use backstop_model::commissioning::{Check, ChecklistTemplate, PointRef, StepDef, Tolerance};

fn step(id: &str, title: &str, check: Check, reference: &str) -> StepDef {
    StepDef { id: id.into(), title: title.into(), check, operator_action: None, reference: reference.into() }
}

/// The templates shipped with Backstop.
pub fn builtin_templates() -> Vec<ChecklistTemplate> {
    vec![bess_acceptance()]
}

/// Acceptance of battery cabinets with SunSpec (802–805) pack controllers.
pub fn bess_acceptance() -> ChecklistTemplate {
    let project = |name: &str| Tolerance::Project { name: name.into() };
    let mut comm_loss = step(
        "comm-loss",
        "Communication-loss test",
        Check::CommunicationLoss {
            state_point: PointRef::new(802, "State"),
            safe_states: vec!["DISCONNECTED".into(), "STANDBY".into(), "FAULT".into()],
        },
        "Owner's acceptance practice: the pack must fall back to a safe state when its controller link is lost, and the monitoring must flag the data as stale.",
    );
    comm_loss.operator_action =
        Some("Pull the RS-485 connector (or stop the gateway) for at least the stale time, then reconnect it when Backstop asks.".into());
    ChecklistTemplate {
        id: "bess-acceptance".into(),
        name: "BESS acceptance (SunSpec pack controllers)".into(),
        version: 1,
        description: "Communications, firmware, cell and temperature balance, string alignment, insulation, alarms, communication loss and as-left setpoints.".into(),
        steps: vec![
            step("comms", "Communications", Check::Communications,
                "Address plan: every planned unit id answers with a unique serial number; the link settings are recorded."),
            step("firmware", "Firmware inventory", Check::FirmwareInventory { expected: String::new() },
                "Vendor requirement: all pack controllers on the specified version (SunSpec model 1 Vr)."),
            step("cell-spread", "Cell-voltage spread per string", Check::CellVoltageSpread { tolerance_mv: project("cell_spread_mv") },
                "Vendor balancing specification; the tolerance is the project setting (cell spread, mV)."),
            step("temperature", "Module temperatures", Check::Temperature { min_c: 0.0, max_c: 40.0, spread_k: project("temperature_k") },
                "Allowed 0–40 °C (20–25 °C recommended) per common Li-ion cabinet specifications; spread per project setting."),
            step("string-alignment", "String alignment before paralleling",
                Check::StringAlignment { max_voltage_diff_v: Tolerance::Vendor { value: 2.0, source: "typical vendor limit for closing string contactors in parallel (≤ 2 V)".into() }, soc_points: project("soc_points") },
                "Strings are paralleled only within the vendor's voltage-difference limit and at equal SOC."),
            step("insulation", "Insulation resistance",
                Check::InsulationResistance { point: PointRef::new(0, "InsulationResistance"), warning_kohm: 100.0, alarm_kohm: 50.0 },
                "IEC 61557-8 insulation monitoring, where the pack controller reports it."),
            step("alarms", "Alarm and event flags clear",
                Check::AlarmsClear { points: vec![PointRef::new(802, "Evt1"), PointRef::new(802, "Evt2"), PointRef::new(804, "Evt1"), PointRef::new(804, "Evt2")] },
                "No active alarm, warning or fault before handover."),
            comm_loss,
            step("setpoints", "As-left setpoints against design", Check::SetpointBaseline,
                "Configuration export compared with the design; catches 'temporary' setpoints left in place."),
        ],
    }
}
