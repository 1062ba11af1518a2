//! `camaudit scan`: sweep targets, probe what answers, identify devices,
//! record everything in the scan store. The pipeline does the work
//! (`camaudit_pipeline::scan`); this reads the arguments and renders.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use std::sync::Arc;

use camaudit_pipeline::dry_run::{self, ScanPlan};
use camaudit_pipeline::scan::{CtrlC, ResumeJob, ScanJob, ScanOutcome, ScanParams};
use camaudit_probe::scan::{DEFAULT_CONCURRENCY, DEFAULT_PORTS, DEFAULT_RATE};
use camaudit_probe::{Audit, JsonlAudit, Keyring, targets};
use camaudit_store::{Location, ScanId, Store};

use crate::cmd_identify::write_to;
use crate::engine_args::EngineArgs;
use crate::output::{Format, write_devices};
use crate::progress::ScanDisplay;
use crate::push_arg::PushArgs;
use crate::store_arg;
use crate::vantage::VantageArgs;

#[derive(clap::Args)]
#[command(
    about = "Scan networks for surveillance equipment: sweep, probe (read-only), identify, record",
    after_help = "Examples:
  camaudit scan 10.20.0.0/16 --exclude 10.20.5.0/24
  camaudit scan --targets-file sites.txt --format csv -o devices.csv
  camaudit scan 127.77.0.0/16 --rate 20000 --concurrency 4000
  camaudit scan --resume 3
  camaudit scan 10.20.8.0/24 --from-zone core --from-site town-hall   # run from the staff LAN
  camaudit scan 10.20.0.0/24 --credentials onvif.toml --audit-log audit.jsonl
  camaudit scan 10.20.0.0/24 --credentials onvif.toml --dry-run
  camaudit scan 10.20.0.0/24 --db postgres://camaudit@db.internal/estate   # record on a PostgreSQL server
  camaudit scan 10.20.8.0/24 --push https://camaudit.estate.internal --site town-hall --token-file /etc/camaudit/token

Defaults are gentle (300 attempts/s, 256 sockets, one connection at a time per device):
see docs/scan.md before raising them on a live network."
)]
pub struct Args {
    /// Targets: addresses, CIDRs, ranges (10.0.0.1-10.0.3.254 or 10.0.0.1-254), host names; commas allowed.
    targets: Vec<String>,
    /// Read targets from a file (one or more per line, # comments).
    #[arg(long, value_name = "FILE")]
    targets_file: Option<PathBuf>,
    /// Never touch these (same forms as targets). Repeatable.
    #[arg(long, value_name = "SPEC")]
    exclude: Vec<String>,
    /// Read exclusions from a file.
    #[arg(long, value_name = "FILE")]
    exclude_file: Option<PathBuf>,
    /// TCP ports, e.g. 80,443,8000-8010 (default: the ports of surveillance gear).
    #[arg(long, short = 'p')]
    ports: Option<String>,
    /// Connection attempts (and UDP probes) per second for the whole scan.
    #[arg(long, default_value_t = DEFAULT_RATE)]
    rate: u32,
    /// Sockets open at once, at most (capped to the open-file limit).
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// TCP connect timeout in milliseconds (no answer = filtered).
    #[arg(long, default_value_t = 1500, value_name = "MS")]
    timeout: u64,
    /// Time for one request and reply in stage 2, in milliseconds.
    #[arg(long, default_value_t = 5000, value_name = "MS")]
    io_timeout: u64,
    /// Extra connect attempts on a timeout.
    #[arg(long, default_value_t = 1)]
    retries: u32,
    /// No UDP discovery (WS-Discovery, SADP, DHIP, SSDP).
    #[arg(long)]
    no_udp: bool,
    /// How long to wait for UDP replies, in milliseconds.
    #[arg(long, default_value_t = 1500, value_name = "MS")]
    udp_wait: u64,
    /// Also send multicast discovery out of this interface (name or IPv4 address).
    #[arg(long, value_name = "IFACE")]
    interface: Option<String>,
    /// ONVIF credentials: TOML [[credential]] tables, each sent only to targets inside its cidrs
    /// (docs/scan.md); the old one-line `user:password` file goes to every target. Without it nothing
    /// is authenticated.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Append one JSON line per request sent (time, target, port, protocol, request, bytes, outcome).
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// Print what would be sent where (targets, ports, rate, probes, where each credential would go)
    /// and send nothing.
    #[arg(long, conflicts_with = "resume")]
    dry_run: bool,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    vantage: VantageArgs,
    #[command(flatten)]
    push: PushArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write devices to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The scan store: a SQLite file, or a PostgreSQL database as postgres://user[:password]@host[:port]/db.
    #[arg(long, default_value = "camaudit.db", value_name = "PATH|URL")]
    db: Location,
    /// Continue an interrupted scan: its finished address blocks are not probed again.
    #[arg(long, value_name = "SCAN_ID")]
    resume: Option<i64>,
    /// No progress display or summary.
    #[arg(short, long)]
    quiet: bool,
    /// Lab use: services answer at their usual port plus N (the simulator's
    /// --port-offset, for running it without root). Never on real networks.
    #[arg(long, default_value_t = 0, value_name = "N")]
    port_offset: u16,
}

