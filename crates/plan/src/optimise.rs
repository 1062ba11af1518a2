//! The optimiser: candidate schedules (greedy's, work batched per site so a
//! visit's call-out is shared, orders priced by money and installer time),
//! the best of them improved by local search, then by the site-period
//! integer program ([`program`]) on the sites whose work is left latest,
//! then local search again. Every step keeps the better schedule, so the
//! optimised plan is never worse than greedy. Immediate jobs are never
//! moved: they keep the places they had before any planned work existed.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use crate::greedy;
use crate::ledger::{Ledger, UNPLACED};
use crate::problem::{Problem, Urgency};
use crate::program;
use crate::schedule::{Optimisation, Producer};

/// Rounds of local search at most; each round merges visits and pulls
/// jobs earlier, and the search stops early when a round changes nothing.
const ROUNDS: usize = 6;

pub(crate) fn optimise<'p>(
    problem: &'p Problem,
    values: &[f64],
    greedy: &Ledger<'p>,
) -> (Ledger<'p>, Optimisation) {
    let prices = [1.0, 0.5, 0.0].map(|share| Prices::new(problem, share));
    let mut best = greedy.clone();
    let mut best_exposure = best.exposure();
    let mut seed = Producer::Greedy;
    // Two independent halves, one on another thread.
    let (batches, orders) = std::thread::scope(|scope| {
        let batches = scope.spawn(|| {
            prices
                .iter()
                .map(|p| batched(problem, values, p))
                .collect::<Vec<_>>()
        });
        let orders: Vec<Ledger> = prices[1..]
            .iter()
            .map(|p| priced(problem, values, p))
            .collect();
        let batches = batches
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (batches, orders)
    });
    let candidates = batches
        .into_iter()
        .map(|l| (l, Producer::SiteBatches))
        .chain(orders.into_iter().map(|l| (l, Producer::PricedOrder)));
    for (candidate, producer) in candidates {
        let exposure = candidate.exposure();
        if exposure < best_exposure {
            best = candidate;
            best_exposure = exposure;
            seed = producer;
        }
    }
    let mut method = seed;
    local_search(&mut best, values);
    let searched = best.exposure();
    if searched < best_exposure {
        method = Producer::LocalSearch;
    }
    let pass = program::improve(&mut best, values);
    if pass.improved > 0 {
        method = Producer::IntegerProgram;
        local_search(&mut best, values);
    }
    let optimisation = Optimisation {
        seed,
        method,
        programs: pass.programs,
        programs_solved: pass.solved,
        programs_improved: pass.improved,
    };
    (best, optimisation)
}

/// What a job costs in a price that mixes money and installer time, each
/// counted as a share of what one period offers so the two can be added:
/// `money_share` 1 prices money alone (greedy's risk per pound), 0
/// installer time alone (what matters while capacity, not money, runs out).
pub(crate) struct Prices {
    money_share: f64,
    budget: f64,
    weeks_per_period: f64,
}

impl Prices {
    fn new(problem: &Problem, money_share: f64) -> Prices {
        let cal = &problem.calendar;
        let limited = problem.budget != u64::MAX;
        Prices {
            money_share: if limited { money_share } else { 0.0 },
            budget: if limited { problem.budget as f64 } else { 1.0 },
            weeks_per_period: f64::from(cal.weeks) / f64::from(cal.periods()),
        }
    }

    fn job(&self, problem: &Problem, j: usize) -> f64 {
        let job = &problem.jobs[j];
        let cap = f64::from(problem.pool_minutes[job.pool]).max(1.0) * self.weeks_per_period;
        self.money_share * job.cost as f64 / self.budget
            + (1.0 - self.money_share) * f64::from(job.minutes) / cap
    }

    fn call_out(&self, problem: &Problem, site: usize) -> f64 {
        self.money_share * problem.call_out(site) as f64 / self.budget
    }
}

/// Immediate jobs, then planned jobs by risk removed per price, call-out
/// included, each in the earliest slot it fits.
fn priced<'p>(problem: &'p Problem, values: &[f64], prices: &Prices) -> Ledger<'p> {
    let mut ledger = greedy::immediate(problem, values);
    let ratio = |j: usize| {
        let price = prices.job(problem, j) + prices.call_out(problem, problem.jobs[j].site);
        values[j] / price.max(f64::MIN_POSITIVE)
    };
    let mut order = greedy::by_ratio(problem, values, Urgency::Planned, true);
    order.sort_by(|&a, &b| ratio(b).total_cmp(&ratio(a)).then(a.cmp(&b)));
    greedy::place_in_order(&mut ledger, &order);
    ledger
}

/// A site's pending jobs, best ratio first, and the ratio of its best
/// bundle: the prefix that removes the most risk per pound once the
/// call-out is shared by every job in it.
struct SiteQueue {
    pending: Vec<usize>,
}

#[derive(PartialEq)]
struct Ranked {
    ratio: f64,
    site: usize,
    version: u32,
}

impl Eq for Ranked {}

