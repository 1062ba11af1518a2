//! `diff_scans` and `history` over a real SQLite store: scans recorded as
//! the pipeline records them, devices from the council example.

use std::net::IpAddr;

use camaudit_history::{
    ChangedField, DiffOptions, HistoryError, diff_scans, diff_scans_with, history,
};
use camaudit_model::Device;
use camaudit_store::{NewScan, ScanId, ScanKind, SqliteStore, Store};
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

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

fn record(
    store: &mut SqliteStore,
    targets: &str,
    at: OffsetDateTime,
    params: serde_json::Value,
    devices: &[Device],
) -> ScanId {
    let id = store
        .create_scan(&NewScan {
            kind: ScanKind::Scan,
            started_at: at,
            targets: vec![targets.to_owned()],
            exclude: Vec::new(),
            params,
            total_addresses: 256,
            chunk_size: 256,
            chunks_total: 1,
        })
        .unwrap();
    store.set_devices(id, devices).unwrap();
    id
}

fn no_params() -> serde_json::Value {
    serde_json::json!({})
}

#[test]
fn a_covered_device_gone_in_one_scan_and_back_in_the_next_came_back() {
    let mut store = SqliteStore::in_memory().unwrap();
    let mut without = council();
    without.retain(|d| d.addr != ip("10.10.8.21"));
    let s1 = record(
        &mut store,
        "10.0.0.0/8",
        datetime!(2026-10-01 9:00 UTC),
        no_params(),
        &council(),
    );
    // Another place's scan in between is not looked at.
    record(
        &mut store,
        "192.168.0.0/16",
        datetime!(2026-10-15 9:00 UTC),
        no_params(),
        &[],
    );
    let s2 = record(
        &mut store,
        "10.0.0.0/8",
        datetime!(2026-11-01 9:00 UTC),
        no_params(),
        &without,
    );
    let s3 = record(
        &mut store,
        "10.0.0.0/8",
        datetime!(2026-12-01 9:00 UTC),
        no_params(),
        &council(),
    );
    let d = diff_scans(&store, s2, s3).unwrap();
    assert_eq!(d.from.as_ref().map(|s| s.id), Some(s2));
    assert_eq!(d.to.as_ref().map(|s| s.id), Some(s3));
    assert_eq!(d.new.len(), 1);
    assert_eq!(d.came_back.len(), 1, "{d:#?}");
    assert_eq!(d.came_back[0].last_seen_in, s1);
    assert_eq!(d.came_back[0].device.addr, ip("10.10.8.21"));
    // From the first scan to the third nothing is new.
    let d = diff_scans(&store, s1, s3).unwrap();
    assert!(d.is_empty() && d.came_back.is_empty(), "{d:#?}");
    // Not looking back, nothing can have come back.
    let options = DiffOptions {
        lookback: 0,
        ..DiffOptions::default()
    };
    let d = diff_scans_with(&store, None, s2, s3, &options).unwrap();
    assert_eq!((d.new.len(), d.came_back.len()), (1, 0));
}

#[test]
fn scans_of_different_places_are_refused_unless_asked() {
    let mut store = SqliteStore::in_memory().unwrap();
    let a = record(
        &mut store,
        "10.10.0.0/16",
        datetime!(2026-11-01 9:00 UTC),
        no_params(),
        &council(),
    );
    let b = record(
        &mut store,
        "10.20.0.0/16",
        datetime!(2026-12-01 9:00 UTC),
        no_params(),
        &council(),
    );
    let err = diff_scans(&store, a, b).unwrap_err();
    assert!(
        matches!(err, HistoryError::DifferentPlaces { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "scan 1 (targets 10.10.0.0/16) and scan 2 (targets 10.20.0.0/16) are not of the same place: compare two scans of one site, or compare them anyway (--any-site)"
    );
    let options = DiffOptions {
        any_site: true,
        ..DiffOptions::default()
    };
    let d = diff_scans_with(&store, None, a, b, &options).unwrap();
    assert!(d.is_empty());
}

#[test]
fn scans_from_the_same_vantage_site_are_one_place_whatever_their_targets() {
    let mut store = SqliteStore::in_memory().unwrap();
    let vantage = serde_json::json!({"vantage": {"zone": "core", "site": "town-hall"}});
    let a = record(
        &mut store,
        "10.10.0.0/16",
        datetime!(2026-11-01 9:00 UTC),
        vantage.clone(),
        &council(),
    );
    let b = record(
        &mut store,
        "10.10.8.0/24",
        datetime!(2026-12-01 9:00 UTC),
        vantage,
        &council(),
    );
    assert!(diff_scans(&store, a, b).unwrap().is_empty());
    let elsewhere = serde_json::json!({"vantage": {"zone": "core", "site": "depot"}});
    let c = record(
        &mut store,
        "10.10.8.0/24",
        datetime!(2026-12-02 9:00 UTC),
        elsewhere,
        &council(),
    );
    let err = diff_scans(&store, b, c).unwrap_err().to_string();
    assert!(
        err.contains("run from site town-hall") && err.contains("run from site depot"),
        "{err}"
    );
}

#[test]
fn a_missing_scan_is_named_with_the_scans_there_are() {
    let mut store = SqliteStore::in_memory().unwrap();
    let a = record(
        &mut store,
        "10.0.0.0/8",
        datetime!(2026-11-01 9:00 UTC),
        no_params(),
        &council(),
    );
    let err = diff_scans(&store, a, ScanId(7)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no scan 7 in this store; it holds scan 1 only (check --db)"
    );
}

#[test]
fn a_timeline_follows_a_device_through_moves_absences_and_upgrades() {
    let first = council();
    let mut second = council();
    second[2].addr = ip("10.10.8.99"); // the Hikvision moves (DHCP)
    second.retain(|d| d.addr != ip("10.60.8.12")); // the Bosch is not seen
    let mut third = second.clone();
    third[2].firmware = Some("V5.7.3 build 230515".into());
    third.push(council()[10].clone()); // the Bosch is back
    let t = |d| OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).unwrap();
    let scans = vec![
        // Given out of order: history sorts by time.
        (ScanId(3), t("2026-12-01T09:00:00Z"), third),
        (ScanId(1), t("2026-10-01T09:00:00Z"), first),
        (ScanId(2), t("2026-11-01T09:00:00Z"), second),
    ];
    let h = history(&scans);
    assert_eq!(h.len(), 14, "no device was split in two: {h:#?}");
    let hik = h
        .iter()
        .find(|d| d.current.serial.as_deref() == Some("DS-2CD2385G1-I20200414AAWRE33842150"))
        .expect("the Hikvision's history");
    assert_eq!(hik.first_seen.scan, ScanId(1));
    assert_eq!(hik.last_seen.scan, ScanId(3));
    assert_eq!(hik.sightings, 3);
    let changes: Vec<(ScanId, ChangedField, Option<&str>)> = hik
        .changes
        .iter()
        .map(|c| (c.scan, c.field, c.after.as_deref()))
        .collect();
    assert_eq!(
        changes,
        [
            (ScanId(2), ChangedField::Address, Some("10.10.8.99")),
            (
                ScanId(3),
                ChangedField::Firmware,
                Some("V5.7.3 build 230515")
            ),
        ]
    );
    let bosch = h
        .iter()
        .find(|d| d.current.addr == ip("10.60.8.12"))
        .expect("the Bosch's history");
    assert_eq!(
        (bosch.first_seen.scan, bosch.last_seen.scan, bosch.sightings),
        (ScanId(1), ScanId(3), 2)
    );
    assert!(bosch.changes.is_empty());
}
