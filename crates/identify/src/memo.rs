//! Attribution is a pure function of a few inputs (the label and platform
//! candidates, the device type, and the model only through the brand
//! relations that are limited to some model lines), and it is the costly
//! part of building a device: a register or an estate has a hundred
//! thousand devices but a few hundred distinct attributions. The memo keeps
//! each one worked out once.

use std::collections::HashMap;
use std::sync::Mutex;

use camaudit_model::DeviceType;
use camaudit_registry::{BrandLink, Registry};

use crate::attribute::Attribution;
use crate::resolve::Candidate;

/// Past this many entries the memo starts again, so that hostile input
/// (every device a new label) cannot grow it without bound.
const MAX_ENTRIES: usize = 16_384;

pub(crate) struct AttributionMemo {
    /// Indices into the registry's brand links of those limited to some
    /// model lines: the only way the model number reaches attribution.
    model_limited: Vec<usize>,
    map: Mutex<HashMap<Key, Attribution>>,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    label: Option<CandidateKey>,
    platform: Option<CandidateKey>,
    /// For each model-limited brand link, whether it applies to the model.
    model_lines: Vec<bool>,
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
        let model_limited = registry
            .brand_link_list()
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.model_prefixes.is_empty())
            .map(|(i, _)| i)
            .collect();
        AttributionMemo {
            model_limited,
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
        model: Option<&str>,
        device_type: Option<DeviceType>,
        compute: impl FnOnce() -> Attribution,
    ) -> Attribution {
        let links: &[BrandLink] = registry.brand_link_list();
        let key = Key {
            label: label.map(CandidateKey::of),
            platform: platform.map(CandidateKey::of),
            model_lines: self
                .model_limited
                .iter()
                .map(|&i| links.get(i).is_some_and(|l| l.applies_to_model(model)))
                .collect(),
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
        map.insert(key, attribution.clone());
        attribution
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Attribution>> {
        // A panic elsewhere while the lock was held leaves a map that is
        // still consistent (inserts are whole): keep using it.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}
