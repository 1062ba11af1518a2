//! Which device of one scan is which device of another.
//!
//! Two sightings are the same physical device when they share a
//! firmware-set identifier and none contradicts:
//!
//! 1. the same MAC address, or
//! 2. the same serial number from the same manufacturer,
//!
//! and neither has a MAC or a serial that differs from the other's (two
//! different MACs are two devices, whatever the address says). Only when
//! the two sightings offer no firmware identifier to compare (one or both
//! lack a MAC, and they have no serial in common to check) does the
//! fallback apply: the same address, the same manufacturer (or both
//! unknown) and no model that differs.
//!
//! User-set values (ONVIF names, host names, the label a name suggests)
//! are never consulted: an installer names a new camera after the one it
//! replaced.
//!
//! Matches are one-to-one. When several pairs compete for a device (a MAC
//! echoed by several addresses, many channels of a NAT'd recorder behind
//! one address), the pairs are ranked — MAC before serial before address,
//! then by how many other facts agree, then by nearness in the two lists,
//! then by position — and taken greedily, so the same input always gives
//! the same answer.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;

use camaudit_model::{Mac, VendorId};
use serde::Serialize;

use crate::sighting::Sighting;

/// What made two sightings one device, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// The same MAC address.
    Mac,
    /// The same serial number from the same manufacturer.
    Serial,
    /// No firmware identifier to compare: the same address, manufacturer
    /// and model.
    Address,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Mac => "mac",
            MatchedBy::Serial => "serial",
            MatchedBy::Address => "address",
        }
    }
}

/// One device found in both lists: `before[before]` is `after[after]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    pub before: usize,
    pub after: usize,
    pub by: MatchedBy,
}

/// Devices sharing one key (a MAC, a serial, an address) beyond this many
/// on one side are compared with the first this many only, so a list with
/// one MAC on every line cannot make the match quadratic.
const MAX_GROUP: usize = 512;

/// The identifiers of one sighting, normalised for comparison.
struct Key<'a> {
    addr: Option<IpAddr>,
    mac: Option<Mac>,
    serial: Option<String>,
    maker: Option<&'a VendorId>,
    model: Option<String>,
    firmware: Option<&'a str>,
}

