//! Devices judged in their places: findings with evidence and sources,
//! unplaced devices kept, scans from core as proof, the risk score.

use camaudit_model::Device;
use camaudit_policy::{
    Action, Asset, Estate, PlacedBy, Policy, Reachability, ScanProof, Severity, Urgency, Zone,
    assess,
};

fn example_estate() -> Estate {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/estate.toml");
    Estate::read(std::path::Path::new(path)).unwrap()
}

fn council_devices() -> Vec<(Device, serde_json::Value)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/council-devices.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (serde_json::from_value(v.clone()).unwrap(), v)
        })
        .collect()
}

fn assets() -> Vec<Asset> {
    council_devices()
        .iter()
        .map(|(d, v)| Asset::of_device(d, Some(v)))
        .collect()
}

fn controls_of<'a>(a: &'a camaudit_policy::Assessment, device: &str) -> Vec<&'a str> {
    a.findings
        .iter()
        .filter(|f| f.device == device)
        .map(|f| f.control.as_str())
        .collect()
}

#[test]
fn every_control_example_holds() {
    let policy = Policy::builtin().unwrap();
    assert!(policy.controls.len() >= 6);
    assert_eq!(policy.example_failures(), Vec::<String>::new());
    for c in &policy.controls {
        assert!(!c.sources.is_empty(), "{} cites a source", c.id);
    }
}

#[test]
fn findings_on_the_example_council() {
    let a = assess(
        &example_estate(),
        &Policy::builtin().unwrap(),
        assets(),
        &Reachability::default(),
    );
    // The Hikvision camera on the town hall's CCTV network: a sensitive
    // site, and its 2019 firmware is in CVE-2021-36260's range.
    assert_eq!(
        controls_of(&a, "10.10.8.21"),
        [
            "covered-on-sensitive-site",
            "covered-with-kev",
            "covered-anywhere"
        ]
    );
    // The ANNKE (Hikvision) camera plugged into the staff LAN.
    assert_eq!(
        controls_of(&a, "10.10.1.45"),
        [
            "covered-on-sensitive-site",
            "covered-connected-to-core",
            "covered-anywhere"
        ]
    );
    let core = a
        .findings
        .iter()
        .find(|f| f.device == "10.10.1.45" && f.control == "covered-connected-to-core")
        .unwrap();
    assert_eq!(core.severity, Severity::Critical);
    assert_eq!(core.action, Action::Disconnect);
    assert_eq!(core.urgency, Urgency::Now);
    assert_eq!(core.site.as_deref(), Some("town-hall"));
    assert_eq!(core.zone, Some(Zone::Core));
    assert!(
        core.evidence.iter().any(|e| e
            .contains("10.10.1.45 is on Harbridge Town Hall's core network 10.10.0.0/22, VLAN 10")),
        "{:?}",
        core.evidence
    );
    assert!(core.sources[0].contains("hcws386"));
    // The Lorex (Dahua) recorder port-forwarded to the internet.
    assert_eq!(
        controls_of(&a, "198.51.100.20"),
        ["covered-internet-facing", "covered-anywhere"]
    );
    // The EZVIZ camera asked DNS for its cloud (evidence, not a guess)…
    // only once the caller adds the endpoint: the asset alone has none.
    assert_eq!(controls_of(&a, "10.40.20.7"), ["covered-anywhere"]);
    // The camera of unknown make in the police liaison office.
    assert_eq!(
        controls_of(&a, "10.60.8.20"),
        ["unknown-maker-on-sensitive-site"]
    );
    // Trusted makers and the plain web server raise nothing.
    for trusted in [
        "10.10.8.30",
        "10.30.8.11",
        "10.60.8.12",
        "10.10.1.5",
        "172.16.5.9",
    ] {
        assert_eq!(controls_of(&a, trusted), Vec::<&str>::new(), "{trusted}");
    }
    // Worst first.
    let severities: Vec<Severity> = a.findings.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
}

#[test]
fn a_device_on_no_network_is_reported_unplaced_not_dropped() {
    let assets = assets();
    let n = assets.len();
    let a = assess(
        &example_estate(),
        &Policy::builtin().unwrap(),
        assets,
        &Reachability::default(),
    );
    assert_eq!(a.devices.len(), n);
    let unplaced: Vec<&str> = a.unplaced().map(|d| d.asset.id.as_str()).collect();
    assert_eq!(unplaced, ["172.16.5.9"]);
    let d = a.unplaced().next().unwrap();
    assert_eq!(
        d.note.as_deref(),
        Some("address 172.16.5.9 is on no network of the estate")
    );
}

