//! `GET /api/v1/devices/{site}/{scan}/{idx}/history`: one device's history
//! through its site's scans up to `scan` (first and last seen, how many
//! scans saw it, what is known of it now, each change of address,
//! firmware, maker or label), as `camaudit history` and the device page
//! show it.

use axum::Json;
use axum::extract::State;
use camaudit_history::{DeviceHistory, HistoryError, device_history};
use camaudit_store::{ScanId, SiteId};
use serde::Deserialize;

use crate::AppState;
use crate::access::Caller;
use crate::error::ApiError;
use crate::extract::{Params, PathIds};
use crate::pool::Views;
use crate::routes::estate::visible_site;

/// Earlier scans of the site looked at when none is asked for.
pub const DEFAULT_LOOKBACK: u32 = 50;
/// Each scan looked at is read whole, so the look-back is bounded.
pub const MAX_LOOKBACK: u32 = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    lookback: Option<u32>,
}

fn lookback(asked: Option<u32>) -> Result<usize, ApiError> {
    let n = asked.unwrap_or(DEFAULT_LOOKBACK);
    if n > MAX_LOOKBACK {
        return Err(ApiError::bad_request(
            "bad_lookback",
            format!("lookback {n} is out of range: ask for 0 to {MAX_LOOKBACK} earlier scans"),
        ));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub async fn one(
    State(app): State<AppState>,
    caller: Caller,
    PathIds((site, scan, idx)): PathIds<(i64, i64, i64)>,
    Params(q): Params<HistoryQuery>,
) -> Result<Json<DeviceHistory>, ApiError> {
    let reader = caller.reader()?;
    let lookback = lookback(q.lookback)?;
    let (site, scan) = (SiteId(site), ScanId(scan));
    // A negative position is no device, like one past the end.
    let Ok(idx) = usize::try_from(idx) else {
        return Err(ApiError::not_found("device"));
    };
    let found = app
        .pool
        .run(move |store| {
            let visible = visible_site(store.as_estate(), &reader, site)?;
            if visible.is_none() || store.scan_site(scan)? != Some(site) {
                return Ok(Ok(None));
            }
            Ok(device_history(store, scan, idx, lookback))
        })
        .await?;
    match found {
        Ok(Some(history)) => Ok(Json(history)),
        Ok(None) | Err(HistoryError::NoScan { .. }) => Err(ApiError::not_found("device")),
        Err(HistoryError::Store { source, .. }) => Err(source.into()),
        Err(e @ HistoryError::DifferentPlaces { .. }) => {
            // One scan's history never compares two places.
            tracing::error!("device history: {e}");
            Err(ApiError::internal("read the device's history"))
        }
    }
}
