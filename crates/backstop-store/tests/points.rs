//! Telemetry series created in bulk keep their ids and order.

use backstop_model::project::ProjectInfo;
use backstop_store::{CreateOptions, Project};

#[test]
fn ensure_creates_missing_points_and_keeps_existing_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = Project::create(
        &dir.path().join("p.backstop"),
        &ProjectInfo { name: "points".into(), ..Default::default() },
        &CreateOptions::default(),
    )
    .unwrap();
    let first = p.telemetry_point("unit 1", "802.1.V", "V").unwrap();
    let ids = p.telemetry_points_ensure(&[("unit 1", "802.1.A", "A"), ("unit 1", "802.1.V", "V"), ("unit 2", "802.1.V", "V")]).unwrap();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[1], first, "an existing series keeps its id");
    assert_ne!(ids[0], ids[2]);
    assert_eq!(p.find_telemetry_point("unit 2", "802.1.V").unwrap(), Some(ids[2]));
    assert_eq!(p.telemetry_points_ensure(&[("unit 1", "802.1.A", "A")]).unwrap(), vec![ids[0]]);
    assert!(p.telemetry_points_ensure(&[("", "x", "")]).is_err());
    assert_eq!(p.telemetry_points().unwrap().len(), 3);
}

mod logger {
    use backstop_model::link::{DecodedGroup, DecodedModel, DeviceHealth, PointReading, PointValue, TelemetrySample};
    use backstop_model::project::ProjectInfo;
    use backstop_store::telemetry_log::TelemetryLogger;
    use backstop_store::{CreateOptions, Project};

    fn point(path: &str, value: PointValue, unit: &str) -> PointReading {
        PointReading {
            path: path.to_string().into(),
            name: path.rsplit('.').next().unwrap_or(path).to_string().into(),
            label: path.to_string().into(),
            value,
            unit: (!unit.is_empty()).then(|| unit.to_string().into()),
            address: 40_000,
            raw: [0u16][..].into(),
            writable: None,
        }
    }

    fn model(id: u16, points: Vec<PointReading>, groups: Vec<DecodedGroup>) -> DecodedModel {
        DecodedModel {
            id,
            name: format!("m{id}").into(),
            label: Default::default(),
            address: 40_002,
            length: 10,
            points,
            groups,
            notes: vec![],
        }
    }

    fn sample(unit: u8, t: u64, soc: f64, stale: bool) -> TelemetrySample {
        let string = model(
            803,
            vec![point("NStr", PointValue::Number { value: 1.0 }, "")],
            vec![DecodedGroup {
                name: "lithium_ion_bank_string".into(),
                index: 1,
                points: vec![point("lithium_ion_bank_string[1].StrSoC", PointValue::Number { value: soc - 1.0 }, "%")],
                groups: vec![],
            }],
        );
        let pack = model(
            802,
            vec![
                point("SoC", PointValue::Number { value: soc }, "%"),
                point("State", PointValue::Enum { raw: 3, name: Some("CONNECTED".into()) }, ""),
                point("WMax", PointValue::NotImplemented, "W"),
            ],
            vec![],
        );
        // A second instance of 803 must get a series of its own.
        let string2 = model(803, vec![point("NStr", PointValue::Number { value: 2.0 }, "")], vec![]);
        TelemetrySample {
            link: "pty".into(),
            unit,
            time_ms: t,
            stale,
            health: DeviceHealth::Online,
            models: vec![pack, string, string2],
            undecoded: vec![],
        }
    }

    #[test]
    fn numbers_of_fresh_samples_are_logged_per_series_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site log.backstop");
        let info = ProjectInfo { name: "log".into(), ..Default::default() };
        let mut p = Project::create(&path, &info, &CreateOptions::default()).unwrap();
        let mut logger = TelemetryLogger::new();
        let t0 = 1_790_000_000_000u64;
        let batch = vec![sample(1, t0, 80.0, false), sample(2, t0, 70.0, false), sample(1, t0 + 1000, 79.5, false)];
        // Per fresh sample: SoC, NStr (803 #1), StrSoC, NStr (803 #2); enums and
        // "not implemented" are not numbers and are not logged.
        assert_eq!(logger.log(&mut p, &batch).unwrap(), 12);
        // A stale repeat is not a reading.
        assert_eq!(logger.log(&mut p, &[sample(1, t0 + 2000, 79.5, true)]).unwrap(), 0);
        assert_eq!(logger.log(&mut p, &[sample(1, t0 + 3000, 79.0, false)]).unwrap(), 4);
        drop(p);

