//! `camaudit import` through the binary: nmap's XML (a file nmap wrote
//! against the simulator) into the store and out in the device schema; bad
//! files give one error and leave nothing behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use camaudit_store::{ScanKind, ScanStatus, SqliteStore, Store};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/data/sim-seed11-7hosts.xml")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-import-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn camaudit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn scans_in(db: &Path) -> Vec<(ScanKind, ScanStatus)> {
    let store = SqliteStore::open(db).unwrap();
    store
        .scans()
        .unwrap()
        .into_iter()
        .map(|s| (s.kind, s.status))
        .collect()
}

#[test]
fn nmap_xml_becomes_devices_in_the_store_and_on_standard_output() {
    let dir = temp_dir("ok");
    let xml = fixture();
    let out = camaudit(
        &dir,
        &[
            "import",
            xml.to_str().unwrap(),
            "--format",
            "jsonl",
            "--db",
            "s.db",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let devices: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let maker = |addr: &str| {
        devices
            .iter()
            .find(|d| d["addr"] == addr)
            .map(|d| (d["manufacturer"].clone(), d["covered"].clone()))
    };
    // The Amcrest-labelled Dahua and the ANNKE-labelled Hikvision are
    // unmasked; the Axis camera is not called covered.
    assert_eq!(maker("127.88.5.1"), Some(("dahua".into(), true.into())));
    assert_eq!(maker("127.88.5.5"), Some(("hikvision".into(), true.into())));
    assert_eq!(maker("127.88.5.7"), Some(("axis".into(), false.into())));
    assert!(devices.iter().all(|d| d["vulnerabilities"].is_array()));
    assert!(stderr.contains("7 hosts up"), "{stderr}");
    assert_eq!(
        scans_in(&dir.join("s.db")),
        [(ScanKind::Import, ScanStatus::Complete)]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_file_is_one_error_and_leaves_nothing_recorded_or_written() {
    let dir = temp_dir("bad");
    let whole = std::fs::read(fixture()).unwrap();
    std::fs::write(dir.join("truncated.xml"), &whole[..whole.len() / 2]).unwrap();
    std::fs::write(
        dir.join("bomb.xml"),
        "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n<nmaprun>&b;</nmaprun>\n",
    )
    .unwrap();
    std::fs::write(dir.join("not.xml"), "ADDRESS,MAC\n10.0.0.1,-\n").unwrap();
    for (file, says) in [
        ("truncated.xml", "line "),
        ("bomb.xml", "refused a DOCTYPE that declares entities"),
        ("not.xml", "not.xml"),
    ] {
        let out = camaudit(&dir, &["import", file, "--db", "s.db", "-o", "devices.csv"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(says), "{file}: {stderr}");
        assert!(stderr.contains("nothing was recorded"), "{stderr}");
        assert!(
            !dir.join("devices.csv").exists(),
            "{file}: no partial output"
        );
    }
    assert!(scans_in(&dir.join("s.db")).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
