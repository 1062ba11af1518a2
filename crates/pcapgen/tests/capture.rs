//! The generator's promises, checked on the files it writes: every frame
//! parses, the same settings give the same bytes, the answer key matches
//! the simulator's plan, and each call-home flow in the key is in the file
//! with the DNS lookup before it.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use camaudit_model::TruthRole;
use camaudit_pcapgen::{Format, Settings, sim_config, write_capture};
use etherparse::{LinkSlice, NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError, create_reader};

fn capture(
    settings: &Settings,
) -> (
    camaudit_pcapgen::AnswerKey,
    camaudit_pcapgen::Summary,
    Vec<u8>,
) {
    write_capture(settings, Vec::new()).expect("the capture is written")
}

/// Every frame of a capture, in order.
fn frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut reader = create_reader(1 << 16, bytes).expect("a capture header");
    let mut out = Vec::new();
    loop {
        match reader.next() {
            Ok((used, block)) => {
                match block {
                    PcapBlockOwned::Legacy(b) => out.push(b.data.to_vec()),
                    PcapBlockOwned::NG(Block::EnhancedPacket(b)) => out.push(b.data.to_vec()),
                    _ => {}
                }
                reader.consume(used);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => reader.refill().expect("refill"),
            Err(e) => panic!("bad block after {} frames: {e:?}", out.len()),
        }
    }
    out
}

struct Frame {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    src_mac: [u8; 6],
    udp: bool,
    dport: u16,
    payload: Vec<u8>,
    vlan: bool,
}

