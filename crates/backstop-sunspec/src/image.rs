//! Building register images of model instances from values: what a device
//! (or the simulator) serves. Uses the same layouts as decoding, so a value
//! written here reads back identically through [`crate::decode_model`].

use std::collections::HashMap;

use backstop_model::link::PointValue;

use crate::SunSpecError;
use crate::decode::{Scale, apply_scale, decode_point, encode_string, scale_of};
use crate::defs::{ModelDef, PointDef, PointType, model_def};
use crate::layout::{SfAt, layout_with_counts};

/// Where a point lives inside an image.
#[derive(Debug, Clone, Copy)]
pub struct ImageSlot {
    pub offset: usize,
    pub point: &'static PointDef,
    pub sf: SfAt,
}

/// The registers of one model instance (from its ID register on) with a
/// path index for setting values.
#[derive(Debug, Clone)]
pub struct ModelImage {
    pub def: &'static ModelDef,
    regs: Vec<u16>,
    slots: HashMap<String, ImageSlot>,
    /// Slot paths in address order.
    order: Vec<String>,
}

/// The "not implemented" pattern of a type, for `size` registers.
pub fn sentinel(ty: PointType, size: usize) -> Vec<u16> {
    use PointType::*;
    match ty {
        Int16 | Sunssf | Pad => vec![0x8000],
        Uint16 | Count | Enum16 | Bitfield16 => vec![0xFFFF],
        Acc16 => vec![0],
        Int32 => vec![0x8000, 0],
        Uint32 | Enum32 | Bitfield32 => vec![0xFFFF, 0xFFFF],
        Acc32 | Ipaddr => vec![0, 0],
        Int64 => vec![0x8000, 0, 0, 0],
        Uint64 | Bitfield64 => vec![0xFFFF; 4],
        Acc64 | Eui48 | Ipv6addr => vec![0; size],
        Float32 => vec![0x7FC0, 0],
        Float64 => vec![0x7FF8, 0, 0, 0],
        String => vec![0; size],
    }
}

impl ModelImage {
    /// A new instance of model `id` with `counts` instances per repeating
    /// group (by group name). Every point starts "not implemented"; ID, L and
    /// the count points are filled in.
    pub fn new(id: u16, counts: &HashMap<String, usize>) -> Result<ModelImage, SunSpecError> {
        let def = model_def(id).ok_or(SunSpecError::UnknownModel(id))?;
        let layout = layout_with_counts(def, counts);
        let mut regs = vec![0u16; layout.len];
        let mut slots = HashMap::new();
        let mut order = Vec::new();
        for s in layout.root.all_slots() {
            let pattern = sentinel(s.point.ty, s.point.size);
            regs[s.offset..s.offset + s.point.size].copy_from_slice(&pattern);
            slots.insert(s.path.to_string(), ImageSlot { offset: s.offset, point: s.point, sf: s.sf });
            order.push(s.path.to_string());
        }
        regs[0] = id;
        regs[1] =
            u16::try_from(layout.len - 2).map_err(|_| SunSpecError::Encode(format!("model {id} would be longer than 65535 registers")))?;
        let mut img = ModelImage { def, regs, slots, order };
        // Count points of repeating groups.
        for g in &def.group.groups {
            if let crate::defs::GroupCount::Point(name) = &g.count {
                let n = counts.get(&g.name).copied().unwrap_or(0);
                let n = u16::try_from(n).map_err(|_| SunSpecError::Encode(format!("too many {} instances", g.name)))?;
                img.set_raw(name, &[n])?;
            }
        }
        Ok(img)
    }

    /// All registers, from the ID register on.
    pub fn regs(&self) -> &[u16] {
        &self.regs
    }

    /// Mutable access to all registers (for devices that store writes raw).
    pub fn regs_mut(&mut self) -> &mut [u16] {
        &mut self.regs
    }

    /// Slot paths in address order.
    pub fn paths(&self) -> &[String] {
        &self.order
    }

    /// The slot at `path`.
    pub fn slot(&self, path: &str) -> Option<ImageSlot> {
        self.slots.get(path).copied()
    }

    /// The slot whose registers include `offset`.
    pub fn slot_at(&self, offset: usize) -> Option<(&str, ImageSlot)> {
        self.order.iter().find_map(|p| {
            let s = self.slots.get(p)?;
            (offset >= s.offset && offset < s.offset + s.point.size).then_some((p.as_str(), *s))
        })
    }

    fn need(&self, path: &str) -> Result<ImageSlot, SunSpecError> {
        self.slot(path).ok_or_else(|| SunSpecError::NoSuchPoint { model: self.def.id, path: path.to_string() })
    }

    /// Sets raw registers.
    pub fn set_raw(&mut self, path: &str, raw: &[u16]) -> Result<(), SunSpecError> {
        let s = self.need(path)?;
        if raw.len() != s.point.size {
            return Err(SunSpecError::Encode(format!("{path} takes {} registers, got {}", s.point.size, raw.len())));
        }
        self.regs[s.offset..s.offset + raw.len()].copy_from_slice(raw);
        Ok(())
    }

    /// Raw registers of a point.
    pub fn raw(&self, path: &str) -> Option<&[u16]> {
        let s = self.slot(path)?;
        self.regs.get(s.offset..s.offset + s.point.size)
    }

