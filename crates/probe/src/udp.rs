//! UDP discovery: WS-Discovery, SADP, DHIP and SSDP probes, unicast to each
//! target (or multicast on one interface), replies collected until a
//! deadline. Only replies from target addresses are kept, so exclusions
//! hold for multicast too.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;

use crate::audit::Audit;
use crate::conn::Ctx;
use crate::obs::HostObs;
use crate::{dhip, sadp, ssdp, wsd};

/// Most replies kept per protocol per batch (a flood is cut off).
const MAX_REPLIES: usize = 4096;

/// The discovery protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    Wsd,
    Sadp,
    Dhip,
    Ssdp,
}

impl Proto {
    pub const ALL: [Proto; 4] = [Proto::Wsd, Proto::Sadp, Proto::Dhip, Proto::Ssdp];

    pub fn port(self) -> u16 {
        match self {
            Proto::Wsd => wsd::PORT,
            Proto::Sadp => sadp::PORT,
            Proto::Dhip => dhip::PORT,
            Proto::Ssdp => ssdp::PORT,
        }
    }

    pub fn group(self) -> Ipv4Addr {
        let g = match self {
            Proto::Wsd => wsd::MULTICAST_V4,
            Proto::Sadp => sadp::MULTICAST_V4,
            Proto::Dhip => dhip::MULTICAST_V4,
            Proto::Ssdp => ssdp::MULTICAST_V4,
        };
        g.parse().unwrap_or(Ipv4Addr::new(239, 255, 255, 250))
    }

    /// The audit log's protocol and request kind.
    pub fn audit_name(self) -> (&'static str, &'static str) {
        match self {
            Proto::Wsd => ("wsd", "wsd Probe"),
            Proto::Sadp => ("sadp", "sadp inquiry"),
            Proto::Dhip => ("dhip", "dhip DHDiscover.search"),
            Proto::Ssdp => ("ssdp", "ssdp M-SEARCH"),
        }
    }

    pub fn message(self) -> Vec<u8> {
        match self {
            Proto::Wsd => wsd::probe_message(),
            Proto::Sadp => sadp::probe_message(),
            Proto::Dhip => dhip::probe_message(),
            Proto::Ssdp => ssdp::probe_message(),
        }
    }
}

/// Most senders of ignored replies named (the count goes on).
const MAX_IGNORED_SENDERS: usize = 256;

/// Replies from addresses that are not targets (outside the target list,
/// or excluded): seen, counted, and never probed or recorded as devices.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub replies: u64,
    /// The first senders, at most 256.
    pub senders: BTreeSet<IpAddr>,
}

impl Ignored {
    pub fn add(&mut self, from: IpAddr) {
        self.replies += 1;
        if self.senders.len() < MAX_IGNORED_SENDERS {
            self.senders.insert(from);
        }
    }

    pub fn merge(&mut self, other: &Ignored) {
        self.replies += other.replies;
        for &a in &other.senders {
            if self.senders.len() >= MAX_IGNORED_SENDERS {
                break;
            }
            self.senders.insert(a);
        }
    }
}

/// What the replies said, per address; SSDP locations to follow; replies
/// from non-targets that were dropped.
#[derive(Debug, Default)]
pub struct Found {
    pub hosts: HashMap<IpAddr, HostObs>,
    pub locations: Vec<(IpAddr, String)>,
    pub ignored: Ignored,
}

impl Found {
    fn take(&mut self, proto: Proto, from: IpAddr, datagram: &[u8]) {
        let obs = self.hosts.entry(from).or_insert_with(|| HostObs::new(from));
        match proto {
            Proto::Wsd => {
                wsd::parse(datagram, obs);
            }
            Proto::Sadp => {
                sadp::parse(datagram, obs);
            }
            Proto::Dhip => {
                dhip::parse(datagram, obs);
            }
            Proto::Ssdp => {
                if let Some(Some(loc)) = ssdp::parse(datagram, obs)
                    && self.locations.len() < MAX_REPLIES
                {
                    self.locations.push((from, loc));
                }
            }
        }
    }
}

async fn collect(sock: Arc<UdpSocket>, until: tokio::time::Instant) -> Vec<(IpAddr, Vec<u8>)> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65_536];
    while out.len() < MAX_REPLIES {
        match tokio::time::timeout_at(until, sock.recv_from(&mut buf)).await {
            Ok(Ok((n, from))) => out.push((from.ip(), buf[..n].to_vec())),
            Ok(Err(_)) => continue,
            Err(_) => break,
        }
    }
    out
}

async fn bind(v6: bool) -> std::io::Result<UdpSocket> {
    if v6 {
        UdpSocket::bind("[::]:0").await
    } else {
        UdpSocket::bind("0.0.0.0:0").await
    }
}

/// Datagrams one protocol's socket received, with their senders.
type Replies = (Proto, Vec<(IpAddr, Vec<u8>)>);

