//! A device's type read from its model number or its description, for
//! equipment no fingerprint typed: an asset-register line ("DS-7616NI-Q2",
//! "4MP PTZ dome camera"), or a device whose evidence named its model but
//! not what it is. The type picks the replacement's cost and time from the
//! estate's cost table and a recorder's weight in the risk.
//!
//! The patterns are data (`[[device_type]]` in `data/policy/controls.toml`),
//! tried in order, the first match winning: a maker's model grammar first,
//! then plain words. Each carries examples and counter-examples that are
//! checked on load.

use camaudit_model::DeviceType;
use serde::Deserialize;

use crate::asset::Capability;

/// One rule of the file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTypePattern {
    /// Only for this maker (registry id); absent: any maker.
    #[serde(default)]
    maker: Option<String>,
    /// Matched against the model number.
    #[serde(default)]
    model: Option<String>,
    /// Matched against the model number and the description.
    #[serde(default)]
    words: Option<String>,
    device_type: String,
    /// A capability the same match shows (a PTZ dome).
    #[serde(default)]
    capability: Option<String>,
    basis: String,
    sources: Vec<String>,
    examples: Vec<String>,
    #[serde(default)]
    counter_examples: Vec<String>,
}

/// What a pattern reads.
#[derive(Debug, Clone)]
pub enum TypeText {
    /// The model number only.
    Model(regex::Regex),
    /// The model number or the description.
    Words(regex::Regex),
}

/// A device type read from a model number or a description.
#[derive(Debug, Clone)]
pub struct TypePattern {
    pub maker: Option<String>,
    pub text: TypeText,
    pub device_type: DeviceType,
    pub capability: Option<Capability>,
    pub basis: String,
    pub sources: Vec<String>,
    pub examples: Vec<String>,
    pub counter_examples: Vec<String>,
}

impl TypePattern {
    pub(crate) fn parse(raw: RawTypePattern) -> Result<TypePattern, String> {
        let what = raw
            .model
            .as_deref()
            .or(raw.words.as_deref())
            .unwrap_or("")
            .to_owned();
        let compile = |p: &str| {
            regex::RegexBuilder::new(p)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("device_type pattern {p:?}: {e}"))
        };
        let text = match (&raw.model, &raw.words) {
            (Some(m), None) => TypeText::Model(compile(m)?),
            (None, Some(w)) => TypeText::Words(compile(w)?),
            _ => {
                return Err(format!(
                    "device_type pattern {what:?}: give one of `model` (a model-number grammar) or `words` (model or description)"
                ));
            }
        };
        let device_type = DeviceType::parse(&raw.device_type)
            .map_err(|e| format!("device_type pattern {what:?}: {e}"))?;
        let capability = match raw.capability.as_deref() {
            None => None,
            Some(c) => Some(Capability::parse(c).ok_or_else(|| {
                format!("device_type pattern {what:?}: capability {c:?}: expected ptz, audio or analytics")
            })?),
        };
        if raw.sources.is_empty() || raw.examples.is_empty() {
            return Err(format!(
                "device_type pattern {what:?}: give its sources and at least one example"
            ));
        }
        Ok(TypePattern {
            maker: raw.maker,
            text,
            device_type,
            capability,
            basis: raw.basis,
            sources: raw.sources,
            examples: raw.examples,
            counter_examples: raw.counter_examples,
        })
    }

    /// Whether it reads this maker's model or description.
    pub fn matches(
        &self,
        maker: Option<&str>,
        model: Option<&str>,
        description: Option<&str>,
    ) -> bool {
        if self.maker.as_deref().is_some_and(|m| Some(m) != maker) {
            return false;
        }
        match &self.text {
            TypeText::Model(re) => model.is_some_and(|m| re.is_match(m.trim())),
            TypeText::Words(re) => [model, description]
                .into_iter()
                .flatten()
                .any(|t| re.is_match(t)),
        }
    }

    /// An example is a model number for a grammar, a model or a
    /// description for words; both are tried as the pattern's maker's.
    fn reads(&self, example: &str) -> bool {
        self.matches(self.maker.as_deref(), Some(example), None)
    }

    /// The examples that do not match and the counter-examples that do.
    pub(crate) fn failures(&self) -> Vec<String> {
        let name = match &self.text {
            TypeText::Model(re) | TypeText::Words(re) => re.as_str(),
        };
        let wrong_yes = self.examples.iter().filter(|e| !self.reads(e));
        let wrong_no = self.counter_examples.iter().filter(|e| self.reads(e));
        wrong_yes
            .map(|e| format!("device_type {name}: example {e:?} does not match"))
            .chain(wrong_no.map(|e| format!("device_type {name}: counter-example {e:?} matches")))
            .collect()
    }
}

/// The first pattern that reads this equipment.
pub fn type_of<'a>(
    patterns: &'a [TypePattern],
    maker: Option<&str>,
    model: Option<&str>,
    description: Option<&str>,
) -> Option<&'a TypePattern> {
    patterns
        .iter()
        .find(|p| p.matches(maker, model, description))
}
