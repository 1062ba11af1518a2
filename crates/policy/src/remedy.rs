//! From findings to the scheduler's input: each device's risk per day and
//! the actions its findings ask for, with their cost, installer time and
//! the risk each leaves; each site's region, call-out and access days
//! (`camaudit_plan::Problem`).
//!
//! What each action leaves is the same score with the fact it fixes
//! changed: a disconnection puts the device on an isolated network with no
//! route out, a firmware update takes its KEV entries away, a replacement
//! or an inspection ends the device's risk (an inspection that finds a
//! covered maker is a new finding in the next run).

use std::collections::{BTreeMap, HashMap};

use camaudit_plan as plan;
use plan::{Minutes, Pence};
use time::{Date, Month};

use crate::assess::{Assessed, Assessment};
use crate::controls::{Action, Facts, Policy, Urgency};
use crate::estate::{AccessWindow, Estate, Site, Weekday, Work, Zone};
use crate::risk::{Extent, score};

/// The limits the schedule keeps to, in the estate's units.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub start: Date,
    /// Money per quarter, in the estate's currency; `None`: no limit.
    pub budget_per_quarter: Option<f64>,
    /// Installer hours per week for the whole estate; `None`: the estate's
    /// defaults (per region where it gives them).
    pub capacity_hours: Option<f64>,
    /// Quarters the plan may use.
    pub quarters: u32,
}

/// Installer hours a week when neither the estate nor a flag says: one
/// full-time installer.
pub const DEFAULT_HOURS_PER_WEEK: f64 = 37.5;

/// The scheduler's problem, and the devices that could not be put in it.
#[derive(Debug, Clone)]
pub struct Remedy {
    pub problem: plan::Problem,
    /// Devices with findings but on no site (indices into the
    /// assessment's devices): they need a site before they can be planned.
    pub unplanned: Vec<usize>,
    /// The scheduler's device id of each assessed device that has one.
    pub ids: HashMap<usize, plan::DeviceId>,
}

/// Builds the scheduler's problem from an assessment.
pub fn remedy(
    estate: &Estate,
    policy: &Policy,
    assessment: &Assessment,
    limits: &Limits,
) -> Result<Remedy, plan::PlanError> {
    let mut ids = HashMap::new();
    let mut taken: HashMap<String, u32> = HashMap::new();
    let mut unplanned = Vec::new();
    let mut devices = Vec::new();
    for (i, d) in assessment.devices.iter().enumerate() {
        let actions = actions(estate, policy, assessment, d)?;
        if actions.is_empty() {
            continue;
        }
        let Some(site) = d.site else {
            unplanned.push(i);
            continue;
        };
        let id = unique_id(&mut taken, &d.asset.id);
        ids.insert(i, id.clone());
        devices.push((
            i,
            plan::Device {
                id,
                site: plan::SiteId::new(estate.sites[site].id.clone()),
                risk: plan::Risk::new(d.risk.score)?,
                actions,
                tied_to: None,
            },
        ));
    }
    tie_cameras(assessment, &ids, &mut devices);
    let estate_in = plan::Estate {
        sites: estate
            .sites
            .iter()
            .map(|s| site(estate, s, limits))
            .collect(),
        devices: devices.into_iter().map(|(_, d)| d).collect(),
    };
    let problem = plan::Problem::new(estate_in, constraints(estate, limits))?;
    Ok(Remedy {
        problem,
        unplanned,
        ids,
    })
}

