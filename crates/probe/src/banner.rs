//! Banners: the first bytes a port sends, unasked (telnet, FTP) or in
//! answer to one fixed, credential-free hello (the vendor SDK ports).
//!
//! The vendor SDK ports are recorded as lowercase hex of their first bytes;
//! telnet and FTP banners as text (telnet option negotiation removed). The
//! hellos are the smallest messages each protocol answers:
//!
//! * Hikvision SDK (8000): the bare 32-byte iVMS header `00 00 00 20 63 00…`
//!   with no user or password in it; a Hikvision device answers a 16-byte
//!   header (as used by the NESCA scanner's `checkHikk`).
//! * Dahua (37777): the DHIP `DHDiscover.search` discovery message (the
//!   same one UDP 37810 gets); never a DVRIP login.
//! * Xiongmai (34567): a NetSurveillance `SystemInfo` query (message 1020)
//!   with the empty session, which needs no login; never a login (1000).

use std::net::SocketAddr;
use std::time::Duration;

use camaudit_model::Source;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::conn::Ctx;
use crate::hash::hex;
use crate::obs::HostObs;

/// Most banner bytes kept.
pub const MAX_BANNER: usize = 512;

/// Which banner a port gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    HikSdk,
    Dvrip,
    Xmnet,
    Telnet,
    Ftp,
}

impl Kind {
    pub fn for_port(port: u16) -> Option<Kind> {
        match port {
            8000 => Some(Kind::HikSdk),
            37777 => Some(Kind::Dvrip),
            34567 => Some(Kind::Xmnet),
            23 | 2323 => Some(Kind::Telnet),
            21 => Some(Kind::Ftp),
            _ => None,
        }
    }

    /// The hello sent on connect, if any.
    pub fn hello(self) -> Option<Vec<u8>> {
        match self {
            Kind::HikSdk => {
                let mut h = vec![0u8; 32];
                h[3] = 0x20;
                h[4] = 0x63;
                Some(h)
            }
            Kind::Dvrip => Some(crate::dhip::probe_message()),
            Kind::Xmnet => Some(xmnet_message(
                1020,
                br#"{ "Name" : "SystemInfo", "SessionID" : "0x00000000" }"#,
            )),
            Kind::Telnet | Kind::Ftp => None,
        }
    }

    /// The audit log's protocol and request kind.
    pub fn audit_name(self) -> (&'static str, &'static str) {
        match self {
            Kind::HikSdk => ("hiksdk", "hiksdk 32-byte header (no login)"),
            Kind::Dvrip => ("dhip", "dhip DHDiscover.search"),
            Kind::Xmnet => ("xmnet", "xmnet SystemInfo (empty session)"),
            Kind::Telnet => ("telnet", "telnet banner read"),
            Kind::Ftp => ("ftp", "ftp banner read"),
        }
    }

    fn field(self) -> (Source, &'static str) {
        match self {
            Kind::HikSdk => (Source::Hiksdk, "hiksdk.banner"),
            Kind::Dvrip => (Source::Dvrip, "dvrip.banner"),
            Kind::Xmnet => (Source::Xmnet, "xmnet.banner"),
            Kind::Telnet => (Source::Telnet, "telnet.banner"),
            Kind::Ftp => (Source::Ftp, "ftp.banner"),
        }
    }
}

/// Frames a NetSurveillance message: head 0xFF, version 1, two reserved
/// bytes, session id and sequence (u32 LE, zero), total and current packet
/// (zero), message id (u16 LE), body length (u32 LE), then the body ending
/// in LF NUL.
pub fn xmnet_message(msg_id: u16, json: &[u8]) -> Vec<u8> {
    let mut body = json.to_vec();
    body.extend_from_slice(b"\n\0");
    let mut m = vec![0xff, 0x01, 0, 0];
    m.extend_from_slice(&0u32.to_le_bytes());
    m.extend_from_slice(&0u32.to_le_bytes());
    m.extend_from_slice(&[0, 0]);
    m.extend_from_slice(&msg_id.to_le_bytes());
    m.extend_from_slice(&(body.len() as u32).to_le_bytes());
    m.extend_from_slice(&body);
    m
}

