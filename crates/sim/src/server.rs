//! Binding the estate's sockets and serving every connection and datagram
//! from the device that owns the local address it arrived on.

use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::catalog::{self, ALL_UDP, Udp};
use crate::estate::{self, Device, Estate};
use crate::faults::{self, Fault};
use crate::{BindPolicy, SimConfig, SimError, http, net, rtsp, tcp_banners, tls};

/// File descriptors kept free for accepted connections and the process.
const FD_RESERVE: u64 = 2048 + 64;

/// Shared state of a running estate.
pub struct Ctx {
    pub estate: Estate,
    pub username: String,
    pub password: String,
    pub port_offset: u16,
    pub tls: tls::Store,
    conns: Arc<Semaphore>,
    conn_permits: u32,
    shutdown: watch::Receiver<bool>,
}

/// What a run served.
#[derive(Debug, Clone)]
pub struct Summary {
    pub devices: usize,
    pub policy: BindPolicy,
    pub tcp_sockets: usize,
    pub udp_sockets: usize,
    /// From the call to all sockets listening.
    pub startup: Duration,
}

enum Bound {
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

fn choose_policy(
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

pub async fn run(
    config: SimConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<Summary, SimError> {
    let started = Instant::now();
    if config.netns.is_none() && !config.base.is_loopback() {
        return Err(SimError::Unsafe(config.base.to_string()));
    }
    let estate = estate::layout(config.base, config.devices, config.seed, config.faults)?;
    let (soft, hard) = net::raise_nofile();
    let policy = choose_policy(&config, &estate, soft, hard)?;
    if let Some(path) = &config.truth {
        crate::truth::write(path, &estate)?;
    }
    // Sockets are made on a thread of their own: with --netns it enters the
    // namespace first, and every socket it makes belongs to that namespace.
    let (estate, bound) = {
        let config = config.clone();
        // A fresh OS thread (not a pooled one): a thread that entered a
        // namespace must not go on to serve anything else.
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
        (estate, result?)
    };
    let tcp_sockets = bound
        .iter()
        .filter(|b| matches!(b, Bound::Tcp { .. }))
        .count();
    let udp_sockets = bound.len() - tcp_sockets;
    let used = bound.len() as u64 + 64;
    let conn_permits = soft.saturating_sub(used).clamp(64, 8192) as u32;
    let (stop_tx, stop_rx) = watch::channel(false);
    let ctx = Arc::new(Ctx {
        estate,
        username: crate::DEFAULT_USERNAME.to_owned(),
        password: crate::DEFAULT_PASSWORD.to_owned(),
        port_offset: config.port_offset,
        tls: tls::Store::default(),
        conns: Arc::new(Semaphore::new(conn_permits as usize)),
        conn_permits,
        shutdown: stop_rx,
    });
    let mut tasks = JoinSet::new();
    for b in bound {
        match b {
            Bound::Tcp { sock, port } => {
                let l = TcpListener::from_std(sock)?;
                tasks.spawn(accept_loop(ctx.clone(), l, port));
            }
            Bound::Udp {
                sock,
                proto,
                shared,
            } => {
                let s = UdpSocket::from_std(sock)?;
                tasks.spawn(udp_loop(ctx.clone(), s, proto, shared));
            }
        }
    }
    let startup = started.elapsed();
    let summary = Summary {
        devices: ctx.estate.devices.len(),
        policy,
        tcp_sockets,
        udp_sockets,
        startup,
    };
    let mode = match policy {
        BindPolicy::Shared => "shared listeners",
        _ => "per-address listeners",
    };
    let line = format!(
        "camaudit-sim ready: {} devices on {}{} ({mode}: {tcp_sockets} TCP + {udp_sockets} UDP sockets) in {:.2}s",
        summary.devices,
        config.base,
        config
            .netns
            .as_deref()
            .map(|n| format!(" in netns {n}"))
            .unwrap_or_default(),
        startup.as_secs_f64()
    );
    if !config.quiet {
        println!("{line}");
    }
    if let Some(path) = &config.ready_file {
        let ready = serde_json::json!({
            "ready": true,
            "pid": std::process::id(),
            "devices": summary.devices,
            "base": config.base.to_string(),
            "policy": mode,
            "tcp_sockets": tcp_sockets,
            "udp_sockets": udp_sockets,
            "startup_seconds": startup.as_secs_f64(),
        });
        std::fs::write(path, format!("{ready}\n")).map_err(|source| SimError::File {
            path: path.clone(),
            source,
        })?;
    }
    shutdown.await;
    let _ = stop_tx.send(true);
    tasks.shutdown().await;
    // Let connection tasks notice the stop and drop their sockets.
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        ctx.conns.acquire_many(ctx.conn_permits),
    )
    .await;
    if let Some(path) = &config.ready_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(summary)
}

async fn accept_loop(ctx: Arc<Ctx>, l: TcpListener, port: u16) {
    loop {
        let permit = match ctx.conns.clone().acquire_owned().await {
            Ok(p) => p,
            Err(_) => return,
        };
        let (stream, _) = match l.accept().await {
            Ok(s) => s,
            Err(_) => {
                // EMFILE and friends: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let mut stop = ctx.shutdown.clone();
            tokio::select! {
                _ = serve_conn(&ctx, stream, port) => {}
                _ = stop.changed() => {}
            }
            drop(permit);
        });
    }
}

async fn serve_conn(ctx: &Ctx, stream: TcpStream, port: u16) {
    let local = match stream.local_addr() {
        Ok(a) => a,
        Err(_) => return,
    };
    let dev = match ctx.estate.device_at(local.ip()) {
        Some(d) if d.serves_tcp(port) => d,
        _ => {
            // Not a port of this address (shared listeners): reset, as near
            // to "closed" as an accepted connection can get.
            reset_on_close(&stream);
            return;
        }
    };
    let _ = stream.set_nodelay(true);
    match dev.fault {
        Some(Fault::Tarpit) => return tarpit(stream).await,
        Some(Fault::RstMidResponse) => {
            reset_on_close(&stream);
        }
        Some(Fault::WrongProtocol) => return wrong_protocol(dev, port, stream).await,
        _ => {}
    }
    let _ = match port {
        443 => match ctx.tls.config(dev) {
            Ok(cfg) => {
                let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
                match tokio::time::timeout(http::READ_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => http::serve(ctx, dev, port, true, tls).await,
                    _ => Ok(()),
                }
            }
            Err(_) => Ok(()),
        },
        554 => rtsp::serve(ctx, dev, stream).await,
        8000 => tcp_banners::hikvision_8000(dev, stream).await,
        37777 => tcp_banners::dahua_37777(dev, stream).await,
        34567 => tcp_banners::xiongmai_34567(dev, stream).await,
        9100 => tcp_banners::jetdirect(stream).await,
        _ => http::serve(ctx, dev, port, false, stream).await,
    };
}

/// SO_LINGER 0: closing the socket sends RST (with a zero timeout the
/// close does not block).
fn reset_on_close(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

/// Accepts and never answers; reads (and discards) until the client leaves.
async fn tarpit(mut stream: TcpStream) {
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(faults::TARPIT_HOLD, async {
        let mut total = 0usize;
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 || total > 1 << 20 {
                break;
            }
            total += n;
        }
    })
    .await;
}

/// Another service on the well-known port: SSH on the web ports, HTTP on
/// RTSP and the binary control ports.
async fn wrong_protocol(dev: &Device, port: u16, mut stream: TcpStream) {
    let _ = dev;
    let bytes: &[u8] = match port {
        80 | 443 | 631 => b"SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u1\r\n",
        _ => b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    };
    let _ = stream.write_all(bytes).await;
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
}

async fn udp_loop(ctx: Arc<Ctx>, sock: UdpSocket, proto: Udp, shared: bool) {
    let mut buf = vec![0u8; 4096];
    let per_addr_local = sock.local_addr().ok().and_then(|a| match a.ip() {
        IpAddr::V4(v4) if !v4.is_unspecified() && !v4.is_multicast() => Some(v4),
        _ => None,
    });
    loop {
        let (n, from, dst) = if shared {
            match net::recv_with_dst(&sock, &mut buf).await {
                Ok(r) => r,
                Err(_) => continue,
            }
        } else {
            match sock.recv_from(&mut buf).await {
                Ok((n, std::net::SocketAddr::V4(a))) => (n, a, per_addr_local),
                Ok(_) | Err(_) => continue,
            }
        };
        let probe = &buf[..n];
        let targets: Vec<&Device> = match dst {
            Some(d) if d.is_multicast() => ctx
                .estate
                .devices
                .iter()
                .filter(|dev| dev.profile.has_udp(proto))
                .collect(),
            Some(d) => ctx.estate.device_at(IpAddr::V4(d)).into_iter().collect(),
            None => Vec::new(),
        };
        for dev in targets {
            if !dev.profile.has_udp(proto) || dev.fault == Some(Fault::Tarpit) {
                continue;
            }
            let reply = match proto {
                Udp::Sadp => crate::sadp::reply(dev, probe),
                Udp::WsDiscovery => crate::wsd::reply(dev, probe, 80 + ctx.port_offset),
                Udp::Dhip => crate::dhip::reply(dev, probe),
            };
            let Some(reply) = reply else { continue };
            let sent = if shared {
                net::send_from(&sock, &reply, from, dev.addr).await
            } else {
                sock.send_to(&reply, from).await.map(|_| ())
            };
            let _ = sent;
        }
    }
}
