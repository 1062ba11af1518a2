//! `camaudit demo`: the whole job on a simulated estate, with no network,
//! no root and no configuration. Starts the estate simulator in this process
//! on a free loopback range, scans it with the real scan pipeline, grades
//! what was found against the simulator's answer key, prints a summary and
//! writes a self-contained HTML report and the devices as JSONL.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
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
    let html = report_html(base, &outcome, &truth, &g);
    write_atomically(&report_path, |out| {
        out.write_all(html.as_bytes()).context("writing the report")
    })?;
    print!(
        "{}",
        summary_text(
            base,
            &outcome,
            &g,
            started.elapsed(),
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

/// Counts of the found devices, for the summary and the report.
struct Tally {
    /// Covered devices per maker, with how many of them carry another brand.
    covered: BTreeMap<String, (usize, usize)>,
    /// Rebrands unmasked: (label, maker) → count.
    rebrands: BTreeMap<(String, String), usize>,
    /// Trusted makers' surveillance gear.
    trusted: BTreeMap<String, usize>,
    /// Regimes → covered devices.
    regimes: BTreeMap<String, usize>,
    /// Not surveillance equipment (printers, routers, plain web servers).
    not_cameras: usize,
    /// Answered but no maker could be proven.
    unknown: usize,
}

fn tally(devices: &[Device]) -> Tally {
    let mut t = Tally {
        covered: BTreeMap::new(),
        rebrands: BTreeMap::new(),
        trusted: BTreeMap::new(),
        regimes: BTreeMap::new(),
        not_cameras: 0,
        unknown: 0,
    };
    for d in devices {
        let maker = d.manufacturer.as_ref().map(|m| m.to_string());
        if d.covered {
            let e = t
                .covered
                .entry(maker.clone().unwrap_or_else(|| "unknown maker".into()))
                .or_default();
            e.0 += 1;
            if d.is_rebrand() {
                e.1 += 1;
            }
            for r in &d.covered_by {
                *t.regimes.entry(r.clone()).or_default() += 1;
            }
        }
        if d.is_rebrand()
            && let (Some(l), Some(m)) = (&d.label_vendor, &d.manufacturer)
        {
            *t.rebrands
                .entry((l.to_string(), m.to_string()))
                .or_default() += 1;
        }
        match (&maker, d.device_type) {
            (_, Some(ty)) if !camera_like(Some(ty)) && !d.covered => t.not_cameras += 1,
            (Some(m), _) if !d.covered => *t.trusted.entry(m.clone()).or_default() += 1,
            (None, _) if !d.covered => t.unknown += 1,
            _ => {}
        }
    }
    t
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn summary_text(
    base: Cidr,
    o: &Outcome,
    g: &Grade,
    elapsed: Duration,
    report: &Path,
    devices: &Path,
) -> String {
    let t = tally(&o.devices);
    let covered: usize = t.covered.values().map(|v| v.0).sum();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nScanned {} addresses × {} ports on {base} in {:.1} s ({:.1} s in all, simulator included).",
        o.addresses,
        o.ports,
        o.elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    let _ = writeln!(
        s,
        "Found {} devices. {covered} are made by companies subject to the PRC National Intelligence Law:",
        o.devices.len()
    );
    let mut makers: Vec<_> = t.covered.iter().collect();
    makers.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    for (m, (n, rb)) in makers {
        let extra = if *rb > 0 {
            format!("  ({rb} sold under another brand)")
        } else {
            String::new()
        };
        let _ = writeln!(s, "  {m:<14} {n:>5}{extra}");
    }
    if !t.rebrands.is_empty() {
        let n: usize = t.rebrands.values().sum();
        let _ = writeln!(
            s,
            "Rebrands unmasked: {n} devices whose label is not their maker:"
        );
        for ((l, m), n) in &t.rebrands {
            let _ = writeln!(s, "  {:<24} {n:>5}", format!("{l} → {m}"));
        }
    }
    let trusted: Vec<String> = t.trusted.iter().map(|(m, n)| format!("{m} {n}")).collect();
    let _ = writeln!(
        s,
        "Not covered (trusted makers): {}",
        if trusted.is_empty() {
            "none".to_owned()
        } else {
            trusted.join(", ")
        }
    );
    let _ = writeln!(
        s,
        "Not cameras (printers, routers, web servers): {}; maker not proven: {}",
        t.not_cameras, t.unknown
    );
    let _ = writeln!(
        s,
        "\nChecked against the simulator's answer key: {} of {} covered devices found with the right maker (recall {}), makers named correctly {} of {} (precision {}); {} of {} rebranded devices traced to their real maker; {} trusted devices wrongly flagged; {} decoys called cameras.",
        g.covered_found,
        g.covered_truth,
        pct(g.recall()),
        g.maker_right,
        g.maker_right + g.maker_wrong,
        pct(g.precision()),
        g.rebrands_unmasked,
        g.rebrands_truth,
        g.trusted_called_covered.len(),
        g.decoys_called_cameras.len()
    );
    if o.interrupted {
        let _ = writeln!(s, "(Stopped early: the figures cover what was scanned.)");
    }
    let _ = writeln!(s, "\nReport:  {}", report.display());
    let _ = writeln!(s, "Devices: {} (one JSON object a line)", devices.display());
    s
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// An SVG bar chart of devices per maker (covered in red, others grey).
fn bar_chart(devices: &[Device]) -> String {
    let mut per: BTreeMap<String, (usize, bool)> = BTreeMap::new();
    for d in devices {
        let m = d
            .manufacturer
            .as_ref()
            .map_or("maker not proven".to_owned(), |m| m.to_string());
        let e = per.entry(m).or_default();
        e.0 += 1;
        e.1 |= d.covered;
    }
    let mut rows: Vec<_> = per.into_iter().collect();
    rows.sort_by(|a, b| {
        b.1.1
            .cmp(&a.1.1)
            .then(b.1.0.cmp(&a.1.0))
            .then(a.0.cmp(&b.0))
    });
    let max = rows.iter().map(|r| r.1.0).max().unwrap_or(1).max(1);
    let (row_h, label_w, bar_w) = (24, 150, 420);
    let h = rows.len() * row_h + 10;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{h}" role="img" aria-label="Devices by maker">"#,
        label_w + bar_w + 60
    );
    for (i, (m, (n, covered))) in rows.iter().enumerate() {
        let y = i * row_h + 5;
        let w = (n * bar_w / max).max(2);
        let colour = if *covered { "#c0392b" } else { "#7f8c8d" };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" font-size="13">{}</text><rect x="{label_w}" y="{y}" width="{w}" height="{}" fill="{colour}"><title>{}: {n}</title></rect><text x="{}" y="{}" font-size="12">{n}</text>"#,
            label_w - 6,
            y + 15,
            esc(m),
            row_h - 6,
            esc(m),
            label_w + w + 4,
            y + 15
        );
    }
    s.push_str("</svg>");
    s
}

fn report_html(base: Cidr, o: &Outcome, truth: &[TruthRecord], g: &Grade) -> String {
    let t = tally(&o.devices);
    let covered: usize = t.covered.values().map(|v| v.0).sum();
    let rebrands: usize = t.rebrands.values().sum();
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>camaudit demo report: {base}</title>
<style>
body{{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}}
h1{{font-size:1.6rem}} h2{{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}}
.cards{{display:flex;flex-wrap:wrap;gap:1rem}} .card{{border:1px solid #ddd;border-radius:6px;padding:.8rem 1.2rem;min-width:9rem}}
.card b{{display:block;font-size:1.8rem}} .bad b{{color:#c0392b}} .ok b{{color:#27ae60}}
table{{border-collapse:collapse;width:100%;font-size:.85rem}} th,td{{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:left;vertical-align:top}}
th{{background:#f6f6f6}} tr.cov td:first-child{{border-left:4px solid #c0392b}} .muted{{color:#777}}
</style></head><body>
<h1>camaudit demo report</h1>
<p class="muted">A simulated estate of {} devices on {base} (loopback), scanned {} addresses × {} ports in {:.1} s. Every device below was found by camaudit's own probes; the answer key was used only to grade the result.</p>
<div class="cards">
<div class="card"><b>{}</b>devices found</div>
<div class="card bad"><b>{covered}</b>covered (PRC National Intelligence Law makers)</div>
<div class="card bad"><b>{rebrands}</b>rebrands unmasked</div>
<div class="card"><b>{}</b>trusted makers</div>
<div class="card ok"><b>{}</b>recall on covered devices</div>
<div class="card ok"><b>{}</b>precision of makers named</div>
</div>
"#,
        truth.len(),
        o.addresses,
        o.ports,
        o.elapsed.as_secs_f64(),
        o.devices.len(),
        t.trusted.values().sum::<usize>(),
        pct(g.recall()),
        pct(g.precision()),
    );
    let _ = write!(
        h,
        "<h2>Devices by maker</h2><p class=\"muted\">Red: made by a covered company.</p>{}",
        bar_chart(&o.devices)
    );

    h.push_str("<h2>Rebrands unmasked</h2><p class=\"muted\">The brand on the label is not who made the device; the evidence names the real maker.</p><table><tr><th>address</th><th>label</th><th>real maker</th><th>model</th><th>how we know</th></tr>");
    for d in o.devices.iter().filter(|d| d.is_rebrand()) {
        let how: Vec<String> = d
            .evidence
            .iter()
            .filter(|e| {
                e.asserts
                    .manufacturer
                    .as_ref()
                    .is_some_and(|m| Some(m) == d.manufacturer.as_ref())
            })
            .take(3)
            .map(|e| format!("{} = {}", e.field, truncate(&e.value, 60)))
            .collect();
        let _ = write!(
            h,
            "<tr class=\"cov\"><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td>{}</td></tr>",
            esc(&opt(&d.addr)),
            esc(&opt(&d.label_vendor)),
            esc(&opt(&d.manufacturer)),
            esc(&opt(&d.model)),
            esc(&how.join("; "))
        );
    }
    h.push_str("</table>");

    h.push_str("<h2>Covered by regime</h2><table><tr><th>regime</th><th>devices</th></tr>");
    for (r, n) in &t.regimes {
        let _ = write!(h, "<tr><td>{}</td><td>{n}</td></tr>", esc(r));
    }
    h.push_str("</table>");

    let _ = write!(
        h,
        "<h2>Accuracy against the answer key</h2><table>\
<tr><td>covered devices found with the right maker</td><td>{} of {} ({})</td></tr>\
<tr><td>makers named correctly</td><td>{} of {} ({})</td></tr>\
<tr><td>rebranded devices traced to their real maker</td><td>{} of {}</td></tr>\
<tr><td>trusted devices wrongly called covered</td><td>{}</td></tr>\
<tr><td>decoys called cameras</td><td>{}</td></tr></table>",
        g.covered_found,
        g.covered_truth,
        pct(g.recall()),
        g.maker_right,
        g.maker_right + g.maker_wrong,
        pct(g.precision()),
        g.rebrands_unmasked,
        g.rebrands_truth,
        g.trusted_called_covered.len(),
        g.decoys_called_cameras.len()
    );

    h.push_str("<h2>All devices</h2><table><tr><th>address</th><th>MAC</th><th>label</th><th>maker</th><th>model</th><th>firmware</th><th>type</th><th>covered by</th><th>confidence</th></tr>");
    for d in &o.devices {
        let _ = write!(
            h,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
            if d.covered { " class=\"cov\"" } else { "" },
            esc(&opt(&d.addr)),
            esc(&opt(&d.mac)),
            esc(&opt(&d.label_vendor)),
            esc(&opt(&d.manufacturer)),
            esc(&opt(&d.model)),
            esc(&opt(&d.firmware)),
            esc(&opt(&d.device_type)),
            esc(&d.covered_by.join(", ")),
            d.confidence.get()
        );
    }
    h.push_str("</table><p class=\"muted\">Generated by <code>camaudit demo</code>. The devices with their full evidence are in camaudit-demo-devices.jsonl.</p></body></html>\n");
    h
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
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
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
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
