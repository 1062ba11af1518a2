//! Banners: what a port says before it is asked anything. Nothing is sent.
//!
//! The vendor SDK ports (Hikvision 8000, Dahua DVRIP 37777, Xiongmai 34567)
//! are recorded as lowercase hex of their first bytes; telnet and FTP
//! banners as text (telnet option negotiation removed).

use std::net::SocketAddr;
use std::time::Duration;

use camaudit_model::Source;
use tokio::io::AsyncReadExt;

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
pub async fn grab(ctx: &Ctx, addr: SocketAddr) -> Option<Vec<u8>> {
    let mut s = ctx.tcp(addr).await.ok()?;
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
    let Some(raw) = grab(ctx, addr).await else {
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
