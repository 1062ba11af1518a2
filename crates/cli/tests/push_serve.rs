//! End to end on loopback: a real `camaudit serve` with a SQLite estate, a
//! sensor token made by `camaudit token create`, `camaudit scan` of the
//! simulator with `--push`, and the devices read back from the API with a
//! viewer token; sending the scan again changes nothing at the server.
#![cfg(feature = "sim")]

mod common;

use camaudit_pipeline::demo::DemoConfig;
use camaudit_sim::{Background, SimConfig};
use camaudit_store::{SqliteStore, Store};
use common::{Serve, camaudit, ok, temp_dir, token, token_file};

/// Every device the viewer sees, following the cursor.
fn devices_seen(url: &str, viewer: &str) -> Vec<serde_json::Value> {
    let agent = ureq::Agent::new_with_defaults();
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut page = format!("{url}/api/v1/devices?limit=7");
        if let Some(c) = &cursor {
            page.push_str(&format!("&cursor={c}"));
        }
        let text = agent
            .get(&page)
            .header("Authorization", format!("Bearer {viewer}"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        all.extend(v["items"].as_array().unwrap().iter().cloned());
        match v["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return all,
        }
    }
}

#[test]
fn a_scan_pushed_to_camaudit_serve_is_read_back_from_the_api() {
    let dir = temp_dir("push-serve");
    ok(
        &dir,
        &[
            "org",
            "add",
            "leeds",
            "--name",
            "Leeds City Council",
            "--sector",
            "council",
            "--db",
            "estate.db",
        ],
    );
    ok(
        &dir,
        &[
            "site",
            "add",
            "leeds/civic-centre",
            "--name",
            "Civic Centre",
            "--db",
            "estate.db",
        ],
    );
    let sensor = token(
        &dir,
        &[
            "--scope",
            "sensor",
            "--org",
            "leeds",
            "--site",
            "civic-centre",
        ],
    );
    let viewer = token(&dir, &["--scope", "viewer", "--org", "leeds"]);
    let token_file = token_file(&dir, "sensor-token", &sensor);

    let serve = Serve::start(&dir);
    let config = DemoConfig {
        devices: 16,
        ..DemoConfig::default()
    };
    let range = config.choose_estate().expect("a free loopback range");
    let sim = Background::start(
        SimConfig {
            devices: 16,
            base: range.base,
            seed: 8,
            ready_file: Some(dir.join("ready")),
            port_offset: range.port_offset,
            quiet: true,
            ..SimConfig::default()
        },
        std::time::Duration::from_secs(60),
    )
    .expect("the simulator serves");
    let out = camaudit(
        &dir,
        &[
            "scan",
            &range.base.to_string(),
            "--from-zone",
            "core",
            "--db",
            "sensor.db",
            "--rate",
            "20000",
            "--timeout",
            "800",
            "--udp-wait",
            "500",
            "--port-offset",
            &range.port_offset.to_string(),
            "--format",
            "json",
            "--push",
            &serve.url,
            "--site",
            "civic-centre",
            "--token-file",
            token_file.to_str().unwrap(),
        ],
    );
    drop(sim);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("0 refused, 0 left in the spool"), "{err}");

    let store = SqliteStore::open(&dir.join("sensor.db")).unwrap();
    let scan = store.scans().unwrap().last().unwrap().id;
    let local = store.devices(scan).unwrap();
    assert!(
        local.len() >= 12,
        "the scan found the simulator's devices ({})",
        local.len()
    );
    let seen = devices_seen(&serve.url, &viewer);
    let served: Vec<camaudit_model::Device> = seen
        .iter()
        .map(|d| serde_json::from_value(d["device"].clone()).unwrap())
        .collect();
    assert_eq!(
        served, local,
        "the server has the sensor's devices, in order"
    );
    let covered = served.iter().filter(|d| d.covered).count();
    assert!(covered > 0, "covered devices arrive as covered");

    // Sending the same scan again (as after a crash) stores nothing twice.
    let out = camaudit(
        &dir,
        &[
            "push",
            "--to",
            &serve.url,
            "--scan",
            &scan.0.to_string(),
            "--site",
            "civic-centre",
            "--db",
            "sensor.db",
            "--token-file",
            token_file.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("the server had already"), "{err}");
    assert_eq!(devices_seen(&serve.url, &viewer).len(), local.len());
}
