//! Evidence in words: one sentence per evidence item that a reader who
//! has never seen an HTTP header can follow, with the raw field and value
//! kept beside it.
//!
//! The phrasing is data: [`PHRASES`] maps each observation field of
//! `docs/fields.md` (exactly, or by prefix for `http.header.<name>`,
//! `sadp.<tag>`…) to what was observed, and the conclusion is added from
//! what the evidence asserts (maker, brand, model, type, firmware).

use camaudit_model::{DeviceType, Evidence, VendorId};
use serde::{Deserialize, Serialize};

/// One piece of evidence as a report shows it: the sentence, and the raw
/// observation behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceView {
    /// What the evidence says, in words.
    pub sentence: String,
    pub source: String,
    pub port: Option<u16>,
    pub field: String,
    pub value: String,
    pub rule: Option<String>,
    pub confidence: f64,
}

impl EvidenceView {
    pub fn of(e: &Evidence) -> Self {
        EvidenceView {
            sentence: phrase(e),
            source: e.source.as_str().to_owned(),
            port: e.port,
            field: e.field.clone(),
            value: e.value.clone(),
            rule: e.rule.clone(),
            confidence: e.confidence.get(),
        }
    }
}

/// How one field is put into words. Placeholders: `{on_port}` (" on port
/// 80", or nothing), `{value}` (the value, cut short), `{name}` (what
/// follows the prefix: a header name, a SADP tag), `{maker}`.
#[derive(Debug)]
pub(crate) struct Phrase {
    /// The field, or a prefix ending in `.` matching every field under it.
    pub field: &'static str,
    /// What was observed.
    pub observed: &'static str,
    /// What was observed, said with the maker it points to; when given and
    /// the evidence names a maker, it replaces `observed` and the maker is
    /// not repeated.
    pub with_maker: Option<&'static str>,
}

const fn p(field: &'static str, observed: &'static str) -> Phrase {
    Phrase {
        field,
        observed,
        with_maker: None,
    }
}

const fn pm(field: &'static str, observed: &'static str, with_maker: &'static str) -> Phrase {
    Phrase {
        field,
        observed,
        with_maker: Some(with_maker),
    }
}

