//! Loading and validation on small hand-written registries, and the coverage
//! rules on data whose answer is known.

use std::collections::HashMap;

use super::*;

pub(crate) const META: &str = r#"
version = "test.1"
date = "2026-01-02"
"#;

pub(crate) const REGIMES: &str = r#"
[[regime]]
id = "ban"
title = "A ban that names companies"
kind = "procurement-ban"
date = "2020-01-01"
jurisdiction = "US"
includes_subsidiaries = true
scope = "everything"
confidence = "high"
sources = ["https://example.org/ban"]

[[regime]]
id = "narrow-ban"
title = "A ban that does not reach subsidiaries"
kind = "procurement-ban"
date = "2020-01-01"
jurisdiction = "US"
includes_subsidiaries = false
scope = "everything"
confidence = "high"
sources = ["https://example.org/narrow"]

[[regime]]
id = "by-country"
title = "A test by country"
kind = "procurement-ban"
date = "2022-11-24"
jurisdiction = "GB"
includes_subsidiaries = true
applies_to_jurisdictions = ["CN"]
jurisdiction_basis = "Companies of CN are read as covered."
scope = "sensitive sites"
confidence = "medium"
sources = ["https://example.org/uk"]

[[regime]]
id = "flag"
title = "An export list"
kind = "risk-flag"
date = "2019-10"
jurisdiction = "US"
includes_subsidiaries = false
scope = "exports"
confidence = "high"
sources = ["https://example.org/flag"]
"#;

pub(crate) const ENTITIES: &str = r#"
[[entity]]
id = "acme"
name = "Acme Vision Co., Ltd."
aliases = ["Acme", "ACME Cam"]
jurisdiction = "CN"
confidence = "high"
sources = ["https://example.org/acme"]

[[entity]]
id = "acme-sub"
name = "Acme Sub Network Co., Ltd."
aliases = ["AcmeSub"]
jurisdiction = "CN"
parent = "acme"
parent_relation = "controlling shareholder"
confidence = "medium"
sources = ["https://example.org/acme-sub"]

[[entity]]
id = "acme-eu"
name = "Acme Europe GmbH"
jurisdiction = "DE"
parent = "acme"
confidence = "high"
sources = ["https://example.org/acme-eu"]

[[entity]]
id = "good"
name = "Good Cameras AB"
aliases = ["Good"]
jurisdiction = "SE"
parent = "goodparent"
confidence = "high"
sources = ["github:good/cameras:README.md"]

[[entity]]
id = "goodparent"
name = "Good Parent Inc."
jurisdiction = "JP"
confidence = "high"
sources = ["https://example.org/goodparent"]

[[entity]]
id = "zte"
name = "ZTE Corporation"
aliases = ["ZTE"]
jurisdiction = "CN"
confidence = "high"
sources = ["https://example.org/zte"]
"#;

pub(crate) const BRANDS: &str = r#"
[[brand]]
id = "relabel"
name = "Relabel"
aliases = ["Relabel Technology"]
company = "acme"
relation = "oem-reseller"
confidence = "medium"
sources = ["https://example.org/relabel"]
model_prefixes = ["RL"]

[[brand]]
id = "oldco"
name = "OldCo"
company = "acme"
relation = "former-subsidiary"
from = "2018"
until = "2022-11-23"
confidence = "high"
sources = ["https://example.org/oldco"]
"#;

pub(crate) const COVERAGE: &str = r#"
[[coverage]]
regime = "ban"
entity = "acme"
basis = "Named by the ban."
from = "2020-01-01"
interpretation = false
confidence = "high"
sources = ["https://example.org/ban#acme"]

[[coverage]]
regime = "narrow-ban"
entity = "acme"
basis = "Named by the narrow ban."
interpretation = false
confidence = "high"
sources = ["https://example.org/narrow#acme"]

[[coverage]]
regime = "flag"
entity = "acme"
basis = "Listed."
interpretation = false
confidence = "high"
sources = ["https://example.org/flag#acme"]
"#;

pub(crate) const PATTERNS: &str = r#"
[[pattern]]
id = "acme.ac"
vendor = "acme"
regex = '^AC-[0-9]{3}'
examples = ["AC-100", "ac-200x"]
not_examples = ["XAC-100"]
confidence = "medium"
sources = ["https://example.org/models"]
"#;

/// The test registry with some files replaced.
pub(crate) fn load_with(replace: &[(&str, &str)]) -> Result<Registry, RegistryError> {
    let mut files: Vec<(&str, &str)> = vec![
        ("registry.toml", META),
        ("regimes.toml", REGIMES),
        ("entities.toml", ENTITIES),
        ("brands.toml", BRANDS),
        ("coverage.toml", COVERAGE),
        ("model_patterns.toml", PATTERNS),
    ];
    for (name, text) in replace {
        match files.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = text,
            None => files.push((name, text)),
        }
    }
    files.retain(|(_, t)| *t != "<absent>");
    Registry::from_texts("data/registry", &files)
}

