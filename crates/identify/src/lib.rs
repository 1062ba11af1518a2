//! The identify engine: from raw observations to attributed devices.
//!
//! ```text
//! Observation ─► rules (per field) ─► evidence per address ─► merge by MAC
//!     ─► derived evidence (model-number grammars, MAC prefixes)
//!     ─► resolve each fact by confidence ─► attribute (registry)
//!     ─► known exploited vulnerabilities (registry) ─► Device
//! ```
//!
//! Every stage after the rules is a pure function of its input, so the same
//! observations always give the same devices, and every fact on a device can
//! be traced to the observation and rule behind it ([`Device::evidence`]).
//! Unknown stays unknown: a fact no evidence supports is `None`.

mod against;
mod attribute;
mod build_date;
mod collect;
mod contradiction;
mod evidence;
mod label;
mod memo;
mod merge;
mod origin;
mod resolve;
mod strength;
mod vulnerabilities;

use camaudit_model::{
    Asserts, AttributionStep, Conflict, Device, DeviceType, Evidence, FactKind, Mac, Observation,
    Source, VendorId,
};
use camaudit_oui::OuiTable;
use camaudit_registry::{Registry, RegistryError};
use camaudit_rules::{RuleErrors, RuleSet};

use crate::against::AgainstTable;
use crate::attribute::LinkScope;
use crate::collect::Collector;
use crate::memo::AttributionMemo;
use crate::merge::DeviceDraft;
use crate::resolve::Tally;
use crate::vulnerabilities::KevMemo;

pub use camaudit_model as model;

/// The pseudo-field that model-number grammar rules read.
pub use camaudit_rules::MODEL_FIELD;

pub use label::REGISTRY_NAME_RULE;

/// The rule id of evidence from the registry's documented OEM model
/// equivalences (`data/registry/model_equivalences.toml`).
pub const EQUIVALENCE_RULE: &str = "registry.equivalence";

