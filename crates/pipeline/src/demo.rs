//! The whole job on a simulated estate, with no network, no root and no
//! configuration: the estate simulator in this process on a free loopback
//! range, scanned by the real scan pipeline and graded against the
//! simulator's answer key.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use camaudit_identify::Engine;
use camaudit_model::TruthRecord;
use camaudit_sim::{Background, Cidr, PROFILES, SimConfig};
use camaudit_store::SqliteStore;

use crate::PipelineError;
use crate::events::Events;
use crate::grade::{Grade, grade};
use crate::scan::{CtrlC, ScanJob, ScanOutcome, ScanParams};

/// Port offsets tried when the usual ports cannot be bound (no root, or
/// something already listening on them).
const OFFSETS: &[u16] = &[10000, 20000, 15000, 25000];

/// The most devices a demo simulates (the simulator itself takes 65,536).
pub const MAX_DEVICES: u32 = 4000;

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "--devices must be between 1 and {MAX_DEVICES} (the simulator itself takes up to 65,536: camaudit sim)"
    )]
    DeviceCount,
    #[error("--faults is a share between 0 and 1")]
    FaultShare,
    #[error("--base: {0}")]
    Base(String),
    #[error("--base {0}: the demo runs on loopback only (127.0.0.0/8)")]
    NotLoopback(Cidr),
    #[error("--base {base} holds {size} addresses: too small for {devices} devices")]
    TooSmall { base: Cidr, size: u64, devices: u32 },
    #[error("{0} is busy (something already listens there): choose another --base")]
    Busy(Cidr),
    #[error("no free loopback range found in 127.77.128.0/17: give one with --base")]
    NoFreeRange,
    #[error("creating the demo's working directory {}: {error}", path.display())]
    WorkDir {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("simulator: {0}")]
    Simulator(String),
    #[error("the simulator could not start: {0}")]
    SimulatorStart(String),
    #[error("opening the demo's scan store: {0}")]
    Store(camaudit_store::StoreError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

/// The demo's estate: how big, which mix, how hostile, how fast to scan.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoConfig {
    pub devices: u32,
    pub seed: u64,
    /// Share (0–1) of devices that misbehave.
    pub faults: f64,
    /// Loopback network to simulate on (default: a free one).
    pub base: Option<String>,
    /// Connection attempts per second.
    pub rate: u32,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            devices: 200,
            seed: 1,
            faults: 0.0,
            base: None,
            rate: 20_000,
        }
    }
}

/// Where the estate is served: its range and the port offset that lets it
/// run without root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estate {
    pub base: Cidr,
    pub port_offset: u16,
}

/// What the demo found and how it graded.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    pub estate: Estate,
    pub truth: Vec<TruthRecord>,
    pub scan: ScanOutcome,
    pub grade: Grade,
    /// Simulator start, scan and grading together.
    pub elapsed: Duration,
}

impl DemoConfig {
    fn check(&self) -> Result<(), DemoError> {
        if self.devices == 0 || self.devices > MAX_DEVICES {
            return Err(DemoError::DeviceCount);
        }
        if !(0.0..=1.0).contains(&self.faults) {
            return Err(DemoError::FaultShare);
        }
        Ok(())
    }

