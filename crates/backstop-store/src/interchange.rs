//! Interchange: the design as JSON (export for review and version control,
//! import back exactly) and CSV exports of telemetry and of a bill of
//! materials.
//!
//! The JSON document is pretty-printed with a fixed key order (the field
//! order of [`Design`]; catalog and sizing bodies, whose shape other modules
//! own, are embedded as JSON objects with sorted keys) and lists sorted by
//! key, so two exports of the same design are byte-identical and a change
//! shows as a small diff.

use std::collections::BinaryHeap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use backstop_model::layout::{BomLine, Layout};
use backstop_model::project::{DESIGN_FORMAT, DESIGN_VERSION, Design, ProjectInfo, Record, Revision, Settings, SizingResultRecord};

use crate::error::{Result, StoreError};
use crate::project::{CreateOptions, Project};
use crate::telemetry::{PointId, Sample, chunk_ids, read_chunk};
use crate::time::format_rfc3339_ms;

/// Largest design JSON document read (the file limits of
/// the store's field limits keep real designs far below it).
pub const MAX_DESIGN_JSON_BYTES: u64 = 64 * 1024 * 1024;

/// A record with its body as a JSON value (export form of [`Record`]).
#[derive(Debug, Serialize, Deserialize)]
struct RecordJson {
    key: String,
    kind: String,
    name: String,
    body: serde_json::Value,
}

/// Export form of [`SizingResultRecord`].
#[derive(Debug, Serialize, Deserialize)]
struct ResultJson {
    case_key: String,
    key: String,
    kind: String,
    name: String,
    body: serde_json::Value,
}

/// Export form of [`Design`]: the same fields in the same order.
#[derive(Debug, Serialize, Deserialize)]
struct DesignJson {
    format: String,
    version: u32,
    project: ProjectInfo,
    revisions: Vec<Revision>,
    settings: Settings,
    layout: Layout,
    catalog: Vec<RecordJson>,
    sizing_cases: Vec<RecordJson>,
    sizing_results: Vec<ResultJson>,
}

fn body_value(r: &Record) -> Result<serde_json::Value> {
    serde_json::from_str(&r.body)
        .map_err(|source| StoreError::Json { context: format!("record \"{}\" has a body that is not JSON", r.key), source })
}

fn body_text(v: &serde_json::Value) -> Result<String> {
    serde_json::to_string(v).map_err(|source| StoreError::Json { context: "writing a record body".into(), source })
}

fn record_json(r: &Record) -> Result<RecordJson> {
    Ok(RecordJson { key: r.key.clone(), kind: r.kind.clone(), name: r.name.clone(), body: body_value(r)? })
}

fn record_from_json(r: RecordJson) -> Result<Record> {
    Ok(Record { body: body_text(&r.body)?, key: r.key, kind: r.kind, name: r.name })
}

/// The design as the pretty, stable JSON document (ends with a newline).
pub fn design_to_json(design: &Design) -> Result<String> {
    let mut d = design.clone();
    d.sort_canonical();
    let doc = DesignJson {
        format: DESIGN_FORMAT.to_owned(),
        version: DESIGN_VERSION,
        project: d.project,
        revisions: d.revisions,
        settings: d.settings,
        layout: d.layout,
        catalog: d.catalog.iter().map(record_json).collect::<Result<_>>()?,
        sizing_cases: d.sizing_cases.iter().map(record_json).collect::<Result<_>>()?,
        sizing_results: d
            .sizing_results
            .iter()
            .map(|r| {
                Ok(ResultJson {
                    case_key: r.case_key.clone(),
                    key: r.record.key.clone(),
                    kind: r.record.kind.clone(),
                    name: r.record.name.clone(),
                    body: body_value(&r.record)?,
                })
            })
            .collect::<Result<_>>()?,
    };
    let mut text =
        serde_json::to_string_pretty(&doc).map_err(|source| StoreError::Json { context: "writing the design JSON".into(), source })?;
    text.push('\n');
    Ok(text)
}

