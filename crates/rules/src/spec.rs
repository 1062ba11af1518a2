//! The on-disk form of a rule file, exactly as `docs/rules.md` describes it.

use camaudit_model::Asserts;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFileSpec {
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    pub id: String,
    #[serde(default)]
    pub field: Option<OneOrMany>,
    #[serde(default)]
    pub fields_prefix: Option<String>,
    pub pattern: String,
    /// Extra patterns run on a value `pattern` matched, to pull out facts
    /// with named groups (local, cheap patterns; see docs/rules.md).
    #[serde(default)]
    pub captures: Vec<String>,
    /// A pattern that, when it also matches, keeps the rule from firing:
    /// "any serial number, unless it fits Hikvision's grammar".
    #[serde(default)]
    pub unless: Option<String>,
    pub confidence: f64,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub asserts: Asserts,
    #[serde(default)]
    pub example: Vec<ExampleSpec>,
    #[serde(default)]
    pub not_examples: Vec<String>,
    /// `"shared"` on a model-number grammar whose shape other brands'
    /// numbers also take (a letter and four digits): see `Rule::shared_numbering`.
    #[serde(default)]
    pub numbering: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExampleSpec {
    pub value: String,
    /// The field to feed the value as, when the rule reads several.
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub firmware: Option<String>,
    #[serde(default)]
    pub serial: Option<String>,
    /// The build date the example must yield, as `YYYY-MM-DD`.
    #[serde(default)]
    pub build_date: Option<String>,
    #[serde(default)]
    pub mac: Option<String>,
}
