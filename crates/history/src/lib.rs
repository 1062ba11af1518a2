//! What changed on a network between two scans, and each device's history
//! across scans.
//!
//! The hard part is identity: deciding that a device in one scan is the same
//! physical device as one in another. [`identity`] decides it from what the
//! firmware sets (the MAC, the serial number with its manufacturer) and only
//! where the two sightings offer no such identifier to compare, from the
//! address with the manufacturer and model. Names a person sets (ONVIF
//! name, host names, the label a name suggests) never decide it. Matches are
//! one-to-one and deterministic (`docs/diff.md`).
//!
//! On top of identity:
//! - [`diff`] compares two device lists: new, gone and changed devices,
//!   each change with the fields that changed, plus what a person looks
//!   for: a device replaced at the same address (and a covered device
//!   "replaced" by a rebrand of the same maker), coverage that changed,
//!   firmware upgrades and downgrades;
//! - [`diff_scans`] does it for two stored scans, refusing scans of
//!   different places, and looks at the earlier scans of the same place for
//!   covered devices that came back;
//! - [`history`] follows every device through a series of scans: first and
//!   last seen, and each change with its scan and time; [`place_history`]
//!   and [`device_history`] do it for the stored scans of one place.

mod diff;
mod error;
mod firmware;
pub mod identity;
mod scans;
mod sighting;
mod timeline;

pub use diff::{
    Change, ChangeKind, ChangedField, Diff, DiffCounts, FieldChange, Replacement, ReplacementKind,
    Return, ScanRef, diff,
};
pub use error::HistoryError;
pub use firmware::{FirmwareStep, compare_firmware};
pub use identity::MatchedBy;
pub use scans::{
    DiffOptions, Place, device_history, diff_estate_scans, diff_scans, diff_scans_with,
    place_history,
};
pub use sighting::Sighting;
pub use timeline::{DeviceHistory, Seen, TimelineChange, history};
