//! Everything the registry says about one name.

use camaudit_model::{CoverageStrength, VendorId};
use serde::Serialize;

use super::RegistryInfo;
use crate::{
    BrandLink, CoverageFinding, Decision, DisputedFinding, Endpoint, Entity, KevEntry, Link,
    ModelEquivalence, ModelPattern, Regime, Registry, coverage_strength,
};

/// What the registry holds for a name. One name can be several things at
/// once (a vendor id that is also a pattern id, say); each part is present
/// when the name is that thing, and left out of the JSON otherwise.
#[derive(Debug, Clone, Serialize)]
pub struct Profile<'r> {
    pub registry: RegistryInfo<'r>,
    /// The name asked about, as given.
    pub query: String,
    /// The company or brand the name resolves to; its fields are serialized
    /// at the top level.
    #[serde(flatten)]
    pub vendor: Option<VendorProfile<'r>>,
    /// The regime whose id is the name.
    #[serde(flatten)]
    pub regime: Option<RegimeProfile<'r>>,
    /// The model-number pattern whose id is the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'r ModelPattern>,
    /// The KEV entry whose CVE is the name (compared ignoring case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kev_entry: Option<&'r KevEntry>,
    /// The model equivalences naming the name as a model number
    /// ([`Registry::equivalents_of`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub model_equivalences: Vec<&'r ModelEquivalence>,
}

/// A name that resolved to a registry vendor: a company, or a brand that is
/// not one.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum VendorProfile<'r> {
    Company(CompanyProfile<'r>),
    Brand(BrandProfile<'r>),
}

/// A company: who owns it, what covers it, what it sells under other names.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyProfile<'r> {
    pub entity: &'r Entity,
    /// The company's id, then its parent's, and so on up.
    pub owner_chain: Vec<&'r VendorId>,
    /// The procurement-ban regimes that cover it ([`Registry::coverage`]),
    /// each with its weakest link.
    pub coverage: Vec<CoverageFinding>,
    /// The regimes that cover it under some readings of a disputed
    /// jurisdiction only ([`Registry::disputed_coverage`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disputed: Vec<DisputedFinding>,
    /// The risk-flag listings that name it or its owners.
    pub risk_flags: Vec<CoverageFinding>,
    /// The brands that relate to it (own brands, subsidiaries, OEM resellers).
    pub brands: Vec<&'r BrandLink>,
    pub kev: Vec<&'r KevEntry>,
    /// The model equivalences it takes part in, as the brand or the maker.
    pub equivalences: Vec<&'r ModelEquivalence>,
    /// The overlay's decisions about it.
    pub decisions: Vec<&'r Decision>,
    /// The model-number grammars of its products. Only in the text form: the
    /// JSON form of `show` has never carried them.
    #[serde(skip)]
    pub model_patterns: Vec<&'r ModelPattern>,
    /// Its cloud and P2P services. Only in the text form, as
    /// `model_patterns`.
    #[serde(skip)]
    pub endpoints: Vec<&'r Endpoint>,
}

/// A label brand and the companies behind it.
#[derive(Debug, Clone, Serialize)]
pub struct BrandProfile<'r> {
    /// The brand's id (in the JSON form it is in each link).
    #[serde(skip)]
    pub brand: VendorId,
    /// The brand's relations to companies, strongest first.
    pub brand_links: Vec<&'r BrandLink>,
    /// For each link, in the same order, the company and what covers it.
    pub companies: Vec<LinkedCompany<'r>>,
    pub kev: Vec<&'r KevEntry>,
    /// The model equivalences it takes part in.
    pub equivalences: Vec<&'r ModelEquivalence>,
}

/// A company a brand links to, and the procurement-ban regimes that cover
/// it.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedCompany<'r> {
    pub company: &'r VendorId,
    /// Regime ids.
    pub covered_by: Vec<String>,
    /// How firmly a device carrying only this label is covered through
    /// this relation: `covered`, `likely-covered` (the relation or a link
    /// after it is low) or `disputed`, with the weakest link. Absent when
    /// nothing covers the company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<CoverageStrength>,
}

