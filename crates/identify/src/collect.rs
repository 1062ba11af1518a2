//! First stage: read observations one by one, run the rules on each, and keep
//! per address only what later stages need — open ports, MACs seen, and the
//! evidence that asserted something. Raw observations are not retained, so
//! memory grows with the number of distinct facts, not of observations.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use camaudit_model::{Asserts, Evidence, Mac, Observation, Source, Transport};
use camaudit_rules::{Hit, RuleSet};

use crate::evidence::EvidenceSet;
use crate::origin::{as_user_hint, reads_user_text};

/// Everything learned about one address.
#[derive(Debug)]
pub(crate) struct AddrRecord {
    pub addr: IpAddr,
    pub tcp_ports: BTreeSet<u16>,
    /// MACs seen for this address, with how often and from which source.
    pub macs: Vec<SeenMac>,
    pub evidence: EvidenceSet,
    /// Maker and brand names the firmware or a register gives, whether or
    /// not the registry knows them (`MAKER_NAME_FIELDS`).
    pub maker_names: Vec<String>,
}

/// Fields whose value names the maker or brand, set by the firmware or
/// written in an asset register (never by whoever named the device).
pub(crate) const MAKER_NAME_FIELDS: [&str; 5] = [
    "onvif.manufacturer",
    "upnp.manufacturer",
    "sadp.oeminfo",
    "import.manufacturer",
    "import.brand",
];

/// At most this many names per address: enough for every channel that
/// reports one, bounded against a device that repeats itself.
const MAX_MAKER_NAMES: usize = 16;

/// Adds a maker or brand name once (case ignored), up to `MAX_MAKER_NAMES`.
pub(crate) fn add_maker_name(names: &mut Vec<String>, value: &str) {
    let name = value.trim();
    if name.is_empty()
        || names.len() >= MAX_MAKER_NAMES
        || names.iter().any(|n| n.eq_ignore_ascii_case(name))
    {
        return;
    }
    names.push(name.to_owned());
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct SeenMac {
    pub mac: Mac,
    pub count: u32,
    pub source: Source,
    pub port: Option<u16>,
}

impl AddrRecord {
    fn new(addr: IpAddr) -> Self {
        AddrRecord {
            addr,
            tcp_ports: BTreeSet::new(),
            macs: Vec::new(),
            evidence: EvidenceSet::default(),
            maker_names: Vec::new(),
        }
    }

    fn note_maker_name(&mut self, field: &str, value: &str) {
        if MAKER_NAME_FIELDS.contains(&field) {
            add_maker_name(&mut self.maker_names, value);
        }
    }

    /// The MAC this address most often announced.
    pub fn primary_mac(&self) -> Option<Mac> {
        self.macs
            .iter()
            .max_by_key(|m| (m.count, std::cmp::Reverse(m.mac)))
            .map(|m| m.mac)
    }

    fn note_mac(&mut self, mac: Mac, source: Source, port: Option<u16>) {
        match self.macs.iter_mut().find(|m| m.mac == mac) {
            Some(m) => m.count += 1,
            None => self.macs.push(SeenMac {
                mac,
                count: 1,
                source,
                port,
            }),
        }
    }

    pub(crate) fn push_evidence(&mut self, ev: Evidence) {
        self.evidence.push(ev);
    }
}

/// Collects observations by address.
pub(crate) struct Collector<'r> {
    rules: &'r RuleSet,
    records: HashMap<IpAddr, AddrRecord>,
    hits: Vec<Hit<'r>>,
}

impl<'r> Collector<'r> {
    pub fn new(rules: &'r RuleSet) -> Self {
        Collector {
            rules,
            records: HashMap::new(),
            hits: Vec::new(),
        }
    }

    pub fn add(&mut self, obs: &Observation) {
        let record = self
            .records
            .entry(obs.addr)
            .or_insert_with(|| AddrRecord::new(obs.addr));
        if let (Some(port), Transport::Tcp) = (obs.port, obs.source.transport()) {
            record.tcp_ports.insert(port);
        }
        record.note_maker_name(obs.field.as_str(), &obs.value);
        if is_mac_field(obs.field.as_str())
            && let Ok(mac) = Mac::parse(&obs.value)
        {
            record.note_mac(mac, obs.source, obs.port);
            record.push_evidence(Evidence {
                source: obs.source,
                port: obs.port,
                field: obs.field.as_str().to_owned(),
                value: mac.to_string(),
                rule: None,
                asserts: Asserts {
                    mac: Some(mac),
                    ..Asserts::default()
                },
                confidence: camaudit_model::Confidence::ONE,
            });
        }
        self.hits.clear();
        self.rules
            .matches(obs.field.as_str(), &obs.value, &mut self.hits);
        let user_set = reads_user_text(obs.field.as_str(), &obs.value, None);
        for hit in self.hits.drain(..) {
            let mut asserts = hit.rule.asserts_for(&hit.captured);
            let mut confidence = hit.rule.confidence;
            if user_set {
                (asserts, confidence) = as_user_hint(&asserts, confidence);
                if asserts.is_empty() {
                    continue;
                }
            }
            if let Some(mac) = asserts.mac {
                record.note_mac(mac, obs.source, obs.port);
            }
            record.push_evidence(Evidence {
                source: obs.source,
                port: obs.port,
                field: obs.field.as_str().to_owned(),
                value: Evidence::clip_value(&obs.value),
                rule: Some(hit.rule.id.clone()),
                asserts,
                confidence,
            });
        }
    }

    /// Whether a rule already read a vendor (label or manufacturer) from
    /// this field and value of this address.
    pub fn has_vendor_evidence(&self, addr: IpAddr, field: &str, value: &str) -> bool {
        self.records.get(&addr).is_some_and(|r| {
            r.evidence.as_slice().iter().any(|e| {
                e.field == field
                    && e.value == Evidence::clip_value(value)
                    && (e.asserts.label_vendor.is_some() || e.asserts.manufacturer.is_some())
            })
        })
    }

    /// Adds evidence found outside the rules to an address's record.
    pub fn push_evidence(&mut self, addr: IpAddr, ev: Evidence) {
        self.records
            .entry(addr)
            .or_insert_with(|| AddrRecord::new(addr))
            .push_evidence(ev);
    }

    pub fn into_records(self) -> Vec<AddrRecord> {
        let mut records: Vec<AddrRecord> = self.records.into_values().collect();
        records.sort_by_key(|r| r.addr);
        records
    }
}

/// Fields that carry the device's own MAC address as their whole value.
fn is_mac_field(field: &str) -> bool {
    field == "mac" || field.ends_with(".mac") || field.ends_with(".macaddress")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_fields() {
        assert!(is_mac_field("mac"));
        assert!(is_mac_field("sadp.mac"));
        assert!(is_mac_field("dhip.mac"));
        assert!(!is_mac_field("http.header.machine"));
        assert!(!is_mac_field("macro"));
    }
}