/// Why the engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("fingerprint rules:\n{0}")]
    Rules(#[from] RuleErrors),
    #[error("registry: {0}")]
    Registry(#[from] RegistryError),
}

/// The MAC prefix table in use: the embedded one or a user's fresh download.
enum Oui {
    Builtin(&'static OuiTable),
    Owned(Box<OuiTable>),
}

impl Oui {
    fn table(&self) -> &OuiTable {
        match self {
            Oui::Builtin(t) => t,
            Oui::Owned(t) => t,
        }
    }
}

/// Rules, registry and MAC table, ready to turn observations into devices.
pub struct Engine {
    rules: RuleSet,
    registry: Registry,
    oui: Oui,
    memo: AttributionMemo,
    kev_memo: KevMemo,
}

impl Engine {
    /// The engine with everything built into the binary.
    pub fn builtin() -> Result<Engine, EngineError> {
        Ok(Engine::new(RuleSet::builtin()?, Registry::builtin()?, None))
    }

    /// An engine with chosen parts; `oui` None means the embedded table.
    pub fn new(rules: RuleSet, registry: Registry, oui: Option<OuiTable>) -> Engine {
        let oui = match oui {
            Some(t) => Oui::Owned(Box::new(t)),
            None => Oui::Builtin(OuiTable::builtin()),
        };
        Engine {
            rules,
            memo: AttributionMemo::new(&registry),
            kev_memo: KevMemo::new(),
            registry,
            oui,
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn oui(&self) -> &OuiTable {
        self.oui.table()
    }

    /// Turns observations into devices, sorted by address.
    pub fn identify<'o, I>(&self, observations: I) -> Vec<Device>
    where
        I: IntoIterator<Item = &'o Observation>,
    {
        let mut collector = self.collector();
        for obs in observations {
            self.observe(&mut collector, obs);
        }
        self.finish(collector)
    }

    /// A streaming front end: feed observations one at a time (from a file,
    /// a scan) and call [`Identifier::finish`] at the end.
    pub fn identifier(&self) -> Identifier<'_> {
        Identifier {
            engine: self,
            collector: self.collector(),
        }
    }

    /// Identifies one device from observations that are known to describe
    /// it (a line of an asset register or procurement list), whatever their
    /// addresses: nothing is merged with any other call, so a batch of
    /// independent lines is a loop over this. `None` when there are no
    /// observations.
    pub fn identify_one(&self, observations: &[Observation]) -> Option<Device> {
        self.identify_one_at(observations, None)
    }

    /// [`Engine::identify_one`] for a device whose date is known (`YYYY`,
    /// `YYYY-MM` or `YYYY-MM-DD`: purchase or installation, from an asset
    /// register): a brand relation that began after it or ended before it
    /// (a brand sold by its maker) does not speak for the device.
    pub fn identify_one_at(
        &self,
        observations: &[Observation],
        date: Option<&str>,
    ) -> Option<Device> {
        let first = observations.first()?;
        let mut collector = self.collector();
        for obs in observations {
            let mut one = obs.clone();
            one.addr = first.addr;
            self.observe(&mut collector, &one);
        }
        merge::merge_by_mac(collector.into_records())
            .into_iter()
            .next()
            .map(|draft| self.build_device(draft, date))
    }

    /// Runs the rules on one observation, and names any registry brand in a
    /// label field that no rule already read (`label.rs`).
    fn observe<'e>(&'e self, collector: &mut Collector<'e>, obs: &Observation) {
        collector.add(obs);
        if let Some(ev) = label::label_from_registry(&self.registry, obs)
            && !collector.has_vendor_evidence(obs.addr, obs.field.as_str(), &obs.value)
        {
            collector.push_evidence(obs.addr, ev);
        }
    }

    fn collector(&self) -> Collector<'_> {
        Collector::new(&self.rules)
    }

    fn finish(&self, collector: Collector<'_>) -> Vec<Device> {
        merge::merge_by_mac(collector.into_records())
            .into_iter()
            .map(|draft| self.build_device(draft, None))
            .collect()
    }

    fn build_device(&self, mut draft: DeviceDraft, date: Option<&str>) -> Device {
        let grammar_set_aside = self.add_model_grammar_evidence(&mut draft);
        self.add_equivalence_evidence(&mut draft);
        if let Some((mac, source, port)) = draft.mac {
            self.add_oui_evidence(&mut draft, mac, source, port);
        }
        let against = AgainstTable::of(draft.evidence.as_slice());
        let tally = |k| Tally::of(draft.evidence.as_slice(), k);
        let (label, mut maker) = (tally(FactKind::LabelVendor), tally(FactKind::Manufacturer));
        maker.weaken(&against);
        let (model, firmware) = (tally(FactKind::Model), tally(FactKind::Firmware));
        let (serial, device_type) = (tally(FactKind::Serial), tally(FactKind::DeviceType));
        let platform = tally(FactKind::Platform);
        let (label_best, platform_best) = (label.best(), maker.best());
        let model_best = model.best().map(|c| c.value.as_str());
        let type_best = device_type
            .best()
            .and_then(|c| DeviceType::parse(&c.value).ok());
        let scope = LinkScope {
            model: model_best,
            date,
        };
        let inputs = attribute::Inputs {
            label: label_best,
            platform: platform_best,
            scope,
            device_type: type_best,
            against: &against,
        };
        let attribution = self.memo.get_or_compute(&self.registry, inputs, || {
            attribute::attribute(&self.registry, inputs)
        });
        let mut conflicts: Vec<Conflict> = [
            (FactKind::Manufacturer, &maker),
            (FactKind::LabelVendor, &label),
            (FactKind::Model, &model),
            (FactKind::Firmware, &firmware),
            (FactKind::Serial, &serial),
            (FactKind::DeviceType, &device_type),
            (FactKind::Platform, &platform),
        ]
        .into_iter()
        .filter_map(|(k, t)| t.conflict(k))
        .collect();
        if let Some(m) = &attribution.manufacturer {
            contradiction::record(&mut conflicts, m, attribution.confidence, &against);
        }
        let platform_confirmed = attribution.manufacturer.as_ref().map(|m| {
            contradiction::platform_confirms(&self.registry, draft.evidence.as_slice(), m)
        });
        let best = |t: &Tally| t.best().map(|c| c.value.clone());
        let (model, firmware) = (best(&model), best(&firmware));
        let vulnerabilities = self.kev_memo.notes(
            &self.registry,
            attribution.manufacturer.as_ref(),
            attribution.label_vendor.as_ref(),
            model.as_deref(),
            vulnerabilities::Firmware {
                version: firmware.as_deref(),
                stated_build: build_date::stated_beside(
                    draft.evidence.as_slice(),
                    firmware.as_deref(),
                ),
            },
        );
        let mut evidence = draft.evidence.into_vec();
        contradiction::keep_what_weighed(
            &mut evidence,
            attribution.manufacturer.as_ref(),
            [&maker, &label],
        );
        evidence.sort_by(|a, b| {
            b.confidence
                .partial_cmp(&a.confidence)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let steps = self.with_china_address_hint(
            [attribution.steps, grammar_set_aside].concat(),
            draft.mac.map(|m| m.0),
            attribution.manufacturer.is_none(),
        );
        Device {
            addr: Some(draft.addr),
            other_addrs: draft.other_addrs,
            mac: draft.mac.map(|m| m.0),
            open_ports: draft.tcp_ports.into_iter().collect(),
            label_vendor: attribution.label_vendor,
            manufacturer: attribution.manufacturer,
            owner: attribution.owner,
            label_relation: attribution.label_relation.map(str::to_owned),
            model,
            firmware,
            serial: best(&serial),
            device_type: device_type
                .best()
                .and_then(|c| DeviceType::parse(&c.value).ok()),
            covered: !attribution.covered_by.is_empty(),
            covered_by: attribution.covered_by,
            coverage: attribution.coverage,
            confidence: attribution.confidence,
            platform_confirmed,
            attribution: steps,
            conflicts,
            evidence,
            vulnerabilities,
            endpoints: Vec::new(),
        }
    }

    /// Model numbers learned from any protocol are read once more by the
    /// model-number grammar rules (`field = "fact.model"`). A grammar whose
    /// shape other brands share (`numbering = "shared"`) counts only when
    /// every maker or brand name the device gives fits its maker; otherwise
    /// it is set aside, and the returned steps say so.
    fn add_model_grammar_evidence(&self, draft: &mut DeviceDraft) -> Vec<AttributionStep> {
        let mut models: Vec<(String, Source, Option<u16>)> = Vec::new();
        for ev in draft.evidence.as_slice() {
            if let Some(m) = &ev.asserts.model
                && !models.iter().any(|(v, _, _)| v == m)
            {
                models.push((m.clone(), ev.source, ev.port));
            }
        }
        let mut set_aside = Vec::new();
        for (model, source, port) in models {
            for hit in self.rules.match_value(MODEL_FIELD, &model) {
                if hit.rule.shared_numbering
                    && let Some(maker) = &hit.rule.asserts.manufacturer
                    && let Some(other) = self.name_not_of(&draft.maker_names, maker)
                {
                    set_aside.push(shared_number_set_aside(&model, &hit.rule.id, maker, other));
                    continue;
                }
                let ev = Evidence {
                    source,
                    port,
                    field: MODEL_FIELD.to_owned(),
                    value: model.clone(),
                    rule: Some(hit.rule.id.clone()),
                    asserts: hit.rule.asserts_for(&hit.captured),
                    confidence: hit.rule.confidence,
                };
                draft.evidence.push(ev);
            }
        }
        set_aside
    }

    /// The first of the device's maker and brand names that is not `maker`,
    /// its group or a brand the registry relates to it; a name the registry
    /// does not know is another maker's too.
    fn name_not_of<'n>(&self, names: &'n [String], maker: &VendorId) -> Option<&'n str> {
        names
            .iter()
            .find(|name| {
                let known = label::vendor_named(&self.registry, name, false);
                !known.is_some_and(|v| {
                    attribute::label_fits_maker(
                        &self.registry,
                        &v,
                        maker,
                        attribute::LinkScope::default(),
                    )
                })
            })
            .map(String::as_str)
    }

    /// A model number the registry documents as another maker's model
    /// (Amcrest AD410 = Dahua DH-DB6I) names that maker, with the
    /// equivalence's confidence. Short model numbers recur across brands,
    /// so when the device shows a label, the equivalence counts only if the
    /// label is the brand it records or the maker itself.
    fn add_equivalence_evidence(&self, draft: &mut DeviceDraft) {
        let labels: Vec<&VendorId> = draft
            .evidence
            .as_slice()
            .iter()
            .filter_map(|e| e.asserts.label_vendor.as_ref())
            .collect();
        let mut found: Vec<Evidence> = Vec::new();
        let mut models: Vec<&str> = Vec::new();
        for ev in draft.evidence.as_slice() {
            let Some(model) = &ev.asserts.model else {
                continue;
            };
            // One piece of evidence per model number, whichever protocols
            // reported it.
            if models.contains(&model.as_str()) {
                continue;
            }
            models.push(model);
            for eq in self.registry.equivalents_of(model) {
                let consistent =
                    labels.is_empty() || labels.iter().any(|l| **l == eq.brand || **l == eq.maker);
                if !consistent {
                    continue;
                }
                found.push(Evidence {
                    source: ev.source,
                    port: ev.port,
                    field: MODEL_FIELD.to_owned(),
                    value: model.clone(),
                    rule: Some(EQUIVALENCE_RULE.to_owned()),
                    asserts: Asserts {
                        manufacturer: Some(eq.maker.clone()),
                        ..Asserts::default()
                    },
                    confidence: eq.confidence.confidence(),
                });
            }
        }
        draft.evidence.extend(found);
    }

    /// A device no evidence attributes, whose MAC block no vendor rule maps
    /// but which the IEEE lists at a mainland-China address (and whose
    /// registrant the registry does not know), gets a step saying to verify
    /// it. The step is words only: no evidence, no maker, never covered
    /// (many Western devices carry Chinese-made network modules).
    fn with_china_address_hint(
        &self,
        mut steps: Vec<AttributionStep>,
        mac: Option<Mac>,
        maker_unknown: bool,
    ) -> Vec<AttributionStep> {
        let Some(mac) = mac.filter(|_| maker_unknown) else {
            return steps;
        };
        if self.oui().lookup(&mac).is_some() {
            return steps;
        }
        let Some(block) = camaudit_oui::china::china_address_blocks().lookup(&mac) else {
            return steps;
        };
        if self.registry.lookup_name(&block.organisation).is_some() {
            return steps;
        }
        steps.push(AttributionStep {
            claim: format!(
                "verify: MAC block {} is registered to {} at a mainland-China address, a company not in the registry;                  network modules are often Chinese-made, so this names no maker and covers nothing",
                block.rule_id(),
                block.organisation
            )
            .into(),
            confidence: block.confidence,
            sources: vec!["https://standards-oui.ieee.org/".to_owned()].into(),
        });
        steps
    }

    fn add_oui_evidence(
        &self,
        draft: &mut DeviceDraft,
        mac: Mac,
        source: Source,
        port: Option<u16>,
    ) {
        let Some(entry) = self.oui().lookup(&mac) else {
            return;
        };
        let ev = Evidence {
            source,
            port,
            field: "mac".to_owned(),
            value: mac.to_string(),
            rule: Some(entry.rule_id()),
            asserts: Asserts {
                manufacturer: Some(entry.vendor.clone()),
                ..Asserts::default()
            },
            confidence: entry.confidence,
        };
        draft.evidence.push(ev);
    }
}

/// Streaming identification: [`Identifier::add`] each observation, then
/// [`Identifier::finish`].
pub struct Identifier<'e> {
    engine: &'e Engine,
    collector: Collector<'e>,
}

impl Identifier<'_> {
    pub fn add(&mut self, obs: &Observation) {
        self.engine.observe(&mut self.collector, obs);
    }

    pub fn finish(self) -> Vec<Device> {
        self.engine.finish(self.collector)
    }
}

/// Says why a model number's shape did not name its maker: the device names
/// another maker or brand, and numbers of that shape recur across brands.
fn shared_number_set_aside(
    model: &str,
    rule: &str,
    maker: &VendorId,
    other: &str,
) -> AttributionStep {
    AttributionStep {
        claim: format!(
            "model {model:?} has the shape of {maker}'s numbering (rule {rule}), but numbers of that shape recur across brands and the device names {other:?}: not counted as {maker}"
        )
        .into(),
        confidence: camaudit_model::Confidence::ZERO,
        sources: Vec::new().into(),
    }
}
