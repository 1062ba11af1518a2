//! SSDP (UDP 1900) M-SEARCH and the UPnP device description its LOCATION
//! points to.

use std::net::{IpAddr, SocketAddr};

use camaudit_model::Source;

use crate::conn::Ctx;
use crate::http::exchange;
use crate::obs::HostObs;
use crate::wire::{Limits, parse_head};
use crate::xml;

pub const PORT: u16 = 1900;
pub const MULTICAST_V4: &str = "239.255.255.250";

/// The M-SEARCH for root devices.
pub fn probe_message() -> Vec<u8> {
    b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: upnp:rootdevice\r\n\r\n".to_vec()
}

/// Reads a search reply: `ssdp.server`, and the LOCATION to follow.
pub fn parse(datagram: &[u8], obs: &mut HostObs) -> Option<Option<String>> {
    let head_end = datagram
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(datagram.len());
    let reply = parse_head(&datagram[..head_end], &Limits::default()).ok()?;
    if !reply.version.starts_with("HTTP/") {
        return None;
    }
    if let Some(server) = reply.header("server") {
        obs.push(Some(PORT), Source::Ssdp, "ssdp.server", server);
    }
    Some(reply.header("location").map(str::to_owned))
}

/// The TCP address and path of a LOCATION, if it is on the device itself.
pub fn location_target(location: &str, device: IpAddr) -> Option<(SocketAddr, String)> {
    let rest = location.trim().strip_prefix("http://")?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let sa: SocketAddr = hostport.parse().ok().or_else(|| {
        hostport
            .parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 80))
    })?;
    (sa.ip() == device && sa.port() != 0).then(|| (sa, path.to_owned()))
}

/// Reads a UPnP device description's root device.
pub fn parse_description(body: &str, port: u16, obs: &mut HostObs) -> bool {
    let Ok(doc) = xml::parse(body) else {
        return false;
    };
    let Some(dev) = xml::find(&doc, "device") else {
        return false;
    };
    for child in dev.children().filter(|c| c.is_element()) {
        let field = match child.tag_name().name() {
            "manufacturer" => "upnp.manufacturer",
            "modelName" => "upnp.model_name",
            "modelNumber" => "upnp.model_number",
            _ => continue,
        };
        if let Some(t) = xml::leaf_text(child) {
            obs.push(Some(port), Source::Upnp, field, t);
        }
    }
    true
}

/// Fetches and reads the description at `location` (only from the device).
pub async fn fetch_description(
    ctx: &Ctx,
    device: IpAddr,
    location: &str,
    obs: &mut HostObs,
) -> bool {
    let Some((sa, path)) = location_target(location, device) else {
        return false;
    };
    match exchange(ctx, sa, false, "GET", &path, None, &[]).await {
        Ok(r) if r.status == 200 => {
            parse_description(&String::from_utf8_lossy(&r.body), sa.port(), obs)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_reply() {
        let d = b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://127.0.0.5:49152/description.xml\r\nSERVER: Linux/3.10, UPnP/1.0, Portable SDK for UPnP devices/1.6.18\r\nST: upnp:rootdevice\r\nUSN: uuid:abc::upnp:rootdevice\r\n\r\n";
        let mut obs = HostObs::new("127.0.0.5".parse().unwrap());
        let loc = parse(d, &mut obs).unwrap().unwrap();
        assert_eq!(
            obs.into_vec()[0].value,
            "Linux/3.10, UPnP/1.0, Portable SDK for UPnP devices/1.6.18"
        );
        let (sa, path) = location_target(&loc, "127.0.0.5".parse().unwrap()).unwrap();
        assert_eq!(sa.port(), 49152);
        assert_eq!(path, "/description.xml");
        // never fetched from another host
        assert!(location_target(&loc, "127.0.0.6".parse().unwrap()).is_none());
        assert!(location_target("http://evil.example/x", "127.0.0.5".parse().unwrap()).is_none());
        assert!(
            parse(
                b"M-SEARCH * HTTP/1.1\r\n\r\n",
                &mut HostObs::new("127.0.0.5".parse().unwrap())
            )
            .is_none()
        );
    }

    #[test]
    fn a_description() {
        let x = r#"<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major></specVersion><device><deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType><friendlyName>Camera</friendlyName><manufacturer>Hikvision</manufacturer><modelName>DS-2CD2142FWD-I</modelName><modelNumber>DS-2CD2142FWD-I</modelNumber></device></root>"#;
        let mut obs = HostObs::new("127.0.0.5".parse().unwrap());
        assert!(parse_description(x, 49152, &mut obs));
        let v = obs.into_vec();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].field.as_str(), "upnp.manufacturer");
        assert_eq!(v[0].source, Source::Upnp);
    }
}
