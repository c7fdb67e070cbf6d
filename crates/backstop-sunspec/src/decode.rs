//! Decoding register blocks into values, and encoding values for writes.
//!
//! Rules (SunSpec Information Model Specification): big-endian words,
//! value = raw × 10^SF, "not implemented" sentinels per type (shown as
//! [`PointValue::NotImplemented`], never as a number), enums and bitfields
//! by their symbol names.

use std::borrow::Cow;

use backstop_model::link::{DecodedGroup, DecodedModel, Name, PointReading, PointValue, ProjectLimit, RawRegs, Writable, WriteValue};

use crate::SunSpecError;
use crate::defs::{PointDef, PointType, model_def};
use crate::layout::{Layout, LayoutGroup, SfAt, Slot, layout_from_registers};

/// Largest scale-factor exponent SunSpec allows in either direction.
pub const SF_LIMIT: i16 = 10;

/// A scale factor as read from the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// No scale factor applies.
    None,
    /// A usable exponent.
    Exp(i16),
    /// The SF register is "not implemented" (0x8000), absent or out of range.
    Bad,
}

fn words_u32(r: &[u16]) -> u32 {
    (u32::from(r[0]) << 16) | u32::from(r[1])
}

fn words_u64(r: &[u16]) -> u64 {
    r.iter().take(4).fold(0u64, |acc, w| (acc << 16) | u64::from(*w))
}

/// Reads the scale factor of a slot from the model's registers.
pub fn scale_of(sf: SfAt, regs: &[u16]) -> Scale {
    match sf {
        SfAt::None => Scale::None,
        SfAt::Fixed(v) if (-SF_LIMIT..=SF_LIMIT).contains(&v) => Scale::Exp(v),
        SfAt::Fixed(_) | SfAt::Missing => Scale::Bad,
        SfAt::At(i) => match regs.get(i) {
            Some(0x8000) | None => Scale::Bad,
            Some(r) => {
                let v = *r as i16;
                if (-SF_LIMIT..=SF_LIMIT).contains(&v) { Scale::Exp(v) } else { Scale::Bad }
            }
        },
    }
}

/// `raw × 10^exp`, dividing for negative exponents so that decimal values
/// come out correctly rounded (3312 × 10⁻³ = 3.312, not 3.3120000000000003).
pub fn apply_scale(raw: f64, exp: i16) -> f64 {
    if exp >= 0 { raw * 10f64.powi(i32::from(exp)) } else { raw / 10f64.powi(-i32::from(exp)) }
}

