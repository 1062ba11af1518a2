//! The API's routes, built through [`Api`] so that the list the OpenAPI
//! check compares with the document is the router's own.

pub mod batches;
pub mod devices;
pub mod diff;
pub mod estate;
pub mod history;
pub mod plans;
pub mod registry;
pub mod rollup;

use axum::Router;
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::AppState;
use crate::error::ApiError;

/// The OpenAPI document the server is held to (`docs/server.md`).
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// A router and the `(method, path)` of every route added to it.
pub struct Api {
    router: Router<AppState>,
    listed: Vec<(&'static str, &'static str)>,
}

impl Api {
    fn new() -> Api {
        Api {
            router: Router::new(),
            listed: Vec::new(),
        }
    }

    fn get<H: Handler<T, AppState>, T: 'static>(mut self, path: &'static str, h: H) -> Api {
        self.router = self.router.route(path, get(h));
        self.listed.push(("get", path));
        self
    }

    fn post<H: Handler<T, AppState>, T: 'static>(mut self, path: &'static str, h: H) -> Api {
        self.router = self.router.route(path, post(h));
        self.listed.push(("post", path));
        self
    }

    /// Every route as `(method, path)`, lowercase method, axum's path syntax
    /// (the same as OpenAPI's: `/sites/{id}`).
    pub fn routes(&self) -> &[(&'static str, &'static str)] {
        &self.listed
    }

    pub fn into_router(self) -> Router<AppState> {
        self.into_router_with(Router::new())
    }

    /// The API with other routes beside it (the dashboard's pages), under
    /// one fallback: an unknown `/api/` path answers the API's JSON error,
    /// any other a short HTML page.
    pub fn into_router_with(self, pages: Router<AppState>) -> Router<AppState> {
        self.router
            .merge(pages)
            .fallback(no_route)
            .method_not_allowed_fallback(no_method)
    }
}

/// Every route of the server.
pub fn api() -> Api {
    Api::new()
        .get("/healthz", healthz)
        .get("/api/v1/openapi.json", openapi)
        .post("/api/v1/batches", batches::post)
        .get("/api/v1/organisations", estate::organisations)
        .get("/api/v1/sites", estate::sites)
        .get("/api/v1/sites/{id}", estate::site)
        .get("/api/v1/scans", estate::scans)
        .get("/api/v1/scans/{id}", estate::scan)
        .get("/api/v1/devices", devices::page)
        .get("/api/v1/devices.csv", devices::csv)
        .get("/api/v1/devices.jsonl", devices::jsonl)
        .get("/api/v1/devices/{site}/{scan}/{idx}", devices::one)
        .get("/api/v1/devices/{site}/{scan}/{idx}/history", history::one)
        .get("/api/v1/plans", plans::list)
        .get("/api/v1/plans/{id}", plans::one)
        .get("/api/v1/findings", plans::findings)
        .get("/api/v1/registry", registry::answer)
        .get("/api/v1/diff", diff::between)
        .get("/api/v1/rollup", rollup::get)
}

async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

async fn openapi() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

async fn no_route(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !uri.path().starts_with("/api/") {
        return (
            StatusCode::NOT_FOUND,
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            NOT_A_PAGE,
        )
            .into_response();
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        "no such route: GET /api/v1/openapi.json lists them",
    )
    .into_response()
}

/// What a browser sees at a path that is neither a page nor an API route.
const NOT_A_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Not found</title></head><body><h1>Not found</h1><p>There is no page here. <a href=\"/\">Go to the overview</a>.</p></body></html>";

async fn no_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method: GET /api/v1/openapi.json lists them",
    )
}
