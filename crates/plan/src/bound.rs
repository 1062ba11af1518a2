//! A lower bound on the exposure of every schedule of a problem.
//!
//! At any day `t` a schedule has spent at most the budget of the periods
//! begun by `t` and used at most the installer minutes of the weeks begun
//! by `t`. The risk it has removed by then is therefore at most what the
//! best *fractional* choice of actions could remove with those resources:
//! a knapsack relaxation that forgets access windows, ties, the order of
//! immediate work and the indivisibility of jobs. Each device offers the
//! upper concave envelope of its actions (cost → risk removed), and the
//! best fractional choice takes envelope segments by slope. Call-outs are
//! not forgotten altogether: each job carries its site's call-out divided
//! by the site's number of jobs, since a site with any work done has paid
//! at least one call-out.
//!
//! Several knapsacks are valid at once (money alone; minutes alone, pool
//! by pool; money and minutes mixed with fixed weights), and the largest
//! residual risk any of them proves is kept for each stretch of days. The
//! bound is the sum of those residuals × the days they hold.

use crate::problem::Problem;

/// One resource as a weight per job part and the amount available by a
/// day; items of the same knapsack share the resource.
struct Knapsack {
    /// Envelope segments (weight, risk removed), steepest first, as prefix
    /// sums: `weight[i]`, `gain[i]` = totals of the first `i` segments.
    weight: Vec<f64>,
    gain: Vec<f64>,
    /// Each segment's slope, steepest first.
    slope: Vec<f64>,
}

impl Knapsack {
    /// `weight_of(device, action)` is the resource one action uses.
    fn new(
        problem: &Problem,
        devices: &[usize],
        weight_of: &dyn Fn(usize, usize) -> f64,
    ) -> Knapsack {
        let mut segments: Vec<(f64, f64)> = Vec::new();
        for &d in devices {
            envelope(problem, d, weight_of, &mut segments);
        }
        // Steepest first; free gains (zero weight) before everything.
        segments.sort_by(|a, b| slope(b).total_cmp(&slope(a)));
        let mut weight = Vec::with_capacity(segments.len() + 1);
        let mut gain = Vec::with_capacity(segments.len() + 1);
        let (mut w, mut g) = (0.0, 0.0);
        weight.push(w);
        gain.push(g);
        let slopes = segments.iter().map(slope).collect();
        for (dw, dg) in segments {
            w += dw;
            g += dg;
            weight.push(w);
            gain.push(g);
        }
        Knapsack {
            weight,
            gain,
            slope: slopes,
        }
    }

    /// The best of `gain(x) − price × x` for `x ≤ cap`: every segment
    /// steeper than `price`, as far as `cap` allows. Returns (x, gain(x)).
    fn take_above(&self, price: f64, cap: f64) -> (f64, f64) {
        let k = self.slope.partition_point(|&s| s > price);
        if self.weight[k] <= cap {
            (self.weight[k], self.gain[k])
        } else {
            (cap, self.gain(cap))
        }
    }

    fn steepest_finite(&self) -> f64 {
        self.slope
            .iter()
            .copied()
            .find(|s| s.is_finite())
            .unwrap_or(0.0)
    }

    /// The most risk per day removable with `resource`.
    fn gain(&self, resource: f64) -> f64 {
        let full = self.weight.partition_point(|&w| w <= resource) - 1;
        if full + 1 >= self.weight.len() {
            return self.gain[full];
        }
        let dw = self.weight[full + 1] - self.weight[full];
        let dg = self.gain[full + 1] - self.gain[full];
        self.gain[full] + dg * ((resource - self.weight[full]) / dw).clamp(0.0, 1.0)
    }
}

fn slope(&(w, g): &(f64, f64)) -> f64 {
    if w <= 0.0 { f64::INFINITY } else { g / w }
}

