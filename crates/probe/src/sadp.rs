//! Hikvision SADP (UDP 37020): the `inquiry` Probe and its ProbeMatch.
//!
//! Only `inquiry` is ever sent. SADP also has `update`, `activate` and
//! reset verbs that reconfigure a device: this module cannot build them.

use camaudit_model::Source;

use crate::hash::uuid4;
use crate::obs::HostObs;
use crate::xml;

pub const PORT: u16 = 37020;
pub const MULTICAST_V4: &str = "239.255.255.250";

/// Elements not worth recording (a password salt, our own echo).
const SKIPPED: &[&str] = &["salt", "uuid", "types"];

/// The inquiry Probe.
pub fn probe_message() -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{}</Uuid><Types>inquiry</Types></Probe>"#,
        uuid4().to_ascii_uppercase()
    )
    .into_bytes()
}

/// Reads a ProbeMatch: every leaf element becomes `sadp.<tag>`.
pub fn parse(datagram: &[u8], obs: &mut HostObs) -> bool {
    let text = String::from_utf8_lossy(datagram);
    let Ok(doc) = xml::parse(&text) else {
        return false;
    };
    let root = doc.root_element();
    if root.tag_name().name() != "ProbeMatch" {
        return false;
    }
    for child in root.children().filter(|c| c.is_element()).take(200) {
        let tag = child.tag_name().name().to_ascii_lowercase();
        if SKIPPED.contains(&tag.as_str()) {
            continue;
        }
        if let Some(t) = xml::leaf_text(child) {
            obs.push_key(Some(PORT), Source::Sadp, "sadp", &tag, t);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const MATCH: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ProbeMatch>\n\t<Uuid>e8ecfe09-90e4-44c0-842b-703f46b58c81</Uuid>\n\t<Types>inquiry</Types>\n\t<DeviceType>141945</DeviceType>\n\t<DeviceDescription>DS-2CD2385G1-I</DeviceDescription>\n\t<DeviceSN>DS-2CD2385G1-I20200414AAWRE33842150</DeviceSN>\n\t<CommandPort>8000</CommandPort>\n\t<HttpPort>80</HttpPort>\n\t<MAC>58-50-ed-1f-e3-85</MAC>\n\t<IPv4Address>192.168.124.40</IPv4Address>\n\t<SoftwareVersion>V5.6.2build 190701</SoftwareVersion>\n\t<DSPVersion>V7.3 build 190626</DSPVersion>\n\t<Activated>true</Activated>\n\t<Salt>d8eebc414effc857</Salt>\n\t<HCPlatformEnable>flase</HCPlatformEnable>\n</ProbeMatch>";

    #[test]
    fn a_ds_2cd2385g1_match() {
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        assert!(parse(MATCH.as_bytes(), &mut obs));
        let v = obs.into_vec();
        let get = |f: &str| {
            v.iter()
                .find(|o| o.field.as_str() == f)
                .map(|o| o.value.as_str())
        };
        assert_eq!(get("sadp.devicedescription"), Some("DS-2CD2385G1-I"));
        assert_eq!(
            get("sadp.devicesn"),
            Some("DS-2CD2385G1-I20200414AAWRE33842150")
        );
        assert_eq!(get("sadp.mac"), Some("58-50-ed-1f-e3-85"));
        assert_eq!(get("sadp.softwareversion"), Some("V5.6.2build 190701"));
        assert_eq!(get("sadp.devicetype"), Some("141945"));
        assert_eq!(get("sadp.salt"), None);
        assert_eq!(get("sadp.uuid"), None);
        assert!(v.iter().all(|o| o.source == Source::Sadp));
    }

    #[test]
    fn only_inquiry_is_sent() {
        let p = String::from_utf8(probe_message()).unwrap();
        assert!(p.contains("<Types>inquiry</Types>"));
        for verb in ["update", "activate", "reset"] {
            assert!(!p.to_ascii_lowercase().contains(verb));
        }
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        assert!(!parse(p.as_bytes(), &mut obs)); // a Probe is not a ProbeMatch
        assert!(!parse(&MATCH.as_bytes()[..100], &mut obs)); // truncated
        assert!(!parse(
            b"<!DOCTYPE x [<!ENTITY a 'b'>]><ProbeMatch>&a;</ProbeMatch>",
            &mut obs
        ));
    }
}
