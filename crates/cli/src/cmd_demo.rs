//! `camaudit demo`: the whole job on a simulated estate, with no network,
//! no root and no configuration. Starts the estate simulator in this process
//! on a free loopback range, scans it with the real scan pipeline, grades
//! what was found against the simulator's answer key, prints a summary and
//! writes a self-contained HTML report and the devices as JSONL.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddrV4, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use camaudit_model::{Device, DeviceType, TruthRecord, TruthRole};
use camaudit_probe::ScanConfig;
use camaudit_probe::scan::DEFAULT_PORTS;
use camaudit_sim::{Cidr, PROFILES, SimConfig};
use camaudit_store::Store;

use crate::cmd_identify::write_atomically;
use crate::cmd_scan::{self, Outcome, Plan};
use crate::output::{Format, write_devices};

/// The report's file name, in `--out-dir`.
pub const REPORT_FILE: &str = "camaudit-demo-report.html";
/// The devices' file name, in `--out-dir`.
pub const DEVICES_FILE: &str = "camaudit-demo-devices.jsonl";

/// Port offsets tried when the usual ports cannot be bound (no root, or
/// something already listening on them).
const OFFSETS: &[u16] = &[10000, 20000, 15000, 25000];

#[derive(clap::Args)]
#[command(
    about = "Try camaudit on a simulated estate: simulate, scan, unmask rebrands, grade, report (loopback only)",
    after_help = "Examples:
  camaudit demo                          # 200 devices, finishes in seconds
  camaudit demo --devices 1000 --out-dir /tmp/demo
  camaudit demo --seed 7 --faults 0.1    # another estate, some devices hostile

Everything happens on this machine's loopback addresses (127.77.x.x): no
network, no root, no configuration. The simulator's answer key grades the
scan. Writes camaudit-demo-report.html and camaudit-demo-devices.jsonl."
)]
pub struct Args {
    /// Devices in the simulated estate (1 to 4000).
    #[arg(long, default_value_t = 200)]
    devices: u32,
    /// Seed of the estate's mix (the same seed gives the same estate).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share (0–1) of devices that misbehave (tarpits, endless headers, XML bombs…).
    #[arg(long, default_value_t = 0.0)]
    faults: f64,
    /// Loopback network to simulate on, e.g. 127.77.200.0/24 (default: a free one).
    #[arg(long)]
    base: Option<String>,
    /// Where to write the report and the devices.
    #[arg(long, default_value = ".", value_name = "DIR")]
    out_dir: PathBuf,
    /// Connection attempts per second (loopback takes far more than a real network).
    #[arg(long, default_value_t = 20_000)]
    rate: u32,
    /// No progress bar (the summary is still printed).
    #[arg(short, long)]
    quiet: bool,
}

/// How the scan did against the answer key.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Grade {
    /// Covered devices in the estate, and those found with the right maker.
    pub covered_truth: usize,
    pub covered_found: usize,
    /// Devices given a maker: right and wrong.
    pub maker_right: usize,
    pub maker_wrong: usize,
    /// Trusted makers' devices called covered (must be none).
    pub trusted_called_covered: Vec<String>,
    /// Decoys called cameras or recorders (must be none).
    pub decoys_called_cameras: Vec<String>,
    /// Rebrands in the estate, and those whose real maker was named.
    pub rebrands_truth: usize,
    pub rebrands_unmasked: usize,
    pub missed: Vec<String>,
}

// The report computes its shares from the counts (camaudit_report::Accuracy);
// these stay for the grading tests.
#[cfg_attr(not(test), allow(dead_code))]
impl Grade {
    pub fn precision(&self) -> f64 {
        self.maker_right as f64 / (self.maker_right + self.maker_wrong).max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        self.covered_found as f64 / self.covered_truth.max(1) as f64
    }
}

fn camera_like(t: Option<DeviceType>) -> bool {
    matches!(
        t,
        Some(DeviceType::Camera | DeviceType::ThermalCamera | DeviceType::Nvr | DeviceType::Dvr)
    )
}

