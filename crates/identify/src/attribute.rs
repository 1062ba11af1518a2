//! Fourth stage: from the resolved label brand and platform evidence to
//! manufacturer, corporate owner and the regimes that cover the device, each
//! step written down with its sources.
//!
//! The label (what the device shows) and the platform (what its firmware and
//! protocols reveal) are separate facts. Platform evidence is what an OEM
//! reseller cannot change, so when both name a maker and disagree, the
//! stronger wins — normally the platform — and the disagreement is reported.
//! A label alone still says something through the registry: a brand that is
//! an OEM reseller of Hikvision points at Hikvision, with the relation's
//! (lower) confidence.

use camaudit_model::DeviceType;
use camaudit_model::{AttributionStep, Confidence, CoverageStrength, VendorId};
use camaudit_registry::{BrandLink, Equipment, Registry, coverage_strength};

use crate::against::{Against, AgainstTable};
use crate::resolve::Candidate;
use crate::strength;

/// The attribution of one device.
#[derive(Debug, Default, Clone)]
pub(crate) struct Attribution {
    pub label_vendor: Option<VendorId>,
    pub manufacturer: Option<VendorId>,
    pub owner: Option<VendorId>,
    pub label_relation: Option<&'static str>,
    pub covered_by: Vec<String>,
    /// How firmly the coverage stands (`crate::strength`).
    pub coverage: Option<CoverageStrength>,
    pub confidence: Confidence,
    pub steps: Vec<AttributionStep>,
}

/// What decides whether a brand relation speaks for this device: its model
/// number (relations limited to some model lines) and its date (relations
/// that began or ended: a brand sold in 2022 says nothing of a 2024 device).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LinkScope<'a> {
    pub model: Option<&'a str>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (purchase or installation), when
    /// known.
    pub date: Option<&'a str>,
}

impl LinkScope<'_> {
    pub(crate) fn admits(&self, link: &BrandLink) -> bool {
        link.applies_to_model(self.model) && link.applies_at(self.date)
    }
}

/// Everything attribution depends on, resolved from the evidence.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'a> {
    pub label: Option<&'a Candidate>,
    pub platform: Option<&'a Candidate>,
    pub scope: LinkScope<'a>,
    pub device_type: Option<DeviceType>,
    pub against: &'a AgainstTable,
}

pub(crate) fn attribute(registry: &Registry, inputs: Inputs<'_>) -> Attribution {
    let Inputs {
        label,
        platform,
        scope,
        device_type,
        against,
    } = inputs;
    let mut out = Attribution {
        label_vendor: label.and_then(|c| VendorId::new(&c.value).ok()),
        ..Attribution::default()
    };
    let from_platform = platform.and_then(|c| maker_from_platform(c, against, &mut out.steps));
    let user_label = label.filter(|c| !c.firmware_set);
    if let Some(hint) = user_label {
        note_user_label(registry, hint, from_platform.as_ref(), scope, &mut out);
    }
    // A name beside platform evidence says nothing of the maker.
    let from_label = if user_label.is_some() && from_platform.is_some() {
        None
    } else {
        out.label_vendor
            .clone()
            .zip(label.map(|c| c.confidence))
            .and_then(|(l, c)| maker_from_label(registry, &l, c, scope, &mut out.steps))
            .map(|(maker, c)| weigh_against(maker, c, label, against, &mut out.steps))
    };
    let platform_named = from_platform.clone();
    let chosen = choose(from_platform, from_label, &mut out.steps)
        .map(|(maker, c)| company_behind_brand(registry, maker, c, scope, &mut out.steps))
        .map(|(maker, c)| {
            group_member_by_label(
                registry,
                out.label_vendor.as_ref(),
                maker,
                c,
                &mut out.steps,
            )
        });
    if let Some((maker, confidence)) = chosen {
        if let Some(label) = &out.label_vendor
            && *label != maker
        {
            out.label_relation = Some(explain_rebrand(registry, label, &maker, &mut out.steps));
        }
        out.owner = owner(registry, &maker, &mut out.steps);
        let from = strength::Sources {
            platform: platform_named.as_ref().map(|(p, c)| (p, *c)),
            label: out.label_vendor.as_ref().zip(label.map(|c| c.confidence)),
        };
        let route = strength::route(registry, &from, &maker, confidence, scope);
        let (covered_by, strength) =
            coverage(registry, &maker, device_type, &route, &mut out.steps);
        out.covered_by = covered_by;
        out.coverage = strength;
        out.manufacturer = Some(maker);
        out.confidence = confidence.rounded();
    }
    out
}

