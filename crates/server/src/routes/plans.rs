//! Stored plans and the findings of each organisation's latest one.

use axum::Json;
use axum::extract::State;
use camaudit_store::{OrgId, PlanId};
use serde::Deserialize;

use crate::AppState;
use crate::access::Caller;
use crate::error::ApiError;
use crate::extract::{Params, PathIds};
use crate::views::{FindingsView, Items, PlanSummary, PlanView};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgQuery {
    org: Option<OrgId>,
}

/// Plans newest first, of one organisation or (for an admin who names
/// none) of every organisation, one after the other.
pub async fn list(
    State(app): State<AppState>,
    caller: Caller,
    Params(q): Params<OrgQuery>,
) -> Result<Json<Items<PlanSummary>>, ApiError> {
    let org = caller.reader()?.narrow(q.org, "organisation")?;
    let items = app
        .pool
        .run(move |store| {
            let orgs = match org {
                Some(org) => vec![org],
                None => store.organisations()?.into_iter().map(|o| o.id).collect(),
            };
            let mut items = Vec::new();
            for org in orgs {
                items.extend(store.plans(org)?.iter().map(PlanSummary::from));
            }
            Ok(items)
        })
        .await?;
    Ok(Json(Items { items }))
}

pub async fn one(
    State(app): State<AppState>,
    caller: Caller,
    PathIds(id): PathIds<i64>,
) -> Result<Json<PlanView>, ApiError> {
    let reader = caller.reader()?;
    let plan = app.pool.run(move |store| store.plan(PlanId(id))).await?;
    plan.filter(|p| reader.sees(p.org))
        .map(|p| Json(p.into()))
        .ok_or_else(|| ApiError::not_found("plan"))
}

/// The findings of an organisation's latest plan. A viewer's organisation
/// is implied; an admin names one with `org`.
pub async fn findings(
    State(app): State<AppState>,
    caller: Caller,
    Params(q): Params<OrgQuery>,
) -> Result<Json<FindingsView>, ApiError> {
    let Some(org) = caller.reader()?.narrow(q.org, "organisation")? else {
        return Err(ApiError::bad_request(
            "missing_org",
            "an admin token reads every organisation: name one with ?org=ID (GET /api/v1/organisations lists them)",
        ));
    };
    let latest = app
        .pool
        .run(move |store| Ok(store.plans(org)?.into_iter().next()))
        .await?;
    Ok(Json(match latest {
        Some(plan) => FindingsView {
            org,
            plan: Some(plan.id),
            planned_at: Some(plan.created_at),
            findings: plan.findings,
        },
        None => FindingsView {
            org,
            plan: None,
            planned_at: None,
            findings: serde_json::Value::Array(Vec::new()),
        },
    }))
}
