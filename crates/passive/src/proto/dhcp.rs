//! DHCPv4 (UDP 67/68). A client's request names the device by its
//! hardware address before it has an address of its own, so its options
//! are kept by MAC (vendor class 60, host name 12, parameter request list
//! 55, client identifier 61); a server's ACK binds the leased address to
//! that MAC, and so does a client's own `ciaddr`.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_model::Mac;

use crate::sink::Sink;

const MAGIC: [u8; 4] = [99, 130, 83, 99];
const FIXED: usize = 236;
const ACK: u8 = 5;

/// The parts of a DHCP message the evidence uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dhcp {
    pub request: bool,
    pub kind: Option<u8>,
    pub chaddr: Option<Mac>,
    pub ciaddr: Option<Ipv4Addr>,
    pub yiaddr: Option<Ipv4Addr>,
    pub options: Vec<(u8, Vec<u8>)>,
}

fn addr(b: &[u8]) -> Option<Ipv4Addr> {
    let a = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
    (!a.is_unspecified()).then_some(a)
}

/// Parses a BOOTP/DHCP message, or `None` when it is not one.
pub fn parse(p: &[u8]) -> Option<Dhcp> {
    if p.len() < FIXED + 4 || p[FIXED..FIXED + 4] != MAGIC {
        return None;
    }
    let request = match p[0] {
        1 => true,
        2 => false,
        _ => return None,
    };
    let chaddr = (p[1] == 1 && p[2] == 6).then(|| {
        let mut m = [0u8; 6];
        m.copy_from_slice(&p[28..34]);
        Mac(m)
    });
    let mut d = Dhcp {
        request,
        chaddr,
        ciaddr: addr(&p[12..16]),
        yiaddr: addr(&p[16..20]),
        ..Dhcp::default()
    };
    let mut opts = &p[FIXED + 4..];
    while let Some((&code, rest)) = opts.split_first() {
        match code {
            0 => opts = rest,
            255 => break,
            _ => {
                let (&len, rest) = rest.split_first()?;
                let value = rest.get(..usize::from(len))?;
                if code == 53 && len == 1 {
                    d.kind = Some(value[0]);
                }
                if d.options.len() < 64 {
                    d.options.push((code, value.to_vec()));
                }
                opts = &rest[usize::from(len)..];
            }
        }
    }
    Some(d)
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v)
        .trim_matches(char::from(0))
        .to_owned()
}

fn hex(v: &[u8]) -> String {
    v.iter().map(|b| format!("{b:02x}")).collect()
}

/// One DHCP datagram.
pub fn datagram(payload: &[u8], ts: i64, sink: &mut Sink) {
    let Some(d) = parse(payload) else {
        sink.summary.malformed("dhcp");
        return;
    };
    let Some(mac) = d.chaddr.filter(|m| m.0[0] & 1 == 0 && m.0 != [0; 6]) else {
        return;
    };
    if !d.request {
        if d.kind == Some(ACK)
            && let Some(ip) = d.yiaddr
        {
            sink.bindings.announced(IpAddr::V4(ip), mac, ts);
        }
        return;
    }
    if let Some(ip) = d.ciaddr {
        sink.bindings.announced(IpAddr::V4(ip), mac, ts);
    }
    for (code, value) in &d.options {
        let (field, value) = match code {
            60 => ("dhcp.vendor_class", text(value)),
            12 => ("dhcp.hostname", text(value)),
            55 => (
                "dhcp.parameter_request_list",
                value
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            61 => ("dhcp.client_id", hex(value)),
            _ => continue,
        };
        sink.push_by_mac(mac, field, &value, ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn request(mac: [u8; 6], options: &[(u8, &[u8])]) -> Vec<u8> {
        let mut p = vec![0u8; FIXED];
        p[0] = 1;
        p[1] = 1;
        p[2] = 6;
        p[28..34].copy_from_slice(&mac);
        p.extend_from_slice(&MAGIC);
        for (c, v) in options {
            p.push(*c);
            p.push(v.len() as u8);
            p.extend_from_slice(v);
        }
        p.push(255);
        p
    }

    #[test]
    fn a_discover_with_vendor_class_and_host_name() {
        let p = request(
            [0xb0, 0xc5, 0x54, 0x25, 0x5b, 0x0e],
            &[
                (53, &[1]),
                (60, b"udhcp 1.22.1"),
                (12, b"DCS-935L"),
                (55, &[1, 3, 6]),
            ],
        );
        let d = parse(&p).unwrap();
        assert!(d.request);
        assert_eq!(d.kind, Some(1));
        assert_eq!(d.chaddr.unwrap().to_string(), "b0:c5:54:25:5b:0e");
        assert_eq!(d.options.len(), 4);
        // an option whose length runs past the end
        let mut bad = p.clone();
        let at = bad.len() - 2;
        bad[at - 3] = 200;
        bad.truncate(at);
        assert!(parse(&bad).is_none() || parse(&bad).is_some_and(|d| d.options.len() < 4));
    }
}
