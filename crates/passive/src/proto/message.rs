//! Framing HTTP-style messages (HTTP, RTSP, SSDP) out of a reassembled
//! byte stream: the start line, headers, and a body bounded by
//! Content-Length or chunked encoding. Nothing here trusts a length: heads
//! are capped, bodies are cut at [`MAX_BODY`] and the rest skipped.

use memchr::memmem;

/// Longest message head looked at.
pub const MAX_HEAD: usize = 16 * 1024;
/// Longest body kept.
pub const MAX_BODY: usize = 64 * 1024;
/// Headers kept per message.
const MAX_HEADERS: usize = 100;

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    Request {
        method: String,
        target: String,
        /// `HTTP/1.1`, `RTSP/1.0`.
        version: String,
    },
    Response {
        version: String,
        status: u16,
        reason: String,
    },
}

impl StartLine {
    pub fn is_rtsp(&self) -> bool {
        match self {
            StartLine::Request { version, .. } | StartLine::Response { version, .. } => {
                version.starts_with("RTSP/")
            }
        }
    }
}

/// One framed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub start: StartLine,
    /// Names as sent, values trimmed.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than [`MAX_BODY`] (or its framing broke).
    pub truncated: bool,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What framing made of the front of a buffer.
#[derive(Debug)]
pub enum Framed {
    /// A whole message, and the bytes it took; `skip` more bytes of its body
    /// follow and are to be discarded.
    Message {
        message: Message,
        consumed: usize,
        skip: u64,
    },
    /// Not enough bytes yet.
    Incomplete,
    /// The front of the buffer is not a message: `resync` bytes may be
    /// dropped to reach the next plausible start (all of it when none).
    Garbage { resync: usize },
}

const METHODS: &[&str] = &[
    "GET ",
    "POST ",
    "HEAD ",
    "PUT ",
    "DELETE ",
    "OPTIONS ",
    "PATCH ",
    "DESCRIBE ",
    "SETUP ",
    "PLAY ",
    "PAUSE ",
    "TEARDOWN ",
    "ANNOUNCE ",
    "RECORD ",
    "GET_PARAMETER ",
    "SET_PARAMETER ",
    "NOTIFY ",
    "M-SEARCH ",
    "SUBSCRIBE ",
];

/// Whether `b` begins like an HTTP/RTSP message (a request method or a
/// status line). Cheap: the hot loop calls it on first payloads.
pub fn looks_like_message(b: &[u8]) -> bool {
    b.starts_with(b"HTTP/1.")
        || b.starts_with(b"RTSP/1.")
        || METHODS.iter().any(|m| b.starts_with(m.as_bytes()))
}

fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let window = &buf[..buf.len().min(MAX_HEAD + 4)];
    let crlf = memmem::find(window, b"\r\n\r\n").map(|p| (p, p + 4));
    // A bare-LF end counts only before the CRLF one: looked for there
    // alone, not through the body that follows (framing is retried on
    // every segment while a body arrives).
    let lf_window = crlf.map_or(window, |(p, _)| &window[..p + 1]);
    let lf = memmem::find(lf_window, b"\n\n").map(|p| (p, p + 2));
    lf.or(crlf)
}

/// The offset of the next line that starts (or may start, when the buffer
/// ends inside it) a message; the buffer's length when none does.
fn next_start(buf: &[u8]) -> usize {
    let mut from = 0;
    while let Some(nl) = memchr::memchr(b'\n', &buf[from..]) {
        let line = from + nl + 1;
        if line >= buf.len() {
            break;
        }
        if plausible_prefix(&buf[line..]) {
            return line;
        }
        from = line;
    }
    buf.len()
}

