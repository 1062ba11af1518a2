//! The covered-entity registry: which companies the surveillance regimes
//! cover, and how the names on devices lead to them.
//!
//! camaudit keeps the label on a device, its real manufacturer and that
//! manufacturer's owners apart (`docs/attribution.md`). This crate holds the
//! curated facts that connect them, every one with its sources and a
//! confidence level:
//!
//! - **regimes**: the UK 2022 statement on visual surveillance systems, NDAA
//!   FY2019 s.889, the FCC Covered List (procurement bans), and US Entity
//!   List additions (risk flags that never make a device *covered*);
//! - **entities**: companies, with legal names, the spellings seen on
//!   devices, country, parent company and state ownership;
//! - **brands**: label brands and how they relate to a company (own brand,
//!   subsidiary, OEM reseller, former subsidiary, with dates);
//! - **coverage**: which regime names which company, plus the UK statement's
//!   jurisdiction test, which names no company and so is marked as an
//!   *interpretation*;
//! - model-number patterns, cloud/P2P endpoints and CISA KEV entries mapped
//!   to registry vendors.
//!
//! The data lives in `data/registry/*.toml` (format in `docs/registry.md`)
//! and is embedded at build time: [`Registry::builtin`] needs no files at run
//! time. [`Registry::from_dir`] loads the same format from a directory, for
//! curators and for users with newer data. Both validate everything (sources
//! on every entry, known ids, no duplicates, no parent cycles, real dates)
//! and report all problems at once.
//!
//! ```
//! use camaudit_model::VendorId;
//! use camaudit_registry::Registry;
//!
//! let reg = Registry::builtin().expect("the built-in registry is valid");
//! let ezviz = reg.lookup_name("EZVIZ").expect("a known name");
//! let covered: Vec<String> = reg.coverage(&ezviz).into_iter().map(|f| f.regime).collect();
//! assert!(covered.contains(&"ndaa-889".to_string()));
//! assert!(reg.coverage(&VendorId::new("axis").unwrap()).is_empty());
//! ```

mod coverage;
mod date;
mod equivalence;
mod error;
mod kev;
mod load;
mod names;
mod query;
mod sources;
mod types;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use camaudit_model::VendorId;

pub use camaudit_model::date::{BuildDate, parse_build_date};
use coverage::Findings;
pub use coverage::{DisputedFinding, Link, ReadingOutcome, ReadingRef, coverage_strength};
pub use equivalence::ModelEquivalence;
pub use error::RegistryError;
pub use kev::{KevMatch, KevRange, KevStatus};
pub use names::normalize;
pub use query::{
    BrandProfile, CompanyProfile, HitKind, LinkedCompany, ListKind, ListedEntity, Listing, Profile,
    RegimeProfile, RegistryInfo, SEARCH_MIN_SCORE, SearchHit, SearchResults, VendorProfile,
};
pub use sources::{BUILTIN_SOURCE_HOSTS, RankedSource, SourceClass, SourceHost, SourceHosts};
pub use types::{
    BrandLink, CoverageEntry, CoverageFinding, Decision, DecisionKind, Endpoint, Entity, Equipment,
    KevEntry, Level, ModelException, ModelPattern, OverlayInfo, Reading, Regime, RegimeKind,
    Relation,
};

/// The registry files as embedded at build time, in [`load::FILES`] order.
const BUILTIN: [&str; load::N_FILES] = [
    include_str!("../../../data/registry/registry.toml"),
    include_str!("../../../data/registry/regimes.toml"),
    include_str!("../../../data/registry/entities.toml"),
    include_str!("../../../data/registry/brands.toml"),
    include_str!("../../../data/registry/coverage.toml"),
    include_str!("../../../data/registry/model_patterns.toml"),
    include_str!("../../../data/registry/endpoints.toml"),
    include_str!("../../../data/registry/kev.toml"),
    include_str!("../../../data/registry/model_equivalences.toml"),
];

