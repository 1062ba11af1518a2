//! Camera makers' P2P / cloud traffic recognised by its wire format, not
//! by DNS name (a device may reach its relay by a hard-coded address).
//! Each signature is data: its name, the vendor, what it is, and where the
//! format is documented.

use std::net::IpAddr;

use crate::sink::{Sink, WireMatch};

/// A documented wire signature of a vendor service.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    pub name: &'static str,
    pub vendor: &'static str,
    pub service: &'static str,
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

pub const SIGNATURES: &[Signature] = &[
    Signature {
        name: "dahua-p2p",
        vendor: "dahua",
        service: "Dahua P2P (Easy4IP) rendezvous: DHGET/DHPOST requests over UDP",
        source: "github:khoanguyen-3fc/dh-p2p:helpers.py",
        matches: dahua_p2p,
    },
    Signature {
        name: "dahua-ptcp",
        vendor: "dahua",
        service: "Dahua P2P tunnel (PTCP, TCP carried in UDP) to a device, relay or agent",
        source: "github:khoanguyen-3fc/dh-p2p:ptcp.lua",
        matches: dahua_ptcp,
    },
];

pub fn signature(name: &str) -> Option<&'static Signature> {
    SIGNATURES.iter().find(|s| s.name == name)
}

/// Checks a UDP payload from `src` to `dst`:`dport` against the signatures.
/// The UDP payload checked against every signature.
#[inline]
pub fn check(payload: &[u8], src: IpAddr, dst: IpAddr, dport: u16, sink: &mut Sink) {
    if payload.len() < 8 || !matches!(payload[0], b'D' | b'P') {
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
}