/// Decodes one point from its registers (exactly `point.size` of them, or
/// fewer when the block was cut short, which gives `Invalid`).
pub fn decode_point(point: &'static PointDef, regs: &[u16], scale: Scale) -> PointValue {
    use PointType::*;
    if regs.len() < point.size || regs.is_empty() {
        return PointValue::Invalid { reason: "register block ends inside this point".into() };
    }
    let number = |raw: f64| match scale {
        Scale::None => PointValue::Number { value: raw },
        Scale::Exp(e) => PointValue::Number { value: apply_scale(raw, e) },
        Scale::Bad => PointValue::Invalid { reason: "its scale factor is not implemented or out of range".into() },
    };
    match point.ty {
        Int16 => match regs[0] {
            0x8000 => PointValue::NotImplemented,
            r => number(f64::from(r as i16)),
        },
        Uint16 | Count => match regs[0] {
            0xFFFF => PointValue::NotImplemented,
            r => number(f64::from(r)),
        },
        Acc16 => match regs[0] {
            0 => PointValue::NotImplemented,
            r => number(f64::from(r)),
        },
        Sunssf => match regs[0] {
            0x8000 => PointValue::NotImplemented,
            r => PointValue::Number { value: f64::from(r as i16) },
        },
        Int32 => match words_u32(regs) {
            0x8000_0000 => PointValue::NotImplemented,
            r => number(f64::from(r as i32)),
        },
        Uint32 => match words_u32(regs) {
            0xFFFF_FFFF => PointValue::NotImplemented,
            r => number(f64::from(r)),
        },
        Acc32 => match words_u32(regs) {
            0 => PointValue::NotImplemented,
            r => number(f64::from(r)),
        },
        Int64 => match words_u64(regs) {
            0x8000_0000_0000_0000 => PointValue::NotImplemented,
            r => number(r as i64 as f64),
        },
        Uint64 => match words_u64(regs) {
            u64::MAX => PointValue::NotImplemented,
            r => number(r as f64),
        },
        Acc64 => match words_u64(regs) {
            0 => PointValue::NotImplemented,
            r => number(r as f64),
        },
        Float32 => {
            let v = f32::from_bits(words_u32(regs));
            if v.is_nan() {
                PointValue::NotImplemented
            } else if v.is_infinite() {
                PointValue::Invalid { reason: "infinite".into() }
            } else {
                number(f64::from(v))
            }
        }
        Float64 => {
            let v = f64::from_bits(words_u64(regs));
            if v.is_nan() {
                PointValue::NotImplemented
            } else if v.is_infinite() {
                PointValue::Invalid { reason: "infinite".into() }
            } else {
                number(v)
            }
        }
        Enum16 => match regs[0] {
            0xFFFF => PointValue::NotImplemented,
            r => enum_value(point, u32::from(r)),
        },
        Enum32 => match words_u32(regs) {
            0xFFFF_FFFF => PointValue::NotImplemented,
            r => enum_value(point, r),
        },
        Bitfield16 => match regs[0] {
            0xFFFF => PointValue::NotImplemented,
            r => bits_value(point, u64::from(r)),
        },
        Bitfield32 => match words_u32(regs) {
            0xFFFF_FFFF => PointValue::NotImplemented,
            r => bits_value(point, u64::from(r)),
        },
        Bitfield64 => match words_u64(regs) {
            u64::MAX => PointValue::NotImplemented,
            r => bits_value(point, r),
        },
        String => decode_string(&regs[..point.size]),
        Pad => PointValue::NotImplemented,
        Ipaddr => match words_u32(regs) {
            0 => PointValue::NotImplemented,
            r => PointValue::Text { text: std::net::Ipv4Addr::from(r).to_string() },
        },
        Ipv6addr | Eui48 => {
            if regs[..point.size].iter().all(|w| *w == 0) {
                PointValue::NotImplemented
            } else {
                let text = regs[..point.size].iter().map(|w| format!("{w:04x}")).collect::<Vec<_>>().join(":");
                PointValue::Text { text }
            }
        }
    }
}

fn enum_value(point: &'static PointDef, raw: u32) -> PointValue {
    PointValue::Enum { raw, name: point.symbol_name(raw).map(Name::Borrowed) }
}

fn bits_value(point: &'static PointDef, raw: u64) -> PointValue {
    let mut names = Vec::new();
    let mut rest = raw;
    while rest != 0 {
        let bit = rest.trailing_zeros();
        rest &= rest - 1;
        match point.symbol_name(bit) {
            Some(n) => names.push(Name::Borrowed(n)),
            None => names.push(Name::Owned(format!("bit {bit}"))),
        }
    }
    PointValue::Bits { raw: u32::try_from(raw).unwrap_or(u32::MAX), names }
}

/// A SunSpec string: two ASCII characters per register, NUL padded. A
/// leading NUL means "not implemented".
pub fn decode_string(regs: &[u16]) -> PointValue {
    let mut bytes = Vec::with_capacity(regs.len() * 2);
    for w in regs {
        bytes.extend_from_slice(&w.to_be_bytes());
    }
    if bytes.first().is_none_or(|b| *b == 0) {
        return PointValue::NotImplemented;
    }
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let text: String = String::from_utf8_lossy(&bytes[..end]).trim_end().to_string();
    PointValue::Text { text }
}

/// Encodes a string into `size` registers, NUL padded; too long is an error.
pub fn encode_string(text: &str, size: usize) -> Result<Vec<u16>, SunSpecError> {
    let bytes = text.as_bytes();
    if bytes.len() > size * 2 {
        return Err(SunSpecError::Encode(format!("\"{text}\" has {} bytes but the point holds {}", bytes.len(), size * 2)));
    }
    let mut out = vec![0u16; size];
    for (i, b) in bytes.iter().enumerate() {
        out[i / 2] |= if i % 2 == 0 { u16::from(*b) << 8 } else { u16::from(*b) };
    }
    Ok(out)
}

