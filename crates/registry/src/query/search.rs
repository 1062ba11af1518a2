//! Fuzzy search over every name the registry knows.

use serde::Serialize;

use super::RegistryInfo;
use crate::{Level, Registry, normalize};

/// What a search found, best first.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults<'r> {
    pub registry: RegistryInfo<'r>,
    /// The text searched for, as given.
    pub query: String,
    /// The entries scoring at least [`SEARCH_MIN_SCORE`], by score (highest
    /// first), then by id.
    pub results: Vec<SearchHit<'r>>,
}

/// One registry entry that resembles the query.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit<'r> {
    pub kind: HitKind,
    /// The entry's id: a vendor or regime id, a pattern id, a CVE, or
    /// `brand/model` for a model equivalence.
    pub id: String,
    /// A description for a person: "Annke (an OEM reseller of hikvision)".
    pub name: String,
    /// The name or model number of the entry that matched best.
    pub matched: String,
    /// From 0 to 1, rounded to two decimals: 1 for the same name (or a model
    /// number the pattern matches), 0.9 for a prefix, 0.8 for containment,
    /// else 0.85 × Jaro-Winkler similarity.
    pub score: f64,
    pub confidence: Level,
    pub sources: &'r [String],
}

/// Which kind of registry entry a [`SearchHit`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HitKind {
    Entity,
    Brand,
    Regime,
    ModelPattern,
    ModelEquivalence,
    Kev,
}

impl HitKind {
    /// The serialized name: `entity`, `brand`, `regime`, `model-pattern`,
    /// `model-equivalence`, `kev`.
    pub fn as_str(self) -> &'static str {
        match self {
            HitKind::Entity => "entity",
            HitKind::Brand => "brand",
            HitKind::Regime => "regime",
            HitKind::ModelPattern => "model-pattern",
            HitKind::ModelEquivalence => "model-equivalence",
            HitKind::Kev => "kev",
        }
    }
}

/// Below this a search result is noise.
pub const SEARCH_MIN_SCORE: f64 = 0.72;

/// How well `query` (already normalized) matches `candidate`: 1 for the same
/// name, 0.9 for a prefix, 0.8 for containment either way (both at least 4
/// characters for the query containing the candidate), else 0.85 ×
/// Jaro-Winkler similarity.
fn score(query: &str, candidate: &str) -> f64 {
    let c = normalize(candidate);
    if query.is_empty() || c.is_empty() {
        return 0.0;
    }
    if c == query {
        1.0
    } else if c.starts_with(query) {
        0.9
    } else if c.contains(query) || (query.len() >= 4 && query.contains(&c) && c.len() >= 4) {
        0.8
    } else {
        strsim::jaro_winkler(query, &c) * 0.85
    }
}

/// The best-scoring of an entry's names, with its score; the first wins a
/// tie.
fn best<'n>(query: &str, names: impl IntoIterator<Item = &'n str>) -> (f64, String) {
    let (score, name) = names
        .into_iter()
        .map(|n| (score(query, n), n))
        .fold((0.0, ""), |a, b| if b.0 > a.0 { b } else { a });
    (score, name.to_owned())
}

/// The fields every hit kind fills the same way.
struct Candidate<'r> {
    kind: HitKind,
    id: String,
    name: String,
    confidence: Level,
    sources: &'r [String],
}

impl<'r> Candidate<'r> {
    fn hit(self, (score, matched): (f64, String)) -> Option<SearchHit<'r>> {
        (score >= SEARCH_MIN_SCORE).then_some(SearchHit {
            kind: self.kind,
            id: self.id,
            name: self.name,
            matched,
            score,
            confidence: self.confidence,
            sources: self.sources,
        })
    }
}