/// A loaded, validated registry. Cheap to query; build it once.
#[derive(Debug, Clone)]
pub struct Registry {
    version: String,
    date: String,
    regimes: Vec<Regime>,
    entities: Vec<Entity>,
    entity_index: HashMap<VendorId, usize>,
    brands: Vec<BrandLink>,
    brand_index: HashMap<VendorId, Vec<usize>>,
    coverage: Vec<CoverageEntry>,
    coverage_index: HashMap<(String, VendorId), usize>,
    patterns: Vec<ModelPattern>,
    endpoints: Vec<Endpoint>,
    kev: Vec<KevEntry>,
    equivalences: Vec<ModelEquivalence>,
    names: HashMap<String, VendorId>,
    overlay: Option<OverlayInfo>,
    decisions: Vec<Decision>,
    /// Findings per (manufacturer, regime kind), computed on first use: a
    /// register of 100,000 lines asks about the same few makers.
    findings_memo: Arc<Mutex<FindingsMemo>>,
}

type FindingsMemo = HashMap<(VendorId, RegimeKind), Arc<Findings>>;

/// The files an overlay directory may hold besides the registry's own.
pub const OVERLAY_META: &str = "overlay.toml";
pub const OVERLAY_DECISIONS: &str = "decisions.toml";

impl Registry {
    /// The registry shipped with camaudit (`data/registry/*.toml`, embedded
    /// at build time), validated.
    pub fn builtin() -> Result<Registry, RegistryError> {
        let labels = load::FILES.map(|f| format!("data/registry/{f}"));
        let files = BUILTIN.map(|t| Some(t.to_owned()));
        load::build(&labels, &files)
    }

    /// Loads the same format from a directory. `registry.toml`,
    /// `regimes.toml`, `entities.toml`, `brands.toml` and `coverage.toml` are
    /// required; `model_patterns.toml`, `endpoints.toml`, `kev.toml` and
    /// `model_equivalences.toml` may be absent.
    pub fn from_dir(dir: &Path) -> Result<Registry, RegistryError> {
        let (labels, files) = read_dir_files(dir)?;
        load::build(&labels, &files)
    }

    /// Loads a registry from file texts given as `(file name, contents)`,
    /// e.g. `("entities.toml", "...")`. Errors name the files as
    /// `{label}/{file name}`. The required files are as for
    /// [`Registry::from_dir`].
    pub fn from_texts(label: &str, texts: &[(&str, &str)]) -> Result<Registry, RegistryError> {
        let labels = load::FILES.map(|f| format!("{label}/{f}"));
        let mut files: [Option<String>; load::N_FILES] = Default::default();
        for (name, text) in texts {
            match load::FILES.iter().position(|f| f == name) {
                Some(i) => files[i] = Some((*text).to_owned()),
                None => {
                    return Err(RegistryError::Parse {
                        file: format!("{label}/{name}"),
                        message: format!(
                            "not a registry file (expected one of {})",
                            load::FILES.join(", ")
                        ),
                    });
                }
            }
        }
        load::build(&labels, &files)
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        version: String,
        date: String,
        regimes: Vec<Regime>,
        entities: Vec<Entity>,
        brands: Vec<BrandLink>,
        coverage: Vec<CoverageEntry>,
        patterns: Vec<ModelPattern>,
        endpoints: Vec<Endpoint>,
        kev: Vec<KevEntry>,
        names: HashMap<String, VendorId>,
    ) -> Registry {
        let entity_index = entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        let mut brand_index: HashMap<VendorId, Vec<usize>> = HashMap::new();
        for (i, b) in brands.iter().enumerate() {
            brand_index.entry(b.brand.clone()).or_default().push(i);
        }
        let coverage_index = coverage
            .iter()
            .enumerate()
            .map(|(i, c)| ((c.regime.clone(), c.entity.clone()), i))
            .collect();
        Registry {
            version,
            date,
            regimes,
            entities,
            entity_index,
            brands,
            brand_index,
            coverage,
            coverage_index,
            patterns,
            endpoints,
            kev,
            equivalences: Vec::new(),
            names,
            overlay: None,
            decisions: Vec::new(),
            findings_memo: Arc::default(),
        }
    }

    /// The built-in registry with an organisation's overlay directory on
    /// top: `overlay.toml` (required: `name`, optional `version`, `date`,
    /// `description`), `decisions.toml` (`[[decision]]`: trusted or banned),
    /// and any of the registry's own files except `registry.toml`, whose
    /// entries are added to the built-in ones and validated with them.
    pub fn builtin_with_overlay(overlay: &Path) -> Result<Registry, RegistryError> {
        let labels = load::FILES.map(|f| format!("data/registry/{f}"));
        let files = BUILTIN.map(|t| Some(t.to_owned()));
        let o = read_overlay(overlay)?;
        load::build_layered(&labels, &files, Some(&o))
    }