pub(crate) fn good() -> Registry {
    match load_with(&[]) {
        Ok(r) => r,
        Err(e) => panic!("test registry does not load:\n{e}"),
    }
}

/// Loads with replacements and returns the error text, failing the test if
/// the registry loads.
pub(crate) fn error_of(replace: &[(&str, &str)]) -> String {
    match load_with(replace) {
        Ok(_) => panic!("a broken registry loaded"),
        Err(e) => e.to_string(),
    }
}

pub(crate) fn id(s: &str) -> VendorId {
    VendorId::new(s).unwrap()
}

fn regimes_of(findings: &[CoverageFinding]) -> Vec<&str> {
    findings.iter().map(|f| f.regime.as_str()).collect()
}

#[test]
fn good_registry_loads() {
    let r = good();
    assert_eq!(r.version(), "test.1");
    assert_eq!(r.date(), "2026-01-02");
    assert_eq!(r.entities().count(), 6);
    assert_eq!(r.regimes().len(), 4);
    // Regimes come out sorted by id.
    let ids: Vec<&str> = r.regimes().iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["ban", "by-country", "flag", "narrow-ban"]);
}

#[test]
fn error_names_file_entry_and_problem() {
    let brands = BRANDS
        .replace("id = \"relabel\"", "id = \"lorex\"")
        .replace(
            "company = \"acme\"\nrelation = \"oem-reseller\"",
            "company = \"dahau\"\nrelation = \"oem-reseller\"",
        );
    let err = error_of(&[("brands.toml", &brands)]);
    assert_eq!(
        err,
        "data/registry/brands.toml: brand lorex: company \"dahau\" is not an entity"
    );
}

#[test]
fn empty_or_missing_sources_are_rejected() {
    let entities = ENTITIES.replace(
        "sources = [\"https://example.org/acme-eu\"]",
        "sources = []",
    );
    let err = error_of(&[("entities.toml", &entities)]);
    assert!(
        err.contains("entities.toml: entity acme-eu: no sources"),
        "{err}"
    );

    let coverage = COVERAGE.replace("sources = [\"https://example.org/flag#acme\"]\n", "");
    let err = error_of(&[("coverage.toml", &coverage)]);
    assert!(
        err.contains("coverage.toml: coverage flag/acme: no sources"),
        "{err}"
    );

    let regimes = REGIMES.replace("sources = [\"https://example.org/uk\"]", "sources = []");
    let err = error_of(&[("regimes.toml", &regimes)]);
    assert!(err.contains("regime by-country: no sources"), "{err}");
}

#[test]
fn sources_must_be_citations_not_remarks() {
    let brands = BRANDS.replace(
        "sources = [\"https://example.org/oldco\"]",
        "sources = [\"UNVERIFIED background knowledge\"]",
    );
    let err = error_of(&[("brands.toml", &brands)]);
    assert!(err.contains("brand oldco: source \"UNVERIFIED"), "{err}");
}

#[test]
fn unknown_ids_are_rejected() {
    let entities = ENTITIES.replace("parent = \"goodparent\"", "parent = \"nobody\"");
    let err = error_of(&[("entities.toml", &entities)]);
    assert!(
        err.contains("entity good: parent \"nobody\" is not an entity"),
        "{err}"
    );

    let coverage = COVERAGE.replace("regime = \"flag\"", "regime = \"no-such-regime\"");
    let err = error_of(&[("coverage.toml", &coverage)]);
    assert!(
        err.contains("coverage no-such-regime/acme: regime \"no-such-regime\" is not a regime"),
        "{err}"
    );

    let coverage = COVERAGE.replace(
        "entity = \"acme\"\nbasis = \"Listed.\"",
        "entity = \"nobody\"\nbasis = \"Listed.\"",
    );
    let err = error_of(&[("coverage.toml", &coverage)]);
    assert!(
        err.contains("coverage flag/nobody: entity \"nobody\" is not an entity"),
        "{err}"
    );

    let patterns = PATTERNS.replace("vendor = \"acme\"", "vendor = \"nobody\"");
    let err = error_of(&[("model_patterns.toml", &patterns)]);
    assert!(err.contains("pattern acme.ac: vendor \"nobody\""), "{err}");
}

