//! Passive discovery: a packet capture into observations.
//!
//! A SPAN port or a firewall capture is often all a clinical or
//! operational network allows. This crate reads one — pcap or pcapng, plain,
//! gzip-compressed or from standard input ([`capture`]) — decodes each
//! frame's headers ([`decode`], `etherparse`), and turns what the devices
//! said into [`Observation`]s in the scanner's own field vocabulary
//! (`docs/fields.md`), all `source: passive`:
//!
//! - MAC ↔ IP bindings from ARP, DHCP leases and frames' source addresses
//!   (routers' MACs recognised and left out) ([`bindings`]);
//! - DHCP, DNS and mDNS, SSDP and UPnP descriptions, Hikvision SADP, Dahua
//!   DHIP, the Topsee / Anjoy Vision NetSDK search and WS-Discovery
//!   ([`proto`]);
//! - HTTP and RTSP both ways, TLS ClientHello names and server
//!   certificates, over bounded TCP reassembly ([`streams`]);
//! - vendor P2P traffic by wire signature ([`proto::p2p`]);
//!
//! and, per device, the remote [`Endpoint`]s it talked to
//! ([`conversations`]). Every table is bounded ([`Limits`]) and everything
//! skipped is counted ([`Summary`]): memory stays flat as the capture
//! grows, and a corrupt file is read as far as it is good.
//!
//! The hot loop allocates nothing per packet: a frame costs a header
//! decode, a conversation-table update and, for TCP, one stream-table
//! look-up; only streams whose first bytes look like HTTP, RTSP or TLS
//! (or that use a camera maker's service port) are reassembled.

mod attach;
pub mod bindings;
mod bytes;
pub mod capture;
pub mod conversations;
pub mod decode;
mod endpoints;
pub mod evidence;
pub mod proto;
pub mod sink;
pub mod streams;
pub mod summary;
mod time;

use std::collections::BTreeMap;
use std::io::Read;
use std::net::IpAddr;

use camaudit_model::{Endpoint, EndpointProtocol, Observation};

pub use attach::attach_endpoints;
pub use capture::{CaptureError, Frame};
pub use summary::{Stop, Summary};

use crate::conversations::{Conversations, Seen};
use crate::decode::{Net, Transport, Undecoded, decode};
use crate::sink::Sink;
use crate::streams::Streams;

/// The bounds on every table: what a capture of any size may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Addresses with observations (and MACs with pending evidence).
    pub max_addresses: usize,
    pub observations_per_address: usize,
    /// TCP streams reassembled at once.
    pub max_streams: usize,
    /// Bytes reassembled per stream direction.
    pub stream_bytes: usize,
    /// Bytes all streams may hold at once (unparsed bytes and waiting
    /// segments): `max_streams` × 2 × `stream_bytes` alone would allow
    /// gigabytes to a hostile capture.
    pub stream_buffer_bytes: usize,
    /// Bytes of observation values kept in all (bodies are most of it).
    pub evidence_bytes: usize,
    /// A stream idle this long may be evicted when the table is full.
    pub stream_idle_secs: i64,
    /// Conversations (client, server, port) tracked.
    pub max_conversations: usize,
    /// DNS names remembered for addresses.
    pub max_names: usize,
    /// Endpoints listed per device (the busiest and the flagged first).
    pub endpoints_per_device: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_addresses: 65_536,
            observations_per_address: 1_000,
            max_streams: 4_096,
            stream_bytes: 256 * 1024,
            stream_buffer_bytes: 48 * 1024 * 1024,
            evidence_bytes: 48 * 1024 * 1024,
            stream_idle_secs: 120,
            max_conversations: 262_144,
            max_names: 65_536,
            endpoints_per_device: 100,
        }
    }
}

/// What a capture became.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Observations of the addresses that are devices (see docs/pcap.md).
    pub observations: Vec<Observation>,
    /// Each device address's remote endpoints.
    pub endpoints: BTreeMap<IpAddr, Vec<Endpoint>>,
    pub summary: Summary,
}

/// Reads a whole capture.
pub fn read(
    input: Box<dyn Read + Send + '_>,
    name: &str,
    limits: &Limits,
) -> Result<Capture, CaptureError> {
    let mut analyzer = Analyzer::new(limits);
    let mut stats = summary::ReadStats::default();
    capture::for_each_frame(input, name, &mut stats, |f| analyzer.frame(f))?;
    analyzer.sink.summary.read = stats;
    Ok(analyzer.finish())
}

