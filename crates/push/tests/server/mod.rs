//! A small estate server for the push tests, on 127.0.0.1: it answers
//! `POST /api/v1/batches` as contract 2 says (201 stored, 200 duplicate,
//! 400 for a body it cannot read, 401 for a wrong token, 413 over its body
//! limit) and keeps every batch by id. It can be told to fail requests
//! first: 503, 429 with `Retry-After`, or a connection reset before any
//! answer; to refuse chosen batch ids with 400; or to store a batch and
//! then never answer (a sensor killed while waiting).

#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use camaudit_push::wire::WireBatch;
use tokio::net::{TcpListener, TcpStream};

pub const TOKEN: &str = "cam_test-sensor-token";

/// What the server does to one request before (instead of) answering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Unavailable,
    /// 429 with `Retry-After: N` seconds.
    TooMany(u64),
    /// The connection is reset as soon as it is accepted.
    Reset,
}

#[derive(Default)]
struct Inner {
    /// Stored batches by id.
    stored: BTreeMap<String, WireBatch>,
    /// How often each id was stored (must end at 1).
    stores: BTreeMap<String, usize>,
    /// Every request that reached the handler, by batch id ("?" if none).
    posts: Vec<String>,
    duplicates: usize,
    resets: usize,
    faults: VecDeque<Fault>,
    refuse: HashSet<String>,
    /// After this many batches stored, store the next ones but never answer.
    hold_after: Option<usize>,
    held: usize,
    /// The largest body received.
    largest: usize,
}

struct Shared {
    inner: Mutex<Inner>,
    changed: Condvar,
    body_limit: usize,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub struct Options {
    pub body_limit: usize,
    /// Bind this port (a server that comes up where one was down).
    pub port: u16,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            body_limit: 32 << 20,
            port: 0,
        }
    }
}

/// Drops the first connections while the next fault is a reset.
pub struct ResettingListener {
    inner: TcpListener,
    shared: Arc<Shared>,
}

impl axum::serve::Listener for ResettingListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            let Ok((stream, addr)) = self.inner.accept().await else {
                continue;
            };
            let reset = {
                let mut inner = self.shared.lock();
                if inner.faults.front() == Some(&Fault::Reset) {
                    inner.faults.pop_front();
                    inner.resets += 1;
                    true
                } else {
                    false
                }
            };
            if reset {
                // Linger 0: close() sends a RST, not a FIN.
                let _ = stream.set_zero_linger();
                drop(stream);
                self.shared.changed.notify_all();
                continue;
            }
            return (stream, addr);
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

impl TestServer {
    pub fn start(options: Options) -> TestServer {
        TestServer::start_with(options, |listener| listener)
    }

    /// The server behind another listener made from the plain one (TLS).
    pub fn start_with<L, F>(options: Options, wrap: F) -> TestServer
    where
        L: axum::serve::Listener<Addr = SocketAddr>,
        F: FnOnce(ResettingListener) -> L + Send + 'static,
    {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner::default()),
            changed: Condvar::new(),
            body_limit: options.body_limit,
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let for_thread = shared.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let listener = TcpListener::bind(("127.0.0.1", options.port))
                    .await
                    .expect("binding 127.0.0.1");
                addr_tx
                    .send(listener.local_addr().expect("bound"))
                    .expect("the test waits");
                let app = Router::new()
                    .route("/api/v1/batches", post(batch))
                    .layer(DefaultBodyLimit::max(for_thread.body_limit))
                    .with_state(for_thread.clone());
                let listener = wrap(ResettingListener {
                    inner: listener,
                    shared: for_thread,
                });
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await
                    .expect("serving");
            });
        });
        let addr = addr_rx.recv().expect("the server's address");
        TestServer {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn fail_next(&self, faults: &[Fault]) {
        self.shared.lock().faults.extend(faults.iter().copied());
    }

    pub fn refuse(&self, id: &str) {
        self.shared.lock().refuse.insert(id.to_owned());
    }

    pub fn hold_after(&self, stored: Option<usize>) {
        self.shared.lock().hold_after = stored;
    }

    /// Waits (at most a minute, then fails the test) until `done` holds.
    pub fn wait_until(&self, what: &str, done: impl Fn(&Snapshot) -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let mut inner = self.shared.lock();
        loop {
            if done(&snapshot(&inner)) {
                return;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(!left.is_zero(), "gave up waiting for {what}");
            inner = self
                .shared
                .changed
                .wait_timeout(inner, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        snapshot(&self.shared.lock())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // A held request never finishes; graceful shutdown would wait for
        // it, so the thread is left to end with the process.
        if self.shared.lock().held == 0
            && let Some(t) = self.thread.take()
        {
            let _ = t.join();
        }
    }
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub stored: BTreeMap<String, WireBatch>,
    pub stores: BTreeMap<String, usize>,
    pub posts: Vec<String>,
    pub duplicates: usize,
    pub resets: usize,
    pub faults_left: usize,
    pub held: usize,
    pub largest: usize,
}

fn snapshot(inner: &Inner) -> Snapshot {
    Snapshot {
        stored: inner.stored.clone(),
        stores: inner.stores.clone(),
        posts: inner.posts.clone(),
        duplicates: inner.duplicates,
        resets: inner.resets,
        faults_left: inner.faults.len(),
        held: inner.held,
        largest: inner.largest,
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

fn close(mut response: Response) -> Response {
    // One request a connection, so that a reset fault meets the next
    // request whatever the client's connection pool does.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

async fn batch(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = answer(&shared, &headers, &body);
    shared.changed.notify_all();
    match answer {
        Some(response) => close(response),
        None => std::future::pending().await,
    }
}

/// The answer, or `None` to hold the request open for ever.
fn answer(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Option<Response> {
    let mut inner = shared.lock();
    inner.largest = inner.largest.max(body.len());
    let parsed: Result<WireBatch, _> = serde_json::from_slice(body);
    inner.posts.push(
        parsed
            .as_ref()
            .map_or("?".to_owned(), |b| b.id.as_str().to_owned()),
    );
    match inner.faults.front().copied() {
        Some(Fault::Unavailable) => {
            inner.faults.pop_front();
            return Some(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the store is busy: retry later",
            ));
        }
        Some(Fault::TooMany(seconds)) => {
            inner.faults.pop_front();
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests: retry later",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            return Some(r);
        }
        Some(Fault::Reset) | None => {}
    }
    let authorised = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"));
    if !authorised {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "no valid token",
        ));
    }
    let batch = match parsed {
        Ok(b) => b,
        Err(e) => {
            return Some(error(StatusCode::BAD_REQUEST, "bad_batch", &e.to_string()));
        }
    };
    let id = batch.id.as_str().to_owned();
    if inner.refuse.contains(&id) {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "bad_value",
            "observation 3: the field is not known",
        ));
    }
    let duplicate = inner.stored.contains_key(&id);
    if duplicate {
        inner.duplicates += 1;
    } else {
        let hold = inner
            .hold_after
            .is_some_and(|after| inner.stored.len() >= after);
        inner.stored.insert(id.clone(), batch);
        *inner.stores.entry(id.clone()).or_default() += 1;
        if hold {
            inner.held += 1;
            return None;
        }
    }
    let (status, outcome) = if duplicate {
        (StatusCode::OK, "duplicate")
    } else {
        (StatusCode::CREATED, "stored")
    };
    let body = serde_json::json!({"batch": id, "outcome": outcome, "scan": 1});
    Some((status, axum::Json(body)).into_response())
}
