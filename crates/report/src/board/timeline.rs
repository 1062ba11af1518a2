//! The plan as a board sees it: what it costs, period by period, and how
//! fast the risk falls.

use camaudit_plan::Plan;
use serde::{Deserialize, Serialize};

use crate::charts::{ColumnFigure, Columns, LineChart, LineFigures};
use crate::plan_views::{PeriodRow, PlanSummary, money, period_rows};

/// Weeks of flat risk the risk chart shows after its last fall.
const SETTLED_WEEKS: usize = 4;

/// Dates as the plan writes them.
const DAY: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

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

    /// The money spent in each period that has work, as columns (the
    /// board report's chart and the dashboard's plan page).
    pub fn cost_chart(&self) -> Option<Columns> {
        let figures: Vec<ColumnFigure> = self
            .spending_periods()
            .map(|p| ColumnFigure {
                label: format!("P{} · {}", p.period, &p.first[..7.min(p.first.len())]),
                amount: p.spent,
                text: money(p.spent, &self.currency),
            })
            .collect();
        Columns::of(&figures, |pence| money(pence, &self.currency))
    }

    /// The residual risk per day over the plan's horizon, in days from its
    /// start, with the day half of it is gone marked.
    pub fn risk_chart(&self) -> Option<LineChart> {
        let s = &self.summary;
        let curve = &s.risk_curve;
        let first = curve.first()?;
        // After the last fall, a flat line to the horizon says nothing: the
        // chart ends a few weeks after it.
        let settled = curve
            .windows(2)
            .rposition(|w| w[0].risk != w[1].risk)
            .map_or(curve.len() - 1, |i| {
                (i + 1 + SETTLED_WEEKS).min(curve.len() - 1)
            });
        let curve = &curve[..=settled];
        let last = curve.last()?;
        // The curve's points are the risk left at each week's end; the chart
        // starts from the risk before any work.
        let start = time::Date::parse(&s.start, DAY).unwrap_or(first.date);
        let day = |d: time::Date| (d - start).whole_days() as f64;
        let points: Vec<(f64, f64)> = std::iter::once((0.0, s.risk_at_start))
            .chain(curve.iter().map(|p| (day(p.date), p.risk.per_day())))
            .collect();
        let top = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
        let x_labels = [start, curve[curve.len() / 2].date, last.date]
            .into_iter()
            .map(|d| (day(d), d.to_string()))
            .collect();
        let marker = s.half_risk_by.as_deref().and_then(|when| {
            let d = time::Date::parse(when, DAY).ok()?;
            Some((
                day(d.clamp(start, last.date)),
                format!("half the risk gone by {when}"),
            ))
        });
        LineChart::of(&LineFigures {
            points,
            top,
            x_labels,
            marker,
        })
    }
}
