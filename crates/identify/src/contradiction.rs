//! After attribution: whether the device's own platform confirms the maker,
//! and the evidence against it written into `conflicts`.

use camaudit_model::{Confidence, Conflict, ConflictingValue, Evidence, FactKind, VendorId};
use camaudit_registry::Registry;

use crate::MODEL_FIELD;
use crate::against::AgainstTable;
use crate::origin::is_user_set;
use crate::resolve::Tally;

/// Fields whose evidence does not confirm a platform: the ONVIF
/// `GetDeviceInformation` strings and WS-Discovery scopes (a standard
/// interface any firmware, OEM or emulator fills with the strings it
/// likes), a register's columns, the model number read again by the
/// grammars, and the MAC block (a network module's maker, not always the
/// device's).
const NOT_PLATFORM_PREFIXES: [&str; 3] = ["onvif.", "import.", "upnp."];

/// True when evidence from the device's own platform (a vendor API or its
/// schema, a discovery protocol, a server banner, a firmware string, a
/// default certificate) names `maker`, the company behind it, or its
/// corporate parent (a subsidiary runs its parent's platform).
pub(crate) fn platform_confirms(
    registry: &Registry,
    evidence: &[Evidence],
    maker: &VendorId,
) -> bool {
    let group: Vec<VendorId> = registry
        .owner_chain(maker)
        .iter()
        .map(|e| e.id.clone())
        .collect();
    evidence.iter().any(|e| {
        let Some(named) = &e.asserts.manufacturer else {
            return false;
        };
        let platform_evidence = !is_user_set(e)
            && e.field != MODEL_FIELD
            && e.field != "mac"
            && !e.rule.as_deref().is_some_and(|r| r.starts_with("oui:"))
            && !NOT_PLATFORM_PREFIXES.iter().any(|p| e.field.starts_with(p));
        platform_evidence
            && (named == maker
                || group.contains(named)
                || registry
                    .brand_links(named)
                    .iter()
                    .any(|l| l.company == *maker))
    })
}

/// Evidence against a maker nothing on the device claims says nothing about
/// it (every web server that is not Hikvision's answers 404 to `/ISAPI`):
/// only what weighed on a claimed maker stays in the device's evidence.
pub(crate) fn keep_what_weighed(
    evidence: &mut Vec<Evidence>,
    manufacturer: Option<&VendorId>,
    claims: [&Tally; 2],
) {
    evidence.retain(|e| {
        e.asserts.not_manufacturer.as_ref().is_none_or(|v| {
            manufacturer == Some(v)
                || claims
                    .iter()
                    .any(|t| t.candidates.iter().any(|c| c.value == v.as_str()))
        })
    });
}

/// Writes the evidence against the chosen maker into the manufacturer's
/// conflict, as a rejected value `not <maker>`.
pub(crate) fn record(
    conflicts: &mut Vec<Conflict>,
    maker: &VendorId,
    chosen: Confidence,
    against: &AgainstTable,
) {
    let Some(a) = against.get(maker.as_str()) else {
        return;
    };
    let rejected = ConflictingValue {
        value: format!("not {maker}"),
        confidence: a.confidence.rounded(),
        rules: a.rules.clone(),
    };
    match conflicts
        .iter_mut()
        .find(|c| c.fact == FactKind::Manufacturer)
    {
        Some(c) => c.rejected.push(rejected),
        None => conflicts.insert(
            0,
            Conflict {
                fact: FactKind::Manufacturer,
                chosen: maker.to_string(),
                chosen_confidence: chosen.rounded(),
                rejected: vec![rejected],
            },
        ),
    }
}
