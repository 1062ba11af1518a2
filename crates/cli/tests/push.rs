//! `--push` and `camaudit push` through the binary, against the push
//! crate's test server on 127.0.0.1: a scan that reaches the server
//! through failures, one that waits in the spool while the server is down
//! and goes with `camaudit push`, and a missing token caught before
//! anything is scanned.

#[path = "../../push/tests/server/mod.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use camaudit_store::{SqliteStore, Store};
use server::{Fault, Options, TOKEN, TestServer};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/data/sim-seed11-7hosts.xml")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-push-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn token_file(dir: &Path) -> PathBuf {
    let path = dir.join("token");
    std::fs::write(&path, format!("{TOKEN}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn camaudit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(dir)
        .args(args)
        .env_remove("CAMAUDIT_TOKEN")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The server holds the stored scan's observations and devices, each
/// batch once.
fn assert_server_has_scan(server: &TestServer, db: &Path) {
    let store = SqliteStore::open(db).unwrap();
    let scan = store.scans().unwrap().last().unwrap().id;
    let got = server.snapshot();
    assert!(got.stores.values().all(|&n| n == 1), "{:?}", got.stores);
    let mut batches: Vec<_> = got.stored.values().collect();
    batches.sort_by_key(|b| {
        let part = b.id.as_str().rsplit('-').next().unwrap_or("0");
        part.parse::<u32>().unwrap()
    });
    let observations: Vec<_> = batches
        .iter()
        .flat_map(|b| b.observations.clone())
        .collect();
    let devices: Vec<_> = batches.iter().flat_map(|b| b.devices.clone()).collect();
    assert_eq!(observations, store.observations(scan).unwrap());
    assert_eq!(devices, store.devices(scan).unwrap());
    assert!(!devices.is_empty());
    assert!(batches.iter().all(|b| b.site.as_str() == "town-hall"));
    assert!(batches.last().unwrap().scan.finished_at.is_some());
}

#[test]
fn an_import_pushed_through_a_503_and_a_reset_arrives_once() {
    let dir = temp_dir("through");
    let server = TestServer::start(Options::default());
    server.fail_next(&[Fault::Unavailable, Fault::Reset]);
    let token = token_file(&dir);
    let out = camaudit(
        &dir,
        &[
            "import",
            fixture().to_str().unwrap(),
            "--db",
            "sensor.db",
            "--push",
            &server.url(),
            "--site",
            "town-hall",
            "--token-file",
            token.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("trying again in"), "{err}");
    assert!(err.contains("0 refused, 0 left in the spool"), "{err}");
    assert_server_has_scan(&server, &dir.join("sensor.db"));
    assert_eq!(server.snapshot().faults_left, 0);
}

#[test]
fn a_scan_made_while_the_server_is_down_waits_in_the_spool_for_camaudit_push() {
    let dir = temp_dir("down");
    let token = token_file(&dir);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
    };
    let out = camaudit(
        &dir,
        &[
            "import",
            fixture().to_str().unwrap(),
            "--db",
            "sensor.db",
            "--push",
            &closed,
            "--site",
            "town-hall",
            "--token-file",
            token.to_str().unwrap(),
            "--push-timeout",
            "1",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(75), "{err}");
    assert!(
        err.contains("Send them later with: camaudit push --to http://127.0.0.1:"),
        "{err}"
    );
    assert!(
        !out.stdout.is_empty(),
        "the devices are printed all the same"
    );

    let server = TestServer::start(Options::default());
    let out = camaudit(
        &dir,
        &[
            "push",
            "--to",
            &server.url(),
            "--db",
            "sensor.db",
            "--token-file",
            token.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_server_has_scan(&server, &dir.join("sensor.db"));

    // Nothing is left: a second push sends nothing.
    let posts = server.snapshot().posts.len();
    let out = camaudit(
        &dir,
        &[
            "push",
            "--to",
            &server.url(),
            "--db",
            "sensor.db",
            "--token-file",
            token.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.snapshot().posts.len(), posts);
}

#[test]
fn the_token_comes_from_the_environment_too() {
    let dir = temp_dir("env");
    let server = TestServer::start(Options::default());
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(&dir)
        .args([
            "import",
            fixture().to_str().unwrap(),
            "--db",
            "sensor.db",
            "--push",
            &server.url(),
            "--site",
            "town-hall",
            "-q",
        ])
        .env("CAMAUDIT_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_server_has_scan(&server, &dir.join("sensor.db"));
}

#[test]
fn a_missing_token_is_caught_before_anything_is_recorded() {
    let dir = temp_dir("no-token");
    let out = camaudit(
        &dir,
        &[
            "import",
            fixture().to_str().unwrap(),
            "--db",
            "sensor.db",
            "--push",
            "http://127.0.0.1:9",
            "--site",
            "town-hall",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("no token: give --token-file FILE"), "{err}");
    assert!(!dir.join("sensor.db").exists(), "nothing was recorded");

    let out = camaudit(
        &dir,
        &[
            "import",
            fixture().to_str().unwrap(),
            "--push",
            "http://127.0.0.1:9",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "clap: --push needs --site");
    assert!(stderr(&out).contains("--site <SLUG>"), "{}", stderr(&out));
}

#[cfg(feature = "sim")]
#[test]
fn a_scan_of_the_simulator_from_core_is_pushed_with_its_vantage() {
    use camaudit_pipeline::demo::DemoConfig;
    use camaudit_sim::{Background, SimConfig};

    let dir = temp_dir("sim");
    let token = token_file(&dir);
    let config = DemoConfig {
        devices: 12,
        ..DemoConfig::default()
    };
    let range = config.choose_estate().expect("a free loopback range");
    let sim = Background::start(
        SimConfig {
            devices: 12,
            base: range.base,
            seed: 5,
            ready_file: Some(dir.join("ready")),
            port_offset: range.port_offset,
            quiet: true,
            ..SimConfig::default()
        },
        std::time::Duration::from_secs(60),
    )
    .expect("the simulator serves");
    let server = TestServer::start(Options::default());
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
            "--quiet",
            "--push",
            &server.url(),
            "--site",
            "town-hall",
            "--token-file",
            token.to_str().unwrap(),
        ],
    );
    drop(sim);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_server_has_scan(&server, &dir.join("sensor.db"));
    let got = server.snapshot();
    let batch = got.stored.values().next().unwrap();
    assert_eq!(batch.scan.kind, camaudit_store::ScanKind::Scan);
    assert_eq!(batch.scan.params["vantage"]["zone"], "core");
    let devices: usize = got.stored.values().map(|b| b.devices.len()).sum();
    assert!(devices >= 10, "the simulator's devices arrive ({devices})");
}
