//! The old aiohttp server's routes, with its response shapes, so its clients
//! keep working once they send an API key. They use the same parsing,
//! analysis and SQL as `/v1`.

use super::search::SearchRequest;
use super::Ctx;
use crate::http::{Params, Reply};
use chrono::{DateTime, SecondsFormat, Utc};
use memo_api::domain::memory::{preview, Memory};
use memo_api::domain::paging::PageLimit;
use memo_api::error::{ApiError, FieldError};
use memo_api::key::KeyHash;
use memo_api::sql::memories as sql;
use memo_api::sql::search::PageContent;
use serde::Serialize;
use serde_json::json;

/// Characters of content the old `/search` returned per result.
const CONTENT_PREVIEW_CHARS: usize = 200;

/// `POST /memory` → `{success, memory_id, message}`
pub async fn capture(cx: &Ctx, key: &KeyHash, body: &[u8]) -> Result<Reply, ApiError> {
    let captured = super::memories::store_capture_body(cx, key, body).await?;
    let memory = &captured.memory;
    let message = match (captured.updated, captured.duplicate) {
        (true, _) => format!("Memory updated: {}", memory.title),
        (_, true) => format!("Memory already captured: {}", memory.title),
        _ => format!("Memory captured: {}", memory.title),
    };
    Reply::json(200, &json!({"success": true, "memory_id": memory.id, "message": message}))
}

#[derive(Serialize)]
struct Summary<'a> {
    id: uuid::Uuid,
    title: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    tags: &'a [String],
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<String>,
}

impl<'a> Summary<'a> {
    fn of(memory: &'a Memory, content: Option<String>) -> Self {
        Summary {
            id: memory.id,
            title: &memory.title,
            kind: &memory.kind,
            tags: &memory.tags,
            created_at: memory.created_at,
            content,
        }
    }
}

/// `GET /memories?limit&offset` → `{total, limit, offset, memories}`
pub async fn list(cx: &Ctx, key: &KeyHash, params: &Params) -> Result<Reply, ApiError> {
    let limit = PageLimit::parse(params.get("limit"), &cx.config.limits)?;
    let offset = match params.get("offset") {
        None => 0,
        Some(raw) => raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| FieldError::new("offset", "offset must be a whole number of at least 0"))?,
    };
    let db = cx.db().await?;
    let (total, memories) = sql::list_by_offset(db, key, limit, offset).await?;
    let memories: Vec<_> = memories.iter().map(|m| Summary::of(m, None)).collect();
    Reply::json(200, &json!({"total": total, "limit": limit.get(), "offset": offset, "memories": memories}))
}

/// `GET /search?q&limit` → `{query, count, results}`, now ranked full-text.
/// A missing or empty `q` is a 400, as the old server answered.
pub async fn search(cx: &Ctx, key: &KeyHash, params: &Params) -> Result<Reply, ApiError> {
    if params.get("q").is_none_or(str::is_empty) {
        return Err(ApiError::MissingParameter(FieldError::new("q", "q is required")));
    }
    let mut request = SearchRequest::parse(params, &cx.config.limits, cx.now)?;
    request.content = PageContent { preview_chars: CONTENT_PREVIEW_CHARS, budget: None };
    let (hits, _) = request.run(cx, key).await?;
    let results: Vec<_> =
        hits.iter().map(|hit| Summary::of(&hit.memory, Some(preview(&hit.start, CONTENT_PREVIEW_CHARS).0))).collect();
    Reply::json(200, &json!({"query": request.query.raw(), "count": results.len(), "results": results}))
}

/// `GET /` → `{status, service, version, timestamp, database}`
pub async fn status(cx: &Ctx, key: &KeyHash) -> Result<Reply, ApiError> {
    cx.check_key(key).await?;
    Reply::json(
        200,
        &json!({
            "status": "healthy",
            "service": "memo",
            "version": env!("CARGO_PKG_VERSION"),
            "timestamp": cx.now.to_rfc3339_opts(SecondsFormat::Millis, true),
            "database": "connected",
        }),
    )
}
