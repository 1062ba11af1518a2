//! Known exploited vulnerabilities of a device: the registry's KEV entries
//! for its manufacturer, and for its label brand when that brand has entries
//! of its own, judged for the device's model and firmware.
//!
//! What a rebrand means here (`docs/device-schema.md`): a KEV entry names
//! the vendor whose products were found exploitable. A relabelled device
//! runs its maker's firmware, so the maker's entries apply (an Amcrest
//! camera made by Dahua is judged against Dahua's CVE-2021-33044), on the
//! maker's own model number when the registry documents it (EmpireTech
//! NVR16CH-16P-2AI is Dahua's NVR5216-16P-EI, and Dahua's ranges list NVR5…
//! recorders, not EmpireTech numbers). An entry the catalog records against
//! the brand itself (Amcrest's CVE-2020-5735) was found on devices sold
//! under that label, so it applies too, on the label's model number. The
//! owner's entries do not: a subsidiary's products are another line.
//!
//! The judgement depends only on those vendors, the model numbers and the
//! firmware (its version, and the build date stated beside it), and an
//! estate repeats them: each combination is worked out once.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use camaudit_model::date::BuildDate;
use camaudit_model::{KevNote, VendorId};
use camaudit_registry::{ModelEquivalence, Registry};

/// Past this many entries the memo starts again, so that hostile input
/// (every device a new firmware string) cannot grow it without bound.
const MAX_ENTRIES: usize = 16_384;

/// What the judgement depends on.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Key {
    maker: Option<VendorId>,
    /// The label brand when it is not the maker: its own entries apply, and
    /// it says which model equivalence gives the maker's model number.
    label: Option<VendorId>,
    model: Option<String>,
    firmware: Option<String>,
    stated_build: Option<BuildDate>,
}

/// A device's firmware as the KEV ranges judge it: the version, and the
/// build date its evidence states beside the version (`build_date.rs`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Firmware<'a> {
    pub version: Option<&'a str>,
    pub stated_build: Option<BuildDate>,
}

pub(crate) struct KevMemo {
    map: Mutex<HashMap<Key, Vec<KevNote>>>,
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
        firmware: Firmware<'_>,
    ) -> Vec<KevNote> {
        let label = label.filter(|l| Some(*l) != maker);
        if ![maker, label]
            .into_iter()
            .flatten()
            .any(|v| registry.has_kev(v))
        {
            return Vec::new();
        }
        let key = Key {
            maker: maker.cloned(),
            label: label.cloned(),
            model: model.map(str::to_owned),
            firmware: firmware.version.map(str::to_owned),
            stated_build: firmware.stated_build,
        };
        if let Some(hit) = self.lock().get(&key) {
            return hit.clone();
        }
        let notes = judge(registry, &key);
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.entry(key).or_insert_with(|| notes.clone());
        notes
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Vec<KevNote>>> {
        // Inserts are whole, so a map left by a panic elsewhere is still
        // consistent: keep using it.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The maker's entries (on the maker's model number, when documented), then
/// the label's, each CVE once, by CVE.
fn judge(registry: &Registry, key: &Key) -> Vec<KevNote> {
    let (model, firmware) = (key.model.as_deref(), key.firmware.as_deref());
    let notes_of = |vendor: &VendorId, model: Option<&str>| {
        registry.kev_notes_built(&[vendor], model, firmware, key.stated_build)
    };
    let mut notes = Vec::new();
    if let Some(maker) = &key.maker {
        let original = key
            .label
            .as_ref()
            .zip(model)
            .and_then(|(label, model)| original_of(registry, maker, label, model));
        notes = match original {
            Some(eq) => notes_of(maker, Some(&eq.original_model))
                .into_iter()
                .map(|n| as_original(n, eq))
                .collect(),
            None => notes_of(maker, model),
        };
    }
    if let Some(label) = &key.label {
        for n in notes_of(label, model) {
            if !notes.iter().any(|o| o.cve == n.cve) {
                notes.push(n);
            }
        }
    }
    notes.sort_by(|a, b| a.cve.cmp(&b.cve));
    if firmware.is_none() {
        // Without firmware no build date is compared, so the registry judged
        // every entry unknown, never affected: say why.
        for note in &mut notes {
            note.reason = format!("the device's firmware was not seen: {}", note.reason);
        }
    }
    notes
}

/// The registry's equivalence saying the label's `model` is the maker's
/// own model, if it records one (exact numbers before variants).
fn original_of<'r>(
    registry: &'r Registry,
    maker: &VendorId,
    label: &VendorId,
    model: &str,
) -> Option<&'r ModelEquivalence> {
    registry
        .equivalents_of(model)
        .into_iter()
        .find(|eq| &eq.maker == maker && &eq.brand == label)
}

/// A note judged on the maker's model number says so, and cites the
/// equivalence's sources after the KEV entry's.
fn as_original(mut note: KevNote, eq: &ModelEquivalence) -> KevNote {
    note.reason = format!(
        "as {} {}, which the registry records {} {} to be: {}",
        eq.maker, eq.original_model, eq.brand, eq.model, note.reason
    );
    for s in &eq.sources {
        if !note.sources.contains(s) {
            note.sources.push(s.clone());
        }
    }
    note
}
