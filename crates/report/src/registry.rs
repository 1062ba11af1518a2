//! How a report names the registry it was checked against (the registry's
//! own `info()` query, rendered).

use camaudit_registry::Registry;
use serde_json::Value;

/// "registry 2026.11.23.4 (2026-11-23); overlay Example Council (ours, version 7), 2 decisions".
pub fn registry_line(r: &Registry) -> String {
    r.info().to_string()
}

/// The registry's version, date and overlay as JSON.
pub fn registry_json(r: &Registry) -> Value {
    // A RegistryInfo holds strings only: it always serializes.
    serde_json::to_value(r.info()).unwrap_or(Value::Null)
}