impl Ord for Ranked {
    fn cmp(&self, other: &Ranked) -> Ordering {
        self.ratio
            .total_cmp(&other.ratio)
            .then(other.site.cmp(&self.site))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn best_bundle(
    problem: &Problem,
    values: &[f64],
    prices: &Prices,
    site: usize,
    pending: &[usize],
) -> (f64, usize) {
    let (mut value, mut cost) = (0.0, prices.call_out(problem, site));
    let mut best = (f64::NEG_INFINITY, 0);
    for (i, &job) in pending.iter().enumerate() {
        value += values[job];
        cost += prices.job(problem, job);
        let ratio = value / cost.max(f64::MIN_POSITIVE);
        if ratio > best.0 {
            best = (ratio, i + 1);
        }
    }
    best
}

/// Immediate jobs as greedy places them; then planned work site by site,
/// best bundle first, each bundle on one visit when it fits.
fn batched<'p>(problem: &'p Problem, values: &[f64], prices: &Prices) -> Ledger<'p> {
    let mut ledger = greedy::immediate(problem, values);
    let own_ratio = |j: usize| values[j] / prices.job(problem, j).max(f64::MIN_POSITIVE);
    let mut queues: Vec<SiteQueue> = (0..problem.estate.sites.len())
        .map(|_| SiteQueue {
            pending: Vec::new(),
        })
        .collect();
    let mut planned = greedy::by_ratio(problem, values, Urgency::Planned, false);
    planned.sort_by(|&a, &b| own_ratio(b).total_cmp(&own_ratio(a)).then(a.cmp(&b)));
    for job in planned {
        queues[problem.jobs[job].site].pending.push(job);
    }
    let mut versions = vec![0u32; queues.len()];
    let mut heap: BinaryHeap<Ranked> = queues
        .iter()
        .enumerate()
        .filter(|(_, q)| !q.pending.is_empty())
        .map(|(site, q)| Ranked {
            ratio: best_bundle(problem, values, prices, site, &q.pending).0,
            site,
            version: 0,
        })
        .collect();
    let slots = problem.calendar.slots.len() as u32;
    while let Some(top) = heap.pop() {
        if top.version != versions[top.site] {
            continue;
        }
        let site = top.site;
        let pending = std::mem::take(&mut queues[site].pending);
        let (_, len) = best_bundle(problem, values, prices, site, &pending);
        let threshold = heap.peek().map_or(0.0, |next| next.ratio);
        let extra = pending[len..]
            .iter()
            .take_while(|&&j| own_ratio(j) >= threshold)
            .count();
        let bundle = &pending[..len + extra];
        let mut left: Vec<usize> = Vec::new();
        match ledger.earliest(bundle[0], 0, slots) {
            None => {} // never fits: reported unscheduled
            Some(slot) => {
                ledger.place(bundle[0], slot);
                for &job in &bundle[1..] {
                    if ledger.fits(job, slot) {
                        ledger.place(job, slot);
                    } else {
                        left.push(job);
                    }
                }
            }
        }
        left.extend_from_slice(&pending[len + extra..]);
        if !left.is_empty() {
            versions[site] += 1;
            heap.push(Ranked {
                ratio: best_bundle(problem, values, prices, site, &left).0,
                site,
                version: versions[site],
            });
        }
        queues[site].pending = left;
    }
    ledger
}

pub(crate) fn local_search(ledger: &mut Ledger, values: &[f64]) {
    for _ in 0..ROUNDS {
        let merged = merge_visits(ledger);
        let pulled = pull_earlier(ledger, values);
        if !merged && !pulled {
            break;
        }
    }
}

/// Moves the planned jobs of a site's later visit into an earlier visit
/// of the same site when they fit: the work is done sooner (exposure can
/// only fall) and one call-out is saved for other work.
fn merge_visits(ledger: &mut Ledger) -> bool {
    let p = ledger.problem;
    let mut by_site: BTreeMap<usize, Vec<(u32, Vec<usize>)>> = BTreeMap::new();
    for ((site, slot), jobs) in ledger.visits() {
        let planned: Vec<usize> = jobs
            .into_iter()
            .filter(|&j| p.jobs[j].urgency == Urgency::Planned)
            .collect();
        by_site.entry(site).or_default().push((slot, planned));
    }
    let mut changed = false;
    for visits in by_site.values() {
        for later in (1..visits.len()).rev() {
            let (from, jobs) = &visits[later];
            if jobs.is_empty() {
                continue;
            }
            for (to, _) in &visits[..later] {
                if move_all(ledger, jobs, *from, *to) {
                    changed = true;
                    break;
                }
            }
        }
    }
    changed
}

/// Moves every job from slot `from` to slot `to`, or none of them.
fn move_all(ledger: &mut Ledger, jobs: &[usize], from: u32, to: u32) -> bool {
    if jobs.iter().any(|&j| ledger.slot_of[j] != from) {
        return false; // moved already this round
    }
    for &j in jobs {
        ledger.unplace(j);
    }
    let mut placed = Vec::with_capacity(jobs.len());
    for &j in jobs {
        if !ledger.fits(j, to) {
            for &k in &placed {
                ledger.unplace(k);
            }
            for &k in jobs {
                ledger.place(k, from);
            }
            return false;
        }
        ledger.place(j, to);
        placed.push(j);
    }
    true
}

/// Moves each planned job, most risk removed first, to the earliest slot
/// it now fits, when that lowers its devices' exposure.
fn pull_earlier(ledger: &mut Ledger, values: &[f64]) -> bool {
    let p = ledger.problem;
    let mut order: Vec<usize> = (0..p.jobs.len())
        .filter(|&j| {
            p.jobs[j].urgency == Urgency::Planned
                && ledger.slot_of[j] != UNPLACED
                && values[j] > 0.0
        })
        .collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut changed = false;
    for job in order {
        let current = ledger.slot_of[job];
        if current == 0 {
            continue;
        }
        let before = ledger.job_exposure(job);
        ledger.unplace(job);
        match ledger.earliest(job, 0, current) {
            Some(slot) => {
                ledger.place(job, slot);
                if ledger.job_exposure(job) < before {
                    changed = true;
                } else {
                    ledger.unplace(job);
                    ledger.place(job, current);
                }
            }
            None => ledger.place(job, current),
        }
    }
    changed
}
