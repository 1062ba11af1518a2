//! `GET /registry?q=NAME`: what the registry says of a name or a model
//! number typed in, judged as `GET /api/v1/registry` judges it (the whole
//! text as one line of a procurement list, `camaudit check`'s checker)
//! and described as `camaudit registry show` describes an entry: the
//! maker, whether a regime covers it, the OEM or ownership relation with
//! its confidence, the sources, the model-number patterns it matches, or
//! plainly that the registry does not know it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use camaudit_check::{Checker, LineInput, Outcome};
use camaudit_identify::Engine;
use camaudit_model::VendorId;
use camaudit_registry::{
    BrandProfile, CompanyProfile, ModelEquivalence, Profile, RegimeProfile, Registry, VendorProfile,
};
use camaudit_server::AppState;

use super::PageQuery;
use super::words::verdict_words;
use crate::layout::{Layout, Nav, PageError, html};
use crate::session::Person;

/// The longest query, as the API allows it.
pub const MAX_QUERY: usize = 200;
/// Patterns listed when a query matches many.
const PATTERNS: usize = 20;

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPage {
    layout: Layout,
    /// The query as typed, for the form (empty when it was refused).
    q: String,
    problem: Option<String>,
    /// "registry 2026.11.23 (2026-11-23); no overlay".
    registry: String,
    answer: Option<Answer>,
}

/// The registry's answer for one query.
pub struct Answer {
    pub query: String,
    /// The verdict's word (`covered`, `not-covered`, …) for `data-verdict`.
    pub verdict: &'static str,
    pub verdict_words: String,
    pub covered: bool,
    pub summary: String,
    pub maker: Option<String>,
    pub label: Option<String>,
    pub owner: Option<String>,
    pub model: Option<String>,
    pub regimes: Vec<Titled>,
    pub confidence: String,
    pub weakest_link: Option<String>,
    pub disputed_by: Vec<String>,
    pub reasons: Vec<Sourced>,
    pub kev: Vec<Sourced>,
    /// What the registry holds under the name itself.
    pub entries: Vec<Entry>,
    pub patterns: Vec<Sourced>,
    /// Whether the registry knows the name or a model number in it at all.
    pub known: bool,
}

/// A regime's id and title.
pub struct Titled {
    pub id: String,
    pub title: String,
}

/// A statement, how sure the registry is of it, and where it comes from.
pub struct Sourced {
    pub text: String,
    pub confidence: String,
    pub sources: Vec<Source>,
    pub notes: Option<String>,
}

/// A source as a person can follow it: a link when it is a web address.
pub struct Source {
    pub text: String,
    pub href: Option<String>,
}

/// One thing the registry holds under the name.
pub struct Entry {
    /// "Hikvision — Hangzhou Hikvision Digital Technology Co., Ltd. (CN)".
    pub heading: String,
    /// Facts about it in sentences, each with its sources.
    pub facts: Vec<Sourced>,
}

/// `?q=`: what was typed (absent for the empty form).
#[derive(Debug, Default, serde::Deserialize)]
pub struct RegistryQuery {
    pub q: Option<String>,
}

pub async fn page(
    State(app): State<AppState>,
    person: Person,
    PageQuery(RegistryQuery { q }): PageQuery<RegistryQuery>,
) -> Result<Response, PageError> {
    let orgs = app.pool.run(|store| store.organisations()).await?;
    let layout = Layout::new(
        &person,
        Nav::Registry,
        "Ask the registry",
        super::who(&person, &orgs),
    );
    let registry = app.engine.registry().info().to_string();
    let asked = q.as_deref().unwrap_or("");
    let (status, q, problem, answer) = match clean_query(asked) {
        Typed::Empty => (StatusCode::OK, String::new(), None, None),
        Typed::Refused(why) => (StatusCode::BAD_REQUEST, String::new(), Some(why), None),
        Typed::Asked(q) => {
            let engine = app.engine.clone();
            let text = q.clone();
            let answer = tokio::task::spawn_blocking(move || answer(&engine, &text))
                .await
                .map_err(|e| {
                    tracing::error!("a registry answer failed: {e}");
                    PageError::internal("answer from the registry")
                })?;
            (StatusCode::OK, q, None, Some(answer))
        }
    };
    let page = RegistryPage {
        layout,
        q,
        problem,
        registry,
        answer,
    };
    match page.render() {
        Ok(body) => Ok(html(status, body)),
        Err(e) => {
            tracing::error!("rendering the registry page: {e}");
            Err(PageError::internal("render this page"))
        }
    }
}

