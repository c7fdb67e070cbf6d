//! Everyday behaviour on real files: edits and their undo/redo history
//! (deep, persisted, one transaction each), one writer at a time, viewing
//! that never changes a byte, recovery of a damaged file, append-only
//! records, and telemetry storage and export.

mod support;

use std::path::{Path, PathBuf};

use backstop_model::project::Record;
use backstop_store::{
    Access, AuditEntry, AuditOutcome, CreateOptions, OpenOptions, Project, Sample, StoreError, TelemetryWriter, WriterConfig,
};
use rusqlite::Connection;
use support::fixtures::{cabinet, info, populate, room};

fn new_project(dir: &Path, name: &str) -> (PathBuf, Project) {
    let path = dir.join(name);
    let mut p = Project::create(&path, &info("Editing"), &CreateOptions::default()).unwrap();
    populate(&mut p);
    (path, p)
}

#[test]
fn a_hundred_and_fifty_undo_steps_survive_reopening_and_redo_is_cleared_by_a_new_edit() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut p) = new_project(dir.path(), "undo depth.backstop");
    let start = p.design().unwrap();
    let depth_before = p.undo_state().unwrap().undo_depth;
    for i in 0..150 {
        let mut item = cabinet("BC-01", "B1", 0);
        item.placement.position.x_mm = i * 10;
        p.put_equipment(&item).unwrap();
    }
    let after_edits = p.design().unwrap();
    assert_eq!(p.undo_state().unwrap().undo_depth, depth_before + 150);
    drop(p);

    // The history is in the file: reopen, undo everything that was done.
    let mut p = Project::open(&path, &OpenOptions::edit()).unwrap();
    let state = p.undo_state().unwrap();
    assert_eq!(state.undo.as_ref().unwrap().label, "Edit BC-01");
    for _ in 0..150 {
        assert!(p.undo().unwrap().is_some());
    }
    assert_eq!(p.design().unwrap(), start);
    assert_eq!(p.undo_state().unwrap().redo_depth, 150);
    drop(p);

    // Redo survives reopening too.
    let mut p = Project::open(&path, &OpenOptions::edit()).unwrap();
    for _ in 0..150 {
        assert!(p.redo().unwrap().is_some());
    }
    assert!(p.redo().unwrap().is_none(), "nothing left to redo");
    assert_eq!(p.design().unwrap(), after_edits);

    // A new edit after undo drops the redo branch.
    p.undo().unwrap();
    p.put_room(&room("NEW", 90_000)).unwrap();
    assert_eq!(p.undo_state().unwrap().redo_depth, 0);
    assert!(p.redo().unwrap().is_none());

    // An edit that changes nothing adds no step.
    let depth = p.undo_state().unwrap().undo_depth;
    p.put_room(&room("NEW", 90_000)).unwrap();
    assert_eq!(p.undo_state().unwrap().undo_depth, depth);
}

#[test]
fn an_edit_is_all_or_nothing_and_references_are_kept_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, mut p) = new_project(dir.path(), "references.backstop");
    let before = p.design().unwrap();

    // A room that still holds equipment cannot be deleted; nothing changes.
    let e = p.delete_room("B1").unwrap_err();
    assert!(matches!(e, StoreError::BrokenReference(_)), "{e}");
    assert!(e.to_string().contains("room \"B1\""), "{e}");
    assert_eq!(p.design().unwrap(), before);

    // Equipment of a catalog entry the project does not hold is refused.
    let mut stray = cabinet("BC-99", "B1", 0);
    stray.catalog_key = "not-copied-in".into();
    let e = p.put_equipment(&stray).unwrap_err();
    assert!(e.to_string().contains("not-copied-in"), "{e}");

    // A failing closure rolls back the changes made before the failure.
    let e = p
        .edit("Two changes", |e| {
            e.put_room(&room("R-NEW", 50_000))?;
            e.delete_equipment("no such tag")
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::NoSuchItem { .. }), "{e}");
    assert_eq!(p.design().unwrap(), before);

    // Non-finite numbers never reach the file.
    let mut nan = cabinet("BC-01", "B1", 0);
    nan.ampacity_a = f64::NAN;
    assert!(matches!(p.put_equipment(&nan), Err(StoreError::Invalid(_))));

    // Deleting a room with its contents is one step, undone as one.
    p.edit("Delete B1", |e| e.delete_room_with_contents("B1")).unwrap();
    let d = p.design().unwrap();
    assert!(d.layout.rooms.iter().all(|r| r.id != "B1"));
    assert!(d.layout.equipment.is_empty() && d.layout.racks.is_empty() && d.layout.power_units.is_empty());
    assert_eq!(p.undo().unwrap().unwrap().label, "Delete B1");
    assert_eq!(p.design().unwrap(), before);
}

