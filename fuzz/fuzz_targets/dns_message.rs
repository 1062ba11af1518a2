//! DNS and mDNS messages: pointer loops, cut records and huge counts end
//! in `None` or a bounded message, never a panic or a hang. The same bytes
//! as a DNS-over-TCP stream (length-prefixed messages) arriving in 13-byte
//! pieces: each read drains what it used, and the end leaves nothing.
#![no_main]

use camaudit_passive::proto::dns;
use camaudit_passive::{Limits, sink::Sink};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(m) = dns::parse(data) {
        assert!(m.questions.len() + m.records.len() <= 128);
        assert!(m.questions.iter().all(|(n, _)| n.len() <= 256));
    }
    let mut sink = Sink::new(&Limits::default());
    let src = "10.0.0.5".parse().unwrap();
    dns::unicast(data, src, 0, &mut sink);
    dns::multicast(data, src, 0, &mut sink);
    let mut buf = Vec::new();
    for piece in data.chunks(13) {
        buf.extend_from_slice(piece);
        if dns::tcp_stream(&mut buf, false, src, 0, &mut sink) == dns::TcpRead::NotDns {
            assert!(buf.is_empty());
            return;
        }
        assert!(buf.len() < 2 + 65_535);
    }
    dns::tcp_stream(&mut buf, true, src, 0, &mut sink);
    assert!(buf.is_empty());
});
