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
