//! WS-Discovery (UDP 3702): the ONVIF Probe for NetworkVideoTransmitter and
//! its ProbeMatch (scopes and service addresses).

use camaudit_model::Source;

use crate::hash::uuid4;
use crate::obs::HostObs;
use crate::xml;

pub const PORT: u16 = 3702;
pub const MULTICAST_V4: &str = "239.255.255.250";

/// The Probe message (WS-Discovery 2005/04, as ONVIF clients send it).
pub fn probe_message() -> Vec<u8> {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">"#,
            r#"<e:Header><w:MessageID>urn:uuid:{}</w:MessageID><w:To e:mustUnderstand="true">urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>"#,
            r#"<w:Action e:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>"#,
            r#"<e:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></e:Body></e:Envelope>"#
        ),
        uuid4()
    )
    .into_bytes()
}

/// Reads a ProbeMatch (or a device's Hello announcement, which carries the
/// same elements) into `onvif.scope` and `onvif.xaddr` observations.
pub fn parse(datagram: &[u8], obs: &mut HostObs) -> bool {
    let text = String::from_utf8_lossy(datagram);
    let Ok(doc) = xml::parse(&text) else {
        return false;
    };
    let mut any = false;
    let hellos = xml::find_all(&doc, "Hello");
    for m in xml::find_all(&doc, "ProbeMatch").chain(hellos) {
        any = true;
        for child in m.descendants().filter(|n| n.is_element()) {
            let field = match child.tag_name().name() {
                "Scopes" => "onvif.scope",
                "XAddrs" => "onvif.xaddr",
                _ => continue,
            };
            if let Some(t) = xml::leaf_text(child) {
                for item in t.split_whitespace().take(64) {
                    obs.push(Some(PORT), Source::Wsd, field, item);
                }
            }
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hikvision_probe_match() {
        let reply = r#"<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><env:Body><d:ProbeMatches><d:ProbeMatch>
 <wsadis:EndpointReference><wsadis:Address>urn:uuid:aa85c000-6324-11b3-819e-5850ed1fe385</wsadis:Address></wsadis:EndpointReference>
 <d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
 <d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/MAC/58:50:ed:1f:e3:85 onvif://www.onvif.org/hardware/DS-2CD2385G1-I onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I onvif://www.onvif.org/location/city/hangzhou</d:Scopes>
 <d:XAddrs>http://192.168.124.40/onvif/device_service http://[fe80::5a50:edff:fe1f:e385]/onvif/device_service</d:XAddrs>
 <d:MetadataVersion>10</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>"#;
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        assert!(parse(reply.as_bytes(), &mut obs));
        let v = obs.into_vec();
        let scopes: Vec<&str> = v
            .iter()
            .filter(|o| o.field.as_str() == "onvif.scope")
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(scopes.len(), 6);
        assert!(scopes.contains(&"onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I"));
        assert_eq!(
            v.iter()
                .filter(|o| o.field.as_str() == "onvif.xaddr")
                .count(),
            2
        );
        assert!(v.iter().all(|o| o.source == Source::Wsd));
    }

    #[test]
    fn the_probe_is_a_probe() {
        let p = String::from_utf8(probe_message()).unwrap();
        assert!(p.contains("discovery/Probe</w:Action>"));
        assert!(p.contains("dn:NetworkVideoTransmitter"));
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        // our own probe, echoed back, is not a match
        assert!(!parse(p.as_bytes(), &mut obs));
        assert!(!parse(b"\x00\x01garbage", &mut obs));
        assert!(obs.is_empty());
    }
}
