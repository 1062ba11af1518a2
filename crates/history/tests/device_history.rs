//! `device_history` over an estate store on both backends: a site's scans
//! pushed as a sensor's batches, one device followed by its position in a
//! scan.

use camaudit_history::{ChangedField, HistoryError, device_history};
use camaudit_model::Device;
use camaudit_store::{
    BatchOutcome, EstateStore, NewOrganisation, NewSite, ScanId, ScanKind, Sector, SensorBatch,
    SiteId, SqliteStore,
};
use time::OffsetDateTime;
use time::macros::datetime;

fn council() -> Vec<Device> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/council-devices.jsonl"
    );
    std::fs::read_to_string(path)
        .expect("the example devices")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a device"))
        .collect()
}

/// The Hikvision DS-2CD2385G1-I of the council example.
const HIKVISION: usize = 2;

fn site(store: &mut dyn EstateStore, org_slug: &str, slug: &str) -> SiteId {
    let at = datetime!(2026-10-01 0:00 UTC);
    let org = store
        .create_organisation(&NewOrganisation {
            slug: org_slug.parse().unwrap(),
            name: org_slug.into(),
            sector: Sector::Council,
            created_at: at,
        })
        .unwrap();
    store
        .create_site(&NewSite {
            org,
            slug: slug.parse().unwrap(),
            name: slug.into(),
            created_at: at,
        })
        .unwrap()
}

fn push(
    store: &mut dyn EstateStore,
    site: SiteId,
    n: u32,
    at: OffsetDateTime,
    devices: Vec<Device>,
) -> ScanId {
    let outcome = store
        .ingest_batch(
            &SensorBatch {
                id: format!("batch-{n}").parse().unwrap(),
                site,
                scan_ref: format!("sensor/{n}"),
                kind: ScanKind::Scan,
                started_at: at,
                finished_at: Some(at + time::Duration::minutes(5)),
                params: serde_json::json!({}),
                observations: Vec::new(),
                devices,
            },
            at,
        )
        .unwrap();
    match outcome {
        BatchOutcome::Stored { scan } => scan,
        BatchOutcome::Duplicate { .. } => panic!("a new batch"),
    }
}

/// Three scans of the town hall (the Hikvision's firmware upgraded in the
/// third, and its position in the list changed) and one of the depot in
/// between, which is another place.
fn firmware_upgrade_on(store: &mut dyn EstateStore) {
    let hall = site(store, "leeds", "town-hall");
    let depot = site(store, "york", "depot");
    let s1 = push(store, hall, 1, datetime!(2026-10-01 9:00 UTC), council());
    let s2 = push(store, hall, 2, datetime!(2026-11-01 9:00 UTC), council());
    push(store, depot, 3, datetime!(2026-11-15 9:00 UTC), council());
    let mut third = council();
    third[HIKVISION].firmware = Some("V5.7.3 build 230515".into());
    let hik = third.remove(HIKVISION);
    third.push(hik);
    let last_idx = third.len() - 1;
    let s3 = push(store, hall, 4, datetime!(2026-12-01 9:00 UTC), third);

    let h = device_history(&*store, s3, last_idx, 50)
        .unwrap()
        .expect("the Hikvision is in the third scan");
    assert_eq!(
        h.current.serial.as_deref(),
        Some("DS-2CD2385G1-I20200414AAWRE33842150")
    );
    assert_eq!(h.current.idx, last_idx);
    assert_eq!((h.first_seen.scan, h.last_seen.scan), (s1, s3));
    assert_eq!(h.first_seen.at, datetime!(2026-10-01 9:00 UTC));
    assert_eq!(h.last_seen.at, datetime!(2026-12-01 9:00 UTC));
    assert_eq!(h.sightings, 3, "the depot's scan is not the town hall's");
    let changes: Vec<_> = h
        .changes
        .iter()
        .map(|c| (c.scan, c.field, c.before.as_deref(), c.after.as_deref()))
        .collect();
    assert_eq!(
        changes,
        [(
            s3,
            ChangedField::Firmware,
            Some("V5.6.2build 190701"),
            Some("V5.7.3 build 230515")
        )]
    );

    // The API's answer reads back as the same history.
    let json = serde_json::to_value(&h).unwrap();
    assert_eq!(json["changes"][0]["field"], "firmware");
    assert_eq!(
        serde_json::from_value::<camaudit_history::DeviceHistory>(json).unwrap(),
        h
    );

    // Seen from the second scan, the history stops there: no change yet.
    let before = device_history(&*store, s2, HIKVISION, 50).unwrap().unwrap();
    assert_eq!((before.first_seen.scan, before.last_seen.scan), (s1, s2));
    assert!(before.changes.is_empty(), "{before:#?}");

    // Looking back no further than the scan itself: one sighting.
    let alone = device_history(&*store, s3, last_idx, 0).unwrap().unwrap();
    assert_eq!((alone.first_seen.scan, alone.sightings), (s3, 1));

    // Another device of the same scan has its own history.
    let first = device_history(&*store, s3, 0, 50).unwrap().unwrap();
    assert_ne!(first.current.serial, h.current.serial);
    assert_eq!(first.current.idx, 0);

    let past_the_end = council().len();
    assert_eq!(device_history(&*store, s3, past_the_end, 50).unwrap(), None);
    let err = device_history(&*store, ScanId(99), 0, 50).unwrap_err();
    assert!(matches!(err, HistoryError::NoScan { .. }), "{err:?}");
}

#[test]
fn a_device_history_shows_first_and_last_seen_and_a_firmware_change() {
    let mut store = SqliteStore::in_memory().unwrap();
    firmware_upgrade_on(&mut store);
}

#[test]
fn a_device_history_on_postgresql_too() {
    let Some(cluster) = camaudit_testkit::postgres::cluster() else {
        return;
    };
    let url = cluster.create_database("device_history");
    let mut store = camaudit_store::open_estate(&camaudit_store::Location::Postgres(url)).unwrap();
    firmware_upgrade_on(&mut *store);
}
