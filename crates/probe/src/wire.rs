//! Bounded reading of HTTP-style messages (HTTP and RTSP replies).
//!
//! Every read is capped: at most [`Limits::head`] bytes of status line and
//! headers, [`Limits::headers`] headers, [`Limits::body`] bytes of body. A
//! device that sends endless headers or an endless body gets cut off, and
//! what arrived within the limits is still evidence.

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::ProbeError;

/// Read limits for one reply.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub head: usize,
    pub headers: usize,
    pub body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            head: 16 * 1024,
            headers: 100,
            body: 64 * 1024,
        }
    }
}

/// A parsed reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// `HTTP/1.1`, `RTSP/1.0`…
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// Header names as sent (case kept), values trimmed.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Something was cut by a limit.
    pub truncated: bool,
}

impl Reply {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    // (end of head, start of body)
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, p + 4));
    let lf = buf
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|p| (p, p + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// Parses a status line and headers. `head` is everything before the blank
/// line (or as much as the limit allowed).
pub fn parse_head(head: &[u8], limits: &Limits) -> Result<Reply, ProbeError> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !(version.starts_with("HTTP/") || version.starts_with("RTSP/")) {
        return Err(ProbeError::Malformed(format!(
            "not an HTTP/RTSP status line: {:?}",
            clip(status_line, 60)
        )));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.trim().parse().ok())
        .filter(|s| (100..1000).contains(s))
        .ok_or_else(|| {
            ProbeError::Malformed(format!("bad status code in {:?}", clip(status_line, 60)))
        })?;
    let mut reply = Reply {
        version: version.to_owned(),
        status,
        reason: parts.next().unwrap_or_default().trim().to_owned(),
        ..Reply::default()
    };
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            // obsolete line folding: continue the previous value
            if let Some((_, v)) = reply.headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || name.contains(' ') {
            continue;
        }
        if reply.headers.len() >= limits.headers {
            reply.truncated = true;
            break;
        }
        reply
            .headers
            .push((name.to_owned(), value.trim().to_owned()));
    }
    Ok(reply)
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Decodes a chunked body from `raw`, at most `cap` bytes of payload.
/// Returns the payload and whether the terminating zero chunk was seen.
pub fn decode_chunked(raw: &[u8], cap: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut pos = 0usize;
    loop {
        let Some(nl) = raw[pos..].iter().position(|&b| b == b'\n') else {
            return (out, false);
        };
        let line = String::from_utf8_lossy(&raw[pos..pos + nl]);
        let size_txt = line
            .trim()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let Ok(size) = usize::from_str_radix(&size_txt, 16) else {
            return (out, false);
        };
        pos += nl + 1;
        if size == 0 {
            return (out, true);
        }
        let avail = raw.len().saturating_sub(pos);
        let take = size.min(avail).min(cap.saturating_sub(out.len()));
        out.extend_from_slice(&raw[pos..pos + take]);
        if out.len() >= cap || size > avail {
            return (out, false);
        }
        pos += size;
        // the CRLF after the chunk
        if raw.get(pos) == Some(&b'\r') {
            pos += 1;
        }
        if raw.get(pos) == Some(&b'\n') {
            pos += 1;
        }
    }
}

/// How the body of a reply is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    /// HTTP: Content-Length, chunked, or until the peer closes.
    Http,
    /// HTTP HEAD or a status without a body.
    None,
    /// RTSP: Content-Length only (the connection stays open).
    LengthOnly,
}

