//! A device as a diff shows it: the facts a person compares between two
//! scans, without the evidence behind them (the stored device has it).

use std::net::IpAddr;

use camaudit_model::{Device, DeviceType, Mac, VendorId, Verdict};
use serde::{Deserialize, Serialize};

/// One device in one scan, reduced to the facts a diff compares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sighting {
    /// The device's position in its scan's device list, to find the full
    /// device (with its evidence) again.
    pub idx: usize,
    pub addr: Option<IpAddr>,
    pub mac: Option<Mac>,
    /// The brand the device shows (`label_vendor`).
    pub label: Option<VendorId>,
    pub manufacturer: Option<VendorId>,
    pub owner: Option<VendorId>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub device_type: Option<DeviceType>,
    /// The registry's answer for the device: `covered` or `likely-covered`
    /// when a regime covers it, `disputed`, `not-covered` (a maker no
    /// regime covers), or `unknown` (no maker proven).
    pub verdict: Verdict,
    pub covered_by: Vec<String>,
    /// Whether the device's own platform confirms its maker (`false`: the
    /// maker rests on a label, model number or MAC block alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_confirmed: Option<bool>,
}

impl Sighting {
    pub fn of(idx: usize, d: &Device) -> Sighting {
        Sighting {
            idx,
            addr: d.addr,
            mac: d.mac,
            label: d.label_vendor.clone(),
            manufacturer: d.manufacturer.clone(),
            owner: d.owner.clone(),
            model: d.model.clone(),
            firmware: d.firmware.clone(),
            serial: d.serial.clone(),
            device_type: d.device_type,
            verdict: verdict(d),
            covered_by: d.covered_by.clone(),
            platform_confirmed: d.platform_confirmed,
        }
    }

    /// True when a regime covers the device (strongly or weakly).
    pub fn is_covered(&self) -> bool {
        self.verdict.is_covered()
    }

    /// The brand a person sees on it: the label, else the maker.
    pub fn shown_brand(&self) -> Option<&VendorId> {
        self.label.as_ref().or(self.manufacturer.as_ref())
    }

    /// "hikvision DS-2CD2385G1-I at 10.20.1.11", for tables and messages.
    pub fn describe(&self) -> String {
        let brand = match (&self.label, &self.manufacturer) {
            (Some(l), Some(m)) if l != m => format!("{l} (made by {m})"),
            (_, Some(m)) => m.to_string(),
            (Some(l), None) => format!("{l} (maker not proven)"),
            (None, None) => "unknown maker".to_owned(),
        };
        let model = self
            .model
            .as_deref()
            .map(|m| format!(" {m}"))
            .unwrap_or_default();
        let at = self.addr.map(|a| format!(" at {a}")).unwrap_or_default();
        format!("{brand}{model}{at}")
    }
}

/// The device's registry answer as one word. A device with no proven maker
/// is `unknown`, never `not-covered`: camaudit does not clear what it has
/// not identified.
fn verdict(d: &Device) -> Verdict {
    if let Some(c) = &d.coverage {
        if d.covered && c.verdict.is_covered() {
            return c.verdict;
        }
        if c.verdict == Verdict::Disputed {
            return Verdict::Disputed;
        }
    }
    match (d.covered, &d.manufacturer) {
        (true, _) => Verdict::Covered,
        (false, None) => Verdict::Unknown,
        (false, Some(_)) => Verdict::NotCovered,
    }
}
