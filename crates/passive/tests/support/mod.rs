//! Capture files built in the tests: frames from `etherparse`'s builder,
//! written as pcap (either byte order, micro or nano) or pcapng (several
//! interfaces), so each test knows exactly what the capture holds.
#![allow(dead_code)]

use etherparse::PacketBuilder;

pub const CAM_MAC: [u8; 6] = [0x38, 0xaf, 0x29, 0x00, 0x00, 0x01];
pub const CLIENT_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
pub const ROUTER_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0xfe];
pub const BROADCAST: [u8; 6] = [0xff; 6];

/// A UDP frame on Ethernet.
pub fn udp(
    src_mac: [u8; 6],
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    payload: &[u8],
) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(src_mac, BROADCAST)
        .ipv4(src, dst, 64)
        .udp(sport, dport);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).unwrap();
    out
}

/// TCP flags of a test segment.
#[derive(Clone, Copy, Default)]
pub struct Flags {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
}

pub const DATA: Flags = Flags {
    syn: false,
    ack: true,
    fin: false,
};

/// A TCP frame on Ethernet.
/// One end of a TCP segment: MAC, address, port.
pub type End = ([u8; 6], [u8; 4], u16);

pub fn tcp(from: End, to: ([u8; 4], u16), seq: u32, flags: Flags, payload: &[u8]) -> Vec<u8> {
    let ((src_mac, src, sport), (dst, dport)) = (from, to);
    let mut b = PacketBuilder::ethernet2(src_mac, CLIENT_MAC)
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 65535);
    if flags.syn {
        b = b.syn();
    }
    if flags.ack {
        b = b.ack(1);
    }
    if flags.fin {
        b = b.fin();
    }
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).unwrap();
    out
}

/// A whole TCP conversation: client request, server reply, each cut into
/// `mss`-byte segments, with a handshake.
pub fn conversation(
    client: [u8; 4],
    server: [u8; 4],
    port: u16,
    request: &[u8],
    reply: &[u8],
    mss: usize,
) -> Vec<Vec<u8>> {
    let (cseq, sseq) = (1000u32, 5000u32);
    let mut frames = vec![
        tcp(
            (CLIENT_MAC, client, 40000),
            (server, port),
            cseq,
            Flags {
                syn: true,
                ..Flags::default()
            },
            &[],
        ),
        tcp(
            (CAM_MAC, server, port),
            (client, 40000),
            sseq,
            Flags {
                syn: true,
                ack: true,
                fin: false,
            },
            &[],
        ),
    ];
    let mut seq = cseq + 1;
    for chunk in request.chunks(mss) {
        frames.push(tcp(
            (CLIENT_MAC, client, 40000),
            (server, port),
            seq,
            DATA,
            chunk,
        ));
        seq += chunk.len() as u32;
    }
    let mut seq = sseq + 1;
    for chunk in reply.chunks(mss) {
        frames.push(tcp(
            (CAM_MAC, server, port),
            (client, 40000),
            seq,
            DATA,
            chunk,
        ));
        seq += chunk.len() as u32;
    }
    frames.push(tcp(
        (CAM_MAC, server, port),
        (client, 40000),
        seq,
        Flags {
            fin: true,
            ack: true,
            syn: false,
        },
        &[],
    ));
    frames
}

/// Byte order and time stamp precision of a pcap file.
#[derive(Clone, Copy)]
pub struct PcapKind {
    pub big_endian: bool,
    pub nanos: bool,
}

/// A legacy pcap of `frames` on `link`, one second apart from `t0`.
pub fn pcap(kind: PcapKind, link: u32, t0: u32, frames: &[Vec<u8>]) -> Vec<u8> {
    let w32 = |out: &mut Vec<u8>, v: u32| {
        if kind.big_endian {
            out.extend_from_slice(&v.to_be_bytes())
        } else {
            out.extend_from_slice(&v.to_le_bytes())
        }
    };
    let w16 = |out: &mut Vec<u8>, v: u16| {
        if kind.big_endian {
            out.extend_from_slice(&v.to_be_bytes())
        } else {
            out.extend_from_slice(&v.to_le_bytes())
        }
    };
    let mut out = Vec::new();
    w32(&mut out, if kind.nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
    w16(&mut out, 2);
    w16(&mut out, 4);
    w32(&mut out, 0);
    w32(&mut out, 0);
    w32(&mut out, 65535);
    w32(&mut out, link);
    for (i, f) in frames.iter().enumerate() {
        w32(&mut out, t0 + i as u32);
        w32(&mut out, if kind.nanos { 500_000_000 } else { 500_000 });
        w32(&mut out, f.len() as u32);
        w32(&mut out, f.len() as u32);
        out.extend_from_slice(f);
    }
    out
}

pub const LE_MICRO: PcapKind = PcapKind {
    big_endian: false,
    nanos: false,
};

fn pad4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
}

fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let len = 12 + body.len().div_ceil(4) * 4;
    let mut b = Vec::with_capacity(len);
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&(len as u32).to_le_bytes());
    b.extend_from_slice(body);
    pad4(&mut b);
    b.extend_from_slice(&(len as u32).to_le_bytes());
    b
}

/// A little-endian pcapng section with one interface per link type (the
/// first in microseconds, the others in nanoseconds), then `frames` as
/// (interface, frame) in order, one second apart from `t0`.
pub fn pcapng(links: &[u16], t0: u64, frames: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4d_u32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    out.extend(block(0x0a0d_0d0a, &shb));
    for (i, link) in links.iter().enumerate() {
        let mut idb = Vec::new();
        idb.extend_from_slice(&link.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&0u32.to_le_bytes());
        if i > 0 {
            // if_tsresol = 9: nanoseconds
            idb.extend_from_slice(&9u16.to_le_bytes());
            idb.extend_from_slice(&1u16.to_le_bytes());
            idb.extend_from_slice(&[9, 0, 0, 0]);
            idb.extend_from_slice(&[0, 0, 0, 0]);
        }
        out.extend(block(1, &idb));
    }
    for (n, (iface, f)) in frames.iter().enumerate() {
        let per_sec: u64 = if *iface == 0 {
            1_000_000
        } else {
            1_000_000_000
        };
        let ts = (t0 + n as u64) * per_sec;
        let mut epb = Vec::new();
        epb.extend_from_slice(&iface.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(f.len() as u32).to_le_bytes());
        epb.extend_from_slice(f);
        pad4(&mut epb);
        out.extend(block(6, &epb));
    }
    out
}

/// Reads capture bytes.
pub fn read(bytes: Vec<u8>) -> Result<camaudit_passive::Capture, camaudit_passive::CaptureError> {
    camaudit_passive::read(
        Box::new(std::io::Cursor::new(bytes)),
        "test.pcap",
        &camaudit_passive::Limits::default(),
    )
}

/// The values of `field` observed for `addr`.
pub fn values(c: &camaudit_passive::Capture, addr: &str, field: &str) -> Vec<String> {
    let addr: std::net::IpAddr = addr.parse().unwrap();
    c.observations
        .iter()
        .filter(|o| o.addr == addr && o.field.as_str() == field)
        .map(|o| o.value.clone())
        .collect()
}
