//! Application payloads written from their specifications: DNS (RFC 1035),
//! DHCP (RFC 2131/2132), a TLS ClientHello with SNI (RFC 8446 §4.1.2,
//! RFC 6066 §3), and the request/response text of HTTP/1.1 and RTSP/1.0.

use std::net::Ipv4Addr;

use crate::rng::Rng;
use crate::wire::MacBytes;

fn dns_name(out: &mut Vec<u8>, name: &str) {
    for label in name.trim_end_matches('.').split('.') {
        let l = &label.as_bytes()[..label.len().min(63)];
        out.push(l.len() as u8);
        out.extend_from_slice(l);
    }
    out.push(0);
}

/// A recursive A query for `name`.
pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(32 + name.len());
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    dns_name(&mut m, name);
    m.extend_from_slice(&[0, 1, 0, 1]);
    m
}

/// The answer to [`dns_query`]: one A record per address.
pub fn dns_answer(id: u16, name: &str, addrs: &[Ipv4Addr], ttl: u32) -> Vec<u8> {
    let mut m = Vec::with_capacity(48 + name.len() + 16 * addrs.len());
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x81, 0x80, 0, 1]);
    m.extend_from_slice(&(addrs.len() as u16).to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    dns_name(&mut m, name);
    m.extend_from_slice(&[0, 1, 0, 1]);
    for a in addrs {
        // A pointer to the question's name at offset 12.
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1]);
        m.extend_from_slice(&ttl.to_be_bytes());
        m.extend_from_slice(&[0, 4]);
        m.extend_from_slice(&a.octets());
    }
    m
}

/// DHCP message types (option 53).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DhcpType {
    Discover = 1,
    Offer = 2,
    Request = 3,
    Ack = 5,
}

/// One DHCP message; `options` are (code, value) in the order sent.
#[derive(Debug, Clone)]
pub struct Dhcp {
    pub kind: DhcpType,
    pub xid: u32,
    pub chaddr: MacBytes,
    pub yiaddr: Ipv4Addr,
    pub siaddr: Ipv4Addr,
    pub options: Vec<(u8, Vec<u8>)>,
}

impl Dhcp {
    pub fn to_bytes(&self) -> Vec<u8> {
        let reply = matches!(self.kind, DhcpType::Offer | DhcpType::Ack);
        let mut m = vec![0u8; 236];
        m[0] = if reply { 2 } else { 1 };
        m[1] = 1; // Ethernet
        m[2] = 6;
        m[4..8].copy_from_slice(&self.xid.to_be_bytes());
        m[16..20].copy_from_slice(&self.yiaddr.octets());
        m[20..24].copy_from_slice(&self.siaddr.octets());
        m[28..34].copy_from_slice(&self.chaddr);
        m.extend_from_slice(&[99, 130, 83, 99]);
        m.extend_from_slice(&[53, 1, self.kind as u8]);
        for (code, value) in &self.options {
            m.push(*code);
            m.push(value.len().min(255) as u8);
            m.extend_from_slice(&value[..value.len().min(255)]);
        }
        m.push(255);
        // BOOTP's minimum message size (RFC 1542 §2.1).
        if m.len() < 300 {
            m.resize(300, 0);
        }
        m
    }
}

