//! Known exploited vulnerabilities of a device: the registry's KEV entries
//! for its manufacturer, and for its label brand when that brand has entries
//! of its own, judged for the device's model and firmware.
//!
//! Why the label too: a KEV entry names the vendor whose products were
//! found exploitable. A relabelled device runs its maker's firmware, so the
//! maker's entries apply (an Amcrest camera made by Dahua is judged against
//! Dahua's CVE-2021-33044); and an entry the catalog records against the
//! brand itself (Amcrest's CVE-2020-5735) was found on devices sold under
//! that label, so it applies to a device that carries it. The owner's
//! entries do not: a subsidiary's products are another product line.
//!
//! The judgement depends only on those vendors, the model and the firmware,
//! and an estate repeats them: each combination is worked out once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use camaudit_model::{KevNote, VendorId};
use camaudit_registry::Registry;

/// Past this many entries the memo starts again, so that hostile input
/// (every device a new firmware string) cannot grow it without bound.
const MAX_ENTRIES: usize = 16_384;

#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    /// The vendors with KEV entries, maker first.
    vendors: Vec<VendorId>,
    model: Option<String>,
    firmware: Option<String>,
}

pub(crate) struct KevMemo {
    map: Mutex<HashMap<Key, Arc<[KevNote]>>>,
}

impl KevMemo {
    pub(crate) fn new() -> Self {
        KevMemo {
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The KEV notes of a device with this maker, label, model and
    /// firmware, by CVE; empty when neither vendor has an entry.
    pub(crate) fn notes(
        &self,
        registry: &Registry,
        maker: Option<&VendorId>,
        label: Option<&VendorId>,
        model: Option<&str>,
        firmware: Option<&str>,
    ) -> Vec<KevNote> {
        let label = label.filter(|l| Some(*l) != maker);
        let vendors: Vec<&VendorId> = [maker, label]
            .into_iter()
            .flatten()
            .filter(|v| registry.has_kev(v))
            .collect();
        if vendors.is_empty() {
            return Vec::new();
        }
        let key = Key {
            vendors: vendors.iter().map(|v| (*v).clone()).collect(),
            model: model.map(str::to_owned),
            firmware: firmware.map(str::to_owned),
        };
        if let Some(hit) = self.lock().get(&key) {
            return hit.to_vec();
        }
        let notes = judge(registry, &vendors, model, firmware);
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.entry(key).or_insert_with(|| notes.as_slice().into());
        notes
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Arc<[KevNote]>>> {
        // Inserts are whole, so a map left by a panic elsewhere is still
        // consistent: keep using it.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The registry's judgement, with the reason saying so when the device's
/// firmware was not seen. Without firmware no build date is compared, so no
/// entry can be judged affected (nor not affected): `unknown`, never a guess.
fn judge(
    registry: &Registry,
    vendors: &[&VendorId],
    model: Option<&str>,
    firmware: Option<&str>,
) -> Vec<KevNote> {
    let mut notes = registry.kev_notes(vendors, model, firmware);
    if firmware.is_none() {
        for note in &mut notes {
            note.reason = format!("the device's firmware was not seen: {}", note.reason);
        }
    }
    notes
}
