//! A second lower bound: the LP relaxation of the site-period program, job
//! by job, over buckets of time.
//!
//! The horizon is cut into buckets of whole slots (several to a budget
//! period on small problems; whole periods merged on larger ones). For each
//! job, `done[j, b]` is the share of it finished by the end of bucket `b`
//! (non-decreasing in `b`, at most 1); each site has a call-out share
//! `visit[s, b] ≥ done[j, b] − done[j, b − 1]` for each of its jobs. Money
//! per budget period (or merged periods) and installer minutes per pool and
//! bucket (every week touching the bucket counted whole) are kept. Work
//! done in a bucket counts as done on the site's first open day in it,
//! which is never later than any schedule's; a device's risk removed is at
//! most the sum of its jobs' shares × what each removes, and at most what
//! its strongest action removes. Each of these only loosens the program a
//! schedule would satisfy, so the LP's minimum is below every schedule's
//! exposure. It is skipped (`None`) when the program would be too large
//! for microlp in the time allowed, or the solver runs out of time.

use std::time::Duration;

use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, WithTimeLimit, microlp, variable,
};

use crate::problem::Problem;

/// Variables at most; beyond this the knapsack bound stands alone.
const MAX_VARIABLES: usize = 12_000;
const SOLVE_LIMIT: Duration = Duration::from_secs(2);

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
        let split = per_period.floor() as u32;
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
    let sites = problem.estate.sites.len();
    let multi: Vec<usize> = (0..problem.estate.devices.len())
        .filter(|&d| problem.parts_of[d].len() > 1)
        .collect();
    let per_bucket = jobs + multi.len() + sites;
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
    let mut vars = ProblemVariables::new();
    // done[j][i]: cumulative share of job j by the end of bucket i; a
    // bucket in which the site is closed reuses the previous variable.
    let mut done: Vec<Vec<Option<Variable>>> = Vec::with_capacity(problem.jobs.len());
    for job in &problem.jobs {
        let mut row = Vec::with_capacity(nb);
        let mut last: Option<Variable> = None;
        for i in 0..nb {
            if open[job.site][i].is_some() {
                last = Some(vars.add(variable().min(0.0).max(1.0)));
            }
            row.push(last);
        }
        done.push(row);
    }
    let visit: Vec<Vec<Option<Variable>>> = open
        .iter()
        .map(|row| {
            row.iter()
                .map(|d| d.map(|_| vars.add(variable().min(0.0).max(1.0))))
                .collect()
        })
        .collect();
    let cap_of = |d: usize| -> f64 {
        problem.parts_of[d]
            .iter()
            .map(|&(j, k)| gain(problem, j, k))
            .fold(0.0, f64::max)
    };
    let removed: Vec<Vec<Variable>> = multi
        .iter()
        .map(|&d| {
            let cap = cap_of(d);
            (0..nb)
                .map(|_| vars.add(variable().min(0.0).max(cap)))
                .collect()
        })
        .collect();
    // The risk-days removed: a removal level holds from the site's first
    // open day of its bucket to the bucket's end, the previous level before.
    let level_days = |site: usize, i: usize| -> (f64, f64) {
        let day = open[site][i].unwrap_or(end(i));
        (f64::from(end(i) - day), f64::from(day - start(i)))
    };
    let mut objective = Expression::default();
    let add_level = |objective: &mut Expression, site: usize, level: &[Expression]| {
        for i in 0..nb {
            let (after, before) = level_days(site, i);
            *objective += level[i].clone() * after;
            if i > 0 {
                *objective += level[i - 1].clone() * before;
            }
        }
    };
    let is_multi: std::collections::HashSet<usize> = multi.iter().copied().collect();
    for (j, job) in problem.jobs.iter().enumerate() {
        let single: f64 = (0..job.parts.len())
            .filter(|&k| !is_multi.contains(&job.parts[k].device))
            .map(|k| gain(problem, j, k))
            .sum();
        if single > 0.0 {
            let level: Vec<Expression> = done[j]
                .iter()
                .map(|x| x.map_or(Expression::default(), |x| x * single))
                .collect();
            add_level(&mut objective, job.site, &level);
        }
    }
    for (m, &d) in multi.iter().enumerate() {
        let level: Vec<Expression> = removed[m].iter().map(|&r| r.into()).collect();
        add_level(&mut objective, problem.site_of[d], &level);
    }
    let total: f64 = problem
        .estate
        .devices
        .iter()
        .map(|d| d.risk.per_day())
        .sum();
    let horizon = f64::from(cal.days);
    let mut model = vars
        .maximise(objective.clone())
        .using(microlp)
        .with_time_limit(SOLVE_LIMIT.as_secs_f64());
    for (m, &d) in multi.iter().enumerate() {
        for i in 0..nb {
            let mut sum = Expression::default();
            for &(j, k) in &problem.parts_of[d] {
                if let Some(x) = done[j][i] {
                    sum += x * gain(problem, j, k);
                }
            }
            model.add_constraint((removed[m][i] - sum).leq(0.0));
        }
    }
    let mut spend: Vec<Expression> = vec![Expression::default(); b.unit_budget.len()];
    let pools = problem.pool_minutes.len();
    let mut used: Vec<Vec<Expression>> = vec![vec![Expression::default(); nb]; pools];
    for (j, job) in problem.jobs.iter().enumerate() {
        for i in 0..nb {
            // Open buckets have a variable of their own: the step is what
            // this bucket adds to the share done before it.
            let (Some(x), Some(y)) = (done[j][i], visit[job.site][i]) else {
                continue;
            };
            let step: Expression = match i.checked_sub(1).and_then(|p| done[j][p]) {
                Some(prev) => {
                    model.add_constraint((prev - x).leq(0.0));
                    x - prev
                }
                None => x.into(),
            };
            model.add_constraint((step.clone() - y).leq(0.0));
            spend[b.buckets[i].unit] += step.clone() * job.cost as f64;
            used[job.pool][i] += step * f64::from(job.minutes);
        }
    }
    for (s, row) in visit.iter().enumerate() {
        for (i, y) in row.iter().enumerate() {
            if let Some(y) = y {
                spend[b.buckets[i].unit] += *y * problem.call_out(s) as f64;
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
    let solution = match model.solve() {
        Ok(s) => s,
        Err(e) => {
            if std::env::var_os("PLAN_DEBUG").is_some() {
                eprintln!("lp: {e}");
            }
            return None;
        }
    };
    let removed_days = solution.eval(&objective);
    // The solver's tolerance may overshoot the true maximum a little: a
    // millionth of the total is given back so the bound stays below.
    let bound = total * horizon - removed_days * (1.0 + 1e-6) - 1e-6 * total * horizon;
    Some(bound.max(0.0))
}