#[test]
fn undo_refuses_when_the_file_was_changed_outside_backstop() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut p) = new_project(dir.path(), "tampered.backstop");
    p.put_room(&room("B1", 1_000)).unwrap();
    drop(p);
    {
        let c = Connection::open(&path).unwrap();
        let body: String = c.query_row("SELECT body FROM rooms WHERE id = 'B1'", [], |r| r.get(0)).unwrap();
        c.execute("UPDATE rooms SET name = 'hand edit', body = ?1 WHERE id = 'B1'", [body.replace("Battery room B1", "hand edit")])
            .unwrap();
    }
    let mut p = Project::open(&path, &OpenOptions::edit()).unwrap();
    let before = p.design().unwrap();
    let e = p.undo().unwrap_err();
    assert!(matches!(e, StoreError::HistoryMismatch(_)), "{e}");
    assert_eq!(p.design().unwrap(), before, "a refused undo changes nothing");
    p.clear_history().unwrap();
    assert!(p.undo().unwrap().is_none());
}

#[test]
fn one_writer_at_a_time_with_who_and_when() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut writer) = new_project(dir.path(), "shared site.backstop");
    writer.set_user("alice");
    let e = Project::open(&path, &OpenOptions::edit()).unwrap_err();
    let StoreError::Locked { owner, .. } = &e else { panic!("expected Locked, got {e}") };
    assert_eq!(owner.pid, std::process::id());
    let text = e.to_string();
    assert!(text.contains("already open for editing by") && text.contains(" since "), "{text}");

    // Viewing is allowed and says who edits it.
    let view = Project::open(&path, &OpenOptions::view()).unwrap();
    assert_eq!(view.access(), Access::View);
    assert_eq!(view.summary().unwrap().locked_by.map(|o| o.pid), Some(std::process::id()));
    assert!(matches!(Project::open(&path, &OpenOptions::view()).unwrap().put_room(&room("X", 0)), Err(StoreError::ReadOnlyProject)));
    drop(view);

    drop(writer);
    let again = Project::open(&path, &OpenOptions::edit()).unwrap();
    assert!(again.open_report().took_over_lock.is_none(), "a clean close leaves no stale lock");
}

#[test]
fn viewing_and_an_edit_session_without_edits_leave_every_byte_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (path, p) = new_project(dir.path(), "untouched.backstop");
    drop(p);
    let bytes = std::fs::read(&path).unwrap();
    let view = Project::open(&path, &OpenOptions::view()).unwrap();
    let _ = (view.design().unwrap(), view.summary().unwrap(), view.undo_state().unwrap(), view.title().unwrap());
    let point = view.find_telemetry_point("pack-01", "soc").unwrap().unwrap();
    assert_eq!(view.read_telemetry_tail(point, 3_600_000).unwrap().len(), 3_600);
    drop(view);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let edit = Project::open(&path, &OpenOptions::edit()).unwrap();
    let _ = edit.design().unwrap();
    drop(edit);
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "opening for editing alone changes nothing");
    Project::check(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "check changes nothing");
}