/// The raw range of a numeric type, excluding its "not implemented" sentinel.
fn raw_range(ty: PointType) -> Option<(f64, f64)> {
    use PointType::*;
    Some(match ty {
        Int16 => (-32767.0, 32767.0),
        Uint16 | Count | Enum16 | Bitfield16 => (0.0, 65534.0),
        Acc16 => (1.0, 65535.0),
        Int32 => (-2_147_483_647.0, 2_147_483_647.0),
        Uint32 | Enum32 | Bitfield32 => (0.0, 4_294_967_294.0),
        Sunssf => (-10.0, 10.0),
        _ => return None,
    })
}

/// What the model allows writing to `point` with scale `scale`, or `None`
/// when it is read-only or cannot be encoded (string, float, unknown SF).
///
/// Besides the raw type range (minus its sentinel), points whose unit is a
/// percentage are limited to 0..100 (−100..100 when signed); enumerations
/// with symbols only accept those symbols.
pub fn writable_range(point: &'static PointDef, scale: Scale) -> Option<Writable> {
    if !point.writable {
        return None;
    }
    let (lo, hi) = raw_range(point.ty)?;
    let exp = match scale {
        Scale::None => 0,
        Scale::Exp(e) => e,
        Scale::Bad => return None,
    };
    let mut min = apply_scale(lo, exp);
    let mut max = apply_scale(hi, exp);
    if point.units.as_deref().is_some_and(|u| u.starts_with('%')) {
        min = min.max(if lo < 0.0 { -100.0 } else { 0.0 });
        max = max.min(100.0);
    }
    if matches!(point.ty, PointType::Enum16 | PointType::Enum32) && !point.symbols.is_empty() {
        min = point.symbols.iter().map(|s| f64::from(s.value)).fold(f64::INFINITY, f64::min);
        max = point.symbols.iter().map(|s| f64::from(s.value)).fold(f64::NEG_INFINITY, f64::max);
    }
    Some(Writable { min, max, symbols: Cow::Borrowed(&point.symbol_names) })
}

/// Turns a requested value into registers after checking it against the
/// model's range and the project's limit. The error is a complete sentence
/// naming the point and the violated bound; nothing goes on the wire then.
pub fn encode_write(
    point: &'static PointDef,
    scale: Scale,
    value: &WriteValue,
    limits: &[ProjectLimit],
) -> Result<(Vec<u16>, PointValue), SunSpecError> {
    let refuse = |why: String| SunSpecError::Refused(format!("{}: {why}", point.name));
    let range = writable_range(point, scale).ok_or_else(|| {
        refuse(match scale {
            Scale::Bad if point.writable => "its scale factor is not implemented, so no value can be encoded".to_string(),
            _ => "the model defines this point as read-only (or of a type that cannot be written)".to_string(),
        })
    })?;
    let is_enum = matches!(point.ty, PointType::Enum16 | PointType::Enum32) && !point.symbols.is_empty();
    let number = match value {
        WriteValue::Symbol { name } => {
            let v = point.symbol_value(name).ok_or_else(|| refuse(format!("\"{name}\" is not one of {}", range.symbols.join(", "))))?;
            f64::from(v)
        }
        WriteValue::Number { value } => *value,
    };
    if !number.is_finite() {
        return Err(refuse("the value is not a finite number".into()));
    }
    if is_enum {
        let raw = number as u32;
        if f64::from(raw) != number || point.symbol_name(raw).is_none() {
            return Err(refuse(format!("{number} is not one of {}", range.symbols.join(", "))));
        }
    }
    if number < range.min || number > range.max {
        return Err(refuse(format!("{number} is outside the model's range {} to {}", range.min, range.max)));
    }
    if let Some(l) = limits.iter().find(|l| !(number >= l.min && number <= l.max)) {
        return Err(refuse(format!("{number} is outside {} to {}, the limit set by {}", l.min, l.max, l.source)));
    }
    let exp = match scale {
        Scale::Exp(e) => e,
        _ => 0,
    };
    let raw_f = apply_scale(number, -exp);
    let raw_round = raw_f.round();
    if (raw_f - raw_round).abs() > 1e-6 {
        return Err(refuse(format!("{number} is not a multiple of the resolution {}", apply_scale(1.0, exp))));
    }
    let regs = match point.size {
        1 => {
            let r = raw_round as i64;
            vec![(r as i32 as u32 & 0xFFFF) as u16]
        }
        2 => {
            let r = raw_round as i64 as u64 as u32;
            vec![(r >> 16) as u16, (r & 0xFFFF) as u16]
        }
        _ => return Err(refuse("only one- and two-register points can be written".into())),
    };
    let decoded = decode_point(point, &regs, scale);
    Ok((regs, decoded))
}

