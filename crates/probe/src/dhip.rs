//! Dahua DHIP discovery (UDP 37810): a 32-byte header and a JSON body.
//!
//! Only `DHDiscover.search` is ever sent: no other DHIP method (login,
//! configuration, the RPCs behind Dahua's authentication bypasses) can be
//! built by this module.

use camaudit_model::Source;
use serde_json::Value;

use crate::obs::HostObs;

pub const PORT: u16 = 37810;
pub const MULTICAST_V4: &str = "239.255.255.251";
pub const MAGIC: &[u8; 4] = b"DHIP";
pub const HEADER_LEN: usize = 32;

/// The discovery body.
pub const SEARCH: &str = "{\"method\":\"DHDiscover.search\",\"params\":{\"mac\":\"\",\"uni\":1}}\n";

/// Frames a body: u32 LE header size 0x20, "DHIP", two zero words, the body
/// length twice (each followed by a zero word), all little-endian.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let len = body.len() as u32;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&0x20u32.to_le_bytes());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// The discovery probe.
pub fn probe_message() -> Vec<u8> {
    frame(SEARCH.as_bytes())
}

/// The JSON body of a reply: after the header when there is one (lengths
/// clamped to what arrived), else from the first `{`.
fn body(datagram: &[u8]) -> Option<&[u8]> {
    if datagram.len() >= HEADER_LEN && &datagram[4..8] == MAGIC {
        let len =
            u32::from_le_bytes([datagram[16], datagram[17], datagram[18], datagram[19]]) as usize;
        let end = HEADER_LEN.saturating_add(len).min(datagram.len());
        return Some(&datagram[HEADER_LEN..end]);
    }
    let start = datagram.iter().position(|&b| b == b'{')?;
    Some(&datagram[start..])
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a `client.notifyDevInfo` reply: the sender's `mac` and every
/// scalar `deviceInfo` key become `dhip.<key>`.
pub fn parse(datagram: &[u8], obs: &mut HostObs) -> bool {
    let Some(b) = body(datagram) else {
        return false;
    };
    let text = String::from_utf8_lossy(b);
    let Ok(v) = serde_json::from_str::<Value>(text.trim_end_matches(['\0', '\n', '\r', ' ']))
    else {
        return false;
    };
    let Some(info) = v.pointer("/params/deviceInfo").and_then(Value::as_object) else {
        return false;
    };
    let port = Some(PORT);
    if let Some(mac) = v.get("mac").and_then(Value::as_str) {
        obs.push(port, Source::Dhip, "dhip.mac", mac);
    }
    for (k, val) in info.iter().take(200) {
        if let Some(s) = scalar(val) {
            obs.push_key(port, Source::Dhip, "dhip", k, &s);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLY: &str = r#"{"mac":"08:ed:ed:87:42:7a","method":"client.notifyDevInfo","params":{"deviceInfo":{"AlarmInputChannels":0,"DeviceClass":"IPC","DeviceType":"IPC-HDW1431T1-S4","HttpPort":80,"IPv4Address":{"DefaultGateway":"192.168.124.1","DhcpEnable":true,"IPAddress":"192.168.124.17"},"MachineName":"6C01E93PAG69A7D","Manufacturer":"Private","Port":37777,"SerialNo":"6C01E93PAG69A7D","Vendor":"Private","Version":"2.800.0000000.13.R"}}}"#;

    #[test]
    fn header_layout() {
        let p = probe_message();
        assert_eq!(&p[..8], &[0x20, 0, 0, 0, b'D', b'H', b'I', b'P']);
        assert_eq!(
            u32::from_le_bytes([p[16], p[17], p[18], p[19]]) as usize,
            SEARCH.len()
        );
        assert_eq!(
            u32::from_le_bytes([p[24], p[25], p[26], p[27]]) as usize,
            SEARCH.len()
        );
        assert_eq!(&p[HEADER_LEN..], SEARCH.as_bytes());
        // only discovery
        assert!(String::from_utf8_lossy(&p).contains("\"method\":\"DHDiscover.search\""));
    }

    #[test]
    fn a_notify_dev_info_reply() {
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        assert!(parse(&frame(REPLY.as_bytes()), &mut obs));
        let v = obs.into_vec();
        let get = |f: &str| {
            v.iter()
                .find(|o| o.field.as_str() == f)
                .map(|o| o.value.as_str())
        };
        assert_eq!(get("dhip.mac"), Some("08:ed:ed:87:42:7a"));
        assert_eq!(get("dhip.devicetype"), Some("IPC-HDW1431T1-S4"));
        assert_eq!(get("dhip.serialno"), Some("6C01E93PAG69A7D"));
        assert_eq!(get("dhip.version"), Some("2.800.0000000.13.R"));
        assert_eq!(get("dhip.vendor"), Some("Private"));
        assert_eq!(get("dhip.port"), Some("37777"));
        assert_eq!(get("dhip.ipv4address"), None); // nested objects are skipped
        // without the header, too
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        assert!(parse(REPLY.as_bytes(), &mut obs));
    }

    #[test]
    fn hostile_replies() {
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        // a header that claims a huge body
        let mut d = frame(REPLY.as_bytes());
        d[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&d, &mut obs));
        // truncated JSON, deep nesting, our own probe, garbage
        assert!(!parse(&frame(&REPLY.as_bytes()[..60]), &mut obs));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(!parse(deep.as_bytes(), &mut obs));
        assert!(!parse(
            &probe_message(),
            &mut HostObs::new("127.0.0.1".parse().unwrap())
        ));
        assert!(!parse(b"DHIP", &mut obs));
        assert!(!parse(&[0xffu8; 40], &mut obs));
    }
}
