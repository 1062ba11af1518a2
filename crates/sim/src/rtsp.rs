//! RTSP 1.0 on port 554: OPTIONS, DESCRIBE (401 with the vendor's realm,
//! then SDP once authenticated), SETUP/PLAY refused, each firmware with its
//! own `Server`, `Public` list and challenge as recorded in nmap's
//! signatures, Recog and published captures (see `docs/sim.md`).

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::auth;
use crate::catalog::{Family, WebFlavor};
use crate::context::Context;
use crate::date::http_date;
use crate::estate::Device;
use crate::faults::{self, Fault};
use crate::message::{self, Read, Request};

const MAX_REQUESTS: usize = 32;

pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Context,
    dev: &Device,
    mut stream: S,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    for _ in 0..MAX_REQUESTS {
        let req = match message::read_request(&mut stream, &mut buf).await {
            Read::Request(r) => r,
            Read::Closed => return Ok(()),
            Read::Bad => return Ok(()),
        };
        if dev.fault == Some(Fault::EndlessHeaders) {
            stream.write_all(b"RTSP/1.0 200 OK\r\n").await?;
            let mut i: u64 = 0;
            loop {
                stream
                    .write_all(format!("X-Padding-{i}: {}\r\n", "b".repeat(64)).as_bytes())
                    .await?;
                i += 1;
            }
        }
        let (bytes, keep) = answer(ctx, dev, &req);
        faults::deliver(&mut stream, dev.fault, &bytes).await?;
        if !keep {
            break;
        }
    }
    let _ = stream.shutdown().await;
    Ok(())
}

fn cseq(req: &Request) -> Option<&str> {
    req.header("CSeq")
}

fn out(status: &str, headers: &[(&str, String)], body: &str) -> Vec<u8> {
    message::response("RTSP/1.0", status, headers, body.as_bytes())
}

/// Appends `CSeq` (when the request had one) at `pos` in the header list.
fn with_cseq<'a>(
    req: &Request,
    mut h: Vec<(&'a str, String)>,
    pos: usize,
) -> Vec<(&'a str, String)> {
    if let Some(c) = cseq(req) {
        h.insert(pos.min(h.len()), ("CSeq", c.to_owned()));
    }
    h
}

fn realm(dev: &Device) -> String {
    match dev.family() {
        Family::Hikvision => match dev.profile.flavor {
            WebFlavor::HikLegacy | WebFlavor::HikNvr => "Hikvision".to_owned(),
            _ => {
                let s = &dev.serial;
                format!("IP Camera({})", &s[s.len().saturating_sub(5)..])
            }
        },
        Family::Dahua => format!("Login to {}", dev.serial),
        Family::Axis => format!("AXIS_{}", dev.serial),
        Family::Hanwha => "iPOLiS".to_owned(),
        Family::Bosch => {
            "Use 'live' as User Name in order to log in to the respective level".to_owned()
        }
        Family::Uniview => "IPC".to_owned(),
        Family::Xiongmai => "H264DVR".to_owned(),
        _ => "IPCAM".to_owned(),
    }
}

/// Old Dahua firmware answers every unauthenticated request with Basic.
fn dahua_basic(dev: &Device) -> bool {
    dev.family() == Family::Dahua
        && dev.profile.label != Some("lorex")
        && !dev.firmware.cves.is_empty()
}

fn authed(ctx: &Context, dev: &Device, req: &Request) -> bool {
    auth::check(
        req.header("Authorization"),
        &req.method,
        &realm(dev),
        &ctx.username,
        &ctx.password,
        dahua_basic(dev) || dev.family() == Family::Hikvision,
    )
}

fn unauthorized(dev: &Device, req: &Request) -> Vec<u8> {
    let nonce = auth::nonce_hex(dev.seed, 32);
    match dev.family() {
        Family::Hikvision => {
            let h = vec![
                (
                    "WWW-Authenticate",
                    format!(
                        "Digest realm=\"{}\", nonce=\"{nonce}\", stale=\"FALSE\"",
                        realm(dev)
                    ),
                ),
                ("WWW-Authenticate", "Basic realm=\"/\"".to_owned()),
            ];
            let mut h = with_cseq(req, h, 0);
            if cseq(req).is_some() && dev.profile.flavor != WebFlavor::HikLegacy {
                h.push(("Date", http_date()));
            }
            out("401 Unauthorized", &h, "")
        }
        Family::Dahua if dahua_basic(dev) => {
            let h = vec![
                ("WWW-Authenticate", "Basic realm=\"device\"".to_owned()),
                ("Server", "Dahua Rtsp Server".to_owned()),
                ("Content-Length", "0".to_owned()),
            ];
            out("401 Unauthorized", &with_cseq(req, h, 3), "")
        }
        Family::Dahua => {
            let h = vec![(
                "WWW-Authenticate",
                format!("Digest realm=\"{}\", nonce=\"{nonce}\"", realm(dev)),
            )];
            out("401 Unauthorized", &with_cseq(req, h, 0), "")
        }
        Family::Hanwha => {
            let d = http_date();
            let h = vec![
                ("Date", d.clone()),
                ("Expires", d),
                ("Cache-Control", "must-revalidate".to_owned()),
                (
                    "WWW-Authenticate",
                    format!(
                        "Digest realm=\"iPOLiS\", nonce=\"{}\"",
                        nonce.to_uppercase()
                    ),
                ),
            ];
            out("401 Unauthorized", &with_cseq(req, h, 0), "")
        }
        Family::Axis => {
            let h = vec![
                ("Content-Type", "text/plain".to_owned()),
                ("Content-Length", "0".to_owned()),
                (
                    "WWW-Authenticate",
                    format!(
                        "Digest realm=\"{}\", nonce=\"{nonce}\", stale=FALSE",
                        realm(dev)
                    ),
                ),
                (
                    "WWW-Authenticate",
                    format!("Basic realm=\"{}\"", realm(dev)),
                ),
                ("Date", http_date()),
            ];
            out("401 Unauthorized", &with_cseq(req, h, 0), "")
        }
        _ => {
            let h = vec![(
                "WWW-Authenticate",
                format!("Digest realm=\"{}\", nonce=\"{nonce}\"", realm(dev)),
            )];
            out("401 Unauthorized", &with_cseq(req, h, 0), "")
        }
    }
}

