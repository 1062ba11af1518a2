//! The connection to the estate server: its address, the sensor's token,
//! TLS, timeouts, and what one POST of a batch came to.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use camaudit_store::BatchId;
use ureq::http::StatusCode;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use crate::PushError;
use crate::retry::parse_retry_after;
use crate::wire::{Ack, AckOutcome, BATCHES_PATH, ErrorBody};

/// The most of an answer's body that is read.
const ANSWER_LIMIT: u64 = 64 << 10;

/// An estate server's address: `http://` or `https://`, host, optional
/// port and path prefix, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl(String);

/// An address that is not a server's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a server address: give http:// or https://, the host and port, e.g. https://camaudit.estate.internal:8443"
)]
pub struct BadServerUrl(pub String);

impl FromStr for ServerUrl {
    type Err = BadServerUrl;
    fn from_str(s: &str) -> Result<ServerUrl, BadServerUrl> {
        let bad = || BadServerUrl(s.to_owned());
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or_else(bad)?;
        let host = rest.split('/').next().unwrap_or_default();
        let printable = s.bytes().all(|b| b.is_ascii_graphic());
        if host.is_empty() || host.contains('@') || !printable || s.contains(['?', '#']) {
            return Err(bad());
        }
        Ok(ServerUrl(s.trim_end_matches('/').to_owned()))
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ServerUrl {
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// Whether the host is this machine (127.0.0.0/8, ::1, localhost),
    /// where plain http gives nothing away.
    pub fn is_loopback(&self) -> bool {
        let rest = self.0.split_once("://").map_or("", |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or_default();
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        };
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|a| a.is_loopback())
    }

    fn batches(&self) -> String {
        format!("{}{BATCHES_PATH}", self.0)
    }
}

/// A sensor token's secret. Never printed: its Debug and Display hide it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

/// A token that cannot be one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadToken {
    #[error("the token is empty")]
    Empty,
    #[error(
        "the token has a space, a control character or a non-ASCII character in it (a token is one line of printable ASCII, as `camaudit token create` printed it)"
    )]
    Unprintable,
}

impl Token {
    /// Takes a token as read from a file or the environment; the line end
    /// and surrounding blanks are dropped.
    pub fn new(text: &str) -> Result<Token, BadToken> {
        let token = text.trim();
        if token.is_empty() {
            return Err(BadToken::Empty);
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(BadToken::Unprintable);
        }
        Ok(Token(token.to_owned()))
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

/// Time limits of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// The whole of one request: sending the batch and reading the answer.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
        }
    }
}

/// What a server said to one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Stored now (201) or before (200): the batch can leave the spool.
    Taken(Ack),
    /// Try again later (connection failure, timeout, 408, 429, 5xx), after
    /// at least `after` if the server said so.
    Later {
        why: String,
        after: Option<Duration>,
    },
    /// The server refuses this batch for good (400, 413, other 4xx).
    Refused { status: u16, answer: String },
    /// The server refuses the token (401) or its scope (403): no batch will
    /// get through until the sensor's configuration is fixed.
    Forbidden { status: u16, answer: String },
    /// Nothing will get through this run: the address or TLS is wrong, or
    /// what answers is not a camaudit server.
    Broken(String),
}

/// A configured connection to one server.
pub struct Link {
    url: ServerUrl,
    token: Token,
    agent: ureq::Agent,
    timeouts: Timeouts,
}