    /// Picks the range and port offset: the given range or a free one in
    /// 127.77.128.0/17; the usual ports when they can be bound, else an
    /// offset.
    pub fn choose_estate(&self) -> Result<Estate, DemoError> {
        self.check()?;
        let devices = self.devices;
        let pick = |base: Cidr| -> Option<Estate> {
            std::iter::once(0)
                .chain(OFFSETS.iter().copied())
                .find(|&o| range_free(base, devices, o))
                .map(|port_offset| Estate { base, port_offset })
        };
        if let Some(b) = &self.base {
            let c: Cidr = b.parse().map_err(|e| DemoError::Base(format!("{e}")))?;
            if !c.is_loopback() {
                return Err(DemoError::NotLoopback(c));
            }
            if u64::from(devices) + 1 > c.size() {
                return Err(DemoError::TooSmall {
                    base: c,
                    size: c.size(),
                    devices,
                });
            }
            return pick(c).ok_or(DemoError::Busy(c));
        }
        let prefix = prefix_for(devices);
        // Aligned blocks of this size in 127.77.128.0/17.
        let blocks = 1u32 << (u32::from(prefix) - 17);
        let start = random_u64() as u32 % blocks;
        for i in 0..blocks.min(16) {
            let k = (start + i * 7) % blocks;
            let net = u32::from(Ipv4Addr::new(127, 77, 128, 0)) + (k << (32 - u32::from(prefix)));
            let c = Cidr::new(Ipv4Addr::from(net), prefix)
                .map_err(|e| DemoError::Base(format!("{e}")))?;
            if let Some(estate) = pick(c) {
                return Ok(estate);
            }
        }
        Err(DemoError::NoFreeRange)
    }
}

/// Serves the estate, scans it with the real pipeline (store in a
/// temporary directory, removed afterwards), stops the simulator and
/// grades the devices.
pub fn run(
    config: &DemoConfig,
    estate: Estate,
    engine: &Engine,
    events: &dyn Events,
) -> Result<DemoOutcome, DemoError> {
    config.check()?;
    let started = Instant::now();
    let work = std::env::temp_dir().join(format!(
        "camaudit-demo-{}-{:x}",
        std::process::id(),
        random_u64() as u32
    ));
    std::fs::create_dir_all(&work).map_err(|error| DemoError::WorkDir {
        path: work.clone(),
        error,
    })?;
    let result = serve_and_scan(config, estate, engine, events, &work);
    let _ = std::fs::remove_dir_all(&work);
    let (truth, scan) = result?;
    let grade = grade(&truth, &scan.devices);
    Ok(DemoOutcome {
        estate,
        truth,
        scan,
        grade,
        elapsed: started.elapsed(),
    })
}

fn serve_and_scan(
    config: &DemoConfig,
    estate: Estate,
    engine: &Engine,
    events: &dyn Events,
    work: &Path,
) -> Result<(Vec<TruthRecord>, ScanOutcome), DemoError> {
    let ready = work.join("sim.ready");
    let sim_config = SimConfig {
        devices: config.devices,
        base: estate.base,
        seed: config.seed,
        faults: config.faults,
        ready_file: Some(ready.clone()),
        port_offset: estate.port_offset,
        quiet: true,
        ..SimConfig::default()
    };
    let truth = camaudit_sim::plan(&sim_config).map_err(|e| DemoError::Simulator(e.to_string()))?;
    let sim = Background::start(sim_config, Duration::from_secs(60))
        .map_err(|e| DemoError::SimulatorStart(e.to_string()))?;
    let scanned = SqliteStore::open(&work.join("camaudit-demo.db"))
        .map_err(DemoError::Store)
        .and_then(|mut store| {
            Ok(crate::scan::run(
                &mut store,
                engine,
                scan_job(config, estate),
                events,
            )?)
        });
    drop(sim);
    Ok((truth, scanned?))
}

fn scan_job(config: &DemoConfig, estate: Estate) -> ScanJob {
    ScanJob {
        targets: vec![estate.base.to_string()],
        exclude: Vec::new(),
        params: ScanParams {
            rate: config.rate.max(1),
            concurrency: 2048,
            timeout_ms: 1000,
            io_timeout_ms: 4000,
            retries: 1,
            udp: true,
            udp_wait_ms: 800,
            port_offset: estate.port_offset,
            ..ScanParams::default()
        },
        credentials: None,
        audit: camaudit_probe::Audit::default(),
        ctrl_c: CtrlC::Stops,
    }
}

/// The simulated sites: (id, name, sensitivity, categories, zone). The
/// simulator has no sites of its own, so the demo cuts its range into four
/// equal networks, one per site, to show every kind of finding.
const DEMO_SITES: [(&str, &str, &str, &str, &str); 4] = [
    (
        "sim-hq",
        "Simulated headquarters",
        "sensitive",
        "data-centre",
        "core",
    ),
    (
        "sim-school",
        "Simulated school",
        "standard",
        "school",
        "isolated-cctv",
    ),
    (
        "sim-leisure",
        "Simulated leisure centre",
        "standard",
        "leisure",
        "guest",
    ),
    (
        "sim-depot",
        "Simulated depot",
        "standard",
        "depot",
        "isolated-cctv",
    ),
];

