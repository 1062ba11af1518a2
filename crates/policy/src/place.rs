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

/// (site, network) indices into [`crate::Estate::sites`].
type At = (usize, usize);

/// The networks of one prefix length and address family.
#[derive(Debug, Clone)]
struct Level {
    prefix: u8,
    v4: bool,
    networks: HashMap<IpNet, At>,
}

/// Networks by prefix length, longest first, for a lookup that costs one
/// hash probe per distinct prefix length in the estate.
#[derive(Debug, Clone, Default)]
pub(crate) struct NetworkIndex {
    levels: Vec<Level>,
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

    fn insert(&mut self, cidr: IpNet, at: At) {
        let (prefix, v4) = (cidr.prefix_len(), matches!(cidr, IpNet::V4(_)));
        if let Some(level) = self
            .levels
            .iter_mut()
            .find(|l| l.prefix == prefix && l.v4 == v4)
        {
            level.networks.insert(cidr, at);
            return;
        }
        self.levels.push(Level {
            prefix,
            v4,
            networks: HashMap::from([(cidr, at)]),
        });
        self.levels.sort_by_key(|l| std::cmp::Reverse(l.prefix));
    }

    /// The longest indexed network holding `addr`.
    pub(crate) fn lookup(&self, addr: IpAddr) -> Option<At> {
        self.lookup_net(IpNet::from(addr))
    }

    /// The longest indexed network holding all of `net` (or equal to it).
    fn lookup_net(&self, net: IpNet) -> Option<At> {
        let v4 = matches!(net, IpNet::V4(_));
        self.levels
            .iter()
            .filter(|l| l.v4 == v4 && l.prefix <= net.prefix_len())
            .find_map(|l| {
                let key = IpNet::new(net.addr(), l.prefix).ok()?.trunc();
                l.networks.get(&key).copied()
            })
    }
}