/// The maker platform evidence names, lowered by the evidence against it.
fn maker_from_platform(
    c: &Candidate,
    against: &AgainstTable,
    steps: &mut Vec<AttributionStep>,
) -> Option<(VendorId, Confidence)> {
    let id = VendorId::new(&c.value).ok()?;
    steps.push(step(
        format!(
            "platform evidence names {id} (rules: {})",
            c.rules.join(", ")
        ),
        c.before_against.unwrap_or(c.confidence),
        Vec::new(),
    ));
    if let (Some(before), Some(a)) = (c.before_against, against.get(id.as_str())) {
        steps.push(contradicted_step(&id, before, c.confidence, a));
    }
    Some((id, c.confidence))
}

/// Writes down a label only names a user set support. Beside platform
/// evidence it is set aside, and dropped as the label unless it fits the
/// platform's maker; alone, it is a weak hint.
fn note_user_label(
    registry: &Registry,
    hint: &Candidate,
    platform: Option<&(VendorId, Confidence)>,
    scope: LinkScope<'_>,
    out: &mut Attribution,
) {
    let Some((maker, _)) = platform else {
        out.steps.push(step(
            format!(
                "label {} comes only from names set by whoever installed the device (rules: {}): a weak hint, not evidence of the maker",
                hint.value,
                hint.rules.join(", ")
            ),
            hint.confidence,
            Vec::new(),
        ));
        return;
    };
    let consistent = out
        .label_vendor
        .as_ref()
        .is_some_and(|l| label_fits_maker(registry, l, maker, scope));
    out.steps
        .push(user_label_set_aside(hint, maker, consistent));
    if !consistent {
        out.label_vendor = None;
    }
}

/// A name the installer gave never outranks firmware evidence: it is set
/// aside, and stays the device's label only when the registry relates that
/// brand to the maker the platform names (an OEM's default name, "LTS …" on
/// a Hikvision-made LTS camera).
fn user_label_set_aside(hint: &Candidate, maker: &VendorId, consistent: bool) -> AttributionStep {
    let verdict = if consistent {
        format!("it fits {maker}, which the platform names, so it stays the label, as a hint")
    } else {
        format!("set aside: a name never outranks firmware evidence, which names {maker}")
    };
    step(
        format!(
            "the name {} was set by whoever installed the device (rules: {}): {verdict}",
            hint.value,
            hint.rules.join(", ")
        ),
        hint.confidence,
        Vec::new(),
    )
}

/// Whether a brand is the maker, one of its group, or a brand the registry
/// relates to it.
pub(crate) fn label_fits_maker(
    registry: &Registry,
    label: &VendorId,
    maker: &VendorId,
    scope: LinkScope<'_>,
) -> bool {
    label == maker
        || registry.owner_chain(label).iter().any(|e| e.id == *maker)
        || registry.owner_chain(maker).iter().any(|e| e.id == *label)
        || registry
            .brand_links(label)
            .into_iter()
            .any(|l| l.company == *maker && scope.admits(l))
}

/// The maker a label points at, weighed against the evidence that the
/// device does not run that maker's platform.
fn weigh_against(
    maker: VendorId,
    confidence: Confidence,
    label: Option<&Candidate>,
    against: &AgainstTable,
    steps: &mut Vec<AttributionStep>,
) -> (VendorId, Confidence) {
    let Some(a) = against.get(maker.as_str()) else {
        return (maker, confidence);
    };
    let after = confidence.weakened_by(a.confidence);
    let (says, rules) = label.map_or((String::new(), String::new()), |l| {
        (l.value.clone(), l.rules.join(", "))
    });
    steps.push(step(
        format!(
            "the label says {says} (rules: {rules}), but {maker}'s platform is contradicted ({}; rules: {}): label only, platform unconfirmed; {maker} lowered from {} to {}",
            a.seen.join("; "),
            a.rules.join(", "),
            confidence.rounded().get(),
            after.rounded().get()
        ),
        after,
        Vec::new(),
    ));
    (maker, after)
}

