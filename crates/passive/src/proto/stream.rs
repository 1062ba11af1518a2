//! Reading reassembled TCP streams: HTTP and RTSP messages both ways
//! (requests paired with their replies), TLS ClientHello and the server
//! certificate, the first bytes of the makers' binary services, and the
//! frames of the Topsee / Anjoy Vision NetSDK control service.

use std::collections::VecDeque;
use std::net::IpAddr;

use camaudit_probe::banner::{self, Kind};
use camaudit_probe::obs::HostObs;
use camaudit_probe::topsee::{self, Frame};
use camaudit_probe::wire::Reply;

use crate::proto::message::{Framed, Message, StartLine, frame};
use crate::proto::{dns, tls, web};
use crate::sink::Sink;
use crate::streams::{Half, StreamKey};

/// What a stream carries, decided from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// HTTP or RTSP (told apart per message by the version).
    Web,
    Tls,
    /// A maker's binary service port (Hikvision 8000, Dahua 37777,
    /// Xiongmai 34567): the first bytes the server sends.
    Banner,
    /// DNS over TCP (port 53): length-prefixed messages both ways.
    Dns,
    /// The Topsee NetSDK control service (TCP 8091): framed XML both ways.
    TopseeSdk,
}

/// Requests waiting for their reply, per stream.
const MAX_WAITING: usize = 16;
/// Bytes of garbage tolerated in one direction before it is given up.
const MAX_GARBAGE: usize = 64 * 1024;

/// A request as its reply needs it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
}

#[derive(Debug)]
pub struct Parser {
    app: App,
    waiting: VecDeque<Request>,
    garbage: [usize; 2],
    tls: tls::TlsState,
    finished: bool,
}

pub fn banner_port(port: u16) -> Option<Kind> {
    match Kind::for_port(port) {
        Some(k @ (Kind::HikSdk | Kind::Dvrip | Kind::Xmnet)) => Some(k),
        _ => None,
    }
}

impl Parser {
    pub fn new(app: App) -> Self {
        Parser {
            app,
            waiting: VecDeque::new(),
            garbage: [0; 2],
            tls: tls::TlsState::default(),
            finished: false,
        }
    }

    /// Whether `buf` begins where a message of this stream's protocol
    /// begins (so parsing can start), rather than in the middle of one.
    pub fn anchors(&self, buf: &[u8]) -> bool {
        match self.app {
            App::Web => crate::proto::message::plausible_prefix(buf) || buf.first() == Some(&b'$'),
            App::Tls => buf.first() == Some(&0x16),
            App::Banner => true,
            App::Dns => dns::plausible_tcp_start(buf),
            App::TopseeSdk => buf.starts_with(&topsee::FRAME_MAGIC),
        }
    }

    /// Nothing more will be read from this stream.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// New bytes arrived in `half`.
    pub fn run(
        &mut self,
        key: &StreamKey,
        halves: &mut [Half; 2],
        half: usize,
        ts: i64,
        sink: &mut Sink,
    ) {
        match self.app {
            App::Web => self.web(key, &mut halves[half], half, ts, sink),
            App::Tls => {
                let from = key.endpoint(half);
                let to = key.endpoint(1 - half);
                let h = &mut halves[half];
                if self.tls.read(half, &mut h.buf, from, to, ts, sink) {
                    self.finished = true;
                }
                if self.tls.is_done(half) {
                    h.done = true;
                }
            }
            App::Banner => self.banner(key, halves, half, ts, sink),
            App::TopseeSdk => topsee_frames(key, &mut halves[half], half, ts, sink),
            App::Dns => {
                let (from, _) = key.endpoint(half);
                let h = &mut halves[half];
                if dns::tcp_stream(&mut h.buf, h.closed || h.done, from, ts, sink)
                    == dns::TcpRead::NotDns
                {
                    h.done = true;
                }
            }
        }
    }

    /// The stream ends (closed, evicted, or the capture is over): what is
    /// buffered is read as final.
    pub fn close(&mut self, key: &StreamKey, halves: &mut [Half; 2], ts: i64, sink: &mut Sink) {
        for half in 0..2 {
            halves[half].closed = true;
            if !halves[half].buf.is_empty() && !self.finished {
                self.run(key, halves, half, ts, sink);
            }
        }
    }

    fn web(&mut self, key: &StreamKey, h: &mut Half, half: usize, ts: i64, sink: &mut Sink) {
        loop {
            if h.skip > 0 {
                let n = (h.skip as usize).min(h.buf.len());
                h.buf.drain(..n);
                h.skip -= n as u64;
                if h.skip > 0 {
                    return;
                }
            }
            if h.buf.is_empty() {
                return;
            }
            // RTSP interleaved binary data: `$`, channel, 16-bit length.
            if h.buf[0] == b'$' {
                if h.buf.len() < 4 {
                    return;
                }
                h.skip = 4 + u64::from(u16::from_be_bytes([h.buf[2], h.buf[3]]));
                continue;
            }
            match frame(&h.buf, h.closed || h.done) {
                Framed::Incomplete => return,
                Framed::Garbage { resync } => {
                    if self.garbage[half] == 0 {
                        sink.summary.malformed("http/rtsp stream");
                    }
                    let dropped = resync.min(h.buf.len());
                    self.garbage[half] += dropped.max(1);
                    h.buf.drain(..dropped);
                    if self.garbage[half] > MAX_GARBAGE {
                        h.buf.clear();
                        h.done = true;
                        return;
                    }
                }
                Framed::Message {
                    message,
                    consumed,
                    skip,
                } => {
                    h.buf.drain(..consumed.min(h.buf.len()));
                    h.skip = skip;
                    self.message(key, half, message, ts, sink);
                }
            }
        }
    }

