//! DNS (UDP and TCP 53) and multicast DNS (UDP 5353) messages, read by
//! hand with every length and compression pointer checked (at most
//! [`MAX_JUMPS`] pointers per name, names at most 255 bytes).
//!
//! Over TCP (RFC 1035 §4.2.2, RFC 7766) each message follows its 2-byte
//! length, several may share a stream and segments cut them anywhere;
//! [`tcp_stream`] takes them off the reassembled bytes and reads each as a
//! datagram would be. Resolvers fall back to TCP for long answers (a
//! truncated UDP reply) and some devices use it always, so a lookup of a
//! maker's cloud host may be seen only there.
//!
//! From DNS: the names a host looks up (`dns.query`, evidence about the
//! client) and the addresses answers give them (names for the endpoints
//! list). From mDNS replies: the services a device announces
//! (`mdns.service`), its instance and host names (`mdns.name`) and TXT
//! records (`mdns.txt`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::bytes::{Reader, be16};
use crate::sink::Sink;

const MAX_JUMPS: usize = 16;
const MAX_NAME: usize = 255;
/// Records read per message.
const MAX_RECORDS: usize = 64;

const A: u16 = 1;
const PTR: u16 = 12;
const TXT: u16 = 16;
const AAAA: u16 = 28;
const SRV: u16 = 33;

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub kind: u16,
    pub data: Data,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Addr(IpAddr),
    Name(String),
    Texts(Vec<String>),
    Other,
}

/// A parsed message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub response: bool,
    pub questions: Vec<(String, u16)>,
    pub records: Vec<Record>,
}

/// Reads a (possibly compressed) name at `at`: the name and the offset
/// just after it in the original position.
fn name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut end = None;
    let mut jumps = 0;
    loop {
        let len = usize::from(*msg.get(at)?);
        match len & 0xc0 {
            0xc0 => {
                let ptr = usize::from(be16(msg, at)? & 0x3fff);
                end.get_or_insert(at + 2);
                jumps += 1;
                if jumps > MAX_JUMPS || ptr >= msg.len() {
                    return None;
                }
                at = ptr;
            }
            0 if len == 0 => {
                return Some((out, end.unwrap_or(at + 1)));
            }
            0 => {
                let label = msg.get(at + 1..at + 1 + len)?;
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&String::from_utf8_lossy(label));
                if out.len() > MAX_NAME {
                    return None;
                }
                at += 1 + len;
            }
            _ => return None,
        }
    }
}

/// Parses a DNS/mDNS message, or `None` when it is malformed.
pub fn parse(msg: &[u8]) -> Option<Message> {
    let mut r = Reader::new(msg);
    let _id = r.u16()?;
    let flags = r.be16()?;
    let qd = r.u16()?;
    let records = r.u16()? + r.u16()? + r.u16()?;
    let mut m = Message {
        response: flags & 0x8000 != 0,
        ..Message::default()
    };
    for _ in 0..qd.min(MAX_RECORDS) {
        let n = read_name(msg, &mut r)?;
        let kind = r.be16()?;
        let _class = r.be16()?;
        m.questions.push((n, kind));
    }
    for _ in 0..records.min(MAX_RECORDS) {
        let n = read_name(msg, &mut r)?;
        let kind = r.be16()?;
        let _class_ttl = r.take(6)?;
        let start = r.pos() + 2;
        let rdata = r.vec16()?;
        let data = match (kind, rdata.len()) {
            (A, 4) => Data::Addr(IpAddr::V4(Ipv4Addr::new(
                rdata[0], rdata[1], rdata[2], rdata[3],
            ))),
            (AAAA, 16) => {
                let mut b = [0u8; 16];
                b.copy_from_slice(rdata);
                Data::Addr(IpAddr::V6(Ipv6Addr::from(b)))
            }
            (PTR, _) => Data::Name(name(msg, start)?.0),
            (SRV, len) if len > 6 => Data::Name(name(msg, start + 6)?.0),
            (TXT, _) => Data::Texts(texts(rdata)),
            _ => Data::Other,
        };
        m.records.push(Record {
            name: n,
            kind,
            data,
        });
    }
    Some(m)
}

