//! What policy needs to know of one piece of equipment, from any source: a
//! device found by a scan, a capture or an import (the device schema), or a
//! line of a checked asset register.

use std::net::IpAddr;

use camaudit_model::{Device, DeviceType, KevStatus};
use serde::Serialize;

/// Something a device can do that makes it worth more to an attacker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Pan, tilt, zoom: it can be turned to look elsewhere.
    Ptz,
    /// A microphone.
    Audio,
    /// On-board analytics (face, number plate, people counting).
    Analytics,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Ptz => "ptz",
            Capability::Audio => "audio",
            Capability::Analytics => "analytics",
        }
    }

    pub fn parse(s: &str) -> Option<Capability> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ptz" => Some(Capability::Ptz),
            "audio" | "microphone" => Some(Capability::Audio),
            "analytics" => Some(Capability::Analytics),
            _ => None,
        }
    }
}

/// One piece of equipment as policy sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Asset {
    /// How findings name it: its address, else "row 12" of a register.
    pub id: String,
    pub addr: Option<IpAddr>,
    pub mac: Option<String>,
    /// The register's site cell, when the asset came from one.
    pub site_cell: Option<String>,
    pub manufacturer: Option<String>,
    pub label: Option<String>,
    pub model: Option<String>,
    /// What a register's description column says it is ("4MP PTZ dome").
    pub description: Option<String>,
    pub firmware: Option<String>,
    pub device_type: Option<DeviceType>,
    pub covered: bool,
    pub covered_by: Vec<String>,
    /// KEV entries its firmware is in the documented affected range of.
    pub kev_affected: Vec<String>,
    /// Cloud or P2P hosts it was seen calling (from a capture).
    pub endpoints: Vec<String>,
    /// Accounts whose password it was seen sending in clear text (named;
    /// camaudit never records the password).
    pub cleartext_accounts: Vec<String>,
    /// Capabilities the evidence states (the device's `capabilities`, a
    /// register column); the policy's model patterns add more.
    pub capabilities: Vec<Capability>,
    pub open_ports: Vec<u16>,
    /// Units a register line stands for (1 for a device).
    pub quantity: u32,
}

impl Asset {
    /// A device from a scan, capture or import. `extra` is the device's
    /// JSON object, read for keys that newer sources add to the schema
    /// (`endpoints`, `capabilities`) when they are present.
    pub fn of_device(d: &Device, extra: Option<&serde_json::Value>) -> Asset {
        let id = d
            .addr
            .map(|a| a.to_string())
            .or_else(|| d.mac.map(|m| m.to_string()))
            .unwrap_or_else(|| "(no address)".to_owned());
        Asset {
            id,
            addr: d.addr,
            mac: d.mac.map(|m| m.to_string()),
            site_cell: None,
            manufacturer: d.manufacturer.as_ref().map(ToString::to_string),
            label: d.label_vendor.as_ref().map(ToString::to_string),
            model: d.model.clone(),
            description: None,
            firmware: d.firmware.clone(),
            device_type: d.device_type,
            covered: d.covered,
            covered_by: d.covered_by.clone(),
            kev_affected: d
                .vulnerabilities
                .iter()
                .filter(|k| k.status == KevStatus::Affected)
                .map(|k| k.cve.clone())
                .collect(),
            endpoints: if d.endpoints.is_empty() {
                extra.map(endpoints_of).unwrap_or_default()
            } else {
                call_home_hosts(d)
            },
            cleartext_accounts: cleartext_accounts(d),
            capabilities: extra.map(capabilities_of).unwrap_or_default(),
            open_ports: d.open_ports.clone(),
            quantity: 1,
        }
    }

    /// Whether the maker is known at all (covered or not).
    pub fn maker_known(&self) -> bool {
        self.manufacturer.is_some()
    }

    /// Whether it records other cameras' footage.
    pub fn is_recorder(&self) -> bool {
        matches!(self.device_type, Some(DeviceType::Nvr | DeviceType::Dvr))
    }

    /// Whether it is a camera of some kind.
    pub fn is_camera(&self) -> bool {
        matches!(
            self.device_type,
            Some(DeviceType::Camera | DeviceType::ThermalCamera)
        )
    }
}

/// The field a protocol reader gives an account whose password went out in
/// clear text (`docs/fields.md`).
const CLEARTEXT_PASSWORD_FIELD: &str = ".cleartext-password";