    /// The scale currently in effect for a point.
    pub fn scale(&self, path: &str) -> Scale {
        self.slot(path).map(|s| scale_of(s.sf, &self.regs)).unwrap_or(Scale::Bad)
    }

    /// Sets an engineering value, applying the point's scale factor (which
    /// must be set first) and rounding to its resolution.
    pub fn set_number(&mut self, path: &str, value: f64) -> Result<(), SunSpecError> {
        let s = self.need(path)?;
        if !value.is_finite() {
            return Err(SunSpecError::Encode(format!("{path}: {value} is not a finite number")));
        }
        let exp = match scale_of(s.sf, &self.regs) {
            Scale::None => 0,
            Scale::Exp(e) => e,
            Scale::Bad => return Err(SunSpecError::Encode(format!("{path}: set its scale factor first"))),
        };
        let raw = apply_scale(value, -exp).round();
        let regs = encode_integer(s.point, raw)
            .ok_or_else(|| SunSpecError::Encode(format!("{path}: {value} does not fit a {:?} with scale 10^{exp}", s.point.ty)))?;
        self.set_raw(path, &regs)
    }

    /// Sets an enumeration by symbol name.
    pub fn set_symbol(&mut self, path: &str, symbol: &str) -> Result<(), SunSpecError> {
        let s = self.need(path)?;
        let v = s.point.symbol_value(symbol).ok_or_else(|| SunSpecError::Encode(format!("{path}: no symbol {symbol}")))?;
        let regs = encode_integer(s.point, f64::from(v)).ok_or_else(|| SunSpecError::Encode(format!("{path}: {v} does not fit")))?;
        self.set_raw(path, &regs)
    }

    /// Sets a bitfield from its raw value.
    pub fn set_bits(&mut self, path: &str, bits: u32) -> Result<(), SunSpecError> {
        let s = self.need(path)?;
        let regs = match s.point.size {
            1 => vec![u16::try_from(bits).map_err(|_| SunSpecError::Encode(format!("{path}: 16-bit field")))?],
            2 => vec![(bits >> 16) as u16, (bits & 0xFFFF) as u16],
            _ => return Err(SunSpecError::Encode(format!("{path}: unsupported bitfield size"))),
        };
        self.set_raw(path, &regs)
    }

    /// Sets a string point.
    pub fn set_text(&mut self, path: &str, text: &str) -> Result<(), SunSpecError> {
        let s = self.need(path)?;
        let regs = encode_string(text, s.point.size)?;
        self.set_raw(path, &regs)
    }

    /// The decoded value of a point.
    pub fn get(&self, path: &str) -> Option<PointValue> {
        let s = self.slot(path)?;
        let raw = self.regs.get(s.offset..s.offset + s.point.size)?;
        Some(decode_point(s.point, raw, scale_of(s.sf, &self.regs)))
    }
}

/// Two's-complement/unsigned encoding of an integral raw value for a
/// one- or two-register numeric point; `None` when it does not fit.
fn encode_integer(point: &PointDef, raw: f64) -> Option<Vec<u16>> {
    use PointType::*;
    let r = raw as i64;
    if r as f64 != raw {
        return None;
    }
    match point.ty {
        Int16 | Sunssf => i16::try_from(r).ok().map(|v| vec![v as u16]),
        Uint16 | Count | Acc16 | Enum16 | Bitfield16 | Pad => u16::try_from(r).ok().map(|v| vec![v]),
        Int32 => i32::try_from(r).ok().map(|v| {
            let u = v as u32;
            vec![(u >> 16) as u16, (u & 0xFFFF) as u16]
        }),
        Uint32 | Acc32 | Enum32 | Bitfield32 => u32::try_from(r).ok().map(|u| vec![(u >> 16) as u16, (u & 0xFFFF) as u16]),
        Float32 => {
            let u = (raw as f32).to_bits();
            Some(vec![(u >> 16) as u16, (u & 0xFFFF) as u16])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_model;

    #[test]
    fn an_image_decodes_to_the_values_put_in() {
        let counts = HashMap::from([("lithium_ion_string_module".to_string(), 2usize)]);
        let mut img = ModelImage::new(804, &counts).unwrap();
        assert_eq!(img.regs().len(), 2 + 46 + 32);
        img.set_number("CellV_SF", -3.0).unwrap();
        img.set_number("ModTmp_SF", -1.0).unwrap();
        img.set_number("lithium_ion_string_module[2].ModCellVMax", 3.341).unwrap();
        img.set_number("ModTmpMax", -4.5).unwrap();
        img.set_bits("Evt1", 1 << 17).unwrap();
        let m = decode_model(img.regs(), 40100).unwrap();
        assert_eq!(m.point("ModTmpMax").unwrap().value, PointValue::Number { value: -4.5 });
        assert_eq!(m.point("NMod").unwrap().value, PointValue::Number { value: 2.0 });
        assert_eq!(m.point("SoC").unwrap().value, PointValue::NotImplemented);
        assert_eq!(m.groups.len(), 2);
        let v = m.groups[1].points.iter().find(|p| p.name == "ModCellVMax").unwrap();
        assert_eq!(v.value, PointValue::Number { value: 3.341 });
        assert_eq!(v.path, "lithium_ion_string_module[2].ModCellVMax");
        assert!(img.set_number("ModTmpMax", 1e9).is_err());
        assert!(img.set_number("Nope", 1.0).is_err());
    }
}
