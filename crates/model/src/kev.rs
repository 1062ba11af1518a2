//! A known exploited vulnerability judged for one piece of equipment: the
//! shape shared by `camaudit check` (a procurement line's `kev`) and every
//! device (`Device::vulnerabilities`). The judgement itself is the
//! registry's (`Registry::kev_applicability`); this is only its result.

use serde::{Deserialize, Serialize};

/// The verdict of a KEV entry for one device or line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KevStatus {
    /// The device is in a documented affected range: its model (or firmware
    /// line) is listed and its build is older than the first fixed build.
    Affected,
    /// The device's model is listed, but its build is the fixed one or later.
    NotAffected,
    /// Nothing decides it: no range is documented, the model is not among
    /// the listed families, or the firmware is unknown or has no readable
    /// build date.
    Unknown,
}

impl KevStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KevStatus::Affected => "affected",
            KevStatus::NotAffected => "not-affected",
            KevStatus::Unknown => "unknown",
        }
    }
}

/// A CISA KEV entry recorded against the maker or the label brand, and
/// whether the model and firmware fall in a documented affected range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevNote {
    pub cve: String,
    /// `affected`, `not-affected` or `unknown` (no range documented, model
    /// not listed, or no firmware build date known).
    pub status: KevStatus,
    /// Why, in a sentence fit for a report.
    pub reason: String,
    /// The KEV catalog entry's sources, then the affected range's.
    pub sources: Vec<String>,
}

impl KevNote {
    /// "CVE-2021-36260 (affected)".
    pub fn short(&self) -> String {
        format!("{} ({})", self.cve, self.status.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_written_in_kebab_case_and_read_back() {
        for (status, text) in [
            (KevStatus::Affected, "\"affected\""),
            (KevStatus::NotAffected, "\"not-affected\""),
            (KevStatus::Unknown, "\"unknown\""),
        ] {
            let json = serde_json::to_string(&status).expect("serialise");
            assert_eq!(json, text);
            assert_eq!(format!("\"{}\"", status.as_str()), text);
            let back: KevStatus = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, status);
        }
        assert!(serde_json::from_str::<KevStatus>("\"vulnerable\"").is_err());
    }

    #[test]
    fn short_names_the_cve_and_the_status() {
        let note = KevNote {
            cve: "CVE-2021-36260".into(),
            status: KevStatus::NotAffected,
            reason: String::new(),
            sources: Vec::new(),
        };
        assert_eq!(note.short(), "CVE-2021-36260 (not-affected)");
    }
}
