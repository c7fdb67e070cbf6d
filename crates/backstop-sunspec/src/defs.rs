//! SunSpec model definitions, parsed from SunSpec's own JSON files
//! (`models/model_<id>.json`, copied from pysunspec2) at first use.
//!
//! Nothing here is hand-typed: point names, types, sizes, scale-factor
//! references, units, access, symbols and repeating groups all come from the
//! JSON. Offsets are computed from the sizes in declaration order.

use std::collections::HashMap;
use std::sync::OnceLock;

use backstop_model::link::Name;
use serde::Deserialize;

use crate::SunSpecError;

/// The JSON definitions bundled with Backstop: (model id, JSON text).
pub const BUNDLED: &[(u16, &str)] = &[
    (1, include_str!("../models/model_1.json")),
    (124, include_str!("../models/model_124.json")),
    (802, include_str!("../models/model_802.json")),
    (803, include_str!("../models/model_803.json")),
    (804, include_str!("../models/model_804.json")),
    (805, include_str!("../models/model_805.json")),
];

/// Type of a SunSpec point, as named in the definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PointType {
    Int16,
    Uint16,
    Count,
    Acc16,
    Int32,
    Uint32,
    Acc32,
    Int64,
    Uint64,
    Acc64,
    Float32,
    Float64,
    Enum16,
    Enum32,
    Bitfield16,
    Bitfield32,
    Bitfield64,
    Sunssf,
    String,
    Pad,
    Ipaddr,
    Ipv6addr,
    Eui48,
}

impl PointType {
    /// Parses the `type` field of a definition.
    pub fn parse(s: &str) -> Option<PointType> {
        Some(match s {
            "int16" => PointType::Int16,
            "uint16" => PointType::Uint16,
            "count" => PointType::Count,
            "acc16" => PointType::Acc16,
            "int32" => PointType::Int32,
            "uint32" => PointType::Uint32,
            "acc32" => PointType::Acc32,
            "int64" => PointType::Int64,
            "uint64" => PointType::Uint64,
            "acc64" => PointType::Acc64,
            "float32" => PointType::Float32,
            "float64" => PointType::Float64,
            "enum16" => PointType::Enum16,
            "enum32" => PointType::Enum32,
            "bitfield16" => PointType::Bitfield16,
            "bitfield32" => PointType::Bitfield32,
            "bitfield64" => PointType::Bitfield64,
            "sunssf" => PointType::Sunssf,
            "string" => PointType::String,
            "pad" => PointType::Pad,
            "ipaddr" => PointType::Ipaddr,
            "ipv6addr" => PointType::Ipv6addr,
            "eui48" => PointType::Eui48,
            _ => return None,
        })
    }

    /// Registers the type occupies, when fixed by the type (strings take
    /// the definition's `size`).
    pub fn fixed_size(self) -> Option<usize> {
        use PointType::*;
        Some(match self {
            Int16 | Uint16 | Count | Acc16 | Enum16 | Bitfield16 | Sunssf | Pad => 1,
            Int32 | Uint32 | Acc32 | Float32 | Enum32 | Bitfield32 | Ipaddr => 2,
            Eui48 => 4,
            Int64 | Uint64 | Acc64 | Float64 | Bitfield64 => 4,
            Ipv6addr => 8,
            String => return None,
        })
    }
}

/// Where a point's scale factor comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfSource {
    /// No scale factor: the raw value is the value.
    None,
    /// A `sunssf` point, looked up in the point's group and then outwards in
    /// the enclosing groups (in repeating groups the SF lives in the parent).
    Point(String),
    /// A constant exponent given in the definition.
    Fixed(i16),
}

/// A named value of an enumeration or a bit of a bitfield.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub value: u32,
}

/// One point of a definition.
#[derive(Debug, Clone, PartialEq)]
pub struct PointDef {
    pub name: String,
    pub label: String,
    pub desc: String,
    pub ty: PointType,
    /// Size in registers.
    pub size: usize,
    /// Offset in registers from the start of its group instance.
    pub offset: usize,
    pub sf: SfSource,
    pub units: Option<String>,
    /// `access: RW` in the definition.
    pub writable: bool,
    pub mandatory: bool,
    pub symbols: Vec<Symbol>,
    /// The symbols' names in order, as handed out in
    /// [`backstop_model::link::Writable::symbols`] without copying.
    pub symbol_names: Vec<Name>,
}

impl PointDef {
    /// The symbol with this value, if defined.
    pub fn symbol_name(&self, value: u32) -> Option<&str> {
        self.symbols.iter().find(|s| s.value == value).map(|s| s.name.as_str())
    }

