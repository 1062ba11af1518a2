//! Which MAC belongs to which IP address, from what the local segment
//! shows: ARP senders and DHCP leases (authoritative), and frames' source
//! addresses — unless that MAC is a router's, which forwards many hosts'
//! traffic under its own address. A device keeps one MAC across DHCP
//! address changes, so the identify engine merges its addresses.

use std::net::IpAddr;

use camaudit_model::{Mac, PeerScope};
use rustc_hash::FxHashMap;

/// Seconds two addresses of one MAC may overlap and still be taken for one
/// host moving (a DHCP renumbering), not a router forwarding both.
const OVERLAP_TOLERANCE: i64 = 5;
/// IPv4 addresses behind one MAC past which it is a router whatever the
/// timing.
const ROUTER_V4: usize = 3;
/// IPv6 addresses one host plausibly has at once (link-local, stable,
/// temporary…).
const HOST_V6: usize = 6;

#[derive(Debug, Clone, Copy)]
struct Span {
    first: i64,
    last: i64,
}

impl Span {
    fn at(ts: i64) -> Self {
        Span {
            first: ts,
            last: ts,
        }
    }

    fn extend(&mut self, ts: i64) {
        self.first = self.first.min(ts);
        self.last = self.last.max(ts);
    }

    fn overlaps(&self, other: &Span) -> bool {
        self.first.max(other.first) + OVERLAP_TOLERANCE < self.last.min(other.last)
    }
}

/// How a binding was learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Learnt {
    /// ARP sender or DHCP lease.
    Announced,
    /// The source address of frames from the IP.
    Frame,
}

#[derive(Debug)]
pub struct Bindings {
    announced: FxHashMap<IpAddr, (Mac, Span)>,
    frames: FxHashMap<(IpAddr, Mac), Span>,
    max: usize,
    pub dropped: u64,
}

impl Bindings {
    pub fn new(max: usize) -> Self {
        Bindings {
            announced: FxHashMap::default(),
            frames: FxHashMap::default(),
            max,
            dropped: 0,
        }
    }

    /// An ARP sender or a DHCP lease: `ip` is `mac`'s.
    pub fn announced(&mut self, ip: IpAddr, mac: Mac, ts: i64) {
        if ip.is_unspecified() || ip.is_multicast() {
            return;
        }
        let room = self.announced.len() < self.max;
        match self.announced.get_mut(&ip) {
            Some((m, span)) if *m == mac => span.extend(ts),
            Some(slot) => *slot = (mac, Span::at(ts)),
            None if room => {
                self.announced.insert(ip, (mac, Span::at(ts)));
            }
            None => self.dropped += 1,
        }
    }

    /// A frame from `ip` with link-layer source `mac`.
    #[inline]
    pub fn frame(&mut self, ip: IpAddr, mac: Mac, ts: i64) {
        if let Some(span) = self.frames.get_mut(&(ip, mac)) {
            span.last = span.last.max(ts);
            return;
        }
        if ip.is_unspecified() || ip.is_multicast() {
            return;
        }
        if self.frames.len() < self.max {
            self.frames.insert((ip, mac), Span::at(ts));
        } else {
            self.dropped += 1;
        }
    }

    /// MACs that source frames for several hosts at once: routers.
    fn routers(&self) -> rustc_hash::FxHashSet<Mac> {
        let mut by_mac: FxHashMap<Mac, (Vec<(IpAddr, Span)>, usize)> = FxHashMap::default();
        for (&(ip, mac), &span) in &self.frames {
            let e = by_mac.entry(mac).or_default();
            match ip {
                IpAddr::V4(_) => e.0.push((ip, span)),
                IpAddr::V6(_) => e.1 += 1,
            }
        }
        by_mac
            .into_iter()
            .filter(|(_, (v4, v6))| {
                let external = v4
                    .iter()
                    .any(|(ip, _)| PeerScope::of(*ip) == PeerScope::External);
                let overlapping = v4
                    .iter()
                    .enumerate()
                    .any(|(i, a)| v4[i + 1..].iter().any(|b| a.1.overlaps(&b.1)));
                v4.len() >= ROUTER_V4
                    || (v4.len() >= 2 && (external || overlapping))
                    || *v6 > HOST_V6
            })
            .map(|(mac, _)| mac)
            .collect()
    }