/// The accounts the evidence shows the device giving away, once each.
fn cleartext_accounts(d: &Device) -> Vec<String> {
    let mut names: Vec<String> = d
        .evidence
        .iter()
        .filter(|e| e.field.ends_with(CLEARTEXT_PASSWORD_FIELD))
        .map(|e| e.value.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The hosts a capture saw the device calling: only its outbound traffic
/// to the internet or to a maker's service, not the local peers (an NVR,
/// a viewing desk) that every camera talks to.
fn call_home_hosts(d: &Device) -> Vec<String> {
    d.endpoints
        .iter()
        .filter(|e| e.is_call_home())
        .map(|e| e.name.clone().unwrap_or_else(|| e.addr.to_string()))
        .collect()
}

/// Hosts from `endpoints`: a list of strings, or of objects with a `host`
/// (the shapes a capture's call-home list may take).
fn endpoints_of(v: &serde_json::Value) -> Vec<String> {
    let Some(list) = v.get("endpoints").and_then(|e| e.as_array()) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|e| {
            e.as_str()
                .or_else(|| e.get("host").and_then(|h| h.as_str()))
                .or_else(|| e.get("name").and_then(|h| h.as_str()))
                .or_else(|| e.get("addr").and_then(|h| h.as_str()))
                .map(str::to_owned)
        })
        .collect()
}

fn capabilities_of(v: &serde_json::Value) -> Vec<Capability> {
    let Some(list) = v.get("capabilities").and_then(|e| e.as_array()) else {
        return Vec::new();
    };
    let mut caps: Vec<Capability> = list
        .iter()
        .filter_map(|c| c.as_str().and_then(Capability::parse))
        .collect();
    caps.sort_unstable();
    caps.dedup();
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_home_endpoints_are_read_in_either_shape() {
        let v = serde_json::json!({"endpoints": ["dev.hik-connect.com", {"host": "p2p.easy4ipcloud.com", "port": 8800}, 7]});
        assert_eq!(
            endpoints_of(&v),
            ["dev.hik-connect.com", "p2p.easy4ipcloud.com"]
        );
        assert!(endpoints_of(&serde_json::json!({"addr": "10.0.0.1"})).is_empty());
    }

    #[test]
    fn a_captures_local_peers_are_not_calling_home() {
        use camaudit_model::{Direction, Endpoint, EndpointProtocol, PeerScope};
        let peer = |addr: &str, name: Option<&str>, direction, scope| Endpoint {
            addr: addr.parse().unwrap(),
            port: 443,
            protocol: EndpointProtocol::Tcp,
            direction,
            scope,
            name: name.map(str::to_owned),
            bytes_out: 1,
            bytes_in: 1,
            packets: 2,
            first_seen: String::new(),
            last_seen: String::new(),
            service: None,
        };
        let mut d: Device = serde_json::from_value(serde_json::json!({
            "addr": "10.1.0.5", "mac": null, "open_ports": [], "label_vendor": null,
            "manufacturer": "hikvision", "owner": null, "model": null, "firmware": null,
            "serial": null, "device_type": "camera", "covered": true, "covered_by": [],
            "confidence": 1.0, "evidence": []
        }))
        .unwrap();
        d.endpoints = vec![
            peer("10.1.0.9", None, Direction::Outbound, PeerScope::Internal),
            peer("10.1.0.20", None, Direction::Inbound, PeerScope::Internal),
            peer("203.0.113.7", None, Direction::Inbound, PeerScope::External),
        ];
        let json = serde_json::to_value(&d).unwrap();
        assert!(Asset::of_device(&d, Some(&json)).endpoints.is_empty());
        d.endpoints.push(peer(
            "198.51.100.4",
            Some("dev.hik-connect.com"),
            Direction::Outbound,
            PeerScope::External,
        ));
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(
            Asset::of_device(&d, Some(&json)).endpoints,
            ["dev.hik-connect.com"]
        );
    }

    #[test]
    fn capabilities_are_read_and_unknown_ones_left_out() {
        let v = serde_json::json!({"capabilities": ["PTZ", "audio", "teleport", "ptz"]});
        assert_eq!(capabilities_of(&v), [Capability::Ptz, Capability::Audio]);
    }
}
