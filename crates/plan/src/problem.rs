//! The scheduler's input: an estate of sites and devices with the actions
//! policy asks for, and the constraints (start date, budget, installer
//! capacity). [`Problem::new`] checks the two against each other once, so
//! the scheduling code never meets a device on an unknown site or a tie to a
//! recorder that does not exist.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use time::{Date, Weekday};

use crate::PlanError;
use crate::calendar::{Calendar, VisitDays};
use crate::jobs::{self, Job, Part};
use crate::units::{Minutes, Pence, Risk};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(id: impl Into<String>) -> $name {
                $name(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A site's name as the estate file gives it ("Town Hall").
    SiteId
);
string_id!(
    /// A device's identity as the pipeline gives it (MAC, serial, else address).
    DeviceId
);
string_id!(
    /// A region of the estate ("North"): installer capacity may be per region.
    Region
);

/// Days on which a site can be worked on, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "DateRangeSpec", into = "DateRangeSpec")]
pub struct DateRange {
    first: Date,
    last: Date,
}

#[derive(Serialize, Deserialize)]
struct DateRangeSpec {
    #[serde(with = "crate::units::iso_date")]
    first: Date,
    #[serde(with = "crate::units::iso_date")]
    last: Date,
}

impl DateRange {
    /// Refuses a range that ends before it starts.
    pub fn new(first: Date, last: Date) -> Result<DateRange, PlanError> {
        if last < first {
            return Err(PlanError::BackwardsRange { first, last });
        }
        Ok(DateRange { first, last })
    }

    pub fn first(&self) -> Date {
        self.first
    }

    pub fn last(&self) -> Date {
        self.last
    }

    pub fn contains(&self, day: Date) -> bool {
        self.first <= day && day <= self.last
    }
}

impl TryFrom<DateRangeSpec> for DateRange {
    type Error = PlanError;
    fn try_from(s: DateRangeSpec) -> Result<DateRange, PlanError> {
        DateRange::new(s.first, s.last)
    }
}

impl From<DateRange> for DateRangeSpec {
    fn from(r: DateRange) -> DateRangeSpec {
        DateRangeSpec {
            first: r.first,
            last: r.last,
        }
    }
}

/// When installers may visit a site: on these weekdays, inside `open`
/// (every day if empty) and outside `closed`, for at most
/// `minutes_per_day` of each installer's time on each such day. A school
/// that allows work only in the holidays lists the holidays in `open`; a
/// ward closed for a month lists that month in `closed`; a site open two
/// hours a day sets `minutes_per_day` to 120, and a three-hour job there
/// takes two of its open days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessWindows {
    /// Weekdays installers may come; Monday to Friday by default.
    #[serde(default = "working_week")]
    pub weekdays: Vec<Weekday>,
    #[serde(default)]
    pub open: Vec<DateRange>,
    #[serde(default)]
    pub closed: Vec<DateRange>,
    /// The length of the site's daily window: the most one installer can
    /// work there on one open day. `None`: no limit within the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_per_day: Option<Minutes>,
}

fn working_week() -> Vec<Weekday> {
    use Weekday::*;
    vec![Monday, Tuesday, Wednesday, Thursday, Friday]
}

impl Default for AccessWindows {
    fn default() -> AccessWindows {
        AccessWindows {
            weekdays: working_week(),
            open: Vec::new(),
            closed: Vec::new(),
            minutes_per_day: None,
        }
    }
}

impl AccessWindows {
    /// Whether an installer may work on the site on `day`.
    pub fn allows(&self, day: Date) -> bool {
        self.weekdays.contains(&day.weekday())
            && (self.open.is_empty() || self.open.iter().any(|r| r.contains(day)))
            && !self.closed.iter().any(|r| r.contains(day))
    }
}

/// A place installers visit. Every visit costs one call-out, however many
/// devices are worked on that day: this is what batching saves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub id: SiteId,
    pub region: Region,
    /// The cost of one visit (travel, access, escort), shared by every
    /// action done on that visit.
    pub call_out: Pence,
    #[serde(default)]
    pub access: AccessWindows,
}

/// What is done to a device.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ActionKind {
    /// Unplug it or move it off the network: cheap, fast, reversible;
    /// removes part of the risk.
    Disconnect,
    /// Move it to an isolated CCTV network or VLAN.
    Segment,
    /// Update its firmware to a release that fixes these known exploited
    /// vulnerabilities (CVE ids).
    FirmwareUpdate { fixes: Vec<String> },
    /// Inspect a device whose maker is unknown ("verify those we can trust").
    Verify,
    /// Replace it with a device of this type from a trusted maker.
    Replace { device_type: String },
}

