//! ONVIF device service: GetSystemDateAndTime (always unauthenticated, it
//! is what clients use to sync clocks before signing) and
//! GetDeviceInformation: first unauthenticated (many devices answer it),
//! then, only when refused and only when a credential is scoped to this
//! target, with a WS-UsernameToken PasswordDigest.
//!
//! A digest is the only form sent by default. A device that refuses it may
//! want PasswordText; that goes only to a credential marked
//! `allow_plaintext`, and only over TLS ([`probe_plaintext_over_tls`]).
//! HTTP Basic is never sent.

use std::net::SocketAddr;

use camaudit_model::Source;
use zeroize::Zeroizing;

use crate::ProbeError;
use crate::conn::Ctx;
use crate::credentials::Credential;
use crate::hash;
use crate::http::{HttpRequest, send};
use crate::obs::{HostObs, now_rfc3339};
use crate::wire::Reply;
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

/// How a request proves who sends it.
#[derive(Debug, Clone, Copy)]
pub enum Token<'a> {
    None,
    /// Base64(SHA-1(nonce + created + password)): the default.
    Digest(&'a Credential),
    /// The password itself: only with `allow_plaintext`, only over TLS.
    Text(&'a Credential),
}

impl Token<'_> {
    fn audit_suffix(self) -> &'static str {
        match self {
            Token::None => "",
            Token::Digest(_) => " (authenticated, PasswordDigest)",
            Token::Text(_) => " (authenticated, PasswordText over TLS)",
        }
    }
}

const SECURITY_OPEN: &str = r#"<s:Header><wsse:Security s:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">"#;
const SECURITY_CLOSE: &str = "</wsse:UsernameToken></wsse:Security></s:Header>";
const PROFILE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0";

/// WS-UsernameToken with a password digest:
/// Base64(SHA-1(nonce + created + password)).
pub fn username_token(c: &Credential, nonce: &[u8], created: &str) -> String {
    let mut input = Zeroizing::new(nonce.to_vec());
    input.extend_from_slice(created.as_bytes());
    input.extend_from_slice(c.password().as_bytes());
    let digest = hash::base64(&hash::sha1(&input));
    format!(
        concat!(
            "{}<wsse:UsernameToken><wsse:Username>{}</wsse:Username>",
            r#"<wsse:Password Type="{}#PasswordDigest">{}</wsse:Password>"#,
            r#"<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary">{}</wsse:Nonce>"#,
            "<wsu:Created>{}</wsu:Created>{}"
        ),
        SECURITY_OPEN,
        xml::escape(&c.user),
        PROFILE,
        digest,
        hash::base64(nonce),
        created,
        SECURITY_CLOSE
    )
}

/// WS-UsernameToken with the password in the clear (PasswordText).
fn text_token(c: &Credential) -> Zeroizing<String> {
    Zeroizing::new(format!(
        r#"{SECURITY_OPEN}<wsse:UsernameToken><wsse:Username>{}</wsse:Username><wsse:Password Type="{PROFILE}#PasswordText">{}</wsse:Password>{SECURITY_CLOSE}"#,
        xml::escape(&c.user),
        *Zeroizing::new(xml::escape(c.password())),
    ))
}

/// The SOAP 1.2 envelope for a call. It may hold a secret: it is wiped
/// when dropped.
pub fn envelope(call: Call, token: Token<'_>) -> Zeroizing<String> {
    let header = match token {
        Token::None => Zeroizing::new(String::new()),
        Token::Digest(c) => Zeroizing::new(username_token(
            c,
            &hash::random_bytes::<16>(),
            &now_rfc3339(),
        )),
        Token::Text(c) => text_token(c),
    };
    Zeroizing::new(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">{}<s:Body><tds:{} xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>"#,
        *header,
        call.name()
    ))
}

/// What probing the device service found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Onvif {
    /// Not an ONVIF device service.
    NotOnvif,
    /// GetDeviceInformation answered.
    Answered,
    /// GetDeviceInformation refused; `digest_sent` when a credential's
    /// digest was tried and refused too.
    Refused { digest_sent: bool },
}

impl Onvif {
    pub fn is_onvif(self) -> bool {
        self != Onvif::NotOnvif
    }
}

