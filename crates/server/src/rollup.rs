//! The roll-up across organisations (`GET /api/v1/rollup` and the
//! dashboard's `/rollup`): by sector, the share of organisations and of
//! sites with covered equipment and the covered devices on sensitive sites
//! and core networks, from each organisation's latest stored board report;
//! then one row per organisation with its plan's progress and when it
//! last reported.
//!
//! The sector figures are sums over every organisation, so they are shown
//! to a viewer too; an organisation's own row goes only to those who may
//! read it (a viewer gets theirs alone). Nothing here names a device.

use std::collections::{BTreeMap, BTreeSet};

use camaudit_report::BoardReport;
use camaudit_store::{DeviceQuery, Estate, OrgId, Organisation, PlanId, Sector, Site, StoreError};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::access::Reader;
use crate::boards::{LatestBoard, latest_board};

/// An organisation whose sensors have not sent a batch for this many days
/// has "not reported for a while", unless the caller says otherwise.
pub const DEFAULT_STALE_AFTER_DAYS: u32 = 14;
/// The most a caller may set it to (ten years).
pub const MAX_STALE_AFTER_DAYS: u32 = 3650;

/// Devices read per store call when looking for the plan's devices.
const PAGE: u32 = 1000;

/// Figures summed over a group of organisations. Everything but
/// `organisations` and `not_reporting` comes from the latest board report
/// of the `organisations_planned` among them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub organisations: usize,
    /// Organisations whose latest plan holds a board report.
    pub organisations_planned: usize,
    pub organisations_with_covered: usize,
    pub sites: usize,
    pub sites_with_covered: usize,
    pub sensitive_sites: usize,
    pub sensitive_sites_with_covered: usize,
    pub covered_devices: usize,
    pub covered_on_sensitive_sites: usize,
    /// Covered devices on a core network, or answering a scan from one.
    pub covered_on_core: usize,
    /// Organisations with no batch from any sensor within the threshold.
    pub not_reporting: usize,
}

/// One sector's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectorRow {
    pub sector: &'static str,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The board's figures of one organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgPlan {
    pub plan: PlanId,
    #[serde(with = "time::serde::rfc3339")]
    pub planned_at: OffsetDateTime,
    pub sites: usize,
    pub sites_with_covered: usize,
    pub sensitive_sites: usize,
    pub sensitive_sites_with_covered: usize,
    pub covered_devices: usize,
    pub covered_on_sensitive_sites: usize,
    pub covered_on_core: usize,
    /// The day the plan's last action is done; `null` when some action
    /// does not fit the plan's limits.
    pub clear_by: Option<String>,
    pub unscheduled_actions: usize,
    /// Devices the plan replaces, and those of them due by today.
    pub replacements: usize,
    pub replacements_due: usize,
    /// Of the devices the plan replaces, those in none of the
    /// organisation's sites' latest scans; `null` when no site has been
    /// scanned since the plan was made (nothing has been measured).
    pub replacements_gone: Option<usize>,
}

/// One organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgRow {
    pub org: OrgId,
    pub slug: String,
    pub name: String,
    pub sector: &'static str,
    /// Sites registered on the server (`camaudit site add`).
    pub sites_registered: usize,
    /// The newest batch from any of its sensors; `null`: never.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_report_at: Option<OffsetDateTime>,
    /// Whether it reported within the threshold.
    pub reporting: bool,
    /// Its latest board report's figures; `null` with `no_plan` saying why.
    pub plan: Option<OrgPlan>,
    pub no_plan: Option<String>,
}

/// The answer of `GET /api/v1/rollup`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollup {
    #[serde(with = "time::serde::rfc3339")]
    pub as_of: OffsetDateTime,
    pub stale_after_days: u32,
    /// Every organisation on the server.
    pub totals: Figures,
    /// Every sector, in a fixed order, with or without organisations.
    pub sectors: Vec<SectorRow>,
    /// The organisations the caller may read (a viewer: its own).
    pub organisations: Vec<OrgRow>,
}

/// One organisation as the roll-up reads it from the store.
struct Read {
    org: Organisation,
    sites: Vec<Site>,
    latest: Option<LatestBoard>,
}

impl Read {
    fn board(&self) -> Option<&BoardReport> {
        self.latest.as_ref().and_then(|l| l.board.as_ref().ok())
    }

    fn last_report(&self) -> Option<OffsetDateTime> {
        self.sites.iter().filter_map(|s| s.last_report_at).max()
    }
}

/// The roll-up as `reader` may see it, as of `now`.
pub fn rollup(
    store: &dyn Estate,
    reader: &Reader,
    now: OffsetDateTime,
    stale_after_days: u32,
) -> Result<Rollup, StoreError> {
    let stale_after = Duration::days(i64::from(stale_after_days));
    let reporting = |r: &Read| r.last_report().is_some_and(|t| now - t <= stale_after);
    let mut sites: BTreeMap<OrgId, Vec<Site>> = BTreeMap::new();
    for s in store.sites(None)? {
        sites.entry(s.org).or_default().push(s);
    }
    let mut all = Vec::new();
    for org in store.organisations()? {
        all.push(Read {
            latest: latest_board(store, org.id)?,
            sites: sites.remove(&org.id).unwrap_or_default(),
            org,
        });
    }
    let mut totals = Figures::default();
    let sectors = Sector::ALL
        .iter()
        .map(|&sector| {
            let mut figures = Figures::default();
            for r in all.iter().filter(|r| r.org.sector == sector) {
                add(&mut figures, r, reporting(r));
                add(&mut totals, r, reporting(r));
            }
            SectorRow {
                sector: sector.as_str(),
                figures,
            }
        })
        .collect();
    let mut organisations = Vec::new();
    for r in all.iter().filter(|r| reader.sees(r.org.id)) {
        organisations.push(org_row(store, r, now, reporting(r))?);
    }
    Ok(Rollup {
        as_of: now,
        stale_after_days,
        totals,
        sectors,
        organisations,
    })
}

