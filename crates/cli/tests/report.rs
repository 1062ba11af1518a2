//! `camaudit report` end to end: the JSON golden of the example council,
//! a store with several scans (the latest finished one, several named, the
//! previous one compared, a capture measuring calling home), the HTML
//! page's structure, and bad input. After an intended change of output,
//! rerun with `CAMAUDIT_GOLDEN_UPDATE=1` to rewrite the golden.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use camaudit_model::Device;
use camaudit_store::{NewScan, ScanKind, ScanStatus, SqliteStore, Store};
use time::macros::datetime;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn camaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("camaudit runs")
}

fn ok(args: &[&str]) -> String {
    let o = camaudit(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "camaudit {args:?}: {err}");
    String::from_utf8(o.stdout).expect("UTF-8")
}

fn refused(args: &[&str], says: &str) {
    let o = camaudit(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(says), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn council_devices() -> Vec<Device> {
    std::fs::read_to_string(root().join("examples/council-devices.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const COUNCIL: [&str; 8] = [
    "report",
    "--estate",
    "examples/estate.toml",
    "--devices",
    "examples/council-devices.jsonl",
    "--from",
    "2027-01-01",
    "--quiet",
];

/// The report without what other parts of camaudit decide: the devices
/// (the device schema has its own goldens) and the registry's version.
fn comparable(json: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let doc = v.as_object_mut().expect("an object");
    assert!(doc.remove("devices").is_some_and(|d| d.is_array()));
    doc.insert("registry".into(), serde_json::json!("(registry)"));
    v
}

#[test]
fn the_council_examples_json_matches_its_golden() {
    let args: Vec<&str> = COUNCIL
        .iter()
        .copied()
        .chain(["--format", "json"])
        .collect();
    let got = comparable(&ok(&args));
    let golden = root().join("crates/cli/tests/golden/report/council.json");
    if std::env::var_os("CAMAUDIT_GOLDEN_UPDATE").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&golden).expect("the golden")).unwrap();
    assert_eq!(
        got, want,
        "the report changed; if on purpose, rerun with CAMAUDIT_GOLDEN_UPDATE=1"
    );
    // And the figures a board reads first, by hand from the example.
    let o = &got["overview"];
    assert_eq!(o["sites"], 6);
    assert_eq!(o["sites_with_covered"], 5);
    assert_eq!(o["sensitive_sites_with_covered"], 2);
    assert_eq!(o["covered_devices"], 7);
    assert_eq!(o["covered_on_core"], 1);
}

#[test]
fn table_and_csv_carry_the_same_figures() {
    let table = ok(&COUNCIL);
    assert!(table.contains("sites with covered equipment"), "{table}");
    assert!(table.contains("5 of 6 (83%)"), "{table}");
    let csv_args: Vec<&str> = COUNCIL.iter().copied().chain(["--format", "csv"]).collect();
    let csv = ok(&csv_args);
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("site,name,"));
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("(estate),Harbridge Borough Council,,14,7,1,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 2 + 6);
}

fn scan(store: &mut SqliteStore, kind: ScanKind, devices: &[Device], done: bool) -> i64 {
    let id = store
        .create_scan(&NewScan {
            kind,
            started_at: datetime!(2026-11-02 09:00 UTC),
            targets: vec!["10.10.0.0/16".into()],
            exclude: Vec::new(),
            params: serde_json::json!({}),
            total_addresses: 65536,
            chunk_size: 256,
            chunks_total: 256,
        })
        .unwrap();
    store.set_devices(id, devices).unwrap();
    let status = if done {
        ScanStatus::Complete
    } else {
        ScanStatus::Interrupted
    };
    store
        .set_status(id, status, datetime!(2026-11-02 10:00 UTC))
        .unwrap();
    id.0
}

fn json_of(db: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "report",
        "--estate",
        "examples/estate.toml",
        "--db",
        db.to_str().unwrap(),
        "--from",
        "2027-01-01",
        "--format",
        "json",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&args)).unwrap()
}

