//! `GET /`: one organisation at a glance (an admin picks it with
//! `?org=`): the headline figures of its latest stored board report,
//! covered devices by site and by sensitivity, the live count from the
//! latest scans beside the plan's, progress scan after scan, and each
//! site's last report.

mod progress;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use camaudit_report::BoardReport;
use camaudit_report::charts::{CoveredBars, CoveredRow};
use camaudit_server::AppState;
use camaudit_server::boards::{LatestBoard, latest_board};
use camaudit_server::rollup::covered_on_sensitive_sites;
use camaudit_store::{DeviceQuery, EstateStore, OrgId, Organisation, PlanId, Site, StoreError};
use time::OffsetDateTime;

use self::progress::{Progress, SiteScans};
use super::{OrgParam, OrgPicker, PageQuery, choose_org};
use crate::layout::{Layout, Nav, PageError, render};
use crate::session::Person;

/// Devices read per store call for the live count.
const PAGE: u32 = 1000;

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    layout: Layout,
    picker: Option<OrgPicker>,
    /// `None` when the server holds no organisation yet.
    org: Option<Shown>,
}

/// The organisation shown, and what the store holds for it.
struct Shown {
    name: String,
    sector: &'static str,
    board: Option<BoardPart>,
    /// Why there is no board to show, and how to make one.
    no_board: Option<String>,
    live: Live,
    progress: Progress,
    progress_svg: Option<String>,
    sites: Vec<SiteLine>,
}

/// The latest stored board report, and what the page draws from it.
struct BoardPart {
    plan: PlanId,
    planned_at: String,
    r: BoardReport,
    cost: Amount,
    clear: String,
    /// Covered devices on sensitive sites.
    covered_on_sensitive: usize,
    site_svg: Option<String>,
    by_sensitivity: Vec<CoveredRow>,
    sensitivity_svg: Option<String>,
    /// Set when a site was scanned after the plan was saved.
    older_than: Option<String>,
}

/// The devices of each site's latest scan, now.
struct Live {
    devices: usize,
    covered: usize,
    sites_scanned: usize,
    latest_scan: Option<OffsetDateTime>,
}

/// A site registered on the server, and its sensors' last report.
struct SiteLine {
    name: String,
    slug: String,
    last_report: String,
}

/// Money as the page writes it: the figure alone in its element, the
/// currency around it ("£" before, or " EUR" after).
struct Amount {
    before: String,
    figure: String,
    after: String,
}

impl Amount {
    fn of(pence: u64, currency: &str) -> Amount {
        let shown = camaudit_report::money(pence, currency);
        match shown.strip_prefix('£') {
            Some(figure) => Amount {
                before: "£".into(),
                figure: figure.into(),
                after: String::new(),
            },
            None => {
                let (figure, unit) = shown.split_once(' ').unwrap_or((shown.as_str(), ""));
                Amount {
                    before: String::new(),
                    figure: figure.into(),
                    after: format!(" {unit}"),
                }
            }
        }
    }
}

/// What the store holds for the organisation, read in one go.
struct Read {
    sites: Vec<Site>,
    latest: Option<LatestBoard>,
    live: Live,
    scans: Vec<SiteScans>,
}

pub async fn page(
    State(app): State<AppState>,
    person: Person,
    PageQuery(q): PageQuery<OrgParam>,
) -> Result<Response, PageError> {
    let orgs: Vec<Organisation> = app.pool.run(|store| store.organisations()).await?;
    let who = super::who(&person, &orgs);
    let chosen = choose_org(&person, &orgs, q.org)?;
    let layout = Layout::new(&person, Nav::Overview, "Estate overview", who);
    let Some(org) = chosen else {
        return Ok(render(&OverviewPage {
            layout,
            picker: None,
            org: None,
        }));
    };
    let id = org.id;
    let read = app.pool.run(move |store| read(&*store, id)).await?;
    Ok(render(&OverviewPage {
        picker: OrgPicker::of(&person, &orgs, org.id),
        org: Some(shown(&org, read)),
        layout,
    }))
}

