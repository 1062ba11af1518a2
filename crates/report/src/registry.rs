//! How a report names the registry it was checked against.

use camaudit_registry::Registry;
use serde_json::{Value, json};

/// "registry 2026.11.23.4 (2026-11-23); overlay Example Council (ours, version 7), 2 decisions".
pub fn registry_line(r: &Registry) -> String {
    let mut s = format!("registry {} ({})", r.version(), r.date());
    match r.overlay() {
        Some(o) => s.push_str(&format!(
            "; overlay {} ({}{}), {} decisions",
            o.name,
            o.path,
            o.version
                .as_deref()
                .map(|v| format!(", version {v}"))
                .unwrap_or_default(),
            r.decisions().len()
        )),
        None => s.push_str("; no overlay"),
    }
    s
}

/// The registry's version, date and overlay as JSON.
pub fn registry_json(r: &Registry) -> Value {
    json!({
        "version": r.version(),
        "date": r.date(),
        "overlay": r.overlay(),
    })
}
