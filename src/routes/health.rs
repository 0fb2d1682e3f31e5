//! `GET /health`: is the worker up and can it reach Postgres? No key needed,
//! and it reveals nothing but the answer.

use super::Ctx;
use crate::error::ApiError;
use crate::http::Reply;
use serde_json::json;

/// Connects and runs `select 1`.
pub async fn database_reachable(cx: &Ctx) -> Result<(), ApiError> {
    cx.db().await?.query("select 1", &[]).await.map(drop)
}

pub async fn health(cx: &Ctx) -> Result<Reply, ApiError> {
    match database_reachable(cx).await {
        Ok(()) => Reply::json(200, &json!({"status": "ok", "database": "connected"})),
        Err(error) => {
            worker::console_warn!("health: database unavailable: {}", error.log_detail().unwrap_or(error.code()));
            let body = json!({"status": "degraded", "database": "unavailable", "reason": error.code()});
            Ok(Reply::json(503, &body)?.with_header("Retry-After", cx.config.retry_after_seconds.to_string()))
        }
    }
}