impl<'a> Key<'a> {
    fn of(s: &'a Sighting) -> Key<'a> {
        Key {
            addr: s.addr,
            mac: s.mac.filter(usable_mac),
            serial: s.serial.as_deref().and_then(usable_serial),
            maker: s.manufacturer.as_ref(),
            model: s.model.as_deref().map(normalise).filter(|m| !m.is_empty()),
            firmware: s.firmware.as_deref(),
        }
    }
}

/// All-zero and broadcast MACs are placeholders some firmware reports,
/// not identities; multicast bits never name one device either.
fn usable_mac(m: &Mac) -> bool {
    m.0 != [0; 6] && m.0 != [0xff; 6] && m.0[0] & 0x01 == 0
}

/// Serials too short, made of one repeated character, or a placeholder
/// word, name no device ("0", "000000", "N/A", "unknown").
fn usable_serial(s: &str) -> Option<String> {
    const PLACEHOLDERS: [&str; 8] = [
        "UNKNOWN", "N/A", "NA", "NONE", "NULL", "DEFAULT", "SERIAL", "TBD",
    ];
    let s = normalise(s);
    let mut chars = s.chars();
    let first = chars.next()?;
    let repeated = chars.all(|c| c == first);
    let placeholder = PLACEHOLDERS.contains(&s.as_str());
    (s.chars().count() >= 4 && !repeated && !placeholder).then_some(s)
}

fn normalise(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

/// Whether two optional identifiers agree, disagree, or cannot be compared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Agreement {
    Same,
    Differ,
    Absent,
}

fn agree<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> Agreement {
    match (a, b) {
        (Some(x), Some(y)) if x == y => Agreement::Same,
        (Some(_), Some(_)) => Agreement::Differ,
        _ => Agreement::Absent,
    }
}

/// Whether `a` and `b` are one device, and by what.
fn relation(a: &Key, b: &Key) -> Option<MatchedBy> {
    let mac = agree(&a.mac, &b.mac);
    let serial = agree(&a.serial, &b.serial);
    if mac == Agreement::Differ || serial == Agreement::Differ {
        return None;
    }
    if mac == Agreement::Same {
        return Some(MatchedBy::Mac);
    }
    let same_maker = a.maker == b.maker;
    if serial == Agreement::Same {
        // The same serial from two makers is a coincidence of formats, not
        // an identity; nor is it grounds for the address fallback.
        return (same_maker && a.maker.is_some()).then_some(MatchedBy::Serial);
    }
    let same_addr = a.addr.is_some() && a.addr == b.addr;
    let model_fits = agree(&a.model, &b.model) != Agreement::Differ;
    (same_addr && same_maker && model_fits).then_some(MatchedBy::Address)
}

/// How many facts besides the deciding one agree, to rank rival pairs.
fn agreement_score(a: &Key, b: &Key) -> u8 {
    let same = |x: bool| u8::from(x);
    same(agree(&a.mac, &b.mac) == Agreement::Same)
        + same(agree(&a.serial, &b.serial) == Agreement::Same)
        + same(a.addr.is_some() && a.addr == b.addr)
        + same(agree(&a.model, &b.model) == Agreement::Same)
        + same(a.firmware.is_some() && a.firmware == b.firmware)
        + same(a.maker.is_some() && a.maker == b.maker)
}

struct Candidate {
    by: MatchedBy,
    score: u8,
    before: usize,
    after: usize,
}

/// Pairs each device of `after` with at most one of `before` and the
/// reverse, as described in the module documentation. Pairs come in the
/// order of `after`.
pub fn match_sightings(before: &[Sighting], after: &[Sighting]) -> Vec<Pair> {
    let kb: Vec<Key> = before.iter().map(Key::of).collect();
    let ka: Vec<Key> = after.iter().map(Key::of).collect();
    let by_mac = index(&kb, |k| k.mac);
    let by_serial = index(&kb, |k| k.serial.clone());
    let by_addr = index(&kb, |k| k.addr);
    let mut candidates = Vec::new();
    for (j, a) in ka.iter().enumerate() {
        let mut seen: Vec<usize> = Vec::new();
        let groups = [
            a.mac.and_then(|m| by_mac.get(&m)),
            a.serial.as_ref().and_then(|s| by_serial.get(s)),
            a.addr.and_then(|ad| by_addr.get(&ad)),
        ];
        for i in groups
            .into_iter()
            .flatten()
            .flat_map(|g| g.iter().take(MAX_GROUP))
        {
            if seen.contains(i) {
                continue;
            }
            seen.push(*i);
            if let Some(by) = relation(&kb[*i], a) {
                candidates.push(Candidate {
                    by,
                    score: agreement_score(&kb[*i], a),
                    before: *i,
                    after: j,
                });
            }
        }
    }
    candidates.sort_by_key(|c| {
        (
            c.by,
            Reverse(c.score),
            c.before.abs_diff(c.after),
            c.before,
            c.after,
        )
    });
    let mut taken_before = vec![false; before.len()];
    let mut taken_after = vec![false; after.len()];
    let mut pairs = Vec::new();
    for c in candidates {
        if taken_before[c.before] || taken_after[c.after] {
            continue;
        }
        taken_before[c.before] = true;
        taken_after[c.after] = true;
        pairs.push(Pair {
            before: c.before,
            after: c.after,
            by: c.by,
        });
    }
    pairs.sort_by_key(|p| p.after);
    pairs
}

/// Positions of the keys, by the value `key` picks (when it has one).
fn index<K: Hash + Eq>(keys: &[Key], key: impl Fn(&Key) -> Option<K>) -> HashMap<K, Vec<usize>> {
    let mut map: HashMap<K, Vec<usize>> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(v) = key(k) {
            map.entry(v).or_default().push(i);
        }
    }
    map
}
