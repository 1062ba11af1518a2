//! The board report as one self-contained HTML page: CSS inline, charts
//! as inline SVG drawn here from the view models, no script, no font and
//! nothing else fetched, printable on A4 (`templates/board_report.html`).

use askama::Template;

use super::write::{clear_time, headlines};
use super::{BoardReport, Changes, EstateOverview};
use crate::demo::pct;
use crate::error::{Context, Result};
use crate::html::REGIMES;
use crate::plan_views::money;

/// One axis label.
struct Tick {
    at: f64,
    text: String,
}

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

/// The residual risk per day over the plan's horizon.
struct RiskChart {
    w: f64,
    h: f64,
    base: f64,
    left: f64,
    right: f64,
    line: String,
    area: String,
    y_ticks: Vec<Tick>,
    x_ticks: Vec<Tick>,
    /// Where the risk is down to half, when it gets there.
    half: Option<Tick>,
}

/// One site's devices: covered, then the rest, as one stacked bar.
struct SiteBar {
    y: f64,
    name: String,
    covered_w: f64,
    other_w: f64,
    covered: usize,
    devices: usize,
}

struct SiteChart {
    w: f64,
    h: f64,
    bars: Vec<SiteBar>,
}

const CHART_W: f64 = 680.0;
const LEFT: f64 = 70.0;
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

fn risk_chart(r: &BoardReport) -> Option<RiskChart> {
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
    let points: Vec<(time::Date, f64)> = std::iter::once((start, s.risk_at_start))
        .chain(curve.iter().map(|p| (p.date, p.risk.per_day())))
        .collect();
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return None;
    }
    let h = 240.0;
    let base = h - 40.0;
    let right = CHART_W - 16.0;
    let plot_h = base - TOP;
    let span = ((last.date - start).whole_days().max(1)) as f64;
    let x_of = |d: time::Date| LEFT + (d - start).whole_days() as f64 / span * (right - LEFT);
    let y_of = |risk: f64| base - risk / max * plot_h;
    let mut line = String::new();
    for (date, risk) in &points {
        line.push_str(&format!("{:.1},{:.1} ", x_of(*date), y_of(*risk)));
    }
    let area = format!("{LEFT:.1},{base:.1} {line}{right:.1},{base:.1}");
    let x_ticks = [start, curve[curve.len() / 2].date, last.date]
        .into_iter()
        .map(|d| Tick {
            at: x_of(d),
            text: d.to_string(),
        })
        .collect();
    let y_ticks = (0..=2)
        .map(|k| Tick {
            at: y_of(max * f64::from(k) / 2.0),
            text: format!("{:.0}", max * f64::from(k) / 2.0),
        })
        .collect();
    let half = s.half_risk_by.as_deref().and_then(|day| {
        let d = time::Date::parse(day, DAY).ok()?;
        Some(Tick {
            at: x_of(d.clamp(start, last.date)),
            text: format!("half the risk gone by {day}"),
        })
    });
    Some(RiskChart {
        w: CHART_W,
        h,
        base,
        left: LEFT,
        right,
        line: line.trim_end().to_owned(),
        area,
        y_ticks,
        x_ticks,
        half,
    })
}

/// Dates as the plan writes them.
const DAY: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn site_chart(r: &BoardReport) -> Option<SiteChart> {
    let max = r.sites.iter().map(|s| s.devices).max().filter(|&m| m > 0)?;
    let label_w = 210.0;
    let bar_w = CHART_W - label_w - 130.0;
    let row = 26.0;
    let bars = r
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| SiteBar {
            y: TOP + i as f64 * row,
            name: short(&s.name, 30),
            covered_w: s.covered as f64 / max as f64 * bar_w,
            other_w: (s.devices - s.covered) as f64 / max as f64 * bar_w,
            covered: s.covered,
            devices: s.devices,
        })
        .collect();
    Some(SiteChart {
        w: CHART_W,
        h: TOP + r.sites.len() as f64 * row + 10.0,
        bars,
    })
}

/// A name cut to `chars` characters with an ellipsis, for a chart's
/// label (the table beside it gives the whole name).
fn short(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        return name.to_owned();
    }
    let cut: String = name.chars().take(chars - 1).collect();
    format!("{}…", cut.trim_end())
}

#[derive(Template)]
#[template(path = "board_report.html")]
struct Page<'a> {
    r: &'a BoardReport,
    headlines: Vec<super::write::Headline>,
    clear: String,
    cost: Option<CostChart>,
    risk: Option<RiskChart>,
    site_chart: Option<SiteChart>,
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