/// Exact fields first, then prefixes: the first match wins.
pub(crate) const PHRASES: &[Phrase] = &[
    p("tcp.open", "A service answered{on_port}"),
    p(
        "http.status",
        "The web server{on_port} answered with status {value}",
    ),
    p(
        "http.path",
        "The web server{on_port} serves the page {value}",
    ),
    p(
        "http.not_found",
        "The web server{on_port} has no page {value} (it answered 404 Not Found)",
    ),
    pm(
        "http.header.server",
        "The web server{on_port} identified itself as “{value}”",
        "The web server{on_port} identified itself as {maker}'s (Server: {value})",
    ),
    pm(
        "http.header.www-authenticate",
        "The web server{on_port} asked for a login with “{value}”",
        "The web server{on_port} asked for a login the way {maker}'s devices do ({value})",
    ),
    p(
        "http.header.",
        "The web server{on_port} sent the {name} header “{value}”",
    ),
    pm(
        "http.title",
        "The web page{on_port} is titled “{value}”",
        "The web page{on_port} is titled “{value}”, as {maker}'s login pages are",
    ),
    pm(
        "http.body",
        "The web page{on_port} begins “{value}”",
        "The web page{on_port} contains markup typical of {maker}'s devices",
    ),
    pm(
        "http.favicon.mmh3",
        "The web page's icon{on_port} has the fingerprint {value}",
        "The web page's icon{on_port} is {maker}'s (fingerprint {value})",
    ),
    pm(
        "http.favicon.md5",
        "The web page's icon{on_port} has the checksum {value}",
        "The web page's icon{on_port} is {maker}'s (checksum {value})",
    ),
    p(
        "tls.cert.subject",
        "The encryption (TLS) certificate{on_port} was made out to {value}",
    ),
    p(
        "tls.cert.issuer",
        "The encryption (TLS) certificate{on_port} was issued by {value}",
    ),
    pm(
        "rtsp.header.server",
        "The video streaming (RTSP) server{on_port} identified itself as “{value}”",
        "The video streaming (RTSP) server{on_port} identified itself as {maker}'s (Server: {value})",
    ),
    pm(
        "rtsp.header.www-authenticate",
        "The video streaming (RTSP) server{on_port} asked for a login with “{value}”",
        "The video streaming (RTSP) server{on_port} asked for a login the way {maker}'s devices do ({value})",
    ),
    p(
        "rtsp.header.",
        "The video streaming (RTSP) server{on_port} sent the {name} header “{value}”",
    ),
    p(
        "onvif.scope",
        "The device announced itself on the network (ONVIF discovery) {value}",
    ),
    p(
        "onvif.xaddr",
        "The device offered its camera-control (ONVIF) service at {value}",
    ),
    p(
        "onvif.",
        "The device's camera-control (ONVIF) interface reported its {name} as “{value}”",
    ),
    p(
        "sadp.",
        "Hikvision's device discovery protocol (SADP) reported the {name} as “{value}”",
    ),
    p(
        "dhip.",
        "Dahua's device discovery protocol (DHIP) reported the {name} as “{value}”",
    ),
    p(
        "topsee.cleartext-password",
        "The device gave away the password of its account “{value}” in clear text on the network (Topsee NetSDK)",
    ),
    p(
        "topsee.sdk.root",
        "The NetSDK control service{on_port} answered with Topsee's message format ({value})",
    ),
    p(
        "topsee.",
        "The Topsee NetSDK device search (UDP 3001), which every host on the segment hears, reported the {name} as “{value}”",
    ),
    pm(
        "dvrip.banner",
        "The DVRIP service{on_port} answered in a private binary format",
        "The DVRIP service{on_port} answered in {maker}'s private binary format",
    ),
    pm(
        "hiksdk.banner",
        "The SDK service{on_port} answered in a private binary format",
        "The SDK service{on_port} answered in {maker}'s private binary format",
    ),
    pm(
        "xmnet.banner",
        "The NetSurveillance service{on_port} answered in a private binary format",
        "The NetSurveillance service{on_port} answered in {maker}'s private binary format",
    ),
    p(
        "xmnet.",
        "The NetSurveillance service{on_port} reported the {name} as “{value}”",
    ),
    p("tcp.banner", "The service{on_port} greeted with “{value}”"),
    p(
        "wsd.types",
        "The device announced itself on the local network (WS-Discovery) as “{value}”",
    ),
    p(
        "nmap.service.",
        "nmap's service detection{on_port} gave the {name} as “{value}”",
    ),
    p(
        "nmap.cpe",
        "nmap's service detection{on_port} named the product {value}",
    ),
    p(
        "nmap.mac.vendor",
        "nmap names the network card's maker as “{value}” (weak: camaudit reads the IEEE registry itself)",
    ),
    p("nmap.hostname", "nmap recorded the host name {value}"),
    p(
        "nmap.os.match",
        "nmap's operating-system guess was “{value}”",
    ),
    p(
        "nmap.script.",
        "nmap's {name} script{on_port} reported “{value}”",
    ),
    p(
        "ssdp.server",
        "The device's network announcement (SSDP) gave its software as “{value}”",
    ),
    p(
        "upnp.",
        "The device's plug-and-play (UPnP) description gives the {name} as “{value}”",
    ),
    p(
        "mdns.service",
        "The device advertises the service {value} on the local network (mDNS)",
    ),
    p(
        "mdns.txt",
        "The device's local network advertisement (mDNS) says “{value}”",
    ),
    p(
        "snmp.sysdescr",
        "The device's management interface (SNMP) describes it as “{value}”",
    ),
    p(
        "snmp.sysname",
        "The device's SNMP name, which whoever runs it sets, is “{value}”",
    ),
    p(
        "telnet.banner",
        "The remote login service (telnet){on_port} greets with “{value}”",
    ),
    p(
        "ftp.banner",
        "The file transfer service (FTP){on_port} greets with “{value}”",
    ),
    p(
        "sip.user_agent",
        "The device's intercom or phone software (SIP) calls itself “{value}”",
    ),
    pm(
        "mac",
        "The network card's MAC address is {value}",
        "The network card's MAC address {value} is registered to {maker} in the IEEE registry",
    ),
    p(
        "dhcp.vendor_class",
        "The device asked for a network address (DHCP) as “{value}”",
    ),
    p(
        "dhcp.hostname",
        "The device asked for a network address (DHCP) under the name “{value}”",
    ),
    p(
        "dns.query",
        "The device looked up the internet name {value}",
    ),
    p(
        "dhcp.parameter_request_list",
        "The device asked for a network address (DHCP) with the option list {value}",
    ),
    p(
        "dhcp.client_id",
        "The device asked for a network address (DHCP) with the client identifier {value}",
    ),
    p(
        "tls.sni",
        "The device opened an encrypted (TLS) connection to the internet name {value}",
    ),
    pm(
        "http.user_agent",
        "The device's web client calls itself “{value}”",
        "The device's web client calls itself “{value}”, as {maker}'s devices do",
    ),
    pm(
        "rtsp.path",
        "The video streaming (RTSP) server{on_port} serves the stream {value}",
        "The video streaming (RTSP) server{on_port} serves the stream {value}, in {maker}'s URL scheme",
    ),
    pm(
        "rtsp.sdp.session_name",
        "The video stream's description (SDP){on_port} names the session “{value}”",
        "The video stream's description (SDP){on_port} names the session “{value}”, as {maker}'s devices do",
    ),
    pm(
        "rtsp.sdp.attribute",
        "The video stream's description (SDP){on_port} carries the attribute “{value}”",
        "The video stream's description (SDP){on_port} carries {maker}'s own attribute “{value}”",
    ),
    p(
        "mdns.name",
        "The device announced the name {value} on the local network (mDNS)",
    ),
    p(
        "import.",
        "The asset register gives the {name} as “{value}”",
    ),
    pm(
        "fact.model",
        "The model number {value} was read from the device",
        "The model number {value} follows {maker}'s numbering",
    ),
];