impl ActionKind {
    /// A short name for tables: "disconnect", "firmware-update", "replace".
    pub fn name(&self) -> &'static str {
        match self {
            ActionKind::Disconnect => "disconnect",
            ActionKind::Segment => "segment",
            ActionKind::FirmwareUpdate { .. } => "firmware-update",
            ActionKind::Verify => "verify",
            ActionKind::Replace { .. } => "replace",
        }
    }

    pub fn is_replace(&self) -> bool {
        matches!(self, ActionKind::Replace { .. })
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionKind::FirmwareUpdate { fixes } if !fixes.is_empty() => {
                write!(f, "firmware-update ({})", fixes.join(", "))
            }
            ActionKind::Replace { device_type } => write!(f, "replace ({device_type})"),
            other => f.write_str(other.name()),
        }
    }
}

/// Whether policy says an action must happen now (before any planned work)
/// or may be planned by risk and money.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    Now,
    #[default]
    Planned,
}

/// One action policy asks for on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    #[serde(flatten)]
    pub kind: ActionKind,
    #[serde(default)]
    pub urgency: Urgency,
    /// Equipment and labour, without the call-out (charged per visit).
    pub cost: Pence,
    /// Installer time on site.
    pub minutes: Minutes,
    /// The device's risk per day once this action is done. With several
    /// actions done, the lowest of their `risk_after` remains.
    pub risk_after: Risk,
    /// The policy control that asks for it, for the reader ("uk-wms-2022
    /// sensitive site"); free text.
    #[serde(default)]
    pub control: String,
}

/// A device and the actions policy asks for. Every action listed is
/// scheduled (or reported unscheduled with the reason); the scheduler only
/// chooses when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: DeviceId,
    pub site: SiteId,
    /// Its risk per day before any action.
    pub risk: Risk,
    pub actions: Vec<Action>,
    /// A camera tied to a recorder: its replacement happens on the same
    /// visit as the recorder's, never on its own.
    #[serde(default)]
    pub tied_to: Option<DeviceId>,
}

/// The length of a budget period. Periods run from the start date in whole
/// calendar months (a quarter from 1 January is January–March).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Period {
    Month,
    #[default]
    Quarter,
    Year,
}

impl Period {
    pub fn months(self) -> u32 {
        match self {
            Period::Month => 1,
            Period::Quarter => 3,
            Period::Year => 12,
        }
    }
}

/// Installer time available per week: one pool for the whole estate, or a
/// pool per region (regions without their own pool share `others`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capacity {
    Shared(Minutes),
    PerRegion {
        regions: BTreeMap<Region, Minutes>,
        #[serde(default)]
        others: Option<Minutes>,
    },
}

/// The limits a schedule keeps to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constraints {
    /// The first day work can happen; weeks and periods count from here.
    #[serde(with = "crate::units::iso_date")]
    pub start: Date,
    #[serde(default)]
    pub period: Period,
    /// Money per period, call-outs included; unspent money does not carry
    /// over. `None`: no limit.
    pub budget_per_period: Option<Pence>,
    pub capacity_per_week: Capacity,
    /// How many periods the plan may use; exposure is counted to their end.
    #[serde(default = "default_horizon")]
    pub horizon_periods: u32,
}

fn default_horizon() -> u32 {
    20
}

impl Constraints {
    /// Quarters from `start`, five years, one installer pool.
    pub fn new(start: Date, budget_per_period: Option<Pence>, capacity: Capacity) -> Constraints {
        Constraints {
            start,
            period: Period::Quarter,
            budget_per_period,
            capacity_per_week: capacity,
            horizon_periods: default_horizon(),
        }
    }
}

/// Sites and devices with the actions policy asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Estate {
    pub sites: Vec<Site>,
    pub devices: Vec<Device>,
}

/// An estate checked against its constraints: every device's site exists,
/// every tie points at a recorder on the same site with a replacement,
/// every region has installer capacity, the horizon fits the calendar. The
/// only way to reach the scheduler; it also holds the indexes the
/// scheduler works on, built once.
#[derive(Debug, Clone)]
pub struct Problem {
    pub(crate) estate: Estate,
    pub(crate) constraints: Constraints,
    pub(crate) calendar: Calendar,
    pub(crate) visit_days: VisitDays,
    pub(crate) jobs: Vec<Job>,
    /// For each device, its parts as (job, index in the job's parts).
    pub(crate) parts_of: Vec<Vec<(usize, usize)>>,
    /// For each device, the index of its site.
    pub(crate) site_of: Vec<usize>,
    /// For each site, the index of its installer pool.
    pub(crate) pool_of: Vec<usize>,
    /// Installer minutes per week of each pool.
    pub(crate) pool_minutes: Vec<u32>,
    /// Pence per period; `u64::MAX` without a limit.
    pub(crate) budget: u64,
}

