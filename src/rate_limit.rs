//! Requests per API key, counted by the Workers Rate Limiting binding
//! `RATE_LIMITER` (its limit and period are in `wrangler.toml`). The check
//! runs before any database work, so requests over one key's limit are
//! refused without a Postgres connection. Buckets are per presented key,
//! valid or not: a flood spread over many made-up keys still costs each
//! request a connection and the statement that rejects its key.

use crate::auth::KeyHash;
use crate::config::Config;
use crate::error::ApiError;
use worker::Env;

pub async fn check(env: &Env, config: &Config, key: &KeyHash) -> Result<(), ApiError> {
    if !config.rate_limit_enabled {
        return Ok(());
    }
    let limiter = env.rate_limiter("RATE_LIMITER").map_err(|e| {
        ApiError::Internal(format!("RATE_LIMIT_ENABLED is true but the RATE_LIMITER binding is missing: {e}"))
    })?;
    let outcome = limiter.limit(key.bucket()).await?;
    if outcome.success {
        Ok(())
    } else {
        Err(ApiError::RateLimited { retry_after_seconds: config.rate_limit_retry_after_seconds })
    }
}
