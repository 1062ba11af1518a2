//! Bounded TCP reassembly for the streams worth reading. A stream is
//! tracked only when its first payload looks like HTTP, RTSP, TLS or a
//! Topsee NetSDK frame, or its
//! port is DNS's or a camera maker's binary service; everything else costs one hash
//! look-up and a prefix compare per packet. Each direction keeps its bytes
//! in order (a few out-of-order segments wait; a hole is counted and the
//! parser resynchronises), up to a per-direction cap; the table has a
//! fixed size and idle streams are evicted.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::Limits;
use crate::decode::Tcp;
use crate::proto::message::looks_like_message;
use crate::proto::stream::{App, Parser};
use crate::sink::Sink;

/// Out-of-order segments kept per direction before a hole is declared.
const MAX_PENDING: usize = 8;
/// Bytes a direction that began mid-message waits for an earlier segment
/// before it is parsed from where it is.
const MAX_UNANCHORED: usize = 8 * 1024;

/// A stream's key: its two endpoints, lower first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamKey {
    pub lo: (IpAddr, u16),
    pub hi: (IpAddr, u16),
}

impl StreamKey {
    /// The key and which half (0: lo → hi, 1: hi → lo) a packet is.
    pub fn of(src: (IpAddr, u16), dst: (IpAddr, u16)) -> (StreamKey, usize) {
        if src <= dst {
            (StreamKey { lo: src, hi: dst }, 0)
        } else {
            (StreamKey { lo: dst, hi: src }, 1)
        }
    }

    pub fn endpoint(&self, half: usize) -> (IpAddr, u16) {
        if half == 0 { self.lo } else { self.hi }
    }
}

/// One direction of a stream.
#[derive(Debug, Default)]
pub struct Half {
    next: Option<u32>,
    /// In-order bytes not yet parsed.
    pub buf: Vec<u8>,
    /// Bytes taken into `buf` so far (against the cap).
    taken: usize,
    pending: Vec<(u32, Vec<u8>)>,
    /// Bytes still to discard (a body past its cap, interleaved RTP).
    pub skip: u64,
    /// Nothing more is read in this direction.
    pub done: bool,
    pub closed: bool,
    /// The first sequence number came from a SYN, not from the first
    /// segment the capture happened to show.
    from_syn: bool,
    /// Parsing may start: the bytes begin at a SYN or at a message start.
    anchored: bool,
}

#[derive(Debug)]
pub struct Stream {
    pub key: StreamKey,
    pub halves: [Half; 2],
    pub parser: Parser,
    last: i64,
}

/// The first bytes or ports that make a stream worth reassembling.
pub fn app_for(payload: &[u8], sport: u16, dport: u16) -> Option<App> {
    if sport == 53 || dport == 53 {
        return Some(App::Dns);
    }
    if looks_like_message(payload) {
        return Some(App::Web);
    }
    if payload.len() >= 6 && payload[0] == 0x16 && payload[1] == 0x03 && payload[2] <= 0x04 {
        return Some(App::Tls);
    }
    if payload.starts_with(&camaudit_probe::topsee::FRAME_MAGIC) {
        return Some(App::TopseeSdk);
    }
    crate::proto::stream::banner_port(sport)
        .or(crate::proto::stream::banner_port(dport))
        .map(|_| App::Banner)
}

#[derive(Debug)]
pub struct Streams {
    table: FxHashMap<StreamKey, Stream>,
    limits: Limits,
    since_sweep: usize,
    /// Bytes the table's buffers hold (capacity, as allocated).
    held: usize,
}

/// Bytes a stream's buffers hold as allocated.
fn held(stream: &Stream) -> usize {
    stream
        .halves
        .iter()
        .map(|h| h.buf.capacity() + h.pending.iter().map(|(_, p)| p.capacity()).sum::<usize>())
        .sum()
}

impl Streams {
    pub fn new(limits: &Limits) -> Self {
        Streams {
            table: FxHashMap::default(),
            limits: limits.clone(),
            since_sweep: 0,
            held: 0,
        }
    }

