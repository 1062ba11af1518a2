//! The board report as one self-contained HTML page: CSS inline, charts
//! as inline SVG drawn here from the view models, no script, no font and
//! nothing else fetched, printable on A4 (`templates/board_report.html`).

use askama::Template;

use super::write::{clear_time, headlines};
use super::{BoardReport, Changes, EstateOverview};
use crate::charts::{Columns, CoveredBars, CoveredRow, LineChart};
use crate::demo::pct;
use crate::error::{Context, Result};
use crate::html::REGIMES;
use crate::plan_views::money;

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
    cost: Option<Columns>,
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

    fn cost_svg(&self, c: &Columns) -> String {
        c.svg("cost-chart", "Money spent per budget period under the plan")
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
        cost: r.plan.cost_chart(),
        risk: r.plan.risk_chart(),
        site_chart: site_chart(r),
        regimes: REGIMES,
        r,
    };
    page.render().writing("board report")
}
