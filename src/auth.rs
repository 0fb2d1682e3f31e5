//! Where a request is authenticated: the API key is taken from the headers
//! here and hashed; the database checks the hash inside the same statement
//! that does the work (see `db::authed!`), so authentication costs no extra
//! round trip.

use crate::error::ApiError;
use sha2::{Digest, Sha256};
use worker::Headers;

/// The SHA-256 digest of a presented API key. Keys are stored only as this
/// digest, and lookups are by digest, so the comparison never touches the
/// clear key and leaks nothing about it through timing.
#[derive(Clone)]
pub struct KeyHash(Vec<u8>);

impl KeyHash {
    pub fn of(key: &str) -> KeyHash {
        KeyHash(Sha256::digest(key.as_bytes()).to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// A name for this key's rate-limit counter that reveals nothing of it.
    pub fn bucket(&self) -> String {
        self.0[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The digest as a `bytea` statement parameter.
    pub fn as_param(&self) -> &Vec<u8> {
        &self.0
    }
}

/// Keys are never printed, not even in debug output.
impl std::fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHash(..)")
    }
}

/// `Authorization: Bearer <key>` or `X-API-Key: <key>`.
pub fn presented_key(headers: &Headers) -> Result<KeyHash, ApiError> {
    let header = |name| headers.get(name).ok().flatten();
    let key = header("authorization")
        .and_then(|value| bearer_token(&value).map(str::to_owned))
        .or_else(|| header("x-api-key").map(|value| value.trim().to_owned()))
        .filter(|key| !key.is_empty())
        .ok_or(ApiError::Unauthorized)?;
    Ok(KeyHash::of(&key))
}

fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(char::is_whitespace)?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer memo_abc"), Some("memo_abc"));
        assert_eq!(bearer_token("bearer   memo_abc "), Some("memo_abc"));
        assert_eq!(bearer_token("Basic dXNlcg=="), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn hashes_differ_and_hide_the_key() {
        assert_ne!(KeyHash::of("a").as_bytes(), KeyHash::of("b").as_bytes());
        assert_eq!(format!("{:?}", KeyHash::of("secret")), "KeyHash(..)");
    }
}