async fn post(
    ctx: &Ctx,
    addr: SocketAddr,
    tls: bool,
    call: Call,
    token: Token<'_>,
) -> Result<Reply, ProbeError> {
    let body = envelope(call, token);
    let kind = format!("onvif {}{}", call.name(), token.audit_suffix());
    let req = HttpRequest {
        method: "POST",
        path: DEVICE_SERVICE,
        content_type: Some(CONTENT_TYPE),
        body: body.as_bytes(),
        audit_as: Some(("onvif", &kind)),
    };
    send(ctx, addr, tls, &req).await
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

/// Probes the device service on an HTTP port. `credential` is the one
/// scoped to this target, if any: it is used only after an unauthenticated
/// GetDeviceInformation was refused, and only as a digest.
pub async fn probe(
    ctx: &Ctx,
    addr: SocketAddr,
    credential: Option<&Credential>,
    obs: &mut HostObs,
) -> Onvif {
    let Ok(reply) = post(ctx, addr, false, Call::GetSystemDateAndTime, Token::None).await else {
        return Onvif::NotOnvif;
    };
    if !is_date_time_response(&String::from_utf8_lossy(&reply.body)) {
        return Onvif::NotOnvif;
    }
    let xaddr = match addr {
        SocketAddr::V4(a) => format!("http://{}:{}{DEVICE_SERVICE}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("http://[{}]:{}{DEVICE_SERVICE}", a.ip(), a.port()),
    };
    obs.push(Some(addr.port()), Source::Onvif, "onvif.xaddr", &xaddr);
    if device_information(ctx, addr, false, Token::None, obs).await {
        return Onvif::Answered;
    }
    let Some(c) = credential else {
        return Onvif::Refused { digest_sent: false };
    };
    if device_information(ctx, addr, false, Token::Digest(c), obs).await {
        Onvif::Answered
    } else {
        Onvif::Refused { digest_sent: true }
    }
}

/// For a device that refused the digest: GetDeviceInformation with a
/// PasswordText token over TLS at `tls_addr`, when the credential allows
/// plaintext. Returns whether it answered; sends nothing otherwise.
pub async fn probe_plaintext_over_tls(
    ctx: &Ctx,
    tls_addr: SocketAddr,
    credential: &Credential,
    obs: &mut HostObs,
) -> bool {
    if !credential.allow_plaintext {
        return false;
    }
    device_information(ctx, tls_addr, true, Token::Text(credential), obs).await
}

async fn device_information(
    ctx: &Ctx,
    addr: SocketAddr,
    tls: bool,
    token: Token<'_>,
    obs: &mut HostObs,
) -> bool {
    match post(ctx, addr, tls, Call::GetDeviceInformation, token).await {
        Ok(reply) => {
            parse_device_information(&String::from_utf8_lossy(&reply.body), addr.port(), obs)
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{Password, Scope};

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

    fn credential(user: &str, password: &str) -> Credential {
        Credential::new(
            user.into(),
            Password::new(password.into()),
            Scope::ScanTargets,
        )
    }

    #[test]
    fn envelopes_carry_no_credentials_unless_given() {
        let e = envelope(Call::GetDeviceInformation, Token::None);
        assert!(e.contains("<tds:GetDeviceInformation "));
        assert!(!e.contains("Security"));
        let c = credential("aud<it>", "pw-in-clear");
        let e = envelope(Call::GetDeviceInformation, Token::Digest(&c));
        assert!(e.contains("<wsse:Username>aud&lt;it&gt;</wsse:Username>"));
        assert!(e.contains("#PasswordDigest"));
        assert!(!e.contains("pw-in-clear"));
        assert!(!e.contains("PasswordText"));
        // The clear form is a separate, explicit token.
        let e = envelope(Call::GetDeviceInformation, Token::Text(&c));
        assert!(e.contains("#PasswordText\">pw-in-clear<"), "{}", *e);
    }

    #[test]
    fn password_digest_matches_the_spec_example() {
        // WS-Security UsernameToken Profile 1.0 style vector, computed with
        // Python: base64(sha1(b64decode(nonce) + created + password)).
        let c = credential("user", "taadtaadpstcsm");
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
