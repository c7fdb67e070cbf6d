//! Mapping between the design types of `backstop-model` and the rows of the
//! design tables. Each row carries typed columns (keys, references and the
//! values worth querying) plus `body`, the item's complete JSON, from which
//! the item is read back; the typed columns are always derived from the item
//! on write so the two cannot disagree.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde::Serialize;
use serde::de::DeserializeOwned;

use backstop_model::layout::{EgressPath, ItRack, Layout, PlacedEquipment, PowerUnit, Room};
use backstop_model::project::{DESIGN_FORMAT, DESIGN_VERSION, Design, ProjectInfo, Record, Revision, Settings, SizingResultRecord};

use crate::error::{Result, StoreError};
use crate::limits;
use crate::schema::{DesignTable, KeyType, design_table};

/// One row of a design table, values in the table's column order.
pub(crate) type Row = Vec<Value>;

/// A design item that lives in one row of one design table.
pub(crate) trait DesignItem: Sized {
    /// Table name (see [`crate::schema::DESIGN_TABLES`]).
    const TABLE: &'static str;
    /// What to call it in messages ("room", "equipment", …).
    const KIND: &'static str;
    /// Its key.
    fn key(&self) -> String;
    /// Checks the item's values (its [`DesignItem::limits`] first); the
    /// message names the field.
    fn check(&self) -> Result<()>;
    /// Checks the lengths of its texts and lists (see [`crate::limits`]);
    /// also run on every item of a file being opened.
    fn limits(&self) -> Result<()>;
    /// The row for the item.
    fn to_row(&self) -> Result<Row>;
    /// The item from its row.
    fn from_row(row: &[Value]) -> Result<Self>;
    /// Whether `row` is exactly the row the item implies (checked on every
    /// read: a typed column that disagrees with the item's JSON means the
    /// row was damaged or edited by hand).
    fn matches_row(&self, row: &[Value]) -> Result<bool> {
        Ok(self.to_row()? == row)
    }
}

pub(crate) fn table_of<T: DesignItem>() -> &'static DesignTable {
    match design_table(T::TABLE) {
        Some(t) => t,
        None => unreachable_table(T::TABLE),
    }
}

#[cold]
fn unreachable_table(name: &str) -> ! {
    // Only reachable if a DesignItem names a table missing from
    // DESIGN_TABLES, which the unit tests rule out.
    panic!("design table {name} is not declared in schema::DESIGN_TABLES")
}

/// JSON text of `v`, refusing values JSON cannot represent (NaN, infinity),
/// which serde_json would silently turn into `null`.
pub(crate) fn to_json<T: Serialize + DeserializeOwned>(v: &T, what: &str) -> Result<String> {
    let text = serde_json::to_string(v).map_err(|source| StoreError::Json { context: format!("writing {what}"), source })?;
    if serde_json::from_str::<T>(&text).is_err() {
        return Err(StoreError::Invalid(format!("{what} contains a number that is not finite (NaN or infinity); enter a real value")));
    }
    Ok(text)
}

fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|source| StoreError::Json { context: format!("reading {what}"), source })
}

fn text(v: &Value, what: &str) -> Result<String> {
    match v {
        Value::Text(s) => Ok(s.clone()),
        _ => Err(StoreError::Invalid(format!("{what} is not text in the file"))),
    }
}

/// A key as quoted in messages: an over-long one is cut.
pub(crate) fn shown(key: &str) -> String {
    match key.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &key[..at]),
        None => key.to_owned(),
    }
}

/// Every text and list inside `item` (see [`limits::value`]).
fn walk_item<T: Serialize>(kind: &str, key: &str, item: &T) -> Result<()> {
    let v = serde_json::to_value(item).map_err(|source| StoreError::Json { context: format!("checking {kind}"), source })?;
    limits::value(&format!("{kind} \"{}\"", shown(key)), &v, limits::TEXT_CHARS)
}