#[test]
fn duplicates_are_rejected() {
    let twice = format!(
        "{ENTITIES}\n{}",
        &ENTITIES[ENTITIES.find("[[entity]]\nid = \"good\"").unwrap()..]
    );
    let err = error_of(&[("entities.toml", &twice)]);
    assert!(err.contains("entity good: duplicate id"), "{err}");

    let regimes = format!(
        "{REGIMES}\n{}",
        &REGIMES[REGIMES.find("[[regime]]\nid = \"flag\"").unwrap()..]
    );
    let err = error_of(&[("regimes.toml", &regimes)]);
    assert!(err.contains("regime flag: duplicate id"), "{err}");

    let brands = format!(
        "{BRANDS}\n{}",
        &BRANDS[..BRANDS.find("[[brand]]\nid = \"oldco\"").unwrap()]
    );
    let err = error_of(&[("brands.toml", &brands)]);
    assert!(
        err.contains("brand relabel: duplicate link to company \"acme\""),
        "{err}"
    );

    let coverage = format!("{COVERAGE}\n{COVERAGE}");
    let err = error_of(&[("coverage.toml", &coverage)]);
    assert!(
        err.contains("coverage ban/acme: duplicate coverage entry"),
        "{err}"
    );
}

#[test]
fn parent_cycles_are_rejected() {
    let entities = ENTITIES.replace(
        "jurisdiction = \"JP\"",
        "jurisdiction = \"JP\"\nparent = \"good\"",
    );
    let err = error_of(&[("entities.toml", &entities)]);
    assert!(
        err.contains("parent cycle: good -> goodparent -> good"),
        "{err}"
    );

    let entities = ENTITIES.replace("parent = \"goodparent\"", "parent = \"good\"");
    let err = error_of(&[("entities.toml", &entities)]);
    assert!(err.contains("entity good: is its own parent"), "{err}");
}

#[test]
fn bad_dates_are_rejected() {
    let brands = BRANDS.replace("from = \"2018\"", "from = \"2018-13\"");
    let err = error_of(&[("brands.toml", &brands)]);
    assert!(
        err.contains("brand oldco: from: bad date \"2018-13\""),
        "{err}"
    );

    let brands = BRANDS.replace("until = \"2022-11-23\"", "until = \"2017\"");
    let err = error_of(&[("brands.toml", &brands)]);
    assert!(err.contains("from 2018 is after until 2017"), "{err}");

    let regimes = REGIMES.replace("date = \"2019-10\"", "date = \"October 2019\"");
    let err = error_of(&[("regimes.toml", &regimes)]);
    assert!(err.contains("regime flag: date: bad date"), "{err}");

    let err = error_of(&[("registry.toml", "version = \"x\"\ndate = \"2026-02-30\"")]);
    assert!(
        err.contains("registry.toml: registry registry: date: bad date"),
        "{err}"
    );
}

#[test]
fn other_rules() {
    // A brand may not repeat an entity.
    let brands = BRANDS.replace("id = \"relabel\"", "id = \"good\"");
    let err = error_of(&[("brands.toml", &brands)]);
    assert!(err.contains("brand good: is an entity"), "{err}");

    // One name may not point at two ids.
    let brands = BRANDS.replace(
        "aliases = [\"Relabel Technology\"]",
        "aliases = [\"ACME cam\"]",
    );
    let err = error_of(&[("brands.toml", &brands)]);
    assert!(
        err.contains("name \"ACME cam\" is also a name of acme"),
        "{err}"
    );

    // A former subsidiary has an end date.
    let brands = BRANDS.replace("until = \"2022-11-23\"\n", "");
    let err = error_of(&[("brands.toml", &brands)]);
    assert!(
        err.contains("former-subsidiary link needs an until date"),
        "{err}"
    );

    // Countries are ISO codes.
    let entities = ENTITIES.replace("jurisdiction = \"SE\"", "jurisdiction = \"Sweden\"");
    let err = error_of(&[("entities.toml", &entities)]);
    assert!(
        err.contains("entity good: jurisdiction \"Sweden\""),
        "{err}"
    );

    // A jurisdiction test needs its reasoning.
    let regimes = REGIMES.replace(
        "jurisdiction_basis = \"Companies of CN are read as covered.\"\n",
        "",
    );
    let err = error_of(&[("regimes.toml", &regimes)]);
    assert!(err.contains("needs a jurisdiction_basis"), "{err}");

    // Pattern examples are tests.
    let patterns = PATTERNS.replace("\"ac-200x\"", "\"AD-200\"");
    let err = error_of(&[("model_patterns.toml", &patterns)]);
    assert!(err.contains("example \"AD-200\" does not match"), "{err}");
    let patterns = PATTERNS.replace("'^AC-[0-9]{3}'", "'^AC-[0-9'");
    let err = error_of(&[("model_patterns.toml", &patterns)]);
    assert!(err.contains("regex does not compile"), "{err}");
}

