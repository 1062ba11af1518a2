//! The devices' web servers: a bounded HTTP/1.x reader, and per-firmware
//! answers with the exact status lines, header order, realms and bodies a
//! fingerprint depends on.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::auth;
use crate::catalog::{Family, WebFlavor};
use crate::estate::Device;
use crate::faults::{self, Fault};
use crate::onvif;
use crate::pages;
use crate::server::Ctx;

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

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

struct Now {
    wd: &'static str,
    y: i64,
    mo: &'static str,
    mon: u32,
    d: u32,
    h: u64,
    mi: u64,
    s: u64,
}

fn now() -> Now {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil(days);
    let t = secs % 86_400;
    Now {
        wd: WEEKDAYS[(days % 7) as usize],
        y,
        mo: MONTHS[(m - 1) as usize],
        mon: m,
        d,
        h: t / 3600,
        mi: t % 3600 / 60,
        s: t % 60,
    }
}

/// `Sun, 28 May 2023 09:56:24 GMT`
pub fn http_date() -> String {
    let n = now();
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        n.wd, n.d, n.mo, n.y, n.h, n.mi, n.s
    )
}

/// `Sat Mar 11 13:40:50 2017`, the GoAhead-derived servers' format.
pub fn ctime_date() -> String {
    let n = now();
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} {}",
        n.wd, n.mo, n.d, n.h, n.mi, n.s, n.y
    )
}

/// `2024-05-01T10:00:00Z`
pub fn iso_date() -> (i64, u32, u32, u64, u64, u64) {
    let n = now();
    (n.y, n.mon, n.d, n.h, n.mi, n.s)
}

/// Serves HTTP requests on one connection (plain or inside TLS).
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Ctx,
    dev: &Device,
    port: u16,
    tls: bool,
    mut stream: S,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    // Devices close after each answer (Connection: close), as several of
    // the emulated firmwares do; clients reconnect.
    let req = match read_request(&mut stream, &mut buf).await {
        Read::Request(r) => r,
        Read::Closed => return Ok(()),
        Read::Bad => {
            let bad = response(
                "HTTP/1.1",
                "400 Bad Request",
                &[
                    ("Content-Length", "0".into()),
                    ("Connection", "close".into()),
                ],
                b"",
            );
            let _ = stream.write_all(&bad).await;
            return Ok(());
        }
    };
    match dev.fault {
        Some(Fault::EndlessHeaders) => return endless_headers(&mut stream, dev).await,
        Some(Fault::HugeBody) => return huge_body(&mut stream, dev).await,
        _ => {}
    }
    let bytes = answer(ctx, dev, port, tls, &req);
    let bytes = if req.method == "HEAD" {
        match bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(i) => bytes[..i + 4].to_vec(),
            None => bytes,
        }
    } else {
        bytes
    };
    faults::deliver(&mut stream, dev.fault, &bytes).await?;
    let _ = stream.shutdown().await;
    Ok(())
}

async fn endless_headers<W: AsyncWrite + Unpin>(w: &mut W, dev: &Device) -> std::io::Result<()> {
    let server = pages::server_header(dev).unwrap_or("webserver");
    w.write_all(format!("HTTP/1.1 200 OK\r\nServer: {server}\r\n").as_bytes())
        .await?;
    let mut i: u64 = 0;
    loop {
        let line = format!("X-Padding-{i}: {}\r\n", "a".repeat(64));
        w.write_all(line.as_bytes()).await?;
        i += 1;
        if i.is_multiple_of(64) {
            tokio::task::yield_now().await;
        }
    }
}

async fn huge_body<W: AsyncWrite + Unpin>(w: &mut W, dev: &Device) -> std::io::Result<()> {
    let server = pages::server_header(dev).unwrap_or("webserver");
    let head = format!(
        "HTTP/1.1 200 OK\r\nServer: {server}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        faults::HUGE_BODY_LEN
    );
    w.write_all(head.as_bytes()).await?;
    let chunk = b"<html><body>"
        .iter()
        .chain(&[b' '; 65_524])
        .copied()
        .collect::<Vec<u8>>();
    let mut sent: u64 = 0;
    while sent < faults::HUGE_BODY_LEN {
        let n = (faults::HUGE_BODY_LEN - sent).min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..n]).await?;
        sent += n as u64;
    }
    Ok(())
}