    /// One TCP segment.
    pub fn segment(&mut self, src: IpAddr, dst: IpAddr, tcp: &Tcp<'_>, ts: i64, sink: &mut Sink) {
        let (key, half) = StreamKey::of((src, tcp.src_port), (dst, tcp.dst_port));
        if !self.table.contains_key(&key) {
            if tcp.payload.is_empty() {
                return;
            }
            let Some(app) = app_for(tcp.payload, tcp.src_port, tcp.dst_port) else {
                return;
            };
            if !self.make_room(ts, sink) {
                sink.summary.streams_evicted += 1;
                return;
            }
            sink.summary.streams += 1;
            self.table.insert(
                key,
                Stream {
                    key,
                    halves: [Half::default(), Half::default()],
                    parser: Parser::new(app),
                    last: ts,
                },
            );
        }
        let Some(stream) = self.table.get_mut(&key) else {
            return;
        };
        stream.last = ts;
        let held_before = held(stream);
        let cap = self.limits.stream_bytes;
        let h = &mut stream.halves[half];
        if tcp.syn {
            h.next = Some(tcp.seq.wrapping_add(1));
            h.from_syn = true;
        }
        let mut fresh = false;
        if !tcp.payload.is_empty() && !h.done {
            let seq = if tcp.syn {
                tcp.seq.wrapping_add(1)
            } else {
                tcp.seq
            };
            fresh = h.accept(seq, tcp.payload, cap, sink);
        }
        if tcp.fin || tcp.rst {
            h.closed = true;
            fresh = true;
        }
        let h = &mut stream.halves[half];
        if !h.anchored {
            h.anchored = h.from_syn
                || stream.parser.anchors(&h.buf)
                || h.buf.len() >= MAX_UNANCHORED
                || h.closed;
        }
        if fresh && h.anchored {
            stream.parser.run(&key, &mut stream.halves, half, ts, sink);
        }
        let finished = stream.halves.iter().all(|h| h.done || h.closed) || stream.parser.finished();
        let held_after = held(stream);
        self.held = (self.held + held_after).saturating_sub(held_before);
        if finished {
            self.table.remove(&key);
            self.held = self.held.saturating_sub(held_after);
        }
        if self.held > self.limits.stream_buffer_bytes {
            self.shed(ts, sink);
        }
    }

    /// All streams together hold more than their budget: the largest are
    /// parsed for what they have and dropped until a quarter of the budget
    /// is free, so a burst of hostile streams costs one sort, not one per
    /// segment.
    fn shed(&mut self, now: i64, sink: &mut Sink) {
        let target = self.limits.stream_buffer_bytes / 4 * 3;
        let mut sizes: Vec<(usize, StreamKey)> =
            self.table.iter().map(|(k, s)| (held(s), *k)).collect();
        sizes.sort_unstable_by_key(|s| std::cmp::Reverse(s.0));
        for (size, key) in sizes {
            if self.held <= target {
                break;
            }
            if let Some(mut s) = self.table.remove(&key) {
                s.parser.close(&s.key, &mut s.halves, now, sink);
                self.held = self.held.saturating_sub(size);
                sink.summary.streams_shed += 1;
            }
        }
    }

    /// Room for one more stream: sweep idle ones when the table is full.
    fn make_room(&mut self, now: i64, sink: &mut Sink) -> bool {
        if self.table.len() < self.limits.max_streams {
            return true;
        }
        self.since_sweep += 1;
        if self.since_sweep < 64 {
            return false;
        }
        self.since_sweep = 0;
        let idle = self.limits.stream_idle_secs;
        let before = self.table.len();
        let mut flushed = Vec::new();
        self.table.retain(|_, s| {
            let keep = now - s.last < idle;
            if !keep {
                flushed.push(std::mem::replace(
                    s,
                    Stream {
                        key: s.key,
                        halves: [Half::default(), Half::default()],
                        parser: Parser::new(App::Banner),
                        last: s.last,
                    },
                ));
            }
            keep
        });
        for mut s in flushed {
            self.held = self.held.saturating_sub(held(&s));
            s.parser.close(&s.key, &mut s.halves, now, sink);
        }
        sink.summary.streams_evicted += (before - self.table.len()) as u64;
        self.table.len() < self.limits.max_streams
    }

