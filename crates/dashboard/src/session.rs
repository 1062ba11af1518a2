//! Log-in sessions for people in a browser.
//!
//! A person logs in once with their viewer or admin token; the server keeps
//! a session for them and gives the browser only a random session id in a
//! cookie (`HttpOnly`, `SameSite=Strict`, `Secure` when served over TLS), so
//! the token never sits in a URL, a page or a script's reach.
//!
//! - Sessions live in this process's memory, keyed by the SHA-256 of their
//!   id: a restart logs everyone out, which is the safe failure.
//! - A session ends after [`SessionRules::idle`] without a request, after
//!   [`SessionRules::lifetime`] in any case, at log-out, and as soon as its
//!   token is revoked or expires (each request looks the token up again).
//! - Each session has its own CSRF secret, which every form that changes
//!   state carries in a hidden field ([`Person::csrf`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use camaudit_server::AppState;
use camaudit_server::access::Reader;
use camaudit_store::{Token, TokenScope};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::layout::PageError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "camaudit_session";

/// How long sessions last and how many the server holds.
#[derive(Debug, Clone)]
pub struct SessionRules {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after log-in, used or not.
    pub lifetime: Duration,
    /// At most this many sessions at once; a log-in beyond it is refused
    /// until some expire (memory stays bounded whatever clients do).
    pub max_sessions: usize,
    /// Mark cookies `Secure` even when a request did not come through a
    /// TLS proxy that says so (`X-Forwarded-Proto: https`).
    pub always_secure: bool,
}

impl Default for SessionRules {
    fn default() -> SessionRules {
        SessionRules {
            idle: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(8 * 60 * 60),
            max_sessions: 10_000,
            always_secure: false,
        }
    }
}

/// One logged-in person.
#[derive(Debug, Clone)]
struct Session {
    /// The SHA-256 of the token they logged in with: looked up again on
    /// each request, so revoking the token ends the session.
    token_hash: [u8; 32],
    csrf: String,
    started: Instant,
    last_seen: Instant,
}

/// Every session of this server process.
#[derive(Debug)]
pub struct Sessions {
    rules: SessionRules,
    by_id_hash: Mutex<HashMap<[u8; 32], Session>>,
}

/// Why a log-in could not make a session.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the server holds as many sessions as it may; try again in a few minutes")]
    Full,
    #[error("the operating system gave no random bytes: {0}")]
    NoRandomness(getrandom::Error),
}

impl Sessions {
    pub fn new(rules: SessionRules) -> Sessions {
        Sessions {
            rules,
            by_id_hash: Mutex::new(HashMap::new()),
        }
    }

    pub fn rules(&self) -> &SessionRules {
        &self.rules
    }

    /// Starts a session for the token whose secret hashes to `token_hash`;
    /// returns the session id for the cookie.
    pub fn start(&self, token_hash: [u8; 32], now: Instant) -> Result<String, SessionError> {
        let id = random_text()?;
        let csrf = random_text()?;
        let mut map = self.lock();
        if map.len() >= self.rules.max_sessions {
            map.retain(|_, s| self.is_live(s, now));
            if map.len() >= self.rules.max_sessions {
                return Err(SessionError::Full);
            }
        }
        map.insert(
            id_hash(&id),
            Session {
                token_hash,
                csrf,
                started: now,
                last_seen: now,
            },
        );
        Ok(id)
    }

    /// The live session of this id, touched (its idle time starts again).
    fn touch(&self, id: &str, now: Instant) -> Option<Session> {
        let key = id_hash(id);
        let mut map = self.lock();
        let live = map.get(&key).is_some_and(|s| self.is_live(s, now));
        if !live {
            map.remove(&key);
            return None;
        }
        let session = map.get_mut(&key)?;
        session.last_seen = now;
        Some(session.clone())
    }

    /// Ends the session of this id, if there is one.
    pub fn end(&self, id: &str) {
        self.lock().remove(&id_hash(id));
    }

