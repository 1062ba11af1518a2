//! `POST /api/v1/batches`: a sensor's batch, stored whole and once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use camaudit_store::{BatchOutcome, SensorBatch, TokenScope};
use time::OffsetDateTime;

use crate::AppState;
use crate::access::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::views::BatchAnswer;
use crate::wire::BatchBody;

pub async fn post(
    State(app): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<BatchBody>,
) -> Result<(StatusCode, Json<BatchAnswer>), ApiError> {
    let TokenScope::Sensor { org, .. } = caller.0.scope else {
        return Err(ApiError::forbidden(
            "only a sensor token sends batches: create one with `camaudit token create --scope sensor --site …`",
        ));
    };
    let scope = caller.0.scope.clone();
    let now = OffsetDateTime::now_utc();
    let outcome = app
        .pool
        .run(move |store| {
            let site = store
                .site_by_slug(org, &body.site)?
                .filter(|site| camaudit_auth::may_write_site(&scope, org, site.id));
            let Some(site) = site else {
                return Ok(Err(body.site));
            };
            let batch = SensorBatch {
                id: body.id,
                site: site.id,
                scan_ref: body.scan.scan_ref.0,
                kind: body.scan.kind,
                started_at: body.scan.started_at,
                finished_at: body.scan.finished_at,
                params: serde_json::Value::Object(body.scan.params),
                observations: body.observations,
                devices: body.devices,
            };
            let outcome = store.ingest_batch(&batch, now)?;
            Ok(Ok((batch.id, outcome)))
        })
        .await?;
    // An unknown slug and another site of the organisation answer alike:
    // the token's scope is all a sensor needs to know.
    let (id, outcome) = outcome.map_err(|slug| {
        ApiError::forbidden(format!(
            "this token may not send batches for site {slug:?}: issue a sensor token for that site"
        ))
    })?;
    let (status, word, scan) = match outcome {
        BatchOutcome::Stored { scan } => (StatusCode::CREATED, "stored", scan),
        BatchOutcome::Duplicate { scan } => (StatusCode::OK, "duplicate", scan),
    };
    Ok((
        status,
        Json(BatchAnswer {
            batch: id.to_string(),
            outcome: word,
            scan,
        }),
    ))
}
