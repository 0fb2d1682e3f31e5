//! `GET /health`: is the worker up and can it reach Postgres? No key needed,
//! and it reveals nothing but the answer. Anyone may call it, so calls count
//! against the client's address (`ADDRESS_RATE_LIMITER`), and an isolate
//! answers from its last check for `HEALTH_CACHE_SECONDS` instead of
//! connecting to Postgres on every call.

use super::Ctx;
use crate::http::Reply;
use crate::isolate::now_ms;
use crate::rate_limit;
use memo_api::error::ApiError;
use memo_api::sql::Connection;
use serde_json::json;
use std::cell::Cell;

/// The last check's outcome (the error's code if it failed), and until when it stands.
type Checked = (Result<(), &'static str>, u64);

thread_local! {
    static LAST_CHECK: Cell<Option<Checked>> = const { Cell::new(None) };
}

/// Connects and runs `select 1`.
pub async fn database_reachable(cx: &Ctx) -> Result<(), ApiError> {
    cx.db().await?.query("select 1", &[]).await.map(drop)
}

/// The database check, or the last one while it stands.
async fn check(cx: &Ctx) -> Result<(), &'static str> {
    let now = now_ms();
    if let Some((outcome, until)) = LAST_CHECK.get() {
        if until > now {
            return outcome;
        }
    }
    let outcome = database_reachable(cx).await.map_err(|error| {
        worker::console_warn!("health: database unavailable: {}", error.log_detail().unwrap_or(error.code()));
        error.code()
    });
    LAST_CHECK.set(Some((outcome, now + cx.config.health_cache_seconds * 1000)));
    outcome
}

pub async fn health(cx: &Ctx, address: &str) -> Result<Reply, ApiError> {
    rate_limit::address(&cx.env, cx.config, address).await?;
    match check(cx).await {
        Ok(()) => Reply::json(200, &json!({"status": "ok", "database": "connected"})),
        Err(reason) => {
            let body = json!({"status": "degraded", "database": "unavailable", "reason": reason});
            Ok(Reply::json(503, &body)?.with_header("Retry-After", cx.config.retry_after_seconds.to_string()))
        }
    }
}