    /// As [`Registry::builtin_with_overlay`], on a registry read from a
    /// directory.
    pub fn from_dir_with_overlay(dir: &Path, overlay: &Path) -> Result<Registry, RegistryError> {
        let (labels, files) = read_dir_files(dir)?;
        let o = read_overlay(overlay)?;
        load::build_layered(&labels, &files, Some(&o))
    }

    /// The overlay in use, if any.
    pub fn overlay(&self) -> Option<&OverlayInfo> {
        self.overlay.as_ref()
    }

    /// The overlay's name, if any.
    pub fn overlay_name(&self) -> Option<&str> {
        self.overlay.as_ref().map(|o| o.name.as_str())
    }

    /// The overlay's decisions, in file order.
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// The organisation's decision about equipment whose label or maker is
    /// one of `ids`, or whose maker or brand is written as one of `names`
    /// (compared like registry names), for this model. A ban wins over a
    /// trust when both match.
    pub fn decision_for(
        &self,
        ids: &[&VendorId],
        names: &[&str],
        model: Option<&str>,
    ) -> Option<&Decision> {
        let keys: Vec<String> = names
            .iter()
            .map(|n| normalize(n))
            .filter(|k| !k.is_empty())
            .collect();
        let matching = self.decisions.iter().filter(|d| {
            let by_id = d.vendor.as_ref().is_some_and(|v| ids.contains(&v));
            let by_name = d
                .name
                .as_deref()
                .is_some_and(|n| keys.contains(&normalize(n)));
            (by_id || by_name) && d.applies_to_model(model)
        });
        matching.min_by_key(|d| match d.kind {
            DecisionKind::Banned => 0,
            DecisionKind::Trusted => 1,
        })
    }

    /// The data version, e.g. `2026.11.23`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The date the data was last curated (`YYYY-MM-DD`).
    pub fn date(&self) -> &str {
        &self.date
    }

    pub fn entity(&self, id: &VendorId) -> Option<&Entity> {
        self.entity_index.get(id).map(|&i| &self.entities[i])
    }

    pub fn entities(&self) -> impl Iterator<Item = &Entity> {
        self.entities.iter()
    }

    /// The relations of a label brand to companies, strongest first. Empty
    /// for an entity's own name (an entity is its own brand) and for unknown
    /// brands.
    pub fn brand_links(&self, brand: &VendorId) -> Vec<&BrandLink> {
        let mut links: Vec<&BrandLink> = self
            .brand_index
            .get(brand)
            .map(|ix| ix.iter().map(|&i| &self.brands[i]).collect())
            .unwrap_or_default();
        links.sort_by_key(|b| std::cmp::Reverse(b.confidence.rank()));
        links
    }

    /// Every brand link, in file order.
    pub fn brand_link_list(&self) -> &[BrandLink] {
        &self.brands
    }

    /// The brand links that point at a company.
    pub fn brands_of(&self, company: &VendorId) -> Vec<&BrandLink> {
        self.brands
            .iter()
            .filter(|b| &b.company == company)
            .collect()
    }

    /// Whether the id is an entity or a brand.
    pub fn is_known_vendor(&self, id: &VendorId) -> bool {
        self.entity_index.contains_key(id) || self.brand_index.contains_key(id)
    }

    /// The id of the entity or brand with this name or alias, compared
    /// case-insensitively and ignoring spaces, punctuation and trailing
    /// legal forms ("Co., Ltd."): `"HIKVISION"` → `hikvision`,
    /// `"Samsung Techwin"` → `hanwha`, `"Lorex Technology"` → `lorex`. Only
    /// whole names match, so `"Azteca"` is not ZTE. `None` when unknown.
    pub fn lookup_name(&self, name: &str) -> Option<VendorId> {
        let key = normalize(name);
        if key.is_empty() {
            return None;
        }
        self.names.get(&key).cloned()
    }

