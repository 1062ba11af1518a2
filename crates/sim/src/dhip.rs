//! Dahua DHIP discovery, UDP 37810: a DHIP frame carrying
//! `{"method":"DHDiscover.search"}` is answered by a frame carrying
//! `client.notifyDevInfo` with the device's class, model, serial, version,
//! MAC and addresses, in the layout of the corpus sample
//! (`protocols/dahua_discovery.md`). Own-brand Dahua firmware says
//! `"Vendor":"Private"` (as the captured genuine unit did).

use camaudit_model::DeviceType;

use crate::dahua_rpc::dhip_frame;
use crate::estate::Device;

pub fn reply(dev: &Device, probe: &[u8]) -> Option<Vec<u8>> {
    if probe.len() < 32 || &probe[4..8] != b"DHIP" {
        return None;
    }
    let body = String::from_utf8_lossy(&probe[32..]);
    if !body.contains("DHDiscover.search") {
        return None;
    }
    let id = u32::from_le_bytes([probe[12], probe[13], probe[14], probe[15]]);
    let class = match dev.profile.device_type {
        Some(DeviceType::Nvr) => "NVR",
        _ => "IPC",
    };
    let vendor = match dev.profile.label {
        Some("dahua") => "Private",
        _ => dev.profile.brand_name,
    };
    let mac = dev.mac.map(|m| m.to_string()).unwrap_or_default();
    let m = dev.mac.map(|m| m.0).unwrap_or_default();
    let json = serde_json::json!({
        "mac": mac,
        "method": "client.notifyDevInfo",
        "params": {"deviceInfo": {
            "AlarmInputChannels": 0,
            "AlarmOutputChannels": 0,
            "DeviceClass": class,
            "DeviceID": "",
            "DeviceType": dev.model,
            "Find": "BC",
            "FindVersion": 1,
            "HttpPort": 80,
            "IPv4Address": {
                "DefaultGateway": "0.0.0.0",
                "DhcpEnable": false,
                "IPAddress": dev.addr.to_string(),
                "SubnetMask": "255.255.0.0",
            },
            "IPv6Address": {
                "DefaultGateway": null,
                "DhcpEnable": false,
                "IPAddress": "/0",
                "LinkLocalAddress": format!("fe80::{:02x}{:02x}:{:02x}ff:fe{:02x}:{:02x}{:02x}/64", m[0] ^ 2, m[1], m[2], m[3], m[4], m[5]),
            },
            "Init": 2714,
            "MachineName": dev.serial,
            "Manufacturer": vendor,
            "Port": 37777,
            "RemoteVideoInputChannels": 0,
            "SerialNo": dev.serial,
            "UnLoginFuncMask": 1,
            "Vendor": vendor,
            "Version": dev.firmware.version,
            "VideoInputChannels": if class == "NVR" { 8 } else { 1 },
            "VideoOutputChannels": 0,
        }},
    });
    Some(dhip_frame(0, id, &json.to_string()))
}