/// Removes telnet IAC sequences (option negotiation) from a banner.
pub fn strip_telnet(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == 0xff {
            match raw.get(i + 1) {
                Some(0xff) => {
                    out.push(0xff);
                    i += 2;
                }
                // subnegotiation: skip to IAC SE
                Some(0xfa) => {
                    let end = raw[i + 2..]
                        .windows(2)
                        .position(|w| w == [0xff, 0xf0])
                        .map_or(raw.len(), |p| i + 2 + p + 2);
                    i = end;
                }
                Some(0xfb..=0xfe) => i += 3,
                _ => i += 2,
            }
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

/// Turns raw banner bytes into the observation value.
pub fn value(kind: Kind, raw: &[u8]) -> String {
    let raw = &raw[..raw.len().min(MAX_BANNER)];
    match kind {
        Kind::HikSdk | Kind::Dvrip | Kind::Xmnet => hex(raw),
        Kind::Telnet => String::from_utf8_lossy(&strip_telnet(raw))
            .trim()
            .to_owned(),
        Kind::Ftp => String::from_utf8_lossy(raw).trim().to_owned(),
    }
}

/// Reads what the port sends unasked: until [`MAX_BANNER`] bytes, the peer
/// closes, the banner timeout, or a pause after the first bytes.
pub async fn grab(ctx: &Ctx, addr: SocketAddr, hello: Option<&[u8]>) -> Option<Vec<u8>> {
    let mut s = ctx.tcp(addr).await.ok()?;
    if let Some(h) = hello {
        tokio::time::timeout(ctx.banner_timeout, s.write_all(h))
            .await
            .ok()?
            .ok()?;
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    let deadline = tokio::time::Instant::now() + ctx.banner_timeout;
    while buf.len() < MAX_BANNER {
        let wait = if buf.is_empty() {
            deadline.saturating_duration_since(tokio::time::Instant::now())
        } else {
            Duration::from_millis(300)
                .min(deadline.saturating_duration_since(tokio::time::Instant::now()))
        };
        match tokio::time::timeout(wait, s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    (!buf.is_empty()).then_some(buf)
}

/// Probes a banner port. Returns whether it said anything.
pub async fn probe(ctx: &Ctx, addr: SocketAddr, kind: Kind, obs: &mut HostObs) -> bool {
    let hello = kind.hello();
    let raw = grab(ctx, addr, hello.as_deref()).await;
    let (protocol, request) = kind.audit_name();
    ctx.audit.record(
        addr,
        protocol,
        || request.to_owned(),
        hello.as_ref().map_or(0, Vec::len),
        match &raw {
            Some(b) => format!("{} bytes back", b.len()),
            None => "no reply".to_owned(),
        },
    );
    let Some(raw) = raw else {
        return false;
    };
    let (source, field) = kind.field();
    obs.push(Some(addr.port()), source, field, &value(kind, &raw));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hellos_carry_no_credentials() {
        let hik = Kind::HikSdk.hello().unwrap();
        assert_eq!(&hik[..5], &[0, 0, 0, 0x20, 0x63]);
        assert!(hik[5..].iter().all(|&b| b == 0));
        let dh = String::from_utf8_lossy(&Kind::Dvrip.hello().unwrap()).into_owned();
        assert!(dh.contains("DHDiscover.search"));
        let xm = Kind::Xmnet.hello().unwrap();
        assert_eq!(&xm[..4], &[0xff, 1, 0, 0]);
        assert_eq!(u16::from_le_bytes([xm[14], xm[15]]), 1020);
        assert_eq!(
            u32::from_le_bytes([xm[16], xm[17], xm[18], xm[19]]) as usize,
            xm.len() - 20
        );
        for k in [Kind::HikSdk, Kind::Dvrip, Kind::Xmnet] {
            let h = String::from_utf8_lossy(&k.hello().unwrap()).to_ascii_lowercase();
            assert!(!h.contains("admin") && !h.contains("password") && !h.contains("login"));
        }
        assert!(Kind::Telnet.hello().is_none());
    }

    #[test]
    fn values() {
        assert_eq!(value(Kind::Dvrip, &[0xb0, 0x00, 0x00, 0x68]), "b0000068");
        let telnet = b"\xff\xfd\x18\xff\xfd\x20\xff\xfa\x18\x01\xff\xf0192.0.0.64 login: ";
        assert_eq!(value(Kind::Telnet, telnet), "192.0.0.64 login:");
        assert_eq!(
            value(Kind::Ftp, b"220 DVR FTP server ready\r\n"),
            "220 DVR FTP server ready"
        );
        assert_eq!(value(Kind::HikSdk, &[0u8; 2000]).len(), MAX_BANNER * 2);
        // truncated IAC sequences do not panic
        assert_eq!(strip_telnet(b"\xff"), b"");
        assert_eq!(strip_telnet(b"a\xff\xfa\x18"), b"a");
        assert_eq!(strip_telnet(b"a\xff\xfb"), b"a");
    }
}
