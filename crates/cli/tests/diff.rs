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

/// The council example's devices, changed between scans 2 and 3 in the
/// ways the golden outputs show.
fn council() -> Vec<camaudit_model::Device> {
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

fn council_changed() -> Vec<camaudit_model::Device> {
    use camaudit_model::{Mac, VendorId};
    let vendor = |s: &str| Some(VendorId::new(s).unwrap());
    let mut d = council();
    d[3].addr = Some("10.10.8.31".parse().unwrap()); // the Axis moves (DHCP)
    d[9].firmware = Some("2.840.0000000.16.R".into()); // the Dahua is upgraded
    // The Uniview is replaced by an Axis: out of scope.
    let axis = &mut d[4];
    axis.mac = Some(Mac::parse("b8:a4:4f:33:44:55").unwrap());
    axis.label_vendor = None;
    axis.manufacturer = vendor("axis");
    axis.owner = vendor("canon");
    axis.model = Some("P3245-LVE".into());
    axis.firmware = Some("10.12.220".into());
    axis.serial = Some("B8A44F334455".into());
    axis.covered = false;
    axis.covered_by.clear();
    axis.coverage = None;
    // The Lorex recorder is "replaced" by an Amcrest one: Dahua inside both.
    let amcrest = &mut d[13];
    amcrest.label_vendor = vendor("amcrest");
    amcrest.label_relation = Some("oem-reseller".into());
    amcrest.model = Some("NV4108E-HS".into());
    amcrest.serial = Some("AMC0123456789ABCDE".into());
    d.remove(0); // the printer is gone
    d
}

/// Scans 1 to 3 of the council's network: scan 2 lacks the Hikvision at
/// 10.10.8.21, which is back in scan 3 with the changes above.
fn golden_store(dir: &Path) -> PathBuf {
    use camaudit_store::{NewScan, ScanKind, SqliteStore, Store};
    let db = dir.join("estate.db");
    let _ = std::fs::remove_file(&db);
    let mut store = SqliteStore::open(&db).expect("a store");
    let mut without = council();
    without.remove(2);
    let scans = [
        (time::macros::datetime!(2026-10-01 09:00 UTC), council()),
        (time::macros::datetime!(2026-11-01 09:00 UTC), without),
        (
            time::macros::datetime!(2026-12-01 09:00 UTC),
            council_changed(),
        ),
    ];
    for (at, devices) in scans {
        let id = store
            .create_scan(&NewScan {
                kind: ScanKind::Scan,
                started_at: at,
                targets: vec!["10.0.0.0/8".into()],
                exclude: Vec::new(),
                params: serde_json::json!({}),
                total_addresses: 1 << 24,
                chunk_size: 256,
                chunks_total: 1 << 16,
            })
            .expect("a scan");
        store.set_devices(id, &devices).expect("its devices");
    }
    db
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares with the recorded output, or records it when
/// `CAMAUDIT_WRITE_GOLDEN=1` (then check the change with `git diff`).
fn assert_golden(name: &str, actual: &str) {
    let path = golden(name);
    if std::env::var_os("CAMAUDIT_WRITE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (record it with CAMAUDIT_WRITE_GOLDEN=1)",
            path.display()
        )
    });
    assert_eq!(actual, expected, "{name}");
}

#[test]
fn diff_outputs_are_unchanged() {
    let dir = temp_dir("golden");
    golden_store(&dir);
    for format in ["table", "json", "jsonl", "csv"] {
        let out = camaudit(
            &dir,
            &["diff", "2", "3", "--db", "estate.db", "--format", format],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_golden(
            &format!("diff/council.{format}.out"),
            &String::from_utf8_lossy(&out.stdout),
        );
        assert_golden(
            &format!("diff/council.{format}.err"),
            &String::from_utf8_lossy(&out.stderr),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_council_diff_says_what_was_changed() {
    let dir = temp_dir("council");
    golden_store(&dir);
    let out = camaudit(
        &dir,
        &["diff", "2", "3", "--db", "estate.db", "--format", "json"],
    );
    let d: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let kinds = |list: &str| -> Vec<String> {
        d[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(
        kinds("replaced"),
        [
            "covered-replaced-by-not-covered",
            "swapped-for-rebrand-of-same-maker"
        ]
    );
    assert_eq!(d["came_back"][0]["device"]["addr"], "10.10.8.21");
    assert_eq!(d["came_back"][0]["last_seen_in"], 1);
    assert_eq!(d["gone"][0]["addr"], "10.10.1.5");
    let changes: Vec<&Value> = d["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["kinds"])
        .collect();
    assert_eq!(
        changes,
        [
            &serde_json::json!(["moved"]),
            &serde_json::json!(["firmware-upgrade"])
        ]
    );
    let line =
        String::from_utf8_lossy(&camaudit(&dir, &["diff", "2", "3", "--db", "estate.db"]).stdout)
            .lines()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
    assert_eq!(
        line,
        "0 new, 1 gone, 2 changed, 2 replaced at the same address (1 swapped for a rebrand of the same maker: dahua, 1 covered replaced by a maker not covered); 1 covered device came back; 8 unchanged"
    );
    // A scan that is not there is named, with the scans that are.
    let out = camaudit(&dir, &["diff", "2", "9", "--db", "estate.db"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "camaudit: error: comparing scan 2 with scan 9 in estate.db: no scan 9 in this store; it holds 3 scans, numbered 1 to 3 (check --db)\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_is_unchanged() {
    let out = camaudit(Path::new(env!("CARGO_MANIFEST_DIR")), &["diff", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert_golden("help/diff.txt", &String::from_utf8_lossy(&out.stdout));
}
