//! A remediation plan as people and machines read it, one view model per
//! thing shown:
//!
//! - [`PlanSummary`]: the headline (visits, money, the optimiser against
//!   greedy, the gap to the lower bound, the risk curve);
//! - [`ScheduleRow`]: the dated plan, one row per action, the call-out on
//!   the first row of its visit so that the money columns add up;
//! - [`PeriodRow`]: the totals per budget period (the table leaves out
//!   periods with no work and says how many there are);
//! - [`WhatIf`]: one run under other limits, several side by side;
//! - [`risk_sparkline`]: the residual-risk curve as text.
//!
//! Each renders as a table, JSON, JSONL or CSV; money is in pence in the
//! machine formats and in the estate's currency in tables.

use std::io::Write;

use camaudit_plan::{Pence, Plan, RiskPoint, Schedule, Unplaceable, Urgency};
use serde::{Deserialize, Serialize};

use crate::Format;
use crate::check::write_aligned;
use crate::error::{Context, Result};

/// "£1,234.50" in GBP, else "1,234.50 EUR".
pub fn money(pence: u64, currency: &str) -> String {
    let shown = Pence(pence).to_string();
    if currency == "GBP" {
        shown
    } else {
        format!("{} {currency}", shown.trim_start_matches('£'))
    }
}

fn header(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// Writes `rows` as one JSON array, one object a line, or CSV.
fn write_records<T: Serialize>(
    out: &mut dyn Write,
    rows: &[T],
    format: Format,
    what: &'static str,
) -> Result<()> {
    match format {
        Format::Json | Format::Table => {
            serde_json::to_writer_pretty(&mut *out, rows).writing(what)?;
            writeln!(out).writing(what)
        }
        Format::Jsonl => {
            for row in rows {
                serde_json::to_writer(&mut *out, row).writing(what)?;
                writeln!(out).writing(what)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for row in rows {
                w.serialize(row).writing(what)?;
            }
            w.flush().writing(what)
        }
    }
}

// ---------------------------------------------------------------------------
// The dated plan

/// One action of a schedule, flat, for tables, CSV and JSONL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleRow {
    pub date: String,
    /// Budget period, counted from 1 for people.
    pub period: u32,
    pub site: String,
    pub device: String,
    pub action: String,
    pub urgency: &'static str,
    /// Pence.
    pub cost: u64,
    /// The visit's call-out on the visit's first row, 0 on the others, so
    /// a column sum is the money spent.
    pub call_out: u64,
    pub hours: f64,
    pub risk_before: f64,
    pub risk_after: f64,
    pub moves_with: String,
    pub control: String,
}

fn urgency(u: Urgency) -> &'static str {
    match u {
        Urgency::Now => "now",
        Urgency::Planned => "planned",
    }
}

/// The schedule's actions in date order.
pub fn schedule_rows(schedule: &Schedule) -> Vec<ScheduleRow> {
    let mut rows = Vec::new();
    for visit in &schedule.visits {
        for (i, a) in visit.actions.iter().enumerate() {
            rows.push(ScheduleRow {
                date: visit.date.to_string(),
                period: visit.period + 1,
                site: visit.site.to_string(),
                device: a.device.to_string(),
                action: a.action.to_string(),
                urgency: urgency(a.urgency),
                cost: a.cost.0,
                call_out: if i == 0 { visit.call_out.0 } else { 0 },
                hours: a.minutes.as_hours_f64(),
                risk_before: a.risk_before.per_day(),
                risk_after: a.risk_after.per_day(),
                moves_with: a
                    .moves_with
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                control: a.control.clone(),
            });
        }
    }
    rows
}

/// The dated plan: a table, the whole schedule as one JSON document (with
/// its risk curve), one action a line (JSONL) or CSV.
pub fn write_schedule(
    out: &mut dyn Write,
    schedule: &Schedule,
    currency: &str,
    format: Format,
) -> Result<()> {
    const WHAT: &str = "schedule";
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, schedule).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Table => write_schedule_table(out, schedule, currency).writing(WHAT),
        other => write_records(out, &schedule_rows(schedule), other, WHAT),
    }
}