fn key_len(kind: &str, key: &str) -> Result<()> {
    limits::text(&format!("the {kind} key \"{}\"", shown(key)), key, limits::KEY_CHARS)
}

fn list_len(what: &str, n: usize, max: usize) -> Result<()> {
    if n > max {
        return Err(StoreError::Invalid(format!(
            "{what} has {} items; a project keeps at most {}",
            limits::group(n as u64),
            limits::group(max as u64)
        )));
    }
    Ok(())
}

fn check_key(kind: &str, key: &str) -> Result<()> {
    if key.trim().is_empty() {
        return Err(StoreError::Invalid(format!("a {kind} needs a non-empty key")));
    }
    if key.trim() != key || key.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "the {kind} key \"{}\" has leading/trailing spaces or control characters",
            key.escape_debug()
        )));
    }
    Ok(())
}

fn check_non_negative(what: &str, v: f64) -> Result<()> {
    if !v.is_finite() || v < 0.0 {
        return Err(StoreError::Invalid(format!("{what} must be a finite number ≥ 0, not {v}")));
    }
    Ok(())
}

fn real(v: f64) -> Value {
    Value::Real(v)
}

fn int(v: impl Into<i64>) -> Value {
    Value::Integer(v.into())
}

fn txt(v: &str) -> Value {
    Value::Text(v.to_owned())
}

fn opt_txt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, txt)
}

/// Row body → item, for tables whose last column is `body`.
fn from_body<T: DeserializeOwned>(row: &[Value], kind: &str) -> Result<T> {
    let body = row.last().ok_or_else(|| StoreError::Invalid(format!("empty {kind} row")))?;
    from_json(&text(body, kind)?, kind)
}

/// Project metadata is the singleton row `id = 1` of `project`.
impl DesignItem for ProjectInfo {
    const TABLE: &'static str = "project";
    const KIND: &'static str = "project information";
    fn key(&self) -> String {
        "1".into()
    }
    fn check(&self) -> Result<()> {
        self.limits()?;
        if self.name.trim().is_empty() {
            return Err(StoreError::Invalid("the project needs a name".into()));
        }
        Ok(())
    }
    fn limits(&self) -> Result<()> {
        limits::text("the project name", &self.name, limits::NAME_CHARS)?;
        limits::text("the client", &self.client, limits::NAME_CHARS)?;
        limits::text("the site", &self.site, limits::NAME_CHARS)?;
        limits::text("the engineer", &self.engineer, limits::NAME_CHARS)?;
        limits::text("the address", &self.address, limits::ADDRESS_CHARS)?;
        limits::text("the project notes", &self.notes, limits::TEXT_CHARS)
    }
    fn to_row(&self) -> Result<Row> {
        Ok(vec![
            int(1),
            txt(&self.name),
            txt(&self.client),
            txt(&self.site),
            txt(&self.engineer),
            int(self.created_at_ms),
            txt(&to_json(self, "project information")?),
        ])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        from_body(row, Self::KIND)
    }
}

impl DesignItem for Revision {
    const TABLE: &'static str = "revisions";
    const KIND: &'static str = "revision";
    fn key(&self) -> String {
        self.rev.clone()
    }
    fn check(&self) -> Result<()> {
        self.limits()?;
        check_key(Self::KIND, &self.rev)?;
        if !self.date_is_valid() {
            return Err(StoreError::Invalid(format!(
                "revision {}: the date \"{}\" is not a calendar date YYYY-MM-DD",
                self.rev, self.date
            )));
        }
        Ok(())
    }
    fn limits(&self) -> Result<()> {
        key_len(Self::KIND, &self.rev)?;
        let what = |f: &str| format!("revision {}: the {f}", shown(&self.rev));
        limits::text(&what("date"), &self.date, 32)?;
        limits::text(&what("author"), &self.author, limits::NAME_CHARS)?;
        limits::text(&what("description"), &self.description, limits::TEXT_CHARS)
    }
    fn to_row(&self) -> Result<Row> {
        Ok(vec![txt(&self.rev), txt(&self.date), txt(&to_json(self, "a revision")?)])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        from_body(row, Self::KIND)
    }
}