    /// Parses what the streams still hold (the capture has ended).
    pub fn finish(&mut self, now: i64, sink: &mut Sink) {
        for (_, mut s) in self.table.drain() {
            s.parser.close(&s.key, &mut s.halves, now, sink);
        }
    }
}

impl Half {
    /// Takes a segment; true when bytes were added in order.
    fn accept(&mut self, seq: u32, payload: &[u8], cap: usize, sink: &mut Sink) -> bool {
        let next = *self.next.get_or_insert(seq);
        let offset = seq.wrapping_sub(next) as i32;
        if offset < 0 && self.rebase(seq, next) {
            return self.accept(seq, payload, cap, sink);
        }
        if offset < 0 {
            // A retransmission, perhaps with new bytes at its end.
            let overlap = offset.unsigned_abs() as usize;
            if overlap >= payload.len() {
                return false;
            }
            return self.append(&payload[overlap..], cap, sink);
        }
        if offset > 0 {
            if self.pending.len() < MAX_PENDING {
                self.pending.push((seq, payload.to_vec()));
                return false;
            }
            // A hole the capture will not fill: jump to the earliest
            // waiting segment and let the parser resynchronise.
            sink.summary.stream_gaps += 1;
            self.pending.push((seq, payload.to_vec()));
            self.pending.sort_by_key(|(s, _)| s.wrapping_sub(next));
            self.next = Some(self.pending[0].0);
            self.buf.clear();
            self.skip = 0;
        }
        let mut added = if offset == 0 {
            self.append(payload, cap, sink)
        } else {
            false
        };
        // Waiting segments that now fit.
        while let Some(i) = self.pending.iter().position(|(s, p)| {
            let n = self.next.unwrap_or(0);
            let d = s.wrapping_sub(n) as i32;
            d <= 0 && (d.unsigned_abs() as usize) < p.len() || d == 0
        }) {
            let (s, p) = self.pending.swap_remove(i);
            let n = self.next.unwrap_or(s);
            let overlap = n.wrapping_sub(s) as usize;
            added |= self.append(&p[overlap.min(p.len())..], cap, sink);
        }
        let n = self.next.unwrap_or(0);
        self.pending
            .retain(|(s, p)| (s.wrapping_add(p.len() as u32).wrapping_sub(n) as i32) > 0);
        added
    }

    /// Without a SYN, the first segment seen may not be the first sent: an
    /// earlier one arriving late moves the start back, as long as nothing
    /// has been parsed yet. True when it did.
    fn rebase(&mut self, seq: u32, next: u32) -> bool {
        let back = next.wrapping_sub(seq) as usize;
        let untouched = self.taken == self.buf.len() && self.skip == 0;
        if self.from_syn || !untouched || back <= self.buf.len() || back > 64 * 1024 {
            return false;
        }
        let start = next.wrapping_sub(self.buf.len() as u32);
        if !self.buf.is_empty() {
            self.pending.push((start, std::mem::take(&mut self.buf)));
        }
        self.taken = 0;
        self.next = Some(seq);
        true
    }

    fn append(&mut self, bytes: &[u8], cap: usize, sink: &mut Sink) -> bool {
        if bytes.is_empty() {
            return false;
        }
        self.next = Some(self.next.unwrap_or(0).wrapping_add(bytes.len() as u32));
        let mut bytes = bytes;
        if self.skip > 0 {
            let n = (self.skip as usize).min(bytes.len());
            self.skip -= n as u64;
            bytes = &bytes[n..];
            if bytes.is_empty() {
                return false;
            }
        }
        let room = cap.saturating_sub(self.taken);
        if room == 0 {
            self.done = true;
            return false;
        }
        let n = bytes.len().min(room);
        self.buf.extend_from_slice(&bytes[..n]);
        self.taken += n;
        if self.taken >= cap {
            sink.summary.streams_capped += 1;
            self.done = true;
        }
        true
    }
}