fn write_schedule_table(
    out: &mut dyn Write,
    schedule: &Schedule,
    currency: &str,
) -> std::io::Result<()> {
    let mut rows = vec![header(&[
        "date", "site", "device", "action", "when", "cost", "call-out", "hours", "risk",
    ])];
    for r in schedule_rows(schedule) {
        let action = if r.moves_with.is_empty() {
            r.action
        } else {
            format!("{} with {}", r.action, r.moves_with)
        };
        rows.push(vec![
            r.date,
            r.site,
            r.device,
            action,
            r.urgency.to_owned(),
            money(r.cost, currency),
            if r.call_out > 0 {
                money(r.call_out, currency)
            } else {
                String::new()
            },
            format!("{:.1}", r.hours),
            format!("{:.2} → {:.2}", r.risk_before, r.risk_after),
        ]);
    }
    write_aligned(out, &rows)?;
    for u in &schedule.unscheduled {
        writeln!(
            out,
            "not scheduled: {} {} on {}: {}",
            u.device,
            u.action,
            u.site,
            unplaceable_words(u.reason)
        )?;
    }
    Ok(())
}

/// Why an action found no place in the schedule, and what would place it.
pub fn unplaceable_words(reason: Unplaceable) -> &'static str {
    match reason {
        Unplaceable::OverBudget => "costs more than a period's budget (raise the budget)",
        Unplaceable::OverCapacity => {
            "takes more installer time than a week has (raise the capacity)"
        }
        Unplaceable::NoAccess => {
            "the site is never open to installers in the horizon (check its access windows)"
        }
        Unplaceable::HorizonFull => {
            "no room left before the horizon ends (more budget, capacity or periods)"
        }
    }
}

// ---------------------------------------------------------------------------
// Totals per period

/// One budget period's totals, flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodRow {
    pub period: u32,
    pub first: String,
    pub last: String,
    /// Pence; absent without a budget.
    pub budget: Option<u64>,
    pub spent: u64,
    pub call_outs: u64,
    pub visits: u32,
    pub actions: u32,
    pub hours: f64,
    pub risk_at_end: f64,
}

impl PeriodRow {
    fn has_work(&self) -> bool {
        self.visits > 0 || self.actions > 0 || self.spent > 0
    }
}

pub fn period_rows(schedule: &Schedule) -> Vec<PeriodRow> {
    schedule
        .periods
        .iter()
        .map(|p| PeriodRow {
            period: p.index + 1,
            first: p.first.to_string(),
            last: p.last.to_string(),
            budget: p.budget.map(|b| b.0),
            spent: p.spent.0,
            call_outs: p.call_outs.0,
            visits: p.visits,
            actions: p.actions,
            hours: p.minutes.as_hours_f64(),
            risk_at_end: p.risk_at_end.per_day(),
        })
        .collect()
}

/// Totals per period. Machines get every period; the table shows the
/// periods with work, a run of idle periods between them as one row, and
/// one line for the idle periods at the end, so that a five-year horizon
/// whose work is done in a quarter is not nineteen blank rows.
pub fn write_periods(
    out: &mut dyn Write,
    schedule: &Schedule,
    currency: &str,
    format: Format,
) -> Result<()> {
    const WHAT: &str = "totals per period";
    let rows = period_rows(schedule);
    match format {
        Format::Table => write_periods_table(out, schedule, &rows, currency).writing(WHAT),
        other => write_records(out, &rows, other, WHAT),
    }
}

fn write_periods_table(
    out: &mut dyn Write,
    schedule: &Schedule,
    rows: &[PeriodRow],
    currency: &str,
) -> std::io::Result<()> {
    let word = period_word(schedule);
    let worked = rows.iter().rposition(PeriodRow::has_work);
    let Some(last_worked) = worked else {
        if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
            writeln!(
                out,
                "no work in any of the {} {word} ({} to {})",
                rows.len(),
                first.first,
                last.last
            )?;
        }
        return Ok(());
    };
    let mut table = vec![header(&[
        "period",
        "from",
        "to",
        "spent",
        "of budget",
        "call-outs",
        "visits",
        "actions",
        "hours",
        "risk left",
    ])];
    let mut i = 0;
    while i <= last_worked {
        let r = &rows[i];
        if r.has_work() {
            table.push(vec![
                r.period.to_string(),
                r.first.clone(),
                r.last.clone(),
                money(r.spent, currency),
                r.budget
                    .map_or("no limit".to_owned(), |b| money(b, currency)),
                money(r.call_outs, currency),
                r.visits.to_string(),
                r.actions.to_string(),
                format!("{:.0}", r.hours),
                format!("{:.1}", r.risk_at_end),
            ]);
            i += 1;
            continue;
        }
        let idle = rows[i..].iter().take_while(|r| !r.has_work()).count();
        let end = &rows[i + idle - 1];
        let span = if idle == 1 {
            r.period.to_string()
        } else {
            format!("{}–{}", r.period, end.period)
        };
        table.push(vec![
            span,
            r.first.clone(),
            end.last.clone(),
            "no work".to_owned(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            format!("{:.1}", end.risk_at_end),
        ]);
        i += idle;
    }
    write_aligned(out, &table)?;
    let idle = &rows[last_worked + 1..];
    if let (Some(first), Some(last)) = (idle.first(), idle.last()) {
        writeln!(
            out,
            "{} later {} ({} to {}) have no work; risk left {:.1}",
            idle.len(),
            if idle.len() == 1 {
                word.trim_end_matches('s')
            } else {
                word
            },
            first.first,
            last.last,
            last.risk_at_end
        )?;
    }
    Ok(())
}

