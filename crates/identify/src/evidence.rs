//! The evidence of one address or device, each piece once: the same banner
//! seen a thousand times is one fact, not a thousand.

use std::collections::HashSet;

use camaudit_model::Evidence;

/// (rule, field, value, port): what makes two pieces of evidence the same.
type Key = (Option<String>, String, String, Option<u16>);

#[derive(Debug, Default)]
pub(crate) struct EvidenceSet {
    items: Vec<Evidence>,
    seen: HashSet<Key>,
}

impl EvidenceSet {
    /// Adds `ev` unless the same rule already read the same value of the
    /// same field on the same port.
    pub fn push(&mut self, ev: Evidence) {
        let key = (ev.rule.clone(), ev.field.clone(), ev.value.clone(), ev.port);
        if self.seen.insert(key) {
            self.items.push(ev);
        }
    }

    pub fn as_slice(&self) -> &[Evidence] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn into_vec(self) -> Vec<Evidence> {
        self.items
    }
}

impl Extend<Evidence> for EvidenceSet {
    fn extend<I: IntoIterator<Item = Evidence>>(&mut self, iter: I) {
        for ev in iter {
            self.push(ev);
        }
    }
}