/// Parses a start line.
pub fn start_line(line: &str) -> Option<StartLine> {
    let mut parts = line.splitn(3, ' ');
    let first = parts.next()?;
    if first.starts_with("HTTP/") || first.starts_with("RTSP/") {
        let status: u16 = parts.next()?.trim().parse().ok()?;
        if !(100..1000).contains(&status) {
            return None;
        }
        return Some(StartLine::Response {
            version: first.to_owned(),
            status,
            reason: parts.next().unwrap_or_default().trim().to_owned(),
        });
    }
    let target = parts.next()?;
    let version = parts.next()?.trim();
    let method_ok = !first.is_empty()
        && first.len() <= 16
        && first
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-');
    if !method_ok || !(version.starts_with("HTTP/") || version.starts_with("RTSP/")) {
        return None;
    }
    Some(StartLine::Request {
        method: first.to_owned(),
        target: target.to_owned(),
        version: version.to_owned(),
    })
}

fn headers(lines: std::str::Split<'_, char>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in lines.map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || name.contains(' ') || out.len() >= MAX_HEADERS {
            continue;
        }
        out.push((name.to_owned(), value.trim().to_owned()));
    }
    out
}

/// How the body is delimited.
enum Body {
    None,
    Length(u64),
    Chunked,
    /// Until the connection closes: take what is there.
    ToClose,
}

fn body_kind(start: &StartLine, headers: &[(String, String)]) -> Body {
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    if get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        return Body::Chunked;
    }
    if let Some(len) = get("content-length") {
        return match len.trim().parse::<u64>() {
            Ok(n) => Body::Length(n),
            Err(_) => Body::None,
        };
    }
    match start {
        StartLine::Response {
            status, version, ..
        } if !version.starts_with("RTSP/")
            && !(100..200).contains(status)
            && *status != 204
            && *status != 304 =>
        {
            Body::ToClose
        }
        _ => Body::None,
    }
}

/// Walks a chunked body: (payload up to the cap, bytes the chunks took),
/// or `None` while the final chunk has not arrived.
fn chunked(raw: &[u8]) -> Option<Result<(Vec<u8>, usize), ()>> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    loop {
        let nl = memchr::memchr(b'\n', &raw[pos..])?;
        let line = std::str::from_utf8(&raw[pos..pos + nl]).ok();
        let size = line
            .and_then(|l| l.trim().split(';').next())
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
        let Some(size) = size else {
            return Some(Err(()));
        };
        pos += nl + 1;
        if size == 0 {
            // trailers end with a blank line
            let end = memmem::find(&raw[pos..], b"\r\n").map(|p| pos + p + 2)?;
            return Some(Ok((out, end)));
        }
        let end = pos.checked_add(size)?;
        if end + 2 > raw.len() {
            return None;
        }
        let room = MAX_BODY.saturating_sub(out.len());
        out.extend_from_slice(&raw[pos..pos + size.min(room)]);
        pos = end + 2;
    }
}

/// Frames the message at the front of `buf`. `closed`: no more bytes
/// will come in this direction.
pub fn frame(buf: &[u8], closed: bool) -> Framed {
    if buf.is_empty() {
        return Framed::Incomplete;
    }
    let Some((head_end, body_start)) = find_head_end(buf) else {
        if buf.len() > MAX_HEAD || closed || !plausible_prefix(buf) {
            return Framed::Garbage {
                resync: next_start(buf),
            };
        }
        return Framed::Incomplete;
    };
    let text = String::from_utf8_lossy(&buf[..head_end]);
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    let Some(start) = start_line(first.strip_suffix('\r').unwrap_or(first)) else {
        return Framed::Garbage {
            resync: next_start(buf),
        };
    };
    let headers = headers(lines);
    let rest = &buf[body_start..];
    let (body, consumed, skip, truncated) = match body_kind(&start, &headers) {
        Body::None => (Vec::new(), body_start, 0, false),
        Body::Length(n) => {
            let kept = n.min(MAX_BODY as u64) as usize;
            if rest.len() < kept && !closed {
                return Framed::Incomplete;
            }
            let kept = kept.min(rest.len());
            let skip = n - kept as u64;
            (rest[..kept].to_vec(), body_start + kept, skip, skip > 0)
        }
        Body::Chunked => match chunked(rest) {
            Some(Ok((body, used))) => (body, body_start + used, 0, false),
            Some(Err(())) => (Vec::new(), buf.len(), 0, true),
            None if closed || rest.len() > 4 * MAX_BODY => {
                let cut = rest.len().min(MAX_BODY);
                (rest[..cut].to_vec(), buf.len(), 0, true)
            }
            None => return Framed::Incomplete,
        },
        Body::ToClose => {
            if !closed && rest.len() < MAX_BODY {
                return Framed::Incomplete;
            }
            let cut = rest.len().min(MAX_BODY);
            (rest[..cut].to_vec(), buf.len(), 0, rest.len() > MAX_BODY)
        }
    };
    Framed::Message {
        message: Message {
            start,
            headers,
            body,
            truncated,
        },
        consumed,
        skip,
    }
}