/// Reads a design JSON document (as written by [`design_to_json`]).
pub fn design_from_json(text: &str) -> Result<Design> {
    let doc: DesignJson =
        serde_json::from_str(text).map_err(|source| StoreError::Json { context: "the design JSON cannot be read".into(), source })?;
    if doc.format != DESIGN_FORMAT {
        return Err(StoreError::Invalid(format!(
            "this JSON is not a Backstop design (its format is \"{}\", expected \"{DESIGN_FORMAT}\")",
            doc.format
        )));
    }
    if doc.version > DESIGN_VERSION {
        return Err(StoreError::Invalid(format!(
            "this design JSON is version {}, newer than this Backstop reads ({DESIGN_VERSION}); update Backstop",
            doc.version
        )));
    }
    let mut design = Design {
        format: DESIGN_FORMAT.to_owned(),
        version: DESIGN_VERSION,
        project: doc.project,
        revisions: doc.revisions,
        settings: doc.settings,
        layout: doc.layout,
        catalog: doc.catalog.into_iter().map(record_from_json).collect::<Result<_>>()?,
        sizing_cases: doc.sizing_cases.into_iter().map(record_from_json).collect::<Result<_>>()?,
        sizing_results: doc
            .sizing_results
            .into_iter()
            .map(|r| {
                Ok(SizingResultRecord {
                    case_key: r.case_key,
                    record: Record { body: body_text(&r.body)?, key: r.key, kind: r.kind, name: r.name },
                })
            })
            .collect::<Result<_>>()?,
    };
    design.sort_canonical();
    Ok(design)
}

impl Project {
    /// The whole design as pretty, stable JSON.
    pub fn export_design_json(&self) -> Result<String> {
        design_to_json(&self.design()?)
    }

    /// Creates a new project file at `target` holding exactly `design`, and
    /// opens it for editing. The new project starts with an empty undo
    /// history.
    pub fn create_from_design(target: &Path, design: &Design, options: &CreateOptions) -> Result<Project> {
        // The whole design is written before the file appears at `target`.
        Project::create_with(target, &design.project, options, |p| p.run_edit("Import design", false, |e| e.replace_design(design)))
    }

    /// [`Project::create_from_design`] from a design JSON document.
    pub fn import_design_json(target: &Path, json: &str, options: &CreateOptions) -> Result<Project> {
        Project::create_from_design(target, &design_from_json(json)?, options)
    }

    /// Writes telemetry of `points` with `from_ms ≤ t ≤ to_ms` as CSV
    /// (`time_utc,unix_ms,device,point,unit,value`), one row per sample,
    /// ordered by time then by the order of `points`. Decodes one chunk per
    /// point at a time, so memory stays small for long ranges. Returns the
    /// number of rows.
    pub fn export_telemetry_csv<W: Write>(&self, out: W, points: &[PointId], from_ms: i64, to_ms: i64) -> Result<u64> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(["time_utc", "unix_ms", "device", "point", "unit", "value"])?;
        struct Cursor {
            names: [String; 3],
            chunks: std::vec::IntoIter<i64>,
            buf: Vec<Sample>,
            pos: usize,
        }
        let mut cursors = Vec::with_capacity(points.len());
        for &p in points {
            let names: [String; 3] = self
                .conn
                .query_row("SELECT device, point, unit FROM telemetry_points WHERE id = ?1", [p.0], |r| {
                    Ok([r.get(0)?, r.get(1)?, r.get(2)?])
                })
                .map_err(|_| StoreError::NoSuchItem { kind: "telemetry point", key: p.0.to_string() })?;
            cursors.push(Cursor { names, chunks: chunk_ids(&self.conn, p, from_ms, to_ms)?.into_iter(), buf: Vec::new(), pos: 0 });
        }
        // Advances a cursor to its next sample in range.
        let next = |c: &mut Cursor, conn: &rusqlite::Connection| -> Result<Option<Sample>> {
            loop {
                while let Some(s) = c.buf.get(c.pos).copied() {
                    c.pos += 1;
                    if s.t_ms >= from_ms && s.t_ms <= to_ms {
                        return Ok(Some(s));
                    }
                }
                let Some(id) = c.chunks.next() else { return Ok(None) };
                read_chunk(conn, id, &mut c.buf)?;
                c.pos = 0;
            }
        };
        // Min-heap on (time, point order).
        let mut heap = BinaryHeap::new();
        for (i, c) in cursors.iter_mut().enumerate() {
            if let Some(s) = next(c, &self.conn)? {
                heap.push(std::cmp::Reverse((s.t_ms, i, s.value.to_bits())));
            }
        }
        let mut rows = 0u64;
        while let Some(std::cmp::Reverse((t, i, bits))) = heap.pop() {
            let c = &mut cursors[i];
            let [device, point, unit] = &c.names;
            w.write_record([
                format_rfc3339_ms(t).as_str(),
                &t.to_string(),
                &safe_cell(device),
                &safe_cell(point),
                &safe_cell(unit),
                &f64::from_bits(bits).to_string(),
            ])?;
            rows += 1;
            if let Some(s) = next(c, &self.conn)? {
                heap.push(std::cmp::Reverse((s.t_ms, i, s.value.to_bits())));
            }
        }
        w.flush().map_err(|e| StoreError::Io { action: "write", path: "the CSV file".into(), source: e })?;
        Ok(rows)
    }
}

