//! Properties of every plan, on estates proptest generates: budgets and
//! capacities are kept, every action is placed or reported with a reason,
//! immediate actions come first, the optimiser is never worse than greedy
//! and the bound is never above either. The checks recompute everything
//! from the public schedule, not from the scheduler's own bookkeeping.

use std::collections::{BTreeMap, HashMap};

use camaudit_plan::*;
use proptest::prelude::*;
use time::{Date, Duration, Weekday};

const START: Date = time::macros::date!(2027 - 01 - 01);

#[derive(Debug, Clone)]
struct SiteSpec {
    region: u8,
    call_out: u64,
    /// 0: weekdays; 1: one open range; 2: a closed range; 3: weekends only.
    access: u8,
    from: u16,
    len: u16,
    /// The daily window in minutes, if the site has one.
    window: Option<u32>,
}

#[derive(Debug, Clone)]
struct ActionSpec {
    kind: u8,
    now: bool,
    cost: u64,
    minutes: u32,
    /// risk_after as a share of the device's risk, in tenths.
    after: u8,
}

#[derive(Debug, Clone)]
struct DeviceSpec {
    site: usize,
    risk: u16,
    actions: Vec<ActionSpec>,
    replace: Option<(u64, u32)>,
    tie: bool,
}

fn site_spec() -> impl Strategy<Value = SiteSpec> {
    (
        0u8..3,
        0u64..400,
        0u8..4,
        0u16..400,
        1u16..90,
        prop::option::of(30u32..300),
    )
        .prop_map(|(region, call_out, access, from, len, window)| SiteSpec {
            region,
            call_out,
            access,
            from,
            len,
            window,
        })
}

fn action_spec() -> impl Strategy<Value = ActionSpec> {
    (0u8..3, any::<bool>(), 0u64..300, 0u32..240, 0u8..10).prop_map(
        |(kind, now, cost, minutes, after)| ActionSpec {
            kind,
            now,
            cost,
            minutes,
            after,
        },
    )
}

fn device_spec(sites: usize) -> impl Strategy<Value = DeviceSpec> {
    (
        0..sites,
        0u16..50,
        prop::collection::vec(action_spec(), 0..3),
        prop::option::of((50u64..3000, 30u32..600)),
        any::<bool>(),
    )
        .prop_map(|(site, risk, actions, replace, tie)| DeviceSpec {
            site,
            risk,
            actions,
            replace,
            tie,
        })
}

#[derive(Debug, Clone)]
struct Case {
    estate: Estate,
    constraints: Constraints,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..6)
        .prop_flat_map(|n| {
            (
                prop::collection::vec(site_spec(), n),
                prop::collection::vec(device_spec(n), 0..30),
                prop::option::of(500u64..20_000),
                0u8..3,
                (60u32..3000, 0u8..3, 1u32..8),
            )
        })
        .prop_map(
            |(sites, devices, budget, period, (minutes, per_region, horizon))| {
                build(
                    &sites, &devices, budget, period, minutes, per_region, horizon,
                )
            },
        )
}

fn day(offset: u16) -> Date {
    START + Duration::days(i64::from(offset))
}

fn range(from: u16, len: u16) -> DateRange {
    DateRange::new(day(from), day(from + len)).expect("len is positive")
}

