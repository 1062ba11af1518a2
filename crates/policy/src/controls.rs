//! Policy as data: the controls a device can break, each with its
//! condition, severity, action, urgency and the rule it comes from, read
//! from `data/policy/controls.toml` with an organisation's overlay on top.
//!
//! A control's condition is a conjunction of facts about one device in its
//! place ([`Facts`]); every control carries examples, run as tests, of
//! devices that do and do not break it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::asset::Capability;
use crate::device_type::{RawTypePattern, TypePattern, type_of};
use crate::estate::{FileError, Sensitivity, Zone};
use crate::risk::Weights;

/// The built-in controls file.
pub const BUILTIN_CONTROLS: &str = include_str!("../../../data/policy/controls.toml");

/// How bad a broken control is, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Critical,
    High,
    Medium,
    /// Not known to be wrong: someone must look (the maker is unknown).
    Verify,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Verify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Verify => "verify",
        }
    }
}

/// What a control asks to be done about the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Take it off the network it must not be on (move it to an isolated
    /// VLAN, block its route out): cheap, fast, reversible.
    Disconnect,
    /// Install firmware that fixes its known exploited vulnerability.
    UpdateFirmware,
    /// Inspect it on site to learn who made it.
    Verify,
    /// Remove it and put trusted equipment in its place.
    Replace,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Disconnect => "disconnect",
            Action::UpdateFirmware => "update-firmware",
            Action::Verify => "verify",
            Action::Replace => "replace",
        }
    }
}

/// When: before anything else, or in the risk-ordered plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    Now,
    Planned,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Now => "now",
            Urgency::Planned => "planned",
        }
    }
}

/// What is known of one device in its place, as conditions test it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Facts {
    pub covered: bool,
    pub maker_known: bool,
    /// None when the device is on no site.
    pub sensitivity: Option<Sensitivity>,
    pub categories: Vec<String>,
    /// The zone of the network its address is on.
    pub zone: Option<Zone>,
    /// Zones from which a scan reached it.
    pub reachable_from: Vec<Zone>,
    pub calls_home: bool,
    pub kev_affected: bool,
    /// It sent an account's password in clear text where others on its
    /// network could read it (a broadcast discovery reply, a plain login).
    pub credentials_exposed: bool,
    /// Surveillance equipment, or of unknown type (not a printer, router,
    /// NAS or plain web server).
    pub surveillance: bool,
}

impl Facts {
    /// On the zone by address, or reached from it by a scan.
    pub fn connected_to(&self, zone: Zone) -> bool {
        self.zone == Some(zone) || self.reachable_from.contains(&zone)
    }
}

/// A control's condition: every key given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maker_known: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
    /// Any of these site categories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    /// On any of these zones by address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zone: Vec<Zone>,
    /// On this zone by address, or reached from it by a scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_to: Option<Zone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls_home: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev_affected: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_exposed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surveillance: Option<bool>,
}

impl Condition {
    pub fn holds(&self, f: &Facts) -> bool {
        let is = |want: Option<bool>, have: bool| want.is_none_or(|w| w == have);
        is(self.covered, f.covered)
            && is(self.maker_known, f.maker_known)
            && is(self.calls_home, f.calls_home)
            && is(self.kev_affected, f.kev_affected)
            && is(self.credentials_exposed, f.credentials_exposed)
            && is(self.surveillance, f.surveillance)
            && self.sensitivity.is_none_or(|s| f.sensitivity == Some(s))
            && (self.category.is_empty() || self.category.iter().any(|c| f.categories.contains(c)))
            && (self.zone.is_empty() || f.zone.is_some_and(|z| self.zone.contains(&z)))
            && self.connected_to.is_none_or(|z| f.connected_to(z))
    }
}

/// A device and whether the control must fire on it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub facts: Facts,
    pub fires: bool,
}

/// One control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub when: Condition,
    pub severity: Severity,
    pub action: Action,
    pub urgency: Urgency,
    /// What to do, in a sentence for the finding.
    pub advice: String,
    /// The rule it comes from, as the finding cites it.
    pub basis: String,
    pub sources: Vec<String>,
    /// Which file set it (the built-in data or an overlay).
    pub origin: String,
}

