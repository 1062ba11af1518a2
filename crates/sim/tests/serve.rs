//! The truth file matches what is served, and curl gets the answers real
//! devices give.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use camaudit_model::TruthRole;
use common::{ip, run, slug, text};

const PROBED_PORTS: [u16; 9] = [80, 443, 554, 631, 8000, 9100, 34567, 37777, 8080];

fn connects(addr: &str, port: u16) -> bool {
    let sa: SocketAddr = format!("{addr}:{port}").parse().expect("addr");
    TcpStream::connect_timeout(&sa, Duration::from_secs(3)).is_ok()
}

#[test]
fn open_ports_are_exactly_those_in_the_truth_file() {
    let est = common::start(40, 7, 0.0);
    assert_eq!(est.truth.len(), 40);
    assert_eq!(est.truth, camaudit_sim::plan(&est.config).expect("plan"));
    for t in &est.truth {
        for p in PROBED_PORTS {
            assert_eq!(
                connects(&ip(t), p),
                t.open_ports.contains(&p),
                "{} port {p} ({:?})",
                t.addr,
                t.role
            );
        }
        if t.role == TruthRole::Empty {
            assert!(t.open_ports.is_empty() && t.mac.is_none());
        }
    }
}

#[test]
fn refuses_addresses_outside_loopback() {
    let cfg = camaudit_sim::SimConfig {
        base: "10.77.0.0/24".parse().expect("cidr"),
        devices: 2,
        ..Default::default()
    };
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let err = rt
        .block_on(camaudit_sim::run(cfg, async {}))
        .expect_err("must refuse");
    assert!(err.to_string().contains("outside 127.0.0.0/8"), "{err}");
}

fn curl(args: &[&str]) -> Option<String> {
    let mut a = vec!["-s", "-S", "--max-time", "10"];
    a.extend_from_slice(args);
    run("curl", &a).map(|o| text(&o))
}

#[test]
fn hikvision_and_rebrands_answer_as_hikvision_firmware() {
    let est = common::start(40, 7, 0.0);
    let full = est.full();
    for t in est
        .truth
        .iter()
        .filter(|t| slug(&t.manufacturer) == "hikvision")
    {
        let a = ip(t);
        let dev = full
            .devices
            .iter()
            .find(|d| d.addr.to_string() == a)
            .expect("device");
        let Some(root) = curl(&["-i", &format!("http://{a}/")]) else {
            return;
        };
        let server = match dev.profile.key {
            "hikvision-camera-legacy" => "Server: Hikvision-Webs",
            "hikvision-nvr" => "Server: DNVRS-Webs",
            _ => "Server: App-webs/",
        };
        assert!(root.contains(server), "{a}: {root}");
        assert!(root.contains("/doc/page/login.asp"), "{root}");
        let login = curl(&[&format!("http://{a}/doc/page/login.asp")]).unwrap_or_default();
        let label = slug(&t.label_vendor);
        if label == "hikvision" {
            assert!(login.contains("Hikvision Digital Technology"), "{login}");
        } else {
            // A rebrand: the OEM's title and logo, no Hikvision name on the
            // page, Hikvision's web application underneath.
            assert!(!login.to_lowercase().contains("hikvision"), "{login}");
            assert!(
                login.contains("g_szCacheTime") && login.contains("<title>"),
                "{login}"
            );
        }
        // ISAPI: 401 without credentials, DeviceInfo with them.
        let unauth =
            curl(&["-i", &format!("http://{a}/ISAPI/System/deviceInfo")]).unwrap_or_default();
        assert!(unauth.starts_with("HTTP/1.1 401"), "{unauth}");
        assert!(unauth.contains("WWW-Authenticate:"), "{unauth}");
        let info = curl(&[
            "--anyauth",
            "-u",
            "admin:camaudit-sim",
            &format!("http://{a}/ISAPI/System/deviceInfo"),
        ])
        .unwrap_or_default();
        let model = t.model.as_deref().unwrap_or("");
        assert!(info.contains(&format!("<model>{model}</model>")), "{info}");
        let mac = t.mac.map(|m| m.to_string()).unwrap_or_default();
        assert!(
            info.contains(&format!("<macAddress>{mac}</macAddress>")),
            "{info}"
        );
        let fw = t.firmware.as_deref().unwrap_or("");
        let version = fw.split(' ').next().unwrap_or("");
        assert!(
            info.contains(&format!("<firmwareVersion>{version}</firmwareVersion>")),
            "{info}"
        );
        let wrong = curl(&[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--anyauth",
            "-u",
            "admin:nope",
            &format!("http://{a}/ISAPI/System/deviceInfo"),
        ])
        .unwrap_or_default();
        assert_eq!(wrong.trim(), "401");
        // HTTPS with the device's self-signed certificate.
        let tls =
            curl(&["-k", "-v", "-o", "/dev/null", &format!("https://{a}/")]).unwrap_or_default();
        assert!(tls.contains("subject:"), "{tls}");
        if label == "hikvision" {
            assert!(tls.contains("HIKVISION"), "{tls}");
        }
        // The exploit vector is never served.
        let put = curl(&[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PUT",
            "--data",
            "x",
            &format!("http://{a}/SDK/webLanguage"),
        ])
        .unwrap_or_default();
        assert_eq!(put.trim(), "405");
    }
}

