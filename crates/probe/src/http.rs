//! HTTP and HTTPS: read-only GETs of the pages and vendor endpoints that
//! answer without credentials, and one read-only VAPIX query.
//!
//! Never sent: any PUT (a PUT to Hikvision's `/SDK/webLanguage` is the
//! CVE-2021-36260 injection), login attempts, or anything that changes state.

use std::net::SocketAddr;

use camaudit_model::Source;
use tokio::io::AsyncWriteExt;

use crate::ProbeError;
use crate::conn::Ctx;
use crate::hash;
use crate::obs::HostObs;
use crate::wire::{BodyMode, Reply, read_reply};

/// The endpoints requested after `/`, each a GET that needs no credentials
/// on at least some firmware, or that answers 401 with a telling realm.
pub const PATHS: &[&str] = &[
    "/favicon.ico",
    // Hikvision web UI login page (nuclei hikvision-detect, Ingram)
    "/doc/page/login.asp",
    // Hikvision ISAPI device information (401 with a realm on most firmware)
    "/ISAPI/System/deviceInfo",
    // Dahua CGI system information (Lorex and other OEMs: updateSerial=DHI-…)
    "/cgi-bin/magicBox.cgi?action=getSystemInfo",
    // Uniview LAPI basic device information
    "/LAPI/V1.0/System/DeviceBasicInfo",
    // Hanwha SUNAPI device information
    "/stw-cgi/system.cgi?msubmenu=deviceinfo&action=view",
];

/// The field recording a vendor endpoint that answered 404 Not Found.
pub const NOT_FOUND_FIELD: &str = "http.not_found";

/// Axis VAPIX: a read-only JSON query that recent AXIS OS answers without
/// credentials (Basic Device Information API, `getAllUnrestrictedProperties`).
pub const VAPIX_PATH: &str = "/axis-cgi/basicdeviceinfo.cgi";
const VAPIX_BODY: &str = r#"{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}"#;

/// Headers that say nothing about the device and only add noise.
const SKIPPED_HEADERS: &[&str] = &[
    "date",
    "content-length",
    "last-modified",
    "expires",
    "etag",
    "age",
    "connection",
    "keep-alive",
    "transfer-encoding",
];

const USER_AGENT: &str = concat!(
    "camaudit/",
    env!("CARGO_PKG_VERSION"),
    " (read-only inventory)"
);

fn host_header(addr: SocketAddr, tls: bool) -> String {
    let default = if tls { 443 } else { 80 };
    let host = match addr.ip() {
        std::net::IpAddr::V4(a) => a.to_string(),
        std::net::IpAddr::V6(a) => format!("[{a}]"),
    };
    if addr.port() == default {
        host
    } else {
        format!("{host}:{}", addr.port())
    }
}