/// Writes a bill of materials as CSV (`item,description,quantity,unit,tags,notes`;
/// tags separated by spaces).
pub fn write_bom_csv<W: Write>(out: W, lines: &[BomLine]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["item", "description", "quantity", "unit", "tags", "notes"])?;
    for l in lines {
        if !l.quantity.is_finite() {
            return Err(StoreError::Invalid(format!("bill of materials: the quantity of {} is not a number", l.item)));
        }
        w.write_record([
            safe_cell(&l.item),
            safe_cell(&l.description),
            l.quantity.to_string(),
            safe_cell(&l.unit),
            safe_cell(&l.tags.join(" ")),
            safe_cell(&l.notes),
        ])?;
    }
    w.flush().map_err(|e| StoreError::Io { action: "write", path: "the CSV file".into(), source: e })?;
    Ok(())
}

/// A text cell that spreadsheet programs will not run as a formula: text
/// starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
/// apostrophe (project files come from other people).
fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_csv_quotes_and_defuses_formulas() {
        let lines = vec![
            BomLine {
                item: "cab-250".into(),
                description: "Cabinet, 250 kWh, \"outdoor\"".into(),
                quantity: 4.0,
                unit: "ea".into(),
                tags: vec!["BC-01".into(), "BC-02".into()],
                notes: "=HYPERLINK(\"x\")".into(),
            },
            BomLine {
                item: "cable".into(),
                description: "DC cable, 95 mm²".into(),
                quantity: 12.5,
                unit: "m".into(),
                tags: vec![],
                notes: String::new(),
            },
        ];
        let mut out = Vec::new();
        write_bom_csv(&mut out, &lines).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "item,description,quantity,unit,tags,notes\n\
             cab-250,\"Cabinet, 250 kWh, \"\"outdoor\"\"\",4,ea,BC-01 BC-02,\"'=HYPERLINK(\"\"x\"\")\"\n\
             cable,\"DC cable, 95 mm²\",12.5,m,,\n"
        );
        let bad = BomLine { quantity: f64::NAN, ..lines[0].clone() };
        assert!(write_bom_csv(Vec::new(), &[bad]).is_err());
    }

    #[test]
    fn design_json_refuses_other_documents() {
        assert!(matches!(design_from_json("{"), Err(StoreError::Json { .. })));
        let mut d = Design::new(ProjectInfo { name: "x".into(), ..Default::default() });
        d.format = "something-else".into();
        let text = serde_json::to_string(&DesignJson {
            format: d.format.clone(),
            version: 1,
            project: d.project.clone(),
            revisions: vec![],
            settings: d.settings.clone(),
            layout: d.layout.clone(),
            catalog: vec![],
            sizing_cases: vec![],
            sizing_results: vec![],
        })
        .unwrap();
        assert!(matches!(design_from_json(&text), Err(StoreError::Invalid(m)) if m.contains("not a Backstop design")));
    }
}
