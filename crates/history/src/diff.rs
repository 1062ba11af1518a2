//! Two device lists compared: new, gone and changed devices, and the
//! events a person looks for in them.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::net::IpAddr;

use camaudit_model::{Device, VendorId, Verdict};
use camaudit_store::{Scan, ScanId, ScanKind, ScanStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::firmware::{FirmwareStep, compare_firmware};
use crate::identity::{MatchedBy, match_sightings};
use crate::sighting::Sighting;

/// A scan as a diff names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanRef {
    pub id: ScanId,
    pub kind: ScanKind,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    pub status: ScanStatus,
    pub targets: Vec<String>,
}

impl ScanRef {
    pub fn of(scan: &Scan) -> ScanRef {
        ScanRef {
            id: scan.id,
            kind: scan.kind,
            started_at: scan.started_at,
            status: scan.status,
            targets: scan.targets.clone(),
        }
    }
}

/// A fact of a device that changed between two scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangedField {
    Address,
    Mac,
    Firmware,
    Model,
    Manufacturer,
    Label,
    /// The registry's answer (`covered`, `not-covered`, …).
    Coverage,
    DeviceType,
}

impl ChangedField {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangedField::Address => "address",
            ChangedField::Mac => "mac",
            ChangedField::Firmware => "firmware",
            ChangedField::Model => "model",
            ChangedField::Manufacturer => "manufacturer",
            ChangedField::Label => "label",
            ChangedField::Coverage => "coverage",
            ChangedField::DeviceType => "device-type",
        }
    }
}

/// One field's value before and after (`None`: not known in that scan).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: ChangedField,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What a change of one device means, in the words a report uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// The same device answers from another address (DHCP, re-cabling).
    Moved,
    /// The same physical device, covered before, now read as a maker no
    /// regime covers: its attribution changed, it was not removed.
    NoLongerCovered,
    /// The same device, not covered before (or of unknown make), now
    /// covered.
    NowCovered,
    /// The maker was proven before and is not now (less evidence this
    /// time): neither cleared nor condemned.
    NoLongerIdentified,
    FirmwareUpgrade,
    FirmwareDowngrade,
    /// Firmware changed in a way that cannot be ordered.
    FirmwareChanged,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Moved => "moved",
            ChangeKind::NoLongerCovered => "no-longer-covered",
            ChangeKind::NowCovered => "now-covered",
            ChangeKind::NoLongerIdentified => "no-longer-identified",
            ChangeKind::FirmwareUpgrade => "firmware-upgrade",
            ChangeKind::FirmwareDowngrade => "firmware-downgrade",
            ChangeKind::FirmwareChanged => "firmware-changed",
        }
    }
}

/// One device seen in both scans whose facts differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub before: Sighting,
    pub after: Sighting,
    pub matched_by: MatchedBy,
    pub fields: Vec<FieldChange>,
    pub kinds: Vec<ChangeKind>,
}

/// What a replacement at one address amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReplacementKind {
    /// A covered device replaced by another brand of the same maker (a
    /// Hikvision by an Annke that is Hikvision inside): the covered maker
    /// is still there.
    SwappedForRebrandOfSameMaker,
    /// A covered device replaced by another of the same maker and brand.
    SameCoveredMaker,
    /// A covered device replaced by one of another covered maker.
    AnotherCoveredMaker,
    /// A covered device replaced by one of a maker no regime covers: a
    /// correct replacement.
    CoveredReplacedByNotCovered,
    /// A covered device replaced by one whose maker is not proven (or
    /// disputed): not shown to be out of scope yet.
    CoveredReplacedByUnconfirmed,
    /// A device that was not covered replaced by a covered one.
    NotCoveredReplacedByCovered,
    /// Neither is covered.
    Replaced,
}

impl ReplacementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplacementKind::SwappedForRebrandOfSameMaker => "swapped-for-rebrand-of-same-maker",
            ReplacementKind::SameCoveredMaker => "same-covered-maker",
            ReplacementKind::AnotherCoveredMaker => "another-covered-maker",
            ReplacementKind::CoveredReplacedByNotCovered => "covered-replaced-by-not-covered",
            ReplacementKind::CoveredReplacedByUnconfirmed => "covered-replaced-by-unconfirmed",
            ReplacementKind::NotCoveredReplacedByCovered => "not-covered-replaced-by-covered",
            ReplacementKind::Replaced => "replaced",
        }
    }
}