/// An estate file (`docs/estate.md`) for the simulated range: four sites,
/// each on a quarter of `base` (the whole range for a /31 or /32), with the
/// example council's costs, so that `camaudit plan` can plan the demo.
pub fn estate_toml(base: Cidr) -> String {
    let quarters = base.prefix <= 30;
    let prefix = if quarters {
        base.prefix + 2
    } else {
        base.prefix
    };
    let step = if quarters {
        1u32 << (32 - u32::from(prefix))
    } else {
        0
    };
    let mut out = format!(
        "# camaudit demo: an estate for the simulated range {base} (loopback only).\n\
         # Plan it: camaudit plan --estate camaudit-demo-estate.toml --devices camaudit-demo-devices.jsonl --from YYYY-MM-DD\n\n\
         organisation = {{ name = \"camaudit demo estate\", currency = \"GBP\" }}\n\n\
         [defaults]\nbudget_per_quarter = 20000\ninstaller_hours_per_week = 37.5\n\n\
         [costs]\ncallout = 180\nhourly_rate = 55\n\n\
         [costs.replace]\ncamera = {{ cost = 420, hours = 2.5 }}\nnvr = {{ cost = 1600, hours = 4 }}\n\
         dvr = {{ cost = 1200, hours = 4 }}\ndefault = {{ cost = 500, hours = 3 }}\n"
    );
    let sites = if quarters {
        &DEMO_SITES[..]
    } else {
        &DEMO_SITES[..1]
    };
    for (i, (id, name, sensitivity, category, zone)) in sites.iter().enumerate() {
        let network = Ipv4Addr::from(u32::from(base.network) + i as u32 * step);
        out.push_str(&format!(
            "\n[[site]]\nid = \"{id}\"\nname = \"{name}\"\nregion = \"demo\"\n\
             sensitivity = \"{sensitivity}\"\ncategories = [\"{category}\"]\n\n\
             [[site.network]]\ncidr = \"{network}/{prefix}\"\nzone = \"{zone}\"\n"
        ));
    }
    out
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
    fn the_demo_estate_covers_the_range_with_four_sites() {
        let base: Cidr = "127.77.128.0/24".parse().unwrap();
        let text = estate_toml(base);
        let estate = camaudit_policy::Estate::parse("demo", &text).unwrap();
        assert_eq!(estate.sites.len(), 4);
        for last in [1u8, 63, 64, 254] {
            let addr = std::net::Ipv4Addr::new(127, 77, 128, last);
            assert!(estate.network_of(addr.into()).is_some(), "{addr}");
        }
        let (s, _) = estate
            .network_of("127.77.128.200".parse().unwrap())
            .unwrap();
        assert_eq!(estate.sites[s].id, "sim-depot");
        let tiny = estate_toml("127.77.128.8/31".parse().unwrap());
        assert_eq!(
            camaudit_policy::Estate::parse("demo", &tiny)
                .unwrap()
                .sites
                .len(),
            1
        );
    }

    #[test]
    fn bad_settings_are_refused_before_anything_starts() {
        let c = DemoConfig {
            devices: 0,
            ..DemoConfig::default()
        };
        assert!(matches!(c.choose_estate(), Err(DemoError::DeviceCount)));
        let c = DemoConfig {
            faults: 1.5,
            ..DemoConfig::default()
        };
        assert!(matches!(c.choose_estate(), Err(DemoError::FaultShare)));
        let c = DemoConfig {
            base: Some("10.0.0.0/24".to_owned()),
            ..DemoConfig::default()
        };
        let err = c.choose_estate().unwrap_err().to_string();
        assert!(err.contains("loopback only"), "{err}");
    }
}