/// A TLS 1.2/1.3 ClientHello naming `server_name`, with the extensions a
/// current client sends (groups, point formats, signature algorithms,
/// supported versions).
pub fn tls_client_hello(server_name: &str, rng: &mut Rng) -> Vec<u8> {
    let mut ext = Vec::new();
    let name = server_name.as_bytes();
    // server_name: list length, type host_name (0), name length, name.
    ext.extend_from_slice(&[0, 0]);
    ext.extend_from_slice(&((name.len() + 5) as u16).to_be_bytes());
    ext.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
    ext.push(0);
    ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
    ext.extend_from_slice(name);
    ext.extend_from_slice(&[0, 10, 0, 8, 0, 6, 0, 0x1d, 0, 0x17, 0, 0x18]);
    ext.extend_from_slice(&[0, 11, 0, 2, 1, 0]);
    ext.extend_from_slice(&[0, 13, 0, 8, 0, 6, 4, 3, 8, 4, 4, 1]);
    ext.extend_from_slice(&[0, 43, 0, 5, 4, 3, 4, 3, 3]);
    let mut hello = Vec::new();
    hello.extend_from_slice(&[3, 3]);
    for _ in 0..4 {
        hello.extend_from_slice(&rng.next_u64().to_be_bytes());
    }
    hello.push(32);
    for _ in 0..4 {
        hello.extend_from_slice(&rng.next_u64().to_be_bytes());
    }
    let suites: [u16; 6] = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc030];
    hello.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        hello.extend_from_slice(&s.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]);
    hello.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    hello.extend_from_slice(&ext);
    let mut hs = vec![1];
    hs.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&hello);
    let mut rec = vec![0x16, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// A TLS 1.2 ServerHello record choosing ECDHE-RSA-AES128-GCM.
pub fn tls_server_hello(rng: &mut Rng) -> Vec<u8> {
    let mut hello = vec![3, 3];
    for _ in 0..4 {
        hello.extend_from_slice(&rng.next_u64().to_be_bytes());
    }
    hello.push(0);
    hello.extend_from_slice(&[0xc0, 0x2f, 0, 0, 0]);
    let mut hs = vec![2];
    hs.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&hello);
    let mut rec = vec![0x16, 3, 3];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// A start line, `Name: value` headers and a body, as HTTP/1.1 and
/// RTSP/1.0 both write them; Content-Length is added when there is a body.
pub fn message(start: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(256 + body.len());
    m.extend_from_slice(start.as_bytes());
    m.extend_from_slice(b"\r\n");
    for (k, v) in headers {
        m.extend_from_slice(k.as_bytes());
        m.extend_from_slice(b": ");
        m.extend_from_slice(v.as_bytes());
        m.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        m.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    m.extend_from_slice(b"\r\n");
    m.extend_from_slice(body);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dns_answer_points_back_at_the_question() {
        let a = dns_answer(
            7,
            "www.easy4ipcloud.com",
            &[Ipv4Addr::new(203, 0, 113, 9)],
            60,
        );
        assert_eq!(&a[..2], &[0, 7]);
        assert_eq!(a[7], 1, "one answer");
        let q = dns_query(7, "www.easy4ipcloud.com");
        assert_eq!(&a[12..q.len()], &q[12..]);
        assert_eq!(&a[a.len() - 4..], &[203, 0, 113, 9]);
    }

    #[test]
    fn dhcp_carries_its_options_after_the_magic_cookie() {
        let m = Dhcp {
            kind: DhcpType::Request,
            xid: 1,
            chaddr: [0x58, 0x50, 0xed, 1, 2, 3],
            yiaddr: Ipv4Addr::UNSPECIFIED,
            siaddr: Ipv4Addr::UNSPECIFIED,
            options: vec![(60, b"udhcp 1.22.1".to_vec())],
        }
        .to_bytes();
        assert_eq!(m.len(), 300);
        assert_eq!(&m[28..34], &[0x58, 0x50, 0xed, 1, 2, 3]);
        assert_eq!(&m[236..243], &[99, 130, 83, 99, 53, 1, 3]);
        assert_eq!(&m[243..245], &[60, 12]);
        assert_eq!(&m[245..257], b"udhcp 1.22.1");
    }

    #[test]
    fn the_client_hello_names_the_server_where_rfc_6066_puts_it() {
        let h = tls_client_hello("api.hik-connect.com", &mut Rng::new(1));
        let len = u16::from_be_bytes([h[3], h[4]]) as usize;
        assert_eq!(h.len(), 5 + len);
        let at = h
            .windows(19)
            .position(|w| w == b"api.hik-connect.com")
            .unwrap();
        assert_eq!(&h[at - 5..at], &[0, 0x16, 0, 0, 0x13]);
    }
}
