//! `GET /health`: is the worker up and can it reach Postgres? No key needed,
//! and it reveals nothing but the answer.

use super::Ctx;
use crate::error::ApiError;
use crate::http::json;
use serde_json::json;
use worker::Response;

/// Connects and runs `select 1`.
pub async fn database_reachable(cx: &Ctx) -> Result<(), ApiError> {
    cx.db().await?.query("select 1", &[]).await.map(drop)
}

pub async fn health(cx: &Ctx) -> Result<Response, ApiError> {
    match database_reachable(cx).await {
        Ok(()) => json(200, &json!({"status": "ok", "database": "connected"})),
        Err(error) => {
            let retry_after = cx.config.retry_after_seconds.to_string();
            let response =
                json(503, &json!({"status": "degraded", "database": "unavailable", "reason": error.code()}))?;
            response.headers().set("retry-after", &retry_after)?;
            worker::console_warn!("health: database unavailable: {}", error.log_detail().unwrap_or(error.code()));
            Ok(response)
        }
    }
}
