//! `GET /api/v1/devices/{site}/{scan}/{idx}/history` on both backends: a
//! site's second scan in which a camera's firmware changed, read back as
//! that camera's history; what a caller may not see answers as what does
//! not exist.

mod common;

use camaudit_server::on_both_backends;

use common::{Fixture, batch_json};

on_both_backends!(
    a_firmware_change_between_two_scans_is_in_the_history,
    another_organisations_device_has_no_history_to_show,
);

/// The Hikvision DS-2CD2385G1-I of the council example.
const HIKVISION: usize = 2;

/// A second scan of site a1 (a day after the seeded one) in which the
/// Hikvision was upgraded; its scan id.
async fn upgraded_scan(f: &Fixture) -> i64 {
    let mut devices = f.devices.clone();
    devices[HIKVISION].firmware = Some("V5.7.3 build 230515".into());
    let batch = batch_json("upgrade:1:0", "civic-centre", "sensor-1/upgrade", &devices);
    let a = f.post_batch(&f.tokens.sensor_a1, &batch).await;
    assert_eq!(a.status, 201, "{}", a.text());
    a.json()["scan"].as_i64().unwrap()
}

fn history_path(site: impl std::fmt::Display, scan: impl std::fmt::Display, idx: usize) -> String {
    format!("/api/v1/devices/{site}/{scan}/{idx}/history")
}

async fn a_firmware_change_between_two_scans_is_in_the_history(f: Fixture) {
    let scan = upgraded_scan(&f).await;
    let path = history_path(f.site_a1, scan, HIKVISION);
    let a = f.get(&path, Some(&f.tokens.viewer_a)).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let h = a.json();
    assert_eq!(h["first_seen"]["scan"], f.scan_a1.0, "{h}");
    assert_eq!(h["first_seen"]["at"], "2026-11-30T09:00:00Z");
    assert_eq!(h["last_seen"]["scan"], scan);
    assert_eq!(h["last_seen"]["at"], "2026-12-01T10:00:00Z");
    assert_eq!(h["sightings"], 2);
    assert_eq!(h["current"]["idx"], HIKVISION);
    assert_eq!(h["current"]["firmware"], "V5.7.3 build 230515");
    let changes = h["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{h}");
    assert_eq!(changes[0]["field"], "firmware");
    assert_eq!(changes[0]["scan"], scan);
    assert_eq!(changes[0]["before"], "V5.6.2build 190701");
    assert_eq!(changes[0]["after"], "V5.7.3 build 230515");

    // An admin reads the same; a device that did not change has no change.
    let admin = f.get(&path, Some(&f.tokens.admin)).await;
    assert_eq!(admin.json(), h);
    let still = f
        .get(&history_path(f.site_a1, scan, 0), Some(&f.tokens.viewer_a))
        .await
        .json();
    assert_eq!(
        (
            still["sightings"].as_u64(),
            still["changes"].as_array().map(Vec::len)
        ),
        (Some(2), Some(0))
    );

    // Looking back at no earlier scan, the device is new in this one.
    let alone = f
        .get(&format!("{path}?lookback=0"), Some(&f.tokens.viewer_a))
        .await;
    assert_eq!(alone.status, 200, "{}", alone.text());
    assert_eq!(alone.json()["sightings"], 1);
    let too_far = f
        .get(&format!("{path}?lookback=501"), Some(&f.tokens.viewer_a))
        .await;
    assert_eq!(
        (too_far.status.as_u16(), too_far.code()),
        (400, "bad_lookback".to_owned())
    );

    // Past the end of the scan, or the scan under another site: no device.
    let past = history_path(f.site_a1, scan, f.devices.len());
    assert_eq!(f.get(&past, Some(&f.tokens.viewer_a)).await.status, 404);
    let elsewhere = history_path(f.site_a2, scan, HIKVISION);
    assert_eq!(
        f.get(&elsewhere, Some(&f.tokens.viewer_a)).await.status,
        404
    );
}

async fn another_organisations_device_has_no_history_to_show(f: Fixture) {
    let scan = upgraded_scan(&f).await;
    let path = history_path(f.site_a1, scan, HIKVISION);
    let theirs = f.get(&path, Some(&f.tokens.viewer_b)).await;
    let missing = f
        .get(
            &history_path(f.site_a1, 999_999, HIKVISION),
            Some(&f.tokens.viewer_b),
        )
        .await;
    assert_eq!(theirs.status, 404, "{}", theirs.text());
    assert_eq!(
        theirs.body, missing.body,
        "another organisation's device answers as a missing one"
    );
    // Their own device's history they do read.
    let own = history_path(f.site_b1, f.scan_b1, HIKVISION);
    assert_eq!(f.get(&own, Some(&f.tokens.viewer_b)).await.status, 200);
    let sensor = f.get(&path, Some(&f.tokens.sensor_a1)).await;
    assert_eq!(
        (sensor.status.as_u16(), sensor.code()),
        (403, "forbidden".to_owned())
    );
    assert_eq!(f.get(&path, None).await.status, 401);
}
