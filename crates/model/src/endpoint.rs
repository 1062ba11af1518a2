use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::VendorId;

/// The transport of a conversation with a remote endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointProtocol {
    Tcp,
    Udp,
}

impl EndpointProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointProtocol::Tcp => "tcp",
            EndpointProtocol::Udp => "udp",
        }
    }
}

impl fmt::Display for EndpointProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who opened the conversation: the device (it calls out) or the peer (a
/// client of the device's services).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The device opened it: a call to the endpoint's service.
    Outbound,
    /// The endpoint opened it: a client of one of the device's services.
    Inbound,
}

/// Where the peer sits: on private / local address space or on the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeerScope {
    /// RFC 1918, loopback, link-local, unique-local, CGNAT or multicast.
    Internal,
    /// Any other (globally routed) address.
    External,
}

impl PeerScope {
    /// The scope of an address by its range alone.
    pub fn of(addr: IpAddr) -> PeerScope {
        let internal = match addr {
            IpAddr::V4(a) => {
                let o = a.octets();
                a.is_private()
                    || a.is_loopback()
                    || a.is_link_local()
                    || a.is_multicast()
                    || a.is_broadcast()
                    || a.is_unspecified()
                    // CGNAT, 100.64.0.0/10
                    || (o[0] == 100 && (o[1] & 0xc0) == 64)
            }
            IpAddr::V6(a) => {
                let s = a.segments();
                a.is_loopback()
                    || a.is_multicast()
                    || a.is_unspecified()
                    || (s[0] & 0xfe00) == 0xfc00
                    || (s[0] & 0xffc0) == 0xfe80
            }
        };
        if internal {
            PeerScope::Internal
        } else {
            PeerScope::External
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PeerScope::Internal => "internal",
            PeerScope::External => "external",
        }
    }
}

/// A maker's cloud or P2P service an endpoint belongs to, from the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointService {
    pub vendor: VendorId,
    pub service: String,
    /// What matched: `dns:<name>` (the name the device looked up) or
    /// `wire:<signature>` (the traffic's own shape).
    pub matched: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// One remote endpoint a device talked to, from a packet capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub addr: IpAddr,
    /// The service port: the endpoint's for an outbound conversation, the
    /// device's own for an inbound one.
    pub port: u16,
    pub protocol: EndpointProtocol,
    pub direction: Direction,
    pub scope: PeerScope,
    /// The DNS name the capture shows resolving to this address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Bytes the device sent to the endpoint (IP payload).
    pub bytes_out: u64,
    /// Bytes the endpoint sent to the device.
    pub bytes_in: u64,
    pub packets: u64,
    /// RFC 3339 times of the first and last packet.
    pub first_seen: String,
    pub last_seen: String,
    /// The maker's cloud / P2P service this is, when the registry knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<EndpointService>,
}

impl Endpoint {
    /// The device reaching out to the internet, or to a maker's service.
    pub fn is_call_home(&self) -> bool {
        self.direction == Direction::Outbound
            && (self.scope == PeerScope::External || self.service.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_by_range() {
        for a in [
            "10.1.2.3",
            "192.168.1.108",
            "172.16.0.1",
            "100.64.1.1",
            "fe80::1",
            "fd00::5",
            "239.255.255.250",
        ] {
            assert_eq!(
                PeerScope::of(a.parse().unwrap()),
                PeerScope::Internal,
                "{a}"
            );
        }
        // 172.168/16 is outside 172.16/12 (the Uniview capture's camera sits there)
        for a in ["172.168.1.17", "8.8.8.8", "2001:4860::8888", "100.128.0.1"] {
            assert_eq!(
                PeerScope::of(a.parse().unwrap()),
                PeerScope::External,
                "{a}"
            );
        }
    }
}
