//! Wiring the bound sockets to the protocol handlers: each connection and
//! datagram is served by the device that owns the local address it arrived
//! on, by the handler of its port. Startup (layout, binding, the ready line)
//! and shutdown (every connection and listener closed) are here too.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::bind::{self, Bound};
use crate::catalog::Udp;
use crate::config::{BindPolicy, SimConfig};
use crate::context::Context;
use crate::error::SimError;
use crate::estate::{self, Device, Estate};
use crate::faults::{self, Fault};
use crate::{dhip, http, message, net, rtsp, sadp, tcp_banners, tls, truth, wsd};

/// State of a running estate, shared by its listener and connection tasks.
struct Running {
    ctx: Context,
    estate: Estate,
    tls: tls::Store,
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

/// Serves the estate `config` describes until `shutdown` resolves.
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
    let policy = bind::choose_policy(&config, &estate, soft, hard)?;
    if let Some(path) = &config.truth {
        truth::write(path, &estate)?;
    }
    let (estate, bound) = bind::bind_in_namespace(&config, estate, policy).await?;
    let tcp_sockets = bound
        .iter()
        .filter(|b| matches!(b, Bound::Tcp { .. }))
        .count();
    let udp_sockets = bound.len() - tcp_sockets;
    let used = bound.len() as u64 + 64;
    let conn_permits = soft.saturating_sub(used).clamp(64, 8192) as u32;
    let (stop_tx, stop_rx) = watch::channel(false);
    let running = Arc::new(Running {
        ctx: Context::with_accounts(config.port_offset, &config.accounts),
        estate,
        tls: tls::Store::default(),
        conns: Arc::new(Semaphore::new(conn_permits as usize)),
        conn_permits,
        shutdown: stop_rx,
    });
    let mut tasks = spawn_listeners(&running, bound)?;
    let summary = Summary {
        devices: running.estate.devices.len(),
        policy,
        tcp_sockets,
        udp_sockets,
        startup: started.elapsed(),
    };
    announce_ready(&config, &summary)?;
    shutdown.await;
    let _ = stop_tx.send(true);
    tasks.shutdown().await;
    // Let connection tasks notice the stop and drop their sockets.
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        running.conns.acquire_many(running.conn_permits),
    )
    .await;
    if let Some(path) = &config.ready_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(summary)
}

/// One task per bound socket: an accept loop per listener, a receive loop
/// per UDP socket.
fn spawn_listeners(running: &Arc<Running>, bound: Vec<Bound>) -> Result<JoinSet<()>, SimError> {
    let mut tasks = JoinSet::new();
    for b in bound {
        match b {
            Bound::Tcp { sock, port } => {
                let l = TcpListener::from_std(sock)?;
                tasks.spawn(accept_loop(running.clone(), l, port));
            }
            Bound::Udp {
                sock,
                proto,
                shared,
            } => {
                let s = UdpSocket::from_std(sock)?;
                tasks.spawn(udp_loop(running.clone(), s, proto, shared));
            }
        }
    }
    Ok(tasks)
}

/// The ready line on standard output (unless `--quiet`) and the ready file.
fn announce_ready(config: &SimConfig, summary: &Summary) -> Result<(), SimError> {
    let mode = match summary.policy {
        BindPolicy::Shared => "shared listeners",
        _ => "per-address listeners",
    };
    let line = format!(
        "camaudit-sim ready: {} devices on {}{} ({mode}: {} TCP + {} UDP sockets) in {:.2}s",
        summary.devices,
        config.base,
        config
            .netns
            .as_deref()
            .map(|n| format!(" in netns {n}"))
            .unwrap_or_default(),
        summary.tcp_sockets,
        summary.udp_sockets,
        summary.startup.as_secs_f64()
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
            "tcp_sockets": summary.tcp_sockets,
            "udp_sockets": summary.udp_sockets,
            "startup_seconds": summary.startup.as_secs_f64(),
        });
        std::fs::write(path, format!("{ready}\n")).map_err(|source| SimError::File {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

/// Accepts connections while a connection permit is free.
async fn accept_loop(running: Arc<Running>, l: TcpListener, port: u16) {
    loop {
        let permit = match running.conns.clone().acquire_owned().await {
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
        let running = running.clone();
        tokio::spawn(async move {
            let mut stop = running.shutdown.clone();
            tokio::select! {
                _ = serve_conn(&running, stream, port) => {}
                _ = stop.changed() => {}
            }
            drop(permit);
        });
    }
}

/// Serves one accepted connection as the device at its local address.
async fn serve_conn(running: &Running, stream: TcpStream, port: u16) {
    let local = match stream.local_addr() {
        Ok(a) => a,
        Err(_) => return,
    };
    let dev = match running.estate.device_at(local.ip()) {
        Some(d) if d.serves_tcp(port) => d,
        _ => {
            // Not a port of this address (shared listeners): reset, as near
            // to "closed" as an accepted connection can get.
            net::reset_on_close(&stream);
            return;
        }
    };
    let _ = stream.set_nodelay(true);
    match dev.fault {
        Some(Fault::Tarpit) => return faults::tarpit(stream).await,
        Some(Fault::RstMidResponse) => {
            net::reset_on_close(&stream);
        }
        Some(Fault::WrongProtocol) => return faults::wrong_protocol(port, stream).await,
        _ => {}
    }
    let _ = match port {
        443 => match running.tls.config(dev) {
            Ok(cfg) => {
                let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
                match tokio::time::timeout(message::READ_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => http::serve(&running.ctx, dev, port, tls).await,
                    _ => Ok(()),
                }
            }
            Err(_) => Ok(()),
        },
        554 => rtsp::serve(&running.ctx, dev, stream).await,
        8000 => tcp_banners::hikvision_8000(dev, stream).await,
        37777 => tcp_banners::dahua_37777(dev, stream).await,
        34567 => tcp_banners::xiongmai_34567(dev, stream).await,
        9100 => tcp_banners::jetdirect(stream).await,
        _ => http::serve(&running.ctx, dev, port, stream).await,
    };
}

/// Answers discovery datagrams: as the device at the destination address,
/// or, for a multicast group, as every device that speaks the protocol.
async fn udp_loop(running: Arc<Running>, sock: UdpSocket, proto: Udp, shared: bool) {
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
            Some(d) if d.is_multicast() => running
                .estate
                .devices
                .iter()
                .filter(|dev| dev.profile.has_udp(proto))
                .collect(),
            Some(d) => running
                .estate
                .device_at(IpAddr::V4(d))
                .into_iter()
                .collect(),
            None => Vec::new(),
        };
        for dev in targets {
            if !dev.profile.has_udp(proto) || dev.fault == Some(Fault::Tarpit) {
                continue;
            }
            let reply = match proto {
                Udp::Sadp => sadp::reply(dev, probe),
                Udp::WsDiscovery => wsd::reply(dev, probe, 80 + running.ctx.port_offset),
                Udp::Dhip => dhip::reply(dev, probe),
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
