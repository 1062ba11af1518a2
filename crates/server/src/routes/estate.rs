//! Organisations, sites and scans, as far as the caller may see them.

use axum::Json;
use axum::extract::State;
use camaudit_store::{Estate, OrgId, ScanId, Site, SiteId, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::access::{Caller, Reader};
use crate::error::ApiError;
use crate::extract::{Params, PathIds};
use crate::pool::Views;
use crate::views::{Items, OrgView, ScanView, SiteView};

pub async fn organisations(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<Items<OrgView>>, ApiError> {
    let reader = caller.reader()?;
    let orgs = app.pool.run(|store| store.organisations()).await?;
    let items = orgs
        .into_iter()
        .filter(|o| reader.sees(o.id))
        .map(OrgView::from)
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitesQuery {
    org: Option<OrgId>,
}

pub async fn sites(
    State(app): State<AppState>,
    caller: Caller,
    Params(q): Params<SitesQuery>,
) -> Result<Json<Items<SiteView>>, ApiError> {
    let org = caller.reader()?.narrow(q.org, "organisation")?;
    let sites = app.pool.run(move |store| store.sites(org)).await?;
    let items = sites.into_iter().map(SiteView::from).collect();
    Ok(Json(Items { items }))
}

pub async fn site(
    State(app): State<AppState>,
    caller: Caller,
    PathIds(id): PathIds<i64>,
) -> Result<Json<SiteView>, ApiError> {
    let reader = caller.reader()?;
    let site = app
        .pool
        .run(move |store| visible_site(store.as_estate(), &reader, SiteId(id)))
        .await?;
    site.map(|s| Json(s.into()))
        .ok_or_else(|| ApiError::not_found("site"))
}

/// The site, if it exists and the reader may see it.
pub fn visible_site(
    estate: &dyn Estate,
    reader: &Reader,
    id: SiteId,
) -> Result<Option<Site>, StoreError> {
    Ok(estate.site(id)?.filter(|s| reader.sees(s.org)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScansQuery {
    site: Option<SiteId>,
}

pub async fn scans(
    State(app): State<AppState>,
    caller: Caller,
    Params(q): Params<ScansQuery>,
) -> Result<Json<Items<ScanView>>, ApiError> {
    let reader = caller.reader()?;
    let items = app
        .pool
        .run(move |store| {
            let sites = match q.site {
                Some(id) => match visible_site(store.as_estate(), &reader, id)? {
                    Some(site) => vec![site],
                    None => return Ok(None),
                },
                None => store.sites(reader.org())?,
            };
            let mut items = Vec::new();
            for site in sites {
                for scan in store.site_scans(site.id)? {
                    items.push(ScanView::of(scan, Some(site.id)));
                }
            }
            Ok(Some(items))
        })
        .await?
        .ok_or_else(|| ApiError::not_found("site"))?;
    Ok(Json(Items { items }))
}

pub async fn scan(
    State(app): State<AppState>,
    caller: Caller,
    PathIds(id): PathIds<i64>,
) -> Result<Json<ScanView>, ApiError> {
    let reader = caller.reader()?;
    let scan = app
        .pool
        .run(move |store| {
            let id = ScanId(id);
            if !scan_visible(store.as_estate(), &reader, id)? {
                return Ok(None);
            }
            let site = store.scan_site(id)?;
            match store.scan(id) {
                Ok(scan) => Ok(Some(ScanView::of(scan, site))),
                Err(StoreError::NoScan(_)) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await?;
    scan.map(Json).ok_or_else(|| ApiError::not_found("scan"))
}

/// Whether the reader may see a scan: one of a site it sees, or, for an
/// admin, a scan run locally on the server's store (which has no site).
pub fn scan_visible(estate: &dyn Estate, reader: &Reader, id: ScanId) -> Result<bool, StoreError> {
    match estate.scan_site(id)? {
        Some(site) => Ok(visible_site(estate, reader, site)?.is_some()),
        None => Ok(reader.org().is_none()),
    }
}
