//! Scores devices against an answer key (the estate simulator's truth
//! file): the one grader behind `camaudit demo` and the accuracy tests.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::net::IpAddr;

use camaudit_model::{Device, DeviceType, TruthRecord, TruthRole};

/// How identification did against the answer key.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Grade {
    /// Covered devices in the estate, and those found with the right maker.
    pub covered_truth: usize,
    pub covered_found: usize,
    /// Devices given a maker: right and wrong.
    pub maker_right: usize,
    pub maker_wrong: usize,
    /// Trusted makers' devices called covered (must be none: the worst
    /// error this tool can make).
    pub trusted_called_covered: Vec<String>,
    /// Decoys called cameras or recorders (must be none).
    pub decoys_called_cameras: Vec<String>,
    /// Rebrands in the estate, and those whose real maker was named.
    pub rebrands_truth: usize,
    pub rebrands_unmasked: usize,
    /// Covered devices not found with the right maker, one line each.
    pub missed: Vec<String>,
    /// Devices given the wrong maker, one line each.
    pub wrong: Vec<String>,
    /// Of those, the ones whose covered verdict differs from the truth's
    /// (a covered maker named for another covered maker keeps the verdict).
    pub verdict_flips: Vec<String>,
    /// Covered devices per true maker: (found with the right maker, in the estate).
    pub covered_by_maker: BTreeMap<String, (usize, usize)>,
}

impl Grade {
    /// Share of makers named that are right (0 when none was named).
    pub fn precision(&self) -> f64 {
        self.maker_right as f64 / (self.maker_right + self.maker_wrong).max(1) as f64
    }

    /// Share of covered devices found with the right maker.
    pub fn recall(&self) -> f64 {
        self.covered_found as f64 / self.covered_truth.max(1) as f64
    }
}

/// Cameras, thermal cameras and recorders: what a decoy must never be called.
pub fn camera_like(t: Option<DeviceType>) -> bool {
    matches!(
        t,
        Some(DeviceType::Camera | DeviceType::ThermalCamera | DeviceType::Nvr | DeviceType::Dvr)
    )
}

/// Grades devices against the answer key: manufacturer precision over every
/// device given a maker, recall over covered devices (rebrands included).
/// A device is matched to the truth by any of its addresses.
pub fn grade(truth: &[TruthRecord], devices: &[Device]) -> Grade {
    let mut by_addr: BTreeMap<IpAddr, &Device> = BTreeMap::new();
    for d in devices {
        for a in d.addr.iter().chain(d.other_addrs.iter()) {
            by_addr.insert(*a, d);
        }
    }
    let mut g = Grade::default();
    for t in truth {
        grade_one(&mut g, t, by_addr.get(&t.addr).copied());
    }
    g
}

fn grade_one(g: &mut Grade, t: &TruthRecord, d: Option<&Device>) {
    let made = d.and_then(|d| d.manufacturer.as_ref());
    let right = made.is_some() && made == t.manufacturer.as_ref();
    if t.covered {
        g.covered_truth += 1;
        let maker = g.covered_by_maker.entry(dash(&t.manufacturer)).or_default();
        maker.1 += 1;
        maker.0 += usize::from(right);
        if right {
            g.covered_found += 1;
        } else {
            g.missed.push(format!(
                "{} ({} labelled {}{}): found {}",
                t.addr,
                dash(&t.manufacturer),
                dash(&t.label_vendor),
                t.fault
                    .as_ref()
                    .map(|f| format!(", fault {f}"))
                    .unwrap_or_default(),
                made.map_or("nothing".to_owned(), |m| m.to_string())
            ));
        }
    }
    let is_rebrand = matches!((&t.label_vendor, &t.manufacturer), (Some(l), Some(m)) if l != m);
    if is_rebrand {
        g.rebrands_truth += 1;
        g.rebrands_unmasked += usize::from(right);
    }
    if let Some(m) = made {
        if right {
            g.maker_right += 1;
        } else {
            g.maker_wrong += 1;
            let line = format!("{}: truth {}, found {m}", t.addr, dash(&t.manufacturer));
            if d.is_some_and(|d| d.covered != t.covered) {
                g.verdict_flips.push(line.clone());
            }
            g.wrong.push(line);
        }
    }
    let Some(d) = d else { return };
    if d.covered && !t.covered && t.role == TruthRole::Surveillance {
        g.trusted_called_covered.push(format!(
            "{} ({} called {})",
            t.addr,
            dash(&t.manufacturer),
            dash(&d.manufacturer)
        ));
    }
    if t.role == TruthRole::Decoy && camera_like(d.device_type) {
        g.decoys_called_cameras
            .push(format!("{} called {}", t.addr, dash(&d.device_type)));
    }
}