/// The same problem under other limits (a what-if run).
pub fn constraints(estate: &Estate, limits: &Limits) -> plan::Constraints {
    let capacity = match limits.capacity_hours {
        Some(h) => plan::Capacity::Shared(minutes(h)),
        None if !estate.defaults.regional_hours_per_week.is_empty() => plan::Capacity::PerRegion {
            regions: estate
                .defaults
                .regional_hours_per_week
                .iter()
                .map(|(r, h)| (plan::Region::new(r.clone()), minutes(*h)))
                .collect(),
            others: Some(minutes(
                estate
                    .defaults
                    .installer_hours_per_week
                    .unwrap_or(DEFAULT_HOURS_PER_WEEK),
            )),
        },
        None => plan::Capacity::Shared(minutes(
            estate
                .defaults
                .installer_hours_per_week
                .unwrap_or(DEFAULT_HOURS_PER_WEEK),
        )),
    };
    let budget = limits
        .budget_per_quarter
        .or(estate.defaults.budget_per_quarter);
    plan::Constraints {
        start: limits.start,
        period: plan::Period::Quarter,
        budget_per_period: budget.map(pence),
        capacity_per_week: capacity,
        horizon_periods: limits.quarters.max(1),
    }
}

fn unique_id(taken: &mut HashMap<String, u32>, id: &str) -> plan::DeviceId {
    let n = taken.entry(id.to_owned()).or_insert(0);
    *n += 1;
    if *n == 1 {
        plan::DeviceId::new(id)
    } else {
        plan::DeviceId::new(format!("{id}#{n}"))
    }
}

/// A camera moves with its recorder when both are replaced.
fn tie_cameras(
    assessment: &Assessment,
    ids: &HashMap<usize, plan::DeviceId>,
    devices: &mut [(usize, plan::Device)],
) {
    let replaced: HashMap<usize, bool> = devices
        .iter()
        .map(|(i, d)| (*i, d.actions.iter().any(|a| a.kind.is_replace())))
        .collect();
    for (i, d) in devices.iter_mut() {
        let Some(r) = assessment.devices[*i].tied_to else {
            continue;
        };
        let both = replaced.get(&r) == Some(&true)
            && d.actions.iter().filter(|a| a.kind.is_replace()).count() == 1
            && assessment.devices[r].tied_to.is_none();
        if both {
            d.tied_to = ids.get(&r).cloned();
        }
    }
}

fn site(estate: &Estate, s: &Site, limits: &Limits) -> plan::Site {
    plan::Site {
        id: plan::SiteId::new(s.id.clone()),
        region: plan::Region::new(s.region.clone().unwrap_or_else(|| "(none)".to_owned())),
        call_out: pence(estate.costs.callout),
        access: access(&s.access, limits),
    }
}

/// The days of the week any window allows, the months when every window
/// is limited to some months, and the shortest window's length as the
/// installer time one day allows (the scheduler carries a longer job over
/// the next open days; the shortest keeps every day's work inside its
/// window, whichever window that day has).
fn access(windows: &[AccessWindow], limits: &Limits) -> plan::AccessWindows {
    if windows.is_empty() {
        return plan::AccessWindows::default();
    }
    let mut weekdays: Vec<time::Weekday> = windows
        .iter()
        .flat_map(|w| w.days.iter().map(|d| weekday(*d)))
        .collect();
    weekdays.sort_by_key(|d| d.number_days_from_monday());
    weekdays.dedup();
    let open = if windows.iter().any(|w| w.months.is_empty()) {
        Vec::new()
    } else {
        let mut months: Vec<u8> = windows.iter().flat_map(|w| w.months.clone()).collect();
        months.sort_unstable();
        months.dedup();
        month_ranges(&months, limits)
    };
    let minutes_per_day = windows
        .iter()
        .filter_map(|w| crate::estate::parse_hours(&w.hours))
        .map(|(from, to)| u32::from(to - from))
        .min()
        .filter(|&m| m < 24 * 60)
        .map(Minutes);
    plan::AccessWindows {
        weekdays,
        open,
        closed: Vec::new(),
        minutes_per_day,
    }
}

/// Each listed month of every year the plan may reach.
fn month_ranges(months: &[u8], limits: &Limits) -> Vec<plan::DateRange> {
    let first_year = limits.start.year();
    let years = limits.quarters.div_ceil(4) as i32 + 1;
    let mut out = Vec::new();
    for year in first_year..=first_year + years {
        for &m in months {
            let Ok(month) = Month::try_from(m) else {
                continue;
            };
            let Ok(first) = Date::from_calendar_date(year, month, 1) else {
                continue;
            };
            let last = Date::from_calendar_date(year, month, month.length(year)).unwrap_or(first);
            if let Ok(r) = plan::DateRange::new(first, last) {
                out.push(r);
            }
        }
    }
    out
}

