//! A remediation schedule as people and machines read it: the dated plan
//! (one row per action, the call-out on the first row of its visit), the
//! totals per budget period, the residual-risk curve as a text sparkline,
//! and several schedules side by side (greedy and optimised, or what-if
//! runs under other budgets).

use std::io::Write;

use camaudit_plan::{Plan, RiskPoint, Schedule};
use serde::Serialize;

use crate::Format;
use crate::check::write_aligned;
use crate::error::{Context, Result};

const WHAT: &str = "schedule";

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
                urgency: match a.urgency {
                    camaudit_plan::Urgency::Now => "now",
                    camaudit_plan::Urgency::Planned => "planned",
                },
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

/// The dated plan: a table, the whole schedule as one JSON document, one
/// action a line (JSONL) or CSV.
pub fn write_schedule(out: &mut dyn Write, schedule: &Schedule, format: Format) -> Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, schedule).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Jsonl => {
            for row in schedule_rows(schedule) {
                serde_json::to_writer(&mut *out, &row).writing(WHAT)?;
                writeln!(out).writing(WHAT)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for row in schedule_rows(schedule) {
                w.serialize(row).writing(WHAT)?;
            }
            w.flush().writing(WHAT)
        }
        Format::Table => write_schedule_table(out, schedule).writing(WHAT),
    }
}

fn pounds(pence: u64) -> String {
    camaudit_plan::Pence(pence).to_string()
}

fn write_schedule_table(out: &mut dyn Write, schedule: &Schedule) -> std::io::Result<()> {
    let mut rows = vec![
        [
            "date", "site", "device", "action", "when", "cost", "call-out", "hours", "risk",
        ]
        .map(String::from)
        .to_vec(),
    ];
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
            pounds(r.cost),
            if r.call_out > 0 {
                pounds(r.call_out)
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
            unplaceable(u.reason)
        )?;
    }
    Ok(())
}

fn unplaceable(reason: camaudit_plan::Unplaceable) -> &'static str {
    use camaudit_plan::Unplaceable::*;
    match reason {
        OverBudget => "costs more than a period's budget (raise the budget)",
        OverCapacity => "takes more installer time than a week has (raise the capacity)",
        NoAccess => {
            "the site is never open to installers in the horizon (check its access windows)"
        }
        HorizonFull => "no room left before the horizon ends (more budget, capacity or periods)",
    }
}

