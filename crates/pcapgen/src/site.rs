//! The captured site: a flat camera network behind one gateway, seen from
//! a SPAN port on its switch. Infrastructure hosts get locally administered
//! MACs, which name no maker, so only the estate's devices carry OUI
//! evidence. Internet peers are in the documentation ranges (RFC 5737):
//! the file names them, nothing is ever sent to them.

use std::net::Ipv4Addr;

use crate::wire::{Endpoint, MacBytes};

/// The site's network; the simulator's estate is laid out on it.
pub const SITE_CIDR: &str = "10.77.0.0/16";

/// A host with a fixed role on the segment.
#[derive(Debug, Clone, Copy)]
pub struct Host {
    pub mac: MacBytes,
    pub ip: Ipv4Addr,
}

impl Host {
    pub fn at(self, port: u16) -> Endpoint {
        Endpoint::new(self.mac, self.ip, port)
    }
}

const fn local_mac(tail: [u8; 3]) -> MacBytes {
    [0x02, 0x77, 0x00, tail[0], tail[1], tail[2]]
}

/// The router: DHCP server, DNS resolver, and the link address of every
/// internet peer.
pub const GATEWAY: Host = Host {
    mac: local_mac([0xff, 0xff, 0xfe]),
    ip: Ipv4Addr::new(10, 77, 255, 254),
};

/// The video management server that discovers, polls and records cameras.
pub const VMS: Host = Host {
    mac: local_mac([0xff, 0x00, 0x0a]),
    ip: Ipv4Addr::new(10, 77, 255, 10),
};

/// A file server the office backs up to.
pub const FILE_SERVER: Host = Host {
    mac: local_mac([0xfa, 0x00, 0x05]),
    ip: Ipv4Addr::new(10, 77, 250, 5),
};

/// Office workstation `n` (0–199).
pub fn workstation(n: u8) -> Host {
    Host {
        mac: local_mac([0xc8, 0x00, n]),
        ip: Ipv4Addr::new(10, 77, 200, n.saturating_add(1)),
    }
}

/// An internet host, reached through the gateway.
pub fn internet(ip: Ipv4Addr, port: u16) -> Endpoint {
    Endpoint::new(GATEWAY.mac, ip, port)
}

/// The n-th ordinary web server (TEST-NET-2, 198.51.100.0/24).
pub fn web_server(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 51, 100, n.max(1))
}

/// The address the capture's DNS gives a cloud host (TEST-NET-3).
pub fn cloud_addr(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(203, 0, 113, n.max(1))
}