    /// How many sessions are held (live or not yet swept).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn is_live(&self, s: &Session, now: Instant) -> bool {
        now.saturating_duration_since(s.last_seen) < self.rules.idle
            && now.saturating_duration_since(s.started) < self.rules.lifetime
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.by_id_hash
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// 32 random bytes as 43 characters of base64url.
pub fn random_text() -> Result<String, SessionError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(SessionError::NoRandomness)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn id_hash(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

/// Whether two secrets are equal, in time that depends only on their
/// lengths (a CSRF secret compared byte by byte could leak its prefix).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the browser reached us over TLS (directly or through a proxy
/// that says so), so that cookies are marked `Secure`.
pub fn over_tls(headers: &HeaderMap, rules: &SessionRules) -> bool {
    rules.always_secure
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Strict always, Secure over
/// TLS; `max_age` 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    );
    // Names, ids and paths are ours (base64url and fixed ASCII): always valid.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A response that deletes the session cookie and sends the browser to the
/// log-in page.
pub fn to_login(next: &str, headers: &HeaderMap, rules: &SessionRules) -> Response {
    let target = format!("/login?next={}", encode_next(next));
    let mut response = Redirect::to(&target).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", "/", 0, over_tls(headers, rules)),
    );
    response
}

/// A local path to return to after log-in, percent-encoded for a query.
fn encode_next(next: &str) -> String {
    let mut out = String::with_capacity(next.len());
    for b in next.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after log-in: only a path of this server (`/…`, never
/// `//host` or a URL), so the log-in page cannot send anyone elsewhere.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

/// A person with a live session, and what they may read. Every page takes
/// one, so a page cannot forget the log-in; a request without a session is
/// sent to the log-in page.
#[derive(Debug, Clone)]
pub struct Person {
    pub token: Token,
    pub reader: Reader,
    csrf: String,
}

impl Person {
    /// The session's CSRF secret, for a form's hidden `csrf` field.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether a form's `csrf` field is this session's.
    pub fn csrf_matches(&self, sent: &str) -> bool {
        same_secret(&self.csrf, sent)
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.token.scope, TokenScope::Admin)
    }
}

/// The sessions, as the pages' router carries them.
pub type SharedSessions = Arc<Sessions>;

impl FromRequestParts<AppState> for Person {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Person, Response> {
        let sessions = parts
            .extensions
            .get::<SharedSessions>()
            .cloned()
            .ok_or_else(|| PageError::internal("the dashboard has no sessions").into_response())?;
        let next = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let leave = || to_login(&next, &parts.headers, sessions.rules());
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(leave());
        };
        let Some(session) = sessions.touch(id, Instant::now()) else {
            return Err(leave());
        };
        let token_hash = session.token_hash;
        let token = app
            .pool
            .run(move |store| store.token_by_hash(&token_hash))
            .await
            .map_err(|e| PageError::from(e).into_response())?;
        let now = OffsetDateTime::now_utc();
        let Some(token) = token.filter(|t| t.is_valid_at(now)) else {
            sessions.end(id);
            return Err(leave());
        };
        let Some(reader) = Reader::of(&token.scope) else {
            sessions.end(id);
            return Err(leave());
        };
        Ok(Person {
            token,
            reader,
            csrf: session.csrf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> SessionRules {
        SessionRules {
            idle: Duration::from_secs(60),
            lifetime: Duration::from_secs(600),
            max_sessions: 2,
            always_secure: false,
        }
    }

    #[test]
    fn a_session_ends_when_idle_and_at_its_lifetime() {
        let sessions = Sessions::new(rules());
        let t0 = Instant::now();
        let id = sessions.start([1; 32], t0).unwrap();
        assert!(sessions.touch(&id, t0 + Duration::from_secs(59)).is_some());
        // Touched at 59 s, so idle time counts from there.
        assert!(sessions.touch(&id, t0 + Duration::from_secs(110)).is_some());
        assert!(sessions.touch(&id, t0 + Duration::from_secs(171)).is_none());
        let id = sessions.start([1; 32], t0).unwrap();
        for s in (50..600).step_by(50) {
            assert!(sessions.touch(&id, t0 + Duration::from_secs(s)).is_some());
        }
        assert!(sessions.touch(&id, t0 + Duration::from_secs(600)).is_none());
    }

    #[test]
    fn log_out_ends_the_session_and_unknown_ids_find_nothing() {
        let sessions = Sessions::new(rules());
        let now = Instant::now();
        let id = sessions.start([2; 32], now).unwrap();
        assert!(sessions.touch("not-an-id", now).is_none());
        sessions.end(&id);
        assert!(sessions.touch(&id, now).is_none());
    }

    #[test]
    fn a_full_server_refuses_until_sessions_expire() {
        let sessions = Sessions::new(rules());
        let t0 = Instant::now();
        sessions.start([1; 32], t0).unwrap();
        sessions.start([1; 32], t0).unwrap();
        assert!(matches!(
            sessions.start([1; 32], t0),
            Err(SessionError::Full)
        ));
        assert!(
            sessions
                .start([1; 32], t0 + Duration::from_secs(61))
                .is_ok()
        );
        assert_eq!(sessions.len(), 1);
    }

    #[test]
    fn session_ids_and_csrf_secrets_differ_every_time() {
        let a = random_text().unwrap();
        let b = random_text().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next(Some("/devices?site=3")), "/devices?site=3");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "\\\\evil",
            "/\\evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("a=1; camaudit_session_x=2"),
        );
        h.append(COOKIE, HeaderValue::from_static("camaudit_session=xyz"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "a"), Some("1"));
        assert_eq!(cookie(&h, "b"), None);
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_over_tls() {
        let c = set_cookie(SESSION_COOKIE, "v", "/", 60, true);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        let c = set_cookie(SESSION_COOKIE, "v", "/", 60, false);
        assert!(!c.to_str().unwrap().contains("Secure"));
        let mut h = HeaderMap::new();
        assert!(!over_tls(&h, &rules()));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(over_tls(&h, &rules()));
    }
}
