//! From a frame's bytes to the few things the evidence needs: link-layer
//! source MAC, ARP, IP addresses, TCP/UDP ports, flags and payload. Header
//! parsing is `etherparse`'s (lax, so a frame cut by the snap length still
//! gives what it holds); only the Linux cooked headers, which it does not
//! slice in lax mode, and BSD loopback are read here.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_model::Mac;
use etherparse::{
    EtherType, LaxNetSlice, LaxSlicedPacket, LinkSlice, TransportSlice, err::LenError,
};
use pcap_parser::Linktype;

use crate::bytes::be16;

/// The transport part of an IP packet.
#[derive(Debug, Clone, Copy)]
pub enum Transport<'a> {
    Tcp(Tcp<'a>),
    Udp {
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
    },
    /// ICMP and anything else: only counted.
    Other,
}

#[derive(Debug, Clone, Copy)]
pub struct Tcp<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub payload: &'a [u8],
}

/// What the network layer held.
#[derive(Debug, Clone, Copy)]
pub enum Net<'a> {
    Ip {
        src: IpAddr,
        dst: IpAddr,
        /// IP payload length as the header states it (bytes on the wire,
        /// whatever the snap length kept).
        len: u32,
        /// A fragment, not reassembled: transport left out.
        fragment: bool,
        transport: Transport<'a>,
    },
    Arp {
        sender_mac: Option<Mac>,
        sender_ip: Option<Ipv4Addr>,
    },
    /// Not IP or ARP (LLDP, STP…), or a link type not decoded.
    Other,
}

/// A decoded frame.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// The link-layer source address, when the link has one.
    pub src_mac: Option<Mac>,
    pub net: Net<'a>,
}

/// Why a frame gave nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undecoded {
    /// A link type this reader does not know.
    LinkType(i32),
    /// Shorter than its own link header.
    Short,
}

const LINKTYPE_NULL: i32 = 0;
const LINKTYPE_LOOP: i32 = 108;
const LINKTYPE_RAW: i32 = 101;
const DLT_RAW_12: i32 = 12;
const DLT_RAW_14: i32 = 14;
const LINKTYPE_IPV4: i32 = 228;
const LINKTYPE_IPV6: i32 = 229;
const LINKTYPE_LINUX_SLL: i32 = 113;
const LINKTYPE_LINUX_SLL2: i32 = 276;
const ARPHRD_ETHER: u16 = 1;

pub fn decode(link: Linktype, data: &[u8]) -> Result<Packet<'_>, Undecoded> {
    match link.0 {
        1 => ethernet(data),
        LINKTYPE_LINUX_SLL => cooked(data, 16, 14, (2, 5, 6)),
        LINKTYPE_LINUX_SLL2 => cooked(data, 20, 0, (8, 11, 12)),
        LINKTYPE_RAW | DLT_RAW_12 | DLT_RAW_14 | LINKTYPE_IPV4 | LINKTYPE_IPV6 => ip(data),
        LINKTYPE_NULL | LINKTYPE_LOOP => {
            // A 4-byte address family in the writer's byte order: 2 is
            // IPv4 everywhere; 24, 28, 30 are IPv6 on the BSDs and macOS.
            let rest = data.get(4..).ok_or(Undecoded::Short)?;
            ip(rest)
        }
        other => Err(Undecoded::LinkType(other)),
    }
}

fn ethernet(data: &[u8]) -> Result<Packet<'_>, Undecoded> {
    let sliced = LaxSlicedPacket::from_ethernet(data).map_err(|_: LenError| Undecoded::Short)?;
    let src_mac = match &sliced.link {
        Some(LinkSlice::Ethernet2(e)) => unicast(e.source()),
        _ => None,
    };
    Ok(Packet {
        src_mac,
        net: net(&sliced),
    })
}

/// Linux cooked capture v1 (16-byte header, protocol last) or v2 (20
/// bytes, protocol first). `at` is where the ARPHRD type, the (low byte
/// of the) address length and the address are.
fn cooked(
    data: &[u8],
    header: usize,
    protocol_at: usize,
    at: (usize, usize, usize),
) -> Result<Packet<'_>, Undecoded> {
    let (Some(protocol), Some(hardware), Some(&addr_len), Some(payload)) = (
        be16(data, protocol_at),
        be16(data, at.0),
        data.get(at.1),
        data.get(header..),
    ) else {
        return Err(Undecoded::Short);
    };
    let src_mac = match data.get(at.2..at.2 + 6) {
        Some(m) if hardware == ARPHRD_ETHER && addr_len == 6 => {
            <[u8; 6]>::try_from(m).ok().and_then(unicast)
        }
        _ => None,
    };
    let sliced = LaxSlicedPacket::from_ether_type(EtherType(protocol), payload);
    Ok(Packet {
        src_mac,
        net: net(&sliced),
    })
}

fn ip(data: &[u8]) -> Result<Packet<'_>, Undecoded> {
    let sliced = LaxSlicedPacket::from_ip(data).map_err(|_| Undecoded::Short)?;
    Ok(Packet {
        src_mac: None,
        net: net(&sliced),
    })
}

/// A source MAC worth binding: not multicast/broadcast, not all zero.
fn unicast(m: [u8; 6]) -> Option<Mac> {
    (m[0] & 1 == 0 && m != [0; 6]).then_some(Mac(m))
}

fn net<'a>(p: &LaxSlicedPacket<'a>) -> Net<'a> {
    match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            let payload = v4.payload();
            Net::Ip {
                src: IpAddr::V4(h.source_addr()),
                dst: IpAddr::V4(h.destination_addr()),
                len: u32::from(h.total_len()).saturating_sub(u32::from(h.ihl()) * 4),
                fragment: payload.fragmented,
                transport: transport(p),
            }
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            let payload = v6.payload();
            Net::Ip {
                src: IpAddr::V6(h.source_addr()),
                dst: IpAddr::V6(h.destination_addr()),
                len: u32::from(h.payload_length()),
                fragment: payload.fragmented,
                transport: transport(p),
            }
        }
        Some(LaxNetSlice::Arp(arp)) => {
            let sender_mac = <[u8; 6]>::try_from(arp.sender_hw_addr())
                .ok()
                .and_then(unicast);
            let sender_ip = <[u8; 4]>::try_from(arp.sender_protocol_addr())
                .ok()
                .map(Ipv4Addr::from)
                .filter(|a| !a.is_unspecified());
            Net::Arp {
                sender_mac,
                sender_ip,
            }
        }
        None => Net::Other,
    }
}

fn transport<'a>(p: &LaxSlicedPacket<'a>) -> Transport<'a> {
    match &p.transport {
        Some(TransportSlice::Tcp(t)) => Transport::Tcp(Tcp {
            src_port: t.source_port(),
            dst_port: t.destination_port(),
            seq: t.sequence_number(),
            syn: t.syn(),
            ack: t.ack(),
            fin: t.fin(),
            rst: t.rst(),
            payload: t.payload(),
        }),
        Some(TransportSlice::Udp(u)) => Transport::Udp {
            src_port: u.source_port(),
            dst_port: u.destination_port(),
            payload: u.payload(),
        },
        _ => Transport::Other,
    }
}
