//! From what nmap wrote about a host to observations in camaudit's field
//! vocabulary (`docs/fields.md`; the table is in `docs/import.md`).

use std::collections::HashSet;
use std::net::IpAddr;

use camaudit_model::{Field, Observation, Source, Transport};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Limits;
use super::parse::cut;
use super::record::{HostRecord, PortRecord, ScriptRecord};
use super::scripts;

/// What the run tells every host: when it started.
#[derive(Debug, Default, Clone)]
pub(crate) struct RunContext {
    /// Unix seconds from `<nmaprun start>`.
    pub started: Option<i64>,
}

pub(crate) fn rfc3339(unix_seconds: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

pub(crate) enum HostOutcome {
    Down,
    Read(Vec<Observation>),
}

/// The observations of one host that share an address and a time.
pub(crate) struct Out {
    pub addr: IpAddr,
    seen_at: Option<String>,
    max_value: usize,
    /// Whether the port being mapped is TCP: evidence from a UDP port must
    /// not name its port under a TCP-borne source, or identify would count
    /// it as an open TCP port.
    port_is_tcp: bool,
    seen: HashSet<(Option<u16>, Source, String, String)>,
    pub observations: Vec<Observation>,
}

impl Out {
    pub fn new(addr: IpAddr, seen_at: Option<String>, limits: &Limits) -> Self {
        Out {
            addr,
            seen_at,
            max_value: limits.max_value_bytes,
            port_is_tcp: true,
            seen: HashSet::new(),
            observations: Vec::new(),
        }
    }

    /// Adds one observation; empty values, repeats and names outside the
    /// vocabulary grammar are dropped.
    pub fn push(&mut self, port: Option<u16>, source: Source, field: &str, value: &str) {
        if let Ok(field) = Field::new(field) {
            self.push_field(port, source, field, value);
        }
    }

    /// Adds `prefix.key` with the key normalised as the probes do
    /// (`http.header.WWW-Authenticate` → `http.header.www-authenticate`).
    pub fn push_key(
        &mut self,
        port: Option<u16>,
        source: Source,
        prefix: &str,
        key: &str,
        value: &str,
    ) {
        if let Ok(field) = Field::with_key(prefix, key) {
            self.push_field(port, source, field, value);
        }
    }

    fn push_field(&mut self, port: Option<u16>, source: Source, field: Field, value: &str) {
        let value = cut(value.trim(), self.max_value);
        if value.is_empty() {
            return;
        }
        let port = match (source.transport(), self.port_is_tcp) {
            (Transport::Tcp, false) => None,
            _ => port,
        };
        let key = (port, source, field.as_str().to_owned(), value.clone());
        if !self.seen.insert(key) {
            return;
        }
        self.observations.push(Observation {
            addr: self.addr,
            port,
            source,
            field,
            value,
            seen_at: self.seen_at.clone(),
        });
    }
}

/// Maps one host, or says why it cannot be used.
pub(crate) fn host(
    h: &HostRecord,
    run: &RunContext,
    limits: &Limits,
) -> Result<HostOutcome, String> {
    if let Some(reason) = &h.unreadable {
        return Err(reason.clone());
    }
    if !h.state.is_empty() && h.state != "up" {
        return Ok(HostOutcome::Down);
    }
    let addr = host_addr(h)?;
    let seen_at = h.starttime.or(run.started).and_then(rfc3339);
    let mut out = Out::new(addr, seen_at, limits);
    for a in h.addresses.iter().filter(|a| a.addrtype == "mac") {
        out.push(None, Source::Arp, "mac", &a.addr);
        // nmap's vendor name for the prefix: kept as nmap's opinion; the
        // identify engine looks the MAC up in the IEEE registry itself.
        out.push(None, Source::Nmap, "nmap.mac.vendor", &a.vendor);
    }
    for name in &h.hostnames {
        out.push(None, Source::Nmap, "nmap.hostname", name);
    }
    if let Some(os) = &h.os_match {
        out.push(None, Source::Nmap, "nmap.os.match", os);
    }
    for cpe in &h.os_cpes {
        out.push(None, Source::Nmap, "nmap.cpe", cpe);
    }
    for p in h.ports.iter().filter(|p| p.state == "open") {
        port(&mut out, p);
    }
    out.port_is_tcp = true;
    for s in &h.scripts {
        scripts::map_script(&mut out, None, s);
    }
    Ok(HostOutcome::Read(out.observations))
}

fn host_addr(h: &HostRecord) -> Result<IpAddr, String> {
    let ip = h
        .addresses
        .iter()
        .find(|a| a.addrtype == "ipv4")
        .or_else(|| h.addresses.iter().find(|a| a.addrtype == "ipv6"))
        .ok_or_else(|| "no IPv4 or IPv6 address".to_owned())?;
    ip.addr
        .parse()
        .map_err(|_| format!("address {:?} is not an IP address", ip.addr))
}

fn port(out: &mut Out, p: &PortRecord) {
    let tcp = p.protocol == "tcp";
    out.port_is_tcp = tcp;
    let port = Some(p.port);
    if tcp {
        out.push(port, Source::Tcp, "tcp.open", "open");
    }
    // `method="table"` is nmap's guess from the port number alone.
    if let Some(s) = p.service.as_ref().filter(|s| s.method != "table") {
        for (key, value) in [
            ("name", &s.name),
            ("product", &s.product),
            ("version", &s.version),
            ("extrainfo", &s.extrainfo),
            ("devicetype", &s.devicetype),
            ("ostype", &s.ostype),
            ("tunnel", &s.tunnel),
        ] {
            out.push_key(port, Source::Nmap, "nmap.service", key, value);
        }
    }
    for cpe in &p.cpes {
        out.push(port, Source::Nmap, "nmap.cpe", cpe);
    }
    for s in &p.scripts {
        scripts::map_script(out, port, s);
    }
}

/// Scripts of `<prescript>`/`<postscript>`: only those that name the
/// devices they found by address give observations.
pub(crate) fn run_scripts(
    scripts: &[ScriptRecord],
    run: &RunContext,
    limits: &Limits,
) -> Vec<Observation> {
    let seen_at = run.started.and_then(rfc3339);
    scripts
        .iter()
        .filter(|s| s.id == "broadcast-wsdd-discover")
        .flat_map(|s| scripts::wsdd_devices(&s.output, seen_at.as_deref(), limits))
        .collect()
}