#[test]
fn a_covered_device_that_answered_a_core_scan_is_connected_to_core() {
    let mut reach = Reachability::default();
    // The Uniview camera sits on St Mary's CCTV VLAN by its address, but a
    // scan run from the council's core network reached it.
    reach.record(
        Some("48:ea:63:8b:07:91"),
        None,
        ScanProof {
            scan: "scan 7".into(),
            at: Some("2026-11-30T10:00:00Z".into()),
            zone: Zone::Core,
            site: Some("town-hall".into()),
            ports: vec![80, 554],
        },
    );
    let a = assess(
        &example_estate(),
        &Policy::builtin().unwrap(),
        assets(),
        &reach,
    );
    let f = a
        .findings
        .iter()
        .find(|f| f.device == "10.20.8.31" && f.control == "covered-connected-to-core")
        .expect("a core finding");
    assert_eq!(f.zone, Some(Zone::IsolatedCctv), "its address's zone");
    assert_eq!(
        f.evidence.last().map(String::as_str),
        Some(
            "answered scan 7 run from the core network at town-hall on 2026-11-30T10:00:00Z (ports 80, 554)"
        )
    );
    // Without the scan it has only the general finding.
    let plain = assess(
        &example_estate(),
        &Policy::builtin().unwrap(),
        assets(),
        &Reachability::default(),
    );
    assert_eq!(controls_of(&plain, "10.20.8.31"), ["covered-anywhere"]);
    // And the reach raises its risk.
    let risk = |a: &camaudit_policy::Assessment| {
        a.devices
            .iter()
            .find(|d| d.asset.id == "10.20.8.31")
            .unwrap()
            .risk
            .score
    };
    assert!(risk(&a) > risk(&plain));
}

#[test]
fn call_home_endpoints_raise_the_internet_finding() {
    let mut assets = assets();
    let ezviz = assets.iter_mut().find(|a| a.id == "10.40.20.7").unwrap();
    ezviz.endpoints.push("euauth.ezvizlife.com".into());
    let a = assess(
        &example_estate(),
        &Policy::builtin().unwrap(),
        assets,
        &Reachability::default(),
    );
    let f = a
        .findings
        .iter()
        .find(|f| f.device == "10.40.20.7" && f.control == "covered-reaching-internet")
        .unwrap();
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.evidence
            .contains(&"seen calling euauth.ezvizlife.com".to_owned())
    );
}

#[test]
fn a_register_line_is_placed_by_its_site_column() {
    let mut asset = assets().remove(0);
    asset.addr = None;
    asset.site_cell = Some("Police Liaison Office, Bridge Street".into());
    let mut unknown = asset.clone();
    unknown.site_cell = Some("Old Library".into());
    let a = assess(
        &example_estate(),
        &Policy::builtin().unwrap(),
        vec![asset, unknown],
        &Reachability::default(),
    );
    assert_eq!(a.devices[0].placed_by, PlacedBy::Register);
    assert_eq!(a.devices[0].site, Some(5));
    assert_eq!(a.devices[0].facts.zone, None, "no zone from a site name");
    assert_eq!(a.devices[1].placed_by, PlacedBy::Unplaced);
    assert!(
        a.devices[1]
            .note
            .as_deref()
            .unwrap()
            .contains("Old Library")
    );
}

#[test]
fn an_overlay_changes_a_severity_disables_a_control_and_adds_one() {
    let mut policy = Policy::builtin().unwrap();
    policy
        .overlay(
            "council.toml",
            r#"
[[control]]
id = "covered-anywhere"
severity = "high"
sources = ["Harbridge BC information security policy 2026, s.4.2"]

[[control]]
id = "covered-reaching-internet"
enabled = false

[[control]]
id = "covered-in-a-school"
title = "Covered equipment in a school"
when = { covered = true, category = ["school"] }
severity = "high"
action = "replace"
advice = "Replace it before the next academic year."
basis = "Harbridge BC cabinet decision 14/2026"
sources = ["Harbridge BC cabinet minutes, 3 March 2026, item 14"]
[[control.example]]
facts = { covered = true, categories = ["school"] }
fires = true

[risk]
covered = 20.0
"#,
        )
        .unwrap();
    assert_eq!(policy.overlays, ["council.toml"]);
    assert!(
        !policy
            .controls
            .iter()
            .any(|c| c.id == "covered-reaching-internet")
    );
    let anywhere = policy
        .controls
        .iter()
        .find(|c| c.id == "covered-anywhere")
        .unwrap();
    assert_eq!(anywhere.severity, Severity::High);
    assert!(anywhere.sources.iter().any(|s| s.contains("Harbridge")));
    assert!(
        anywhere.sources.iter().any(|s| s.contains("hcws386")),
        "keeps the original"
    );
    assert_eq!(policy.weights.covered, 20.0);
    assert_eq!(policy.weights.sensitive_site, 2.0, "other weights kept");
    assert_eq!(policy.example_failures(), Vec::<String>::new());
    let a = assess(
        &example_estate(),
        &policy,
        assets(),
        &Reachability::default(),
    );
    assert_eq!(
        controls_of(&a, "10.20.8.31"),
        ["covered-anywhere", "covered-in-a-school"]
    );
}

#[test]
fn overlay_mistakes_are_refused_with_file_and_line() {
    let mut policy = Policy::builtin().unwrap();
    let e = policy
        .overlay(
            "council.toml",
            "\n[[control]]\nid = \"new-one\"\nseverity = \"high\"\n",
        )
        .unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("council.toml", Some(2)));
    assert!(e.message.contains("needs"), "{e}");
    let e = policy
        .overlay(
            "council.toml",
            "[[control]]\nid = \"covered-anywhere\"\nseverity = \"urgent\"\n",
        )
        .unwrap_err();
    assert_eq!(e.line, Some(3));
    let e = policy
        .overlay("council.toml", "[risk]\ncovered = -1.0\n")
        .unwrap_err();
    assert!(e.message.contains("covered"), "{e}");
    let e = policy
        .overlay("council.toml", "[risk]\ncolour = 1.0\n")
        .unwrap_err();
    assert!(e.message.contains("colour"), "{e}");
}
