//! Attribution is a pure function of a few inputs (the label and platform
//! candidates, the device type, and the model and date only through the
//! brand relations limited to some model lines or to a period), and it is the costly
//! part of building a device: a register or an estate has a hundred
//! thousand devices but a few hundred distinct attributions. The memo keeps
//! each one worked out once.

use std::collections::HashMap;
use std::sync::Mutex;

use camaudit_model::DeviceType;
use camaudit_registry::{BrandLink, Registry};

use crate::attribute::{Attribution, LinkScope};
use crate::resolve::Candidate;

/// Past this many entries the memo starts again, so that hostile input
/// (every device a new label) cannot grow it without bound.
const MAX_ENTRIES: usize = 16_384;

pub(crate) struct AttributionMemo {
    /// Indices into the registry's brand links of those limited to some
    /// model lines, or to a period: the only ways the model number and the
    /// date reach attribution.
    limited: Vec<usize>,
    map: Mutex<HashMap<Key, Attribution>>,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    label: Option<CandidateKey>,
    platform: Option<CandidateKey>,
    /// For each limited brand link, whether it admits the device, and
    /// which of its model-line exceptions the model is in.
    admitted: Vec<(bool, Option<usize>)>,
    /// Whether the date is known (a dated device's historical relation
    /// counts in full).
    dated: bool,
    device_type: Option<DeviceType>,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CandidateKey {
    value: String,
    confidence: u64,
    rules: Vec<String>,
}

impl CandidateKey {
    fn of(c: &Candidate) -> Self {
        CandidateKey {
            value: c.value.clone(),
            confidence: c.confidence.get().to_bits(),
            rules: c.rules.clone(),
        }
    }
}

impl AttributionMemo {
    pub(crate) fn new(registry: &Registry) -> Self {
        let limited = registry
            .brand_link_list()
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                !l.model_prefixes.is_empty()
                    || !l.exceptions.is_empty()
                    || l.from.is_some()
                    || l.until.is_some()
            })
            .map(|(i, _)| i)
            .collect();
        AttributionMemo {
            limited,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The attribution for these inputs: remembered, or worked out by
    /// `compute` and remembered.
    pub(crate) fn get_or_compute(
        &self,
        registry: &Registry,
        label: Option<&Candidate>,
        platform: Option<&Candidate>,
        scope: LinkScope<'_>,
        device_type: Option<DeviceType>,
        compute: impl FnOnce() -> Attribution,
    ) -> Attribution {
        let links: &[BrandLink] = registry.brand_link_list();
        let key = Key {
            label: label.map(CandidateKey::of),
            platform: platform.map(CandidateKey::of),
            admitted: self
                .limited
                .iter()
                .map(|&i| match links.get(i) {
                    Some(l) => (
                        l.applies_to_model(scope.model) && l.applies_at(scope.date),
                        l.exception_for(scope.model)
                            .and_then(|e| l.exceptions.iter().position(|x| std::ptr::eq(x, e))),
                    ),
                    None => (false, None),
                })
                .collect(),
            dated: scope.date.is_some(),
            device_type,
        };
        if let Some(hit) = self.lock().get(&key) {
            return hit.clone();
        }
        let attribution = compute();
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        // Another thread may have worked out the same attribution meanwhile:
        // keep the first, so that every device shares one set of citations.
        map.entry(key).or_insert(attribution).clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Attribution>> {
        // A panic elsewhere while the lock was held leaves a map that is
        // still consistent (inserts are whole): keep using it.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}
