//! Making a token's secret and the hash the store keeps of it.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use camaudit_store::{NewToken, TokenScope};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// What every secret starts with, so a leaked one is recognisable (secret
/// scanners, log filters) and a token of another system is refused before
/// any look-up.
pub const SECRET_MARK: &str = "cam_";

/// Random bytes in a secret: 256 bits, beyond any guessing.
const RANDOM_BYTES: usize = 32;

/// A secret's length: the mark and 32 bytes in base64url without padding.
pub const SECRET_LEN: usize = SECRET_MARK.len() + 43;

/// How many of the secret's first characters the store keeps to recognise
/// it by (the mark and 8 random characters: 48 bits, too few to help a
/// guess of the other 35).
pub const PREFIX_LEN: usize = 12;

/// A token's secret, as its owner must present it. It exists only in the
/// answer to `token create`: the store keeps its [`hash`]. `Display` shows
/// it (to print it that once); `Debug` does not, so it never slips into a
/// log line through `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}…)", &self.0[..PREFIX_LEN])
    }
}

/// The operating system gave no random bytes.
#[derive(Debug, thiserror::Error)]
#[error("the operating system gave no random bytes for a token secret: {0}")]
pub struct NoRandomness(getrandom::Error);

/// A bearer value that cannot be a camaudit secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSecret {
    #[error("it does not start with {SECRET_MARK:?}")]
    NoMark,
    #[error("it has {0} characters, not {SECRET_LEN}")]
    Length(usize),
    #[error("it has a character outside A-Z, a-z, 0-9, '-' and '_'")]
    Character,
}

/// A new secret for `scope`, and the token to store for it (its hash and
/// prefix, never the secret).
pub fn try_generate(
    scope: TokenScope,
    label: &str,
    now: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
) -> Result<(Secret, NewToken), NoRandomness> {
    let mut random = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut random).map_err(NoRandomness)?;
    let secret = format!("{SECRET_MARK}{}", URL_SAFE_NO_PAD.encode(random));
    let token = NewToken {
        hash: hash(&secret),
        prefix: secret[..PREFIX_LEN].to_owned(),
        label: label.to_owned(),
        scope,
        created_at: now,
        expires_at,
    };
    Ok((Secret(secret), token))
}

/// [`try_generate`], for callers with no way to report that the operating
/// system's random source failed.
///
/// # Panics
/// If the operating system gives no random bytes (on Linux, `getrandom(2)`
/// fails only on a kernel older than 3.17 with no `/dev/urandom`): there is
/// no safe secret to fall back to.
pub fn generate(
    scope: TokenScope,
    label: &str,
    now: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
) -> (Secret, NewToken) {
    match try_generate(scope, label, now, expires_at) {
        Ok(made) => made,
        Err(e) => panic!("{e}"),
    }
}

/// SHA-256 of the whole secret, as the store keeps it. A plain fast hash
/// is enough: the secret is 256 random bits, not a password a dictionary
/// could reach, so a slow hash would only slow every request.
pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `secret` has the shape [`generate`] gives: the mark, then 43
/// base64url characters.
pub fn check_shape(secret: &str) -> Result<(), BadSecret> {
    if secret.len() != SECRET_LEN {
        return Err(BadSecret::Length(secret.chars().count()));
    }
    let Some(random) = secret.strip_prefix(SECRET_MARK) else {
        return Err(BadSecret::NoMark);
    };
    if random
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(BadSecret::Character)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_store::{OrgId, SiteId};
    use std::collections::HashSet;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2027-01-01 09:00 UTC);

    fn made() -> (Secret, NewToken) {
        let scope = TokenScope::Sensor {
            org: OrgId(3),
            sites: vec![SiteId(4), SiteId(5)],
        };
        generate(
            scope,
            "north sensor",
            NOW,
            Some(datetime!(2027-04-01 0:00 UTC)),
        )
    }

    #[test]
    fn a_secret_is_the_mark_and_43_base64url_characters_of_32_bytes() {
        let (secret, _) = made();
        let s = secret.as_str();
        assert_eq!(s.len(), SECRET_LEN);
        assert_eq!(SECRET_LEN, 47);
        assert!(s.starts_with("cam_"));
        let bytes = URL_SAFE_NO_PAD.decode(&s[4..]).unwrap();
        assert_eq!(bytes.len(), 32);
        assert_eq!(check_shape(s), Ok(()));
    }

    #[test]
    fn secrets_are_distinct() {
        let secrets: HashSet<String> = (0..1000).map(|_| made().0.to_string()).collect();
        assert_eq!(secrets.len(), 1000);
    }

    #[test]
    fn the_stored_token_has_the_hash_and_prefix_of_the_secret_and_what_was_asked() {
        let (secret, token) = made();
        assert_eq!(token.hash, hash(secret.as_str()));
        assert_eq!(token.prefix.len(), 12);
        assert!(secret.as_str().starts_with(&token.prefix));
        assert_eq!(token.label, "north sensor");
        assert_eq!(token.created_at, NOW);
        assert_eq!(token.expires_at, Some(datetime!(2027-04-01 0:00 UTC)));
        assert_eq!(
            token.scope,
            TokenScope::Sensor {
                org: OrgId(3),
                sites: vec![SiteId(4), SiteId(5)]
            }
        );
    }

    #[test]
    fn hash_is_sha256() {
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        let expected = [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
            0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
            0xf2, 0x00, 0x15, 0xad,
        ];
        assert_eq!(hash("abc"), expected);
        assert_ne!(hash("abd"), expected);
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let (secret, token) = made();
        let shown = format!("{secret:?}");
        assert!(shown.contains(&token.prefix));
        assert!(!shown.contains(&secret.as_str()[PREFIX_LEN..]));
        assert_eq!(format!("{secret}"), secret.as_str());
    }

    #[test]
    fn shapes_that_are_not_secrets_are_named() {
        let good = made().0.to_string();
        assert_eq!(check_shape(""), Err(BadSecret::Length(0)));
        assert_eq!(check_shape(&good[..46]), Err(BadSecret::Length(46)));
        assert_eq!(
            check_shape(&format!("tok_{}", &good[4..])),
            Err(BadSecret::NoMark)
        );
        assert_eq!(
            check_shape(&format!("{}+", &good[..46])),
            Err(BadSecret::Character)
        );
        // 47 bytes but not 47 characters: refused, not sliced mid-character.
        let wide = format!("cam_é{}", &good[6..]);
        assert_eq!(wide.len(), 47);
        assert_eq!(check_shape(&wide), Err(BadSecret::Character));
    }
}
