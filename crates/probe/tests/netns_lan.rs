//! The scanner across a real (virtual) network: two network namespaces the
//! test makes and always deletes, joined by a veth pair.
//!
//! ```text
//!  namespace "…s" (simulator)                namespace "…c" (scanner)
//!  vsim 10.99.0.1/24  <------- veth ------->  vscan 10.99.0.2/24
//!  10.99.1.0/24 local (the estate)           10.99.1.0/24 on link (ARP)
//!                                            10.99.2.0/24 via 10.99.0.1
//!                                              (dropped there: no forwarding)
//!                                            10.99.3.0/24 blackhole
//! ```
//!
//! Multicast discovery out of `vscan` reaches the simulator, which joins the
//! groups on `vsim`; the neighbour table of the scanner's namespace holds
//! each device's own MAC (one macvlan per device, with the MAC of the truth
//! file) and the MAC of `vsim` (a Hikvision OUI here); a connection is
//! open, closed (reset) or filtered (silently dropped) as the network says. No traffic leaves these namespaces. Needs root and `ip`;
//! skipped otherwise (failing under `CAMAUDIT_REQUIRE_PEERS=1`, as in CI).

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use camaudit_model::{Mac, Observation, Source, TruthRecord, TruthRole};
use camaudit_probe::ratelimit::RateLimiter;
use camaudit_probe::sweep::{PortState, connect};
use camaudit_probe::{ScanConfig, Scanner, TargetSet};
use camaudit_sim::{BindPolicy, SimConfig};
use camaudit_testkit::skip;

/// The simulator side's MAC: a Hikvision block (58:50:ED).
const SIM_MAC: &str = "58:50:ed:99:00:01";
const SCAN_ADDR: Ipv4Addr = Ipv4Addr::new(10, 99, 0, 2);
const ESTATE: &str = "10.99.1.0/24";

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Two namespaces and the veth between them; deleted on drop (a panicking
/// test included). Deleting a namespace deletes its end of the pair, and
/// with it the other end.
struct Lan {
    sim: String,
    scan: String,
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in [&self.sim, &self.scan] {
            let _ = Command::new("ip").args(["netns", "delete", ns]).output();
        }
    }
}

impl Lan {
    fn create(test: &str) -> Option<Lan> {
        let base = format!("camaudit-{}-{test}", std::process::id());
        let lan = Lan {
            sim: format!("{base}-s"),
            scan: format!("{base}-c"),
        };
        if !ip(&["netns", "add", &lan.sim]) {
            skip("cannot create a network namespace (needs root and iproute2)");
            return None;
        }
        assert!(ip(&["netns", "add", &lan.scan]), "second namespace");
        let (s, c) = (lan.sim.as_str(), lan.scan.as_str());
        let steps: &[&[&str]] = &[
            &["-n", s, "link", "set", "lo", "up"],
            &["-n", c, "link", "set", "lo", "up"],
            &[
                "-n", s, "link", "add", "vsim", "type", "veth", "peer", "name", "vscan", "netns", c,
            ],
            &["-n", s, "link", "set", "vsim", "address", SIM_MAC],
            &["-n", s, "link", "set", "vsim", "multicast", "on"],
            &["-n", c, "link", "set", "vscan", "multicast", "on"],
            &["-n", s, "addr", "add", "10.99.0.1/24", "dev", "vsim"],
            &["-n", c, "addr", "add", "10.99.0.2/24", "dev", "vscan"],
            &["-n", s, "link", "set", "vsim", "up"],
            &["-n", c, "link", "set", "vscan", "up"],
            // The estate's addresses are all local to the simulator's
            // namespace (it binds each), and answer ARP on vsim.
            &["-n", s, "route", "add", "local", ESTATE, "dev", "lo"],
            &["-n", c, "route", "add", ESTATE, "dev", "vscan"],
            &["-n", c, "route", "add", "10.99.2.0/24", "via", "10.99.0.1"],
            &["-n", c, "route", "add", "blackhole", "10.99.3.0/24"],
            // The discovery groups, both ways.
            &["-n", s, "route", "add", "239.255.255.250/32", "dev", "vsim"],
            &["-n", s, "route", "add", "239.255.255.251/32", "dev", "vsim"],
            &[
                "-n",
                c,
                "route",
                "add",
                "239.255.255.250/32",
                "dev",
                "vscan",
            ],
            &[
                "-n",
                c,
                "route",
                "add",
                "239.255.255.251/32",
                "dev",
                "vscan",
            ],
        ];
        for step in steps {
            assert!(ip(step), "ip {}", step.join(" "));
        }
        Some(lan)
    }

