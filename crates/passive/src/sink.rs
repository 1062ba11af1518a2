//! Where the protocol readers put what they find: observations by address,
//! observations known only by MAC (a DHCP request before the lease), MAC
//! bindings, the DNS names the capture resolves, wire-signature matches of
//! vendor services, and the counts.

use std::net::IpAddr;

use camaudit_model::Mac;
use rustc_hash::FxHashMap;

use crate::Limits;
use crate::bindings::Bindings;
use crate::evidence::Evidence;
use crate::summary::Summary;

/// Observations waiting for an address: (field, value, time).
type ByMac = Vec<(String, String, i64)>;

/// A conversation recognised by its wire format as a vendor's cloud or P2P
/// service (the registry says which vendor's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireMatch {
    pub client: IpAddr,
    pub server: IpAddr,
    pub port: u16,
    /// The signature's name, e.g. `dahua-p2p`.
    pub signature: &'static str,
}

#[derive(Debug)]
pub struct Sink {
    pub evidence: Evidence,
    pub bindings: Bindings,
    pub by_mac: FxHashMap<Mac, ByMac>,
    /// Address → the name a DNS answer gave it (the last one seen).
    pub names: FxHashMap<IpAddr, String>,
    pub wire: Vec<WireMatch>,
    pub summary: Summary,
    limits: Limits,
}

impl Sink {
    pub fn new(limits: &Limits) -> Self {
        Sink {
            evidence: Evidence::new(limits),
            bindings: Bindings::new(limits.max_addresses * 4),
            by_mac: FxHashMap::default(),
            names: FxHashMap::default(),
            wire: Vec::new(),
            summary: Summary::default(),
            limits: limits.clone(),
        }
    }

    /// Evidence about the device with this MAC, whose address is not known
    /// yet.
    pub fn push_by_mac(&mut self, mac: Mac, field: &str, value: &str, ts: i64) {
        if !self.by_mac.contains_key(&mac) && self.by_mac.len() >= self.limits.max_addresses {
            self.summary.observations_dropped += 1;
            return;
        }
        let list = self.by_mac.entry(mac).or_default();
        if list.iter().any(|(f, v, _)| f == field && v == value) {
            return;
        }
        if list.len() >= self.limits.observations_per_address {
            self.summary.observations_dropped += 1;
            return;
        }
        list.push((field.to_owned(), value.to_owned(), ts));
    }

    /// A DNS answer: `addr` is `name`.
    pub fn name(&mut self, addr: IpAddr, name: &str) {
        if self.names.len() < self.limits.max_names || self.names.contains_key(&addr) {
            self.names
                .insert(addr, name.trim_end_matches('.').to_ascii_lowercase());
        }
    }

    pub fn wire_match(&mut self, m: WireMatch) {
        if self.wire.len() < self.limits.max_addresses && !self.wire.contains(&m) {
            self.wire.push(m);
        }
    }
}