/// Settings are the singleton row `id = 1` of `settings`.
impl DesignItem for Settings {
    const TABLE: &'static str = "settings";
    const KIND: &'static str = "settings";
    fn key(&self) -> String {
        "1".into()
    }
    fn check(&self) -> Result<()> {
        self.limits()?;
        let t = &self.tolerances;
        for (what, v) in [
            ("voltage tolerance", t.voltage_pct),
            ("current tolerance", t.current_pct),
            ("temperature tolerance", t.temperature_k),
            ("state-of-charge tolerance", t.soc_points),
            ("cell spread tolerance", t.cell_spread_mv),
        ] {
            check_non_negative(what, v)?;
        }
        Ok(())
    }
    fn limits(&self) -> Result<()> {
        if let Some(r) = &self.rule_set {
            key_len("rule set", r)?;
        }
        list_len("the list of project rule sets", self.rule_sets.len(), 100)?;
        walk_item("the settings", "1", self)
    }
    fn to_row(&self) -> Result<Row> {
        Ok(vec![int(1), opt_txt(self.rule_set.as_deref()), txt(&to_json(self, "settings")?)])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        from_body(row, Self::KIND)
    }
}

impl DesignItem for Room {
    const TABLE: &'static str = "rooms";
    const KIND: &'static str = "room";
    fn key(&self) -> String {
        self.id.clone()
    }
    fn check(&self) -> Result<()> {
        self.limits()?;
        check_key(Self::KIND, &self.id)?;
        check_non_negative(&format!("room {}: floor load", self.id), self.floor_load_kg_m2)
    }
    fn limits(&self) -> Result<()> {
        key_len(Self::KIND, &self.id)?;
        let what = |f: &str| format!("room {}: the {f}", shown(&self.id));
        limits::text(&what("name"), &self.name, limits::NAME_CHARS)?;
        if let Some(a) = &self.fire_area {
            limits::text(&what("fire area"), a, limits::KEY_CHARS)?;
        }
        list_len(&what("list of doors"), self.doors.len(), 1_000)?;
        if let backstop_model::layout::RoomShape::Polygon { vertices } = &self.shape {
            list_len(&what("outline"), vertices.len(), 10_000)?;
        }
        walk_item(Self::KIND, &self.id, self)
    }
    fn to_row(&self) -> Result<Row> {
        Ok(vec![
            txt(&self.id),
            txt(&self.name),
            txt(self.environment.as_str()),
            opt_txt(self.fire_area.as_deref()),
            real(self.floor_load_kg_m2),
            int(self.height_mm),
            txt(&to_json(self, "a room")?),
        ])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        from_body(row, Self::KIND)
    }
}

impl DesignItem for PlacedEquipment {
    const TABLE: &'static str = "equipment";
    const KIND: &'static str = "equipment";
    fn key(&self) -> String {
        self.tag.clone()
    }
    fn check(&self) -> Result<()> {
        self.limits()?;
        check_key(Self::KIND, &self.tag)?;
        check_key("catalog entry", &self.catalog_key)?;
        check_non_negative(&format!("{}: voltage to ground", self.tag), self.voltage_to_ground_v)?;
        check_non_negative(&format!("{}: ampacity", self.tag), self.ampacity_a)
    }
    fn limits(&self) -> Result<()> {
        key_len(Self::KIND, &self.tag)?;
        key_len("catalog entry", &self.catalog_key)?;
        key_len("room", &self.placement.room_id)?;
        walk_item(Self::KIND, &self.tag, self)
    }
    fn to_row(&self) -> Result<Row> {
        let p = &self.placement;
        Ok(vec![
            txt(&self.tag),
            txt(&self.catalog_key),
            txt(&p.room_id),
            int(p.position.x_mm),
            int(p.position.y_mm),
            int(p.rotation.degrees()),
            real(self.voltage_to_ground_v),
            real(self.ampacity_a),
            txt(&to_json(self, "equipment")?),
        ])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        from_body(row, Self::KIND)
    }
}

