//! Ordinary office traffic, the bulk of a benchmark capture: file-server
//! backups (bulk TCP), web pages, TLS sessions, streamed video over UDP,
//! DNS lookups and SSDP announcements from workstations. Payloads that no
//! camera detector should read are filler; headers are exact.

use std::net::Ipv4Addr;

use crate::proto;
use crate::rng::Rng;
use crate::session::{Body, Conversation, Datagram, Message, TcpSession, UdpExchange};
use crate::site::{self, FILE_SERVER, GATEWAY};
use crate::wire::{Endpoint, Link, multicast_mac};

const SITES: &[&str] = &[
    "www.bbc.co.uk",
    "outlook.office365.com",
    "www.gov.uk",
    "login.microsoftonline.com",
    "www.google.com",
    "update.microsoft.com",
    "www.wikipedia.org",
    "github.com",
    "teams.microsoft.com",
    "www.nhs.uk",
];

const SERVERS: &[&str] = &[
    "nginx/1.24.0",
    "Apache/2.4.57 (Debian)",
    "Microsoft-IIS/10.0",
    "cloudflare",
];

/// The next ordinary conversation, drawn by weight, with its payload
/// bytes; no payload is longer than `budget` (at least 1 KB), so a capture
/// ends close to the size asked for.
pub fn next(rng: &mut Rng, link: Link, budget: u64) -> (Box<dyn Conversation + Send>, u64) {
    let ws = site::workstation(rng.below(200) as u8);
    let me = ws.at(49_152 + rng.below(16_000) as u16);
    let cap = |len: u64| len.min(budget.max(1_000));
    match rng.below(100) {
        0..=29 => {
            let len = cap((1 + rng.below(4)) * 1_000_000);
            (Box::new(bulk(me, len, rng, link)), len)
        }
        30..=59 => {
            let len = cap(20_000 + rng.below(480_000));
            (Box::new(web(me, len, rng, link)), len)
        }
        60..=74 => {
            let len = cap(50_000 + rng.below(1_500_000));
            (Box::new(tls(me, len, rng, link)), len)
        }
        75..=84 => {
            let len = cap((1 + rng.below(3)) * 1_000_000);
            (Box::new(video(me, len, rng, link)), len)
        }
        85..=97 => (Box::new(dns(me, rng, link)), 100),
        _ => (Box::new(ssdp(me, rng, link)), 300),
    }
}

/// A backup upload to the file server over SSH (scp): version banners,
/// then 1–4 MB of encrypted packets one way.
fn bulk(me: Endpoint, len: u64, rng: &mut Rng, link: Link) -> TcpSession {
    let messages = vec![
        Message::client(&b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"[..]),
        Message::server(&b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"[..]),
        Message {
            from_client: true,
            body: Body::Filler {
                len,
                seed: rng.next_u64(),
            },
        },
        Message {
            from_client: false,
            body: Body::Filler {
                len: 64,
                seed: rng.next_u64(),
            },
        },
    ];
    TcpSession::new(link, me, FILE_SERVER.at(22), messages, rng.next_u64())
}

fn web(me: Endpoint, len: u64, rng: &mut Rng, link: Link) -> TcpSession {
    let host = *rng.pick(SITES);
    let server = *rng.pick(SERVERS);
    let request = proto::message(
        &format!("GET /page/{} HTTP/1.1", rng.below(10_000)),
        &[
            ("Host", host),
            ("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"),
            ("Accept", "text/html"),
        ],
        b"",
    );
    let head = proto::message(
        "HTTP/1.1 200 OK",
        &[
            ("Server", server),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", &len.to_string()),
        ],
        b"",
    );
    let to = site::internet(site::web_server(1 + rng.below(200) as u8), 80);
    let messages = vec![
        Message::client(request),
        Message::server(head),
        Message {
            from_client: false,
            body: Body::Filler {
                len,
                seed: rng.next_u64(),
            },
        },
    ];
    TcpSession::new(link, me, to, messages, rng.next_u64())
}

fn tls(me: Endpoint, len: u64, rng: &mut Rng, link: Link) -> TcpSession {
    let host = *rng.pick(SITES);
    let to = site::internet(site::web_server(1 + rng.below(200) as u8), 443);
    let messages = vec![
        Message::client(proto::tls_client_hello(host, rng)),
        Message::server(proto::tls_server_hello(rng)),
        Message {
            from_client: true,
            body: Body::Tls {
                len: 600 + rng.below(2_000),
                seed: rng.next_u64(),
            },
        },
        Message {
            from_client: false,
            body: Body::Tls {
                len,
                seed: rng.next_u64(),
            },
        },
    ];
    TcpSession::new(link, me, to, messages, rng.next_u64())
}

/// Streamed video (QUIC-style UDP from a content server), 1–3 MB.
fn video(me: Endpoint, len: u64, rng: &mut Rng, link: Link) -> UdpExchange {
    let from = site::internet(site::web_server(1 + rng.below(200) as u8), 443);
    UdpExchange::new(
        link,
        vec![Datagram {
            from,
            to: me,
            body: Body::Filler {
                len,
                seed: rng.next_u64(),
            },
        }],
    )
}

fn dns(me: Endpoint, rng: &mut Rng, link: Link) -> UdpExchange {
    let name = *rng.pick(SITES);
    let id = rng.next_u64() as u16;
    let resolver = GATEWAY.at(53);
    let addr = site::web_server(1 + rng.below(200) as u8);
    UdpExchange::new(
        link,
        vec![
            Datagram {
                from: me,
                to: resolver,
                body: Body::Bytes(proto::dns_query(id, name)),
            },
            Datagram {
                from: resolver,
                to: me,
                body: Body::Bytes(proto::dns_answer(id, name, &[addr], 300)),
            },
        ],
    )
}

/// A Windows workstation's UPnP device host announcing itself.
fn ssdp(me: Endpoint, rng: &mut Rng, link: Link) -> UdpExchange {
    let group = Ipv4Addr::new(239, 255, 255, 250);
    let to = Endpoint::new(multicast_mac(group), group, 1900);
    let notify = format!(
        "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://{}:2869/upnphost/udhisapi.dll?content=uuid:{:016x}\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0\r\nUSN: uuid:{:016x}::upnp:rootdevice\r\n\r\n",
        me.ip,
        rng.next_u64(),
        rng.next_u64()
    );
    UdpExchange::new(
        link,
        vec![Datagram {
            from: me.port(1900),
            to,
            body: Body::Bytes(notify.into_bytes()),
        }],
    )
}