fn read(store: &dyn EstateStore, org: OrgId) -> Result<Read, StoreError> {
    let sites = store.sites(Some(org))?;
    let scans = progress::read(store, &sites)?;
    let mut live = Live {
        devices: 0,
        covered: 0,
        sites_scanned: scans.iter().filter(|s| !s.counts.is_empty()).count(),
        latest_scan: scans
            .iter()
            .filter_map(|s| s.counts.last().map(|c| c.started_at))
            .max(),
    };
    // The same read as GET /api/v1/devices: each site's latest scan.
    let mut query = DeviceQuery {
        org: Some(org),
        limit: PAGE,
        ..DeviceQuery::default()
    };
    loop {
        let page = store.device_page(&query)?;
        live.devices += page.items.len();
        live.covered += page.items.iter().filter(|d| d.device.covered).count();
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    Ok(Read {
        latest: latest_board(store, org)?,
        sites,
        live,
        scans,
    })
}

fn shown(org: &Organisation, read: Read) -> Shown {
    let how = format!(
        "Make one with `camaudit plan --estate estate.toml --db … --save --org {}` (the same estate file and store the server uses).",
        org.slug
    );
    let marker = read
        .latest
        .as_ref()
        .map(|l| (l.planned_at, format!("plan saved {}", l.planned_at.date())));
    let (board, no_board) = match read.latest {
        None => (None, Some(format!("{} has no plan yet. {how}", org.name))),
        Some(latest) => {
            let planned_at = latest.planned_at;
            match latest.board {
                Ok(r) => (
                    Some(board_part(
                        latest.plan,
                        planned_at,
                        r,
                        read.live.latest_scan,
                    )),
                    None,
                ),
                Err(why) => (None, Some(why.to_string())),
            }
        }
    };
    let progress = progress::progress(&read.scans, marker);
    let progress_svg = progress.chart.as_ref().map(|c| {
        c.svg(
            "progress-chart",
            "Covered devices in the latest scans, scan after scan",
            "covered devices",
        )
    });
    Shown {
        name: org.name.clone(),
        sector: org.sector.as_str(),
        board,
        no_board,
        live: read.live,
        progress,
        progress_svg,
        sites: read.sites.iter().map(site_line).collect(),
    }
}

fn board_part(
    plan: PlanId,
    planned_at: OffsetDateTime,
    r: BoardReport,
    latest_scan: Option<OffsetDateTime>,
) -> BoardPart {
    let by_site: Vec<CoveredRow> = r
        .sites
        .iter()
        .map(|s| CoveredRow {
            label: s.name.clone(),
            covered: s.covered,
            devices: s.devices,
        })
        .collect();
    let by_sensitivity = by_sensitivity(&r);
    let older_than = latest_scan.filter(|t| *t > planned_at).map(|t| {
        format!(
            "The plan was saved at {}, before the latest scan ({}): its figures are those of the devices it was made from. Save a new plan to bring them up to date.",
            camaudit_report::timestamp(planned_at),
            camaudit_report::timestamp(t)
        )
    });
    BoardPart {
        plan,
        planned_at: camaudit_report::timestamp(planned_at),
        cost: Amount::of(r.overview.cost_to_clear, &r.overview.currency),
        clear: camaudit_report::clear_time(&r.overview),
        covered_on_sensitive: covered_on_sensitive_sites(&r),
        site_svg: CoveredBars::of(&by_site).map(|c| {
            c.svg(
                "site-chart",
                "Devices per site: covered (hatched) and not covered",
            )
        }),
        sensitivity_svg: CoveredBars::of(&by_sensitivity).map(|c| {
            c.svg(
                "sensitivity-chart",
                "Devices on sensitive sites, standard sites and no site of the estate: covered (hatched) and not covered",
            )
        }),
        by_sensitivity,
        older_than,
        r,
    }
}

/// Devices on sensitive sites, on standard ones, and on no site of the
/// estate file.
fn by_sensitivity(r: &BoardReport) -> Vec<CoveredRow> {
    let sum = |sensitivity: &str| {
        let here = r.sites.iter().filter(|s| s.sensitivity == sensitivity);
        let (covered, devices) = here.fold((0, 0), |(c, d), s| (c + s.covered, d + s.devices));
        (covered, devices)
    };
    let (sensitive_covered, sensitive) = sum("sensitive");
    let (standard_covered, standard) = sum("standard");
    let mut rows = vec![
        CoveredRow {
            label: "Sensitive sites".into(),
            covered: sensitive_covered,
            devices: sensitive,
        },
        CoveredRow {
            label: "Standard sites".into(),
            covered: standard_covered,
            devices: standard,
        },
    ];
    if r.overview.unplaced_devices > 0 {
        rows.push(CoveredRow {
            label: "On no site of the estate".into(),
            covered: r.overview.unplaced_covered,
            devices: r.overview.unplaced_devices,
        });
    }
    rows
}

fn site_line(s: &Site) -> SiteLine {
    SiteLine {
        name: s.name.clone(),
        slug: s.slug.to_string(),
        last_report: s
            .last_report_at
            .map_or_else(|| "never".to_owned(), camaudit_report::timestamp),
    }
}

/// "83%" of a whole, or nothing of none.
fn pct(part: &usize, whole: &usize) -> String {
    if *whole == 0 {
        return String::new();
    }
    format!("({:.0}%)", 100.0 * *part as f64 / *whole as f64)
}

impl OverviewPage {
    fn pct(&self, part: &usize, whole: &usize) -> String {
        pct(part, whole)
    }

    fn money(&self, pence: &u64, currency: &str) -> String {
        camaudit_report::money(*pence, currency)
    }

    fn timestamp(&self, t: &OffsetDateTime) -> String {
        camaudit_report::timestamp(*t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_the_figure_apart_from_its_currency() {
        let gbp = Amount::of(645_875, "GBP");
        assert_eq!(
            (gbp.before.as_str(), gbp.figure.as_str()),
            ("£", "6,458.75")
        );
        let eur = Amount::of(100_000, "EUR");
        assert_eq!((eur.figure.as_str(), eur.after.as_str()), ("1,000", " EUR"));
    }

    #[test]
    fn shares_are_whole_percentages() {
        assert_eq!(pct(&5, &6), "(83%)");
        assert_eq!(pct(&0, &0), "");
    }
}
