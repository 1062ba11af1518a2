//! `camaudit plan` end to end: the README's example estate, an asset
//! register, bad input, the demo's estate, and a scan run from a core
//! vantage point against the simulator (loopback only) as proof that
//! covered devices are reachable from core.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `camaudit ARGS` exits 1 with an error that says `says`.
fn refused(args: &[&str], says: &str) {
    let o = camaudit(args);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(says), "{err}");
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-plan-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const EXAMPLE: [&str; 7] = [
    "plan",
    "--estate",
    "examples/estate.toml",
    "--devices",
    "examples/council-devices.jsonl",
    "--from",
    "2027-01-01",
];

#[test]
fn the_readme_example_prints_findings_actions_schedule_and_curve() {
    let o = camaudit(&EXAMPLE);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("CRITICAL (4)\n"), "{out}");
    for section in [
        "HIGH (3)",
        "MEDIUM (7)",
        "VERIFY (1)",
        "UNPLACED (1)",
        "DO NOW (7)",
        "SCHEDULE",
    ] {
        assert!(out.contains(section), "{section} in\n{out}");
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("10.40.20.7 ") && l.contains("covered-reaching-internet")),
        "the EZVIZ camera's DNS query for its cloud: {out}"
    );
    assert!(
        out.contains("no schedule can go below"),
        "the lower bound: {out}"
    );
    assert!(out.lines().any(|l| l.starts_with("risk █")), "{out}");
    assert!(
        err.contains("14 devices on 6 sites of Harbridge Borough Council: 15 findings (4 critical, 3 high, 7 medium, 1 verify); 1 unplaced"),
        "{err}"
    );
}

#[test]
fn the_readme_plan_commands_on_the_example_estate_run_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let commands: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("camaudit plan --estate examples/"))
        .collect();
    assert!(!commands.is_empty(), "the README shows the example estate");
    for command in commands {
        let words: Vec<&str> = command.split_whitespace().skip(1).collect();
        let o = camaudit(&words);
        assert!(o.status.success(), "{command}: {}", text(&o).1);
        assert!(text(&o).0.contains("SCHEDULE"), "{command}");
    }
    // The demo's command, as the README writes it, names the files the
    // demo writes.
    assert!(readme.contains(
        "camaudit plan --estate /tmp/demo/camaudit-demo-estate.toml --devices /tmp/demo/camaudit-demo-devices.jsonl"
    ));
    assert!(readme.contains("camaudit demo --out-dir /tmp/demo\n"));
}

