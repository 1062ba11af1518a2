//! Independent clients against the emulated devices: curl and ffprobe for
//! RTSP, the python `onvif-zeep` library for ONVIF, and hand-built discovery
//! probes (python sockets, not this crate's code) for SADP, WS-Discovery
//! and DHIP.

mod common;

use common::{ip, python_has, run, slug, text};

#[test]
fn rtsp_options_and_describe_with_curl_and_ffprobe() {
    let est = common::start(30, 11, 0.0);
    for t in est.truth.iter().filter(|t| t.open_ports.contains(&554)) {
        let a = ip(t);
        let Some(o) = run(
            "curl",
            &[
                "-s",
                "-i",
                "--max-time",
                "10",
                "-X",
                "OPTIONS",
                &format!("rtsp://{a}/"),
            ],
        ) else {
            return;
        };
        let out = text(&o);
        assert!(out.starts_with("RTSP/1.0 "), "{a}: {out}");
        let maker = slug(&t.manufacturer);
        if maker == "dahua" {
            assert!(
                out.contains("Server: Dahua Rtsp Server")
                    || out.contains("Server: Rtsp Server/3.0")
                    || out.contains("Login to "),
                "{out}"
            );
        }
        // ffprobe: DESCRIBE is challenged with the vendor's realm; with the
        // right credentials it gets the SDP (the session itself is refused:
        // the simulator serves no video).
        let url = format!("rtsp://{a}:554/Streaming/Channels/101");
        let Some(bad) = run(
            "ffprobe",
            &[
                "-hide_banner",
                "-loglevel",
                "debug",
                "-rw_timeout",
                "10000000",
                &url,
            ],
        ) else {
            continue;
        };
        let bad = text(&bad);
        assert!(
            bad.contains("401 Unauthorized") || bad.contains("401"),
            "{a}: {bad}"
        );
        let authed = format!("rtsp://admin:camaudit-sim@{a}:554/Streaming/Channels/101");
        let good = run(
            "ffprobe",
            &[
                "-hide_banner",
                "-loglevel",
                "debug",
                "-rw_timeout",
                "10000000",
                &authed,
            ],
        )
        .map(|o| text(&o))
        .unwrap_or_default();
        assert!(
            good.contains("a=rtpmap:96 H264/90000") || good.contains("SDP:"),
            "{a} ({maker}): {good}"
        );
        assert!(
            good.contains("454") || good.contains("SETUP"),
            "{a}: {good}"
        );
    }
}

const ONVIF_SCRIPT: &str = r#"
import sys
from onvif import ONVIFCamera
host, user, pw = sys.argv[1], sys.argv[2], sys.argv[3]
cam = ONVIFCamera(host, 80, user, pw)
dt = cam.devicemgmt.GetSystemDateAndTime()
print("DATE", dt.UTCDateTime.Date.Year)
try:
    info = cam.devicemgmt.GetDeviceInformation()
    print("MANUFACTURER", info.Manufacturer)
    print("MODEL", info.Model)
    print("FIRMWARE", info.FirmwareVersion)
except Exception as e:
    print("DENIED", e)
"#;

#[test]
fn onvif_zeep_reads_device_information_only_with_credentials() {
    if !python_has("onvif") {
        common::skip(
            "python3 module `onvif` (pip onvif-zeep) is not installed (see docs/sim.md, CI needs)",
        );
        return;
    }
    let est = common::start(30, 11, 0.0);
    let mut checked = 0;
    for t in est
        .truth
        .iter()
        .filter(|t| t.role == camaudit_model::TruthRole::Surveillance && t.open_ports.contains(&80))
    {
        let a = ip(t);
        let good = run(
            "python3",
            &["-c", ONVIF_SCRIPT, &a, "admin", "camaudit-sim"],
        )
        .map(|o| text(&o))
        .unwrap_or_default();
        assert!(good.contains("DATE 20"), "{a}: {good}");
        let model = t.model.clone().unwrap_or_default();
        assert!(good.contains(&format!("MODEL {model}")), "{a}: {good}");
        assert!(
            good.contains(&format!(
                "FIRMWARE {}",
                t.firmware.clone().unwrap_or_default()
            )),
            "{a}: {good}"
        );
        let bad = run("python3", &["-c", ONVIF_SCRIPT, &a, "admin", "wrong"])
            .map(|o| text(&o))
            .unwrap_or_default();
        // GetSystemDateAndTime is pre-authentication; GetDeviceInformation is not.
        assert!(
            bad.contains("DATE 20")
                && bad.contains("DENIED")
                && bad.contains("Sender not Authorized"),
            "{a}: {bad}"
        );
        checked += 1;
    }
    assert!(checked >= 5);
}