/// One block's unicast discovery: a socket per protocol (and family) with a
/// receiver running, probes sent address by address, replies read until a
/// deadline set when sending is over.
pub struct Batch {
    socks: Vec<(Proto, bool, Arc<UdpSocket>, Vec<u8>)>,
    deadline: tokio::sync::watch::Sender<Option<tokio::time::Instant>>,
    tasks: Vec<tokio::task::JoinHandle<Replies>>,
}

impl Batch {
    /// Opens the sockets for the families present in `addrs`.
    pub async fn open(addrs: &[IpAddr]) -> Batch {
        let (deadline, deadline_rx) = tokio::sync::watch::channel(None::<tokio::time::Instant>);
        let mut socks = Vec::new();
        let mut tasks = Vec::new();
        for v6 in [false, true] {
            if !addrs.iter().any(|a| a.is_ipv6() == v6) {
                continue;
            }
            for proto in Proto::ALL {
                let Ok(sock) = bind(v6).await else { continue };
                let sock = Arc::new(sock);
                socks.push((proto, v6, sock.clone(), proto.message()));
                let mut rx = deadline_rx.clone();
                tasks.push(tokio::spawn(async move {
                    let mut got = Vec::new();
                    let mut buf = vec![0u8; 65_536];
                    loop {
                        let until = *rx.borrow_and_update();
                        let recv = sock.recv_from(&mut buf);
                        let r = match until {
                            Some(u) => match tokio::time::timeout_at(u, recv).await {
                                Ok(r) => r,
                                Err(_) => break,
                            },
                            None => tokio::select! {
                                r = recv => r,
                                c = rx.changed() => {
                                    if c.is_err() { break }
                                    continue
                                }
                            },
                        };
                        if let Ok((n, from)) = r
                            && got.len() < MAX_REPLIES
                        {
                            got.push((from.ip(), buf[..n].to_vec()));
                        }
                    }
                    (proto, got)
                }));
            }
        }
        Batch {
            socks,
            deadline,
            tasks,
        }
    }

    /// Sends every protocol's probe to `addr`, each paced by the limiter.
    pub async fn send(&self, ctx: &Ctx, addr: IpAddr) {
        for (proto, v6, sock, msg) in &self.socks {
            if *v6 != addr.is_ipv6() {
                continue;
            }
            ctx.rate.acquire().await;
            let port = proto.port().saturating_add(ctx.port_offset);
            let to = SocketAddr::new(addr, port);
            let sent = sock.send_to(msg, to).await;
            let (protocol, request) = proto.audit_name();
            ctx.audit.record(
                to,
                protocol,
                || format!("{request} (unicast)"),
                msg.len(),
                match sent {
                    Ok(_) => "sent".to_owned(),
                    Err(e) => format!("not sent: {e}"),
                },
            );
        }
    }

    /// Waits `wait` after the last send for replies, keeping the senders
    /// `keep` accepts.
    pub async fn finish(self, wait: Duration, keep: impl Fn(IpAddr) -> bool) -> Found {
        let _ = self.deadline.send(Some(tokio::time::Instant::now() + wait));
        let mut found = Found::default();
        for t in self.tasks {
            if let Ok((proto, got)) = t.await {
                for (from, d) in got {
                    if keep(from) {
                        found.take(proto, from, &d);
                    } else {
                        found.ignored.add(from);
                    }
                }
            }
        }
        found
    }
}

/// Sends every probe to every address (paced by the scan's rate limiter),
/// then waits `wait` for replies. `keep` says which senders count.
pub async fn unicast(
    ctx: &Ctx,
    addrs: &[IpAddr],
    wait: Duration,
    keep: impl Fn(IpAddr) -> bool,
) -> Found {
    let batch = Batch::open(addrs).await;
    for &a in addrs {
        batch.send(ctx, a).await;
    }
    batch.finish(wait, keep).await
}

/// Sends every probe once to its multicast group out of the interface with
/// address `iface`, and collects replies for `wait`. Replies from senders
/// `keep` refuses are counted in [`Found::ignored`] and nothing else.
pub async fn multicast(
    iface: Ipv4Addr,
    wait: Duration,
    audit: &Audit,
    keep: impl Fn(IpAddr) -> bool,
) -> std::io::Result<Found> {
    let mut found = Found::default();
    let until = tokio::time::Instant::now() + wait;
    let mut tasks = Vec::new();
    for proto in Proto::ALL {
        let s = socket2::Socket::new(
            socket2::Domain::IPV4,
            socket2::Type::DGRAM,
            Some(socket2::Protocol::UDP),
        )?;
        s.set_multicast_if_v4(&iface)?;
        s.set_multicast_ttl_v4(1)?;
        s.set_nonblocking(true)?;
        s.bind(&SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0).into())?;
        let sock = Arc::new(UdpSocket::from_std(s.into())?);
        let msg = proto.message();
        let to = SocketAddr::new(IpAddr::V4(proto.group()), proto.port());
        let sent = sock.send_to(&msg, to).await;
        let (protocol, request) = proto.audit_name();
        audit.record(
            to,
            protocol,
            || format!("{request} (multicast out of {iface}, TTL 1)"),
            msg.len(),
            match sent {
                Ok(_) => "sent".to_owned(),
                Err(e) => format!("not sent: {e}"),
            },
        );
        tasks.push((proto, tokio::spawn(collect(sock, until))));
    }
    for (proto, t) in tasks {
        if let Ok(got) = t.await {
            for (from, d) in got {
                if keep(from) {
                    found.take(proto, from, &d);
                } else {
                    found.ignored.add(from);
                }
            }
        }
    }
    Ok(found)
}

