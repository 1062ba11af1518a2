//! Hostile and broken behaviour (`--faults RATE`): the share of devices that
//! misbehave, and how each kind misbehaves. Every client in the project is
//! tested against these.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// One kind of misbehaviour, named in the truth file's `fault` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Accepts connections and never answers.
    Tarpit,
    /// Answers correctly, one byte a second.
    SlowDrip,
    /// An HTTP/RTSP status line followed by headers that never end.
    EndlessHeaders,
    /// `Content-Length` of several gigabytes, and a body that keeps coming.
    HugeBody,
    /// XML answers (ISAPI, ONVIF, SADP, WS-Discovery) cut off mid-element.
    MalformedXml,
    /// XML answers carrying an entity-expansion bomb ("billion laughs").
    XmlBomb,
    /// Half the answer, then a TCP reset.
    RstMidResponse,
    /// Another protocol on the well-known port (SSH on 80, HTTP on 554 …).
    WrongProtocol,
}

impl Fault {
    pub const ALL: [Fault; 8] = [
        Fault::Tarpit,
        Fault::SlowDrip,
        Fault::EndlessHeaders,
        Fault::HugeBody,
        Fault::MalformedXml,
        Fault::XmlBomb,
        Fault::RstMidResponse,
        Fault::WrongProtocol,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::Tarpit => "tarpit",
            Fault::SlowDrip => "slow-drip",
            Fault::EndlessHeaders => "endless-headers",
            Fault::HugeBody => "huge-body",
            Fault::MalformedXml => "malformed-xml",
            Fault::XmlBomb => "xml-bomb",
            Fault::RstMidResponse => "rst-mid-response",
            Fault::WrongProtocol => "wrong-protocol",
        }
    }

    pub fn parse(s: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// The declared size of a [`Fault::HugeBody`] answer: 5 GiB.
pub const HUGE_BODY_LEN: u64 = 5 << 30;

/// How long a tarpit holds a connection before giving up on the client.
pub const TARPIT_HOLD: Duration = Duration::from_secs(600);

/// Rewrites an XML document for the XML faults; other devices get it as is.
pub fn xml(fault: Option<Fault>, doc: String) -> String {
    match fault {
        Some(Fault::MalformedXml) => malformed(&doc),
        Some(Fault::XmlBomb) => bomb(&doc),
        _ => doc,
    }
}

/// The document cut two thirds of the way through, inside an element, with
/// an unclosed attribute quote and a stray `&` for good measure.
fn malformed(doc: &str) -> String {
    let mut cut = doc.len() * 2 / 3;
    while !doc.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}<broken attr=\"unterminated & <<</", &doc[..cut])
}

/// The classic entity-expansion bomb: ten levels of ten-fold references
/// (10^9 copies of "lol" if a parser expands them), wrapped around the root
/// element of the real answer so the rest still looks plausible.
fn bomb(doc: &str) -> String {
    let mut dtd = String::from("<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    let mut prev = "lol".to_owned();
    for i in 1..=9 {
        let name = format!("lol{i}");
        let refs: String = (0..10).map(|_| format!("&{prev};")).collect();
        dtd.push_str(&format!(" <!ENTITY {name} \"{refs}\">\n"));
        prev = name;
    }
    dtd.push_str("]>\n");
    let body = doc
        .trim_start()
        .strip_prefix("<?xml")
        .and_then(|rest| rest.find("?>").map(|i| &rest[i + 2..]))
        .unwrap_or(doc);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{dtd}<lolz>&{prev};</lolz>\n<!-- {} -->",
        body.len()
    )
}

/// Writes `bytes` as the device's fault dictates: one byte a second for a
/// slow drip, half then a reset for RST-mid-response (the caller set
/// `SO_LINGER 0`, so dropping the socket resets it), else all at once.
pub async fn deliver<W: AsyncWrite + Unpin>(
    w: &mut W,
    fault: Option<Fault>,
    bytes: &[u8],
) -> std::io::Result<()> {
    match fault {
        Some(Fault::SlowDrip) => {
            for b in bytes {
                w.write_all(std::slice::from_ref(b)).await?;
                w.flush().await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(())
        }
        Some(Fault::RstMidResponse) => {
            let half = bytes.len() / 2;
            w.write_all(&bytes[..half.max(1).min(bytes.len())]).await?;
            w.flush().await?;
            // Give the kernel a moment to put the half on the wire before the
            // reset discards anything still queued.
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "fault: reset mid-response",
            ))
        }
        _ => {
            w.write_all(bytes).await?;
            w.flush().await
        }
    }
}

/// [`Fault::Tarpit`]: accepts and never answers; reads (and discards) until
/// the client leaves.
pub async fn tarpit(mut stream: TcpStream) {
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(TARPIT_HOLD, async {
        let mut total = 0usize;
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 || total > 1 << 20 {
                break;
            }
            total += n;
        }
    })
    .await;
}

/// [`Fault::WrongProtocol`]: another service on the well-known port, SSH on
/// the web ports, HTTP on RTSP and the binary control ports.
pub async fn wrong_protocol(port: u16, mut stream: TcpStream) {
    let bytes: &[u8] = match port {
        80 | 443 | 631 => b"SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u1\r\n",
        _ => b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    };
    let _ = stream.write_all(bytes).await;
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Fault::ALL {
            assert_eq!(Fault::parse(f.name()), Some(f));
        }
    }

    #[test]
    fn bomb_has_nested_entities() {
        let b = xml(Some(Fault::XmlBomb), "<?xml version=\"1.0\"?><a/>".into());
        assert!(b.contains("<!ENTITY lol9"));
        assert!(b.contains("&lol9;"));
    }

    #[test]
    fn malformed_is_not_well_formed() {
        let m = xml(
            Some(Fault::MalformedXml),
            "<a><b>text</b><c>more</c></a>".into(),
        );
        assert!(!m.ends_with("</a>"));
    }
}