/// One budget period's totals, flat.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Totals per period, in any format.
pub fn write_periods(out: &mut dyn Write, schedule: &Schedule, format: Format) -> Result<()> {
    const WHAT: &str = "totals per period";
    let rows = period_rows(schedule);
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Jsonl => {
            for row in &rows {
                serde_json::to_writer(&mut *out, row).writing(WHAT)?;
                writeln!(out).writing(WHAT)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for row in &rows {
                w.serialize(row).writing(WHAT)?;
            }
            w.flush().writing(WHAT)
        }
        Format::Table => {
            let mut table = vec![
                [
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
                ]
                .map(String::from)
                .to_vec(),
            ];
            for r in rows {
                table.push(vec![
                    r.period.to_string(),
                    r.first,
                    r.last,
                    pounds(r.spent),
                    r.budget.map_or("no limit".to_owned(), pounds),
                    pounds(r.call_outs),
                    r.visits.to_string(),
                    r.actions.to_string(),
                    format!("{:.0}", r.hours),
                    format!("{:.1}", r.risk_at_end),
                ]);
            }
            write_aligned(out, &table).writing(WHAT)
        }
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The residual-risk curve in `width` characters, full height at the
/// largest risk of the curve (or of `scale` when given, so several curves
/// compare), each character the highest risk of its stretch of time.
pub fn sparkline(curve: &[RiskPoint], width: usize, scale: Option<f64>) -> String {
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

/// What one schedule comes to, for a side-by-side comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleSummary {
    pub label: String,
    pub method: &'static str,
    pub exposure: f64,
    pub cost: u64,
    pub call_outs: u64,
    pub visits: usize,
    pub actions: usize,
    pub unscheduled: usize,
    pub risk_at_start: f64,
    pub risk_at_end: f64,
    /// First date the risk is down to half, and to a tenth, of its start.
    pub half_risk_by: Option<String>,
    pub tenth_risk_by: Option<String>,
    pub curve: Vec<RiskPoint>,
}

pub fn schedule_summary(label: &str, schedule: &Schedule) -> ScheduleSummary {
    let risk = |p: Option<&RiskPoint>| p.map_or(0.0, |p| p.risk.per_day());
    ScheduleSummary {
        label: label.to_owned(),
        method: schedule.method.name(),
        exposure: schedule.exposure.risk_days(),
        cost: schedule.cost.0,
        call_outs: schedule.call_outs.0,
        visits: schedule.visits.len(),
        actions: schedule.visits.iter().map(|v| v.actions.len()).sum(),
        unscheduled: schedule.unscheduled.len(),
        risk_at_start: schedule.risk_before.per_day(),
        risk_at_end: risk(schedule.risk_curve.last()),
        half_risk_by: date_risk_below(schedule, 0.5),
        tenth_risk_by: date_risk_below(schedule, 0.1),
        curve: schedule.risk_curve.clone(),
    }
}

/// Several schedules side by side, one column each: a what-if comparison
/// ("--budget-per-quarter 250000,500000") or greedy against optimised. The
/// sparklines share one scale, so a steeper fall reads as one.
pub fn write_comparison(
    out: &mut dyn Write,
    schedules: &[(&str, &Schedule)],
    format: Format,
) -> Result<()> {
    const WHAT: &str = "schedule comparison";
    let summaries: Vec<ScheduleSummary> = schedules
        .iter()
        .map(|(label, s)| schedule_summary(label, s))
        .collect();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &summaries).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Jsonl => {
            for s in &summaries {
                serde_json::to_writer(&mut *out, s).writing(WHAT)?;
                writeln!(out).writing(WHAT)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "label",
                "method",
                "exposure",
                "cost",
                "call_outs",
                "visits",
                "actions",
                "unscheduled",
                "risk_at_start",
                "risk_at_end",
                "half_risk_by",
                "tenth_risk_by",
            ])
            .writing(WHAT)?;
            for s in &summaries {
                w.write_record([
                    s.label.clone(),
                    s.method.to_owned(),
                    format!("{:.1}", s.exposure),
                    s.cost.to_string(),
                    s.call_outs.to_string(),
                    s.visits.to_string(),
                    s.actions.to_string(),
                    s.unscheduled.to_string(),
                    format!("{:.3}", s.risk_at_start),
                    format!("{:.3}", s.risk_at_end),
                    s.half_risk_by.clone().unwrap_or_default(),
                    s.tenth_risk_by.clone().unwrap_or_default(),
                ])
                .writing(WHAT)?;
            }
            w.flush().writing(WHAT)
        }
        Format::Table => write_comparison_table(out, &summaries).writing(WHAT),
    }
}

fn write_comparison_table(
    out: &mut dyn Write,
    summaries: &[ScheduleSummary],
) -> std::io::Result<()> {
    let scale = summaries
        .iter()
        .map(|s| s.risk_at_start)
        .fold(0.0, f64::max);
    let never = || "not in the horizon".to_owned();
    let line = |name: &str, cell: &dyn Fn(&ScheduleSummary) -> String| {
        std::iter::once(name.to_owned())
            .chain(summaries.iter().map(cell))
            .collect::<Vec<_>>()
    };
    let rows = vec![
        line("", &|s| s.label.clone()),
        line("exposure (risk-days)", &|s| format!("{:.0}", s.exposure)),
        line("cost", &|s| pounds(s.cost)),
        line("of which call-outs", &|s| pounds(s.call_outs)),
        line("visits", &|s| s.visits.to_string()),
        line("actions", &|s| s.actions.to_string()),
        line("not scheduled", &|s| s.unscheduled.to_string()),
        line("risk halved by", &|s| {
            s.half_risk_by.clone().unwrap_or_else(never)
        }),
        line("risk down to a tenth by", &|s| {
            s.tenth_risk_by.clone().unwrap_or_else(never)
        }),
        line("risk left at the end", &|s| format!("{:.1}", s.risk_at_end)),
        line("risk curve", &|s| sparkline(&s.curve, 24, Some(scale))),
    ];
    write_aligned(out, &rows)
}

/// The plan's headline: greedy, optimised and the bound, the optimiser's
/// gain and the gap, and the optimised risk curve.
pub fn plan_summary_text(plan: &Plan) -> String {
    let curve = sparkline(&plan.optimised.risk_curve, 52, None);
    format!(
        "exposure: greedy {:.0}, optimised {:.0} risk-days ({:.1} % less); \
         no schedule can go below {:.0} (gap {:.1} %)\nrisk {curve} {} to {}\n",
        plan.greedy.exposure.risk_days(),
        plan.optimised.exposure.risk_days(),
        plan.improvement() * 100.0,
        plan.bound.risk_days(),
        plan.gap() * 100.0,
        plan.optimised.start,
        plan.optimised.end,
    )
}
