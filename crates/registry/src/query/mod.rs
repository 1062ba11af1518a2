//! Questions a person asks of the registry as a whole (list it, show
//! everything about one name, search it), answered as typed values that
//! serialize with serde.
//!
//! These types are the shape of `camaudit registry list|show|search --format
//! json` and of the server's registry endpoints: renaming a field changes a
//! published format. Every answer carries the [`RegistryInfo`] it came from.
//! Serialized through `serde_json::Value` (as the command line does), object
//! keys come out sorted.

mod listing;
mod profile;
mod search;

use std::fmt;

use serde::Serialize;

use crate::{OverlayInfo, Registry};

pub use listing::{ListKind, ListedEntity, Listing};
pub use profile::{
    BrandProfile, CompanyProfile, LinkedCompany, Profile, RegimeProfile, VendorProfile,
};
pub use search::{HitKind, SEARCH_MIN_SCORE, SearchHit, SearchResults};

/// Which registry answered: its data version and date, and the overlay on
/// top, if any.
///
/// Its `Display` is the one-line form every text output starts with:
/// `registry 2026.11.23 (2026-11-23); overlay Example Council (./ours,
/// version 7), 3 decisions`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RegistryInfo<'r> {
    /// The data version, e.g. `2026.11.23`.
    pub version: &'r str,
    /// The date the data was last curated (`YYYY-MM-DD`).
    pub date: &'r str,
    /// The organisation's overlay, `null` when none is in use.
    pub overlay: Option<&'r OverlayInfo>,
    /// How many decisions the overlay holds. Only in the text form: the JSON
    /// form lists the decisions themselves where they are asked for.
    #[serde(skip)]
    pub decision_count: usize,
}

impl fmt::Display for RegistryInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "registry {} ({})", self.version, self.date)?;
        let Some(o) = self.overlay else {
            return f.write_str("; no overlay");
        };
        write!(f, "; overlay {} ({}", o.name, o.path)?;
        if let Some(v) = &o.version {
            write!(f, ", version {v}")?;
        }
        write!(f, "), {} decisions", self.decision_count)
    }
}

impl Registry {
    /// Which registry this is: version, date and overlay.
    pub fn info(&self) -> RegistryInfo<'_> {
        RegistryInfo {
            version: self.version(),
            date: self.date(),
            overlay: self.overlay(),
            decision_count: self.decisions().len(),
        }
    }
}

#[cfg(test)]
mod tests;