/// "quarters", "months" or "years", from the length of the first period.
fn period_word(schedule: &Schedule) -> &'static str {
    let Some(p) = schedule.periods.first() else {
        return "periods";
    };
    let (first, last) = (p.first, p.last);
    let months = (last.year() - first.year()) * 12 + i32::from(u8::from(last.month()))
        - i32::from(u8::from(first.month()))
        + 1;
    match months {
        1 => "months",
        3 => "quarters",
        12 => "years",
        _ => "periods",
    }
}

// ---------------------------------------------------------------------------
// The risk curve

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The residual-risk curve in `width` characters, full height at the
/// largest risk of the curve (or of `scale` when given, so several curves
/// compare), each character the highest risk of its stretch of time.
pub fn risk_sparkline(curve: &[RiskPoint], width: usize, scale: Option<f64>) -> String {
    if curve.is_empty() || width == 0 {
        return String::new();
    }
    let top = scale
        .unwrap_or_else(|| curve.iter().map(|p| p.risk.per_day()).fold(0.0, f64::max))
        .max(f64::MIN_POSITIVE);
    let width = width.min(curve.len());
    (0..width)
        .map(|i| {
            let (from, to) = (i * curve.len() / width, (i + 1) * curve.len() / width);
            let peak = curve[from..to.max(from + 1)]
                .iter()
                .map(|p| p.risk.per_day())
                .fold(0.0, f64::max);
            if peak <= 0.0 {
                ' '
            } else {
                let level = ((peak / top) * 8.0).ceil() as usize;
                BARS[level.clamp(1, 8) - 1]
            }
        })
        .collect()
}

/// The first visit date by which the estate's risk is at or below `share`
/// of its start (exact, from the actions, not the weekly curve).
fn date_risk_below(schedule: &Schedule, share: f64) -> Option<String> {
    let start = schedule.risk_before.per_day();
    if start <= 0.0 {
        return Some(schedule.start.to_string());
    }
    let mut risk = start;
    for visit in &schedule.visits {
        risk -= visit
            .actions
            .iter()
            .map(|a| a.risk_before.per_day() - a.risk_after.per_day())
            .sum::<f64>();
        if risk <= start * share + 1e-9 {
            return Some(visit.date.to_string());
        }
    }
    None
}

// ---------------------------------------------------------------------------
// The headline

/// What a plan comes to: the optimised schedule's money and visits, its
/// exposure against greedy's and the bound, and its risk curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub start: String,
    /// The first day after the horizon.
    pub end: String,
    pub visits: usize,
    pub first_visit: Option<String>,
    pub last_visit: Option<String>,
    pub actions: usize,
    pub unscheduled: usize,
    /// Pence, call-outs included.
    pub cost: u64,
    pub call_outs: u64,
    /// Risk-days.
    pub greedy_exposure: f64,
    pub exposure: f64,
    pub bound: f64,
    /// Share of greedy's exposure the optimiser removed.
    pub improvement: f64,
    /// (plan − bound) / plan: 0 is provably optimal.
    pub gap: f64,
    /// Risk per day before any action and at the horizon's end.
    pub risk_at_start: f64,
    pub risk_at_end: f64,
    /// First date the risk is down to half, and to a tenth, of its start.
    pub half_risk_by: Option<String>,
    pub tenth_risk_by: Option<String>,
    /// The optimised schedule's residual risk, week by week (for charts).
    pub risk_curve: Vec<RiskPoint>,
}

