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
//! schedule (work batched per site to share call-outs and priced by money
//! and installer time, then local search; never worse than greedy), and a
//! lower bound on the exposure of any schedule (a knapsack relaxation that
//! keeps budgets, installer minutes and sites' open weeks), from which
//! [`Plan::gap`] says how far from the best possible the plan can be.
//! `docs/plan.md` ("The scheduler") explains each.
//!
//! Money is integer pence ([`Pence`]), time on site whole [`Minutes`],
//! dates [`time::Date`] (written as `YYYY-MM-DD`); a [`Risk`] cannot be
//! negative or NaN. [`generate`] makes realistic estates for tests and
//! benchmarks.

mod bound;
mod calendar;
mod error;
mod greedy;
mod jobs;
mod ledger;
mod lp_bound;
mod optimise;
mod output;
mod problem;
mod program;
mod schedule;
mod units;

pub mod generate;

pub use error::PlanError;
pub use problem::{
    AccessWindows, Action, ActionKind, Capacity, Constraints, DateRange, Device, DeviceId, Estate,
    Period, Problem, Region, Site, SiteId, Urgency,
};
pub use schedule::{
    Bounds, Method, Optimisation, PeriodTotals, Plan, Producer, RiskPoint, Schedule,
    ScheduledAction, Unplaceable, Unscheduled, Visit,
};
pub use units::{Exposure, Minutes, Pence, Risk};

/// The greedy baseline, the optimised schedule and the lower bound of one
/// problem.
pub fn plan(problem: &Problem) -> Plan {
    // The bound needs no schedule: it runs beside the schedulers.
    std::thread::scope(|scope| {
        let bounds = scope.spawn(|| bounds(problem));
        let values = greedy::values(problem);
        let greedy = greedy::greedy(problem, &values);
        let (optimised, optimisation) = optimise::optimise(problem, &values, &greedy);
        // A panic in the bound is a bug; carrying it on is right.
        let bounds = bounds
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        Plan {
            greedy: output::schedule(&greedy, Method::Greedy),
            optimised: output::schedule(&optimised, Method::Optimised),
            bound: bounds
                .lp
                .map_or(bounds.knapsack, |lp| Exposure(lp.0.max(bounds.knapsack.0))),
            bounds,
            optimisation,
        }
    })
}

/// The greedy baseline alone: immediate actions first, then the most risk
/// removed per pound, each in the earliest week it fits.
pub fn greedy(problem: &Problem) -> Schedule {
    let values = greedy::values(problem);
    output::schedule(&greedy::greedy(problem, &values), Method::Greedy)
}

/// No schedule of `problem` has less exposure than this: the higher of
/// the knapsack bound and, where it is computable in time, the LP
/// relaxation of the site-period program.
pub fn lower_bound(problem: &Problem) -> Exposure {
    let b = bounds(problem);
    b.lp.map_or(b.knapsack, |lp| Exposure(lp.0.max(b.knapsack.0)))
}

/// Both lower bounds, each computed on its own.
pub fn bounds(problem: &Problem) -> Bounds {
    std::thread::scope(|scope| {
        let lp = scope.spawn(|| lp_bound::lower_bound(problem).map(Exposure));
        let knapsack = Exposure(bound::lower_bound(problem));
        Bounds {
            knapsack,
            lp: lp.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
        }
    })
}
