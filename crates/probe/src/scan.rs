//! The scan: chunks of targets through stage 1 (sweep) and stage 2
//! (protocol probes), concurrently, within a socket budget and a global
//! rate, reporting each finished chunk's observations.
//!
//! Per device the scan is gentle: stage-1 attempts walk a chunk port by
//! port (so one host sees its ports knocked on spread out over the chunk),
//! and stage 2 talks to one device over one connection at a time.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use camaudit_model::{Observation, Source};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::audit::Audit;
use crate::banner;
use crate::conn::Ctx;
use crate::credentials::{Keyring, Protocol};
use crate::obs::HostObs;
use crate::ratelimit::RateLimiter;
use crate::sweep::{Connect, connect};
use crate::targets::TargetSet;
use crate::udp::Ignored;
use crate::{ProbeError, http, neighbour, onvif, rtsp, ssdp, tls, udp};

/// The ports of surveillance gear, swept by default: web (80, 81, 88, 8080,
/// 8081, 5000), TLS (443, 7443, 8443), RTSP (554, 8554), ONVIF on TP-Link
/// and others (2020, 8899), Hikvision SDK (8000), Dahua DVRIP (37777),
/// Xiongmai NetSurveillance (34567), telnet and FTP (21, 23: banners).
pub const DEFAULT_PORTS: &[u16] = &[
    21, 23, 80, 81, 88, 443, 554, 2020, 5000, 7443, 8000, 8080, 8081, 8443, 8554, 8899, 34567,
    37777,
];

/// Default attempts per second: see `docs/scan.md` for why.
pub const DEFAULT_RATE: u32 = 300;
/// Default sockets in flight.
pub const DEFAULT_CONCURRENCY: usize = 256;

/// Ports spoken to with TLS first.
const TLS_PORTS: &[u16] = &[443, 4443, 7443, 8443, 9443];
/// Ports spoken to with RTSP.
const RTSP_PORTS: &[u16] = &[554, 8554, 10554, 5554];

/// How a scan runs.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub ports: Vec<u16>,
    /// Connection attempts (and UDP probes) per second, for the whole scan.
    pub rate: u32,
    /// Sockets open at once, at most.
    pub concurrency: usize,
    /// Stage-1 connect timeout (a port that does not answer is filtered).
    pub connect_timeout: Duration,
    /// Stage-2 time for one request and reply.
    pub io_timeout: Duration,
    /// Extra stage-1 attempts on a timeout.
    pub retries: u32,
    /// Unicast UDP discovery to every target.
    pub udp: bool,
    /// How long to wait for UDP replies.
    pub udp_wait: Duration,
    /// Multicast discovery out of the interface with this address.
    pub multicast: Option<Ipv4Addr>,
    /// Scoped credentials; a target gets one only when it is inside the
    /// scan's targets and the credential's CIDRs ([`Keyring::for_target`]).
    pub credentials: Option<Arc<Keyring>>,
    /// Where every request sent is recorded (off by default).
    pub audit: Audit,
    /// Lab use only: the services are served at their usual ports plus this
    /// offset (the estate simulator's `--port-offset`, which lets it run
    /// without privileges). `ports` still names the usual ports; connections
    /// and UDP probes go to the offset ones, and observations record the
    /// port actually contacted. 0 on real networks.
    pub port_offset: u16,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            ports: DEFAULT_PORTS.to_vec(),
            rate: DEFAULT_RATE,
            concurrency: DEFAULT_CONCURRENCY,
            connect_timeout: Duration::from_millis(1500),
            io_timeout: Duration::from_secs(5),
            retries: 1,
            udp: true,
            udp_wait: Duration::from_millis(1500),
            multicast: None,
            credentials: None,
            audit: Audit::default(),
            port_offset: 0,
        }
    }
}

/// Counters a progress display reads while the scan runs.
#[derive(Debug, Default)]
pub struct Progress {
    pub hosts_total: AtomicU64,
    pub hosts_done: AtomicU64,
    pub hosts_up: AtomicU64,
    pub open_ports: AtomicU64,
    pub observations: AtomicU64,
    pub chunks_total: AtomicU64,
    pub chunks_done: AtomicU64,
    /// Discovery replies from addresses that are not targets (dropped).
    pub replies_ignored: AtomicU64,
}