/// The device's answer to one request, as bytes.
pub fn answer(ctx: &Ctx, dev: &Device, port: u16, tls: bool, req: &Request) -> Vec<u8> {
    if req.path.starts_with("/onvif/")
        && let Some(r) = onvif_answer(ctx, dev, req)
    {
        return r;
    }
    match dev.family() {
        Family::Hikvision => hikvision(ctx, dev, req),
        Family::Dahua => dahua(ctx, dev, req),
        Family::Uniview => uniview(ctx, dev, req),
        Family::Xiongmai => xiongmai(dev, req),
        Family::Axis => axis(ctx, dev, req),
        Family::Hanwha => hanwha(ctx, dev, req),
        Family::Bosch => bosch(ctx, dev, req),
        Family::GenericOnvif => generic(dev, req),
        Family::DecoyWeb => decoy_web(req, tls),
        Family::DecoyPrinter => printer(dev, req, port),
        Family::DecoyRouter => router(req),
        Family::Empty => response("HTTP/1.1", "404 Not Found", &[], b""),
    }
}

fn onvif_answer(ctx: &Ctx, dev: &Device, req: &Request) -> Option<Vec<u8>> {
    if !matches!(
        dev.family(),
        Family::Hikvision
            | Family::Dahua
            | Family::Uniview
            | Family::Xiongmai
            | Family::Axis
            | Family::Hanwha
            | Family::Bosch
            | Family::GenericOnvif
    ) {
        return None;
    }
    if req.method != "POST" {
        return Some(response(
            "HTTP/1.1",
            "405 Method Not Allowed",
            &[
                ("Allow", "POST".into()),
                ("Content-Length", "0".into()),
                ("Connection", "close".into()),
            ],
            b"",
        ));
    }
    let (status, body) = onvif::handle(ctx, dev, req.body_str());
    let body = faults::xml(dev.fault, body);
    let mut headers = vec![];
    if let Some(s) = pages::server_header(dev) {
        headers.push(("Server", s.to_owned()));
    }
    headers.push(("Date", http_date()));
    headers.push((
        "Content-Type",
        "application/soap+xml; charset=utf-8".to_owned(),
    ));
    headers.push(("Content-Length", body.len().to_string()));
    headers.push(("Connection", "close".into()));
    Some(response("HTTP/1.1", status, &headers, body.as_bytes()))
}

// ---------------------------------------------------------------- Hikvision

/// The realm a Hikvision device challenges with: legacy firmware offers Basic
/// only; current cameras `IP Camera(<last 5 of serial>)`-style realms are
/// replaced here by the NVR-style opaque hex realm seen in captures.
fn hik_realm(dev: &Device) -> String {
    match dev.profile.flavor {
        WebFlavor::HikNvr => auth::md5_hex(&dev.serial)[..24].to_owned(),
        _ => {
            let s = &dev.serial;
            format!("IP Camera({})", &s[s.len().saturating_sub(5)..])
        }
    }
}

