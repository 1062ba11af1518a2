//! `camaudit diff` end to end: the estate simulator changed between real
//! scans recorded in one store, and the diff finds exactly the changes
//! made, judged against the simulator's answer keys.
//!
//! Traffic goes only to 127.79.0.0/24, served by the simulator in this
//! process. Needs ports below 1024 (root, as on the CI machine); skipped
//! otherwise, and a failure under CAMAUDIT_REQUIRE_PEERS=1.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use camaudit_model::{TruthRecord, TruthRole};
use camaudit_sim::{Background, SimConfig};
use serde_json::Value;

const TARGETS: &str = "127.79.0.0/24";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn can_run() -> bool {
    if is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CAMAUDIT_REQUIRE_PEERS").is_none(),
        "the simulator needs root to serve ports below 1024"
    );
    eprintln!("SKIPPED: the simulator needs root to serve ports below 1024");
    false
}

fn camaudit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("camaudit runs")
}

/// Serves `devices` devices of `seed` on `base` while `camaudit scan`
/// records them in `dir/estate.db`; returns the answer key (occupied
/// addresses only) and the scan's devices as JSON.
fn scan(dir: &Path, base: &str, devices: u32, seed: u64) -> (Vec<TruthRecord>, Vec<Value>) {
    let cfg = SimConfig {
        devices,
        base: base.parse().expect("a CIDR"),
        seed,
        ready_file: Some(dir.join(format!("ready-{seed}-{devices}"))),
        quiet: true,
        ..SimConfig::default()
    };
    let truth = camaudit_sim::plan(&cfg).expect("the estate's plan");
    let sim = Background::start(cfg, Duration::from_secs(20)).expect("the simulator serves");
    let out = camaudit(
        dir,
        &[
            "scan",
            TARGETS,
            "--db",
            "estate.db",
            "--rate",
            "20000",
            "--concurrency",
            "1024",
            "--timeout",
            "1000",
            "--udp-wait",
            "800",
            "-q",
            "--format",
            "json",
        ],
    );
    drop(sim);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: Vec<Value> = serde_json::from_slice(&out.stdout).expect("devices as JSON");
    let occupied = truth
        .into_iter()
        .filter(|t| t.role != TruthRole::Empty)
        .collect();
    (occupied, found)
}

fn diff(dir: &Path, a: u32, b: u32) -> Value {
    let out = camaudit(
        dir,
        &[
            "diff",
            &a.to_string(),
            &b.to_string(),
            "--db",
            "estate.db",
            "--format",
            "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the diff as JSON")
}

fn addrs(v: &Value, list: &str, side: Option<&str>) -> BTreeSet<IpAddr> {
    v[list]
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| match side {
            Some(s) => &e[s]["addr"],
            None => &e["addr"],
        })
        .map(|a| a.as_str().expect("an address").parse().expect("an IP"))
        .collect()
}

fn truth_addrs(t: &[TruthRecord]) -> BTreeSet<IpAddr> {
    t.iter().map(|r| r.addr).collect()
}

