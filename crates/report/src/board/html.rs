//! The board report as one self-contained HTML page: CSS inline, charts
//! as inline SVG drawn here from the view models, no script, no font and
//! nothing else fetched, printable on A4 (`templates/board_report.html`).

use askama::Template;

use super::write::{clear_time, headlines};
use super::{BoardReport, Changes, EstateOverview};
use crate::charts::{CHART_W, CoveredBars, CoveredRow, LEFT, LineChart, LineFigures, Tick};
use crate::demo::pct;
use crate::error::{Context, Result};
use crate::html::REGIMES;
use crate::plan_views::money;

/// A vertical bar with its value written above it.
struct Column {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    label: String,
    value: String,
}

/// The money spent in each period that has work, as columns.
struct CostChart {
    w: f64,
    h: f64,
    base: f64,
    columns: Vec<Column>,
    ticks: Vec<Tick>,
}

const TOP: f64 = 16.0;

fn cost_chart(r: &BoardReport) -> Option<CostChart> {
    let periods: Vec<_> = r.plan.spending_periods().collect();
    let max = periods.iter().map(|p| p.spent).max()?;
    let h = 240.0;
    let base = h - 44.0;
    let plot_h = base - TOP - 14.0;
    let slot = (CHART_W - LEFT - 10.0) / periods.len().max(4) as f64;
    let columns = periods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ch = (p.spent as f64 / max as f64 * plot_h).max(1.0);
            Column {
                x: LEFT + i as f64 * slot + slot * 0.15,
                y: base - ch,
                w: slot * 0.7,
                h: ch,
                label: format!("P{} · {}", p.period, &p.first[..7.min(p.first.len())]),
                value: money(p.spent, &r.plan.currency),
            }
        })
        .collect();
    let ticks = (0..=2u32)
        .map(|k| Tick {
            at: base - plot_h * f64::from(k) / 2.0,
            text: money(max * u64::from(k) / 2, &r.plan.currency),
        })
        .collect();
    Some(CostChart {
        w: CHART_W,
        h,
        base,
        columns,
        ticks,
    })
}

/// The residual risk per day over the plan's horizon, in days from its
/// start, with the day half of it is gone marked.
fn risk_chart(r: &BoardReport) -> Option<LineChart> {
    let s = &r.plan.summary;
    let curve = &s.risk_curve;
    let first = curve.first()?;
    // After the last fall, a flat line to the horizon says nothing: the
    // chart ends a few weeks after it.
    let settled = curve
        .windows(2)
        .rposition(|w| w[0].risk != w[1].risk)
        .map_or(curve.len() - 1, |i| (i + 1 + 4).min(curve.len() - 1));
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

/// Dates as the plan writes them.
const DAY: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn site_chart(r: &BoardReport) -> Option<CoveredBars> {
    let rows: Vec<CoveredRow> = r
        .sites
        .iter()
        .map(|s| CoveredRow {
            label: s.name.clone(),
            covered: s.covered,
            devices: s.devices,
        })
        .collect();
    CoveredBars::of(&rows)
}

#[derive(Template)]
#[template(path = "board_report.html")]
struct Page<'a> {
    r: &'a BoardReport,
    headlines: Vec<super::write::Headline>,
    clear: String,
    cost: Option<CostChart>,
    risk: Option<LineChart>,
    site_chart: Option<CoveredBars>,
    regimes: &'static [(&'static str, &'static str)],
}

impl Page<'_> {
    fn money(&self, pence: &u64) -> String {
        money(*pence, &self.r.plan.currency)
    }

    fn share(&self, part: &usize, whole: &usize) -> String {
        EstateOverview::share(*part, *whole)
    }

    fn opt(&self, n: &Option<usize>) -> String {
        n.map_or_else(|| "not measured".to_owned(), |n| n.to_string())
    }

    fn pct(&self, x: f64) -> String {
        pct(x)
    }

    /// "is" for one, "are" for the rest.
    fn is_are(&self, n: &usize) -> &'static str {
        if *n == 1 { "is" } else { "are" }
    }

    fn changes(&self) -> &Changes {
        &self.r.changes
    }

    fn site_svg(&self, c: &CoveredBars) -> String {
        c.svg(
            "site-chart",
            "Devices per site: covered (hatched) and not covered",
        )
    }

    fn risk_svg(&self, c: &LineChart) -> String {
        let s = &self.r.plan.summary;
        c.svg(
            "risk-chart",
            &format!(
                "Residual risk per day over the plan, from {:.0} to {:.0}",
                s.risk_at_start, s.risk_at_end
            ),
            "risk per day",
        )
    }
}

/// The board report as one HTML page.
pub fn board_report_html(r: &BoardReport) -> Result<String> {
    let page = Page {
        headlines: headlines(r),
        clear: clear_time(&r.overview),
        cost: cost_chart(r),
        risk: risk_chart(r),
        site_chart: site_chart(r),
        regimes: REGIMES,
        r,
    };
    page.render().writing("board report")
}
