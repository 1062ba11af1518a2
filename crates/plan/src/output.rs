//! Turns a finished ledger into the [`Schedule`] people read: dated visits
//! with each action's risk before and after, unscheduled actions with the
//! reason, totals per period, the weekly risk curve and the exposure.

use crate::ledger::{Ledger, UNPLACED};
use crate::problem::Problem;
use crate::schedule::{
    Method, PeriodTotals, RiskPoint, Schedule, ScheduledAction, Unplaceable, Unscheduled, Visit,
};
use crate::units::{Exposure, Minutes, Pence, Risk};

pub(crate) fn schedule(ledger: &Ledger, method: Method) -> Schedule {
    let p = ledger.problem;
    let cal = &p.calendar;
    let steps = risk_steps(ledger);
    let visits: Vec<Visit> = ledger
        .visits()
        .into_iter()
        .filter_map(|((site, slot), jobs)| {
            let day = p.visit_days.day(site, slot)?;
            let mut actions: Vec<ScheduledAction> = jobs
                .iter()
                .flat_map(|&j| p.jobs[j].parts.iter().map(move |&part| (j, part)))
                .map(|(j, part)| scheduled_action(p, &steps, j, part))
                .collect();
            actions.sort_by(|a, b| {
                a.device.cmp(&b.device).then(
                    b.risk_before
                        .partial_cmp(&a.risk_before)
                        .unwrap_or(std::cmp::Ordering::Equal),
                )
            });
            Some(Visit {
                site: p.estate.sites[site].id.clone(),
                date: cal.date(day),
                period: cal.period_of(day),
                call_out: p.estate.sites[site].call_out,
                actions,
            })
        })
        .collect();
    let curve = daily_risk(p, &steps);
    let periods = period_totals(p, &visits, &curve);
    let risk_curve = (0..cal.weeks)
        .map(|w| w * 7)
        .chain(std::iter::once(cal.days))
        .map(|day| RiskPoint {
            date: cal.date(day),
            risk: risk_at(&curve, day),
        })
        .collect();
    Schedule {
        method,
        start: cal.start,
        end: cal.date(cal.days),
        cost: visits.iter().map(Visit::cost).sum(),
        call_outs: visits.iter().map(|v| v.call_out).sum(),
        unscheduled: unscheduled(ledger),
        risk_before: Risk::new(p.estate.devices.iter().map(|d| d.risk.per_day()).sum())
            .unwrap_or(Risk::ZERO),
        periods,
        risk_curve,
        exposure: Exposure(ledger.exposure()),
        visits,
    }
}

/// For each job part, the device's risk just before and just after it,
/// walking each device's placed actions in day order.
struct RiskSteps {
    /// (job, part index) → (before, after, day)
    by_part: std::collections::HashMap<(usize, usize), (f64, f64, u32)>,
}

fn risk_steps(ledger: &Ledger) -> RiskSteps {
    let p = ledger.problem;
    let mut by_part = std::collections::HashMap::new();
    for (d, parts) in p.parts_of.iter().enumerate() {
        let mut placed: Vec<(u32, f64, (usize, usize))> = parts
            .iter()
            .filter(|&&(job, _)| ledger.slot_of[job] != UNPLACED)
            .filter_map(|&(job, k)| {
                let day = ledger.done_day(job, ledger.slot_of[job])?;
                let after = p.action(p.jobs[job].parts[k]).risk_after.per_day();
                Some((day, after, (job, k)))
            })
            .collect();
        // Same day: the weaker action first, so the stronger one reads as
        // the step that leaves the lower risk.
        placed.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut risk = p.estate.devices[d].risk.per_day();
        for (day, after, key) in placed {
            let next = risk.min(after);
            by_part.insert(key, (risk, next, day));
            risk = next;
        }
    }
    RiskSteps { by_part }
}

fn scheduled_action(
    p: &Problem,
    steps: &RiskSteps,
    job: usize,
    part: crate::jobs::Part,
) -> ScheduledAction {
    let k = p.jobs[job]
        .parts
        .iter()
        .position(|&q| q == part)
        .unwrap_or(0);
    let (before, after, done) = steps
        .by_part
        .get(&(job, k))
        .copied()
        .unwrap_or((0.0, 0.0, 0));
    let action = p.action(part);
    let lead = p.jobs[job].parts[0].device;
    ScheduledAction {
        device: p.estate.devices[part.device].id.clone(),
        action: action.kind.clone(),
        urgency: p.jobs[job].urgency,
        cost: action.cost,
        minutes: action.minutes,
        risk_before: Risk::new(before).unwrap_or(Risk::ZERO),
        risk_after: Risk::new(after).unwrap_or(Risk::ZERO),
        moves_with: (part.device != lead).then(|| p.estate.devices[lead].id.clone()),
        done: p.calendar.date(done),
        control: action.control.clone(),
    }
}

/// The estate's risk per day on each day of the horizon.
fn daily_risk(p: &Problem, steps: &RiskSteps) -> Vec<f64> {
    let days = p.calendar.days as usize;
    let mut drop = vec![0.0; days + 1];
    for &(before, after, day) in steps.by_part.values() {
        drop[day as usize] += before - after;
    }
    let mut risk: f64 = p.estate.devices.iter().map(|d| d.risk.per_day()).sum();
    drop.iter()
        .map(|d| {
            risk -= d;
            risk.max(0.0)
        })
        .collect()
}

fn risk_at(curve: &[f64], day: u32) -> Risk {
    let i = (day as usize).min(curve.len() - 1);
    Risk::new(curve[i]).unwrap_or(Risk::ZERO)
}

fn period_totals(p: &Problem, visits: &[Visit], curve: &[f64]) -> Vec<PeriodTotals> {
    let cal = &p.calendar;
    (0..cal.periods())
        .map(|k| {
            let (first, last) = cal.period_span(k);
            let here: Vec<&Visit> = visits.iter().filter(|v| v.period == k).collect();
            PeriodTotals {
                index: k,
                first: cal.date(first),
                last: cal.date(last),
                budget: p.constraints.budget_per_period,
                spent: here.iter().map(|v| v.cost()).sum(),
                call_outs: here.iter().map(|v| v.call_out).sum::<Pence>(),
                visits: here.len() as u32,
                actions: here.iter().map(|v| v.actions.len() as u32).sum(),
                minutes: here.iter().map(|v| v.minutes()).sum::<Minutes>(),
                risk_at_end: risk_at(curve, last),
            }
        })
        .collect()
}

fn unscheduled(ledger: &Ledger) -> Vec<Unscheduled> {
    let p = ledger.problem;
    let mut out = Vec::new();
    for (j, job) in p.jobs.iter().enumerate() {
        if ledger.slot_of[j] != UNPLACED {
            continue;
        }
        let reason = if job.cost.saturating_add(p.call_out(job.site)) > p.budget {
            Unplaceable::OverBudget
        } else if job.minutes > p.pool_minutes[job.pool] {
            Unplaceable::OverCapacity
        } else if !p.visit_days.ever(job.site) {
            Unplaceable::NoAccess
        } else {
            Unplaceable::HorizonFull
        };
        for &part in &job.parts {
            out.push(Unscheduled {
                device: p.estate.devices[part.device].id.clone(),
                site: p.estate.sites[job.site].id.clone(),
                action: p.action(part).kind.clone(),
                urgency: job.urgency,
                reason,
            });
        }
    }
    out
}
