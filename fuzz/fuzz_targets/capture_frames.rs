//! Arbitrary frames inside a well-formed pcap: every decoder and protocol
//! reader behind the capture reader (Ethernet/VLAN/IP/TCP/UDP, stream
//! reassembly, HTTP/RTSP/TLS/DNS/DHCP/discovery) sees hostile bytes. The
//! input is split into frames at each 0xff byte; the first byte picks the
//! link type and whether frames claim to be longer on the wire.
#![no_main]

use camaudit_passive::{Limits, read};
use libfuzzer_sys::fuzz_target;

const LINKS: [u32; 5] = [1, 101, 113, 276, 0];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mut file = Vec::new();
    file.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    file.extend_from_slice(&2u16.to_le_bytes());
    file.extend_from_slice(&4u16.to_le_bytes());
    file.extend_from_slice(&[0; 8]);
    file.extend_from_slice(&65535u32.to_le_bytes());
    file.extend_from_slice(&LINKS[usize::from(pick) % LINKS.len()].to_le_bytes());
    for (i, frame) in rest.split(|&b| b == 0xff).enumerate() {
        file.extend_from_slice(&(i as u32).to_le_bytes());
        file.extend_from_slice(&0u32.to_le_bytes());
        file.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        file.extend_from_slice(&(frame.len() as u32 + u32::from(pick & 1) * 10).to_le_bytes());
        file.extend_from_slice(frame);
    }
    let limits = Limits {
        max_streams: 4,
        stream_bytes: 2048,
        ..Limits::default()
    };
    let c = read(Box::new(std::io::Cursor::new(file)), "fuzz", &limits).expect("a well-formed pcap");
    assert!(c.summary.read.stop.is_none());
});
