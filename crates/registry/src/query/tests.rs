use camaudit_model::VendorId;

use super::search::SearchHit;
use super::*;
use crate::Registry;

fn reg() -> Registry {
    Registry::builtin().expect("the built-in registry loads")
}

fn id(s: &str) -> VendorId {
    VendorId::new(s).expect("a valid id")
}

fn hits<'r>(r: &'r Registry, text: &str) -> Vec<SearchHit<'r>> {
    r.search(text).results
}

#[test]
fn info_line_names_the_registry_and_its_overlay() {
    let r = reg();
    let line = r.info().to_string();
    assert_eq!(
        line,
        format!("registry {} ({}); no overlay", r.version(), r.date())
    );
    let json = serde_json::to_value(r.info()).expect("serializes");
    assert_eq!(json["version"], r.version());
    assert!(json["overlay"].is_null());
    assert!(json.get("decision_count").is_none(), "{json}");
}

#[test]
fn listing_holds_only_the_kind_asked_for() {
    let r = reg();
    let all = r.listing(None);
    assert!(all.regimes.is_some() && all.decisions.is_some());
    let hik = all
        .entities
        .as_ref()
        .and_then(|e| e.iter().find(|e| e.entity.id == id("hikvision")))
        .expect("hikvision is listed");
    assert!(hik.covered_by.contains(&"ndaa-889".to_owned()));
    let brands = r.listing(Some(ListKind::Brands));
    assert!(brands.brands.is_some_and(|b| !b.is_empty()));
    assert!(brands.entities.is_none() && brands.kev.is_none());
    let json = serde_json::to_value(&brands).expect("serializes");
    let keys: Vec<&String> = json.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["brands", "registry"]);
    let entities = serde_json::to_value(r.listing(Some(ListKind::Entities))).expect("json");
    assert_eq!(entities["entities"][0]["id"], "hikvision", "{entities}");
    assert!(entities["entities"][0]["covered_by"].is_array());
}

#[test]
fn profile_of_a_company_has_its_owners_coverage_and_brands() {
    let r = reg();
    let p = r.profile("EZVIZ").expect("a known company");
    let Some(VendorProfile::Company(c)) = &p.vendor else {
        panic!("ezviz is a company: {p:?}");
    };
    assert_eq!(c.owner_chain.first(), Some(&&id("ezviz")));
    assert!(c.owner_chain.contains(&&id("hikvision")));
    assert!(c.coverage.iter().any(|f| f.regime == "ndaa-889"));
    let hik = r.profile("hikvision").expect("known");
    let Some(VendorProfile::Company(h)) = &hik.vendor else {
        panic!("hikvision is a company");
    };
    assert!(h.brands.iter().any(|b| b.brand == id("hilook")));
    assert!(h.model_patterns.iter().any(|m| m.id == "hikvision.ds"));
    let json = serde_json::to_value(&hik).expect("serializes");
    assert_eq!(json["entity"]["id"], "hikvision");
    assert_eq!(json["owner_chain"][0], "hikvision");
    assert!(json.get("model_patterns").is_none() && json.get("regime").is_none());
}

#[test]
fn profile_of_a_brand_lists_each_company_with_its_coverage() {
    let r = reg();
    let p = r.profile("Annke").expect("a known brand");
    let Some(VendorProfile::Brand(b)) = &p.vendor else {
        panic!("annke is a brand: {p:?}");
    };
    assert_eq!(b.brand, id("annke"));
    assert_eq!(b.brand_links.len(), b.companies.len());
    assert!(b.companies.len() >= 2, "two suppliers");
    for (link, company) in b.brand_links.iter().zip(&b.companies) {
        assert_eq!(&link.company, company.company);
    }
    let amcrest = r.profile("amcrest").expect("known");
    let Some(VendorProfile::Brand(a)) = &amcrest.vendor else {
        panic!("amcrest is a brand");
    };
    assert!(a.equivalences.iter().any(|e| e.model == "AD410"));
}

#[test]
fn profile_of_a_cve_a_regime_a_model_and_an_unknown_name() {
    let r = reg();
    let cve = r.profile("cve-2021-36260").expect("a KEV entry");
    assert_eq!(
        cve.kev_entry.map(|k| k.cve.as_str()),
        Some("CVE-2021-36260")
    );
    assert!(cve.vendor.is_none());
    let ndaa = r.profile("ndaa-889").expect("a regime");
    let regime = ndaa.regime.as_ref().expect("the regime part");
    assert!(regime.names.contains(&&id("hikvision")));
    let json = serde_json::to_value(&ndaa).expect("serializes");
    assert_eq!(json["regime"]["id"], "ndaa-889");
    let model = r.profile("ad410").expect("a model number");
    assert_eq!(model.model_equivalences[0].maker, id("dahua"));
    assert!(r.profile("no such maker").is_none());
    assert!(r.profile("  ").is_none());
}

#[test]
fn search_ranks_exact_names_first_and_drops_noise() {
    let r = reg();
    let exact = hits(&r, "Hikvision");
    let company = exact
        .iter()
        .find(|h| h.kind == HitKind::Entity && h.id == "hikvision")
        .expect("the company");
    assert_eq!(company.score, 1.0);
    // Ties are in id order: the KEV entries whose catalog vendor is
    // "Hikvision" come first.
    assert_eq!(exact[0].kind, HitKind::Kev);
    assert_eq!(exact[0].score, 1.0);
    let typo = hits(&r, "hikvison");
    assert!(
        typo.iter().any(|h| h.id == "hikvision"),
        "a misspelling still finds it"
    );
    assert!(
        typo.iter()
            .all(|h| h.score >= SEARCH_MIN_SCORE && h.score < 1.0)
    );
    let sorted = typo.windows(2).all(|w| w[0].score >= w[1].score);
    assert!(sorted, "best first");
    assert!(hits(&r, "xyzzyqq").is_empty());
    assert!(hits(&r, "  ").is_empty());
}

#[test]
fn search_finds_model_numbers_by_pattern_and_equivalence() {
    let r = reg();
    let ds = hits(&r, "DS-2CD2143G2-I");
    let pattern = ds
        .iter()
        .find(|h| h.kind == HitKind::ModelPattern)
        .expect("the Hikvision grammar matches");
    assert_eq!(pattern.id, "hikvision.ds");
    assert_eq!(pattern.matched, "DS-2CD2143G2-I");
    let ad = hits(&r, "AD41");
    assert!(
        ad.iter()
            .any(|h| h.kind == HitKind::ModelEquivalence && h.id == "amcrest/AD410"),
        "a prefix of a model number"
    );
    let json = serde_json::to_value(r.search("AD410")).expect("serializes");
    assert_eq!(json["results"][0]["kind"], "model-equivalence");
    assert_eq!(json["results"][0]["confidence"], "medium");
    assert_eq!(json["query"], "AD410");
}

#[test]
fn scores_are_rounded_to_two_decimals() {
    let r = reg();
    for h in hits(&r, "hik vision").iter().chain(&hits(&r, "dahwa")) {
        assert_eq!(h.score, (h.score * 100.0).round() / 100.0, "{h:?}");
    }
}