#[test]
fn syntax_errors_name_file_and_line() {
    let err = error_of(&[("entities.toml", "[[entity]]\nid = \"x\"\nname = \n")]);
    assert!(
        err.starts_with("data/registry/entities.toml: line 3"),
        "{err}"
    );

    let err = error_of(&[("brands.toml", "[[brand]]\nid = \"x\"\ncolour = \"red\"\n")]);
    assert!(err.starts_with("data/registry/brands.toml: line"), "{err}");
    assert!(err.contains("colour"), "{err}");

    let err = error_of(&[("brands.toml", &BRANDS.replace("oem-reseller", "partner"))]);
    assert!(err.contains("brands.toml"), "{err}");
    assert!(err.contains("partner"), "{err}");
}

#[test]
fn missing_required_file_is_an_error_and_optional_ones_are_not() {
    let err = error_of(&[("coverage.toml", "<absent>")]);
    assert!(
        err.contains("data/registry/coverage.toml: missing: this file is required"),
        "{err}"
    );
    let r = load_with(&[("model_patterns.toml", "<absent>")]).unwrap();
    assert!(r.model_patterns().is_empty());
    let err = match Registry::from_texts("x", &[("notes.toml", "")]) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("unknown file accepted"),
    };
    assert!(err.contains("x/notes.toml: not a registry file"), "{err}");
}

#[test]
fn toml_errors_name_their_line() {
    let brands = format!("{BRANDS}\n[[brand]]\nid = \"x\"\ncolour = \"red\"\n");
    let line = brands
        .lines()
        .position(|l| l.starts_with("colour"))
        .map(|i| i + 1);
    let line = line.expect("the line is there");
    let err = error_of(&[("brands.toml", &brands)]);
    assert!(
        err.contains(&format!(
            "data/registry/brands.toml: line {line}: unknown field `colour`"
        )),
        "{err}"
    );
}

#[test]
fn all_problems_are_reported_together() {
    let entities = ENTITIES
        .replace(
            "sources = [\"https://example.org/acme-eu\"]",
            "sources = []",
        )
        .replace("parent = \"goodparent\"", "parent = \"nobody\"");
    let brands = BRANDS.replace("from = \"2018\"", "from = \"18\"");
    let err = load_with(&[("entities.toml", &entities), ("brands.toml", &brands)])
        .expect_err("broken registry loaded");
    assert_eq!(err.problems().len(), 3, "{err}");
    assert_eq!(err.to_string().lines().count(), 3, "{err}");
}

