//! The site-period integer program: which budget period each site is
//! visited in, so that one call-out carries all the work done there.
//!
//! For a handful of sites at a time (those whose planned work the best
//! schedule so far leaves latest), their planned jobs are taken out of the
//! schedule and grouped per site and action kind. Binary `visit[s, p]`
//! says site `s` gets a visit in period `p`, paying its call-out once;
//! continuous `done[g, p]` is the share of group `g` done on that visit.
//! The program keeps the money and installer minutes the other sites left
//! free in each period and maximises the risk-days removed (each group's
//! risk per day × the days from the site's first open day in the period to
//! the horizon's end). The solution is then laid back into the schedule
//! slot by slot, where the exact budget, weekly capacity and access checks
//! apply; it is kept only when the exposure falls. A time limit per solve
//! and per pass bounds the work, so the pass always ends.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, WithMipGap, WithTimeLimit,
    microlp, variable,
};

use crate::greedy;
use crate::ledger::{Ledger, UNPLACED};
use crate::problem::{Problem, Urgency};

/// Sites per program: small enough for microlp's branch and bound to
/// finish or come close within the solve limit.
const SITES_PER_PROGRAM: usize = 8;
/// Wall-clock limit of one solve, and of the whole pass.
const SOLVE_LIMIT: Duration = Duration::from_millis(400);
const PASS_LIMIT: Duration = Duration::from_millis(1500);
/// At most this many programs a pass, whatever the time left.
const MAX_PROGRAMS: usize = 40;

/// What the pass did, for the reader of the plan.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PassReport {
    pub programs: u32,
    pub solved: u32,
    pub improved: u32,
}

/// Improves `ledger` with the program, a few sites at a time, worst first.
pub(crate) fn improve(ledger: &mut Ledger, values: &[f64]) -> PassReport {
    let started = Instant::now();
    let mut report = PassReport::default();
    let order = worst_sites(ledger, values);
    for chunk in order.chunks(SITES_PER_PROGRAM).take(MAX_PROGRAMS) {
        if started.elapsed() >= PASS_LIMIT {
            break;
        }
        report.programs += 1;
        match try_sites(ledger, values, chunk) {
            Outcome::Improved => {
                report.solved += 1;
                report.improved += 1;
            }
            Outcome::NoBetter => report.solved += 1,
            Outcome::Unsolved => {}
        }
    }
    report
}

enum Outcome {
    Improved,
    NoBetter,
    Unsolved,
}

/// Sites by the risk-days their planned work's delay costs: Σ risk per day
/// removed × the day it is done (the horizon's end when not placed).
fn worst_sites(ledger: &Ledger, values: &[f64]) -> Vec<usize> {
    let p = ledger.problem;
    let mut delay = vec![0.0; p.estate.sites.len()];
    for (j, job) in p.jobs.iter().enumerate() {
        if job.urgency != Urgency::Planned {
            continue;
        }
        let slot = ledger.slot_of[j];
        let day = if slot == UNPLACED {
            Some(p.calendar.days)
        } else {
            ledger.done_day(j, slot)
        };
        delay[job.site] += values[j] * f64::from(day.unwrap_or(p.calendar.days));
    }
    let mut sites: Vec<usize> = (0..delay.len()).filter(|&s| delay[s] > 0.0).collect();
    sites.sort_by(|&a, &b| delay[b].total_cmp(&delay[a]).then(a.cmp(&b)));
    sites
}

/// A site's planned jobs of one action kind.
struct Group {
    site: usize,
    jobs: Vec<usize>,
    value: f64,
    cost: f64,
    minutes: f64,
    pool: usize,
}

fn groups(ledger: &Ledger, values: &[f64], sites: &[usize]) -> Vec<Group> {
    let p = ledger.problem;
    let mut out: Vec<Group> = Vec::new();
    for &site in sites {
        let mut by_kind: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (j, job) in p.jobs.iter().enumerate() {
            if job.site == site && job.urgency == Urgency::Planned {
                by_kind
                    .entry(p.action(job.parts[0]).kind.name())
                    .or_default()
                    .push(j);
            }
        }
        for (_, mut jobs) in by_kind {
            jobs.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
            out.push(Group {
                site,
                value: jobs.iter().map(|&j| values[j]).sum(),
                cost: jobs.iter().map(|&j| p.jobs[j].cost as f64).sum(),
                minutes: jobs.iter().map(|&j| f64::from(p.jobs[j].minutes)).sum(),
                pool: p.jobs[jobs[0]].pool,
                jobs,
            });
        }
    }
    out
}

/// The first slot of each period, and the horizon's slot count at the end.
fn period_first_slots(problem: &Problem) -> Vec<u32> {
    let cal = &problem.calendar;
    cal.period_starts
        .iter()
        .map(|&d| cal.slot_from(d))
        .collect()
}