fn hik_headers(
    dev: &Device,
    req: &Request,
    ctype: &str,
    len: usize,
) -> (String, Vec<(&'static str, String)>) {
    let version = if req.is_http10() {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    }
    .to_owned();
    let h = match dev.profile.flavor {
        WebFlavor::HikLegacy => vec![
            ("Server", "Hikvision-Webs".to_owned()),
            ("Date", ctime_date()),
            ("Content-Type", ctype.to_owned()),
            ("Content-Length", len.to_string()),
            ("Connection", "close".into()),
        ],
        WebFlavor::HikNvr => vec![
            ("Date", http_date()),
            ("Server", "DNVRS-Webs".to_owned()),
            ("ETag", format!("\"0-{:x}-1e0\"", len)),
            ("Content-Length", len.to_string()),
            ("Content-Type", ctype.to_owned()),
            ("Connection", "close".into()),
            ("Last-Modified", http_date()),
        ],
        _ => vec![
            ("Date", http_date()),
            ("Server", "App-webs/".to_owned()),
            ("Content-Length", len.to_string()),
            ("Content-Type", ctype.to_owned()),
            ("Connection", "close".into()),
        ],
    };
    (version, h)
}

fn hik_ok(dev: &Device, req: &Request, ctype: &str, body: &[u8]) -> Vec<u8> {
    let (v, h) = hik_headers(dev, req, ctype, body.len());
    response(&v, "200 OK", &h, body)
}

fn hik_unauthorized(dev: &Device, req: &Request) -> Vec<u8> {
    let legacy = dev.profile.flavor == WebFlavor::HikLegacy;
    let (body, ctype) = if req.path.starts_with("/ISAPI") && !legacy {
        (
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<userCheck>\n<statusValue>401</statusValue>\n<statusString>Unauthorized</statusString>\n</userCheck>\n".to_owned(),
            "application/xml; charset=\"UTF-8\"",
        )
    } else {
        (
            pages::goahead_error(
                401,
                "Unauthorized",
                "Authentication Error: Access Denied! Authorization required.",
            ),
            "text/html",
        )
    };
    let (v, mut h) = hik_headers(dev, req, ctype, body.len());
    let challenge = if legacy {
        "Basic realm=\"hikvision\"".to_owned()
    } else {
        format!(
            "Digest realm=\"{}\", domain=\"::\", qop=\"auth\", nonce=\"{}:{}\", opaque=\"\", algorithm=\"MD5\", stale=\"FALSE\"",
            hik_realm(dev),
            auth::nonce_hex(dev.seed, 32),
            1_700_000_000u64 + dev.seed % 100_000_000
        )
    };
    h.push(("WWW-Authenticate", challenge));
    response(&v, "401 Unauthorized", &h, body.as_bytes())
}

fn hik_authed(ctx: &Ctx, dev: &Device, req: &Request) -> bool {
    let legacy = dev.profile.flavor == WebFlavor::HikLegacy;
    let realm = if legacy {
        dev.model.to_owned()
    } else {
        hik_realm(dev)
    };
    auth::check(
        req.header("Authorization"),
        &req.method,
        &realm,
        &ctx.username,
        &ctx.password,
        legacy,
    )
}

fn hikvision(ctx: &Ctx, dev: &Device, req: &Request) -> Vec<u8> {
    let legacy = dev.profile.flavor == WebFlavor::HikLegacy;
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/" | "/index.asp" | "/index.html") => {
            hik_ok(dev, req, "text/html", pages::hik_index().as_bytes())
        }
        ("GET" | "HEAD", "/doc/page/login.asp") => {
            hik_ok(dev, req, "text/html", pages::hik_login(dev).as_bytes())
        }
        ("GET" | "HEAD", "/SDK/webLanguage") => hik_ok(
            dev,
            req,
            "application/xml",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Language>\n<type>en</type>\n</Language>\n",
        ),
        (_, "/SDK/webLanguage") => pages::not_allowed(),
        ("GET" | "HEAD", "/PSIA/Custom/SelfExt/userCheck") if legacy => {
            if hik_authed(ctx, dev, req) {
                hik_ok(dev, req, "application/xml", pages::hik_user_check(200).as_bytes())
            } else {
                hik_unauthorized(dev, req)
            }
        }
        ("GET" | "HEAD", "/ISAPI/Security/userCheck") if !legacy => {
            if hik_authed(ctx, dev, req) {
                hik_ok(dev, req, "application/xml", pages::hik_user_check(200).as_bytes())
            } else {
                hik_unauthorized(dev, req)
            }
        }
        ("GET" | "HEAD", "/ISAPI/System/deviceInfo") => {
            if hik_authed(ctx, dev, req) {
                let xml = faults::xml(dev.fault, pages::hik_device_info(dev));
                hik_ok(dev, req, "application/xml", xml.as_bytes())
            } else {
                hik_unauthorized(dev, req)
            }
        }
        (_, p) if p.starts_with("/ISAPI/") => {
            if hik_authed(ctx, dev, req) {
                hik_not_found(dev, req)
            } else {
                hik_unauthorized(dev, req)
            }
        }
        _ => hik_not_found(dev, req),
    }
}

