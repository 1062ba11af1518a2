//! `camaudit-pcap-baseline`: the floor `camaudit pcap` is measured against.
//! It only reads a capture (pcap-parser, streaming) and parses each
//! frame's link, IP and transport headers (etherparse), counting what it
//! saw; no flows, no payloads. Its rate on a file is the most any passive
//! tool built on these crates could reach on this machine.
//!
//! Example: `camaudit-pcap-baseline capture.pcap` prints one JSON line.

use std::fs::File;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError, create_reader};

/// Read a capture and parse every frame's headers, as fast as possible.
///
/// Example:
///   camaudit-pcap-baseline tmp/bench-1g.pcap
#[derive(Parser)]
#[command(version)]
struct Args {
    /// A pcap or pcapng file.
    capture: PathBuf,
}

#[derive(Default, serde::Serialize)]
struct Counts {
    packets: u64,
    bytes: u64,
    ipv4: u64,
    ipv6: u64,
    tcp: u64,
    udp: u64,
    unparsed: u64,
    /// Sum of transport payload lengths: makes sure the parse is not
    /// optimised away, and is a check between runs.
    payload_bytes: u64,
    seconds: f64,
    gb_per_s: f64,
}

impl Counts {
    fn frame(&mut self, data: &[u8]) {
        self.packets += 1;
        self.bytes += data.len() as u64;
        let Ok(p) = SlicedPacket::from_ethernet(data) else {
            self.unparsed += 1;
            return;
        };
        match &p.net {
            Some(NetSlice::Ipv4(_)) => self.ipv4 += 1,
            Some(NetSlice::Ipv6(_)) => self.ipv6 += 1,
            _ => {}
        }
        match &p.transport {
            Some(TransportSlice::Tcp(t)) => {
                self.tcp += 1;
                self.payload_bytes += t.payload().len() as u64;
            }
            Some(TransportSlice::Udp(u)) => {
                self.udp += 1;
                self.payload_bytes += u.payload().len() as u64;
            }
            _ => {}
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(c) => {
            println!("{}", serde_json::to_string(&c).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("camaudit-pcap-baseline: {}: {e}", args.capture.display());
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<Counts, String> {
    let file = File::open(&args.capture).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut reader = create_reader(1 << 20, file).map_err(|e| format!("not a capture: {e:?}"))?;
    let mut counts = Counts::default();
    let mut stalled = false;
    loop {
        match reader.next() {
            Ok((used, block)) => {
                stalled = false;
                match block {
                    PcapBlockOwned::Legacy(b) => counts.frame(b.data),
                    PcapBlockOwned::NG(Block::EnhancedPacket(b)) => counts.frame(b.data),
                    PcapBlockOwned::NG(Block::SimplePacket(b)) => counts.frame(b.data),
                    _ => {}
                }
                reader.consume(used);
            }
            Err(PcapError::Eof) => break,
            // A second refill with nothing new means the file ends inside a block.
            Err(PcapError::Incomplete(_)) if stalled => {
                return Err(format!("truncated after {} packets", counts.packets));
            }
            Err(PcapError::Incomplete(_)) => {
                reader.refill().map_err(|e| format!("reading: {e:?}"))?;
                stalled = true;
            }
            Err(e) => return Err(format!("after {} packets: {e:?}", counts.packets)),
        }
    }
    counts.seconds = start.elapsed().as_secs_f64();
    counts.gb_per_s = counts.bytes as f64 / 1e9 / counts.seconds.max(1e-9);
    Ok(counts)
}