fn build(
    sites: &[SiteSpec],
    devices: &[DeviceSpec],
    budget: Option<u64>,
    period: u8,
    minutes: u32,
    per_region: u8,
    horizon: u32,
) -> Case {
    let sites: Vec<Site> = sites
        .iter()
        .enumerate()
        .map(|(i, s)| Site {
            id: SiteId(format!("site-{i}")),
            region: Region(format!("r{}", s.region)),
            call_out: Pence::pounds(s.call_out),
            access: AccessWindows {
                minutes_per_day: s.window.map(Minutes),
                ..match s.access {
                    0 => AccessWindows::default(),
                    1 => AccessWindows {
                        open: vec![range(s.from, s.len)],
                        ..AccessWindows::default()
                    },
                    2 => AccessWindows {
                        closed: vec![range(s.from, s.len)],
                        ..AccessWindows::default()
                    },
                    _ => AccessWindows {
                        weekdays: vec![Weekday::Saturday, Weekday::Sunday],
                        ..AccessWindows::default()
                    },
                }
            },
        })
        .collect();
    let mut out: Vec<Device> = Vec::new();
    // The last device with a replacement on each site, which later ones
    // may be tied to (with the same urgency, as policy would give them).
    let mut recorder: HashMap<usize, (DeviceId, Urgency)> = HashMap::new();
    for (i, d) in devices.iter().enumerate() {
        let risk = f64::from(d.risk);
        let mut actions: Vec<Action> = d
            .actions
            .iter()
            .map(|a| Action {
                kind: match a.kind {
                    0 => ActionKind::Disconnect,
                    1 => ActionKind::FirmwareUpdate {
                        fixes: vec!["CVE-2017-7921".into()],
                    },
                    _ => ActionKind::Verify,
                },
                urgency: if a.now {
                    Urgency::Now
                } else {
                    Urgency::Planned
                },
                cost: Pence::pounds(a.cost),
                minutes: Minutes(a.minutes),
                risk_after: Risk::new(risk * f64::from(a.after) / 10.0).expect("finite"),
                control: String::new(),
            })
            .collect();
        // One action of each kind per device, so a test can tell them apart.
        actions.sort_by(|a, b| a.kind.cmp(&b.kind));
        actions.dedup_by(|a, b| a.kind == b.kind);
        let id = DeviceId(format!("dev-{i}"));
        let mut tied_to = None;
        if let Some((cost, minutes)) = d.replace {
            let tie = recorder.get(&d.site).filter(|_| d.tie).cloned();
            let urgency = match &tie {
                Some((_, u)) => *u,
                None if d.risk > 40 => Urgency::Now,
                None => Urgency::Planned,
            };
            actions.push(Action {
                kind: ActionKind::Replace {
                    device_type: "camera".into(),
                },
                urgency,
                cost: Pence::pounds(cost),
                minutes: Minutes(minutes),
                risk_after: Risk::ZERO,
                control: String::new(),
            });
            match tie {
                Some((r, _)) => tied_to = Some(r),
                None => {
                    recorder.insert(d.site, (id.clone(), urgency));
                }
            }
        }
        out.push(Device {
            id,
            site: SiteId(format!("site-{}", d.site)),
            risk: Risk::new(risk).expect("finite"),
            actions,
            tied_to,
        });
    }
    let capacity = match per_region {
        0 => Capacity::Shared(Minutes(minutes)),
        1 => Capacity::PerRegion {
            regions: (0..3)
                .map(|r| (Region(format!("r{r}")), Minutes(minutes)))
                .collect(),
            others: None,
        },
        _ => Capacity::PerRegion {
            regions: [(Region("r0".into()), Minutes(minutes / 2))].into(),
            others: Some(Minutes(minutes)),
        },
    };
    let mut constraints = Constraints::new(START, budget.map(Pence::pounds), capacity);
    constraints.period = [Period::Month, Period::Quarter, Period::Year][usize::from(period)];
    constraints.horizon_periods = horizon;
    Case {
        estate: Estate {
            sites,
            devices: out,
        },
        constraints,
    }
}

/// The installer pool key of a site, worked out from the constraints.
fn pool(c: &Constraints, region: &Region) -> (String, u32) {
    match &c.capacity_per_week {
        Capacity::Shared(m) => ("shared".into(), m.0),
        Capacity::PerRegion { regions, others } => match regions.get(region) {
            Some(m) => (region.0.clone(), m.0),
            None => ("others".into(), others.map_or(0, |m| m.0)),
        },
    }
}

