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
    /// Bytes of values (and field names) kept, against `max_bytes`.
    bytes: usize,
    max_bytes: usize,
    pub dropped: u64,
}

/// The longest value kept for a field.
fn cap_of(field: &Field) -> usize {
    if field.as_str() == "http.body" {
        MAX_BODY
    } else {
        MAX_VALUE
    }
}

/// `obs::clean` (trimmed, control characters but line ends and tabs
/// removed, cut at `cap` bytes), without its character-by-character copy
/// when there is nothing to remove, as in almost every page and header.
fn clean_fast(value: &str, cap: usize) -> String {
    if has_control(value) {
        return clean(value, cap);
    }
    let value = value.trim();
    let mut cut = value.len().min(cap);
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    value[..cut].to_owned()
}

/// Whether `s` holds a character `obs::clean` removes: a Unicode control
/// (C0, DEL, C1) other than tab, line feed and carriage return. In UTF-8
/// the C1 controls are 0xC2 0x80..=0x9F.
fn has_control(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
            || c == 0x7f
            || (c == 0xc2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)))
    })
}

impl Evidence {
    pub fn new(limits: &Limits) -> Self {
        Evidence {
            by_addr: FxHashMap::default(),
            max_addrs: limits.max_addresses,
            per_addr: limits.observations_per_address,
            max_bytes: limits.evidence_bytes,
            bytes: 0,
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

    /// Records `field` = `value` as if it had gone through the scanner's
    /// recorder (`HostObs`) and then [`Evidence::take`]: cleaned twice,
    /// which is cleaned once and trimmed (the second pass can only trim
    /// what the first one's filtering or cutting left at the ends). For
    /// the values a reply parser would have given, read here directly to
    /// save their copies: a page's title and body.
    pub fn push_as_recorded(
        &mut self,
        addr: IpAddr,
        port: Option<u16>,
        field: &str,
        value: &str,
        ts: i64,
    ) {
        let Ok(field) = Field::new(field) else {
            return;
        };
        let once = clean_fast(value, cap_of(&field));
        let value = match once.trim() {
            t if t.len() == once.len() => once,
            t => t.to_owned(),
        };
        self.store(addr, port, field, value, ts);
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
        let value = clean_fast(value, cap_of(&field));
        self.store(addr, port, field, value, ts);
    }

    /// Keeps a cleaned value unless it is empty, already known, or over
    /// the caps.
    fn store(&mut self, addr: IpAddr, port: Option<u16>, field: Field, value: String, ts: i64) {
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
        let cost = value.len() + field.as_str().len();
        if slot.list.len() >= self.per_addr || self.bytes + cost > self.max_bytes {
            self.dropped += 1;
            return;
        }
        self.bytes += cost;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_clean_is_the_scanners() {
        let samples = [
            "  plain text  ",
            "line\r\nbreaks\tand tabs",
            "\u{1}\u{7f} leading controls",
            "c1 \u{85}\u{9f} controls, and \u{a0} no-break space",
            "监控 \u{fffd}\u{fffd}",
            "",
            " \t\n ",
        ];
        for s in samples {
            for cap in [3, 8, 4096] {
                assert_eq!(clean_fast(s, cap), clean(s, cap), "{s:?} cut at {cap}");
            }
        }
    }

    #[test]
    fn a_value_as_recorded_is_cleaned_twice() {
        let limits = Limits::default();
        let addr: IpAddr = "10.0.0.2".parse().expect("an address");
        let mut direct = Evidence::new(&limits);
        direct.push_as_recorded(addr, Some(80), "http.title", "\u{1} a title", 0);
        let mut obs = HostObs::new(addr);
        obs.push(
            Some(80),
            camaudit_model::Source::Http,
            "http.title",
            "\u{1} a title",
        );
        let mut through = Evidence::new(&limits);
        through.take(obs, Some(80), 0);
        let values = |e: &Evidence| {
            e.of(&addr)
                .iter()
                .map(|o| o.value.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(values(&direct), vec!["a title".to_owned()]);
        assert_eq!(values(&direct), values(&through));
    }
}
