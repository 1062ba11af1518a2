//! MAC addresses from the kernel's neighbour (ARP) table: on the local
//! segment, the connection attempts of the sweep fill it.

use std::collections::HashMap;
use std::net::IpAddr;

use camaudit_model::{Mac, Source};

use crate::obs::HostObs;

/// Parses `/proc/net/arp`: complete entries only (flags other than 0),
/// never the all-zero MAC.
pub fn parse_proc_arp(text: &str) -> HashMap<IpAddr, Mac> {
    let mut out = HashMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 4 {
            continue;
        }
        let (Ok(ip), Ok(mac)) = (cols[0].parse::<IpAddr>(), Mac::parse(cols[3])) else {
            continue;
        };
        let flags = u32::from_str_radix(cols[2].trim_start_matches("0x"), 16).unwrap_or(0);
        if flags == 0 || mac.0 == [0; 6] {
            continue;
        }
        out.insert(ip, mac);
    }
    out
}

/// The current table of the calling thread's network namespace (empty
/// where it cannot be read), proxy-ARP MACs left out ([`own_macs`]). `/proc/net` is the main thread's namespace,
/// `/proc/thread-self/net` this thread's: they differ when a thread entered
/// another namespace (`setns`), as the namespace tests do.
pub fn table() -> HashMap<IpAddr, Mac> {
    std::fs::read_to_string("/proc/thread-self/net/arp")
        .or_else(|_| std::fs::read_to_string("/proc/net/arp"))
        .map(|t| own_macs(parse_proc_arp(&t)))
        .unwrap_or_default()
}

/// More addresses than this behind one MAC is a proxy-ARP router or
/// firewall answering for others, not a device with several addresses.
pub const MAX_ADDRS_PER_MAC: usize = 4;

/// The table without MACs that answer for more than [`MAX_ADDRS_PER_MAC`]
/// addresses: such a MAC names the box in between, and would lend its
/// maker to every address behind it.
pub fn own_macs(mut table: HashMap<IpAddr, Mac>) -> HashMap<IpAddr, Mac> {
    let mut count: HashMap<Mac, usize> = HashMap::new();
    for m in table.values() {
        *count.entry(*m).or_insert(0) += 1;
    }
    table.retain(|_, m| count.get(m).copied().unwrap_or(0) <= MAX_ADDRS_PER_MAC);
    table
}

/// Records the MAC of `obs.addr` if the table has it.
pub fn record(table: &HashMap<IpAddr, Mac>, obs: &mut HostObs) {
    if let Some(mac) = table.get(&obs.addr) {
        obs.push(None, Source::Arp, "mac", &mac.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_arp() {
        let t = "IP address       HW type     Flags       HW address            Mask     Device\n\
                 10.200.0.2       0x1         0x2         58:50:ed:1f:e3:85     *        veth0\n\
                 10.200.0.3       0x1         0x0         00:00:00:00:00:00     *        veth0\n\
                 10.200.0.4       0x1         0x2         garbage               *        veth0\n\
                 short line\n";
        let m = parse_proc_arp(t);
        assert_eq!(m.len(), 1);
        let ip: IpAddr = "10.200.0.2".parse().unwrap();
        assert_eq!(m[&ip].to_string(), "58:50:ed:1f:e3:85");
        let mut obs = HostObs::new(ip);
        record(&m, &mut obs);
        let v = obs.into_vec();
        assert_eq!(v[0].field.as_str(), "mac");
        assert_eq!(v[0].source, Source::Arp);
    }

    #[test]
    fn a_mac_behind_many_addresses_is_left_out() {
        let mut text = String::from("IP address HW type Flags HW address Mask Device\n");
        for i in 1..=MAX_ADDRS_PER_MAC + 1 {
            text.push_str(&format!("10.0.0.{i} 0x1 0x2 58:50:ed:00:00:01 * eth0\n"));
        }
        for i in 1..=MAX_ADDRS_PER_MAC {
            text.push_str(&format!("10.0.1.{i} 0x1 0x2 08:ed:ed:00:00:02 * eth0\n"));
        }
        let m = own_macs(parse_proc_arp(&text));
        assert_eq!(m.len(), MAX_ADDRS_PER_MAC);
        assert!(m.values().all(|m| m.to_string() == "08:ed:ed:00:00:02"));
    }
}
