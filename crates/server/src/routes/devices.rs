//! Devices: pages with an opaque cursor, one device, and whole exports
//! (CSV, JSONL) streamed page by page so that memory stays flat however
//! many there are.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use camaudit_report::{DEVICE_CSV_HEADER, DeviceRow};
use camaudit_store::{DeviceCursor, DeviceQuery, ScanId, SiteDevice, SiteId};
use serde::Deserialize;

use crate::AppState;
use crate::access::{Caller, Reader};
use crate::cursor;
use crate::error::ApiError;
use crate::extract::{Params, PathIds};
use crate::pool::Views;
use crate::routes::estate::visible_site;
use crate::views::{DeviceView, PageView};

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;
/// Devices read from the store per chunk of an export.
const EXPORT_PAGE: u32 = 500;

/// The filters every device read takes (the dashboard's device list builds
/// them too, so that its reads are the API's).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    pub site: Option<SiteId>,
    pub covered: Option<bool>,
    pub maker: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    site: Option<SiteId>,
    covered: Option<bool>,
    maker: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

impl Filters {
    /// The store's query for these filters, limited to what `reader` sees.
    pub fn query(&self, reader: &Reader) -> Result<DeviceQuery, ApiError> {
        if let Some(maker) = &self.maker {
            let ok = (1..=64).contains(&maker.len())
                && maker
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(ApiError::bad_request(
                    "bad_query",
                    "maker is a manufacturer id: lowercase letters, digits and '-', e.g. maker=dahua",
                ));
            }
        }
        Ok(DeviceQuery {
            org: reader.org(),
            site: self.site,
            covered: self.covered,
            maker: self.maker.clone(),
            after: None,
            limit: EXPORT_PAGE,
        })
    }
}

fn limit(asked: Option<u32>) -> Result<u32, ApiError> {
    match asked {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::bad_request(
            "bad_limit",
            format!("limit {n} is out of range: ask for 1 to {MAX_LIMIT} devices a page"),
        )),
    }
}

/// A site filter names a site the reader sees, or answers 404.
pub async fn check_site(
    app: &AppState,
    reader: &Reader,
    site: Option<SiteId>,
) -> Result<(), ApiError> {
    let Some(site) = site else {
        return Ok(());
    };
    let reader = reader.clone();
    let found = app
        .pool
        .run(move |store| visible_site(store.as_estate(), &reader, site))
        .await?;
    found.map(|_| ()).ok_or_else(|| ApiError::not_found("site"))
}

pub async fn page(
    State(app): State<AppState>,
    caller: Caller,
    Params(q): Params<PageQuery>,
) -> Result<Json<PageView<DeviceView>>, ApiError> {
    let reader = caller.reader()?;
    let filters = Filters {
        site: q.site,
        covered: q.covered,
        maker: q.maker,
    };
    let mut query = filters.query(&reader)?;
    query.limit = limit(q.limit)?;
    query.after = q.cursor.as_deref().map(cursor::decode).transpose()?;
    check_site(&app, &reader, query.site).await?;
    let page = app.pool.run(move |store| store.device_page(&query)).await?;
    Ok(Json(PageView {
        items: page.items.into_iter().map(DeviceView::from).collect(),
        next: page.next.as_ref().map(cursor::encode),
    }))
}

pub async fn one(
    State(app): State<AppState>,
    caller: Caller,
    PathIds((site, scan, idx)): PathIds<(i64, i64, i64)>,
) -> Result<Json<DeviceView>, ApiError> {
    let reader = caller.reader()?;
    let (site, scan) = (SiteId(site), ScanId(scan));
    let found = app
        .pool
        .run(move |store| {
            let Some(site) = visible_site(store.as_estate(), &reader, site)? else {
                return Ok(None);
            };
            if store.scan_site(scan)? != Some(site.id) {
                return Ok(None);
            }
            let device = usize::try_from(idx)
                .ok()
                .and_then(|i| store.devices(scan).ok()?.into_iter().nth(i));
            Ok(device.map(|device| DeviceView {
                org: site.org,
                site: site.id,
                scan,
                idx,
                device,
            }))
        })
        .await?;
    found.map(Json).ok_or_else(|| ApiError::not_found("device"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Csv,
    Jsonl,
}

impl Export {
    fn content_type(self) -> &'static str {
        match self {
            Export::Csv => "text/csv; charset=utf-8",
            Export::Jsonl => "application/x-ndjson",
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            Export::Csv => "attachment; filename=\"devices.csv\"",
            Export::Jsonl => "attachment; filename=\"devices.jsonl\"",
        }
    }

    /// One page as text; the CSV's header goes before the first.
    fn encode(self, items: &[SiteDevice], first: bool) -> Bytes {
        let mut out = Vec::new();
        match self {
            Export::Csv => {
                let mut w = csv::Writer::from_writer(&mut out);
                // Writing to memory cannot fail.
                if first {
                    let header = ["org", "site", "scan", "idx"]
                        .into_iter()
                        .chain(DEVICE_CSV_HEADER);
                    let _ = w.write_record(header);
                }
                for d in items {
                    let place = [d.org.0, d.site.0, d.scan.0, d.idx].map(|n| n.to_string());
                    let row = DeviceRow::of(&d.device).csv_record();
                    let _ = w.write_record(place.iter().chain(row.iter()));
                }
                let _ = w.flush();
                drop(w);
            }
            Export::Jsonl => {
                for d in items {
                    let view = DeviceView::from(d.clone());
                    if serde_json::to_writer(&mut out, &view).is_ok() {
                        out.push(b'\n');
                    }
                }
            }
        }
        Bytes::from(out)
    }
}

pub async fn csv(
    app: State<AppState>,
    caller: Caller,
    q: Params<Filters>,
) -> Result<Response, ApiError> {
    export(app, caller, q, Export::Csv).await
}

pub async fn jsonl(
    app: State<AppState>,
    caller: Caller,
    q: Params<Filters>,
) -> Result<Response, ApiError> {
    export(app, caller, q, Export::Jsonl).await
}

struct Cursor {
    after: Option<DeviceCursor>,
    first: bool,
    done: bool,
}

async fn export(
    State(app): State<AppState>,
    caller: Caller,
    Params(filters): Params<Filters>,
    format: Export,
) -> Result<Response, ApiError> {
    let reader = caller.reader()?;
    let query = filters.query(&reader)?;
    check_site(&app, &reader, query.site).await?;
    let start = Cursor {
        after: None,
        first: true,
        done: false,
    };
    // Page by page, each read with a store of the pool for just that page:
    // a slow client holds no store while it reads.
    let stream = futures_util::stream::unfold(start, move |at| {
        let app = app.clone();
        let mut query = query.clone();
        async move {
            if at.done {
                return None;
            }
            query.after = at.after;
            match app.pool.run(move |store| store.device_page(&query)).await {
                Ok(page) => {
                    let chunk = format.encode(&page.items, at.first);
                    let next = Cursor {
                        after: page.next,
                        first: false,
                        done: page.next.is_none(),
                    };
                    Some((Ok::<_, std::io::Error>(chunk), next))
                }
                // The status is sent already: cutting the body short is how
                // the client learns the export is incomplete.
                Err(e) => {
                    tracing::error!("export stopped: {}", e.message);
                    let stop = Cursor {
                        after: None,
                        first: false,
                        done: true,
                    };
                    Some((Err(std::io::Error::other(e.message)), stop))
                }
            }
        }
    });
    Ok((
        [
            (CONTENT_TYPE, format.content_type()),
            (CONTENT_DISPOSITION, format.file_name()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
