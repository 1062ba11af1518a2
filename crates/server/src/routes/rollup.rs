//! `GET /api/v1/rollup`: the roll-up across organisations (crate::rollup).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::AppState;
use crate::access::Caller;
use crate::error::ApiError;
use crate::extract::Params;
use crate::pool::Views;
use crate::rollup::{DEFAULT_STALE_AFTER_DAYS, MAX_STALE_AFTER_DAYS, Rollup, rollup};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupQuery {
    stale_after_days: Option<u32>,
}

/// The days after which an organisation has not reported for a while:
/// the caller's, checked, or the default.
pub fn stale_after_days(asked: Option<u32>) -> Result<u32, ApiError> {
    match asked {
        None => Ok(DEFAULT_STALE_AFTER_DAYS),
        Some(n) if (1..=MAX_STALE_AFTER_DAYS).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::bad_request(
            "bad_stale_after_days",
            format!("stale_after_days {n} is out of range: give 1 to {MAX_STALE_AFTER_DAYS} days"),
        )),
    }
}

pub async fn get(
    State(app): State<AppState>,
    caller: Caller,
    Params(q): Params<RollupQuery>,
) -> Result<Json<Rollup>, ApiError> {
    let reader = caller.reader()?;
    let days = stale_after_days(q.stale_after_days)?;
    let now = OffsetDateTime::now_utc();
    let answer = app
        .pool
        .run(move |store| rollup(store.as_estate(), &reader, now, days))
        .await?;
    Ok(Json(answer))
}
