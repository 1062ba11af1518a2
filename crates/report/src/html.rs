//! The demo's HTML report: one self-contained page (inline CSS and SVG, no
//! script, nothing fetched) that a board member can read, built from the
//! same tally and evidence views as the text outputs and rendered through
//! a compiled template (`templates/demo_report.html`), which escapes every
//! value.

use askama::Template;
use camaudit_model::Device;
use serde::Serialize;

use crate::demo::{Accuracy, ScanSummary, pct};
use crate::devices::DeviceRow;
use crate::error::{Context, Result};
use crate::evidence::{EvidenceView, display_name};
use crate::tally::{MakerBar, Tally, maker_bars};

/// A device whose label is not its maker, with the evidence that names
/// the real maker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RebrandRow {
    pub addr: Option<String>,
    pub label: Option<String>,
    /// How the label relates to the maker, in words ("OEM / white-label
    /// reseller").
    pub relation: Option<&'static str>,
    pub maker: Option<String>,
    pub model: Option<String>,
    /// Up to three pieces of evidence asserting the real maker.
    pub evidence: Vec<EvidenceView>,
}

/// Devices of one label unmasked as one maker's, for the summary table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RebrandBrand {
    pub label: String,
    pub maker: String,
    pub relation: &'static str,
    pub devices: usize,
}

/// A device and its evidence in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceView {
    pub row: DeviceRow,
    pub evidence: Vec<EvidenceView>,
}

/// Covered devices under one regime, with the regime in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegimeRow {
    pub id: String,
    pub title: &'static str,
    pub devices: usize,
}

/// Everything the demo report shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoReport {
    pub scan: ScanSummary,
    /// Devices the simulated estate holds (the answer key's size).
    pub estate_devices: usize,
    pub accuracy: Accuracy,
    pub tally: Tally,
    pub bars: Vec<MakerBar>,
    pub regimes: Vec<RegimeRow>,
    /// Rebrands by label and maker.
    pub brands: Vec<RebrandBrand>,
    /// Each rebranded device, with the evidence naming its maker.
    pub rebrands: Vec<RebrandRow>,
    pub devices: Vec<DeviceView>,
}

/// Evidence shown for each rebrand: enough to convince, short enough to read.
const REBRAND_EVIDENCE: usize = 3;

impl DemoReport {
    pub fn new(
        scan: &ScanSummary,
        estate_devices: usize,
        devices: &[Device],
        accuracy: &Accuracy,
    ) -> Self {
        let tally = Tally::of(devices);
        let regimes = tally
            .regimes
            .iter()
            .map(|r| RegimeRow {
                id: r.name.clone(),
                title: regime_title(&r.name),
                devices: r.devices,
            })
            .collect();
        let rebrands: Vec<RebrandRow> = devices
            .iter()
            .filter(|d| d.is_rebrand())
            .map(rebrand_row)
            .collect();
        DemoReport {
            scan: scan.clone(),
            brands: brands(&tally, devices),
            estate_devices,
            accuracy: *accuracy,
            bars: maker_bars(devices),
            regimes,
            rebrands,
            devices: devices
                .iter()
                .map(|d| DeviceView {
                    row: DeviceRow::of(d),
                    evidence: d.evidence.iter().map(EvidenceView::of).collect(),
                })
                .collect(),
            tally,
        }
    }
}

fn brands(tally: &Tally, devices: &[Device]) -> Vec<RebrandBrand> {
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
                relation: relation_words(relation),
                devices: r.devices,
            }
        })
        .collect()
}

/// The evidence naming the device's maker that a reader is shown: one
/// from each kind of source first (a protocol answer, the MAC registry, a
/// web page), in the order the device's evidence gives them.
pub(crate) fn maker_evidence(d: &Device) -> Vec<EvidenceView> {
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

fn rebrand_row(d: &Device) -> RebrandRow {
    let row = DeviceRow::of(d);
    RebrandRow {
        relation: Some(relation_words(d.label_relation.as_deref())),
        evidence: maker_evidence(d),
        addr: row.addr,
        label: d.label_vendor.as_ref().map(display_name),
        maker: d.manufacturer.as_ref().map(display_name),
        model: row.model,
    }
}

fn relation_words(relation: Option<&str>) -> &'static str {
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

/// One bar of the chart, placed.
struct Bar {
    maker: String,
    devices: usize,
    covered: bool,
    y: usize,
    width: usize,
}

/// Chart geometry, in SVG user units.
const ROW_H: usize = 26;
const LABEL_W: usize = 160;
const BAR_W: usize = 460;

fn place_bars(bars: &[MakerBar]) -> Vec<Bar> {
    let max = bars.iter().map(|b| b.devices).max().unwrap_or(1).max(1);
    bars.iter()
        .enumerate()
        .map(|(i, b)| Bar {
            maker: b.maker.clone(),
            devices: b.devices,
            covered: b.covered,
            y: i * ROW_H + 4,
            width: (b.devices * BAR_W / max).max(2),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "demo_report.html")]
struct Page<'a> {
    r: &'a DemoReport,
    bars: Vec<Bar>,
    chart_w: usize,
    chart_h: usize,
    covered_share: String,
    /// Covered devices sold under another brand.
    covered_rebrands: usize,
    recall: String,
    precision: String,
    elapsed: String,
}

impl Page<'_> {
    /// A vendor id as a reader knows the company, or a dash.
    fn name(&self, id: Option<&str>) -> String {
        id.map_or_else(|| "-".to_owned(), name_of)
    }
}

/// A vendor id as text, capitalised for reading ("hikvision" → "Hikvision").
pub(crate) fn name_of(id: &str) -> String {
    camaudit_model::VendorId::new(id)
        .map(|v| display_name(&v))
        .unwrap_or_else(|_| id.to_owned())
}

/// The demo's report as one HTML page.
pub fn demo_report_html(
    scan: &ScanSummary,
    estate_devices: usize,
    devices: &[Device],
    accuracy: &Accuracy,
) -> Result<String> {
    let r = DemoReport::new(scan, estate_devices, devices, accuracy);
    render(&r)
}

fn render(r: &DemoReport) -> Result<String> {
    let bars = place_bars(&r.bars);
    let found = r.devices.len();
    let page = Page {
        chart_w: LABEL_W + BAR_W + 60,
        chart_h: bars.len() * ROW_H + 8,
        bars,
        covered_share: if found == 0 {
            "0%".to_owned()
        } else {
            format!(
                "{:.0}%",
                100.0 * r.tally.covered_total() as f64 / found as f64
            )
        },
        covered_rebrands: r.tally.covered.iter().map(|m| m.under_other_brand).sum(),
        recall: pct(r.accuracy.recall()),
        precision: pct(r.accuracy.precision()),
        elapsed: format!("{:.1}", r.scan.elapsed_seconds),
        r,
    };
    page.render().writing("demo report")
}

#[cfg(test)]
mod tests;
