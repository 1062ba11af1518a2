//! `--db postgres://…` through the binary, against a real PostgreSQL server
//! the test starts: `import`, `pcap` and `scan` record into it, and give the
//! same devices as with a SQLite file; an unreachable server is one clear
//! error that does not show the password.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use camaudit_store::{Location, ScanKind, ScanStatus};
use camaudit_testkit::postgres;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-pgcli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn camaudit(dir: &Path, args: &[&str]) -> Output {
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
    out
}

/// A one-shot web server on loopback that answers like a Hikvision camera.
fn camera_on_loopback() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { continue };
            let mut buf = [0u8; 2048];
            let _ = c.read(&mut buf);
            let _ = c.write_all(
                b"HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    port
}

#[test]
fn import_pcap_and_scan_record_into_postgres_like_into_sqlite() {
    let Some(cluster) = postgres::cluster() else {
        return;
    };
    let url = cluster.create_database("cli");
    let dir = temp_dir("same");
    let xml =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../import/tests/data/sim-seed11-7hosts.xml");
    let pcap = dir.join("site.pcap");
    let settings = camaudit_pcapgen::Settings {
        devices: 12,
        ..Default::default()
    };
    let (_, _, _) =
        camaudit_pcapgen::write_capture(&settings, std::fs::File::create(&pcap).unwrap()).unwrap();
    let port = camera_on_loopback().to_string();
    let runs: [Vec<&str>; 3] = [
        vec!["import", xml.to_str().unwrap()],
        vec!["pcap", pcap.to_str().unwrap()],
        vec!["scan", "127.0.0.1", "--ports", &port, "--quiet"],
    ];
    for run in &runs {
        let on = |db: &str| {
            let mut args = run.clone();
            args.extend(["--format", "jsonl", "--db", db]);
            String::from_utf8(camaudit(&dir, &args).stdout).unwrap()
        };
        let in_sqlite = on("s.db");
        let in_postgres = on(&url);
        assert!(!in_postgres.trim().is_empty(), "{run:?} found nothing");
        assert_eq!(in_postgres, in_sqlite, "{run:?}: the backends disagree");
    }
    let location: Location = url.parse().unwrap();
    let store = camaudit_store::open(&location).unwrap();
    let scans = store.scans().unwrap();
    let kinds: Vec<(ScanKind, ScanStatus)> = scans.iter().map(|s| (s.kind, s.status)).collect();
    assert_eq!(
        kinds,
        [
            (ScanKind::Import, ScanStatus::Complete),
            (ScanKind::Pcap, ScanStatus::Complete),
            (ScanKind::Scan, ScanStatus::Complete),
        ]
    );
    let scanned = scans[2].id;
    let found = store.devices(scanned).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let maker = found[0].manufacturer.as_ref().map(|m| m.as_str());
    assert_eq!(maker, Some("hikvision"));
    assert_eq!(store.done_chunks(scanned).unwrap().len(), 1);
    assert!(store.observation_count(scans[1].id).unwrap() > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unreachable_server_is_one_clear_error_without_the_password() {
    let dir = temp_dir("down");
    // The file is opened first; give it one so the store is what fails.
    // Port 1 on loopback: nothing listens there.
    std::fs::write(dir.join("empty.xml"), "<nmaprun></nmaprun>").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(&dir)
        .args([
            "import",
            "empty.xml",
            "--db",
            "postgres://audit:hunter2@127.0.0.1:1/estate",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(
        stderr.contains("cannot open the PostgreSQL store postgres://audit:***@127.0.0.1:1/estate"),
        "{stderr}"
    );
    assert!(stderr.contains("is the server running"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
