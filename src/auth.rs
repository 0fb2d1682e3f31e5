//! Where a request is authenticated: the API key is taken from the headers
//! here and hashed; the database checks the hash inside the same statement
//! that does the work (see `db::authed!`), so authentication costs no extra
//! round trip.

use crate::db::keys::tenant_of;
use crate::error::ApiError;
use crate::isolate::{now_ms, Expiring};
use crate::rate_limit;
use crate::routes::Ctx;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use uuid::Uuid;
use worker::Headers;

/// Every key starts with this (`memo-admin key create` makes them).
pub const KEY_PREFIX: &str = "memo_";
/// Random bytes after the prefix, in URL-safe base64 without padding.
pub const KEY_SECRET_BYTES: usize = 32;

/// Whether `key` has the shape of a key `memo-admin` makes: anything else is
/// refused without asking the database.
pub fn well_formed(key: &str) -> bool {
    let Some(secret) = key.strip_prefix(KEY_PREFIX) else {
        return false;
    };
    secret.len() == (KEY_SECRET_BYTES * 4).div_ceil(3)
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

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

/// `Authorization: Bearer <key>` or `X-API-Key: <key>`, if it has the shape
/// of a key.
pub fn presented_key(headers: &Headers) -> Result<KeyHash, ApiError> {
    let header = |name| headers.get(name).ok().flatten();
    let key = header("authorization")
        .and_then(|value| bearer_token(&value).map(str::to_owned))
        .or_else(|| header("x-api-key").map(|value| value.trim().to_owned()))
        .filter(|key| well_formed(key))
        .ok_or(ApiError::Unauthorized)?;
    Ok(KeyHash::of(&key))
}

/// The client's address, for the limits of requests made without a valid
/// key: `CF-Connecting-IP`, which Cloudflare sets (and wrangler dev, from
/// the peer address); one shared bucket where it is missing.
pub fn client_address(headers: &Headers) -> String {
    headers.get("cf-connecting-ip").ok().flatten().map_or_else(|| "unknown".to_owned(), |a| a.trim().to_owned())
}

/// Most keys an isolate remembers as active.
const MAX_KNOWN_KEYS: usize = 10_000;

thread_local! {
    /// Keys this isolate found active lately (by [`KeyHash::bucket`]), with their tenant.
    static KNOWN_KEYS: RefCell<Expiring<Uuid>> = RefCell::new(Expiring::new(MAX_KNOWN_KEYS));
}

/// The caller's key and tenant, established before any costly work (reading
/// and parsing a body, analysing content): a key this isolate found active
/// within `KEY_CACHE_SECONDS` is known; another one is looked up, unless its
/// address is past its limit of failed attempts. Then the tenant's request
/// is counted, whichever of its keys it came with.
pub async fn authenticate(headers: &Headers, cx: &Ctx) -> Result<(KeyHash, Uuid), ApiError> {
    let address = client_address(headers);
    let key = match presented_key(headers) {
        Ok(key) => key,
        Err(error) => return Err(failed(cx, &address, error).await),
    };
    let now = now_ms();
    let tenant = match KNOWN_KEYS.with_borrow(|known| known.get(&key.bucket(), now)) {
        Some((tenant, _)) => tenant,
        None => {
            rate_limit::refused(&address)?;
            let Some(tenant) = tenant_of(cx.db().await?, &key).await? else {
                return Err(failed(cx, &address, ApiError::Unauthorized).await);
            };
            let until = now + cx.config.key_cache_seconds * 1000;
            KNOWN_KEYS.with_borrow_mut(|known| known.insert(key.bucket(), tenant, until, now));
            tenant
        }
    };
    rate_limit::tenant(&cx.env, cx.config, tenant).await?;
    Ok((key, tenant))
}

/// A failed authentication counts against the client's address: past its
/// limit the answer is 429, not `error`.
async fn failed(cx: &Ctx, address: &str, error: ApiError) -> ApiError {
    let counted = match rate_limit::refused(address) {
        Ok(()) => rate_limit::address(&cx.env, cx.config, address).await,
        refused => refused,
    };
    counted.err().unwrap_or(error)
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
    fn only_key_shaped_strings_are_keys() {
        let key = format!("memo_{}", "A".repeat(43));
        assert!(well_formed(&key));
        assert!(well_formed("memo_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_"));
        assert!(!well_formed(&format!("memo_{}", "A".repeat(42))));
        assert!(!well_formed(&format!("memo_{}", "A".repeat(44))));
        assert!(!well_formed(&format!("memo_{}=", "A".repeat(42))));
        assert!(!well_formed(&format!("key_{}", "A".repeat(44))));
        assert!(!well_formed(""));
    }

    #[test]
    fn hashes_differ_and_hide_the_key() {
        assert_ne!(KeyHash::of("a").as_bytes(), KeyHash::of("b").as_bytes());
        assert_eq!(format!("{:?}", KeyHash::of("secret")), "KeyHash(..)");
    }
}
