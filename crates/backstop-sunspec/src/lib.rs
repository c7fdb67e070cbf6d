//! SunSpec model definitions and pure decoding of register blocks.
//!
//! Why it exists: the link crate reads registers, the simulator serves them
//! and the UI shows them; all three must agree on what register 40123 means.
//! This crate is the single place that knows.
//!
//! Key design choice: no hand-typed register tables. The definitions are
//! SunSpec's own JSON model files (copied from pysunspec2 into `models/`),
//! parsed at first use; offsets, repeating groups, scale-factor locations,
//! enums and bitfields are all computed from them. Lengths of repeating
//! groups come from the device (count points, reported model length).
//! "Not implemented" sentinels decode to [`PointValue::NotImplemented`],
//! never to a number. The crate does no I/O.
//!
//! Modules:
//! - [`defs`]: the parsed definitions ([`model_def`]).
//! - [`layout`]: where each point of one model instance lives.
//! - [`decode`]: values from registers ([`decode_model`]) and checked
//!   encoding of writes ([`decode::encode_write`]).
//! - [`image`]: register images built from values (the simulator's side).
//! - [`regmap`]: run-time register maps (TOML/JSON) for non-SunSpec packs.
#![forbid(unsafe_code)]

pub mod decode;
pub mod defs;
pub mod image;
pub mod layout;
pub mod regmap;

pub use backstop_model::link::PointValue;
pub use decode::{Scale, decode_model, decode_point, encode_write, writable_range};
pub use defs::{ModelDef, PointDef, PointType, known_models, model_def};
pub use image::ModelImage;
pub use regmap::RegisterMap;

/// "SunS" as two registers.
pub const SUNS_MARKER: [u16; 2] = [0x5375, 0x6E53];

/// Where SunSpec devices put "SunS", in the order to try them.
pub const BASE_ADDRESSES: [u16; 3] = [40000, 0, 50000];

/// The model id that ends a SunSpec model chain.
pub const END_MODEL_ID: u16 = 0xFFFF;

/// Errors of this crate; messages are complete sentences.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SunSpecError {
    #[error("SunSpec model definition problem: {0}")]
    Definition(String),
    #[error("Backstop has no definition for SunSpec model {0}; its registers are shown raw")]
    UnknownModel(u16),
    #[error("the register block is too short: {needed} registers needed, {got} read")]
    Truncated { needed: usize, got: usize },
    #[error("model {model} has no point {path}")]
    NoSuchPoint { model: u16, path: String },
    #[error("cannot encode: {0}")]
    Encode(String),
    #[error("Write refused, nothing was sent: {0}")]
    Refused(String),
    #[error("{0}")]
    Map(String),
}

/// Header of one model in the chain: its id and the length the device reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelHeader {
    pub id: u16,
    pub length: u16,
}

impl ModelHeader {
    /// Reads a header from the two registers at a model's start.
    pub fn parse(regs: &[u16]) -> Option<ModelHeader> {
        match regs {
            [id, length, ..] => Some(ModelHeader { id: *id, length: *length }),
            _ => None,
        }
    }

    /// True for the chain's end marker (id 0xFFFF).
    pub fn is_end(&self) -> bool {
        self.id == END_MODEL_ID
    }

    /// Address of the next model, or `None` when it would pass 65535.
    pub fn next_address(&self, address: u16) -> Option<u16> {
        address.checked_add(2)?.checked_add(self.length)
    }
}

/// Remarks on a device-reported length compared with the definition, e.g.
/// old devices that report 65 for model 1 (the current definition says 66).
pub fn length_note(header: ModelHeader) -> Option<String> {
    let def = model_def(header.id)?;
    let fixed = def.fixed_length();
    let l = usize::from(header.length);
    if l < fixed {
        return Some(format!(
            "model {} reports length {l}, shorter than the {fixed} registers of its definition; the missing points are not shown",
            header.id
        ));
    }
    let per: usize = def
        .group
        .groups
        .iter()
        .filter(|g| !matches!(g.count, defs::GroupCount::One | defs::GroupCount::Fixed(_)))
        .map(GroupDefExt::instance_len)
        .sum();
    if per == 0 && l > fixed {
        return Some(format!(
            "model {} reports length {l}, longer than its definition ({fixed}); the extra registers are ignored",
            header.id
        ));
    }
    if per > 0 && def.group.groups.len() == 1 && (l - fixed) % per != 0 {
        return Some(format!("model {} reports length {l}, which is not {fixed} plus whole repeating groups of {per}", header.id));
    }
    None
}

trait GroupDefExt {
    fn instance_len(&self) -> usize;
}

impl GroupDefExt for defs::GroupDef {
    fn instance_len(&self) -> usize {
        self.min_instance_len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_length_notes() {
        let h = ModelHeader::parse(&[1, 65]).unwrap();
        assert!(length_note(h).unwrap().contains("65"));
        assert!(length_note(ModelHeader { id: 1, length: 66 }).is_none());
        assert!(length_note(ModelHeader { id: 804, length: 46 + 32 }).is_none());
        assert!(length_note(ModelHeader { id: 804, length: 46 + 30 }).is_some());
        assert_eq!(ModelHeader { id: 1, length: 66 }.next_address(40002), Some(40070));
        assert_eq!(ModelHeader { id: 1, length: 0xFFF0 }.next_address(40002), None);
        assert!(ModelHeader::parse(&[1]).is_none());
    }
}