impl Link {
    /// `ca`: PEM certificates to trust instead of the public web roots
    /// (a private CA).
    pub fn new(
        url: ServerUrl,
        token: Token,
        ca: Option<&Path>,
        timeouts: Timeouts,
    ) -> Result<Link, PushError> {
        let roots = match ca {
            Some(path) => read_ca(path)?,
            None => RootCerts::WebPki,
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .https_only(url.is_https())
            .max_redirects(0)
            .timeout_connect(Some(timeouts.connect))
            .timeout_global(Some(timeouts.request))
            .user_agent(concat!("camaudit/", env!("CARGO_PKG_VERSION")))
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build()
            .new_agent();
        Ok(Link {
            url,
            token,
            agent,
            timeouts,
        })
    }

    pub fn url(&self) -> &ServerUrl {
        &self.url
    }

    /// POSTs one batch and classifies the answer.
    pub fn post(&self, id: &BatchId, body: &[u8]) -> Answer {
        self.post_within(id, body, self.timeouts.request)
    }

    /// POSTs one batch, giving up after `within` at most (the run's time
    /// left, when that is shorter than the request timeout).
    pub fn post_within(&self, id: &BatchId, body: &[u8], within: Duration) -> Answer {
        let sent = self
            .agent
            .post(self.url.batches())
            .config()
            .timeout_global(Some(within.min(self.timeouts.request)))
            .build()
            .header("Authorization", format!("Bearer {}", self.token.0))
            .content_type("application/json")
            .send(body);
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => return classify_failure(&self.url, e),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, time::OffsetDateTime::now_utc()));
        let text = response
            .body_mut()
            .with_config()
            .limit(ANSWER_LIMIT)
            .read_to_string();
        let text = match text {
            Ok(t) => t,
            Err(e) if status.is_success() => {
                return Answer::Later {
                    why: format!("reading the answer to batch {id}: {e}"),
                    after: retry_after,
                };
            }
            Err(_) => String::new(),
        };
        classify(&self.url, id, status, retry_after, &text)
    }
}

fn classify(
    url: &ServerUrl,
    id: &BatchId,
    status: StatusCode,
    retry_after: Option<Duration>,
    text: &str,
) -> Answer {
    let code = status.as_u16();
    let said = || describe_error(code, text);
    match code {
        200 | 201 => match serde_json::from_str::<Ack>(text) {
            Ok(ack) if ack.batch == *id && outcome_matches(code, ack.outcome) => Answer::Taken(ack),
            _ => Answer::Broken(format!(
                "{url} answered {code} to batch {id} but not as a camaudit server does (no acknowledgement of the batch): check the address"
            )),
        },
        408 | 429 | 500..=599 => Answer::Later {
            why: said(),
            after: retry_after,
        },
        401 | 403 => Answer::Forbidden {
            status: code,
            answer: said(),
        },
        400..=499 => Answer::Refused {
            status: code,
            answer: said(),
        },
        _ => Answer::Broken(format!(
            "{url} answered {code} to batch {id}, which a camaudit server does not: check the address"
        )),
    }
}

/// A server that says "stored" to a retry, or "duplicate" to a 201, is
/// still acknowledging; only the words and codes camaudit uses count.
fn outcome_matches(code: u16, outcome: AckOutcome) -> bool {
    matches!(
        (code, outcome),
        (201, AckOutcome::Stored) | (200, AckOutcome::Duplicate) | (200, AckOutcome::Stored)
    )
}

/// `HTTP 400 bad_request: unknown field "x"`, or the status and the first
/// line of a body that is not camaudit's error.
fn describe_error(code: u16, text: &str) -> String {
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(e) => format!("HTTP {code} {}: {}", e.error.code, e.error.message),
        Err(_) => {
            let first: String = text
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            if first.is_empty() {
                format!("HTTP {code}")
            } else {
                format!("HTTP {code}: {first}")
            }
        }
    }
}

fn classify_failure(url: &ServerUrl, e: ureq::Error) -> Answer {
    use ureq::Error as E;
    match e {
        E::BadUri(_) | E::Http(_) | E::RequireHttpsOnly(_) => {
            Answer::Broken(format!("{url} cannot be used as a server address: {e}"))
        }
        E::Tls(_) | E::Rustls(_) => tls_failed(url, &e),
        // rustls reports a refused certificate through the stream, as I/O.
        E::Io(ref io)
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>()) =>
        {
            tls_failed(url, &e)
        }
        other => Answer::Later {
            why: format!("cannot reach {url}: {other}"),
            after: None,
        },
    }
}