/// The first day site `site` can be visited in period `period`, if any.
fn first_open_day(problem: &Problem, firsts: &[u32], site: usize, period: usize) -> Option<u32> {
    (firsts[period]..firsts[period + 1]).find_map(|slot| problem.visit_days.day(site, slot))
}

fn try_sites(ledger: &mut Ledger, values: &[f64], sites: &[usize]) -> Outcome {
    let groups = groups(ledger, values, sites);
    let jobs: Vec<usize> = groups.iter().flat_map(|g| g.jobs.iter().copied()).collect();
    if jobs.is_empty() {
        return Outcome::NoBetter;
    }
    let before = exposure_of(ledger, &jobs);
    let mut trial = ledger.clone();
    for &j in &jobs {
        trial.unplace(j);
    }
    let Some(targets) = solve(&trial, sites, &groups) else {
        return Outcome::Unsolved;
    };
    lay_out(&mut trial, &groups, &targets);
    if exposure_of(&trial, &jobs) < before - 1e-9 {
        *ledger = trial;
        Outcome::Improved
    } else {
        Outcome::NoBetter
    }
}

/// The exposure of the devices these jobs touch.
fn exposure_of(ledger: &Ledger, jobs: &[usize]) -> f64 {
    let p = ledger.problem;
    let mut devices: Vec<usize> = jobs
        .iter()
        .flat_map(|&j| p.jobs[j].parts.iter().map(|part| part.device))
        .collect();
    devices.sort_unstable();
    devices.dedup();
    devices.iter().map(|&d| ledger.device_exposure(d)).sum()
}

/// Solves the program for `sites` against what `ledger` leaves free; for
/// each group, the share of it the solution does in each period.
fn solve(ledger: &Ledger, sites: &[usize], groups: &[Group]) -> Option<Vec<Vec<f64>>> {
    let p = ledger.problem;
    let cal = &p.calendar;
    let periods = cal.periods() as usize;
    let firsts = period_first_slots(p);
    let horizon = f64::from(cal.days).max(1.0);
    let budget_free: Vec<f64> = (0..periods)
        .map(|k| {
            if p.budget == u64::MAX {
                f64::INFINITY
            } else {
                p.budget.saturating_sub(ledger.spent[k]) as f64
            }
        })
        .collect();
    let minutes_free = |pool: usize, period: usize| -> f64 {
        let (first, last) = cal.period_span(period as u32);
        (first / 7..=last / 7)
            .map(|w| f64::from(ledger.free_minutes(pool, w)))
            .sum()
    };
    let scale = groups
        .iter()
        .map(|g| g.value)
        .fold(0.0, f64::max)
        .max(1e-12);
    let mut vars = ProblemVariables::new();
    // visit[i][k]: site sites[i] visited in period k (None: never open).
    let mut open_day: Vec<Vec<Option<u32>>> = Vec::with_capacity(sites.len());
    let mut visit: Vec<Vec<Option<Variable>>> = Vec::with_capacity(sites.len());
    for &site in sites {
        let days: Vec<Option<u32>> = (0..periods)
            .map(|k| first_open_day(p, &firsts, site, k))
            .collect();
        visit.push(
            days.iter()
                .map(|d| d.map(|_| vars.add(variable().binary())))
                .collect(),
        );
        open_day.push(days);
    }
    let index_of = |site: usize| sites.iter().position(|&s| s == site).unwrap_or(0);
    let done: Vec<Vec<Option<Variable>>> = groups
        .iter()
        .map(|g| {
            visit[index_of(g.site)]
                .iter()
                .map(|v| v.map(|_| vars.add(variable().min(0.0).max(1.0))))
                .collect()
        })
        .collect();
    let mut objective = Expression::default();
    for (g, group) in groups.iter().enumerate() {
        let i = index_of(group.site);
        for k in 0..periods {
            if let (Some(x), Some(day)) = (done[g][k], open_day[i][k]) {
                let days_left = (horizon - f64::from(day)) / horizon;
                objective += x * (group.value / scale * days_left);
            }
        }
    }
    // A visit that does nothing costs a call-out: a small price keeps the
    // solution from opening visits it does not use.
    for v in visit.iter().flatten().flatten() {
        objective -= *v * 1e-6;
    }
    let mut model = vars
        .maximise(objective)
        .using(microlp)
        .with_time_limit(SOLVE_LIMIT.as_secs_f64());
    model = model.with_mip_gap(0.005).ok()?;
    for (g, group) in groups.iter().enumerate() {
        let i = index_of(group.site);
        let mut once = Expression::default();
        for k in 0..periods {
            if let (Some(x), Some(y)) = (done[g][k], visit[i][k]) {
                once += x;
                model.add_constraint((x - y).leq(0.0));
            }
        }
        model.add_constraint(once.leq(1.0));
    }
    for (k, &free) in budget_free.iter().enumerate() {
        if !free.is_finite() {
            continue;
        }
        let mut spend = Expression::default();
        for (g, group) in groups.iter().enumerate() {
            if let Some(x) = done[g][k] {
                spend += x * group.cost;
            }
        }
        for (i, &site) in sites.iter().enumerate() {
            if let Some(y) = visit[i][k] {
                spend += y * p.call_out(site) as f64;
            }
        }
        model.add_constraint(spend.leq(free));
    }
    let pools: std::collections::BTreeSet<usize> = groups.iter().map(|g| g.pool).collect();
    for &pool in &pools {
        for k in 0..periods {
            let mut used = Expression::default();
            let mut any = false;
            for (group, row) in groups.iter().zip(&done) {
                if let (true, Some(x)) = (group.pool == pool, row[k]) {
                    used += x * group.minutes;
                    any = true;
                }
            }
            if any {
                model.add_constraint(used.leq(minutes_free(pool, k)));
            }
        }
    }
    // Out of time before any feasible solution: the schedule stays.
    let solution = model.solve().ok()?;
    Some(
        done.iter()
            .map(|per_period| {
                per_period
                    .iter()
                    .map(|x| x.map_or(0.0, |x| solution.value(x).clamp(0.0, 1.0)))
                    .collect()
            })
            .collect(),
    )
}

