//! `camaudit-pcapgen`: writes a capture of a simulated site and its answer
//! key. See the crate documentation.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use camaudit_pcapgen::{Format, Settings, write_capture};
use clap::Parser;

/// Write a packet capture of the estate simulator's devices, mixed with
/// ordinary office traffic, and its exact answer key.
///
/// Example:
///   camaudit-pcapgen site.pcapng --devices 300 --background 1G --key site.key.json
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The capture to write.
    out: PathBuf,
    /// Where to write the answer key (JSON): devices and call-home flows.
    #[arg(long)]
    key: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Addresses of the simulated estate (as `camaudit sim --devices`).
    #[arg(long, default_value_t = 200)]
    devices: u32,
    /// Ordinary traffic to add: bytes, or with a K, M or G suffix.
    #[arg(long, default_value = "0", value_parser = parse_size)]
    background: u64,
    /// pcap or pcapng (default: from the file name).
    #[arg(long)]
    format: Option<Format>,
    /// Tag every frame with this 802.1Q VLAN id.
    #[arg(long)]
    vlan: Option<u16>,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let (num, mult) = match s.trim().to_ascii_uppercase().chars().last() {
        Some('K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("{s:?} is not a size such as 500M or 4G"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("camaudit-pcapgen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let format = args
        .format
        .unwrap_or(if args.out.extension().is_some_and(|e| e == "pcapng") {
            Format::PcapNg
        } else {
            Format::Pcap
        });
    let settings = Settings {
        seed: args.seed,
        devices: args.devices,
        background_bytes: args.background,
        format,
        vlan: args.vlan,
        ..Settings::default()
    };
    let file = File::create(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let (key, summary, w) = write_capture(&settings, BufWriter::with_capacity(1 << 20, file))
        .map_err(|e| e.to_string())?;
    w.into_inner()
        .map_err(|e| format!("{}: {}", args.out.display(), e.error()))?
        .sync_all()
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    if let Some(path) = &args.key {
        let text = serde_json::to_string_pretty(&key).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    eprintln!(
        "camaudit-pcapgen: {} packets, {} bytes ({} camera packets, {} bytes) from {} devices, {} call-home flows",
        summary.packets,
        summary.bytes,
        summary.camera_packets,
        summary.camera_bytes,
        key.devices.len(),
        key.call_home.len()
    );
    Ok(())
}