/// The name at the reader's position; the reader moves past it.
fn read_name(msg: &[u8], r: &mut Reader<'_>) -> Option<String> {
    let (n, next) = name(msg, r.pos())?;
    r.seek(next);
    Some(n)
}

fn texts(mut rdata: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = rdata.split_first() {
        let len = usize::from(len);
        let Some(s) = rest.get(..len) else { break };
        if !s.is_empty() {
            out.push(String::from_utf8_lossy(s).into_owned());
        }
        rdata = &rest[len..];
    }
    out
}

/// Reverse look-ups and service-discovery meta names say nothing about
/// what a device calls.
fn worth_recording(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    !(n.ends_with(".in-addr.arpa")
        || n.ends_with(".ip6.arpa")
        || n.is_empty()
        || n.ends_with(".local"))
}

/// A DNS datagram from `src` to `dst`.
pub fn unicast(payload: &[u8], src: IpAddr, ts: i64, sink: &mut Sink) {
    let Some(m) = parse(payload) else {
        sink.summary.malformed("dns");
        return;
    };
    if !m.response {
        for (q, _) in m.questions.iter().filter(|(q, _)| worth_recording(q)) {
            sink.evidence.push(src, None, "dns.query", q, ts);
        }
        return;
    }
    let asked = m.questions.first().map(|(q, _)| q.clone());
    for r in &m.records {
        if let Data::Addr(addr) = r.data {
            // The name the client asked for, not the CNAME target: it is
            // what a registry of vendor host names lists.
            let n = asked.as_deref().unwrap_or(&r.name);
            if worth_recording(n) {
                sink.name(addr, n);
            }
        }
    }
}

/// Smallest DNS message: its header.
const HEADER: usize = 12;

/// What [`tcp_stream`] left of a direction's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpRead {
    /// Complete messages read; the rest waits for more bytes.
    More,
    /// A length no DNS message has: the stream is not DNS (or its start
    /// was not captured) and nothing more is read from it.
    NotDns,
}

/// Whether a TCP direction's bytes can begin a DNS message: a length at
/// least a header's (a stream picked up mid-message rarely passes).
pub fn plausible_tcp_start(buf: &[u8]) -> bool {
    be16(buf, 0).is_some_and(|len| usize::from(len) >= HEADER)
}

/// Reads the complete length-prefixed messages at the front of `buf` (one
/// direction of a TCP stream, from `src`), each through [`unicast`], and
/// removes them. A message cut by the end of the stream (`closed`) is
/// counted as malformed.
pub fn tcp_stream(
    buf: &mut Vec<u8>,
    closed: bool,
    src: IpAddr,
    ts: i64,
    sink: &mut Sink,
) -> TcpRead {
    let mut at = 0;
    let outcome = loop {
        let Some(len) = be16(buf, at).map(usize::from) else {
            break TcpRead::More;
        };
        if len < HEADER {
            sink.summary.malformed("dns over tcp");
            break TcpRead::NotDns;
        }
        let Some(message) = buf.get(at + 2..at + 2 + len) else {
            break TcpRead::More;
        };
        unicast(message, src, ts, sink);
        at += 2 + len;
    };
    if outcome == TcpRead::NotDns {
        buf.clear();
        return outcome;
    }
    buf.drain(..at);
    if closed && !buf.is_empty() {
        sink.summary.malformed("dns over tcp");
        buf.clear();
    }
    outcome
}

