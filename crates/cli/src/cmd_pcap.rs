//! `camaudit pcap FILE`: a packet capture read passively into observations,
//! put through the same pipeline and store as a scan, with each device's
//! remote endpoints (call-home) attached.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_model::{Device, EndpointService};
use camaudit_passive::{Capture, Limits, Summary};
use camaudit_pipeline::batch::{BatchOutcome, BatchSource, Ingest};
use camaudit_registry::Registry;
use camaudit_store::{Location, ScanKind, Store};
use time::OffsetDateTime;

use crate::cmd_identify::{write_atomically, write_to};
use crate::engine_args::EngineArgs;
use crate::output::{Format, write_devices};
use crate::push_arg::PushArgs;
use crate::store_arg;

/// Observations written to the store per transaction.
const PART_OBSERVATIONS: usize = 20_000;

#[derive(clap::Args)]
#[command(
    about = "Find and attribute devices in a packet capture (pcap/pcapng), with the remote endpoints each one talks to",
    long_about = "Find and attribute devices in a packet capture (pcap or pcapng, plain or gzip, or standard input), through the same pipeline and store as `camaudit scan`.\n\nNothing is sent: the capture is read passively. ARP, DHCP, DNS/mDNS, SSDP/UPnP, Hikvision SADP, Dahua DHIP, WS-Discovery, HTTP and RTSP both ways, TLS names and certificates become observations in the scanner's field vocabulary (source \"passive\"), so the same fingerprint rules decide the maker. Each device lists the remote endpoints it talked to (address, port, DNS name when the capture shows the lookup, bytes each way), flagged when the registry knows the peer as a maker's cloud or P2P service. Memory stays bounded whatever the capture's size; damaged input is read as far as it is good and what was skipped is counted in the summary. Details in docs/pcap.md.",
    after_help = "Examples:
  tcpdump -i eth1 -w site.pcap                                 # on a SPAN port
  camaudit pcap site.pcap
  camaudit pcap site.pcapng.gz --format jsonl -o devices.jsonl --db estate.db
  tcpdump -i eth1 -w - | camaudit pcap -                      # standard input
  camaudit pcap site.pcap --endpoints endpoints.csv            # who each device talks to
  camaudit pcap site.pcap --push https://camaudit.estate.internal --site town-hall --token-file token

Fields: docs/fields.md; what is read and what is skipped: docs/pcap.md."
)]
pub struct Args {
    /// Capture file (pcap or pcapng, optionally gzip-compressed); `-` reads standard input.
    file: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write devices to this file instead of standard output (written whole or not at all).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Also write every device's endpoints to this CSV file, one line per device and peer (address, port, DNS name, bytes each way, call_home, the maker's or P2P network's service); see docs/pcap.md.
    #[arg(long, value_name = "FILE")]
    endpoints: Option<PathBuf>,
    /// The store the capture is recorded in, beside scans: a SQLite file, or postgres://user@host/db.
    #[arg(long, default_value = "camaudit.db", value_name = "PATH|URL")]
    db: Location,
    #[command(flatten)]
    push: PushArgs,
    /// No summary on standard error.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let engine = args.engine.options().build()?;
    let pusher = args.push.prepare(&args.db)?;
    let name = args.file.display().to_string();
    let input: Box<dyn Read + Send> = if args.file.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(
            File::open(&args.file)
                .with_context(|| format!("cannot open {name}: check the path"))?,
        )
    };
    let capture = camaudit_passive::read(input, &name, &Limits::default()).map_err(|e| {
        anyhow::anyhow!(
            "{e}; nothing was recorded: give a capture written by tcpdump -w, dumpcap or Wireshark"
        )
    })?;
    let mut store = store_arg::open(&args.db)?;
    let outcome = record(&mut *store, &engine, &name, &capture)?;
    let mut devices = outcome.devices.clone();
    camaudit_passive::attach_endpoints(&mut devices, &capture.endpoints, |host| {
        service_for(engine.registry(), host)
    });
    store
        .set_devices(outcome.scan, &devices)
        .context("recording the devices' endpoints")?;
    write_to(args.output.as_deref(), |out| {
        write_devices(out, &devices, args.format)?;
        if args.format == Format::Table {
            writeln!(out)?;
            camaudit_report::write_call_home_table(out, &devices)?;
        }
        Ok(())
    })?;
    if let Some(path) = &args.endpoints {
        write_atomically(path, |out| {
            Ok(camaudit_report::write_endpoints_csv(out, &devices)?)
        })
        .with_context(|| format!("writing the endpoints to {}", path.display()))?;
    }
    if !args.quiet {
        eprintln!(
            "camaudit: {}",
            summary_line(&name, &capture.summary, &outcome, &devices)
        );
    }
    match pusher {
        Some(p) => p.push(Some((&*store, outcome.scan)), args.quiet),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Records the observations as a `pcap` scan and identifies its devices.
fn record(
    store: &mut dyn Store,
    engine: &camaudit_identify::Engine,
    name: &str,
    capture: &Capture,
) -> Result<BatchOutcome> {
    let mut ingest = Ingest::begin(
        store,
        BatchSource {
            kind: ScanKind::Pcap,
            name: name.to_owned(),
            started_at: started_at(capture),
            params: serde_json::json!({"format": "pcap", "summary": capture.summary}),
        },
    )?;
    for part in capture.observations.chunks(PART_OBSERVATIONS) {
        if let Err(e) = ingest.add(part) {
            ingest.abandon();
            return Err(
                anyhow::Error::new(e).context(format!("recording {name} (nothing was recorded)"))
            );
        }
    }
    Ok(ingest.finish(engine)?)
}

/// When the capture's first evidence was seen, else now.
fn started_at(capture: &Capture) -> OffsetDateTime {
    capture
        .observations
        .iter()
        .filter_map(|o| o.seen_at.as_deref())
        .filter_map(|t| {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .filter(|t| t.unix_timestamp() > 0)
        .min()
        .unwrap_or_else(OffsetDateTime::now_utc)
}

/// The registry's vendor cloud / P2P service a DNS name belongs to.
fn service_for(registry: &Registry, host: &str) -> Option<EndpointService> {
    let e = registry.endpoints_for_host(host).into_iter().next()?;
    Some(EndpointService {
        vendor: e.vendor.clone(),
        service: e.service.clone(),
        matched: format!("dns:{host}"),
        sources: e.sources.clone(),
    })
}

fn summary_line(name: &str, s: &Summary, o: &BatchOutcome, devices: &[Device]) -> String {
    let covered = devices.iter().filter(|d| d.covered).count();
    let calling = devices.iter().filter(|d| d.calls_home()).count();
    let skipped = s.skipped();
    let skipped = if skipped.is_empty() {
        "nothing skipped".to_owned()
    } else {
        format!("skipped: {}", skipped.join(", "))
    };
    format!(
        "pcap {} of {name}: {} packets, {} bytes, {} flows, {} observations → {} devices, {covered} covered, {calling} calling home; {skipped}",
        o.scan,
        s.packets,
        s.bytes,
        s.flows,
        o.observations,
        devices.len(),
    )
}
