//! camaudit's remediation scheduler.
//!
//! Policy turns findings into actions on devices (disconnect now, update the
//! firmware, verify, replace later); this crate decides when each is done.
//! The input is a [`Problem`]: an [`Estate`] of [`Site`]s (region, call-out
//! cost, access windows) and [`Device`]s (risk per day, the [`Action`]s
//! policy asks for, each with its cost, installer time and the risk left
//! after it, and whether policy says "now"), checked against
//! [`Constraints`] (start date, budget per period, installer capacity per
//! week, optionally per region). The output is a [`Schedule`]: dated site
//! visits whose call-out is shared by every action done on them, totals per
//! period, the residual-risk curve and the cumulative exposure
//! (Σ risk per day × days until remediated), the quantity minimised.
//!
//! A [`Plan`] holds two schedules and a bound: the greedy baseline (actions
//! marked "now" first, then the most risk removed per pound), the optimised
//! schedule (work batched per site to share call-outs, then local search;
//! never worse than greedy), and a lower bound on the exposure of any
//! schedule, from which [`Plan::gap`] says how far from the best possible
//! the plan can be.
//!
//! Money is integer pence ([`Pence`]), time on site whole [`Minutes`],
//! dates [`time::Date`]; a [`Risk`] cannot be negative or NaN.

mod bound;
mod calendar;
mod error;
mod greedy;
mod jobs;
mod ledger;
mod optimise;
mod output;
mod problem;
mod schedule;
mod units;

pub mod generate;

pub use error::PlanError;
pub use problem::{
    AccessWindows, Action, ActionKind, Capacity, Constraints, DateRange, Device, DeviceId, Estate,
    Period, Problem, Region, Site, SiteId, Urgency,
};
pub use schedule::{
    Method, PeriodTotals, Plan, RiskPoint, Schedule, ScheduledAction, Unplaceable, Unscheduled,
    Visit,
};
pub use units::{Exposure, Minutes, Pence, Risk};

/// The greedy baseline, the optimised schedule and the lower bound of one
/// problem.
pub fn plan(problem: &Problem) -> Plan {
    // The bound needs no schedule: it runs beside the schedulers.
    std::thread::scope(|scope| {
        let bound = scope.spawn(|| lower_bound(problem));
        let values = greedy::values(problem);
        let greedy = greedy::greedy(problem, &values);
        let optimised = optimise::optimise(problem, &values, &greedy);
        Plan {
            greedy: output::schedule(&greedy, Method::Greedy),
            optimised: output::schedule(&optimised, Method::Optimised),
            // A panic in the bound is a bug; carrying it on is right.
            bound: bound
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        }
    })
}

/// The greedy baseline alone: immediate actions first, then the most risk
/// removed per pound, each in the earliest week it fits.
pub fn greedy(problem: &Problem) -> Schedule {
    let values = greedy::values(problem);
    output::schedule(&greedy::greedy(problem, &values), Method::Greedy)
}

/// No schedule of `problem` has less exposure than this.
pub fn lower_bound(problem: &Problem) -> Exposure {
    Exposure(bound::lower_bound(problem))
}
