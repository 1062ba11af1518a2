//! Verdicts that say how sure they are.
//!
//! A procurement ban reaches a device through a chain of facts: the evidence
//! that names its maker (or the label and the brand relation that lead to
//! it), the maker's owners, and the regime's coverage of one of them. The
//! chain holds no better than its weakest link, so a verdict resting on a
//! single forum post is not given the same word as one resting on corporate
//! filings, and a company whose jurisdiction is genuinely disputed is not
//! silently put on either side.

use serde::{Deserialize, Serialize};

use crate::Confidence;

/// The registry's answer for a device or a line of a list, ordered from
/// the clearest to the most serious (`--fail-on` gates on that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Positively identified as a company no regime covers.
    NotCovered,
    /// Not positively identified: no maker, one the registry does not know,
    /// or evidence too weak to clear it. camaudit never guesses.
    Unknown,
    /// The maker's jurisdiction or control is disputed, and a regime covers
    /// it under some readings but not under others.
    Disputed,
    /// A regime covers the maker, but the chain rests on at least one
    /// low-confidence link (protocol compatibility, one community report).
    LikelyCovered,
    /// A regime covers the maker, and every link of the chain is of medium
    /// or high confidence.
    Covered,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::Covered,
        Verdict::LikelyCovered,
        Verdict::Disputed,
        Verdict::NotCovered,
        Verdict::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Covered => "covered",
            Verdict::LikelyCovered => "likely-covered",
            Verdict::Disputed => "disputed",
            Verdict::NotCovered => "not-covered",
            Verdict::Unknown => "unknown",
        }
    }

    /// Whether a regime covers the maker on the registry's facts, strongly
    /// or weakly (not a dispute).
    pub fn is_covered(self) -> bool {
        matches!(self, Verdict::Covered | Verdict::LikelyCovered)
    }
}

/// How firmly a device's coverage stands: present on a device that some
/// regime covers, under every reading of its maker's jurisdiction or under
/// some only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageStrength {
    /// `covered`, `likely-covered` or `disputed`.
    pub verdict: Verdict,
    /// The weakest link of the chain, in words: "label swann → OEM /
    /// white-label reseller of hikvision (low)".
    pub weakest_link: String,
    /// That link's confidence.
    pub weakest_confidence: Confidence,
    /// For a disputed device: the regimes that cover it under some readings
    /// of its maker's jurisdiction only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disputed_by: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_and_write_as_kebab_case() {
        for v in Verdict::ALL {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
            assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), v);
        }
        assert!(serde_json::from_str::<Verdict>("\"likely\"").is_err());
    }

    #[test]
    fn order_runs_from_clear_to_covered() {
        assert!(Verdict::Covered > Verdict::LikelyCovered);
        assert!(Verdict::LikelyCovered > Verdict::Disputed);
        assert!(Verdict::Disputed > Verdict::Unknown);
        assert!(Verdict::Unknown > Verdict::NotCovered);
        assert!(Verdict::LikelyCovered.is_covered());
        assert!(!Verdict::Disputed.is_covered());
    }
}
