//! `GET /devices/{site}/{scan}/{idx}`: one device, as a security officer
//! checks it: what it is, the evidence in plain words with where each piece
//! came from, how its maker was decided and what the registry says of that
//! maker and brand (with sources), its findings in the latest plan, its
//! known exploited vulnerabilities, and its history across the site's scans.
//!
//! The device is read as `GET /api/v1/devices/{site}/{scan}/{idx}` reads
//! it: another organisation's device is the 404 page, like one that does not
//! exist.

pub mod registry;
pub mod view;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use camaudit_history::{DeviceHistory, device_history};
use camaudit_model::Device;
use camaudit_server::AppState;
use camaudit_server::pool::Views;
use camaudit_server::routes::estate::visible_site;
use camaudit_store::{
    EstateStore, Organisation, Scan, ScanId, ScanStatus, Site, SiteId, StoreError,
};

use self::view::DeviceView;
use super::devices::placed::PlanState;
use crate::layout::{Layout, Nav, PageError, render};
use crate::session::Person;

/// Earlier scans of the site a device's history looks at.
pub const LOOKBACK: usize = 50;

#[derive(Template)]
#[template(path = "device.html")]
struct DevicePage {
    layout: Layout,
    d: DeviceView,
}

/// Everything the page is made from, read in one go from the store.
pub struct Found {
    pub org: Organisation,
    pub orgs: Vec<Organisation>,
    pub site: Site,
    pub scan: Scan,
    pub idx: usize,
    pub device: Device,
    pub plan: PlanState,
    /// `None` when the history could not be read (the page says so).
    pub history: Option<DeviceHistory>,
    /// The site's latest scan, which the device list shows.
    pub latest: Option<ScanId>,
}

pub async fn page(
    State(app): State<AppState>,
    person: Person,
    Path((site, scan, idx)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (site, scan, idx) = place(&site, &scan, &idx)?;
    let reader = person.reader.clone();
    let found = app
        .pool
        .run(move |store| {
            let Some(site) = visible_site(store.as_estate(), &reader, site)? else {
                return Ok(None);
            };
            read(&*store, site, scan, idx)
        })
        .await?
        .ok_or_else(|| PageError::not_found("device"))?;
    let registry = app.engine.registry();
    let title = format!("Device {}", super::devices::list::address(&found.device));
    let who = super::who(&person, &found.orgs);
    let d = DeviceView::of(&found, registry);
    let layout = Layout::new(&person, Nav::Devices, title, who);
    Ok(render(&DevicePage { layout, d }))
}

/// The path's three numbers; anything else is the 400 page.
fn place(site: &str, scan: &str, idx: &str) -> Result<(SiteId, ScanId, usize), PageError> {
    let bad = || {
        PageError::bad_request(
            "A device's address is /devices/SITE/SCAN/POSITION, three whole numbers from the device list.",
        )
    };
    let site = site
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(bad)?;
    let scan = scan
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(bad)?;
    let idx = idx.parse::<usize>().map_err(|_| bad())?;
    Ok((SiteId(site), ScanId(scan), idx))
}

/// The device at position `idx` of `scan`, if the scan is the site's,
/// with what the page shows beside it.
fn read(
    store: &dyn EstateStore,
    site: Site,
    scan: ScanId,
    idx: usize,
) -> Result<Option<Found>, StoreError> {
    if store.scan_site(scan)? != Some(site.id) {
        return Ok(None);
    }
    let Some(device) = store.devices(scan)?.into_iter().nth(idx) else {
        return Ok(None);
    };
    let scans = store.site_scans(site.id)?;
    let latest = latest_scan(&scans);
    let Some(scan) = scans.into_iter().find(|s| s.id == scan) else {
        return Ok(None);
    };
    let orgs = store.organisations()?;
    let Some(org) = orgs.iter().find(|o| o.id == site.org).cloned() else {
        return Ok(None);
    };
    let plan = PlanState::latest(store, site.org)?;
    let history = match device_history(store, scan.id, idx, LOOKBACK) {
        Ok(history) => history,
        Err(e) => {
            tracing::warn!("the history of device {idx} of scan {}: {e}", scan.id);
            None
        }
    };
    Ok(Some(Found {
        org,
        orgs,
        site,
        scan,
        idx,
        device,
        plan,
        history,
        latest,
    }))
}

/// The scan the device list reads for a site (its `site_scans` are oldest
/// first): the latest complete one, else, while none is, the latest.
fn latest_scan(scans: &[Scan]) -> Option<ScanId> {
    scans
        .iter()
        .rev()
        .find(|s| s.status == ScanStatus::Complete)
        .or(scans.last())
        .map(|s| s.id)
}