/// A device gone from an address and a different one new at it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replacement {
    pub addr: IpAddr,
    pub before: Sighting,
    pub after: Sighting,
    pub kind: ReplacementKind,
    /// For a swap within one maker: that maker's group (`hikvision`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maker: Option<VendorId>,
}

/// A covered device new since the first scan that an earlier scan had
/// seen, covered and of the same maker: it was gone, and it is back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Return {
    pub device: Sighting,
    /// The scan that last saw it before it went.
    pub last_seen_in: ScanId,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    pub earlier: Sighting,
    pub matched_by: MatchedBy,
}

/// How many of each, for summary lines and dashboards. Each device is
/// counted once: `new` and `gone` leave out the devices of a replacement
/// (counted in `replaced`) and `new` those that came back (`came_back`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiffCounts {
    pub new: usize,
    pub new_covered: usize,
    pub gone: usize,
    pub gone_covered: usize,
    pub changed: usize,
    pub replaced: usize,
    pub rebrand_swaps: usize,
    pub came_back: usize,
    pub no_longer_covered: usize,
    pub now_covered: usize,
    pub unchanged: usize,
}

/// What changed between two device lists (two scans of one place).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<ScanRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<ScanRef>,
    pub counts: DiffCounts,
    /// Devices of the second list matched by none of the first.
    pub new: Vec<Sighting>,
    /// Devices of the first list matched by none of the second.
    pub gone: Vec<Sighting>,
    pub changed: Vec<Change>,
    /// Pairs of a gone and a new device at the same address (each is also
    /// in `gone` and `new`).
    pub replaced: Vec<Replacement>,
    /// Covered devices of `new` seen by a scan before the first (filled by
    /// [`diff_scans`](crate::diff_scans), which has the earlier scans).
    pub came_back: Vec<Return>,
    pub unchanged: usize,
}

/// Compares `before` with `after` (the devices of two scans of one place).
pub fn diff(before: &[Device], after: &[Device]) -> Diff {
    let before = sightings(before);
    let after = sightings(after);
    let pairs = match_sightings(&before, &after);
    let mut matched_before = vec![false; before.len()];
    let mut matched_after = vec![false; after.len()];
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for p in &pairs {
        matched_before[p.before] = true;
        matched_after[p.after] = true;
        match change(&before[p.before], &after[p.after], p.by) {
            Some(c) => changed.push(c),
            None => unchanged += 1,
        }
    }
    let unmatched = |list: &[Sighting], matched: &[bool]| -> Vec<Sighting> {
        list.iter()
            .zip(matched)
            .filter(|(_, m)| !**m)
            .map(|(s, _)| s.clone())
            .collect()
    };
    let new = unmatched(&after, &matched_after);
    let gone = unmatched(&before, &matched_before);
    let replaced = replacements(&gone, &new);
    let mut d = Diff {
        from: None,
        to: None,
        counts: DiffCounts::default(),
        new,
        gone,
        changed,
        replaced,
        came_back: Vec::new(),
        unchanged,
    };
    d.counts = d.count();
    d
}

pub(crate) fn sightings(devices: &[Device]) -> Vec<Sighting> {
    devices
        .iter()
        .enumerate()
        .map(|(i, d)| Sighting::of(i, d))
        .collect()
}

impl Diff {
    /// Recounts after `new`, `gone`, `replaced` or `came_back` changed.
    pub(crate) fn count(&self) -> DiffCounts {
        let replaced_after: HashSet<usize> = self.replaced.iter().map(|r| r.after.idx).collect();
        let replaced_before: HashSet<usize> = self.replaced.iter().map(|r| r.before.idx).collect();
        let returned: HashSet<usize> = self.came_back.iter().map(|r| r.device.idx).collect();
        let new: Vec<&Sighting> = self
            .new
            .iter()
            .filter(|s| !replaced_after.contains(&s.idx) && !returned.contains(&s.idx))
            .collect();
        let gone: Vec<&Sighting> = self
            .gone
            .iter()
            .filter(|s| !replaced_before.contains(&s.idx))
            .collect();
        let kinds = |k: ChangeKind| self.changed.iter().filter(|c| c.kinds.contains(&k)).count();
        DiffCounts {
            new: new.len(),
            new_covered: new.iter().filter(|s| s.is_covered()).count(),
            gone: gone.len(),
            gone_covered: gone.iter().filter(|s| s.is_covered()).count(),
            changed: self.changed.len(),
            replaced: self.replaced.len(),
            rebrand_swaps: self
                .replaced
                .iter()
                .filter(|r| r.kind == ReplacementKind::SwappedForRebrandOfSameMaker)
                .count(),
            came_back: self.came_back.len(),
            no_longer_covered: kinds(ChangeKind::NoLongerCovered),
            now_covered: kinds(ChangeKind::NowCovered),
            unchanged: self.unchanged,
        }
    }