#[test]
fn a_damaged_file_is_refused_and_a_read_only_recovered_copy_can_be_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (path, p) = new_project(dir.path(), "damaged.backstop");
    let design = p.design().unwrap();
    drop(p);
    // Corrupt the telemetry pages (the later part of the file).
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 8192;
    let damaged_page = bytes.len() / page - 3;
    for b in &mut bytes[damaged_page * page + 8..(damaged_page + 1) * page] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();

    let e = Project::open(&path, &OpenOptions::edit()).unwrap_err();
    assert!(matches!(e, StoreError::Damaged { recoverable: true, .. }), "{e}");
    assert!(e.to_string().contains("read-only recovered copy"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    let recovered = Project::recover(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "recovery only reads the damaged file");
    assert_eq!(recovered.access(), Access::View);
    let report = recovered.open_report().recovered.clone().unwrap();
    assert_eq!(report.source, path);
    assert!(!report.rows_recovered.is_empty());
    assert_eq!(recovered.design().unwrap(), design, "the design rows were not on the damaged page");
    let temp = recovered.path().to_owned();

    // Save As turns the recovered copy into an editable project.
    let mut kept = recovered;
    let keep_path = dir.path().join("recovered.backstop");
    kept.save_as(&keep_path, &CreateOptions::default()).unwrap();
    assert_eq!(kept.access(), Access::Edit);
    kept.put_room(&room("AFTER", 70_000)).unwrap();
    drop(kept);
    assert!(!temp.exists(), "the temporary recovered copy is removed on close");
    Project::check(&keep_path).unwrap();
}

#[test]
fn audit_log_and_signoffs_are_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut p) = new_project(dir.path(), "audit.backstop");
    let entry = AuditEntry {
        id: 0,
        at_ms: 1_767_300_200_000,
        who: "alice".into(),
        device: "pack-01".into(),
        action: "write-register".into(),
        target: "discharge_limit_a".into(),
        outcome: AuditOutcome::Refused,
        details: serde_json::json!({"reason": "outside the design setpoint"}),
    };
    let id = p.append_audit(&entry).unwrap();
    let log = p.audit_log(0, i64::MAX).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log.last().unwrap(), &AuditEntry { id, ..entry });
    // Records are not design edits: undo never touches them.
    let _ = p.undo().unwrap();
    assert_eq!(p.audit_log(0, i64::MAX).unwrap().len(), 2);
    drop(p);
    // Even a tool that bypasses Backstop's API cannot rewrite them while
    // the file's own triggers are active.
    let c = Connection::open(&path).unwrap();
    for sql in ["UPDATE audit_log SET outcome = 'done'", "DELETE FROM audit_log", "DELETE FROM signoffs"] {
        let e = c.execute(sql, []).unwrap_err();
        assert!(e.to_string().contains("append-only") || e.to_string().contains("cannot be changed"), "{sql}: {e}");
    }
}