    /// Runs `f` on a fresh thread inside the scanner's namespace: every
    /// socket it (and any runtime it builds) makes belongs there.
    fn in_scanner<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/var/run/netns/{}", self.scan);
        std::thread::spawn(move || {
            let ns = std::fs::File::open(&path).expect("namespace file");
            // SAFETY: setns on an open namespace descriptor, for this thread.
            let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
    }
}

/// The estate served in the simulator's namespace; stopped on drop.
struct Sim {
    truth: Vec<TruthRecord>,
    dir: PathBuf,
    rt: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<camaudit_sim::Summary, camaudit_sim::SimError>>>,
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = self.rt.block_on(t);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn serve(lan: &Lan, test: &str) -> Sim {
    let dir = std::env::temp_dir().join(format!("camaudit-netns-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let ready = dir.join("ready");
    let cfg = SimConfig {
        devices: 30,
        base: ESTATE.parse().expect("cidr"),
        seed: 7,
        ready_file: Some(ready.clone()),
        netns: Some(lan.sim.clone()),
        // Per-address listeners: a port a device does not serve is refused
        // by the kernel (a reset), as on a real device.
        bind: BindPolicy::PerAddress,
        multicast: true,
        multicast_interface: Some("vsim".into()),
        quiet: true,
        ..SimConfig::default()
    };
    let truth = camaudit_sim::plan(&cfg).expect("plan");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = rt.spawn(camaudit_sim::run(cfg, async move {
        let _ = rx.await;
    }));
    let mut sim = Sim {
        truth,
        dir,
        rt,
        stop: Some(tx),
        task: Some(task),
    };
    for _ in 0..200 {
        if ready.exists() || sim.task.as_ref().is_some_and(|t| t.is_finished()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    if !ready.exists() {
        let err = sim
            .task
            .take()
            .map(|t| format!("{:?}", sim.rt.block_on(t)))
            .unwrap_or_default();
        panic!("the simulator did not start in its namespace: {err}");
    }
    sim
}

/// Scans `targets` from the scanner's namespace with the library, as
/// `camaudit scan` does.
fn scan(lan: &Lan, targets: &[&str], config: ScanConfig) -> Vec<Observation> {
    let targets: Vec<String> = targets.iter().map(|t| t.to_string()).collect();
    lan.in_scanner(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let targets = Arc::new(TargetSet::parse(&targets, &[]).expect("targets"));
            let scanner = Arc::new(Scanner::new(config).expect("scanner"));
            let (tx, mut rx) = tokio::sync::mpsc::channel(16);
            let run = {
                let s = scanner.clone();
                tokio::spawn(async move { s.run(targets, HashSet::new(), tx).await })
            };
            let mut obs = Vec::new();
            while let Some(r) = rx.recv().await {
                obs.extend(r.observations);
            }
            run.await.expect("join").expect("scan");
            obs
        })
    })
}

fn fast(ports: &[u16]) -> ScanConfig {
    ScanConfig {
        ports: ports.to_vec(),
        rate: 5_000,
        concurrency: 256,
        connect_timeout: Duration::from_millis(800),
        io_timeout: Duration::from_secs(3),
        retries: 0,
        udp_wait: Duration::from_millis(800),
        ..ScanConfig::default()
    }
}

fn ip4(t: &TruthRecord) -> IpAddr {
    t.addr
}

/// The MAC a discovery observation names, in any of the vendors' spellings.
fn mac_in(o: &Observation) -> Option<Mac> {
    match o.field.as_str() {
        "sadp.mac" | "dhip.mac" => Mac::parse(&o.value).ok(),
        "onvif.scope" => o
            .value
            .split_once("/MAC/")
            .and_then(|(_, m)| Mac::parse(m).ok()),
        _ => None,
    }
}

#[test]
fn multicast_discovery_across_a_veth_pair() {
    let Some(lan) = Lan::create("mcast") else {
        return;
    };
    let sim = serve(&lan, "mcast");
    // vsim answers ARP for every estate address (proxy ARP, in effect). How
    // many of those entries the table holds when the scanner reads it
    // depends on timing and neighbour garbage collection, so the test puts
    // them there itself: the guard must then record the shared MAC for none.
    for t in &sim.truth {
        let addr = ip4(t).to_string();
        assert!(
            ip(&[
                "-n",
                &lan.scan,
                "neigh",
                "replace",
                &addr,
                "lladdr",
                SIM_MAC,
                "dev",
                "vscan",
                "nud",
                "permanent"
            ]),
            "cannot add a neighbour entry for {addr}"
        );
    }
    // Multicast only: no unicast UDP, and no TCP port that any device
    // serves, so every discovery observation came from a group reply.
    let obs = scan(
        &lan,
        &[ESTATE],
        ScanConfig {
            udp: false,
            multicast: Some(SCAN_ADDR),
            ..fast(&[9])
        },
    );
    let mut macs: BTreeMap<IpAddr, HashSet<(Source, Mac)>> = BTreeMap::new();
    for o in &obs {
        if let Some(m) = mac_in(o) {
            macs.entry(o.addr).or_default().insert((o.source, m));
        }
    }
    let mut answered = 0;
    for t in &sim.truth {
        let Some(want) = t.mac else { continue };
        let got = macs.remove(&ip4(t)).unwrap_or_default();
        let udp: Vec<_> = match &t.manufacturer {
            Some(m) if m.as_str() == "hikvision" || m.as_str() == "ezviz" => {
                vec![Source::Sadp, Source::Wsd]
            }
            Some(m) if m.as_str() == "dahua" => vec![Source::Dhip, Source::Wsd],
            _ if t.role == TruthRole::Surveillance => vec![Source::Wsd],
            _ => vec![],
        };
        for src in udp {
            assert!(
                got.contains(&(src, want)),
                "{} ({:?}): no {src:?} reply naming {want}; got {got:?}",
                t.addr,
                t.manufacturer
            );
            answered += 1;
        }
    }
    assert!(answered >= 20, "only {answered} discovery replies checked");
    // Nothing from addresses that are not devices of the estate.
    assert!(macs.is_empty(), "replies from unknown senders: {macs:?}");
    // vsim's one MAC stands for every estate address: it names no device,
    // so none is recorded.
    let arp: Vec<_> = obs.iter().filter(|o| o.field.as_str() == "mac").collect();
    assert!(arp.is_empty(), "{arp:?}");
    drop(sim);
    drop(lan);
}

#[test]
fn macs_come_from_the_scanners_neighbour_table() {
    let Some(lan) = Lan::create("arp") else {
        return;
    };
    let sim = serve(&lan, "arp");
    // Each device with a MAC gets an interface of its own with that MAC (a
    // macvlan on vsim) holding its address; the simulator's namespace
    // answers ARP only for addresses on the interface asked (arp_ignore=1),
    // so the scanner's neighbour table learns each device's own MAC. Its
    // own ARP requests name vsim's address as sender (arp_announce=2):
    // replies from a device address leave through vsim, and a request
    // "who has 10.99.0.2, tell <device>" with vsim's MAC would otherwise
    // teach the scanner vsim's MAC for that device (a race seen in CI).
    let s = lan.sim.as_str();
    assert!(ip(&[
        "netns",
        "exec",
        s,
        "sh",
        "-c",
        "echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore && echo 2 > /proc/sys/net/ipv4/conf/all/arp_announce"
    ]));
    let with_mac: Vec<(&TruthRecord, Mac)> =
        sim.truth.iter().filter_map(|t| Some((t, t.mac?))).collect();
    for (i, (t, mac)) in with_mac.iter().enumerate() {
        let (name, mac, addr) = (format!("m{i}"), mac.to_string(), format!("{}/32", t.addr));
        for step in [
            &[
                "-n", s, "link", "add", "link", "vsim", "name", &name, "type", "macvlan", "mode",
                "bridge",
            ][..],
            &["-n", s, "link", "set", &name, "address", &mac],
            &["-n", s, "addr", "add", &addr, "dev", &name],
            &["-n", s, "link", "set", &name, "up"],
        ] {
            assert!(ip(step), "ip {}", step.join(" "));
        }
    }
    assert!(
        with_mac.len() >= 20,
        "{} devices with a MAC",
        with_mac.len()
    );
    let obs = scan(
        &lan,
        &[ESTATE, "10.99.0.1"],
        ScanConfig {
            udp: false,
            ..fast(&[80, 8081])
        },
    );
    let arp: BTreeMap<IpAddr, Mac> = obs
        .iter()
        .filter(|o| o.field.as_str() == "mac")
        .map(|o| {
            assert_eq!(o.source, Source::Arp, "{o:?}");
            (o.addr, Mac::parse(&o.value).expect("a MAC"))
        })
        .collect();
    for (t, mac) in &with_mac {
        assert_eq!(arp.get(&ip4(t)), Some(mac), "{}", t.addr);
    }
    // Addresses with no interface of their own answer no ARP: no MAC.
    for t in sim.truth.iter().filter(|t| t.mac.is_none()) {
        assert_eq!(arp.get(&ip4(t)), None, "{}", t.addr);
    }
    // The simulator's side of the link (nothing listens there: every port
    // resets) is known only by its MAC, whose OUI (58:50:ED) is Hikvision's.
    let gw = IpAddr::V4(Ipv4Addr::new(10, 99, 0, 1));
    assert_eq!(arp.get(&gw), Some(&Mac::parse(SIM_MAC).expect("mac")));
    let only: Vec<Observation> = obs.iter().filter(|o| o.addr == gw).cloned().collect();
    let engine = camaudit_identify::Engine::builtin().expect("engine");
    let made = |obs: &[Observation], addr: IpAddr| {
        engine
            .identify(obs)
            .iter()
            .find(|d| d.addr == Some(addr))
            .and_then(|d| d.manufacturer.as_ref())
            .map(|m| m.as_str().to_owned())
    };
    assert_eq!(made(&only, gw).as_deref(), Some("hikvision"));
    // And a device's own MAC names its maker.
    let (dahua, _) = with_mac
        .iter()
        .find(|(t, _)| {
            t.manufacturer
                .as_ref()
                .is_some_and(|m| m.as_str() == "dahua")
        })
        .expect("a Dahua device");
    let only: Vec<Observation> = obs
        .iter()
        .filter(|o| o.addr == dahua.addr && o.field.as_str() == "mac")
        .cloned()
        .collect();
    assert_eq!(made(&only, dahua.addr).as_deref(), Some("dahua"));
    drop(sim);
    drop(lan);
}

#[test]
fn open_closed_and_filtered_are_told_apart() {
    let Some(lan) = Lan::create("sweep") else {
        return;
    };
    let sim = serve(&lan, "sweep");
    let dev = sim
        .truth
        .iter()
        .find(|t| t.open_ports.contains(&80) && t.fault.is_none())
        .expect("a web device");
    let unserved = [8081u16, 9, 5000]
        .into_iter()
        .find(|p| !dev.open_ports.contains(p))
        .expect("a port the device does not serve");
    let host = dev.addr;
    let states = lan.in_scanner(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let rate = RateLimiter::new(1_000);
            let t = Duration::from_millis(700);
            let mut out = Vec::new();
            for sa in [
                SocketAddr::new(host, 80),
                SocketAddr::new(host, unserved),
                // Routed to the simulator's namespace, which does not
                // forward: the SYN is dropped without a word.
                SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 99, 2, 1)), 80),
                // A blackhole route: the network refuses to send it.
                SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 99, 3, 1)), 80),
            ] {
                out.push(connect(sa, t, 1, &rate).await.state());
            }
            out
        })
    });
    assert_eq!(
        states,
        vec![
            PortState::Open,
            PortState::Closed,
            PortState::Filtered,
            PortState::Filtered
        ],
        "{host}:80, {host}:{unserved}, 10.99.2.1:80, 10.99.3.1:80"
    );
    // Over the whole sweep: closed ports are not reported open, the
    // unreachable block yields nothing, the simulator's side is up.
    let obs = scan(
        &lan,
        &["10.99.1.0/27", "10.99.2.0/30"],
        ScanConfig {
            udp: false,
            ..fast(&[80, unserved])
        },
    );
    let open: HashSet<(IpAddr, u16)> = obs
        .iter()
        .filter(|o| o.field.as_str() == "tcp.open")
        .filter_map(|o| Some((o.addr, o.port?)))
        .collect();
    assert!(open.contains(&(host, 80)), "{open:?}");
    assert!(!open.contains(&(host, unserved)), "{open:?}");
    assert!(
        obs.iter()
            .all(|o| !matches!(o.addr, IpAddr::V4(a) if a.octets()[2] == 2)),
        "observations from the filtered block"
    );
    drop(sim);
    drop(lan);
}