impl Problem {
    pub fn new(estate: Estate, constraints: Constraints) -> Result<Problem, PlanError> {
        if constraints.horizon_periods == 0 {
            return Err(PlanError::NoHorizon);
        }
        let calendar = Calendar::new(&constraints)?;
        let site_index: HashMap<&SiteId, usize> =
            unique(estate.sites.iter().map(|s| &s.id), |id| {
                PlanError::DuplicateSite(id.clone())
            })?;
        let device_index: HashMap<&DeviceId, usize> =
            unique(estate.devices.iter().map(|d| &d.id), |id| {
                PlanError::DuplicateDevice(id.clone())
            })?;
        let site_of = estate
            .devices
            .iter()
            .map(|d| {
                site_index
                    .get(&d.site)
                    .copied()
                    .ok_or_else(|| PlanError::UnknownSite {
                        device: d.id.clone(),
                        site: d.site.clone(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let tied_to = estate
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| check_tie(&estate, &device_index, &site_of, i, d))
            .collect::<Result<Vec<_>, _>>()?;
        let (pool_minutes, pool_of) =
            installer_pools(&estate.sites, &constraints.capacity_per_week)?;
        let visit_days = VisitDays::new(&calendar, &estate.sites);
        let built = jobs::build(&estate, &site_of, &pool_of, &tied_to);
        Ok(Problem {
            budget: constraints.budget_per_period.map_or(u64::MAX, |b| b.0),
            estate,
            constraints,
            calendar,
            visit_days,
            jobs: built.jobs,
            parts_of: built.of_device,
            site_of,
            pool_of,
            pool_minutes: pool_minutes.into_iter().map(|m| m.0).collect(),
        })
    }

    pub fn estate(&self) -> &Estate {
        &self.estate
    }

    pub fn constraints(&self) -> &Constraints {
        &self.constraints
    }

    /// The same estate under other constraints (a what-if run).
    pub fn with_constraints(&self, constraints: Constraints) -> Result<Problem, PlanError> {
        Problem::new(self.estate.clone(), constraints)
    }

    pub(crate) fn call_out(&self, site: usize) -> u64 {
        self.estate.sites[site].call_out.0
    }

    pub(crate) fn action(&self, part: Part) -> &Action {
        &self.estate.devices[part.device].actions[part.action]
    }
}

fn unique<'a, K: Eq + std::hash::Hash>(
    ids: impl Iterator<Item = &'a K>,
    duplicate: impl Fn(&K) -> PlanError,
) -> Result<HashMap<&'a K, usize>, PlanError> {
    let mut index = HashMap::new();
    for (i, id) in ids.enumerate() {
        if index.insert(id, i).is_some() {
            return Err(duplicate(id));
        }
    }
    Ok(index)
}

fn check_tie(
    estate: &Estate,
    device_index: &HashMap<&DeviceId, usize>,
    site_of: &[usize],
    i: usize,
    device: &Device,
) -> Result<Option<usize>, PlanError> {
    let Some(recorder_id) = &device.tied_to else {
        return Ok(None);
    };
    let bad = |why: &'static str| PlanError::BadTie {
        device: device.id.clone(),
        recorder: recorder_id.clone(),
        why,
    };
    let &r = device_index
        .get(recorder_id)
        .ok_or_else(|| bad("no such device"))?;
    let recorder = &estate.devices[r];
    if r == i || recorder.tied_to.is_some() {
        return Err(bad("a recorder cannot itself be tied"));
    }
    if site_of[r] != site_of[i] {
        return Err(bad("the recorder is on another site"));
    }
    if !recorder.actions.iter().any(|a| a.kind.is_replace()) {
        return Err(bad("the recorder has no replacement to move with"));
    }
    if device
        .actions
        .iter()
        .filter(|a| a.kind.is_replace())
        .count()
        != 1
    {
        return Err(bad("a tied device needs exactly one replacement"));
    }
    Ok(Some(r))
}

fn installer_pools(
    sites: &[Site],
    capacity: &Capacity,
) -> Result<(Vec<Minutes>, Vec<usize>), PlanError> {
    match capacity {
        Capacity::Shared(m) => Ok((vec![*m], vec![0; sites.len()])),
        Capacity::PerRegion { regions, others } => {
            let mut pools: Vec<Minutes> = regions.values().copied().collect();
            let others_pool = others.map(|m| {
                pools.push(m);
                pools.len() - 1
            });
            let pool_of = sites
                .iter()
                .map(|s| match regions.keys().position(|r| *r == s.region) {
                    Some(p) => Ok(p),
                    None => others_pool.ok_or_else(|| PlanError::NoCapacity {
                        site: s.id.clone(),
                        region: s.region.clone(),
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((pools, pool_of))
        }
    }
}
