//! SunSpec discovery over any register reader: the engineer's "Discover"
//! (through a [`crate::Link`]) and the poller's re-discovery of a device
//! whose model headers stopped matching (inside the port's actor) walk the
//! model chain with the same code.

use backstop_model::link::{CommonInfo, DecodedModel, DeviceInfo, ModelInfo, PointValue};
use backstop_sunspec::{BASE_ADDRESSES, ModelHeader, SUNS_MARKER, length_note, model_def};

use crate::LinkError;
use crate::poll::Span;

/// Something that reads holding registers of one unit (at most 125 at a time).
pub(crate) trait Registers {
    async fn read(&mut self, unit: u8, address: u16, count: u16) -> Result<Vec<u16>, LinkError>;
}

/// Reads any number of holding registers in requests of at most 125.
pub(crate) async fn read_span<R: Registers>(r: &mut R, unit: u8, address: u16, count: u16) -> Result<Vec<u16>, LinkError> {
    let span = Span { table: backstop_sunspec::regmap::Table::Holding, address, count };
    let mut out = Vec::with_capacity(usize::from(count));
    for (a, n) in span.chunks() {
        out.extend(r.read(unit, a, n).await?);
    }
    Ok(out)
}

/// Reads and decodes one model instance.
pub(crate) async fn read_model<R: Registers>(r: &mut R, unit: u8, model: &ModelInfo) -> Result<DecodedModel, LinkError> {
    let regs = read_span(r, unit, model.address, model.length.saturating_add(2)).await?;
    if regs.first() != Some(&model.id) || regs.get(1) != Some(&model.length) {
        return Err(LinkError::Protocol {
            unit,
            what: format!("a read of model {} at {}", model.id, model.address),
            detail: format!(
                "the model header reads {}/{} where discovery found model {} of length {}; discover the unit again",
                regs.first().copied().unwrap_or(0),
                regs.get(1).copied().unwrap_or(0),
                model.id,
                model.length
            ),
        });
    }
    backstop_sunspec::decode_model(&regs, model.address).map_err(|e| LinkError::Invalid(e.to_string()))
}

/// Finds "SunS" (40000, then 0, then 50000), walks the model chain with
/// the lengths the device reports and reads the common model.
pub(crate) async fn discover<R: Registers>(r: &mut R, unit: u8) -> Result<DeviceInfo, LinkError> {
    let mut notes = Vec::new();
    let mut base = None;
    let mut silent: Option<LinkError> = None;
    for b in BASE_ADDRESSES {
        match r.read(unit, b, 2).await {
            Ok(reg) if reg == SUNS_MARKER => {
                base = Some(b);
                break;
            }
            Ok(reg) => notes.push(format!("{b}: {:04X} {:04X} is not \"SunS\"", reg[0], reg[1])),
            Err(LinkError::Exception { code, name, .. }) => notes.push(format!("{b}: exception {code:02} ({name})")),
            Err(e @ (LinkError::NoAnswer { .. } | LinkError::Damaged { .. })) => {
                notes.push(format!("{b}: {e}"));
                silent.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    let Some(base) = base else {
        if let (Some(e), true) =
            (silent, notes.len() == BASE_ADDRESSES.len() && notes.iter().all(|n| !n.contains("exception") && !n.contains("is not")))
        {
            return Err(e);
        }
        return Err(LinkError::NotSunSpec { unit, detail: notes.join("; ") });
    };
    notes.clear();
    let mut models = Vec::new();
    let mut address = base + 2;
    let mut ended = false;
    for _ in 0..256 {
        let h = r.read(unit, address, 2).await?;
        let Some(header) = ModelHeader::parse(&h) else { break };
        if header.is_end() {
            ended = true;
            break;
        }
        if header.id == 0 && header.length == 0 {
            notes.push(format!("the chain ends with 0/0 at {address} instead of the 0xFFFF end marker"));
            ended = true;
            break;
        }
        let def = model_def(header.id);
        if def.is_none() {
            notes.push(format!("model {} at {address} is not known to Backstop; it is skipped", header.id));
        }
        if let Some(n) = length_note(header) {
            notes.push(n);
        }
        models.push(ModelInfo {
            id: header.id,
            name: def.map(|d| d.name.clone()).unwrap_or_else(|| "unknown".into()),
            label: def.map(|d| d.label.clone()).unwrap_or_else(|| format!("Model {}", header.id)),
            address,
            length: header.length,
            known: def.is_some(),
        });
        match header.next_address(address) {
            Some(next) => address = next,
            None => {
                notes.push(format!("model {} at {address} runs past register 65535", header.id));
                break;
            }
        }
    }
    if !ended {
        notes.push("no end marker (0xFFFF) found; the model list may be incomplete".into());
    }
    let mut common = None;
    if let Some(m1) = models.iter().find(|m| m.id == 1).cloned() {
        let decoded = read_model(r, unit, &m1).await?;
        let text = |n: &str| match decoded.point(n).map(|p| &p.value) {
            Some(PointValue::Text { text }) => text.clone(),
            _ => String::new(),
        };
        common = Some(CommonInfo {
            manufacturer: text("Mn"),
            model: text("Md"),
            options: text("Opt"),
            version: text("Vr"),
            serial_number: text("SN"),
            device_address: decoded.point("DA").and_then(|p| p.value.as_f64()).map(|v| v as u16),
        });
    }
    Ok(DeviceInfo { unit, base_address: base, common, models, notes })
}
