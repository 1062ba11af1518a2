//! End to end on loopback: a real `camaudit serve` with a SQLite estate, a
//! sensor token made by `camaudit token create`, `camaudit scan` of the
//! simulator with `--push`, and the devices read back from the API with a
//! viewer token; sending the scan again changes nothing at the server.
#![cfg(feature = "sim")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use camaudit_pipeline::demo::DemoConfig;
use camaudit_sim::{Background, SimConfig};
use camaudit_store::{SqliteStore, Store};

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("camaudit-push-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn camaudit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(dir)
        .args(args)
        .env_remove("CAMAUDIT_TOKEN")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = camaudit(dir, args);
    assert!(
        out.status.success(),
        "camaudit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A token's secret from `token create --format json`.
fn token(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["token", "create", "--db", "estate.db", "--format", "json"];
    all.extend_from_slice(args);
    let v: serde_json::Value = serde_json::from_str(&ok(dir, &all)).unwrap();
    v["secret"].as_str().unwrap().to_owned()
}

/// `camaudit serve` on a free port of 127.0.0.1, stopped when dropped.
struct Serve {
    child: Child,
    url: String,
}

impl Serve {
    fn start(dir: &Path) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_camaudit"))
            .current_dir(dir)
            .args(["serve", "--db", "estate.db", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("camaudit serve said where it listens")
                .unwrap();
            if let Some(rest) = line.split("listening on ").nth(1) {
                let url = rest.split_whitespace().next().unwrap();
                break url.trim_end_matches('/').to_owned();
            }
        };
        // Keep reading its log so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Serve { child, url }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
    let dir = temp_dir("e2e");
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
    let token_file = dir.join("sensor-token");
    std::fs::write(&token_file, format!("{sensor}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();

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