/// The controls in force and the risk weights.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub version: String,
    /// The overlays applied on top of the built-in file, by name.
    pub overlays: Vec<String>,
    pub controls: Vec<Control>,
    pub weights: Weights,
    #[serde(skip)]
    pub capabilities: Vec<CapabilityPattern>,
    /// Device types read from model numbers and descriptions, in order.
    #[serde(skip)]
    pub device_types: Vec<TypePattern>,
    #[serde(skip)]
    pub(crate) examples: Vec<(String, Example)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    version: Option<String>,
    #[serde(default, rename = "control")]
    controls: Vec<toml::Spanned<RawControl>>,
    #[serde(default)]
    risk: Option<toml::Value>,
    #[serde(default, rename = "capability")]
    capabilities: Vec<toml::Spanned<RawCapability>>,
    #[serde(default, rename = "device_type")]
    device_types: Vec<toml::Spanned<RawTypePattern>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapability {
    maker: String,
    model: String,
    capability: String,
    basis: String,
    sources: Vec<String>,
    examples: Vec<String>,
    #[serde(default)]
    counter_examples: Vec<String>,
}

/// A capability read from a maker's model-number grammar.
#[derive(Debug, Clone)]
pub struct CapabilityPattern {
    pub maker: String,
    pub model: regex::Regex,
    pub capability: Capability,
    pub basis: String,
    pub sources: Vec<String>,
    pub examples: Vec<String>,
    pub counter_examples: Vec<String>,
}

impl CapabilityPattern {
    pub fn matches(&self, maker: Option<&str>, model: Option<&str>) -> bool {
        maker == Some(self.maker.as_str()) && model.is_some_and(|m| self.model.is_match(m))
    }
}

/// A control as a file gives it: every key optional, so that an overlay
/// can change one key of a built-in control.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: String,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    when: Option<Condition>,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    action: Option<Action>,
    #[serde(default)]
    urgency: Option<Urgency>,
    #[serde(default)]
    advice: Option<String>,
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    sources: Option<Vec<String>>,
    #[serde(default, rename = "example")]
    examples: Vec<Example>,
}

impl Policy {
    /// The built-in controls and weights.
    pub fn builtin() -> Result<Policy, FileError> {
        let mut policy = Policy {
            version: String::new(),
            overlays: Vec::new(),
            controls: Vec::new(),
            weights: Weights::default(),
            capabilities: Vec::new(),
            device_types: Vec::new(),
            examples: Vec::new(),
        };
        policy.apply("data/policy/controls.toml", BUILTIN_CONTROLS, true)?;
        Ok(policy)
    }

    /// Applies an organisation's overlay: a control with a known id
    /// changes the keys it gives (`enabled = false` drops it), a new id
    /// adds a control (with every key), `[risk]` changes weights.
    pub fn overlay(&mut self, file: &str, text: &str) -> Result<(), FileError> {
        self.apply(file, text, false)?;
        self.overlays.push(file.to_owned());
        Ok(())
    }

    fn apply(&mut self, file: &str, text: &str, builtin: bool) -> Result<(), FileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| FileError::toml(file, text, &e))?;
        if builtin {
            self.version = raw.version.clone().unwrap_or_default();
        }
        if let Some(risk) = raw.risk {
            self.weights = self.weights.with(&risk).map_err(|m| FileError {
                file: file.to_owned(),
                line: None,
                message: format!("[risk]: {m}"),
            })?;
        }
        for c in raw.capabilities {
            let span = c.span();
            let pattern = capability_pattern(c.into_inner())
                .map_err(|m| FileError::at(file, text, Some(span), m))?;
            self.capabilities.push(pattern);
        }
        for t in raw.device_types {
            let span = t.span();
            let pattern = TypePattern::parse(t.into_inner())
                .map_err(|m| FileError::at(file, text, Some(span), m))?;
            self.device_types.push(pattern);
        }
        for c in raw.controls {
            let span = c.span();
            let c = c.into_inner();
            let err = |m: String| FileError::at(file, text, Some(span.clone()), m);
            for e in &c.examples {
                self.examples.push((c.id.clone(), e.clone()));
            }
            match self.controls.iter().position(|k| k.id == c.id) {
                Some(i) if c.enabled == Some(false) => {
                    self.controls.remove(i);
                }
                Some(i) => amend(&mut self.controls[i], c, file),
                None if c.enabled == Some(false) => {
                    return Err(err(format!(
                        "control {:?}: there is no such control to disable",
                        c.id
                    )));
                }
                None => self.controls.push(new_control(c, file).map_err(err)?),
            }
        }
        Ok(())
    }

    /// Controls each example of each control does or does not break,
    /// against what it says: the failures, as sentences.
    pub fn example_failures(&self) -> Vec<String> {
        self.examples
            .iter()
            .filter_map(|(id, e)| {
                let control = self.controls.iter().find(|c| &c.id == id)?;
                let fires = control.when.holds(&e.facts);
                (fires != e.fires).then(|| {
                    format!(
                        "control {id}: example {:?} should {}fire",
                        e.facts,
                        if e.fires { "" } else { "not " }
                    )
                })
            })
            .chain(self.capabilities.iter().flat_map(|p| {
                let wrong_yes = p
                    .examples
                    .iter()
                    .filter(|m| !p.matches(Some(&p.maker), Some(m)));
                let wrong_no = p
                    .counter_examples
                    .iter()
                    .filter(|m| p.matches(Some(&p.maker), Some(m)));
                wrong_yes
                    .map(|m| format!("capability {}: example {m:?} does not match", p.model))
                    .chain(
                        wrong_no.map(|m| {
                            format!("capability {}: counter-example {m:?} matches", p.model)
                        }),
                    )
                    .collect::<Vec<_>>()
            }))
            .chain(self.device_types.iter().flat_map(TypePattern::failures))
            .collect()
    }

    /// The type this equipment's model or description shows, with a
    /// capability the same words show (the first pattern that matches).
    pub fn device_type_of(
        &self,
        maker: Option<&str>,
        model: Option<&str>,
        description: Option<&str>,
    ) -> Option<&TypePattern> {
        type_of(&self.device_types, maker, model, description)
    }

    /// Controls by severity, for listings.
    pub fn by_severity(&self) -> BTreeMap<Severity, Vec<&Control>> {
        let mut out: BTreeMap<Severity, Vec<&Control>> = BTreeMap::new();
        for c in &self.controls {
            out.entry(c.severity).or_default().push(c);
        }
        out
    }
}