fn hik_not_found(dev: &Device, req: &Request) -> Vec<u8> {
    let body = pages::goahead_error(
        404,
        "Not Found",
        &format!("Can't locate document: {}", pages::escape(&req.path)),
    );
    let (v, h) = hik_headers(dev, req, "text/html", body.len());
    response(&v, "404 Not Found", &h, body.as_bytes())
}

// -------------------------------------------------------------------- Dahua

fn dahua_realm(dev: &Device) -> String {
    format!("Login to {}", dev.serial)
}

/// The Dahua web server's header block (upper-case names, as nmap's
/// "Dahua webcam httpd" signature records).
fn dahua_page(body: &[u8], ctype: &str) -> Vec<u8> {
    let etag = format!("\"{}:{:x}\"", body.len(), body.len() * 7919);
    response(
        "HTTP/1.1",
        "200 OK",
        &[
            ("CONNECTION", "close".into()),
            ("Date", http_date()),
            ("Last-Modified", http_date()),
            ("Etag", etag),
            ("CONTENT-LENGTH", body.len().to_string()),
            ("CACHE-CONTROL", "max-age=0".into()),
            ("CONTENT-TYPE", ctype.into()),
        ],
        body,
    )
}

fn dahua_plain(
    status: &str,
    ctype: &str,
    body: &[u8],
    extra: Option<(&'static str, String)>,
) -> Vec<u8> {
    let mut h = vec![
        ("CONNECTION", "close".to_owned()),
        ("CONTENT-LENGTH", body.len().to_string()),
        ("CONTENT-TYPE", ctype.to_owned()),
    ];
    if let Some(e) = extra {
        h.push(e);
    }
    response("HTTP/1.1", status, &h, body)
}

fn dahua(ctx: &Ctx, dev: &Device, req: &Request) -> Vec<u8> {
    let authed = || {
        auth::check(
            req.header("Authorization"),
            &req.method,
            &dahua_realm(dev),
            &ctx.username,
            &ctx.password,
            false,
        )
    };
    let unauthorized = || {
        let body = b"<html><body><h1>401 Unauthorized</h1></body></html>";
        dahua_plain(
            "401 Unauthorized",
            "text/html",
            body,
            Some((
                "WWW-Authenticate",
                format!(
                    "Digest realm=\"{}\", qop=\"auth\", nonce=\"{}\", opaque=\"{}\"",
                    dahua_realm(dev),
                    auth::nonce_hex(dev.seed, 10)
                        .chars()
                        .filter(char::is_ascii_digit)
                        .collect::<String>()
                        + "1234567890",
                    auth::md5_hex(&dev.serial)
                ),
            )),
        )
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/" | "/index.html") => {
            dahua_page(pages::dahua_index(dev).as_bytes(), "text/html")
        }
        ("POST", "/RPC2_Login") => {
            let body = faults::xml(None, pages::dahua_rpc2_login(dev, req.body_str()));
            dahua_plain(
                "200 OK",
                "application/json; charset=utf-8",
                body.as_bytes(),
                None,
            )
        }
        ("POST", "/RPC2") => {
            let body = pages::dahua_rpc2_no_session(req.body_str());
            dahua_plain(
                "200 OK",
                "application/json; charset=utf-8",
                body.as_bytes(),
                None,
            )
        }
        ("GET" | "HEAD", "/cgi-bin/magicBox.cgi") => {
            if authed() {
                let body = pages::dahua_magicbox(dev, &req.query);
                match body {
                    Some(b) => {
                        dahua_plain("200 OK", "text/plain;charset=utf-8", b.as_bytes(), None)
                    }
                    None => dahua_plain(
                        "400 Bad Request",
                        "text/plain;charset=utf-8",
                        b"Error\r\nBad Request!\r\n",
                        None,
                    ),
                }
            } else {
                unauthorized()
            }
        }
        (_, p) if p.starts_with("/cgi-bin/") => {
            if authed() {
                dahua_plain(
                    "404 Not Found",
                    "text/plain",
                    b"Error\r\nNot Found!\r\n",
                    None,
                )
            } else {
                unauthorized()
            }
        }
        _ => dahua_plain(
            "404 Not Found",
            "text/html",
            b"<html><body><h1>404 Not Found</h1></body></html>",
            None,
        ),
    }
}

