//! ONVIF Device service (SOAP 1.2 over HTTP, `POST /onvif/device_service`).
//!
//! Pre-authentication calls (ONVIF Core Specification, access classes:
//! `GetSystemDateAndTime`, `GetCapabilities`, `GetServices`, `GetHostname`,
//! `GetWsdlUrl`) answer without credentials; everything else, notably
//! `GetDeviceInformation`, demands a WS-Security UsernameToken and otherwise
//! returns the `ter:NotAuthorized` sender fault. A device listed in
//! [`crate::Accounts::password_text_only`] takes only a PasswordText token
//! and refuses every digest with the same fault.

use crate::auth;
use crate::catalog::Family;
use crate::context::Context;
use crate::date::utc_now;
use crate::estate::Device;
use crate::markup::escape;
use crate::wsd::{self, onvif_manufacturer};

const ENV_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" xmlns:tt=\"http://www.onvif.org/ver10/schema\" xmlns:ter=\"http://www.onvif.org/ver10/error\"><env:Body>";
const ENV_CLOSE: &str = "</env:Body></env:Envelope>\n";

/// The local name of the first element inside the SOAP Body.
pub fn body_action(envelope: &str) -> Option<&str> {
    let start = envelope.find(":Body").or_else(|| envelope.find("<Body"))?;
    let rest = &envelope[start..];
    let gt = rest.find('>')?;
    let mut rest = &rest[gt + 1..];
    loop {
        let lt = rest.find('<')?;
        rest = &rest[lt + 1..];
        if rest.starts_with('!') || rest.starts_with('?') {
            continue;
        }
        if rest.starts_with('/') {
            return None;
        }
        let end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
        let qname = &rest[..end];
        return Some(qname.rsplit(':').next().unwrap_or(qname));
    }
}

fn fault(code: &str, subcode: &str, reason: &str) -> String {
    format!(
        "{ENV_OPEN}<env:Fault><env:Code><env:Value>env:{code}</env:Value><env:Subcode><env:Value>{subcode}</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang=\"en\">{reason}</env:Text></env:Reason></env:Fault>{ENV_CLOSE}"
    )
}

fn xaddr(dev: &Device, ctx: &Context) -> String {
    let port = 80 + ctx.port_offset;
    if port == 80 {
        format!("http://{}", dev.addr)
    } else {
        format!("http://{}:{port}", dev.addr)
    }
}

/// Answers one SOAP request: (HTTP status line, envelope).
pub fn handle(ctx: &Context, dev: &Device, envelope: &str) -> (&'static str, String) {
    let Some(action) = body_action(envelope) else {
        return (
            "400 Bad Request",
            fault("Sender", "ter:WellFormed", "Well-formed Error"),
        );
    };
    let base = xaddr(dev, ctx);
    let now = utc_now();
    let (y, mo, d) = (now.year(), u8::from(now.month()), now.day());
    let (h, mi, s) = (now.hour(), now.minute(), now.second());
    let body = match action {
        "GetSystemDateAndTime" => format!(
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>CST-8:00:00</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>{h}</tt:Hour><tt:Minute>{mi}</tt:Minute><tt:Second>{s}</tt:Second></tt:Time><tt:Date><tt:Year>{y}</tt:Year><tt:Month>{mo}</tt:Month><tt:Day>{d}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        ),
        "GetCapabilities" => format!(
            "<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>{base}/onvif/device_service</tt:XAddr><tt:Network><tt:IPFilter>true</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>true</tt:DynDNS></tt:Network><tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade><tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System><tt:IO><tt:InputConnectors>0</tt:InputConnectors><tt:RelayOutputs>0</tt:RelayOutputs></tt:IO><tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>true</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security></tt:Device><tt:Media><tt:XAddr>{base}/onvif/Media</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>true</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>"
        ),
        "GetServices" => format!(
            "<tds:GetServicesResponse><tds:Service><tds:Namespace>http://www.onvif.org/ver10/device/wsdl</tds:Namespace><tds:XAddr>{base}/onvif/device_service</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service><tds:Service><tds:Namespace>http://www.onvif.org/ver10/media/wsdl</tds:Namespace><tds:XAddr>{base}/onvif/Media</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service></tds:GetServicesResponse>"
        ),
        "GetHostname" => format!(
            "<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>{}</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>",
            escape(&hostname(dev))
        ),
        "GetWsdlUrl" => "<tds:GetWsdlUrlResponse><tds:WsdlUrl>http://www.onvif.org/Documents/Specifications.aspx</tds:WsdlUrl></tds:GetWsdlUrlResponse>".to_owned(),
        other => {
            let accepted = if ctx.password_text_only.contains(&dev.addr) {
                auth::check_wsse_text_only(envelope, &ctx.username, &ctx.password)
            } else {
                auth::check_wsse(envelope, &ctx.username, &ctx.password)
            };
            if !accepted {
                return (
                    "400 Bad Request",
                    fault("Sender", "ter:NotAuthorized", "Sender not Authorized"),
                );
            }
            match other {
                "GetDeviceInformation" => format!(
                    "<tds:GetDeviceInformationResponse><tds:Manufacturer>{}</tds:Manufacturer><tds:Model>{}</tds:Model><tds:FirmwareVersion>{}</tds:FirmwareVersion><tds:SerialNumber>{}</tds:SerialNumber><tds:HardwareId>{}</tds:HardwareId></tds:GetDeviceInformationResponse>",
                    escape(onvif_manufacturer(dev)),
                    escape(dev.model),
                    escape(&dev.firmware.truth_string()),
                    escape(&dev.serial),
                    hardware_id(dev),
                ),
                "GetScopes" => {
                    let scopes: String = wsd::scopes(dev)
                        .split(' ')
                        .map(|s| format!("<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>{s}</tt:ScopeItem></tds:Scopes>"))
                        .collect();
                    format!("<tds:GetScopesResponse>{scopes}</tds:GetScopesResponse>")
                }
                "GetNetworkInterfaces" => format!(
                    "<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token=\"eth0\"><tt:Enabled>true</tt:Enabled><tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>{}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info><tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual><tt:Address>{}</tt:Address><tt:PrefixLength>16</tt:PrefixLength></tt:Manual><tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>",
                    dev.mac.map(|m| m.to_string()).unwrap_or_default(),
                    dev.addr
                ),
                _ => {
                    return (
                        "400 Bad Request",
                        fault("Receiver", "ter:ActionNotSupported", "Optional Action Not Implemented"),
                    );
                }
            }
        }
    };
    ("200 OK", format!("{ENV_OPEN}{body}{ENV_CLOSE}"))
}

fn hostname(dev: &Device) -> String {
    match dev.family() {
        Family::Axis => format!("axis-{}", dev.serial.to_lowercase()),
        _ => dev.profile.brand_name.replace(' ', ""),
    }
}

fn hardware_id(dev: &Device) -> String {
    match dev.family() {
        Family::Hikvision => "88".to_owned(),
        Family::Axis => "70E".to_owned(),
        _ => "1.00".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_action() {
        let e = r#"<?xml version="1.0"?><s:Envelope xmlns:s="x"><s:Header><a/></s:Header><s:Body xmlns:t="y"><tds:GetDeviceInformation/></s:Body></s:Envelope>"#;
        assert_eq!(body_action(e), Some("GetDeviceInformation"));
        let e = r#"<Envelope><Body><GetSystemDateAndTime xmlns="z"></GetSystemDateAndTime></Body></Envelope>"#;
        assert_eq!(body_action(e), Some("GetSystemDateAndTime"));
        assert_eq!(body_action("<x/>"), None);
    }
}
