//! Disputed jurisdictions (`[[entity.reading]]`) and model-line exceptions
//! (`[[brand.exception]]`): how they load and what the loader refuses.

use super::tests::{ENTITIES, error_of, id, load_with};

/// A company whose control is disputed: independent in the US, or
/// controlled by `acme` (CN).
const SPLIT: &str = r#"
[[entity]]
id = "splitco"
name = "SplitCo Systems Inc."
jurisdiction = "US"
confidence = "high"
sources = ["https://example.org/splitco"]

[[entity.reading]]
basis = "SplitCo says it has been independent of Acme since its 2022 split."
confidence = "medium"
sources = ["https://example.org/splitco/split"]

[[entity.reading]]
parent = "acme"
parent_relation = "founders and supply chain shared with Acme"
basis = "Regulators say SplitCo is still controlled from Acme's home country."
confidence = "medium"
sources = ["https://example.org/regulator"]
"#;

/// Relabel's relation to acme, with a line made elsewhere (`good`) and a
/// line only one forum post says is not acme's.
const EXCEPTED: &str = r#"
[[brand]]
id = "relabel"
name = "Relabel"
company = "acme"
relation = "oem-reseller"
confidence = "medium"
sources = ["https://example.org/relabel"]

[[brand.exception]]
model_prefixes = ["RL-N"]
basis = "Relabel markets its RL-N line as NDAA-compliant, made by Good."
made_by = "good"
confidence = "medium"
sources = ["https://example.org/relabel/ndaa"]

[[brand.exception]]
model_prefixes = ["RL-X"]
basis = "One forum post says the RL-X line is not Acme's."
confidence = "low"
sources = ["https://example.org/forum/rl-x"]
notes = "A single community report."
"#;

fn entities_with(extra: &str) -> String {
    format!("{ENTITIES}{extra}")
}

/// The 1-based line of the `n`th (1-based) occurrence of `needle`.
fn line_of(text: &str, needle: &str, n: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == needle)
        .nth(n - 1)
        .map(|(i, _)| i + 1)
        .expect("the needle is in the text")
}

#[test]
fn readings_load_with_their_own_parents_and_jurisdictions() {
    let r = load_with(&[("entities.toml", &entities_with(SPLIT))]).unwrap();
    let e = r.entity(&id("splitco")).unwrap();
    assert_eq!(e.readings.len(), 2);
    assert_eq!(e.readings[0].jurisdiction, "US", "defaults to the entity's");
    assert_eq!(e.readings[0].parent, None);
    assert_eq!(e.readings[1].parent, Some(id("acme")));
    assert!(e.parent.is_none());
}

#[test]
fn exceptions_load_on_their_relation() {
    let r = load_with(&[("brands.toml", EXCEPTED)]).unwrap();
    let link = r.brand_links(&id("relabel"))[0];
    assert_eq!(link.exceptions.len(), 2);
    assert!(link.applies_to_model(Some("RL-100")));
    // A firm exception takes its line out of the relation …
    assert!(!link.applies_to_model(Some("rl-n200")));
    assert_eq!(
        link.exception_for(Some("RL-N200"))
            .and_then(|e| e.made_by.clone()),
        Some(id("good"))
    );
    // … a weak one leaves it in, to be weighed.
    assert!(link.applies_to_model(Some("RL-X1")));
    assert!(!link.exception_for(Some("RL-X1")).unwrap().is_firm());
    assert!(link.exception_for(None).is_none());
}

#[test]
fn reading_problems_name_file_line_entity_and_reading() {
    let bad = SPLIT.replacen("parent = \"acme\"", "parent = \"acmee\"", 1);
    let text = entities_with(&bad);
    let err = error_of(&[("entities.toml", &text)]);
    let line = line_of(&text, "[[entity.reading]]", 2);
    assert_eq!(
        err,
        format!(
            "data/registry/entities.toml:{line}: entity splitco reading 2: parent \"acmee\" is not an entity"
        )
    );
}

#[test]
fn reading_rules() {
    let cases: &[(&str, String, &str)] = &[
        (
            "one reading",
            SPLIT[..SPLIT.rfind("[[entity.reading]]").unwrap_or(0)].to_owned(),
            "one reading is not a dispute",
        ),
        (
            "own parent",
            SPLIT.replace(
                "jurisdiction = \"US\"\nconfidence",
                "jurisdiction = \"US\"\nparent = \"acme\"\nconfidence",
            ),
            "has no parent of its own",
        ),
        (
            "same twice",
            SPLIT.replace("parent = \"acme\"\nparent_relation = \"founders and supply chain shared with Acme\"\n", ""),
            "readings must differ",
        ),
        (
            "country",
            SPLIT.replace("parent = \"acme\"\n", "jurisdiction = \"China\"\nparent = \"acme\"\n"),
            "\"China\" is not an ISO 3166",
        ),
        (
            "no sources",
            SPLIT.replace("sources = [\"https://example.org/regulator\"]", "sources = []"),
            "no sources",
        ),
        (
            "remark as source",
            SPLIT.replace("\"https://example.org/regulator\"", "\"a regulator said so\""),
            "contains spaces",
        ),
        (
            "empty basis",
            SPLIT.replace(
                "\"Regulators say SplitCo is still controlled from Acme's home country.\"",
                "\" \"",
            ),
            "basis is empty",
        ),
        (
            "itself",
            SPLIT.replace("parent = \"acme\"", "parent = \"splitco\""),
            "is its own parent",
        ),
        (
            "unknown field",
            SPLIT.replace("basis = \"SplitCo says", "colour = \"red\"\nbasis = \"SplitCo says"),
            "unknown field `colour`",
        ),
    ];
    for (what, text, expected) in cases {
        let err = error_of(&[("entities.toml", &entities_with(text))]);
        assert!(err.contains(expected), "{what}: {err}");
        assert!(
            err.starts_with("data/registry/entities.toml"),
            "{what}: {err}"
        );
    }
}

