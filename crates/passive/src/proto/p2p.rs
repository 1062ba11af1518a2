//! Camera makers' P2P / cloud traffic recognised by its wire format, not
//! by DNS name (a device may reach its relay by a hard-coded address).
//! Each signature is data: its name, who runs the service, what it is,
//! how sure a match is, and where the format is documented.
//!
//! A maker's own service (Dahua's Easy4IP) is evidence of that maker's
//! platform. A P2P network sold to many makers (CS2 Network's PPPP) is
//! not: covered and trusted makers' cameras use it alike, so a match says
//! only that the device talks to that network's relays.

use std::net::IpAddr;

use crate::sink::{Sink, WireMatch};

/// Who runs the service a signature recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// A camera maker's own cloud / P2P service (a registry vendor id).
    Maker(&'static str),
    /// A P2P network licensed to many device makers (the network's
    /// company id): no evidence of who made the device.
    P2pNetwork(&'static str),
}

impl Operator {
    /// The company id the endpoint's service is filed under.
    pub fn id(self) -> &'static str {
        match self {
            Operator::Maker(id) | Operator::P2pNetwork(id) => id,
        }
    }
}

/// How far a match alone identifies the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// A short binary header: other UDP traffic could match by chance.
    Medium,
    /// A text request line or a long fixed structure.
    High,
}

/// A documented wire signature of a vendor service.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    pub name: &'static str,
    pub operator: Operator,
    pub service: &'static str,
    pub confidence: Confidence,
    /// Where the format is documented (an independent implementation or
    /// a published dissector).
    pub source: &'static str,
    /// Whether a UDP payload is this service's.
    pub matches: fn(&[u8]) -> bool,
}

/// Dahua P2P (Easy4IP): HTTP-like requests over UDP whose method is
/// `DHGET` or `DHPOST` (`DHGET /probe/p2psrv HTTP/1.1`, WSSE-signed).
fn dahua_p2p(p: &[u8]) -> bool {
    (p.starts_with(b"DHGET /") || p.starts_with(b"DHPOST /"))
        && memchr::memmem::find(&p[..p.len().min(256)], b" HTTP/1.1\r\n").is_some()
}

/// Dahua PTCP ("PhonyTCP"), the TCP-in-UDP tunnel a P2P session runs on:
/// the magic `PTCP` and a 24-byte header of five 32-bit counters.
fn dahua_ptcp(p: &[u8]) -> bool {
    p.len() >= 24 && p.starts_with(b"PTCP")
}

/// The first byte of every PPPP message.
const PPPP_MAGIC: u8 = 0xf1;

/// PPPP message types named by the dissector (HELLO 0x00 … the
/// management messages 0xf4–0xf8); any other type byte is not PPPP.
const PPPP_TYPES: &[u8] = &[
    0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x18, 0x19, 0x20, 0x21,
    0x30, 0x31, 0x32, 0x40, 0x41, 0x42, 0x43, 0x60, 0x61, 0x62, 0x63, 0x67, 0x68, 0x69, 0x70, 0x71,
    0x72, 0x73, 0x74, 0x75, 0x78, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x87, 0x90, 0x91, 0x92, 0x94,
    0xa0, 0xa1, 0xa2, 0xd0, 0xd1, 0xd8, 0xe0, 0xe1, 0xf0, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
];

/// CS2 Network's P2P protocol "PPPP" (also spoken by Shenzhen Yunni's
/// iLnkP2P): a 4-byte header — magic 0xf1, message type, 16-bit
/// big-endian payload size — and exactly one message per datagram, so
/// the size must account for the whole payload. Servers listen on UDP
/// 32100, devices answer LAN searches on 32108.
fn cs2_pppp(p: &[u8]) -> bool {
    match p {
        [PPPP_MAGIC, kind, hi, lo, rest @ ..] => {
            PPPP_TYPES.contains(kind) && usize::from(u16::from_be_bytes([*hi, *lo])) == rest.len()
        }
        _ => false,
    }
}

pub const SIGNATURES: &[Signature] = &[
    Signature {
        name: "dahua-p2p",
        operator: Operator::Maker("dahua"),
        service: "Dahua P2P (Easy4IP) rendezvous: DHGET/DHPOST requests over UDP",
        confidence: Confidence::High,
        source: "github:khoanguyen-3fc/dh-p2p:helpers.py",
        matches: dahua_p2p,
    },
    Signature {
        name: "dahua-ptcp",
        operator: Operator::Maker("dahua"),
        service: "Dahua P2P tunnel (PTCP, TCP carried in UDP) to a device, relay or agent",
        confidence: Confidence::Medium,
        source: "github:khoanguyen-3fc/dh-p2p:ptcp.lua",
        matches: dahua_ptcp,
    },
    Signature {
        name: "cs2-pppp",
        operator: Operator::P2pNetwork("cs2-network"),
        service: "P2P relay service (CS2 Network PPPP, also Shenzhen Yunni iLnkP2P): licensed to many camera makers, covered and not; says nothing of who made the device",
        confidence: Confidence::Medium,
        source: "github:pmarrapese/iot:p2p/dissector/pppp.fdesc (P. Marrapese, \"Abusing P2P to Hack 3 Million Cameras\", DEF CON 28, 2020)",
        matches: cs2_pppp,
    },
];