/// The state of one capture being read.
pub struct Analyzer {
    sink: Sink,
    streams: Streams,
    conversations: Conversations,
    limits: Limits,
    last_ts: i64,
}

impl Analyzer {
    pub fn new(limits: &Limits) -> Self {
        Analyzer {
            sink: Sink::new(limits),
            streams: Streams::new(limits),
            conversations: Conversations::new(limits.max_conversations),
            limits: limits.clone(),
            last_ts: 0,
        }
    }

    /// One frame.
    pub fn frame(&mut self, f: &Frame<'_>) {
        let s = &mut self.sink.summary;
        s.packets += 1;
        s.bytes += f.data.len() as u64;
        if (f.data.len() as u64) < u64::from(f.orig_len) {
            s.snaplen_cut += 1;
        }
        self.last_ts = self.last_ts.max(f.ts);
        let packet = match decode(f.link, f.data) {
            Ok(p) => p,
            Err(Undecoded::LinkType(_)) => {
                s.unknown_link += 1;
                return;
            }
            Err(Undecoded::Short) => {
                s.malformed += 1;
                return;
            }
        };
        match packet.net {
            Net::Arp {
                sender_mac: Some(mac),
                sender_ip: Some(ip),
            } => self.sink.bindings.announced(IpAddr::V4(ip), mac, f.ts),
            Net::Arp { .. } | Net::Other => {}
            Net::Ip {
                src,
                dst,
                len,
                fragment,
                transport,
            } => {
                if let Some(mac) = packet.src_mac {
                    self.sink.bindings.frame(src, mac, f.ts);
                }
                if fragment {
                    self.sink.summary.ip_fragments += 1;
                    return;
                }
                self.ip(src, dst, len, transport, f.ts);
            }
        }
    }

    fn ip(&mut self, src: IpAddr, dst: IpAddr, len: u32, transport: Transport<'_>, ts: i64) {
        match transport {
            Transport::Udp {
                src_port,
                dst_port,
                payload,
            } => {
                self.conversations.account(Seen {
                    src,
                    dst,
                    sport: src_port,
                    dport: dst_port,
                    protocol: EndpointProtocol::Udp,
                    len,
                    ts,
                    syn: false,
                });
                self.udp(src, src_port, dst, dst_port, payload, ts);
            }
            Transport::Tcp(tcp) => {
                self.conversations.account(Seen {
                    src,
                    dst,
                    sport: tcp.src_port,
                    dport: tcp.dst_port,
                    protocol: EndpointProtocol::Tcp,
                    len,
                    ts,
                    syn: tcp.syn && !tcp.ack,
                });
                self.streams.segment(src, dst, &tcp, ts, &mut self.sink);
            }
            Transport::Other => {}
        }
    }

    fn udp(&mut self, src: IpAddr, sport: u16, dst: IpAddr, dport: u16, payload: &[u8], ts: i64) {
        use proto::{dhcp, discovery, dns, p2p};
        let sink = &mut self.sink;
        let either = |p: u16| sport == p || dport == p;
        if payload.is_empty() {
            return;
        }
        if sport == 5353 || dport == 5353 {
            dns::multicast(payload, src, ts, sink);
        } else if either(53) {
            dns::unicast(payload, src, ts, sink);
        } else if either(67) || either(68) {
            dhcp::datagram(payload, ts, sink);
        } else if either(1900) {
            discovery::ssdp(payload, src, ts, sink);
        } else if either(3702) {
            discovery::wsd(payload, src, ts, sink);
        } else if either(37020) {
            discovery::sadp(payload, src, ts, sink);
        } else if either(37810) {
            discovery::dhip(payload, src, ts, sink);
        } else if either(camaudit_probe::topsee::DISCOVERY_PORT) {
            discovery::topsee(payload, src, ts, sink);
        } else {
            p2p::check(payload, src, dst, dport, sink);
        }
    }

    /// Ends the capture: buffered streams are read, bindings resolved,
    /// evidence placed on addresses and endpoints listed.
    pub fn finish(mut self) -> Capture {
        self.streams.finish(self.last_ts, &mut self.sink);
        let mut sink = self.sink;
        sink.summary.flows = self.conversations.total;
        sink.summary.flows_untracked = self.conversations.untracked;
        endpoints::finish(sink, &self.conversations, &self.limits)
    }
}
