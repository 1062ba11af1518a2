//! Each device's history across a series of scans: when it was first and
//! last seen, and every change of its address, firmware, maker or label.

use camaudit_model::Device;
use camaudit_store::ScanId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::diff::{ChangedField, changed_fields, sightings};
use crate::identity::match_sightings;
use crate::sighting::Sighting;

/// A scan that saw a device, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub scan: ScanId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// One change of one fact, and the scan that first saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineChange {
    pub scan: ScanId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub field: ChangedField,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One physical device through the scans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceHistory {
    pub first_seen: Seen,
    pub last_seen: Seen,
    /// How many of the scans saw it.
    pub sightings: usize,
    /// What is known of it now: the last sighting, with identifiers and
    /// facts the last scan did not read carried over from earlier ones.
    pub current: Sighting,
    pub changes: Vec<TimelineChange>,
}

/// Follows every device through `scans` (taken in order of time, then id),
/// matching each scan's devices against every device seen so far, not only
/// the previous scan's, so a device absent for a while keeps its history.
/// Devices come out in the order they were first seen.
pub fn history(scans: &[(ScanId, OffsetDateTime, Vec<Device>)]) -> Vec<DeviceHistory> {
    let mut order: Vec<&(ScanId, OffsetDateTime, Vec<Device>)> = scans.iter().collect();
    order.sort_by_key(|(id, at, _)| (*at, *id));
    let mut tracks: Vec<DeviceHistory> = Vec::new();
    for (scan, at, devices) in order {
        let seen = Seen {
            scan: *scan,
            at: *at,
        };
        let now = sightings(devices);
        let known: Vec<Sighting> = tracks.iter().map(|t| t.current.clone()).collect();
        let mut matched = vec![false; now.len()];
        for p in match_sightings(&known, &now) {
            matched[p.after] = true;
            advance(&mut tracks[p.before], &now[p.after], seen);
        }
        for (s, _) in now.iter().zip(&matched).filter(|(_, m)| !**m) {
            tracks.push(DeviceHistory {
                first_seen: seen,
                last_seen: seen,
                sightings: 1,
                current: s.clone(),
                changes: Vec::new(),
            });
        }
    }
    tracks
}

fn advance(track: &mut DeviceHistory, now: &Sighting, seen: Seen) {
    for f in changed_fields(&track.current, now) {
        track.changes.push(TimelineChange {
            scan: seen.scan,
            at: seen.at,
            field: f.field,
            before: f.before,
            after: f.after,
        });
    }
    track.current = carried_over(&track.current, now);
    track.last_seen = seen;
    track.sightings += 1;
}

/// The new sighting, with what it did not read taken from the old one (a
/// MAC unseen from this vantage is still the device's MAC).
fn carried_over(old: &Sighting, now: &Sighting) -> Sighting {
    let mut s = now.clone();
    s.addr = s.addr.or(old.addr);
    s.mac = s.mac.or(old.mac);
    s.serial = s.serial.take().or_else(|| old.serial.clone());
    s.model = s.model.take().or_else(|| old.model.clone());
    s.firmware = s.firmware.take().or_else(|| old.firmware.clone());
    s.label = s.label.take().or_else(|| old.label.clone());
    s.device_type = s.device_type.or(old.device_type);
    s
}