/// An mDNS datagram from `src`: only replies describe the sender.
pub fn multicast(payload: &[u8], src: IpAddr, ts: i64, sink: &mut Sink) {
    let Some(m) = parse(payload) else {
        sink.summary.malformed("mdns");
        return;
    };
    if !m.response {
        return;
    }
    for r in &m.records {
        match (&r.data, r.kind) {
            (Data::Name(target), PTR) => {
                let owner = r.name.trim_end_matches('.');
                let target = target.trim_end_matches('.');
                if owner.ends_with(".arpa") {
                    continue;
                }
                if owner == "_services._dns-sd._udp.local" {
                    // the list of service types the sender offers
                    sink.evidence.push(src, None, "mdns.service", target, ts);
                } else if owner.starts_with('_') {
                    sink.evidence.push(src, None, "mdns.service", owner, ts);
                    sink.evidence.push(src, None, "mdns.name", target, ts);
                }
            }
            (Data::Name(target), SRV) => {
                sink.evidence
                    .push(src, None, "mdns.name", target.trim_end_matches('.'), ts);
            }
            (Data::Texts(texts), TXT) => {
                for t in texts.iter().take(32) {
                    sink.evidence.push(src, None, "mdns.txt", t, ts);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response to `q` with one A answer by compression pointer.
    fn answer(q: &str, addr: [u8; 4]) -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        for label in q.split('.') {
            m.push(label.len() as u8);
            m.extend_from_slice(label.as_bytes());
        }
        m.extend_from_slice(&[0, 0, 1, 0, 1]);
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        m.extend_from_slice(&addr);
        m
    }

    #[test]
    fn an_answer_with_a_pointer() {
        let m = parse(&answer("www.easy4ipcloud.com", [47, 88, 1, 2])).unwrap();
        assert!(m.response);
        assert_eq!(m.questions, [("www.easy4ipcloud.com".to_owned(), 1)]);
        assert_eq!(m.records[0].data, Data::Addr("47.88.1.2".parse().unwrap()));
    }

    #[test]
    fn loops_and_cuts_are_refused() {
        let mut looped = answer("a.b", [1, 2, 3, 4]);
        // the answer's name points at itself
        let at = looped.len() - 16;
        looped[at] = 0xc0;
        looped[at + 1] = at as u8;
        assert!(parse(&looped).is_none());
        let full = answer("camera.example.com", [1, 2, 3, 4]);
        for cut in 0..full.len() {
            assert!(
                parse(&full[..cut]).is_none() || cut >= full.len(),
                "cut {cut}"
            );
        }
    }

    fn framed(m: &[u8]) -> Vec<u8> {
        let mut out = (m.len() as u16).to_be_bytes().to_vec();
        out.extend_from_slice(m);
        out
    }

    #[test]
    fn tcp_messages_split_anywhere_are_each_read_once() {
        let src: IpAddr = "10.0.0.1".parse().unwrap();
        let mut stream = framed(&answer("www.easy4ipcloud.com", [47, 88, 1, 2]));
        stream.extend(framed(&answer("p2p.easy4ipcloud.com", [47, 88, 1, 3])));
        for cut in 0..stream.len() {
            let mut sink = Sink::new(&crate::Limits::default());
            let mut buf = stream[..cut].to_vec();
            assert_eq!(
                tcp_stream(&mut buf, false, src, 0, &mut sink),
                TcpRead::More
            );
            buf.extend_from_slice(&stream[cut..]);
            assert_eq!(tcp_stream(&mut buf, true, src, 0, &mut sink), TcpRead::More);
            assert!(buf.is_empty(), "cut {cut}: {} bytes left", buf.len());
            let name = |a: &str| sink.names.get(&a.parse().unwrap()).cloned();
            assert_eq!(name("47.88.1.2").as_deref(), Some("www.easy4ipcloud.com"));
            assert_eq!(name("47.88.1.3").as_deref(), Some("p2p.easy4ipcloud.com"));
            assert!(sink.summary.malformed_messages.is_empty(), "cut {cut}");
        }
    }

    #[test]
    fn a_tcp_stream_that_is_not_dns_is_given_up() {
        let src: IpAddr = "10.0.0.1".parse().unwrap();
        let mut sink = Sink::new(&crate::Limits::default());
        let mut buf = b"\x00\x03abcdefgh".to_vec();
        assert!(!plausible_tcp_start(&buf));
        assert_eq!(
            tcp_stream(&mut buf, false, src, 0, &mut sink),
            TcpRead::NotDns
        );
        assert!(buf.is_empty());
        assert_eq!(
            sink.summary.malformed_messages.get("dns over tcp"),
            Some(&1)
        );
        // a message cut by the end of the stream
        let mut cut = framed(&answer("a.example", [1, 2, 3, 4]));
        cut.truncate(20);
        assert_eq!(tcp_stream(&mut cut, true, src, 0, &mut sink), TcpRead::More);
        assert_eq!(
            sink.summary.malformed_messages.get("dns over tcp"),
            Some(&2)
        );
        assert!(sink.names.is_empty());
    }
}
