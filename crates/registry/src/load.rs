//! Reading and validating the registry files.

use std::collections::{BTreeMap, HashMap, HashSet};

use camaudit_model::VendorId;
use camaudit_model::text::line_of_offset;
use regex::RegexBuilder;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::RegistryError;
use crate::names::normalize;
use crate::types::{
    BrandLink, CoverageEntry, Decision, DecisionKind, Endpoint, Entity, Equipment, KevEntry, Level,
    ModelPattern, OverlayInfo, Regime, RegimeKind, Relation,
};
use crate::{Registry, date};

mod disputes;
mod extra;

use disputes::Locate;

/// How many files a registry directory may hold.
pub(crate) const N_FILES: usize = 9;

/// The registry's files, in load order. The first five are required.
pub(crate) const FILES: [&str; N_FILES] = [
    "registry.toml",
    "regimes.toml",
    "entities.toml",
    "brands.toml",
    "coverage.toml",
    "model_patterns.toml",
    "endpoints.toml",
    "kev.toml",
    "model_equivalences.toml",
];
pub(crate) const REQUIRED: usize = 5;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    version: String,
    date: String,
    #[serde(default)]
    #[allow(dead_code)]
    title: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RegimeFile {
    #[serde(default)]
    regime: Vec<RawRegime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegime {
    id: String,
    title: String,
    kind: RegimeKind,
    date: String,
    jurisdiction: String,
    includes_subsidiaries: bool,
    #[serde(default)]
    applies_to_jurisdictions: Vec<String>,
    #[serde(default)]
    jurisdiction_basis: Option<String>,
    scope: String,
    #[serde(default)]
    equipment: Vec<Equipment>,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EntityFile {
    #[serde(default)]
    entity: Vec<RawEntity>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    jurisdiction: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    parent_relation: Option<String>,
    #[serde(default)]
    state_ownership: Option<String>,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    via: BTreeMap<String, String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    reading: Vec<toml::Spanned<disputes::RawReading>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BrandFile {
    #[serde(default)]
    brand: Vec<RawBrand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBrand {
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    company: String,
    relation: Relation,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    until: Option<String>,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    via: BTreeMap<String, String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    model_prefixes: Vec<String>,
    #[serde(default)]
    exception: Vec<toml::Spanned<disputes::RawException>>,
}

impl Locate for EntityFile {
    fn locate(&mut self, text: &str) {
        for e in &mut self.entity {
            disputes::locate_readings(&mut e.reading, text);
        }
    }
}

impl Locate for BrandFile {
    fn locate(&mut self, text: &str) {
        for b in &mut self.brand {
            disputes::locate_exceptions(&mut b.exception, text);
        }
    }
}

impl Locate for RegimeFile {}
impl Locate for CoverageFile {}
impl Locate for PatternFile {}
impl Locate for EndpointFile {}
impl Locate for KevFile {}
impl Locate for extra::EquivalenceFile {}
impl Locate for DecisionFile {}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CoverageFile {
    #[serde(default)]
    coverage: Vec<RawCoverage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoverage {
    regime: String,
    entity: String,
    basis: String,
    #[serde(default)]
    from: Option<String>,
    interpretation: bool,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    via: BTreeMap<String, String>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PatternFile {
    #[serde(default)]
    pattern: Vec<RawPattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    id: String,
    vendor: String,
    regex: String,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    not_examples: Vec<String>,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EndpointFile {
    #[serde(default)]
    endpoint: Vec<RawEndpoint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndpoint {
    vendor: String,
    service: String,
    hosts: Vec<String>,
    #[serde(default)]
    ports: Vec<u16>,
    #[serde(default)]
    protocol: Option<String>,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KevFile {
    #[serde(default)]
    kev: Vec<RawKev>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKev {
    cve: String,
    vendor: String,
    catalog_vendor: String,
    product: String,
    name: String,
    date_added: String,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    affected: Vec<extra::RawKevRange>,
}

/// Collects problems while checking one file.
struct Checker<'a> {
    file: &'a str,
    kind: &'static str,
    errors: &'a mut Vec<RegistryError>,
}

impl Checker<'_> {
    fn fail(&mut self, id: &str, problem: impl Into<String>) {
        self.errors
            .push(RegistryError::invalid(self.file, self.kind, id, problem));
    }

    /// A problem in a part of an entry (`reading 2`) whose line is known.
    fn fail_at(&mut self, line: usize, id: &str, part: &str, problem: impl Into<String>) {
        self.errors.push(RegistryError::InvalidAt {
            file: self.file.to_owned(),
            line,
            kind: self.kind,
            id: format!("{id} {part}"),
            problem: problem.into(),
        });
    }

    fn sources(&mut self, id: &str, sources: &[String]) {
        for p in self.source_problems(sources) {
            self.fail(id, p);
        }
    }

    /// What is wrong with a list of sources: none, or ones that are not
    /// citations.
    fn source_problems(&self, sources: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        if sources.is_empty() {
            out.push("no sources: every entry must cite at least one".to_owned());
        }
        out.extend(sources.iter().filter_map(|s| check_source(s).err()));
        out
    }

    /// `via` maps a cited source to the copy it was read at: the key must be
    /// one of the entry's sources, the copy a valid address of its own.
    fn via(&mut self, id: &str, sources: &[String], via: &BTreeMap<String, String>) {
        for (original, copy) in via {
            if !sources.iter().any(|s| s == original) {
                self.fail(
                    id,
                    format!("via names {original:?}, which is not one of its sources"),
                );
            }
            if let Err(p) = check_source(copy) {
                self.fail(id, format!("via {original:?}: {p}"));
            }
        }
    }

    fn date(&mut self, id: &str, field: &str, value: Option<&str>) {
        if let Some(d) = value
            && let Err(p) = date::check(d)
        {
            self.fail(id, format!("{field}: {p}"));
        }
    }

    fn text(&mut self, id: &str, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.fail(id, format!("{field} is empty"));
        }
    }

    fn country(&mut self, id: &str, field: &str, value: &str) {
        if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
            self.fail(
                id,
                format!("{field} {value:?} is not an ISO 3166 alpha-2 code such as \"CN\""),
            );
        }
    }

    fn slug(&mut self, id: &str, field: &str, value: &str) -> Option<VendorId> {
        match VendorId::new(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(id, format!("{field}: {e}"));
                None
            }
        }
    }
}

/// A source is a web address or `github:owner/repo:path`.
fn check_source(s: &str) -> Result<(), String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty source".into());
    }
    if s.chars().any(char::is_whitespace) {
        return Err(format!(
            "source {s:?} contains spaces: cite a URL or github:owner/repo:path, and put remarks in notes"
        ));
    }
    if let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    {
        let host = rest.split('/').next().unwrap_or("");
        if host.contains('.') {
            return Ok(());
        }
    } else if let Some(rest) = s.strip_prefix("github:") {
        let mut parts = rest.splitn(2, ':');
        let repo = parts.next().unwrap_or("");
        let path = parts.next().unwrap_or("");
        let mut rp = repo.split('/');
        let (owner, name) = (rp.next().unwrap_or(""), rp.next().unwrap_or(""));
        if !owner.is_empty() && !name.is_empty() && rp.next().is_none() && !path.is_empty() {
            return Ok(());
        }
    }
    Err(format!(
        "source {s:?} is neither an http(s) URL nor github:owner/repo:path"
    ))
}

fn parse<T: DeserializeOwned + Default + Locate>(
    file: &str,
    text: Option<&str>,
    errors: &mut Vec<RegistryError>,
) -> T {
    let Some(text) = text else {
        return T::default();
    };
    match toml::from_str::<T>(text) {
        Ok(mut v) => {
            v.locate(text);
            v
        }
        Err(e) => {
            errors.push(RegistryError::Parse {
                file: file.to_owned(),
                message: toml_message(&e, text),
            });
            T::default()
        }
    }
}

/// "line 12: unknown field `colour`": where in the file, for the curator.
fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().trim();
    match e.span() {
        Some(span) => format!("line {}: {msg}", line_of_offset(text, span.start).0),
        None => msg.to_owned(),
    }
}

/// Builds and validates a registry from its files' texts. `files[i]` is the
/// text of [`FILES`]`[i]` (or `None` when absent); `labels[i]` is how errors
/// name that file.
pub(crate) fn build(
    labels: &[String; N_FILES],
    files: &[Option<String>; N_FILES],
) -> Result<Registry, RegistryError> {
    build_layered(labels, files, None)
}

/// An organisation's overlay: the same files (except `registry.toml`), plus
/// `overlay.toml` (its name) and `decisions.toml`.
pub(crate) struct OverlayInput {
    /// How reports name the overlay directory.
    pub path: String,
    pub labels: [String; N_FILES],
    pub files: [Option<String>; N_FILES],
    pub meta_label: String,
    pub meta: Option<String>,
    pub decisions_label: String,
    pub decisions: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlayMeta {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DecisionFile {
    #[serde(default)]
    decision: Vec<RawDecision>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecision {
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    name: Option<String>,
    decision: DecisionKind,
    reason: String,
    date: String,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    model_prefixes: Vec<String>,
}

/// As [`build`], with an overlay's entries added to the base's (each file
/// parsed on its own, so TOML errors give the overlay file's own lines;
/// entry problems in a file the overlay extends are reported against the
/// overlay's file, since the base is valid on its own).
pub(crate) fn build_layered(
    labels: &[String; N_FILES],
    files: &[Option<String>; N_FILES],
    overlay: Option<&OverlayInput>,
) -> Result<Registry, RegistryError> {
    let mut errors = Vec::new();
    for i in 0..REQUIRED {
        if files[i].is_none() {
            errors.push(RegistryError::Parse {
                file: labels[i].clone(),
                message: "missing: this file is required".into(),
            });
        }
    }
    let text = |i: usize| files[i].as_deref();

    // registry.toml
    let (version, date_) = match text(0) {
        None => (String::new(), String::new()),
        Some(t) => match toml::from_str::<RawMeta>(t) {
            Ok(m) => {
                let mut c = Checker {
                    file: &labels[0],
                    kind: "registry",
                    errors: &mut errors,
                };
                c.text("registry", "version", &m.version);
                c.date("registry", "date", Some(&m.date));
                (m.version, m.date)
            }
            Err(e) => {
                errors.push(RegistryError::Parse {
                    file: labels[0].clone(),
                    message: toml_message(&e, t),
                });
                (String::new(), String::new())
            }
        },
    };

    let mut regime_file: RegimeFile = parse(&labels[1], text(1), &mut errors);
    let mut entity_file: EntityFile = parse(&labels[2], text(2), &mut errors);
    let mut brand_file: BrandFile = parse(&labels[3], text(3), &mut errors);
    let mut coverage_file: CoverageFile = parse(&labels[4], text(4), &mut errors);
    let mut pattern_file: PatternFile = parse(&labels[5], text(5), &mut errors);
    let mut endpoint_file: EndpointFile = parse(&labels[6], text(6), &mut errors);
    let mut kev_file: KevFile = parse(&labels[7], text(7), &mut errors);
    let mut equivalence_file: extra::EquivalenceFile = parse(&labels[8], text(8), &mut errors);
    let mut eff = labels.clone();
    if let Some(o) = overlay {
        macro_rules! layer {
            ($i:expr, $file:ident, $ty:ty, $field:ident) => {
                if let Some(t) = o.files[$i].as_deref() {
                    let extra: $ty = parse(&o.labels[$i], Some(t), &mut errors);
                    $file.$field.extend(extra.$field);
                    eff[$i] = o.labels[$i].clone();
                }
            };
        }
        layer!(1, regime_file, RegimeFile, regime);
        layer!(2, entity_file, EntityFile, entity);
        layer!(3, brand_file, BrandFile, brand);
        layer!(4, coverage_file, CoverageFile, coverage);
        layer!(5, pattern_file, PatternFile, pattern);
        layer!(6, endpoint_file, EndpointFile, endpoint);
        layer!(7, kev_file, KevFile, kev);
        layer!(8, equivalence_file, extra::EquivalenceFile, equivalence);
    }
    let labels = &eff;

    let regimes = check_regimes(&labels[1], regime_file.regime, &mut errors);
    let entities = check_entities(&labels[2], entity_file.entity, &mut errors);
    let entity_ids: HashSet<&VendorId> = entities.iter().map(|e| &e.id).collect();
    let brands = check_brands(&labels[3], brand_file.brand, &entity_ids, &mut errors);
    let regime_ids: HashSet<&str> = regimes.iter().map(|r| r.id.as_str()).collect();
    let coverage = check_coverage(
        &labels[4],
        coverage_file.coverage,
        &regime_ids,
        &entity_ids,
        &mut errors,
    );
    let mut known: HashSet<VendorId> = entities.iter().map(|e| e.id.clone()).collect();
    known.extend(brands.iter().map(|b| b.brand.clone()));
    let patterns = check_patterns(&labels[5], pattern_file.pattern, &known, &mut errors);
    let endpoints = check_endpoints(&labels[6], endpoint_file.endpoint, &known, &mut errors);
    let kev = check_kev(&labels[7], kev_file.kev, &known, &mut errors);
    let equivalences = extra::check_equivalences(
        &labels[8],
        equivalence_file.equivalence,
        &known,
        &entity_ids,
        &mut errors,
    );
    let names = build_names(&labels[2], &labels[3], &entities, &brands, &mut errors);

    let (info, decisions) = match overlay {
        Some(o) => {
            let (info, decisions) = check_overlay(o, &known, &mut errors);
            (Some(info), decisions)
        }
        None => (None, Vec::new()),
    };

    RegistryError::collect(errors)?;
    let mut registry = Registry::assemble(
        version, date_, regimes, entities, brands, coverage, patterns, endpoints, kev, names,
    );
    registry.overlay = info;
    registry.decisions = decisions;
    registry.equivalences = equivalences;
    Ok(registry)
}

fn check_overlay(
    o: &OverlayInput,
    known: &HashSet<VendorId>,
    errors: &mut Vec<RegistryError>,
) -> (OverlayInfo, Vec<Decision>) {
    let mut info = OverlayInfo {
        name: String::new(),
        path: o.path.clone(),
        version: None,
        date: None,
        description: None,
    };
    match o.meta.as_deref() {
        None => errors.push(RegistryError::Parse {
            file: o.meta_label.clone(),
            message: "missing: an overlay names itself in overlay.toml (name = \"Our council\", optional version, date, description)".into(),
        }),
        Some(t) => match toml::from_str::<RawOverlayMeta>(t) {
            Ok(m) => {
                let mut c = Checker {
                    file: &o.meta_label,
                    kind: "overlay",
                    errors,
                };
                c.text("overlay", "name", &m.name);
                c.date("overlay", "date", m.date.as_deref());
                info.name = m.name.trim().to_owned();
                info.version = m.version;
                info.date = m.date;
                info.description = m.description;
            }
            Err(e) => errors.push(RegistryError::Parse {
                file: o.meta_label.clone(),
                message: toml_message(&e, t),
            }),
        },
    }
    let file: DecisionFile = parse(&o.decisions_label, o.decisions.as_deref(), errors);
    let mut c = Checker {
        file: &o.decisions_label,
        kind: "decision",
        errors,
    };
    let mut out = Vec::new();
    for (i, d) in file.decision.into_iter().enumerate() {
        let id = d
            .vendor
            .clone()
            .or_else(|| d.name.clone())
            .unwrap_or_else(|| format!("#{}", i + 1));
        let vendor = match (&d.vendor, &d.name) {
            (Some(v), None) => match c.slug(&id, "vendor", v) {
                Some(v) if known.contains(&v) => Some(v),
                Some(_) => {
                    c.fail(&id, format!("vendor {v:?} is not a registry entity or brand: use name = \"…\" for a maker the registry does not know"));
                    continue;
                }
                None => continue,
            },
            (None, Some(n)) => {
                if normalize(n).is_empty() {
                    c.fail(&id, "name has no letters or digits");
                    continue;
                }
                None
            }
            _ => {
                c.fail(
                    &id,
                    "give exactly one of vendor (a registry id) or name (as written in your lists)",
                );
                continue;
            }
        };
        c.text(&id, "reason", &d.reason);
        c.date(&id, "date", Some(&d.date));
        for s in &d.sources {
            c.text(&id, "sources entry", s);
        }
        out.push(Decision {
            vendor,
            name: d.name,
            kind: d.decision,
            reason: d.reason,
            date: d.date,
            sources: d.sources,
            model_prefixes: d.model_prefixes,
        });
    }
    (info, out)
}

fn check_regimes(file: &str, raw: Vec<RawRegime>, errors: &mut Vec<RegistryError>) -> Vec<Regime> {
    let mut c = Checker {
        file,
        kind: "regime",
        errors,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in raw {
        let id = r.id.clone();
        if !seen.insert(id.clone()) {
            c.fail(&id, "duplicate id");
            continue;
        }
        if VendorId::new(&id).is_err() {
            c.fail(&id, "id must be a lowercase slug such as \"ndaa-889\"");
        }
        c.text(&id, "title", &r.title);
        c.text(&id, "scope", &r.scope);
        c.date(&id, "date", Some(&r.date));
        c.country(&id, "jurisdiction", &r.jurisdiction);
        for j in &r.applies_to_jurisdictions {
            c.country(&id, "applies_to_jurisdictions", j);
        }
        let basis_missing = r
            .jurisdiction_basis
            .as_deref()
            .is_none_or(|b| b.trim().is_empty());
        if !r.applies_to_jurisdictions.is_empty() && basis_missing {
            c.fail(
                &id,
                "applies_to_jurisdictions needs a jurisdiction_basis explaining the reading",
            );
        }
        c.sources(&id, &r.sources);
        out.push(Regime {
            id: r.id,
            title: r.title,
            kind: r.kind,
            date: r.date,
            jurisdiction: r.jurisdiction,
            includes_subsidiaries: r.includes_subsidiaries,
            applies_to_jurisdictions: r.applies_to_jurisdictions,
            jurisdiction_basis: r.jurisdiction_basis,
            scope: r.scope,
            equipment: r.equipment,
            confidence: r.confidence,
            sources: r.sources,
            notes: r.notes,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn check_entities(file: &str, raw: Vec<RawEntity>, errors: &mut Vec<RegistryError>) -> Vec<Entity> {
    let mut c = Checker {
        file,
        kind: "entity",
        errors,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut reading_lines: HashMap<VendorId, Vec<usize>> = HashMap::new();
    for e in raw {
        let id = e.id.clone();
        let Some(slug) = c.slug(&id, "id", &id) else {
            continue;
        };
        if !seen.insert(id.clone()) {
            c.fail(&id, "duplicate id");
            continue;
        }
        let (lines, readings): (Vec<usize>, Vec<_>) =
            disputes::check_readings(&mut c, &id, &e.jurisdiction, e.parent.is_some(), e.reading)
                .into_iter()
                .unzip();
        reading_lines.insert(slug.clone(), lines);
        c.text(&id, "name", &e.name);
        c.country(&id, "jurisdiction", &e.jurisdiction);
        c.sources(&id, &e.sources);
        c.via(&id, &e.sources, &e.via);
        let parent = e.parent.as_deref().and_then(|p| c.slug(&id, "parent", p));
        if parent.is_none() && e.parent_relation.is_some() {
            c.fail(&id, "parent_relation without parent");
        }
        if parent.as_ref() == Some(&slug) {
            c.fail(&id, "is its own parent");
        }
        out.push(Entity {
            id: slug,
            name: e.name,
            aliases: e.aliases,
            jurisdiction: e.jurisdiction,
            parent,
            parent_relation: e.parent_relation,
            state_ownership: e.state_ownership,
            confidence: e.confidence,
            sources: e.sources,
            via: e.via,
            notes: e.notes,
            readings,
        });
    }
    disputes::check_reading_parents(&mut c, &out, &reading_lines);
    // Parents must exist, and the parent links must not loop.
    let by_id: HashMap<&VendorId, &Entity> = out.iter().map(|e| (&e.id, e)).collect();
    for e in &out {
        if let Some(p) = &e.parent
            && p != &e.id
            && !by_id.contains_key(p)
        {
            c.fail(
                e.id.as_str(),
                format!("parent {:?} is not an entity", p.as_str()),
            );
        }
    }
    let mut reported: HashSet<&VendorId> = HashSet::new();
    for e in &out {
        let mut path = vec![&e.id];
        let mut cur = e;
        while let Some(p) = cur.parent.as_ref().and_then(|p| by_id.get(p)) {
            if path.contains(&&p.id) {
                if p.id == e.id && reported.insert(&e.id) {
                    let mut names: Vec<&str> = path.iter().map(|v| v.as_str()).collect();
                    names.push(e.id.as_str());
                    c.fail(
                        e.id.as_str(),
                        format!("parent cycle: {}", names.join(" -> ")),
                    );
                }
                break;
            }
            path.push(&p.id);
            cur = p;
        }
    }
    out
}

fn check_brands(
    file: &str,
    raw: Vec<RawBrand>,
    entity_ids: &HashSet<&VendorId>,
    errors: &mut Vec<RegistryError>,
) -> Vec<BrandLink> {
    let mut c = Checker {
        file,
        kind: "brand",
        errors,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for b in raw {
        let id = b.id.clone();
        let Some(brand) = c.slug(&id, "id", &id) else {
            continue;
        };
        if entity_ids.contains(&brand) {
            c.fail(
                &id,
                "is an entity: an entity is implicitly its own brand, give it aliases instead",
            );
            continue;
        }
        if !seen.insert((id.clone(), b.company.clone())) {
            c.fail(&id, format!("duplicate link to company {:?}", b.company));
            continue;
        }
        c.text(&id, "name", &b.name);
        c.sources(&id, &b.sources);
        c.via(&id, &b.sources, &b.via);
        c.date(&id, "from", b.from.as_deref());
        c.date(&id, "until", b.until.as_deref());
        if let (Some(f), Some(u)) = (&b.from, &b.until)
            && f > u
        {
            c.fail(&id, format!("from {f} is after until {u}"));
        }
        if b.relation == Relation::FormerSubsidiary && b.until.is_none() {
            c.fail(&id, "a former-subsidiary link needs an until date");
        }
        for p in &b.model_prefixes {
            c.text(&id, "model_prefixes entry", p);
        }
        let Some(company) = c.slug(&id, "company", &b.company) else {
            continue;
        };
        if !entity_ids.contains(&company) {
            c.fail(&id, format!("company {:?} is not an entity", b.company));
            continue;
        }
        let exceptions =
            disputes::check_exceptions(&mut c, &id, company.as_str(), entity_ids, b.exception);
        out.push(BrandLink {
            brand,
            name: b.name,
            aliases: b.aliases,
            company,
            relation: b.relation,
            from: b.from,
            until: b.until,
            confidence: b.confidence,
            sources: b.sources,
            via: b.via,
            notes: b.notes,
            model_prefixes: b.model_prefixes,
            exceptions,
        });
    }
    // Display names of one brand must agree, or the brand is two brands.
    let mut names: HashMap<&VendorId, &str> = HashMap::new();
    for b in &out {
        if let Some(n) = names.insert(&b.brand, &b.name)
            && n != b.name
        {
            c.fail(
                b.brand.as_str(),
                format!("named both {n:?} and {:?}", b.name),
            );
        }
    }
    out
}

fn check_coverage(
    file: &str,
    raw: Vec<RawCoverage>,
    regime_ids: &HashSet<&str>,
    entity_ids: &HashSet<&VendorId>,
    errors: &mut Vec<RegistryError>,
) -> Vec<CoverageEntry> {
    let mut c = Checker {
        file,
        kind: "coverage",
        errors,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in raw {
        let id = format!("{}/{}", r.regime, r.entity);
        if !seen.insert(id.clone()) {
            c.fail(&id, "duplicate coverage entry");
            continue;
        }
        if !regime_ids.contains(r.regime.as_str()) {
            c.fail(&id, format!("regime {:?} is not a regime", r.regime));
        }
        c.text(&id, "basis", &r.basis);
        c.date(&id, "from", r.from.as_deref());
        c.sources(&id, &r.sources);
        c.via(&id, &r.sources, &r.via);
        let Some(entity) = c.slug(&id, "entity", &r.entity) else {
            continue;
        };
        if !entity_ids.contains(&entity) {
            c.fail(&id, format!("entity {:?} is not an entity", r.entity));
            continue;
        }
        out.push(CoverageEntry {
            regime: r.regime,
            entity,
            basis: r.basis,
            from: r.from,
            interpretation: r.interpretation,
            confidence: r.confidence,
            sources: r.sources,
            via: r.via,
            scope: r.scope,
        });
    }
    out
}

fn check_patterns(
    file: &str,
    raw: Vec<RawPattern>,
    known: &HashSet<VendorId>,
    errors: &mut Vec<RegistryError>,
) -> Vec<ModelPattern> {
    let mut c = Checker {
        file,
        kind: "pattern",
        errors,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in raw {
        let id = p.id.clone();
        if !seen.insert(id.clone()) {
            c.fail(&id, "duplicate id");
            continue;
        }
        c.sources(&id, &p.sources);
        if p.examples.is_empty() {
            c.fail(
                &id,
                "no examples: every pattern must carry model numbers it matches",
            );
        }
        let Some(vendor) = c.slug(&id, "vendor", &p.vendor) else {
            continue;
        };
        if !known.contains(&vendor) {
            c.fail(
                &id,
                format!("vendor {:?} is not an entity or brand", p.vendor),
            );
        }
        let compiled = match RegexBuilder::new(&p.regex)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                c.fail(&id, format!("regex does not compile: {e}"));
                continue;
            }
        };
        for ex in &p.examples {
            if !compiled.is_match(ex.trim()) {
                c.fail(&id, format!("example {ex:?} does not match"));
            }
        }
        for ex in &p.not_examples {
            if compiled.is_match(ex.trim()) {
                c.fail(&id, format!("not_example {ex:?} matches"));
            }
        }
        out.push(ModelPattern {
            id: p.id,
            vendor,
            regex: p.regex,
            compiled,
            examples: p.examples,
            not_examples: p.not_examples,
            confidence: p.confidence,
            sources: p.sources,
            notes: p.notes,
        });
    }
    out
}

fn check_endpoints(
    file: &str,
    raw: Vec<RawEndpoint>,
    known: &HashSet<VendorId>,
    errors: &mut Vec<RegistryError>,
) -> Vec<Endpoint> {
    let mut c = Checker {
        file,
        kind: "endpoint",
        errors,
    };
    let mut out = Vec::new();
    for e in raw {
        let id = e
            .hosts
            .first()
            .cloned()
            .unwrap_or_else(|| e.service.clone());
        c.text(&id, "service", &e.service);
        c.sources(&id, &e.sources);
        if e.hosts.is_empty() {
            c.fail(&id, "no hosts");
        }
        for h in &e.hosts {
            let bare = h.strip_prefix("*.").unwrap_or(h);
            let ok = bare.contains('.')
                && bare
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !ok {
                c.fail(&id, format!("host {h:?} is not a DNS name"));
            }
        }
        let Some(vendor) = c.slug(&id, "vendor", &e.vendor) else {
            continue;
        };
        if !known.contains(&vendor) {
            c.fail(
                &id,
                format!("vendor {:?} is not an entity or brand", e.vendor),
            );
        }
        out.push(Endpoint {
            vendor,
            service: e.service,
            hosts: e.hosts,
            ports: e.ports,
            protocol: e.protocol,
            confidence: e.confidence,
            sources: e.sources,
            notes: e.notes,
        });
    }
    out
}

fn check_kev(
    file: &str,
    raw: Vec<RawKev>,
    known: &HashSet<VendorId>,
    errors: &mut Vec<RegistryError>,
) -> Vec<KevEntry> {
    let mut c = Checker {
        file,
        kind: "kev",
        errors,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for k in raw {
        let id = k.cve.clone();
        if !seen.insert(id.clone()) {
            c.fail(&id, "duplicate CVE");
            continue;
        }
        let well_formed = id
            .strip_prefix("CVE-")
            .and_then(|r| r.split_once('-'))
            .is_some_and(|(y, n)| {
                y.len() == 4
                    && n.len() >= 4
                    && y.bytes().all(|b| b.is_ascii_digit())
                    && n.bytes().all(|b| b.is_ascii_digit())
            });
        if !well_formed {
            c.fail(&id, "not a CVE id such as \"CVE-2021-36260\"");
        }
        c.date(&id, "date_added", Some(&k.date_added));
        c.sources(&id, &k.sources);
        let Some(vendor) = c.slug(&id, "vendor", &k.vendor) else {
            continue;
        };
        if !known.contains(&vendor) {
            c.fail(
                &id,
                format!("vendor {:?} is not an entity or brand", k.vendor),
            );
        }
        let affected = extra::check_ranges(&mut c, &id, k.affected);
        out.push(KevEntry {
            cve: k.cve,
            vendor,
            catalog_vendor: k.catalog_vendor,
            product: k.product,
            name: k.name,
            date_added: k.date_added,
            confidence: k.confidence,
            sources: k.sources,
            notes: k.notes,
            affected,
        });
    }
    out
}

/// The name index: every id, name and alias of entities and brands,
/// normalized. A name that would point at two different ids is an error.
fn build_names(
    entity_file: &str,
    brand_file: &str,
    entities: &[Entity],
    brands: &[BrandLink],
    errors: &mut Vec<RegistryError>,
) -> HashMap<String, VendorId> {
    let mut names: HashMap<String, VendorId> = HashMap::new();
    let mut add = |file: &str, kind: &'static str, id: &VendorId, name: &str| {
        let key = normalize(name);
        if key.is_empty() {
            errors.push(RegistryError::invalid(
                file,
                kind,
                id.as_str(),
                format!("name {name:?} has no letters or digits"),
            ));
            return;
        }
        match names.get(&key) {
            Some(other) if other != id => errors.push(RegistryError::invalid(
                file,
                kind,
                id.as_str(),
                format!("name {name:?} is also a name of {other}"),
            )),
            Some(_) => {}
            None => {
                names.insert(key, id.clone());
            }
        }
    };
    for e in entities {
        add(entity_file, "entity", &e.id, e.id.as_str());
        add(entity_file, "entity", &e.id, &e.name);
        for a in &e.aliases {
            add(entity_file, "entity", &e.id, a);
        }
    }
    for b in brands {
        add(brand_file, "brand", &b.brand, b.brand.as_str());
        add(brand_file, "brand", &b.brand, &b.name);
        for a in &b.aliases {
            add(brand_file, "brand", &b.brand, a);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::check_source;

    #[test]
    fn sources_are_urls_or_github_paths() {
        assert!(check_source("https://www.eac.gov/what-section-889-fy-2019-ndaa").is_ok());
        assert!(check_source("http://example.org/x").is_ok());
        assert!(
            check_source("github:cisagov/kev-data:known_exploited_vulnerabilities.json").is_ok()
        );
        for bad in [
            "",
            "UNVERIFIED",
            "public code: repository not identified",
            "github:cisagov:file",
            "github:cisagov/kev-data",
            "https://localhost/x",
            "ftp://example.org/x",
        ] {
            assert!(check_source(bad).is_err(), "{bad:?} accepted");
        }
    }
}