impl PlanSummary {
    pub fn of(plan: &Plan) -> PlanSummary {
        let s = &plan.optimised;
        PlanSummary {
            start: s.start.to_string(),
            end: s.end.to_string(),
            visits: s.visits.len(),
            first_visit: s.visits.first().map(|v| v.date.to_string()),
            last_visit: s.visits.last().map(|v| v.date.to_string()),
            actions: s.actions().count(),
            unscheduled: s.unscheduled.len(),
            cost: s.cost.0,
            call_outs: s.call_outs.0,
            greedy_exposure: plan.greedy.exposure.risk_days(),
            exposure: s.exposure.risk_days(),
            bound: plan.bound.risk_days(),
            improvement: plan.improvement(),
            gap: plan.gap(),
            risk_at_start: s.risk_before.per_day(),
            risk_at_end: s.risk_curve.last().map_or(0.0, |p| p.risk.per_day()),
            half_risk_by: date_risk_below(s, 0.5),
            tenth_risk_by: date_risk_below(s, 0.1),
            risk_curve: s.risk_curve.clone(),
        }
    }
}

/// The schedule's summary: cost and visits, the optimiser against greedy
/// with the gap to the bound, the risk curve, and the totals per period.
pub fn write_plan_summary(out: &mut dyn Write, plan: &Plan, currency: &str) -> Result<()> {
    const WHAT: &str = "plan summary";
    let s = PlanSummary::of(plan);
    writeln!(out, "SCHEDULE").writing(WHAT)?;
    writeln!(
        out,
        "{} visits from {} to {}, {} actions, {} in all ({} of it call-outs){}",
        s.visits,
        s.first_visit.as_deref().unwrap_or(&s.start),
        s.last_visit.as_deref().unwrap_or(&s.start),
        s.actions,
        money(s.cost, currency),
        money(s.call_outs, currency),
        match s.unscheduled {
            0 => String::new(),
            1 => "; 1 action does not fit the limits (see --format json)".to_owned(),
            n => format!("; {n} actions do not fit the limits (see --format json)"),
        }
    )
    .writing(WHAT)?;
    writeln!(
        out,
        "exposure: greedy {:.0}, optimised {:.0} risk-days ({:.1} % less); \
         no schedule can go below {:.0} (gap {:.1} %)",
        s.greedy_exposure,
        s.exposure,
        s.improvement * 100.0,
        s.bound,
        s.gap * 100.0,
    )
    .writing(WHAT)?;
    writeln!(
        out,
        "risk {} {} to {}",
        risk_sparkline(&s.risk_curve, 52, None),
        s.start,
        s.end
    )
    .writing(WHAT)?;
    write_periods(out, &plan.optimised, currency, Format::Table)
}

// ---------------------------------------------------------------------------
// What-if runs

/// One run of the plan under other limits, for a side-by-side comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    /// Money per quarter it was given, in the estate's currency (absent:
    /// the estate's own).
    pub budget_per_quarter: Option<f64>,
    /// Installer hours per week it was given (absent: the estate's own).
    pub capacity_hours: Option<f64>,
    pub greedy_exposure: f64,
    pub exposure: f64,
    pub bound: f64,
    /// Share of greedy's exposure the optimiser removed.
    pub improvement: f64,
    /// (plan − bound) / plan.
    pub gap: f64,
    /// Pence.
    pub cost: u64,
    pub call_outs: u64,
    pub visits: usize,
    pub actions: usize,
    /// The day the last action is done, if any.
    pub done_by: Option<String>,
    pub unscheduled: usize,
    pub half_risk_by: Option<String>,
    pub tenth_risk_by: Option<String>,
    pub risk_at_start: f64,
    pub risk_at_end: f64,
    /// The optimised schedule's residual risk, week by week (for charts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risk_curve: Vec<RiskPoint>,
}

impl WhatIf {
    pub fn of(plan: &Plan, budget: Option<f64>, capacity: Option<f64>) -> WhatIf {
        let s = PlanSummary::of(plan);
        WhatIf {
            budget_per_quarter: budget,
            capacity_hours: capacity,
            greedy_exposure: s.greedy_exposure,
            exposure: s.exposure,
            bound: s.bound,
            improvement: s.improvement,
            gap: s.gap,
            cost: s.cost,
            call_outs: s.call_outs,
            visits: s.visits,
            actions: s.actions,
            done_by: s.last_visit,
            unscheduled: s.unscheduled,
            half_risk_by: s.half_risk_by,
            tenth_risk_by: s.tenth_risk_by,
            risk_at_start: s.risk_at_start,
            risk_at_end: s.risk_at_end,
            risk_curve: s.risk_curve,
        }
    }
}

