//! Which devices a KEV entry applies to: the product families and firmware
//! builds the vendor advisories (or the CVE record) document, and the
//! verdict for one device.

use camaudit_model::{KevNote, VendorId};
use serde::Serialize;

use crate::Registry;
use crate::types::{KevEntry, Level};
use camaudit_model::date::{BuildDate, parse_build_date};

/// One documented range of a KEV entry (`[[kev.affected]]`): a product
/// family, optionally narrowed by model and firmware-line prefixes, and the
/// first fixed build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KevRange {
    /// The products as the advisory describes them.
    pub products: String,
    /// Model numbers this range is about (case-insensitive prefixes; empty:
    /// every model of the vendor). Dahua's `DH-`/`DHI-` tag is ignored on
    /// both sides.
    pub model_prefixes: Vec<String>,
    /// Firmware lines this range is about (case-insensitive prefixes of the
    /// version, a leading `V` ignored; empty: every line), for advisories
    /// that give a fixed build per firmware line rather than per model.
    pub firmware_prefixes: Vec<String>,
    /// Builds dated before this (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, read as
    /// the first day of the period) are affected; builds on or after it are
    /// not.
    pub build_before: Option<String>,
    #[serde(skip)]
    pub(crate) bound: Option<BuildDate>,
    /// `model_prefixes` and `firmware_prefixes` as compared ([`model_key`],
    /// `firmware_key`), worked out once at load: every device asks.
    #[serde(skip)]
    pub(crate) model_keys: Vec<String>,
    #[serde(skip)]
    pub(crate) firmware_keys: Vec<String>,
    /// The first fixed firmware, as the source writes it.
    pub fixed_in: Option<String>,
    /// The affected versions as the source writes them.
    pub versions: Option<String>,
    pub confidence: Level,
    pub sources: Vec<String>,
    pub notes: Option<String>,
}

/// The verdict, shared with `camaudit check` and the device schema (it
/// lives in `camaudit-model`, where the device type can use it).
pub use camaudit_model::KevStatus;

/// A KEV entry judged for one device, with the reason and the range used.
#[derive(Debug, Clone, Serialize)]
pub struct KevMatch<'a> {
    #[serde(skip)]
    pub kev: &'a KevEntry,
    pub cve: &'a str,
    pub status: KevStatus,
    /// Why, in a sentence fit for a report.
    pub reason: String,
    /// The range that decided it (also for `Unknown` when only the firmware
    /// was missing).
    pub range: Option<&'a KevRange>,
    /// The build date read from the device's firmware, if any.
    pub firmware_build: Option<BuildDate>,
}

impl<'a> KevMatch<'a> {
    /// The entry's sources, then the range's.
    pub fn sources(&self) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = self.kev.sources.iter().map(String::as_str).collect();
        for s in self.range.iter().flat_map(|r| r.sources.iter()) {
            if !out.contains(&s.as_str()) {
                out.push(s);
            }
        }
        out
    }

    /// The verdict as reported: CVE, status, reason and sources.
    pub fn note(&self) -> KevNote {
        KevNote {
            cve: self.cve.to_owned(),
            status: self.status,
            reason: self.reason.clone(),
            sources: self.sources().into_iter().map(str::to_owned).collect(),
        }
    }

    /// The weaker of the entry's and the range's confidence.
    pub fn confidence(&self) -> Level {
        self.range.map_or(self.kev.confidence, |r| {
            r.confidence.weakest(self.kev.confidence)
        })
    }
}

impl Registry {
    /// The KEV entries of each of `vendors` (the maker, then a label brand
    /// with entries of its own), judged for a device of this model and
    /// firmware ([`Registry::kev_applicability`]): each CVE once, the first
    /// vendor's judgement kept, sorted by CVE.
    pub fn kev_notes(
        &self,
        vendors: &[&VendorId],
        model: Option<&str>,
        firmware: Option<&str>,
    ) -> Vec<KevNote> {
        self.kev_notes_built(vendors, model, firmware, None)
    }