fn add(f: &mut Figures, r: &Read, reporting: bool) {
    f.organisations += 1;
    f.not_reporting += usize::from(!reporting);
    let Some(b) = r.board() else {
        return;
    };
    let o = &b.overview;
    f.organisations_planned += 1;
    f.organisations_with_covered += usize::from(o.covered_devices > 0);
    f.sites += o.sites;
    f.sites_with_covered += o.sites_with_covered;
    f.sensitive_sites += o.sensitive_sites;
    f.sensitive_sites_with_covered += o.sensitive_sites_with_covered;
    f.covered_devices += o.covered_devices;
    f.covered_on_sensitive_sites += covered_on_sensitive_sites(b);
    f.covered_on_core += o.covered_on_core;
}

/// Covered devices on the board's sensitive sites.
pub fn covered_on_sensitive_sites(b: &BoardReport) -> usize {
    b.sites
        .iter()
        .filter(|s| s.sensitivity == "sensitive")
        .map(|s| s.covered)
        .sum()
}

fn org_row(
    store: &dyn Estate,
    r: &Read,
    now: OffsetDateTime,
    reporting: bool,
) -> Result<OrgRow, StoreError> {
    let (plan, no_plan) = match (&r.latest, r.board()) {
        (Some(latest), Some(board)) => (Some(org_plan(store, r, latest, board, now)?), None),
        (Some(latest), None) => (None, latest.board.as_ref().err().map(ToString::to_string)),
        (None, _) => (
            None,
            Some(format!(
                "no plan yet: make one with `camaudit plan --estate estate.toml --db … --save --org {}`",
                r.org.slug
            )),
        ),
    };
    Ok(OrgRow {
        org: r.org.id,
        slug: r.org.slug.to_string(),
        name: r.org.name.clone(),
        sector: r.org.sector.as_str(),
        sites_registered: r.sites.len(),
        last_report_at: r.last_report(),
        reporting,
        plan,
        no_plan,
    })
}

fn org_plan(
    store: &dyn Estate,
    r: &Read,
    latest: &LatestBoard,
    b: &BoardReport,
    now: OffsetDateTime,
) -> Result<OrgPlan, StoreError> {
    let o = &b.overview;
    let today = now.date();
    Ok(OrgPlan {
        plan: latest.plan,
        planned_at: latest.planned_at,
        sites: o.sites,
        sites_with_covered: o.sites_with_covered,
        sensitive_sites: o.sensitive_sites,
        sensitive_sites_with_covered: o.sensitive_sites_with_covered,
        covered_devices: o.covered_devices,
        covered_on_sensitive_sites: covered_on_sensitive_sites(b),
        covered_on_core: o.covered_on_core,
        clear_by: o.clear_by.clone(),
        unscheduled_actions: o.unscheduled_actions,
        replacements: latest.replaced.len(),
        replacements_due: latest.replaced.values().filter(|d| **d <= today).count(),
        replacements_gone: replacements_gone(store, r, latest)?,
    })
}

/// The plan's replaced devices seen in none of the organisation's sites'
/// latest scans, if any site was scanned after the plan was made.
fn replacements_gone(
    store: &dyn Estate,
    r: &Read,
    latest: &LatestBoard,
) -> Result<Option<usize>, StoreError> {
    let mut scanned_since = false;
    for site in &r.sites {
        let newest = store.site_scans(site.id)?.into_iter().last();
        scanned_since |= newest.is_some_and(|s| s.started_at > latest.planned_at);
    }
    if !scanned_since {
        return Ok(None);
    }
    let seen = seen_ids(store, r.org.id)?;
    Ok(Some(
        latest
            .replaced
            .keys()
            .filter(|id| !seen.contains(id.as_str()))
            .count(),
    ))
}

/// What a plan calls each device of the organisation's sites' latest
/// scans: its address, and its MAC (a plan names a device without an
/// address by its MAC).
fn seen_ids(store: &dyn Estate, org: OrgId) -> Result<BTreeSet<String>, StoreError> {
    let mut seen = BTreeSet::new();
    let mut query = DeviceQuery {
        org: Some(org),
        limit: PAGE,
        ..DeviceQuery::default()
    };
    loop {
        let page = store.device_page(&query)?;
        for d in &page.items {
            seen.extend(d.device.addr.map(|a| a.to_string()));
            seen.extend(d.device.mac.map(|m| m.to_string()));
        }
        match page.next {
            Some(next) => query.after = Some(next),
            None => return Ok(seen),
        }
    }
}
