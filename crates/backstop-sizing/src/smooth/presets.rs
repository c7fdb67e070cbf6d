//! Requirement presets: the limits utilities and grid operators have
//! published or proposed for large (computational) loads, each citing its
//! document. A case copies a preset into its own requirements (like a
//! project's copy of a layout rule set) and may edit the copy.
//!
//! Most documents below were read through the "Awesome Compute–Power
//! Coordination" compilation (maintainer of github.com/Yuz2023/
//! awesome-aidc-modeling, updated 2026-10-07), which marks each row as
//! primary-read or secondary; the status of each (proposed, quoted) is in
//! its source text. Confirm the limit against the utility's current
//! document before a design is issued.

use backstop_model::sizing_smooth::{Requirement, RequirementKind, VariationMeasure};

/// A preset: key, name, requirements.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// Key used in case files (`presets = ["ercot"]`).
    pub key: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Its requirements.
    pub requirements: Vec<Requirement>,
}

fn req(id: &str, label: &str, kind: RequirementKind, source: &str) -> Requirement {
    Requirement { id: id.into(), label: label.into(), kind, source: source.into(), enabled: true }
}

const ERCOT_LCL: &str = "ERCOT, Large Computational Load power-variation limit discussion, 2026-06-19 (proposed), ercot.com/files/docs/2026/06/19/ERCOT-LCL-Power-Variation-Limit-Discussion_fin.pdf";
const CAISO_STRAW: &str = "CAISO, Large Load Technical Requirements straw proposal, 2026-06-15 (proposed), stakeholdercenter.caiso.com — Large-Load-Technical-Requirements-Straw-Proposal-Jun-15-2026.pdf";
const IESO_TRLCL: &str = "IESO, Technical Requirements for Large Computational Loads (TRLCL) v3.0, 2026-09-03, loads > 10 MW, ieso.ca";
const AESO: &str = "AESO large-load ramp limit as quoted in the CAISO straw proposal (2026-06-15); data centres treated as non-conforming loads (aesoengage.aeso.ca)";
const LIPA: &str = "LIPA / PSEG Long Island spectral limits as quoted in the CAISO straw proposal (2026-06-15); measure assumed peak-to-peak of the band-filtered power (conservative) — confirm with the utility";
const PREPA: &str = "PREPA (Puerto Rico) minimum technical requirements for PV: ramp ≤ 10 % of nameplate per minute (Dec 2013); Gevorgian & Booth, NREL/TP-5D00-57089 (2013)";

/// Every preset, in the order the app lists them.
pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            key: "ercot",
            name: "ERCOT (2026 proposal): ≤ 10 MW peak-to-peak in any 5 s, 0.1–55 Hz",
            requirements: vec![req(
                "ercot-variation",
                "ERCOT: ≤ 10 MW peak-to-peak in any rolling 5 s, 0.1–55 Hz band",
                RequirementKind::Variation {
                    max_mw: 10.0,
                    window_s: 5.0,
                    band_hz: Some([0.1, 55.0]),
                    measure: VariationMeasure::PeakToPeak,
                },
                ERCOT_LCL,
            )],
        },
        Preset {
            key: "caiso",
            name: "CAISO (2026 straw proposal): ≤ 20 MW/min averaged over a rolling 10 min",
            requirements: vec![req(
                "caiso-ramp-10min",
                "CAISO: average ramp over a rolling 10 min ≤ 20 MW/min",
                RequirementKind::Ramp { limit_mw_per_min: 20.0, window_s: 600.0 },
                CAISO_STRAW,
            )],
        },
        Preset {
            key: "ieso",
            name: "IESO TRLCL v3.0: ≤ 20 MW/min and ≤ 5 MW in any 15 s",
            requirements: vec![
                req(
                    "ieso-ramp",
                    "IESO: ramp ≤ 20 MW/min, up and down",
                    RequirementKind::Ramp { limit_mw_per_min: 20.0, window_s: 60.0 },
                    IESO_TRLCL,
                ),
                req(
                    "ieso-15s",
                    "IESO: ≤ 5 MW change in any 15 s",
                    RequirementKind::Variation { max_mw: 5.0, window_s: 15.0, band_hz: None, measure: VariationMeasure::PeakToPeak },
                    IESO_TRLCL,
                ),
            ],
        },
        Preset {
            key: "aeso",
            name: "AESO (quoted): ≤ 10 MW/min",
            requirements: vec![req(
                "aeso-ramp",
                "AESO: ramp ≤ 10 MW/min",
                RequirementKind::Ramp { limit_mw_per_min: 10.0, window_s: 60.0 },
                AESO,
            )],
        },
        Preset {
            key: "lipa",
            name: "LIPA (quoted): < 10 MW in 0.1–5 Hz, < 3.5 MW in 5–55 Hz",
            requirements: vec![
                req(
                    "lipa-0.1-5hz",
                    "LIPA: < 10 MW in the 0.1–5 Hz band",
                    RequirementKind::Variation {
                        max_mw: 10.0,
                        window_s: 10.0,
                        band_hz: Some([0.1, 5.0]),
                        measure: VariationMeasure::PeakToPeak,
                    },
                    LIPA,
                ),
                req(
                    "lipa-5-55hz",
                    "LIPA: < 3.5 MW in the 5–55 Hz band",
                    RequirementKind::Variation {
                        max_mw: 3.5,
                        window_s: 1.0,
                        band_hz: Some([5.0, 55.0]),
                        measure: VariationMeasure::PeakToPeak,
                    },
                    LIPA,
                ),
            ],
        },
        Preset {
            key: "pv-10",
            name: "PV-style ramp rule: ≤ 10 % of the site's peak per minute (PREPA)",
            requirements: vec![req(
                "pv-10-pct-min",
                "PV-style: ramp ≤ 10 %/min of the reference power",
                RequirementKind::RampPercent { percent_per_min: 10.0, reference_mw: None, window_s: 60.0 },
                PREPA,
            )],
        },
    ]
}

/// The preset with `key`.
pub fn preset(key: &str) -> Option<Preset> {
    presets().into_iter().find(|p| p.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_cites_its_document_and_has_unique_ids() {
        let all = presets();
        assert_eq!(all.iter().map(|p| p.key).collect::<Vec<_>>(), ["ercot", "caiso", "ieso", "aeso", "lipa", "pv-10"]);
        let mut ids = std::collections::HashSet::new();
        for p in &all {
            assert!(!p.requirements.is_empty());
            for r in &p.requirements {
                assert!(r.source.len() > 40, "{}: {}", r.id, r.source);
                assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
            }
        }
        assert!(preset("ieso").is_some_and(|p| p.requirements.len() == 2));
        // Every preset passes the checks a case's own requirements get.
        for p in &all {
            for (i, r) in p.requirements.iter().enumerate() {
                let mut d = Vec::new();
                super::super::check_req(&mut d, i, r);
                assert!(d.is_empty(), "{}: {d:?}", r.id);
            }
        }
        assert!(preset("nerc").is_none());
    }
}
