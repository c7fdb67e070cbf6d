//! Register maps for packs that do not speak SunSpec: a TOML or JSON file
//! the engineer loads at run time, listing each point's address, type,
//! byte and word order, scale, unit and writable range.
//!
//! ```toml
//! name = "Acme BMS 2.x"
//! byte_order = "big"      # bytes inside a register: "big" (Modbus) or "little"
//! word_order = "big"      # 32-bit values: "big" = high word first, "little" = low word first
//!
//! [[point]]
//! name = "pack_voltage"
//! label = "Pack voltage"
//! address = 100           # 0-based register address on the wire
//! table = "holding"       # "holding" (FC03/06/16) or "input" (FC04)
//! type = "u16"            # u16 i16 u32 i32 f32 string
//! scale = 0.1             # value = raw × scale + offset
//! unit = "V"
//!
//! [[point]]
//! name = "charge_limit"
//! address = 120
//! type = "u16"
//! scale = 0.1
//! unit = "A"
//! writable = { min = 0.0, max = 150.0 }
//!
//! [[point]]
//! name = "mode"
//! address = 121
//! type = "u16"
//! symbols = { 0 = "STANDBY", 1 = "RUN" }
//! writable = { min = 0, max = 1 }
//! ```

use std::collections::BTreeMap;

use backstop_model::link::{Name, PointReading, PointValue, ProjectLimit, RawRegs, Writable, WriteValue};
use serde::{Deserialize, Serialize};

use crate::SunSpecError;

/// Order of bytes inside a register, or of registers inside a 32-bit value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Big,
    Little,
}

/// Which register table a point lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Table {
    #[default]
    Holding,
    Input,
}

/// Data type of a mapped point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MapType {
    U16,
    I16,
    U32,
    I32,
    F32,
    String,
}

/// Writable range of a mapped point, in engineering units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapWritable {
    pub min: f64,
    pub max: f64,
}

/// One point of a register map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapPoint {
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    pub address: u16,
    #[serde(default)]
    pub table: Table,
    #[serde(rename = "type")]
    pub ty: MapType,
    /// Registers for `string` (two characters each); ignored otherwise.
    #[serde(default)]
    pub size: Option<u16>,
    #[serde(default)]
    pub scale: Option<f64>,
    #[serde(default)]
    pub offset: Option<f64>,
    #[serde(default)]
    pub unit: Option<String>,
    /// Overrides the map's byte order for this point.
    #[serde(default)]
    pub byte_order: Option<Order>,
    /// Overrides the map's word order for this point.
    #[serde(default)]
    pub word_order: Option<Order>,
    /// Raw value meaning "not available" on this device, if any.
    #[serde(default)]
    pub not_implemented: Option<i64>,
    #[serde(default)]
    pub symbols: BTreeMap<String, String>,
    #[serde(default)]
    pub writable: Option<MapWritable>,
}

impl MapPoint {
    /// Registers the point occupies.
    pub fn size(&self) -> u16 {
        match self.ty {
            MapType::U16 | MapType::I16 => 1,
            MapType::U32 | MapType::I32 | MapType::F32 => 2,
            MapType::String => self.size.unwrap_or(0),
        }
    }
}

/// A loaded, validated register map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterMap {
    pub name: String,
    #[serde(default)]
    pub byte_order: Order,
    #[serde(default)]
    pub word_order: Order,
    #[serde(rename = "point", alias = "points")]
    pub points: Vec<MapPoint>,
}

impl RegisterMap {
    /// Parses and validates a TOML map.
    pub fn from_toml(text: &str) -> Result<RegisterMap, SunSpecError> {
        let map: RegisterMap = toml::from_str(text).map_err(|e| SunSpecError::Map(format!("the register map is not valid TOML: {e}")))?;
        map.validate()?;
        Ok(map)
    }

    /// Parses and validates a JSON map (same fields; `point` or `points`).
    pub fn from_json(text: &str) -> Result<RegisterMap, SunSpecError> {
        let map: RegisterMap =
            serde_json::from_str(text).map_err(|e| SunSpecError::Map(format!("the register map is not valid JSON: {e}")))?;
        map.validate()?;
        Ok(map)
    }