fn weekday(d: Weekday) -> time::Weekday {
    match d {
        Weekday::Mon => time::Weekday::Monday,
        Weekday::Tue => time::Weekday::Tuesday,
        Weekday::Wed => time::Weekday::Wednesday,
        Weekday::Thu => time::Weekday::Thursday,
        Weekday::Fri => time::Weekday::Friday,
        Weekday::Sat => time::Weekday::Saturday,
        Weekday::Sun => time::Weekday::Sunday,
    }
}

/// One scheduler action per kind of action the device's findings ask for,
/// "now" when any of those findings says so.
fn actions(
    estate: &Estate,
    policy: &Policy,
    assessment: &Assessment,
    d: &Assessed,
) -> Result<Vec<plan::Action>, plan::PlanError> {
    let mut by_kind: BTreeMap<Action, (Urgency, Vec<&str>)> = BTreeMap::new();
    for &f in &d.findings {
        let f = &assessment.findings[f];
        let entry = by_kind
            .entry(f.action)
            .or_insert((Urgency::Planned, Vec::new()));
        entry.0 = entry.0.min(f.urgency);
        entry.1.push(f.control.as_str());
    }
    let units = f64::from(d.asset.quantity.max(1));
    let costs = &estate.costs;
    by_kind
        .into_iter()
        .map(|(action, (urgency, controls))| {
            let (kind, work) = match action {
                Action::Disconnect => (plan::ActionKind::Disconnect, costs.disconnect),
                Action::UpdateFirmware => (
                    plan::ActionKind::FirmwareUpdate {
                        fixes: d.asset.kev_affected.clone(),
                    },
                    costs.update_firmware,
                ),
                Action::Verify => (plan::ActionKind::Verify, costs.verify),
                Action::Replace => {
                    let t = d.asset.device_type.map(|t| t.to_string());
                    (
                        plan::ActionKind::Replace {
                            device_type: t.clone().unwrap_or_else(|| "default".to_owned()),
                        },
                        costs.replacement(t.as_deref()),
                    )
                }
            };
            Ok(plan::Action {
                kind,
                urgency: match urgency {
                    Urgency::Now => plan::Urgency::Now,
                    Urgency::Planned => plan::Urgency::Planned,
                },
                cost: pence((work.cost + work.hours * costs.hourly_rate) * units),
                minutes: minutes_of(work, units),
                risk_after: plan::Risk::new(risk_after(policy, d, action))?,
                control: controls.join(", "),
            })
        })
        .collect()
}

fn minutes_of(work: Work, units: f64) -> Minutes {
    minutes(work.hours * units)
}

/// The device's score once `action` is done.
fn risk_after(policy: &Policy, d: &Assessed, action: Action) -> f64 {
    let facts = match action {
        Action::Replace | Action::Verify => return 0.0,
        Action::Disconnect => Facts {
            zone: d.facts.zone.map(|_| Zone::IsolatedCctv),
            reachable_from: Vec::new(),
            calls_home: false,
            ..d.facts.clone()
        },
        Action::UpdateFirmware => Facts {
            kev_affected: false,
            ..d.facts.clone()
        },
    };
    let extent = Extent {
        capabilities: d.capabilities.clone(),
        recorded_cameras: 0,
        units: d.asset.quantity,
    };
    // The recorded-camera share of the score is kept as it was.
    let before = score(&policy.weights, &d.facts, &extent).score;
    let after = score(&policy.weights, &facts, &extent).score;
    let ratio = if before > 0.0 { after / before } else { 0.0 };
    (d.risk.score * ratio).min(d.risk.score)
}

/// Money in the estate's currency as whole pence (hundredths).
fn pence(amount: f64) -> Pence {
    Pence((amount.max(0.0) * 100.0).round() as u64)
}

fn minutes(hours: f64) -> Minutes {
    Minutes((hours.max(0.0) * 60.0).round() as u32)
}
