//! How firmly a device's coverage stands: the route by which its maker was
//! found (platform evidence, or the label and the brand relation behind
//! it) joined to the registry's covering findings, judged on the weakest
//! link (`camaudit_registry::coverage_strength`).
//!
//! Only the route that names the maker counts: when firmware-set platform
//! evidence names Hikvision, a low-confidence relation of the label to
//! Hikvision does not weaken the verdict, since the device is Hikvision's
//! without it.

use camaudit_model::{Confidence, VendorId};
use camaudit_registry::{BrandLink, Level, Link, ModelException, Registry};

use crate::attribute::{LinkScope, best_link};

/// What named the maker: the platform candidate and the label candidate,
/// each with its confidence.
pub(crate) struct Sources<'a> {
    pub platform: Option<(&'a VendorId, Confidence)>,
    pub label: Option<(&'a VendorId, Confidence)>,
}

/// The links of the best-supported route from the device's evidence to
/// `maker`; a single link from the attribution's own confidence when no
/// route can be traced.
pub(crate) fn route(
    registry: &Registry,
    from: &Sources<'_>,
    maker: &VendorId,
    attribution: Confidence,
    scope: LinkScope<'_>,
) -> Vec<Link> {
    let platform = from
        .platform
        .filter(|(p, _)| names_maker(registry, p, maker, scope))
        .map(|(p, c)| {
            vec![Link::new(
                format!("platform evidence names {p}"),
                Level::from_confidence(c),
                Vec::new(),
            )]
        });
    let label = from
        .label
        .and_then(|(l, c)| label_route(registry, l, c, maker, scope));
    // max_by_key keeps the last of equals: platform evidence, which the
    // label cannot change, wins a tie.
    let strongest = [label, platform]
        .into_iter()
        .flatten()
        .max_by_key(|links| Link::weakest(links).map_or(0, |l| l.level.rank()));
    strongest.unwrap_or_else(|| {
        vec![Link::new(
            format!(
                "maker {maker} attributed at confidence {:.2}",
                attribution.get()
            ),
            Level::from_confidence(attribution),
            Vec::new(),
        )]
    })
}

/// Whether platform evidence naming `named` speaks for `maker`: the same
/// company, a company of its group, or a brand the registry leads to it.
fn names_maker(
    registry: &Registry,
    named: &VendorId,
    maker: &VendorId,
    scope: LinkScope<'_>,
) -> bool {
    named == maker
        || registry.owner_chain(maker).iter().any(|e| &e.id == named)
        || best_link(registry, named, scope).is_some_and(|l| &l.company == maker)
}

/// From a label to the maker: the label itself when it is the maker's own
/// name, else the brand relation (and any doubt a weak exception casts on
/// it for this model), or a firm exception that names the maker.
fn label_route(
    registry: &Registry,
    label: &VendorId,
    confidence: Confidence,
    maker: &VendorId,
    scope: LinkScope<'_>,
) -> Option<Vec<Link>> {
    let seen = Link::new(
        format!("label {label}"),
        Level::from_confidence(confidence),
        Vec::new(),
    );
    if label == maker {
        return Some(vec![seen]);
    }
    if let Some(link) = best_link(registry, label, scope).filter(|l| leads_to(registry, l, maker)) {
        let mut links = vec![seen, relation_link(label, link, scope)];
        if let Some(e) = link.exception_for(scope.model) {
            links.push(Link::new(
                format!(
                    "{label} → {} may not hold for this model line: {}",
                    link.company, e.basis
                ),
                Level::Low,
                e.sources.clone(),
            ));
        }
        return Some(links);
    }
    let (link, exception) = excepted_to(registry, label, maker, scope)?;
    Some(vec![
        seen,
        Link::new(
            format!(
                "label {label}: this model line is not {}'s but {maker}'s: {}",
                link.company, exception.basis
            ),
            exception.confidence,
            exception.sources.clone(),
        ),
    ])
}

/// The brand relation as a link. A relation that has ended may predate or
/// postdate an undated device, so it holds at medium at most, and says so.
fn relation_link(label: &VendorId, link: &BrandLink, scope: LinkScope<'_>) -> Link {
    let mut claim = format!(
        "label {label} → {} {}{}",
        link.relation.describe(),
        link.company,
        link.period()
    );
    let mut level = link.confidence;
    if link.is_historical() && scope.date.is_none() {
        claim.push_str(", and the device is undated");
        level = level.weakest(Level::Medium);
    }
    Link::new(claim, level, link.sources.clone())
}

fn leads_to(registry: &Registry, link: &BrandLink, maker: &VendorId) -> bool {
    &link.company == maker
        || registry
            .owner_chain(maker)
            .iter()
            .any(|e| e.id == link.company)
}

/// A relation of the label whose firm exception for this model names
/// `maker` as the line's maker.
pub(crate) fn excepted_to<'r>(
    registry: &'r Registry,
    label: &VendorId,
    maker: &VendorId,
    scope: LinkScope<'_>,
) -> Option<(&'r BrandLink, &'r ModelException)> {
    registry.brand_links(label).into_iter().find_map(|l| {
        let e = l.exception_for(scope.model)?;
        (e.is_firm() && l.applies_at(scope.date) && e.made_by.as_ref() == Some(maker))
            .then_some((l, e))
    })
}

/// The maker a firm exception names for this label and model, when the
/// label's relations do not reach the model: the strongest exception's.
pub(crate) fn exception_maker<'r>(
    registry: &'r Registry,
    label: &VendorId,
    scope: LinkScope<'_>,
) -> Option<(&'r BrandLink, &'r ModelException)> {
    registry
        .brand_links(label)
        .into_iter()
        .filter(|l| l.applies_at(scope.date))
        .filter_map(|l| {
            let e = l.exception_for(scope.model)?;
            (e.is_firm() && e.made_by.is_some()).then_some((l, e))
        })
        .max_by_key(|(_, e)| e.confidence.rank())
}