impl Progress {
    pub fn get(&self, c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// A chunk's observations. `complete` is false when the scan was stopped
/// before the chunk finished (its observations are what was found so far).
#[derive(Debug)]
pub struct ChunkResult {
    /// The block of targets, or `None` for multicast discovery replies,
    /// which belong to no block.
    pub chunk: Option<u64>,
    pub complete: bool,
    pub observations: Vec<Observation>,
}

/// Stops a scan from another task (Ctrl-C).
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl Cancel {
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    pub async fn cancelled(&self) {
        loop {
            let n = self.notify.notified();
            if self.is_cancelled() {
                return;
            }
            n.await;
        }
    }
}

/// A configured scanner.
pub struct Scanner {
    config: ScanConfig,
    ctx: Ctx,
    progress: Arc<Progress>,
    cancel: Cancel,
    sockets: Arc<Semaphore>,
    /// Held while a chunk schedules its stage-1 attempts, so chunks take
    /// rate tokens one after another (the first chunks finish first; their
    /// UDP waits and stage 2 overlap the next chunk's sweep).
    sweep_gate: tokio::sync::Mutex<()>,
    /// Who sent the replies counted in `Progress::replies_ignored`.
    ignored: Mutex<Ignored>,
}

/// What a port gets in stage 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Tls,
    Rtsp,
    Banner(banner::Kind),
    Http,
}

fn plan(port: u16) -> Plan {
    if TLS_PORTS.contains(&port) {
        Plan::Tls
    } else if RTSP_PORTS.contains(&port) {
        Plan::Rtsp
    } else if let Some(k) = banner::Kind::for_port(port) {
        Plan::Banner(k)
    } else {
        Plan::Http
    }
}

/// What stage 2 sends to `port` (a usual port, before any offset) when it
/// is open, as the audit log names the requests: for a dry run's plan.
pub fn requests_for_port(port: u16) -> Vec<String> {
    let http = |scheme: &str| {
        let mut v = vec![format!("{scheme} GET / (up to two same-host redirects)")];
        v.extend(http::PATHS.iter().map(|p| format!("{scheme} GET {p}")));
        v.push(format!("{scheme} POST {}", http::VAPIX_PATH));
        v
    };
    let onvif = [
        "onvif GetSystemDateAndTime",
        "onvif GetDeviceInformation",
        "onvif GetDeviceInformation (authenticated, PasswordDigest) if refused and a credential is scoped to the target",
    ];
    match plan(port) {
        Plan::Tls => {
            let mut v = vec!["tls handshake (certificate read)".to_owned()];
            v.extend(http("https"));
            v
        }
        Plan::Rtsp => vec!["rtsp OPTIONS".to_owned(), "rtsp DESCRIBE".to_owned()],
        Plan::Banner(kind) => vec![kind.audit_name().1.to_owned()],
        Plan::Http => {
            let mut v = http("http");
            v.extend(onvif.iter().map(|s| s.to_string()));
            v
        }
    }
}

impl Scanner {
    /// Builds a scanner. Concurrency is capped to fit the open-file limit
    /// (raised to its hard limit here), keeping room for the store and UDP.
    pub fn new(mut config: ScanConfig) -> Result<Scanner, ProbeError> {
        let fds = crate::sweep::raise_fd_limit();
        let room = fds.saturating_sub(256).max(16) as usize;
        config.concurrency = config.concurrency.clamp(1, room);
        config.ports.sort_unstable();
        config.ports.dedup();
        let rate = Arc::new(RateLimiter::new(config.rate));
        let mut ctx = Ctx::new(rate)?;
        ctx.io_timeout = config.io_timeout;
        ctx.connect_timeout = config.connect_timeout.max(Duration::from_millis(500));
        ctx.audit = config.audit.clone();
        ctx.port_offset = config.port_offset;
        // Every offset port must exist.
        config
            .ports
            .retain(|p| p.checked_add(config.port_offset).is_some());
        Ok(Scanner {
            sockets: Arc::new(Semaphore::new(config.concurrency)),
            config,
            ctx,
            progress: Arc::new(Progress::default()),
            cancel: Cancel::default(),
            sweep_gate: tokio::sync::Mutex::new(()),
            ignored: Mutex::new(Ignored::default()),
        })
    }

