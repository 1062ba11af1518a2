//! Frames on the wire: Ethernet (optionally 802.1Q-tagged) carrying IPv4
//! and TCP or UDP, built with etherparse so that every length and checksum
//! is what a real stack would send.

use std::net::Ipv4Addr;

use etherparse::{IpHeaders, PacketBuilder, PacketBuilderStep, VlanId};

use crate::error::GenError;

/// A MAC address as six bytes.
pub type MacBytes = [u8; 6];

/// Where a frame comes from or goes to, as seen on the captured segment:
/// the link address is the host's own when it is on the segment, the
/// gateway's when the host is beyond it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub mac: MacBytes,
    pub ip: Ipv4Addr,
    pub port: u16,
}

impl Endpoint {
    pub fn new(mac: MacBytes, ip: Ipv4Addr, port: u16) -> Self {
        Endpoint { mac, ip, port }
    }

    /// The same host on another port.
    pub fn port(self, port: u16) -> Self {
        Endpoint { port, ..self }
    }
}

/// The link address a frame to `group` carries (RFC 1112 §6.4).
pub fn multicast_mac(group: Ipv4Addr) -> MacBytes {
    let o = group.octets();
    [0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]
}

pub const BROADCAST_MAC: MacBytes = [0xff; 6];

/// TCP flags of one segment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags {
    pub syn: bool,
    pub fin: bool,
    pub psh: bool,
    pub ack: bool,
}

/// The VLAN a segment's frames are tagged with, if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Link {
    pub vlan: Option<u16>,
}

impl Link {
    fn ipv4(
        &self,
        from: &Endpoint,
        to: &Endpoint,
    ) -> Result<PacketBuilderStep<IpHeaders>, GenError> {
        let eth = PacketBuilder::ethernet2(from.mac, to.mac);
        let ttl = 64;
        Ok(match self.vlan {
            Some(v) => {
                let id = VlanId::try_new(v)
                    .map_err(|_| GenError::Config(format!("VLAN {v} is over 4095")))?;
                eth.single_vlan(id)
                    .ipv4(from.ip.octets(), to.ip.octets(), ttl)
            }
            None => eth.ipv4(from.ip.octets(), to.ip.octets(), ttl),
        })
    }

    /// Appends one TCP segment to `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp(
        &self,
        out: &mut Vec<u8>,
        from: &Endpoint,
        to: &Endpoint,
        seq: u32,
        ack: u32,
        flags: Flags,
        payload: &[u8],
    ) -> Result<(), GenError> {
        let mut b = self.ipv4(from, to)?.tcp(from.port, to.port, seq, 64_240);
        if flags.syn {
            b = b.syn();
        }
        if flags.fin {
            b = b.fin();
        }
        if flags.psh {
            b = b.psh();
        }
        if flags.ack {
            b = b.ack(ack);
        }
        b.write(out, payload)
            .map_err(|e| GenError::Build(e.to_string()))
    }

    /// Appends one UDP datagram to `out`.
    pub fn udp(
        &self,
        out: &mut Vec<u8>,
        from: &Endpoint,
        to: &Endpoint,
        payload: &[u8],
    ) -> Result<(), GenError> {
        self.ipv4(from, to)?
            .udp(from.port, to.port)
            .write(out, payload)
            .map_err(|e| GenError::Build(e.to_string()))
    }
}
