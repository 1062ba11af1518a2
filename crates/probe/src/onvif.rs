//! ONVIF device service: GetSystemDateAndTime (always unauthenticated, it
//! is what clients use to sync clocks before signing) and
//! GetDeviceInformation (unauthenticated on many devices; with
//! WS-UsernameToken when `--credentials` gives a user).

use std::net::SocketAddr;

use camaudit_model::Source;

use crate::conn::{Credentials, Ctx};
use crate::hash;
use crate::http::exchange;
use crate::obs::{HostObs, now_rfc3339};
use crate::xml;

pub const DEVICE_SERVICE: &str = "/onvif/device_service";
const CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";

/// The two requests this probe ever sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    GetSystemDateAndTime,
    GetDeviceInformation,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::GetSystemDateAndTime => "GetSystemDateAndTime",
            Call::GetDeviceInformation => "GetDeviceInformation",
        }
    }
}

/// WS-UsernameToken with a password digest:
/// Base64(SHA-1(nonce + created + password)).
pub fn username_token(c: &Credentials, nonce: &[u8], created: &str) -> String {
    let mut input = nonce.to_vec();
    input.extend_from_slice(created.as_bytes());
    input.extend_from_slice(c.password.as_bytes());
    let digest = hash::base64(&hash::sha1(&input));
    format!(
        concat!(
            r#"<s:Header><wsse:Security s:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">"#,
            r#"<wsse:UsernameToken><wsse:Username>{}</wsse:Username>"#,
            r#"<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{}</wsse:Password>"#,
            r#"<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary">{}</wsse:Nonce>"#,
            r#"<wsu:Created>{}</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header>"#
        ),
        xml::escape(&c.username),
        digest,
        hash::base64(nonce),
        created
    )
}

/// The SOAP 1.2 envelope for a call.
pub fn envelope(call: Call, credentials: Option<&Credentials>) -> String {
    let header = credentials
        .map(|c| username_token(c, &hash::random_bytes::<16>(), &now_rfc3339()))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">{header}<s:Body><tds:{0} xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>"#,
        call.name()
    )
}

/// Reads a GetDeviceInformationResponse into observations. Returns whether
/// it was one.
pub fn parse_device_information(body: &str, port: u16, obs: &mut HostObs) -> bool {
    let Ok(doc) = xml::parse(body) else {
        return false;
    };
    let Some(resp) = xml::find(&doc, "GetDeviceInformationResponse") else {
        return false;
    };
    for child in resp.children().filter(|c| c.is_element()) {
        let field = match child.tag_name().name() {
            "Manufacturer" => "onvif.manufacturer",
            "Model" => "onvif.model",
            "FirmwareVersion" => "onvif.firmware",
            "SerialNumber" => "onvif.serial",
            "HardwareId" => "onvif.hardware_id",
            _ => continue,
        };
        if let Some(t) = xml::leaf_text(child) {
            obs.push(Some(port), Source::Onvif, field, t);
        }
    }
    true
}

/// Whether a body is a GetSystemDateAndTime reply (the device speaks ONVIF).
pub fn is_date_time_response(body: &str) -> bool {
    xml::parse(body).is_ok_and(|d| xml::find(&d, "GetSystemDateAndTimeResponse").is_some())
}