/// Reads one reply from `r` within the limits. The caller bounds the time.
pub async fn read_reply<R: AsyncRead + Unpin>(
    r: &mut R,
    limits: &Limits,
    mode: BodyMode,
) -> Result<Reply, ProbeError> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let (head_end, body_start, eof) = loop {
        if let Some((e, b)) = find_head_end(&buf) {
            break (e, b, false);
        }
        if buf.len() >= limits.head {
            // Endless headers: parse what fits, up to the last full line.
            let cut = buf[..limits.head]
                .iter()
                .rposition(|&b| b == b'\n')
                .unwrap_or(limits.head);
            let mut reply = parse_head(&buf[..cut], limits)?;
            reply.truncated = true;
            return Ok(reply);
        }
        let want = (limits.head + 4 - buf.len()).min(chunk.len());
        let n = r.read(&mut chunk[..want]).await?;
        if n == 0 {
            if buf.is_empty() {
                return Err(ProbeError::Empty);
            }
            // Closed before the blank line: take what we have as the head.
            let len = buf.len();
            break (len, len, true);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let mut reply = parse_head(&buf[..head_end], limits)?;
    let no_body = mode == BodyMode::None
        || (100..200).contains(&reply.status)
        || reply.status == 204
        || reply.status == 304;
    if no_body || eof {
        return Ok(reply);
    }
    let mut body: Vec<u8> = buf[body_start..].to_vec();
    let chunked = mode == BodyMode::Http
        && reply
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length: Option<usize> = reply
        .header("content-length")
        .and_then(|v| v.trim().parse().ok());
    if chunked {
        // Raw chunked bytes can exceed the payload cap by the framing; allow
        // a little over the cap and stop.
        let raw_cap = limits.body + limits.body / 8 + 1024;
        loop {
            let (payload, done) = decode_chunked(&body, limits.body);
            if done || payload.len() >= limits.body || body.len() >= raw_cap {
                reply.truncated |= !done;
                reply.body = payload;
                return Ok(reply);
            }
            let n = r.read(&mut chunk).await?;
            if n == 0 {
                reply.body = payload;
                return Ok(reply);
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let target = match (mode, length) {
        (_, Some(len)) => len,
        (BodyMode::LengthOnly, None) => 0,
        (_, None) => usize::MAX,
    };
    while body.len() < target.min(limits.body) {
        let want = (target.min(limits.body) - body.len()).min(chunk.len());
        let n = r.read(&mut chunk[..want]).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    if body.len() > limits.body || (target > limits.body && body.len() >= limits.body) {
        reply.truncated = true;
    }
    body.truncate(limits.body);
    if target != usize::MAX {
        body.truncate(target);
    }
    reply.body = body;
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(bytes: &[u8], mode: BodyMode) -> Result<Reply, ProbeError> {
        let mut r = bytes;
        read_reply(&mut r, &Limits::default(), mode).await
    }

    #[tokio::test]
    async fn a_camera_401() {
        let raw = b"HTTP/1.1 401 Unauthorized\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nServer: App-webs/\r\nWWW-Authenticate: Digest qop=\"auth\", realm=\"IP Camera(C3862)\", nonce=\"4e5468694d6a\", stale=\"FALSE\"\r\nContent-Length: 9\r\n\r\nno access";
        let r = read(raw, BodyMode::Http).await.unwrap();
        assert_eq!(r.status, 401);
        assert_eq!(r.header("server"), Some("App-webs/"));
        assert!(
            r.header("WWW-Authenticate")
                .unwrap()
                .contains("IP Camera(C3862)")
        );
        assert_eq!(r.body, b"no access");
        assert!(!r.truncated);
    }

    #[tokio::test]
    async fn chunked_and_until_close_bodies() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
        assert_eq!(
            read(raw, BodyMode::Http).await.unwrap().body,
            b"hello world"
        );
        let raw = b"HTTP/1.0 200 OK\nServer: x\n\n<html>until close";
        let r = read(raw, BodyMode::Http).await.unwrap();
        assert_eq!(r.body, b"<html>until close");
        assert_eq!(r.header("server"), Some("x"));
    }

    #[tokio::test]
    async fn rtsp_reply_without_length_has_no_body() {
        let raw = b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE\r\n\r\ntrailing";
        let r = read(raw, BodyMode::LengthOnly).await.unwrap();
        assert_eq!(r.version, "RTSP/1.0");
        assert!(r.body.is_empty());
    }

    #[tokio::test]
    async fn hostile_replies_are_cut_not_followed() {
        // endless headers
        let mut raw = b"HTTP/1.1 200 OK\r\nServer: evil\r\n".to_vec();
        for i in 0..10_000 {
            raw.extend_from_slice(format!("X-{i}: aaaaaaaaaaaaaaaaaaaa\r\n").as_bytes());
        }
        let r = read(&raw, BodyMode::Http).await.unwrap();
        assert!(r.truncated);
        assert_eq!(r.header("server"), Some("evil"));
        assert!(r.headers.len() <= 100);
        // huge body, lying content-length
        let mut raw = b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n".to_vec();
        raw.extend(std::iter::repeat_n(b'A', 200_000));
        let r = read(&raw, BodyMode::Http).await.unwrap();
        assert_eq!(r.body.len(), 64 * 1024);
        assert!(r.truncated);
        // huge chunked body
        let mut raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..100 {
            raw.extend_from_slice(b"1000\r\n");
            raw.extend(std::iter::repeat_n(b'B', 0x1000));
            raw.extend_from_slice(b"\r\n");
        }
        let r = read(&raw, BodyMode::Http).await.unwrap();
        assert_eq!(r.body.len(), 64 * 1024);
        // a chunk size that overflows
        let raw =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffff\r\nabc";
        assert!(read(raw, BodyMode::Http).await.unwrap().body.is_empty());
    }

    #[tokio::test]
    async fn garbage_and_truncation() {
        assert!(matches!(
            read(b"", BodyMode::Http).await,
            Err(ProbeError::Empty)
        ));
        assert!(read(b"\x00\x01\x02binary", BodyMode::Http).await.is_err());
        assert!(
            read(b"HTTP/1.1 abc OK\r\n\r\n", BodyMode::Http)
                .await
                .is_err()
        );
        // closed mid-headers: what came is kept
        let r = read(b"HTTP/1.1 200 OK\r\nServer: half", BodyMode::Http)
            .await
            .unwrap();
        assert_eq!(r.header("server"), Some("half"));
        // header lines without a colon, folded lines, invalid UTF-8
        let r = read(
            b"HTTP/1.1 200 OK\r\nnonsense\r\nServer: a\r\n b\r\nX-Bin: \xff\xfe\r\n\r\n",
            BodyMode::None,
        )
        .await
        .unwrap();
        assert_eq!(r.header("server"), Some("a b"));
        assert_eq!(r.headers.len(), 2);
    }
}