fn parse_ports(s: &str) -> Result<Vec<u16>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || format!("bad port {part:?}: use numbers 1-65535 and ranges such as 8000-8010");
        if let Some((a, b)) = part.split_once('-') {
            let a: u16 = a.trim().parse().ok().filter(|&p| p > 0).with_context(bad)?;
            let b: u16 = b
                .trim()
                .parse()
                .ok()
                .filter(|&p| p >= a)
                .with_context(bad)?;
            out.extend(a..=b);
        } else {
            out.push(part.parse().ok().filter(|&p| p > 0).with_context(bad)?);
        }
    }
    if out.is_empty() {
        bail!("--ports names no port");
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn read_specs(given: &[String], file: Option<&Path>) -> Result<Vec<String>> {
    let mut specs: Vec<String> = given.iter().flat_map(|t| targets::split_specs(t)).collect();
    if let Some(f) = file {
        specs.extend(targets::read_spec_file(f)?);
    }
    Ok(specs)
}

fn read_credentials(path: Option<&Path>) -> Result<Option<Arc<Keyring>>> {
    let Some(p) = path else { return Ok(None) };
    let keyring = Keyring::load(p)?;
    if keyring.is_unscoped() {
        eprintln!(
            "camaudit: warning: {} is an unscoped user:password file: the credential goes to every ONVIF target of this scan; scope it with [[credential]] cidrs = [...] (docs/scan.md)",
            p.display()
        );
    }
    Ok(Some(Arc::new(keyring)))
}

fn open_audit(path: Option<&Path>) -> Result<Audit> {
    let Some(p) = path else {
        return Ok(Audit::default());
    };
    let sink = JsonlAudit::create(p).with_context(|| {
        format!(
            "opening the audit log {} (check the directory exists and is writable)",
            p.display()
        )
    })?;
    Ok(Audit::new(Arc::new(sink)))
}

fn job_from_args(args: &Args) -> Result<ScanJob> {
    let targets = read_specs(&args.targets, args.targets_file.as_deref())?;
    let exclude = read_specs(&args.exclude, args.exclude_file.as_deref())?;
    if targets.is_empty() {
        bail!(
            "no targets: give addresses, CIDRs or ranges, or --targets-file (or --resume SCAN_ID)"
        );
    }
    let params = ScanParams {
        ports: match &args.ports {
            Some(p) => parse_ports(p)?,
            None => DEFAULT_PORTS.to_vec(),
        },
        rate: args.rate,
        concurrency: args.concurrency,
        timeout_ms: args.timeout,
        io_timeout_ms: args.io_timeout,
        retries: args.retries,
        udp: !args.no_udp,
        udp_wait_ms: args.udp_wait,
        interface: args.interface.clone(),
        credentials: false,
        port_offset: args.port_offset,
        vantage: args.vantage.vantage(&targets)?,
    };
    Ok(ScanJob {
        targets,
        exclude,
        params,
        credentials: read_credentials(args.credentials.as_deref())?,
        audit: Audit::default(),
        ctrl_c: CtrlC::Stops,
    })
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.dry_run {
        // Nothing is opened: no store, no audit log, no socket.
        let plan = dry_run::plan(&job_from_args(&args)?)?;
        write_to(args.output.as_deref(), |out| {
            write_plan(out, &plan, args.format)
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let engine = args.engine.options().build()?;
    let pusher = args.push.prepare(&args.db)?;
    let mut store = store_arg::open(&args.db)?;
    let display = ScanDisplay::new(args.quiet, args.db.to_string());
    let outcome = match args.resume {
        Some(id) => {
            let job = ResumeJob {
                scan: ScanId(id),
                credentials: read_credentials(args.credentials.as_deref())?,
                audit: open_audit(args.audit_log.as_deref())?,
                ctrl_c: CtrlC::Stops,
            };
            camaudit_pipeline::scan::resume(&mut *store, &engine, job, &display)
        }
        None => {
            let job = ScanJob {
                audit: open_audit(args.audit_log.as_deref())?,
                ..job_from_args(&args)?
            };
            camaudit_pipeline::scan::run(&mut *store, &engine, job, &display)
        }
    };
    drop(display);
    let outcome = outcome?;
    if outcome.already_complete {
        eprintln!(
            "camaudit: scan {} is already complete; printing its devices",
            outcome.scan
        );
    }
    let vantage = match args.format {
        Format::Jsonl => recorded_vantage(&*store, outcome.scan)?,
        _ => None,
    };
    write_to(args.output.as_deref(), |out| match &vantage {
        Some(v) => write_devices_with_vantage(out, &outcome.devices, v),
        None => write_devices(out, &outcome.devices, args.format),
    })?;
    if !args.quiet && !outcome.already_complete {
        eprintln!("camaudit: {}", summary_line(&outcome));
        if outcome.interrupted {
            eprintln!(
                "camaudit: stopped early; everything found so far is kept. Continue with: camaudit scan --resume {} --db {}",
                outcome.scan, args.db
            );
        }
    }
    if outcome.interrupted {
        if pusher.is_some() {
            eprintln!(
                "camaudit: the scan was not pushed: it is not complete (camaudit scan --resume {} --push … sends it when it is)",
                outcome.scan
            );
        }
        return Ok(ExitCode::from(130));
    }
    match pusher {
        Some(p) => p.push(Some((&*store, outcome.scan)), args.quiet),
        None => Ok(ExitCode::SUCCESS),
    }
}

fn summary_line(o: &ScanOutcome) -> String {
    let covered = o.devices.iter().filter(|d| d.covered).count();
    let rebrands = o
        .devices
        .iter()
        .filter(|d| d.covered && d.is_rebrand())
        .count();
    let mut line = format!(
        "scan {} {}: {} hosts answered, {} open ports, {} observations → {} devices, {covered} covered ({rebrands} rebrands unmasked) in {:.1}s",
        o.scan,
        o.status,
        o.hosts_up,
        o.open_ports,
        o.observations,
        o.devices.len(),
        o.elapsed.as_secs_f64()
    );
    let ignored = &o.replies_ignored;
    if ignored.replies > 0 {
        let first: Vec<String> = ignored
            .senders
            .iter()
            .take(3)
            .map(|a| a.to_string())
            .collect();
        line.push_str(&format!(
            "; {} discovery replies from addresses outside the targets or excluded were ignored, never probed ({}{})",
            ignored.replies,
            first.join(", "),
            if ignored.senders.len() > 3 { ", …" } else { "" }
        ));
    }
    line
}

/// The dry run's plan: JSON for `--format json|jsonl`, else lines to read.
fn write_plan(out: &mut dyn std::io::Write, plan: &ScanPlan, format: Format) -> Result<()> {
    if matches!(format, Format::Json | Format::Jsonl) {
        serde_json::to_writer_pretty(&mut *out, plan)?;
        writeln!(out)?;
        return Ok(());
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(" ")
        }
    };
    writeln!(
        out,
        "camaudit scan --dry-run: nothing was sent. The scan would:"
    )?;
    writeln!(
        out,
        "  targets   {} ({} addresses)",
        list(&plan.targets),
        plan.addresses
    )?;
    writeln!(
        out,
        "  exclude   {} (never sent anything; replies from them ignored)",
        list(&plan.exclude)
    )?;
    let ports: Vec<String> = plan.ports.iter().map(u16::to_string).collect();
    writeln!(
        out,
        "  ports     {}{}",
        ports.join(","),
        match plan.port_offset {
            0 => String::new(),
            n => format!(" (each contacted at +{n})"),
        }
    )?;
    writeln!(
        out,
        "  rate      {}/s, {} sockets, {} ms timeout, {} retries: {} TCP connects and {} UDP datagrams, at least {:.0} s",
        plan.rate,
        plan.concurrency,
        plan.timeout_ms,
        plan.retries,
        plan.connect_attempts,
        plan.udp_datagrams,
        plan.min_seconds.ceil()
    )?;
    writeln!(
        out,
        "  udp       {}",
        if plan.udp.is_empty() {
            "none (--no-udp)".to_owned()
        } else {
            plan.udp.join("; ")
        }
    )?;
    if let Some(m) = &plan.multicast {
        writeln!(
            out,
            "  multicast out of {}: {}; replies from non-targets {}",
            m.interface,
            m.groups.join("; "),
            m.replies_from_non_targets
        )?;
    }
    writeln!(out, "  stage 2, on open ports only:")?;
    // Ports that get the same requests are listed together.
    let mut groups: Vec<(Vec<String>, &[String])> = Vec::new();
    for p in &plan.probes {
        match groups.iter_mut().find(|(_, r)| *r == p.requests.as_slice()) {
            Some((ports, _)) => ports.push(p.port.to_string()),
            None => groups.push((vec![p.port.to_string()], &p.requests)),
        }
    }
    for (ports, requests) in groups {
        writeln!(out, "    {}: {}", ports.join(","), requests.join("; "))?;
    }
    if plan.credentials.is_empty() {
        writeln!(out, "  credentials: none (nothing is authenticated)")?;
    }
    for c in &plan.credentials {
        let protocols: Vec<String> = c.protocols.iter().map(ToString::to_string).collect();
        writeln!(
            out,
            "  credential {:?} ({}): {}{}; {}",
            c.user,
            protocols.join(","),
            c.scope,
            match c.targets {
                Some(n) => format!(" (targets it would go to: {n})"),
                None => String::new(),
            },
            if c.allow_plaintext {
                "PasswordDigest, PasswordText over TLS if the digest is refused"
            } else {
                "PasswordDigest only"
            }
        )?;
    }
    Ok(())
}

/// The vantage a scan recorded, with the scan's id and start, as each
/// JSONL line carries it so that `camaudit plan --devices` can read what
/// the scan reached from where (`docs/plan.md`).
fn recorded_vantage(store: &dyn Store, scan: ScanId) -> Result<Option<serde_json::Value>> {
    let record = store.scan(scan)?;
    let params: ScanParams = serde_json::from_value(record.params.clone()).unwrap_or_default();
    let Some(vantage) = params.vantage else {
        return Ok(None);
    };
    let mut v = serde_json::to_value(&vantage).context("writing the scan's vantage")?;
    if let Some(map) = v.as_object_mut() {
        map.insert("scan".into(), scan.0.into());
        let started = record
            .started_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        map.insert("started_at".into(), started.into());
    }
    Ok(Some(v))
}

/// One device a line, each with the scan's `vantage`.
fn write_devices_with_vantage(
    out: &mut dyn std::io::Write,
    devices: &[camaudit_model::Device],
    vantage: &serde_json::Value,
) -> Result<()> {
    for d in devices {
        let mut line = serde_json::to_value(d).context("writing a device")?;
        if let Some(map) = line.as_object_mut() {
            map.insert("vantage".into(), vantage.clone());
        }
        serde_json::to_writer(&mut *out, &line).context("writing a device")?;
        writeln!(out).context("writing a device")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_lists() {
        assert_eq!(
            parse_ports("80, 443,8000-8002").unwrap(),
            [80, 443, 8000, 8001, 8002]
        );
        assert!(parse_ports("0").is_err());
        assert!(parse_ports("90-80").is_err());
        assert!(parse_ports("http").is_err());
        assert!(parse_ports("").is_err());
    }
}