    /// Checks names, sizes, scales, ranges and overlaps.
    pub fn validate(&self) -> Result<(), SunSpecError> {
        let bad = |msg: String| Err(SunSpecError::Map(msg));
        if self.points.is_empty() {
            return bad(format!("register map \"{}\" lists no points", self.name));
        }
        let mut names = std::collections::HashSet::new();
        for p in &self.points {
            if p.name.trim().is_empty() {
                return bad(format!("a point at address {} has no name", p.address));
            }
            if !names.insert(p.name.as_str()) {
                return bad(format!("point name \"{}\" is used twice", p.name));
            }
            if p.ty == MapType::String && p.size.unwrap_or(0) == 0 {
                return bad(format!("string point \"{}\" needs size = number of registers", p.name));
            }
            if u32::from(p.address) + u32::from(p.size()) > 0x1_0000 {
                return bad(format!("point \"{}\" runs past register 65535", p.name));
            }
            if let Some(s) = p.scale
                && (!s.is_finite() || s == 0.0)
            {
                return bad(format!("point \"{}\" has scale {s}; use a finite, non-zero number", p.name));
            }
            if p.offset.is_some_and(|o| !o.is_finite()) {
                return bad(format!("point \"{}\" has a non-finite offset", p.name));
            }
            if let Some(w) = &p.writable {
                if !(w.min.is_finite() && w.max.is_finite()) || w.min > w.max {
                    return bad(format!("point \"{}\" has writable min {} above max {}", p.name, w.min, w.max));
                }
                if p.ty == MapType::String {
                    return bad(format!("string point \"{}\" cannot be writable", p.name));
                }
                if p.table == Table::Input {
                    return bad(format!("point \"{}\" is in the input table, which cannot be written", p.name));
                }
            }
            for k in p.symbols.keys() {
                if k.parse::<i64>().is_err() {
                    return bad(format!("point \"{}\" has symbol key \"{k}\"; keys must be whole numbers", p.name));
                }
            }
        }
        let mut spans: Vec<(Table, u32, u32, &str)> = self
            .points
            .iter()
            .map(|p| (p.table, u32::from(p.address), u32::from(p.address) + u32::from(p.size()), p.name.as_str()))
            .collect();
        spans.sort();
        for w in spans.windows(2) {
            if w[0].0 == w[1].0 && w[1].1 < w[0].2 {
                return bad(format!("points \"{}\" and \"{}\" overlap", w[0].3, w[1].3));
            }
        }
        Ok(())
    }

    /// Point by name.
    pub fn point(&self, name: &str) -> Option<&MapPoint> {
        self.points.iter().find(|p| p.name == name)
    }

    /// Contiguous reads of at most `max` registers covering every point
    /// (gaps up to 8 registers are read through rather than split).
    pub fn read_plan(&self, max: u16) -> Vec<(Table, u16, u16)> {
        let max = max.max(1);
        let mut spans: Vec<(Table, u32, u32)> =
            self.points.iter().map(|p| (p.table, u32::from(p.address), u32::from(p.address) + u32::from(p.size()))).collect();
        spans.sort();
        let mut plan: Vec<(Table, u32, u32)> = Vec::new();
        for (t, s, e) in spans {
            match plan.last_mut() {
                Some((lt, ls, le)) if *lt == t && s <= *le + 8 && e - *ls <= u32::from(max) => *le = (*le).max(e),
                _ => plan.push((t, s, e)),
            }
        }
        plan.into_iter().map(|(t, s, e)| (t, s as u16, u16::try_from(e - s).unwrap_or(max))).collect()
    }

    fn orders(&self, p: &MapPoint) -> (Order, Order) {
        (p.byte_order.unwrap_or(self.byte_order), p.word_order.unwrap_or(self.word_order))
    }

    /// Decodes one point from its registers as they came off the wire.
    pub fn decode_point(&self, p: &MapPoint, regs: &[u16]) -> PointValue {
        let size = usize::from(p.size());
        if regs.len() < size {
            return PointValue::Invalid { reason: "register block ends inside this point".into() };
        }
        let (bo, wo) = self.orders(p);
        let fix = |w: u16| if bo == Order::Little { w.swap_bytes() } else { w };
        let words: Vec<u16> = regs[..size].iter().map(|w| fix(*w)).collect();
        let u32v = || -> u32 {
            let (hi, lo) = if wo == Order::Big { (words[0], words[1]) } else { (words[1], words[0]) };
            (u32::from(hi) << 16) | u32::from(lo)
        };
        let raw: f64 = match p.ty {
            MapType::U16 => f64::from(words[0]),
            MapType::I16 => f64::from(words[0] as i16),
            MapType::U32 => f64::from(u32v()),
            MapType::I32 => f64::from(u32v() as i32),
            MapType::F32 => {
                let f = f32::from_bits(u32v());
                if !f.is_finite() {
                    return PointValue::NotImplemented;
                }
                f64::from(f)
            }
            MapType::String => return crate::decode::decode_string(&words),
        };
        if let Some(ni) = p.not_implemented
            && raw == ni as f64
        {
            return PointValue::NotImplemented;
        }
        if !p.symbols.is_empty() {
            let key = format!("{}", raw as i64);
            return PointValue::Enum { raw: raw as u32, name: p.symbols.get(&key).cloned().map(Name::Owned) };
        }
        PointValue::Number { value: scaled(raw, p.scale.unwrap_or(1.0)) + p.offset.unwrap_or(0.0) }
    }

