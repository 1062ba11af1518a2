//! Device lists: a readable table for people, JSON / JSONL / CSV for
//! machines. JSON and JSONL are the device schema itself
//! (`docs/device-schema.md`); the table and CSV show a [`DeviceRow`].

use std::io::Write;

use camaudit_model::{Device, KevNote, KevStatus, Verdict};
use serde::Serialize;

use crate::Format;
use crate::error::{Context, Result};

const WHAT: &str = "device list";

/// What the table, the CSV and the HTML report show of one device: its
/// facts as text, absent ones as `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceRow {
    pub addr: Option<String>,
    pub mac: Option<String>,
    pub open_ports: Vec<u16>,
    pub label_vendor: Option<String>,
    /// How the label relates to the maker (`oem-reseller`, `own-brand`…).
    pub label_relation: Option<String>,
    /// A few words on that relation ("OEM", "group brand"), when the label
    /// is not the maker.
    pub label_note: Option<&'static str>,
    pub manufacturer: Option<String>,
    pub owner: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub device_type: Option<String>,
    pub covered: bool,
    pub covered_by: Vec<String>,
    /// `likely-covered` or `disputed` when the coverage is not firm.
    pub coverage_note: Option<&'static str>,
    /// The regimes a disputed device is covered by under some readings.
    pub disputed_by: Vec<String>,
    /// The weakest link of the chain, for a covered or disputed device.
    pub weakest_link: Option<String>,
    pub confidence: f64,
    /// Whether the device's own platform confirms the maker; `false` when
    /// the maker rests on the label, the model number or the MAC alone.
    pub platform_confirmed: Option<bool>,
    pub rebrand: bool,
    /// The rules behind the evidence, in evidence order.
    pub rules: Vec<String>,
    /// The facts the evidence disagreed on.
    pub conflicts: Vec<String>,
    /// Known exploited vulnerabilities the firmware is in the affected range of.
    pub kev_affected: Vec<String>,
    /// Every KEV judgement, as `CVE-… (status)`.
    pub kev: Vec<String>,
}

fn text<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

impl DeviceRow {
    pub fn of(d: &Device) -> Self {
        let rebrand = d.is_rebrand();
        DeviceRow {
            addr: text(&d.addr),
            mac: text(&d.mac),
            open_ports: d.open_ports.clone(),
            label_vendor: text(&d.label_vendor),
            label_relation: d.label_relation.clone(),
            label_note: rebrand.then(|| relation_note(d.label_relation.as_deref())),
            manufacturer: text(&d.manufacturer),
            owner: text(&d.owner),
            model: d.model.clone(),
            firmware: d.firmware.clone(),
            serial: d.serial.clone(),
            device_type: text(&d.device_type),
            covered: d.covered,
            covered_by: d.covered_by.clone(),
            coverage_note: d
                .coverage
                .as_ref()
                .map(|c| c.verdict)
                .filter(|v| *v != Verdict::Covered)
                .map(Verdict::as_str),
            disputed_by: d
                .coverage
                .as_ref()
                .map(|c| c.disputed_by.clone())
                .unwrap_or_default(),
            weakest_link: d.coverage.as_ref().map(|c| c.weakest_link.clone()),
            confidence: d.confidence.get(),
            platform_confirmed: d.platform_confirmed,
            rebrand,
            rules: d.evidence.iter().filter_map(|e| e.rule.clone()).collect(),
            conflicts: d
                .conflicts
                .iter()
                .map(|c| c.fact.as_str().to_owned())
                .collect(),
            kev_affected: d
                .vulnerabilities
                .iter()
                .filter(|k| k.status == KevStatus::Affected)
                .map(|k| k.cve.clone())
                .collect(),
            kev: d.vulnerabilities.iter().map(KevNote::short).collect(),
        }
    }

    /// The label as the table shows it: "annke (OEM)" for a rebrand.
    pub fn label_text(&self) -> String {
        match (&self.label_vendor, self.label_note) {
            (Some(l), Some(note)) => format!("{l} ({note})"),
            (l, _) => dash(l),
        }
    }

    /// "YES ndaa-889,uk-2022-directive", "LIKELY uk-2022-directive" (the
    /// chain rests on a low-confidence link), "DISPUTED uk-2022-directive"
    /// (covered under some readings of the maker's jurisdiction only) or
    /// "no"; a covered or disputed verdict whose maker no platform
    /// evidence confirms says "(label only)" after the word.
    pub fn covered_text(&self) -> String {
        let word = match (self.covered, self.coverage_note) {
            (true, Some(_)) => "LIKELY",
            (true, None) => "YES",
            (false, Some(_)) => "DISPUTED",
            (false, None) => return "no".to_owned(),
        };
        let regimes = if self.covered {
            &self.covered_by
        } else {
            &self.disputed_by
        };
        let marker = if self.label_only() {
            " (label only)"
        } else {
            ""
        };
        format!("{word}{marker} {}", regimes.join(","))
    }

