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
        for (dw, dg) in segments {
            w += dw;
            g += dg;
            weight.push(w);
            gain.push(g);
        }
        Knapsack { weight, gain }
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
    let devices: Vec<usize> = (0..problem.estate.devices.len()).collect();
    let total: f64 = problem
        .estate
        .devices
        .iter()
        .map(|d| d.risk.per_day())
        .sum();
    let share = call_out_shares(problem);
    let money =
        |d: usize, a: usize| problem.estate.devices[d].actions[a].cost.0 as f64 + share[d][a];
    let minutes = |d: usize, a: usize| f64::from(problem.estate.devices[d].actions[a].minutes.0);
    let pools = problem.pool_minutes.len();
    let pool_of_device = |d: usize| pool_of(problem, d);
    let by_pool: Vec<(Knapsack, f64)> = (0..pools)
        .map(|pool| {
            let members: Vec<usize> = devices
                .iter()
                .copied()
                .filter(|&d| pool_of_device(d) == pool)
                .collect();
            (
                Knapsack::new(problem, &members, &minutes),
                f64::from(problem.pool_minutes[pool]),
            )
        })
        .collect();
    let budget = (problem.budget != u64::MAX).then_some(problem.budget as f64);
    let money_sack = budget.map(|_| Knapsack::new(problem, &devices, &money));
    // Mixed: money and minutes priced so one period's budget and one
    // period's installer time each weigh `mix` and `1 - mix`.
    let weeks_per_period = f64::from(cal.weeks) / f64::from(cal.periods());
    // A pool without installers weighs its minutes against one minute a
    // week (so its work is not free) but brings no resource of its own.
    let staffed = problem.pool_minutes.iter().filter(|&&m| m > 0).count() as f64;
    let mixes: Vec<(f64, Knapsack)> = match budget {
        Some(b) => [0.25, 0.5, 0.75]
            .into_iter()
            .map(|mix| {
                let weighted = |d: usize, a: usize| {
                    let cap = f64::from(problem.pool_minutes[pool_of_device(d)]).max(1.0)
                        * weeks_per_period;
                    mix * money(d, a) / b.max(1.0) + (1.0 - mix) * minutes(d, a) / cap
                };
                (mix, Knapsack::new(problem, &devices, &weighted))
            })
            .collect(),
        None => Vec::new(),
    };
    let mut breaks: Vec<u32> = (0..cal.weeks)
        .map(|w| w * 7)
        .chain(cal.period_starts.iter().copied())
        .collect();
    breaks.sort_unstable();
    breaks.dedup();
    let mut exposure = 0.0;
    for pair in breaks.windows(2) {
        let (day, next) = (pair[0], pair[1].min(cal.days));
        if day >= next {
            continue;
        }
        let periods_begun = f64::from(cal.period_of(day) + 1);
        let weeks_begun = f64::from(day / 7 + 1);
        let mut removable: f64 = by_pool
            .iter()
            .map(|(k, cap)| k.gain(cap * weeks_begun))
            .sum();
        if let (Some(b), Some(k)) = (budget, &money_sack) {
            removable = removable.min(k.gain(b * periods_begun));
        }
        for (mix, k) in &mixes {
            let resource =
                mix * periods_begun + (1.0 - mix) * weeks_begun / weeks_per_period * staffed;
            removable = removable.min(k.gain(resource));
        }
        exposure += (total - removable).max(0.0) * f64::from(next - day);
    }
    exposure
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
