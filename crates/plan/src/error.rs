//! The crate's one error type: a problem that cannot be scheduled as given,
//! naming the site, device or value at fault.

use time::Date;

use crate::problem::{DeviceId, Region, SiteId};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("risk {0} is not a finite, non-negative number")]
    BadRisk(f64),
    #[error("date range {first} to {last} ends before it starts")]
    BackwardsRange { first: Date, last: Date },
    #[error("site \"{0}\" appears twice in the estate")]
    DuplicateSite(SiteId),
    #[error("device \"{0}\" appears twice in the estate")]
    DuplicateDevice(DeviceId),
    #[error("device \"{device}\" is on site \"{site}\", which the estate does not list")]
    UnknownSite { device: DeviceId, site: SiteId },
    #[error("device \"{device}\" is tied to recorder \"{recorder}\": {why}")]
    BadTie {
        device: DeviceId,
        recorder: DeviceId,
        why: &'static str,
    },
    #[error(
        "site \"{site}\" is in region \"{region}\", which has no installer capacity: give the region a capacity or set one for other regions"
    )]
    NoCapacity { site: SiteId, region: Region },
    #[error("the plan needs at least one period (horizon_periods is 0)")]
    NoHorizon,
    #[error("a horizon of {0} periods is longer than the hundred years a plan may cover")]
    HorizonTooLong(u32),
}
