//! How fast a capture is read: `cargo run --release -p camaudit-passive
//! --example throughput -- FILE [--generate MB]`. With `--generate`, first
//! writes FILE: mostly ordinary traffic (HTTPS-like TCP streams of
//! 800-byte segments, UDP), with a camera's RTSP and HTTP replies and a
//! DHCP request mixed in, so the hot loop and the evidence path both run.
//! Prints packets, bytes, seconds and GB/s of the read (the file should be
//! in the page cache: run it twice).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

fn frame(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, src[3]], [2, 0, 0, 0, 0, dst[3]])
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 65535)
        .ack(1);
    let mut out = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut out, payload).expect("a frame fits");
    out
}

fn generate(path: &str, megabytes: u64) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut header = Vec::new();
    header.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&4u16.to_le_bytes());
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&65535u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    w.write_all(&header)?;
    let bulk = vec![0x17u8; 746];
    let camera = b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"Login to 4H01D66PAJ2FA64\", nonce=\"1\"\r\nServer: Rtsp Server/3.0\r\n\r\n";
    let mut written = 0u64;
    let mut n = 0u32;
    while written < megabytes << 20 {
        n = n.wrapping_add(1);
        let host = (n % 200) as u8 + 10;
        let f = if n.is_multiple_of(5000) {
            frame(
                [10, 0, 1, host],
                554,
                [10, 0, 0, 2],
                40000 + (n % 1000) as u16,
                1,
                camera,
            )
        } else {
            frame(
                [10, 0, 0, host],
                50000 + (n % 64) as u16,
                [52, 1, 2, host],
                443,
                n.wrapping_mul(746),
                &bulk,
            )
        };
        let mut rec = Vec::with_capacity(16);
        rec.extend_from_slice(&(1_700_000_000 + n / 10_000).to_le_bytes());
        rec.extend_from_slice(&(n % 1_000_000).to_le_bytes());
        rec.extend_from_slice(&(f.len() as u32).to_le_bytes());
        rec.extend_from_slice(&(f.len() as u32).to_le_bytes());
        w.write_all(&rec)?;
        w.write_all(&f)?;
        written += (16 + f.len()) as u64;
    }
    w.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: throughput FILE [--generate MB]")?;
    if let Some(i) = args.iter().position(|a| a == "--generate") {
        let mb: u64 = args.get(i + 1).ok_or("--generate needs MB")?.parse()?;
        generate(path, mb)?;
    }
    let size = std::fs::metadata(path)?.len();
    let start = Instant::now();
    let capture = camaudit_passive::read(
        Box::new(File::open(path)?),
        path,
        &camaudit_passive::Limits::default(),
    )?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} packets, {} bytes in {secs:.3} s: {:.2} GB/s; {} observations, {} device addresses; {:?}",
        capture.summary.packets,
        size,
        size as f64 / secs / 1e9,
        capture.observations.len(),
        capture.endpoints.len(),
        capture.summary.skipped()
    );
    Ok(())
}