    fn message(&mut self, key: &StreamKey, half: usize, m: Message, ts: i64, sink: &mut Sink) {
        let (from, _) = key.endpoint(half);
        let (to, to_port) = key.endpoint(1 - half);
        match m.start {
            StartLine::Request {
                ref method,
                ref target,
                ..
            } => {
                if self.waiting.len() < MAX_WAITING {
                    self.waiting.push_back(Request {
                        method: method.clone(),
                        path: path_of(target),
                    });
                }
                web::request(&m, from, to, to_port, ts, sink);
            }
            StartLine::Response {
                version,
                status,
                reason,
            } => {
                let request = self.waiting.pop_front();
                let (server, port) = key.endpoint(half);
                // The message's parts move into the reply: a body is
                // never copied on its way to the recorders.
                let reply = Reply {
                    version,
                    status,
                    reason,
                    headers: m.headers,
                    body: m.body,
                    truncated: m.truncated,
                };
                web::response(reply, request.as_ref(), server, port, ts, sink);
            }
        }
    }

    fn banner(
        &mut self,
        key: &StreamKey,
        halves: &mut [Half; 2],
        half: usize,
        ts: i64,
        sink: &mut Sink,
    ) {
        let (addr, port) = key.endpoint(half);
        let h = &mut halves[half];
        let Some(kind) = banner_port(port) else {
            // the client side: not evidence, and no longer needed
            h.buf.clear();
            h.done = true;
            return;
        };
        if h.buf.len() < 16 && !h.closed {
            return;
        }
        let field = match kind {
            Kind::HikSdk => "hiksdk.banner",
            Kind::Dvrip => "dvrip.banner",
            _ => "xmnet.banner",
        };
        let value = banner::value(kind, &h.buf);
        sink.evidence.push(addr, Some(port), field, &value, ts);
        self.finished = true;
    }
}

/// Reads the NetSDK frames of one direction. The device is the side on the
/// service port (8091), else the side on the lower port: what a frame says
/// (its message root, a login sent with its password in clear text) is
/// evidence about the server, whoever sent it. A password is never kept.
fn topsee_frames(key: &StreamKey, h: &mut Half, half: usize, ts: i64, sink: &mut Sink) {
    let (a, b) = (key.endpoint(half), key.endpoint(1 - half));
    let server = if b.1 == topsee::SDK_PORT || (a.1 != topsee::SDK_PORT && b.1 < a.1) {
        b
    } else {
        a
    };
    loop {
        match topsee::frame(&h.buf) {
            Frame::Incomplete if !h.closed => return,
            Frame::Incomplete | Frame::NotAFrame => {
                // A frame's magic with a hostile length or broken XML is
                // malformed; other bytes (a file transfer's raw data
                // follows its frame) just end the reading.
                if h.buf.starts_with(&topsee::FRAME_MAGIC) {
                    sink.summary.malformed("topsee frame");
                }
                h.buf.clear();
                h.done = true;
                return;
            }
            Frame::Message {
                root,
                cleartext_login,
                consumed,
                ..
            } => {
                h.buf.drain(..consumed.min(h.buf.len()));
                let (addr, port) = server;
                sink.evidence
                    .push(addr, Some(port), "topsee.sdk.root", &root, ts);
                if let Some(user) = cleartext_login {
                    sink.evidence
                        .push(addr, Some(port), "topsee.cleartext-password", &user, ts);
                }
            }
        }
    }
}

/// The path of a request target: `rtsp://host:554/a/b?x` → `/a/b?x`.
pub fn path_of(target: &str) -> String {
    let rest = target
        .strip_prefix("rtsp://")
        .or_else(|| target.strip_prefix("http://"))
        .or_else(|| target.strip_prefix("https://"));
    match rest {
        Some(r) => match r.find('/') {
            Some(i) => r[i..].to_owned(),
            None => "/".to_owned(),
        },
        None => target.to_owned(),
    }
}

/// Runs one of the scanner's reply parsers and files its observations.
pub fn with_host(
    addr: IpAddr,
    port: Option<u16>,
    ts: i64,
    sink: &mut Sink,
    f: impl FnOnce(&mut HostObs) -> bool,
) -> bool {
    let mut obs = HostObs::new(addr);
    let ok = f(&mut obs);
    sink.evidence.take(obs, port, ts);
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            path_of("rtsp://172.168.1.17:554/unicast/c296/s0/live/forward"),
            "/unicast/c296/s0/live/forward"
        );
        assert_eq!(path_of("rtsp://10.0.0.1:554"), "/");
        assert_eq!(
            path_of("/ISAPI/System/deviceInfo"),
            "/ISAPI/System/deviceInfo"
        );
    }
}