    /// [`Registry::kev_notes`] for a device whose evidence states the
    /// firmware's build date beside the version (`stated_build`: Dahua
    /// `…R,build:2022-03-11`, Hikvision ISAPI `firmwareReleasedDate`). A date
    /// in the version string itself still comes first.
    pub fn kev_notes_built(
        &self,
        vendors: &[&VendorId],
        model: Option<&str>,
        firmware: Option<&str>,
        stated_build: Option<BuildDate>,
    ) -> Vec<KevNote> {
        let mut notes: Vec<KevNote> = Vec::new();
        for vendor in vendors {
            for m in self.kev_applicability_built(vendor, model, firmware, stated_build) {
                if !notes.iter().any(|n| n.cve == m.cve) {
                    notes.push(m.note());
                }
            }
        }
        notes.sort_by(|a, b| a.cve.cmp(&b.cve));
        notes
    }

    /// Whether any KEV entry is recorded against `vendor`: most makers have
    /// none, and a device of theirs needs no judgement.
    pub fn has_kev(&self, vendor: &VendorId) -> bool {
        self.kev.iter().any(|k| &k.vendor == vendor)
    }
}

/// How well a range fits a device on one axis (model or firmware line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// It applies; the number is the length of the matching prefix (0 when
    /// the range lists none), so that the most specific range wins.
    Yes(usize),
    No,
    /// The range lists prefixes but the device's value is unknown.
    Undecided,
}

impl Fit {
    fn and(self, other: Fit) -> Fit {
        match (self, other) {
            (Fit::No, _) | (_, Fit::No) => Fit::No,
            (Fit::Undecided, _) | (_, Fit::Undecided) => Fit::Undecided,
            (Fit::Yes(a), Fit::Yes(b)) => Fit::Yes(a + b),
        }
    }
}

/// `model` upper-cased, without whitespace and without Dahua's regional
/// `DH-`/`DHI-` tag: Dahua writes one camera as `DH-IPC-HDW…`,
/// `DHI-IPC-HDW…` or `IPC-HDW…`, and OEMs drop the tag.
pub(crate) fn model_key(model: &str) -> String {
    let key: String = model
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    for tag in ["DHI-", "DH-"] {
        if let Some(rest) = key.strip_prefix(tag) {
            return rest.to_owned();
        }
    }
    key
}

/// A firmware version upper-cased, trimmed, without a leading `V` before a
/// digit (`V2.420…` and `2.420…` are the same line), and with `_` read as
/// `.` (devices report both `2.622.00AC000…` and `2.622_00AC000…`).
fn firmware_key(firmware: &str) -> String {
    let t = firmware.trim().to_ascii_uppercase().replace('_', ".");
    match t.strip_prefix('V') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_owned(),
        _ => t,
    }
}

/// How well a value fits a list of prefix keys: `key` turns the device's
/// value into the form the keys are in.
fn prefix_fit(keys: &[String], value: Option<&str>, key: fn(&str) -> String) -> Fit {
    if keys.is_empty() {
        return Fit::Yes(0);
    }
    let Some(value) = value else {
        return Fit::Undecided;
    };
    let value = key(value);
    keys.iter()
        .filter(|p| !p.is_empty() && starts_with_pattern(&value, p))
        .map(|p| p.len())
        .max()
        .map_or(Fit::No, Fit::Yes)
}

/// Whether `value` starts with `pattern`, where `#` in the pattern is one
/// ASCII digit and a pattern ending in `#` wants no further digit: Dahua's
/// `NVR1XXX` (an NVR1 recorder with a four-digit number, NVR1104HS) is
/// `NVR1###`, which NVR16CH-16P (another brand's numbering) does not fit.
fn starts_with_pattern(value: &str, pattern: &str) -> bool {
    let (v, p) = (value.as_bytes(), pattern.as_bytes());
    if v.len() < p.len() {
        return false;
    }
    let each_fits = p.iter().zip(v).all(|(pc, vc)| match pc {
        b'#' => vc.is_ascii_digit(),
        _ => pc == vc,
    });
    let number_ends = p.last() != Some(&b'#') || !v.get(p.len()).is_some_and(u8::is_ascii_digit);
    each_fits && number_ends
}