// ------------------------------------------------------------------ Uniview

fn uniview(ctx: &Ctx, dev: &Device, req: &Request) -> Vec<u8> {
    let realm = "IPC";
    let plain = |status: &str, ctype: &str, body: &[u8], extra: Option<(&'static str, String)>| {
        let mut h = vec![
            ("Content-Type", ctype.to_owned()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".to_owned()),
        ];
        if let Some(e) = extra {
            h.push(e);
        }
        response("HTTP/1.1", status, &h, body)
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/") => plain(
            "200 OK",
            "text/html",
            pages::uniview_index(dev).as_bytes(),
            None,
        ),
        ("GET" | "HEAD", "/LAPI/V1.0/System/DeviceBasicInfo") => {
            if auth::check(
                req.header("Authorization"),
                &req.method,
                realm,
                &ctx.username,
                &ctx.password,
                false,
            ) {
                plain(
                    "200 OK",
                    "application/json",
                    pages::uniview_lapi(dev).as_bytes(),
                    None,
                )
            } else {
                plain(
                    "401 Unauthorized",
                    "application/json",
                    pages::uniview_lapi_unauthorized(&req.path).as_bytes(),
                    Some((
                        "WWW-Authenticate",
                        format!(
                            "Digest realm=\"{realm}\", qop=\"auth\", nonce=\"{}\"",
                            auth::nonce_hex(dev.seed, 32)
                        ),
                    )),
                )
            }
        }
        _ => plain(
            "404 Not Found",
            "text/html",
            b"<html><body>404 Not Found</body></html>",
            None,
        ),
    }
}

// ----------------------------------------------------------------- Xiongmai

fn xiongmai(dev: &Device, req: &Request) -> Vec<u8> {
    let ok = |body: &[u8]| {
        response(
            "HTTP/1.0",
            "200 OK",
            &[
                ("Content-type", "text/html".into()),
                ("Server", "uc-httpd 1.0.0".into()),
                ("Expires", "0".into()),
            ],
            body,
        )
    };
    match req.path.as_str() {
        "/" | "/index.htm" | "/index.html" => ok(pages::xiongmai_index(dev).as_bytes()),
        _ => response(
            "HTTP/1.0",
            "404 Not Found",
            &[
                ("Content-type", "text/html".into()),
                ("Server", "uc-httpd 1.0.0".into()),
            ],
            b"<html><body>404 File Not Found</body></html>",
        ),
    }
}

// --------------------------------------------------------------------- Axis

fn axis_realm(dev: &Device) -> String {
    format!("AXIS_{}", dev.serial)
}