#[test]
fn dahua_uniview_axis_and_decoys_over_curl() {
    let est = common::start(40, 7, 0.0);
    for t in &est.truth {
        let a = ip(t);
        let label = slug(&t.label_vendor);
        match slug(&t.manufacturer) {
            "dahua" => {
                let login = curl(&["-X", "POST", "--data", r#"{"method":"global.login","params":{"userName":"admin","password":"","clientType":"Web3.0"},"id":10000}"#, &format!("http://{a}/RPC2_Login")]).unwrap_or_default();
                let v: serde_json::Value = serde_json::from_str(&login).expect("RPC2_Login JSON");
                let realm = v["params"]["realm"].as_str().unwrap_or("");
                assert!(realm.starts_with("Login to "), "{login}");
                assert_eq!(v["id"], 10000);
                let sys = curl(&[
                    "--digest",
                    "-u",
                    "admin:camaudit-sim",
                    &format!("http://{a}/cgi-bin/magicBox.cgi?action=getSystemInfo"),
                ])
                .unwrap_or_default();
                assert!(
                    sys.contains("serialNumber=") && sys.contains("updateSerial="),
                    "{sys}"
                );
                let unauth = curl(&[
                    "-i",
                    &format!("http://{a}/cgi-bin/magicBox.cgi?action=getSystemInfo"),
                ])
                .unwrap_or_default();
                assert!(
                    unauth.contains("401") && unauth.contains(&format!("realm=\"{realm}\"")),
                    "{unauth}"
                );
                let root = curl(&["-i", &format!("http://{a}/")]).unwrap_or_default();
                if label == "dahua" {
                    assert!(root.contains("<title>WEB SERVICE</title>"), "{root}");
                }
            }
            "uniview" => {
                let info = curl(&[
                    "--digest",
                    "-u",
                    "admin:camaudit-sim",
                    &format!("http://{a}/LAPI/V1.0/System/DeviceBasicInfo"),
                ])
                .unwrap_or_default();
                let v: serde_json::Value = serde_json::from_str(&info).expect("LAPI JSON");
                assert_eq!(v["Response"]["Data"]["Manufacturer"], "UNIVIEW");
                assert_eq!(
                    v["Response"]["Data"]["DeviceModel"],
                    t.model.clone().unwrap_or_default()
                );
            }
            "axis" => {
                let info = curl(&[
                    "-X",
                    "POST",
                    "-H",
                    "Content-Type: application/json",
                    "--data",
                    r#"{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}"#,
                    &format!("http://{a}/axis-cgi/basicdeviceinfo.cgi"),
                ])
                .unwrap_or_default();
                let v: serde_json::Value = serde_json::from_str(&info).expect("VAPIX JSON");
                assert_eq!(v["data"]["propertyList"]["Brand"], "AXIS");
                let full = curl(&[
                    "-i",
                    "-X",
                    "POST",
                    "--data",
                    r#"{"apiVersion":"1.0","method":"getAllProperties"}"#,
                    &format!("http://{a}/axis-cgi/basicdeviceinfo.cgi"),
                ])
                .unwrap_or_default();
                assert!(
                    full.contains("401 Unauthorized") && full.contains("realm=\"AXIS_"),
                    "{full}"
                );
                let tls = curl(&["-k", "-v", "-o", "/dev/null", &format!("https://{a}/")])
                    .unwrap_or_default();
                assert!(tls.contains("Axis Communications AB"), "{tls}");
            }
            "xiongmai" => {
                let root = curl(&["-i", &format!("http://{a}/")]).unwrap_or_default();
                assert!(
                    root.contains("uc-httpd") && root.contains("NETSurveillance WEB"),
                    "{root}"
                );
            }
            _ => {}
        }
        if t.role == TruthRole::Decoy && t.open_ports.contains(&80) {
            let root = curl(&["-i", &format!("http://{a}/")]).unwrap_or_default();
            assert!(root.starts_with("HTTP/1.1 200"), "{root}");
            let low = root.to_lowercase();
            for maker in ["hikvision", "dahua", "onvif", "rtsp"] {
                assert!(!low.contains(maker), "decoy {a} mentions {maker}");
            }
        }
    }
}

#[test]
fn serves_until_stopped_then_closes_every_socket() {
    let est = common::start(20, 3, 0.0);
    let t = est.find(|t| t.open_ports.contains(&80)).clone();
    assert!(connects(&ip(&t), 80));
    drop(est);
    assert!(!connects(&ip(&t), 80), "listener survived shutdown");
}

#[test]
fn http_keeps_to_one_request_and_bounds_the_head() {
    let est = common::start(20, 3, 0.0);
    let t = est.find(|t| t.open_ports.contains(&80));
    let mut s = TcpStream::connect(format!("{}:80", ip(t))).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    // A head larger than any device accepts: the device answers 400 and closes.
    let big = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(40_000));
    let _ = s.write_all(big.as_bytes());
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(String::from_utf8_lossy(&out).starts_with("HTTP/1.1 400"));
}
