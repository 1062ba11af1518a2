//! An organisation's latest stored plan as the findings and plan pages
//! read it (contract 3): the board report `camaudit plan --save` stores
//! beside the schedule, and where each device the plan names is in the
//! organisation's latest scans, so a page can link to it.

use std::collections::HashMap;

use camaudit_report::BoardReport;
use camaudit_store::{DeviceQuery, EstateStore, OrgId, PlanId, StoreError};
use time::OffsetDateTime;

use super::words::DeviceAt;

/// Devices read into the index at most: an organisation larger than this
/// gets links for the first ones only (the pages say when a device is not
/// found).
const MAX_INDEXED: usize = 200_000;
/// Devices read per store page.
const PAGE: u32 = 1_000;

/// What the latest plan of an organisation offers a page.
pub enum LatestPlan {
    /// The organisation has no stored plan.
    None,
    /// A plan stored without a board report (by an older camaudit, or a
    /// document the pages cannot read): `why` says which.
    NoBoard {
        id: PlanId,
        made: OffsetDateTime,
        why: String,
    },
    Board(Box<StoredBoard>),
}

/// A stored plan with its board report.
pub struct StoredBoard {
    pub id: PlanId,
    pub made: OffsetDateTime,
    pub board: BoardReport,
    /// The schedules themselves (`plan` in the stored document), for the
    /// dated actions; `None` when the document has none that reads.
    pub schedule: Option<camaudit_plan::Plan>,
}

/// The newest stored plan of `org` (`store.plans(org)?.first()`, as
/// `GET /api/v1/findings` reads it).
pub fn latest_plan(store: &dyn EstateStore, org: OrgId) -> Result<LatestPlan, StoreError> {
    let Some(stored) = store.plans(org)?.into_iter().next() else {
        return Ok(LatestPlan::None);
    };
    let mut doc = stored.plan;
    let Some(board) = doc.get_mut("board").map(serde_json::Value::take) else {
        return Ok(LatestPlan::NoBoard {
            id: stored.id,
            made: stored.created_at,
            why: "it was saved without a board report (by an older camaudit)".to_owned(),
        });
    };
    let board: BoardReport = match serde_json::from_value(board) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!("plan {}: its board report does not read: {e}", stored.id);
            return Ok(LatestPlan::NoBoard {
                id: stored.id,
                made: stored.created_at,
                why: format!("its board report does not read ({e})"),
            });
        }
    };
    let schedule = doc
        .get_mut("plan")
        .map(serde_json::Value::take)
        .and_then(|p| serde_json::from_value(p).ok());
    Ok(LatestPlan::Board(Box::new(StoredBoard {
        id: stored.id,
        made: stored.created_at,
        board,
        schedule,
    })))
}

/// A device of the latest scans, found by the name a plan gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub at: DeviceAt,
    pub site_name: String,
    pub site_slug: String,
}

/// The devices of the organisation's latest scans (the store's
/// `device_page`, as `GET /api/v1/devices` reads them), by the names a
/// plan gives devices: the address, else the MAC (`Asset::of_device`).
#[derive(Debug, Default)]
pub struct LatestDevices {
    by_name: HashMap<String, Vec<Found>>,
}

impl LatestDevices {
    pub fn read(store: &dyn EstateStore, org: OrgId) -> Result<LatestDevices, StoreError> {
        let sites: HashMap<i64, (String, String)> = store
            .sites(Some(org))?
            .into_iter()
            .map(|s| (s.id.0, (s.name, s.slug.to_string())))
            .collect();
        let mut index = LatestDevices::default();
        let mut read = 0;
        let mut after = None;
        loop {
            let page = store.device_page(&DeviceQuery {
                org: Some(org),
                after,
                limit: PAGE,
                ..DeviceQuery::default()
            })?;
            for d in &page.items {
                let (site_name, site_slug) = sites.get(&d.site.0).cloned().unwrap_or_default();
                let found = Found {
                    at: DeviceAt {
                        site: d.site.0,
                        scan: d.scan.0,
                        idx: usize::try_from(d.idx).unwrap_or(usize::MAX),
                    },
                    site_name,
                    site_slug,
                };
                let names = [
                    d.device.addr.map(|a| a.to_string()),
                    d.device.mac.map(|m| m.to_string()),
                ];
                for name in names.into_iter().flatten() {
                    index.by_name.entry(name).or_default().push(found.clone());
                }
            }
            read += page.items.len();
            match page.next {
                Some(next) if read < MAX_INDEXED => after = Some(next),
                _ => break,
            }
        }
        Ok(index)
    }

    /// Where the device a plan calls `name` is, preferring the site the
    /// plan places it on (by name or slug) when several sites have a
    /// device of that name. Empty: not in the latest scans.
    pub fn find(&self, name: &str, site: Option<&str>) -> Vec<Found> {
        let all = self.by_name.get(name).cloned().unwrap_or_default();
        let Some(site) = site else { return all };
        let same_site: Vec<Found> = all
            .iter()
            .filter(|f| f.site_name == site || f.site_slug == site)
            .cloned()
            .collect();
        if same_site.is_empty() { all } else { same_site }
    }
}

/// The command that makes and stores a plan for the organisation `slug`,
/// for a page that has none to show.
pub fn how_to_plan(slug: &str) -> String {
    format!("camaudit plan --estate estate.toml --db … --save --org {slug}")
}
