//! The greedy baseline: every action policy marks "now" first, then the
//! rest in order of risk removed per pound (call-out included, as if the
//! job were the visit's only one), each in the earliest slot it fits.

use crate::ledger::Ledger;
use crate::problem::{Problem, Urgency};

/// Risk per day each job removes: for an immediate job, from the device's
/// starting risk; for a planned one, from what is left once the immediate
/// actions are done (they always come first).
pub(crate) fn values(problem: &Problem) -> Vec<f64> {
    let after_now: Vec<f64> = problem
        .estate
        .devices
        .iter()
        .map(|d| {
            d.actions
                .iter()
                .filter(|a| a.urgency == Urgency::Now)
                .fold(d.risk.per_day(), |r, a| r.min(a.risk_after.per_day()))
        })
        .collect();
    problem
        .jobs
        .iter()
        .map(|job| {
            job.parts
                .iter()
                .map(|&part| {
                    let from = match job.urgency {
                        Urgency::Now => problem.estate.devices[part.device].risk.per_day(),
                        Urgency::Planned => after_now[part.device],
                    };
                    (from - problem.action(part).risk_after.per_day()).max(0.0)
                })
                .sum()
        })
        .collect()
}

/// Jobs of one urgency, most risk removed per pound first; `with_call_out`
/// counts a visit's call-out against each job.
pub(crate) fn by_ratio(
    problem: &Problem,
    values: &[f64],
    urgency: Urgency,
    with_call_out: bool,
) -> Vec<usize> {
    let ratio = |j: usize| {
        let job = &problem.jobs[j];
        let call_out = if with_call_out {
            problem.call_out(job.site)
        } else {
            0
        };
        values[j] / (job.cost + call_out).max(1) as f64
    };
    let mut jobs: Vec<usize> = (0..problem.jobs.len())
        .filter(|&j| problem.jobs[j].urgency == urgency)
        .collect();
    jobs.sort_by(|&a, &b| ratio(b).total_cmp(&ratio(a)).then(a.cmp(&b)));
    jobs
}

/// Places each job, in order, in the earliest slot it fits. Weeks whose
/// free installer time is below the smallest job's are passed over for
/// good (placing only ever uses time up), which keeps long runs fast.
pub(crate) fn place_in_order(ledger: &mut Ledger, order: &[usize]) {
    let p = ledger.problem;
    let cal = &p.calendar;
    let slots = cal.slots.len() as u32;
    let smallest = order.iter().map(|&j| p.jobs[j].minutes).min().unwrap_or(0);
    let mut floor = vec![0u32; p.pool_minutes.len()];
    for &job in order {
        let pool = p.jobs[job].pool;
        let from = cal.slot_from(floor[pool] * 7);
        if let Some(slot) = ledger.earliest(job, from, slots) {
            ledger.place(job, slot);
            while floor[pool] < cal.weeks && ledger.free_minutes(pool, floor[pool]) < smallest {
                floor[pool] += 1;
            }
        }
    }
}

/// A ledger with only the immediate actions placed: the common start of
/// every schedule, so planned work can never delay them.
pub(crate) fn immediate<'p>(problem: &'p Problem, values: &[f64]) -> Ledger<'p> {
    let mut ledger = Ledger::new(problem);
    place_in_order(&mut ledger, &by_ratio(problem, values, Urgency::Now, true));
    ledger
}

pub(crate) fn greedy<'p>(problem: &'p Problem, values: &[f64]) -> Ledger<'p> {
    let mut ledger = immediate(problem, values);
    place_in_order(
        &mut ledger,
        &by_ratio(problem, values, Urgency::Planned, true),
    );
    ledger
}
