//! Which site and network an address is on: the longest matching prefix
//! among every site's networks.
//!
//! Networks nest (a site's /16 with its CCTV /24 inside) but never cross
//! sites: an address on two sites would make every finding about it a
//! guess, so [`NetworkIndex::build`] refuses the estate instead.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::estate::Site;

/// Networks by prefix length, longest first, for a lookup that costs one
/// hash probe per distinct prefix length in the estate.
#[derive(Debug, Clone, Default)]
pub(crate) struct NetworkIndex {
    /// (prefix length, is IPv4) → network address → (site, network).
    by_prefix: Vec<(u8, bool, HashMap<IpNet, (usize, usize)>)>,
}

/// Two sites claim the same addresses.
pub(crate) struct Clash {
    pub site: usize,
    pub network: usize,
    pub cidr: IpNet,
    pub other_site: usize,
    pub other_cidr: IpNet,
}

impl NetworkIndex {
    pub(crate) fn build(sites: &[Site]) -> Result<NetworkIndex, Clash> {
        let mut index = NetworkIndex::default();
        let mut all: Vec<(IpNet, usize, usize)> = sites
            .iter()
            .enumerate()
            .flat_map(|(s, site)| {
                site.networks
                    .iter()
                    .enumerate()
                    .map(move |(n, net)| (net.cidr, s, n))
            })
            .collect();
        // Shortest prefixes first, so that an enclosing network is indexed
        // before anything inside it is checked against it.
        all.sort_by_key(|(cidr, _, _)| cidr.prefix_len());
        for (cidr, site, net) in all {
            if let Some((other_site, other_net)) = index.lookup_net(cidr) {
                let other_cidr = sites[other_site].networks[other_net].cidr;
                if other_site != site || other_cidr == cidr {
                    return Err(Clash {
                        site,
                        network: net,
                        cidr,
                        other_site,
                        other_cidr,
                    });
                }
            }
            index.insert(cidr, (site, net));
        }
        Ok(index)
    }

    fn insert(&mut self, cidr: IpNet, at: (usize, usize)) {
        let key = (cidr.prefix_len(), matches!(cidr, IpNet::V4(_)));
        let pos = match self
            .by_prefix
            .iter()
            .position(|(p, v4, _)| (*p, *v4) == key)
        {
            Some(p) => p,
            None => {
                self.by_prefix.push((key.0, key.1, HashMap::new()));
                self.by_prefix.sort_by(|a, b| b.0.cmp(&a.0));
                self.by_prefix
                    .iter()
                    .position(|(p, v4, _)| (*p, *v4) == key)
                    .unwrap_or(0)
            }
        };
        self.by_prefix[pos].2.insert(cidr, at);
    }

    /// The longest indexed network holding `addr`.
    pub(crate) fn lookup(&self, addr: IpAddr) -> Option<(usize, usize)> {
        self.lookup_net(IpNet::from(addr))
    }

    /// The longest indexed network holding all of `net` (or equal to it).
    fn lookup_net(&self, net: IpNet) -> Option<(usize, usize)> {
        let v4 = matches!(net, IpNet::V4(_));
        self.by_prefix
            .iter()
            .filter(|(p, is_v4, _)| *is_v4 == v4 && *p <= net.prefix_len())
            .find_map(|(p, _, map)| {
                let key = IpNet::new(net.addr(), *p).ok()?.trunc();
                map.get(&key).copied()
            })
    }
}
