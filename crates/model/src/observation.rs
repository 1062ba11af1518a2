use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ModelError;

/// Where a piece of evidence came from: the protocol or the kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A bare TCP fact (a port answered).
    Tcp,
    Http,
    Tls,
    Rtsp,
    Onvif,
    /// WS-Discovery (UDP 3702).
    Wsd,
    /// Hikvision's Search Active Devices Protocol (UDP 37020).
    Sadp,
    /// Dahua's DHIP discovery (UDP 37810) and JSON-over-DHIP.
    Dhip,
    /// The Topsee / Anjoy Vision NetSDK discovery (UDP 3001).
    Topsee,
    /// Dahua's binary DVRIP on TCP 37777.
    Dvrip,
    /// Hikvision's private SDK port (TCP 8000).
    Hiksdk,
    /// Xiongmai's NetSurveillance/DVRIP-Web protocol (TCP 34567).
    Xmnet,
    Ssdp,
    Upnp,
    Mdns,
    Snmp,
    Arp,
    Dhcp,
    Dns,
    Telnet,
    Ftp,
    Sip,
    /// A line of an asset register or procurement list.
    Import,
    /// A conclusion nmap drew and wrote in its XML (service product and
    /// version, CPE, device type, MAC vendor name): another tool's reading
    /// of the evidence, not the evidence itself.
    Nmap,
    /// Read from a packet capture (`camaudit pcap`): the field names the
    /// protocol; a port, when given, is a TCP port the device served.
    Passive,
}

const SOURCE_NAMES: &str = "tcp, http, tls, rtsp, onvif, wsd, sadp, dhip, topsee, dvrip, hiksdk, xmnet, ssdp, upnp, mdns, snmp, arp, dhcp, dns, telnet, ftp, sip, import, nmap, passive";

/// How the evidence travelled, which decides whether its port counts as an
/// open TCP port of the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
    /// Not a network exchange with the device (imports, neighbour tables).
    None,
}

impl Source {
    pub const ALL: [Source; 25] = [
        Source::Tcp,
        Source::Http,
        Source::Tls,
        Source::Rtsp,
        Source::Onvif,
        Source::Wsd,
        Source::Sadp,
        Source::Dhip,
        Source::Topsee,
        Source::Dvrip,
        Source::Hiksdk,
        Source::Xmnet,
        Source::Ssdp,
        Source::Upnp,
        Source::Mdns,
        Source::Snmp,
        Source::Arp,
        Source::Dhcp,
        Source::Dns,
        Source::Telnet,
        Source::Ftp,
        Source::Sip,
        Source::Import,
        Source::Nmap,
        Source::Passive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Tcp => "tcp",
            Source::Http => "http",
            Source::Tls => "tls",
            Source::Rtsp => "rtsp",
            Source::Onvif => "onvif",
            Source::Wsd => "wsd",
            Source::Sadp => "sadp",
            Source::Dhip => "dhip",
            Source::Topsee => "topsee",
            Source::Dvrip => "dvrip",
            Source::Hiksdk => "hiksdk",
            Source::Xmnet => "xmnet",
            Source::Ssdp => "ssdp",
            Source::Upnp => "upnp",
            Source::Mdns => "mdns",
            Source::Snmp => "snmp",
            Source::Arp => "arp",
            Source::Dhcp => "dhcp",
            Source::Dns => "dns",
            Source::Telnet => "telnet",
            Source::Ftp => "ftp",
            Source::Sip => "sip",
            Source::Import => "import",
            Source::Nmap => "nmap",
            Source::Passive => "passive",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ModelError> {
        Source::ALL
            .into_iter()
            .find(|src| src.as_str() == s)
            .ok_or_else(|| ModelError::Source(s.to_owned(), SOURCE_NAMES))
    }

    pub fn transport(self) -> Transport {
        match self {
            Source::Tcp
            | Source::Http
            | Source::Tls
            | Source::Rtsp
            | Source::Onvif
            | Source::Dvrip
            | Source::Hiksdk
            | Source::Xmnet
            | Source::Upnp
            | Source::Telnet
            | Source::Ftp
            // A capture reader gives a port only where the device was the
            // TCP server of the exchange (docs/pcap.md).
            | Source::Passive => Transport::Tcp,
            Source::Wsd
            | Source::Sadp
            | Source::Dhip
            | Source::Topsee
            | Source::Ssdp
            | Source::Mdns
            | Source::Snmp
            | Source::Dhcp
            | Source::Dns
            | Source::Sip => Transport::Udp,
            // nmap's conclusions name a port but are not an exchange; the open
            // port itself comes as a `tcp.open` observation.
            Source::Arp | Source::Import | Source::Nmap => Transport::None,
        }
    }

    /// The source a field implies when an input line does not name one:
    /// the field's first segment (`http.title` → http), with the fields that
    /// have no protocol prefix mapped to where they usually come from.
    pub fn for_field(field: &Field) -> Option<Source> {
        let head = field.as_str().split('.').next().unwrap_or_default();
        match head {
            "mac" => Some(Source::Arp),
            "hiksdk" => Some(Source::Hiksdk),
            other => Source::parse(other).ok(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Source::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A field name of the observation vocabulary (`docs/fields.md`):
/// lowercase dot-separated segments such as `http.header.server`,
/// `onvif.scope` or `sadp.devicedescription`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Field(String);

impl Field {
    pub fn new(s: &str) -> Result<Self, ModelError> {
        let segment_ok = |seg: &str| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        };
        if s.len() <= 128 && s.split('.').all(segment_ok) {
            Ok(Field(s.to_owned()))
        } else {
            Err(ModelError::Field(s.to_owned()))
        }
    }

    /// Builds `prefix.name` from a protocol's own key (an HTTP header name,
    /// an XML tag), lowercasing it and replacing characters outside the
    /// vocabulary with `_`.
    pub fn with_key(prefix: &str, key: &str) -> Result<Self, ModelError> {
        let key: String = key
            .trim()
            .chars()
            .map(|c| match c {
                'A'..='Z' => c.to_ascii_lowercase(),
                'a'..='z' | '0'..='9' | '-' | '_' => c,
                _ => '_',
            })
            .collect();
        Field::new(&format!("{prefix}.{key}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Field::new(&s).map_err(serde::de::Error::custom)
    }
}

/// One raw piece of evidence from one source, never interpreted in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    pub addr: IpAddr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub source: Source,
    pub field: Field,
    pub value: String,
    /// RFC 3339 time the evidence was seen, when the producer knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen_at: Option<String>,
}

/// The wire form, where `source` may be left out and is then taken from the
/// field name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObservationWire {
    addr: IpAddr,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    source: Option<Source>,
    field: Field,
    value: String,
    #[serde(default)]
    seen_at: Option<String>,
}

impl<'de> Deserialize<'de> for Observation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = ObservationWire::deserialize(d)?;
        let source = match w.source {
            Some(s) => s,
            None => Source::for_field(&w.field).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "no \"source\" given and field {:?} does not imply one",
                    w.field.as_str()
                ))
            })?,
        };
        Ok(Observation {
            addr: w.addr,
            port: w.port,
            source,
            field: w.field,
            value: w.value,
            seen_at: w.seen_at,
        })
    }
}

