//! RTSP: OPTIONS and DESCRIBE on one connection, without credentials. The
//! `Server` header and the `WWW-Authenticate` realm of the 401 name many
//! makers ("Dahua Rtsp Server", realm "Login to <serial>").

use std::net::SocketAddr;

use camaudit_model::Source;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::ProbeError;
use crate::audit::Audit;
use crate::conn::Ctx;
use crate::obs::HostObs;
use crate::wire::{BodyMode, Limits, Reply, read_reply};

const SKIPPED: &[&str] = &[
    "cseq",
    "date",
    "content-length",
    "session",
    "expires",
    "last-modified",
];

/// Builds an OPTIONS or DESCRIBE request (the only two methods sent).
pub fn build_request(method: &str, url: &str, cseq: u32) -> Vec<u8> {
    let extra = if method == "DESCRIBE" {
        "Accept: application/sdp\r\n"
    } else {
        ""
    };
    format!(
        "{method} {url} RTSP/1.0\r\nCSeq: {cseq}\r\nUser-Agent: camaudit/{}\r\n{extra}\r\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

fn url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("rtsp://{}:{}/", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("rtsp://[{}]:{}/", a.ip(), a.port()),
    }
}

/// Records a reply's headers.
pub fn record(obs: &mut HostObs, port: u16, reply: &Reply) {
    for (name, value) in &reply.headers {
        let lname = name.to_ascii_lowercase();
        if SKIPPED.contains(&lname.as_str()) {
            continue;
        }
        obs.push_key(Some(port), Source::Rtsp, "rtsp.header", &lname, value);
    }
}

/// OPTIONS then DESCRIBE over one stream, each recorded in `audit`.
pub async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    addr: SocketAddr,
    limits: &Limits,
    audit: &Audit,
) -> Result<Vec<Reply>, ProbeError> {
    let u = url(addr);
    let mut replies = Vec::new();
    for (i, method) in ["OPTIONS", "DESCRIBE"].into_iter().enumerate() {
        let req = build_request(method, &u, i as u32 + 1);
        let reply = async {
            s.write_all(&req).await?;
            s.flush().await?;
            read_reply(s, limits, BodyMode::LengthOnly).await
        }
        .await;
        audit.record(
            addr,
            "rtsp",
            || format!("rtsp {method} {u}"),
            req.len(),
            crate::http::outcome(&reply),
        );
        match reply {
            Ok(r) if r.version.starts_with("RTSP/") => replies.push(r),
            Ok(_) => return Err(ProbeError::Malformed("not an RTSP reply".into())),
            Err(e) if replies.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    Ok(replies)
}

/// Probes an RTSP port. Returns whether it spoke RTSP.
pub async fn probe(ctx: &Ctx, addr: SocketAddr, obs: &mut HostObs) -> bool {
    let result = tokio::time::timeout(ctx.io_timeout, async {
        let mut s = ctx.tcp(addr).await?;
        let r = converse(&mut s, addr, &ctx.limits, &ctx.audit).await;
        let _ = s.shutdown().await;
        r
    })
    .await;
    match result {
        Ok(Ok(replies)) => {
            for r in &replies {
                record(obs, addr.port(), r);
            }
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dahua_style_replies() {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let addr: SocketAddr = "127.0.0.9:554".parse().unwrap();
        let srv = tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut buf = vec![0u8; 4096];
            let mut seen = String::new();
            for reply in [
                "RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Dahua Rtsp Server\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY\r\n\r\n",
                "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"Login to 4M0123PAZ12345\", nonce=\"abc\"\r\n\r\n",
            ] {
                let n = server.read(&mut buf).await.unwrap();
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
                server.write_all(reply.as_bytes()).await.unwrap();
            }
            seen
        });
        let replies = converse(&mut client, addr, &Limits::default(), &Audit::default())
            .await
            .unwrap();
        let sent = srv.await.unwrap();
        assert!(sent.starts_with("OPTIONS rtsp://127.0.0.9:554/ RTSP/1.0\r\nCSeq: 1\r\n"));
        assert!(sent.contains("DESCRIBE rtsp://127.0.0.9:554/ RTSP/1.0\r\nCSeq: 2\r\n"));
        assert!(!sent.contains("Authorization"));
        let mut obs = HostObs::new(addr.ip());
        for r in &replies {
            record(&mut obs, 554, r);
        }
        let v = obs.into_vec();
        let get = |f: &str| {
            v.iter()
                .find(|o| o.field.as_str() == f)
                .map(|o| o.value.clone())
        };
        assert_eq!(
            get("rtsp.header.server").as_deref(),
            Some("Dahua Rtsp Server")
        );
        assert!(
            get("rtsp.header.www-authenticate")
                .unwrap()
                .contains("Login to 4M0123PAZ12345")
        );
        assert!(get("rtsp.header.cseq").is_none());
        assert!(
            v.iter()
                .all(|o| o.source == Source::Rtsp && o.port == Some(554))
        );
    }

    #[tokio::test]
    async fn http_on_an_rtsp_port_is_not_rtsp() {
        let (mut client, mut server) = tokio::io::duplex(4096);
        tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut buf = vec![0u8; 1024];
            let _ = server.read(&mut buf).await;
            let _ = server.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        });
        let addr: SocketAddr = "127.0.0.9:554".parse().unwrap();
        assert!(
            converse(&mut client, addr, &Limits::default(), &Audit::default())
                .await
                .is_err()
        );
    }
}