fn server_name(dev: &Device) -> Option<&'static str> {
    match dev.family() {
        Family::Dahua if dahua_basic(dev) => Some("Dahua Rtsp Server"),
        Family::Dahua => Some("Rtsp Server/3.0"),
        Family::Xiongmai => Some("H264DVR 1.0"),
        Family::Axis => Some("GStreamer RTSP server"),
        Family::GenericOnvif => Some("Rtsp Server/2.0"),
        _ => None,
    }
}

fn options(ctx: &Context, dev: &Device, req: &Request) -> Vec<u8> {
    let challenged = !authed(ctx, dev, req);
    match dev.family() {
        // Legacy Hikvision DVR/NVR firmware, and Lorex, challenge even OPTIONS.
        Family::Hikvision
            if challenged
                && matches!(dev.profile.flavor, WebFlavor::HikLegacy | WebFlavor::HikNvr) =>
        {
            unauthorized(dev, req)
        }
        Family::Dahua if challenged && (dahua_basic(dev) || dev.profile.label == Some("lorex")) => {
            unauthorized(dev, req)
        }
        Family::Hikvision => {
            let h = vec![
                (
                    "Public",
                    "OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER"
                        .to_owned(),
                ),
                ("Date", http_date()),
            ];
            out("200 OK", &with_cseq(req, h, 0), "")
        }
        Family::Xiongmai => {
            let h = vec![
                ("Server", "H264DVR 1.0".to_owned()),
                (
                    "Public",
                    "OPTIONS, DESCRIBE, SETUP, TEARDOWN, GET_PARAMETER, SET_PARAMETER, PLAY, PAUSE"
                        .to_owned(),
                ),
            ];
            out("200 OK", &with_cseq(req, h, 2), "")
        }
        _ => {
            let mut h = vec![];
            if let Some(s) = server_name(dev) {
                h.push(("Server", s.to_owned()));
            }
            h.push((
                "Public",
                "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER".to_owned(),
            ));
            h.push(("Date", http_date()));
            out("200 OK", &with_cseq(req, h, 0), "")
        }
    }
}

fn sdp(dev: &Device) -> String {
    let session = match dev.family() {
        Family::Hikvision => "Media Presentation",
        Family::Dahua => "Media Server",
        Family::Axis => "Session streamed with GStreamer",
        _ => "Media Presentation",
    };
    format!(
        "v=0\r\no=- {id} 1 IN IP4 {addr}\r\ns={session}\r\ne=NONE\r\nb=AS:5050\r\nt=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\nb=AS:5000\r\na=recvonly\r\na=x-dimensions:1920,1080\r\na=control:trackID=1\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=420029; packetization-mode=1; sprop-parameter-sets=Z00AKZpkA8ARPyzUBAQFAAADA+gAAOpgBA==,aO48gA==\r\n",
        id = dev.seed % 1_000_000_000,
        addr = dev.addr,
    )
}

/// The answer to one request, and whether to keep the connection.
pub fn answer(ctx: &Context, dev: &Device, req: &Request) -> (Vec<u8>, bool) {
    if !req.version.starts_with("RTSP/") {
        // An HTTP request on the RTSP port.
        let bytes = match dev.family() {
            Family::Dahua => out(
                "405 Method Not Allowed",
                &[
                    ("Server", "Dahua Rtsp Server".to_owned()),
                    ("Content-Length", "0".to_owned()),
                    ("CSeq", "0".to_owned()),
                ],
                "",
            ),
            _ => out(
                "400 Bad Request",
                &[("CSeq", "0".to_owned()), ("Date", http_date())],
                "",
            ),
        };
        return (bytes, false);
    }
    let bytes = match req.method.as_str() {
        "OPTIONS" => options(ctx, dev, req),
        "DESCRIBE" => {
            if authed(ctx, dev, req) {
                let body = sdp(dev);
                let mut h = vec![("Content-Type", "application/sdp".to_owned())];
                if let Some(s) = server_name(dev) {
                    h.push(("Server", s.to_owned()));
                }
                h.push((
                    "Content-Base",
                    format!(
                        "rtsp://{}:{}{}/",
                        dev.addr,
                        554 + ctx.port_offset,
                        req.path.trim_end_matches('/')
                    ),
                ));
                h.push(("Content-Length", body.len().to_string()));
                out("200 OK", &with_cseq(req, h, 0), &body)
            } else {
                unauthorized(dev, req)
            }
        }
        "SETUP" | "PLAY" | "PAUSE" | "TEARDOWN" | "GET_PARAMETER" | "SET_PARAMETER" => {
            if authed(ctx, dev, req) {
                // No media is served: the session is refused politely.
                out(
                    "454 Session Not Found",
                    &with_cseq(req, vec![("Date", http_date())], 0),
                    "",
                )
            } else {
                unauthorized(dev, req)
            }
        }
        _ => out(
            "405 Method Not Allowed",
            &with_cseq(
                req,
                vec![(
                    "Allow",
                    "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN".to_owned(),
                )],
                0,
            ),
            "",
        ),
    };
    (bytes, true)
}
