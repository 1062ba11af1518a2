//! A second lower bound: the LP relaxation of the site-period program, job
//! by job, over buckets of time.
//!
//! The horizon is cut into buckets of whole slots (several to a budget
//! period on small problems; whole periods merged on larger ones). For each
//! job and each bucket in which its site is open, `step[j, b] ≥ 0` is the
//! share of the job done in that bucket, `Σ_b step[j, b] ≤ 1`. Money per
//! budget period (or merged periods) and installer minutes per pool and
//! bucket (every week touching the bucket counted whole) are kept; each
//! job carries its site's call-out divided by the site's number of jobs,
//! since a period in which any of a site's jobs is done pays at least one
//! call-out there. Work done in a bucket counts as done on the site's
//! first open day in it, never later than in any schedule; a device's risk
//! removed is at most the sum of its jobs' shares × what each removes, and
//! at most what its strongest action removes. Each of these only loosens
//! the program a schedule satisfies, so the LP's optimum is below every
//! schedule's exposure. It is skipped (`None`) when the program would be
//! too large for microlp in the time allowed, or the solver runs out of
//! time.

use std::time::Duration;

use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, WithTimeLimit, microlp, variable,
};

use crate::problem::Problem;

/// Variables at most; beyond this the knapsack bound stands alone.
const MAX_VARIABLES: usize = 6000;
const SOLVE_LIMIT: Duration = Duration::from_secs(2);
/// Buckets per budget period at most.
const MAX_SPLIT: u32 = 4;

/// A run of slots `first..end`, whose money comes from budget unit `unit`.
struct Bucket {
    first: u32,
    end: u32,
    unit: usize,
}

struct Buckets {
    buckets: Vec<Bucket>,
    /// Money of each unit (a period, or several merged).
    unit_budget: Vec<f64>,
}

fn buckets(problem: &Problem, per_period: f64) -> Buckets {
    let cal = &problem.calendar;
    let periods = cal.periods() as usize;
    let firsts: Vec<u32> = cal
        .period_starts
        .iter()
        .map(|&d| cal.slot_from(d))
        .collect();
    let budget = if problem.budget == u64::MAX {
        f64::INFINITY
    } else {
        problem.budget as f64
    };
    let mut out = Buckets {
        buckets: Vec::new(),
        unit_budget: Vec::new(),
    };
    if per_period >= 1.0 {
        // Beyond four buckets a period the bound gains little and the
        // solve time grows fast.
        let split = (per_period.floor() as u32).min(MAX_SPLIT);
        for k in 0..periods {
            let (first, end) = (firsts[k], firsts[k + 1]);
            let len = end - first;
            let parts = split.min(len).max(1);
            for i in 0..parts {
                let a = first + len * i / parts;
                let b = first + len * (i + 1) / parts;
                if b > a {
                    out.buckets.push(Bucket {
                        first: a,
                        end: b,
                        unit: k,
                    });
                }
            }
            out.unit_budget.push(budget);
        }
    } else {
        let merge = (1.0 / per_period).ceil() as usize;
        for (unit, k) in (0..periods).step_by(merge).enumerate() {
            let last = (k + merge).min(periods);
            out.buckets.push(Bucket {
                first: firsts[k],
                end: firsts[last],
                unit,
            });
            out.unit_budget.push(budget * (last - k) as f64);
        }
    }
    out
}

pub(crate) fn lower_bound(problem: &Problem) -> Option<f64> {
    let jobs = problem.jobs.len();
    let multi: Vec<usize> = (0..problem.estate.devices.len())
        .filter(|&d| problem.parts_of[d].len() > 1)
        .collect();
    let per_bucket = jobs + multi.len();
    if per_bucket == 0 {
        return None;
    }
    let periods = f64::from(problem.calendar.periods());
    let per_period = MAX_VARIABLES as f64 / per_bucket as f64 / periods;
    if per_period * periods < 2.0 {
        return None;
    }
    let buckets = buckets(problem, per_period);
    solve(problem, &buckets, &multi)
}

/// A device's risk removed by each part (from its first risk).
fn gain(problem: &Problem, job: usize, k: usize) -> f64 {
    let part = problem.jobs[job].parts[k];
    let r0 = problem.estate.devices[part.device].risk.per_day();
    (r0 - problem.action(part).risk_after.per_day()).max(0.0)
}