fn count(v: &Value, what: &str) -> u64 {
    v["counts"][what].as_u64().expect("a count")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

#[test]
fn the_diff_of_two_simulated_scans_finds_exactly_the_changes_made() {
    if !can_run() {
        return;
    }
    let dir = temp_dir("sim");
    let base = "127.79.0.0/25";
    let (t1, _) = scan(&dir, base, 24, 5); // scan 1
    let (t2, _) = scan(&dir, base, 28, 5); // scan 2: four more devices
    let (_, _) = scan(&dir, base, 24, 5); // scan 3: the four are gone
    let (_, _) = scan(&dir, base, 28, 5); // scan 4: and back
    let (t5, _) = scan(&dir, base, 28, 6); // scan 5: another estate at the same addresses
    let moved = "127.79.0.128/25";
    let (_, found6) = scan(&dir, moved, 28, 6); // scan 6: the same devices, all readdressed

    let added: BTreeSet<IpAddr> = truth_addrs(&t2)
        .difference(&truth_addrs(&t1))
        .copied()
        .collect();
    assert!(!added.is_empty());
    let d = diff(&dir, 1, 2);
    assert_eq!(addrs(&d, "new", None), added, "{d:#}");
    assert!(addrs(&d, "gone", None).is_empty(), "{d:#}");
    assert_eq!(count(&d, "changed"), 0, "{d:#}");

    let d = diff(&dir, 2, 3);
    assert_eq!(addrs(&d, "gone", None), added, "{d:#}");
    assert!(addrs(&d, "new", None).is_empty(), "{d:#}");

    // Back in scan 4: every covered one of them came back (seen in scan 2),
    // and no device that is not covered ever does.
    let d = diff(&dir, 3, 4);
    assert_eq!(addrs(&d, "new", None), added, "{d:#}");
    let covered_back: BTreeSet<IpAddr> = t2
        .iter()
        .filter(|t| added.contains(&t.addr) && t.covered)
        .map(|t| t.addr)
        .collect();
    assert_eq!(
        addrs(&d, "came_back", Some("device")),
        covered_back,
        "{d:#}"
    );
    for r in d["came_back"].as_array().unwrap() {
        assert_eq!(r["last_seen_in"], 2);
        assert!(matches!(
            r["device"]["verdict"].as_str(),
            Some("covered" | "likely-covered")
        ));
    }

    // Scan 5: a different device at every address, each a replacement;
    // the rebrand swaps are exactly the covered pairs of one maker under
    // two brands.
    let d = diff(&dir, 4, 5);
    let both = truth_addrs(&t2).intersection(&truth_addrs(&t5)).count();
    assert_eq!(count(&d, "replaced") as usize, both, "{d:#}");
    assert_eq!(count(&d, "changed"), 0, "{d:#}");
    assert_eq!(count(&d, "unchanged"), 0, "{d:#}");
    let swaps: BTreeSet<IpAddr> = t2
        .iter()
        .filter_map(|b| {
            let a = t5.iter().find(|a| a.addr == b.addr)?;
            let brand = |t: &TruthRecord| t.label_vendor.clone().or(t.manufacturer.clone());
            (b.covered && a.covered && b.manufacturer == a.manufacturer && brand(b) != brand(a))
                .then_some(b.addr)
        })
        .collect();
    assert!(!swaps.is_empty(), "seed 6 after seed 5 has rebrand swaps");
    let found_swaps: BTreeSet<IpAddr> = d["replaced"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "swapped-for-rebrand-of-same-maker")
        .map(|r| r["addr"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(found_swaps, swaps, "{d:#}");

    // Scan 6: every device the scan read a MAC or serial of is the same
    // device at its new address; nothing was replaced.
    let d = diff(&dir, 5, 6);
    let identified = found6
        .iter()
        .filter(|dev| !dev["mac"].is_null() || !dev["serial"].is_null())
        .count();
    assert!(
        identified > 0,
        "the scan read MACs over loopback (SADP, DHIP, ONVIF)"
    );
    assert_eq!(count(&d, "changed") as usize, identified, "{d:#}");
    assert_eq!(count(&d, "replaced"), 0, "{d:#}");
    for c in d["changed"].as_array().unwrap() {
        assert_eq!(c["kinds"], serde_json::json!(["moved"]), "{c:#}");
        let at = |s: &str| -> Ipv4Addr { c[s]["addr"].as_str().unwrap().parse().unwrap() };
        assert_eq!(
            u32::from(at("after")),
            u32::from(at("before")) + 128,
            "{c:#}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_scan_or_store_says_what_to_do() {
    let dir = temp_dir("missing");
    let out = camaudit(&dir, &["diff", "1", "2", "--db", "nowhere.db"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "camaudit: error: no store at nowhere.db: name the store the scans were recorded in with --db\n"
    );
    assert!(!dir.join("nowhere.db").exists(), "no empty store was made");
    let _ = std::fs::remove_dir_all(&dir);
}
