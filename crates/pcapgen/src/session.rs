//! Conversations as streams of frames: a TCP session (handshake, messages
//! each way cut at the MSS and acknowledged, orderly close) and a list of
//! UDP datagrams. Each yields one frame at a time into a caller's buffer,
//! so a 4 GB capture never holds more than the sessions in flight.

use std::sync::OnceLock;

use crate::error::GenError;
use crate::wire::{Endpoint, Flags, Link};

/// Payload bytes per TCP segment (Ethernet MTU less IPv4, TCP headers and
/// timestamps), as a typical stack sends.
pub const MSS: usize = 1448;

/// Anything that yields frames.
pub trait Conversation {
    /// Writes the next frame into `out` (cleared first); false when done.
    fn next_frame(&mut self, out: &mut Vec<u8>) -> Result<bool, GenError>;
}

/// What one side sends: exact bytes, or `len` bytes of incompressible
/// filler standing for content no parser should read (file transfers,
/// encrypted records, video).
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Vec<u8>),
    Filler {
        len: u64,
        seed: u64,
    },
    /// `len` bytes of video as RTP (RFC 3550) datagrams: a 12-byte header
    /// (payload type 96, sequence, 90 kHz timestamp, SSRC) before each
    /// datagram's filler.
    Rtp {
        len: u64,
        seed: u64,
    },
    /// `len` bytes of TLS application-data records (16 KiB each and a
    /// shorter last one) with filler as the ciphertext.
    Tls {
        len: u64,
        seed: u64,
    },
}

/// A TLS record: 5 bytes of header and at most 16 KiB of ciphertext.
const TLS_RECORD: u64 = 5 + (1 << 14);

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::Filler { len, .. } | Body::Rtp { len, .. } | Body::Tls { len, .. } => *len,
        }
    }

    fn chunk(&self, offset: u64, n: usize) -> &[u8] {
        match self {
            Body::Bytes(b) => &b[offset as usize..offset as usize + n],
            Body::Filler { seed, .. } | Body::Rtp { seed, .. } | Body::Tls { seed, .. } => {
                filler(seed.wrapping_add(offset), n)
            }
        }
    }

    /// Bytes `offset..offset + n` of the body, appended to `out`.
    fn chunk_into(&self, offset: u64, n: usize, out: &mut Vec<u8>) {
        let Body::Tls { len, .. } = self else {
            out.extend_from_slice(self.chunk(offset, n));
            return;
        };
        out.extend_from_slice(self.chunk(offset, n));
        let start = out.len() - n;
        // Overwrite the header bytes of every record that falls in the range.
        let end = offset + n as u64;
        let mut record_start = offset - offset % TLS_RECORD;
        while record_start < end {
            let body = (len - record_start).min(TLS_RECORD) - 5;
            let header = [0x17, 3, 3, (body >> 8) as u8, body as u8];
            for (q, byte) in header.into_iter().enumerate() {
                let p = record_start + q as u64;
                if (offset..end).contains(&p) {
                    out[start + (p - offset) as usize] = byte;
                }
            }
            record_start += TLS_RECORD;
        }
    }
}

const FILLER_LEN: usize = 1 << 16;

/// `n` bytes (at most 64 KiB) of a fixed pseudo-random block, starting at
/// a place chosen by `at`: incompressible and cheap.
pub fn filler(at: u64, n: usize) -> &'static [u8] {
    static BLOCK: OnceLock<Vec<u8>> = OnceLock::new();
    let block = BLOCK.get_or_init(|| {
        let mut r = crate::rng::Rng::new(0xF111);
        (0..FILLER_LEN * 2).map(|_| r.next_u64() as u8).collect()
    });
    let n = n.min(FILLER_LEN);
    let start = (at % FILLER_LEN as u64) as usize;
    &block[start..start + n]
}

/// One message of a TCP session.
#[derive(Debug, Clone)]
pub struct Message {
    pub from_client: bool,
    pub body: Body,
}

impl Message {
    pub fn client(bytes: impl Into<Vec<u8>>) -> Self {
        Message {
            from_client: true,
            body: Body::Bytes(bytes.into()),
        }
    }

