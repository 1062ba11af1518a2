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
/// `DHGET` or `DHPOST` (the client's `DHGET /probe/p2psrv` and kin).
fn dahua_p2p(p: &[u8]) -> bool {
    (p.starts_with(b"DHGET /") || p.starts_with(b"DHPOST /"))
        && memchr::memmem::find(&p[..p.len().min(256)], b"HTTP/1.1").is_some()
}

pub const SIGNATURES: &[Signature] = &[Signature {
    name: "dahua-p2p",
    vendor: "dahua",
    service: "Dahua P2P (Easy4IP) request: DHGET/DHPOST over UDP",
    source: "github:khoanguyen-3fc/dh-p2p:README.md",
    matches: dahua_p2p,
}];

pub fn signature(name: &str) -> Option<&'static Signature> {
    SIGNATURES.iter().find(|s| s.name == name)
}

/// Checks a UDP payload from `src` to `dst`:`dport` against the signatures.
#[inline]
pub fn check(payload: &[u8], src: IpAddr, dst: IpAddr, dport: u16, sink: &mut Sink) {
    if payload.len() < 8 || payload[0] != b'D' {
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