/// A regime and the companies it names (serialized as `regime`).
#[derive(Debug, Clone, Serialize)]
pub struct RegimeProfile<'r> {
    pub regime: &'r Regime,
    /// The companies the regime's coverage entries name, in file order. Only
    /// in the text form: the JSON form of `show` has never carried them.
    #[serde(skip)]
    pub names: Vec<&'r VendorId>,
}

impl Registry {
    /// Everything about `name`: a name or alias as written on a device or in
    /// a list, a vendor id, a regime id, a pattern id, a CVE or a model
    /// number. `None` when the registry knows it as none of these.
    pub fn profile(&self, name: &str) -> Option<Profile<'_>> {
        let id = self
            .lookup_name(name)
            .or_else(|| VendorId::new(name).ok().filter(|v| self.is_known_vendor(v)));
        let profile = Profile {
            registry: self.info(),
            query: name.to_owned(),
            vendor: id.map(|id| self.vendor_profile(id)),
            regime: self.regime(name).map(|regime| self.regime_profile(regime)),
            pattern: self.model_patterns().iter().find(|p| p.id == name),
            kev_entry: self.kev().iter().find(|k| k.cve.eq_ignore_ascii_case(name)),
            model_equivalences: self.equivalents_of(name),
        };
        let found = profile.vendor.is_some()
            || profile.regime.is_some()
            || profile.pattern.is_some()
            || profile.kev_entry.is_some()
            || !profile.model_equivalences.is_empty();
        found.then_some(profile)
    }

    fn vendor_profile(&self, id: VendorId) -> VendorProfile<'_> {
        match self.entity(&id) {
            Some(entity) => VendorProfile::Company(self.company_profile(entity)),
            None => VendorProfile::Brand(self.brand_profile(id)),
        }
    }

    fn company_profile<'r>(&'r self, entity: &'r Entity) -> CompanyProfile<'r> {
        let id = &entity.id;
        CompanyProfile {
            entity,
            owner_chain: self.owner_chain(id).into_iter().map(|e| &e.id).collect(),
            coverage: self.coverage(id),
            disputed: self.disputed_coverage(id),
            risk_flags: self.risk_flags(id),
            brands: self.brands_of(id),
            kev: self.kev_for(id),
            equivalences: self.equivalences_involving(id),
            decisions: self
                .decisions()
                .iter()
                .filter(|d| d.vendor.as_ref() == Some(id))
                .collect(),
            model_patterns: self
                .model_patterns()
                .iter()
                .filter(|p| &p.vendor == id)
                .collect(),
            endpoints: self
                .endpoints()
                .iter()
                .filter(|ep| &ep.vendor == id)
                .collect(),
        }
    }

    fn brand_profile(&self, brand: VendorId) -> BrandProfile<'_> {
        let brand_links = self.brand_links(&brand);
        let companies = brand_links
            .iter()
            .map(|b| LinkedCompany {
                company: &b.company,
                covered_by: self.covered_by(&b.company),
                strength: self.strength_through(b),
            })
            .collect();
        BrandProfile {
            kev: self.kev_for(&brand),
            equivalences: self.equivalences_involving(&brand),
            brand,
            brand_links,
            companies,
        }
    }

    fn regime_profile<'r>(&'r self, regime: &'r Regime) -> RegimeProfile<'r> {
        let names = self
            .coverage_entries()
            .iter()
            .filter(|c| c.regime == regime.id)
            .map(|c| &c.entity)
            .collect();
        RegimeProfile { regime, names }
    }

    /// The strength of the coverage a label gets through one relation: the
    /// relation as the route, the company's findings after it.
    fn strength_through(&self, link: &BrandLink) -> Option<CoverageStrength> {
        let route = Link::new(
            format!(
                "{} → {} {}{}",
                link.brand,
                link.relation.describe(),
                link.company,
                link.period()
            ),
            link.confidence,
            link.sources.clone(),
        );
        coverage_strength(
            &[route],
            &self.coverage(&link.company),
            &self.disputed_coverage(&link.company),
        )
    }

    /// The model equivalences a vendor takes part in, as the brand or as the
    /// maker, in file order.
    pub fn equivalences_involving(&self, id: &VendorId) -> Vec<&ModelEquivalence> {
        self.equivalences()
            .iter()
            .filter(|e| &e.brand == id || &e.maker == id)
            .collect()
    }
}
