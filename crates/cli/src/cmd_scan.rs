//! `camaudit scan`: sweep targets, probe what answers, identify devices,
//! record everything in the scan store.

use std::collections::HashSet;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use camaudit_identify::Engine;
use camaudit_model::Device;
use camaudit_probe::scan::{Cancel, DEFAULT_CONCURRENCY, DEFAULT_PORTS, DEFAULT_RATE, Progress};
use camaudit_probe::{ChunkResult, Credentials, ScanConfig, Scanner, TargetSet, targets};
use camaudit_store::{NewScan, ScanStatus, Store};
use serde_json::json;

use crate::cmd_identify::write_to;
use crate::output::{Format, write_devices};

#[derive(clap::Args)]
#[command(
    about = "Scan networks for surveillance equipment: sweep, probe (read-only), identify, record",
    after_help = "Examples:
  camaudit scan 10.20.0.0/16 --exclude 10.20.5.0/24
  camaudit scan --targets-file sites.txt --format csv -o devices.csv
  camaudit scan 127.77.0.0/16 --rate 20000 --concurrency 4000
  camaudit scan --resume 3

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
    /// ONVIF credentials file (`user:password`); without it nothing is authenticated.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write devices to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The scan store (SQLite).
    #[arg(long, default_value = "camaudit.db", value_name = "PATH")]
    db: PathBuf,
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

/// Everything needed to (re)build the scan, as stored with it.
pub(crate) struct Plan {
    pub targets: Vec<String>,
    pub exclude: Vec<String>,
    pub config: ScanConfig,
    pub interface: Option<String>,
}

fn params_json(p: &Plan) -> serde_json::Value {
    let c = &p.config;
    json!({
        "ports": c.ports,
        "rate": c.rate,
        "concurrency": c.concurrency,
        "timeout_ms": c.connect_timeout.as_millis() as u64,
        "io_timeout_ms": c.io_timeout.as_millis() as u64,
        "retries": c.retries,
        "udp": c.udp,
        "udp_wait_ms": c.udp_wait.as_millis() as u64,
        "interface": p.interface,
        "credentials": c.credentials.is_some(),
        "port_offset": c.port_offset,
    })
}

fn plan_from_args(args: &Args) -> Result<Plan> {
    let mut targets: Vec<String> = args
        .targets
        .iter()
        .flat_map(|t| targets::split_specs(t))
        .collect();
    if let Some(f) = &args.targets_file {
        targets.extend(targets::read_spec_file(f)?);
    }
    let mut exclude: Vec<String> = args
        .exclude
        .iter()
        .flat_map(|t| targets::split_specs(t))
        .collect();
    if let Some(f) = &args.exclude_file {
        exclude.extend(targets::read_spec_file(f)?);
    }
    if targets.is_empty() {
        bail!(
            "no targets: give addresses, CIDRs or ranges, or --targets-file (or --resume SCAN_ID)"
        );
    }
    let credentials = match &args.credentials {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading credentials {}", p.display()))?;
            Some(
                Credentials::parse(&text)
                    .with_context(|| format!("{}: expected a line `user:password`", p.display()))?,
            )
        }
    };
    let config = ScanConfig {
        ports: match &args.ports {
            Some(p) => parse_ports(p)?,
            None => DEFAULT_PORTS.to_vec(),
        },
        rate: args.rate.max(1),
        concurrency: args.concurrency.max(1),
        connect_timeout: Duration::from_millis(args.timeout.max(50)),
        io_timeout: Duration::from_millis(args.io_timeout.max(100)),
        retries: args.retries,
        udp: !args.no_udp,
        udp_wait: Duration::from_millis(args.udp_wait),
        multicast: None,
        credentials,
        port_offset: args.port_offset,
    };
    Ok(Plan {
        targets,
        exclude,
        config,
        interface: args.interface.clone(),
    })
}

fn plan_from_store(args: &Args, scan: &camaudit_store::Scan) -> Result<Plan> {
    let p = &scan.params;
    let ms = |k: &str, d: u64| Duration::from_millis(p[k].as_u64().unwrap_or(d));
    let ports: Vec<u16> = p["ports"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_u64())
                .filter_map(|v| u16::try_from(v).ok())
                .collect()
        })
        .unwrap_or_else(|| DEFAULT_PORTS.to_vec());
    let credentials = if p["credentials"].as_bool() == Some(true) {
        let path = args
            .credentials
            .as_ref()
            .context("this scan used --credentials: give the same file again to resume it")?;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading credentials {}", path.display()))?;
        Some(Credentials::parse(&text).context("credentials file: expected `user:password`")?)
    } else {
        None
    };
    Ok(Plan {
        targets: scan.targets.clone(),
        exclude: scan.exclude.clone(),
        config: ScanConfig {
            ports,
            rate: p["rate"].as_u64().unwrap_or(DEFAULT_RATE as u64) as u32,
            concurrency: p["concurrency"]
                .as_u64()
                .unwrap_or(DEFAULT_CONCURRENCY as u64) as usize,
            connect_timeout: ms("timeout_ms", 1500),
            io_timeout: ms("io_timeout_ms", 5000),
            retries: p["retries"].as_u64().unwrap_or(1) as u32,
            udp: p["udp"].as_bool().unwrap_or(true),
            udp_wait: ms("udp_wait_ms", 1500),
            multicast: None,
            credentials,
            port_offset: p["port_offset"]
                .as_u64()
                .and_then(|v| u16::try_from(v).ok())
                .unwrap_or(0),
        },
        interface: p["interface"].as_str().map(str::to_owned),
    })
}