fn tls_failed(url: &ServerUrl, e: &ureq::Error) -> Answer {
    Answer::Broken(format!(
        "TLS with {url} failed: {e} (a private CA? give its certificate with --push-ca FILE)"
    ))
}

fn read_ca(path: &Path) -> Result<RootCerts, PushError> {
    let bad = |reason: String| PushError::Ca {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(bad(format!("not PEM: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(bad("no CERTIFICATE block in it".to_owned()));
    }
    Ok(RootCerts::Specific(Arc::new(certs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> ServerUrl {
        "https://estate.example:8443".parse().unwrap()
    }

    fn answer(code: u16, text: &str) -> Answer {
        let id: BatchId = "b-1".parse().unwrap();
        let status = StatusCode::from_u16(code).unwrap();
        classify(&url(), &id, status, Some(Duration::from_secs(2)), text)
    }

    #[test]
    fn server_addresses() {
        let u: ServerUrl = "https://estate.example:8443/".parse().unwrap();
        assert_eq!(u.to_string(), "https://estate.example:8443");
        assert_eq!(u.batches(), "https://estate.example:8443/api/v1/batches");
        for bad in [
            "estate.example",
            "ftp://estate.example",
            "https://",
            "https://user:pw@estate.example",
            "https://estate.example/?x=1",
            "https://estate example",
        ] {
            assert!(bad.parse::<ServerUrl>().is_err(), "{bad}");
        }
        for (u, loopback) in [
            ("http://127.0.0.1:8080", true),
            ("http://127.9.9.9", true),
            ("http://[::1]:8080", true),
            ("http://localhost:8080", true),
            ("http://10.0.0.1:8080", false),
            ("https://estate.example", false),
        ] {
            assert_eq!(
                u.parse::<ServerUrl>().unwrap().is_loopback(),
                loopback,
                "{u}"
            );
        }
    }

    #[test]
    fn tokens_are_one_printable_word_and_never_shown() {
        let t = Token::new("  cam_abc\n").unwrap();
        assert_eq!(t.0, "cam_abc");
        assert_eq!(format!("{t:?}"), "Token(…)");
        assert_eq!(Token::new(" \n"), Err(BadToken::Empty));
        assert_eq!(Token::new("cam_a b"), Err(BadToken::Unprintable));
        assert_eq!(Token::new("cam_a\r\nX-Evil: 1"), Err(BadToken::Unprintable));
    }

    #[test]
    fn answers_are_classified_as_the_contract_says() {
        let ack = r#"{"batch": "b-1", "outcome": "stored", "scan": 4}"#;
        assert!(matches!(answer(201, ack), Answer::Taken(_)));
        let dup = r#"{"batch": "b-1", "outcome": "duplicate", "scan": 4}"#;
        assert!(matches!(answer(200, dup), Answer::Taken(_)));
        // Not an acknowledgement of this batch: never taken as one.
        for (code, text) in [
            (200, "<html>Welcome to the guest Wi-Fi</html>"),
            (201, r#"{"batch": "b-2", "outcome": "stored", "scan": 4}"#),
            (201, dup),
            (204, ""),
            (302, ""),
        ] {
            assert!(
                matches!(answer(code, text), Answer::Broken(_)),
                "{code} {text}"
            );
        }
        for code in [408, 429, 500, 502, 503, 504] {
            match answer(code, "") {
                Answer::Later { after, .. } => assert_eq!(after, Some(Duration::from_secs(2))),
                other => panic!("{code}: {other:?}"),
            }
        }
        let error = r#"{"error": {"code": "unknown_field", "message": "unknown field `zone`"}}"#;
        assert_eq!(
            answer(400, error),
            Answer::Refused {
                status: 400,
                answer: "HTTP 400 unknown_field: unknown field `zone`".into()
            }
        );
        assert!(matches!(
            answer(413, "too big"),
            Answer::Refused { status: 413, .. }
        ));
        assert!(matches!(
            answer(401, ""),
            Answer::Forbidden { status: 401, .. }
        ));
        assert!(matches!(
            answer(403, error),
            Answer::Forbidden { status: 403, .. }
        ));
    }
}
