//! The end of a capture: which addresses are devices, their MACs, the
//! evidence learnt by MAC placed on an address, and each device's remote
//! endpoints.
//!
//! An address is a device when the segment shows its MAC (ARP, DHCP, a
//! frame that is not a router's), when it is on internal address space and
//! said something, or when it spoke a device protocol (RTSP, the makers'
//! discovery protocols, UPnP…) from anywhere. A remote web server the
//! capture only saw answering is a peer in an endpoints list, not a device.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use camaudit_model::{Direction, Endpoint, EndpointService, Mac, Observation, PeerScope, VendorId};
use rustc_hash::FxHashSet;

use crate::Capture;
use crate::Limits;
use crate::bindings::Learnt;
use crate::conversations::Conversations;
use crate::proto::p2p;
use crate::sink::Sink;
use crate::time::rfc3339;

/// Field prefixes only a device (not a web server on the internet) sends.
const DEVICE_FIELDS: &[&str] = &[
    "rtsp.", "sadp.", "dhip.", "onvif.", "upnp.", "ssdp.", "dvrip.", "hiksdk.", "xmnet.", "mdns.",
];

/// Fields about what a host asked for as a client: they make no device of
/// a remote address.
const CLIENT_FIELDS: &[&str] = &["dns.query", "tls.sni", "http.user_agent"];

fn is_device_field(field: &str) -> bool {
    DEVICE_FIELDS.iter().any(|p| field.starts_with(p))
}

/// A MAC a protocol reply announced as the device's own (`dhip.mac`,
/// `sadp.mac`…).
fn announced_mac(obs: &[Observation]) -> Option<Mac> {
    obs.iter()
        .filter(|o| o.field.as_str().ends_with(".mac"))
        .find_map(|o| Mac::parse(&o.value).ok())
}

pub fn finish(mut sink: Sink, conversations: &Conversations, limits: &Limits) -> Capture {
    let bound = bind(&mut sink);
    place_by_mac(&mut sink);
    let names = std::mem::take(&mut sink.names);
    let wire = std::mem::take(&mut sink.wire);
    sink.summary.observations_dropped += sink.evidence.dropped + sink.bindings.dropped;
    let summary = sink.summary;
    let mut devices: BTreeSet<IpAddr> = BTreeSet::new();
    let mut observations = Vec::new();
    let mut by_addr: Vec<(IpAddr, Vec<Observation>)> =
        sink.evidence.into_map().into_iter().collect();
    by_addr.sort_by_key(|(a, _)| *a);
    for (addr, obs) in by_addr {
        if addr.is_multicast() || addr.is_unspecified() {
            continue;
        }
        let local = bound.contains(&addr) || PeerScope::of(addr) == PeerScope::Internal;
        let kept: Vec<Observation> = if local {
            obs
        } else if obs.iter().any(|o| is_device_field(o.field.as_str())) {
            obs.into_iter()
                .filter(|o| !CLIENT_FIELDS.contains(&o.field.as_str()))
                .collect()
        } else {
            continue;
        };
        if !kept.is_empty() {
            devices.insert(addr);
            observations.extend(kept);
        }
    }
    let endpoints = list_endpoints(&devices, &bound, conversations, &names, &wire, limits);
    Capture {
        observations,
        endpoints,
        summary,
    }
}

/// Resolves bindings into `mac` observations; returns the bound addresses.
fn bind(sink: &mut Sink) -> FxHashSet<IpAddr> {
    let mut bound = FxHashSet::default();
    for (ip, mac, learnt) in sink.bindings.resolve() {
        if learnt == Learnt::Frame && announced_mac(sink.evidence.of(&ip)).is_some_and(|m| m != mac)
        {
            // The device names its own MAC and the frames carry another:
            // they were forwarded, the frame's MAC is a router's.
            continue;
        }
        sink.evidence.push(ip, None, "mac", &mac.to_string(), 0);
        bound.insert(ip);
    }
    bound
}

/// Evidence known by MAC (DHCP requests) onto the address the MAC was last
/// seen with.
fn place_by_mac(sink: &mut Sink) {
    let by_mac = std::mem::take(&mut sink.by_mac);
    for (mac, list) in by_mac {
        let Some(addr) = sink.bindings.latest_addr_of(mac) else {
            sink.summary.observations_dropped += list.len() as u64;
            continue;
        };
        for (field, value, ts) in list {
            sink.evidence.push(addr, None, &field, &value, ts);
        }
    }
}

fn list_endpoints(
    devices: &BTreeSet<IpAddr>,
    bound: &FxHashSet<IpAddr>,
    conversations: &Conversations,
    names: &rustc_hash::FxHashMap<IpAddr, String>,
    wire: &[crate::sink::WireMatch],
    limits: &Limits,
) -> BTreeMap<IpAddr, Vec<Endpoint>> {
    let mut out: BTreeMap<IpAddr, Vec<Endpoint>> = BTreeMap::new();
    for (key, tally) in conversations.iter() {
        let client_opened = tally.client_opened();
        for (device, peer, device_is_client) in [
            (key.client, key.server, true),
            (key.server, key.client, false),
        ] {
            if !devices.contains(&device) || peer == device {
                continue;
            }
            let outbound = device_is_client == client_opened;
            let (bytes_out, bytes_in) = if device_is_client {
                (tally.to_server, tally.to_client)
            } else {
                (tally.to_client, tally.to_server)
            };
            let service = wire
                .iter()
                .find(|w| {
                    (w.client, w.server) == (device, peer) || (w.client, w.server) == (peer, device)
                })
                .and_then(|w| p2p::signature(w.signature))
                .and_then(|s| {
                    Some(EndpointService {
                        vendor: VendorId::new(s.operator.id()).ok()?,
                        service: s.service.to_owned(),
                        matched: format!("wire:{}", s.name),
                        sources: vec![s.source.to_owned()],
                    })
                });
            out.entry(device).or_default().push(Endpoint {
                addr: peer,
                port: key.port,
                protocol: key.protocol,
                direction: if outbound {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                },
                // a host on the capture's own segment is internal whatever
                // its address range
                scope: if bound.contains(&peer) {
                    PeerScope::Internal
                } else {
                    PeerScope::of(peer)
                },
                name: names.get(&peer).cloned(),
                bytes_out,
                bytes_in,
                packets: tally.packets,
                first_seen: rfc3339(tally.first).unwrap_or_default(),
                last_seen: rfc3339(tally.last).unwrap_or_default(),
                service,
            });
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| {
            b.service
                .is_some()
                .cmp(&a.service.is_some())
                .then((b.bytes_out + b.bytes_in).cmp(&(a.bytes_out + a.bytes_in)))
                .then(a.addr.cmp(&b.addr))
                .then(a.port.cmp(&b.port))
        });
        list.truncate(limits.endpoints_per_device);
    }
    out
}