    /// Decodes every point inside a block read from `table` starting at `start`.
    pub fn decode_block(&self, table: Table, start: u16, regs: &[u16]) -> Vec<PointReading> {
        let end = u32::from(start) + regs.len() as u32;
        self.points
            .iter()
            .filter(|p| p.table == table && u32::from(p.address) >= u32::from(start) && u32::from(p.address) + u32::from(p.size()) <= end)
            .map(|p| {
                let at = usize::from(p.address - start);
                let raw = RawRegs::from_slice(&regs[at..at + usize::from(p.size())]);
                PointReading {
                    path: Name::Owned(p.name.clone()),
                    name: Name::Owned(p.name.clone()),
                    label: Name::Owned(p.label.clone().unwrap_or_else(|| p.name.clone())),
                    value: self.decode_point(p, &raw),
                    unit: p.unit.clone().map(Name::Owned),
                    address: p.address,
                    raw,
                    writable: p.writable.as_ref().map(|w| Writable {
                        min: w.min,
                        max: w.max,
                        symbols: p.symbols.values().cloned().map(Name::Owned).collect(),
                    }),
                }
            })
            .collect()
    }

    /// Encodes a write after checking the map's range and the project's
    /// limit; errors are complete sentences and nothing is sent then.
    pub fn encode_write(&self, p: &MapPoint, value: &WriteValue, limits: &[ProjectLimit]) -> Result<(Vec<u16>, PointValue), SunSpecError> {
        let refuse = |why: String| SunSpecError::Refused(format!("{}: {why}", p.name));
        let w = p.writable.as_ref().ok_or_else(|| refuse("the register map does not mark it writable".into()))?;
        let v = match value {
            WriteValue::Number { value } => *value,
            WriteValue::Symbol { name } => {
                let found = p.symbols.iter().find(|(_, s)| s.eq_ignore_ascii_case(name));
                let (k, _) = found.ok_or_else(|| refuse(format!("\"{name}\" is not one of its symbols")))?;
                k.parse::<f64>().map_err(|_| refuse("its symbol table is malformed".into()))?
            }
        };
        if !v.is_finite() {
            return Err(refuse("the value is not a finite number".into()));
        }
        if v < w.min || v > w.max {
            return Err(refuse(format!("{v} is outside the map's range {} to {}", w.min, w.max)));
        }
        if let Some(l) = limits.iter().find(|l| !(v >= l.min && v <= l.max)) {
            return Err(refuse(format!("{v} is outside {} to {}, the limit set by {}", l.min, l.max, l.source)));
        }
        let raw_f = if p.symbols.is_empty() { (v - p.offset.unwrap_or(0.0)) / p.scale.unwrap_or(1.0) } else { v };
        let (bo, wo) = self.orders(p);
        let words: Vec<u16> = match p.ty {
            MapType::F32 => {
                let u = (raw_f as f32).to_bits();
                vec![(u >> 16) as u16, (u & 0xFFFF) as u16]
            }
            _ => {
                let r = raw_f.round();
                if (raw_f - r).abs() > 1e-6 {
                    return Err(refuse(format!("{v} is not a multiple of the resolution {}", p.scale.unwrap_or(1.0))));
                }
                let fits = match p.ty {
                    MapType::U16 => (0.0..=65535.0).contains(&r),
                    MapType::I16 => (-32768.0..=32767.0).contains(&r),
                    MapType::U32 => (0.0..=4_294_967_295.0).contains(&r),
                    MapType::I32 => (-2_147_483_648.0..=2_147_483_647.0).contains(&r),
                    _ => false,
                };
                if !fits {
                    return Err(refuse(format!("{v} does not fit a {:?} register", p.ty)));
                }
                let u = r as i64 as u64;
                match p.size() {
                    1 => vec![(u & 0xFFFF) as u16],
                    _ => vec![((u >> 16) & 0xFFFF) as u16, (u & 0xFFFF) as u16],
                }
            }
        };
        let mut words = if wo == Order::Little && words.len() == 2 { vec![words[1], words[0]] } else { words };
        if bo == Order::Little {
            for w in &mut words {
                *w = w.swap_bytes();
            }
        }
        let decoded = self.decode_point(p, &words);
        Ok((words, decoded))
    }
}