    /// The entity and its owners: `[entity, parent, grandparent, …]`. Empty
    /// when the id is not an entity. Stops at the first repeated entity, so
    /// it ends even on data that was not validated.
    pub fn owner_chain(&self, id: &VendorId) -> Vec<&Entity> {
        let mut chain: Vec<&Entity> = Vec::new();
        let mut seen: HashSet<&VendorId> = HashSet::new();
        let mut cur = self.entity(id);
        while let Some(e) = cur {
            if !seen.insert(&e.id) {
                break;
            }
            chain.push(e);
            cur = e.parent.as_ref().and_then(|p| self.entity(p));
        }
        chain
    }

    /// The procurement-ban regimes that cover equipment made by this
    /// manufacturer, one finding per regime, sorted by regime id: an explicit
    /// coverage entry for the manufacturer, or for an owner when the regime
    /// extends to subsidiaries; otherwise the regime's jurisdiction test
    /// (marked `interpretation`). Empty for ids that are not entities: resolve
    /// a label brand to its company first ([`Registry::brand_links`]).
    pub fn coverage(&self, manufacturer: &VendorId) -> Vec<CoverageFinding> {
        self.findings(manufacturer, RegimeKind::ProcurementBan)
            .holding
            .clone()
    }

    /// As [`Registry::coverage`], for the risk-flag regimes (listings that do
    /// not make equipment covered).
    pub fn risk_flags(&self, manufacturer: &VendorId) -> Vec<CoverageFinding> {
        self.findings(manufacturer, RegimeKind::RiskFlag)
            .holding
            .clone()
    }

    /// All regimes, sorted by id.
    pub fn regimes(&self) -> &[Regime] {
        &self.regimes
    }

    pub fn regime(&self, id: &str) -> Option<&Regime> {
        self.regimes.iter().find(|r| r.id == id)
    }

    /// The explicit coverage entries, in file order.
    pub fn coverage_entries(&self) -> &[CoverageEntry] {
        &self.coverage
    }

    pub fn model_patterns(&self) -> &[ModelPattern] {
        &self.patterns
    }

    /// The model-number patterns a model matches.
    pub fn match_model(&self, model: &str) -> Vec<&ModelPattern> {
        self.patterns.iter().filter(|p| p.is_match(model)).collect()
    }

    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The vendor cloud/P2P endpoints a DNS name belongs to.
    pub fn endpoints_for_host(&self, host: &str) -> Vec<&Endpoint> {
        self.endpoints
            .iter()
            .filter(|e| e.matches_host(host))
            .collect()
    }

    pub fn kev(&self) -> &[KevEntry] {
        &self.kev
    }

    /// The KEV entries recorded against a vendor (entity or brand).
    pub fn kev_for(&self, vendor: &VendorId) -> Vec<&KevEntry> {
        self.kev.iter().filter(|k| &k.vendor == vendor).collect()
    }