    /// Whether nothing changed at all.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.gone.is_empty() && self.changed.is_empty()
    }

    /// Finds, among the covered new devices, those an earlier scan saw
    /// covered and of the same maker. `earlier` is newest first; each
    /// device is judged by the newest scan that saw it (a device that scan
    /// saw as not covered did not come back, whatever older scans said).
    pub fn mark_returns(&mut self, earlier: &[(ScanRef, Vec<Device>)]) {
        let mut waiting: Vec<Sighting> = self
            .new
            .iter()
            .filter(|s| s.is_covered())
            .cloned()
            .collect();
        for (scan, devices) in earlier {
            if waiting.is_empty() {
                break;
            }
            // Identity first, over every device of that scan; then the
            // claim. A device found in a newer scan is not looked for in
            // older ones, whatever it was there.
            let seen = sightings(devices);
            let mut found = vec![false; waiting.len()];
            for p in match_sightings(&seen, &waiting) {
                found[p.after] = true;
                let (was, now) = (&seen[p.before], &waiting[p.after]);
                if same_covered_maker(was, now) {
                    self.came_back.push(Return {
                        device: now.clone(),
                        last_seen_in: scan.id,
                        last_seen_at: scan.started_at,
                        earlier: was.clone(),
                        matched_by: p.by,
                    });
                }
            }
            waiting = waiting
                .into_iter()
                .zip(found)
                .filter(|(_, found)| !found)
                .map(|(s, _)| s)
                .collect();
        }
        self.came_back.sort_by_key(|r| r.device.idx);
        self.counts = self.count();
    }
}

/// Both covered, by the same proven maker: the one claim "came back" makes.
/// A device that is not covered now never qualifies, whatever it was.
fn same_covered_maker(was: &Sighting, now: &Sighting) -> bool {
    was.is_covered()
        && now.is_covered()
        && now.manufacturer.is_some()
        && was.manufacturer == now.manufacturer
}

/// The change between two sightings of one device, or `None` when nothing
/// a diff compares differs.
fn change(b: &Sighting, a: &Sighting, by: MatchedBy) -> Option<Change> {
    let fields = changed_fields(b, a);
    if fields.is_empty() {
        return None;
    }
    let kinds = change_kinds(b, a, &fields);
    Some(Change {
        before: b.clone(),
        after: a.clone(),
        matched_by: by,
        fields,
        kinds,
    })
}

/// A value absent on one side is not known there: that is no change (a
/// scan from elsewhere sees no MAC; a timed-out probe reads no firmware).
/// The maker and the registry's answer are compared even so, since losing
/// or gaining them changes what the device counts as.
pub(crate) fn changed_fields(b: &Sighting, a: &Sighting) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut both = |field, x: Option<String>, y: Option<String>, same: fn(&str, &str) -> bool| {
        if let (Some(p), Some(q)) = (&x, &y)
            && !same(p, q)
        {
            out.push(FieldChange {
                field,
                before: x,
                after: y,
            });
        }
    };
    let text = |s: &Option<String>| s.clone();
    let exact = |p: &str, q: &str| p == q;
    let folded = |p: &str, q: &str| p.trim().eq_ignore_ascii_case(q.trim());
    both(
        ChangedField::Address,
        b.addr.map(|x| x.to_string()),
        a.addr.map(|x| x.to_string()),
        exact,
    );
    both(
        ChangedField::Mac,
        b.mac.map(|x| x.to_string()),
        a.mac.map(|x| x.to_string()),
        exact,
    );
    both(
        ChangedField::Firmware,
        text(&b.firmware),
        text(&a.firmware),
        folded,
    );
    both(ChangedField::Model, text(&b.model), text(&a.model), folded);
    both(
        ChangedField::Label,
        b.label.as_ref().map(|v| v.to_string()),
        a.label.as_ref().map(|v| v.to_string()),
        exact,
    );
    both(
        ChangedField::DeviceType,
        b.device_type.map(|t| t.as_str().to_owned()),
        a.device_type.map(|t| t.as_str().to_owned()),
        exact,
    );
    if b.manufacturer != a.manufacturer {
        out.push(FieldChange {
            field: ChangedField::Manufacturer,
            before: b.manufacturer.as_ref().map(|v| v.to_string()),
            after: a.manufacturer.as_ref().map(|v| v.to_string()),
        });
    }
    if b.verdict != a.verdict {
        out.push(FieldChange {
            field: ChangedField::Coverage,
            before: Some(b.verdict.as_str().to_owned()),
            after: Some(a.verdict.as_str().to_owned()),
        });
    }
    out.sort_by_key(|f| f.field);
    out
}