/// Probes the device service on an HTTP port. Returns whether it is ONVIF.
pub async fn probe(ctx: &Ctx, addr: SocketAddr, obs: &mut HostObs) -> bool {
    let post = |call: Call| {
        let body = envelope(call, ctx.credentials.as_ref());
        async move {
            exchange(
                ctx,
                addr,
                false,
                "POST",
                DEVICE_SERVICE,
                Some(CONTENT_TYPE),
                body.as_bytes(),
            )
            .await
        }
    };
    let Ok(reply) = post(Call::GetSystemDateAndTime).await else {
        return false;
    };
    if !is_date_time_response(&String::from_utf8_lossy(&reply.body)) {
        return false;
    }
    let xaddr = match addr {
        SocketAddr::V4(a) => format!("http://{}:{}{DEVICE_SERVICE}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("http://[{}]:{}{DEVICE_SERVICE}", a.ip(), a.port()),
    };
    obs.push(Some(addr.port()), Source::Onvif, "onvif.xaddr", &xaddr);
    if let Ok(reply) = post(Call::GetDeviceInformation).await {
        parse_device_information(&String::from_utf8_lossy(&reply.body), addr.port(), obs);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVINFO: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">
<env:Body><tds:GetDeviceInformationResponse>
<tds:Manufacturer>HIKVISION</tds:Manufacturer><tds:Model>DS-2CD2385G1-I</tds:Model>
<tds:FirmwareVersion>V5.6.2 build 190701</tds:FirmwareVersion>
<tds:SerialNumber>DS-2CD2385G1-I20200414AAWRE33842150</tds:SerialNumber><tds:HardwareId>88</tds:HardwareId>
</tds:GetDeviceInformationResponse></env:Body></env:Envelope>"#;

    #[test]
    fn device_information_fields() {
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        assert!(parse_device_information(DEVINFO, 80, &mut obs));
        let v = obs.into_vec();
        let get = |f: &str| {
            v.iter()
                .find(|o| o.field.as_str() == f)
                .map(|o| o.value.as_str())
        };
        assert_eq!(get("onvif.manufacturer"), Some("HIKVISION"));
        assert_eq!(get("onvif.model"), Some("DS-2CD2385G1-I"));
        assert_eq!(get("onvif.firmware"), Some("V5.6.2 build 190701"));
        assert_eq!(
            get("onvif.serial"),
            Some("DS-2CD2385G1-I20200414AAWRE33842150")
        );
        assert_eq!(get("onvif.hardware_id"), Some("88"));
        assert!(v.iter().all(|o| o.source == Source::Onvif));
    }

    #[test]
    fn faults_and_hostile_xml_give_nothing() {
        let fault = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code></s:Fault></s:Body></s:Envelope>"#;
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        assert!(!parse_device_information(fault, 80, &mut obs));
        let bomb = r#"<!DOCTYPE a [<!ENTITY x "xxxxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><GetDeviceInformationResponse><Manufacturer>&y;</Manufacturer></GetDeviceInformationResponse>"#;
        assert!(!parse_device_information(bomb, 80, &mut obs));
        assert!(!parse_device_information(
            "<GetDeviceInformationResponse><Manufacturer>",
            80,
            &mut obs
        ));
        assert!(obs.is_empty());
        assert!(!is_date_time_response(fault));
    }

    #[test]
    fn envelopes_carry_no_credentials_unless_given() {
        let e = envelope(Call::GetDeviceInformation, None);
        assert!(e.contains("<tds:GetDeviceInformation "));
        assert!(!e.contains("Security"));
        let c = Credentials {
            username: "aud<it>".into(),
            password: "pw".into(),
        };
        let e = envelope(Call::GetDeviceInformation, Some(&c));
        assert!(e.contains("<wsse:Username>aud&lt;it&gt;</wsse:Username>"));
        assert!(!e.contains(">pw<"));
    }

    #[test]
    fn password_digest_matches_the_spec_example() {
        // WS-Security UsernameToken Profile 1.0 style vector, computed with
        // Python: base64(sha1(b64decode(nonce) + created + password)).
        let c = Credentials {
            username: "user".into(),
            password: "taadtaadpstcsm".into(),
        };
        let nonce = [0u8; 16];
        let t = username_token(&c, &nonce, "2003-07-16T01:24:32Z");
        let digest = t
            .split("PasswordDigest\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap();
        let mut input = nonce.to_vec();
        input.extend_from_slice(b"2003-07-16T01:24:32Ztaadtaadpstcsm");
        assert_eq!(digest, hash::base64(&hash::sha1(&input)));
        assert_eq!(digest.len(), 28);
    }
}