/// What was typed, judged before anything is looked up.
#[derive(Debug, PartialEq, Eq)]
enum Typed {
    Empty,
    /// Why it is refused, in a sentence (never echoing the text).
    Refused(String),
    Asked(String),
}

/// The query trimmed, as the API trims it, with tabs and line breaks (a
/// cell pasted from a spreadsheet) read as spaces; refused when longer
/// than the API allows or holding other control characters.
fn clean_query(raw: &str) -> Typed {
    let q: String = raw
        .chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let q = q.trim();
    if q.is_empty() {
        return Typed::Empty;
    }
    if q.len() > MAX_QUERY {
        return Typed::Refused(format!(
            "That is {} characters long: type a name or model number of at most {MAX_QUERY} characters, e.g. Annke or DS-2CD2385G1-I.",
            q.chars().count()
        ));
    }
    if q.chars().any(char::is_control) {
        return Typed::Refused(
            "That holds control characters, which no name or model number has: type it again."
                .to_owned(),
        );
    }
    Typed::Asked(q.to_owned())
}

/// The registry's whole answer for `q` (pure: for tests).
pub fn answer(engine: &Engine, q: &str) -> Answer {
    // As the API does: the text as a line's description, so the checker
    // finds brand names and model-number-like tokens in it.
    let line = LineInput {
        description: q.to_owned(),
        ..LineInput::default()
    };
    let outcome = Checker::new(engine).check_line(&line);
    let registry = engine.registry();
    let profile = registry.profile(q);
    let patterns = matching_patterns(registry, q);
    let known = profile.is_some() || outcome.maker.is_some() || !patterns.is_empty();
    let entries = match &profile {
        Some(p) => entries(p),
        // Not a name itself ("Annke DS-2CD2385G1-I"): the entries of the
        // brand and the maker the checker found in it.
        None => [&outcome.label, &outcome.maker]
            .into_iter()
            .flatten()
            .filter_map(|id| registry.profile(id.as_str()))
            .flat_map(|p| entries(&p))
            .collect(),
    };
    Answer {
        query: q.to_owned(),
        verdict: outcome.verdict.as_str(),
        verdict_words: verdict_words(outcome.verdict, &outcome.covered_by),
        covered: outcome.verdict.is_covered(),
        summary: outcome.summary.clone(),
        maker: outcome.maker.as_ref().map(camaudit_report::display_name),
        label: outcome.label.as_ref().map(camaudit_report::display_name),
        owner: outcome.owner.as_ref().map(camaudit_report::display_name),
        model: outcome.model.clone(),
        regimes: regimes(registry, &outcome),
        confidence: format!("{:.2}", outcome.confidence),
        weakest_link: outcome.weakest_link.clone(),
        disputed_by: outcome.disputed_by.clone(),
        reasons: outcome
            .reasons
            .iter()
            .map(|r| {
                sourced(
                    r.claim.to_string(),
                    format!("{:.2}", r.confidence),
                    &r.sources,
                )
            })
            .collect(),
        kev: outcome
            .kev
            .iter()
            .map(|k| {
                sourced(
                    format!("{} ({}): {}", k.cve, k.status.as_str(), k.reason),
                    String::new(),
                    &k.sources,
                )
            })
            .collect(),
        entries,
        patterns,
        known,
    }
}

fn regimes(registry: &Registry, outcome: &Outcome) -> Vec<Titled> {
    outcome
        .covered_by
        .iter()
        .map(|id| Titled {
            id: id.clone(),
            title: registry
                .regime(id)
                .map_or_else(String::new, |r| r.title.clone()),
        })
        .collect()
}

fn sourced(text: String, confidence: String, sources: &[String]) -> Sourced {
    Sourced {
        text,
        confidence,
        sources: sources.iter().map(|s| source(s)).collect(),
        notes: None,
    }
}