impl Registry {
    /// Searches companies (id, legal name, aliases), brands, regimes (id,
    /// title), model-number patterns (a model number the pattern matches, or
    /// the pattern id), model equivalences (either side's model number and
    /// aliases) and KEV entries (CVE, product, catalog vendor). Names are
    /// compared as [`normalize`] writes them; see [`SearchHit::score`].
    pub fn search(&self, text: &str) -> SearchResults<'_> {
        let q = normalize(text);
        let mut results = Vec::new();
        results.extend(self.entity_hits(&q));
        results.extend(self.brand_hits(&q));
        results.extend(self.regime_hits(&q));
        results.extend(self.pattern_hits(&q, text));
        results.extend(self.equivalence_hits(&q));
        results.extend(self.kev_hits(&q));
        results.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.id.cmp(&b.id))
        });
        for h in &mut results {
            h.score = (h.score * 100.0).round() / 100.0;
        }
        SearchResults {
            registry: self.info(),
            query: text.to_owned(),
            results,
        }
    }

    fn entity_hits<'r>(&'r self, q: &str) -> Vec<SearchHit<'r>> {
        self.entities()
            .filter_map(|e| {
                let names = [e.id.as_str(), e.name.as_str()]
                    .into_iter()
                    .chain(e.aliases.iter().map(String::as_str));
                Candidate {
                    kind: HitKind::Entity,
                    id: e.id.to_string(),
                    name: e.name.clone(),
                    confidence: e.confidence,
                    sources: &e.sources,
                }
                .hit(best(q, names))
            })
            .collect()
    }

    fn brand_hits<'r>(&'r self, q: &str) -> Vec<SearchHit<'r>> {
        self.brand_link_list()
            .iter()
            .filter_map(|b| {
                let names = [b.brand.as_str(), b.name.as_str()]
                    .into_iter()
                    .chain(b.aliases.iter().map(String::as_str));
                Candidate {
                    kind: HitKind::Brand,
                    id: b.brand.to_string(),
                    name: format!("{} ({} {})", b.name, b.relation.describe(), b.company),
                    confidence: b.confidence,
                    sources: &b.sources,
                }
                .hit(best(q, names))
            })
            .collect()
    }

    fn regime_hits<'r>(&'r self, q: &str) -> Vec<SearchHit<'r>> {
        self.regimes()
            .iter()
            .filter_map(|g| {
                Candidate {
                    kind: HitKind::Regime,
                    id: g.id.clone(),
                    name: g.title.clone(),
                    confidence: g.confidence,
                    sources: &g.sources,
                }
                .hit(best(q, [g.id.as_str(), g.title.as_str()]))
            })
            .collect()
    }

    /// A model number the pattern matches scores 1; otherwise the query is
    /// compared with the pattern's id.
    fn pattern_hits<'r>(&'r self, q: &str, text: &str) -> Vec<SearchHit<'r>> {
        self.model_patterns()
            .iter()
            .filter_map(|p| {
                let s = if p.is_match(text) {
                    1.0
                } else {
                    score(q, &p.id)
                };
                Candidate {
                    kind: HitKind::ModelPattern,
                    id: p.id.clone(),
                    name: format!("{} model number ({})", p.vendor, p.regex),
                    confidence: p.confidence,
                    sources: &p.sources,
                }
                .hit((s, text.trim().to_owned()))
            })
            .collect()
    }

    fn equivalence_hits<'r>(&'r self, q: &str) -> Vec<SearchHit<'r>> {
        self.equivalences()
            .iter()
            .filter_map(|e| {
                let names = [e.model.as_str(), e.original_model.as_str()]
                    .into_iter()
                    .chain(e.aliases.iter().map(String::as_str));
                Candidate {
                    kind: HitKind::ModelEquivalence,
                    id: format!("{}/{}", e.brand, e.model),
                    name: format!("{} {} = {} {}", e.brand, e.model, e.maker, e.original_model),
                    confidence: e.confidence,
                    sources: &e.sources,
                }
                .hit(best(q, names))
            })
            .collect()
    }

    fn kev_hits<'r>(&'r self, q: &str) -> Vec<SearchHit<'r>> {
        self.kev()
            .iter()
            .filter_map(|k| {
                let names = [
                    k.cve.as_str(),
                    k.product.as_str(),
                    k.catalog_vendor.as_str(),
                ];
                Candidate {
                    kind: HitKind::Kev,
                    id: k.cve.clone(),
                    name: format!("{} {}: {}", k.catalog_vendor, k.product, k.name),
                    confidence: k.confidence,
                    sources: &k.sources,
                }
                .hit(best(q, names))
            })
            .collect()
    }
}
