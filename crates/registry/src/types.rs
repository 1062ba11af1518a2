use std::collections::BTreeMap;

use camaudit_model::{Confidence, VendorId};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::coverage::Link;
use crate::kev::KevRange;

/// How well a registry fact is supported by its sources.
///
/// - `high`: primary text (statute, official list, company filing) or several
///   independent reputable sources;
/// - `medium`: one reputable secondary source, or consistent technical
///   evidence (shared firmware, APIs, protocols);
/// - `low`: a single blog or community report; use with care and say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    High,
    Medium,
    Low,
}

impl Level {
    /// The degree of belief the identify engine gives a fact at this level:
    /// high 0.95, medium 0.75, low 0.4.
    pub fn confidence(self) -> Confidence {
        let v = match self {
            Level::High => 0.95,
            Level::Medium => 0.75,
            Level::Low => 0.4,
        };
        Confidence::new(v).unwrap_or(Confidence::ZERO)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }

    /// The level a degree of belief from evidence stands for: 0.9 and
    /// above high, 0.5 and above medium, below that low (a fingerprint too
    /// weak to clear a device is too weak to condemn it firmly).
    pub fn from_confidence(c: Confidence) -> Level {
        match c.get() {
            v if v >= 0.9 => Level::High,
            v if v >= 0.5 => Level::Medium,
            _ => Level::Low,
        }
    }

    /// Low 0, medium 1, high 2: for comparing levels.
    pub fn rank(self) -> u8 {
        match self {
            Level::Low => 0,
            Level::Medium => 1,
            Level::High => 2,
        }
    }

    /// The weaker of two levels: a conclusion that rests on both facts holds
    /// no better than the weaker one.
    pub fn weakest(self, other: Level) -> Level {
        if other.rank() < self.rank() {
            other
        } else {
            self
        }
    }
}

/// How a label brand relates to a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// A brand name the company itself sells under (HiLook for Hikvision).
    OwnBrand,
    /// A company the parent controls now.
    Subsidiary,
    /// An independent seller that relabels the company's products.
    OemReseller,
    /// A company the parent controlled in the past (see `from`/`until`).
    FormerSubsidiary,
}

impl Relation {
    /// The relation as it reads in a sentence: "lorex is a *former
    /// subsidiary of* dahua".
    pub fn describe(self) -> &'static str {
        match self {
            Relation::OwnBrand => "own brand of",
            Relation::Subsidiary => "subsidiary of",
            Relation::OemReseller => "OEM / white-label reseller of",
            Relation::FormerSubsidiary => "former subsidiary of",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::OwnBrand => "own-brand",
            Relation::Subsidiary => "subsidiary",
            Relation::OemReseller => "oem-reseller",
            Relation::FormerSubsidiary => "former-subsidiary",
        }
    }
}

/// A class of equipment a regime reaches. A regime that lists none reaches
/// all of a covered company's equipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Equipment {
    /// Cameras, recorders, video intercoms and access control with cameras.
    VisualSurveillance,
    /// Network and telecommunications equipment (routers, switches, radios).
    Telecommunications,
}

/// What a regime does to covered equipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegimeKind {
    /// Equipment must not be bought, deployed or connected: makes a device
    /// *covered*.
    ProcurementBan,
    /// A listing worth reporting (e.g. an export-control list) that does not
    /// make a device covered.
    RiskFlag,
}

/// A company: a manufacturer, a parent or a state holding body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    /// The slug used everywhere for this company (`hikvision`).
    pub id: VendorId,
    /// Legal name.
    pub name: String,
    /// Names and spellings seen on devices and in asset lists.
    pub aliases: Vec<String>,
    /// ISO 3166-1 alpha-2 country of incorporation/headquarters (`CN`).
    pub jurisdiction: String,
    /// The controlling company, if any.
    pub parent: Option<VendorId>,
    /// What the control consists of ("largest shareholder, about 39%").
    pub parent_relation: Option<String>,
    pub state_ownership: Option<String>,
    pub confidence: Level,
    pub sources: Vec<String>,
    /// Where a source was read when that was a copy: original → copy.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub via: BTreeMap<String, String>,
    pub notes: Option<String>,
    /// Two or more readings of the company's jurisdiction or control where
    /// sources genuinely disagree (`[[entity.reading]]`); empty when they do
    /// not. An entity with readings has no `parent` of its own: each reading
    /// says who controls it, and coverage is judged under every reading.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<Reading>,
}