#[test]
fn from_dir_reads_the_same_format() {
    let dir = std::env::temp_dir().join(format!(
        "camaudit-registry-test-{}-{}",
        std::process::id(),
        line!()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [
        ("registry.toml", META),
        ("regimes.toml", REGIMES),
        ("entities.toml", ENTITIES),
        ("brands.toml", BRANDS),
        ("coverage.toml", COVERAGE),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let loaded = Registry::from_dir(&dir);
    std::fs::write(
        dir.join("brands.toml"),
        BRANDS.replace(
            "company = \"acme\"\nrelation = \"oem-reseller\"",
            "company = \"dahau\"\nrelation = \"oem-reseller\"",
        ),
    )
    .unwrap();
    let broken = Registry::from_dir(&dir).err().map(|e| e.to_string());
    let missing = Registry::from_dir(&dir.join("nowhere"))
        .err()
        .map(|e| e.to_string());
    std::fs::remove_dir_all(&dir).unwrap();

    let r = loaded.unwrap();
    assert_eq!(r.entities().count(), 6);
    let broken = broken.expect("broken dir loaded");
    let brands_path = dir.join("brands.toml").display().to_string();
    assert!(
        broken.starts_with(&format!("{brands_path}: brand relabel: company \"dahau\"")),
        "{broken}"
    );
    let missing = missing.expect("missing dir loaded");
    assert!(missing.contains("registry.toml: missing"), "{missing}");
}

#[test]
fn coverage_of_named_company_and_through_parent() {
    let r = good();
    let acme = r.coverage(&id("acme"));
    assert_eq!(
        r.coverage(&id("acme")),
        acme,
        "memoised findings are the same"
    );
    assert_eq!(regimes_of(&acme), ["ban", "by-country", "narrow-ban"]);
    assert!(acme.iter().all(|f| f.entity == id("acme")));
    let ban = &acme[0];
    assert!(!ban.interpretation);
    assert_eq!(ban.confidence, Level::High);
    assert_eq!(ban.from.as_deref(), Some("2020-01-01"));
    assert_eq!(ban.basis, "Named by the ban.");

    // A subsidiary is covered through its parent only where the regime
    // extends to subsidiaries; the narrow ban does not reach it.
    let sub = r.coverage(&id("acme-sub"));
    assert_eq!(regimes_of(&sub), ["ban", "by-country"]);
    let ban = &sub[0];
    assert_eq!(ban.entity, id("acme"));
    assert!(
        ban.basis.contains("acme-sub is controlled by acme"),
        "{}",
        ban.basis
    );
    // The link to the parent is medium, so the conclusion is too, and it
    // cites the subsidiary's sources for that link.
    assert_eq!(ban.confidence, Level::Medium);
    assert!(
        ban.sources
            .contains(&"https://example.org/acme-sub".to_string())
    );
    assert!(
        ban.sources
            .contains(&"https://example.org/ban#acme".to_string())
    );
    // By country the subsidiary is itself CN.
    let uk = &sub[1];
    assert_eq!(uk.entity, id("acme-sub"));
    assert!(uk.interpretation);
}

#[test]
fn jurisdiction_rule_is_an_interpretation_and_follows_owners() {
    let r = good();
    let zte = r.coverage(&id("zte"));
    assert_eq!(regimes_of(&zte), ["by-country"]);
    assert!(zte[0].interpretation);
    assert_eq!(zte[0].entity, id("zte"));
    assert_eq!(zte[0].confidence, Level::Medium);
    assert_eq!(zte[0].from.as_deref(), Some("2022-11-24"));
    assert!(
        zte[0]
            .basis
            .contains("Companies of CN are read as covered.")
    );

    // A German subsidiary of a CN company: by country through its parent.
    let eu = r.coverage(&id("acme-eu"));
    assert_eq!(regimes_of(&eu), ["ban", "by-country"]);
    assert_eq!(eu[1].entity, id("acme"));
    assert!(eu[1].interpretation);
    assert!(eu[1].basis.contains("acme-eu is controlled by acme"));
}

#[test]
fn uncovered_and_unknown_ids_have_no_findings() {
    let r = good();
    assert!(r.coverage(&id("good")).is_empty());
    assert!(r.risk_flags(&id("good")).is_empty());
    assert!(r.coverage(&id("nobody")).is_empty());
    // Brands are not entities: resolve them first.
    assert!(r.coverage(&id("relabel")).is_empty());
}

#[test]
fn risk_flags_are_kept_apart_from_coverage() {
    let r = good();
    assert_eq!(regimes_of(&r.risk_flags(&id("acme"))), ["flag"]);
    assert!(!regimes_of(&r.coverage(&id("acme"))).contains(&"flag"));
    // The flag does not extend to subsidiaries.
    assert!(r.risk_flags(&id("acme-sub")).is_empty());
}

#[test]
fn owner_chain_walks_parents() {
    let r = good();
    let chain: Vec<&str> = r
        .owner_chain(&id("acme-sub"))
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(chain, ["acme-sub", "acme"]);
    assert!(r.owner_chain(&id("relabel")).is_empty());
}

#[test]
fn owner_chain_is_cycle_safe_even_on_unvalidated_data() {
    let mut r = good();
    // Force a loop that validation would have refused.
    for e in r.entities.iter_mut() {
        if e.id == id("goodparent") {
            e.parent = Some(id("good"));
        }
    }
    let chain: Vec<&str> = r
        .owner_chain(&id("good"))
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(chain, ["good", "goodparent"]);
    assert!(r.coverage(&id("good")).is_empty());
}

#[test]
fn names_resolve_whole_and_tolerantly() {
    let r = good();
    let cases: HashMap<&str, Option<&str>> = HashMap::from([
        ("ACME", Some("acme")),
        ("acme cam", Some("acme")),
        ("Acme Vision Co., Ltd.", Some("acme")),
        ("Acme Vision", Some("acme")),
        ("acme-sub", Some("acme-sub")),
        ("Relabel Technology Inc.", Some("relabel")),
        ("zte corp", Some("zte")),
        ("Azteca", None),
        ("ZTE Mobile", None),
        ("", None),
        ("...", None),
    ]);
    for (name, want) in cases {
        assert_eq!(r.lookup_name(name), want.map(id), "{name:?}");
    }
}

#[test]
fn brands_and_vendors() {
    let r = good();
    let links = r.brand_links(&id("relabel"));
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].company, id("acme"));
    assert_eq!(
        links[0].relation.describe(),
        "OEM / white-label reseller of"
    );
    assert!(links[0].applies_to_model(Some("rl-2000")));
    assert!(!links[0].applies_to_model(Some("X-1")));
    assert!(!links[0].applies_to_model(None));
    assert!(r.brand_links(&id("acme")).is_empty());
    assert!(r.is_known_vendor(&id("acme")));
    assert!(r.is_known_vendor(&id("oldco")));
    assert!(!r.is_known_vendor(&id("nobody")));
    let old = r.brand_links(&id("oldco"));
    assert!(old[0].is_historical());
    assert_eq!(r.brands_of(&id("acme")).len(), 2);
}

#[test]
fn patterns_match_case_insensitively() {
    let r = good();
    let hits: Vec<&str> = r
        .match_model(" ac-123 ")
        .iter()
        .map(|p| p.vendor.as_str())
        .collect();
    assert_eq!(hits, ["acme"]);
    assert!(r.match_model("XAC-100").is_empty());
}

#[test]
fn levels_and_relations() {
    assert_eq!(Level::High.confidence().get(), 0.95);
    assert_eq!(Level::Medium.confidence().get(), 0.75);
    assert_eq!(Level::Low.confidence().get(), 0.4);
    assert_eq!(Level::High.weakest(Level::Low), Level::Low);
    assert_eq!(Level::Low.weakest(Level::Medium), Level::Low);
    assert_eq!(Level::Medium.weakest(Level::High), Level::Medium);
    assert_eq!(serde_json::to_string(&Level::Medium).unwrap(), "\"medium\"");
    assert_eq!(
        serde_json::to_string(&Relation::FormerSubsidiary).unwrap(),
        "\"former-subsidiary\""
    );
    assert_eq!(
        serde_json::to_string(&RegimeKind::ProcurementBan).unwrap(),
        "\"procurement-ban\""
    );
    assert_eq!(Relation::OwnBrand.describe(), "own brand of");
    assert_eq!(Relation::Subsidiary.as_str(), "subsidiary");
}

#[test]
fn endpoint_host_matching() {
    let e = Endpoint {
        vendor: id("acme"),
        service: "cloud".into(),
        hosts: vec!["p2p.acme.example".into(), "*.acmecloud.example".into()],
        ports: vec![],
        protocol: None,
        confidence: Level::High,
        sources: vec!["https://example.org".into()],
        notes: None,
    };
    assert!(e.matches_host("P2P.acme.example."));
    assert!(e.matches_host("eu.acmecloud.example"));
    assert!(!e.matches_host("acmecloud.example"));
    assert!(!e.matches_host("evilacmecloud.example"));
    assert!(!e.matches_host("x.p2p.acme.example"));
}

const KEV: &str = r#"
[[kev]]
cve = "CVE-2021-00001"
vendor = "acme"
catalog_vendor = "Acme"
product = "Cameras"
name = "Acme Camera Bug"
date_added = "2022-01-10"
confidence = "high"
sources = ["https://example.org/kev"]

[[kev.affected]]
products = "Acme AC cameras"
model_prefixes = ["AC-1"]
build_before = "2021-06-28"
fixed_in = "V5.5.800 build 210628"
confidence = "medium"
sources = ["https://example.org/advisory"]

[[kev.affected]]
products = "Acme AC-15 cameras, fixed later"
model_prefixes = ["AC-15"]
build_before = "2021-09"
confidence = "high"
sources = ["https://example.org/advisory-15"]

[[kev.affected]]
products = "Acme recorders on the 2.4 line"
model_prefixes = ["NVR"]
firmware_prefixes = ["2.4"]
build_before = "2020-02-17"
confidence = "medium"
sources = ["https://example.org/nvr"]

[[kev]]
cve = "CVE-2021-00002"
vendor = "acme"
catalog_vendor = "Acme"
product = "Cameras"
name = "Acme Undocumented Bug"
date_added = "2022-01-10"
confidence = "high"
sources = ["https://example.org/kev2"]
"#;

const EQUIVALENCES: &str = r#"
[[equivalence]]
brand = "relabel"
model = "RL-410"
aliases = ["Doorbell Pro"]
maker = "acme"
original_model = "DH-AC-410"
confidence = "medium"
sources = ["https://example.org/eq"]

[[equivalence]]
brand = "relabel"
model = "RL-410-B"
maker = "acme"
original_model = "AC-410-RU"
confidence = "low"
sources = ["https://example.org/eq2"]
notes = "one report"
"#;

fn with_kev() -> Registry {
    match load_with(&[("kev.toml", KEV), ("model_equivalences.toml", EQUIVALENCES)]) {
        Ok(r) => r,
        Err(e) => panic!("test registry with KEV ranges does not load:\n{e}"),
    }
}

fn verdicts(r: &Registry, model: Option<&str>, fw: Option<&str>) -> Vec<(String, KevStatus)> {
    r.kev_applicability(&id("acme"), model, fw)
        .into_iter()
        .map(|m| (m.cve.to_owned(), m.status))
        .collect()
}

#[test]
fn kev_ranges_decide_affected_fixed_and_unknown() {
    let r = with_kev();
    let first = |model: Option<&str>, fw: Option<&str>| verdicts(&r, model, fw)[0].1;
    assert_eq!(
        first(Some("AC-100"), Some("V5.5.0 build 210601")),
        KevStatus::Affected
    );
    assert_eq!(
        first(Some("ac-100"), Some("V5.5.800 build 210628")),
        KevStatus::NotAffected
    );
    assert_eq!(
        first(Some("AC-100"), Some("V5.7.1 build 230101")),
        KevStatus::NotAffected
    );
    // Firmware unknown or unreadable: the range is found, the verdict is not.
    assert_eq!(first(Some("AC-100"), None), KevStatus::Unknown);
    assert_eq!(first(Some("AC-100"), Some("V5.5.800")), KevStatus::Unknown);
    // A model outside every documented family, or none at all.
    assert_eq!(
        first(Some("ZZ-1"), Some("build 200101")),
        KevStatus::Unknown
    );
    assert_eq!(first(None, Some("build 200101")), KevStatus::Unknown);
    // The more specific prefix wins: AC-15 was fixed later.
    assert_eq!(
        first(Some("AC-150"), Some("build 210701")),
        KevStatus::Affected
    );
    assert_eq!(
        first(Some("AC-100"), Some("build 210701")),
        KevStatus::NotAffected
    );
    // Month precision: "2021-09" means before 2021-09-01.
    assert_eq!(
        first(Some("AC-150"), Some("build 210901")),
        KevStatus::NotAffected
    );
    // Model and firmware line must both fit.
    assert_eq!(
        first(Some("DH-NVR4108"), Some("V2.420.AC00.17.R.20191201")),
        KevStatus::Affected
    );
    assert_eq!(
        first(Some("NVR4108"), Some("2.420.AC00.18.R.20200217")),
        KevStatus::NotAffected
    );
    assert_eq!(
        first(Some("NVR4108"), Some("2.800.0000000.1.R.20190101")),
        KevStatus::Unknown
    );
    // An entry without ranges is always unknown, and says so.
    let all = r.kev_applicability(&id("acme"), Some("AC-100"), Some("build 200101"));
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].status, KevStatus::Unknown);
    assert!(all[1].reason.contains("no affected"), "{}", all[1].reason);
    assert!(all[1].range.is_none());
    // Other vendors have none.
    assert!(r.kev_applicability(&id("good"), None, None).is_empty());
}

