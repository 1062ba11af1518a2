//! The one shape every error answer has: a status and
//! `{"error": {"code": "<snake_case>", "message": "<one line>"}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An answer other than success, with a code a program can match on and a
/// message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds a client should wait before retrying (429/503 only).
    pub retry_after: Option<u32>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: one_line(message.into()),
            retry_after: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The same answer for a missing, malformed, unknown, expired or revoked
    /// token: telling them apart would help whoever is guessing.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid token is needed: send `Authorization: Bearer <secret>` (create one with `camaudit token create`)",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// What the caller may not see answers this too, so that another
    /// organisation's ids cannot be probed.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {what} with that id"),
        )
    }

    /// The store is saturated or unreachable for now: retry later.
    pub fn busy(message: impl Into<String>) -> ApiError {
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
        }
    }

    /// The token sent more requests than its rate allows: retry after
    /// `secs` seconds.
    pub fn too_many_requests(per_second: u32, secs: u32) -> ApiError {
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "this token sent more than {per_second} requests a second (the server's --rate-limit); retry after {secs} s"
                ),
            )
        }
    }

    /// A failure on our side; the details go to the log, not the client.
    pub fn internal(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("the server could not {what}; see its log"),
        )
    }
}

impl From<camaudit_store::StoreError> for ApiError {
    fn from(e: camaudit_store::StoreError) -> ApiError {
        use camaudit_store::StoreError;
        match e {
            StoreError::Connect { .. } | StoreError::Disconnected => {
                tracing::warn!("store unavailable: {e}");
                ApiError::busy("the store is unreachable for now; retry later")
            }
            StoreError::NoScan(_) => ApiError::not_found("scan"),
            StoreError::Conflict(what) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists"),
            ),
            StoreError::Unstorable { what, why } => {
                ApiError::bad_request("bad_value", format!("cannot store {what}: {why}"))
            }
            other => {
                tracing::error!("store: {other}");
                ApiError::internal("read or write its store")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Messages are one line, however the cause was worded.
fn one_line(message: String) -> String {
    if message.contains(['\n', '\r']) {
        message.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        message
    }
}
