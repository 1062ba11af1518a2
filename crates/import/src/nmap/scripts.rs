//! NSE script output (the `output` text and the `<elem>`/`<table>`
//! structure) mapped to the fields the probes would have produced.

use std::net::IpAddr;

use camaudit_model::{Observation, Source};

use super::Limits;
use super::map::Out;
use super::record::ScriptRecord;

pub(crate) fn map_script(out: &mut Out, port: Option<u16>, s: &ScriptRecord) {
    match s.id.as_str() {
        "http-title" => http_title(out, port, s),
        "http-server-header" => http_server_header(out, port, s),
        "http-headers" => {
            for (name, value) in header_lines(&s.output) {
                out.push_key(port, Source::Http, "http.header", name, value);
            }
        }
        // rtsp-methods prints the Public header of the OPTIONS reply.
        "rtsp-methods" => out.push(port, Source::Rtsp, "rtsp.header.public", &s.output),
        "ssl-cert" => ssl_cert(out, port, s),
        "banner" => banner(out, port, &s.output),
        "upnp-info" => upnp_info(out, &s.output),
        "fingerprint-strings" => fingerprint_strings(out, port, &s.output),
        _ => out.push_key(port, Source::Nmap, "nmap.script", &s.id, &s.output),
    }
}

fn http_title(out: &mut Out, port: Option<u16>, s: &ScriptRecord) {
    // With a title nmap gives `<elem key="title">`; without one (or after a
    // redirect it did not follow) only prose such as "Site doesn't have a
    // title", which is not the page's title.
    if let Some(title) = s.elem("title") {
        out.push(port, Source::Http, "http.title", title);
    } else if s.elems.is_empty() && !s.output.starts_with("Site doesn't have a title") {
        out.push(port, Source::Http, "http.title", &s.output);
    }
}

fn http_server_header(out: &mut Out, port: Option<u16>, s: &ScriptRecord) {
    let elems: Vec<&str> = s
        .elems
        .iter()
        .filter(|(path, _)| path.is_empty())
        .map(|(_, v)| v.as_str())
        .collect();
    if elems.is_empty() {
        out.push(port, Source::Http, "http.header.server", &s.output);
    }
    for server in elems {
        out.push(port, Source::Http, "http.header.server", server);
    }
}

/// `Name: value` lines of http-headers, up to the blank line before its
/// `(Request type: …)` note.
fn header_lines(output: &str) -> impl Iterator<Item = (&str, &str)> {
    output
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| !name.is_empty() && !name.contains(' '))
        .map(|(name, value)| (name.trim(), value.trim()))
}

/// fingerprint-strings (run by `-sV` for a service nmap could not name)
/// prints each probe's reply under the probes' names. The HTTP and RTSP
/// replies among them carry the same headers and title the probes read, and
/// are the only evidence a plain `nmap -sV` keeps of an unknown camera.
fn fingerprint_strings(out: &mut Out, port: Option<u16>, output: &str) {
    for (probes, reply) in fingerprint_sections(output) {
        let Some(status) = reply.first() else {
            continue;
        };
        let (source, prefix) = if status.starts_with("HTTP/") {
            (Source::Http, "http.header")
        } else if status.starts_with("RTSP/") {
            (Source::Rtsp, "rtsp.header")
        } else {
            continue;
        };
        let headers = reply[1..]
            .iter()
            .map_while(|l| l.split_once(": ").filter(|(name, _)| is_header_name(name)));
        for (name, value) in headers {
            out.push_key(port, source, prefix, name, value);
        }
        if source == Source::Http
            && probes.split(", ").any(|p| p == "GetRequest")
            && let Some(title) = html_title(&reply.join("\n"))
        {
            out.push(port, Source::Http, "http.title", title);
        }
    }
}

