//! OEM model ↔ original model equivalences (`model_equivalences.toml`): a
//! model sold under one brand that is documented to be another maker's
//! model.

use serde::Serialize;

use crate::kev::model_key;
use crate::types::Level;

/// "The `brand` model `model` is the `maker`'s `original_model`."
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelEquivalence {
    /// The registry id (entity or brand) the model is sold under.
    pub brand: camaudit_model::VendorId,
    /// The model number as the brand sells it.
    pub model: String,
    /// Other names the brand sells it under (marketing names such as
    /// "Cube 4MP").
    pub aliases: Vec<String>,
    /// The entity that makes the original.
    pub maker: camaudit_model::VendorId,
    /// The maker's own model number.
    pub original_model: String,
    pub confidence: Level,
    pub sources: Vec<String>,
    pub notes: Option<String>,
    /// The model numbers on both sides as compared ([`model_key`]), worked
    /// out once at load: identify asks for every device's model.
    #[serde(skip)]
    pub(crate) keys: Vec<String>,
}

/// How a model number matched an equivalence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ModelMatch {
    /// The same model number (case, spaces and Dahua's `DH-` tag aside).
    Exact,
    /// The recorded number followed by a hyphenated variant suffix:
    /// `IP5M-T1179EW-28MM` for `IP5M-T1179EW` (lens, colour, revision).
    Variant,
}

impl ModelEquivalence {
    /// Whether a model number, already turned into its [`model_key`], names
    /// this equivalence on either side (the brand's model, its aliases, or
    /// the original): exactly, or as a variant with a hyphenated suffix. The
    /// reverse (a recorded number longer than the query) never matches, so a
    /// family prefix such as `IPC-HDW` does not match every Dahua dome.
    pub(crate) fn matches_key(&self, query: &str) -> Option<ModelMatch> {
        if query.is_empty() {
            return None;
        }
        self.keys.iter().filter_map(|k| compare(query, k)).min()
    }

    /// Fills in the comparison keys of the model numbers on both sides.
    pub(crate) fn with_keys(mut self) -> Self {
        self.keys = std::iter::once(&self.model)
            .chain(&self.aliases)
            .chain(std::iter::once(&self.original_model))
            .map(|name| model_key(name))
            .collect();
        self
    }
}

fn compare(query: &str, recorded: &str) -> Option<ModelMatch> {
    if recorded.is_empty() {
        return None;
    }
    if query == recorded {
        return Some(ModelMatch::Exact);
    }
    let suffix = query.strip_prefix(recorded)?;
    (suffix.len() > 1 && suffix.starts_with('-')).then_some(ModelMatch::Variant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_variant_matches() {
        assert_eq!(compare("AD410", "AD410"), Some(ModelMatch::Exact));
        assert_eq!(
            compare("IP5M-T1179EW-28MM", "IP5M-T1179EW"),
            Some(ModelMatch::Variant)
        );
        assert_eq!(compare("IP5M-T1179EW", "IP5M-T1179EW-28MM"), None);
        assert_eq!(
            compare("AD4100", "AD410"),
            None,
            "no suffix without a hyphen"
        );
        assert_eq!(
            compare("AD410-", "AD410"),
            None,
            "an empty suffix is not a variant"
        );
        assert_eq!(compare("", ""), None);
    }
}
