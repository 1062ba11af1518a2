//! Hikvision SADP (Search Active Devices Protocol), UDP 37020: an XML
//! `<Probe>` with `<Types>inquiry</Types>` is answered by a `<ProbeMatch>`
//! carrying model, serial, MAC, ports and firmware, in the layout of the
//! corpus captures (`protocols/hikvision_sadp.md`). Write verbs (`update`,
//! `activate`, `reset`) are never acted on: scanners must not send them,
//! and the simulator ignores them.

use camaudit_model::DeviceType;

use crate::auth::{self, xml_text};
use crate::estate::Device;
use crate::faults;
use crate::markup::escape;

pub fn reply(dev: &Device, probe: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(probe).ok()?;
    if !text.contains("<Probe") {
        return None;
    }
    if xml_text(text, "Types")? != "inquiry" {
        return None;
    }
    let uuid = xml_text(text, "Uuid").unwrap_or("");
    let uuid: String = uuid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    let mac = dev
        .mac
        .map(|m| m.to_string().replace(':', "-"))
        .unwrap_or_default();
    let own = dev.profile.label == Some("hikvision");
    let dtype = match dev.profile.device_type {
        Some(DeviceType::Nvr) => "270003",
        _ => "141945",
    };
    let (analog, digital) = match dev.profile.device_type {
        Some(DeviceType::Nvr) => (0, 8),
        _ => (0, 1),
    };
    let sw = format!("{}{}", dev.firmware.version, dev.firmware.build);
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ProbeMatch>\n\t<Uuid>{uuid}</Uuid>\n\t<Types>inquiry</Types>\n\t<DeviceType>{dtype}</DeviceType>\n\t<DeviceDescription>{model}</DeviceDescription>\n\t<DeviceSN>{sn}</DeviceSN>\n\t<CommandPort>8000</CommandPort>\n\t<HttpPort>80</HttpPort>\n\t<MAC>{mac}</MAC>\n\t<IPv4Address>{ip}</IPv4Address>\n\t<IPv4SubnetMask>255.255.0.0</IPv4SubnetMask>\n\t<IPv4Gateway>0.0.0.0</IPv4Gateway>\n\t<IPv6Address>::</IPv6Address>\n\t<IPv6Gateway>::</IPv6Gateway>\n\t<IPv6MaskLen>64</IPv6MaskLen>\n\t<DHCP>false</DHCP>\n\t<AnalogChannelNum>{analog}</AnalogChannelNum>\n\t<DigitalChannelNum>{digital}</DigitalChannelNum>\n\t<SoftwareVersion>{sw}</SoftwareVersion>\n\t<DSPVersion>V7.3 {build}</DSPVersion>\n\t<BootTime>1970-01-15 02:44:11</BootTime>\n\t<Encrypt>true</Encrypt>\n\t<ResetAbility>false</ResetAbility>\n\t<DiskNumber>0</DiskNumber>\n\t<Activated>true</Activated>\n\t<PasswordResetAbility>true</PasswordResetAbility>\n\t<PasswordResetModeSecond>true</PasswordResetModeSecond>\n\t<DetailOEMCode>{oem}</DetailOEMCode>\n\t<OEMInfo>{oeminfo}</OEMInfo>\n\t<SupportSecurityQuestion>true</SupportSecurityQuestion>\n\t<SupportHCPlatform>true</SupportHCPlatform>\n\t<HCPlatformEnable>flase</HCPlatformEnable>\n\t<IsModifyVerificationCode>true</IsModifyVerificationCode>\n\t<Salt>{salt}</Salt>\n\t<DeviceLock>flase</DeviceLock>\n\t<SDKOverTLSPort>8443</SDKOverTLSPort>\n\t<SDKServerStatus>true</SDKServerStatus>\n\t<SDKOverTLSServerStatus>true</SDKOverTLSServerStatus>\n\t<SupportMailBox>true</SupportMailBox>\n</ProbeMatch>\n",
        model = escape(dev.model),
        sn = escape(&dev.serial),
        ip = dev.addr,
        build = dev.firmware.build,
        oem = if own { 1 } else { 0 },
        oeminfo = if own {
            "N/A".to_owned()
        } else {
            escape(dev.profile.brand_name)
        },
        salt = auth::nonce_hex(dev.seed, 64),
    );
    Some(faults::xml(dev.fault, xml).into_bytes())
}