    pub fn server(bytes: impl Into<Vec<u8>>) -> Self {
        Message {
            from_client: false,
            body: Body::Bytes(bytes.into()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Syn,
    SynAck,
    Ack,
    Data,
    Fin,
    FinAck,
    LastAck,
    Done,
}

/// A whole TCP session between a client and a server.
#[derive(Debug)]
pub struct TcpSession {
    link: Link,
    client: Endpoint,
    server: Endpoint,
    messages: Vec<Message>,
    /// Next sequence number of each side.
    client_seq: u32,
    server_seq: u32,
    step: Step,
    msg: usize,
    offset: u64,
    /// Data segments sent since the receiver last acknowledged.
    unacked: u32,
    scratch: Vec<u8>,
}

impl TcpSession {
    pub fn new(
        link: Link,
        client: Endpoint,
        server: Endpoint,
        messages: Vec<Message>,
        isn: u64,
    ) -> Self {
        TcpSession {
            link,
            client,
            server,
            messages,
            client_seq: isn as u32,
            server_seq: (isn >> 32) as u32,
            step: Step::Syn,
            msg: 0,
            offset: 0,
            unacked: 0,
            scratch: Vec::new(),
        }
    }

    fn segment(
        &self,
        out: &mut Vec<u8>,
        from_client: bool,
        flags: Flags,
        payload: &[u8],
    ) -> Result<(), GenError> {
        let (from, to, seq, ack) = if from_client {
            (&self.client, &self.server, self.client_seq, self.server_seq)
        } else {
            (&self.server, &self.client, self.server_seq, self.client_seq)
        };
        self.link.tcp(out, from, to, seq, ack, flags, payload)
    }

    fn advance(&mut self, from_client: bool, n: u32) {
        if from_client {
            self.client_seq = self.client_seq.wrapping_add(n);
        } else {
            self.server_seq = self.server_seq.wrapping_add(n);
        }
    }

    /// The next data segment, or the receiver's acknowledgement when two
    /// segments (or a whole message) are outstanding, as delayed ACK does.
    fn data(&mut self, out: &mut Vec<u8>) -> Result<(), GenError> {
        let Some(m) = self.messages.get(self.msg) else {
            self.step = Step::Fin;
            return self.close(out);
        };
        let from_client = m.from_client;
        let len = m.body.len();
        if self.offset >= len || self.unacked >= 2 {
            let ack = Flags {
                ack: true,
                ..Flags::default()
            };
            self.segment(out, !from_client, ack, &[])?;
            self.unacked = 0;
            if self.offset >= len {
                self.msg += 1;
                self.offset = 0;
            }
            return Ok(());
        }
        let n = (len - self.offset).min(MSS as u64) as usize;
        let last = self.offset + n as u64 >= len;
        let flags = Flags {
            ack: true,
            psh: last,
            ..Flags::default()
        };
        let mut payload = std::mem::take(&mut self.scratch);
        payload.clear();
        m.body.chunk_into(self.offset, n, &mut payload);
        let sent = self.segment(out, from_client, flags, &payload);
        self.scratch = payload;
        sent?;
        self.advance(from_client, n as u32);
        self.offset += n as u64;
        self.unacked += 1;
        Ok(())
    }

    fn close(&mut self, out: &mut Vec<u8>) -> Result<(), GenError> {
        let fin = Flags {
            fin: true,
            ack: true,
            ..Flags::default()
        };
        match self.step {
            Step::Fin => {
                self.segment(out, true, fin, &[])?;
                self.advance(true, 1);
                self.step = Step::FinAck;
            }
            Step::FinAck => {
                self.segment(out, false, fin, &[])?;
                self.advance(false, 1);
                self.step = Step::LastAck;
            }
            _ => {
                self.segment(
                    out,
                    true,
                    Flags {
                        ack: true,
                        ..Flags::default()
                    },
                    &[],
                )?;
                self.step = Step::Done;
            }
        }
        Ok(())
    }
}

impl Conversation for TcpSession {
    fn next_frame(&mut self, out: &mut Vec<u8>) -> Result<bool, GenError> {
        out.clear();
        match self.step {
            Step::Syn => {
                self.segment(
                    out,
                    true,
                    Flags {
                        syn: true,
                        ..Flags::default()
                    },
                    &[],
                )?;
                self.advance(true, 1);
                self.step = Step::SynAck;
            }
            Step::SynAck => {
                self.segment(
                    out,
                    false,
                    Flags {
                        syn: true,
                        ack: true,
                        ..Flags::default()
                    },
                    &[],
                )?;
                self.advance(false, 1);
                self.step = Step::Ack;
            }
            Step::Ack => {
                self.segment(
                    out,
                    true,
                    Flags {
                        ack: true,
                        ..Flags::default()
                    },
                    &[],
                )?;
                self.step = Step::Data;
            }
            Step::Data => self.data(out)?,
            Step::Fin | Step::FinAck | Step::LastAck => self.close(out)?,
            Step::Done => return Ok(false),
        }
        Ok(true)
    }
}

/// One UDP datagram.
#[derive(Debug, Clone)]
pub struct Datagram {
    pub from: Endpoint,
    pub to: Endpoint,
    pub body: Body,
}

/// A run of UDP datagrams (a discovery exchange, DNS, DHCP, a media
/// stream), sent in order; a datagram's filler body is cut into
/// `chunk`-byte datagrams, as RTP cuts video.
#[derive(Debug)]
pub struct UdpExchange {
    link: Link,
    datagrams: Vec<Datagram>,
    chunk: usize,
    next: usize,
    offset: u64,
    /// Datagrams of the current filler body sent so far (RTP sequence).
    sent: u32,
    scratch: Vec<u8>,
}

impl UdpExchange {
    pub fn new(link: Link, datagrams: Vec<Datagram>) -> Self {
        UdpExchange {
            link,
            datagrams,
            chunk: 1400,
            next: 0,
            offset: 0,
            sent: 0,
            scratch: Vec::new(),
        }
    }
}

impl Conversation for UdpExchange {
    fn next_frame(&mut self, out: &mut Vec<u8>) -> Result<bool, GenError> {
        out.clear();
        let Some(d) = self.datagrams.get(self.next) else {
            return Ok(false);
        };
        let (payload, done) = match &d.body {
            Body::Bytes(b) => (b.as_slice(), true),
            body @ (Body::Filler { len, .. } | Body::Rtp { len, .. } | Body::Tls { len, .. }) => {
                let n = (*len - self.offset.min(*len)).min(self.chunk as u64) as usize;
                let p = body.chunk(self.offset, n);
                self.offset += n as u64;
                let done = self.offset >= *len;
                if let Body::Rtp { seed, .. } = body {
                    self.scratch.clear();
                    self.scratch
                        .extend_from_slice(&rtp_header(*seed, self.sent, done));
                    self.scratch.extend_from_slice(p);
                    (self.scratch.as_slice(), done)
                } else {
                    (p, done)
                }
            }
        };
        self.link.udp(out, &d.from, &d.to, payload)?;
        self.sent += 1;
        if done {
            self.next += 1;
            self.offset = 0;
            self.sent = 0;
        }
        Ok(true)
    }
}

/// RTP version 2, dynamic payload type 96, the marker on a frame's last
/// datagram; 30 frames a second of 10 datagrams each.
fn rtp_header(seed: u64, n: u32, last: bool) -> [u8; 12] {
    let seq = (seed as u16).wrapping_add(n as u16);
    let ts = (seed >> 16) as u32 + (n / 10) * 3000;
    let mut h = [0u8; 12];
    h[0] = 0x80;
    h[1] = 96 | if last || n % 10 == 9 { 0x80 } else { 0 };
    h[2..4].copy_from_slice(&seq.to_be_bytes());
    h[4..8].copy_from_slice(&ts.to_be_bytes());
    h[8..12].copy_from_slice(&((seed >> 32) as u32).to_be_bytes());
    h
}

/// Conversations run one after another, as one device does its DHCP, is
/// discovered, polled and streamed, then calls home.
pub struct Chain {
    parts: std::collections::VecDeque<Box<dyn Conversation + Send>>,
}

impl Chain {
    pub fn new(parts: Vec<Box<dyn Conversation + Send>>) -> Self {
        Chain {
            parts: parts.into(),
        }
    }
}

impl Conversation for Chain {
    fn next_frame(&mut self, out: &mut Vec<u8>) -> Result<bool, GenError> {
        while let Some(first) = self.parts.front_mut() {
            if first.next_frame(out)? {
                return Ok(true);
            }
            self.parts.pop_front();
        }
        Ok(false)
    }
}