fn solve(problem: &Problem, b: &Buckets, multi: &[usize]) -> Option<f64> {
    let cal = &problem.calendar;
    let nb = b.buckets.len();
    let sites = problem.estate.sites.len();
    // open[s][i]: site s's first open day in bucket i.
    let open: Vec<Vec<Option<u32>>> = (0..sites)
        .map(|s| {
            b.buckets
                .iter()
                .map(|bk| (bk.first..bk.end).find_map(|slot| problem.visit_days.day(s, slot)))
                .collect()
        })
        .collect();
    let start = |i: usize| cal.slots[b.buckets[i].first as usize].first;
    let end = |i: usize| cal.slots[b.buckets[i].end as usize - 1].end;
    let horizon = f64::from(cal.days);
    let mut jobs_on_site = vec![0u32; sites];
    for job in &problem.jobs {
        jobs_on_site[job.site] += 1;
    }
    let mut vars = ProblemVariables::new();
    let step: Vec<Vec<Option<Variable>>> = problem
        .jobs
        .iter()
        .map(|job| {
            open[job.site]
                .iter()
                .map(|d| d.map(|_| vars.add(variable().min(0.0))))
                .collect()
        })
        .collect();
    let cap_of = |d: usize| -> f64 {
        problem.parts_of[d]
            .iter()
            .map(|&(j, k)| gain(problem, j, k))
            .fold(0.0, f64::max)
    };
    // A device with several jobs: its removal level in each bucket, at most
    // its strongest action's gain and at most the sum of its jobs' shares.
    let level: Vec<Vec<Variable>> = multi
        .iter()
        .map(|&d| {
            let cap = cap_of(d);
            (0..nb)
                .map(|_| vars.add(variable().min(0.0).max(cap)))
                .collect()
        })
        .collect();
    let is_multi: std::collections::HashSet<usize> = multi.iter().copied().collect();
    let mut objective = Expression::default();
    for (j, job) in problem.jobs.iter().enumerate() {
        let single: f64 = (0..job.parts.len())
            .filter(|&k| !is_multi.contains(&job.parts[k].device))
            .map(|k| gain(problem, j, k))
            .sum();
        for (i, x) in step[j].iter().enumerate() {
            if let (Some(x), Some(day)) = (x, open[job.site][i]) {
                objective += *x * (single * (horizon - f64::from(day)));
            }
        }
    }
    for (m, &d) in multi.iter().enumerate() {
        let site = problem.site_of[d];
        for i in 0..nb {
            let day = open[site][i].unwrap_or(end(i));
            objective += level[m][i] * f64::from(end(i) - day);
            if i > 0 {
                objective += level[m][i - 1] * f64::from(day - start(i));
            }
        }
    }
    let total: f64 = problem
        .estate
        .devices
        .iter()
        .map(|d| d.risk.per_day())
        .sum();
    let mut model = vars
        .maximise(objective.clone())
        .using(microlp)
        .with_time_limit(SOLVE_LIMIT.as_secs_f64());
    for row in &step {
        let mut once = Expression::default();
        for x in row.iter().flatten() {
            once += *x;
        }
        model.add_constraint(once.leq(1.0));
    }
    for (m, &d) in multi.iter().enumerate() {
        let mut cumulative = Expression::default();
        for i in 0..nb {
            for &(j, k) in &problem.parts_of[d] {
                if let Some(x) = step[j][i] {
                    cumulative += x * gain(problem, j, k);
                }
            }
            model.add_constraint((level[m][i] - cumulative.clone()).leq(0.0));
        }
    }
    let mut spend: Vec<Expression> = vec![Expression::default(); b.unit_budget.len()];
    let pools = problem.pool_minutes.len();
    let mut used: Vec<Vec<Expression>> = vec![vec![Expression::default(); nb]; pools];
    for (j, job) in problem.jobs.iter().enumerate() {
        let call_out = problem.call_out(job.site) as f64 / f64::from(jobs_on_site[job.site]);
        for (i, x) in step[j].iter().enumerate() {
            if let Some(x) = x {
                spend[b.buckets[i].unit] += *x * (job.cost as f64 + call_out);
                used[job.pool][i] += *x * f64::from(job.minutes);
            }
        }
    }
    for (unit, money) in spend.into_iter().enumerate() {
        if b.unit_budget[unit].is_finite() {
            model.add_constraint(money.leq(b.unit_budget[unit]));
        }
    }
    for (pool, per_bucket) in used.into_iter().enumerate() {
        let week_minutes = f64::from(problem.pool_minutes[pool]);
        for (i, minutes) in per_bucket.into_iter().enumerate() {
            let weeks = f64::from(
                cal.slots[b.buckets[i].end as usize - 1].week
                    - cal.slots[b.buckets[i].first as usize].week
                    + 1,
            );
            model.add_constraint(minutes.leq(week_minutes * weeks));
        }
    }
    // Out of time (or a solver failure): the knapsack bound stands alone.
    let solution = model.solve().ok()?;
    let removed_days = solution.eval(&objective);
    // The solver's tolerance may overshoot the true maximum a little: a
    // millionth of the total is given back so the bound stays below.
    let bound = total * horizon - removed_days * (1.0 + 1e-6) - 1e-6 * total * horizon;
    Some(bound.max(0.0))
}
