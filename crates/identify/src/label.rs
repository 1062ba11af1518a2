//! Brand names the registry knows, read from the fields where devices and
//! spreadsheets show a brand. Rules cover the big names field by field; this
//! covers every brand and OEM in the registry in every label field at once,
//! so adding a reseller to the registry is enough for camaudit to see its
//! label (on a SADP `OEMInfo`, a login-page title, an ONVIF `name/` scope, a
//! certificate's organisation, an asset register's brand column).

use camaudit_model::origin::SCOPE_NAME_PREFIX;
use camaudit_model::{Asserts, Confidence, Evidence, Observation, VendorId};
use camaudit_registry::Registry;

use crate::origin::{reads_user_text, user_hint_cap};

/// The rule id of label evidence found by registry name lookup.
pub const REGISTRY_NAME_RULE: &str = "registry.name";

/// As sure as a rule reading a brand string (the label rules use 0.7–0.8).
const NAME_CONFIDENCE: f64 = 0.75;

/// The brand-bearing text of an observation, when its field carries one.
/// Fields a user sets (names, host names) are read too: a brand found
/// there is a weak hint (`origin.rs`), never the maker.
fn brand_text(obs: &Observation) -> Option<String> {
    let value = obs.value.trim();
    match obs.field.as_str() {
        "sadp.oeminfo"
        | "onvif.manufacturer"
        | "upnp.manufacturer"
        | "import.manufacturer"
        | "import.brand"
        | "http.title"
        | "dhcp.hostname"
        | "snmp.sysname"
        | "upnp.friendly_name"
        | "nmap.hostname" => Some(value.to_owned()),
        "onvif.scope" => value
            .strip_prefix(SCOPE_NAME_PREFIX)
            .map(camaudit_model::origin::percent_decode),
        "tls.cert.subject" => value
            .split(',')
            .find_map(|part| part.trim().strip_prefix("O="))
            .map(str::to_owned),
        _ => None,
    }
}

/// The registry vendor a label field names: the whole text, else its first
/// word ("ANNKE C800" in an ONVIF name scope, "hikvision-lobby" as a host
/// name).
pub(crate) fn label_from_registry(registry: &Registry, obs: &Observation) -> Option<Evidence> {
    let text = brand_text(obs)?;
    let user_set = reads_user_text(obs.field.as_str(), &obs.value, Some(REGISTRY_NAME_RULE));
    let id = vendor_named(registry, &text, user_set)?;
    let confidence = if user_set {
        user_hint_cap()
    } else {
        Confidence::new(NAME_CONFIDENCE).unwrap_or(Confidence::ZERO)
    };
    Some(Evidence {
        source: obs.source,
        port: obs.port,
        field: obs.field.as_str().to_owned(),
        value: Evidence::clip_value(&obs.value),
        rule: Some(REGISTRY_NAME_RULE.to_owned()),
        asserts: Asserts {
            label_vendor: Some(id),
            ..Asserts::default()
        },
        confidence,
    })
}

/// The registry vendor a name is: the whole text, else its first word. In a
/// name a user set (`user_set`), words may be joined with dashes or dots,
/// as host names are.
pub(crate) fn vendor_named(registry: &Registry, text: &str, user_set: bool) -> Option<VendorId> {
    let first_word = || -> Option<&str> {
        let word = text.split_whitespace().next()?;
        let word = if user_set {
            word.split(|c: char| !c.is_alphanumeric())
                .find(|w| w.len() >= 3)?
        } else {
            word
        };
        (word.len() < text.len()).then_some(word)
    };
    registry
        .lookup_name(text)
        .or_else(|| registry.lookup_name(first_word()?))
}
