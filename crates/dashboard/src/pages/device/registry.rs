//! What the registry says of a device's maker and brand, with sources and
//! confidence: the maker and the companies that control it, the relation
//! of the brand on the device to its maker, and, for a covered device, why
//! each regime covers it. Read from the registry this server runs with.

use camaudit_model::{Device, VendorId};
use camaudit_registry::{BrandLink, Entity, Registry};
use camaudit_report::{display_name, relation_words};

/// A source as the page shows it: a link when it is a web address, else
/// text (a dataset path, a rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceView {
    pub text: String,
    pub href: Option<String>,
}

impl SourceView {
    pub fn of(s: &str) -> SourceView {
        let web = s.starts_with("https://") || s.starts_with("http://");
        SourceView {
            text: s.to_owned(),
            href: web.then(|| s.to_owned()),
        }
    }

    pub fn all(sources: &[String]) -> Vec<SourceView> {
        sources.iter().map(|s| SourceView::of(s)).collect()
    }
}

/// One company of the maker's owner chain.
pub struct CompanyView {
    pub name: String,
    pub id: String,
    pub jurisdiction: String,
    /// How it controls the company before it in the chain.
    pub controls: Option<String>,
    pub state_ownership: Option<String>,
    pub confidence: &'static str,
    pub sources: Vec<SourceView>,
    pub notes: Option<String>,
    /// Readings of a disputed jurisdiction or control, in words.
    pub readings: Vec<String>,
}

/// A relation of the brand on the device to a company.
pub struct BrandView {
    pub brand: String,
    pub company: String,
    pub relation: &'static str,
    pub period: String,
    pub confidence: &'static str,
    pub sources: Vec<SourceView>,
    pub notes: Option<String>,
    /// Whether this is the relation to the device's maker.
    pub to_maker: bool,
    /// A model line the relation is documented not to reach, when the
    /// device's model is in it.
    pub exception: Option<String>,
}

/// Why one regime covers the device.
pub struct CoverageView {
    pub regime: String,
    pub title: String,
    /// The company through which coverage reaches the maker.
    pub via: String,
    pub basis: String,
    pub interpretation: bool,
    pub confidence: &'static str,
    pub weakest_link: String,
    pub sources: Vec<SourceView>,
}

/// The registry's entries for one device.
pub struct RegistryView {
    pub version: String,
    pub date: String,
    /// The maker, then who controls it; empty when the maker is unknown to
    /// the registry.
    pub owners: Vec<CompanyView>,
    pub brand_links: Vec<BrandView>,
    /// Only for a covered device, one per regime it is covered by.
    pub coverage: Vec<CoverageView>,
    /// Regimes the device was judged covered by that this registry no
    /// longer explains (it was judged with another version).
    pub unexplained: Vec<String>,
    /// For a disputed device: each regime's readings, in words.
    pub disputes: Vec<String>,
}

impl RegistryView {
    pub fn of(d: &Device, registry: &Registry) -> RegistryView {
        let owners = d
            .manufacturer
            .as_ref()
            .map(|m| {
                registry
                    .owner_chain(m)
                    .into_iter()
                    .map(|e| company(e, registry))
                    .collect()
            })
            .unwrap_or_default();
        let brand_links = d
            .label_vendor
            .as_ref()
            .filter(|l| Some(*l) != d.manufacturer.as_ref())
            .map(|label| brands(registry, label, d))
            .unwrap_or_default();
        let (coverage, unexplained) = coverage(d, registry);
        let disputes = match (&d.manufacturer, d.covered) {
            (Some(m), false) => registry
                .disputed_coverage(m)
                .iter()
                .map(|f| f.describe())
                .collect(),
            _ => Vec::new(),
        };
        RegistryView {
            version: registry.version().to_owned(),
            date: registry.date().to_owned(),
            owners,
            brand_links,
            coverage,
            unexplained,
            disputes,
        }
    }
}

fn company(e: &Entity, registry: &Registry) -> CompanyView {
    let parent_name = |p: &VendorId| {
        registry
            .entity(p)
            .map_or_else(|| display_name(p), |x| x.name.clone())
    };
    CompanyView {
        name: e.name.clone(),
        id: e.id.as_str().to_owned(),
        jurisdiction: e.jurisdiction.clone(),
        controls: e.parent.as_ref().map(|p| match &e.parent_relation {
            Some(how) => format!("controlled by {}: {}", parent_name(p), sentence(how)),
            None => format!("controlled by {}", parent_name(p)),
        }),
        state_ownership: e.state_ownership.as_deref().map(sentence),
        confidence: e.confidence.as_str(),
        sources: SourceView::all(&e.sources),
        notes: e.notes.clone(),
        readings: e
            .readings
            .iter()
            .map(|r| {
                let parent = r
                    .parent
                    .as_ref()
                    .map(|p| format!(", controlled by {}", display_name(p)))
                    .unwrap_or_default();
                format!(
                    "{} ({}{parent}; {} confidence)",
                    r.basis,
                    r.jurisdiction,
                    r.confidence.as_str()
                )
            })
            .collect(),
    }
}

/// Curated text without its final full stop, for the page's own sentence
/// around it.
fn sentence(text: &str) -> String {
    text.trim().trim_end_matches('.').to_owned()
}

/// The brand's relations, the one to the device's maker first.
fn brands(registry: &Registry, label: &VendorId, d: &Device) -> Vec<BrandView> {
    let mut links: Vec<&BrandLink> = registry.brand_links(label);
    links.sort_by_key(|b| Some(&b.company) != d.manufacturer.as_ref());
    links
        .into_iter()
        .map(|b| BrandView {
            brand: b.name.clone(),
            company: display_name(&b.company),
            relation: relation_words(Some(b.relation.as_str())),
            period: b.period().trim().to_owned(),
            confidence: b.confidence.as_str(),
            sources: SourceView::all(&b.sources),
            notes: b.notes.clone(),
            to_maker: Some(&b.company) == d.manufacturer.as_ref(),
            exception: b
                .exception_for(d.model.as_deref())
                .map(|e| format!("{} ({} confidence)", e.basis, e.confidence.as_str())),
        })
        .collect()
}

/// Why each regime the device was judged covered by covers it. Nothing
/// for a device that is not covered: a trusted maker's page never shows a
/// reason it would be.
fn coverage(d: &Device, registry: &Registry) -> (Vec<CoverageView>, Vec<String>) {
    let (Some(maker), true) = (&d.manufacturer, d.covered) else {
        return (Vec::new(), Vec::new());
    };
    let findings = registry.coverage(maker);
    let mut views = Vec::new();
    let mut unexplained = Vec::new();
    for regime in &d.covered_by {
        match findings.iter().find(|f| &f.regime == regime) {
            Some(f) => views.push(CoverageView {
                regime: regime.clone(),
                title: registry
                    .regime(regime)
                    .map_or_else(|| regime.clone(), |r| r.title.clone()),
                via: display_name(&f.entity),
                basis: f.basis.clone(),
                interpretation: f.interpretation,
                confidence: f.confidence.as_str(),
                weakest_link: format!(
                    "{} ({})",
                    f.weakest_link.claim,
                    f.weakest_link.level.as_str()
                ),
                sources: SourceView::all(&f.sources),
            }),
            None => unexplained.push(regime.clone()),
        }
    }
    (views, unexplained)
}