/// `(probe names, reply lines)`: a section starts with a two-space line
/// `Name, Name:` and its reply lines are indented four spaces.
fn fingerprint_sections(output: &str) -> Vec<(&str, Vec<&str>)> {
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in output.lines() {
        if let Some(reply) = line.strip_prefix("    ") {
            if let Some((_, lines)) = sections.last_mut() {
                lines.push(reply);
            }
        } else if let Some(names) = line
            .strip_prefix("  ")
            .and_then(|l| l.trim_end().strip_suffix(':'))
        {
            sections.push((names, Vec::new()));
        }
    }
    sections
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn html_title(body: &str) -> Option<&str> {
    let lower = body.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    body.get(start..end)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// nmap's keys for name attributes, in the order the probes print them
/// (RFC 4514: most specific first).
const NAME_KEYS: [(&str, &str); 11] = [
    ("commonName", "CN"),
    ("serialNumber", "serialNumber"),
    ("emailAddress", "emailAddress"),
    ("organizationalUnitName", "OU"),
    ("organizationName", "O"),
    ("streetAddress", "STREET"),
    ("localityName", "L"),
    ("stateOrProvinceName", "ST"),
    ("countryName", "C"),
    ("domainComponent", "DC"),
    ("userId", "UID"),
];

fn ssl_cert(out: &mut Out, port: Option<u16>, s: &ScriptRecord) {
    for (table, field, line) in [
        ("subject", "tls.cert.subject", "Subject: "),
        ("issuer", "tls.cert.issuer", "Issuer: "),
    ] {
        let mut parts = distinguished_name(s, table);
        if parts.is_empty() {
            parts = name_from_output(&s.output, line);
        }
        let name: Vec<String> = parts
            .iter()
            .map(|(k, v)| format!("{k}={}", escape_rdn_value(v)))
            .collect();
        out.push(port, Source::Tls, field, &name.join(","));
    }
}

/// `(short name, value)` of a `<table key="subject|issuer">`, in RFC 4514 order.
fn distinguished_name(s: &ScriptRecord, table: &str) -> Vec<(String, String)> {
    let prefix = format!("{table}.");
    let entries: Vec<(&str, &str)> = s
        .elems
        .iter()
        .filter_map(|(path, v)| Some((path.strip_prefix(&prefix)?, v.as_str())))
        .filter(|(key, _)| !key.contains('.'))
        .collect();
    order_name(&entries)
}

/// The older text form: `Subject: commonName=x/organizationName=y`.
fn name_from_output(output: &str, label: &str) -> Vec<(String, String)> {
    let Some(line) = output.lines().find_map(|l| l.trim().strip_prefix(label)) else {
        return Vec::new();
    };
    let entries: Vec<(&str, &str)> = line.split('/').filter_map(|p| p.split_once('=')).collect();
    order_name(&entries)
}

fn order_name(entries: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut known: Vec<(String, String)> = NAME_KEYS
        .iter()
        .filter_map(|(long, short)| {
            let (_, v) = entries.iter().find(|(k, _)| k == long)?;
            Some(((*short).to_owned(), (*v).to_owned()))
        })
        .collect();
    let others = entries
        .iter()
        .filter(|(k, _)| !NAME_KEYS.iter().any(|(long, _)| long == k))
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    known.extend(others);
    known
}

fn escape_rdn_value(v: &str) -> String {
    let n = v.chars().count();
    let mut out = String::with_capacity(v.len());
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i + 1 == n && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The banner script's output: printable ASCII as is, other bytes as
/// `\xNN`, wrapped with newlines at nmap's line width and ending in `...`
/// when nmap cut it.
pub(crate) fn decode_banner(output: &str) -> Vec<u8> {
    let joined: String = output.chars().filter(|&c| c != '\n' && c != '\r').collect();
    let text = joined.strip_suffix("...").unwrap_or(&joined);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && bytes.get(i + 1) == Some(&b'x')
            && let Some(hex) = text.get(i + 2..i + 4)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A banner goes where the probe for that port puts it: the binary
/// protocols of the camera makers as hex, text banners as text.
fn banner(out: &mut Out, port: Option<u16>, output: &str) {
    let bytes = decode_banner(output);
    let text = String::from_utf8_lossy(&bytes);
    match port {
        Some(8000) => out.push(port, Source::Hiksdk, "hiksdk.banner", &hex(&bytes)),
        Some(37777) => out.push(port, Source::Dvrip, "dvrip.banner", &hex(&bytes)),
        Some(34567) => out.push(port, Source::Xmnet, "xmnet.banner", &hex(&bytes)),
        Some(21) => out.push(port, Source::Ftp, "ftp.banner", &text),
        Some(23) => out.push(port, Source::Telnet, "telnet.banner", &text),
        _ => out.push(port, Source::Tcp, "tcp.banner", &text),
    }
}

/// upnp-info's lines: the SSDP `Server`, then from the device description
/// `Name:`, `Manufacturer:`, `Model Descr:`, `Model Name:`, `Model Version:`
/// (the description's `modelNumber`).
fn upnp_info(out: &mut Out, output: &str) {
    let mut lines = output.lines().map(str::trim).filter(|l| !l.is_empty());
    if let Some(first) = lines.next() {
        let server = first.strip_prefix("Server:").unwrap_or(first);
        if !first.contains(": ") || first.starts_with("Server:") {
            out.push(None, Source::Ssdp, "ssdp.server", server);
        }
    }
    for line in output.lines().map(str::trim) {
        let Some((label, value)) = line.split_once(": ") else {
            continue;
        };
        let field = match label {
            "Server" => {
                out.push(None, Source::Ssdp, "ssdp.server", value);
                continue;
            }
            "Name" => "upnp.friendly_name",
            "Manufacturer" => "upnp.manufacturer",
            "Model Descr" => "upnp.model_description",
            "Model Name" => "upnp.model_name",
            "Model Version" => "upnp.model_number",
            _ => continue,
        };
        // The description was fetched over HTTP from a port nmap does not
        // report here, so the port is left out.
        out.push(None, Source::Upnp, field, value);
    }
}

/// broadcast-wsdd-discover lists responders by address, each followed by
/// its `Address:` (XAddrs) and `Type:` lines.
pub(crate) fn wsdd_devices(
    output: &str,
    seen_at: Option<&str>,
    limits: &Limits,
) -> Vec<Observation> {
    let mut devices: Vec<Out> = Vec::new();
    for line in output.lines().map(str::trim) {
        if let Ok(addr) = line.parse::<IpAddr>() {
            match devices.iter().position(|d| d.addr == addr) {
                Some(i) => {
                    let d = devices.remove(i);
                    devices.push(d);
                }
                None => devices.push(Out::new(addr, seen_at.map(str::to_owned), limits)),
            }
            continue;
        }
        let Some(device) = devices.last_mut() else {
            continue;
        };
        if let Some(xaddrs) = line.strip_prefix("Address:") {
            for xaddr in xaddrs.split_whitespace() {
                device.push(None, Source::Wsd, "onvif.xaddr", xaddr);
            }
        } else if let Some(types) = line.strip_prefix("Type:") {
            device.push(None, Source::Wsd, "wsd.types", types);
        }
    }
    devices.into_iter().flat_map(|d| d.observations).collect()
}