/// One reading of a company's jurisdiction or control, where sources
/// disagree: TP-Link Systems Inc. as the independent US company it says it
/// has been since the 2022 split, or as still controlled from Shenzhen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// The country whose law the company is read as subject to under this
    /// reading (ISO 3166-1 alpha-2); the entity's own `jurisdiction` when the
    /// file does not say.
    pub jurisdiction: String,
    /// The controlling company under this reading, if any.
    pub parent: Option<VendorId>,
    /// What the control consists of under this reading.
    pub parent_relation: Option<String>,
    /// The reading in the curator's words, and who holds it.
    pub basis: String,
    pub confidence: Level,
    pub sources: Vec<String>,
    pub notes: Option<String>,
}

/// A model line a brand relation is documented *not* to reach: the brand
/// sells it, but the related company does not make it (a line the brand
/// markets as NDAA-compliant, made by another maker).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelException {
    /// The line's model numbers start with one of these (case-insensitive).
    pub model_prefixes: Vec<String>,
    /// What the sources say about the line, in the curator's words.
    pub basis: String,
    /// Who makes the line instead, when a source names it.
    pub made_by: Option<VendorId>,
    /// `high` or `medium`: the relation does not speak for the line. `low`:
    /// the relation still does, but a covered verdict through it is only
    /// likely.
    pub confidence: Level,
    pub sources: Vec<String>,
    pub notes: Option<String>,
}

impl ModelException {
    /// Whether the model belongs to the excepted line (an unknown model
    /// does not).
    pub fn covers_model(&self, model: Option<&str>) -> bool {
        model.is_some_and(|m| starts_with_any(m, &self.model_prefixes))
    }

    /// Whether the exception is documented well enough to take the line out
    /// of the relation (medium or high).
    pub fn is_firm(&self) -> bool {
        self.confidence != Level::Low
    }
}

/// Whether `model` starts with one of `prefixes`, ignoring case and
/// surrounding space.
fn starts_with_any(model: &str, prefixes: &[String]) -> bool {
    let model = model.trim().to_ascii_uppercase();
    prefixes
        .iter()
        .any(|p| model.starts_with(&p.trim().to_ascii_uppercase()))
}

/// One relation of a label brand to a company.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BrandLink {
    /// The brand's slug (`lorex`).
    pub brand: VendorId,
    /// The brand's display name.
    pub name: String,
    /// Other spellings of the brand name.
    pub aliases: Vec<String>,
    /// The company the brand relates to.
    pub company: VendorId,
    pub relation: Relation,
    pub from: Option<String>,
    pub until: Option<String>,
    pub confidence: Level,
    pub sources: Vec<String>,
    /// Where a source was read when that was a copy: original → copy.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub via: BTreeMap<String, String>,
    pub notes: Option<String>,
    /// When not empty, the relation is known to hold only for models whose
    /// number starts with one of these (case-insensitive).
    pub model_prefixes: Vec<String>,
    /// Model lines the relation is documented not to reach
    /// (`[[brand.exception]]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<ModelException>,
}

impl BrandLink {
    /// Whether the relation is known to hold for a device of this model:
    /// always when the link has no model prefixes; otherwise only for a
    /// model starting with one of them (an unknown model does not qualify).
    /// A model in a line that a firm (medium or high) exception takes out of
    /// the relation does not qualify either.
    pub fn applies_to_model(&self, model: Option<&str>) -> bool {
        let in_scope = self.model_prefixes.is_empty()
            || model.is_some_and(|m| starts_with_any(m, &self.model_prefixes));
        in_scope && self.exception_for(model).is_none_or(|e| !e.is_firm())
    }