/// Decodes one model instance. `regs` start at the model's ID register and
/// should cover ID, L and the `L` registers the device reported; `address`
/// is where the ID register lives on the device.
pub fn decode_model(regs: &[u16], address: u16) -> Result<DecodedModel, SunSpecError> {
    let id = *regs.first().ok_or(SunSpecError::Truncated { needed: 2, got: 0 })?;
    if regs.len() < 2 {
        return Err(SunSpecError::Truncated { needed: 2, got: regs.len() });
    }
    let def = model_def(id).ok_or(SunSpecError::UnknownModel(id))?;
    match cache_key(def, regs) {
        Some(key) => LAYOUTS.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() > 256 {
                cache.clear();
            }
            let layout = cache.entry(key).or_insert_with(|| std::rc::Rc::new(layout_from_registers(def, regs))).clone();
            drop(cache);
            Ok(decode_layout(&layout, regs, address))
        }),
        None => Ok(decode_layout(&layout_from_registers(def, regs), regs, address)),
    }
}

type LayoutKey = (u16, usize, Vec<u16>);

thread_local! {
    /// Layouts depend only on the model, the block length and the count
    /// points; polling decodes the same shapes over and over.
    static LAYOUTS: std::cell::RefCell<std::collections::HashMap<LayoutKey, std::rc::Rc<Layout<'static>>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// (id, block length, values of the root-level count points), or `None`
/// when a nested group is counted by a point (not cached then).
fn cache_key(def: &'static crate::defs::ModelDef, regs: &[u16]) -> Option<LayoutKey> {
    use crate::defs::GroupCount;
    let mut counts = Vec::new();
    for g in &def.group.groups {
        if g.groups.iter().any(|n| matches!(n.count, GroupCount::Point(_))) {
            return None;
        }
        if let GroupCount::Point(name) = &g.count {
            let p = def.group.point(name)?;
            counts.push(regs.get(p.offset).copied().unwrap_or(0xFFFF));
        }
    }
    Some((def.id, regs.len(), counts))
}

/// Decodes a laid-out model instance (see [`crate::layout`]).
pub fn decode_layout(layout: &Layout<'static>, regs: &[u16], address: u16) -> DecodedModel {
    let mut notes = layout.notes.clone();
    let fixed = layout.model.fixed_length();
    let reported = regs.get(1).copied().map(usize::from).unwrap_or(0);
    if reported < fixed {
        notes
            .push(format!("device reports length {reported}, the definition has {fixed}: points beyond the reported length are not shown"));
    }
    let (points, groups) = decode_group(&layout.root, regs, address, layout.len);
    DecodedModel {
        id: layout.model.id,
        name: Name::Borrowed(&layout.model.name),
        label: Name::Borrowed(&layout.model.label),
        address,
        length: u16::try_from(reported).unwrap_or(u16::MAX),
        points,
        groups,
        notes,
    }
}

fn decode_slot(slot: &Slot<'static>, regs: &[u16], address: u16) -> PointReading {
    let end = slot.offset + slot.point.size;
    let raw: RawRegs = regs.get(slot.offset..end).map(RawRegs::from_slice).unwrap_or_default();
    let scale = scale_of(slot.sf, regs);
    let value = decode_point(slot.point, &raw, scale);
    PointReading {
        path: slot.path.clone(),
        name: Name::Borrowed(&slot.point.name),
        label: Name::Borrowed(&slot.point.label),
        value,
        unit: slot.point.units.as_deref().map(Name::Borrowed),
        address: address.wrapping_add(u16::try_from(slot.offset).unwrap_or(u16::MAX)),
        raw,
        writable: writable_range(slot.point, scale),
    }
}

fn decode_group(g: &LayoutGroup<'static>, regs: &[u16], address: u16, limit: usize) -> (Vec<PointReading>, Vec<DecodedGroup>) {
    let is_root = g.index == 0;
    let points = g
        .slots
        .iter()
        .filter(|s| s.point.ty != PointType::Pad)
        .filter(|s| !(is_root && (s.point.name == "ID" || s.point.name == "L")))
        // Points beyond the device-reported length do not exist on the device.
        .filter(|s| s.offset + s.point.size <= limit)
        .map(|s| decode_slot(s, regs, address))
        .collect();
    let groups = g
        .children
        .iter()
        .map(|c| {
            let (points, groups) = decode_group(c, regs, address, limit);
            DecodedGroup { name: Name::Borrowed(&c.def.name), index: c.index, points, groups }
        })
        .collect();
    (points, groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defs::model_def;

    fn point(model: u16, name: &str) -> &'static PointDef {
        model_def(model).unwrap().group.point(name).unwrap()
    }

    #[test]
    fn sentinels_are_not_numbers() {
        assert_eq!(decode_point(point(802, "A"), &[0x8000], Scale::Exp(-1)), PointValue::NotImplemented);
        assert_eq!(decode_point(point(802, "SoC"), &[0xFFFF], Scale::Exp(-1)), PointValue::NotImplemented);
        assert_eq!(decode_point(point(802, "NCyc"), &[0xFFFF, 0xFFFF], Scale::None), PointValue::NotImplemented);
        assert_eq!(decode_point(point(802, "State"), &[0xFFFF], Scale::None), PointValue::NotImplemented);
        assert_eq!(decode_point(point(802, "Evt1"), &[0xFFFF, 0xFFFF], Scale::None), PointValue::NotImplemented);
        assert_eq!(decode_point(point(1, "Mn"), &[0; 16], Scale::None), PointValue::NotImplemented);
        assert!(matches!(decode_point(point(802, "SoC"), &[500], Scale::Bad), PointValue::Invalid { .. }));
    }

    #[test]
    fn values_scale_enums_and_bits_decode_by_name() {
        assert_eq!(decode_point(point(802, "CellVMax"), &[3312], Scale::Exp(-3)), PointValue::Number { value: 3.312 });
        assert_eq!(decode_point(point(802, "A"), &[(-125i16) as u16], Scale::Exp(-1)), PointValue::Number { value: -12.5 });
        assert_eq!(decode_point(point(802, "State"), &[3], Scale::None), PointValue::Enum { raw: 3, name: Some("CONNECTED".into()) });
        let bits = decode_point(point(802, "Evt1"), &[(1 << 1), (1 << 1)], Scale::None);
        assert_eq!(bits, PointValue::Bits { raw: 0x20002, names: vec!["OVER_TEMP_ALARM".into(), "VOLTAGE_IMBALANCE_WARNING".into()] });
        let s = encode_string("Backstop", 16).unwrap();
        assert_eq!(decode_string(&s), PointValue::Text { text: "Backstop".into() });
    }

    #[test]
    fn writes_are_checked_before_encoding() {
        let set_op = point(802, "SetOp");
        let (regs, v) = encode_write(set_op, Scale::None, &WriteValue::Symbol { name: "DISCONNECT".into() }, &[]).unwrap();
        assert_eq!(regs, vec![2]);
        assert_eq!(v, PointValue::Enum { raw: 2, name: Some("DISCONNECT".into()) });
        assert!(encode_write(set_op, Scale::None, &WriteValue::Number { value: 7.0 }, &[]).is_err());
        let soc_min = point(802, "SoCRsvMin");
        let (regs, _) = encode_write(soc_min, Scale::Exp(-1), &WriteValue::Number { value: 12.5 }, &[]).unwrap();
        assert_eq!(regs, vec![125]);
        // Percent is limited to 100, resolution to 0.1, project limit applies.
        assert!(encode_write(soc_min, Scale::Exp(-1), &WriteValue::Number { value: 100.1 }, &[]).is_err());
        assert!(encode_write(soc_min, Scale::Exp(-1), &WriteValue::Number { value: 12.55 }, &[]).is_err());
        let limit = ProjectLimit { min: 5.0, max: 20.0, source: "spec".into() };
        assert!(encode_write(soc_min, Scale::Exp(-1), &WriteValue::Number { value: 25.0 }, std::slice::from_ref(&limit)).is_err());
        assert!(encode_write(soc_min, Scale::Bad, &WriteValue::Number { value: 10.0 }, &[]).is_err());
        assert!(encode_write(point(802, "SoC"), Scale::Exp(-1), &WriteValue::Number { value: 10.0 }, &[]).is_err());
        assert!(encode_write(soc_min, Scale::Exp(-1), &WriteValue::Number { value: f64::NAN }, &[]).is_err());
    }
}