impl Observation {
    /// A convenience for producers and tests: source implied by the field.
    pub fn new(
        addr: IpAddr,
        port: Option<u16>,
        field: &str,
        value: &str,
    ) -> Result<Self, ModelError> {
        let field = Field::new(field)?;
        let source = Source::for_field(&field)
            .ok_or_else(|| ModelError::Source(field.as_str().to_owned(), SOURCE_NAMES))?;
        Ok(Observation {
            addr,
            port,
            source,
            field,
            value: value.to_owned(),
            seen_at: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_round_trip() {
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()).unwrap(), s);
        }
        assert!(Source::parse("gopher").is_err());
    }

    #[test]
    fn field_grammar() {
        assert!(Field::new("http.header.server").is_ok());
        assert!(Field::new("http.favicon.mmh3").is_ok());
        assert!(Field::new("mac").is_ok());
        for bad in ["", "http..title", "HTTP.title", "http.title.", "http title"] {
            assert!(Field::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Field::with_key("http.header", "WWW-Authenticate")
                .unwrap()
                .as_str(),
            "http.header.www-authenticate"
        );
        assert_eq!(
            Field::with_key("sadp", "DeviceSN").unwrap().as_str(),
            "sadp.devicesn"
        );
    }

    #[test]
    fn observation_line_infers_source() {
        let o: Observation = serde_json::from_str(
            r#"{"addr":"10.1.2.3","field":"http.header.server","value":"App-webs/"}"#,
        )
        .unwrap();
        assert_eq!(o.source, Source::Http);
        let o: Observation = serde_json::from_str(
            r#"{"addr":"10.1.2.3","field":"mac","value":"58:50:ed:00:00:01"}"#,
        )
        .unwrap();
        assert_eq!(o.source, Source::Arp);
    }

    #[test]
    fn observation_line_errors_name_the_problem() {
        let err = serde_json::from_str::<Observation>(
            r#"{"addr":"10.1.2.3","field":"weird.thing","value":"x"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("weird.thing"), "{err}");
        let err =
            serde_json::from_str::<Observation>(r#"{"addr":"nope","field":"mac","value":"x"}"#)
                .unwrap_err()
                .to_string();
        assert!(err.contains("address"), "{err}");
    }
}
