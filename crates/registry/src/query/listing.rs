//! The registry's entries, whole or of one kind.

use serde::Serialize;

use super::RegistryInfo;
use crate::{
    BrandLink, CoverageEntry, Decision, Endpoint, Entity, KevEntry, ModelEquivalence, ModelPattern,
    Regime, Registry,
};

/// One kind of registry entry, for [`Registry::listing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    Regimes,
    Entities,
    Brands,
    Coverage,
    Patterns,
    Endpoints,
    Kev,
    Equivalences,
    /// The overlay's decisions (none without an overlay).
    Decisions,
}

/// The registry's entries, in the registry's own order; each kind is present
/// (and serialized) only when it was asked for.
#[derive(Debug, Clone, Serialize)]
pub struct Listing<'r> {
    pub registry: RegistryInfo<'r>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regimes: Option<&'r [Regime]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<ListedEntity<'r>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brands: Option<&'r [BrandLink]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<&'r [CoverageEntry]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patterns: Option<&'r [ModelPattern]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<&'r [Endpoint]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kev: Option<&'r [KevEntry]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equivalences: Option<&'r [ModelEquivalence]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decisions: Option<&'r [Decision]>,
}

/// A company and the procurement-ban regimes that cover it (serialized as
/// the entity's fields plus `covered_by`).
#[derive(Debug, Clone, Serialize)]
pub struct ListedEntity<'r> {
    #[serde(flatten)]
    pub entity: &'r Entity,
    /// Regime ids, as [`Registry::coverage`] finds them.
    pub covered_by: Vec<String>,
    /// Regimes that cover it under some readings of a disputed
    /// jurisdiction only ([`Registry::disputed_coverage`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disputed_by: Vec<String>,
}

impl Registry {
    /// Every entry of the registry, or only those of `only`.
    pub fn listing(&self, only: Option<ListKind>) -> Listing<'_> {
        let want = |kind: ListKind| only.is_none_or(|o| o == kind);
        Listing {
            registry: self.info(),
            regimes: want(ListKind::Regimes).then_some(self.regimes()),
            entities: want(ListKind::Entities).then(|| self.listed_entities()),
            brands: want(ListKind::Brands).then_some(self.brand_link_list()),
            coverage: want(ListKind::Coverage).then_some(self.coverage_entries()),
            patterns: want(ListKind::Patterns).then_some(self.model_patterns()),
            endpoints: want(ListKind::Endpoints).then_some(self.endpoints()),
            kev: want(ListKind::Kev).then_some(self.kev()),
            equivalences: want(ListKind::Equivalences).then_some(self.equivalences()),
            decisions: want(ListKind::Decisions).then_some(self.decisions()),
        }
    }

    fn listed_entities(&self) -> Vec<ListedEntity<'_>> {
        self.entities()
            .map(|entity| ListedEntity {
                entity,
                covered_by: self.covered_by(&entity.id),
                disputed_by: self
                    .disputed_coverage(&entity.id)
                    .into_iter()
                    .map(|d| d.regime)
                    .collect(),
            })
            .collect()
    }

    /// The ids of the procurement-ban regimes that cover a manufacturer.
    pub(crate) fn covered_by(&self, manufacturer: &camaudit_model::VendorId) -> Vec<String> {
        self.coverage(manufacturer)
            .into_iter()
            .map(|f| f.regime)
            .collect()
    }
}