/// Whether an unfinished head could still become a message.
pub fn plausible_prefix(buf: &[u8]) -> bool {
    let n = buf.len().min(16);
    let head = &buf[..n];
    looks_like_message(buf)
        || METHODS.iter().any(|m| m.as_bytes().starts_with(head))
        || b"HTTP/1.".starts_with(head)
        || b"RTSP/1.".starts_with(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(f: Framed) -> (Message, usize, u64) {
        match f {
            Framed::Message {
                message,
                consumed,
                skip,
            } => (message, consumed, skip),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_response_with_a_length_then_the_next_one() {
        let two = b"HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        let (m, used, skip) = message(frame(two, false));
        assert_eq!(m.header("server"), Some("App-webs/"));
        assert_eq!(m.body, b"hello");
        assert_eq!(skip, 0);
        let (m2, _, _) = message(frame(&two[used..], false));
        assert!(matches!(m2.start, StartLine::Response { status: 404, .. }));
    }

    #[test]
    fn partial_heads_wait_and_garbage_resyncs() {
        assert!(matches!(
            frame(b"HTTP/1.1 200 OK\r\nSer", false),
            Framed::Incomplete
        ));
        assert!(matches!(frame(b"DESCR", false), Framed::Incomplete));
        let junk = b"\x00\x01garbage\r\nRTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n";
        let Framed::Garbage { resync } = frame(junk, false) else {
            panic!()
        };
        let (m, _, _) = message(frame(&junk[resync..], false));
        assert!(m.start.is_rtsp());
    }

    #[test]
    fn bodies_are_capped_and_lengths_not_trusted() {
        let huge = b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nabc";
        let (m, used, skip) = message(frame(huge, true));
        assert_eq!(m.body, b"abc");
        assert_eq!(used, huge.len());
        assert!(skip > 0 && m.truncated);
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nNEXT";
        let (m, used, _) = message(frame(chunked, false));
        assert_eq!(m.body, b"hello");
        assert_eq!(&chunked[used..], b"NEXT");
        let bad = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        let (m, _, _) = message(frame(bad, false));
        assert!(m.truncated);
    }

    #[test]
    fn a_head_ends_at_the_first_blank_line_of_either_kind() {
        let lf = b"HTTP/1.1 200 OK\nContent-Length: 8\n\nab\r\n\r\ncd";
        let (m, _, _) = message(frame(lf, false));
        assert_eq!(m.body, b"ab\r\n\r\ncd");
        let crlf = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab\n\ncd";
        let (m, _, _) = message(frame(crlf, false));
        assert_eq!(m.body, b"ab\n\ncd");
    }

    #[test]
    fn request_lines() {
        assert_eq!(
            start_line("DESCRIBE rtsp://172.168.1.17:554/unicast/c296/s0/live/forward RTSP/1.0"),
            Some(StartLine::Request {
                method: "DESCRIBE".into(),
                target: "rtsp://172.168.1.17:554/unicast/c296/s0/live/forward".into(),
                version: "RTSP/1.0".into()
            })
        );
        assert_eq!(start_line("hello world"), None);
        assert_eq!(start_line("HTTP/1.1 99999 x"), None);
    }
}
