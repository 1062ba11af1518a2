//! The KEV ranges (`[[kev.affected]]`) and the model equivalences
//! (`model_equivalences.toml`): their raw shapes and their rules.

use std::collections::HashSet;

use camaudit_model::VendorId;
use serde::Deserialize;

use super::Checker;
use crate::RegistryError;
use crate::equivalence::ModelEquivalence;
use crate::kev::{KevRange, model_key};
use crate::types::Level;
use camaudit_model::date::{BuildDate, parse_build_date};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKevRange {
    products: String,
    #[serde(default)]
    model_prefixes: Vec<String>,
    #[serde(default)]
    firmware_prefixes: Vec<String>,
    #[serde(default)]
    build_before: Option<String>,
    #[serde(default)]
    fixed_in: Option<String>,
    #[serde(default)]
    versions: Option<String>,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: Option<String>,
}

/// Checks the ranges of one KEV entry; problems are named
/// `CVE-… affected[i]` (1-based, in file order).
pub(super) fn check_ranges(c: &mut Checker<'_>, cve: &str, raw: Vec<RawKevRange>) -> Vec<KevRange> {
    raw.into_iter()
        .enumerate()
        .map(|(i, r)| check_range(c, &format!("{cve} affected[{}]", i + 1), r))
        .collect()
}

fn check_range(c: &mut Checker<'_>, id: &str, r: RawKevRange) -> KevRange {
    c.text(id, "products", &r.products);
    c.sources(id, &r.sources);
    for p in r.model_prefixes.iter().chain(&r.firmware_prefixes) {
        c.text(id, "prefix", p);
    }
    c.date(id, "build_before", r.build_before.as_deref());
    let bound = r.build_before.as_deref().and_then(BuildDate::first_day_of);
    // A fixed build dated before the bound means one of the two is mistyped.
    let fixed = r.fixed_in.as_deref().and_then(parse_build_date);
    if let (Some(bound), Some(fixed)) = (bound, fixed)
        && fixed < bound
    {
        c.fail(
            id,
            format!("fixed_in is dated {fixed}, before build_before {bound}"),
        );
    }
    if bound.is_none() && r.versions.is_none() && r.fixed_in.is_none() {
        c.fail(
            id,
            "give build_before, fixed_in or versions: a range must say which firmware it covers",
        );
    }
    KevRange {
        products: r.products,
        model_prefixes: r.model_prefixes,
        firmware_prefixes: r.firmware_prefixes,
        build_before: r.build_before,
        bound,
        fixed_in: r.fixed_in,
        versions: r.versions,
        confidence: r.confidence,
        sources: r.sources,
        notes: r.notes,
        model_keys: Vec::new(),
        firmware_keys: Vec::new(),
    }
    .with_keys()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct EquivalenceFile {
    #[serde(default)]
    pub equivalence: Vec<RawEquivalence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEquivalence {
    brand: String,
    model: String,
    #[serde(default)]
    aliases: Vec<String>,
    maker: String,
    original_model: String,
    confidence: Level,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    notes: Option<String>,
}

/// Checks the equivalences: the brand is a registry entity or brand, the
/// maker an entity, the model numbers are not empty, and no (brand, model)
/// pair is recorded twice (compared as [`ModelEquivalence`] matches them).
pub(super) fn check_equivalences(
    file: &str,
    raw: Vec<RawEquivalence>,
    known: &HashSet<VendorId>,
    entity_ids: &HashSet<&VendorId>,
    errors: &mut Vec<RegistryError>,
) -> Vec<ModelEquivalence> {
    let mut c = Checker {
        file,
        kind: "equivalence",
        errors,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for e in raw {
        let id = format!("{}/{}", e.brand, e.model);
        if model_key(&e.model).is_empty() || model_key(&e.original_model).is_empty() {
            c.fail(&id, "model and original_model must not be empty");
            continue;
        }
        if !seen.insert((e.brand.clone(), model_key(&e.model))) {
            c.fail(&id, "duplicate: this brand's model is already recorded");
            continue;
        }
        for a in &e.aliases {
            c.text(&id, "aliases entry", a);
        }
        c.sources(&id, &e.sources);
        let brand = c.slug(&id, "brand", &e.brand);
        let maker = c.slug(&id, "maker", &e.maker);
        let (Some(brand), Some(maker)) = (brand, maker) else {
            continue;
        };
        if !known.contains(&brand) {
            c.fail(
                &id,
                format!("brand {:?} is not an entity or brand", e.brand),
            );
            continue;
        }
        if !entity_ids.contains(&maker) {
            c.fail(&id, format!("maker {:?} is not an entity", e.maker));
            continue;
        }
        out.push(
            ModelEquivalence {
                brand,
                model: e.model,
                aliases: e.aliases,
                maker,
                original_model: e.original_model,
                confidence: e.confidence,
                sources: e.sources,
                notes: e.notes,
                keys: Vec::new(),
            }
            .with_keys(),
        );
    }
    out
}
