use std::fmt;

/// A problem with one rule file, named by file and (when known) rule id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleError {
    pub origin: String,
    pub rule: Option<String>,
    pub problem: String,
}

impl RuleError {
    pub(crate) fn in_file(origin: &str, problem: String) -> Self {
        RuleError {
            origin: origin.to_owned(),
            rule: None,
            problem,
        }
    }

    pub(crate) fn in_rule(origin: &str, rule: &str, problem: String) -> Self {
        RuleError {
            origin: origin.to_owned(),
            rule: Some(rule.to_owned()),
            problem,
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(id) => write!(f, "{}: rule {}: {}", self.origin, id, self.problem),
            None => write!(f, "{}: {}", self.origin, self.problem),
        }
    }
}

/// Every problem found while loading a rule set, so that one run lists them
/// all instead of making the author fix them one at a time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleErrors(pub Vec<RuleError>);

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}
