//! `GET /rollup`: across organisations, what `GET /api/v1/rollup` answers
//! (read by the same function): the figures by sector, each organisation's
//! plan and last report (a viewer: its own only), and who has not
//! reported for a while (`?stale_after_days=`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use camaudit_report::charts::{CoveredBars, CoveredRow};
use camaudit_server::AppState;
use camaudit_server::pool::Views;
use camaudit_server::rollup::{Figures, OrgRow, Rollup, SectorRow, rollup};
use camaudit_server::routes::rollup::stale_after_days;
use time::OffsetDateTime;

use super::PageQuery;
use crate::layout::{Layout, Nav, PageError, render};
use crate::session::Person;

/// `?stale_after_days=N`, named as the API names it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RollupParam {
    pub stale_after_days: Option<u32>,
}

#[derive(Template)]
#[template(path = "rollup.html")]
struct RollupPage {
    layout: Layout,
    admin: bool,
    r: Rollup,
    /// Sectors with at least one organisation.
    sectors: Vec<SectorRow>,
    sector_svg: Option<String>,
    /// Organisations that have not reported within the threshold.
    quiet: Vec<OrgRow>,
}

pub async fn page(
    State(app): State<AppState>,
    person: Person,
    PageQuery(q): PageQuery<RollupParam>,
) -> Result<Response, PageError> {
    let days = stale_after_days(q.stale_after_days)?;
    let reader = person.reader.clone();
    let now = OffsetDateTime::now_utc();
    let (r, orgs) = app
        .pool
        .run(move |store| {
            let orgs = store.organisations()?;
            Ok((rollup(store.as_estate(), &reader, now, days)?, orgs))
        })
        .await?;
    let layout = Layout::new(
        &person,
        Nav::Rollup,
        "Across organisations",
        super::who(&person, &orgs),
    );
    let sectors: Vec<SectorRow> = r
        .sectors
        .iter()
        .filter(|s| s.figures.organisations > 0)
        .cloned()
        .collect();
    let rows: Vec<CoveredRow> = sectors
        .iter()
        .map(|s| CoveredRow {
            label: sector_words(s.sector).to_owned(),
            covered: s.figures.sites_with_covered,
            devices: s.figures.sites,
        })
        .collect();
    let sector_svg = CoveredBars::of(&rows).map(|c| {
        c.svg(
            "sector-chart",
            "Sites of each sector's planned organisations: with covered equipment (hatched) and without",
        )
    });
    let quiet = r
        .organisations
        .iter()
        .filter(|o| !o.reporting)
        .cloned()
        .collect();
    Ok(render(&RollupPage {
        layout,
        admin: person.is_admin(),
        r,
        sectors,
        sector_svg,
        quiet,
    }))
}

/// A sector in words, as a heading or a row says it.
pub fn sector_words(sector: &str) -> &'static str {
    match sector {
        "council" => "Councils",
        "school" => "Schools",
        "nhs-trust" => "NHS trusts",
        "police" => "Police forces",
        "department" => "Government departments",
        _ => "Other bodies",
    }
}

impl RollupPage {
    fn words(&self, sector: &str) -> &'static str {
        sector_words(sector)
    }

    /// "(83%)" of a whole, or nothing of none.
    fn pct(&self, part: &usize, whole: &usize) -> String {
        if *whole == 0 {
            return String::new();
        }
        format!("({:.0}%)", 100.0 * *part as f64 / *whole as f64)
    }

    fn when(&self, t: &Option<OffsetDateTime>) -> String {
        t.map_or_else(|| "never".to_owned(), camaudit_report::timestamp)
    }

    fn totals(&self) -> &Figures {
        &self.r.totals
    }
}
