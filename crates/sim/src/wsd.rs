//! ONVIF WS-Discovery (SOAP over UDP 3702, 2005/04 discovery namespace): a
//! `Probe` for `NetworkVideoTransmitter` (or for anything) is answered by a
//! `ProbeMatches` whose scopes name the brand, hardware and MAC, and whose
//! EndpointReference UUID ends in the MAC, as in the corpus capture
//! (`protocols/onvif_wsdiscovery.md`).

use crate::auth::xml_text;
use crate::catalog::Family;
use crate::estate::Device;
use crate::faults;

/// The brand name devices put in ONVIF `Manufacturer` and discovery scopes.
pub fn onvif_manufacturer(dev: &Device) -> &'static str {
    match (dev.family(), dev.profile.label) {
        (Family::Hikvision, Some("hikvision")) => "HIKVISION",
        (Family::Dahua, Some("dahua")) => "Dahua",
        (Family::Uniview, _) => "Uniview",
        (Family::Xiongmai, _) => "General",
        (Family::Axis, _) => "AXIS",
        (Family::Hanwha, _) => "Hanwha Techwin",
        (Family::Bosch, _) => "Bosch",
        (Family::GenericOnvif, _) => "IPCAM",
        _ => dev.profile.brand_name,
    }
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The scope list a device announces.
pub fn scopes(dev: &Device) -> String {
    let brand = onvif_manufacturer(dev);
    let mac = dev.mac.map(|m| m.to_string()).unwrap_or_default();
    let location = match dev.family() {
        Family::Hikvision => "location/city/hangzhou",
        Family::Dahua | Family::Uniview | Family::Xiongmai => "location/country/china",
        Family::Axis => "location/country/sweden",
        Family::Hanwha => "location/country/korea",
        Family::Bosch => "location/country/germany",
        _ => "location/country/",
    };
    let name = match dev.family() {
        Family::Hikvision => format!("{brand} {}", dev.model),
        Family::Axis => format!("AXIS {}", dev.model),
        _ => brand.to_owned(),
    };
    format!(
        "onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/Profile/G onvif://www.onvif.org/Profile/T onvif://www.onvif.org/MAC/{mac} onvif://www.onvif.org/hardware/{hw} onvif://www.onvif.org/name/{name} onvif://www.onvif.org/{location}",
        hw = pct(dev.model),
        name = pct(&name),
    )
}

pub fn endpoint_uuid(dev: &Device) -> String {
    let u = dev.uuid();
    let mac: String = dev
        .mac
        .map(|m| m.0.iter().map(|b| format!("{b:02x}")).collect())
        .unwrap_or_else(|| u[24..].to_owned());
    format!("{}{}", &u[..24], mac)
}

pub fn reply(dev: &Device, probe: &[u8], http_port: u16) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(probe).ok()?;
    if !text.contains("Probe") || !text.contains("http://schemas.xmlsoap.org/ws/2005/04/discovery")
    {
        return None;
    }
    if let Some(types) = xml_text(text, "Types") {
        let t = types.trim();
        if !t.is_empty() && !t.contains("NetworkVideoTransmitter") && !t.contains("Device") {
            return None;
        }
    }
    let relates: String = xml_text(text, "MessageID")
        .unwrap_or("")
        .chars()
        .filter(|c| !matches!(c, '<' | '>' | '&' | '"'))
        .take(128)
        .collect();
    let xaddr = if http_port == 80 {
        format!("http://{}/onvif/device_service", dev.addr)
    } else {
        format!("http://{}:{http_port}/onvif/device_service", dev.addr)
    };
    let msg_id = dev.uuid();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:wsadis=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\" xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\"><env:Header><wsadis:MessageID>urn:uuid:{msg_id}</wsadis:MessageID><wsadis:RelatesTo>{relates}</wsadis:RelatesTo><wsadis:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsadis:To><wsadis:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsadis:Action><d:AppSequence InstanceId=\"{inst}\" MessageNumber=\"1\"/></env:Header><env:Body><d:ProbeMatches><d:ProbeMatch><wsadis:EndpointReference><wsadis:Address>urn:uuid:{epr}</wsadis:Address></wsadis:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>{scopes}</d:Scopes><d:XAddrs>{xaddr}</d:XAddrs><d:MetadataVersion>10</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>\n",
        inst = dev.seed % 100_000,
        epr = endpoint_uuid(dev),
        scopes = scopes(dev),
    );
    Some(faults::xml(dev.fault, xml).into_bytes())
}