/// Builds a request. Only GET and POST are ever built, and POST only with
/// the fixed read-only bodies of this crate.
pub fn build_request(
    method: &str,
    path: &str,
    host: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Vec<u8> {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\nConnection: close\r\n"
    );
    if let Some(ct) = content_type {
        req.push_str(&format!(
            "Content-Type: {ct}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// One request as sent: method, path, body, and how the audit log names it.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    /// The audit log's protocol and request kind (`("onvif", "onvif
    /// GetDeviceInformation (authenticated)")`); by default `http` or
    /// `https` and `http GET /path`.
    pub audit_as: Option<(&'a str, &'a str)>,
}

/// One request on a fresh connection, bounded in time and size.
pub async fn exchange(
    ctx: &Ctx,
    addr: SocketAddr,
    tls: bool,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Reply, ProbeError> {
    let req = HttpRequest {
        method,
        path,
        content_type,
        body,
        audit_as: None,
    };
    send(ctx, addr, tls, &req).await
}

/// [`exchange`] for a request built by the caller, recorded in the audit
/// log under its own name.
pub async fn send(
    ctx: &Ctx,
    addr: SocketAddr,
    tls: bool,
    req: &HttpRequest<'_>,
) -> Result<Reply, ProbeError> {
    let HttpRequest {
        method,
        path,
        content_type,
        body,
        audit_as,
    } = *req;
    debug_assert!(method == "GET" || method == "POST");
    let bytes = build_request(method, path, &host_header(addr, tls), content_type, body);
    let result = tokio::time::timeout(ctx.io_timeout, async {
        let mut s = ctx.open(addr, tls).await?;
        s.write_all(&bytes).await?;
        s.flush().await?;
        let reply = read_reply(&mut s, &ctx.limits, BodyMode::Http).await;
        let _ = s.shutdown().await;
        reply
    })
    .await
    .map_err(|_| ProbeError::Timeout)
    .and_then(|r| r);
    let scheme = if tls { "https" } else { "http" };
    let (protocol, kind) = match audit_as {
        Some((p, k)) => (p, k.to_owned()),
        None => (scheme, String::new()),
    };
    ctx.audit.record(
        addr,
        protocol,
        || {
            if kind.is_empty() {
                format!("{scheme} {method} {path}")
            } else {
                kind
            }
        },
        bytes.len(),
        outcome(&result),
    );
    result
}

/// How a request ended, for the audit log: the status, or why there was none.
pub fn outcome(result: &Result<Reply, ProbeError>) -> String {
    match result {
        Ok(r) => r.status.to_string(),
        Err(e) => e.to_string(),
    }
}

/// The text of the first `<title>`, entities for the common characters
/// decoded, white space collapsed.
pub fn title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let raw = body.get(start..end)?;
    let text = raw
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then(|| text.chars().take(256).collect())
}

/// Records one reply as observations.
pub fn record(obs: &mut HostObs, port: u16, path: &str, reply: &Reply, favicon: bool) {
    let p = Some(port);
    obs.push(p, Source::Http, "http.status", &reply.status.to_string());
    obs.push(p, Source::Http, "http.path", path);
    for (name, value) in &reply.headers {
        let lname = name.to_ascii_lowercase();
        if SKIPPED_HEADERS.contains(&lname.as_str()) {
            continue;
        }
        obs.push_key(p, Source::Http, "http.header", &lname, value);
    }
    if favicon {
        if reply.status == 200 && !reply.body.is_empty() {
            obs.push(
                p,
                Source::Http,
                "http.favicon.md5",
                &hash::md5_hex(&reply.body),
            );
            obs.push(
                p,
                Source::Http,
                "http.favicon.mmh3",
                &hash::favicon_mmh3(&reply.body).to_string(),
            );
        }
        return;
    }
    let text = String::from_utf8_lossy(&reply.body);
    if let Some(t) = title(&text) {
        obs.push(p, Source::Http, "http.title", &t);
    }
    obs.push(p, Source::Http, "http.body", &text);
}

/// Whether a reply to a vendor endpoint is worth keeping: it exists, or it
/// asks for credentials (whose realm names the maker).
fn telling(status: u16) -> bool {
    (200..400).contains(&status) || status == 401 || status == 403
}

/// The same-host path a redirect points to, if it does.
fn redirect_path(reply: &Reply, addr: SocketAddr) -> Option<String> {
    if !(300..400).contains(&reply.status) {
        return None;
    }
    let loc = reply.header("location")?.trim();
    if loc.starts_with('/') && !loc.starts_with("//") {
        return Some(loc.to_owned());
    }
    let rest = loc
        .strip_prefix("http://")
        .or_else(|| loc.strip_prefix("https://"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (host == addr.ip().to_string()).then(|| path.to_owned())
}

/// Probes a port that may speak HTTP (or HTTPS when `tls`). Returns whether
/// it did.
pub async fn probe(ctx: &Ctx, addr: SocketAddr, tls: bool, obs: &mut HostObs) -> bool {
    let port = addr.port();
    // The root page, following up to two same-host redirects.
    let mut path = "/".to_owned();
    let mut spoke = false;
    for _ in 0..3 {
        let Ok(reply) = exchange(ctx, addr, tls, "GET", &path, None, &[]).await else {
            break;
        };
        spoke = true;
        record(obs, port, &path, &reply, false);
        match redirect_path(&reply, addr) {
            Some(next) if next != path => path = next,
            _ => break,
        }
    }
    if !spoke {
        return false;
    }
    for &p in PATHS {
        let favicon = p == "/favicon.ico";
        match exchange(ctx, addr, tls, "GET", p, None, &[]).await {
            Ok(reply) if telling(reply.status) => record(obs, port, p, &reply, favicon),
            // A vendor endpoint that was asked for and does not exist is
            // evidence against that vendor's platform (docs/attribution.md);
            // one never asked for is not.
            Ok(reply) if reply.status == 404 && !favicon => {
                obs.push(Some(port), Source::Http, NOT_FOUND_FIELD, p);
            }
            Ok(_) => {}
            // A device that stops answering is left alone.
            Err(ProbeError::Timeout) => return true,
            Err(_) => {}
        }
    }
    if let Ok(reply) = exchange(
        ctx,
        addr,
        tls,
        "POST",
        VAPIX_PATH,
        Some("application/json"),
        VAPIX_BODY.as_bytes(),
    )
    .await
        && reply.status == 200
    {
        record(obs, port, VAPIX_PATH, &reply, false);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(
            title("<html><head><TITLE>WEB SERVICE</TITLE>").as_deref(),
            Some("WEB SERVICE")
        );
        assert_eq!(
            title("<title id=x>\n  Tenda | login &amp; more </title>").as_deref(),
            Some("Tenda | login & more")
        );
        assert_eq!(title("<title></title>"), None);
        assert_eq!(title("<title>never closed"), None);
        assert_eq!(title("no title"), None);
        // multi-byte text next to the tags
        assert_eq!(title("<title>监控</title>").as_deref(), Some("监控"));
    }

    #[test]
    fn only_get_and_post_and_no_credentials() {
        let r = build_request("GET", "/", "10.0.0.1", None, &[]);
        let s = String::from_utf8(r).unwrap();
        assert!(s.starts_with("GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n"));
        assert!(!s.to_ascii_lowercase().contains("authorization"));
        for p in PATHS {
            assert!(!p.to_ascii_lowercase().contains("weblanguage"));
        }
    }

    #[test]
    fn redirects_stay_on_the_host() {
        let addr: SocketAddr = "10.0.0.1:80".parse().unwrap();
        let mk = |loc: &str| Reply {
            status: 302,
            headers: vec![("Location".into(), loc.into())],
            ..Reply::default()
        };
        assert_eq!(
            redirect_path(&mk("/doc/page/login.asp"), addr).as_deref(),
            Some("/doc/page/login.asp")
        );
        assert_eq!(
            redirect_path(&mk("http://10.0.0.1:80/x"), addr).as_deref(),
            Some("/x")
        );
        assert_eq!(
            redirect_path(&mk("http://10.0.0.1"), addr).as_deref(),
            Some("/")
        );
        assert_eq!(redirect_path(&mk("http://evil.example/x"), addr), None);
        assert_eq!(redirect_path(&mk("//evil.example/x"), addr), None);
    }
}
