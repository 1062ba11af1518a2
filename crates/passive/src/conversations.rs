//! Who talked to whom: one entry per (client, server, service port,
//! transport), with bytes each way and first/last seen — the raw material
//! of each device's endpoints list. Bounded: when the table is full, the
//! residue of scans (one or two packets, long idle) is swept out first,
//! then new conversations are counted and not tracked.

use std::net::IpAddr;

use camaudit_model::{EndpointProtocol, PeerScope};
use rustc_hash::FxHashMap;

/// Ports that name a service whichever side sends first.
const SERVICE_PORTS: &[u16] = &[
    53, 67, 68, 80, 123, 443, 554, 1900, 3001, 3702, 5353, 8000, 8080, 8091, 8443, 8554, 8800,
    34567, 37020, 37777, 37810,
];

/// A conversation's key: `client` talks to `server` on `port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub client: IpAddr,
    pub server: IpAddr,
    pub port: u16,
    pub protocol: EndpointProtocol,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    /// IP payload bytes client → server and server → client.
    pub to_server: u64,
    pub to_client: u64,
    pub packets: u64,
    pub first: i64,
    pub last: i64,
    /// A SYN showed the key's server side opening the conversation (the
    /// port guess had the roles backwards).
    pub opened_by_server: bool,
    /// A SYN showed the client opening it.
    pub opened_by_client: bool,
}

impl Tally {
    /// Whether the key's client opened the conversation (what a SYN
    /// showed, else the port guess).
    pub fn client_opened(&self) -> bool {
        self.opened_by_client || !self.opened_by_server
    }
}

/// Which side of a packet is the service: the port that is a known service,
/// else the one below the ephemeral range, else the lower port.
fn server_is_dst(sport: u16, dport: u16, src: IpAddr, dst: IpAddr) -> bool {
    let known = |p| SERVICE_PORTS.contains(&p);
    match (known(sport), known(dport)) {
        (false, true) => true,
        (true, false) => false,
        _ if dport != sport => dport < sport,
        _ => dst > src,
    }
}

#[derive(Debug)]
pub struct Conversations {
    table: FxHashMap<Key, Tally>,
    max: usize,
    /// Insertions since the last sweep (a sweep is not tried on every
    /// insertion into a full table).
    since_sweep: usize,
    pub untracked: u64,
    pub total: u64,
}

/// A packet between two addresses.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub protocol: EndpointProtocol,
    pub len: u32,
    pub ts: i64,
    /// A TCP SYN without ACK: the source opens the connection.
    pub syn: bool,
}

impl Conversations {
    pub fn new(max: usize) -> Self {
        Conversations {
            table: FxHashMap::default(),
            max,
            since_sweep: 0,
            untracked: 0,
            total: 0,
        }
    }

    /// Accounts one packet. Multicast and broadcast are not conversations.
    #[inline]
    pub fn account(&mut self, p: Seen) {
        if p.dst.is_multicast() || is_broadcast(p.dst) {
            return;
        }
        let to_server = server_is_dst(p.sport, p.dport, p.src, p.dst);
        let key = if to_server {
            Key {
                client: p.src,
                server: p.dst,
                port: p.dport,
                protocol: p.protocol,
            }
        } else {
            Key {
                client: p.dst,
                server: p.src,
                port: p.sport,
                protocol: p.protocol,
            }
        };
        let tally = match self.table.get_mut(&key) {
            Some(t) => t,
            None => {
                if self.table.len() >= self.max && !self.sweep(p.ts) {
                    self.untracked += 1;
                    return;
                }
                self.total += 1;
                self.table.entry(key).or_insert(Tally {
                    first: p.ts,
                    last: p.ts,
                    ..Tally::default()
                })
            }
        };
        tally.packets += 1;
        tally.first = tally.first.min(p.ts);
        tally.last = tally.last.max(p.ts);
        if to_server {
            tally.to_server += u64::from(p.len);
        } else {
            tally.to_client += u64::from(p.len);
        }
        if p.syn {
            if to_server {
                tally.opened_by_client = true;
            } else {
                tally.opened_by_server = true;
            }
        }
    }

    /// Frees room by dropping what looks like scan residue; true if room
    /// was made.
    fn sweep(&mut self, now: i64) -> bool {
        self.since_sweep += 1;
        if self.since_sweep < self.max / 16 + 1 {
            return false;
        }
        self.since_sweep = 0;
        self.table.retain(|_, t| t.packets > 2 || now - t.last < 60);
        self.table.len() < self.max
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Tally)> {
        self.table.iter()
    }
}

fn is_broadcast(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(v4) => {
            v4.is_broadcast() || v4.octets()[3] == 255 && PeerScope::of(a) == PeerScope::Internal
        }
        IpAddr::V6(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(src: &str, sport: u16, dst: &str, dport: u16, syn: bool) -> Seen {
        Seen {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            sport,
            dport,
            protocol: EndpointProtocol::Tcp,
            len: 100,
            ts: 5,
            syn,
        }
    }

    #[test]
    fn both_directions_land_on_one_conversation() {
        let mut c = Conversations::new(10);
        c.account(seen("10.0.0.5", 50000, "52.1.2.3", 443, true));
        c.account(seen("52.1.2.3", 443, "10.0.0.5", 50000, false));
        c.account(seen("10.0.0.5", 50001, "52.1.2.3", 443, true));
        assert_eq!(c.len(), 1);
        let (k, t) = c.iter().next().unwrap();
        assert_eq!(k.server, "52.1.2.3".parse::<IpAddr>().unwrap());
        assert_eq!((t.to_server, t.to_client, t.packets), (200, 100, 3));
        assert!(t.client_opened());
    }

    #[test]
    fn a_full_table_counts_what_it_cannot_track() {
        let mut c = Conversations::new(2);
        for port in 1000..1010 {
            c.account(seen("10.0.0.5", 50000, "10.0.0.9", port, true));
        }
        assert!(c.len() <= 2);
        assert!(c.untracked >= 7, "{}", c.untracked);
        c.account(seen(
            "239.255.255.250",
            1900,
            "239.255.255.250",
            1900,
            false,
        ));
    }
}