fn dash<T: Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("-".to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth(json: serde_json::Value) -> TruthRecord {
        serde_json::from_value(json).unwrap()
    }

    fn device(addr: &str, maker: Option<&str>, covered: bool, ty: Option<&str>) -> Device {
        serde_json::from_value(serde_json::json!({
            "addr": addr, "mac": null, "open_ports": [], "label_vendor": null,
            "manufacturer": maker, "owner": null, "model": null, "firmware": null,
            "serial": null, "device_type": ty, "covered": covered, "covered_by": [],
            "confidence": 1.0, "evidence": []
        }))
        .unwrap()
    }

    fn record(addr: &str, maker: &str, label: &str, covered: bool, role: &str) -> TruthRecord {
        truth(serde_json::json!({
            "addr": addr, "role": role, "kind": "x", "manufacturer": maker,
            "label_vendor": label, "owner": null, "model": null, "device_type": "camera", "mac": null, "firmware": null,
            "covered": covered, "open_ports": [], "fault": null
        }))
    }

    #[test]
    fn counts_right_wrong_missed_and_the_worst_errors() {
        let key = vec![
            record("127.0.0.1", "hikvision", "hikvision", true, "surveillance"),
            record("127.0.0.2", "dahua", "lorex", true, "surveillance"),
            record("127.0.0.3", "axis", "axis", false, "surveillance"),
            record("127.0.0.4", "dahua", "amcrest", true, "surveillance"),
        ];
        let found = vec![
            device("127.0.0.1", Some("hikvision"), true, Some("camera")),
            device("127.0.0.2", Some("dahua"), true, Some("nvr")),
            // A trusted maker called covered and named wrongly.
            device("127.0.0.3", Some("hikvision"), true, Some("camera")),
        ];
        let g = grade(&key, &found);
        assert_eq!((g.covered_truth, g.covered_found), (3, 2));
        assert_eq!((g.maker_right, g.maker_wrong), (2, 1));
        assert_eq!((g.rebrands_truth, g.rebrands_unmasked), (2, 1));
        assert_eq!(g.trusted_called_covered.len(), 1);
        assert!(
            g.missed[0].starts_with("127.0.0.4 (dahua labelled amcrest"),
            "{:?}",
            g.missed
        );
        assert!(g.missed[0].ends_with("found nothing"));
        assert_eq!(g.wrong, ["127.0.0.3: truth axis, found hikvision"]);
        assert_eq!(
            g.verdict_flips, g.wrong,
            "axis is trusted, hikvision covered"
        );
        assert_eq!(g.covered_by_maker["dahua"], (1, 2));
        assert_eq!(g.covered_by_maker["hikvision"], (1, 1));
        assert!((g.precision() - 2.0 / 3.0).abs() < 1e-9);
        assert!((g.recall() - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_decoy_called_a_camera_is_counted() {
        let key = vec![record("127.0.0.9", "hp", "hp", false, "decoy")];
        let g = grade(&key, &[device("127.0.0.9", None, false, Some("nvr"))]);
        assert_eq!(g.decoys_called_cameras, ["127.0.0.9 called nvr"]);
        let g = grade(&key, &[device("127.0.0.9", None, false, Some("printer"))]);
        assert!(g.decoys_called_cameras.is_empty());
    }

    #[test]
    fn nothing_found_is_zero_recall_and_zero_precision() {
        let key = vec![record(
            "127.0.0.1",
            "hikvision",
            "hikvision",
            true,
            "surveillance",
        )];
        let g = grade(&key, &[]);
        assert_eq!(g.recall(), 0.0);
        assert_eq!(g.precision(), 0.0);
        assert_eq!(g.missed.len(), 1);
    }
}
