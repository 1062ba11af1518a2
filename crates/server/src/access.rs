//! Who is asking and what they may see. Every `/api/` handler but the
//! OpenAPI document's takes a [`Caller`], so a route cannot forget to
//! authenticate (nor the per-token rate, [`crate::rate`], which it checks
//! before the token is looked up); what a caller may read is a [`Reader`],
//! which a sensor token never gets.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use camaudit_store::{OrgId, Token, TokenScope};
use time::OffsetDateTime;

use crate::AppState;
use crate::error::ApiError;
use crate::pool::Views;
use crate::rate::{Admission, RateLimiter, TokenKey, retry_after_secs};

/// The token of an authenticated request.
#[derive(Debug, Clone)]
pub struct Caller(pub Token);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Caller, ApiError> {
        // A header that is not text is as good as none.
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if header.is_none() {
            return Err(ApiError::unauthorized());
        }
        let limited = Limited::of(parts, header.as_deref());
        let admission = limited.admit()?;
        let now = OffsetDateTime::now_utc();
        let outcome = app
            .pool
            .run(move |store| {
                Ok(camaudit_auth::authenticate(
                    store.as_estate(),
                    header.as_deref(),
                    now,
                ))
            })
            .await?;
        match outcome {
            Ok(token) => {
                if admission == Admission::Unknown {
                    limited.admitted();
                }
                Ok(Caller(token))
            }
            Err(why) if !why.is_refusal() => {
                tracing::error!("authenticating: {why}");
                Err(ApiError::busy("cannot check the token now; retry later"))
            }
            Err(why) => {
                tracing::info!("refused a token: {why}");
                Err(ApiError::unauthorized())
            }
        }
    }
}

/// The rate limiter of the router (if it has one) and the key of the
/// request's token (if it carries something shaped like one).
struct Limited {
    limiter: Option<Arc<RateLimiter>>,
    key: Option<TokenKey>,
}

impl Limited {
    fn of(parts: &Parts, header: Option<&str>) -> Limited {
        Limited {
            limiter: parts.extensions.get::<Arc<RateLimiter>>().cloned(),
            key: camaudit_auth::bearer_secret(header)
                .ok()
                .map(camaudit_auth::hash),
        }
    }

    /// 429 for a token over its rate, before any store work.
    fn admit(&self) -> Result<Admission, ApiError> {
        let (Some(limiter), Some(key)) = (&self.limiter, &self.key) else {
            return Ok(Admission::Admitted);
        };
        match limiter.admit(key, Instant::now()) {
            Admission::Refused { retry_after } => Err(ApiError::too_many_requests(
                limiter.rule().per_second,
                retry_after_secs(retry_after),
            )),
            admitted => Ok(admitted),
        }
    }

    /// The token authenticated: it gets a bucket.
    fn admitted(&self) {
        if let (Some(limiter), Some(key)) = (&self.limiter, self.key) {
            limiter.admitted(key, Instant::now());
        }
    }
}

/// What a reading caller sees: every organisation (an admin) or one (a
/// viewer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    scope: TokenScope,
}

impl Caller {
    /// A sensor token writes batches and reads nothing.
    pub fn reader(&self) -> Result<Reader, ApiError> {
        match &self.0.scope {
            TokenScope::Sensor { .. } => Err(ApiError::forbidden(
                "a sensor token only sends batches (POST /api/v1/batches); read with a viewer or admin token",
            )),
            scope => Ok(Reader {
                scope: scope.clone(),
            }),
        }
    }
}

impl Reader {
    /// What a token of `scope` may read; `None` for a sensor, which reads
    /// nothing (the dashboard's log-in refuses it with this).
    pub fn of(scope: &TokenScope) -> Option<Reader> {
        match scope {
            TokenScope::Sensor { .. } => None,
            scope => Some(Reader {
                scope: scope.clone(),
            }),
        }
    }

    pub fn scope(&self) -> &TokenScope {
        &self.scope
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.scope, TokenScope::Admin)
    }

    pub fn sees(&self, org: OrgId) -> bool {
        camaudit_auth::may_read_org(&self.scope, org)
    }

    /// The organisation a store read is limited to; `None` for all.
    pub fn org(&self) -> Option<OrgId> {
        match self.scope {
            TokenScope::Viewer { org } => Some(org),
            _ => None,
        }
    }

    /// The organisation asked for, if the caller may see it; without one,
    /// the viewer's own. `None`: every organisation (an admin who named
    /// none).
    pub fn narrow(&self, asked: Option<OrgId>, what: &str) -> Result<Option<OrgId>, ApiError> {
        match asked {
            Some(org) if self.sees(org) => Ok(Some(org)),
            Some(_) => Err(ApiError::not_found(what)),
            None => Ok(self.org()),
        }
    }
}