/// The first IPv4 address of a network interface, by name (for
/// `--interface eth0`); an IPv4 address given as the name is returned as is.
pub fn interface_ipv4(name: &str) -> Option<Ipv4Addr> {
    if let Ok(a) = name.parse::<Ipv4Addr>() {
        return Some(a);
    }
    let mut found = None;
    // SAFETY: getifaddrs fills a linked list we only read and then free;
    // every pointer is checked before use.
    unsafe {
        let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut head) != 0 {
            return None;
        }
        let mut cur = head;
        while !cur.is_null() {
            let ifa = &*cur;
            if !ifa.ifa_name.is_null()
                && !ifa.ifa_addr.is_null()
                && (*ifa.ifa_addr).sa_family as i32 == libc::AF_INET
                && std::ffi::CStr::from_ptr(ifa.ifa_name).to_str() == Ok(name)
            {
                let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                found = Some(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)));
                break;
            }
            cur = ifa.ifa_next;
        }
        libc::freeifaddrs(head);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::RateLimiter;

    #[tokio::test]
    async fn unicast_discovery_on_loopback() {
        // A tiny SADP responder and a DHIP responder on 127.0.0.x, each on
        // the protocol's port (skipped when the port is taken).
        let sadp_addr: SocketAddr = "127.0.77.1:37020".parse().unwrap();
        let Ok(sadp_sock) = UdpSocket::bind(sadp_addr).await else {
            return;
        };
        let dhip_addr: SocketAddr = "127.0.77.2:37810".parse().unwrap();
        let Ok(dhip_sock) = UdpSocket::bind(dhip_addr).await else {
            return;
        };
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            if let Ok((n, from)) = sadp_sock.recv_from(&mut buf).await
                && String::from_utf8_lossy(&buf[..n]).contains("<Types>inquiry</Types>")
            {
                let reply = "<?xml version=\"1.0\"?><ProbeMatch><DeviceDescription>DS-2CD2320D-I</DeviceDescription><MAC>44-47-cc-37-ce-81</MAC></ProbeMatch>";
                let _ = sadp_sock.send_to(reply.as_bytes(), from).await;
            }
        });
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            if let Ok((n, from)) = dhip_sock.recv_from(&mut buf).await
                && buf[..n].starts_with(&[0x20, 0, 0, 0, b'D', b'H', b'I', b'P'])
            {
                let body = r#"{"mac":"08:ed:ed:87:42:7a","method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":"IPC-HDW1431T1-S4"}}}"#;
                let _ = dhip_sock.send_to(&dhip::frame(body.as_bytes()), from).await;
            }
        });
        let ctx = Ctx::new(Arc::new(RateLimiter::new(10_000))).unwrap();
        let addrs: Vec<IpAddr> = vec![
            sadp_addr.ip(),
            dhip_addr.ip(),
            "127.0.77.3".parse().unwrap(),
        ];
        let found = unicast(&ctx, &addrs, Duration::from_millis(500), |a| {
            addrs.contains(&a)
        })
        .await;
        let fields = |ip: IpAddr| -> Vec<String> {
            found
                .hosts
                .get(&ip)
                .map_or_else(Vec::new, |h| h.into_iter_fields())
        };
        assert!(
            fields(sadp_addr.ip()).contains(&"sadp.devicedescription=DS-2CD2320D-I".to_owned())
        );
        assert!(fields(dhip_addr.ip()).contains(&"dhip.devicetype=IPC-HDW1431T1-S4".to_owned()));
        assert!(fields("127.0.77.3".parse().unwrap()).is_empty());
    }
}

#[cfg(test)]
mod iface_tests {
    #[test]
    fn loopback_has_an_address() {
        assert_eq!(
            super::interface_ipv4("lo"),
            Some(std::net::Ipv4Addr::LOCALHOST)
        );
        assert_eq!(
            super::interface_ipv4("10.1.2.3"),
            Some(std::net::Ipv4Addr::new(10, 1, 2, 3))
        );
        assert_eq!(super::interface_ipv4("no-such-if0"), None);
    }
}