/// `raw × scale`, dividing by the inverse when the scale is 1/integer so
/// that 5123 × 0.1 comes out as 512.3 and not 512.3000000000001.
fn scaled(raw: f64, scale: f64) -> f64 {
    let inv = 1.0 / scale;
    if inv.abs() > 1.0 && (inv - inv.round()).abs() < 1e-9 * inv.abs() { raw / inv.round() } else { raw * scale }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = r#"
name = "Acme BMS 2.x"
word_order = "little"

[[point]]
name = "pack_voltage"
address = 100
type = "u16"
scale = 0.1
unit = "V"

[[point]]
name = "energy"
address = 101
type = "u32"
unit = "Wh"

[[point]]
name = "temp"
address = 10
table = "input"
type = "i16"
scale = 0.1
not_implemented = -32768

[[point]]
name = "limit"
address = 120
type = "u16"
scale = 0.1
writable = { min = 0.0, max = 150.0 }

[[point]]
name = "mode"
address = 121
type = "u16"
symbols = { 0 = "STANDBY", 1 = "RUN" }
writable = { min = 0, max = 1 }
"#;

    #[test]
    fn a_toml_map_decodes_with_its_orders() {
        let m = RegisterMap::from_toml(MAP).unwrap();
        let pts = m.decode_block(Table::Holding, 100, &[5123, 0x5678, 0x0001]);
        assert_eq!(pts[0].value, PointValue::Number { value: 512.3 });
        // Little word order: low word first.
        assert_eq!(pts[1].value, PointValue::Number { value: f64::from(0x0001_5678u32) });
        let t = m.decode_block(Table::Input, 10, &[0x8000]);
        assert_eq!(t[0].value, PointValue::NotImplemented);
        assert_eq!(m.read_plan(125), vec![(Table::Holding, 100, 3), (Table::Holding, 120, 2), (Table::Input, 10, 1)]);
    }

    #[test]
    fn writes_respect_map_and_project_ranges() {
        let m = RegisterMap::from_toml(MAP).unwrap();
        let p = m.point("limit").unwrap();
        assert_eq!(m.encode_write(p, &WriteValue::Number { value: 12.5 }, &[]).unwrap().0, vec![125]);
        assert!(m.encode_write(p, &WriteValue::Number { value: 151.0 }, &[]).is_err());
        let lim = ProjectLimit { min: 0.0, max: 100.0, source: "spec".into() };
        assert!(m.encode_write(p, &WriteValue::Number { value: 120.0 }, std::slice::from_ref(&lim)).is_err());
        let mode = m.point("mode").unwrap();
        assert_eq!(m.encode_write(mode, &WriteValue::Symbol { name: "run".into() }, &[]).unwrap().0, vec![1]);
        assert!(m.encode_write(m.point("pack_voltage").unwrap(), &WriteValue::Number { value: 1.0 }, &[]).is_err());
    }

    #[test]
    fn bad_maps_are_explained() {
        let overlap = "name='x'\n[[point]]\nname='a'\naddress=1\ntype='u32'\n[[point]]\nname='b'\naddress=2\ntype='u16'\n";
        let e = RegisterMap::from_toml(overlap).unwrap_err().to_string();
        assert!(e.contains("overlap"), "{e}");
        assert!(RegisterMap::from_toml("name='x'\npoint=[]").is_err());
        assert!(RegisterMap::from_toml("name='x'\n[[point]]\nname='s'\naddress=1\ntype='string'\n").is_err());
        assert!(RegisterMap::from_json(r#"{"name":"j","points":[{"name":"a","address":3,"type":"f32"}]}"#).is_ok());
        assert!(RegisterMap::from_toml("name='x'\n[[point]]\nname='a'\naddress=1\ntype='u16'\nbogus=1\n").is_err());
    }
}