    pub fn config(&self) -> &ScanConfig {
        &self.config
    }

    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    pub fn cancel_handle(&self) -> Cancel {
        self.cancel.clone()
    }

    /// Discovery replies dropped so far because their sender is not a
    /// target (outside the list, or excluded), with the first senders.
    pub fn ignored(&self) -> Ignored {
        self.ignored
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn note_ignored(&self, ignored: &Ignored) {
        self.progress
            .replies_ignored
            .fetch_add(ignored.replies, Ordering::Relaxed);
        self.ignored
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .merge(ignored);
    }

    /// Chunks worked on at once: enough to keep the sockets busy while
    /// chunks wait on UDP replies and slow devices.
    fn chunks_in_flight(&self) -> usize {
        (self.config.concurrency / 64).clamp(4, 64)
    }

    /// Scans every chunk of `targets` not in `skip`, sending each chunk's
    /// result to `tx` as it finishes. Returns when all chunks are done or
    /// the scan was cancelled (then unfinished chunks are sent with
    /// `complete: false`).
    pub async fn run(
        self: &Arc<Self>,
        targets: Arc<TargetSet>,
        skip: HashSet<u64>,
        tx: mpsc::Sender<ChunkResult>,
    ) -> Result<(), ProbeError> {
        let todo: Vec<u64> = (0..targets.chunk_count())
            .filter(|k| !skip.contains(k))
            .collect();
        let hosts: u64 = todo.iter().map(|&k| targets.chunk(k).count() as u64).sum();
        self.progress.hosts_total.store(hosts, Ordering::Relaxed);
        self.progress
            .chunks_total
            .store(todo.len() as u64, Ordering::Relaxed);

        if let Some(iface) = self.config.multicast {
            let t = targets.clone();
            let found = udp::multicast(iface, self.config.udp_wait, &self.ctx.audit, move |a| {
                t.contains(a)
            })
            .await?;
            // Senders that are not targets were seen and are never probed:
            // multicast replies belong to no block, and stage 2 only talks
            // to a block's own addresses.
            self.note_ignored(&found.ignored);
            let mut observations = Vec::new();
            for (_, h) in found.hosts {
                observations.extend(h.into_vec());
            }
            self.progress
                .observations
                .fetch_add(observations.len() as u64, Ordering::Relaxed);
            let _ = tx
                .send(ChunkResult {
                    chunk: None,
                    complete: true,
                    observations,
                })
                .await;
        }

        let chunk_slots = Arc::new(Semaphore::new(self.chunks_in_flight()));
        let mut running = JoinSet::new();
        for k in todo {
            let permit = tokio::select! {
                p = chunk_slots.clone().acquire_owned() => p,
                _ = self.cancel.cancelled() => break,
            };
            let Ok(permit) = permit else { break };
            let me = self.clone();
            let t = targets.clone();
            let tx = tx.clone();
            running.spawn(async move {
                let found: Arc<Mutex<Vec<Observation>>> = Arc::default();
                let complete = tokio::select! {
                    _ = me.clone().run_chunk(t, k, found.clone()) => true,
                    _ = me.cancel.cancelled() => false,
                };
                let observations =
                    std::mem::take(&mut *found.lock().unwrap_or_else(|p| p.into_inner()));
                if complete {
                    me.progress.chunks_done.fetch_add(1, Ordering::Relaxed);
                }
                let _ = tx
                    .send(ChunkResult {
                        chunk: Some(k),
                        complete,
                        observations,
                    })
                    .await;
                drop(permit);
            });
            // Reap finished chunks as we go, so the set stays small.
            while running.try_join_next().is_some() {}
        }
        while running.join_next().await.is_some() {}
        Ok(())
    }

    fn keep(&self, found: &Mutex<Vec<Observation>>, obs: HostObs) {
        if obs.is_empty() {
            return;
        }
        let v = obs.into_vec();
        self.progress
            .observations
            .fetch_add(v.len() as u64, Ordering::Relaxed);
        found.lock().unwrap_or_else(|p| p.into_inner()).extend(v);
    }

    async fn run_chunk(
        self: Arc<Self>,
        targets: Arc<TargetSet>,
        k: u64,
        found: Arc<Mutex<Vec<Observation>>>,
    ) {
        let addrs: Vec<IpAddr> = targets.chunk(k).collect();
        // One UDP socket per protocol: four socket permits for the block.
        let udp_permit = if self.config.udp {
            self.sockets.acquire_many(4).await.ok()
        } else {
            None
        };
        let batch = match udp_permit {
            Some(_) => Some(Arc::new(udp::Batch::open(&addrs).await)),
            None => None,
        };
        let open = self.clone().sweep_chunk(&addrs, batch.clone()).await;
        let udp_found = match batch.and_then(Arc::into_inner) {
            Some(b) => {
                let t = targets.clone();
                b.finish(self.config.udp_wait, move |a| t.contains(a)).await
            }
            None => udp::Found::default(),
        };
        drop(udp_permit);
        self.note_ignored(&udp_found.ignored);

        // Stage 2, one task per live host, each holding one socket permit.
        let arp = neighbour::table();
        let mut hosts = JoinSet::new();
        let mut udp_hosts = udp_found.hosts;
        let mut locations: BTreeMap<IpAddr, Vec<String>> = BTreeMap::new();
        for (ip, loc) in udp_found.locations {
            locations.entry(ip).or_default().push(loc);
        }
        for &addr in &addrs {
            let ports = open.get(&addr).cloned().unwrap_or_default();
            let mut obs = udp_hosts
                .remove(&addr)
                .unwrap_or_else(|| HostObs::new(addr));
            neighbour::record(&arp, &mut obs);
            let locs = locations.remove(&addr).unwrap_or_default();
            if ports.is_empty() && locs.is_empty() {
                self.keep(&found, obs);
                self.progress.hosts_done.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let Ok(permit) = self.sockets.clone().acquire_owned().await else {
                return;
            };
            let me = self.clone();
            let found = found.clone();
            let t = targets.clone();
            hosts.spawn(async move {
                me.probe_host(addr, &t, &ports, &locs, &mut obs).await;
                drop(permit);
                me.keep(&found, obs);
                me.progress.hosts_done.fetch_add(1, Ordering::Relaxed);
            });
            while hosts.try_join_next().is_some() {}
        }
        while hosts.join_next().await.is_some() {}
    }

    /// Stage 1 for one chunk: the open ports of each address.
    async fn sweep_chunk(
        self: Arc<Self>,
        addrs: &[IpAddr],
        udp: Option<Arc<udp::Batch>>,
    ) -> BTreeMap<IpAddr, Vec<u16>> {
        let mut set = JoinSet::new();
        let mut open: BTreeMap<IpAddr, Vec<u16>> = BTreeMap::new();
        let mut up: HashSet<IpAddr> = HashSet::new();
        let mut absorb = |r: Result<(IpAddr, u16, bool, bool), tokio::task::JoinError>,
                          open: &mut BTreeMap<IpAddr, Vec<u16>>| {
            if let Ok((ip, port, is_open, answered)) = r {
                if answered {
                    up.insert(ip);
                }
                if is_open {
                    open.entry(ip).or_default().push(port);
                }
            }
        };
        let gate = self.sweep_gate.lock().await;
        for &port in &self.config.ports {
            for &addr in addrs {
                let Ok(permit) = self.sockets.clone().acquire_owned().await else {
                    break;
                };
                let me = self.clone();
                set.spawn(async move {
                    // The port actually contacted (the same unless --port-offset).
                    let port = port + me.config.port_offset;
                    let sa = SocketAddr::new(addr, port);
                    let c = connect(
                        sa,
                        me.config.connect_timeout,
                        me.config.retries,
                        &me.ctx.rate,
                    )
                    .await;
                    let (is_open, answered) = match c {
                        Connect::Open(s) => {
                            drop(s);
                            (true, true)
                        }
                        Connect::Closed => (false, true),
                        Connect::Filtered => (false, false),
                    };
                    me.ctx.audit.record(
                        sa,
                        "tcp",
                        || "tcp connect".to_owned(),
                        0,
                        match (is_open, answered) {
                            (true, _) => "open",
                            (false, true) => "closed",
                            (false, false) => "filtered",
                        },
                    );
                    drop(permit);
                    (addr, port, is_open, answered)
                });
                while let Some(r) = set.try_join_next() {
                    absorb(r, &mut open);
                }
            }
        }
        // UDP discovery of the block, in the same token order: a task per
        // address (no socket permit: the block's UDP sockets are shared).
        let mut udp_sends = JoinSet::new();
        if let Some(batch) = udp {
            for &addr in addrs {
                let me = self.clone();
                let b = batch.clone();
                udp_sends.spawn(async move { b.send(&me.ctx, addr).await });
            }
        }
        drop(gate);
        while udp_sends.join_next().await.is_some() {}
        while let Some(r) = set.join_next().await {
            absorb(r, &mut open);
        }
        let n_open: usize = open.values().map(Vec::len).sum();
        self.progress
            .open_ports
            .fetch_add(n_open as u64, Ordering::Relaxed);
        self.progress
            .hosts_up
            .fetch_add(up.len() as u64, Ordering::Relaxed);
        for ports in open.values_mut() {
            ports.sort_unstable();
        }
        open
    }

    /// Stage 2 for one host: its open ports one after another. `addr` is
    /// one of `targets` (stage 2 only ever runs on a block's addresses);
    /// the keyring checks it again before a credential is used.
    async fn probe_host(
        &self,
        addr: IpAddr,
        targets: &TargetSet,
        ports: &[u16],
        locations: &[String],
        obs: &mut HostObs,
    ) {
        let ctx = &self.ctx;
        let credential = self
            .config
            .credentials
            .as_deref()
            .and_then(|k| k.for_target(addr, targets, Protocol::Onvif));
        let mut onvif_state = onvif::Onvif::NotOnvif;
        let mut onvif_tries = 0;
        let mut tls_port = None;
        for &port in ports {
            if self.cancel.is_cancelled() {
                return;
            }
            obs.push(Some(port), Source::Tcp, "tcp.open", "open");
            let sa = SocketAddr::new(addr, port);
            let mut plain_http = false;
            match plan(port.wrapping_sub(self.config.port_offset)) {
                Plan::Tls => {
                    if tls::probe_cert(ctx, sa, obs).await {
                        tls_port.get_or_insert(sa);
                        http::probe(ctx, sa, true, obs).await;
                    } else {
                        plain_http = http::probe(ctx, sa, false, obs).await;
                    }
                }
                Plan::Rtsp => {
                    rtsp::probe(ctx, sa, obs).await;
                }
                Plan::Banner(kind) => {
                    let said = banner::probe(ctx, sa, kind, obs).await;
                    // A quiet vendor port may be a web server on another make.
                    if !said && !matches!(kind, banner::Kind::Telnet | banner::Kind::Ftp) {
                        plain_http = http::probe(ctx, sa, false, obs).await;
                    }
                }
                Plan::Http => {
                    plain_http = http::probe(ctx, sa, false, obs).await;
                    if !plain_http && tls::probe_cert(ctx, sa, obs).await {
                        tls_port.get_or_insert(sa);
                        http::probe(ctx, sa, true, obs).await;
                    }
                }
            }
            if plain_http && !onvif_state.is_onvif() && onvif_tries < 2 {
                onvif_tries += 1;
                onvif_state = onvif::probe(ctx, sa, credential, obs).await;
            }
        }
        // The digest was refused: PasswordText only if the credential says
        // so, and only over a port that spoke TLS.
        if let (onvif::Onvif::Refused { digest_sent: true }, Some(c), Some(tls_sa)) =
            (onvif_state, credential, tls_port)
        {
            onvif::probe_plaintext_over_tls(ctx, tls_sa, c, obs).await;
        }
        for loc in locations.iter().take(2) {
            ssdp::fetch_description(ctx, addr, loc, obs).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_plans() {
        assert_eq!(plan(443), Plan::Tls);
        assert_eq!(plan(554), Plan::Rtsp);
        assert_eq!(plan(37777), Plan::Banner(banner::Kind::Dvrip));
        assert_eq!(plan(8000), Plan::Banner(banner::Kind::HikSdk));
        assert_eq!(plan(80), Plan::Http);
        assert_eq!(plan(12345), Plan::Http);
        for p in [80, 443, 554, 8000, 8080, 8443, 8554, 37777, 34567] {
            assert!(DEFAULT_PORTS.contains(&p), "{p}");
        }
    }
}
