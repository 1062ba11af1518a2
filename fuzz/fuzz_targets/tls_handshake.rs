//! TLS records as either side of a stream: lengths are checked, the
//! handshake buffer stays bounded, a certificate that does not parse is
//! counted.
#![no_main]

use camaudit_passive::proto::tls::{TlsState, server_name};
use camaudit_passive::{Limits, sink::Sink};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = server_name(data);
    let mut sink = Sink::new(&Limits::default());
    let a = ("10.0.0.2".parse().unwrap(), 40000);
    let b = ("10.0.0.5".parse().unwrap(), 443);
    let mut state = TlsState::default();
    for half in 0..2 {
        for chunk in data.chunks(97) {
            let mut buf = chunk.to_vec();
            state.read(half, &mut buf, if half == 0 { a } else { b }, if half == 0 { b } else { a }, 0, &mut sink);
        }
    }
});