#[test]
fn kev_matches_carry_reason_range_and_sources() {
    let r = with_kev();
    let m = &r.kev_applicability(&id("acme"), Some("AC-100"), Some("V5.5.0 build 210601"))[0];
    assert_eq!(m.status, KevStatus::Affected);
    assert_eq!(
        m.firmware_build.map(|b| b.to_string()).as_deref(),
        Some("2021-06-01")
    );
    assert!(
        m.reason.contains("2021-06-01 is before 2021-06-28"),
        "{}",
        m.reason
    );
    assert!(
        m.reason.contains("fixed in V5.5.800 build 210628"),
        "{}",
        m.reason
    );
    assert_eq!(
        m.range.map(|x| x.products.as_str()),
        Some("Acme AC cameras")
    );
    assert_eq!(
        m.sources(),
        ["https://example.org/kev", "https://example.org/advisory"]
    );
    assert_eq!(m.confidence(), Level::Medium);
    let json = serde_json::to_value(m).expect("serialises");
    assert_eq!(json["status"], "affected");
    assert_eq!(json["firmware_build"], "2021-06-01");
    assert_eq!(json["cve"], "CVE-2021-00001");
}

#[test]
fn kev_range_rules() {
    let bad = KEV
        .replace(
            "build_before = \"2021-06-28\"",
            "build_before = \"2021-13\"",
        )
        .replace(
            "build_before = \"2021-09\"",
            "build_before = \"2021-10\"\nfixed_in = \"build 210901\"",
        )
        .replace(
            "products = \"Acme recorders on the 2.4 line\"",
            "products = \" \"",
        );
    let e = error_of(&[("kev.toml", &bad)]);
    assert!(
        e.contains("kev CVE-2021-00001 affected[1]: build_before: bad date"),
        "{e}"
    );
    assert!(
        e.contains("affected[2]: fixed_in is dated 2021-09-01, before build_before 2021-10-01"),
        "{e}"
    );
    assert!(e.contains("affected[3]: products is empty"), "{e}");

    let vague = "[[kev]]\ncve = \"CVE-2021-00003\"\nvendor = \"acme\"\ncatalog_vendor = \"A\"\nproduct = \"P\"\nname = \"N\"\ndate_added = \"2022-01-10\"\nconfidence = \"high\"\nsources = [\"https://example.org/k\"]\n\n[[kev.affected]]\nproducts = \"All\"\nconfidence = \"low\"\n";
    let e = error_of(&[("kev.toml", vague)]);
    assert!(e.contains("affected[1]: no sources"), "{e}");
    assert!(e.contains("give build_before, fixed_in or versions"), "{e}");

    let typo = KEV.replace("model_prefixes = [\"AC-1\"]", "model_prefix = [\"AC-1\"]");
    let e = error_of(&[("kev.toml", &typo)]);
    assert!(e.contains("kev.toml: line"), "{e}");
    assert!(e.contains("model_prefix"), "{e}");
}