const DISCOVERY_SCRIPT: &str = r#"
import socket, struct, sys, json, uuid
host, kind = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
if kind == "sadp":
    probe = ('<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>%s</Uuid><Types>inquiry</Types></Probe>' % str(uuid.uuid4()).upper()).encode()
    port = 37020
elif kind == "wsd":
    mid = "urn:uuid:" + str(uuid.uuid4())
    probe = ('<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><e:Header><w:MessageID>%s</w:MessageID><w:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To><w:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header><e:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></e:Body></e:Envelope>' % mid).encode()
    port = 3702
else:
    body = b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n'
    probe = struct.pack(">Q", 0x2000000044484950) + b"\0" * 8 + struct.pack("<IIII", len(body), 0, len(body), 0) + body
    port = 37810
s.sendto(probe, (host, port))
data, src = s.recvfrom(65535)
print("FROM", src[0], src[1])
if kind == "dhip":
    print(json.dumps(json.loads(data[32:].decode())))
else:
    import xml.dom.minidom
    doc = xml.dom.minidom.parseString(data)
    print(data.decode())
"#;

#[test]
fn discovery_protocols_announce_the_mac_from_the_device_address() {
    let est = common::start(30, 11, 0.0);
    let full = est.full();
    let mut seen = [0; 3];
    for d in &full.devices {
        let a = d.addr.to_string();
        let mac = d.mac.map(|m| m.to_string()).unwrap_or_default();
        for (i, kind) in ["sadp", "wsd", "dhip"].iter().enumerate() {
            let proto = match *kind {
                "sadp" => camaudit_sim::Udp::Sadp,
                "wsd" => camaudit_sim::Udp::WsDiscovery,
                _ => camaudit_sim::Udp::Dhip,
            };
            if !d.profile.udp.contains(&proto) {
                continue;
            }
            let Some(o) = run("python3", &["-c", DISCOVERY_SCRIPT, &a, kind]) else {
                return;
            };
            let out = text(&o);
            assert!(
                out.contains(&format!("FROM {a} {}", proto.port())),
                "{a} {kind}: {out}"
            );
            match *kind {
                "sadp" => {
                    assert!(
                        out.contains(&format!("<MAC>{}</MAC>", mac.replace(':', "-"))),
                        "{out}"
                    );
                    assert!(
                        out.contains(&format!(
                            "<DeviceDescription>{}</DeviceDescription>",
                            d.model
                        )),
                        "{out}"
                    );
                    assert!(out.contains("<CommandPort>8000</CommandPort>"), "{out}");
                }
                "wsd" => {
                    assert!(
                        out.contains(&format!("onvif://www.onvif.org/MAC/{mac}")),
                        "{out}"
                    );
                    assert!(
                        out.contains(&mac.replace(':', "")),
                        "EndpointReference ends in the MAC: {out}"
                    );
                    assert!(out.contains("ProbeMatches"), "{out}");
                }
                _ => {
                    assert!(out.contains(&format!("\"mac\": \"{mac}\"")), "{out}");
                    assert!(
                        out.contains("client.notifyDevInfo") && out.contains(&d.serial),
                        "{out}"
                    );
                }
            }
            seen[i] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
}