fn check_limits(case: &Case, s: &Schedule) -> Result<(), TestCaseError> {
    let sites: HashMap<&SiteId, &Site> = case.estate.sites.iter().map(|s| (&s.id, s)).collect();
    let mut spent: BTreeMap<u32, u64> = BTreeMap::new();
    let mut used: BTreeMap<(String, i64), u32> = BTreeMap::new();
    let mut seen_visit: HashMap<(SiteId, i64), Date> = HashMap::new();
    for v in &s.visits {
        let site = sites[&v.site];
        prop_assert!(
            site.access.allows(v.date),
            "{} visited on a closed day {}",
            v.site,
            v.date
        );
        prop_assert!(v.date >= s.start && v.date < s.end);
        prop_assert_eq!(v.call_out, site.call_out);
        for a in &v.actions {
            check_window(site, v.date, a, s.end)?;
        }
        let week = (v.date - s.start).whole_days() / 7;
        // One visit a week, or two when a new budget period begins mid-week.
        if let Some(other) = seen_visit.insert((v.site.clone(), week), v.date) {
            let other_period = s
                .periods
                .iter()
                .position(|p| p.first <= other && other <= p.last);
            prop_assert_ne!(
                other_period,
                Some(v.period as usize),
                "two visits to {} in week {}",
                v.site,
                week
            );
        }
        let period = &s.periods[v.period as usize];
        prop_assert!(period.first <= v.date && v.date <= period.last);
        *spent.entry(v.period).or_default() += v.cost().0;
        let (key, cap) = pool(&case.constraints, &site.region);
        let minutes = used.entry((key, week)).or_default();
        *minutes += v.minutes().0;
        prop_assert!(
            *minutes <= cap,
            "week {} uses {} of {} minutes",
            week,
            minutes,
            cap
        );
    }
    if let Some(budget) = case.constraints.budget_per_period {
        for (period, total) in &spent {
            prop_assert!(
                *total <= budget.0,
                "period {} spends {} of {}",
                period,
                total,
                budget.0
            );
        }
    }
    for p in &s.periods {
        prop_assert_eq!(p.spent.0, spent.get(&p.index).copied().unwrap_or(0));
    }
    Ok(())
}

/// An action's work falls on the site's open days only, at most its daily
/// window a day: from the visit's date to the day it is finished there
/// are enough open days for its minutes (a recorder's job also carries
/// its tied cameras' minutes, so this is the least it needs).
fn check_window(
    site: &Site,
    visit: Date,
    a: &ScheduledAction,
    end: Date,
) -> Result<(), TestCaseError> {
    prop_assert!(
        a.done >= visit && a.done < end,
        "{} done {} outside {}..{}",
        a.device,
        a.done,
        visit,
        end
    );
    prop_assert!(
        site.access.allows(a.done),
        "{} finished on a closed day {}",
        a.device,
        a.done
    );
    match site.access.minutes_per_day {
        None => prop_assert_eq!(a.done, visit, "no daily window, yet the work spans days"),
        Some(window) => {
            let open_days = (0..=(a.done - visit).whole_days())
                .filter(|&d| site.access.allows(visit + Duration::days(d)))
                .count() as u32;
            prop_assert!(
                open_days * window.0 >= a.minutes.0,
                "{}: {} minutes in {} open days of {} minutes",
                a.device,
                a.minutes.0,
                open_days,
                window.0
            );
        }
    }
    Ok(())
}

/// Every action of every device appears once: scheduled or unscheduled.
fn check_complete(case: &Case, s: &Schedule) -> Result<(), TestCaseError> {
    let mut count: HashMap<(DeviceId, String), usize> = HashMap::new();
    for (_, a) in s.actions() {
        *count
            .entry((a.device.clone(), a.action.to_string()))
            .or_default() += 1;
    }
    for u in &s.unscheduled {
        *count
            .entry((u.device.clone(), u.action.to_string()))
            .or_default() += 1;
        if u.reason == Unplaceable::OverBudget {
            let budget = case.constraints.budget_per_period.map_or(u64::MAX, |b| b.0);
            let d = case
                .estate
                .devices
                .iter()
                .find(|d| d.id == u.device)
                .expect("known device");
            let a = d
                .actions
                .iter()
                .find(|a| a.kind == u.action)
                .expect("known action");
            let site = case
                .estate
                .sites
                .iter()
                .find(|s| s.id == d.site)
                .expect("known site");
            prop_assert!(
                a.cost.0 + site.call_out.0 > budget || d.tied_to.is_some() || a.kind.is_replace()
            );
        }
    }
    let mut wanted: HashMap<(DeviceId, String), usize> = HashMap::new();
    for d in &case.estate.devices {
        for a in &d.actions {
            *wanted
                .entry((d.id.clone(), a.kind.to_string()))
                .or_default() += 1;
        }
    }
    prop_assert_eq!(count, wanted);
    Ok(())
}

