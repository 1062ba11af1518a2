//! Who each device talks to, from a packet capture: the table under the
//! device list of `camaudit pcap`, and the endpoints CSV it writes with
//! `--endpoints FILE`. The table lists only what policy cares about —
//! conversations the device opened to the internet or to a maker's cloud /
//! P2P service; the CSV has every endpoint, one line per device and peer,
//! with a `call_home` column to filter on (a SOC's SIEM or spreadsheet
//! takes it as it is). The JSON has the same list as `endpoints` of the
//! device schema.

use std::io::Write;

use camaudit_model::{Device, Direction, Endpoint};

use crate::error::{Context, Result};

const WHAT: &str = "call-home table";
const CSV_WHAT: &str = "endpoints CSV";

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

/// The endpoints CSV's columns: the device, then the endpoint as in the
/// device schema (`service.*` flattened).
const CSV_HEADER: [&str; 20] = [
    "device_addr",
    "device_mac",
    "device_manufacturer",
    "device_covered",
    "peer_addr",
    "port",
    "protocol",
    "direction",
    "scope",
    "name",
    "call_home",
    "service_vendor",
    "service",
    "matched",
    "bytes_out",
    "bytes_in",
    "packets",
    "first_seen",
    "last_seen",
    "sources",
];

fn csv_record(d: &Device, e: &Endpoint) -> [String; 20] {
    let text = |v: Option<String>| v.unwrap_or_default();
    let service = e.service.as_ref();
    [
        text(d.addr.map(|a| a.to_string())),
        text(d.mac.map(|m| m.to_string())),
        text(d.manufacturer.as_ref().map(ToString::to_string)),
        d.covered.to_string(),
        e.addr.to_string(),
        e.port.to_string(),
        e.protocol.to_string(),
        direction(e.direction).to_owned(),
        e.scope.as_str().to_owned(),
        text(e.name.clone()),
        e.is_call_home().to_string(),
        text(service.map(|s| s.vendor.to_string())),
        text(service.map(|s| s.service.clone())),
        text(service.map(|s| s.matched.clone())),
        e.bytes_out.to_string(),
        e.bytes_in.to_string(),
        e.packets.to_string(),
        e.first_seen.clone(),
        e.last_seen.clone(),
        service.map(|s| s.sources.join(";")).unwrap_or_default(),
    ]
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Outbound => "outbound",
        Direction::Inbound => "inbound",
    }
}

/// Writes every device's endpoints as CSV, one line per device and peer
/// (a header line only when there are none).
pub fn write_endpoints_csv(out: &mut dyn Write, devices: &[Device]) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER).writing(CSV_WHAT)?;
    for d in devices {
        for e in &d.endpoints {
            w.write_record(csv_record(d, e)).writing(CSV_WHAT)?;
        }
    }
    w.flush().writing(CSV_WHAT)
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

    fn camera() -> Device {
        serde_json::from_value(serde_json::json!({
            "addr": "10.0.0.7", "mac": "02:00:00:00:00:07", "open_ports": [],
            "label_vendor": null, "manufacturer": null, "owner": null, "model": null,
            "firmware": null, "serial": null, "device_type": null, "covered": false,
            "covered_by": [], "confidence": 0.0, "evidence": [],
            "endpoints": [
                {"addr": "203.0.113.9", "port": 32100, "protocol": "udp",
                 "direction": "outbound", "scope": "external", "bytes_out": 4,
                 "bytes_in": 20, "packets": 2, "first_seen": "2023-11-14T22:13:20Z",
                 "last_seen": "2023-11-14T22:13:21Z",
                 "service": {"vendor": "cs2-network", "service": "P2P relay service (CS2 Network PPPP), shared",
                             "matched": "wire:cs2-pppp", "sources": ["a", "b"]}},
                {"addr": "10.0.0.2", "port": 554, "protocol": "tcp",
                 "direction": "inbound", "scope": "internal", "name": "nvr.local, lobby",
                 "bytes_out": 900, "bytes_in": 80, "packets": 9,
                 "first_seen": "2023-11-14T22:13:22Z", "last_seen": "2023-11-14T22:13:29Z"}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn the_csv_has_one_line_per_device_and_peer() {
        let mut out = Vec::new();
        write_endpoints_csv(&mut out, &[camera()]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert_eq!(
            lines[1],
            "10.0.0.7,02:00:00:00:00:07,,false,203.0.113.9,32100,udp,outbound,external,,true,\
             cs2-network,\"P2P relay service (CS2 Network PPPP), shared\",wire:cs2-pppp,4,20,2,\
             2023-11-14T22:13:20Z,2023-11-14T22:13:21Z,a;b"
        );
        assert_eq!(
            lines[2],
            "10.0.0.7,02:00:00:00:00:07,,false,10.0.0.2,554,tcp,inbound,internal,\
             \"nvr.local, lobby\",false,,,,900,80,9,2023-11-14T22:13:22Z,2023-11-14T22:13:29Z,"
        );
    }

    #[test]
    fn no_endpoints_is_a_header_line() {
        let mut d = camera();
        d.endpoints.clear();
        let mut out = Vec::new();
        write_endpoints_csv(&mut out, &[d]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{}\n", CSV_HEADER.join(","))
        );
    }
}
