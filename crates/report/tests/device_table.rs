//! The device table says when a covered verdict rests on a label only:
//! `platform_confirmed: false` marks the COVERED cell, and CSV carries the
//! flag as its own column.

use camaudit_model::Device;
use camaudit_report::{Format, write_devices};

fn device(platform_confirmed: Option<bool>) -> Device {
    let mut json = serde_json::json!({
        "addr": "127.0.0.5",
        "mac": null,
        "open_ports": [80],
        "label_vendor": "hikvision",
        "manufacturer": "hikvision",
        "owner": "cetc",
        "model": "DS-2CD2385G1-I",
        "firmware": null,
        "serial": null,
        "device_type": "camera",
        "covered": true,
        "covered_by": ["ndaa-889", "uk-2022-directive"],
        "confidence": 0.124,
        "evidence": []
    });
    if let Some(b) = platform_confirmed {
        json["platform_confirmed"] = serde_json::Value::Bool(b);
    }
    serde_json::from_value(json).expect("a device")
}

fn render(d: Device, format: Format) -> String {
    let mut out = Vec::new();
    write_devices(&mut out, &[d], format).expect("renders");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn a_covered_label_without_platform_evidence_says_label_only() {
    let table = render(device(Some(false)), Format::Table);
    assert!(
        table.contains("YES (label only) ndaa-889,uk-2022-directive"),
        "{table}"
    );
    let confirmed = render(device(Some(true)), Format::Table);
    assert!(
        confirmed.contains("YES ndaa-889,uk-2022-directive") && !confirmed.contains("label only"),
        "{confirmed}"
    );
}

#[test]
fn csv_carries_platform_confirmed() {
    let csv = render(device(Some(false)), Format::Csv);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "platform_confirmed")
        .expect("a platform_confirmed column");
    let row: Vec<&str> = lines.next().expect("a row").split(',').collect();
    assert_eq!(row.len(), header.len(), "{csv}");
    assert_eq!(row[col], "false");
    let unknown = render(device(None), Format::Csv);
    assert!(
        unknown.lines().nth(1).expect("a row").ends_with(','),
        "{unknown}"
    );
}