    /// The value of the symbol with this name (case-insensitive).
    pub fn symbol_value(&self, name: &str) -> Option<u32> {
        self.symbols.iter().find(|s| s.name.eq_ignore_ascii_case(name)).map(|s| s.value)
    }
}

/// How many times a group repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupCount {
    /// The root group, or a group that occurs once.
    One,
    /// As many as the named point (in an enclosing group) says.
    Point(String),
    /// A fixed number.
    Fixed(usize),
    /// As many as fit in the rest of the model (`count: 0`).
    Fill,
}

/// A group of points, possibly repeating, possibly with nested groups.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDef {
    pub name: String,
    pub label: String,
    pub count: GroupCount,
    pub points: Vec<PointDef>,
    pub groups: Vec<GroupDef>,
    /// Registers taken by this group's own points (not its nested groups).
    pub points_len: usize,
}

impl GroupDef {
    /// Point of this group by name.
    pub fn point(&self, name: &str) -> Option<&PointDef> {
        self.points.iter().find(|p| p.name == name)
    }

    /// Registers of one instance whose nested groups are all empty.
    pub fn min_instance_len(&self) -> usize {
        self.points_len
            + self
                .groups
                .iter()
                .map(|g| match g.count {
                    GroupCount::One => g.min_instance_len(),
                    GroupCount::Fixed(n) => n * g.min_instance_len(),
                    GroupCount::Point(_) | GroupCount::Fill => 0,
                })
                .sum::<usize>()
    }
}

/// A SunSpec model definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDef {
    pub id: u16,
    /// The root group's name (`battery`, `lithium_ion_string`, ...).
    pub name: String,
    pub label: String,
    pub group: GroupDef,
}

impl ModelDef {
    /// The model length (registers after ID and L) with every repeating group empty.
    pub fn fixed_length(&self) -> usize {
        self.group.min_instance_len().saturating_sub(2)
    }

    /// Parses one SunSpec JSON model definition.
    pub fn from_json(json: &str) -> Result<ModelDef, SunSpecError> {
        let raw: JsonModel = serde_json::from_str(json).map_err(|e| SunSpecError::Definition(format!("not a SunSpec JSON model: {e}")))?;
        let group = convert_group(&raw.group, true)?;
        let label = group.label.clone();
        Ok(ModelDef { id: raw.id, name: group.name.clone(), label, group })
    }
}

#[derive(Deserialize)]
struct JsonModel {
    id: u16,
    group: JsonGroup,
}

#[derive(Deserialize)]
struct JsonGroup {
    name: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    count: Option<serde_json::Value>,
    #[serde(default)]
    points: Vec<JsonPoint>,
    #[serde(default)]
    groups: Vec<JsonGroup>,
}

#[derive(Deserialize)]
struct JsonPoint {
    name: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    desc: Option<String>,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    size: Option<usize>,
    #[serde(default)]
    sf: Option<serde_json::Value>,
    #[serde(default)]
    units: Option<String>,
    #[serde(default)]
    access: Option<String>,
    #[serde(default)]
    mandatory: Option<String>,
    #[serde(default)]
    symbols: Vec<JsonSymbol>,
}

#[derive(Deserialize)]
struct JsonSymbol {
    name: String,
    value: u32,
}

fn convert_group(g: &JsonGroup, root: bool) -> Result<GroupDef, SunSpecError> {
    let count = if root {
        GroupCount::One
    } else {
        match &g.count {
            None => GroupCount::One,
            Some(serde_json::Value::String(s)) => GroupCount::Point(s.clone()),
            Some(serde_json::Value::Number(n)) => match n.as_u64() {
                Some(0) => GroupCount::Fill,
                Some(k) => GroupCount::Fixed(usize::try_from(k).unwrap_or(usize::MAX)),
                None => {
                    return Err(SunSpecError::Definition(format!("group {} has a count that is not a whole number", g.name)));
                }
            },
            Some(other) => {
                return Err(SunSpecError::Definition(format!("group {} has an unsupported count {other}", g.name)));
            }
        }
    };
    let mut points = Vec::with_capacity(g.points.len());
    let mut offset = 0usize;
    for p in &g.points {
        let ty = PointType::parse(&p.ty).ok_or_else(|| SunSpecError::Definition(format!("point {} has unknown type {}", p.name, p.ty)))?;
        let size = match (ty.fixed_size(), p.size) {
            (Some(fixed), _) => fixed,
            (None, Some(s)) if s > 0 => s,
            (None, _) => {
                return Err(SunSpecError::Definition(format!("string point {} has no size", p.name)));
            }
        };
        let sf = match &p.sf {
            None => SfSource::None,
            Some(serde_json::Value::String(s)) => SfSource::Point(s.clone()),
            Some(serde_json::Value::Number(n)) => {
                let v = n
                    .as_i64()
                    .and_then(|v| i16::try_from(v).ok())
                    .ok_or_else(|| SunSpecError::Definition(format!("point {} has a bad fixed scale factor", p.name)))?;
                SfSource::Fixed(v)
            }
            Some(other) => {
                return Err(SunSpecError::Definition(format!("point {} has an unsupported sf {other}", p.name)));
            }
        };
        points.push(PointDef {
            name: p.name.clone(),
            label: p.label.clone().unwrap_or_else(|| p.name.clone()),
            desc: p.desc.clone().unwrap_or_default(),
            ty,
            size,
            offset,
            sf,
            units: p.units.clone().map(|u| u.trim().to_string()).filter(|u| !u.is_empty()),
            writable: p.access.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("RW")),
            mandatory: p.mandatory.as_deref() == Some("M"),
            symbols: p.symbols.iter().map(|s| Symbol { name: s.name.clone(), value: s.value }).collect(),
            symbol_names: p.symbols.iter().map(|s| Name::Owned(s.name.clone())).collect(),
        });
        offset += size;
    }
    let groups = g.groups.iter().map(|c| convert_group(c, false)).collect::<Result<Vec<_>, _>>()?;
    Ok(GroupDef {
        name: g.name.clone(),
        label: g.label.clone().unwrap_or_else(|| g.name.clone()),
        count,
        points,
        groups,
        points_len: offset,
    })
}

