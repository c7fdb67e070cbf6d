//! Telemetry series created in bulk keep their ids and order.

use backstop_model::project::ProjectInfo;
use backstop_store::{CreateOptions, Project};

#[test]
fn ensure_creates_missing_points_and_keeps_existing_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = Project::create(&dir.path().join("p.backstop"), &ProjectInfo { name: "points".into(), ..Default::default() }, &CreateOptions::default()).unwrap();
    let first = p.telemetry_point("unit 1", "802.1.V", "V").unwrap();
    let ids = p
        .telemetry_points_ensure(&[("unit 1", "802.1.A", "A"), ("unit 1", "802.1.V", "V"), ("unit 2", "802.1.V", "V")])
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[1], first, "an existing series keeps its id");
    assert_ne!(ids[0], ids[2]);
    assert_eq!(p.find_telemetry_point("unit 2", "802.1.V").unwrap(), Some(ids[2]));
    assert_eq!(p.telemetry_points_ensure(&[("unit 1", "802.1.A", "A")]).unwrap(), vec![ids[0]]);
    assert!(p.telemetry_points_ensure(&[("", "x", "")]).is_err());
    assert_eq!(p.telemetry_points().unwrap().len(), 3);
}