/// For each period and site (by index into the problem's sites), the risk
/// its batch of that period removes per share of a period's resources
/// (money and installer minutes weighed equally).
fn batch_density(p: &Problem, groups: &[Group], targets: &[Vec<f64>]) -> Vec<HashMap<usize, f64>> {
    let cal = &p.calendar;
    let periods = cal.periods() as usize;
    let weeks_per_period = f64::from(cal.weeks) / f64::from(cal.periods());
    let budget = if p.budget == u64::MAX {
        None
    } else {
        Some(p.budget as f64)
    };
    let mut totals: Vec<HashMap<usize, (f64, f64)>> = vec![HashMap::new(); periods];
    for (group, shares) in groups.iter().zip(targets) {
        let minutes_cap = f64::from(p.pool_minutes[group.pool]).max(1.0) * weeks_per_period;
        for (k, &share) in shares.iter().enumerate() {
            if share <= 0.0 {
                continue;
            }
            let price = group.minutes / minutes_cap
                + budget.map_or(0.0, |b| {
                    (group.cost + p.call_out(group.site) as f64) / b.max(1.0)
                });
            let e = totals[k].entry(group.site).or_insert((0.0, 0.0));
            e.0 += share * group.value;
            e.1 += share * price;
        }
    }
    totals
        .into_iter()
        .map(|m| {
            m.into_iter()
                .map(|(site, (value, price))| (site, value / price.max(f64::MIN_POSITIVE)))
                .collect()
        })
        .collect()
}

/// Places each group's jobs, best first, in the periods the solution gives
/// them (a site's jobs of one period on one visit when they fit), then
/// whatever the solution left out in the earliest slot it fits.
fn lay_out(ledger: &mut Ledger, groups: &[Group], targets: &[Vec<f64>]) {
    let p = ledger.problem;
    let firsts = period_first_slots(p);
    let slots = p.calendar.slots.len() as u32;
    // (period, site, job) for every job the solution places.
    let mut planned: Vec<(usize, usize, usize)> = Vec::new();
    let mut left: Vec<usize> = Vec::new();
    for (group, shares) in groups.iter().zip(targets) {
        let n = group.jobs.len() as f64;
        let mut next = 0;
        let mut cumulative = 0.0;
        for (k, &share) in shares.iter().enumerate() {
            cumulative += share;
            let upto = ((cumulative * n) + 1e-6).floor().min(n) as usize;
            for &job in &group.jobs[next..upto.max(next)] {
                planned.push((k, group.site, job));
            }
            next = upto.max(next);
        }
        left.extend_from_slice(&group.jobs[next..]);
    }
    // Within a period, the sites whose batch removes the most risk per
    // share of the period's money and installer time go first: the
    // program chose the period, the order inside it decides the weeks.
    let density = batch_density(p, groups, targets);
    planned.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(density[b.0][&b.1].total_cmp(&density[a.0][&a.1]))
            .then(a.1.cmp(&b.1))
    });
    let mut visit: Option<(usize, usize, u32)> = None;
    for (k, site, job) in planned {
        let slot = match visit {
            Some((vk, vs, slot)) if vk == k && vs == site && ledger.fits(job, slot) => Some(slot),
            _ => ledger.earliest(job, firsts[k], slots),
        };
        match slot {
            Some(slot) => {
                ledger.place(job, slot);
                visit = Some((k, site, slot));
            }
            None => left.push(job),
        }
    }
    greedy::place_in_order(ledger, &left);
}