    /// True when a maker is named but no evidence from the device's own
    /// platform confirms it (`docs/attribution.md`, platform confirmation).
    pub fn label_only(&self) -> bool {
        self.platform_confirmed == Some(false)
    }

    /// The CSV cells, in the order of [`DEVICE_CSV_HEADER`].
    pub fn csv_record(&self) -> [String; 20] {
        let empty = |v: &Option<String>| v.clone().unwrap_or_default();
        [
            empty(&self.addr),
            empty(&self.mac),
            join(&self.open_ports),
            empty(&self.label_vendor),
            empty(&self.label_relation),
            empty(&self.manufacturer),
            empty(&self.owner),
            empty(&self.model),
            empty(&self.firmware),
            empty(&self.serial),
            empty(&self.device_type),
            self.covered.to_string(),
            self.covered_by.join(";"),
            self.confidence.to_string(),
            self.rebrand.to_string(),
            self.rules.join(";"),
            self.conflicts.join(";"),
            self.kev_affected.join(";"),
            self.kev.join("; "),
            self.platform_confirmed
                .map(|b| b.to_string())
                .unwrap_or_default(),
        ]
    }

    fn table_cells(&self) -> [String; 9] {
        [
            dash(&self.addr),
            dash(&self.mac),
            self.label_text(),
            dash(&self.manufacturer),
            clip(&dash(&self.model), 24),
            clip(&dash(&self.firmware), 20),
            dash(&self.device_type),
            self.covered_text(),
            format!("{:.2}", self.confidence),
        ]
    }
}

/// Writes the devices in `format`.
pub fn write_devices(out: &mut dyn Write, devices: &[Device], format: Format) -> Result<()> {
    match format {
        Format::Table => write_table(out, devices).writing(WHAT),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, devices).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Jsonl => {
            for d in devices {
                serde_json::to_writer(&mut *out, d).writing(WHAT)?;
                writeln!(out).writing(WHAT)?;
            }
            Ok(())
        }
        Format::Csv => write_csv(out, devices).writing(WHAT),
    }
}

/// Absent facts are shown as a dash.
pub(crate) fn dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".to_owned())
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(";")
}

/// The device CSV's columns (`--format csv`, the server's export).
pub const DEVICE_CSV_HEADER: [&str; 20] = [
    "addr",
    "mac",
    "open_ports",
    "label_vendor",
    "label_relation",
    "manufacturer",
    "owner",
    "model",
    "firmware",
    "serial",
    "device_type",
    "covered",
    "covered_by",
    "confidence",
    "rebrand",
    "rules",
    "conflicts",
    "kev_affected",
    "kev",
    "platform_confirmed",
];

fn write_csv(out: &mut dyn Write, devices: &[Device]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(DEVICE_CSV_HEADER)?;
    for d in devices {
        w.write_record(DeviceRow::of(d).csv_record())?;
    }
    w.flush()?;
    Ok(())
}

const TABLE_HEADER: [&str; 9] = [
    "ADDRESS",
    "MAC",
    "LABEL",
    "MANUFACTURER",
    "MODEL",
    "FIRMWARE",
    "TYPE",
    "COVERED",
    "CONF",
];

fn write_table(out: &mut dyn Write, devices: &[Device]) -> std::io::Result<()> {
    let rows: Vec<[String; 9]> = devices
        .iter()
        .map(|d| DeviceRow::of(d).table_cells())
        .collect();
    let mut widths: Vec<usize> = TABLE_HEADER.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(&TABLE_HEADER.map(str::to_owned)))?;
    for row in &rows {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

/// A few words for the table on how the label relates to the maker.
fn relation_note(relation: Option<&str>) -> &'static str {
    match relation {
        Some("oem-reseller") => "OEM",
        Some("own-brand") => "own brand",
        Some("subsidiary" | "same-group") => "group brand",
        Some("former-subsidiary") => "ex-subsidiary",
        _ => "rebrand?",
    }
}

/// At most `max` characters, the last an ellipsis when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    camaudit_model::text::clip_to_width(s, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_marks_a_cut() {
        assert_eq!(clip("DS-2CD2143G2-I", 24), "DS-2CD2143G2-I");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("ééééé", 5), "ééééé");
    }

    #[test]
    fn relation_notes() {
        assert_eq!(relation_note(Some("oem-reseller")), "OEM");
        assert_eq!(relation_note(Some("same-group")), "group brand");
        assert_eq!(relation_note(None), "rebrand?");
    }
}