    /// The exception whose line this model is in, the firmest first.
    pub fn exception_for(&self, model: Option<&str>) -> Option<&ModelException> {
        self.exceptions
            .iter()
            .filter(|e| e.covers_model(model))
            .max_by_key(|e| e.confidence.rank())
    }

    /// Whether the relation held on `date` (`YYYY`, `YYYY-MM` or
    /// `YYYY-MM-DD`; unknown: `None`, which always qualifies). Dates are
    /// compared at the coarser of the two precisions, and a date in the
    /// same period as a bound counts as inside: the sale month of a brand
    /// still covers a device of that month.
    pub fn applies_at(&self, date: Option<&str>) -> bool {
        let Some(date) = date else { return true };
        let cmp = |bound: &str| {
            let n = date.len().min(bound.len());
            date.get(..n).cmp(&bound.get(..n))
        };
        let after_start = self
            .from
            .as_deref()
            .is_none_or(|f| cmp(f) != std::cmp::Ordering::Less);
        let before_end = self
            .until
            .as_deref()
            .is_none_or(|u| cmp(u) != std::cmp::Ordering::Greater);
        after_start && before_end
    }

    /// The period as text: " (2018-02 to 2022-11-24)", " (since 2017-05)",
    /// or empty.
    pub fn period(&self) -> String {
        match (&self.from, &self.until) {
            (Some(f), Some(u)) => format!(" ({f} to {u})"),
            (Some(f), None) => format!(" (since {f})"),
            (None, Some(u)) => format!(" (until {u})"),
            (None, None) => String::new(),
        }
    }

    /// Whether the relation is in the past (a former subsidiary, or one with
    /// an `until` date).
    pub fn is_historical(&self) -> bool {
        self.relation == Relation::FormerSubsidiary || self.until.is_some()
    }
}

/// A legal or policy instrument that restricts or flags equipment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regime {
    /// `uk-2022-directive`, `ndaa-889`, `fcc-covered-list`, …
    pub id: String,
    pub title: String,
    pub kind: RegimeKind,
    /// When it was made (statement, enactment, listing rule).
    pub date: String,
    /// Who made it (ISO country).
    pub jurisdiction: String,
    /// Whether coverage of a company extends to the companies it controls.
    pub includes_subsidiaries: bool,
    /// Countries whose companies the regime covers by its own test, without
    /// naming them (the UK statement: companies subject to the PRC National
    /// Intelligence Law, i.e. `CN`). Coverage found this way is an
    /// interpretation.
    pub applies_to_jurisdictions: Vec<String>,
    /// Why the jurisdiction test is read this way.
    pub jurisdiction_basis: Option<String>,
    /// What equipment and uses it reaches.
    pub scope: String,
    /// The classes of equipment it reaches; empty means all.
    pub equipment: Vec<Equipment>,
    pub confidence: Level,
    pub sources: Vec<String>,
    pub notes: Option<String>,
}

/// An explicit statement that a regime covers a company.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageEntry {
    pub regime: String,
    pub entity: VendorId,
    pub basis: String,
    pub from: Option<String>,
    pub interpretation: bool,
    pub confidence: Level,
    pub sources: Vec<String>,
    /// Where a source was read when that was a copy: original → copy.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub via: BTreeMap<String, String>,
    pub scope: Option<String>,
}

/// Why a regime applies to a manufacturer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageFinding {
    pub regime: String,
    /// The entity in the manufacturer's owner chain that is covered (the
    /// manufacturer itself, or the parent through which coverage reaches it).
    pub entity: VendorId,
    pub basis: String,
    /// True when the coverage is camaudit's reading of a test that names no
    /// company (the UK 2022 statement), not a published designation.
    pub interpretation: bool,
    pub confidence: Level,
    pub sources: Vec<String>,
    /// Since when, where known.
    pub from: Option<String>,
    /// The weakest fact the finding rests on (a parent link, the company's
    /// jurisdiction, the coverage entry, the regime's reading), in words.
    pub weakest_link: Link,
}

