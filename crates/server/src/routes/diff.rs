//! `GET /api/v1/diff?from=A&to=B`: what changed between two scans of one
//! site (new, gone and changed devices, rebrand swaps, covered devices
//! that came back), as `camaudit diff` says it.

use axum::Json;
use axum::extract::State;
use camaudit_history::{Diff, DiffOptions, HistoryError, diff_scans_with};
use camaudit_store::ScanId;
use serde::Deserialize;

use crate::AppState;
use crate::access::Caller;
use crate::error::ApiError;
use crate::extract::Params;
use crate::pool::Views;
use crate::routes::estate::scan_visible;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    from: ScanId,
    to: ScanId,
}

pub async fn between(
    State(app): State<AppState>,
    caller: Caller,
    Params(q): Params<DiffQuery>,
) -> Result<Json<Diff>, ApiError> {
    let reader = caller.reader()?;
    let outcome = app
        .pool
        .run(move |store| {
            for id in [q.from, q.to] {
                if !scan_visible(store.as_estate(), &reader, id)? {
                    return Ok(Err(ApiError::not_found("scan")));
                }
            }
            let options = DiffOptions::default();
            Ok(diff_scans_with(
                store.as_store(),
                Some(store.as_estate()),
                q.from,
                q.to,
                &options,
            )
            .map_err(refusal))
        })
        .await?;
    outcome.map(Json)
}

fn refusal(e: HistoryError) -> ApiError {
    match e {
        HistoryError::NoScan { .. } => ApiError::not_found("scan"),
        HistoryError::DifferentPlaces { .. } => ApiError::bad_request(
            "different_sites",
            "the two scans are not of the same site: compare two scans of one site (GET /api/v1/scans?site=ID lists them)",
        ),
        HistoryError::Store { source, .. } => source.into(),
    }
}