impl KevRange {
    /// Fills in the comparison keys of the prefixes.
    pub(crate) fn with_keys(mut self) -> Self {
        self.model_keys = self.model_prefixes.iter().map(|p| model_key(p)).collect();
        self.firmware_keys = self
            .firmware_prefixes
            .iter()
            .map(|p| firmware_key(p))
            .collect();
        self
    }

    fn fit(&self, model: Option<&str>, firmware: Option<&str>) -> Fit {
        let by_model = prefix_fit(&self.model_keys, model, model_key);
        let by_line = prefix_fit(&self.firmware_keys, firmware, firmware_key);
        by_model.and(by_line)
    }

    /// "IP cameras IPC-HX3XXX …; fixed in …" for reasons.
    fn describe(&self) -> String {
        match &self.fixed_in {
            Some(f) => format!("{} (fixed in {f})", self.products),
            None => self.products.clone(),
        }
    }
}

/// Judges one KEV entry for a device of this model and firmware.
pub(crate) fn assess<'a>(
    kev: &'a KevEntry,
    model: Option<&str>,
    firmware: Option<&str>,
    stated_build: Option<BuildDate>,
) -> KevMatch<'a> {
    let own_build = firmware.and_then(parse_build_date);
    let build = match (own_build, stated_build) {
        (Some(b), _) => Some(Build::InVersion(b)),
        (None, Some(b)) => Some(Build::Stated(b)),
        (None, None) => None,
    };
    let firmware_build = build.map(Build::date);
    let unknown = |reason: String, range: Option<&'a KevRange>| KevMatch {
        kev,
        cve: &kev.cve,
        status: KevStatus::Unknown,
        reason,
        range,
        firmware_build,
    };
    if kev.affected.is_empty() {
        return unknown(
            "no affected products or firmware builds are documented for this CVE in the registry"
                .into(),
            None,
        );
    }
    let fits: Vec<(Fit, &KevRange)> = kev
        .affected
        .iter()
        .map(|r| (r.fit(model, firmware), r))
        .collect();
    // The most specific range that certainly applies; the first on a tie.
    let best = fits
        .iter()
        .filter_map(|(f, r)| match f {
            Fit::Yes(n) => Some((*n, *r)),
            _ => None,
        })
        .rev()
        .max_by_key(|(n, _)| *n)
        .map(|(_, r)| r);
    let Some(range) = best else {
        let undecided = fits.iter().any(|(f, _)| *f == Fit::Undecided);
        let reason = if undecided {
            "the documented ranges are per model or firmware line, and the device's is not known"
                .to_owned()
        } else {
            let device = match (model, firmware) {
                (Some(m), Some(f)) => format!("model {m} with firmware {f}"),
                (Some(m), None) => format!("model {m}"),
                (None, Some(f)) => format!("firmware {f}"),
                (None, None) => "the device".to_owned(),
            };
            format!("{device} is not among the documented product families or firmware lines")
        };
        return unknown(reason, None);
    };
    judge(kev, range, firmware, build)
}

/// Where the build date compared came from.
#[derive(Debug, Clone, Copy)]
enum Build {
    /// Read from the version string itself (`V5.5.800 build 210628`).
    InVersion(BuildDate),
    /// Stated by the evidence beside the version.
    Stated(BuildDate),
}

impl Build {
    fn date(self) -> BuildDate {
        match self {
            Build::InVersion(b) | Build::Stated(b) => b,
        }
    }

    /// "firmware build 2021-06-01" or, when the version does not carry it,
    /// "firmware build 2022-03-11 (stated beside version 2.800…)".
    fn describe(self, firmware: Option<&str>) -> String {
        match (self, firmware) {
            (Build::Stated(b), Some(fw)) => {
                format!("firmware build {b} (stated beside version {fw})")
            }
            (Build::Stated(b), None) => format!("firmware build {b} (stated by the device)"),
            (Build::InVersion(b), _) => format!("firmware build {b}"),
        }
    }
}

