//! Who each device talks to, from a packet capture: the table under the
//! device list of `camaudit pcap`. Only what policy cares about is listed —
//! conversations the device opened to the internet or to a maker's cloud /
//! P2P service — the full list is in the JSON (`endpoints` of the device
//! schema).

use std::io::Write;

use camaudit_model::Device;

use crate::error::{Context, Result};

const WHAT: &str = "call-home table";

const HEADER: [&str; 8] = [
    "DEVICE",
    "PEER",
    "PORT",
    "NAME",
    "SERVICE",
    "OUT",
    "IN",
    "LAST SEEN",
];

/// One line of the table.
fn rows(devices: &[Device]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for d in devices {
        let device = d
            .addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "-".to_owned());
        for e in d.endpoints.iter().filter(|e| e.is_call_home()) {
            out.push(vec![
                device.clone(),
                e.addr.to_string(),
                format!("{}/{}", e.port, e.protocol),
                e.name.clone().unwrap_or_else(|| "-".to_owned()),
                e.service
                    .as_ref()
                    .map(|s| format!("{} ({})", s.vendor, s.matched))
                    .unwrap_or_else(|| "-".to_owned()),
                bytes(e.bytes_out),
                bytes(e.bytes_in),
                e.last_seen.clone(),
            ]);
        }
    }
    out
}

/// `1.2 MB`, `830 B`.
fn bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.1} GB", n as f64 / 1e9),
    }
}

/// Writes the devices' call-home endpoints as a table, or a line saying
/// there are none.
pub fn write_call_home_table(out: &mut dyn Write, devices: &[Device]) -> Result<()> {
    let mut rows = rows(devices);
    if rows.is_empty() {
        return writeln!(
            out,
            "No device opened a conversation to the internet or to a maker's service."
        )
        .writing(WHAT);
    }
    rows.insert(0, HEADER.iter().map(|h| (*h).to_owned()).collect());
    crate::check::write_aligned(out, &rows).writing(WHAT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_at_a_glance() {
        assert_eq!(bytes(830), "830 B");
        assert_eq!(bytes(1_987_976), "2.0 MB");
        assert_eq!(bytes(12_345), "12.3 kB");
    }
}