fn axis(ctx: &Ctx, dev: &Device, req: &Request) -> Vec<u8> {
    let realm = axis_realm(dev);
    let authed = auth::check(
        req.header("Authorization"),
        &req.method,
        &realm,
        &ctx.username,
        &ctx.password,
        false,
    );
    let plain = |status: &str, ctype: &str, body: &[u8], extra: Option<(&'static str, String)>| {
        let mut h = vec![("Date", http_date())];
        if let Some(e) = extra {
            h.push(e);
        }
        h.push(("Content-Length", body.len().to_string()));
        h.push(("Content-Type", ctype.to_owned()));
        h.push(("Connection", "close".into()));
        response("HTTP/1.1", status, &h, body)
    };
    let unauthorized = || {
        plain(
            "401 Unauthorized",
            "text/html; charset=ISO-8859-1",
            b"<HTML><HEAD><TITLE>401 Unauthorized</TITLE></HEAD><BODY><H1>401 Unauthorized</H1>\nYour client does not have permission to get URL from this server.\n</BODY></HTML>\n",
            Some((
                "WWW-Authenticate",
                format!("Digest realm=\"{realm}\", nonce=\"{}\", algorithm=MD5, qop=\"auth\"", auth::nonce_hex(dev.seed, 40)),
            )),
        )
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/" | "/index.html") => {
            plain("200 OK", "text/html", pages::axis_index().as_bytes(), None)
        }
        ("POST", "/axis-cgi/basicdeviceinfo.cgi") => {
            let body = req.body_str();
            if body.contains("getAllUnrestrictedProperties") {
                plain(
                    "200 OK",
                    "application/json",
                    pages::axis_basic_info(dev, false).as_bytes(),
                    None,
                )
            } else if body.contains("getAllProperties") || body.contains("getProperties") {
                if authed {
                    plain(
                        "200 OK",
                        "application/json",
                        pages::axis_basic_info(dev, true).as_bytes(),
                        None,
                    )
                } else {
                    unauthorized()
                }
            } else {
                plain(
                    "200 OK",
                    "application/json",
                    b"{\"apiVersion\":\"1.3\",\"error\":{\"code\":2002,\"message\":\"Method not supported.\"}}",
                    None,
                )
            }
        }
        (_, p) if p.starts_with("/axis-cgi/") => {
            if !authed {
                unauthorized()
            } else if p == "/axis-cgi/param.cgi" {
                plain(
                    "200 OK",
                    "text/plain",
                    pages::axis_params(dev).as_bytes(),
                    None,
                )
            } else {
                plain(
                    "404 Not Found",
                    "text/html",
                    b"<HTML><BODY>404 Not Found</BODY></HTML>",
                    None,
                )
            }
        }
        _ => plain(
            "404 Not Found",
            "text/html",
            b"<HTML><BODY>404 Not Found</BODY></HTML>",
            None,
        ),
    }
}

// ------------------------------------------------------------------- Hanwha

fn hanwha(ctx: &Ctx, dev: &Device, req: &Request) -> Vec<u8> {
    let realm = "iPolis";
    let plain = |status: &str, ctype: &str, body: &[u8], extra: Option<(&'static str, String)>| {
        let mut h = vec![
            ("Date", http_date()),
            ("Content-Type", ctype.to_owned()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".to_owned()),
        ];
        if let Some(e) = extra {
            h.push(e);
        }
        response("HTTP/1.1", status, &h, body)
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/" | "/home/monitoring.cgi") => plain(
            "200 OK",
            "text/html",
            pages::hanwha_index().as_bytes(),
            None,
        ),
        ("GET" | "HEAD", "/stw-cgi/system.cgi") => {
            if auth::check(
                req.header("Authorization"),
                &req.method,
                realm,
                &ctx.username,
                &ctx.password,
                false,
            ) {
                plain(
                    "200 OK",
                    "text/plain",
                    pages::hanwha_device_info(dev).as_bytes(),
                    None,
                )
            } else {
                plain(
                    "401 Unauthorized",
                    "text/html",
                    b"<html><body>401 Unauthorized</body></html>",
                    Some((
                        "WWW-Authenticate",
                        format!(
                            "Digest realm=\"{realm}\", nonce=\"{}\", qop=\"auth\"",
                            auth::nonce_hex(dev.seed, 32).to_uppercase()
                        ),
                    )),
                )
            }
        }
        _ => plain(
            "404 Not Found",
            "text/html",
            b"<html><body>404 Not Found</body></html>",
            None,
        ),
    }
}

// -------------------------------------------------------------------- Bosch