#[test]
fn equivalences_match_either_side_and_variants() {
    let r = with_kev();
    assert_eq!(r.equivalences().len(), 2);
    let models = |q: &str| -> Vec<&str> {
        r.equivalents_of(q)
            .iter()
            .map(|e| e.model.as_str())
            .collect()
    };
    assert_eq!(models("RL-410"), ["RL-410"]);
    assert_eq!(models(" rl -410 "), ["RL-410"]);
    assert_eq!(models("Doorbell Pro"), ["RL-410"]);
    assert_eq!(models("AC-410"), ["RL-410"], "the DH- tag is ignored");
    assert_eq!(models("DHI-AC-410"), ["RL-410"]);
    // Exact first, then the variant match.
    assert_eq!(models("RL-410-B"), ["RL-410-B", "RL-410"]);
    assert_eq!(models("RL-410-28MM"), ["RL-410"]);
    assert!(models("RL-41").is_empty());
    assert!(models("RL-4100").is_empty());
    assert!(models("").is_empty());
    let e = r.equivalents_of("RL-410")[0];
    assert_eq!((e.brand.as_str(), e.maker.as_str()), ("relabel", "acme"));
    assert_eq!(e.original_model, "DH-AC-410");
}

#[test]
fn equivalence_rules() {
    let bad = r#"
[[equivalence]]
brand = "nobody"
model = "X-1"
maker = "acme"
original_model = "AC-1"
confidence = "low"
sources = ["https://example.org/a"]

[[equivalence]]
brand = "acme"
model = "X-2"
maker = "relabel"
original_model = "AC-2"
confidence = "low"
sources = ["https://example.org/a"]

[[equivalence]]
brand = "relabel"
model = " "
maker = "acme"
original_model = "AC-3"
confidence = "low"
sources = ["https://example.org/a"]

[[equivalence]]
brand = "relabel"
model = "RL-9"
maker = "acme"
original_model = "AC-9"
confidence = "low"

[[equivalence]]
brand = "relabel"
model = "rl- 9"
maker = "acme"
original_model = "AC-9"
confidence = "low"
sources = ["https://example.org/a"]
"#;
    let e = error_of(&[("model_equivalences.toml", bad)]);
    assert!(
        e.contains("model_equivalences.toml: equivalence nobody/X-1: brand \"nobody\" is not an entity or brand"),
        "{e}"
    );
    assert!(
        e.contains("acme/X-2: maker \"relabel\" is not an entity"),
        "{e}"
    );
    assert!(
        e.contains("relabel/ : model and original_model must not be empty"),
        "{e}"
    );
    assert!(e.contains("relabel/RL-9: no sources"), "{e}");
    assert!(e.contains("relabel/rl- 9: duplicate"), "{e}");
    // The file is optional.
    assert!(good().equivalences().is_empty());
}

#[test]
fn via_records_where_a_cited_source_was_read() {
    let entities = ENTITIES.replacen(
        "sources = [\"https://example.org/acme\"]",
        "sources = [\"https://example.org/acme\"]\nvia = { \"https://example.org/acme\" = \"https://copy.example.net/acme\" }",
        1,
    );
    let r = match load_with(&[("entities.toml", &entities)]) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let acme = r.entity(&id("acme")).unwrap();
    assert_eq!(
        acme.via.get("https://example.org/acme").map(String::as_str),
        Some("https://copy.example.net/acme")
    );
}

#[test]
fn via_must_name_a_cited_source_and_a_real_address() {
    let entities = ENTITIES.replacen(
        "sources = [\"https://example.org/acme\"]",
        "sources = [\"https://example.org/acme\"]\nvia = { \"https://example.org/elsewhere\" = \"a copy somewhere\" }",
        1,
    );
    let err = error_of(&[("entities.toml", &entities)]);
    assert!(
        err.contains("entity acme: via names \"https://example.org/elsewhere\", which is not one of its sources"),
        "{err}"
    );
    assert!(err.contains("entity acme: via \"https://example.org/elsewhere\": source \"a copy somewhere\" contains spaces"), "{err}");
}
