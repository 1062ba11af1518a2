use std::net::IpAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{Asserts, Confidence, DeviceType, Endpoint, FactKind, KevNote, Mac, Source, VendorId};

/// One observation that supported a fact about a device, with the rule that
/// read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub field: String,
    /// The observed value, cut to [`Evidence::MAX_VALUE_CHARS`] characters
    /// (an HTTP body can be large; the rule id says what matched).
    pub value: String,
    /// The rule id (`hikvision.http.server-app-webs`, `oui:ieee:MA-L:5850ED`),
    /// or null for evidence read directly (a MAC address).
    pub rule: Option<String>,
    pub asserts: Asserts,
    pub confidence: Confidence,
}

impl Evidence {
    pub const MAX_VALUE_CHARS: usize = 200;

    pub fn clip_value(value: &str) -> String {
        crate::text::clip(value, Self::MAX_VALUE_CHARS)
    }
}

/// One link of the reasoning from evidence to manufacturer, owner and
/// regime: "label annke → OEM reseller of hikvision".
///
/// The claim and its sources are shared (`Arc`): the same registry relation
/// is cited by every device of that brand, and a register of 100,000 lines
/// must not hold 100,000 copies of one source list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionStep {
    pub claim: Arc<str>,
    pub confidence: Confidence,
    /// Where the claim comes from: registry citations or rule references.
    #[serde(default = "no_sources", skip_serializing_if = "no_items")]
    pub sources: Arc<[String]>,
}

fn no_sources() -> Arc<[String]> {
    Arc::from(Vec::new())
}

fn no_items(sources: &Arc<[String]>) -> bool {
    sources.is_empty()
}

/// A value that lost to the chosen one for the same fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictingValue {
    pub value: String,
    pub confidence: Confidence,
    pub rules: Vec<String>,
}

/// Evidence that disagreed about one fact, and how it was resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub fact: FactKind,
    pub chosen: String,
    pub chosen_confidence: Confidence,
    pub rejected: Vec<ConflictingValue>,
}

/// A device: observations merged by identity (MAC, else address) with every
/// fact traceable to its evidence. This is camaudit's stable output schema
/// (`docs/device-schema.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub addr: Option<IpAddr>,
    /// Other addresses the same MAC was seen on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_addrs: Vec<IpAddr>,
    pub mac: Option<Mac>,
    pub open_ports: Vec<u16>,
    pub label_vendor: Option<VendorId>,
    pub manufacturer: Option<VendorId>,
    pub owner: Option<VendorId>,
    /// How the label brand relates to the manufacturer when they differ, from
    /// the registry: `own-brand`, `subsidiary`, `oem-reseller`,
    /// `former-subsidiary`, `same-group`, or `unrecorded` (a rebrand the
    /// registry does not know). Omitted when the label is the maker's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_relation: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub device_type: Option<DeviceType>,
    /// Whether any regime's procurement or deployment controls apply.
    pub covered: bool,
    /// Regime ids, e.g. `ndaa-889`, `fcc-covered-list`, `uk-2022-directive`.
    pub covered_by: Vec<String>,
    /// Confidence in the manufacturer attribution (0 when unknown).
    pub confidence: Confidence,
    #[serde(default)]
    pub attribution: Vec<AttributionStep>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    pub evidence: Vec<Evidence>,
    /// Each CISA KEV entry recorded against the manufacturer (and against
    /// the label brand, for a rebrand), judged for the device's model and
    /// firmware, by CVE. Empty when neither has an entry; always written,
    /// so `[]` says "none recorded" rather than "not looked at".
    #[serde(default)]
    pub vulnerabilities: Vec<KevNote>,
    /// The remote endpoints the device talked to, when the evidence is a
    /// packet capture (`camaudit pcap`); omitted otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<Endpoint>,
}

impl Device {
    /// True when the capture shows the device reaching the internet or a
    /// maker's cloud / P2P service.
    pub fn calls_home(&self) -> bool {
        self.endpoints.iter().any(Endpoint::is_call_home)
    }

    /// True when the brand shown to the user is not the maker: a rebrand
    /// unmasked (an OEM reseller's label, or the maker's own other brand;
    /// [`Device::label_relation`] says which).
    pub fn is_rebrand(&self) -> bool {
        matches!((&self.label_vendor, &self.manufacturer), (Some(l), Some(m)) if l != m)
    }

    /// True when the label belongs to a different company than the maker's
    /// group: an OEM / white-label reseller, or a relation not recorded.
    pub fn is_oem_rebrand(&self) -> bool {
        self.is_rebrand()
            && matches!(
                self.label_relation.as_deref(),
                Some("oem-reseller" | "unrecorded" | "former-subsidiary")
            )
    }
}