/// Device-information answers recognised in an HTTP body by what they
/// contain (every needle, case-sensitive), said as the interface they are.
const BODY_KINDS: &[(&[&str], &str)] = &[
    (
        &["<DeviceInfo"],
        "The device-information page{on_port} answered in the XML of Hikvision's ISAPI interface",
    ),
    (
        &["<userCheck>"],
        "The login check{on_port} answered in the XML of Hikvision's ISAPI interface",
    ),
    (
        &["deviceType="],
        "The device-information page{on_port} answered in the format of Dahua's magicBox interface",
    ),
    (
        &["/LAPI/"],
        "The device-information service{on_port} answered in the format of Uniview's LAPI interface",
    ),
    (
        &["propertyList", "ProdFullName"],
        "The device-information service{on_port} answered in the format of Axis's VAPIX interface",
    ),
];

fn body_kind(value: &str) -> Option<&'static str> {
    BODY_KINDS
        .iter()
        .find(|(needles, _)| needles.iter().all(|n| value.contains(n)))
        .map(|(_, template)| *template)
}

/// The phrase for `field`: its exact entry, else the longest prefix entry
/// ending in `.` that it falls under.
pub(crate) fn phrase_for(field: &str) -> Option<&'static Phrase> {
    PHRASES.iter().find(|p| p.field == field).or_else(|| {
        PHRASES
            .iter()
            .filter(|p| p.field.ends_with('.') && field.starts_with(p.field))
            .max_by_key(|p| p.field.len())
    })
}