impl DesignItem for ItRack {
    const TABLE: &'static str = "it_racks";
    const KIND: &'static str = "IT rack";
    fn key(&self) -> String {
        self.tag.clone()
    }
    fn check(&self) -> Result<()> {
        self.limits()?;
        check_key(Self::KIND, &self.tag)?;
        check_non_negative(&format!("rack {}: load", self.tag), self.load_kw)
    }
    fn limits(&self) -> Result<()> {
        key_len(Self::KIND, &self.tag)?;
        key_len("room", &self.placement.room_id)?;
        walk_item(Self::KIND, &self.tag, self)
    }
    fn to_row(&self) -> Result<Row> {
        let p = &self.placement;
        Ok(vec![
            txt(&self.tag),
            txt(&p.room_id),
            int(p.position.x_mm),
            int(p.position.y_mm),
            int(p.rotation.degrees()),
            real(self.load_kw),
            txt(&to_json(self, "an IT rack")?),
        ])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        from_body(row, Self::KIND)
    }
}

impl DesignItem for PowerUnit {
    const TABLE: &'static str = "power_units";
    const KIND: &'static str = "UPS/PCS unit";
    fn key(&self) -> String {
        self.tag.clone()
    }
    fn check(&self) -> Result<()> {
        self.limits()?;
        check_key(Self::KIND, &self.tag)?;
        if let Some(k) = &self.catalog_key {
            check_key("catalog entry", k)?;
        }
        check_non_negative(&format!("{}: rated power", self.tag), self.rated_kw)?;
        check_non_negative(&format!("{}: voltage to ground", self.tag), self.voltage_to_ground_v)?;
        check_non_negative(&format!("{}: ampacity", self.tag), self.ampacity_a)
    }
    fn limits(&self) -> Result<()> {
        key_len(Self::KIND, &self.tag)?;
        if let Some(k) = &self.catalog_key {
            key_len("catalog entry", k)?;
        }
        key_len("room", &self.placement.room_id)?;
        list_len(&format!("unit {}: the list of racks served", shown(&self.tag)), self.serves.len(), 10_000)?;
        for r in &self.serves {
            key_len("served rack", r)?;
        }
        walk_item(Self::KIND, &self.tag, self)
    }
    fn to_row(&self) -> Result<Row> {
        let p = &self.placement;
        Ok(vec![
            txt(&self.tag),
            txt(self.kind.as_str()),
            opt_txt(self.catalog_key.as_deref()),
            txt(&p.room_id),
            int(p.position.x_mm),
            int(p.position.y_mm),
            int(p.rotation.degrees()),
            real(self.rated_kw),
            txt(&to_json(self, "a UPS/PCS unit")?),
        ])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        from_body(row, Self::KIND)
    }
}

impl DesignItem for EgressPath {
    const TABLE: &'static str = "egress_paths";
    const KIND: &'static str = "egress path";
    fn key(&self) -> String {
        self.id.clone()
    }
    fn check(&self) -> Result<()> {
        self.limits()?;
        check_key(Self::KIND, &self.id)
    }
    fn limits(&self) -> Result<()> {
        key_len(Self::KIND, &self.id)?;
        limits::text(&format!("egress path {}: the name", shown(&self.id)), &self.name, limits::NAME_CHARS)?;
        list_len(&format!("egress path {}: the route", shown(&self.id)), self.route.len(), 10_000)?;
        walk_item(Self::KIND, &self.id, self)
    }
    fn to_row(&self) -> Result<Row> {
        Ok(vec![txt(&self.id), txt(&self.name), int(self.width_mm), txt(&to_json(self, "an egress path")?)])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        from_body(row, Self::KIND)
    }
}