/// Σ risk per day × days, recomputed from the visit dates.
fn exposure(case: &Case, s: &Schedule) -> f64 {
    let mut done: HashMap<&DeviceId, Vec<(i64, f64)>> = HashMap::new();
    let horizon = (s.end - s.start).whole_days();
    for (_, a) in s.actions() {
        let d = case
            .estate
            .devices
            .iter()
            .find(|d| d.id == a.device)
            .expect("known device");
        let action = d
            .actions
            .iter()
            .find(|x| x.kind == a.action)
            .expect("known action");
        done.entry(&d.id)
            .or_default()
            .push(((a.done - s.start).whole_days(), action.risk_after.per_day()));
    }
    case.estate
        .devices
        .iter()
        .map(|d| {
            let mut steps = done.remove(&d.id).unwrap_or_default();
            steps.sort_by_key(|s| s.0);
            let (mut risk, mut since, mut total) = (d.risk.per_day(), 0, 0.0);
            for (day, after) in steps {
                total += risk * (day - since) as f64;
                risk = risk.min(after);
                since = day;
            }
            total + risk * (horizon - since) as f64
        })
        .sum()
}

/// The estate with only its immediate actions.
fn immediate_only(case: &Case) -> Case {
    let mut estate = case.estate.clone();
    for d in &mut estate.devices {
        d.actions.retain(|a| a.urgency == Urgency::Now);
    }
    let replaces: Vec<DeviceId> = estate
        .devices
        .iter()
        .filter(|d| d.actions.iter().any(|a| a.kind.is_replace()))
        .map(|d| d.id.clone())
        .collect();
    for d in &mut estate.devices {
        if d.tied_to.as_ref().is_some_and(|r| !replaces.contains(r)) {
            d.tied_to = None;
        }
    }
    Case {
        estate,
        constraints: case.constraints.clone(),
    }
}

fn now_dates(s: &Schedule) -> Vec<(DeviceId, String, Date)> {
    let mut v: Vec<_> = s
        .actions()
        .filter(|(_, a)| a.urgency == Urgency::Now)
        .map(|(v, a)| (a.device.clone(), a.action.to_string(), v.date))
        .collect();
    v.sort();
    v
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_plan_keeps_its_limits_and_places_or_explains_every_action(case in case()) {
        let problem = Problem::new(case.estate.clone(), case.constraints.clone()).expect("valid case");
        let plan = plan(&problem);
        for s in [&plan.greedy, &plan.optimised] {
            check_limits(&case, s)?;
            check_complete(&case, s)?;
            prop_assert!(close(exposure(&case, s), s.exposure.0), "exposure {} reported as {}", exposure(&case, s), s.exposure.0);
        }
    }

    #[test]
    fn the_optimiser_is_never_worse_than_greedy_and_the_bound_never_above_either(case in case()) {
        let problem = Problem::new(case.estate.clone(), case.constraints.clone()).expect("valid case");
        let plan = plan(&problem);
        prop_assert!(plan.optimised.exposure.0 <= plan.greedy.exposure.0 + 1e-6);
        prop_assert!(plan.bound.0 <= plan.optimised.exposure.0 * (1.0 + 1e-9) + 1e-6, "bound {} above plan {}", plan.bound.0, plan.optimised.exposure.0);
        prop_assert!(plan.gap() >= -1e-9 && plan.gap() <= 1.0);
    }

    #[test]
    fn immediate_actions_are_placed_as_if_no_planned_work_existed(case in case()) {
        let problem = Problem::new(case.estate.clone(), case.constraints.clone()).expect("valid case");
        let alone = immediate_only(&case);
        let alone = Problem::new(alone.estate, alone.constraints).expect("still valid");
        let expected = now_dates(&greedy(&alone));
        let plan = plan(&problem);
        prop_assert_eq!(&now_dates(&plan.greedy), &expected);
        prop_assert_eq!(&now_dates(&plan.optimised), &expected);
    }

    #[test]
    fn with_room_enough_every_action_is_scheduled(case in case()) {
        let mut c = case.constraints.clone();
        c.budget_per_period = None;
        c.capacity_per_week = Capacity::Shared(Minutes(100_000));
        c.period = Period::Year;
        c.horizon_periods = 2;
        let mut estate = case.estate.clone();
        for s in &mut estate.sites {
            s.access = AccessWindows::default();
        }
        let problem = Problem::new(estate, c).expect("valid case");
        let plan = plan(&problem);
        prop_assert!(plan.greedy.unscheduled.is_empty());
        prop_assert!(plan.optimised.unscheduled.is_empty());
        let first = plan.optimised.visits.first().map(|v| v.date);
        prop_assert!(first.is_none_or(|d| d <= START + Duration::days(3)), "first visit {:?}", first);
    }
}
