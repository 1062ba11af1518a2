//! The estate server's web dashboard: what an estates manager, a security
//! officer or an admin sees in a browser, served by `camaudit serve` beside
//! the REST API (crates/server).
//!
//! - Pages are rendered on the server (askama templates in `templates/`)
//!   with no script at all, charts as inline SVG, and one style sheet
//!   served from the binary: nothing is fetched from outside, and the
//!   Content-Security-Policy ([`layout::CSP`]) says so to the browser.
//! - A person logs in with their viewer or admin token ([`login`]); the
//!   browser then holds only a session cookie ([`session`]). Every page
//!   takes a [`session::Person`] and reads through its
//!   [`Reader`](camaudit_server::access::Reader), so a viewer of one
//!   organisation sees only its sites, and another organisation's object
//!   answers 404 like one that does not exist.
//! - The figures come from the same view models as the board report
//!   (crates/report) and from the same store reads as the API, so the
//!   page, the report and `GET /api/v1/…` agree.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use camaudit_server::{AppState, Limits, serve_router};
//! let engine = camaudit_identify::Engine::builtin().unwrap();
//! let limits = Limits::default();
//! let app = AppState::open("estate.db".parse().unwrap(), engine, &limits).unwrap();
//! let router = camaudit_dashboard::router(app, &limits, Default::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve_router(listener, router, &limits, std::future::pending()).await
//! # }
//! ```

pub mod layout;
pub mod login;
pub mod pages;
pub mod session;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use camaudit_server::{AppState, Limits};

use crate::session::{SessionRules, Sessions};

/// The dashboard's style sheet, served at `/assets/dashboard.css`.
pub const STYLE: &str = include_str!("../assets/dashboard.css");

/// The whole server: the API and the dashboard's pages, under the API's
/// limits.
pub fn router(app: AppState, limits: &Limits, rules: SessionRules) -> axum::Router {
    camaudit_server::router_with(app, limits, pages(rules))
}

/// The dashboard's routes alone.
pub fn pages(rules: SessionRules) -> Router<AppState> {
    let sessions = Arc::new(Sessions::new(rules));
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/assets/dashboard.css", get(style))
        .merge(pages::routes())
        .layer(axum::Extension(sessions))
}

async fn style() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=3600"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        STYLE,
    )
}
