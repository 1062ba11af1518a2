//! TLS handshakes: the server name a client asks for (ClientHello SNI) and,
//! for TLS 1.2 and below, the server's certificate subject and issuer (TLS
//! 1.3 encrypts it). Records and handshake messages are length-checked;
//! a handshake is buffered up to [`MAX_HANDSHAKE`] bytes.

use std::net::IpAddr;

use camaudit_probe::tls::cert_names;

use crate::bytes::Reader;
use crate::sink::Sink;

/// Largest TLS record (2^14 plus expansion).
const MAX_RECORD: usize = 18_432;
/// Handshake bytes buffered per direction.
const MAX_HANDSHAKE: usize = 64 * 1024;

const HANDSHAKE: u8 = 22;
const CLIENT_HELLO: usize = 1;
const SERVER_HELLO: usize = 2;
const CERTIFICATE: usize = 11;
const SERVER_HELLO_DONE: usize = 14;

#[derive(Debug, Default)]
pub struct TlsState {
    handshake: [Vec<u8>; 2],
    done: [bool; 2],
}

impl TlsState {
    pub fn is_done(&self, half: usize) -> bool {
        self.done[half]
    }

    /// Reads the records at the front of `buf` (sent by `from` to `to`).
    /// True when nothing more is wanted from the stream.
    pub fn read(
        &mut self,
        half: usize,
        buf: &mut Vec<u8>,
        from: (IpAddr, u16),
        to: (IpAddr, u16),
        ts: i64,
        sink: &mut Sink,
    ) -> bool {
        while !self.done[half] && buf.len() >= 5 {
            let kind = buf[0];
            let len = usize::from(u16::from_be_bytes([buf[3], buf[4]]));
            if buf[1] != 3 || len > MAX_RECORD {
                sink.summary.malformed("tls");
                self.done[half] = true;
                break;
            }
            if buf.len() < 5 + len {
                break;
            }
            if kind == HANDSHAKE {
                let hs = &mut self.handshake[half];
                if hs.len() + len > MAX_HANDSHAKE {
                    self.done[half] = true;
                } else {
                    hs.extend_from_slice(&buf[5..5 + len]);
                }
            } else {
                // ChangeCipherSpec, alert or application data: the clear
                // part of the handshake is over.
                self.done[half] = true;
            }
            buf.drain(..5 + len);
            self.messages(half, from, to, ts, sink);
        }
        if self.done[half] {
            buf.clear();
        }
        self.done[0] && self.done[1]
    }

    fn messages(
        &mut self,
        half: usize,
        from: (IpAddr, u16),
        to: (IpAddr, u16),
        ts: i64,
        sink: &mut Sink,
    ) {
        loop {
            let hs = &self.handshake[half];
            if hs.len() < 4 || self.done[half] {
                return;
            }
            let mut c = Reader::new(hs);
            let (Some(kind), Some(len)) = (c.u8(), c.u24()) else {
                return;
            };
            if len > MAX_HANDSHAKE {
                sink.summary.malformed("tls");
                self.done[half] = true;
                return;
            }
            let Some(body) = c.take(len) else {
                return;
            };
            let body = body.to_vec();
            self.handshake[half].drain(..4 + len);
            match kind {
                CLIENT_HELLO => {
                    match server_name(&body) {
                        Some(Some(name)) => {
                            sink.evidence.push(from.0, None, "tls.sni", &name, ts);
                            sink.name(to.0, &name);
                        }
                        Some(None) => {}
                        None => sink.summary.malformed("tls"),
                    }
                    self.done[half] = true;
                }
                // TLS 1.3 encrypts the certificate: nothing more to read.
                SERVER_HELLO if is_tls13(&body) => self.done[half] = true,
                CERTIFICATE => {
                    match first_certificate(&body).map(cert_names) {
                        Some(Ok((subject, issuer))) => {
                            sink.evidence.push(
                                from.0,
                                Some(from.1),
                                "tls.cert.subject",
                                &subject,
                                ts,
                            );
                            sink.evidence.push(
                                from.0,
                                Some(from.1),
                                "tls.cert.issuer",
                                &issuer,
                                ts,
                            );
                        }
                        _ => sink.summary.malformed("tls certificate"),
                    }
                    self.done[half] = true;
                }
                SERVER_HELLO_DONE => self.done[half] = true,
                _ => {}
            }
        }
    }
}

/// The SNI host name of a ClientHello body: `Some(None)` when it has none,
/// `None` when the hello does not parse.
pub fn server_name(hello: &[u8]) -> Option<Option<String>> {
    let mut c = Reader::new(hello);
    c.take(2 + 32)?;
    c.vec8()?;
    c.vec16()?;
    c.vec8()?;
    if c.is_empty() {
        return Some(None);
    }
    let mut exts = Reader::new(c.vec16()?);
    while !exts.is_empty() {
        let kind = exts.u16()?;
        let data = exts.vec16()?;
        if kind != 0 {
            continue;
        }
        let mut list = Reader::new(Reader::new(data).vec16()?);
        while !list.is_empty() {
            let name_type = list.u8()?;
            let name = list.vec16()?;
            if name_type == 0 {
                let name = std::str::from_utf8(name).ok()?;
                let ok = !name.is_empty()
                    && name.len() <= 253
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
                return Some(ok.then(|| name.to_ascii_lowercase()));
            }
        }
    }
    Some(None)
}

/// Whether a ServerHello selected TLS 1.3 (supported_versions = 0x0304).
fn is_tls13(hello: &[u8]) -> bool {
    let parse = || -> Option<bool> {
        let mut c = Reader::new(hello);
        c.take(2 + 32)?;
        c.vec8()?;
        c.take(3)?;
        let mut exts = Reader::new(c.vec16()?);
        while !exts.is_empty() {
            let kind = exts.u16()?;
            let data = exts.vec16()?;
            if kind == 43 {
                return Some(data == [3, 4]);
            }
        }
        Some(false)
    };
    parse().unwrap_or(false)
}

/// The leaf certificate's DER in a TLS ≤ 1.2 Certificate message.
fn first_certificate(body: &[u8]) -> Option<&[u8]> {
    let mut c = Reader::new(body);
    let total = c.u24()?;
    let mut list = Reader::new(c.take(total)?);
    let len = list.u24()?;
    list.take(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ClientHello body with one SNI extension.
    pub fn hello(name: &str) -> Vec<u8> {
        let mut sni = Vec::new();
        let n = name.as_bytes();
        sni.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&(n.len() as u16).to_be_bytes());
        sni.extend_from_slice(n);
        let mut ext = vec![0, 0];
        ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
        ext.extend_from_slice(&sni);
        let mut b = vec![3, 3];
        b.extend_from_slice(&[7; 32]);
        b.push(0); // session id
        b.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
        b.extend_from_slice(&[1, 0]); // null compression
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
        b
    }

    #[test]
    fn sni_is_read_and_broken_hellos_are_refused() {
        let h = hello("litedev.hik-connect.com");
        assert_eq!(
            server_name(&h),
            Some(Some("litedev.hik-connect.com".into()))
        );
        for cut in [0, 10, 40, h.len() - 3] {
            assert_eq!(server_name(&h[..cut]), None, "cut at {cut}");
        }
        assert_eq!(server_name(&hello("bad name!")), Some(None));
    }
}
