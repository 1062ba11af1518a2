//! The words and tables every HTML report shares: rebrands by brand with
//! how the brand relates to its maker, the regimes in words, the evidence
//! that names a device's maker, and vendor ids as people write them.

use camaudit_model::Device;
use serde::{Deserialize, Serialize};

use crate::evidence::{EvidenceView, display_name};
use crate::tally::Tally;

/// Devices of one label unmasked as one maker's, for the summary table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebrandBrand {
    pub label: String,
    pub maker: String,
    pub relation: String,
    pub devices: usize,
}

/// Covered devices under one regime, with the regime in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegimeRow {
    pub id: String,
    pub title: String,
    pub devices: usize,
}

/// Covered devices per regime, with each regime in words.
pub fn regime_rows(tally: &Tally) -> Vec<RegimeRow> {
    tally
        .regimes
        .iter()
        .map(|r| RegimeRow {
            id: r.name.clone(),
            title: regime_title(&r.name).to_owned(),
            devices: r.devices,
        })
        .collect()
}

/// Evidence shown for each rebrand: enough to convince, short enough to read.
const REBRAND_EVIDENCE: usize = 3;

/// Rebrands by label and maker, with how the label relates to the maker.
pub fn brands(tally: &Tally, devices: &[Device]) -> Vec<RebrandBrand> {
    tally
        .rebrands
        .iter()
        .map(|r| {
            let relation = devices
                .iter()
                .find(|d| {
                    d.label_vendor
                        .as_ref()
                        .is_some_and(|l| l.as_str() == r.label)
                        && d.manufacturer
                            .as_ref()
                            .is_some_and(|m| m.as_str() == r.maker)
                })
                .and_then(|d| d.label_relation.as_deref());
            RebrandBrand {
                label: name_of(&r.label),
                maker: name_of(&r.maker),
                relation: relation_words(relation).to_owned(),
                devices: r.devices,
            }
        })
        .collect()
}

/// The evidence naming the device's maker that a reader is shown: one
/// from each kind of source first (a protocol answer, the MAC registry, a
/// web page), in the order the device's evidence gives them.
pub fn maker_evidence(d: &Device) -> Vec<EvidenceView> {
    let naming: Vec<&camaudit_model::Evidence> = d
        .evidence
        .iter()
        .filter(|e| {
            e.asserts
                .manufacturer
                .as_ref()
                .is_some_and(|m| Some(m) == d.manufacturer.as_ref())
        })
        .collect();
    let mut chosen: Vec<&camaudit_model::Evidence> = Vec::new();
    for e in &naming {
        if chosen.len() < REBRAND_EVIDENCE && !chosen.iter().any(|c| c.source == e.source) {
            chosen.push(e);
        }
    }
    for e in &naming {
        if chosen.len() < REBRAND_EVIDENCE && !chosen.iter().any(|c| std::ptr::eq(*c, *e)) {
            chosen.push(e);
        }
    }
    chosen.into_iter().map(EvidenceView::of).collect()
}

/// How a brand relates to its maker, in words (`oem-reseller` → "sold under
/// a reseller's brand (OEM / white label)").
pub fn relation_words(relation: Option<&str>) -> &'static str {
    match relation {
        Some("oem-reseller") => "sold under a reseller's brand (OEM / white label)",
        Some("own-brand") => "the maker's own second brand",
        Some("subsidiary" | "same-group") => "a brand of the maker's group",
        Some("former-subsidiary") => "a former subsidiary's brand",
        _ => "a brand the registry does not link to the maker",
    }
}

/// Regimes the registry knows, in words; others are shown by id.
pub(crate) const REGIMES: &[(&str, &str)] = &[
    (
        "uk-2022-directive",
        "UK Cabinet Office direction on visual surveillance systems (November 2022)",
    ),
    (
        "ndaa-889",
        "US National Defense Authorization Act 2019, section 889",
    ),
    (
        "fcc-covered-list",
        "US FCC Covered List (equipment posing a national security risk)",
    ),
];

fn regime_title(id: &str) -> &'static str {
    REGIMES
        .iter()
        .find(|(k, _)| *k == id)
        .map_or("", |(_, title)| title)
}

/// A vendor id as text, capitalised for reading ("hikvision" → "Hikvision").
pub(crate) fn name_of(id: &str) -> String {
    camaudit_model::VendorId::new(id)
        .map(|v| display_name(&v))
        .unwrap_or_else(|_| id.to_owned())
}
