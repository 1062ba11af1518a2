//! Every input form gives the same evidence: pcap in both byte orders and
//! both precisions, pcapng with several interfaces and link types, gzip;
//! Ethernet, 802.1Q and QinQ, Linux cooked v1 and v2, raw IP.

mod support;

use std::io::Write;

use support::*;

const NOTIFY: &[u8] = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux,    UPnP/1.0 DCS-935L/1.0\r\nLOCATION: http://10.0.0.5:80/upnp.xml\r\n\r\n";
const T0: u32 = 1_655_222_400; // 2022-06-14T16:00:00Z

fn notify() -> Vec<u8> {
    udp(
        CAM_MAC,
        [10, 0, 0, 5],
        1900,
        [239, 255, 255, 250],
        1900,
        NOTIFY,
    )
}

fn assert_notify_seen(c: &camaudit_passive::Capture, when: &str) {
    assert_eq!(
        values(c, "10.0.0.5", "ssdp.server"),
        ["Linux,    UPnP/1.0 DCS-935L/1.0"]
    );
    let o = c
        .observations
        .iter()
        .find(|o| o.field.as_str() == "ssdp.server")
        .unwrap();
    assert_eq!(o.source, camaudit_model::Source::Passive);
    assert_eq!(o.port, None, "a UDP announcement names no open TCP port");
    assert_eq!(o.seen_at.as_deref(), Some(when));
}

#[test]
fn pcap_in_both_byte_orders_and_precisions() {
    for big_endian in [false, true] {
        for nanos in [false, true] {
            let c = read(pcap(PcapKind { big_endian, nanos }, 1, T0, &[notify()])).unwrap();
            assert_eq!(c.summary.packets, 1);
            assert_notify_seen(&c, "2022-06-14T16:00:00Z");
            assert_eq!(values(&c, "10.0.0.5", "mac"), ["38:af:29:00:00:01"]);
        }
    }
}

fn strip_ethernet(f: &[u8]) -> Vec<u8> {
    f[14..].to_vec()
}

fn sll(f: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0, 1, 0, 6];
    out.extend_from_slice(&f[6..12]);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&f[12..14]);
    out.extend_from_slice(&f[14..]);
    out
}

fn sll2(f: &[u8]) -> Vec<u8> {
    let mut out = f[12..14].to_vec();
    out.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6]);
    out.extend_from_slice(&f[6..12]);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&f[14..]);
    out
}

fn vlan(f: &[u8], tags: &[[u8; 4]]) -> Vec<u8> {
    let mut out = f[..12].to_vec();
    for t in tags {
        out.extend_from_slice(t);
    }
    out.extend_from_slice(&f[12..]);
    out
}

#[test]
fn every_link_type_gives_the_same_announcement() {
    let f = notify();
    let cases: Vec<(&str, u32, Vec<u8>, bool)> = vec![
        ("ethernet", 1, f.clone(), true),
        ("802.1q", 1, vlan(&f, &[[0x81, 0, 0, 10]]), true),
        (
            "qinq",
            1,
            vlan(&f, &[[0x88, 0xa8, 0, 20], [0x81, 0, 0, 10]]),
            true,
        ),
        ("linux sll", 113, sll(&f), true),
        ("linux sll2", 276, sll2(&f), true),
        ("raw ip", 101, strip_ethernet(&f), false),
        ("ipv4 link type", 228, strip_ethernet(&f), false),
    ];
    for (what, link, frame, has_mac) in cases {
        let c = read(pcap(LE_MICRO, link, T0, &[frame])).unwrap();
        assert_eq!(values(&c, "10.0.0.5", "ssdp.server").len(), 1, "{what}");
        let macs = values(&c, "10.0.0.5", "mac");
        assert_eq!(!macs.is_empty(), has_mac, "{what}: {macs:?}");
    }
    let c = read(pcap(LE_MICRO, 147, T0, &[f])).unwrap();
    assert_eq!(c.summary.unknown_link, 1);
    assert!(c.observations.is_empty());
}

#[test]
fn pcapng_with_two_interfaces_of_different_link_types() {
    let f = notify();
    let dhip = br#"{"mac":"38:af:29:00:00:09","method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":"IPC-HDW1431T1-S4","SerialNo":"6C01E93PAG69A7D","Vendor":"Dahua"}}}"#;
    let raw = strip_ethernet(&udp(
        CAM_MAC,
        [10, 0, 0, 9],
        37810,
        [10, 0, 0, 2],
        5050,
        dhip,
    ));
    let ng = pcapng(&[1, 101], u64::from(T0), &[(0, f), (1, raw)]);
    let c = read(ng).unwrap();
    assert_eq!(c.summary.packets, 2);
    assert_notify_seen(&c, "2022-06-14T16:00:00Z");
    assert_eq!(
        values(&c, "10.0.0.9", "dhip.devicetype"),
        ["IPC-HDW1431T1-S4"]
    );
    let dhip_time = c
        .observations
        .iter()
        .find(|o| o.field.as_str() == "dhip.serialno")
        .and_then(|o| o.seen_at.clone());
    assert_eq!(
        dhip_time.as_deref(),
        Some("2022-06-14T16:00:01Z"),
        "nanosecond interface"
    );
}

#[test]
fn gzip_is_read_like_the_plain_file() {
    let plain = pcap(LE_MICRO, 1, T0, &[notify()]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    let c = read(gz.finish().unwrap()).unwrap();
    assert_notify_seen(&c, "2022-06-14T16:00:00Z");
}
