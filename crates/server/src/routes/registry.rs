//! `GET /api/v1/registry?q=NAME`: what the registry says of a name or a
//! model number, the way `camaudit check` judges a line and
//! `camaudit registry show` describes an entry.

use axum::Json;
use axum::extract::State;
use camaudit_check::{Checker, LineInput};
use serde::Deserialize;

use crate::AppState;
use crate::access::Caller;
use crate::error::ApiError;
use crate::extract::Params;

const MAX_QUERY: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryQuery {
    q: String,
}

pub async fn answer(
    State(app): State<AppState>,
    caller: Caller,
    Params(RegistryQuery { q }): Params<RegistryQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.reader()?;
    let q = q.trim().to_owned();
    if q.is_empty() || q.len() > MAX_QUERY {
        return Err(ApiError::bad_request(
            "bad_query",
            format!("q is a name or model number of 1 to {MAX_QUERY} characters, e.g. q=Annke"),
        ));
    }
    let engine = app.engine.clone();
    let answer = tokio::task::spawn_blocking(move || {
        // The whole text as a line's description: the checker finds brand
        // names and model-number-like tokens in it, as in a procurement list.
        let line = LineInput {
            description: q.clone(),
            ..LineInput::default()
        };
        let verdict = Checker::new(&engine).check_line(&line);
        let profile = engine.registry().profile(&q);
        serde_json::json!({"query": q, "verdict": verdict, "profile": profile})
    })
    .await
    .map_err(|e| {
        tracing::error!("registry answer failed: {e}");
        ApiError::internal("answer from the registry")
    })?;
    Ok(Json(answer))
}
