//! Every built-in rule loads, and every example in `data/rules/` passes.

use camaudit_rules::RuleSet;

#[test]
fn builtin_rules_load_and_every_example_passes() {
    let set = RuleSet::builtin().unwrap_or_else(|e| panic!("built-in rules do not load:\n{e}"));
    let failures = set.self_test();
    let report: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
    assert!(
        failures.is_empty(),
        "{} of the built-in rule examples fail:\n{}",
        failures.len(),
        report.join("\n")
    );
}

/// The makers issue 2 names: the covered ones and the trusted ones that must
/// never be called covered. Each needs rules that name it as manufacturer.
const REQUIRED_MAKERS: [&str; 19] = [
    "hikvision",
    "dahua",
    "uniview",
    "ezviz",
    "imou",
    "tvt",
    "tiandy",
    "xiongmai",
    "huawei",
    "axis",
    "hanwha",
    "bosch",
    "avigilon",
    "mobotix",
    "vivotek",
    "i-pro",
    "sony",
    "pelco",
    "ubiquiti",
];

#[test]
fn every_required_maker_has_manufacturer_rules() {
    let set = RuleSet::builtin().unwrap_or_else(|e| panic!("built-in rules do not load:\n{e}"));
    let missing: Vec<&str> = REQUIRED_MAKERS
        .iter()
        .copied()
        .filter(|maker| {
            !set.rules().iter().any(|r| {
                r.asserts
                    .manufacturer
                    .as_ref()
                    .is_some_and(|m| m.as_str() == *maker)
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no rule asserts manufacturer for: {missing:?}"
    );
}

/// The field vocabulary is a stable contract (docs/fields.md): every field a
/// built-in rule reads must be documented there, exactly or by a pattern
/// such as `http.header.<name>` or `sadp.<tag>`.
#[test]
fn every_field_the_rules_read_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/fields.md"))
        .expect("docs/fields.md is readable");
    let documented: Vec<&str> = doc
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| !s.contains(' ') && s.contains(|c: char| c.is_ascii_lowercase()))
        .collect();
    let covers = |field: &str| {
        documented.iter().any(|d| match d.find('<') {
            // `sadp.<tag>` is a wildcard; a bare `<title>` in prose is not.
            Some(i) if i > 0 && d[..i].ends_with('.') => {
                field.starts_with(&d[..i]) && field.len() > i
            }
            Some(_) => false,
            None => *d == field,
        })
    };
    let set = RuleSet::builtin().unwrap_or_else(|e| panic!("built-in rules do not load:\n{e}"));
    let mut missing: Vec<String> = Vec::new();
    for rule in set.rules() {
        let fields: Vec<String> = match &rule.fields {
            camaudit_rules::FieldSelector::Exact(f) => {
                f.iter().map(|f| f.as_str().to_owned()).collect()
            }
            camaudit_rules::FieldSelector::Prefix(p) => vec![p.clone()],
        };
        for f in fields {
            if !covers(&f) && !missing.contains(&f) {
                missing.push(f);
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "fields read by rules but not in docs/fields.md: {missing:?}"
    );
}
