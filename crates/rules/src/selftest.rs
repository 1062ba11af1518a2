//! Runs every rule's examples against the whole compiled set, the way the
//! rules will really be used, so that a rule which works alone but is
//! overruled by a neighbour is caught too.

use std::fmt;

use camaudit_model::SetBy;

use crate::rule::{Captured, Rule};
use crate::set::RuleSet;

/// One example that did not behave as its rule says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub origin: String,
    pub rule: String,
    pub value: String,
    pub problem: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: rule {}: example {:?}: {}",
            self.origin, self.rule, self.value, self.problem
        )
    }
}

impl RuleSet {
    /// Checks every example and not-example of every rule; empty when all pass.
    pub fn self_test(&self) -> Vec<ExampleFailure> {
        let mut failures = Vec::new();
        for rule in self.rules() {
            check_rule(self, rule, &mut failures);
        }
        failures
    }
}

fn check_rule(set: &RuleSet, rule: &Rule, failures: &mut Vec<ExampleFailure>) {
    let mut fail = |value: &str, problem: String| {
        failures.push(ExampleFailure {
            origin: rule.origin.clone(),
            rule: rule.id.clone(),
            value: value.to_owned(),
            problem,
        })
    };
    for ex in &rule.examples {
        let hits = set.match_value(&ex.field, &ex.value);
        let Some(own) = hits.iter().find(|h| h.rule.id == rule.id) else {
            fail(
                &ex.value,
                format!("does not match (fed as field {})", ex.field),
            );
            continue;
        };
        if let Some(problem) = capture_mismatch(&ex.expect, &own.captured) {
            fail(&ex.value, problem);
        }
        if let Some(problem) = beyond_a_user_value(rule, &ex.field, &ex.value, &own.captured) {
            fail(&ex.value, problem);
        }
        let own_maker = rule.asserts.manufacturer.as_ref();
        for other in &hits {
            let other_maker = other.rule.asserts.manufacturer.as_ref();
            let disagrees =
                own_maker.is_some() && other_maker.is_some() && other_maker != own_maker;
            if disagrees && other.rule.confidence >= rule.confidence {
                fail(
                    &ex.value,
                    format!(
                        "rule {} ({}) also matches and asserts manufacturer {} with confidence {} >= {}",
                        other.rule.id,
                        other.rule.origin,
                        other_maker.map(|m| m.as_str()).unwrap_or_default(),
                        other.rule.confidence.get(),
                        rule.confidence.get()
                    ),
                );
            }
        }
    }
    for value in &rule.not_examples {
        if rule.match_value(value).is_some() {
            fail(value, "matches, but is listed in not_examples".into());
        }
    }
}

/// A value whoever installed the device sets (an ONVIF name scope, a host
/// name) is a label hint at most: a rule that reads one may assert the brand
/// it names, nothing more. The identify engine drops the rest anyway; this
/// says so to the rule's author.
fn beyond_a_user_value(
    rule: &Rule,
    field: &str,
    value: &str,
    captured: &Captured,
) -> Option<String> {
    if camaudit_model::set_by(field, value) != SetBy::User {
        return None;
    }
    let captures = !captured.is_empty();
    (rule.asserts.beyond_label() || rule.asserts.device_type.is_some() || captures).then(|| {
        format!(
            "{field} is set by the user here (docs/fields.md): a rule reading it may assert label_vendor only, not manufacturer, platform, device_type, not_manufacturer or captures"
        )
    })
}

fn capture_mismatch(expect: &Captured, got: &Captured) -> Option<String> {
    let mut problems = Vec::new();
    let mut check = |name: &str, want: Option<String>, got: Option<String>| {
        if want.is_some() && want != got {
            problems.push(format!("{name}: expected {want:?}, captured {got:?}"));
        }
    };
    check("model", expect.model.clone(), got.model.clone());
    check("firmware", expect.firmware.clone(), got.firmware.clone());
    check("serial", expect.serial.clone(), got.serial.clone());
    check(
        "build_date",
        expect.build_date.clone(),
        got.build_date.clone(),
    );
    check(
        "mac",
        expect.mac.map(|m| m.to_string()),
        got.mac.map(|m| m.to_string()),
    );
    if problems.is_empty() {
        None
    } else {
        Some(problems.join("; "))
    }
}