/// A catalog entry used by the project: key, kind, name and the entry's
/// JSON as `body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CatalogRow(pub Record);
/// A sizing case: key, kind, name and the case's JSON as `body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SizingCaseRow(pub Record);

fn record_limits(kind: &str, r: &Record) -> Result<()> {
    key_len(kind, &r.key)?;
    let what = |f: &str| format!("{kind} \"{}\": the {f}", shown(&r.key));
    limits::text(&what("kind"), &r.kind, limits::KEY_CHARS)?;
    limits::text(&what("name"), &r.name, limits::NAME_CHARS)?;
    limits::body(&format!("{kind} \"{}\"", shown(&r.key)), &r.body, limits::body_bytes(&r.kind))
}

fn check_record(kind: &str, r: &Record) -> Result<()> {
    record_limits(kind, r)?;
    check_key(kind, &r.key)?;
    serde_json::from_str::<serde_json::Value>(&r.body)
        .map_err(|source| StoreError::Json { context: format!("{kind} \"{}\" has a body that is not JSON", r.key), source })?;
    Ok(())
}

/// The body in compact canonical form (so equal records store equal bytes).
fn canonical_body(r: &Record) -> Result<String> {
    let v: serde_json::Value = from_json(&r.body, "a record body")?;
    serde_json::to_string(&v).map_err(|source| StoreError::Json { context: "writing a record body".into(), source })
}

fn record_from(row: &[Value], kind: &str) -> Result<Record> {
    let [key, k, name, body] = row else {
        return Err(StoreError::Invalid(format!("a {kind} row has the wrong shape")));
    };
    Ok(Record { key: text(key, kind)?, kind: text(k, kind)?, name: text(name, kind)?, body: text(body, kind)? })
}

impl DesignItem for CatalogRow {
    const TABLE: &'static str = "catalog_entries";
    const KIND: &'static str = "catalog entry";
    fn key(&self) -> String {
        self.0.key.clone()
    }
    fn check(&self) -> Result<()> {
        check_record(Self::KIND, &self.0)
    }
    fn limits(&self) -> Result<()> {
        record_limits(Self::KIND, &self.0)
    }
    fn to_row(&self) -> Result<Row> {
        Ok(vec![txt(&self.0.key), txt(&self.0.kind), txt(&self.0.name), txt(&canonical_body(&self.0)?)])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        record_from(row, Self::KIND).map(CatalogRow)
    }
}

impl DesignItem for SizingCaseRow {
    const TABLE: &'static str = "sizing_cases";
    const KIND: &'static str = "sizing case";
    fn key(&self) -> String {
        self.0.key.clone()
    }
    fn check(&self) -> Result<()> {
        check_record(Self::KIND, &self.0)
    }
    fn limits(&self) -> Result<()> {
        record_limits(Self::KIND, &self.0)
    }
    fn to_row(&self) -> Result<Row> {
        Ok(vec![txt(&self.0.key), txt(&self.0.kind), txt(&self.0.name), txt(&canonical_body(&self.0)?)])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        record_from(row, Self::KIND).map(SizingCaseRow)
    }
    /// A sizing case's columns are taken from the row as they are, so only
    /// its body's canonical form could differ; the body was parsed and
    /// checked as JSON when the file was opened, and every edit writes it
    /// canonical. Re-encoding it on every read cost 84 ms per command with
    /// a day-long power trace stored (16 MB; `benches/stored_trace.rs`).
    fn matches_row(&self, row: &[Value]) -> Result<bool> {
        Ok(row.len() == 4)
    }
}