/// Longest value quoted inside a sentence; the raw value is shown whole
/// beside it.
const QUOTE_MAX: usize = 60;

/// The evidence as a sentence.
pub fn phrase(e: &Evidence) -> String {
    let maker = e.asserts.manufacturer.as_ref().map(display_name);
    let registered = e.rule.as_deref().is_some_and(|r| r.starts_with("oui:"));
    let body = (e.field == "http.body")
        .then(|| body_kind(&e.value))
        .flatten();
    let (template, name) = match (body, phrase_for(&e.field)) {
        (Some(t), _) => (t, String::new()),
        (None, Some(p)) => (
            pick(p, maker.is_some(), registered, &e.field),
            suffix(p, &e.field),
        ),
        (None, None) => ("The device reported {name} as “{value}”", e.field.clone()),
    };
    let mut s = fill(template, e, &name, maker.as_deref());
    if let Some(m) = maker.as_deref().filter(|_| !template.contains("{maker}")) {
        s.push_str(&format!(", which points to {m} as the maker"));
    }
    if let Some(label) = &e.asserts.label_vendor {
        s.push_str(&format!(
            ", a name the registry lists for the brand {}",
            display_name(label)
        ));
    }
    if let Some(more) = details(e) {
        s.push_str("; ");
        s.push_str(&more);
    }
    s.push('.');
    s
}

/// The maker's wording, except for a MAC address not looked up in the
/// IEEE registry (the maker then came from elsewhere).
fn pick(p: &Phrase, has_maker: bool, registered: bool, field: &str) -> &'static str {
    match p.with_maker {
        Some(w) if has_maker && (field != "mac" || registered) => w,
        _ => p.observed,
    }
}

/// What follows a prefix entry's dot, as words: `www-authenticate` →
/// "WWW-Authenticate", `devicesn` → "serial number".
fn suffix(p: &Phrase, field: &str) -> String {
    if !p.field.ends_with('.') {
        return String::new();
    }
    let rest = &field[p.field.len()..];
    if p.field.ends_with("header.") {
        return header_name(rest);
    }
    key_words(rest)
}

/// A lowercased header name in its usual spelling.
fn header_name(h: &str) -> String {
    match h {
        "www-authenticate" => "WWW-Authenticate".to_owned(),
        _ => h.split('-').map(capitalise).collect::<Vec<_>>().join("-"),
    }
}