fn change_kinds(b: &Sighting, a: &Sighting, fields: &[FieldChange]) -> Vec<ChangeKind> {
    let has = |f: ChangedField| fields.iter().any(|c| c.field == f);
    let mut kinds = Vec::new();
    if has(ChangedField::Address) {
        kinds.push(ChangeKind::Moved);
    }
    if b.is_covered() && a.verdict == Verdict::NotCovered {
        kinds.push(ChangeKind::NoLongerCovered);
    }
    if a.is_covered() && !b.is_covered() {
        kinds.push(ChangeKind::NowCovered);
    }
    if b.manufacturer.is_some() && a.manufacturer.is_none() {
        kinds.push(ChangeKind::NoLongerIdentified);
    }
    if has(ChangedField::Firmware) {
        kinds.push(firmware_kind(b, a));
    }
    kinds
}

/// Firmware is ordered only within one maker and model family: another
/// maker's numbering says nothing about this one's.
fn firmware_kind(b: &Sighting, a: &Sighting) -> ChangeKind {
    let comparable = b.manufacturer.is_some()
        && b.manufacturer == a.manufacturer
        && match (&b.model, &a.model) {
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
            _ => true,
        };
    let step = match (&b.firmware, &a.firmware) {
        (Some(x), Some(y)) if comparable => compare_firmware(x, y),
        _ => FirmwareStep::Changed,
    };
    match step {
        FirmwareStep::Upgrade => ChangeKind::FirmwareUpgrade,
        FirmwareStep::Downgrade => ChangeKind::FirmwareDowngrade,
        FirmwareStep::Changed => ChangeKind::FirmwareChanged,
    }
}

/// Pairs gone and new devices at the same address, one to one, in list
/// order (several devices can share an address behind NAT).
fn replacements(gone: &[Sighting], new: &[Sighting]) -> Vec<Replacement> {
    let mut arrived: BTreeMap<IpAddr, VecDeque<&Sighting>> = BTreeMap::new();
    for s in new {
        if let Some(a) = s.addr {
            arrived.entry(a).or_default().push_back(s);
        }
    }
    let mut out = Vec::new();
    for b in gone {
        let Some(addr) = b.addr else { continue };
        let Some(a) = arrived.get_mut(&addr).and_then(VecDeque::pop_front) else {
            continue;
        };
        let (kind, maker) = replacement_kind(b, a);
        out.push(Replacement {
            addr,
            before: b.clone(),
            after: a.clone(),
            kind,
            maker,
        });
    }
    out
}

fn replacement_kind(b: &Sighting, a: &Sighting) -> (ReplacementKind, Option<VendorId>) {
    // The maker, not its owner: Hikvision and the other companies of its
    // state-owned parent are not one maker's brands.
    let group = b
        .manufacturer
        .as_ref()
        .filter(|m| Some(*m) == a.manufacturer.as_ref())
        .cloned();
    let kind = match (b.is_covered(), a.is_covered()) {
        (true, true) if group.is_some() && b.shown_brand() != a.shown_brand() => {
            ReplacementKind::SwappedForRebrandOfSameMaker
        }
        (true, true) if group.is_some() => ReplacementKind::SameCoveredMaker,
        (true, true) => ReplacementKind::AnotherCoveredMaker,
        (true, false) if a.verdict == Verdict::NotCovered => {
            ReplacementKind::CoveredReplacedByNotCovered
        }
        (true, false) => ReplacementKind::CoveredReplacedByUnconfirmed,
        (false, true) => ReplacementKind::NotCoveredReplacedByCovered,
        (false, false) => ReplacementKind::Replaced,
    };
    let maker = (kind == ReplacementKind::SwappedForRebrandOfSameMaker
        || kind == ReplacementKind::SameCoveredMaker)
        .then_some(group)
        .flatten();
    (kind, maker)
}
