//! The scheduler's output: a dated schedule of site visits, the totals per
//! period, the residual-risk curve and the cumulative exposure; and a
//! [`Plan`] that sets the greedy baseline, the optimised schedule and the
//! lower bound side by side.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::problem::{ActionKind, DeviceId, SiteId, Urgency};
use crate::units::{Exposure, Minutes, Pence, Risk};

/// How a schedule was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Immediate actions first, then the most risk removed per pound.
    Greedy,
    /// Work batched per site to share call-outs, then improved by local
    /// search; never worse than greedy.
    Optimised,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Greedy => "greedy",
            Method::Optimised => "optimised",
        }
    }
}

/// The step of the optimiser that gave the optimised schedule its
/// exposure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Producer {
    /// Nothing beat the greedy baseline.
    #[default]
    Greedy,
    /// Planned work scheduled site by site in bundles sharing a call-out.
    SiteBatches,
    /// The greedy order under a price mixing money and installer time.
    PricedOrder,
    /// Local search (merging a site's visits, pulling work earlier).
    LocalSearch,
    /// The site-period integer program (`docs/plan.md`, "Optimiser").
    IntegerProgram,
}

impl Producer {
    pub fn name(self) -> &'static str {
        match self {
            Producer::Greedy => "greedy",
            Producer::SiteBatches => "site batches",
            Producer::PricedOrder => "priced order",
            Producer::LocalSearch => "local search",
            Producer::IntegerProgram => "integer program",
        }
    }
}

/// How the optimised schedule was reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Optimisation {
    /// The best candidate schedule, before any search.
    pub seed: Producer,
    /// The last step that lowered the exposure.
    pub method: Producer,
    /// Site-period programs built, solved within their time limit, and
    /// kept because they lowered the exposure.
    pub programs: u32,
    pub programs_solved: u32,
    pub programs_improved: u32,
}

/// The lower bounds computed; [`Plan::bound`] is the higher of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// The knapsack relaxation over budgets, installer minutes and open
    /// weeks; always computed.
    pub knapsack: Exposure,
    /// The LP relaxation of the site-period program; `None` when the
    /// problem is too large for it or the solver ran out of time.
    pub lp: Option<Exposure>,
}

/// One action done on a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledAction {
    pub device: DeviceId,
    pub action: ActionKind,
    pub urgency: Urgency,
    pub cost: Pence,
    pub minutes: Minutes,
    /// The device's risk per day just before and just after this action.
    pub risk_before: Risk,
    pub risk_after: Risk,
    /// Set on a tied camera's replacement: the recorder it moves with.
    pub moves_with: Option<DeviceId>,
    pub control: String,
    /// The day the work is finished and the risk falls: the visit's date,
    /// or a later open day of the site when the job (with its tied
    /// cameras) is longer than the site's daily window.
    #[serde(with = "crate::units::iso_date")]
    pub done: Date,
}

/// One day's work on one site: one call-out, shared by its actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub site: SiteId,
    #[serde(with = "crate::units::iso_date")]
    pub date: Date,
    /// Index of the budget period the visit is paid from (0 = the first).
    pub period: u32,
    pub call_out: Pence,
    pub actions: Vec<ScheduledAction>,
}

impl Visit {
    /// Call-out plus every action's cost.
    pub fn cost(&self) -> Pence {
        self.call_out + self.actions.iter().map(|a| a.cost).sum()
    }

    pub fn minutes(&self) -> Minutes {
        self.actions.iter().map(|a| a.minutes).sum()
    }
}

/// Why an action found no place in the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unplaceable {
    /// It (with its call-out and tied devices) costs more than a whole
    /// period's budget.
    OverBudget,
    /// It takes more installer time than a whole week's capacity.
    OverCapacity,
    /// The site cannot be visited on any day of the horizon.
    NoAccess,
    /// Budget, capacity and access left no room for it before the horizon
    /// ends: a longer horizon or more money would place it.
    HorizonFull,
}

/// An action the schedule could not place; its device keeps its risk to the
/// end of the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unscheduled {
    pub device: DeviceId,
    pub site: SiteId,
    pub action: ActionKind,
    pub urgency: Urgency,
    pub reason: Unplaceable,
}

/// What one budget period holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodTotals {
    pub index: u32,
    #[serde(with = "crate::units::iso_date")]
    pub first: Date,
    /// The last day of the period (inclusive).
    #[serde(with = "crate::units::iso_date")]
    pub last: Date,
    pub budget: Option<Pence>,
    /// Call-outs and actions together.
    pub spent: Pence,
    pub call_outs: Pence,
    pub visits: u32,
    pub actions: u32,
    pub minutes: Minutes,
    /// Estate risk per day left at the end of the period.
    pub risk_at_end: Risk,
}

/// The estate's total risk per day from `date` on (until the next point).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskPoint {
    #[serde(with = "crate::units::iso_date")]
    pub date: Date,
    pub risk: Risk,
}

/// A dated, costed schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub method: Method,
    #[serde(with = "crate::units::iso_date")]
    pub start: Date,
    /// The first day after the horizon: exposure is counted up to here.
    #[serde(with = "crate::units::iso_date")]
    pub end: Date,
    /// In date order.
    pub visits: Vec<Visit>,
    pub unscheduled: Vec<Unscheduled>,
    pub periods: Vec<PeriodTotals>,
    /// The estate's risk per day before any action.
    pub risk_before: Risk,
    /// The estate's risk per day at the start of each week (after that
    /// day's actions), and at the end.
    pub risk_curve: Vec<RiskPoint>,
    /// Σ over devices of risk per day × days, from start to end.
    pub exposure: Exposure,
    /// Money spent, call-outs included.
    pub cost: Pence,
    pub call_outs: Pence,
}

impl Schedule {
    /// Every scheduled action with the visit it is part of.
    pub fn actions(&self) -> impl Iterator<Item = (&Visit, &ScheduledAction)> {
        self.visits
            .iter()
            .flat_map(|v| v.actions.iter().map(move |a| (v, a)))
    }
}

/// The greedy baseline and the optimised schedule of one problem, with a
/// lower bound on any schedule's exposure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub greedy: Schedule,
    pub optimised: Schedule,
    /// No schedule under these constraints has less exposure than this:
    /// the higher of [`Plan::bounds`].
    pub bound: Exposure,
    #[serde(default)]
    pub bounds: Bounds,
    #[serde(default)]
    pub optimisation: Optimisation,
}

impl Plan {
    /// The share of the greedy plan's exposure the optimiser removed
    /// (0.25 = a quarter less exposure).
    pub fn improvement(&self) -> f64 {
        relative(
            self.greedy.exposure.0 - self.optimised.exposure.0,
            self.greedy.exposure.0,
        )
    }

    /// How far the optimised plan may be from the best possible one, as a
    /// share of its exposure: (plan − bound) / plan. 0 means provably
    /// optimal; 0.1 means no schedule can be more than 10 % better.
    pub fn gap(&self) -> f64 {
        relative(
            self.optimised.exposure.0 - self.bound.0,
            self.optimised.exposure.0,
        )
    }
}

fn relative(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}
