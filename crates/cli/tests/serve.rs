//! `camaudit serve` as a user runs it: an estate made with the admin
//! commands, the server started on 127.0.0.1 and a free port, a sensor's
//! batch pushed over HTTP, and the devices read back with a viewer token.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

fn camaudit(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "camaudit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The server, stopped (killed by its own pid) when the test ends.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(dir: &Path, db: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_camaudit"))
            .current_dir(dir)
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let stderr = child.stderr.take().unwrap();
        BufReader::new(stderr).read_line(&mut line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, addr }
    }

    /// One request over HTTP/1.1; the status and the body.
    fn call(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> (u16, String) {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let status = answer[9..12].parse().unwrap();
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_sensor_pushes_and_a_viewer_reads_over_http() {
    let dir = temp_dir("flow");
    let db = "estate.db";
    camaudit(
        &dir,
        &[
            "org", "add", "leeds", "--name", "Leeds", "--sector", "council", "--db", db,
        ],
    );
    camaudit(
        &dir,
        &[
            "site",
            "add",
            "leeds/civic-centre",
            "--name",
            "Civic Centre",
            "--db",
            db,
        ],
    );
    let sensor = camaudit(
        &dir,
        &[
            "token",
            "create",
            "--scope",
            "sensor",
            "--org",
            "leeds",
            "--site",
            "civic-centre",
            "--db",
            db,
        ],
    );
    let viewer = camaudit(
        &dir,
        &[
            "token", "create", "--scope", "viewer", "--org", "leeds", "--db", db,
        ],
    );
    assert!(
        sensor.starts_with("cam_") && viewer.starts_with("cam_"),
        "{sensor} {viewer}"
    );

    let server = Server::start(&dir, db);
    let devices: Vec<Value> = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/council-devices.jsonl"
    ))
    .unwrap()
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let batch = json!({
        "id": "host-1:1:0", "site": "civic-centre",
        "scan": {"ref": "host-1/1", "kind": "scan", "started_at": "2026-12-01T10:00:00Z",
                 "finished_at": "2026-12-01T10:01:00Z", "params": {}},
        "observations": [], "devices": devices,
    });
    let (status, body) = server.call("POST", "/api/v1/batches", &sensor, Some(&batch));
    assert_eq!(status, 201, "{body}");
    let (status, body) = server.call("POST", "/api/v1/batches", &sensor, Some(&batch));
    assert_eq!(status, 200, "a retry: {body}");

    let (status, body) = server.call("GET", "/api/v1/devices?covered=true", &viewer, None);
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    let covered = devices.iter().filter(|d| d["covered"] == true).count();
    assert_eq!(page["items"].as_array().unwrap().len(), covered);
    let (status, _) = server.call("GET", "/api/v1/devices", &sensor, None);
    assert_eq!(status, 403, "a sensor token reads nothing");
    let (status, _) = server.call("GET", "/api/v1/devices", "cam_nope", None);
    assert_eq!(status, 401);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let dir = temp_dir("busy");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(&dir)
        .args(["serve", "--db", "estate.db", "--listen", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot listen on") && err.contains("--listen"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