/// Grades devices against the answer key: manufacturer precision over every
/// device given a maker, recall over covered devices (rebrands included).
pub fn grade(truth: &[TruthRecord], devices: &[Device]) -> Grade {
    let mut by_addr: BTreeMap<IpAddr, &Device> = BTreeMap::new();
    for d in devices {
        for a in d.addr.iter().chain(d.other_addrs.iter()) {
            by_addr.insert(*a, d);
        }
    }
    let mut g = Grade::default();
    for t in truth {
        let d = by_addr.get(&t.addr).copied();
        let made = d.and_then(|d| d.manufacturer.as_ref());
        let right = made.is_some() && made == t.manufacturer.as_ref();
        if t.covered {
            g.covered_truth += 1;
            if right {
                g.covered_found += 1;
            } else {
                g.missed.push(format!(
                    "{} ({} labelled {}): found {}",
                    t.addr,
                    opt(&t.manufacturer),
                    opt(&t.label_vendor),
                    made.map_or("nothing".to_owned(), |m| m.to_string())
                ));
            }
        }
        let is_rebrand = matches!((&t.label_vendor, &t.manufacturer), (Some(l), Some(m)) if l != m);
        if is_rebrand {
            g.rebrands_truth += 1;
            if right {
                g.rebrands_unmasked += 1;
            }
        }
        if made.is_some() {
            if right {
                g.maker_right += 1;
            } else {
                g.maker_wrong += 1;
            }
        }
        if let Some(d) = d {
            if d.covered && !t.covered && t.role == TruthRole::Surveillance {
                g.trusted_called_covered.push(format!(
                    "{} ({} called {})",
                    t.addr,
                    opt(&t.manufacturer),
                    opt(&d.manufacturer)
                ));
            }
            if t.role == TruthRole::Decoy && camera_like(d.device_type) {
                g.decoys_called_cameras
                    .push(format!("{} called {}", t.addr, opt(&d.device_type)));
            }
        }
    }
    g
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("-".to_owned(), |v| v.to_string())
}

/// Every TCP and UDP port the simulator may serve.
fn sim_ports() -> (Vec<u16>, Vec<u16>) {
    let mut tcp: Vec<u16> = PROFILES
        .iter()
        .flat_map(|p| p.tcp_ports.iter().copied())
        .collect();
    let mut udp: Vec<u16> = PROFILES
        .iter()
        .flat_map(|p| p.udp.iter().map(|u| u.port()))
        .collect();
    tcp.sort_unstable();
    tcp.dedup();
    udp.sort_unstable();
    udp.dedup();
    (tcp, udp)
}

/// Whether every port the simulator needs can be bound on `addr` with
/// `offset` (false without privileges for low ports, or when busy).
fn can_bind(addr: Ipv4Addr, offset: u16) -> bool {
    let (tcp, udp) = sim_ports();
    let mut held = Vec::new();
    for p in tcp {
        let Some(p) = p.checked_add(offset) else {
            return false;
        };
        match TcpListener::bind(SocketAddrV4::new(addr, p)) {
            Ok(l) => held.push(l),
            Err(_) => return false,
        }
    }
    let mut held_udp = Vec::new();
    for p in udp {
        let Some(p) = p.checked_add(offset) else {
            return false;
        };
        match UdpSocket::bind(SocketAddrV4::new(addr, p)) {
            Ok(s) => held_udp.push(s),
            Err(_) => return false,
        }
    }
    true
}

/// The first and last address the estate uses.
fn estate_span(base: Cidr, devices: u32) -> (Ipv4Addr, Ipv4Addr) {
    let net = u32::from(base.network);
    let first = if u64::from(devices) >= base.size() {
        net
    } else {
        net + 1
    };
    (Ipv4Addr::from(first), Ipv4Addr::from(first + devices - 1))
}

/// Is anything answering on the range already? (Another simulator, say.)
fn range_free(base: Cidr, devices: u32, offset: u16) -> bool {
    let (first, last) = estate_span(base, devices);
    can_bind(first, offset) && (first == last || can_bind(last, offset))
}

/// The smallest prefix (at most /24) holding `devices` after the network address.
fn prefix_for(devices: u32) -> u8 {
    let mut prefix = 24u8;
    while u64::from(devices) + 2 > (1u64 << (32 - u32::from(prefix))) {
        prefix -= 1;
    }
    prefix
}

