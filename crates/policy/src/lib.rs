//! Sites, zones and policy: from devices to findings and risk.
//!
//! - [`Estate`]: the estate file (organisation → sites → networks, the cost
//!   table, budget and capacity defaults), checked with file and line in
//!   every error (`docs/estate.md`);
//! - placement: each device on a site and zone by the longest matching
//!   prefix of its address, or by an asset register's site column; devices
//!   on no site are kept and reported as unplaced;
//! - [`Reachability`]: the scans that reached a device from a recorded
//!   vantage point (a covered device answering a scan from a core network
//!   is connected to it, whatever its address says);
//! - [`Policy`]: the controls as data (`data/policy/controls.toml`), each
//!   citing its rule, with an organisation's overlay;
//! - [`assess`]: findings (device, site, zone, control, severity, evidence,
//!   source) and each device's [`Risk`] (`README.md`, "How risk is scored");
//! - [`remedy`]: the findings as the scheduler's problem (`camaudit-plan`):
//!   actions with cost, installer time and the risk each leaves.
//!
//! ```
//! use camaudit_policy::{Estate, Policy, Reachability, assess};
//! let estate = Estate::parse("estate.toml", r#"
//!     organisation = { name = "Example Council" }
//!     [[site]]
//!     id = "hall"
//!     name = "Town Hall"
//!     sensitivity = "sensitive"
//!     [[site.network]]
//!     cidr = "10.1.0.0/24"
//!     zone = "core"
//! "#).unwrap();
//! let policy = Policy::builtin().unwrap();
//! let assessment = assess(&estate, &policy, Vec::new(), &Reachability::default());
//! assert!(assessment.findings.is_empty());
//! ```
//!
//! Pure: nothing here opens a socket or a database; callers bring the
//! devices and the scans' vantage points.

mod assess;
mod asset;
mod controls;
mod device_type;
mod estate;
mod place;
mod remedy;
mod risk;

pub use assess::{Assessed, Assessment, Finding, PlacedBy, Reachability, ScanProof, assess};
pub use asset::{Asset, Capability};
pub use controls::{
    Action, BUILTIN_CONTROLS, CapabilityPattern, Condition, Control, Example, Facts, Policy,
    Severity, Urgency,
};
pub use device_type::{TypePattern, TypeText};
pub use estate::{
    AccessWindow, Costs, Defaults, Estate, FileError, Network, Sensitivity, Site, Tie, UnknownZone,
    Weekday, Work, Zone, parse_hours,
};
pub use remedy::{DEFAULT_HOURS_PER_WEEK, Limits, Remedy, constraints, remedy};
pub use risk::{Extent, Risk, Weights, ZoneWeights, round, score};
