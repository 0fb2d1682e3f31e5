//! Where a request is authenticated: the API key is taken from the headers
//! here and hashed; the database checks the hash inside the same statement
//! that does the work (see `memo_api::sql::authed!`), so authentication costs no extra
//! round trip.

use crate::isolate::{now_ms, Expiring};
use crate::rate_limit;
use crate::routes::Ctx;
use memo_api::error::ApiError;
use memo_api::key::{well_formed, KeyHash};
use memo_api::sql::keys::tenant_of;
use std::cell::RefCell;
use uuid::Uuid;
use worker::Headers;

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
            cx.set_key_checked();
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
}
