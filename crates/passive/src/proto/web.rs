//! Evidence from HTTP and RTSP messages seen in a capture. Replies go
//! through the scanner's own recorders (`camaudit_probe::http::record`,
//! `rtsp::record`), so a header or page seen passively is the same
//! observation a probe would have made; a request's path is recorded on the
//! server only when the reply shows the server has it. Also read here: the
//! UPnP description and ONVIF device information a client fetched, SDP
//! session names and attributes, and the name a client used for a server
//! (Host header), for the endpoints list.

use std::borrow::Cow;
use std::io::Read;
use std::net::IpAddr;

use camaudit_probe::wire::Reply;
use camaudit_probe::{http, onvif, rtsp};
use flate2::read::MultiGzDecoder;
use memchr::memmem;

use crate::proto::message::{MAX_BODY, Message};
use crate::proto::stream::{Request, with_host};
use crate::proto::upnp;
use crate::sink::Sink;

mod body;

/// SDP attributes whose values are per stream (codec parameters, track
/// URLs, ranges) rather than the server's own: not evidence.
const SDP_NOISE: &[&str] = &[
    "control",
    "rtpmap",
    "fmtp",
    "range",
    "framerate",
    "framesize",
    "x-dimensions",
    "recvonly",
    "sendonly",
    "sendrecv",
    "mpeg4-esid",
    "x-framerate",
    "cliprect",
    "mimetype",
    "length",
    "etag",
    "ssrc",
    "rtcp-fb",
    "extmap",
];
/// SDP attributes kept per reply.
const MAX_SDP_ATTRIBUTES: usize = 32;

/// Whether a reply shows the server has the requested path: it served it,
/// redirected, or asked for credentials for it.
fn telling(status: u16) -> bool {
    (200..400).contains(&status) || status == 401 || status == 403
}

/// A request: the client's User-Agent (evidence about the client) and the
/// name it used for the server.
pub fn request(m: &Message, client: IpAddr, server: IpAddr, _port: u16, ts: i64, sink: &mut Sink) {
    if m.start.is_rtsp() {
        return;
    }
    if let Some(ua) = m.header("user-agent") {
        sink.evidence.push(client, None, "http.user_agent", ua, ts);
    }
    if let Some(host) = m.header("host") {
        let name = host.rsplit_once(':').map_or(host, |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        if name.parse::<IpAddr>().is_err() && !name.starts_with('[') && !name.is_empty() {
            sink.name(server, name);
        }
    }
}

/// A reply from `server` on `port`. Taken by value: its headers and body
/// are moved here from the framed message, never copied.
pub fn response(
    mut reply: Reply,
    request: Option<&Request>,
    server: IpAddr,
    port: u16,
    ts: i64,
    sink: &mut Sink,
) {
    let path = request
        .filter(|_| telling(reply.status))
        .map_or("", |r| r.path.as_str());
    if reply.version.starts_with("RTSP/") {
        rtsp_response(&reply, request, path, server, port, ts, sink);
        return;
    }
    let raw = std::mem::take(&mut reply.body);
    let body = decoded_body(&reply, &raw, sink);
    if path.ends_with("favicon.ico") {
        // The icon's hashes need its bytes: the scanner's recorder reads them.
        reply.body = body.into_owned();
        with_host(server, Some(port), ts, sink, |obs| {
            http::record(obs, port, path, &reply, true);
            true
        });
        return;
    }
    // Status, path and headers through the scanner's recorder (the body
    // taken out: it is read once, below).
    with_host(server, Some(port), ts, sink, |obs| {
        http::record(obs, port, path, &reply, false);
        true
    });
    if body::is_text(&body) {
        let text = String::from_utf8_lossy(&body);
        if let Some(t) = body::title(&text) {
            sink.evidence
                .push_as_recorded(server, Some(port), "http.title", &t, ts);
        }
        sink.evidence
            .push_as_recorded(server, Some(port), "http.body", &text, ts);
    }
    if memmem::find(&body, b"urn:schemas-upnp-org:device").is_some() {
        upnp::description(
            &String::from_utf8_lossy(&body),
            server,
            Some(port),
            ts,
            sink,
        );
    }
    if memmem::find(&body, b"GetDeviceInformationResponse").is_some() {
        let text = String::from_utf8_lossy(&body);
        if !with_host(server, Some(port), ts, sink, |obs| {
            onvif::parse_device_information(&text, port, obs)
        }) {
            sink.summary.malformed("onvif xml");
        }
    }
}

/// An RTSP reply: its headers, the path a DESCRIBE found, its SDP.
fn rtsp_response(
    reply: &Reply,
    request: Option<&Request>,
    path: &str,
    server: IpAddr,
    port: u16,
    ts: i64,
    sink: &mut Sink,
) {
    with_host(server, Some(port), ts, sink, |obs| {
        rtsp::record(obs, port, reply);
        true
    });
    if request.is_some_and(|r| r.method == "DESCRIBE")
        && (200..300).contains(&reply.status)
        && !path.is_empty()
    {
        sink.evidence
            .push(server, Some(port), "rtsp.path", path, ts);
    }
    if reply
        .header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().contains("sdp"))
    {
        sdp(&reply.body, server, port, ts, sink);
    }
}

/// The body, gunzipped when the reply says it is (bounded); borrowed
/// otherwise.
fn decoded_body<'a>(reply: &Reply, raw: &'a [u8], sink: &mut Sink) -> Cow<'a, [u8]> {
    let gzip = reply
        .header("content-encoding")
        .is_some_and(|e| e.to_ascii_lowercase().contains("gzip"));
    if !gzip || raw.is_empty() {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::new();
    let mut d = MultiGzDecoder::new(raw).take(MAX_BODY as u64);
    if d.read_to_end(&mut out).is_err() && out.is_empty() {
        sink.summary.malformed("http gzip body");
        return Cow::Borrowed(&[]);
    }
    Cow::Owned(out)
}

/// SDP session name (`s=`) and the server's own attributes (`a=`).
fn sdp(body: &[u8], server: IpAddr, port: u16, ts: i64, sink: &mut Sink) {
    let text = String::from_utf8_lossy(body);
    let mut kept = 0;
    for line in text.lines().map(str::trim) {
        if let Some(s) = line.strip_prefix("s=") {
            sink.evidence
                .push(server, Some(port), "rtsp.sdp.session_name", s, ts);
        } else if let Some(a) = line.strip_prefix("a=") {
            let name = a.split(':').next().unwrap_or_default();
            if SDP_NOISE.contains(&name.to_ascii_lowercase().as_str()) || kept >= MAX_SDP_ATTRIBUTES
            {
                continue;
            }
            kept += 1;
            sink.evidence
                .push(server, Some(port), "rtsp.sdp.attribute", a, ts);
        }
    }
}
