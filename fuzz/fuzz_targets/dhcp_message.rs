//! DHCP messages: option lengths past the end and odd hardware types are
//! refused or read within the buffer.
#![no_main]

use camaudit_passive::proto::dhcp;
use camaudit_passive::{Limits, sink::Sink};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = dhcp::parse(data) {
        assert!(d.options.len() <= 64);
        assert!(d.options.iter().all(|(_, v)| v.len() <= 255));
    }
    let mut sink = Sink::new(&Limits::default());
    dhcp::datagram(data, 0, &mut sink);
});