impl DesignItem for SizingResultRecord {
    const TABLE: &'static str = "sizing_results";
    const KIND: &'static str = "sizing result";
    fn key(&self) -> String {
        self.record.key.clone()
    }
    fn check(&self) -> Result<()> {
        check_record(Self::KIND, &self.record)?;
        key_len("sizing case", &self.case_key)?;
        check_key("sizing case", &self.case_key)
    }
    fn limits(&self) -> Result<()> {
        record_limits(Self::KIND, &self.record)?;
        key_len("sizing case", &self.case_key)
    }
    fn to_row(&self) -> Result<Row> {
        let r = &self.record;
        Ok(vec![txt(&r.key), txt(&self.case_key), txt(&r.kind), txt(&r.name), txt(&canonical_body(r)?)])
    }
    fn from_row(row: &[Value]) -> Result<Self> {
        let [key, case_key, rest @ ..] = row else {
            return Err(StoreError::Invalid("a sizing result row has the wrong shape".into()));
        };
        let mut shaped = vec![key.clone()];
        shaped.extend_from_slice(rest);
        Ok(SizingResultRecord { case_key: text(case_key, Self::KIND)?, record: record_from(&shaped, Self::KIND)? })
    }
}

/// Whether `body` decodes as the item type stored in `table`.
pub(crate) fn body_decodes(table: &str, body: &str) -> bool {
    fn ok<T: DeserializeOwned>(body: &str) -> bool {
        serde_json::from_str::<T>(body).is_ok()
    }
    match table {
        "project" => ok::<ProjectInfo>(body),
        "revisions" => ok::<Revision>(body),
        "settings" => ok::<Settings>(body),
        "rooms" => ok::<Room>(body),
        "equipment" => ok::<PlacedEquipment>(body),
        "it_racks" => ok::<ItRack>(body),
        "power_units" => ok::<PowerUnit>(body),
        "egress_paths" => ok::<EgressPath>(body),
        _ => ok::<serde_json::Value>(body),
    }
}

fn select_sql(t: &DesignTable, filter: &str, order: &str) -> String {
    format!("SELECT {} FROM {} {filter} {order}", t.columns.join(", "), t.name)
}

/// Reads the row of `table` with `key`, if any.
pub(crate) fn read_row(conn: &Connection, t: &DesignTable, key: &str) -> rusqlite::Result<Option<Row>> {
    let sql = select_sql(t, &format!("WHERE {} = ?1", t.key), "");
    let n = t.columns.len();
    conn.prepare_cached(&sql)?.query_row([key_value(t, key)], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect()).optional()
}

/// The key bound with the type of the table's key column.
pub(crate) fn key_value(t: &DesignTable, key: &str) -> Value {
    match t.key_type {
        KeyType::Integer => key.parse::<i64>().map_or_else(|_| Value::Text(key.to_owned()), Value::Integer),
        KeyType::Text => Value::Text(key.to_owned()),
    }
}

