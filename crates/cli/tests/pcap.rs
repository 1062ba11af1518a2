//! `camaudit pcap` through the binary: a capture (from a file and from
//! standard input) becomes devices in the store, recorded as a `pcap`
//! scan, with endpoints in the JSON; a file that is not a capture gives one
//! error and leaves nothing behind.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use camaudit_store::{ScanKind, ScanStatus, SqliteStore, Store};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("camaudit-pcap-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn camaudit(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// A raw-IP UDP datagram.
fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
    let total = (28 + payload.len()) as u16;
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 1, 0, 0, 64, 17, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

/// A little-endian microsecond pcap of raw-IP frames.
fn capture() -> Vec<u8> {
    let notify = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nSERVER: Linux,    UPnP/1.0 DCS-935L/1.0\r\n\r\n";
    let frames = [
        udp([10, 10, 10, 37], 1900, [239, 255, 255, 250], 1900, notify),
        udp([10, 10, 10, 37], 40000, [54, 86, 11, 193], 123, &[0x23; 48]),
    ];
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&101u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&(1_460_732_900 + i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
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
fn a_capture_becomes_devices_with_endpoints_from_a_file_or_standard_input() {
    let dir = temp_dir("ok");
    std::fs::write(dir.join("c.pcap"), capture()).unwrap();
    let from_file = camaudit(
        &dir,
        &["pcap", "c.pcap", "--format", "jsonl", "--db", "s.db"],
        None,
    );
    let from_stdin = camaudit(
        &dir,
        &["pcap", "-", "--format", "jsonl", "--db", "s.db"],
        Some(&capture()),
    );
    for out in [&from_file, &from_stdin] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            stderr.contains("2 packets") && stderr.contains("1 calling home"),
            "{stderr}"
        );
        let devices: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(devices.len(), 1, "{devices:?}");
        let d = &devices[0];
        assert_eq!(d["addr"], "10.10.10.37");
        assert_eq!(d["manufacturer"], "dlink");
        assert_eq!(d["covered"], false);
        assert_eq!(d["evidence"][0]["source"], "passive");
        let e = &d["endpoints"][0];
        assert_eq!(
            (e["addr"].as_str(), e["port"].as_u64()),
            (Some("54.86.11.193"), Some(123))
        );
        assert_eq!(
            (e["direction"].as_str(), e["scope"].as_str()),
            (Some("outbound"), Some("external"))
        );
    }
    assert_eq!(
        scans_in(&dir.join("s.db")),
        [
            (ScanKind::Pcap, ScanStatus::Complete),
            (ScanKind::Pcap, ScanStatus::Complete)
        ]
    );
    let table = camaudit(&dir, &["pcap", "c.pcap", "--db", "s.db", "-q"], None);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("DCS-935L") && text.contains("54.86.11.193"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn endpoints_go_to_a_csv_file_one_line_per_device_and_peer() {
    let dir = temp_dir("csv");
    std::fs::write(dir.join("c.pcap"), capture()).unwrap();
    let out = camaudit(
        &dir,
        &[
            "pcap",
            "c.pcap",
            "--format",
            "csv",
            "--endpoints",
            "e.csv",
            "--db",
            "s.db",
            "-q",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.join("e.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with(
            "device_addr,device_mac,device_manufacturer,device_covered,peer_addr,port,"
        )
    );
    assert!(
        lines[1]
            .starts_with("10.10.10.37,,dlink,false,54.86.11.193,123,udp,outbound,external,,true,"),
        "{csv}"
    );
    // the devices CSV on standard output is unchanged by it
    let devices = String::from_utf8_lossy(&out.stdout);
    assert!(devices.starts_with("addr,mac,"), "{devices}");
    // a file that cannot be written is one clear error
    let bad = camaudit(
        &dir,
        &[
            "pcap",
            "c.pcap",
            "--endpoints",
            "no/such/dir/e.csv",
            "--db",
            "s.db",
            "-q",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("writing the endpoints to no/such/dir/e.csv"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_that_is_not_a_capture_is_one_error_and_nothing_recorded() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("x.pcap"), b"<nmaprun>not a capture</nmaprun>").unwrap();
    let out = camaudit(&dir, &["pcap", "x.pcap", "--db", "s.db"], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("x.pcap: not a pcap or pcapng file"),
        "{stderr}"
    );
    assert!(stderr.contains("tcpdump -w"), "{stderr}");
    assert!(!dir.join("s.db").exists() || scans_in(&dir.join("s.db")).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Topsee camera's search reply, broadcast to its segment, carries its
/// admin password: the capture names the account, the plan raises
/// `credentials-sent-in-clear`, and the password is in neither.
#[test]
fn a_camera_broadcasting_its_password_is_a_finding_that_names_the_account_only() {
    let dir = temp_dir("topsee");
    let reply = br#"<?xml version="1.0" encoding="GB2312" ?><XML_TOPSEE><MESSAGE_HEADER Msg_type="SYSTEM_SEARCHIPC_MESSAGE" Msg_code="3" Msg_flag="0" /><MESSAGE_BODY><DEVICE_TYPE DeviceType="NVS-DM36X-HD" /><VERSION FileSystemVersion="V1.0.0.7 2018-10-31 14:41:20" /><UserConfig><Account Username="admin" Password="Tr0ub4dor-99" Status="Enable" /></UserConfig></MESSAGE_BODY></XML_TOPSEE>"#;
    let frame = udp([10, 20, 8, 77], 3001, [255; 4], 3001, reply);
    let mut file = capture();
    file.extend_from_slice(&1_460_733_000u32.to_le_bytes());
    file.extend_from_slice(&0u32.to_le_bytes());
    file.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    file.extend_from_slice(&(frame.len() as u32).to_le_bytes());
    file.extend_from_slice(&frame);
    std::fs::write(dir.join("c.pcap"), file).unwrap();
    let out = camaudit(
        &dir,
        &["pcap", "c.pcap", "--format", "jsonl", "--db", "s.db"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let devices = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!devices.contains("Tr0ub4dor"), "{devices}");
    std::fs::write(dir.join("devices.jsonl"), &devices).unwrap();
    let estate = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/estate.toml");
    let plan = camaudit(
        &dir,
        &[
            "plan",
            "--estate",
            estate.to_str().unwrap(),
            "--devices",
            "devices.jsonl",
            "--from",
            "2027-01-01",
            "--format",
            "jsonl",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        plan.status.success(),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    let finding: serde_json::Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|f| f["device"] == "10.20.8.77" && f["control"] == "credentials-sent-in-clear")
        .unwrap_or_else(|| panic!("no credentials finding: {text}"));
    assert_eq!(finding["severity"], "high");
    let evidence = finding["evidence"].to_string();
    assert!(
        evidence.contains("sent the password of admin in clear text"),
        "{evidence}"
    );
    assert!(!text.contains("Tr0ub4dor"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