fn bosch(ctx: &Ctx, dev: &Device, req: &Request) -> Vec<u8> {
    let realm = "Use 'live' as User Name in order to log in to the respective level";
    let head = |status: &str, ctype: &str, body: &[u8], extra: Option<(&'static str, String)>| {
        let mut h = vec![
            ("Server", "VCS-VideoJet-Webserver".to_owned()),
            ("Date", http_date()),
            ("Content-Type", ctype.to_owned()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".to_owned()),
        ];
        if let Some(e) = extra {
            h.push(e);
        }
        response("HTTP/1.1", status, &h, body)
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/" | "/index.html") => head(
            "200 OK",
            "text/html",
            pages::bosch_index(dev).as_bytes(),
            None,
        ),
        ("GET" | "HEAD", "/rcp.xml") => {
            if auth::check(
                req.header("Authorization"),
                &req.method,
                realm,
                &ctx.username,
                &ctx.password,
                false,
            ) {
                head(
                    "200 OK",
                    "text/xml",
                    faults::xml(dev.fault, pages::bosch_rcp(dev)).as_bytes(),
                    None,
                )
            } else {
                head(
                    "401 Unauthorized",
                    "text/html",
                    b"",
                    Some((
                        "WWW-Authenticate",
                        format!(
                            "Digest realm=\"{realm}\",nonce=\"{}\",opaque=\"\",stale=FALSE,algorithm=MD5,qop=\"auth\"",
                            auth::nonce_hex(dev.seed, 32)
                        ),
                    )),
                )
            }
        }
        _ => head(
            "404 Not Found",
            "text/html",
            b"<html><body>404 Not Found</body></html>",
            None,
        ),
    }
}

// ------------------------------------------------------- generic and decoys

fn generic(dev: &Device, req: &Request) -> Vec<u8> {
    let body = if req.path == "/" {
        pages::generic_index(dev)
    } else {
        "<html><body>404 Not Found</body></html>".to_owned()
    };
    let status = if req.path == "/" {
        "200 OK"
    } else {
        "404 Not Found"
    };
    response(
        "HTTP/1.1",
        status,
        &[
            ("Server", "thttpd/2.25b 29dec2003".into()),
            ("Content-Type", "text/html; charset=utf-8".into()),
            ("Date", http_date()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".into()),
        ],
        body.as_bytes(),
    )
}

fn decoy_web(req: &Request, _tls: bool) -> Vec<u8> {
    let (status, body) = if req.path == "/" || req.path == "/index.html" {
        ("200 OK", pages::nginx_index())
    } else {
        ("404 Not Found", pages::nginx_404())
    };
    response(
        "HTTP/1.1",
        status,
        &[
            ("Server", "nginx/1.22.1".into()),
            ("Date", http_date()),
            ("Content-Type", "text/html".into()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".into()),
        ],
        body.as_bytes(),
    )
}

fn printer(dev: &Device, req: &Request, port: u16) -> Vec<u8> {
    let body = if req.path == "/" || port == 631 {
        pages::printer_index(dev)
    } else {
        "<html><body>Not found</body></html>".to_owned()
    };
    let status = if req.path == "/" || port == 631 {
        "200 OK"
    } else {
        "404 Not Found"
    };
    response(
        "HTTP/1.1",
        status,
        &[
            (
                "Server",
                format!("HP HTTP Server; {} - {}", dev.model, dev.serial),
            ),
            ("Content-Type", "text/html".into()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".into()),
        ],
        body.as_bytes(),
    )
}

fn router(req: &Request) -> Vec<u8> {
    let (status, body) = if req.path == "/" || req.path == "/webfig/" {
        ("200 OK", pages::router_index())
    } else {
        (
            "404 Not Found",
            "<html><body>Not Found</body></html>".to_owned(),
        )
    };
    response(
        "HTTP/1.1",
        status,
        &[
            ("Content-Type", "text/html".into()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".into()),
        ],
        body.as_bytes(),
    )
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
    fn dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(19_000), (2022, 1, 8));
        let d = ctime_date();
        assert_eq!(d.len(), 24, "{d}");
        assert!(http_date().ends_with(" GMT"));
    }
}
