//! Laying the estate's sockets out: per address when the file-descriptor
//! limit allows, else shared per port, and binding them, inside the
//! caller's network namespace when there is one (see `docs/sim.md`,
//! "Sockets, start time and memory").

use std::net::{Ipv4Addr, SocketAddrV4};

use crate::catalog::{self, ALL_UDP, Udp};
use crate::config::{BindPolicy, SimConfig};
use crate::error::SimError;
use crate::estate::Estate;
use crate::net;

/// File descriptors kept free for accepted connections and the process.
const FD_RESERVE: u64 = 2048 + 64;

/// A bound socket and what it serves.
pub enum Bound {
    Tcp {
        sock: std::net::TcpListener,
        port: u16,
    },
    Udp {
        sock: std::net::UdpSocket,
        proto: Udp,
        shared: bool,
    },
}

fn per_address_needs(estate: &Estate) -> u64 {
    estate
        .devices
        .iter()
        .map(|d| (d.profile.tcp_ports.len() + d.profile.udp.len()) as u64)
        .sum()
}

/// The layout `config.bind` asks for, if it fits the descriptor limits
/// (`soft`, `hard`).
pub fn choose_policy(
    config: &SimConfig,
    estate: &Estate,
    soft: u64,
    hard: u64,
) -> Result<BindPolicy, SimError> {
    let need = per_address_needs(estate);
    let shared_need = (catalog::all_tcp_ports().len() + ALL_UDP.len()) as u64;
    let fits = need + FD_RESERVE <= soft;
    match config.bind {
        BindPolicy::PerAddress if !fits => Err(SimError::Limits(format!(
            "{} devices need {need} sockets bound per address plus {FD_RESERVE} in reserve, but RLIMIT_NOFILE is {soft} (hard limit {hard}); raise the hard limit (ulimit -Hn, limits.conf) or use --bind shared",
            estate.devices.len()
        ))),
        BindPolicy::PerAddress => Ok(BindPolicy::PerAddress),
        BindPolicy::Auto if fits => Ok(BindPolicy::PerAddress),
        BindPolicy::Auto | BindPolicy::Shared => {
            if shared_need + FD_RESERVE / 4 > soft {
                return Err(SimError::Limits(format!(
                    "RLIMIT_NOFILE is {soft} (hard {hard}): too low even for shared listeners; raise it to at least {}",
                    shared_need + FD_RESERVE
                )));
            }
            Ok(BindPolicy::Shared)
        }
    }
}

/// Binds every socket of the layout (in the current thread's namespace).
fn bind_all(
    config: &SimConfig,
    estate: &Estate,
    policy: BindPolicy,
) -> Result<Vec<Bound>, SimError> {
    let off = config.port_offset;
    let port = |p: u16| {
        p.checked_add(off)
            .ok_or_else(|| SimError::Config(format!("port {p} + offset {off} exceeds 65535")))
    };
    let lo_only = config.netns.is_none();
    let mut out = Vec::new();
    match policy {
        BindPolicy::PerAddress | BindPolicy::Auto => {
            for d in &estate.devices {
                for &p in d.profile.tcp_ports {
                    let sock = net::tcp_listener(SocketAddrV4::new(d.addr, port(p)?), false, 128)?;
                    out.push(Bound::Tcp { sock, port: p });
                }
                for &u in d.profile.udp {
                    let sock =
                        net::udp_socket(SocketAddrV4::new(d.addr, port(u.port())?), false, false)?;
                    out.push(Bound::Udp {
                        sock,
                        proto: u,
                        shared: false,
                    });
                }
            }
        }
        BindPolicy::Shared => {
            for p in catalog::all_tcp_ports() {
                let sock = net::tcp_listener(
                    SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port(p)?),
                    lo_only,
                    4096,
                )?;
                out.push(Bound::Tcp { sock, port: p });
            }
            for u in ALL_UDP {
                let sock = net::udp_socket(
                    SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port(u.port())?),
                    lo_only,
                    true,
                )?;
                out.push(Bound::Udp {
                    sock,
                    proto: u,
                    shared: true,
                });
            }
        }
    }
    if config.multicast {
        for u in ALL_UDP {
            let iface = config.multicast_interface.as_deref().unwrap_or("lo");
            let sock = net::multicast_socket(u.group(), port(u.port())?, iface)?;
            out.push(Bound::Udp {
                sock,
                proto: u,
                shared: true,
            });
        }
    }
    Ok(out)
}

/// Binds every socket on a fresh OS thread, which first enters
/// `config.netns` when set, so every socket belongs to that namespace. A
/// fresh thread (not a pooled one) because a thread that entered a namespace
/// must not go on to serve anything else. Hands the estate back with the
/// sockets.
pub async fn bind_in_namespace(
    config: &SimConfig,
    estate: Estate,
    policy: BindPolicy,
) -> Result<(Estate, Vec<Bound>), SimError> {
    let config = config.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let result = (|| {
            if let Some(ns) = &config.netns {
                net::enter_netns(ns)?;
            }
            bind_all(&config, &estate, policy)
        })();
        let _ = tx.send((estate, result));
    });
    let (estate, result) = rx
        .await
        .map_err(|_| SimError::Config("binding thread failed".into()))?;
    Ok((estate, result?))
}
