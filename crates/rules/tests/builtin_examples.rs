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
