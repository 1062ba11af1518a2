//! Second stage: addresses that announced the same MAC are one device (a
//! camera seen over DHCP at two addresses, or by SADP and by HTTP); an
//! address without a MAC is a device of its own.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use camaudit_model::{Mac, Source};

use crate::collect::{AddrRecord, add_maker_name};
use crate::evidence::EvidenceSet;

/// A device before its facts are resolved.
#[derive(Debug)]
pub(crate) struct DeviceDraft {
    pub addr: IpAddr,
    pub other_addrs: Vec<IpAddr>,
    pub mac: Option<(Mac, Source, Option<u16>)>,
    pub tcp_ports: BTreeSet<u16>,
    pub evidence: EvidenceSet,
    /// The maker and brand names its addresses gave (`collect::MAKER_NAME_FIELDS`).
    pub maker_names: Vec<String>,
}

pub(crate) fn merge_by_mac(records: Vec<AddrRecord>) -> Vec<DeviceDraft> {
    let mut by_mac: HashMap<Mac, Vec<AddrRecord>> = HashMap::new();
    let mut drafts = Vec::new();
    for record in records {
        match record.primary_mac() {
            Some(mac) => by_mac.entry(mac).or_default().push(record),
            None => drafts.push(draft_from(vec![record], None)),
        }
    }
    for (mac, group) in by_mac {
        drafts.push(draft_from(group, Some(mac)));
    }
    drafts.sort_by_key(|d| d.addr);
    drafts
}

fn draft_from(mut group: Vec<AddrRecord>, mac: Option<Mac>) -> DeviceDraft {
    // The address with the most evidence is the one the device answers on.
    group.sort_by(|a, b| {
        b.evidence
            .len()
            .cmp(&a.evidence.len())
            .then(a.addr.cmp(&b.addr))
    });
    let mac_seen = mac.and_then(|m| {
        group
            .iter()
            .flat_map(|r| r.macs.iter())
            .find(|s| s.mac == m)
            .map(|s| (s.mac, s.source, s.port))
    });
    let mut records = group.into_iter();
    let mut first = records.next().expect("a group holds at least one record");
    let mut other_addrs = Vec::new();
    for r in records {
        other_addrs.push(r.addr);
        first.tcp_ports.extend(r.tcp_ports);
        first.evidence.extend(r.evidence.into_vec());
        for name in &r.maker_names {
            add_maker_name(&mut first.maker_names, name);
        }
    }
    other_addrs.sort();
    DeviceDraft {
        addr: first.addr,
        other_addrs,
        mac: mac_seen,
        tcp_ports: first.tcp_ports,
        evidence: first.evidence,
        maker_names: first.maker_names,
    }
}