pub fn signature(name: &str) -> Option<&'static Signature> {
    SIGNATURES.iter().find(|s| s.name == name)
}

/// Checks a UDP payload from `src` to `dst`:`dport` against every
/// signature. The first byte rules out almost all traffic at once.
#[inline]
pub fn check(payload: &[u8], src: IpAddr, dst: IpAddr, dport: u16, sink: &mut Sink) {
    if !matches!(payload.first(), Some(b'D' | b'P' | &PPPP_MAGIC)) {
        return;
    }
    for s in SIGNATURES {
        if (s.matches)(payload) {
            sink.wire_match(WireMatch {
                client: src,
                server: dst,
                port: dport,
                signature: s.name,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dahua_signatures_and_look_alikes() {
        assert!(dahua_p2p(
            b"DHGET /probe/p2psrv HTTP/1.1\r\nCSeq: 1\r\n\r\n"
        ));
        assert!(dahua_p2p(
            b"DHPOST /device/4H01D66PAJ2FA64/p2p-channel HTTP/1.1\r\n"
        ));
        assert!(!dahua_p2p(b"GET /probe/p2psrv HTTP/1.1\r\n"));
        assert!(!dahua_p2p(b"DHGET without a request line"));
        let mut ptcp = b"PTCP".to_vec();
        ptcp.extend_from_slice(&[0; 20]);
        assert!(dahua_ptcp(&ptcp));
        assert!(!dahua_ptcp(b"PTCP short"));
        assert!(!dahua_ptcp(&[b'X'; 30]));
    }

    /// A device's login to a PPPP server (MSG_DEV_LGN, 0x10): its UID
    /// (8-byte prefix, 32-bit serial, 8-byte check code), NAT type, API
    /// version and local address.
    fn dev_login() -> Vec<u8> {
        let mut body = b"PPCS\0\0\0\0".to_vec();
        body.extend_from_slice(&123_456u32.to_be_bytes());
        body.extend_from_slice(b"ABCDEF\0\0");
        body.extend_from_slice(&[1, 3, 4, 0]);
        body.extend_from_slice(&[0, 2, 0x7d, 0x6c, 10, 0, 0, 5]);
        body.extend_from_slice(&[0; 8]);
        let mut p = vec![PPPP_MAGIC, 0x10, 0, body.len() as u8];
        p.extend(body);
        p
    }

    #[test]
    fn pppp_messages_and_look_alikes() {
        assert!(cs2_pppp(&[0xf1, 0x00, 0x00, 0x00]), "MSG_HELLO");
        assert!(cs2_pppp(&[0xf1, 0xe0, 0x00, 0x00]), "MSG_ALIVE");
        assert!(cs2_pppp(&dev_login()));
        let mut wrong_size = dev_login();
        wrong_size.push(0);
        assert!(!cs2_pppp(&wrong_size), "one message fills the datagram");
        let mut wrong_type = dev_login();
        wrong_type[1] = 0x55;
        assert!(!cs2_pppp(&wrong_type));
        assert!(!cs2_pppp(&[0xf1, 0x00, 0x00]));
        assert!(!cs2_pppp(&[0xf0, 0x00, 0x00, 0x00]));
    }

    #[test]
    fn a_p2p_network_is_never_filed_as_a_maker() {
        for s in SIGNATURES {
            if let Operator::P2pNetwork(_) = s.operator {
                assert!(s.service.starts_with("P2P relay service ("), "{}", s.name);
            }
        }
        let s = signature("cs2-pppp").unwrap();
        assert_eq!(s.operator, Operator::P2pNetwork("cs2-network"));
    }

    #[test]
    fn a_match_is_recorded_for_the_conversation() {
        let mut sink = Sink::new(&crate::Limits::default());
        let (cam, server) = ("10.0.0.5".parse().unwrap(), "203.0.113.9".parse().unwrap());
        check(&dev_login(), cam, server, 32100, &mut sink);
        check(b"an ordinary datagram", cam, server, 32100, &mut sink);
        assert_eq!(
            sink.wire,
            [WireMatch {
                client: cam,
                server,
                port: 32100,
                signature: "cs2-pppp",
            }]
        );
    }
}