    /// Each KEV entry recorded against `vendor` (exactly that id: ask again
    /// with the maker's id for a relabelled device), judged for a device of
    /// this model and firmware version, in file order:
    /// [`KevStatus::Affected`] when the model is in a documented family and
    /// the firmware's build date is before the first fixed build,
    /// [`KevStatus::NotAffected`] when it is that build or later, and
    /// [`KevStatus::Unknown`] otherwise (no range documented, model not
    /// listed, firmware unknown or without a readable build date). Each
    /// match carries its reason, the range used and the sources.
    pub fn kev_applicability(
        &self,
        vendor: &VendorId,
        model: Option<&str>,
        firmware: Option<&str>,
    ) -> Vec<KevMatch<'_>> {
        self.kev_applicability_built(vendor, model, firmware, None)
    }

    /// [`Registry::kev_applicability`] with the build date the device's
    /// evidence states beside the version (`stated_build`), used when the
    /// version string carries none of its own. Without either, a range with
    /// a build bound is judged unknown, never not-affected.
    pub fn kev_applicability_built(
        &self,
        vendor: &VendorId,
        model: Option<&str>,
        firmware: Option<&str>,
        stated_build: Option<BuildDate>,
    ) -> Vec<KevMatch<'_>> {
        self.kev
            .iter()
            .filter(|k| &k.vendor == vendor)
            .map(|k| kev::assess(k, model, firmware, stated_build))
            .collect()
    }

    /// Every model equivalence, in file order.
    pub fn equivalences(&self) -> &[ModelEquivalence] {
        &self.equivalences
    }

    /// The equivalences that name this model number on either side (the
    /// brand's model, an alias, or the maker's original), compared ignoring
    /// case, whitespace and Dahua's `DH-`/`DHI-` tag. A query that is a
    /// recorded number plus a hyphenated variant suffix also matches
    /// (`IP5M-T1179EW-28MM` finds `IP5M-T1179EW`); a shorter query does not.
    /// Exact matches come first, then variants, each in file order.
    pub fn equivalents_of(&self, model: &str) -> Vec<&ModelEquivalence> {
        let query = kev::model_key(model);
        let mut hits: Vec<(equivalence::ModelMatch, &ModelEquivalence)> = self
            .equivalences
            .iter()
            .filter_map(|e| e.matches_key(&query).map(|m| (m, e)))
            .collect();
        hits.sort_by_key(|(m, _)| *m);
        hits.into_iter().map(|(_, e)| e).collect()
    }

    /// The regimes that cover equipment made by this manufacturer under
    /// some readings of a disputed jurisdiction or control on its owner
    /// chain, and not under others (`[[entity.reading]]`), sorted by regime
    /// id. Such a regime is not in [`Registry::coverage`]: the verdict is
    /// `disputed`, not a guess either way.
    pub fn disputed_coverage(&self, manufacturer: &VendorId) -> Vec<DisputedFinding> {
        self.findings(manufacturer, RegimeKind::ProcurementBan)
            .disputed
            .clone()
    }

    fn findings(&self, manufacturer: &VendorId, kind: RegimeKind) -> Arc<Findings> {
        let key = (manufacturer.clone(), kind);
        let memo = || {
            self.findings_memo
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(f) = memo().get(&key) {
            return f.clone();
        }
        let found = Arc::new(self.compute_findings(manufacturer, kind));
        memo().insert(key, found.clone());
        found
    }
}

type DirFiles = ([String; load::N_FILES], [Option<String>; load::N_FILES]);

/// The registry files present in a directory (absent ones are `None`).
fn read_dir_files(dir: &Path) -> Result<DirFiles, RegistryError> {
    let labels = load::FILES.map(|f| dir.join(f).display().to_string());
    let mut files: [Option<String>; load::N_FILES] = Default::default();
    for (i, f) in load::FILES.iter().enumerate() {
        files[i] = read_optional(&dir.join(f), &labels[i])?;
    }
    Ok((labels, files))
}

fn read_optional(path: &Path, label: &str) -> Result<Option<String>, RegistryError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(RegistryError::Io {
            file: label.to_owned(),
            source,
        }),
    }
}

/// Reads an overlay directory; a file that is not an overlay file is an
/// error (a misspelt name must not silently drop an organisation's data).
fn read_overlay(dir: &Path) -> Result<load::OverlayInput, RegistryError> {
    let dir_label = dir.display().to_string();
    let listing = std::fs::read_dir(dir).map_err(|source| RegistryError::Io {
        file: dir_label.clone(),
        source,
    })?;
    let allowed: Vec<&str> = load::FILES[1..]
        .iter()
        .copied()
        .chain([OVERLAY_META, OVERLAY_DECISIONS])
        .collect();
    let mut problems = Vec::new();
    for entry in listing.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".toml") && !allowed.contains(&name.as_str()) {
            let hint = if name == "registry.toml" {
                "an overlay does not replace the registry's version: name the overlay in overlay.toml".to_owned()
            } else {
                format!("not an overlay file (expected {})", allowed.join(", "))
            };
            problems.push(RegistryError::Parse {
                file: entry.path().display().to_string(),
                message: hint,
            });
        }
    }
    RegistryError::collect(problems)?;
    let (labels, mut files) = read_dir_files(dir)?;
    files[0] = None;
    let meta_label = dir.join(OVERLAY_META).display().to_string();
    let decisions_label = dir.join(OVERLAY_DECISIONS).display().to_string();
    Ok(load::OverlayInput {
        path: dir_label,
        labels,
        files,
        meta: read_optional(&dir.join(OVERLAY_META), &meta_label)?,
        meta_label,
        decisions: read_optional(&dir.join(OVERLAY_DECISIONS), &decisions_label)?,
        decisions_label,
    })
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_disputes;