fn registry() -> &'static HashMap<u16, ModelDef> {
    static REGISTRY: OnceLock<HashMap<u16, ModelDef>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut map = HashMap::new();
        for (id, json) in BUNDLED {
            // The bundled files are checked by a unit test; a file that does
            // not parse simply leaves its model undecodable ("unknown model").
            if let Ok(def) = ModelDef::from_json(json) {
                debug_assert_eq!(def.id, *id);
                map.insert(def.id, def);
            }
        }
        map
    })
}

/// The bundled definition of model `id`, if Backstop has one.
pub fn model_def(id: u16) -> Option<&'static ModelDef> {
    registry().get(&id)
}

/// Ids of all bundled models, ascending.
pub fn known_models() -> Vec<u16> {
    let mut ids: Vec<u16> = registry().keys().copied().collect();
    ids.sort_unstable();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_definition_parses() {
        for (id, json) in BUNDLED {
            let def = ModelDef::from_json(json).unwrap();
            assert_eq!(def.id, *id);
        }
        assert_eq!(known_models(), vec![1, 124, 802, 803, 804, 805]);
    }

    #[test]
    fn fixed_lengths_match_the_sunspec_specification() {
        // Lengths published by SunSpec for the storage models (L without
        // repeating groups) and the per-instance sizes of their groups.
        assert_eq!(model_def(1).unwrap().fixed_length(), 66);
        assert_eq!(model_def(802).unwrap().fixed_length(), 62);
        assert_eq!(model_def(803).unwrap().fixed_length(), 26);
        assert_eq!(model_def(804).unwrap().fixed_length(), 46);
        assert_eq!(model_def(805).unwrap().fixed_length(), 42);
        assert_eq!(model_def(124).unwrap().fixed_length(), 24);
        assert_eq!(model_def(803).unwrap().group.groups[0].points_len, 32);
        assert_eq!(model_def(804).unwrap().group.groups[0].points_len, 16);
        assert_eq!(model_def(805).unwrap().group.groups[0].points_len, 4);
    }

    #[test]
    fn points_carry_their_definition_facts() {
        let m802 = model_def(802).unwrap();
        let soc = m802.group.point("SoC").unwrap();
        assert_eq!(soc.sf, SfSource::Point("SoC_SF".into()));
        assert_eq!(soc.units.as_deref(), Some("%WHRtg"));
        let set_op = m802.group.point("SetOp").unwrap();
        assert!(set_op.writable);
        assert_eq!(set_op.symbol_value("disconnect"), Some(2));
        let m804 = model_def(804).unwrap();
        assert_eq!(m804.group.groups[0].count, GroupCount::Point("NMod".into()));
        let m805 = model_def(805).unwrap();
        assert_eq!(m805.group.groups[0].count, GroupCount::Fill);
    }

    #[test]
    fn malformed_definitions_are_errors_not_panics() {
        assert!(ModelDef::from_json("{").is_err());
        assert!(ModelDef::from_json(r#"{"id":1,"group":{"name":"x","points":[{"name":"a","type":"weird","size":1}]}}"#).is_err());
        assert!(ModelDef::from_json(r#"{"id":1,"group":{"name":"x","points":[{"name":"a","type":"string"}]}}"#).is_err());
    }
}