#[test]
fn a_store_gives_its_latest_finished_scan_compared_with_the_one_before() {
    let dir = temp("store");
    let db = dir.join("estate.db");
    let all = council_devices();
    let mut store = SqliteStore::open(&db).unwrap();
    let first = scan(&mut store, ScanKind::Scan, &all[..10], true);
    let second = scan(&mut store, ScanKind::Scan, &all, true);
    // An interrupted scan seeing one device: not the default.
    scan(&mut store, ScanKind::Scan, &all[..1], false);
    drop(store);

    let v = json_of(&db, &[]);
    assert_eq!(v["overview"]["devices"], 14);
    assert!(
        v["sources"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("scan {second} of ")),
        "{}",
        v["sources"]
    );
    let changes = &v["changes"];
    assert_eq!(changes["compared"], "yes", "{changes}");
    assert!(
        changes["against"]
            .as_str()
            .unwrap()
            .starts_with(&format!("scan {first} "))
    );
    assert_eq!(changes["new"], 4, "{changes}");
    assert_eq!(changes["gone"], 0, "{changes}");
    // No capture in the store, but a device's own evidence shows the host
    // it looked up (the example's EZVIZ camera).
    assert_eq!(v["call_home"]["measured"], "yes");
    assert!(
        v["call_home"]["from"]
            .as_str()
            .unwrap()
            .contains("evidence")
    );

    // Named scans: the first alone has 10 devices and nothing before it.
    let v = json_of(&db, &["--scan", &first.to_string()]);
    assert_eq!(v["overview"]["devices"], 10);
    assert_eq!(v["changes"]["compared"], "no");
    // Both: one device each, the newest sighting kept.
    let v = json_of(
        &db,
        &["--scan", &first.to_string(), "--scan", &second.to_string()],
    );
    assert_eq!(v["overview"]["devices"], 14);

    // The report as the next one's --previous: nothing changed.
    let previous = dir.join("previous.json");
    std::fs::write(
        &previous,
        serde_json::to_string(&json_of(&db, &[])).unwrap(),
    )
    .unwrap();
    let v = json_of(&db, &["--previous", previous.to_str().unwrap()]);
    assert_eq!(v["changes"]["compared"], "yes");
    assert_eq!(v["changes"]["new"], 0);
    assert_eq!(v["changes"]["gone"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_capture_in_the_store_measures_calling_home() {
    let dir = temp("capture");
    let db = dir.join("estate.db");
    let mut devices = council_devices();
    let mut store = SqliteStore::open(&db).unwrap();
    // The capture saw the town hall's covered camera call a maker's cloud.
    let covered = devices
        .iter()
        .position(|d| d.covered && d.addr.is_some_and(|a| a.to_string().starts_with("10.10.")))
        .expect("a covered device at the town hall");
    let mut seen = devices[covered].clone();
    seen.endpoints = vec![
        serde_json::from_value(serde_json::json!({
            "addr": "198.51.100.20", "port": 443, "protocol": "tcp", "direction": "outbound",
            "scope": "external", "name": "dev.hik-connect.com", "bytes_out": 900, "bytes_in": 400,
            "packets": 12, "first_seen": "2026-11-01T10:00:00Z", "last_seen": "2026-11-01T10:05:00Z"
        }))
        .unwrap(),
    ];
    scan(&mut store, ScanKind::Pcap, &[seen], true);
    for d in &mut devices {
        d.endpoints.clear();
    }
    scan(&mut store, ScanKind::Scan, &devices, true);
    drop(store);
    let v = json_of(&db, &[]);
    assert_eq!(v["call_home"]["measured"], "yes", "{}", v["call_home"]);
    assert!(v["overview"]["covered_calling_home"].as_u64().unwrap() >= 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_html_page_loads_nothing_and_prints_in_sections() {
    let dir = temp("html");
    let page = dir.join("report.html");
    let args: Vec<&str> = COUNCIL
        .iter()
        .copied()
        .chain(["--html", page.to_str().unwrap()])
        .collect();
    let stdout = ok(&args);
    assert!(stdout.is_empty(), "--html alone prints nothing: {stdout}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"));
    assert!(!html.contains("<link"));
    assert!(!html.contains("src="), "no image or frame is loaded");
    for (i, _) in html.match_indices("href=") {
        assert!(html[i..].starts_with("href=\"#"), "{}", &html[i..i + 60]);
    }
    assert!(html.contains("Harbridge Borough Council"));
    assert!(html.contains("<svg"));
    assert!(html.contains("@page{size:A4"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_gets_one_line_naming_what_and_where() {
    refused(
        &[
            "report",
            "--estate",
            "examples/estate.toml",
            "--db",
            "/nonexistent/x.db",
        ],
        "no scan store at /nonexistent/x.db",
    );
    refused(
        &["report", "--estate", "examples/estate.toml"],
        "no devices: give --db",
    );
    let dir = temp("bad");
    let not_report = dir.join("previous.json");
    std::fs::write(&not_report, "{\"overview\": {}}").unwrap();
    let args: Vec<&str> = COUNCIL
        .iter()
        .copied()
        .chain(["--previous", not_report.to_str().unwrap()])
        .collect();
    refused(&args, "no devices in it");
    std::fs::write(&not_report, "not json").unwrap();
    refused(&args, "not a report in JSON");
    let db = dir.join("empty.db");
    drop(SqliteStore::open(&db).unwrap());
    refused(
        &[
            "report",
            "--estate",
            "examples/estate.toml",
            "--db",
            db.to_str().unwrap(),
        ],
        "holds no scans yet",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