/// A model-number grammar of one vendor.
#[derive(Debug, Clone, Serialize)]
pub struct ModelPattern {
    pub id: String,
    pub vendor: VendorId,
    /// Case-insensitive regular expression over the whole model string.
    pub regex: String,
    #[serde(skip)]
    pub(crate) compiled: Regex,
    pub examples: Vec<String>,
    pub not_examples: Vec<String>,
    pub confidence: Level,
    pub sources: Vec<String>,
    pub notes: Option<String>,
}

impl ModelPattern {
    pub fn is_match(&self, model: &str) -> bool {
        self.compiled.is_match(model.trim())
    }
}

/// A cloud / P2P service a vendor's devices talk to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Endpoint {
    pub vendor: VendorId,
    pub service: String,
    /// Host names; `*.example.com` stands for every subdomain.
    pub hosts: Vec<String>,
    pub ports: Vec<u16>,
    pub protocol: Option<String>,
    pub confidence: Level,
    pub sources: Vec<String>,
    pub notes: Option<String>,
}

impl Endpoint {
    /// Whether a DNS name belongs to this endpoint (case-insensitive; a
    /// trailing dot is ignored).
    pub fn matches_host(&self, host: &str) -> bool {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        self.hosts.iter().any(|h| {
            let h = h.to_ascii_lowercase();
            match h.strip_prefix("*.") {
                Some(domain) => host
                    .strip_suffix(domain)
                    .is_some_and(|rest| rest.ends_with('.')),
                None => host == h,
            }
        })
    }
}

/// A CISA Known Exploited Vulnerability mapped to a registry vendor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KevEntry {
    pub cve: String,
    pub vendor: VendorId,
    /// The `vendorProject` as CISA writes it.
    pub catalog_vendor: String,
    pub product: String,
    pub name: String,
    pub date_added: String,
    pub confidence: Level,
    pub sources: Vec<String>,
    pub notes: Option<String>,
    /// The product families and firmware builds the advisories document
    /// (`[[kev.affected]]`); empty where none could be sourced.
    pub affected: Vec<KevRange>,
}

/// An organisation's overlay of the registry (`--registry DIR`): its own
/// additions and decisions, named in every output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlayInfo {
    /// From `overlay.toml`: "Example Council security board".
    pub name: String,
    /// The directory it was read from.
    pub path: String,
    pub version: Option<String>,
    pub date: Option<String>,
    pub description: Option<String>,
}

/// What an organisation decided about a maker or brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionKind {
    /// Acceptable to the organisation (never overrides a regime).
    Trusted,
    /// Not to be bought or kept, whatever the regimes say.
    Banned,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Trusted => "trusted",
            DecisionKind::Banned => "banned",
        }
    }
}

/// An organisation's own decision, from an overlay's `decisions.toml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// A registry entity or brand, or `None` when the decision names a maker
    /// by `name` only.
    pub vendor: Option<VendorId>,
    /// A name as written in the organisation's lists (compared like
    /// registry names).
    pub name: Option<String>,
    pub kind: DecisionKind,
    pub reason: String,
    pub date: String,
    /// Free-form references (board minutes, tickets, URLs).
    pub sources: Vec<String>,
    /// When given, the decision holds only for these model lines.
    pub model_prefixes: Vec<String>,
}

impl Decision {
    /// The vendor id or the name.
    pub fn subject(&self) -> &str {
        match (&self.vendor, &self.name) {
            (Some(v), _) => v.as_str(),
            (None, Some(n)) => n.as_str(),
            (None, None) => "",
        }
    }

    /// Whether the decision holds for a model (always when it names no
    /// model prefixes).
    pub fn applies_to_model(&self, model: Option<&str>) -> bool {
        if self.model_prefixes.is_empty() {
            return true;
        }
        let Some(model) = model else { return false };
        let model = model.trim().to_ascii_uppercase();
        self.model_prefixes
            .iter()
            .any(|p| model.starts_with(&p.to_ascii_uppercase()))
    }
}
