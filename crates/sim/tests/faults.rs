//! Each fault mode behaves as its name says. Reads are bounded by size or a
//! generous timeout; nothing here asserts how long anything takes.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use camaudit_sim::{Family, Fault};
use common::{python_has, run, text};

/// A faulty device of `fault` whose firmware serves HTTP (and ONVIF) on 80.
fn device(est: &common::Estate, fault: Fault) -> String {
    let full = est.full();
    full.devices
        .iter()
        .find(|d| {
            d.fault == Some(fault)
                && d.serves_tcp(80)
                && matches!(
                    d.family(),
                    Family::Hikvision
                        | Family::Dahua
                        | Family::Axis
                        | Family::Uniview
                        | Family::Hanwha
                        | Family::Bosch
                )
        })
        .map(|d| d.addr.to_string())
        .expect("a faulty camera of that kind")
}

fn estate() -> common::Estate {
    common::start(160, 5, 1.0)
}

fn connect(addr: &str, port: u16) -> TcpStream {
    let s = TcpStream::connect(format!("{addr}:{port}")).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("timeout");
    s
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn every_fault_is_named_in_the_truth_file() {
    let est = estate();
    for f in Fault::ALL {
        assert!(
            est.truth
                .iter()
                .any(|t| t.fault.as_deref() == Some(f.name())),
            "{}",
            f.name()
        );
    }
    assert!(
        est.truth
            .iter()
            .all(|t| t.fault.is_none() || t.role != camaudit_model::TruthRole::Empty)
    );
}

#[test]
fn tarpit_accepts_and_never_answers() {
    let est = estate();
    let mut s = connect(&device(&est, Fault::Tarpit), 80);
    s.write_all(GET).expect("write");
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Err(e) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "{e}"
        ),
        Ok(n) => panic!("tarpit answered {n} bytes"),
    }
}

#[test]
fn slow_drip_sends_one_byte_at_a_time() {
    let est = estate();
    let mut s = connect(&device(&est, Fault::SlowDrip), 80);
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(GET).expect("write");
    let mut got = Vec::new();
    for _ in 0..4 {
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).expect("read");
        assert_eq!(n, 1, "each read yields a single byte");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(&got, b"HTTP");
}

#[test]
fn endless_headers_never_end() {
    let est = estate();
    let mut s = connect(&device(&est, Fault::EndlessHeaders), 80);
    s.write_all(GET).expect("write");
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    while got.len() < 4 << 20 {
        let n = s.read(&mut buf).expect("read");
        assert!(n > 0, "closed after {} bytes", got.len());
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(
        !got.windows(4).any(|w| w == b"\r\n\r\n"),
        "the header block ended"
    );
}

#[test]
fn huge_body_declares_gigabytes_and_keeps_sending() {
    let est = estate();
    let mut s = connect(&device(&est, Fault::HugeBody), 80);
    s.write_all(GET).expect("write");
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    while got.len() < 8 << 20 {
        let n = s.read(&mut buf).expect("read");
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&got[..512]);
    let len: u64 = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("Content-Length");
    assert!(len >= 1 << 32, "{len}");
}

const SOAP_TIME: &str = r#"<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>"#;

fn onvif_body(addr: &str) -> Option<String> {
    let o = run(
        "curl",
        &[
            "-s",
            "--max-time",
            "10",
            "-H",
            "Content-Type: application/soap+xml",
            "--data",
            SOAP_TIME,
            &format!("http://{addr}/onvif/device_service"),
        ],
    )?;
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

/// Python's own XML parser on `doc`: "OK", or the error it raised.
fn python_parse(doc: &str) -> Option<String> {
    let script = "import sys, xml.dom.minidom\ntry:\n    xml.dom.minidom.parseString(sys.stdin.read()); print('OK')\nexcept Exception as e:\n    print('ERROR', type(e).__name__, e)\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(doc.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn malformed_xml_is_not_well_formed() {
    let est = estate();
    let Some(body) = onvif_body(&device(&est, Fault::MalformedXml)) else {
        return;
    };
    assert!(
        body.contains("GetSystemDateAndTimeResponse") || body.contains("env:Envelope"),
        "{body}"
    );
    if python_has("xml") {
        let verdict = python_parse(&body).unwrap_or_default();
        assert!(verdict.starts_with("ERROR"), "{verdict}");
    }
}

#[test]
fn xml_bomb_carries_nested_entities() {
    let est = estate();
    let Some(body) = onvif_body(&device(&est, Fault::XmlBomb)) else {
        return;
    };
    assert!(
        body.contains("<!DOCTYPE") && body.contains("<!ENTITY lol9"),
        "{body}"
    );
    let refs = body.matches("&lol8;").count();
    assert_eq!(refs, 10, "ten-fold expansion per level");
}

#[test]
fn rst_mid_response_resets_after_a_partial_answer() {
    let est = estate();
    let addr = device(&est, Fault::RstMidResponse);
    let Some(o) = run(
        "curl",
        &[
            "-s",
            "-S",
            "-i",
            "--max-time",
            "10",
            &format!("http://{addr}/"),
        ],
    ) else {
        return;
    };
    let out = text(&o);
    // curl: (56) Recv failure: Connection reset by peer — after some bytes.
    assert_eq!(o.status.code(), Some(56), "{out}");
    assert!(out.contains("reset"), "{out}");
    assert!(
        out.starts_with("HTTP/1.1"),
        "part of the answer arrived first: {out}"
    );
}

#[test]
fn wrong_protocol_on_the_web_port() {
    let est = estate();
    let mut s = connect(&device(&est, Fault::WrongProtocol), 80);
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).expect("read");
    assert!(
        buf[..n].starts_with(b"SSH-2.0-"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
}
