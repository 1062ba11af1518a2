//! From capture to devices through the identify engine: a device keeps its
//! identity across a DHCP address change, a DHIP reply's own MAC wins over
//! the router's frame address, and a camera calling its maker's cloud gets
//! the endpoint flagged.

mod support;

use camaudit_identify::Engine;
use camaudit_model::{Direction, PeerScope};
use camaudit_passive::attach_endpoints;
use support::*;

const REALM_REPLY: &[u8] = b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"Login to 4H01D66PAJ2FA64\", nonce=\"abc\"\r\n\r\n";
const OPTIONS: &[u8] = b"OPTIONS rtsp://10.0.0.20:554/ RTSP/1.0\r\nCSeq: 1\r\n\r\n";

#[test]
fn a_camera_renumbered_by_dhcp_stays_one_device() {
    let mut frames = vec![dhcp_request(
        CAM_MAC,
        &[(53, &[3]), (12, b"cam-lobby"), (60, b"udhcp 1.19.4")],
    )];
    frames.extend(chatter(CAM_MAC, [10, 0, 0, 10], 20));
    frames.extend(chatter(CAM_MAC, [10, 0, 0, 20], 20));
    frames.extend(conversation(
        [10, 0, 0, 2],
        [10, 0, 0, 20],
        554,
        OPTIONS,
        REALM_REPLY,
        1400,
    ));
    let c = read(pcap(LE_MICRO, 1, 0, &frames)).unwrap();
    let devices = Engine::builtin().unwrap().identify(c.observations.iter());
    let cams: Vec<_> = devices
        .iter()
        .filter(|d| d.mac.is_some_and(|m| m.0 == CAM_MAC))
        .collect();
    assert_eq!(cams.len(), 1, "{devices:#?}");
    let cam = cams[0];
    assert_eq!(cam.addr, Some("10.0.0.20".parse().unwrap()));
    assert_eq!(
        cam.other_addrs,
        vec!["10.0.0.10".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(cam.manufacturer.as_ref().map(|m| m.as_str()), Some("dahua"));
    assert_eq!(cam.serial.as_deref(), Some("4H01D66PAJ2FA64"));
    assert_eq!(cam.open_ports, vec![554]);
    assert!(cam.covered);
    assert!(
        cam.evidence
            .iter()
            .all(|e| e.source == camaudit_model::Source::Passive)
    );
}

#[test]
fn a_dhip_reply_names_its_own_mac_behind_a_router() {
    let json = br#"{"mac":"38:af:29:00:00:09","method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":"IPC-HDW1431T1-S4","SerialNo":"6C01E93PAG69A7D","Vendor":"Dahua"}}}"#;
    let frames = vec![udp(
        ROUTER_MAC,
        [10, 9, 0, 5],
        37810,
        [10, 0, 0, 2],
        5050,
        json,
    )];
    let c = read(pcap(LE_MICRO, 1, 0, &frames)).unwrap();
    assert!(
        values(&c, "10.9.0.5", "mac").is_empty(),
        "the router's MAC is not the device's"
    );
    let devices = Engine::builtin().unwrap().identify(c.observations.iter());
    let d = devices
        .iter()
        .find(|d| d.addr == Some("10.9.0.5".parse().unwrap()))
        .unwrap();
    assert_eq!(
        d.mac.map(|m| m.to_string()).as_deref(),
        Some("38:af:29:00:00:09")
    );
    assert_eq!(d.model.as_deref(), Some("IPC-HDW1431T1-S4"));
}

#[test]
fn a_camera_calling_its_makers_p2p_service_is_flagged() {
    let cam = [10, 0, 0, 5];
    let cloud = [47, 91, 2, 3];
    let p2p = b"DHGET /probe/p2psrv HTTP/1.1\r\nCSeq: 1\r\n\r\n";
    let frames = vec![
        udp(
            CAM_MAC,
            cam,
            40001,
            [10, 0, 0, 1],
            53,
            &dns("www.easy4ipcloud.com", None),
        ),
        udp(
            ROUTER_MAC,
            [10, 0, 0, 1],
            53,
            cam,
            40001,
            &dns("www.easy4ipcloud.com", Some(cloud)),
        ),
        udp(CAM_MAC, cam, 40002, cloud, 8800, p2p),
        udp(
            ROUTER_MAC,
            cloud,
            8800,
            cam,
            40002,
            b"HTTP/1.1 200 OK\r\nCSeq: 1\r\n\r\n",
        ),
    ];
    let c = read(pcap(LE_MICRO, 1, 1_700_000_000, &frames)).unwrap();
    assert_eq!(
        values(&c, "10.0.0.5", "dns.query"),
        ["www.easy4ipcloud.com"]
    );
    let engine = Engine::builtin().unwrap();
    let mut devices = engine.identify(c.observations.iter());
    attach_endpoints(&mut devices, &c.endpoints, |_| None);
    let d = devices
        .iter()
        .find(|d| d.addr == Some("10.0.0.5".parse().unwrap()))
        .unwrap();
    let e = d
        .endpoints
        .iter()
        .find(|e| e.addr.to_string() == "47.91.2.3")
        .unwrap();
    assert_eq!(
        (e.port, e.direction, e.scope),
        (8800, Direction::Outbound, PeerScope::External)
    );
    assert_eq!(e.name.as_deref(), Some("www.easy4ipcloud.com"));
    assert_eq!(e.first_seen, "2023-11-14T22:13:22Z");
    assert_eq!((e.bytes_out > 0, e.bytes_in > 0), (true, true));
    let s = e.service.as_ref().expect("flagged as the maker's service");
    assert_eq!(s.vendor.as_str(), "dahua");
    assert_eq!(s.matched, "wire:dahua-p2p");
    assert!(d.calls_home());
    // the cloud server is an endpoint, not a device
    assert!(
        devices
            .iter()
            .all(|d| d.addr != Some("47.91.2.3".parse().unwrap()))
    );
}

/// A DNS message with its TCP length prefix.
fn over_tcp(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        out.extend_from_slice(&(m.len() as u16).to_be_bytes());
        out.extend_from_slice(m);
    }
    out
}

/// The name the endpoints list gives the camera's cloud peer when the
/// look-up went over `dns_frames`.
fn cloud_name(dns_frames: Vec<Vec<u8>>) -> Option<String> {
    let (cam, cloud) = ([10, 0, 0, 5], [47, 91, 2, 3]);
    let mut frames = dns_frames;
    frames.push(udp(CLIENT_MAC, cam, 40002, cloud, 8800, b"opaque call"));
    frames.push(udp(ROUTER_MAC, cloud, 8800, cam, 40002, b"opaque reply"));
    let c = read(pcap(LE_MICRO, 1, 1_700_000_000, &frames)).unwrap();
    assert!(c.summary.malformed_messages.is_empty(), "{:?}", c.summary);
    let list = c.endpoints.get(&"10.0.0.5".parse().unwrap())?;
    let e = list.iter().find(|e| e.addr.to_string() == "47.91.2.3")?;
    e.name.clone()
}

#[test]
fn a_lookup_over_tcp_names_the_endpoint_as_one_over_udp_does() {
    let (cam, resolver, cloud) = ([10, 0, 0, 5], [10, 0, 0, 1], [47, 91, 2, 3]);
    let host = "www.easy4ipcloud.com";
    let by_udp = cloud_name(vec![
        udp(CLIENT_MAC, cam, 40001, resolver, 53, &dns(host, None)),
        udp(
            ROUTER_MAC,
            resolver,
            53,
            cam,
            40001,
            &dns(host, Some(cloud)),
        ),
    ]);
    assert_eq!(by_udp.as_deref(), Some(host));
    // Two look-ups on one connection (an unrelated one first), every
    // message cut across 7-byte segments.
    let queries = over_tcp(&[dns("time.example.org", None), dns(host, None)]);
    let answers = over_tcp(&[
        dns("time.example.org", Some([192, 0, 2, 7])),
        dns(host, Some(cloud)),
    ]);
    let by_tcp = cloud_name(conversation(cam, resolver, 53, &queries, &answers, 7));
    assert_eq!(by_tcp, by_udp);
}

#[test]
fn a_p2p_network_relay_is_flagged_without_naming_a_maker() {
    let (cam, relay) = ([10, 0, 0, 7], [203, 0, 113, 9]);
    // MSG_HELLO to a PPPP server and its MSG_HELLO_ACK (the device's WAN
    // address), as CS2 Network's protocol frames them.
    let hello_ack = [
        0xf1, 0x01, 0x00, 0x10, 0x00, 0x02, 0x9c, 0x40, 198, 51, 100, 4, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let frames = vec![
        udp(CLIENT_MAC, cam, 40100, relay, 32100, &[0xf1, 0, 0, 0]),
        udp(ROUTER_MAC, relay, 32100, cam, 40100, &hello_ack),
    ];
    let c = read(pcap(LE_MICRO, 1, 1_700_000_000, &frames)).unwrap();
    let engine = Engine::builtin().unwrap();
    let mut devices = engine.identify(c.observations.iter());
    attach_endpoints(&mut devices, &c.endpoints, |_| None);
    let d = devices
        .iter()
        .find(|d| d.addr == Some("10.0.0.7".parse().unwrap()))
        .unwrap();
    let e = &d.endpoints[0];
    assert_eq!((e.port, e.direction), (32100, Direction::Outbound));
    let s = e.service.as_ref().expect("flagged as a P2P relay");
    assert_eq!(
        (s.vendor.as_str(), s.matched.as_str()),
        ("cs2-network", "wire:cs2-pppp")
    );
    assert!(s.service.starts_with("P2P relay service (CS2 Network PPPP"));
    assert!(d.calls_home());
    // the network is no evidence of who made the device
    assert_eq!(d.manufacturer, None);
    assert!(!d.covered);
}