/// Pushes the segments of one device's upper concave envelope of
/// (resource used, risk removed), starting from (0, 0).
fn envelope(
    problem: &Problem,
    device: usize,
    weight_of: &dyn Fn(usize, usize) -> f64,
    out: &mut Vec<(f64, f64)>,
) {
    let d = &problem.estate.devices[device];
    let r0 = d.risk.per_day();
    let mut points: Vec<(f64, f64)> = d
        .actions
        .iter()
        .enumerate()
        .map(|(a, action)| {
            (
                weight_of(device, a),
                (r0 - action.risk_after.per_day()).max(0.0),
            )
        })
        .filter(|&(_, g)| g > 0.0)
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
    let mut hull: Vec<(f64, f64)> = vec![(0.0, 0.0)];
    for p in points {
        if p.1 <= hull[hull.len() - 1].1 {
            continue; // costs more and removes no more
        }
        while hull.len() >= 2 {
            let (a, b) = (hull[hull.len() - 2], hull[hull.len() - 1]);
            // Drop b when it lies on or under the chord from a to p.
            if (b.1 - a.1) * (p.0 - a.0) <= (p.1 - a.1) * (b.0 - a.0) {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(p);
    }
    out.extend(hull.windows(2).map(|w| (w[1].0 - w[0].0, w[1].1 - w[0].1)));
}

pub(crate) fn lower_bound(problem: &Problem) -> f64 {
    let cal = &problem.calendar;
    let total: f64 = problem
        .estate
        .devices
        .iter()
        .map(|d| d.risk.per_day())
        .sum();
    let limits = Limits::new(problem);
    let first_visit = first_visit_days(problem);
    let mut breaks: Vec<u32> = (0..cal.weeks)
        .map(|w| w * 7)
        .chain(cal.period_starts.iter().copied())
        .chain(
            first_visit
                .iter()
                .filter_map(|&d| d.filter(|&d| d < cal.days)),
        )
        .chain(std::iter::once(cal.days))
        .collect();
    breaks.sort_unstable();
    breaks.dedup();
    breaks
        .windows(2)
        .map(|pair| {
            let (day, next) = (pair[0], pair[1].min(cal.days));
            let days = f64::from(next.saturating_sub(day));
            let resources = (total - limits.removable(problem, day)).max(0.0);
            resources.max(unreachable_risk(problem, &first_visit, day)) * days
        })
        .sum()
}

/// The first day each device's site can be visited at all (`None`: never
/// within the horizon). Every action is done on a visit, so until that day
/// the device keeps all of its risk whatever the budget: without this term
/// a generous budget gives a bound of 0 against a plan that must wait for
/// the sites to open.
fn first_visit_days(problem: &Problem) -> Vec<Option<u32>> {
    let slots = problem.calendar.slots.len() as u32;
    let by_site: Vec<Option<u32>> = (0..problem.estate.sites.len())
        .map(|site| {
            (0..slots)
                .filter_map(|slot| problem.visit_days.day(site, slot))
                .min()
        })
        .collect();
    problem.site_of.iter().map(|&site| by_site[site]).collect()
}

/// The risk per day of the devices whose site cannot yet be visited on
/// `day`.
fn unreachable_risk(problem: &Problem, first_visit: &[Option<u32>], day: u32) -> f64 {
    problem
        .estate
        .devices
        .iter()
        .zip(first_visit)
        .filter(|(_, first)| first.is_none_or(|f| f > day))
        .map(|(d, _)| d.risk.per_day())
        .sum()
}

/// Every knapsack the bound consults.
struct Limits {
    /// Minutes alone, per pool: (knapsack, minutes a week).
    minutes: Vec<(Knapsack, f64)>,
    /// Minutes per pool with the access windows kept.
    restricted: Vec<RestrictedPool>,
    /// Money alone, with the budget per period; absent without a budget.
    money: Option<(Knapsack, f64)>,
    /// Money and minutes mixed: (share of money, knapsack).
    mixes: Vec<(f64, Knapsack)>,
    weeks_per_period: f64,
    /// Pools with any installers.
    staffed: f64,
}

impl Limits {
    fn new(problem: &Problem) -> Limits {
        let cal = &problem.calendar;
        let devices: Vec<usize> = (0..problem.estate.devices.len()).collect();
        let share = call_out_shares(problem);
        let action = |d: usize, a: usize| &problem.estate.devices[d].actions[a];
        let money = |d: usize, a: usize| action(d, a).cost.0 as f64 + share[d][a];
        let minutes = |d: usize, a: usize| f64::from(action(d, a).minutes.0);
        let pools = problem.pool_minutes.len();
        let pool_cap = |pool: usize| f64::from(problem.pool_minutes[pool]);
        let in_pool = |pool: usize| -> Vec<usize> {
            devices
                .iter()
                .copied()
                .filter(|&d| pool_of(problem, d) == pool)
                .collect()
        };
        let budget = (problem.budget != u64::MAX).then_some(problem.budget as f64);
        let weeks_per_period = f64::from(cal.weeks) / f64::from(cal.periods());
        // Mixed: money and minutes priced so one period's budget and one
        // period's installer time each weigh `mix` and `1 - mix`. A pool
        // without installers weighs its minutes against one minute a week
        // (so its work is not free) but brings no resource of its own.
        let mixes = match budget {
            Some(b) => [0.25, 0.5, 0.75]
                .into_iter()
                .map(|mix| {
                    let weighted = |d: usize, a: usize| {
                        let cap = pool_cap(pool_of(problem, d)).max(1.0) * weeks_per_period;
                        mix * money(d, a) / b.max(1.0) + (1.0 - mix) * minutes(d, a) / cap
                    };
                    (mix, Knapsack::new(problem, &devices, &weighted))
                })
                .collect(),
            None => Vec::new(),
        };
        Limits {
            minutes: (0..pools)
                .map(|p| (Knapsack::new(problem, &in_pool(p), &minutes), pool_cap(p)))
                .collect(),
            restricted: (0..pools)
                .map(|p| RestrictedPool::new(problem, p, &minutes))
                .collect(),
            money: budget.map(|b| (Knapsack::new(problem, &devices, &money), b)),
            mixes,
            weeks_per_period,
            staffed: problem.pool_minutes.iter().filter(|&&m| m > 0).count() as f64,
        }
    }

    /// The most risk per day any schedule can have removed by `day`: the
    /// least that any of the knapsacks allows.
    fn removable(&self, problem: &Problem, day: u32) -> f64 {
        let periods_begun = f64::from(problem.calendar.period_of(day) + 1);
        let week = day / 7;
        let weeks_begun = f64::from(week + 1);
        let mut removable: f64 = self
            .minutes
            .iter()
            .zip(&self.restricted)
            .map(|((k, cap), r)| k.gain(cap * weeks_begun).min(r.removable(week)))
            .sum();
        if let Some((k, budget)) = &self.money {
            removable = removable.min(k.gain(budget * periods_begun));
        }
        for (mix, k) in &self.mixes {
            let minutes = weeks_begun / self.weeks_per_period * self.staffed;
            removable = removable.min(k.gain(mix * periods_begun + (1.0 - mix) * minutes));
        }
        removable
    }
}

/// One installer pool's minutes with the access windows kept: the work of
/// sites that are open only in some weeks (a school in the holidays) can
/// only use those weeks' minutes, while all of the pool's work shares the
/// minutes of every week. Sites open in most weeks, or beyond the largest
/// patterns, join the unrestricted group: dropping a constraint keeps the
/// bound valid.
struct RestrictedPool {
    /// Installer minutes a week.
    cap: f64,
    unrestricted: Knapsack,
    /// A group of sites with one pattern of open weeks, and for each week
    /// the number of open weeks up to and including it.
    groups: Vec<(Knapsack, Vec<u32>)>,
}

/// Sites open in fewer than this share of weeks get a group of their own.
const RESTRICTED_SHARE: f64 = 0.9;
/// At most this many groups a pool (the most devices first).
const MAX_GROUPS: usize = 16;

impl RestrictedPool {
    fn new(
        problem: &Problem,
        pool: usize,
        minutes: &dyn Fn(usize, usize) -> f64,
    ) -> RestrictedPool {
        let cal = &problem.calendar;
        let weeks = cal.weeks as usize;
        let mut by_pattern: std::collections::HashMap<Vec<bool>, Vec<usize>> =
            std::collections::HashMap::new();
        let mut unrestricted_devices = Vec::new();
        let mut devices_of_site: Vec<Vec<usize>> = vec![Vec::new(); problem.estate.sites.len()];
        for (d, &site) in problem.site_of.iter().enumerate() {
            devices_of_site[site].push(d);
        }
        for (site, devices) in devices_of_site.into_iter().enumerate() {
            if problem.pool_of[site] != pool || devices.is_empty() {
                continue;
            }
            let mut open = vec![false; weeks];
            for (slot, s) in cal.slots.iter().enumerate() {
                if problem.visit_days.day(site, slot as u32).is_some() {
                    open[s.week as usize] = true;
                }
            }
            let share = open.iter().filter(|&&o| o).count() as f64 / weeks.max(1) as f64;
            if share < RESTRICTED_SHARE {
                by_pattern.entry(open).or_default().extend(devices);
            } else {
                unrestricted_devices.extend(devices);
            }
        }
        let mut patterns: Vec<(Vec<bool>, Vec<usize>)> = by_pattern.into_iter().collect();
        patterns.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        for (_, devices) in patterns.drain(MAX_GROUPS.min(patterns.len())..) {
            unrestricted_devices.extend(devices);
        }
        let groups = patterns
            .into_iter()
            .map(|(open, devices)| {
                let counts = open
                    .iter()
                    .scan(0u32, |n, &o| {
                        *n += u32::from(o);
                        Some(*n)
                    })
                    .collect();
                (Knapsack::new(problem, &devices, minutes), counts)
            })
            .collect();
        RestrictedPool {
            cap: f64::from(problem.pool_minutes[pool]),
            unrestricted: Knapsack::new(problem, &unrestricted_devices, minutes),
            groups,
        }
    }

    /// An upper limit on the risk removable by the end of `week` (weeks
    /// begun so far): the Lagrangian dual of the fractional problem, the
    /// total minutes priced at λ. Every λ gives a valid limit; a ternary
    /// search looks for the lowest, the function being convex.
    fn removable(&self, week: u32) -> f64 {
        let total = self.cap * f64::from(week + 1);
        let caps: Vec<f64> = self
            .groups
            .iter()
            .map(|(_, open)| self.cap * f64::from(open[week as usize]))
            .collect();
        let dual = |price: f64| {
            let (x, g) = self.unrestricted.take_above(price, f64::INFINITY);
            let mut value = price * total + g - price * x;
            for ((k, _), &cap) in self.groups.iter().zip(&caps) {
                let (x, g) = k.take_above(price, cap);
                value += g - price * x;
            }
            value
        };
        let top = self
            .groups
            .iter()
            .map(|(k, _)| k.steepest_finite())
            .fold(self.unrestricted.steepest_finite(), f64::max);
        let (mut lo, mut hi) = (0.0, top);
        let mut best = dual(0.0).min(dual(top));
        for _ in 0..60 {
            let a = lo + (hi - lo) / 3.0;
            let b = hi - (hi - lo) / 3.0;
            let (da, db) = (dual(a), dual(b));
            best = best.min(da).min(db);
            if da <= db {
                hi = b;
            } else {
                lo = a;
            }
        }
        best
    }
}

/// Each action's share of its site's call-out: the job's share
/// (call-out ÷ jobs on the site) split evenly among the job's parts.
fn call_out_shares(problem: &Problem) -> Vec<Vec<f64>> {
    let mut jobs_on_site = vec![0u32; problem.estate.sites.len()];
    for job in &problem.jobs {
        jobs_on_site[job.site] += 1;
    }
    let mut share: Vec<Vec<f64>> = problem
        .estate
        .devices
        .iter()
        .map(|d| vec![0.0; d.actions.len()])
        .collect();
    for job in &problem.jobs {
        let per_part = problem.call_out(job.site) as f64
            / f64::from(jobs_on_site[job.site].max(1))
            / job.parts.len() as f64;
        for part in &job.parts {
            share[part.device][part.action] = per_part;
        }
    }
    share
}

fn pool_of(problem: &Problem, device: usize) -> usize {
    problem.pool_of[problem.site_of[device]]
}
