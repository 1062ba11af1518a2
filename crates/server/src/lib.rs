//! The estate server behind `camaudit serve`: a REST API under `/api/v1/`
//! that site sensors push batches to and people read the estate from.
//!
//! - Every route is in the OpenAPI document ([`routes::OPENAPI`],
//!   `crates/server/openapi.json`), and the tests hold the server to it.
//! - Every `/api/` route but the document needs a bearer token
//!   (`camaudit-auth`): a sensor token only sends batches for its sites, a
//!   viewer reads its own organisation, an admin reads everything. What a
//!   caller may not see answers 404, like what does not exist.
//! - The store is synchronous: a small [`pool::StorePool`] of opened stores
//!   is used on blocking threads, and a request that waits too long for one
//!   is told to retry (503 with `Retry-After`).
//! - Each token may send [`rate::RateLimit`] requests a second (and a
//!   burst); beyond that it is answered 429 with `Retry-After` before any
//!   store work.
//! - Bad input is a 4xx with `{"error": {"code", "message"}}`
//!   ([`error::ApiError`]), bodies are bounded, slow clients are cut off
//!   (header read timeout, request timeout, a cap on connections).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use camaudit_server::{AppState, Limits, serve};
//! let engine = camaudit_identify::Engine::builtin().unwrap();
//! let limits = Limits::default();
//! let app = AppState::open("estate.db".parse().unwrap(), engine, &limits).unwrap();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, app, &limits, std::future::pending()).await
//! # }
//! ```

pub mod access;
pub mod boards;
pub mod cursor;
pub mod error;
pub mod extract;
pub mod pool;
pub mod rate;
pub mod rollup;
pub mod routes;
#[cfg(feature = "testing")]
pub mod testing;
pub mod views;
pub mod wire;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use camaudit_identify::Engine;
use camaudit_store::{Location, StoreError};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::ApiError;
use crate::pool::StorePool;
use crate::rate::{RateLimit, RateLimiter};

/// What every handler shares: the stores and the identify engine (whose
/// registry answers `/api/v1/registry`).
#[derive(Clone)]
pub struct AppState {
    pub pool: Arc<StorePool>,
    pub engine: Arc<Engine>,
}

impl AppState {
    /// Opens the store at `location` (creating or migrating it) for the
    /// server's pool.
    pub fn open(
        location: Location,
        engine: Engine,
        limits: &Limits,
    ) -> Result<AppState, StoreError> {
        let pool = StorePool::open(location, limits.stores, limits.store_wait)?;
        Ok(AppState {
            pool: Arc::new(pool),
            engine: Arc::new(engine),
        })
    }
}

/// The bounds on what a client can make the server hold or wait for.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body (`--max-body`).
    pub max_body: usize,
    /// A whole request, body included, must be answered within this.
    pub request_timeout: Duration,
    /// A client must send its request headers within this (slow-loris).
    pub header_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Stores open at once (each a database connection).
    pub stores: usize,
    /// How long a request waits for a store before it is told to retry.
    pub store_wait: Duration,
    /// Requests a second (and burst) each token may send (`--rate-limit`).
    pub rate: RateLimit,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            header_timeout: Duration::from_secs(10),
            max_connections: 512,
            stores: 4,
            store_wait: Duration::from_secs(5),
            rate: RateLimit::default(),
        }
    }
}

/// The server's router with its limits, ready to serve or to test with
/// `tower::ServiceExt::oneshot`.
pub fn router(app: AppState, limits: &Limits) -> Router {
    router_with(app, limits, Router::new())
}

/// [`router`] with other routes beside the API (the dashboard's pages,
/// crates/dashboard), under the same limits.
pub fn router_with(app: AppState, limits: &Limits, pages: Router<AppState>) -> Router {
    let timeout = limits.request_timeout;
    // One limiter per router: the API's extractor of the caller finds it
    // among the request's extensions.
    let limiter = Arc::new(RateLimiter::new(limits.rate));
    routes::api()
        .into_router_with(pages)
        .layer(Extension(limiter))
        .layer(DefaultBodyLimit::max(limits.max_body))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            answer_within(timeout, req, next)
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(app)
}

async fn answer_within(timeout: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::busy("the request took too long; retry later").into_response(),
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then waits a few
/// seconds for the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: AppState,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_router(listener, router(app, limits), limits, shutdown).await
}

/// [`serve`] for a router made by [`router_with`].
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let header_timeout = limits.header_timeout;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, _) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait, go on.
                Err(e) => {
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!("connection: {e}");
            }
        });
    }
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(5), connections.acquire_many(all)).await;
    Ok(())
}
