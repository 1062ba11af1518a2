//! Page cursors as clients see them: opaque text, the base64url (no
//! padding) of the store's [`DeviceCursor`] as JSON. Opaque so that clients
//! pass it back rather than build one; decoded strictly, so a damaged or
//! forged cursor is a clear 400 and never a store error.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use camaudit_store::DeviceCursor;

use crate::error::ApiError;

/// Longer than any cursor this server writes, by far.
const MAX_LEN: usize = 256;

pub fn encode(cursor: &DeviceCursor) -> String {
    // A struct of three integers always serialises.
    let json = serde_json::to_vec(cursor).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode(text: &str) -> Result<DeviceCursor, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "bad_cursor",
            "cursor is not one this server gave: pass the `next` of the previous page as it is, or leave cursor out to start again",
        )
    };
    if text.len() > MAX_LEN {
        return Err(bad());
    }
    let json = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    serde_json::from_slice(&json).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_store::{ScanId, SiteId};

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let c = DeviceCursor {
            site: SiteId(3),
            scan: ScanId(17),
            idx: 250,
        };
        let text = encode(&c);
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(decode(&text).unwrap(), c);
        for bad in [
            "",
            "!!!",
            "e30",
            &"A".repeat(300),
            &URL_SAFE_NO_PAD.encode(r#"{"site":1,"scan":2}"#),
        ] {
            let e = decode(bad).unwrap_err();
            assert_eq!(e.code, "bad_cursor", "{bad}");
        }
    }
}
