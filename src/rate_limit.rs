//! Request limits counted by the Workers Rate Limiting bindings, checked
//! before any costly work (their limits and periods are in `wrangler.toml`):
//!
//! - `RATE_LIMITER`, per tenant: every key of a tenant counts against one
//!   allowance, so more keys do not mean more requests.
//! - `ADDRESS_RATE_LIMITER`, per client address: requests that fail
//!   authentication and calls of `/health`, the work anyone can cause
//!   without a key. An address past it is remembered by the isolate for the
//!   period, so its next attempts with keys the isolate does not know cost
//!   no database work at all.

use crate::config::Config;
use crate::isolate::{now_ms, Expiring};
use memo_api::error::ApiError;
use std::cell::RefCell;
use uuid::Uuid;
use worker::Env;

/// Most addresses an isolate remembers as refused.
const MAX_REFUSED_ADDRESSES: usize = 10_000;

thread_local! {
    static REFUSED: RefCell<Expiring<()>> = RefCell::new(Expiring::new(MAX_REFUSED_ADDRESSES));
}

async fn limit(env: &Env, config: &Config, binding: &str, bucket: String) -> Result<(), ApiError> {
    if !config.rate_limit_enabled {
        return Ok(());
    }
    let limiter = env.rate_limiter(binding).map_err(|e| {
        ApiError::Internal(format!("RATE_LIMIT_ENABLED is true but the {binding} binding is missing: {e}"))
    })?;
    if limiter.limit(bucket).await.map_err(crate::http::runtime)?.success {
        Ok(())
    } else {
        Err(ApiError::RateLimited { retry_after_seconds: config.rate_limit_retry_after_seconds })
    }
}

/// Counts a request of `tenant`, whichever of its keys it came with.
pub async fn tenant(env: &Env, config: &Config, tenant: Uuid) -> Result<(), ApiError> {
    limit(env, config, "RATE_LIMITER", tenant.simple().to_string()).await
}

/// Counts a request from `address` that needs no key or failed to give one.
pub async fn address(env: &Env, config: &Config, address: &str) -> Result<(), ApiError> {
    let counted = limit(env, config, "ADDRESS_RATE_LIMITER", address.to_owned()).await;
    if counted.is_err() {
        let now = now_ms();
        let until = now + config.rate_limit_retry_after_seconds * 1000;
        REFUSED.with_borrow_mut(|refused| refused.insert(address.to_owned(), (), until, now));
    }
    counted
}

/// 429 while `address` is past its limit, as far as this isolate knows.
pub fn refused(address: &str) -> Result<(), ApiError> {
    let now = now_ms();
    match REFUSED.with_borrow(|refused| refused.get(address, now)) {
        Some(((), until)) => Err(ApiError::RateLimited { retry_after_seconds: (until - now).div_ceil(1000) }),
        None => Ok(()),
    }
}
