//! Counts of found devices: per covered maker, rebrands, trusted makers,
//! regimes. The demo's summary and the HTML report read the same tally.

use std::collections::BTreeMap;

use camaudit_model::{Device, DeviceType};
use serde::Serialize;

/// Covered devices of one maker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MakerTally {
    /// The maker's id, or "unknown maker".
    pub maker: String,
    pub devices: usize,
    /// How many of them carry another brand's label.
    pub under_other_brand: usize,
}

/// Devices whose label is `label` and whose maker is `maker`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RebrandCount {
    pub label: String,
    pub maker: String,
    pub devices: usize,
}

/// Devices under one name (a trusted maker, a regime).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedCount {
    pub name: String,
    pub devices: usize,
}

/// Devices of one maker among all found, for the chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MakerBar {
    /// The maker's id, or "maker not proven".
    pub maker: String,
    pub devices: usize,
    /// Whether any of them is covered.
    pub covered: bool,
}

/// Counts of the found devices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Covered devices per maker, most first (then by name).
    pub covered: Vec<MakerTally>,
    /// Rebrands unmasked, by label then maker.
    pub rebrands: Vec<RebrandCount>,
    /// Trusted makers' surveillance gear, by maker.
    pub trusted: Vec<NamedCount>,
    /// Covered devices per regime, by regime id.
    pub regimes: Vec<NamedCount>,
    /// Not surveillance equipment (printers, routers, plain web servers).
    pub not_cameras: usize,
    /// Answered, but no maker could be proven.
    pub unknown: usize,
}

/// Cameras, thermal cameras and recorders: the equipment the directive is
/// about.
pub fn camera_like(t: Option<DeviceType>) -> bool {
    matches!(
        t,
        Some(DeviceType::Camera | DeviceType::ThermalCamera | DeviceType::Nvr | DeviceType::Dvr)
    )
}

fn named(map: BTreeMap<String, usize>) -> Vec<NamedCount> {
    map.into_iter()
        .map(|(name, devices)| NamedCount { name, devices })
        .collect()
}

impl Tally {
    pub fn of(devices: &[Device]) -> Self {
        let mut covered: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut rebrands: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut trusted: BTreeMap<String, usize> = BTreeMap::new();
        let mut regimes: BTreeMap<String, usize> = BTreeMap::new();
        let (mut not_cameras, mut unknown) = (0, 0);
        for d in devices {
            let maker = d.manufacturer.as_ref().map(|m| m.to_string());
            if d.covered {
                let e = covered
                    .entry(maker.clone().unwrap_or_else(|| "unknown maker".into()))
                    .or_default();
                e.0 += 1;
                e.1 += usize::from(d.is_rebrand());
                for r in &d.covered_by {
                    *regimes.entry(r.clone()).or_default() += 1;
                }
            }
            if d.is_rebrand()
                && let (Some(l), Some(m)) = (&d.label_vendor, &d.manufacturer)
            {
                *rebrands.entry((l.to_string(), m.to_string())).or_default() += 1;
            }
            match (&maker, d.device_type) {
                (_, Some(ty)) if !camera_like(Some(ty)) && !d.covered => not_cameras += 1,
                (Some(m), _) if !d.covered => *trusted.entry(m.clone()).or_default() += 1,
                (None, _) if !d.covered => unknown += 1,
                _ => {}
            }
        }
        let mut covered: Vec<MakerTally> = covered
            .into_iter()
            .map(|(maker, (devices, under_other_brand))| MakerTally {
                maker,
                devices,
                under_other_brand,
            })
            .collect();
        covered.sort_by(|a, b| b.devices.cmp(&a.devices).then(a.maker.cmp(&b.maker)));
        Tally {
            covered,
            rebrands: rebrands
                .into_iter()
                .map(|((label, maker), devices)| RebrandCount {
                    label,
                    maker,
                    devices,
                })
                .collect(),
            trusted: named(trusted),
            regimes: named(regimes),
            not_cameras,
            unknown,
        }
    }

    pub fn covered_total(&self) -> usize {
        self.covered.iter().map(|m| m.devices).sum()
    }

    pub fn rebrands_total(&self) -> usize {
        self.rebrands.iter().map(|r| r.devices).sum()
    }

    pub fn trusted_total(&self) -> usize {
        self.trusted.iter().map(|t| t.devices).sum()
    }
}

/// The bar of devices whose maker was not proven.
const NOT_PROVEN: &str = "maker not proven";

/// Devices per maker among all found: covered makers first, then by count
/// and name; devices whose maker was not proven last.
pub fn maker_bars(devices: &[Device]) -> Vec<MakerBar> {
    let mut per: BTreeMap<String, (usize, bool)> = BTreeMap::new();
    for d in devices {
        let m = d
            .manufacturer
            .as_ref()
            .map_or(NOT_PROVEN.to_owned(), |m| m.to_string());
        let e = per.entry(m).or_default();
        e.0 += 1;
        e.1 |= d.covered;
    }
    let mut bars: Vec<MakerBar> = per
        .into_iter()
        .map(|(maker, (devices, covered))| MakerBar {
            maker,
            devices,
            covered,
        })
        .collect();
    bars.sort_by(|a, b| {
        (a.maker == NOT_PROVEN)
            .cmp(&(b.maker == NOT_PROVEN))
            .then(b.covered.cmp(&a.covered))
            .then(b.devices.cmp(&a.devices))
            .then(a.maker.cmp(&b.maker))
    });
    bars
}
