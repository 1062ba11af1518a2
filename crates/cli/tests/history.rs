//! `camaudit history` through the binary: an estate site's scans pushed as
//! a sensor's batches (a camera upgraded in the second, an old capture
//! pushed last), and a local scan store; each device's first and last seen
//! and its changes in every format, one device picked by MAC, serial or an
//! address it had, and refusals that say what to do.

use std::path::{Path, PathBuf};
use std::process::Command;

use camaudit_model::Device;
use camaudit_store::{
    BatchOutcome, Estate, NewOrganisation, NewScan, NewSite, ScanKind, Sector, SensorBatch,
    SqliteStore, Store,
};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

/// The Hikvision DS-2CD2385G1-I of the council example (MAC 58:50:ed:1f:e3:85).
const HIKVISION: usize = 2;
const UPGRADE: &str = "V5.7.3 build 230515";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-history-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn council() -> Vec<Device> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/council-devices.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

fn camaudit(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let r = camaudit(dir, args);
    assert_eq!(r.code, Some(0), "camaudit {args:?}: {}", r.stderr);
    r.stdout
}

/// Leeds' civic centre: scans on 1 and 2 December (the Hikvision upgraded
/// in the second), then a capture of 30 November pushed last.
fn estate(dir: &Path) {
    let mut store = SqliteStore::open(&dir.join("estate.db")).unwrap();
    let at = datetime!(2026-11-01 0:00 UTC);
    let org = store
        .create_organisation(&NewOrganisation {
            slug: "leeds".parse().unwrap(),
            name: "Leeds City Council".into(),
            sector: Sector::Council,
            created_at: at,
        })
        .unwrap();
    let site = store
        .create_site(&NewSite {
            org,
            slug: "civic-centre".parse().unwrap(),
            name: "Civic Centre".into(),
            created_at: at,
        })
        .unwrap();
    let mut upgraded = council();
    upgraded[HIKVISION].firmware = Some(UPGRADE.into());
    let scans = [
        ("dec-1", datetime!(2026-12-01 9:00 UTC), council()),
        ("dec-2", datetime!(2026-12-02 9:00 UTC), upgraded),
        ("nov-30", datetime!(2026-11-30 9:00 UTC), council()),
    ];
    for (name, started_at, devices) in scans {
        let outcome = store
            .ingest_batch(
                &SensorBatch {
                    id: name.parse().unwrap(),
                    site,
                    scan_ref: name.into(),
                    kind: ScanKind::Scan,
                    started_at,
                    finished_at: Some(started_at + time::Duration::minutes(5)),
                    params: serde_json::json!({}),
                    observations: Vec::new(),
                    devices,
                },
                started_at,
            )
            .unwrap();
        assert!(matches!(outcome, BatchOutcome::Stored { .. }));
    }
}

fn hikvision(histories: &[Value]) -> &Value {
    histories
        .iter()
        .find(|h| h["current"]["mac"] == "58:50:ed:1f:e3:85")
        .expect("the Hikvision's history")
}