#[test]
fn a_reading_that_leads_back_to_its_entity_is_a_cycle() {
    // acme-sub's parent is acme; a reading making acme controlled by
    // acme-sub closes the loop.
    let loop_ = r#"
[[entity]]
id = "loopy"
name = "Loopy Ltd"
jurisdiction = "HK"
confidence = "low"
sources = ["https://example.org/loopy"]

[[entity.reading]]
parent = "loopy-holder"
basis = "Held by Loopy Holder."
confidence = "low"
sources = ["https://example.org/loopy/a"]

[[entity.reading]]
jurisdiction = "CN"
basis = "Run from Shenzhen."
confidence = "low"
sources = ["https://example.org/loopy/b"]

[[entity]]
id = "loopy-holder"
name = "Loopy Holder Ltd"
jurisdiction = "HK"
parent = "loopy"
confidence = "low"
sources = ["https://example.org/loopy-holder"]
"#;
    let err = error_of(&[("entities.toml", &entities_with(loop_))]);
    assert!(
        err.contains("entity loopy reading 1: parent cycle"),
        "{err}"
    );
}

#[test]
fn exception_rules() {
    let cases: &[(&str, String, &str)] = &[
        (
            "no prefixes",
            EXCEPTED.replace("model_prefixes = [\"RL-N\"]\n", ""),
            "exception 1: no model_prefixes",
        ),
        (
            "empty prefix",
            EXCEPTED.replace("[\"RL-X\"]", "[\" \"]"),
            "exception 2: model_prefixes entry is empty",
        ),
        (
            "unknown maker",
            EXCEPTED.replace("made_by = \"good\"", "made_by = \"godo\""),
            "made_by \"godo\" is not an entity",
        ),
        (
            "own company",
            EXCEPTED.replace("made_by = \"good\"", "made_by = \"acme\""),
            "made_by is the relation's own company",
        ),
        (
            "no sources",
            EXCEPTED.replace(
                "sources = [\"https://example.org/forum/rl-x\"]",
                "sources = []",
            ),
            "exception 2: no sources",
        ),
        (
            "empty basis",
            EXCEPTED.replace(
                "\"One forum post says the RL-X line is not Acme's.\"",
                "\"\"",
            ),
            "basis is empty",
        ),
    ];
    for (what, text, expected) in cases {
        let err = error_of(&[("brands.toml", text)]);
        assert!(err.contains(expected), "{what}: {err}");
    }
    let bad = EXCEPTED.replace("made_by = \"good\"", "made_by = \"godo\"");
    let err = error_of(&[("brands.toml", &bad)]);
    let line = line_of(&bad, "[[brand.exception]]", 1);
    assert!(
        err.starts_with(&format!(
            "data/registry/brands.toml:{line}: brand relabel exception 1:"
        )),
        "{err}"
    );
}

