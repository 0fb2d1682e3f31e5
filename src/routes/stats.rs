//! `GET /v1/stats`: counts for the caller, and how long the database took.

use super::Ctx;
use crate::http::Reply;
use memo_api::error::ApiError;
use memo_api::key::KeyHash;
use serde::Serialize;
use serde_json::Value;

/// How many tags `top_tags` lists.
pub const TOP_TAGS: i64 = 10;

#[derive(Serialize)]
struct Stats {
    total: i64,
    last_24h: i64,
    by_kind: Value,
    by_source: Value,
    top_tags: Value,
    by_day: Value,
    /// What the tenant holds, as its quotas count it.
    usage: Amounts,
    /// The tenant's quotas.
    quota: Amounts,
    db: Timings,
}

/// Memories and bytes (content, title and metadata).
#[derive(Serialize)]
struct Amounts {
    memories: i64,
    bytes: i64,
}

impl From<(i64, i64)> for Amounts {
    fn from((memories, bytes): (i64, i64)) -> Amounts {
        Amounts { memories, bytes }
    }
}

#[derive(Serialize)]
struct Timings {
    connect_ms: f64,
    query_ms: f64,
}

pub async fn stats(cx: &Ctx, key: &KeyHash) -> Result<Reply, ApiError> {
    let db = cx.db().await?;
    let started = worker::Date::now().as_millis();
    let stats = memo_api::sql::stats::stats(db, key, TOP_TAGS).await?;
    let query_ms = (worker::Date::now().as_millis() - started) as f64;
    Reply::json(
        200,
        &Stats {
            total: stats.total,
            last_24h: stats.last_24h,
            by_kind: stats.by_kind,
            by_source: stats.by_source,
            top_tags: stats.top_tags,
            by_day: stats.by_day,
            usage: stats.usage.into(),
            quota: stats.quota.into(),
            db: Timings { connect_ms: db.connect_ms, query_ms },
        },
    )
}