fn capability_pattern(c: RawCapability) -> Result<CapabilityPattern, String> {
    let capability = Capability::parse(&c.capability).ok_or_else(|| {
        format!(
            "capability {:?}: expected ptz, audio or analytics",
            c.capability
        )
    })?;
    let model = regex::Regex::new(&c.model)
        .map_err(|e| format!("capability model pattern {:?}: {e}", c.model))?;
    if c.sources.is_empty() || c.examples.is_empty() {
        return Err(format!(
            "capability pattern {:?}: give its sources and at least one example",
            c.model
        ));
    }
    Ok(CapabilityPattern {
        maker: c.maker,
        model,
        capability,
        basis: c.basis,
        sources: c.sources,
        examples: c.examples,
        counter_examples: c.counter_examples,
    })
}

fn amend(c: &mut Control, raw: RawControl, file: &str) {
    let RawControl {
        title,
        when,
        severity,
        action,
        urgency,
        advice,
        basis,
        sources,
        ..
    } = raw;
    c.title = title.unwrap_or(std::mem::take(&mut c.title));
    c.when = when.unwrap_or(std::mem::take(&mut c.when));
    c.severity = severity.unwrap_or(c.severity);
    c.action = action.unwrap_or(c.action);
    c.urgency = urgency.unwrap_or(c.urgency);
    c.advice = advice.unwrap_or(std::mem::take(&mut c.advice));
    if basis.is_some() || sources.is_some() {
        // A changed control cites the organisation as well as the original.
        c.basis = match basis {
            Some(b) => format!("{b}; amending {}", c.basis),
            None => c.basis.clone(),
        };
        c.sources.extend(sources.unwrap_or_default());
    }
    c.origin = format!("{} (amended by {file})", c.origin);
}

fn new_control(raw: RawControl, file: &str) -> Result<Control, String> {
    let missing = |k: &str| format!("new control {:?} needs `{k}`", raw.id);
    let sources = raw.sources.ok_or_else(|| missing("sources"))?;
    if sources.is_empty() {
        return Err(format!(
            "control {:?}: cite at least one source (a policy document, a statement, a URL)",
            raw.id
        ));
    }
    if raw.examples.is_empty() {
        return Err(format!(
            "control {:?}: give at least one [[control.example]] (a device that breaks it)",
            raw.id
        ));
    }
    Ok(Control {
        title: raw.title.ok_or_else(|| missing("title"))?,
        when: raw.when.ok_or_else(|| missing("when"))?,
        severity: raw.severity.ok_or_else(|| missing("severity"))?,
        action: raw.action.ok_or_else(|| missing("action"))?,
        urgency: raw.urgency.unwrap_or(Urgency::Planned),
        advice: raw.advice.ok_or_else(|| missing("advice"))?,
        basis: raw.basis.ok_or_else(|| missing("basis"))?,
        sources,
        origin: file.to_owned(),
        id: raw.id,
    })
}