    /// The binding of every address the segment shows, with how it was
    /// learnt. An announced binding wins over a frame's.
    pub fn resolve(&self) -> Vec<(IpAddr, Mac, Learnt)> {
        let routers = self.routers();
        let mut out: FxHashMap<IpAddr, (Mac, Learnt, i64)> = FxHashMap::default();
        for (&(ip, mac), span) in &self.frames {
            if routers.contains(&mac) {
                continue;
            }
            // Several MACs for one IP without ARP to say which: keep the one
            // seen longest.
            let len = span.last - span.first;
            match out.get(&ip) {
                Some((_, _, l)) if *l >= len => {}
                _ => {
                    out.insert(ip, (mac, Learnt::Frame, len));
                }
            }
        }
        for (&ip, &(mac, _)) in &self.announced {
            out.insert(ip, (mac, Learnt::Announced, i64::MAX));
        }
        let mut v: Vec<_> = out.into_iter().map(|(ip, (m, l, _))| (ip, m, l)).collect();
        v.sort_by_key(|(ip, _, _)| *ip);
        v
    }

    /// The address a MAC was last seen with (to place evidence learnt by
    /// MAC, such as a DHCP request sent before the device had an address).
    pub fn latest_addr_of(&self, mac: Mac) -> Option<IpAddr> {
        let announced = self
            .announced
            .iter()
            .filter(|(_, (m, _))| *m == mac)
            .map(|(ip, (_, s))| (s.last, *ip));
        let framed = self
            .frames
            .iter()
            .filter(|((_, m), _)| *m == mac)
            .map(|((ip, _), s)| (s.last, *ip));
        announced
            .chain(framed)
            .filter(|(_, ip)| ip.is_ipv4())
            .max()
            .map(|(_, ip)| ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }
    const CAM: Mac = Mac([0x38, 0xaf, 0x29, 0xbb, 0xbc, 0xab]);
    const GW: Mac = Mac([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);

    #[test]
    fn a_router_forwarding_internet_hosts_binds_none_of_them() {
        let mut b = Bindings::new(100);
        b.frame(ip("192.168.1.108"), CAM, 10);
        b.frame(ip("8.8.8.8"), GW, 10);
        b.frame(ip("140.82.112.3"), GW, 11);
        b.announced(ip("192.168.1.1"), GW, 12);
        let r = b.resolve();
        assert_eq!(
            r,
            vec![
                (ip("192.168.1.1"), GW, Learnt::Announced),
                (ip("192.168.1.108"), CAM, Learnt::Frame)
            ]
        );
    }

    #[test]
    fn a_dhcp_renumbering_keeps_the_mac_but_two_live_hosts_behind_one_mac_do_not() {
        let mut b = Bindings::new(100);
        b.frame(ip("10.0.0.10"), CAM, 0);
        b.frame(ip("10.0.0.10"), CAM, 100);
        b.frame(ip("10.0.0.20"), CAM, 200);
        b.frame(ip("10.0.0.20"), CAM, 300);
        assert_eq!(b.resolve().len(), 2);
        assert_eq!(b.latest_addr_of(CAM), Some(ip("10.0.0.20")));
        // a router between two subnets: both hosts talk at the same time
        let mut b = Bindings::new(100);
        for t in [0, 100, 200] {
            b.frame(ip("10.9.0.5"), GW, t);
            b.frame(ip("10.9.0.6"), GW, t + 1);
        }
        assert!(b.resolve().is_empty());
    }
}
