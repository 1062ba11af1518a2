//! The makers' discovery protocols and SSDP, as the devices announce
//! themselves on the wire: Hikvision SADP (UDP 37020), Dahua DHIP (UDP
//! 37810), the Topsee / Anjoy Vision NetSDK search (UDP 3001, whose replies
//! are broadcast to the whole segment), WS-Discovery Hello and ProbeMatches
//! (UDP 3702), SSDP NOTIFY and search replies (UDP 1900). Replies go
//! through the scanner's own parsers (`camaudit_probe::{sadp, dhip, topsee,
//! wsd}`); a request (a client searching) is not evidence about its sender.

use std::net::IpAddr;

use camaudit_probe::{dhip, sadp, topsee, wsd};

use crate::proto::message::{Framed, StartLine, frame};
use crate::proto::stream::with_host;
use crate::sink::Sink;

pub fn sadp(payload: &[u8], src: IpAddr, ts: i64, sink: &mut Sink) {
    if memchr::memmem::find(payload, b"ProbeMatch").is_none() {
        return;
    }
    if !with_host(src, None, ts, sink, |obs| sadp::parse(payload, obs)) {
        sink.summary.malformed("sadp xml");
    }
}

pub fn dhip(payload: &[u8], src: IpAddr, ts: i64, sink: &mut Sink) {
    if memchr::memmem::find(payload, b"deviceInfo").is_none() {
        return;
    }
    if !with_host(src, None, ts, sink, |obs| dhip::parse(payload, obs)) {
        sink.summary.malformed("dhip json");
    }
}

pub fn topsee(payload: &[u8], src: IpAddr, ts: i64, sink: &mut Sink) {
    if !topsee::looks_like_message(payload) {
        return;
    }
    // A search (no body) is well-formed and simply says nothing.
    let read = |obs: &mut _| topsee::parse(payload, obs) != topsee::Parsed::Malformed;
    if !with_host(src, None, ts, sink, read) {
        sink.summary.malformed("topsee xml");
    }
}

pub fn wsd(payload: &[u8], src: IpAddr, ts: i64, sink: &mut Sink) {
    let announces = memchr::memmem::find(payload, b"ProbeMatch").is_some()
        || memchr::memmem::find(payload, b"Hello").is_some();
    if !announces {
        return;
    }
    if !with_host(src, None, ts, sink, |obs| wsd::parse(payload, obs)) {
        sink.summary.malformed("ws-discovery xml");
    }
}

pub fn ssdp(payload: &[u8], src: IpAddr, ts: i64, sink: &mut Sink) {
    let Framed::Message { message, .. } = frame(payload, true) else {
        sink.summary.malformed("ssdp");
        return;
    };
    let announcement = match &message.start {
        StartLine::Request { method, .. } => method == "NOTIFY",
        StartLine::Response { .. } => true,
    };
    if !announcement {
        return;
    }
    if let Some(server) = message.header("server") {
        sink.evidence.push(src, None, "ssdp.server", server, ts);
    }
}
