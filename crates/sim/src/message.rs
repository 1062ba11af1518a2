//! HTTP/1.x and RTSP/1.0 share one message syntax (RFC 9112 §2, RFC 2326
//! §4): a start line, `Name: value` headers, a blank line and a body of
//! `Content-Length` bytes. This is the bounded request reader and the
//! response writer both the web servers and the RTSP servers use.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Longest request head a device reads before giving up.
pub const MAX_HEAD: usize = 16 * 1024;
/// Largest request body a device reads (SOAP envelopes, RPC2 JSON).
pub const MAX_BODY: usize = 64 * 1024;
/// How long a device waits for a request.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("")
    }

    pub fn is_http10(&self) -> bool {
        self.version == "HTTP/1.0"
    }
}

/// Parses a request head (everything before the blank line).
pub fn parse_head(head: &str) -> Option<Request> {
    let mut lines = head.split("\r\n").flat_map(|l| l.split('\n'));
    let first = lines.next()?;
    let mut parts = first.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let version = parts.next().unwrap_or("HTTP/1.0").to_owned();
    if parts.next().is_some() {
        return None;
    }
    let mut headers = Vec::new();
    for l in lines {
        if l.is_empty() {
            continue;
        }
        let (k, v) = l.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.clone(), String::new()),
    };
    // Absolute-form targets (rtsp://host/path, http://host/path).
    let path = match path.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map_or("/".to_owned(), |i| rest[i..].to_owned()),
        None => path,
    };
    Some(Request {
        method,
        path,
        query,
        version,
        headers,
        body: Vec::new(),
    })
}

/// What reading a request produced.
pub enum Read {
    Request(Request),
    /// The peer closed, or sent nothing in time.
    Closed,
    /// Not a request this server can parse (too long, not HTTP-shaped).
    Bad,
}

/// Reads one request head and body, with the size and time limits above.
pub async fn read_request<R: AsyncRead + Unpin>(r: &mut R, buf: &mut Vec<u8>) -> Read {
    let deadline = tokio::time::Instant::now() + READ_TIMEOUT;
    let head_end = loop {
        if let Some(i) = find_head_end(buf) {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Read::Bad;
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout_at(deadline, r.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => {
                return if buf.is_empty() {
                    Read::Closed
                } else {
                    Read::Bad
                };
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let (head_len, sep_len) = head_end;
    let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
    let Some(mut req) = parse_head(&head) else {
        return Read::Bad;
    };
    let body_start = head_len + sep_len;
    let want = req
        .header("Content-Length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if want > MAX_BODY {
        return Read::Bad;
    }
    while buf.len() < body_start + want {
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout_at(deadline, r.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return Read::Bad,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    req.body = buf[body_start..body_start + want].to_vec();
    buf.drain(..body_start + want);
    Read::Request(req)
}

fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
        return Some((i, 4));
    }
    buf.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2))
}

/// A response as bytes: status line, headers in the order given, body.
pub fn response(version: &str, status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{version} {status}\r\n");
    for (k, v) in headers {
        out.push_str(k);
        out.push_str(": ");
        out.push_str(v);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_heads() {
        let r = parse_head("GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-Y:  z ").unwrap();
        assert_eq!(r.path, "/a/b");
        assert_eq!(r.query, "x=1");
        assert_eq!(r.header("host"), Some("h"));
        assert_eq!(r.header("x-y"), Some("z"));
        let r = parse_head("OPTIONS rtsp://127.0.0.1:554/Streaming RTSP/1.0").unwrap();
        assert_eq!(r.path, "/Streaming");
        assert!(parse_head("garbage").is_none());
        assert!(parse_head("GET / HTTP/1.1\r\nno colon here").is_none());
    }

    #[test]
    fn writes_headers_in_the_order_given() {
        let r = response(
            "RTSP/1.0",
            "200 OK",
            &[("CSeq", "2".into()), ("Public", "OPTIONS".into())],
            b"x",
        );
        assert_eq!(r, b"RTSP/1.0 200 OK\r\nCSeq: 2\r\nPublic: OPTIONS\r\n\r\nx");
    }
}