/// A little randomness without a dependency.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// Picks the range and port offset: the given range or a free one in
/// 127.77.128.0/17; the usual ports when they can be bound, else an offset.
fn choose_estate(base: Option<&str>, devices: u32) -> Result<(Cidr, u16)> {
    let pick_offset = |c: Cidr| -> Option<u16> {
        std::iter::once(0)
            .chain(OFFSETS.iter().copied())
            .find(|&o| range_free(c, devices, o))
    };
    if let Some(b) = base {
        let c: Cidr = b.parse().map_err(|e| anyhow::anyhow!("--base: {e}"))?;
        if !c.is_loopback() {
            bail!("--base {c}: the demo runs on loopback only (127.0.0.0/8)");
        }
        if u64::from(devices) + 1 > c.size() {
            bail!(
                "--base {c} holds {} addresses: too small for {devices} devices",
                c.size()
            );
        }
        let off = pick_offset(c).with_context(|| {
            format!("{c} is busy (something already listens there): choose another --base")
        })?;
        return Ok((c, off));
    }
    let prefix = prefix_for(devices);
    // Aligned blocks of this size in 127.77.128.0/17.
    let blocks = 1u32 << (u32::from(prefix) - 17);
    let start = random_u64() as u32 % blocks;
    for i in 0..blocks.min(16) {
        let k = (start + i * 7) % blocks;
        let net = u32::from(Ipv4Addr::new(127, 77, 128, 0)) + (k << (32 - u32::from(prefix)));
        let c = Cidr::new(Ipv4Addr::from(net), prefix).map_err(|e| anyhow::anyhow!("{e}"))?;
        if let Some(off) = pick_offset(c) {
            return Ok((c, off));
        }
    }
    bail!("no free loopback range found in 127.77.128.0/17: give one with --base")
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.devices == 0 || args.devices > 4000 {
        bail!(
            "--devices must be between 1 and 4000 (the simulator itself takes up to 65,536: camaudit sim)"
        );
    }
    if !(0.0..=1.0).contains(&args.faults) {
        bail!("--faults is a share between 0 and 1");
    }
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let started = Instant::now();
    let (base, offset) = choose_estate(args.base.as_deref(), args.devices)?;
    let work = std::env::temp_dir().join(format!(
        "camaudit-demo-{}-{:x}",
        std::process::id(),
        random_u64() as u32
    ));
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let result = demo(&args, base, offset, &work, started);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn demo(args: &Args, base: Cidr, offset: u16, work: &Path, started: Instant) -> Result<ExitCode> {
    let ready = work.join("sim.ready");
    let sim_config = SimConfig {
        devices: args.devices,
        base,
        seed: args.seed,
        faults: args.faults,
        ready_file: Some(ready.clone()),
        port_offset: offset,
        quiet: true,
        ..SimConfig::default()
    };
    let truth = camaudit_sim::plan(&sim_config).map_err(|e| anyhow::anyhow!("simulator: {e}"))?;
    eprintln!(
        "camaudit demo: simulating {} devices on {base} (loopback only{})",
        args.devices,
        if offset == 0 {
            String::new()
        } else {
            format!(", services at their usual port + {offset} to run without root")
        }
    );

    // The simulator on a runtime of its own; the scan makes its own.
    let sim_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the simulator's runtime")?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let sim = sim_rt.spawn(camaudit_sim::run(sim_config, async move {
        let _ = stop_rx.await;
    }));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready.exists() {
        if sim.is_finished() {
            let why = match sim_rt.block_on(sim) {
                Ok(Err(e)) => e.to_string(),
                Ok(Ok(_)) => "it stopped".to_owned(),
                Err(e) => e.to_string(),
            };
            bail!("the simulator could not start: {why}");
        }
        if Instant::now() > deadline {
            bail!("the simulator did not become ready within a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    let plan = Plan {
        targets: vec![base.to_string()],
        exclude: Vec::new(),
        config: ScanConfig {
            ports: DEFAULT_PORTS.to_vec(),
            rate: args.rate.max(1),
            concurrency: 2048,
            connect_timeout: Duration::from_millis(1000),
            io_timeout: Duration::from_secs(4),
            retries: 1,
            udp: true,
            udp_wait: Duration::from_millis(800),
            multicast: None,
            credentials: None,
            port_offset: offset,
        },
        interface: None,
    };
    let db = work.join("camaudit-demo.db");
    let scanned = (|| -> Result<Outcome> {
        let mut store = Store::open(&db).context("opening the demo's scan store")?;
        cmd_scan::execute(&mut store, &db, None, plan, HashSet::new(), args.quiet)
    })();
    let _ = stop_tx.send(());
    let _ = sim_rt.block_on(sim);
    sim_rt.shutdown_timeout(Duration::from_secs(1));
    let outcome = scanned?;

    let g = grade(&truth, &outcome.devices);
    let report_path = args.out_dir.join(REPORT_FILE);
    let devices_path = args.out_dir.join(DEVICES_FILE);
    write_atomically(&devices_path, |out| {
        write_devices(out, &outcome.devices, Format::Jsonl)
    })?;
    let scan = scan_summary(base, &outcome);
    let accuracy = accuracy(&g);
    let html = camaudit_report::demo_report_html(&scan, truth.len(), &outcome.devices, &accuracy)?;
    write_atomically(&report_path, |out| {
        out.write_all(html.as_bytes()).context("writing the report")
    })?;
    print!(
        "{}",
        camaudit_report::demo_summary_text(
            &scan,
            &outcome.devices,
            &accuracy,
            started.elapsed().as_secs_f64(),
            &report_path,
            &devices_path
        )
    );
    Ok(if outcome.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

fn scan_summary(base: Cidr, o: &Outcome) -> camaudit_report::ScanSummary {
    camaudit_report::ScanSummary {
        target: base.to_string(),
        addresses: o.addresses,
        ports: o.ports,
        elapsed_seconds: o.elapsed.as_secs_f64(),
        devices: o.devices.len(),
        interrupted: o.interrupted,
    }
}

fn accuracy(g: &Grade) -> camaudit_report::Accuracy {
    camaudit_report::Accuracy {
        covered_truth: g.covered_truth,
        covered_found: g.covered_found,
        maker_right: g.maker_right,
        maker_wrong: g.maker_wrong,
        rebrands_truth: g.rebrands_truth,
        rebrands_unmasked: g.rebrands_unmasked,
        trusted_called_covered: g.trusted_called_covered.len(),
        decoys_called_cameras: g.decoys_called_cameras.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(prefix_for(1), 24);
        assert_eq!(prefix_for(200), 24);
        assert_eq!(prefix_for(254), 24);
        assert_eq!(prefix_for(255), 23);
        assert_eq!(prefix_for(2000), 21);
        assert_eq!(prefix_for(4000), 20);
    }

    #[test]
    fn grading_counts_makers_and_rebrands() {
        let cfg = SimConfig {
            devices: 30,
            ..SimConfig::default()
        };
        let truth = camaudit_sim::plan(&cfg).unwrap();
        // Devices exactly as the answer key says: perfect marks.
        let devices: Vec<Device> = truth
            .iter()
            .filter(|t| t.role != TruthRole::Empty)
            .map(|t| {
                let mut d: Device = serde_json::from_value(serde_json::json!({
                    "addr": t.addr, "mac": null, "open_ports": [], "label_vendor": t.label_vendor,
                    "manufacturer": t.manufacturer, "owner": t.owner, "model": null,
                    "firmware": null, "serial": null, "device_type": t.device_type,
                    "covered": t.covered, "covered_by": [], "confidence": 1.0, "evidence": []
                }))
                .unwrap();
                d.covered = t.covered;
                d
            })
            .collect();
        let g = grade(&truth, &devices);
        assert_eq!(g.precision(), 1.0);
        assert_eq!(g.recall(), 1.0);
        assert!(g.rebrands_truth > 0);
        assert_eq!(g.rebrands_unmasked, g.rebrands_truth);
        assert!(g.trusted_called_covered.is_empty());
        // Nothing found: zero recall, and precision has nothing to judge.
        let none = grade(&truth, &[]);
        assert_eq!(none.recall(), 0.0);
        assert_eq!(none.covered_found, 0);
        assert_eq!(none.missed.len(), none.covered_truth);
    }
}