        let p = Project::open(&path, &backstop_store::OpenOptions::view()).unwrap();
        let soc = p.find_telemetry_point("unit 1", "802.1.SoC").unwrap().expect("series 802.1.SoC of unit 1");
        let values: Vec<(i64, f64)> = p.read_telemetry(soc, 0, i64::MAX).unwrap().iter().map(|s| (s.t_ms - t0 as i64, s.value)).collect();
        assert_eq!(values, vec![(0, 80.0), (1000, 79.5), (3000, 79.0)]);
        let second = p.find_telemetry_point("unit 1", "803.2.NStr").unwrap().expect("second 803 instance");
        assert_eq!(p.read_telemetry(second, 0, i64::MAX).unwrap().len(), 3);
        let grouped = p.find_telemetry_point("unit 2", "803.1.lithium_ion_bank_string[1].StrSoC").unwrap().expect("group point");
        assert_eq!(p.read_telemetry(grouped, 0, i64::MAX).unwrap()[0].value, 69.0);
        assert_eq!(p.find_telemetry_point("unit 1", "802.1.State").unwrap(), None);
        assert_eq!(p.find_telemetry_point("unit 1", "802.1.WMax").unwrap(), None);
    }

    /// Two project files in `dir`; b's first series id differs from a's, so
    /// a remembered id of a would be wrong in b.
    fn two_projects(dir: &std::path::Path) -> (Project, Project) {
        let info = ProjectInfo { name: "log".into(), ..Default::default() };
        let a = Project::create(&dir.join("a.backstop"), &info, &CreateOptions::default()).unwrap();
        let mut b = Project::create(&dir.join("b.backstop"), &info, &CreateOptions::default()).unwrap();
        b.telemetry_point("unit 9", "x", "").unwrap();
        (a, b)
    }

    #[test]
    fn a_logger_moves_on_to_another_project() {
        let dir = tempfile::tempdir().unwrap();
        let (mut a, mut b) = two_projects(dir.path());
        let mut logger = TelemetryLogger::new();
        logger.log(&mut a, &[sample(1, 1_000, 50.0, false)]).unwrap();
        logger.log(&mut b, &[sample(1, 2_000, 60.0, false)]).unwrap();
        let id = b.find_telemetry_point("unit 1", "802.1.SoC").unwrap().unwrap();
        assert_eq!(b.read_telemetry(id, 0, i64::MAX).unwrap()[0].value, 60.0);
        let x = b.find_telemetry_point("unit 9", "x").unwrap().unwrap();
        assert!(b.read_telemetry(x, 0, i64::MAX).unwrap().is_empty());
    }

    #[test]
    fn a_point_that_starts_reporting_numbers_gets_its_series() {
        let dir = tempfile::tempdir().unwrap();
        let info = ProjectInfo { name: "log".into(), ..Default::default() };
        let mut p = Project::create(&dir.path().join("late.backstop"), &info, &CreateOptions::default()).unwrap();
        let mut logger = TelemetryLogger::new();
        let mut first = sample(1, 1_000, 50.0, false);
        logger.log(&mut p, std::slice::from_ref(&first)).unwrap();
        assert_eq!(p.find_telemetry_point("unit 1", "802.1.WMax").unwrap(), None);
        // The same device now reports WMax (it was "not implemented").
        first.time_ms = 2_000;
        first.models[0].points[2].value = PointValue::Number { value: 250_000.0 };
        assert_eq!(logger.log(&mut p, &[first]).unwrap(), 5);
        let id = p.find_telemetry_point("unit 1", "802.1.WMax").unwrap().expect("WMax series");
        assert_eq!(p.read_telemetry(id, 0, i64::MAX).unwrap()[0].value, 250_000.0);
        let soc = p.find_telemetry_point("unit 1", "802.1.SoC").unwrap().unwrap();
        assert_eq!(p.read_telemetry(soc, 0, i64::MAX).unwrap().len(), 2, "existing series kept their ids");
    }

    #[test]
    fn staged_values_are_written_at_the_flush_in_time_order_even_across_a_file_switch() {
        let dir = tempfile::tempdir().unwrap();
        let (mut a, mut b) = two_projects(dir.path());
        let mut logger = TelemetryLogger::new();
        // First sight: the models wait whole, and so does the next sample of them.
        logger.stage(&sample(1, 1_000, 50.0, false));
        logger.stage(&sample(1, 2_000, 51.0, false));
        logger.stage(&sample(1, 2_500, 99.0, true));
        assert_eq!(logger.staged_values(), 2 * 6);
        assert_eq!(logger.flush(&mut a).unwrap(), 8);
        assert_eq!(logger.staged_values(), 0);
        assert_eq!(logger.flush(&mut a).unwrap(), 0, "nothing staged, nothing written");
        // Known now: staged as values only.
        logger.stage(&sample(1, 3_000, 52.0, false));
        assert_eq!(logger.staged_values(), 4);
        // The user opened b before the next flush: the values go to b, under
        // b's ids for the same series.
        assert_eq!(logger.flush(&mut b).unwrap(), 4);
        let soc_b = b.find_telemetry_point("unit 1", "802.1.SoC").unwrap().expect("series created in b");
        assert_eq!(
            b.read_telemetry(soc_b, 0, i64::MAX).unwrap().iter().map(|s| (s.t_ms, s.value)).collect::<Vec<_>>(),
            vec![(3_000, 52.0)]
        );
        let x = b.find_telemetry_point("unit 9", "x").unwrap().unwrap();
        assert!(b.read_telemetry(x, 0, i64::MAX).unwrap().is_empty());
        let soc_a = a.find_telemetry_point("unit 1", "802.1.SoC").unwrap().unwrap();
        assert_eq!(
            a.read_telemetry(soc_a, 0, i64::MAX).unwrap().iter().map(|s| (s.t_ms, s.value)).collect::<Vec<_>>(),
            vec![(1_000, 50.0), (2_000, 51.0)]
        );
        // A device whose points change waits whole again, after its values
        // staged under the old list.
        logger.stage(&sample(1, 4_000, 53.0, false));
        let mut changed = sample(1, 5_000, 54.0, false);
        changed.models[0].points[2].value = PointValue::Number { value: 1.0 };
        logger.stage(&changed);
        logger.stage(&sample(1, 6_000, 55.0, false));
        assert_eq!(logger.flush(&mut b).unwrap(), 4 + 5 + 4);
        let soc: Vec<f64> = b.read_telemetry(soc_b, 0, i64::MAX).unwrap().iter().map(|s| s.value).collect();
        assert_eq!(soc, vec![52.0, 53.0, 54.0, 55.0]);
    }

    #[test]
    fn a_failed_flush_reports_drops_its_batch_and_the_logger_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let info = ProjectInfo { name: "log".into(), ..Default::default() };
        let path = dir.path().join("ro.backstop");
        Project::create(&path, &info, &CreateOptions::default()).unwrap();
        let mut view = Project::open(&path, &backstop_store::OpenOptions::view()).unwrap();
        let mut logger = TelemetryLogger::new();
        logger.stage(&sample(1, 1_000, 50.0, false));
        assert!(logger.flush(&mut view).is_err(), "a file opened for viewing takes no telemetry");
        assert_eq!(logger.staged_values(), 0);
        drop(view);
        let mut p = Project::open(&path, &backstop_store::OpenOptions::default()).unwrap();
        assert_eq!(logger.log(&mut p, &[sample(1, 2_000, 60.0, false)]).unwrap(), 4);
    }
}