/// A web address becomes a link; anything else (a rule's id, a document's
/// name) stays text.
fn source(s: &str) -> Source {
    let web = (s.starts_with("https://") || s.starts_with("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c == '"');
    Source {
        text: s.to_owned(),
        href: web.then(|| s.to_owned()),
    }
}

/// The model-number patterns the whole query, or one word of it, matches.
fn matching_patterns(registry: &Registry, q: &str) -> Vec<Sourced> {
    let words: Vec<&str> = std::iter::once(q).chain(q.split_whitespace()).collect();
    registry
        .model_patterns()
        .iter()
        .filter(|p| words.iter().any(|w| p.is_match(w)))
        .take(PATTERNS)
        .map(|p| {
            let mut s = sourced(
                format!(
                    "a {} model number (pattern {}; e.g. {})",
                    camaudit_report::display_name(&p.vendor),
                    p.id,
                    p.examples.join(", ")
                ),
                p.confidence.as_str().to_owned(),
                &p.sources,
            );
            s.notes = p.notes.clone();
            s
        })
        .collect()
}

fn entries(p: &Profile<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    match &p.vendor {
        Some(VendorProfile::Company(c)) => out.push(company_entry(c)),
        Some(VendorProfile::Brand(b)) => out.push(brand_entry(b)),
        None => {}
    }
    if let Some(r) = &p.regime {
        out.push(regime_entry(r));
    }
    if !p.model_equivalences.is_empty() {
        out.push(Entry {
            heading: format!("Model {}", p.query),
            facts: equivalences(&p.model_equivalences),
        });
    }
    out
}

fn name(id: &VendorId) -> String {
    camaudit_report::display_name(id)
}

fn company_entry(c: &CompanyProfile<'_>) -> Entry {
    let e = c.entity;
    let mut facts = Vec::new();
    let chain: Vec<String> = c.owner_chain.iter().map(|id| name(id)).collect();
    let mut who = format!("{} is a company of {}", e.name, e.jurisdiction);
    if chain.len() > 1 {
        who.push_str(&format!("; owned through {}", chain.join(" → ")));
    }
    if let Some(rel) = &e.parent_relation {
        who.push_str(&format!(" ({rel})"));
    }
    if let Some(s) = &e.state_ownership {
        who.push_str(&format!("; state ownership: {s}"));
    }
    let mut fact = sourced(who, e.confidence.as_str().to_owned(), &e.sources);
    fact.notes = e.notes.clone();
    facts.push(fact);
    if !e.aliases.is_empty() {
        facts.push(sourced(
            format!("Also written {}.", e.aliases.join(", ")),
            String::new(),
            &[],
        ));
    }
    for r in &e.readings {
        facts.push(sourced(
            format!(
                "One reading of its control ({}): {}",
                r.jurisdiction, r.basis
            ),
            r.confidence.as_str().to_owned(),
            &r.sources,
        ));
    }
    if c.coverage.is_empty() && c.disputed.is_empty() {
        facts.push(sourced(
            "No procurement-ban regime in the registry covers it or its owners.".to_owned(),
            String::new(),
            &[],
        ));
    }
    for f in &c.coverage {
        let how = if f.interpretation {
            "camaudit's reading of a test that names no company"
        } else {
            "a published designation"
        };
        facts.push(sourced(
            format!(
                "Covered by {} through {} ({how}): {}. Weakest link: {}.",
                f.regime,
                name(&f.entity),
                f.basis,
                f.weakest_link.to_text()
            ),
            f.confidence.as_str().to_owned(),
            &f.sources,
        ));
    }
    for d in &c.disputed {
        facts.push(sourced(
            format!("Disputed: {}.", d.describe()),
            String::new(),
            &[],
        ));
    }
    for b in &c.brands {
        let mut fact = sourced(
            format!(
                "{} is {} {}{}.",
                b.name,
                b.relation.describe(),
                name(&b.company),
                b.period()
            ),
            b.confidence.as_str().to_owned(),
            &b.sources,
        );
        fact.notes = b.notes.clone();
        facts.push(fact);
    }
    for k in &c.kev {
        facts.push(sourced(
            format!(
                "Known exploited vulnerability {} ({}, added to CISA's catalogue {}): {}.",
                k.cve, k.product, k.date_added, k.name
            ),
            String::new(),
            &k.sources,
        ));
    }
    facts.extend(equivalences(&c.equivalences));
    Entry {
        heading: format!("{} — {} ({})", name(&e.id), e.name, e.jurisdiction),
        facts,
    }
}

fn brand_entry(b: &BrandProfile<'_>) -> Entry {
    let mut facts = Vec::new();
    for (link, company) in b.brand_links.iter().zip(&b.companies) {
        let mut text = format!(
            "{} is {} {}{}.",
            link.name,
            link.relation.describe(),
            name(&link.company),
            link.period()
        );
        if !link.model_prefixes.is_empty() {
            text.push_str(&format!(
                " Only for models starting {}.",
                link.model_prefixes.join(", ")
            ));
        }
        for e in &link.exceptions {
            let by = e
                .made_by
                .as_ref()
                .map_or(String::new(), |m| format!(", made by {}", name(m)));
            text.push_str(&format!(
                " Except models starting {} ({}{by}): {}.",
                e.model_prefixes.join(", "),
                e.confidence.as_str(),
                e.basis
            ));
        }
        let covered = if company.covered_by.is_empty() {
            format!(" No regime covers {}.", name(company.company))
        } else {
            format!(
                " {} is covered by {}.",
                name(company.company),
                company.covered_by.join(", ")
            )
        };
        text.push_str(&covered);
        if let Some(s) = &company.strength {
            text.push_str(&format!(
                " A device with only this label is {} through it; weakest link: {}.",
                verdict_words(s.verdict, &[]),
                s.weakest_link
            ));
        }
        let mut fact = sourced(text, link.confidence.as_str().to_owned(), &link.sources);
        fact.notes = link.notes.clone();
        facts.push(fact);
    }
    for k in &b.kev {
        facts.push(sourced(
            format!(
                "Known exploited vulnerability {} ({}, added {}): {}.",
                k.cve, k.product, k.date_added, k.name
            ),
            String::new(),
            &k.sources,
        ));
    }
    facts.extend(equivalences(&b.equivalences));
    Entry {
        heading: format!("{} — a brand name", name(&b.brand)),
        facts,
    }
}

fn regime_entry(p: &RegimeProfile<'_>) -> Entry {
    let g = p.regime;
    Entry {
        heading: format!("{} — {}", g.id, g.title),
        facts: vec![sourced(
            format!("Made {} ({}): {}", g.date, g.jurisdiction, g.scope),
            g.confidence.as_str().to_owned(),
            &g.sources,
        )],
    }
}

fn equivalences(list: &[&ModelEquivalence]) -> Vec<Sourced> {
    list.iter()
        .map(|e| {
            let aka = if e.aliases.is_empty() {
                String::new()
            } else {
                format!(" (also sold as {})", e.aliases.join(", "))
            };
            let mut s = sourced(
                format!(
                    "{} {}{aka} is {} {}.",
                    name(&e.brand),
                    e.model,
                    name(&e.maker),
                    e.original_model
                ),
                e.confidence.as_str().to_owned(),
                &e.sources,
            );
            s.notes = e.notes.clone();
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_bounded_and_refused_with_a_reason() {
        assert_eq!(clean_query("  "), Typed::Empty);
        assert_eq!(clean_query(" Annke\t"), Typed::Asked("Annke".into()));
        assert_eq!(
            clean_query("DS-2CD\n2385"),
            Typed::Asked("DS-2CD 2385".into())
        );
        assert!(matches!(clean_query(&"a".repeat(201)), Typed::Refused(_)));
        assert!(matches!(clean_query(&"a".repeat(200)), Typed::Asked(_)));
        assert!(matches!(clean_query("an\u{0}ke"), Typed::Refused(_)));
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert!(
            source("https://www.fcc.gov/supplychain/coveredlist")
                .href
                .is_some()
        );
        assert!(source("rule:hikvision-isapi").href.is_none());
        assert!(source("javascript:alert(1)").href.is_none());
        assert!(source("https://x.example/\"onmouseover").href.is_none());
    }
}
