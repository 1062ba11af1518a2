//! Observations per address, de-duplicated and bounded, stamped with the
//! capture time they were first seen. Every observation is `source:
//! passive`; its `port` is set only where the address served that TCP port
//! (docs/pcap.md), so the identify engine's open ports stay true.

use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use camaudit_model::{Field, Observation, Source};
use camaudit_probe::obs::{HostObs, MAX_BODY, MAX_VALUE, clean};
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::Limits;
use crate::time::rfc3339;

#[derive(Debug, Default)]
struct AddrObs {
    list: Vec<Observation>,
    seen: FxHashSet<u64>,
}

/// Observations gathered so far.
#[derive(Debug)]
pub struct Evidence {
    by_addr: FxHashMap<IpAddr, AddrObs>,
    max_addrs: usize,
    per_addr: usize,
    pub dropped: u64,
}

impl Evidence {
    pub fn new(limits: &Limits) -> Self {
        Evidence {
            by_addr: FxHashMap::default(),
            max_addrs: limits.max_addresses,
            per_addr: limits.observations_per_address,
            dropped: 0,
        }
    }

    /// Records `field` = `value` for `addr`. `port` is the TCP port the
    /// address served, or `None`.
    pub fn push(&mut self, addr: IpAddr, port: Option<u16>, field: &str, value: &str, ts: i64) {
        let Ok(field) = Field::new(field) else {
            return;
        };
        self.push_field(addr, port, field, value, ts);
    }

    /// Records `prefix.key` with a protocol's own key normalised.
    pub fn push_key(
        &mut self,
        addr: IpAddr,
        port: Option<u16>,
        prefix: &str,
        key: &str,
        value: &str,
        ts: i64,
    ) {
        let Ok(field) = Field::with_key(prefix, key) else {
            return;
        };
        self.push_field(addr, port, field, value, ts);
    }

    /// Moves what one of the scanner's reply parsers found into the store,
    /// with the port the capture justifies.
    pub fn take(&mut self, found: HostObs, port: Option<u16>, ts: i64) {
        let addr = found.addr;
        for o in found.into_vec() {
            self.push_field(addr, port, o.field, &o.value, ts);
        }
    }

    fn push_field(&mut self, addr: IpAddr, port: Option<u16>, field: Field, value: &str, ts: i64) {
        let cap = if field.as_str() == "http.body" {
            MAX_BODY
        } else {
            MAX_VALUE
        };
        let value = clean(value, cap);
        if value.is_empty() {
            return;
        }
        let mut h = FxHasher::default();
        (port, field.as_str(), value.as_str()).hash(&mut h);
        let key = h.finish();
        let full = self.by_addr.len() >= self.max_addrs;
        let slot = match self.by_addr.get_mut(&addr) {
            Some(s) => s,
            None if full => {
                self.dropped += 1;
                return;
            }
            None => self.by_addr.entry(addr).or_default(),
        };
        if slot.seen.contains(&key) {
            return;
        }
        if slot.list.len() >= self.per_addr {
            self.dropped += 1;
            return;
        }
        slot.seen.insert(key);
        slot.list.push(Observation {
            addr,
            port,
            source: Source::Passive,
            field,
            value,
            seen_at: rfc3339(ts),
        });
    }

    pub fn addrs(&self) -> impl Iterator<Item = &IpAddr> {
        self.by_addr.keys()
    }

    pub fn of(&self, addr: &IpAddr) -> &[Observation] {
        self.by_addr.get(addr).map_or(&[], |s| s.list.as_slice())
    }

    /// Every observation, by address.
    pub fn into_map(self) -> FxHashMap<IpAddr, Vec<Observation>> {
        self.by_addr.into_iter().map(|(a, s)| (a, s.list)).collect()
    }
}