#[test]
fn telemetry_is_exact_ordered_and_exports_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, mut p) = new_project(dir.path(), "telemetry.backstop");
    let v = p.telemetry_point("pack-07", "cell_v_max", "V").unwrap();
    let i = p.telemetry_point("pack-07", "current", "A").unwrap();
    assert_eq!(p.telemetry_point("pack-07", "cell_v_max", "V").unwrap(), v, "a point is created once");
    let mut w = TelemetryWriter::new(WriterConfig { max_samples: 100, max_span_ms: 3_600_000 });
    let t0 = 1_767_600_000_000;
    let volts: Vec<Sample> = (0..250).map(|k| Sample { t_ms: t0 + k * 1_000, value: (3_300 + k % 5) as f64 / 1_000.0 }).collect();
    let amps: Vec<Sample> = (0..250).map(|k| Sample { t_ms: t0 + k * 1_000 + 500, value: (k as f64 * 0.37).sin() * 120.0 }).collect();
    w.append_many(&p, v, &volts[..120]).unwrap();
    w.append_many(&p, i, &amps).unwrap();
    w.flush(&mut p).unwrap();
    // The open chunk is rewritten in place by the next flush.
    w.append_many(&p, v, &volts[120..]).unwrap();
    assert_eq!(w.pending_samples(), 130);
    w.flush(&mut p).unwrap();
    assert_eq!(w.pending_samples(), 0);
    assert_eq!(p.read_telemetry(v, i64::MIN, i64::MAX).unwrap(), volts);
    assert_eq!(p.read_telemetry(i, i64::MIN, i64::MAX).unwrap(), amps);
    assert_eq!(p.read_telemetry(v, t0 + 10_000, t0 + 12_000).unwrap(), volts[10..=12].to_vec());

    // Out of order, and not-a-number, are refused with the point named.
    let e = w.append(&p, v, Sample { t_ms: t0, value: 3.3 }).unwrap_err();
    assert!(e.to_string().contains("pack-07/cell_v_max"), "{e}");
    assert!(w.append(&p, v, Sample { t_ms: t0 + 999_000, value: f64::INFINITY }).is_err());
    // A new writer (e.g. after reopening) knows where the series ended.
    let mut w2 = TelemetryWriter::new(WriterConfig::default());
    assert!(matches!(w2.append(&p, v, Sample { t_ms: t0, value: 3.3 }), Err(StoreError::TelemetryOutOfOrder { .. })));

    let mut csv = Vec::new();
    let rows = p.export_telemetry_csv(&mut csv, &[v, i], t0, t0 + 1_999).unwrap();
    assert_eq!(rows, 4);
    let text = String::from_utf8(csv).unwrap();
    let expected_amps_1 = amps[1].value.to_string();
    assert_eq!(
        text,
        format!(
            "time_utc,unix_ms,device,point,unit,value\n\
             2026-01-05T08:00:00.000Z,{t0},pack-07,cell_v_max,V,3.3\n\
             2026-01-05T08:00:00.500Z,{},pack-07,current,A,0\n\
             2026-01-05T08:00:01.000Z,{},pack-07,cell_v_max,V,3.301\n\
             2026-01-05T08:00:01.500Z,{},pack-07,current,A,{expected_amps_1}\n",
            t0 + 500,
            t0 + 1_000,
            t0 + 1_500
        )
    );
    let points = p.telemetry_points().unwrap();
    let vp = points.iter().find(|x| x.id == v).unwrap();
    assert_eq!((vp.samples, vp.span_ms), (250, Some((t0, t0 + 249_000))));
}

#[test]
fn catalog_and_sizing_records_keep_their_typed_bodies() {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Cabinet {
        energy_kwh: f64,
        modules: u32,
    }
    let dir = tempfile::tempdir().unwrap();
    let (_path, mut p) = new_project(dir.path(), "records.backstop");
    let cab = Cabinet { energy_kwh: 261.2, modules: 8 };
    p.edit("Use cabinet", |e| e.put_catalog_entry("cab-261", "cabinet", "Cabinet 261 kWh", &cab)).unwrap();
    assert_eq!(p.catalog_entry::<Cabinet>("cab-261").unwrap(), Some(cab));
    assert_eq!(p.catalog_entry::<Cabinet>("nope").unwrap(), None);
    p.edit("Case", |e| {
        e.put_sizing_case("peak", "peak-shaving", "Peak shaving", &serde_json::json!({"limit_kw": 900}))?;
        e.put_sizing_result("peak", "peak/1", "peak-shaving", "Result", &serde_json::json!({"cabinets": 6}))
    })
    .unwrap();
    let design = p.design().unwrap();
    assert!(design.catalog.contains(&Record {
        key: "cab-261".into(),
        kind: "cabinet".into(),
        name: "Cabinet 261 kWh".into(),
        body: r#"{"energy_kwh":261.2,"modules":8}"#.into()
    }));
    // A case with results cannot be removed on its own.
    assert!(matches!(p.edit("x", |e| e.delete_sizing_case("peak")), Err(StoreError::BrokenReference(_))));
}

