//! The per-device risk score (README, "How risk is scored"):
//!
//! ```text
//! risk = base × site × category × zone × (1 + exposure) × (1 + capability) × units
//! ```
//!
//! - base: how sure we are the maker is one the directive means (a covered
//!   maker, or an unknown one; a maker known to be trusted scores 0);
//! - site: sensitive or standard (or unplaced: not known to be safe);
//! - category: the largest multiplier among the site's categories;
//! - zone: the network its address is on;
//! - exposure: added for a scan that reached it from a core network, for
//!   calls home to a maker's cloud, for a known exploited vulnerability in
//!   its firmware;
//! - capability: added for PTZ, audio, analytics, and per camera whose
//!   footage a recorder holds (up to a cap).
//!
//! The weights are data (`[risk]` in `data/policy/controls.toml`), changed
//! by an organisation's overlay like the controls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::asset::Capability;
use crate::controls::Facts;
use crate::estate::{Sensitivity, Zone};

/// Zone multipliers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "kebab-case")]
pub struct ZoneWeights {
    pub core: f64,
    pub isolated_cctv: f64,
    pub guest: f64,
    pub internet_facing: f64,
    /// An address on no network of the estate.
    pub unplaced: f64,
}

/// Every weight of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub covered: f64,
    pub unknown_maker: f64,
    pub sensitive_site: f64,
    pub standard_site: f64,
    pub unplaced_site: f64,
    /// Multiplier by site category; categories not listed count 1.
    pub category: BTreeMap<String, f64>,
    pub zone: ZoneWeights,
    pub reached_from_core: f64,
    pub calls_home: f64,
    pub kev_affected: f64,
    pub ptz: f64,
    pub audio: f64,
    pub analytics: f64,
    pub per_recorded_camera: f64,
    /// The most the recorded cameras add.
    pub recorded_cameras_cap: f64,
}

impl Default for Weights {
    /// All ones and zeros: the built-in file sets the real weights.
    fn default() -> Self {
        Weights {
            covered: 1.0,
            unknown_maker: 0.0,
            sensitive_site: 1.0,
            standard_site: 1.0,
            unplaced_site: 1.0,
            category: BTreeMap::new(),
            zone: ZoneWeights {
                core: 1.0,
                isolated_cctv: 1.0,
                guest: 1.0,
                internet_facing: 1.0,
                unplaced: 1.0,
            },
            reached_from_core: 0.0,
            calls_home: 0.0,
            kev_affected: 0.0,
            ptz: 0.0,
            audio: 0.0,
            analytics: 0.0,
            per_recorded_camera: 0.0,
            recorded_cameras_cap: 0.0,
        }
    }
}

impl Weights {
    /// These weights with the keys of a `[risk]` table replaced.
    pub(crate) fn with(&self, table: &toml::Value) -> Result<Weights, String> {
        let mut current = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let given = serde_json::to_value(table).map_err(|e| e.to_string())?;
        merge(&mut current, given);
        let w: Weights = serde_json::from_value(current).map_err(|e| e.to_string())?;
        w.check()?;
        Ok(w)
    }

    fn check(&self) -> Result<(), String> {
        let json = serde_json::to_value(self).map_err(|e| e.to_string())?;
        let mut bad = Vec::new();
        numbers(&json, "", &mut bad);
        match bad.first() {
            Some(k) => Err(format!("{k}: weights are finite and 0 or more")),
            None => Ok(()),
        }
    }

    fn zone(&self, zone: Option<Zone>) -> f64 {
        match zone {
            Some(Zone::Core) => self.zone.core,
            Some(Zone::IsolatedCctv) => self.zone.isolated_cctv,
            Some(Zone::Guest) => self.zone.guest,
            Some(Zone::InternetFacing) => self.zone.internet_facing,
            None => self.zone.unplaced,
        }
    }
}

fn merge(into: &mut serde_json::Value, from: serde_json::Value) {
    match (into, from) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn numbers(v: &serde_json::Value, at: &str, bad: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                numbers(
                    v,
                    &format!("{at}{}{k}", if at.is_empty() { "" } else { "." }),
                    bad,
                );
            }
        }
        serde_json::Value::Number(n) if n.as_f64().is_none_or(|x| x < 0.0) => {
            bad.push(at.to_owned())
        }
        _ => {}
    }
}

/// A device's score and its factors, so that a report can show the sum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    pub score: f64,
    pub base: f64,
    pub site: f64,
    pub category: f64,
    pub zone: f64,
    pub exposure: f64,
    pub capability: f64,
    pub units: u32,
}

impl Risk {
    /// "10 base × 2 sensitive × 1.5 category × 2 zone × (1 + 1.8) × (1 + 0.3) = 218.4".
    pub fn explain(&self) -> String {
        let units = if self.units > 1 {
            format!(" × {} units", self.units)
        } else {
            String::new()
        };
        format!(
            "{} base × {} site × {} category × {} zone × (1 + {} exposure) × (1 + {} capability){units} = {}",
            round(self.base),
            round(self.site),
            round(self.category),
            round(self.zone),
            round(self.exposure),
            round(self.capability),
            round(self.score)
        )
    }
}

/// Two decimals, the way reports show scores.
pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What the score reads beyond [`Facts`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extent {
    pub capabilities: Vec<Capability>,
    /// Cameras whose footage it holds (a recorder).
    pub recorded_cameras: u32,
    pub units: u32,
}

/// The score of one device in its place.
pub fn score(w: &Weights, facts: &Facts, extent: &Extent) -> Risk {
    let base = if facts.covered {
        w.covered
    } else if !facts.maker_known && facts.surveillance {
        // A printer or web server of unknown make is not equipment the
        // directive could be about.
        w.unknown_maker
    } else {
        0.0
    };
    let site = match facts.sensitivity {
        Some(Sensitivity::Sensitive) => w.sensitive_site,
        Some(Sensitivity::Standard) => w.standard_site,
        None => w.unplaced_site,
    };
    let category = facts
        .categories
        .iter()
        .filter_map(|c| w.category.get(c))
        .copied()
        .fold(1.0, f64::max);
    let reached_core = facts.reachable_from.contains(&Zone::Core) && facts.zone != Some(Zone::Core);
    let exposure = flag(reached_core, w.reached_from_core)
        + flag(facts.calls_home, w.calls_home)
        + flag(facts.kev_affected, w.kev_affected);
    let has = |c: Capability| extent.capabilities.contains(&c);
    let recorded =
        (f64::from(extent.recorded_cameras) * w.per_recorded_camera).min(w.recorded_cameras_cap);
    let capability = flag(has(Capability::Ptz), w.ptz)
        + flag(has(Capability::Audio), w.audio)
        + flag(has(Capability::Analytics), w.analytics)
        + recorded;
    let units = extent.units.max(1);
    let zone = w.zone(facts.zone);
    let score =
        base * site * category * zone * (1.0 + exposure) * (1.0 + capability) * f64::from(units);
    Risk {
        score,
        base,
        site,
        category,
        zone,
        exposure,
        capability,
        units,
    }
}

fn flag(on: bool, weight: f64) -> f64 {
    if on { weight } else { 0.0 }
}
