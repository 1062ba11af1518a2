//! HTTP/RTSP Basic and Digest (RFC 7616 / 2617, MD5) and ONVIF WS-Security
//! UsernameToken checks, as the emulated devices perform them.
//!
//! Nonces are not remembered (any well-formed nonce is accepted): the
//! simulator checks that the client can compute the response, which is what
//! a scanner's tests need.

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use md5::{Digest as _, Md5};
use sha1::Sha1;

use crate::estate::Rng;

static NONCE_COUNTER: AtomicU64 = AtomicU64::new(1);

/// `n` lowercase hex digits of fresh, per-device nonce material.
pub fn nonce_hex(seed: u64, n: usize) -> String {
    let mut r = Rng::new(seed ^ NONCE_COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut s = String::with_capacity(n + 16);
    while s.len() < n {
        s.push_str(&format!("{:016x}", r.next_u64()));
    }
    s.truncate(n);
    s
}

pub fn md5_hex(data: &str) -> String {
    let d = Md5::digest(data.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits `k=v, k="v"` parameter lists (commas inside quotes kept).
fn params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').unwrap_or(r.len());
            value = r[..end].to_owned();
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        rest = rest.trim_start().trim_start_matches(',').trim_start();
        out.push((key, value));
    }
    out
}

/// True when `authorization` (the header value) carries valid credentials,
/// Basic or Digest, for `method` on this realm.
pub fn check(
    authorization: Option<&str>,
    method: &str,
    realm: &str,
    user: &str,
    pass: &str,
    allow_basic: bool,
) -> bool {
    let Some(h) = authorization else { return false };
    let h = h.trim();
    if let Some(b) = h
        .strip_prefix("Basic ")
        .or_else(|| h.strip_prefix("basic "))
    {
        return allow_basic
            && B64
                .decode(b.trim())
                .ok()
                .and_then(|v| String::from_utf8(v).ok())
                .is_some_and(|s| s == format!("{user}:{pass}"));
    }
    let Some(d) = h
        .strip_prefix("Digest ")
        .or_else(|| h.strip_prefix("digest "))
    else {
        return false;
    };
    let p = params(d);
    let get = |k: &str| p.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let (Some(u), Some(r), Some(nonce), Some(uri), Some(resp)) = (
        get("username"),
        get("realm"),
        get("nonce"),
        get("uri"),
        get("response"),
    ) else {
        return false;
    };
    if u != user || r != realm {
        return false;
    }
    let ha1 = md5_hex(&format!("{user}:{realm}:{pass}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let expected = match (get("qop"), get("nc"), get("cnonce")) {
        (Some(qop), Some(nc), Some(cnonce)) => {
            md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}"))
        }
        _ => md5_hex(&format!("{ha1}:{nonce}:{ha2}")),
    };
    expected.eq_ignore_ascii_case(resp)
}

/// The text between `<…name>` and `</…name>` (any namespace prefix).
pub fn xml_text<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = doc[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before = &doc[..at];
        let lt = before.rfind('<')?;
        let tag_prefix = &before[lt + 1..];
        if tag_prefix.starts_with('/')
            || tag_prefix.contains(|c: char| c.is_whitespace() || c == '>')
        {
            continue;
        }
        let rest = &doc[from..];
        if !rest.starts_with(|c: char| c == '>' || c.is_whitespace()) {
            continue;
        }
        let open_end = rest.find('>')?;
        if rest[..open_end].ends_with('/') {
            return Some("");
        }
        let content = &rest[open_end + 1..];
        let close = content.find("</")?;
        return Some(content[..close].trim());
    }
    None
}

/// Checks a WS-Security UsernameToken (PasswordDigest or PasswordText) in a
/// SOAP envelope, as ONVIF devices do.
pub fn check_wsse(envelope: &str, user: &str, pass: &str) -> bool {
    let (Some(u), Some(pw)) = (
        xml_text(envelope, "Username"),
        xml_text(envelope, "Password"),
    ) else {
        return false;
    };
    if u != user {
        return false;
    }
    let is_digest = envelope.contains("#PasswordDigest");
    if !is_digest {
        return pw == pass;
    }
    let (Some(nonce), Some(created)) = (xml_text(envelope, "Nonce"), xml_text(envelope, "Created"))
    else {
        return false;
    };
    let Ok(nonce) = B64.decode(nonce.trim()) else {
        return false;
    };
    let mut h = Sha1::new();
    h.update(&nonce);
    h.update(created.as_bytes());
    h.update(pass.as_bytes());
    B64.encode(h.finalize()) == pw.trim()
}

/// Checks a WS-Security UsernameToken that must carry the password in the
/// clear (PasswordText, the token type's default when no Type is given);
/// a PasswordDigest, even a correct one, is refused.
pub fn check_wsse_text_only(envelope: &str, user: &str, pass: &str) -> bool {
    if envelope.contains("#PasswordDigest") {
        return false;
    }
    check_wsse(envelope, user, pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_rfc2617_example() {
        // RFC 2617 section 3.5.
        let h = r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        assert!(check(
            Some(h),
            "GET",
            "testrealm@host.com",
            "Mufasa",
            "Circle Of Life",
            false
        ));
        assert!(!check(
            Some(h),
            "GET",
            "testrealm@host.com",
            "Mufasa",
            "wrong",
            false
        ));
    }

    #[test]
    fn basic_only_when_allowed() {
        let h = format!("Basic {}", B64.encode("admin:pw"));
        assert!(check(Some(&h), "GET", "r", "admin", "pw", true));
        assert!(!check(Some(&h), "GET", "r", "admin", "pw", false));
    }

    #[test]
    fn wsse_digest() {
        let nonce = B64.encode(b"0123456789abcdef");
        let created = "2024-01-01T00:00:00Z";
        let mut h = Sha1::new();
        h.update(b"0123456789abcdef");
        h.update(created.as_bytes());
        h.update(b"secret");
        let digest = B64.encode(h.finalize());
        let env = format!(
            r#"<s:Envelope><s:Header><wsse:Security><wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{digest}</wsse:Password><wsse:Nonce EncodingType="x">{nonce}</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header></s:Envelope>"#
        );
        assert!(check_wsse(&env, "admin", "secret"));
        assert!(!check_wsse(&env, "admin", "other"));
        // A device that wants the password in the clear refuses the digest.
        assert!(!check_wsse_text_only(&env, "admin", "secret"));
        let text = r#"<s:Envelope><s:Header><wsse:Security><wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">secret</wsse:Password></wsse:UsernameToken></wsse:Security></s:Header></s:Envelope>"#;
        assert!(check_wsse_text_only(text, "admin", "secret"));
        assert!(!check_wsse_text_only(text, "admin", "other"));
    }
}
