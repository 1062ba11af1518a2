//! `GET /devices.csv`: the device list as a spreadsheet, for a person
//! logged in to the dashboard (the API's export wants a bearer token,
//! which a browser session does not have). The store is read page by page
//! while the file is sent, so memory stays flat however many devices there
//! are.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use camaudit_report::{DEVICE_CSV_HEADER, DeviceRow};
use camaudit_server::AppState;
use camaudit_server::access::Reader;
use camaudit_store::{DeviceCursor, DeviceQuery, OrgId, Site, SiteDevice, SiteId};

use super::filters::ListQuery;
use super::list::CHUNK;
use super::placed::{Placement, PlanState};
use crate::layout::{PageError, add_security_headers};

/// What every chunk of the file needs: the sites and each organisation's
/// latest plan, read once before the first.
struct Context {
    q: ListQuery,
    sites: HashMap<SiteId, Site>,
    plans: HashMap<OrgId, PlanState>,
}

struct At {
    after: Option<DeviceCursor>,
    first: bool,
    done: bool,
}

pub async fn csv(
    app: AppState,
    reader: Reader,
    q: ListQuery,
    query: DeviceQuery,
) -> Result<Response, PageError> {
    let org = query.org;
    let context = app
        .pool
        .run(move |store| {
            let sites = store.sites(org)?;
            let mut plans = HashMap::new();
            for o in store.organisations()? {
                if reader.sees(o.id) && org.is_none_or(|id| id == o.id) {
                    plans.insert(o.id, PlanState::latest(&*store, o.id)?);
                }
            }
            Ok(Context {
                q,
                sites: sites.into_iter().map(|s| (s.id, s)).collect(),
                plans,
            })
        })
        .await?;
    let context = Arc::new(context);
    let start = At {
        after: None,
        first: true,
        done: false,
    };
    let stream = futures_util::stream::unfold(start, move |at| {
        let app = app.clone();
        let context = Arc::clone(&context);
        let mut query = query.clone();
        async move {
            if at.done {
                return None;
            }
            query.after = at.after;
            query.limit = CHUNK;
            match app.pool.run(move |store| store.device_page(&query)).await {
                Ok(page) => {
                    let chunk = encode(&context, &page.items, at.first);
                    let next = At {
                        after: page.next,
                        first: false,
                        done: page.next.is_none(),
                    };
                    Some((Ok::<_, std::io::Error>(chunk), next))
                }
                // The status is sent already: a cut body is how the browser
                // learns the file is incomplete.
                Err(e) => {
                    tracing::error!("device export stopped: {}", e.message);
                    let stop = At {
                        after: None,
                        first: false,
                        done: true,
                    };
                    Some((Err(std::io::Error::other(e.message)), stop))
                }
            }
        }
    });
    let mut response = (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (CONTENT_DISPOSITION, "attachment; filename=\"devices.csv\""),
        ],
        Body::from_stream(stream),
    )
        .into_response();
    add_security_headers(response.headers_mut());
    Ok(response)
}

/// One chunk of the file: the matching devices of one store page.
fn encode(context: &Context, items: &[SiteDevice], first: bool) -> Bytes {
    let mut out = Vec::new();
    let mut w = csv::Writer::from_writer(&mut out);
    // Writing to memory cannot fail.
    if first {
        let header = ["org", "site", "scan", "idx"]
            .into_iter()
            .chain(DEVICE_CSV_HEADER)
            .chain(["zone", "worst_severity"]);
        let _ = w.write_record(header);
    }
    for d in items {
        let placement = context.sites.get(&d.site).and_then(|site| {
            let index = context.plans.get(&d.org)?.index()?;
            Some(index.place(&d.device, site))
        });
        if !context.q.admits(placement.as_ref()) {
            continue;
        }
        let zone = placement.as_ref().and_then(Placement::zone).unwrap_or("");
        let worst = placement
            .as_ref()
            .and_then(Placement::worst)
            .map_or("", |s| s.as_str());
        let place = [d.org.0, d.site.0, d.scan.0, d.idx].map(|n| n.to_string());
        let row = DeviceRow::of(&d.device).csv_record();
        let cells = place
            .iter()
            .map(String::as_str)
            .chain(row.iter().map(String::as_str))
            .chain([zone, worst])
            .map(|c| defused(c).into_owned());
        let _ = w.write_record(cells);
    }
    let _ = w.flush();
    drop(w);
    Bytes::from(out)
}

/// A cell a spreadsheet would run as a formula (a device's model or banner
/// is whatever the device chose to send) starts with an apostrophe instead.
fn defused(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::defused;

    #[test]
    fn formulas_from_devices_are_not_run_by_a_spreadsheet() {
        assert_eq!(defused("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defused("@SUM(1)"), "'@SUM(1)");
        assert_eq!(defused("DS-2CD2387G2-LU"), "DS-2CD2387G2-LU");
        assert_eq!(defused(""), "");
    }
}