fn parse(f: &[u8]) -> Frame {
    let p = SlicedPacket::from_ethernet(f).expect("every frame parses");
    let Some(LinkSlice::Ethernet2(eth)) = &p.link else {
        panic!("Ethernet")
    };
    let Some(NetSlice::Ipv4(ip)) = &p.net else {
        panic!("IPv4")
    };
    let (udp, dport, payload) = match &p.transport {
        Some(TransportSlice::Udp(u)) => (true, u.destination_port(), u.payload().to_vec()),
        Some(TransportSlice::Tcp(t)) => (false, t.destination_port(), t.payload().to_vec()),
        _ => panic!("TCP or UDP"),
    };
    Frame {
        src: ip.header().source_addr(),
        dst: ip.header().destination_addr(),
        src_mac: eth.source(),
        udp,
        dport,
        payload,
        vlan: p.vlan().is_some(),
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_same_settings_give_the_same_bytes_and_another_seed_others() {
    let s = Settings {
        devices: 30,
        background_bytes: 2_000_000,
        ..Settings::default()
    };
    let (_, _, a) = capture(&s);
    let (_, _, b) = capture(&s);
    assert!(a == b, "two runs differ");
    let (_, _, c) = capture(&Settings { seed: 2, ..s });
    assert!(a != c);
}

#[test]
fn the_key_is_the_simulators_plan_and_every_device_sends_from_its_own_mac() {
    let s = Settings {
        devices: 60,
        ..Settings::default()
    };
    let (key, summary, bytes) = capture(&s);
    let plan = camaudit_sim::plan(&sim_config(&s).unwrap()).unwrap();
    let expected: Vec<_> = plan
        .iter()
        .filter(|t| t.role != TruthRole::Empty)
        .cloned()
        .collect();
    assert_eq!(key.devices, expected);
    let frames: Vec<Frame> = frames(&bytes).iter().map(|f| parse(f)).collect();
    assert_eq!(frames.len() as u64, summary.packets);
    assert_eq!(
        summary.packets, summary.camera_packets,
        "no background asked for"
    );
    for t in &key.devices {
        let std::net::IpAddr::V4(addr) = t.addr else {
            panic!("IPv4 estate")
        };
        let mac = t.mac.expect("a device with traffic has a MAC").0;
        let sent: Vec<&Frame> = frames.iter().filter(|f| f.src == addr).collect();
        assert!(!sent.is_empty(), "{addr} sends nothing");
        assert!(
            sent.iter().all(|f| f.src_mac == mac),
            "{addr} sends from another MAC"
        );
        // Its DHCP request carries its MAC as the client hardware address.
        assert!(
            frames
                .iter()
                .any(|f| f.udp && f.dport == 67 && f.src_mac == mac && f.payload[28..34] == mac),
            "{addr} has no DHCP request"
        );
    }
    // The serial of every covered device is on the wire somewhere.
    let est = camaudit_sim::estate(&sim_config(&s).unwrap()).unwrap();
    for d in est.devices.iter().filter(|d| d.profile.covered()) {
        assert!(
            frames
                .iter()
                .any(|f| contains(&f.payload, d.serial.as_bytes())),
            "{}'s serial {} is nowhere",
            d.addr,
            d.serial
        );
    }
}

#[test]
fn every_call_home_flow_is_in_the_file_after_its_lookup() {
    let s = Settings {
        devices: 80,
        background_bytes: 3_000_000,
        ..Settings::default()
    };
    let (key, _, bytes) = capture(&s);
    let frames: Vec<Frame> = frames(&bytes).iter().map(|f| parse(f)).collect();
    let vendors: BTreeSet<&str> = key.call_home.iter().map(|c| c.vendor).collect();
    assert_eq!(
        vendors,
        BTreeSet::from(["dahua", "ezviz", "hikvision", "xiongmai"])
    );
    for c in &key.call_home {
        let mut name = Vec::new();
        for label in c.host.split('.') {
            name.push(label.len() as u8);
            name.extend_from_slice(label.as_bytes());
        }
        let lookup = frames
            .iter()
            .position(|f| f.src == c.device && f.dport == 53 && contains(&f.payload, &name))
            .unwrap_or_else(|| panic!("{} never looks up {}", c.device, c.host));
        let flow = frames
            .iter()
            .position(|f| {
                f.src == c.device
                    && f.dst == c.remote
                    && f.dport == c.port
                    && f.udp == (c.protocol == "udp")
            })
            .unwrap_or_else(|| panic!("{} never reaches {}:{}", c.device, c.remote, c.port));
        assert!(
            lookup < flow,
            "{} connects before it looks {} up",
            c.device,
            c.host
        );
    }
    // Trusted makers' cameras call nobody home.
    let est = camaudit_sim::estate(&sim_config(&s).unwrap()).unwrap();
    for d in est.devices.iter().filter(|d| !d.profile.covered()) {
        assert!(
            key.call_home.iter().all(|c| c.device != d.addr),
            "{} ({})",
            d.addr,
            d.profile.key
        );
    }
}

#[test]
fn background_fills_the_file_and_camera_traffic_is_spread_through_it() {
    let s = Settings {
        devices: 40,
        background_bytes: 20_000_000,
        ..Settings::default()
    };
    let (key, summary, bytes) = capture(&s);
    assert!(summary.bytes >= 20_000_000);
    assert!(
        summary.camera_bytes * 5 < summary.bytes,
        "mostly ordinary traffic"
    );
    let frames: Vec<Frame> = frames(&bytes).iter().map(|f| parse(f)).collect();
    let is_device = |ip: Ipv4Addr| key.devices.iter().any(|t| t.addr == ip);
    let first = frames.iter().position(|f| is_device(f.src)).unwrap();
    let last = frames.iter().rposition(|f| is_device(f.src)).unwrap();
    assert!(
        first < frames.len() / 10 && last > frames.len() * 8 / 10,
        "{first}..{last} of {}",
        frames.len()
    );
}

#[test]
fn pcapng_and_vlan_tags_when_asked() {
    let s = Settings {
        devices: 20,
        format: Format::PcapNg,
        vlan: Some(20),
        ..Settings::default()
    };
    let (_, summary, bytes) = capture(&s);
    assert_eq!(
        &bytes[..4],
        &[0x0a, 0x0d, 0x0d, 0x0a],
        "a pcapng section header"
    );
    let frames = frames(&bytes);
    assert_eq!(frames.len() as u64, summary.packets);
    assert!(frames.iter().all(|f| parse(f).vlan));
    assert!(
        write_capture(
            &Settings {
                vlan: Some(5000),
                ..s
            },
            Vec::new()
        )
        .is_err()
    );
}
