//! Multicast discovery (`--multicast`) inside network namespaces the test
//! makes and deletes, driven by a plain UDP client written here (not the
//! scanner): a SADP `inquiry` and a DHIP `DHDiscover.search` sent once to
//! their groups are answered once by every device that speaks the protocol,
//! from the device's own address.
//!
//! * across a veth pair (`vsim` 10.99.0.1 in the simulator's namespace,
//!   `vcli` 10.99.0.2 in the client's), with per-address and with shared
//!   listeners;
//! * on `lo` inside one namespace once `lo` has the MULTICAST flag.
//!
//! Needs root and `ip`; skipped otherwise (failing under
//! `CAMAUDIT_REQUIRE_PEERS=1`, as in CI).

mod common;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::{Duration, Instant};

use camaudit_sim::{BindPolicy, Udp};

const SADP_GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
const DHIP_GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 251);

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Namespaces deleted on drop, a panicking test included.
struct Namespaces(Vec<String>);

impl Drop for Namespaces {
    fn drop(&mut self) {
        for ns in &self.0 {
            let _ = Command::new("ip").args(["netns", "delete", ns]).output();
        }
    }
}

impl Namespaces {
    fn create(test: &str, count: usize) -> Option<Namespaces> {
        let mut made = Namespaces(Vec::new());
        for i in 0..count {
            let name = format!("camsim-{}-{test}-{i}", std::process::id());
            if !ip(&["netns", "add", &name]) {
                common::skip("cannot create a network namespace (needs root and iproute2)");
                return None;
            }
            made.0.push(name.clone());
            assert!(ip(&["-n", &name, "link", "set", "lo", "up"]));
        }
        Some(made)
    }

    /// Runs `f` on a fresh thread inside namespace `i`.
    fn run_in<T: Send + 'static>(&self, i: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/var/run/netns/{}", self.0[i]);
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

fn sadp_inquiry() -> Vec<u8> {
    b"<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>8D4F2B1E-0C1A-4E6B-9B1D-5A0F6C3E2D11</Uuid><MAC>00-00-00-00-00-00</MAC><Types>inquiry</Types></Probe>".to_vec()
}

fn dhip_search() -> Vec<u8> {
    let body = br#"{"method":"DHDiscover.search","params":{"mac":"","uni":1}}"#;
    let mut f = vec![0x20, 0, 0, 0, b'D', b'H', b'I', b'P'];
    f.extend_from_slice(&[0; 4]); // session
    f.extend_from_slice(&1u32.to_le_bytes()); // id
    f.extend_from_slice(&(body.len() as u32).to_le_bytes());
    f.extend_from_slice(&[0; 4]);
    f.extend_from_slice(&(body.len() as u32).to_le_bytes());
    f.extend_from_slice(&[0; 4]);
    f.extend_from_slice(body);
    f
}

/// Sends `probe` once to `group:port` out of the interface with address
/// `iface`; counts the replies per sender for `wait`.
fn ask_group(
    iface: Ipv4Addr,
    group: Ipv4Addr,
    port: u16,
    probe: &[u8],
    wait: Duration,
) -> BTreeMap<IpAddr, usize> {
    let s = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )
    .expect("socket");
    s.set_multicast_if_v4(&iface).expect("IP_MULTICAST_IF");
    s.bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).into())
        .expect("bind");
    let sock: std::net::UdpSocket = s.into();
    sock.send_to(probe, SocketAddrV4::new(group, port))
        .expect("send to the group");
    let until = Instant::now() + wait;
    let mut got = BTreeMap::new();
    let mut buf = [0u8; 8192];
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if left.is_zero() {
            break;
        }
        sock.set_read_timeout(Some(left)).expect("timeout");
        match sock.recv_from(&mut buf) {
            Ok((_, from)) => *got.entry(from.ip()).or_insert(0) += 1,
            Err(_) => break,
        }
    }
    got
}

/// Devices of the estate that speak `proto`, each once.
fn speakers(est: &common::Estate, proto: Udp) -> BTreeMap<IpAddr, usize> {
    est.full()
        .devices
        .iter()
        .filter(|d| d.profile.has_udp(proto) && d.fault.is_none())
        .map(|d| (IpAddr::V4(d.addr), 1))
        .collect()
}

fn veth(ns: &Namespaces) {
    let (s, c) = (ns.0[0].as_str(), ns.0[1].as_str());
    let steps: &[&[&str]] = &[
        &[
            "-n", s, "link", "add", "vsim", "type", "veth", "peer", "name", "vcli", "netns", c,
        ],
        &["-n", s, "addr", "add", "10.99.0.1/24", "dev", "vsim"],
        &["-n", c, "addr", "add", "10.99.0.2/24", "dev", "vcli"],
        &["-n", s, "link", "set", "vsim", "up"],
        &["-n", c, "link", "set", "vcli", "up"],
        &[
            "-n",
            s,
            "route",
            "add",
            "local",
            "10.99.1.0/24",
            "dev",
            "lo",
        ],
        &["-n", c, "route", "add", "10.99.1.0/24", "via", "10.99.0.1"],
        &["-n", c, "route", "add", "224.0.0.0/4", "dev", "vcli"],
    ];
    for step in steps {
        assert!(ip(step), "ip {}", step.join(" "));
    }
}

#[test]
fn group_probes_across_a_veth_pair_are_answered_once_per_device() {
    for policy in [BindPolicy::PerAddress, BindPolicy::Shared] {
        let tag = format!("{policy:?}").to_lowercase();
        let Some(ns) = Namespaces::create(&tag, 2) else {
            return;
        };
        veth(&ns);
        let name = ns.0[0].clone();
        let est = common::start_with(|c| {
            c.devices = 30;
            c.base = "10.99.1.0/24".parse().expect("cidr");
            c.netns = Some(name.clone());
            c.bind = policy;
            c.multicast = true;
            c.multicast_interface = Some("vsim".into());
        });
        let (sadp, dhip) = ns.run_in(1, || {
            let me = Ipv4Addr::new(10, 99, 0, 2);
            let wait = Duration::from_millis(800);
            (
                ask_group(me, SADP_GROUP, 37020, &sadp_inquiry(), wait),
                ask_group(me, DHIP_GROUP, 37810, &dhip_search(), wait),
            )
        });
        assert_eq!(sadp, speakers(&est, Udp::Sadp), "SADP ({policy:?})");
        assert_eq!(dhip, speakers(&est, Udp::Dhip), "DHIP ({policy:?})");
        assert!(!sadp.is_empty() && !dhip.is_empty());
        drop(est);
        drop(ns);
    }
}

#[test]
fn lo_answers_group_probes_once_it_has_the_multicast_flag() {
    let Some(ns) = Namespaces::create("lo", 1) else {
        return;
    };
    assert!(ip(&[
        "-n",
        &ns.0[0],
        "link",
        "set",
        "lo",
        "multicast",
        "on"
    ]));
    assert!(ip(&[
        "-n",
        &ns.0[0],
        "route",
        "add",
        "224.0.0.0/4",
        "dev",
        "lo"
    ]));
    let name = ns.0[0].clone();
    let est = common::start_with(|c| {
        c.devices = 30;
        c.netns = Some(name.clone());
        c.multicast = true;
    });
    let sadp = ns.run_in(0, || {
        ask_group(
            Ipv4Addr::LOCALHOST,
            SADP_GROUP,
            37020,
            &sadp_inquiry(),
            Duration::from_millis(800),
        )
    });
    assert_eq!(sadp, speakers(&est, Udp::Sadp));
    drop(est);
    drop(ns);
}
