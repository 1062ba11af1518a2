//! The compiled rule set: rules grouped by the field they read, each group a
//! single multi-pattern matcher, so the cost of matching an observation does
//! not grow with the number of rules for other fields, and grows slowly with
//! the rules for its own.

use std::collections::HashMap;
use std::path::Path;

use camaudit_model::text::line_of_offset;
use regex::{RegexSet, RegexSetBuilder};

use crate::error::{RuleError, RuleErrors};
use crate::rule::{Captured, FieldSelector, Rule};
use crate::spec::RuleFileSpec;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

const SET_SIZE_LIMIT: usize = 64 << 20;

/// One rule that matched a value, with what its capture groups pulled out.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub rule: &'a Rule,
    pub captured: Captured,
}

/// The rules that read one field (or one field prefix), as one matcher.
#[derive(Debug)]
struct Group {
    set: RegexSet,
    rules: Vec<usize>,
}

impl Group {
    fn build(rules: &[Rule], members: Vec<usize>, key: &str) -> Result<Group, RuleError> {
        let set = RegexSetBuilder::new(members.iter().map(|&i| rules[i].pattern.as_str()))
            .size_limit(SET_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                RuleError::in_file(
                    "rule set",
                    format!("rules for field {key:?} do not compile together: {e}"),
                )
            })?;
        Ok(Group {
            set,
            rules: members,
        })
    }
}

/// A validated, compiled set of fingerprint rules.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_field: HashMap<String, Group>,
    by_prefix: Vec<(String, Group)>,
}

impl RuleSet {
    /// The rules compiled into the binary from `data/rules/`.
    pub fn builtin() -> Result<RuleSet, RuleErrors> {
        RuleSet::from_sources(builtin_sources())
    }

    /// The built-in rules plus every `*.toml` file in each of `dirs`.
    pub fn builtin_with_dirs(dirs: &[&Path]) -> Result<RuleSet, RuleErrors> {
        let mut sources = builtin_sources();
        for dir in dirs {
            sources.extend(read_dir_sources(dir)?);
        }
        RuleSet::from_sources(sources)
    }

    /// Compiles rule files given as (name, TOML text). Every problem in every
    /// file is reported, not just the first.
    pub fn from_sources(sources: Vec<(String, String)>) -> Result<RuleSet, RuleErrors> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (origin, text) in &sources {
            match toml::from_str::<RuleFileSpec>(text) {
                Ok(file) => {
                    for spec in file.rule {
                        match Rule::from_spec(spec, origin) {
                            Ok(r) => rules.push(r),
                            Err(e) => errors.push(e),
                        }
                    }
                }
                Err(e) => errors.push(RuleError::in_file(origin, toml_error(&e, text))),
            }
        }
        check_unique_ids(&rules, &mut errors);
        if !errors.is_empty() {
            return Err(RuleErrors(errors));
        }
        RuleSet::compile(rules).map_err(|e| RuleErrors(vec![e]))
    }

    fn compile(rules: Vec<Rule>) -> Result<RuleSet, RuleError> {
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut prefixed: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            match &rule.fields {
                FieldSelector::Exact(fields) => {
                    for f in fields {
                        exact.entry(f.as_str().to_owned()).or_default().push(i);
                    }
                }
                FieldSelector::Prefix(p) => match prefixed.iter_mut().find(|(q, _)| q == p) {
                    Some((_, members)) => members.push(i),
                    None => prefixed.push((p.clone(), vec![i])),
                },
            }
        }
        let mut by_field = HashMap::with_capacity(exact.len());
        for (field, members) in exact {
            let group = Group::build(&rules, members, &field)?;
            by_field.insert(field, group);
        }
        let by_prefix = prefixed
            .into_iter()
            .map(|(p, members)| Group::build(&rules, members, &p).map(|g| (p, g)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RuleSet {
            rules,
            by_field,
            by_prefix,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// True when some rule reads this field, so producers and the engine can
    /// skip the rest cheaply.
    pub fn reads(&self, field: &str) -> bool {
        self.by_field.contains_key(field)
            || self.by_prefix.iter().any(|(p, _)| field.starts_with(p))
    }

    /// Appends to `out` every rule that matches `value` read as `field`.
    pub fn matches<'a>(&'a self, field: &str, value: &str, out: &mut Vec<Hit<'a>>) {
        if let Some(group) = self.by_field.get(field) {
            self.match_group(group, value, out);
        }
        for (prefix, group) in &self.by_prefix {
            if field.starts_with(prefix.as_str()) {
                self.match_group(group, value, out);
            }
        }
    }

    fn match_group<'a>(&'a self, group: &Group, value: &str, out: &mut Vec<Hit<'a>>) {
        // Most values match nothing; `is_match` answers that on the fast path
        // and stops early, so the full multi-match runs only on real hits.
        if !group.set.is_match(value) {
            return;
        }
        for member in group.set.matches(value).iter() {
            let rule = &self.rules[group.rules[member]];
            // The set has already proved the match; only `unless` and the
            // captures remain.
            if rule.excluded(value) {
                continue;
            }
            out.push(Hit {
                rule,
                captured: rule.capture(value),
            });
        }
    }

    /// Convenience for tests and one-off checks.
    pub fn match_value(&self, field: &str, value: &str) -> Vec<Hit<'_>> {
        let mut out = Vec::new();
        self.matches(field, value, &mut out);
        out
    }
}

fn builtin_sources() -> Vec<(String, String)> {
    BUILTIN_RULE_FILES
        .iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
        .collect()
}

fn read_dir_sources(dir: &Path) -> Result<Vec<(String, String)>, RuleErrors> {
    let fail = |problem: String| {
        RuleErrors(vec![RuleError::in_file(
            &dir.display().to_string(),
            problem,
        )])
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| fail(format!("cannot read rule directory: {e}")))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(fail("no *.toml rule files in this directory".into()));
    }
    paths
        .into_iter()
        .map(|p| {
            let name = p.display().to_string();
            std::fs::read_to_string(&p)
                .map(|text| (name.clone(), text))
                .map_err(|e| {
                    RuleErrors(vec![RuleError::in_file(&name, format!("cannot read: {e}"))])
                })
        })
        .collect()
}

fn check_unique_ids(rules: &[Rule], errors: &mut Vec<RuleError>) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for r in rules {
        if let Some(first) = seen.insert(&r.id, &r.origin) {
            errors.push(RuleError::in_rule(
                &r.origin,
                &r.id,
                format!("duplicate id (also defined in {first})"),
            ));
        }
    }
}

/// "line 12: unknown field `colour`": where in the file, for the author.
fn toml_error(e: &toml::de::Error, text: &str) -> String {
    let msg = e.message().trim();
    match e.span() {
        Some(span) => format!("line {}: {msg}", line_of_offset(text, span.start).0),
        None => msg.to_owned(),
    }
}
