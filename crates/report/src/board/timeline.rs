//! The plan as a board sees it: what it costs, period by period, and how
//! fast the risk falls.

use camaudit_plan::Plan;
use serde::{Deserialize, Serialize};

use crate::plan_views::{PeriodRow, PlanSummary, period_rows};

/// The current plan: the same summary and totals per period as
/// `camaudit plan`, with the day the last action is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub currency: String,
    pub summary: PlanSummary,
    pub periods: Vec<PeriodRow>,
    /// The day the last scheduled action is done (the work may run past
    /// the visit's date on a long job).
    pub clear_by: Option<String>,
    /// Whole weeks from the plan's start to `clear_by`.
    pub weeks_to_clear: Option<i64>,
}

impl PlanView {
    pub fn of(plan: &Plan, currency: &str) -> PlanView {
        let s = &plan.optimised;
        let done = s.actions().map(|(_, a)| a.done).max();
        PlanView {
            currency: currency.to_owned(),
            summary: PlanSummary::of(plan),
            periods: period_rows(s),
            clear_by: done.map(|d| d.to_string()),
            weeks_to_clear: done.map(|d| (d - s.start).whole_weeks()),
        }
    }

    /// The periods that have money spent in them, for the cost chart.
    pub fn spending_periods(&self) -> impl Iterator<Item = &PeriodRow> {
        self.periods.iter().filter(|p| p.spent > 0)
    }
}