#[test]
fn a_sites_history_shows_first_and_last_seen_and_a_firmware_change() {
    let dir = temp_dir("site");
    estate(&dir);
    let out = ok(
        &dir,
        &[
            "history",
            "--db",
            "estate.db",
            "--site",
            "leeds/civic-centre",
            "--format",
            "json",
        ],
    );
    let all: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(all.len(), council().len(), "one history per device: {out}");
    let h = hikvision(&all);
    // The capture pushed last is the earliest by time: the first sighting.
    assert_eq!(h["first_seen"]["at"], "2026-11-30T09:00:00Z");
    assert_eq!(h["last_seen"]["at"], "2026-12-02T09:00:00Z");
    assert_eq!(h["sightings"], 3);
    let changes = h["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{h}");
    assert_eq!(changes[0]["field"], "firmware");
    assert_eq!(changes[0]["after"], UPGRADE);
    assert!(
        all.iter()
            .filter(|d| d["current"]["mac"] != "58:50:ed:1f:e3:85")
            .all(|d| d["changes"].as_array().unwrap().is_empty()),
        "{out}"
    );

    // The table for people, with the change in words.
    let table = ok(
        &dir,
        &[
            "history",
            "--db",
            "estate.db",
            "--site",
            "civic-centre",
            "--org",
            "leeds",
        ],
    );
    assert!(table.contains("FIRST SEEN"), "{table}");
    assert!(
        table.contains(&format!("firmware V5.6.2build 190701 → {UPGRADE}")),
        "{table}"
    );

    // One device, by MAC, serial or an address: the same history.
    for key in [
        "58:50:ED:1F:E3:85",
        "ds-2cd2385g1-i20200414aawre33842150",
        "10.10.8.21",
    ] {
        let one = ok(
            &dir,
            &[
                "history",
                "--db",
                "estate.db",
                "--site",
                "leeds/civic-centre",
                "--device",
                key,
                "--format",
                "jsonl",
            ],
        );
        let lines: Vec<Value> = one
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "{key}: {one}");
        assert_eq!(&lines[0], h, "{key}");
    }

    // CSV: one row per change.
    let r = camaudit(
        &dir,
        &[
            "history",
            "--db",
            "estate.db",
            "--site",
            "leeds/civic-centre",
            "--device",
            "10.10.8.21",
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let rows: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(rows.len(), 2, "{}", r.stdout);
    assert!(
        rows[1].contains(",firmware,V5.6.2build 190701,V5.7.3 build 230515"),
        "{}",
        rows[1]
    );
    assert!(
        r.stderr.contains("1 device of site leeds/civic-centre"),
        "{}",
        r.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_local_stores_history_follows_a_device_that_moved() {
    let dir = temp_dir("local");
    let mut store = SqliteStore::open(&dir.join("camaudit.db")).unwrap();
    let mut moved = council();
    moved[HIKVISION].addr = Some("10.10.8.99".parse().unwrap());
    let record = |store: &mut SqliteStore, started_at: OffsetDateTime, devices: &[Device]| {
        let id = store
            .create_scan(&NewScan {
                kind: ScanKind::Scan,
                started_at,
                targets: vec!["10.0.0.0/8".into()],
                exclude: Vec::new(),
                params: serde_json::json!({}),
                total_addresses: 256,
                chunk_size: 256,
                chunks_total: 1,
            })
            .unwrap();
        store.set_devices(id, devices).unwrap();
        id
    };
    let first = record(&mut store, datetime!(2026-10-01 9:00 UTC), &council());
    let second = record(&mut store, datetime!(2026-11-01 9:00 UTC), &moved);
    drop(store);

    // Without --scan: the latest scan's place; the old address finds it.
    let out = ok(
        &dir,
        &["history", "--device", "10.10.8.21", "--format", "json"],
    );
    let all: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(all.len(), 1, "{out}");
    assert_eq!(all[0]["current"]["addr"], "10.10.8.99");
    assert_eq!(all[0]["changes"][0]["field"], "address");
    assert_eq!(all[0]["last_seen"]["scan"], second.0);

    // Up to the first scan, nothing has moved yet.
    let first_s = first.0.to_string();
    let out = ok(
        &dir,
        &[
            "history",
            "--scan",
            &first_s,
            "--device",
            "10.10.8.21",
            "--format",
            "json",
        ],
    );
    let all: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(all[0]["changes"].as_array().map(Vec::len), Some(0), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refusals_say_what_to_do() {
    let dir = temp_dir("refusals");
    estate(&dir);
    for (args, says) in [
        (
            vec!["history", "--db", "estate.db", "--site", "civic-centre"],
            "which organisation is site civic-centre in?",
        ),
        (
            vec!["history", "--db", "estate.db", "--site", "leeds/depot"],
            "no site \"depot\" in organisation leeds",
        ),
        (
            vec![
                "history",
                "--db",
                "estate.db",
                "--site",
                "leeds/civic-centre",
                "--device",
                "10.99.9.9",
            ],
            "no device with address 10.99.9.9 in the history of site leeds/civic-centre",
        ),
        (
            vec!["history", "--db", "estate.db", "--scan", "99"],
            "no scan 99 in estate.db",
        ),
        (
            vec!["history", "--db", "missing.db"],
            "no store at missing.db",
        ),
    ] {
        let r = camaudit(&dir, &args);
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
    }
    // Flags that do not go together are clap's refusal.
    let r = camaudit(
        &dir,
        &["history", "--scan", "1", "--site", "leeds/civic-centre"],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        !dir.join("missing.db").exists(),
        "a mistyped --db made a store"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