/// The verdict within one range, from the firmware's build date.
fn judge<'a>(
    kev: &'a KevEntry,
    range: &'a KevRange,
    firmware: Option<&str>,
    build: Option<Build>,
) -> KevMatch<'a> {
    let what = range.describe();
    let (status, reason) = match (range.bound, build, firmware) {
        (None, _, _) => (
            KevStatus::Unknown,
            format!("{what}: the source gives no build date to compare with"),
        ),
        (Some(bound), None, None) => (
            KevStatus::Unknown,
            format!("{what}: builds before {bound} are affected; the firmware is not known"),
        ),
        (Some(bound), None, Some(fw)) => (
            KevStatus::Unknown,
            format!(
                "{what}: builds before {bound} are affected; no build date could be read from firmware {fw:?}"
            ),
        ),
        (Some(bound), Some(build), _) if build.date() < bound => (
            KevStatus::Affected,
            format!(
                "{what}: {} is before {bound}, the first fixed build",
                build.describe(firmware)
            ),
        ),
        (Some(bound), Some(build), _) => (
            KevStatus::NotAffected,
            format!(
                "{what}: {} is not before {bound}, the first fixed build",
                build.describe(firmware)
            ),
        ),
    };
    KevMatch {
        kev,
        cve: &kev.cve,
        status,
        reason,
        range: Some(range),
        firmware_build: build.map(Build::date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_keys_ignore_case_spaces_and_the_dahua_tag() {
        assert_eq!(model_key("dh-ipc-hdw 3441t"), "IPC-HDW3441T");
        assert_eq!(model_key("DHI-NVR2108HS"), "NVR2108HS");
        assert_eq!(model_key("DS-2CD2143G2-I"), "DS-2CD2143G2-I");
        assert_eq!(model_key(""), "");
    }

    #[test]
    fn firmware_keys_drop_a_leading_v_before_a_digit() {
        assert_eq!(firmware_key(" v2.420.AC00.18.R "), "2.420.AC00.18.R");
        assert_eq!(firmware_key("2.622_00AC000.0.R"), "2.622.00AC000.0.R");
        assert_eq!(firmware_key("Version 1"), "VERSION 1");
    }

    #[test]
    fn notes_cover_every_vendor_once_per_cve_in_cve_order() {
        let registry = Registry::builtin().expect("built-in registry");
        let id = |v: &str| VendorId::new(v).expect("vendor id");
        let (dahua, amcrest, axis) = (id("dahua"), id("amcrest"), id("axis"));
        assert!(registry.has_kev(&dahua) && registry.has_kev(&amcrest));
        assert!(!registry.has_kev(&axis));
        let firmware = Some("2.800.0000000.13.R.200101");
        let notes = registry.kev_notes(
            &[&dahua, &amcrest, &dahua, &axis],
            Some("DH-IPC-HDW5831R-ZE"),
            firmware,
        );
        let cves: Vec<&str> = notes.iter().map(|n| n.cve.as_str()).collect();
        assert_eq!(cves, ["CVE-2020-5735", "CVE-2021-33044", "CVE-2021-33045"]);
        // Built 2020-01-01: before both Dahua camera fixes and Amcrest's
        // 2.800.0000000 line fix (2020-03-14).
        assert!(notes.iter().all(|n| n.status == KevStatus::Affected));
        // A note is the match as reported.
        let m = &registry.kev_applicability(&amcrest, None, firmware)[0];
        assert_eq!(m.note(), notes[0]);
        assert!(registry.kev_notes(&[&axis], None, None).is_empty());
    }

    #[test]
    fn fits_combine() {
        let p = vec!["IPC-HFW3".to_owned(), "IPC-HFW".to_owned()];
        assert_eq!(
            prefix_fit(&p, Some("DH-IPC-HFW3441E"), model_key),
            Fit::Yes(8)
        );
        assert_eq!(prefix_fit(&p, Some("SD22404"), model_key), Fit::No);
        assert_eq!(prefix_fit(&p, None, model_key), Fit::Undecided);
        assert_eq!(prefix_fit(&[], None, model_key), Fit::Yes(0));
        assert_eq!(Fit::Yes(2).and(Fit::Undecided), Fit::Undecided);
        assert_eq!(Fit::Undecided.and(Fit::No), Fit::No);
    }
}