#[test]
fn every_built_in_catalog_entry_is_copied_in_and_read_back_exactly() {
    use backstop_model::catalog::CatalogEntry;
    let dir = tempfile::tempdir().unwrap();
    let (path, mut p) = new_project(dir.path(), "catalog.backstop");
    let builtin = backstop_sizing::catalog::default_catalog();
    assert!(!builtin.is_empty());
    p.edit("Use the built-in catalog", |e| builtin.iter().try_for_each(|c| e.use_catalog_entry(c))).unwrap();
    drop(p);
    // Reopened, exported to JSON and imported into a new file: identical.
    let p = Project::open(&path, &OpenOptions::view()).unwrap();
    let copy = Project::import_design_json(&dir.path().join("copy.backstop"), &p.export_design_json().unwrap(), &CreateOptions::default())
        .unwrap();
    for entry in builtin {
        assert_eq!(p.catalog_entry::<CatalogEntry>(&entry.key).unwrap().as_ref(), Some(entry), "{}", entry.key);
        assert_eq!(copy.catalog_entry::<CatalogEntry>(&entry.key).unwrap().as_ref(), Some(entry), "{}", entry.key);
        let rec = p.design().unwrap().catalog.into_iter().find(|r| r.key == entry.key).unwrap();
        assert_eq!(rec.name, format!("{} {}", entry.manufacturer, entry.model));
    }
}

#[test]
fn texts_lists_and_tables_are_limited_on_every_edit_naming_the_field() {
    use backstop_store::limits::{KEY_CHARS, NAME_CHARS, TEXT_CHARS};
    let dir = tempfile::tempdir().unwrap();
    let (path, mut p) = new_project(dir.path(), "limits.backstop");
    let before = std::fs::read(&path).unwrap();
    let refused = |r: Result<(), StoreError>, field: &str| match r {
        Err(StoreError::Invalid(m)) => assert!(m.contains(field) && m.contains("a project keeps at most"), "{m}"),
        other => panic!("expected a refusal naming {field}, got {other:?}"),
    };
    let mut info = p.info().unwrap();
    info.name = "N".repeat(NAME_CHARS + 1);
    refused(p.set_project_info(&info), "the project name is 201 characters long");
    let mut info = p.info().unwrap();
    info.notes = "n".repeat(TEXT_CHARS + 1);
    refused(p.set_project_info(&info), "the project notes");
    let mut r = room("B1", 0);
    r.name = "R".repeat(NAME_CHARS + 1);
    refused(p.put_room(&r), "room B1: the name");
    let tag = "T".repeat(KEY_CHARS + 1);
    refused(p.put_equipment(&cabinet(&tag, "B1", 0)), "the equipment key");
    let mut r = room("B1", 0);
    r.doors = vec![r.doors[0].clone(); 1_001];
    refused(p.put_room(&r), "room B1: the list of doors has 1,001 items");
    let mut rec = support::fixtures::catalog_record();
    rec.body = serde_json::json!({"source": "s".repeat(TEXT_CHARS + 1)}).to_string();
    refused(p.put_catalog_record(&rec), "catalog entry \"cab-372\" (at .source): a text is 20,001 characters");
    refused(
        p.append_audit(&AuditEntry {
            id: 0,
            at_ms: 1,
            who: "W".repeat(NAME_CHARS + 1),
            device: "pack".into(),
            action: "write".into(),
            target: "t".into(),
            outcome: AuditOutcome::Done,
            details: serde_json::json!({}),
        })
        .map(drop),
        "who wrote to the pack",
    );
    // A table's row limit: an import of 1,001 rooms.
    let mut design = p.design().unwrap();
    design.layout.rooms = (0..1_001).map(|i| room(&format!("R{i:04}"), i * 20_000)).collect();
    design.layout.equipment.clear();
    design.layout.racks.clear();
    design.layout.power_units.clear();
    design.layout.egress_paths.clear();
    refused(p.replace_design(&design), "the project would hold 1,001 rooms");
    let e = Project::create_from_design(&dir.path().join("too many rooms.backstop"), &design, &CreateOptions::default()).unwrap_err();
    assert!(e.to_string().contains("1,001 rooms"), "{e}");
    assert!(!dir.path().join("too many rooms.backstop").exists(), "a refused import leaves no file");
    drop(p);
    assert_eq!(std::fs::read(&path).unwrap(), before, "refused edits changed nothing");
}