fn contradicted_step(
    maker: &VendorId,
    before: Confidence,
    after: Confidence,
    a: &Against,
) -> AttributionStep {
    step(
        format!(
            "evidence against {maker}'s platform ({}; rules: {}): {maker} lowered from {} to {}",
            a.seen.join("; "),
            a.rules.join(", "),
            before.rounded().get(),
            after.rounded().get()
        ),
        after,
        Vec::new(),
    )
}

fn step(claim: String, confidence: Confidence, sources: Vec<String>) -> AttributionStep {
    AttributionStep {
        claim: claim.into(),
        confidence: confidence.rounded(),
        sources: sources.into(),
    }
}

/// Platform evidence can name a brand rather than a company (a MAC block
/// registered to the firm that runs a maker's consumer brand): follow the
/// registry from the brand to the company that makes it.
fn company_behind_brand(
    registry: &Registry,
    maker: VendorId,
    confidence: Confidence,
    scope: LinkScope<'_>,
    steps: &mut Vec<AttributionStep>,
) -> (VendorId, Confidence) {
    if registry.entity(&maker).is_some() {
        return (maker, confidence);
    }
    match best_link(registry, &maker, scope) {
        Some(link) => {
            let c = confidence.chain(link_confidence(link, scope));
            steps.push(step(
                format!(
                    "{maker} is {} {}{}",
                    link.relation.describe(),
                    link.company,
                    link.period()
                ),
                c,
                link.sources.clone(),
            ));
            (link.company.clone(), c)
        }
        None => (maker, confidence),
    }
}

/// A subsidiary runs its parent's platform (EZVIZ cameras answer SADP like
/// any Hikvision device), so platform evidence names the parent. When the
/// label names a company inside that parent's group, the label says which
/// member of the group made the device: report it, with the parent as owner.
fn group_member_by_label(
    registry: &Registry,
    label: Option<&VendorId>,
    maker: VendorId,
    confidence: Confidence,
    steps: &mut Vec<AttributionStep>,
) -> (VendorId, Confidence) {
    let Some(label) = label.filter(|l| **l != maker) else {
        return (maker, confidence);
    };
    let in_group = registry
        .owner_chain(label)
        .iter()
        .skip(1)
        .any(|e| e.id == maker);
    if !in_group {
        return (maker, confidence);
    }
    let sources = registry
        .entity(label)
        .map(|e| e.sources.clone())
        .unwrap_or_default();
    steps.push(step(
        format!("label {label} is a company in {maker}'s group, which runs {maker}'s platform: made by {label}"),
        confidence,
        sources,
    ));
    (label.clone(), confidence)
}

/// Who a label brand points at, when the registry knows it.
fn maker_from_label(
    registry: &Registry,
    label: &VendorId,
    label_confidence: Confidence,
    scope: LinkScope<'_>,
    steps: &mut Vec<AttributionStep>,
) -> Option<(VendorId, Confidence)> {
    if let Some(entity) = registry.entity(label) {
        steps.push(step(
            format!("label {label} is the own brand of {}", entity.name),
            label_confidence,
            entity.sources.clone(),
        ));
        return Some((label.clone(), label_confidence));
    }
    let Some(link) = best_link(registry, label, scope) else {
        if let Some((link, exception)) = strength::exception_maker(registry, label, scope) {
            let made_by = exception.made_by.clone()?;
            let confidence = label_confidence.chain(exception.confidence.confidence());
            steps.push(step(
                format!(
                    "label {label}: this model line is documented as not {}'s but {made_by}'s: {}",
                    link.company, exception.basis
                ),
                confidence,
                exception.sources.clone(),
            ));
            return Some((made_by, confidence));
        }
        steps.push(no_link_step(registry, label, scope));
        return None;
    };
    let confidence = label_confidence.chain(link_confidence(link, scope));
    steps.push(step(
        format!(
            "label {label} → {} {}{}",
            link.relation.describe(),
            link.company,
            link.period()
        ),
        confidence,
        link.sources.clone(),
    ));
    Some((link.company.clone(), confidence))
}