/// Discovery-protocol and register keys as words.
fn key_words(key: &str) -> String {
    let words = match key {
        "devicedescription" => "model description",
        "devicesn" | "serialno" | "serial" | "sn" => "serial number",
        "softwareversion" | "version" | "firmware" => "firmware version",
        "dspversion" => "video processor (DSP) firmware",
        "devicetype" => "device type",
        "deviceclass" => "device class",
        "oeminfo" => "brand (OEM) name",
        "mac" => "MAC address",
        "machinename" => "device name",
        "vendor" | "manufacturer" => "manufacturer",
        "model" | "model_name" => "model",
        "model_number" => "model number",
        "hardware_id" | "hardware" => "hardware",
        "brand" => "brand",
        "description" => "description",
        other => return other.replace(['_', '.'], " "),
    };
    words.to_owned()
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn fill(template: &str, e: &Evidence, name: &str, maker: Option<&str>) -> String {
    let on_port = e.port.map(|p| format!(" on port {p}")).unwrap_or_default();
    template
        .replace("{on_port}", &on_port)
        .replace("{name}", name)
        .replace("{maker}", maker.unwrap_or("an unknown maker"))
        .replace("{value}", &quoted_value(e))
}

/// The value as a sentence quotes it: an ONVIF scope read as words, a
/// certificate by its organisation, anything else cut short.
fn quoted_value(e: &Evidence) -> String {
    match e.field.as_str() {
        "onvif.scope" => scope_words(&e.value),
        "tls.cert.subject" | "tls.cert.issuer" => cert_names(&e.value),
        _ => clip(e.value.trim(), QUOTE_MAX),
    }
}

/// "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I" → "with the
/// name “HIKVISION DS-2CD2385G1-I”".
fn scope_words(scope: &str) -> String {
    let path = scope
        .strip_prefix("onvif://www.onvif.org/")
        .unwrap_or(scope);
    let (kind, rest) = path.split_once('/').unwrap_or((path, ""));
    let rest = clip(&percent_decoded(rest), QUOTE_MAX);
    match kind.to_ascii_lowercase().as_str() {
        "name" => format!("with the name “{rest}”"),
        "hardware" => format!("with the hardware model “{rest}”"),
        "location" => format!("with its location set to “{}”", rest.replace('/', " ")),
        "type" => format!("as a device of type “{rest}”"),
        "profile" => format!("as supporting the ONVIF {rest} profile"),
        "mac" => format!("with the MAC address {rest}"),
        _ => format!("with the scope “{}”", clip(scope, QUOTE_MAX)),
    }
}

/// `%20` and the like decoded; anything malformed is kept as written.
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,C=CN" → "“HIKVISION”
/// (www.hikvision.com)": the organisation first, the common name after.
fn cert_names(dn: &str) -> String {
    let part = |key: &str| {
        dn.split(',')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| clip(v, QUOTE_MAX))
    };
    match (part("O"), part("CN")) {
        (Some(o), Some(cn)) => format!("“{o}” ({cn})"),
        (Some(o), None) => format!("“{o}”"),
        (None, Some(cn)) => format!("“{cn}”"),
        (None, None) => format!("“{}”", clip(dn, QUOTE_MAX)),
    }
}

/// The other facts the evidence gives, unless the sentence already quotes
/// them: "it gives the model DS-2CD2143G2-I and the type network video
/// recorder".
fn details(e: &Evidence) -> Option<String> {
    let a = &e.asserts;
    let shown = |v: &str| e.value.trim().eq_ignore_ascii_case(v);
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = a.device_type {
        parts.push(format!("{} {}", article(type_words(t)), type_words(t)));
    }
    if let Some(m) = a.model.as_deref().filter(|m| !shown(m)) {
        parts.push(format!("model {m}"));
    }
    if let Some(f) = a.firmware.as_deref().filter(|f| !shown(f)) {
        parts.push(format!("firmware {f}"));
    }
    if let Some(sn) = a.serial.as_deref().filter(|s| !shown(s)) {
        parts.push(format!("serial number {sn}"));
    }
    (!parts.is_empty()).then(|| format!("it identifies {}", parts.join(", ")))
}

fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// A device type as words.
pub(crate) fn type_words(t: DeviceType) -> &'static str {
    match t {
        DeviceType::Camera => "camera",
        DeviceType::ThermalCamera => "thermal camera",
        DeviceType::Nvr => "network video recorder",
        DeviceType::Dvr => "digital video recorder",
        DeviceType::VideoEncoder => "video encoder",
        DeviceType::Intercom => "intercom",
        DeviceType::AccessControl => "access control unit",
        DeviceType::Router => "router",
        DeviceType::Printer => "printer",
        DeviceType::Nas => "network storage device",
        DeviceType::WebServer => "web server",
        DeviceType::Other => "device",
    }
}

/// A vendor id as a reader knows the company: short ids in capitals
/// (`hp` → HP, `lts` → LTS), others capitalised (`hikvision` →
/// Hikvision).
pub fn display_name(id: &VendorId) -> String {
    let s = id.as_str();
    match s {
        "ezviz" => "EZVIZ".to_owned(),
        _ if s.len() <= 3 => s.to_ascii_uppercase(),
        _ => s.split('-').map(capitalise).collect::<Vec<_>>().join(" "),
    }
}

fn clip(s: &str, max: usize) -> String {
    crate::devices::clip(s, max)
}

#[cfg(test)]
mod tests;
