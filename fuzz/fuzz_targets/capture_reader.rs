//! `camaudit pcap` input: arbitrary bytes as a capture file (plain or
//! gzip) are a clear error or a capture read within its limits.
#![no_main]

use camaudit_passive::{Limits, read};
use libfuzzer_sys::fuzz_target;

fn small() -> Limits {
    Limits {
        max_addresses: 64,
        observations_per_address: 32,
        max_streams: 8,
        stream_bytes: 4096,
        max_conversations: 64,
        max_names: 64,
        endpoints_per_device: 8,
        ..Limits::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = small();
    let Ok(c) = read(Box::new(std::io::Cursor::new(data.to_vec())), "fuzz", &limits) else {
        return;
    };
    assert!(c.observations.len() <= limits.max_addresses * (limits.observations_per_address + 1) * 2);
    assert!(c.endpoints.values().all(|e| e.len() <= limits.endpoints_per_device));
});