/// Why a label says nothing about its maker: the brand is unknown, or its
/// relations are limited to model lines this device is not one of, or to a
/// period its date is outside of.
fn no_link_step(registry: &Registry, label: &VendorId, scope: LinkScope<'_>) -> AttributionStep {
    let limits: Vec<String> = registry
        .brand_links(label)
        .into_iter()
        .map(|l| {
            let mut limit = l.company.to_string();
            if let Some(e) = l.exception_for(scope.model).filter(|e| e.is_firm()) {
                limit.push_str(&format!(
                    " except models {} ({})",
                    e.model_prefixes.join("/"),
                    e.basis
                ));
            } else if !l.applies_to_model(scope.model) {
                limit.push_str(&format!(" for models {}", l.model_prefixes.join("/")));
            }
            if !l.applies_at(scope.date) {
                limit.push_str(&l.period());
            }
            limit
        })
        .collect();
    let device = match (scope.model, scope.date) {
        (Some(m), Some(d)) => format!("model {m:?} dated {d}"),
        (Some(m), None) => format!("model {m:?}"),
        (None, Some(d)) => format!("a device dated {d}"),
        (None, None) => "model unknown".to_owned(),
    };
    let claim = if limits.is_empty() {
        format!("label {label} is not in the registry: its maker cannot be inferred from the label")
    } else {
        format!(
            "label {label} relates to {} only, and {device} falls outside that: its maker cannot be inferred from the label",
            limits.join(", "),
        )
    };
    step(claim, Confidence::ZERO, Vec::new())
}

/// The strongest registry relation of a brand to a company that applies to
/// this device. A relation known only for some model lines (a reseller that
/// relabels one maker's recorders but not its cameras), or for a period the
/// device's date is outside of, does not speak for it.
pub(crate) fn best_link<'r>(
    registry: &'r Registry,
    brand: &VendorId,
    scope: LinkScope<'_>,
) -> Option<&'r BrandLink> {
    registry
        .brand_links(brand)
        .into_iter()
        .filter(|l| scope.admits(l))
        .max_by(|a, b| {
            link_weight(a, scope)
                .partial_cmp(&link_weight(b, scope))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
}

fn link_confidence(link: &BrandLink, scope: LinkScope<'_>) -> Confidence {
    Confidence::new(link_weight(link, scope)).unwrap_or(Confidence::ZERO)
}

/// A relation that has ended (a former subsidiary, a reseller that stopped)
/// may predate or postdate a device whose date is unknown: it counts for
/// less. With the device's date known and inside the period, it counts in
/// full.
fn link_weight(link: &BrandLink, scope: LinkScope<'_>) -> f64 {
    let undated_history = link.is_historical() && scope.date.is_none();
    let relation = if undated_history { 0.8 } else { 1.0 };
    link.confidence.confidence().get() * relation
}

fn choose(
    platform: Option<(VendorId, Confidence)>,
    label: Option<(VendorId, Confidence)>,
    steps: &mut Vec<AttributionStep>,
) -> Option<(VendorId, Confidence)> {
    match (platform, label) {
        (Some(p), Some(l)) if p.0 == l.0 => Some((p.0, p.1.combine(l.1))),
        (Some(p), Some(l)) => {
            let (win, lose, why) = if p.1 >= l.1 {
                (p, l, "platform evidence outweighs the label")
            } else {
                (l, p, "the label outweighs weak platform evidence")
            };
            steps.push(step(
                format!(
                    "conflict: {} ({}) vs {} ({}): {why}",
                    win.0,
                    win.1.rounded().get(),
                    lose.0,
                    lose.1.rounded().get()
                ),
                win.1,
                Vec::new(),
            ));
            Some(win)
        }
        (p, l) => p.or(l),
    }
}

/// Writes down how the label relates to the maker and returns that relation
/// for the device (`own-brand`, `oem-reseller`, …, `same-group`, or
/// `unrecorded` when the registry knows no relation).
fn explain_rebrand(
    registry: &Registry,
    label: &VendorId,
    maker: &VendorId,
    steps: &mut Vec<AttributionStep>,
) -> &'static str {
    let group: Vec<VendorId> = registry
        .owner_chain(maker)
        .iter()
        .map(|e| e.id.clone())
        .collect();
    let known = registry
        .brand_links(label)
        .into_iter()
        .find(|l| l.company == *maker || group.contains(&l.company));
    let label_group: Vec<VendorId> = registry
        .owner_chain(label)
        .iter()
        .map(|e| e.id.clone())
        .collect();
    match known {
        Some(link) => {
            steps.push(step(
                format!(
                    "rebrand: label {label} is {} {}{}",
                    link.relation.describe(),
                    link.company,
                    link.period()
                ),
                link.confidence.confidence(),
                link.sources.clone(),
            ));
            link.relation.as_str()
        }
        None if label_group.contains(maker) => {
            steps.push(step(
                format!("label {label} belongs to {maker}'s corporate group"),
                Confidence::ONE,
                Vec::new(),
            ));
            "same-group"
        }
        None => {
            steps.push(step(
                format!(
                    "rebrand: label {label} is not recorded in the registry as a brand of {maker}; the device's platform says {maker} (an undocumented OEM relation?)"
                ),
                Confidence::ZERO,
                Vec::new(),
            ));
            "unrecorded"
        }
    }
}

