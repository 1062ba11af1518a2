//! `camaudit import FILE`: another tool's results (nmap XML) read into
//! observations and put through the same pipeline and store as a scan.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_import::nmap::{self, Limits, ScanSummary};
use camaudit_model::Observation;
use camaudit_pipeline::PipelineError;
use camaudit_pipeline::batch::{BatchSource, Ingest};
use camaudit_store::{Location, ScanKind};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cmd_identify::write_to;
use crate::engine_args::EngineArgs;
use crate::output::{Format, write_devices};
use crate::push_arg::PushArgs;
use crate::store_arg;

/// Observations gathered before they are written to the store as one
/// transaction: large enough that a big file is not a transaction per
/// host, small enough to keep memory flat.
const PART_OBSERVATIONS: usize = 20_000;

/// Skipped hosts named one by one before only the count is kept.
const SKIPS_SHOWN: usize = 5;

#[derive(clap::Args)]
#[command(
    about = "Import another tool's scan (nmap XML) and identify its devices through the same pipeline and store",
    long_about = "Import another tool's scan (nmap XML written with -oX) and identify its devices through the same pipeline and store as `camaudit scan`.\n\nnmap's service and version fields (-sV), NSE script output (http-title, http-headers, rtsp-methods, ssl-cert, upnp-info, broadcast-wsdd-discover, banner …) and MAC addresses become observations in camaudit's field vocabulary, so the same fingerprint rules decide the maker. The file is streamed (bounded memory at any size), entities are never expanded, and a file that cannot be read gives one error and leaves nothing in the store. The mapping is in docs/import.md.",
    after_help = "Examples:
  nmap -sV -p 80,443,554,8000,37777 --script http-title,http-headers,rtsp-methods,ssl-cert -oX site.xml 10.20.0.0/24
  camaudit import site.xml
  camaudit import site.xml --format csv -o devices.csv --db estate.db
  camaudit import - < site.xml                                # standard input
  camaudit import site.xml --push https://camaudit.estate.internal --site town-hall --token-file token

Fields: docs/fields.md; the nmap mapping and its limits: docs/import.md."
)]
pub struct Args {
    /// nmap XML file (`nmap -oX`); `-` reads standard input.
    file: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write devices to this file instead of standard output (written whole or not at all).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The store the import is recorded in, beside scans: a SQLite file, or postgres://user@host/db.
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
    let input: Box<dyn BufRead> = if args.file.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        let f = File::open(&args.file)
            .with_context(|| format!("cannot open {name}: check the path"))?;
        Box::new(BufReader::with_capacity(1 << 16, f))
    };
    let mut store = store_arg::open(&args.db)?;
    let mut ingest = Ingest::begin(
        &mut *store,
        BatchSource {
            kind: ScanKind::Import,
            name: name.clone(),
            started_at: OffsetDateTime::now_utc(),
            params: serde_json::json!({"format": "nmap-xml"}),
        },
    )?;
    let summary = match read_into(input, &mut ingest) {
        Ok(summary) => summary,
        Err(e) => {
            ingest.abandon();
            return Err(e.context(format!("importing {name} (nothing was recorded)")));
        }
    };
    ingest.set_origin(started_at(&summary), &origin(&summary))?;
    let outcome = ingest.finish(&engine)?;
    write_to(args.output.as_deref(), |out| {
        write_devices(out, &outcome.devices, args.format)
    })?;
    if !args.quiet {
        report_skips(&name, &summary);
        eprintln!("camaudit: {}", summary_line(&name, &summary, &outcome));
    }
    match pusher {
        Some(p) => p.push(Some((&*store, outcome.scan)), args.quiet),
        None => Ok(ExitCode::SUCCESS),
    }
}

fn flush(part: &mut Vec<Observation>, ingest: &mut Ingest<'_>) -> Result<(), PipelineError> {
    let recorded = ingest.add(part);
    part.clear();
    recorded
}

/// Streams the file into the store in parts.
fn read_into(input: Box<dyn BufRead>, ingest: &mut Ingest<'_>) -> Result<ScanSummary> {
    let mut part: Vec<Observation> = Vec::with_capacity(PART_OBSERVATIONS);
    let summary = nmap::read_nmap_xml_with(input, &Limits::default(), |host| {
        part.extend(host);
        if part.len() >= PART_OBSERVATIONS {
            flush(&mut part, ingest)?;
        }
        Ok::<(), PipelineError>(())
    })?;
    flush(&mut part, ingest)?;
    Ok(summary)
}

fn started_at(s: &ScanSummary) -> OffsetDateTime {
    s.scan_started_at
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .unwrap_or_else(OffsetDateTime::now_utc)
}

/// How the file was produced, as stored with the import.
fn origin(s: &ScanSummary) -> serde_json::Value {
    serde_json::json!({
        "format": "nmap-xml",
        "nmap_version": s.nmap_version,
        "args": s.args,
        "hosts_read": s.hosts_read,
        "hosts_down": s.hosts_down,
        "hosts_skipped": s.hosts_skipped,
        "finished": s.finished.as_ref().and_then(|f| f.at.clone()),
    })
}

fn report_skips(name: &str, s: &ScanSummary) {
    for skip in s.skipped.iter().take(SKIPS_SHOWN) {
        eprintln!(
            "camaudit: {name}: {}: host {} skipped: {}",
            skip.at,
            skip.addr.as_deref().unwrap_or("without an address"),
            skip.reason
        );
    }
    if let Some(f) = &s.finished
        && f.exit.as_deref() == Some("error")
    {
        eprintln!(
            "camaudit: {name}: nmap itself reported an error: {}",
            f.error_message.as_deref().unwrap_or("(no message)")
        );
    }
    if s.finished.is_none() {
        eprintln!(
            "camaudit: {name}: the file has no <runstats>: nmap did not finish this scan, so hosts may be missing"
        );
    }
}

fn summary_line(name: &str, s: &ScanSummary, o: &camaudit_pipeline::batch::BatchOutcome) -> String {
    let covered = o.devices.iter().filter(|d| d.covered).count();
    let rebrands = o
        .devices
        .iter()
        .filter(|d| d.covered && d.is_rebrand())
        .count();
    let skipped = if s.hosts_skipped > 0 {
        format!(", {} hosts skipped", s.hosts_skipped)
    } else {
        String::new()
    };
    format!(
        "import {} of {name}: {} hosts up{skipped}, {} observations → {} devices, {covered} covered ({rebrands} rebrands unmasked)",
        o.scan,
        s.hosts_read,
        o.observations,
        o.devices.len(),
    )
}
