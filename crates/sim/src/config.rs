//! What a run of the simulator is told: the estate's size, place and seed,
//! where to write the answer key, and how to lay out its sockets.

use std::fmt;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::SimError;

/// An IPv4 network such as `127.77.0.0/16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub network: Ipv4Addr,
    pub prefix: u8,
}

impl Cidr {
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Result<Self, SimError> {
        if prefix > 32 {
            return Err(SimError::Config(format!("prefix /{prefix} is over 32")));
        }
        let mask = if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        };
        Ok(Cidr {
            network: Ipv4Addr::from(u32::from(addr) & mask),
            prefix,
        })
    }

    /// Number of addresses in the network.
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    pub fn contains(&self, a: Ipv4Addr) -> bool {
        let off = u64::from(u32::from(a).wrapping_sub(u32::from(self.network)));
        u32::from(a) >= u32::from(self.network) && off < self.size()
    }

    /// True when every address of the network is loopback (127.0.0.0/8).
    pub fn is_loopback(&self) -> bool {
        self.prefix >= 8 && self.network.octets()[0] == 127
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SimError::Config(format!("{s:?} is not an IPv4 CIDR such as 127.77.0.0/16"));
        let (a, p) = s.split_once('/').unwrap_or((s, "32"));
        let addr: Ipv4Addr = a.trim().parse().map_err(|_| bad())?;
        let prefix: u8 = p.trim().parse().map_err(|_| bad())?;
        Cidr::new(addr, prefix)
    }
}

/// How sockets are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BindPolicy {
    /// Per-address when the file-descriptor limit allows, else shared.
    #[default]
    Auto,
    /// One socket per device and port, bound to the device's own address.
    PerAddress,
    /// One socket per port for the whole estate, dispatched by the local
    /// address of each connection or datagram. In the host namespace the
    /// socket is bound to the `lo` device (`SO_BINDTODEVICE`), so only this
    /// host can reach it; inside `--netns` it serves the namespace.
    Shared,
}

/// Who the estate lets in: the one account every device has, and the
/// devices whose ONVIF service wants the password in the clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounts {
    pub username: String,
    pub password: String,
    /// ONVIF on the devices at these addresses accepts only a
    /// WS-UsernameToken PasswordText and refuses every PasswordDigest, as
    /// some older firmware and NVR front ends do: the case a scanner must
    /// not answer with the password.
    pub password_text_only: Vec<Ipv4Addr>,
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts {
            username: crate::context::DEFAULT_USERNAME.to_owned(),
            password: crate::context::DEFAULT_PASSWORD.to_owned(),
            password_text_only: Vec::new(),
        }
    }
}

/// Everything a run of the simulator is told. Binaries parse it from their
/// arguments (the `args` feature); library users build it, usually as
/// `SimConfig { devices: 50, ..SimConfig::default() }`.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Number of devices (1 to 65,536).
    pub devices: u32,
    /// Network the devices live on; must lie in 127.0.0.0/8 unless --netns.
    pub base: Cidr,
    /// Seed of the estate's mix: the same seed gives the same estate.
    pub seed: u64,
    /// Share (0–1) of devices that are hostile or broken.
    pub faults: f64,
    /// Write the answer key here, one JSON line per device.
    pub truth: Option<PathBuf>,
    /// Write this file once every device listens (removed on exit).
    pub ready_file: Option<PathBuf>,
    /// Enter this network namespace (made by the caller, /var/run/netns/NAME)
    /// before creating any socket.
    pub netns: Option<String>,
    /// Socket layout.
    pub bind: BindPolicy,
    /// Offset added to every well-known port (0 serves 80, 554, 8000 …;
    /// 10000 serves 10080, 10554 …), for running without privileges.
    pub port_offset: u16,
    /// Answer multicast discovery (SADP, WS-Discovery, DHIP): join the
    /// groups on `--multicast-interface` (default `lo`).
    pub multicast: bool,
    /// The interface the discovery groups are joined on, e.g. the veth a
    /// scanner reaches the namespace through (default `lo`, which needs
    /// the MULTICAST flag: `ip link set lo multicast on`).
    pub multicast_interface: Option<String>,
    /// Print nothing but errors (the ready line still goes to --ready-file).
    pub quiet: bool,
    /// The account the devices accept (library users only).
    pub accounts: Accounts,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            devices: 200,
            base: Cidr {
                network: Ipv4Addr::new(127, 77, 0, 0),
                prefix: 16,
            },
            seed: 1,
            faults: 0.0,
            truth: None,
            ready_file: None,
            netns: None,
            bind: BindPolicy::Auto,
            port_offset: 0,
            multicast: false,
            multicast_interface: None,
            quiet: false,
            accounts: Accounts::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_parsing_and_containment() {
        let c: Cidr = "127.77.3.9/16".parse().unwrap();
        assert_eq!(c.to_string(), "127.77.0.0/16");
        assert_eq!(c.size(), 65536);
        assert!(c.contains(Ipv4Addr::new(127, 77, 255, 255)));
        assert!(!c.contains(Ipv4Addr::new(127, 78, 0, 0)));
        assert!(c.is_loopback());
        assert!(!"10.0.0.0/8".parse::<Cidr>().unwrap().is_loopback());
        assert!(!"0.0.0.0/0".parse::<Cidr>().unwrap().is_loopback());
        assert!("127.0.0.0/33".parse::<Cidr>().is_err());
    }

    #[test]
    fn the_default_base_is_the_documented_one() {
        assert_eq!(SimConfig::default().base.to_string(), "127.77.0.0/16");
    }
}