/// Writes `row` (insert or update by key).
pub(crate) fn write_row(conn: &Connection, t: &DesignTable, row: &[Value]) -> rusqlite::Result<()> {
    let cols = t.columns.join(", ");
    let marks = (1..=t.columns.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let updates = t.columns[1..].iter().map(|c| format!("{c} = excluded.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!("INSERT INTO {} ({cols}) VALUES ({marks}) ON CONFLICT ({}) DO UPDATE SET {updates}", t.name, t.key);
    conn.prepare_cached(&sql)?.execute(params_from_iter(row.iter()))?;
    Ok(())
}

/// Deletes the row with `key`.
pub(crate) fn delete_row(conn: &Connection, t: &DesignTable, key: &str) -> rusqlite::Result<()> {
    let sql = format!("DELETE FROM {} WHERE {} = ?1", t.name, t.key);
    conn.prepare_cached(&sql)?.execute([key_value(t, key)])?;
    Ok(())
}

/// All items of one design table, in canonical order.
pub(crate) fn read_all<T: DesignItem>(conn: &Connection, order: &str) -> Result<Vec<T>> {
    let t = table_of::<T>();
    let sql = select_sql(t, "", order);
    let n = t.columns.len();
    let mut stmt = conn.prepare(&sql).map_err(|e| StoreError::sqlite(format!("reading {}", t.name), e))?;
    let rows = stmt
        .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect::<rusqlite::Result<Row>>())
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<Row>>>())
        .map_err(|e| StoreError::sqlite(format!("reading {}", t.name), e))?;
    rows.iter()
        .map(|r| {
            let item = T::from_row(r)?;
            // The typed columns must be exactly what the item implies;
            // anything else means the row was damaged or edited by hand.
            if !item.matches_row(r)? {
                return Err(StoreError::Invalid(format!("{} \"{}\": its columns do not match its record", T::KIND, item.key())));
            }
            Ok(item)
        })
        .collect()
}

/// Reads the whole design.
pub(crate) fn read_design(conn: &Connection) -> Result<Design> {
    let by_key = |t: &str| format!("ORDER BY {t}");
    let project = read_all::<ProjectInfo>(conn, "")?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Invalid("the project information row is missing".into()))?;
    let settings = read_all::<Settings>(conn, "")?.into_iter().next().unwrap_or_default();
    Ok(Design {
        format: DESIGN_FORMAT.to_owned(),
        version: DESIGN_VERSION,
        project,
        revisions: read_all(conn, "ORDER BY issued_on, rev")?,
        settings,
        layout: Layout {
            rooms: read_all(conn, &by_key("id"))?,
            equipment: read_all(conn, &by_key("tag"))?,
            racks: read_all(conn, &by_key("tag"))?,
            power_units: read_all(conn, &by_key("tag"))?,
            egress_paths: read_all(conn, &by_key("id"))?,
        },
        catalog: read_all::<CatalogRow>(conn, &by_key("key"))?.into_iter().map(|c| c.0).collect(),
        sizing_cases: read_all::<SizingCaseRow>(conn, &by_key("key"))?.into_iter().map(|c| c.0).collect(),
        sizing_results: read_all(conn, &by_key("key"))?,
    })
}

/// Describes the first dangling reference in the design, if any: equipment
/// in a room or of a catalog entry that does not exist, a result of a
/// missing sizing case.
pub(crate) fn dangling_reference(conn: &Connection) -> rusqlite::Result<Option<String>> {
    const CHECKS: &[(&str, &str)] = &[
        (
            "SELECT tag, room_id FROM equipment WHERE room_id NOT IN (SELECT id FROM rooms) LIMIT 1",
            "equipment \"{0}\" stands in room \"{1}\", which is not in the project",
        ),
        (
            "SELECT tag, catalog_key FROM equipment WHERE catalog_key NOT IN (SELECT key FROM catalog_entries) LIMIT 1",
            "equipment \"{0}\" is an instance of catalog entry \"{1}\", which is not in the project",
        ),
        (
            "SELECT tag, room_id FROM it_racks WHERE room_id NOT IN (SELECT id FROM rooms) LIMIT 1",
            "IT rack \"{0}\" stands in room \"{1}\", which is not in the project",
        ),
        (
            "SELECT tag, room_id FROM power_units WHERE room_id NOT IN (SELECT id FROM rooms) LIMIT 1",
            "unit \"{0}\" stands in room \"{1}\", which is not in the project",
        ),
        (
            "SELECT tag, catalog_key FROM power_units WHERE catalog_key IS NOT NULL \
             AND catalog_key NOT IN (SELECT key FROM catalog_entries) LIMIT 1",
            "unit \"{0}\" is an instance of catalog entry \"{1}\", which is not in the project",
        ),
        (
            "SELECT key, case_key FROM sizing_results WHERE case_key NOT IN (SELECT key FROM sizing_cases) LIMIT 1",
            "sizing result \"{0}\" belongs to sizing case \"{1}\", which is not in the project",
        ),
    ];
    for (sql, msg) in CHECKS {
        let hit = conn.prepare_cached(sql)?.query_row([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).optional()?;
        if let Some((a, b)) = hit {
            return Ok(Some(msg.replace("{0}", &a).replace("{1}", &b)));
        }
    }
    Ok(None)
}
