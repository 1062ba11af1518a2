//! The makers' discovery payloads and SSDP (SADP XML, DHIP JSON, the
//! Topsee NetSDK search XML and control frames, WS-Discovery SOAP, SSDP
//! headers), UPnP descriptions and the P2P signatures on arbitrary bytes:
//! counted as malformed or read, never a panic, no entity expanded, and a
//! frame never claims more bytes than it was given.
#![no_main]

use camaudit_passive::proto::{discovery, p2p, upnp};
use camaudit_passive::{Limits, sink::Sink};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sink = Sink::new(&Limits::default());
    let src = "10.0.0.5".parse().unwrap();
    let dst = "10.0.0.2".parse().unwrap();
    discovery::sadp(data, src, 0, &mut sink);
    discovery::dhip(data, src, 0, &mut sink);
    discovery::topsee(data, src, 0, &mut sink);
    if let camaudit_probe::topsee::Frame::Message { consumed, .. } =
        camaudit_probe::topsee::frame(data)
    {
        assert!(consumed <= data.len());
    }
    discovery::wsd(data, src, 0, &mut sink);
    discovery::ssdp(data, src, 0, &mut sink);
    p2p::check(data, src, dst, 8800, &mut sink);
    upnp::description(&String::from_utf8_lossy(data), src, Some(80), 0, &mut sink);
    for o in sink.evidence.of(&src) {
        assert!(o.value.len() <= 64 * 1024);
    }
});
