//! Dahua's JSON RPC as the web client and the DVRIP port speak it: the
//! `global.login` challenge (`POST /RPC2_Login`, and DHIP frames on port
//! 37777), the "invalid session" answer to anything else, and the DHIP frame
//! that carries JSON on the binary ports and in UDP discovery. Error codes
//! and fields follow the DahuaConsole client and the corpus note
//! `protocols/dahua_discovery.md` (see `docs/sim.md`).

use crate::estate::Device;

/// A DHIP frame: 32-byte header (`0x20000000`, "DHIP", session, id, length
/// twice) and a JSON body.
pub fn dhip_frame(session: u32, id: u32, json: &str) -> Vec<u8> {
    let len = json.len() as u32;
    let mut f = Vec::with_capacity(32 + json.len());
    f.extend_from_slice(&0x20u32.to_le_bytes());
    f.extend_from_slice(b"DHIP");
    f.extend_from_slice(&session.to_le_bytes());
    f.extend_from_slice(&id.to_le_bytes());
    f.extend_from_slice(&len.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(&len.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(json.as_bytes());
    f
}

/// The request's `id`, echoed in the answer (1 when it has none).
fn json_id(body: &str) -> i64 {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_i64()))
        .unwrap_or(1)
}

/// `POST /RPC2_Login`, first step (no password): the login challenge with
/// the realm, random and encryption mode the client must use.
pub fn login_challenge(dev: &Device, body: &str) -> String {
    let id = json_id(body);
    let session = (dev.seed % 2_000_000_000) as i64;
    serde_json::json!({
        "error": {"code": 268632079, "message": "Component error: login challenge!"},
        "id": id,
        "params": {
            "authorization": crate::auth::md5_hex(&dev.serial),
            "encryption": "Default",
            "mac": dev.mac_hex_upper(),
            "random": (dev.seed % 1_000_000_000).to_string(),
            "realm": format!("Login to {}", dev.serial),
        },
        "result": false,
        "session": session,
    })
    .to_string()
}

/// Any other call without a session.
pub fn no_session(body: &str) -> String {
    serde_json::json!({
        "error": {"code": 287637505, "message": "Invalid session in request data!"},
        "id": json_id(body),
        "result": false,
        "session": 0,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_the_length_twice() {
        let f = dhip_frame(0, 7, "{}");
        assert_eq!(&f[4..8], b"DHIP");
        assert_eq!(u32::from_le_bytes([f[12], f[13], f[14], f[15]]), 7);
        assert_eq!(u32::from_le_bytes([f[16], f[17], f[18], f[19]]), 2);
        assert_eq!(u32::from_le_bytes([f[24], f[25], f[26], f[27]]), 2);
        assert_eq!(&f[32..], b"{}");
    }

    #[test]
    fn answers_echo_the_request_id() {
        assert!(no_session(r#"{"method":"x","id":42}"#).contains("\"id\":42"));
        assert!(no_session("not json").contains("\"id\":1"));
    }
}