#[test]
fn json_holds_findings_risk_plan_and_what_if_and_the_dated_plan_is_csv() {
    let dir = temp("json");
    let csv = dir.join("plan.csv");
    let mut args = EXAMPLE.to_vec();
    let csv_arg = csv.to_str().unwrap();
    args.extend([
        "--format",
        "json",
        "-o",
        csv_arg,
        "--budget-per-quarter",
        "1500",
        "--budget-per-quarter",
        "60000",
    ]);
    let o = camaudit(&args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(v["findings"].as_array().unwrap().len(), 15);
    let first = &v["findings"][0];
    assert_eq!(first["severity"], "critical");
    assert!(first["sources"][0].as_str().unwrap().contains("hcws386"));
    assert_eq!(v["what_if"].as_array().unwrap().len(), 2);
    let tight = &v["what_if"][0];
    let loose = &v["what_if"][1];
    assert!(
        tight["exposure"].as_f64() > loose["exposure"].as_f64(),
        "less money, more exposure"
    );
    assert!(v["plan"]["bound"].as_f64() <= v["plan"]["optimised"]["exposure"].as_f64());
    // The residual-risk curve for the report's chart: weekly points from
    // the start date, falling to what is left.
    let curve = v["summary"]["risk_curve"].as_array().unwrap();
    assert!(curve.len() > 50, "{} points", curve.len());
    assert_eq!(curve[0]["date"], "2027-01-01");
    assert!(curve.iter().all(|p| p["risk"].as_f64().is_some()));
    assert_eq!(
        v["summary"]["risk_curve"],
        v["plan"]["optimised"]["risk_curve"]
    );
    assert!(tight["risk_curve"].as_array().is_some_and(|c| c.len() > 50));
    assert!(tight["half_risk_by"].is_string(), "{tight}");
    let annke = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device"] == "10.10.1.45")
        .unwrap();
    assert!(
        annke["risk_explained"].as_str().unwrap().ends_with("= 52"),
        "{annke}"
    );
    let plan = std::fs::read_to_string(&csv).unwrap();
    let mut lines = plan.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("date,period,site,device,action")
    );
    assert!(
        plan.contains(",town-hall,10.10.1.45,disconnect,now,"),
        "{plan}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_asset_register_is_planned_by_its_site_column() {
    let dir = temp("register");
    let register = dir.join("assets.csv");
    std::fs::write(
        &register,
        "Site,Manufacturer,Model,Quantity\n\
         Police Liaison Office,Hikvision,DS-2CD2143G2-I,3\n\
         St Mary's Primary School,Axis,M1065-LW,2\n\
         Old Library,Dahua,IPC-HDW1431T1-S4,1\n\
         Harbridge Town Hall,Acme Widgets,AW-100,1\n",
    )
    .unwrap();
    let o = camaudit(&[
        "plan",
        "--estate",
        "examples/estate.toml",
        "--register",
        register.to_str().unwrap(),
        "--from",
        "2027-01-01",
        "--format",
        "jsonl",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let findings: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let controls = |row: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["device"].as_str().unwrap().ends_with(row))
            .map(|f| f["control"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        controls("row 2"),
        ["covered-on-sensitive-site", "covered-anywhere"]
    );
    assert!(controls("row 3").is_empty(), "Axis is trusted");
    assert_eq!(
        controls("row 4"),
        ["covered-anywhere"],
        "on no site: still a finding"
    );
    assert_eq!(controls("row 5"), ["unknown-maker-on-sensitive-site"]);
    assert!(err.contains("1 unplaced"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_register_line_is_typed_from_its_model_or_description_and_costed_by_type() {
    let dir = temp("register-types");
    let register = dir.join("assets.csv");
    std::fs::write(
        &register,
        "Site,Manufacturer,Model,Description,Quantity\n\
         Harbridge Leisure Centre,Hikvision,DS-7616NI-Q2/16P,Recorder,1\n\
         Harbridge Leisure Centre,Hikvision,DS-2CD2143G2-I,,4\n\
         Harbridge Leisure Centre,Dahua,,4MP PTZ dome camera 25x,1\n\
         Harbridge Leisure Centre,Dahua,,Dome camera 2.8mm,1\n",
    )
    .unwrap();
    let o = camaudit(&[
        "plan",
        "--estate",
        "examples/estate.toml",
        "--register",
        register.to_str().unwrap(),
        "--from",
        "2027-01-01",
        "--format",
        "json",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let replaced: std::collections::BTreeMap<String, String> = v["plan"]["optimised"]["visits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|visit| visit["actions"].as_array().unwrap())
        .filter_map(|a| {
            if a["action"]["kind"] != "replace" {
                return None;
            }
            let kind = a["action"]["device_type"].as_str()?;
            Some((a["device"].as_str()?.to_owned(), kind.to_owned()))
        })
        .collect();
    let of = |row: &str| {
        replaced
            .iter()
            .find(|(d, _)| d.ends_with(row))
            .map(|(_, t)| t.as_str())
    };
    assert_eq!(of("row 2"), Some("nvr"), "{replaced:?}");
    assert_eq!(of("row 3"), Some("camera"), "{replaced:?}");
    assert_eq!(of("row 4"), Some("camera"), "{replaced:?}");
    let risk = |row: &str| {
        v["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["device"].as_str().unwrap().ends_with(row))
            .unwrap()["risk_explained"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The PTZ dome's capability (0.2) against the fixed dome's none; the
    // recorder holds the footage of the site's four cameras' line and the
    // two domes (0.05 each).
    assert!(
        risk("row 4").contains("(1 + 0.2 capability)"),
        "{}",
        risk("row 4")
    );
    assert!(
        risk("row 5").contains("(1 + 0 capability)"),
        "{}",
        risk("row 5")
    );
    assert!(
        !risk("row 2").contains("(1 + 0 capability)"),
        "{}",
        risk("row 2")
    );
    assert!(
        risk("row 3").ends_with(" × 4 units = 60"),
        "{}",
        risk("row 3")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The findings of `plan --format jsonl` for this device.
fn core_findings(out: &str, device: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|f| f["device"] == device && f["control"] == "covered-connected-to-core")
        .collect()
}

#[test]
fn a_devices_line_carrying_a_core_vantage_proves_the_device_reaches_core() {
    let dir = temp("line-vantage");
    let devices = dir.join("devices.jsonl");
    // The Uniview camera (line 5) is on St Mary's CCTV network by its
    // address; its line says a scan from the town hall's core reached it.
    let text_in = std::fs::read_to_string(root().join("examples/council-devices.jsonl")).unwrap();
    let lines: Vec<String> = text_in
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if v["addr"] == "10.20.8.31" {
                v["vantage"] = serde_json::json!({
                    "zone": "core", "site": "town-hall", "scan": 4,
                    "started_at": "2026-11-30T10:00:00Z"
                });
            }
            v.to_string()
        })
        .collect();
    std::fs::write(&devices, lines.join("\n") + "\n").unwrap();
    let mut args = EXAMPLE.to_vec();
    args[4] = devices.to_str().unwrap();
    args.extend(["--format", "jsonl"]);
    let o = camaudit(&args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let core = core_findings(&out, "10.20.8.31");
    assert_eq!(core.len(), 1, "{out}");
    assert_eq!(core[0]["zone"], "isolated-cctv", "its address's zone");
    let proof = core[0]["evidence"].as_array().unwrap().last().unwrap();
    assert_eq!(
        proof.as_str().unwrap(),
        format!(
            "answered scan 4 (line 5 of {}) run from the core network at town-hall on 2026-11-30T10:00:00Z (ports 80)",
            devices.display()
        )
    );
    // The same file without the vantage: no such finding.
    let o = camaudit(&[EXAMPLE.as_slice(), &["--format", "jsonl"]].concat());
    assert!(core_findings(&text(&o).0, "10.20.8.31").is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn from_zone_gives_a_plain_devices_file_its_scans_vantage() {
    let o = camaudit(
        &[
            EXAMPLE.as_slice(),
            &[
                "--from-zone",
                "core",
                "--from-site",
                "town-hall",
                "--format",
                "jsonl",
            ],
        ]
        .concat(),
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    // Every covered device off a core network by address is now reached
    // from core; one on core by address (10.10.1.45) keeps its own proof.
    for device in ["10.20.8.31", "10.10.8.21", "10.60.8.11", "10.40.20.7"] {
        let core = core_findings(&out, device);
        assert_eq!(core.len(), 1, "{device}: {out}");
        let proof = core[0]["evidence"].as_array().unwrap().last().unwrap();
        assert!(
            proof.as_str().unwrap().starts_with(
                "answered the scan of examples/council-devices.jsonl (plan --from-zone) run from the core network at town-hall"
            ),
            "{proof}"
        );
    }
    // A trusted maker is not made a finding by being reachable.
    assert!(
        !out.lines().any(|l| l.contains("\"device\":\"10.10.8.30\"")),
        "the Axis camera: {out}"
    );
    refused(
        &[
            EXAMPLE.as_slice(),
            &["--from-zone", "core", "--from-site", "attic"],
        ]
        .concat(),
        "--from-site \"attic\" is not a site of examples/estate.toml",
    );
    let o = camaudit(&[EXAMPLE.as_slice(), &["--from-zone", "dmz"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
}

#[test]
fn bad_input_gets_one_line_naming_the_file_and_line() {
    let dir = temp("bad");
    let estate = dir.join("estate.toml");
    std::fs::write(
        &estate,
        "organisation = { name = \"X\" }\n[[site]]\nid = \"a\"\nname = \"A\"\nsensitivity = \"standard\"\n[[site.network]]\ncidr = \"10.0.0.0/24\"\nzone = \"dmz\"\n",
    )
    .unwrap();
    refused(
        &[
            "plan",
            "--estate",
            estate.to_str().unwrap(),
            "--devices",
            "examples/council-devices.jsonl",
            "--from",
            "2027-01-01",
        ],
        "estate.toml:8: unknown variant `dmz`",
    );
    let devices = dir.join("d.jsonl");
    std::fs::write(&devices, "{\"addr\":\"10.10.1.5\"}\n").unwrap();
    refused(
        &[
            "plan",
            "--estate",
            "examples/estate.toml",
            "--devices",
            devices.to_str().unwrap(),
            "--from",
            "2027-01-01",
        ],
        "d.jsonl:1: not a device in camaudit's schema",
    );
    let good = std::fs::read_to_string(root().join("examples/council-devices.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    let bad_vantage = format!(
        "{first}\n{},\"vantage\":{{\"zone\":\"dmz\"}}}}\n",
        first.trim_end().trim_end_matches('}')
    );
    std::fs::write(&devices, bad_vantage).unwrap();
    refused(
        &[
            "plan",
            "--estate",
            "examples/estate.toml",
            "--devices",
            devices.to_str().unwrap(),
            "--from",
            "2027-01-01",
        ],
        "d.jsonl:2: `vantage` is not {zone, site, sensor_addr}",
    );
    let o = camaudit(&[
        "plan",
        "--estate",
        "examples/estate.toml",
        "--from",
        "2027-01-01",
    ]);
    assert!(
        text(&o).1.contains("no devices: give --db"),
        "{}",
        text(&o).1
    );
    let o = camaudit(&[
        "plan",
        "--estate",
        "examples/estate.toml",
        "--devices",
        "examples/council-devices.jsonl",
        "--from",
        "1 Jan",
    ]);
    assert!(text(&o).1.contains("write it as YYYY-MM-DD"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "sim")]
mod simulated {
    use super::*;
    use camaudit_pipeline::demo::DemoConfig;
    use camaudit_sim::{Background, SimConfig};

    #[test]
    fn the_demos_estate_is_planned() {
        let dir = temp("demo");
        let o = Command::new(env!("CARGO_BIN_EXE_camaudit"))
            .args(["demo", "--devices", "40", "--quiet", "--out-dir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o).1);
        let estate = dir.join("camaudit-demo-estate.toml");
        let devices = dir.join("camaudit-demo-devices.jsonl");
        let o = camaudit(&[
            "plan",
            "--estate",
            estate.to_str().unwrap(),
            "--devices",
            devices.to_str().unwrap(),
            "--from",
            "2027-01-01",
            "--format",
            "json",
        ]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["unplaced"].as_array().unwrap().len(),
            0,
            "every simulated device is on a site"
        );
        let covered = std::fs::read_to_string(&devices)
            .unwrap()
            .lines()
            .filter(|l| l.contains("\"covered\":true"))
            .count();
        assert!(covered > 0);
        // Every covered device has at least one action in the schedule or
        // is reported unscheduled.
        let scheduled: std::collections::HashSet<&str> = v["plan"]["optimised"]["visits"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|visit| visit["actions"].as_array().unwrap())
            .chain(v["plan"]["optimised"]["unscheduled"].as_array().unwrap())
            .map(|a| a["device"].as_str().unwrap())
            .collect();
        assert_eq!(
            scheduled.len(),
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["device"].as_str().unwrap())
                .collect::<std::collections::HashSet<_>>()
                .len()
        );
        assert!(
            scheduled.len() >= covered,
            "{} of {covered}",
            scheduled.len()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_scan_from_core_proves_covered_cctv_devices_reach_core() {
        let dir = temp("vantage");
        let config = DemoConfig {
            devices: 12,
            ..DemoConfig::default()
        };
        let range = config.choose_estate().expect("a free loopback range");
        let ready = dir.join("ready");
        let sim = Background::start(
            SimConfig {
                devices: 12,
                base: range.base,
                seed: 3,
                ready_file: Some(ready),
                port_offset: range.port_offset,
                quiet: true,
                ..SimConfig::default()
            },
            std::time::Duration::from_secs(60),
        )
        .expect("the simulator serves");
        // The simulated devices sit on the site's CCTV network by address.
        let estate = dir.join("estate.toml");
        std::fs::write(
            &estate,
            format!(
                "organisation = {{ name = \"Vantage test\" }}\n[[site]]\nid = \"hq\"\nname = \"HQ\"\nsensitivity = \"standard\"\n\
                 [[site.network]]\ncidr = \"{}\"\nzone = \"isolated-cctv\"\n",
                range.base
            ),
        )
        .unwrap();
        let db = dir.join("scan.db");
        let target = range.base.to_string();
        let offset = range.port_offset.to_string();
        let o = camaudit(&[
            "scan",
            &target,
            "--from-zone",
            "core",
            "--from-site",
            "hq",
            "--estate",
            estate.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--rate",
            "20000",
            "--timeout",
            "800",
            "--udp-wait",
            "500",
            "--port-offset",
            &offset,
            "--quiet",
            "--format",
            "jsonl",
        ]);
        drop(sim);
        assert!(o.status.success(), "{}", text(&o).1);
        let scanned = dir.join("scan.jsonl");
        std::fs::write(&scanned, &o.stdout).unwrap();
        let o = camaudit(&[
            "plan",
            "--estate",
            estate.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--from",
            "2027-01-01",
            "--format",
            "jsonl",
        ]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{err}");
        let core: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|f| f["control"] == "covered-connected-to-core")
            .collect();
        assert!(!core.is_empty(), "{out}");
        for f in &core {
            assert_eq!(f["zone"], "isolated-cctv", "its address says CCTV");
            let proof = f["evidence"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()
                .as_str()
                .unwrap();
            assert!(
                proof.starts_with("answered scan 1 run from the core network at hq on "),
                "{proof}"
            );
            assert!(proof.contains("(ports "), "{proof}");
        }
        assert!(err.contains("(scan 1 of"), "{err}");
        // The scan's JSONL carries its vantage: planned from the file, the
        // same devices are connected to core.
        let o = camaudit(&[
            "plan",
            "--estate",
            estate.to_str().unwrap(),
            "--devices",
            scanned.to_str().unwrap(),
            "--from",
            "2027-01-01",
            "--format",
            "jsonl",
        ]);
        let (from_file, err) = text(&o);
        assert!(o.status.success(), "{err}");
        let devices = |out: &str| -> std::collections::BTreeSet<String> {
            out.lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .filter(|f| f["control"] == "covered-connected-to-core")
                .map(|f| f["device"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(devices(&from_file), devices(&out), "{from_file}");
        assert!(from_file.contains("answered scan 1 (line "), "{from_file}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