fn now() -> String {
    camaudit_probe::obs::now_rfc3339()
}

/// Running totals the display shows beside the scanner's own counters.
#[derive(Default)]
struct Found {
    devices: AtomicU64,
    covered: AtomicU64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut store = Store::open(&args.db)
        .with_context(|| format!("opening the scan store {}", args.db.display()))?;
    let (resume, plan, skip) = match args.resume {
        Some(id) => {
            let scan = store.scan(id)?;
            if scan.status == ScanStatus::Complete {
                eprintln!("camaudit: scan {id} is already complete; printing its devices");
                let devices = store.devices(id)?;
                write_output(&args, &devices)?;
                return Ok(ExitCode::SUCCESS);
            }
            let plan = plan_from_store(&args, &scan)?;
            let dropped = store.discard_unfinished(id)?;
            let skip = store.done_chunks(id)?;
            store.set_status(id, ScanStatus::Running, &now())?;
            if !args.quiet {
                eprintln!(
                    "camaudit: resuming scan {id}: {} of {} address blocks already done{}",
                    skip.len(),
                    scan.chunks_total,
                    if dropped > 0 {
                        format!(", {dropped} partial observations to redo")
                    } else {
                        String::new()
                    }
                );
            }
            (Some(id), plan, skip)
        }
        None => {
            let plan = plan_from_args(&args)?;
            (None, plan, HashSet::new())
        }
    };
    let outcome = execute(&mut store, &args.db, resume, plan, skip, args.quiet)?;
    let devices = &outcome.devices;
    write_output(&args, devices)?;
    if !args.quiet {
        eprintln!("camaudit: {}", outcome.summary_line());
        if outcome.interrupted {
            eprintln!(
                "camaudit: stopped early; everything found so far is kept. Continue with: camaudit scan --resume {} --db {}",
                outcome.scan_id,
                args.db.display()
            );
        }
    }
    Ok(if outcome.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

/// What one run of the scan pipeline found.
pub struct Outcome {
    pub scan_id: i64,
    pub status: ScanStatus,
    pub interrupted: bool,
    pub addresses: u64,
    pub ports: usize,
    pub hosts_up: u64,
    pub open_ports: u64,
    pub observations: u64,
    pub devices: Vec<Device>,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn summary_line(&self) -> String {
        let covered = self.devices.iter().filter(|d| d.covered).count();
        let rebrands = self
            .devices
            .iter()
            .filter(|d| d.covered && d.is_rebrand())
            .count();
        format!(
            "scan {} {}: {} hosts answered, {} open ports, {} observations → {} devices, {covered} covered ({rebrands} rebrands unmasked) in {:.1}s",
            self.scan_id,
            self.status.as_str(),
            self.hosts_up,
            self.open_ports,
            self.observations,
            self.devices.len(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// The scan pipeline: sweep and probe `plan`'s targets (minus the blocks in
/// `skip`), with the progress display, recording every block in `store`,
/// then identify over everything the scan has found. `resume` names the
/// stored scan to continue; otherwise a new one is created.
pub(crate) fn execute(
    store: &mut Store,
    db: &Path,
    resume: Option<i64>,
    mut plan: Plan,
    skip: HashSet<u64>,
    quiet: bool,
) -> Result<Outcome> {
    let started = Instant::now();
    if let Some(iface) = &plan.interface {
        plan.config.multicast =
            Some(camaudit_probe::udp::interface_ipv4(iface).with_context(|| {
                format!("--interface {iface}: no such interface with an IPv4 address")
            })?);
    }
    let targets = Arc::new(TargetSet::parse(&plan.targets, &plan.exclude)?);
    if targets.is_empty() {
        bail!("the targets minus the exclusions leave no address to scan");
    }
    let scan_id = match resume {
        Some(id) => id,
        None => store.create_scan(&NewScan {
            started_at: &now(),
            targets: &plan.targets,
            exclude: &plan.exclude,
            params: &params_json(&plan),
            total_addresses: targets.len(),
            chunk_size: camaudit_probe::CHUNK_SIZE,
            chunks_total: targets.chunk_count(),
        })?,
    };
    let engine = Engine::builtin().context("loading the identify engine")?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let scanner = Arc::new(Scanner::new(plan.config.clone())?);
    let progress = scanner.progress();
    let cancel = scanner.cancel_handle();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ChunkResult>(64);
    let scan_task = {
        let scanner = scanner.clone();
        let targets = targets.clone();
        rt.spawn(async move { scanner.run(targets, skip, tx).await })
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    rt.spawn(watch_ctrl_c(cancel.clone(), interrupted.clone()));

    if !quiet {
        eprintln!(
            "camaudit: scan {scan_id}: {} addresses × {} ports at ≤{}/s, {} sockets (store {})",
            targets.len(),
            scanner.config().ports.len(),
            scanner.config().rate,
            scanner.config().concurrency,
            db.display()
        );
    }
    let found = Arc::new(Found::default());
    let display = Display::start(progress.clone(), found.clone(), quiet);
    let mut store_error = None;
    while let Some(r) = rx.blocking_recv() {
        if store_error.is_none() {
            if let Err(e) =
                store.record_chunk(scan_id, r.chunk, r.complete, &r.observations, &now())
            {
                // Without the store nothing can be kept: stop probing.
                cancel.cancel();
                store_error = Some(e);
                continue;
            }
            let devices = engine.identify(&r.observations);
            found
                .devices
                .fetch_add(devices.len() as u64, Ordering::Relaxed);
            found.covered.fetch_add(
                devices.iter().filter(|d| d.covered).count() as u64,
                Ordering::Relaxed,
            );
        }
    }
    let scan_result = rt.block_on(scan_task);
    display.finish();
    rt.shutdown_timeout(Duration::from_secs(1));
    if let Some(e) = store_error {
        let _ = store.set_status(scan_id, ScanStatus::Interrupted, &now());
        return Err(e).context(format!(
            "writing to the scan store (resume later with --resume {scan_id})"
        ));
    }
    match scan_result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            store.set_status(scan_id, ScanStatus::Interrupted, &now())?;
            return Err(e).context(format!("scanning (resume with --resume {scan_id})"));
        }
        Err(e) => {
            store.set_status(scan_id, ScanStatus::Interrupted, &now())?;
            bail!("the scan stopped unexpectedly: {e} (resume with --resume {scan_id})");
        }
    }
    let was_interrupted = interrupted.load(Ordering::SeqCst);

    // Identify over everything the scan has found (across resumes).
    let mut identifier = engine.identifier();
    let n_obs = store.for_each_observation(scan_id, |o| identifier.add(&o))?;
    let devices = identifier.finish();
    store.set_devices(scan_id, &devices)?;
    let status = if was_interrupted {
        ScanStatus::Interrupted
    } else {
        ScanStatus::Complete
    };
    store.set_status(scan_id, status, &now())?;
    Ok(Outcome {
        scan_id,
        status,
        interrupted: was_interrupted,
        addresses: targets.len(),
        ports: scanner.config().ports.len(),
        hosts_up: progress.get(&progress.hosts_up),
        open_ports: progress.get(&progress.open_ports),
        observations: n_obs,
        devices,
        elapsed: started.elapsed(),
    })
}

/// First Ctrl-C: stop probing, keep what was found. Second: leave at once
/// (the store is consistent at every commit).
async fn watch_ctrl_c(cancel: Cancel, interrupted: Arc<AtomicBool>) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    interrupted.store(true, Ordering::SeqCst);
    cancel.cancel();
    eprintln!(
        "\ncamaudit: stopping (finishing the blocks in flight); Ctrl-C again to quit at once"
    );
    if tokio::signal::ctrl_c().await.is_ok() {
        std::process::exit(130);
    }
}

fn write_output(args: &Args, devices: &[Device]) -> Result<()> {
    write_to(args.output.as_deref(), |out| {
        write_devices(out, devices, args.format)
    })
}

/// The progress display: a bar on a terminal, a line every 10 s otherwise.
struct Display {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Display {
    fn start(progress: Arc<Progress>, found: Arc<Found>, quiet: bool) -> Display {
        let stop = Arc::new(AtomicBool::new(false));
        if quiet {
            return Display { stop, thread: None };
        }
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let tty = io::stderr().is_terminal();
            let started = Instant::now();
            let bar = tty.then(|| {
                let b = indicatif::ProgressBar::new(0);
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} hosts  {msg}  ETA {eta}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                b
            });
            let mut last_line = Instant::now();
            loop {
                let done = s.load(Ordering::SeqCst);
                let total = progress.get(&progress.hosts_total);
                let hosts = progress.get(&progress.hosts_done);
                let rate = hosts as f64 / started.elapsed().as_secs_f64().max(0.001);
                let msg = format!(
                    "{} open ports, {} devices, {} covered, {:.0} hosts/s",
                    progress.get(&progress.open_ports),
                    found.devices.load(Ordering::Relaxed),
                    found.covered.load(Ordering::Relaxed),
                    rate
                );
                if let Some(b) = &bar {
                    b.set_length(total);
                    b.set_position(hosts);
                    b.set_message(msg);
                    b.tick();
                } else if last_line.elapsed() >= Duration::from_secs(10) || done {
                    let eta = if rate > 0.0 && total > hosts {
                        format!("{:.0}s", (total - hosts) as f64 / rate)
                    } else {
                        "-".to_owned()
                    };
                    eprintln!("camaudit: {hosts}/{total} hosts, {msg}, ETA {eta}");
                    last_line = Instant::now();
                }
                if done {
                    if let Some(b) = &bar {
                        b.finish_and_clear();
                    }
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Display {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
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