/// The columns of the what-if CSV (the curve is left to JSON).
#[derive(Serialize)]
struct WhatIfCsv<'a> {
    budget_per_quarter: Option<f64>,
    capacity_hours: Option<f64>,
    greedy_exposure: f64,
    exposure: f64,
    bound: f64,
    improvement: f64,
    gap: f64,
    cost: u64,
    call_outs: u64,
    visits: usize,
    actions: usize,
    done_by: Option<&'a str>,
    unscheduled: usize,
    half_risk_by: Option<&'a str>,
    tenth_risk_by: Option<&'a str>,
    risk_at_start: f64,
    risk_at_end: f64,
}

impl<'a> WhatIfCsv<'a> {
    fn of(r: &'a WhatIf) -> Self {
        WhatIfCsv {
            budget_per_quarter: r.budget_per_quarter,
            capacity_hours: r.capacity_hours,
            greedy_exposure: r.greedy_exposure,
            exposure: r.exposure,
            bound: r.bound,
            improvement: r.improvement,
            gap: r.gap,
            cost: r.cost,
            call_outs: r.call_outs,
            visits: r.visits,
            actions: r.actions,
            done_by: r.done_by.as_deref(),
            unscheduled: r.unscheduled,
            half_risk_by: r.half_risk_by.as_deref(),
            tenth_risk_by: r.tenth_risk_by.as_deref(),
            risk_at_start: r.risk_at_start,
            risk_at_end: r.risk_at_end,
        }
    }
}

/// What-if runs side by side, one row each; the table's risk curves share
/// one scale, so a steeper fall reads as one.
pub fn write_what_if(
    out: &mut dyn Write,
    runs: &[WhatIf],
    currency: &str,
    format: Format,
) -> Result<()> {
    const WHAT: &str = "what-if runs";
    match format {
        Format::Table => write_what_if_table(out, runs, currency).writing(WHAT),
        Format::Csv => {
            let rows: Vec<WhatIfCsv> = runs.iter().map(WhatIfCsv::of).collect();
            write_records(out, &rows, Format::Csv, WHAT)
        }
        other => write_records(out, runs, other, WHAT),
    }
}

fn write_what_if_table(
    out: &mut dyn Write,
    runs: &[WhatIf],
    currency: &str,
) -> std::io::Result<()> {
    let scale = runs.iter().map(|r| r.risk_at_start).fold(0.0, f64::max);
    let mut table = vec![header(&[
        "BUDGET/QUARTER",
        "HOURS/WEEK",
        "EXPOSURE",
        "VS GREEDY",
        "GAP",
        "COST",
        "RISK HALVED BY",
        "DONE BY",
        "UNSCHEDULED",
        "RISK CURVE",
    ])];
    for r in runs {
        table.push(vec![
            r.budget_per_quarter.map_or("estate".into(), |b| {
                money((b * 100.0).round() as u64, currency)
            }),
            r.capacity_hours.map_or("estate".into(), |h| format!("{h}")),
            format!("{:.0}", r.exposure),
            less_than_greedy(r.improvement),
            format!("{:.1}%", r.gap * 100.0),
            money(r.cost, currency),
            r.half_risk_by.clone().unwrap_or_else(|| "-".into()),
            r.done_by.clone().unwrap_or_else(|| "-".into()),
            r.unscheduled.to_string(),
            risk_sparkline(&r.risk_curve, 24, Some(scale)),
        ]);
    }
    writeln!(out, "WHAT IF ({} runs)", runs.len())?;
    write_aligned(out, &table)
}

/// The what-if column "vs greedy": "-2.6%" when the optimiser removed
/// exposure, "0.0%" (not "-0.0%") when greedy was already as good.
fn less_than_greedy(improvement: f64) -> String {
    let percent = improvement * 100.0;
    // Below 0.05 it would print as "-0.0%".
    if percent < 0.05 {
        "0.0%".into()
    } else {
        format!("-{percent:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_shown_in_the_estates_currency() {
        assert_eq!(money(123_456, "GBP"), "£1,234.56");
        assert_eq!(money(123_400, "GBP"), "£1,234");
        assert_eq!(money(123_456, "EUR"), "1,234.56 EUR");
    }

    #[test]
    fn no_gain_over_greedy_is_not_negative_zero() {
        assert_eq!(super::less_than_greedy(0.0), "0.0%");
        assert_eq!(super::less_than_greedy(0.0004), "0.0%");
        assert_eq!(super::less_than_greedy(0.026), "-2.6%");
    }
}