fn owner(
    registry: &Registry,
    maker: &VendorId,
    steps: &mut Vec<AttributionStep>,
) -> Option<VendorId> {
    let chain = registry.owner_chain(maker);
    for pair in chain.windows(2) {
        let (child, parent) = (pair[0], pair[1]);
        let relation = child.parent_relation.as_deref().unwrap_or("owned by");
        steps.push(step(
            format!("{} → {} ({relation})", child.id, parent.id),
            child.confidence.confidence(),
            child.sources.clone(),
        ));
    }
    chain.last().map(|e| e.id.clone())
}

/// The class of equipment a device type belongs to, when it is known:
/// `Some(None)` for equipment of no class a regime names (a printer).
fn equipment_class(device_type: Option<DeviceType>) -> Option<Option<Equipment>> {
    match device_type? {
        t if t.is_surveillance() => Some(Some(Equipment::VisualSurveillance)),
        DeviceType::Router => Some(Some(Equipment::Telecommunications)),
        DeviceType::Printer | DeviceType::Nas | DeviceType::WebServer => Some(None),
        _ => None,
    }
}

/// The regimes that cover the device (sorted), and how firmly: each
/// covering and each disputed finding that reaches its equipment is written
/// down, and the route to the maker joins them for the verdict's strength.
fn coverage(
    registry: &Registry,
    maker: &VendorId,
    device_type: Option<DeviceType>,
    route: &[camaudit_registry::Link],
    steps: &mut Vec<AttributionStep>,
) -> (Vec<String>, Option<CoverageStrength>) {
    let class = equipment_class(device_type);
    let reaches = |regime: &str| {
        registry.regime(regime).is_none_or(|r| {
            r.equipment.is_empty()
                || class.is_none_or(|c| c.is_some_and(|c| r.equipment.contains(&c)))
        })
    };
    let mut holding = Vec::new();
    for f in registry.coverage(maker) {
        if !reaches(&f.regime) {
            let what = device_type.map_or("this device", |t| t.as_str());
            steps.push(step(
                format!(
                    "{} covers {} but not this equipment: a {what} is outside its scope",
                    f.regime, f.entity
                ),
                f.confidence.confidence(),
                f.sources.clone(),
            ));
            continue;
        }
        let kind = if f.interpretation {
            " — an interpretation, not a published designation"
        } else {
            ""
        };
        steps.push(step(
            format!(
                "covered by {} via {}: {}{kind}",
                f.regime, f.entity, f.basis
            ),
            f.confidence.confidence(),
            f.sources.clone(),
        ));
        holding.push(f);
    }
    let disputed: Vec<_> = registry
        .disputed_coverage(maker)
        .into_iter()
        .filter(|d| reaches(&d.regime))
        .collect();
    for d in &disputed {
        steps.push(step(
            format!("disputed: {}", d.describe()),
            Confidence::ZERO,
            d.sources(),
        ));
    }
    let strength = coverage_strength(route, &holding, &disputed);
    let mut regimes: Vec<String> = holding.into_iter().map(|f| f.regime).collect();
    regimes.sort();
    regimes.dedup();
    (regimes, strength)
}