fn split_registry(split: &str) -> crate::Registry {
    match load_with(&[("entities.toml", &entities_with(split))]) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

fn regimes(findings: &[crate::CoverageFinding]) -> Vec<&str> {
    findings.iter().map(|f| f.regime.as_str()).collect()
}

#[test]
fn a_regime_that_covers_under_some_readings_only_is_disputed() {
    let r = split_registry(SPLIT);
    let split = id("splitco");
    assert!(r.coverage(&split).is_empty(), "no guess either way");
    let disputed = r.disputed_coverage(&split);
    let names: Vec<&str> = disputed.iter().map(|d| d.regime.as_str()).collect();
    // `ban` names acme and reaches subsidiaries; `by-country` tests CN;
    // `narrow-ban` does not reach subsidiaries, so neither reading.
    assert_eq!(names, ["ban", "by-country"]);
    let ban = &disputed[0];
    assert_eq!(ban.outcomes.len(), 2);
    assert_eq!(ban.outcomes[0].readings[0].reading, 1);
    assert!(ban.outcomes[0].finding.is_none());
    let covering = ban.outcomes[1].finding.as_ref().unwrap();
    assert_eq!(covering.entity, id("acme"));
    assert!(
        covering.basis.contains("splitco (reading 2) → acme"),
        "{}",
        covering.basis
    );
    assert!(
        covering
            .sources
            .contains(&"https://example.org/regulator".to_owned())
    );
    assert_eq!(
        ban.describe(),
        "readings disagree: ban covers it under splitco reading 2 (controlled by acme), not under splitco reading 1 (a company of US with no controlling company)"
    );
    assert!(
        ban.sources()
            .contains(&"https://example.org/splitco/split".to_owned())
    );
}

#[test]
fn a_regime_that_covers_under_every_reading_covers() {
    // Reading 1 now puts the company itself in CN: the jurisdiction test
    // covers it either way, the ban (which names acme) still only under 2.
    let split = SPLIT.replacen(
        "[[entity.reading]]\nbasis",
        "[[entity.reading]]\njurisdiction = \"CN\"\nbasis",
        1,
    );
    let r = split_registry(&split);
    let s = id("splitco");
    assert_eq!(regimes(&r.coverage(&s)), ["by-country"]);
    let disputed = r.disputed_coverage(&s);
    assert_eq!(disputed.len(), 1);
    assert_eq!(disputed[0].regime, "ban");
}

#[test]
fn a_company_controlled_by_a_disputed_one_inherits_the_dispute() {
    let child = r#"
[[entity]]
id = "splitco-eu"
name = "SplitCo Europe BV"
jurisdiction = "NL"
parent = "splitco"
confidence = "high"
sources = ["https://example.org/splitco-eu"]
"#;
    let r = split_registry(&format!("{SPLIT}{child}"));
    let eu = id("splitco-eu");
    assert!(r.coverage(&eu).is_empty());
    assert_eq!(r.disputed_coverage(&eu).len(), 2);
}

#[test]
fn undisputed_findings_name_their_weakest_link() {
    let r = load_with(&[]).unwrap();
    // acme-sub (medium) → acme (high), named by `ban` (high).
    let f = r.coverage(&id("acme-sub"));
    let ban = f.iter().find(|f| f.regime == "ban").unwrap();
    assert_eq!(ban.weakest_link.level, crate::Level::Medium);
    assert_eq!(
        ban.weakest_link.claim,
        "acme-sub → acme (controlling shareholder)"
    );
    // The jurisdiction test is the regime's reading (medium), not the
    // company's jurisdiction (high).
    let f = r.coverage(&id("acme"));
    let uk = f.iter().find(|f| f.regime == "by-country").unwrap();
    assert_eq!(
        uk.weakest_link.claim,
        "by-country read as covering companies of CN (an interpretation)"
    );
}

mod strength {
    use super::*;
    use crate::{Level, Link, coverage_strength};
    use camaudit_model::Verdict;

    #[test]
    fn a_low_link_anywhere_makes_coverage_likely() {
        let r = load_with(&[]).unwrap();
        let holding = r.coverage(&id("acme"));
        let strong = Link::new("platform evidence names acme", Level::High, Vec::new());
        let s = coverage_strength(&[strong], &holding, &[]).unwrap();
        assert_eq!(s.verdict, Verdict::Covered);
        // The best-supported regime speaks (`ban` names acme at high); of
        // equal links the one nearest the regime is named.
        assert_eq!(s.weakest_link, "ban names acme (high)");

        let weak = Link::new(
            "label relabel → OEM / white-label reseller of acme",
            Level::Low,
            Vec::new(),
        );
        let s = coverage_strength(&[weak], &holding, &[]).unwrap();
        assert_eq!(s.verdict, Verdict::LikelyCovered);
        assert_eq!(
            s.weakest_link,
            "label relabel → OEM / white-label reseller of acme (low)"
        );
        assert!((s.weakest_confidence.get() - 0.4).abs() < 1e-9);
        assert!(coverage_strength(&[], &[], &[]).is_none());
    }

    #[test]
    fn a_dispute_is_its_own_verdict_unless_a_regime_covers_regardless() {
        let r = split_registry(SPLIT);
        let s = id("splitco");
        let d = coverage_strength(&[], &r.coverage(&s), &r.disputed_coverage(&s)).unwrap();
        assert_eq!(d.verdict, Verdict::Disputed);
        assert_eq!(d.disputed_by, ["ban", "by-country"]);
        assert!(
            d.weakest_link
                .starts_with("readings disagree: ban covers it")
        );

        let acme = r.coverage(&id("acme"));
        let c = coverage_strength(&[], &acme, &r.disputed_coverage(&s)).unwrap();
        assert_eq!(c.verdict, Verdict::Covered);
        assert!(c.disputed_by.is_empty());
    }

    #[test]
    fn evidence_confidence_maps_to_levels() {
        let c = |v| camaudit_model::Confidence::new(v).unwrap();
        assert_eq!(Level::from_confidence(c(0.99)), Level::High);
        assert_eq!(Level::from_confidence(c(0.9)), Level::High);
        assert_eq!(Level::from_confidence(c(0.675)), Level::Medium);
        assert_eq!(Level::from_confidence(c(0.5)), Level::Medium);
        assert_eq!(Level::from_confidence(c(0.36)), Level::Low);
    }
}
