//! Who may talk to an estate server, and what they may do.
//!
//! A token is a random secret (`cam_` and 43 characters of base64url: 32
//! bytes from the operating system), shown to its owner once when it is
//! made. The store keeps only its SHA-256 and its first characters (to
//! recognise it by in `token list`), so a copy of the database lets nobody
//! in. [`authenticate`] turns an `Authorization: Bearer …` header into the
//! stored [`Token`], refusing unknown, expired and revoked ones, and the
//! `may_*` functions say what its [`TokenScope`] allows:
//!
//! | scope  | reads                      | writes batches            | manages |
//! |--------|----------------------------|---------------------------|---------|
//! | admin  | every organisation         | no                        | yes     |
//! | viewer | its own organisation       | no                        | no      |
//! | sensor | nothing                    | the sites it was issued for | no    |
//!
//! ```
//! use camaudit_auth::{generate, hash, may_read_org, may_write_site};
//! use camaudit_store::{OrgId, SiteId, TokenScope};
//! use time::macros::datetime;
//!
//! let scope = TokenScope::Sensor { org: OrgId(1), sites: vec![SiteId(7)] };
//! let (secret, token) = generate(scope, "leeds cctv sensor", datetime!(2027-01-01 0:00 UTC), None);
//! assert!(secret.as_str().starts_with("cam_"));
//! assert_eq!(token.hash, hash(secret.as_str()));
//! assert!(may_write_site(&token.scope, OrgId(1), SiteId(7)));
//! assert!(!may_write_site(&token.scope, OrgId(1), SiteId(8)));
//! assert!(!may_read_org(&token.scope, OrgId(1)));
//! ```

mod scope;
mod secret;

pub use scope::{EmptySensorScope, may_admin, may_read_org, may_write_site, sensor_scope};
pub use secret::{
    BadSecret, NoRandomness, PREFIX_LEN, SECRET_LEN, SECRET_MARK, Secret, check_shape, generate,
    hash, try_generate,
};

use camaudit_store::{Estate, StoreError, Token, TokenId};
use time::OffsetDateTime;

/// Why a request was not let in. The API answers 401 to all of these alike
/// (so a caller cannot tell a revoked token from a mistyped one), but logs
/// and tests see which it was; [`AuthError::Store`] is the server's fault
/// and is not a 401.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no Authorization header: send `Authorization: Bearer cam_…`")]
    Missing,
    #[error("the Authorization header is not `Bearer <token>`")]
    NotBearer,
    #[error("the bearer token is not a camaudit token: {0}")]
    Malformed(#[from] BadSecret),
    #[error("no such token (ask an admin for one: `camaudit token create`)")]
    Unknown,
    #[error("token {id} expired at {at}")]
    Expired { id: TokenId, at: OffsetDateTime },
    #[error("token {id} was revoked at {at}")]
    Revoked { id: TokenId, at: OffsetDateTime },
    #[error("cannot look the token up: {0}")]
    Store(#[from] StoreError),
}

impl AuthError {
    /// Whether the caller is refused (401), rather than the server failing.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, AuthError::Store(_))
    }
}

/// The secret in an `Authorization` header's value: `Bearer`, in any case
/// (HTTP's schemes are case-insensitive), one or more spaces, and a secret
/// of the shape [`generate`] makes. A value of another shape is refused
/// before any look-up.
pub fn bearer_secret(authorization: Option<&str>) -> Result<&str, AuthError> {
    let value = authorization.ok_or(AuthError::Missing)?.trim();
    let (scheme, rest) = value.split_once(' ').ok_or(AuthError::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::NotBearer);
    }
    let secret = rest.trim_start_matches(' ');
    check_shape(secret)?;
    Ok(secret)
}

/// The stored token behind an `Authorization` header's value, if it is one
/// that lets anyone in at `now`.
///
/// The secret is found by its hash, and the store's index compares hashes:
/// no secret is ever compared, so no timing of a comparison can leak one
/// byte by byte (learning a hash's prefix does not help find a secret that
/// hashes to it). That is why no constant-time comparison is needed here.
pub fn authenticate(
    estate: &dyn Estate,
    authorization: Option<&str>,
    now: OffsetDateTime,
) -> Result<Token, AuthError> {
    let secret = bearer_secret(authorization)?;
    let token = estate
        .token_by_hash(&hash(secret))?
        .ok_or(AuthError::Unknown)?;
    if let Some(at) = token.revoked_at {
        return Err(AuthError::Revoked { id: token.id, at });
    }
    match token.expires_at {
        Some(at) if now >= at => Err(AuthError::Expired { id: token.id, at }),
        _ => Ok(token),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_store::TokenScope;
    use time::macros::datetime;

    fn secret() -> Secret {
        generate(
            TokenScope::Admin,
            "test",
            datetime!(2027-01-01 0:00 UTC),
            None,
        )
        .0
    }

    #[test]
    fn a_missing_header_is_refused_as_missing() {
        assert!(matches!(bearer_secret(None), Err(AuthError::Missing)));
    }

    #[test]
    fn other_schemes_are_refused() {
        let s = secret();
        for value in [
            format!("Basic {s}"),
            format!("Token {s}"),
            format!("Bearer{s}"),
            s.to_string(),
            "Bearer".to_owned(),
            String::new(),
        ] {
            assert!(
                matches!(bearer_secret(Some(&value)), Err(AuthError::NotBearer)),
                "{value:?}"
            );
        }
    }

    #[test]
    fn the_secret_after_bearer_in_any_case_is_taken() {
        let s = secret();
        for value in [
            format!("Bearer {s}"),
            format!("bearer {s}"),
            format!("BEARER   {s}"),
            format!(" Bearer {s} "),
        ] {
            assert_eq!(
                bearer_secret(Some(&value)).unwrap(),
                s.as_str(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn a_bearer_value_that_is_no_secret_is_malformed() {
        let s = secret();
        for value in [
            "Bearer abc".to_owned(),
            format!("Bearer {s}x"),
            format!("Bearer {s} {s}"),
            format!("Bearer gh_{}", &s.as_str()[3..]),
        ] {
            assert!(
                matches!(bearer_secret(Some(&value)), Err(AuthError::Malformed(_))),
                "{value:?}"
            );
        }
    }

    #[test]
    fn only_a_store_failure_is_not_a_refusal() {
        assert!(AuthError::Unknown.is_refusal());
        assert!(AuthError::NotBearer.is_refusal());
        assert!(!AuthError::Store(StoreError::Disconnected).is_refusal());
    }
}
